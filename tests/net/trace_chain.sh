#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark-trace over a chain S - R1 .. R6 - D (lib_chain.sh), IPv4 and IPv6,
# against the configured path and against traceroute and tracepath on the
# same topology.  pmark-sink listens in D; the marker is attached to S's l1.
# Per family:
#   pmark-trace --json exits 0, in maps mode, reaches D at hop 7;
#   its hops are exactly the configured ones; every probe of hops 1..6 was
#   answered by a Time Exceeded matched by TSN, every probe of hop 7 acked;
#   traceroute -n and tracepath -n report the same hops;
#   the text output has one line per hop, "N  ADDR  x ms  x ms  x ms".
# Then: -f 3 -m 4 reports hops 3 and 4 only, D not reached, exit 0; an
# unknown option exits 2.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=6
DPORT=5001
LPORT=41100

require_trace
require_cmd traceroute tracepath
tap_plan 23

need "chain of $N routers" chain_setup $N
chain_marked $LPORT $((LPORT + 1)) $((LPORT + 2)) $((LPORT + 3)) $((LPORT + 4))
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

for fam in 4 6; do
	if [ $fam = 4 ]; then
		TARGET="$CH_D4:$DPORT" LOCAL="$CH_S4:$LPORT" PATH_EXP=$CH_PATH4 TE=11 D=$CH_D4 FOPT=-4
	else
		TARGET="[$CH_D6]:$DPORT" LOCAL="[$CH_S6]:$((LPORT + 1))" PATH_EXP=$CH_PATH6 TE=3 D=$CH_D6 FOPT=-6
	fi
	f=$LIB_TMP/j$fam.out
	trace_run "j$fam" -n --json --local "$LOCAL" "$TARGET"
	rc=$?
	[ $rc = 0 ] || diag "pmark-trace exit $rc:" "$(cat "$LIB_TMP/j$fam.err")"
	is "$rc/$(tj "$f" '[j["mode"], j["family"], j["target"], j["reached"], j["dest_hop"]]')" \
		"0/maps $fam $TARGET true $((N + 1))" \
		"IPv$fam: pmark-trace --json exits 0, maps mode, D reached at hop $((N + 1))"
	got=$(trace_path "$f")
	is "$got" "$PATH_EXP" "IPv$fam: pmark-trace hops are the configured path"
	is "$(tj "$f" "[h['hop'] for h in j['hops'] if h['hop'] <= $N and h['answered'] == 3 and h['sent'] == 3 and h['loss_pct'] == 0 and len(h['probes']) == 3 and all(p['state'] == 'icmp' and p['icmp_type'] == $TE and p['icmp_code'] == 0 and p['match'] == 'tsn' and p['addr'] == h['addrs'][0] for p in h['probes'])]")" \
		"$(seq -s ' ' 1 $N)" "IPv$fam: hops 1..$N: 3 of 3 probes answered by Time Exceeded, matched by TSN"
	is "$(tj "$f" "[(h['addrs'], h['answered'], [p['state'] for p in h['probes']]) for h in j['hops'] if h['hop'] == $((N + 1))]")" \
		"$D 3 acked acked acked" "IPv$fam: hop $((N + 1)) is D, its 3 probes acked"

	ref_traceroute "tr$fam" "$FOPT" -n "$D"
	is "$(ref_hops "tr$fam")" "$got" "IPv$fam: traceroute -n reports the same hops"
	ref_tracepath "tp$fam" "$FOPT" -n "$D"
	is "$(ref_hops "tp$fam")" "$got" "IPv$fam: tracepath -n reports the same hops"

	if [ $fam = 4 ]; then LOCAL="$CH_S4:$((LPORT + 2))"; else LOCAL="[$CH_S6]:$((LPORT + 3))"; fi
	trace_run "t$fam" -n --local "$LOCAL" "$TARGET"
	rc=$?
	bad=$(python3 - "$PATH_EXP" "$LIB_TMP/t$fam.out" <<'PY'
import re, sys
exp = sys.argv[1].split()
got = [l.rstrip("\n") for l in open(sys.argv[2]) if re.match(r"\s*\d+\s", l)]
bad = []
if len(got) != len(exp):
    bad.append("%d hop lines for %d hops" % (len(got), len(exp)))
for i, line in enumerate(got):
    m = re.match(r"\s*(\d+)\s+(\S+)((?:\s+[\d.]+ ms){3})", line)
    if not m or int(m.group(1)) != i + 1 or i >= len(exp) or m.group(2) != exp[i]:
        bad.append("line %d: %r" % (i + 1, line))
print("; ".join(bad))
PY
)
	[ $rc = 0 ] && [ -z "$bad" ]
	ok $? "IPv$fam: text output, exit 0: one line per hop, 'N  ADDR  x ms  x ms  x ms'" \
		"exit $rc; $bad" "$(cat "$LIB_TMP/t$fam.out" "$LIB_TMP/t$fam.err")"
done

trace_run part -n --json -f 3 -m 4 --local "$CH_S4:$((LPORT + 4))" "$CH_D4:$DPORT"
rc=$?
is "$rc/$(tj "$LIB_TMP/part.out" '[j["first_hop"], j["max_hops"], j["reached"], [h["hop"] for h in j["hops"]]]')" \
	"0/3 4 false 3 4" "-f 3 -m 4: exit 0, hops 3 and 4 only, D not reached"
is "$(trace_path "$LIB_TMP/part.out")" "$(chain_hop4 3) $(chain_hop4 4)" "-f 3 -m 4: R3 and R4"

trace_run usage --no-such-option "$CH_D4:$DPORT"
is "$?" 2 "an unknown option: exit 2"

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
is "$(sink_assocs sink4)/$(sink_assocs sink6)" "3 closed closed closed/2 closed closed" \
	"the sinks saw every association end gracefully (IPv4 3, IPv6 2)"
