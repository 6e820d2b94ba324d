// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stats [--reset]: the tc program's counters, summed over CPUs. */
#include <string.h>
#include "ctl.h"

int cmd_stats(struct ctl *c, int argc, char **argv)
{
	uint64_t v[64];
	bool reset = false;
	struct pmark_maps *m;
	int n;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--reset"))
			reset = true;
		else
			return usage_error(c, "unknown argument '%s'", argv[i]);
	}
	m = open_maps(c);
	if (!m)
		return 1;
	n = pmark_counters_read(m, v, sizeof(v) / sizeof(v[0]));
	if (n < 0) {
		pmark_close(m);
		return fail(c, "%s", pmark_strerror(n));
	}
	if (c->json)
		printf("{");
	for (int i = 0; i < n; i++) {
		if (c->json)
			printf("%s\"%s\":%llu", i ? "," : "", pmark_counter_name(i),
			       (unsigned long long)v[i]);
		else
			printf("%-16s %12llu  %s\n", pmark_counter_name(i), (unsigned long long)v[i],
			       pmark_counter_help(i));
	}
	if (c->json)
		printf("}\n");
	if (reset) {
		int err = pmark_counters_reset(m);

		if (err) {
			pmark_close(m);
			return fail(c, "reset: %s", pmark_strerror(err));
		}
	}
	pmark_close(m);
	return 0;
}
