/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-send's sending threads: PMK1 messages, pacing, progress, echo counting. */
#ifndef TOOL_SENDER_H
#define TOOL_SENDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pmark.h"
#include "tool_ipopts.h"

struct send_job {
	/* what to send */
	struct pmark_conn *conn;
	const struct tool_ipopts *ip;
	unsigned threads;
	uint64_t count;          /* per thread */
	size_t size;
	double rate;             /* messages per second over all threads; 0: unpaced */
	struct pmark_send_opts so; /* stream, ppid, unordered, pr (ip is set per thread) */
	bool ppid_options;       /* ppid: each thread's options (pmk_ppid), not so.ppid */
	bool progress;           /* a line on stderr every second */
	/* probes: one more thread (index threads) sending while the others do */
	unsigned probes;         /* 0: none */
	int probe_ttl;           /* their TTL / hop limit */
	uint64_t probe_interval_ms;
	uint16_t probe_stream;
	size_t probe_size;
	/* what happened */
	atomic_uint_fast64_t msgs, bytes;
	atomic_uint_fast64_t probes_sent;
	atomic_uint finished;    /* threads done */
	volatile int stop;       /* set on the first error */
	int err;                 /* first error, a negative errno */
	unsigned err_thread;
	uint64_t err_seq;
	uint64_t start_ns, end_ns;
};

/* Send everything from job->threads threads; returns 0 or the first error. */
int tool_send_run(struct send_job *job);

/* Messages coming back (pmark-sink --echo), counted by the on_recv callback. */
struct recv_tally {
	atomic_uint_fast64_t msgs, bytes, intact, corrupt, unverifiable;
};

void tool_send_on_recv(const struct pmark_msg_info *info, const void *data, size_t len, void *ctx);

#endif
