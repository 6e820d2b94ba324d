/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace: what the kernel's routing table says about the way to the target. */
#ifndef TRACE_ROUTE_H
#define TRACE_ROUTE_H

#include <stdint.h>
#include <sys/socket.h>

/*
 * The source address the kernel picks for dst and the MTU of that route
 * (IP_MTU / IPV6_MTU of a connected UDP socket: the device MTU, or a path
 * MTU the kernel learned).  Nothing is sent.  0 or a negative errno
 * (-ENETUNREACH when there is no route).
 */
int trace_route_get(const struct sockaddr *dst, socklen_t len, struct sockaddr_storage *src,
		    uint32_t *mtu);

#endif
