// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark-trace: connect to HOST:PORT over SCTP in UDP and trace the path of
 * that association with probes inside it (pmark_trace.h): traceroute's
 * output, mtr's report over rounds, the path MTU, and where on the way the
 * TOS or DF was rewritten.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmark_trace.h"
#include "tool_addr.h"
#include "tool_ep.h"
#include "tool_util.h"
#include "trace_load.h"
#include "trace_names.h"
#include "trace_opts.h"
#include "trace_out.h"
#include "trace_path.h"
#include "trace_route.h"
#include "trace_run.h"

#define CLOSE_MS 2000

static void loud_log(const char *msg, void *ctx)
{
	(void)ctx;
	tool_warn("%s", msg);
}

static bool is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
}

static void set_port(struct sockaddr_storage *ss, const struct sockaddr_storage *from)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = ((const struct sockaddr_in6 *)from)->sin6_port;
	else
		((struct sockaddr_in *)ss)->sin_port = ((const struct sockaddr_in *)from)->sin_port;
}

/*
 * The association's local end as the peer sees it: the endpoint's port,
 * and when it is bound to the wildcard, the source address the route to
 * the target picks.
 */
static void local_end(struct trace_run *r, const struct sockaddr_storage *route_src)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);

	if (pmark_ep_local(r->ep, &bound, &len)) {
		memcpy(&bound, &r->a->local.ss, sizeof(bound));
	}
	if (route_src && is_wildcard((const struct sockaddr *)&bound)) {
		memcpy(&r->local_ip, route_src, sizeof(r->local_ip));
		set_port(&r->local_ip, &bound);
	} else {
		memcpy(&r->local_ip, &bound, sizeof(r->local_ip));
	}
	tool_addr_str((const struct sockaddr *)&r->local_ip, r->local);
}

/* A probe split over datagrams would not be one probe: it must fit the MTU. */
static void check_size(const struct trace_run *r)
{
	uint32_t ip_udp = r->family == AF_INET6 ? 48 : 28;

	if (r->probe_bytes + ip_udp > r->assoc_mtu)
		tool_usage_error("--size %u: a probe must fit in one datagram of the association's "
				 "MTU %u: at most %u bytes", r->a->cfg.size, r->assoc_mtu,
				 (r->assoc_mtu - ip_udp - 28) & ~3u);
}

/* What the probes' datagrams measured, when the library says (it should be the computed size). */
static void measured_size(struct trace_run *r)
{
	uint32_t i;

	for (i = 0; r->nrounds && i < r->rounds[0].nprobes; i++)
		if (r->rounds[0].probes_v[i].size) {
			r->probe_bytes = r->rounds[0].probes_v[i].size;
			return;
		}
}

static struct pmark_conn *connect_or_die(struct trace_run *r)
{
	const struct trace_args *a = r->a;
	struct pmark_conn *c;
	int err;

	c = pmark_connect(r->ep, (const struct sockaddr *)&a->target.ss, a->target.len,
			  a->connect_timeout_ms);
	if (!c) {
		err = errno;
		pmark_ep_close(r->ep);
		tool_die("connect %s: %s", r->target, tool_errstr(err));
	}
	return c;
}

/* Every address the output names, looked up within one budget. */
static struct trace_names *names_of(const struct trace_path *p, const struct trace_run *r)
{
	struct trace_names *t = trace_names_new();
	unsigned h, i;

	if (!t) {
		tool_warn("reverse lookups: %s", tool_errstr(ENOMEM));
		return NULL;
	}
	for (h = 0; h < p->nhops; h++)
		for (i = 0; i < p->hops[h].naddrs; i++)
			trace_names_add(t, (const struct sockaddr *)&p->hops[h].addrs[i]);
	for (i = 0; r->have_pmtu && i < r->pmtu.nsteps && i < 16; i++)
		if (r->pmtu.steps[i].state == PMARK_PROBE_ICMP)
			trace_names_add(t, (const struct sockaddr *)&r->pmtu.steps[i].ev.offender);
	trace_names_resolve(t, TRACE_NAMES_BUDGET_MS);
	return t;
}

/* Trace (and --pmtu); the error that cut it short into buf, or NULL. */
static const char *run(struct trace_run *r, char *buf, size_t len)
{
	const char *why = NULL;
	int err;

	err = trace_run_traces(r, &why);
	if (err) {
		snprintf(buf, len, "trace %s: %s", r->target, why ? why : tool_errstr(err));
		return buf;
	}
	if (!r->a->pmtu)
		return NULL;
	err = trace_run_pmtu(r, &why);
	if (err) {
		snprintf(buf, len, "path MTU %s: %s", r->target, why ? why : tool_errstr(err));
		return buf;
	}
	return NULL;
}

/* --pmtu without --mtu: the route's MTU, or probes bigger than 1280 could not be sent. */
static void choose_mtu(struct trace_args *a, struct trace_run *r, int route_err)
{
	if (a->pmtu && !a->mtu_given) {
		if (route_err)
			tool_die("route MTU to %s: %s", r->target, tool_errstr(route_err));
		a->ep.mtu = r->route_mtu;
	}
	r->assoc_mtu = a->ep.mtu ? a->ep.mtu : 1280;
	r->probe_bytes = trace_probe_datagram_bytes(a->cfg.size) +
			 (a->dtls.on ? (uint32_t)pmark_dtls_ops.overhead : 0);
	check_size(r);
}

/* After the trace: stop the load (on an error) or let it be acked; its error into buf. */
static const char *end_load(struct trace_run *r, bool stop, char *buf, size_t len)
{
	struct trace_load *l = r->load;

	if (stop)
		trace_load_stop(l);
	else
		trace_load_finish(l, TRACE_LOAD_LINGER_MS);
	if (!l->err)
		return NULL;
	snprintf(buf, len, "load: send message %llu to %s: %s",
		 (unsigned long long)l->job.err_seq, r->target, tool_errstr(l->err));
	return buf;
}

/* The path from the rounds, the names, the association's counters, printed. */
static void print(struct trace_run *r, struct trace_view *v)
{
	const struct trace_args *a = r->a;
	struct trace_sent sent = {
		.tos_known = a->tos_opt != NULL, .tos = (uint8_t)(a->tos_opt ? a->cfg.tos : 0),
		.df_known = a->cfg.df == PMARK_DF_SET, .df = true,
	};
	struct trace_names *names = NULL;
	struct trace_path path;

	measured_size(r);
	if (trace_path_build(&path, r->rounds, r->nrounds, &sent,
			     (const struct sockaddr *)&r->local_ip))
		tool_die("%s", tool_errstr(ENOMEM));
	if (!a->numeric)
		names = names_of(&path, r);
	v->run = r;
	v->path = &path;
	v->names = names;
	v->have_stats = pmark_conn_stats(r->conn, &v->stats) == 0;
	if (a->json)
		trace_json_print(stdout, v);
	else
		trace_text_print(stdout, v);
	trace_names_free(names);
	trace_path_free(&path);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage route_src;
	char errbuf[512], loadbuf[512];
	struct trace_view v = { 0 };
	struct trace_run r = { 0 };
	struct trace_load load;
	struct trace_args a;
	int err, route_err;

	tool_prog = "pmark-trace";
	tool_usage_hint = "pmark-trace --help";
	trace_opts_parse(argc, argv, &a);
	r.a = &a;
	r.family = a.target.ss.ss_family;
	tool_addr_str((const struct sockaddr *)&a.target.ss, r.target);
	route_err = trace_route_get((const struct sockaddr *)&a.target.ss, a.target.len, &route_src,
				    &r.route_mtu);
	if (route_err)
		r.route_mtu = 0;
	choose_mtu(&a, &r, route_err);
	a.ep.log = loud_log;
	tool_dtls_setup(&a.dtls, &a.ep);

	r.ep = tool_ep_open((const struct sockaddr *)&a.local.ss, a.local.len, &a.ep);
	r.conn = connect_or_die(&r);
	local_end(&r, route_err ? NULL : &route_src);
	if (!a.json)
		trace_text_header(stdout, &r);
	if (a.load) {
		err = trace_load_start(&load, r.conn, a.load_count, a.load_size);
		if (err) {
			pmark_conn_close(r.conn, 0);
			pmark_ep_close(r.ep);
			tool_die("load: no thread: %s", tool_errstr(err));
		}
		r.load = &load;
	}

	v.error = run(&r, errbuf, sizeof(errbuf));
	if (v.error)
		tool_warn("%s", v.error);
	if (r.load)
		v.load_error = end_load(&r, v.error != NULL, loadbuf, sizeof(loadbuf));
	if (v.load_error)
		tool_warn("%s", v.load_error);
	/* Not one round: nothing to print but the error. */
	if (r.nrounds)
		print(&r, &v);
	pmark_conn_close(r.conn, CLOSE_MS);
	pmark_ep_close(r.ep);
	tool_dtls_free(&a.dtls);
	trace_run_free(&r);
	return v.error || v.load_error ? EXIT_RUNTIME : 0;
}
