#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A router hop that quotes only 8 bytes past the IP header (RFC 792).

Runs inside a router namespace whose kernel Time Exceeded messages are
suppressed (nft output hook).  Watches the IPv4 frames arriving on IFACE
(AF_PACKET, frames addressed to this host only) and answers every UDP
datagram that arrives with TTL <= 1 and is not addressed to this router with
an ICMP Time Exceeded (type 11, code 0) from SRC whose quote is exactly the
datagram's IP header as received plus the first 8 bytes of its payload (the
UDP header).  The reply is an Ethernet frame sent with AF_PACKET to the MAC
address the datagram came from, so no netfilter hook sees it.

Output (line-buffered, on stdout):
    ready IFACE SRC                  once the socket is bound (readiness)
    answered N SRC DST ID SPORT DPORT  per reply: the quoted datagram's
                                     addresses, IP ID and UDP ports
    total N                          on SIGTERM / SIGINT, then exit 0
--ready-file PATH is also created once ready and --count-file PATH holds
the number of replies sent so far (rewritten after each one).
Python 3 standard library only.
"""

import argparse
import os
import signal
import socket
import struct
import sys

ETH_P_IP = 0x0800
PACKET_HOST = 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Stop(Exception):
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True, help="interface to watch and answer on")
    ap.add_argument("--src", required=True, help="source address of the Time Exceeded")
    ap.add_argument("--local", action="append", default=[],
                    help="an address of this router (datagrams to it are not answered); repeatable")
    ap.add_argument("--ready-file")
    ap.add_argument("--count-file")
    ap.add_argument("--ttl", type=int, default=64, help="TTL of the replies")
    a = ap.parse_args()

    src = socket.inet_aton(a.src)
    local = {socket.inet_aton(x) for x in a.local} | {src}

    def stop(_sig, _frm):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((a.iface, ETH_P_IP))
    count = 0
    ident = os.getpid() & 0xFFFF

    def write_count():
        if a.count_file:
            tmp = a.count_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % count)
            os.replace(tmp, a.count_file)

    write_count()
    print("ready %s %s" % (a.iface, a.src), flush=True)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    try:
        while True:
            frame, addr = s.recvfrom(65535)
            # addr: (ifname, proto, pkttype, hatype, hwaddr)
            if addr[2] != PACKET_HOST or len(frame) < 14 + 20:
                continue
            dmac, smac = frame[0:6], frame[6:12]
            if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
                continue
            ip = frame[14:]
            ver_ihl = ip[0]
            ihl = (ver_ihl & 0x0F) * 4
            if ver_ihl >> 4 != 4 or ihl < 20 or len(ip) < ihl + 8:
                continue
            tot_len, ip_id, frag = struct.unpack("!HHH", ip[2:8])
            ttl, proto = ip[8], ip[9]
            saddr, daddr = ip[12:16], ip[16:20]
            if proto != 17 or ttl > 1 or daddr in local or (frag & 0x1FFF):
                continue
            quote = ip[:ihl + 8]            # the IP header as received + 8 bytes
            icmp = struct.pack("!BBHI", 11, 0, 0, 0) + quote
            icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
            ident = (ident + 1) & 0xFFFF
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(icmp), ident, 0,
                              a.ttl, 1, 0, src, saddr)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            s.send(smac + dmac + struct.pack("!H", ETH_P_IP) + hdr + icmp)
            count += 1
            write_count()
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            print("answered %d %s %s %d %d %d" % (count, socket.inet_ntoa(saddr),
                                                 socket.inet_ntoa(daddr), ip_id, sport, dport),
                  flush=True)
    except Stop:
        pass
    write_count()
    print("total %d" % count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
