#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# SCTP fragmentation: 4 threads on one association each send 20 messages of
# 256 KiB, thread i asking for TTL 30+i and DSCP 40+i (--per-thread-options).
# usrsctp cuts each message into DATA chunks that fill a datagram, about
# 213 per message; every one of those datagrams must carry its message's
# options.  On the wire (capture in R, check_marks.py): 0 mislabeled, 0
# unmarked, 0 mixed, every DATA datagram shows its chunks' options; the
# first (B) and last (E) fragment of all 80 messages and every TSN
# pmark-send sent were seen, under 4 distinct IP headers.  pmark-sink got
# all 80 messages whole and intact; the tc program marked what the capture
# shows.  dtls_assoc_sctp_frag.sh runs this over DTLS (5 messages per
# thread), checked on the decrypted capture (dtls_lib_assoc.sh).

# MK_*, WC_*, SND_*, SNK_*, TC_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

SPORT=7734
DPORT=5734
THREADS=4
COUNT=$(dtls_pick 20 5)
SIZE=262144
TOTAL=$((THREADS * COUNT))

require_wire
require_assoc_tools
tap_plan $((18 + DTLS_POINTS))

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

topo_marked "$SPORT"
stats_save

need "pmark-sink listening in D on UDP $DPORT" sink_start sink "$NS_D" --once --json "$DPORT"
need "capture in R on $R_IF_S" cap_begin c "$NS_R" "$R_IF_S" "udp"

snd snd "$NS_S" --pin-root "$PIN" --bind "$S_ADDR4:$SPORT" --threads "$THREADS" \
	--count "$COUNT" --size "$SIZE" --per-thread-options --ttl 30 --dscp 40 --json \
	"$D_ADDR4:$DPORT"
ok $? "pmark-send: $THREADS threads x $COUNT messages of $SIZE bytes, per-thread TTL and DSCP"
cap_stop c
sink_wait sink 30
sink_rc=$?
dtls_cap c "$SPORT"

json_vars SND "$LIB_TMP/snd.out" || diag "no JSON from pmark-send"
diag "pmark-send: $(v SND_LINE)"
is "$(v SND_mode)/$(v SND_error)/$(v SND_messages)/$(v SND_all_acked)" "maps/None/$TOTAL/True" \
	"pmark-send marked through the maps, $TOTAL messages sent, all acked"
chunks=$(v SND_stats_data_chunks)
[ "$chunks" != missing ] && [ "$chunks" -ge "$TOTAL" ] &&
	[ "$(v SND_stats_records_written)/$(v SND_stats_records_failed)/$(v SND_stats_chunks_unmapped)/$(v SND_stats_unsplittable)/$(v SND_stats_send_errors)" = "$(dtls_records_want "$chunks")/0/0/0/0" ]
ok $? "pmark-send stats: $chunks DATA chunks, $(dtls_records_want "$chunks") records written; records_failed, chunks_unmapped, unsplittable, send_errors 0"

json_vars SNK "$LIB_TMP/sink.out" || diag "no JSON from pmark-sink"
is "$sink_rc/$(v SNK_messages)/$(v SNK_bytes)/$(v SNK_intact)/$(v SNK_corrupt)/$(v SNK_truncated)" \
	"0/$TOTAL/$((TOTAL * SIZE))/$TOTAL/0/0" \
	"pmark-sink: exit 0, $TOTAL messages of $SIZE bytes, all intact, none corrupt or truncated"

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
is "$(v WC_tsns)/$(v WC_begins)/$(v WC_ends)/$(v WC_ppids)" "$chunks/$TOTAL/$TOTAL/$THREADS" \
	"on the wire: all $chunks TSNs, the first and last fragment of all $TOTAL messages, $THREADS option sets"
# 256 KiB in datagrams of at most 1500 bytes: at least 175 fragments each.
min=$((TOTAL * ((SIZE + 1499) / 1500)))
[ "$(v WC_tsns)" != missing ] && [ "$WC_tsns" -ge "$min" ] && [ "$MK_first" -ge "$min" ]
ok $? "messages were fragmented: $(v WC_tsns) DATA chunks in $MK_first datagrams, at least $min"
is "$(v WC_headers)" "$THREADS" "on the wire: $THREADS distinct (TTL, TOS) headers"

tc_deltas || diag "pmarkctl --json stats failed"
diag "tc program, growth: $(v TC_LINE)"
tcm=$(v TC_marked)
[ "$tcm" != missing ] && [ "$tcm" -ge "$MK_marked" ] && [ "$tcm" -le $((MK_marked + MK_marked / 100 + 5)) ]
ok $? "tc program: marked grew by $tcm, about the $MK_marked marked datagrams captured"
