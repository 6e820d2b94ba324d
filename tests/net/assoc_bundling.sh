#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Bundling under backpressure: when the association is backed up, usrsctp
# packs the queued small DATA chunks of many threads into one packet; the
# library must cut such a packet into one datagram per option set.  Two
# cases, each 32 threads x 300 messages on one association, thread i asking
# for TTL 20+i and DSCP 8+i (--per-thread-options):
#
#   paused     32-byte messages paced at 20000/s while pmark-sink reads
#              nothing for 1.5 s after the accept (--pause-ms): the receive
#              window closes, the chunks of all threads queue interleaved,
#              and go out bundled when the window opens
#   tbf        64-byte messages at full speed over a 2 Mbit/s link (tbf on
#              R's interface toward D; this kernel has no netem): the queue
#              builds behind the congestion window, tbf drops some, and the
#              retransmissions are bundled too
#
# Each case must really bundle, or the test would prove nothing: pmark-send's
# packets_split > 0 and more datagrams out than packets.  On the wire
# (capture in R, check_marks.py): 0 mixed, 0 mislabeled, 0 unmarked, every
# DATA datagram shows its chunks' options; every TSN was sent; pmark-sink
# got every message intact; the tc program marked what the capture shows.
# And no TSN went out more than 10 times: split packets draw a SACK per
# datagram, and before the library asked usrsctp for RFC 9260's HTNA rule
# each such SACK in fast recovery counted a miss for every hole, so holes
# were resent every third SACK until one TSN hit usrsctp's limit of 30
# sends and the association was aborted (the tbf case, 1 run in 3 here).
# dtls_assoc_bundling.sh runs this over DTLS (150 messages per thread),
# checked on the decrypted capture (dtls_lib_assoc.sh).

# MK_*, WC_*, SND_*, SNK_*, TC_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

THREADS=32
COUNT=$(dtls_pick 300 150)
TOTAL=$((THREADS * COUNT))

require_wire
require_assoc_tools
tap_plan $((35 + 2 * DTLS_POINTS))

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

# bundle_case NAME SPORT DPORT SINK_ARGS SEND_ARGS: one association of
# $THREADS x $COUNT small messages; 16 test points.
bundle_case()
{
	local name=$1 sport=$2 dport=$3 sink_args=$4 send_args=$5 sink_rc dout pout split tcm

	stats_save
	# shellcheck disable=SC2086 # the argument strings are word lists
	need "$name: pmark-sink listening in D on UDP $dport ($sink_args)" sink_start "sink_$name" "$NS_D" --once --json $sink_args "$dport"
	need "$name: capture in R on $R_IF_S" cap_begin "c_$name" "$NS_R" "$R_IF_S" "udp"

	# shellcheck disable=SC2086
	snd "snd_$name" "$NS_S" --pin-root "$PIN" --bind "$S_ADDR4:$sport" --threads "$THREADS" \
		--count "$COUNT" --per-thread-options --ttl 20 --dscp 8 $send_args --json \
		"$D_ADDR4:$dport"
	ok $? "$name: pmark-send $THREADS threads x $COUNT messages ($send_args), per-thread TTL and DSCP"
	cap_stop "c_$name"
	sink_wait "sink_$name" 30
	sink_rc=$?
	dtls_cap "c_$name" "$sport"

	json_vars SND "$LIB_TMP/snd_$name.out" || diag "no JSON from pmark-send"
	diag "$name: pmark-send: $(v SND_LINE)"
	is "$(v SND_mode)/$(v SND_error)/$(v SND_messages)/$(v SND_all_acked)" "maps/None/$TOTAL/True" \
		"$name: pmark-send marked through the maps, $TOTAL messages sent, all acked"
	is "$(v SND_stats_data_chunks)/$(v SND_stats_records_written)/$(v SND_stats_records_failed)/$(v SND_stats_chunks_unmapped)/$(v SND_stats_unsplittable)/$(v SND_stats_send_errors)" \
		"$TOTAL/$(dtls_records_want "$TOTAL")/0/0/0/0" \
		"$name: pmark-send stats: data_chunks $TOTAL, records_written $(dtls_records_want "$TOTAL"); records_failed, chunks_unmapped, unsplittable, send_errors 0"

	# The case is only worth something if usrsctp bundled chunks of
	# different options (the sender sends no SACK, and never bundles
	# COOKIE-ECHO with DATA here, so a split is a mixed-option packet);
	# each split packet leaves as two datagrams or more.
	split=$(v SND_stats_packets_split)
	dout=$(v SND_stats_datagrams_out)
	pout=$(v SND_stats_packets_out)
	[ "$split" != missing ] && [ "$split" -gt 0 ] && [ "$dout" != missing ] &&
		[ "$pout" != missing ] && [ $((dout - pout)) -ge "$split" ]
	ok $? "$name: usrsctp bundled different options and the library split them (packets_split $split, $pout packets out as $dout datagrams)"

	json_vars SNK "$LIB_TMP/sink_$name.out" || diag "no JSON from pmark-sink"
	is "$sink_rc/$(v SNK_messages)/$(v SNK_intact)/$(v SNK_corrupt)" "0/$TOTAL/$TOTAL/0" \
		"$name: pmark-sink: exit 0, $TOTAL messages, all intact, none corrupt"
	is "$(cap_complete "c_$name")" 0/0 "$name: capture complete: no packet dropped for tcpdump, none truncated"

	unset_prefix MK_
	need "$name: check_marks.py decoded the capture" marks_check "$LIB_TMP/c_$name.pcap" "$sport" --decode "$dport"
	diag "$name: check_marks: $MK_LINE"
	is "$MK_mixed" 0 "$name: no datagram with chunks of different options (mixed)"
	is "$MK_mislabeled" 0 "$name: no mislabeled datagram"
	is "$MK_unmarked" 0 "$name: no unmarked datagram"
	[ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ]
	ok $? "$name: every DATA datagram shows its chunks' options (ok $MK_ok of $MK_data, $MK_retx retransmissions)"

	wire_census "$LIB_TMP/c_$name.pcap" "$sport"
	diag "$name: wire census: $(v WC_LINE)"
	is "$(v WC_tsns)/$(v WC_ppids)/$(v WC_ppid_min)/$(v WC_ppid_max)" "$TOTAL/$THREADS/$COUNT/$COUNT" \
		"$name: on the wire: all $TOTAL TSNs, $COUNT for each of the $THREADS option sets"
	sends=$(v WC_max_sends)
	[ "$sends" != missing ] && [ "$sends" -le 10 ]
	ok $? "$name: no TSN on the wire more than 10 times (at most $sends; usrsctp aborts at 30)"

	tc_deltas || diag "pmarkctl --json stats failed"
	diag "$name: tc program, growth: $(v TC_LINE)"
	tcm=$(v TC_marked)
	[ "$tcm" != missing ] && [ "$tcm" -ge "$MK_marked" ] &&
		[ "$tcm" -le $((MK_marked + MK_marked / 100 + 5)) ]
	ok $? "$name: tc program: marked grew by $tcm, about the $MK_marked marked datagrams captured"
}

topo_marked 7732 7733

bundle_case paused 7732 5732 "--pause-ms 1500" "--size 32 --rate 20000"

on_cleanup "tc -n '$NS_R' qdisc del dev '$R_IF_D' root"
check "tbf: 2 Mbit/s on $R_IF_D in R" \
	tc -n "$NS_R" qdisc add dev "$R_IF_D" root tbf rate 2mbit burst 10kb latency 400ms
bundle_case tbf 7733 5733 "" "--size 64"
diag "tbf: $(tc -n "$NS_R" -s qdisc show dev "$R_IF_D" 2>&1)"
