/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Associations: creating, connecting, accepting, closing, their counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>
#include "pmark_dtls.h"
#include "clearsink.h"
#include "ep_int.h"

#define PM_SEEN_DEFAULT 4096u

/* With ep->lock held. */
struct pmark_conn *pm_conn_new_locked(struct pmark_ep *ep, const struct sockaddr *remote,
				      socklen_t len)
{
	struct pmark_conn *c = calloc(1, sizeof(*c));
	uint32_t seen = ep->maps ? pmark_ring_size(ep->maps) : PM_SEEN_DEFAULT;

	if (!c)
		return NULL;
	c->ep = ep;
	memcpy(&c->remote, remote, len);
	c->remote_len = len;
	c->born_ns = pmark_now_ns();
	c->seen_mask = seen - 1;
	c->seen = calloc(seen, sizeof(*c->seen));
	if (!c->seen) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_mutex_init(&c->map_lock, NULL);
	pthread_mutex_init(&c->out_lock, NULL);
	pthread_mutex_init(&c->rd_lock, NULL);
	pthread_mutex_init(&c->ev_lock, NULL);
	pm_cond_init(&c->ev_cond);
	if (pm_conn_register(c)) {
		free(c->seen);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->next = ep->conns;
	ep->conns = c;
	return c;
}

struct pmark_conn *pm_conn_new(struct pmark_ep *ep, const struct sockaddr *remote, socklen_t len)
{
	struct pmark_conn *c;

	pthread_mutex_lock(&ep->lock);
	c = pm_conn_new_locked(ep, remote, len);
	pthread_mutex_unlock(&ep->lock);
	if (c)
		pm_conn_publish(c);
	return c;
}

static void conn_unlink(struct pmark_conn *c)
{
	struct pmark_ep *ep = c->ep;

	pthread_mutex_lock(&ep->lock);
	for (struct pmark_conn **p = &ep->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	while (c->cb_busy)
		pthread_cond_wait(&ep->cond, &ep->lock);
	pthread_mutex_unlock(&ep->lock);
}

static void descs_free(struct pm_desc *d)
{
	while (d) {
		struct pm_desc *n = d->next;

		free(d);
		d = n;
	}
}

void pm_conn_free(struct pmark_conn *c)
{
	conn_unlink(c);
	pm_conn_unregister(c);
	pm_xf_close(c);
	pm_release_records(c);
	for (uint32_t i = 0; i < c->nstreams; i++) {
		descs_free(c->streams[i].head);
		descs_free(c->streams[i].active);
		free(c->streams[i].cur);
	}
	descs_free(c->spare);
	free(c->streams);
	free(c->seen);
	free(c->chunks);
	free(c->group_of);
	free(c->picked);
	free(c->key_of);
	free(c->note_of);
	pm_track_free(c);
	free(c->out_buf);
	free(c->rd_buf);
	pthread_mutex_destroy(&c->send_lock);
	pthread_mutex_destroy(&c->map_lock);
	pthread_mutex_destroy(&c->out_lock);
	pthread_mutex_destroy(&c->rd_lock);
	pthread_mutex_destroy(&c->ev_lock);
	pthread_cond_destroy(&c->ev_cond);
	free(c);
}

/*
 * usrsctp may be inside a call to the upcall while the socket is closed, so
 * the argument is the conn's id, looked up (and held) like in the output path.
 */
void pm_conn_upcall(struct socket *so, void *arg, int flags)
{
	struct pmark_conn *c = pm_conn_lookup((uintptr_t)arg);
	int ev;

	(void)flags;
	if (!c)
		return;
	ev = usrsctp_get_events(so);
	pthread_mutex_lock(&c->ev_lock);
	c->readable = ev & SCTP_EVENT_READ;
	c->writable = ev & SCTP_EVENT_WRITE;
	if (ev & SCTP_EVENT_ERROR)
		c->ended = true;
	pthread_cond_broadcast(&c->ev_cond);
	pthread_mutex_unlock(&c->ev_lock);
	if (ev & SCTP_EVENT_ERROR)
		pm_track_wake(c);
	if ((ev & SCTP_EVENT_READ) && c->ep->cfg.on_recv) {
		pthread_mutex_lock(&c->ep->lock);
		c->ep->cb_work = true;
		pthread_cond_broadcast(&c->ep->cond);
		pthread_mutex_unlock(&c->ep->lock);
	}
	pm_conn_unref(c);
}

void pm_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &a);
	pthread_condattr_destroy(&a);
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait for an upcall (or timeout_ms); callers re-check their condition. */
void pm_conn_wait(struct pmark_conn *c, int timeout_ms)
{
	struct timespec ts;

	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&c->ev_lock);
	pthread_cond_timedwait(&c->ev_cond, &c->ev_lock, &ts);
	pthread_mutex_unlock(&c->ev_lock);
}

static int set_int(struct socket *so, int level, int opt, int v)
{
	return usrsctp_setsockopt(so, level, opt, &v, sizeof(v)) ? -errno : 0;
}

/* The path MTU usrsctp packs to: what is left of cfg.mtu after IP and UDP. */
static int set_mtu(struct pmark_ep *ep, struct socket *so)
{
	struct sctp_paddrparams pp;

	memset(&pp, 0, sizeof(pp));
	pp.spp_flags = SPP_PMTUD_DISABLE;
	/* usrsctp adds the SCTP common header back on top of spp_pathmtu (AF_CONN);
	 * a transform's record header and tag go on top of the packet. */
	pp.spp_pathmtu = ep->cfg.mtu - (ep->family == AF_INET6 ? 48 : 28) - 12 -
			 (ep->xf ? (uint32_t)ep->xf->overhead : 0);
	return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) ? -errno : 0;
}

int pm_socket_setup(struct pmark_ep *ep, struct socket *so)
{
	struct sctp_initmsg init;
	struct sctp_event ev;
	int err;

	if (usrsctp_set_non_blocking(so, 1))
		return -errno;
	memset(&init, 0, sizeof(init));
	init.sinit_num_ostreams = ep->cfg.streams;
	init.sinit_max_instreams = ep->cfg.streams;
	if ((err = set_int(so, IPPROTO_SCTP, SCTP_NODELAY, 1)) ||
	    (err = set_int(so, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1)) ||
	    (err = set_int(so, SOL_SOCKET, SO_SNDBUF, (int)ep->cfg.sndbuf)) ||
	    (err = set_int(so, SOL_SOCKET, SO_RCVBUF, (int)ep->cfg.rcvbuf)))
		return err;
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)))
		return -errno;
	/* Why an association ended goes to the log (notify.c). */
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_type = SCTP_ASSOC_CHANGE;
	ev.se_on = 1;
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)))
		return -errno;
	return set_mtu(ep, so);
}

void pm_conn_attach_socket(struct pmark_conn *c, struct socket *so)
{
	c->so = so;
	c->ready = true;
	set_mtu(c->ep, so);   /* again on the association itself */
	usrsctp_set_upcall(so, pm_conn_upcall, (void *)c->id);
	pm_conn_upcall(so, (void *)c->id, 0);
}

static struct sockaddr_conn conn_addr(uint16_t port, uintptr_t id)
{
	struct sockaddr_conn s;

	memset(&s, 0, sizeof(s));
	s.sconn_family = AF_CONN;
	s.sconn_port = htons(port);
	s.sconn_addr = (void *)id;
	return s;
}

int pm_conn_out_streams(struct pmark_conn *c)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (!c->so || usrsctp_getsockopt(c->so, IPPROTO_SCTP, SCTP_STATUS, &st, &len))
		return -ENOTCONN;
	return st.sstat_outstrms;
}

static int assoc_state(struct socket *so)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_STATUS, &st, &len))
		return -errno;
	return st.sstat_state;
}

static bool same_family(const struct pmark_ep *ep, const struct sockaddr *sa, socklen_t len)
{
	return sa->sa_family == ep->family &&
	       len >= (socklen_t)(ep->family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in));
}

struct pmark_conn *pmark_connect(struct pmark_ep *ep, const struct sockaddr *remote,
				 socklen_t len, int timeout_ms)
{
	struct sockaddr_conn local;
	struct pmark_conn *c;
	struct socket *so;
	uint64_t deadline;
	int err;

	if (!ep || !remote || !same_family(ep, remote, len)) {
		errno = remote && ep ? EAFNOSUPPORT : EINVAL;
		return NULL;
	}
	if (ep->clear && pm_clear_sink_is_mirror_host(ep->clear, (const struct sockaddr_storage *)remote)) {
		pm_log(ep, "the cleartext mirror is on the peer's address: its cleartext copies would "
		       "reach the peer; mirror elsewhere");
		errno = EINVAL;
		return NULL;
	}
	c = pm_conn_new(ep, remote, len);
	if (!c)
		return NULL;
	deadline = pm_deadline_ns(timeout_ms);
	/* DTLS first: usrsctp's INIT is the first thing protected. */
	if (ep->xf && ((err = pm_xf_open(c, true)) || (err = pm_xf_wait(c, deadline))))
		goto fail;
	so = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!so) {
		err = -errno;
		goto fail;
	}
	if ((err = pm_socket_setup(ep, so)))
		goto fail_so;
	/* The WebRTC port on both sides, unless a listener of this process has it. */
	local = conn_addr(ep->cfg.sctp_port, c->id);
	if (usrsctp_bind(so, (struct sockaddr *)&local, sizeof(local))) {
		local.sconn_port = 0;
		if (errno != EADDRINUSE || usrsctp_bind(so, (struct sockaddr *)&local, sizeof(local))) {
			err = -errno;
			goto fail_so;
		}
	}
	c->so = so;
	usrsctp_set_upcall(so, pm_conn_upcall, (void *)c->id);
	local.sconn_port = htons(ep->cfg.sctp_port);
	if (usrsctp_connect(so, (struct sockaddr *)&local, sizeof(local)) && errno != EINPROGRESS) {
		err = -errno;
		goto fail_so;
	}
	for (;;) {
		int st = assoc_state(so);

		if (st == SCTP_ESTABLISHED)
			break;
		if (usrsctp_get_events(so) & SCTP_EVENT_ERROR || (st < 0 && st != -ENOTCONN &&
								   st != -EINVAL)) {
			err = -ECONNREFUSED;
			goto fail_so;
		}
		if (pmark_now_ns() >= deadline) {
			err = -ETIMEDOUT;
			goto fail_so;
		}
		pm_conn_wait(c, 20);
	}
	pm_conn_attach_socket(c, so);
	return c;
fail_so:
	usrsctp_set_upcall(so, NULL, NULL);
	usrsctp_close(so);
	c->so = NULL;
fail:
	pm_conn_free(c);
	errno = -err;
	return NULL;
}

static void listener_upcall(struct socket *so, void *arg, int flags)
{
	struct pmark_ep *ep = arg;

	(void)so;
	(void)flags;
	pthread_mutex_lock(&ep->lock);
	ep->listen_ready = true;
	pthread_cond_broadcast(&ep->cond);
	pthread_mutex_unlock(&ep->lock);
}

int pmark_listen(struct pmark_ep *ep)
{
	struct sockaddr_conn any = conn_addr(ep->cfg.sctp_port, 0);
	struct socket *so;
	int err;

	if (ep->listener)
		return -EALREADY;
	so = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!so)
		return -errno;
	if ((err = pm_socket_setup(ep, so)))
		goto fail;
	if (usrsctp_bind(so, (struct sockaddr *)&any, sizeof(any)) || usrsctp_listen(so, 64)) {
		err = -errno;
		goto fail;
	}
	usrsctp_set_upcall(so, listener_upcall, ep);
	pthread_mutex_lock(&ep->lock);
	ep->listener = so;
	pthread_mutex_unlock(&ep->lock);
	return 0;
fail:
	usrsctp_close(so);
	return err;
}

static struct pmark_conn *conn_by_id(struct pmark_ep *ep, uintptr_t id)
{
	struct pmark_conn *c;

	pthread_mutex_lock(&ep->lock);
	for (c = ep->conns; c && c->id != id; c = c->next)
		;
	pthread_mutex_unlock(&ep->lock);
	return c;
}

struct pmark_conn *pmark_accept(struct pmark_ep *ep, int timeout_ms)
{
	uint64_t deadline = pm_deadline_ns(timeout_ms);

	if (!ep || !ep->listener) {
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		struct sockaddr_conn from;
		socklen_t len = sizeof(from);
		struct socket *so;
		struct timespec ts;

		pthread_mutex_lock(&ep->lock);
		ep->listen_ready = false;
		pthread_mutex_unlock(&ep->lock);
		so = usrsctp_accept(ep->listener, (struct sockaddr *)&from, &len);
		if (so) {
			struct pmark_conn *c = conn_by_id(ep, (uintptr_t)from.sconn_addr);

			if (!c || c->so) {   /* not an address we gave usrsctp: refuse */
				usrsctp_close(so);
				continue;
			}
			usrsctp_set_non_blocking(so, 1);
			pm_conn_attach_socket(c, so);
			return c;
		}
		if (errno != EWOULDBLOCK && errno != EAGAIN)
			return NULL;
		if (atomic_load(&ep->stopping) || pmark_now_ns() >= deadline) {
			errno = atomic_load(&ep->stopping) ? ESHUTDOWN : ETIMEDOUT;
			return NULL;
		}
		deadline_after(&ts, 50);
		pthread_mutex_lock(&ep->lock);
		if (!ep->listen_ready)
			pthread_cond_timedwait(&ep->cond, &ep->lock, &ts);
		pthread_mutex_unlock(&ep->lock);
	}
}

void pmark_conn_close(struct pmark_conn *c, int timeout_ms)
{
	uint64_t deadline;

	if (!c)
		return;
	pm_track_wake(c);   /* a pmark_track_next waiting on c returns -EPIPE */
	pthread_mutex_lock(&c->ep->lock);
	c->closing = true;
	while (c->cb_busy)
		pthread_cond_wait(&c->ep->cond, &c->ep->lock);
	pthread_mutex_unlock(&c->ep->lock);
	if (c->so) {
		/* SHUTDOWN goes out once everything queued is acknowledged. */
		usrsctp_shutdown(c->so, SHUT_RDWR);
		deadline = pm_deadline_ns(timeout_ms < 0 ? 2000 : timeout_ms);
		while (assoc_state(c->so) >= 0 && assoc_state(c->so) != SCTP_CLOSED &&
		       pmark_now_ns() < deadline)
			pm_conn_wait(c, 10);
		usrsctp_set_upcall(c->so, NULL, NULL);
		usrsctp_close(c->so);
		c->so = NULL;
	}
	pm_conn_free(c);
}

bool pmark_conn_alive(const struct pmark_conn *c)
{
	int st = c && c->so ? assoc_state(c->so) : -1;

	return st == SCTP_ESTABLISHED || st == SCTP_SHUTDOWN_PENDING;
}

/*
 * Bytes usrsctp holds for the association: queued on streams, not yet sent,
 * or sent and not acknowledged.  The option is in usrsctp but not in the
 * header Debian ships (FreeBSD's sctp.h: SCTP_GET_SNDBUF_USE).
 */
#ifndef SCTP_GET_SNDBUF_USE
#define SCTP_GET_SNDBUF_USE 0x00001101
struct sctp_sockstat {
	sctp_assoc_t ss_assoc_id;
	uint32_t ss_total_sndbuf;
	uint32_t ss_total_recv_buf;
};
#endif

static int64_t queued_bytes(struct socket *so)
{
	struct sctp_sockstat ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (!so || usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_GET_SNDBUF_USE, &ss, &len))
		return -1;
	return ss.ss_total_sndbuf;
}

int pmark_conn_stats(struct pmark_conn *c, struct pmark_conn_stats *o)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	if (!c || !o)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
#define S(f, i) o->f = atomic_load_explicit(&c->st[i], memory_order_relaxed)
	S(msgs_sent, PS_MSGS_SENT); S(bytes_sent, PS_BYTES_SENT);
	S(msgs_received, PS_MSGS_RCVD); S(bytes_received, PS_BYTES_RCVD);
	S(packets_out, PS_PACKETS_OUT); S(datagrams_out, PS_DGRAMS_OUT);
	S(send_errors, PS_SEND_ERRORS); S(packets_split, PS_SPLIT);
	S(data_chunks, PS_DATA_CHUNKS); S(retransmissions, PS_RETX);
	S(chunks_unmapped, PS_UNMAPPED); S(unsplittable, PS_UNSPLITTABLE);
	S(records_written, PS_REC_WRITTEN); S(records_failed, PS_REC_FAILED);
	S(records_acked, PS_REC_ACKED); S(records_released, PS_REC_RELEASED);
	S(records_overwritten, PS_REC_OVERWRITTEN);
	S(cmsg_datagrams, PS_CMSG); S(sacks_in, PS_SACKS); S(bad_packets_in, PS_BAD_IN);
	S(tracked_datagrams, PS_TRACKED); S(icmp_errors, PS_ICMP); S(icmp_matched, PS_ICMP_MATCHED);
	S(track_events_dropped, PS_EV_DROPPED); S(probes_dropped, PS_PROBES_DROPPED);
	S(dtls_rejected, PS_XF_REJECTED); S(dtls_replayed, PS_XF_REPLAYED);
	S(cleartext_emitted, PS_CLEAR_EMITTED); S(cleartext_failed, PS_CLEAR_FAILED);
#undef S
	/* A protected datagram's record serves that datagram alone: none stays live. */
	o->records_live = c->xf_buf ? 0 : o->records_written - o->records_acked -
					       o->records_released - o->records_overwritten;
	pthread_mutex_lock(&c->map_lock);
	o->vtag = c->peer_vtag;
	o->cum_tsn_ack = c->cum_ack;
	o->ring = c->assoc ? pmark_assoc_ring(c->assoc)
		  : c->xf_ring ? pmark_assoc_ring(c->xf_ring) : UINT32_MAX;
	pthread_mutex_unlock(&c->map_lock);
	o->state = -1;
	o->end = atomic_load(&c->end);
	o->queued_bytes = queued_bytes(c->so);
	memset(&st, 0, sizeof(st));
	if (c->so && !usrsctp_getsockopt(c->so, IPPROTO_SCTP, SCTP_STATUS, &st, &len)) {
		o->state = st.sstat_state;
		o->rwnd = st.sstat_rwnd;
		o->unacked = st.sstat_unackdata;
		o->pending = st.sstat_penddata;
		o->cwnd = st.sstat_primary.spinfo_cwnd;
	}
	return 0;
}

int pmark_conn_remote(const struct pmark_conn *c, struct sockaddr_storage *out, socklen_t *len)
{
	if (!c || !out)
		return -EINVAL;
	memcpy(out, &c->remote, c->remote_len);
	if (len)
		*len = c->remote_len;
	return 0;
}

void pmark_conn_set_user(struct pmark_conn *c, void *user) { c->user = user; }
void *pmark_conn_user(const struct pmark_conn *c) { return c->user; }
