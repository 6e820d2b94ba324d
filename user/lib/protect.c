/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A protected datagram on its way out: the transform turns the cleartext
 * SCTP packet into a DTLS record, and only then is its identity (epoch and
 * sequence) known, so its record is written here, between protect and
 * sendmsg, keyed by that identity.  A `once` message's retransmission gets
 * no record: each transmission is a new DTLS record, so the marker cannot
 * tell it from the first and the library decides.  The cleartext copy, when
 * asked for, goes to the sink just before the datagram leaves.
 */
#include <errno.h>
#include <string.h>
#include "pmark_dtls.h"
#include "clearsink.h"
#include "ep_int.h"

/* The record fields this transmission gets; 0 flags: none. */
static uint8_t record_flags(const struct pm_dgram *d)
{
	uint8_t f = pm_key_record_flags(d->key);

	if ((f & PMARK_F_ONCE) && !d->first)
		return 0;
	if (!(f & PMARK_F_ACTIONS) && !d->ip_id)
		return 0;
	return f | (d->ip_id ? PMARK_F_IPID : 0);
}

static void record_write(struct pmark_conn *c, uint64_t record_id, const struct pm_dgram *d,
			 uint8_t flags)
{
	struct pmark_slot *slot;
	uint32_t seq_lo = (uint32_t)record_id;

	if (!c->xf_ring) {
		pm_count(c, PS_REC_FAILED, 1);
		return;
	}
	slot = &c->xf_ring->base[seq_lo & c->xf_ring->mask];
	if (pmark_slot_write_record(slot, c->xf_tag, record_id, PMARK_F_VALID | flags, pm_key_ttl(d->key),
				    pm_key_tos(d->key), pm_key_mask(d->key), d->ip_id, c->ep->cookie,
				    d->expire_ms ? pmark_now_ns() + (uint64_t)d->expire_ms * 1000000ull : 0))
		pm_count(c, PS_REC_FAILED, 1);
	else
		pm_count(c, PS_REC_WRITTEN, 1);
}

static void clear_emit(struct pmark_conn *c, uint64_t record_id, const struct pm_dgram *d, uint8_t flags,
		       const uint8_t *pkt, size_t len, size_t wire_len)
{
	struct pm_clear_meta m = {
		.src = &c->local, .dst = &c->remote, .flags = flags & PMARK_F_ACTIONS,
		.ttl = pm_key_ttl(d->key), .tos = pm_key_tos(d->key), .tos_mask = pm_key_mask(d->key),
		.ip_id = (flags & PMARK_F_IPID) ? d->ip_id : 0, .record_id = record_id,
		.wire_len = wire_len,
	};

	if (pm_clear_emit(c->ep->clear, &m, pkt, len))
		pm_count(c, PS_CLEAR_FAILED, 1);
	else
		pm_count(c, PS_CLEAR_EMITTED, 1);
}

int pm_xf_send(struct pmark_conn *c, const uint8_t *buf, size_t len, const struct pm_dgram *d)
{
	static const struct pm_dgram none;
	uint64_t record_id = 0;
	uint8_t flags;
	ssize_t n;

	if (!d)
		d = &none;
	if (!c->xf_buf) {      /* the transform never opened */
		pm_count(c, PS_SEND_ERRORS, 1);
		return 0;
	}
	flags = record_flags(d);
	pthread_mutex_lock(&c->xf_lock);
	n = c->xf ? c->ep->xf->protect(c->xf, buf, len, c->xf_buf, c->xf_cap, &record_id) : -ENOTCONN;
	if (n <= 0) {
		/* Keys not agreed yet, or the transform broke: lost like on the wire. */
		pthread_mutex_unlock(&c->xf_lock);
		pm_count(c, PS_SEND_ERRORS, 1);
		return 0;
	}
	if (flags && c->ep->maps)
		record_write(c, record_id, d, flags);
	if ((pm_key_flags(d->key) & PM_KEY_CLEAR) && c->ep->clear)
		clear_emit(c, record_id, d, flags, buf, len, (size_t)n);
	if (d->tracked) {
		pthread_mutex_lock(&c->map_lock);
		pm_track_record_locked(c, d->tsn, record_id, (uint32_t)n);
		pthread_mutex_unlock(&c->map_lock);
	}
	pm_send_raw(c, c->xf_buf, (size_t)n, flags ? d->key : 0);
	pthread_mutex_unlock(&c->xf_lock);
	return 0;
}
