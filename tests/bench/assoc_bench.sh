#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Associations benchmark (issue 3): messages per second and CPU per message
# of one SCTP-over-UDP association, build/pmark-send -> build/pmark-sink,
# over a veth pair between two network namespaces, for 64 B, 1 KiB and
# 16 KiB messages, in three library modes on the same endpoint:
#
#   off   --mode off   messages go out unmarked, no per-chunk work (baseline)
#   on    --mode maps  a record per TSN in the pinned maps; the tc program
#                      attached to A's veth rewrites TTL and DSCP
#   cmsg  --mode cmsg  the fallback: TTL / TOS as per-packet ancillary data
#
# Every run has the same command line except --mode (all carry
# --ttl 64 --dscp 10; "off" ignores them).  The marker stays attached and
# the sender's UDP port registered for all three, so "off" is what an
# endpoint pays when it does not mark, not a host without the marker.
#
# The machines are shared and noisy, so nothing here is a timing assertion:
# every round runs each size in all three modes back to back (the order
# rotated each round: off on cmsg / on cmsg off / cmsg off on), each mode is
# compared with the "off" run of the same round and size, and the median and
# range of those ratios over the rounds are reported.  Goal (informational):
# on/off >= 0.95 in messages per second at every size.
#
# Also reported: records written per second through the record API
# (pmark_assoc_mark, one thread), from build/tests/pmark_bench (goal >= 20M/s).
#
# With --dtls, the associations are protected (SCTP inside DTLS 1.2): each
# run's pmark-sink gets --dtls, and pmark-send --dtls --peer-fingerprint FP,
# FP from the sink's listening line (a fresh certificate each run).  Default
# sizes 64 and 16384, modes off and on (--modes "off on cmsg" adds the
# fallback), and in every round one more run, "plain": marking on without
# DTLS (the runs before --dtls existed), so that "on / plain" gives the cost
# of the encryption for context.  Goal (informational): DTLS on/off >= 0.95.
#
# Exit status: 0 when everything ran (whatever the numbers), 1 when a run
# failed (a tool failed, messages were lost, "on" marked nothing), 4 when a
# prerequisite is missing (not root, not built).
#
# Usage: tests/bench/assoc_bench.sh [--rounds N] [--scale F] [--sizes "64 1024 16384"]
#                                   [--modes "off on cmsg"] [--dtls]
#                                   [--no-record-rate] [--json FILE]
#   --rounds N        rounds of off/on/cmsg per size (default 7)
#   --scale F         multiply the message counts (default 1: counts calibrated so a
#                     run in mode off lasts about 1.5 s from first send to last ack)
#   --sizes LIST      message sizes in bytes (default "64 1024 16384"; --dtls: "64 16384")
#   --modes LIST      off, on, cmsg: which of them (default "off on cmsg"; --dtls: "off on");
#                     off is always run (the reference)
#   --dtls            protect every association (DTLS 1.2), plus the "plain" reference run
#   --no-record-rate  skip the record-API rate (make bench has just printed it)
#   --json FILE       write every run's numbers and the summary to FILE

# The cleanup functions run from traps only.
# shellcheck disable=SC2317
set -u

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP_DIR/$BUILD ;; esac
PMARKCTL=$BUILD/pmarkctl
SEND=$BUILD/pmark-send
SINK=$BUILD/pmark-sink
PMBENCH=$BUILD/tests/pmark_bench

ROUNDS=7
SCALE=1
SIZES=
MODES=
DTLS=0
RECORD_RATE=1
JSON_OUT=

usage()
{
	sed -n '/^# Usage:/,/^$/s/^# \{0,1\}//p' "$0"
}

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
	--scale) SCALE=${2:?--scale needs a value}; shift 2 ;;
	--sizes) SIZES=${2:?--sizes needs a value}; shift 2 ;;
	--modes) MODES=${2:?--modes needs a value}; shift 2 ;;
	--dtls) DTLS=1; shift ;;
	--no-record-rate) RECORD_RATE=0; shift ;;
	--json) JSON_OUT=${2:?--json needs a file}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "assoc_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "assoc_bench: --rounds: a positive integer" >&2; exit 2; }
if [ -z "$SIZES" ]; then
	if [ "$DTLS" = 1 ]; then SIZES="64 16384"; else SIZES="64 1024 16384"; fi
fi
if [ -z "$MODES" ]; then
	if [ "$DTLS" = 1 ]; then MODES="off on"; else MODES="off on cmsg"; fi
fi
for m in $MODES; do
	case $m in off|on|cmsg) ;; *) echo "assoc_bench: --modes: off, on or cmsg, not $m" >&2; exit 2 ;; esac
done
for s in $SIZES; do
	[[ $s =~ ^[1-9][0-9]*$ ]] || { echo "assoc_bench: --sizes: positive integers, not $s" >&2; exit 2; }
done

skip()
{
	echo "assoc_bench: skipped: $*" >&2
	exit 4
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tc, bpffs)"
for f in "$PMARKCTL" "$SEND" "$SINK"; do
	[ -x "$f" ] || skip "$f not built (run make)"
done
[ "$RECORD_RATE" = 0 ] || [ -x "$PMBENCH" ] || skip "$PMBENCH not built (run make)"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v python3 >/dev/null || skip "no python3"

# Names unique to this run.
NS_A=pmbA-$$
NS_B=pmbB-$$
PIN=/sys/fs/bpf/pmark-bench-$$
IF_A=pmb0
IF_B=pmb1
ADDR_A=10.213.0.1
ADDR_B=10.213.0.2
PORT_A=40000
PORT_B=5001

MADE_NS=()
ATTACHED=
CLEANED=

# Every process this script starts runs inside one of its two namespaces,
# so "ip netns pids" finds exactly them.
ns_kill()
{
	local sig=$1 ns p
	for ns in "${MADE_NS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "-$sig" "$p" 2>/dev/null
		done
	done
}

ns_busy()
{
	local ns
	for ns in "${MADE_NS[@]}"; do
		[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
	done
	return 1
}

cleanup()
{
	local i ns
	[ -n "$CLEANED" ] && return
	CLEANED=1
	trap '' INT TERM HUP
	if [ -n "${DRIVER_PID:-}" ]; then
		kill -TERM "$DRIVER_PID" 2>/dev/null
		wait "$DRIVER_PID" 2>/dev/null
	fi
	if [ ${#MADE_NS[@]} -gt 0 ]; then
		ns_kill TERM
		for ((i = 0; i < 20; i++)); do
			ns_busy || break
			sleep 0.1
		done
		ns_kill KILL
	fi
	if [ -n "$ATTACHED" ]; then
		ip netns exec "$NS_A" "$PMARKCTL" --pin-root "$PIN" detach --all >/dev/null 2>&1
	fi
	for ns in "${MADE_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# Whatever detach left of the private pin root.
	[ -e "$PIN" ] && rm -rf "$PIN" 2>/dev/null
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

die()
{
	echo "assoc_bench: $*" >&2
	exit 1
}

WORK=$(mktemp -d /tmp/pmark-assoc-bench.XXXXXX) || die "mktemp failed"

# ---------------------------------------------------------------- topology

ip netns add "$NS_A" || die "ip netns add $NS_A failed"
MADE_NS+=("$NS_A")
ip netns add "$NS_B" || die "ip netns add $NS_B failed"
MADE_NS+=("$NS_B")
if ! { ip -n "$NS_A" link set lo up &&
	ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link add "$IF_A" type veth peer name "$IF_B" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$IF_A" &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$IF_B" &&
	ip -n "$NS_A" link set "$IF_A" up &&
	ip -n "$NS_B" link set "$IF_B" up; }; then
	die "veth setup failed"
fi

# The marker on A's egress (pmarkctl mounts bpffs if needed), A's port registered.
ATTACHED=1
ip netns exec "$NS_A" "$PMARKCTL" --pin-root "$PIN" attach "$IF_A" >/dev/null ||
	die "pmarkctl attach $IF_A failed"
"$PMARKCTL" --pin-root "$PIN" ports add "$PORT_A" || die "pmarkctl ports add $PORT_A failed"

# ---------------------------------------------------------------- runs

export NS_A NS_B PIN PMARKCTL SEND SINK PMBENCH ADDR_A ADDR_B PORT_A PORT_B
export ROUNDS SCALE SIZES MODES DTLS RECORD_RATE JSON_OUT WORK

cat >"$WORK/driver.py" <<'EOF'
import json, os, select, signal, statistics, subprocess, sys, threading, time

E = os.environ
NS_A, NS_B, PIN = E["NS_A"], E["NS_B"], E["PIN"]
CTL, SEND, SINK, PMBENCH = E["PMARKCTL"], E["SEND"], E["SINK"], E["PMBENCH"]
ADDR_A, ADDR_B, PORT_A, PORT_B = E["ADDR_A"], E["ADDR_B"], E["PORT_A"], E["PORT_B"]
ROUNDS, SCALE = int(E["ROUNDS"]), float(E["SCALE"])
SIZES = [int(s) for s in E["SIZES"].split()]
WORK = E["WORK"]
DTLS = E.get("DTLS") == "1"

# Calibration (also the warm-up): per size, a short "off" run of CAL_COUNT
# messages, then one sized to last CAL2_S at the rate it showed; the faster
# of the two (load on a shared machine only ever slows a run down) sets the
# count, so that a run lasts about TARGET_S from first send to last ack in
# mode "off" (times --scale).
CAL_COUNT = {64: 100000, 1024: 20000, 16384: 1500}
CAL2_S = 0.8
TARGET_S = 1.5
counts = {}
# (name, library mode, protected): "off" first, the reference of every ratio.
LIB_MODE = {"off": "off", "on": "maps", "cmsg": "cmsg"}
MODES = [(n, LIB_MODE[n], DTLS) for n in ("off", "on", "cmsg") if n == "off" or n in E["MODES"].split()]
if DTLS:
    MODES.append(("plain", "maps", False))      # marking on, no DTLS: the cost of encryption
NAMES = [m[0] for m in MODES]
# The ratios reported: mode / reference of the same round and size.
PAIRS = [(a, b) for a, b in (("on", "off"), ("cmsg", "off"), ("on", "plain")) if a in NAMES and b in NAMES]
IP_OPTS = ["--ttl", "64", "--dscp", "10"]
RUN_TIMEOUT = 120
failures = []
live = set()

def on_term(signum, frame):
    for pid in list(live):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    sys.exit(128 + signum)

signal.signal(signal.SIGTERM, on_term)

def cal_count(size):
    return CAL_COUNT.get(size, max(200, int(10000 * 1024 / size)))

def count_for(size):
    return counts[size]

def round_count(n):
    # Two significant digits: counts that read well in a table.
    n = max(100, int(n))
    e = 10 ** max(0, len(str(n)) - 2)
    return n // e * e

def ctl(*args):
    r = subprocess.run([CTL, "--pin-root", PIN, *args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("pmarkctl %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout

def stats():
    return json.loads(ctl("--json", "stats"))

def arm(p, timeout):
    """Kill p if it still runs timeout seconds from now (replaces an earlier limit)."""
    def kill():
        if p.pid in live:
            p.timed_out = True
            try:
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass
    if getattr(p, "watchdog", None):
        p.watchdog.cancel()
    p.watchdog = threading.Timer(timeout, kill)
    p.watchdog.start()

def start(ns, argv, timeout, **kw):
    """Start argv in namespace ns; it is killed if still running after timeout s."""
    # ip netns exec execs the program: the child's pid is the tool itself.
    p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kw)
    live.add(p.pid)
    p.timed_out = False
    arm(p, timeout)
    return p

def wait_rusage(p):
    """Reap p with wait4: exit status and its own user+sys seconds."""
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        live.discard(p.pid)
        p.watchdog.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_utime + ru.ru_stime

def run_one(size, mode, count):
    name, libmode, dtls = mode
    # A maps-mode endpoint deletes its port from the bitmap when it closes,
    # also a port pmarkctl had registered: register it again before each run.
    ctl("ports", "add", PORT_A)
    before = stats()
    sink_err = open(os.path.join(WORK, "sink.err"), "w+")
    sink = start(NS_B, [SINK, "--once", "--json", *(["--dtls"] if dtls else []), "%s:%s" % (ADDR_B, PORT_B)],
                 RUN_TIMEOUT + 30, stdout=subprocess.PIPE, stderr=sink_err, text=True)
    first = ""
    if select.select([sink.stdout], [], [], 10)[0]:
        first = sink.stdout.readline()
    fp = None
    if dtls and "listening" in first:
        # The sink's certificate is made at start: its fingerprint is in the listening line.
        try:
            fp = json.loads(first).get("fingerprint")
        except ValueError:
            pass
    if "listening" not in first or (dtls and not fp):
        sink.kill()
        wait_rusage(sink)
        sink_err.seek(0)
        why = sink_err.read().strip()
        sink_err.close()
        raise RuntimeError("pmark-sink did not start: %s %s" % (first.strip(), why))
    send_err = open(os.path.join(WORK, "send.err"), "w+")
    argv = [SEND, "--json", "--mode", libmode, "--pin-root", PIN, *IP_OPTS,
            *(["--dtls", "--peer-fingerprint", fp] if dtls else []),
            "--count", str(count), "--size", str(size),
            "--bind", "%s:%s" % (ADDR_A, PORT_A), "--timeout", "10", "--linger-ms", "30000",
            "%s:%s" % (ADDR_B, PORT_B)]
    wall0 = time.monotonic()
    snd = start(NS_A, argv, RUN_TIMEOUT, stdout=subprocess.PIPE, stderr=send_err, text=True)
    out = snd.stdout.read()
    rc, cpu = wait_rusage(snd)
    wall = time.monotonic() - wall0
    # The sink ends with the association (--once): a few seconds at most;
    # without a sender there is nothing to wait for.
    if rc == 0:
        arm(sink, 15)
    else:
        sink.kill()
    rest = sink.stdout.read()
    src, sink_cpu = wait_rusage(sink)
    after = stats()
    send_err.seek(0)
    sink_err.seek(0)
    errs = send_err.read().strip()
    serr = sink_err.read().strip()
    send_err.close()
    sink_err.close()
    problems = []
    for p, what in ((snd, "pmark-send"), (sink, "pmark-sink")):
        if p.timed_out:
            problems.append("%s killed after its time limit" % what)
    try:
        j = json.loads(out)
    except ValueError:
        j = None
        problems.append("pmark-send printed no JSON (exit %d): %s" % (rc, errs))
    if rc:
        problems.append("pmark-send exited %d: %s" % (rc, errs))
    assoc = None
    for line in rest.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == "association":
            assoc = o
    if src:
        problems.append("pmark-sink exited %d: %s" % (src, serr))
    r = {"size": size, "mode": name, "lib_mode": libmode, "dtls": dtls, "count": count,
         "wall_s": wall, "send_cpu_s": cpu, "sink_cpu_s": sink_cpu}
    if j:
        st = j.get("stats") or {}
        r.update(messages=j["messages"], elapsed_s=j["elapsed_s"], linger_s=j["linger_s"],
                 acked_s=j["acked_s"], all_acked=j["all_acked"], reported_mode=j["mode"],
                 datagrams_out=st.get("datagrams_out"), packets_out=st.get("packets_out"),
                 retransmissions=st.get("retransmissions"), records_written=st.get("records_written"),
                 records_failed=st.get("records_failed"), cmsg_datagrams=st.get("cmsg_datagrams"),
                 send_errors=st.get("send_errors"), chunks_unmapped=st.get("chunks_unmapped"))
        if j["mode"] != libmode:
            problems.append("endpoint in mode %s, not %s" % (j["mode"], libmode))
        if bool(j.get("dtls")) != dtls:
            problems.append("pmark-send reports dtls %s, not %s" % (j.get("dtls"), dtls))
        if not j["all_acked"] or not j["acked_s"]:
            problems.append("not everything was acked")
        if j["messages"] != count:
            problems.append("sent %d of %d messages" % (j["messages"], count))
    if assoc is None:
        problems.append("pmark-sink reported no association")
    else:
        r["received"] = assoc["messages"]
        if assoc["messages"] != count or assoc["intact"] != count:
            problems.append("sink: %d messages, %d intact, of %d" %
                            (assoc["messages"], assoc["intact"], count))
    for k in ("parsed", "marked", "no_record", "not_ours", "dtls_parsed"):
        r["tc_" + k] = after.get(k, 0) - before.get(k, 0)
    if libmode == "maps" and r["tc_marked"] <= 0:
        problems.append("marking on, but the tc program marked nothing")
    if libmode != "maps" and r["tc_marked"] != 0:
        problems.append("the tc program marked %d packets of a %s run" % (r["tc_marked"], name))
    if libmode == "maps" and dtls and r["tc_dtls_parsed"] <= 0:
        problems.append("DTLS marking on, but the tc program read no DTLS record header")
    if not problems:
        r["rate"] = r["messages"] / r["acked_s"]              # first send .. all acked
        r["send_rate"] = r["messages"] / r["elapsed_s"]       # first send .. last pmark_send
        r["cpu_us"] = cpu * 1e6 / r["messages"]
        r["sink_cpu_us"] = sink_cpu * 1e6 / r["messages"]
    r["problems"] = problems
    return r

def fmt_rate(x):
    if x >= 1e5:
        return "%.0fk" % (x / 1e3)
    if x >= 1e4:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x

def med(v):
    return statistics.median(v) if v else float("nan")

def ratio_str(v):
    if not v:
        return "-"
    return "%.3f (%.2f-%.2f)" % (med(v), min(v), max(v))

t_start = time.monotonic()
DTLS_ARGS = " [--dtls]" if DTLS else ""
print("assoc_bench: %s -> %s over veth (%s, %s), marker on %s egress, pin root %s"
      % (ADDR_A, ADDR_B, NS_A, NS_B, "pmb0", PIN))
print("assoc_bench: in %s: %s --once --json%s %s:%s" % (NS_B, SINK, DTLS_ARGS, ADDR_B, PORT_B))
print("assoc_bench: in %s: %s --json --mode %s --pin-root %s %s%s --count N --size S "
      "--bind %s:%s --timeout 10 --linger-ms 30000 %s:%s"
      % (NS_A, SEND, "|".join(sorted({m[1] for m in MODES}, key=["off", "maps", "cmsg"].index)), PIN,
         " ".join(IP_OPTS), " [--dtls --peer-fingerprint FP]" if DTLS else "",
         ADDR_A, PORT_A, ADDR_B, PORT_B))
if DTLS:
    print("assoc_bench: DTLS 1.2 in modes %s; \"plain\" = marking on (maps) without DTLS; "
          "FP = the sink's fingerprint, from its listening line" % "/".join(n for n in NAMES if n != "plain"))
sys.stdout.flush()

# Calibration, not counted (also the warm-up): two "off" runs per size.
cal = {}
for size in SIZES:
    n = cal_count(size)
    for i in range(2):
        try:
            w = run_one(size, MODES[0], n)
        except RuntimeError as e:
            w = {"problems": [str(e)]}
        if w["problems"]:
            failures.append("calibration, %d B: %s" % (size, "; ".join(w["problems"])))
            break
        cal[size] = max(cal.get(size, 0), w["rate"])
        n = round_count(cal[size] * CAL2_S)
    if failures:
        break
    counts[size] = round_count(cal[size] * TARGET_S * SCALE)
if not failures:
    print("assoc_bench: %d rounds x sizes %s x modes %s; counts %s (calibrated: %s msg/s)"
          % (ROUNDS, " ".join(map(str, SIZES)), "/".join(NAMES),
             " ".join("%d B: %d" % (s, counts[s]) for s in SIZES),
             " ".join("%.0f" % cal[s] for s in SIZES)))
    sys.stdout.flush()

runs = []
if not failures:
    print("\n%-5s %-6s %-5s %9s %9s %8s %8s %8s %9s %s" %
          ("round", "size", "mode", "msg/s", "send/s", "acked_s", "cpu_us", "sink_us",
           "dgrams", "tc marked"))
    for rnd in range(ROUNDS):
        k = rnd % len(MODES)
        order = MODES[k:] + MODES[:k]
        for size in SIZES:
            for mode in order:
                try:
                    r = run_one(size, mode, count_for(size))
                except RuntimeError as e:
                    r = {"size": size, "mode": mode[0], "problems": [str(e)]}
                r["round"] = rnd + 1
                runs.append(r)
                if r["problems"]:
                    failures.append("round %d, %d B, %s: %s" %
                                    (rnd + 1, size, mode[0], "; ".join(r["problems"])))
                    print("%-5d %-6d %-5s FAILED: %s" % (rnd + 1, size, mode[0],
                                                        "; ".join(r["problems"])))
                else:
                    print("%-5d %-6d %-5s %9.0f %9.0f %8.3f %8.2f %8.2f %9d %d" %
                          (rnd + 1, size, mode[0], r["rate"], r["send_rate"], r["acked_s"],
                           r["cpu_us"], r["sink_cpu_us"], r["datagrams_out"], r["tc_marked"]))
                sys.stdout.flush()

# Per round and size: each mode against its reference run of that round.
summary = {}
for size in (SIZES if runs else []):
    s = {"count": count_for(size)}
    by = {}
    for r in runs:
        if r["size"] == size and not r["problems"]:
            by.setdefault(r["round"], {})[r["mode"]] = r
    for name in NAMES:
        rs = [m[name] for m in by.values() if name in m]
        s[name] = {"rate": med([r["rate"] for r in rs]), "send_rate": med([r["send_rate"] for r in rs]),
                   "cpu_us": med([r["cpu_us"] for r in rs]),
                   "sink_cpu_us": med([r["sink_cpu_us"] for r in rs]), "n": len(rs)}
    for name, ref in PAIRS:
        # Keys as before --dtls: "on_rate_ratio" is on / off; on / plain is "on_plain_rate_ratio".
        pre = name if ref == "off" else "%s_%s" % (name, ref)
        for key in ("rate", "send_rate", "cpu_us"):
            s["%s_%s_ratio" % (pre, key)] = [m[name][key] / m[ref][key]
                                             for m in by.values() if name in m and ref in m]
    for name in NAMES:
        marked = [(m[name]["tc_marked"], m[name]["datagrams_out"], m[name]["tc_dtls_parsed"])
                  for m in by.values() if name in m]
        s["%s_marked" % name] = sum(a for a, _, _ in marked)
        s["%s_dgrams" % name] = sum(b for _, b, _ in marked)
        s["%s_dtls_parsed" % name] = sum(c for _, _, c in marked)
    summary[size] = s

def pair_key(name, ref, key):
    return "%s_%s_ratio" % (name if ref == "off" else "%s_%s" % (name, ref), key)

rec = []
if E.get("RECORD_RATE") == "1" and runs:
    for i in range(3):
        p = subprocess.run([PMBENCH, "--json", "--runs", "1", "--repeat", "1000", "--samples", "10",
                            "--records", "10000000", "--syscall-records", "1000"],
                           capture_output=True, text=True)
        try:
            rec.append(json.loads(p.stdout)["record_rate"]["mmap_per_second"])
        except (ValueError, KeyError):
            failures.append("pmark_bench (record rate) failed: exit %d %s" % (p.returncode, p.stderr.strip()))
            break

# ---------------------------------------------------------------- summary
if not runs:
    for f in failures:
        print("assoc_bench: FAILED: " + f, file=sys.stderr)
    sys.exit(1)
print()
if DTLS:
    print("Associations protected by DTLS 1.2 (\"plain\": marking on, no DTLS), one association,")
    print("one sending thread, MTU 1280 (library default), every message --ttl 64 --dscp 10;")
    print("%d rounds, modes interleaved (order rotated)." % ROUNDS)
else:
    print("Associations: one association, one sending thread, MTU 1280 (library default),")
    print("every message --ttl 64 --dscp 10; %d rounds, modes interleaved (order rotated)." % ROUNDS)
print("msg/s = messages / (first send .. everything acked); CPU = user+sys of pmark-send")
print("(whole process: connect, send, linger, close) per message. Values: median over")
print("rounds; ratios: median (min-max) over rounds of mode / %s of the same round."
      % ("reference" if DTLS else "off"))
print()
hdr = ("%-6s %7s | " + " ".join(["%8s"] * len(NAMES)) + " | " + " ".join(["%6s"] * len(NAMES)) +
       " | " + " ".join(["%-19s"] * len(PAIRS)) + " | " + " ".join(["%-19s"] * len(PAIRS)))
print(hdr % ("size", "count", *["%s/s" % n for n in NAMES], *NAMES,
             *["%s/%s msg/s" % p for p in PAIRS], *["%s/%s CPU/msg" % p for p in PAIRS]))
print(hdr % ("", "", *[""] * len(NAMES), *["us/msg"] * len(NAMES), *[""] * (2 * len(PAIRS))))
for size in SIZES:
    s = summary[size]
    print(hdr % (size, s["count"], *[fmt_rate(s[n]["rate"]) for n in NAMES],
                 *["%.2f" % s[n]["cpu_us"] for n in NAMES],
                 *[ratio_str(s[pair_key(a, b, "rate")]) for a, b in PAIRS],
                 *[ratio_str(s[pair_key(a, b, "cpu_us")]) for a, b in PAIRS]))
print()
print("sending phase only (first .. last pmark_send, the last 1 MiB send buffer not drained):")
print(("%-6s " + "%-19s " * len(PAIRS) + "  receiver CPU us/msg %s") %
      ("size", *["%s/%s send/s" % p for p in PAIRS], " / ".join(NAMES)))
for size in SIZES:
    s = summary[size]
    print(("%-6s " + "%-19s " * len(PAIRS) + "  %s") %
          (size, *[ratio_str(s[pair_key(a, b, "send_rate")]) for a, b in PAIRS],
           " / ".join("%.2f" % s[n]["sink_cpu_us"] for n in NAMES)))
print()
rtx = sum(r.get("retransmissions") or 0 for r in runs)
print("retransmissions over all runs: %d; datagrams the UDP socket refused: %d" %
      (rtx, sum(r.get("send_errors") or 0 for r in runs)))
for size in SIZES:
    s = summary[size]
    for name, libmode, dtls in MODES:
        if libmode != "maps" or not s["%s_dgrams" % name]:
            continue
        print("marking %s, %d B: the tc program marked %d of the %d datagrams sent "
              "(%d a run carry no DATA: %s)%s" %
              (name, size, s["%s_marked" % name], s["%s_dgrams" % name],
               (s["%s_dgrams" % name] - s["%s_marked" % name]) // max(1, s[name]["n"]),
               "the DTLS handshake, INIT, COOKIE-ECHO" if dtls else "the INIT and COOKIE-ECHO",
               "; DTLS record headers read: %d" % s["%s_dtls_parsed" % name] if dtls else ""))
if rec:
    print("record API (pmark_assoc_mark, one thread, 10^7 records, 3 runs): median %.1f M/s "
          "(%.1f-%.1f); goal >= 20 M/s: %s" %
          (med(rec) / 1e6, min(rec) / 1e6, max(rec) / 1e6, "PASS" if med(rec) >= 20e6 else "NOTE: below"))
ok_all = True
what = "DTLS marking on / off" if DTLS else "marking on / off"
for size in SIZES:
    v = summary[size].get("on_rate_ratio", [])
    if "on" not in NAMES:
        break
    if not v:
        ok_all = False
        print("NOTE %6d B: no complete round" % size)
        continue
    good = med(v) >= 0.95
    ok_all &= good
    print("%s %6d B: %s = %.3f (median of %d rounds, %.2f-%.2f); goal >= 0.95" %
          ("PASS" if good else "NOTE", size, what, med(v), len(v), min(v), max(v)))
if "on" in NAMES:
    d = "DTLS " if DTLS else ""
    print("%s: %smarking on >= 0.95 x %smarking off at every size (median ratio)" %
          ("PASS" if ok_all else "NOTE: not met", d, d))
if DTLS:
    for size in SIZES:
        v = summary[size].get("on_plain_rate_ratio", [])
        c = summary[size].get("on_plain_cpu_us_ratio", [])
        if v:
            print("context %6d B: DTLS on / plain on = %.3f msg/s (%.2f-%.2f), CPU per message %.3f "
                  "(%.2f-%.2f): the cost of the encryption" %
                  (size, med(v), min(v), max(v), med(c), min(c), max(c)))
print("assoc_bench: %.0f s" % (time.monotonic() - t_start))
if E.get("JSON_OUT"):
    with open(E["JSON_OUT"], "w") as f:
        json.dump({"rounds": ROUNDS, "sizes": SIZES, "dtls": DTLS, "modes": NAMES, "runs": runs,
                   "record_rate": rec, "summary": {str(k): v for k, v in summary.items()},
                   "failures": failures}, f, indent=1)
for f in failures:
    print("assoc_bench: FAILED: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
EOF

python3 "$WORK/driver.py" &
DRIVER_PID=$!
wait "$DRIVER_PID"
rc=$?
# A signal interrupts wait; then the traps run (exit, cleanup).
DRIVER_PID=
exit "$rc"
