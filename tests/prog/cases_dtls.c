// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Protected peers (SCTP inside DTLS 1.2): the program reads the first DTLS
 * record header of a datagram to a peer in "dtls" and applies the record
 * written under the peer's tag for (epoch, sequence), exactly as it applies
 * an SCTP record; everything else about the datagram is left alone.
 */
#include "cases.h"

#define PEER4  { .dport = DPORT }
#define PEER6  { .v6 = true, .dport = DPORT }
#define PEERS(...) .peers = { __VA_ARGS__ }

/* A protected datagram: one DTLS record, application data, epoch 1, sequence DTLS_SEQ (pkt.h). */
#define DTLS(...)  .dtls = { .on = true, __VA_ARGS__ }

#define SOME_COOKIE 0x1234567890abcdefull   /* never the cookie of a test run's skb */
#define HIGH_SEQ    0x123400000005ull       /* sequence bits 32..47 set */

#define ID 0x7a11
#define FIRST(...) .pkt = { .frag = { .part = FIRST_FRAGMENT, .id = ID }, __VA_ARGS__ }
#define LATER(...) .pkt = { .frag = { .part = LATER_FRAGMENT, .id = ID }, __VA_ARGS__ }
#define FOLLOWED C(SEEN), C(FRAG_FOLLOWED), C(MARKED)

/* A writer stopped halfway through the record of peer 1 for DTLS_SEQ. */
#define REC_WRITE_BEGIN { .kind = ACT_WRITE_BEGIN, .rec = { .peer = 1, .seq = DTLS_SEQ } }
#define REC_WRITE_END   { .kind = ACT_WRITE_END, .rec = { .peer = 1, .seq = DTLS_SEQ } }

static const struct prog_case rows[] = {
	/* ---- marked by record id, like an SCTP record */
	{ "dtls: IPv4 marked by record id: TTL, TOS, DF and IP ID, checksum right",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 9, .tos = SET(0xb8), .tos_mask = 0xfc,
				   .df = PMARK_DF_SET, .ip_id = SET(0xbeef)) },
		  .pkt = { DTLS(), .tos = 0x01 },
		  .want = { .ttl = 9, .tos = SET(0xb9), .df = DF_ON, .ip_id = SET(0xbeef) },
		  .cnt = { DMARKED, C(TTL_SET), C(TOS_SET), C(DF_SET), C(IPID_SET) } }) },
	{ "dtls: IPv4 DF clear",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .df = PMARK_DF_CLEAR) },
		  .pkt = { DTLS(), .df = true }, .want = { .df = DF_OFF },
		  .cnt = { DMARKED, C(DF_CLEARED) } }) },
	{ "dtls: IPv6 marked by record id: hop limit and traffic class",
	  PEERS(PEER6),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 3, .tos = SET(0x88)) },
		  .pkt = { DTLS(), .ipv6 = true, .tos = 0x47 },
		  .want = { .ttl = 3, .tos = SET(0x88) },
		  .cnt = { DMARKED, C(TTL_SET), C(TOS_SET) } }) },
	{ "dtls: IPv6 DF and IP ID are not applicable, the rest applies",
	  PEERS(PEER6),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 5, .df = PMARK_DF_SET,
				   .ip_id = SET(7)) },
		  .pkt = { DTLS(), .ipv6 = true }, .want = { .ttl = 5 },
		  .cnt = { DMARKED, C(TTL_SET), [PMARK_CNT_NOT_APPLICABLE] = 2 } }) },
	{ "dtls: IPv6 after hop-by-hop and destination options headers",
	  PEERS(PEER6),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 6) },
		  .pkt = { DTLS(), .ipv6 = true, EXT6(0, 60) }, .want = { .ttl = 6 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: IPv4 behind an 802.1Q tag",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 6) },
		  .pkt = { DTLS(), .vlans = 1 }, .want = { .ttl = 6 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: IPv4 on a bare IP device (pmark_egress_l3)",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 6) },
		  .pkt = { DTLS(), .bare_ip = true }, .want = { .ttl = 6 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: DTLS 1.0 record header (version 0xfeff)",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 6) },
		  .pkt = { DTLS(.version = SET(0xfeff)) }, .want = { .ttl = 6 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: high epoch, sequence beyond 32 bits",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(0xfffe, HIGH_SEQ, .ttl = 12) },
		  .pkt = { DTLS(.epoch = SET(0xfffe), .seq = HIGH_SEQ) }, .want = { .ttl = 12 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: two peers of one port, each marked by its own tag's record",
	  PEERS(PEER4, { .dport = DPORT + 1 }),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4),
			   MARK_REC_P(2, DTLS_EPOCH, DTLS_SEQ, .ttl = 8) },
		  .pkt = { DTLS(), .dport = DPORT + 1 }, .want = { .ttl = 8 },
		  .cnt = { DMARKED, C(TTL_SET) } },
		{ .pkt = { DTLS() }, .want = { .ttl = 4 }, .cnt = { DMARKED, C(TTL_SET) } }) },

	/* ---- the key must match: tag, epoch and sequence */
	{ "dtls: record of another epoch: no_record",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH + 1, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(NO_RECORD) } }) },
	{ "dtls: record of another sequence number: no_record",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ + 1, .ttl = 4) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(NO_RECORD) } }) },
	{ "dtls: sequence + ring size takes the slot: the older number is unmarked",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4),
			   MARK_REC(DTLS_EPOCH, DTLS_SEQ + TEST_RING_SIZE, .ttl = 5) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(NO_RECORD) } },
		{ .pkt = { DTLS(.seq = DTLS_SEQ + TEST_RING_SIZE) }, .want = { .ttl = 5 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },
	{ "dtls: record under another peer's tag: no_record",
	  PEERS(PEER4, { .dport = DPORT + 1 }),
	  STEPS({ .act = { MARK_REC_P(2, DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(NO_RECORD) } }) },
	{ "dtls: an SCTP record of the same number does not mark a DTLS record",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK(DTLS_SEQ, .ttl = 4) }, .pkt = { DTLS() },
		  .cnt = { DLEFT(NO_RECORD) } }) },
	{ "dtls: application data at epoch 0 has no record",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(.epoch = SET(0)) }, .cnt = { DLEFT(NO_RECORD) } }) },

	/* ---- records that are not application data */
	{ "dtls: handshake record (type 22): dtls_not_appdata, unmarked",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(.type = SET(22)) }, .cnt = { DLEFT(DTLS_NOT_APPDATA) } }) },
	{ "dtls: alert record (type 21) at epoch 0: dtls_not_appdata",
	  PEERS(PEER6),
	  STEPS({ .pkt = { DTLS(.type = SET(21), .epoch = SET(0)), .ipv6 = true },
		  .cnt = { DLEFT(DTLS_NOT_APPDATA) } }) },

	/* ---- the record's life, as for SCTP records */
	{ "dtls: once: first transmission marked, retransmission not",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4, .once = true) },
		  .pkt = { DTLS() }, .want = { .ttl = 4 }, .cnt = { DMARKED, C(TTL_SET) } },
		{ .pkt = { DTLS() }, .cnt = { DLEFT(ONCE_CONSUMED) } }) },
	{ "dtls: expired (1 ms, run after 5 ms)",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4, .expire_ms = 1), SLEEP_MS(5) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(EXPIRED) } }) },
	{ "dtls: owned by another socket: owner_mismatch",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4, .owner = SOME_COOKIE) },
		  .pkt = { DTLS() }, .cnt = { DLEFT(OWNER_MISMATCH) } }) },
	{ "dtls: half-written record: busy, then applied once written",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4), REC_WRITE_BEGIN },
		  .pkt = { DTLS() }, .cnt = { DLEFT(BUSY) } },
		{ .act = { REC_WRITE_END }, .pkt = { DTLS() }, .want = { .ttl = 4 },
		  .cnt = { DMARKED, C(TTL_SET) } }) },

	/* ---- peers not in "dtls" and ports */
	{ "dtls: peer not protected on a port with protected peers: parsed as SCTP, dtls_no_peer",
	  PEERS({ .dport = DPORT + 1 }),
	  STEPS({ .act = { MARK(TSN, .ttl = 4) }, .want = { .ttl = 4 },
		  .cnt = { MARKED, C(TTL_SET), C(DTLS_NO_PEER) } }) },
	{ "dtls: IPv4 datagram to the address of an IPv6 peer's family only: dtls_no_peer",
	  PEERS(PEER6),
	  STEPS({ .act = { MARK(TSN, .ttl = 4) }, .want = { .ttl = 4 },
		  .cnt = { MARKED, C(TTL_SET), C(DTLS_NO_PEER) } }) },
	{ "dtls: DTLS bytes to a peer not protected: read as SCTP, not marked",
	  PEERS({ .dport = DPORT + 1 }),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS() }, .cnt = { REFUSED(MALFORMED), C(DTLS_NO_PEER) } }) },
	{ "dtls: a port with peers but not registered: not ours",
	  .ports = { 6000 }, PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS() }, .cnt = { REFUSED(NOT_OURS) } }) },

	/* ---- malformed and short: passed unchanged, counted */
	{ "dtls: packet ends inside the record header: truncated",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(), .cut = { AT_DTLS, 7 } }, .cnt = { REFUSED(TRUNCATED) } }) },
	{ "dtls: IPv6 packet ends inside the record header: truncated",
	  PEERS(PEER6),
	  STEPS({ .pkt = { DTLS(), .ipv6 = true, .cut = { AT_DTLS, 12 } },
		  .cnt = { REFUSED(TRUNCATED) } }) },
	{ "dtls: UDP payload shorter than a record header: malformed",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(), .udp_len = SET(8 + 12) }, .cnt = { REFUSED(MALFORMED) } }) },
	{ "dtls: IP datagram ends inside the record header: malformed",
	  PEERS(PEER4),
	  STEPS({ .pkt = { DTLS(), .ip_len = SET(20 + 8 + 10) }, .cnt = { REFUSED(MALFORMED) } }) },
	{ "dtls: record longer than the datagram: malformed",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(.len = SET(DTLS_BODY + 1)) }, .cnt = { REFUSED(MALFORMED) } }) },
	{ "dtls: not a DTLS version (TLS 1.2, 0x0303): malformed",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 4) },
		  .pkt = { DTLS(.version = SET(0x0303)) }, .cnt = { REFUSED(MALFORMED) } }) },
	{ "dtls: a plain SCTP packet to a protected peer is no DTLS record: malformed",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK(TSN, .ttl = 4) }, .cnt = { REFUSED(MALFORMED) } }) },

	/* ---- IP fragments follow the first, as for SCTP */
	{ "dtls: IPv4 fragments: first marked by record id, later follows",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 7, .tos = SET(0x20)) },
		  FIRST(DTLS()), .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { DMARKED, C(TTL_SET), C(TOS_SET) } },
		{ LATER(DTLS()), .want = { .ttl = 7, .tos = SET(0x20) },
		  .cnt = { FOLLOWED, C(TTL_SET), C(TOS_SET) } }) },
	{ "dtls: IPv6 fragments: first marked by record id, later follows",
	  PEERS(PEER6),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 7) },
		  FIRST(DTLS(), .ipv6 = true), .want = { .ttl = 7 },
		  .cnt = { DMARKED, C(TTL_SET) } },
		{ LATER(DTLS(), .ipv6 = true), .want = { .ttl = 7 },
		  .cnt = { FOLLOWED, C(TTL_SET) } }) },
	{ "dtls: IPv4 ID reused by an unmarked protected datagram: its later fragment unmarked",
	  PEERS(PEER4),
	  STEPS({ .act = { MARK_REC(DTLS_EPOCH, DTLS_SEQ, .ttl = 7) }, FIRST(DTLS()),
		  .want = { .ttl = 7 }, .cnt = { DMARKED, C(TTL_SET) } },
		{ FIRST(DTLS(.type = SET(22))), .cnt = { DLEFT(DTLS_NOT_APPDATA) } },
		{ LATER(DTLS(.type = SET(22))), .cnt = { C(SEEN), C(FRAG_UNKNOWN) } }) },
};

const struct case_table dtls_cases = { rows, ARRAY_SIZE(rows) };
