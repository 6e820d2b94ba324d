// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Measuring one case's packet and checking which path the program took. */
#include <errno.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "bench.h"

int case_measure(struct bench_ctx *ctx, const void *pkt, size_t len, int expect,
		 struct case_result *r)
{
	uint64_t before[PMARK_CNT_MAX], after[PMARK_CNT_MAX];
	uint64_t runs = (uint64_t)ctx->opts.runs * ctx->opts.repeat;
	int err;

	err = pmark_counters_read(ctx->maps, before, PMARK_CNT_MAX);
	if (err < 0)
		return err;
	err = measure_pairs(ctx->empty_fd, ctx->prog_fd, pkt, len, &ctx->opts, &r->m);
	if (err)
		return err;
	err = pmark_counters_read(ctx->maps, after, PMARK_CNT_MAX);
	if (err < 0)
		return err;
	r->frame_len = len;
	r->expected = pmark_counter_name(expect);
	/* Every timed run (and the warm-up) must have counted on the expected path. */
	r->path_ok = after[expect] - before[expect] >= runs &&
		     after[PMARK_CNT_SEEN] - before[PMARK_CNT_SEEN] ==
		     after[expect] - before[expect];
	return 0;
}
