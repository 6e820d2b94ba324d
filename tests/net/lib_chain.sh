# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# The CH_* / ICMP8_* variables are for the scripts that source this file.
# shellcheck disable=SC2034
#
# A chain of router namespaces for the trace tests (pmark-trace, traceroute,
# tracepath).  Source after lib.sh (TAP, cleanup, cap_start, pmctl):
#
#   S ──l1── R1 ──l2── R2 ── ... ── Rn ──l(n+1)── D          positions 0 .. n+1
#
# Link j (1 .. n+1) joins position j-1 (its left end, .1 / ::1) and
# position j (its right end, .2 / ::2):
#   IPv4 10.80.j.0/24, IPv6 fd80:j::/64, interface "lj" at both ends,
#   MACs 02:80:<j hex>:0a:00:01 (left) and :02 (right), permanent neighbours.
# So hop i of a trace from S is Ri's address on link i, 10.80.i.2 /
# fd80:i::2, and the destination D is 10.80.(n+1).2 / fd80:(n+1)::2.
# Routers forward (IPv4 and IPv6), have rp_filter off, no ICMP rate limit
# (icmp_ratelimit=0, net.ipv6.icmp.ratelimit=0, and a large global ICMP
# budget where the kernel has one per namespace), 5-tuple multipath hashing, and
# a static route per subnet both ways; D has no ICMP rate limit either.
# The routes toward S carry the node's upstream address as preferred source,
# so every router's ICMP errors come from the address the trace expects,
# however the way back is chosen.
#
# chain_setup N [OPTION...]      build it (N >= 1 routers); 0 or 1 (diag says what failed)
#   --ecmp K          two parallel routers at position K (2 <= K <= N):
#                     branch a is RK as usual, branch b is RKb on links
#                     "lKb" / "l(K+1)b" (10.80.(100+K).0/24, fd80:(100+K)::/64
#                     and 10.80.(101+K).0/24, fd80:(101+K)::/64); R(K-1) and
#                     R(K+1) (or D) route across both with equal-cost
#                     multipath, hashed on the 5-tuple (fib_multipath_hash_policy
#                     3 with fields 0x37, not 1: see ch_hash_policy;
#                     CH_HASH_POLICY=1 in the environment gives policy 1).
#   --dscp K[:D]      RK's forward hook sets DSCP D (default 34, AF41) on
#                     forwarded UDP, IPv4 and IPv6 (nft).  RK's own Time
#                     Exceeded quotes the datagram as RK received it: the
#                     new DSCP is first seen in hop K+1's quote.
#   --df-clear K      RK's forward hook clears DF on forwarded UDP (nft
#                     "ip frag-off set ip frag-off & 0xbfff").
#   --icmp-drop K     RK drops the Time Exceeded it generates (nft output
#                     hook, ICMP and ICMPv6); it still forwards.
#   --mtu K[:M]       MTU M (default 1280) on link K+1, both ends (RK's
#                     downstream link); all other links 1500.
#   --icmp8 K         RK's kernel IPv4 Time Exceeded dropped as above, and
#                     tests/net/icmp8_responder.py started in RK on lK: it
#                     answers TTL <= 1 UDP with an 8-byte quote (RFC 792)
#                     from 10.80.K.2 (IPv6 Time Exceeded stays the kernel's).
#   Options may be combined, but not at the ECMP position.
#
# After chain_setup:
#   CH_N, CH_PFX            routers, namespace name prefix (pmtr-<test>-PID)
#   CH_NS_S, CH_NS_D        the end namespaces;  CH_S_IF = l1 (S's egress)
#   CH_S4, CH_S6, CH_D4, CH_D6   S's and D's addresses
#   CH_PATH4, CH_PATH6      the expected trace from S to D: hop 1 .. N+1
#                           addresses, space-separated (ECMP hop: branch a)
#   chain_ns POS [b]        namespace of position POS (0 = S, N+1 = D; b: ECMP branch b)
#   chain_hop4 I [b], chain_hop6 I [b]   address of hop I as a trace sees it
#                           (Ri's on its upstream link; I = N+1: D)
#   chain_addr4 J [a|b] 1|2, chain_addr6 ...   left / right address of link J
#   chain_path4 [b], chain_path6 [b]     CH_PATH4/6 with the ECMP hop on branch b
#   chain_marked PORT...    pmarkctl attach on S's l1, ports registered (2 points)
#   chain_cap NAME J [a|b] [FILTER] [left|right]   cap_start on link J, at
#                           its right end by default (what enters position J)
#   icmp8_count             replies the responder has sent (0 if none running)
#   icmp8_wait N            that count, once it reaches N (waits up to 2 s)
#   icmp8_stop              SIGTERM it; sets ICMP8_TOTAL from its "total" line
#   ICMP8_LOG               its output (ready / answered / total lines)
#   chain_teardown          delete the chain (namespaces, pins, responder) to
#                           build another one in the same script
#
# Reference tools and pmark-trace:
#   require_chain           root, ip, nft, python3, namespaces (else exit 4)
#   require_trace           require_chain + built pmarkctl, pmark-trace, pmark-sink, tshark
#   ref_traceroute OUT ARGS...  traceroute (in S) into $LIB_TMP/OUT.txt
#   ref_tracepath OUT ARGS...   the same with tracepath
#   ref_hops OUT            their hops as "addr addr ..." ("*" where none
#                           answered; a tracepath "pmtu N" line is not its
#                           hop's answer); REF_ALL=1: every distinct address
#                           of a hop, comma-separated
#   ch_run CMD...           CMD in the background, waited for: an interrupt
#                           ends the script at once (use it for anything long)
#   trace_run NAME ARGS...  pmark-trace in S (--pin-root $PIN, and
#                           PMARK_PIN_ROOT=$PIN in its environment), bounded by
#                           TRACE_TIMEOUT (60 s); stdout $LIB_TMP/NAME.out,
#                           stderr NAME.err; returns its exit status
#   tj FILE PYEXPR          evaluate PYEXPR on the JSON object in FILE (j);
#                           lists print space-separated, True/False/None as
#                           true/false/null, a failing expression as "error"
#   sink_assocs NAME        "COUNT END..." of pmark-sink --json NAME's associations
#   sink_stat NAME KEY      KEY (any depth) summed over those associations
#   trace_path FILE         hops 1 .. dest_hop (or the last) of a pmark-trace
#                           JSON as "addr addr ..." ("*" for a silent hop)
#
# Cleanup is lib.sh's: the namespaces (and with them every veth, nft table
# and route), the pins, and the background processes (responder, tcpdump,
# sinks) on every exit path.

CH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRACE_BIN=${TRACE_BIN:-$TOP_DIR/build/pmark-trace}
SINK_BIN=${SINK_BIN:-$TOP_DIR/build/pmark-sink}
ICMP8_RESPONDER=$CH_LIB_DIR/icmp8_responder.py
TRACE_TIMEOUT=${TRACE_TIMEOUT:-60}

CH_PFX=pmtr-${TEST_NAME#trace_}-$$
CH_N=0
CH_ECMP=0
CH_S_IF=l1
CH_NS_S=
CH_NS_D=
CH_PATH4=
CH_PATH6=
ICMP8_PID=
ICMP8_HOP=0
ICMP8_LOG=
ICMP8_TOTAL=

# ---------------------------------------------------------------- checks

require_chain()
{
	require_root
	require_cmd ip nft python3 mktemp timeout
	ip netns add "$CH_PFX-probe" 2>/dev/null || skip_all "cannot create network namespaces"
	ip netns del "$CH_PFX-probe"
	lib_tmp >/dev/null
}

require_trace()
{
	require_chain
	require_cmd tc tcpdump tshark
	[ -x "$PMARKCTL" ] || skip_all "$PMARKCTL not built (run make)"
	[ -x "$TRACE_BIN" ] || skip_all "$TRACE_BIN not built (run make)"
	[ -x "$SINK_BIN" ] || skip_all "$SINK_BIN not built (run make)"
	[ -d /sys/fs/bpf ] || skip_all "bpffs not mounted at /sys/fs/bpf"
}

# ---------------------------------------------------------------- naming

# chain_ns POS [b]
chain_ns()
{
	local p=$1 v=${2:-a}
	if [ "$p" = 0 ]; then
		echo "$CH_PFX-s"
	elif [ "$p" = $((CH_N + 1)) ]; then
		echo "$CH_PFX-d"
	elif [ "$v" = b ]; then
		echo "$CH_PFX-r${p}b"
	else
		echo "$CH_PFX-r$p"
	fi
}

# ch_id J V: the number naming subnet J of variant V (a: J, b: 100 + J).
ch_id()
{
	if [ "$2" = b ]; then echo $((100 + $1)); else echo "$1"; fi
}

# chain_addr4 J [a|b] SIDE (1 left, 2 right)
chain_addr4()
{
	if [ $# = 2 ]; then set -- "$1" a "$2"; fi
	echo "10.80.$(ch_id "$1" "$2").$3"
}

chain_addr6()
{
	if [ $# = 2 ]; then set -- "$1" a "$2"; fi
	echo "fd80:$(ch_id "$1" "$2")::$3"
}

ch_ifname()
{
	if [ "$2" = b ]; then echo "l${1}b"; else echo "l$1"; fi
}

ch_mac()
{
	printf '02:80:%02x:0%s:00:%02x\n' "$1" "$2" "$3"
}

# chain_hop4 I [b]: what a trace reports at hop I.
chain_hop4()
{
	chain_addr4 "$1" "${2:-a}" 2
}

chain_hop6()
{
	chain_addr6 "$1" "${2:-a}" 2
}

# ch_link_variants J: "a" or "a b" (link J touches the ECMP position).
ch_link_variants()
{
	if [ "$CH_ECMP" != 0 ] && { [ "$1" = "$CH_ECMP" ] || [ "$1" = $((CH_ECMP + 1)) ]; }; then
		echo "a b"
	else
		echo a
	fi
}

# ch_node_variants P: the nodes at position P.
ch_node_variants()
{
	if [ "$CH_ECMP" != 0 ] && [ "$1" = "$CH_ECMP" ]; then echo "a b"; else echo a; fi
}

# ch_attached P V J: the variants of link J (P or P+1) node (P, V) is on.
ch_attached()
{
	local p=$1 v=$2 j=$3
	[ "$j" -ge 1 ] && [ "$j" -le $((CH_N + 1)) ] || return 0
	if [ "$CH_ECMP" != 0 ] && [ "$p" = "$CH_ECMP" ]; then
		echo "$v"
	else
		ch_link_variants "$j"
	fi
}

chain_path4()
{
	local i out=
	for ((i = 1; i <= CH_N + 1; i++)); do
		if [ "$i" = "$CH_ECMP" ]; then
			out+="$(chain_hop4 "$i" "${1:-a}") "
		else
			out+="$(chain_hop4 "$i") "
		fi
	done
	echo "${out% }"
}

chain_path6()
{
	local i out=
	for ((i = 1; i <= CH_N + 1; i++)); do
		if [ "$i" = "$CH_ECMP" ]; then
			out+="$(chain_hop6 "$i" "${1:-a}") "
		else
			out+="$(chain_hop6 "$i") "
		fi
	done
	echo "${out% }"
}

# ---------------------------------------------------------------- setup

# ch_nft NS RULESET: load an nft ruleset (stdin of nft -f) in NS.
ch_nft()
{
	in_ns "$1" nft -f - <<<"$2"
}

# ch_hash_policy NS: multipath hashing on the 5-tuple of the packet.
# Policy 1 (L4) takes an L4 hash the skb already carries as it is, and a veth
# passes the sending socket's hash (sk_txhash) on through every namespace:
# each socket would pick a random branch whatever its ports (traceroute's
# per-probe sockets scatter; an association would look stable for the wrong
# reason).  Policy 3 with fields 0x37 (addresses, protocol, ports) always
# dissects the packet, as a router that got it off a wire would.  CH_HASH_POLICY=1
# gives the plain L4 policy.
CH_HASH_POLICY=${CH_HASH_POLICY:-3}
ch_hash_policy()
{
	if [ "$CH_HASH_POLICY" = 3 ]; then
		in_ns "$1" sysctl -qw net.ipv4.fib_multipath_hash_policy=3 net.ipv4.fib_multipath_hash_fields=0x37 \
			net.ipv6.fib_multipath_hash_policy=3 net.ipv6.fib_multipath_hash_fields=0x37
	else
		in_ns "$1" sysctl -qw net.ipv4.fib_multipath_hash_policy="$CH_HASH_POLICY" \
			net.ipv6.fib_multipath_hash_policy="$CH_HASH_POLICY"
	fi
}

chain_setup()
{
	local n=$1 dscp_hop=0 dscp_val=34 dfclr_hop=0 drop_hop=0 mtu_hop=0 mtu=1280 icmp8_hop=0
	local p v j w u ns nsl nsr ifc nh4 nh6 src4 src6 a4 a6 k opt
	shift
	while [ $# -gt 0 ]; do
		opt=$1
		[ $# -ge 2 ] || { diag "chain_setup: $opt needs a value"; return 1; }
		case "$1" in
		--ecmp) CH_ECMP=$2 ;;
		--dscp) dscp_hop=${2%%:*}; [[ "$2" == *:* ]] && dscp_val=${2#*:} ;;
		--df-clear) dfclr_hop=$2 ;;
		--icmp-drop) drop_hop=$2 ;;
		--mtu) mtu_hop=${2%%:*}; [[ "$2" == *:* ]] && mtu=${2#*:} ;;
		--icmp8) icmp8_hop=$2 ;;
		*) diag "chain_setup: unknown option $1"; return 1 ;;
		esac
		shift 2
	done
	CH_N=$n
	if [ "$CH_ECMP" != 0 ] && { [ "$CH_ECMP" -lt 2 ] || [ "$CH_ECMP" -gt "$n" ]; }; then
		diag "chain_setup: --ecmp K needs 2 <= K <= $n"
		return 1
	fi
	for k in $dscp_hop $dfclr_hop $drop_hop $mtu_hop $icmp8_hop; do
		if [ "$k" -gt "$n" ] || { [ "$k" != 0 ] && [ "$k" = "$CH_ECMP" ]; }; then
			diag "chain_setup: option hop $k outside 1..$n or at the ECMP position"
			return 1
		fi
	done
	CH_NS_S=$(chain_ns 0)
	CH_NS_D=$(chain_ns $((n + 1)))
	CH_S4=$(chain_addr4 1 1)
	CH_S6=$(chain_addr6 1 1)
	CH_D4=$(chain_hop4 $((n + 1)))
	CH_D6=$(chain_hop6 $((n + 1)))
	CH_PATH4=$(chain_path4 a)
	CH_PATH6=$(chain_path6 a)

	LIB_DO_ERR=
	for ((p = 0; p <= n + 1; p++)); do
		for v in $(ch_node_variants "$p"); do
			ns=$(chain_ns "$p" "$v")
			lib_netns_add "$ns" || { diag "cannot create namespace $ns"; return 1; }
			if [ "$p" -ge 1 ] && [ "$p" -le "$n" ]; then
				lib_do in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
					net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
				lib_do ch_hash_policy "$ns"
			fi
			if [ "$p" -ge 1 ]; then
				lib_do in_ns "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
				# The global ICMP budget (1000/s, burst 50), per namespace on
				# recent kernels; best effort where it is not.
				in_ns "$ns" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 \
					net.ipv4.icmp_msgs_burst=100000 >/dev/null 2>&1
			fi
		done
	done

	# Links, addresses, neighbours.
	for ((j = 1; j <= n + 1; j++)); do
		for w in $(ch_link_variants "$j"); do
			if [ "$((j - 1))" = "$CH_ECMP" ]; then nsl=$(chain_ns $((j - 1)) "$w"); else nsl=$(chain_ns $((j - 1))); fi
			if [ "$j" = "$CH_ECMP" ]; then nsr=$(chain_ns "$j" "$w"); else nsr=$(chain_ns "$j"); fi
			ifc=$(ch_ifname "$j" "$w")
			k=$(ch_id "$j" "$w")
			lib_do ip -n "$nsl" link add name "$ifc" address "$(ch_mac "$k" "$w" 1)" type veth \
				peer name "$ifc" address "$(ch_mac "$k" "$w" 2)" netns "$nsr" || continue
			if [ "$mtu_hop" != 0 ] && [ "$j" = $((mtu_hop + 1)) ]; then
				lib_do ip -n "$nsl" link set dev "$ifc" mtu "$mtu"
				lib_do ip -n "$nsr" link set dev "$ifc" mtu "$mtu"
			fi
			lib_do ip -n "$nsl" addr add "$(chain_addr4 "$j" "$w" 1)/24" dev "$ifc"
			lib_do ip -n "$nsl" addr add "$(chain_addr6 "$j" "$w" 1)/64" dev "$ifc" nodad
			lib_do ip -n "$nsr" addr add "$(chain_addr4 "$j" "$w" 2)/24" dev "$ifc"
			lib_do ip -n "$nsr" addr add "$(chain_addr6 "$j" "$w" 2)/64" dev "$ifc" nodad
			lib_do ip -n "$nsl" link set dev "$ifc" up
			lib_do ip -n "$nsr" link set dev "$ifc" up
			lib_do ip -n "$nsl" neigh add "$(chain_addr4 "$j" "$w" 2)" lladdr "$(ch_mac "$k" "$w" 2)" dev "$ifc" nud permanent
			lib_do ip -n "$nsl" neigh add "$(chain_addr6 "$j" "$w" 2)" lladdr "$(ch_mac "$k" "$w" 2)" dev "$ifc" nud permanent
			lib_do ip -n "$nsr" neigh add "$(chain_addr4 "$j" "$w" 1)" lladdr "$(ch_mac "$k" "$w" 1)" dev "$ifc" nud permanent
			lib_do ip -n "$nsr" neigh add "$(chain_addr6 "$j" "$w" 1)" lladdr "$(ch_mac "$k" "$w" 1)" dev "$ifc" nud permanent
		done
	done
	# As lib.sh does for S: the kernel completes UDP checksums after tc
	# egress, so captures can verify them.
	lib_do tx_csum_off "$CH_NS_S" "$CH_S_IF"

	# Routes: every subnet not on the node, upstream (links <= P) through
	# the left ends of link P, downstream through the right ends of link
	# P+1; two such ends make an equal-cost multipath route.  Upstream
	# routes name the node's address on its upstream link as preferred
	# source: a router answers from that address even where its way back
	# is multipath (R(K+1) behind the ECMP position).
	for ((p = 0; p <= n + 1; p++)); do
		for v in $(ch_node_variants "$p"); do
			ns=$(chain_ns "$p" "$v")
			# shellcheck disable=SC2016 # expanded by sh in the namespace
			in_ns "$ns" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done'
			for ((j = 1; j <= n + 1; j++)); do
				for w in $(ch_link_variants "$j"); do
					if { [ "$j" = "$p" ] || [ "$j" = $((p + 1)) ]; } &&
						[[ " $(ch_attached "$p" "$v" "$j") " == *" $w "* ]]; then
						continue
					fi
					nh4=() nh6=() src4=() src6=()
					if [ "$j" -le "$p" ]; then
						src4=(src "$(chain_addr4 "$p" "$v" 2)")
						src6=(src "$(chain_addr6 "$p" "$v" 2)")
						for u in $(ch_attached "$p" "$v" "$p"); do
							nh4+=(nexthop via "$(chain_addr4 "$p" "$u" 1)" dev "$(ch_ifname "$p" "$u")")
							nh6+=(nexthop via "$(chain_addr6 "$p" "$u" 1)" dev "$(ch_ifname "$p" "$u")")
						done
					else
						for u in $(ch_attached "$p" "$v" $((p + 1))); do
							nh4+=(nexthop via "$(chain_addr4 $((p + 1)) "$u" 2)" dev "$(ch_ifname $((p + 1)) "$u")")
							nh6+=(nexthop via "$(chain_addr6 $((p + 1)) "$u" 2)" dev "$(ch_ifname $((p + 1)) "$u")")
						done
					fi
					a4="10.80.$(ch_id "$j" "$w").0/24"
					a6="fd80:$(ch_id "$j" "$w")::/64"
					if [ "${#nh4[@]}" = 5 ]; then
						# One next hop: a plain route.
						lib_do ip -n "$ns" route add "$a4" "${src4[@]}" "${nh4[@]:1}"
						lib_do ip -n "$ns" -6 route add "$a6" "${src6[@]}" "${nh6[@]:1}"
					else
						lib_do ip -n "$ns" route add "$a4" "${src4[@]}" "${nh4[@]}"
						lib_do ip -n "$ns" -6 route add "$a6" "${src6[@]}" "${nh6[@]}"
					fi
				done
			done
		done
	done

	# Per-hop behaviours (nft tables named pmtr in the router).
	if [ "$dscp_hop" != 0 ]; then
		lib_do ch_nft "$(chain_ns "$dscp_hop")" "table inet pmtr {
	chain pm_forward {
		type filter hook forward priority 0; policy accept;
		ip protocol udp ip dscp set $dscp_val
		ip6 nexthdr udp ip6 dscp set $dscp_val
	}
}"
	fi
	if [ "$dfclr_hop" != 0 ]; then
		lib_do ch_nft "$(chain_ns "$dfclr_hop")" "table ip pmtr_df {
	chain pm_forward {
		type filter hook forward priority 10; policy accept;
		ip protocol udp ip frag-off & 0x4000 != 0 ip frag-off set ip frag-off & 0xbfff
	}
}"
	fi
	if [ "$drop_hop" != 0 ]; then
		lib_do ch_nft "$(chain_ns "$drop_hop")" "table inet pmtr_drop {
	chain pm_output {
		type filter hook output priority 0; policy accept;
		icmp type time-exceeded drop
		icmpv6 type time-exceeded drop
	}
}"
	fi
	if [ "$icmp8_hop" != 0 ]; then
		lib_do ch_nft "$(chain_ns "$icmp8_hop")" "table ip pmtr_icmp8 {
	chain pm_output {
		type filter hook output priority 0; policy accept;
		icmp type time-exceeded drop
	}
}"
	fi
	[ -z "$LIB_DO_ERR" ] || { diag "chain setup failed:" "${LIB_DO_ERR%$'\n'}"; return 1; }
	if [ "$icmp8_hop" != 0 ]; then
		icmp8_start "$icmp8_hop" || return 1
	fi
	return 0
}

# ---------------------------------------------------------------- responder

# icmp8_start K: the 8-byte responder in RK on lK, answering from
# 10.80.K.2; returns once it says "ready".
icmp8_start()
{
	local k=$1 ns
	ns=$(chain_ns "$k")
	ICMP8_HOP=$k
	ICMP8_LOG=$LIB_TMP/icmp8.log
	rm -f "$ICMP8_LOG" "$LIB_TMP/icmp8.count"
	ip netns exec "$ns" python3 "$ICMP8_RESPONDER" --iface "l$k" --src "$(chain_addr4 "$k" 2)" \
		--local "$(chain_addr4 $((k + 1)) 1)" --count-file "$LIB_TMP/icmp8.count" \
		>"$ICMP8_LOG" 2>"$LIB_TMP/icmp8.err" &
	ICMP8_PID=$!
	track_pid "$ICMP8_PID"
	wait_output "$ICMP8_PID" "$ICMP8_LOG" 5 '^ready' && return 0
	diag "icmp8_responder did not start:" "$(cat "$LIB_TMP/icmp8.err")"
	return 1
}

icmp8_count()
{
	local c
	c=$(cat "$LIB_TMP/icmp8.count" 2>/dev/null)
	echo "${c:-0}"
}

# icmp8_wait N: wait (up to 2 s) until the responder has sent N replies
# (its count is written just after each send, so a reply may reach S a
# moment before it is counted); the count then.
icmp8_wait()
{
	local i c
	for ((i = 0; i < 40; i++)); do
		c=$(icmp8_count)
		[ "$c" -ge "$1" ] && break
		sleep 0.05
	done
	echo "$c"
}

# icmp8_stop: SIGTERM (it prints "total N" and exits 0), SIGKILL after 5 s.
icmp8_stop()
{
	local rc
	ICMP8_TOTAL=
	[ -n "$ICMP8_PID" ] || return 1
	stop_pid "$ICMP8_PID" 5
	rc=$STOP_RC
	forget_pid "$ICMP8_PID"
	ICMP8_PID=
	ICMP8_TOTAL=$(sed -n 's/^total //p' "$ICMP8_LOG")
	return $rc
}

# chain_teardown: delete the chain (its namespaces, the marker's pins, the
# responder) so that a script can build another one; CH_* reset.
chain_teardown()
{
	local ns keep=() out
	[ -n "$ICMP8_PID" ] && icmp8_stop
	if [ -e "$PIN" ] && [ -x "$PMARKCTL" ]; then
		out=$("$PMARKCTL" --pin-root "$PIN" detach --all 2>&1) ||
			diag "chain_teardown: pmarkctl detach --all failed: $out"
		rm -rf "$PIN" 2>/dev/null
	fi
	for ns in "${LIB_NETNS[@]}"; do
		if [[ "$ns" == "$CH_PFX-"* ]]; then
			ip netns del "$ns" 2>/dev/null
		else
			keep+=("$ns")
		fi
	done
	LIB_NETNS=("${keep[@]}")
	CH_N=0 CH_ECMP=0 CH_NS_S='' CH_NS_D='' CH_PATH4='' CH_PATH6='' ICMP8_HOP=0
}

# ---------------------------------------------------------------- marker, capture

chain_marked()
{
	check "attach the marker to $CH_S_IF in S" pmctl_ns "$CH_NS_S" attach "$CH_S_IF"
	check "register UDP port(s) $*" pmctl ports add "$@"
}

# chain_cap NAME J [a|b] [FILTER] [left|right]
chain_cap()
{
	local name=$1 j=$2 w=${3:-a} filter=${4:-} side=${5:-right} p ns
	if [ "$side" = left ]; then p=$((j - 1)); else p=$j; fi
	if [ "$p" = "$CH_ECMP" ]; then ns=$(chain_ns "$p" "$w"); else ns=$(chain_ns "$p"); fi
	cap_start "$name" "$ns" "$(ch_ifname "$j" "$w")" "$filter"
}

# ---------------------------------------------------------------- reference tools

# ref_parse: traceroute / tracepath output on stdin -> "addr addr ..." by hop,
# the first address that answered each hop ("*": none); with REF_ALL=1 every
# distinct address of a hop, comma-separated.
ref_parse()
{
	python3 -c '
import re, sys
hops = {}
for line in sys.stdin:
    m = re.match(r"\s*(\d+)\??:?\s+(.*)", line)
    if not m:
        continue
    n, rest = int(m.group(1)), m.group(2)
    h = hops.setdefault(n, [])
    if "[LOCALHOST]" in rest:
        continue
    # tracepath prints a Packet Too Big / Fragmentation Needed under the
    # TTL it sent ("N:  addr  0.1ms pmtu 1280"): not that hop'"'"'s answer.
    pmtu = " pmtu " in " " + rest
    for a in re.findall(r"(?<![\w:.])(\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*:[0-9a-fA-F:]*[0-9a-fA-F])(?![\w:.])", rest):
        h.append((pmtu, a))
def pick(h):
    got = []
    for pmtu, a in h:
        if not pmtu and a not in got:
            got.append(a)
    if not got:
        return "*"
    return ",".join(got) if all_addrs else got[0]
all_addrs = len(sys.argv) > 1 and sys.argv[1] == "all"
print(" ".join(pick(hops[i]) for i in sorted(hops)))
' "${REF_ALL:+all}"
}

# ch_run CMD...: CMD in the background, waited for.  Bash runs the INT/TERM
# trap of a script only once a foreground command has ended, and not at all
# when that command exits normally after the signal (or never got it:
# timeout(1) runs in its own process group); "wait" returns at once.  The
# command is tracked, so the cleanup stops it.
ch_run()
{
	local p rc
	"$@" &
	p=$!
	track_pid "$p"
	wait "$p"
	rc=$?
	forget_pid "$p"
	return $rc
}

ref_traceroute()
{
	local out=$1
	shift
	ch_run in_ns "$CH_NS_S" timeout -k 5 120 traceroute "$@" >"$LIB_TMP/$out.txt" 2>"$LIB_TMP/$out.err" ||
		{ diag "traceroute $* failed:" "$(cat "$LIB_TMP/$out.err")"; return 1; }
}

ref_tracepath()
{
	local out=$1
	shift
	ch_run in_ns "$CH_NS_S" timeout -k 5 120 tracepath "$@" >"$LIB_TMP/$out.txt" 2>"$LIB_TMP/$out.err" ||
		{ diag "tracepath $* failed:" "$(cat "$LIB_TMP/$out.err")"; return 1; }
}

# tp_pmtu FILE: "ADDR MTU RESUME": the hop that reported an MTU in tracepath's
# output (first "pmtu N" line that is not [LOCALHOST]), and its Resume pmtu.
tp_pmtu()
{
	python3 - "$1" <<'PY'
import re, sys
addr = mtu = resume = "none"
for line in open(sys.argv[1]):
    m = re.search(r"Resume: pmtu (\d+)", line)
    if m:
        resume = m.group(1)
        continue
    m = re.match(r"\s*\d+\??:\s+(\S+).*\bpmtu (\d+)", line)
    if m and m.group(1) != "[LOCALHOST]" and addr == "none":
        addr, mtu = m.group(1), m.group(2)
print(addr, mtu, resume)
PY
}

# ref_hops OUT: the hops of ref_traceroute / ref_tracepath OUT (ref_parse).
ref_hops()
{
	grep -v '^traceroute to' "$LIB_TMP/$1.txt" 2>/dev/null | ref_parse
}

# ---------------------------------------------------------------- pmark-trace

trace_run()
{
	local name=$1 rc pin=()
	shift
	"$TRACE_BIN" --help 2>/dev/null | grep -q -- --pin-root && pin=(--pin-root "$PIN")
	ch_run in_ns "$CH_NS_S" env PMARK_PIN_ROOT="$PIN" timeout -k 5 "$TRACE_TIMEOUT" "$TRACE_BIN" \
		"${pin[@]}" "$@" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err"
	rc=$?
	[ $rc = 124 ] && diag "pmark-trace did not finish in $TRACE_TIMEOUT s"
	return $rc
}

tj()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
def conv(x):
    if x is True: return "true"
    if x is False: return "false"
    if x is None: return "null"
    if isinstance(x, (list, tuple)): return " ".join(conv(y) for y in x)
    return str(x)
try:
    txt = open(sys.argv[1]).read()
    j = None
    for line in txt.splitlines():
        if line.startswith("{"):
            try:
                j = json.loads(line)
            except ValueError:
                pass
    if j is None:
        j = json.loads(txt)
    print(conv(eval(sys.argv[2], {"j": j, "json": json})))
except Exception as e:
    print("error")
    sys.stderr.write("tj: %s: %s\n" % (sys.argv[2], e))
PY
}

# sink_assocs NAME: "COUNT END..." of the association objects in a
# pmark-sink --json output (END "closed" for a graceful end).
sink_assocs()
{
	python3 - "$LIB_TMP/$1.out" <<'PY'
import json, sys
ends = []
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") == "association":
        ends.append(str(o.get("end")))
print(len(ends), *ends)
PY
}

# sink_stat NAME KEY: KEY summed over the association objects of a
# pmark-sink --json output, searched at any depth ("missing" if none has it).
sink_stat()
{
	python3 - "$LIB_TMP/$1.out" "$2" <<'PY'
import json, sys
def find(o, k):
    if isinstance(o, dict):
        if k in o and not isinstance(o[k], (dict, list)):
            return o[k]
        for v in o.values():
            r = find(v, k)
            if r is not None:
                return r
    return None
tot, seen = 0, False
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") != "association":
        continue
    v = find(o, sys.argv[2])
    if v is not None:
        seen = True
        tot += v
print(tot if seen else "missing")
PY
}

trace_path()
{
	tj "$1" '[(h["addrs"][0] if h.get("addrs") else "*") for h in sorted(j["hops"], key=lambda h: h["hop"]) if h["hop"] <= (j.get("dest_hop") or max([0] + [x["hop"] for x in j["hops"]]))]'
}

# ---------------------------------------------------------------- protected associations

# sink_fingerprint NAME: the certificate fingerprint ("sha-256 AB:...") a
# pmark-sink --dtls started by sink_start NAME printed: its "dtls: FP" line
# (text output) or the "fingerprint" of its listening object (--json);
# nothing (status 1) if it printed neither.
sink_fingerprint()
{
	python3 - "$LIB_TMP/$1.out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("dtls: "):
        print(line[6:])
        sys.exit(0)
    if line.startswith("{"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == "listening" and o.get("fingerprint"):
            print(o["fingerprint"])
            sys.exit(0)
sys.exit(1)
PY
}
