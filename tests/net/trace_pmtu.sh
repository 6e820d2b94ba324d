#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Path MTU over the association: chain S - R1 .. R6 - D, every link 1500
# bytes but R3 - R4 (R3's downstream link, both ends) 1280.
# pmark-trace --pmtu --json, per family:
#   exit 0, D reached, the hops as configured;
#   pmtu: mtu 1280, hop 3, addr R3's (the hop that sent Fragmentation
#   Needed / Packet Too Big);
#   tracepath agrees (1280, from R3), run after pmark-trace with S's route
#   cache flushed (else it would just read the MTU pmark-trace's probes
#   taught S's kernel).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=6
K=3
MTU=1280
DPORT=5001
LPORT=41500

require_trace
require_cmd tracepath
tap_plan 14

need "chain of $N routers, MTU $MTU on R$K - R$((K + 1))" chain_setup $N --mtu $K:$MTU
chain_marked $LPORT $((LPORT + 1))
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

for fam in 4 6; do
	if [ $fam = 4 ]; then
		TARGET="$CH_D4:$DPORT" L="$CH_S4:$LPORT" P=$CH_PATH4 D=$CH_D4 H=$(chain_hop4 $K)
	else
		TARGET="[$CH_D6]:$DPORT" L="[$CH_S6]:$((LPORT + 1))" P=$CH_PATH6 D=$CH_D6 H=$(chain_hop6 $K)
	fi
	f=$LIB_TMP/p$fam.out
	trace_run "p$fam" -n --json --pmtu --local "$L" "$TARGET"
	rc=$?
	[ $rc = 0 ] || diag "$(cat "$LIB_TMP/p$fam.err")"
	is "$rc/$(tj "$f" '[j["reached"], j["dest_hop"]]')" "0/true $((N + 1))" "IPv$fam --pmtu: exit 0, D reached at hop $((N + 1))"
	is "$(tj "$f" '[j["pmtu"]["mtu"], j["pmtu"]["hop"], j["pmtu"]["addr"]]')" "$MTU $K $H" \
		"IPv$fam: path MTU $MTU, limited at hop $K by R$K ($H)" "$(tj "$f" 'json.dumps(j.get("pmtu"))')"
	is "$(trace_path "$f")" "$P" "IPv$fam: the hops as configured"
	in_ns "$CH_NS_S" ip "-$fam" route flush cache >/dev/null 2>&1
	ref_tracepath "tp$fam" "-$fam" -n "$D"
	is "$(tp_pmtu "$LIB_TMP/tp$fam.txt")" "$H $MTU $MTU" "IPv$fam: tracepath agrees: $MTU, reported by R$K"
done

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
is "$(sink_assocs sink4)/$(sink_assocs sink6)" "1 closed/1 closed" "the sinks saw every association end gracefully"
