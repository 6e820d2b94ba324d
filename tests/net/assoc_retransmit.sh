#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Retransmission: R drops about 10% of the S -> D datagrams that start with
# a DATA chunk (an nft rule in R's forward hook: `numgen random mod 100 < 10`
# on the first chunk type inside the UDP payload, so the handshake and
# FORWARD-TSN are spared and the association comes up at once).  The capture
# is on R's interface toward S, ahead of the drop, so a dropped original and
# its retransmission(s) are both in it.  Two associations:
#
#   marked   8 threads x 400 messages of 300 bytes, thread i asking for
#            TTL 20+i and DSCP 8+i (--per-thread-options): retransmissions
#            must carry the options again
#   once     the same with --once: a retransmission must go out unmarked
#            (the defaults), a first transmission marked, and the tc
#            program's once_consumed counter grows
#
# In both: pmark-send exits 0 with everything acked, pmark-sink got every
# message intact (exact count), the capture has retransmissions, and
# check_marks.py finds 0 mixed, 0 mislabeled, 0 unmarked.
#
# dtls_assoc_retransmit.sh runs this over DTLS (200 messages of 400 bytes
# per thread), checked on the decrypted capture (dtls_lib_assoc.sh), where a
# retransmission is a TSN seen again.  R then drops S -> D datagrams whose
# first DTLS record is application data (content type 23, the first byte)
# and whose UDP length exceeds 420 bytes: DATA datagrams, not the handshake
# nor the COOKIE-ECHO (~370) or SHUTDOWN.  Each transmission is a new DTLS
# record, so a --once retransmission gets no record from the library
# (nothing for the program to consume): no_record grows instead.

# MK_*, SND_*, SNK_*, TC_* are set by marks_check and py_vars (printf -v).
# shellcheck disable=SC2154
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

THREADS=8
COUNT=$(dtls_pick 400 200)
SIZE=$(dtls_pick 300 400)
TOTAL=$((THREADS * COUNT))
LOSS=10

require_wire
require_cmd nft timeout
require_assoc_tools
tap_plan $((29 + 2 * DTLS_POINTS))

# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

# nft_dropped: packets the drop rule in R has dropped so far.
nft_dropped()
{
	in_ns "$NS_R" nft list table inet pmt 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\) .*drop.*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}

# retx_case NAME SPORT DPORT SEND_ARGS: one association through the lossy
# router; 10 test points common to both cases, and leaves MK_* set.
retx_case()
{
	local name=$1 sport=$2 dport=$3 send_args=$4 sink_rc before after

	stats_save
	need "$name: pmark-sink listening in D on UDP $dport" sink_start "sink_$name" "$NS_D" --once --json "$dport"
	need "$name: capture in R on $R_IF_S (ahead of the drops)" cap_start "c_$name" "$NS_R" "$R_IF_S" "udp"
	before=$(nft_dropped)

	# shellcheck disable=SC2086 # the argument string is a word list
	snd "snd_$name" "$NS_S" --pin-root "$PIN" --bind "$S_ADDR4:$sport" --threads "$THREADS" \
		--count "$COUNT" --size "$SIZE" --linger-ms 30000 $send_args --json "$D_ADDR4:$dport"
	ok $? "$name: pmark-send $THREADS threads x $COUNT messages of $SIZE bytes ($send_args) exits 0"
	cap_stop "c_$name"
	sink_wait "sink_$name" 20
	sink_rc=$?
	after=$(nft_dropped)
	dtls_cap "c_$name" "$sport"
	diag "$name: R dropped $((after - before)) DATA datagrams"
	[ $((after - before)) -gt 0 ]
	ok $? "$name: R dropped DATA datagrams ($((after - before)))"

	json_vars SND "$LIB_TMP/snd_$name.out" || diag "no JSON from pmark-send"
	diag "$name: pmark-send: $(v SND_LINE)"
	is "$(v SND_mode)/$(v SND_error)/$(v SND_messages)/$(v SND_all_acked)" "maps/None/$TOTAL/True" \
		"$name: pmark-send marked through the maps, $TOTAL messages sent, all acked"

	json_vars SNK "$LIB_TMP/sink_$name.out" || diag "no JSON from pmark-sink"
	diag "$name: pmark-sink: $(v SNK_LINE)"
	is "$sink_rc/$(v SNK_messages)/$(v SNK_intact)/$(v SNK_corrupt)" "0/$TOTAL/$TOTAL/0" \
		"$name: pmark-sink: exit 0, $TOTAL messages, all intact, none corrupt"
	is "$(cap_drops "c_$name")" 0 "$name: capture complete: tcpdump dropped no packet"

	need "$name: check_marks.py decoded the capture" marks_check "$LIB_TMP/c_$name.pcap" "$sport" --decode "$dport"
	diag "$name: check_marks: $MK_LINE"
	[ "$MK_retx" -gt 0 ]
	ok $? "$name: the capture has retransmissions (retx $MK_retx, first $MK_first)"
	is "$MK_mixed/$MK_mislabeled/$MK_unmarked" 0/0/0 \
		"$name: no mixed, mislabeled or unmarked datagram"
}

topo_marked 7741 7742

on_cleanup "in_ns '$NS_R' nft delete table inet pmt"
# What a DATA datagram starts with: its first chunk's type, or over DTLS
# an application-data record and more bytes than the control packets take.
DATA_MATCH=$(dtls_pick '@th,160,8 0' '@th,64,8 23 udp length gt 420')
# shellcheck disable=SC2016 # nft syntax, not shell
check "nft in R: drop $LOSS% of the S -> D datagrams that start with DATA" \
	in_ns "$NS_R" sh -c 'nft add table inet pmt &&
		nft add chain inet pmt drops "{ type filter hook forward priority 0; }" &&
		nft add rule inet pmt drops ip saddr '"$S_ADDR4"' udp dport "{ 5741, 5742 }" \
			'"$DATA_MATCH"' numgen random mod 100 "<" '"$LOSS"' counter drop'

# (a) Options on every transmission: retransmissions are marked again.
retx_case marked 7741 5741 "--per-thread-options --ttl 20 --dscp 8"
[ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ]
ok $? "marked: every DATA datagram shows its options, retransmissions too (ok $MK_ok of $MK_data, retx $MK_retx)"
[ "$MK_marked" = "$MK_data" ]
ok $? "marked: every DATA datagram is marked (marked $MK_marked of $MK_data)"

# (b) --once: first transmissions marked, retransmissions unmarked.
retx_case once 7742 5742 "--per-thread-options --ttl 30 --dscp 16 --once"
is "$MK_retx_once_unmarked/$MK_retx_marked" "$MK_retx/0" \
	"once: every retransmitted datagram shows the defaults (retx_once_unmarked $MK_retx_once_unmarked of $MK_retx), retx_marked 0"
[ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ]
ok $? "once: every DATA datagram shows what it should (ok $MK_ok of $MK_data)"
is "$MK_marked" "$MK_first" "once: every first transmission is marked (marked $MK_marked, first $MK_first)"
tc_deltas || diag "pmarkctl --json stats failed"
diag "once: tc program, growth: $(v TC_LINE)"
c=$(v TC_once_consumed)
if [ -z "$PM_DTLS" ]; then
	[ "$c" != missing ] && [ "$c" -gt 0 ]
	ok $? "once: the tc program's once_consumed counter grew ($c; $MK_retx_once_unmarked unmarked retransmissions captured)"
else
	n=$(v TC_no_record)
	is "$n/$c" "$(dtls_plus_control "$MK_retx")/0" \
		"once: retransmissions had no record: no_record grew by the $MK_retx retransmissions and S's $DW_control control-only datagrams, once_consumed 0"
fi
