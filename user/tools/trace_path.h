/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pmark-trace: the path as the printers show it, built from the rounds'
 * results: per hop the addresses that answered, counts, RTT statistics,
 * what the quoted IP header says arrived there, and where the TOS or DF
 * changed on the way (tracebox-style).
 */
#ifndef TRACE_PATH_H
#define TRACE_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "pmark_trace.h"
#include "trace_stats.h"

#define TRACE_HOP_ADDRS 16       /* more addresses at one hop than that are not listed */

enum trace_field {
	TRACE_FIELD_DSCP,        /* the DSCP bits changed (tos >> 2) */
	TRACE_FIELD_ECN,         /* the ECN bits changed (tos & 3) */
	TRACE_FIELD_TOS,         /* both */
	TRACE_FIELD_DF,
};

struct trace_rewrite {
	enum trace_field field;
	unsigned hop;            /* the hop whose forwarding changed it; 0 = the sender's own network */
	unsigned seen_hop;       /* the next hop with a quote, where the change showed */
	struct sockaddr_storage addr; /* hop's address (the sender's for hop 0) */
	unsigned from, to;       /* TOS bytes (DSCP / ECN / TOS), or DF 0 / 1 */
};

struct trace_hop {
	unsigned ttl;
	unsigned naddrs;
	struct sockaddr_storage addrs[TRACE_HOP_ADDRS]; /* in the order they first answered */
	unsigned sent, answered; /* probes sent (not UNSENT), answered (ICMP or ACKED) */
	struct trace_rtt rtt;
	bool dest;               /* some probe of this TTL was acked by the peer */
	bool quote_known;        /* the first quote with a known IP header, over rounds and probes */
	uint8_t recv_tos;
	bool recv_df;
	struct sockaddr_storage quote_addr; /* who quoted it */
	bool tos_rewritten_here, df_cleared_here, df_set_here;
};

/* What the probes were asked to carry, the first reference of the comparison. */
struct trace_sent {
	bool tos_known;          /* --tos / --dscp */
	uint8_t tos;
	bool df_known;           /* --df */
	bool df;
};

enum trace_ref_source {
	TRACE_REF_NONE = 0,      /* nothing to compare with: no option, no quote */
	TRACE_REF_ASKED,         /* the option the probes were sent with */
	TRACE_REF_QUOTE,         /* the first hop with a quote (ref_hop) */
};

struct trace_path {
	int family;
	unsigned first_ttl, last_ttl; /* hops printed: first..last (none if last < first) */
	unsigned max_ttl, probes;
	unsigned nhops;
	struct trace_hop *hops;  /* [ttl - first_ttl] */
	bool reached;            /* some round's probe was acked */
	unsigned dest_ttl;       /* the smallest such TTL, 0 if none */
	uint64_t probes_sent;
	bool any_icmp, any_quote;

	/* rewrites: the reference, then every change found */
	enum trace_ref_source tos_ref, df_ref;
	unsigned ref_hop;        /* with TRACE_REF_QUOTE */
	uint8_t ref_tos;
	bool ref_df;
	unsigned nrewrites;
	struct trace_rewrite *rewrites;
};

/*
 * Build p from n rounds (all of the same config).  local is the sender's
 * address, named for rewrites at hop 0.  0 or -ENOMEM.
 */
int trace_path_build(struct trace_path *p, const struct pmark_trace_result *rounds, unsigned n,
		     const struct trace_sent *sent, const struct sockaddr *local);
void trace_path_free(struct trace_path *p);
/* The TTL at which sa answered (the smallest), 0 if it did not. */
unsigned trace_path_ttl_of(const struct trace_path *p, const struct sockaddr *sa);
/* The address an answered probe names: the offender, or the peer for an ack. */
const struct sockaddr *trace_probe_addr(const struct pmark_trace_result *r,
					const struct pmark_trace_probe *pr);

/* trace_rewrites.c: fill the reference and p->rewrites from the hops' quotes. */
int trace_rewrites_find(struct trace_path *p, const struct trace_sent *sent,
			const struct sockaddr *local);

#endif
