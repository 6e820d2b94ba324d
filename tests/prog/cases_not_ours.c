// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Traffic that is not SCTP over UDP from a registered port: counted, never touched. */
#include "cases.h"

#define ETH_ARP  0x0806
#define ETH_LLDP 0x88cc

/* A record that would match, so that only the packet's kind keeps it unmarked. */
#define NOT_OURS .act = { MARK(TSN, .ttl = 9) }, .cnt = { REFUSED(NOT_OURS) }

static const struct prog_case rows[] = {
	{ "not ours: only the destination port registered", { DPORT },
	  STEPS({ NOT_OURS, .pkt = {} }) },
	{ "not ours: IPv6, only the destination port registered", { DPORT },
	  STEPS({ NOT_OURS, .pkt = { .ipv6 = true } }) },
	{ "ours: source port 65535 registered, the last bit of the port bitmap", { 65535 },
	  STEPS({ .act = { MARK(TSN, .ttl = 9) }, .pkt = { .sport = 65535 }, .want = { .ttl = 9 },
		  .cnt = { MARKED, C(TTL_SET) } }) },
	{ "not ours: source port 65534, only 65535 registered", { 65535 },
	  STEPS({ NOT_OURS, .pkt = { .sport = 65534 } }) },
	{ "not ours: TCP over IPv4", STEPS({ NOT_OURS, .pkt = { .proto = 6 } }) },
	{ "not ours: TCP over IPv6", STEPS({ NOT_OURS, .pkt = { .ipv6 = true, .proto = 6 } }) },
	{ "not ours: ICMP", STEPS({ NOT_OURS, .pkt = { .proto = 1 } }) },
	{ "not ours: ICMPv6 after a hop-by-hop header",
	  STEPS({ NOT_OURS, .pkt = { .ipv6 = true, .proto = 58, EXT6(0) } }) },
	{ "not ours: ARP", STEPS({ NOT_OURS, .pkt = { .ethertype = ETH_ARP } }) },
	{ "not ours: LLDP (non-IP ethertype)", STEPS({ NOT_OURS, .pkt = { .ethertype = ETH_LLDP } }) },
	{ "not ours: three VLAN tags", STEPS({ NOT_OURS, .pkt = { .vlans = 3 } }) },
	{ "not ours: l3 program, TCP over bare IPv4",
	  STEPS({ NOT_OURS, .pkt = { .bare_ip = true, .proto = 6 } }) },
};

const struct case_table not_ours_cases = { rows, ARRAY_SIZE(rows) };
