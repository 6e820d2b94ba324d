// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The writer and reader halves of the slot sequence lock.  The tc program is
 * the other reader (bpf/pmark.bpf.c find_record): it reads seq, the fields,
 * then seq again, and ignores the slot unless both reads are the same even
 * number.  Writers serialize among themselves by taking seq from even to odd
 * with a compare-and-swap, so threads and processes may write concurrently.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "pmark_int.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * A write takes nanoseconds; a seq still odd after this many polls of the same
 * value belongs to a writer that died, or is stopped (SIGSTOP, a debugger),
 * inside its write: the slots are shared between processes.  A record write
 * then gives up with -EBUSY rather than hang, or take the slot over and risk
 * a torn record should that writer wake up.  Only pmark_flush, an explicit
 * reset, takes such a slot over.
 */
#define SEQ_STALE_SPINS (1U << 22)

static int seq_begin(struct pmark_slot *s, bool take_over, uint32_t *begun)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED), spins = 0, odd_seq = 0;

	for (;;) {
		if (!(seq & 1) &&
		    __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			/* The odd seq must be visible before any field store (smp_wmb). */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			*begun = seq;
			return 0;
		}
		if (seq & 1) {
			/* Count only while one odd value stays: a live writer moves it on. */
			spins = seq == odd_seq ? spins + 1 : 0;
			odd_seq = seq;
			if (spins >= SEQ_STALE_SPINS) {
				if (!take_over)
					return -EBUSY;
				/* odd + 2 stays odd and new: readers keep away, we own it. */
				if (__atomic_compare_exchange_n(&s->seq, &seq, seq + 2, false,
								__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
					__atomic_thread_fence(__ATOMIC_RELEASE);
					*begun = seq + 1;
					return 0;
				}
				continue;
			}
		}
		cpu_relax();
		seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	}
}

static void seq_end(struct pmark_slot *s, uint32_t seq)
{
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Every write sets the epoch: a slot reused by an SCTP record must not keep a DTLS one's. */
static int slot_write(struct pmark_slot *s, uint32_t vtag, uint32_t tsn, uint16_t epoch,
		      uint8_t flags, uint8_t ttl, uint8_t tos, uint8_t tos_mask, uint16_t ip_id,
		      uint64_t owner, uint64_t expire_ns)
{
	uint32_t seq;

	if (seq_begin(s, false, &seq))
		return -EBUSY;

	s->vtag = vtag;
	s->tsn = tsn;
	s->epoch = epoch;
	s->flags = flags;
	s->ttl = ttl;
	s->tos = tos;
	s->tos_mask = tos_mask;
	s->ip_id = ip_id;
	s->owner = owner;
	s->expire_ns = expire_ns;
	seq_end(s, seq);
	return 0;
}

int pmark_slot_write(struct pmark_slot *s, uint32_t vtag, uint32_t tsn, uint8_t flags, uint8_t ttl,
		     uint8_t tos, uint8_t tos_mask, uint16_t ip_id, uint64_t owner, uint64_t expire_ns)
{
	return slot_write(s, vtag, tsn, 0, flags, ttl, tos, tos_mask, ip_id, owner, expire_ns);
}

/*
 * The program compares the sequence number's low 32 bits and the epoch
 * (pmark_abi.h "dtls"); bits 32..47 of the sequence have no room in a slot
 * and are not kept: 2^32 records of one epoch apart share a key.
 */
int pmark_slot_write_record(struct pmark_slot *s, uint32_t tag, uint64_t record_id, uint8_t flags,
			    uint8_t ttl, uint8_t tos, uint8_t tos_mask, uint16_t ip_id, uint64_t owner,
			    uint64_t expire_ns)
{
	return slot_write(s, tag, (uint32_t)record_id, (uint16_t)(record_id >> 48), flags, ttl, tos,
			  tos_mask, ip_id, owner, expire_ns);
}

int pmark_slot_clear(struct pmark_slot *s, bool take_over_stale)
{
	uint32_t seq;

	if (seq_begin(s, take_over_stale, &seq))
		return -EBUSY;

	s->flags = 0;
	s->vtag = 0;
	s->tsn = 0;
	s->epoch = 0;
	seq_end(s, seq);
	return 0;
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
	o.stamp_id = s->flags & PMARK_F_IPID;
	o.ip_id = o.stamp_id ? s->ip_id : 0;
	o.owner = s->owner;
	memset(r, 0, sizeof(*r));
	r->vtag = s->vtag;
	r->tsn = s->tsn;
	r->epoch = s->epoch;
	r->opts = o;
	r->expire_ns = s->expire_ns;
	r->expired = s->expire_ns && now_ns > s->expire_ns;
	r->consumed = (s->flags & PMARK_F_ONCE) && s->consumed == s->seq;
	r->ring = ring;
}
