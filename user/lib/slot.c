// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The writer and reader halves of the slot sequence lock.  The tc program is
 * the other reader (bpf/pmark.bpf.c find_record): it reads seq, the fields,
 * then seq again, and ignores the slot unless both reads are the same even
 * number.  Writers serialize among themselves by taking seq from even to odd
 * with a compare-and-swap, so threads and processes may write concurrently.
 */
#include <string.h>
#include <time.h>
#include "pmark_int.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint32_t seq_begin(struct pmark_slot *s)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

	for (;;) {
		if (!(seq & 1) &&
		    __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			/* The odd seq must be visible before any field store (smp_wmb). */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			return seq;
		}
		cpu_relax();
		seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	}
}

static void seq_end(struct pmark_slot *s, uint32_t seq)
{
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

void pmark_slot_write(struct pmark_slot *s, uint32_t vtag, uint32_t tsn, uint8_t flags, uint8_t ttl,
		      uint8_t tos, uint8_t tos_mask, uint64_t owner, uint64_t expire_ns)
{
	uint32_t seq = seq_begin(s);

	s->vtag = vtag;
	s->tsn = tsn;
	s->flags = flags;
	s->ttl = ttl;
	s->tos = tos;
	s->tos_mask = tos_mask;
	s->owner = owner;
	s->expire_ns = expire_ns;
	seq_end(s, seq);
}

void pmark_slot_clear(struct pmark_slot *s)
{
	uint32_t seq = seq_begin(s);

	s->flags = 0;
	s->vtag = 0;
	s->tsn = 0;
	seq_end(s, seq);
}

bool pmark_slot_read(const struct pmark_slot *s, struct pmark_slot *copy)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if (seq & 1) {
			cpu_relax();
			continue;
		}
		memcpy(copy, (const void *)s, sizeof(*copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq) {
			copy->seq = seq;
			copy->consumed = __atomic_load_n(&s->consumed, __ATOMIC_RELAXED);
			return true;
		}
	}
	return false;
}

uint64_t pmark_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void pmark_record_from_slot(const struct pmark_slot *s, uint32_t ring, uint64_t now_ns,
			    struct pmark_record *r)
{
	struct pmark_opts o = PMARK_OPTS_INIT;

	if (s->flags & PMARK_F_TTL)
		o.ttl = s->ttl;
	if (s->flags & PMARK_F_TOS) {
		o.tos = s->tos;
		o.tos_mask = s->tos_mask;
	}
	o.df = s->flags & PMARK_F_DF_SET ? PMARK_DF_SET :
	       s->flags & PMARK_F_DF_CLEAR ? PMARK_DF_CLEAR : PMARK_DF_LEAVE;
	o.once = s->flags & PMARK_F_ONCE;
	o.owner = s->owner;
	memset(r, 0, sizeof(*r));
	r->vtag = s->vtag;
	r->tsn = s->tsn;
	r->opts = o;
	r->expire_ns = s->expire_ns;
	r->expired = s->expire_ns && now_ns > s->expire_ns;
	r->consumed = (s->flags & PMARK_F_ONCE) && s->consumed == s->seq;
	r->ring = ring;
}
