# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The DTLS mode of the association wire tests (assoc_concurrency, _bundling,
# _sctp_frag, _retransmit, _isolation, _ipv6): the same script, with PM_DTLS
# set (the thin tests/net/dtls_assoc_*.sh set it and source the plain one),
# runs every association as SCTP inside DTLS 1.2 and checks every property
# on the decrypted capture.  Sourced by lib_assoc.sh; in plain mode every
# function here does nothing and adds no test point.
#
#   DTLS_POINTS             test points dtls_cap adds per capture (0 plain)
#   dtls_pick PLAIN DTLS    the argument of the mode (smaller counts...)
#   DTLS_SINK_OPTS          pmark-sink options (--dtls), used by sink_start
#   dtls_sink_started NAME  after sink_start: the sink's fingerprint, which
#                           the next senders check
#   dtls_send_opts NAME     DTLS_OPTS = pmark-send options (--dtls, the
#                           sink's fingerprint, --keylog $LIB_TMP/NAME.keys),
#                           used by snd and send_run
#   dtls_cap NAME PORTS     after the capture NAME stopped and the senders
#                           and sinks ended: DTLS_POINTS checks on it, then
#                           $LIB_TMP/NAME.pcap is the decrypted capture (the
#                           raw one $LIB_TMP/NAME.raw.pcap); DW_* counts
#   dtls_plus_control N     N + the control-only SCTP packets of S (DTLS mode)
#   dtls_records_want N     N, or in DTLS mode S's DATA datagrams: a protected
#                           datagram's record is keyed by its DTLS record, so
#                           pmark-send writes one per DATA datagram (each
#                           transmission) where plain SCTP has one per chunk
#
# In DTLS mode the tc program sees only record headers: every application
# -data datagram without a record (INIT, COOKIE-ECHO, SHUTDOWN... of any
# sender, which plain SCTP counts as no_data) counts as no_record.
#
# DTLS_* are read by lib_assoc.sh, lib_wire.sh and the scripts; DW_* are set
# by py_vars (printf -v).
# shellcheck disable=SC2034,SC2154

PM_DTLS=${PM_DTLS:-}
DTLS_DECRYPT=$LIB_DIR/dtls_decrypt.py
DTLS_POINTS=0
DTLS_SINK_OPTS=()
DTLS_OPTS=()
DTLS_PEER_FP=
DTLS_SENDERS=()
DTLS_SINKS=()
DW_control=0
if [ -n "$PM_DTLS" ]; then
	DTLS_POINTS=6
	DTLS_SINK_OPTS=(--dtls)
fi

dtls_pick()
{
	if [ -n "$PM_DTLS" ]; then echo "$2"; else echo "$1"; fi
}

dtls_plus_control()
{
	if [ -n "$PM_DTLS" ] && [[ "$1" =~ ^[0-9]+$ ]]; then
		echo $(($1 + DW_control))
	else
		echo "$1"
	fi
}

dtls_records_want()
{
	if [ -n "$PM_DTLS" ]; then v DW_s_data; else echo "$1"; fi
}

dtls_sink_started()
{
	[ -n "$PM_DTLS" ] || return 0
	DTLS_SINKS+=("$1")
	DTLS_PEER_FP=$(grep -o -m1 'sha-256 [0-9A-Fa-f:]*' "$LIB_TMP/$1.out")
	[ -n "$DTLS_PEER_FP" ] || { diag "pmark-sink $1 printed no fingerprint"; return 1; }
}

dtls_send_opts()
{
	DTLS_OPTS=()
	[ -n "$PM_DTLS" ] || return 0
	DTLS_SENDERS+=("$1")
	rm -f "$LIB_TMP/$1.keys"
	DTLS_OPTS=(--dtls --peer-fingerprint "$DTLS_PEER_FP" --keylog "$LIB_TMP/$1.keys")
}

# dtls_cap NAME "PORT..." : PORT... are S's UDP ports (the senders').
dtls_cap()
{
	[ -n "$PM_DTLS" ] || return 0
	local name=$1 ports=$2 raw dec keys p dargs=() fsctp=() st rc out parsed nopeer malformed n good
	dec=${CAP_FILE[$name]}
	raw=$LIB_TMP/$name.raw.pcap
	keys=$LIB_TMP/$name.keylog
	mv -f "$dec" "$raw"
	for p in $ports; do
		dargs+=(--port "$p")
		fsctp+=(-d "udp.port==$p,sctp")
	done

	# 1. Both ends protected, the senders' key logs written, nothing rejected.
	out=$(python3 - "$LIB_TMP" "${#DTLS_SENDERS[@]}" "${DTLS_SENDERS[@]}" "${DTLS_SINKS[@]}" <<'PY'
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
senders, sinks = sys.argv[3:3 + n], sys.argv[3 + n:]
bad, keys = [], 0
def objs(name):
    r = []
    for line in open(os.path.join(d, name + ".out")):
        if line.startswith("{"):
            try:
                r.append(json.loads(line))
            except ValueError:
                pass
    return r
for s in senders:
    try:
        k = sum(1 for l in open(os.path.join(d, s + ".keys")) if l.startswith("CLIENT_RANDOM "))
    except OSError:
        k = 0
    keys += k
    o = (objs(s) or [{}])[-1]
    st = o.get("stats", {})
    if not k or o.get("dtls") is not True or not str(o.get("fingerprint")).startswith("sha-256 ") \
            or st.get("dtls_rejected") != 0 or st.get("dtls_replayed") != 0:
        bad.append("sender %s: %d keys, dtls %s, fingerprint %s, rejected %s, replayed %s" % (
            s, k, o.get("dtls"), o.get("fingerprint"), st.get("dtls_rejected"), st.get("dtls_replayed")))
for s in sinks:
    os_ = objs(s)
    lst = [o for o in os_ if o.get("event") == "listening"]
    ass = [o for o in os_ if o.get("event") == "association"]
    if not lst or lst[0].get("dtls") is not True or not ass or \
            any(o.get("dtls_rejected") or o.get("dtls_replayed") for o in ass):
        bad.append("sink %s: listening %s, associations %s" % (s, lst[:1], [
            (o.get("dtls_rejected"), o.get("dtls_replayed")) for o in ass]))
print("senders=%d keys=%d" % (len(senders), keys))
for b in bad:
    print(b)
sys.exit(1 if bad or not senders else 0)
PY
)
	ok $? "$name: DTLS on both ends, every sender wrote its key log, no record rejected or replayed ($(head -1 <<<"$out"))" \
		"$out"
	cat "$LIB_TMP"/*.keys >"$keys" 2>/dev/null

	# 2. With the keys: every application-data datagram decrypts.
	"$DTLS_DECRYPT" "$raw" "$keys" "$dec" "${dargs[@]}" --stats "$LIB_TMP/$name.dtls.json" \
		2>"$LIB_TMP/$name.dtls.err"
	rc=$?
	py_vars DW '
import json, sys
j = json.load(open(sys.argv[1]))
t, per = j["total"], j["by_src_port"]
mine = [per.get(p, {}) for p in sys.argv[2].split()]
s = {k: sum(c.get(k, 0) for c in mine)
     for k in ("dtls", "appdata", "handshake", "data", "control", "decrypted")}
s["hs_headers"] = ",".join(sorted({h for c in mine for h in c.get("headers_other", [])})) or "none"
print(" ".join("%s=%s" % kv for kv in list(t.items()) + [("s_" + k, v) for k, v in s.items()]))
' "$LIB_TMP/$name.dtls.json" "$ports" || DW_LINE=$(cat "$LIB_TMP/$name.dtls.err")
	diag "$name: dtls_decrypt: $DW_LINE"
	[ "$rc" = 0 ] && [ "$(v DW_s_appdata)" != missing ] && [ "$DW_s_appdata" -gt 0 ] &&
		[ "$DW_decrypted/$DW_undecryptable/$DW_fragments" = "$DW_appdata/0/0" ]
	ok $? "$name: the key log decrypts all $(v DW_appdata) application-data datagrams ($(v DW_s_appdata) from S: $(v DW_s_data) with DATA, $(v DW_s_control) control-only), 0 undecryptable, 0 IP fragments" \
		"$(cat "$LIB_TMP/$name.dtls.err")"
	DW_control=${DW_s_control:-0}

	# 3. The capture is DTLS, not SCTP: decoded as SCTP without keys, no
	# packet of S's ports has a valid CRC32c.
	st=$(tshark -r "$raw" -n -o "sctp.checksum:CRC 32c" -o ip.defragment:FALSE \
		-o ipv6.defragment:FALSE "${fsctp[@]}" -Y "udp.srcport in {${ports// /, }} && sctp" \
		-T fields -e sctp.checksum.status 2>/dev/null | awk '{ n++; g += $1 == 1 } END { print n + 0, g + 0 }')
	read -r n good <<<"$st"
	[ "${n:-0}" -gt 0 ] && [ "$good" = 0 ]
	ok $? "$name: without keys S's datagrams are no SCTP: of ${n:-?} decoded as SCTP, ${good:-?} with a valid CRC32c"

	# 4. Without the key log nothing decrypts, and the decrypter says so.
	"$DTLS_DECRYPT" "$raw" /dev/null "$LIB_TMP/$name.nokeys.pcap" "${dargs[@]}" \
		2>"$LIB_TMP/$name.nokeys.err"
	rc=$?
	out=$(sed -n 's/^dtls_decrypt: \(frames=.*\)/\1/p' "$LIB_TMP/$name.nokeys.err")
	rm -f "$LIB_TMP/$name.nokeys.pcap"
	[ "$rc" = 1 ] && [[ "$out" == *" decrypted=0 undecryptable=$(v DW_appdata) "* ]]
	ok $? "$name: without the key log dtls_decrypt.py fails (status $rc) and decrypts none of the $(v DW_appdata)" \
		"$(cat "$LIB_TMP/$name.nokeys.err")"

	# 5. The handshake (datagrams with no application data) left S unmarked.
	[ "$(v DW_s_handshake)" != missing ] && [ "$DW_s_handshake" -gt 0 ] && [ "$DW_s_hs_headers" = 64/0 ]
	ok $? "$name: S's $(v DW_s_handshake) handshake datagrams left unmarked (TTL/TOS seen: $(v DW_s_hs_headers))"

	# 6. The tc program read the record header of each protected datagram,
	# the handshake's too (the client registers its peer before the
	# ClientHello): none read as a malformed SCTP packet.
	parsed=$(stat_delta dtls_parsed)
	nopeer=$(stat_delta dtls_no_peer)
	malformed=$(stat_delta malformed)
	diag "$name: tc program: dtls_parsed +$parsed, dtls_no_peer +$nopeer, dtls_not_appdata +$(stat_delta dtls_not_appdata), malformed +$malformed"
	[ "$parsed" = "$(v DW_s_dtls)" ] && [ "$parsed" -gt 0 ] && [ "$nopeer" = 0 ] && [ "$malformed" = 0 ]
	ok $? "$name: tc program: dtls_parsed grew by $parsed, S's $(v DW_s_dtls) DTLS datagrams (handshake included); dtls_no_peer, malformed 0"

	DTLS_SENDERS=()
	DTLS_SINKS=()
}
