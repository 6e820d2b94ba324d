/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* struct pmark_conn_stats as text (one field a line) or as a JSON object. */
#ifndef TOOL_STATS_H
#define TOOL_STATS_H

#include <stdbool.h>
#include <stdio.h>
#include "pmark.h"
#include "tool_json.h"

/* "  msgs_sent        10" lines, each prefixed by indent. */
void tool_stats_text(FILE *f, const char *indent, const struct pmark_conn_stats *s);
/* A member key holding every field; state also as state_name. */
void tool_stats_json(struct json *j, const char *key, const struct pmark_conn_stats *s);
/* "established", "shutdown-sent", ... or NULL when unknown. */
const char *tool_state_name(int state);
/* The association was aborted or never set up: it acks nothing more. */
bool tool_stats_ended_badly(const struct pmark_conn_stats *s);
/*
 * Everything sent was acked: nothing in flight (unacked) or still held
 * (queued_bytes), on an association still up or shut down cleanly.  After
 * an abort usrsctp drops what it held, and those zeros mean lost.
 */
bool tool_stats_all_acked(const struct pmark_conn_stats *s);
/* enum pmark_conn_end as "none", "shutdown", "peer-abort", "lost", "setup-failed". */
const char *tool_end_name(int end);

#endif
