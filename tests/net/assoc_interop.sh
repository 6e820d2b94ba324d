#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Interoperability: our endpoint (libpmark: usrsctp in AF_CONN mode, our own
# UDP encapsulation) exchanges messages both ways with build/tests/usrsctp_peer,
# a program on usrsctp's native socket API and usrsctp's own SCTP-over-UDP
# encapsulation (RFC 6951; see interop_selfcheck.sh, which vouches for it).
# Over the S - R - D topology of lib.sh, for IPv4 and for IPv6:
#
#  (a) usrsctp_peer server in D (UDP port 9899, SCTP port 5000) echoes;
#      pmark-send in S (UDP port 5601, registered, SCTP port 5000) sends
#      4 threads x 25 messages of 2000 bytes (two DATA chunks each) with
#      per-thread TTL/hop limit and DSCP.  pmark-send completes (all acked,
#      every echo it read intact), the peer's summary shows all 100
#      received and echoed, and check_marks.py finds every DATA datagram
#      from pmark-send marked as its chunks' PPID asks.
#  (b) pmark-sink --echo in D (UDP port 5003); usrsctp_peer client in S
#      (UDP port 9900) sends 100 messages of 1500 bytes on stream 2 with
#      PPID 77 and verifies the 100 echoes (exit 0, "client: sent 100,
#      echoed 100 intact, 0 corrupt"); the sink's report agrees.
#
# For every exchange the capture in R (both directions; UDP checksums are
# completed in S and in D, see tx_csum_off) decoded by tshark with
# `-d udp.port==P,sctp -o "sctp.checksum:CRC 32c"` must show: every SCTP
# packet with a correct CRC32c and UDP checksum, both directions; the
# handshake (INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK), DATA and SACK, a
# graceful SHUTDOWN and no ABORT; DATA chunks both ways carrying every
# payload byte sent (unique TSNs) and, back, the same bytes, streams and
# PPIDs.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

PEER=${USRSCTP_PEER:-$TOP_DIR/build/tests/usrsctp_peer}
P_SEND=5601          # pmark-send's UDP port in S (registered)
P_PEER_SRV=9899      # usrsctp_peer server's UDP encapsulation port in D
P_PEER_CLI=9900      # usrsctp_peer client's UDP encapsulation port in S
P_SINK=5003          # pmark-sink's UDP port in D
A_THR=4
A_COUNT=25
A_SIZE=2000
B_COUNT=100
B_SIZE=1500
B_STREAM=2
B_PPID=77

require_wire
require_assoc_tools
[ -x "$PEER" ] || skip_all "$PEER not built (run make)"
tap_plan 33

topo_marked "$P_SEND"
check "complete UDP checksums on $D_IF in D too" tx_csum_off "$NS_D" "$D_IF"
SCTP_PORTS=("$P_SEND" "$P_PEER_SRV" "$P_PEER_CLI" "$P_SINK")

# ---------------------------------------------------------------- helpers

# server_start NAME ARGS...: usrsctp_peer server in D; returns once it
# printed "ready".  SRV_PID, output in $LIB_TMP/NAME.out/.err.
server_start()
{
	local name=$1
	shift
	SRV_OUT=$LIB_TMP/$name.out
	SRV_ERR=$LIB_TMP/$name.err
	# --timeout bounds the server's whole life (its watchdog); on a loaded
	# machine one run took longer than 15 s to free a cleanly shut down
	# association.
	ip netns exec "$NS_D" "$PEER" server --udp-port "$P_PEER_SRV" --sctp-port 5000 \
		--timeout 30 "$@" >"$SRV_OUT" 2>"$SRV_ERR" &
	SRV_PID=$!
	track_pid "$SRV_PID"
	wait_output "$SRV_PID" "$SRV_OUT" 5 -x ready && return 0
	diag "usrsctp_peer server did not get ready: $(cat "$SRV_ERR")"
	return 1
}

# server_wait SECONDS: reap the server (SIGTERM after SECONDS); SRV_RC.
server_wait()
{
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
	SRV_RC=$?
	forget_pid "$SRV_PID"
}

# wire_summary PCAP: what tshark sees of the SCTP packets, as lines
#   pair SRC>DST packets=N bad_crc=N bad_udp=N
#   data SRC>DST chunks=N tsns=N bytes=N sid=... ppid=...
#   types T,T,...
wire_summary()
{
	lib_tshark -r "$1" -Y sctp -T fields -E separator=, -E aggregator='|' \
		-e udp.srcport -e udp.dstport -e sctp.checksum.status -e udp.checksum.status \
		-e sctp.chunk_type -e sctp.chunk_length -e sctp.data_tsn_raw -e sctp.data_sid \
		-e sctp.data_payload_proto_id | python3 -c '
import sys
pairs, data, types = {}, {}, set()
for line in sys.stdin:
    f = line.rstrip("\n").split(",")
    if len(f) < 9:
        continue
    sp, dp, crc, udp, ct, cl, tsn, sid, ppid = f[:9]
    pair = sp + ">" + dp
    p = pairs.setdefault(pair, [0, 0, 0])
    p[0] += 1
    p[1] += crc != "1"
    p[2] += udp != "1"
    cts = [int(x, 0) for x in ct.split("|") if x]
    cls = [int(x, 0) for x in cl.split("|") if x]
    types.update(cts)
    dlen = [l - 16 for t, l in zip(cts, cls) if t == 0]
    tsns = tsn.split("|") if tsn else []
    sids = sid.split("|") if sid else []
    ppids = ppid.split("|") if ppid else []
    d = data.setdefault(pair, {"chunks": 0, "tsn": {}, "sid": set(), "ppid": set()})
    for i, t in enumerate(tsns):
        d["chunks"] += 1
        d["tsn"][t] = dlen[i] if i < len(dlen) else -1
        d["sid"].add(int(sids[i], 0))
        d["ppid"].add(int(ppids[i], 0))
for pair, p in sorted(pairs.items()):
    print("pair %s packets=%d bad_crc=%d bad_udp=%d" % (pair, p[0], p[1], p[2]))
for pair, d in sorted(data.items()):
    if d["chunks"]:
        print("data %s chunks=%d tsns=%d bytes=%d sid=%s ppid=%s" % (pair, d["chunks"],
              len(d["tsn"]), sum(d["tsn"].values()), ",".join(map(str, sorted(d["sid"]))),
              ",".join(map(str, sorted(d["ppid"])))))
print("types %s" % ",".join(map(str, sorted(types))))
'
}

# data_of SUMMARY SRC DST FIELD: one field of a "data SRC>DST" line.
data_of()
{
	sed -n "s/^data $2>$3 .*\b$4=\([^ ]*\).*/\1/p" <<<"$1"
}

# wire_checks NAME SUMMARY PORT_S PORT_D BYTES: the three capture points
# common to (a) and (b), S's port PORT_S and D's port PORT_D; SUMMARY is
# wire_summary's output after a line "dropped N" (tcpdump's drops).
wire_checks()
{
	local name=$1 sum=$2 ps=$3 pd=$4 bytes=$5 pairs bad types
	pairs=$(sed -n 's/^pair \([^ ]*\) .*/\1/p' <<<"$sum" | paste -sd ' ')
	bad=$(sed -n 's/^pair [^ ]* packets=[0-9]* bad_crc=\([0-9]*\) bad_udp=\([0-9]*\)$/\1+\2/p' <<<"$sum" | paste -sd ' ')
	if [ "$(sed -n 's/^dropped //p' <<<"$sum")" != 0 ]; then
		tap_fail "$name: complete capture (tcpdump dropped none)" "$sum"
	elif [ "$pairs" = "$ps>$pd $pd>$ps" ] || [ "$pairs" = "$pd>$ps $ps>$pd" ]; then
		is "$bad" "0+0 0+0" \
			"$name: CRC32c and UDP checksum correct on every SCTP packet, both directions ($(sed -n 's/^pair \([^ ]*\) packets=\([0-9]*\).*/\1: \2/p' <<<"$sum" | paste -sd ' '))"
	else
		tap_fail "$name: SCTP packets between UDP $ps and $pd only, both directions" "$sum"
	fi
	types=$(sed -n 's/^types //p' <<<"$sum")
	if python3 -c 'import sys; s = set(map(int, sys.argv[1].split(","))); sys.exit(0 if {0, 1, 2, 3, 7, 8, 10, 11, 14} <= s and 6 not in s else 1)' "$types" 2>/dev/null; then
		tap_ok "$name: INIT/INIT-ACK/COOKIE-ECHO/COOKIE-ACK, DATA/SACK and SHUTDOWN/-ACK/-COMPLETE on the wire, no ABORT (chunk types $types)"
	else
		tap_fail "$name: handshake, DATA/SACK and graceful shutdown on the wire, no ABORT" \
			"chunk types seen: $types"
	fi
	local fwd bwd
	fwd="bytes=$(data_of "$sum" "$ps" "$pd" bytes) sid=$(data_of "$sum" "$ps" "$pd" sid) ppid=$(data_of "$sum" "$ps" "$pd" ppid)"
	bwd="bytes=$(data_of "$sum" "$pd" "$ps" bytes) sid=$(data_of "$sum" "$pd" "$ps" sid) ppid=$(data_of "$sum" "$pd" "$ps" ppid)"
	if [[ "$fwd" == "bytes=$bytes "* ]] && [ "$fwd" = "$bwd" ]; then
		tap_ok "$name: DATA chunks both ways: $bytes payload bytes S->D (unique TSNs), the same bytes, streams and PPIDs D->S"
	else
		tap_fail "$name: DATA chunks both ways, $bytes payload bytes each way, same streams and PPIDs" \
			"S->D: $fwd" "D->S: $bwd"
	fi
}

# ---------------------------------------------------------------- (a)

# run_a FAM LOCAL REMOTE: pmark-send -> usrsctp_peer server, 8 points.
run_a()
{
	local fam=$1 loc=$2 rem=$3 name="a-$1" n=$((A_THR * A_COUNT)) sargs=() rc got want sum

	[ "$fam" = ipv6 ] && sargs=(--v6)
	cap_up "$name" "$NS_R" "$R_IF_S" udp
	ok $? "$name: capture in R on $R_IF_S"
	server_start "$name.server" --count "$n" "${sargs[@]}"
	ok $? "$name: usrsctp_peer server in D ready (UDP $P_PEER_SRV, SCTP 5000${sargs:+, --v6})" \
		"$(cat "$SRV_ERR")"

	send_run "$name.send" "$NS_S" --pin-root "$PIN" --bind "$loc:$P_SEND" --threads "$A_THR" \
		--count "$A_COUNT" --size "$A_SIZE" --per-thread-options --ttl 20 --dscp 12 \
		--json "$rem:$P_PEER_SRV"
	rc=$?
	got=$(python3 - "$LIB_TMP/$name.send.out" <<'EOF'
import json, sys
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
    r = o["received"]
    print("messages=%s all_acked=%s error=%s mode=%s" % (o["messages"], o["all_acked"],
                                                          o["error"], o["mode"]))
    print("echoes read %d, %d intact, %d corrupt, %d unverifiable" %
          (r["messages"], r["intact"], r["corrupt"], r["unverifiable"]))
except (ValueError, IndexError, KeyError) as e:
    print("no report (%s)" % e)
EOF
)
	want="messages=$n all_acked=True error=None mode=maps"
	local echoes rd
	echoes=$(sed -n 2p <<<"$got")
	rd=$(sed -n 's/^echoes read \([0-9]*\),.*/\1/p' <<<"$echoes")
	# pmark-send reads echoes while it sends but closes once everything it
	# sent is acked, so it may leave before all of them came back: those it
	# read must be intact; the peer's summary below counts them all.
	if [ "$rc" = 0 ] && [ "$(head -1 <<<"$got")" = "$want" ] &&
		[ "$echoes" = "echoes read $rd, $rd intact, 0 corrupt, 0 unverifiable" ]; then
		tap_ok "$name: pmark-send exit 0, $n messages sent, all acked, mode maps; $echoes"
	else
		tap_fail "$name: pmark-send exit 0, $n messages sent, all acked, every echo read intact" \
			"exit status $rc" "got:      $got" "expected: $want" \
			"stderr: $(cat "$LIB_TMP/$name.send.err")"
	fi

	server_wait 10
	want="server: received $n messages $((n * A_SIZE)) bytes, echoed $n"
	if [ "$SRV_RC" = 0 ] && grep -qxF "$want" "$SRV_OUT"; then
		tap_ok "$name: usrsctp_peer: '$want', exit 0 (graceful shutdown)"
	else
		tap_fail "$name: usrsctp_peer: '$want', exit 0" "exit status $SRV_RC" \
			"stdout: $(cat "$SRV_OUT")" "stderr: $(cat "$SRV_ERR")"
	fi

	cap_down "$name"
	sum="dropped $(cap_drops "$name")"$'\n'$(wire_summary "${CAP_FILE[$name]}")
	diag "$name capture:" "$sum"
	wire_checks "$name" "$sum" "$P_SEND" "$P_PEER_SRV" $((n * A_SIZE))

	local v6=()
	[ "$fam" = ipv6 ] && v6=(--v6)
	MK_data='' MK_ok='' MK_marked='' MK_mixed='' MK_unmarked='' MK_mislabeled='' MK_frag_bad='' MK_retx=''
	if marks_check "${CAP_FILE[$name]}" "$P_SEND" --decode "$P_PEER_SRV" "${v6[@]}"; then
		diag "$name marks: $MK_LINE"
		if [ "$MK_data" -gt 0 ] && [ "$MK_ok" = "$MK_data" ] && [ "$MK_marked" = "$MK_data" ] &&
			[ "$MK_mixed$MK_unmarked$MK_mislabeled$MK_frag_bad" = 0000 ]; then
			tap_ok "$name: all $MK_data DATA datagrams from pmark-send ($MK_retx retransmissions) carry their messages' options, 0 mixed/unmarked/mislabeled"
		else
			tap_fail "$name: every DATA datagram from pmark-send carries its messages' options" \
				"$MK_LINE"
		fi
	else
		tap_fail "$name: check_marks ran"
	fi
}

# ---------------------------------------------------------------- (b)

# run_b FAM LOCAL_SINK REMOTE: usrsctp_peer client -> pmark-sink --echo, 7 points.
run_b()
{
	local fam=$1 lsink=$2 rem=$3 name="b-$1" out rc want sink st

	cap_up "$name" "$NS_R" "$R_IF_S" udp
	ok $? "$name: capture in R on $R_IF_S"
	sink_start "$name.sink" "$NS_D" --echo --once --json "$lsink:$P_SINK"
	ok $? "$name: pmark-sink --echo listening in D on $lsink:$P_SINK"

	out=$(ip netns exec "$NS_S" "$PEER" client --udp-port "$P_PEER_CLI" --remote "$rem" \
		--remote-udp-port "$P_SINK" --sctp-port 5000 --count "$B_COUNT" --size "$B_SIZE" \
		--stream "$B_STREAM" --ppid "$B_PPID" --timeout 15 2>"$LIB_TMP/$name.client.err")
	rc=$?
	want="client: sent $B_COUNT, echoed $B_COUNT intact, 0 corrupt"
	if [ "$rc" = 0 ] && grep -qxF "$want" <<<"$out"; then
		tap_ok "$name: usrsctp_peer client: '$want', exit 0"
	else
		tap_fail "$name: usrsctp_peer client: '$want', exit 0" "exit status $rc" \
			"stdout: $out" "stderr: $(cat "$LIB_TMP/$name.client.err")"
	fi

	sink_wait "$name.sink" 10
	st=$?
	# The client's messages are not PMK1 messages: the sink counts them
	# corrupt (it verifies the PMK1 format) and echoes them all the same.
	sink=$(python3 - "$LIB_TMP/$name.sink.out" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") == "association":
        print("messages=%d bytes=%d echoed=%d echo_errors=%d end=%s" %
              (o["messages"], o["bytes"], o["echoed"], o["echo_errors"], o["end"]))
EOF
)
	want="messages=$B_COUNT bytes=$((B_COUNT * B_SIZE)) echoed=$B_COUNT echo_errors=0 end=closed"
	if [ "$st" = 0 ] && [ "$sink" = "$want" ]; then
		tap_ok "$name: pmark-sink: one association, $B_COUNT messages received and echoed, closed gracefully, exit 0"
	else
		tap_fail "$name: pmark-sink: one association, $B_COUNT messages received and echoed, exit 0" \
			"exit status $st" "got:      $sink" "expected: $want" \
			"stdout: $(cat "$LIB_TMP/$name.sink.out")" "stderr: $(cat "$LIB_TMP/$name.sink.err")"
	fi

	cap_down "$name"
	sum="dropped $(cap_drops "$name")"$'\n'$(wire_summary "${CAP_FILE[$name]}")
	diag "$name capture:" "$sum"
	wire_checks "$name" "$sum" "$P_PEER_CLI" "$P_SINK" $((B_COUNT * B_SIZE))
}

# ---------------------------------------------------------------- tests

run_a ipv4 "$S_ADDR4" "$D_ADDR4"
run_b ipv4 "$D_ADDR4" "$D_ADDR4"
run_a ipv6 "[$S_ADDR6]" "[$D_ADDR6]"
run_b ipv6 "[$D_ADDR6]" "$D_ADDR6"
