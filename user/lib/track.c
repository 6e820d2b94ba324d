/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Message tracking: for each datagram of a tracked message, what tells an
 * ICMP error about it from the others (its first TSN, the IPv4 ID stamped
 * on it) and when it left; the events an application (or pmark_trace)
 * reads.  Entries are direct-mapped by TSN: two tracked TSNs 4096 apart
 * cannot both be remembered, and the older one is forgotten, never confused
 * (each entry holds its own TSN).
 *
 * A tracked message counts as delivered when the peer acks its last chunk
 * in a gap block, or by the cumulative ack before any FORWARD-TSN of ours
 * skipped it: a PR-SCTP message abandoned and skipped is "acked" by the
 * cumulative TSN too, without ever arriving.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "ep_int.h"

#define PM_TRACK_SLOTS 4096u
#define PM_EVQ_MAX 4096u

struct pm_track_ent {
	uint32_t tsn, msg_tsn, ppid, key, dgram_len;
	uint64_t track_id, sent_ns, expire_ns;
	uint64_t record_id;          /* protected: the DTLS record of its last transmission */
	uint16_t stream, ip_id;
	bool used, last, acked, abandoned, icmp_seen;
};

struct pm_evq {
	struct pmark_track_event *v;
	uint32_t head, len, cap;
};

struct pm_track {
	struct pm_track_ent ent[PM_TRACK_SLOTS];  /* map_lock */
	/* Protected association: which tracked TSN each DTLS record carried,
	 * direct-mapped by sequence (consecutive records never collide). */
	struct { uint64_t record_id; uint32_t tsn; } rec[PM_TRACK_SLOTS];
	uint32_t pend[PM_TRACK_SLOTS];            /* last TSNs of messages not yet acked (map_lock) */
	uint32_t npend;
	pthread_mutex_t lock;                     /* the queues below */
	pthread_cond_t cond;
	struct pm_evq app, trace;
	bool ended;
};

/* Created on first use, under map_lock; published for the event readers. */
static struct pm_track *track_get_locked(struct pmark_conn *c)
{
	struct pm_track *t = __atomic_load_n(&c->track, __ATOMIC_ACQUIRE);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pm_cond_init(&t->cond);
	__atomic_store_n(&c->track, t, __ATOMIC_RELEASE);
	return t;
}

static struct pm_track *track_get(struct pmark_conn *c)
{
	struct pm_track *t = __atomic_load_n(&c->track, __ATOMIC_ACQUIRE);

	if (!t) {
		pthread_mutex_lock(&c->map_lock);
		t = track_get_locked(c);
		pthread_mutex_unlock(&c->map_lock);
	}
	return t;
}

static struct pm_track_ent *ent_find(const struct pmark_conn *c, uint32_t tsn, uint64_t now)
{
	struct pm_track_ent *e;

	if (!c->track)
		return NULL;
	e = &c->track->ent[tsn & (PM_TRACK_SLOTS - 1)];
	return e->used && e->tsn == tsn && now < e->expire_ns ? e : NULL;
}

static uint16_t next_ip_id(struct pmark_ep *ep)
{
	uint16_t id;

	do
		id = (uint16_t)atomic_fetch_add(&ep->next_ip_id, 1);
	while (!id);
	return id;
}

uint16_t pm_track_add_locked(struct pmark_conn *c, uint32_t tsn, uint32_t key,
			     const struct pm_track_info *ti)
{
	struct pm_track *t = track_get_locked(c);
	struct pm_track_ent *e;
	uint64_t now = pmark_now_ns();

	if (!t)
		return 0;
	e = &t->ent[tsn & (PM_TRACK_SLOTS - 1)];
	*e = (struct pm_track_ent){
		.tsn = tsn, .msg_tsn = ti->msg_tsn, .ppid = ti->ppid, .key = key,
		.track_id = ti->track_id, .sent_ns = now,
		.expire_ns = now + (uint64_t)ti->track_ms * 1000000ull,
		.stream = ti->stream, .used = true, .last = ti->last,
	};
	/* The IP ID is what an 8-byte quote still shows; only the marker can write it. */
	if (c->ep->family == AF_INET && c->ep->maps)
		e->ip_id = next_ip_id(c->ep);
	if (ti->last && t->npend < PM_TRACK_SLOTS)
		t->pend[t->npend++] = tsn;
	return e->ip_id;
}

void pm_track_sent_locked(struct pmark_conn *c, uint32_t tsn, uint32_t dgram_len)
{
	uint64_t now = pmark_now_ns();
	struct pm_track_ent *e = ent_find(c, tsn, now);

	if (e) {
		e->sent_ns = now;
		e->dgram_len = dgram_len;
	}
}

void pm_track_record_locked(struct pmark_conn *c, uint32_t tsn, uint64_t record_id,
			    uint32_t wire_len)
{
	struct pm_track_ent *e = ent_find(c, tsn, pmark_now_ns());
	uint32_t i = (uint32_t)record_id & (PM_TRACK_SLOTS - 1);

	if (!e)
		return;
	e->record_id = record_id;
	e->dgram_len = wire_len;     /* what left is the protected datagram */
	c->track->rec[i].record_id = record_id;
	c->track->rec[i].tsn = tsn;
}

uint16_t pm_track_ip_id_locked(const struct pmark_conn *c, uint32_t tsn)
{
	const struct pm_track_ent *e = ent_find(c, tsn, pmark_now_ns());

	return e ? e->ip_id : 0;
}

/* The tracked entry whose datagram was this DTLS record. */
static struct pm_track_ent *ent_by_record(const struct pmark_conn *c, uint64_t record_id, uint64_t now)
{
	uint32_t i = (uint32_t)record_id & (PM_TRACK_SLOTS - 1);
	struct pm_track_ent *e;

	if (!c->track || !record_id || c->track->rec[i].record_id != record_id)
		return NULL;
	e = ent_find(c, c->track->rec[i].tsn, now);
	/* Sent again since (a newer record): still the same TSN, still this entry. */
	return e;
}

bool pm_track_has_locked(const struct pmark_conn *c, uint32_t tsn)
{
	return ent_find(c, tsn, pmark_now_ns()) != NULL;
}

static void opts_from_key(uint32_t key, struct pmark_opts *o)
{
	uint8_t f = pm_key_flags(key);

	*o = (struct pmark_opts)PMARK_OPTS_INIT;
	if (f & PMARK_F_TTL)
		o->ttl = pm_key_ttl(key);
	if (f & PMARK_F_TOS) {
		o->tos = pm_key_tos(key);
		o->tos_mask = pm_key_mask(key);
	}
	o->df = f & PMARK_F_DF_SET ? PMARK_DF_SET : f & PMARK_F_DF_CLEAR ? PMARK_DF_CLEAR : PMARK_DF_LEAVE;
	o->once = f & PMARK_F_ONCE;
	o->cleartext = f & PM_KEY_CLEAR;
}

static void event_from(const struct pm_track_ent *e, int kind, uint64_t at, struct pmark_track_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->track_id = e->track_id;
	ev->stream = e->stream;
	ev->ppid = e->ppid;
	ev->tsn = e->tsn;
	ev->msg_tsn = e->msg_tsn;
	ev->ip_id = e->ip_id;
	ev->record_id = e->record_id;
	ev->datagram_len = e->dgram_len;
	opts_from_key(e->key, &ev->sent);
	ev->sent.stamp_id = e->ip_id != 0;
	ev->sent.ip_id = e->ip_id;
	ev->sent_ns = e->sent_ns;
	ev->event_ns = at;
	ev->rtt_ns = at > e->sent_ns ? at - e->sent_ns : 0;
}

static bool evq_push(struct pm_evq *q, const struct pmark_track_event *ev)
{
	if (q->len == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 64;
		struct pmark_track_event *v;

		if (q->cap >= PM_EVQ_MAX || !(v = malloc(cap * sizeof(*v))))
			return false;
		for (uint32_t i = 0; i < q->len; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->head = 0;
		q->cap = cap;
	}
	q->v[(q->head + q->len++) % q->cap] = *ev;
	return true;
}

static void push_event(struct pmark_conn *c, const struct pmark_track_event *ev)
{
	struct pm_track *t = c->track;
	unsigned int tag = atomic_load(&c->trace_tag);
	bool ok;

	/* Late answers to a finished trace have nobody to go to. */
	if ((ev->track_id & PMARK_TRACE_ID_BIT) && (!tag || (uint32_t)(ev->track_id >> 32) != tag))
		return;
	pthread_mutex_lock(&t->lock);
	ok = evq_push(ev->track_id & PMARK_TRACE_ID_BIT ? &t->trace : &t->app, ev);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (!ok)
		pm_count(c, PS_EV_DROPPED, 1);
}

static bool in_gaps(const uint8_t *pkt, const struct pm_chunk *ch, const struct pm_sack *s, uint32_t tsn)
{
	for (uint16_t i = 0; i < s->gaps; i++) {
		uint16_t start, end;

		pm_sack_gap(pkt, ch, i, &start, &end);
		if (pmark_tsn_le(s->cum_tsn_ack + start, tsn) && pmark_tsn_le(tsn, s->cum_tsn_ack + end))
			return true;
	}
	return false;
}

void pm_track_sack_locked(struct pmark_conn *c, const uint8_t *pkt, const struct pm_chunk *ch,
			  const struct pm_sack *s)
{
	struct pm_track *t = c->track;
	uint64_t now = pmark_now_ns();
	uint32_t kept = 0;

	if (!t)
		return;
	for (uint32_t i = 0; i < t->npend; i++) {
		struct pm_track_ent *e = ent_find(c, t->pend[i], now);
		bool covered;

		if (!e || e->acked)
			continue;
		covered = pmark_tsn_le(e->tsn, s->cum_tsn_ack);
		if ((covered && !e->abandoned) || in_gaps(pkt, ch, s, e->tsn)) {
			struct pmark_track_event ev;

			e->acked = true;
			event_from(e, PMARK_TRACK_ACKED, now, &ev);
			push_event(c, &ev);
			continue;
		}
		if (!covered)
			t->pend[kept++] = e->tsn;
	}
	t->npend = kept;
}

void pm_track_forward_locked(struct pmark_conn *c, uint32_t new_cum)
{
	struct pm_track *t = c->track;
	uint64_t now = pmark_now_ns();

	for (uint32_t i = 0; t && i < t->npend; i++) {
		struct pm_track_ent *e = ent_find(c, t->pend[i], now);

		if (e && !e->acked && pmark_tsn_le(e->tsn, new_cum))
			e->abandoned = true;
	}
}

static bool offender_is(const struct pm_icmp_err *err, const struct pmark_quote *q)
{
	if (err->offender.ss_family == AF_INET)
		return q->family == 4 &&
		       ((const struct sockaddr_in *)&err->offender)->sin_addr.s_addr == q->offender[0];
	return q->family == 6 &&
	       !memcmp(&((const struct sockaddr_in6 *)&err->offender)->sin6_addr, q->offender, 16);
}

/* What the ingress program saw of this error, if it saw it. */
static bool quote_of(struct pmark_conn *c, const struct pm_track_ent *e, const struct pm_icmp_err *err,
		     struct pmark_quote *q)
{
	struct pmark_quote_key k = { .sport = c->ep->port };

	if (!c->ep->maps)
		return false;
	if (c->ep->family == AF_INET) {
		if (!e->ip_id)
			return false;
		k.family = 4;
		k.ident = e->ip_id;
	} else if (c->ep->xf) {
		/* Protected: the ingress program keys it by the quoted DTLS record. */
		if (!e->record_id)
			return false;
		k.family = 6;
		k.kind = PMARK_QUOTE_DTLS;
		k.ident = (uint32_t)e->record_id;
		k.vtag = (uint32_t)(e->record_id >> 48) << 16 | (uint32_t)(e->record_id >> 32 & 0xffff);
	} else {
		k.family = 6;
		k.ident = e->tsn;
		k.vtag = c->peer_vtag;
	}
	return pmark_quote_lookup(c->ep->maps, &k, q) == 0 && offender_is(err, q) &&
	       q->ktime_ns + 1000000ull >= e->sent_ns && q->ktime_ns <= err->now_ns + 1000000ull;
}

/*
 * A quote too short to hold a TSN (RFC 792 hops quote 8 bytes past the IP
 * header): the tracked datagram whose stamped IP ID the ingress program saw
 * quoted by this offender, earliest first.
 */
static struct pm_track_ent *match_by_ip_id(struct pmark_conn *c, const struct pm_icmp_err *err,
					   struct pmark_quote *qbest)
{
	struct pm_track_ent *best = NULL;

	for (uint32_t i = 0; i < PM_TRACK_SLOTS; i++) {
		struct pm_track_ent *e = &c->track->ent[i];
		struct pmark_quote q;

		if (!e->used || !e->ip_id || e->icmp_seen || err->now_ns >= e->expire_ns ||
		    !quote_of(c, e, err, &q))
			continue;
		if (!best || q.ktime_ns < qbest->ktime_ns) {
			best = e;
			*qbest = q;
		}
	}
	return best;
}

void pm_track_icmp(struct pmark_conn *c, const struct pm_icmp_err *err)
{
	struct pmark_track_event ev;
	struct pmark_quote q;
	struct pm_track_ent *e = NULL;
	struct pm_quote sq;
	bool known = false;
	int match = PMARK_MATCH_NONE;
	uint64_t rid;

	pm_count(c, PS_ICMP, 1);
	pm_quote_parse(err->quote, err->quote_len, &sq);
	pthread_mutex_lock(&c->map_lock);
	if (!c->track)
		goto out;
	if (c->ep->xf && pm_dtls_record_id(err->quote, err->quote_len, &rid)) {
		/* Only the encrypted datagram is quoted: its record id names the TSN it carried. */
		e = ent_by_record(c, rid, err->now_ns);
		match = PMARK_MATCH_RECORD;
		known = e && quote_of(c, e, err, &q);
	} else if (!c->ep->xf && sq.has_tsn && sq.vtag == c->peer_vtag) {
		e = ent_find(c, sq.tsn, err->now_ns);
		match = PMARK_MATCH_TSN;
		known = e && quote_of(c, e, err, &q);
	} else if (!sq.has_tsn && c->ep->family == AF_INET) {
		e = match_by_ip_id(c, err, &q);
		match = PMARK_MATCH_IPID;
		known = e != NULL;
	}
	if (!e)
		goto out;
	e->icmp_seen = true;
	event_from(e, PMARK_TRACK_ICMP, known ? q.ktime_ns : err->now_ns, &ev);
	ev.offender = err->offender;
	ev.offender_len = err->offender_len;
	ev.icmp_type = err->type;
	ev.icmp_code = err->code;
	ev.error = err->error;
	ev.mtu = err->error == EMSGSIZE ? err->info : 0;
	ev.match = match;
	ev.quoted_len = (uint32_t)err->quote_len;
	if (known) {
		ev.quote_known = true;
		ev.q_tos = q.qtos;
		ev.q_ttl = q.qttl;
		ev.q_df = q.qfrag_off & 0x4000;
		ev.q_len = q.qtot_len;
		ev.q_flow = q.qflow;
		if (q.quoted_len >= 8)
			ev.quoted_len = q.quoted_len - 8u;
		if (!ev.mtu)
			ev.mtu = q.mtu;
	}
	pthread_mutex_unlock(&c->map_lock);
	pm_count(c, PS_ICMP_MATCHED, 1);
	push_event(c, &ev);
	return;
out:
	pthread_mutex_unlock(&c->map_lock);
}

static int next_from(struct pmark_conn *c, struct pm_evq *q, struct pmark_track_event *ev,
		     uint64_t deadline)
{
	struct pm_track *t = c->track;
	int rc = 1;

	pthread_mutex_lock(&t->lock);
	while (!q->len) {
		struct timespec ts;

		if (t->ended) {
			rc = -EPIPE;
			goto out;
		}
		if (pmark_now_ns() >= deadline) {
			rc = -ETIMEDOUT;
			goto out;
		}
		if (deadline == UINT64_MAX) {
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		ts.tv_sec = (time_t)(deadline / 1000000000ull);
		ts.tv_nsec = (long)(deadline % 1000000000ull);
		pthread_cond_timedwait(&t->cond, &t->lock, &ts);
	}
	*ev = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int pmark_track_next(struct pmark_conn *c, struct pmark_track_event *ev, int timeout_ms)
{
	struct pm_track *t;

	if (!c || !ev)
		return -EINVAL;
	t = track_get(c);
	if (!t)
		return -ENOMEM;
	return next_from(c, &t->app, ev, pm_deadline_ns(timeout_ms));
}

int pm_track_next_tagged(struct pmark_conn *c, struct pmark_track_event *ev, uint64_t deadline_ns)
{
	struct pm_track *t = track_get(c);

	return t ? next_from(c, &t->trace, ev, deadline_ns) : -ENOMEM;
}

void pm_track_wake(struct pmark_conn *c)
{
	struct pm_track *t = __atomic_load_n(&c->track, __ATOMIC_ACQUIRE);

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->ended = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void pm_track_free(struct pmark_conn *c)
{
	struct pm_track *t = c->track;

	if (!t)
		return;
	free(t->app.v);
	free(t->trace.v);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
	c->track = NULL;
}
