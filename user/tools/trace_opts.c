// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool_ep.h"
#include "tool_util.h"
#include "trace_opts.h"

#define MAX_LOAD_SIZE (16u << 20)

enum {
	OPT_MAX_HOPS = 'm',
	OPT_FIRST_HOP = 'f',
	OPT_QUERIES = 'q',
	OPT_WAIT = 'w',
	OPT_NUMERIC = 'n',
	OPT_HELP = 'h',
	OPT_JSON = 0x1400,
	OPT_REPORT,
	OPT_ROUNDS,
	OPT_INTERVAL,
	OPT_PMTU,
	OPT_DF,
	OPT_TOS,
	OPT_DSCP,
	OPT_SIZE,
	OPT_STREAM,
	OPT_PPID,
	OPT_LOAD,
	OPT_CONNECT_TIMEOUT,
	OPT_LOCAL,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "max-hops", required_argument, NULL, OPT_MAX_HOPS },
	{ "first-hop", required_argument, NULL, OPT_FIRST_HOP },
	{ "queries", required_argument, NULL, OPT_QUERIES },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "numeric", no_argument, NULL, OPT_NUMERIC },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "report", no_argument, NULL, OPT_REPORT },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "interval-ms", required_argument, NULL, OPT_INTERVAL },
	{ "pmtu", no_argument, NULL, OPT_PMTU },
	{ "df", no_argument, NULL, OPT_DF },
	{ "tos", required_argument, NULL, OPT_TOS },
	{ "dscp", required_argument, NULL, OPT_DSCP },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "ppid", required_argument, NULL, OPT_PPID },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "bind", required_argument, NULL, OPT_LOCAL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	TOOL_EP_LONGOPTS,
	TOOL_DTLS_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
"usage: pmark-trace [options] HOST:PORT     (10.0.0.2:5001 or [fd00::2]:5001)\n"
"Trace the path of an SCTP-over-UDP association with probes inside it.\n"
"\n"
"trace:\n"
"  -m, --max-hops N      largest TTL / hop limit, 1..255 (default 30)\n"
"  -f, --first-hop N     first TTL, 1..max (default 1)\n"
"  -q, --queries N       probes per hop, 1..10 (default 3)\n"
"  -w, --wait MS         wait for each probe's answer, 1..600000 ms (default 3000)\n"
"  -n, --numeric         no reverse DNS lookups\n"
"  --size BYTES          probe message bytes, 16..65000 (default 32)\n"
"  --stream ID           SCTP stream of the probes (default: the highest the peer granted)\n"
"  --ppid N              their payload protocol identifier, 1..4294967295 (default 0x504d4b54)\n"
"  --tos 0..255          TOS / traffic class of the probes (default: as the kernel sets it)\n"
"  --dscp 0..63          the same as --tos DSCP<<2 (ECN bits 0)\n"
"  --df                  IPv4 Don't Fragment on the probes\n"
"  --pmtu                also find the path MTU (DF probes answered by the peer's ack)\n"
"  --load COUNTxSIZE     meanwhile send COUNT messages of SIZE bytes on stream 0\n"
"output:\n"
"  --json                one JSON object\n"
"  --report              statistics over rounds, as mtr -r\n"
"  --rounds N            rounds with --report, 1..100000 (default 10)\n"
"  --interval-ms MS      pause between rounds with --report (default 1000)\n"
"endpoint:\n"
"  --local ADDR:PORT     local UDP address (default: any, port 0)\n"
"  --mode M              auto, maps or cmsg (default auto)\n"
"  --pin-root DIR        pin root of the marker's maps\n"
"  --sctp-port N         SCTP port inside UDP (default 5000)\n"
"  --mtu BYTES           association MTU (default 1280; with --pmtu the route's MTU)\n"
"  --ip-df on|off|default  socket IP(V6)_MTU_DISCOVER\n"
"  --streams N           streams to ask for (default 1024, or --stream + 1)\n"
"  --connect-timeout MS  0 = for ever (default 10000)\n"
TOOL_DTLS_USAGE
"  (with a cleartext sink, every probe's cleartext copy goes to it)\n"
"  -h, --help, --version\n";

uint32_t trace_probe_datagram_bytes(uint32_t size)
{
	return 12 + 16 + ((size + 3) & ~3u);
}

/* "20000x1000" */
static void parse_load(const char *arg, struct trace_args *a)
{
	const char *x = strchr(arg, 'x');
	char count[32];

	if (!x || x == arg || (size_t)(x - arg) >= sizeof(count))
		tool_usage_error("--load %s: not COUNTxSIZE (20000x1000)", arg);
	memcpy(count, arg, (size_t)(x - arg));
	count[x - arg] = 0;
	a->load_count = tool_opt_u64("--load COUNT", count, 1, UINT32_MAX);
	a->load_size = tool_opt_u64("--load SIZE", x + 1, 1, MAX_LOAD_SIZE);
	a->load = true;
}

static void set_tos(struct trace_args *a, const char *opt, int tos)
{
	if (a->tos_opt && strcmp(a->tos_opt, opt))
		tool_usage_error("--tos and --dscp: give one of them");
	a->tos_opt = opt;
	a->cfg.tos = tos;
}

static void defaults(struct trace_args *a)
{
	struct pmark_ep_config ep = PMARK_EP_CONFIG_INIT;
	struct pmark_trace_config cfg = PMARK_TRACE_CONFIG_INIT;

	memset(a, 0, sizeof(*a));
	a->ep = ep;
	a->cfg = cfg;
	a->rounds = TRACE_ROUNDS;
	a->interval_ms = TRACE_INTERVAL_MS;
	a->connect_timeout_ms = TRACE_CONNECT_TIMEOUT_MS;
}

static bool parse_one(struct trace_args *a, int c, const char *arg, const char **rounds_opt)
{
	switch (c) {
	case OPT_MAX_HOPS:
		a->cfg.max_ttl = (uint8_t)tool_opt_u64("-m", arg, 1, 255);
		return true;
	case OPT_FIRST_HOP:
		a->cfg.first_ttl = (uint8_t)tool_opt_u64("-f", arg, 1, 255);
		return true;
	case OPT_QUERIES:
		/* The events of one trace must fit the 4096-event queue: 255 x 10. */
		a->cfg.probes = (uint8_t)tool_opt_u64("-q", arg, 1, 10);
		return true;
	case OPT_WAIT:
		a->cfg.timeout_ms = (uint32_t)tool_opt_u64("-w", arg, 1, 600000);
		return true;
	case OPT_NUMERIC:
		a->numeric = true;
		return true;
	case OPT_JSON:
		a->json = true;
		return true;
	case OPT_REPORT:
		a->report = true;
		return true;
	case OPT_ROUNDS:
		a->rounds = (unsigned)tool_opt_u64("--rounds", arg, 1, 100000);
		*rounds_opt = "--rounds";
		return true;
	case OPT_INTERVAL:
		a->interval_ms = tool_opt_u64("--interval-ms", arg, 0, 3600000);
		*rounds_opt = "--interval-ms";
		return true;
	case OPT_PMTU:
		a->pmtu = true;
		return true;
	case OPT_DF:
		a->cfg.df = PMARK_DF_SET;
		return true;
	case OPT_TOS:
		set_tos(a, "--tos", (int)tool_opt_u64("--tos", arg, 0, 255));
		return true;
	case OPT_DSCP:
		set_tos(a, "--dscp", (int)tool_opt_u64("--dscp", arg, 0, 63) << 2);
		return true;
	case OPT_SIZE:
		a->cfg.size = (uint32_t)tool_opt_u64("--size", arg, 16, 65000);
		return true;
	case OPT_STREAM:
		a->cfg.stream = (uint32_t)tool_opt_u64("--stream", arg, 0, 65534);
		return true;
	case OPT_PPID:
		/* 0 in pmark_trace_config means PMARK_PROBE_PPID. */
		a->cfg.ppid = (uint32_t)tool_opt_u64("--ppid", arg, 1, UINT32_MAX);
		return true;
	case OPT_LOAD:
		parse_load(arg, a);
		return true;
	case OPT_CONNECT_TIMEOUT: {
		uint64_t ms = tool_opt_u64("--connect-timeout", arg, 0, 86400000);

		a->connect_timeout_ms = ms ? (int)ms : -1;
		return true;
	}
	case OPT_LOCAL:
		tool_addr_opt("--local", arg, &a->local);
		return true;
	}
	return false;
}

static void check(struct trace_args *a, const char *target, bool have_local, const char *rounds_opt)
{
	/* OFF sends unmarked and maps no chunk to its message: no TTL, no tracking. */
	if (a->ep.mode == PMARK_MODE_OFF)
		tool_usage_error("--mode off: probes need their TTL set and tracked: use auto, maps or cmsg");
	if (a->cfg.first_ttl > a->cfg.max_ttl)
		tool_usage_error("-f %u: past the last hop -m %u", a->cfg.first_ttl, a->cfg.max_ttl);
	if (rounds_opt && !a->report)
		tool_usage_error("%s: only with --report", rounds_opt);
	if (!have_local)
		tool_addr_any(a->target.ss.ss_family, &a->local);
	else if (a->local.ss.ss_family != a->target.ss.ss_family)
		tool_usage_error("--local and %s: not the same address family", target);
	if (a->cfg.stream != PMARK_TRACE_STREAM_AUTO && a->ep.streams &&
	    a->cfg.stream >= a->ep.streams)
		tool_usage_error("--stream %u: only %u streams (--streams)", a->cfg.stream,
				 a->ep.streams);
	/* As pmark-send: a high stream asks for enough streams to use it. */
	if (a->cfg.stream != PMARK_TRACE_STREAM_AUTO && !a->ep.streams && a->cfg.stream >= 1024)
		a->ep.streams = (uint16_t)(a->cfg.stream + 1);
	if (a->load && a->cfg.stream == 0)
		tool_usage_error("--stream 0 and --load: the load uses stream 0, probes need another");
}

void trace_opts_parse(int argc, char **argv, struct trace_args *a)
{
	const char *rounds_opt = NULL;
	bool have_local = false;
	int c;

	defaults(a);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:f:q:w:nh", longopts, NULL)) != -1) {
		if (c == OPT_MTU)
			a->mtu_given = true;
		if (c == OPT_LOCAL)
			have_local = true;
		if (tool_ep_parse(&a->ep, c, optarg) || tool_dtls_parse(&a->dtls, c, optarg) ||
		    parse_one(a, c, optarg, &rounds_opt))
			continue;
		switch (c) {
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("pmark-trace %s\n", PMARK_VERSION_STRING);
			exit(0);
		case ':':
			/* A missing value is always the last word: the option as typed. */
			tool_usage_error("%s: needs a value", argv[optind - 1]);
		default:
			/* A short one may sit in a group (-nx): name the letter. */
			if (optopt > 0 && optopt < 0x100)
				tool_usage_error("-%c: unknown option", optopt);
			tool_usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		tool_usage_error(optind >= argc ? "no HOST:PORT given"
				 : "one HOST:PORT only: %s is one too many", argv[argc - 1]);
	tool_addr_opt(NULL, argv[optind], &a->target);
	check(a, argv[optind], have_local, rounds_opt);
	/* The sink is there for the probes: each one's cleartext copy goes to it. */
	a->cfg.cleartext = a->dtls.pcap || a->dtls.have_mirror;
}
