#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# An association that ends badly says why.  Across S - R - D (--mode off:
# this is about the endpoint, not the marker):
#
#   pmark-send in S sends 50 messages a second to pmark-sink in D; the sink
#   is killed (SIGKILL: no SHUTDOWN, no ABORT) and a new pmark-sink takes
#   its UDP port.  The sender's next DATA is out of the blue for the new
#   sink's usrsctp, which answers with an ABORT.
#
#   - the ABORT is on the wire (capture in R), from D's port to S's
#   - pmark-send exits non-zero and stops sending (far fewer than its 1000
#     messages, 20 s at its rate, went out), and its stderr carries the library's line "association with D:port ended: the
#     peer sent ABORT, ..." before its own error
#   - with --json, pmark-send reports all_acked false and an error
#   - the new sink stays up and serves the next association
#   - a clean run (the same sender, nobody killed) logs no such line.
#
# The same ABORT while pmark-send waits for its acks (linger): R drops
# every DATA toward D, so the 20 messages are all out and none acked; the
# sink is killed, a new one takes the port, R lets DATA through, and the
# next retransmission draws the ABORT.  usrsctp then drops what it held, so
# nothing is left unacked: pmark-send must still report all_acked false,
# the association's end "peer-abort", an error, and exit non-zero.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# Plain associations only: a new DTLS sink drops a stranger's records, it
# does not answer them.
PM_DTLS=
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

PORT=5021
SPORT=7021

require_wire
require_assoc_tools
require_cmd timeout
require_cmd nft
tap_plan 23

need "topology S - R - D" topo_setup
T=$LIB_TMP
SCTP_PORTS=("$PORT")

# A clean association first: nothing about its end in the log.
need "sink0 listening in D on UDP $PORT" sink_start sink0 "$NS_D" --mode off --once "$PORT"
in_ns "$NS_S" timeout -k 5 30 "$SEND_BIN" --mode off --count 20 "$D_ADDR4:$PORT" \
	>"$T/clean.out" 2>"$T/clean.err"
is "$?/$(grep -c 'ended' "$T/clean.err")" 0/0 \
	"a clean association: pmark-send exits 0 and logs no 'ended' line"
sink_wait sink0 10

need "sink1 listening in D on UDP $PORT" sink_start sink1 "$NS_D" --mode off "$PORT"
need "capture in R on $R_IF_D" cap_start cap "$NS_R" "$R_IF_D" "udp port $PORT"

# 50 messages a second for 20 s at most: it must end long before.
ip netns exec "$NS_S" timeout -k 5 40 "$SEND_BIN" --mode off --bind "$S_ADDR4:$SPORT" --rate 50 \
	--count 1000 --json "$D_ADDR4:$PORT" >"$T/snd.out" 2>"$T/snd.err" &
SND_PID=$!
track_pid "$SND_PID"
sleep 1.5
kill -KILL "${SINK_PID[sink1]}"
wait "${SINK_PID[sink1]}" 2>/dev/null
forget_pid "${SINK_PID[sink1]}"
need "sink2 took UDP $PORT in D" sink_start sink2 "$NS_D" --mode off "$PORT"
t0=$(date +%s.%N)

for ((i = 0; i < 200; i++)); do
	kill -0 "$SND_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$SND_PID"
snd_rc=$?
forget_pid "$SND_PID"
secs=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
diag "pmark-send stderr:" "$(cat "$T/snd.err")"
[ "$snd_rc" != 0 ] && [ "$snd_rc" != 124 ] && [ "$snd_rc" != 137 ]
ok $? "pmark-send exits non-zero on its own (status $snd_rc), $secs s after the new sink came up"
# Not a timing assertion: at 50 a second the 1000 messages take 20 s, so a
# sender that stopped at the ABORT has sent far fewer than 1000.
json_vars SND "$T/snd.out" || diag "no JSON from pmark-send"
sent=$(v SND_messages)
[[ "$sent" =~ ^[0-9]+$ ]] && [ "$sent" -gt 0 ] && [ "$sent" -lt 1000 ]
ok $? "pmark-send stopped sending at the ABORT: $sent of 1000 messages sent"

line=$(grep -m1 "association with $D_ADDR4:$PORT ended: the peer sent ABORT" "$T/snd.err")
ok $? "stderr: 'association with $D_ADDR4:$PORT ended: the peer sent ABORT...'"
diag "$line"
first=$(grep -n . "$T/snd.err" | grep -m1 -v "libpmark\|association with" | cut -d: -f1)
abort_at=$(grep -n -m1 "the peer sent ABORT" "$T/snd.err" | cut -d: -f1)
[ -n "$abort_at" ] && { [ -z "$first" ] || [ "$abort_at" -lt "$first" ]; }
ok $? "the library's line comes before pmark-send's own error"

is "$(v SND_all_acked)/$([ "$(v SND_error)" != None ] && [ "$(v SND_error)" != missing ] && echo set)" \
	"False/set" "--json: all_acked false, error set ($(v SND_error))"

cap_stop cap
aborts=$(pkt_fields "$T/cap.pcap" "udp.srcport == $PORT && sctp.chunk_type == 6" ip.src udp.dstport)
diag "ABORT datagrams: ${aborts:-none}"
grep -q "^$D_ADDR4,$SPORT$" <<<"$aborts"
ok $? "on the wire: an ABORT from $D_ADDR4:$PORT to S's port $SPORT"
data_after=$(pkt_fields "$T/cap.pcap" "udp.dstport == $PORT && sctp.chunk_type == 0" frame.number | wc -l)
[ "$data_after" -gt 0 ]
ok $? "on the wire: DATA toward D before the ABORT ($data_after datagrams)"

# The new sink still serves.
in_ns "$NS_S" timeout -k 5 30 "$SEND_BIN" --mode off --count 10 "$D_ADDR4:$PORT" \
	>"$T/after.out" 2>"$T/after.err"
is "$?" 0 "a new association to sink2 works (pmark-send exits 0)"
kill -TERM "${SINK_PID[sink2]}"
sink_wait sink2 5
grep -q "10 messages" "$T/sink2.out"
ok $? "sink2: the new association's 10 messages arrived"

# The ABORT while pmark-send lingers.
PORT2=5022
SCTP_PORTS+=("$PORT2")
need "sink3 listening in D on UDP $PORT2" sink_start sink3 "$NS_D" --mode off "$PORT2"
on_cleanup "in_ns '$NS_R' nft delete table inet pmt_abort 2>/dev/null"
# The first chunk of a plain SCTP-over-UDP datagram starts 20 bytes into
# the UDP payload: 160 bits after the UDP header.  Type 0 is DATA.
check "nft in R: drop S's DATA toward D:$PORT2" in_ns "$NS_R" sh -c \
	"nft add table inet pmt_abort &&
	 nft add chain inet pmt_abort drops '{ type filter hook forward priority 0; }' &&
	 nft add rule inet pmt_abort drops ip saddr $S_ADDR4 udp dport $PORT2 @th,160,8 0 counter drop"
ip netns exec "$NS_S" timeout -k 5 60 "$SEND_BIN" --mode off --count 20 --linger-ms 40000 --json \
	"$D_ADDR4:$PORT2" >"$T/linger.out" 2>"$T/linger.err" &
SND_PID=$!
track_pid "$SND_PID"
# Wait until R has dropped DATA: the association is up and its 20
# messages are in usrsctp's hands (pmark-send hands them over at once).
for ((i = 0; i < 100; i++)); do
	in_ns "$NS_R" nft list table inet pmt_abort 2>/dev/null | grep -q "counter packets [1-9]" && break
	sleep 0.1
done
sleep 0.5
kill -KILL "${SINK_PID[sink3]}"
wait "${SINK_PID[sink3]}" 2>/dev/null
forget_pid "${SINK_PID[sink3]}"
need "sink4 took UDP $PORT2 in D" sink_start sink4 "$NS_D" --mode off "$PORT2"
check "nft in R: DATA toward D:$PORT2 passes again" in_ns "$NS_R" nft delete table inet pmt_abort
wait "$SND_PID"
snd_rc=$?
forget_pid "$SND_PID"
diag "pmark-send stderr:" "$(cat "$T/linger.err")"
[ "$snd_rc" != 0 ] && [ "$snd_rc" != 124 ] && [ "$snd_rc" != 137 ]
ok $? "linger: pmark-send exits non-zero on its own (status $snd_rc)"
json_vars SND "$T/linger.out" || diag "no JSON from pmark-send"
is "$(v SND_messages)/$(v SND_stats_msgs_sent)/$(v SND_all_acked)/$(v SND_stats_end)" "20/20/False/peer-abort" \
	"linger: --json: all 20 messages sent, all_acked false, the association's end peer-abort"
grep -q "ended_(peer-abort)_before_every_message_was_acked" <<<"$(v SND_error)"
ok $? "linger: --json error: $(v SND_error)"
grep -q "association with $D_ADDR4:$PORT2 ended: the peer sent ABORT" "$T/linger.err"
ok $? "linger: stderr: 'association with $D_ADDR4:$PORT2 ended: the peer sent ABORT...'"
kill -TERM "${SINK_PID[sink4]}"
sink_wait sink4 5
