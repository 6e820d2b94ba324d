/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* struct pmark_conn_stats as text (one field a line) or as a JSON object. */
#ifndef TOOL_STATS_H
#define TOOL_STATS_H

#include <stdio.h>
#include "pmark.h"
#include "tool_json.h"

/* "  msgs_sent        10" lines, each prefixed by indent. */
void tool_stats_text(FILE *f, const char *indent, const struct pmark_conn_stats *s);
/* A member key holding every field; state also as state_name. */
void tool_stats_json(struct json *j, const char *key, const struct pmark_conn_stats *s);
/* "established", "shutdown-sent", ... or NULL when unknown. */
const char *tool_state_name(int state);

#endif
