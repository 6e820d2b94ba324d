#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Write the seed corpus of the fuzz harnesses (docs/fuzzing.md).

corpus/sctp_packet/: whole SCTP packets (common header + chunks) shaped like
what usrsctp sends over UDP, with a correct CRC32c, plus malformed ones.
corpus/sack/: single SACK / NR-SACK chunks, no common header.
corpus/icmp/: ICMP and ICMPv6 errors (and a few packets that are not errors)
as the tc ingress program sees them, Ethernet frames and bare IP packets,
quoting SCTP-over-UDP datagrams whole, cut, or past RFC 4884 extensions.
corpus/parse/: packets as the tc egress program sees them, each behind
fuzz_parse.c's control byte: SCTP and DTLS over UDP over IPv4 / IPv6, framed
or bare, fragmented, with extension headers, not ours, malformed, truncated.

The output is deterministic; the generated files are committed.  The script
only writes its own file names, so inputs added by hand (a finding kept as a
regression test, say) stay.  Usage: tests/fuzz/make_seeds.py [OUTDIR]
"""
import os
import struct
import sys

# ---- CRC32c as SCTP carries it (RFC 9260 appendix A) ---------------------


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


# ---- chunks and parameters ------------------------------------------------


def chunk(ctype, flags, body, pad=True, length=None):
    """A chunk; length overrides the length field (for malformed seeds)."""
    n = 4 + len(body) if length is None else length
    c = struct.pack("!BBH", ctype, flags, n) + body
    return pad4(c) if pad else c


def param(ptype, value):
    return pad4(struct.pack("!HH", ptype, 4 + len(value)) + value)


def packet(vtag, chunks, sport=5000, dport=5000, crc=True):
    p = bytearray(struct.pack("!HHI", sport, dport, vtag) + b"\0" * 4 + b"".join(chunks))
    if crc and len(p) >= 12:
        # The CRC field holds the little-endian CRC value (as pm_crc32c stores it).
        p[8:12] = struct.pack("<I", crc32c(bytes(p)))
    return bytes(p)


def init_body(tag, tsn, cookie=None):
    # Fixed part, then the parameters usrsctp puts in its INIT.
    b = struct.pack("!IIHHI", tag, 0x20000, 10, 2048, tsn)
    if cookie is not None:
        b += param(7, cookie)                                  # State Cookie
    b += param(5, bytes([192, 0, 2, 1]))                       # IPv4 address
    b += param(0x8008, bytes([0xC0, 0x82, 0x40, 0x10, 0x0F]))  # Supported Extensions
    b += param(0x8002, bytes(range(32)))                       # Random
    b += param(0x8004, struct.pack("!H", 1))                   # HMAC algorithm: SHA-1
    b += param(0x8003, bytes([0xC0, 0x40]))                    # Chunks to authenticate
    b += param(0xC000, b"")                                    # Forward TSN supported
    b += param(0xC006, struct.pack("!I", 0))                   # Adaptation layer indication
    return b


def data(tsn, sid, ssn, payload, flags=0x03, ppid=51, pad=True):
    return chunk(0, flags, struct.pack("!IHHI", tsn, sid, ssn, ppid) + payload, pad)


def idata(tsn, sid, mid, ppid_or_fsn, payload, flags, pad=True):
    return chunk(64, flags, struct.pack("!IHHII", tsn, sid, 0, mid, ppid_or_fsn) + payload, pad)


def sack_body(cum, gaps=(), dups=(), rwnd=0x1F000):
    b = struct.pack("!IIHH", cum, rwnd, len(gaps), len(dups))
    b += b"".join(struct.pack("!HH", s, e) for s, e in gaps)
    return b + b"".join(struct.pack("!I", d) for d in dups)


def sack(cum, gaps=(), dups=(), **kw):
    return chunk(3, 0, sack_body(cum, gaps, dups, **kw))


def nr_sack_body(cum, gaps=(), nr_gaps=(), dups=(), rwnd=0x1F000):
    b = struct.pack("!IIHHHH", cum, rwnd, len(gaps), len(nr_gaps), len(dups), 0)
    b += b"".join(struct.pack("!HH", s, e) for s, e in list(gaps) + list(nr_gaps))
    return b + b"".join(struct.pack("!I", d) for d in dups)


def nr_sack(cum, gaps=(), nr_gaps=(), dups=(), **kw):
    return chunk(16, 0, nr_sack_body(cum, gaps, nr_gaps, dups, **kw))


def text(n, seed):
    """n bytes of readable payload, different per seed."""
    return bytes(0x41 + (seed + i) % 26 for i in range(n))


COOKIE = bytes((i * 37 + 11) & 0xFF for i in range(44))
VTAG = 0x5EA17C01
TSN = 0x1A2B3C00

# ---- the two corpora ------------------------------------------------------


def packets():
    v = VTAG
    return {
        "init": packet(0, [chunk(1, 0, init_body(VTAG, TSN))]),
        "init_ack": packet(0x0BADC0DE, [chunk(2, 0, init_body(0x77665544, 0x100, COOKIE))]),
        "cookie_echo_data": packet(v, [chunk(10, 0, COOKIE), data(TSN, 0, 0, text(37, 1))]),
        "cookie_ack_sack": packet(v, [chunk(11, 0, b""), sack(0x100)]),
        "data_bundle": packet(v, [data(TSN + i, i, 7, text(5 + 3 * i, i)) for i in range(3)]),
        "data_unordered": packet(v, [data(TSN, 2, 0, text(100, 4), flags=0x07)]),
        "data_empty_payload": packet(v, [data(TSN, 0, 1, b"")]),
        "data_fragments_b_m_e": packet(v, [data(TSN, 1, 9, text(12, 2), flags=0x02),
                                           data(TSN + 1, 1, 9, text(12, 3), flags=0x00),
                                           data(TSN + 2, 1, 9, text(7, 4), flags=0x01)]),
        "idata_b": packet(v, [idata(TSN, 3, 42, 51, text(30, 5), 0x02)]),
        "idata_middle": packet(v, [idata(TSN + 1, 3, 42, 1, text(30, 6), 0x00)]),
        "idata_e": packet(v, [idata(TSN + 2, 3, 42, 2, text(9, 7), 0x01)]),
        "idata_bundle_b_m_e": packet(v, [idata(TSN, 4, 7, 51, text(8, 8), 0x02),
                                         idata(TSN + 1, 4, 7, 1, text(8, 9), 0x00),
                                         idata(TSN + 2, 4, 7, 2, text(3, 10), 0x01)]),
        "idata_unordered_be": packet(v, [idata(TSN, 0, 0, 51, text(21, 11), 0x07)]),
        "sack_gaps_dups": packet(v, [sack(TSN, gaps=[(2, 3), (5, 9), (12, 12)],
                                          dups=[TSN - 4, TSN - 1])]),
        "nr_sack": packet(v, [nr_sack(TSN, gaps=[(2, 4)], nr_gaps=[(6, 6), (8, 10)],
                                      dups=[TSN - 2])]),
        "sack_data_bundle": packet(v, [sack(TSN - 10, gaps=[(3, 4)]),
                                       data(TSN, 0, 3, text(19, 12)),
                                       data(TSN + 1, 1, 0, text(1, 13))]),
        "data_last_unpadded": packet(v, [data(TSN, 0, 2, text(8, 14)),
                                         data(TSN + 1, 0, 3, text(13, 15), pad=False)]),
        "idata_last_unpadded": packet(v, [idata(TSN, 1, 3, 51, text(5, 16), 0x03, pad=False)]),
        "many_small_data": packet(v, [data(TSN + i, i % 3, i, text(i % 5, i)) for i in range(20)]),
        "heartbeat": packet(v, [chunk(4, 0, param(1, text(40, 17)))]),
        "heartbeat_ack_sack": packet(v, [chunk(5, 0, param(1, text(40, 17))), sack(TSN)]),
        "shutdown": packet(v, [chunk(7, 0, struct.pack("!I", TSN + 5))]),
        "abort_user": packet(v, [chunk(6, 0x01, struct.pack("!HH", 12, 8) + b"bye!")]),
        "forward_tsn": packet(v, [chunk(192, 0, struct.pack("!IHH", TSN + 9, 2, 17))]),
        "auth_data": packet(v, [chunk(15, 0, struct.pack("!HH", 0, 1) + bytes(20)),
                                data(TSN, 0, 4, text(16, 18))]),
        "pad_chunk_data": packet(v, [chunk(0x84, 0, bytes(60)), data(TSN, 0, 5, text(10, 19))]),
        "header_only": packet(v, []),
        "init_tag_zero": packet(0, [chunk(1, 0, init_body(0, TSN))]),
        "init_too_short": packet(0, [chunk(1, 0, struct.pack("!IIHH", VTAG, 0x20000, 10, 10))]),
        "data_too_short": packet(v, [chunk(0, 3, struct.pack("!II", TSN, 0))]),
        "idata_too_short": packet(v, [chunk(64, 3, struct.pack("!IHHI", TSN, 0, 0, 1))]),
        "sack_gaps_overrun": packet(v, [chunk(3, 0, struct.pack("!IIHH", TSN, 4096, 3, 0)
                                              + struct.pack("!HH", 1, 2))]),
        # Malformed packets, which pm_packet_parse must refuse.
        "trunc_header": packet(v, [])[:8],
        "trunc_chunk_past_end": packet(v, [data(TSN, 0, 0, text(40, 20))])[:40],
        "trunc_tail_2_bytes": packet(v, [data(TSN, 0, 0, text(8, 21))]) + b"\0\0",
        "chunk_len_below_4": packet(v, [chunk(0, 3, b"", length=2)]),
        "chunk_len_zero_second": packet(v, [sack(TSN), chunk(0, 3, bytes(16), length=0)]),
    }


def sacks():
    return {
        "sack_no_gaps": chunk(3, 0, sack_body(TSN)),
        "sack_gaps_dups": chunk(3, 0, sack_body(TSN, [(2, 3), (5, 9), (12, 12)], [TSN - 4, TSN - 1])),
        "sack_many_gaps": chunk(3, 0, sack_body(TSN, [(2 * i + 2, 2 * i + 2) for i in range(60)])),
        "sack_dups_only": chunk(3, 0, sack_body(TSN, [], [TSN - i for i in range(1, 9)])),
        "sack_rwnd_zero": chunk(3, 0, sack_body(0xFFFFFFFF, [(1, 1)], rwnd=0)),
        "sack_trailing_bytes": chunk(3, 0, sack_body(TSN, [(2, 3)]) + b"\xAA\xBB"),
        "sack_gaps_overrun": chunk(3, 0, struct.pack("!IIHH", TSN, 4096, 4, 0) + struct.pack("!HH", 1, 2)),
        "sack_dups_overrun": chunk(3, 0, struct.pack("!IIHH", TSN, 4096, 0, 2) + struct.pack("!I", TSN)),
        "sack_counts_max": chunk(3, 0, struct.pack("!IIHH", TSN, 4096, 0xFFFF, 0xFFFF)),
        "sack_short": chunk(3, 0, struct.pack("!II", TSN, 4096)),
        # Length field 18: the list entry ends in the padding, past the length.
        "sack_entry_in_padding": chunk(3, 0, struct.pack("!IIHH", TSN, 4096, 1, 0) + b"\0\1"),
        "nr_sack_plain": chunk(16, 0, nr_sack_body(TSN)),
        "nr_sack_all_lists": chunk(16, 0, nr_sack_body(TSN, [(2, 4)], [(6, 6), (8, 10)], [TSN - 2])),
        "nr_sack_nr_only": chunk(16, 0, nr_sack_body(TSN, [], [(1, 5)])),
        "nr_sack_nr_overrun": chunk(16, 0, struct.pack("!IIHHHH", TSN, 4096, 1, 2, 0, 0)
                                    + struct.pack("!HHHH", 1, 1, 3, 3)),
        "nr_sack_dups_overrun": chunk(16, 0, struct.pack("!IIHHHH", TSN, 4096, 0, 0, 3, 0)
                                      + struct.pack("!II", 1, 2)),
        "nr_sack_short": chunk(16, 0, struct.pack("!IIHH", TSN, 4096, 0, 0)),
        "nr_sack_counts_max": chunk(16, 0, struct.pack("!IIHHHH", TSN, 4096, 0xFFFF, 0xFFFF, 0xFFFF, 0)),
    }


# ---- IP, UDP, ICMP: the ingress program's packets --------------------------


def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


SRC4, DST4, ROUTER4 = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 7]), bytes([10, 9, 8, 7])
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("20010db8000000010000000000000007")
ROUTER6 = bytes.fromhex("20010db8ffff00000000000000000001")


def ipv4(proto, payload, src, dst, ttl=64, tos=0, ip_id=0x4242, frag=0, opts=b"", tot=None):
    ihl = 5 + len(opts) // 4
    n = 4 * ihl + len(payload) if tot is None else tot
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, n, ip_id, frag, ttl, proto, 0,
                              src, dst) + opts)
    h[10:12] = struct.pack("!H", inet_csum(bytes(h)))
    return bytes(h) + payload


def ipv6(nh, payload, src, dst, hlim=64, tc=0, flow=0x12345, plen=None):
    n = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28 | tc << 20 | flow, n, nh, hlim, src, dst) + payload


def udp(sport, dport, payload, src, dst, v6=False):
    n = 8 + len(payload)
    pseudo = src + dst + (struct.pack("!IxxxB", n, 17) if v6 else struct.pack("!xBH", 17, n))
    c = inet_csum(pseudo + struct.pack("!HHHH", sport, dport, n, 0) + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, n, c) + payload


def ext6(nh, length8=0):
    """A hop-by-hop / routing / destination options header of (length8 + 1) * 8 bytes."""
    return struct.pack("!BB", nh, length8) + b"\1" + bytes([4 + 8 * length8]) + bytes(4 + 8 * length8)


def frag6(nh, offset8, more, ident=0x7A11):
    return struct.pack("!BxHI", nh, offset8 << 3 | more, ident)


def sctp_data(chunks=None, sport=5000):
    if chunks is None:
        chunks = [data(TSN, 1, 0, text(32, 3))]
    return packet(VTAG, chunks, sport=sport, dport=5001)


def orig4(sctp=None, sport=5000, proto=17, dport=5001, **kw):
    sctp = sctp_data() if sctp is None else sctp
    body = udp(sport, dport, sctp, SRC4, DST4) if proto == 17 else text(32, 9)
    return ipv4(proto, body, SRC4, DST4, **kw)


def orig6(sctp=None, sport=5000, exts=(), proto=17, dport=5001, **kw):
    """exts: (type, bytes) in order; the last one's next header is UDP (or proto)."""
    sctp = sctp_data() if sctp is None else sctp
    body = udp(sport, dport, sctp, SRC6, DST6, v6=True) if proto == 17 else text(32, 9)
    nh = proto
    for t, x in reversed(exts):
        body = bytes([nh]) + x[1:] + body
        nh = t
    return ipv6(nh, body, SRC6, DST6, **kw)


# A protected peer's port in the harness (fuzz_icmp.c: 6 modulo 7, from a port 0 modulo 5).
DTLS_PEER_PORT = 4444


def dtls_record(ctype=23, version=0xFEFD, epoch=1, seq=1000, body=48):
    """One DTLS record (RFC 6347 4.1): header, then bytes standing for ciphertext."""
    return struct.pack("!BHHHIH", ctype, version, epoch, seq >> 32, seq & 0xFFFFFFFF, body) + \
        text(body, 6)


def icmp4(itype, code, quote, rest=b"\0\0\0\0", tot=None, ext=b""):
    m = bytearray(struct.pack("!BBH", itype, code, 0) + rest + quote + ext)
    m[2:4] = struct.pack("!H", inet_csum(bytes(m)))
    return ipv4(1, bytes(m), ROUTER4, SRC4, ttl=63, tos=0xC0, tot=tot)


def icmp6(itype, code, quote, rest=b"\0\0\0\0", plen=None, ext=b"", hbh=False):
    m = bytearray(struct.pack("!BBH", itype, code, 0) + rest + quote + ext)
    pseudo = ROUTER6 + SRC6 + struct.pack("!IxxxB", len(m), 58)
    m[2:4] = struct.pack("!H", inet_csum(pseudo + bytes(m)))
    if hbh:
        return ipv6(0, ext6(58) + bytes(m), ROUTER6, SRC6, tc=0xE0, flow=0, plen=plen)
    return ipv6(58, bytes(m), ROUTER6, SRC6, tc=0xE0, flow=0, plen=plen)


def eth(l3, vlans=0):
    etype = 0x86DD if l3[0] >> 4 == 6 else 0x0800
    tpids = [0x88A8, 0x8100][-vlans:] if vlans else []
    h = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xFE])
    types = tpids + [etype]
    h += struct.pack("!H", types[0])
    for i in range(vlans):
        h += struct.pack("!HH", 200 + i, types[i + 1])
    return h + l3


def rfc4884(quote, words, unit):
    """The original datagram field padded (or cut) to the length field, and an extension."""
    n = words * unit
    field = quote[:n] + bytes(max(0, n - len(quote)))
    obj = struct.pack("!HBBI", 8, 1, 1, 0x12345 << 12 | 1 << 8 | 64)
    hdr = bytearray(struct.pack("!BxH", 0x20, 0) + obj)
    hdr[2:4] = struct.pack("!H", inet_csum(bytes(hdr)))
    return field, bytes(hdr)


def icmps():
    o4, o6 = orig4(ttl=1), orig6(hlim=1)
    long_sctp = sctp_data([data(TSN, 1, 0, text(200, 4))])
    f4, x4 = rfc4884(orig4(long_sctp), 32, 4)
    fs4, xs4 = rfc4884(o4, 32, 4)
    f6, x6 = rfc4884(orig6(long_sctp), 16, 8)
    first4 = orig4(frag=0x2000, ip_id=0x7A11)[:20 + 48]
    later4 = orig4(frag=6, ip_id=0x7A11)[20 + 48:]
    whole6 = orig6(exts=[(44, frag6(0, 0, 1))])
    d4 = orig4(dtls_record(epoch=3, seq=0x123400000005), dport=DTLS_PEER_PORT, ip_id=0x1D1D)
    d6 = orig6(dtls_record(epoch=3, seq=0x123400000005), dport=DTLS_PEER_PORT)
    seeds = {
        "v4_time_exceeded": eth(icmp4(11, 0, o4)),
        "v4_quote_8": eth(icmp4(11, 0, orig4(ip_id=0xBEEF)[:28])),
        "v4_quote_20": eth(icmp4(11, 0, o4[:40])),
        "v4_quote_28": eth(icmp4(11, 0, o4[:48])),
        "v4_frag_needed": eth(icmp4(3, 4, orig4(frag=0x4000), rest=struct.pack("!HH", 0, 1400))),
        "v4_port_unreachable": eth(icmp4(3, 3, o4)),
        "v4_param_problem": eth(icmp4(12, 0, o4, rest=b"\x08\0\0\0")),
        "v4_rfc4884_ext": eth(icmp4(11, 0, f4, rest=b"\0\x20\0\0", ext=x4)),
        "v4_rfc4884_padded": eth(icmp4(11, 0, fs4, rest=b"\0\x20\0\0", ext=xs4)),
        "v4_rfc4884_past_end": eth(icmp4(11, 0, f4[:100], rest=b"\0\x20\0\0")),
        "v4_vlan": eth(icmp4(11, 0, o4), vlans=1),
        "v4_qinq": eth(icmp4(11, 0, o4), vlans=2),
        "v4_bare": icmp4(11, 0, o4),
        "v4_quote_options": eth(icmp4(11, 0, orig4(opts=b"\1\1\1\0"))),
        "v4_first_fragment": eth(icmp4(11, 0, first4)),
        "v4_later_fragment": eth(icmp4(11, 0, ipv4(17, later4, SRC4, DST4, frag=6, ip_id=0x7A11))),
        "v4_quote_tcp": eth(icmp4(11, 0, orig4(proto=6))),
        "v4_port_not_registered": eth(icmp4(11, 0, orig4(sctp_data(sport=6000), sport=6000))),
        "v4_quote_idata": eth(icmp4(11, 0, orig4(sctp_data([idata(TSN, 1, 0, 51, text(32, 5), 3)])))),
        "v4_quote_sack_first": eth(icmp4(11, 0, orig4(sctp_data([sack(TSN), data(TSN, 1, 0, b"x")])))),
        "v4_quote_udp_4": eth(icmp4(11, 0, o4[:24])),
        "v4_quote_ip_cut": eth(icmp4(11, 0, o4[:12])),
        "v4_short_total_length": eth(icmp4(11, 0, o4))[:-10],
        "v4_echo": eth(ipv4(1, struct.pack("!BBHHH", 8, 0, 0, 0x1D, 1) + o4, SRC4, ROUTER4)),
        "v4_not_icmp": eth(o4),
        "v6_time_exceeded": eth(icmp6(3, 0, o6)),
        "v6_packet_too_big": eth(icmp6(2, 0, orig6(exts=[(60, ext6(0, 1))]),
                                       rest=struct.pack("!I", 1280))),
        "v6_unreachable_exts": eth(icmp6(1, 4, orig6(exts=[(0, ext6(0)), (43, ext6(0, 2))]))),
        "v6_param_problem": eth(icmp6(4, 0, o6, rest=struct.pack("!I", 6))),
        "v6_rfc4884_ext": eth(icmp6(3, 0, f6, rest=b"\x10\0\0\0", ext=x6)),
        "v6_outer_hop_by_hop": eth(icmp6(3, 0, o6, hbh=True)),
        "v6_vlan": eth(icmp6(3, 0, o6), vlans=1),
        "v6_bare": icmp6(3, 0, o6),
        "v6_first_fragment": eth(icmp6(3, 0, whole6[:40 + 8 + 48])),
        "v6_later_fragment": eth(icmp6(3, 0, orig6(exts=[(44, frag6(0, 6, 0))])[:40 + 8 + 40])),
        "v6_quote_sack_first": eth(icmp6(3, 0, orig6(sctp_data([sack(TSN), data(TSN, 1, 0, b"x")])))),
        "v6_quote_cut_sctp": eth(icmp6(3, 0, o6[:40 + 8 + 8])),
        "v6_quote_before_tsn": eth(icmp6(3, 0, o6[:40 + 8 + 18])),
        "v6_quote_short_data": eth(icmp6(3, 0, orig6(sctp_data([chunk(0, 3, bytes(8))])))),
        "v6_quote_jumbogram": eth(icmp6(3, 0, orig6(plen=0))),
        "v6_port_not_registered": eth(icmp6(3, 0, orig6(sctp_data(sport=6000), sport=6000))),
        "v6_quote_tcp": eth(icmp6(3, 0, orig6(proto=6))),
        "v6_echo": eth(ipv6(58, struct.pack("!BBHHH", 128, 0, 0, 0x1D, 1) + o6, SRC6, ROUTER6)),
        "v6_not_icmp": eth(o6),
        # Protected peers: the quoted DTLS record header, never SCTP.
        "v4_dtls_quote": eth(icmp4(11, 0, d4)),
        "v4_dtls_quote_8": eth(icmp4(11, 0, d4[:28])),
        "v6_dtls_quote": eth(icmp6(3, 0, d6)),
        "v6_dtls_packet_too_big": eth(icmp6(2, 0, d6, rest=struct.pack("!I", 1280))),
        "v6_dtls_handshake": eth(icmp6(3, 0, orig6(dtls_record(22, epoch=0, seq=2),
                                                   dport=DTLS_PEER_PORT))),
        "v6_dtls_cut_header": eth(icmp6(3, 0, d6[:40 + 8 + 10])),
        "v6_dtls_not_dtls": eth(icmp6(3, 0, orig6(dtls_record(version=0x0303),
                                                  dport=DTLS_PEER_PORT))),
    }
    return seeds


# ---- the egress program's packets ------------------------------------------

# Ports as fuzz_parse.c's map lookups see them: a plain SCTP port; a port with
# protected peers (5000), whose peer DTLS_PEER_PORT is protected and whose
# peer 5001 is not; and a port that is not registered.
PLAIN_PORT, DTLS_PORT, OTHER_PORT = 5002, 5000, 6000


def fz(frame, l2=True, cut=64):
    """A parse seed: the control byte (bit 0: an Ethernet frame, else bare IP;
    bits 1..7: the linear part of one paged run, in 128ths), then the packet."""
    return bytes([cut << 1 | l2]) + frame


def eth_raw(types, l3):
    """An Ethernet header with the given EtherType / TPID sequence (VLAN IDs 200, 201, ...)."""
    h = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xFE]) + struct.pack("!H", types[0])
    for i, t in enumerate(types[1:]):
        h += struct.pack("!HH", 200 + i, t)
    return h + l3


def patch(b, at, fmt, *values):
    """b with the fields packed as fmt written at offset at (for malformed seeds)."""
    b = bytearray(b)
    struct.pack_into(fmt, b, at, *values)
    return bytes(b)


def parse_seeds():
    def sctp(chunks):
        return packet(VTAG, chunks)

    def v4(chunks, sport=PLAIN_PORT, **kw):
        return orig4(sctp(chunks), sport=sport, **kw)

    def v6(chunks, sport=PLAIN_PORT, **kw):
        return orig6(sctp(chunks), sport=sport, **kw)

    def rec(**kw):
        return dtls_record(**{"epoch": 3, "seq": 0x123400000005, **kw})

    def d4(record, dport=DTLS_PEER_PORT, **kw):
        return orig4(record, sport=DTLS_PORT, dport=dport, **kw)

    def d6(record, dport=DTLS_PEER_PORT, **kw):
        return orig6(record, sport=DTLS_PORT, dport=dport, **kw)

    one = [data(TSN, 1, 0, text(32, 3))]          # the chunks of a datagram with one DATA chunk
    heartbeat = chunk(4, 0, param(1, b"hb"))

    # A PAD chunk of n bytes: bare, the next chunk starts at 40 + n in the IPv4 packet.
    def pad_chunk(n):
        return chunk(0x84, 0, bytes(n - 4))

    # A hop-by-hop header of n bytes (a multiple of 8) of Pad1 options; orig6 sets its next header.
    def hop_by_hop(n):
        return bytes([0, n // 8 - 1]) + bytes(n - 2)

    # One UDP datagram's IP payload, cut into fragments at byte 48 (offset 6 x 8).
    u4 = udp(PLAIN_PORT, 5001, sctp([data(TSN, 1, 0, text(96, 7))]), SRC4, DST4)
    u6 = udp(PLAIN_PORT, 5001, sctp([data(TSN, 1, 0, text(96, 7))]), SRC6, DST6, v6=True)

    def frag4(part, frag, proto=17):
        return ipv4(proto, part, SRC4, DST4, ip_id=0x7A11, frag=frag)

    def frag6_pkt(part, offset8, more, nh=17):
        return ipv6(44, frag6(nh, offset8, more) + part, SRC6, DST6)

    whole4 = eth(v4(one))
    return {
        # SCTP on a plain port: DATA first, after other chunks, I-DATA, none.
        "v4_data": fz(whole4),
        "v4_data_bare": fz(v4(one), l2=False),
        "v4_data_vlan": fz(eth(v4(one), vlans=1)),
        "v4_data_qinq": fz(eth(v4(one), vlans=2)),
        "v4_data_paged": fz(whole4, cut=24),
        "v4_data_paged_bare": fz(v4(one), l2=False, cut=100),
        "v4_ip_options": fz(eth(v4(one, opts=b"\1\1\1\0"))),
        "v4_cookie_echo_data": fz(eth(v4([chunk(10, 0, COOKIE), data(TSN, 0, 0, text(37, 1))]))),
        "v4_sack_then_data": fz(eth(v4([sack(TSN - 10, gaps=[(3, 4)]), data(TSN, 0, 3, text(19, 12))]))),
        "v4_idata": fz(eth(v4([idata(TSN, 3, 42, 51, text(30, 5), 0x03)]))),
        "v4_data_bundle": fz(eth(v4([data(TSN + i, i, 7, text(5 + 3 * i, i)) for i in range(3)]))),
        "v4_control_only": fz(eth(v4([sack(TSN), chunk(4, 0, param(1, text(40, 17)))]))),
        "v4_header_only": fz(eth(v4([]))),
        "v4_16_control_chunks": fz(eth(v4([heartbeat] * 16))),
        "v4_16_control_then_data": fz(eth(v4([heartbeat] * 16 + one))),
        "v4_15_control_then_data": fz(eth(v4([heartbeat] * 15 + one))),
        # DATA at byte 2040 of the bare packet: within the walk bound bare, past it framed.
        "v4_data_at_2040_bare": fz(v4([pad_chunk(2000)] + one), l2=False),
        "v4_data_at_2040": fz(eth(v4([pad_chunk(2000)] + one))),
        "v4_data_past_walk_bound": fz(eth(v4([pad_chunk(2100)] + one))),
        # The bound itself (offsets behind an L2 header are 2 modulo 4: only bare packets meet it).
        "v4_data_at_2048_bare": fz(v4([pad_chunk(2008)] + one), l2=False),
        "v4_data_at_2052_bare": fz(v4([pad_chunk(2012)] + one), l2=False),
        "v6_udp_at_2048_bare": fz(v6([], exts=[(0, hop_by_hop(2008))]), l2=False),
        "v6_udp_at_2056_bare": fz(v6([], exts=[(0, hop_by_hop(2016))]), l2=False),
        "v6_dtls_udp_at_2048_bare": fz(d6(rec(), exts=[(0, hop_by_hop(2008))]), l2=False),
        "v6_data": fz(eth(v6(one))),
        "v6_data_bare": fz(v6(one), l2=False),
        "v6_data_vlan": fz(eth(v6(one), vlans=1)),
        "v6_data_qinq_paged": fz(eth(v6(one), vlans=2), cut=40),
        "v6_sack_then_data": fz(eth(v6([sack(TSN), data(TSN, 1, 0, b"x")]))),
        "v6_idata": fz(eth(v6([idata(TSN, 1, 0, 51, text(32, 5), 0x03)]))),
        "v6_control_only": fz(eth(v6([chunk(11, 0, b""), sack(0x100)]))),
        # IPv6 extension headers.
        "v6_exts": fz(eth(v6(one, exts=[(0, ext6(0)), (43, ext6(0, 2)), (60, ext6(0, 1))]))),
        "v6_six_exts": fz(eth(v6(one, exts=[(60, ext6(0))] * 6))),
        "v6_seven_exts": fz(eth(v6(one, exts=[(60, ext6(0))] * 7))),
        # A 2048-byte hop-by-hop header: UDP at byte 2088.
        "v6_ext_past_walk_bound": fz(v6(one, exts=[(0, hop_by_hop(2048))]), l2=False),
        "v6_jumbogram": fz(eth(v6(one, plen=0))),
        "v6_esp": fz(eth(orig6(proto=50))),
        # Fragments: IPv4 by the flags, IPv6 by the fragment header.
        "v4_first_fragment": fz(eth(frag4(u4[:48], 0x2000))),
        "v4_later_fragment": fz(eth(frag4(u4[48:], 0x2000 | 6))),
        "v4_last_fragment": fz(eth(frag4(u4[48:], 6))),
        "v4_last_fragment_bare": fz(frag4(u4[48:], 6), l2=False),
        "v4_later_fragment_tcp": fz(eth(frag4(u4[48:], 6, proto=6))),
        "v4_df_unfragmented": fz(eth(v4(one, frag=0x4000))),
        "v6_first_fragment": fz(eth(frag6_pkt(u6[:48], 0, 1))),
        "v6_later_fragment": fz(eth(frag6_pkt(u6[48:], 6, 1))),
        "v6_last_fragment": fz(eth(frag6_pkt(u6[48:], 6, 0))),
        "v6_later_fragment_tcp": fz(eth(frag6_pkt(u6[48:], 6, 0, nh=6))),
        "v6_atomic_fragment": fz(eth(frag6_pkt(u6, 0, 0))),
        # Two fragment headers, offset 0 then offset 6: first_fragment and last_fragment both set.
        "v6_first_then_last_fragment_headers": fz(eth(ipv6(44, frag6(44, 0, 1) + frag6(17, 6, 0) + u6[48:],
                                                           SRC6, DST6))),
        "v6_first_fragment_after_exts": fz(eth(v6(one, exts=[(0, ext6(0)), (44, frag6(0, 0, 1))]))),
        # DTLS ports: a protected peer's record header, and a plain peer's SCTP.
        "v4_dtls_appdata": fz(eth(d4(rec()))),
        "v4_dtls_appdata_bare": fz(d4(rec()), l2=False),
        "v6_dtls_appdata": fz(eth(d6(rec()))),
        "v6_dtls_appdata_vlan": fz(eth(d6(rec()), vlans=1)),
        "v4_dtls_handshake": fz(eth(d4(rec(ctype=22, epoch=0, seq=2)))),
        "v6_dtls_alert": fz(eth(d6(rec(ctype=21, body=2)))),
        "v4_dtls_v10": fz(eth(d4(rec(version=0xFEFF)))),
        "v4_dtls_two_records": fz(eth(d4(rec() + rec(seq=0x123400000006)))),
        "v4_dtls_not_dtls_version": fz(eth(d4(rec(version=0x0303)))),
        "v4_dtls_record_too_long": fz(eth(d4(patch(rec(), 11, "!H", 49)))),
        "v4_dtls_udp_too_short": fz(eth(d4(rec()[:12]))),
        "v4_dtls_cut_in_header": fz(eth(d4(rec()))[:14 + 20 + 8 + 6]),
        "v4_dtls_first_fragment": fz(eth(ipv4(17, udp(DTLS_PORT, DTLS_PEER_PORT, rec(body=200), SRC4,
                                                      DST4)[:64], SRC4, DST4, frag=0x2000))),
        "v4_dtls_port_plain_peer": fz(eth(orig4(sctp(one), sport=DTLS_PORT, dport=5001))),
        "v6_dtls_port_plain_peer": fz(eth(orig6(sctp(one), sport=DTLS_PORT, dport=5001))),
        # Not ours: other ports, other protocols, other EtherTypes, a third tag.
        "v4_port_not_registered": fz(eth(v4(one, sport=OTHER_PORT))),
        "v6_port_not_registered": fz(eth(v6(one, sport=OTHER_PORT))),
        "v4_tcp": fz(eth(orig4(proto=6))),
        "v6_tcp": fz(eth(orig6(proto=6))),
        "arp": fz(eth_raw([0x0806], bytes.fromhex("0001080006040001") + bytes(20))),
        "three_vlan_tags": fz(eth_raw([0x8100, 0x8100, 0x8100, 0x0800], v4(one))),
        # Malformed IP, UDP, SCTP.
        "v4_ethertype_v6_packet": fz(eth_raw([0x0800], v6(one))),
        "v6_ethertype_v4_packet": fz(eth_raw([0x86DD], v4(one))),
        "bare_version_5": fz(bytes([0x55]) + v4(one)[1:], l2=False),
        "v4_ihl_4": fz(eth(bytes([0x44]) + v4(one)[1:])),
        "v4_total_length_below_ihl": fz(eth(patch(v4(one), 2, "!H", 16))),
        "v4_total_length_cuts_sctp_header": fz(eth(patch(v4(one), 2, "!H", 20 + 8 + 10))),
        "v4_udp_length_short": fz(eth(patch(v4(one), 20 + 4, "!H", 19))),
        "v4_udp_length_past_ip": fz(eth(patch(v4(one), 20 + 4, "!H", len(v4(one)) - 20 + 4))),
        "v4_chunk_length_below_4": fz(eth(v4([chunk(0, 3, b"", length=2)]))),
        "v4_chunk_past_udp": fz(eth(v4([chunk(0, 3, bytes(16), length=200)]))),
        "v4_data_length_12": fz(eth(v4([chunk(0, 3, struct.pack("!II", TSN, 0))]))),
        "v4_idata_length_16": fz(eth(v4([chunk(64, 3, struct.pack("!IHHI", TSN, 0, 0, 1))]))),
        "v4_chunk_tail_2_bytes": fz(eth(orig4(sctp([sack(TSN)]) + b"\0\0", sport=PLAIN_PORT))),
        "v4_bytes_past_ip_datagram": fz(eth(v4([sack(TSN)]) + b"\0\0")),
        "v6_udp_length_past_ip": fz(eth(patch(v6(one), 40 + 4, "!H", len(v6(one)) - 40 + 4))),
        # Truncated: the packet ends inside a header it announces.
        "bare_empty": fz(b"", l2=False),
        "trunc_ethernet": fz(whole4[:10]),
        "trunc_vlan_tag": fz(eth(v4(one), vlans=1)[:16]),
        "trunc_v4_header": fz(whole4[:14 + 12]),
        "trunc_v4_options": fz(eth(v4(one, opts=b"\1\1\1\0"))[:14 + 22]),
        "trunc_v4_udp": fz(whole4[:14 + 20 + 4]),
        "trunc_v4_sctp_header": fz(whole4[:14 + 20 + 8 + 6]),
        "trunc_v4_chunk_header": fz(eth(v4([sack(TSN)] + one))[:14 + 20 + 8 + 12 + 16 + 2]),
        "trunc_v4_tsn": fz(whole4[:14 + 20 + 8 + 12 + 6]),
        "trunc_v6_header": fz(eth(v6(one))[:14 + 30]),
        "trunc_v6_ext": fz(eth(v6(one, exts=[(0, ext6(0))]))[:14 + 40 + 1]),
        "trunc_v6_fragment_header": fz(eth(frag6_pkt(u6[:48], 0, 1))[:14 + 40 + 6]),
        "trunc_v4_bare_paged": fz(v4(one)[:30], l2=False, cut=10),
    }


def write(outdir, name, files):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    for fname, content in sorted(files.items()):
        with open(os.path.join(d, fname + ".bin"), "wb") as f:
            f.write(content)
    print(f"{d}: {len(files)} seeds")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    write(outdir, "sctp_packet", packets())
    write(outdir, "sack", sacks())
    write(outdir, "icmp", icmps())
    write(outdir, "parse", parse_seeds())


if __name__ == "__main__":
    main()
