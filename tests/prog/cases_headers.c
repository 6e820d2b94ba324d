// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every header layout the program must see through: the same record, the same rewrite. */
#include "cases.h"

#define TTL9 .act = { MARK(TSN, .ttl = 9) }, .want = { .ttl = 9 }, \
	     .cnt = { MARKED, C(TTL_SET) }

#define IHL(n) { "headers: IPv4 with options, IHL " #n, \
		 STEPS({ TTL9, .pkt = { .ip_opt_words = (n) - 5 } }) }

static const struct prog_case rows[] = {
	{ "headers: Ethernet + IPv4", STEPS({ TTL9, .pkt = {} }) },
	IHL(6), IHL(7), IHL(8), IHL(9), IHL(10), IHL(11), IHL(12), IHL(13), IHL(14), IHL(15),
	{ "headers: 802.1Q tag + IPv4", STEPS({ TTL9, .pkt = { .vlans = 1 } }) },
	{ "headers: QinQ (802.1ad + 802.1Q) + IPv4 with options",
	  STEPS({ TTL9, .pkt = { .vlans = 2, .ip_opt_words = 3 } }) },
	{ "headers: Ethernet + IPv6", STEPS({ TTL9, .pkt = { .ipv6 = true } }) },
	{ "headers: 802.1Q tag + IPv6", STEPS({ TTL9, .pkt = { .vlans = 1, .ipv6 = true } }) },
	{ "headers: IPv6 + hop-by-hop, routing, destination options",
	  STEPS({ TTL9, .pkt = { .ipv6 = true, EXT6(0, 43, 60) } }) },
	{ "headers: IPv6 + atomic fragment header (a whole datagram)",
	  STEPS({ TTL9, .pkt = { .ipv6 = true, EXT6(0, 44) } }) },
	{ "headers: IPv6 + 6 extension headers (the walk's bound)",
	  STEPS({ TTL9, .pkt = { .ipv6 = true, EXT6(0, 60, 43, 60, 60, 60) } }) },
	/* A registered port's datagram the program gave up on: a bound, not a foreign packet. */
	{ "headers: IPv6 + 7 extension headers: walk_limit, unchanged",
	  STEPS({ .act = { MARK(TSN, .ttl = 9) },
		  .pkt = { .ipv6 = true, EXT6(0, 60, 43, 60, 60, 60, 60) },
		  .cnt = { REFUSED(WALK_LIMIT) } }) },
	{ "headers: IPv6 payload length 0 (jumbogram): the UDP length is trusted",
	  STEPS({ TTL9, .pkt = { .ipv6 = true, .ip_len = SET(0) } }) },
	{ "headers: l3 program, bare IPv4", STEPS({ TTL9, .pkt = { .bare_ip = true } }) },
	{ "headers: l3 program, bare IPv4 with options",
	  STEPS({ TTL9, .pkt = { .bare_ip = true, .ip_opt_words = 2 } }) },
	{ "headers: l3 program, bare IPv6", STEPS({ TTL9, .pkt = { .bare_ip = true, .ipv6 = true } }) },
	{ "headers: l3 program, bare IPv6 + hop-by-hop, destination options",
	  STEPS({ TTL9, .pkt = { .bare_ip = true, .ipv6 = true, EXT6(0, 60) } }) },
};

const struct case_table header_cases = { rows, ARRAY_SIZE(rows) };
