#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check a capture of pmark-send traffic against the options each message asked for.

pmark-send puts the options of a message in the PPID of every DATA chunk
(bits 31..24 TTL, 0 = leave; 23..16 TOS value; 15..8 TOS mask, 0 = leave;
7..6 DF 0 leave / 1 set / 2 clear; bit 5 once; 4..0 thread & 31), so every
chunk on the wire says what its datagram's IP header must show.  tshark
decodes the capture (no IP or SCTP reassembly: each frame is one datagram
or IP fragment as it left; ICMP errors, which quote our datagrams, are left out).  For each datagram from --port:

  mixed       its chunks want different IP headers (a bundling failure)
  ok          the IP header is what its chunks want
  unmarked    it should have been marked but shows the defaults
  mislabeled  anything else
A retransmission of a `once` message must show the defaults.  Later IP
fragments must carry what their first fragment carries.

Prints one line of key=value counts; the first failures go to stderr.
"""
import argparse
import subprocess
import sys

FIELDS = ["frame.number", "ip.ttl", "ip.dsfield", "ip.flags.df", "ip.src", "ip.dst", "ip.id",
          "ip.frag_offset", "ipv6.hlim", "ipv6.tclass", "ipv6.src", "ipv6.dst",
          "ipv6.fraghdr.ident", "ipv6.fraghdr.offset", "udp.srcport",
          "sctp.data_tsn_raw", "sctp.data_payload_proto_id"]


def num(s):
    s = s.strip()
    if not s:
        return None
    return int(s, 16) if s.startswith("0x") else int(s)


def first(s):
    return s.split(",")[0] if s else ""


def want_of(ppid, retx, a):
    """(ttl, tos, df) a chunk's datagram must show; None fields are not checked."""
    ttl, tos, mask, df, once = ppid >> 24, (ppid >> 16) & 0xff, (ppid >> 8) & 0xff, \
        (ppid >> 6) & 3, (ppid >> 5) & 1
    if once and retx:
        ttl, mask, df = 0, 0, 0
    w_ttl = ttl if ttl else a.default_ttl
    w_tos = (a.default_tos & ~mask) | (tos & mask) if mask else a.default_tos
    w_df = None if a.ignore_df or a.v6 else (1 if df == 1 else 0 if df == 2 else a.default_df)
    return (w_ttl, w_tos, w_df)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pcap")
    p.add_argument("--port", type=int, required=True, help="UDP source port of the marked sender")
    p.add_argument("--decode", type=int, action="append", default=[],
                   help="more UDP ports to decode as SCTP")
    p.add_argument("--default-ttl", type=int, default=64)
    p.add_argument("--default-tos", type=int, default=0)
    p.add_argument("--default-df", type=int, default=1)
    p.add_argument("--ignore-df", action="store_true")
    p.add_argument("--v6", action="store_true")
    p.add_argument("--show", type=int, default=5)
    a = p.parse_args()

    cmd = ["tshark", "-r", a.pcap, "-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "sctp.checksum:CRC 32c", "-Y", "not icmp and not icmpv6", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a"]
    for port in [a.port] + a.decode:
        cmd += ["-d", "udp.port==%d,sctp" % port]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)

    c = dict.fromkeys(["datagrams", "data", "first", "retx", "ok", "mixed", "unmarked", "mislabeled",
                       "retx_once_unmarked", "retx_marked", "fragments", "frag_ok", "frag_bad",
                       "orphan", "marked"], 0)
    seen_tsn = set()
    frag_want = {}
    bad = []
    for line in out.stdout.splitlines():
        v = dict(zip(FIELDS, line.split("\t") + [""] * len(FIELDS)))
        if a.v6:
            ttl, tos, df = num(first(v["ipv6.hlim"])), num(first(v["ipv6.tclass"])), None
            src, dst, ident = first(v["ipv6.src"]), first(v["ipv6.dst"]), first(v["ipv6.fraghdr.ident"])
            foff = num(first(v["ipv6.fraghdr.offset"])) or 0
        else:
            ttl, tos, df = num(first(v["ip.ttl"])), num(first(v["ip.dsfield"])), num(first(v["ip.flags.df"]))
            src, dst, ident = first(v["ip.src"]), first(v["ip.dst"]), first(v["ip.id"])
            foff = num(first(v["ip.frag_offset"])) or 0
        if ttl is None:
            continue
        have = (ttl, tos, None if a.ignore_df or a.v6 else df)
        key = (src, dst, ident)
        if foff:
            if key not in frag_want:
                continue          # a fragment of a datagram that is not ours
            c["fragments"] += 1
            if frag_want[key] == have:
                c["frag_ok"] += 1
            else:
                c["frag_bad"] += 1
                bad.append("frame %s: IP fragment shows %s, its first fragment %s" %
                           (v["frame.number"], have, frag_want[key]))
            continue
        if num(first(v["udp.srcport"])) != a.port:
            continue
        c["datagrams"] += 1
        tsns = [int(x) for x in v["sctp.data_tsn_raw"].split(",") if x]
        ppids = [int(x) for x in v["sctp.data_payload_proto_id"].split(",") if x]
        if not tsns:
            continue
        c["data"] += 1
        if ident:
            frag_want[key] = have
        retx = [t in seen_tsn for t in tsns]
        seen_tsn.update(tsns)
        is_retx = all(retx)
        c["retx" if is_retx else "first"] += 1
        wants = {want_of(pp, r, a) for pp, r in zip(ppids, retx)}
        if len(wants) > 1:
            c["mixed"] += 1
            bad.append("frame %s: chunks want different headers %s" % (v["frame.number"], sorted(wants, key=str)))
            continue
        want = wants.pop()
        default = (a.default_ttl, a.default_tos, None if a.ignore_df or a.v6 else a.default_df)
        if have != default:
            c["marked"] += 1
        if is_retx and any((pp >> 5) & 1 for pp in ppids):
            c["retx_once_unmarked" if have[:2] == default[:2] else "retx_marked"] += 1
        if have == want:
            c["ok"] += 1
        elif have == default:
            c["unmarked"] += 1
            bad.append("frame %s: unmarked, wanted %s (TSN %s)" % (v["frame.number"], want, tsns))
        else:
            c["mislabeled"] += 1
            bad.append("frame %s: shows %s, wanted %s (TSN %s)" % (v["frame.number"], have, want, tsns))
    for b in bad[:a.show]:
        print("# " + b, file=sys.stderr)
    print(" ".join("%s=%d" % kv for kv in c.items()))


if __name__ == "__main__":
    main()
