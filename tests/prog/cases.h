/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The shape of a test case: records written and ports registered, then one
 * or more runs of the program, each on a packet built from a description,
 * with the packet and the counter deltas it must produce.
 */
#ifndef TEST_CASES_H
#define TEST_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "expect.h"
#include "pkt.h"

/* Ring geometry the program is loaded with: small, so slot reuse is easy to reach. */
#define TEST_RING_SHIFT 4
#define TEST_RING_SIZE  (1u << TEST_RING_SHIFT)
#define TEST_RINGS      8

/* A record as a table gives it: zero fields leave the packet's field alone. */
struct rec {
	uint32_t vtag;          /* 0: VTAG */
	uint32_t tsn;
	uint8_t ttl;
	uint32_t tos;           /* SET(v) */
	uint8_t tos_mask;       /* 0: the whole byte */
	enum pmark_df df;
	bool once;
	uint64_t owner;
	uint32_t expire_ms;
	uint32_t ip_id;         /* SET(v): stamp IPv4 ID v */
	/* A protected peer's record: peer (1 or 2, of the case's peers) and record id. */
	uint8_t peer;           /* 0: an SCTP record (vtag, tsn) */
	uint16_t epoch;
	uint64_t seq;
};

enum action_kind {
	ACT_END, ACT_MARK, ACT_FORGET, ACT_FORGET_UPTO, ACT_SLEEP_MS,
	ACT_WRITE_BEGIN,        /* a writer stops halfway: the slot's sequence goes odd */
	ACT_WRITE_END,          /* ... and finishes: the sequence goes even again */
};

struct action {
	enum action_kind kind;
	struct rec rec;         /* MARK: the record; FORGET_UPTO: cum TSN; others: vtag and tsn */
	uint32_t arg;           /* FORGET_UPTO: records it must remove; SLEEP_MS: milliseconds */
};

#define MAX_ACTIONS 6

struct step {
	struct action act[MAX_ACTIONS];   /* done in order before the run */
	struct pkt_spec pkt;              /* bare_ip packets run pmark_egress_l3 */
	struct want want;
	uint64_t cnt[PMARK_CNT_MAX];      /* counter deltas of the run; unlisted ones must stay 0 */
};

/*
 * A protected peer the case registers with pmark_dtls_peer_add: local port
 * SPORT, the built packets' destination address of that family, dport.
 */
struct peer {
	bool v6;
	uint16_t dport;                   /* 0: no peer */
	uint16_t sport;                   /* 0: SPORT */
};

struct prog_case {
	const char *name;
	uint16_t ports[2];                /* registered source ports; none listed: SPORT */
	const struct step *steps;
	size_t n_steps;
	struct peer peers[2];             /* protected peers, none by default */
};

struct case_table {
	const struct prog_case *cases;
	size_t n;
};

extern const struct case_table header_cases, chunk_cases, record_cases, not_ours_cases,
	malformed_cases, fragment_cases, ipid_cases, dtls_cases;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define N_OF(type, ...) (sizeof((const type[]){ __VA_ARGS__ }) / sizeof(type))

#define STEPS(...)  .steps = (const struct step[]){ __VA_ARGS__ }, \
		    .n_steps = N_OF(struct step, __VA_ARGS__)
#define CHUNKS(...) .chunks = (const struct chunk[]){ __VA_ARGS__ }, \
		    .n_chunks = N_OF(struct chunk, __VA_ARGS__)
#define EXT6(...)   .ext6 = { __VA_ARGS__ }, .n_ext6 = N_OF(uint8_t, __VA_ARGS__)

#define MARK(tsn_, ...)             { .kind = ACT_MARK, .rec = { .tsn = (tsn_), __VA_ARGS__ } }
#define FORGET(tsn_)                { .kind = ACT_FORGET, .rec = { .tsn = (tsn_) } }
#define FORGET_UPTO(cum, removed)   { .kind = ACT_FORGET_UPTO, .rec = { .tsn = (cum) }, \
				      .arg = (removed) }
#define SLEEP_MS(ms)                { .kind = ACT_SLEEP_MS, .arg = (ms) }
#define WRITE_BEGIN(tsn_)           { .kind = ACT_WRITE_BEGIN, .rec = { .tsn = (tsn_) } }
#define WRITE_END(tsn_)             { .kind = ACT_WRITE_END, .rec = { .tsn = (tsn_) } }
/* The record of a protected datagram (epoch, seq) under the tag of the case's peer 1 or 2. */
#define MARK_REC_P(peer_, epoch_, seq_, ...) { .kind = ACT_MARK, .rec = { .peer = (peer_), \
					       .epoch = (epoch_), .seq = (seq_), __VA_ARGS__ } }
#define MARK_REC(epoch_, seq_, ...) MARK_REC_P(1, epoch_, seq_, __VA_ARGS__)

#define DATA(tsn_)   { .type = CT_DATA, .tsn = (tsn_) }
#define IDATA(tsn_)  { .type = CT_IDATA, .tsn = (tsn_) }
#define SACK         { .type = CT_SACK, .tsn = 77 }
#define HEARTBEAT    { .type = CT_HEARTBEAT }
#define FORWARD_TSN  { .type = CT_FORWARD_TSN, .tsn = 78 }
#define COOKIE_ACK   { .type = CT_COOKIE_ACK }

/* Expected counter deltas: C(MARKED) means "marked" went up by exactly one. */
#define C(name) [PMARK_CNT_##name] = 1
/* Parsed, found a record and marked it; add what was written. */
#define MARKED       C(SEEN), C(PARSED), C(MARKED)
/* Parsed, left unmarked for the reason given. */
#define LEFT(why)    C(SEEN), C(PARSED), C(why)
/* Refused before the SCTP header was understood. */
#define REFUSED(why) C(SEEN), C(why)
/* A protected peer's datagram: its record header read, then marked or left for the reason given. */
#define DMARKED      C(SEEN), C(DTLS_PARSED), C(MARKED)
#define DLEFT(why)   C(SEEN), C(DTLS_PARSED), C(why)

#endif /* TEST_CASES_H */
