/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The machine a run was made on, printed with its results. */
#ifndef BENCH_ENV_H
#define BENCH_ENV_H

struct bench_env {
	char date[32];            /* UTC, ISO 8601 */
	char kernel[128];         /* uname -r */
	char cpu[128];            /* /proc/cpuinfo model name */
	int ncpus;                /* online */
	int pinned_cpu;           /* CPU the benchmark runs on, -1 if not pinned */
	int jit_enable;           /* /proc/sys/net/core/bpf_jit_enable, -1 unknown */
	int bpf_stats;            /* /proc/sys/kernel/bpf_stats_enabled, -1 unknown */
};

/* Fills e and pins the process to the CPU it is running on. */
void env_probe(struct bench_env *e);

#endif /* BENCH_ENV_H */
