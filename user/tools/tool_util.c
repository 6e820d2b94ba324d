// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-send / pmark-sink: messages, exit codes, numbers, clocks. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pmark.h"
#include "tool_util.h"

const char *tool_prog = "pmark";
const char *tool_usage_hint;

static void vmsg(const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write, so lines of concurrent threads do not interleave. */
	fprintf(stderr, "%s: %s\n", tool_prog, line);
}

void tool_usage_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Still one line: the hint follows the message on it. */
	if (tool_usage_hint)
		fprintf(stderr, "%s: %s (%s)\n", tool_prog, line, tool_usage_hint);
	else
		fprintf(stderr, "%s: %s\n", tool_prog, line);
	exit(EXIT_USAGE);
}

void tool_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_RUNTIME);
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

const char *tool_errstr(int err)
{
	static __thread char buf[256];
	const char *s = pmark_strerror(err);

	snprintf(buf, sizeof(buf), "%s", s ? s : "unknown error");
	/* "Connection timed out" -> "connection timed out", but keep "IPv6 ...". */
	if (isupper((unsigned char)buf[0]) && islower((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int tool_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	const char *digits = s;
	int base = 10;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!isxdigit((unsigned char)digits[0]))
		return -EINVAL;         /* no sign, no space, something after 0x */
	errno = 0;
	v = strtoull(digits, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tool_parse_double(const char *s, double max, double *out)
{
	double v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

uint64_t tool_opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v = 0;
	int err = tool_parse_u64(arg, max, &v);

	if (err == -EINVAL)
		tool_usage_error("%s %s: not a number (decimal, or hex after 0x)", opt, arg);
	if (err || v < min)
		tool_usage_error("%s %s: out of range %llu..%llu", opt, arg,
				 (unsigned long long)min, (unsigned long long)max);
	return v;
}

double tool_opt_double(const char *opt, const char *arg, double max)
{
	double v = 0;
	int err = tool_parse_double(arg, max, &v);

	if (err == -EINVAL)
		tool_usage_error("%s %s: not a number", opt, arg);
	if (err)
		tool_usage_error("%s %s: out of range 0..%g", opt, arg, max);
	return v;
}

int tool_opt_word(const char *opt, const char *arg, const char *const *words)
{
	char list[256] = "";
	size_t n = 0;
	int i;

	for (i = 0; words[i]; i++) {
		if (!strcmp(arg, words[i]))
			return i;
		n += snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
			      i == 0 ? "" : words[i + 1] ? ", " : " or ", words[i]);
	}
	tool_usage_error("%s %s: must be %s", opt, arg, list);
}

uint64_t tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double tool_since(uint64_t start_ns)
{
	return (double)(tool_now_ns() - start_ns) / 1e9;
}

void tool_sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_ns % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void tool_sleep_ms(uint64_t ms, const volatile int *stop)
{
	uint64_t end = tool_now_ns() + ms * 1000000ull;

	while (!(stop && *stop)) {
		uint64_t now = tool_now_ns();

		if (now >= end)
			break;
		tool_sleep_until(end - now > 100000000ull ? now + 100000000ull : end);
	}
}
