/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One datagram to the peer.  With the maps, the record already written
 * decides its options (a protected datagram's is written by protect.c, once
 * its record id is known); without them (CMSG mode) they travel as per-packet
 * ancillary data, which Linux honours for TTL/TOS and for IPv6 hop limit,
 * traffic class and DONTFRAG, but has no IPv4 DF per packet.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "ep_int.h"

/* Appended by hand: CMSG_NXTHDR needs msg_controllen to already cover the next header. */
static void add_int(struct msghdr *mh, struct cmsghdr **cm, int level, int type, int v)
{
	struct cmsghdr *h = (struct cmsghdr *)((char *)mh->msg_control + mh->msg_controllen);

	h->cmsg_level = level;
	h->cmsg_type = type;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &v, sizeof(int));
	mh->msg_controllen += CMSG_SPACE(sizeof(int));
	*cm = h;
}

static void cmsg_options(struct pmark_conn *c, struct msghdr *mh, uint32_t key)
{
	struct pmark_ep *ep = c->ep;
	uint8_t f = pm_key_flags(key);
	bool v6 = ep->family == AF_INET6;
	struct cmsghdr *cm = NULL;
	int tos = 0;

	mh->msg_controllen = 0;
	if (f & PMARK_F_TOS)
		tos = (ep->base_tos & ~pm_key_mask(key)) | (pm_key_tos(key) & pm_key_mask(key));
	if (f & PMARK_F_TTL)
		add_int(mh, &cm, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_HOPLIMIT : IP_TTL, pm_key_ttl(key));
	if (f & PMARK_F_TOS)
		add_int(mh, &cm, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS, tos);
	if (f & (PMARK_F_DF_SET | PMARK_F_DF_CLEAR)) {
		if (v6) {
			add_int(mh, &cm, IPPROTO_IPV6, IPV6_DONTFRAG, !!(f & PMARK_F_DF_SET));
		} else if (!atomic_exchange(&ep->warned_df, true)) {
			pm_log(ep, "ancillary-data mode cannot set or clear the IPv4 DF bit per packet "
			       "(Linux has no such control message): DF follows the socket's "
			       "IP_MTU_DISCOVER setting; TTL and TOS are still applied per packet");
		}
	}
	if (!mh->msg_controllen)
		mh->msg_control = NULL;
}

#define PM_SEND_TRIES 16

static bool pending_icmp_error(int err)
{
	return err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED || err == EHOSTDOWN ||
	       err == ENONET || err == EPROTO || err == EMSGSIZE || err == EACCES || err == ENOPROTOOPT;
}

int pm_send_raw(struct pmark_conn *c, const uint8_t *buf, size_t len, uint32_t key)
{
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 3];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_name = &c->remote, .msg_namelen = c->remote_len,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int tries = 0;

	if (key && c->ep->mode == PMARK_MODE_CMSG) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cmsg_options(c, &mh, key);
		if (mh.msg_control)
			pm_count(c, PS_CMSG, 1);
	}
	/*
	 * With IP_RECVERR an ICMP error also leaves a pending socket error,
	 * which the next send returns instead of sending (and clears): that
	 * error belongs to an earlier datagram (it is on the error queue too),
	 * so send this one again.  Errors arriving in a burst (a trace's probes
	 * all answered at once) can eat several tries in a row; a real error
	 * for this datagram comes back every time and ends it.
	 */
	do
		n = sendmsg(c->ep->fd, &mh, 0);
	while (n < 0 && (errno == EINTR || (pending_icmp_error(errno) && tries++ < PM_SEND_TRIES)));
	if (n < 0) {
		/* Lost like on the wire; SCTP retransmits. */
		pm_count(c, PS_SEND_ERRORS, 1);
		return 0;
	}
	pm_count(c, PS_DGRAMS_OUT, 1);
	return 0;
}

int pm_send_dgram(struct pmark_conn *c, const uint8_t *buf, size_t len, const struct pm_dgram *d)
{
	if (c->ep->xf)
		return pm_xf_send(c, buf, len, d);
	return pm_send_raw(c, buf, len, d ? d->key : 0);
}
