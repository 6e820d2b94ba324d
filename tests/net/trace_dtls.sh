#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmark-trace over a protected association (SCTP inside DTLS 1.2) on the
# chain S - R1 .. R5 - D (lib_chain.sh): R2 answers IPv4 with 8-byte quotes
# (--icmp8 2), R3 clears DF (--df-clear 3), R4 sets DSCP 34 on forwarded
# UDP (--dscp 4), as trace_dscp.sh's chain does.  In D, a plain
# pmark-sink and a pmark-sink --dtls per family; the marker on S's l1; one
# capture on link 1 at R1 (the datagrams as S sent them, TTL as sent).
#   The DTLS sinks print their fingerprint ("dtls: sha-256 ..." before
#   "listening on"; "fingerprint" in --json).
# Per family, pmark-trace --json, then pmark-trace --json --dtls
# --peer-fingerprint FP --keylog K --cleartext-pcap P:
#   exit 0, maps mode, D reached at hop 6; the DTLS trace's hops are the
#   plain trace's and the configured path; hops 1..5 answered 3 of 3 by
#   Time Exceeded, matched by "record" (IPv4 hop 2, 8-byte quotes: "ipid"),
#   each with its record_id; hop 6 is D, 3 probes acked; the rewrites named
#   as without DTLS (IPv4: DF cleared at hop 3, DSCP at hop 4; IPv6: DSCP);
#   on the wire, without keys (tshark): every datagram of the DTLS trace is
#   DTLS (the first ClientHello's record may say 1.0, as OpenSSL's does),
#   DTLS 1.2 application data for at least every probe, no SCTP and no
#   cleartext probe bytes (the plain trace's datagrams, in the same
#   capture, are SCTP with the probe bytes: the check tells them apart);
#   with the key log: the probe datagrams decrypt to SCTP DATA with PPID
#   0x504d4b54 and a PMKPROBE payload, one per probe sent, TTLs 1..30 three
#   times each; each answered probe's record_id in the JSON (hops 1..6) is
#   the DTLS record of a wire probe with the hop's TTL and the probe's TSN;
#   the JSON probe_size is the probes' UDP payload on the wire;
#   --cleartext-pcap: one packet per probe (clear_pairs.py), the record ids
#   those of the protected probe datagrams on the wire, TTL, TOS, DF, IPv4
#   ID and TSN those the datagram had.
# IPv4 only: the 8-byte-quote hop: 3 probes matched by "ipid", the
# responder answered exactly 3, quoting their IP IDs; the text output
# over DTLS: header ending ", DTLS 1.2" (not without --dtls), its datagram
# size the wire's, the configured hops; a wrong --peer-fingerprint: exit 1,
# the mismatch said, nothing on stdout.
# At the end: every association ended gracefully at the sinks, and the
# IPv6 DTLS sink decrypted and dropped the probes that reached D.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_assoc.sh
source "$(dirname "$0")/lib_assoc.sh"
# shellcheck source-path=SCRIPTDIR source=lib_chain.sh
source "$(dirname "$0")/lib_chain.sh"

N=5
K8=2            # 8-byte quotes (IPv4)
DSCP_HOP=4
DF_HOP=3
DSCP=34
TOS=$((DSCP << 2))
MAXH=30         # pmark-trace's default -m
PPORT=5001      # plain sinks
DPORT=5002      # DTLS sinks
LPORT=41900     # +0 plain4 +1 dtls4 +2 dtls4 text +3 plain4 text +4 plain6 +5 dtls6 +6 bad fingerprint
PROBE_PPID=$((0x504d4b54))

require_trace
tap_plan 40

need "chain of $N routers, R$K8 8-byte quotes, R$DF_HOP clears DF, R$DSCP_HOP sets DSCP $DSCP" \
	chain_setup $N --icmp8 $K8 --df-clear $DF_HOP --dscp $DSCP_HOP:$DSCP
chain_marked $(seq $LPORT $((LPORT + 6)))
need "plain pmark-sink in D on $CH_D4:$PPORT" sink_start sp4 "$CH_NS_D" --json "$CH_D4:$PPORT"
need "plain pmark-sink in D on [$CH_D6]:$PPORT" sink_start sp6 "$CH_NS_D" --json "[$CH_D6]:$PPORT"
need "pmark-sink --dtls in D on $CH_D4:$DPORT (text)" sink_start sd4 "$CH_NS_D" --dtls "$CH_D4:$DPORT"
need "pmark-sink --dtls --json in D on [$CH_D6]:$DPORT" sink_start sd6 "$CH_NS_D" --dtls --json "[$CH_D6]:$DPORT"
FP4=$(sink_fingerprint sd4)
FP6=$(sink_fingerprint sd6)
FPRE='^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$'
[[ "$(sed -n 1p "$LIB_TMP/sd4.out")" == "dtls: $FP4" ]] && [[ "$(sed -n 2p "$LIB_TMP/sd4.out")" == "listening on $CH_D4:$DPORT" ]] &&
	[[ "$FP4" =~ $FPRE ]] && [[ "$FP6" =~ $FPRE ]] && [ "$FP4" != "$FP6" ]
ok $? "the DTLS sinks print their fingerprint: 'dtls: sha-256 ..' before 'listening on' (text), in the listening object (--json)" \
	"$(cat "$LIB_TMP/sd4.out")" "$(head -1 "$LIB_TMP/sd6.out")"
need "capture on link 1 at R1" chain_cap c1 1 a "udp or icmp or icmp6"

KEYLOG=$LIB_TMP/keys.log
declare -A RC=()

# ---------------------------------------------------------------- the traces

c8_0=$(icmp8_count)
trace_run p4 -n --json --local "$CH_S4:$LPORT" "$CH_D4:$PPORT"
RC[p4]=$?
trace_run d4 -n --json --dtls --peer-fingerprint "$FP4" --keylog "$KEYLOG" --cleartext-pcap "$LIB_TMP/clear4.pcap" \
	--local "$CH_S4:$((LPORT + 1))" "$CH_D4:$DPORT"
RC[d4]=$?
c8_1=$(icmp8_wait $((c8_0 + 6)))
trace_run d4t -n --dtls --peer-fingerprint "$FP4" --local "$CH_S4:$((LPORT + 2))" "$CH_D4:$DPORT"
RC[d4t]=$?
trace_run p4t -n --local "$CH_S4:$((LPORT + 3))" "$CH_D4:$PPORT"
RC[p4t]=$?
trace_run p6 -n --json --local "[$CH_S6]:$((LPORT + 4))" "[$CH_D6]:$PPORT"
RC[p6]=$?
trace_run d6 -n --json --dtls --peer-fingerprint "$FP6" --keylog "$KEYLOG" --cleartext-pcap "$LIB_TMP/clear6.pcap" \
	--local "[$CH_S6]:$((LPORT + 5))" "[$CH_D6]:$DPORT"
RC[d6]=$?
BADFP="sha-256 $(printf '00:%.0s' $(seq 31))00"
trace_run bad -n --dtls --peer-fingerprint "$BADFP" --connect-timeout 5000 \
	--local "$CH_S4:$((LPORT + 6))" "$CH_D4:$DPORT"
RC[bad]=$?
cap_stop c1
for r in p4 d4 d4t p4t p6 d6; do
	[ "${RC[$r]}" = 0 ] || diag "pmark-trace ($r) exit ${RC[$r]}:" "$(cat "$LIB_TMP/$r.err")"
done

# ---------------------------------------------------------------- the capture

# Every UDP datagram of the capture (not the quotes inside ICMP errors),
# without keys (tshark decodes the plain sink's port as SCTP), then the
# decrypted application data with the key log.
PCAP=${CAP_FILE[c1]}
UDPF='udp && !icmp && !icmpv6'
lib_tshark -r "$PCAP" -d "udp.port==$PPORT,sctp" -Y "$UDPF" -T fields -E separator=/t -E occurrence=f \
	-e frame.number -e udp.srcport -e udp.dstport -e ip.ttl -e ipv6.hlim -e ip.dsfield -e ipv6.tclass \
	-e ip.id -e udp.length -e udp.payload -e dtls.record.content_type -e dtls.record.version \
	-e dtls.record.epoch -e dtls.record.sequence_number -e sctp.srcport -e ip.flags.df >"$LIB_TMP/wire.tsv"
lib_tshark -r "$PCAP" -o "tls.keylog_file:$KEYLOG" -Y "$UDPF" -T fields -E separator=/t \
	-e frame.number -e data.data >"$LIB_TMP/dec.tsv"
[ -s "$LIB_TMP/wire.tsv" ] || diag "tshark found no UDP datagram in $PCAP"
for f in 4 6; do
	python3 "$CH_LIB_DIR/clear_pairs.py" "$LIB_TMP/clear$f.pcap" >"$LIB_TMP/clear$f.jsonl" 2>"$LIB_TMP/clear$f.err" ||
		diag "clear_pairs.py clear$f.pcap:" "$(cat "$LIB_TMP/clear$f.err")"
done

# wire SPORT [JSON] [CLEAR_JSONL]: one JSON object on what the capture shows
# of the datagrams from UDP port SPORT (and, given the trace's JSON and the
# cleartext pcap's lines, how they compare with them).
cat >"$LIB_TMP/wire.py" <<'PY'
import json, struct, sys
sport = int(sys.argv[1])
tj_file = sys.argv[2] if len(sys.argv) > 2 else ""
clear_file = sys.argv[3] if len(sys.argv) > 3 else ""
PPID = int(sys.argv[4]) if len(sys.argv) > 4 else 0x504d4b54
dec = {}
for line in open(sys.argv[5] if len(sys.argv) > 5 else "dec.tsv"):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 2 and f[1]:
        dec[f[0]] = f[1].split(",")[0]
wire_tsv = sys.argv[6] if len(sys.argv) > 6 else "wire.tsv"

def num(s, base=10):
    return int(s, 0) if s.startswith("0x") else int(s, base)

def sctp_probe(hexs):
    """(tsn, ppid, payload starts with PMKPROBE) of the first DATA chunk of an SCTP packet, or None."""
    b = bytes.fromhex(hexs)
    off = 12
    while off + 4 <= len(b):
        t, _, cl = struct.unpack("!BBH", b[off:off + 4])
        if cl < 4:
            break
        if t == 0 and cl >= 16:
            tsn, _, _, ppid = struct.unpack("!IHHI", b[off + 4:off + 16])
            return tsn, ppid, b[off + 16:off + 24] == b"PMKPROBE"
        off += (cl + 3) & ~3
    return None

out = {"n": 0, "dtls": 0, "appdata": 0, "sctp": 0, "clear_bytes": 0, "probes": []}
for line in open(wire_tsv):
    f = line.rstrip("\n").split("\t")
    f += [""] * (16 - len(f))
    (fr, sp, dp, ttl4, hlim, ds, tc, ipid, ulen, payload, ct, ver, ep, seq, sctp, df) = f[:16]
    if not sp or int(sp) != sport:
        continue
    out["n"] += 1
    p = bytes.fromhex(payload)
    # DTLS records (a first ClientHello may say DTLS 1.0, 0xfeff, as OpenSSL's
    # does); application data only in DTLS 1.2 records.
    if ct and ver and all(num(v) in (0xfefd, 0xfeff) for v in ver.split(",")) and len(p) >= 13 and \
            p[0] in (20, 21, 22, 23):
        out["dtls"] += 1
        if num(ct.split(",")[0]) == 23 and num(ver.split(",")[0]) == 0xfefd:
            out["appdata"] += 1
    if sctp:
        out["sctp"] += 1
    if p[:4] == b"\x13\x88\x13\x88" or b"PMKPROBE" in p:
        out["clear_bytes"] += 1
    d = dec.get(fr)
    pr = sctp_probe(d) if d else None
    if pr and pr[1] == PPID and pr[2] and ep and seq:
        rid = (num(ep.split(",")[0]) << 48) | num(seq.split(",")[0])
        out["probes"].append({"frame": int(fr), "ttl": num(ttl4 or hlim), "tos": num(ds or tc) & 0xff,
                              "ip_id": num(ipid) if ipid else 0, "rid": rid, "tsn": pr[0],
                              "df": (1 if df in ("1", "True") else 0) if ttl4 else None,
                              "len": int(ulen) - 8})
out["probe_ttls"] = " ".join("%dx%d" % (t, sum(1 for p in out["probes"] if p["ttl"] == t))
                             for t in sorted({p["ttl"] for p in out["probes"]}))
out["probe_lens"] = sorted({p["len"] for p in out["probes"]})
by_rid = {p["rid"]: p for p in out["probes"]}
if tj_file:
    j = None
    for line in open(tj_file):
        if line.startswith("{"):
            j = json.loads(line)
    bad, n = [], 0
    for h in (j or {}).get("hops", []):
        for p in h["probes"]:
            if p["state"] not in ("icmp", "acked"):
                continue
            n += 1
            w = by_rid.get(p.get("record_id"))
            if w is None:
                bad.append("hop %d tsn %s: record_id %s not a probe datagram on the wire" %
                           (h["hop"], p["tsn"], p.get("record_id")))
            elif (w["ttl"], w["tsn"]) != (h["hop"], p["tsn"]):
                bad.append("hop %d tsn %s: record %d went out with TTL %d, TSN %d" %
                           (h["hop"], p["tsn"], w["rid"], w["ttl"], w["tsn"]))
    out["answered"] = n
    out["record_bad"] = bad
if clear_file:
    cl = [json.loads(l) for l in open(clear_file) if l.strip()]
    out["clear_n"] = len(cl)
    bad = []
    for c in cl:
        w = by_rid.get(c["record_id"])
        if w is None:
            bad.append("clear %d: record id %d not a protected probe on the wire" % (c["n"], c["record_id"]))
            continue
        if c["family"] == 4 and c["ip_id"] and c["ip_id"] != w["ip_id"]:
            bad.append("clear %d: ip_id %d, wire %d" % (c["n"], c["ip_id"], w["ip_id"]))
        if (c["ttl"], c["tos"], c["df"], c["tsns"][:1], c["sport"]) != (w["ttl"], w["tos"], w["df"], [w["tsn"]], sport):
            bad.append("clear %d: ttl %d tos %d df %s tsns %s sport %d; wire ttl %d tos %d df %s tsn %d" %
                       (c["n"], c["ttl"], c["tos"], c["df"], c["tsns"], c["sport"], w["ttl"], w["tos"], w["df"],
                        w["tsn"]))
    out["clear_bad"] = bad
    out["clear_rids_match"] = sorted(c["record_id"] for c in cl) == sorted(by_rid)
    out["clear_ttls"] = " ".join("%dx%d" % (t, sum(1 for c in cl if c["ttl"] == t))
                                 for t in sorted({c["ttl"] for c in cl}))
del out["probes"]
print(json.dumps(out))
PY
wire()
{
	python3 "$LIB_TMP/wire.py" "$1" "${2:-}" "${3:-}" "$PROBE_PPID" "$LIB_TMP/dec.tsv" "$LIB_TMP/wire.tsv"
}
# every TTL 1 .. MAXH three times, as wire.py counts them
ALL_TTLS=$(for ((t = 1; t <= MAXH; t++)); do printf '%dx3 ' $t; done)
ALL_TTLS=${ALL_TTLS% }

# ---------------------------------------------------------------- per family

for fam in 4 6; do
	if [ $fam = 4 ]; then
		PATH_EXP=$CH_PATH4 TE=11 D=$CH_D4 P=p4 X=d4 XPORT=$((LPORT + 1)) PLPORT=$LPORT HOP=chain_hop4
	else
		PATH_EXP=$CH_PATH6 TE=3 D=$CH_D6 P=p6 X=d6 XPORT=$((LPORT + 5)) PLPORT=$((LPORT + 4)) HOP=chain_hop6
	fi
	pf=$LIB_TMP/$P.out xf=$LIB_TMP/$X.out
	is "${RC[$P]}/$(tj "$pf" '[j["mode"], j["dtls"], j["reached"], j["dest_hop"]]')/$(trace_path "$pf")" \
		"0/maps false true $((N + 1))/$PATH_EXP" "IPv$fam plain: exit 0, maps, not DTLS, D reached at hop $((N + 1)), the configured hops"
	is "${RC[$X]}/$(tj "$xf" '[j["mode"], j["dtls"], j["fingerprint"] is not None, j["keylog"] is not None, j["reached"], j["dest_hop"]]')" \
		"0/maps true true true true $((N + 1))" "IPv$fam --dtls: exit 0, maps, dtls true with our fingerprint, D reached at hop $((N + 1))"
	is "$(trace_path "$xf")" "$(trace_path "$pf")" "IPv$fam --dtls: the same hops as the plain trace"
	is "$(trace_path "$xf")" "$PATH_EXP" "IPv$fam --dtls: the configured path"
	if [ $fam = 4 ]; then M8=$K8; else M8=0; fi
	is "$(tj "$xf" "[h['hop'] for h in j['hops'] if h['hop'] <= $N and h['sent'] == 3 and h['answered'] == 3 and len(h['probes']) == 3 and all(p['state'] == 'icmp' and p['icmp_type'] == $TE and p['icmp_code'] == 0 and p['addr'] == h['addrs'][0] and p['record_id'] is not None and p['match'] == ('ipid' if h['hop'] == $M8 else 'record') for p in h['probes'])]")" \
		"$(seq -s ' ' 1 $N)" "IPv$fam --dtls: hops 1..$N: 3 of 3 Time Exceeded, matched by record$([ $fam = 4 ] && echo " (hop $K8: ipid)"), each with its record_id" \
		"$(tj "$xf" "[(h['hop'], h['answered'], [p['match'] for p in h['probes']]) for h in j['hops'] if h['hop'] <= $N]")"
	is "$(tj "$xf" "[(h['addrs'], h['answered'], [p['state'] for p in h['probes']]) for h in j['hops'] if h['hop'] == $((N + 1))]")" \
		"$D 3 acked acked acked" "IPv$fam --dtls: hop $((N + 1)) is D, its 3 probes acked"
	RW='[[r["field"], r["hop"], r["addr"], r["from"], r["to"]] for r in j["rewrites"]]'
	if [ $fam = 4 ]; then
		RW_EXP="df $DF_HOP $($HOP $DF_HOP) 1 0 dscp $DSCP_HOP $($HOP $DSCP_HOP) 0 $TOS" RW_WHAT="DF clearing at hop $DF_HOP and "
	else
		RW_EXP="dscp $DSCP_HOP $($HOP $DSCP_HOP) 0 $TOS" RW_WHAT=
	fi
	is "$(tj "$xf" "$RW")/$(tj "$pf" "$RW")" "$RW_EXP/$RW_EXP" \
		"IPv$fam --dtls: rewrites named: ${RW_WHAT}the DSCP rewrite at hop $DSCP_HOP (0 -> $TOS), as without DTLS"

	w=$LIB_TMP/wire$fam.json
	wire "$XPORT" "$xf" "$LIB_TMP/clear$fam.jsonl" >"$w"
	sent=$(tj "$xf" 'j["probes_sent"]')
	is "$(tj "$w" "[j['n'] > $sent, j['dtls'] == j['n'], j['appdata'] >= $sent, j['sctp'], j['clear_bytes']]")" \
		"true true true 0 0" "IPv$fam on the wire, no keys: every datagram of the DTLS trace is DTLS, DTLS 1.2 app data for >= $sent probes, no SCTP, no cleartext probe" \
		"$(tj "$w" "[j['n'], j['dtls'], j['appdata'], j['sctp'], j['clear_bytes']]")"
	is "$sent/$(tj "$w" "[len(j['probe_ttls'].split()), j['probe_ttls']]")" "$((MAXH * 3))/$MAXH $ALL_TTLS" \
		"IPv$fam with the key log: $((MAXH * 3)) probe datagrams decrypt to SCTP DATA, PPID 0x504d4b54, PMKPROBE; TTLs 1..$MAXH x3 on the wire"
	is "$(tj "$w" "[j['answered'], len(j['record_bad'])]")" "$(((N + 1) * 3)) 0" \
		"IPv$fam --dtls: each of the $(((N + 1) * 3)) answered probes' record_id is a wire probe datagram with the hop's TTL and the probe's TSN" \
		"$(tj "$w" "j['record_bad'][:5]")"
	is "$(tj "$xf" 'j["probe_size"]')" "$(tj "$w" 'j["probe_lens"]')" \
		"IPv$fam --dtls --json: probe_size is the probes' UDP payload on the wire"
	is "$(tj "$w" "[j['clear_n'], j['clear_rids_match'], len(j['clear_bad']), j['clear_ttls']]")" \
		"$sent true 0 $ALL_TTLS" "IPv$fam --cleartext-pcap: one packet per probe, the record ids of the wire's probe datagrams, TTL / TOS / DF / IP ID / TSN as sent" \
		"$(tj "$w" "j['clear_bad'][:5]")" "$(head -c 600 "$LIB_TMP/clear$fam.err" 2>/dev/null)"

	if [ $fam = 4 ]; then
		wp=$LIB_TMP/wirep4.json
		wire "$PLPORT" >"$wp"
		is "$(tj "$wp" "[j['n'] > 0, j['dtls'], j['sctp'] == j['n'], j['clear_bytes'] >= $(tj "$pf" 'j["probes_sent"]')]")" \
			"true 0 true true" "IPv4 plain trace in the same capture: SCTP, cleartext probes, no DTLS (the checks tell them apart)" \
			"$(cat "$wp")"
	fi
done

# ---------------------------------------------------------------- IPv4 extras

xf=$LIB_TMP/d4.out
is "$(tj "$xf" "[[p['state'], p['addr'], p['icmp_type'], p['match'], (p['quoted'] or {}).get('ttl')] for h in j['hops'] if h['hop'] == $K8 for p in h['probes']]")" \
	"$(for i in 1 2 3; do printf 'icmp %s 11 ipid 1 ' "$(chain_hop4 $K8)"; done | sed 's/ $//')" \
	"IPv4 --dtls: hop $K8 (8-byte quotes): 3 probes answered by R$K8, matched by IP ID, quoted TTL 1"
ids_probe=$(tj "$xf" "sorted(p['ip_id'] for h in j['hops'] if h['hop'] == $K8 for p in h['probes'])")
ids_resp=$(awk -v s="$CH_S4" -v p="$((LPORT + 1))" '$1 == "answered" && $3 == s && $6 == p { print $5 }' "$ICMP8_LOG" | sort -n | tr '\n' ' ')
is "$((c8_1 - c8_0))/${ids_resp% }" "6/$ids_probe" \
	"the responder answered 3 probes of each IPv4 trace; those of the DTLS one quote the hop-$K8 probes' IP IDs"

# Text output over DTLS: header, datagram size, hop lines.
bad=$(python3 - "$CH_PATH4" "$LIB_TMP/d4t.out" "$LIB_TMP/p4t.out" "$(tj "$LIB_TMP/wire4.json" 'j["probe_lens"]')" <<'PY'
import re, sys
exp = sys.argv[1].split()
bad = []
lines = open(sys.argv[2]).read().splitlines()
plain = open(sys.argv[3]).read().splitlines()
head = lines[0] if lines else ""
m = re.match(r"pmark-trace to \S+ over association \S+ -> \S+, \d+ hops max, 3 probes per hop, (\d+) byte datagrams, DTLS 1\.2$", head)
if not m:
    bad.append("header %r" % head)
elif m.group(1) != sys.argv[4]:
    bad.append("header: %s byte datagrams, the wire's probes %s" % (m.group(1), sys.argv[4]))
if not plain or "DTLS" in plain[0] or not plain[0].endswith("byte datagrams"):
    bad.append("plain header %r" % (plain[0] if plain else ""))
got = [l for l in lines if re.match(r"\s*\d+\s", l)]
if len(got) != len(exp):
    bad.append("%d hop lines for %d hops" % (len(got), len(exp)))
for i, line in enumerate(got):
    m = re.match(r"\s*(\d+)\s+(\S+)((?:\s+[\d.]+ ms){3})", line)
    if not m or int(m.group(1)) != i + 1 or i >= len(exp) or m.group(2) != exp[i]:
        bad.append("line %d: %r" % (i + 1, line))
print("; ".join(bad))
PY
)
[ "${RC[d4t]}" = 0 ] && [ "${RC[p4t]}" = 0 ] && [ -z "$bad" ]
ok $? "IPv4 --dtls text: exit 0, header ends ', DTLS 1.2' (plain: not), its datagram size the wire's, the configured hops" \
	"exits ${RC[d4t]} / ${RC[p4t]}; $bad" "$(head -3 "$LIB_TMP/d4t.out")"

[ "${RC[bad]}" = 1 ] && [ ! -s "$LIB_TMP/bad.out" ] && grep -q "fingerprint does not match" "$LIB_TMP/bad.err"
ok $? "IPv4 --dtls with a wrong --peer-fingerprint: exit 1, the mismatch said, nothing on stdout" \
	"exit ${RC[bad]}" "$(cat "$LIB_TMP/bad.out" "$LIB_TMP/bad.err")"

# ---------------------------------------------------------------- the sinks

for s in sp4 sp6 sd4 sd6; do
	stop_pid "${SINK_PID[$s]}" 5
done
is "$(sink_assocs sp4)/$(sink_assocs sp6)/$(grep -c ', closed$' "$LIB_TMP/sd4.out")/$(sink_assocs sd6)" \
	"2 closed closed/1 closed/2/1 closed" "every association ended gracefully at the sinks (plain 2 + 1, DTLS 2 + 1)" \
	"$(cat "$LIB_TMP/sd4.out")"
is "$(sink_stat sd6 probes_dropped)" "$(((MAXH - N) * 3))" \
	"the IPv6 DTLS sink decrypted and dropped the $(((MAXH - N) * 3)) probes that reached D (TTL $((N + 1))..$MAXH)"
