/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which message does a DATA / I-DATA chunk belong to?  usrsctp assigns TSNs
 * itself and tells no one, but on each stream it sends messages in the order
 * they were queued, so a chunk with the B bit starts the oldest message still
 * waiting on its stream; chunks without B continue the stream's current
 * message (DATA) or the message with their MID (I-DATA).  Each match is
 * confirmed by what the chunk shows (U bit, SSN/MID, length, first bytes);
 * messages PR-SCTP abandoned before their first chunk went out are skipped.
 * A chunk nothing matches goes out unmarked and is counted: never mislabeled.
 *
 * Called with c->map_lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ep_int.h"

#define PM_MATCH_WINDOW 64   /* queued messages a B chunk may skip over */
#define PM_DESC_SPARE 256    /* descriptors kept for reuse: no malloc per message */

static struct pm_desc *desc_alloc(struct pmark_conn *c)
{
	struct pm_desc *d = c->spare;

	if (!d)
		return calloc(1, sizeof(*d));
	c->spare = d->next;
	c->nspare--;
	memset(d, 0, sizeof(*d));
	return d;
}

static void desc_release(struct pmark_conn *c, struct pm_desc *d)
{
	if (!d)
		return;
	if (c->nspare >= PM_DESC_SPARE) {
		free(d);
		return;
	}
	d->next = c->spare;
	c->spare = d;
	c->nspare++;
}

static bool desc_matches(const struct pm_desc *m, const uint8_t *pkt, const struct pm_data *d)
{
	bool u = d->flags & PM_DATA_U;
	uint32_t n;

	if (m->unordered != u)
		return false;
	if (d->idata ? m->mid != d->mid : (!u && (uint16_t)m->mid != (uint16_t)d->mid))
		return false;
	if (d->flags & PM_DATA_E ? d->payload_len != m->len : d->payload_len >= m->len)
		return false;
	n = m->prefix_len < d->payload_len ? m->prefix_len : d->payload_len;
	return memcmp(m->prefix, pkt + d->payload_off, n) == 0;
}

static void desc_unlink(struct pm_stream *s, struct pm_desc *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		s->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		s->tail = m->prev;
	m->prev = m->next = NULL;
}

/* The queued message a B chunk starts; the ones before it were abandoned unsent. */
static struct pm_desc *take_first(struct pmark_conn *c, struct pm_stream *s, const uint8_t *pkt,
				  const struct pm_data *d)
{
	struct pm_desc *m = s->head;

	for (int i = 0; m && i < PM_MATCH_WINDOW; i++, m = m->next) {
		if (!desc_matches(m, pkt, d))
			continue;
		while (s->head != m) {
			struct pm_desc *gone = s->head;

			desc_unlink(s, gone);
			desc_release(c, gone);
		}
		desc_unlink(s, m);
		return m;
	}
	return NULL;
}

static struct pm_desc *idata_active(struct pm_stream *s, const struct pm_data *d, struct pm_desc ***link)
{
	bool u = d->flags & PM_DATA_U;

	for (struct pm_desc **p = &s->active; *p; p = &(*p)->next) {
		if ((*p)->unordered == u && (*p)->mid == d->mid) {
			*link = p;
			return *p;
		}
	}
	return NULL;
}

/* The message of a chunk sent for the first time, or NULL. */
static struct pm_desc *chunk_message(struct pmark_conn *c, const uint8_t *pkt, const struct pm_data *d,
				     bool *finished)
{
	struct pm_stream *s = d->sid < c->nstreams ? &c->streams[d->sid] : NULL;
	struct pm_desc *m = NULL, **link = NULL;

	*finished = false;
	if (!s)
		return NULL;
	if (d->idata) {
		if (d->flags & PM_DATA_B) {
			m = take_first(c, s, pkt, d);
			if (m) {
				m->next = s->active;
				s->active = m;
				link = &s->active;
			}
		} else {
			m = idata_active(s, d, &link);
		}
		if (m && (d->flags & PM_DATA_E)) {
			*link = m->next;
			*finished = true;
		}
		return m;
	}
	if (d->flags & PM_DATA_B) {
		desc_release(c, s->cur);   /* a message PR-SCTP abandoned part way */
		s->cur = take_first(c, s, pkt, d);
	} else if (s->cur && (s->cur->unordered != !!(d->flags & PM_DATA_U) ||
			      (!s->cur->unordered && (uint16_t)s->cur->mid != (uint16_t)d->mid))) {
		return NULL;
	}
	m = s->cur;
	if (m && (d->flags & PM_DATA_E)) {
		s->cur = NULL;
		*finished = true;
	}
	return m;
}

/* Remember TSNs a new highest TSN jumped over: they may still go out first. */
static void note_skipped(struct pmark_conn *c, uint32_t from, uint32_t to)
{
	uint32_t gap = to - from;

	if (gap > c->seen_mask + 1)
		from = to - (c->seen_mask + 1);
	for (uint32_t t = from; t != to; t++)
		c->seen[t & c->seen_mask] = (struct pm_tsn_seen){ .tsn = t, .state = 1 };
}

/* What the chunk's track entry needs from its message. */
static void track_info(struct pm_desc *m, const struct pm_data *d, struct pm_track_info *ti)
{
	if (!m->have_first) {
		m->have_first = true;
		m->first_tsn = d->tsn;
	}
	*ti = (struct pm_track_info){ .tracked = true, .last = d->flags & PM_DATA_E,
				      .track_ms = m->track_ms, .track_id = m->track_id,
				      .ppid = m->ppid, .msg_tsn = m->first_tsn, .stream = m->stream,
				      .serial = m->serial };
}

int pm_chunk_key(struct pmark_conn *c, const uint8_t *pkt, const struct pm_data *d,
		 uint32_t *key, uint32_t *expire_ms, bool *first, struct pm_track_info *ti)
{
	struct pm_tsn_seen *e = &c->seen[d->tsn & c->seen_mask];
	struct pm_desc *m;
	bool finished;

	*first = false;
	ti->tracked = false;
	if (!c->have_high || pmark_tsn_lt(c->high_tsn, d->tsn)) {
		if (c->have_high)
			note_skipped(c, c->high_tsn + 1, d->tsn);
		c->have_high = true;
		c->high_tsn = d->tsn;
		*first = true;
	} else if (e->tsn == d->tsn && e->state == 1) {
		*first = true;
	}
	*expire_ms = 0;
	if (!*first) {
		/* A retransmission: the options of its first transmission, unless once
		 * or past its expiry (the cleartext copy still goes along); what is
		 * left of the expiry for a record written again (protected datagrams). */
		uint64_t now = pmark_now_ns();
		bool seen = e->tsn == d->tsn && e->state == 2;
		bool spent = seen && ((pm_key_flags(e->key) & PMARK_F_ONCE) ||
				      (e->expire_ns && now >= e->expire_ns));

		*key = !seen ? 0 : !spent ? e->key
		       : pm_key_flags(e->key) & PM_KEY_CLEAR ? pm_key_make(PM_KEY_CLEAR, 0, 0, 0) : 0;
		if (seen && !spent && e->expire_ns)
			*expire_ms = (uint32_t)((e->expire_ns - now + 999999) / 1000000);
		return 0;
	}
	m = chunk_message(c, pkt, d, &finished);
	if (m && m->track_ms)
		track_info(m, d, ti);
	*key = m ? m->key : 0;
	*expire_ms = m ? m->expire_ms : 0;
	*e = (struct pm_tsn_seen){ .tsn = d->tsn, .key = *key, .state = 2,
				   .expire_ns = *expire_ms ? pmark_now_ns() + *expire_ms * 1000000ull : 0 };
	if (finished)
		desc_release(c, m);
	return m ? 0 : -ENOENT;
}

/* Queue the message's descriptor; returns it, or NULL with nothing queued. */
struct pm_desc *pm_desc_push(struct pmark_conn *c, const void *buf, size_t len,
				  const struct pmark_send_opts *so, int *err)
{
	struct pmark_opts o = PMARK_OPTS_INIT;
	struct pm_stream *s;
	struct pm_desc *d;

	pthread_mutex_lock(&c->map_lock);
	s = pm_stream_get(c, so->stream);
	d = s ? desc_alloc(c) : NULL;
	if (!d) {
		pthread_mutex_unlock(&c->map_lock);
		*err = -ENOMEM;
		return NULL;
	}
	if (so->ip)
		o = *so->ip;
	if (s->has_defaults)
		pm_opts_merge(&o, &s->defaults);
	if (c->has_defaults)
		pm_opts_merge(&o, &c->defaults);
	d->key = pm_opts_key(&o);
	d->expire_ms = o.expire_ms;
	d->len = (uint32_t)len;
	d->unordered = so->unordered;
	d->mid = so->unordered ? s->next_umid++ : s->next_ssn++;
	d->track_ms = so->track_ms;
	d->serial = so->track_ms ? ++c->track_serial : 0;
	d->track_id = so->track_id;
	d->ppid = so->ppid;
	d->stream = so->stream;
	d->prefix_len = len < sizeof(d->prefix) ? (uint8_t)len : sizeof(d->prefix);
	memcpy(d->prefix, buf, d->prefix_len);
	d->prev = s->tail;
	if (s->tail)
		s->tail->next = d;
	else
		s->head = d;
	s->tail = d;
	pthread_mutex_unlock(&c->map_lock);
	return d;
}

/* usrsctp refused the message: take its descriptor back (no chunk of it left). */
void pm_desc_cancel(struct pmark_conn *c, uint16_t sid, struct pm_desc *d)
{
	struct pm_stream *s;

	pthread_mutex_lock(&c->map_lock);
	s = &c->streams[sid];
	if (d->unordered)
		s->next_umid--;
	else
		s->next_ssn--;
	if (d->prev)
		d->prev->next = d->next;
	else
		s->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		s->tail = d->prev;
	desc_release(c, d);
	pthread_mutex_unlock(&c->map_lock);
}
