// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the output path's bookkeeping: which message a DATA or
 * I-DATA chunk belongs to (chunkmap.c), option precedence, and the split of
 * a packet (sctp_wire.c).  Chunks are crafted the way usrsctp lays them out;
 * no usrsctp, no network, no privileges.  TAP output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ep_int.h"

static int test_no, failed;

static void check(bool cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++test_no, name);
	if (!cond)
		failed++;
}

static struct pmark_ep ep;

static struct pmark_conn *conn_make(void)
{
	struct pmark_conn *c = calloc(1, sizeof(*c));

	ep.mode = PMARK_MODE_CMSG;
	ep.cfg.streams = 1024;
	c->ep = &ep;
	c->seen_mask = 255;
	c->seen = calloc(256, sizeof(*c->seen));
	pthread_mutex_init(&c->map_lock, NULL);
	return c;
}

static void conn_drop(struct pmark_conn *c)
{
	for (uint32_t i = 0; i < c->nstreams; i++) {
		for (struct pm_desc *d = c->streams[i].head, *n; d; d = n) {
			n = d->next;
			free(d);
		}
		for (struct pm_desc *d = c->streams[i].active, *n; d; d = n) {
			n = d->next;
			free(d);
		}
		free(c->streams[i].cur);
	}
	free(c->streams);
	free(c->seen);
	free(c);
}

/* A message of len bytes whose bytes start with its number. */
static uint8_t *msg_bytes(uint32_t no, size_t len)
{
	uint8_t *b = malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(no * 31 + i);
	memcpy(b, &no, len < 4 ? len : 4);
	return b;
}

static uint32_t push(struct pmark_conn *c, uint16_t sid, bool unordered, int ttl, bool once,
		     const uint8_t *buf, size_t len)
{
	struct pmark_opts o = PMARK_OPTS_INIT;
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;
	int err = 0;

	o.ttl = ttl;
	o.once = once;
	so.stream = sid;
	so.unordered = unordered;
	so.ip = ttl == PMARK_LEAVE ? NULL : &o;
	return pm_desc_push(c, buf, len, &so, &err) ? 0 : (uint32_t)err;
}

/* One DATA (idata=false) or I-DATA chunk as usrsctp emits it, parsed back. */
static uint8_t pkt[4096];
static int chunk(struct pmark_conn *c, bool idata, uint32_t tsn, uint16_t sid, uint32_t mid,
		 uint8_t flags, const uint8_t *payload, uint32_t plen, uint32_t *key)
{
	uint32_t hl = idata ? 20 : 16, v;
	struct pm_chunk ch = { .off = 12, .len = hl + plen, .type = idata ? PM_CHUNK_IDATA : PM_CHUNK_DATA,
			       .flags = flags };
	struct pm_data d;
	struct pm_track_info ti;
	uint32_t expire;
	bool first;
	uint8_t *p = pkt + 12;

	memset(pkt, 0, 12 + hl);
	p[0] = ch.type;
	p[1] = flags;
	p[2] = (uint8_t)(ch.len >> 8);
	p[3] = (uint8_t)ch.len;
	v = htonl(tsn);
	memcpy(p + 4, &v, 4);
	p[8] = (uint8_t)(sid >> 8);
	p[9] = (uint8_t)sid;
	if (idata) {
		v = htonl(mid);
		memcpy(p + 12, &v, 4);
	} else {
		p[10] = (uint8_t)(mid >> 8);
		p[11] = (uint8_t)mid;
	}
	memcpy(p + hl, payload, plen);
	if (pm_data_parse(pkt, &ch, &d))
		return -999;
	return pm_chunk_key(c, pkt, &d, key, &expire, &first, &ti);
}

static uint32_t ttl_of(uint32_t key) { return pm_key_flags(key) & PMARK_F_TTL ? pm_key_ttl(key) : 0; }

#define B PM_DATA_B
#define E PM_DATA_E
#define U PM_DATA_U

static void test_fragments_and_order(void)
{
	struct pmark_conn *c = conn_make();
	uint8_t *m0 = msg_bytes(0, 3000), *m1 = msg_bytes(1, 100), *m2 = msg_bytes(2, 100);
	uint32_t k0 = 0, k1 = 0, k2 = 0, k3 = 0;

	push(c, 0, false, 10, false, m0, 3000);
	push(c, 0, false, 20, false, m1, 100);
	push(c, 3, false, 30, false, m2, 100);
	chunk(c, false, 100, 0, 0, B, m0, 1200, &k0);
	chunk(c, false, 101, 0, 0, 0, m0 + 1200, 1200, &k1);
	chunk(c, false, 102, 3, 0, B | E, m2, 100, &k3);   /* another stream in between */
	chunk(c, false, 103, 0, 0, E, m0 + 2400, 600, &k2);
	check(ttl_of(k0) == 10 && ttl_of(k1) == 10 && ttl_of(k2) == 10,
	      "fragments B, middle, E of one message all get its options");
	check(ttl_of(k3) == 30, "a message of another stream between them keeps its own");
	chunk(c, false, 104, 0, 1, B | E, m1, 100, &k0);
	check(ttl_of(k0) == 20, "the next message of the stream (SSN 1) gets its own options");
	k0 = 0;
	chunk(c, false, 101, 0, 0, 0, m0 + 1200, 1200, &k0);
	check(ttl_of(k0) == 10, "a retransmission carries the options of its first transmission");
	check(chunk(c, false, 105, 0, 2, B | E, m1, 100, &k0) == -ENOENT && k0 == 0,
	      "a chunk no queued message matches goes out unmarked (-ENOENT, key 0)");
	conn_drop(c);
	free(m0);
	free(m1);
	free(m2);
}

static void test_once_and_abandoned(void)
{
	struct pmark_conn *c = conn_make();
	uint8_t *a = msg_bytes(10, 40), *b = msg_bytes(11, 40), *p = msg_bytes(12, 40);
	uint32_t k = 0;

	push(c, 1, true, 1, true, p, 40);        /* a probe: unordered, TTL 1, once */
	chunk(c, false, 7, 1, 0, U | B | E, p, 40, &k);
	check(ttl_of(k) == 1 && (pm_key_flags(k) & PMARK_F_ONCE), "a once probe is marked on its first transmission");
	k = 1;
	chunk(c, false, 7, 1, 0, U | B | E, p, 40, &k);
	check(k == 0, "its retransmission goes out unmarked");
	/* a is abandoned by PR-SCTP before any chunk of it left: b's chunk skips it. */
	push(c, 1, true, 50, false, a, 40);
	push(c, 1, true, 60, false, b, 40);
	chunk(c, false, 8, 1, 0, U | B | E, b, 40, &k);
	check(ttl_of(k) == 60, "a message abandoned unsent is skipped, the next one matched by its bytes");
	check(c->streams[1].head == NULL, "and the abandoned one's descriptor is gone");
	/* ordered: SSN tells which message; a middle-way abandoned one is replaced on B. */
	push(c, 2, false, 70, false, a, 40);    /* SSN 0 */
	push(c, 2, false, 80, false, b, 40);    /* SSN 1 */
	chunk(c, false, 9, 2, 1, B | E, b, 40, &k);
	check(ttl_of(k) == 80, "ordered: SSN 1 is matched past an abandoned SSN 0");
	conn_drop(c);
	free(a);
	free(b);
	free(p);
}

static void test_out_of_order_first(void)
{
	struct pmark_conn *c = conn_make();
	uint8_t *a = msg_bytes(20, 40), *b = msg_bytes(21, 40), *z = msg_bytes(22, 40);
	uint32_t k = 0;

	push(c, 5, false, 4, false, z, 40);
	push(c, 0, false, 5, false, a, 40);
	push(c, 4, false, 6, false, b, 40);
	chunk(c, false, 299, 5, 0, B | E, z, 40, &k);
	chunk(c, false, 301, 4, 0, B | E, b, 40, &k);
	chunk(c, false, 300, 0, 0, B | E, a, 40, &k);
	check(ttl_of(k) == 5, "a TSN below the highest, never sent before, is a first transmission");
	conn_drop(c);
	free(a);
	free(b);
	free(z);
}

static void test_idata(void)
{
	struct pmark_conn *c = conn_make();
	uint8_t *a = msg_bytes(30, 2000), *b = msg_bytes(31, 2000);
	uint32_t ka = 0, kb = 0, ka2 = 0, kb2 = 0;

	push(c, 0, false, 11, false, a, 2000);   /* MID 0 ordered */
	push(c, 0, true, 12, false, b, 2000);    /* MID 0 unordered */
	chunk(c, true, 50, 0, 0, B, a, 1000, &ka);
	chunk(c, true, 51, 0, 0, U | B, b, 1000, &kb);
	chunk(c, true, 52, 0, 0, E, a + 1000, 1000, &ka2);
	chunk(c, true, 53, 0, 0, U | E, b + 1000, 1000, &kb2);
	check(ttl_of(ka) == 11 && ttl_of(ka2) == 11, "I-DATA: interleaved ordered message keeps its options");
	check(ttl_of(kb) == 12 && ttl_of(kb2) == 12, "I-DATA: interleaved unordered message keeps its own");
	conn_drop(c);
	free(a);
	free(b);
}

static void test_precedence(void)
{
	struct pmark_opts assoc = PMARK_OPTS_INIT, stream = PMARK_OPTS_INIT, msg = PMARK_OPTS_INIT;

	assoc.ttl = 40;
	assoc.tos = 0x20;
	assoc.tos_mask = 0xfc;
	stream.tos = 0xb8;
	stream.tos_mask = 0xfc;
	msg.ttl = 3;
	pm_opts_merge(&msg, &stream);
	pm_opts_merge(&msg, &assoc);
	check(msg.ttl == 3 && msg.tos == 0xb8 && msg.tos_mask == 0xfc,
	      "precedence: message TTL, stream TOS, over the association's");
	msg = (struct pmark_opts)PMARK_OPTS_INIT;
	msg.once = true;
	check(pm_opts_key(&msg) == 0, "once alone changes nothing on the wire: no record");
	pm_opts_merge(&msg, &assoc);
	check(ttl_of(pm_opts_key(&msg)) == 40 && (pm_key_flags(pm_opts_key(&msg)) & PMARK_F_ONCE),
	      "a message with only once inherits the association's fields and stays once");
}

static void test_build(void)
{
	/* SACK + two DATA chunks; rebuild with the second DATA only. */
	uint8_t p[12 + 16 + 20 + 20], out[sizeof(p)];
	struct pm_chunk ch[4];
	struct pm_packet h;
	size_t total = 0;
	uint32_t pick[1] = { 2 };
	size_t len;

	memset(p, 0, sizeof(p));
	p[12] = PM_CHUNK_SACK;
	p[15] = 16;
	p[28] = PM_CHUNK_DATA;
	p[29] = B | E;
	p[31] = 20;
	p[48] = PM_CHUNK_DATA;
	p[49] = B | E;
	p[51] = 20;
	p[67] = 0x5a;
	check(pm_packet_parse(p, sizeof(p), &h, ch, 4, &total) == 3 && total == 3, "parse: three chunks");
	len = pm_build(p, ch, pick, 1, out);
	check(len == 32 && out[12] == PM_CHUNK_DATA && out[31] == 0x5a && pm_crc_ok(out, len),
	      "build: one chunk kept whole, CRC32c valid");
	out[20] ^= 1;
	check(!pm_crc_ok(out, len), "build: a flipped bit fails the CRC32c");
}

int main(void)
{
	printf("TAP version 13\n");
	test_fragments_and_order();
	test_once_and_abandoned();
	test_out_of_order_first();
	test_idata();
	test_precedence();
	test_build();
	printf("1..%d\n", test_no);
	return failed ? 1 : 0;
}
