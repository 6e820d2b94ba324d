# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Helpers for the pmark wire tests (kernel-selftest style): TAP output,
# prerequisite checks (exit 4 = skip), a three-namespace topology
#
#     S (sender) vs0 ---- vr0 R (router) vr1 ---- vd0 D (receiver)
#       10.71.1.1/24     10.71.1.254  10.71.2.254     10.71.2.1/24
#       fd71:1::1/64     fd71:1::254  fd71:2::254     fd71:2::1/64
#
# tcpdump capture and tshark decoding, and cleanup of everything a test
# created on every exit path.  A script sources this file, calls the
# require_* checks, then tap_plan, topo_setup, ... and ends normally: the
# EXIT trap cleans up and sets the exit status (0 all passed, 1 a point
# failed or the plan was not met, 4 everything skipped).

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$LIB_DIR/../.." && pwd)
PMARKCTL=${PMARKCTL:-$TOP_DIR/build/pmarkctl}
SENDER=${SENDER:-$TOP_DIR/build/tests/sctp_udp_send}
TEST_NAME=$(basename "$0" .sh)

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# Names unique to this run.
NS_S=pmS-$$
NS_R=pmR-$$
NS_D=pmD-$$
PIN=${PMARK_TEST_PIN:-/sys/fs/bpf/pmark-test-$$}

S_IF=vs0
R_IF_S=vr0
R_IF_D=vr1
D_IF=vd0
S_ADDR4=10.71.1.1
R_ADDR4_S=10.71.1.254
R_ADDR4_D=10.71.2.254
D_ADDR4=10.71.2.1
S_ADDR6=fd71:1::1
R_ADDR6_S=fd71:1::254
R_ADDR6_D=fd71:2::254
D_ADDR6=fd71:2::1
S_MAC=02:71:01:00:00:01
R_MAC_S=02:71:01:00:00:fe
R_MAC_D=02:71:02:00:00:fe
D_MAC=02:71:02:00:00:01

# UDP ports tshark decodes as SCTP (pkt_fields); tests append theirs.
SCTP_PORTS=()

# ---------------------------------------------------------------- state

TAP_PLAN=
TAP_N=0
TAP_FAILED=0
TAP_SKIPPED=0
LIB_TMP=
LIB_NETNS=()
LIB_PIDS=()
LIB_GROUPS=()
LIB_USERS=()
LIB_CLEANUP=()
LIB_INTERRUPTED=
declare -A CAP_PID=()
declare -A CAP_FILE=()

# ---------------------------------------------------------------- TAP

# diag MSG...: each argument, each of its lines, as a TAP "# " line.
diag()
{
	local a line
	for a in "$@"; do
		while IFS= read -r line; do
			printf '# %s\n' "$line"
		done <<<"$a"
	done
}

tap_plan()
{
	TAP_PLAN=$1
	echo "TAP version 13"
	echo "1..$TAP_PLAN"
}

tap_ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# tap_fail DESC [DIAGNOSTIC...]
tap_fail()
{
	local d=$1
	shift
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $d"
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# tap_skip DESC REASON
tap_skip()
{
	TAP_N=$((TAP_N + 1))
	TAP_SKIPPED=$((TAP_SKIPPED + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# ok STATUS DESC [DIAGNOSTIC...]: STATUS is an exit status, 0 passes.
#   [ "$a" = "$b" ]; ok $? "a equals b"
ok()
{
	local st=$1
	shift
	if [ "$st" = 0 ]; then
		tap_ok "$1"
	else
		tap_fail "$@"
	fi
}

# is GOT EXPECTED DESC
is()
{
	if [ "$1" = "$2" ]; then
		tap_ok "$3"
	else
		tap_fail "$3" "got:      '$1'" "expected: '$2'"
	fi
}

# check DESC CMD [ARGS...]: passes when the command succeeds.
check()
{
	local d=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		tap_ok "$d"
	else
		tap_fail "$d" "command: $*" "exit status $rc" "$out"
	fi
	return $rc
}

# need DESC CMD [ARGS...]: one test point, run in this shell (CMD may set
# variables or start background jobs); the script ends when CMD fails,
# because what follows needs it.
need()
{
	local d=$1
	shift
	if "$@"; then
		tap_ok "$d"
	else
		tap_fail "$d"
		exit
	fi
}

# ---------------------------------------------------------------- skips

# Skip the whole script: before the plan it is the "1..0 # SKIP" line.
skip_all()
{
	if [ -z "$TAP_PLAN" ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP $TEST_NAME: $*"
	else
		diag "SKIP: $*"
		while [ "$TAP_N" -lt "$TAP_PLAN" ]; do
			tap_skip "not run" "$*"
		done
	fi
	LIB_SKIP_ALL=1
	exit $KSFT_SKIP
}
LIB_SKIP_ALL=

require_root()
{
	[ "$(id -u)" = 0 ] || skip_all "must run as root"
}

require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "command '$c' not found"
	done
}

# The binaries under test; missing means "not built yet", a skip.
require_built()
{
	[ -x "$PMARKCTL" ] || skip_all "$PMARKCTL not built (run make)"
	[ -x "$SENDER" ] || skip_all "$SENDER not built (run make)"
}

# All the usual prerequisites of a wire test.
require_wire()
{
	require_root
	require_cmd ip tc tcpdump tshark python3 mktemp
	require_built
	[ -d /sys/fs/bpf ] || skip_all "bpffs not mounted at /sys/fs/bpf"
	ip netns add "pmprobe-$$" 2>/dev/null || skip_all "cannot create network namespaces"
	ip netns del "pmprobe-$$"
	lib_tmp >/dev/null
}

lib_tmp()
{
	if [ -z "$LIB_TMP" ]; then
		LIB_TMP=$(mktemp -d "/tmp/pmark-$TEST_NAME.XXXXXX") || exit $KSFT_FAIL
	fi
	echo "$LIB_TMP"
}

# ---------------------------------------------------------------- cleanup

# on_cleanup CMD...: run CMD (eval'd) at exit, before the built-in cleanup.
on_cleanup()
{
	LIB_CLEANUP+=("$*")
}

lib_cleanup()
{
	local i p ns out
	for ((i = ${#LIB_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${LIB_CLEANUP[i]}" >/dev/null 2>&1
	done
	for p in "${LIB_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	LIB_PIDS=()
	# Detach while the namespaces still exist, so pmarkctl can remove
	# its qdiscs; then make sure no pin survives.
	if [ -e "$PIN" ] && [ -x "$PMARKCTL" ]; then
		out=$("$PMARKCTL" --pin-root "$PIN" detach --all 2>&1) ||
			diag "cleanup: pmarkctl detach --all failed: $out"
	fi
	if [ -e "$PIN" ]; then
		rm -rf "$PIN" 2>/dev/null || diag "cleanup: cannot remove $PIN"
	fi
	for ns in "${LIB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	LIB_NETNS=()
	for p in "${LIB_USERS[@]}"; do
		userdel "$p" >/dev/null 2>&1
	done
	LIB_USERS=()
	for p in "${LIB_GROUPS[@]}"; do
		groupdel "$p" >/dev/null 2>&1
	done
	LIB_GROUPS=()
	if [ -n "$LIB_TMP" ] && [ -z "${PMARK_TEST_KEEP:-}" ]; then
		rm -rf "$LIB_TMP"
	elif [ -n "$LIB_TMP" ]; then
		diag "kept $LIB_TMP"
	fi
}

lib_on_exit()
{
	local rc=$?
	trap - EXIT INT TERM HUP
	lib_cleanup
	if [ -n "$LIB_SKIP_ALL" ]; then
		exit $KSFT_SKIP
	fi
	if [ -z "$TAP_PLAN" ]; then
		# Ended before its plan (a bug, or interrupted): one failing point.
		echo "TAP version 13"
		echo "1..1"
		echo "not ok 1 - $TEST_NAME ended before its plan (status $rc${LIB_INTERRUPTED:+, $LIB_INTERRUPTED})"
		exit $KSFT_FAIL
	fi
	if [ "$TAP_N" -lt "$TAP_PLAN" ]; then
		diag "planned $TAP_PLAN points, ran $TAP_N${LIB_INTERRUPTED:+ (interrupted by $LIB_INTERRUPTED)}"
		while [ "$TAP_N" -lt "$TAP_PLAN" ]; do
			tap_fail "not run (script ended early)"
		done
	elif [ "$TAP_N" -gt "$TAP_PLAN" ]; then
		diag "planned $TAP_PLAN points but ran $TAP_N"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	if [ "$TAP_FAILED" -gt 0 ]; then
		diag "$TEST_NAME: $TAP_FAILED of $TAP_N failed"
		exit $KSFT_FAIL
	fi
	if [ "$TAP_N" -gt 0 ] && [ "$TAP_SKIPPED" = "$TAP_N" ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

trap lib_on_exit EXIT
trap 'LIB_INTERRUPTED=SIGINT; exit 130' INT
trap 'LIB_INTERRUPTED=SIGTERM; exit 143' TERM
trap 'LIB_INTERRUPTED=SIGHUP; exit 129' HUP

# track_pid PID / forget_pid PID: a background process killed at exit.
track_pid()
{
	LIB_PIDS+=("$1")
}

forget_pid()
{
	local p keep=()
	for p in "${LIB_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	LIB_PIDS=("${keep[@]}")
}

# stop_pid PID SECS: SIGTERM, then SIGKILL after SECS (no wait is unbounded);
# reaps it, its exit status in STOP_RC.  Fails only when it had to be killed.
stop_pid()
{
	local p=$1 secs=$2 i killed=0
	if kill -TERM "$p" 2>/dev/null; then
		for ((i = 0; i < secs * 10; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			killed=1
		fi
	fi
	wait "$p" 2>/dev/null
	# shellcheck disable=SC2034 # read by the callers
	STOP_RC=$?
	return $killed
}

# wait_output PID FILE SECS GREP_ARGS...: wait until `grep -q GREP_ARGS FILE`
# matches (a background process said it is ready), at most SECS seconds;
# fails early when process PID has exited ("" for none to watch).
wait_output()
{
	local pid=$1 file=$2 secs=$3 i
	shift 3
	for ((i = 0; i < secs * 20; i++)); do
		grep -q "$@" "$file" 2>/dev/null && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "$@" "$file" 2>/dev/null
}

# make_group NAME: create a group, deleted at exit; its gid goes in
# MADE_GID.  (Not in a $(...) subshell: the group must be remembered.)
make_group()
{
	MADE_GID=
	groupadd "$1" || return 1
	LIB_GROUPS+=("$1")
	MADE_GID=$(getent group "$1" | cut -d: -f3)
	[ -n "$MADE_GID" ]
}

# make_user NAME UID GROUP: a user without home directory, deleted at exit.
make_user()
{
	useradd -M -N -s /usr/sbin/nologin -u "$2" -g "$3" "$1" || return 1
	LIB_USERS+=("$1")
}

# ---------------------------------------------------------------- topology

# in_ns NS CMD...: run CMD in the network namespace NS.
in_ns()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

lib_netns_add()
{
	ip netns add "$1" || return 1
	LIB_NETNS+=("$1")
	ip -n "$1" link set lo up
	# Fresh namespaces: no DAD delay on the links made below.
	in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# lib_do CMD...: run CMD; on failure remember it in LIB_DO_ERR.
lib_do()
{
	"$@" || { LIB_DO_ERR+="failed: $*"$'\n'; return 1; }
}

topo_setup()
{
	local ns
	lib_netns_add "$NS_S" && lib_netns_add "$NS_R" && lib_netns_add "$NS_D" || return 1

	# Every step must work (lib_do notes a failure and goes on; the
	# namespaces are already registered for cleanup).
	LIB_DO_ERR=

	# Fixed MAC addresses and permanent neighbour entries: no ARP or
	# neighbour discovery delays or noise in the captures.
	lib_do ip -n "$NS_S" link add "$S_IF" address "$S_MAC" type veth \
		peer name "$R_IF_S" address "$R_MAC_S" netns "$NS_R"
	lib_do ip -n "$NS_R" link add "$R_IF_D" address "$R_MAC_D" type veth \
		peer name "$D_IF" address "$D_MAC" netns "$NS_D"

	# R forwards; no ICMP error of R (time exceeded) or D (port
	# unreachable) may be swallowed by rate limiting.
	lib_do in_ns "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	for ns in "$NS_R" "$NS_D"; do
		lib_do in_ns "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
	done

	lib_do ip -n "$NS_S" addr add "$S_ADDR4/24" dev "$S_IF"
	lib_do ip -n "$NS_S" addr add "$S_ADDR6/64" dev "$S_IF" nodad
	lib_do ip -n "$NS_R" addr add "$R_ADDR4_S/24" dev "$R_IF_S"
	lib_do ip -n "$NS_R" addr add "$R_ADDR6_S/64" dev "$R_IF_S" nodad
	lib_do ip -n "$NS_R" addr add "$R_ADDR4_D/24" dev "$R_IF_D"
	lib_do ip -n "$NS_R" addr add "$R_ADDR6_D/64" dev "$R_IF_D" nodad
	lib_do ip -n "$NS_D" addr add "$D_ADDR4/24" dev "$D_IF"
	lib_do ip -n "$NS_D" addr add "$D_ADDR6/64" dev "$D_IF" nodad

	lib_do tx_csum_off "$NS_S" "$S_IF"
	lib_do ip -n "$NS_S" link set "$S_IF" up
	lib_do ip -n "$NS_R" link set "$R_IF_S" up
	lib_do ip -n "$NS_R" link set "$R_IF_D" up
	lib_do ip -n "$NS_D" link set "$D_IF" up

	lib_do ip -n "$NS_S" neigh add "$R_ADDR4_S" lladdr "$R_MAC_S" dev "$S_IF" nud permanent
	lib_do ip -n "$NS_S" neigh add "$R_ADDR6_S" lladdr "$R_MAC_S" dev "$S_IF" nud permanent
	lib_do ip -n "$NS_R" neigh add "$S_ADDR4" lladdr "$S_MAC" dev "$R_IF_S" nud permanent
	lib_do ip -n "$NS_R" neigh add "$S_ADDR6" lladdr "$S_MAC" dev "$R_IF_S" nud permanent
	lib_do ip -n "$NS_R" neigh add "$D_ADDR4" lladdr "$D_MAC" dev "$R_IF_D" nud permanent
	lib_do ip -n "$NS_R" neigh add "$D_ADDR6" lladdr "$D_MAC" dev "$R_IF_D" nud permanent
	lib_do ip -n "$NS_D" neigh add "$R_ADDR4_D" lladdr "$R_MAC_D" dev "$D_IF" nud permanent
	lib_do ip -n "$NS_D" neigh add "$R_ADDR6_D" lladdr "$R_MAC_D" dev "$D_IF" nud permanent

	lib_do ip -n "$NS_S" route add default via "$R_ADDR4_S"
	lib_do ip -n "$NS_S" -6 route add default via "$R_ADDR6_S"
	lib_do ip -n "$NS_D" route add default via "$R_ADDR4_D"
	lib_do ip -n "$NS_D" -6 route add default via "$R_ADDR6_D"
	[ -z "$LIB_DO_ERR" ] || { diag "topology setup failed:" "${LIB_DO_ERR%$'\n'}"; return 1; }
}

# tx_csum_off NS IFACE: turn transmit checksum offload off (the legacy
# ETHTOOL_STXCSUM ioctl, so no ethtool binary is needed).  With offload on,
# a veth passes UDP datagrams on with only the pseudo-header sum in the
# checksum field and a capture shows it as bad; with it off the kernel
# completes the checksum after tc egress, as a NIC would, and tshark can
# verify it.
tx_csum_off()
{
	in_ns "$1" python3 - "$2" <<'EOF'
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17
val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val)).ljust(40, b"\0")
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
EOF
}

# ---------------------------------------------------------------- pmarkctl

# pmctl ARGS...: pmarkctl on the private pin root (no namespace needed).
pmctl()
{
	"$PMARKCTL" --pin-root "$PIN" "$@"
}

# pmctl_ns NS ARGS...: pmarkctl inside network namespace NS.
pmctl_ns()
{
	local ns=$1
	shift
	in_ns "$ns" "$PMARKCTL" --pin-root "$PIN" "$@"
}

# topo_marked PORT...: topo_setup, then pmarkctl attached to S's interface
# with the source ports registered (two test points); exits on a failed setup.
topo_marked()
{
	topo_setup || { tap_fail "topology"; exit; }
	check "attach to $S_IF in S" pmctl_ns "$NS_S" attach "$S_IF"
	check "register UDP port(s) $*" pmctl ports add "$@"
}

# stats_save: remember the counters; stat_delta NAME: growth since then.
stats_save()
{
	pmctl --json stats >"$LIB_TMP/stats.base.json"
}

# stat_value FILE NAME: the counter NAME in a `pmarkctl --json stats` file
# (searched at any depth; a list of per-CPU values is summed).
stat_value()
{
	python3 - "$1" "$2" <<'EOF'
import json, sys
def find(o, k):
    if isinstance(o, dict):
        if k in o:
            v = o[k]
            if isinstance(v, list):
                return sum(v)
            if isinstance(v, dict):
                for kk in ("total", "value", "sum"):
                    if kk in v:
                        return v[kk]
            return v
        for v in o.values():
            r = find(v, k)
            if r is not None:
                return r
    elif isinstance(o, list):
        for v in o:
            r = find(v, k)
            if r is not None:
                return r
    return None
with open(sys.argv[1]) as f:
    r = find(json.load(f), sys.argv[2])
print("missing" if r is None else int(r))
EOF
}

stat_delta()
{
	local now base
	pmctl --json stats >"$LIB_TMP/stats.now.json" || { echo error; return 1; }
	now=$(stat_value "$LIB_TMP/stats.now.json" "$1")
	base=0
	[ -s "$LIB_TMP/stats.base.json" ] && base=$(stat_value "$LIB_TMP/stats.base.json" "$1")
	if [ "$now" = missing ] || [ "$base" = missing ]; then
		echo missing
	else
		echo $((now - base))
	fi
}

# ---------------------------------------------------------------- capture

# cap_start NAME NS IFACE FILTER [TCPDUMP_OPTION...]: tcpdump into
# $LIB_TMP/NAME.pcap; returns once tcpdump says it is listening (filter
# installed, file open).  An empty FILTER captures everything.  The options
# replace the default snapshot length, buffer and delivery mode (-s 2048
# -B 65536 -U --immediate-mode).
cap_start()
{
	local name=$1 ns=$2 ifc=$3 filter=$4 f log pid i opts=(-s 2048 -B 65536 -U --immediate-mode)
	shift 4
	[ $# -gt 0 ] && opts=("$@")
	f=$LIB_TMP/$name.pcap
	log=$LIB_TMP/$name.tcpdump.log
	rm -f "$f" "$log"
	# Not through a shell function: $! must be tcpdump itself (ip netns
	# exec execs it).  A background job of a script ignores SIGINT, so it
	# is stopped with SIGTERM, on which tcpdump also flushes and closes.
	ip netns exec "$ns" tcpdump -i "$ifc" -n "${opts[@]}" -Z root -w "$f" \
		${filter:+"$filter"} >"$log" 2>&1 &
	pid=$!
	track_pid "$pid"
	CAP_PID[$name]=$pid
	CAP_FILE[$name]=$f
	for ((i = 0; i < 100; i++)); do
		if grep -q "listening on" "$log" 2>/dev/null && [ -s "$f" ]; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			diag "tcpdump on $ns/$ifc died: $(cat "$log")"
			return 1
		fi
		sleep 0.05
	done
	diag "tcpdump on $ns/$ifc did not start: $(cat "$log")"
	return 1
}

# cap_drops NAME: packets the kernel dropped for tcpdump (its exit summary,
# so after cap_stop); "unknown" if it printed none.
cap_drops()
{
	sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$LIB_TMP/$1.tcpdump.log" |
		tail -1 | grep . || echo unknown
}

# cap_count NAME: packets in the capture so far.
cap_count()
{
	tcpdump -r "${CAP_FILE[$1]}" -n 2>/dev/null | wc -l
}

# cap_stop NAME [MIN_PACKETS]: wait for at least MIN_PACKETS (up to 3 s)
# or, without MIN_PACKETS, for the file to stop growing; then stop tcpdump
# (SIGTERM: it flushes and closes the file) and reap it.
cap_stop()
{
	local name=$1 min=${2:-} pid=${CAP_PID[$1]} f=${CAP_FILE[$1]} i size prev=-1
	if [ -n "$min" ]; then
		for ((i = 0; i < 60; i++)); do
			[ "$(cap_count "$name")" -ge "$min" ] && break
			sleep 0.05
		done
	fi
	sleep 0.1
	for ((i = 0; i < 20; i++)); do
		size=$(stat -c %s "$f" 2>/dev/null || echo 0)
		[ "$size" = "$prev" ] && break
		prev=$size
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
	return 0
}

# tshark with the preferences every test wants: absolute TSNs, CRC32c
# checked, UDP and IPv4 header checksums checked, SCTP on $SCTP_PORTS.
# Extra tshark options go in TSHARK_EXTRA (array), e.g. -o ip.defragment:FALSE.
TSHARK_EXTRA=()
lib_tshark()
{
	local args=(-n -o sctp.relative_tsns:FALSE -o "sctp.checksum:CRC 32c"
		-o udp.check_checksum:TRUE -o ip.check_checksum:TRUE) p err rc
	for p in "${SCTP_PORTS[@]}"; do
		args+=(-d "udp.port==$p,sctp")
	done
	err=$LIB_TMP/tshark.err
	tshark "${args[@]}" "${TSHARK_EXTRA[@]}" "$@" 2>"$err"
	rc=$?
	grep -v -e 'Running as user "root"' "$err" >&2
	return $rc
}

# pkt_fields PCAP FILTER FIELD...: one CSV line per packet matching the
# display filter FILTER; several occurrences of a field (an ICMP error's
# outer and quoted headers) are joined with '|'.  Hex numbers are printed
# in decimal and booleans as 1/0, so tests compare plain numbers.
pkt_fields()
{
	local pcap=$1 filter=$2 f args=()
	shift 2
	for f in "$@"; do
		args+=(-e "$f")
	done
	lib_tshark -r "$pcap" -Y "$filter" -T fields -E separator=, -E aggregator="|" \
		"${args[@]}" | python3 -c '
import re, sys
def norm(t):
    if re.fullmatch(r"0x[0-9a-fA-F]+", t):
        return str(int(t, 16))
    return {"True": "1", "False": "0"}.get(t, t)
for line in sys.stdin:
    line = line.rstrip("\n")
    print(",".join("|".join(norm(t) for t in c.split("|")) for c in line.split(",")))
'
}

# row_for ROWS KEY: the rows (from pkt_fields) whose first field is KEY,
# joined with ';' in capture order.
row_for()
{
	awk -F, -v k="$2" '$1 == k { printf "%s%s", sep, $0; sep = ";" }' <<<"$1"
}

# ---------------------------------------------------------------- sending

SEND_ERRORS=0

# send_s ARGS...: run the test sender in S (its socket lines discarded);
# a failure is counted in SEND_ERRORS and shown as a diagnostic.
send_s()
{
	local out
	if ! out=$(in_ns "$NS_S" "$SENDER" "$@" 2>&1 >/dev/null); then
		SEND_ERRORS=$((SEND_ERRORS + 1))
		diag "sender failed: $SENDER $*" ${out:+"$out"}
		return 1
	fi
}
