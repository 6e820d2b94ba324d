#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Self-check of the interoperability peer build/tests/usrsctp_peer (usrsctp's
# native API with its own SCTP-over-UDP encapsulation, RFC 6951): before it
# is used to judge our endpoint, it must be shown to work against itself.
#
#     A (client) va0 ------------------- vb0 B (server)
#       10.72.1.1/24  fd72:1::1/64         10.72.1.2/24  fd72:1::2/64
#       UDP port 9900                      UDP port 9899, SCTP port 5000
#
# For IPv4 and for IPv6: the server in B echoes, the client in A sends N
# messages and verifies the echoes; tcpdump on va0 records the exchange and
# tshark (UDP ports 9899/9900 decoded as SCTP, CRC32c) must show only
# SCTP in UDP between the two encapsulation ports, every CRC32c and UDP
# checksum correct, the whole association (INIT ... SHUTDOWN-COMPLETE) and
# the DATA chunks both ways, with the stream, PPID, unordered bit and byte
# count the client sent.  Then two error paths of the client: an ABORT
# (no listener on the SCTP port) and an unanswered INIT (--timeout).
#
# Exit 4 (skip) only when a prerequisite is missing and CI is not set.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PEER=${USRSCTP_PEER:-$TOP_DIR/build/tests/usrsctp_peer}

NS_A=pmicA-$$
NS_B=pmicB-$$
A_IF=va0
B_IF=vb0
A_ADDR4=10.72.1.1
B_ADDR4=10.72.1.2
A_ADDR6=fd72:1::1
B_ADDR6=fd72:1::2
A_MAC=02:72:01:00:00:01
B_MAC=02:72:01:00:00:02
A_UDP=9900
B_UDP=9899
SCTP_PORT=5000
COUNT=20
SCTP_PORTS=("$A_UDP" "$B_UDP")

# A missing prerequisite: a skip, but a failure under CI.
missing()
{
	if [ -n "${CI:-}" ] && [ "$CI" != false ] && [ "$CI" != 0 ]; then
		tap_plan 1
		tap_fail "prerequisite: $*" "CI is set: a missing prerequisite is a failure"
		exit $KSFT_FAIL
	fi
	skip_all "$*"
}

[ "$(id -u)" = 0 ] || missing "must run as root"
for c in ip tcpdump tshark python3 mktemp; do
	command -v "$c" >/dev/null 2>&1 || missing "command '$c' not found"
done
[ -x "$PEER" ] || missing "$PEER not built (run make)"
ip netns add "pmicprobe-$$" 2>/dev/null || missing "cannot create network namespaces"
ip netns del "pmicprobe-$$"
lib_tmp >/dev/null
T=$LIB_TMP

tap_plan 21

# ---------------------------------------------------------------- topology

topo()
{
	LIB_DO_ERR=
	lib_netns_add "$NS_A" && lib_netns_add "$NS_B" || return 1
	lib_do ip -n "$NS_A" link add "$A_IF" address "$A_MAC" type veth \
		peer name "$B_IF" address "$B_MAC" netns "$NS_B"
	lib_do ip -n "$NS_A" addr add "$A_ADDR4/24" dev "$A_IF"
	lib_do ip -n "$NS_A" addr add "$A_ADDR6/64" dev "$A_IF" nodad
	lib_do ip -n "$NS_B" addr add "$B_ADDR4/24" dev "$B_IF"
	lib_do ip -n "$NS_B" addr add "$B_ADDR6/64" dev "$B_IF" nodad
	# Complete UDP checksums on the wire (see tx_csum_off), both ways.
	lib_do tx_csum_off "$NS_A" "$A_IF"
	lib_do tx_csum_off "$NS_B" "$B_IF"
	lib_do ip -n "$NS_A" link set "$A_IF" up
	lib_do ip -n "$NS_B" link set "$B_IF" up
	lib_do ip -n "$NS_A" neigh add "$B_ADDR4" lladdr "$B_MAC" dev "$A_IF" nud permanent
	lib_do ip -n "$NS_A" neigh add "$B_ADDR6" lladdr "$B_MAC" dev "$A_IF" nud permanent
	lib_do ip -n "$NS_B" neigh add "$A_ADDR4" lladdr "$A_MAC" dev "$B_IF" nud permanent
	lib_do ip -n "$NS_B" neigh add "$A_ADDR6" lladdr "$A_MAC" dev "$B_IF" nud permanent
	[ -z "$LIB_DO_ERR" ] || { diag "topology setup failed:" "${LIB_DO_ERR%$'\n'}"; return 1; }
}

# ---------------------------------------------------------------- peers

SRV_PID=

# server_start NAME ARGS...: the server in B, stdout/stderr in $T/NAME.*;
# returns once it printed "ready" (or failed to).
server_start()
{
	local name=$1
	shift
	SRV_OUT=$T/$name.out
	SRV_ERR=$T/$name.err
	# Not through a shell function: $! must be the peer (ip netns exec
	# execs it).
	# --timeout bounds the server's whole life (its watchdog); on a loaded
	# machine one run took longer than 15 s to free a cleanly shut down
	# association.
	ip netns exec "$NS_B" "$PEER" server --udp-port "$B_UDP" --sctp-port "$SCTP_PORT" \
		--timeout 30 "$@" >"$SRV_OUT" 2>"$SRV_ERR" &
	SRV_PID=$!
	track_pid "$SRV_PID"
	wait_output "$SRV_PID" "$SRV_OUT" 5 -x ready && return 0
	diag "server did not get ready: $(cat "$SRV_ERR")"
	return 1
}

# server_wait: reap the server (its watchdog bounds the wait); SRV_RC.
server_wait()
{
	wait "$SRV_PID"
	SRV_RC=$?
	forget_pid "$SRV_PID"
}

# client ARGS...: the client in A; CLI_RC, CLI_OUT (stdout), CLI_ERR.
client()
{
	CLI_OUT=$(ip netns exec "$NS_A" "$PEER" client --udp-port "$A_UDP" \
		--remote-udp-port "$B_UDP" "$@" 2>"$T/client.err")
	CLI_RC=$?
	CLI_ERR=$(cat "$T/client.err")
}

# ---------------------------------------------------------------- capture

# ---------------------------------------------------------------- analysis

# wire_summary PCAP: what tshark sees, as key=value lines (see below).
wire_summary()
{
	local pcap=$1
	{
		echo "RAW $(lib_tshark -r "$pcap" -Y "ip.proto == 132 || ipv6.nxt == 132" | wc -l)"
		echo "ICMP $(lib_tshark -r "$pcap" -Y "icmp.type == 3 || icmpv6.type == 1" | wc -l)"
		lib_tshark -r "$pcap" -Y sctp -T fields -E separator=, -E aggregator='|' \
			-e udp.srcport -e udp.dstport -e sctp.checksum.status -e udp.checksum.status \
			-e sctp.chunk_type -e sctp.chunk_length -e sctp.data_tsn_raw -e sctp.data_sid \
			-e sctp.data_payload_proto_id -e sctp.data_u_bit
	} | python3 -c '
import sys
raw = icmp = 0
pkts = 0
bad_crc = bad_udp = 0
pairs = {}
types = set()
dirs = {}
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("RAW "):
        raw = int(line[4:])
        continue
    if line.startswith("ICMP "):
        icmp = int(line[5:])
        continue
    f = line.split(",")
    if len(f) < 10:
        continue
    sp, dp, crc, udpck, ct, cl, tsn, sid, ppid, ub = f[:10]
    pkts += 1
    pair = sp + ">" + dp
    pairs[pair] = pairs.get(pair, 0) + 1
    if crc != "1":
        bad_crc += 1
    if udpck != "1":
        bad_udp += 1
    cts = [int(x, 0) for x in ct.split("|") if x]
    cls = [int(x, 0) for x in cl.split("|") if x]
    types.update(cts)
    dlen = [l - 16 for t, l in zip(cts, cls) if t == 0]
    tsns = tsn.split("|") if tsn else []
    sids = sid.split("|") if sid else []
    ppids = ppid.split("|") if ppid else []
    ubs = ub.split("|") if ub else []
    d = dirs.setdefault(pair, {"chunks": 0, "tsn": {}, "sid": set(), "ppid": set(), "u": set()})
    for i, t in enumerate(tsns):
        d["chunks"] += 1
        d["tsn"][t] = dlen[i] if i < len(dlen) else -1
        d["sid"].add(int(sids[i], 0))
        d["ppid"].add(int(ppids[i], 0))
        d["u"].add({"True": 1, "False": 0, "1": 1, "0": 0}.get(ubs[i], ubs[i]))
print("raw_sctp=%d" % raw)
print("icmp=%d" % icmp)
print("sctp_udp=%d" % pkts)
print("pairs=%s" % " ".join("%s:%d" % kv for kv in sorted(pairs.items())))
print("bad_crc=%d" % bad_crc)
print("bad_udp=%d" % bad_udp)
print("types=%s" % ",".join(str(t) for t in sorted(types)))
for pair, d in sorted(dirs.items()):
    print("data %s chunks=%d tsns=%d bytes=%d sid=%s ppid=%s u=%s" % (pair, d["chunks"],
          len(d["tsn"]), sum(d["tsn"].values()),
          ",".join(map(str, sorted(d["sid"]))), ",".join(map(str, sorted(d["ppid"]))),
          ",".join(map(str, sorted(d["u"])))))
'
}

# summary_get KEY: the value of KEY= in $SUMMARY.
summary_get()
{
	sed -n "s/^$1=//p" <<<"$SUMMARY"
}

# data_line FROM TO: the fields of the DATA summary FROM>TO (no "data X>Y").
data_line()
{
	sed -n "s/^data $1>$2 //p" <<<"$SUMMARY"
}

# ---------------------------------------------------------------- one run

# run_family NAME REMOTE SERVER_ARGS -- CLIENT_ARGS: 9 test points.
#   CLIENT_ARGS must give --size S --stream ID --ppid P; --unordered optional.
run_family()
{
	local name=$1 remote=$2 sargs=() cargs=() size stream ppid u=0 want ch
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	shift
	cargs=("$@")
	size=$(sed -n 's/.*--size \([0-9]*\).*/\1/p' <<<"${cargs[*]}")
	stream=$(sed -n 's/.*--stream \([0-9]*\).*/\1/p' <<<"${cargs[*]}")
	ppid=$(sed -n 's/.*--ppid \([0-9]*\).*/\1/p' <<<"${cargs[*]}")
	[[ " ${cargs[*]} " == *" --unordered "* ]] && u=1

	cap_start "$name" "$NS_A" "$A_IF" "" || tap_fail "$name: capture on $A_IF"
	if ! server_start "$name.server" --count "$COUNT" "${sargs[@]}"; then
		tap_fail "$name: server listening in B" "$(cat "$SRV_ERR")"
	else
		tap_ok "$name: server listening in B (UDP $B_UDP, SCTP $SCTP_PORT)"
	fi
	client --remote "$remote" --count "$COUNT" --timeout 15 "${cargs[@]}"
	want="client: sent $COUNT, echoed $COUNT intact, 0 corrupt"
	if [ "$CLI_RC" = 0 ] && grep -qxF "$want" <<<"$CLI_OUT"; then
		tap_ok "$name: $want"
	else
		tap_fail "$name: $want" "exit status $CLI_RC" "stdout: $CLI_OUT" \
			"stderr: $CLI_ERR"
	fi
	server_wait
	want="server: received $COUNT messages $((COUNT * size)) bytes, echoed $COUNT"
	if [ "$SRV_RC" = 0 ] && grep -qxF "$want" "$SRV_OUT"; then
		tap_ok "$name: $want"
	else
		tap_fail "$name: $want" "exit status $SRV_RC" "stdout: $(cat "$SRV_OUT")" \
			"stderr: $(cat "$SRV_ERR")"
	fi
	cap_stop "$name"

	SUMMARY="dropped=$(cap_drops "$name")"$'\n'$(wire_summary "${CAP_FILE[$name]}")
	diag "$name capture:" "$SUMMARY"

	# Only SCTP in UDP: no SCTP straight over IP, every SCTP packet between
	# the two encapsulation ports (and a full association's worth of them).
	if [ "$(summary_get dropped)" = 0 ] && [ "$(summary_get raw_sctp)" = 0 ] &&
		[ "$(summary_get sctp_udp)" -ge $((2 * COUNT)) ] &&
		[ "$(summary_get pairs | sed 's/:[0-9]*//g')" = "$(printf '%s\n' "$A_UDP>$B_UDP" "$B_UDP>$A_UDP" | LC_ALL=C sort | paste -sd ' ')" ]; then
		tap_ok "$name: $(summary_get sctp_udp) SCTP packets captured (none dropped), all in UDP $A_UDP<->$B_UDP, none over raw IP"
	else
		tap_fail "$name: SCTP packets captured (none dropped), all in UDP $A_UDP<->$B_UDP, none over raw IP" \
			"$SUMMARY"
	fi
	is "$(summary_get bad_crc),$(summary_get bad_udp)" "0,0" \
		"$name: CRC32c and UDP checksum correct on every packet"
	# INIT, INIT-ACK, SACK, COOKIE-ECHO, COOKIE-ACK, SHUTDOWN,
	# SHUTDOWN-ACK, SHUTDOWN-COMPLETE, DATA.
	ch=$(summary_get types)
	if python3 -c 'import sys; s=set(map(int, sys.argv[1].split(","))); sys.exit(0 if {0,1,2,3,7,8,10,11,14} <= s and not s & {6} else 1)' "$ch" 2>/dev/null; then
		tap_ok "$name: handshake, DATA/SACK and graceful shutdown on the wire, no ABORT (chunk types $ch)"
	else
		tap_fail "$name: handshake, DATA/SACK and graceful shutdown on the wire, no ABORT" \
			"chunk types seen: $ch"
	fi
	# Unique TSNs (a retransmission counts once): the payload bytes are
	# exactly what the client sent, and came back.
	want="bytes=$((COUNT * size)) sid=$stream ppid=$ppid u=$u"
	is "$(data_line "$A_UDP" "$B_UDP" | sed 's/^chunks=[0-9]* tsns=[0-9]* //')" "$want" \
		"$name: DATA A->B: $((COUNT * size)) payload bytes, stream $stream, PPID $ppid, U=$u"
	is "$(data_line "$B_UDP" "$A_UDP" | sed 's/^chunks=[0-9]* tsns=[0-9]* //')" "$want" \
		"$name: DATA B->A (echoes): same bytes, stream, PPID and U bit"
	is "$(summary_get icmp)" 0 "$name: no ICMP error (port unreachable) on the wire"
}

# ---------------------------------------------------------------- tests

topo || { tap_fail "topology"; exit; }
check "namespaces $NS_A and $NS_B joined by $A_IF/$B_IF" true

# IPv4: ordered, one DATA chunk per message.
run_family ipv4 "$B_ADDR4" -- --size 1000 --stream 0 --ppid 42

# IPv6 (server bound to in6addr_any): unordered on stream 3, 3000-byte
# messages, each fragmented into several DATA chunks.
run_family ipv6 "$B_ADDR6" --v6 -- --size 3000 --stream 3 --ppid 51 --unordered

# Error path: usrsctp answers an INIT for an SCTP port nobody listens on
# with an ABORT: "connection refused", at once.
if server_start refused --count 0; then
	client --remote "$B_ADDR4" --sctp-port $((SCTP_PORT + 1)) --timeout 10
	if [ "$CLI_RC" = 1 ] &&
		[ "$CLI_ERR" = "usrsctp_peer: connect $B_ADDR4:$((SCTP_PORT + 1)): connection refused" ]; then
		tap_ok "no listener: client exits 1, 'connect $B_ADDR4:$((SCTP_PORT + 1)): connection refused'"
	else
		tap_fail "no listener: client exits 1 with 'connection refused'" "exit status $CLI_RC" \
			"stderr: $CLI_ERR"
	fi
else
	tap_fail "no listener: server for the ABORT" "$(cat "$SRV_ERR")"
fi
kill "$SRV_PID" 2>/dev/null
server_wait

# Error path: nothing on the remote UDP port; the INIT goes unanswered
# (usrsctp ignores the ICMP port unreachable) until --timeout.
client --remote "$B_ADDR4" --remote-udp-port $((B_UDP + 2)) --timeout 2
if [ "$CLI_RC" = 1 ] && [[ "$CLI_ERR" == "usrsctp_peer: timeout after 2 s waiting for the association with $B_ADDR4:$SCTP_PORT to come up"* ]]; then
	tap_ok "unanswered INIT: client exits 1 after --timeout 2, saying what it waited for"
else
	tap_fail "unanswered INIT: client exits 1 after --timeout 2" "exit status $CLI_RC" \
		"stderr: $CLI_ERR"
fi
