#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The life of records, seen on the wire (IPv4, captured in R):
#   - TTL 0 is refused with a clear error;
#   - TSNs wrap: records for 0xffffffff and 0 both apply;
#   - records are per association: the same TSN under another vtag has its
#     own record (or none), and vtag 0 is a valid key;
#   - a record whose expiry is far away applies;
#   - `del` removes a record; `flush` removes all;
#   - a slot is shared by TSNs 4096 apart: writing TSN 8 replaces TSN 4104,
#     whose datagram then goes out unmarked (never with TSN 8's options);
#   - rewriting a consumed `once` record arms it again;
#   - `ports del` stops marking on that port (counted not_ours).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5700
A=0x000a000a
B=0x000b000b

require_wire
tap_plan 19

topo_marked "$PORT"

out=$(pmctl set --vtag "$A" --tsn 1 --ttl 0 2>&1)
st=$?
if [ $st != 0 ] && [[ "$out" == *ttl* ]]; then
	tap_ok "set --ttl 0 refused (status $st): $(head -1 <<<"$out")"
else
	tap_fail "set --ttl 0 refused with an error naming the TTL" "status $st" "$out"
fi

records()
{
	pmctl set --vtag "$A" --tsn 0xffffffff --ttl 10 &&
	pmctl set --vtag "$A" --tsn 0 --ttl 11 &&
	pmctl set --vtag "$A" --tsn 5 --ttl 12 --once &&
	pmctl set --vtag "$A" --tsn 6 --ttl 13 --expire-ms 600000 &&
	pmctl set --vtag "$A" --tsn 7 --ttl 14 &&
	pmctl set --vtag "$A" --tsn 4104 --ttl 15 &&
	pmctl set --vtag "$A" --tsn 8 --ttl 16 &&
	pmctl set --vtag 0 --tsn 9 --ttl 17 &&
	pmctl set --vtag "$B" --tsn 0xffffffff --ttl 20
}
check "write the records" records
check "del vtag $A TSN 7" pmctl del --vtag "$A" --tsn 7
out=$(pmctl get --vtag "$A" --tsn 4104 2>&1)
ok $((!$?)) "get TSN 4104 after TSN 8 took its slot: no such record" "$out"

SCTP_PORTS=("$PORT")
stats_save
cap_start wire "$NS_R" "$R_IF_S" "udp and src host $S_ADDR4" || tap_fail "capture in R"
snd() { send_s --src-port "$PORT" --dst "$D_ADDR4" --dst-port "$PORT" "$@"; }
snd --vtag "$A" --tsn 0xffffffff --count 2      # A:4294967295 A:0
snd --vtag "$B" --tsn 0xffffffff --count 2      # B:4294967295 B:0
snd --vtag "$A" --tsn 6 --count 3               # A:6 A:7 A:8
snd --vtag "$A" --tsn 4104
snd --vtag 0 --tsn 9
snd --vtag "$A" --tsn 5                         # once: marked
snd --vtag "$A" --tsn 5                         # consumed
rearm=$(pmctl set --vtag "$A" --tsn 5 --ttl 12 --once 2>&1) || tap_fail "rewrite TSN 5" "$rearm"
snd --vtag "$A" --tsn 5                         # armed again: marked
pmctl ports del "$PORT" >/dev/null || tap_fail "ports del $PORT"
snd --vtag "$A" --tsn 8 --tos 4                 # port not registered
pmctl ports add "$PORT" >/dev/null || tap_fail "ports add $PORT"
pmctl flush >/dev/null || tap_fail "flush"
snd --vtag "$A" --tsn 8 --tos 8                 # flushed
cap_stop wire 15
is "$SEND_ERRORS" 0 "sender ran without error"

rows=$(pkt_fields "${CAP_FILE[wire]}" sctp sctp.verification_tag sctp.data_tsn_raw ip.ttl \
	ip.dsfield | sed 's/^\([0-9]*\),\([0-9]*\),/\1:\2,/')
diag "captured (vtag:tsn,ttl,tos):" "$rows"
a=$((A)) b=$((B))
is "$(row_for "$rows" "$a:4294967295")|$(row_for "$rows" "$a:0")" \
	"$a:4294967295,10,0|$a:0,11,0" "TSN 0xffffffff then 0 (wrap): both records apply"
is "$(row_for "$rows" "$b:4294967295")|$(row_for "$rows" "$b:0")" \
	"$b:4294967295,20,0|$b:0,64,0" "another vtag, same TSNs: its own record, and none for TSN 0"
is "$(row_for "$rows" "0:9")" "0:9,17,0" "vtag 0 is a valid key"
is "$(row_for "$rows" "$a:6")" "$a:6,13,0" "record expiring in 10 minutes applies"
is "$(row_for "$rows" "$a:7")" "$a:7,64,0" "deleted record: not marked"
is "$(row_for "$rows" "$a:4104")" "$a:4104,64,0" "TSN 4104, slot taken by TSN 8: not marked"
is "$(row_for "$rows" "$a:5")" "$a:5,12,0;$a:5,64,0;$a:5,12,0" \
	"once: marked, then consumed, then marked again after the rewrite"
is "$(row_for "$rows" "$a:8")" "$a:8,16,0;$a:8,64,4;$a:8,64,8" \
	"TSN 8: marked; unmarked after ports del; unmarked after flush"
is "$(pmctl --json dump 2>&1)" "[]" "dump is empty after flush"

# (not_ours also counts S's own IPv6 router solicitations and MLD reports.)
is "$(stat_delta parsed)" 13 "stats: parsed 13 of 14 (not the one sent while the port was removed)"
is "$(stat_delta once_consumed)" 1 "stats: once_consumed 1"
is "$(stat_delta marked)/$(stat_delta no_record)" "8/4" \
	"stats: marked 8, no_record 4 (B:0, A:7, A:4104, A:8 after flush)"
