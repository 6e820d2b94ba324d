/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* UDP addresses as the tools read and print them: 10.0.0.2:5001, [fd00::2]:5001. */
#ifndef TOOL_ADDR_H
#define TOOL_ADDR_H

#include <stdbool.h>
#include <sys/socket.h>

#define TOOL_ADDRSTRLEN 64

struct tool_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* ADDR:PORT through pmark_parse_addr; exit 2 with "prog: OPT S: ..." if bad. */
void tool_addr_opt(const char *opt, const char *s, struct tool_addr *out);
/* The wildcard address of family with port 0. */
void tool_addr_any(int family, struct tool_addr *out);
/* "10.0.0.2:5001" / "[fd00::2]:5001" into buf (TOOL_ADDRSTRLEN). */
const char *tool_addr_str(const struct sockaddr *sa, char *buf);
/* The address alone, "10.0.0.2" / "fd00::2", into buf (TOOL_ADDRSTRLEN). */
const char *tool_ip_str(const struct sockaddr *sa, char *buf);
/* Same family and address (ports not compared). */
bool tool_ip_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
