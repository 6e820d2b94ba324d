/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A small JSON writer: one object per line, nested objects and arrays. */
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
	char close[JSON_MAX_DEPTH];   /* '}' or ']' for the open object or array */
};

/* Start the top-level object; json_done ends it with a newline and flushes. */
void json_start(struct json *j, FILE *f);
void json_done(struct json *j);
/*
 * A member holding an object / an array; json_end closes either.  Inside an
 * array every value is written with key NULL: json_obj(j, NULL) starts an
 * object element, json_str(j, NULL, "a") a string element, and so on.
 */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end(struct json *j);

void json_str(struct json *j, const char *key, const char *val);   /* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_num(struct json *j, const char *key, double val, int decimals);
void json_null(struct json *j, const char *key);

#endif
