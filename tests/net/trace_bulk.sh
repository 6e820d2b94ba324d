#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A trace inside a busy association: pmark-trace --load 20000x1000 sends
# 20000 PMK1 messages of 1000 bytes on stream 0 of the association it
# traces, while tracing, and waits for them to be acked.  Chain S - R1 ..
# R6 - D, pmark-sink --once --json in D, a capture on S's l1.  Per family:
#   pmark-trace exits 0; the trace is right (D reached at hop 7, the
#   configured hops, every router's 3 probes answered and matched by TSN,
#   D's 3 acked) and its load: 20000 messages, acked, no error;
#   the sink: exit 0, the association ended gracefully (no abort), exactly
#   20000 messages, all intact, 20000000 bytes: no probe reached the
#   application, and the library dropped the probes that reached D
#   (probes_dropped = probes sent with TTL >= 7, > 0);
#   on the wire the probes went out while the bulk data did (first probe
#   after the first bulk DATA, last probe before the last); capture complete.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

N=6
COUNT=20000
SIZE=1000
DPORT=5001
LPORT=41700
PROBE_PPID=0x504d4b54

require_trace
tap_plan 25

need "chain of $N routers" chain_setup $N
chain_marked $LPORT $((LPORT + 1))

# overlap PCAP FAMILY SADDR: "first_data first_probe last_probe last_data
# data_datagrams probe_datagrams" (relative times) of S's DATA datagrams.
overlap()
{
	local ipf=ip
	[ "$2" = 6 ] && ipf=ipv6
	tshark -r "$1" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE -d "udp.port==$DPORT,sctp" \
		-Y "$ipf.src == $3 && sctp.data_tsn_raw" -T fields -E separator=';' \
		-e frame.time_relative -e sctp.data_payload_proto_id 2>"$LIB_TMP/tshark.err" | python3 -c '
import sys
probe = int(sys.argv[1], 0)
d, p = [], []
for line in sys.stdin:
    t, ppids = line.rstrip("\n").split(";")
    (p if probe in [int(x, 0) for x in ppids.split(",") if x] else d).append(float(t))
if d and p:
    print("%.6f %.6f %.6f %.6f %d %d" % (min(d), min(p), max(p), max(d), len(d), len(p)))
else:
    print("none none none none %d %d" % (len(d), len(p)))
' "$PROBE_PPID"
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		TARGET="$CH_D4:$DPORT" L="$CH_S4:$LPORT" P=$CH_PATH4 SA=$CH_S4
	else
		TARGET="[$CH_D6]:$DPORT" L="[$CH_S6]:$((LPORT + 1))" P=$CH_PATH6 SA=$CH_S6
	fi
	need "IPv$fam: pmark-sink --once in D on $TARGET" sink_start "sink$fam" "$CH_NS_D" --once --json "$TARGET"
	need "IPv$fam: capture on S's l1" cap_up "c$fam" "$CH_NS_S" l1 "udp"

	jf=$LIB_TMP/b$fam.out
	trace_run "b$fam" -n --json --load "${COUNT}x$SIZE" --local "$L" "$TARGET"
	rc=$?
	is "$rc" 0 "IPv$fam: pmark-trace --load ${COUNT}x$SIZE exits 0" "$(cat "$LIB_TMP/b$fam.err")"
	cap_down "c$fam"
	sink_wait "sink$fam" 30
	src=$?

	is "$(tj "$jf" '[j["reached"], j["dest_hop"]]')/$(trace_path "$jf")" "true $((N + 1))/$P" \
		"IPv$fam: the trace under load: D reached at hop $((N + 1)), the configured hops"
	is "$(tj "$jf" "[h['hop'] for h in j['hops'] if (h['hop'] <= $N and h['answered'] == 3 and all(p['state'] == 'icmp' and p['match'] == 'tsn' for p in h['probes'])) or (h['hop'] == $((N + 1)) and [p['state'] for p in h['probes']] == ['acked'] * 3)]")" \
		"$(seq -s ' ' 1 $((N + 1)))" "IPv$fam: every router's 3 probes answered and matched by TSN, D's 3 acked"
	is "$(tj "$jf" '[j["load"]["messages"], j["load"]["acked"], j["load"]["errors"]]')" "$COUNT true 0" \
		"IPv$fam: load: $COUNT messages, all acked, no error"

	is "$src/$(sink_assocs "sink$fam")" "0/1 closed" "IPv$fam: the sink exits 0, the association ended gracefully (no abort)"
	is "$(sink_stat "sink$fam" messages)/$(sink_stat "sink$fam" intact)/$(sink_stat "sink$fam" corrupt)/$(sink_stat "sink$fam" bytes)" \
		"$COUNT/$COUNT/0/$((COUNT * SIZE))" "IPv$fam: the sink got exactly the $COUNT bulk messages, all intact (no probe)"
	reach=$(tj "$jf" "j['probes_sent'] - sum(h['sent'] for h in j['hops'] if h['hop'] < j['dest_hop'])")
	dropped=$(sink_stat "sink$fam" probes_dropped)
	[ "$dropped" = "$reach" ] && [ "$reach" -gt 0 ]
	ok $? "IPv$fam: the receiving library dropped the $reach probes that reached D (probes_dropped $dropped)"

	read -r fd fp lp ld nd np <<<"$(overlap "${CAP_FILE[c$fam]}" "$fam" "$SA")"
	python3 -c 'import sys; a = [float(x) for x in sys.argv[1:]]; sys.exit(not (a[0] < a[1] <= a[2] < a[3]))' \
		"$fd" "$fp" "$lp" "$ld" 2>/dev/null
	ok $? "IPv$fam: the probes went out during the bulk transfer (data $fd..$ld s, probes $fp..$lp s; $nd data, $np probe datagrams)"
	is "$(cap_complete "c$fam")" "0/0" "IPv$fam: capture complete (dropped/truncated)"
done
