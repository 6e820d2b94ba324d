/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ICMP errors about our datagrams, from the UDP socket's error queue
 * (IP_RECVERR / IPV6_RECVERR): no raw socket.  The kernel hands over the
 * offender (the hop that answered), type and code, the next-hop MTU, the
 * original destination, and the quoted bytes past the UDP header.  It
 * never hands over the quoted IP header itself; the marker's ingress
 * program keeps that (track.c reads it).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include "ep_int.h"

#ifndef IP_RECVERR_RFC4884
#define IP_RECVERR_RFC4884 26
#endif
#ifndef IPV6_RECVERR_RFC4884
#define IPV6_RECVERR_RFC4884 31
#endif

int pm_errqueue_enable(int fd, int family)
{
	int one = 1, v6 = family == AF_INET6;

	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, &one,
		       sizeof(one)))
		return -errno;
	/* Lets the kernel tell a quote from RFC 4884 extensions behind it (5.9+); optional. */
	setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR_RFC4884 : IP_RECVERR_RFC4884,
		   &one, sizeof(one));
	return 0;
}

static const struct sock_extended_err *ext_err(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
		    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR))
			return (const struct sock_extended_err *)CMSG_DATA(cm);
	return NULL;
}

static void offender_of(const struct sock_extended_err *ee, struct pm_icmp_err *e)
{
	const struct sockaddr *sa = SO_EE_OFFENDER(ee);

	if (sa->sa_family == AF_INET)
		e->offender_len = sizeof(struct sockaddr_in);
	else if (sa->sa_family == AF_INET6)
		e->offender_len = sizeof(struct sockaddr_in6);
	else
		return;
	memcpy(&e->offender, sa, e->offender_len);
}

void pm_errqueue_drain(struct pmark_ep *ep)
{
	uint8_t quote[1500];
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6)) + 256];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct sockaddr_storage dest;
		struct iovec iov = { quote, sizeof(quote) };
		struct msghdr mh = { .msg_name = &dest, .msg_namelen = sizeof(dest), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		const struct sock_extended_err *ee;
		struct pm_icmp_err e;
		struct pmark_conn *c;
		ssize_t n = recvmsg(ep->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			return;
		ee = ext_err(&mh);
		/* Local errors (a send the kernel refused) are the sender's, not a hop's. */
		if (!ee || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;
		memset(&e, 0, sizeof(e));
		e.origin = ee->ee_origin;
		e.type = ee->ee_type;
		e.code = ee->ee_code;
		e.error = (int)ee->ee_errno;
		e.info = ee->ee_info;
		offender_of(ee, &e);
		e.quote = quote;
		e.quote_len = (size_t)n;
		e.now_ns = pmark_now_ns();
		c = pm_conn_by_addr(ep, &dest);
		if (!c)
			continue;   /* about an association already gone */
		pm_track_icmp(c, &e);
		pm_conn_unref(c);
	}
}
