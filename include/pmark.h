/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libpmark: per-message IP options (TTL / hop limit, TOS / traffic class,
 * Don't Fragment) for SCTP over UDP, applied by the pmark tc egress program.
 *
 * This header is the record level: open the maps that `pmarkctl attach`
 * pinned, and write option records keyed by (SCTP verification tag, TSN).
 * Through an association handle (pmark_assoc_get once, then
 * pmark_assoc_mark), writing a record is a few stores into shared memory, no
 * system call; the one-shot pmark_mark/pmark_get/pmark_forget also allocate a
 * handle each time.
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure; functions returning a pointer return NULL and
 * set errno.  pmark_strerror() turns either into a sentence.
 */
#ifndef PMARK_H
#define PMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PMARK_LEAVE (-1)          /* ttl / tos: leave the field as the kernel set it */
#define PMARK_DEFAULT_PIN_ROOT "/sys/fs/bpf/pmark"
#define PMARK_VERSION_STRING "0.1.0"

enum pmark_df {
	PMARK_DF_LEAVE = 0,
	PMARK_DF_SET,            /* IPv4 only; counted as not applicable on IPv6 */
	PMARK_DF_CLEAR,
};

struct pmark_opts {
	int ttl;                 /* PMARK_LEAVE or 1..255 (IPv4 TTL / IPv6 hop limit) */
	int tos;                 /* PMARK_LEAVE or 0..255 (IPv4 TOS / IPv6 traffic class) */
	int tos_mask;            /* bits of tos written, 1..255; 0 means 0xff.  0xfc = DSCP only */
	enum pmark_df df;
	bool once;               /* first transmission only; retransmissions go out unmarked */
	uint64_t owner;          /* SO_COOKIE of the only socket to mark; 0 = any socket */
	uint32_t expire_ms;      /* record dies this long after it is written; 0 = never */
};

#define PMARK_OPTS_INIT { .ttl = PMARK_LEAVE, .tos = PMARK_LEAVE, .tos_mask = 0, \
			  .df = PMARK_DF_LEAVE, .once = false, .owner = 0, .expire_ms = 0 }

/* A record as read back from the maps. */
struct pmark_record {
	uint32_t vtag;
	uint32_t tsn;
	struct pmark_opts opts;  /* expire_ms is 0; see expire_ns */
	uint64_t expire_ns;      /* CLOCK_MONOTONIC deadline, 0 = never */
	bool expired;            /* deadline passed when read */
	bool consumed;           /* a `once` record already used by a transmission */
	uint32_t ring;           /* ring (association slot) holding it */
};

struct pmark_maps;           /* the maps of one pin root */
struct pmark_assoc;          /* one association's ring in those maps */

/*
 * Pin root: NULL means $PMARK_PIN_ROOT, else PMARK_DEFAULT_PIN_ROOT.  When
 * /sys/fs/bpf is hidden (inside `ip netns exec`), the host's bpffs is found
 * through the /proc/PID/root of the nearest ancestor process in another mount
 * namespace.  Fails with ENOENT when nothing is attached there.
 */
struct pmark_maps *pmark_open(const char *pin_root);
void pmark_close(struct pmark_maps *m);
/* The directory actually used, after the /proc/PID/root fallback. */
const char *pmark_pin_root(const struct pmark_maps *m);
/* Ring geometry of the loaded program. */
uint32_t pmark_ring_size(const struct pmark_maps *m);
uint32_t pmark_ring_count(const struct pmark_maps *m);

/*
 * Check options before anything is written.  Returns 0 or -EINVAL with *why
 * (if why is not NULL) pointing at a static sentence such as
 * "ttl 0 is out of range 1..255".
 */
int pmark_opts_validate(const struct pmark_opts *o, const char **why);

/*
 * Association handle: finds the ring of vtag, claiming a free one if none
 * (thread- and process-safe).  A vtag can own one of PMARK_RING_PROBES (16)
 * rings picked by its hash, so keep the ring count well above the number of
 * associations.  NULL with errno ENOSPC when those rings are all in use.  pmark_assoc_put(a, true) also releases the ring and its records.
 */
struct pmark_assoc *pmark_assoc_get(struct pmark_maps *m, uint32_t vtag);
struct pmark_assoc *pmark_assoc_find(struct pmark_maps *m, uint32_t vtag); /* never claims: ENOENT */
void pmark_assoc_put(struct pmark_assoc *a, bool release_ring);
uint32_t pmark_assoc_ring(const struct pmark_assoc *a);

/*
 * Write the record for one TSN / count consecutive TSNs (wrapping at 2^32).
 * -EBUSY if a slot is held by a writer that died or stopped mid-write (the
 * record is not written; pmark_flush resets such slots).
 */
int pmark_assoc_mark(struct pmark_assoc *a, uint32_t tsn, const struct pmark_opts *o);
int pmark_assoc_mark_range(struct pmark_assoc *a, uint32_t first_tsn, uint32_t count,
			   const struct pmark_opts *o);
/* Remove one record; -ENOENT if that TSN has none. */
int pmark_assoc_forget(struct pmark_assoc *a, uint32_t tsn);
/* Remove every record with TSN <= cum_tsn_ack (RFC 1982 serial arithmetic). Returns count. */
int pmark_assoc_forget_upto(struct pmark_assoc *a, uint32_t cum_tsn_ack);

/* One-shot conveniences over the above. */
int pmark_mark(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, const struct pmark_opts *o);
int pmark_get(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, struct pmark_record *out);
int pmark_forget(struct pmark_maps *m, uint32_t vtag, uint32_t tsn);

/* Visit every live record; a non-zero return from cb stops and is returned. */
int pmark_dump(struct pmark_maps *m, int (*cb)(const struct pmark_record *r, void *ctx), void *ctx);
/* Remove every record and release every ring. Returns the number of records removed. */
int pmark_flush(struct pmark_maps *m);

/* Local UDP source ports whose datagrams the program parses as SCTP. */
int pmark_port_add(struct pmark_maps *m, uint16_t port);
int pmark_port_del(struct pmark_maps *m, uint16_t port);
bool pmark_port_registered(struct pmark_maps *m, uint16_t port);
/* Fills up to max ports in ascending order; returns how many are registered. */
int pmark_ports_list(struct pmark_maps *m, uint16_t *out, size_t max);

/* Counters of the tc program, summed over CPUs. */
int pmark_counter_count(void);
const char *pmark_counter_name(int i);        /* e.g. "marked"; NULL past the end */
const char *pmark_counter_help(int i);        /* one-line meaning */
int pmark_counters_read(struct pmark_maps *m, uint64_t *out, size_t n);
int pmark_counters_reset(struct pmark_maps *m);

/* RFC 1982 serial-number comparison on 32-bit TSNs. */
static inline bool pmark_tsn_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool pmark_tsn_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

const char *pmark_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* PMARK_H */
