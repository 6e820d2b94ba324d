#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Helpers for the tests of real usrsctp associations (pmark-send to
# pmark-sink across the S - R - D topology of lib.sh).  Source after lib.sh.
#
#   sink_start NAME NS ARGS...   pmark-sink in NS, waits for "listening on";
#                                 output in $LIB_TMP/NAME.out
#   sink_wait NAME [SECONDS]     wait for it to exit (it was given --once or --count)
#   require_assoc_tools          skip unless pmark-send and pmark-sink are built
# Sinks still running at exit are stopped with lib.sh's stop_pid.
#   send_run NAME NS ARGS...     pmark-send in NS, output in $LIB_TMP/NAME.out,
#                                 --json output parsed with json_get
#   json_get FILE KEY            a top-level number or string of a JSON object
#                                 (the last object in FILE when several)
#   marks_check PCAP PORT ARGS.. tests/net/check_marks.py, sets MK_<name> for
#                                 every count it prints (MK_ok, MK_mislabeled...)
# With PM_DTLS set, sink_start, send_run (and lib_wire.sh's snd) run protected
# associations: see dtls_lib_assoc.sh.

SINK_BIN=${SINK_BIN:-$TOP_DIR/build/pmark-sink}
SEND_BIN=${SEND_BIN:-$TOP_DIR/build/pmark-send}
CHECK_MARKS=$TOP_DIR/tests/net/check_marks.py
declare -A SINK_PID=()
# shellcheck source-path=SCRIPTDIR source=dtls_lib_assoc.sh
source "$LIB_DIR/dtls_lib_assoc.sh"

# require_assoc_tools: skip the script (exit 4) unless pmark-send and
# pmark-sink are built.
require_assoc_tools()
{
	[ -x "$SEND_BIN" ] || skip_all "$SEND_BIN not built (run make)"
	[ -x "$SINK_BIN" ] || skip_all "$SINK_BIN not built (run make)"
}

# Sinks still running at exit: stop_pid (lib.sh).
# shellcheck disable=SC2016 # expanded when the cleanup runs
on_cleanup 'for p in "${SINK_PID[@]}"; do stop_pid "$p" 5; done'

sink_start()
{
	local name=$1 ns=$2 pid
	shift 2
	# ip netns exec itself, not a function: $! must be the sink (it execs it).
	ip netns exec "$ns" "$SINK_BIN" "${DTLS_SINK_OPTS[@]}" "$@" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err" &
	pid=$!
	track_pid "$pid"
	SINK_PID[$name]=$pid
	wait_output "$pid" "$LIB_TMP/$name.out" 5 "listening on" && { dtls_sink_started "$name"; return; }
	diag "pmark-sink $* did not start:" "$(cat "$LIB_TMP/$name.err")"
	return 1
}

sink_wait()
{
	local name=$1 secs=${2:-20} pid=${SINK_PID[$1]} i rc
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	# Still running: SIGTERM (it prints its totals and exits 0), SIGKILL after 5 s.
	kill -0 "$pid" 2>/dev/null && diag "pmark-sink $name still running after $secs s: stopping it"
	stop_pid "$pid" 5
	rc=$STOP_RC
	forget_pid "$pid"
	# Whatever it said on stderr (the library logs why an association ended there).
	if [ $rc != 0 ] || [ -s "$LIB_TMP/$name.err" ]; then
		diag "pmark-sink $name: exit $rc, stderr:" "$(tail -n 20 "$LIB_TMP/$name.err" 2>/dev/null)"
	fi
	return $rc
}

send_run()
{
	local name=$1 ns=$2
	shift 2
	dtls_send_opts "$name"
	in_ns "$ns" "$SEND_BIN" "${DTLS_OPTS[@]}" "$@" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err"
	local rc=$?
	[ $rc = 0 ] || diag "pmark-send $* failed ($rc):" "$(cat "$LIB_TMP/$name.err")"
	return $rc
}

json_get()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
objs = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        try:
            objs.append(json.loads(line))
        except ValueError:
            pass
if not objs:
    try:
        objs = [json.load(open(sys.argv[1]))]
    except ValueError:
        sys.exit(1)
cur = objs[-1]
for part in sys.argv[2].split("."):
    if not isinstance(cur, dict) or part not in cur:
        sys.exit(1)
    cur = cur[part]
print(cur)
PY
}

marks_check()
{
	local pcap=$1 port=$2 line kv
	shift 2
	line=$(python3 "$CHECK_MARKS" "$pcap" --port "$port" "$@" 2>"$LIB_TMP/marks.err") || {
		diag "check_marks failed:" "$(cat "$LIB_TMP/marks.err")"
		return 1
	}
	MK_LINE=$line
	for kv in $line; do
		printf -v "MK_${kv%%=*}" '%s' "${kv#*=}"
	done
	[ -s "$LIB_TMP/marks.err" ] && diag "$(cat "$LIB_TMP/marks.err")"
	return 0
}
