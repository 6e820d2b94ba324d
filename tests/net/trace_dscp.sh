#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark-trace names the hops that rewrite the IP header (tracebox-style),
# from what each hop's Time Exceeded quotes.  Chain S - R1 .. R6 - D:
# R3 sets DSCP 34 (AF41) on forwarded UDP, IPv4 and IPv6; R4 clears DF
# (nft "ip frag-off set ip frag-off & 0xbfff").  A hop quotes the datagram
# as it received it, so R3's rewrite first shows in R4's quote, R4's in
# R5's; the tool must name R3 and R4, not the hop where it is first seen.
#   IPv4, --df: exit 0, D reached; rewrites = DSCP at hop 3 (R3) from TOS 0
#   to 136 and DF at hop 4 (R4) from set to clear, nothing else;
#   tos_rewritten_here / df_cleared_here true at those hops only; recv_tos
#   0 at hops 1-3 and 136 at 4-6, recv_df true at 1-4 and false at 5-6;
#   --dscp 10: sent TOS 40, the rewrite is from 40 to 136, hops 1-3 got 40;
#   -m 3: no rewrite reported (none can be seen without hop 4's quote);
#   IPv6: the DSCP rewrite at hop 3 (R3) from 0 to 136, nothing else.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=6
DSCP_HOP=3
DSCP=34
TOS=$((DSCP << 2))
DF_HOP=4
DPORT=5001
LPORT=41300

require_trace
tap_plan 17

need "chain of $N routers, DSCP $DSCP set by R$DSCP_HOP, DF cleared by R$DF_HOP" \
	chain_setup $N --dscp $DSCP_HOP:$DSCP --df-clear $DF_HOP
chain_marked $LPORT $((LPORT + 1)) $((LPORT + 2)) $((LPORT + 3))
need "pmark-sink in D on $CH_D4:$DPORT" sink_start sink4 "$CH_NS_D" --json "$CH_D4:$DPORT"
need "pmark-sink in D on [$CH_D6]:$DPORT" sink_start sink6 "$CH_NS_D" --json "[$CH_D6]:$DPORT"

# per_hop FILE KEY: "hop=value" for every hop of the trace.
per_hop()
{
	tj "$1" "['%d=%s' % (h['hop'], json.dumps(h.get('$2'))) for h in j['hops']]"
}
# expect_hops LAST SPEC...: "hop=value" for hops 1..LAST; SPEC is FROM-TO=VALUE.
expect_hops()
{
	local last=$1 s i out=
	shift
	for ((i = 1; i <= last; i++)); do
		for s in "$@"; do
			local r=${s%%=*} v=${s#*=}
			if [ "$i" -ge "${r%-*}" ] && [ "$i" -le "${r#*-}" ]; then
				out+="$i=$v "
				break
			fi
		done
	done
	echo "${out% }"
}
RW='[[r["field"], r["hop"], r["addr"], r["from"], r["to"]] for r in j["rewrites"]]'

f=$LIB_TMP/df.out
trace_run df -n --json --df --local "$CH_S4:$LPORT" "$CH_D4:$DPORT"
rc=$?
[ $rc = 0 ] || diag "$(cat "$LIB_TMP/df.err")"
is "$rc/$(tj "$f" '[j["reached"], j["dest_hop"], j["sent_tos"], j["sent_df"]]')" "0/true $((N + 1)) 0 true" \
	"IPv4 --df: exit 0, D reached at hop $((N + 1)), sent TOS 0 with DF"
is "$(tj "$f" "[[r['hop'], r['addr'], r['from'], r['to']] for r in j['rewrites'] if r['field'] == 'dscp']")" \
	"$DSCP_HOP $(chain_hop4 $DSCP_HOP) 0 $TOS" "IPv4: the DSCP rewrite is named at hop $DSCP_HOP (R$DSCP_HOP), TOS 0 -> $TOS"
is "$(tj "$f" "[[r['hop'], r['addr'], bool(r['from']), bool(r['to'])] for r in j['rewrites'] if r['field'] == 'df']")" \
	"$DF_HOP $(chain_hop4 $DF_HOP) true false" "IPv4: DF clearing is named at hop $DF_HOP (R$DF_HOP), set -> clear"
is "$(tj "$f" 'len(j["rewrites"])')" 2 "IPv4: no other rewrite reported" "$(tj "$f" "$RW")"
is "$(tj "$f" "[[h['hop'] for h in j['hops'] if h['tos_rewritten_here']], [h['hop'] for h in j['hops'] if h['df_cleared_here']]]")" \
	"$DSCP_HOP $DF_HOP" "IPv4: tos_rewritten_here only at hop $DSCP_HOP, df_cleared_here only at hop $DF_HOP"
got="$(per_hop "$f" recv_tos) / $(per_hop "$f" recv_df)"
is "$got" "$(expect_hops $((N + 1)) 1-$DSCP_HOP=0 $((DSCP_HOP + 1))-$N=$TOS $((N + 1))-$((N + 1))=null) / $(expect_hops $((N + 1)) 1-$DF_HOP=true $((DF_HOP + 1))-$N=false $((N + 1))-$((N + 1))=null)" \
	"IPv4: quoted TOS and DF per hop as each hop received the probes"

f=$LIB_TMP/tos.out
trace_run tos -n --json --dscp 10 --local "$CH_S4:$((LPORT + 1))" "$CH_D4:$DPORT"
rc=$?
is "$rc/$(tj "$f" '[j["sent_tos"], j["reached"]]')/$(tj "$f" "[[r['hop'], r['from'], r['to']] for r in j['rewrites'] if r['field'] == 'dscp']")" \
	"0/40 true/$DSCP_HOP 40 $TOS" "IPv4 --dscp 10: exit 0, sent TOS 40, rewrite at hop $DSCP_HOP from 40 to $TOS"
is "$(per_hop "$f" recv_tos)" "$(expect_hops $((N + 1)) 1-$DSCP_HOP=40 $((DSCP_HOP + 1))-$N=$TOS $((N + 1))-$((N + 1))=null)" \
	"IPv4 --dscp 10: hops 1-$DSCP_HOP received TOS 40, later hops $TOS"

f=$LIB_TMP/short.out
trace_run short -n --json -m $DSCP_HOP --local "$CH_S4:$((LPORT + 2))" "$CH_D4:$DPORT"
rc=$?
is "$rc/$(tj "$f" 'j["reached"]')/$(tj "$f" 'len(j["rewrites"])')" "0/false/0" \
	"IPv4 -m $DSCP_HOP: exit 0, no rewrite reported (none visible before hop $((DSCP_HOP + 1)))" "$(tj "$f" "$RW")"

f=$LIB_TMP/v6.out
trace_run v6 -n --json --local "[$CH_S6]:$((LPORT + 3))" "[$CH_D6]:$DPORT"
rc=$?
[ $rc = 0 ] || diag "$(cat "$LIB_TMP/v6.err")"
is "$rc/$(tj "$f" '[j["reached"], j["dest_hop"]]')/$(tj "$f" "$RW")" \
	"0/true $((N + 1))/dscp $DSCP_HOP $(chain_hop6 $DSCP_HOP) 0 $TOS" \
	"IPv6: exit 0, D reached; the only rewrite: DSCP at hop $DSCP_HOP (R$DSCP_HOP), 0 -> $TOS"
is "$(per_hop "$f" recv_tos)" "$(expect_hops $((N + 1)) 1-$DSCP_HOP=0 $((DSCP_HOP + 1))-$N=$TOS $((N + 1))-$((N + 1))=null)" \
	"IPv6: quoted traffic class per hop"

stop_pid "${SINK_PID[sink4]}" 5
stop_pid "${SINK_PID[sink6]}" 5
is "$(sink_assocs sink4)/$(sink_assocs sink6)" "3 closed closed closed/1 closed" \
	"the sinks saw every association end gracefully"
