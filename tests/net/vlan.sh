#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# VLAN tags.  pmarkctl attached to vs0.
#
# A. Tagged frames written to vs0 with an AF_PACKET socket, so the tags are
#    in the frame itself when tc egress sees it (works without the 8021q
#    module): 802.1Q tag 100 over IPv4 (TSN 720) and IPv6 (721), 802.1ad
#    tag 300 + 802.1Q tag 100 (QinQ) over IPv4 (722) and IPv6 (723), and an
#    untagged frame (724).  All five are marked (TTL/hop limit 5 + TSN mod
#    10).  R cannot forward the tagged ones; the capture on vr0 sees them.
#
# B. VLAN devices (skipped when the kernel has no 802.1Q support):
#      S vs0.100      10.71.3.1/24 fd71:3::1/64 --- R vr0.100      .254
#      S vs0.100.200  10.71.4.1/24 fd71:4::1/64 --- R vr0.100.200  .254
#    D gets the addresses .3 and .4 (fd71:2::3, ::4), which S routes through
#    VLAN 100 and through the stacked VLANs 100+200.
#    1. attached to the parent vs0: the kernel hands the outer tag down as
#       skb metadata and leaves a stacked inner tag in the frame: TSNs
#       701/711 (VLAN 100) and 702/712 (VLANs 100+200) marked;
#    2. detached from vs0, attached to vs0.100 (untagged frames there):
#       TSNs 700/710 marked.
# Captured in R on vr0, where the frames carry their tags.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5600
VTAG=0x7a9700aa
V100=vs0.100
V200=vs0.100.200

require_wire
probe=pmvlanprobe-$$
ip netns add "$probe" || skip_all "cannot create network namespaces"
ip -n "$probe" link add p0 type veth peer name p1 &&
	ip -n "$probe" link add link p0 name p0.100 type vlan id 100 2>/dev/null
have_vlan=$?
ip netns del "$probe"
NO_VLAN="no 802.1Q VLAN devices in this kernel (CONFIG_VLAN_8021Q)"

tap_plan 16

vlan_setup()
{
	local n sdev rdev
	ip -n "$NS_S" link add link "$S_IF" name "$V100" type vlan id 100 &&
	ip -n "$NS_S" link add link "$V100" name "$V200" type vlan id 200 &&
	ip -n "$NS_R" link add link "$R_IF_S" name vr0.100 type vlan id 100 &&
	ip -n "$NS_R" link add link vr0.100 name vr0.100.200 type vlan id 200 || return 1
	for n in 3 4; do
		sdev=$V100 rdev=vr0.100
		[ $n = 4 ] && sdev=$V200 rdev=vr0.100.200
		ip -n "$NS_S" addr add "10.71.$n.1/24" dev "$sdev" &&
		ip -n "$NS_S" addr add "fd71:$n::1/64" dev "$sdev" nodad &&
		ip -n "$NS_R" addr add "10.71.$n.254/24" dev "$rdev" &&
		ip -n "$NS_R" addr add "fd71:$n::254/64" dev "$rdev" nodad &&
		ip -n "$NS_S" link set "$sdev" up &&
		ip -n "$NS_R" link set "$rdev" up &&
		ip -n "$NS_S" neigh add "10.71.$n.254" lladdr "$R_MAC_S" dev "$sdev" nud permanent &&
		ip -n "$NS_S" neigh add "fd71:$n::254" lladdr "$R_MAC_S" dev "$sdev" nud permanent &&
		ip -n "$NS_R" neigh add "10.71.$n.1" lladdr "$S_MAC" dev "$rdev" nud permanent &&
		ip -n "$NS_R" neigh add "fd71:$n::1" lladdr "$S_MAC" dev "$rdev" nud permanent &&
		ip -n "$NS_D" addr add "10.71.2.$n/24" dev "$D_IF" &&
		ip -n "$NS_D" addr add "fd71:2::$n/64" dev "$D_IF" nodad &&
		ip -n "$NS_R" neigh add "10.71.2.$n" lladdr "$D_MAC" dev "$R_IF_D" nud permanent &&
		ip -n "$NS_R" neigh add "fd71:2::$n" lladdr "$D_MAC" dev "$R_IF_D" nud permanent &&
		ip -n "$NS_S" route add "10.71.2.$n/32" via "10.71.$n.254" dev "$sdev" &&
		ip -n "$NS_S" -6 route add "fd71:2::$n/128" via "fd71:$n::254" dev "$sdev" || return 1
	done
}

# raw_send FRAME...: each FRAME is "TAGS/FAMILY/TSN", TAGS a comma list of
# TPID:VID (outer first, may be empty), FAMILY 4 or 6.  Builds Ethernet,
# tags, IP, UDP (checksummed) and SCTP with one DATA chunk (CRC32c) and
# writes it to vs0 with an AF_PACKET socket.
raw_send()
{
	in_ns "$NS_S" python3 - "$S_IF" "$S_MAC" "$R_MAC_S" "$S_ADDR4" "$D_ADDR4" "$S_ADDR6" \
		"$D_ADDR6" "$PORT" "$VTAG" "$@" <<'PY'
import socket, struct, sys

ifname, smac, dmac, s4, d4, s6, d6, port, vtag = sys.argv[1:10]
port, vtag = int(port), int(vtag, 0)

table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    table.append(c)

def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = table[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def sctp(tsn):
    data = b"vlan-test-data!!"
    pkt = struct.pack("!HHII", port, port, vtag, 0) + \
        struct.pack("!BBHIHHI", 0, 3, 16 + len(data), tsn, 0, 0, 53) + data
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]

def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
for n, frame in enumerate(sys.argv[10:]):
    tags, fam, tsn = frame.split("/")
    payload = sctp(int(tsn))
    ulen = 8 + len(payload)
    if fam == "4":
        src, dst = socket.inet_pton(socket.AF_INET, s4), socket.inet_pton(socket.AF_INET, d4)
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    else:
        src, dst = socket.inet_pton(socket.AF_INET6, s6), socket.inet_pton(socket.AF_INET6, d6)
        pseudo = src + dst + struct.pack("!I3xB", ulen, 17)
    udp = struct.pack("!HHHH", port, port, ulen, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    if fam == "4":
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0x7100 + n, 0x4000, 64, 17, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        etype = 0x0800
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, ulen, 17, 64, src, dst)
        etype = 0x86DD
    eth = mac(dmac) + mac(smac)
    for t in filter(None, tags.split(",")):
        tpid, vid = t.split(":")
        eth += struct.pack("!HH", int(tpid, 16), int(vid))
    s.send(eth + struct.pack("!H", etype) + ip + udp)
PY
}

SCTP_PORTS=("$PORT")
# What S sent (D answers with port unreachables that quote SCTP too).
OUT="sctp and not icmp and not icmpv6"
snd4() { send_s --src-port "$PORT" --dst-port "$PORT" --vtag "$VTAG" --dst "$@"; }
snd6() { send_s -6 --src-port "$PORT" --dst-port "$PORT" --vtag "$VTAG" --dst "$@"; }
records()
{
	local t
	for t in 700 701 702 710 711 712 720 721 722 723 724; do
		pmctl set --vtag "$VTAG" --tsn "$t" --ttl $((t % 10 + 5)) || return 1
	done
}

topo_setup || { tap_fail "topology"; exit; }
if [ $have_vlan = 0 ]; then
	vlan_setup || { tap_fail "VLAN devices"; exit; }
fi
check "attach to $S_IF in S" pmctl_ns "$NS_S" attach "$S_IF"
check "register UDP port $PORT" pmctl ports add "$PORT"
check "write the records (TTL 5 + TSN mod 10)" records

# ---- A. tags in the frame
stats_save
cap_start raw "$NS_R" "$R_IF_S" "" || tap_fail "capture in R"
raw_send "8100:100/4/720" "8100:100/6/721" "88a8:300,8100:100/4/722" "88a8:300,8100:100/6/723" \
	"/4/724"
check "raw tagged frames sent" test $? = 0
cap_stop raw 5
rows=$(pkt_fields "${CAP_FILE[raw]}" "$OUT" sctp.data_tsn_raw ieee8021ad.id vlan.id ip.ttl \
	ipv6.hlim sctp.checksum.status udp.checksum.status)
diag "captured (tsn,802.1ad id,802.1Q id,ttl,hlim,sctp csum,udp csum):" "$rows"
is "$(row_for "$rows" 720)" "720,,100,5,,1,1" "802.1Q tag in the frame, IPv4: TSN 720 marked"
is "$(row_for "$rows" 721)" "721,,100,,6,1,1" "802.1Q tag in the frame, IPv6: TSN 721 marked"
is "$(row_for "$rows" 722)" "722,300,100,7,,1,1" "802.1ad + 802.1Q tags in the frame, IPv4: TSN 722 marked"
is "$(row_for "$rows" 723)" "723,300,100,,8,1,1" "802.1ad + 802.1Q tags in the frame, IPv6: TSN 723 marked"
is "$(row_for "$rows" 724)" "724,,,9,,1,1" "untagged raw frame, IPv4: TSN 724 marked"
is "$(stat_delta marked)" 5 "stats: marked 5"

# ---- B. VLAN devices
if [ $have_vlan != 0 ]; then
	for d in "VLAN 100 via the parent" "VLANs 100+200 via the parent" "detach from $S_IF" \
		"attach to $V100" "VLAN device: TSNs 700/710" "sender ran without error"; do
		tap_skip "$d" "$NO_VLAN"
	done
	exit
fi
stats_save
cap_start dev1 "$NS_R" "$R_IF_S" "" || tap_fail "capture in R"
snd4 10.71.2.3 --tsn 701
snd6 fd71:2::3 --tsn 711
snd4 10.71.2.4 --tsn 702
snd6 fd71:2::4 --tsn 712
cap_stop dev1 4
rows=$(pkt_fields "${CAP_FILE[dev1]}" "$OUT" sctp.data_tsn_raw vlan.id ip.ttl ipv6.hlim)
diag "captured (tsn,vlan ids,ttl,hlim):" "$rows"
is "$(row_for "$rows" 701)|$(row_for "$rows" 711)" "701,100,6,|711,100,,6" \
	"attached to $S_IF: VLAN 100 datagrams (IPv4 TSN 701, IPv6 711) marked"
is "$(row_for "$rows" 702)|$(row_for "$rows" 712)" "702,100|200,7,|712,100|200,,7" \
	"attached to $S_IF: stacked VLANs 100+200 (IPv4 TSN 702, IPv6 712) marked"

check "detach from $S_IF" pmctl_ns "$NS_S" detach "$S_IF"
check "attach to $V100 in S" pmctl_ns "$NS_S" attach "$V100"
cap_start dev2 "$NS_R" "$R_IF_S" "" || tap_fail "capture in R"
snd4 10.71.2.3 --tsn 700
snd6 fd71:2::3 --tsn 710
cap_stop dev2 2
rows=$(pkt_fields "${CAP_FILE[dev2]}" "$OUT" sctp.data_tsn_raw vlan.id ip.ttl ipv6.hlim |
	tr '\n' ' ')
is "$rows" "700,100,5, 710,100,,5 " "attached to $V100: IPv4 TSN 700 and IPv6 TSN 710 marked"
is "$SEND_ERRORS" 0 "sender ran without error"
