// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IP fragments: only the first carries UDP and SCTP; the program remembers
 * what it applied to it under (src, dst, ID) and applies the same to the
 * later fragments of that datagram.
 */
#include "cases.h"

#define ID  0x7a11
#define ID2 0x7a12

#define FIRST(...) .pkt = { .frag = { .part = FIRST_FRAGMENT, .id = ID }, __VA_ARGS__ }
#define LATER(...) .pkt = { .frag = { .part = LATER_FRAGMENT, .id = ID }, __VA_ARGS__ }

/* The counters of a later fragment that got its first fragment's options. */
#define FOLLOWED C(SEEN), C(FRAG_FOLLOWED), C(MARKED)

static const struct prog_case rows[] = {
	{ "fragments: IPv4 first fragment marked, later fragment follows",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .tos = SET(0x20)) }, FIRST(),
		  .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { MARKED, C(TTL_SET), C(TOS_SET) } },
		{ LATER(), .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { FOLLOWED, C(TTL_SET), C(TOS_SET) } }) },
	/* The last fragment ends the datagram: its options are forgotten with it. */
	{ "fragments: IPv4 last fragment forgets the datagram: a repeat is frag_unknown",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ LATER(), .want = { .ttl = 7 }, .cnt = { FOLLOWED, C(TTL_SET) } },
		{ LATER(), .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv4 later fragment with no first fragment: frag_unknown",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, LATER(),
		  .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv4 later fragment of another IP ID: frag_unknown",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ .pkt = { .frag = { .part = LATER_FRAGMENT, .id = ID2 } },
		  .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	/* The IP ID wrapped: the old datagram's options must not leak into the new one. */
	{ "fragments: IPv4 ID reused by an unmarked datagram: its later fragment unmarked",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ FIRST(CHUNKS(DATA(TSN + 1))), .cnt = { LEFT(NO_RECORD) } },
		{ LATER(CHUNKS(DATA(TSN + 1))), .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv4 DF set on fragments is not applicable",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .df = PMARK_DF_SET) }, FIRST(),
		  .want = { .ttl = 7 }, .cnt = { MARKED, C(TTL_SET), C(NOT_APPLICABLE) } },
		{ LATER(), .want = { .ttl = 7 },
		  .cnt = { FOLLOWED, C(TTL_SET), C(NOT_APPLICABLE) } }) },
	/* A retransmission of a `once` datagram goes out unmarked, all of its fragments. */
	{ "fragments: IPv4 once record, retransmitted datagram unmarked in every fragment",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .once = true) }, FIRST(), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ LATER(), .want = { .ttl = 7 }, .cnt = { FOLLOWED, C(TTL_SET) } },
		{ FIRST(), .cnt = { LEFT(ONCE_CONSUMED) } },
		{ LATER(), .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv4 later fragment of a TCP datagram: not ours",
	  STEPS({ .pkt = { .proto = 6, .frag = { .part = LATER_FRAGMENT, .id = ID,
						 .first_len = 16 } },
		  .cnt = { REFUSED(NOT_OURS) } }) },
	{ "fragments: IPv4 with options, first marked, later follows",
	  STEPS({ .act = { MARK(TSN, .ttl = 3) }, FIRST(.ip_opt_words = 2), .want = { .ttl = 3 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ LATER(.ip_opt_words = 2), .want = { .ttl = 3 },
		  .cnt = { FOLLOWED, C(TTL_SET) } }) },
	{ "fragments: IPv6 first fragment marked, later fragment follows",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .tos = SET(0x20)) }, FIRST(.ipv6 = true),
		  .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { MARKED, C(TTL_SET), C(TOS_SET) } },
		{ LATER(.ipv6 = true), .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { FOLLOWED, C(TTL_SET), C(TOS_SET) } }) },
	{ "fragments: IPv6 after hop-by-hop and routing headers",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(.ipv6 = true, EXT6(0, 43)),
		  .want = { .ttl = 7 }, .cnt = { MARKED, C(TTL_SET) } },
		{ LATER(.ipv6 = true, EXT6(0, 43)), .want = { .ttl = 7 },
		  .cnt = { FOLLOWED, C(TTL_SET) } }) },
	{ "fragments: IPv6 later fragment of another identification: frag_unknown",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(.ipv6 = true), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ .pkt = { .ipv6 = true, .frag = { .part = LATER_FRAGMENT, .id = ID2 } },
		  .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv6 identification reused by an unmarked datagram",
	  STEPS({ .act = { MARK(TSN, .ttl = 7) }, FIRST(.ipv6 = true), .want = { .ttl = 7 },
		  .cnt = { MARKED, C(TTL_SET) } },
		{ FIRST(.ipv6 = true, CHUNKS(DATA(TSN + 1))), .cnt = { LEFT(NO_RECORD) } },
		{ LATER(.ipv6 = true, CHUNKS(DATA(TSN + 1))), .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
	{ "fragments: IPv6 later fragment of a TCP datagram: not ours",
	  STEPS({ .pkt = { .ipv6 = true, .proto = 6,
			   .frag = { .part = LATER_FRAGMENT, .id = ID, .first_len = 16 } },
		  .cnt = { REFUSED(NOT_OURS) } }) },
	{ "fragments: IPv6 DF record on fragments: not applicable",
	  STEPS({ .act = { MARK(TSN, .ttl = 7, .df = PMARK_DF_SET) }, FIRST(.ipv6 = true),
		  .want = { .ttl = 7 }, .cnt = { MARKED, C(TTL_SET), C(NOT_APPLICABLE) } },
		{ LATER(.ipv6 = true), .want = { .ttl = 7 },
		  .cnt = { FOLLOWED, C(TTL_SET), C(NOT_APPLICABLE) } }) },
};

const struct case_table fragment_cases = { rows, ARRAY_SIZE(rows) };
