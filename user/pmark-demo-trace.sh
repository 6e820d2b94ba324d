#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark demonstration, part 1: trace the path inside a live association.
#
#   sender -- r1 -- r2 -- r3 -- r4 -- r5 -- receiver
#                         |            \___ link r4-r5 has MTU 1280
#                         rewrites DSCP to AF41 on what it forwards
#
# The sender runs pmark-trace: it opens an association to pmark-sink on the
# receiver, starts a bulk transfer on it, and traces the path with probes
# that are messages of that same association (TTL 1..N, all at once).  The
# ICMP errors come back on the association's own UDP socket.  Then the
# system's traceroute on the same topology, for comparison, and the path
# MTU.  Last, the same trace over an encrypted association (SCTP inside
# DTLS 1.2, as a WebRTC data channel): the marker finds each probe's record
# by its DTLS record number, ICMP errors are matched by it, and each probe's
# cleartext goes to a pcap beside the encrypted one.  Everything it creates
# is removed on exit.  Run as root: make demo
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
PMARKCTL=$TOP/build/pmarkctl
TRACE=$TOP/build/pmark-trace
SINK=$TOP/build/pmark-sink
TAG=pmdt$$
S=$TAG-snd D=$TAG-rcv
ROUTERS=(r1 r2 r3 r4 r5)
PIN=/sys/fs/bpf/pmark-demo-trace-$$
PORT=5001
DTLS_PORT=5002
SINK_PIDS=()
WORK=$(mktemp -d /tmp/pmark-demo-trace.XXXXXX) || exit 1

cleanup() {
	for p in "${SINK_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	"$PMARKCTL" --pin-root "$PIN" detach --all >/dev/null 2>&1
	ip netns del "$S" 2>/dev/null
	ip netns del "$D" 2>/dev/null
	for r in "${ROUTERS[@]}"; do ip netns del "$TAG-$r" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "pmark-demo: $*" >&2; exit 1; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*" | sed "s|ip netns exec $TAG-[a-z0-9]* ||; s|$PMARKCTL|pmarkctl|; s|$TRACE|pmark-trace|; s|$SINK|pmark-sink|; s|--pin-root $PIN ||; s|$WORK/||g"
	"$@"
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
for f in "$PMARKCTL" "$TRACE" "$SINK"; do [ -x "$f" ] || die "$f missing: run make"; done
for c in ip nft traceroute tcpdump tshark; do command -v "$c" >/dev/null || die "$c missing: run make deps"; done

# Link i joins node i and node i+1 (node 0 = sender, 6 = receiver): 10.73.i.0/24, fd73:i::/64.
NODES=("$S")
for r in "${ROUTERS[@]}"; do NODES+=("$TAG-$r"); done
NODES+=("$D")
LAST=$((${#NODES[@]} - 1))

step "topology: sender -- r1 -- r2 -- r3 -- r4 -- r5 -- receiver"
for ns in "${NODES[@]}"; do
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
done
for ((i = 0; i < LAST; i++)); do
	a=${NODES[$i]} b=${NODES[$((i + 1))]} l=$((i + 1))
	ip link add "e$l" netns "$a" type veth peer name "w$l" netns "$b" || die "veth $l"
	ip -n "$a" addr add "10.73.$l.1/24" dev "e$l"
	ip -n "$b" addr add "10.73.$l.2/24" dev "w$l"
	ip -n "$a" addr add "fd73:$l::1/64" dev "e$l" nodad
	ip -n "$b" addr add "fd73:$l::2/64" dev "w$l" nodad
	ip -n "$a" link set "e$l" up
	ip -n "$b" link set "w$l" up
done
for ((i = 0; i <= LAST; i++)); do
	ns=${NODES[$i]}
	# Link j's subnet: through the next node if it lies ahead, the previous one if behind.
	for ((j = 1; j <= LAST; j++)); do
		if ((j > i + 1)); then
			ip -n "$ns" route add "10.73.$j.0/24" via "10.73.$((i + 1)).2"
			ip -n "$ns" -6 route add "fd73:$j::/64" via "fd73:$((i + 1))::2"
		elif ((j < i)); then
			ip -n "$ns" route add "10.73.$j.0/24" via "10.73.$i.1"
			ip -n "$ns" -6 route add "fd73:$j::/64" via "fd73:$i::1"
		fi
	done
	if ((i > 0 && i < LAST)); then
		# Routers answer every TTL-expired probe (Linux rate-limits ICMP per destination).
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
	fi
done
ip -n "$TAG-r4" link set e5 mtu 1280
ip -n "$TAG-r5" link set w5 mtu 1280
ip netns exec "$TAG-r3" nft -f - <<'EOF' || die "nft in r3"
table inet demo {
	chain forwarded {
		type filter hook forward priority mangle; policy accept;
		meta l4proto udp ip dscp set af41
		meta l4proto udp ip6 dscp set af41
	}
}
EOF
for ((i = 1; i < LAST; i++)); do printf 'r%d: 10.73.%d.2  fd73:%d::2\n' "$i" "$i" "$i"; done
echo "receiver: 10.73.$LAST.2  fd73:$LAST::2   (r3 rewrites DSCP to AF41; r4-r5 link MTU 1280)"

step "attach the marker to the sender's interface"
run ip netns exec "$S" "$PMARKCTL" --pin-root "$PIN" attach e1 || die "attach failed"
export PMARK_PIN_ROOT=$PIN

step "the receiver: pmark-sink (a libpmark peer: it drops probes, never hands them to its application)"
for addr in "10.73.$LAST.2:$PORT" "[fd73:$LAST::2]:$PORT"; do
	ip netns exec "$D" "$SINK" --quiet --mtu 1500 "$addr" >/dev/null 2>&1 &
	SINK_PIDS+=($!)
done
sleep 0.5

step "trace the association while it carries 20000 messages of 1000 bytes, probes marked DSCP EF"
run ip netns exec "$S" "$TRACE" -n --dscp 46 --load 20000x1000 "10.73.$LAST.2:$PORT" ||
	die "pmark-trace failed"

step "the system's traceroute on the same topology (UDP probes on other ports)"
run ip netns exec "$S" traceroute -n -q 3 -w 1 "10.73.$LAST.2"

step "IPv6, and the path MTU (DF probes of growing size)"
run ip netns exec "$S" "$TRACE" -n -q 1 "[fd73:$LAST::2]:$PORT" || die "pmark-trace -6 failed"
run ip netns exec "$S" "$TRACE" -n --pmtu "10.73.$LAST.2:$PORT" || die "pmark-trace --pmtu failed"

step "an encrypted association (SCTP inside DTLS 1.2, as WebRTC): marked and traced"
ip netns exec "$D" "$SINK" --quiet --dtls "10.73.$LAST.2:$DTLS_PORT" >"$WORK/dtls-sink.out" 2>&1 &
SINK_PIDS+=($!)
for ((i = 0; i < 50; i++)); do
	grep -q "listening on" "$WORK/dtls-sink.out" && break
	sleep 0.1
done
FP=$(sed -n 's/^dtls: //p' "$WORK/dtls-sink.out")
[ -n "$FP" ] || die "the DTLS sink did not start: $(cat "$WORK/dtls-sink.out")"
echo "the receiver's certificate (generated at start): $FP"
ip netns exec "$TAG-r1" tcpdump -q -i w1 -U -w "$WORK/wire.pcap" "udp port $DTLS_PORT" 2>/dev/null &
DUMP=$!
sleep 1
run ip netns exec "$S" "$TRACE" -n --dscp 46 --load 5000x1000 --dtls --peer-fingerprint "$FP" \
	--keylog "$WORK/keys.txt" --cleartext-pcap "$WORK/probes-clear.pcap" \
	"10.73.$LAST.2:$DTLS_PORT" || die "pmark-trace --dtls failed"
sleep 1
kill "$DUMP" 2>/dev/null
wait "$DUMP" 2>/dev/null
echo
echo "on the wire (r1), the first probes: DTLS application data, the TTL and DSCP written per record"
run tshark -r "$WORK/wire.pcap" -n -Y "dtls.record.content_type == 23 && ip.ttl < 7" \
	-T fields -e ip.ttl -e ip.dsfield.dscp -e dtls.record.epoch -e dtls.record.sequence_number \
	-E header=y 2>/dev/null | head -8
echo
echo "the cleartext of those probes, from the pcap the sender wrote beside them (record id = epoch, sequence)"
echo '$ tests/net/clear_pairs.py probes-clear.pcap'
python3 "$TOP/tests/net/clear_pairs.py" "$WORK/probes-clear.pcap" | head -6 |
	python3 -c 'import json,sys
for l in sys.stdin:
    p = json.loads(l)
    print("epoch %d seq %-5d ttl %-3d tsn %s" % (p["epoch"], p["seq"], p["ttl"], p["tsns"]))'

step "the marker's ingress counters: ICMP errors that quoted our datagrams"
run "$PMARKCTL" --pin-root "$PIN" stats | grep -E "icmp|ipid|marked|dtls" || true
echo
echo "demo part 1 done: namespaces, links and pins removed on exit"
