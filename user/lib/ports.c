// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The set of local UDP ports whose datagrams carry SCTP (and of those, the ones with
 * protected peers): a shared bitmap. */
#include <errno.h>
#include "pmark_int.h"

static __u64 *word_of(struct pmark_maps *m, uint16_t port)
{
	return &m->ports->bits[port >> 6];
}

static __u64 *dtls_word_of(struct pmark_maps *m, uint16_t port)
{
	return &m->ports->dtls_bits[port >> 6];
}

int pmark_port_add(struct pmark_maps *m, uint16_t port)
{
	if (!port)
		return -EINVAL;
	__atomic_fetch_or(word_of(m, port), 1ull << (port & 63), __ATOMIC_RELEASE);
	return 0;
}

/*
 * Both bits: a port no longer registered has no protected peers either.
 * Its entries in "dtls" stay (pmark_dtls_peer_del removes them); adding
 * one of them again sets the DTLS bit again.
 */
int pmark_port_del(struct pmark_maps *m, uint16_t port)
{
	uint64_t bit = 1ull << (port & 63);

	if (!port)
		return -EINVAL;
	__atomic_fetch_and(dtls_word_of(m, port), ~bit, __ATOMIC_RELEASE);
	if (!(__atomic_fetch_and(word_of(m, port), ~bit, __ATOMIC_RELEASE) & bit))
		return -ENOENT;
	return 0;
}

void pmark_port_dtls_set(struct pmark_maps *m, uint16_t port, bool on)
{
	uint64_t bit = 1ull << (port & 63);

	if (on)
		__atomic_fetch_or(dtls_word_of(m, port), bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(dtls_word_of(m, port), ~bit, __ATOMIC_RELEASE);
}

bool pmark_port_dtls(struct pmark_maps *m, uint16_t port)
{
	return (__atomic_load_n(dtls_word_of(m, port), __ATOMIC_ACQUIRE) >> (port & 63)) & 1;
}

bool pmark_port_registered(struct pmark_maps *m, uint16_t port)
{
	return (__atomic_load_n(word_of(m, port), __ATOMIC_ACQUIRE) >> (port & 63)) & 1;
}

int pmark_ports_list(struct pmark_maps *m, uint16_t *out, size_t max)
{
	size_t n = 0;

	for (uint32_t w = 0; w < PMARK_PORT_WORDS; w++) {
		uint64_t bits = __atomic_load_n(&m->ports->bits[w], __ATOMIC_ACQUIRE);

		while (bits) {
			int b = __builtin_ctzll(bits);

			if (n < max)
				out[n] = (uint16_t)(w * 64 + b);
			n++;
			bits &= bits - 1;
		}
	}
	return (int)n;
}
