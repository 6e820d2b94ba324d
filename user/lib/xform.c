/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A protected association: its transform's state (DTLS), the handshake
 * before usrsctp may speak, and the peer's entry in the marker's "dtls"
 * table, under whose tag each protected datagram's record is written.
 * Every call on the state goes under xf_lock: the transform (OpenSSL) is not
 * thread-safe, and one lock also makes record ids leave in the order they
 * were given out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include "pmark_dtls.h"
#include "ep_int.h"

static int xf_send(void *arg, const uint8_t *buf, size_t len)
{
	return pm_send_raw(arg, buf, len, 0);
}

/* The source address the kernel picks for the peer: what the cleartext copy shows. */
static void route_source(struct pmark_conn *c)
{
	socklen_t len = sizeof(c->local);
	int fd;

	if (pmark_ep_local(c->ep, &c->local, &len) == 0) {
		bool any = c->local.ss_family == AF_INET
				   ? ((struct sockaddr_in *)&c->local)->sin_addr.s_addr == INADDR_ANY
				   : IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&c->local)->sin6_addr);
		uint16_t port = c->ep->port;

		if (!any)
			return;
		fd = socket(c->ep->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		len = sizeof(c->local);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&c->remote, c->remote_len) == 0)
			getsockname(fd, (struct sockaddr *)&c->local, &len);
		if (fd >= 0)
			close(fd);
		if (c->local.ss_family == AF_INET)
			((struct sockaddr_in *)&c->local)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&c->local)->sin6_port = htons(port);
	}
}

/*
 * Tell the marker this peer's datagrams are DTLS and under which tag their
 * records are.  Failing that, they go out unmarked.  A client does it before
 * its first ClientHello, so the marker reads its handshake as DTLS (counted
 * dtls_not_appdata) rather than as a malformed SCTP packet; a server waits
 * for the keys, or anyone sending it ClientHellos from many addresses could
 * fill the marker's table.
 */
static void register_peer(struct pmark_conn *c)
{
	struct pmark_ep *ep = c->ep;
	int err;

	if (!ep->maps || c->xf_registered || c->xf_ring_failed)
		return;
	err = pmark_dtls_peer_add(ep->maps, ep->port, (struct sockaddr *)&c->remote, c->remote_len,
				  &c->xf_tag);
	if (!err) {
		c->xf_registered = true;
		c->xf_ring = pmark_assoc_find(ep->maps, c->xf_tag);
		if (!c->xf_ring)
			err = -errno;
	}
	if (err) {
		c->xf_ring_failed = true;
		pm_log(ep, "cannot register the protected peer with the marker (%s): this association's "
		       "datagrams go out unmarked", pmark_strerror(err));
	}
}

int pm_xf_open(struct pmark_conn *c, bool client)
{
	struct pmark_ep *ep = c->ep;
	size_t cap = ep->cfg.mtu + ep->xf->overhead + 64;

	pthread_mutex_init(&c->xf_lock, NULL);
	c->xf_client = client;
	c->xf_buf = malloc(cap < 65536 ? 65536 : cap);
	if (!c->xf_buf)
		return -ENOMEM;
	c->xf_cap = cap < 65536 ? 65536 : cap;
	route_source(c);
	pthread_mutex_lock(&c->xf_lock);
	if (client)
		register_peer(c);
	errno = 0;
	c->xf = ep->xf->open(ep->cfg.transform_ctx, client, (struct sockaddr *)&c->remote, c->remote_len,
			     xf_send, c);
	pthread_mutex_unlock(&c->xf_lock);
	if (!c->xf)
		return errno ? -errno : -ENOMEM;
	__atomic_store_n(&c->xf_state, PMARK_XF_HANDSHAKE, __ATOMIC_RELEASE);
	return 0;
}

/* xf_lock held: the state after a call, with what changed it. */
static int state_update(struct pmark_conn *c, int st)
{
	int old = __atomic_load_n(&c->xf_state, __ATOMIC_ACQUIRE);

	if (st == old)
		return st;
	__atomic_store_n(&c->xf_state, st, __ATOMIC_RELEASE);
	if (st == PMARK_XF_OPEN) {
		register_peer(c);
	} else if (st == PMARK_XF_FAILED && old == PMARK_XF_HANDSHAKE) {
		char who[INET6_ADDRSTRLEN + 16];

		pm_addr_format((const struct sockaddr *)&c->remote, who, sizeof(who));
		snprintf(c->xf_error, sizeof(c->xf_error), "handshake with %s: %s", who,
			 c->ep->xf->error(c->xf));
		pm_log(c->ep, "%s", c->xf_error);
	}
	pthread_mutex_lock(&c->ev_lock);
	pthread_cond_broadcast(&c->ev_cond);
	pthread_mutex_unlock(&c->ev_lock);
	return st;
}

ssize_t pm_xf_input(struct pmark_conn *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	const struct pmark_transform_ops *ops = c->ep->xf;
	ssize_t n;
	int tmo;

	pthread_mutex_lock(&c->xf_lock);
	n = ops->unprotect(c->xf, in, len, out, cap);
	state_update(c, ops->poll(c->xf, &tmo));
	pthread_mutex_unlock(&c->xf_lock);
	if (n == -EALREADY)
		pm_count(c, PS_XF_REPLAYED, 1);
	else if (n == -EBADMSG)
		pm_count(c, PS_XF_REJECTED, 1);
	return n;
}

int pm_xf_tick(struct pmark_conn *c)
{
	int tmo = -1;

	pthread_mutex_lock(&c->xf_lock);
	if (c->xf)
		state_update(c, c->ep->xf->poll(c->xf, &tmo));
	pthread_mutex_unlock(&c->xf_lock);
	return tmo;
}

int pm_xf_wait(struct pmark_conn *c, uint64_t deadline_ns)
{
	for (;;) {
		int tmo = pm_xf_tick(c), st = __atomic_load_n(&c->xf_state, __ATOMIC_ACQUIRE);
		uint64_t now = pmark_now_ns();

		if (st == PMARK_XF_OPEN)
			return 0;
		/* The reason is logged; ECONNREFUSED as for an SCTP ABORT. */
		if (st == PMARK_XF_FAILED || st == PMARK_XF_CLOSED)
			return -ECONNREFUSED;
		if (now >= deadline_ns) {
			char who[INET6_ADDRSTRLEN + 16];

			pm_addr_format((const struct sockaddr *)&c->remote, who, sizeof(who));
			snprintf(c->xf_error, sizeof(c->xf_error),
				 "%s handshake with %s did not finish in time (no answer from the peer?)",
				 c->ep->xf->name, who);
			pm_log(c->ep, "%s", c->xf_error);
			return -ETIMEDOUT;
		}
		if (tmo < 0 || tmo > 20)
			tmo = 20;
		if ((uint64_t)tmo * 1000000ull > deadline_ns - now)
			tmo = (int)((deadline_ns - now) / 1000000ull) + 1;
		pm_conn_wait(c, tmo);
	}
}

void pm_xf_close(struct pmark_conn *c)
{
	struct pmark_ep *ep = c->ep;

	if (!c->xf_buf)
		return;    /* never opened */
	pthread_mutex_lock(&c->xf_lock);
	if (c->xf)
		ep->xf->close(c->xf);
	c->xf = NULL;
	pthread_mutex_unlock(&c->xf_lock);
	if (c->xf_ring)
		pmark_assoc_put(c->xf_ring, false);
	c->xf_ring = NULL;
	if (c->xf_registered)
		pmark_dtls_peer_del(ep->maps, ep->port, (struct sockaddr *)&c->remote, c->remote_len);
	c->xf_registered = false;
	free(c->xf_buf);
	c->xf_buf = NULL;
	pthread_mutex_destroy(&c->xf_lock);
}
