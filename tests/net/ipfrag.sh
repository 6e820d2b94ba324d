#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# IP fragmentation: with DF off, a 3000-byte DATA chunk leaves S (MTU 1500)
# as three IP fragments, and the kernel fragments before tc egress, so only
# the first fragment shows UDP and SCTP.  Every fragment of a marked TSN
# must carry the record's TTL and TOS (the program remembers the options by
# source, destination and IP ID); fragments of an unmarked TSN stay as sent.
#
# IPv4 (tshark with ip.defragment off, fragments grouped by ip.id):
#   TSN 500  --ttl 6 --tos 0xb8        all three fragments TTL 6, TOS 0xb8
#   TSN 501  no record                 all three TTL 64, TOS 0
#   TSN 502  --ttl 7 --df set          TTL 7 on all; DF cannot be set on a
#                                      fragment: not_applicable, DF stays 0
# IPv6 (fragment header added by S; grouped by its identification):
#   TSN 510  --ttl 6 --tos 0xb8        all three hop limit 6, class 0xb8
#   TSN 511  no record                 all three hop limit 64, class 0

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5400
VTAG=0xf7a90000

require_wire
tap_plan 18

topo_marked "$PORT"
records()
{
	pmctl set --vtag "$VTAG" --tsn 500 --ttl 6 --tos 0xb8 &&
	pmctl set --vtag "$VTAG" --tsn 502 --ttl 7 --df set &&
	pmctl set --vtag "$VTAG" --tsn 510 --ttl 6 --tos 0xb8
}
check "write the records" records

SCTP_PORTS=("$PORT")
TSHARK_EXTRA=(-o ip.defragment:FALSE -o ipv6.defragment:FALSE)

# frag_summary ROWS: ROWS are "id,offset,tsn,rest..." lines; prints one line
# per datagram, "tsn offset:rest offset:rest ..." in capture order (the TSN
# comes from the first fragment, the only one with SCTP in it).
frag_summary()
{
	awk -F, '
	{
		id = $1; rest = $4
		for (i = 5; i <= NF; i++) rest = rest ":" $i
		if (!(id in frags)) order[n++] = id
		frags[id] = frags[id] " " $2 ":" rest
		if ($3 != "") tsn[id] = $3
	}
	END { for (i = 0; i < n; i++) print tsn[order[i]] frags[order[i]] }' <<<"$1"
}

# ---- IPv4
stats_save
cap_start v4 "$NS_R" "$R_IF_S" "ip and src host $S_ADDR4" || tap_fail "IPv4 capture in R"
send_s --src-port "$PORT" --dst "$D_ADDR4" --dst-port "$PORT" --vtag "$VTAG" --tsn 500 \
	--count 3 --size 3000 --no-df
cap_stop v4 9
is "$SEND_ERRORS" 0 "IPv4: sender ran without error"

# ip.frag_offset is in 8-byte units: 185 = 1480 bytes.
rows=$(pkt_fields "${CAP_FILE[v4]}" ip ip.id ip.frag_offset sctp.data_tsn_raw ip.ttl ip.dsfield \
	ip.flags.df)
sum=$(frag_summary "$rows")
diag "IPv4 datagrams (tsn offset:ttl:tos:df ...):" "$sum"
is "$(grep '^500 ' <<<"$sum")" "500 0:6:184:0 185:6:184:0 370:6:184:0" \
	"IPv4 TSN 500: all 3 fragments TTL 6, TOS 0xb8"
is "$(grep '^501 ' <<<"$sum")" "501 0:64:0:0 185:64:0:0 370:64:0:0" \
	"IPv4 TSN 501 (no record): all 3 fragments TTL 64, TOS 0"
is "$(grep '^502 ' <<<"$sum")" "502 0:7:0:0 185:7:0:0 370:7:0:0" \
	"IPv4 TSN 502: all 3 fragments TTL 7, DF not set on fragments"
sums=$(pkt_fields "${CAP_FILE[v4]}" ip ip.checksum.status | sort | uniq -c | sed 's/^ *//')
is "$sums" "9 1" "IPv4 header checksum good on all 9 fragments"

is "$(stat_delta frag_followed)" 4 "IPv4 stats: frag_followed 4 (2 later fragments of 500 and of 502)"
is "$(stat_delta frag_unknown)" 2 "IPv4 stats: frag_unknown 2 (later fragments of unmarked 501)"
is "$(stat_delta marked)/$(stat_delta ttl_set)/$(stat_delta tos_set)" "6/6/3" \
	"IPv4 stats: marked 6, ttl_set 6, tos_set 3"
is "$(stat_delta not_applicable)/$(stat_delta df_set)" "3/0" \
	"IPv4 stats: DF set on fragments not_applicable 3, df_set 0"

# ---- IPv6: the sender's IPV6_MTU_DISCOVER=DONT and IPV6_DONTFRAG=0 let S
# fragment (a fragment header after the fixed header), again before tc.
stats_save
cap_start v6 "$NS_R" "$R_IF_S" "ip6 and src host $S_ADDR6" || tap_fail "IPv6 capture in R"
send_s -6 --src-port "$PORT" --dst "$D_ADDR6" --dst-port "$PORT" --vtag "$VTAG" --tsn 510 \
	--count 2 --size 3000 --no-df
cap_stop v6 6
is "$SEND_ERRORS" 0 "IPv6: sender ran without error"

# ipv6.fraghdr.offset is in 8-byte units: 181 = 1448 bytes.
rows=$(pkt_fields "${CAP_FILE[v6]}" ipv6.fraghdr ipv6.fraghdr.ident ipv6.fraghdr.offset \
	sctp.data_tsn_raw ipv6.hlim ipv6.tclass)
sum=$(frag_summary "$rows")
diag "IPv6 datagrams (tsn offset:hlim:tclass ...):" "$sum"
is "$(grep '^510 ' <<<"$sum")" "510 0:6:184 181:6:184 362:6:184" \
	"IPv6 TSN 510: all 3 fragments hop limit 6, traffic class 0xb8"
is "$(grep '^511 ' <<<"$sum")" "511 0:64:0 181:64:0 362:64:0" \
	"IPv6 TSN 511 (no record): all 3 fragments hop limit 64, traffic class 0"
is "$(stat_delta frag_followed)" 2 "IPv6 stats: frag_followed 2"
is "$(stat_delta frag_unknown)" 2 "IPv6 stats: frag_unknown 2"
is "$(stat_delta marked)" 3 "IPv6 stats: marked 3"
