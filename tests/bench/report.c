// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Printing the results as a table or as JSON. */
#include "report.h"

static const char *const verdict_names[] = {
	[VERDICT_NONE] = "", [VERDICT_PASS] = "PASS", [VERDICT_MISS] = "MISS",
	[VERDICT_INVALID] = "INVALID",
};

static void goal_text(const struct case_result *c, char *out, size_t len)
{
	if (c->goal == GOAL_VS_EMPTY)
		snprintf(out, len, "<= %.2fx empty", c->goal_max);
	else if (c->goal == GOAL_VS_CASE)
		snprintf(out, len, "<= %.2fx %s", c->goal_max, c->goal_ref);
	else
		snprintf(out, len, "-");
}

static void table_header(FILE *f, const struct bench_report *rep)
{
	const struct bench_env *e = rep->env;

	fprintf(f, "pmark tc program, BPF_PROG_TEST_RUN: %s\n", e->date);
	fprintf(f, "kernel %s, CPU %s (%d online, pinned to %d), bpf_jit_enable=%d, "
		   "bpf_stats_enabled=%d\n",
		e->kernel, e->cpu, e->ncpus, e->pinned_cpu, e->jit_enable, e->bpf_stats);
	fprintf(f, "median of %d interleaved pairs (empty, pmark) of %u runs each; "
		   "random-record rows: %d pairs of 1 run\n\n",
		rep->opts->runs, rep->opts->repeat, rep->random_samples);
	fprintf(f, "%-40s %5s %7s %5s %6s %7s  %-22s %s\n", "case", "bytes", "ns/pkt", "min",
		"empty", "x empty", "goal", "verdict");
}

static void table_row(FILE *f, const struct bench_report *rep, const struct case_result *c)
{
	char goal[48];
	double value;
	enum verdict v = goal_verdict(rep, c, &value);

	goal_text(c, goal, sizeof(goal));
	fprintf(f, "%-40s %5zu %7.0f %5.0f %6.0f %7.2f  %-22s %s", c->name, c->frame_len,
		c->m.prog.median_ns, c->m.prog.min_ns, c->m.empty.median_ns, c->m.ratio, goal,
		verdict_names[v]);
	if (c->goal == GOAL_VS_CASE && value > 0)
		fprintf(f, " (%.2fx)", value);
	if (!c->path_ok)
		fprintf(f, " (did not always count as %s)", c->expected);
	fputc('\n', f);
}

static void table_rate(FILE *f, const struct record_rate *r)
{
	double mmap = rate_per_second(r->mmap_records, r->mmap_seconds);
	double sys = rate_per_second(r->syscall_records, r->syscall_seconds);

	fprintf(f, "\nrecords written per second, one thread:\n");
	fprintf(f, "  libpmark pmark_assoc_mark (mmap stores) %12.0f/s  %6.1f ns/record  (%llu records)\n",
		mmap, mmap ? 1e9 / mmap : 0, (unsigned long long)r->mmap_records);
	fprintf(f, "  bpf_map_update_elem, hash map (syscall) %12.0f/s  %6.1f ns/record  (%llu records)\n",
		sys, sys ? 1e9 / sys : 0, (unsigned long long)r->syscall_records);
	fprintf(f, "  mmap / syscall: %.1fx\n", sys ? mmap / sys : 0);
}

void report_table(FILE *f, const struct bench_report *rep)
{
	table_header(f, rep);
	for (int i = 0; i < rep->ncases; i++)
		table_row(f, rep, &rep->cases[i]);
	if (rep->rate)
		table_rate(f, rep->rate);
}

/* A JSON string; what the machine reports (CPU model) may hold anything. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Case names and keys are the benchmark's own constants: plain quotes suffice. */
static void json_case(FILE *f, const struct bench_report *rep, const struct case_result *c)
{
	double value;
	enum verdict v = goal_verdict(rep, c, &value);

	fprintf(f, "    {\"key\": \"%s\", \"name\": \"%s\", \"frame_len\": %zu, "
		   "\"ns_median\": %.1f, \"ns_min\": %.1f, \"empty_ns_median\": %.1f, "
		   "\"empty_ns_min\": %.1f, \"ratio_to_empty\": %.4f, \"expected_path\": \"%s\", "
		   "\"path_ok\": %s",
		c->key, c->name, c->frame_len, c->m.prog.median_ns, c->m.prog.min_ns,
		c->m.empty.median_ns, c->m.empty.min_ns, c->m.ratio, c->expected,
		c->path_ok ? "true" : "false");
	if (c->goal != GOAL_NONE)
		fprintf(f, ", \"goal\": {\"max\": %.2f, \"relative_to\": \"%s\", \"value\": %.4f, "
			   "\"verdict\": \"%s\"}",
			c->goal_max, c->goal == GOAL_VS_EMPTY ? "empty" : c->goal_ref, value,
			verdict_names[v]);
	fputc('}', f);
}

void report_json(FILE *f, const struct bench_report *rep)
{
	const struct bench_env *e = rep->env;
	const struct record_rate *r = rep->rate;

	fprintf(f, "{\n  \"date\": \"%s\", \"kernel\": ", e->date);
	json_str(f, e->kernel);
	fputs(", \"cpu\": ", f);
	json_str(f, e->cpu);
	fprintf(f, ", \"online_cpus\": %d, \"pinned_cpu\": %d, \"bpf_jit_enable\": %d, "
		   "\"bpf_stats_enabled\": %d,\n",
		e->ncpus, e->pinned_cpu, e->jit_enable, e->bpf_stats);
	fprintf(f, "  \"runs\": %d, \"repeat\": %u, \"random_samples\": %d,\n  \"cases\": [\n",
		rep->opts->runs, rep->opts->repeat, rep->random_samples);
	for (int i = 0; i < rep->ncases; i++) {
		json_case(f, rep, &rep->cases[i]);
		fputs(i + 1 < rep->ncases ? ",\n" : "\n", f);
	}
	fputs("  ]", f);
	if (r)
		fprintf(f, ",\n  \"record_rate\": {\"mmap_records\": %llu, \"mmap_per_second\": %.0f, "
			   "\"syscall_records\": %llu, \"syscall_per_second\": %.0f, "
			   "\"mmap_over_syscall\": %.2f}",
			(unsigned long long)r->mmap_records,
			rate_per_second(r->mmap_records, r->mmap_seconds),
			(unsigned long long)r->syscall_records,
			rate_per_second(r->syscall_records, r->syscall_seconds),
			r->syscall_seconds > 0 && r->mmap_seconds > 0
				? rate_per_second(r->mmap_records, r->mmap_seconds) /
				  rate_per_second(r->syscall_records, r->syscall_seconds)
				: 0);
	fputs("\n}\n", f);
}
