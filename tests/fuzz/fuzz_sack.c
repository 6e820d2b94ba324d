// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for pm_sack_parse: one input is one SACK or NR-SACK
 * chunk (no common header).  The harness puts a fixed common header in
 * front so the chunk goes through pm_packet_parse as it does in the
 * endpoint, then checks that pm_sack_parse accepts exactly the chunks whose
 * gap, NR gap and duplicate TSN lists fit in the chunk's length field (not
 * its padding, not the rest of the packet).  See docs/fuzzing.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sctp_wire.h"

#include "fuzz_check.h"

/* Keeps the list walk from being optimized away. */
static volatile uint32_t sink;

/*
 * Read every list entry the way a consumer of an accepted SACK would, from a
 * copy of exactly len bytes: if the lists ran past the length field, ASan
 * reports the read.
 */
static void walk_lists(const uint8_t *chunk, uint32_t len, uint32_t hdr, uint32_t entries)
{
	uint8_t *copy = malloc(len);
	uint32_t acc = 0;

	CHECK(copy);
	memcpy(copy, chunk, len);
	for (uint32_t i = 0; i < entries; i++)
		acc ^= be32(copy + hdr + 4 * i);
	sink = acc;
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A SCTP common header as usrsctp sends it over UDP: ports, vtag, CRC (unchecked here). */
	static const uint8_t common[PM_SCTP_HDR_LEN] = { 0x13, 0x88, 0x13, 0x88, 0x5e, 0xa1,
							 0x7c, 0x01, 0, 0, 0, 0 };
	struct pm_chunk c[2];
	struct pm_packet h;
	struct pm_sack s;
	size_t clen, span, plen, total = 0;
	const uint8_t *p;
	uint8_t *pkt;
	uint32_t hdr, entries;
	uint64_t need;
	int rc;

	if (size < 4)
		return 0;
	if (size > 0xffff)  /* a chunk length is 16 bits */
		size = 0xffff;
	/*
	 * Keep the fuzzer on the two types: any other type byte is folded onto
	 * SACK or NR-SACK, and a length field the input cannot hold is replaced
	 * by the input's size, so almost every input reaches pm_sack_parse.
	 */
	clen = be16(data + 2);
	if (clen < 4 || clen > size)
		clen = size;
	span = (clen + 3) & ~(size_t)3;
	if (span > size)
		span = size;
	plen = PM_SCTP_HDR_LEN + span;
	pkt = malloc(plen);  /* exactly the packet: ASan sees a read past it */
	CHECK(pkt);
	memcpy(pkt, common, PM_SCTP_HDR_LEN);
	memcpy(pkt + PM_SCTP_HDR_LEN, data, span);
	if (pkt[12] != PM_CHUNK_SACK && pkt[12] != PM_CHUNK_NR_SACK)
		pkt[12] = (pkt[12] & 1) ? PM_CHUNK_NR_SACK : PM_CHUNK_SACK;
	pkt[14] = (uint8_t)(clen >> 8);
	pkt[15] = (uint8_t)clen;

	CHECK(pm_packet_parse(pkt, plen, &h, c, 2, &total) == 1 && total == 1);
	CHECK(c[0].off == PM_SCTP_HDR_LEN && c[0].len == clen && c[0].span == span);

	/* What the chunk needs, in 64 bits so no count can wrap it. */
	p = pkt + PM_SCTP_HDR_LEN;
	if (c[0].type == PM_CHUNK_SACK) {
		hdr = 16;
		entries = clen >= hdr ? (uint32_t)be16(p + 12) + be16(p + 14) : 0;
	} else {
		hdr = 20;
		entries = clen >= hdr ? (uint32_t)be16(p + 12) + be16(p + 14) + be16(p + 16) : 0;
	}
	need = hdr + 4 * (uint64_t)entries;

	rc = pm_sack_parse(pkt, &c[0], &s);
	if (clen < hdr || need > clen) {
		CHECK(rc == -EINVAL);
		free(pkt);
		return 0;
	}
	CHECK(rc == 0);
	CHECK(s.cum_tsn_ack == be32(p + 4) && s.a_rwnd == be32(p + 8));
	CHECK(s.gaps == be16(p + 12) && s.dups == be16(p + (hdr == 16 ? 14 : 16)));
	walk_lists(p, (uint32_t)clen, hdr, entries);
	free(pkt);
	return 0;
}
