/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Goal verdicts and the two output forms: a table for people, JSON for tools. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>
#include "bench.h"
#include "env.h"
#include "record_rate.h"

struct bench_report {
	const struct bench_env *env;
	const struct measure_opts *opts;
	int random_samples;
	const struct case_result *cases;
	int ncases;
	const struct record_rate *rate;
};

enum verdict { VERDICT_NONE, VERDICT_PASS, VERDICT_MISS, VERDICT_INVALID };

/* The case's goal outcome; *value is what was compared with goal_max. */
enum verdict goal_verdict(const struct bench_report *rep, const struct case_result *c,
			  double *value);

void report_table(FILE *f, const struct bench_report *rep);
void report_json(FILE *f, const struct bench_report *rep);

#endif /* BENCH_REPORT_H */
