// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the DTLS 1.2 transform (pmark_dtls_ops): two associations
 * in one process, a client and a server, wired by their send callbacks
 * through in-memory queues.  Handshake, protect / unprotect, record ids,
 * tampering, replay, reordering, a fuzz loop, fingerprint mismatch, lost
 * flights, handshake timeout, certificates from PEM files, the key log, a
 * peer without a certificate, concurrent associations, and (when tshark is
 * there) Wireshark decrypting the exchange with the key log and decoding
 * the cleartext as SCTP.  TAP output; needs no privileges.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "pmark_dtls.h"

static int test_no, failed;
static char tmpdir[64];

static void check(bool cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++test_no, name);
	if (!cond)
		failed++;
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++test_no, name, why);
}

static const struct pmark_transform_ops *ops = &pmark_dtls_ops;

/* ---- a tiny pcap writer (LINKTYPE_RAW: IPv4 + UDP + the datagram) ---- */

static FILE *pcap;

static void pcap_open(const char *path)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} h = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101 };

	pcap = fopen(path, "w");
	if (pcap)
		fwrite(&h, sizeof(h), 1, pcap);
}

static void pcap_write(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
		       const uint8_t *b, size_t len)
{
	uint8_t ip[28];
	uint32_t rec[4], sum = 0;
	struct timeval tv;
	size_t tot = len + 28;

	if (!pcap || tot > 65535)
		return;
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(saddr >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(daddr >> (24 - 8 * i));
	}
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	ip[20] = (uint8_t)(sport >> 8);
	ip[21] = (uint8_t)sport;
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	ip[24] = (uint8_t)((len + 8) >> 8);
	ip[25] = (uint8_t)(len + 8);   /* UDP checksum 0: none */
	gettimeofday(&tv, NULL);
	rec[0] = (uint32_t)tv.tv_sec;
	rec[1] = (uint32_t)tv.tv_usec;
	rec[2] = rec[3] = (uint32_t)tot;
	fwrite(rec, sizeof(rec), 1, pcap);
	fwrite(ip, sizeof(ip), 1, pcap);
	fwrite(b, len, 1, pcap);
}

/* ---- two associations wired by queues ---- */

#define QMAX 256

struct peer {
	const char *name;
	void *st;
	struct pmark_dtls *d;
	uint8_t *q[QMAX];            /* datagrams this side sent, not delivered yet */
	size_t qlen[QMAX];
	int head, tail;
	int drop;                    /* drop the next N datagrams sent */
	bool drop_all;
	int sent, dropped;
	uint32_t addr;
	uint16_t port;
	struct peer *other;
};

static int send_cb(void *arg, const uint8_t *b, size_t len)
{
	struct peer *p = arg;

	p->sent++;
	if (p->drop_all || p->drop > 0) {
		if (p->drop > 0)
			p->drop--;
		p->dropped++;
		return 0;
	}
	if (p->tail - p->head >= QMAX)
		return -ENOBUFS;
	p->q[p->tail % QMAX] = malloc(len);
	memcpy(p->q[p->tail % QMAX], b, len);
	p->qlen[p->tail % QMAX] = len;
	p->tail++;
	pcap_write(p->addr, p->port, p->other->addr, p->other->port, b, len);
	return 0;
}

static void peer_init(struct peer *c, struct peer *s)
{
	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	c->name = "client";
	s->name = "server";
	c->addr = 0x0a000001;
	s->addr = 0x0a000002;
	c->port = 40000;
	s->port = 5000;
	c->other = s;
	s->other = c;
}

static void queue_clear(struct peer *p)
{
	while (p->head < p->tail)
		free(p->q[p->head++ % QMAX]);
}

static bool open_pair(struct peer *c, struct peer *s, struct pmark_dtls *dc, struct pmark_dtls *ds)
{
	c->d = dc;
	s->d = ds;
	s->st = ops->open(ds, false, NULL, 0, send_cb, s);
	c->st = ops->open(dc, true, NULL, 0, send_cb, c);
	return c->st && s->st;
}

static void close_pair(struct peer *c, struct peer *s)
{
	if (c->st)
		ops->close(c->st);
	if (s->st)
		ops->close(s->st);
	c->st = s->st = NULL;
	queue_clear(c);
	queue_clear(s);
}

static int unexpected;   /* unprotect results other than >= 0 while pumping */

/* Delivers one queued datagram of `from` to its peer. */
static ssize_t deliver(struct peer *from, uint8_t *out, size_t cap)
{
	uint8_t *b;
	size_t len;
	ssize_t r;

	if (from->head == from->tail)
		return -ENOENT;
	b = from->q[from->head % QMAX];
	len = from->qlen[from->head % QMAX];
	from->head++;
	r = ops->unprotect(from->other->st, b, len, out, cap);
	free(b);
	return r;
}

static void pump(struct peer *a, struct peer *b)
{
	uint8_t out[20000];
	int rounds = 0;

	while ((a->head < a->tail || b->head < b->tail) && rounds++ < 1000) {
		while (a->head < a->tail)
			if (deliver(a, out, sizeof(out)) < 0 && a->other->st &&
			    ops->poll(a->other->st, NULL) != PMARK_XF_FAILED)
				unexpected++;
		while (b->head < b->tail)
			if (deliver(b, out, sizeof(out)) < 0 && b->other->st &&
			    ops->poll(b->other->st, NULL) != PMARK_XF_FAILED)
				unexpected++;
	}
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Pumps and polls until neither side is in the handshake (or max_ms). */
static void run_handshake(struct peer *c, struct peer *s, int max_ms)
{
	uint64_t end = mono_ms() + (uint64_t)max_ms;

	for (;;) {
		int tc, ts, sc, ss, t;

		pump(c, s);
		sc = ops->poll(c->st, &tc);
		ss = ops->poll(s->st, &ts);
		pump(c, s);
		if ((sc != PMARK_XF_HANDSHAKE && ss != PMARK_XF_HANDSHAKE) || mono_ms() >= end)
			break;
		t = 20;
		if (tc >= 0 && tc < t)
			t = tc;
		if (ts >= 0 && ts < t)
			t = ts;
		usleep((useconds_t)t * 1000 + 500);
	}
}

static int state(struct peer *p)
{
	return ops->poll(p->st, NULL);
}

static uint64_t hdr_record_id(const uint8_t *b)
{
	uint64_t id = (uint64_t)b[3] << 56 | (uint64_t)b[4] << 48;

	for (int i = 5; i < 11; i++)
		id |= (uint64_t)b[i] << (8 * (10 - i));
	return id;
}

static void fill(uint8_t *b, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static struct pmark_dtls *dtls_new(const char *peer_fp, const char *keylog, int timeout_ms)
{
	struct pmark_dtls_config cfg = {
		.peer_fingerprint = peer_fp,
		.keylog_file = keylog,
		.handshake_timeout_ms = timeout_ms,
	};

	return pmark_dtls_new(&cfg);
}

static bool fp_form(const char *fp)
{
	if (strncmp(fp, "sha-256 ", 8) || strlen(fp) != 8 + 32 * 3 - 1)
		return false;
	for (int i = 0; i < 32 * 3 - 1; i++) {
		char ch = fp[8 + i];

		if (i % 3 == 2 ? ch != ':' : !((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* "CLIENT_RANDOM <64 lower-case hex> <96 lower-case hex>\n" */
static bool keylog_line_ok(const char *l)
{
	if (strncmp(l, "CLIENT_RANDOM ", 14) || strlen(l) != 14 + 64 + 1 + 96 + 1 || l[14 + 64] != ' ' ||
	    l[14 + 64 + 1 + 96] != '\n')
		return false;
	for (int i = 14; i < 14 + 64 + 1 + 96; i++)
		if (i != 14 + 64 && !((l[i] >= '0' && l[i] <= '9') || (l[i] >= 'a' && l[i] <= 'f')))
			return false;
	return true;
}

/* ---- tests ---- */

static struct pmark_dtls *g_dc, *g_ds;    /* client (expects the server's fp), server (any) */
static char g_fp_c[128], g_fp_s[128], g_keylog[128];

static void test_config(void)
{
	struct pmark_dtls *d;
	char buf[256], lower[128];
	int n;

	check(!strcmp(ops->name ? ops->name : "", "dtls1.2-openssl") && ops->overhead == 37,
	      "ops: name and overhead 37 (13 header + 8 explicit nonce + 16 tag)");
	snprintf(g_keylog, sizeof(g_keylog), "%s/keylog.txt", tmpdir);
	g_ds = dtls_new(NULL, g_keylog, 0);
	check(g_ds != NULL, "new: a server configuration with a generated certificate");
	n = g_ds ? pmark_dtls_fingerprint(g_ds, g_fp_s, sizeof(g_fp_s)) : -1;
	check(n == 103 && fp_form(g_fp_s), "fingerprint: \"sha-256 AB:CD:...\" (32 bytes, upper case)");
	check(g_ds && pmark_dtls_fingerprint(g_ds, buf, 103) == -ENOSPC &&
	      pmark_dtls_fingerprint(g_ds, buf, 104) == 103, "fingerprint: -ENOSPC one byte short");
	g_dc = dtls_new(g_fp_s, g_keylog, 0);
	check(g_dc != NULL, "new: a client configuration expecting the server's fingerprint");
	if (g_dc)
		pmark_dtls_fingerprint(g_dc, g_fp_c, sizeof(g_fp_c));
	check(strcmp(g_fp_c, g_fp_s) != 0, "new: each configuration makes its own certificate");

	/* bare hex, lower case */
	for (n = 0; g_fp_s[8 + n]; n++)
		lower[n] = (char)((g_fp_s[8 + n] >= 'A' && g_fp_s[8 + n] <= 'F') ? g_fp_s[8 + n] + 32
									 : g_fp_s[8 + n]);
	lower[n] = 0;
	d = dtls_new(lower, NULL, 0);
	check(d != NULL, "new: a bare lower-case hex fingerprint is accepted");
	pmark_dtls_free(d);
	snprintf(buf, sizeof(buf), "  SHA-256 %s  ", lower);
	d = dtls_new(buf, NULL, 0);
	check(d != NULL, "new: \"SHA-256 ab:cd...\" with spaces around is accepted");
	pmark_dtls_free(d);
	{
		char nocolon[80];
		int k = 0;

		for (n = 0; lower[n]; n++)
			if (lower[n] != ':')
				nocolon[k++] = lower[n];
		nocolon[k] = 0;
		d = dtls_new(nocolon, NULL, 0);
		check(d != NULL, "new: 64 hex digits without colons are accepted");
		pmark_dtls_free(d);
	}
	d = dtls_new("sha-1 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33", NULL, 0);
	check(d != NULL, "new: a sha-1 fingerprint (20 bytes) is accepted");
	pmark_dtls_free(d);
	errno = 0;
	d = dtls_new("sha-256 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33", NULL, 0);
	check(!d && errno == EINVAL, "new: 20 bytes under sha-256 are refused (EINVAL)");
	pmark_dtls_free(d);
	errno = 0;
	snprintf(buf, sizeof(buf), "%s:", g_fp_s);
	d = dtls_new(buf, NULL, 0);
	check(!d && errno == EINVAL, "new: a trailing colon is refused (EINVAL)");
	pmark_dtls_free(d);
	errno = 0;
	d = dtls_new("sha-256 AB:CD", NULL, 0);
	check(!d && errno == EINVAL, "new: a short fingerprint is refused (EINVAL)");
	pmark_dtls_free(d);
	snprintf(buf, sizeof(buf), "md5 %s", g_fp_s + 8);
	errno = 0;
	d = dtls_new(buf, NULL, 0);
	check(!d && errno == EINVAL, "new: an unknown hash name is refused (EINVAL)");
	pmark_dtls_free(d);
	snprintf(buf, sizeof(buf), "%s", g_fp_s + 8);
	buf[5] = 'x';
	errno = 0;
	d = dtls_new(buf, NULL, 0);
	check(!d && errno == EINVAL, "new: a non-hex digit is refused (EINVAL)");
	pmark_dtls_free(d);
	{
		struct pmark_dtls_config cfg = { .cert_file = "/nonexistent/cert.pem" };

		errno = 0;
		d = pmark_dtls_new(&cfg);
		check(!d && errno == ENOENT, "new: a missing cert_file fails with ENOENT");
	}
	{
		struct pmark_dtls_config cfg = { .keylog_file = "/nonexistent/dir/keylog" };

		errno = 0;
		d = pmark_dtls_new(&cfg);
		check(!d && errno == ENOENT, "new: a keylog_file that cannot be opened fails with its errno");
	}
}

static struct peer C, S;

static void test_handshake(void)
{
	char id[128];
	uint8_t out[64];
	uint64_t rid;
	struct stat st;

	peer_init(&C, &S);
	check(open_pair(&C, &S, g_dc, g_ds), "open: client and server states");
	check(C.sent == 1 && C.tail - C.head == 1, "open: the client sends its ClientHello at once");
	check(state(&C) == PMARK_XF_HANDSHAKE && state(&S) == PMARK_XF_HANDSHAKE,
	      "open: both in HANDSHAKE");
	check(ops->protect(C.st, (const uint8_t *)"x", 1, out, sizeof(out), &rid) == -EAGAIN,
	      "protect before the handshake: -EAGAIN");
	check(ops->peer_id(C.st, id, sizeof(id)) == -ENOTCONN, "peer_id before the handshake: -ENOTCONN");
	unexpected = 0;
	run_handshake(&C, &S, 5000);
	check(state(&C) == PMARK_XF_OPEN && state(&S) == PMARK_XF_OPEN && !unexpected,
	      "handshake: both OPEN, nothing dropped on the way");
	check(ops->peer_id(C.st, id, sizeof(id)) > 0 && !strcmp(id, g_fp_s),
	      "peer_id: the client sees the server's fingerprint");
	check(ops->peer_id(S.st, id, sizeof(id)) > 0 && !strcmp(id, g_fp_c),
	      "peer_id: the server sees the client's fingerprint");
	check(!strcmp(ops->error(C.st), "no error"), "error() while open: \"no error\" (never NULL)");
	{
		int t = 5;

		check(ops->poll(C.st, &t) == PMARK_XF_OPEN && t == -1, "poll while open: no timer (-1)");
	}
	check(stat(g_keylog, &st) == 0 && (st.st_mode & 0777) == 0600, "keylog: the file is made mode 0600");
	{
		FILE *f = fopen(g_keylog, "r");
		char line[512];
		int n = 0, bad = 0;

		while (f && fgets(line, sizeof(line), f)) {
			if (keylog_line_ok(line))
				n++;
			else
				bad++;
		}
		if (f)
			fclose(f);
		/* both sides write the same line (one client random, one master secret) */
		check(n == 2 && !bad, "keylog: one CLIENT_RANDOM line per side, NSS format");
	}
}

static void test_roundtrip(void)
{
	static const size_t sizes[] = { 1, 2, 12, 13, 100, 512, 1000, 1163, 1199, 1200 };
	uint8_t in[1300], wire[1400], out[1400];
	uint64_t rid, prev = 0;
	bool ok_len = true, ok_rid = true, ok_seq = true, ok_data = true, ok_back = true;
	int i;

	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		ssize_t w, r;

		fill(in, sizes[i], (unsigned int)i);
		w = ops->protect(C.st, in, sizes[i], wire, sizeof(wire), &rid);
		if (w != (ssize_t)(sizes[i] + 37) || wire[0] != 23)
			ok_len = false;
		if (w < 13 || rid >> 48 != 1 || rid != hdr_record_id(wire))
			ok_rid = false;
		if (i && rid != prev + 1)
			ok_seq = false;
		prev = rid;
		r = ops->unprotect(S.st, wire, (size_t)w, out, sizeof(out));
		if (r != (ssize_t)sizes[i] || memcmp(in, out, sizes[i]))
			ok_data = false;
		/* and back */
		w = ops->protect(S.st, in, sizes[i], wire, sizeof(wire), &rid);
		r = w > 0 ? ops->unprotect(C.st, wire, (size_t)w, out, sizeof(out)) : w;
		if (r != (ssize_t)sizes[i] || memcmp(in, out, sizes[i]) || rid >> 48 != 1)
			ok_back = false;
	}
	check(ok_len, "protect: one application-data record, length = packet + 37, 1..1200 bytes");
	check(ok_rid, "protect: record_id epoch 1, equal to the header on the datagram");
	check(ok_seq, "protect: the sequence number grows by 1 per protect");
	check(ok_data, "unprotect: client -> server round trip 1..1200 bytes");
	check(ok_back, "unprotect: server -> client round trip 1..1200 bytes");
	check(ops->protect(C.st, in, 100, wire, 136, &rid) == -EMSGSIZE &&
	      ops->protect(C.st, in, 100, wire, 137, &rid) == 137,
	      "protect: -EMSGSIZE when out cannot hold packet + overhead, exact fit works");
	check(ops->unprotect(S.st, wire, 137, out, sizeof(out)) == 100, "unprotect: the exact-fit datagram");
	{
		/* a short output buffer for a large record */
		ssize_t w = ops->protect(C.st, in, 1000, wire, sizeof(wire), &rid);

		check(w == 1037 && ops->unprotect(S.st, wire, (size_t)w, out, 999) == -EMSGSIZE,
		      "unprotect: -EMSGSIZE when out is too small for the cleartext");
		w = ops->protect(C.st, in, 1000, wire, sizeof(wire), &rid);
		check(ops->unprotect(S.st, wire, (size_t)w, out, 1000) == 1000,
		      "unprotect: a buffer exactly the cleartext's size works");
	}
}

static void test_tamper(void)
{
	uint8_t in[600], wire[700], bad[700], out[700];
	uint64_t rid;
	ssize_t w;
	struct {
		const char *what;
		size_t off;
		uint8_t x;
		int len_delta;
	} t[] = {
		{ "ciphertext byte", 13 + 8 + 100, 0x01, 0 },
		{ "tag byte", (size_t)-1, 0x80, 0 },  /* the last byte */
		{ "explicit nonce byte", 13 + 2, 0x10, 0 },
		{ "header length + 1", 12, 0, 1 },
		{ "header length - 1", 12, 0, -1 },
		{ "header sequence number", 10, 0x40, 0 },
		{ "header content type (23 -> 22)", 0, 0x01, 0 },
		{ "header epoch (1 -> 0)", 4, 0x01, 0 },
		{ "header epoch (1 -> 3)", 4, 0x02, 0 },
	};

	fill(in, sizeof(in), 99);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[160];
		ssize_t r, g;

		w = ops->protect(C.st, in, sizeof(in), wire, sizeof(wire), &rid);
		memcpy(bad, wire, (size_t)w);
		if (t[i].len_delta) {
			unsigned int l = (unsigned int)(bad[11] << 8 | bad[12]) + (unsigned int)t[i].len_delta;

			bad[11] = (uint8_t)(l >> 8);
			bad[12] = (uint8_t)l;
		} else {
			bad[t[i].off == (size_t)-1 ? (size_t)w - 1 : t[i].off] ^= t[i].x;
		}
		r = ops->unprotect(S.st, bad, (size_t)w, out, sizeof(out));
		g = ops->unprotect(S.st, wire, (size_t)w, out, sizeof(out));
		snprintf(name, sizeof(name), "tampered %s: -EBADMSG, then the genuine datagram still works",
			 t[i].what);
		check(r == -EBADMSG && g == (ssize_t)sizeof(in) && !memcmp(out, in, sizeof(in)), name);
		if (r != -EBADMSG)
			printf("# unprotect of the tampered datagram gave %zd\n", r);
	}
	check(ops->unprotect(S.st, wire, (size_t)w, out, sizeof(out)) == -EALREADY,
	      "replay: the same datagram again is -EALREADY");
	check(ops->unprotect(S.st, wire, (size_t)w, out, sizeof(out)) == -EALREADY,
	      "replay: and again");
	check(state(&S) == PMARK_XF_OPEN, "tampering and replays leave the association open");
	check(ops->unprotect(S.st, wire, 5, out, sizeof(out)) == -EBADMSG &&
	      ops->unprotect(S.st, wire, 0, out, sizeof(out)) == -EBADMSG,
	      "a truncated header (5 bytes, 0 bytes): -EBADMSG");
}

static void test_reorder(void)
{
	uint8_t in[200], wire[80][300], out[300];
	size_t wl[80];
	uint64_t rid;
	static const int order[] = { 4, 2, 0, 1, 3 };
	bool ok = true;

	for (int i = 0; i < 80; i++) {
		fill(in, sizeof(in), (unsigned int)i);
		wl[i] = (size_t)ops->protect(C.st, in, sizeof(in), wire[i], sizeof(wire[i]), &rid);
	}
	for (int k = 0; k < 5; k++) {
		int i = order[k];

		fill(in, sizeof(in), (unsigned int)i);
		if (ops->unprotect(S.st, wire[i], wl[i], out, sizeof(out)) != (ssize_t)sizeof(in) ||
		    memcmp(in, out, sizeof(in)))
			ok = false;
	}
	check(ok, "out of order within the window (4, 2, 0, 1, 3): all accepted");
	check(ops->unprotect(S.st, wire[2], wl[2], out, sizeof(out)) == -EALREADY,
	      "out of order: a replay of one of them is still -EALREADY");
	/* 79 arrives, then 10 (69 behind: left of the 64-record window), then 20 (59 behind) */
	check(ops->unprotect(S.st, wire[79], wl[79], out, sizeof(out)) == (ssize_t)sizeof(in),
	      "window: a record far ahead is accepted");
	check(ops->unprotect(S.st, wire[10], wl[10], out, sizeof(out)) == -EALREADY,
	      "window: a record older than the 64-record window is dropped as a replay (-EALREADY)");
	check(ops->unprotect(S.st, wire[20], wl[20], out, sizeof(out)) == (ssize_t)sizeof(in),
	      "window: a record 59 behind the newest, never seen, is accepted");
	check(ops->unprotect(S.st, wire[20], wl[20], out, sizeof(out)) == -EALREADY,
	      "window: ... and only once");
}

static unsigned int rnd_state = 12345;
static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void test_fuzz(void)
{
	uint8_t in[400], wire[500], buf[2000], out[2000];
	uint64_t rid;
	ssize_t w, r;
	int odd = 0, n = 0;
	bool ok;

	fill(in, sizeof(in), 7);
	/* random bytes, some with a plausible header */
	for (int i = 0; i < 3000; i++) {
		size_t len = rnd() % sizeof(buf);

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rnd();
		if (i % 3 == 0 && len >= 13) {
			buf[0] = (uint8_t)(20 + rnd() % 4);
			buf[1] = 0xfe;
			buf[2] = 0xfd;
			buf[3] = 0;
			buf[4] = (uint8_t)(rnd() % 3);
			if (i % 2) {
				buf[11] = (uint8_t)((len - 13) >> 8);
				buf[12] = (uint8_t)(len - 13);
			}
		}
		r = ops->unprotect(S.st, buf, len, out, sizeof(out));
		n++;
		if (r != -EBADMSG && r != -EALREADY && r != 0) {
			if (odd++ < 5)
				printf("# random datagram %d (%zu bytes, %02x %02x%02x %02x%02x): %zd, %s\n", i,
				       len, buf[0], buf[1], buf[2], buf[3], buf[4], r, ops->error(S.st));
		}
	}
	check(!odd && state(&S) == PMARK_XF_OPEN, "fuzz: 3000 random datagrams dropped, association open");
	/* every record type at epochs 0..2 with every short body length, then a few longer */
	odd = 0;
	for (int type = 20; type <= 23; type++)
		for (int epoch = 0; epoch <= 2; epoch++)
			for (size_t body = 0; body < 80; body++) {
				size_t len = 13 + body;

				for (size_t k = 0; k < len; k++)
					buf[k] = (uint8_t)rnd();
				buf[0] = (uint8_t)type;
				buf[1] = 0xfe;
				buf[2] = 0xfd;
				buf[3] = 0;
				buf[4] = (uint8_t)epoch;
				buf[11] = 0;
				buf[12] = (uint8_t)body;
				r = ops->unprotect(S.st, buf, len, out, sizeof(out));
				/* epoch 0 handshake / CCS / alert: a stale retransmission, 0 */
				if (!(r == -EBADMSG || (r == 0 && epoch == 0 && type != 23))) {
					if (odd++ < 5)
						printf("# type %d epoch %d body %zu: %zd, %s\n", type, epoch, body,
						       r, ops->error(S.st));
				}
			}
	check(!odd && state(&S) == PMARK_XF_OPEN,
	      "fuzz: forged records of every type, epoch 0..2, body 0..79 bytes: dropped, association open");
	/* truncations of a genuine datagram */
	w = ops->protect(C.st, in, sizeof(in), wire, sizeof(wire), &rid);
	ok = true;
	for (ssize_t len = 0; len < w; len++)
		if (ops->unprotect(S.st, wire, (size_t)len, out, sizeof(out)) != -EBADMSG)
			ok = false;
	check(ok, "fuzz: every truncation of a genuine datagram is -EBADMSG");
	/* every single-bit flip */
	odd = 0;
	for (ssize_t bit = 0; bit < w * 8; bit++) {
		memcpy(buf, wire, (size_t)w);
		buf[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		r = ops->unprotect(S.st, buf, (size_t)w, out, sizeof(out));
		if (r > 0 || (r != -EBADMSG && r != -EALREADY))
			odd++;
		if (r != -EBADMSG && r != -EALREADY && odd < 5)
			printf("# bit %zd: %zd\n", bit, r);
	}
	check(!odd && state(&S) == PMARK_XF_OPEN, "fuzz: every bit flip of a genuine datagram is dropped");
	r = ops->unprotect(S.st, wire, (size_t)w, out, sizeof(out));
	check(r == (ssize_t)sizeof(in) && !memcmp(in, out, sizeof(in)),
	      "fuzz: the genuine datagram is accepted after all that");
	/* a genuine datagram with garbage behind it: the record is read, the rest ignored */
	w = ops->protect(C.st, in, sizeof(in), wire, sizeof(wire), &rid);
	memcpy(buf, wire, (size_t)w);
	memset(buf + w, 0xee, 20);
	check(ops->unprotect(S.st, buf, (size_t)w + 20, out, sizeof(out)) == (ssize_t)sizeof(in),
	      "a genuine record followed by garbage: the record is delivered");
	/* random datagrams at a state in the handshake do not crash it */
	{
		struct peer c2, s2;
		int bad = 0;

		peer_init(&c2, &s2);
		open_pair(&c2, &s2, g_dc, g_ds);
		for (int i = 0; i < 500; i++) {
			size_t len = 13 + rnd() % 300;

			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)rnd();
			buf[0] = 23;
			buf[1] = 0xfe;
			buf[2] = 0xfd;
			buf[3] = buf[4] = 0;
			buf[11] = (uint8_t)((len - 13) >> 8);
			buf[12] = (uint8_t)(len - 13);
			if (ops->unprotect(s2.st, buf, len, out, sizeof(out)) != -EBADMSG)
				bad++;
		}
		check(!bad && state(&s2) == PMARK_XF_HANDSHAKE,
		      "fuzz: epoch-0 application data during the handshake is -EBADMSG and harmless");
		unexpected = 0;
		run_handshake(&c2, &s2, 5000);
		check(state(&c2) == PMARK_XF_OPEN && state(&s2) == PMARK_XF_OPEN,
		      "fuzz: that handshake then completes");
		close_pair(&c2, &s2);
	}
	/* Handshake-type garbage at fresh states: it may end a handshake (nothing in
	 * epoch 0 is authenticated), it must not crash or give anything but these. */
	{
		int weird = 0, failed_states = 0, servers_ok = 0;

		for (int k = 0; k < 200; k++) {
			struct peer c2, s2;
			struct peer *victim;

			peer_init(&c2, &s2);
			open_pair(&c2, &s2, g_dc, g_ds);
			victim = k % 2 ? &c2 : &s2;
			for (int i = 0; i < 5; i++) {
				size_t len = 13 + rnd() % 400;

				for (size_t q = 0; q < len; q++)
					buf[q] = (uint8_t)rnd();
				buf[0] = (uint8_t)(20 + rnd() % 3);
				buf[1] = 0xfe;
				buf[2] = rnd() % 2 ? 0xfd : 0xff;
				buf[3] = 0;
				buf[4] = (uint8_t)(rnd() % 4 == 0);
				buf[11] = (uint8_t)((len - 13) >> 8);
				buf[12] = (uint8_t)(len - 13);
				if (buf[0] == 22 && len > 25 && rnd() % 2) {
					/* a plausible handshake message header */
					buf[13] = (uint8_t)(1 + rnd() % 20);
					buf[14] = 0;
					buf[15] = (uint8_t)((len - 25) >> 8);
					buf[16] = (uint8_t)(len - 25);
					buf[17] = buf[18] = 0;
					buf[19] = buf[20] = buf[21] = 0;
					buf[22] = 0;
					buf[23] = (uint8_t)((len - 25) >> 8);
					buf[24] = (uint8_t)(len - 25);
				}
				r = ops->unprotect(victim->st, buf, len, out, sizeof(out));
				if (r > 0 || (r < 0 && r != -EBADMSG && r != -EPROTO && r != -EPIPE &&
					      r != -EALREADY))
					weird++;
			}
			if (state(victim) == PMARK_XF_FAILED)
				failed_states++;
			if (!ops->error(victim->st))
				weird++;
			if (victim == &s2) {
				/* the client's ClientHello, still queued, is answered as if nothing happened */
				run_handshake(&c2, &s2, 5000);
				if (state(&c2) == PMARK_XF_OPEN && state(&s2) == PMARK_XF_OPEN)
					servers_ok++;
				else if (k - 2 * servers_ok < 12)
					printf("# server %d: c %d %s / s %d %s\n", k, state(&c2), ops->error(c2.st),
					       state(&s2), ops->error(s2.st));
			}
			close_pair(&c2, &s2);
		}
		/* only clients: nothing in epoch 0 is authenticated, and a client takes
		 * what comes as the server's flight (OpenSSL ends the handshake) */
		printf("# handshake garbage: %d of 100 clients' handshakes ended by it\n", failed_states);
		check(!weird, "fuzz: handshake-type garbage at 200 fresh states: no crash, only drops or FAILED");
		check(servers_ok == 100,
		      "fuzz: a server that answered nothing yet survives garbage, then completes a handshake");
	}
}

static void test_close(void)
{
	uint8_t out[100], wire[100];
	uint64_t rid;

	ops->close(C.st);
	C.st = NULL;
	check(C.tail - C.head == 1, "close: the client sends close_notify");
	check(deliver(&C, out, sizeof(out)) == 0 && state(&S) == PMARK_XF_CLOSED,
	      "close_notify: unprotect gives 0, the server's state is CLOSED");
	check(strstr(ops->error(S.st), "close_notify") != NULL, "close_notify: error() says so");
	check(ops->protect(S.st, (const uint8_t *)"abc", 3, wire, sizeof(wire), &rid) == -EPIPE &&
	      ops->unprotect(S.st, wire, 20, out, sizeof(out)) == -EPIPE,
	      "closed: protect and unprotect give -EPIPE");
	close_pair(&C, &S);
}

static void test_mismatch(void)
{
	struct peer c, s;
	struct pmark_dtls *dc = dtls_new(g_fp_c, NULL, 0);   /* expects its own fp: wrong */
	struct pmark_dtls *ds;
	const char *e;

	peer_init(&c, &s);
	open_pair(&c, &s, dc, g_ds);
	run_handshake(&c, &s, 5000);
	e = ops->error(c.st);
	printf("# client: %s\n# server: %s\n", e, ops->error(s.st));
	check(state(&c) == PMARK_XF_FAILED && strstr(e, "fingerprint"),
	      "mismatch (client side): FAILED, error() names the fingerprint");
	check(strstr(e, g_fp_c) && strstr(e, g_fp_s + 8), "mismatch: error() shows expected and presented");
	check(state(&s) == PMARK_XF_FAILED && strstr(ops->error(s.st), "alert"),
	      "mismatch: the server fails too, with the alert it received");
	check(ops->protect(c.st, (const uint8_t *)"x", 1, (uint8_t[64]){ 0 }, 64, NULL) == -EPIPE,
	      "failed: protect gives -EPIPE");
	close_pair(&c, &s);
	pmark_dtls_free(dc);

	/* the server expects someone else; the client expects the server rightly */
	{
		char fp_ds[128] = "";

		ds = dtls_new(g_fp_s, NULL, 0);
		if (ds)
			pmark_dtls_fingerprint(ds, fp_ds, sizeof(fp_ds));
		dc = dtls_new(fp_ds, NULL, 0);
		peer_init(&c, &s);
		open_pair(&c, &s, dc, ds);
		run_handshake(&c, &s, 5000);
		printf("# client: %s\n# server: %s\n", ops->error(c.st), ops->error(s.st));
		check(state(&s) == PMARK_XF_FAILED && strstr(ops->error(s.st), "fingerprint") &&
		      state(&c) == PMARK_XF_FAILED && strstr(ops->error(c.st), "alert"),
		      "mismatch (server side): the server FAILED on the fingerprint, the client on its alert");
		close_pair(&c, &s);
		pmark_dtls_free(ds);
		pmark_dtls_free(dc);
	}
}

static void test_lost_flights(void)
{
	struct peer c, s;
	uint64_t t0 = mono_ms();
	uint8_t in[100], wire[200], out[200];
	uint64_t rid;
	ssize_t w;

	peer_init(&c, &s);
	s.drop = 1;   /* the server's first flight */
	open_pair(&c, &s, g_dc, g_ds);
	pump(&c, &s);
	c.drop = 1;   /* and the client's second one */
	run_handshake(&c, &s, 8000);
	printf("# lost flights: %d + %d dropped, handshake took %llu ms\n", s.dropped, c.dropped,
	       (unsigned long long)(mono_ms() - t0));
	check(s.dropped == 1 && c.dropped == 1 && state(&c) == PMARK_XF_OPEN && state(&s) == PMARK_XF_OPEN,
	      "lost flights: the handshake completes by poll() retransmissions");
	fill(in, sizeof(in), 3);
	w = ops->protect(c.st, in, sizeof(in), wire, sizeof(wire), &rid);
	check(w > 0 && ops->unprotect(s.st, wire, (size_t)w, out, sizeof(out)) == (ssize_t)sizeof(in),
	      "lost flights: data flows after it");
	close_pair(&c, &s);

	/* the server's last flight (CCS, Finished) is lost: the client retransmits,
	 * the server (already OPEN) answers from unprotect */
	peer_init(&c, &s);
	open_pair(&c, &s, g_dc, g_ds);
	{
		/* CH -> SH..SHD -> CKE,CCS,Fin: the server is OPEN, its CCS,Fin queued */
		int guard = 0;

		while (state(&s) != PMARK_XF_OPEN && guard++ < 10) {
			while (c.head < c.tail)
				deliver(&c, out, sizeof(out));
			if (state(&s) == PMARK_XF_OPEN)
				break;
			while (s.head < s.tail)
				deliver(&s, out, sizeof(out));
		}
	}
	queue_clear(&s);   /* lost */
	check(state(&s) == PMARK_XF_OPEN && state(&c) == PMARK_XF_HANDSHAKE,
	      "lost last flight: server OPEN, client still in the handshake");
	run_handshake(&c, &s, 8000);
	check(state(&c) == PMARK_XF_OPEN, "lost last flight: the client completes after a retransmission");
	close_pair(&c, &s);
}

/* The server is OPEN first: its data may reach the client before its Finished. */
static void test_early_data(void)
{
	struct peer c, s;
	uint8_t in[100], wire[200], out[200], *flight;
	size_t flen;
	uint64_t rid;
	ssize_t w, r;
	int guard = 0;

	peer_init(&c, &s);
	open_pair(&c, &s, g_dc, g_ds);
	while (state(&s) != PMARK_XF_OPEN && guard++ < 10) {
		while (c.head < c.tail)
			deliver(&c, out, sizeof(out));
		if (state(&s) == PMARK_XF_OPEN)
			break;
		while (s.head < s.tail)
			deliver(&s, out, sizeof(out));
	}
	check(state(&s) == PMARK_XF_OPEN && s.tail - s.head == 1 && state(&c) == PMARK_XF_HANDSHAKE,
	      "early data: server OPEN, its last flight not delivered yet");
	flen = s.qlen[s.head % QMAX];
	flight = s.q[s.head % QMAX];
	s.head++;
	fill(in, sizeof(in), 5);
	w = ops->protect(s.st, in, sizeof(in), wire, sizeof(wire), &rid);
	r = ops->unprotect(c.st, wire, (size_t)w, out, sizeof(out));
	check(w > 0 && r <= 0 && r != -EPROTO && state(&c) == PMARK_XF_HANDSHAKE,
	      "early data: before the Finished, dropped without harm");
	r = ops->unprotect(c.st, flight, flen, out, sizeof(out));
	free(flight);
	check(r >= 0 && state(&c) == PMARK_XF_OPEN, "early data: then the Finished opens the client");
	w = ops->protect(s.st, in, sizeof(in), wire, sizeof(wire), &rid);
	check(ops->unprotect(c.st, wire, (size_t)w, out, sizeof(out)) == (ssize_t)sizeof(in),
	      "early data: and later data flows");
	close_pair(&c, &s);
}

static void test_timeout(void)
{
	struct peer c, s;
	struct pmark_dtls *dc = dtls_new(NULL, NULL, 1500);
	uint64_t t0 = mono_ms(), dt;
	int t;

	peer_init(&c, &s);
	c.drop_all = true;
	open_pair(&c, &s, dc, dc);
	check(ops->poll(s.st, &t) == PMARK_XF_HANDSHAKE && t > 1000 && t <= 1500,
	      "server: before any ClientHello, poll asks to be called by the handshake deadline");
	while (ops->poll(c.st, &t) == PMARK_XF_HANDSHAKE && mono_ms() - t0 < 5000)
		usleep((useconds_t)(t > 0 ? t : 1) * 1000);
	dt = mono_ms() - t0;
	printf("# %s (after %llu ms, %d datagrams sent)\n", ops->error(c.st), (unsigned long long)dt, c.sent);
	check(state(&c) == PMARK_XF_FAILED && strstr(ops->error(c.st), "timed out after 1500 ms") &&
	      strstr(ops->error(c.st), "no answer"), "timeout: FAILED, \"timed out after 1500 ms (no answer ...)\"");
	check(dt >= 1500 && dt < 2500, "timeout: at the configured time");
	check(c.sent >= 2, "timeout: the ClientHello was retransmitted before");
	{
		/* a ClientHello of the right shape whose content is garbage */
		uint8_t ch[13 + 12 + 60], out[100];
		ssize_t r;

		memset(ch, 0x5a, sizeof(ch));
		memcpy(ch, (const uint8_t[]){ 22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 72,
					      1, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 60 }, 25);
		while (ops->poll(s.st, &t) == PMARK_XF_HANDSHAKE && mono_ms() - t0 < 5000)
			usleep((useconds_t)(t > 0 ? t : 1) * 1000);
		check(state(&s) == PMARK_XF_FAILED && strstr(ops->error(s.st), "timed out"),
		      "timeout: a server that never hears from a client fails too");
		close_pair(&c, &s);
		peer_init(&c, &s);
		t0 = mono_ms();
		s.st = ops->open(dc, false, NULL, 0, send_cb, &s);
		r = ops->unprotect(s.st, ch, sizeof(ch), out, sizeof(out));
		check(r == -EBADMSG && state(&s) == PMARK_XF_HANDSHAKE && s.sent == 0,
		      "server: a malformed ClientHello is dropped silently, the state waits for another");
		while (ops->poll(s.st, &t) == PMARK_XF_HANDSHAKE && mono_ms() - t0 < 5000)
			usleep((useconds_t)(t > 0 ? t : 1) * 1000);
		printf("# server: %s\n", ops->error(s.st));
		check(state(&s) == PMARK_XF_FAILED && strstr(ops->error(s.st), "timed out") &&
		      strstr(ops->error(s.st), "refused"),
		      "timeout: a server that never hears a good ClientHello fails, naming what it refused");
	}
	close_pair(&c, &s);
	pmark_dtls_free(dc);
}

static bool run_cmd(const char *cmd)
{
	int rc = system(cmd);

	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/* openssl's fingerprint of a PEM certificate in our form, "sha-256 AB:CD:..."
 * (name "sha-256", flag "-sha256"); out stays "" if openssl says nothing. */
static void openssl_fingerprint(const char *pem, const char *name, const char *flag,
				char *out, size_t cap)
{
	char cmd[512], line[256];
	FILE *f;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint %s -in %s", flag, pem);
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (eq) {
			snprintf(out, cap, "%s %s", name, eq + 1);
			out[strcspn(out, "\r\n")] = 0;
		}
	}
	if (f)
		pclose(f);
}

static void test_pem(void)
{
	char cmd[2048], cert[128], key[128], both[128], rcert[128], rkey[128];
	char fp[128], fp2[128], want[200] = "";
	struct pmark_dtls_config cfg = { 0 };
	struct pmark_dtls *a, *b;
	struct peer c, s;

	if (!run_cmd("command -v openssl >/dev/null 2>&1")) {
		skip("pem: certificates from files", "no openssl command");
		return;
	}
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
	snprintf(both, sizeof(both), "%s/both.pem", tmpdir);
	snprintf(rcert, sizeof(rcert), "%s/rsa.pem", tmpdir);
	snprintf(rkey, sizeof(rkey), "%s/rsakey.pem", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s "
		 "-out %s -days 30 -subj /CN=pmark-unit >/dev/null 2>&1 && cat %s %s > %s && "
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 30 "
		 "-subj /CN=pmark-unit-rsa >/dev/null 2>&1",
		 key, cert, cert, key, both, rkey, rcert);
	check(run_cmd(cmd), "pem: openssl req made an ECDSA and an RSA certificate");
	openssl_fingerprint(cert, "sha-256", "-sha256", want, sizeof(want));
	cfg.cert_file = cert;
	cfg.key_file = key;
	a = pmark_dtls_new(&cfg);
	check(a && pmark_dtls_fingerprint(a, fp, sizeof(fp)) > 0 && !strcmp(fp, want),
	      "pem: loaded; fingerprint equals `openssl x509 -fingerprint -sha256`");
	cfg.cert_file = both;
	cfg.key_file = NULL;
	b = pmark_dtls_new(&cfg);
	check(b && pmark_dtls_fingerprint(b, fp2, sizeof(fp2)) > 0 && !strcmp(fp2, want),
	      "pem: certificate and key in one file");
	pmark_dtls_free(b);
	cfg.cert_file = cert;
	cfg.key_file = rkey;
	errno = 0;
	b = pmark_dtls_new(&cfg);
	check(!b && errno == EINVAL, "pem: a key that is not the certificate's is refused (EINVAL)");
	cfg.cert_file = key;
	cfg.key_file = key;
	errno = 0;
	b = pmark_dtls_new(&cfg);
	check(!b && errno == EINVAL, "pem: a file without a certificate is refused (EINVAL)");

	/* the RSA certificate's sha-1 fingerprint, as openssl prints it */
	pmark_dtls_free(a);
	pmark_dtls_free(b);
	{
		char sha1[200];

		openssl_fingerprint(rcert, "sha-1", "-sha1", sha1, sizeof(sha1));
		cfg.cert_file = rcert;
		cfg.key_file = rkey;
		cfg.peer_fingerprint = NULL;
		b = pmark_dtls_new(&cfg);
		cfg.cert_file = NULL;
		cfg.key_file = NULL;
		cfg.peer_fingerprint = sha1;
		a = pmark_dtls_new(&cfg);
		peer_init(&c, &s);
		if (a && b && open_pair(&c, &s, a, b))
			run_handshake(&c, &s, 5000);
		check(a && b && c.st && state(&c) == PMARK_XF_OPEN,
		      "pem: a client pinning the server by its sha-1 fingerprint: OPEN");
		close_pair(&c, &s);
		pmark_dtls_free(a);
		pmark_dtls_free(b);
		a = b = NULL;
	}

	/* an RSA server expected by fingerprint, an ECDSA client expected by fingerprint */
	cfg.cert_file = rcert;
	cfg.key_file = rkey;
	cfg.peer_fingerprint = want;
	b = pmark_dtls_new(&cfg);
	if (b)
		pmark_dtls_fingerprint(b, fp2, sizeof(fp2));
	pmark_dtls_free(a);
	cfg.cert_file = cert;
	cfg.key_file = key;
	cfg.peer_fingerprint = fp2;
	a = pmark_dtls_new(&cfg);
	peer_init(&c, &s);
	if (a && b && open_pair(&c, &s, a, b)) {
		char id[128];

		run_handshake(&c, &s, 5000);
		check(state(&c) == PMARK_XF_OPEN && state(&s) == PMARK_XF_OPEN &&
		      ops->peer_id(s.st, id, sizeof(id)) > 0 && !strcmp(id, want),
		      "pem: ECDSA client and RSA server, both fingerprints pinned: OPEN");
	} else {
		check(false, "pem: ECDSA client and RSA server, both fingerprints pinned: OPEN");
	}
	close_pair(&c, &s);
	pmark_dtls_free(a);
	pmark_dtls_free(b);
}

/* A plain OpenSSL DTLS client without a certificate, on memory BIOs. */
static void test_no_cert(void)
{
	SSL_CTX *cctx = SSL_CTX_new(DTLS_client_method());
	SSL *cs = cctx ? SSL_new(cctx) : NULL;
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	struct peer c, s;
	uint8_t out[2000];
	int guard = 0;

	if (!cs || !rb || !wb) {
		check(false, "no certificate: an OpenSSL client");
		return;
	}
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(cs, rb, wb);
	SSL_set_options(cs, SSL_OP_NO_QUERY_MTU);
	DTLS_set_link_mtu(cs, 1200);
	SSL_set_verify(cs, SSL_VERIFY_NONE, NULL);
	SSL_set_connect_state(cs);
	peer_init(&c, &s);
	s.st = ops->open(g_ds, false, NULL, 0, send_cb, &s);
	while (guard++ < 20 && state(&s) == PMARK_XF_HANDSHAKE) {
		char *p;
		long n;

		SSL_do_handshake(cs);
		n = BIO_get_mem_data(wb, &p);
		if (n > 0) {
			ops->unprotect(s.st, (const uint8_t *)p, (size_t)n, out, sizeof(out));
			(void)BIO_reset(wb);
		}
		while (s.head < s.tail) {
			BIO_write(rb, s.q[s.head % QMAX], (int)s.qlen[s.head % QMAX]);
			free(s.q[s.head % QMAX]);
			s.head++;
		}
	}
	printf("# server: %s\n", ops->error(s.st));
	check(state(&s) == PMARK_XF_FAILED && strstr(ops->error(s.st), "no certificate"),
	      "no certificate: the server fails, error() says the peer sent none");
	ops->close(s.st);
	s.st = NULL;
	queue_clear(&s);
	SSL_free(cs);
	SSL_CTX_free(cctx);
	ERR_clear_error();
}

/* Associations on one configuration in several threads at once. */
static void *thread_main(void *arg)
{
	struct peer c, s;
	uint8_t in[300], wire[400], out[400];
	uint64_t rid;
	long ok = 0;

	(void)arg;
	peer_init(&c, &s);
	open_pair(&c, &s, g_dc, g_ds);
	run_handshake(&c, &s, 10000);
	if (state(&c) == PMARK_XF_OPEN && state(&s) == PMARK_XF_OPEN) {
		for (int i = 0; i < 500; i++) {
			ssize_t w;

			fill(in, sizeof(in), (unsigned int)i);
			w = ops->protect(i % 2 ? c.st : s.st, in, sizeof(in), wire, sizeof(wire), &rid);
			if (w > 0 && ops->unprotect(i % 2 ? s.st : c.st, wire, (size_t)w, out, sizeof(out)) ==
					     (ssize_t)sizeof(in) && !memcmp(in, out, sizeof(in)))
				ok++;
		}
	}
	close_pair(&c, &s);
	return (void *)ok;
}

static void test_threads(void)
{
	pthread_t th[6];
	long total = 0;
	void *r;
	FILE *f;
	char line[512];
	int lines = 0, badlines = 0;

	for (int i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, thread_main, NULL);
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], &r);
		total += (long)r;
	}
	check(total == 6 * 500, "threads: 6 associations on one configuration at once, 3000 round trips");
	f = fopen(g_keylog, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (keylog_line_ok(line))
			lines++;
		else
			badlines++;
	}
	if (f)
		fclose(f);
	printf("# keylog: %d lines\n", lines);
	check(!badlines && lines >= 2 * 6, "threads: the key log has whole lines only");
}

/* ---- tshark decrypts the exchange and decodes SCTP ---- */

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0x82f63b78 & -(c & 1));
	}
	return ~c;
}

/* An SCTP packet: common header, one DATA chunk (TSN, stream 0, PPID 51 = string). */
static size_t sctp_packet(uint8_t *p, uint32_t tsn, const char *msg)
{
	size_t ml = strlen(msg), cl = 16 + ml, len = 12 + ((cl + 3) & ~(size_t)3);
	uint32_t crc;

	memset(p, 0, len);
	p[0] = 5000 >> 8, p[1] = 5000 & 0xff, p[2] = 5000 >> 8, p[3] = 5000 & 0xff;
	p[4] = 0x1a, p[5] = 0x2b, p[6] = 0x3c, p[7] = 0x4d;
	p[12] = 0, p[13] = 0x03, p[14] = (uint8_t)(cl >> 8), p[15] = (uint8_t)cl;
	p[16] = (uint8_t)(tsn >> 24), p[17] = (uint8_t)(tsn >> 16), p[18] = (uint8_t)(tsn >> 8),
	p[19] = (uint8_t)tsn;
	p[27] = 51;
	memcpy(p + 28, msg, ml);
	crc = crc32c(p, len);
	p[8] = (uint8_t)crc, p[9] = (uint8_t)(crc >> 8), p[10] = (uint8_t)(crc >> 16),
	p[11] = (uint8_t)(crc >> 24);
	return len;
}

/* Runs one tshark command; true when it shows the 3 DATA chunks with the right TSNs,
 * payloads, and the record ids protect() returned. */
static bool tshark_shows(const char *how, const char *cmd, const uint64_t *rids)
{
	char line[512];
	FILE *f;
	int good = 0;

	printf("# %s: %s\n", how, cmd);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned int epoch, tsn;
		unsigned long long seq;
		char data[256];

		printf("#   %s", line);
		if (sscanf(line, "%u %llu %u %255s", &epoch, &seq, &tsn, data) != 4 || tsn < 1000 || tsn > 1002)
			continue;
		/* "pmark-dtls-message-N" in hex */
		if (rids[tsn - 1000] == ((uint64_t)epoch << 48 | seq) &&
		    !strncmp(data, "706d61726b2d64746c732d6d6573736167652d3", 39) &&
		    data[39] == (char)('0' + (tsn - 1000)))
			good++;
	}
	if (f)
		pclose(f);
	return good == 3;
}

static void test_tshark(void)
{
	char path[128], klog[128], lua_port[128], lua_heur[128], rsakey[128], cmd[1024];
	struct pmark_dtls *dc, *ds;
	struct peer c, s;
	uint8_t pkt[200], wire[300];
	uint64_t rids[3] = { 0 };
	FILE *f;
	static const char fields[] = "-Y sctp.data_tsn_raw -T fields -e dtls.record.epoch "
				     "-e dtls.record.sequence_number -e sctp.data_tsn_raw -e data.data";

	if (!run_cmd("command -v tshark >/dev/null 2>&1")) {
		skip("tshark: decrypts with the key log, SCTP by port (Lua)", "no tshark");
		skip("tshark: decrypts with the key log, SCTP by heuristic (Lua)", "no tshark");
		skip("tshark: decrypts with the key log, SCTP by the DTLS key table", "no tshark");
		return;
	}
	snprintf(path, sizeof(path), "%s/dtls.pcap", tmpdir);
	snprintf(klog, sizeof(klog), "%s/tshark-keylog.txt", tmpdir);
	snprintf(lua_port, sizeof(lua_port), "%s/dtls_sctp_port.lua", tmpdir);
	snprintf(lua_heur, sizeof(lua_heur), "%s/dtls_sctp_heur.lua", tmpdir);
	snprintf(rsakey, sizeof(rsakey), "%s/rsakey.pem", tmpdir);
	dc = dtls_new(NULL, klog, 0);
	ds = dtls_new(NULL, klog, 0);
	pcap_open(path);
	peer_init(&c, &s);
	open_pair(&c, &s, dc, ds);
	run_handshake(&c, &s, 5000);
	for (uint32_t i = 0; i < 3; i++) {
		char msg[64];
		ssize_t w;

		snprintf(msg, sizeof(msg), "pmark-dtls-message-%u", i);
		w = ops->protect(c.st, pkt, sctp_packet(pkt, 1000 + i, msg), wire, sizeof(wire), &rids[i]);
		if (w > 0)
			send_cb(&c, wire, (size_t)w);   /* through the queue, into the pcap */
	}
	pump(&c, &s);
	close_pair(&c, &s);
	fclose(pcap);
	pcap = NULL;
	pmark_dtls_free(dc);
	pmark_dtls_free(ds);

	/* DTLS's "dtls.port" table takes no SCTP for Decode As (-d dtls.port==5000,sctp is
	 * refused); a Lua line adds it, or a heuristic takes every DTLS payload as SCTP. */
	f = fopen(lua_port, "w");
	if (f) {
		fputs("DissectorTable.get(\"dtls.port\"):add(5000, Dissector.get(\"sctp\"))\n", f);
		fclose(f);
	}
	f = fopen(lua_heur, "w");
	if (f) {
		fputs("local sctp = Dissector.get(\"sctp\")\n"
		      "local p = Proto(\"pmark_sctp_dtls\", \"SCTP in DTLS\")\n"
		      "p:register_heuristic(\"dtls\", function(tvb, pinfo, tree)\n"
		      "\tif tvb:len() < 12 then return false end\n"
		      "\tsctp:call(tvb, pinfo, tree)\n"
		      "\treturn true\n"
		      "end)\n", f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "tshark -r %s -o tls.keylog_file:%s -d udp.port==5000,dtls "
		 "-X lua_script:%s %s 2>/dev/null", path, klog, lua_port, fields);
	check(tshark_shows("by port", cmd, rids),
	      "tshark: decrypts with the key log, SCTP by port (Lua), record ids match");
	snprintf(cmd, sizeof(cmd), "tshark -r %s -o tls.keylog_file:%s -d udp.port==5000,dtls "
		 "-X lua_script:%s %s 2>/dev/null", path, klog, lua_heur, fields);
	check(tshark_shows("by heuristic", cmd, rids),
	      "tshark: decrypts with the key log, SCTP by heuristic (Lua), record ids match");
	if (access(rsakey, R_OK)) {
		skip("tshark: decrypts with the key log, SCTP by the DTLS key table", "no RSA key made");
		return;
	}
	/* without Lua: the DTLS RSA key table names a dissector for a port (any RSA key will do) */
	snprintf(cmd, sizeof(cmd), "tshark -r %s -o tls.keylog_file:%s -d udp.port==5000,dtls "
		 "-o 'uat:dtlsdecrypttablefile:\"any\",\"5000\",\"sctp\",\"%s\",\"\"' "
		 "-Y sctp.data_tsn_raw -T fields -e dtls.record.epoch -e dtls.record.sequence_number "
		 "-e sctp.data_tsn_raw -e sctp.data_payload_proto_id 2>/dev/null", path, klog, rsakey);
	{
		char line[512];
		int good = 0;

		printf("# by the key table: %s\n", cmd);
		f = popen(cmd, "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned int epoch, tsn, ppid;
			unsigned long long seq;

			printf("#   %s", line);
			if (sscanf(line, "%u %llu %u %u", &epoch, &seq, &tsn, &ppid) == 4 && tsn >= 1000 &&
			    tsn <= 1002 && ppid == 51 && rids[tsn - 1000] == ((uint64_t)epoch << 48 | seq))
				good++;
		}
		if (f)
			pclose(f);
		check(good == 3, "tshark: decrypts with the key log, SCTP by the DTLS key table (no Lua)");
	}
}

int main(void)
{
	printf("TAP version 13\n");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/unit_dtls.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_config();
	if (!g_dc || !g_ds) {
		printf("Bail out! no configuration\n");
		return 1;
	}
	test_handshake();
	test_roundtrip();
	test_tamper();
	test_reorder();
	test_fuzz();
	test_close();
	test_mismatch();
	test_lost_flights();
	test_early_data();
	test_timeout();
	test_pem();
	test_no_cert();
	test_threads();
	test_tshark();
	pmark_dtls_free(g_dc);
	pmark_dtls_free(g_ds);
	if (!getenv("UNIT_DTLS_KEEP")) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		run_cmd(cmd);
	} else {
		printf("# files kept in %s\n", tmpdir);
	}
	printf("1..%d\n", test_no);
	return failed ? 1 : 0;
}
