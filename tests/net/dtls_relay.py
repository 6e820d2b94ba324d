#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A forwarding relay that tampers with a DTLS association (dtls_tamper.sh).

  dtls_relay.py --iface IF --src ADDR --sport P --dst ADDR --dport P
                [--skip N] [--every N] [--picks N] --report FILE

Runs in the router namespace, where the kernel's forwarding of the
association's datagrams (IPv4, SRC:SPORT -> DST:DPORT) is dropped at the
router (a policy route to a blackhole); this relay reads them from IF
(AF_PACKET sees them first) and sends each on, unchanged, with a raw socket
(IP_HDRINCL: its own IP header, its real source address and port).  So it
decides what reaches DST first.  For application-data datagrams (first
record type 23, epoch >= 1) with sequence >= --skip, every --every-th one
(up to --picks) is "picked", and DST gets, in this order:

  1. a copy with one ciphertext byte flipped        (tampered: rejected)
  2. a copy with the last byte (the AEAD tag) flipped (tampered: rejected)
  3. the datagram itself                              (accepted)
  4. the datagram again, exactly                      (a replay)
  5. one datagram that is no DTLS record, in turn: random bytes (the first
     one 0, never a record type), a record header cut short (7 bytes), a
     header whose length runs past the end of the datagram

The tampered copies reach DST before the record they copy, so their sequence
number is still unseen there: they can only fail authentication, never count
as replays.  Prints "ready" once both sockets are open; on SIGTERM writes the
counts (JSON) to --report and exits.
"""
import argparse
import ipaddress
import json
import os
import random
import select
import signal
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clear_pairs import cksum  # noqa: E402  (tests/net/clear_pairs.py: the Internet checksum)

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def build(iphdr, sport, dport, payload):
    """The original IPv4 header (options kept) with a new UDP datagram under it."""
    ulen = 8 + len(payload)
    src, dst = iphdr[12:16], iphdr[16:20]
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = 0xFFFF - cksum(pseudo + udp)
    udp = udp[:6] + struct.pack("!H", c or 0xFFFF) + udp[8:]
    h = bytearray(iphdr)
    struct.pack_into("!H", h, 2, len(h) + ulen)
    struct.pack_into("!H", h, 10, 0)        # the kernel fills the checksum
    return bytes(h) + udp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--sport", type=int, required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--skip", type=int, default=8)
    ap.add_argument("--every", type=int, default=8)
    ap.add_argument("--picks", type=int, default=10)
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    src = ipaddress.IPv4Address(a.src).packed
    dst = ipaddress.IPv4Address(a.dst).packed

    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    rx.bind((a.iface, ETH_P_IP))
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rng = random.Random(20240611)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    r = {"forwarded": 0, "appdata": 0, "picked": [], "tampered_ciphertext": 0, "tampered_tag": 0,
         "replays": 0, "garbage_random": 0, "garbage_short_header": 0, "garbage_long_length": 0,
         "send_errors": 0}
    print("ready", flush=True)

    def send(pkt):
        try:
            tx.sendto(pkt, (a.dst, 0))
        except OSError:
            r["send_errors"] += 1

    while not stop:
        try:
            rd, _, _ = select.select([rx], [], [], 0.1)
        except InterruptedError:
            continue
        if not rd:
            continue
        data, addr = rx.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(data) < 28 or data[0] >> 4 != 4 or data[9] != 17:
            continue
        ihl = (data[0] & 15) * 4
        total = struct.unpack("!H", data[2:4])[0]
        if data[12:16] != src or data[16:20] != dst or struct.unpack("!H", data[6:8])[0] & 0x3FFF:
            continue
        sport, dport, ulen = struct.unpack("!HHH", data[ihl:ihl + 6])
        if (sport, dport) != (a.sport, a.dport):
            continue
        data = data[:total]
        iphdr, payload = data[:ihl], data[ihl + 8:ihl + ulen]
        pick = False
        if len(payload) >= 13 + 8 + 16 + 3 and payload[0] == 23 and payload[1] == 0xFE:
            epoch = struct.unpack("!H", payload[3:5])[0]
            seq = int.from_bytes(payload[5:11], "big")
            if epoch >= 1:
                r["appdata"] += 1
                pick = (seq >= a.skip and (seq - a.skip) % a.every == 0 and len(r["picked"]) < a.picks)
        if not pick:
            send(data)
            r["forwarded"] += 1
            continue
        rec_end = 13 + struct.unpack("!H", payload[11:13])[0]
        ct = bytearray(payload)
        ct[13 + 8 + 2] ^= 0x01                  # past the explicit nonce: ciphertext
        send(build(iphdr, sport, dport, bytes(ct)))
        r["tampered_ciphertext"] += 1
        tag = bytearray(payload)
        tag[rec_end - 1] ^= 0x80                # the last byte of the record: its tag
        send(build(iphdr, sport, dport, bytes(tag)))
        r["tampered_tag"] += 1
        send(data)
        r["forwarded"] += 1
        send(data)
        r["replays"] += 1
        kind = len(r["picked"]) % 3
        if kind == 0:
            g = bytes([0]) + bytes(rng.randrange(256) for _ in range(rng.randrange(40, 200)))
            r["garbage_random"] += 1
        elif kind == 1:
            g = payload[:7]
            r["garbage_short_header"] += 1
        else:
            g = payload[:11] + struct.pack("!H", rec_end - 13 + 200) + payload[13:]
            r["garbage_long_length"] += 1
        send(build(iphdr, sport, dport, g))
        r["picked"].append(seq)
    r["tampered"] = r["tampered_ciphertext"] + r["tampered_tag"]
    r["garbage"] = r["garbage_random"] + r["garbage_short_header"] + r["garbage_long_length"]
    with open(a.report, "w") as f:
        json.dump(r, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
