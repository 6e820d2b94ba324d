// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: the per-hop view of the rounds' results. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "tool_addr.h"
#include "trace_path.h"

const struct sockaddr *trace_probe_addr(const struct pmark_trace_result *r,
					const struct pmark_trace_probe *pr)
{
	if (pr->state == PMARK_PROBE_ICMP)
		return (const struct sockaddr *)&pr->ev.offender;
	if (pr->state == PMARK_PROBE_ACKED)
		return (const struct sockaddr *)&r->dest;
	return NULL;
}

static void add_addr(struct trace_hop *h, const struct sockaddr *sa)
{
	unsigned i;

	for (i = 0; i < h->naddrs; i++)
		if (tool_ip_equal((const struct sockaddr *)&h->addrs[i], sa))
			return;
	if (h->naddrs < TRACE_HOP_ADDRS)
		memcpy(&h->addrs[h->naddrs++], sa,
		       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		       sizeof(struct sockaddr_in));
}

/* The TTL of probe i: its own field, or its place (TTL-major) when 0. */
static unsigned probe_ttl(const struct pmark_trace_result *r, uint32_t i)
{
	if (r->probes_v[i].ttl)
		return r->probes_v[i].ttl;
	return r->first_ttl + (r->probes ? i / r->probes : 0);
}

static void add_probe(struct trace_path *p, const struct pmark_trace_result *r, uint32_t i)
{
	const struct pmark_trace_probe *pr = &r->probes_v[i];
	unsigned ttl = probe_ttl(r, i);
	struct trace_hop *h;

	if (ttl < p->first_ttl || ttl > p->last_ttl || pr->state == PMARK_PROBE_UNSENT)
		return;
	h = &p->hops[ttl - p->first_ttl];
	h->sent++;
	if (pr->state != PMARK_PROBE_ICMP && pr->state != PMARK_PROBE_ACKED)
		return;
	h->answered++;
	trace_rtt_add(&h->rtt, (double)pr->ev.rtt_ns / 1e6);
	add_addr(h, trace_probe_addr(r, pr));
	if (pr->state == PMARK_PROBE_ACKED) {
		h->dest = true;
		return;
	}
	p->any_icmp = true;
	if (pr->ev.quote_known && !h->quote_known) {
		h->quote_known = true;
		h->recv_tos = pr->ev.q_tos;
		h->recv_df = pr->ev.q_df;
		memcpy(&h->quote_addr, &pr->ev.offender, sizeof(h->quote_addr));
		p->any_quote = true;
	}
}

int trace_path_build(struct trace_path *p, const struct pmark_trace_result *rounds, unsigned n,
		     const struct trace_sent *sent, const struct sockaddr *local)
{
	unsigned k, t;
	uint32_t i;

	memset(p, 0, sizeof(*p));
	if (!n)
		return 0;
	p->family = rounds[0].family;
	p->first_ttl = rounds[0].first_ttl;
	p->max_ttl = rounds[0].max_ttl;
	p->probes = rounds[0].probes;
	for (k = 0; k < n; k++) {
		const struct pmark_trace_result *r = &rounds[k];

		if (r->last_ttl > p->last_ttl)
			p->last_ttl = r->last_ttl;
		if (r->dest_ttl && (!p->dest_ttl || r->dest_ttl < p->dest_ttl))
			p->dest_ttl = r->dest_ttl;
		p->probes_sent += r->probes_sent;
	}
	p->reached = p->dest_ttl != 0;
	p->nhops = p->last_ttl >= p->first_ttl ? p->last_ttl - p->first_ttl + 1 : 0;
	p->hops = calloc(p->nhops ? p->nhops : 1, sizeof(*p->hops));
	if (!p->hops)
		return -ENOMEM;
	for (t = 0; t < p->nhops; t++)
		p->hops[t].ttl = p->first_ttl + t;
	for (k = 0; k < n; k++)
		for (i = 0; i < rounds[k].nprobes; i++)
			add_probe(p, &rounds[k], i);
	return trace_rewrites_find(p, sent, local);
}

void trace_path_free(struct trace_path *p)
{
	free(p->hops);
	free(p->rewrites);
	memset(p, 0, sizeof(*p));
}

unsigned trace_path_ttl_of(const struct trace_path *p, const struct sockaddr *sa)
{
	unsigned t, i;

	for (t = 0; t < p->nhops; t++)
		for (i = 0; i < p->hops[t].naddrs; i++)
			if (tool_ip_equal((const struct sockaddr *)&p->hops[t].addrs[i], sa))
				return p->hops[t].ttl;
	return 0;
}
