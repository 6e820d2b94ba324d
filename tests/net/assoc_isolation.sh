#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Two associations in two processes never mark each other's packets.
#
# Three pmark-send processes in S run at the same time, each its own
# association (own UDP source port, own verification tag, own TSN space)
# to one pmark-sink in D, all three ports registered with the marker:
#
#   A  port 5401  8 threads  --per-thread-options --ttl 20 --dscp 10
#                            thread i: TTL 20+i, DSCP 10+i (20..27, 10..17)
#   B  port 5402  8 threads  --per-thread-options --ttl 40 --dscp 46
#                            thread i: TTL 40+i, DSCP 46+i (40..47, 46..53)
#   C  port 5403  4 threads  no IP options: every datagram TTL 64, TOS 0
#
# The three are paced (--rate) so that they overlap for about a second; the
# capture in R must show their DATA datagrams interleaved.  Then, per port:
# check_marks.py (each datagram's IP header against the PPID of its chunks)
# finds 0 mixed / unmarked / mislabeled, and independently of the PPID
# encoding the (TTL, DSCP) pairs seen on each port lie in that sender's own
# range only (C: only 64/0).  The sink received every message of every
# association intact.
#
# The tc program's counters over the run: records are found by verification
# tag (each association owns its own ring) and TSN, and a record carries the
# SO_COOKIE of the endpoint's UDP socket as its owner.  Distinct vtags keep
# A's records out of B's lookups entirely, so owner_mismatch stays 0 (it
# could only count a datagram of another socket that carries the same vtag
# and TSN); busy and expired stay 0; `marked` is exactly the number of A's
# and B's marked datagrams on the wire; C writes no records, so each of C's
# DATA datagrams is a `no_record`, and nothing else is.
#
# dtls_assoc_isolation.sh runs this over DTLS (600 messages per thread at
# half the rate), checked on the decrypted capture (dtls_lib_assoc.sh); the
# capture then takes both directions (decryption needs the handshake), and
# no_record also counts every control-only datagram of the three (the
# program cannot see that a protected datagram has no DATA chunk).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

PA=5401
PB=5402
PC=5403
SINK_PORT=5001
THR_AB=8
THR_C=4
COUNT=$(dtls_pick 1200 600)      # per thread
SIZE=200
RATE=$(dtls_pick 12000 6000)     # msg/s per process: ~0.8 s each

require_wire
require_assoc_tools
tap_plan $((25 + DTLS_POINTS))

topo_marked "$PA" "$PB" "$PC"
SCTP_PORTS=("$PA" "$PB" "$PC" "$SINK_PORT")

sink_start sink "$NS_D" --json "$SINK_PORT"
ok $? "pmark-sink listening in D on UDP $SINK_PORT" "$(cat "$LIB_TMP/sink.err" 2>/dev/null)"
stats_save
cap_up wire "$NS_R" "$R_IF_S" "$(dtls_pick "udp and src host $S_ADDR4" "udp and host $S_ADDR4")"
ok $? "capture in R on $R_IF_S (what S sends)"

# send_bg NAME ARGS...: pmark-send in S in the background, $! pmark-send
# itself (ip netns exec execs it); output in $LIB_TMP/NAME.out/.err.
send_bg()
{
	local name=$1
	shift
	dtls_send_opts "$name"
	ip netns exec "$NS_S" "$SEND_BIN" "${DTLS_OPTS[@]}" --pin-root "$PIN" --size "$SIZE" --json "$@" \
		"$D_ADDR4:$SINK_PORT" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err" &
}
send_bg A --bind "$S_ADDR4:$PA" --threads "$THR_AB" --count "$COUNT" --rate "$RATE" \
	--per-thread-options --ttl 20 --dscp 10
pid_a=$!
track_pid "$pid_a"
send_bg B --bind "$S_ADDR4:$PB" --threads "$THR_AB" --count "$COUNT" --rate "$RATE" \
	--per-thread-options --ttl 40 --dscp 46
pid_b=$!
track_pid "$pid_b"
# Half the threads at half the rate: C lasts as long as A and B.
send_bg C --bind "$S_ADDR4:$PC" --threads "$THR_C" --count "$COUNT" --rate $((RATE / 2))
pid_c=$!
track_pid "$pid_c"
wait "$pid_a"
rc_a=$?
wait "$pid_b"
rc_b=$?
wait "$pid_c"
rc_c=$?
forget_pid "$pid_a"
forget_pid "$pid_b"
forget_pid "$pid_c"

n_ab=$((THR_AB * COUNT))
n_c=$((THR_C * COUNT))

# send_summary NAME: the fields of pmark-send's JSON report that matter.
send_summary()
{
	python3 - "$LIB_TMP/$1.out" <<'EOF'
import json, sys
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
    print("messages=%s all_acked=%s error=%s mode=%s" %
          (o["messages"], o["all_acked"], o["error"], o["mode"]))
except (ValueError, IndexError, KeyError) as e:
    print("no report (%s)" % e)
EOF
}
# sender_ok NAME N RC MODE: exit 0, N messages sent, all acked, no error.
sender_ok()
{
	local want="messages=$2 all_acked=True error=None mode=$4" got
	got=$(send_summary "$1")
	if [ "$3" = 0 ] && [ "$got" = "$want" ]; then
		tap_ok "sender $1: exit 0, $2 messages sent, all acked, marking mode $4"
	else
		tap_fail "sender $1: exit 0, $2 messages sent, all acked, marking mode $4" \
			"exit status $3" "got:      $got" "expected: $want" \
			"stderr: $(cat "$LIB_TMP/$1.err")"
	fi
}
sender_ok A "$n_ab" "$rc_a" maps
sender_ok B "$n_ab" "$rc_b" maps
# C asked for nothing: whatever mode it is in, it writes no record.
sender_ok C "$n_c" "$rc_c" "$(json_get "$LIB_TMP/C.out" mode)"

# The sink prints one JSON object per association when it ends; once the
# three are there, SIGTERM: it prints its total and exits 0.
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '"event":"association"' "$LIB_TMP/sink.out")" -ge 3 ] && break
	sleep 0.1
done
sink_wait sink 0
st=$?
sink=$(python3 - "$LIB_TMP/sink.out" "$S_ADDR4" "$PA" "$PB" "$PC" <<'EOF'
import json, sys
fn, addr, ports = sys.argv[1], sys.argv[2], sys.argv[3:]
assoc, total = {}, None
for line in open(fn):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") == "association":
        assoc.setdefault(o.get("remote"), []).append(o)
    elif o.get("event") == "total":
        total = o
for p in ports:
    a = assoc.get("%s:%s" % (addr, p), [])
    print("%s " % p + " ".join("messages=%d intact=%d corrupt=%d end=%s" %
                               (o["messages"], o["intact"], o["corrupt"], o["end"]) for o in a))
if total:
    print("total associations=%d end=%s" % (total["associations"], total["end"]))
EOF
)
diag "sink:" "$sink"
is "$st,$(sed -n 's/^total //p' <<<"$sink")" "0,associations=3 end=signal" \
	"pmark-sink: 3 associations, then stopped by SIGTERM, exit 0"
for p in "$PA" "$PB" "$PC"; do
	n=$n_ab
	[ "$p" = "$PC" ] && n=$n_c
	is "$(sed -n "s/^$p //p" <<<"$sink")" "messages=$n intact=$n corrupt=0 end=closed" \
		"sink: the association from port $p: $n messages, all intact, closed gracefully"
done

cap_down wire
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$LIB_TMP/wire.tcpdump.log")
is "${dropped:-unknown}" 0 "tcpdump dropped no packet"
dtls_cap wire "$PA $PB $PC"

# ---------------------------------------------------------------- race

# One pass over the datagrams S sent to the sink: the race (the DATA
# datagrams of the three ports in capture order), and the IP headers seen
# on each port, independently of the PPID encoding.  The senders are paced,
# so each sends bursts a few milliseconds apart: the alternations between
# ports count bursts as much as single datagrams; the time spans show that
# the three associations were alive and sending at the same time.
pkt_fields "${CAP_FILE[wire]}" "sctp && udp.dstport == $SINK_PORT" udp.srcport \
	frame.time_relative ip.ttl ip.dsfield sctp.data_tsn_raw >"$LIB_TMP/sent.csv"
wire=$(python3 - "$LIB_TMP/sent.csv" "$PA" "$PB" "$PC" <<'EOF'
import sys
ports = [int(p) for p in sys.argv[2:]]
seq, span, hdr, ctl = [], {}, {p: set() for p in ports}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(",")
    if len(f) < 5 or not f[0]:
        continue
    p, t, ttl, tos, tsn = int(f[0]), float(f[1]), int(f[2]), int(f[3]), f[4]
    if p not in ports:
        continue
    if not tsn:
        ctl[(ttl, tos)] = ctl.get((ttl, tos), 0) + 1
        continue
    seq.append(p)
    lo, hi = span.get(p, (t, t))
    span[p] = (min(lo, t), max(hi, t))
    hdr[p].add((ttl, tos >> 2, tos & 3))
a, b, c = ports
sw = sum(1 for x, y in zip(seq, seq[1:]) if {x, y} == {a, b})
swc = sum(1 for x, y in zip(seq, seq[1:]) if x != y and c in (x, y))
(a0, a1), (b0, b1), (c0, c1) = (span.get(p, (0, 0)) for p in ports)
ov = max(0.0, min(a1, b1) - max(a0, b0))
ovc = max(0.0, min(c1, max(a1, b1)) - max(c0, min(a0, b0)))
print("race ab_switches=%d c_switches=%d overlap_ab_ms=%d overlap_c_ms=%d" % (sw, swc, ov * 1000, ovc * 1000))
print("spans A=%.3f-%.3f B=%.3f-%.3f C=%.3f-%.3f" % (a0, a1, b0, b1, c0, c1))
for p in ports:
    print("hdr %d %s" % (p, " ".join("%d/%d/%d" % h for h in sorted(hdr[p]))))
print("ctl %s" % " ".join("%d,%d:%d" % (k + (v,)) for k, v in sorted(ctl.items())))
EOF
)
diag "$wire"
race=$(sed -n 's/^race //p' <<<"$wire")
read -r sw swc ova ovc <<<"$(tr -d 'a-z_=' <<<"$race")"
if [ "${sw:-0}" -ge 50 ] && [ "${swc:-0}" -ge 30 ] && [ "${ova:-0}" -ge 300 ] &&
	[ "${ovc:-0}" -ge 300 ]; then
	tap_ok "the three associations raced: A/B alternate $sw times, C interleaves $swc times, A and B overlap ${ova} ms, C overlaps them ${ovc} ms"
else
	tap_fail "the three associations raced (>= 50 A/B alternations, >= 30 with C, overlaps >= 300 ms)" \
		"$race"
fi

# ---------------------------------------------------------------- marks

# check_port NAME PORT MARKED: check_marks.py on PORT's datagrams; MARKED 1:
# every DATA datagram must differ from the defaults, 0: none may.
check_port()
{
	local name=$1 port=$2 marked=$3 want_marked=0
	MK_data='' MK_ok='' MK_marked='' MK_mixed='' MK_unmarked='' MK_mislabeled='' MK_frag_bad=''
	if ! marks_check "${CAP_FILE[wire]}" "$port" --decode "$SINK_PORT"; then
		tap_fail "$name (port $port): check_marks ran"
		return
	fi
	diag "$name (port $port): $MK_LINE"
	printf -v "MARKED_$name" '%s' "$MK_marked"
	printf -v "DATA_$name" '%s' "$MK_data"
	[ "$marked" = 1 ] && want_marked=$MK_data
	if [ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ] &&
		[ "$MK_mixed$MK_unmarked$MK_mislabeled$MK_frag_bad" = 0000 ] &&
		[ "$MK_marked" = "$want_marked" ]; then
		tap_ok "$name (port $port): all $MK_data DATA datagrams show their own options ($MK_marked marked), 0 mixed/unmarked/mislabeled"
	else
		tap_fail "$name (port $port): every DATA datagram shows its own options, 0 mixed/unmarked/mislabeled" \
			"$MK_LINE"
	fi
}
check_port A "$PA" 1
check_port B "$PB" 1
check_port C "$PC" 0

# expect_range TTL DSCP: thread i's TTL+i/DSCP+i/ECN 0 for the THR_AB threads.
expect_range()
{
	local i out=
	for ((i = 0; i < THR_AB; i++)); do
		out+="${out:+ }$(($1 + i))/$((($2 + i) % 64))/0"
	done
	echo "$out"
}
is "$(sed -n "s/^hdr $PA //p" <<<"$wire")" "$(expect_range 20 10)" \
	"A's DATA datagrams show exactly A's 8 TTL/DSCP/ECN combinations (TTL 20..27, DSCP 10..17)"
is "$(sed -n "s/^hdr $PB //p" <<<"$wire")" "$(expect_range 40 46)" \
	"B's DATA datagrams show exactly B's 8 TTL/DSCP/ECN combinations (TTL 40..47, DSCP 46..53)"
is "$(sed -n "s/^hdr $PC //p" <<<"$wire")" "64/0/0" \
	"C's DATA datagrams all show the defaults (TTL 64, TOS 0)"
# Control-only datagrams (INIT, COOKIE-ECHO, SHUTDOWN...) of all three:
# never marked.
ctl=$(sed -n 's/^ctl //p' <<<"$wire")
if [[ "$ctl" =~ ^64,0:[0-9]+$ ]]; then
	tap_ok "control-only datagrams of the three senders unmarked (ttl,tos:count $ctl)"
else
	tap_fail "control-only datagrams of the three senders unmarked" "ttl,tos:count $ctl"
fi

# ---------------------------------------------------------------- counters

tc_deltas
ok $? "pmarkctl --json stats"
diag "pmarkctl stats after the run:" "$(pmctl stats 2>&1)"
diag "counter deltas over the run: $TC_LINE"
# sd NAME: the growth of counter NAME over the run (tc_deltas, lib_wire.sh).
sd() { local n="TC_$1"; echo "${!n:-}"; }
is "$(sd owner_mismatch)" 0 \
	"stats: owner_mismatch 0 (records are found by vtag; no datagram met another socket's record)"
is "$(sd busy),$(sd expired),$(sd once_consumed)" "0,0,0" "stats: busy 0, expired 0, once_consumed 0"
is "$(sd marked)" "$((${MARKED_A:-0} + ${MARKED_B:-0}))" \
	"stats: marked = A's + B's marked datagrams on the wire (${MARKED_A:-?} + ${MARKED_B:-?})"
is "$(sd no_record)" "$(dtls_plus_control "${DATA_C:-?}")" \
	"stats: no_record = C's DATA datagrams$(dtls_pick "" " and the control-only ones of all three") (C writes no record; A's and B's were always found)"
