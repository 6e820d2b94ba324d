// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The chunk walk: which chunk's TSN is looked up, and where the walk stops. */
#include "cases.h"

#define TTL9 .act = { MARK(TSN, .ttl = 9) }, .want = { .ttl = 9 }, \
	     .cnt = { MARKED, C(TTL_SET) }

/*
 * The walk reads at most PMARK_MAX_CHUNKS (16) chunk headers and none that
 * starts beyond frame offset PMARK_MAX_WALK_OFF (2048).  On a bare IPv4
 * packet the first chunk is at 20 + 8 + 12 = 40, so a PAD chunk of
 * 4 + 2004 bytes puts the DATA chunk at 2048.
 */
#define CONTROL_15 { .type = CT_HEARTBEAT, .count = 15 }
#define CONTROL_16 { .type = CT_HEARTBEAT, .count = 16 }
#define PAD_TO_2048 { .type = CT_PAD, .body = 2004 }
#define PAD_TO_2052 { .type = CT_PAD, .body = 2008 }

static const struct prog_case rows[] = {
	{ "chunks: DATA first", STEPS({ TTL9, .pkt = { CHUNKS(DATA(TSN)) } }) },
	{ "chunks: SACK then DATA", STEPS({ TTL9, .pkt = { CHUNKS(SACK, DATA(TSN)) } }) },
	{ "chunks: SACK, HEARTBEAT, FORWARD-TSN, COOKIE-ACK then DATA",
	  STEPS({ TTL9, .pkt = { CHUNKS(SACK, HEARTBEAT, FORWARD_TSN, COOKIE_ACK, DATA(TSN)) } }) },
	{ "chunks: odd-length chunk before DATA (padding skipped)",
	  STEPS({ TTL9, .pkt = { CHUNKS({ .type = CT_PAD, .body = 3 }, DATA(TSN)) } }) },
	{ "chunks: two DATA chunks, the first one's TSN counts",
	  STEPS({ .act = { MARK(TSN, .ttl = 10), MARK(TSN + 1, .ttl = 11) },
		  .pkt = { CHUNKS(DATA(TSN), DATA(TSN + 1)) },
		  .want = { .ttl = 10 }, .cnt = { MARKED, C(TTL_SET) } }) },
	{ "chunks: two DATA chunks, record for the second only: no_record",
	  STEPS({ .act = { MARK(TSN + 1, .ttl = 11) },
		  .pkt = { CHUNKS(DATA(TSN), DATA(TSN + 1)) },
		  .cnt = { LEFT(NO_RECORD) } }) },
	{ "chunks: I-DATA", STEPS({ TTL9, .pkt = { CHUNKS(IDATA(TSN)) } }) },
	{ "chunks: SACK then I-DATA on IPv6",
	  STEPS({ TTL9, .pkt = { .ipv6 = true, CHUNKS(SACK, IDATA(TSN)) } }) },
	{ "chunks: control chunks only: no_data",
	  STEPS({ .act = { MARK(TSN, .ttl = 9) }, .pkt = { CHUNKS(SACK, HEARTBEAT) },
		  .cnt = { LEFT(NO_DATA) } }) },
	{ "chunks: DATA past the UDP length is not looked at: no_data",
	  STEPS({ .act = { MARK(TSN, .ttl = 9) },
		  .pkt = { CHUNKS(SACK, DATA(TSN)), .udp_len = SET(8 + 12 + 16) },
		  .cnt = { LEFT(NO_DATA) } }) },
	{ "chunks: 16 control chunks only: no_data",
	  STEPS({ .pkt = { CHUNKS(CONTROL_16) }, .cnt = { LEFT(NO_DATA) } }) },
	{ "chunks: DATA as the 16th chunk (last one walked)",
	  STEPS({ TTL9, .pkt = { CHUNKS(CONTROL_15, DATA(TSN)) } }) },
	{ "chunks: DATA after 16 control chunks: walk_limit, unchanged",
	  STEPS({ .act = { MARK(TSN, .ttl = 9) }, .pkt = { CHUNKS(CONTROL_16, DATA(TSN)) },
		  .cnt = { REFUSED(WALK_LIMIT) } }) },
	{ "chunks: DATA at frame offset 2048 (last offset walked)",
	  STEPS({ TTL9, .pkt = { .bare_ip = true, CHUNKS(PAD_TO_2048, DATA(TSN)) } }) },
	{ "chunks: DATA at frame offset 2052: walk_limit, unchanged",
	  STEPS({ .act = { MARK(TSN, .ttl = 9) },
		  .pkt = { .bare_ip = true, CHUNKS(PAD_TO_2052, DATA(TSN)) },
		  .cnt = { REFUSED(WALK_LIMIT) } }) },
};

const struct case_table chunk_cases = { rows, ARRAY_SIZE(rows) };
