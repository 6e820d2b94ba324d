// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Describing the machine, and pinning the benchmark to one CPU. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "env.h"

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = 0;
		snprintf(out, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* Interleaved pairs compare best on one CPU: pin to the current one. */
static int pin_here(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

void env_probe(struct bench_env *e)
{
	struct utsname u;
	time_t now = time(NULL);

	memset(e, 0, sizeof(*e));
	strftime(e->date, sizeof(e->date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(e->kernel, sizeof(e->kernel), "%s", uname(&u) ? "unknown" : u.release);
	cpu_model(e->cpu, sizeof(e->cpu));
	e->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	e->pinned_cpu = pin_here();
	e->jit_enable = read_int("/proc/sys/net/core/bpf_jit_enable");
	e->bpf_stats = read_int("/proc/sys/kernel/bpf_stats_enabled");
}
