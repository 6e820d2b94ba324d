#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Records owned by a socket (SO_COOKIE) mark only that socket's datagrams.
# One sender process opens two sockets (ports 5300 and 5301) that both send
# the same verification tag and TSNs 400 and 401.  It prints both cookies
# and waits; the test writes TSN 400 owned by socket 0 and TSN 401 owned by
# socket 1, then releases it.  Only socket 0's TSN 400 and socket 1's TSN 401
# may be marked; the two others are owner mismatches.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5300
VTAG=0x0ca0ca00

require_wire
tap_plan 11

topo_marked "$PORT" "$((PORT + 1))"
stats_save

SCTP_PORTS=("$PORT" "$((PORT + 1))")
cap_start wire "$NS_R" "$R_IF_S" "udp and src host $S_ADDR4" || tap_fail "capture in R"

coproc SND { ip netns exec "$NS_S" "$SENDER" --src-port "$PORT" --dst "$D_ADDR4" \
	--dst-port "$PORT" --vtag "$VTAG" --tsn 400 --count 2 --sockets 2 --wait 2>&1; }
# shellcheck disable=SC2153 # SND_PID is set by coproc
snd_pid=$SND_PID
track_pid "$snd_pid"
# Own copies of the pipe ends: bash closes SND's when the coprocess ends.
exec {snd_out}<&"${SND[0]}" {snd_in}>&"${SND[1]}"

declare -a cookie=()
lines=
for i in 0 1; do
	read -r -t 5 -u "$snd_out" line || break
	lines+="$line"$'\n'
	read -r w_sock idx w_port port w_cookie c <<<"$line"
	if [ "$w_sock $w_port $w_cookie" = "socket port cookie" ] && [ "$idx" = "$i" ] &&
		[ "$port" = $((PORT + i)) ] && [[ "$c" =~ ^[1-9][0-9]*$ ]]; then
		cookie[i]=$c
	fi
done
if [ -n "${cookie[0]:-}" ] && [ -n "${cookie[1]:-}" ] && [ "${cookie[0]}" != "${cookie[1]}" ]; then
	tap_ok "sender printed two distinct socket cookies (${cookie[0]}, ${cookie[1]})"
else
	tap_fail "sender printed two distinct socket cookies" "sender said: $lines"
fi

records()
{
	pmctl set --vtag "$VTAG" --tsn 400 --ttl 4 --tos 0x10 --owner "${cookie[0]:-1}" &&
	pmctl set --vtag "$VTAG" --tsn 401 --ttl 5 --tos 0x20 --owner "${cookie[1]:-1}"
}
check "write TSN 400 owned by socket 0, TSN 401 owned by socket 1" records

echo go >&"$snd_in"
exec {snd_in}>&-
rest=$(cat <&"$snd_out")
exec {snd_out}<&-
wait "$snd_pid"
st=$?
forget_pid "$snd_pid"
is "$st" 0 "sender ran without error${rest:+ ($rest)}"
cap_stop wire 4

# Key: source port and TSN.
rows=$(pkt_fields "${CAP_FILE[wire]}" sctp udp.srcport sctp.data_tsn_raw \
	sctp.verification_tag ip.ttl ip.dsfield | sed 's/^\([0-9]*\),/\1:/')
diag "captured (port:tsn,vtag,ttl,tos):" "$rows"
V=$((VTAG))
is "$(row_for "$rows" "$PORT:400")" "$PORT:400,$V,4,16" "socket 0, TSN 400 (its record): marked"
is "$(row_for "$rows" "$((PORT + 1)):400")" "$((PORT + 1)):400,$V,64,0" \
	"socket 1, TSN 400 (socket 0's record): not marked"
is "$(row_for "$rows" "$PORT:401")" "$PORT:401,$V,64,0" \
	"socket 0, TSN 401 (socket 1's record): not marked"
is "$(row_for "$rows" "$((PORT + 1)):401")" "$((PORT + 1)):401,$V,5,32" \
	"socket 1, TSN 401 (its record): marked"

is "$(stat_delta owner_mismatch)" 2 "stats: owner_mismatch 2"
is "$(stat_delta marked)" 2 "stats: marked 2"
