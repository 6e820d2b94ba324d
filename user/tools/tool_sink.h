/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-sink: shared state, the per-association reader, its reports. */
#ifndef TOOL_SINK_H
#define TOOL_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "pmark.h"
#include "tool_addr.h"

struct sink_tally {
	uint64_t msgs, bytes, intact, corrupt, unverifiable, truncated, echoed, echo_errors;
	/* From the association's counters when reading ended: probe messages
	 * (pmark_trace.h) the library dropped, ICMP errors on the error queue. */
	uint64_t probes_dropped, icmp_errors, icmp_matched;
	/* Protected datagrams from the peer dropped: failed authentication, replays. */
	uint64_t dtls_rejected, dtls_replayed;
};

struct tool_dtls;

struct sink {
	struct pmark_ep *ep;
	const struct tool_dtls *dtls;
	size_t max_size;         /* receive buffer per association */
	uint64_t pause_ms;       /* no pmark_recv for this long after the accept */
	uint64_t count;          /* stop after this many messages in total; 0: never */
	bool echo, json, quiet;
	uint64_t start_ns;
	volatile int stop;       /* every reader ends soon after this is set */
	const char *stop_reason; /* "count", "once", "duration", "signal" */
	atomic_uint_fast64_t taken; /* messages counted so far, for --count */

	pthread_mutex_t lock;    /* the fields below, and stdout */
	pthread_cond_t changed;  /* a reader ended */
	unsigned active, accepted, ended;
	struct sink_tally total;
};

struct sink_conn {
	struct sink *s;
	struct pmark_conn *c;
	char remote[TOOL_ADDRSTRLEN];
	uint64_t start_ns, end_ns;
	struct sink_tally t;
	const char *end;         /* "closed", "stopped" or an error */
	char why[160];
	int echo_err;            /* first echo failure, a negative errno */
	bool have_stats;
	struct pmark_conn_stats stats;
};

/* Start a detached reader thread for c (counted in s->active). 0 or -errno. */
int tool_sink_start(struct sink *s, struct pmark_conn *c);
/* Per-association line / object, and the total (s->lock held by the caller). */
void tool_sink_report_conn(const struct sink_conn *sc);
void tool_sink_report_total(const struct sink *s);

#endif
