/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace's output: what both printers read, the text printer, the JSON printer. */
#ifndef TRACE_OUT_H
#define TRACE_OUT_H

#include <stdio.h>
#include "trace_names.h"
#include "trace_path.h"
#include "trace_run.h"

struct trace_view {
	const struct trace_run *run;
	const struct trace_path *path;
	const struct trace_names *names;   /* NULL with -n */
	bool have_stats;
	struct pmark_conn_stats stats;     /* the association's, after everything */
	const char *error;                 /* the runtime error that cut the run short, or NULL */
	const char *load_error;            /* the load's send error, or NULL */
};

/* trace_view.c: what both printers derive the same way. */
/* --pmtu: the limiting hop's TTL (the library's, else found in the trace), 0 if unknown. */
unsigned trace_view_pmtu_hop(const struct trace_view *v);
/* --pmtu: the smallest next-hop MTU a Fragmentation Needed / Packet Too Big named, 0 if none. */
uint32_t trace_view_next_hop_mtu(const struct trace_view *v);
/* Who answered a PMTU step: the offender, or the peer for an ack; NULL otherwise. */
const struct sockaddr *trace_view_step_addr(const struct trace_view *v,
					    const struct pmark_pmtu_step *s);

/* trace_text.c: the first line, printed before the trace starts. */
void trace_text_header(FILE *f, const struct trace_run *r);
/* Everything after it: hops (or the --report table), notes, path MTU, load. */
void trace_text_print(FILE *f, const struct trace_view *v);

/* trace_json.c: the whole run as one JSON object on one line. */
void trace_json_print(FILE *f, const struct trace_view *v);

#endif
