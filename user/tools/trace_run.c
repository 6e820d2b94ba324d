// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: the traces and the path-MTU search on the association. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tool_util.h"
#include "trace_run.h"

int trace_run_traces(struct trace_run *r, const char **why)
{
	const struct trace_args *a = r->a;
	unsigned n = a->report ? a->rounds : 1, k;
	struct pmark_trace_config cfg = a->cfg;

	r->rounds = calloc(n, sizeof(*r->rounds));
	if (!r->rounds)
		return -ENOMEM;
	r->nalloc = n;
	for (k = 0; k < n; k++) {
		int err;

		if (k && a->interval_ms)
			tool_sleep_ms(a->interval_ms, NULL);
		/* Each trace tags its probes anew: a late answer to an earlier
		 * round is not taken for one of this round. */
		*why = NULL;
		err = pmark_trace(r->conn, &cfg, &r->rounds[k], why);
		if (err)
			return err;
		r->nrounds++;
		r->elapsed_ns += r->rounds[k].duration_ns;
	}
	return 0;
}

int trace_run_pmtu(struct trace_run *r, const char **why)
{
	int err;

	*why = NULL;
	err = pmark_trace_pmtu(r->conn, 0, &r->a->cfg, &r->pmtu, why);
	r->have_pmtu = err == 0;
	/* A search that ended early (a hop answered with another error) says why. */
	if (!err)
		r->pmtu_note = *why;
	return err;
}

void trace_run_free(struct trace_run *r)
{
	unsigned k;

	/* A round that failed may hold part of a result: free every one. */
	for (k = 0; k < r->nalloc; k++)
		pmark_trace_result_free(&r->rounds[k]);
	free(r->rounds);
	r->rounds = NULL;
	r->nrounds = r->nalloc = 0;
}
