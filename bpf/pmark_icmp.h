/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ICMP / ICMPv6 error parser shared by the tc ingress program and userspace
 * (fuzzing): does a packet arriving at this host carry an error that quotes
 * a UDP datagram sent from a registered port, and what does the quote show?
 * Pure function of the bytes, no helpers, bounded loops, like pmark_parse.h.
 *
 * The includer defines PMARK_PORT_REGISTERED(port) (host-order source port)
 * and, for protected peers, PMARK_PORT_DTLS and PMARK_DTLS_PEER (pmark_parse.h).
 *
 * Verdicts: PMARK_ICMP_IGNORE (not an ICMP error: the program counts
 * nothing), PMARK_NEED_PULL, or one of the counters PMARK_CNT_ICMP_QUOTED
 * (*out filled, key included), PMARK_CNT_ICMP_NOT_OURS,
 * PMARK_CNT_ICMP_MALFORMED.
 */
#ifndef PMARK_ICMP_H
#define PMARK_ICMP_H

#include "pmark_parse.h"

#define PMARK_IPPROTO_ICMP   1
#define PMARK_IPPROTO_ICMPV6 58

#define PMARK_ICMP_IGNORE (PMARK_CNT_MAX + 3)

/* What the parser found; the program adds the arrival time and stores q under key. */
struct pmark_icmp {
	struct pmark_quote_key key;
	struct pmark_quote q;       /* all but ktime_ns */
	__u16 udp_off;              /* the quoted UDP header, from the frame's first byte */
};

/* As PMARK_NEED, but running out of the packet gives `short_verdict`. */
#define PMARK_ICMP_NEED(p, n, short_verdict)                               \
	do {                                                               \
		if ((const __u8 *)(p) + (n) > (const __u8 *)data_end)      \
			return (__u32)((const __u8 *)data_end -            \
				       (const __u8 *)data) < pkt_len ?     \
				       PMARK_NEED_PULL : (short_verdict);  \
	} while (0)

static __always_inline bool pmark_icmp_is_error(__u8 family, __u8 type)
{
	if (family == 4)
		return type == 3 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/*
 * RFC 4884: the length of the "original datagram" field in bytes, or 0 when
 * the error has no length attribute (or leaves it 0: no extensions).  ICMP
 * keeps it in byte 5, in 32-bit words, for all three error types; ICMPv6 in
 * byte 4, in 64-bit words, for Destination Unreachable and Time Exceeded
 * only (Packet Too Big and Parameter Problem hold the MTU and the pointer
 * there).
 */
static __always_inline __u32 pmark_icmp_orig_len(__u8 family, const __u8 *icmp)
{
	if (family == 4)
		return icmp[5] * 4U;
	if (icmp[0] == 1 || icmp[0] == 3)
		return icmp[4] * 8U;
	return 0;
}

/*
 * The quote of a datagram to a protected peer (the quoted UDP header at l4,
 * its source port one with protected peers): its SCTP is ciphertext, so
 * only the first DTLS record header is read, when the quote holds it.  IPv4
 * entries stay keyed by the quoted IP ID; IPv6 ones by the record id, under
 * kind PMARK_QUOTE_DTLS.  PMARK_DTLS_NOT_PEER: a plain peer, read as SCTP.
 */
static __always_inline int pmark_icmp_dtls(const void *data, const void *data_end, __u32 pkt_len,
					   __u32 l4, __u32 qlen, struct pmark_icmp *out)
{
	struct pmark_quote *qt = &out->q;
	struct pmark_dtls_key key = {};
	struct pmark_dtls_hdr d = {};
	const __u8 *p = data;
	__u32 tag = 0;

	__builtin_memcpy(key.daddr, qt->qdaddr, 16);
	key.sport = out->key.sport;
	key.dport = qt->qdport;
	key.family = qt->family;
	if (!PMARK_DTLS_PEER(&key, &tag))
		return PMARK_DTLS_NOT_PEER;
	if (qlen >= 8 + PMARK_DTLS_HDR_LEN) {
		PMARK_ICMP_NEED(p + l4 + 8, PMARK_DTLS_HDR_LEN, PMARK_CNT_ICMP_MALFORMED);
		if (pmark_dtls_hdr_read(p + l4 + 8, &d)) {
			qt->has_dtls = 1;
			qt->qrecord_id = PMARK_RECORD_ID(d.epoch, d.seq);
		}
	}
	if (qt->family == 4) {
		out->key.ident = qt->qid;
		return PMARK_CNT_ICMP_QUOTED;
	}
	/* RFC 4443 quotes up to 1280 bytes: no record header is a broken quote. */
	if (!qt->has_dtls)
		return PMARK_CNT_ICMP_MALFORMED;
	out->key.kind = PMARK_QUOTE_DTLS;
	out->key.ident = (__u32)d.seq;
	out->key.vtag = (__u32)d.epoch << 16 | (__u32)(d.seq >> 32);
	return PMARK_CNT_ICMP_QUOTED;
}

static __always_inline int pmark_icmp_parse(const void *data, const void *data_end, __u32 pkt_len,
					    bool l2, struct pmark_icmp *out)
{
	struct pmark_quote *qt = &out->q;
	const __u8 *p = data, *icmp, *qip;
	__u32 l3, ic, err_end, q, orig_end, qend, l4, len, qlen;
	__u16 proto;
	__u8 family, nh, ctype = 0;
	int i;

	__builtin_memset(out, 0, sizeof(*out));

	/* ---- outer headers: anything that is not plainly ICMP is ignored */
	if (l2) {
		PMARK_ICMP_NEED(p, 14, PMARK_ICMP_IGNORE);
		proto = pmark_be16(p + 12);
		l3 = 14;
		for (i = 0; i < PMARK_MAX_VLANS; i++) {
			if (proto != PMARK_ETH_P_8021Q && proto != PMARK_ETH_P_8021AD)
				break;
			PMARK_ICMP_NEED(p + l3, 4, PMARK_ICMP_IGNORE);
			proto = pmark_be16(p + l3 + 2);
			l3 += 4;
		}
	} else {
		PMARK_ICMP_NEED(p, 1, PMARK_ICMP_IGNORE);
		proto = (p[0] >> 4) == 6 ? PMARK_ETH_P_IPV6 : PMARK_ETH_P_IP;
		l3 = 0;
	}

	if (proto == PMARK_ETH_P_IP) {
		const __u8 *ip = p + l3;

		PMARK_ICMP_NEED(ip, 20, PMARK_ICMP_IGNORE);
		if ((ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5 || ip[9] != PMARK_IPPROTO_ICMP)
			return PMARK_ICMP_IGNORE;
		/*
		 * A fragment of an error (one over 576 bytes: rare) is left to the
		 * kernel's reassembly: a later fragment has no ICMP header to read.
		 */
		if (pmark_be16(ip + 6) & 0x3fff)
			return PMARK_ICMP_IGNORE;
		family = 4;
		ic = l3 + (ip[0] & 0x0f) * 4;
		err_end = l3 + pmark_be16(ip + 2);
		qt->offender[0] = pmark_ld32(ip + 12);
	} else if (proto == PMARK_ETH_P_IPV6) {
		const __u8 *ip = p + l3;

		PMARK_ICMP_NEED(ip, 40, PMARK_ICMP_IGNORE);
		if ((ip[0] >> 4) != 6)
			return PMARK_ICMP_IGNORE;
		family = 6;
		nh = ip[6];
		ic = l3 + 40;
		err_end = ic + pmark_be16(ip + 4);
		/* Hop-by-hop, routing, destination options; a fragment header ends the walk. */
		for (i = 0; i < PMARK_MAX_EXTHDRS; i++) {
			const __u8 *x;

			if (nh != 0 && nh != 43 && nh != 60)
				break;
			if (ic > PMARK_MAX_WALK_OFF)
				return PMARK_ICMP_IGNORE;
			x = p + ic;
			PMARK_ICMP_NEED(x, 2, PMARK_ICMP_IGNORE);
			nh = x[0];
			ic += (x[1] + 1) * 8;
		}
		if (nh != PMARK_IPPROTO_ICMPV6)
			return PMARK_ICMP_IGNORE;
		__builtin_memcpy(qt->offender, ip + 8, 16);
	} else {
		return PMARK_ICMP_IGNORE;
	}
	if (ic > PMARK_MAX_WALK_OFF)
		return PMARK_ICMP_IGNORE;
	icmp = p + ic;
	PMARK_ICMP_NEED(icmp, 8, PMARK_ICMP_IGNORE);
	if (!pmark_icmp_is_error(family, icmp[0]))
		return PMARK_ICMP_IGNORE;

	/* ---- an ICMP error from here on: every outcome is counted */
	qt->family = family;
	qt->type = icmp[0];
	qt->code = icmp[1];
	if (family == 4 && icmp[0] == 3 && icmp[1] == 4)
		qt->mtu = pmark_be16(icmp + 6);      /* Fragmentation Needed: next-hop MTU */
	else if (family == 6 && icmp[0] == 2)
		qt->mtu = pmark_be32(icmp + 4);      /* Packet Too Big */
	/* The IP header's length, not the frame's: Ethernet pads short frames. */
	if (ic + 8 > err_end || err_end > pkt_len)
		return PMARK_CNT_ICMP_MALFORMED;
	q = ic + 8;
	orig_end = err_end;
	len = pmark_icmp_orig_len(family, icmp);
	if (len) {
		/* Extensions follow the original datagram; they are not part of the quote. */
		if (q + len > err_end)
			return PMARK_CNT_ICMP_MALFORMED;
		orig_end = q + len;
	}
	qip = p + q;

	/* ---- the quoted IP header(s), up to the quoted UDP header at l4 */
	if (family == 4) {
		__u32 qihl;

		if (q + 20 > orig_end)
			return PMARK_CNT_ICMP_MALFORMED;
		PMARK_ICMP_NEED(qip, 20, PMARK_CNT_ICMP_MALFORMED);
		qihl = (qip[0] & 0x0f) * 4;
		if ((qip[0] >> 4) != 4 || qihl < 20)
			return PMARK_CNT_ICMP_MALFORMED;
		if (qip[9] != PMARK_IPPROTO_UDP)
			return PMARK_CNT_ICMP_NOT_OURS;
		qt->qfrag_off = pmark_be16(qip + 6);
		if (qt->qfrag_off & 0x1fff)
			return PMARK_CNT_ICMP_NOT_OURS;     /* a later fragment: no UDP header */
		qt->qtos = qip[1];
		qt->qttl = qip[8];
		qt->qtot_len = pmark_be16(qip + 2);
		qt->qid = pmark_be16(qip + 4);
		qt->qdaddr[0] = pmark_ld32(qip + 16);
		l4 = q + qihl;
		qend = q + qt->qtot_len;
	} else {
		__u32 plen;

		if (q + 40 > orig_end)
			return PMARK_CNT_ICMP_MALFORMED;
		PMARK_ICMP_NEED(qip, 40, PMARK_CNT_ICMP_MALFORMED);
		if ((qip[0] >> 4) != 6)
			return PMARK_CNT_ICMP_MALFORMED;
		qt->qtos = (qip[0] << 4) | (qip[1] >> 4);
		qt->qflow = pmark_be32(qip) & 0xfffff;
		qt->qttl = qip[7];
		plen = pmark_be16(qip + 4);
		qt->qtot_len = plen > 0xffff - 40 ? 0xffff : plen + 40;
		__builtin_memcpy(qt->qdaddr, qip + 24, 16);
		nh = qip[6];
		l4 = q + 40;
		/* A zero payload length is a jumbogram: only the quote bounds it. */
		qend = plen ? l4 + plen : orig_end;
		for (i = 0; i < PMARK_MAX_EXTHDRS; i++) {
			const __u8 *x;

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				break;
			if (l4 > PMARK_MAX_WALK_OFF)
				return PMARK_CNT_ICMP_NOT_OURS;
			if (l4 + 8 > orig_end)
				return PMARK_CNT_ICMP_MALFORMED;
			x = p + l4;
			PMARK_ICMP_NEED(x, 8, PMARK_CNT_ICMP_MALFORMED);
			/* A first (or atomic) fragment keeps the UDP header; a later one has none. */
			if (nh == 44 && (pmark_be16(x + 2) & 0xfff8))
				return PMARK_CNT_ICMP_NOT_OURS;
			l4 += nh == 44 ? 8 : (x[1] + 1) * 8;
			nh = x[0];
		}
		if (nh != PMARK_IPPROTO_UDP)
			return PMARK_CNT_ICMP_NOT_OURS;     /* also more headers than walked */
	}

	/* ---- the quoted UDP header, then as much of SCTP as the quote holds */
	if (l4 > PMARK_MAX_WALK_OFF)
		return PMARK_CNT_ICMP_NOT_OURS;
	if (qend > orig_end)
		qend = orig_end;
	if (l4 + 8 > qend)
		return PMARK_CNT_ICMP_MALFORMED;        /* not even the UDP header */
	PMARK_ICMP_NEED(p + l4, 8, PMARK_CNT_ICMP_MALFORMED);
	if (!PMARK_PORT_REGISTERED(pmark_be16(p + l4)))
		return PMARK_CNT_ICMP_NOT_OURS;
	out->udp_off = l4;
	qt->qdport = pmark_be16(p + l4 + 2);
	qlen = qend - l4;
	qt->quoted_len = qlen;
	out->key.sport = pmark_be16(p + l4);
	out->key.family = family;
	if (PMARK_PORT_DTLS(out->key.sport)) {
		int v = pmark_icmp_dtls(data, data_end, pkt_len, l4, qlen, out);

		if (v != PMARK_DTLS_NOT_PEER)
			return v;
	}
	if (qlen >= 8 + 12) {
		PMARK_ICMP_NEED(p + l4 + 8, 12, PMARK_CNT_ICMP_MALFORMED);
		qt->has_sctp = 1;
		qt->qvtag = pmark_be32(p + l4 + 12);
	}
	if (qlen >= 8 + 12 + 4) {
		const __u8 *c = p + l4 + 20;

		PMARK_ICMP_NEED(c, 4, PMARK_CNT_ICMP_MALFORMED);
		ctype = c[0];
		/* A DATA chunk is at least 16 bytes (I-DATA 20); its TSN follows the chunk header. */
		if (qlen >= 8 + 12 + 8 &&
		    ((ctype == PMARK_SCTP_DATA && pmark_be16(c + 2) >= 16) ||
		     (ctype == PMARK_SCTP_IDATA && pmark_be16(c + 2) >= 20))) {
			PMARK_ICMP_NEED(c, 8, PMARK_CNT_ICMP_MALFORMED);
			qt->has_tsn = 1;
			qt->qtsn = pmark_be32(c + 4);
		}
	}

	if (family == 4) {
		/* An 8-byte quote (RFC 792) still shows the IP ID a record stamped. */
		out->key.ident = qt->qid;
		return PMARK_CNT_ICMP_QUOTED;
	}
	if (!qt->has_tsn) {
		/* RFC 4443 quotes up to 1280 bytes: a cut this short is a broken quote. */
		if (qlen < 8 + 12 + 4)
			return PMARK_CNT_ICMP_MALFORMED;
		if (ctype != PMARK_SCTP_DATA && ctype != PMARK_SCTP_IDATA)
			return PMARK_CNT_ICMP_NOT_OURS; /* control chunks only: no message to name */
		return PMARK_CNT_ICMP_MALFORMED;        /* DATA chunk shorter than its header */
	}
	out->key.ident = qt->qtsn;
	out->key.vtag = qt->qvtag;
	return PMARK_CNT_ICMP_QUOTED;
}

#endif /* PMARK_ICMP_H */
