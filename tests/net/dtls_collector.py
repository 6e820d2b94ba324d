#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A UDP collector for libpmark's cleartext mirror (dtls_sink.sh).

  dtls_collector.py PORT OUT.pcap

Binds [::]:PORT (IPv4 too, as v4-mapped), prints "listening" once bound,
and writes every datagram it receives, as is, into OUT.pcap (LINKTYPE_RAW:
an IPv4 header 127.0.0.1 -> 127.0.0.1 and a UDP header whose source port is
the sender's and destination port PORT, then the datagram), flushed at each
one, so `clear_pairs.py --mirror-capture OUT.pcap` and dtls_wire.py read it.
Ends on SIGTERM / SIGINT, printing "received N" on stderr.
"""
import signal
import socket
import struct
import sys
import time


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("::", port))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    s.settimeout(0.1)
    n = 0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        f.flush()
        print("listening", flush=True)
        while not stop:
            try:
                data, src = s.recvfrom(65535)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            udp = struct.pack("!HHHH", src[1], port, 8 + len(data), 0) + data
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0x4000, 64, 17, 0,
                             b"\x7f\0\0\x01", b"\x7f\0\0\x01")
            t = time.time()
            pkt = ip + udp
            f.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(pkt), len(pkt)) + pkt)
            f.flush()
            n += 1
    print("received %d" % n, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
