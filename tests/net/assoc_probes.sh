#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Probes: TTL-1 messages sent unordered with no retransmission (PR-SCTP
# RTX 0, once) through a router are abandoned, and a bulk transfer on the
# same association keeps going without error.
#
# One association S -> R -> D: 2 threads x 3000 messages of 1000 bytes,
# reliable and ordered on stream 0, DSCP 10 (paced at 20000 msg/s), while
# pmark-send's probe thread (--probes) sends 50 probes of 64 bytes, one
# every 5 ms, on stream 1: TTL 1, unordered, --pr-rtx 0, once.  R must
# answer each probe datagram with ICMP time exceeded and forward none of
# them; the capture is on R's interface toward S.  Checked:
#
#   pmark-send exits 0, association established, all bulk messages sent
#   and acked, all 50 probes sent; its stats show no failed record,
#   unmapped chunk, unsplittable packet or send error (packets_split is
#   reported only: whether usrsctp bundles a probe with bulk is timing)
#   pmark-sink got exactly the bulk messages, all intact (no probe got there)
#   on the wire (check_marks.py): 0 mixed, 0 mislabeled, 0 unmarked, every
#   DATA datagram as its chunks ask, no `once` retransmission marked
#   every probe TSN went out, every datagram carrying a probe had TTL 1 on
#   R's ingress and carried no bulk chunk
#   one ICMP time exceeded from R per probe datagram, quoting UDP from the
#   sender's port

# MK_*, SND_*, SNK_*, PR_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

THREADS=2
COUNT=3000
SIZE=1000
TOTAL=$((THREADS * COUNT))
PROBES=50
SPORT=7751
DPORT=5751

require_wire
require_cmd timeout
require_assoc_tools
"$SEND_BIN" --help | grep -q -- --probes || skip_all "pmark-send has no --probes"
tap_plan 19

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

# probe_census PCAP: the DATA datagrams from $SPORT that carry probe chunks
# (PPID TTL field 1, thread field $THREADS), in PR_*:
#   tsns       distinct probe TSNs          dgrams   datagrams with a probe chunk
#   first      of them, first transmissions retx     retransmissions
#   ttl1       of them with TTL 1           withbulk with a bulk chunk too
#   icmp       ICMP time exceeded quoting UDP from $SPORT
probe_census()
{
	tshark -r "$1" -n -o ip.defragment:FALSE -d "udp.port==$SPORT,sctp" \
		-Y "(udp.srcport == $SPORT && sctp.data_tsn_raw) || icmp.type == 11" \
		-T fields -E separator=';' -E occurrence=a -e icmp.type -e udp.srcport -e ip.ttl \
		-e sctp.data_tsn_raw -e sctp.data_payload_proto_id \
		>"$LIB_TMP/probes.txt" 2>"$LIB_TMP/probes.err" || {
		diag "tshark failed:" "$(cat "$LIB_TMP/probes.err")"
		return 1
	}
	py_vars PR '
import sys
thread = int(sys.argv[2])
seen, tsns = set(), set()
dgrams = first = retx = ttl1 = withbulk = icmp = 0
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(";")
    if f[0]:
        icmp += "%d" % int(sys.argv[3]) in f[1].split(",")
        continue
    t = [int(x) for x in f[3].split(",") if x]
    p = [int(x, 0) for x in f[4].split(",") if x]
    probe = [pp >> 24 == 1 and (pp & 31) == thread for pp in p]
    if any(probe):
        dgrams += 1
        if all(x in seen for x in t):
            retx += 1
        else:
            first += 1
        ttl1 += f[2].split(",")[0] == "1"
        withbulk += not all(probe)
        tsns.update(x for x, y in zip(t, probe) if y)
    seen.update(t)
print("tsns=%d dgrams=%d first=%d retx=%d ttl1=%d withbulk=%d icmp=%d" %
      (len(tsns), dgrams, first, retx, ttl1, withbulk, icmp))
' "$LIB_TMP/probes.txt" "$THREADS" "$SPORT"
}

topo_marked "$SPORT"

need "pmark-sink listening in D on UDP $DPORT" sink_start sink "$NS_D" --once --json "$DPORT"
need "capture in R on $R_IF_S" cap_start c "$NS_R" "$R_IF_S" "udp or icmp"

snd snd "$NS_S" --pin-root "$PIN" --bind "$S_ADDR4:$SPORT" --threads "$THREADS" --count "$COUNT" \
	--size "$SIZE" --rate 20000 --dscp 10 --probes "$PROBES" --probe-ttl 1 \
	--probe-interval-ms 5 --probe-stream 1 --probe-size 64 --linger-ms 20000 --json \
	"$D_ADDR4:$DPORT"
ok $? "pmark-send: $THREADS x $COUNT bulk messages of $SIZE bytes (DSCP 10) and $PROBES TTL-1 probes, exit 0"
cap_stop c
sink_wait sink 20
sink_rc=$?

json_vars SND "$LIB_TMP/snd.out" || diag "no JSON from pmark-send"
diag "pmark-send: $(v SND_LINE)"
is "$(v SND_mode)/$(v SND_error)/$(v SND_messages)/$(v SND_all_acked)/$(v SND_stats_state_name)" \
	"maps/None/$TOTAL/True/established" \
	"pmark-send: maps, no error, $TOTAL bulk messages sent, all acked, association established"
is "$(v SND_probes_sent)" "$PROBES" "pmark-send: all $PROBES probes sent"
is "$(v SND_stats_records_failed)/$(v SND_stats_chunks_unmapped)/$(v SND_stats_unsplittable)/$(v SND_stats_send_errors)" \
	"0/0/0/0" "pmark-send stats: records_failed, chunks_unmapped, unsplittable, send_errors 0"
diag "pmark-send: packets_split $(v SND_stats_packets_split), packets_out $(v SND_stats_packets_out), datagrams_out $(v SND_stats_datagrams_out), retransmissions $(v SND_stats_retransmissions)"

json_vars SNK "$LIB_TMP/sink.out" || diag "no JSON from pmark-sink"
diag "pmark-sink: $(v SNK_LINE)"
is "$sink_rc/$(v SNK_messages)/$(v SNK_intact)/$(v SNK_corrupt)/$(v SNK_bytes)" \
	"0/$TOTAL/$TOTAL/0/$((TOTAL * SIZE))" \
	"pmark-sink: exit 0, exactly the $TOTAL bulk messages, all intact (no probe arrived)"
is "$(cap_drops c)" 0 "capture complete: tcpdump dropped no packet"

# check_marks.py reads the UDP datagrams only: an ICMP error quoting one
# would count as a datagram of the sender with R's outer IP header.
if tcpdump -r "$LIB_TMP/c.pcap" -w "$LIB_TMP/c_udp.pcap" udp 2>"$LIB_TMP/split.err" &&
	marks_check "$LIB_TMP/c_udp.pcap" "$SPORT" --decode "$DPORT"; then
	tap_ok "check_marks.py decoded the capture"
else
	tap_fail "check_marks.py decoded the capture" "$(cat "$LIB_TMP/split.err")"
	exit
fi
diag "check_marks: $MK_LINE"
is "$MK_mixed" 0 "no datagram with chunks of different options (probes never bundled with bulk)"
is "$MK_mislabeled/$MK_unmarked" 0/0 "no mislabeled or unmarked datagram"
[ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ]
ok $? "every DATA datagram shows its chunks' options (ok $MK_ok of $MK_data, retx $MK_retx)"
is "$MK_retx_marked" 0 "no retransmission of a once (probe) chunk went out marked"

need "probe census of the capture" probe_census "$LIB_TMP/c.pcap"
diag "probes on the wire: $(v PR_LINE)"
is "$(v PR_tsns)" "$PROBES" "all $PROBES probe TSNs went out"
[ "$(v PR_dgrams)" -gt 0 ] && [ "$(v PR_ttl1)" = "$(v PR_dgrams)" ] && [ "$(v PR_withbulk)" = 0 ]
ok $? "every datagram with a probe has TTL 1 and no bulk chunk ($(v PR_ttl1) of $(v PR_dgrams) TTL 1, $(v PR_withbulk) with bulk)"
is "$(v PR_icmp)" "$(v PR_dgrams)" "R answered each probe datagram with ICMP time exceeded ($(v PR_icmp) for $(v PR_dgrams))"
