#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A TTL-1 record draws a real ICMP error from the router: the probe of a
# traceroute inside a live association.  Three TSNs per family are sent from
# S to D; the middle one has a record with TTL (hop limit) 1.  R must answer
# it with ICMP Time Exceeded (IPv4 type 11 code 0, ICMPv6 type 3 code 0),
# seen arriving on S's vs0, whose quoted datagram tshark decodes to the same
# verification tag and TSN with TTL 1; the other two TSNs reach D (and, as D
# has no listener, come back as port unreachable from D).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5200
VTAG=0x7771c0de

require_wire
tap_plan 11

topo_marked "$PORT"
records()
{
	pmctl set --vtag "$VTAG" --tsn 301 --ttl 1 &&
	pmctl set --vtag "$VTAG" --tsn 311 --ttl 1
}
check "write TTL-1 records for TSN 301 (IPv4) and 311 (IPv6)" records
stats_save

SCTP_PORTS=("$PORT")
cap_start icmp "$NS_S" "$S_IF" "icmp or icmp6" || tap_fail "capture in S"
cap_start dst "$NS_D" "$D_IF" "udp and dst port $PORT" || tap_fail "capture in D"
send_s --src-port "$PORT" --dst "$D_ADDR4" --dst-port "$PORT" --vtag "$VTAG" --tsn 300 --count 3
send_s -6 --src-port "$PORT" --dst "$D_ADDR6" --dst-port "$PORT" --vtag "$VTAG" --tsn 310 --count 3
cap_stop dst 4
cap_stop icmp 6
is "$SEND_ERRORS" 0 "sender ran without error"

V=$((VTAG))
# Outer and quoted values are joined by '|': outer first.
got=$(pkt_fields "${CAP_FILE[icmp]}" "icmp.type == 11" icmp.type icmp.code ip.src ip.ttl \
	sctp.verification_tag sctp.data_tsn_raw)
is "$got" "11,0,$R_ADDR4_S|$S_ADDR4,64|1,$V,301" \
	"IPv4: one Time Exceeded from R quoting vtag $VTAG TSN 301 with TTL 1"
# D has no listener: the TSNs that reached it come back as port unreachable.
got=$(pkt_fields "${CAP_FILE[icmp]}" "icmp.type != 11" icmp.type icmp.code ip.src \
	sctp.data_tsn_raw | tr '\n' ' ')
is "$got" "3,3,$D_ADDR4|$S_ADDR4,300 3,3,$D_ADDR4|$S_ADDR4,302 " \
	"IPv4: the other ICMP errors are D's port unreachables for TSNs 300 and 302"

got=$(pkt_fields "${CAP_FILE[icmp]}" "icmpv6.type == 3" icmpv6.type icmpv6.code ipv6.src \
	ipv6.hlim sctp.verification_tag sctp.data_tsn_raw)
is "$got" "3,0,$R_ADDR6_S|$S_ADDR6,64|1,$V,311" \
	"IPv6: one Time Exceeded from R quoting vtag $VTAG TSN 311 with hop limit 1"
got=$(pkt_fields "${CAP_FILE[icmp]}" "icmpv6.type < 128 and icmpv6.type != 3" icmpv6.type \
	icmpv6.code ipv6.src sctp.data_tsn_raw | tr '\n' ' ')
is "$got" "1,4,$D_ADDR6|$S_ADDR6,310 1,4,$D_ADDR6|$S_ADDR6,312 " \
	"IPv6: the other ICMPv6 errors are D's port unreachables for TSNs 310 and 312"

got=$(pkt_fields "${CAP_FILE[dst]}" "ip and sctp" sctp.data_tsn_raw ip.ttl | tr '\n' ' ')
is "$got" "300,63 302,63 " "IPv4: TSNs 300 and 302 reach D (TTL 63 after R), 301 does not"
got=$(pkt_fields "${CAP_FILE[dst]}" "ipv6 and sctp" sctp.data_tsn_raw ipv6.hlim | tr '\n' ' ')
is "$got" "310,63 312,63 " "IPv6: TSNs 310 and 312 reach D (hop limit 63 after R), 311 does not"

is "$(stat_delta marked)/$(stat_delta ttl_set)/$(stat_delta no_record)" "2/2/4" \
	"stats: marked 2, ttl_set 2, no_record 4"
