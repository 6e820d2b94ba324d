// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_prog: runs the pmark tc programs in the kernel (BPF_PROG_TEST_RUN) on
 * crafted packets and checks every output byte and every counter, and for
 * the ingress program the quotes it stores.  TAP on stdout; exit 0 when all
 * pass, 1 when one fails, 4 when it cannot run here.
 *
 * Usage: test_prog [SUBSTRING]   only the cases whose name contains SUBSTRING
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cases.h"
#include "env.h"
#include "expect.h"
#include "ingress.h"
#include "pkt.h"

#define TC_ACT_OK 0

static const struct case_table *const tables[] = {
	&header_cases, &chunk_cases, &record_cases, &not_ours_cases, &malformed_cases,
	&fragment_cases, &ipid_cases, &dtls_cases,
};

static void print_counters(FILE *diag, const char *label, const uint64_t *c)
{
	fprintf(diag, "#   %s counter deltas:", label);
	for (int i = 0; i < PMARK_CNT_MAX; i++)
		if (c[i])
			fprintf(diag, " %s=%llu", pmark_counter_name(i), (unsigned long long)c[i]);
	fprintf(diag, "\n");
}

static bool check_bytes(FILE *diag, const struct pkt *exp, const uint8_t *out, size_t out_len)
{
	long at = first_difference(exp->b, exp->len, out, out_len);
	char where[32];

	if (at < 0)
		return true;
	if (out_len != exp->len)
		fprintf(diag, "#   output is %zu bytes, expected %zu\n", out_len, exp->len);
	if ((size_t)at < exp->len && (size_t)at < out_len)
		fprintf(diag, "#   first differing byte at offset %ld (%s): expected 0x%02x, actual 0x%02x\n",
			at, pkt_where(exp, (size_t)at, where, sizeof(where)), exp->b[at], out[at]);
	return false;
}

static bool run_step(struct env *e, const struct step *st, FILE *diag)
{
	static struct pkt in, exp;
	static uint8_t out[PKT_MAX];
	uint64_t before[PMARK_CNT_MAX], after[PMARK_CNT_MAX], delta[PMARK_CNT_MAX];
	size_t out_len = 0;
	uint32_t retval = 0;
	bool ok = true;
	int err;

	for (int i = 0; i < MAX_ACTIONS && st->act[i].kind != ACT_END; i++)
		if (!env_act(e, &st->act[i], diag))
			return false;
	pkt_build(&st->pkt, &in);
	expect_packet(&in, &st->want, &exp);
	err = env_counters(e, before);
	if (!err) {
		err = env_run(e, &in, out, &out_len, &retval);
		if (err) {
			fprintf(diag, "#   BPF_PROG_TEST_RUN on %zu bytes failed: %s\n", in.len,
				strerror(-err));
			return false;
		}
		err = env_counters(e, after);
	}
	if (err) {
		fprintf(diag, "#   reading the counters failed: %s\n", strerror(-err));
		return false;
	}
	if (retval != TC_ACT_OK) {
		fprintf(diag, "#   program returned %u, expected TC_ACT_OK (0)\n", retval);
		ok = false;
	}
	ok &= check_bytes(diag, &exp, out, out_len);
	if (udp_verify(&st->pkt, &in, out, out_len) == UDP_INVALID) {
		fprintf(diag, "#   UDP checksum of the output does not verify\n");
		ok = false;
	}
	for (int i = 0; i < PMARK_CNT_MAX; i++)
		delta[i] = after[i] - before[i];
	if (memcmp(delta, st->cnt, sizeof(delta))) {
		fprintf(diag, "#   counter deltas differ\n");
		ok = false;
	}
	if (!ok) {
		print_counters(diag, "expected", st->cnt);
		print_counters(diag, "actual  ", delta);
	}
	return ok;
}

static bool run_case(struct env *e, const struct prog_case *c, FILE *diag)
{
	static const uint16_t default_port = SPORT;
	size_t nports = c->ports[1] ? 2 : c->ports[0] ? 1 : 0;
	int err = env_reset(e, nports ? c->ports : &default_port, nports ? nports : 1, c->peers);

	if (err) {
		fprintf(diag, "# resetting the maps failed: %s\n", strerror(-err));
		return false;
	}
	for (size_t k = 0; k < c->n_steps; k++) {
		char *text = NULL;
		size_t len = 0;
		FILE *step_diag = open_memstream(&text, &len);
		bool ok;

		if (!step_diag)
			return false;
		ok = run_step(e, &c->steps[k], step_diag);
		fclose(step_diag);
		if (!ok)
			fprintf(diag, "# step %zu of %zu:\n%s", k + 1, c->n_steps, text);
		free(text);
		if (!ok)
			return false;
	}
	return true;
}

static bool selected(const char *name, const char *filter)
{
	return !filter || strstr(name, filter);
}

/* Runs one case with its diagnostics collected, then prints its TAP line. */
static bool report(size_t number, const char *name, bool (*run)(struct env *, const void *, FILE *),
		   struct env *e, const void *c)
{
	char *diag_text = NULL;
	size_t diag_len = 0;
	FILE *diag = open_memstream(&diag_text, &diag_len);
	bool ok;

	if (!diag) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	ok = run(e, c, diag);
	fclose(diag);
	/* Diagnostics go after the verdict line. */
	printf("%sok %zu - %s\n", ok ? "" : "not ", number, name);
	if (!ok)
		fputs(diag_text, stdout);
	free(diag_text);
	return ok;
}

static bool run_egress(struct env *e, const void *c, FILE *diag)
{
	return run_case(e, c, diag);
}

static bool run_ingress(struct env *e, const void *c, FILE *diag)
{
	return run_ingress_case(e, c, diag);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL, *skip = NULL;
	size_t planned = 0, number = 0, failed = 0;
	struct env e;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	err = env_open(&e, &skip);
	if (err > 0) {
		printf("1..0 # SKIP %s\n", skip);
		return 4;
	}
	if (err < 0) {
		printf("Bail out! loading the pmark program failed: %s\n", strerror(-err));
		return 1;
	}
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < tables[t]->n; i++)
			planned += selected(tables[t]->cases[i].name, filter);
	for (size_t i = 0; i < ingress_cases.n; i++)
		planned += selected(ingress_cases.cases[i].name, filter);
	printf("1..%zu\n", planned);
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		for (size_t i = 0; i < tables[t]->n; i++) {
			const struct prog_case *c = &tables[t]->cases[i];

			if (selected(c->name, filter))
				failed += !report(++number, c->name, run_egress, &e, c);
		}
	}
	for (size_t i = 0; i < ingress_cases.n; i++) {
		const struct ingress_case *c = &ingress_cases.cases[i];

		if (selected(c->name, filter))
			failed += !report(++number, c->name, run_ingress, &e, c);
	}
	env_close(&e);
	if (failed)
		printf("# %zu of %zu failed\n", failed, planned);
	return failed ? 1 : 0;
}
