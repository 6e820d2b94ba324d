/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pmark_trace: probes with TTL first..max, all sent at once over the
 * association itself, answered by ICMP errors (the hops) or by the peer's
 * ack (the destination).  Built on message tracking (track.c); the trace's
 * events carry PMARK_TRACE_ID_BIT and a tag of its own, so they never reach
 * the application's event queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <netinet/in.h>
#include "pmark_dtls.h"
#include "ep_int.h"
#include "pmark_trace.h"

#define PM_PROBE_HDR 14          /* magic, tag, ttl, seq */
#define PM_TRACK_SLACK_MS 2000   /* tracking outlives the wait: late answers are still recognised */

struct trace_run {
	struct pmark_conn *c;
	struct pmark_trace_config cfg;
	uint32_t tag;
	uint32_t stream;
	uint8_t *payload;
};

static int fill_config(struct pmark_conn *c, const struct pmark_trace_config *in,
		       struct pmark_trace_config *cfg, const char **why)
{
	static const struct pmark_trace_config defaults = PMARK_TRACE_CONFIG_INIT;

	*cfg = in ? *in : defaults;
	if (!cfg->first_ttl)
		cfg->first_ttl = 1;
	if (!cfg->max_ttl)
		cfg->max_ttl = 30;
	if (!cfg->probes)
		cfg->probes = 3;
	if (!cfg->timeout_ms)
		cfg->timeout_ms = 3000;
	if (!cfg->size)
		cfg->size = 32;
	if (!cfg->ppid)
		cfg->ppid = PMARK_PROBE_PPID;
	if (cfg->first_ttl > cfg->max_ttl)
		*why = "the first hop is beyond the last";
	else if (cfg->probes > 32)
		*why = "more than 32 probes per hop";
	else if (cfg->size < PM_PROBE_HDR + 2 || cfg->size > 65000)
		*why = "probe size out of range 16..65000";
	else if (cfg->tos != PMARK_LEAVE && (cfg->tos < 0 || cfg->tos > 255))
		*why = "tos out of range 0..255";
	else if (cfg->df > PMARK_DF_CLEAR)
		*why = "bad df";
	else if (cfg->timeout_ms > 600000)
		*why = "wait longer than 10 minutes";
	else if (cfg->stream != PMARK_TRACE_STREAM_AUTO && cfg->stream >= c->ep->cfg.streams)
		*why = "probe stream beyond the streams the endpoint asked for";
	else
		return 0;
	return -EINVAL;
}

/* Claims c for one trace: a tag no other trace on c holds. */
static int run_begin(struct trace_run *r, struct pmark_conn *c, const struct pmark_trace_config *in,
		     const char **why)
{
	unsigned int none = 0;
	int err;

	memset(r, 0, sizeof(*r));
	r->c = c;
	if ((err = fill_config(c, in, &r->cfg, why)))
		return err;
	if (!pmark_conn_alive(c)) {
		*why = "the association is not established";
		return -ENOTCONN;
	}
	if (c->ep->mode == PMARK_MODE_OFF) {
		*why = "the endpoint is in mode off: nothing is tracked";
		return -EOPNOTSUPP;
	}
	r->stream = r->cfg.stream;
	if (r->stream == PMARK_TRACE_STREAM_AUTO) {
		int n = pm_conn_out_streams(c);

		if (n <= 0) {
			*why = "the association is not established";
			return -ENOTCONN;
		}
		r->stream = (uint32_t)n - 1;
	}
	if (getrandom(&r->tag, sizeof(r->tag), 0) != sizeof(r->tag))
		r->tag = (uint32_t)pmark_now_ns();
	r->tag |= 0x80000000u;   /* PMARK_TRACE_ID_BIT once shifted */
	/* pmark_trace_pmtu sends up to the association's MTU. */
	r->payload = calloc(1, r->cfg.size > c->ep->cfg.mtu ? r->cfg.size : c->ep->cfg.mtu);
	if (!r->payload)
		return -ENOMEM;
	if (!atomic_compare_exchange_strong(&c->trace_tag, &none, r->tag)) {
		free(r->payload);
		*why = "another trace is running on this association";
		return -EBUSY;
	}
	return 0;
}

static void run_end(struct trace_run *r)
{
	atomic_store(&r->c->trace_tag, 0);
	free(r->payload);
}

/* One probe: its own datagram, first transmission only, never retransmitted. */
static int probe_send(struct trace_run *r, uint32_t idx, uint8_t ttl, uint8_t seq, uint32_t len,
		      enum pmark_df df)
{
	struct pmark_opts ip = PMARK_OPTS_INIT;
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;
	uint32_t be;

	memcpy(r->payload, PMARK_PROBE_MAGIC, 8);
	be = htonl(r->tag);
	memcpy(r->payload + 8, &be, 4);
	r->payload[12] = ttl;
	r->payload[13] = seq;
	ip.ttl = ttl ? ttl : PMARK_LEAVE;
	ip.tos = r->cfg.tos;
	ip.tos_mask = 0xff;
	ip.df = df;
	ip.once = true;
	ip.cleartext = r->cfg.cleartext;
	so.stream = (uint16_t)r->stream;
	so.ppid = r->cfg.ppid;
	so.unordered = true;
	so.pr = PMARK_PR_RTX;
	so.pr_value = 0;
	so.ip = &ip;
	so.track_ms = r->cfg.timeout_ms + PM_TRACK_SLACK_MS;
	so.track_id = (uint64_t)r->tag << 32 | idx;
	so.sack_now = true;
	return pmark_send(r->c, r->payload, len, &so);
}

static bool is_unreachable(const struct pmark_track_event *ev, int family)
{
	/* Fragmentation needed is a path-MTU answer, not an end of the road. */
	if (family == AF_INET)
		return ev->icmp_type == 3 && ev->icmp_code != 4;
	return ev->icmp_type == 1;
}

static void sleep_us(uint32_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };

	nanosleep(&ts, NULL);
}

/* Every probe up to `upto` has its answer. */
static bool answered_upto(const struct pmark_trace_result *res, uint8_t upto)
{
	for (uint32_t i = 0; i < res->nprobes; i++) {
		const struct pmark_trace_probe *p = &res->probes_v[i];

		if (p->ttl <= upto && p->state == PMARK_PROBE_TIMEOUT)
			return false;
	}
	return true;
}

static void collect(struct trace_run *r, struct pmark_trace_result *res, uint64_t deadline)
{
	uint8_t stop = 0;   /* an unreachable answer: nothing past it is worth waiting for */

	for (;;) {
		struct pmark_track_event ev;
		struct pmark_trace_probe *p;
		uint32_t idx;
		uint8_t upto = res->dest_ttl ? res->dest_ttl : stop ? stop : res->max_ttl;

		if (answered_upto(res, upto))
			return;
		if (pm_track_next_tagged(r->c, &ev, deadline) != 1)
			return;
		idx = (uint32_t)ev.track_id;
		/* A late answer to an earlier trace on c has another tag. */
		if ((uint32_t)(ev.track_id >> 32) != r->tag || idx >= res->nprobes)
			continue;
		p = &res->probes_v[idx];
		if (p->state == PMARK_PROBE_ACKED)
			continue;
		p->state = ev.kind == PMARK_TRACK_ACKED ? PMARK_PROBE_ACKED : PMARK_PROBE_ICMP;
		p->ev = ev;
		if (ev.datagram_len)
			p->size = ev.datagram_len;
		if (ev.kind == PMARK_TRACK_ACKED && (!res->dest_ttl || p->ttl < res->dest_ttl))
			res->dest_ttl = p->ttl;
		if (ev.kind == PMARK_TRACK_ICMP && is_unreachable(&ev, res->family) && (!stop || p->ttl < stop))
			stop = p->ttl;
	}
}

int pmark_trace(struct pmark_conn *c, const struct pmark_trace_config *cfg,
		struct pmark_trace_result *out, const char **why)
{
	const char *dummy;
	struct trace_run r;
	uint64_t t0, last_send;
	uint32_t hops;
	int err;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!c || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if ((err = run_begin(&r, c, cfg, why)))
		return err;
	hops = (uint32_t)(r.cfg.max_ttl - r.cfg.first_ttl + 1);
	out->family = c->ep->family;
	pmark_conn_remote(c, &out->dest, &out->dest_len);
	out->first_ttl = r.cfg.first_ttl;
	out->max_ttl = r.cfg.max_ttl;
	out->probes = r.cfg.probes;
	out->nprobes = hops * r.cfg.probes;
	out->probes_v = calloc(out->nprobes, sizeof(*out->probes_v));
	if (!out->probes_v) {
		run_end(&r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < out->nprobes; i++) {
		out->probes_v[i].ttl = (uint8_t)(r.cfg.first_ttl + i / r.cfg.probes);
		out->probes_v[i].seq = (uint8_t)(i % r.cfg.probes);
	}
	/* All hops at once, one round of every TTL after the other. */
	t0 = last_send = pmark_now_ns();
	for (uint8_t seq = 0; seq < r.cfg.probes && !err; seq++) {
		for (uint32_t h = 0; h < hops; h++) {
			uint32_t idx = h * r.cfg.probes + seq;
			struct pmark_trace_probe *p = &out->probes_v[idx];

			err = probe_send(&r, idx, p->ttl, seq, r.cfg.size, r.cfg.df);
			if (err) {
				*why = "sending a probe failed";
				break;
			}
			p->state = PMARK_PROBE_TIMEOUT;
			out->probes_sent++;
			last_send = pmark_now_ns();
			if (r.cfg.interval_us)
				sleep_us(r.cfg.interval_us);
		}
	}
	if (out->probes_sent)
		collect(&r, out, last_send + (uint64_t)r.cfg.timeout_ms * 1000000ull);
	out->duration_ns = pmark_now_ns() - t0;
	run_end(&r);
	if (err && !out->probes_sent) {
		pmark_trace_result_free(out);
		return err;
	}
	out->last_ttl = out->max_ttl;
	if (out->dest_ttl) {
		out->last_ttl = out->dest_ttl;
	} else {
		for (uint32_t i = 0; i < out->nprobes; i++)
			if (out->probes_v[i].state == PMARK_PROBE_ICMP &&
			    is_unreachable(&out->probes_v[i].ev, out->family) &&
			    out->probes_v[i].ttl < out->last_ttl)
				out->last_ttl = out->probes_v[i].ttl;
	}
	return 0;
}

void pmark_trace_result_free(struct pmark_trace_result *r)
{
	if (!r)
		return;
	free(r->probes_v);
	r->probes_v = NULL;
	r->nprobes = 0;
}

/* ---- path MTU ---- */

/* RFC 1191's plateaus: where to go next when a hop names no MTU. */
static uint32_t plateau_below(uint32_t size)
{
	static const uint32_t plateaus[] = { 65535, 32000, 17914, 8166, 4352, 2002, 1500, 1492,
					     1280, 1006, 576, 508, 296, 68 };

	for (size_t i = 0; i < sizeof(plateaus) / sizeof(plateaus[0]); i++)
		if (plateaus[i] < size)
			return plateaus[i];
	return 0;
}

/* What the kernel will send to the peer unfragmented now (it learns from the errors too). */
static uint32_t route_mtu(struct pmark_conn *c)
{
	int fd = socket(c->remote.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int mtu = 0;
	socklen_t l = sizeof(mtu);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)&c->remote, c->remote_len) ||
	    getsockopt(fd, c->remote.ss_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       c->remote.ss_family == AF_INET6 ? IPV6_MTU : IP_MTU, &mtu, &l))
		mtu = 0;
	close(fd);
	return mtu > 0 ? (uint32_t)mtu : 0;
}

static bool is_too_big(const struct pmark_track_event *ev, int family)
{
	return ev->error == EMSGSIZE ||
	       (family == AF_INET ? ev->icmp_type == 3 && ev->icmp_code == 4 : ev->icmp_type == 2);
}

/* One probe of `size` IP bytes: ACKED, ICMP (in *ev) or TIMEOUT. */
static int pmtu_step(struct trace_run *r, uint32_t idx, uint32_t size, struct pmark_track_event *ev)
{
	/* IP + UDP, the transform's record header and tag, SCTP common header, DATA chunk header */
	uint32_t over = (r->c->ep->family == AF_INET6 ? 48u : 28u) + 12u + 16u +
			(r->c->ep->xf ? (uint32_t)r->c->ep->xf->overhead : 0u);
	uint64_t deadline;
	int err = probe_send(r, idx, 0, 0, size - over,
			     r->c->ep->family == AF_INET ? PMARK_DF_SET : PMARK_DF_LEAVE);

	if (err)
		return err;
	deadline = pm_deadline_ns((int)r->cfg.timeout_ms);
	while (pm_track_next_tagged(r->c, ev, deadline) == 1) {
		if ((uint32_t)ev->track_id != idx || (uint32_t)(ev->track_id >> 32) != r->tag)
			continue;   /* a late answer to an earlier step or trace */
		return ev->kind == PMARK_TRACK_ACKED ? PMARK_PROBE_ACKED : PMARK_PROBE_ICMP;
	}
	return PMARK_PROBE_TIMEOUT;
}

int pmark_trace_pmtu(struct pmark_conn *c, uint32_t start_mtu, const struct pmark_trace_config *cfg,
		     struct pmark_pmtu_result *out, const char **why)
{
	const char *dummy;
	struct trace_run r;
	uint32_t size, floor, limit, retried = 0;
	int err, family;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!c || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	family = c->ep->family;
	floor = family == AF_INET6 ? 1280 : 68 + 56;
	limit = c->ep->cfg.mtu;       /* usrsctp would split a bigger probe into chunks */
	size = start_mtu ? start_mtu : limit;
	if (size > limit) {
		*why = "start MTU above the association's MTU: open the endpoint with a larger mtu";
		return -EINVAL;
	}
	if ((err = run_begin(&r, c, cfg, why)))
		return err;
	while (size >= floor && out->nsteps < sizeof(out->steps) / sizeof(out->steps[0])) {
		struct pmark_pmtu_step *st = &out->steps[out->nsteps];
		uint32_t kernel = route_mtu(c);
		int state;

		if (kernel && size > kernel)
			size = kernel;   /* bigger would be fragmented here, not probed there */
		size &= ~3u;         /* the probe is one padded DATA chunk */
		st->size = size;
		state = pmtu_step(&r, out->nsteps, size, &st->ev);
		if (state < 0) {
			*why = "sending a probe failed";
			err = state;
			break;
		}
		st->state = state;
		out->nsteps++;
		if (state == PMARK_PROBE_ACKED) {
			out->pmtu = size;
			break;
		}
		if (state == PMARK_PROBE_ICMP && is_too_big(&st->ev, family)) {
			out->limiter = st->ev.offender;
			out->limiter_len = st->ev.offender_len;
			size = st->ev.mtu && st->ev.mtu < size ? st->ev.mtu : plateau_below(size);
			retried = 0;
			continue;
		}
		if (state == PMARK_PROBE_ICMP) {
			*why = "a hop answered the probe with an error other than too big";
			break;
		}
		/* Silence: lost, or a hop that drops too-big packets without a word. */
		if (!retried++)
			continue;
		size = plateau_below(size);
		retried = 0;
	}
	run_end(&r);
	return err;
}
