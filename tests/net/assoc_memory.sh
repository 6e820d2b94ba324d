#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Bounded memory: after 10^6 messages the live record count stays within the
# in-flight window, and the counters explain every record.
#
# pmark-send sends 10^6 messages of 64 bytes (2 threads x 500000, TTL 10,
# DSCP 1, maps mode) from S to pmark-sink in D: 3-20 s here (50000-360000
# msg/s on the 2-vCPU development VM, depending on what else runs), the
# whole script 10-45 s.  About 5 times a second while it runs, pmark-send is
# frozen (SIGSTOP, until every thread shows stopped), the live records of
# the pin root are counted with `pmarkctl --json status` ("records": one
# pass over the claimed rings, the cheapest count there is; `pmarkctl dump`
# would print every record), and it goes on (SIGCONT).  Frozen, because a
# count of a running sender is a scan of 4096 slots at different instants,
# which can exceed every instantaneous value if the scan is preempted.
# Every sample must be
#   - at most the ring size (status: "ring_size", 4096 by default), and
#   - at most the in-flight window bound W = floor(A / (SIZE + 256)) + 3 * K:
#     A is the receiver's window, the a_rwnd of its INIT-ACK (read from a
#     capture of the first packets only, tcpdump -c; 1 MiB, pmark-sink's
#     default receive buffer), so W = 3321 for 64-byte messages.  A record
#     lives from its TSN's first transmission until the peer's cumulative
#     TSN ack covers it, i.e. while its TSN is outstanding, and usrsctp
#     charges each outstanding DATA chunk at least SIZE + 256 bytes of that
#     window (chunk + sctp_peer_chunk_oh, 256 by default, on the sender;
#     payload + MSIZE 256 for a chunk the receiver holds).  It sends a
#     packet with new data only while its view of that window is not used
#     up (usrsctp's sctp_med_chunk_output), so the last packet, whose
#     records the output callback writes before usrsctp counts it in
#     flight, overshoots by at most K chunks (K = 15 = (1280 - 20 - 8 - 12)
#     / (16 + 64), the most a datagram holds); 2 K more are margin.
#     Observed maxima: 2100-3120 (3120 = A / (16 + 64 + 256): the window).
# After the run the count must be 0 and no ring claimed (acked records are
# removed at each SACK, the rest released at close).
#
# Accounting, from pmark-send's --json stats (taken before the close) and the
# tc program's counters (pmarkctl --json stats, growth over the run):
#   records_written == records_acked + released + overwritten + live,
#   records_written == data_chunks == 10^6, records_failed == 0,
#   records_overwritten == 0, records_live == 0 (everything acked);
#   no refusal counter moved (no_record, busy, owner_mismatch, expired,
#   once_consumed, malformed, truncated, walk_limit, frag_unknown,
#   not_applicable), so parsed == marked + no_data: every datagram of the
#   port that carried DATA was marked; marked == ttl_set == tos_set, no DF
#   counter; seen == not_ours + parsed; and
#   ceil(10^6 / K) <= marked <= datagrams_out <= parsed
#   (a datagram holds at most K chunks; every DATA datagram left before the
#   report; every datagram the library wrote went through the program).
# The first 300 packets of the capture are also checked with check_marks.py.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

PORT=7711          # sender's UDP port (unique to this script)
SINK_PORT=5711
THREADS=2
PER_THREAD=500000  # THREADS x PER_THREAD = 10^6 messages
SIZE=64
MTU=1280
PEER_CHUNK_OH=256  # usrsctp's sctp_peer_chunk_oh default
HEAD_PACKETS=300   # packets captured at the start (tcpdump -c)

TOTAL=$((THREADS * PER_THREAD))
CHUNK=$((16 + (SIZE + 3) / 4 * 4))
K=$(((MTU - 20 - 8 - 12) / CHUNK))

require_wire
require_cmd timeout
tap_plan 21


# status_field JSON NAME: a top-level number of `pmarkctl --json status`.
status_field()
{
	[[ $1 =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

topo_marked "$PORT"
SCTP_PORTS=("$PORT" "$SINK_PORT")

st=$(pmctl --json status 2>&1)
RING_SIZE=$(status_field "$st" ring_size)
RINGS=$(status_field "$st" rings)
if [ -n "$RING_SIZE" ] && [ -n "$RINGS" ] && [ "$(status_field "$st" records)" = 0 ]; then
	tap_ok "ring geometry: $RINGS rings of $RING_SIZE TSNs, 0 records before the run"
else
	tap_fail "ring geometry from pmarkctl --json status" "$st"
	RING_SIZE=0
fi

sink_start sink "$NS_D" --once --json "$SINK_PORT"
ok $? "pmark-sink listening in D on port $SINK_PORT"

# The first packets only: the handshake (a_rwnd) and a sample of marks.
HEAD=$LIB_TMP/head.pcap
ip netns exec "$NS_R" tcpdump -i "$R_IF_S" -n -s 2048 -B 16384 -U --immediate-mode -c "$HEAD_PACKETS" -Z root \
	-w "$HEAD" udp >"$LIB_TMP/head.log" 2>&1 &
head_pid=$!
track_pid "$head_pid"
for ((i = 0; i < 100; i++)); do
	grep -q "listening on" "$LIB_TMP/head.log" && [ -s "$HEAD" ] && break
	sleep 0.05
done
grep -q "listening on" "$LIB_TMP/head.log"
ok $? "capture of the first $HEAD_PACKETS packets in R" "$(cat "$LIB_TMP/head.log")"

stats_save
SND_OUT=$LIB_TMP/snd.out
SND_ERR=$LIB_TMP/snd.err
t0=$SECONDS
ip netns exec "$NS_S" "$SEND_BIN" --pin-root "$PIN" --bind "$S_ADDR4:$PORT" \
	--count "$PER_THREAD" --threads "$THREADS" --size "$SIZE" --ttl 10 --dscp 1 --json \
	"$D_ADDR4:$SINK_PORT" >"$SND_OUT" 2>"$SND_ERR" &
snd_pid=$!
track_pid "$snd_pid"

# Sample while it runs: freeze pmark-send (SIGSTOP, every thread stopped),
# count, let it go on (SIGCONT).  A count of a running sender would be a
# scan of slots at different instants, which can exceed any instantaneous
# value when the scan is preempted; a frozen sender's records are one
# instant's (a slot caught mid-write is skipped, one fewer at most).
on_cleanup "[ \"\$(cat /proc/$snd_pid/comm)\" = pmark-send ] && kill -CONT $snd_pid"
frozen()
{
	local t s
	for t in /proc/"$snd_pid"/task/*/stat; do
		read -r s 2>/dev/null <"$t" || continue
		s=${s##*) }
		[[ $s == [Tt]* ]] || return 1
	done
	return 0
}
samples=() nonzero=0 max=0 bad_samples=() freeze_max=0 skipped=0 deadline=$((SECONDS + 150))
# $! is ip, which execs pmark-send after entering the namespace.
for ((i = 0; i < 200; i++)); do
	comm=$(cat /proc/"$snd_pid"/comm 2>/dev/null)
	[ "$comm" = pmark-send ] && break
	kill -0 "$snd_pid" 2>/dev/null || break
	sleep 0.01
done
[ "$comm" = pmark-send ] || diag "pid $snd_pid is '$comm', not pmark-send"
while [ "$comm" = pmark-send ] && kill -0 "$snd_pid" 2>/dev/null; do
	if [ $SECONDS -gt $deadline ]; then
		diag "pmark-send still running after 150 s: killed"
		kill -CONT "$snd_pid"
		kill -KILL "$snd_pid"
		break
	fi
	sleep 0.2
	f0=${EPOCHREALTIME/./}
	kill -STOP "$snd_pid" 2>/dev/null || break
	until frozen; do
		((${EPOCHREALTIME/./} - f0 < 3000000)) || break
		sleep 0.005
	done
	if ! frozen; then
		# Not every thread stopped within 3 s (a thread long in the kernel):
		# no sample this time.
		kill -CONT "$snd_pid" 2>/dev/null
		skipped=$((skipped + 1))
		continue
	fi
	st=$(pmctl --json status 2>&1)
	kill -CONT "$snd_pid" 2>/dev/null
	f=$(((${EPOCHREALTIME/./} - f0) / 1000))
	[ "$f" -gt "$freeze_max" ] && freeze_max=$f
	n=$(status_field "$st" records)
	if [ -z "$n" ]; then
		bad_samples+=("$st")
		continue
	fi
	samples+=("$n")
	[ "$n" -gt "$max" ] && max=$n
	[ "$n" -gt 0 ] && nonzero=$((nonzero + 1))
done
wait "$snd_pid"
snd_rc=$?
forget_pid "$snd_pid"
elapsed=$((SECONDS - t0))

# The head capture ended long ago (-c); make sure tcpdump is done.
timeout 5 tail --pid="$head_pid" -f /dev/null 2>/dev/null
kill -TERM "$head_pid" 2>/dev/null
wait "$head_pid" 2>/dev/null
forget_pid "$head_pid"

j()
{
	json_get "$SND_OUT" "$1" 2>/dev/null || echo missing
}
got="rc=$snd_rc messages=$(j messages) all_acked=$(j all_acked) mode=$(j mode)"
is "$got" "rc=0 messages=$TOTAL all_acked=True mode=maps" \
	"pmark-send: $TOTAL messages of $SIZE bytes, all acked, maps mode ($elapsed s, $(j rate_msg_s) msg/s)"
[ -s "$SND_ERR" ] && diag "pmark-send stderr:" "$(cat "$SND_ERR")"

# The window bound, from the receiver's INIT-ACK.
a_rwnd=$(lib_tshark -r "$HEAD" -Y sctp.initack_credit -T fields -e sctp.initack_credit | head -1)
if [[ "$a_rwnd" =~ ^[0-9]+$ ]] && [ "$a_rwnd" -gt 0 ]; then
	W=$((a_rwnd / (SIZE + PEER_CHUNK_OH) + 3 * K))
	[ "$W" -le "$RING_SIZE" ]
	ok $? "window bound W = $a_rwnd / ($SIZE + $PEER_CHUNK_OH) + 3 x $K = $W TSNs, within the ring ($RING_SIZE)"
else
	tap_fail "a_rwnd of the INIT-ACK in the head capture" "got '$a_rwnd'"
	W=0
fi

diag "live records sampled ${#samples[@]} times ($nonzero of them non-zero, sender frozen at most $freeze_max ms, $skipped times not frozen within 3 s), max $max:" \
	"${samples[*]}"
[ ${#bad_samples[@]} -gt 0 ] && diag "failed samples:" "${bad_samples[@]}"
[ ${#samples[@]} -ge 5 ] && [ "$nonzero" -ge 1 ] && [ ${#bad_samples[@]} = 0 ]
ok $? "sampled the live records ${#samples[@]} times while sending ($nonzero non-zero)" \
	"need at least 5 samples, one of them non-zero, and no failed sample" \
	"failed: ${#bad_samples[@]}"
[ "$max" -le "$RING_SIZE" ] && [ ${#samples[@]} -gt 0 ]
ok $? "every sample <= ring size $RING_SIZE (max $max)" "${samples[*]}"
[ "$max" -le "$W" ] && [ ${#samples[@]} -gt 0 ]
ok $? "every sample <= window bound $W (max $max)" "${samples[*]}"

st=$(pmctl --json status 2>&1)
is "records=$(status_field "$st" records) rings_used=$(status_field "$st" rings_used)" \
	"records=0 rings_used=0" "after the run: 0 live records, no ring claimed"

# The library's accounting (a missing number reads as -1).
jn()
{
	local v
	v=$(j "$1")
	[[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo -1
}
w=$(jn stats.records_written) a=$(jn stats.records_acked) r=$(jn stats.records_released)
o=$(jn stats.records_overwritten) l=$(jn stats.records_live)
diag "library: written $w acked $a released $r overwritten $o live $l failed $(j stats.records_failed)" \
	"data_chunks $(j stats.data_chunks) retransmissions $(j stats.retransmissions)" \
	"packets_out $(j stats.packets_out) datagrams_out $(j stats.datagrams_out) split $(j stats.packets_split)" \
	"sacks_in $(j stats.sacks_in) cwnd $(j stats.cwnd) ($(($(jn stats.cwnd) / CHUNK)) chunks) rwnd $(j stats.rwnd)"
if [ "$w" -ge 0 ] && [ "$w" = $((a + r + o + l)) ]; then
	tap_ok "records_written $w == acked $a + released $r + overwritten $o + live $l"
else
	tap_fail "records_written == acked + released + overwritten + live" \
		"written $w acked $a released $r overwritten $o live $l"
fi
is "written=$w data_chunks=$(j stats.data_chunks) failed=$(j stats.records_failed)" \
	"written=$TOTAL data_chunks=$TOTAL failed=0" "one record per message, none failed"
is "$o" 0 "records_overwritten == 0 (the window never outgrew the ring)"
is "live=$l acked+released=$((a + r))" "live=0 acked+released=$TOTAL" \
	"records_live == 0 at the report: every record acked"

# The tc program's counters over the run.
pmctl --json stats >"$LIB_TMP/stats.end.json"
d()
{
	local now base
	now=$(stat_value "$LIB_TMP/stats.end.json" "$1")
	base=$(stat_value "$LIB_TMP/stats.base.json" "$1")
	if [ "$now" = missing ] || [ "$base" = missing ]; then
		echo missing
	else
		echo $((now - base))
	fi
}
declare -A C
for name in seen not_ours parsed no_data no_record busy owner_mismatch expired once_consumed \
	marked ttl_set tos_set df_set df_cleared frag_followed frag_unknown not_applicable \
	malformed truncated walk_limit; do
	C[$name]=$(d "$name")
done
diag "tc counters over the run: $(for k in seen not_ours parsed no_data marked ttl_set tos_set; do
	printf '%s %s ' "$k" "${C[$k]}"; done)"
refusals=""
for name in no_record busy owner_mismatch expired once_consumed malformed truncated walk_limit \
	frag_unknown not_applicable df_set df_cleared frag_followed; do
	[ "${C[$name]}" = 0 ] || refusals+="$name=${C[$name]} "
done
is "$refusals" "" "tc: no refusal, DF or fragment counter moved"
ok_acc=1
if [[ "${C[parsed]}${C[marked]}${C[no_data]}${C[seen]}${C[not_ours]}" =~ ^[0-9]+$ ]] &&
	[ "${C[parsed]}" = $((C[marked] + C[no_data])) ] &&
	[ "${C[seen]}" = $((C[not_ours] + C[parsed])) ]; then
	ok_acc=0
fi
ok $ok_acc "tc: parsed ${C[parsed]} == marked ${C[marked]} + no_data ${C[no_data]}, seen == not_ours + parsed" \
	"$(cat "$LIB_TMP/stats.end.json")"
is "${C[ttl_set]}/${C[tos_set]}" "${C[marked]}/${C[marked]}" "tc: marked == ttl_set == tos_set"
dout=$(jn stats.datagrams_out)
lo=$(((TOTAL + K - 1) / K))
if [ "$dout" -ge 0 ] && [[ "${C[marked]}${C[parsed]}" =~ ^[0-9]+$ ]] &&
	[ "$lo" -le "${C[marked]}" ] && [ "${C[marked]}" -le "$dout" ] && [ "$dout" -le "${C[parsed]}" ]; then
	tap_ok "ceil($TOTAL/$K) = $lo <= marked ${C[marked]} <= datagrams_out $dout <= parsed ${C[parsed]}"
else
	tap_fail "ceil($TOTAL/$K) <= marked <= datagrams_out <= parsed" \
		"lo $lo marked ${C[marked]} datagrams_out $dout parsed ${C[parsed]}"
fi

# The head of the stream on the wire.
MK_ok='' MK_data='' MK_mislabeled='' MK_unmarked='' MK_mixed='' MK_LINE=''
if marks_check "$HEAD" "$PORT" --decode "$SINK_PORT"; then
	diag "head capture: $MK_LINE"
	[ "$MK_mislabeled$MK_unmarked$MK_mixed" = 000 ] && [ "$MK_ok" -ge 1 ] && [ "$MK_ok" = "$MK_data" ]
	ok $? "first $HEAD_PACKETS packets: $MK_ok DATA datagrams marked as asked, none mislabeled/unmarked/mixed" \
		"$MK_LINE"
else
	tap_fail "check_marks on the head capture"
fi

sink_wait sink 10
sink_rc=$?
sj()
{
	json_get "$LIB_TMP/sink.out" "$1" 2>/dev/null || echo missing
}
is "rc=$sink_rc messages=$(sj messages) intact=$(sj intact)" "rc=0 messages=$TOTAL intact=$TOTAL" \
	"pmark-sink received $TOTAL messages intact"
