// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark_bench: the per-packet cost of the pmark tc program, as ratios to an
 * empty tc program timed the same way, and the record write rate.  A
 * benchmark never fails the build: goals are reported PASS or MISS, and the
 * exit status is 0 unless the benchmark itself could not run (4: not root).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pmark_skel_load.h"
#include "empty.skel.h"
#include "bench.h"
#include "env.h"
#include "random_records.h"
#include "record_rate.h"
#include "report.h"

#define EXIT_SKIP 4

struct cli {
	struct measure_opts opts;
	int samples;
	unsigned long long mmap_records, syscall_records;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pmark_bench [--json] [--runs N] [--repeat N] [--samples N] [--records N]\n"
		"                   [--syscall-records N]\n"
		"  --runs N             interleaved (empty, pmark) pairs per case, median taken (7)\n"
		"  --repeat N           runs per BPF_PROG_TEST_RUN call (2000000)\n"
		"  --samples N          pairs for the random-record rows, 1 run each (%d)\n"
		"  --records N          records written through libpmark for the rate (%u)\n"
		"  --syscall-records N  records written by bpf_map_update_elem for the rate (%u)\n"
		"  --json               machine-readable output\n",
		RANDOM_DEFAULT_SAMPLES, RATE_DEFAULT_MMAP_RECORDS, RATE_DEFAULT_SYSCALL_RECORDS);
}

static bool parse_count(const char *s, unsigned long long min, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "samples", required_argument, NULL, 's' },
		{ "records", required_argument, NULL, 'm' },
		{ "syscall-records", required_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	int opt, idx = 0;

	while ((opt = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		switch (opt) {
		case 'n':
			if (!parse_count(optarg, 1, MEASURE_MAX_RUNS, &v))
				goto bad;
			c->opts.runs = (int)v;
			break;
		case 'r':
			if (!parse_count(optarg, 1, UINT32_MAX, &v))
				goto bad;
			c->opts.repeat = (uint32_t)v;
			break;
		case 's':
			if (!parse_count(optarg, 1, 10000000, &v))
				goto bad;
			c->samples = (int)v;
			break;
		case 'm':
			if (!parse_count(optarg, 1, 1ull << 40, &c->mmap_records))
				goto bad;
			break;
		case 'y':
			if (!parse_count(optarg, 1, 1ull << 40, &c->syscall_records))
				goto bad;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind == argc)
		return 0;
	fprintf(stderr, "pmark_bench: unexpected argument '%s'\n", argv[optind]);
	usage(stderr);
	return -1;
bad:
	fprintf(stderr, "pmark_bench: bad value '%s' for --%s\n", optarg, longopts[idx].name);
	return -1;
}

static int ctx_open(struct bench_ctx *ctx)
{
	ctx->skel = pmark_skel_load(BENCH_RING_SHIFT, BENCH_RINGS);
	if (!ctx->skel)
		return -errno;
	ctx->empty = empty_bpf__open_and_load();
	if (!ctx->empty)
		return -errno;
	ctx->maps = pmark_skel_maps(ctx->skel);
	if (!ctx->maps)
		return -errno;
	ctx->prog_fd = bpf_program__fd(ctx->skel->progs.pmark_egress);
	ctx->empty_fd = bpf_program__fd(ctx->empty->progs.empty_egress);
	return pmark_port_add(ctx->maps, BENCH_SCTP_PORT);
}

static void ctx_close(struct bench_ctx *ctx)
{
	pmark_close(ctx->maps);
	empty_bpf__destroy(ctx->empty);
	pmark_bpf__destroy(ctx->skel);
}

static int failed(const char *what, int err)
{
	if (err)
		fprintf(stderr, "pmark_bench: %s: %s\n", what, pmark_strerror(err));
	return err;
}

static int run_all(struct bench_ctx *ctx, const struct cli *cli, struct case_result *cases,
		   int *n, struct record_rate *rate)
{
	int err = failed("packet cases", packet_cases_run(ctx, cases, n));

	if (!err)
		err = failed("lookup-scale cases", scale_cases_run(ctx, cases, n));
	if (!err)
		err = failed("random-record cases", random_cases_run(ctx, cli->samples, cases, n));
	if (!err)
		err = failed("record rate", record_rate_measure(ctx->maps, cli->mmap_records,
								cli->syscall_records, rate));
	return err;
}

int main(int argc, char **argv)
{
	struct cli cli = {
		.opts = { .runs = 7, .repeat = 2000000 },
		.samples = RANDOM_DEFAULT_SAMPLES,
		.mmap_records = RATE_DEFAULT_MMAP_RECORDS,
		.syscall_records = RATE_DEFAULT_SYSCALL_RECORDS,
	};
	struct case_result cases[BENCH_MAX_CASES] = {};
	struct record_rate rate = {};
	struct bench_ctx ctx = {};
	struct bench_env env;
	struct bench_report rep;
	int n = 0, err;

	if (parse_cli(argc, argv, &cli))
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "pmark_bench: needs root (BPF_PROG_TEST_RUN on a tc program); "
				"skipped\n");
		return EXIT_SKIP;
	}
	env_probe(&env);
	ctx.opts = cli.opts;
	err = ctx_open(&ctx);
	if (failed("loading the programs", err)) {
		ctx_close(&ctx);
		return 1;
	}
	err = run_all(&ctx, &cli, cases, &n, &rate);
	ctx_close(&ctx);
	if (err)
		return 1;
	rep = (struct bench_report){ &env, &cli.opts, cli.samples, cases, n, &rate };
	if (cli.json)
		report_json(stdout, &rep);
	else
		report_table(stdout, &rep);
	return 0;
}
