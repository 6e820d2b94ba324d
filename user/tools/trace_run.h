/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace: one run on a connected association: the traces, the path MTU, the load. */
#ifndef TRACE_RUN_H
#define TRACE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "pmark_trace.h"
#include "tool_addr.h"
#include "trace_load.h"
#include "trace_opts.h"

struct trace_run {
	const struct trace_args *a;
	struct pmark_ep *ep;
	struct pmark_conn *conn;
	int family;                      /* AF_INET / AF_INET6 */
	char target[TOOL_ADDRSTRLEN];    /* "10.80.6.2:5001" */
	char local[TOOL_ADDRSTRLEN];     /* "10.80.1.1:40000": the route's source when bound to any */
	struct sockaddr_storage local_ip; /* that address: "hop 0", the sender's own network */
	uint32_t route_mtu;              /* 0 when the route lookup failed */
	uint32_t assoc_mtu;              /* the endpoint's MTU */
	uint32_t probe_bytes;            /* UDP payload bytes of a probe */

	struct pmark_trace_result *rounds; /* one, or --rounds with --report */
	unsigned nrounds;                /* completed */
	unsigned nalloc;                 /* allocated (zeroed until their trace fills them) */
	uint64_t elapsed_ns;             /* summed durations of the traces */

	bool have_pmtu;
	struct pmark_pmtu_result pmtu;
	const char *pmtu_note;           /* why the search stopped before an answer, or NULL */

	struct trace_load *load;         /* NULL without --load */
};

/*
 * Run the trace (with --report, a->rounds of them, a->interval_ms apart).
 * 0, or the first error as a negative errno with *why (the library's
 * sentence or NULL); the rounds completed before it stay in r.  A trace
 * is an error only when not one probe could be sent.
 */
int trace_run_traces(struct trace_run *r, const char **why);
/* pmark_trace_pmtu from the association's MTU (the library lowers it to the route's):
 * 0 or a negative errno, *why as above. */
int trace_run_pmtu(struct trace_run *r, const char **why);
void trace_run_free(struct trace_run *r);

#endif
