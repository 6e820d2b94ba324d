// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-sink: the line (or JSON object) per association, and the total. */
#include <inttypes.h>
#include <stdio.h>
#include "tool_json.h"
#include "tool_sink.h"
#include "tool_stats.h"
#include "tool_util.h"

static void tally_text(const struct sink *s, const struct sink_tally *t)
{
	printf("%" PRIu64 " messages, %" PRIu64 " bytes, %" PRIu64 " intact, %" PRIu64
	       " corrupt, %" PRIu64 " unverifiable", t->msgs, t->bytes, t->intact, t->corrupt,
	       t->unverifiable);
	if (t->truncated)
		printf(" (%" PRIu64 " truncated)", t->truncated);
	if (s->echo)
		printf(", %" PRIu64 " echoed", t->echoed);
	if (t->echo_errors)
		printf(", %" PRIu64 " echoes failed", t->echo_errors);
}

/* After the echo error, which belongs to the echo count; only when there
 * were some: most associations carry no probes. */
static void probes_text(const struct sink_tally *t)
{
	if (t->probes_dropped)
		printf(", %" PRIu64 " probes dropped", t->probes_dropped);
	if (t->icmp_errors)
		printf(", %" PRIu64 " ICMP errors", t->icmp_errors);
	if (t->dtls_rejected)
		printf(", %" PRIu64 " DTLS datagrams rejected", t->dtls_rejected);
	if (t->dtls_replayed)
		printf(", %" PRIu64 " DTLS replays dropped", t->dtls_replayed);
}

static void tally_json(struct json *j, const struct sink_tally *t)
{
	json_u64(j, "messages", t->msgs);
	json_u64(j, "bytes", t->bytes);
	json_u64(j, "intact", t->intact);
	json_u64(j, "corrupt", t->corrupt);
	json_u64(j, "unverifiable", t->unverifiable);
	json_u64(j, "truncated", t->truncated);
	json_u64(j, "echoed", t->echoed);
	json_u64(j, "echo_errors", t->echo_errors);
	json_u64(j, "probes_dropped", t->probes_dropped);
	json_u64(j, "icmp_errors", t->icmp_errors);
	json_u64(j, "icmp_matched", t->icmp_matched);
	json_u64(j, "dtls_rejected", t->dtls_rejected);
	json_u64(j, "dtls_replayed", t->dtls_replayed);
}

void tool_sink_report_conn(const struct sink_conn *sc)
{
	const struct sink *s = sc->s;
	double d = (double)(sc->end_ns - sc->start_ns) / 1e9;
	struct json j;

	if (s->quiet)
		return;
	if (!s->json) {
		printf("%s: ", sc->remote);
		tally_text(s, &sc->t);
		if (sc->echo_err)
			printf(" (%s)", tool_errstr(sc->echo_err));
		probes_text(&sc->t);
		printf(", %.3f s, %s\n", d, sc->end);
		fflush(stdout);
		return;
	}
	json_start(&j, stdout);
	json_str(&j, "event", "association");
	json_str(&j, "remote", sc->remote);
	tally_json(&j, &sc->t);
	json_num(&j, "duration_s", d, 6);
	json_str(&j, "end", sc->end);
	json_str(&j, "echo_error", sc->echo_err ? tool_errstr(sc->echo_err) : NULL);
	if (sc->have_stats)
		tool_stats_json(&j, "stats", &sc->stats);
	else
		json_null(&j, "stats");
	json_done(&j);
}

void tool_sink_report_total(const struct sink *s)
{
	double d = tool_since(s->start_ns);
	struct json j;

	if (s->quiet)
		return;
	if (!s->json) {
		printf("total: %u association%s, ", s->accepted, s->accepted == 1 ? "" : "s");
		tally_text(s, &s->total);
		probes_text(&s->total);
		printf(", %.3f s, %s\n", d, s->stop_reason ? s->stop_reason : "stopped");
		fflush(stdout);
		return;
	}
	json_start(&j, stdout);
	json_str(&j, "event", "total");
	json_u64(&j, "associations", s->accepted);
	json_u64(&j, "ended", s->ended);
	tally_json(&j, &s->total);
	json_num(&j, "duration_s", d, 6);
	json_str(&j, "end", s->stop_reason);
	json_done(&j);
}
