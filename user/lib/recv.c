/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Receiving: usrsctp sockets are non-blocking; an upcall says when one is
 * readable.  pmark_recv waits for that itself; with an on_recv callback a
 * thread of the endpoint reads and calls it (never the thread that feeds
 * usrsctp, so a callback may block in pmark_send without stalling SACKs).
 * Not reading is what closes the receive window: nothing is queued here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>
#include "ep_int.h"

/*
 * Read what usrsctp has of the current message into buf (up to cap; the
 * rest is dropped and truncated set).  1: a whole message, 0: not yet
 * complete (would block), -ENOTCONN: the association has ended.
 */
static int read_some(struct pmark_conn *c, uint8_t *buf, size_t cap, size_t *len, bool *trunc,
		     size_t *full, struct pmark_msg_info *info)
{
	for (;;) {
		uint8_t sink[4096];
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv), fromlen = 0;
		unsigned int infotype = 0;
		int flags = 0;
		bool into_buf = *len < cap;
		ssize_t n;

		memset(&rcv, 0, sizeof(rcv));
		n = usrsctp_recvv(c->so, into_buf ? buf + *len : sink, into_buf ? cap - *len : sizeof(sink),
				  NULL, &fromlen, &rcv, &infolen, &infotype, &flags);
		if (n < 0)
			return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -ENOTCONN;
		if (n == 0 && !(flags & MSG_EOR))
			return -ENOTCONN;
		if (flags & MSG_NOTIFICATION) {
			pm_note_notification(c, into_buf ? buf + *len : sink, (size_t)n);
			continue;
		}
		if (into_buf)
			*len += (size_t)n;
		else
			*trunc = true;
		*full += (size_t)n;
		if (infotype == SCTP_RECVV_RCVINFO) {
			info->stream = rcv.rcv_sid;
			info->ppid = ntohl(rcv.rcv_ppid);
			info->tsn = rcv.rcv_tsn;
			info->unordered = rcv.rcv_flags & SCTP_UNORDERED;
		}
		if (flags & MSG_EOR)
			return 1;
	}
}

/* A probe of pmark_trace (pmark_trace.h): not the application's. */
static bool drop_probe(struct pmark_conn *c, const uint8_t *buf, size_t len)
{
	const struct pmark_ep_config *cfg = &c->ep->cfg;

	if (cfg->deliver_probes || c->rd_info.ppid != (cfg->probe_ppid ? cfg->probe_ppid : PMARK_PROBE_PPID) ||
	    len < sizeof(PMARK_PROBE_MAGIC) - 1 || memcmp(buf, PMARK_PROBE_MAGIC, sizeof(PMARK_PROBE_MAGIC) - 1))
		return false;
	pm_count(c, PS_PROBES_DROPPED, 1);
	c->rd_len = 0;
	c->rd_full = 0;
	c->rd_trunc = false;
	return true;
}

ssize_t pmark_recv(struct pmark_conn *c, void *buf, size_t cap, struct pmark_msg_info *info,
		   int timeout_ms)
{
	uint64_t deadline = pm_deadline_ns(timeout_ms);
	ssize_t ret;

	if (!c || (!buf && cap))
		return -EINVAL;
	if (c->ep->cfg.on_recv)
		return -EBUSY;       /* the callback gets the messages */
	pthread_mutex_lock(&c->rd_lock);
	for (;;) {
		int rc;

		if (!c->so) {
			ret = 0;
			break;
		}
		rc = read_some(c, buf, cap, &c->rd_len, &c->rd_trunc, &c->rd_full, &c->rd_info);
		if (rc == 1 && drop_probe(c, buf, c->rd_len))
			continue;
		if (rc == 1) {
			c->rd_info.conn = c;
			c->rd_info.truncated = c->rd_trunc;
			if (info)
				*info = c->rd_info;
			ret = (ssize_t)c->rd_full;
			pm_count(c, PS_MSGS_RCVD, 1);
			pm_count(c, PS_BYTES_RCVD, c->rd_full);
			c->rd_len = 0;
			c->rd_full = 0;
			c->rd_trunc = false;
			break;
		}
		if (rc < 0) {
			ret = 0;
			break;
		}
		if (pmark_now_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		pm_conn_wait(c, 50);
	}
	pthread_mutex_unlock(&c->rd_lock);
	return ret;
}

/* Drain one readable association into the callback; false once it has ended. */
static bool deliver(struct pmark_conn *c)
{
	struct pmark_ep *ep = c->ep;

	pthread_mutex_lock(&c->rd_lock);
	for (;;) {
		int rc;

		if (c->rd_len == c->rd_cap) {
			size_t cap = c->rd_cap ? c->rd_cap * 2 : 65536;
			uint8_t *b = cap <= (64u << 20) ? realloc(c->rd_buf, cap) : NULL;

			if (b) {
				c->rd_buf = b;
				c->rd_cap = cap;
			}
		}
		rc = read_some(c, c->rd_buf, c->rd_cap, &c->rd_len, &c->rd_trunc, &c->rd_full, &c->rd_info);
		if (rc <= 0) {
			pthread_mutex_unlock(&c->rd_lock);
			return rc == 0;
		}
		if (drop_probe(c, c->rd_buf, c->rd_len))
			continue;
		c->rd_info.conn = c;
		c->rd_info.truncated = c->rd_trunc;
		pm_count(c, PS_MSGS_RCVD, 1);
		pm_count(c, PS_BYTES_RCVD, c->rd_full);
		ep->cfg.on_recv(&c->rd_info, c->rd_buf, c->rd_len, ep->cfg.recv_ctx);
		c->rd_len = 0;
		c->rd_full = 0;
		c->rd_trunc = false;
	}
}

void *pm_callback_thread(void *arg)
{
	struct pmark_ep *ep = arg;

	pthread_mutex_lock(&ep->lock);
	while (!atomic_load(&ep->stopping)) {
		struct pmark_conn *c, *pick = NULL;

		for (c = ep->conns; c; c = c->next) {
			bool r;

			if (!c->so || !c->ready || c->closing)
				continue;
			pthread_mutex_lock(&c->ev_lock);
			r = c->readable;
			c->readable = false;
			pthread_mutex_unlock(&c->ev_lock);
			if (r) {
				pick = c;
				break;
			}
		}
		if (!pick) {
			if (!ep->cb_work)
				pthread_cond_wait(&ep->cond, &ep->lock);
			ep->cb_work = false;
			continue;
		}
		pick->cb_busy++;
		pthread_mutex_unlock(&ep->lock);
		deliver(pick);
		pthread_mutex_lock(&ep->lock);
		pick->cb_busy--;
		pthread_cond_broadcast(&ep->cond);
	}
	pthread_mutex_unlock(&ep->lock);
	return NULL;
}
