// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark-trace's text output: traceroute's lines (one per hop, an address
 * printed again only when it changes, "*" for no answer, "!H"-style marks),
 * or with --report mtr -r's table; then the notes, the path MTU, the load.
 */
#include <inttypes.h>
#include <string.h>
#include "tool_addr.h"
#include "trace_codes.h"
#include "trace_out.h"

void trace_text_header(FILE *f, const struct trace_run *r)
{
	const struct pmark_trace_config *cfg = &r->a->cfg;

	fprintf(f, "pmark-trace to %s over association %s -> %s, %u hops max, %u probe%s per hop, "
		"%u byte datagrams", r->target, r->local, r->target, cfg->max_ttl, cfg->probes,
		cfg->probes == 1 ? "" : "s", r->probe_bytes);
	if (r->a->report)
		fprintf(f, ", %u rounds", r->a->rounds);
	if (r->a->dtls.on)
		fprintf(f, ", DTLS 1.2");
	fputc('\n', f);
	fflush(f);
}

/* "10.80.1.2" or "10.80.1.2 (name)" */
static void host(FILE *f, const struct trace_view *v, const struct sockaddr *sa)
{
	const char *name = trace_names_get(v->names, sa);
	char ip[TOOL_ADDRSTRLEN];

	fprintf(f, "%s", tool_ip_str(sa, ip));
	if (name)
		fprintf(f, " (%s)", name);
}

static int host_width(const struct trace_view *v, const struct sockaddr *sa)
{
	const char *name = trace_names_get(v->names, sa);
	char ip[TOOL_ADDRSTRLEN];
	int n = (int)strlen(tool_ip_str(sa, ip));

	return name ? n + 3 + (int)strlen(name) : n;
}

static void dscp_change(FILE *f, unsigned from, unsigned to)
{
	const char *name = trace_dscp_name(to);

	fprintf(f, "%u -> %u", from, to);
	if (name)
		fprintf(f, " (%s)", name);
}

static void ecn_change(FILE *f, unsigned from, unsigned to)
{
	fprintf(f, "%u -> %u (%s)", from, to, trace_ecn_name(to));
}

static void rewrite(FILE *f, const struct trace_rewrite *w)
{
	switch (w->field) {
	case TRACE_FIELD_DSCP:
		fprintf(f, "DSCP rewritten here: ");
		dscp_change(f, w->from >> 2, w->to >> 2);
		break;
	case TRACE_FIELD_ECN:
		fprintf(f, "ECN rewritten here: ");
		ecn_change(f, w->from & 3, w->to & 3);
		break;
	case TRACE_FIELD_TOS:
		fprintf(f, "TOS rewritten here: 0x%02x -> 0x%02x: DSCP ", w->from, w->to);
		dscp_change(f, w->from >> 2, w->to >> 2);
		fprintf(f, ", ECN ");
		ecn_change(f, w->from & 3, w->to & 3);
		break;
	case TRACE_FIELD_DF:
		fprintf(f, "DF %s here", w->to ? "set" : "cleared");
		break;
	}
	/* Hops in between had no quote: the change is somewhere up to there. */
	if (w->seen_hop != w->hop + 1)
		fprintf(f, ", seen at hop %u", w->seen_hop);
}

/* "   [DSCP rewritten here: ...] (destination: probes acknowledged)" */
static void annotations(FILE *f, const struct trace_view *v, unsigned hop, bool dest)
{
	const char *sep = "   ";
	unsigned i;

	for (i = 0; i < v->path->nrewrites; i++) {
		if (v->path->rewrites[i].hop != hop)
			continue;
		fprintf(f, "%s[", sep);
		rewrite(f, &v->path->rewrites[i]);
		fputc(']', f);
		sep = " ";
	}
	if (dest)
		fprintf(f, "%s(destination: probes acknowledged)", sep);
}

/* A rewrite between the sender and hop 1: a line (a row) for the local host first. */
static void hop_zero(FILE *f, const struct trace_view *v, bool row)
{
	char ip[TOOL_ADDRSTRLEN];
	unsigned i;

	for (i = 0; i < v->path->nrewrites; i++)
		if (v->path->rewrites[i].hop == 0)
			break;
	if (i == v->path->nrewrites)
		return;
	fprintf(f, row ? "%3u.|-- %s (local host)" : "%2u  %s (local host)", 0,
		tool_ip_str((const struct sockaddr *)&v->run->local_ip, ip));
	annotations(f, v, 0, false);
	fputc('\n', f);
}

static void probe(FILE *f, const struct trace_view *v, const struct pmark_trace_result *r,
		  const struct pmark_trace_probe *p, const struct sockaddr **last)
{
	const struct sockaddr *sa = trace_probe_addr(r, p);
	char mark[32];

	if (!sa) {
		fprintf(f, " *");
		return;
	}
	if (!*last || !tool_ip_equal(*last, sa)) {
		fputc(' ', f);
		host(f, v, sa);
		*last = sa;
	}
	fprintf(f, "  %.3f ms", (double)p->ev.rtt_ns / 1e6);
	if (p->state == PMARK_PROBE_ICMP &&
	    *trace_icmp_mark(r->family, p->ev.icmp_type, p->ev.icmp_code, p->ev.mtu, mark,
			     sizeof(mark)))
		fprintf(f, " %s", mark);
}

/* traceroute's line for one hop of one trace. */
static void hop_line(FILE *f, const struct trace_view *v, const struct trace_hop *h)
{
	const struct pmark_trace_result *r = &v->run->rounds[0];
	const struct sockaddr *last = NULL;
	uint32_t base = (h->ttl - r->first_ttl) * r->probes, i;
	bool printed = false;

	fprintf(f, "%2u ", h->ttl);
	for (i = base; i < base + r->probes && i < r->nprobes; i++) {
		if (r->probes_v[i].state == PMARK_PROBE_UNSENT)
			continue;
		probe(f, v, r, &r->probes_v[i], &last);
		printed = true;
	}
	if (!printed)
		fprintf(f, " (not sent)");
	annotations(f, v, h->ttl, h->dest);
	fputc('\n', f);
}

/* mtr -r: one row per hop, statistics over every probe of every round. */
static void report_table(FILE *f, const struct trace_view *v)
{
	const struct trace_path *p = v->path;
	unsigned t, i;

	fprintf(f, "HOST: %-30s  Loss%%   Snt    Last     Avg    Best    Wrst   StDev\n",
		v->run->local);
	hop_zero(f, v, true);
	for (t = 0; t < p->nhops; t++) {
		const struct trace_hop *h = &p->hops[t];
		const struct trace_rtt *s = &h->rtt;
		int w = 0;

		fprintf(f, "%3u.|-- ", h->ttl);
		if (h->naddrs) {
			host(f, v, (const struct sockaddr *)&h->addrs[0]);
			w = host_width(v, (const struct sockaddr *)&h->addrs[0]);
		} else {
			w = fprintf(f, "???");
		}
		fprintf(f, "%*s %5.1f%% %5u %7.3f %7.3f %7.3f %7.3f %7.3f", w < 28 ? 28 - w : 0, "",
			h->sent ? 100.0 * (h->sent - h->answered) / h->sent : 0.0, h->sent,
			s->last, s->mean, s->best, s->worst, trace_rtt_stdev(s));
		annotations(f, v, h->ttl, h->dest);
		fputc('\n', f);
		for (i = 1; i < h->naddrs; i++) {
			fprintf(f, "    |  `|-- ");
			host(f, v, (const struct sockaddr *)&h->addrs[i]);
			fputc('\n', f);
		}
	}
}

static const char *df_word(bool df)
{
	return df ? "set" : "clear";
}

/* What the rewrites were measured against, and whether there was anything to measure. */
static void reference_note(FILE *f, const struct trace_view *v)
{
	const struct trace_path *p = v->path;
	const char *opt = v->run->a->tos_opt;

	if (p->any_icmp && !p->any_quote) {
		fprintf(f, "rewrites not checked: no answer came with the quoted IP header "
			"(the marker's ingress program reads it: pmarkctl attach)\n");
		return;
	}
	if (!p->any_quote)
		return;
	fprintf(f, "reference: TOS 0x%02x ", p->ref_tos);
	if (p->tos_ref == TRACE_REF_ASKED)
		fprintf(f, "as sent (%s)", opt ? opt : "asked");
	else
		fprintf(f, "as hop %u received it (no --tos given)", p->ref_hop);
	if (p->df_ref == TRACE_REF_ASKED)
		fprintf(f, ", DF %s as sent (--df)", df_word(p->ref_df));
	else if (p->df_ref == TRACE_REF_QUOTE)
		fprintf(f, ", DF %s as hop %u received it (no --df given)", df_word(p->ref_df),
			p->ref_hop);
	fprintf(f, "%s\n", p->nrewrites ? "" : "; no change seen");
}

static void pmtu_lines(FILE *f, const struct trace_view *v)
{
	const struct pmark_pmtu_result *p = &v->run->pmtu;
	unsigned hop = trace_view_pmtu_hop(v), i;
	uint32_t next = trace_view_next_hop_mtu(v);
	char ip[TOOL_ADDRSTRLEN], mark[32];

	if (p->pmtu)
		fprintf(f, "path MTU %u", p->pmtu);
	else
		fprintf(f, "path MTU unknown: no probe reached the peer");
	if (p->limiter_len) {
		tool_ip_str((const struct sockaddr *)&p->limiter, ip);
		if (hop)
			fprintf(f, ", limited at hop %u (%s)", hop, ip);
		else
			fprintf(f, ", limited at %s (not seen in the trace)", ip);
		if (next)
			fprintf(f, ": next-hop MTU %u", next);
	} else if (p->pmtu) {
		fprintf(f, ": no hop reported a smaller MTU");
	}
	fputc('\n', f);
	if (v->run->pmtu_note)
		fprintf(f, "  search stopped: %s\n", v->run->pmtu_note);
	for (i = 0; i < p->nsteps && i < sizeof(p->steps) / sizeof(p->steps[0]); i++) {
		const struct pmark_pmtu_step *s = &p->steps[i];
		const struct sockaddr *sa = trace_view_step_addr(v, s);

		fprintf(f, "  %5u bytes: ", s->size);
		if (s->state == PMARK_PROBE_UNSENT) {
			fprintf(f, "not sent\n");
			continue;
		}
		if (!sa) {
			fprintf(f, "*\n");
			continue;
		}
		host(f, v, sa);
		fprintf(f, "  %.3f ms", (double)s->ev.rtt_ns / 1e6);
		if (s->state == PMARK_PROBE_ACKED)
			fprintf(f, " (acknowledged)");
		else if (*trace_icmp_mark(v->run->family, s->ev.icmp_type, s->ev.icmp_code,
					  s->ev.mtu, mark, sizeof(mark)))
			fprintf(f, " %s", mark);
		fputc('\n', f);
	}
}

static void load_line(FILE *f, const struct trace_load *l)
{
	uint64_t msgs = atomic_load(&l->job.msgs), bytes = atomic_load(&l->job.bytes);
	double s = (double)(l->end_ns - l->start_ns) / 1e9;

	fprintf(f, "load: %" PRIu64 " of %" PRIu64 " messages of %zu bytes sent on stream 0 "
		"(%" PRIu64 " bytes), ", msgs, l->job.count, l->job.size, bytes);
	if (l->acked)
		fprintf(f, "all acked %.3f s after its start", s);
	else if (l->have_stats)
		fprintf(f, "not all acked after %.3f s (unacked %u, queued %" PRId64 " B)", s,
			l->stats.unacked, l->stats.queued_bytes);
	else
		fprintf(f, "not all acked after %.3f s", s);
	if (l->err)
		fprintf(f, "; stopped by an error (see above)");
	fputc('\n', f);
}

void trace_text_print(FILE *f, const struct trace_view *v)
{
	const struct trace_path *p = v->path;
	unsigned t;

	if (v->run->a->report) {
		report_table(f, v);
	} else {
		hop_zero(f, v, false);
		for (t = 0; t < p->nhops; t++)
			hop_line(f, v, &p->hops[t]);
	}
	if (!p->reached && p->last_ttl < p->max_ttl)
		fprintf(f, "destination not reached: the path ends at hop %u (unreachable)\n",
			p->last_ttl);
	else if (!p->reached)
		fprintf(f, "destination not reached within %u hops\n", p->max_ttl);
	reference_note(f, v);
	if (v->run->have_pmtu)
		pmtu_lines(f, v);
	if (v->run->load)
		load_line(f, v->run->load);
	fflush(f);
}
