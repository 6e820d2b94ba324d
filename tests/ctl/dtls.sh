#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Protected peers (SCTP inside DTLS) through pmarkctl, on a real device:
# `pmarkctl dtls add` registers a peer of a registered port and prints its
# tag, `pmarkctl set --tag T --record EPOCH:SEQ` writes records, and real
# datagrams carrying DTLS record headers, sent from the port, reach the
# receiver with the TTL / TOS of their record id, as tshark decodes them
# (IPv4 and IPv6).  Left alone: a record id with no record, a handshake
# record, a datagram to a peer not registered, a once record's second
# transmission, and a peer's datagrams after `dtls del`.  The ingress
# program keeps the record id an ICMP error quotes.  Errors, JSON, listing,
# and the pin removed by detach --all.
#
#   NA: vc0 10.78.0.1/24 fd78::1/64  <---->  NB: vc1 10.78.0.2/24 fd78::2/64
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require tcpdump tshark
NA=pmctl-dtA-$$
NB=pmctl-dtB-$$
make_ns "$NA"
make_ns "$NB"
make_veth "$NA" vc0 "$NB" vc1
ip -n "$NA" addr add 10.78.0.1/24 dev vc0
ip -n "$NB" addr add 10.78.0.2/24 dev vc1
ip -n "$NA" addr add fd78::1/64 dev vc0 nodad
ip -n "$NB" addr add fd78::2/64 dev vc1 nodad
use_pin_root "$PIN"

SPORT=41000       # the sender's registered port
DPORT=42000       # the protected peer's port (v4 and v6)
PLAIN=42001       # a peer of the same port, not registered as protected

# send_dtls SPEC...: from NA's port SPORT, one datagram per SPEC
# "FAMILY/DPORT/TYPE/EPOCH/SEQ": a DTLS 1.2 record header and 32 bytes
# standing for ciphertext, TTL 64 and TOS 0 as the socket sets them, in
# order, 20 ms apart (NB has no socket there: each draws an ICMP error).
send_dtls() {
	ip netns exec "$NA" "$PYTHON" -c '
import socket, struct, sys, time
socks = {}
for spec in sys.argv[2:]:
    fam, dport, ctype, epoch, seq = spec.split("/")
    if fam not in socks:
        af = socket.AF_INET if fam == "4" else socket.AF_INET6
        s = socket.socket(af, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == "4":
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 64)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0)
            s.bind(("10.78.0.1", int(sys.argv[1])))
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 64)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0)
            s.bind(("fd78::1", int(sys.argv[1])))
        socks[fam] = s
    seq = int(seq)
    body = bytes(range(0x40, 0x60))
    rec = struct.pack("!BHHHIH", int(ctype), 0xFEFD, int(epoch), seq >> 32, seq & 0xFFFFFFFF,
                      len(body)) + body
    socks[fam].sendto(rec, ("10.78.0.2" if fam == "4" else "fd78::2", int(dport)))
    time.sleep(0.02)
' "$SPORT" "$@"
}

# capture_start / capture_stop: tcpdump of the UDP datagrams arriving on NB's vc1.
CAP_PID=
capture_start() {
	local i
	rm -f "$TMP/cap.pcap" "$TMP/cap.log"
	ip netns exec "$NB" tcpdump -i vc1 -n -U --immediate-mode -s 256 -Z root -w "$TMP/cap.pcap" udp \
		>"$TMP/cap.log" 2>&1 &
	CAP_PID=$!
	on_exit "kill $CAP_PID"
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$TMP/cap.log" 2>/dev/null && [ -s "$TMP/cap.pcap" ] && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

capture_stop() {
	sleep 0.3
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# decoded: one line per captured datagram, as tshark reads it with the
# peer ports decoded as DTLS:
#   family dport ttl tos type epoch seq
decoded() {
	tshark -n -r "$TMP/cap.pcap" -d "udp.port==$DPORT,dtls" -d "udp.port==$PLAIN,dtls" \
		-T fields -E separator=' ' -e ip.version -e udp.dstport -e ip.ttl -e ip.dsfield \
		-e ipv6.hlim -e ipv6.tclass -e dtls.record.content_type -e dtls.record.epoch \
		-e dtls.record.sequence_number 2>"$TMP/tshark.err" | "$PYTHON" -c '
import sys
for line in sys.stdin:
    f = line.split()
    if len(f) == 7:     # IPv4: ip.version, port, ttl, dsfield, type, epoch, seq
        v, port, ttl, tos, t, e, s = f
    elif len(f) == 6:   # IPv6: no ip.* fields, hlim and tclass instead
        port, ttl, tos, t, e, s = f
        v = "6"
    else:
        print("undecoded", line.strip())
        continue
    print(v, port, ttl, int(tos, 0), t, e, s)'
}

# stats_json: the counters, in OUT as JSON.
stats_json() {
	run ctl --json stats
}

# ---- attach, port, peers ------------------------------------------------------
run ctl_in "$NA" attach vc0
expect "$(captured)" test "$RC" = 0
run ctl ports add "$SPORT"
expect "ports add: $(captured)" test "$RC" = 0
point "attach vc0, register port $SPORT"

run ctl dtls list
expect "$(captured)" test "$RC" = 0 -a -z "$OUT"
run ctl --json dtls list
expect "json: $(captured)" jtrue "d == []" <<<"$OUT"
point "dtls list of nothing: empty text, JSON []"

run ctl dtls add "$SPORT" "10.78.0.2:$DPORT"
TAG4=$OUT
expect "$(captured)" test "$RC" = 0 -a -z "$ERR"
expect "tag '$OUT'" eval '[[ "$OUT" =~ ^0x[0-9a-f]{8}$ ]]'
point "dtls add $SPORT 10.78.0.2:$DPORT prints the peer's tag ($TAG4)"
run ctl dtls add "$SPORT" "10.78.0.2:$DPORT"
expect "$(captured), first $TAG4" test "$RC" = 0 -a "$OUT" = "$TAG4"
point "adding the same peer again gives the same tag"
run ctl --json dtls add "$SPORT" "[fd78::2]:$DPORT"
TAG6=$(jval '"0x%08x" % d["tag"]' <<<"$OUT")
RING6=$(jval 'd["ring"]' <<<"$OUT")
expect "$(captured)" jtrue "d['port'] == $SPORT and d['remote'] == '[fd78::2]:$DPORT' and
isinstance(d['ring'], int)" <<<"$OUT"
expect "tags $TAG4 and $TAG6" test -n "$TAG6" -a "$TAG6" != "$TAG4"
point "dtls add --json of an IPv6 peer: its own tag and ring"

run ctl dtls list
expect "$(captured)" test "$RC" = 0 -a "$(wc -l <<<"$OUT")" = 2
expect "v4 line: $OUT" eval '[[ "$(head -1 <<<"$OUT")" == "$SPORT 10.78.0.2:$DPORT tag $TAG4 ring "[0-9]* ]]'
expect "v6 line: $OUT" grep -qx "$SPORT \[fd78::2\]:$DPORT tag $TAG6 ring $RING6" <<<"$OUT"
run ctl --json dtls list
expect "json: $OUT" jtrue "[(p['port'], p['remote'], '0x%08x' % p['tag']) for p in d] ==
[($SPORT, '10.78.0.2:$DPORT', '$TAG4'), ($SPORT, '[fd78::2]:$DPORT', '$TAG6')]" <<<"$OUT"
point "dtls list: port, remote, tag and ring of each peer, IPv4 first (text and JSON)"

run ctl --json status
expect "$(captured)" jtrue "d['rings_used'] == 2" <<<"$OUT"
point "each peer's tag holds a ring"

# ---- errors ---------------------------------------------------------------------
run ctl dtls add 5000 10.0.0.2:x
expect "$(captured)" test "$RC" = 2
expect "stderr: $ERR" test "$(head -1 <<<"$ERR")" = "pmarkctl: dtls add 5000 10.0.0.2:x: bad address"
point "dtls add 5000 10.0.0.2:x: bad address, usage error"
for bad in "10.0.0.2" "10.0.0.2:0" "10.0.0.2:70000" "fd78::2:5" "[fd78::2]5" "[10.0.0.2]:5" \
	"999.0.0.1:5"; do
	run ctl dtls add "$SPORT" "$bad"
	expect "$bad: $(captured)" test "$RC" = 2 -a \
		"$(head -1 <<<"$ERR")" = "pmarkctl: dtls add $SPORT $bad: bad address"
done
point "malformed remote addresses are refused as bad addresses"
run ctl dtls add 0 "10.78.0.2:$DPORT"
expect "$(captured)" test "$RC" = 2 -a "$(head -1 <<<"$ERR")" = "pmarkctl: dtls add 0 10.78.0.2:$DPORT: bad port"
point "dtls add with local port 0: bad port"
run ctl dtls del "$SPORT" 10.78.0.2:9
expect "$(captured)" test "$RC" = 1 -a "$ERR" = "pmarkctl: dtls del $SPORT 10.78.0.2:9: no such peer"
point "dtls del of a peer not there: no such peer, exit 1"
run ctl dtls frob
expect "$(captured)" test "$RC" = 2
run ctl dtls add "$SPORT"
expect "$(captured)" test "$RC" = 2
run ctl dtls list x
expect "$(captured)" test "$RC" = 2
point "dtls with an unknown verb or missing arguments: usage errors"
run ctl set --tag "$TAG4" --record 0:5 --ttl 3
expect "epoch 0: $(captured)" test "$RC" = 2
run ctl set --tag "$TAG4" --record 1:5 --tsn 5 --ttl 3
expect "both keys: $(captured)" test "$RC" = 2
run ctl set --tag "$TAG4" --record 1:0x1000000000000 --ttl 3
expect "sequence of 49 bits: $(captured)" test "$RC" = 2
run ctl set --tag "$TAG4" --record 1 --ttl 3
expect "no colon: $(captured)" test "$RC" = 2
point "set --record refuses epoch 0, a TSN as well, 49-bit sequences, no EPOCH:SEQ"

# ---- records --------------------------------------------------------------------
run ctl set --tag "$TAG4" --record 1:100 --ttl 7 --tos 0xb8
expect "1:100: $(captured)" test "$RC" = 0 -a -z "$OUT" -a -z "$ERR"
run ctl set --tag "$TAG4" --record 1:101 --ttl 9 --tos 0x28
expect "1:101: $(captured)" test "$RC" = 0
# A new epoch starts its sequence again: 2:5 (in hex here).
run ctl set --tag "$TAG4" --record 0x2:0x5 --ttl 11
expect "2:5: $(captured)" test "$RC" = 0
run ctl set --tag "$TAG4" --record 1:103 --ttl 3 --once
expect "1:103: $(captured)" test "$RC" = 0
run ctl set --tag "$TAG6" --record 1:100 --ttl 5 --tos 0x88
expect "v6 1:100: $(captured)" test "$RC" = 0
point "set --tag T --record EPOCH:SEQ writes five records (decimal and hex)"

run ctl get --tag "$TAG4" --record 1:100
expect "$(captured)" test "$OUT" = "tag $TAG4 record 1:100 ttl 7 tos 0xb8/0xff"
run ctl --json get --tag "$TAG4" --record 2:5
expect "json: $(captured)" jtrue "'0x%08x' % d['tag'] == '$TAG4' and d['epoch'] == 2 and
d['seq'] == 5 and d['ttl'] == 11 and 'vtag' not in d" <<<"$OUT"
run ctl get --tag "$TAG4" --record 2:100
expect "2:100: $(captured)" test "$RC" = 1 -a "$ERR" = "pmarkctl: get: tag $TAG4 record 2:100: no such record"
point "get shows epoch:seq of a DTLS record; another epoch is no such record"
run ctl --json dump
expect "$(captured)" jtrue "sorted(('0x%08x' % r['tag'], r['epoch'], r['seq']) for r in d) ==
sorted([('$TAG4', 1, 100), ('$TAG4', 1, 101), ('$TAG4', 2, 5), ('$TAG4', 1, 103),
('$TAG6', 1, 100)])" <<<"$OUT"
run ctl dump
expect "text: $OUT" grep -qx "tag $TAG6 record 1:100 ttl 5 tos 0x88/0xff" <<<"$OUT"
point "dump lists the DTLS records by tag and epoch:seq"

# ---- datagrams on the wire --------------------------------------------------------
run ctl stats --reset
expect "reset: $(captured)" test "$RC" = 0
if capture_start; then
	send_dtls 4/$DPORT/23/1/100 4/$DPORT/23/1/101 4/$DPORT/23/2/5 4/$DPORT/23/2/101 \
		4/$DPORT/23/1/102 4/$DPORT/22/1/100 4/$PLAIN/23/1/100 4/$DPORT/23/1/103 \
		4/$DPORT/23/1/103 6/$DPORT/23/1/100 6/$DPORT/23/1/101
	capture_stop
	ok "captured the datagrams on vc1"
else
	not_ok "captured the datagrams on vc1" "$(cat "$TMP/cap.log")"
fi
WIRE=$(decoded)
# family port ttl tos type epoch seq, in the order sent
WANT="4 $DPORT 7 184 23 1 100
4 $DPORT 9 40 23 1 101
4 $DPORT 11 0 23 2 5
4 $DPORT 64 0 23 2 101
4 $DPORT 64 0 23 1 102
4 $DPORT 64 0 22 1 100
4 $PLAIN 64 0 23 1 100
4 $DPORT 3 0 23 1 103
4 $DPORT 64 0 23 1 103
6 $DPORT 5 136 23 1 100
6 $DPORT 64 0 23 1 101"
expect "tshark read:
$WIRE
wanted:
$WANT
$(cat "$TMP/tshark.err")" test "$WIRE" = "$WANT"
point "tshark: each record id's TTL / TOS (IPv4) and hop limit / traffic class (IPv6)"

# One line per point, to say what each datagram shows.
line_of() { sed -n "${1}p" <<<"$WIRE"; }
check "1:100 and 1:101: their own TTL and TOS" test "$(line_of 1)/$(line_of 2)" = \
	"4 $DPORT 7 184 23 1 100/4 $DPORT 9 40 23 1 101"
check "2:5: a record of the new epoch" test "$(line_of 3)" = "4 $DPORT 11 0 23 2 5"
check "2:101: the slot holds 1:101, of another epoch: left alone" \
	test "$(line_of 4)" = "4 $DPORT 64 0 23 2 101"
check "1:102 has no record: left alone" test "$(line_of 5)" = "4 $DPORT 64 0 23 1 102"
check "a handshake record (type 22) with the id of a record: left alone" \
	test "$(line_of 6)" = "4 $DPORT 64 0 22 1 100"
check "the same record id to a peer not registered: left alone" \
	test "$(line_of 7)" = "4 $PLAIN 64 0 23 1 100"
check "a once record: first transmission marked, the second not" \
	test "$(line_of 8)/$(line_of 9)" = "4 $DPORT 3 0 23 1 103/4 $DPORT 64 0 23 1 103"
check "IPv6 peer: its tag's record by record id; another id left alone" \
	test "$(line_of 10)/$(line_of 11)" = "6 $DPORT 5 136 23 1 100/6 $DPORT 64 0 23 1 101"

stats_json
expect "$(captured)" jtrue "d['dtls_parsed'] == 10 and d['marked'] == 5 and d['dtls_not_appdata'] == 1
and d['dtls_no_peer'] == 1 and d['no_record'] == 3 and d['once_consumed'] == 1 and d['malformed'] == 1
and d['ttl_set'] == 5 and d['tos_set'] == 3 and d['parsed'] == 0" <<<"$OUT"
point "counters: dtls_parsed 10, marked 5, dtls_not_appdata 1, dtls_no_peer 1 (parsed as SCTP: malformed)"
run ctl get --tag "$TAG4" --record 1:103
expect "$(captured)" test "$OUT" = "tag $TAG4 record 1:103 ttl 3 once (consumed)"
point "the once record reads back consumed"

# ---- quotes of the ICMP errors those datagrams drew ---------------------------------
# NB has no socket on the ports: Port Unreachable, rate-limited, for the first ones at least.
for ((i = 0; i < 30; i++)); do
	run ctl --json quotes
	jtrue "any(q['has_dtls'] for q in d if q['family'] == 4) and
any(q['has_dtls'] for q in d if q['family'] == 6)" <<<"$OUT" && break
	sleep 0.1
done
expect "no IPv4 quote with a record id: $OUT" jtrue "any(q['has_dtls'] for q in d if q['family'] == 4)" <<<"$OUT"
expect "no IPv6 quote with a record id: $OUT" jtrue "any(q['has_dtls'] for q in d if q['family'] == 6)" <<<"$OUT"
# Each quote with a record id names a datagram as it left (tshark's line), TTL and TOS included.
expect "quotes: $OUT
wire:
$WIRE" "$PYTHON" -c '
import json, sys
wire = {tuple(int(x) for x in l.split()[:4] + l.split()[5:]) for l in sys.argv[1].splitlines()}
quotes = json.loads(sys.argv[2])
sys.exit(0 if all((q["family"], q["qdport"], q["qttl"], q["qtos"], q["epoch"], q["seq"]) in wire
                  and not q["has_sctp"] and q["kind"] == ("dtls" if q["family"] == 6 else "sctp")
                  for q in quotes if q["has_dtls"]) else 1)' "$WIRE" "$OUT"
expect "quotes of the plain peer: $OUT" jtrue "not any(q['has_dtls'] for q in d if q['qdport'] == $PLAIN)" <<<"$OUT"
point "pmarkctl quotes: ICMP errors quoting the protected datagrams keep their record id"

# ---- dtls del ----------------------------------------------------------------------
run ctl dtls del "$SPORT" "10.78.0.2:$DPORT"
expect "$(captured)" test "$RC" = 0 -a -z "$OUT" -a -z "$ERR"
run ctl --json dtls list
expect "list: $OUT" jtrue "[p['remote'] for p in d] == ['[fd78::2]:$DPORT']" <<<"$OUT"
run ctl get --tag "$TAG4" --record 1:100
expect "record after del: $(captured)" test "$RC" = 1
run ctl --json status
expect "status: $OUT" jtrue "d['rings_used'] == 1" <<<"$OUT"
point "dtls del: the peer, its ring and its records are gone; the other peer stays"

run ctl stats --reset
send_dtls 4/$DPORT/23/1/100
run ctl dtls del "$SPORT" "[fd78::2]:$DPORT"
expect "del v6: $(captured)" test "$RC" = 0
send_dtls 4/$DPORT/23/1/100
stats_json
expect "$(captured)" jtrue "d['dtls_no_peer'] == 1 and d['dtls_parsed'] == 0 and d['marked'] == 0" <<<"$OUT"
point "the port keeps its DTLS bit while a peer remains, and loses it with the last one"
run ctl dtls list
expect "$(captured)" test "$RC" = 0 -a -z "$OUT"
point "dtls list is empty again"

# ---- the pin goes with detach --all ----------------------------------------------------
check "attach pinned dtls under the pin root" test -e "$PIN/dtls"
run ctl detach --all
expect "$(captured)" test "$RC" = 0
expect "pins left: $(ls "$PIN" 2>&1)" test ! -e "$PIN/dtls" -a ! -e "$PIN"
point "detach --all removes the dtls pin with the others"

tap_done
