#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The trace topologies of lib_chain.sh, checked with the system's
# traceroute and tracepath only (no pmark): what the pmark-trace tests
# compare against must itself be right.
#
# Chain 1: S - R1 .. R5 - D, R2 rewrites DSCP to 34 (AF41), R4 clears DF,
# R3's IPv4 Time Exceeded comes from icmp8_responder.py (8-byte quote):
#   traceroute -n, traceroute -6 -n, tracepath -n, tracepath -6 -n report
#   exactly the configured hop addresses, D at hop 6, path MTU 1500;
#   the responder answered traceroute's three TTL-3 probes, and what S got
#   from it is a well-formed Time Exceeded quoting 20 + 8 bytes;
#   on the wire a DF probe to D has DSCP 0 and DF before R2, DSCP 34 after
#   R2, DF clear after R4 (IPv6: traffic class DSCP 34 after R2).
# Chain 2: ECMP at position 3 (R3 / R3b), R4 drops its Time Exceeded, MTU
# 1280 on the link R5 - D:
#   traceroute shows "* * *" at hop 4 and the rest of the path, hop 3 being
#   R3 or R3b;  Paris-style runs (traceroute -U, fixed ports) of twelve
#   source ports each stay on one branch, and both branches are used (the
#   L4 hash is active), IPv4 and IPv6;
#   tracepath finds path MTU 1280, reported by R5 (IPv4 and IPv6).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=5
PORT=5001
NPORTS=12

require_chain
require_cmd traceroute tracepath tcpdump tshark
tap_plan 18

# ------------------------------------------------------------ chain 1

need "chain 1: $N routers, DSCP 34 at R2, DF cleared at R4, 8-byte quotes at R3" \
	chain_setup $N --dscp 2:34 --df-clear 4 --icmp8 3

chain_cap icmp 1 a "icmp" left
ref_traceroute tr4 -n "$CH_D4"
got=$(ref_hops tr4)
is "$got" "$CH_PATH4" "traceroute -n: the configured hops, D at hop $((N + 1))"
cap_stop icmp
is "$(icmp8_wait 3)" 3 "the 8-byte responder at R3 answered traceroute's three TTL-3 probes"
bad=$(awk -v s="$CH_S4" -v d="$CH_D4" '$1 == "answered" && ($3 != s || $4 != d)' "$ICMP8_LOG")
[ -z "$bad" ] && [ "$(grep -c '^answered' "$ICMP8_LOG")" = 3 ]
ok $? "its answers are for S's datagrams to D" "$(cat "$ICMP8_LOG")"
# Outer, then quoted IP header fields (ip.len 56 = 20 + ICMP 8 + 20 + 8).
got=$(pkt_fields "${CAP_FILE[icmp]}" "ip.src == $(chain_hop4 3) && icmp.type == 11" \
	icmp.code ip.len ip.checksum.status icmp.checksum.status ip.ttl | sort -u)
is "$got" "0,56|60,1|1,1,62|1" \
	"S got Time Exceeded from R3 quoting 20 + 8 bytes, checksums good, quoted TTL 1"

ref_traceroute tr6 -6 -n "$CH_D6"
got=$(ref_hops tr6)
is "$got" "$CH_PATH6" "traceroute -6 -n: the configured hops, D at hop $((N + 1))"
ref_tracepath tp4 -n "$CH_D4"
got=$(ref_hops tp4)
is "$got" "$CH_PATH4" "tracepath -n: the configured hops"
ref_tracepath tp6 -6 -n "$CH_D6"
got=$(ref_hops tp6)
is "$got" "$CH_PATH6" "tracepath -6 -n: the configured hops"
is "$(grep -o 'Resume: pmtu [0-9]* hops [0-9]*' "$LIB_TMP/tp4.txt")/$(grep -o 'Resume: pmtu [0-9]* hops [0-9]*' "$LIB_TMP/tp6.txt")" \
	"Resume: pmtu 1500 hops 6/Resume: pmtu 1500 hops 6" "tracepath: path MTU 1500, $((N + 1)) hops (IPv4 and IPv6)"

# One DF probe (IPv4) and one probe (IPv6) to D, captured where they enter
# R2, R3 and R5.
for l in 2 3 5; do
	chain_cap "w$l" "$l" a "udp and dst port $PORT"
done
ref_traceroute df4 -n -F -U -p "$PORT" -f $((N + 1)) -m $((N + 1)) -q 1 "$CH_D4"
ref_traceroute df6 -6 -n -U -p "$PORT" -f $((N + 1)) -m $((N + 1)) -q 1 "$CH_D6"
for l in 2 3 5; do
	cap_stop "w$l" 2
done
is "$(pkt_fields "${CAP_FILE[w2]}" "ip && udp.dstport == $PORT" ip.dsfield.dscp ip.flags.df)/$(pkt_fields "${CAP_FILE[w3]}" "ip && udp.dstport == $PORT" ip.dsfield.dscp ip.flags.df)/$(pkt_fields "${CAP_FILE[w5]}" "ip && udp.dstport == $PORT" ip.dsfield.dscp ip.flags.df)" \
	"0,1/34,1/34,0" "IPv4 on the wire: DSCP 0 + DF into R2, DSCP 34 + DF after R2, DF clear after R4"
is "$(pkt_fields "${CAP_FILE[w2]}" "ipv6 && udp.dstport == $PORT" ipv6.tclass.dscp)/$(pkt_fields "${CAP_FILE[w3]}" "ipv6 && udp.dstport == $PORT" ipv6.tclass.dscp)/$(pkt_fields "${CAP_FILE[w5]}" "ipv6 && udp.dstport == $PORT" ipv6.tclass.dscp)" \
	"0/34/34" "IPv6 on the wire: DSCP 0 into R2, 34 after R2"

chain_teardown

# ------------------------------------------------------------ chain 2

need "chain 2: $N routers, ECMP at position 3, R4 drops its Time Exceeded, MTU 1280 on R5 - D" \
	chain_setup $N --ecmp 3 --icmp-drop 4 --mtu 5

# expect_silent PATH HOP: PATH with HOP replaced by "*".
expect_silent()
{
	awk -v h="$2" '{ $h = "*"; print }' <<<"$1"
}
ref_traceroute tr4b -n -w 1 "$CH_D4"
got=$(ref_hops tr4b)
a=$(expect_silent "$(chain_path4 a)" 4)
b=$(expect_silent "$(chain_path4 b)" 4)
[ "$got" = "$a" ] || [ "$got" = "$b" ]
ok $? "traceroute -n: hop 4 silent ('*'), hop 3 R3 or R3b, the rest as configured" "got:      '$got'" "expected: '$a'" "      or: '$b'"
ref_traceroute tr6b -6 -n -w 1 "$CH_D6"
got=$(ref_hops tr6b)
a=$(expect_silent "$(chain_path6 a)" 4)
b=$(expect_silent "$(chain_path6 b)" 4)
[ "$got" = "$a" ] || [ "$got" = "$b" ]
ok $? "traceroute -6 -n: hop 4 silent ('*'), hop 3 R3 or R3b, the rest as configured" "got:      '$got'" "expected: '$a'" "      or: '$b'"

# ecmp_runs FAMILY_OPTION ADDR_A ADDR_B DEST: traceroute -U of hop 3 from
# $NPORTS source ports; ECMP_LINE "A B mixed other".
ecmp_runs()
{
	local fam=$1 ha=$2 hb=$3 dst=$4 sp got na=0 nb=0 mixed=0 other=0
	for ((sp = 34001; sp < 34001 + NPORTS; sp++)); do
		ref_traceroute "ecmp$sp" "$fam" -n -U -p "$PORT" --sport="$sp" -f 3 -m 3 -q 3 "$dst"
		got=$(REF_ALL=1 ref_hops "ecmp$sp" | awk '{ print $1 }')
		case "$got" in
		"$ha") na=$((na + 1)) ;;
		"$hb") nb=$((nb + 1)) ;;
		*,*) mixed=$((mixed + 1)); diag "source port $sp: hop 3 answered by $got" ;;
		*) other=$((other + 1)); diag "source port $sp: hop 3 answered by '$got'" ;;
		esac
	done
	ECMP_LINE="$na $nb $mixed $other"
}
ecmp_runs -4 "$(chain_hop4 3)" "$(chain_hop4 3 b)" "$CH_D4"
read -r na nb mixed other <<<"$ECMP_LINE"
[ "$mixed/$other" = 0/0 ] && [ "$na" -gt 0 ] && [ "$nb" -gt 0 ]
ok $? "IPv4 ECMP: each of $NPORTS 5-tuples stays on one branch, both used (R3 $na, R3b $nb, mixed $mixed, other $other)"
ecmp_runs -6 "$(chain_hop6 3)" "$(chain_hop6 3 b)" "$CH_D6"
read -r na nb mixed other <<<"$ECMP_LINE"
[ "$mixed/$other" = 0/0 ] && [ "$na" -gt 0 ] && [ "$nb" -gt 0 ]
ok $? "IPv6 ECMP: each of $NPORTS 5-tuples stays on one branch, both used (R3 $na, R3b $nb, mixed $mixed, other $other)"

ref_tracepath tpm4 -n "$CH_D4"
is "$(tp_pmtu "$LIB_TMP/tpm4.txt")" "$(chain_hop4 5) 1280 1280" "tracepath -n: path MTU 1280, reported by R5"
ref_tracepath tpm6 -6 -n "$CH_D6"
is "$(tp_pmtu "$LIB_TMP/tpm6.txt")" "$(chain_hop6 5) 1280 1280" "tracepath -6 -n: path MTU 1280, reported by R5"
