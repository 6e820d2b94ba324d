// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sctp_udp_send: test sender for the pmark wire tests.
 *
 * Writes UDP datagrams that carry well-formed SCTP packets (RFC 6951
 * encapsulation) with a chosen verification tag and TSN sequence: a common
 * header, optionally a SACK chunk, then one DATA (type 0) or I-DATA (type 64)
 * chunk, with a correct CRC32c.  There is no association behind them; the
 * point is to give the tc program (and tshark) exactly the bytes a real SCTP
 * stack would send.
 *
 * Right after binding its sockets it prints one line per socket,
 *     socket I port P cookie C
 * (C = SO_COOKIE) so a test can write records owned by a socket; with --wait
 * it then reads one line from stdin before sending.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define PROG "sctp_udp_send"

#define SCTP_COMMON_LEN 12
#define SCTP_SACK_LEN   20   /* chunk header, cum TSN ack, a_rwnd, counts, 1 gap block */
#define SCTP_DATA_HDR   16
#define SCTP_IDATA_HDR  20
#define CHUNK_DATA      0
#define CHUNK_SACK      3
#define CHUNK_IDATA     64
#define DATA_FLAGS_BE   0x03 /* B and E: the whole message in one chunk */
#define PPID_BINARY     53   /* WebRTC binary (RFC 8831) */

#define MAX_UDP_PAYLOAD 65507 /* IPv4 limit; also used for IPv6 */
#define MAX_SOCKETS     64

struct opts {
	bool v6;
	uint16_t src_port;
	const char *dst;
	uint16_t dst_port;
	uint32_t vtag;
	uint32_t tsn;
	uint32_t count;
	uint32_t size;
	bool idata;
	bool sack_first;
	bool no_data;
	uint32_t sockets;
	bool wait;
	int df;              /* -1 system default, 0 off, 1 on */
	int tos;             /* -1 system default, else IP_TOS / IPV6_TCLASS */
	uint32_t gap_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [-6] --src-port P --dst ADDR --dst-port P [options]\n"
		"\n"
		"Send UDP datagrams carrying SCTP packets (RFC 6951) with a chosen\n"
		"verification tag and TSN sequence.  Numbers: decimal or 0x hex.\n"
		"\n"
		"  -6               IPv6 (ADDR is an IPv6 address)\n"
		"  --src-port P     UDP (and SCTP) source port of socket 0\n"
		"  --dst ADDR       destination address\n"
		"  --dst-port P     UDP (and SCTP) destination port\n"
		"  --vtag V         verification tag (default 0x01020304)\n"
		"  --tsn T          TSN of the first datagram; datagram i has T+i (default 1)\n"
		"  --count N        datagrams per socket (default 1)\n"
		"  --size BYTES     user data bytes per DATA chunk (default 16)\n"
		"  --idata          I-DATA chunk (type 64) instead of DATA (type 0)\n"
		"  --sack-first     bundle a SACK chunk before the DATA chunk\n"
		"  --no-data        send a SACK only (control-only packet)\n"
		"  --sockets K      K sockets bound to ports P, P+1, ... (default 1)\n"
		"  --wait           after printing the socket lines, read a line from stdin\n"
		"  --df | --no-df   DF on (PMTUDISC_DO) / off (PMTUDISC_DONT, may fragment)\n"
		"  --tos V          IP_TOS / IPV6_TCLASS of the sockets (ECN bits included)\n"
		"  --gap-ms MS      pause between datagrams (default 0)\n"
		"  -h, --help       this text\n"
		"\n"
		"Prints 'socket I port P cookie C' for each socket once it is bound.\n");
}

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_arg(const char *opt, const char *val)
{
	fprintf(stderr, PROG ": invalid %s '%s': %s\n", opt, val, strerror(EINVAL));
	exit(1);
}

/* Decimal, or hex with a 0x prefix; no sign, no octal, no trailing junk. */
static uint64_t parse_num(const char *opt, const char *arg, uint64_t max)
{
	const char *s = arg;
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull would accept leading blanks and a sign: insist on a digit. */
	if (!(*s >= '0' && *s <= '9') &&
	    !(base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))))
		die_arg(opt, arg);
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		die_arg(opt, arg);
	return v;
}

/* CRC32c (Castagnoli, reflected polynomial 0x82F63B78), RFC 4960 appendix B. */
static uint32_t crc32c_table[256];

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc32c_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--)
		c = crc32c_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Build datagram number i for the socket bound to sport; returns its length. */
static size_t build(uint8_t *buf, const struct opts *o, uint16_t sport, uint32_t i)
{
	uint32_t tsn = o->tsn + i;  /* unsigned: wraps mod 2^32 */
	size_t off = SCTP_COMMON_LEN;
	uint32_t crc;

	put16(buf, sport);
	put16(buf + 2, o->dst_port);
	put32(buf + 4, o->vtag);
	put32(buf + 8, 0);

	if (o->sack_first || o->no_data) {
		uint8_t *c = buf + off;

		c[0] = CHUNK_SACK;
		c[1] = 0;
		put16(c + 2, SCTP_SACK_LEN);
		put32(c + 4, tsn - 1);      /* cumulative TSN ack */
		put32(c + 8, 65536);        /* a_rwnd */
		put16(c + 12, 1);           /* gap ack blocks */
		put16(c + 14, 0);           /* duplicate TSNs */
		put16(c + 16, 2);           /* gap block start (offset from cum ack) */
		put16(c + 18, 2);           /* gap block end */
		off += SCTP_SACK_LEN;
	}

	if (!o->no_data) {
		uint8_t *c = buf + off;
		size_t hdr = o->idata ? SCTP_IDATA_HDR : SCTP_DATA_HDR;
		size_t clen = hdr + o->size;

		c[0] = o->idata ? CHUNK_IDATA : CHUNK_DATA;
		c[1] = DATA_FLAGS_BE;
		put16(c + 2, (uint16_t)clen);
		put32(c + 4, tsn);
		put16(c + 8, 0);                    /* stream identifier */
		if (o->idata) {
			put16(c + 10, 0);           /* reserved */
			put32(c + 12, i);           /* message identifier */
			put32(c + 16, PPID_BINARY); /* PPID (B bit set) */
		} else {
			put16(c + 10, (uint16_t)i); /* stream sequence number */
			put32(c + 12, PPID_BINARY);
		}
		for (uint32_t j = 0; j < o->size; j++)
			c[hdr + j] = 'a' + (j + i) % 26;
		off += clen;
		while (off & 3)
			buf[off++] = 0;             /* chunk padding */
	}

	/*
	 * The CRC is computed with the checksum field zero and stored so that
	 * its least significant byte comes first on the wire (RFC 4960 B).
	 */
	crc = crc32c(buf, off);
	buf[8] = crc;
	buf[9] = crc >> 8;
	buf[10] = crc >> 16;
	buf[11] = crc >> 24;
	return off;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int open_socket(const struct opts *o, uint16_t port)
{
	int fam = o->v6 ? AF_INET6 : AF_INET;
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;
	char what[64];

	if (fd < 0)
		die("socket");
	if (o->v6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
			die("setsockopt IPV6_V6ONLY");
		if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
			snprintf(what, sizeof(what), "bind port %u", port);
			die(what);
		}
		if (o->df >= 0) {
			int pmtu = o->df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;
			int dontfrag = o->df;

			if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
				die("setsockopt IPV6_MTU_DISCOVER");
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &dontfrag, sizeof(dontfrag)))
				die("setsockopt IPV6_DONTFRAG");
		}
		if (o->tos >= 0 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &o->tos, sizeof(o->tos)))
			die("setsockopt IPV6_TCLASS");
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
			snprintf(what, sizeof(what), "bind port %u", port);
			die(what);
		}
		if (o->df >= 0) {
			int pmtu = o->df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;

			if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
				die("setsockopt IP_MTU_DISCOVER");
		}
		if (o->tos >= 0 && setsockopt(fd, IPPROTO_IP, IP_TOS, &o->tos, sizeof(o->tos)))
			die("setsockopt IP_TOS");
	}
	return fd;
}

int main(int argc, char **argv)
{
	enum {
		O_SRC_PORT = 256, O_DST, O_DST_PORT, O_VTAG, O_TSN, O_COUNT, O_SIZE,
		O_IDATA, O_SACK_FIRST, O_NO_DATA, O_SOCKETS, O_WAIT, O_DF, O_NO_DF,
		O_TOS, O_GAP_MS,
	};
	static const struct option lopts[] = {
		{ "src-port", required_argument, NULL, O_SRC_PORT },
		{ "dst", required_argument, NULL, O_DST },
		{ "dst-port", required_argument, NULL, O_DST_PORT },
		{ "vtag", required_argument, NULL, O_VTAG },
		{ "tsn", required_argument, NULL, O_TSN },
		{ "count", required_argument, NULL, O_COUNT },
		{ "size", required_argument, NULL, O_SIZE },
		{ "idata", no_argument, NULL, O_IDATA },
		{ "sack-first", no_argument, NULL, O_SACK_FIRST },
		{ "no-data", no_argument, NULL, O_NO_DATA },
		{ "sockets", required_argument, NULL, O_SOCKETS },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "df", no_argument, NULL, O_DF },
		{ "no-df", no_argument, NULL, O_NO_DF },
		{ "tos", required_argument, NULL, O_TOS },
		{ "gap-ms", required_argument, NULL, O_GAP_MS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.vtag = 0x01020304, .tsn = 1, .count = 1, .size = 16, .sockets = 1,
		.df = -1, .tos = -1,
	};
	bool have_src = false, have_dst_port = false;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} dst = { 0 };
	socklen_t dlen;
	int fds[MAX_SOCKETS];
	static uint8_t buf[MAX_UDP_PAYLOAD];
	size_t need;
	int c;

	opterr = 0;  /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":6h", lopts, NULL)) != -1) {
		switch (c) {
		case '6': o.v6 = true; break;
		case 'h': usage(stdout); return 0;
		case O_SRC_PORT:
			o.src_port = parse_num("--src-port", optarg, 65535);
			have_src = true;
			break;
		case O_DST: o.dst = optarg; break;
		case O_DST_PORT:
			o.dst_port = parse_num("--dst-port", optarg, 65535);
			have_dst_port = true;
			break;
		case O_VTAG: o.vtag = parse_num("--vtag", optarg, UINT32_MAX); break;
		case O_TSN: o.tsn = parse_num("--tsn", optarg, UINT32_MAX); break;
		case O_COUNT: o.count = parse_num("--count", optarg, UINT32_MAX); break;
		case O_SIZE: o.size = parse_num("--size", optarg, MAX_UDP_PAYLOAD); break;
		case O_IDATA: o.idata = true; break;
		case O_SACK_FIRST: o.sack_first = true; break;
		case O_NO_DATA: o.no_data = true; break;
		case O_SOCKETS: o.sockets = parse_num("--sockets", optarg, MAX_SOCKETS); break;
		case O_WAIT: o.wait = true; break;
		case O_DF: o.df = 1; break;
		case O_NO_DF: o.df = 0; break;
		case O_TOS: o.tos = parse_num("--tos", optarg, 255); break;
		case O_GAP_MS: o.gap_ms = parse_num("--gap-ms", optarg, 3600000); break;
		case ':':
			fprintf(stderr, PROG ": %s needs a value (try -h): %s\n", argv[optind - 1],
				strerror(EINVAL));
			return 1;
		default:
			if (optopt)
				fprintf(stderr, PROG ": unknown option -%c (try -h): %s\n", optopt,
					strerror(EINVAL));
			else
				fprintf(stderr, PROG ": unknown option %s (try -h): %s\n",
					argv[optind - 1], strerror(EINVAL));
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (try -h): %s\n", argv[optind],
			strerror(EINVAL));
		return 1;
	}
	if (!have_src || !o.dst || !have_dst_port) {
		errno = EINVAL;
		die("--src-port, --dst and --dst-port are required");
	}
	if (o.sockets == 0) {
		errno = EINVAL;
		die("--sockets must be at least 1");
	}
	if ((uint32_t)o.src_port + o.sockets - 1 > 65535) {
		errno = ERANGE;
		die("--src-port + --sockets");
	}
	need = SCTP_COMMON_LEN + SCTP_SACK_LEN +
	       (o.idata ? SCTP_IDATA_HDR : SCTP_DATA_HDR) + o.size + 3;
	if (need > sizeof(buf) || (o.idata ? SCTP_IDATA_HDR : SCTP_DATA_HDR) + o.size > 65535) {
		errno = EMSGSIZE;
		die("--size");
	}

	if (o.v6) {
		dst.v6.sin6_family = AF_INET6;
		dst.v6.sin6_port = htons(o.dst_port);
		if (inet_pton(AF_INET6, o.dst, &dst.v6.sin6_addr) != 1)
			die_arg("--dst", o.dst);
		dlen = sizeof(dst.v6);
	} else {
		dst.v4.sin_family = AF_INET;
		dst.v4.sin_port = htons(o.dst_port);
		if (inet_pton(AF_INET, o.dst, &dst.v4.sin_addr) != 1)
			die_arg("--dst", o.dst);
		dlen = sizeof(dst.v4);
	}

	crc32c_init();

	for (uint32_t k = 0; k < o.sockets; k++) {
		uint64_t cookie = 0;
		socklen_t clen = sizeof(cookie);

		fds[k] = open_socket(&o, o.src_port + k);
		if (getsockopt(fds[k], SOL_SOCKET, SO_COOKIE, &cookie, &clen))
			die("getsockopt SO_COOKIE");
		printf("socket %u port %u cookie %" PRIu64 "\n", k, o.src_port + k, cookie);
	}
	if (fflush(stdout))
		die("stdout");

	if (o.wait) {
		char line[256];

		/* EOF releases the sender too, so a closed pipe cannot hang a test. */
		if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
			die("stdin");
	}

	for (uint32_t i = 0; i < o.count; i++) {
		if (i && o.gap_ms)
			sleep_ms(o.gap_ms);
		for (uint32_t k = 0; k < o.sockets; k++) {
			size_t len = build(buf, &o, o.src_port + k, i);
			ssize_t n = sendto(fds[k], buf, len, 0, (struct sockaddr *)&dst, dlen);

			if (n < 0) {
				char what[80];

				snprintf(what, sizeof(what), "sendto (socket %u, TSN %" PRIu32 ")",
					 k, o.tsn + i);
				die(what);
			}
		}
	}
	for (uint32_t k = 0; k < o.sockets; k++)
		close(fds[k]);
	return 0;
}
