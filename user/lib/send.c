/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sending a message: resolve its options (message > stream > association),
 * queue a descriptor on its stream, hand the bytes to usrsctp.  The send
 * lock makes the order of descriptors on a stream the order usrsctp queues
 * the messages in, which is what lets the output path find a chunk's message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>
#include "ep_int.h"

void pm_log(struct pmark_ep *ep, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ep->cfg.log)
		ep->cfg.log(msg, ep->cfg.log_ctx);
	else
		fprintf(stderr, "libpmark: %s\n", msg);
}

uint32_t pm_opts_key(const struct pmark_opts *o)
{
	uint8_t ttl, tos, mask, flags = pmark_opts_fields(o, &ttl, &tos, &mask);
	uint8_t clear = o->cleartext ? PM_KEY_CLEAR : 0;

	/* The endpoint stamps IP IDs itself, on tracked datagrams only. */
	flags &= (uint8_t)~PMARK_F_IPID;
	/* once or expiry alone change nothing on the wire */
	if (flags & PMARK_F_ACTIONS)
		return pm_key_make(flags | clear, ttl, tos, mask);
	return clear ? pm_key_make(clear, 0, 0, 0) : 0;
}

/* A field left at "leave" takes the next level's value. */
void pm_opts_merge(struct pmark_opts *into, const struct pmark_opts *from)
{
	if (into->ttl == PMARK_LEAVE)
		into->ttl = from->ttl;
	if (into->tos == PMARK_LEAVE) {
		into->tos = from->tos;
		into->tos_mask = from->tos_mask;
	}
	if (into->df == PMARK_DF_LEAVE)
		into->df = from->df;
	if (!into->expire_ms)
		into->expire_ms = from->expire_ms;
	into->once = into->once || from->once;
	into->cleartext = into->cleartext || from->cleartext;
}

/* Defaults may leave every field (only once, say): check the fields given. */
static int check_defaults(const struct pmark_opts *o)
{
	struct pmark_opts probe = *o;

	if (probe.ttl == PMARK_LEAVE && probe.tos == PMARK_LEAVE && probe.df == PMARK_DF_LEAVE)
		probe.ttl = 64;
	return pmark_opts_validate(&probe, NULL);
}

struct pm_stream *pm_stream_get(struct pmark_conn *c, uint16_t sid)
{
	if (sid >= c->nstreams) {
		uint32_t n = c->nstreams ? c->nstreams : 16;
		struct pm_stream *s;

		while (n <= sid)
			n *= 2;
		if (n > 65536)
			n = 65536;
		s = realloc(c->streams, n * sizeof(*s));
		if (!s)
			return NULL;
		memset(s + c->nstreams, 0, (n - c->nstreams) * sizeof(*s));
		c->streams = s;
		c->nstreams = n;
	}
	return &c->streams[sid];
}

int pmark_conn_set_defaults(struct pmark_conn *c, const struct pmark_opts *o)
{
	int err = o ? check_defaults(o) : 0;

	if (!c || err)
		return c ? err : -EINVAL;
	pthread_mutex_lock(&c->map_lock);
	c->has_defaults = o != NULL;
	if (o)
		c->defaults = *o;
	pthread_mutex_unlock(&c->map_lock);
	return 0;
}

int pmark_stream_set_defaults(struct pmark_conn *c, uint16_t stream, const struct pmark_opts *o)
{
	struct pm_stream *s;
	int err = o ? check_defaults(o) : 0;

	if (!c || err)
		return c ? err : -EINVAL;
	pthread_mutex_lock(&c->map_lock);
	s = pm_stream_get(c, stream);
	if (s) {
		s->has_defaults = o != NULL;
		if (o)
			s->defaults = *o;
	}
	pthread_mutex_unlock(&c->map_lock);
	return s ? 0 : -ENOMEM;
}

static int check_send(const struct pmark_conn *c, size_t len, const struct pmark_send_opts *so)
{
	if (!c || len == 0)
		return -EINVAL;
	if (so->ip && check_defaults(so->ip))
		return -EINVAL;
	if (so->pr != PMARK_PR_NONE && so->pr != PMARK_PR_RTX && so->pr != PMARK_PR_TTL)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if (so->stream >= c->ep->cfg.streams)
		return -EINVAL;      /* usrsctp would refuse it only after queueing state */
	if (!c->so)
		return -ENOTCONN;
	return 0;
}

int pmark_send(struct pmark_conn *c, const void *buf, size_t len, const struct pmark_send_opts *so)
{
	static const struct pmark_send_opts plain = PMARK_SEND_OPTS_INIT;
	struct sctp_sendv_spa spa;
	struct pm_desc *d = NULL;
	int err;

	if (!so)
		so = &plain;   /* stream 0, ordered, reliable, the defaults' options */
	err = buf ? check_send(c, len, so) : -EINVAL;

	if (err)
		return err;
	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = so->stream;
	spa.sendv_sndinfo.snd_ppid = htonl(so->ppid);
	spa.sendv_sndinfo.snd_flags = (so->unordered ? SCTP_UNORDERED : 0) |
				      (so->sack_now ? SCTP_SACK_IMMEDIATELY : 0);
	if (so->pr != PMARK_PR_NONE) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = so->pr == PMARK_PR_RTX ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = so->pr_value;
	}
	pthread_mutex_lock(&c->send_lock);
	if (c->ep->mode != PMARK_MODE_OFF && !(d = pm_desc_push(c, buf, len, so, &err)))
		goto out;
	for (;;) {
		if (usrsctp_sendv(c->so, buf, len, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0) >= 0) {
			err = 0;
			break;
		}
		err = -errno;
		/* usrsctp says ENOENT / ECONNRESET for an association that is gone. */
		if (err == -ENOENT || err == -ECONNRESET || err == -ENOTCONN || err == -ESHUTDOWN)
			err = -EPIPE;
		if (err != -EWOULDBLOCK && err != -EAGAIN)
			break;
		/* Send buffer full: wait for usrsctp to free space (SACKs). */
		if (!c->so || c->ended) {
			err = -EPIPE;
			break;
		}
		pm_conn_wait(c, 50);
	}
	if (err && d)
		pm_desc_cancel(c, so->stream, d);
	if (!err) {
		pm_count(c, PS_MSGS_SENT, 1);
		pm_count(c, PS_BYTES_SENT, len);
	}
out:
	pthread_mutex_unlock(&c->send_lock);
	return err;
}
