/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* How many live records the lookup-scale cases put in the maps, and where. */
#ifndef BENCH_SCALE_FILL_H
#define BENCH_SCALE_FILL_H

#include <stdint.h>
#include "bench.h"
#include "packet.h"

#define SCALE_FILLS 3
#define SCALE_VTAG_BASE 0x20000000u
#define SCALE_TSN_BASE 0x7ffff000u    /* near a 2^31 boundary, like any live TSN */

struct scale_fill {
	const char *key, *name;
	uint32_t assocs;          /* associations, one ring each */
	uint32_t per_assoc;       /* records per association, consecutive TSNs */
};

extern const struct scale_fill scale_fills[SCALE_FILLS];

/* Flush every record, then write f's records through libpmark. */
int scale_fill(struct bench_ctx *ctx, const struct scale_fill *f);
/* The small IPv4 SCTP packet for (vtag, tsn). */
void scale_packet(struct pkt_spec *s, uint32_t vtag, uint32_t tsn);

#endif /* BENCH_SCALE_FILL_H */
