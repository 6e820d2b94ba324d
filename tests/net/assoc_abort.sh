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
tap_plan 15

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
