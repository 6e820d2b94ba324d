// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmarkctl: load, attach and drive the pmark tc egress marker and its ICMP reader. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "pmark_abi.h"

static const char usage_text[] =
"Usage: pmarkctl [--pin-root DIR] [--json] [--verbose] COMMAND [ARGS]\n"
"\n"
"  attach DEV [--group NAME] [--rings N] [--ring-size N] [--no-ingress]\n"
"                      load the marker (once per pin root) and attach it to DEV's egress,\n"
"                      and the ICMP error reader to DEV's ingress\n"
"  detach DEV          remove the marker from DEV\n"
"  detach --all        remove it everywhere, with every pin and the qdiscs pmarkctl created\n"
"  status [DEV]        what is loaded and where it is attached\n"
"  stats [--reset]     the marker's counters (then zero them)\n"
"  set --vtag V --tsn T [--ttl N] [--tos V[/MASK]] [--df set|clear] [--ip-id N]\n"
"      [--once] [--owner COOKIE] [--expire-ms MS]\n"
"                      write the record for one TSN of an association\n"
"  set --tag T --record EPOCH:SEQ [OPTIONS as above]\n"
"                      write the record for one DTLS record of a protected peer\n"
"  get --vtag V --tsn T | --tag T --record EPOCH:SEQ   show one record\n"
"  del --vtag V --tsn T | --tag T --record EPOCH:SEQ   remove one record\n"
"  dump                every live record\n"
"  flush               remove every record\n"
"  ports add|del|list [PORT...]\n"
"                      local UDP ports whose datagrams carry SCTP\n"
"  quotes              ICMP errors quoting those datagrams, as the ingress program kept them\n"
"  dtls list | add PORT ADDR:PORT | del PORT ADDR:PORT\n"
"                      protected peers (SCTP inside DTLS), marked by DTLS record; add\n"
"                      prints the peer's tag\n"
"\n"
"Numbers are decimal or 0x hex, as a dissector shows them.  The pin root is\n"
"/sys/fs/bpf/pmark unless --pin-root or PMARK_PIN_ROOT says otherwise.\n"
"See pmarkctl(8).\n";

static const struct {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
} commands[] = {
	{ "attach", cmd_attach }, { "detach", cmd_detach }, { "status", cmd_status },
	{ "stats", cmd_stats },   { "set", cmd_set },       { "get", cmd_get },
	{ "del", cmd_del },       { "dump", cmd_dump },     { "flush", cmd_flush },
	{ "ports", cmd_ports },   { "quotes", cmd_quotes },   { "dtls", cmd_dtls },
};

static bool verbose;

/* libbpf narrates expected refusals ("Exclusivity flag on"); show them only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			c.json = true;
		} else if (!strcmp(argv[i], "--pin-root")) {
			if (i + 1 >= argc)
				return usage_error(&c, "--pin-root needs a directory");
			c.pin_root = argv[++i];
		} else if (!strncmp(argv[i], "--pin-root=", 11)) {
			c.pin_root = argv[i] + 11;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("pmarkctl %s (record ABI %d)\n", PMARK_VERSION_STRING, PMARK_ABI_VERSION);
			return 0;
		} else {
			return usage_error(&c, "unknown option '%s'", argv[i]);
		}
	}
	libbpf_set_print(libbpf_print);
	if (c.pin_root && c.pin_root[0] != '/')
		return usage_error(&c, "--pin-root %s: must be an absolute path", c.pin_root);
	if (i >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (!strcmp(argv[i], commands[k].name)) {
			c.cmd = commands[k].name;
			/* A trailing --json is accepted too: `pmarkctl stats --json`. */
			for (int j = i + 1; j < argc; j++)
				if (!strcmp(argv[j], "--json")) {
					c.json = true;
					memmove(&argv[j], &argv[j + 1], (argc - j - 1) * sizeof(*argv));
					argc--;
					j--;
				}
			return commands[k].run(&c, argc - i - 1, argv + i + 1);
		}
	}
	return usage_error(&c, "unknown command '%s'", argv[i]);
}
