// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: one input is one SCTP packet (common header and
 * chunks) as it would arrive in a UDP datagram.  It drives every parser of
 * user/lib/sctp_wire.c and the rebuild, and checks what each promises in
 * sctp_wire.h.  A broken promise calls abort(), so libFuzzer reports the
 * input like a sanitizer finding.  See docs/fuzzing.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sctp_wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
#include "fuzz_check.h"

/* Small on purpose: packets with more chunks test the truncation to max. */
#define SMALL 4

/* Bit-at-a-time CRC32c: slow but obviously right, the oracle for the sliced one. */
static uint32_t crc_ref(const uint8_t *p, size_t len, size_t zero_from, size_t zero_to)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= (i >= zero_from && i < zero_to) ? 0 : p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

/*
 * The chunk walk written independently of the library (in size_t, padding
 * computed another way): the number of chunks, or -1 if the packet is
 * malformed.  pm_packet_parse must agree with it exactly.
 */
static long ref_count(const uint8_t *p, size_t len)
{
	size_t off = PM_SCTP_HDR_LEN;
	long n = 0;

	if (len < PM_SCTP_HDR_LEN)
		return -1;
	while (off < len) {
		size_t clen, pad;

		if (off + 4 > len)
			return -1;
		clen = be16(p + off + 2);
		if (clen < 4 || off + clen > len)
			return -1;
		pad = (4 - clen % 4) % 4;
		off += clen + pad;  /* may pass len: the last chunk's padding is optional */
		n++;
	}
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t v[] = "123456789";

	(void)argc;
	(void)argv;
	/* CRC-32C's catalogued check value: a wrong table fails before the first input. */
	CHECK(pm_crc32c(v, 9) == 0xE3069283u);
	return 0;
}

/* The chunk fields as pm_packet_parse promises them, and the walk's tiling. */
static void check_chunks(const uint8_t *pkt, size_t len, const struct pm_chunk *c, size_t n,
			 bool complete)
{
	size_t next = PM_SCTP_HDR_LEN;

	for (size_t i = 0; i < n; i++) {
		/* Back to back from the common header on: increasing, no overlap, no hole. */
		CHECK(c[i].off == next);
		CHECK(c[i].len >= 4 && c[i].span >= c[i].len);
		CHECK((size_t)c[i].off + c[i].span <= len);
		CHECK(c[i].span - c[i].len < 4);
		/* span is len padded to 4 unless the packet ends first. */
		CHECK(c[i].span % 4 == 0 || (size_t)c[i].off + c[i].span == len);
		CHECK(c[i].len == be16(pkt + c[i].off + 2));
		CHECK(c[i].type == pkt[c[i].off] && c[i].flags == pkt[c[i].off + 1]);
		next = (size_t)c[i].off + c[i].span;
	}
	if (complete)
		CHECK(next == len);
}

static void check_data(const uint8_t *pkt, size_t len, const struct pm_chunk *c)
{
	struct pm_data d;
	const uint8_t *p = pkt + c->off;
	int rc = pm_data_parse(pkt, c, &d);
	size_t hdr = c->type == PM_CHUNK_DATA ? 16 : c->type == PM_CHUNK_IDATA ? 20 : 0;

	if (!hdr || c->len < hdr) {
		CHECK(rc == -EINVAL);
		return;
	}
	CHECK(rc == 0);
	CHECK(d.payload_off == c->off + hdr && d.payload_len == c->len - hdr);
	CHECK((size_t)d.payload_off + d.payload_len <= len);
	CHECK(d.flags == c->flags && d.idata == (c->type == PM_CHUNK_IDATA));
	CHECK(d.tsn == be32(p + 4) && d.sid == be16(p + 8));
	if (!d.idata) {
		CHECK(d.mid == be16(p + 10) && d.fsn == 0 && memcmp(&d.ppid, p + 12, 4) == 0);
	} else {
		CHECK(d.mid == be32(p + 12));
		/* I-DATA carries the PPID on the first fragment, the FSN on the others. */
		if (c->flags & PM_DATA_B)
			CHECK(d.fsn == 0 && memcmp(&d.ppid, p + 16, 4) == 0);
		else
			CHECK(d.ppid == 0 && d.fsn == be32(p + 16));
	}
}

static void check_sack(const uint8_t *pkt, const struct pm_chunk *c)
{
	struct pm_sack s;
	const uint8_t *p = pkt + c->off;
	int rc = pm_sack_parse(pkt, c, &s);
	uint64_t need;

	if (c->type == PM_CHUNK_SACK && c->len >= 16)
		need = 16 + 4 * ((uint64_t)be16(p + 12) + be16(p + 14));
	else if (c->type == PM_CHUNK_NR_SACK && c->len >= 20)
		need = 20 + 4 * ((uint64_t)be16(p + 12) + be16(p + 14) + be16(p + 16));
	else
		need = UINT64_MAX;
	if (need > c->len) {
		CHECK(rc == -EINVAL);
		return;
	}
	CHECK(rc == 0);
	CHECK(s.cum_tsn_ack == be32(p + 4) && s.a_rwnd == be32(p + 8));
	CHECK(s.gaps == be16(p + 12) && s.dups == be16(p + (c->type == PM_CHUNK_SACK ? 14 : 16)));
}

static void check_init(const uint8_t *pkt, const struct pm_chunk *c)
{
	uint32_t tag = 0;
	int rc = pm_init_tag(pkt, c, &tag);
	bool init = c->type == PM_CHUNK_INIT || c->type == PM_CHUNK_INIT_ACK;

	if (!init || c->len < 20 || be32(pkt + c->off + 4) == 0) {
		CHECK(rc == -EINVAL);
		return;
	}
	CHECK(rc == 0 && tag == be32(pkt + c->off + 4));
}

/*
 * Rebuild from picked[0..n) into a buffer of exactly pm_build_len bytes (so
 * ASan sees any write past it), then check the CRC and that a parse of the
 * result gives back the picked chunks, byte for byte, in order.
 */
static void check_build(const uint8_t *pkt, const struct pm_chunk *c, const uint32_t *picked,
			size_t n)
{
	size_t blen = pm_build_len(c, picked, n), total = 0, want = PM_SCTP_HDR_LEN;
	uint8_t *out = malloc(blen);
	struct pm_chunk *rc = malloc((n ? n : 1) * sizeof(*rc));
	struct pm_packet h;

	CHECK(out && rc);
	for (size_t i = 0; i < n; i++)
		want += (c[picked[i]].len + 3u) & ~3u;
	CHECK(blen == want);
	CHECK(pm_build(pkt, c, picked, n, out) == blen);
	CHECK(pm_crc_ok(out, blen));
	CHECK(crc_ref(out, blen, 8, 12) == (uint32_t)(out[8] | out[9] << 8 | out[10] << 16 |
						       (uint32_t)out[11] << 24));
	CHECK(memcmp(out, pkt, 8) == 0);
	CHECK(pm_packet_parse(out, blen, &h, rc, n, &total) == (int)n && total == n);
	for (size_t i = 0; i < n; i++) {
		const struct pm_chunk *o = &c[picked[i]];

		CHECK(rc[i].type == o->type && rc[i].flags == o->flags && rc[i].len == o->len);
		CHECK(rc[i].span == ((o->len + 3u) & ~3u));
		CHECK(memcmp(out + rc[i].off, pkt + o->off, o->len) == 0);
		for (uint32_t k = rc[i].len; k < rc[i].span; k++)
			CHECK(out[rc[i].off + k] == 0);
	}
	free(rc);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes: any read past the packet is an ASan report. */
	uint8_t *pkt = malloc(size ? size : 1);
	struct pm_chunk small[SMALL + 1], *all;
	struct pm_packet hdr;
	size_t total = 0, total_all = 0, cap, ndata = 0;
	uint32_t *picked;
	long want;
	int n;

	CHECK(pkt);
	memcpy(pkt, data, size);
	want = ref_count(pkt, size);

	/* The sliced CRC against the bitwise one, both over the field as 0. */
	if (size >= PM_SCTP_HDR_LEN) {
		uint32_t carried;

		memcpy(&carried, pkt + 8, 4);
		CHECK(pm_crc_ok(pkt, size) == (crc_ref(pkt, size, 8, 12) == carried));
	} else {
		CHECK(!pm_crc_ok(pkt, size));
	}

	/* A small array: at most SMALL stored, the one past it untouched. */
	memset(&small[SMALL], 0xa5, sizeof(small[SMALL]));
	n = pm_packet_parse(pkt, size, &hdr, small, SMALL, &total);
	for (size_t i = 0; i < sizeof(small[SMALL]); i++)
		CHECK(((const uint8_t *)&small[SMALL])[i] == 0xa5);
	if (want < 0) {
		CHECK(n == -EINVAL);
		free(pkt);
		return 0;
	}
	CHECK(n >= 0 && (size_t)want == total && (size_t)n == (total < SMALL ? total : SMALL));
	CHECK(hdr.sport == be16(pkt) && hdr.dport == be16(pkt + 2) && hdr.vtag == be32(pkt + 4));
	CHECK(memcmp(&hdr.crc, pkt + 8, 4) == 0);
	check_chunks(pkt, size, small, (size_t)n, total <= SMALL);

	/* Room for every chunk there can be (4 bytes each at least): the whole walk. */
	cap = (size - PM_SCTP_HDR_LEN) / 4 + 1;
	all = malloc(cap * sizeof(*all));
	picked = malloc(cap * sizeof(*picked));
	CHECK(all && picked);
	CHECK(pm_packet_parse(pkt, size, &hdr, all, cap, &total_all) == (int)total);
	CHECK(total_all == total && total <= cap - 1);
	check_chunks(pkt, size, all, total, true);
	for (int i = 0; i < n; i++)  /* field by field: struct padding is unspecified */
		CHECK(all[i].off == small[i].off && all[i].len == small[i].len &&
		      all[i].span == small[i].span && all[i].type == small[i].type &&
		      all[i].flags == small[i].flags);

	/* Every parser on every chunk: each must refuse the types that are not its own. */
	for (size_t i = 0; i < total; i++) {
		check_data(pkt, size, &all[i]);
		check_sack(pkt, &all[i]);
		check_init(pkt, &all[i]);
	}

	/* Rebuilds: every chunk; only the DATA / I-DATA ones (what the marker splits out); reversed. */
	for (size_t i = 0; i < total; i++)
		picked[i] = (uint32_t)i;
	check_build(pkt, all, picked, total);
	for (size_t i = 0; i < total; i++)
		if (pm_is_data(all[i].type))
			picked[ndata++] = (uint32_t)i;
	check_build(pkt, all, picked, ndata);
	for (size_t i = 0; i < total; i++)
		picked[i] = (uint32_t)(total - 1 - i);
	check_build(pkt, all, picked, total);

	free(picked);
	free(all);
	free(pkt);
	return 0;
}
