// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace --json: the whole run as one JSON object (documented in pmark-trace(1)). */
#include <inttypes.h>
#include "tool_addr.h"
#include "tool_ep.h"
#include "tool_json.h"
#include "tool_stats.h"
#include "trace_codes.h"
#include "trace_out.h"

static void ip(struct json *j, const char *key, const struct sockaddr *sa)
{
	char buf[TOOL_ADDRSTRLEN];

	json_str(j, key, sa ? tool_ip_str(sa, buf) : NULL);
}

static void quoted(struct json *j, const struct pmark_track_event *ev, int family)
{
	if (!ev->quote_known) {
		json_null(j, "quoted");
		return;
	}
	json_obj(j, "quoted");
	json_u64(j, "tos", ev->q_tos);
	json_u64(j, "ttl", ev->q_ttl);
	if (family == AF_INET6) {
		json_null(j, "df");
		json_u64(j, "flow", ev->q_flow);
	} else {
		json_bool(j, "df", ev->q_df);
	}
	json_u64(j, "len", ev->q_len);
	json_end(j);
}

static void probe(struct json *j, const struct trace_view *v, unsigned round,
		  const struct pmark_trace_result *r, const struct pmark_trace_probe *p)
{
	bool answered = p->state == PMARK_PROBE_ICMP || p->state == PMARK_PROBE_ACKED;
	bool icmp = p->state == PMARK_PROBE_ICMP;

	json_obj(j, NULL);
	if (v->run->a->report)
		json_u64(j, "round", round + 1);
	json_str(j, "state", trace_state_name(p->state));
	ip(j, "addr", trace_probe_addr(r, p));
	if (answered)
		json_num(j, "rtt_ms", (double)p->ev.rtt_ns / 1e6, 3);
	else
		json_null(j, "rtt_ms");
	if (icmp) {
		json_u64(j, "icmp_type", p->ev.icmp_type);
		json_u64(j, "icmp_code", p->ev.icmp_code);
	} else {
		json_null(j, "icmp_type");
		json_null(j, "icmp_code");
	}
	json_str(j, "match", icmp ? trace_match_name(p->ev.match) : NULL);
	if (answered)
		json_u64(j, "tsn", p->ev.tsn);
	else
		json_null(j, "tsn");
	if (answered && p->ev.ip_id)
		json_u64(j, "ip_id", p->ev.ip_id);
	else
		json_null(j, "ip_id");
	/* Protected association: the DTLS record the probe went out in. */
	if (answered && p->ev.record_id)
		json_u64(j, "record_id", p->ev.record_id);
	else
		json_null(j, "record_id");
	if (icmp && p->ev.mtu)
		json_u64(j, "mtu", p->ev.mtu);
	else
		json_null(j, "mtu");
	if (icmp)
		quoted(j, &p->ev, r->family);
	else
		json_null(j, "quoted");
	json_end(j);
}

/* Every probe of hop h, round after round, in the order they were sent. */
static void probes(struct json *j, const struct trace_view *v, const struct trace_hop *h)
{
	unsigned k;

	json_arr(j, "probes");
	for (k = 0; k < v->run->nrounds; k++) {
		const struct pmark_trace_result *r = &v->run->rounds[k];
		uint32_t base = (h->ttl - r->first_ttl) * r->probes, i;

		for (i = base; i < base + r->probes && i < r->nprobes; i++)
			probe(j, v, k, r, &r->probes_v[i]);
	}
	json_end(j);
}

static void ms_or_null(struct json *j, const char *key, bool have, double ms)
{
	if (have)
		json_num(j, key, ms, 3);
	else
		json_null(j, key);
}

static void hop(struct json *j, const struct trace_view *v, const struct trace_hop *h)
{
	unsigned i;

	json_obj(j, NULL);
	json_u64(j, "hop", h->ttl);
	json_arr(j, "addrs");
	for (i = 0; i < h->naddrs; i++)
		ip(j, NULL, (const struct sockaddr *)&h->addrs[i]);
	json_end(j);
	if (!v->run->a->numeric) {
		json_arr(j, "names");
		for (i = 0; i < h->naddrs; i++)
			json_str(j, NULL, trace_names_get(v->names,
							  (const struct sockaddr *)&h->addrs[i]));
		json_end(j);
	}
	json_u64(j, "sent", h->sent);
	json_u64(j, "answered", h->answered);
	if (h->sent)
		json_num(j, "loss_pct", 100.0 * (h->sent - h->answered) / h->sent, 1);
	else
		json_null(j, "loss_pct");
	json_bool(j, "dest", h->dest);
	probes(j, v, h);
	if (h->quote_known) {
		json_u64(j, "recv_tos", h->recv_tos);
		if (v->path->family == AF_INET6)
			json_null(j, "recv_df");
		else
			json_bool(j, "recv_df", h->recv_df);
	} else {
		json_null(j, "recv_tos");
		json_null(j, "recv_df");
	}
	json_bool(j, "tos_rewritten_here", h->tos_rewritten_here);
	json_bool(j, "df_cleared_here", h->df_cleared_here);
	json_bool(j, "df_set_here", h->df_set_here);
	if (v->run->a->report) {
		ms_or_null(j, "last_ms", h->rtt.n, h->rtt.last);
		ms_or_null(j, "avg_ms", h->rtt.n, h->rtt.mean);
		ms_or_null(j, "best_ms", h->rtt.n, h->rtt.best);
		ms_or_null(j, "worst_ms", h->rtt.n, h->rtt.worst);
		ms_or_null(j, "stdev_ms", h->rtt.n, trace_rtt_stdev(&h->rtt));
	}
	json_end(j);
}

static void rewrite(struct json *j, const struct trace_rewrite *w)
{
	static const char *const fields[] = { "dscp", "ecn", "tos", "df" };

	json_obj(j, NULL);
	json_str(j, "field", fields[w->field]);
	json_u64(j, "hop", w->hop);
	ip(j, "addr", w->addr.ss_family ? (const struct sockaddr *)&w->addr : NULL);
	/* from / to are whole TOS bytes (DF: 0 / 1); the part that changed as well. */
	json_u64(j, "from", w->from);
	json_u64(j, "to", w->to);
	if (w->field == TRACE_FIELD_DSCP || w->field == TRACE_FIELD_TOS) {
		json_u64(j, "from_dscp", w->from >> 2);
		json_u64(j, "to_dscp", w->to >> 2);
	}
	if (w->field == TRACE_FIELD_ECN || w->field == TRACE_FIELD_TOS) {
		json_u64(j, "from_ecn", w->from & 3);
		json_u64(j, "to_ecn", w->to & 3);
	}
	json_u64(j, "seen_hop", w->seen_hop);
	json_end(j);
}

static const char *ref_name(enum trace_ref_source s)
{
	return s == TRACE_REF_ASKED ? "asked" : s == TRACE_REF_QUOTE ? "quote" : NULL;
}

static void rewrites(struct json *j, const struct trace_view *v)
{
	const struct trace_path *p = v->path;
	unsigned i;

	json_arr(j, "rewrites");
	for (i = 0; i < p->nrewrites; i++)
		rewrite(j, &p->rewrites[i]);
	json_end(j);
	if (p->tos_ref != TRACE_REF_NONE)
		json_u64(j, "sent_tos", p->ref_tos);
	else
		json_null(j, "sent_tos");
	if (p->df_ref != TRACE_REF_NONE)
		json_bool(j, "sent_df", p->ref_df);
	else
		json_null(j, "sent_df");
	json_str(j, "tos_reference", ref_name(p->tos_ref));
	json_str(j, "df_reference", ref_name(p->df_ref));
	if (p->tos_ref == TRACE_REF_QUOTE || p->df_ref == TRACE_REF_QUOTE)
		json_u64(j, "reference_hop", p->ref_hop);
	else
		json_null(j, "reference_hop");
	json_bool(j, "quotes_seen", p->any_quote);
}

static void pmtu(struct json *j, const struct trace_view *v)
{
	const struct pmark_pmtu_result *p = &v->run->pmtu;
	unsigned hop = trace_view_pmtu_hop(v), i;
	uint32_t next = trace_view_next_hop_mtu(v);

	json_obj(j, "pmtu");
	if (p->pmtu)
		json_u64(j, "mtu", p->pmtu);
	else
		json_null(j, "mtu");
	if (hop)
		json_u64(j, "hop", hop);
	else
		json_null(j, "hop");
	ip(j, "addr", p->limiter_len ? (const struct sockaddr *)&p->limiter : NULL);
	if (next)
		json_u64(j, "next_hop_mtu", next);
	else
		json_null(j, "next_hop_mtu");
	json_str(j, "stopped", v->run->pmtu_note);
	json_arr(j, "steps");
	for (i = 0; i < p->nsteps && i < sizeof(p->steps) / sizeof(p->steps[0]); i++) {
		const struct pmark_pmtu_step *s = &p->steps[i];
		bool icmp = s->state == PMARK_PROBE_ICMP;

		json_obj(j, NULL);
		json_u64(j, "size", s->size);
		json_str(j, "state", trace_state_name(s->state));
		ip(j, "addr", trace_view_step_addr(v, s));
		ms_or_null(j, "rtt_ms", icmp || s->state == PMARK_PROBE_ACKED,
			   (double)s->ev.rtt_ns / 1e6);
		if (icmp) {
			json_u64(j, "icmp_type", s->ev.icmp_type);
			json_u64(j, "icmp_code", s->ev.icmp_code);
		} else {
			json_null(j, "icmp_type");
			json_null(j, "icmp_code");
		}
		if (icmp && s->ev.mtu)
			json_u64(j, "mtu", s->ev.mtu);
		else
			json_null(j, "mtu");
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

static void load(struct json *j, const struct trace_load *l, const char *error)
{
	json_obj(j, "load");
	json_u64(j, "count", l->job.count);
	json_u64(j, "size", l->job.size);
	json_u64(j, "messages", atomic_load(&l->job.msgs));
	json_u64(j, "bytes", atomic_load(&l->job.bytes));
	json_bool(j, "acked", l->acked);
	json_u64(j, "errors", l->err ? 1 : 0);
	json_str(j, "error", error);
	json_num(j, "seconds", (double)(l->end_ns - l->start_ns) / 1e9, 6);
	json_end(j);
}

void trace_json_print(FILE *f, const struct trace_view *v)
{
	const struct trace_run *r = v->run;
	const struct trace_args *a = r->a;
	const struct trace_path *p = v->path;
	struct json j;
	unsigned t;

	json_start(&j, f);
	json_str(&j, "target", r->target);
	json_u64(&j, "family", r->family == AF_INET6 ? 6 : 4);
	json_str(&j, "local", r->local);
	json_u64(&j, "max_hops", a->cfg.max_ttl);
	json_u64(&j, "first_hop", a->cfg.first_ttl);
	json_u64(&j, "probes_per_hop", a->cfg.probes);
	json_u64(&j, "probe_size", r->probe_bytes);
	json_u64(&j, "message_size", a->cfg.size);
	json_u64(&j, "wait_ms", a->cfg.timeout_ms);
	if (a->cfg.stream == PMARK_TRACE_STREAM_AUTO)
		json_null(&j, "stream");
	else
		json_u64(&j, "stream", a->cfg.stream);
	json_u64(&j, "ppid", a->cfg.ppid ? a->cfg.ppid : PMARK_PROBE_PPID);
	tool_ep_mode_json(&j, r->ep);
	tool_dtls_json(&j, &a->dtls);
	json_u64(&j, "assoc_mtu", r->assoc_mtu);
	if (r->route_mtu)
		json_u64(&j, "route_mtu", r->route_mtu);
	else
		json_null(&j, "route_mtu");
	json_bool(&j, "reached", p->reached);
	if (p->reached)
		json_u64(&j, "dest_hop", p->dest_ttl);
	else
		json_null(&j, "dest_hop");
	json_num(&j, "duration_ms", (double)r->elapsed_ns / 1e6, 3);
	json_u64(&j, "probes_sent", p->probes_sent);
	json_arr(&j, "hops");
	for (t = 0; t < p->nhops; t++)
		hop(&j, v, &p->hops[t]);
	json_end(&j);
	rewrites(&j, v);
	if (r->have_pmtu)
		pmtu(&j, v);
	if (r->load)
		load(&j, r->load, v->load_error);
	if (a->report) {
		json_obj(&j, "report");
		json_u64(&j, "rounds", a->rounds);
		json_u64(&j, "rounds_run", r->nrounds);
		json_u64(&j, "interval_ms", a->interval_ms);
		json_end(&j);
	}
	json_str(&j, "error", v->error);
	if (v->have_stats)
		tool_stats_json(&j, "stats", &v->stats);
	else
		json_null(&j, "stats");
	json_done(&j);
}
