// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Building the benchmark's Ethernet / IP / UDP / SCTP frames (see packet.h). */
#include <arpa/inet.h>
#include <string.h>
#include "packet.h"

#define UDP_LEN 8
#define SCTP_COMMON_LEN 12
#define DATA_CHUNK_LEN 16       /* DATA chunk header, before user data */
#define SCTP_PPID_BINARY 53     /* WebRTC binary message */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
	return p + 4;
}

static uint16_t ip4_checksum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < PKT_IP4_LEN; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
}

static void put_ip4(uint8_t *h, const struct pkt_spec *s, size_t ip_len)
{
	uint16_t frag = s->frag_offset | (s->more_fragments ? 0x2000 : 0);

	h[0] = 0x45;
	h[1] = 0;                               /* TOS */
	put16(h + 2, (uint16_t)ip_len);
	put16(h + 4, s->ip_id);
	put16(h + 6, frag);
	h[8] = 64;                              /* TTL */
	h[9] = 17;                              /* UDP */
	put16(h + 10, 0);
	put32(h + 12, 0xc0000201);              /* 192.0.2.1 */
	put32(h + 16, 0xc6336401);              /* 198.51.100.1 */
	put16(h + 10, ip4_checksum(h));
}

static void put_ip6(uint8_t *h, size_t payload_len)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	put32(h, 0x60000000);                   /* version 6, class 0, no flow label */
	put16(h + 4, (uint16_t)payload_len);
	h[6] = 17;                              /* UDP */
	h[7] = 64;                              /* hop limit */
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* UDP header, SCTP common header, one DATA chunk running to the datagram's end. */
static void put_udp_sctp(uint8_t *u, const struct pkt_spec *s, size_t udp_len)
{
	uint8_t *p = u;
	size_t chunk_len = udp_len - UDP_LEN - SCTP_COMMON_LEN;

	p = put16(p, s->sport);
	p = put16(p, s->dport);
	p = put16(p, (uint16_t)udp_len);
	p = put16(p, 0);                        /* UDP checksum: not read by the program */
	p = put16(p, 5000);                     /* SCTP ports */
	p = put16(p, 5000);
	p = put32(p, s->vtag);
	p = put32(p, 0);                        /* CRC32c: not read by the program */
	*p++ = 0;                               /* DATA */
	*p++ = 0x03;                            /* B and E: a whole message */
	p = put16(p, (uint16_t)chunk_len);
	p = put32(p, s->tsn);
	p = put16(p, 0);                        /* stream */
	p = put16(p, 0);                        /* SSN */
	put32(p, SCTP_PPID_BINARY);
}

size_t pkt_build(uint8_t *frame, const struct pkt_spec *s)
{
	size_t l3 = PKT_ETH_LEN, ip_hlen = s->family == 6 ? PKT_IP6_LEN : PKT_IP4_LEN;
	size_t l4 = l3 + ip_hlen, udp_len;
	bool later_fragment = s->frag_offset > 0;
	bool first_fragment = !later_fragment && s->more_fragments;

	if ((s->family != 4 && s->family != 6) || s->frame_len > PKT_FRAME_MAX ||
	    s->frame_len < l4 + UDP_LEN + SCTP_COMMON_LEN + DATA_CHUNK_LEN)
		return 0;
	if (s->family == 6 && (s->frag_offset || s->more_fragments))
		return 0;                       /* IPv6 fragments are not built here */
	memset(frame, 0, PKT_FRAME_MAX);
	for (size_t i = l4; i < s->frame_len; i++)
		frame[i] = (uint8_t)i;          /* user data (later fragment: all of it) */
	put_eth(frame, s->family == 6 ? 0x86dd : 0x0800);
	if (s->family == 6)
		put_ip6(frame + l3, s->frame_len - l4);
	else
		put_ip4(frame + l3, s, s->frame_len - l3);
	if (later_fragment)
		return s->frame_len;
	udp_len = s->frame_len - l4;
	if (first_fragment) {
		if (s->datagram_udp_len <= udp_len)
			return 0;
		udp_len = s->datagram_udp_len;
	}
	put_udp_sctp(frame + l4, s, udp_len);
	return s->frame_len;
}
