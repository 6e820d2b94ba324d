#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# IPv4 marking on the wire: pmarkctl attached to S's vs0, records for
# several TSNs of one association, datagrams from the test sender captured
# in R on the S-facing interface and decoded by tshark.
#
#   TSN 100  --ttl 5                       TTL 5, TOS and DF as sent
#   TSN 101  --tos 0xb8                    whole byte: ECN bits overwritten
#   TSN 102  --tos 0xb8/0xfc               DSCP only: the socket's ECN kept
#   TSN 103  --df clear                    DF (on by default) cleared
#   TSN 104  --df set                      sent with DF off, DF set
#   TSN 105  --ttl 9 --tos 0x28/0xfc --df clear   all three
#   TSN 106  no record                     exactly as the kernel sent it
#   TSN 107  --ttl 3 --once                sent twice: marked, then not
#   TSN 108  --ttl 4 --expire-ms 1         sent 50 ms later: not marked
#   TSN 109  --ttl 7, SACK bundled before the DATA chunk: marked
#   TSN 110  --ttl 8, I-DATA chunk: marked
#   TSN 111  --ttl 2, but the packet is a SACK only: not marked
#
# Every datagram is sent with IP_TOS 0x01 (ECT(1)), so the ECN bits show
# whether a TOS write kept them.  IPv4 header, UDP and SCTP checksums must
# stay good, and the counters must add up to what was sent.  Last,
# `pmarkctl detach --all` must remove the clsact qdisc and every pin.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5000
VTAG=0x1a2b3c4d
SOCK_TOS=1

require_wire
tap_plan 30

topo_marked "$PORT"

set_rec() { pmctl set --vtag "$VTAG" "$@"; }
records()
{
	set_rec --tsn 100 --ttl 5 &&
	set_rec --tsn 101 --tos 0xb8 &&
	set_rec --tsn 102 --tos 0xb8/0xfc &&
	set_rec --tsn 103 --df clear &&
	set_rec --tsn 104 --df set &&
	set_rec --tsn 105 --ttl 9 --tos 0x28/0xfc --df clear &&
	set_rec --tsn 107 --ttl 3 --once &&
	set_rec --tsn 109 --ttl 7 &&
	set_rec --tsn 110 --ttl 8 &&
	set_rec --tsn 111 --ttl 2
}
check "write the records" records
stats_save

SCTP_PORTS=("$PORT")
cap_start wire "$NS_R" "$R_IF_S" "udp and src host $S_ADDR4" || tap_fail "capture in R"

snd()
{
	send_s --src-port "$PORT" --dst "$D_ADDR4" --dst-port "$PORT" --vtag "$VTAG" \
		--tos "$SOCK_TOS" "$@"
}
snd --tsn 100 --count 4                 # 100..103, DF on (kernel default)
snd --tsn 104 --no-df
snd --tsn 105 --count 2                 # 105, 106
snd --tsn 107
snd --tsn 107                           # the retransmission
set_rec --tsn 108 --ttl 4 --expire-ms 1 || tap_fail "set the expiring record"
sleep 0.05
snd --tsn 108
snd --tsn 109 --sack-first
snd --tsn 110 --idata
snd --tsn 111 --no-data                 # SACK only, cum TSN ack 110

cap_stop wire 13
is "$SEND_ERRORS" 0 "sender ran without error"

rows=$(pkt_fields "${CAP_FILE[wire]}" sctp sctp.data_tsn_raw sctp.verification_tag ip.ttl \
	ip.dsfield ip.flags.df)
diag "captured (tsn,vtag,ttl,tos,df):" "$rows"
V=$((VTAG))
is "$(row_for "$rows" 100)" "100,$V,5,1,1" "TSN 100: TTL 5, TOS and DF untouched"
is "$(row_for "$rows" 101)" "101,$V,64,$((0xb8)),1" "TSN 101: TOS 0xb8 (whole byte, ECN overwritten)"
is "$(row_for "$rows" 102)" "102,$V,64,$((0xb9)),1" "TSN 102: DSCP 0xb8 under mask 0xfc, ECN bits 01 kept"
is "$(row_for "$rows" 103)" "103,$V,64,1,0" "TSN 103: DF cleared"
is "$(row_for "$rows" 104)" "104,$V,64,1,1" "TSN 104: DF set on a datagram sent without DF"
is "$(row_for "$rows" 105)" "105,$V,9,$((0x29)),0" "TSN 105: TTL 9, DSCP 0x28 with ECN kept, DF cleared"
is "$(row_for "$rows" 106)" "106,$V,64,1,1" "TSN 106 (no record): TTL 64, TOS 0x01, DF as the kernel sent"
is "$(row_for "$rows" 107)" "107,$V,3,1,1;107,$V,64,1,1" "TSN 107 (once): first transmission TTL 3, retransmission unmarked"
is "$(row_for "$rows" 108)" "108,$V,64,1,1" "TSN 108: expired record not applied"
is "$(row_for "$rows" 109)" "109,$V,7,1,1" "TSN 109: SACK bundled before DATA, marked"
is "$(row_for "$rows" 110)" "110,$V,8,1,1" "TSN 110: I-DATA chunk marked"
is "$(row_for "$rows" "")" ",$V,64,1,1" "control-only packet (SACK) not marked"

# Chunk types confirm what was on the wire: SACK+DATA, I-DATA, SACK only.
types=$(pkt_fields "${CAP_FILE[wire]}" sctp sctp.data_tsn_raw sctp.chunk_type)
is "$(row_for "$types" 109)|$(row_for "$types" 110)|$(row_for "$types" "")" \
	"109,3|0|110,64|,3" "chunk types on the wire: SACK+DATA, I-DATA, SACK"

sums=$(pkt_fields "${CAP_FILE[wire]}" sctp ip.checksum.status udp.checksum.status \
	sctp.checksum.status | sort | uniq -c | sed 's/^ *//')
is "$sums" "13 1,1,1" "IPv4 header, UDP and SCTP checksums good on all 13 datagrams"

is "$(stat_delta parsed)" 13 "stats: parsed 13"
is "$(stat_delta marked)" 9 "stats: marked 9"
is "$(stat_delta ttl_set)" 5 "stats: ttl_set 5"
is "$(stat_delta tos_set)" 3 "stats: tos_set 3"
is "$(stat_delta df_set)" 1 "stats: df_set 1"
is "$(stat_delta df_cleared)" 2 "stats: df_cleared 2"
is "$(stat_delta once_consumed)" 1 "stats: once_consumed 1"
is "$(stat_delta expired)" 1 "stats: expired 1"
is "$(stat_delta no_record)" 1 "stats: no_record 1"
is "$(stat_delta no_data)" 1 "stats: no_data 1"

# What cleanup relies on: detach --all undoes attach completely.
qdisc_kinds() { tc -n "$NS_S" qdisc show dev "$S_IF" | awk '{ print $2 }' | sort | tr '\n' ' '; }
before=$(qdisc_kinds)
out=$(pmctl detach --all 2>&1)
ok $? "pmarkctl detach --all" "$out"
after=$(qdisc_kinds)
if [[ " $before " == *" clsact "* ]] && [[ " $after " != *" clsact "* ]] && [ ! -e "$PIN" ]; then
	tap_ok "detach --all removed the clsact qdisc on $S_IF and the pin root"
else
	tap_fail "detach --all removed the clsact qdisc on $S_IF and the pin root" \
		"qdiscs before: $before" "qdiscs after: $after" "pins: $(ls -la "$PIN" 2>&1)"
fi
