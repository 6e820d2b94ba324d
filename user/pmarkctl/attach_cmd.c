// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * attach: the marker on a device's clsact egress hook and, unless
 * --no-ingress, the ICMP error reader on its ingress hook.
 */
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_arp.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "netns.h"
#include "pins.h"
#include "pmark_abi.h"
#include "pmark_int.h"
#include "tc.h"

/* Whether frames on the device start with an Ethernet header. */
static int link_has_l2(const char *dev, bool *l2)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return err;
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		*l2 = true;
		return 0;
	case ARPHRD_NONE:       /* tun, WireGuard */
	case ARPHRD_TUNNEL:     /* ipip */
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_RAWIP:
		*l2 = false;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

static int parse_pow2(const char *s, uint32_t min, uint32_t max, uint32_t *shift)
{
	uint64_t v;

	if (parse_u64(s, max, &v) || v < min || (v & (v - 1)))
		return -EINVAL;
	*shift = (uint32_t)__builtin_ctzll(v);
	return 0;
}

static void record_dev(struct pins *p, int ifindex, const char *dev, bool created, uint32_t id,
		       bool ingress)
{
	struct pmark_dev_key key = { .netns_ino = netns_self(), .ifindex = ifindex };
	struct pmark_dev val = { 0 };
	struct pmark_dev old;

	/* Re-attaching must not forget that the qdisc was ours to remove. */
	if (!bpf_map_lookup_elem(p->devs_fd, &key, &old) && (old.flags & PMARK_DEV_CREATED_QDISC))
		created = true;
	snprintf(val.ifname, sizeof(val.ifname), "%s", dev);
	val.flags = (created ? PMARK_DEV_CREATED_QDISC : 0) | (ingress ? PMARK_DEV_INGRESS : 0);
	val.prog_id = id;
	bpf_map_update_elem(p->devs_fd, &key, &val, BPF_ANY);
}

struct attach_args {
	const char *dev, *group;
	uint32_t ring_shift, rings;
	bool geometry_given, no_ingress;
};

static int parse_args(struct ctl *c, int argc, char **argv, struct attach_args *a)
{
	a->ring_shift = PMARK_DEFAULT_RING_SHIFT;
	a->rings = PMARK_DEFAULT_RINGS;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--no-ingress")) {
			a->no_ingress = true;
		} else if (!strcmp(arg, "--group") || !strcmp(arg, "--rings") || !strcmp(arg, "--ring-size")) {
			if (!val)
				return usage_error(c, "%s needs a value", arg);
			i++;
			a->geometry_given |= strcmp(arg, "--group") != 0;
			if (!strcmp(arg, "--group")) {
				a->group = val;
			} else if (!strcmp(arg, "--rings")) {
				uint64_t v;

				if (parse_u64(val, PMARK_MAX_RINGS, &v) || v == 0 || (v & (v - 1)))
					return usage_error(c, "--rings %s: must be a power of two in 1..%d", val,
							   PMARK_MAX_RINGS);
				a->rings = (uint32_t)v;
			} else if (parse_pow2(val, 16, 1U << PMARK_MAX_RING_SHIFT, &a->ring_shift)) {
				return usage_error(c, "--ring-size %s: must be a power of two in 16..%u", val,
						   1U << PMARK_MAX_RING_SHIFT);
			}
		} else if (arg[0] == '-' || a->dev) {
			return usage_error(c, "unknown argument '%s'", arg);
		} else {
			a->dev = arg;
		}
	}
	if (!a->dev)
		return usage_error(c, "give the device: pmarkctl attach DEV");
	if ((uint64_t)a->rings << a->ring_shift > PMARK_MAX_SLOTS)
		return usage_error(c, "--rings %u x --ring-size %u: more than %u records in all", a->rings,
				   1U << a->ring_shift, PMARK_MAX_SLOTS);
	return 0;
}

/* 0, or 1 after printing why the loaded geometry differs from the one asked for. */
static int check_geometry(struct ctl *c, const struct attach_args *a)
{
	struct pmark_maps *m = pmark_open(c->pin_root);
	bool same = m && pmark_ring_count(m) == a->rings && pmark_ring_size(m) == 1U << a->ring_shift;
	int rc = 0;

	if (m && !same)
		rc = fail(c, "%s: already loaded with %u rings of %u; pmarkctl detach --all to change",
			  a->dev, pmark_ring_count(m), pmark_ring_size(m));
	pmark_close(m);
	return rc;
}

/* What is on the device's two hooks now, and what attach is to put there. */
struct hooks {
	int ifindex;
	bool l2;
	int fd, in_fd;          /* in_fd -1: no ingress program to attach */
	uint32_t id, in_id;
	uint32_t cur, cur_in;   /* program ids of the filters at pmark's handle now */
	bool created;
};

/* Put the filters in place; a failure on ingress undoes what this call did on egress. */
static int attach_hooks(struct ctl *c, const struct pins *p, const struct attach_args *a,
			struct hooks *h)
{
	bool created_in = false;
	int err = 0;

	if (h->cur != h->id)
		err = tc_attach(h->ifindex, false, h->fd, &h->created);
	if (err)
		return fail(c, "%s: attaching to clsact egress: %s", a->dev, strerror(-err));
	if (h->in_fd >= 0 && h->cur_in != h->in_id) {
		err = tc_attach(h->ifindex, true, h->in_fd, &created_in);
		if (err) {
			if (!h->cur)
				tc_detach(h->ifindex, false);
			if (h->created && tc_filter_count(h->ifindex) == 0)
				tc_qdisc_destroy(h->ifindex);
			return fail(c, "%s: attaching to clsact ingress: %s (--no-ingress attaches the "
				    "marker alone)", a->dev, strerror(-err));
		}
		h->created |= created_in;
	} else if (h->in_fd < 0 && pins_ingress_prog(p, h->cur_in)) {
		err = tc_detach(h->ifindex, true);      /* --no-ingress: the device ends as asked */
		if (err)
			return fail(c, "%s: detaching from clsact ingress: %s", a->dev, strerror(-err));
	}
	return 0;
}

static int read_hooks(struct ctl *c, const struct pins *p, const struct attach_args *a,
		      struct hooks *h)
{
	int err = tc_query(h->ifindex, false, &h->cur);

	if (!err)
		err = tc_query(h->ifindex, true, &h->cur_in);
	if (err)
		return fail(c, "%s: reading its clsact filters: %s", a->dev, strerror(-err));
	if (h->cur && !pins_egress_prog(p, h->cur))
		return fail(c, "%s: the pmark filter there runs prog %u of another pin root; "
			    "detach it there first", a->dev, h->cur);
	if (h->in_fd >= 0 && h->cur_in && !pins_ingress_prog(p, h->cur_in))
		return fail(c, "%s: the pmark ingress filter there runs prog %u of another pin root; "
			    "detach it there first", a->dev, h->cur_in);
	return 0;
}

static void report(const struct ctl *c, const struct pins *p, const struct attach_args *a,
		   const struct hooks *h, bool already)
{
	const char *root = pmark_pin_root_requested(c->pin_root);

	if (c->json) {
		printf("{\"device\":");
		json_str(a->dev);
		printf(",\"ifindex\":%d,\"prog_id\":%u,\"ingress_prog_id\":", h->ifindex, h->id);
		if (h->in_fd >= 0)
			printf("%u", h->in_id);
		else
			printf("null");
		printf(",\"already_attached\":%s,\"created_qdisc\":%s,\"pin_root\":",
		       already ? "true" : "false", h->created ? "true" : "false");
		json_str(root);
		printf(",\"pin_path\":");
		json_str(p->root);
		printf("}\n");
		return;
	}
	printf("%s: %s (prog %u", a->dev, already ? "already attached" : "attached", h->id);
	if (h->in_fd >= 0)
		printf(", ingress prog %u", h->in_id);
	printf("%s, pins %s)\n", h->l2 ? "" : ", bare IP", root);
}

int cmd_attach(struct ctl *c, int argc, char **argv)
{
	struct attach_args a = { 0 };
	struct hooks h = { 0 };
	struct group *gr = NULL;
	bool opened_parent, already;
	struct pins p;
	int err;

	err = parse_args(c, argc, argv, &a);
	if (!err)
		err = need_root(c);
	if (err)
		return err;
	h.ifindex = (int)if_nametoindex(a.dev);
	if (!h.ifindex)
		return fail(c, "%s: no such device", a.dev);
	err = link_has_l2(a.dev, &h.l2);
	if (err == -EPROTONOSUPPORT)
		return fail(c, "%s: link type not supported (Ethernet-like or bare IP devices only)", a.dev);
	if (err)
		return fail(c, "%s: %s", a.dev, strerror(-err));
	if (a.group) {
		errno = 0;
		gr = getgrnam(a.group);
		if (!gr)
			return fail(c, "--group %s: no such group", a.group);
	}

	err = pins_open(c->pin_root, true, a.ring_shift, a.rings, &p);
	if (err == -EPROTO)
		err = fail(c, "the pins under %s belong to another pmark version: "
			   "pmarkctl detach --all, then attach", pmark_pin_root_requested(c->pin_root));
	else if (err == -ENOTDIR)
		err = fail(c, "%s: the pin root is not on a bpf filesystem", pmark_pin_root_requested(c->pin_root));
	else if (err)
		err = fail(c, "%s: loading the program: %s", a.dev, strerror(-err));
	if (!err && a.geometry_given)
		err = check_geometry(c, &a);
	if (err) {
		pins_close(&p);
		return err;
	}
	h.fd = h.l2 ? p.prog_fd : p.prog_l3_fd;
	h.id = h.l2 ? p.prog_id : p.prog_l3_id;
	h.in_fd = a.no_ingress ? -1 : h.l2 ? p.prog_in_fd : p.prog_in_l3_fd;
	h.in_id = h.l2 ? p.prog_in_id : p.prog_in_l3_id;
	if (!a.no_ingress && h.in_fd < 0)
		fprintf(stderr, "pmarkctl: attach: %s: no ingress program under %s (loaded by an older "
			"pmarkctl): ICMP errors are not read; pmarkctl detach --all, then attach, to "
			"add it\n", a.dev, pmark_pin_root_requested(c->pin_root));
	err = read_hooks(c, &p, &a, &h);
	already = h.cur == h.id && (h.in_fd >= 0 ? h.cur_in == h.in_id : !pins_ingress_prog(&p, h.cur_in));
	if (!err)
		err = attach_hooks(c, &p, &a, &h);
	if (err) {
		pins_close(&p);
		return err;
	}
	record_dev(&p, h.ifindex, a.dev, h.created, h.id, h.in_fd >= 0);
	if (gr) {
		err = pins_grant_group(&p, gr->gr_gid, &opened_parent);
		if (err) {
			pins_close(&p);
			return fail(c, "--group %s: %s", a.group, strerror(-err));
		}
		if (opened_parent)
			fprintf(stderr, "pmarkctl: attach: made the bpffs root searchable (o+x) so group %s "
				"can reach %s\n", a.group, pmark_pin_root_requested(c->pin_root));
	}
	report(c, &p, &a, &h, already);
	pins_close(&p);
	return 0;
}
