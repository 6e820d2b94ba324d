// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usrsctp_peer: an interoperability test peer on usrsctp's own socket API
 * and its own SCTP-over-UDP encapsulation (RFC 6951), not AF_CONN.
 *
 *   usrsctp_peer server --udp-port U [--sctp-port P] [--v6] [--count N]
 *   usrsctp_peer client --udp-port U --remote ADDR --remote-udp-port RU
 *           [--sctp-port P] [--count N] [--size S] [--stream ID]
 *           [--unordered] [--ppid PPID] [--nodelay]
 *   common: [--timeout SEC] [--debug]
 *
 * usrsctp_init(U) makes usrsctp bind UDP port U (IPv4 and IPv6) for the
 * encapsulation; packets leave from U.  The client sets the remote
 * encapsulation port RU on its socket before connect (endpoint default,
 * wildcard address, SCTP_FUTURE_ASSOC), so the INIT and all later packets
 * are sent as UDP to ADDR:RU.  The server learns each peer's UDP port from
 * the packets it receives (usrsctp follows the source port).
 *
 * Server: one-to-one socket bound to the wildcard address (IPv4, or IPv6
 * with --v6: usrsctp IPv6 sockets are dual-stack, usrsctp has no
 * IPV6_V6ONLY), accepts ONE association and echoes every message on the
 * same stream with the same PPID and unordered flag.  When the association
 * ends it prints "server: received N messages B bytes, echoed N" and exits
 * 0 after a graceful shutdown by the peer (and, with --count N, exactly N
 * messages echoed), 1 otherwise.
 *
 * Client: sends N messages of S bytes on stream ID with PPID; byte i of
 * message m is (m + i) & 0xff, except bytes 0..3 that hold m (big-endian,
 * m = 0..N-1).  A second thread receives and verifies the echoes (length,
 * content, message number, stream, PPID, unordered flag, no duplicate).
 * Then it shuts the association down gracefully and prints
 * "client: sent N, echoed N intact, M corrupt"; exit 0 only if all N came
 * back intact.
 *
 * Both print "ready" (flushed) on stdout once usrsctp is initialised and
 * the socket bound (server: listening).  Errors: one line on stderr,
 * "usrsctp_peer: ...", exit 1.  --timeout SEC (default 20) bounds the
 * whole run: when it expires the peer says what it was waiting for and
 * exits 1.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <usrsctp.h>

/* Present in Debian's libusrsctp (built with SCTP_DEBUG) but declared by
 * usrsctp.h only under SCTP_DEBUG: a weak reference, used when there. */
extern int usrsctp_sysctl_set_sctp_debug_on(uint32_t value) __attribute__((weak));

#define PROG "usrsctp_peer"
#define MAX_SIZE (1U << 20)
#define RECV_CHUNK 65536
#define MAX_STREAMS 1024
#define MAX_CORRUPT_REPORTS 5
#define SOCK_BUF (4 * (int)MAX_SIZE)

/* ------------------------------------------------------------ options */

struct opts {
	bool server;
	int udp_port;
	int sctp_port;
	bool v6;
	long count;		/* -1: not given */
	const char *remote;
	int remote_udp_port;
	long size;
	int stream;
	bool unordered;
	uint32_t ppid;
	bool nodelay;
	long timeout;
	bool debug;
};

static struct opts O = {
	.udp_port = -1,
	.sctp_port = 5000,
	.count = -1,
	.remote_udp_port = -1,
	.size = 100,
	.stream = 0,
	.ppid = 42,
	.timeout = 20,
};

/* ------------------------------------------------------------ errors */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* usrsctp threads are still running: no exit handlers. */
	_exit(1);
}

/* strerror with a lower-case first letter: "connection refused". */
static const char *errstr(int e)
{
	static __thread char buf[128];
	const char *s = strerror(e);

	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] && isupper((unsigned char)buf[0]) && !(buf[1] && isupper((unsigned char)buf[1])))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " server --udp-port U [--sctp-port P] [--v6] [--count N]\n"
		"       " PROG " client --udp-port U --remote ADDR --remote-udp-port RU [--sctp-port P]\n"
		"                    [--count N] [--size S] [--stream ID] [--unordered] [--ppid PPID]\n"
		"                    [--nodelay]\n"
		"common options: [--timeout SEC (20)] [--debug]\n"
		"defaults: --sctp-port 5000, client --count 10 --size 100 --stream 0 --ppid 42\n");
}

static long num_arg(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		die("%s: '%s' is not a number in [%ld, %ld]", name, s, min, max);
	return v;
}

static void parse(int argc, char **argv)
{
	enum { OPT_UDP = 256, OPT_SCTP, OPT_V6, OPT_COUNT, OPT_REMOTE, OPT_RUDP, OPT_SIZE,
	       OPT_STREAM, OPT_UNORD, OPT_PPID, OPT_NODELAY, OPT_TIMEOUT, OPT_DEBUG, OPT_HELP };
	static const struct option lo[] = {
		{ "udp-port", required_argument, NULL, OPT_UDP },
		{ "sctp-port", required_argument, NULL, OPT_SCTP },
		{ "v6", no_argument, NULL, OPT_V6 },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "remote-udp-port", required_argument, NULL, OPT_RUDP },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "unordered", no_argument, NULL, OPT_UNORD },
		{ "ppid", required_argument, NULL, OPT_PPID },
		{ "nodelay", no_argument, NULL, OPT_NODELAY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc < 2) {
		usage(stderr);
		exit(2);
	}
	if (!strcmp(argv[1], "server")) {
		O.server = true;
	} else if (!strcmp(argv[1], "client")) {
		O.server = false;
	} else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		exit(0);
	} else {
		die("unknown mode '%s' (server or client)", argv[1]);
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case OPT_UDP:
			O.udp_port = (int)num_arg("--udp-port", optarg, 1, 65535);
			break;
		case OPT_SCTP:
			O.sctp_port = (int)num_arg("--sctp-port", optarg, 1, 65535);
			break;
		case OPT_V6:
			O.v6 = true;
			break;
		case OPT_COUNT:
			O.count = num_arg("--count", optarg, 0, 100000000);
			break;
		case OPT_REMOTE:
			O.remote = optarg;
			break;
		case OPT_RUDP:
			O.remote_udp_port = (int)num_arg("--remote-udp-port", optarg, 1, 65535);
			break;
		case OPT_SIZE:
			O.size = num_arg("--size", optarg, 4, MAX_SIZE);
			break;
		case OPT_STREAM:
			O.stream = (int)num_arg("--stream", optarg, 0, MAX_STREAMS - 1);
			break;
		case OPT_UNORD:
			O.unordered = true;
			break;
		case OPT_PPID:
			O.ppid = (uint32_t)num_arg("--ppid", optarg, 0, UINT32_MAX);
			break;
		case OPT_NODELAY:
			O.nodelay = true;
			break;
		case OPT_TIMEOUT:
			O.timeout = num_arg("--timeout", optarg, 1, 86400);
			break;
		case OPT_DEBUG:
			O.debug = true;
			break;
		case OPT_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (O.udp_port < 0)
		die("--udp-port is required");
	if (O.server) {
		if (O.remote || O.remote_udp_port >= 0)
			die("--remote and --remote-udp-port are client options");
	} else {
		if (!O.remote)
			die("--remote is required");
		if (O.remote_udp_port < 0)
			die("--remote-udp-port is required");
		if (O.v6)
			die("--v6 is a server option (the client takes the family of --remote)");
		if (O.count < 0)
			O.count = 10;
	}
}

/* ------------------------------------------------------------ watchdog */

enum phase {
	PH_INIT,
	PH_ACCEPT,
	PH_CONNECT,
	PH_SERVE,
	PH_ECHOES,
	PH_SHUTDOWN,
	PH_FINISH,
};

static _Atomic int g_phase = PH_INIT;
static _Atomic long g_sent, g_got, g_echoed;
static char g_peer[INET6_ADDRSTRLEN + 16];	/* written before PH_CONNECT/PH_SERVE */

static void set_phase(enum phase p)
{
	atomic_store(&g_phase, p);
}

static void *watchdog(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += O.timeout;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	switch (atomic_load(&g_phase)) {
	case PH_INIT:
		die("timeout after %ld s waiting for usrsctp to initialise", O.timeout);
	case PH_ACCEPT:
		die("timeout after %ld s waiting for an association on SCTP port %d (UDP port %d)",
		    O.timeout, O.sctp_port, O.udp_port);
	case PH_CONNECT:
		die("timeout after %ld s waiting for the association with %s to come up "
		    "(INIT to UDP port %d unanswered?)", O.timeout, g_peer, O.remote_udp_port);
	case PH_SERVE:
		if (O.count >= 0 && atomic_load(&g_echoed) >= O.count)
			die("timeout after %ld s waiting for %s to shut down (%ld messages echoed)",
			    O.timeout, g_peer, atomic_load(&g_echoed));
		die("timeout after %ld s waiting for messages from %s (%ld received%s)",
		    O.timeout, g_peer, atomic_load(&g_got),
		    O.count >= 0 ? ", --count not reached" : ", peer did not shut down");
	case PH_ECHOES:
		die("timeout after %ld s waiting for echoes from %s (%ld of %ld sent, %ld of %ld echoes received)",
		    O.timeout, g_peer, atomic_load(&g_sent), O.count, atomic_load(&g_got), O.count);
	case PH_SHUTDOWN:
		die("timeout after %ld s waiting for the shutdown of the association with %s",
		    O.timeout, g_peer);
	case PH_FINISH:
	default:
		die("timeout after %ld s waiting for usrsctp to finish (association not yet freed)",
		    O.timeout);
	}
	return NULL;
}

/* ------------------------------------------------------------ usrsctp setup */

static void debug_printf(const char *fmt, ...)
{
	va_list ap;

	if (!O.debug)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* bind_udp FAMILY PORT: 0 when a plain UDP socket can bind the wildcard
 * address at PORT, else the errno (EAFNOSUPPORT when there is no such
 * family). */
static int bind_udp(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, e = 0;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_DGRAM, IPPROTO_UDP);
	if (fd < 0)
		return errno == EAFNOSUPPORT ? EAFNOSUPPORT : errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		e = errno;
	close(fd);
	return e;
}

/* usrsctp opens its encapsulation sockets in usrsctp_init and only logs
 * (debug builds) when that fails, e.g. the port is in use: check before
 * that the port is free and after that usrsctp holds it. */
static void init_usrsctp(bool need4, bool need6)
{
	int e4, e6;

	e4 = bind_udp(AF_INET, O.udp_port);
	if (need4 && e4)
		die("UDP port %d (IPv4): %s", O.udp_port, errstr(e4));
	e6 = bind_udp(AF_INET6, O.udp_port);
	if (need6 && e6)
		die("UDP port %d (IPv6): %s", O.udp_port, errstr(e6));

	usrsctp_init((uint16_t)O.udp_port, NULL, debug_printf);
	if (O.debug && usrsctp_sysctl_set_sctp_debug_on)
		usrsctp_sysctl_set_sctp_debug_on(0xffffffff);
	/* usrsctp computes the CRC32c of UDP-encapsulated packets anyway;
	 * this keeps it from skipping it on (what it takes as) loopback. */
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);

	if (need4 && bind_udp(AF_INET, O.udp_port) != EADDRINUSE)
		die("usrsctp did not open its IPv4 SCTP/UDP socket on port %d", O.udp_port);
	if (need6 && bind_udp(AF_INET6, O.udp_port) != EADDRINUSE)
		die("usrsctp did not open its IPv6 SCTP/UDP socket on port %d", O.udp_port);
}

static void sockopt(struct socket *s, int opt, const void *val, socklen_t len, const char *name)
{
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, opt, val, len) < 0)
		die("setsockopt %s: %s", name, errstr(errno));
}

/* Buffers big enough for the largest message: usrsctp refuses a message
 * larger than the send buffer (EMSGSIZE), and the echo server cannot know
 * the size in advance. */
static void set_buffers(struct socket *s)
{
	int sz = SOCK_BUF;

	if (usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0)
		die("setsockopt SO_SNDBUF: %s", errstr(errno));
	if (usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0)
		die("setsockopt SO_RCVBUF: %s", errstr(errno));
}

static void common_sockopts(struct socket *s, uint16_t ostreams)
{
	struct sctp_initmsg im;
	int on = 1;

	set_buffers(s);

	memset(&im, 0, sizeof(im));
	im.sinit_num_ostreams = ostreams;
	im.sinit_max_instreams = MAX_STREAMS;
	sockopt(s, SCTP_INITMSG, &im, sizeof(im), "SCTP_INITMSG");
	sockopt(s, SCTP_RECVRCVINFO, &on, sizeof(on), "SCTP_RECVRCVINFO");
	if (O.nodelay)
		sockopt(s, SCTP_NODELAY, &on, sizeof(on), "SCTP_NODELAY");
}

static void fmt_addr(char *buf, size_t len, const struct sockaddr *sa)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], a, sizeof(a));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ? "%s:%u" : "[%s]:%u",
			 a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

/* Wait (bounded by the watchdog) until usrsctp has freed everything, so
 * the last packets of the shutdown are out and answered. */
static void finish(void)
{
	set_phase(PH_FINISH);
	while (usrsctp_finish() != 0)
		usleep(10000);
}

/* ------------------------------------------------------------ receiving */

struct msg {
	unsigned char *buf;
	size_t len, cap;
	struct sctp_rcvinfo info;
	bool have_info;
};

/* recv_msg: one complete message into M.  Returns 1 with a message, 0 when
 * the peer shut down (or the association is gone), -1 with errno set. */
static int recv_msg(struct socket *s, struct msg *m)
{
	m->len = 0;
	m->have_info = false;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo info;
		socklen_t infolen = sizeof(info);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n;

		if (m->cap - m->len < RECV_CHUNK) {
			size_t cap = m->cap ? m->cap * 2 : 2 * RECV_CHUNK;
			unsigned char *nb = realloc(m->buf, cap);

			if (!nb)
				die("out of memory");
			m->buf = nb;
			m->cap = cap;
		}
		n = usrsctp_recvv(s, m->buf + m->len, RECV_CHUNK, (struct sockaddr *)&from, &fromlen,
				  &info, &infolen, &infotype, &flags);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (flags & MSG_NOTIFICATION) {
			/* None subscribed; skip any anyway. */
			m->len = 0;
			continue;
		}
		if (infotype == SCTP_RECVV_RCVINFO && !m->have_info) {
			m->info = info;
			m->have_info = true;
		}
		m->len += (size_t)n;
		if (flags & MSG_EOR)
			return 1;
	}
}

/* ------------------------------------------------------------ server */

static int run_server(void)
{
	struct sockaddr_storage ss, peer;
	socklen_t plen = sizeof(peer);
	struct socket *ls, *s;
	struct msg m = { 0 };
	long long bytes = 0;
	int family = O.v6 ? AF_INET6 : AF_INET;
	int on = 1, r, end_err = 0;
	socklen_t alen;

	init_usrsctp(!O.v6, O.v6);
	ls = usrsctp_socket(family, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!ls)
		die("usrsctp_socket: %s", errstr(errno));
	common_sockopts(ls, MAX_STREAMS);
	if (O.v6)
		sockopt(ls, SCTP_I_WANT_MAPPED_V4_ADDR, &on, sizeof(on), "SCTP_I_WANT_MAPPED_V4_ADDR");
	/* No SCTP_REMOTE_UDP_ENCAPS_PORT here: usrsctp answers a peer on the
	 * UDP source port of the packets it received from it. */

	memset(&ss, 0, sizeof(ss));
	if (O.v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)O.sctp_port);
		sin6->sin6_addr = in6addr_any;
		alen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)O.sctp_port);
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		alen = sizeof(*sin);
	}
	if (usrsctp_bind(ls, (struct sockaddr *)&ss, alen) < 0)
		die("bind SCTP port %d: %s", O.sctp_port, errstr(errno));
	if (usrsctp_listen(ls, 1) < 0)
		die("listen: %s", errstr(errno));
	set_phase(PH_ACCEPT);
	printf("ready\n");
	fflush(stdout);

	s = usrsctp_accept(ls, (struct sockaddr *)&peer, &plen);
	if (!s)
		die("accept: %s", errstr(errno));
	usrsctp_close(ls);	/* one association only */
	fmt_addr(g_peer, sizeof(g_peer), (struct sockaddr *)&peer);
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0)
		die("setsockopt SCTP_RECVRCVINFO: %s", errstr(errno));
	set_buffers(s);
	set_phase(PH_SERVE);

	for (;;) {
		struct sctp_sndinfo snd;

		r = recv_msg(s, &m);
		if (r == 0)
			break;
		if (r < 0) {
			end_err = errno;
			break;
		}
		atomic_fetch_add(&g_got, 1);
		bytes += (long long)m.len;
		if (!m.have_info)
			die("message %ld from %s came without its receive info", atomic_load(&g_got),
			    g_peer);
		memset(&snd, 0, sizeof(snd));
		snd.snd_sid = m.info.rcv_sid;
		snd.snd_flags = m.info.rcv_flags & SCTP_UNORDERED;
		snd.snd_ppid = m.info.rcv_ppid;	/* network byte order both ways */
		if (usrsctp_sendv(s, m.buf, m.len, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0) < 0) {
			end_err = errno;
			fprintf(stderr, PROG ": echo of message %ld (%zu bytes, stream %u) to %s: %s\n",
				atomic_load(&g_got), m.len, m.info.rcv_sid, g_peer, errstr(end_err));
			break;
		}
		atomic_fetch_add(&g_echoed, 1);
	}

	printf("server: received %ld messages %lld bytes, echoed %ld\n", atomic_load(&g_got), bytes,
	       atomic_load(&g_echoed));
	fflush(stdout);
	usrsctp_close(s);
	if (end_err)
		die("association with %s: %s", g_peer, errstr(end_err));
	finish();
	if (O.count >= 0 && atomic_load(&g_echoed) != O.count)
		die("expected %ld messages, echoed %ld", O.count, atomic_load(&g_echoed));
	free(m.buf);
	return 0;
}

/* ------------------------------------------------------------ client */

static struct socket *g_sock;
static unsigned char *g_seen;
static long g_intact, g_corrupt;
static int g_recv_err;		/* errno of a failed receive, -1: EOF early */

static void fill(unsigned char *b, size_t len, uint32_t no)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)((no + i) & 0xff);
	b[0] = (unsigned char)(no >> 24);
	b[1] = (unsigned char)(no >> 16);
	b[2] = (unsigned char)(no >> 8);
	b[3] = (unsigned char)no;
}

static void corrupt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void corrupt(const char *fmt, ...)
{
	va_list ap;

	if (++g_corrupt > MAX_CORRUPT_REPORTS)
		return;
	fprintf(stderr, PROG ": corrupt echo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void check_echo(const struct msg *m)
{
	uint32_t no;
	size_t i;

	if (m->len < 4) {
		corrupt("%zu bytes, too short for a message number", m->len);
		return;
	}
	no = (uint32_t)m->buf[0] << 24 | (uint32_t)m->buf[1] << 16 | (uint32_t)m->buf[2] << 8 | m->buf[3];
	if (no >= (uint32_t)O.count) {
		corrupt("message number %u out of range (%zu bytes)", no, m->len);
		return;
	}
	if (g_seen[no]) {
		corrupt("message %u echoed twice", no);
		return;
	}
	g_seen[no] = 1;
	if (m->len != (size_t)O.size) {
		corrupt("message %u: %zu bytes, sent %ld", no, m->len, O.size);
		return;
	}
	for (i = 4; i < m->len; i++) {
		unsigned char want = (unsigned char)((no + i) & 0xff);

		if (m->buf[i] != want) {
			corrupt("message %u: byte %zu is 0x%02x, expected 0x%02x", no, i, m->buf[i], want);
			return;
		}
	}
	if (!m->have_info) {
		corrupt("message %u: no receive info", no);
		return;
	}
	if (m->info.rcv_sid != O.stream) {
		corrupt("message %u: on stream %u, sent on %d", no, m->info.rcv_sid, O.stream);
		return;
	}
	if (ntohl(m->info.rcv_ppid) != O.ppid) {
		corrupt("message %u: PPID %u, sent %u", no, ntohl(m->info.rcv_ppid), O.ppid);
		return;
	}
	if (!!(m->info.rcv_flags & SCTP_UNORDERED) != O.unordered) {
		corrupt("message %u: %sordered, sent %sordered", no,
			(m->info.rcv_flags & SCTP_UNORDERED) ? "un" : "", O.unordered ? "un" : "");
		return;
	}
	g_intact++;
}

static void *receiver(void *arg)
{
	struct msg m = { 0 };

	(void)arg;
	while (atomic_load(&g_got) < O.count) {
		int r = recv_msg(g_sock, &m);

		if (r <= 0) {
			g_recv_err = r < 0 ? errno : -1;
			break;
		}
		check_echo(&m);
		atomic_fetch_add(&g_got, 1);
	}
	free(m.buf);
	return NULL;
}

static int run_client(void)
{
	struct sockaddr_storage ss;
	struct sctp_udpencaps enc;
	struct sctp_sndinfo snd;
	struct msg m = { 0 };
	unsigned char *buf;
	pthread_t rt;
	socklen_t alen;
	int family, r;
	uint16_t ostreams;

	memset(&ss, 0, sizeof(ss));
	{
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET, O.remote, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)O.sctp_port);
			alen = sizeof(*sin);
		} else if (inet_pton(AF_INET6, O.remote, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)O.sctp_port);
			alen = sizeof(*sin6);
		} else {
			die("--remote '%s' is not an IPv4 or IPv6 address", O.remote);
		}
	}
	family = ss.ss_family;
	fmt_addr(g_peer, sizeof(g_peer), (struct sockaddr *)&ss);

	init_usrsctp(family == AF_INET, family == AF_INET6);
	g_sock = usrsctp_socket(family, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!g_sock)
		die("usrsctp_socket: %s", errstr(errno));
	ostreams = (uint16_t)(O.stream + 1 > 10 ? O.stream + 1 : 10);
	common_sockopts(g_sock, ostreams);

	/* The remote encapsulation port, as the endpoint's default for the
	 * associations to come: wildcard address, SCTP_FUTURE_ASSOC.  (Set
	 * before connect; usrsctp then sends the INIT as SCTP/UDP.  With a
	 * specific address it would look for an existing association.) */
	memset(&enc, 0, sizeof(enc));
	enc.sue_address.ss_family = (sa_family_t)family;
	enc.sue_assoc_id = SCTP_FUTURE_ASSOC;
	enc.sue_port = htons((uint16_t)O.remote_udp_port);
	sockopt(g_sock, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc), "SCTP_REMOTE_UDP_ENCAPS_PORT");

	printf("ready\n");
	fflush(stdout);

	set_phase(PH_CONNECT);
	if (usrsctp_connect(g_sock, (struct sockaddr *)&ss, alen) < 0)
		die("connect %s: %s", g_peer, errstr(errno));

	g_seen = calloc((size_t)O.count + 1, 1);
	buf = malloc((size_t)O.size);
	if (!g_seen || !buf)
		die("out of memory");
	set_phase(PH_ECHOES);
	if ((r = pthread_create(&rt, NULL, receiver, NULL)) != 0)
		die("pthread_create: %s", errstr(r));

	memset(&snd, 0, sizeof(snd));
	snd.snd_sid = (uint16_t)O.stream;
	snd.snd_flags = O.unordered ? SCTP_UNORDERED : 0;
	snd.snd_ppid = htonl(O.ppid);
	for (long i = 0; i < O.count; i++) {
		fill(buf, (size_t)O.size, (uint32_t)i);
		if (usrsctp_sendv(g_sock, buf, (size_t)O.size, NULL, 0, &snd, sizeof(snd),
				  SCTP_SENDV_SNDINFO, 0) < 0)
			die("send message %ld of %ld (%ld bytes, stream %d) to %s: %s", i + 1, O.count,
			    O.size, O.stream, g_peer, errstr(errno));
		atomic_fetch_add(&g_sent, 1);
	}
	pthread_join(rt, NULL);

	if (g_recv_err == 0) {
		/* Graceful shutdown: SHUTDOWN, wait until the peer's SHUTDOWN-ACK
		 * closed the association (the receive side then reports EOF). */
		set_phase(PH_SHUTDOWN);
		if (usrsctp_shutdown(g_sock, SHUT_WR) < 0)
			die("shutdown: %s", errstr(errno));
		while ((r = recv_msg(g_sock, &m)) > 0)
			corrupt("unexpected message of %zu bytes after all echoes", m.len);
		if (r < 0 && errno != ENOTCONN)
			die("shutdown of the association with %s: %s", g_peer, errstr(errno));
	}

	printf("client: sent %ld, echoed %ld intact, %ld corrupt\n", atomic_load(&g_sent), g_intact,
	       g_corrupt);
	fflush(stdout);
	if (g_recv_err > 0)
		die("receiving echoes from %s: %s (%ld of %ld received)", g_peer, errstr(g_recv_err),
		    atomic_load(&g_got), O.count);
	if (g_recv_err < 0)
		die("%s shut down after %ld of %ld echoes", g_peer, atomic_load(&g_got), O.count);
	usrsctp_close(g_sock);
	finish();
	free(buf);
	free(g_seen);
	free(m.buf);
	return g_intact == O.count && g_corrupt == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	pthread_t wd;
	int r;

	parse(argc, argv);
	if ((r = pthread_create(&wd, NULL, watchdog, NULL)) != 0)
		die("pthread_create: %s", errstr(r));
	pthread_detach(wd);
	return O.server ? run_server() : run_client();
}
