#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A hop that sends no Time Exceeded: chain S - R1 .. R6 - D, R3 drops the
# ICMP / ICMPv6 Time Exceeded it generates (nft output hook) and still
# forwards.  pmark-trace -w 1000, per family:
#   exit 0, D reached at hop 7;
#   hop 3: its 3 probes time out ("timeout"), no address, 0 answered,
#   loss 100 %;
#   the other hops are the configured ones, each 3 of 3 answered;
#   traceroute -w 1 reports the same path ("*" at hop 3);
#   the text output shows hop 3 as "3  * * *";
# and the IPv4 trace lasted about the wait (>= 1000 ms, < 5000 ms): the
# silent probes held it no longer than -w.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=6
K=3
WAIT=1000
DPORT=5001
LPORT=41400

require_trace
require_cmd traceroute
tap_plan 19

need "chain of $N routers, R$K sends no Time Exceeded" chain_setup $N --icmp-drop $K
chain_marked $LPORT $((LPORT + 1)) $((LPORT + 2)) $((LPORT + 3))
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

for fam in 4 6; do
	if [ $fam = 4 ]; then
		TARGET="$CH_D4:$DPORT" L1="$CH_S4:$LPORT" L2="$CH_S4:$((LPORT + 2))" P=$CH_PATH4 D=$CH_D4
	else
		TARGET="[$CH_D6]:$DPORT" L1="[$CH_S6]:$((LPORT + 1))" L2="[$CH_S6]:$((LPORT + 3))" P=$CH_PATH6 D=$CH_D6
	fi
	exp=$(awk -v k=$K '{ $k = "*"; print }' <<<"$P")
	f=$LIB_TMP/j$fam.out
	trace_run "j$fam" -n --json -w $WAIT --local "$L1" "$TARGET"
	rc=$?
	[ $rc = 0 ] || diag "$(cat "$LIB_TMP/j$fam.err")"
	is "$rc/$(tj "$f" '[j["reached"], j["dest_hop"]]')" "0/true $((N + 1))" "IPv$fam: exit 0, D reached at hop $((N + 1))"
	is "$(tj "$f" "[[len(h['addrs']), h['sent'], h['answered'], int(h['loss_pct']), [p['state'] for p in h['probes']]] for h in j['hops'] if h['hop'] == $K]")" \
		"0 3 0 100 timeout timeout timeout" "IPv$fam: hop $K: 3 probes timed out, no address, loss 100 %"
	is "$(trace_path "$f")" "$exp" "IPv$fam: the other hops as configured, '*' at hop $K"
	is "$(tj "$f" "[h['hop'] for h in j['hops'] if h['hop'] != $K and h['answered'] == 3]")" \
		"$(seq -s ' ' 1 $N | awk -v k=$K '{ $k = ""; print }' | tr -s ' ') $((N + 1))" \
		"IPv$fam: every other hop answered 3 of 3"
	if [ $fam = 4 ]; then
		ms=$(tj "$f" 'j["duration_ms"]')
		python3 -c "import sys; sys.exit(not ($WAIT <= float(sys.argv[1]) < 5000))" "$ms" 2>/dev/null
		ok $? "IPv4: the trace lasted about -w $WAIT ($ms ms)"
	fi
	ref_traceroute "tr$fam" "-$fam" -n -w 1 "$D"
	is "$(ref_hops "tr$fam")" "$exp" "IPv$fam: traceroute -w 1 reports the same hops"

	trace_run "t$fam" -n -w $WAIT --local "$L2" "$TARGET"
	rc=$?
	line=$(grep -E "^ *$K " "$LIB_TMP/t$fam.out")
	[ $rc = 0 ] && [[ "$line" =~ ^\ *$K\ +\*\ +\*\ +\*\ *$ ]] &&
		[ "$(grep -cE '^ *[0-9]+ ' "$LIB_TMP/t$fam.out")" = $((N + 1)) ]
	ok $? "IPv$fam: text output: hop $K is '$K  * * *', $((N + 1)) hop lines" "exit $rc" "$(cat "$LIB_TMP/t$fam.out")"
done

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
is "$(sink_assocs sink4)/$(sink_assocs sink6)" "2 closed closed/2 closed closed" \
	"the sinks saw every association end gracefully"
