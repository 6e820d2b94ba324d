#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The cleartext sink of protected (DTLS) associations is exact, IPv4 and IPv6.
#
# Per family, two pmark-send processes in S, each its own DTLS association to
# a pmark-sink --dtls in D, both marked by the tc program, both with a
# cleartext pcap and the same UDP mirror (a collector in R, dtls_collector.py):
#
#   A  --cleartext: every message asks for its copy; 2 threads of 2000-byte
#      messages (two DATA datagrams each), TTL 33, DSCP 12
#   B  no --cleartext: no message asks; TTL 44, DSCP 20
#
# A capture in R of what S sends (before R touches it) is decrypted with the
# NSS key logs of the two senders (tshark); the "copy set" is A's protected
# datagrams (application-data record, epoch >= 1) whose cleartext SCTP packet
# holds a DATA chunk.  Control-only datagrams (COOKIE-ECHO, SHUTDOWN...) are
# protected too but carry no message, so no copy.  Checked, per family:
#   - A's pcap opens in tshark and decodes to SCTP DATA with good SCTP, UDP
#     (and IPv4 header) checksums; clear_pairs.py reads it.
#   - its record ids are exactly the copy set (one copy each, none missing,
#     none for a control-only datagram); B's pcap is empty and nothing of B
#     reaches the mirror; the senders' cleartext_emitted agree.
#   - each copy's SCTP packet is byte for byte the decrypted one (so its
#     TSNs too), its TTL / TOS / DF, addresses and ports are what the
#     protected datagram carried on the wire; it was written before that
#     datagram passed R, and the copies are in send (sequence) order.
#   - the mirror collector got the same copies (count, record ids, SCTP
#     bytes), their headers give the datagram's wire length, TTL, TOS.
#   - on the link to D every datagram of the associations is DTLS: none is a
#     valid SCTP packet or a mirror datagram; tshark finds no SCTP with a
#     good checksum there.  pmark-send refuses a mirror on the peer's own
#     address (also IPv4-mapped), with a clear error, before sending anything.
# The sinks got every message intact, from exactly the two associations.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# These scripts set up their protected associations themselves: not the
# DTLS mode of the plain association tests (dtls_lib_assoc.sh).
PM_DTLS=
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_wire.sh
source "$(dirname "$0")/lib_wire.sh"

SINK4=5001
SINK6=5002
A4=5411
B4=5412
A6=5413
B6=5414
REFUSED=5415                    # the sender refused for its mirror
MPORT=6000                      # the mirror collector, in R
A_COUNT=25                      # per thread, 2 threads
B_COUNT=30
DTLS_WIRE=$LIB_DIR/dtls_wire.py
COLLECTOR=$LIB_DIR/dtls_collector.py

require_wire
require_assoc_tools
tap_plan 55

topo_marked "$A4" "$B4" "$A6" "$B6"
SCTP_PORTS=("$SINK4" "$SINK6")

sink_start sink4 "$NS_D" --dtls --json "$SINK4"
ok $? "pmark-sink --dtls listening in D on UDP $SINK4" "$(cat "$LIB_TMP/sink4.err" 2>/dev/null)"
sink_start sink6 "$NS_D" --dtls --json "[$D_ADDR6]:$SINK6"
ok $? "pmark-sink --dtls listening in D on [$D_ADDR6]:$SINK6" "$(cat "$LIB_TMP/sink6.err" 2>/dev/null)"

# dw_vars PREFIX ARGS...: dtls_wire.py ARGS, its words as PREFIX_* (py_vars).
dw_vars()
{
	local pfx=$1
	shift
	py_vars "$pfx" 'import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
		"$DTLS_WIRE" "$@"
}

# coll_start NAME: the mirror collector in R on UDP $MPORT (v4 and v6),
# writing $LIB_TMP/NAME.pcap; COLL_PID.  coll_stop: SIGTERM and reap it.
COLL_PID=
coll_start()
{
	ip netns exec "$NS_R" python3 "$COLLECTOR" "$MPORT" "$LIB_TMP/$1.pcap" \
		>"$LIB_TMP/$1.out" 2>"$LIB_TMP/$1.err" &
	COLL_PID=$!
	track_pid "$COLL_PID"
	wait_output "$COLL_PID" "$LIB_TMP/$1.out" 5 listening && return 0
	diag "collector did not start:" "$(cat "$LIB_TMP/$1.err")"
	return 1
}
coll_stop()
{
	stop_pid "$COLL_PID" 5
	forget_pid "$COLL_PID"
}

# send_bg NAME ARGS...: pmark-send in S in the background (at most 50 s),
# $! its timeout(1); output in $LIB_TMP/NAME.out / .err.
send_bg()
{
	local name=$1
	shift
	ip netns exec "$NS_S" timeout -k 5 50 "$SEND_BIN" --pin-root "$PIN" --dtls --json "$@" \
		>"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err" &
}

# sender_ok NAME RC N: exit 0, N messages, all acked, marked through the maps.
sender_ok()
{
	local want="rc=0 messages=$3 all_acked=True error=None mode=maps" got
	json_vars SJ "$LIB_TMP/$1.out"
	got="rc=$2 messages=$(v SJ_messages) all_acked=$(v SJ_all_acked) error=$(v SJ_error) mode=$(v SJ_mode)"
	if [ "$got" = "$want" ]; then
		tap_ok "sender $1: exit 0, $3 messages, all acked, marking mode maps"
	else
		tap_fail "sender $1: exit 0, $3 messages, all acked, marking mode maps" \
			"got:      $got" "expected: $want" "stderr: $(cat "$LIB_TMP/$1.err")"
	fi
}

# family FAM: the whole run for IPv4 (4) or IPv6 (6).
family()
{
	local fam=$1 sa dp pa pb mir dl peer_mirrors m rc_a rc_b pid_a pid_b want_hdr
	if [ "$fam" = 4 ]; then
		sa=$S_ADDR4 dp=$SINK4 pa=$A4 pb=$B4
		mir="$R_ADDR4_S:$MPORT" dl="$D_ADDR4:$SINK4" want_hdr="33/48/1"
		peer_mirrors=("$D_ADDR4:$MPORT" "[::ffff:$D_ADDR4]:$MPORT")
	else
		sa=$S_ADDR6 dp=$SINK6 pa=$A6 pb=$B6
		mir="[$R_ADDR6_S]:$MPORT" dl="[$D_ADDR6]:$SINK6" want_hdr="33/48/None"
		peer_mirrors=("[$D_ADDR6]:$MPORT")
	fi
	local bind=$sa
	[ "$fam" = 6 ] && bind="[$sa]"

	cap_begin "wire$fam" "$NS_R" "$R_IF_S" "udp and host $sa"
	ok $? "IPv$fam: capture in R of what S sends (and gets back)"
	cap_begin "dside$fam" "$NS_R" "$R_IF_D" ""
	ok $? "IPv$fam: capture in R of the link to D"
	coll_start "mirror$fam"
	ok $? "IPv$fam: mirror collector listening in R on $mir"

	rm -f "$LIB_TMP/keys$fam.A" "$LIB_TMP/keys$fam.B"
	send_bg "A$fam" --bind "$bind:$pa" --keylog "$LIB_TMP/keys$fam.A" --cleartext \
		--cleartext-pcap "$LIB_TMP/clearA$fam.pcap" --cleartext-mirror "$mir" \
		--threads 2 --count "$A_COUNT" --size 2000 --rate 250 --ttl 33 --dscp 12 "$dl"
	pid_a=$!
	track_pid "$pid_a"
	send_bg "B$fam" --bind "$bind:$pb" --keylog "$LIB_TMP/keys$fam.B" \
		--cleartext-pcap "$LIB_TMP/clearB$fam.pcap" --cleartext-mirror "$mir" \
		--count "$B_COUNT" --size 300 --rate 250 --ttl 44 --dscp 20 "$dl"
	pid_b=$!
	track_pid "$pid_b"
	wait "$pid_a"
	rc_a=$?
	wait "$pid_b"
	rc_b=$?
	forget_pid "$pid_a"
	forget_pid "$pid_b"
	sender_ok "A$fam" "$rc_a" $((2 * A_COUNT))
	local a_emit a_fail
	a_emit=$(v SJ_stats_cleartext_emitted) a_fail=$(v SJ_stats_cleartext_failed)
	sender_ok "B$fam" "$rc_b" "$B_COUNT"
	local b_emit
	b_emit=$(v SJ_stats_cleartext_emitted)

	# The mirror on the peer's own address: refused before anything is sent.
	for m in "${peer_mirrors[@]}"; do
		ip netns exec "$NS_S" timeout -k 5 20 "$SEND_BIN" --pin-root "$PIN" --dtls --timeout 3 \
			--bind "$bind:$REFUSED" --cleartext --cleartext-mirror "$m" --count 3 "$dl" \
			>"$LIB_TMP/refused.out" 2>"$LIB_TMP/refused.err"
		rc=$?
		if [ "$rc" != 0 ] && [ "$rc" != 124 ] &&
			grep -q "cleartext mirror is on the peer's address" "$LIB_TMP/refused.err"; then
			tap_ok "IPv$fam: pmark-send refuses --cleartext-mirror $m (the peer's address), exit $rc, clear error"
		else
			tap_fail "IPv$fam: pmark-send refuses --cleartext-mirror $m (the peer's address)" \
				"exit $rc" "stderr: $(cat "$LIB_TMP/refused.err")"
		fi
	done

	cap_stop "wire$fam"
	cap_stop "dside$fam"
	coll_stop
	is "$(cap_complete "wire$fam")" 0/0 "IPv$fam: capture of S's traffic complete (dropped/truncated)"
	cat "$LIB_TMP/keys$fam.A" "$LIB_TMP/keys$fam.B" >"$LIB_TMP/keys$fam" 2>/dev/null

	# ---- decryption: the reference
	dw_vars DS sink --wire "${CAP_FILE[wire$fam]}" --keylog "$LIB_TMP/keys$fam" \
		--port "$pa" --other-port "$pb" --dport "$dp" --clear "$LIB_TMP/clearA$fam.pcap" \
		--clear-other "$LIB_TMP/clearB$fam.pcap" --mirror "$LIB_TMP/mirror$fam.pcap"
	ok $? "IPv$fam: dtls_wire.py read the capture, the key logs, both pcaps and the mirror"
	diag "IPv$fam: ${DS_LINE:-}"
	if [ "$(v DS_a_app)" -gt $((2 * A_COUNT)) ] 2>/dev/null &&
		[ "$(v DS_a_decrypted)" = "$(v DS_a_app)" ] && [ "$(v DS_a_crc_bad)" = 0 ] &&
		[ "$(v DS_a_rid_dups)" = 0 ]; then
		tap_ok "IPv$fam: the key log decrypts all $(v DS_a_app) of A's protected datagrams to valid SCTP (CRC32c), record ids unique"
	else
		tap_fail "IPv$fam: the key log decrypts all of A's protected datagrams to valid SCTP" "${DS_LINE:-}"
	fi
	if [ "$(v DS_a_data)" -ge $((4 * A_COUNT)) ] 2>/dev/null && [ "$(v DS_a_ctl)" -ge 2 ] &&
		[ "$(v DS_b_data)" -ge "$B_COUNT" ]; then
		tap_ok "IPv$fam: A sent $(v DS_a_data) protected DATA datagrams (2 per message) and $(v DS_a_ctl) control-only ones; B $(v DS_b_data) DATA datagrams"
	else
		tap_fail "IPv$fam: A's DATA datagrams (>= 2 per message) and control-only ones, B's DATA datagrams" "${DS_LINE:-}"
	fi

	# ---- (a) the pcap as a reader sees it
	local tsv
	tsv=$(lib_tshark -r "$LIB_TMP/clearA$fam.pcap" -d "udp.port==$pa,sctp" -T fields -E separator=, \
		-e frame.number -e sctp.data_tsn_raw -e sctp.checksum.status -e udp.checksum.status \
		-e ip.checksum.status -e ipv6.opt.experimental)
	local tn tdata tgood
	tn=$(grep -c . <<<"$tsv")
	tdata=$(awk -F, '$2 != ""' <<<"$tsv" | grep -c .)
	if [ "$fam" = 4 ]; then
		tgood=$(awk -F, '$3 == 1 && $4 == 1 && $5 == 1' <<<"$tsv" | grep -c .)
	else
		tgood=$(awk -F, '$3 == 1 && $4 == 1 && $6 != ""' <<<"$tsv" | grep -c .)
	fi
	if [ "$tn" -gt 0 ] && [ "$tn" = "$(v DS_p_n)" ] && [ "$tdata" = "$tn" ] && [ "$tgood" = "$tn" ]; then
		tap_ok "IPv$fam: tshark decodes A's cleartext pcap: $tn packets, all SCTP DATA, SCTP/UDP/IP checksums good"
	else
		tap_fail "IPv$fam: tshark decodes A's cleartext pcap to SCTP DATA, checksums good" \
			"packets $tn, with DATA $tdata, checksums good $tgood, dtls_wire $(v DS_p_n)" "$(head -5 <<<"$tsv")"
	fi
	local cp_n
	cp_n=$(python3 "$LIB_DIR/clear_pairs.py" "$LIB_TMP/clearA$fam.pcap" 2>&1 | grep -c '"record_id"')
	is "$cp_n" "$(v DS_p_n)" "IPv$fam: clear_pairs.py reads every packet of A's pcap"

	# ---- (b) exactly the copy set
	is "p_n=$(v DS_p_n) missing=$(v DS_p_missing) extra=$(v DS_p_extra) dups=$(v DS_p_dups)" \
		"p_n=$(v DS_a_data) missing=0 extra=0 dups=0" \
		"IPv$fam: A's pcap holds exactly one copy per protected DATA datagram (record ids = the copy set)"
	is "$(v DS_p_ctl)" 0 "IPv$fam: no copy of A's $(v DS_a_ctl) control-only protected datagrams"
	is "b_pcap=$(v DS_pb_n) b_emitted=$b_emit a_pcap_of_b=$(v DS_p_other_assoc)" \
		"b_pcap=0 b_emitted=0 a_pcap_of_b=0" \
		"IPv$fam: B (no message asked) has an empty pcap, emitted nothing"
	is "emitted=$a_emit failed=$a_fail" "emitted=$(v DS_p_n) failed=0" \
		"IPv$fam: A's stats: cleartext_emitted = its pcap's packets, cleartext_failed 0"

	# ---- (c) each copy against its protected datagram
	is "bytes=$(v DS_p_bytes_bad) tsns=$(v DS_p_tsn_bad)" "bytes=0 tsns=0" \
		"IPv$fam: each copy's SCTP packet is the decrypted datagram's, byte for byte (same TSNs)"
	is "hdr=$(v DS_p_hdr_bad) addr=$(v DS_p_addr_bad) seen=$(v DS_p_hdrs) wire=$(v DS_w_hdrs)" \
		"hdr=0 addr=0 seen=$want_hdr wire=$want_hdr" \
		"IPv$fam: each copy's TTL/TOS/DF, addresses and ports are the wire's for that record (TTL/TOS/DF $want_hdr)"
	is "after=$(v DS_p_after_wire) disorder=$(v DS_p_out_of_order)" "after=0 disorder=0" \
		"IPv$fam: every copy written before its datagram reached R, copies in sequence order"

	# ---- (d) the mirror
	is "n=$(v DS_m_n) not_mirror=$(v DS_m_not_mirror) of_b=$(v DS_m_other_assoc) dups=$(v DS_m_dups) ids_differ=$(v DS_m_ids_differ)" \
		"n=$(v DS_p_n) not_mirror=0 of_b=0 dups=0 ids_differ=0" \
		"IPv$fam: the mirror collector got the pcap's copies: same count and record ids, none of B"
	is "bytes=$(v DS_m_bytes_bad) wire_len=$(v DS_m_wirelen_bad) hdr=$(v DS_m_hdr_bad)" \
		"bytes=0 wire_len=0 hdr=0" \
		"IPv$fam: mirror copies: same SCTP bytes, header's wire_len/TTL/TOS/addresses/ports = the protected datagram's"

	# ---- (e) nothing cleartext toward D
	dw_vars DD dside --cap "${CAP_FILE[dside$fam]}" --port "$dp" --port "$MPORT" --port "$REFUSED"
	diag "IPv$fam: link to D: ${DD_LINE:-}"
	if [ "$(v DD_udp)" -ge "$(v DS_a_app)" ] 2>/dev/null && [ "$(v DD_dtls)" = "$(v DD_udp)" ] &&
		[ "$(v DD_sctp)" = 0 ] && [ "$(v DD_pmct)" = 0 ]; then
		tap_ok "IPv$fam: all $(v DD_udp) datagrams on the link to D are DTLS records: no valid SCTP packet, no mirror header"
	else
		tap_fail "IPv$fam: all datagrams on the link to D are DTLS records" "${DD_LINE:-}"
	fi
	local sctp_good
	sctp_good=$(SCTP_PORTS=("$dp" "$pa" "$pb")
		lib_tshark -r "${CAP_FILE[dside$fam]}" \
		-Y "sctp.checksum.status == 1 || udp.port == $MPORT" -T fields -e frame.number | grep -c .)
	is "$sctp_good" 0 "IPv$fam: tshark finds no SCTP packet (checksum good) and no mirror traffic on the link to D"
	local refused_seen
	refused_seen=$(tshark -r "${CAP_FILE[dside$fam]}" -n -Y "udp.srcport == $REFUSED" 2>/dev/null | grep -c .)
	is "$refused_seen" 0 "IPv$fam: the refused sender sent nothing toward D"
}

family 4
family 6

# The sinks: every message of the two associations of each family, intact.
# sink_total NAME: the association lines and the total of a sink's JSON.
sink_total()
{
	python3 - "$LIB_TMP/$1.out" <<'EOF'
import json, sys
out = []
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") == "association":
        out.append("%s:%d/%d/%d/%d/%d" % (o["remote"].rsplit(":", 1)[1], o["messages"], o["intact"],
                                          o["corrupt"], o["dtls_rejected"], o["dtls_replayed"]))
    elif o.get("event") == "total":
        out.append("total:%d" % o["associations"])
print(" ".join(sorted(out)))
EOF
}
for s in sink4 sink6; do
	for ((i = 0; i < 30; i++)); do
		[ "$(grep -c '"event":"association"' "$LIB_TMP/$s.out")" -ge 2 ] && break
		sleep 0.1
	done
	sink_wait "$s" 0
done
n_a=$((2 * A_COUNT))
is "$(sink_total sink4)" \
	"$A4:$n_a/$n_a/0/0/0 $B4:$B_COUNT/$B_COUNT/0/0/0 total:2" \
	"IPv4 sink: 2 associations (the refused ones never connected), every message intact, nothing rejected or replayed"
is "$(sink_total sink6)" \
	"$A6:$n_a/$n_a/0/0/0 $B6:$B_COUNT/$B_COUNT/0/0/0 total:2" \
	"IPv6 sink: 2 associations, every message intact, nothing rejected or replayed"
