// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-packet cases: one path of the tc program each, on a small or an
 * MTU-sized frame.  A matched record is not `once`, so it applies on every
 * one of the repeated runs, as a first transmission would.
 */
#include <errno.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "bench.h"
#include "packet.h"

#define TSN 1000
#define FIRST_FRAG_IP_PAYLOAD 1480      /* 1514-byte frame */

struct packet_case {
	const char *key, *name;
	struct pkt_spec pkt;
	int expect;                     /* counter of the path the program must take */
	enum goal_kind goal;
	double goal_max;
	int (*setup)(struct bench_ctx *ctx, const struct packet_case *c);
	struct pmark_opts rec;          /* the record setup writes, if any */
};

static int setup_nothing(struct bench_ctx *ctx, const struct packet_case *c)
{
	(void)ctx;
	(void)c;
	return 0;
}

/* The association exists, but the slot for this TSN holds no record. */
static int setup_assoc_only(struct bench_ctx *ctx, const struct packet_case *c)
{
	struct pmark_assoc *a = pmark_assoc_get(ctx->maps, c->pkt.vtag);

	if (!a)
		return -errno;
	pmark_assoc_put(a, false);
	return 0;
}

static int setup_record(struct bench_ctx *ctx, const struct packet_case *c)
{
	return pmark_mark(ctx->maps, c->pkt.vtag, c->pkt.tsn, &c->rec);
}

/* Mark the datagram's first fragment once, so the program remembers its options. */
static int setup_fragment(struct bench_ctx *ctx, const struct packet_case *c)
{
	uint8_t frame[PKT_FRAME_MAX];
	struct pkt_spec first = c->pkt;
	size_t len;
	uint32_t ns;
	int err = setup_record(ctx, c);

	if (err)
		return err;
	first.frame_len = PKT_FRAME_MAX;
	first.frag_offset = 0;
	first.more_fragments = true;
	first.datagram_udp_len = FIRST_FRAG_IP_PAYLOAD + (c->pkt.frame_len - PKT_ETH_LEN - PKT_IP4_LEN);
	len = pkt_build(frame, &first);
	if (!len)
		return -EINVAL;
	return measure_once(ctx->prog_fd, frame, len, 1, &ns);
}

#define V4(len_, sport_, vtag_) { .family = 4, .frame_len = (len_), .sport = (sport_), \
				  .dport = 5001, .vtag = (vtag_), .tsn = TSN }
#define V6(len_, sport_, vtag_) { .family = 6, .frame_len = (len_), .sport = (sport_), \
				  .dport = 5001, .vtag = (vtag_), .tsn = TSN }
#define REC_V4 { .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .df = PMARK_DF_SET }
#define REC_TTL_TOS { .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .df = PMARK_DF_LEAVE }
/* An hour: never reached, but the program reads the clock to know. */
#define REC_EXPIRING { .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .df = PMARK_DF_SET, \
		       .expire_ms = 3600 * 1000 }
/* No test-run skb belongs to this socket: the program reads the cookie and refuses. */
#define REC_OWNED { .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .df = PMARK_DF_SET, \
		    .owner = 0xfeedfacecafe }

static const struct packet_case cases[] = {
	{ "not_ours", "not-ours UDP (unregistered port)",
	  V4(PKT_FRAME_SMALL, BENCH_OTHER_PORT, 0x10000001), PMARK_CNT_NOT_OURS,
	  GOAL_VS_EMPTY, 1.2, setup_nothing, { 0 } },
	{ "no_assoc", "SCTP, no record (unknown vtag)",
	  V4(PKT_FRAME_SMALL, BENCH_SCTP_PORT, 0x10000002), PMARK_CNT_NO_RECORD,
	  GOAL_NONE, 0, setup_nothing, { 0 } },
	{ "no_record", "SCTP, no record (known vtag, empty slot)",
	  V4(PKT_FRAME_SMALL, BENCH_SCTP_PORT, 0x10000003), PMARK_CNT_NO_RECORD,
	  GOAL_NONE, 0, setup_assoc_only, { 0 } },
	{ "match_v4", "matched IPv4: TTL+TOS+DF",
	  V4(PKT_FRAME_SMALL, BENCH_SCTP_PORT, 0x10000004), PMARK_CNT_MARKED,
	  GOAL_VS_EMPTY, 2.0, setup_record, REC_V4 },
	{ "match_v4_mtu", "matched IPv4: TTL+TOS+DF, MTU frame",
	  V4(PKT_FRAME_MAX, BENCH_SCTP_PORT, 0x10000005), PMARK_CNT_MARKED,
	  GOAL_VS_EMPTY, 2.0, setup_record, REC_V4 },
	{ "match_v6", "matched IPv6: hop limit+class",
	  V6(PKT_FRAME_SMALL + 20, BENCH_SCTP_PORT, 0x10000006), PMARK_CNT_MARKED,
	  GOAL_VS_EMPTY, 2.0, setup_record, REC_TTL_TOS },
	/* A middle fragment: the last one forgets the datagram, so it cannot repeat. */
	{ "frag_follow", "later IPv4 fragment of a marked one",
	  { .family = 4, .frame_len = PKT_FRAME_SMALL, .sport = BENCH_SCTP_PORT, .dport = 5001,
	    .vtag = 0x10000007, .tsn = TSN, .ip_id = 0x4242,
	    .frag_offset = FIRST_FRAG_IP_PAYLOAD / 8, .more_fragments = true },
	  PMARK_CNT_FRAG_FOLLOWED, GOAL_VS_EMPTY, 2.0, setup_fragment, REC_TTL_TOS },
	{ "match_v4_expiry", "matched IPv4 with an expiry (clock read)",
	  V4(PKT_FRAME_SMALL, BENCH_SCTP_PORT, 0x10000008), PMARK_CNT_MARKED,
	  GOAL_NONE, 0, setup_record, REC_EXPIRING },
	{ "owner_mismatch", "record of another socket (cookie read)",
	  V4(PKT_FRAME_SMALL, BENCH_SCTP_PORT, 0x10000009), PMARK_CNT_OWNER_MISMATCH,
	  GOAL_NONE, 0, setup_record, REC_OWNED },
};

int packet_cases_run(struct bench_ctx *ctx, struct case_result *out, int *n)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct packet_case *c = &cases[i];
		struct case_result *r = &out[*n];
		uint8_t frame[PKT_FRAME_MAX];
		size_t len = pkt_build(frame, &c->pkt);
		int err;

		if (!len || *n >= BENCH_MAX_CASES)
			return -EINVAL;
		err = c->setup(ctx, c);
		if (!err)
			err = case_measure(ctx, frame, len, c->expect, r);
		if (err)
			return err;
		r->key = c->key;
		r->name = c->name;
		r->goal = c->goal;
		r->goal_max = c->goal_max;
		r->goal_ref = NULL;
		(*n)++;
	}
	return 0;
}
