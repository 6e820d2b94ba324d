#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Trace benchmark: how long pmark-trace takes to trace a path, against the
# system's traceroute on the same path.  A chain of 10 router namespaces
# (tests/net/lib_chain.sh: S - R1 .. R10 - D, every router answering at
# once, no ICMP rate limit), pmark-sink in D, the marker on S's interface.
# Each round runs, in alternating order,
#
#   pmark-trace -n --json D:5001     a new association each time: connect,
#                                    trace (probes for TTL 1..30 at once,
#                                    3 per hop), close
#   traceroute -n -q 3 -N 16 D       its defaults: 3 probes per hop, 16 in
#                                    flight, UDP to port 33434 and up
#
# and reports the medians over the rounds of: the whole pmark-trace command
# (wall clock, ip netns exec included, as for traceroute), its trace phase
# (the JSON's duration_ms: first probe sent to last answer), traceroute's
# whole command, the ratios pmark-trace / traceroute (goal <= 0.5, whole
# command), and pmark-trace's probes in flight per second (probes_sent /
# duration_ms).  The machines are shared and noisy: nothing here is a timing
# assertion.
#
# Exit status: 0 when everything ran (whatever the numbers), 1 when a run
# failed (a tool failed, a trace did not reach D), 4 when a prerequisite is
# missing (not root, not built, no traceroute).
#
# Usage: tests/bench/trace_bench.sh [--rounds N] [--hops N] [-6]
#   --rounds N   rounds (default 5)
#   --hops N     routers in the chain (default 10; D is hop N+1)
#   -6           trace over IPv6 (default IPv4)

set -u

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP_DIR/$BUILD ;; esac
export PMARKCTL=$BUILD/pmarkctl TRACE_BIN=$BUILD/pmark-trace SINK_BIN=$BUILD/pmark-sink

ROUNDS=5
HOPS=10
FAM=4

usage()
{
	sed -n '/^# Usage:/,/^$/s/^# \{0,1\}//p' "$0"
}

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
	--hops) HOPS=${2:?--hops needs a value}; shift 2 ;;
	-6) FAM=6; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "trace_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "trace_bench: --rounds: a positive integer" >&2; exit 2; }
if ! [[ $HOPS =~ ^[1-9][0-9]*$ ]] || [ "$HOPS" -gt 29 ]; then
	echo "trace_bench: --hops: 1..29" >&2
	exit 2
fi

# The namespace helpers of the wire tests (topology, cleanup on every exit
# path); their TAP ending is replaced by this script's own.
# shellcheck source-path=SCRIPTDIR source=../net/lib.sh
source "$TOP_DIR/tests/net/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../net/lib_assoc.sh
source "$TOP_DIR/tests/net/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=../net/lib_chain.sh
source "$TOP_DIR/tests/net/lib_chain.sh"

BENCH_RC=1
bench_exit()
{
	trap - EXIT INT TERM HUP
	lib_cleanup
	exit "$BENCH_RC"
}
trap bench_exit EXIT
trap 'BENCH_RC=130; exit' INT
trap 'BENCH_RC=143; exit' TERM
trap 'BENCH_RC=129; exit' HUP

skip()
{
	echo "trace_bench: skipped: $*" >&2
	BENCH_RC=4
	exit
}
fail()
{
	echo "trace_bench: FAILED: $*" >&2
	BENCH_RC=1
	exit
}

[ "$(id -u)" = 0 ] || skip "must run as root"
for c in ip nft python3 traceroute timeout tc; do
	command -v "$c" >/dev/null 2>&1 || skip "command '$c' not found"
done
for b in "$PMARKCTL" "$TRACE_BIN" "$SINK_BIN"; do
	[ -x "$b" ] || skip "$b not built (run make)"
done
[ -d /sys/fs/bpf ] || skip "bpffs not mounted at /sys/fs/bpf"
lib_tmp >/dev/null

DPORT=5001
LPORT=41800
chain_setup "$HOPS" || fail "chain of $HOPS routers: setup failed"
ports=()
for ((r = 0; r <= ROUNDS; r++)); do
	ports+=($((LPORT + r)))
done
out=$(pmctl_ns "$CH_NS_S" attach "$CH_S_IF" 2>&1) || fail "pmarkctl attach: $out"
out=$(pmctl ports add "${ports[@]}" 2>&1) || fail "pmarkctl ports add: $out"
if [ "$FAM" = 4 ]; then
	D=$CH_D4 TARGET="$CH_D4:$DPORT" LADDR=$CH_S4
else
	D=$CH_D6 TARGET="[$CH_D6]:$DPORT" LADDR="[$CH_S6]"
fi
sink_start sink "$CH_NS_D" --quiet "$TARGET" || fail "pmark-sink did not start"

now_ns()
{
	date +%s%N
}

# run_pmark ROUND: one pmark-trace; appends "whole_ms trace_ms probes" to
# $LIB_TMP/pmark.txt.
run_pmark()
{
	local r=$1 t0 t1 rc line
	t0=$(now_ns)
	trace_run "pm$r" -n --json --local "$LADDR:$((LPORT + r))" "$TARGET"
	rc=$?
	t1=$(now_ns)
	[ $rc = 0 ] || fail "pmark-trace (round $r) exited $rc: $(head -c 500 "$LIB_TMP/pm$r.err")"
	line=$(tj "$LIB_TMP/pm$r.out" '[j["reached"], j["dest_hop"], j["duration_ms"], j["probes_sent"]]')
	read -r reached dest ms probes <<<"$line"
	[ "$reached/$dest" = "true/$((HOPS + 1))" ] ||
		fail "pmark-trace (round $r): reached/dest_hop $reached/$dest, expected true/$((HOPS + 1))"
	echo "$(((t1 - t0) / 1000)) $ms $probes" >>"$LIB_TMP/pmark.txt"
}

# run_traceroute ROUND: one traceroute; appends "whole_ms" to $LIB_TMP/tr.txt.
run_traceroute()
{
	local r=$1 t0 t1 rc last
	t0=$(now_ns)
	ch_run in_ns "$CH_NS_S" timeout -k 5 120 traceroute "-$FAM" -n -q 3 -N 16 "$D" \
		>"$LIB_TMP/tr$r.txt" 2>"$LIB_TMP/tr$r.err"
	rc=$?
	t1=$(now_ns)
	[ $rc = 0 ] || fail "traceroute (round $r) exited $rc: $(cat "$LIB_TMP/tr$r.err")"
	last=$(tail -1 "$LIB_TMP/tr$r.txt")
	[[ "$last" =~ ^\ *$((HOPS + 1))\ +$D\  ]] ||
		fail "traceroute (round $r) did not reach $D at hop $((HOPS + 1)): $last"
	echo "$(((t1 - t0) / 1000))" >>"$LIB_TMP/tr.txt"
}

echo "trace_bench: $HOPS routers, IPv$FAM, $ROUNDS rounds (after one warm-up of each)"
run_pmark 0
run_traceroute 0
: >"$LIB_TMP/pmark.txt"
: >"$LIB_TMP/tr.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	if [ $((r % 2)) = 1 ]; then
		run_pmark "$r"
		run_traceroute "$r"
	else
		run_traceroute "$r"
		run_pmark "$r"
	fi
done

python3 - "$LIB_TMP/pmark.txt" "$LIB_TMP/tr.txt" "$HOPS" <<'PY'
import statistics as st, sys
pm = [l.split() for l in open(sys.argv[1]) if l.strip()]
tr = [float(l) / 1000 for l in open(sys.argv[2]) if l.strip()]
whole = [float(x[0]) / 1000 for x in pm]
trace = [float(x[1]) for x in pm]
probes = [int(x[2]) for x in pm]
rate = [p / (t / 1000) for p, t in zip(probes, trace) if t > 0]
def row(name, v, unit="ms", fmt="%10.1f"):
    print("%-40s %s %s   (min %s, max %s, %d runs)" % (name, fmt % st.median(v), unit,
          (fmt % min(v)).strip(), (fmt % max(v)).strip(), len(v)))
hops = int(sys.argv[3]) + 1
print("%-40s %10s" % ("median over rounds", ""))
row("pmark-trace, whole command", whole)
row("pmark-trace, trace phase (duration_ms)", trace, fmt="%10.2f")
row("traceroute -n -q 3 -N 16, whole command", tr)
print("%-40s %10.3f      (goal <= 0.5)" % ("ratio pmark-trace / traceroute (whole)", st.median(whole) / st.median(tr)))
print("%-40s %10.4f" % ("ratio trace phase / traceroute", st.median(trace) / st.median(tr)))
row("pmark-trace probes per second", rate, unit="/s", fmt="%10.0f")
print("%-40s %10d      (destination at hop %d)" % ("pmark-trace probes sent per trace", st.median(probes), hops))
PY
BENCH_RC=0
