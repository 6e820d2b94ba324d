#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Many threads on one association: pmark-send runs 16 threads on one usrsctp
# association, each sending 2000 messages of 200 bytes with its own options
# (--per-thread-options: thread i asks for TTL 10+i and DSCP 1+i).  The
# capture in R (between S and D) is decoded by check_marks.py, which compares
# every datagram's IP header with the options its DATA chunks' PPIDs name:
# 0 mislabeled, 0 unmarked, 0 mixed, every DATA datagram right.  Also on the
# wire: all 32000 TSNs, 2000 for each of the 16 option sets, under 16
# distinct IP headers; at least as many datagrams as 32000 chunks of 216
# bytes need.  pmark-send: no chunk it could not map, no record write
# refused; pmark-sink: all 32000 messages intact; the tc program's marked
# counter grew by the number of marked datagrams the capture shows.
# dtls_assoc_concurrency.sh runs this over DTLS (1000 messages per thread),
# checked on the decrypted capture (dtls_lib_assoc.sh).

# MK_*, WC_*, SND_*, SNK_*, TC_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

SPORT=7731          # S's UDP port (the marked one)
DPORT=5731          # pmark-sink's UDP port in D
THREADS=16
COUNT=$(dtls_pick 2000 1000)
SIZE=200
TOTAL=$((THREADS * COUNT))

require_wire
require_assoc_tools
tap_plan $((20 + DTLS_POINTS))

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

topo_marked "$SPORT"
stats_save

need "pmark-sink listening in D on UDP $DPORT" sink_start sink "$NS_D" --once --json "$DPORT"
need "capture in R on $R_IF_S" cap_begin c "$NS_R" "$R_IF_S" "udp"

snd snd "$NS_S" --pin-root "$PIN" --bind "$S_ADDR4:$SPORT" --threads "$THREADS" \
	--count "$COUNT" --size "$SIZE" --per-thread-options --ttl 10 --dscp 1 --json \
	"$D_ADDR4:$DPORT"
ok $? "pmark-send: $THREADS threads x $COUNT messages of $SIZE bytes, per-thread TTL and DSCP"
cap_stop c
sink_wait sink 20
sink_rc=$?
dtls_cap c "$SPORT"

json_vars SND "$LIB_TMP/snd.out" || diag "no JSON from pmark-send"
diag "pmark-send: $(v SND_LINE)"
is "$(v SND_mode)/$(v SND_error)" "maps/None" \
	"pmark-send marked through the pinned maps (mode maps, no error)"
is "$(v SND_messages)/$(v SND_all_acked)" "$TOTAL/True" "pmark-send: $TOTAL messages sent, all acked"
is "$(v SND_stats_data_chunks)/$(v SND_stats_records_written)/$(v SND_stats_records_failed)/$(v SND_stats_chunks_unmapped)/$(v SND_stats_unsplittable)/$(v SND_stats_send_errors)" \
	"$TOTAL/$(dtls_records_want "$TOTAL")/0/0/0/0" \
	"pmark-send stats: data_chunks $TOTAL, records_written $(dtls_records_want "$TOTAL"); records_failed, chunks_unmapped, unsplittable, send_errors 0"

json_vars SNK "$LIB_TMP/sink.out" || diag "no JSON from pmark-sink"
is "$sink_rc/$(v SNK_messages)/$(v SNK_intact)/$(v SNK_corrupt)" "0/$TOTAL/$TOTAL/0" \
	"pmark-sink: exit 0, $TOTAL messages, all intact, none corrupt"

is "$(cap_complete c)" 0/0 "capture complete: no packet dropped for tcpdump, none truncated"

need "check_marks.py decoded the capture" marks_check "$LIB_TMP/c.pcap" "$SPORT" --decode "$DPORT"
diag "check_marks: $MK_LINE"
is "$MK_mislabeled" 0 "no mislabeled datagram"
is "$MK_unmarked" 0 "no unmarked datagram"
is "$MK_mixed" 0 "no datagram with chunks of different options (mixed)"
[ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ]
ok $? "every DATA datagram shows its chunks' options (ok $MK_ok of $MK_data)"

wire_census "$LIB_TMP/c.pcap" "$SPORT"
diag "wire census: $(v WC_LINE)"
is "$(v WC_tsns)/$(v WC_ppids)/$(v WC_ppid_min)/$(v WC_ppid_max)" "$TOTAL/$THREADS/$COUNT/$COUNT" \
	"on the wire: all $TOTAL TSNs, $COUNT for each of the $THREADS option sets"
is "$(v WC_headers)" "$THREADS" "on the wire: $THREADS distinct (TTL, TOS) headers"

# A datagram no larger than the 1500-byte link carries at most 6 DATA chunks
# of 16 + 200 bytes (20 IP + 8 UDP + 12 SCTP headers): 32000 messages need
# at least 5334 first transmissions.  And no more than pmark-send sent.
need=$(((TOTAL + 5) / 6))
dout=$(v SND_stats_datagrams_out)
[ "$MK_first" -ge "$need" ] && [ "$MK_data" -ge "$MK_first" ] && [ "$dout" != missing ] &&
	[ "$MK_data" -le "$dout" ]
ok $? "datagram count plausible: first transmissions $MK_first >= $need, DATA datagrams $MK_data <= sent $dout"

# The tc program counts every datagram it marks; the capture shows MK_marked
# of them (fewer only if some were lost between S and R).
tc_deltas || diag "pmarkctl --json stats failed"
diag "tc program, growth: $(v TC_LINE)"
tcm=$(v TC_marked)
[ "$tcm" != missing ] && [ "$tcm" -ge "$MK_marked" ] && [ "$tcm" -le $((MK_marked + MK_marked / 100 + 5)) ]
ok $? "tc program: marked grew by $tcm, about the $MK_marked marked datagrams captured"
is "$(v TC_ttl_set)/$(v TC_tos_set)" "$tcm/$tcm" "tc program: ttl_set and tos_set grew as much as marked"
