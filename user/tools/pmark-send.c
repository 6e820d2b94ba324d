// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark-send: connect to HOST:PORT over SCTP in UDP and send PMK1 messages
 * (payload.h), each with the IP options given, then print what was sent and
 * the association's counters.
 */
#include <errno.h>
#include <pthread.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmark.h"
#include "tool_addr.h"
#include "tool_ep.h"
#include "tool_ipopts.h"
#include "tool_dtls.h"
#include "tool_send_report.h"
#include "tool_sender.h"
#include "tool_stats.h"
#include "tool_util.h"

#define MAX_SIZE (16u << 20)

enum {
	OPT_HELP = 'h',
	OPT_BIND = 0x1200,
	OPT_COUNT,
	OPT_SIZE,
	OPT_RATE,
	OPT_THREADS,
	OPT_PER_THREAD,
	OPT_STREAM,
	OPT_PPID,
	OPT_UNORDERED,
	OPT_PR_RTX,
	OPT_PR_TTL,
	OPT_TIMEOUT,
	OPT_LINGER,
	OPT_WAIT_ECHO,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_QUIET,
	OPT_VERSION,
	OPT_PROBES,
	OPT_PROBE_TTL,
	OPT_PROBE_INTERVAL,
	OPT_PROBE_STREAM,
	OPT_PROBE_SIZE,
};

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "per-thread-options", no_argument, NULL, OPT_PER_THREAD },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "ppid", required_argument, NULL, OPT_PPID },
	{ "unordered", no_argument, NULL, OPT_UNORDERED },
	{ "pr-rtx", required_argument, NULL, OPT_PR_RTX },
	{ "pr-ttl", required_argument, NULL, OPT_PR_TTL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "linger-ms", required_argument, NULL, OPT_LINGER },
	{ "wait-echo", no_argument, NULL, OPT_WAIT_ECHO },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "probe-ttl", required_argument, NULL, OPT_PROBE_TTL },
	{ "probe-interval-ms", required_argument, NULL, OPT_PROBE_INTERVAL },
	{ "probe-stream", required_argument, NULL, OPT_PROBE_STREAM },
	{ "probe-size", required_argument, NULL, OPT_PROBE_SIZE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	TOOL_IPOPTS_LONGOPTS,
	TOOL_EP_LONGOPTS,
	TOOL_DTLS_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
"usage: pmark-send [options] HOST:PORT     (10.0.0.2:5001 or [fd00::2]:5001)\n"
"Send PMK1 messages over SCTP in UDP, each with its own IP options.\n"
"\n"
"messages:\n"
"  --count N             messages per thread (default 10)\n"
"  --size BYTES          bytes per message, 1..16777216 (default 100)\n"
"  --rate MSG/S          total over all threads; 0 = as fast as possible (default)\n"
"  --threads T           threads sending on the one association, 1..1024 (default 1)\n"
"  --stream ID           SCTP stream (default 0)\n"
"  --ppid N              payload protocol identifier (default: the options, see man page)\n"
"  --unordered           unordered delivery\n"
"  --pr-rtx N            PR-SCTP: give up after N retransmissions\n"
"  --pr-ttl MS           PR-SCTP: give up MS milliseconds after the send\n"
"IP options of every message (none given: messages go out unmarked):\n"
"  --ttl 1..255          IPv4 TTL / IPv6 hop limit\n"
"  --tos 0..255          IPv4 TOS / IPv6 traffic class, under --tos-mask\n"
"  --tos-mask 1..255     bits of --tos written (default 0xff)\n"
"  --dscp 0..63          the same as --tos DSCP<<2 --tos-mask 0xfc\n"
"  --df set|clear|leave  IPv4 Don't Fragment\n"
"  --once                first transmission only, retransmissions unmarked\n"
"  --per-thread-options  thread i sends ttl + i and dscp + i (mod 64)\n"
"probes (one more thread, sending while the others do):\n"
"  --probes N            N probe messages: unordered, PR-SCTP no retransmission, once\n"
"  --probe-ttl 1..255    their TTL / hop limit (default 1)\n"
"  --probe-interval-ms MS  between two probes (default 10)\n"
"  --probe-stream ID     their SCTP stream (default 1)\n"
"  --probe-size BYTES    bytes per probe, 1..65536 (default 64)\n"
"endpoint:\n"
"  --bind ADDR:PORT      local UDP address (default: any, port 0)\n"
"  --mode M              auto, maps, cmsg or off (default auto)\n"
"  --pin-root DIR        pin root of the marker's maps\n"
"  --sctp-port N         SCTP port inside UDP (default 5000)\n"
"  --mtu BYTES           largest IP datagram sent (default 1280)\n"
"  --ip-df on|off|default  socket IP(V6)_MTU_DISCOVER: on = DO (never fragment), off = DONT\n"
"  --interleave          negotiate I-DATA (RFC 8260)\n"
"  --streams N           streams to ask for (default 1024, or --stream + 1)\n"
"  --timeout SEC         connect timeout; 0 = forever (default 10)\n"
"  --linger-ms MS        wait at most MS for everything to be acked (default 10000)\n"
"  --wait-echo           also wait (as long) for every message to come back (pmark-sink --echo)\n"
TOOL_DTLS_USAGE
"  --cleartext           every message asks for its cleartext copy (needs a sink above)\n"
"output:\n"
"  --json                one JSON object\n"
"  --progress            a line on stderr every second\n"
"  --quiet               print nothing but errors\n"
"  --help, --version\n";

struct args {
	struct tool_addr remote, bind;
	bool have_bind;
	struct pmark_ep_config cfg;
	struct tool_dtls dtls;
	struct tool_ipopts ip;
	struct pmark_send_opts so;
	uint64_t count;
	size_t size;
	double rate;
	unsigned threads;
	bool have_stream, have_ppid;
	double timeout_s;
	uint64_t linger_ms;
	bool wait_echo, progress, json, quiet;
	unsigned probes;
	int probe_ttl;
	uint64_t probe_interval_ms;
	uint16_t probe_stream;
	size_t probe_size;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	struct pmark_ep_config cfg = PMARK_EP_CONFIG_INIT;
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;
	bool pr_given = false;
	int c;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->so = so;
	a->count = 10;
	a->size = 100;
	a->threads = 1;
	a->timeout_s = 10;
	a->linger_ms = 10000;
	a->probe_ttl = 1;
	a->probe_interval_ms = 10;
	a->probe_stream = 1;
	a->probe_size = 64;
	tool_ipopts_init(&a->ip);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (tool_ipopts_parse(&a->ip, c, optarg) || tool_ep_parse(&a->cfg, c, optarg) ||
		    tool_dtls_parse(&a->dtls, c, optarg))
			continue;
		switch (c) {
		case OPT_BIND:
			tool_addr_opt("--bind", optarg, &a->bind);
			a->have_bind = true;
			break;
		case OPT_COUNT:
			a->count = tool_opt_u64("--count", optarg, 0, UINT32_MAX + 1ull);
			break;
		case OPT_SIZE:
			a->size = tool_opt_u64("--size", optarg, 1, MAX_SIZE);
			break;
		case OPT_RATE:
			a->rate = tool_opt_double("--rate", optarg, 1e9);
			break;
		case OPT_THREADS:
			a->threads = (unsigned)tool_opt_u64("--threads", optarg, 1, 1024);
			break;
		case OPT_PER_THREAD:
			a->ip.per_thread = true;
			break;
		case OPT_STREAM:
			a->so.stream = (uint16_t)tool_opt_u64("--stream", optarg, 0, 65534);
			a->have_stream = true;
			break;
		case OPT_PPID:
			a->so.ppid = (uint32_t)tool_opt_u64("--ppid", optarg, 0, UINT32_MAX);
			a->have_ppid = true;
			break;
		case OPT_UNORDERED:
			a->so.unordered = true;
			break;
		case OPT_PR_RTX:
		case OPT_PR_TTL:
			if (pr_given)
				tool_usage_error("--pr-rtx and --pr-ttl: give one of them");
			pr_given = true;
			a->so.pr = c == OPT_PR_RTX ? PMARK_PR_RTX : PMARK_PR_TTL;
			a->so.pr_value = (uint32_t)tool_opt_u64(c == OPT_PR_RTX ? "--pr-rtx" : "--pr-ttl",
								optarg, 0, UINT32_MAX);
			break;
		case OPT_TIMEOUT:
			a->timeout_s = tool_opt_double("--timeout", optarg, 2000000);
			break;
		case OPT_LINGER:
			a->linger_ms = tool_opt_u64("--linger-ms", optarg, 0, 86400000);
			break;
		case OPT_WAIT_ECHO:
			a->wait_echo = true;
			break;
		case OPT_PROGRESS:
			a->progress = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_QUIET:
			a->quiet = true;
			break;
		case OPT_PROBES:
			a->probes = (unsigned)tool_opt_u64("--probes", optarg, 0, UINT32_MAX);
			break;
		case OPT_PROBE_TTL:
			a->probe_ttl = (int)tool_opt_u64("--probe-ttl", optarg, 1, 255);
			break;
		case OPT_PROBE_INTERVAL:
			a->probe_interval_ms = tool_opt_u64("--probe-interval-ms", optarg, 0, 86400000);
			break;
		case OPT_PROBE_STREAM:
			a->probe_stream = (uint16_t)tool_opt_u64("--probe-stream", optarg, 0, 65534);
			break;
		case OPT_PROBE_SIZE:
			a->probe_size = tool_opt_u64("--probe-size", optarg, 1, 65536);
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("pmark-send %s\n", PMARK_VERSION_STRING);
			exit(0);
		case ':':
			tool_usage_error("%s: needs a value", argv[optind - 1]);
		default:
			tool_usage_error("%s: unknown option (pmark-send --help lists them)",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		tool_usage_error(optind >= argc ? "no HOST:PORT given (pmark-send --help)"
				 : "one HOST:PORT only: %s is one too many", argv[argc - 1]);
	tool_addr_opt(NULL, argv[optind], &a->remote);
	if (!a->have_bind)
		tool_addr_any(a->remote.ss.ss_family, &a->bind);
	else if (a->bind.ss.ss_family != a->remote.ss.ss_family)
		tool_usage_error("--bind and %s: not the same address family", argv[optind]);
	if (a->cfg.streams && a->so.stream >= a->cfg.streams)
		tool_usage_error("--stream %u: only %u streams (--streams)", a->so.stream,
				 a->cfg.streams);
	if (a->probes && a->cfg.streams && a->probe_stream >= a->cfg.streams)
		tool_usage_error("--probe-stream %u: only %u streams (--streams)", a->probe_stream,
				 a->cfg.streams);
	if (!a->cfg.streams && a->so.stream >= 1024)
		a->cfg.streams = (uint16_t)(a->so.stream + 1);
	if (a->probes && a->probe_stream >= 1024 &&
	    (!a->cfg.streams || a->cfg.streams <= a->probe_stream))
		a->cfg.streams = (uint16_t)(a->probe_stream + 1);
	tool_ipopts_finish(&a->ip, a->threads);
}

/*
 * --quiet: the library's sentences are kept, not printed; the last one is
 * the reason a connect failed (a handshake's), printed with that error.
 */
static pthread_mutex_t quiet_lock = PTHREAD_MUTEX_INITIALIZER;
static char quiet_last[1024];

static void quiet_log(const char *msg, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&quiet_lock);
	snprintf(quiet_last, sizeof(quiet_last), "%s", msg);
	pthread_mutex_unlock(&quiet_lock);
}

static void loud_log(const char *msg, void *ctx)
{
	(void)ctx;
	tool_warn("%s", msg);
}

/*
 * Wait until everything sent is acked (and, with echo, has come back) or
 * the linger runs out; true if it is.
 */
static bool linger(struct pmark_conn *c, uint64_t ms, const struct recv_tally *echo,
		   uint64_t sent, struct pmark_conn_stats *st, bool *have)
{
	uint64_t end = tool_now_ns() + ms * 1000000ull;

	for (;;) {
		*have = pmark_conn_stats(c, st) == 0;
		if (!*have || tool_stats_ended_badly(st))
			return false;
		if (tool_stats_all_acked(st) && (!echo || atomic_load(&echo->msgs) >= sent))
			return true;
		if (tool_now_ns() >= end || !pmark_conn_alive(c))
			return false;
		tool_sleep_ms(10, NULL);
	}
}

int main(int argc, char **argv)
{
	struct recv_tally echo = { 0 };
	struct send_report r = { 0 };
	struct send_job job = { 0 };
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct pmark_conn *conn;
	struct pmark_ep *ep;
	char errbuf[256];
	struct args a;
	uint64_t t;
	int err;

	tool_prog = "pmark-send";
	parse_args(argc, argv, &a);
	a.cfg.on_recv = tool_send_on_recv;   /* echoes must be read, or the peer stalls */
	a.cfg.recv_ctx = &echo;
	a.cfg.log = a.quiet ? quiet_log : loud_log;
	tool_dtls_setup(&a.dtls, &a.cfg);

	ep = tool_ep_open((struct sockaddr *)&a.bind.ss, a.bind.len, &a.cfg);
	tool_addr_str((struct sockaddr *)&a.remote.ss, r.remote);
	conn = pmark_connect(ep, (struct sockaddr *)&a.remote.ss, a.remote.len,
			     a.timeout_s > 0 ? (int)(a.timeout_s * 1000) : -1);
	if (!conn) {
		err = errno;
		pmark_ep_close(ep);
		if (a.quiet && quiet_last[0])
			tool_warn("%s", quiet_last);
		tool_die("connect %s: %s", r.remote, tool_errstr(err));
	}
	if (pmark_ep_local(ep, &local, &llen) == 0)
		tool_addr_str((struct sockaddr *)&local, r.local);
	if (a.dtls.cleartext) {
		struct pmark_opts all = PMARK_OPTS_INIT;

		/* Association default: or-ed into every message's own options. */
		all.cleartext = true;
		pmark_conn_set_defaults(conn, &all);
	}
	r.dtls = &a.dtls;

	job.conn = conn;
	job.ip = &a.ip;
	job.threads = a.threads;
	job.count = a.count;
	job.size = a.size;
	job.rate = a.rate;
	job.so = a.so;
	job.ppid_options = !a.have_ppid;
	job.progress = a.progress && !a.quiet;
	job.probes = a.probes;
	job.probe_ttl = a.probe_ttl;
	job.probe_interval_ms = a.probe_interval_ms;
	job.probe_stream = a.probe_stream;
	job.probe_size = a.probe_size;
	err = tool_send_run(&job);
	if (err) {
		snprintf(errbuf, sizeof(errbuf), "send message %llu of thread %u to %s: %s",
			 (unsigned long long)job.err_seq, job.err_thread, r.remote, tool_errstr(err));
		r.error = errbuf;
		tool_warn("%s", errbuf);
	}

	t = tool_now_ns();
	r.all_acked = linger(conn, a.linger_ms, a.wait_echo ? &echo : NULL, atomic_load(&job.msgs),
			     &r.stats, &r.have_stats);
	r.wait_echo = a.wait_echo;
	r.linger_s = tool_since(t);
	if (!r.all_acked && !err && r.have_stats && tool_stats_ended_badly(&r.stats)) {
		err = ECONNABORTED;
		snprintf(errbuf, sizeof(errbuf), "association with %s ended (%s) before every message "
			 "was acked", r.remote, tool_end_name(r.stats.end));
		r.error = errbuf;
		tool_warn("%s", errbuf);
	}
	r.job = &job;
	r.ep = ep;
	r.echo = &echo;
	if (a.json && !a.quiet)
		tool_send_report_json(&r);
	else if (!a.quiet)
		tool_send_report_text(&r);
	pmark_conn_close(conn, 2000);
	pmark_ep_close(ep);
	tool_dtls_free(&a.dtls);
	return err ? EXIT_RUNTIME : 0;
}
