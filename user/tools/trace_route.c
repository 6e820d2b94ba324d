// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: the source address and MTU of the route to the target. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include "trace_route.h"

int trace_route_get(const struct sockaddr *dst, socklen_t len, struct sockaddr_storage *src,
		    uint32_t *mtu)
{
	socklen_t slen = sizeof(*src), ilen = sizeof(int);
	int fd, err = 0, v = 0;
	bool v6 = dst->sa_family == AF_INET6;

	/* connect() on a UDP socket only looks the route up: no packet leaves. */
	fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, dst, len) || getsockname(fd, (struct sockaddr *)src, &slen) ||
	    getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &v, &ilen))
		err = -errno;
	close(fd);
	if (!err)
		*mtu = (uint32_t)v;
	return err;
}
