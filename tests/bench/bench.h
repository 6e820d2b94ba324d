/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the benchmark's parts share: the loaded programs and one result per case. */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include "measure.h"

/* Ring geometry the benchmark loads: 256 rings of 4096 slots = 1,048,576 records. */
#define BENCH_RING_SHIFT 12
#define BENCH_RINGS 512   /* twice the associations of the 1M case: a vtag has 16 probe entries */
#define BENCH_SCTP_PORT 5000      /* registered local UDP port */
#define BENCH_OTHER_PORT 5353     /* never registered */

struct pmark_bpf;
struct empty_bpf;
struct pmark_maps;

struct bench_ctx {
	struct pmark_bpf *skel;
	struct empty_bpf *empty;
	struct pmark_maps *maps;
	int prog_fd, empty_fd;    /* pmark_egress, the empty tc program */
	struct measure_opts opts;
};

enum goal_kind {
	GOAL_NONE,
	GOAL_VS_EMPTY,            /* ratio to the empty program <= goal_max */
	GOAL_VS_CASE,             /* ratio to empty <= goal_max * goal_ref's ratio to empty */
};

struct case_result {
	const char *key;          /* short name, the JSON key */
	const char *name;         /* what a reader sees in the table */
	size_t frame_len;
	struct pair_result m;
	enum goal_kind goal;
	double goal_max;
	const char *goal_ref;     /* key of the reference case for GOAL_VS_CASE */
	const char *expected;     /* counter name the program had to take */
	bool path_ok;             /* it took that path on every run */
};

#define BENCH_MAX_CASES 16

/* Each appends its cases' results at out[*n]; negative errno on setup failure. */
int packet_cases_run(struct bench_ctx *ctx, struct case_result *out, int *n);
int scale_cases_run(struct bench_ctx *ctx, struct case_result *out, int *n);

/* Shared by both: measure one packet, check that the program took counter `expect`. */
int case_measure(struct bench_ctx *ctx, const void *pkt, size_t len, int expect,
		 struct case_result *r);

#endif /* BENCH_H */
