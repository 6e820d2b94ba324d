// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Comparing a case with its goal (see report.h). */
#include <string.h>
#include "report.h"

static const struct case_result *find_case(const struct bench_report *rep, const char *key)
{
	for (int i = 0; i < rep->ncases; i++)
		if (!strcmp(rep->cases[i].key, key))
			return &rep->cases[i];
	return NULL;
}

enum verdict goal_verdict(const struct bench_report *rep, const struct case_result *c,
			  double *value)
{
	const struct case_result *ref;

	*value = 0;
	switch (c->goal) {
	case GOAL_VS_EMPTY:
		*value = c->m.ratio;
		break;
	case GOAL_VS_CASE:
		ref = find_case(rep, c->goal_ref);
		if (!ref || !ref->path_ok || ref->m.ratio <= 0)
			return VERDICT_INVALID;
		*value = c->m.ratio / ref->m.ratio;
		break;
	default:
		return VERDICT_NONE;
	}
	if (!c->path_ok)
		return VERDICT_INVALID;
	return *value <= c->goal_max ? VERDICT_PASS : VERDICT_MISS;
}
