/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protected associations on the command line, the same in every tool:
 * --dtls --cert --key --peer-fingerprint --keylog, and the cleartext sink
 * --cleartext-pcap --cleartext-mirror (--cleartext: which messages use it).
 */
#ifndef TOOL_DTLS_H
#define TOOL_DTLS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "pmark.h"
#include "pmark_dtls.h"
#include "tool_addr.h"
#include "tool_json.h"

enum {
	OPT_DTLS = 0x1500,   /* after pmark-send 0x1200, pmark-sink 0x1300, pmark-trace 0x1400 */
	OPT_CERT,
	OPT_KEY,
	OPT_PEER_FP,
	OPT_KEYLOG,
	OPT_CLEAR_PCAP,
	OPT_CLEAR_MIRROR,
	OPT_CLEARTEXT,
};

#define TOOL_DTLS_LONGOPTS \
	{ "dtls", no_argument, NULL, OPT_DTLS }, \
	{ "cert", required_argument, NULL, OPT_CERT }, \
	{ "key", required_argument, NULL, OPT_KEY }, \
	{ "peer-fingerprint", required_argument, NULL, OPT_PEER_FP }, \
	{ "keylog", required_argument, NULL, OPT_KEYLOG }, \
	{ "cleartext-pcap", required_argument, NULL, OPT_CLEAR_PCAP }, \
	{ "cleartext-mirror", required_argument, NULL, OPT_CLEAR_MIRROR }, \
	{ "cleartext", no_argument, NULL, OPT_CLEARTEXT }

#define TOOL_DTLS_USAGE \
"protection (SCTP inside DTLS 1.2, as WebRTC):\n" \
"  --dtls                protect the association with DTLS 1.2\n" \
"  --cert FILE           PEM certificate (default: a fresh self-signed one)\n" \
"  --key FILE            its PEM private key (default: in --cert)\n" \
"  --peer-fingerprint FP the peer's certificate fingerprint, \"sha-256 AB:CD:...\"\n" \
"  --keylog FILE         append the session keys in NSS key log format (Wireshark)\n" \
"  --cleartext-pcap FILE write the cleartext SCTP packet of each protected datagram\n" \
"                        whose message asks for it (pcap, raw IP)\n" \
"  --cleartext-mirror ADDR:PORT  send those copies to a UDP collector (never the peer)\n"

struct tool_dtls {
	bool on;
	struct pmark_dtls_config dc;
	const char *pcap;
	struct tool_addr mirror;
	bool have_mirror;
	bool cleartext;              /* --cleartext (tools whose messages choose) */
	struct pmark_dtls *d;
	char fingerprint[160];
};

/* Handle one of the options above; false if code is not one of them. */
bool tool_dtls_parse(struct tool_dtls *t, int code, const char *arg);
/* After all options: checks them (exit 2), builds the DTLS context and the
 * sink settings into cfg (exit 1 with the reason when that fails). */
void tool_dtls_setup(struct tool_dtls *t, struct pmark_ep_config *cfg);
/* "dtls: sha-256 AB:..." (our fingerprint), nothing without --dtls. */
void tool_dtls_line(FILE *f, const struct tool_dtls *t);
/* Members dtls (bool), fingerprint, keylog, cleartext_pcap, cleartext_mirror. */
void tool_dtls_json(struct json *j, const struct tool_dtls *t);
void tool_dtls_free(struct tool_dtls *t);

#endif
