#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A protected (DTLS) association survives forged, replayed and malformed
# datagrams, and counts each exactly.
#
# pmark-send in S sends 200 marked messages (TTL 29, DSCP 18) at 100/s over
# a DTLS association to pmark-sink --dtls in D.  R does not forward that
# association's datagrams itself (a policy route to a blackhole): the relay
# dtls_relay.py, in R, reads them from vr0 and sends each on with a raw
# socket (its own IP header: real source address and port), and for 10 of
# the application-data datagrams injects around it, so the sink gets:
#
#   copy with a ciphertext byte flipped, copy with a tag byte flipped,
#   the datagram, the datagram again (replay), and one non-record datagram
#   (random bytes / record header cut short / length past the end).
#
# The tampered copies arrive before the record they copy, so their sequence
# number is unseen: they can only fail authentication (a tampered copy of a
# record already received is dropped by the replay window first, which
# counts it as a replay).  Checked: the capture toward D shows exactly what
# the relay says it injected, every datagram S sent reached D; the sink's
# line for the association counts "N DTLS datagrams rejected" = tampered +
# non-record datagrams and "N DTLS replays dropped" = replays, exactly; all
# 200 messages arrived intact and the association closed gracefully; the
# sender exited 0 with everything acked and saw no bad datagram itself; the
# marking is unaffected (decrypted with the key log: every DATA datagram
# carries TTL 29 / DSCP 18, control-only ones the defaults, and the tc
# program marked exactly those); the sink survives and ends on SIGTERM.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# These scripts set up their protected associations themselves: not the
# DTLS mode of the plain association tests (dtls_lib_assoc.sh).
PM_DTLS=
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

PA=5421
SINK_PORT=5001
COUNT=200
RATE=100
PICKS=10
TTL=29
DSCP=18
DTLS_WIRE=$LIB_DIR/dtls_wire.py
RELAY=$LIB_DIR/dtls_relay.py

require_wire
require_assoc_tools
tap_plan 21

topo_marked "$PA"
SCTP_PORTS=("$SINK_PORT")

sink_start sink "$NS_D" --dtls "$SINK_PORT"
ok $? "pmark-sink --dtls listening in D on UDP $SINK_PORT" "$(cat "$LIB_TMP/sink.err" 2>/dev/null)"

# R stops forwarding the association itself (a policy route to a blackhole
# for what comes in on vr0 from S:PA to D:SINK_PORT): the relay does.
need "R drops the forwarding of $S_ADDR4:$PA -> $D_ADDR4:$SINK_PORT from $R_IF_S (the relay forwards it)" \
	eval "ip -n '$NS_R' route add blackhole '$D_ADDR4/32' table 100 &&
	ip -n '$NS_R' rule add pref 100 iif '$R_IF_S' from '$S_ADDR4' to '$D_ADDR4' ipproto udp \
		sport '$PA' dport '$SINK_PORT' lookup 100"

cap_begin wire "$NS_R" "$R_IF_S" "udp and host $S_ADDR4"
ok $? "capture in R of what S sends (and gets back)"
cap_begin dside "$NS_R" "$R_IF_D" "udp"
ok $? "capture in R of what reaches D"

ip netns exec "$NS_R" python3 "$RELAY" --iface "$R_IF_S" --src "$S_ADDR4" --sport "$PA" \
	--dst "$D_ADDR4" --dport "$SINK_PORT" --skip 8 --every 8 --picks "$PICKS" \
	--report "$LIB_TMP/relay.json" >"$LIB_TMP/relay.out" 2>"$LIB_TMP/relay.err" &
relay_pid=$!
track_pid "$relay_pid"
need "the relay runs in R (AF_PACKET on $R_IF_S in, raw IPv4 out)" \
	wait_output "$relay_pid" "$LIB_TMP/relay.out" 5 ready

stats_save
snd snd "$NS_S" --pin-root "$PIN" --dtls --bind "$S_ADDR4:$PA" --keylog "$LIB_TMP/keys" \
	--count "$COUNT" --rate "$RATE" --ttl "$TTL" --dscp "$DSCP" --json "$D_ADDR4:$SINK_PORT"
rc=$?
json_vars SJ "$LIB_TMP/snd.out"
is "rc=$rc messages=$(v SJ_messages) all_acked=$(v SJ_all_acked) error=$(v SJ_error) mode=$(v SJ_mode)" \
	"rc=0 messages=$COUNT all_acked=True error=None mode=maps" \
	"the association survived: pmark-send exit 0, $COUNT messages all acked, marked through the maps"
is "rejected=$(v SJ_stats_dtls_rejected) replayed=$(v SJ_stats_dtls_replayed)" "rejected=0 replayed=0" \
	"the sender got no bad datagram itself (dtls_rejected 0, dtls_replayed 0)"

# The association's last datagrams (SHUTDOWN...) go through the relay too.
wait_output "" "$LIB_TMP/sink.out" 5 "^$S_ADDR4:$PA: "
kill -0 "${SINK_PID[sink]}" 2>/dev/null
ok $? "pmark-sink still running after the injections (no crash)"
stop_pid "$relay_pid" 5
forget_pid "$relay_pid"
cap_stop wire
cap_stop dside
is "$(cap_complete wire)/$(cap_complete dside)" 0/0/0/0 "captures complete (dropped/truncated, S side and D side)"

py_vars RL '
import json, sys
r = json.load(open(sys.argv[1]))
print("picked=%d tampered=%d ct=%d tag=%d replays=%d garbage=%d random=%d short=%d long=%d send_errors=%d forwarded=%d"
      % (len(r["picked"]), r["tampered"], r["tampered_ciphertext"], r["tampered_tag"], r["replays"],
         r["garbage"], r["garbage_random"], r["garbage_short_header"], r["garbage_long_length"],
         r["send_errors"], r["forwarded"]))
' "$LIB_TMP/relay.json"
diag "relay: ${RL_LINE:-$(cat "$LIB_TMP/relay.err")}"
is "picked=$(v RL_picked) ct=$(v RL_ct) tag=$(v RL_tag) replays=$(v RL_replays) random=$(v RL_random) short=$(v RL_short) long=$(v RL_long) send_errors=$(v RL_send_errors)" \
	"picked=$PICKS ct=$PICKS tag=$PICKS replays=$PICKS random=4 short=3 long=3 send_errors=0" \
	"the relay picked $PICKS datagrams and injected 2 tampered copies, a replay and a non-record datagram for each"

# What D got, independently of the relay's word.
py_vars IN 'import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
	"$DTLS_WIRE" injected --wire "${CAP_FILE[wire]}" --dside "${CAP_FILE[dside]}" --port "$PA" --dport "$SINK_PORT"
diag "reached D: ${IN_LINE:-}"
is "altered=$(v IN_altered) before_original=$(v IN_altered_unseen) repeats=$(v IN_repeats) garbage=$(v IN_garbage) unknown=$(v IN_unknown) lost=$(v IN_lost)" \
	"altered=$(v RL_tampered) before_original=$(v RL_tampered) repeats=$(v RL_replays) garbage=$(v RL_garbage) unknown=0 lost=0" \
	"the capture toward D: the tampered copies (each before its original), the replays, the non-records; every datagram of S reached D"
is "$(v IN_originals)" "$(v IN_sent)" "every datagram S sent reached D once as itself ($(v IN_sent))"

# The sink's line for the association and its total.
sink_wait sink 0
st=$?
diag "sink:" "$(cat "$LIB_TMP/sink.out")"
sink_line()
{
	python3 - "$LIB_TMP/sink.out" "$1" <<'EOF'
import re, sys
want = sys.argv[2]
for line in open(sys.argv[1]):
    if not line.startswith(want):
        continue
    m = re.search(r"(\d+) messages, \d+ bytes, (\d+) intact, (\d+) corrupt", line)
    rej = re.search(r", (\d+) DTLS datagrams rejected", line)
    rep = re.search(r", (\d+) DTLS replays dropped", line)
    end = line.rstrip().rsplit(", ", 1)[-1]
    print("messages=%s intact=%s corrupt=%s rejected=%s replayed=%s end=%s" % (
        m.group(1) if m else "?", m.group(2) if m else "?", m.group(3) if m else "?",
        rej.group(1) if rej else 0, rep.group(1) if rep else 0, end))
    break
EOF
}
assoc=$(sink_line "$S_ADDR4:$PA: ")
total=$(sink_line "total: ")
want_rej=$((${RL_tampered:-0} + ${RL_garbage:-0}))
is "${assoc%% rejected=*}" "messages=$COUNT intact=$COUNT corrupt=0" \
	"sink: every one of the $COUNT messages arrived intact"
is "$(grep -o 'rejected=[^ ]*' <<<"$assoc")" "rejected=$want_rej" \
	"sink: \"DTLS datagrams rejected\" = $want_rej: the tampered copies ($(v RL_tampered)) and the non-record datagrams ($(v RL_garbage)), exactly"
is "$(grep -o 'replayed=[^ ]*' <<<"$assoc")" "replayed=$(v RL_replays)" \
	"sink: \"DTLS replays dropped\" = the replays injected ($(v RL_replays)), exactly"
is "$(grep -o 'end=.*' <<<"$assoc")" "end=closed" "sink: the association closed gracefully"
is "st=$st ${total#* corrupt=* }" \
	"st=0 rejected=$want_rej replayed=$(v RL_replays) end=signal" \
	"sink: the total line has the same counts; SIGTERM ended it, exit 0"

# Marking, read from the decrypted capture of what S sent.
py_vars MK 'import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
	"$DTLS_WIRE" marks --wire "${CAP_FILE[wire]}" --keylog "$LIB_TMP/keys" --port "$PA" \
	--dport "$SINK_PORT" --ttl "$TTL" --tos $((DSCP << 2))
diag "marks: ${MK_LINE:-}"
if [ "$(v MK_app)" = "$(v MK_decrypted)" ] && [ "$(v MK_data)" -ge "$COUNT" ] 2>/dev/null &&
	[ "$(v MK_data_marked)" = "$(v MK_data)" ] && [ "$(v MK_ctl)" -ge 2 ] &&
	[ "$(v MK_ctl_default)" = "$(v MK_ctl)" ]; then
	tap_ok "marking unaffected: all $(v MK_data) DATA datagrams TTL $TTL / DSCP $DSCP, $(v MK_ctl) control-only ones TTL 64 / TOS 0"
else
	tap_fail "marking unaffected: every DATA datagram TTL $TTL / DSCP $DSCP, control-only ones the defaults" "${MK_LINE:-}"
fi
tc_deltas
is "marked=$(v TC_marked) busy=$(v TC_busy) owner_mismatch=$(v TC_owner_mismatch)" \
	"marked=$(v MK_data) busy=0 owner_mismatch=0" \
	"tc counters: marked = the DATA datagrams on the wire, busy 0, owner_mismatch 0"
