/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The payload of every message pmark-send sends: a contract with pmark-sink
 * and with the test checkers that read the wire.
 *
 * A message of len bytes starts with a 24-byte header, all numbers big-endian:
 *
 *   0..3    "PMK1"
 *   4       ttl asked for (0: left as the kernel set it)
 *   5       tos value asked for
 *   6       tos mask (0: tos left; a whole-byte tos has 0xff here)
 *   7       df: 0 leave, 1 set, 2 clear (enum pmark_df)
 *   8       flags: bit 0 once, bit 1 unordered, bit 2 PR-SCTP
 *   9       0 (reserved)
 *   10..11  index of the sending thread (0 ..)
 *   12..15  sequence number of the message within its thread (0 ..)
 *   16..19  total length of the message, len
 *   20..21  SCTP stream
 *   22..23  0
 *
 * and byte i, for 24 <= i < len, is (seq + i) & 0xff.
 *
 * A message shorter than 24 bytes carries the first len bytes of that
 * header and nothing else; it cannot be verified (pmark-sink counts it
 * "unverifiable").  The header says what the sender asked for; whether the
 * IP header got it is for the one who reads the wire to check.
 *
 * Unless told otherwise (--ppid), pmark-send also puts the options in the
 * PPID of the message, which every DATA chunk of it carries (the header is
 * in the first chunk only), as tests/net/check_marks.py reads it:
 *
 *   bits 31..24  ttl (0: leave)      bits 15..8  tos mask (0: tos left)
 *   bits 23..16  tos value           bits 7..6   df (0 leave, 1 set, 2 clear)
 *   bit 5        once                bits 4..0   thread & 31
 */
#ifndef PMARK_PAYLOAD_H
#define PMARK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PMK_MAGIC "PMK1"
#define PMK_HDR_LEN 24

#define PMK_F_ONCE      0x01
#define PMK_F_UNORDERED 0x02
#define PMK_F_PR        0x04

struct pmk_hdr {
	uint8_t ttl, tos, tos_mask, df, flags;
	uint16_t thread;
	uint32_t seq;
	uint32_t len;            /* filled in by pmk_build */
	uint16_t stream;
};

/* The PPID that carries h's options and thread (see above). */
uint32_t pmk_ppid(const struct pmk_hdr *h);

/* Write a whole message of len bytes into buf (sets h->len = len). */
void pmk_build(uint8_t *buf, size_t len, struct pmk_hdr *h);
/*
 * Rewrite only what changes from one message to the next of the same
 * thread (sequence number and fill) in a buffer pmk_build filled before.
 */
void pmk_next(uint8_t *buf, size_t len, uint32_t seq);

enum pmk_verdict {
	PMK_INTACT = 0,          /* header and fill as the format says, length matches */
	PMK_CORRUPT,             /* 24 bytes or more, and something differs */
	PMK_UNVERIFIABLE,        /* shorter than 24 bytes */
};

/* Check a received message; *h (if not NULL) gets the header when len >= 24. */
enum pmk_verdict pmk_check(const uint8_t *buf, size_t len, struct pmk_hdr *h);

#endif
