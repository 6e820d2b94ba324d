// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPv4 ID stamping: written into unfragmented datagrams only, with the
 * header checksum updated (expect.c sums it again from scratch, so a byte
 * match is a valid checksum); fragments keep the kernel's ID, since all
 * fragments of a datagram must share it; IPv6 has no ID to write.
 */
#include "cases.h"

#define FRAG_ID 0x7a11

#define FIRST(...) .pkt = { .frag = { .part = FIRST_FRAGMENT, .id = FRAG_ID }, __VA_ARGS__ }
#define LATER(...) .pkt = { .frag = { .part = LATER_FRAGMENT, .id = FRAG_ID }, __VA_ARGS__ }

static const struct prog_case rows[] = {
	{ "ip id: stamped on an unfragmented IPv4 datagram",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0xbeef)) }, .want = { .ip_id = SET(0xbeef) },
		  .cnt = { MARKED, C(IPID_SET) } }) },
	{ "ip id: 0 is a value like any other",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0)) }, .want = { .ip_id = SET(0) },
		  .cnt = { MARKED, C(IPID_SET) } }) },
	{ "ip id: with TTL, TOS and DF, one checksum update for all",
	  STEPS({ .act = { MARK(TSN, .ttl = 3, .tos = SET(0xb8), .tos_mask = 0xfc,
				.df = PMARK_DF_SET, .ip_id = SET(0x1234)) },
		  .pkt = { .tos = 0x02 },
		  .want = { .ttl = 3, .tos = SET(0xba), .df = DF_ON, .ip_id = SET(0x1234) },
		  .cnt = { MARKED, C(TTL_SET), C(TOS_SET), C(DF_SET), C(IPID_SET) } }) },
	/* ID 0x8e59 brings the default header's checksum to 0x0000. */
	{ "ip id: to a header checksum of 0x0000; to ID 0xffff",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0x8e59)) },
		  .want = { .ip_id = SET(0x8e59) }, .cnt = { MARKED, C(IPID_SET) } },
		{ .act = { MARK(TSN, .ip_id = SET(0xffff)) }, .want = { .ip_id = SET(0xffff) },
		  .cnt = { MARKED, C(IPID_SET) } }) },
	{ "ip id: with IPv4 options",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0xabcd)) }, .pkt = { .ip_opt_words = 3 },
		  .want = { .ip_id = SET(0xabcd) }, .cnt = { MARKED, C(IPID_SET) } }) },
	{ "ip id: bare IP (pmark_egress_l3)",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0x0102)) }, .pkt = { .bare_ip = true },
		  .want = { .ip_id = SET(0x0102) }, .cnt = { MARKED, C(IPID_SET) } }) },
	{ "ip id: once: the retransmission keeps the kernel's ID",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0x0bad), .once = true) },
		  .want = { .ip_id = SET(0x0bad) }, .cnt = { MARKED, C(IPID_SET) } },
		{ .cnt = { LEFT(ONCE_CONSUMED) } }) },
	/* Rewriting one fragment's ID would orphan it from its siblings. */
	{ "ip id: not written on fragments, first or later; the rest follows",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .ip_id = SET(0xbeef)) }, FIRST(),
		  .want = { .ttl = 7 }, .cnt = { MARKED, C(TTL_SET), C(NOT_APPLICABLE) } },
		{ LATER(), .want = { .ttl = 7 },
		  .cnt = { C(SEEN), C(FRAG_FOLLOWED), C(MARKED), C(TTL_SET), C(NOT_APPLICABLE) } }) },
	{ "ip id: alone on a fragmented datagram: marked, nothing written",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0xbeef)) }, FIRST(),
		  .cnt = { MARKED, C(NOT_APPLICABLE) } },
		{ LATER(), .cnt = { C(SEEN), C(FRAG_FOLLOWED), C(MARKED), C(NOT_APPLICABLE) } }) },
	{ "ip id: IPv6 has none: not applicable, the rest applies",
	  STEPS({ .act = { MARK(TSN, .ttl = 5, .ip_id = SET(0xbeef)) }, .pkt = { .ipv6 = true },
		  .want = { .ttl = 5 }, .cnt = { MARKED, C(TTL_SET), C(NOT_APPLICABLE) } }) },
	{ "ip id: IPv6 fragments: not applicable",
	  STEPS({ .act = { MARK(TSN, .ip_id = SET(0xbeef)) }, FIRST(.ipv6 = true),
		  .cnt = { MARKED, C(NOT_APPLICABLE) } },
		{ LATER(.ipv6 = true),
		  .cnt = { C(SEEN), C(FRAG_FOLLOWED), C(MARKED), C(NOT_APPLICABLE) } }) },
};

const struct case_table ipid_cases = { rows, ARRAY_SIZE(rows) };
