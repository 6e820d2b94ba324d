/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Endpoint options both tools take: --mode --pin-root --mtu --ip-df --interleave --sctp-port. */
#ifndef TOOL_EP_H
#define TOOL_EP_H

#include <getopt.h>
#include <stdbool.h>
#include "pmark.h"
#include "tool_json.h"

enum {
	OPT_MODE = 0x1100,
	OPT_PIN_ROOT,
	OPT_MTU,
	OPT_IP_DF,
	OPT_INTERLEAVE,
	OPT_SCTP_PORT,
	OPT_STREAMS,
};

#define TOOL_EP_LONGOPTS \
	{ "mode", required_argument, NULL, OPT_MODE }, \
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT }, \
	{ "mtu", required_argument, NULL, OPT_MTU }, \
	{ "ip-df", required_argument, NULL, OPT_IP_DF }, \
	{ "interleave", no_argument, NULL, OPT_INTERLEAVE }, \
	{ "sctp-port", required_argument, NULL, OPT_SCTP_PORT }, \
	{ "streams", required_argument, NULL, OPT_STREAMS }

/* Handle one of the options above into cfg; false if code is not one of them. */
bool tool_ep_parse(struct pmark_ep_config *cfg, int code, const char *arg);

/* "maps", "cmsg", "off" (or "auto"). */
const char *tool_mode_name(enum pmark_mode mode);
/* Open, or exit 1 with "prog: open endpoint ADDR: ...". */
struct pmark_ep *tool_ep_open(const struct sockaddr *local, socklen_t len,
			      const struct pmark_ep_config *cfg);
/* Text: "mode cmsg (REASON)"; JSON: members mode, fallback_reason. */
void tool_ep_mode_line(FILE *f, struct pmark_ep *ep);
void tool_ep_mode_json(struct json *j, struct pmark_ep *ep);

#endif
