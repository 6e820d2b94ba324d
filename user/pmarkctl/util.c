// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Messages, number parsing, JSON strings, opening maps. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include "ctl.h"
#include "pmark_int.h"

static void vmsg(const struct ctl *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "pmarkctl: ");
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int fail(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return 1;
}

int need_root(const struct ctl *c)
{
	if (geteuid() == 0)
		return 0;
	return fail(c, "needs root (loading and attaching BPF programs takes CAP_BPF and CAP_NET_ADMIN)");
}

int usage_error(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'pmarkctl --help'.\n");
	return EXIT_USAGE;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	/* Base 10 unless 0x: "010" is ten, as a dissector would print it, not octal eight. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = s[2] ? strtoull(s + 2, &end, 16) : (end = (char *)s, 0);
	else
		v = strtoull(s, &end, 10);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (s[2] == '-' || s[2] == '+' || s[2] == ' '))
		return -EINVAL;
	if (errno || *end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int err = parse_u64(s, UINT32_MAX, &v);

	if (!err)
		*out = (uint32_t)v;
	return err;
}

void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

struct pmark_maps *open_maps(const struct ctl *c)
{
	struct pmark_maps *m = pmark_open(c->pin_root);
	const char *root = pmark_pin_root_requested(c->pin_root);
	char resolved[PATH_MAX];
	int err = errno;

	if (m)
		return m;
	if (err == ENOENT &&
	    pmark_pin_root_resolve(c->pin_root, false, resolved, sizeof(resolved)) == -ENOTDIR)
		/* Typically a user without root inside ip netns exec: the host's bpffs is hidden. */
		fail(c, "not attached: run pmarkctl attach DEV (no bpf filesystem holds %s from "
		     "this mount namespace; inside ip netns exec without root, use "
		     "nsenter --net=/run/netns/NAME instead)", root);
	else if (err == ENOENT)
		fail(c, "not attached: run pmarkctl attach DEV (no pins under %s)", root);
	else
		fail(c, "%s", pmark_strerror(-err));
	return NULL;
}
