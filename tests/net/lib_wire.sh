#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Shared by the assoc_* wire tests that need a timed pmark-send, its JSON
# and stats as shell variables, the tc counters growth, a capture that fails
# on drops or truncation, and a census of the TSNs on the wire.  Source after
# lib.sh and lib_assoc.sh.

# snd NAME NS ARGS...: send_run, but never longer than 50 s (a hang of the
# library must fail the test, not stall the suite).
snd()
{
	local name=$1 ns=$2 rc
	shift 2
	dtls_send_opts "$name"
	in_ns "$ns" timeout -k 5 50 "$SEND_BIN" "${DTLS_OPTS[@]}" "$@" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err"
	rc=$?
	[ $rc = 124 ] && diag "pmark-send did not finish in 50 s"
	if [ $rc != 0 ]; then
		diag "pmark-send $* failed ($rc):" "$(cat "$LIB_TMP/$name.err")"
	elif [ -s "$LIB_TMP/$name.err" ]; then
		diag "pmark-send $name, stderr:" "$(tail -n 20 "$LIB_TMP/$name.err")"
	fi
	return $rc
}

# unset_prefix PREFIX: unset every variable whose name starts with PREFIX.
unset_prefix()
{
	local n
	for n in $(compgen -v "$1"); do
		unset "$n"
	done
}

# py_vars PREFIX PYTHON ARGS...: run PYTHON (its output is "key=value ..."
# words) and set PREFIX_key for each, after unsetting all PREFIX_*
# (nothing stale from an earlier call); the line is kept in PREFIX_LINE.
# So PREFIX must not start names the libraries use (SINK_BIN, SEND_BIN...).
py_vars()
{
	local pfx=$1 code=$2 line kv
	shift 2
	unset_prefix "${pfx}_"
	line=$(python3 -c "$code" "$@") || return 1
	printf -v "${pfx}_LINE" '%s' "$line"
	for kv in $line; do
		printf -v "${pfx}_${kv%%=*}" '%s' "${kv#*=}"
	done
	[ -n "$line" ]
}

# json_vars PREFIX FILE: the last JSON object in FILE as PREFIX_key
# variables, nested objects joined with _ (PREFIX_stats_records_failed);
# true/false/null are True/False/None, strings have no blanks.
json_vars()
{
	py_vars "$1" '
import json, re, sys
objs = []
for line in open(sys.argv[1]):
    if line.startswith("{"):
        try:
            objs.append(json.loads(line))
        except ValueError:
            pass
def walk(o, p):
    for k, v in o.items():
        n = p + re.sub(r"\W", "_", k)
        if isinstance(v, dict):
            walk(v, n + "_")
        else:
            print("%s=%s" % (n, re.sub(r"\s", "_", str(sum(v) if isinstance(v, list) else v))), end=" ")
if objs:
    walk(objs[-1], "")
' "$2"
}

# v NAME: the variable NAME, or "missing".
v()
{
	echo "${!1:-missing}"
}

# tc_deltas: TC_<counter> = growth of each tc program counter since stats_save.
tc_deltas()
{
	unset_prefix TC_
	pmctl --json stats >"$LIB_TMP/stats.now.json" || return 1
	py_vars TC '
import json, sys
def flat(o):
    return {k: sum(x) if isinstance(x, list) else x for k, x in o.items()
            if isinstance(x, (int, list))}
now = flat(json.load(open(sys.argv[1])))
try:
    base = flat(json.load(open(sys.argv[2])))
except (OSError, ValueError):
    base = {}
print(" ".join("%s=%d" % (k, x - base.get(k, 0)) for k, x in now.items()))
' "$LIB_TMP/stats.now.json" "$LIB_TMP/stats.base.json"
}

# cap_begin NAME NS IFACE FILTER: cap_start, but with a snapshot length of
# 1600 bytes (every frame of these 1500-byte links whole; cap_complete
# checks).  With -s 0 on a veth (offloads on) libpcap sizes each ring
# frame for 64 KiB and its ring holds about a thousand frames: a burst of
# small datagrams overflows it.  cap_stop NAME stops it.
cap_begin()
{
	cap_start "$1" "$2" "$3" "$4" -s 1600 -B 65536 -U --immediate-mode
}

# cap_up NAME NS IFACE FILTER: cap_start (lib.sh) without --immediate-mode
# and with a 256 MiB buffer, so that tcpdump keeps up with bursts on a busy
# machine.  cap_down ends it.
cap_up()
{
	cap_start "$1" "$2" "$3" "$4" -s 0 -B 262144 -U
}

# cap_down NAME: cap_stop (lib.sh) once the file has not grown for 1.5 s.
# Without --immediate-mode the kernel hands packets to tcpdump a buffer
# block at a time, the last block when its 1 s timeout retires it; tcpdump
# stopped before then would lose it.
cap_down()
{
	local f=${CAP_FILE[$1]} i size prev=-1 still=0
	for ((i = 0; i < 80 && still < 6; i++)); do
		size=$(stat -c %s "$f" 2>/dev/null || echo 0)
		if [ "$size" = "$prev" ]; then
			still=$((still + 1))
		else
			still=0
		fi
		prev=$size
		sleep 0.25
	done
	cap_stop "$1"
}

# cap_complete NAME: "DROPPED/TRUNCATED" for a stopped capture: packets the
# kernel dropped for tcpdump and frames cut short by the snapshot length;
# "0/0" when the capture holds everything that passed.
cap_complete()
{
	local drops trunc
	drops=$(cap_drops "$1")
	trunc=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
o, n = 24, 0
while o + 16 <= len(d):
    incl, orig = struct.unpack(e + "II", d[o + 8:o + 16])
    n += incl < orig
    o += 16 + incl
print(n)
' "${CAP_FILE[$1]}" 2>/dev/null)
	echo "$drops/${trunc:-unknown}"
}

# wire_census PCAP PORT [--v6]: the datagrams from UDP port PORT that carry
# DATA (first fragments only: tshark does not reassemble), in WC_*:
#   data      such datagrams           chunks    DATA chunks in them
#   tsns      distinct TSNs            begins, ends  distinct TSNs with B / E
#   ppids     distinct PPIDs (pmark-send encodes each option set there)
#   ppid_min, ppid_max   distinct TSNs of a PPID, least and most
#   headers   distinct (TTL, TOS) of the datagrams
#   bundled   datagrams with more than one DATA chunk;  maxchunks
#   mf        datagrams that are the first of several IP fragments
#   tsn_first, tsn_last, holes, first_hole   the TSN span and what it lacks
#   max_sends the most times one TSN was on the wire (usrsctp aborts at 30)
wire_census()
{
	local pcap=$1 port=$2 f=(ip.ttl ip.dsfield ip.flags.mf)
	[ "${3:-}" = --v6 ] && f=(ipv6.hlim ipv6.tclass ipv6.fraghdr.more)
	unset_prefix WC_
	tshark -r "$pcap" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-d "udp.port==$port,sctp" -Y "udp.srcport == $port && sctp.data_tsn_raw" \
		-T fields -E separator=';' -E occurrence=a -e sctp.data_tsn_raw \
		-e sctp.data_payload_proto_id -e sctp.data_b_bit -e sctp.data_e_bit \
		-e "${f[0]}" -e "${f[1]}" -e "${f[2]}" >"$LIB_TMP/census.txt" 2>"$LIB_TMP/census.err" || {
		diag "tshark failed:" "$(cat "$LIB_TMP/census.err")"
		return 1
	}
	py_vars WC '
import sys
def ints(s):
    return [int(x, 0) if x not in ("True", "False") else int(x == "True") for x in s.split(",") if x]
tsns, b, e, per, headers, sends = set(), set(), set(), {}, set(), {}
data = chunks = bundled = maxc = mf = 0
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(";")
    t, p, bb, ee = ints(f[0]), ints(f[1]), ints(f[2]), ints(f[3])
    data += 1
    chunks += len(t)
    bundled += len(t) > 1
    maxc = max(maxc, len(t))
    headers.add((f[4].split(",")[0], f[5].split(",")[0]))
    mf += (ints(f[6]) or [0])[0]
    tsns.update(t)
    for x in t:
        sends[x] = sends.get(x, 0) + 1
    b.update(x for x, y in zip(t, bb) if y)
    e.update(x for x, y in zip(t, ee) if y)
    for x, y in zip(t, p):
        per.setdefault(y, set()).add(x)
n = [len(s) for s in per.values()] or [0]
# What a failure needs to be read: the TSN span and its first hole (RFC 1982
# wrap ignored: a test association sends far fewer than 2^31 TSNs).
lo, hi = (min(tsns), max(tsns)) if tsns else (0, -1)
hole = next((x for x in range(lo, hi + 1) if x not in tsns), None) if hi - lo < 1 << 20 else None
print("data=%d chunks=%d tsns=%d begins=%d ends=%d ppids=%d ppid_min=%d ppid_max=%d "
      "headers=%d bundled=%d maxchunks=%d mf=%d tsn_first=%d tsn_last=%d holes=%d first_hole=%s "
      "max_sends=%d" %
      (data, chunks, len(tsns), len(b), len(e), len(per), min(n), max(n), len(headers), bundled,
       maxc, mf, lo, hi, hi - lo + 1 - len(tsns), hole if hole is not None else "none",
       max(sends.values(), default=0)))
' "$LIB_TMP/census.txt"
}
