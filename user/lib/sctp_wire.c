/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>
#include "sctp_wire.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int pm_packet_parse(const uint8_t *pkt, size_t len, struct pm_packet *hdr,
		    struct pm_chunk *chunks, size_t max, size_t *total)
{
	size_t off = PM_SCTP_HDR_LEN, n = 0;

	if (len < PM_SCTP_HDR_LEN)
		return -EINVAL;
	hdr->sport = rd16(pkt);
	hdr->dport = rd16(pkt + 2);
	hdr->vtag = rd32(pkt + 4);
	memcpy(&hdr->crc, pkt + 8, 4);
	while (off < len) {
		uint32_t clen, span;

		if (len - off < 4)
			return -EINVAL;
		clen = rd16(pkt + off + 2);
		if (clen < 4 || clen > len - off)
			return -EINVAL;
		span = (clen + 3u) & ~3u;
		if (span > len - off)
			span = (uint32_t)(len - off);  /* the last chunk may omit its padding */
		if (n < max)
			chunks[n] = (struct pm_chunk){ .off = (uint32_t)off, .len = clen, .span = span,
						       .type = pkt[off], .flags = pkt[off + 1] };
		n++;
		off += span;
	}
	if (total)
		*total = n;
	return (int)(n < max ? n : max);
}

int pm_data_parse(const uint8_t *pkt, const struct pm_chunk *c, struct pm_data *d)
{
	const uint8_t *p = pkt + c->off;

	memset(d, 0, sizeof(*d));
	d->flags = c->flags;
	if (c->type == PM_CHUNK_DATA) {
		if (c->len < 16)
			return -EINVAL;
		d->tsn = rd32(p + 4);
		d->sid = rd16(p + 8);
		d->mid = rd16(p + 10);
		memcpy(&d->ppid, p + 12, 4);
		d->payload_off = c->off + 16;
		d->payload_len = c->len - 16;
		return 0;
	}
	if (c->type == PM_CHUNK_IDATA) {
		if (c->len < 20)
			return -EINVAL;
		d->idata = true;
		d->tsn = rd32(p + 4);
		d->sid = rd16(p + 8);
		d->mid = rd32(p + 12);
		if (c->flags & PM_DATA_B)
			memcpy(&d->ppid, p + 16, 4);
		else
			d->fsn = rd32(p + 16);
		d->payload_off = c->off + 20;
		d->payload_len = c->len - 20;
		return 0;
	}
	return -EINVAL;
}

int pm_sack_parse(const uint8_t *pkt, const struct pm_chunk *c, struct pm_sack *s)
{
	const uint8_t *p = pkt + c->off;
	uint32_t need;

	if (c->type == PM_CHUNK_SACK) {
		if (c->len < 16)
			return -EINVAL;
		s->gaps = rd16(p + 12);
		s->dups = rd16(p + 14);
		need = 16u + 4u * s->gaps + 4u * s->dups;
	} else if (c->type == PM_CHUNK_NR_SACK) {
		if (c->len < 20)
			return -EINVAL;
		s->gaps = rd16(p + 12);
		s->dups = rd16(p + 16);
		need = 20u + 4u * s->gaps + 4u * rd16(p + 14) + 4u * s->dups;
	} else {
		return -EINVAL;
	}
	if (need > c->len)
		return -EINVAL;
	s->cum_tsn_ack = rd32(p + 4);
	s->a_rwnd = rd32(p + 8);
	return 0;
}

void pm_sack_gap(const uint8_t *pkt, const struct pm_chunk *c, uint16_t i, uint16_t *start,
		 uint16_t *end)
{
	const uint8_t *p = pkt + c->off + (c->type == PM_CHUNK_NR_SACK ? 20 : 16) + 4u * i;

	*start = rd16(p);
	*end = rd16(p + 2);
}

void pm_quote_parse(const uint8_t *q, size_t len, struct pm_quote *out)
{
	memset(out, 0, sizeof(*out));
	if (len < PM_SCTP_HDR_LEN)
		return;
	out->has_hdr = true;
	out->sport = rd16(q);
	out->dport = rd16(q + 2);
	out->vtag = rd32(q + 4);
	if (len < PM_SCTP_HDR_LEN + 4)
		return;
	out->has_chunk = true;
	out->type = q[PM_SCTP_HDR_LEN];
	out->flags = q[PM_SCTP_HDR_LEN + 1];
	out->chunk_len = rd16(q + PM_SCTP_HDR_LEN + 2);
	/* A DATA chunk is at least 16 bytes (I-DATA 20); the TSN follows its header. */
	if (!pm_is_data(out->type) || out->chunk_len < (out->type == PM_CHUNK_IDATA ? 20 : 16) ||
	    len < PM_SCTP_HDR_LEN + 8)
		return;
	out->has_tsn = true;
	out->tsn = rd32(q + PM_SCTP_HDR_LEN + 4);
}

int pm_init_tag(const uint8_t *pkt, const struct pm_chunk *c, uint32_t *tag)
{
	if ((c->type != PM_CHUNK_INIT && c->type != PM_CHUNK_INIT_ACK) || c->len < 20)
		return -EINVAL;
	*tag = rd32(pkt + c->off + 4);
	return *tag ? 0 : -EINVAL;
}

size_t pm_build_len(const struct pm_chunk *chunks, const uint32_t *picked, size_t n)
{
	size_t len = PM_SCTP_HDR_LEN;

	for (size_t i = 0; i < n; i++)
		len += (chunks[picked[i]].len + 3u) & ~3u;
	return len;
}

size_t pm_build(const uint8_t *pkt, const struct pm_chunk *chunks, const uint32_t *picked,
		size_t n, uint8_t *out)
{
	size_t off = PM_SCTP_HDR_LEN;
	uint32_t crc;

	memcpy(out, pkt, 8);
	memset(out + 8, 0, 4);
	for (size_t i = 0; i < n; i++) {
		const struct pm_chunk *c = &chunks[picked[i]];
		uint32_t padded = (c->len + 3u) & ~3u;

		memcpy(out + off, pkt + c->off, c->len);
		memset(out + off + c->len, 0, padded - c->len);
		off += padded;
	}
	crc = pm_crc32c(out, off);
	memcpy(out + 8, &crc, 4);
	return off;
}

bool pm_dtls_record_id(const uint8_t *q, size_t len, uint64_t *record_id)
{
	/* content type 23, version 0xfefd (1.2) or 0xfeff (1.0), epoch, 48-bit sequence */
	if (len < 13 || q[0] != 23 || q[1] != 0xfe || (q[2] != 0xfd && q[2] != 0xff))
		return false;
	*record_id = (uint64_t)rd16(q + 3) << 48 | (uint64_t)rd16(q + 5) << 32 | rd32(q + 7);
	return true;
}
