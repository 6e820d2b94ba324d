#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# IP fragmentation of an association's datagrams: pmark-send with --mtu 4000
# (usrsctp packs SCTP packets up to 4000 bytes, above the 1500-byte MTU of
# the links) and --ip-df off (the socket lets S's kernel fragment them).  4
# threads x 50 messages of 6000 bytes, thread i asking for TTL 50+i and
# DSCP 20+i: each message leaves as two SCTP packets, each cut into 2 or 3
# IP fragments before tc egress, so the tc program sees only the first
# fragment's UDP and SCTP headers and must carry its options over to the
# later fragments.  On the wire (capture in R, check_marks.py):
#
#   IPv4   messages also ask for --df clear; every DATA datagram is
#          fragmented, every first fragment shows its chunks' options
#          (TTL, TOS, DF 0), every later fragment the same as its first
#          (frag_ok = fragments, frag_bad 0); 0 mislabeled, unmarked, mixed
#   IPv6   the same with hop limit and traffic class; IPv6 has no DF bit:
#          --ip-df off sets IPV6_MTU_DISCOVER to DONT (IPV6_DONTFRAG stays
#          0), so S adds fragment headers; no --df for the messages
#
# And in both: every TSN on the wire, every message intact at pmark-sink,
# the tc program followed every later fragment (frag_followed) and knew
# them all (frag_unknown 0), and marked first and later fragments alike.

# MK_*, WC_*, SND_*, SNK_*, TC_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

THREADS=4
COUNT=50
SIZE=6000
TOTAL=$((THREADS * COUNT))

require_wire
require_assoc_tools
tap_plan 32

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

# frag_case NAME SPORT DPORT: one association over IPv4 (NAME v4) or IPv6
# (NAME v6); 15 test points.
frag_case()
{
	local name=$1 sport=$2 dport=$3 bind dst listen filter v6='' df=(--df clear) sink_rc chunks tcm

	if [ "$name" = v6 ]; then
		bind="[$S_ADDR6]:$sport" dst="[$D_ADDR6]:$dport" listen="[::]:$dport" filter=ip6
		v6=--v6 df=()
	else
		bind="$S_ADDR4:$sport" dst="$D_ADDR4:$dport" listen=$dport filter=ip
	fi

	stats_save
	need "$name: pmark-sink listening in D on $listen" sink_start "sink_$name" "$NS_D" --once --json "$listen"
	# Not "udp": later IPv6 fragments have no UDP header after the fixed one.
	need "$name: capture in R on $R_IF_S" cap_begin "c_$name" "$NS_R" "$R_IF_S" "$filter"

	snd "snd_$name" "$NS_S" --pin-root "$PIN" --bind "$bind" --mtu 4000 --ip-df off \
		--threads "$THREADS" --count "$COUNT" --size "$SIZE" --per-thread-options \
		--ttl 50 --dscp 20 "${df[@]}" --json "$dst"
	ok $? "$name: pmark-send --mtu 4000 --ip-df off${df[*]:+ ${df[*]}}, $THREADS threads x $COUNT messages of $SIZE bytes"
	cap_stop "c_$name"
	sink_wait "sink_$name" 20
	sink_rc=$?

	json_vars SND "$LIB_TMP/snd_$name.out" || diag "no JSON from pmark-send"
	diag "$name: pmark-send: $(v SND_LINE)"
	is "$(v SND_mode)/$(v SND_error)/$(v SND_messages)/$(v SND_all_acked)" "maps/None/$TOTAL/True" \
		"$name: pmark-send marked through the maps, $TOTAL messages sent, all acked"
	chunks=$(v SND_stats_data_chunks)
	[ "$chunks" != missing ] && [ "$chunks" -ge "$TOTAL" ] &&
		[ "$(v SND_stats_records_written)/$(v SND_stats_records_failed)/$(v SND_stats_chunks_unmapped)/$(v SND_stats_unsplittable)/$(v SND_stats_send_errors)" = "$chunks/0/0/0/0" ]
	ok $? "$name: pmark-send stats: $chunks DATA chunks, a record for each; records_failed, chunks_unmapped, unsplittable, send_errors 0"

	json_vars SNK "$LIB_TMP/sink_$name.out" || diag "no JSON from pmark-sink"
	is "$sink_rc/$(v SNK_messages)/$(v SNK_intact)/$(v SNK_corrupt)" "0/$TOTAL/$TOTAL/0" \
		"$name: pmark-sink: exit 0, $TOTAL messages, all intact, none corrupt"
	is "$(cap_complete "c_$name")" 0/0 "$name: capture complete: no packet dropped for tcpdump, none truncated"

	# shellcheck disable=SC2086 # $v6 is empty or one word
	unset_prefix MK_
	need "$name: check_marks.py decoded the capture" marks_check "$LIB_TMP/c_$name.pcap" "$sport" --decode "$dport" $v6
	diag "$name: check_marks: $MK_LINE"
	# shellcheck disable=SC2086
	wire_census "$LIB_TMP/c_$name.pcap" "$sport" $v6
	diag "$name: wire census: $(v WC_LINE)"

	[ "$MK_data" -gt 0 ] && [ "$(v WC_mf)" = "$MK_data" ] && [ "$MK_fragments" -ge "$MK_data" ]
	ok $? "$name: every DATA datagram left in IP fragments ($(v WC_mf) of $MK_data first fragments, $MK_fragments later ones)"
	is "$MK_frag_ok/$MK_frag_bad" "$MK_fragments/0" \
		"$name: every later fragment carries its first fragment's options (frag_ok $MK_frag_ok of $MK_fragments)"
	is "$MK_mislabeled/$MK_unmarked/$MK_mixed" "0/0/0" "$name: no mislabeled, unmarked or mixed datagram"
	[ "$MK_ok" = "$MK_data" ]
	ok $? "$name: every first fragment shows its chunks' options (ok $MK_ok of $MK_data)"
	is "$(v WC_tsns)/$(v WC_ppids)/$(v WC_headers)" "$chunks/$THREADS/$THREADS" \
		"$name: on the wire: all $chunks TSNs, $THREADS option sets under $THREADS distinct headers"

	tc_deltas || diag "pmarkctl --json stats failed"
	diag "$name: tc program, growth: $(v TC_LINE)"
	is "$(v TC_frag_followed)/$(v TC_frag_unknown)" "$MK_fragments/0" \
		"$name: tc program followed all $MK_fragments later fragments, none unknown"
	tcm=$(v TC_marked)
	[ "$tcm" != missing ] && [ "$tcm" -ge $((MK_marked + MK_frag_ok)) ] &&
		[ "$tcm" -le $((MK_marked + MK_frag_ok + (MK_marked + MK_frag_ok) / 100 + 5)) ]
	ok $? "$name: tc program: marked grew by $tcm, about the $MK_marked first and $MK_frag_ok later fragments marked"
}

topo_marked 7735 7736
frag_case v4 7735 5735
frag_case v6 7736 5736
