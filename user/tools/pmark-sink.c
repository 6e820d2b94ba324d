// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark-sink: accept SCTP-in-UDP associations, count and verify the PMK1
 * messages (payload.h) of each, optionally echo them, and print a line per
 * association and a total.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pmark.h"
#include "tool_addr.h"
#include "tool_ep.h"
#include "tool_dtls.h"
#include "tool_json.h"
#include "tool_sink.h"
#include "tool_util.h"

#define ACCEPT_SLICE_MS 100
#define DRAIN_MS 5000

enum {
	OPT_HELP = 'h',
	OPT_ECHO = 0x1300,
	OPT_PAUSE,
	OPT_COUNT,
	OPT_ONCE_ASSOC,
	OPT_DURATION,
	OPT_MAX_SIZE,
	OPT_JSON,
	OPT_QUIET,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "echo", no_argument, NULL, OPT_ECHO },
	{ "pause-ms", required_argument, NULL, OPT_PAUSE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "once", no_argument, NULL, OPT_ONCE_ASSOC },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	TOOL_EP_LONGOPTS,
	TOOL_DTLS_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
"usage: pmark-sink [options] [ADDR:]PORT   (5001, 10.0.0.2:5001, [::]:5001)\n"
"Accept SCTP-in-UDP associations; count and verify the PMK1 messages of each.\n"
"\n"
"  --echo                send every message back (same stream, ppid, ordering; no IP options)\n"
"  --pause-ms MS         read nothing for MS milliseconds after each accept\n"
"  --count N             exit after N messages in total\n"
"  --once                exit after the first association ends\n"
"  --duration SEC        exit after SEC seconds\n"
"  --max-size BYTES      largest message read whole (default 1048576)\n"
"endpoint:\n"
"  --mode M              auto, maps, cmsg or off (default off: the sink marks nothing)\n"
"  --pin-root DIR        pin root of the marker's maps\n"
"  --sctp-port N         SCTP port inside UDP (default 5000)\n"
"  --mtu BYTES           largest IP datagram sent (default 1280)\n"
"  --ip-df on|off|default  socket IP(V6)_MTU_DISCOVER: on = DO (never fragment), off = DONT\n"
"  --interleave          negotiate I-DATA (RFC 8260)\n"
"  --streams N           streams to offer (default 1024)\n"
TOOL_DTLS_USAGE
"  (the sink only receives: --cleartext and the sink options are the sender's)\n"
"output:\n"
"  --json                one JSON object per association and one for the total\n"
"  --quiet               print only the listening line and errors\n"
"  --help, --version\n";

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct args {
	struct tool_addr local;
	struct pmark_ep_config cfg;
	struct tool_dtls dtls;
	bool once;
	double duration;
};

static void parse_local(const char *s, struct tool_addr *out)
{
	uint64_t port;
	char buf[32];

	if (tool_parse_u64(s, 65535, &port) == 0) {
		snprintf(buf, sizeof(buf), "0.0.0.0:%llu", (unsigned long long)port);
		tool_addr_opt(NULL, buf, out);
		return;
	}
	if (strspn(s, "0123456789") == strlen(s))
		tool_usage_error("%s: port out of range 0..65535", s);
	tool_addr_opt(NULL, s, out);
}

static void parse_args(int argc, char **argv, struct args *a, struct sink *s)
{
	struct pmark_ep_config cfg = PMARK_EP_CONFIG_INIT;
	int c;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->cfg.mode = PMARK_MODE_OFF;
	s->max_size = 1 << 20;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (tool_ep_parse(&a->cfg, c, optarg) || tool_dtls_parse(&a->dtls, c, optarg))
			continue;
		switch (c) {
		case OPT_ECHO:
			s->echo = true;
			break;
		case OPT_PAUSE:
			s->pause_ms = tool_opt_u64("--pause-ms", optarg, 0, 86400000);
			break;
		case OPT_COUNT:
			s->count = tool_opt_u64("--count", optarg, 1, UINT64_MAX);
			break;
		case OPT_ONCE_ASSOC:
			a->once = true;
			break;
		case OPT_DURATION:
			a->duration = tool_opt_double("--duration", optarg, 1e9);
			break;
		case OPT_MAX_SIZE:
			s->max_size = tool_opt_u64("--max-size", optarg, 1, 1u << 30);
			break;
		case OPT_JSON:
			s->json = true;
			break;
		case OPT_QUIET:
			s->quiet = true;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("pmark-sink %s\n", PMARK_VERSION_STRING);
			exit(0);
		case ':':
			tool_usage_error("%s: needs a value", argv[optind - 1]);
		default:
			tool_usage_error("%s: unknown option (pmark-sink --help lists them)",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		tool_usage_error(optind >= argc ? "no [ADDR:]PORT given (pmark-sink --help)"
				 : "one [ADDR:]PORT only: %s is one too many", argv[argc - 1]);
	parse_local(argv[optind], &a->local);
}

static void listening(struct sink *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[TOOL_ADDRSTRLEN], line[TOOL_ADDRSTRLEN + 16];
	struct json j;

	if (pmark_ep_local(s->ep, &ss, &len))
		tool_die("listen: the endpoint has no local address");
	snprintf(line, sizeof(line), "listening on %s", tool_addr_str((struct sockaddr *)&ss, addr));
	if (!s->json) {
		/* Before "listening": a script that waits for it then has the fingerprint. */
		tool_dtls_line(stdout, s->dtls);
		printf("%s\n", line);
		fflush(stdout);
		return;
	}
	/* Parses as JSON, and still holds the words a script waits for. */
	json_start(&j, stdout);
	json_str(&j, "event", "listening");
	json_str(&j, "local", addr);
	json_str(&j, "message", line);
	tool_dtls_json(&j, s->dtls);
	json_done(&j);
}

static bool should_stop(struct sink *s, const struct args *a)
{
	if (s->stop)
		return true;
	if (got_signal)
		s->stop_reason = "signal";
	else if (a->duration > 0 && tool_since(s->start_ns) >= a->duration)
		s->stop_reason = "duration";
	else if (a->once && s->ended > 0)
		s->stop_reason = "once";
	else
		return false;
	s->stop = 1;
	return true;
}

/* Let the readers see stop and report; false if some are still stuck. */
static bool drain(struct sink *s)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DRAIN_MS / 1000;
	pthread_mutex_lock(&s->lock);
	while (s->active && pthread_cond_timedwait(&s->changed, &s->lock, &until) != ETIMEDOUT)
		;
	done = s->active == 0;
	tool_sink_report_total(s);
	pthread_mutex_unlock(&s->lock);
	return done;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sink s = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };
	const char *fatal = NULL;
	char errbuf[256];
	struct args a;
	int err;

	tool_prog = "pmark-sink";
	parse_args(argc, argv, &a, &s);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	tool_dtls_setup(&a.dtls, &a.cfg);
	s.ep = tool_ep_open((struct sockaddr *)&a.local.ss, a.local.len, &a.cfg);
	err = pmark_listen(s.ep);
	if (err)
		tool_die("listen: %s", tool_errstr(err));
	s.start_ns = tool_now_ns();
	s.dtls = &a.dtls;
	listening(&s);

	while (!should_stop(&s, &a)) {
		struct pmark_conn *c = pmark_accept(s.ep, ACCEPT_SLICE_MS);

		if (!c) {
			if (errno == ETIMEDOUT || errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(errbuf, sizeof(errbuf), "accept: %s", tool_errstr(errno));
			fatal = errbuf;
			s.stop_reason = "error";
			s.stop = 1;
			break;
		}
		err = tool_sink_start(&s, c);
		if (err) {
			tool_warn("accept: no thread for the association: %s", tool_errstr(err));
			pmark_conn_close(c, 0);
		}
	}
	if (fatal)
		tool_warn("%s", fatal);
	if (drain(&s)) {
		pmark_ep_close(s.ep);
		tool_dtls_free(&a.dtls);
	}
	return fatal ? EXIT_RUNTIME : 0;
}
