// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Endpoint options both tools take, and opening the endpoint. */
#include <errno.h>
#include <stdio.h>
#include "tool_addr.h"
#include "tool_ep.h"
#include "tool_util.h"

static const char *const mode_words[] = { "auto", "maps", "cmsg", "off", NULL };

bool tool_ep_parse(struct pmark_ep_config *cfg, int code, const char *arg)
{
	static const char *const ip_df_words[] = { "default", "off", "on", NULL };

	switch (code) {
	case OPT_MODE:
		/* Indexes follow enum pmark_mode. */
		cfg->mode = (enum pmark_mode)tool_opt_word("--mode", arg, mode_words);
		return true;
	case OPT_PIN_ROOT:
		if (arg[0] != '/')
			tool_usage_error("--pin-root %s: must be an absolute path", arg);
		cfg->pin_root = arg;
		return true;
	case OPT_MTU:
		cfg->mtu = (uint32_t)tool_opt_u64("--mtu", arg, 0, 65535);
		return true;
	case OPT_IP_DF:
		cfg->ip_df = tool_opt_word("--ip-df", arg, ip_df_words) - 1;
		return true;
	case OPT_INTERLEAVE:
		/* pmark_ep_config has no I-DATA switch (yet): say so rather than ignore it. */
		tool_usage_error("--interleave: this libpmark cannot negotiate I-DATA "
				 "(no interleave in struct pmark_ep_config)");
	case OPT_SCTP_PORT:
		cfg->sctp_port = (uint16_t)tool_opt_u64("--sctp-port", arg, 0, 65535);
		return true;
	case OPT_STREAMS:
		cfg->streams = (uint16_t)tool_opt_u64("--streams", arg, 1, 65535);
		return true;
	}
	return false;
}

const char *tool_mode_name(enum pmark_mode mode)
{
	return (unsigned)mode <= PMARK_MODE_OFF ? mode_words[mode] : "?";
}

struct pmark_ep *tool_ep_open(const struct sockaddr *local, socklen_t len,
			      const struct pmark_ep_config *cfg)
{
	struct pmark_ep *ep = pmark_ep_open(local, len, cfg);
	char a[TOOL_ADDRSTRLEN];

	if (!ep)
		tool_die("open endpoint %s (mode %s): %s", tool_addr_str(local, a),
			 tool_mode_name(cfg->mode), tool_errstr(errno));
	return ep;
}

void tool_ep_mode_line(FILE *f, struct pmark_ep *ep)
{
	enum pmark_mode mode = pmark_ep_mode(ep);
	const char *why = pmark_ep_fallback_reason(ep);

	fprintf(f, "mode: %s", tool_mode_name(mode));
	if (mode == PMARK_MODE_MAPS && pmark_ep_maps(ep))
		fprintf(f, " (pins %s)", pmark_pin_root(pmark_ep_maps(ep)));
	if (mode == PMARK_MODE_CMSG)
		fprintf(f, " (%s)", why ? why : "asked for");
	fputc('\n', f);
}

void tool_ep_mode_json(struct json *j, struct pmark_ep *ep)
{
	enum pmark_mode mode = pmark_ep_mode(ep);

	json_str(j, "mode", tool_mode_name(mode));
	json_str(j, "fallback_reason", mode == PMARK_MODE_CMSG ? pmark_ep_fallback_reason(ep) : NULL);
	json_str(j, "pin_root", mode == PMARK_MODE_MAPS && pmark_ep_maps(ep) ?
		 pmark_pin_root(pmark_ep_maps(ep)) : NULL);
}
