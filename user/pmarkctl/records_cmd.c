// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * set / get / del / dump / flush: records by (vtag, TSN), or for a protected
 * peer by (tag, record id: DTLS epoch and sequence number).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "pmark_abi.h"

struct key_args {
	bool have_vtag, have_tsn, have_record;
	uint32_t vtag, tsn;
	uint64_t record_id;
	char name[64];          /* "vtag 0x... tsn N" / "tag 0x... record E:S", for messages */
};

/* EPOCH:SEQ, each decimal or 0x hex; epoch 0 is the handshake's, never application data. */
static int parse_record(const char *s, uint64_t *record_id)
{
	char buf[64], *colon;
	uint64_t epoch, seq;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_u64(buf, UINT16_MAX, &epoch) || epoch == 0 ||
	    parse_u64(colon + 1, (1ULL << 48) - 1, &seq))
		return -EINVAL;
	*record_id = PMARK_RECORD_ID(epoch, seq);
	return 0;
}

/* Accepts --vtag/--tag, --tsn, --record; returns 1 if argv[*i] was one of them, <0 on error. */
static int parse_key_arg(struct ctl *c, int argc, char **argv, int *i, struct key_args *k)
{
	const char *a = argv[*i];
	bool vtag = !strcmp(a, "--vtag") || !strcmp(a, "--tag"), tsn = !strcmp(a, "--tsn");
	bool record = !strcmp(a, "--record");

	if (!vtag && !tsn && !record)
		return 0;
	if (*i + 1 >= argc)
		return -usage_error(c, "%s needs a value", a);
	(*i)++;
	if (record) {
		if (parse_record(argv[*i], &k->record_id))
			return -usage_error(c, "--record %s: not EPOCH:SEQ (epoch 1..65535, sequence "
					    "0..2^48-1, decimal or 0x hex)", argv[*i]);
		k->have_record = true;
		return 1;
	}
	if (parse_u32(argv[*i], vtag ? &k->vtag : &k->tsn))
		return -usage_error(c, "%s %s: not a number in 0..4294967295 (decimal or 0x hex)",
				    a, argv[*i]);
	if (vtag)
		k->have_vtag = true;
	else
		k->have_tsn = true;
	return 1;
}

static int need_key(struct ctl *c, struct key_args *k)
{
	if (!k->have_vtag || k->have_tsn == k->have_record)
		return usage_error(c, "give --vtag V and --tsn T, or --tag T and --record EPOCH:SEQ");
	if (k->have_record)
		snprintf(k->name, sizeof(k->name), "tag 0x%08x record %u:%" PRIu64, k->vtag,
			 (unsigned)(k->record_id >> 48), (uint64_t)(k->record_id & 0xffffffffffffULL));
	else
		snprintf(k->name, sizeof(k->name), "vtag 0x%08x tsn %u", k->vtag, k->tsn);
	return 0;
}

/* A protected datagram's record through the peer's ring, claimed again if a flush freed it. */
static int mark_record(struct pmark_maps *m, const struct key_args *k, const struct pmark_opts *o)
{
	struct pmark_assoc *a = pmark_assoc_get(m, k->vtag);
	int err;

	if (!a)
		return -errno;
	err = pmark_assoc_mark_record(a, k->record_id, o);
	pmark_assoc_put(a, false);
	return err;
}

static int parse_tos(struct ctl *c, const char *s, struct pmark_opts *o)
{
	char buf[64], *slash;
	uint64_t v, mask = 0xff;

	if (strlen(s) >= sizeof(buf))
		return usage_error(c, "--tos %s: too long", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u64(slash + 1, 255, &mask) || mask == 0)
			return usage_error(c, "--tos %s: mask must be 1..255 (e.g. 0xfc for DSCP only)", s);
	}
	if (parse_u64(buf, 255, &v))
		return usage_error(c, "--tos %s: value must be 0..255", s);
	if (v & ~mask)
		return usage_error(c, "--tos %s: value has bits outside the mask", s);
	o->tos = (int)v;
	o->tos_mask = (int)mask;
	return 0;
}

int cmd_set(struct ctl *c, int argc, char **argv)
{
	struct pmark_opts o = PMARK_OPTS_INIT;
	struct key_args k = { 0 };
	struct pmark_maps *m;
	const char *why;
	uint64_t v;
	int err;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		err = parse_key_arg(c, argc, argv, &i, &k);
		if (err < 0)
			return -err;
		if (err)
			continue;
		if (!strcmp(a, "--once")) {
			o.once = true;
			continue;
		}
		if (strcmp(a, "--ttl") && strcmp(a, "--tos") && strcmp(a, "--df") &&
		    strcmp(a, "--owner") && strcmp(a, "--expire-ms") && strcmp(a, "--ip-id"))
			return usage_error(c, "unknown argument '%s'", a);
		if (!val)
			return usage_error(c, "%s needs a value", a);
		i++;
		if (!strcmp(a, "--ttl")) {
			if (parse_u64(val, UINT64_MAX, &v) || v < 1 || v > 255)
				return usage_error(c, "--ttl %s: must be 1..255", val);
			o.ttl = (int)v;
		} else if (!strcmp(a, "--tos")) {
			err = parse_tos(c, val, &o);
			if (err)
				return err;
		} else if (!strcmp(a, "--df")) {
			if (!strcmp(val, "set"))
				o.df = PMARK_DF_SET;
			else if (!strcmp(val, "clear"))
				o.df = PMARK_DF_CLEAR;
			else
				return usage_error(c, "--df %s: must be set or clear", val);
		} else if (!strcmp(a, "--ip-id")) {
			if (parse_u64(val, UINT16_MAX, &v))
				return usage_error(c, "--ip-id %s: must be 0..65535", val);
			o.stamp_id = true;
			o.ip_id = (uint16_t)v;
		} else if (!strcmp(a, "--owner")) {
			if (parse_u64(val, UINT64_MAX, &o.owner))
				return usage_error(c, "--owner %s: not a socket cookie (decimal or 0x hex)", val);
		} else {
			if (parse_u64(val, UINT32_MAX, &v))
				return usage_error(c, "--expire-ms %s: must be 0..4294967295", val);
			o.expire_ms = (uint32_t)v;
		}
	}
	err = need_key(c, &k);
	if (err)
		return err;
	if (pmark_opts_validate(&o, &why))
		return usage_error(c, "%s", why);
	m = open_maps(c);
	if (!m)
		return 1;
	err = k.have_record ? mark_record(m, &k, &o) : pmark_mark(m, k.vtag, k.tsn, &o);
	pmark_close(m);
	if (err)
		return fail(c, "%s: %s", k.name, pmark_strerror(err));
	return 0;
}

static void print_record(const struct ctl *c, const struct pmark_record *r)
{
	const struct pmark_opts *o = &r->opts;
	static const char *df_names[] = { "leave", "set", "clear" };

	if (c->json) {
		/* A DTLS record (epoch != 0) keeps only its sequence number's low 32 bits. */
		if (r->epoch)
			printf("{\"tag\":%u,\"epoch\":%u,\"seq\":%u,\"ring\":%u", r->vtag, r->epoch,
			       r->tsn, r->ring);
		else
			printf("{\"vtag\":%u,\"tsn\":%u,\"ring\":%u", r->vtag, r->tsn, r->ring);
		if (o->ttl != PMARK_LEAVE)
			printf(",\"ttl\":%d", o->ttl);
		if (o->tos != PMARK_LEAVE)
			printf(",\"tos\":%d,\"tos_mask\":%d", o->tos, o->tos_mask);
		if (o->stamp_id)
			printf(",\"ip_id\":%u", o->ip_id);
		printf(",\"df\":\"%s\",\"once\":%s,\"consumed\":%s,\"owner\":%llu,"
		       "\"expire_ns\":%llu,\"expired\":%s}",
		       df_names[o->df], o->once ? "true" : "false", r->consumed ? "true" : "false",
		       (unsigned long long)o->owner, (unsigned long long)r->expire_ns,
		       r->expired ? "true" : "false");
		return;
	}
	if (r->epoch)
		printf("tag 0x%08x record %u:%u", r->vtag, r->epoch, r->tsn);
	else
		printf("vtag 0x%08x tsn %u", r->vtag, r->tsn);
	if (o->ttl != PMARK_LEAVE)
		printf(" ttl %d", o->ttl);
	if (o->tos != PMARK_LEAVE)
		printf(" tos 0x%02x/0x%02x", o->tos, o->tos_mask);
	if (o->df != PMARK_DF_LEAVE)
		printf(" df %s", df_names[o->df]);
	if (o->stamp_id)
		printf(" ip_id 0x%04x", o->ip_id);
	if (o->once)
		printf(" once%s", r->consumed ? " (consumed)" : "");
	if (o->owner)
		printf(" owner %llu", (unsigned long long)o->owner);
	if (r->expire_ns)
		printf(" %s", r->expired ? "expired" : "expires");
	printf("\n");
}

static int key_only_args(struct ctl *c, int argc, char **argv, struct key_args *k)
{
	for (int i = 0; i < argc; i++) {
		int err = parse_key_arg(c, argc, argv, &i, k);

		if (err < 0)
			return -err;
		if (!err)
			return usage_error(c, "unknown argument '%s'", argv[i]);
	}
	return need_key(c, k);
}

int cmd_get(struct ctl *c, int argc, char **argv)
{
	struct key_args k = { 0 };
	struct pmark_record r;
	struct pmark_maps *m;
	int err = key_only_args(c, argc, argv, &k);

	if (err)
		return err;
	m = open_maps(c);
	if (!m)
		return 1;
	err = k.have_record ? pmark_get_record(m, k.vtag, k.record_id, &r)
			    : pmark_get(m, k.vtag, k.tsn, &r);
	pmark_close(m);
	if (err == -ENOENT)
		return fail(c, "%s: no such record", k.name);
	if (err)
		return fail(c, "%s: %s", k.name, pmark_strerror(err));
	print_record(c, &r);
	if (c->json)
		printf("\n");
	return 0;
}

int cmd_del(struct ctl *c, int argc, char **argv)
{
	struct key_args k = { 0 };
	struct pmark_maps *m;
	int err = key_only_args(c, argc, argv, &k);

	if (err)
		return err;
	m = open_maps(c);
	if (!m)
		return 1;
	if (k.have_record) {
		struct pmark_record r;

		/* The slot of those low 32 bits, if it holds that epoch's record. */
		err = pmark_get_record(m, k.vtag, k.record_id, &r);
		if (!err)
			err = pmark_forget(m, k.vtag, (uint32_t)k.record_id);
	} else {
		err = pmark_forget(m, k.vtag, k.tsn);
	}
	pmark_close(m);
	if (err == -ENOENT)
		return fail(c, "%s: no such record", k.name);
	if (err)
		return fail(c, "%s: %s", k.name, pmark_strerror(err));
	return 0;
}

struct dump_state {
	const struct ctl *c;
	unsigned long n;
};

static int dump_one(const struct pmark_record *r, void *ctx)
{
	struct dump_state *d = ctx;

	if (d->c->json && d->n)
		printf(",");
	print_record(d->c, r);
	d->n++;
	return 0;
}

int cmd_dump(struct ctl *c, int argc, char **argv)
{
	struct dump_state d = { .c = c };
	struct pmark_maps *m;

	if (argc)
		return usage_error(c, "unknown argument '%s'", argv[0]);
	m = open_maps(c);
	if (!m)
		return 1;
	if (c->json)
		printf("[");
	pmark_dump(m, dump_one, &d);
	if (c->json)
		printf("]\n");
	pmark_close(m);
	return 0;
}

int cmd_flush(struct ctl *c, int argc, char **argv)
{
	struct pmark_maps *m;
	int n;

	if (argc)
		return usage_error(c, "unknown argument '%s'", argv[0]);
	m = open_maps(c);
	if (!m)
		return 1;
	n = pmark_flush(m);
	pmark_close(m);
	if (n < 0)
		return fail(c, "%s", pmark_strerror(n));
	if (c->json)
		printf("{\"removed\":%d}\n", n);
	else
		printf("removed %d record%s\n", n, n == 1 ? "" : "s");
	return 0;
}
