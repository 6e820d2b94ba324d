// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN timing in interleaved pairs (see measure.h). */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "measure.h"

int measure_once(int prog_fd, const void *pkt, size_t len, uint32_t repeat, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	if (opts.retval != 0)   /* both programs always return TC_ACT_OK */
		return -EPROTO;
	*ns = opts.duration;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void stats_of(double *v, int n, struct run_stats *s)
{
	s->median_ns = median(v, n);
	s->min_ns = v[0];       /* sorted by median() */
}

int measure_pairs(int empty_fd, int prog_fd, const void *pkt, size_t len,
		  const struct measure_opts *opts, struct pair_result *out)
{
	double empty[MEASURE_MAX_RUNS], prog[MEASURE_MAX_RUNS], ratio[MEASURE_MAX_RUNS];
	uint32_t e, p;
	int err;

	if (opts->runs < 1 || opts->runs > MEASURE_MAX_RUNS)
		return -EINVAL;
	/* Warm-up pair, not counted: caches, branch predictors, CPU frequency. */
	err = measure_once(empty_fd, pkt, len, opts->repeat / 10 + 1, &e);
	if (!err)
		err = measure_once(prog_fd, pkt, len, opts->repeat / 10 + 1, &p);
	for (int i = 0; !err && i < opts->runs; i++) {
		err = measure_once(empty_fd, pkt, len, opts->repeat, &e);
		if (!err)
			err = measure_once(prog_fd, pkt, len, opts->repeat, &p);
		empty[i] = e;
		prog[i] = p;
		ratio[i] = e ? (double)p / e : 0;
	}
	if (err)
		return err;
	stats_of(empty, opts->runs, &out->empty);
	stats_of(prog, opts->runs, &out->prog);
	out->ratio = median(ratio, opts->runs);
	return 0;
}
