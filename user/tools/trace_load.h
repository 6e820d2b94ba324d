/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace --load: a bulk transfer on the association while it is traced. */
#ifndef TRACE_LOAD_H
#define TRACE_LOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "pmark.h"
#include "tool_ipopts.h"
#include "tool_sender.h"

/* How long, after the trace, the load may take to be acknowledged. */
#define TRACE_LOAD_LINGER_MS 10000

struct trace_load {
	struct tool_ipopts ip;       /* none: the load goes out as the kernel builds it */
	struct send_job job;         /* tool_sender.c's: one thread, stream 0, ordered, reliable */
	pthread_t tid;
	bool running;                /* the thread was started and not yet joined */
	atomic_int returned;         /* tool_send_run came back */
	int err;                     /* its result: 0 or the first send error */
	bool acked;                  /* queued_bytes and unacked reached 0 in the linger */
	uint64_t start_ns, end_ns;   /* the thread's start; when acked (or the linger gave up) */
	bool have_stats;
	struct pmark_conn_stats stats; /* when the linger ended */
};

/*
 * Start count messages of size bytes on c from a thread of their own, and
 * return once the first one is sent (or the thread is done, or 1 s
 * passed), so that the trace that follows sees a loaded path.  0 or -errno.
 */
int trace_load_start(struct trace_load *l, struct pmark_conn *c, uint64_t count, size_t size);
/* Let the load finish, then wait up to linger_ms until the association has it all acked. */
void trace_load_finish(struct trace_load *l, uint64_t linger_ms);
/* Stop sending at once and join (on an error elsewhere). */
void trace_load_stop(struct trace_load *l);

#endif
