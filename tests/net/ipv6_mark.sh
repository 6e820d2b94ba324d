#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# IPv6 marking on the wire: hop limit and traffic class per TSN, captured
# in R on the S-facing interface.  The sender sets IPV6_TCLASS 0x01 (ECT(1))
# so the ECN bits show whether a traffic-class write kept them.
#
#   TSN 200  --ttl 7                        hop limit 7, traffic class as sent
#   TSN 201  --tos 0xb8                     traffic class 0xb8 (whole byte)
#   TSN 202  --tos 0xb8/0xfc                0xb9: DSCP written, ECN kept
#   TSN 203  --ttl 9 --tos 0x28/0xfc --df set    hop limit 9, class 0x29;
#                                           DF cannot apply: not_applicable
#   TSN 204  --df clear only                nothing to apply: unchanged,
#                                           counted not_applicable
#   TSN 205  no record                      hop limit 64, class 0x01
#
# The traffic class straddles the version nibble and the flow label: the
# flow label must be the same on every datagram (same 5-tuple), marked or
# not, and the UDP checksum (mandatory in IPv6) good.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5100
VTAG=0x600d6006

require_wire
tap_plan 18

topo_marked "$PORT"

set_rec() { pmctl set --vtag "$VTAG" "$@"; }
records()
{
	set_rec --tsn 200 --ttl 7 &&
	set_rec --tsn 201 --tos 0xb8 &&
	set_rec --tsn 202 --tos 0xb8/0xfc &&
	set_rec --tsn 203 --ttl 9 --tos 0x28/0xfc --df set &&
	set_rec --tsn 204 --df clear
}
check "write the records" records
stats_save

SCTP_PORTS=("$PORT")
cap_start wire "$NS_R" "$R_IF_S" "ip6 and udp and src host $S_ADDR6" || tap_fail "capture in R"
send_s -6 --src-port "$PORT" --dst "$D_ADDR6" --dst-port "$PORT" --vtag "$VTAG" \
	--tsn 200 --count 6 --tos 1
cap_stop wire 6
is "$SEND_ERRORS" 0 "sender ran without error"

rows=$(pkt_fields "${CAP_FILE[wire]}" sctp sctp.data_tsn_raw sctp.verification_tag ipv6.hlim \
	ipv6.tclass)
diag "captured (tsn,vtag,hlim,tclass):" "$rows"
V=$((VTAG))
is "$(row_for "$rows" 200)" "200,$V,7,1" "TSN 200: hop limit 7, traffic class untouched"
is "$(row_for "$rows" 201)" "201,$V,64,$((0xb8))" "TSN 201: traffic class 0xb8 (whole byte)"
is "$(row_for "$rows" 202)" "202,$V,64,$((0xb9))" "TSN 202: DSCP 0xb8 under mask 0xfc, ECN 01 kept"
is "$(row_for "$rows" 203)" "203,$V,9,$((0x29))" "TSN 203: hop limit 9 and DSCP applied despite the DF field"
is "$(row_for "$rows" 204)" "204,$V,64,1" "TSN 204: DF-only record leaves the datagram unchanged"
is "$(row_for "$rows" 205)" "205,$V,64,1" "TSN 205 (no record): hop limit 64, traffic class 0x01"

flows=$(pkt_fields "${CAP_FILE[wire]}" sctp ipv6.flow | sort -u)
if [ "$(wc -l <<<"$flows")" = 1 ] && [ "$flows" != 0 ] && [ -n "$flows" ]; then
	tap_ok "flow label $flows identical on all datagrams"
else
	tap_fail "flow label identical on all datagrams" "labels: $flows"
fi

sums=$(pkt_fields "${CAP_FILE[wire]}" sctp udp.checksum.status sctp.checksum.status |
	sort | uniq -c | sed 's/^ *//')
is "$sums" "6 1,1" "UDP and SCTP checksums good on all 6 datagrams"

is "$(stat_delta marked)" 5 "stats: marked 5 (a record was found and applied)"
is "$(stat_delta ttl_set)" 2 "stats: ttl_set 2"
is "$(stat_delta tos_set)" 3 "stats: tos_set 3"
is "$(stat_delta not_applicable)" 2 "stats: not_applicable 2 (DF set, DF clear on IPv6)"
is "$(stat_delta df_set)+$(stat_delta df_cleared)" "0+0" "stats: df_set and df_cleared stay 0"
is "$(stat_delta no_record)" 1 "stats: no_record 1"
