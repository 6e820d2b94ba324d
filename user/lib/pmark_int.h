/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libpmark internals shared by its source files (and pmarkctl, the tests). */
#ifndef PMARK_INT_H
#define PMARK_INT_H

#include <limits.h>
#include <pthread.h>
#include "pmark.h"
#include "pmark_abi.h"

struct pmark_maps {
	char root[PATH_MAX];         /* pin root actually used */
	int slots_fd, rings_fd, ports_fd, counters_fd, config_fd;
	int quotes_fd;               /* read-only; a negative errno when unavailable (optional) */
	int dtls_fd;                 /* protected peers: a negative errno when unavailable (optional);
				      * read-only when the caller may not write it */
	struct pmark_slot *slots;    /* mmap of the slots array */
	size_t slots_len;
	struct pmark_ring *rings;    /* mmap of the ring table */
	size_t rings_len;
	struct pmark_ports *ports;   /* mmap of the port bitmap */
	size_t ports_len;
	uint32_t ring_shift, nrings;
	pthread_mutex_t lock;        /* guards the ring claim path within this process */
};

struct pmark_assoc {
	struct pmark_maps *maps;
	uint32_t vtag;
	uint32_t ring;
	struct pmark_slot *base;     /* first slot of the ring */
	uint32_t mask;
	bool have_cum;               /* forget_upto has run: cum is meaningful */
	uint32_t cum;
};

/* Fds of maps the caller already has (a freshly loaded skeleton, a test). */
struct pmark_map_fds {
	int slots, rings, ports, counters, config;
	int quotes;                  /* optional: <= 0 for none (0: left out of an initializer) */
	int dtls;                    /* optional, likewise */
};
struct pmark_maps *pmark_open_fds(const struct pmark_map_fds *fds, const char *root);

/*
 * Resolve the pin root: the requested path, or its twin under /proc/PID/root
 * when this mount namespace hides the host's bpffs (ip netns exec; the shell
 * that ran it still sees them).  With mount_if_missing (root only) a bpffs is mounted at /sys/fs/bpf in the
 * mount namespace of that shell when none is there.  Writes the path into out.
 */
int pmark_pin_root_resolve(const char *requested, bool mount_if_missing, char *out, size_t len);
const char *pmark_pin_root_requested(const char *requested);
int pmark_pin_path(char *out, size_t len, const char *root, const char *name);

/* The record fields of checked options: PMARK_F_* without VALID, and the bytes. */
uint8_t pmark_opts_fields(const struct pmark_opts *o, uint8_t *ttl, uint8_t *tos, uint8_t *tos_mask);

/* Slot access under the sequence lock. */
/* -EBUSY when a writer that died or stopped mid-write holds the slot (see slot.c). */
int pmark_slot_write(struct pmark_slot *s, uint32_t vtag, uint32_t tsn, uint8_t flags, uint8_t ttl,
		     uint8_t tos, uint8_t tos_mask, uint16_t ip_id, uint64_t owner, uint64_t expire_ns);
/* The same for a protected datagram's record: tag, record id = epoch << 48 | sequence. */
int pmark_slot_write_record(struct pmark_slot *s, uint32_t tag, uint64_t record_id, uint8_t flags,
			    uint8_t ttl, uint8_t tos, uint8_t tos_mask, uint16_t ip_id, uint64_t owner,
			    uint64_t expire_ns);
int pmark_slot_clear(struct pmark_slot *s, bool take_over_stale);
bool pmark_slot_read(const struct pmark_slot *s, struct pmark_slot *copy);
void pmark_record_from_slot(const struct pmark_slot *s, uint32_t ring, uint64_t now_ns,
			    struct pmark_record *r);
uint64_t pmark_now_ns(void);
/* "10.0.0.1:5001" / "[fd00::1]:5001" into buf (addr.c), for messages. */
void pm_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/*
 * Rings claimed for a number no ring may own yet (a protected peer's tag):
 * -EEXIST when a ring already names it (another writer's vtag or tag),
 * -ENOSPC when its probe entries are all taken.  pmark_ring_release_of
 * clears and frees the ring of vtag, if one names it.
 */
int pmark_ring_claim_exclusive(struct pmark_maps *m, uint32_t vtag, uint32_t *ring);
void pmark_ring_release_of(struct pmark_maps *m, uint32_t vtag);
/* The ring vtag owns, or -ENOENT (shared memory only: no syscall). */
int pmark_ring_of(struct pmark_maps *m, uint32_t vtag, uint32_t *ring);

/* The second bit of a port (pmark_abi.h "ports"): it has protected peers. */
void pmark_port_dtls_set(struct pmark_maps *m, uint16_t port, bool on);
bool pmark_port_dtls(struct pmark_maps *m, uint16_t port);

/* The ingress program's record of an ICMP error quoting one of our datagrams
 * (pmark_abi.h "quotes"): 0, -ENOENT (none), -EOPNOTSUPP (no quotes map:
 * an older attach), -EINVAL (a key of no known kind), or another negative
 * errno. */
int pmark_quote_lookup(struct pmark_maps *m, const struct pmark_quote_key *k, struct pmark_quote *out);

/*
 * The key of an IPv6 quote of a protected datagram, from its record id.  An
 * IPv4 quote of one is keyed like any IPv4 quote (family 4, ident = the IP
 * ID, kind PMARK_QUOTE_SCTP); the stored quote then has has_dtls and
 * qrecord_id when the quote reached the record header.
 */
static inline void pmark_quote_key_record(struct pmark_quote_key *k, uint16_t sport,
					  uint64_t record_id)
{
	k->ident = (uint32_t)record_id;
	k->vtag = (uint32_t)(record_id >> 48) << 16 | (uint32_t)(record_id >> 32 & 0xffff);
	k->sport = sport;
	k->family = 6;
	k->kind = PMARK_QUOTE_DTLS;
}

#endif /* PMARK_INT_H */
