#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Write the seed corpus of the fuzz harnesses (docs/fuzzing.md).

corpus/sctp_packet/: whole SCTP packets (common header + chunks) shaped like
what usrsctp sends over UDP, with a correct CRC32c, plus malformed ones.
corpus/sack/: single SACK / NR-SACK chunks, no common header.

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


if __name__ == "__main__":
    main()
