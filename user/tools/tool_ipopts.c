// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The per-message IP options on the command line, checked with pmark_opts_validate. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "tool_ipopts.h"
#include "tool_util.h"

static const char *const opt_names[] = {
	"--ttl", "--tos", "--tos-mask", "--dscp", "--df", "--once",
};

void tool_ipopts_init(struct tool_ipopts *p)
{
	struct pmark_opts init = PMARK_OPTS_INIT;

	memset(p, 0, sizeof(*p));
	p->o = init;
}

/* A number for the library to judge: not a number is ours to say, range is its. */
static int number(const char *opt, const char *arg)
{
	uint64_t v;
	int err = tool_parse_u64(arg, UINT64_MAX, &v);

	if (err == -EINVAL)
		tool_usage_error("%s %s: not a number (decimal, or hex after 0x)", opt, arg);
	return err || v > INT_MAX ? INT_MAX : (int)v;
}

static void check_alone(const char *opt, const char *arg, const struct pmark_opts *o)
{
	const char *why = NULL;

	if (pmark_opts_validate(o, &why) && why)
		tool_usage_error("%s %s: %s", opt, arg, why);
}

bool tool_ipopts_parse(struct tool_ipopts *p, int code, const char *arg)
{
	static const char *const df_words[] = { "leave", "set", "clear", NULL };
	struct pmark_opts one = PMARK_OPTS_INIT;

	if (code < OPT_TTL || code > OPT_ONCE)
		return false;
	p->arg[code - OPT_TTL] = arg ? arg : "";
	switch (code) {
	case OPT_TTL:
		one.ttl = number("--ttl", arg);
		check_alone("--ttl", arg, &one);
		p->o.ttl = one.ttl;
		break;
	case OPT_TOS:
		one.tos = number("--tos", arg);
		check_alone("--tos", arg, &one);
		p->o.tos = one.tos;
		break;
	case OPT_TOS_MASK:
		one.tos = 0;
		one.tos_mask = number("--tos-mask", arg);
		check_alone("--tos-mask", arg, &one);
		p->o.tos_mask = one.tos_mask;
		break;
	case OPT_DSCP:
		p->o.tos = (int)tool_opt_u64("--dscp", arg, 0, 63) << 2;
		p->o.tos_mask = 0xfc;
		p->dscp = true;
		break;
	case OPT_DF:
		p->o.df = (enum pmark_df)tool_opt_word("--df", arg, df_words);
		break;
	case OPT_ONCE:
		p->o.once = true;
		break;
	}
	return true;
}

/* "--tos 0xb9 --tos-mask 0xfc" from what was typed. */
static const char *typed(const struct tool_ipopts *p, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		if (!p->arg[i] || n >= len)
			continue;
		n += snprintf(buf + n, len - n, "%s%s%s%s", n ? " " : "", opt_names[i],
			      i == OPT_ONCE - OPT_TTL ? "" : " ", p->arg[i]);
	}
	return buf;
}

void tool_ipopts_finish(struct tool_ipopts *p, unsigned threads)
{
	const char *why = NULL;
	char buf[256];

	if (p->dscp && p->arg[OPT_TOS - OPT_TTL])
		tool_usage_error("--dscp and --tos: give one of them");
	if (p->dscp && p->arg[OPT_TOS_MASK - OPT_TTL])
		tool_usage_error("--dscp and --tos-mask: --dscp writes the DSCP bits (mask 0xfc)");
	if (p->arg[OPT_TOS_MASK - OPT_TTL] && !p->arg[OPT_TOS - OPT_TTL])
		tool_usage_error("--tos-mask %s: without --tos", p->arg[OPT_TOS_MASK - OPT_TTL]);
	/* --df leave alone changes nothing: the same as no option at all. */
	p->given = p->o.ttl != PMARK_LEAVE || p->o.tos != PMARK_LEAVE ||
		   p->o.df != PMARK_DF_LEAVE || p->o.once;
	if (p->given && pmark_opts_validate(&p->o, &why))
		tool_usage_error("%s: %s", typed(p, buf, sizeof(buf)), why ? why : "refused");
	if (!p->per_thread)
		return;
	if (p->o.ttl == PMARK_LEAVE && p->o.tos == PMARK_LEAVE)
		tool_usage_error("--per-thread-options: give --ttl or --dscp (or --tos) to vary");
	if (p->o.ttl != PMARK_LEAVE && p->o.ttl + (int)threads - 1 > 255)
		tool_usage_error("--per-thread-options: ttl %d + %u threads goes past 255",
				 p->o.ttl, threads - 1);
	if (p->o.tos != PMARK_LEAVE && p->o.tos_mask && (p->o.tos_mask & 0xfc) != 0xfc)
		tool_usage_error("--per-thread-options: the tos mask must cover the DSCP bits 0xfc "
				 "to vary the DSCP");
}

void tool_ipopts_thread(const struct tool_ipopts *p, unsigned i, struct pmark_opts *out)
{
	*out = p->o;
	if (!p->per_thread)
		return;
	if (out->ttl != PMARK_LEAVE)
		out->ttl += (int)i;
	if (out->tos != PMARK_LEAVE)
		out->tos = (int)((((unsigned)out->tos >> 2) + i) % 64) << 2 | (out->tos & 3);
}

void tool_ipopts_to_hdr(const struct pmark_opts *o, bool given, struct pmk_hdr *h)
{
	h->ttl = h->tos = h->tos_mask = h->df = 0;
	h->flags &= (uint8_t)~PMK_F_ONCE;
	if (!given)
		return;
	if (o->ttl != PMARK_LEAVE)
		h->ttl = (uint8_t)o->ttl;
	if (o->tos != PMARK_LEAVE) {
		h->tos = (uint8_t)o->tos;
		h->tos_mask = (uint8_t)(o->tos_mask ? o->tos_mask : 0xff);
	}
	h->df = (uint8_t)o->df;
	if (o->once)
		h->flags |= PMK_F_ONCE;
}

const char *tool_ipopts_str(const struct pmark_opts *o, bool given, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (given && o->ttl != PMARK_LEAVE)
		n += snprintf(buf + n, len - n, " ttl %d", o->ttl);
	if (given && o->tos != PMARK_LEAVE && n < len)
		n += snprintf(buf + n, len - n, " tos 0x%02x/0x%02x", o->tos,
			      o->tos_mask ? o->tos_mask : 0xff);
	if (given && o->df != PMARK_DF_LEAVE && n < len)
		n += snprintf(buf + n, len - n, " df %s", o->df == PMARK_DF_SET ? "set" : "clear");
	if (given && o->once && n < len)
		n += snprintf(buf + n, len - n, " once");
	if (!n)
		snprintf(buf, len, " none");
	return buf + 1;
}

void tool_ipopts_json(struct json *j, const char *key, const struct pmark_opts *o, bool given)
{
	static const char *const df[] = { "leave", "set", "clear" };

	json_obj(j, key);
	if (given && o->ttl != PMARK_LEAVE)
		json_i64(j, "ttl", o->ttl);
	else
		json_null(j, "ttl");
	if (given && o->tos != PMARK_LEAVE) {
		json_i64(j, "tos", o->tos);
		json_i64(j, "tos_mask", o->tos_mask ? o->tos_mask : 0xff);
	} else {
		json_null(j, "tos");
		json_null(j, "tos_mask");
	}
	json_str(j, "df", given && (unsigned)o->df <= PMARK_DF_CLEAR ? df[o->df] : "leave");
	json_bool(j, "once", given && o->once);
	json_end(j);
}
