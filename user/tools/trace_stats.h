/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace: the round-trip statistics of one hop, as mtr reports them. */
#ifndef TRACE_STATS_H
#define TRACE_STATS_H

struct trace_rtt {
	unsigned n;              /* answers counted */
	double last, best, worst; /* ms */
	double mean, m2;         /* running mean and sum of squared deviations (Welford) */
};

void trace_rtt_add(struct trace_rtt *s, double ms);
/* Sample standard deviation (n - 1, as mtr); 0 with fewer than two answers. */
double trace_rtt_stdev(const struct trace_rtt *s);

#endif
