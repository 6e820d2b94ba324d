// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "pkt.h"

#define IPPROTO_UDP_ 17
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t pkt_ip4_src[4] = { 192, 0, 2, 1 };
const uint8_t pkt_ip4_dst[4] = { 198, 51, 100, 7 };
const uint8_t pkt_ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
const uint8_t pkt_ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 0x07 };

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "pkt_build: %s\n", what);
	abort();
}

void pkt_wr16(uint8_t *q, uint16_t v)
{
	q[0] = v >> 8;
	q[1] = v;
}

void pkt_wr32(uint8_t *q, uint32_t v)
{
	pkt_wr16(q, v >> 16);
	pkt_wr16(q + 2, v);
}

uint8_t *pkt_put(struct pkt *p, size_t n)
{
	uint8_t *q;

	if (p->len + n > PKT_MAX)
		die("frame larger than PKT_MAX");
	q = p->b + p->len;
	memset(q, 0, n);
	p->len += n;
	return q;
}

static void put_pattern(struct pkt *p, size_t n)
{
	uint8_t *q = pkt_put(p, n);

	for (size_t i = 0; i < n; i++)
		q[i] = (uint8_t)(0xa0 + i * 7);
}

static uint16_t ip_ethertype(const struct pkt_spec *s)
{
	if (s->ethertype)
		return s->ethertype;
	return s->ipv6 ? ETH_IPV6 : ETH_IPV4;
}

static void put_l2(struct pkt *p, const struct pkt_spec *s)
{
	static const uint16_t tpids[3][3] = {
		{ 0x8100 }, { 0x88a8, 0x8100 }, { 0x88a8, 0x8100, 0x8100 },
	};
	const uint16_t *tpid;
	uint8_t *eth = pkt_put(p, 14);

	if (s->vlans > 3)
		die("at most 3 VLAN tags");
	tpid = s->vlans ? tpids[s->vlans - 1] : NULL;
	memcpy(eth, mac_dst, 6);
	memcpy(eth + 6, mac_src, 6);
	pkt_wr16(eth + 12, tpid ? tpid[0] : ip_ethertype(s));
	for (int i = 0; i < s->vlans; i++) {
		uint8_t *tag = pkt_put(p, 4);

		if (i == 0)
			p->at[AT_VLAN] = (int)(tag - p->b);
		pkt_wr16(tag, (uint16_t)(100 + i));               /* PCP 0, VID 100.. */
		pkt_wr16(tag + 2, i + 1 < s->vlans ? tpid[i + 1] : ip_ethertype(s));
	}
}

static uint8_t l4_proto(const struct pkt_spec *s)
{
	return s->proto ? s->proto : IPPROTO_UDP_;
}

static void put_ipv4(struct pkt *p, const struct pkt_spec *s)
{
	size_t opt_len = 4u * s->ip_opt_words;
	uint8_t *ip;

	if (s->ip_opt_words > 10)
		die("IPv4 options are at most 10 words");
	p->at[AT_IP] = (int)p->len;
	ip = pkt_put(p, 20 + opt_len);
	ip[0] = 0x45 + s->ip_opt_words;
	ip[1] = s->tos;
	pkt_wr16(ip + 4, s->frag.part != WHOLE ? (uint16_t)s->frag.id :
		     is_set(s->ip_id) ? (uint16_t)set_value(s->ip_id) : 0x4242);
	pkt_wr16(ip + 6, s->df ? 0x4000 : 0);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = l4_proto(s);
	memcpy(ip + 12, pkt_ip4_src, 4);
	memcpy(ip + 16, pkt_ip4_dst, 4);
	if (opt_len) {
		p->at[AT_IP_OPT] = p->at[AT_IP] + 20;
		memset(ip + 20, 1, opt_len - 1);             /* NOPs, then End of Options */
	}
}

/* Returns the offset of the last next-header field, for the header that follows. */
static size_t put_ext6(struct pkt *p, uint8_t type, size_t nh_at)
{
	uint8_t *x;

	p->b[nh_at] = type;
	switch (type) {
	case 0:         /* hop-by-hop: one PadN option fills it to 8 bytes */
		x = pkt_put(p, 8);
		x[2] = 1;
		x[3] = 4;
		break;
	case 60:        /* destination options: PadN to 16 bytes */
		x = pkt_put(p, 16);
		x[1] = 1;
		x[2] = 1;
		x[3] = 12;
		break;
	case 43:        /* segment routing header, one segment, segments left 0 */
		x = pkt_put(p, 24);
		x[1] = 2;
		x[2] = 4;
		memcpy(x + 8, pkt_ip6_dst, 16);  /* the final destination stays the IPv6 destination */
		break;
	case 44:        /* fragment header, offset 0 and M 0: an atomic fragment (RFC 6946) */
		x = pkt_put(p, 8);
		pkt_wr32(x + 4, 0xa70a1c);
		break;
	default:
		die("IPv6 extension header type must be 0, 43, 44 or 60");
	}
	if (p->at[AT_EXT6] < 0)
		p->at[AT_EXT6] = (int)(x - p->b);
	return (size_t)(x - p->b);
}

static void put_ipv6(struct pkt *p, const struct pkt_spec *s)
{
	size_t nh_at;
	uint8_t *ip;

	p->at[AT_IP] = (int)p->len;
	ip = pkt_put(p, 40);
	ip[0] = 0x60 | s->tos >> 4;
	ip[1] = (uint8_t)(s->tos << 4) | 0x1;        /* flow label 0x12345 */
	ip[2] = 0x23;
	ip[3] = 0x45;
	ip[7] = s->ttl ? s->ttl : 64;
	memcpy(ip + 8, pkt_ip6_src, 16);
	memcpy(ip + 24, pkt_ip6_dst, 16);
	nh_at = (size_t)(ip - p->b) + 6;
	for (int i = 0; i < s->n_ext6; i++)
		nh_at = put_ext6(p, s->ext6[i], nh_at);
	if (s->frag.part != WHOLE) {
		uint8_t *fh = pkt_put(p, 8);

		p->b[nh_at] = 44;
		nh_at = (size_t)(fh - p->b);
		pkt_wr32(fh + 4, s->frag.id);
	}
	p->b[nh_at] = l4_proto(s);
}

static size_t chunk_fixed_len(uint8_t type)
{
	switch (type) {
	case CT_DATA: return 16;
	case CT_IDATA: return 20;
	case CT_SACK: return 16;
	case CT_HEARTBEAT: return 20;
	case CT_FORWARD_TSN: return 8;
	default: return 4;
	}
}

static void put_chunk(struct pkt *p, const struct chunk *c)
{
	bool data = c->type == CT_DATA || c->type == CT_IDATA;
	size_t body = c->body ? c->body : data ? 32 : 0;
	size_t real = chunk_fixed_len(c->type) + body;
	size_t off = p->len;
	uint8_t *q = pkt_put(p, real);

	if (p->at[AT_CHUNK] < 0)
		p->at[AT_CHUNK] = (int)off;
	if (data && p->at[AT_DATA] < 0)
		p->at[AT_DATA] = (int)off;
	q[0] = c->type;
	pkt_wr16(q + 2, (uint16_t)(is_set(c->len) ? set_value(c->len) : real));
	switch (c->type) {
	case CT_DATA:
		q[1] = 0x03;                    /* B and E: a whole message */
		pkt_wr32(q + 4, c->tsn);
		pkt_wr16(q + 8, 1);                 /* stream 1, SSN 0 */
		pkt_wr32(q + 12, 51);               /* PPID: WebRTC string */
		break;
	case CT_IDATA:
		q[1] = 0x03;
		pkt_wr32(q + 4, c->tsn);
		pkt_wr16(q + 8, 1);                 /* stream 1, MID 0 */
		pkt_wr32(q + 16, 51);
		break;
	case CT_SACK:
		pkt_wr32(q + 4, c->tsn);
		pkt_wr32(q + 8, 0x20000);           /* a_rwnd; no gap blocks, no duplicates */
		break;
	case CT_HEARTBEAT:
		pkt_wr16(q + 4, 1);                 /* heartbeat info parameter */
		pkt_wr16(q + 6, 16);
		memset(q + 8, 0x5a, 12);
		break;
	case CT_FORWARD_TSN:
		pkt_wr32(q + 4, c->tsn);
		break;
	}
	for (size_t i = real - body; i < real; i++)
		q[i] = (uint8_t)(0x30 + i);
	pkt_put(p, (4 - real % 4) % 4);             /* padding */
}

static void put_sctp_over_udp(struct pkt *p, const struct pkt_spec *s)
{
	static const struct chunk one_data = { .type = CT_DATA, .tsn = TSN };
	const struct chunk *chunks = s->chunks ? s->chunks : &one_data;
	size_t n = s->chunks ? s->n_chunks : 1;
	uint8_t *udp, *sctp;

	p->at[AT_UDP] = (int)p->len;
	udp = pkt_put(p, 8);
	pkt_wr16(udp, s->sport ? s->sport : SPORT);
	pkt_wr16(udp + 2, s->dport ? s->dport : DPORT);
	p->at[AT_SCTP] = (int)p->len;
	sctp = pkt_put(p, 12);
	pkt_wr16(sctp, 5000);
	pkt_wr16(sctp + 2, 5000);
	pkt_wr32(sctp + 4, s->vtag ? s->vtag : VTAG);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < (chunks[i].count ? chunks[i].count : 1); k++)
			put_chunk(p, &chunks[i]);
}

/* One DTLS record: header (RFC 6347 4.1), then bytes that stand for its ciphertext. */
static void put_dtls_over_udp(struct pkt *p, const struct pkt_spec *s)
{
	size_t body = s->dtls.body ? s->dtls.body : DTLS_BODY;
	uint64_t seq = s->dtls.seq ? s->dtls.seq : DTLS_SEQ;
	uint8_t *udp, *h;

	p->at[AT_UDP] = (int)p->len;
	udp = pkt_put(p, 8);
	pkt_wr16(udp, s->sport ? s->sport : SPORT);
	pkt_wr16(udp + 2, s->dport ? s->dport : DPORT);
	p->at[AT_DTLS] = (int)p->len;
	h = pkt_put(p, 13);
	h[0] = (uint8_t)(is_set(s->dtls.type) ? set_value(s->dtls.type) : 23);
	pkt_wr16(h + 1, (uint16_t)(is_set(s->dtls.version) ? set_value(s->dtls.version) : 0xfefd));
	pkt_wr16(h + 3, (uint16_t)(is_set(s->dtls.epoch) ? set_value(s->dtls.epoch) : DTLS_EPOCH));
	pkt_wr16(h + 5, (uint16_t)(seq >> 32));
	pkt_wr32(h + 7, (uint32_t)seq);
	pkt_wr16(h + 11, (uint16_t)(is_set(s->dtls.len) ? set_value(s->dtls.len) : body));
	put_pattern(p, body);
}

static void finish_sctp_over_udp(struct pkt *p, const struct pkt_spec *s)
{
	uint8_t *udp = p->b + p->at[AT_UDP];
	size_t udp_len = p->len - p->at[AT_UDP];
	size_t alen = s->ipv6 ? 16 : 4;
	const uint8_t *ip = p->b + p->at[AT_IP];

	if (p->at[AT_SCTP] >= 0) {
		uint8_t *sctp = p->b + p->at[AT_SCTP];
		uint32_t crc = crc32c(sctp, p->len - p->at[AT_SCTP]);

		/* The CRC32c goes on the wire least significant byte first. */
		sctp[8] = crc;
		sctp[9] = crc >> 8;
		sctp[10] = crc >> 16;
		sctp[11] = crc >> 24;
	}
	pkt_wr16(udp + 4, (uint16_t)udp_len);
	pkt_wr16(udp + 6, udp_csum(ip + (s->ipv6 ? 8 : 12), ip + (s->ipv6 ? 24 : 16), alen, udp, udp_len));
	if (is_set(s->udp_len))
		pkt_wr16(udp + 4, (uint16_t)set_value(s->udp_len));
}

/* Keeps one fragment of the datagram built in p. */
static void fragment(struct pkt *p, const struct pkt_spec *s)
{
	size_t start = (size_t)p->l4, first = s->frag.first_len ? s->frag.first_len : 48;
	size_t total = p->len - start;
	uint16_t offset_units = 0;
	bool more = s->frag.part == FIRST_FRAGMENT;

	if (first % 8 || first >= total)
		die("first fragment length must be a multiple of 8 shorter than the datagram");
	if (more) {
		p->len = start + first;
	} else {
		memmove(p->b + start, p->b + start + first, total - first);
		p->len -= first;
		offset_units = (uint16_t)(first / 8);
		for (int l = AT_UDP; l < AT_COUNT; l++)
			p->at[l] = -1;
	}
	if (s->ipv6) {
		uint8_t *fh = p->b + start - 8;

		pkt_wr16(fh + 2, (uint16_t)(offset_units << 3 | more));
	} else {
		uint8_t *ip = p->b + p->at[AT_IP];

		pkt_wr16(ip + 6, (uint16_t)((s->df ? 0x4000 : 0) | (more ? 0x2000 : 0) | offset_units));
	}
}

static void finish_ip(struct pkt *p, const struct pkt_spec *s)
{
	uint8_t *ip = p->b + p->at[AT_IP];
	size_t ip_len = p->len - p->at[AT_IP];

	if (s->ipv6) {
		pkt_wr16(ip + 4, (uint16_t)(is_set(s->ip_len) ? set_value(s->ip_len) : ip_len - 40));
		if (is_set(s->version))
			ip[0] = (uint8_t)(set_value(s->version) << 4 | (ip[0] & 0x0f));
		return;
	}
	pkt_wr16(ip + 2, (uint16_t)(is_set(s->ip_len) ? set_value(s->ip_len) : ip_len));
	if (is_set(s->ihl))
		ip[0] = (ip[0] & 0xf0) | (set_value(s->ihl) & 0x0f);
	if (is_set(s->version))
		ip[0] = (uint8_t)(set_value(s->version) << 4 | (ip[0] & 0x0f));
	/* Over the header as built, whatever IHL now claims. */
	pkt_wr16(ip + 10, ipv4_header_csum(ip, 20 + 4u * s->ip_opt_words));
}

static void cut(struct pkt *p, const struct pkt_spec *s)
{
	int base = p->at[s->cut.at];

	if (base < 0 || base + s->cut.plus < 0 || (size_t)(base + s->cut.plus) > p->len)
		die("cut outside the packet");
	p->len = (size_t)(base + s->cut.plus);
}

void pkt_build(const struct pkt_spec *s, struct pkt *p)
{
	uint16_t type = ip_ethertype(s);

	memset(p, 0, sizeof(*p));
	for (int l = 0; l < AT_COUNT; l++)
		p->at[l] = -1;
	p->l4 = -1;
	p->eth = !s->bare_ip;
	if (p->eth)
		put_l2(p, s);
	p->ip = s->bare_ip || type == ETH_IPV4 || type == ETH_IPV6;
	p->ipv6 = s->ipv6;
	if (!p->ip) {
		put_pattern(p, 28);             /* an ARP-sized body */
	} else {
		if (s->ipv6)
			put_ipv6(p, s);
		else
			put_ipv4(p, s);
		p->l4 = (int)p->len;
		if (l4_proto(s) == IPPROTO_UDP_) {
			if (s->dtls.on)
				put_dtls_over_udp(p, s);
			else
				put_sctp_over_udp(p, s);
			finish_sctp_over_udp(p, s);
		} else {
			put_pattern(p, 32);
		}
		if (s->frag.part != WHOLE)
			fragment(p, s);
		finish_ip(p, s);
	}
	if (s->cut.at != AT_NONE)
		cut(p, s);
	p->consistent = s->cut.at == AT_NONE && !s->version && !s->ihl && !s->ip_len && !s->udp_len;
}

const char *pkt_where(const struct pkt *p, size_t off, char *buf, size_t len)
{
	static const char *const names[AT_COUNT] = {
		[AT_NONE] = "eth", [AT_VLAN] = "vlan", [AT_IP] = "ip", [AT_IP_OPT] = "ip-options",
		[AT_EXT6] = "ipv6-ext", [AT_UDP] = "udp", [AT_SCTP] = "sctp",
		[AT_CHUNK] = "chunk", [AT_DATA] = "data-chunk", [AT_DTLS] = "dtls",
	};
	int best = AT_NONE, base = 0;

	for (int l = AT_VLAN; l < AT_COUNT; l++)
		if (p->at[l] >= 0 && (size_t)p->at[l] <= off && p->at[l] >= base) {
			best = l;
			base = p->at[l];
		}
	snprintf(buf, len, "%s+%zu", names[best], off - (size_t)base);
	return buf;
}
