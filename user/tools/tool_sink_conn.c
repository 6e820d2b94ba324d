// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-sink: one thread per association reads, verifies, echoes and reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "payload.h"
#include "tool_sink.h"
#include "tool_util.h"

#define RECV_SLICE_MS 100
#define CLOSE_MS 1000
#define STOP_CLOSE_MS 200

/* --count: true if this message is still to be counted; sets stop at the last. */
static bool take(struct sink *s)
{
	uint64_t n;

	if (!s->count)
		return true;
	n = atomic_fetch_add(&s->taken, 1) + 1;
	if (n >= s->count && !s->stop) {
		s->stop_reason = "count";
		s->stop = 1;
	}
	return n <= s->count;
}

static void verify(struct sink_conn *sc, const uint8_t *buf, ssize_t n,
		   const struct pmark_msg_info *info)
{
	struct pmk_hdr h;

	if (info->truncated) {
		sc->t.truncated++;
		sc->t.unverifiable++;
		return;
	}
	switch (pmk_check(buf, (size_t)n, &h)) {
	case PMK_INTACT:
		/* Intact also means it came the way the sender says it sent it. */
		if (h.stream != info->stream || !(h.flags & PMK_F_UNORDERED) != !info->unordered)
			sc->t.corrupt++;
		else
			sc->t.intact++;
		break;
	case PMK_CORRUPT:
		sc->t.corrupt++;
		break;
	case PMK_UNVERIFIABLE:
		sc->t.unverifiable++;
		break;
	}
}

static void echo(struct sink_conn *sc, const uint8_t *buf, size_t len,
		 const struct pmark_msg_info *info)
{
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;

	so.stream = info->stream;
	so.ppid = info->ppid;
	so.unordered = info->unordered;
	so.ip = NULL;            /* no IP options on the way back */
	int err = pmark_send(sc->c, buf, len, &so);

	if (!err) {
		sc->t.echoed++;
		return;
	}
	sc->t.echo_errors++;
	if (!sc->echo_err)
		sc->echo_err = err;
}

static void read_all(struct sink_conn *sc, uint8_t *buf)
{
	struct sink *s = sc->s;

	for (;;) {
		struct pmark_msg_info info;
		ssize_t n;

		if (s->stop) {
			sc->end = "stopped";
			return;
		}
		memset(&info, 0, sizeof(info));
		n = pmark_recv(sc->c, buf, s->max_size, &info, RECV_SLICE_MS);
		if (n == -ETIMEDOUT || n == -EINTR || n == -EAGAIN)
			continue;
		if (n == 0) {
			sc->end = "closed";
			return;
		}
		if (n < 0) {
			snprintf(sc->why, sizeof(sc->why), "error: %s", tool_errstr((int)n));
			sc->end = sc->why;
			return;
		}
		if (!take(s))
			continue;   /* past --count: neither counted nor echoed */
		sc->t.msgs++;
		sc->t.bytes += (uint64_t)n;
		verify(sc, buf, n, &info);
		if (s->echo)
			echo(sc, buf, (size_t)n < s->max_size ? (size_t)n : s->max_size, &info);
	}
}

static void add(struct sink_tally *to, const struct sink_tally *t)
{
	to->msgs += t->msgs;
	to->bytes += t->bytes;
	to->intact += t->intact;
	to->corrupt += t->corrupt;
	to->unverifiable += t->unverifiable;
	to->truncated += t->truncated;
	to->echoed += t->echoed;
	to->echo_errors += t->echo_errors;
	to->probes_dropped += t->probes_dropped;
	to->icmp_errors += t->icmp_errors;
	to->icmp_matched += t->icmp_matched;
	to->dtls_rejected += t->dtls_rejected;
	to->dtls_replayed += t->dtls_replayed;
}

static void *reader(void *arg)
{
	struct sink_conn *sc = arg;
	struct sink *s = sc->s;
	uint8_t *buf = malloc(s->max_size);

	if (!buf) {
		sc->end = "error: out of memory";
	} else {
		if (s->pause_ms)
			tool_sleep_ms(s->pause_ms, &s->stop);
		read_all(sc, buf);
	}
	sc->end_ns = tool_now_ns();
	sc->have_stats = pmark_conn_stats(sc->c, &sc->stats) == 0;
	if (sc->have_stats) {
		sc->t.probes_dropped = sc->stats.probes_dropped;
		sc->t.icmp_errors = sc->stats.icmp_errors;
		sc->t.icmp_matched = sc->stats.icmp_matched;
		sc->t.dtls_rejected = sc->stats.dtls_rejected;
		sc->t.dtls_replayed = sc->stats.dtls_replayed;
	}
	free(buf);

	pthread_mutex_lock(&s->lock);
	add(&s->total, &sc->t);
	s->ended++;
	tool_sink_report_conn(sc);
	pthread_mutex_unlock(&s->lock);

	/* Graceful; brief when we are the ones stopping. */
	pmark_conn_close(sc->c, s->stop ? STOP_CLOSE_MS : CLOSE_MS);
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	free(sc);
	return NULL;
}

int tool_sink_start(struct sink *s, struct pmark_conn *c)
{
	struct sink_conn *sc = calloc(1, sizeof(*sc));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	if (!sc)
		return -ENOMEM;
	sc->s = s;
	sc->c = c;
	sc->start_ns = tool_now_ns();
	if (pmark_conn_remote(c, &ss, &len) == 0)
		tool_addr_str((struct sockaddr *)&ss, sc->remote);
	else
		snprintf(sc->remote, sizeof(sc->remote), "?");
	pthread_mutex_lock(&s->lock);
	s->active++;
	s->accepted++;
	pthread_mutex_unlock(&s->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, reader, sc);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_mutex_lock(&s->lock);
		s->active--;
		s->accepted--;
		pthread_mutex_unlock(&s->lock);
		free(sc);
		return -err;
	}
	return 0;
}
