// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: one input is one packet as the tc ingress program
 * sees it.  It runs bpf/pmark_icmp.h (the parser the ingress program is
 * built from) on the bytes as an Ethernet frame and as a bare IP packet,
 * checks what the parser promises, and drives pm_quote_parse
 * (user/lib/sctp_wire.c) over the part of the quote past the quoted UDP
 * header, where the two must agree.  See docs/fuzzing.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sctp_wire.h"
#include "fuzz_check.h"

/* Two ports in three registered (never 0): most quotes go all the way, some stop at the port. */
static bool port_registered(uint16_t port)
{
	return port % 3 != 0;
}

/*
 * One port in five has protected peers (5000 among them), and of its peers
 * those whose port is 6 modulo 7 are protected (4444 is, 5001 is not): the
 * seeds' SCTP datagrams to 5001 stay SCTP quotes, and a quote's bytes
 * decide which way the parser goes.
 */
struct pmark_dtls_key;
static bool port_dtls(uint16_t port)
{
	return port % 5 == 0;
}

static int dtls_peer(const struct pmark_dtls_key *k, uint32_t *tag);
#define PMARK_PORT_REGISTERED(port) port_registered(port)
#define PMARK_PORT_DTLS(port) port_dtls(port)
#define PMARK_DTLS_PEER(key, tag) dtls_peer(key, tag)
#include "pmark_icmp.h"

static int dtls_peer(const struct pmark_dtls_key *k, uint32_t *tag)
{
	CHECK(k->family == 4 || k->family == 6);
	CHECK(!k->reserved[0] && !k->reserved[1] && !k->reserved[2]);
	*tag = 0x7a6;
	return k->dport % 7 == 6;
}

/* pm_quote_parse's promises, from the bytes (sctp_wire.h). */
static void check_pm_quote(const uint8_t *q, size_t len, const struct pm_quote *pq)
{
	CHECK(pq->has_hdr == (len >= PM_SCTP_HDR_LEN));
	CHECK(pq->has_chunk == (len >= PM_SCTP_HDR_LEN + 4));
	CHECK(!pq->has_tsn || pq->has_chunk);
	if (pq->has_hdr)
		CHECK(pq->sport == be16(q) && pq->dport == be16(q + 2) && pq->vtag == be32(q + 4));
	if (pq->has_chunk) {
		const uint8_t *c = q + PM_SCTP_HDR_LEN;
		bool data = c[0] == PM_CHUNK_DATA || c[0] == PM_CHUNK_IDATA;
		uint16_t min = c[0] == PM_CHUNK_IDATA ? 20 : 16;

		CHECK(pq->type == c[0] && pq->flags == c[1] && pq->chunk_len == be16(c + 2));
		CHECK(pq->has_tsn == (data && be16(c + 2) >= min && len >= PM_SCTP_HDR_LEN + 8));
		if (pq->has_tsn)
			CHECK(pq->tsn == be32(c + 4));
	}
	if (!pq->has_tsn)
		CHECK(pq->tsn == 0);
}

/* pm_quote_parse over an exact-size copy: a read past len is an ASan report. */
static void quote_parse(const uint8_t *q, size_t len, struct pm_quote *pq)
{
	uint8_t *copy = malloc(len ? len : 1);

	CHECK(copy);
	memcpy(copy, q, len);
	pm_quote_parse(copy, len, pq);
	check_pm_quote(copy, len, pq);
	free(copy);
}

/* A stored quote: its fields against the bytes, and against pm_quote_parse. */
static void check_quoted(const uint8_t *pkt, size_t size, const struct pmark_icmp *ic)
{
	const struct pmark_quote *q = &ic->q;
	const uint8_t *udp = pkt + ic->udp_off;
	struct pm_quote pq;

	bool protected = port_dtls(be16(udp)) && q->qdport % 7 == 6;

	CHECK(q->quoted_len >= 8 && (size_t)ic->udp_off + q->quoted_len <= size);
	CHECK(ic->key.sport == be16(udp) && port_registered(ic->key.sport));
	CHECK(q->qdport == be16(udp + 2));
	CHECK(ic->key.family == q->family);
	CHECK(ic->key.kind == (protected && q->family == 6 ? PMARK_QUOTE_DTLS : PMARK_QUOTE_SCTP));
	CHECK(q->ktime_ns == 0 && all_zero(q->reserved, sizeof(q->reserved)));
	CHECK(q->has_sctp <= 1 && q->has_tsn <= 1 && (!q->has_tsn || q->has_sctp));
	CHECK(q->has_dtls <= 1 && (q->has_dtls || q->qrecord_id == 0));
	if (protected) {
		/* A protected datagram's SCTP is ciphertext: only the record header is read. */
		const uint8_t *h = udp + 8;
		uint16_t ver = q->quoted_len >= 8 + 13 ? be16(h + 1) : 0;

		CHECK(!q->has_sctp && !q->has_tsn && q->qvtag == 0 && q->qtsn == 0);
		CHECK(q->has_dtls == (ver == 0xfefd || ver == 0xfeff));
		if (q->has_dtls)
			CHECK(q->qrecord_id == ((uint64_t)be16(h + 3) << 48 | (uint64_t)be16(h + 5) << 32 |
						be32(h + 7)));
		if (q->family == 6)
			CHECK(q->has_dtls && ic->key.ident == (uint32_t)q->qrecord_id &&
			      ic->key.vtag == ((uint32_t)(q->qrecord_id >> 48) << 16 |
					       (uint32_t)(q->qrecord_id >> 32 & 0xffff)));
	} else {
		CHECK(!q->has_dtls);
	}
	if (q->family == 4) {
		CHECK(ic->key.ident == q->qid && ic->key.vtag == 0);
		CHECK(!(q->qfrag_off & 0x1fff));       /* never a later fragment */
		CHECK(q->quoted_len + 20u <= q->qtot_len);
		CHECK(q->qflow == 0 && all_zero(&q->qdaddr[1], 12) && all_zero(&q->offender[1], 12));
		CHECK(q->mtu == 0 || (q->type == 3 && q->code == 4));
	} else {
		CHECK(protected || (q->has_tsn && ic->key.ident == q->qtsn && ic->key.vtag == q->qvtag));
		CHECK(q->qid == 0 && q->qfrag_off == 0 && q->qflow <= 0xfffff);
		CHECK(q->qtot_len == 40 || q->quoted_len + 40u <= q->qtot_len);
		CHECK(q->mtu == 0 || q->type == 2);
	}
	if (protected)
		return;
	/* The two parsers of the same quoted SCTP bytes must agree. */
	quote_parse(udp + 8, q->quoted_len - 8u, &pq);
	CHECK(pq.has_hdr == q->has_sctp && pq.has_tsn == q->has_tsn);
	CHECK(q->qvtag == (pq.has_hdr ? pq.vtag : 0));
	CHECK(q->qtsn == (pq.has_tsn ? pq.tsn : 0));
}

static int parse(const uint8_t *pkt, size_t linear, size_t size, bool l2, struct pmark_icmp *out)
{
	return pmark_icmp_parse(pkt, pkt + linear, (__u32)size, l2, out);
}

static void run(const uint8_t *data, size_t size, bool l2)
{
	uint8_t *pkt = malloc(size ? size : 1);
	struct pmark_icmp a, b;
	size_t cuts[3] = { size / 2, size ? size - 1 : 0, size ? data[0] * 7u % size : 0 };
	int v;

	CHECK(pkt);
	memcpy(pkt, data, size);
	v = parse(pkt, size, size, l2, &a);
	/* All of it linear: a pull is never asked for. */
	CHECK(v == PMARK_ICMP_IGNORE || v == PMARK_CNT_ICMP_QUOTED || v == PMARK_CNT_ICMP_NOT_OURS ||
	      v == PMARK_CNT_ICMP_MALFORMED);
	CHECK(parse(pkt, size, size, l2, &b) == v && !memcmp(&a, &b, sizeof(a)));
	if (v != PMARK_ICMP_IGNORE)
		CHECK((a.q.family == 4 || a.q.family == 6) && pmark_icmp_is_error(a.q.family, a.q.type));
	if (v == PMARK_CNT_ICMP_QUOTED)
		check_quoted(pkt, size, &a);
	/*
	 * Only part of the packet linear (paged skb): the parser reads nothing
	 * past the linear part (an exact-size copy), and either asks for a
	 * pull or gives the answer it gives on the whole packet.
	 */
	for (int i = 0; i < 3; i++) {
		uint8_t *head = malloc(cuts[i] ? cuts[i] : 1);
		int w;

		CHECK(head);
		memcpy(head, pkt, cuts[i]);
		w = parse(head, cuts[i], size, l2, &b);
		CHECK(w == PMARK_NEED_PULL || (w == v && (v != PMARK_CNT_ICMP_QUOTED ||
							   !memcmp(&a, &b, sizeof(a)))));
		free(head);
	}
	free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_quote pq;

	run(data, size, true);
	run(data, size, false);
	/* And the SCTP quote parser alone, on the bytes as they come. */
	quote_parse(data, size, &pq);
	return 0;
}
