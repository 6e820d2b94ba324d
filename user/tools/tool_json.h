/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A small JSON writer: one object per line, nested objects, no arrays needed. */
#ifndef TOOL_JSON_H
#define TOOL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

/* Start the top-level object; json_done ends it with a newline and flushes. */
void json_start(struct json *j, FILE *f);
void json_done(struct json *j);
/* A member holding an object; json_end closes it. */
void json_obj(struct json *j, const char *key);
void json_end(struct json *j);

void json_str(struct json *j, const char *key, const char *val);   /* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_num(struct json *j, const char *key, double val, int decimals);
void json_null(struct json *j, const char *key);

#endif
