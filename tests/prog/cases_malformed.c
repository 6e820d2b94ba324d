// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Truncated and inconsistent packets: each must leave byte for byte as it
 * came, counted as truncated or malformed.  A record that would match the
 * packet is written first, so that only the damage keeps it unmarked.
 *
 * BPF_PROG_TEST_RUN refuses (EINVAL) a frame shorter than an Ethernet
 * header, and one whose ethertype is IPv4 or IPv6 but that ends inside that
 * header.  So the shortest frame here is 14 bytes announcing a VLAN tag, and
 * truncated IP headers sit behind a tag, where the kernel does not look.
 */
#include "cases.h"

#define CUT(layer, n) .cut = { .at = (layer), .plus = (n) }
#define TRUNCATED .act = { MARK(TSN, .ttl = 9) }, .cnt = { REFUSED(TRUNCATED) }
#define MALFORMED .act = { MARK(TSN, .ttl = 9) }, .cnt = { REFUSED(MALFORMED) }

/* UDP header + SCTP common header + one DATA chunk of 16 + 32 bytes. */
#define UDP_LEN_DEFAULT (8 + 12 + 48)

static const struct prog_case rows[] = {
	{ "truncated: 14-byte frame announcing an 802.1Q tag",
	  STEPS({ TRUNCATED, .pkt = { .vlans = 1, CUT(AT_VLAN, 0) } }) },
	{ "truncated: inside the second VLAN tag",
	  STEPS({ TRUNCATED, .pkt = { .vlans = 2, CUT(AT_VLAN, 6) } }) },
	{ "truncated: 802.1Q tag then nothing",
	  STEPS({ TRUNCATED, .pkt = { .vlans = 1, CUT(AT_IP, 0) } }) },
	{ "truncated: IPv4 header (behind an 802.1Q tag)",
	  STEPS({ TRUNCATED, .pkt = { .vlans = 1, CUT(AT_IP, 19) } }) },
	{ "truncated: IPv4 options",
	  STEPS({ TRUNCATED, .pkt = { .ip_opt_words = 3, CUT(AT_IP_OPT, 5) } }) },
	{ "truncated: IPv6 header (behind an 802.1Q tag)",
	  STEPS({ TRUNCATED, .pkt = { .vlans = 1, .ipv6 = true, CUT(AT_IP, 39) } }) },
	{ "truncated: IPv6 extension header",
	  STEPS({ TRUNCATED, .pkt = { .ipv6 = true, EXT6(0, 60), CUT(AT_EXT6, 1) } }) },
	{ "truncated: UDP header", STEPS({ TRUNCATED, .pkt = { CUT(AT_UDP, 7) } }) },
	{ "truncated: SCTP common header", STEPS({ TRUNCATED, .pkt = { CUT(AT_SCTP, 11) } }) },
	{ "truncated: chunk header", STEPS({ TRUNCATED, .pkt = { CUT(AT_CHUNK, 3) } }) },
	{ "truncated: second chunk's header, after a SACK",
	  STEPS({ TRUNCATED, .pkt = { CHUNKS(SACK, DATA(TSN)), CUT(AT_DATA, 2) } }) },
	{ "truncated: DATA chunk header before the TSN",
	  STEPS({ TRUNCATED, .pkt = { CUT(AT_DATA, 7) } }) },
	{ "truncated: l3 program, bare IPv4 header",
	  STEPS({ TRUNCATED, .pkt = { .bare_ip = true, CUT(AT_IP, 19) } }) },
	{ "truncated: l3 program, bare IPv6 header",
	  STEPS({ TRUNCATED, .pkt = { .bare_ip = true, .ipv6 = true, CUT(AT_IP, 30) } }) },
	{ "truncated: l3 program, bare IPv6 UDP header",
	  STEPS({ TRUNCATED, .pkt = { .bare_ip = true, .ipv6 = true, CUT(AT_UDP, 4) } }) },

	{ "malformed: chunk length 0",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(0) }) } }) },
	{ "malformed: chunk length 3",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(3) }) } }) },
	{ "malformed: SACK of length 0 before DATA",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_SACK, .len = SET(0) }, DATA(TSN)) } }) },
	{ "malformed: chunk length beyond the UDP length",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(52) }) } }) },
	{ "malformed: control chunk running past the UDP length before DATA",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_HEARTBEAT, .len = SET(200) },
					      DATA(TSN)) } }) },
	{ "malformed: DATA chunk length 15 (< 16)",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(15) }) } }) },
	{ "malformed: DATA chunk length 8 (TSN inside, still < 16)",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(8) }) } }) },
	{ "malformed: I-DATA chunk length 19 (< 20)",
	  STEPS({ MALFORMED, .pkt = { CHUNKS({ .type = CT_IDATA, .tsn = TSN, .len = SET(19) }) } }) },
	{ "malformed: IHL 4", STEPS({ MALFORMED, .pkt = { .ihl = SET(4) } }) },
	{ "malformed: IHL 0", STEPS({ MALFORMED, .pkt = { .ihl = SET(0) } }) },
	{ "malformed: IPv4 ethertype, version 5", STEPS({ MALFORMED, .pkt = { .version = SET(5) } }) },
	{ "malformed: IPv4 ethertype, version 6 header",
	  STEPS({ MALFORMED, .pkt = { .version = SET(6) } }) },
	{ "malformed: IPv6 ethertype, version 4",
	  STEPS({ MALFORMED, .pkt = { .ipv6 = true, .version = SET(4) } }) },
	{ "malformed: l3 program, version 5",
	  STEPS({ MALFORMED, .pkt = { .bare_ip = true, .version = SET(5) } }) },
	{ "malformed: IPv4 total length shorter than its header",
	  STEPS({ MALFORMED, .pkt = { .ip_len = SET(19) } }) },
	{ "malformed: UDP length 19 (< 8 + 12)", STEPS({ MALFORMED, .pkt = { .udp_len = SET(19) } }) },
	{ "malformed: UDP length 8", STEPS({ MALFORMED, .pkt = { .udp_len = SET(8) } }) },
	{ "malformed: UDP length beyond the IPv4 payload",
	  STEPS({ MALFORMED, .pkt = { .udp_len = SET(UDP_LEN_DEFAULT + 4) } }) },
	{ "malformed: IPv4 total length ends inside the UDP datagram",
	  STEPS({ MALFORMED, .pkt = { .ip_len = SET(20 + UDP_LEN_DEFAULT - 8) } }) },
	{ "malformed: IPv4 total length ends inside the SCTP common header",
	  STEPS({ MALFORMED, .pkt = { .ip_len = SET(20 + 8 + 4) } }) },
	{ "malformed: UDP length beyond the IPv6 payload",
	  STEPS({ MALFORMED, .pkt = { .ipv6 = true, .udp_len = SET(UDP_LEN_DEFAULT + 4) } }) },
	{ "malformed: IPv6 payload length ends inside the UDP datagram",
	  STEPS({ MALFORMED, .pkt = { .ipv6 = true, .ip_len = SET(UDP_LEN_DEFAULT - 8) } }) },
};

const struct case_table malformed_cases = { rows, ARRAY_SIZE(rows) };
