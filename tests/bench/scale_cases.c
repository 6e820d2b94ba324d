// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lookup cost against the number of live records: the maps are filled with
 * 1k, 100k and 1M records spread over as many associations (rings) as they
 * need, through libpmark, then a matched packet of the last association is
 * timed.  The same packet repeats, so its record stays in cache: this is the
 * cost of the lookup's work, not of a cache miss (see random_records.c).
 */
#include <errno.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "bench.h"
#include "packet.h"
#include "scale_fill.h"

const struct scale_fill scale_fills[SCALE_FILLS] = {
	{ "lookup_1k", "matched IPv4, 1k records", 1, 1000 },
	{ "lookup_100k", "matched IPv4, 100k records", 25, 4000 },
	{ "lookup_1m", "matched IPv4, 1M records", 256, 1U << BENCH_RING_SHIFT },
};

int scale_fill(struct bench_ctx *ctx, const struct scale_fill *f)
{
	const struct pmark_opts rec = { .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc,
					.df = PMARK_DF_SET };

	pmark_flush(ctx->maps);
	for (uint32_t i = 0; i < f->assocs; i++) {
		struct pmark_assoc *a = pmark_assoc_get(ctx->maps, SCALE_VTAG_BASE + i);
		int err;

		if (!a)
			return -errno;
		err = pmark_assoc_mark_range(a, SCALE_TSN_BASE, f->per_assoc, &rec);
		pmark_assoc_put(a, false);
		if (err)
			return err;
	}
	return 0;
}

void scale_packet(struct pkt_spec *s, uint32_t vtag, uint32_t tsn)
{
	*s = (struct pkt_spec){ .family = 4, .frame_len = PKT_FRAME_SMALL,
				.sport = BENCH_SCTP_PORT, .dport = 5001, .vtag = vtag, .tsn = tsn };
}

int scale_cases_run(struct bench_ctx *ctx, struct case_result *out, int *n)
{
	for (int i = 0; i < SCALE_FILLS; i++) {
		const struct scale_fill *f = &scale_fills[i];
		struct case_result *r = &out[*n];
		uint8_t frame[PKT_FRAME_MAX];
		struct pkt_spec spec;
		size_t len;
		int err;

		if (*n >= BENCH_MAX_CASES)
			return -EINVAL;
		err = scale_fill(ctx, f);
		if (err)
			return err;
		/* A record in the middle of the last ring filled. */
		scale_packet(&spec, SCALE_VTAG_BASE + f->assocs - 1, SCALE_TSN_BASE + f->per_assoc / 2);
		len = pkt_build(frame, &spec);
		err = case_measure(ctx, frame, len, PMARK_CNT_MARKED, r);
		if (err)
			return err;
		r->key = f->key;
		r->name = f->name;
		r->goal = i == SCALE_FILLS - 1 ? GOAL_VS_CASE : GOAL_NONE;
		r->goal_max = 1.2;
		r->goal_ref = scale_fills[0].key;
		(*n)++;
	}
	pmark_flush(ctx->maps);
	return 0;
}
