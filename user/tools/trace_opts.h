/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-trace's command line: what to trace, how, and how to print it. */
#ifndef TRACE_OPTS_H
#define TRACE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pmark_trace.h"
#include "tool_addr.h"
#include "tool_dtls.h"

#define TRACE_CONNECT_TIMEOUT_MS 10000
#define TRACE_ROUNDS 10
#define TRACE_INTERVAL_MS 1000

struct trace_args {
	struct tool_addr target;
	struct tool_addr local;          /* --local, else the wildcard of the target's family */
	struct pmark_ep_config ep;       /* the endpoint options of tool_ep.h */
	struct tool_dtls dtls;           /* --dtls and its options */
	bool mtu_given;                  /* --mtu: else 1280, or the route MTU with --pmtu */
	struct pmark_trace_config cfg;   /* -m -f -q -w --size --stream --ppid --tos --dscp --df */
	const char *tos_opt;             /* "--tos" or "--dscp" when one was given, else NULL */
	bool numeric;                    /* -n: no reverse lookups */
	bool json;
	bool report;                     /* mtr -r style statistics over rounds */
	unsigned rounds;
	uint64_t interval_ms;            /* pause between two rounds */
	bool pmtu;
	bool load;                       /* --load COUNTxSIZE */
	uint64_t load_count;
	size_t load_size;
	int connect_timeout_ms;          /* -1: for ever */
};

/* Parse argv into *a; on a usage error print one line and exit 2. */
void trace_opts_parse(int argc, char **argv, struct trace_args *a);

/* UDP payload bytes of a probe of size message bytes: SCTP common header,
 * DATA chunk header, the message padded to 4 bytes. */
uint32_t trace_probe_datagram_bytes(uint32_t size);

#endif
