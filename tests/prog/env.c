// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "env.h"
#include "pmark_skel_load.h"

int env_open(struct env *e, const char **skip)
{
	memset(e, 0, sizeof(*e));
	if (geteuid() != 0) {
		*skip = "needs root (BPF_PROG_TEST_RUN of a tc program)";
		return 1;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) != 1) {
		*skip = "the kernel cannot load tc BPF programs";
		return 1;
	}
	e->skel = pmark_skel_load(TEST_RING_SHIFT, TEST_RINGS);
	if (!e->skel)
		return -errno;
	e->maps = pmark_skel_maps(e->skel);
	if (!e->maps) {
		int err = -errno;

		env_close(e);
		return err;
	}
	e->prog_l2 = bpf_program__fd(e->skel->progs.pmark_egress);
	e->prog_l3 = bpf_program__fd(e->skel->progs.pmark_egress_l3);
	e->prog_in_l2 = bpf_program__fd(e->skel->progs.pmark_ingress);
	e->prog_in_l3 = bpf_program__fd(e->skel->progs.pmark_ingress_l3);
	e->frags_fd = bpf_map__fd(e->skel->maps.pmark_frags);
	e->quotes_fd = bpf_map__fd(e->skel->maps.pmark_quotes);
	e->dtls_fd = bpf_map__fd(e->skel->maps.pmark_dtls);
	return 0;
}

void env_close(struct env *e)
{
	pmark_close(e->maps);
	pmark_bpf__destroy(e->skel);
	memset(e, 0, sizeof(*e));
}

static int ports_clear(struct env *e)
{
	uint16_t ports[64];
	int n;

	while ((n = pmark_ports_list(e->maps, ports, 64)) > 0)
		for (int i = 0; i < n && i < 64; i++)
			if (pmark_port_del(e->maps, ports[i]))
				return -EIO;
	return n;
}

static int frags_clear(struct env *e)
{
	static const struct pmark_frag empty;

	for (uint32_t i = 0; i < PMARK_FRAG_ENTRIES; i++)
		if (bpf_map_update_elem(e->frags_fd, &i, &empty, BPF_ANY))
			return -errno;
	return 0;
}

static int quotes_clear(struct env *e)
{
	struct pmark_quote_key k;

	while (!bpf_map_get_next_key(e->quotes_fd, NULL, &k))
		if (bpf_map_delete_elem(e->quotes_fd, &k))
			return -errno;
	return 0;
}

/* Every protected peer gone, with its port's bit (pmark_flush already freed the tags' rings). */
static int dtls_clear(struct env *e)
{
	struct pmark_dtls_key k;

	while (!bpf_map_get_next_key(e->dtls_fd, NULL, &k)) {
		if (bpf_map_delete_elem(e->dtls_fd, &k))
			return -errno;
		pmark_port_dtls_set(e->maps, k.sport, false);
	}
	e->tags[0] = e->tags[1] = 0;
	return 0;
}

static int peer_add(struct env *e, const struct peer *p, uint32_t *tag)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;

	if (p->v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p->dport);
		memcpy(&in6->sin6_addr, pkt_ip6_dst, 16);
		len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(p->dport);
		memcpy(&in->sin_addr, pkt_ip4_dst, 4);
		len = sizeof(*in);
	}
	return pmark_dtls_peer_add(e->maps, p->sport ? p->sport : SPORT, (struct sockaddr *)&ss, len,
				   tag);
}

int env_quote_count(struct env *e)
{
	struct pmark_quote_key k, next, *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(e->quotes_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

/* A case that failed between WRITE_BEGIN and WRITE_END must not hang the next flush. */
static void writes_finish(struct env *e)
{
	size_t n = (size_t)e->maps->nrings << e->maps->ring_shift;

	for (size_t i = 0; i < n; i++)
		if (__atomic_load_n(&e->maps->slots[i].seq, __ATOMIC_RELAXED) & 1)
			__atomic_fetch_add(&e->maps->slots[i].seq, 1, __ATOMIC_RELEASE);
}

int env_reset(struct env *e, const uint16_t *ports, size_t nports, const struct peer peers[2])
{
	int err;

	writes_finish(e);
	if (pmark_flush(e->maps) < 0)
		return -EIO;
	err = ports_clear(e);
	if (!err)
		err = frags_clear(e);
	if (!err)
		err = quotes_clear(e);
	if (!err)
		err = dtls_clear(e);
	for (size_t i = 0; !err && i < nports; i++)
		err = pmark_port_add(e->maps, ports[i]);
	for (int i = 0; !err && peers && i < 2; i++)
		if (peers[i].dport)
			err = peer_add(e, &peers[i], &e->tags[i]);
	if (!err)
		err = pmark_counters_reset(e->maps);
	return err;
}

static int mark(struct env *e, const struct rec *r)
{
	struct pmark_opts o = PMARK_OPTS_INIT;

	if (r->ttl)
		o.ttl = r->ttl;
	if (is_set(r->tos)) {
		o.tos = (int)set_value(r->tos);
		o.tos_mask = r->tos_mask;
	}
	o.df = r->df;
	o.once = r->once;
	o.owner = r->owner;
	o.expire_ms = r->expire_ms;
	if (is_set(r->ip_id)) {
		o.stamp_id = true;
		o.ip_id = (uint16_t)set_value(r->ip_id);
	}
	if (r->peer) {
		struct pmark_assoc *a = pmark_assoc_find(e->maps, e->tags[(r->peer - 1) & 1]);
		int err;

		if (!a)
			return -errno;
		err = pmark_assoc_mark_record(a, PMARK_RECORD_ID(r->epoch, r->seq), &o);
		pmark_assoc_put(a, false);
		return err;
	}
	return pmark_mark(e->maps, r->vtag ? r->vtag : VTAG, r->tsn, &o);
}

/* Actions on one association's ring, through a handle as an SCTP stack would hold one. */
static int on_assoc(struct env *e, enum action_kind kind, uint32_t vtag, uint32_t tsn)
{
	struct pmark_assoc *a = pmark_assoc_find(e->maps, vtag);
	int ret = 0;

	if (!a)
		return -errno;
	switch (kind) {
	case ACT_FORGET:
		ret = pmark_assoc_forget(a, tsn);
		break;
	case ACT_FORGET_UPTO:
		ret = pmark_assoc_forget_upto(a, tsn);
		break;
	default:
		/*
		 * WRITE_BEGIN / WRITE_END: each moves the sequence by one, as
		 * libpmark's writer (slot.c) does when a write starts and ends.
		 */
		__atomic_fetch_add(&a->base[tsn & a->mask].seq, 1, __ATOMIC_ACQ_REL);
		break;
	}
	pmark_assoc_put(a, false);
	return ret;
}

bool env_act(struct env *e, const struct action *a, FILE *diag)
{
	/* A protected peer's slot: its tag, the sequence number's low 32 bits. */
	uint32_t vtag = a->rec.peer ? e->tags[(a->rec.peer - 1) & 1] : a->rec.vtag ? a->rec.vtag : VTAG;
	uint32_t tsn = a->rec.peer ? (uint32_t)a->rec.seq : a->rec.tsn;
	struct timespec ts = { .tv_sec = a->arg / 1000, .tv_nsec = a->arg % 1000 * 1000000L };
	int ret = 0;

	switch (a->kind) {
	case ACT_END:
		break;
	case ACT_MARK:
		ret = mark(e, &a->rec);
		if (ret)
			fprintf(diag, "#   pmark_mark(vtag %#x, TSN %#x): %s\n", vtag, tsn, pmark_strerror(ret));
		break;
	case ACT_FORGET:
		ret = on_assoc(e, ACT_FORGET, vtag, tsn);
		if (ret)
			fprintf(diag, "#   pmark_assoc_forget(TSN %#x): %s\n", a->rec.tsn,
				pmark_strerror(ret));
		break;
	case ACT_FORGET_UPTO:
		ret = on_assoc(e, ACT_FORGET_UPTO, vtag, a->rec.tsn);
		if (ret != (int)a->arg) {
			fprintf(diag, "#   pmark_assoc_forget_upto(%#x) returned %d, expected %u\n",
				a->rec.tsn, ret, a->arg);
			return false;
		}
		ret = 0;
		break;
	case ACT_SLEEP_MS:
		nanosleep(&ts, NULL);
		break;
	case ACT_WRITE_BEGIN:
	case ACT_WRITE_END:
		ret = on_assoc(e, a->kind, vtag, tsn);
		if (ret)
			fprintf(diag, "#   no association for vtag %#x: %s\n", vtag, pmark_strerror(ret));
		break;
	}
	return ret == 0;
}

int env_counters(struct env *e, uint64_t out[PMARK_CNT_MAX])
{
	int n = pmark_counters_read(e->maps, out, PMARK_CNT_MAX);

	return n < 0 ? n : 0;
}

static int run_prog(int fd, const struct pkt *in, uint8_t *out, size_t *out_len, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in->b,
		.data_size_in = (uint32_t)in->len,
		.data_out = out,
		.data_size_out = PKT_MAX,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*out_len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

int env_run(struct env *e, const struct pkt *in, uint8_t *out, size_t *out_len, uint32_t *retval)
{
	return run_prog(in->eth ? e->prog_l2 : e->prog_l3, in, out, out_len, retval);
}

int env_run_ingress(struct env *e, const struct pkt *in, uint8_t *out, size_t *out_len,
		    uint32_t *retval)
{
	return run_prog(in->eth ? e->prog_in_l2 : e->prog_in_l3, in, out, out_len, retval);
}
