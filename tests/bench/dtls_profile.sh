#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Where a DTLS sender's time goes, marking on vs off: assoc_bench.sh's
# rates swing more than the 5 % its goal is about, so this asks the CPU
# instead.  One association of N 64-byte messages (pmark-send --dtls ->
# pmark-sink --dtls, two namespaces, the marker attached to the sender's
# veth), once per mode (off, maps), under `perf record`; for each mode it
# prints the rate and the share of the sender's samples spent in
#
#   marking   the library's own output-path functions (pm_*, pmark_*)
#   tc        the tc program and its entry (bpf_prog_*, cls_bpf_*, __bpf_prog_*)
#   locks     scheduler and futex hand-offs between usrsctp's threads
#
# Not part of `make bench` (it needs perf, the linux-perf package).
# Exit status 4 when perf or the build is missing, 1 when a run failed.
# Usage: tests/bench/dtls_profile.sh [--count N] [--size BYTES]   (default 300000, 64)

# The cleanup function runs from the trap only.
# shellcheck disable=SC2317
set -u
TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${BUILD:-build}
case $B in /*) ;; *) B=$TOP_DIR/$B ;; esac
COUNT=300000
SIZE=64
while [ $# -gt 0 ]; do
	case $1 in
	--count) COUNT=${2:?--count needs a value}; shift 2 ;;
	--size) SIZE=${2:?--size needs a value}; shift 2 ;;
	*) echo "dtls_profile: unknown argument $1" >&2; exit 2 ;;
	esac
done
command -v perf >/dev/null || { echo "dtls_profile: perf not installed (linux-perf)" >&2; exit 4; }
[ "$(id -u)" = 0 ] || { echo "dtls_profile: needs root" >&2; exit 4; }
for f in pmarkctl pmark-send pmark-sink; do
	[ -x "$B/$f" ] || { echo "dtls_profile: $B/$f not built (make)" >&2; exit 4; }
done

NA=pmprofA-$$ NB=pmprofB-$$ PIN=/sys/fs/bpf/pmark-profile-$$
WORK=$(mktemp -d)
cleanup()
{
	ip netns exec "$NA" "$B/pmarkctl" --pin-root "$PIN" detach --all >/dev/null 2>&1
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$WORK" "$PIN"
}
trap cleanup EXIT

if ! { ip netns add "$NA" && ip netns add "$NB" &&
	ip -n "$NA" link add va type veth peer name vb netns "$NB" &&
	ip -n "$NA" addr add 10.98.0.1/24 dev va && ip -n "$NB" addr add 10.98.0.2/24 dev vb &&
	ip -n "$NA" link set va up && ip -n "$NB" link set vb up &&
	ip netns exec "$NA" "$B/pmarkctl" --pin-root "$PIN" attach va >/dev/null &&
	ip netns exec "$NA" "$B/pmarkctl" --pin-root "$PIN" ports add 7000 >/dev/null; }; then
	echo "dtls_profile: setting up the namespaces failed" >&2
	exit 1
fi

# run MODE: one association under perf; prints the mode's line.
run()
{
	local mode=$1 sink fp i
	ip netns exec "$NB" "$B/pmark-sink" --once --json --dtls 10.98.0.2:5000 >"$WORK/sink.out" 2>&1 &
	sink=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$WORK/sink.out" && break
		sleep 0.05
	done
	fp=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["fingerprint"])' \
		"$WORK/sink.out") || { echo "dtls_profile: pmark-sink did not start" >&2; return 1; }
	ip netns exec "$NA" perf record -q -F 2000 -g -o "$WORK/$mode.data" -- \
		"$B/pmark-send" --json --mode "$mode" --pin-root "$PIN" --ttl 64 --dscp 10 --dtls \
		--peer-fingerprint "$fp" --count "$COUNT" --size "$SIZE" --bind 10.98.0.1:7000 \
		--timeout 10 --linger-ms 30000 10.98.0.2:5000 >"$WORK/$mode.json" 2>"$WORK/$mode.err" ||
		{ echo "dtls_profile: pmark-send --mode $mode failed: $(cat "$WORK/$mode.err")" >&2; return 1; }
	wait "$sink"
	perf report -i "$WORK/$mode.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
		python3 -c '
import json, re, sys
mode, jpath = sys.argv[1], sys.argv[2]
share = {"marking": 0.0, "tc": 0.0, "locks": 0.0}
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(\S+)", line)
    if not m:
        continue
    pct, kind, sym = float(m.group(1)), m.group(2), m.group(3)
    if kind == "." and re.match(r"(pm_|pmark_)", sym):
        share["marking"] += pct
    elif kind == "k" and re.match(r"(bpf_prog_|cls_bpf_|__bpf_prog_)", sym):
        share["tc"] += pct
    elif kind == "k" and re.match(r"(finish_task_switch|_raw_spin_unlock_irqrestore|futex_)", sym) \
            or re.match(r"__GI___lll_lock_w", sym):
        share["locks"] += pct
j = json.load(open(jpath))
print("%-5s %9.0f msg/s  acked in %.2f s  marking %4.1f %%  tc %4.1f %%  locks %4.1f %%" %
      (mode, j["rate_msg_s"], j["acked_s"], share["marking"], share["tc"], share["locks"]))
' "$mode" "$WORK/$mode.json"
}

echo "dtls_profile: $COUNT x $SIZE B over DTLS, perf record -F 2000 of pmark-send; shares of its samples"
run off || exit 1
run maps || exit 1
