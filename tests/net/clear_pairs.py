#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Read what libpmark's cleartext sink wrote and print one JSON line per packet.

Each line pairs a cleartext SCTP packet with the protected (DTLS) datagram it
rode in (include/pmark_dtls.h, "Cleartext pairing"):

  {"n": frame number (1-based, as Wireshark counts), "family": 4 | 6,
   "record_id": epoch << 48 | sequence, "epoch": .., "seq": ..,
   "ip_id": .., "ttl": .., "tos": .., "df": 1 | 0 (null for IPv6),
   "sport": .., "dport": .., "vtag": ..,
   "tsns": [first TSN of each DATA / I-DATA chunk, in order],
   "chunk_types": [type of every chunk, in order],
   "saddr": "..", "daddr": ".."}

  clear_pairs.py FILE
      FILE is the sink's pcap (LINKTYPE_RAW): the IP and UDP headers the
      protected datagram left with, the record id in IPv4 option 30 or IPv6
      destination option 0x1e, then the SCTP packet.
  clear_pairs.py --mirror-capture FILE
      FILE is a capture of the UDP mirror traffic (tcpdump or dumpcap on an
      interface: pcap or pcapng; Ethernet, Linux cooked v1/v2, raw IP or
      loopback; IPv4 / IPv6, fragments reassembled).  Each UDP payload that
      starts with the mirror header (magic "PMCT") is one packet; other
      traffic is ignored.  ttl / tos / df are those the datagram left with,
      worked out from the header's flags as the pcap shows them (defaults:
      TTL 64, TOS 0, DF set).
  clear_pairs.py --self-test
      Checks the parser on packets built in memory; exit status 0 when all pass.

Python 3 standard library only.
"""
import argparse
import ipaddress
import json
import signal
import struct
import sys

CLEAR_IP_OPT = 30         # PMARK_CLEAR_IP_OPT
CLEAR_IP6_OPT = 0x1E      # PMARK_CLEAR_IP6_OPT
CLEAR_OPT_LEN = 8
CLEAR_MAGIC = b"PMCT"
CLEAR_VERSION = 1
CLEAR_HDR = struct.Struct("!4sBBBBBBHHHQH6x16s16s")   # struct pmark_clear_hdr, 64 bytes
assert CLEAR_HDR.size == 64

F_TTL, F_TOS, F_DF_SET, F_DF_CLEAR = 0x02, 0x04, 0x08, 0x10
DEFAULT_TTL = 64
CHUNK_DATA, CHUNK_IDATA = 0, 64
SEQ_MASK = (1 << 48) - 1

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2 = 113, 228, 229, 276
DLT_RAW_ALIASES = (12, 14)  # DLT_RAW as some writers put it in the file


class Bad(Exception):
    """A packet that is not what the sink writes."""


# ---- capture files ----------------------------------------------------------

def read_captures(data):
    """(linktype, frame bytes) for each frame of a pcap or pcapng file."""
    if len(data) < 4:
        raise Bad("file too short for a capture header")
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        yield from read_pcapng(data)
        return
    for _, linktype, frame in pcap_frames(data):
        yield linktype, frame


def pcap_frames(data):
    """(timestamp in µs, linktype, frame bytes) for each frame of a pcap file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise Bad("not a pcap or pcapng file (magic %s)" % magic.hex())
    if len(data) < 24:
        raise Bad("pcap header cut short")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen = struct.unpack(e + "III", data[off:off + 12])
        off += 16
        if off + caplen > len(data):
            # A sink still running: stdio writes whenever its buffer fills.
            print("warning: last record cut short (a file still being written?)", file=sys.stderr)
            return
        yield sec * 1000000 + (frac // 1000 if nano else frac), linktype, data[off:off + caplen]
        off += caplen


def read_pcapng(data):
    off, e, linktypes = 0, "<", []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:   # section header: byte order from its magic
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            raise Bad("pcapng block cut short")
        body = data[off + 8:off + blen - 4]
        if btype == 1:                      # interface description
            linktypes.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:                    # enhanced packet
            ifid, _, _, caplen = struct.unpack(e + "IIII", body[:16])
            yield linktypes[ifid], body[20:20 + caplen]
        elif btype == 3:                    # simple packet: interface 0
            caplen = struct.unpack(e + "I", body[:4])[0]
            yield linktypes[0], body[4:4 + caplen]
        off += blen


def link_payload(linktype, frame):
    """The IP packet inside a frame, or None (not IP)."""
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6) + DLT_RAW_ALIASES:
        return frame
    if linktype == LINKTYPE_ETHERNET:
        off, etype = 14, struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
        while etype in (0x8100, 0x88A8, 0x9100) and len(frame) >= off + 4:   # VLAN tags
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_LINUX_SLL:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == LINKTYPE_LINUX_SLL2:
        return frame[20:] if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == LINKTYPE_NULL:
        return frame[4:]
    raise Bad("link type %d not handled" % linktype)


# ---- IP ----------------------------------------------------------------------

def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def parse_ip(pkt):
    """IP header fields, the record id option if any, and the upper layer.

    Returns a dict: family, saddr, daddr, ttl, tos, df, ip_id, record_id,
    proto, payload, frag = None or (key, offset, more) for a fragment.
    """
    if len(pkt) < 1:
        raise Bad("empty packet")
    v = pkt[0] >> 4
    r = {"record_id": None, "frag": None}
    if v == 4:
        if len(pkt) < 20:
            raise Bad("IPv4 header cut short")
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        if ihl < 20 or total < ihl or len(pkt) < total:
            raise Bad("IPv4 lengths inconsistent")
        fl = struct.unpack("!H", pkt[6:8])[0]
        r.update(family=4, tos=pkt[1], ip_id=struct.unpack("!H", pkt[4:6])[0],
                 df=1 if fl & 0x4000 else 0, ttl=pkt[8], proto=pkt[9],
                 saddr=str(ipaddress.IPv4Address(pkt[12:16])),
                 daddr=str(ipaddress.IPv4Address(pkt[16:20])), payload=pkt[ihl:total])
        if fl & 0x3FFF:
            r["frag"] = ((4, pkt[12:20], r["ip_id"], r["proto"]), (fl & 0x1FFF) * 8, bool(fl & 0x2000))
        opts, i = pkt[20:ihl], 0
        while i < len(opts):
            t = opts[i]
            if t == 0:          # end of option list
                break
            if t == 1:          # no-operation
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2 or i + opts[i + 1] > len(opts):
                raise Bad("IPv4 option %d malformed" % t)
            if t == CLEAR_IP_OPT and opts[i + 1] == 2 + CLEAR_OPT_LEN:
                r["record_id"] = struct.unpack("!Q", opts[i + 2:i + 10])[0]
            i += opts[i + 1]
        return r
    if v == 6:
        if len(pkt) < 40:
            raise Bad("IPv6 header cut short")
        first = struct.unpack("!I", pkt[0:4])[0]
        plen = struct.unpack("!H", pkt[4:6])[0]
        if len(pkt) < 40 + plen:
            raise Bad("IPv6 payload length past the packet")
        r.update(family=6, tos=(first >> 20) & 0xFF, ip_id=0, df=None, ttl=pkt[7],
                 saddr=str(ipaddress.IPv6Address(pkt[8:24])),
                 daddr=str(ipaddress.IPv6Address(pkt[24:40])))
        nh, rest = pkt[6], pkt[40:40 + plen]
        while nh in (0, 43, 44, 60):       # hop-by-hop, routing, fragment, destination options
            if len(rest) < 8:
                raise Bad("IPv6 extension header cut short")
            if nh == 44:
                fo = struct.unpack("!H", rest[2:4])[0]
                ident = struct.unpack("!I", rest[4:8])[0]
                nxt = rest[0]
                if fo & 0xFFF9:      # offset or more-fragments: a real fragment (not an atomic one)
                    r["frag"] = ((6, pkt[8:40], ident, nxt), fo & 0xFFF8, bool(fo & 1))
                    r.update(proto=nxt, payload=rest[8:])
                    return r
                nh, rest = nxt, rest[8:]
                continue
            hlen = (rest[1] + 1) * 8
            if len(rest) < hlen:
                raise Bad("IPv6 extension header length past the packet")
            if nh in (0, 60):
                i = 2
                while i < hlen:
                    t = rest[i]
                    if t == 0:                 # Pad1
                        i += 1
                        continue
                    if i + 1 >= hlen or i + 2 + rest[i + 1] > hlen:
                        raise Bad("IPv6 option %#x malformed" % t)
                    ol = rest[i + 1]
                    if nh == 60 and t == CLEAR_IP6_OPT and ol == CLEAR_OPT_LEN:
                        r["record_id"] = struct.unpack("!Q", rest[i + 2:i + 10])[0]
                    i += 2 + ol
            nh, rest = rest[0], rest[hlen:]
        r.update(proto=nh, payload=rest)
        return r
    raise Bad("not IP (version %d)" % v)


class Reassembler:
    """IPv4 / IPv6 fragments of one datagram into the whole upper layer.

    A mirror datagram larger than the interface MTU leaves in fragments
    (the sink's socket lets the kernel fragment it)."""

    def __init__(self):
        self.parts = {}

    def add(self, ip):
        """The whole payload once the last piece is in, else None."""
        key, off, more = ip["frag"]
        p = self.parts.setdefault(key, {"pieces": {}, "end": None})
        p["pieces"][off] = ip["payload"]
        if not more:
            p["end"] = off + len(ip["payload"])
        if p["end"] is None:
            return None
        buf, pos = b"", 0
        for o in sorted(p["pieces"]):
            if o > pos:
                return None            # a hole
            buf = buf[:o] + p["pieces"][o]
            pos = len(buf)
        if pos < p["end"]:
            return None
        del self.parts[key]
        return buf[:p["end"]]


# ---- SCTP --------------------------------------------------------------------

def parse_sctp(pkt):
    if len(pkt) < 12:
        raise Bad("SCTP common header cut short")
    vtag = struct.unpack("!I", pkt[4:8])[0]
    types, tsns, off = [], [], 12
    while off + 4 <= len(pkt):
        t, _, cl = struct.unpack("!BBH", pkt[off:off + 4])
        if cl < 4 or off + cl > len(pkt):
            raise Bad("SCTP chunk length %d at %d malformed" % (cl, off))
        types.append(t)
        if t in (CHUNK_DATA, CHUNK_IDATA):
            if cl < 8:
                raise Bad("DATA chunk too short for its TSN")
            tsns.append(struct.unpack("!I", pkt[off + 4:off + 8])[0])
        off += (cl + 3) & ~3
    return vtag, tsns, types


def line(n, family, record_id, ip_id, ttl, tos, df, sport, dport, sctp, saddr, daddr):
    vtag, tsns, types = parse_sctp(sctp)
    return {"n": n, "family": family, "record_id": record_id, "epoch": record_id >> 48,
            "seq": record_id & SEQ_MASK, "ip_id": ip_id, "ttl": ttl, "tos": tos, "df": df,
            "sport": sport, "dport": dport, "vtag": vtag, "tsns": tsns, "chunk_types": types,
            "saddr": saddr, "daddr": daddr}


def clear_packets(data):
    """The sink's own pcap: one IP / UDP / SCTP packet per record."""
    for n, (lt, frame) in enumerate(read_captures(data), 1):
        ip = link_payload(lt, frame)
        if ip is None:
            raise Bad("frame %d: not IP" % n)
        try:
            r = parse_ip(ip)
            if r["proto"] != 17 or len(r["payload"]) < 8:
                raise Bad("not UDP")
            if r["record_id"] is None:
                raise Bad("no record id option")
            udp = r["payload"]
            sport, dport, ulen = struct.unpack("!HHH", udp[:6])
            if ulen != len(udp):
                raise Bad("UDP length %d, payload %d" % (ulen, len(udp)))
            yield line(n, r["family"], r["record_id"], r["ip_id"], r["ttl"], r["tos"], r["df"],
                       sport, dport, udp[8:], r["saddr"], r["daddr"])
        except Bad as e:
            raise Bad("frame %d: %s" % (n, e)) from None


def mirror_header(payload):
    """The fields of struct pmark_clear_hdr, or None if payload is not a mirror datagram."""
    if len(payload) < CLEAR_HDR.size or payload[:4] != CLEAR_MAGIC:
        return None
    (_, ver, fam, flags, ttl, tos, mask, ip_id, sport, dport, rid, wire_len,
     sa, da) = CLEAR_HDR.unpack(payload[:CLEAR_HDR.size])
    if ver != CLEAR_VERSION or fam not in (4, 6):
        return None
    conv = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
    n = 4 if fam == 4 else 16
    return {"family": fam, "flags": flags, "ttl": ttl, "tos": tos, "tos_mask": mask, "ip_id": ip_id,
            "sport": sport, "dport": dport, "record_id": rid, "wire_len": wire_len,
            "saddr": str(conv(sa[:n])), "daddr": str(conv(da[:n]))}


def mirror_packets(data):
    """A capture of the mirror traffic: each mirror datagram's header + SCTP packet."""
    ra = Reassembler()
    for n, (lt, frame) in enumerate(read_captures(data), 1):
        ip = link_payload(lt, frame)
        if ip is None:
            continue
        try:
            r = parse_ip(ip)
        except Bad:
            continue
        payload = r["payload"]
        if r["frag"]:
            payload = ra.add(r)
            if payload is None:
                continue
        if r["proto"] != 17 or len(payload) < 8:
            continue
        h = mirror_header(payload[8:])
        if h is None:
            continue
        f = h["flags"]
        # What the datagram left with: the sink's pcap shows the same.
        ttl = h["ttl"] if f & F_TTL else DEFAULT_TTL
        tos = h["tos"] & h["tos_mask"] if f & F_TOS else 0
        df = None if h["family"] == 6 else (0 if f & F_DF_CLEAR and not f & F_DF_SET else 1)
        try:
            yield line(n, h["family"], h["record_id"], h["ip_id"] if h["family"] == 4 else 0, ttl, tos,
                       df, h["sport"], h["dport"], payload[8 + CLEAR_HDR.size:], h["saddr"], h["daddr"])
        except Bad as e:
            raise Bad("frame %d: %s" % (n, e)) from None


# ---- self-test ---------------------------------------------------------------

def _sctp(vtag, tsns, idata=False, extra_sack=False):
    chunks = b""
    if extra_sack:   # a SACK bundled first: its type is listed, it has no TSN
        chunks += struct.pack("!BBHIIHH", 3, 0, 16, 99, 65536, 0, 0)
    for i, t in enumerate(tsns):
        if idata:
            c = struct.pack("!BBHIHHII", CHUNK_IDATA, 3, 23, t, 0, 0, i, 51) + b"abc"
        else:
            c = struct.pack("!BBHIHHI", CHUNK_DATA, 3, 19, t, 0, i, 51) + b"abc"
        chunks += c + b"\0" * (-len(c) % 4)
    return struct.pack("!HHII", 5000, 5001, vtag, 0) + chunks   # CRC not checked here


def _udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def _ipv4(src, dst, ttl, tos, df, ip_id, payload, rid=None, frag=(0, False)):
    opts = b""
    if rid is not None:
        opts = bytes([CLEAR_IP_OPT, 10]) + struct.pack("!Q", rid) + b"\0\0"
    ihl = 20 + len(opts)
    fl = (0x4000 if df else 0) | (0x2000 if frag[1] else 0) | frag[0] // 8
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl // 4, tos, ihl + len(payload), ip_id, fl, ttl, 17, 0,
                    ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed) + opts
    h = h[:10] + struct.pack("!H", 0xFFFF - cksum(h)) + h[12:]
    return h + payload


def _ipv6(src, dst, hlim, tclass, payload, rid=None):
    nh, ext = 17, b""
    if rid is not None:
        ext = bytes([17, 1, 1, 2, 0, 0, CLEAR_IP6_OPT, 8]) + struct.pack("!Q", rid)
        nh = 60
    return struct.pack("!IHBB16s16s", 6 << 28 | tclass << 20, len(ext) + len(payload), nh, hlim,
                       ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed) + ext + payload


def _pcap(frames, linktype):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for f in frames:
        out += struct.pack("<IIII", 1, 2, len(f), len(f)) + f
    return out


def _pcapng(frames, linktype):
    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", t, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for f in frames:
        out += block(6, struct.pack("<IIIII", 0, 0, 0, len(f), len(f)) + f)
    return out


def _mirror_hdr(fam, flags, ttl, tos, mask, ip_id, sport, dport, rid, wire_len, sa, da):
    conv = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
    pad = lambda b: b + b"\0" * (16 - len(b))
    return CLEAR_HDR.pack(CLEAR_MAGIC, CLEAR_VERSION, fam, flags, ttl, tos, mask, ip_id, sport, dport,
                          rid, wire_len, pad(conv(sa).packed), pad(conv(da).packed))


def self_test():
    fails = []

    def expect(name, cond):
        print("%s - %s" % ("ok" if cond else "not ok", name))
        if not cond:
            fails.append(name)

    rid1, rid2 = (1 << 48) | 5, (0xFFFF << 48) | SEQ_MASK
    p1 = _ipv4("10.0.0.1", "10.0.0.2", 3, 0xB8, True, 0x1234,
               _udp(40001, 5002, _sctp(0x11223344, [1000])), rid=rid1)
    p2 = _ipv6("fd00::1", "fd00::2", 7, 0x88, _udp(40004, 5002, _sctp(7, [5, 6], idata=True,
                                                                      extra_sack=True)), rid=rid2)
    got = list(clear_packets(_pcap([p1, p2], LINKTYPE_RAW)))
    expect("pcap: two packets", len(got) == 2)
    if len(got) == 2:
        a, b = got
        expect("v4: record id, epoch, seq", (a["record_id"], a["epoch"], a["seq"]) == (rid1, 1, 5))
        expect("v4: ttl, tos, df, ip_id, ports", (a["ttl"], a["tos"], a["df"], a["ip_id"], a["sport"],
                                                  a["dport"]) == (3, 0xB8, 1, 0x1234, 40001, 5002))
        expect("v4: vtag, tsns, types", (a["vtag"], a["tsns"], a["chunk_types"]) == (0x11223344, [1000], [0]))
        expect("v6: record id from the destination option", (b["record_id"], b["epoch"], b["seq"]) ==
               (rid2, 0xFFFF, SEQ_MASK))
        expect("v6: hop limit, class, no df", (b["family"], b["ttl"], b["tos"], b["df"]) == (6, 7, 0x88, None))
        expect("v6: I-DATA TSNs after a SACK", (b["tsns"], b["chunk_types"]) == ([5, 6], [3, 64, 64]))
        expect("v6: addresses", (b["saddr"], b["daddr"]) == ("fd00::1", "fd00::2"))
    try:
        list(clear_packets(_pcap([_ipv4("10.0.0.1", "10.0.0.2", 3, 0, True, 1,
                                        _udp(1, 2, _sctp(1, [1])))], LINKTYPE_RAW)))
        expect("pcap: a packet without the option is refused", False)
    except Bad:
        expect("pcap: a packet without the option is refused", True)

    # Mirror capture: Ethernet (with a VLAN tag), pcapng, IPv6 and fragments.
    s1 = _sctp(0xAABBCCDD, [10, 11, 12])
    m1 = _mirror_hdr(4, F_TTL | F_TOS | F_DF_CLEAR, 9, 0xB9, 0xFC, 77, 40001, 5002, rid1, 200,
                     "10.0.0.1", "10.0.0.2") + s1
    s2 = _sctp(5, [99], idata=True)
    m2 = _mirror_hdr(6, 0, 0, 0, 0, 0, 40004, 5002, rid2, 100, "fd00::1", "fd00::2") + s2
    eth = b"\x02" * 12
    f1 = eth + b"\x81\x00\x00\x05\x08\x00" + _ipv4("127.0.0.1", "127.0.0.1", 64, 0, True, 9, _udp(3, 7000, m1))
    f2 = eth + b"\x86\xdd" + _ipv6("::1", "::1", 64, 0, _udp(3, 7000, m2))
    other = eth + b"\x08\x00" + _ipv4("127.0.0.1", "127.0.0.1", 64, 0, True, 10, _udp(3, 53, b"x" * 80))
    u3 = _udp(3, 7000, m1)
    frag_a = _ipv4("127.0.0.1", "127.0.0.1", 64, 0, False, 44, u3[:48], frag=(0, True))
    frag_b = _ipv4("127.0.0.1", "127.0.0.1", 64, 0, False, 44, u3[48:], frag=(48, False))
    frames = [f1, other, f2, eth + b"\x08\x00" + frag_b, eth + b"\x08\x00" + frag_a]
    for name, data in (("pcap", _pcap(frames, LINKTYPE_ETHERNET)), ("pcapng", _pcapng(frames, LINKTYPE_ETHERNET))):
        got = list(mirror_packets(data))
        expect("mirror %s: 3 packets, other traffic skipped" % name, len(got) == 3)
        if len(got) == 3:
            a, b, c = got
            expect("mirror %s: v4 header -> fields" % name,
                   (a["n"], a["record_id"], a["ttl"], a["tos"], a["df"], a["ip_id"], a["sport"], a["dport"],
                    a["tsns"]) == (1, rid1, 9, 0xB8, 0, 77, 40001, 5002, [10, 11, 12]))
            expect("mirror %s: v6 defaults: hop limit 64, class 0" % name,
                   (b["n"], b["family"], b["ttl"], b["tos"], b["df"], b["tsns"], b["chunk_types"]) ==
                   (3, 6, 64, 0, None, [99], [64]))
            expect("mirror %s: fragments out of order reassembled" % name,
                   (c["n"], c["record_id"], c["tsns"]) == (5, rid1, [10, 11, 12]))
    sll2 = b"\x08\x00" + b"\0" * 18 + _ipv4("127.0.0.1", "127.0.0.1", 64, 0, True, 1, _udp(3, 7000, m2))
    got = list(mirror_packets(_pcap([sll2], LINKTYPE_LINUX_SLL2)))
    expect("mirror: Linux cooked v2 (tcpdump -i any)", len(got) == 1 and got[0]["record_id"] == rid2)
    print("# %d failed" % len(fails))
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", help="the sink's pcap (LINKTYPE_RAW)")
    ap.add_argument("--mirror-capture", metavar="FILE", help="a capture of the UDP mirror traffic instead")
    ap.add_argument("--self-test", action="store_true", help="check the parser on built packets")
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends us quietly
    if a.self_test:
        return self_test()
    path = a.mirror_capture or a.file
    if not path or (a.mirror_capture and a.file):
        ap.error("give the sink's pcap, or --mirror-capture FILE")
    with open(path, "rb") as f:
        data = f.read()
    try:
        for rec in (mirror_packets(data) if a.mirror_capture else clear_packets(data)):
            print(json.dumps(rec))
    except Bad as e:
        print("%s: %s" % (path, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
