// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-send's sending threads: PMK1 messages, pacing, progress, echo counting. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "payload.h"
#include "tool_sender.h"
#include "tool_util.h"

struct worker {
	struct send_job *job;
	unsigned index;
	pthread_t tid;
};

static void fail(struct send_job *job, int err, unsigned thread, uint64_t seq)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&lock);
	if (!job->err) {
		job->err = err;
		job->err_thread = thread;
		job->err_seq = seq;
	}
	job->stop = 1;
	pthread_mutex_unlock(&lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct send_job *job = w->job;
	struct pmark_send_opts so = job->so;
	struct pmark_opts ip;
	struct pmk_hdr h = { 0 };
	uint64_t seq;
	uint8_t *buf;

	buf = malloc(job->size ? job->size : 1);
	if (!buf) {
		fail(job, -ENOMEM, w->index, 0);
		goto out;
	}
	tool_ipopts_thread(job->ip, w->index, &ip);
	so.ip = job->ip->given ? &ip : NULL;
	tool_ipopts_to_hdr(&ip, job->ip->given, &h);
	h.flags |= (so.unordered ? PMK_F_UNORDERED : 0) | (so.pr != PMARK_PR_NONE ? PMK_F_PR : 0);
	h.thread = (uint16_t)w->index;
	h.stream = so.stream;
	h.seq = 0;
	/* Without --ppid every chunk names its message's options (tests/net/check_marks.py). */
	if (job->ppid_options)
		so.ppid = pmk_ppid(&h);
	pmk_build(buf, job->size, &h);

	for (seq = 0; seq < job->count && !job->stop; seq++) {
		int err;

		if (job->rate > 0) {
			/* Message k of thread i is due at (k * threads + i) / rate. */
			double at = (double)(seq * job->threads + w->index) / job->rate;

			tool_sleep_until(job->start_ns + (uint64_t)(at * 1e9));
		}
		if (seq)
			pmk_next(buf, job->size, (uint32_t)seq);
		err = pmark_send(job->conn, buf, job->size, &so);
		if (err) {
			fail(job, err, w->index, seq);
			break;
		}
		atomic_fetch_add(&job->msgs, 1);
		atomic_fetch_add(&job->bytes, job->size);
	}
out:
	free(buf);
	atomic_fetch_add(&job->finished, 1);
	return NULL;
}

/*
 * The probe thread: job->probes small messages, unordered, PR-SCTP with no
 * retransmission, once, TTL probe_ttl, on the probe stream, one every
 * probe_interval_ms, while the other threads send.  Its thread index in the
 * payload (and the PPID) is job->threads.
 */
static void *probe_main(void *arg)
{
	struct worker *w = arg;
	struct send_job *job = w->job;
	struct pmark_send_opts so = job->so;
	struct pmark_opts ip = PMARK_OPTS_INIT;
	struct pmk_hdr h = { 0 };
	uint64_t seq, next = tool_now_ns();
	uint8_t *buf;

	buf = malloc(job->probe_size);
	if (!buf) {
		fail(job, -ENOMEM, w->index, 0);
		return NULL;
	}
	ip.ttl = job->probe_ttl;
	ip.once = true;
	so.ip = &ip;
	so.stream = job->probe_stream;
	so.unordered = true;
	so.pr = PMARK_PR_RTX;
	so.pr_value = 0;
	tool_ipopts_to_hdr(&ip, true, &h);
	h.flags |= PMK_F_UNORDERED | PMK_F_PR;
	h.thread = (uint16_t)w->index;
	h.stream = so.stream;
	if (job->ppid_options)
		so.ppid = pmk_ppid(&h);
	pmk_build(buf, job->probe_size, &h);

	for (seq = 0; seq < job->probes && !job->stop; seq++) {
		int err;

		if (seq) {
			next += job->probe_interval_ms * 1000000ull;
			tool_sleep_until(next);
			if (job->stop)
				break;
			pmk_next(buf, job->probe_size, (uint32_t)seq);
		}
		err = pmark_send(job->conn, buf, job->probe_size, &so);
		if (err) {
			fail(job, err, w->index, seq);
			break;
		}
		atomic_fetch_add(&job->probes_sent, 1);
	}
	free(buf);
	return NULL;
}

static void progress(struct send_job *job)
{
	uint64_t last_ns = job->start_ns, next = job->start_ns + 1000000000ull;
	uint64_t last = 0, total = job->count * job->threads;

	while (atomic_load(&job->finished) < job->threads) {
		uint64_t now = tool_now_ns(), n;

		if (now < next) {
			tool_sleep_until(now + 50000000ull < next ? now + 50000000ull : next);
			continue;
		}
		n = atomic_load(&job->msgs);
		fprintf(stderr, "%s: %llu of %llu messages sent, %.0f msg/s\n", tool_prog,
			(unsigned long long)n, (unsigned long long)total,
			(double)(n - last) * 1e9 / (double)(now - last_ns));
		last = n;
		last_ns = now;
		next += 1000000000ull;
	}
}

int tool_send_run(struct send_job *job)
{
	struct worker *w = calloc(job->threads + 1, sizeof(*w));
	unsigned i, started = 0;
	bool probing = false;

	if (!w)
		return -ENOMEM;
	job->start_ns = tool_now_ns();
	if (job->probes) {
		int err;

		w[job->threads].job = job;
		w[job->threads].index = job->threads;
		err = pthread_create(&w[job->threads].tid, NULL, probe_main, &w[job->threads]);
		if (err)
			fail(job, -err, job->threads, 0);
		else
			probing = true;
	}
	for (i = 0; i < job->threads; i++) {
		int err;

		w[i].job = job;
		w[i].index = i;
		err = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
		if (err) {
			fail(job, -err, i, 0);
			break;
		}
		started++;
	}
	/* Threads never started count as finished for the progress loop. */
	atomic_fetch_add(&job->finished, job->threads - started);
	if (job->progress)
		progress(job);
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	if (probing)
		pthread_join(w[job->threads].tid, NULL);
	job->end_ns = tool_now_ns();
	free(w);
	return job->err;
}

void tool_send_on_recv(const struct pmark_msg_info *info, const void *data, size_t len, void *ctx)
{
	struct recv_tally *t = ctx;

	(void)info;
	atomic_fetch_add(&t->msgs, 1);
	atomic_fetch_add(&t->bytes, len);
	switch (pmk_check(data, len, NULL)) {
	case PMK_INTACT:
		atomic_fetch_add(&t->intact, 1);
		break;
	case PMK_CORRUPT:
		atomic_fetch_add(&t->corrupt, 1);
		break;
	case PMK_UNVERIFIABLE:
		atomic_fetch_add(&t->unverifiable, 1);
		break;
	}
}
