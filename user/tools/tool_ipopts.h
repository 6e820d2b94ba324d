/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The per-message IP options on the command line: --ttl --tos --tos-mask --dscp --df --once. */
#ifndef TOOL_IPOPTS_H
#define TOOL_IPOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include "pmark.h"
#include "payload.h"
#include "tool_json.h"

enum {
	OPT_TTL = 0x1000,
	OPT_TOS,
	OPT_TOS_MASK,
	OPT_DSCP,
	OPT_DF,
	OPT_ONCE,
};

#define TOOL_IPOPTS_LONGOPTS \
	{ "ttl", required_argument, NULL, OPT_TTL }, \
	{ "tos", required_argument, NULL, OPT_TOS }, \
	{ "tos-mask", required_argument, NULL, OPT_TOS_MASK }, \
	{ "dscp", required_argument, NULL, OPT_DSCP }, \
	{ "df", required_argument, NULL, OPT_DF }, \
	{ "once", no_argument, NULL, OPT_ONCE }

struct tool_ipopts {
	struct pmark_opts o;     /* the options asked for (thread 0's with per-thread options) */
	bool given;              /* any of them was given: send with so.ip = &o */
	bool dscp;               /* tos came from --dscp */
	bool per_thread;         /* thread i: ttl + i, dscp + i (mod 64) */
	const char *arg[OPT_ONCE - OPT_TTL + 1]; /* as typed, for messages */
};

void tool_ipopts_init(struct tool_ipopts *p);
/* Handle one of the options above; false if code is not one of them. */
bool tool_ipopts_parse(struct tool_ipopts *p, int code, const char *arg);
/* After all options: combinations and pmark_opts_validate; exit 2 on error. */
void tool_ipopts_finish(struct tool_ipopts *p, unsigned threads);
/* The options of sending thread i. */
void tool_ipopts_thread(const struct tool_ipopts *p, unsigned i, struct pmark_opts *out);
/* The header fields ttl / tos / tos_mask / df / flags(once) for options o. */
void tool_ipopts_to_hdr(const struct pmark_opts *o, bool given, struct pmk_hdr *h);

/* "ttl 64 tos 0xb8/0xfc df clear once", or "none". */
const char *tool_ipopts_str(const struct pmark_opts *o, bool given, char *buf, size_t len);
/* Members ttl, tos, tos_mask (null when left), df, once. */
void tool_ipopts_json(struct json *j, const char *key, const struct pmark_opts *o, bool given);

#endif
