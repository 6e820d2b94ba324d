// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UDP addresses as the tools read and print them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "pmark.h"
#include "tool_addr.h"
#include "tool_util.h"

void tool_addr_opt(const char *opt, const char *s, struct tool_addr *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->ss);
	err = pmark_parse_addr(s, &out->ss, &out->len);
	if (err) {
		if (opt)
			tool_usage_error("%s %s: not an address:port (10.0.0.2:5001 or [fd00::2]:5001)",
					 opt, s);
		tool_usage_error("%s: not an address:port (10.0.0.2:5001 or [fd00::2]:5001)", s);
	}
}

void tool_addr_any(int family, struct tool_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		out->len = sizeof(*s4);
	}
}

const char *tool_addr_str(const struct sockaddr *sa, char *buf)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, TOOL_ADDRSTRLEN, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, TOOL_ADDRSTRLEN, "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		snprintf(buf, TOOL_ADDRSTRLEN, "(family %d)", sa->sa_family);
	}
	return buf;
}

const char *tool_ip_str(const struct sockaddr *sa, char *buf)
{
	const void *ip = sa->sa_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    !inet_ntop(sa->sa_family, ip, buf, TOOL_ADDRSTRLEN))
		snprintf(buf, TOOL_ADDRSTRLEN, "(family %d)", sa->sa_family);
	return buf;
}

bool tool_ip_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return false;
}
