/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Lookup cost with the record out of cache: one run per call on random records. */
#ifndef BENCH_RANDOM_RECORDS_H
#define BENCH_RANDOM_RECORDS_H

#include "bench.h"

#define RANDOM_DEFAULT_SAMPLES 5000

/* Appends the 1k and 1M random-record cases at out[*n]. */
int random_cases_run(struct bench_ctx *ctx, int samples, struct case_result *out, int *n);

#endif /* BENCH_RANDOM_RECORDS_H */
