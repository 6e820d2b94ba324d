// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: the round-trip statistics of one hop, as mtr reports them. */
#include <math.h>
#include "trace_stats.h"

void trace_rtt_add(struct trace_rtt *s, double ms)
{
	double d;

	/* Welford: one pass, no sum of squares to lose precision in. */
	s->n++;
	d = ms - s->mean;
	s->mean += d / s->n;
	s->m2 += d * (ms - s->mean);
	s->last = ms;
	if (s->n == 1 || ms < s->best)
		s->best = ms;
	if (s->n == 1 || ms > s->worst)
		s->worst = ms;
}

double trace_rtt_stdev(const struct trace_rtt *s)
{
	return s->n > 1 ? sqrt(s->m2 / (s->n - 1)) : 0;
}
