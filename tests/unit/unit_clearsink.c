// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the cleartext sink (clearsink.c): the pcap it writes is
 * read back three ways -- by tshark (every IP / UDP / SCTP field, no
 * malformed packet, no checksum complaint), by the C reader below (the
 * option bytes, every checksum recomputed) and by tests/net/clear_pairs.py
 * (the pairing tool) -- and the UDP mirror is received on loopback.  Also
 * the open errors' sentences, and 4 threads emitting at once.  TAP output;
 * needs no privileges.  Exits 4 (skipped whole) only when tshark is missing.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include "pmark_abi.h"
#include "pmark_dtls.h"
#include "clearsink.h"
#include "sctp_wire.h"

#define PAIRS_PY "tests/net/clear_pairs.py"
#define SCTP_PORT 5002          /* every packet's UDP destination: tshark decodes it as SCTP */

static int test_no, failed;
static char dir[] = "/tmp/unit_clearsink.XXXXXX";

static void check(bool cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++test_no, name);
	if (!cond)
		failed++;
}

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++test_no, name, why);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- packets ---- */

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

/*
 * A valid SCTP packet: common header and n DATA (or I-DATA) chunks with
 * TSNs tsn, tsn + 1, ..., each with plen bytes of payload (padded), and a
 * correct CRC32c.
 */
static size_t build_sctp(uint8_t *p, uint16_t sport, uint32_t vtag, uint32_t tsn, int n, bool idata,
			 size_t plen)
{
	size_t off = PM_SCTP_HDR_LEN;
	uint32_t crc;

	put16(p, sport);
	put16(p + 2, SCTP_PORT);
	put32(p + 4, vtag);
	put32(p + 8, 0);
	for (int i = 0; i < n; i++) {
		size_t hl = idata ? 20 : 16, cl = hl + plen;
		uint8_t *c = p + off;

		memset(c, 0, (cl + 3) & ~(size_t)3);
		c[0] = idata ? PM_CHUNK_IDATA : PM_CHUNK_DATA;
		c[1] = PM_DATA_B | PM_DATA_E;
		put16(c + 2, (uint16_t)cl);
		put32(c + 4, tsn + (uint32_t)i);
		put16(c + 8, 3);                         /* stream */
		if (idata) {
			put32(c + 12, (uint32_t)i);      /* MID */
			put32(c + 16, 51);               /* PPID (B set) */
		} else {
			put16(c + 10, (uint16_t)i);      /* SSN */
			put32(c + 12, 51);               /* PPID: WebRTC string */
		}
		for (size_t k = 0; k < plen; k++)
			c[hl + k] = (uint8_t)('a' + (k + i) % 26);
		off += (cl + 3) & ~(size_t)3;
	}
	crc = pm_crc32c(p, off);
	memcpy(p + 8, &crc, 4);
	return off;
}

struct tcase {
	const char *name;
	int family;                 /* of dst as given (a v4-mapped address is 6 here) */
	const char *src, *dst;      /* src NULL: unknown */
	uint16_t sport;
	uint8_t flags, ttl, tos, tos_mask;
	uint16_t ip_id;
	uint64_t record_id;
	uint32_t vtag, tsn;
	int nchunks;
	bool idata;
	/* what the packet must show */
	int want_family;
	uint8_t want_ttl, want_tos;
	int want_df;                /* IPv4 only */
};

static const struct tcase cases[] = {
	{ "v4 ttl 3, EF under 0xfc, DF set, IP ID", 4, "10.0.0.1", "10.0.0.2", 40001,
	  PMARK_F_TTL | PMARK_F_TOS | PMARK_F_DF_SET | PMARK_F_IPID, 3, 0xb8, 0xfc, 0x1234,
	  PMARK_RECORD_ID(1, 5), 0x11223344, 1000, 1, false, 4, 3, 0xb8, 1 },
	{ "v4 no action: TTL 64, TOS 0, DF set", 4, "10.0.0.1", "10.0.0.2", 40002,
	  0, 0, 0, 0, 0, PMARK_RECORD_ID(1, 6), 0x11223344, 1001, 1, false, 4, 64, 0, 1 },
	{ "v4 DF clear, TOS bits outside the mask dropped, 3 chunks", 4, NULL, "192.0.2.7", 40003,
	  PMARK_F_DF_CLEAR | PMARK_F_TOS | PMARK_F_TTL, 255, 0xb9, 0xfc, 0, PMARK_RECORD_ID(0xffff, 0x123456789abcULL),
	  0xdeadbeef, 0xfffffffe, 3, false, 4, 255, 0xb8, 0 },
	{ "v6 hop limit 7, traffic class 0x88", 6, "fd00::1", "fd00::2", 40004,
	  PMARK_F_TTL | PMARK_F_TOS, 7, 0x88, 0xff, 0, PMARK_RECORD_ID(2, 0xffffffffffffULL),
	  0x01020304, 7, 1, false, 6, 7, 0x88, -1 },
	{ "v6 no action, unknown source, I-DATA x2", 6, NULL, "2001:db8::5", 40005,
	  0, 0, 0, 0, 0, PMARK_RECORD_ID(3, 1), 0x0a0b0c0d, 77, 2, true, 6, 64, 0, -1 },
	{ "v4-mapped peer: an IPv4 packet", 6, "::ffff:10.1.1.1", "::ffff:10.1.1.2", 40006,
	  PMARK_F_TTL | PMARK_F_IPID, 9, 0, 0, 0xbeef, PMARK_RECORD_ID(4, 2), 0x55667788, 500, 1, false,
	  4, 9, 0, 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void make_addr(struct sockaddr_storage *ss, int family, const char *a, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (a)
			inet_pton(AF_INET, a, &in->sin_addr);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (a)
			inet_pton(AF_INET6, a, &in6->sin6_addr);
	}
}

static int emit_case(struct pm_clear_sink *s, const struct tcase *c, uint8_t *pkt, size_t *plen)
{
	struct sockaddr_storage src, dst;
	struct pm_clear_meta m = { 0 };

	make_addr(&src, c->family, c->src, c->sport);
	make_addr(&dst, c->family, c->dst, SCTP_PORT);
	*plen = build_sctp(pkt, c->sport, c->vtag, c->tsn, c->nchunks, c->idata, 13);
	m.src = &src;     /* an unknown address is the wildcard: zeros */
	m.dst = &dst;
	m.flags = c->flags;
	m.ttl = c->ttl;
	m.tos = c->tos;
	m.tos_mask = c->tos_mask;
	m.ip_id = c->ip_id;
	m.record_id = c->record_id;
	m.wire_len = *plen + 29;
	return pm_clear_emit(s, &m, pkt, *plen);
}

/* ---- reading the pcap back ---- */

/* The destination and source the case's datagram carries, as 16 bytes each
 * (IPv4 in the first 4; the last element of a "::ffff:a.b.c.d" form). */
static void want_addrs(const struct tcase *c, uint8_t want_d[16], uint8_t want_s[16])
{
	if (c->want_family == 4) {
		struct in_addr a;

		inet_pton(AF_INET, strrchr(c->dst, ':') ? strrchr(c->dst, ':') + 1 : c->dst, &a);
		memcpy(want_d, &a, 4);
		if (c->src) {
			inet_pton(AF_INET, strrchr(c->src, ':') ? strrchr(c->src, ':') + 1 : c->src, &a);
			memcpy(want_s, &a, 4);
		}
	} else {
		inet_pton(AF_INET6, c->dst, want_d);
		if (c->src)
			inet_pton(AF_INET6, c->src, want_s);
	}
}

struct rec {
	int family;
	bool opt_ok;                /* the option where and as the spec puts it */
	uint64_t record_id;
	uint8_t ttl, tos;
	int df;
	uint16_t ip_id, sport, dport;
	uint8_t saddr[16], daddr[16];
	bool ip_sum_ok, udp_sum_ok, len_ok, crc_ok;
	uint32_t vtag, tsn[8];
	int ntsn;
	struct timeval ts;
};

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += get16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static bool parse_rec(const uint8_t *p, size_t len, struct rec *r)
{
	const uint8_t *udp;
	size_t ulen;
	uint32_t acc;

	memset(r, 0, sizeof(*r));
	r->df = -1;
	if (len < 20)
		return false;
	if (p[0] >> 4 == 4) {
		size_t ihl = (p[0] & 15) * 4u;
		static const uint8_t pad[2];

		if (ihl != 32 || len < ihl + 8 || p[9] != IPPROTO_UDP)
			return false;
		r->family = 4;
		r->tos = p[1];
		r->len_ok = get16(p + 2) == len;
		r->ip_id = get16(p + 4);
		r->df = !!(p[6] & 0x40);
		r->ttl = p[8];
		r->ip_sum_ok = fold(sum16(0, p, ihl)) == 0xffff;
		memcpy(r->saddr, p + 12, 4);
		memcpy(r->daddr, p + 16, 4);
		r->opt_ok = p[20] == PMARK_CLEAR_IP_OPT && p[21] == 10 && !memcmp(p + 30, pad, 2) &&
			    (p[6] & 0x3f) == 0 && p[7] == 0;   /* and never a fragment */
		r->record_id = get64(p + 22);
		udp = p + ihl;
		acc = sum16(0, p + 12, 8) + IPPROTO_UDP + (uint32_t)(len - ihl);
	} else if (p[0] >> 4 == 6) {
		const uint8_t *d = p + 40;
		static const uint8_t padn[6] = { 1, 2, 0, 0, PMARK_CLEAR_IP6_OPT, PMARK_CLEAR_OPT_LEN };

		if (len < 40 + 16 + 8 || p[6] != 60)
			return false;
		r->family = 6;
		r->tos = (uint8_t)(get16(p) >> 4);
		r->len_ok = get16(p + 4) == len - 40;
		r->ttl = p[7];
		memcpy(r->saddr, p + 8, 16);
		memcpy(r->daddr, p + 24, 16);
		r->opt_ok = d[0] == IPPROTO_UDP && d[1] == 1 && !memcmp(d + 2, padn, 6);
		r->record_id = get64(d + 8);
		r->ip_sum_ok = true;
		udp = d + 16;
		acc = sum16(0, p + 8, 32) + IPPROTO_UDP + (uint32_t)(len - 56);
	} else {
		return false;
	}
	ulen = len - (size_t)(udp - p);
	r->sport = get16(udp);
	r->dport = get16(udp + 2);
	r->len_ok = r->len_ok && get16(udp + 4) == ulen;
	r->udp_sum_ok = get16(udp + 6) != 0 && fold(sum16(acc, udp, ulen)) == 0xffff;
	if (ulen >= 8 + PM_SCTP_HDR_LEN) {
		const uint8_t *sc = udp + 8;
		size_t sl = ulen - 8, off = PM_SCTP_HDR_LEN;

		r->crc_ok = pm_crc_ok(sc, sl);
		r->vtag = get32(sc + 4);
		while (off + 8 <= sl && r->ntsn < 8) {
			uint16_t cl = get16(sc + off + 2);

			if (cl < 4)
				break;
			if (pm_is_data(sc[off]))
				r->tsn[r->ntsn++] = get32(sc + off + 4);
			off += (cl + 3u) & ~3u;
		}
	}
	return true;
}

/* All records of a pcap written by the sink; the count, or -1 if the file is not one. */
static int read_pcap(const char *path, struct rec *out, int max, uint32_t *linktype)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	static uint8_t buf[65536];
	int n = 0;

	if (!f)
		return -1;
	if (fread(gh, 1, 24, f) != 24) {
		fclose(f);
		return -1;
	}
	memcpy(linktype, gh + 20, 4);
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t caplen, origlen;
		struct rec r;

		memcpy(&caplen, rh + 8, 4);
		memcpy(&origlen, rh + 12, 4);
		if (caplen > sizeof(buf) || caplen != origlen || fread(buf, 1, caplen, f) != caplen ||
		    !parse_rec(buf, caplen, &r)) {
			n = -1;
			break;
		}
		{
			uint32_t s, us;

			memcpy(&s, rh, 4);
			memcpy(&us, rh + 4, 4);
			r.ts.tv_sec = s;
			r.ts.tv_usec = us;
		}
		if (n < max)
			out[n] = r;
		n++;
	}
	fclose(f);
	return n;
}

/* ---- running tshark / python ---- */

/* Runs cmd; its stdout into out (NUL-terminated, up to cap); returns the exit status or -1. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, k;
	int st;

	if (!p)
		return -1;
	while (n + 1 < cap && (k = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += k;
	out[n] = 0;
	while (fgetc(p) != EOF)   /* the rest: let the command finish */
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define TSHARK "tshark -n -o sctp.relative_tsns:FALSE -o 'sctp.checksum:CRC 32c' " \
	       "-o udp.check_checksum:TRUE -o ip.check_checksum:TRUE -d udp.port==5002,sctp "

static void diag_lines(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		int l = e ? (int)(e - p) : (int)strlen(p);

		printf("# %.*s\n", l, p);
		p += l + (e ? 1 : 0);
	}
}

/* ---- tests ---- */

static char pcap1[256], pcap_conc[256];
static uint8_t pkts[NCASES][512];
static size_t plens[NCASES];

static void test_pcap_write(void)
{
	char why[256] = "";
	struct pm_clear_sink *s;
	struct rec r[NCASES + 2];
	uint32_t lt = 0;
	bool all = true;
	int n;

	snprintf(pcap1, sizeof(pcap1), "%s/cases.pcap", dir);
	s = pm_clear_sink_open(pcap1, NULL, 0, why, sizeof(why));
	check(s != NULL, "pcap: opens");
	if (!s) {
		printf("# %s\n", why);
		return;
	}
	for (size_t i = 0; i < NCASES; i++)
		all = all && emit_case(s, &cases[i], pkts[i], &plens[i]) == 0;
	check(all, "pcap: every emit returns 0");
	pm_clear_sink_close(s);
	n = read_pcap(pcap1, r, NCASES + 2, &lt);
	check(n == (int)NCASES, "pcap: one well-formed record per emit, after close");
	check(lt == 101, "pcap: link type LINKTYPE_RAW (101) in the file header");
	if (n != (int)NCASES)
		return;
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		struct rec *x = &r[i];
		char name[160];
		bool ok = x->family == c->want_family && x->ttl == c->want_ttl && x->tos == c->want_tos &&
			  x->ip_id == (x->family == 4 ? c->ip_id : 0) && x->sport == c->sport &&
			  x->dport == SCTP_PORT && x->vtag == c->vtag && x->ntsn == c->nchunks &&
			  x->tsn[0] == c->tsn && x->df == c->want_df;
		uint8_t want_d[16] = { 0 }, want_s[16] = { 0 };

		want_addrs(c, want_d, want_s);
		ok = ok && !memcmp(x->daddr, want_d, 16) && !memcmp(x->saddr, want_s, 16);
		snprintf(name, sizeof(name), "pcap: %s: IP / UDP / SCTP fields as the datagram leaves", c->name);
		check(ok, name);
		snprintf(name, sizeof(name), "pcap: %s: option holds record id %#llx", c->name,
			 (unsigned long long)c->record_id);
		check(x->opt_ok && x->record_id == c->record_id, name);
		snprintf(name, sizeof(name), "pcap: %s: lengths, IP / UDP checksums and CRC32c correct",
			 c->name);
		check(x->len_ok && x->ip_sum_ok && x->udp_sum_ok && x->crc_ok, name);
	}
	{
		struct timeval tv;
		bool ts_ok = true;

		gettimeofday(&tv, NULL);
		for (size_t i = 0; i < NCASES; i++)
			ts_ok = ts_ok && labs((long)(tv.tv_sec - r[i].ts.tv_sec)) <= 5 &&
				(i == 0 || timercmp(&r[i - 1].ts, &r[i].ts, <=));
		check(ts_ok, "pcap: timestamps are the time of the emit, rising in file order");
	}
}

/* tshark reads every field back, finds nothing malformed and no checksum problem. */
static void test_tshark(void)
{
	static char out[65536];
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof(cmd),
		 TSHARK "-r %s -T fields -E separator=';' -E occurrence=a -E aggregator=, "
		 "-e ip.ttl -e ip.dsfield -e ip.flags.df -e ip.id -e ipv6.hlim -e ipv6.tclass "
		 "-e udp.srcport -e udp.dstport -e sctp.verification_tag -e sctp.data_tsn_raw "
		 "-e udp.checksum.status -e ip.checksum.status -e sctp.checksum.status "
		 "2>%s/tshark.err", pcap1, dir);
	rc = run(cmd, out, sizeof(out));
	check(rc == 0, "tshark: reads the pcap");
	{
		char *line = out, want[NCASES][256];
		size_t i = 0;
		bool ok = true;

		for (i = 0; i < NCASES; i++) {
			const struct tcase *c = &cases[i];
			char tsns[128] = "";

			for (int k = 0; k < c->nchunks; k++)
				snprintf(tsns + strlen(tsns), sizeof(tsns) - strlen(tsns), "%s%u", k ? "," : "",
					 c->tsn + (uint32_t)k);
			if (c->want_family == 4)
				snprintf(want[i], sizeof(want[i]), "%u;0x%02x;%s;0x%04x;;;%u;%u;0x%08x;%s;1;1;1",
					 c->want_ttl, c->want_tos, c->want_df ? "1" : "0", c->ip_id, c->sport,
					 SCTP_PORT, c->vtag, tsns);
			else
				snprintf(want[i], sizeof(want[i]), ";;;;%u;0x%08x;%u;%u;0x%08x;%s;1;;1",
					 c->want_ttl, c->want_tos, c->sport, SCTP_PORT, c->vtag, tsns);
		}
		/* tshark 4.0 prints the flag as 1/0 and a checksum status as 1 =
		 * "Good" (older versions print the flag True/False): normalise it. */
		for (i = 0; i < NCASES && ok; i++) {
			char *e = strchr(line, '\n'), got[256], *t;

			if (!e) {
				ok = false;
				break;
			}
			*e = 0;
			snprintf(got, sizeof(got), "%.255s", line);
			while ((t = strstr(got, ";True;")))
				memmove(t + 2, t + 5, strlen(t + 5) + 1), t[1] = '1';
			while ((t = strstr(got, ";False;")))
				memmove(t + 2, t + 6, strlen(t + 6) + 1), t[1] = '0';
			if (strcmp(got, want[i])) {
				printf("# frame %zu: got  %s\n# frame %zu: want %s\n", i + 1, got, i + 1, want[i]);
				ok = false;
			}
			line = e + 1;
		}
		check(ok && i == NCASES && !*line,
		      "tshark: TTL, DSCP, DF, IP ID, hop limit, class, ports, vtag, TSNs, checksums as emitted");
	}
	snprintf(cmd, sizeof(cmd),
		 TSHARK "-r %s -Y '_ws.malformed || _ws.expert.severity >= warning || "
		 "udp.checksum.status != 1 || sctp.checksum.status != 1 || (ip && ip.checksum.status != 1) || "
		 "!sctp.data_tsn_raw' 2>>%s/tshark.err", pcap1, dir);
	rc = run(cmd, out, sizeof(out));
	check(rc == 0 && !out[0], "tshark: no malformed packet, no warning, no bad checksum");
	if (out[0])
		diag_lines(out);
	/* The option as Wireshark 4.0 shows it: IPv4 "Unknown (0x1e)" of 10
	 * bytes, taken whole; IPv6 "Experimental (0x1E)" with the record id. */
	snprintf(cmd, sizeof(cmd), TSHARK "-r %s -V 2>>%s/tshark.err | grep -c 'Unknown (0x1e) (10 bytes)'",
		 pcap1, dir);
	run(cmd, out, sizeof(out));
	check(atoi(out) == 4, "tshark: IPv4 option 30 of 10 bytes in each IPv4 packet");
	snprintf(cmd, sizeof(cmd), TSHARK "-r %s -Y ipv6 -T fields -E occurrence=a -E separator=';' "
		 "-e ipv6.opt.type -e ipv6.opt.experimental 2>>%s/tshark.err", pcap1, dir);
	rc = run(cmd, out, sizeof(out));
	check(rc == 0 && !strcmp(out, "0x01,0x1e;0002ffffffffffff\n0x01,0x1e;0003000000000001\n"),
	      "tshark: IPv6 PadN then option 0x1e holding the record id");
	if (strcmp(out, "0x01,0x1e;0002ffffffffffff\n0x01,0x1e;0003000000000001\n"))
		diag_lines(out);
}

/* clear_pairs.py: its self-test, then the pcap: record ids and TSNs in order. */
static void test_pairs_tool(void)
{
	static char out[65536];
	char cmd[1024];
	int rc;

	if (access(PAIRS_PY, R_OK)) {
		check(false, "clear_pairs.py: found (run from the source tree's top)");
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 %s --self-test 2>&1", PAIRS_PY);
	rc = run(cmd, out, sizeof(out));
	check(rc == 0, "clear_pairs.py --self-test passes");
	if (rc)
		diag_lines(out);
	snprintf(cmd, sizeof(cmd), "python3 %s %s 2>&1", PAIRS_PY, pcap1);
	rc = run(cmd, out, sizeof(out));
	{
		char *line = out;
		bool ok = rc == 0;
		size_t i;

		for (i = 0; i < NCASES && ok; i++) {
			const struct tcase *c = &cases[i];
			char want[256], *e = strchr(line, '\n');
			unsigned long long rid;
			unsigned n, fam, ttl, tos;

			if (!e) {
				ok = false;
				break;
			}
			*e = 0;
			snprintf(want, sizeof(want), "\"tsns\": [%u", c->tsn);
			for (int k = 1; k < c->nchunks; k++)
				snprintf(want + strlen(want), sizeof(want) - strlen(want), ", %u", c->tsn + (uint32_t)k);
			ok = sscanf(line, "{\"n\": %u, \"family\": %u, \"record_id\": %llu", &n, &fam, &rid) == 3 &&
			     n == i + 1 && fam == (unsigned)c->want_family && rid == c->record_id &&
			     strstr(line, want) && strstr(strstr(line, want), "]");
			ok = ok && strstr(line, "\"ttl\": ") &&
			     sscanf(strstr(line, "\"ttl\": "), "\"ttl\": %u, \"tos\": %u", &ttl, &tos) == 2 &&
			     ttl == c->want_ttl && tos == c->want_tos;
			if (!ok)
				printf("# line %zu: %s\n# wanted record_id %llu, %s]\n", i + 1, line,
				       (unsigned long long)c->record_id, want);
			line = e + 1;
		}
		check(ok && i == NCASES && !*line, "clear_pairs.py: record ids, TTL / TOS and TSNs of every packet");
		if (rc)
			diag_lines(out);
	}
}

static int udp_bound(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	make_addr(ss, family == AF_INET ? 4 : 6, family == AF_INET ? "127.0.0.1" : "::1", 0);
	*len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (bind(fd, (struct sockaddr *)ss, *len) || getsockname(fd, (struct sockaddr *)ss, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t recv_wait(int fd, uint8_t *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* An Ethernet pcap of the mirror datagrams received, as tcpdump would capture them. */
static void eth_pcap_add(FILE *f, const uint8_t *payload, size_t len, uint16_t sport, uint16_t dport)
{
	uint8_t h[14 + 20 + 8];
	uint32_t rh[4];
	struct timeval tv;

	memset(h, 0, sizeof(h));
	h[12] = 0x08;                     /* IPv4 */
	h[14] = 0x45;
	put16(h + 16, (uint16_t)(28 + len));
	h[22] = 64;
	h[23] = IPPROTO_UDP;
	put32(h + 26, 0x7f000001);
	put32(h + 30, 0x7f000001);
	put16(h + 24, (uint16_t)~fold(sum16(0, h + 14, 20)));
	put16(h + 34, sport);
	put16(h + 36, dport);
	put16(h + 38, (uint16_t)(8 + len));
	gettimeofday(&tv, NULL);
	rh[0] = (uint32_t)tv.tv_sec;
	rh[1] = (uint32_t)tv.tv_usec;
	rh[2] = rh[3] = (uint32_t)(sizeof(h) + len);
	fwrite(rh, 4, 4, f);
	fwrite(h, 1, sizeof(h), f);
	fwrite(payload, 1, len, f);
}

static void test_mirror_family(int family, FILE *capture)
{
	struct sockaddr_storage coll;
	socklen_t cl;
	char why[256] = "", name[160];
	int fd = udp_bound(family, &coll, &cl);
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct pm_clear_sink *s;
	bool all = true;

	if (fd < 0) {
		snprintf(name, sizeof(name), "mirror %s: collector bound on loopback", fam);
		skip(name, "no loopback address of that family");
		return;
	}
	s = pm_clear_sink_open(NULL, (struct sockaddr *)&coll, cl, why, sizeof(why));
	snprintf(name, sizeof(name), "mirror %s: opens", fam);
	check(s != NULL, name);
	if (!s) {
		printf("# %s\n", why);
		close(fd);
		return;
	}
	{
		struct sockaddr_storage a = coll, b;

		((struct sockaddr_in *)&a)->sin_port = htons(1);   /* same offset in sockaddr_in6 */
		if (family == AF_INET)
			make_addr(&b, 6, "::ffff:127.0.0.1", 9);
		else
			make_addr(&b, 6, "::2", 9);
		snprintf(name, sizeof(name), "mirror %s: is_mirror_host on its address, any port", fam);
		check(pm_clear_sink_is_mirror_host(s, &a) && pm_clear_sink_is_mirror_host(s, &coll), name);
		snprintf(name, sizeof(name), "mirror %s: is_mirror_host %s", fam,
			 family == AF_INET ? "matches the v4-mapped form" : "false for another address");
		check(pm_clear_sink_is_mirror_host(s, &b) == (family == AF_INET), name);
		make_addr(&b, 4, "127.0.0.2", 9);
		snprintf(name, sizeof(name), "mirror %s: is_mirror_host false for 127.0.0.2", fam);
		check(!pm_clear_sink_is_mirror_host(s, &b), name);
	}
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		uint8_t pkt[512], got[1024];
		struct pmark_clear_hdr h;
		size_t plen;
		ssize_t n;
		int rc = emit_case(s, c, pkt, &plen);
		uint8_t want_d[16] = { 0 }, want_s[16] = { 0 };
		bool ok;

		n = rc == 0 ? recv_wait(fd, got, sizeof(got)) : -1;
		ok = n == (ssize_t)(sizeof(h) + plen);
		if (ok) {
			memcpy(&h, got, sizeof(h));
			if (capture)
				eth_pcap_add(capture, got, (size_t)n, 33333, 7000);
			want_addrs(c, want_d, want_s);
			ok = !memcmp(h.magic, "PMCT", 4) && h.version == 1 && h.family == c->want_family &&
			     h.flags == c->flags && h.ttl == (c->flags & PMARK_F_TTL ? c->ttl : 0) &&
			     h.tos == (c->flags & PMARK_F_TOS ? c->tos : 0) &&
			     h.tos_mask == (c->flags & PMARK_F_TOS ? c->tos_mask : 0) &&
			     ntohs(h.ip_id) == c->ip_id && ntohs(h.sport) == c->sport &&
			     ntohs(h.dport) == SCTP_PORT && be64toh(h.record_id) == c->record_id &&
			     ntohs(h.wire_len) == plen + 29 && !h.reserved[0] && !h.reserved[1] &&
			     !h.reserved[2] && !memcmp(h.daddr, want_d, 16) && !memcmp(h.saddr, want_s, 16) &&
			     !memcmp(got + sizeof(h), pkt, plen);
		}
		all = all && ok;
		if (!ok)
			printf("# case %zu (%s): emit %d, received %zd\n", i, c->name, rc, n);
	}
	snprintf(name, sizeof(name), "mirror %s: one datagram per emit: header fields (network order) + the packet", fam);
	check(all, name);
	pm_clear_sink_close(s);
	close(fd);
}

static void test_mirror(void)
{
	char path[300], cmd[1024];
	static char out[65536];
	FILE *cap;
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

	snprintf(path, sizeof(path), "%s/mirror_eth.pcap", dir);
	cap = fopen(path, "wb");
	if (cap)
		fwrite(gh, 4, 6, cap);
	test_mirror_family(AF_INET, cap);
	if (cap)
		fclose(cap);
	test_mirror_family(AF_INET6, NULL);

	/* A collector that is not there: the kernel reports ICMP port
	 * unreachable on the connected socket; emits fail with a negative
	 * errno the caller counts, at once. */
	{
		struct sockaddr_storage coll;
		socklen_t cl;
		int fd = udp_bound(AF_INET, &coll, &cl), refused = 0, other = 0;
		struct pm_clear_sink *s;
		double t0;

		close(fd);   /* the port is free now: nothing listens */
		s = pm_clear_sink_open(NULL, (struct sockaddr *)&coll, cl, NULL, 0);
		t0 = now_s();
		for (int i = 0; s && i < 20; i++) {
			uint8_t pkt[512];
			size_t plen;
			int rc = emit_case(s, &cases[0], pkt, &plen);

			if (rc == -ECONNREFUSED)
				refused++;
			else if (rc)
				other++;
		}
		check(s && refused > 0 && other == 0 && now_s() - t0 < 1.0,
		      "mirror: nobody listening: emits return -ECONNREFUSED, never block");
		pm_clear_sink_close(s);
	}

	/* clear_pairs.py --mirror-capture on an Ethernet capture of those datagrams. */
	if (access(PAIRS_PY, R_OK) || !cap) {
		check(false, "clear_pairs.py --mirror-capture: script and capture there");
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 %s --mirror-capture %s 2>&1", PAIRS_PY, path);
	{
		int rc = run(cmd, out, sizeof(out));
		char *line = out;
		bool ok = rc == 0;
		size_t i;

		for (i = 0; i < NCASES && ok; i++) {
			const struct tcase *c = &cases[i];
			char *e = strchr(line, '\n'), want[64];
			unsigned long long rid;
			unsigned fam, ttl = 0, tos = 0;
			int df = -1, k;

			if (!e) {
				ok = false;
				break;
			}
			*e = 0;
			snprintf(want, sizeof(want), "\"tsns\": [%u", c->tsn);
			ok = sscanf(line, "{\"n\": %*u, \"family\": %u, \"record_id\": %llu", &fam, &rid) == 2 &&
			     fam == (unsigned)c->want_family && rid == c->record_id && strstr(line, want) &&
			     strstr(line, "\"ttl\": ");
			/* df is null for IPv6: the scan stops there */
			k = ok ? sscanf(strstr(line, "\"ttl\": "), "\"ttl\": %u, \"tos\": %u, \"df\": %d", &ttl,
					&tos, &df) : 0;
			ok = ok && ttl == c->want_ttl && tos == c->want_tos &&
			     (c->want_family == 6 ? k == 2 && strstr(line, "\"df\": null") : k == 3 && df == c->want_df);
			if (!ok)
				printf("# line %zu: %s\n", i + 1, line);
			line = e + 1;
		}
		check(ok && i == NCASES, "clear_pairs.py --mirror-capture: same record ids, TTL / TOS / DF, TSNs");
		if (rc)
			diag_lines(out);
	}
}

static void test_open_errors(void)
{
	char why[256] = "", want[300];
	struct pm_clear_sink *s;
	struct sockaddr_storage ss;
	struct stat st;

	s = pm_clear_sink_open("/nonexistent-pmark-dir/x.pcap", NULL, 0, why, sizeof(why));
	check(!s && errno == ENOENT && !strcmp(why, "cleartext pcap /nonexistent-pmark-dir/x.pcap: No such file or directory"),
	      "open: a pcap in a missing directory: NULL, ENOENT, the sentence");
	if (strcmp(why, "cleartext pcap /nonexistent-pmark-dir/x.pcap: No such file or directory"))
		printf("# why: %s\n", why);
	pm_clear_sink_close(s);

	s = pm_clear_sink_open(NULL, NULL, 0, why, sizeof(why));
	check(!s && errno == EINVAL && why[0], "open: neither pcap nor mirror: EINVAL");

	make_addr(&ss, 4, "127.0.0.1", 0);
	snprintf(want, sizeof(want), "%s/never.pcap", dir);
	s = pm_clear_sink_open(want, (struct sockaddr *)&ss, sizeof(struct sockaddr_in), why, sizeof(why));
	check(!s && errno == EINVAL && !strcmp(why, "cleartext mirror 127.0.0.1:0: Invalid argument") &&
	      stat(want, &st) != 0, "open: mirror port 0 refused with the sentence; no pcap file left behind");
	if (s || strcmp(why, "cleartext mirror 127.0.0.1:0: Invalid argument"))
		printf("# why: %s\n", why);
	pm_clear_sink_close(s);

	{
		struct sockaddr_un_like { sa_family_t f; char p[30]; } u = { AF_UNIX, "x" };

		s = pm_clear_sink_open(NULL, (struct sockaddr *)&u, sizeof(u), why, sizeof(why));
		check(!s && errno == EAFNOSUPPORT && strstr(why, "cleartext mirror"),
		      "open: a mirror that is not IPv4 / IPv6: EAFNOSUPPORT");
	}

	/* Unreachable: TEST-NET-2 and a documentation prefix have no route
	 * on a host without a default route; with one, connect succeeds. */
	{
		static const char *const try[][2] = { { "198.51.100.9", "cleartext mirror 198.51.100.9:7000: Network is unreachable" },
						       { "2001:db8::9", "cleartext mirror [2001:db8::9]:7000: Network is unreachable" } };
		bool done = false;

		for (int i = 0; i < 2 && !done; i++) {
			int fam = strchr(try[i][0], ':') ? 6 : 4;

			make_addr(&ss, fam, try[i][0], 7000);
			s = pm_clear_sink_open(NULL, (struct sockaddr *)&ss,
					       fam == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
					       why, sizeof(why));
			if (!s) {
				check(errno == ENETUNREACH && !strcmp(why, try[i][1]),
				      "open: unreachable mirror: ENETUNREACH, the sentence");
				if (strcmp(why, try[i][1]))
					printf("# why: %s\n", why);
				done = true;
			}
			pm_clear_sink_close(s);
		}
		if (!done)
			skip("open: unreachable mirror: ENETUNREACH, the sentence",
			     "this host routes 198.51.100.9 and 2001:db8::9");
	}
}

/* The file is readable while the sink stays open: a record reaches the disk within a second. */
static void test_flush_while_open(void)
{
	char path[300], why[256];
	struct pm_clear_sink *s;
	uint8_t pkt[512];
	size_t plen;
	struct stat st;
	double t0, waited = -1;

	snprintf(path, sizeof(path), "%s/live.pcap", dir);
	s = pm_clear_sink_open(path, NULL, 0, why, sizeof(why));
	if (!s) {
		check(false, "pcap: a record is on disk within 1 s while the sink stays open");
		return;
	}
	check(stat(path, &st) == 0 && st.st_size == 24, "pcap: the file header is on disk at open");
	emit_case(s, &cases[0], pkt, &plen);
	t0 = now_s();
	while (now_s() - t0 < 1.5) {
		if (stat(path, &st) == 0 && st.st_size == (off_t)(24 + 16 + 32 + 8 + plen)) {
			waited = now_s() - t0;
			break;
		}
		usleep(10000);
	}
	check(waited >= 0 && waited < 1.0, "pcap: a record is on disk within 1 s while the sink stays open");
	printf("# on disk after %.0f ms\n", waited * 1000);
	pm_clear_sink_close(s);
}

#define THREADS 4
#define PER_THREAD 1000

struct worker {
	struct pm_clear_sink *s;
	int id, errors;
};

static void *emitter(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_storage src, dst;
	uint8_t pkt[512];

	for (int i = 0; i < PER_THREAD; i++) {
		struct pm_clear_meta m = { 0 };
		int fam = (i + w->id) % 2 ? 6 : 4;
		size_t len = build_sctp(pkt, (uint16_t)(41000 + w->id), 0x1000u + (uint32_t)w->id,
					(uint32_t)i, 1 + i % 3, false, (size_t)(i % 40));

		make_addr(&src, fam, fam == 4 ? "10.9.0.1" : "fd09::1", (uint16_t)(41000 + w->id));
		make_addr(&dst, fam, fam == 4 ? "10.9.0.2" : "fd09::2", SCTP_PORT);
		m.src = &src;
		m.dst = &dst;
		m.flags = PMARK_F_TTL;
		m.ttl = (uint8_t)(1 + i % 30);
		m.record_id = PMARK_RECORD_ID(w->id + 1, (uint64_t)i);
		m.wire_len = len + 29;
		if (pm_clear_emit(w->s, &m, pkt, len))
			w->errors++;
	}
	return NULL;
}

static void test_concurrency(void)
{
	static struct rec r[THREADS * PER_THREAD + 1];
	static char out[4096];
	struct worker w[THREADS];
	pthread_t t[THREADS];
	char why[256], cmd[1024];
	struct pm_clear_sink *s;
	uint32_t lt, next[THREADS] = { 0 };
	int n, errors = 0, rc;
	bool good = true, ordered = true;

	snprintf(pcap_conc, sizeof(pcap_conc), "%s/concurrent.pcap", dir);
	s = pm_clear_sink_open(pcap_conc, NULL, 0, why, sizeof(why));
	if (!s) {
		check(false, "concurrency: sink opens");
		return;
	}
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .s = s, .id = i };
		pthread_create(&t[i], NULL, emitter, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
	}
	pm_clear_sink_close(s);
	n = read_pcap(pcap_conc, r, THREADS * PER_THREAD + 1, &lt);
	check(errors == 0 && n == THREADS * PER_THREAD,
	      "concurrency: 4 threads x 1000 emits: exactly 4000 well-formed records");
	if (n != THREADS * PER_THREAD) {
		printf("# %d records, %d emit errors\n", n, errors);
		return;
	}
	for (int i = 0; i < n; i++) {
		int id = (int)(r[i].record_id >> 48) - 1;
		uint32_t seq = (uint32_t)(r[i].record_id & 0xffffffffffffULL);

		good = good && r[i].opt_ok && r[i].ip_sum_ok && r[i].udp_sum_ok && r[i].crc_ok && r[i].len_ok &&
		       id >= 0 && id < THREADS && r[i].ttl == 1 + seq % 30 && r[i].tsn[0] == seq &&
		       r[i].sport == 41000 + id;
		if (id >= 0 && id < THREADS) {
			ordered = ordered && seq == next[id];
			next[id] = seq + 1;
		}
	}
	check(good, "concurrency: every record's checksums, option and fields intact");
	check(ordered, "concurrency: each thread's records complete and in its emit order");
	snprintf(cmd, sizeof(cmd),
		 TSHARK "-r %s -Y '_ws.malformed || _ws.expert.severity >= warning || udp.checksum.status != 1 || "
		 "sctp.checksum.status != 1' -T fields -e frame.number 2>>%s/tshark.err | wc -l; "
		 "tshark -r %s 2>/dev/null | wc -l", pcap_conc, dir, pcap_conc);
	rc = run(cmd, out, sizeof(out));
	check(rc == 0 && !strcmp(out, "0\n4000\n"), "concurrency: tshark reads 4000 frames, none flagged");
	if (strcmp(out, "0\n4000\n"))
		diag_lines(out);
}

/* Time per emit as the sink runs (buffered; docs/design.md has the comparison with a flush per packet). */
static void measure(void)
{
	char path[300], why[256];
	struct pm_clear_sink *s;
	struct sockaddr_storage src, dst;
	uint8_t pkt[1400];
	size_t len = build_sctp(pkt, 40000, 1, 1, 1, false, 1100);
	struct pm_clear_meta m = { .src = &src, .dst = &dst, .flags = PMARK_F_TTL, .ttl = 5, .record_id = 1 };
	double t0, t1;
	const int N = 20000;

	make_addr(&src, 4, "10.0.0.1", 40000);
	make_addr(&dst, 4, "10.0.0.2", SCTP_PORT);
	snprintf(path, sizeof(path), "%s/measure.pcap", dir);
	s = pm_clear_sink_open(path, NULL, 0, why, sizeof(why));
	if (!s)
		return;
	t0 = now_s();
	for (int i = 0; i < N; i++)
		pm_clear_emit(s, &m, pkt, len);
	t1 = now_s();
	pm_clear_sink_close(s);
	printf("# emit of a %zu-byte packet to the pcap: %.0f ns\n", len, (t1 - t0) / N * 1e9);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP tshark not installed\n");
		return 4;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	printf("TAP version 13\n");
	test_pcap_write();
	test_tshark();
	test_pairs_tool();
	test_mirror();
	test_open_errors();
	test_flush_while_open();
	test_concurrency();
	measure();
	printf("1..%d\n", test_no);   /* trailing plan: the count is what ran */
	if (!failed) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	} else {
		printf("# files kept in %s\n", dir);
	}
	return failed ? 1 : 0;
}
