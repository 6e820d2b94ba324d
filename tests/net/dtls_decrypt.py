#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Turn a capture of SCTP-inside-DTLS traffic into one of plain SCTP over UDP.

usage: dtls_decrypt.py IN.pcap KEYLOG OUT.pcap [--port P]... [--keep-other]
                       [--drop-nondtls] [--allow-fragments] [--stats FILE] [--quiet]
       dtls_decrypt.py --self-test

IN.pcap is what tcpdump -w writes (pcap, any byte order, micro- or
nanosecond; pcapng is converted with editcap first), link type Ethernet
(VLAN tags allowed), Linux cooked (SLL, SLL2, what `tcpdump -i any` writes),
raw IP or BSD loopback; IPv4 and IPv6.  KEYLOG is an NSS key log
(pmark-send / pmark-sink --keylog); tshark decrypts with it.

OUT.pcap has the same file header and, in order, with the same timestamps:

  * each UDP datagram whose first DTLS record is application data (content
    type 23): the same frame -- link-layer header and every IP header field
    (TTL / hop limit, TOS / traffic class, DF, IPv4 ID and options, flow
    label, IPv6 extension headers) kept byte for byte -- with the UDP payload
    replaced by the decrypted record, the SCTP packet; IPv4 total length,
    IPv6 payload length, UDP length, IPv4 header checksum and UDP checksum
    recomputed (an IPv4 UDP checksum of 0, "none", stays 0).  A datagram
    with several application-data records gives one frame per record, the
    same headers on each (DTLS/SCTP puts one SCTP packet in each record);
    other records in it are dropped.  Link-layer padding after the IP packet
    is not copied.
  * DTLS datagrams without application data (handshake, change cipher
    spec, alert) are DROPPED, so that `tshark -d udp.port==P,sctp` never
    decodes a handshake as SCTP; --keep-other keeps them unchanged.
  * every other frame (not UDP, not DTLS, ICMP errors, other ports) is kept
    unchanged, or dropped with --drop-nondtls.
  * a DTLS datagram that is IP-fragmented is not reassembled: all its
    fragments are left out and counted (`fragments`); that fails the run
    (exit 1) unless --allow-fragments.

A UDP payload counts as DTLS when it is a chain of 13-byte-header records
(content type 20..25, version 0xfefd / 0xfeff) that fills it exactly.
--port P (repeatable) limits the rewriting to datagrams from or to UDP port
P (others are "other frames") and makes tshark decode P as DTLS even where
its heuristics would not.

Prints on stderr one line
  dtls_decrypt: frames=N dtls=N appdata=N decrypted=N undecryptable=N fragments=N dropped=N kept=N written=N
(appdata: datagrams with application data; decrypted / undecryptable split
them; written: frames in OUT.pcap) and the first few failures.  --stats FILE
also writes the counts as JSON: {"total": {...}, "by_src_port": {"PORT":
{...}}}, the DTLS datagrams counted by UDP source port, each with `records`
(application-data records decrypted), `data` / `control` (those whose SCTP
packet has a DATA or I-DATA chunk / control chunks only), `handshake`
(DTLS datagrams without application data) and `headers_other` (the
"TTL/TOS", IPv6 "hop limit/traffic class", those showed).

Exit status: 0; 1 when an application-data datagram could not be decrypted
(no key, truncated frame, tshark gave no cleartext) or, without
--allow-fragments, one was fragmented -- OUT.pcap is still written; 2 on a
usage, file or tshark error.  --self-test checks the frame rewriting on
synthetic frames (and, when tshark is installed, that tshark finds their
checksums good) and exits 0 or 1.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clear_pairs import cksum  # noqa: E402  (tests/net/clear_pairs.py: the Internet checksum)

DTLS_TYPES = range(20, 26)
DTLS_VERSIONS = (0xfefd, 0xfeff)
APPDATA = 23
V6_EXT = (0, 43, 60)            # hop-by-hop, routing, destination options
V6_FRAG = 44
# pcap magic (micro- or nanosecond timestamps) -> byte order
PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}

# ------------------------------------------------------------------ pcap


def read_pcap(path):
    """(header bytes, endian, link type, [(ts1, ts2, orig_len, data)])."""
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 24:
        raise ValueError("%s: not a pcap file (too short)" % path)
    e = PCAP_MAGIC.get(d[:4])
    if not e:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, d[:4].hex()))
    link = struct.unpack(e + "I", d[20:24])[0] & 0x0fffffff
    frames, o = [], 24
    while o + 16 <= len(d):
        ts1, ts2, incl, orig = struct.unpack(e + "IIII", d[o:o + 16])
        frames.append((ts1, ts2, orig, d[o + 16:o + 16 + incl]))
        o += 16 + incl
    return d[:24], e, link, frames


def pcap_record(e, ts1, ts2, orig, data):
    return struct.pack(e + "IIII", ts1, ts2, len(data), orig) + data


def maybe_convert(path, tmpdir):
    """pcapng -> pcap with editcap; other files as they are."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"\x0a\x0d\x0d\x0a":
        return path
    out = os.path.join(tmpdir, "in.pcap")
    subprocess.run(["editcap", "-F", "pcap", path, out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return out

# ------------------------------------------------------------------ frames


def l3_offset(link, data):
    """(offset of the IP header, IP version) or (None, None)."""
    if link == 1:                                   # Ethernet
        o, et = 12, None
        while o + 2 <= len(data):
            et = struct.unpack("!H", data[o:o + 2])[0]
            if et in (0x8100, 0x88a8, 0x9100):
                o += 4
                continue
            o += 2
            break
        return {0x0800: (o, 4), 0x86dd: (o, 6)}.get(et, (None, None))
    if link == 113:                                 # Linux cooked v1
        et = struct.unpack("!H", data[14:16])[0] if len(data) >= 16 else 0
        return {0x0800: (16, 4), 0x86dd: (16, 6)}.get(et, (None, None))
    if link == 276:                                 # Linux cooked v2
        et = struct.unpack("!H", data[0:2])[0] if len(data) >= 20 else 0
        return {0x0800: (20, 4), 0x86dd: (20, 6)}.get(et, (None, None))
    if link in (101, 12, 14):                       # raw IP
        v = data[0] >> 4 if data else 0
        return (0, v) if v in (4, 6) else (None, None)
    if link in (0, 108):                            # BSD loopback
        if len(data) < 4:
            return None, None
        fam = struct.unpack("<I", data[:4])[0]
        if fam > 0xffff:
            fam = struct.unpack(">I", data[:4])[0]
        return (4, 4) if fam == 2 else (4, 6) if fam in (10, 24, 28, 30) else (None, None)
    return None, None


class Pkt:
    """What a frame is, as far as this script cares."""
    __slots__ = ("l3", "ver", "l4", "src", "dst", "sport", "dport", "frag", "fkey",
                 "payload", "records")

    def __init__(self):
        self.l3 = self.ver = self.l4 = self.sport = self.dport = None
        self.src = self.dst = b""
        self.frag = None        # None, "first", "later"
        self.fkey = None
        self.payload = b""
        self.records = None     # [(content type, offset, length)] when DTLS


def dtls_records(p):
    """The records' (type, start, total length) if p is all DTLS records."""
    recs, o = [], 0
    while o < len(p):
        if len(p) - o < 13:
            return None
        t, ver = p[o], struct.unpack("!H", p[o + 1:o + 3])[0]
        n = struct.unpack("!H", p[o + 11:o + 13])[0]
        if t not in DTLS_TYPES or ver not in DTLS_VERSIONS or o + 13 + n > len(p):
            return None
        recs.append((t, o, 13 + n))
        o += 13 + n
    return recs or None


def parse(link, data, cut=False):
    """What the frame data is; cut: the frame is shorter than on the wire."""
    k = Pkt()
    l3, ver = l3_offset(link, data)
    if l3 is None or len(data) < l3 + 20:
        return k
    k.l3, k.ver = l3, ver
    if ver == 4:
        ihl = (data[l3] & 15) * 4
        tot = struct.unpack("!H", data[l3 + 2:l3 + 4])[0]
        ff = struct.unpack("!H", data[l3 + 6:l3 + 8])[0]
        proto = data[l3 + 9]
        k.src, k.dst = data[l3 + 12:l3 + 16], data[l3 + 16:l3 + 20]
        off, mf = ff & 0x1fff, ff & 0x2000
        if off or mf:
            k.frag = "later" if off else "first"
            k.fkey = (4, k.src, k.dst, data[l3 + 4:l3 + 6], proto)
        end = l3 + tot
        l4 = l3 + ihl
    else:
        if len(data) < l3 + 40:
            return k
        nh, l4 = data[l3 + 6], l3 + 40
        end = l4 + struct.unpack("!H", data[l3 + 4:l3 + 6])[0]
        k.src, k.dst = data[l3 + 8:l3 + 24], data[l3 + 24:l3 + 40]
        while nh in V6_EXT + (V6_FRAG,) and l4 + 8 <= len(data):
            if nh == V6_FRAG:
                fo = struct.unpack("!H", data[l4 + 2:l4 + 4])[0]
                k.frag = "later" if fo >> 3 else "first"
                k.fkey = (6, k.src, k.dst, data[l4 + 4:l4 + 8], data[l4])
                nh, l4 = data[l4], l4 + 8
                if k.frag == "later":
                    break
                continue
            nh, l4 = data[l4], l4 + (data[l4 + 1] + 1) * 8
        proto = nh
    if proto != 17 or k.frag == "later" or l4 + 8 > len(data):
        return k
    k.l4 = l4
    k.sport, k.dport = struct.unpack("!HH", data[l4:l4 + 4])
    k.payload = data[l4 + 8:min(end, len(data))]
    if k.frag is None:
        k.records = dtls_records(k.payload)
    # A first fragment or a frame cut by the snapshot length: the first
    # record header tells whether it is DTLS.
    if k.records is None and (k.frag or cut or end > len(data)) and len(k.payload) >= 13 and \
            k.payload[0] in DTLS_TYPES and struct.unpack("!H", k.payload[1:3])[0] in DTLS_VERSIONS:
        k.records = [(k.payload[0], 0, len(k.payload))]
    return k


def rebuild(data, k, sctp):
    """The frame with k's UDP payload replaced by sctp, lengths and sums redone."""
    l3, l4 = k.l3, k.l4
    udp_len = 8 + len(sctp)
    udp = bytearray(data[l4:l4 + 8])
    udp[4:6] = struct.pack("!H", udp_len)
    old_sum = udp[6:8]
    udp[6:8] = b"\0\0"
    ip = bytearray(data[l3:l4])
    if k.ver == 4:
        ip[2:4] = struct.pack("!H", len(ip) + udp_len)
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", 0xffff - cksum(bytes(ip)))
        pseudo = k.src + k.dst + struct.pack("!BBH", 0, 17, udp_len)
    else:
        ip[4:6] = struct.pack("!H", len(ip) - 40 + udp_len)
        pseudo = k.src + k.dst + struct.pack("!IxxxB", udp_len, 17)
    if k.ver == 6 or old_sum != b"\0\0":
        s = 0xffff - cksum(pseudo + bytes(udp) + sctp)
        udp[6:8] = struct.pack("!H", s or 0xffff)
    return data[:l3] + bytes(ip) + bytes(udp) + sctp


def ttl_tos(data, k):
    """'TTL/TOS' (IPv6: hop limit / traffic class) of a parsed frame."""
    l3 = k.l3
    if k.ver == 4:
        return "%d/%d" % (data[l3 + 8], data[l3 + 1])
    return "%d/%d" % (data[l3 + 7], ((data[l3] & 15) << 4) | (data[l3 + 1] >> 4))


def chunk_kind(sctp):
    """'data' if the SCTP packet has a DATA / I-DATA chunk, else 'control'."""
    o = 12
    while o + 4 <= len(sctp):
        t, n = sctp[o], struct.unpack("!H", sctp[o + 2:o + 4])[0]
        if t in (0, 64):
            return "data"
        if n < 4:
            break
        o += (n + 3) & ~3
    return "control"

# ------------------------------------------------------------------ tshark


def tshark_cleartext(path, keylog, ports):
    """{frame number: ([content types], [cleartext bytes])} of the frames
    with an application-data record, as tshark decrypts them."""
    cmd = ["tshark", "-r", path, "-n", "-o", "tls.keylog_file:" + keylog,
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-Y", "dtls.record.content_type == 23", "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "frame.number", "-e", "dtls.record.content_type", "-e", "data.data"]
    for p in ports:
        cmd[3:3] = ["-d", "udp.port==%d,dtls" % p]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError("tshark failed (%d): %s" % (r.returncode, r.stderr.strip()))
    out = {}
    for line in r.stdout.splitlines():
        f = line.split("\t") + ["", ""]
        types = [int(x) for x in f[1].split(",") if x]
        clear = [bytes.fromhex(x) for x in f[2].split(",") if x]
        out[int(f[0])] = (types, clear)
    return out

# ------------------------------------------------------------------ main


def new_counts():
    return dict.fromkeys(["dtls", "appdata", "decrypted", "undecryptable", "fragments",
                          "handshake", "records", "data", "control"], 0)


def convert(args):
    tmp = tempfile.mkdtemp(prefix="dtls_decrypt.")
    try:
        src = maybe_convert(args.inp, tmp)
        hdr, e, link, frames = read_pcap(src)
        clear = tshark_cleartext(src, args.keylog, args.port)
    finally:
        for n in os.listdir(tmp):
            os.unlink(os.path.join(tmp, n))
        os.rmdir(tmp)

    tot = dict(new_counts(), frames=len(frames), dropped=0, kept=0, written=0)
    per_port = {}
    bad = []
    ports = set(args.port)
    pkts = [parse(link, d, len(d) < orig) for (_, _, orig, d) in frames]
    # Fragments of DTLS datagrams: their first fragment names the key.
    dtls_frags = {k.fkey: str(k.sport) for k in pkts if k.frag == "first" and k.records and
                  (not ports or {k.sport, k.dport} & ports)}
    out = [hdr]
    for i, ((ts1, ts2, orig, data), k) in enumerate(zip(frames, pkts), 1):
        if k.fkey is not None and k.fkey in dtls_frags:
            tot["fragments"] += 1
            per_port.setdefault(dtls_frags[k.fkey], new_counts())["fragments"] += 1
            continue
        mine = k.records is not None and (not ports or {k.sport, k.dport} & ports)
        if not mine:
            if args.drop_nondtls:
                tot["dropped"] += 1
            else:
                tot["kept"] += 1
                out.append(pcap_record(e, ts1, ts2, orig, data))
            continue
        pc = per_port.setdefault(str(k.sport), new_counts())
        types = [t for (t, _, _) in k.records]
        for c in (tot, pc):
            c["dtls"] += 1
        if APPDATA not in types:
            for c in (tot, pc):
                c["handshake"] += 1
            pc.setdefault("headers_other", set()).add(ttl_tos(data, k))
            if args.keep_other:
                tot["kept"] += 1
                out.append(pcap_record(e, ts1, ts2, orig, data))
            else:
                tot["dropped"] += 1
            continue
        for c in (tot, pc):
            c["appdata"] += 1
        want = types.count(APPDATA)
        got_types, texts = clear.get(i, ([], []))
        why = None
        if len(data) < orig:
            why = "frame truncated by the snapshot length (%d of %d bytes)" % (len(data), orig)
        elif got_types != types:
            why = "tshark saw records %s, this script %s" % (got_types, types)
        elif len(texts) != want:
            why = "tshark decrypted %d of its %d application-data records" % (len(texts), want)
        if why:
            for c in (tot, pc):
                c["undecryptable"] += 1
            bad.append("frame %d: %s" % (i, why))
            continue
        for c in (tot, pc):
            c["decrypted"] += 1
        for sctp in texts:
            for c in (tot, pc):
                c["records"] += 1
                c[chunk_kind(sctp)] += 1
            new = rebuild(data, k, sctp)
            out.append(pcap_record(e, ts1, ts2, len(new), new))
    tot["written"] = len(out) - 1
    with open(args.out, "wb") as f:
        f.write(b"".join(out))

    line = " ".join("%s=%d" % (n, tot[n]) for n in
                    ("frames", "dtls", "appdata", "decrypted", "undecryptable", "fragments",
                     "dropped", "kept", "written"))
    if not args.quiet or bad:
        print("dtls_decrypt: " + line, file=sys.stderr)
    for b in bad[:5]:
        print("dtls_decrypt: " + b, file=sys.stderr)
    if tot["fragments"]:
        print("dtls_decrypt: %d IP fragments of DTLS datagrams left out%s" %
              (tot["fragments"], "" if args.allow_fragments else " (fails; --allow-fragments)"),
              file=sys.stderr)
    if args.stats:
        for pc in per_port.values():
            pc["headers_other"] = sorted(pc.get("headers_other", ()))
        with open(args.stats, "w") as f:
            json.dump({"total": tot, "by_src_port": per_port}, f, sort_keys=True)
            f.write("\n")
    return 1 if tot["undecryptable"] or (tot["fragments"] and not args.allow_fragments) else 0

# ------------------------------------------------------------------ self-test


def self_test():
    """Synthetic frames of every link type and IP version through rebuild()."""
    fails = []

    def expect(cond, what):
        if not cond:
            fails.append(what)

    def dtls(t, payload):
        return struct.pack("!BHHHIH", t, 0xfefd, 1, 0, 7, len(payload)) + payload

    sctp = bytes.fromhex("13881388deadbeef00000000") + bytes.fromhex("00030014") + bytes(range(16))
    src4, dst4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    src6, dst6 = bytes(15) + b"\1", bytes(15) + b"\2"

    def ip4(payload, ttl=7, tos=0xb8, df=True, ident=0x1234, opts=b""):
        ihl = 5 + len(opts) // 4
        h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload), ident,
                                  0x4000 if df else 0, ttl, 17, 0, src4, dst4) + opts)
        h[10:12] = struct.pack("!H", 0xffff - cksum(bytes(h)))
        return bytes(h) + payload

    def ip6(payload, hl=9, tc=0xb8, flow=0xabcde, ext=b""):
        first = (6 << 28) | (tc << 20) | flow
        nh = 60 if ext else 17
        return struct.pack("!IHBB", first, len(ext) + len(payload), nh, hl) + src6 + dst6 + ext + payload

    def udp(payload, sport=7731, dport=5731, zero=False):
        return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0 if zero else 0x1111) + payload

    enc = dtls(23, b"\xee" * (len(sctp) + 24))
    links = {1: bytes(12), 113: bytes(16), 276: bytes(20), 101: b"", 0: struct.pack("<I", 2)}
    cases = []
    for link, l2 in links.items():
        for ver in (4, 6):
            if link == 0 and ver == 6:
                l2 = struct.pack("<I", 30)
            if link == 1:
                l2 = bytes(12) + (b"\x81\x00\x00\x05" if ver == 6 else b"") + \
                    (b"\x08\x00" if ver == 4 else b"\x86\xdd")
            elif link == 113:
                l2 = bytes(14) + (b"\x08\x00" if ver == 4 else b"\x86\xdd")
            elif link == 276:
                l2 = (b"\x08\x00" if ver == 4 else b"\x86\xdd") + bytes(18)
            if ver == 4:
                cases.append((link, l2 + ip4(udp(enc), opts=b"\x01\x01\x01\x00"), 4))
                cases.append((link, l2 + ip4(udp(enc, zero=True), df=False) + b"\0" * 6, 4))
            else:
                cases.append((link, l2 + ip6(udp(enc)), 6))
                cases.append((link, l2 + ip6(udp(enc), ext=struct.pack("!BB", 17, 0) + bytes(6)), 6))
    for n, (link, frame, ver) in enumerate(cases):
        what = "case %d (link %d, IPv%d)" % (n, link, ver)
        k = parse(link, frame)
        expect(k.records == [(23, 0, len(enc))], what + ": DTLS record found")
        expect((k.sport, k.dport) == (7731, 5731), what + ": ports")
        if k.records is None:
            continue
        new = rebuild(frame, k, sctp)
        expect(new[:k.l3] == frame[:k.l3], what + ": link header kept")
        expect(new.endswith(sctp), what + ": payload is the cleartext")
        k2 = parse(link, new)
        expect(k2.payload == sctp and k2.records is None, what + ": reparsed payload")
        l3, l4 = k2.l3, k2.l4
        if ver == 4:
            expect(cksum(new[l3:l4]) == 0xffff, what + ": IPv4 header checksum")
            expect(struct.unpack("!H", new[l3 + 2:l3 + 4])[0] == len(new) - l3, what + ": total length")
            expect(new[l3 + 1] == frame[l3 + 1] and new[l3 + 4:l3 + 10] == frame[l3 + 4:l3 + 10] and
                   new[l3 + 20:l4] == frame[l3 + 20:l4], what + ": TOS, ID, DF, TTL, options kept")
            zero = frame[l4 + 6:l4 + 8] == b"\0\0"
            pseudo = k2.src + k2.dst + struct.pack("!BBH", 0, 17, len(new) - l4)
        else:
            expect(struct.unpack("!H", new[l3 + 4:l3 + 6])[0] == len(new) - l3 - 40,
                   what + ": payload length")
            expect(new[l3:l3 + 4] == frame[l3:l3 + 4] and new[l3 + 6:l4] == frame[l3 + 6:l4],
                   what + ": traffic class, flow label, hop limit, extension headers kept")
            zero = False
            pseudo = k2.src + k2.dst + struct.pack("!IxxxB", len(new) - l4, 17)
        expect(struct.unpack("!H", new[l4 + 4:l4 + 6])[0] == len(new) - l4, what + ": UDP length")
        if zero:
            expect(new[l4 + 6:l4 + 8] == b"\0\0", what + ": UDP checksum 0 stays 0")
        else:
            expect(cksum(pseudo + new[l4:]) == 0xffff, what + ": UDP checksum")
        cases[n] = (link, new, ver)
    # Not DTLS, handshake-only, a cut record chain, a fragment.
    expect(parse(101, ip4(udp(sctp))).records is None, "SCTP payload is not DTLS")
    expect(parse(101, ip4(udp(dtls(22, b"x") + dtls(20, b"y")))).records == [(22, 0, 14), (20, 14, 14)],
           "handshake chain parsed")
    expect(parse(101, ip4(udp(enc[:-1]))).records is None, "cut record chain is not DTLS")
    expect(parse(101, ip4(udp(enc))[:45], cut=True).records == [(23, 0, 17)],
           "DTLS frame cut by the snapshot length seen")
    f = bytearray(ip4(udp(enc)))
    f[6:8] = struct.pack("!H", 0x2000)
    expect(parse(101, bytes(f)).frag == "first", "IPv4 first fragment seen")
    expect(chunk_kind(sctp) == "data" and chunk_kind(sctp[:12] + b"\x03\0\0\x10" + bytes(12)) == "control",
           "chunk kinds")
    # tshark, when there is one, must agree on the checksums of raw-IP frames.
    raw = [new for (link, new, ver) in cases if link == 101]
    if raw and subprocess.run(["sh", "-c", "command -v tshark"], stdout=subprocess.DEVNULL).returncode == 0:
        with tempfile.NamedTemporaryFile(suffix=".pcap") as t:
            t.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
            for r in raw:
                t.write(pcap_record("<", 0, 0, len(r), r))
            t.flush()
            res = subprocess.run(["tshark", "-r", t.name, "-n", "-o", "udp.check_checksum:TRUE",
                                  "-o", "ip.check_checksum:TRUE", "-T", "fields",
                                  "-e", "ip.checksum.status", "-e", "udp.checksum.status"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            st = [ln.split("\t") for ln in res.stdout.splitlines()]
            expect(len(st) == len(raw), "tshark read the %d raw frames" % len(raw))
            for j, s in enumerate(st):
                expect(all(x in ("", "1", "2", "3") for x in s) and "1" in s,
                       "tshark: checksums of raw frame %d good (%s)" % (j, s))
    for f in fails:
        print("self-test FAILED: " + f, file=sys.stderr)
    print("dtls_decrypt self-test: %d cases, %s" % (len(cases), "FAILED" if fails else "ok"),
          file=sys.stderr)
    return 1 if fails else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    p = argparse.ArgumentParser(description="Replace DTLS application data in a capture by "
                                "its cleartext SCTP (see the header of this file).")
    p.add_argument("inp", metavar="IN.pcap")
    p.add_argument("keylog", metavar="KEYLOG")
    p.add_argument("out", metavar="OUT.pcap")
    p.add_argument("--port", type=int, action="append", default=[],
                   help="only datagrams from or to this UDP port (repeatable); decoded as DTLS")
    p.add_argument("--keep-other", action="store_true",
                   help="keep DTLS datagrams without application data (default: drop)")
    p.add_argument("--drop-nondtls", action="store_true", help="drop every frame that is not DTLS")
    p.add_argument("--allow-fragments", action="store_true",
                   help="fragmented DTLS datagrams are left out without failing")
    p.add_argument("--stats", metavar="FILE", help="the counts as JSON")
    p.add_argument("--quiet", action="store_true", help="no summary line unless something failed")
    args = p.parse_args()
    try:
        return convert(args)
    except (OSError, ValueError, RuntimeError, subprocess.CalledProcessError) as e:
        print("dtls_decrypt: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
