#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmarkctl set / get / del / dump / flush, ports and stats: round trips with
# every record field, decimal and hex numbers, replacement, rings (one per
# vtag, --rings and --ring-size), ports sorted and deduplicated, counters
# moved by a real SCTP-over-UDP datagram and zeroed by stats --reset, and
# valid JSON from every command that prints it.
#
#   NA: vc0 10.77.0.1/24  <---->  NB: vc1 10.77.0.2/24
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require
NA=pmctl-recA-$$
NB=pmctl-recB-$$
make_ns "$NA"
make_ns "$NB"
make_veth "$NA" vc0 "$NB" vc1
ip -n "$NA" addr add 10.77.0.1/24 dev vc0
ip -n "$NB" addr add 10.77.0.2/24 dev vc1
use_pin_root "$PIN"

SPORT=40000    # the sender's UDP port, registered with pmarkctl ports add

# send_sctp VTAG TSN: one UDP datagram from NA's port SPORT carrying an SCTP
# packet with one DATA chunk (vtag, TSN), as usrsctp would send it.
send_sctp() {
	ip netns exec "$NA" "$PYTHON" -c '
import socket, struct, sys
vtag, tsn, sport = int(sys.argv[1], 0), int(sys.argv[2], 0), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", sport))
common = struct.pack("!HHII", 5000, 5000, vtag, 0)
data = struct.pack("!BBHIHHI", 0, 3, 20, tsn, 0, 0, 51) + b"ping"
s.sendto(common + data, ("10.77.0.2", 9))
' "$1" "$2" "$SPORT"
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

# ---- attach with a small geometry -----------------------------------------
run ctl_in "$NA" --json attach vc0 --rings 2 --ring-size 16
expect "$(captured)" test "$RC" = 0
expect "json: $OUT" json_valid <<<"$OUT"
point "attach vc0 --rings 2 --ring-size 16 (--json)"
run ctl --json status
expect "$(captured)" jtrue "d['rings'] == 2 and d['ring_size'] == 16 and d['records'] == 0 and
d['rings_used'] == 0 and d['ports'] == []" <<<"$OUT"
point "status --json: 2 rings of 16, no records, no ports"

run ctl dump
expect "$(captured)" test "$RC" = 0 -a -z "$OUT"
run ctl --json dump
expect "json: $(captured)" jtrue "d == []" <<<"$OUT"
point "dump of nothing: empty text, JSON []"

# ---- every field ------------------------------------------------------------
run ctl set --vtag 305419896 --tsn 100 --ttl 64 --tos 0xb8/0xfc --df set --once \
	--owner 12345 --expire-ms 600000
expect "$(captured)" test "$RC" = 0 -a -z "$OUT" -a -z "$ERR"
point "set with every field: exit 0, silent"
run ctl --json get --vtag 305419896 --tsn 100
GET_DEC=$OUT
expect "$(captured)" jtrue "d['vtag'] == 305419896 and d['tsn'] == 100 and d['ttl'] == 64 and
d['tos'] == 0xb8 and d['tos_mask'] == 0xfc and d['df'] == 'set' and d['once'] is True and
d['consumed'] is False and d['owner'] == 12345 and d['expire_ns'] > 0 and d['expired'] is False" <<<"$OUT"
point "get --json: ttl, tos, tos_mask, df, once, owner, expiry"
run ctl get --vtag 305419896 --tsn 100
expect "$(captured)" test "$OUT" = "vtag 0x12345678 tsn 100 ttl 64 tos 0xb8/0xfc df set once owner 12345 expires"
point "get (text) shows every field"
run ctl --json get --vtag 0x12345678 --tsn 0x64
expect "hex: $OUT, decimal: $GET_DEC" test "$OUT" = "$GET_DEC"
point "hex and decimal name the same record"

run ctl set --vtag 0xABCDEF01 --tsn 0xFFFFFFFF --ttl 0x10 --tos 0X2e
expect "set: $(captured)" test "$RC" = 0
run ctl --json get --vtag 2882400001 --tsn 4294967295
expect "$(captured)" jtrue "d['vtag'] == 0xabcdef01 and d['tsn'] == 0xffffffff and d['ttl'] == 16 and
d['tos'] == 0x2e and d['tos_mask'] == 0xff and d['df'] == 'leave' and d['once'] is False and
d['owner'] == 0 and d['expire_ns'] == 0 and d['expired'] is False" <<<"$OUT"
point "set in hex, get in decimal; tos without a mask means mask 0xff; TSN 2^32-1"
run ctl get --vtag 2882400001 --tsn 4294967295
expect "$(captured)" test "$OUT" = "vtag 0xabcdef01 tsn 4294967295 ttl 16 tos 0x2e/0xff"
point "get (text): unset fields are not shown"

# Replacement: a second set of the same TSN keeps nothing of the first.
run ctl set --vtag 0x12345678 --tsn 100 --df clear
expect "set: $(captured)" test "$RC" = 0
run ctl --json get --vtag 0x12345678 --tsn 100
expect "$(captured)" jtrue "'ttl' not in d and 'tos' not in d and d['df'] == 'clear' and
d['once'] is False and d['owner'] == 0 and d['expire_ns'] == 0" <<<"$OUT"
point "set over an existing record replaces it (df clear only)"

# ---- expiry -------------------------------------------------------------------
run ctl set --vtag 0x12345678 --tsn 101 --ttl 1 --expire-ms 1000
expect "set: $(captured)" test "$RC" = 0
run ctl --json get --vtag 0x12345678 --tsn 101
expect "before: $OUT" jtrue "d['expired'] is False and d['expire_ns'] > 0" <<<"$OUT"
sleep 1.2
run ctl --json get --vtag 0x12345678 --tsn 101
expect "after: $OUT" jtrue "d['expired'] is True" <<<"$OUT"
run ctl get --vtag 0x12345678 --tsn 101
expect "text after: $OUT" test "$OUT" = "vtag 0x12345678 tsn 101 ttl 1 expired"
point "--expire-ms 1000: not expired at once, expired after the deadline"

# ---- rings ------------------------------------------------------------------
RING_A=$(ctl --json get --vtag 0x12345678 --tsn 100 | jval 'd["ring"]')
RING_B=$(ctl --json get --vtag 0xabcdef01 --tsn 0xffffffff | jval 'd["ring"]')
expect "rings '$RING_A' and '$RING_B'" test -n "$RING_A" -a -n "$RING_B" -a "$RING_A" != "$RING_B"
point "records of two vtags land in two rings"
run ctl set --vtag 77 --tsn 1 --ttl 3
expect "exit $RC, want 1" test "$RC" = 1
expect "stderr: $ERR" eval '[[ "$ERR" == "pmarkctl: set: "*"no free ring among this association"* ]]'
expect "$ERR_LINES lines on stderr" test "$ERR_LINES" = 1
point "a third vtag with --rings 2: one-line error, exit 1"

# A ring of 16 holds TSN t in slot t & 15: TSN 116 takes the slot of TSN 100.
run ctl set --vtag 0x12345678 --tsn 116 --ttl 9
expect "set: $(captured)" test "$RC" = 0
run ctl get --vtag 0x12345678 --tsn 100
expect "get 100: $(captured)" test "$RC" = 1
run ctl --json get --vtag 0x12345678 --tsn 116
expect "get 116: $(captured)" jtrue "d['ttl'] == 9" <<<"$OUT"
point "--ring-size 16: TSN 116 replaces TSN 100 in the same slot"

# ---- dump, del, flush -----------------------------------------------------------
run ctl set --vtag 0x12345678 --tsn 102 --tos 0x04/0x0c
run ctl --json dump
expect "$(captured)" jtrue "sorted((r['vtag'], r['tsn']) for r in d) ==
[(0x12345678, 101), (0x12345678, 102), (0x12345678, 116), (0xabcdef01, 0xffffffff)]" <<<"$OUT"
point "dump --json lists exactly the live records"
run ctl dump
expect "$(captured)" test "$(wc -l <<<"$OUT")" = 4
expect "no tsn 102 line: $OUT" grep -qx "vtag 0x12345678 tsn 102 tos 0x04/0x0c" <<<"$OUT"
point "dump (text): one line per record"
run ctl --json status
expect "$(captured)" jtrue "d['records'] == 4 and d['rings_used'] == 2" <<<"$OUT"
point "status --json counts 4 records in 2 rings"

run ctl del --vtag 0x12345678 --tsn 102
expect "del: $(captured)" test "$RC" = 0 -a -z "$OUT" -a -z "$ERR"
run ctl get --vtag 0x12345678 --tsn 102
expect "get: $(captured)" test "$RC" = 1
run ctl del --vtag 0x12345678 --tsn 102
expect "del again: $(captured)" test "$RC" = 1
run ctl --json dump
expect "dump: $OUT" jtrue "len(d) == 3" <<<"$OUT"
point "del removes one record; a second del of it fails"

run ctl flush
expect "$(captured)" test "$RC" = 0 -a "$OUT" = "removed 3 records"
run ctl --json dump
expect "dump: $OUT" jtrue "d == []" <<<"$OUT"
run ctl --json status
expect "status: $OUT" jtrue "d['records'] == 0 and d['rings_used'] == 0" <<<"$OUT"
point "flush removes every record and frees the rings"
run ctl --json flush
expect "$(captured)" jtrue "d == {'removed': 0}" <<<"$OUT"
point "flush --json of nothing: {\"removed\": 0}"
run ctl set --vtag 77 --tsn 1 --ttl 3
expect "$(captured)" test "$RC" = 0
point "after flush a new vtag gets a ring"

# Numbers are decimal or 0x hex: a leading zero is not octal.  "010" may be
# refused, or mean ten; it never means eight.
run ctl set --vtag 0x5a --tsn 010 --ttl 010
if [ "$RC" = 0 ]; then
	run ctl --json get --vtag 0x5a --tsn 10
	expect "--tsn 010 is not TSN 10; get --tsn 10: $(captured)" jtrue "d['ttl'] == 10" <<<"$OUT"
	run ctl --json get --vtag 0x5a --tsn 8
	expect "--tsn 010 --ttl 010 made TSN 8: $OUT" test "$RC" != 0
else
	expect "refused, but not as a usage error: $(captured)" test "$RC" = 2
fi
run ctl flush
point "a leading zero is decimal (or refused), never octal: --tsn 010 --ttl 010"

# ---- ports --------------------------------------------------------------------
run ctl ports list
expect "$(captured)" test "$RC" = 0 -a -z "$OUT"
point "ports list of nothing: empty"
run ctl ports add 5000 10 5000
expect "add: $(captured)" test "$RC" = 0 -a -z "$OUT"
run ctl ports list
expect "list: $OUT" test "$OUT" = "$(printf '10\n5000')"
run ctl --json ports list
expect "json: $OUT" jtrue "d == [10, 5000]" <<<"$OUT"
point "ports add 5000 10 5000: listed once each, sorted (text and JSON)"
run ctl ports add 65535 1 0x1388
run ctl --json ports list
expect "json: $OUT" jtrue "d == [1, 10, 5000, 65535]" <<<"$OUT"
point "ports add 65535 1 0x1388: hex accepted, duplicates ignored"
run ctl ports del 10 65535
expect "del: $(captured)" test "$RC" = 0
run ctl --json ports list
expect "json: $OUT" jtrue "d == [1, 5000]" <<<"$OUT"
run ctl --json status
expect "status: $OUT" jtrue "d['ports'] == [1, 5000]" <<<"$OUT"
point "ports del 10 65535; status shows the same ports"
run ctl ports del 10
expect "$(captured)" test "$RC" = 1 -a "$ERR" = "pmarkctl: ports: del 10: not registered"
point "ports del of a port no longer registered fails"

# ---- stats --------------------------------------------------------------------
names=$(printf "'%s'," "${COUNTER_NAMES[@]}")
run ctl --json stats
expect "$(captured)" jtrue "list(d) == [$names] and all(isinstance(v, int) and v >= 0 for v in d.values())" <<<"$OUT"
point "stats --json: every counter name, in order, as integers"
run ctl stats --json
expect "$(captured)" json_valid <<<"$OUT"
point "stats --json (trailing --json) parses"
run ctl stats
expect "$(captured)" test "$RC" = 0 -a "$(wc -l <<<"$OUT")" = ${#COUNTER_NAMES[@]}
point "stats (text): one line per counter"

# A real datagram: the program finds the record, marks it, and uses up `once`.
run ctl ports add $SPORT
run ctl set --vtag 0xfeed --tsn 7 --ttl 7 --once
expect "set: $(captured)" test "$RC" = 0
send_sctp 0xfeed 7
stats_until "d['marked'] == 1 and d['ttl_set'] == 1" || WHY+=("counters: $OUT")
run ctl --json get --vtag 0xfeed --tsn 7
expect "get: $OUT" jtrue "d['consumed'] is True" <<<"$OUT"
run ctl get --vtag 0xfeed --tsn 7
expect "get (text): $OUT" test "$OUT" = "vtag 0x0000feed tsn 7 ttl 7 once (consumed)"
point "a datagram with the record's vtag and TSN is marked; the once record is consumed"
send_sctp 0xfeed 7
stats_until "d['once_consumed'] == 1 and d['marked'] == 1" || WHY+=("counters: $OUT")
point "its retransmission is left unmarked (once_consumed)"

# Detach first so that no packet moves the counters between reset and read.
run ctl_in "$NA" detach vc0
expect "detach: $(captured)" test "$RC" = 0
run ctl --json stats --reset
expect "reset: $(captured)" jtrue "d['marked'] == 1 and d['seen'] >= 2" <<<"$OUT"
run ctl --json stats
expect "after: $OUT" jtrue "set(d.values()) == {0}" <<<"$OUT"
point "stats --reset prints the counters, then zeroes every one"
run ctl --json get --vtag 0xfeed --tsn 7
expect "$(captured)" jtrue "d['ttl'] == 7" <<<"$OUT"
point "records survive detaching the device (the pins stay)"

tap_done
