#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark demonstration: per-TSN IP options on SCTP-over-UDP datagrams, shown on
# the wire.  Builds three network namespaces
#
#     sender ---- router ---- receiver
#     10.72.1.1   .1.254/.2.254   10.72.2.1
#
# attaches the marker to the sender's interface, writes records for a few
# TSNs of one association, sends SCTP packets, and decodes what the router
# received with tshark: TTL, DSCP, ECN and DF per TSN, and the ICMP Time
# Exceeded that the TTL-1 record draws from the router.  Everything it
# creates is removed on exit.  Run as root: make demo
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
PMARKCTL=$TOP/build/pmarkctl
SENDER=$TOP/build/tests/sctp_udp_send
SEND=$TOP/build/pmark-send
SINK=$TOP/build/pmark-sink
S=pmdemo-snd-$$ R=pmdemo-rtr-$$ D=pmdemo-rcv-$$
PIN=/sys/fs/bpf/pmark-demo-$$
WORK=$(mktemp -d /tmp/pmark-demo.XXXXXX)
VTAG=0x1a2b3c4d
PORT=5000
TCPDUMPS=()
# sctp.data_tsn_raw is the absolute TSN pmarkctl takes (sctp.data_tsn is relative).
TSHARK_OPTS=(-d udp.port==$PORT,sctp)

cleanup() {
	for p in "${TCPDUMPS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	"$PMARKCTL" --pin-root "$PIN" detach --all >/dev/null 2>&1
	for ns in "$S" "$R" "$D"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "pmark-demo: $*" >&2; exit 1; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Show a command the way a user would type it, then run it.
run() { printf '$ %s\n' "$*" | sed "s|$PMARKCTL|pmarkctl|; s|$SEND|pmark-send|; s|$SINK|pmark-sink|; s|--pin-root $PIN ||"; "$@"; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
for f in "$PMARKCTL" "$SENDER" "$SEND" "$SINK"; do [ -x "$f" ] || die "$f missing: run make"; done
for c in ip tcpdump tshark; do command -v "$c" >/dev/null || die "$c missing: run make deps"; done

step "topology: sender -- router -- receiver"
for ns in "$S" "$R" "$D"; do ip netns add "$ns" || die "ip netns add $ns"; done
ip link add vs0 netns "$S" type veth peer name vr0 netns "$R"
ip link add vr1 netns "$R" type veth peer name vd0 netns "$D"
ip -n "$S" addr add 10.72.1.1/24 dev vs0
ip -n "$R" addr add 10.72.1.254/24 dev vr0
ip -n "$R" addr add 10.72.2.254/24 dev vr1
ip -n "$D" addr add 10.72.2.1/24 dev vd0
for pair in "$S vs0" "$R vr0" "$R vr1" "$D vd0"; do
	set -- $pair
	ip -n "$1" link set "$2" up
	ip -n "$1" link set lo up
done
ip -n "$S" route add default via 10.72.1.254
ip -n "$D" route add default via 10.72.2.254
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0
echo "sender 10.72.1.1 (vs0) -> router -> receiver 10.72.2.1"

step "attach the marker to the sender's egress and register the SCTP port"
run ip netns exec "$S" "$PMARKCTL" --pin-root "$PIN" attach vs0 || die "attach failed"
run "$PMARKCTL" --pin-root "$PIN" ports add $PORT || die "ports add failed"

step "records for association vtag $VTAG"
run "$PMARKCTL" --pin-root "$PIN" set --vtag $VTAG --tsn 1001 --ttl 1
run "$PMARKCTL" --pin-root "$PIN" set --vtag $VTAG --tsn 1002 --tos 0xb8/0xfc
run "$PMARKCTL" --pin-root "$PIN" set --vtag $VTAG --tsn 1003 --ttl 7 --df clear
run "$PMARKCTL" --pin-root "$PIN" set --vtag $VTAG --tsn 1004 --ttl 9 --once
run "$PMARKCTL" --pin-root "$PIN" dump

step "send TSNs 1000..1004 (ECN ECT(0), DF on), then 1004 again as a retransmission"
ip netns exec "$R" tcpdump -i vr0 -U -n -w "$WORK/router.pcap" "udp port $PORT" 2>/dev/null &
TCPDUMPS+=($!)
ip netns exec "$S" tcpdump -i vs0 -U -n -w "$WORK/icmp.pcap" icmp 2>/dev/null &
TCPDUMPS+=($!)
sleep 1
send() { ip netns exec "$S" "$SENDER" --src-port $PORT --dst 10.72.2.1 --dst-port $PORT \
	--vtag $VTAG --tos 0x02 --df "$@" >/dev/null || die "send failed"; }
send --tsn 1000 --count 5 --gap-ms 20
send --tsn 1004
sleep 1
for p in "${TCPDUMPS[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
TCPDUMPS=()

step "what the router received (tshark)"
printf '%-6s %-6s %-4s %-5s %-4s %-3s\n' frame tsn ttl dscp ecn df
tshark -r "$WORK/router.pcap" "${TSHARK_OPTS[@]}" -T fields -E separator=' ' \
	-e frame.number -e sctp.data_tsn_raw -e ip.ttl -e ip.dsfield.dscp -e ip.dsfield.ecn \
	-e ip.flags.df 2>/dev/null |
	awk '{ printf "%-6s %-6s %-4s %-5s %-4s %-3s\n", $1, $2, $3, $4, $5, $6 }'
cat <<'EOF'
  1000: no record, as the kernel sent it (TTL 64, DSCP 0, ECN 2, DF 1)
  1001: TTL 1        1002: DSCP 46 (EF), ECN bits kept
  1003: TTL 7, DF cleared     1004: TTL 9 once; its retransmission goes out unmarked
EOF

step "the TTL-1 datagram died at the router, which answered (tshark)"
tshark -r "$WORK/icmp.pcap" "${TSHARK_OPTS[@]}" -Y icmp.type==11 -T fields -E separator=' ' \
	-E occurrence=f -e ip.src -e icmp.type -e icmp.code -e sctp.verification_tag \
	-e sctp.data_tsn_raw 2>/dev/null |
	awk '{ printf "from %s: ICMP type %s code %s (Time Exceeded), quoting vtag %s TSN %s\n", $1, $2, $3, $4, $5 }'

step "the marker's counters"
run "$PMARKCTL" --pin-root "$PIN" stats | awk '$2 != 0'

step "a real association: pmark-sink in the receiver, pmark-send in the sender"
echo "4 threads share one association; thread i asks for TTL 20+i and DSCP 10+i;"
echo "3000-byte messages are cut by SCTP into 3 DATA chunks, every one must carry them."
run "$PMARKCTL" --pin-root "$PIN" ports add 5002 || die "ports add failed"
ip netns exec "$D" "$SINK" --once 10.72.2.1:5001 >"$WORK/sink.out" 2>&1 &
SINK_PID=$!
ip netns exec "$R" tcpdump -i vr0 -U --immediate-mode -n -w "$WORK/assoc.pcap" "udp port 5002" 2>/dev/null &
TCPDUMPS+=($!)
sleep 1
run ip netns exec "$S" "$SEND" --pin-root "$PIN" --bind 10.72.1.1:5002 --threads 4 --count 3 --rate 40 \
	--size 3000 --per-thread-options --ttl 20 --dscp 10 --quiet 10.72.2.1:5001 || die "pmark-send failed"
wait "$SINK_PID"
sleep 0.5
for p in "${TCPDUMPS[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
TCPDUMPS=()
echo "receiver: $(tail -n 1 "$WORK/sink.out")"

step "what the router received from that association (tshark, DATA datagrams)"
printf '%-6s %-24s %-7s %-4s %-5s\n' frame "TSN (B/E bits)" thread ttl dscp
tshark -r "$WORK/assoc.pcap" -d udp.port==5002,sctp -Y "sctp.data_tsn_raw && udp.srcport==5002" \
	-T fields -E separator=' ' -E occurrence=f -e frame.number -e sctp.data_tsn_raw \
	-e sctp.data_b_bit -e sctp.data_e_bit -e sctp.data_payload_proto_id -e ip.ttl \
	-e ip.dsfield.dscp 2>/dev/null |
	awk '{ be = ($3 == "True" || $3 == 1 ? "B" : "-") ($4 == "True" || $4 == 1 ? "E" : "-");
	       printf "%-6s %-24s %-7s %-4s %-5s\n", $1, $2 " (" be ")", $5 % 32, $6, $7 }'
echo "every datagram carries the TTL and DSCP of the thread whose message it carries:"
python3 "$TOP/tests/net/check_marks.py" "$WORK/assoc.pcap" --port 5002 --decode 5001 |
	tr ' ' '\n' | grep -E '^(data|ok|mixed|unmarked|mislabeled)=' | paste -sd' '

step "clean up"
run "$PMARKCTL" --pin-root "$PIN" detach --all
