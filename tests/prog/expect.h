/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a run should have produced, computed without the program's own
 * arithmetic: the input with the wanted fields written by hand and the IPv4
 * header checksum summed again from scratch.
 */
#ifndef TEST_EXPECT_H
#define TEST_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkt.h"

enum want_df { DF_SAME, DF_ON, DF_OFF };

/* Fields the program should rewrite; zero fields expect no change. */
struct want {
	uint8_t ttl;            /* IPv4 TTL / IPv6 hop limit */
	uint32_t tos;           /* SET(v): IPv4 TOS / IPv6 traffic class becomes v */
	enum want_df df;        /* IPv4 only */
	uint32_t ip_id;         /* SET(v): IPv4 ID becomes v */
};

void expect_packet(const struct pkt *in, const struct want *w, struct pkt *exp);

/* Offset of the first differing byte (a length difference counts), -1 when equal. */
long first_difference(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

enum udp_verdict { UDP_NOT_CHECKED, UDP_VALID, UDP_INVALID };

/*
 * Verifies the UDP checksum of the program's output `out` for the input built
 * from s (layout in `in`).  A fragment is checked over the datagram
 * reassembled with its sibling fragment.  Packets without a whole, consistent
 * UDP datagram (cut, lengths overridden, not UDP) are not checked.
 */
enum udp_verdict udp_verify(const struct pkt_spec *s, const struct pkt *in, const uint8_t *out,
			    size_t out_len);

#endif /* TEST_EXPECT_H */
