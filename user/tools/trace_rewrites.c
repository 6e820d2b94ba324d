// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark-trace: where on the path the TOS or DF changed (tracebox-style).
 * The quote in hop h's ICMP error shows the probe as it arrived at h.
 * Walking the hops that have a quote, in TTL order, each is compared with
 * the previous one (at first: what was sent); a difference between hop h
 * and the next quoting hop was made by h's forwarding, so h is named.  A
 * hop 1 that already differs from what was sent names hop 0: the sender's
 * own host and network.  Hops without a quote are skipped, never guessed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "trace_path.h"

struct point {               /* the previous point of comparison */
	unsigned hop;
	const struct sockaddr *addr;
	bool tos_known, df_known;
	uint8_t tos;
	bool df;
};

static void add(struct trace_path *p, enum trace_field f, const struct point *prev,
		unsigned seen_hop, unsigned from, unsigned to)
{
	struct trace_rewrite *w = &p->rewrites[p->nrewrites++];

	w->field = f;
	w->hop = prev->hop;
	w->seen_hop = seen_hop;
	if (prev->addr)
		memcpy(&w->addr, prev->addr, prev->addr->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	w->from = from;
	w->to = to;
}

/* Take the first quote as the reference for what no option said. */
static void reference(struct trace_path *p, struct point *prev, const struct trace_hop *h, bool v4)
{
	if (p->tos_ref == TRACE_REF_NONE) {
		p->tos_ref = TRACE_REF_QUOTE;
		p->ref_hop = h->ttl;
		p->ref_tos = h->recv_tos;
		prev->tos_known = true;
		prev->tos = h->recv_tos;
	}
	if (v4 && p->df_ref == TRACE_REF_NONE) {
		p->df_ref = TRACE_REF_QUOTE;
		p->ref_hop = h->ttl;
		p->ref_df = h->recv_df;
		prev->df_known = true;
		prev->df = h->recv_df;
	}
}

static void compare(struct trace_path *p, const struct point *prev, const struct trace_hop *h,
		    bool v4)
{
	struct trace_hop *at = prev->hop ? &p->hops[prev->hop - p->first_ttl] : NULL;
	unsigned diff = (unsigned)(prev->tos ^ h->recv_tos);

	if (prev->tos_known && diff) {
		enum trace_field f = (diff & 0xfc) && (diff & 3) ? TRACE_FIELD_TOS :
				     (diff & 0xfc) ? TRACE_FIELD_DSCP : TRACE_FIELD_ECN;

		add(p, f, prev, h->ttl, prev->tos, h->recv_tos);
		if (at)
			at->tos_rewritten_here = true;
	}
	if (v4 && prev->df_known && prev->df != h->recv_df) {
		add(p, TRACE_FIELD_DF, prev, h->ttl, prev->df, h->recv_df);
		if (at && prev->df)
			at->df_cleared_here = true;
		else if (at)
			at->df_set_here = true;
	}
}

int trace_rewrites_find(struct trace_path *p, const struct trace_sent *sent,
			const struct sockaddr *local)
{
	bool v4 = p->family != AF_INET6;   /* IPv6 has no DF bit */
	struct point prev = {
		.hop = 0, .addr = local,
		.tos_known = sent->tos_known, .tos = sent->tos,
		.df_known = v4 && sent->df_known, .df = sent->df,
	};
	unsigned t;

	p->tos_ref = sent->tos_known ? TRACE_REF_ASKED : TRACE_REF_NONE;
	p->df_ref = prev.df_known ? TRACE_REF_ASKED : TRACE_REF_NONE;
	p->ref_tos = sent->tos;
	p->ref_df = sent->df;
	/* At most a TOS-ish and a DF entry per comparison, one comparison per hop. */
	p->rewrites = calloc(2 * p->nhops + 2, sizeof(*p->rewrites));
	if (!p->rewrites)
		return -ENOMEM;
	for (t = 0; t < p->nhops; t++) {
		const struct trace_hop *h = &p->hops[t];

		if (!h->quote_known)
			continue;
		reference(p, &prev, h, v4);
		compare(p, &prev, h, v4);
		prev.hop = h->ttl;
		prev.addr = (const struct sockaddr *)&h->quote_addr;
		prev.tos_known = prev.df_known = true;
		prev.tos = h->recv_tos;
		prev.df = h->recv_df;
	}
	if (!v4)
		p->df_ref = TRACE_REF_NONE;
	return 0;
}
