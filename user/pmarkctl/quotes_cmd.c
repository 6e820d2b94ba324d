// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * quotes: what the ingress program kept of each ICMP error quoting one of
 * our datagrams.  Read through libpmark's pmark_quote_lookup, as a sender
 * reads it, so a member of the pin root's group may run it too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "pmark_int.h"

static const char *addr(const struct pmark_quote *q, const __u32 *a, char *buf, size_t len)
{
	return inet_ntop(q->family == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len) ? buf : "?";
}

static void print_json(const struct pmark_quote_key *k, const struct pmark_quote *q, uint64_t now)
{
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];

	printf("{\"family\":%u,\"ident\":%u,\"vtag\":%u,\"sport\":%u,\"offender\":", k->family, k->ident,
	       k->vtag, k->sport);
	json_str(addr(q, q->offender, from, sizeof(from)));
	printf(",\"type\":%u,\"code\":%u,\"mtu\":%u,\"qdaddr\":", q->type, q->code, q->mtu);
	json_str(addr(q, q->qdaddr, to, sizeof(to)));
	printf(",\"qdport\":%u,\"qttl\":%u,\"qtos\":%u,\"qtot_len\":%u,\"qid\":%u,\"qfrag_off\":%u,"
	       "\"qflow\":%u,\"quoted_len\":%u,\"has_sctp\":%s,\"qvtag\":%u,\"has_tsn\":%s,"
	       "\"qtsn\":%u,\"ktime_ns\":%llu,\"age_ns\":%llu",
	       q->qdport, q->qttl, q->qtos, q->qtot_len, q->qid, q->qfrag_off, q->qflow, q->quoted_len,
	       q->has_sctp ? "true" : "false", q->qvtag, q->has_tsn ? "true" : "false", q->qtsn,
	       (unsigned long long)q->ktime_ns,
	       (unsigned long long)(now > q->ktime_ns ? now - q->ktime_ns : 0));
	/* Protected datagrams: the key's kind, and the quoted DTLS record's epoch and sequence. */
	printf(",\"kind\":\"%s\",\"has_dtls\":%s", k->kind == PMARK_QUOTE_DTLS ? "dtls" : "sctp",
	       q->has_dtls ? "true" : "false");
	if (q->has_dtls)
		printf(",\"epoch\":%u,\"seq\":%llu", (unsigned)(q->qrecord_id >> 48),
		       (unsigned long long)(q->qrecord_id & 0xffffffffffffULL));
	printf("}");
}

static void print_text(const struct pmark_quote_key *k, const struct pmark_quote *q, uint64_t now)
{
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];

	if (k->family == 4)
		printf("ipv4 id 0x%04x", k->ident);
	else if (k->kind == PMARK_QUOTE_DTLS)
		printf("ipv6 record %u:%llu", k->vtag >> 16,
		       (unsigned long long)(k->vtag & 0xffff) << 32 | k->ident);
	else
		printf("ipv6 vtag 0x%08x tsn %u", k->vtag, k->ident);
	printf(" sport %u: %s type %u code %u", k->sport, addr(q, q->offender, from, sizeof(from)),
	       q->type, q->code);
	if (q->mtu)
		printf(" mtu %u", q->mtu);
	printf("; quoted to %s port %u, %s %u, tos 0x%02x, length %u", addr(q, q->qdaddr, to, sizeof(to)),
	       q->qdport, k->family == 4 ? "ttl" : "hop limit", q->qttl, q->qtos, q->qtot_len);
	if (k->family == 4)
		printf(", df %s", q->qfrag_off & 0x4000 ? "on" : "off");
	else
		printf(", flow 0x%05x", q->qflow);
	printf(", %u bytes past the IP header", q->quoted_len);
	if (q->has_sctp)
		printf(", vtag 0x%08x", q->qvtag);
	if (q->has_tsn)
		printf(" tsn %u", q->qtsn);
	if (q->has_dtls)
		printf(", dtls record %u:%llu", (unsigned)(q->qrecord_id >> 48),
		       (unsigned long long)(q->qrecord_id & 0xffffffffffffULL));
	printf("; %.3f s ago\n", now > q->ktime_ns ? (now - q->ktime_ns) / 1e9 : 0.0);
}

int cmd_quotes(struct ctl *c, int argc, char **argv)
{
	struct pmark_quote_key key, next, *prev = NULL;
	struct pmark_quote q;
	struct pmark_maps *m;
	uint64_t now;
	int n = 0, err;

	if (argc)
		return usage_error(c, "unknown argument '%s'", argv[0]);
	m = open_maps(c);
	if (!m)
		return 1;
	if (m->quotes_fd < 0) {
		err = m->quotes_fd;
		pmark_close(m);
		if (err == -ENOENT)
			return fail(c, "no quotes map under %s (loaded by an older pmarkctl): pmarkctl "
				    "detach --all, then attach", pmark_pin_root_requested(c->pin_root));
		return fail(c, "%s", pmark_strerror(err));
	}
	now = pmark_now_ns();
	if (c->json)
		printf("[");
	while (!bpf_map_get_next_key(m->quotes_fd, prev, &next)) {
		key = next;
		prev = &key;
		/* The LRU may evict an entry between the two calls: skip it. */
		if (pmark_quote_lookup(m, &key, &q))
			continue;
		if (c->json) {
			printf("%s", n ? "," : "");
			print_json(&key, &q, now);
		} else {
			print_text(&key, &q, now);
		}
		n++;
	}
	if (c->json)
		printf("]\n");
	pmark_close(m);
	return 0;
}
