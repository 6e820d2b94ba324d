/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmark-send / pmark-sink: messages, exit codes, numbers, clocks. */
#ifndef TOOL_UTIL_H
#define TOOL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

extern const char *tool_prog;   /* "pmark-send" or "pmark-sink", the prefix of every message */
/* Appended to every usage error as " (HINT)", e.g. "pmark-trace --help"; NULL: nothing. */
extern const char *tool_usage_hint;

/* "prog: ..." on stderr, then exit 2 (bad options) or exit 1 (runtime). */
void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tool_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "prog: ..." on stderr, no exit. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* pmark_strerror(err), first letter lowered as in "connection timed out". */
const char *tool_errstr(int err);

/*
 * Unsigned integer: decimal, or hexadecimal after 0x; a leading zero is
 * still decimal; no sign, no space.  -EINVAL (not a number) or -ERANGE.
 */
int tool_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Decimal number of units (seconds, messages per second), >= 0, fractions allowed. */
int tool_parse_double(const char *s, double max, double *out);

/* Option value helpers: exit 2 with "prog: OPT ARG: ..." when out of range. */
uint64_t tool_opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max);
double tool_opt_double(const char *opt, const char *arg, double max);
/* One word among a NULL-terminated list; returns its index. */
int tool_opt_word(const char *opt, const char *arg, const char *const *words);

/* CLOCK_MONOTONIC in nanoseconds / seconds. */
uint64_t tool_now_ns(void);
double tool_since(uint64_t start_ns);
/* Sleep until an absolute CLOCK_MONOTONIC time. */
void tool_sleep_until(uint64_t deadline_ns);
/* Sleep ms milliseconds, in slices of at most 100 ms; returns early when *stop. */
void tool_sleep_ms(uint64_t ms, const volatile int *stop);

#endif
