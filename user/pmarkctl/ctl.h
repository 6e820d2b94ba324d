/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pmarkctl: what the command files share. */
#ifndef PMARKCTL_H
#define PMARKCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pmark.h"

struct ctl {
	const char *pin_root;   /* as given (--pin-root / PMARK_PIN_ROOT / default) */
	bool json;
	const char *cmd;        /* for messages: "attach", "set", ... */
};

/* Exit codes */
#define EXIT_USAGE 2

/* "pmarkctl: CMD: message" on stderr; returns 1 for `return fail(...)`. */
int fail(const struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_error(const struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 as root, else prints why not and returns 1 (attach and detach load and attach programs). */
int need_root(const struct ctl *c);

/* Numbers as a dissector prints them: decimal or 0x hex, whole string, in range. */
int parse_u64(const char *s, uint64_t max, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);

/* Open the pin root's maps or explain why not. NULL after printing the error. */
struct pmark_maps *open_maps(const struct ctl *c);

/* JSON output helpers (stdout). */
void json_str(const char *s);

int cmd_attach(struct ctl *c, int argc, char **argv);
int cmd_detach(struct ctl *c, int argc, char **argv);
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);
int cmd_set(struct ctl *c, int argc, char **argv);
int cmd_get(struct ctl *c, int argc, char **argv);
int cmd_del(struct ctl *c, int argc, char **argv);
int cmd_dump(struct ctl *c, int argc, char **argv);
int cmd_flush(struct ctl *c, int argc, char **argv);
int cmd_ports(struct ctl *c, int argc, char **argv);
int cmd_quotes(struct ctl *c, int argc, char **argv);
int cmd_dtls(struct ctl *c, int argc, char **argv);

#endif /* PMARKCTL_H */
