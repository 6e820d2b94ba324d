/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-flow path tracing over a live association (libpmark's message
 * tracking, pmark.h).  Probes are messages of the association itself:
 * unordered, PR-SCTP with zero retransmissions, records marked `once`, on a
 * stream the application does not use, PPID PMARK_PROBE_PPID, payload
 * starting with PMARK_PROBE_MAGIC.  They share the association's 5-tuple, so
 * they follow its ECMP path (the Paris-traceroute property).  All TTLs are
 * sent at once; each probe waits up to timeout_ms for an ICMP error or the
 * peer's ack.  The association is not disturbed: a lost probe is abandoned,
 * never retransmitted, and skipped by a FORWARD-TSN.
 */
#ifndef PMARK_TRACE_H
#define PMARK_TRACE_H

#include "pmark.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PMARK_TRACE_STREAM_AUTO 0xffffffffu  /* the highest outbound stream the peer granted */

struct pmark_trace_config {
	uint8_t first_ttl;       /* 0 = 1 */
	uint8_t max_ttl;         /* -m; 0 = 30 */
	uint8_t probes;          /* -q: probes per hop; 0 = 3 */
	uint32_t timeout_ms;     /* wait for answers up to this long after the last probe was sent; 0 = 3000 */
	uint32_t stream;         /* PMARK_TRACE_STREAM_AUTO or a stream number */
	uint32_t ppid;           /* 0 = PMARK_PROBE_PPID */
	uint32_t size;           /* probe message bytes (>= 16); 0 = 32 */
	int tos;                 /* PMARK_LEAVE or the TOS / traffic class the probes carry */
	enum pmark_df df;        /* DF on the probes (IPv4) */
	uint32_t interval_us;    /* spacing between probe sends; 0 = all at once */
	bool cleartext;          /* protected association: probes' cleartext copies go to the
				  * endpoint's cleartext sink (pmark_opts.cleartext) */
};

#define PMARK_TRACE_CONFIG_INIT { .first_ttl = 1, .max_ttl = 30, .probes = 3, .timeout_ms = 3000, \
				  .stream = PMARK_TRACE_STREAM_AUTO, .ppid = 0, .size = 32, \
				  .tos = PMARK_LEAVE, .df = PMARK_DF_LEAVE, .interval_us = 0, \
				  .cleartext = false }

enum pmark_probe_state {
	PMARK_PROBE_UNSENT = 0,  /* not sent: sending an earlier probe failed */
	PMARK_PROBE_TIMEOUT,     /* no answer within timeout_ms: "*" */
	PMARK_PROBE_ICMP,        /* an ICMP error from a hop (ev.offender) */
	PMARK_PROBE_ACKED,       /* reached the destination: the peer acked it */
};

struct pmark_trace_probe {
	uint8_t ttl;
	uint8_t seq;             /* 0 .. probes-1 within its hop */
	int state;               /* enum pmark_probe_state */
	uint32_t size;           /* UDP payload bytes of its datagram (0 if unknown) */
	struct pmark_track_event ev;  /* ICMP / ACKED: the event (ev.rtt_ns is the RTT) */
};

struct pmark_trace_result {
	int family;              /* AF_INET / AF_INET6 */
	struct sockaddr_storage dest;   /* the peer */
	socklen_t dest_len;
	uint8_t first_ttl, max_ttl, probes;
	uint32_t nprobes;        /* (max_ttl - first_ttl + 1) * probes, TTL-major */
	struct pmark_trace_probe *probes_v;
	uint8_t dest_ttl;        /* smallest TTL whose probe was acked; 0 = destination not reached */
	uint8_t last_ttl;        /* last TTL worth reporting: dest_ttl, else the smallest TTL a
				  * Destination Unreachable answered, else max_ttl */
	uint64_t duration_ns;    /* from the first probe sent to the end of the wait */
	uint32_t probes_sent;
};

/*
 * Trace the path of association c.  Fills *out (free with
 * pmark_trace_result_free).  Returns 0, or a negative errno: -EINVAL (bad
 * config; *why if not NULL says why), -ENOTCONN (association not
 * established), -EOPNOTSUPP (endpoint in PMARK_MODE_OFF: nothing is
 * tracked), -EBUSY (another trace on c is running); 0 with *why set: the
 * trace stopped early (a probe could not be sent) and *out holds what was
 * learnt.  The application may go on sending on c meanwhile, and tracking
 * its own messages: the trace's events never reach pmark_track_next.
 */
int pmark_trace(struct pmark_conn *c, const struct pmark_trace_config *cfg,
		struct pmark_trace_result *out, const char **why);
void pmark_trace_result_free(struct pmark_trace_result *r);

/*
 * Path MTU over association c, tracepath-style: DF probes (IPv4; IPv6 never
 * fragments in the network) starting at start_mtu (0: the association's
 * MTU), each answered by the peer's ack (that size passes) or by a
 * Fragmentation Needed / Packet Too Big naming the next-hop MTU and the hop
 * that limits it.  Probes bigger than the association's MTU cannot be sent
 * (usrsctp would fragment them): open the endpoint with an MTU at least as
 * large as the path MTU to be found.  Returns like pmark_trace; 0 with
 * *why set when the search stopped without an answer (a probe could not be
 * sent, or a hop answered with another error).  limiter_ttl is left 0: a
 * trace (pmark_trace) tells the limiter's distance.
 */
struct pmark_pmtu_step {
	uint32_t size;           /* IP datagram bytes of the probe */
	int state;               /* enum pmark_probe_state */
	struct pmark_track_event ev;
};

struct pmark_pmtu_result {
	uint32_t pmtu;           /* largest IP datagram that reached the peer; 0 = none did */
	struct sockaddr_storage limiter;  /* the hop of the last too-big answer: the one limiting pmtu (limiter_len 0: none) */
	socklen_t limiter_len;
	uint8_t limiter_ttl;     /* reserved: 0 (match limiter against a pmark_trace result) */
	uint32_t nsteps;
	struct pmark_pmtu_step steps[16];
};

int pmark_trace_pmtu(struct pmark_conn *c, uint32_t start_mtu, const struct pmark_trace_config *cfg,
		     struct pmark_pmtu_result *out, const char **why);

#ifdef __cplusplus
}
#endif
#endif /* PMARK_TRACE_H */
