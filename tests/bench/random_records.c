// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lookup cost when the record is not in cache: with 1k and with 1M live
 * records, each BPF_PROG_TEST_RUN call runs once (repeat 1) on a packet for a
 * different record drawn at random, paired with the empty program on the
 * same packet.  1M records are 40 MB of slots, more than the last-level
 * cache, so most lookups miss in cache and TLB as they would on a busy host;
 * 1k records stay in cache.  A single run includes the kernel's two clock
 * reads, which dilutes the ratio; the difference in ns is the telling number.
 */
#include <errno.h>
#include <stdlib.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "bench.h"
#include "packet.h"
#include "random_records.h"
#include "scale_fill.h"

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

struct samples {
	double *empty, *prog, *ratio;
};

static int sample_random(struct bench_ctx *ctx, const struct scale_fill *f, int count,
			 struct samples *s)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint8_t frame[PKT_FRAME_MAX];

	for (int i = 0; i < count; i++) {
		uint64_t r = xorshift64(&rng);
		struct pkt_spec spec;
		uint32_t e, p;
		size_t len;
		int err;

		scale_packet(&spec, SCALE_VTAG_BASE + (uint32_t)(r % f->assocs),
			     SCALE_TSN_BASE + (uint32_t)((r >> 32) % f->per_assoc));
		len = pkt_build(frame, &spec);
		err = measure_once(ctx->empty_fd, frame, len, 1, &e);
		if (!err)
			err = measure_once(ctx->prog_fd, frame, len, 1, &p);
		if (err)
			return err;
		s->empty[i] = e;
		s->prog[i] = p;
		s->ratio[i] = e ? (double)p / e : 0;
	}
	return 0;
}

static int measure_random(struct bench_ctx *ctx, const struct scale_fill *f, int count,
			  struct case_result *r)
{
	uint64_t before[PMARK_CNT_MAX], after[PMARK_CNT_MAX];
	struct samples s = {
		calloc(count, sizeof(double)), calloc(count, sizeof(double)),
		calloc(count, sizeof(double)),
	};
	int err = -ENOMEM;

	if (!s.empty || !s.prog || !s.ratio)
		goto out;
	err = pmark_counters_read(ctx->maps, before, PMARK_CNT_MAX);
	if (err >= 0)
		err = sample_random(ctx, f, count, &s);
	if (!err)
		err = pmark_counters_read(ctx->maps, after, PMARK_CNT_MAX);
	if (err < 0)
		goto out;
	err = 0;
	r->m.empty.median_ns = median(s.empty, count);
	r->m.empty.min_ns = s.empty[0];
	r->m.prog.median_ns = median(s.prog, count);
	r->m.prog.min_ns = s.prog[0];
	r->m.ratio = median(s.ratio, count);
	r->frame_len = PKT_FRAME_SMALL;
	r->expected = pmark_counter_name(PMARK_CNT_MARKED);
	r->path_ok = after[PMARK_CNT_MARKED] - before[PMARK_CNT_MARKED] == (uint64_t)count &&
		     after[PMARK_CNT_SEEN] - before[PMARK_CNT_SEEN] == (uint64_t)count;
out:
	free(s.empty);
	free(s.prog);
	free(s.ratio);
	return err;
}

int random_cases_run(struct bench_ctx *ctx, int samples, struct case_result *out, int *n)
{
	static const char *const keys[] = { "random_1k", "random_1m" };
	static const char *const names[] = { "random record of 1k, 1 run/call",
					     "random record of 1M, 1 run/call" };
	const struct scale_fill *fills[] = { &scale_fills[0], &scale_fills[SCALE_FILLS - 1] };

	for (int i = 0; i < 2; i++) {
		struct case_result *r = &out[*n];
		int err;

		if (*n >= BENCH_MAX_CASES)
			return -EINVAL;
		err = scale_fill(ctx, fills[i]);
		if (!err)
			err = measure_random(ctx, fills[i], samples, r);
		if (err)
			return err;
		r->key = keys[i];
		r->name = names[i];
		r->goal = i ? GOAL_VS_CASE : GOAL_NONE;
		r->goal_max = 1.2;
		r->goal_ref = keys[0];
		(*n)++;
	}
	pmark_flush(ctx->maps);
	return 0;
}
