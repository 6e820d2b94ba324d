#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark-trace probes follow their association's ECMP path (the Paris
# traceroute property).  Chain S - R1 - R2 - {R3 | R3b} - R4 .. R6 - D:
# R2 and R4 spread flows over R3 and R3b by a hash of the 5-tuple
# (lib_chain.sh --ecmp 3).  For each family, associations from different
# source ports each run pmark-trace --load (a small bulk transfer on the
# association during the trace); captures on both branches (where R3 and
# R3b receive from R2) count each association's datagrams from S, decoded
# as SCTP by tshark.  Checked, per family:
#   every trace exits 0 and reaches D at hop 7, its load acked;
#   every association's datagrams (handshake, data, probes) crossed one
#   branch only, its data among them;
#   every probe sent with TTL >= 3 crossed that branch (count from the
#   trace's probes_sent), none the other;
#   the hop each trace reports at position 3 is that branch's router, the
#   other hops are the configured ones;
#   both branches carried at least one association (the hash is active);
#   the captures are complete.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

N=6
K=3
DPORT=5001
LPORT=41200      # IPv4 associations from LPORT.., IPv6 from LPORT+50..
MIN_ASSOC=8      # associations per family, more (up to MAX_ASSOC) until
MAX_ASSOC=16     # both branches have been used
LOAD=100x400
PROBE_PPID=0x504d4b54

require_trace
tap_plan 24

need "chain of $N routers, ECMP at position $K" chain_setup $N --ecmp $K
ports=()
for ((i = 0; i < MAX_ASSOC; i++)); do
	ports+=($((LPORT + i)) $((LPORT + 50 + i)))
done
chain_marked "${ports[@]}"
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

# branch_counts PCAP FAMILY SADDR: per source port of S's datagrams to
# $DPORT: "port total probes data" lines.
branch_counts()
{
	local ipf=ip
	[ "$2" = 6 ] && ipf=ipv6
	tshark -r "$1" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE -d "udp.port==$DPORT,sctp" \
		-Y "$ipf.src == $3 && udp.dstport == $DPORT" -T fields -E separator=';' \
		-e udp.srcport -e sctp.data_payload_proto_id 2>"$LIB_TMP/tshark.err" | python3 -c '
import sys
probe = int(sys.argv[1], 0)
c = {}
for line in sys.stdin:
    port, ppids = line.rstrip("\n").split(";")
    p = [int(x, 0) for x in ppids.split(",") if x]
    t = c.setdefault(int(port), [0, 0, 0])
    t[0] += 1
    if probe in p:
        t[1] += 1
    elif p:
        t[2] += 1
for port in sorted(c):
    print(port, *c[port])
' "$PROBE_PPID"
}

run_family()
{
	local fam=$1 base sa ha hb i port target fails=() na=0 nb=0 n
	if [ "$fam" = 4 ]; then
		base=$LPORT sa=$CH_S4 target="$CH_D4:$DPORT"
		ha=$(chain_hop4 $K) hb=$(chain_hop4 $K b)
	else
		base=$((LPORT + 50)) sa=$CH_S6 target="[$CH_D6]:$DPORT"
		ha=$(chain_hop6 $K) hb=$(chain_hop6 $K b)
	fi
	chain_cap "a$fam" $K a "udp" || return 1
	chain_cap "b$fam" $K b "udp" || return 1
	tap_ok "IPv$fam: captures where R3 and R3b receive from R2"

	for ((i = 0; i < MAX_ASSOC; i++)); do
		[ $i -ge $MIN_ASSOC ] && [ $na -gt 0 ] && [ $nb -gt 0 ] && break
		port=$((base + i))
		if [ "$fam" = 4 ]; then local_addr="$sa:$port"; else local_addr="[$sa]:$port"; fi
		trace_run "e$fam-$port" -n --json --load "$LOAD" --local "$local_addr" "$target" ||
			fails+=("port $port: exit $? $(head -c 300 "$LIB_TMP/e$fam-$port.err")")
		case "$(tj "$LIB_TMP/e$fam-$port.out" "[h['addrs'] for h in j['hops'] if h['hop'] == $K]")" in
		"$ha") na=$((na + 1)) ;;
		"$hb") nb=$((nb + 1)) ;;
		esac
		NASSOC=$((i + 1))
	done
	n=$NASSOC
	cap_down "a$fam"
	cap_down "b$fam"

	errs=()
	for ((i = 0; i < n; i++)); do
		port=$((base + i))
		r=$(tj "$LIB_TMP/e$fam-$port.out" '[j["reached"], j["dest_hop"], j["load"]["acked"], j["load"]["errors"]]')
		[ "$r" = "true $((N + 1)) true 0" ] || errs+=("port $port: reached/dest_hop/load acked/errors $r")
	done
	[ ${#fails[@]} = 0 ] && [ ${#errs[@]} = 0 ]
	ok $? "IPv$fam: $n traces with --load $LOAD exit 0, reach D at hop $((N + 1)), load acked" "${fails[@]}" "${errs[@]}"

	branch_counts "${CAP_FILE[a$fam]}" "$fam" "$sa" >"$LIB_TMP/ca$fam.txt"
	branch_counts "${CAP_FILE[b$fam]}" "$fam" "$sa" >"$LIB_TMP/cb$fam.txt"
	# Per association: "branch total probes data expected_probes hop3 path_ok"
	python3 - "$LIB_TMP/ca$fam.txt" "$LIB_TMP/cb$fam.txt" "$base" "$n" "$LIB_TMP/e$fam" \
		"$K" "$ha" "$hb" "$(if [ "$fam" = 4 ]; then echo "$CH_PATH4"; else echo "$CH_PATH6"; fi)" \
		>"$LIB_TMP/ecmp$fam.txt" <<'PY'
import json, sys
def load(f):
    d = {}
    for line in open(f):
        p, t, pr, da = map(int, line.split())
        d[p] = (t, pr, da)
    return d
A, B = load(sys.argv[1]), load(sys.argv[2])
base, n, pfx, K = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
ha, hb, path = sys.argv[7], sys.argv[8], sys.argv[9].split()
for port in range(base, base + n):
    a, b = A.get(port, (0, 0, 0)), B.get(port, (0, 0, 0))
    try:
        j = json.load(open("%s-%d.out" % (pfx, port)))
        early = sum(h["sent"] for h in j["hops"] if h["hop"] < K)
        exp = j["probes_sent"] - early
        hops = {h["hop"]: (h["addrs"] or ["*"])[0] for h in j["hops"]}
        tmo = sum(p["state"] == "timeout" for h in j["hops"] for p in h["probes"])
        hop3 = hops.get(K, "*")
        others = all(hops.get(i + 1) == path[i] for i in range(len(path)) if i + 1 != K)
    except Exception as e:
        exp, hop3, others, tmo = -1, "error", False, -1
    if a[0] and not b[0]:
        br, cnt = "a", a
    elif b[0] and not a[0]:
        br, cnt = "b", b
    else:
        br, cnt = "mixed" if a[0] else "none", (a[0] + b[0], a[1] + b[1], a[2] + b[2])
    print(port, br, *cnt, exp, hop3, int(others), "a=%s b=%s timeouts=%d" % ("/".join(map(str, a)), "/".join(map(str, b)), tmo))
PY
	diag "IPv$fam: port branch datagrams probes data expected_probes hop$K other_hops_ok (per-branch datagrams/probes/data, probes timed out)" \
		"$(cat "$LIB_TMP/ecmp$fam.txt")"
	bad=$(awk '$2 != "a" && $2 != "b"' "$LIB_TMP/ecmp$fam.txt")
	[ -z "$bad" ] && [ "$(wc -l <"$LIB_TMP/ecmp$fam.txt")" = "$n" ]
	ok $? "IPv$fam: each association's datagrams from S crossed one branch only" "$bad"
	bad=$(awk '$5 == 0' "$LIB_TMP/ecmp$fam.txt")
	[ -z "$bad" ]
	ok $? "IPv$fam: ... its data (the load) among them" "$bad"
	bad=$(awk '$4 != $6 || $6 <= 0' "$LIB_TMP/ecmp$fam.txt")
	[ -z "$bad" ]
	ok $? "IPv$fam: every probe with TTL >= $K crossed its association's branch" "$bad"
	bad=$(awk -v ha="$ha" -v hb="$hb" '!(($2 == "a" && $7 == ha) || ($2 == "b" && $7 == hb))' "$LIB_TMP/ecmp$fam.txt")
	[ -z "$bad" ]
	ok $? "IPv$fam: each trace reports its own branch's router at hop $K" "$bad"
	bad=$(awk '$8 != 1' "$LIB_TMP/ecmp$fam.txt")
	[ -z "$bad" ]
	ok $? "IPv$fam: the other hops are the configured ones" "$bad"
	na=$(awk '$2 == "a"' "$LIB_TMP/ecmp$fam.txt" | wc -l)
	nb=$(awk '$2 == "b"' "$LIB_TMP/ecmp$fam.txt" | wc -l)
	[ "$na" -gt 0 ] && [ "$nb" -gt 0 ]
	ok $? "IPv$fam: both branches carried associations (R3 $na, R3b $nb of $n)"
	is "$(cap_complete "a$fam") $(cap_complete "b$fam")" "0/0 0/0" "IPv$fam: captures complete (dropped/truncated)"
}

run_family 4
run_family 6

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
n4=$(sink_assocs sink4)
n6=$(sink_assocs sink6)
[[ "$n4" =~ ^[0-9]+( closed)+$ ]] && [[ "$n6" =~ ^[0-9]+( closed)+$ ]]
ok $? "the sinks saw every association end gracefully" "IPv4: $n4" "IPv6: $n6"
