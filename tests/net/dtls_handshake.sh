#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# DTLS handshakes of pmark-send and pmark-sink: certificates, fingerprints,
# key logs, and every way a handshake fails, cleanly.
#
# Certificates are made at test time with openssl (ECDSA P-256): one for the
# sink, one for a client.  Across S - R - D (no marking: --mode off):
#
#   sink1  --dtls --cert/--key (the sink's certificate)         D, UDP 5001
#   sink2  --dtls --peer-fingerprint (the client's certificate) D, UDP 5002
#   sink3  plain SCTP, no --dtls                                D, UDP 5003
#
#   - sink1 prints "dtls: sha-256 ..." before "listening on", and that is
#     `openssl x509 -fingerprint -sha256` of its certificate
#   - a sender pinned to another fingerprint: exit status non-zero at once,
#     "fingerprint does not match" naming the expected and the presented
#     fingerprint, then "connection refused"; --quiet still says why; the sink
#     stays up, and the same client (same address and port) retrying with the
#     right fingerprint connects
#   - a sender pinned to the openssl fingerprint ("sha-256 AB:..", and the
#     hex alone) connects; --keylog gets one CLIENT_RANDOM line per handshake
#     (appended) and decrypts that association in a capture (tshark)
#   - sink2 accepts the client's certificate (--cert/--key, or both in one
#     PEM file) and refuses another one (the client hears "bad certificate",
#     the sink names both fingerprints)
#   - no answer (a listener that drops everything; nobody listening): "did
#     not finish in time", "connection timed out"; a plain sender against a
#     --dtls sink and a --dtls sender against a plain sink fail the same
#     clean way, and both sinks stay up and still serve
#   - a missing --cert file is an error about the file
#   - the sinks end on SIGTERM with exactly the associations that succeeded.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# These scripts set up their protected associations themselves: not the
# DTLS mode of the plain association tests (dtls_lib_assoc.sh).
PM_DTLS=
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

SINK1=5001
SINK2=5002
SINK3=5003
DROPPING=5004
ABSENT=5005
DTLS_WIRE=$LIB_DIR/dtls_wire.py
COUNT=5
# Source ports of the senders, to tell them apart at the sinks.
P_WRONG=5431 P_GOOD=5432 P_HEX=5433 P_MUTUAL=5434 P_FRESH=5435 P_COMBINED=5436
P_DROP=5437 P_ABSENT=5438 P_PLAIN=5439 P_TOPLAIN=5440 P_FINAL=5441 P_QUIET=5442

require_wire
require_assoc_tools
require_cmd openssl timeout
tap_plan 34

need "topology S - R - D" topo_setup
T=$LIB_TMP

# mkcert NAME CN: an ECDSA P-256 self-signed certificate $T/NAME.crt, key $T/NAME.key.
mkcert()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$2" -keyout "$T/$1.key" -out "$T/$1.crt" >"$T/openssl.log" 2>&1
}
# fp_of NAME: openssl's SHA-256 fingerprint of $T/NAME.crt, upper-case hex with colons.
fp_of()
{
	openssl x509 -in "$T/$1.crt" -noout -fingerprint -sha256 | sed 's/^.*=//' | tr a-f A-F
}
need "openssl made the sink's and the client's certificates (ECDSA P-256)" \
	eval 'mkcert sink pmark-test-sink && mkcert client pmark-test-client'
SINK_FP=$(fp_of sink)
CLIENT_FP=$(fp_of client)
diag "sink certificate sha-256 $SINK_FP" "client certificate sha-256 $CLIENT_FP"

need "pmark-sink --dtls --cert --key listening in D on UDP $SINK1" \
	sink_start sink1 "$NS_D" --dtls --cert "$T/sink.crt" --key "$T/sink.key" "$SINK1"
is "$(sed -n 1p "$T/sink1.out" | cut -c1-14)|$(sed -n 2p "$T/sink1.out" | cut -c1-12)" \
	"dtls: sha-256 |listening on" "pmark-sink prints its \"dtls: sha-256 ...\" line before \"listening on\""
printed=$(sed -n 's/^dtls: sha-256 //p' "$T/sink1.out" | tr a-f A-F)
is "$printed" "$SINK_FP" "the fingerprint it prints is openssl's (x509 -fingerprint -sha256) of --cert"

# snd_t NAME ARGS...: pmark-send in S (at most 30 s), no marking, exit status
# status in $SND_RC and its run time in ms in $SND_MS.
SND_RC='' SND_MS=''
snd_t()
{
	local name=$1 t0
	shift
	t0=$(date +%s%N)
	ip netns exec "$NS_S" timeout -k 5 30 "$SEND_BIN" --mode off --dtls "$@" \
		>"$T/$name.out" 2>"$T/$name.err"
	SND_RC=$?
	SND_MS=$((($(date +%s%N) - t0) / 1000000))
}
# sent_ok NAME DESC: the last snd_t succeeded: exit 0, COUNT messages, all acked.
sent_ok()
{
	local got
	got="rc=$SND_RC $(json_get "$T/$1.out" messages 2>/dev/null)/$(json_get "$T/$1.out" all_acked 2>/dev/null)"
	if [ "$got" = "rc=0 $COUNT/True" ]; then
		tap_ok "$2"
	else
		tap_fail "$2" "got rc/messages/all_acked: $got" "stderr: $(cat "$T/$1.err")"
	fi
}
# failed_with NAME DESC MAXMS PATTERN...: the last snd_t failed by itself
# (exit status 1..123, not a signal or timeout(1)) within MAXMS, and its
# stderr has every PATTERN (fixed strings).
failed_with()
{
	local name=$1 d=$2 max=$3 p miss=
	shift 3
	for p in "$@"; do
		grep -qF -- "$p" "$T/$name.err" || miss+="${miss:+, }$p"
	done
	if [ "$SND_RC" -ge 1 ] && [ "$SND_RC" -le 123 ] && [ "$SND_MS" -le "$max" ] && [ -z "$miss" ]; then
		tap_ok "$d"
	else
		tap_fail "$d" "exit status $SND_RC after $SND_MS ms (at most $max)" ${miss:+"missing: $miss"} \
			"stderr: $(cat "$T/$name.err")"
	fi
}

# ---------------------------------------------------------------- wrong fingerprint

snd_t wrong --bind "$S_ADDR4:$P_WRONG" --peer-fingerprint "sha-256 $CLIENT_FP" --count "$COUNT" \
	--json "$D_ADDR4:$SINK1"
failed_with wrong "pinned to another fingerprint: pmark-send fails at once, \"fingerprint does not match\"" 3000 \
	"fingerprint does not match"
failed_with wrong "the error names the expected and the presented fingerprint" 3000 \
	"expected sha-256 $CLIENT_FP" "presented sha-256 $SINK_FP"
failed_with wrong "then \"connect $D_ADDR4:$SINK1: connection refused\"" 3000 \
	"connect $D_ADDR4:$SINK1: connection refused"
snd_t quiet --bind "$S_ADDR4:$P_QUIET" --peer-fingerprint "sha-256 $CLIENT_FP" --count "$COUNT" \
	--quiet "$D_ADDR4:$SINK1"
failed_with quiet "with --quiet (\"print nothing but errors\") the failure still says why: fingerprint does not match" \
	3000 "fingerprint does not match"
kill -0 "${SINK_PID[sink1]}" 2>/dev/null
ok $? "pmark-sink survives the failed handshakes" "$(cat "$T/sink1.err")"
# The same client, from the same address and port, with the right fingerprint.
snd_t retry --bind "$S_ADDR4:$P_WRONG" --timeout 3 --peer-fingerprint "sha-256 $SINK_FP" \
	--count "$COUNT" --json "$D_ADDR4:$SINK1"
RETRY_OK=0
[ "$SND_RC" = 0 ] && RETRY_OK=1
sent_ok retry "the same client (same address and port) retrying with the right fingerprint connects"

# ---------------------------------------------------------------- pinned, key log

cap_start wire "$NS_R" "$R_IF_S" "udp port $SINK1" -s 2048 -B 65536 -U --immediate-mode
ok $? "capture in R of what goes to and from UDP $SINK1"
rm -f "$T/keylog"
snd_t good --bind "$S_ADDR4:$P_GOOD" --peer-fingerprint "sha-256 $SINK_FP" --keylog "$T/keylog" \
	--count "$COUNT" --json "$D_ADDR4:$SINK1"
sent_ok good "a sender pinned to the openssl fingerprint (\"sha-256 AB:CD:...\") connects, $COUNT messages acked"
cap_stop wire
# kl_shape: the key log's CLIENT_RANDOM lines (32-byte random, 48-byte
# master secret, in hex), how many distinct randoms, and other lines.
kl_shape()
{
	local n d o
	n=$(grep -cE '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' "$T/keylog" 2>/dev/null)
	d=$(grep -E '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' "$T/keylog" 2>/dev/null | cut -d' ' -f2 | sort -u | grep -c .)
	o=$(grep -vcE '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$|^#|^$' "$T/keylog" 2>/dev/null)
	echo "lines=${n:-0} distinct=${d:-0} other=${o:-0}"
}
is "$(kl_shape)" "lines=1 distinct=1 other=0" \
	"--keylog FILE: one \"CLIENT_RANDOM <32-byte random> <48-byte master secret>\" line"
dec=$(python3 "$DTLS_WIRE" decrypted --wire "${CAP_FILE[wire]}" --keylog "$T/keylog" --port "$P_GOOD" \
	--dport "$SINK1" 2>&1)
diag "decrypted with the key log: $dec"
if [[ "$dec" =~ ^app=([0-9]+)\ decrypted=([0-9]+)\ data=([0-9]+)\ crc_bad=0$ ]] &&
	[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] &&
	[ "${BASH_REMATCH[3]}" -ge "$COUNT" ]; then
	tap_ok "the key log decrypts every protected datagram of that association (tshark), $COUNT+ carry DATA"
else
	tap_fail "the key log decrypts every protected datagram of that association (tshark)" "$dec"
fi
snd_t hex --bind "$S_ADDR4:$P_HEX" --peer-fingerprint "$SINK_FP" --keylog "$T/keylog" \
	--count "$COUNT" --json "$D_ADDR4:$SINK1"
sent_ok hex "a sender pinned to the fingerprint's hex alone (no \"sha-256 \") connects"
is "$(kl_shape)" "lines=2 distinct=2 other=0" "--keylog appends: a second CLIENT_RANDOM line, another random"

# ---------------------------------------------------------------- the sink pins the client

need "pmark-sink --dtls --peer-fingerprint (the client's certificate) listening in D on UDP $SINK2" \
	sink_start sink2 "$NS_D" --dtls --peer-fingerprint "sha-256 $CLIENT_FP" "$SINK2"
SINK2_FP=$(sed -n 's/^dtls: //p' "$T/sink2.out")
snd_t mutual --bind "$S_ADDR4:$P_MUTUAL" --cert "$T/client.crt" --key "$T/client.key" \
	--peer-fingerprint "$SINK2_FP" --count "$COUNT" --json "$D_ADDR4:$SINK2"
sent_ok mutual "a sender with --cert/--key of the client's certificate connects to the sink pinned to it"
is "$(json_get "$T/mutual.out" fingerprint 2>/dev/null | sed 's/^sha-256 //' | tr a-f A-F)" "$CLIENT_FP" \
	"the sender's reported fingerprint is openssl's of its --cert"
snd_t fresh --bind "$S_ADDR4:$P_FRESH" --peer-fingerprint "$SINK2_FP" --count "$COUNT" \
	--json "$D_ADDR4:$SINK2"
failed_with fresh "a sender with another certificate is refused at once (the sink's alert: bad certificate)" 3000 \
	"bad certificate" "connection refused"
grep -qF "expected sha-256 $CLIENT_FP, the peer presented sha-256" "$T/sink2.err"
ok $? "the sink says why: the client's fingerprint does not match, naming both" "$(cat "$T/sink2.err")"
cat "$T/client.key" "$T/client.crt" >"$T/combined.pem"
snd_t combined --bind "$S_ADDR4:$P_COMBINED" --cert "$T/combined.pem" --peer-fingerprint "$SINK2_FP" \
	--count "$COUNT" --json "$D_ADDR4:$SINK2"
sent_ok combined "--cert with the key in the same PEM file (no --key) connects"

# ---------------------------------------------------------------- no answer, wrong kind

need "pmark-sink (plain SCTP, no --dtls) listening in D on UDP $SINK3" \
	sink_start sink3 "$NS_D" "$SINK3"
ip netns exec "$NS_D" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("bound", flush=True)
while True:
    s.recv(65535)
' "$DROPPING" >"$T/dropping.out" 2>&1 &
drop_pid=$!
track_pid "$drop_pid"
wait_output "$drop_pid" "$T/dropping.out" 3 bound
# The four failures at once (each waits its 2 s): subshells, "status ms" in
# $T/NAME.st.  PLAIN=1: without --dtls.
FAIL_PIDS=()
fail_bg()
{
	local name=$1
	shift
	(
		if [ "${PLAIN:-0}" = 1 ]; then
			t0=$(date +%s%N)
			ip netns exec "$NS_S" timeout -k 5 30 "$SEND_BIN" --mode off "$@" \
				>"$T/$name.out" 2>"$T/$name.err"
			SND_RC=$?
			SND_MS=$((($(date +%s%N) - t0) / 1000000))
		else
			snd_t "$name" "$@"
		fi
		echo "$SND_RC $SND_MS" >"$T/$name.st"
	) &
	FAIL_PIDS+=($!)
}
fail_bg drop --bind "$S_ADDR4:$P_DROP" --timeout 2 --count "$COUNT" "$D_ADDR4:$DROPPING"
fail_bg absent --bind "$S_ADDR4:$P_ABSENT" --timeout 2 --count "$COUNT" "$D_ADDR4:$ABSENT"
PLAIN=1 fail_bg plain --bind "$S_ADDR4:$P_PLAIN" --timeout 2 --count "$COUNT" "$D_ADDR4:$SINK1"
fail_bg toplain --bind "$S_ADDR4:$P_TOPLAIN" --timeout 2 --count "$COUNT" "$D_ADDR4:$SINK3"
wait "${FAIL_PIDS[@]}"
for n in drop absent plain toplain; do
	read -r SND_RC SND_MS <"$T/$n.st" 2>/dev/null || { SND_RC=255 SND_MS=0; }
	case $n in
	drop) failed_with drop "no answer (a listener that drops everything): \"did not finish in time\", \"connection timed out\"" \
		8000 "did not finish in time" "connection timed out" ;;
	absent) failed_with absent "nobody listening: \"did not finish in time\", \"connection timed out\"" \
		8000 "did not finish in time" "connection timed out" ;;
	plain) failed_with plain "a plain sender against the --dtls sink fails cleanly: \"connection timed out\"" \
		8000 "connection timed out" ;;
	toplain) failed_with toplain "a --dtls sender against a plain sink fails cleanly: \"did not finish in time\"" \
		8000 "did not finish in time" "connection timed out" ;;
	esac
done
stop_pid "$drop_pid" 2
forget_pid "$drop_pid"
kill -0 "${SINK_PID[sink1]}" 2>/dev/null && kill -0 "${SINK_PID[sink3]}" 2>/dev/null
ok $? "the --dtls sink and the plain sink are still running"
snd_t final --bind "$S_ADDR4:$P_FINAL" --peer-fingerprint "sha-256 $SINK_FP" --count "$COUNT" \
	--json "$D_ADDR4:$SINK1"
sent_ok final "the --dtls sink still serves: a correct sender connects after all that"

# ---------------------------------------------------------------- files

snd_t nocert --cert "$T/no-such.crt" --count "$COUNT" "$D_ADDR4:$SINK1"
if [ "$SND_RC" -ge 1 ] && [ "$SND_RC" -le 123 ] && grep -qiE "no such file|no-such\.crt" "$T/nocert.err" &&
	! grep -q "pmarkctl attach" "$T/nocert.err"; then
	tap_ok "a missing --cert file: exit $SND_RC, the error is about the file"
else
	tap_fail "a missing --cert file: non-zero exit, the error is about the file (not the marker)" \
		"exit status $SND_RC" "stderr: $(cat "$T/nocert.err")"
fi

# ---------------------------------------------------------------- the sinks' totals

# sink_summary NAME: "total=N end=E" and each association's port:messages/intact.
sink_summary()
{
	python3 - "$T/$1.out" <<'EOF'
import re, sys
out, total = [], "total=none"
for line in open(sys.argv[1]):
    m = re.match(r"\S+:(\d+): (\d+) messages, \d+ bytes, (\d+) intact", line)
    if m:
        out.append("%s:%s/%s" % m.groups())
    m = re.match(r"total: (\d+) associations?, .*, (\w+)$", line.strip())
    if m:
        total = "total=%s end=%s" % m.groups()
print(" ".join(sorted(out) + [total]))
EOF
}
declare -A SINK_ST=()
for s in sink1 sink2 sink3; do
	sink_wait "$s" 0
	SINK_ST[$s]=$?
done
want1="$P_FINAL:$COUNT/$COUNT $P_GOOD:$COUNT/$COUNT $P_HEX:$COUNT/$COUNT"
[ "$RETRY_OK" = 1 ] && want1="$P_WRONG:$COUNT/$COUNT $want1"
want1=$(tr ' ' '\n' <<<"$want1" | sort | tr '\n' ' ')
is "st=${SINK_ST[sink1]} $(sink_summary sink1)" "st=0 ${want1}total=$((3 + RETRY_OK)) end=signal" \
	"sink1: exactly the associations that succeeded, all messages intact; SIGTERM, exit 0"
is "st=${SINK_ST[sink2]} $(sink_summary sink2)" \
	"st=0 $P_MUTUAL:$COUNT/$COUNT $P_COMBINED:$COUNT/$COUNT total=2 end=signal" \
	"sink2: the two associations with the client's certificate, nothing else"
is "st=${SINK_ST[sink3]} $(sink_summary sink3)" "st=0 total=0 end=signal" \
	"the plain sink: no association from the --dtls sender, exit 0"
