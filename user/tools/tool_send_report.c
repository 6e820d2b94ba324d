// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What pmark-send prints at the end: text, or one JSON object. */
#include <inttypes.h>
#include <stdio.h>
#include "tool_ep.h"
#include "tool_json.h"
#include "tool_send_report.h"
#include "tool_stats.h"

static const char *const pr_names[] = { "none", "rtx", "ttl" };

static double elapsed(const struct send_job *job)
{
	return (double)(job->end_ns - job->start_ns) / 1e9;
}

static double per_s(double n, double s)
{
	return s > 0 ? n / s : 0;
}

static void delivery_text(const struct send_job *job)
{
	const struct pmark_send_opts *so = &job->so;

	printf("stream %u, ", so->stream);
	if (job->ppid_options)
		printf("ppid from the options, ");
	else
		printf("ppid %u, ", so->ppid);
	printf("%s, ", so->unordered ? "unordered" : "ordered");
	if (so->pr == PMARK_PR_RTX)
		printf("PR-SCTP: at most %u retransmissions\n", so->pr_value);
	else if (so->pr == PMARK_PR_TTL)
		printf("PR-SCTP: abandoned %u ms after the send\n", so->pr_value);
	else
		printf("reliable\n");
}

void tool_send_report_text(const struct send_report *r)
{
	const struct send_job *job = r->job;
	uint64_t msgs = atomic_load(&job->msgs), bytes = atomic_load(&job->bytes);
	double s = elapsed(job);
	char opts[128];

	printf("sent %llu messages, %llu bytes, to %s from %s\n", (unsigned long long)msgs,
	       (unsigned long long)bytes, r->remote, r->local);
	printf("threads %u, %llu messages of %zu bytes each\n", job->threads,
	       (unsigned long long)job->count, job->size);
	printf("options: %s\n", tool_ipopts_str(&job->ip->o, job->ip->given, opts, sizeof(opts)));
	if (job->ip->per_thread)
		printf("per-thread options: thread i adds i to the ttl and (mod 64) to the dscp\n");
	delivery_text(job);
	if (job->probes)
		printf("probes: %llu of %u sent, ttl %d, stream %u, unordered, once, "
		       "PR-SCTP: no retransmission\n",
		       (unsigned long long)atomic_load(&job->probes_sent), job->probes,
		       job->probe_ttl, job->probe_stream);
	printf("elapsed %.3f s sending, %.0f msg/s, %.2f Mbit/s", s, per_s((double)msgs, s),
	       per_s((double)bytes * 8 / 1e6, s));
	if (job->rate > 0)
		printf(" (paced at %g msg/s)", job->rate);
	printf("\n");
	if (r->all_acked)
		printf("acked%s: all, %.3f s after the last send; %.3f s from the first send, "
		       "%.2f Mbit/s\n", r->wait_echo ? " and echoed" : "", r->linger_s,
		       s + r->linger_s, per_s((double)bytes * 8 / 1e6, s + r->linger_s));
	else if (r->have_stats && tool_stats_ended_badly(&r->stats))
		printf("acked%s: not all: the association ended (%s) %.3f s after the last send\n",
		       r->wait_echo ? " and echoed" : "", tool_end_name(r->stats.end), r->linger_s);
	else if (r->have_stats)
		printf("acked%s: not all after %.3f s (unacked %u, queued %" PRId64 " B, pending %u%s)\n",
		       r->wait_echo ? " and echoed" : "", r->linger_s, r->stats.unacked,
		       r->stats.queued_bytes,
		       r->stats.pending, r->wait_echo ? ", see received" : "");
	if (atomic_load(&r->echo->msgs))
		printf("received: %llu messages, %llu bytes, %llu intact, %llu corrupt, "
		       "%llu unverifiable\n", (unsigned long long)atomic_load(&r->echo->msgs),
		       (unsigned long long)atomic_load(&r->echo->bytes),
		       (unsigned long long)atomic_load(&r->echo->intact),
		       (unsigned long long)atomic_load(&r->echo->corrupt),
		       (unsigned long long)atomic_load(&r->echo->unverifiable));
	tool_ep_mode_line(stdout, r->ep);
	if (r->dtls)
		tool_dtls_line(stdout, r->dtls);
	if (r->have_stats) {
		printf("stats:\n");
		tool_stats_text(stdout, "  ", &r->stats);
	}
	fflush(stdout);
}

void tool_send_report_json(const struct send_report *r)
{
	const struct send_job *job = r->job;
	uint64_t msgs = atomic_load(&job->msgs), bytes = atomic_load(&job->bytes);
	double s = elapsed(job);
	struct json j;

	json_start(&j, stdout);
	json_str(&j, "remote", r->remote);
	json_str(&j, "local", r->local);
	json_u64(&j, "messages", msgs);
	json_u64(&j, "bytes", bytes);
	json_u64(&j, "threads", job->threads);
	json_u64(&j, "count", job->count);
	json_u64(&j, "size", job->size);
	tool_ipopts_json(&j, "options", &job->ip->o, job->ip->given);
	json_bool(&j, "per_thread_options", job->ip->per_thread);
	json_u64(&j, "stream", job->so.stream);
	if (job->ppid_options)
		json_null(&j, "ppid");
	else
		json_u64(&j, "ppid", job->so.ppid);
	json_bool(&j, "ppid_options", job->ppid_options);
	json_bool(&j, "unordered", job->so.unordered);
	json_str(&j, "pr", pr_names[job->so.pr <= PMARK_PR_TTL ? job->so.pr : 0]);
	json_u64(&j, "pr_value", job->so.pr_value);
	json_u64(&j, "probes", job->probes);
	json_u64(&j, "probes_sent", atomic_load(&job->probes_sent));
	if (job->probes) {
		json_u64(&j, "probe_ttl", (uint64_t)job->probe_ttl);
		json_u64(&j, "probe_stream", job->probe_stream);
		json_u64(&j, "probe_size", job->probe_size);
		json_u64(&j, "probe_interval_ms", job->probe_interval_ms);
	}
	json_num(&j, "rate_asked", job->rate, 3);
	json_num(&j, "elapsed_s", s, 6);
	json_num(&j, "rate_msg_s", per_s((double)msgs, s), 1);
	json_num(&j, "rate_mbit_s", per_s((double)bytes * 8 / 1e6, s), 3);
	json_bool(&j, "all_acked", r->all_acked);
	json_bool(&j, "wait_echo", r->wait_echo);
	json_num(&j, "linger_s", r->linger_s, 6);
	if (r->all_acked) {
		json_num(&j, "acked_s", s + r->linger_s, 6);
		json_num(&j, "acked_mbit_s", per_s((double)bytes * 8 / 1e6, s + r->linger_s), 3);
	} else {
		json_null(&j, "acked_s");
		json_null(&j, "acked_mbit_s");
	}
	json_obj(&j, "received");
	json_u64(&j, "messages", atomic_load(&r->echo->msgs));
	json_u64(&j, "bytes", atomic_load(&r->echo->bytes));
	json_u64(&j, "intact", atomic_load(&r->echo->intact));
	json_u64(&j, "corrupt", atomic_load(&r->echo->corrupt));
	json_u64(&j, "unverifiable", atomic_load(&r->echo->unverifiable));
	json_end(&j);
	tool_ep_mode_json(&j, r->ep);
	if (r->dtls)
		tool_dtls_json(&j, r->dtls);
	json_str(&j, "error", r->error);
	if (r->have_stats)
		tool_stats_json(&j, "stats", &r->stats);
	else
		json_null(&j, "stats");
	json_done(&j);
}
