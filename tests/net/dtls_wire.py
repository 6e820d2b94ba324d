#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Protected (DTLS) associations on the wire, for the dtls_* wire tests.

Reads tcpdump captures itself (pcap, Ethernet or raw IP), splits each UDP
payload into DTLS record headers itself, and asks tshark only for what it
cannot do: decrypt the application-data records with an NSS key log.  Each
command prints "key=value ..." words (lib_wire.sh py_vars).

  dtls_wire.py sink --wire CAP --keylog K --port A --other-port B --dport P
                    --clear A.pcap --clear-other B.pcap --mirror M.pcap
      The cleartext sink of association A (its messages asked for copies)
      against what left S (CAP, taken before any router touched it), and
      association B (its messages did not ask), see dtls_sink.sh.
  dtls_wire.py dside --cap CAP --port P ...
      Every UDP datagram to or from the ports in CAP (the link to the peer):
      how many are DTLS, valid SCTP, or carry a cleartext mirror header.
  dtls_wire.py marks --wire CAP --keylog K --port A --dport P --ttl T --tos X
      Protected datagrams of A carrying DATA (after decryption) show TTL T
      and TOS X; control-only ones the defaults.
  dtls_wire.py injected --wire CAP --dside CAP --port A --dport P
      What reached the peer from A's address and port, compared with what A
      sent: originals, exact repeats, altered copies of a record (same
      record header, other bytes), datagrams that are no DTLS record.
  dtls_wire.py decrypted --wire CAP --keylog K --port A --dport P
      How many of A's application-data records the key log decrypts.

Python 3 standard library (and tshark).
"""
import argparse
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clear_pairs  # noqa: E402  (tests/net/clear_pairs.py: IP and SCTP parsing)

CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA = 20, 21, 22, 23
DTLS_HDR = 13
CHUNK_DATA, CHUNK_IDATA = 0, 64


# ---- captures ------------------------------------------------------------------

def read_pcap(path):
    """(timestamp in µs, linktype, frame) for each frame of a pcap file."""
    with open(path, "rb") as f:
        d = f.read()
    try:
        return list(clear_pairs.pcap_frames(d))
    except clear_pairs.Bad as e:
        raise SystemExit("%s: %s" % (path, e))


def udp_datagrams(path):
    """One dict per UDP datagram (whole, not a fragment) of a capture, frame numbers 1-based."""
    out = []
    for n, (ts, lt, frame) in enumerate(read_pcap(path), 1):
        ip = clear_pairs.link_payload(lt, frame)
        if ip is None:
            continue
        try:
            r = clear_pairs.parse_ip(ip)
        except clear_pairs.Bad:
            continue
        if r["proto"] != 17 or r["frag"] or len(r["payload"]) < 8:
            continue
        u = r["payload"]
        sport, dport, ulen, csum = struct.unpack("!HHHH", u[:8])
        out.append({"n": n, "ts": ts, "family": r["family"], "saddr": r["saddr"], "daddr": r["daddr"],
                    "ttl": r["ttl"], "tos": r["tos"], "df": r["df"], "sport": sport, "dport": dport,
                    "record_id": r["record_id"], "payload": u[8:ulen] if 8 <= ulen <= len(u) else u[8:]})
    return out


def dtls_records(p):
    """[(type, epoch, seq, length)] of the DTLS 1.2 / 1.0 records of a payload; None if
    it is not records from its first byte to its last."""
    recs, off = [], 0
    while off < len(p):
        if len(p) - off < DTLS_HDR:
            return None
        h = p[off:off + DTLS_HDR]
        if h[0] not in (CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA) or h[1] != 0xFE or h[2] not in (0xFD, 0xFF):
            return None
        ln = struct.unpack("!H", h[11:13])[0]
        if off + DTLS_HDR + ln > len(p):
            return None
        recs.append((h[0], struct.unpack("!H", h[3:5])[0], int.from_bytes(h[5:11], "big"), ln))
        off += DTLS_HDR + ln
    return recs or None


def record_id(epoch, seq):
    return epoch << 48 | seq


# ---- SCTP ----------------------------------------------------------------------

def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc32c_table()


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = CRC_TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def sctp_valid(p):
    """A whole SCTP packet with a correct CRC32c (RFC 9260 appendix A)."""
    if len(p) < 16 or len(p) % 4:
        return False
    want = struct.unpack("<I", p[8:12])[0]
    return crc32c(p[:8] + b"\0\0\0\0" + p[12:]) == want


def sctp_info(p):
    """(vtag, first TSN of each DATA / I-DATA chunk, chunk types), or None."""
    try:
        return clear_pairs.parse_sctp(p)
    except clear_pairs.Bad:
        return None


# ---- decryption ------------------------------------------------------------------

def decrypt(cap, keylog, ports):
    """{frame number: [cleartext of each decrypted application-data record]} (tshark)."""
    args = ["tshark", "-r", cap, "-n", "-o", "tls.keylog_file:" + keylog]
    for p in ports:
        args += ["-d", "udp.port==%d,dtls" % p]
    args += ["-Y", "dtls", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
             "-E", "aggregator=,", "-e", "frame.number", "-e", "data.data"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("tshark failed: %s" % r.stderr.strip())
    out = {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 2 or not f[0]:
            continue
        vals = [bytes.fromhex(x.replace(":", "")) for x in f[1].split(",") if x]
        if vals:
            out[int(f[0])] = vals
    return out


def protected(cap, keylog, sport, dport, ports):
    """The datagrams from port sport to dport, with their records and, for an
    application-data one (first record: type 23, epoch >= 1), its record id and
    decrypted SCTP packet ("sctp": None if the key log did not decrypt it)."""
    dg = [d for d in udp_datagrams(cap) if d["sport"] == sport and d["dport"] == dport]
    dec = decrypt(cap, keylog, ports) if keylog else {}
    for d in dg:
        d["records"] = dtls_records(d["payload"])
        d["app"] = bool(d["records"]) and d["records"][0][0] == CT_APPDATA and d["records"][0][1] >= 1
        d["rid"] = record_id(d["records"][0][1], d["records"][0][2]) if d["records"] else None
        d["sctp"] = dec.get(d["n"], [None])[0] if d["app"] else None
        info = sctp_info(d["sctp"]) if d["sctp"] is not None else None
        d["tsns"] = info[1] if info else None
        d["types"] = info[2] if info else None
        d["has_data"] = bool(info and any(t in (CHUNK_DATA, CHUNK_IDATA) for t in info[2]))
    return dg


# ---- the sink's outputs -----------------------------------------------------------

def clear_records(path):
    """The sink's pcap: [(ts, fields of clear_pairs, SCTP bytes)]."""
    out = []
    for n, (ts, lt, frame) in enumerate(read_pcap(path), 1):
        ip = clear_pairs.link_payload(lt, frame)
        r = clear_pairs.parse_ip(ip)
        u = r["payload"]
        sport, dport, ulen = struct.unpack("!HHH", u[:6])
        line = clear_pairs.line(n, r["family"], r["record_id"] if r["record_id"] is not None else -1,
                                r["ip_id"], r["ttl"], r["tos"], r["df"], sport, dport, u[8:ulen],
                                r["saddr"], r["daddr"])
        out.append((ts, line, u[8:ulen]))
    return out


def mirror_records(path):
    """The collector's pcap (dtls_collector.py): [(header fields, SCTP bytes, sender port)]."""
    out = []
    for ts, lt, frame in read_pcap(path):
        ip = clear_pairs.link_payload(lt, frame)
        r = clear_pairs.parse_ip(ip)
        u = r["payload"]
        src_port = struct.unpack("!H", u[:2])[0]
        h = clear_pairs.mirror_header(u[8:])
        out.append((h, u[8 + clear_pairs.CLEAR_HDR.size:] if h else u[8:], src_port))
    return out


def cmd_sink(a):
    ports = [a.port, a.other_port, a.dport]
    wa = protected(a.wire, a.keylog, a.port, a.dport, ports)
    wb = protected(a.wire, a.keylog, a.other_port, a.dport, ports)
    r = {}
    app = [d for d in wa if d["app"]]
    r["a_app"] = len(app)
    r["a_decrypted"] = sum(d["sctp"] is not None for d in app)
    r["a_crc_bad"] = sum(d["sctp"] is not None and not sctp_valid(d["sctp"]) for d in app)
    r["a_rid_dups"] = len(app) - len({d["rid"] for d in app})
    data = {d["rid"]: d for d in app if d["has_data"]}
    ctl = {d["rid"]: d for d in app if d["sctp"] is not None and not d["has_data"]}
    r["a_data"] = len(data)
    r["a_ctl"] = len(ctl)
    r["b_app"] = sum(d["app"] for d in wb)
    r["b_data"] = sum(d["has_data"] for d in wb)

    clear = clear_records(a.clear)
    ids = [c[1]["record_id"] for c in clear]
    r["p_n"] = len(clear)
    r["p_dups"] = len(ids) - len(set(ids))
    r["p_missing"] = len(set(data) - set(ids))
    r["p_extra"] = len(set(ids) - set(data))
    r["p_ctl"] = len(set(ids) & set(ctl))
    r["p_other_assoc"] = sum(c[1]["sport"] != a.port for c in clear)
    bytes_bad = tsn_bad = hdr_bad = addr_bad = late = 0
    for ts, ln, sctp in clear:
        w = data.get(ln["record_id"])
        if not w:
            continue
        bytes_bad += sctp != w["sctp"]
        tsn_bad += ln["tsns"] != w["tsns"] or not ln["tsns"]
        hdr_bad += (ln["ttl"], ln["tos"], ln["df"]) != (w["ttl"], w["tos"], w["df"])
        addr_bad += (ln["saddr"], ln["daddr"], ln["sport"], ln["dport"]) != (w["saddr"], w["daddr"],
                                                                            w["sport"], w["dport"])
        late += ts > w["ts"]
    r["p_bytes_bad"], r["p_tsn_bad"], r["p_hdr_bad"], r["p_addr_bad"] = bytes_bad, tsn_bad, hdr_bad, addr_bad
    r["p_after_wire"] = late
    seqs = [c[1]["seq"] for c in clear]
    r["p_out_of_order"] = sum(x >= y for x, y in zip(seqs, seqs[1:]))
    r["p_hdrs"] = ",".join(sorted({"%d/%d/%s" % (c[1]["ttl"], c[1]["tos"], c[1]["df"]) for c in clear})) or "none"
    r["w_hdrs"] = ",".join(sorted({"%d/%d/%s" % (d["ttl"], d["tos"], d["df"]) for d in data.values()})) or "none"

    r["pb_n"] = len(clear_records(a.clear_other))

    mir = mirror_records(a.mirror)
    good = [m for m in mir if m[0]]
    r["m_n"] = len(mir)
    r["m_not_mirror"] = len(mir) - len(good)
    r["m_other_assoc"] = sum(m[0]["sport"] != a.port for m in good)
    mids = [m[0]["record_id"] for m in good]
    r["m_dups"] = len(mids) - len(set(mids))
    r["m_ids_differ"] = len(set(mids) ^ set(ids))
    cb = {c[1]["record_id"]: c for c in clear}
    mb = wl = mh = 0
    for h, sctp, _ in good:
        c = cb.get(h["record_id"])
        w = data.get(h["record_id"])
        if c is None or w is None:
            continue
        mb += sctp != c[2]
        wl += h["wire_len"] != len(w["payload"])
        f = h["flags"]
        ttl = h["ttl"] if f & clear_pairs.F_TTL else clear_pairs.DEFAULT_TTL
        tos = h["tos"] & h["tos_mask"] if f & clear_pairs.F_TOS else 0
        mh += (ttl, tos, h["saddr"], h["daddr"], h["sport"], h["dport"]) != (
            w["ttl"], w["tos"], w["saddr"], w["daddr"], w["sport"], w["dport"])
    r["m_bytes_bad"], r["m_wirelen_bad"], r["m_hdr_bad"] = mb, wl, mh
    print(" ".join("%s=%s" % kv for kv in r.items()))


def cmd_dside(a):
    n = dtls = sctp = pmct = other = 0
    for d in udp_datagrams(a.cap):
        if d["sport"] not in a.port and d["dport"] not in a.port:
            other += 1
            continue
        n += 1
        dtls += dtls_records(d["payload"]) is not None
        sctp += sctp_valid(d["payload"])
        pmct += clear_pairs.CLEAR_MAGIC in d["payload"]
    print("udp=%d dtls=%d sctp=%d pmct=%d other=%d" % (n, dtls, sctp, pmct, other))


def cmd_marks(a):
    dg = protected(a.wire, a.keylog, a.port, a.dport, [a.port, a.dport])
    app = [d for d in dg if d["app"]]
    data = [d for d in app if d["has_data"]]
    ctl = [d for d in app if d["sctp"] is not None and not d["has_data"]]
    print("app=%d decrypted=%d data=%d data_marked=%d ctl=%d ctl_default=%d" % (
        len(app), sum(d["sctp"] is not None for d in app), len(data),
        sum((d["ttl"], d["tos"]) == (a.ttl, a.tos) for d in data), len(ctl),
        sum((d["ttl"], d["tos"]) == (64, 0) for d in ctl)))


def cmd_injected(a):
    sent = [d for d in udp_datagrams(a.wire) if d["sport"] == a.port and d["dport"] == a.dport]
    got = [d for d in udp_datagrams(a.dside) if d["sport"] == a.port and d["dport"] == a.dport]
    orig = {bytes(d["payload"]) for d in sent}
    hdrs = {bytes(d["payload"][:DTLS_HDR]) for d in sent if dtls_records(d["payload"])}
    seen = set()
    r = {"reached": len(got), "sent": len(sent), "originals": 0, "repeats": 0, "altered": 0,
         "altered_unseen": 0, "garbage": 0, "unknown": 0}
    for d in got:
        p = bytes(d["payload"])
        if p in orig:
            r["repeats" if p in seen else "originals"] += 1
            seen.add(p)
        elif dtls_records(p) is None:
            r["garbage"] += 1
        elif p[:DTLS_HDR] in hdrs:
            r["altered"] += 1
            # an alteration that reached the peer before the record it copies
            r["altered_unseen"] += not any(x[:DTLS_HDR] == p[:DTLS_HDR] for x in seen)
        else:
            r["unknown"] += 1
    r["lost"] = len(orig - seen)
    print(" ".join("%s=%s" % kv for kv in r.items()))


def cmd_decrypted(a):
    dg = protected(a.wire, a.keylog, a.port, a.dport, [a.port, a.dport])
    app = [d for d in dg if d["app"]]
    print("app=%d decrypted=%d data=%d crc_bad=%d" % (
        len(app), sum(d["sctp"] is not None for d in app), sum(d["has_data"] for d in app),
        sum(d["sctp"] is not None and not sctp_valid(d["sctp"]) for d in app)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sink")
    for o in ("--wire", "--keylog", "--clear", "--clear-other", "--mirror"):
        s.add_argument(o, required=True)
    for o in ("--port", "--other-port", "--dport"):
        s.add_argument(o, type=int, required=True)
    s = sub.add_parser("dside")
    s.add_argument("--cap", required=True)
    s.add_argument("--port", type=int, action="append", required=True)
    s = sub.add_parser("marks")
    s.add_argument("--wire", required=True)
    s.add_argument("--keylog", required=True)
    for o in ("--port", "--dport", "--ttl", "--tos"):
        s.add_argument(o, type=lambda x: int(x, 0), required=True)
    s = sub.add_parser("injected")
    s.add_argument("--wire", required=True)
    s.add_argument("--dside", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dport", type=int, required=True)
    s = sub.add_parser("decrypted")
    s.add_argument("--wire", required=True)
    s.add_argument("--keylog", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dport", type=int, required=True)
    a = ap.parse_args()
    {"sink": cmd_sink, "dside": cmd_dside, "marks": cmd_marks, "injected": cmd_injected,
     "decrypted": cmd_decrypted}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
