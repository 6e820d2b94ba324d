// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A small JSON writer: one object per line, nested objects and arrays. */
#include <inttypes.h>
#include <math.h>
#include "tool_json.h"

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* k NULL: an array element, which has no key. */
static void key(struct json *j, const char *k)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (!k)
		return;
	quoted(j->f, k);
	fputc(':', j->f);
}

static void open_nested(struct json *j, const char *k, char open, char close)
{
	key(j, k);
	fputc(open, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = close;
}

void json_start(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->close[0] = '}';
	fputc('{', f);
}

void json_done(struct json *j)
{
	while (j->depth > 0)
		json_end(j);
	fputs("}\n", j->f);
	fflush(j->f);
}

void json_obj(struct json *j, const char *k)
{
	open_nested(j, k, '{', '}');
}

void json_arr(struct json *j, const char *k)
{
	open_nested(j, k, '[', ']');
}

void json_end(struct json *j)
{
	fputc(j->depth > 0 ? j->close[j->depth] : '}', j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_str(struct json *j, const char *k, const char *val)
{
	key(j, k);
	if (val)
		quoted(j->f, val);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *k, uint64_t val)
{
	key(j, k);
	fprintf(j->f, "%" PRIu64, val);
}

void json_i64(struct json *j, const char *k, int64_t val)
{
	key(j, k);
	fprintf(j->f, "%" PRId64, val);
}

void json_bool(struct json *j, const char *k, bool val)
{
	key(j, k);
	fputs(val ? "true" : "false", j->f);
}

void json_num(struct json *j, const char *k, double val, int decimals)
{
	key(j, k);
	if (isfinite(val))
		fprintf(j->f, "%.*f", decimals, val);
	else
		fputs("null", j->f);
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	fputs("null", j->f);
}
