/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Crafted Ethernet frames for the benchmark: IPv4 or IPv6, UDP, and (on an
 * SCTP port) the SCTP common header with one DATA chunk, as usrsctp sends
 * them.  IPv4 fragments too.  Only what the tc program reads is exact (the
 * IPv4 header checksum included, since the program updates it); the UDP and
 * SCTP checksums are left zero.
 */
#ifndef BENCH_PACKET_H
#define BENCH_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_LEN 14
#define PKT_IP4_LEN 20
#define PKT_IP6_LEN 40
#define PKT_FRAME_MAX 1514      /* Ethernet MTU-sized frame */
#define PKT_FRAME_SMALL 106     /* a small SCTP DATA message over UDP/IPv4 */

struct pkt_spec {
	int family;             /* 4 or 6 */
	size_t frame_len;       /* whole Ethernet frame, headers included */
	uint16_t sport, dport;  /* UDP ports */
	uint32_t vtag, tsn;     /* SCTP verification tag, TSN of the DATA chunk */
	/* IPv4 fragmentation: all zero for a whole datagram. */
	uint16_t ip_id;
	uint16_t frag_offset;   /* in 8-byte units; > 0 is a later fragment (no UDP header) */
	bool more_fragments;
	uint16_t datagram_udp_len;  /* first fragment: UDP length of the whole datagram */
};

/* Writes the frame into frame[PKT_FRAME_MAX]; returns its length, 0 if the spec cannot be built. */
size_t pkt_build(uint8_t *frame, const struct pkt_spec *s);

#endif /* BENCH_PACKET_H */
