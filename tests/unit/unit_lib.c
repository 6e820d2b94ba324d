// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of pure userspace C: serial-number arithmetic, option checks,
 * the IP ID option from options to slot and back, the packet parser
 * compiled for userspace, and the slot sequence lock under concurrent
 * writers.  TAP output; needs no privileges.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "pmark.h"
#include "pmark_int.h"

static bool port_5000(__u16 port) { return port == 5000; }

/* Port 5000 has protected peers: the one at port 4444, with tag 0x7a6. */
struct pmark_dtls_key;
static int peer_4444(const struct pmark_dtls_key *k, __u32 *tag);
#define PMARK_PORT_REGISTERED(port) port_5000(port)
#define PMARK_PORT_DTLS(port) port_5000(port)
#define PMARK_DTLS_PEER(key, tag) peer_4444(key, tag)
#include "pmark_parse.h"

static int peer_4444(const struct pmark_dtls_key *k, __u32 *tag)
{
	*tag = 0x7a6;
	return k->dport == 4444 && k->sport == 5000 && k->family == 4 &&
	       k->daddr[0] == htonl(0x0a000002);
}

static int test_no, failed;

static void check(bool cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++test_no, name);
	if (!cond)
		failed++;
}

static void test_serial(void)
{
	check(pmark_tsn_lt(1, 2) && !pmark_tsn_lt(2, 1), "tsn_lt: plain order");
	check(pmark_tsn_lt(0xffffffffu, 0), "tsn_lt: 0xffffffff precedes 0 (wrap)");
	check(pmark_tsn_lt(0xfffffff0u, 0x10), "tsn_lt: across the wrap");
	check(!pmark_tsn_lt(0x10, 0xfffffff0u), "tsn_lt: not backwards across the wrap");
	check(pmark_tsn_le(7, 7) && !pmark_tsn_lt(7, 7), "tsn_le: equal");
	check(pmark_tsn_lt(0, 0x7fffffff) && !pmark_tsn_lt(0, 0x80000001u),
	      "tsn_lt: half-space boundary (RFC 1982)");
}

static void test_opts(void)
{
	struct pmark_opts o = PMARK_OPTS_INIT;
	const char *why = NULL;

	check(pmark_opts_validate(&o, &why) == -EINVAL && why, "opts: a record that changes nothing is refused");
	o.ttl = 0;
	check(pmark_opts_validate(&o, &why) == -EINVAL && strstr(why, "ttl 0"), "opts: ttl 0 refused with a reason");
	o.ttl = 256;
	check(pmark_opts_validate(&o, NULL) == -EINVAL, "opts: ttl 256 refused");
	o.ttl = 255;
	check(pmark_opts_validate(&o, NULL) == 0, "opts: ttl 255 accepted");
	o.ttl = 1;
	check(pmark_opts_validate(&o, NULL) == 0, "opts: ttl 1 accepted");
	o.tos = 256;
	check(pmark_opts_validate(&o, NULL) == -EINVAL, "opts: tos 256 refused");
	o.tos = 0xb8;
	o.tos_mask = 0xfc;
	check(pmark_opts_validate(&o, NULL) == 0, "opts: DSCP EF under mask 0xfc accepted");
	o.tos = 0xb9;
	check(pmark_opts_validate(&o, NULL) == -EINVAL, "opts: tos bits outside the mask refused");
	o.tos = PMARK_LEAVE;
	o.df = 7;
	check(pmark_opts_validate(&o, NULL) == -EINVAL, "opts: unknown df refused");
}

/* IP ID: a record of its own, in the slot flags and field, and read back as written. */
static void test_ip_id(void)
{
	struct pmark_opts o = PMARK_OPTS_INIT, back;
	struct pmark_slot s = { 0 };
	struct pmark_record r;
	uint8_t ttl, tos, mask, flags;

	o.stamp_id = true;
	o.ip_id = 0;
	check(pmark_opts_validate(&o, NULL) == 0, "ip id: a record with only an IP ID (even 0) is accepted");
	flags = pmark_opts_fields(&o, &ttl, &tos, &mask);
	check(flags == PMARK_F_IPID, "ip id: the option sets PMARK_F_IPID and nothing else");
	o.ip_id = 0xbeef;
	o.ttl = 3;
	flags = pmark_opts_fields(&o, &ttl, &tos, &mask);
	check(pmark_slot_write(&s, 7, 9, PMARK_F_VALID | flags, ttl, tos, mask, o.ip_id, 0, 0) == 0 &&
	      s.ip_id == 0xbeef && (s.flags & PMARK_F_IPID), "ip id: written into the slot");
	pmark_record_from_slot(&s, 2, 0, &r);
	back = r.opts;
	check(back.stamp_id && back.ip_id == 0xbeef && back.ttl == 3, "ip id: read back from the slot");
	s.flags &= ~PMARK_F_IPID;
	pmark_record_from_slot(&s, 2, 0, &r);
	check(!r.opts.stamp_id && r.opts.ip_id == 0,
	      "ip id: a slot without the flag reads back without an ID, whatever the field holds");
}

/* Ethernet + IPv4 + UDP 5000 + SCTP common header + DATA chunk (TSN 0x01020304). */
static size_t build_v4(__u8 *p, __u16 sport)
{
	static const __u8 frame[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 56, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 0, 0x13, 0x88, 0, 36, 0, 0,
		0x13, 0x88, 0x13, 0x88, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0,
		0, 3, 0, 16, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	memcpy(p, frame, sizeof(frame));
	p[34] = sport >> 8;
	p[35] = sport & 0xff;
	return sizeof(frame);
}

static void test_parser(void)
{
	__u8 buf[128];
	struct pmark_pkt pkt;
	size_t len = build_v4(buf, 5000);
	int v;

	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_PARSED && pkt.has_data && pkt.vtag == 0xaabbccdd && pkt.tsn == 0x01020304,
	      "parse: vtag and TSN of an IPv4 DATA packet");
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + 50, 50, true, &pkt);
	check(v == PMARK_CNT_TRUNCATED, "parse: packet cut inside the SCTP header is truncated");
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + 50, len, true, &pkt);
	check(v == PMARK_NEED_PULL, "parse: headers beyond linear data of a longer skb ask for a pull");
	build_v4(buf, 5001);
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_NOT_OURS, "parse: unregistered source port is not ours");
	build_v4(buf, 5000);
	buf[56] = 0;            /* DATA chunk length 0x0003: shorter than a chunk header */
	buf[57] = 3;
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_MALFORMED, "parse: chunk length below 4 is malformed");
}

/* The same frame, but to port 4444 with one DTLS record (header + 8 bytes) as its UDP payload. */
static size_t build_dtls(__u8 *p, __u8 type, __u16 version, __u16 epoch, __u64 seq)
{
	size_t len = build_v4(p, 5000);
	__u8 *h = p + 42;

	p[36] = 4444 >> 8;
	p[37] = 4444 & 0xff;
	p[38] = 0;
	p[39] = 8 + 13 + 8;             /* UDP length */
	p[17] = 20 + 8 + 13 + 8;        /* IP total length */
	h[0] = type;
	h[1] = version >> 8;
	h[2] = version & 0xff;
	h[3] = epoch >> 8;
	h[4] = epoch & 0xff;
	for (int i = 0; i < 6; i++)
		h[5 + i] = (__u8)(seq >> (40 - 8 * i));
	h[11] = 0;
	h[12] = 8;
	memset(h + 13, 0x5a, 8);
	(void)len;
	return 14 + 20 + 8 + 13 + 8;
}

static void test_parser_dtls(void)
{
	__u8 buf[128];
	struct pmark_pkt pkt;
	size_t len = build_dtls(buf, 23, 0xfefd, 3, 0x123456789abcull);
	int v;

	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_PARSED && pkt.dtls && pkt.has_data && !pkt.dtls_no_peer &&
	      pkt.vtag == 0x7a6 && pkt.tsn == 0x56789abc && pkt.epoch == 3,
	      "parse dtls: the peer's tag, the sequence's low 32 bits and the epoch");
	build_dtls(buf, 22, 0xfefd, 0, 5);
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_PARSED && pkt.dtls && !pkt.has_data,
	      "parse dtls: a handshake record is read, and carries no message");
	build_dtls(buf, 23, 0x0303, 3, 5);
	memset(&pkt, 0, sizeof(pkt));
	check(pmark_parse(buf, buf + len, len, true, &pkt) == PMARK_CNT_MALFORMED && !pkt.dtls,
	      "parse dtls: a version other than DTLS 1.0 / 1.2 is malformed");
	build_dtls(buf, 23, 0xfefd, 3, 5);
	buf[42 + 12] = 9;               /* record one byte longer than the datagram */
	memset(&pkt, 0, sizeof(pkt));
	check(pmark_parse(buf, buf + len, len, true, &pkt) == PMARK_CNT_MALFORMED,
	      "parse dtls: a record longer than the datagram is malformed");
	build_dtls(buf, 23, 0xfefd, 3, 5);
	memset(&pkt, 0, sizeof(pkt));
	check(pmark_parse(buf, buf + 50, len, true, &pkt) == PMARK_NEED_PULL,
	      "parse dtls: a record header beyond the linear data asks for a pull");
	memset(&pkt, 0, sizeof(pkt));
	check(pmark_parse(buf, buf + 50, 50, true, &pkt) == PMARK_CNT_TRUNCATED,
	      "parse dtls: a packet cut inside the record header is truncated");
	len = build_v4(buf, 5000);
	memset(&pkt, 0, sizeof(pkt));
	v = pmark_parse(buf, buf + len, len, true, &pkt);
	check(v == PMARK_CNT_PARSED && pkt.dtls_no_peer && !pkt.dtls && pkt.has_data &&
	      pkt.tsn == 0x01020304 && pkt.epoch == 0,
	      "parse dtls: a peer not protected on the same port is parsed as SCTP");
}

/* A protected datagram's record in a slot: epoch kept, and reset by an SCTP write. */
static void test_record_slot(void)
{
	struct pmark_slot s = { 0 }, copy;
	struct pmark_record r;
	struct pmark_quote_key k = { 0 };

	check(pmark_slot_write_record(&s, 0x7a6, PMARK_RECORD_ID(3, 0x123456789abcull),
				      PMARK_F_VALID | PMARK_F_TTL, 9, 0, 0, 0, 0, 0) == 0 &&
	      s.vtag == 0x7a6 && s.tsn == 0x56789abc && s.epoch == 3,
	      "record slot: tag, low 32 bits of the sequence, epoch");
	pmark_slot_read(&s, &copy);
	pmark_record_from_slot(&copy, 1, 0, &r);
	check(r.epoch == 3 && r.tsn == 0x56789abc && r.vtag == 0x7a6 && r.opts.ttl == 9,
	      "record slot: read back with its epoch");
	check(pmark_slot_write(&s, 7, 9, PMARK_F_VALID | PMARK_F_TTL, 5, 0, 0, 0, 0, 0) == 0 &&
	      s.epoch == 0, "record slot: an SCTP record written over it has epoch 0");
	pmark_quote_key_record(&k, 5000, PMARK_RECORD_ID(3, 0x123456789abcull));
	check(k.family == 6 && k.kind == PMARK_QUOTE_DTLS && k.sport == 5000 &&
	      k.ident == 0x56789abc && k.vtag == (3u << 16 | 0x1234),
	      "quote key of a record id: kind dtls, ident = sequence low 32, vtag = epoch:high 16");
}

/* Writers store (tsn, ttl = tsn & 0xff, owner = tsn * 3); a reader must never see a mix. */
static struct pmark_slot shared_slot;
static volatile bool stop;
static unsigned long torn;

static void *writer(void *arg)
{
	uint32_t base = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; !stop; i++) {
		uint32_t tsn = base + i;

		pmark_slot_write(&shared_slot, 7, tsn, PMARK_F_VALID | PMARK_F_TTL, tsn & 0xff, 0, 0, 0,
				 (uint64_t)tsn * 3, 0);
	}
	return NULL;
}

static void test_seqlock(void)
{
	pthread_t w[3];
	unsigned long reads = 0;

	pmark_slot_write(&shared_slot, 7, 0, PMARK_F_VALID | PMARK_F_TTL, 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)(i * 0x10000000u));
	for (int i = 0; i < 2000000; i++) {
		struct pmark_slot c;

		if (!pmark_slot_read(&shared_slot, &c))
			continue;
		reads++;
		if (c.ttl != (c.tsn & 0xff) || c.owner != (uint64_t)c.tsn * 3 || (c.seq & 1))
			torn++;
	}
	stop = true;
	for (int i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	check(reads > 0 && torn == 0, "seqlock: 3 writers, 2M reads, no torn record");
	if (torn)
		printf("# %lu torn of %lu reads\n", torn, reads);
}

/* A writer that died between taking the slot and releasing it. */
static void test_stale_writer(void)
{
	struct pmark_slot s = { .seq = 41 };   /* odd: "inside a write" forever */
	struct pmark_slot copy;

	check(pmark_slot_write(&s, 7, 9, PMARK_F_VALID | PMARK_F_TTL, 5, 0, 0, 0, 0, 0) == -EBUSY &&
	      s.seq == 41 && s.tsn == 0, "seqlock: a write gives up with EBUSY on a dead writer's slot");
	check(!pmark_slot_read(&s, &copy), "seqlock: a dead writer's slot never reads as stable");
	check(pmark_slot_clear(&s, true) == 0 && !(s.seq & 1) && s.seq != 40 && s.flags == 0,
	      "seqlock: an explicit reset takes the slot over and leaves it even and empty");
	check(pmark_slot_write(&s, 7, 9, PMARK_F_VALID | PMARK_F_TTL, 5, 0, 0, 0, 0, 0) == 0 &&
	      pmark_slot_read(&s, &copy) && copy.tsn == 9 && copy.ttl == 5,
	      "seqlock: writable again after the reset");
}

int main(void)
{
	printf("TAP version 13\n");
	test_serial();
	test_opts();
	test_ip_id();
	test_parser();
	test_parser_dtls();
	test_record_slot();
	test_seqlock();
	test_stale_writer();
	printf("1..%d\n", test_no);   /* trailing plan: the count is what ran */
	return failed ? 1 : 0;
}
