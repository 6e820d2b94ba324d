// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The PMK1 message payload: building and checking (see payload.h). */
#include <string.h>
#include "payload.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fill(uint8_t *buf, size_t len, uint32_t seq)
{
	uint8_t v = (uint8_t)(seq + PMK_HDR_LEN);
	size_t i;

	for (i = PMK_HDR_LEN; i < len; i++)
		buf[i] = v++;
}

uint32_t pmk_ppid(const struct pmk_hdr *h)
{
	return (uint32_t)h->ttl << 24 | (uint32_t)h->tos << 16 | (uint32_t)h->tos_mask << 8 |
	       (uint32_t)(h->df & 3) << 6 | (h->flags & PMK_F_ONCE ? 1u << 5 : 0) | (h->thread & 31u);
}

void pmk_build(uint8_t *buf, size_t len, struct pmk_hdr *h)
{
	uint8_t hdr[PMK_HDR_LEN] = { 0 };

	h->len = (uint32_t)len;
	memcpy(hdr, PMK_MAGIC, 4);
	hdr[4] = h->ttl;
	hdr[5] = h->tos;
	hdr[6] = h->tos_mask;
	hdr[7] = h->df;
	hdr[8] = h->flags;
	put16(hdr + 10, h->thread);
	put32(hdr + 12, h->seq);
	put32(hdr + 16, h->len);
	put16(hdr + 20, h->stream);
	memcpy(buf, hdr, len < PMK_HDR_LEN ? len : PMK_HDR_LEN);
	fill(buf, len, h->seq);
}

void pmk_next(uint8_t *buf, size_t len, uint32_t seq)
{
	uint8_t s[4];

	put32(s, seq);
	if (len > 12)
		memcpy(buf + 12, s, len < 16 ? len - 12 : 4);
	fill(buf, len, seq);
}

enum pmk_verdict pmk_check(const uint8_t *buf, size_t len, struct pmk_hdr *h)
{
	struct pmk_hdr tmp;
	uint8_t v;
	size_t i;

	if (len < PMK_HDR_LEN)
		return PMK_UNVERIFIABLE;
	if (!h)
		h = &tmp;
	h->ttl = buf[4];
	h->tos = buf[5];
	h->tos_mask = buf[6];
	h->df = buf[7];
	h->flags = buf[8];
	h->thread = get16(buf + 10);
	h->seq = get32(buf + 12);
	h->len = get32(buf + 16);
	h->stream = get16(buf + 20);
	if (memcmp(buf, PMK_MAGIC, 4) || buf[9] || buf[22] || buf[23] || h->len != len ||
	    h->df > 2 || (h->flags & ~(PMK_F_ONCE | PMK_F_UNORDERED | PMK_F_PR)))
		return PMK_CORRUPT;
	v = (uint8_t)(h->seq + PMK_HDR_LEN);
	for (i = PMK_HDR_LEN; i < len; i++, v++)
		if (buf[i] != v)
			return PMK_CORRUPT;
	return PMK_INTACT;
}
