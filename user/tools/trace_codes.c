// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: words for values on the wire and for probe states. */
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include "pmark_trace.h"
#include "trace_codes.h"

/* ICMP (RFC 792, 1812) and ICMPv6 (RFC 4443) numbers used below. */
#define ICMP4_UNREACH 3
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_NEEDFRAG 4
#define ICMP6_UNREACH 1
#define ICMP6_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3

/* The marks of traceroute(8) for each Destination Unreachable code. */
static const char *const unreach4[16] = {
	[0] = "!N", [1] = "!H", [2] = "!P", [3] = "", [4] = "!F", [5] = "!S",
	[6] = "!N", [7] = "!H", [8] = "!N", [9] = "!X", [10] = "!X", [11] = "!N",
	[12] = "!H", [13] = "!X", [14] = "!V", [15] = "!C",
};

static const char *const unreach6[8] = {
	[0] = "!N", [1] = "!X", [2] = "!H", [3] = "!H", [4] = "", [5] = "!X", [6] = "!X",
};

const char *trace_icmp_mark(int family, uint8_t type, uint8_t code, uint32_t mtu,
			    char *buf, size_t len)
{
	const char *mark = NULL;
	bool v6 = family == AF_INET6;

	buf[0] = 0;
	if (trace_icmp_is_time_exceeded(family, type, code))
		return buf;
	if ((!v6 && type == ICMP4_UNREACH && code == ICMP4_NEEDFRAG) ||
	    (v6 && type == ICMP6_TOO_BIG)) {
		if (mtu)
			snprintf(buf, len, "!F-%u", mtu);
		else
			snprintf(buf, len, "!F");
		return buf;
	}
	if (!v6 && type == ICMP4_UNREACH && code < 16)
		mark = unreach4[code];
	else if (v6 && type == ICMP6_UNREACH && code < 8)
		mark = unreach6[code];
	if (mark)
		snprintf(buf, len, "%s", mark);
	else if (type == (v6 ? ICMP6_UNREACH : ICMP4_UNREACH))
		snprintf(buf, len, "!<%u>", code);
	else
		snprintf(buf, len, "!<%u/%u>", type, code);
	return buf;
}

int trace_icmp_is_time_exceeded(int family, uint8_t type, uint8_t code)
{
	/* Code 1 (fragment reassembly time exceeded) is not a hop's answer. */
	return code == 0 && type == (family == AF_INET6 ? ICMP6_TIME_EXCEEDED : ICMP4_TIME_EXCEEDED);
}

const char *trace_dscp_name(unsigned dscp)
{
	static const struct { unsigned v; const char *name; } names[] = {
		{ 0, "CS0" }, { 8, "CS1" }, { 16, "CS2" }, { 24, "CS3" }, { 32, "CS4" },
		{ 40, "CS5" }, { 48, "CS6" }, { 56, "CS7" },
		{ 10, "AF11" }, { 12, "AF12" }, { 14, "AF13" }, { 18, "AF21" }, { 20, "AF22" },
		{ 22, "AF23" }, { 26, "AF31" }, { 28, "AF32" }, { 30, "AF33" }, { 34, "AF41" },
		{ 36, "AF42" }, { 38, "AF43" }, { 46, "EF" }, { 44, "VOICE-ADMIT" }, { 1, "LE" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == dscp)
			return names[i].name;
	return NULL;
}

const char *trace_ecn_name(unsigned ecn)
{
	static const char *const names[4] = { "Not-ECT", "ECT(1)", "ECT(0)", "CE" };

	return names[ecn & 3];
}

const char *trace_state_name(int state)
{
	switch (state) {
	case PMARK_PROBE_TIMEOUT: return "timeout";
	case PMARK_PROBE_ICMP: return "icmp";
	case PMARK_PROBE_ACKED: return "acked";
	}
	return "unsent";
}

const char *trace_match_name(int match)
{
	switch (match) {
	case PMARK_MATCH_TSN: return "tsn";
	case PMARK_MATCH_IPID: return "ipid";
	case PMARK_MATCH_RECORD: return "record";
	}
	return NULL;
}
