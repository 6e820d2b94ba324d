/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Timing tc programs with BPF_PROG_TEST_RUN: the kernel runs a program
 * `repeat` times on one packet and reports the average ns per run.  A case is
 * measured in pairs, the empty program then the program under test on the
 * same bytes, so that noise from the machine hits both alike; the ratio of a
 * case is the median over pairs of (program ns / empty ns).
 */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define MEASURE_MAX_RUNS 101

struct measure_opts {
	int runs;                 /* pairs per case, 1..MEASURE_MAX_RUNS */
	uint32_t repeat;          /* test runs per BPF_PROG_TEST_RUN call */
};

struct run_stats {
	double median_ns, min_ns;
};

struct pair_result {
	struct run_stats empty, prog;
	double ratio;             /* median of per-pair prog/empty */
};

/* One BPF_PROG_TEST_RUN call: average ns per run into *ns.  Negative errno on failure. */
int measure_once(int prog_fd, const void *pkt, size_t len, uint32_t repeat, uint32_t *ns);

/* opts->runs interleaved pairs (empty, prog), after one warm-up pair. */
int measure_pairs(int empty_fd, int prog_fd, const void *pkt, size_t len,
		  const struct measure_opts *opts, struct pair_result *out);

double median(double *v, int n);   /* sorts v */

#endif /* BENCH_MEASURE_H */
