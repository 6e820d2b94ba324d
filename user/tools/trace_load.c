// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace --load: tool_sender.c's sending thread, run beside the trace. */
#include <errno.h>
#include <string.h>
#include "tool_util.h"
#include "tool_stats.h"
#include "trace_load.h"

#define FIRST_SEND_WAIT_MS 1000

static void *load_main(void *arg)
{
	struct trace_load *l = arg;

	/* tool_send_run starts its own worker and joins it: this thread is
	 * what keeps it off the tracing thread. */
	l->err = tool_send_run(&l->job);
	atomic_store(&l->returned, 1);
	return NULL;
}

int trace_load_start(struct trace_load *l, struct pmark_conn *c, uint64_t count, size_t size)
{
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;   /* stream 0, ordered, reliable */
	uint64_t end;
	int err;

	memset(l, 0, sizeof(*l));
	tool_ipopts_init(&l->ip);
	l->job.conn = c;
	l->job.ip = &l->ip;
	l->job.threads = 1;
	l->job.count = count;
	l->job.size = size;
	l->job.so = so;
	l->job.ppid_options = true;   /* PMK1 messages as pmark-send sends them: pmark-sink checks them */
	l->start_ns = tool_now_ns();
	err = pthread_create(&l->tid, NULL, load_main, l);
	if (err)
		return -err;
	l->running = true;
	end = l->start_ns + FIRST_SEND_WAIT_MS * 1000000ull;
	while (!atomic_load(&l->job.msgs) && !atomic_load(&l->returned) && tool_now_ns() < end)
		tool_sleep_ms(1, NULL);
	return 0;
}

static void join(struct trace_load *l)
{
	if (l->running)
		pthread_join(l->tid, NULL);
	l->running = false;
}

void trace_load_finish(struct trace_load *l, uint64_t linger_ms)
{
	struct pmark_conn *c = l->job.conn;
	uint64_t end;

	join(l);
	end = tool_now_ns() + linger_ms * 1000000ull;
	for (;;) {
		l->have_stats = pmark_conn_stats(c, &l->stats) == 0;
		l->acked = l->have_stats && tool_stats_all_acked(&l->stats);
		if (l->acked || !l->have_stats || tool_now_ns() >= end || !pmark_conn_alive(c))
			break;
		tool_sleep_ms(10, NULL);
	}
	l->end_ns = tool_now_ns();
}

void trace_load_stop(struct trace_load *l)
{
	l->job.stop = 1;
	join(l);
	l->end_ns = tool_now_ns();
}
