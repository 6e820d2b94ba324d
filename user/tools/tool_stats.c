// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* struct pmark_conn_stats as text or JSON, driven by one table of its fields. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <usrsctp.h>
#include "tool_stats.h"

enum kind { U64, U32, HEX32, RING, I64 };

static const struct field {
	const char *name;
	size_t off;
	enum kind kind;
} fields[] = {
#define F(n, k) { #n, offsetof(struct pmark_conn_stats, n), k }
	F(msgs_sent, U64), F(bytes_sent, U64), F(msgs_received, U64), F(bytes_received, U64),
	F(packets_out, U64), F(datagrams_out, U64), F(send_errors, U64), F(packets_split, U64),
	F(data_chunks, U64), F(retransmissions, U64), F(chunks_unmapped, U64),
	F(unsplittable, U64), F(records_written, U64), F(records_failed, U64),
	F(records_acked, U64), F(records_released, U64), F(records_overwritten, U64),
	F(records_live, U64),
	F(cmsg_datagrams, U64), F(sacks_in, U64), F(bad_packets_in, U64),
	F(tracked_datagrams, U64), F(icmp_errors, U64), F(icmp_matched, U64),
	F(track_events_dropped, U64), F(probes_dropped, U64),
	F(dtls_rejected, U64), F(dtls_replayed, U64), F(cleartext_emitted, U64), F(cleartext_failed, U64),
	F(vtag, HEX32), F(cum_tsn_ack, U32), F(ring, RING), F(cwnd, U32), F(rwnd, U32),
	F(unacked, U32), F(pending, U32), F(queued_bytes, I64),
#undef F
};

bool tool_stats_ended_badly(const struct pmark_conn_stats *s)
{
	return s->end != PMARK_END_NONE && s->end != PMARK_END_SHUTDOWN;
}

bool tool_stats_all_acked(const struct pmark_conn_stats *s)
{
	/* A closed state whose end is not reported yet is such an abort too. */
	return s->unacked == 0 && s->queued_bytes == 0 && !tool_stats_ended_badly(s) &&
	       (s->state > 0 || s->end == PMARK_END_SHUTDOWN);
}

const char *tool_end_name(int end)
{
	switch (end) {
	case PMARK_END_NONE: return "none";
	case PMARK_END_SHUTDOWN: return "shutdown";
	case PMARK_END_PEER_ABORT: return "peer-abort";
	case PMARK_END_LOST: return "lost";
	case PMARK_END_SETUP_FAILED: return "setup-failed";
	}
	return "unknown";
}

const char *tool_state_name(int state)
{
	switch (state) {
	case SCTP_CLOSED: return "closed";
	case SCTP_BOUND: return "bound";
	case SCTP_LISTEN: return "listen";
	case SCTP_COOKIE_WAIT: return "cookie-wait";
	case SCTP_COOKIE_ECHOED: return "cookie-echoed";
	case SCTP_ESTABLISHED: return "established";
	case SCTP_SHUTDOWN_SENT: return "shutdown-sent";
	case SCTP_SHUTDOWN_RECEIVED: return "shutdown-received";
	case SCTP_SHUTDOWN_ACK_SENT: return "shutdown-ack-sent";
	case SCTP_SHUTDOWN_PENDING: return "shutdown-pending";
	}
	return NULL;
}

static uint64_t value(const struct pmark_conn_stats *s, const struct field *f)
{
	const char *p = (const char *)s + f->off;
	uint64_t v64;
	uint32_t v32;

	if (f->kind == U64 || f->kind == I64) {
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

void tool_stats_text(FILE *f, const char *indent, const struct pmark_conn_stats *s)
{
	const char *st = tool_state_name(s->state);
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v = value(s, &fields[i]);

		fprintf(f, "%s%-20s ", indent, fields[i].name);
		if (fields[i].kind == HEX32)
			fprintf(f, "0x%08" PRIx64 "\n", v);
		else if (fields[i].kind == RING && v == UINT32_MAX)
			fprintf(f, "none\n");
		else if (fields[i].kind == I64)
			fprintf(f, "%" PRId64 "\n", (int64_t)v);
		else
			fprintf(f, "%" PRIu64 "\n", v);
	}
	fprintf(f, "%s%-20s %d", indent, "state", s->state);
	if (st)
		fprintf(f, " (%s)", st);
	fputc('\n', f);
	fprintf(f, "%s%-20s %s\n", indent, "end", tool_end_name(s->end));
}

void tool_stats_json(struct json *j, const char *key, const struct pmark_conn_stats *s)
{
	size_t i;

	json_obj(j, key);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v = value(s, &fields[i]);

		if (fields[i].kind == RING && v == UINT32_MAX)
			json_null(j, fields[i].name);
		else if (fields[i].kind == I64)
			json_i64(j, fields[i].name, (int64_t)v);
		else
			json_u64(j, fields[i].name, v);
	}
	json_i64(j, "state", s->state);
	json_str(j, "state_name", tool_state_name(s->state));
	json_str(j, "end", tool_end_name(s->end));
	json_end(j);
}
