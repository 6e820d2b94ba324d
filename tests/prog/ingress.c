// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One ingress case: run the program on the frame, then check the verdict
 * (return value, bytes unchanged, counter deltas) and the quotes map: no
 * entry, or exactly one, found through libpmark's pmark_quote_lookup under
 * the key the quoted bytes call for, every field as the builder wrote it.
 */
#include <string.h>
#include <time.h>
#include "ingress.h"
#include "pmark_int.h"

#define TC_ACT_OK 0

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The key and quote the case calls for, read from the quoted datagram's bytes. */
static void expect_quote(const struct ingress_case *c, const struct icmp_pkt *p,
			 struct pmark_quote_key *k, struct pmark_quote *q)
{
	const uint8_t *ip = p->orig.b + p->orig.at[AT_IP], *udp = p->orig.b + p->orig.l4;
	bool v6 = p->orig.ipv6;

	memset(k, 0, sizeof(*k));
	memset(q, 0, sizeof(*q));
	q->family = k->family = v6 ? 6 : 4;
	q->type = c->pkt.type ? c->pkt.type : v6 ? 3 : 11;
	q->code = c->pkt.code;
	q->mtu = c->want.mtu;
	q->quoted_len = c->want.quoted_len;
	q->has_sctp = c->want.has_sctp;
	q->has_tsn = c->want.has_tsn;
	q->qdport = be16(udp + 2);
	if (c->want.has_dtls) {
		const uint8_t *h = p->orig.b + p->orig.at[AT_DTLS];

		q->has_dtls = 1;
		q->qrecord_id = PMARK_RECORD_ID(be16(h + 3), (uint64_t)be16(h + 5) << 32 | be32(h + 7));
	}
	if (q->has_sctp)
		q->qvtag = be32(udp + 12);
	if (q->has_tsn)
		q->qtsn = be32(udp + 20 + 4);
	k->sport = be16(udp);
	if (!v6) {
		memcpy(q->offender, icmp_router4, 4);
		memcpy(q->qdaddr, ip + 16, 4);
		q->qtos = ip[1];
		q->qttl = ip[8];
		q->qtot_len = be16(ip + 2);
		q->qid = be16(ip + 4);
		q->qfrag_off = be16(ip + 6);
		k->ident = q->qid;
	} else {
		memcpy(q->offender, icmp_router6, 16);
		memcpy(q->qdaddr, ip + 24, 16);
		q->qtos = (uint8_t)(ip[0] << 4 | ip[1] >> 4);
		q->qflow = be32(ip) & 0xfffff;
		q->qttl = ip[7];
		q->qtot_len = (uint16_t)(be16(ip + 4) + 40);
		k->ident = q->qtsn;
		k->vtag = q->qvtag;
		if (q->has_dtls)
			pmark_quote_key_record(k, k->sport, q->qrecord_id);
	}
}

#define FIELD(f) { #f, offsetof(struct pmark_quote, f), sizeof(((struct pmark_quote *)0)->f) }

static bool same_quote(FILE *diag, const struct pmark_quote *want, const struct pmark_quote *got)
{
	static const struct { const char *name; size_t off, len; } fields[] = {
		FIELD(offender), FIELD(qdaddr), FIELD(mtu), FIELD(qflow), FIELD(qvtag), FIELD(qtsn),
		FIELD(qtot_len), FIELD(qid), FIELD(qfrag_off), FIELD(quoted_len), FIELD(qdport),
		FIELD(type), FIELD(code), FIELD(qtos), FIELD(qttl), FIELD(family), FIELD(has_sctp),
		FIELD(has_tsn), FIELD(has_dtls), FIELD(reserved), FIELD(qrecord_id),
	};
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const uint8_t *w = (const uint8_t *)want + fields[i].off;
		const uint8_t *g = (const uint8_t *)got + fields[i].off;

		if (!memcmp(w, g, fields[i].len))
			continue;
		fprintf(diag, "#   quote.%s: expected", fields[i].name);
		for (size_t b = 0; b < fields[i].len; b++)
			fprintf(diag, " %02x", w[b]);
		fprintf(diag, ", stored");
		for (size_t b = 0; b < fields[i].len; b++)
			fprintf(diag, " %02x", g[b]);
		fprintf(diag, " (host-order bytes)\n");
		ok = false;
	}
	return ok;
}

static bool check_map(struct env *e, const struct ingress_case *c, const struct icmp_pkt *in,
		      uint64_t t0, uint64_t t1, FILE *diag)
{
	struct pmark_quote_key key;
	struct pmark_quote want, got;
	int n = env_quote_count(e), err;

	if (n != (c->verdict == PMARK_CNT_ICMP_QUOTED)) {
		fprintf(diag, "#   quotes map holds %d entries, expected %d\n", n,
			c->verdict == PMARK_CNT_ICMP_QUOTED);
		return false;
	}
	if (c->verdict != PMARK_CNT_ICMP_QUOTED)
		return true;
	expect_quote(c, in, &key, &want);
	err = pmark_quote_lookup(e->maps, &key, &got);
	if (err) {
		fprintf(diag, "#   pmark_quote_lookup(family %u, kind %u, ident %#x, vtag %#x, sport %u): %s\n",
			key.family, key.kind, key.ident, key.vtag, key.sport, pmark_strerror(err));
		return false;
	}
	if (got.ktime_ns < t0 || got.ktime_ns > t1) {
		fprintf(diag, "#   quote.ktime_ns %llu outside the run [%llu, %llu]\n",
			(unsigned long long)got.ktime_ns, (unsigned long long)t0,
			(unsigned long long)t1);
		return false;
	}
	return same_quote(diag, &want, &got);
}

bool run_ingress_case(struct env *e, const struct ingress_case *c, FILE *diag)
{
	static struct icmp_pkt in;
	static uint8_t out[PKT_MAX];
	uint64_t before[PMARK_CNT_MAX], after[PMARK_CNT_MAX], want[PMARK_CNT_MAX] = { 0 }, t0, t1;
	uint16_t port = c->port ? c->port : SPORT;
	const struct peer peers[2] = { c->peer };
	size_t out_len = 0;
	uint32_t retval = 0;
	bool ok = true;
	long at;
	int err;

	err = env_reset(e, &port, 1, peers);
	if (err) {
		fprintf(diag, "#   resetting the maps failed: %s\n", strerror(-err));
		return false;
	}
	icmp_build(&c->pkt, &in);
	err = env_counters(e, before);
	t0 = now_ns();
	if (!err)
		err = env_run_ingress(e, &in.frame, out, &out_len, &retval);
	t1 = now_ns();
	if (!err)
		err = env_counters(e, after);
	if (err) {
		fprintf(diag, "#   running the ingress program on %zu bytes failed: %s\n", in.frame.len,
			strerror(-err));
		return false;
	}
	if (retval != TC_ACT_OK) {
		fprintf(diag, "#   program returned %u, expected TC_ACT_OK (0)\n", retval);
		ok = false;
	}
	at = first_difference(in.frame.b, in.frame.len, out, out_len);
	if (at >= 0) {
		fprintf(diag, "#   the program changed the packet: first difference at byte %ld "
			"(%zu bytes in, %zu out)\n", at, in.frame.len, out_len);
		ok = false;
	}
	if (c->verdict) {
		want[PMARK_CNT_ICMP_SEEN] = 1;
		want[c->verdict] = 1;
	}
	for (int i = 0; i < PMARK_CNT_MAX; i++) {
		if (after[i] - before[i] == want[i])
			continue;
		fprintf(diag, "#   counter %s moved by %llu, expected %llu\n", pmark_counter_name(i),
			(unsigned long long)(after[i] - before[i]), (unsigned long long)want[i]);
		ok = false;
	}
	return check_map(e, c, &in, t0, t1, diag) && ok;
}
