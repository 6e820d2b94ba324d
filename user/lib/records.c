// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Records: claiming a ring for an association, writing and removing the
 * records in it, reading them back.  The write path is plain stores into the
 * mmap of the slots array; only claiming or releasing a ring makes syscalls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pmark_int.h"

int pmark_opts_validate(const struct pmark_opts *o, const char **why)
{
	const char *msg = NULL;

	if (!o)
		msg = "no options given";
	else if (o->ttl != PMARK_LEAVE && (o->ttl < 1 || o->ttl > 255))
		msg = o->ttl == 0 ? "ttl 0 is out of range 1..255 (a datagram with TTL 0 is never sent)"
				  : "ttl is out of range 1..255";
	else if (o->tos != PMARK_LEAVE && (o->tos < 0 || o->tos > 255))
		msg = "tos is out of range 0..255";
	else if (o->tos_mask < 0 || o->tos_mask > 255)
		msg = "tos mask is out of range 0..255 (0 means 0xff)";
	else if (o->tos != PMARK_LEAVE && (o->tos & ~(o->tos_mask ? o->tos_mask : 0xff)))
		msg = "tos has bits outside its mask";
	else if (o->df != PMARK_DF_LEAVE && o->df != PMARK_DF_SET && o->df != PMARK_DF_CLEAR)
		msg = "df must be leave, set or clear";
	else if (o->ttl == PMARK_LEAVE && o->tos == PMARK_LEAVE && o->df == PMARK_DF_LEAVE &&
		 !o->stamp_id)
		msg = "the record changes nothing: give a ttl, a tos, a df or an ip id";
	if (why)
		*why = msg;
	return msg ? -EINVAL : 0;
}

static struct pmark_assoc *assoc_new(struct pmark_maps *m, uint32_t vtag, uint32_t ring)
{
	struct pmark_assoc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->maps = m;
	a->vtag = vtag;
	a->ring = ring;
	a->base = m->slots + ((size_t)ring << m->ring_shift);
	a->mask = (1U << m->ring_shift) - 1;
	return a;
}

static uint32_t probe_ring(const struct pmark_maps *m, uint32_t vtag, uint32_t i)
{
	return (pmark_ring_hash(vtag) + i) & (m->nrings - 1);
}

static uint64_t ring_owner(const struct pmark_maps *m, uint32_t ring)
{
	return __atomic_load_n(&m->rings[ring].owner_vtag_plus1, __ATOMIC_ACQUIRE);
}

/*
 * The ring of vtag: the first of its probe entries that names it, which is
 * the one the program uses too.  The whole table is shared memory: no syscall.
 */
static int assoc_lookup(struct pmark_maps *m, uint32_t vtag, uint32_t *ring)
{
	for (uint32_t i = 0; i < PMARK_RING_PROBES && i < m->nrings; i++) {
		uint32_t r = probe_ring(m, vtag, i);

		if (ring_owner(m, r) == (uint64_t)vtag + 1) {
			*ring = r;
			return 0;
		}
	}
	return -ENOENT;
}

static void ring_clear(struct pmark_maps *m, uint32_t ring)
{
	struct pmark_slot *s = m->slots + ((size_t)ring << m->ring_shift);
	uint32_t i, n = 1U << m->ring_shift;

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&s[i].flags, __ATOMIC_RELAXED))
			pmark_slot_clear(&s[i], true);   /* the ring is being freed: reset it */
}

static void ring_release(struct pmark_maps *m, uint32_t ring)
{
	ring_clear(m, ring);
	__atomic_store_n(&m->rings[ring].owner_vtag_plus1, 0, __ATOMIC_RELEASE);
}

/*
 * Claim the first free probe entry with a compare-and-swap (the table entry is
 * the cross-process lock).  Two writers racing for one vtag can end up with
 * two entries; both then look again, and the one whose entry comes later in
 * the probe order gives it back, so both settle on the entry the program sees.
 */
static int ring_claim(struct pmark_maps *m, uint32_t vtag, uint32_t *ring)
{
	uint64_t want = (uint64_t)vtag + 1;
	uint32_t probes = m->nrings < PMARK_RING_PROBES ? m->nrings : PMARK_RING_PROBES;

	for (uint32_t i = 0; i < probes; i++) {
		uint32_t r = probe_ring(m, vtag, i), first;
		uint64_t expect = 0;

		if (!__atomic_compare_exchange_n(&m->rings[r].owner_vtag_plus1, &expect, want, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			if (expect != want)
				continue;
			*ring = r;          /* someone claimed it for this vtag meanwhile */
			return 0;
		}
		if (assoc_lookup(m, vtag, &first) == 0 && first != r) {
			__atomic_store_n(&m->rings[r].owner_vtag_plus1, 0, __ATOMIC_RELEASE);
			*ring = first;
			return 0;
		}
		/*
		 * No clearing here: the ring is visible from the compare-and-swap on,
		 * and another writer of this vtag may already be storing into it.
		 * Release and flush clear a ring before they free it.
		 */
		*ring = r;
		return 0;
	}
	return -ENOSPC;
}

/*
 * A claim for a number that must be new to the pin root (a protected peer's
 * tag, which the program finds through "dtls"): unlike ring_claim, an entry
 * that already names it is not shared but refused, so two peers never end up
 * with one ring.
 */
int pmark_ring_claim_exclusive(struct pmark_maps *m, uint32_t vtag, uint32_t *ring)
{
	uint64_t want = (uint64_t)vtag + 1;
	uint32_t probes = m->nrings < PMARK_RING_PROBES ? m->nrings : PMARK_RING_PROBES, first;
	int err = -ENOSPC;

	pthread_mutex_lock(&m->lock);
	if (assoc_lookup(m, vtag, &first) == 0) {
		err = -EEXIST;
		goto out;
	}
	for (uint32_t i = 0; i < probes; i++) {
		uint32_t r = probe_ring(m, vtag, i);
		uint64_t expect = 0;

		if (!__atomic_compare_exchange_n(&m->rings[r].owner_vtag_plus1, &expect, want, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			if (expect != want)
				continue;
			err = -EEXIST;      /* another process claimed it meanwhile */
			goto out;
		}
		/* Another claim of the same number in an earlier entry: it is theirs. */
		if (assoc_lookup(m, vtag, &first) == 0 && first != r) {
			__atomic_store_n(&m->rings[r].owner_vtag_plus1, 0, __ATOMIC_RELEASE);
			err = -EEXIST;
			goto out;
		}
		*ring = r;
		err = 0;
		goto out;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

void pmark_ring_release_of(struct pmark_maps *m, uint32_t vtag)
{
	uint32_t ring;

	pthread_mutex_lock(&m->lock);
	if (assoc_lookup(m, vtag, &ring) == 0)
		ring_release(m, ring);
	pthread_mutex_unlock(&m->lock);
}

int pmark_ring_of(struct pmark_maps *m, uint32_t vtag, uint32_t *ring)
{
	return assoc_lookup(m, vtag, ring);
}

struct pmark_assoc *pmark_assoc_find(struct pmark_maps *m, uint32_t vtag)
{
	uint32_t ring = 0;
	int err = assoc_lookup(m, vtag, &ring);

	if (err) {
		errno = -err;
		return NULL;
	}
	return assoc_new(m, vtag, ring);
}

struct pmark_assoc *pmark_assoc_get(struct pmark_maps *m, uint32_t vtag)
{
	uint32_t ring = 0;
	int err;

	pthread_mutex_lock(&m->lock);
	err = assoc_lookup(m, vtag, &ring);
	if (err == -ENOENT)
		err = ring_claim(m, vtag, &ring);
	pthread_mutex_unlock(&m->lock);
	if (err) {
		errno = -err;
		return NULL;
	}
	return assoc_new(m, vtag, ring);
}

void pmark_assoc_put(struct pmark_assoc *a, bool release_ring)
{
	if (!a)
		return;
	if (release_ring) {
		struct pmark_maps *m = a->maps;

		pthread_mutex_lock(&m->lock);
		if (ring_owner(m, a->ring) == (uint64_t)a->vtag + 1)
			ring_release(m, a->ring);
		pthread_mutex_unlock(&m->lock);
	}
	free(a);
}

uint32_t pmark_assoc_ring(const struct pmark_assoc *a)
{
	return a->ring;
}

/* The slot fields for options already validated. */
struct slot_enc {
	uint8_t flags, ttl, tos, tos_mask;
	uint16_t ip_id;
	uint64_t owner, expire_ns;
};

uint8_t pmark_opts_fields(const struct pmark_opts *o, uint8_t *ttl, uint8_t *tos, uint8_t *tos_mask)
{
	uint8_t flags = 0;

	*ttl = *tos = *tos_mask = 0;
	if (o->ttl != PMARK_LEAVE) {
		flags |= PMARK_F_TTL;
		*ttl = (uint8_t)o->ttl;
	}
	if (o->tos != PMARK_LEAVE) {
		flags |= PMARK_F_TOS;
		*tos = (uint8_t)o->tos;
		*tos_mask = o->tos_mask ? (uint8_t)o->tos_mask : 0xff;
	}
	if (o->df == PMARK_DF_SET)
		flags |= PMARK_F_DF_SET;
	else if (o->df == PMARK_DF_CLEAR)
		flags |= PMARK_F_DF_CLEAR;
	if (o->once)
		flags |= PMARK_F_ONCE;
	if (o->stamp_id)
		flags |= PMARK_F_IPID;
	return flags;
}

static void encode(const struct pmark_opts *o, struct slot_enc *e)
{
	memset(e, 0, sizeof(*e));
	e->flags = PMARK_F_VALID | pmark_opts_fields(o, &e->ttl, &e->tos, &e->tos_mask);
	e->owner = o->owner;
	e->ip_id = o->stamp_id ? o->ip_id : 0;
	if (o->expire_ms)
		e->expire_ns = pmark_now_ns() + (uint64_t)o->expire_ms * 1000000ull;
}

int pmark_assoc_mark_range(struct pmark_assoc *a, uint32_t first_tsn, uint32_t count,
			   const struct pmark_opts *o)
{
	struct slot_enc e;
	int err = pmark_opts_validate(o, NULL);

	if (err)
		return err;
	if (count > a->mask + 1)
		return -E2BIG;      /* would overwrite its own records */
	encode(o, &e);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t tsn = first_tsn + i;

		err = pmark_slot_write(&a->base[tsn & a->mask], a->vtag, tsn, e.flags, e.ttl, e.tos,
				       e.tos_mask, e.ip_id, e.owner, e.expire_ns);
		if (err)
			return err;
	}
	return 0;
}

int pmark_assoc_mark(struct pmark_assoc *a, uint32_t tsn, const struct pmark_opts *o)
{
	return pmark_assoc_mark_range(a, tsn, 1, o);
}

/*
 * A protected datagram's record: the slot of its sequence number's low bits,
 * keyed by the tag, those 32 bits and the epoch.  Epoch 0 is the handshake's
 * (DTLS application data starts at epoch 1), and 0 is also what marks an
 * SCTP record: refused.
 */
int pmark_assoc_mark_record(struct pmark_assoc *a, uint64_t record_id, const struct pmark_opts *o)
{
	struct slot_enc e;
	int err = pmark_opts_validate(o, NULL);

	if (err)
		return err;
	if (!(record_id >> 48))
		return -EINVAL;
	encode(o, &e);
	return pmark_slot_write_record(&a->base[(uint32_t)record_id & a->mask], a->vtag, record_id,
				       e.flags, e.ttl, e.tos, e.tos_mask, e.ip_id, e.owner,
				       e.expire_ns);
}

int pmark_get_record(struct pmark_maps *m, uint32_t tag, uint64_t record_id, struct pmark_record *out)
{
	struct pmark_assoc *a = pmark_assoc_find(m, tag);
	struct pmark_slot copy;
	int err = 0;

	if (!a)
		return -errno;
	if (!pmark_slot_read(&a->base[(uint32_t)record_id & a->mask], &copy))
		err = -EBUSY;
	else if (!(copy.flags & PMARK_F_VALID) || copy.vtag != tag ||
		 copy.tsn != (uint32_t)record_id || copy.epoch != (uint16_t)(record_id >> 48))
		err = -ENOENT;
	else
		pmark_record_from_slot(&copy, a->ring, pmark_now_ns(), out);
	pmark_assoc_put(a, false);
	return err;
}

static bool slot_holds(const struct pmark_slot *s, uint32_t vtag, uint32_t tsn)
{
	return (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & PMARK_F_VALID) &&
	       __atomic_load_n(&s->vtag, __ATOMIC_RELAXED) == vtag &&
	       __atomic_load_n(&s->tsn, __ATOMIC_RELAXED) == tsn;
}

int pmark_assoc_forget(struct pmark_assoc *a, uint32_t tsn)
{
	struct pmark_slot *s = &a->base[tsn & a->mask];

	if (!slot_holds(s, a->vtag, tsn))
		return -ENOENT;
	return pmark_slot_clear(s, false);
}

int pmark_assoc_forget_upto(struct pmark_assoc *a, uint32_t cum)
{
	uint32_t size = a->mask + 1, from, n, i;
	int removed = 0;

	/* Visit only the TSNs acked since the last call, or the whole ring once. */
	if (a->have_cum && pmark_tsn_le(cum, a->cum))
		return 0;
	if (a->have_cum && cum - a->cum < size) {
		from = a->cum + 1;
		n = cum - a->cum;
	} else {
		from = cum - size + 1;
		n = size;
	}
	for (i = 0; i < n; i++) {
		struct pmark_slot *s = &a->base[(from + i) & a->mask];
		uint32_t tsn = __atomic_load_n(&s->tsn, __ATOMIC_RELAXED);

		if ((__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & PMARK_F_VALID) &&
		    __atomic_load_n(&s->vtag, __ATOMIC_RELAXED) == a->vtag && pmark_tsn_le(tsn, cum)) {
			if (!pmark_slot_clear(s, false))
				removed++;
		}
	}
	a->have_cum = true;
	a->cum = cum;
	return removed;
}

int pmark_mark(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, const struct pmark_opts *o)
{
	struct pmark_assoc *a;
	int err = pmark_opts_validate(o, NULL);

	if (err)
		return err;
	a = pmark_assoc_get(m, vtag);
	if (!a)
		return -errno;
	err = pmark_assoc_mark(a, tsn, o);
	pmark_assoc_put(a, false);
	return err;
}

int pmark_get(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, struct pmark_record *out)
{
	struct pmark_assoc *a = pmark_assoc_find(m, vtag);
	struct pmark_slot copy;
	int err = 0;

	if (!a)
		return -errno;
	if (!pmark_slot_read(&a->base[tsn & a->mask], &copy))
		err = -EBUSY;
	else if (!(copy.flags & PMARK_F_VALID) || copy.vtag != vtag || copy.tsn != tsn)
		err = -ENOENT;
	else
		pmark_record_from_slot(&copy, a->ring, pmark_now_ns(), out);
	pmark_assoc_put(a, false);
	return err;
}

int pmark_forget(struct pmark_maps *m, uint32_t vtag, uint32_t tsn)
{
	struct pmark_assoc *a = pmark_assoc_find(m, vtag);
	int err;

	if (!a)
		return -errno;
	err = pmark_assoc_forget(a, tsn);
	pmark_assoc_put(a, false);
	return err;
}

int pmark_dump(struct pmark_maps *m, int (*cb)(const struct pmark_record *r, void *ctx), void *ctx)
{
	uint32_t size = 1U << m->ring_shift;
	uint64_t now = pmark_now_ns();

	for (uint32_t r = 0; r < m->nrings; r++) {
		struct pmark_slot *base = m->slots + ((size_t)r << m->ring_shift);

		if (!__atomic_load_n(&m->rings[r].owner_vtag_plus1, __ATOMIC_ACQUIRE))
			continue;
		for (uint32_t i = 0; i < size; i++) {
			struct pmark_record rec;
			struct pmark_slot copy;
			int ret;

			if (!__atomic_load_n(&base[i].flags, __ATOMIC_RELAXED) ||
			    !pmark_slot_read(&base[i], &copy) || !(copy.flags & PMARK_F_VALID))
				continue;
			pmark_record_from_slot(&copy, r, now, &rec);
			ret = cb(&rec, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int pmark_flush(struct pmark_maps *m)
{
	uint32_t size = 1U << m->ring_shift;
	int removed = 0;

	pthread_mutex_lock(&m->lock);
	for (uint32_t r = 0; r < m->nrings; r++) {
		struct pmark_slot *base = m->slots + ((size_t)r << m->ring_shift);

		if (!ring_owner(m, r))
			continue;
		for (uint32_t i = 0; i < size; i++)
			if (__atomic_load_n(&base[i].flags, __ATOMIC_RELAXED) & PMARK_F_VALID)
				removed++;
		ring_release(m, r);
	}
	pthread_mutex_unlock(&m->lock);
	return removed;
}
