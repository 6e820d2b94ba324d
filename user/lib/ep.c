/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The endpoint: a UDP socket, usrsctp in AF_CONN mode behind it, and the
 * thread that reads the socket and feeds each datagram to the association
 * of its source address (creating one when listening).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <usrsctp.h>
#include "pmark_dtls.h"
#include "clearsink.h"
#include "ep_int.h"

#define PM_RX_MAX 65536
#define PM_EMBRYO_MAX 64          /* associations from unknown addresses not yet accepted */
#define PM_EMBRYO_NS (30ull * 1000000000ull)

static bool addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* Associations from strangers that never got accepted go after a while. */
static void reap_embryos(struct pmark_ep *ep)
{
	uint64_t now = pmark_now_ns();
	struct pmark_conn *old = NULL;
	int embryos = 0;

	pthread_mutex_lock(&ep->lock);
	for (struct pmark_conn *c = ep->conns; c; c = c->next) {
		if (c->so || c->closing)
			continue;
		embryos++;
		if (!old || c->born_ns < old->born_ns)
			old = c;
	}
	if (old && (embryos >= PM_EMBRYO_MAX || now - old->born_ns > PM_EMBRYO_NS))
		old->closing = true;
	else
		old = NULL;
	pthread_mutex_unlock(&ep->lock);
	if (old)
		pm_conn_free(old);
}

struct pmark_conn *pm_conn_by_addr(struct pmark_ep *ep, const struct sockaddr_storage *addr)
{
	struct pmark_conn *c;

	/* A reference, taken under ep->lock: the association may be closing. */
	pthread_mutex_lock(&ep->lock);
	for (c = ep->conns; c; c = c->next)
		if (addr_eq(&c->remote, addr))
			break;
	if (c)
		c = pm_conn_lookup(c->id);
	pthread_mutex_unlock(&ep->lock);
	return c;
}

/*
 * A peer whose handshake failed (or that closed it) before its association
 * was accepted: forget it, so that the same address can start afresh.
 * Only ours to free if the application never saw it (server side).
 */
static struct pmark_conn *drop_dead_embryo(struct pmark_ep *ep, struct pmark_conn *c)
{
	int st = __atomic_load_n(&c->xf_state, __ATOMIC_ACQUIRE);
	bool mine;

	if (!ep->xf || c->xf_client || c->so || (st != PMARK_XF_FAILED && st != PMARK_XF_CLOSED))
		return c;
	pthread_mutex_lock(&ep->lock);
	mine = !c->closing;
	c->closing = true;
	pthread_mutex_unlock(&ep->lock);
	pm_conn_unref(c);
	if (mine)
		pm_conn_free(c);
	return NULL;
}

static struct pmark_conn *conn_for(struct pmark_ep *ep, const struct sockaddr_storage *from,
				   socklen_t len)
{
	struct pmark_conn *c = pm_conn_by_addr(ep, from);

	if (c)
		c = drop_dead_embryo(ep, c);
	if (c || !ep->listener)
		return c;
	/* The cleartext mirror's host is never a peer: its copies would reach it. */
	if (ep->clear && pm_clear_sink_is_mirror_host(ep->clear, from))
		return NULL;
	reap_embryos(ep);
	pthread_mutex_lock(&ep->lock);
	c = pm_conn_new_locked(ep, (const struct sockaddr *)from, len);
	if (c)
		c = pm_conn_lookup(c->id);
	pthread_mutex_unlock(&ep->lock);
	if (c && ep->xf && pm_xf_open(c, false)) {
		pthread_mutex_lock(&ep->lock);
		c->closing = true;     /* no state, no handshake: reaped like any embryo */
		pthread_mutex_unlock(&ep->lock);
	}
	if (c)
		pm_conn_publish(c);
	return c;
}

/*
 * Handshakes in progress retransmit their flights on a timer nobody else
 * runs: the receive thread does, between datagrams.  Returns the poll
 * timeout until the next one is due (-1: none in progress).
 */
#define PM_TICK_BATCH 64
static int tick_handshakes(struct pmark_ep *ep)
{
	struct pmark_conn *due[PM_TICK_BATCH];
	int n = 0, next = -1;

	if (!ep->xf)
		return -1;
	pthread_mutex_lock(&ep->lock);
	for (struct pmark_conn *c = ep->conns; c && n < PM_TICK_BATCH; c = c->next)
		if (!c->closing && c->xf_buf &&
		    __atomic_load_n(&c->xf_state, __ATOMIC_ACQUIRE) == PMARK_XF_HANDSHAKE &&
		    (due[n] = pm_conn_lookup(c->id)))
			n++;
	pthread_mutex_unlock(&ep->lock);
	for (int i = 0; i < n; i++) {
		int t = pm_xf_tick(due[i]);

		/* Wake at least every 50 ms while a handshake runs: a timer may be re-armed. */
		if (t < 0 || t > 50)
			t = 50;
		if (next < 0 || t < next)
			next = t;
		pm_conn_unref(due[i]);
	}
	return next;
}

/* A datagram from the peer, through its transform if protected, to usrsctp. */
static void deliver(struct pmark_ep *ep, struct pmark_conn *c, uint8_t *buf, size_t n, uint8_t *clear)
{
	if (ep->xf) {
		ssize_t m = c->xf_buf ? pm_xf_input(c, buf, n, clear, PM_RX_MAX) : -ENOTCONN;

		if (m <= 0)
			return;   /* handshake, alert, or dropped (counted) */
		buf = clear;
		n = (size_t)m;
	}
	/*
	 * usrsctp first: a timer thread may be retransmitting a TSN this SACK
	 * acks.  That retransmission leaves under the association's lock, so
	 * once usrsctp has taken the SACK it has either gone (its record was
	 * still there) or will never be sent; forgetting the record before
	 * would let it leave unmarked.
	 */
	usrsctp_conninput((void *)c->id, buf, n, 0);
	if (ep->mode != PMARK_MODE_OFF)
		pm_input(c, buf, n);
}

static void *rx_thread(void *arg)
{
	struct pmark_ep *ep = arg;
	uint8_t *buf = malloc(PM_RX_MAX), *clear = ep->xf ? malloc(PM_RX_MAX) : NULL;
	struct pollfd pf[2] = { { .fd = ep->fd, .events = POLLIN }, { .fd = ep->wake_fd, .events = POLLIN } };
	int timeout = -1;
	uint64_t next_tick = 0;

	while (buf && (clear || !ep->xf) && !atomic_load(&ep->stopping)) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		struct pmark_conn *c;
		ssize_t n;
		int rc = poll(pf, 2, timeout);

		if (rc < 0 && errno != EINTR)
			break;
		/* Handshake timers, looked at no more often than every 10 ms under load. */
		if (ep->xf && (rc == 0 || pmark_now_ns() >= next_tick)) {
			timeout = tick_handshakes(ep);
			next_tick = pmark_now_ns() + 10000000ull;
		}
		if (rc <= 0)
			continue;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLERR)
			pm_errqueue_drain(ep);
		if (!(pf[0].revents & POLLIN))
			continue;
		n = recvfrom(ep->fd, buf, PM_RX_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n <= 0)
			continue;
		c = conn_for(ep, &from, flen);
		if (!c)
			continue;    /* not listening, not a peer: nobody to give it to */
		deliver(ep, c, buf, (size_t)n, clear);
		/* A handshake may have started: its timer needs the loop to wake. */
		if (ep->xf && timeout < 0 &&
		    __atomic_load_n(&c->xf_state, __ATOMIC_ACQUIRE) == PMARK_XF_HANDSHAKE)
			timeout = 50;
		pm_conn_unref(c);
	}
	free(buf);
	free(clear);
	return NULL;
}

static uint64_t socket_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

static int socket_open(struct pmark_ep *ep, const struct sockaddr *local, socklen_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1;

	fd = socket(local->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (local->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A burst of a full congestion window must not overflow the kernel's queues. */
	{
		int bytes = (int)(ep->cfg.sndbuf > ep->cfg.rcvbuf ? ep->cfg.sndbuf : ep->cfg.rcvbuf) * 2;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	}
	if (bind(fd, local, len) || getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	ep->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	if (ep->cfg.ip_df >= 0) {
		int pmtu = ep->cfg.ip_df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;

		/* IPv4 OMIT: DF clear like DONT, but Fragmentation Needed still reaches
		 * the error queue (DONT drops it), for message tracking. */
		if (local->sa_family == AF_INET && !ep->cfg.ip_df) {
			int omit = IP_PMTUDISC_OMIT;

			if (!setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &omit, sizeof(omit)))
				pmtu = -1;
		}
		if (pmtu >= 0 && (local->sa_family == AF_INET6 ?
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) :
		    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu))))
			goto fail;
	}
	if (pm_errqueue_enable(fd, local->sa_family))
		goto fail;
	{
		socklen_t tl = sizeof(ep->base_tos);

		if (local->sa_family == AF_INET6)
			getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &ep->base_tos, &tl);
		else
			getsockopt(fd, IPPROTO_IP, IP_TOS, &ep->base_tos, &tl);
		if (ep->base_tos < 0)
			ep->base_tos = 0;
	}
	ep->fd = fd;
	ep->family = local->sa_family;
	atomic_store(&ep->next_ip_id, (unsigned int)(pmark_now_ns() ^ (uint64_t)getpid() << 16));
	ep->cookie = socket_cookie(fd);
	return 0;
fail:
	{
		int err = -errno;

		close(fd);
		return err;
	}
}

/* MAPS / AUTO: the marker's maps, and our port in its bitmap. */
static int marker_open(struct pmark_ep *ep)
{
	int err;

	if (ep->mode != PMARK_MODE_AUTO && ep->mode != PMARK_MODE_MAPS)
		return 0;
	ep->maps = pmark_open(ep->cfg.pin_root);
	if (ep->maps && pmark_port_registered(ep->maps, ep->port))
		err = 0;     /* registered by someone else: theirs to remove */
	else if (ep->maps && !(err = pmark_port_add(ep->maps, ep->port)))
		ep->port_registered = true;
	else if (!ep->maps)
		err = -errno;
	if (!err) {
		ep->mode = PMARK_MODE_MAPS;
		return 0;
	}
	if (ep->maps) {
		pmark_close(ep->maps);
		ep->maps = NULL;
	}
	if (ep->mode == PMARK_MODE_MAPS)
		return err;
	snprintf(ep->fallback, sizeof(ep->fallback), "the marker's maps at %s are not usable (%s)",
		 pmark_pin_root_requested(ep->cfg.pin_root),
		 err == -ENOENT ? "nothing attached there" : strerror(-err));
	pm_log(ep, "%s; falling back to per-packet ancillary data: TTL/hop limit and TOS/traffic "
	       "class per packet work, %s", ep->fallback,
	       ep->family == AF_INET6 ? "IPv6 DONTFRAG per packet works too"
				      : "the IPv4 DF bit cannot be set or cleared per packet");
	ep->mode = PMARK_MODE_CMSG;
	return 0;
}

/* An application's transform must have every call libpmark makes. */
static int transform_check(struct pmark_ep *ep)
{
	const struct pmark_transform_ops *x = ep->xf;

	if (!x)
		return 0;
	if (!x->name || !x->open || !x->protect || !x->unprotect || !x->poll || !x->error ||
	    !x->close || x->overhead > 512) {
		pm_log(ep, "the transform lacks a function libpmark calls (name, open, protect, unprotect, "
		       "poll, error, close), or its overhead is over 512 bytes");
		return -EINVAL;
	}
	return 0;
}

static int sink_open(struct pmark_ep *ep)
{
	char why[256];

	if (!ep->cfg.cleartext_pcap && !ep->cfg.cleartext_mirror)
		return 0;
	ep->clear = pm_clear_sink_open(ep->cfg.cleartext_pcap, ep->cfg.cleartext_mirror,
				       ep->cfg.cleartext_mirror_len, why, sizeof(why));
	if (!ep->clear) {
		int err = -errno;

		pm_log(ep, "%s", why);
		return err;
	}
	return 0;
}

static void config_defaults(struct pmark_ep_config *c)
{
	if (!c->sctp_port)
		c->sctp_port = 5000;
	if (!c->mtu)
		c->mtu = 1280;
	if (!c->streams)
		c->streams = 1024;
	if (!c->sndbuf)
		c->sndbuf = 1u << 20;
	if (!c->rcvbuf)
		c->rcvbuf = 1u << 20;
}

struct pmark_ep *pmark_ep_open(const struct sockaddr *local, socklen_t len,
			       const struct pmark_ep_config *cfg)
{
	struct pmark_ep_config defaults = PMARK_EP_CONFIG_INIT;
	struct pmark_ep *ep;
	int err;

	if (!local || (local->sa_family != AF_INET && local->sa_family != AF_INET6) ||
	    (cfg && (cfg->mode > PMARK_MODE_OFF || cfg->mtu > 65535 || (cfg->mtu && cfg->mtu < 576)))) {
		errno = local && (local->sa_family == AF_INET || local->sa_family == AF_INET6) ? EINVAL
											 : EAFNOSUPPORT;
		return NULL;
	}
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return NULL;
	ep->cfg = cfg ? *cfg : defaults;
	config_defaults(&ep->cfg);
	ep->mode = ep->cfg.mode;
	ep->fd = ep->wake_fd = -1;
	ep->xf = ep->cfg.transform;
	pthread_mutex_init(&ep->lock, NULL);
	pm_cond_init(&ep->cond);
	if ((err = transform_check(ep)) || (err = socket_open(ep, local, len)) ||
	    (err = marker_open(ep)) || (err = sink_open(ep)))
		goto fail;
	ep->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ep->wake_fd < 0) {
		err = -errno;
		goto fail;
	}
	pm_usrsctp_get();
	if ((err = -pthread_create(&ep->rx_thread, NULL, rx_thread, ep)))
		goto fail_stack;
	ep->rx_started = true;
	if (ep->cfg.on_recv) {
		if ((err = -pthread_create(&ep->cb_thread, NULL, pm_callback_thread, ep)))
			goto fail_stack;
		ep->cb_started = true;
	}
	return ep;
fail_stack:
	pmark_ep_close(ep);
	errno = -err;
	return NULL;
fail:
	if (ep->clear)
		pm_clear_sink_close(ep->clear);
	if (ep->port_registered)
		pmark_port_del(ep->maps, ep->port);
	if (ep->maps)
		pmark_close(ep->maps);
	if (ep->fd >= 0)
		close(ep->fd);
	if (ep->wake_fd >= 0)
		close(ep->wake_fd);
	free(ep);
	errno = -err;
	return NULL;
}

void pmark_ep_close(struct pmark_ep *ep)
{
	struct pmark_conn *c;
	uint64_t one = 1;

	if (!ep)
		return;
	/* Applications' associations first, while the receive thread still runs. */
	for (;;) {
		pthread_mutex_lock(&ep->lock);
		for (c = ep->conns; c && c->closing; c = c->next)
			;
		pthread_mutex_unlock(&ep->lock);
		if (!c)
			break;
		pmark_conn_close(c, 2000);
	}
	if (ep->listener) {
		usrsctp_set_upcall(ep->listener, NULL, NULL);
		usrsctp_close(ep->listener);
		ep->listener = NULL;
	}
	atomic_store(&ep->stopping, true);
	if (write(ep->wake_fd, &one, sizeof(one)) < 0) {
		/* eventfd write only fails on overflow: the thread is woken anyway */
	}
	pthread_mutex_lock(&ep->lock);
	pthread_cond_broadcast(&ep->cond);
	pthread_mutex_unlock(&ep->lock);
	if (ep->rx_started)
		pthread_join(ep->rx_thread, NULL);
	if (ep->cb_started)
		pthread_join(ep->cb_thread, NULL);
	pm_usrsctp_put();
	if (ep->port_registered)
		pmark_port_del(ep->maps, ep->port);
	if (ep->maps)
		pmark_close(ep->maps);
	if (ep->clear)
		pm_clear_sink_close(ep->clear);
	close(ep->fd);
	close(ep->wake_fd);
	pthread_mutex_destroy(&ep->lock);
	pthread_cond_destroy(&ep->cond);
	free(ep);
}

enum pmark_mode pmark_ep_mode(const struct pmark_ep *ep) { return ep->mode; }
int pmark_ep_fd(const struct pmark_ep *ep) { return ep->fd; }
struct pmark_maps *pmark_ep_maps(struct pmark_ep *ep) { return ep->maps; }

const char *pmark_ep_fallback_reason(const struct pmark_ep *ep)
{
	return ep->mode == PMARK_MODE_CMSG && ep->fallback[0] ? ep->fallback : NULL;
}

int pmark_ep_local(const struct pmark_ep *ep, struct sockaddr_storage *out, socklen_t *len)
{
	socklen_t l = sizeof(*out);

	if (getsockname(ep->fd, (struct sockaddr *)out, &l))
		return -errno;
	if (len)
		*len = l;
	return 0;
}
