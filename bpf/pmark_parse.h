/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet parser shared by the tc program and userspace (unit tests, fuzzing):
 * finds (vtag, TSN of the first DATA/I-DATA chunk) in an Ethernet or bare IP
 * frame carrying SCTP over UDP, or, for a protected peer (SCTP inside DTLS),
 * (tag, record id) from the first DTLS record header.  Pure function of the
 * bytes and of the includer's two lookups, no other helpers, so the same
 * code is fuzzed in userspace and verified in the kernel.
 *
 * The includer defines PMARK_PORT_REGISTERED(port) (host-order source port),
 * and may define PMARK_PORT_DTLS(port) (the port has protected peers) and
 * PMARK_DTLS_PEER(key, tag) (1 and *tag set when the struct pmark_dtls_key
 * names a protected peer); without them no datagram is read as DTLS.
 */
#ifndef PMARK_PARSE_H
#define PMARK_PARSE_H

#ifndef __VMLINUX_H__
#include <stdbool.h>
#include <linux/types.h>
#endif
#include "pmark_abi.h"

#define PMARK_ETH_P_IP     0x0800
#define PMARK_ETH_P_IPV6   0x86DD
#define PMARK_ETH_P_8021Q  0x8100
#define PMARK_ETH_P_8021AD 0x88A8
#define PMARK_IPPROTO_UDP  17
#define PMARK_SCTP_DATA    0
#define PMARK_SCTP_IDATA   64

#define PMARK_MAX_VLANS     2
#define PMARK_MAX_EXTHDRS   6
#define PMARK_MAX_CHUNKS    16
#define PMARK_MAX_WALK_OFF  2048  /* bytes from frame start the chunk walk may reach */
#define PMARK_MAX_L3_OFF    (14 + 4 * PMARK_MAX_VLANS)

#ifndef PMARK_PORT_DTLS
#define PMARK_PORT_DTLS(port) 0
#endif
#ifndef PMARK_DTLS_PEER
#define PMARK_DTLS_PEER(key, tag) 0
#endif

#define PMARK_DTLS_V12 0xfefd
#define PMARK_DTLS_V10 0xfeff

/* Verdicts beyond the counter numbers. */
#define PMARK_NEED_PULL      (PMARK_CNT_MAX + 1)
#define PMARK_LATER_FRAGMENT (PMARK_CNT_MAX + 2)
#define PMARK_L4_NEXT        (PMARK_CNT_MAX + 4)   /* pmark_parse_l3: the UDP header is next */

struct pmark_pkt {
	struct pmark_frag_key frag;  /* family always set; the rest for fragments */
	__u32 vtag;                  /* DTLS: the peer's tag */
	__u32 tsn;                   /* DTLS: the record sequence number's low 32 bits */
	__u16 epoch;                 /* DTLS: the record's epoch; 0 for SCTP */
	__u16 l3_off;
	bool has_data;               /* DTLS: the first record is application data */
	bool dtls;                   /* a protected peer's record header was read */
	bool dtls_no_peer;           /* DTLS port, peer not protected: parsed as SCTP */
	bool fragment;               /* any IP fragment */
	bool first_fragment;         /* offset 0, more fragments follow */
	bool last_fragment;          /* offset > 0, no more fragments follow */
};

#ifdef __bpf__
#define pmark_ld16(p) (*(const __u16 *)(p))
#define pmark_ld32(p) (*(const __u32 *)(p))
/*
 * Hide a value from the verifier's constant tracking.  After 0, 1 or 2
 * VLAN tags the L3 offset is 14, 18 or 22, and the verifier would walk all
 * the rest of the program once for each; as a bounded unknown, once.
 */
#define pmark_opaque(x) asm volatile("" : "+r"(x))
#else
#define pmark_opaque(x) ((void)0)
static inline __u16 pmark_ld16(const void *p) { __u16 v; __builtin_memcpy(&v, p, 2); return v; }
static inline __u32 pmark_ld32(const void *p) { __u32 v; __builtin_memcpy(&v, p, 4); return v; }
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define pmark_be16(p) __builtin_bswap16(pmark_ld16(p))
#define pmark_be32(p) __builtin_bswap32(pmark_ld32(p))
#else
#define pmark_be16(p) pmark_ld16(p)
#define pmark_be32(p) pmark_ld32(p)
#endif

/*
 * Bounds check against the linear data.  Running out of linear bytes while
 * the skb is longer means "pull and retry"; otherwise the packet really ends
 * inside a header it announced.
 */
#define PMARK_NEED(p, n)                                                   \
	do {                                                               \
		if ((const __u8 *)(p) + (n) > (const __u8 *)data_end)      \
			return (__u32)((const __u8 *)data_end -            \
				       (const __u8 *)data) < pkt_len ?     \
				       PMARK_NEED_PULL : PMARK_CNT_TRUNCATED; \
	} while (0)

/* A DTLS record header (RFC 6347 4.1) as both parsers read it. */
struct pmark_dtls_hdr {
	__u8 type;
	__u16 epoch;
	__u64 seq;                   /* 48 bits */
	__u16 len;
};

/* 13 readable bytes at h; false for a version other than DTLS 1.2 or 1.0. */
static __always_inline bool pmark_dtls_hdr_read(const __u8 *h, struct pmark_dtls_hdr *d)
{
	__u16 ver = pmark_be16(h + 1);

	d->type = h[0];
	d->epoch = pmark_be16(h + 3);
	d->seq = (__u64)pmark_be16(h + 5) << 32 | pmark_be32(h + 7);
	d->len = pmark_be16(h + 11);
	return ver == PMARK_DTLS_V12 || ver == PMARK_DTLS_V10;
}

/* Returned by pmark_parse_dtls when the peer is not protected: go on as SCTP. */
#define PMARK_DTLS_NOT_PEER (-1)

/*
 * A datagram from a port with protected peers, UDP header at l4 (read
 * already): if "dtls" names its peer, the first DTLS record header decides.
 * Only the record id is read (the payload is ciphertext), and only records
 * of type application data carry a message: the rest are left unmarked.
 */
static __always_inline int pmark_parse_dtls(const void *data, const void *data_end, __u32 pkt_len,
					    __u32 l3, __u32 l4, __u32 ip_end, struct pmark_pkt *pkt)
{
	const __u8 *p = data, *ip, *h;
	struct pmark_dtls_key key = {};
	struct pmark_dtls_hdr d;
	__u32 udp_len, tag = 0;

	/* Checked again on the register used here: the verifier sees it. */
	pmark_opaque(l3);
	if (l3 > PMARK_MAX_L3_OFF)
		return PMARK_CNT_MALFORMED;     /* never */
	ip = p + l3;
	if (pkt->frag.family == 4) {
		PMARK_NEED(ip, 20);
		key.daddr[0] = pmark_ld32(ip + 16);
	} else {
		PMARK_NEED(ip, 40);
		__builtin_memcpy(key.daddr, ip + 24, 16);
	}
	key.family = pkt->frag.family;
	key.sport = pmark_be16(p + l4);
	key.dport = pmark_be16(p + l4 + 2);
	if (!PMARK_DTLS_PEER(&key, &tag))
		return PMARK_DTLS_NOT_PEER;

	udp_len = pmark_be16(p + l4 + 4);
	if (udp_len < 8 + PMARK_DTLS_HDR_LEN || l4 + 8 + PMARK_DTLS_HDR_LEN > ip_end)
		return PMARK_CNT_MALFORMED;
	if (!pkt->first_fragment && l4 + udp_len > ip_end)
		return PMARK_CNT_MALFORMED;
	h = p + l4 + 8;
	PMARK_NEED(h, PMARK_DTLS_HDR_LEN);
	/* The first record must be a DTLS record and fit in the datagram. */
	if (!pmark_dtls_hdr_read(h, &d) || (__u32)d.len + PMARK_DTLS_HDR_LEN > udp_len - 8)
		return PMARK_CNT_MALFORMED;
	pkt->dtls = true;
	if (d.type != PMARK_DTLS_CT_APPDATA)
		return PMARK_CNT_PARSED;        /* handshake, alert, change cipher spec */
	pkt->vtag = tag;
	pkt->tsn = (__u32)d.seq;
	pkt->epoch = d.epoch;
	pkt->has_data = true;
	return PMARK_CNT_PARSED;
}

/*
 * The parser in two halves, so that the program can verify the second one
 * once, as a function of its own, however many ways the first one reaches
 * it (VLAN tags, IP versions, extension headers): pmark_parse_l3 reads up
 * to the UDP header of a registered port and returns PMARK_L4_NEXT with its
 * offset (and where the IP datagram ends), pmark_parse_l4 reads from there.
 * pmark_parse is both.  The caller zeroes *pkt: the parser only ever sets
 * its fields.
 */
static __always_inline int pmark_parse_l3(const void *data, const void *data_end, __u32 pkt_len,
					  bool l2, struct pmark_pkt *pkt, __u32 *l4_out,
					  __u32 *ip_end_out)
{
	const __u8 *p = data;
	__u32 l3, l4, ip_end;
	__u16 proto;
	__u8 nh;
	int i;

	if (l2) {
		PMARK_NEED(p, 14);
		proto = pmark_be16(p + 12);
		l3 = 14;
		for (i = 0; i < PMARK_MAX_VLANS; i++) {
			if (proto != PMARK_ETH_P_8021Q && proto != PMARK_ETH_P_8021AD)
				break;
			PMARK_NEED(p + l3, 4);
			proto = pmark_be16(p + l3 + 2);
			l3 += 4;
		}
		pmark_opaque(l3);
		if (l3 > PMARK_MAX_L3_OFF)
			return PMARK_CNT_NOT_OURS;      /* never: gives the verifier its bound back */
	} else {
		PMARK_NEED(p, 1);
		proto = (p[0] >> 4) == 6 ? PMARK_ETH_P_IPV6 : PMARK_ETH_P_IP;
		l3 = 0;
	}
	pkt->l3_off = l3;

	if (proto == PMARK_ETH_P_IP) {
		const __u8 *ip = p + l3;
		__u32 ihl, tot_len;
		__u16 frag;

		PMARK_NEED(ip, 20);
		if ((ip[0] >> 4) != 4)
			return PMARK_CNT_MALFORMED;
		pkt->frag.family = 4;
		if (ip[9] != PMARK_IPPROTO_UDP)
			return PMARK_CNT_NOT_OURS;
		ihl = (ip[0] & 0x0f) * 4;
		tot_len = pmark_be16(ip + 2);
		if (ihl < 20 || tot_len < ihl)
			return PMARK_CNT_MALFORMED;
		frag = pmark_be16(ip + 6);
		if (frag & 0x3fff) {        /* MF or a fragment offset */
			pkt->fragment = true;
			pkt->frag.saddr[0] = pmark_ld32(ip + 12);
			pkt->frag.daddr[0] = pmark_ld32(ip + 16);
			pkt->frag.id = pmark_ld16(ip + 4);
			pkt->frag.proto = PMARK_IPPROTO_UDP;
			if (frag & 0x1fff) {
				pkt->last_fragment = !(frag & 0x2000);
				return PMARK_LATER_FRAGMENT;
			}
			pkt->first_fragment = true;
		}
		PMARK_NEED(ip, ihl);
		l4 = l3 + ihl;
		ip_end = l3 + tot_len;
	} else if (proto == PMARK_ETH_P_IPV6) {
		const __u8 *ip = p + l3;

		PMARK_NEED(ip, 40);
		if ((ip[0] >> 4) != 6)
			return PMARK_CNT_MALFORMED;
		pkt->frag.family = 6;
		nh = ip[6];
		l4 = l3 + 40;
		/* A zero payload length is a jumbogram: trust the UDP length. */
		ip_end = pmark_be16(ip + 4) ? l4 + pmark_be16(ip + 4) : 0xffffffff;
		for (i = 0; i < PMARK_MAX_EXTHDRS; i++) {
			const __u8 *x;

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				break;
			if (l4 > PMARK_MAX_WALK_OFF)
				return PMARK_CNT_WALK_LIMIT;
			x = p + l4;
			if (nh == 44) {
				__u16 fo;

				PMARK_NEED(x, 8);
				fo = pmark_be16(x + 2);
				nh = x[0];
				l4 += 8;
				if (!(fo & 0xfff9))    /* atomic fragment: a whole datagram */
					continue;
				pkt->fragment = true;
				__builtin_memcpy(pkt->frag.saddr, ip + 8, 16);
				__builtin_memcpy(pkt->frag.daddr, ip + 24, 16);
				pkt->frag.id = pmark_ld32(x + 4);
				pkt->frag.proto = PMARK_IPPROTO_UDP;
				if (fo & 0xfff8) {
					/* An earlier header may have said "first": this one decides. */
					pkt->first_fragment = false;
					pkt->last_fragment = !(fo & 1);
					return nh == PMARK_IPPROTO_UDP ? PMARK_LATER_FRAGMENT
								       : PMARK_CNT_NOT_OURS;
				}
				pkt->first_fragment = true;
				continue;
			}
			PMARK_NEED(x, 2);
			nh = x[0];
			l4 += (x[1] + 1) * 8;
		}
		if (nh == 0 || nh == 43 || nh == 60 || nh == 44)
			return PMARK_CNT_WALK_LIMIT;   /* more extension headers than walked */
		if (nh != PMARK_IPPROTO_UDP)
			return PMARK_CNT_NOT_OURS;
	} else {
		return PMARK_CNT_NOT_OURS;
	}

	if (l4 > PMARK_MAX_WALK_OFF)
		return PMARK_CNT_WALK_LIMIT;
	/* Here, not in the second half: other UDP traffic leaves at its cheapest. */
	PMARK_NEED(p + l4, 8);
	if (!PMARK_PORT_REGISTERED(pmark_be16(p + l4)))
		return PMARK_CNT_NOT_OURS;
	*l4_out = l4;
	*ip_end_out = ip_end;
	return PMARK_L4_NEXT;
}

/*
 * From the UDP header at l4 on (its port registered); pkt->l3_off, family
 * and fragment flags as pmark_parse_l3 set them.
 */
static __always_inline int pmark_parse_l4(const void *data, const void *data_end, __u32 pkt_len,
					  __u32 l4, __u32 ip_end, struct pmark_pkt *pkt)
{
	const __u8 *p = data;
	__u32 l3 = pkt->l3_off, udp_len, off, end;
	int i;

	/* Never, after pmark_parse_l3: bounds for a verifier that sees this half alone. */
	if (l3 > PMARK_MAX_L3_OFF || l4 > PMARK_MAX_WALK_OFF)
		return PMARK_CNT_WALK_LIMIT;
	PMARK_NEED(p + l4, 8);
	if (PMARK_PORT_DTLS(pmark_be16(p + l4))) {
		int v = pmark_parse_dtls(data, data_end, pkt_len, l3, l4, ip_end, pkt);

		if (v != PMARK_DTLS_NOT_PEER)
			return v;
		pkt->dtls_no_peer = true;   /* a plain peer of the same socket */
	}
	udp_len = pmark_be16(p + l4 + 4);
	if (udp_len < 8 + 12 || l4 + 8 + 12 > ip_end)
		return PMARK_CNT_MALFORMED;
	/* A first fragment carries only part of what the UDP length announces. */
	if (!pkt->first_fragment && l4 + udp_len > ip_end)
		return PMARK_CNT_MALFORMED;
	PMARK_NEED(p + l4 + 8, 12);
	pkt->vtag = pmark_be32(p + l4 + 12);

	end = l4 + udp_len;
	off = l4 + 8 + 12;
	for (i = 0; i < PMARK_MAX_CHUNKS; i++) {
		const __u8 *c;
		__u16 clen;
		__u8 type;

		if (off >= end)
			return PMARK_CNT_PARSED;   /* control chunks only */
		if (off > PMARK_MAX_WALK_OFF)
			return PMARK_CNT_WALK_LIMIT;
		if (off + 4 > end)
			return PMARK_CNT_MALFORMED;
		c = p + off;
		PMARK_NEED(c, 4);
		type = c[0];
		clen = pmark_be16(c + 2);
		if (clen < 4 || off + clen > end)
			return PMARK_CNT_MALFORMED;
		if (type == PMARK_SCTP_DATA || type == PMARK_SCTP_IDATA) {
			if (clen < (type == PMARK_SCTP_DATA ? 16 : 20))
				return PMARK_CNT_MALFORMED;
			PMARK_NEED(c, 8);
			pkt->tsn = pmark_be32(c + 4);
			pkt->has_data = true;
			/*
			 * Leave by the loop's one exit, not from inside it: the
			 * walk's offsets then die here, and the verifier meets
			 * the record lookup with one state, not one per chunk.
			 */
			break;
		}
		off += (clen + 3) & ~3U;
	}
	if (pkt->has_data)
		return PMARK_CNT_PARSED;
	return off >= end ? PMARK_CNT_PARSED : PMARK_CNT_WALK_LIMIT;
}

static __always_inline int pmark_parse(const void *data, const void *data_end, __u32 pkt_len,
				       bool l2, struct pmark_pkt *pkt)
{
	__u32 l4 = 0, ip_end = 0;
	int v = pmark_parse_l3(data, data_end, pkt_len, l2, pkt, &l4, &ip_end);

	if (v != PMARK_L4_NEXT)
		return v;
	return pmark_parse_l4(data, data_end, pkt_len, l4, ip_end, pkt);
}

#endif /* PMARK_PARSE_H */
