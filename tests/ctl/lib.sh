# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Helpers for the pmarkctl tests (tests/ctl/*.sh): TAP output, prerequisite
# checks (exit 4 = skip), private network namespaces and pin roots, running a
# command with its stdout, stderr and exit status captured, JSON checks, and
# cleanup of everything a test created on every exit path.
#
# A script sources this file, calls ctl_require, creates what it needs with
# make_ns / make_veth / use_pin_root (each registers its own cleanup), runs
# its test points with check, or expect ... then point (or ok / not_ok), and
# ends with tap_done.  The EXIT trap cleans up, prints the plan and sets the
# exit status: 0 all passed, 1 a point failed or the script stopped before
# tap_done, 4 skipped.

# Its variables are for the scripts that source it.
# shellcheck disable=SC2034

set -u

CTL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$CTL_LIB_DIR/../.." && pwd)
# The build directory: BUILD as the Makefile takes it (relative to the top), or build.
case ${BUILD:-build} in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$TOP_DIR/${BUILD:-build} ;;
esac
PMARKCTL=${PMARKCTL:-$BUILD_DIR/pmarkctl}
TEST_NAME=$(basename "$0" .sh)

# The main pin root of this run.  /sys/fs/bpf may not be mounted yet:
# `pmarkctl attach` mounts it, so nothing here looks at it before an attach.
PIN=/sys/fs/bpf/pmark-ctltest-$$
# Every object pmarkctl attach pins.
PIN_NAMES=(prog prog_l3 slots rings ports counters config frags devs quotes prog_in prog_in_l3 dtls)
# The counters `pmarkctl stats` reports, in order (user/lib/counters.c).
COUNTER_NAMES=(seen not_ours parsed no_data no_record busy owner_mismatch expired
	once_consumed marked ttl_set tos_set df_set df_cleared frag_followed frag_unknown
	not_applicable malformed truncated walk_limit pulled ipid_set icmp_seen icmp_quoted
	icmp_not_ours icmp_malformed dtls_parsed dtls_no_peer dtls_not_appdata)
# The system python3 starts in a tenth of the time of a version-manager shim.
PYTHON=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )}
# Run a command as nobody, with no supplementary group.
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)

_tap_n=0
_tap_fail=0
_tap_done=0
_tap_skip=""
_cleanups=()
TMP=""

# ---- TAP ---------------------------------------------------------------

diag() {
	local line
	while IFS= read -r line; do
		printf '#   %s\n' "$line"
	done <<<"$*"
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

# not_ok DESC [DIAGNOSTIC...]
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n - $1"
	shift
	local d
	for d in "$@"; do
		diag "$d"
	done
}

skip_point() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# check DESC CMD...: one test point, passing when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "failed: $*"
	fi
}

# verdict DESC WHY...: ok when no reason is given, else not ok with the reasons.
verdict() {
	local desc=$1
	shift
	if [ $# = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "$@"
	fi
}

# expect MSG CMD...: MSG is a reason the current point fails unless CMD succeeds.
WHY=()
expect() {
	local msg=$1
	shift
	"$@" || WHY+=("$msg")
}

# point DESC: one test point, ok when every expect since the last point held.
point() {
	verdict "$1" ${WHY[@]+"${WHY[@]}"}
	WHY=()
}

skip_all() {
	_tap_skip=$1
	exit 4
}

tap_done() {
	_tap_done=1
}

# The script's own stdout and stderr: a signal may arrive while a function runs
# with its output redirected (run), and the exit trap must still print the plan.
exec {_TAP_OUT}>&1 {_TAP_ERR}>&2

_ctl_exit() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	exec 1>&"$_TAP_OUT" 2>&"$_TAP_ERR"
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" >/dev/null 2>&1
	done
	if [ -n "$_tap_skip" ]; then
		echo "1..0 # SKIP $_tap_skip"
		exit 4
	fi
	if [ "$_tap_done" != 1 ]; then
		not_ok "$TEST_NAME stopped before its end (exit $rc)"
	fi
	echo "1..$_tap_n"
	[ "$_tap_fail" = 0 ] && exit 0
	exit 1
}
trap _ctl_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# on_exit CMD: run CMD (eval'd, output discarded) at exit, last registered first.
on_exit() {
	_cleanups+=("$1")
}

# ---- prerequisites and setup -------------------------------------------

# ctl_require [TOOL...]: skip unless root, pmarkctl built, and the tools there.
# shellcheck disable=SC2120
ctl_require() {
	local t
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	[ -x "$PMARKCTL" ] || skip_all "$PMARKCTL not built (make build/pmarkctl)"
	for t in ip tc "$PYTHON" setpriv "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip_all "$t not installed"
	done
	TMP=$(mktemp -d "/tmp/pmark-$TEST_NAME.XXXXXX") || skip_all "mktemp failed"
	on_exit "rm -rf '$TMP'"
}

# make_ns NAME: a network namespace, deleted at exit.
make_ns() {
	ip netns add "$1" || skip_all "cannot create network namespace $1"
	on_exit "ip netns del '$1'"
	ip -n "$1" link set lo up
}

# make_veth NS1 IF1 NS2 IF2: a veth pair, IF1 in NS1 and IF2 in NS2 (may be the same), both up.
make_veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" ||
		skip_all "cannot create veth $2/$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# use_pin_root DIR: detach everything attached from DIR and remove it at exit.
use_pin_root() {
	on_exit "rm -rf '$1'"
	on_exit "'$PMARKCTL' --pin-root '$1' detach --all"
}

# ---- running commands --------------------------------------------------

# run CMD...: sets RC, OUT, ERR (trailing newlines stripped) and ERR_LINES.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	ERR_LINES=$(grep -c '' "$TMP/err")
}

# ctl ARGS...: pmarkctl on this run's pin root, from the initial namespace.
ctl() {
	"$PMARKCTL" --pin-root "$PIN" "$@"
}

# ctl_in NS ARGS...: the same inside `ip netns exec NS` (which hides /sys/fs/bpf).
ctl_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PMARKCTL" --pin-root "$PIN" "$@"
}

# What `run` captured, for a diagnostic.
captured() {
	printf 'exit %s\nstdout: %s\nstderr: %s' "$RC" "$OUT" "$ERR"
}

# ---- JSON --------------------------------------------------------------

# json_valid: stdin parses as one JSON document.
json_valid() {
	"$PYTHON" -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
}

# jtrue EXPR: stdin is JSON (bound to d) and the Python expression EXPR is true.
jtrue() {
	"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$1" 2>/dev/null
}

# jval EXPR: print the Python expression EXPR over the JSON on stdin (bound to d).
jval() {
	"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
v = eval("(" + sys.argv[1] + ")")
print(v if isinstance(v, str) else json.dumps(v))' "$1" 2>/dev/null
}

# ---- tc ----------------------------------------------------------------

# egress_filters NS DEV: one line per egress filter, "kind handle prog_id" (prog_id - if none).
egress_filters() {
	hook_filters "$1" "$2" egress
}

# ingress_filters NS DEV: the same for the ingress hook.
ingress_filters() {
	hook_filters "$1" "$2" ingress
}

# hook_filters NS DEV egress|ingress
hook_filters() {
	ip netns exec "$1" tc -j filter show dev "$2" "$3" 2>/dev/null | "$PYTHON" -c '
import json, sys
try:
    fs = json.load(sys.stdin)
except ValueError:
    fs = []
for f in fs:
    o = f.get("options")
    if not o or "handle" not in o:
        continue
    print(f.get("kind"), o.get("handle"), o.get("prog", {}).get("id", "-"))'
}

# has_clsact NS DEV: the device has a clsact qdisc.
has_clsact() {
	ip netns exec "$1" tc qdisc show dev "$2" 2>/dev/null | grep -q '^qdisc clsact'
}
