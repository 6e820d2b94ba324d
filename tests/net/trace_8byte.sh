#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A hop that quotes only 8 bytes past the IP header (RFC 792): no TSN in
# its Time Exceeded, so pmark-trace must match its answers by the IP ID
# the marker stamped on each probe.  Chain S - R1 .. R6 - D; R3's kernel
# IPv4 Time Exceeded is dropped and tests/net/icmp8_responder.py answers
# instead, quoting IP header + 8 bytes (lib_chain.sh --icmp8 3).
#   IPv4 pmark-trace --json: exit 0, D reached, the configured hops;
#   hop 3: 3 probes answered by R3, each matched by "ipid", its quoted
#   header known (TTL 1); the other hops matched by "tsn";
#   the responder answered exactly 3 datagrams during the trace, and their
#   IP IDs are the IP IDs of the hop-3 probes;
#   traceroute -n agrees (R3 at hop 3; UDP probes matched by port, which
#   the 8 bytes hold);
#   IPv6 (R3's kernel answers, full quote): hop 3 R3, matched by "tsn";
#   the responder stops cleanly (SIGTERM, "total N", exit 0).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=6
K=3
DPORT=5001
LPORT=41600

require_trace
require_cmd traceroute
tap_plan 16

need "chain of $N routers, R$K answers with 8-byte quotes (responder running)" chain_setup $N --icmp8 $K
chain_marked $LPORT $((LPORT + 1))
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

f=$LIB_TMP/j4.out
c0=$(icmp8_count)
trace_run j4 -n --json --local "$CH_S4:$LPORT" "$CH_D4:$DPORT"
rc=$?
c1=$(icmp8_wait $((c0 + 3)))
[ $rc = 0 ] || diag "$(cat "$LIB_TMP/j4.err")"
is "$rc/$(tj "$f" '[j["reached"], j["dest_hop"]]')" "0/true $((N + 1))" "IPv4: exit 0, D reached at hop $((N + 1))"
is "$(trace_path "$f")" "$CH_PATH4" "IPv4: the configured hops, R$K at hop $K"
is "$(tj "$f" "[[h['addrs'], h['answered'], [(p['state'], p['addr'], p['icmp_type'], p['match']) for p in h['probes']]] for h in j['hops'] if h['hop'] == $K]")" \
	"$(chain_hop4 $K) 3 $(for i in 1 2 3; do printf 'icmp %s 11 ipid ' "$(chain_hop4 $K)"; done | sed 's/ $//')" \
	"IPv4: hop $K: 3 probes answered by R$K, matched by IP ID"
is "$(tj "$f" "[h['hop'] for h in j['hops'] if h['hop'] != $K and h['hop'] <= $N and all(p['match'] == 'tsn' for p in h['probes']) and h['answered'] == 3]")" \
	"$(seq -s ' ' 1 $N | awk -v k=$K '{ $k = ""; print }' | tr -s ' ')" "IPv4: the other routers' answers matched by TSN"
is "$(tj "$f" "[(p['quoted'] or {}).get('ttl') for h in j['hops'] if h['hop'] == $K for p in h['probes']]")" \
	"1 1 1" "IPv4: hop $K's quoted IP header known (TTL 1 as received)"
is "$((c1 - c0))/$(grep -c '^answered' "$ICMP8_LOG")" "3/3" "the responder answered exactly the 3 hop-$K probes"
ids_probe=$(tj "$f" "sorted(p['ip_id'] for h in j['hops'] if h['hop'] == $K for p in h['probes'])")
ids_resp=$(awk -v s="$CH_S4" -v p="$LPORT" '$1 == "answered" && $3 == s && $6 == p { print $5 }' "$ICMP8_LOG" | sort -n | tr '\n' ' ')
is "${ids_resp% }" "$ids_probe" "the IP IDs the responder quoted are those of the hop-$K probes"

c0=$(icmp8_count)
ref_traceroute tr4 -n "$CH_D4"
is "$(ref_hops tr4)/$(($(icmp8_wait $((c0 + 3))) - c0))" "$CH_PATH4/3" "traceroute -n agrees, its 3 TTL-$K probes answered by the responder"

f=$LIB_TMP/j6.out
trace_run j6 -n --json --local "[$CH_S6]:$((LPORT + 1))" "[$CH_D6]:$DPORT"
rc=$?
is "$rc/$(trace_path "$f")/$(tj "$f" "[p['match'] for h in j['hops'] if h['hop'] == $K for p in h['probes']]")" \
	"0/$CH_PATH6/tsn tsn tsn" "IPv6: exit 0, the configured hops, hop $K (kernel, full quote) matched by TSN"

icmp8_stop
rc=$?
is "$rc/$ICMP8_TOTAL" "0/$(grep -c '^answered' "$ICMP8_LOG")" "the responder stopped on SIGTERM: exit 0, total = replies logged"

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
is "$(sink_assocs sink4)/$(sink_assocs sink6)" "1 closed/1 closed" "the sinks saw every association end gracefully"
