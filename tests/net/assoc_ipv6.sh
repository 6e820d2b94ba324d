#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# IPv6 end to end: pmark-send in S to pmark-sink in D over fd71:1::1 ->
# fd71:2::1, hop limit and traffic class chosen per message, captured in R
# on the S-facing interface.
#
#   small  port 5501  8 threads x 400 messages of 300 bytes,
#                     --per-thread-options --ttl 30 --dscp 20:
#                     thread i: hop limit 30+i, DSCP 20+i (class (20+i)<<2)
#   large  port 5502  4 threads x 15 messages of 20000 bytes,
#                     --per-thread-options --ttl 50 --dscp 40:
#                     each message cut by SCTP into ~17 DATA chunks (the
#                     endpoint packs to 1280-byte datagrams), every chunk
#                     and so every datagram marked like its message
#
# For each: check_marks.py --v6 finds every DATA datagram as its chunks'
# PPID asks (0 mixed / unmarked / mislabeled), the (hop limit, DSCP, ECN)
# triples on the wire are exactly the threads' combinations, the sink got
# every message intact, and the SCTP packets carry a good CRC32c and UDP
# checksum (mandatory in IPv6).  For the large messages the capture shows
# the fragmentation: one DATA chunk with the B bit and one with the E bit
# per message, and more chunks than messages.  The tc program's counters:
# `marked` = the marked datagrams on the wire, no_record / busy / owner
# mismatch / not_applicable 0.
#
# dtls_assoc_ipv6.sh runs this over DTLS (200 small and 8 large messages per
# thread), checked on the decrypted capture (dtls_lib_assoc.sh); no_record
# then counts S's control-only datagrams (the program cannot see that a
# protected datagram has no DATA chunk).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

P_SMALL=5501
P_LARGE=5502
SINK_PORT=5002
SMALL_THR=8
SMALL_COUNT=$(dtls_pick 400 200)
SMALL_SIZE=300
LARGE_THR=4
LARGE_COUNT=$(dtls_pick 15 8)
LARGE_SIZE=20000

require_wire
require_assoc_tools
tap_plan $((21 + DTLS_POINTS))

topo_marked "$P_SMALL" "$P_LARGE"
SCTP_PORTS=("$P_SMALL" "$P_LARGE" "$SINK_PORT")

sink_start sink "$NS_D" --json "[$D_ADDR6]:$SINK_PORT"
ok $? "pmark-sink listening in D on [$D_ADDR6]:$SINK_PORT" "$(cat "$LIB_TMP/sink.err" 2>/dev/null)"
stats_save
cap_up wire "$NS_R" "$R_IF_S" "ip6 and udp"
ok $? "capture in R on $R_IF_S"

# send_summary NAME: the fields of pmark-send's JSON report that matter.
send_summary()
{
	python3 - "$LIB_TMP/$1.out" <<'EOF'
import json, sys
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
    print("messages=%s bytes=%s all_acked=%s error=%s mode=%s" %
          (o["messages"], o["bytes"], o["all_acked"], o["error"], o["mode"]))
except (ValueError, IndexError, KeyError) as e:
    print("no report (%s)" % e)
EOF
}
# send6 NAME PORT THREADS COUNT SIZE TTL DSCP: one pmark-send run, one point.
send6()
{
	local name=$1 port=$2 thr=$3 count=$4 size=$5 ttl=$6 dscp=$7 rc want got n
	send_run "$name" "$NS_S" --pin-root "$PIN" --bind "[$S_ADDR6]:$port" --threads "$thr" \
		--count "$count" --size "$size" --per-thread-options --ttl "$ttl" --dscp "$dscp" \
		--json "[$D_ADDR6]:$SINK_PORT"
	rc=$?
	n=$((thr * count))
	want="messages=$n bytes=$((n * size)) all_acked=True error=None mode=maps"
	got=$(send_summary "$name")
	if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
		tap_ok "$name: pmark-send exit 0, $n messages of $size bytes sent over IPv6, all acked, mode maps"
	else
		tap_fail "$name: pmark-send exit 0, $n messages of $size bytes sent, all acked, mode maps" \
			"exit status $rc" "got:      $got" "expected: $want" \
			"stderr: $(cat "$LIB_TMP/$name.err")"
	fi
}
send6 small "$P_SMALL" "$SMALL_THR" "$SMALL_COUNT" "$SMALL_SIZE" 30 20
send6 large "$P_LARGE" "$LARGE_THR" "$LARGE_COUNT" "$LARGE_SIZE" 50 40

# Both associations have ended (pmark-send closes gracefully before it
# exits); the sink reports each, then SIGTERM: its total.
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '"event":"association"' "$LIB_TMP/sink.out")" -ge 2 ] && break
	sleep 0.1
done
sink_wait sink 0
st=$?
sink=$(python3 - "$LIB_TMP/sink.out" "$S_ADDR6" "$P_SMALL" "$P_LARGE" <<'EOF'
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
    a = assoc.get("[%s]:%s" % (addr, p), [])
    print("%s " % p + " ".join("messages=%d bytes=%d intact=%d corrupt=%d truncated=%d end=%s" %
                               (o["messages"], o["bytes"], o["intact"], o["corrupt"],
                                o["truncated"], o["end"]) for o in a))
if total:
    print("total associations=%d end=%s" % (total["associations"], total["end"]))
EOF
)
diag "sink:" "$sink"
is "$st,$(sed -n 's/^total //p' <<<"$sink")" "0,associations=2 end=signal" \
	"pmark-sink: 2 associations, then stopped by SIGTERM, exit 0"
n=$((SMALL_THR * SMALL_COUNT))
is "$(sed -n "s/^$P_SMALL //p" <<<"$sink")" \
	"messages=$n bytes=$((n * SMALL_SIZE)) intact=$n corrupt=0 truncated=0 end=closed" \
	"sink: small: all $n messages arrived intact, association closed gracefully"
n=$((LARGE_THR * LARGE_COUNT))
is "$(sed -n "s/^$P_LARGE //p" <<<"$sink")" \
	"messages=$n bytes=$((n * LARGE_SIZE)) intact=$n corrupt=0 truncated=0 end=closed" \
	"sink: large: all $n messages of $LARGE_SIZE bytes reassembled intact, association closed gracefully"

cap_down wire
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$LIB_TMP/wire.tcpdump.log")
is "${dropped:-unknown}" 0 "tcpdump dropped no packet"
dtls_cap wire "$P_SMALL $P_LARGE"

# ---------------------------------------------------------------- marks

# check_port NAME PORT: check_marks.py --v6 on PORT's datagrams: every DATA
# datagram as its chunks ask, and marked.
check_port()
{
	local name=$1 port=$2
	MK_data='' MK_ok='' MK_marked='' MK_mixed='' MK_unmarked='' MK_mislabeled='' MK_frag_bad=''
	if ! marks_check "${CAP_FILE[wire]}" "$port" --decode "$SINK_PORT" --v6; then
		tap_fail "$name (port $port): check_marks ran"
		return
	fi
	diag "$name (port $port): $MK_LINE"
	printf -v "MARKED_$name" '%s' "$MK_marked"
	if [ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ] && [ "$MK_marked" = "$MK_data" ] &&
		[ "$MK_mixed$MK_unmarked$MK_mislabeled$MK_frag_bad" = 0000 ]; then
		tap_ok "$name (port $port): all $MK_data DATA datagrams marked as their chunks ask, 0 mixed/unmarked/mislabeled"
	else
		tap_fail "$name (port $port): every DATA datagram marked as its chunks ask, 0 mixed/unmarked/mislabeled" \
			"$MK_LINE"
	fi
}
check_port small "$P_SMALL"
check_port large "$P_LARGE"

# One pass over what S sent: per port the (hop limit, DSCP, ECN) triples on
# DATA datagrams, the control-only datagrams' headers, checksums, and the
# DATA chunks (B and E bits, TSNs).
pkt_fields "${CAP_FILE[wire]}" "sctp && ipv6.src == $S_ADDR6" udp.srcport ipv6.hlim \
	ipv6.tclass sctp.checksum.status udp.checksum.status sctp.data_tsn_raw \
	sctp.data_b_bit sctp.data_e_bit >"$LIB_TMP/sent.csv"
wire=$(python3 - "$LIB_TMP/sent.csv" "$P_SMALL" "$P_LARGE" <<'EOF'
import sys
ports = [int(p) for p in sys.argv[2:]]
st = {p: {"hdr": set(), "ctl": set(), "pkts": 0, "bad": 0, "tsn": set(), "b": set(), "e": set()}
      for p in ports}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(",")
    if len(f) < 8 or not f[0] or int(f[0]) not in ports:
        continue
    s = st[int(f[0])]
    hl, tc = int(f[1]), int(f[2])
    s["pkts"] += 1
    if f[3] != "1" or f[4] != "1":
        s["bad"] += 1
    tsns = f[5].split("|") if f[5] else []
    if not tsns:
        s["ctl"].add((hl, tc))
        continue
    s["hdr"].add((hl, tc >> 2, tc & 3))
    bs, es = f[6].split("|"), f[7].split("|")
    for t, b, e in zip(tsns, bs, es):
        s["tsn"].add(t)
        if b == "1":
            s["b"].add(t)
        if e == "1":
            s["e"].add(t)
for p in ports:
    s = st[p]
    print("hdr %d %s" % (p, " ".join("%d/%d/%d" % h for h in sorted(s["hdr"]))))
    print("ctl %d %s" % (p, " ".join("%d,%d" % h for h in sorted(s["ctl"]))))
    print("sum %d packets=%d bad_checksum=%d" % (p, s["pkts"], s["bad"]))
    print("chunks %d tsns=%d begin=%d end=%d" % (p, len(s["tsn"]), len(s["b"]), len(s["e"])))
EOF
)
diag "$wire"

# expect_range THREADS TTL DSCP: thread i's hop limit TTL+i, DSCP+i, ECN 0.
expect_range()
{
	local i out=
	for ((i = 0; i < $1; i++)); do
		out+="${out:+ }$(($2 + i))/$((($3 + i) % 64))/0"
	done
	echo "$out"
}
is "$(sed -n "s/^hdr $P_SMALL //p" <<<"$wire")" "$(expect_range "$SMALL_THR" 30 20)" \
	"small: exactly the 8 threads' hop limit/DSCP/ECN triples on the wire (30..37, 20..27, ECN 0)"
is "$(sed -n "s/^hdr $P_LARGE //p" <<<"$wire")" "$(expect_range "$LARGE_THR" 50 40)" \
	"large: exactly the 4 threads' hop limit/DSCP/ECN triples on the wire (50..53, 40..43, ECN 0)"
is "$(sed -n "s/^ctl $P_SMALL //p" <<<"$wire")|$(sed -n "s/^ctl $P_LARGE //p" <<<"$wire")" \
	"64,0|64,0" "control-only datagrams (INIT, COOKIE-ECHO, SHUTDOWN...) unmarked: hop limit 64, class 0"
bad=$(sed -n 's/^sum [0-9]* packets=[0-9]* bad_checksum=\([0-9]*\)$/\1/p' <<<"$wire" | paste -sd+)
pk=$(sed -n 's/^sum [0-9]* packets=\([0-9]*\) .*/\1/p' <<<"$wire" | paste -sd+)
is "${bad:-x}" "0+0" "CRC32c and UDP checksum correct on all $((${pk:-0})) SCTP packets from S"

# Fragmentation of the 20000-byte messages: one first (B) and one last (E)
# chunk per message, and many chunks per message.
n=$((LARGE_THR * LARGE_COUNT))
read -r tsns nb ne < <(sed -n "s/^chunks $P_LARGE tsns=\([0-9]*\) begin=\([0-9]*\) end=\([0-9]*\)$/\1 \2 \3/p" <<<"$wire")
if [ "${nb:-0}" = "$n" ] && [ "${ne:-0}" = "$n" ] && [ "${tsns:-0}" -ge $((n * (LARGE_SIZE / 1280))) ]; then
	tap_ok "large: each of the $n messages went as $((tsns / n))+ DATA chunks ($tsns TSNs, $nb B bits, $ne E bits)"
else
	tap_fail "large: each of the $n messages SCTP-fragmented (B and E bit once per message, >= $((LARGE_SIZE / 1280)) chunks each)" \
		"TSNs ${tsns:-?}, chunks with the B bit ${nb:-?}, with the E bit ${ne:-?}"
fi
n=$((SMALL_THR * SMALL_COUNT))
read -r tsns nb ne < <(sed -n "s/^chunks $P_SMALL tsns=\([0-9]*\) begin=\([0-9]*\) end=\([0-9]*\)$/\1 \2 \3/p" <<<"$wire")
is "${tsns:-?} ${nb:-?} ${ne:-?}" "$n $n $n" "small: $n messages, one unfragmented DATA chunk (B and E) each"

# ---------------------------------------------------------------- counters

tc_deltas
ok $? "pmarkctl --json stats"
diag "counter deltas over the run: $TC_LINE"
# sd NAME: the growth of counter NAME over the run (tc_deltas, lib_wire.sh).
sd() { local n="TC_$1"; echo "${!n:-}"; }
m=$((${MARKED_small:-0} + ${MARKED_large:-0}))
is "$(sd marked),$(sd ttl_set),$(sd tos_set)" "$m,$m,$m" \
	"stats: marked = ttl_set = tos_set = the marked datagrams on the wire ($m)"
is "$(sd no_record),$(sd busy),$(sd owner_mismatch),$(sd not_applicable),$(sd frag_unknown)" "$(dtls_plus_control 0),0,0,0,0" \
	"stats: no_record$(dtls_pick "" " (S's control-only datagrams)"), busy, owner_mismatch, not_applicable, frag_unknown all 0"
