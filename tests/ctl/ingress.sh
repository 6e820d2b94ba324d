#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The ingress program through pmarkctl, on a real device: attach puts it on
# the clsact ingress hook next to the marker; ICMP and ICMPv6 errors sent by
# the peer and quoting a datagram from a registered port show up in
# `pmarkctl quotes` and the icmp_* counters, others are counted and not
# kept; attach --no-ingress, detach and detach --all take it off again.
# And the IP ID a record stamps, seen on the wire with a valid checksum.
#
#   NA: vc0 10.77.1.1/24 fd77:1::1/64  <---->  NB: vc1 10.77.1.2/24 fd77:1::2/64
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require
NA=pmctl-inA-$$
NB=pmctl-inB-$$
make_ns "$NA"
make_ns "$NB"
make_veth "$NA" vc0 "$NB" vc1
ip -n "$NA" addr add 10.77.1.1/24 dev vc0
ip -n "$NB" addr add 10.77.1.2/24 dev vc1
ip -n "$NA" addr add fd77:1::1/64 dev vc0 nodad
ip -n "$NB" addr add fd77:1::2/64 dev vc1 nodad
use_pin_root "$PIN"

SPORT=40000    # registered; 40001 is not

# send_error FAMILY SPORT IPID VTAG TSN QUOTE: from NB, an ICMP Time Exceeded
# (ICMPv6 3/0) to NA quoting a datagram NA sent from SPORT: IPv4 ID IPID,
# TTL / hop limit 1, SCTP vtag VTAG with one DATA chunk TSN; QUOTE bytes of
# it past the IP header ("all" for the whole datagram).
send_error() {
	ip netns exec "$NB" "$PYTHON" -c '
import socket, struct, sys
fam, sport, ipid, vtag, tsn, quote = sys.argv[1:]
sport, ipid, vtag, tsn = int(sport), int(ipid, 0), int(vtag, 0), int(tsn)

def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

sctp = struct.pack("!HHII", 5000, 5000, vtag, 0) + struct.pack("!BBHIHHI", 0, 3, 20, tsn, 0, 0, 51) + b"ping"
udp = struct.pack("!HHHH", sport, 9, 8 + len(sctp), 0) + sctp
if fam == "4":
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ipid, 0x4000, 1, 17, 0,
                     socket.inet_aton("10.77.1.1"), socket.inet_aton("10.77.1.2"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    orig = ip + udp
    cut = len(orig) if quote == "all" else 20 + int(quote)
    msg = bytearray(struct.pack("!BBHI", 11, 0, 0, 0) + orig[:cut])
    msg[2:4] = struct.pack("!H", csum(bytes(msg)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(bytes(msg), ("10.77.1.1", 0))
else:
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 1,
                     socket.inet_pton(socket.AF_INET6, "fd77:1::1"),
                     socket.inet_pton(socket.AF_INET6, "fd77:1::2"))
    orig = ip + udp
    cut = len(orig) if quote == "all" else 40 + int(quote)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.sendto(struct.pack("!BBHI", 3, 0, 0, 0) + orig[:cut], ("fd77:1::1", 0))   # kernel sums it
' "$@"
}

# stats_until EXPR: wait up to 3 s for the counters (JSON, bound to d) to satisfy EXPR.
stats_until() {
	local i
	for ((i = 0; i < 30; i++)); do
		run ctl --json stats
		jtrue "$1" <<<"$OUT" && return 0
		sleep 0.1
	done
	return 1
}

pmark_in_filter() {
	ingress_filters "$1" "$2" | awk '$2 == "0x504d" { print $3 }'
}

# ---- attach: egress and ingress --------------------------------------------
run ctl_in "$NA" --json attach vc0
expect "$(captured)" test "$RC" = 0
IN_ID=$(jval 'd["ingress_prog_id"]' <<<"$OUT")
expect "json: $OUT" test -n "$IN_ID" -a "$IN_ID" != null
point "attach vc0 names an ingress program (--json ingress_prog_id)"
run pmark_in_filter "$NA" vc0
expect "ingress filters: '$OUT', want '$IN_ID'" test "$OUT" = "$IN_ID"
point "vc0's clsact ingress runs it, at pmark's handle"
run ctl status
expect "$(captured)" eval '[[ "$OUT" == *"vc0 "*"attached +ingress"* ]]'
expect "no ingress line: $OUT" eval '[[ "$OUT" == *"ingress    id $IN_ID (Ethernet)"* ]]'
point "status shows the ingress program and vc0 attached +ingress"
run ctl --json status
expect "$(captured)" jtrue "d['prog_in_id'] == $IN_ID and d['quotes'] == 0 and
d['devices'][0]['ingress'] is True and d['icmp'] == {'seen': 0, 'quoted': 0, 'not_ours': 0, 'malformed': 0}" <<<"$OUT"
point "status --json: prog_in_id, no quotes, device ingress true"
run ctl ports add $SPORT
expect "$(captured)" test "$RC" = 0
point "ports add $SPORT"

# ---- errors from the peer -------------------------------------------------
send_error 4 $SPORT 0xbeef 0xfeed 7 8
stats_until "d['icmp_seen'] == 1 and d['icmp_quoted'] == 1" || WHY+=("counters: $OUT")
run ctl --json quotes
expect "$(captured)" jtrue "len(d) == 1 and d[0]['family'] == 4 and d[0]['ident'] == 0xbeef and
d[0]['vtag'] == 0 and d[0]['sport'] == $SPORT and d[0]['offender'] == '10.77.1.2' and
d[0]['type'] == 11 and d[0]['code'] == 0 and d[0]['qdaddr'] == '10.77.1.2' and d[0]['qdport'] == 9 and
d[0]['qttl'] == 1 and d[0]['qid'] == 0xbeef and d[0]['qfrag_off'] == 0x4000 and
d[0]['quoted_len'] == 8 and d[0]['has_sctp'] is False and d[0]['qtot_len'] == 60" <<<"$OUT"
point "IPv4 8-byte quote: kept under its IP ID, with the quoted header's fields"

send_error 4 $SPORT 0x1234 0xfeed 7 all
send_error 6 $SPORT 0 0xfeed 8 all
stats_until "d['icmp_seen'] == 3 and d['icmp_quoted'] == 3" || WHY+=("counters: $OUT")
run ctl --json quotes
expect "$(captured)" jtrue "len(d) == 3 and
[(q['quoted_len'], q['qvtag'], q['qtsn']) for q in d if q['family'] == 4 and q['ident'] == 0x1234] == [(40, 0xfeed, 7)] and
[(q['quoted_len'], q['offender'], q['qttl'], q['has_tsn']) for q in d
 if q['family'] == 6 and q['ident'] == 8 and q['vtag'] == 0xfeed] == [(40, 'fd77:1::2', 1, True)]" <<<"$OUT"
point "a whole IPv4 quote and an ICMPv6 one (keyed by vtag and TSN) are kept too"
run ctl quotes
expect "$(captured)" test "$RC" = 0 -a "$(wc -l <<<"$OUT")" = 3
expect "no v6 line: $OUT" grep -q "^ipv6 vtag 0x0000feed tsn 8 sport $SPORT: fd77:1::2 type 3 code 0" <<<"$OUT"
point "quotes (text): one line each"

send_error 4 40001 0x4321 0xfeed 7 all
send_error 4 $SPORT 0x4322 0xfeed 7 4
stats_until "d['icmp_seen'] == 5 and d['icmp_not_ours'] == 1 and d['icmp_malformed'] == 1" ||
	WHY+=("counters: $OUT")
run ctl --json status
expect "$(captured)" jtrue "d['quotes'] == 3 and d['icmp'] == {'seen': 5, 'quoted': 3, 'not_ours': 1, 'malformed': 1}" <<<"$OUT"
point "an error quoting port 40001 is not ours, a 4-byte quote malformed: counted, not kept"
run ctl --json stats
expect "$(captured)" jtrue "d['seen'] == 0 or d['not_ours'] == d['seen']" <<<"$OUT"
point "errors arriving do not move the egress counters"

# ---- the IP ID on the wire --------------------------------------------------
# A raw socket in NB sees the datagram's IP header as it arrived.
ip netns exec "$NB" "$PYTHON" -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.settimeout(5)
while True:
    d, a = s.recvfrom(2048)
    if struct.unpack("!H", d[20:22])[0] == int(sys.argv[1]):
        break
w = struct.unpack("!10H", d[:20])
c = sum(w)
c = (c & 0xFFFF) + (c >> 16)
c = (c & 0xFFFF) + (c >> 16)
print("id=%#x ttl=%d csum_ok=%s" % (w[2], d[8], c == 0xFFFF))
' "$SPORT" >"$TMP/wire" 2>&1 &
RECV=$!
sleep 0.3
run ctl set --vtag 0xfeed --tsn 9 --ttl 9 --ip-id 0xbeef
expect "set: $(captured)" test "$RC" = 0
run ctl --json get --vtag 0xfeed --tsn 9
expect "get: $(captured)" jtrue "d['ip_id'] == 0xbeef and d['ttl'] == 9" <<<"$OUT"
ip netns exec "$NA" "$PYTHON" -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.1.1", int(sys.argv[1])))
sctp = struct.pack("!HHII", 5000, 5000, 0xfeed, 0) + struct.pack("!BBHIHHI", 0, 3, 20, 9, 0, 0, 51) + b"ping"
s.sendto(sctp, ("10.77.1.2", 9))
' "$SPORT"
wait "$RECV"
expect "receiver: $(cat "$TMP/wire")" test "$(cat "$TMP/wire")" = "id=0xbeef ttl=9 csum_ok=True"
stats_until "d['marked'] == 1 and d['ipid_set'] == 1 and d['ttl_set'] == 1" || WHY+=("counters: $OUT")
point "set --ip-id 0xbeef: the datagram arrives with IP ID 0xbeef and a valid header checksum"
# Nothing listens on NB's port 9: NB's kernel answers Port Unreachable, quoting the
# datagram as it arrived, and the quote replaces the earlier one under ID 0xbeef.
stats_until "d['icmp_quoted'] == 4" || WHY+=("counters: $OUT")
run ctl --json quotes
expect "$(captured)" jtrue "[(q['type'], q['code'], q['qttl'], q['has_tsn'], q['qtsn'], q['quoted_len'])
 for q in d if q['family'] == 4 and q['ident'] == 0xbeef] == [(3, 3, 9, True, 9, 40)]" <<<"$OUT"
point "the peer kernel's Port Unreachable for it is kept under the stamped ID, quoting TTL 9"

# ---- --no-ingress, detach ---------------------------------------------------
run ctl_in "$NA" attach vc0 --no-ingress
expect "$(captured)" test "$RC" = 0
expect "ingress filter left: $(pmark_in_filter "$NA" vc0)" test -z "$(pmark_in_filter "$NA" vc0)"
expect "egress filter gone" test -n "$(egress_filters "$NA" vc0)"
run ctl --json status
expect "$(captured)" jtrue "d['devices'][0]['ingress'] is False and d['devices'][0]['attached'] is True" <<<"$OUT"
point "attach vc0 --no-ingress takes the ingress filter off, keeps the marker"
SEEN=$(ctl --json stats | jval 'd["icmp_seen"]')
send_error 4 $SPORT 0x5555 0xfeed 7 all
sleep 0.5
run ctl --json stats
expect "$(captured)" jtrue "d['icmp_seen'] == ${SEEN:-0}" <<<"$OUT"
point "without the ingress filter an error is not seen"

run ctl_in "$NA" attach vc0
expect "$(captured)" test "$RC" = 0 -a "$(pmark_in_filter "$NA" vc0)" = "$IN_ID"
point "attach vc0 again puts it back"

run ctl_in "$NA" detach vc0
expect "detach: $(captured)" test "$RC" = 0
expect "filters left: $(ingress_filters "$NA" vc0) $(egress_filters "$NA" vc0)" \
	test -z "$(ingress_filters "$NA" vc0)$(egress_filters "$NA" vc0)"
expect "clsact left" eval '! has_clsact "$NA" vc0'
point "detach vc0 removes both filters and the clsact qdisc"

# Another pin root's ingress filter where ours goes (its egress one taken off by hand).
PIN2=$PIN-other
use_pin_root "$PIN2"
run ip netns exec "$NA" "$PMARKCTL" --pin-root "$PIN2" attach vc0
expect "attach with $PIN2: $(captured)" test "$RC" = 0
OTHER_IN=$(pmark_in_filter "$NA" vc0)
ip netns exec "$NA" tc filter del dev vc0 egress prio 49152 handle 0x504d bpf
run ctl_in "$NA" attach vc0
expect "$(captured)" test "$RC" = 1
expect "stderr: $ERR" eval '[[ "$ERR" == "pmarkctl: attach: vc0: the pmark ingress filter there runs prog $OTHER_IN of another pin root; detach it there first" ]]'
expect "egress filter added: $(egress_filters "$NA" vc0)" test -z "$(egress_filters "$NA" vc0)"
point "another pin root's ingress filter there: attach refuses and changes nothing"
run ctl_in "$NA" attach vc0 --no-ingress
expect "$(captured)" test "$RC" = 0
expect "the other's ingress filter: '$(pmark_in_filter "$NA" vc0)', want '$OTHER_IN'" \
	test "$(pmark_in_filter "$NA" vc0)" = "$OTHER_IN"
point "attach --no-ingress attaches the marker and leaves that filter alone"
run ctl_in "$NA" detach vc0
expect "$(captured)" test "$RC" = 1
expect "stderr: $ERR" eval '[[ "$ERR" == *"the ingress filter there runs prog $OTHER_IN, not this pin root'"'"'s; left alone" ]]'
expect "egress filter gone" test -n "$(egress_filters "$NA" vc0)"
point "detach vc0 refuses while another pin root's ingress filter is there, and changes nothing"
run ip netns exec "$NA" "$PMARKCTL" --pin-root "$PIN2" detach --all
expect "detach --all of $PIN2: $(captured)" test "$RC" = 0 -a -z "$(pmark_in_filter "$NA" vc0)"
expect "our egress filter went too" test -n "$(egress_filters "$NA" vc0)"
point "the other pin root's detach --all takes only its own filter"

run ctl detach --all
expect "$(captured)" test "$RC" = 0
expect "pin root left" test ! -e "$PIN"
expect "filters left: $(ingress_filters "$NA" vc0) $(egress_filters "$NA" vc0)" \
	test -z "$(ingress_filters "$NA" vc0)$(egress_filters "$NA" vc0)"
point "detach --all: no filter, no pins"

tap_done
