/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace: words for values on the wire (ICMP codes, DSCP, ECN) and for probe states. */
#ifndef TRACE_CODES_H
#define TRACE_CODES_H

#include <stddef.h>
#include <stdint.h>

/*
 * traceroute's mark after an answer's time: "" for Time Exceeded (the
 * normal answer) and for Port Unreachable (traceroute's "destination
 * reached"), "!N" "!H" "!P" "!X" "!S" "!V" "!C", "!F-MTU" for
 * Fragmentation Needed / Packet Too Big, "!<CODE>" for another
 * unreachable code, "!<TYPE/CODE>" for another type.  family: AF_INET /
 * AF_INET6 (ICMP / ICMPv6 numbering).  Returns buf.
 */
const char *trace_icmp_mark(int family, uint8_t type, uint8_t code, uint32_t mtu,
			    char *buf, size_t len);
/* Time Exceeded in transit: the answer of a hop on the way. */
int trace_icmp_is_time_exceeded(int family, uint8_t type, uint8_t code);

/* "AF41", "EF", "CS0", ...; NULL for a code point without a name. */
const char *trace_dscp_name(unsigned dscp);
/* "Not-ECT", "ECT(1)", "ECT(0)", "CE". */
const char *trace_ecn_name(unsigned ecn);

/* enum pmark_probe_state: "unsent", "timeout", "icmp", "acked". */
const char *trace_state_name(int state);
/* enum pmark_match: "tsn", "ipid"; NULL for none. */
const char *trace_match_name(int match);

#endif
