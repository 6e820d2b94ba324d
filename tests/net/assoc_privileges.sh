#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Privileges and the ancillary-data fallback, with real usrsctp associations
# (pmark-send in S to pmark-sink in D; capture in R, checked by
# check_marks.py against the options every chunk's PPID names).
#
# `pmarkctl attach vs0 --group G` (G created here, deleted at exit).  Senders
# run in S's network namespace (nsenter --net: no mount namespace of their
# own, so /sys/fs/bpf is the host's) under setpriv with another uid and no
# capabilities at all (effective, permitted, inheritable, ambient, bounding);
# the uids need no passwd entry.
#
#  (a) uid UID_IN in G: 16 threads x 500 messages, per-thread TTL/DSCP, mode
#      auto -> maps: the library opens the maps and registers its port
#      itself; every DATA datagram on the wire carries its thread's options,
#      and the tc program marked them (no_record 0).
#  (b) uid UID_OUT outside G, IPv4, mode auto, --df clear: the maps are not
#      reachable (permission denied), so the library falls back to per-packet
#      ancillary data: JSON mode "cmsg" with the reason (naming the pin root
#      and "permission denied", in any case); stderr says so exactly
#      once (one line, naming what it cannot do: the IPv4 DF bit) and the DF
#      sentence exactly once; 16 threads x 2000 messages with per-thread
#      TTL/DSCP: check_marks --ignore-df finds none mislabeled, unmarked or
#      mixed, while the tc program marked nothing (the marks are the socket's).
#  (c) the same over IPv6 with --df set (IPV6_DONTFRAG per packet: no header
#      bit to see, so hop limit and traffic class are checked, --v6), in text
#      mode: "mode: cmsg (reason)"; the fallback line says DONTFRAG works and
#      there is no DF sentence.
#  (e) root with a pin root that does not exist, mode auto: falls back too,
#      the reason names that pin root.
#  (d) --mode maps with no reachable maps (uid UID_OUT; a missing pin root)
#      fails: non-zero exit, exactly one line on stderr saying why, nothing
#      on stdout.
# At the end both pmark-sinks stop on SIGTERM and report every message of
# (a), (b), (e) (IPv4) and (c) (IPv6) intact.  About 12 s.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"

GROUP=pmpriv$$
UID_IN=4721
UID_OUT=4722
PORT_A=7721        # senders' UDP ports, one per case (unique to this script)
PORT_B=7722
PORT_C=7723
PORT_E=7724
PORT_D=7725
SINK_PORT=5721     # pmark-sink on 0.0.0.0 and on [::]
THREADS=16
COUNT_A=500
COUNT_B=2000
SIZE=200
TMO=(timeout -k 5 60)   # no sender may hang the script
FALLBACK_RE='falling back to per-packet ancillary data'
DF_RE='cannot set or clear the IPv4 DF bit per packet'

require_wire
require_cmd setpriv nsenter groupadd groupdel getent timeout
getent group "$GROUP" >/dev/null && skip_all "group $GROUP already exists"
tap_plan 23


# unpriv UID GID[,GID...] CMD...: CMD in S's network namespace as UID with
# only the given groups and no capabilities.
unpriv()
{
	local uid=$1 gids=$2
	shift 2
	nsenter --net="/run/netns/$NS_S" setpriv --reuid "$uid" --regid "${gids%%,*}" \
		--groups "$gids" --no-new-privs --inh-caps=-all --bounding-set=-all "$@"
}

# jg NAME KEY: a key of the JSON pmark-send printed into $LIB_TMP/NAME.out.
jg()
{
	json_get "$LIB_TMP/$1.out" "$2" 2>/dev/null || echo missing
}

# count_re FILE RE: lines of FILE matching RE.
count_re()
{
	grep -c -e "$2" "$1" 2>/dev/null
}

# marks_ok DESC PCAP PORT ARGS...: check_marks finds every DATA datagram
# marked as its chunks ask (at least one), none mislabeled/unmarked/mixed.
marks_ok()
{
	local desc=$1 pcap=$2 port=$3
	shift 3
	MK_ok='' MK_data='' MK_mislabeled='' MK_unmarked='' MK_mixed=''
	if ! marks_check "$pcap" "$port" --decode "$SINK_PORT" "$@"; then
		tap_fail "$desc" "check_marks failed"
		return
	fi
	diag "$MK_LINE"
	[ "$MK_mislabeled$MK_unmarked$MK_mixed" = 000 ] && [ "${MK_ok:-0}" -ge 1 ] && [ "$MK_ok" = "$MK_data" ]
	ok $? "$desc: $MK_ok DATA datagrams as asked, 0 mislabeled/unmarked/mixed" "$MK_LINE"
}

topo_setup || { tap_fail "topology"; exit; }
tap_ok "topology S - R - D"

# groupadd can meet the lock of /etc/group held by a test running beside us.
made=1
for ((i = 0; i < 20; i++)); do
	make_group "$GROUP" 2>"$LIB_TMP/groupadd.err" && { made=0; break; }
	getent group "$GROUP" >/dev/null && break
	sleep 0.25
done
ok $made "groupadd $GROUP" "$(cat "$LIB_TMP/groupadd.err")"
[ $made = 0 ] || exit
gid=$MADE_GID
check "attach to $S_IF in S with --group $GROUP" pmctl_ns "$NS_S" attach "$S_IF" --group "$GROUP"

creds_in=$(unpriv "$UID_IN" "$gid" grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+):' /proc/self/status 2>&1)
creds_out=$(unpriv "$UID_OUT" "$UID_OUT" grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+):' /proc/self/status 2>&1)
caps_zero()
{
	[ "$(grep -c '^Cap[A-Za-z]*:[[:space:]]*0000000000000000$' <<<"$1")" = 5 ]
}
caps_zero "$creds_in" && caps_zero "$creds_out" &&
	grep -qE "^Uid:[[:space:]]+${UID_IN}[[:space:]]" <<<"$creds_in" &&
	grep -qE "^Groups:[[:space:]]*${gid}[[:space:]]*$" <<<"$creds_in" &&
	grep -qE "^Uid:[[:space:]]+${UID_OUT}[[:space:]]" <<<"$creds_out" &&
	! grep -qE "^Groups:.*\b$gid\b" <<<"$creds_out"
ok $? "senders: uid $UID_IN in $GROUP, uid $UID_OUT outside it, no capabilities" \
	"$creds_in" "$creds_out"

sink_start sink4 "$NS_D" --json "$SINK_PORT" && sink_start sink6 "$NS_D" --json "[::]:$SINK_PORT"
ok $? "pmark-sink in D on $D_ADDR4 and [$D_ADDR6] port $SINK_PORT"

# ---------------------------------------------------------------- (a)

stats_save
cap_start a "$NS_R" "$R_IF_S" "udp and src port $PORT_A" || diag "capture (a) did not start"
unpriv "$UID_IN" "$gid" "${TMO[@]}" "$SEND_BIN" --mode auto --pin-root "$PIN" --bind "$S_ADDR4:$PORT_A" \
	--count "$COUNT_A" --threads "$THREADS" --per-thread-options --ttl 10 --dscp 1 \
	--size "$SIZE" --json "$D_ADDR4:$SINK_PORT" >"$LIB_TMP/a.out" 2>"$LIB_TMP/a.err"
rc=$?
cap_stop a
is "rc=$rc messages=$(jg a messages) all_acked=$(jg a all_acked) mode=$(jg a mode) pin_root=$(jg a pin_root)" \
	"rc=0 messages=$((THREADS * COUNT_A)) all_acked=True mode=maps pin_root=$PIN" \
	"(a) uid $UID_IN in $GROUP: $THREADS x $COUNT_A messages, mode maps"
[ -s "$LIB_TMP/a.err" ] && diag "(a) stderr:" "$(cat "$LIB_TMP/a.err")"
is "written=$(jg a stats.records_written) chunks=$(jg a stats.data_chunks) failed=$(jg a stats.records_failed) cmsg=$(jg a stats.cmsg_datagrams) overwritten=$(jg a stats.records_overwritten)" \
	"written=$((THREADS * COUNT_A)) chunks=$((THREADS * COUNT_A)) failed=0 cmsg=0 overwritten=0" \
	"(a) one record per message written without privileges, no ancillary data"
marks_ok "(a) wire, maps mode" "${CAP_FILE[a]}" "$PORT_A"
a_marked=$(stat_delta marked) a_norec=$(stat_delta no_record) a_busy=$(stat_delta busy)
a_owner=$(stat_delta owner_mismatch)
[ "$a_norec/$a_busy/$a_owner" = 0/0/0 ] && [ "$a_marked" -ge "${MK_data:-1}" ] 2>/dev/null
ok $? "(a) tc program marked $a_marked datagrams (>= ${MK_data:-?} captured), no_record/busy/owner_mismatch 0" \
	"marked $a_marked no_record $a_norec busy $a_busy owner_mismatch $a_owner"

# ---------------------------------------------------------------- (b)

stats_save
cap_start b "$NS_R" "$R_IF_S" "udp and src port $PORT_B" || diag "capture (b) did not start"
unpriv "$UID_OUT" "$UID_OUT" "${TMO[@]}" "$SEND_BIN" --mode auto --pin-root "$PIN" --bind "$S_ADDR4:$PORT_B" \
	--count "$COUNT_B" --threads "$THREADS" --per-thread-options --ttl 10 --dscp 1 --df clear \
	--size "$SIZE" --json "$D_ADDR4:$SINK_PORT" >"$LIB_TMP/b.out" 2>"$LIB_TMP/b.err"
rc=$?
cap_stop b
reason=$(jg b fallback_reason)
diag "(b) fallback_reason: $reason" "(b) stderr:" "$(cat "$LIB_TMP/b.err")"
is "rc=$rc messages=$(jg b messages) all_acked=$(jg b all_acked) mode=$(jg b mode)" \
	"rc=0 messages=$((THREADS * COUNT_B)) all_acked=True mode=cmsg" \
	"(b) uid $UID_OUT outside $GROUP, mode auto: $THREADS x $COUNT_B messages, mode cmsg"
[[ "$reason" == *"$PIN"* && "${reason,,}" == *"permission denied"* ]]
ok $? "(b) JSON fallback_reason names the pin root and 'permission denied'" "$reason"
n_fb=$(count_re "$LIB_TMP/b.err" "$FALLBACK_RE")
n_df=$(count_re "$LIB_TMP/b.err" "$DF_RE")
n_lines=$(wc -l <"$LIB_TMP/b.err")
fb_line=$(grep -e "$FALLBACK_RE" "$LIB_TMP/b.err" | head -1)
[ "$n_fb" = 1 ] && [[ "$fb_line" == *"$reason"* ]] &&
	[[ "$fb_line" == *"the IPv4 DF bit cannot be set or cleared per packet"* ]]
ok $? "(b) stderr: the fallback sentence once ($n_fb), with the reason and what it cannot do (IPv4 DF)" \
	"$(cat "$LIB_TMP/b.err")"
is "df_sentence=$n_df stderr_lines=$n_lines" "df_sentence=1 stderr_lines=2" \
	"(b) --df clear on IPv4: the DF sentence once, nothing else on stderr"
b_marked=$(stat_delta marked)
is "cmsg>0=$([ "$(jg b stats.cmsg_datagrams)" -gt 0 ] 2>/dev/null && echo yes || echo no) written=$(jg b stats.records_written) tc_marked=$b_marked" \
	"cmsg>0=yes written=0 tc_marked=0" \
	"(b) options went as ancillary data ($(jg b stats.cmsg_datagrams) datagrams): no record, nothing marked by tc"
marks_ok "(b) wire, ancillary data, --ignore-df" "${CAP_FILE[b]}" "$PORT_B" --ignore-df
if marks_check "${CAP_FILE[b]}" "$PORT_B" --decode "$SINK_PORT" --show 0; then
	diag "(b) the same capture with DF checked (DF clear asked; the socket decides): $MK_LINE"
fi

# ---------------------------------------------------------------- (c)

stats_save
cap_start c "$NS_R" "$R_IF_S" "udp and src port $PORT_C" || diag "capture (c) did not start"
unpriv "$UID_OUT" "$UID_OUT" "${TMO[@]}" "$SEND_BIN" --mode auto --pin-root "$PIN" --bind "[$S_ADDR6]:$PORT_C" \
	--count "$COUNT_B" --threads "$THREADS" --per-thread-options --ttl 10 --dscp 1 --df set \
	--size "$SIZE" "[$D_ADDR6]:$SINK_PORT" >"$LIB_TMP/c.out" 2>"$LIB_TMP/c.err"
rc=$?
cap_stop c
mode_line=$(grep '^mode:' "$LIB_TMP/c.out")
diag "(c) $mode_line" "(c) stderr:" "$(cat "$LIB_TMP/c.err")"
grep -q "^sent $((THREADS * COUNT_B)) messages" "$LIB_TMP/c.out" && grep -q '^acked: all' "$LIB_TMP/c.out" &&
	[ "$rc" = 0 ] && [[ "$mode_line" == "mode: cmsg (the marker's maps at $PIN are not usable ("*")" ]] &&
	[[ "${mode_line,,}" == *"permission denied"* ]]
ok $? "(c) IPv6, uid $UID_OUT, mode auto: all sent and acked, text says 'mode: cmsg (reason)'" \
	"exit $rc" "$(cat "$LIB_TMP/c.out")"
n_fb=$(count_re "$LIB_TMP/c.err" "$FALLBACK_RE")
n_df=$(count_re "$LIB_TMP/c.err" "$DF_RE")
n_lines=$(wc -l <"$LIB_TMP/c.err")
fb_line=$(grep -e "$FALLBACK_RE" "$LIB_TMP/c.err" | head -1)
[ "$n_fb/$n_df/$n_lines" = 1/0/1 ] && [[ "$fb_line" == *"IPv6 DONTFRAG per packet works too"* ]]
ok $? "(c) stderr: the fallback sentence once (DONTFRAG works), no DF sentence" \
	"fallback $n_fb df $n_df lines $n_lines" "$(cat "$LIB_TMP/c.err")"
c_marked=$(stat_delta marked)
marks_ok "(c) wire, IPv6 ancillary data (hop limit, traffic class)" "${CAP_FILE[c]}" "$PORT_C" --v6
is "tc_marked=$c_marked" "tc_marked=0" "(c) nothing marked by the tc program"

# ---------------------------------------------------------------- (e)

NOPIN=$PIN-missing
in_ns "$NS_S" "${TMO[@]}" "$SEND_BIN" --mode auto --pin-root "$NOPIN" --bind "$S_ADDR4:$PORT_E" --count 20 \
	--ttl 3 --json "$D_ADDR4:$SINK_PORT" >"$LIB_TMP/e.out" 2>"$LIB_TMP/e.err"
rc=$?
reason=$(jg e fallback_reason)
n_fb=$(count_re "$LIB_TMP/e.err" "$FALLBACK_RE")
[ "$rc" = 0 ] && [ "$(jg e mode)" = cmsg ] && [[ "$reason" == *"$NOPIN"* ]] && [ "$n_fb" = 1 ] &&
	[ "$(jg e all_acked)" = True ]
ok $? "(e) root, pin root that does not exist: mode cmsg, reason: $reason" \
	"exit $rc mode $(jg e mode) fallback lines $n_fb" "$(cat "$LIB_TMP/e.err")"

# ---------------------------------------------------------------- (d)

# one_line_error DESC WANT CMD...: CMD fails, prints nothing on stdout and
# exactly one line on stderr, containing "mode maps" and WANT.
one_line_error()
{
	local desc=$1 want=$2 out err rc
	shift 2
	out=$("$@" 2>"$LIB_TMP/d.err")
	rc=$?
	err=$(cat "$LIB_TMP/d.err")
	[ "$rc" != 0 ] && [ -z "$out" ] && [ "$(wc -l <"$LIB_TMP/d.err")" = 1 ] &&
		[[ "$err" == *"mode maps"* && "${err,,}" == *"$want"* ]]
	ok $? "$desc: exit $rc, one line: $err" "stdout: $out" "stderr: $err"
}
one_line_error "(d) --mode maps, uid $UID_OUT outside $GROUP" "permission denied" \
	unpriv "$UID_OUT" "$UID_OUT" "${TMO[@]}" "$SEND_BIN" --mode maps --pin-root "$PIN" \
	--bind "$S_ADDR4:$PORT_D" --count 5 --ttl 3 "$D_ADDR4:$SINK_PORT"
one_line_error "(d) --mode maps, pin root that does not exist" "not attached" \
	in_ns "$NS_S" "${TMO[@]}" "$SEND_BIN" --mode maps --pin-root "$NOPIN" \
	--bind "$S_ADDR4:$PORT_D" --count 5 --ttl 3 "$D_ADDR4:$SINK_PORT"

# ---------------------------------------------------------------- sinks

# What the sinks received: (a), (b) and (e) over IPv4, (c) over IPv6.
stop_pid "${SINK_PID[sink4]}" 5 && stop_pid "${SINK_PID[sink6]}" 5
st=$?
sk()
{
	json_get "$LIB_TMP/$1.out" "$2" 2>/dev/null || echo missing
}
n4=$((THREADS * COUNT_A + THREADS * COUNT_B + 20)) n6=$((THREADS * COUNT_B))
is "stopped=$st v4: $(sk sink4 associations) assoc, $(sk sink4 intact)/$(sk sink4 messages) intact, $(sk sink4 corrupt) corrupt; v6: $(sk sink6 associations) assoc, $(sk sink6 intact)/$(sk sink6 messages) intact" \
	"stopped=0 v4: 3 assoc, $n4/$n4 intact, 0 corrupt; v6: 1 assoc, $n6/$n6 intact" \
	"pmark-sinks stop on SIGTERM; every message arrived intact"
