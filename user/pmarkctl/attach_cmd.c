// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* attach / detach: the program on devices' clsact egress hooks. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
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

static int need_root(const struct ctl *c)
{
	if (geteuid() == 0)
		return 0;
	return fail(c, "needs root (loading and attaching BPF programs takes CAP_BPF and CAP_NET_ADMIN)");
}

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

static void record_dev(struct pins *p, int ifindex, const char *dev, bool created, uint32_t id)
{
	struct pmark_dev_key key = { .netns_ino = netns_self(), .ifindex = ifindex };
	struct pmark_dev val = { 0 };
	struct pmark_dev old;

	/* Re-attaching must not forget that the qdisc was ours to remove. */
	if (!bpf_map_lookup_elem(p->devs_fd, &key, &old) && (old.flags & PMARK_DEV_CREATED_QDISC))
		created = true;
	snprintf(val.ifname, sizeof(val.ifname), "%s", dev);
	val.flags = created ? PMARK_DEV_CREATED_QDISC : 0;
	val.prog_id = id;
	bpf_map_update_elem(p->devs_fd, &key, &val, BPF_ANY);
}

int cmd_attach(struct ctl *c, int argc, char **argv)
{
	uint32_t ring_shift = PMARK_DEFAULT_RING_SHIFT, rings = PMARK_DEFAULT_RINGS, cur_id, id;
	bool geometry_given = false;
	const char *dev = NULL, *group = NULL;
	bool l2 = true, created = false, opened_parent;
	struct group *gr = NULL;
	struct pins p;
	int ifindex, err, prog_fd;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--group") || !strcmp(a, "--rings") || !strcmp(a, "--ring-size")) {
			if (!val)
				return usage_error(c, "%s needs a value", a);
			i++;
			geometry_given |= strcmp(a, "--group") != 0;
			if (!strcmp(a, "--group")) {
				group = val;
			} else if (!strcmp(a, "--rings")) {
				uint64_t v;

				if (parse_u64(val, PMARK_MAX_RINGS, &v) || v == 0 || (v & (v - 1)))
					return usage_error(c, "--rings %s: must be a power of two in 1..%d", val,
							   PMARK_MAX_RINGS);
				rings = (uint32_t)v;
			} else if (parse_pow2(val, 16, 1U << PMARK_MAX_RING_SHIFT, &ring_shift)) {
				return usage_error(c, "--ring-size %s: must be a power of two in 16..%u", val,
						   1U << PMARK_MAX_RING_SHIFT);
			}
		} else if (a[0] == '-' || dev) {
			return usage_error(c, "unknown argument '%s'", a);
		} else {
			dev = a;
		}
	}
	if (!dev)
		return usage_error(c, "give the device: pmarkctl attach DEV");
	if ((uint64_t)rings << ring_shift > PMARK_MAX_SLOTS)
		return usage_error(c, "--rings %u x --ring-size %u: more than %u records in all", rings,
				   1U << ring_shift, PMARK_MAX_SLOTS);
	err = need_root(c);
	if (err)
		return err;
	ifindex = (int)if_nametoindex(dev);
	if (!ifindex)
		return fail(c, "%s: no such device", dev);
	err = link_has_l2(dev, &l2);
	if (err == -EPROTONOSUPPORT)
		return fail(c, "%s: link type not supported (Ethernet-like or bare IP devices only)", dev);
	if (err)
		return fail(c, "%s: %s", dev, strerror(-err));
	if (group) {
		errno = 0;
		gr = getgrnam(group);
		if (!gr)
			return fail(c, "--group %s: no such group", group);
	}

	err = pins_open(c->pin_root, true, ring_shift, rings, &p);
	if (err == -EPROTO)
		err = fail(c, "the pins under %s belong to another pmark version: "
			   "pmarkctl detach --all, then attach", pmark_pin_root_requested(c->pin_root));
	else if (err == -ENOTDIR)
		err = fail(c, "%s: the pin root is not on a bpf filesystem", pmark_pin_root_requested(c->pin_root));
	else if (err)
		err = fail(c, "%s: loading the program: %s", dev, strerror(-err));
	if (err) {
		pins_close(&p);
		return err;
	}
	if (geometry_given) {
		struct pmark_maps *m = pmark_open(c->pin_root);
		bool same = m && pmark_ring_count(m) == rings && pmark_ring_size(m) == 1U << ring_shift;

		if (m && !same)
			fail(c, "%s: already loaded with %u rings of %u; pmarkctl detach --all to change",
			     dev, pmark_ring_count(m), pmark_ring_size(m));
		pmark_close(m);
		if (m && !same) {
			pins_close(&p);
			return 1;
		}
	}
	prog_fd = l2 ? p.prog_fd : p.prog_l3_fd;
	id = l2 ? p.prog_id : p.prog_l3_id;
	err = tc_query(ifindex, &cur_id);
	if (!err && cur_id && cur_id != p.prog_id && cur_id != p.prog_l3_id) {
		pins_close(&p);
		return fail(c, "%s: the pmark filter there runs prog %u of another pin root; "
			    "detach it there first", dev, cur_id);
	}
	if (!err && cur_id != id)
		err = tc_attach(ifindex, prog_fd, &created);
	if (err) {
		pins_close(&p);
		return fail(c, "%s: attaching to clsact egress: %s", dev, strerror(-err));
	}
	record_dev(&p, ifindex, dev, created, id);
	if (gr) {
		err = pins_grant_group(&p, gr->gr_gid, &opened_parent);
		if (err) {
			pins_close(&p);
			return fail(c, "--group %s: %s", group, strerror(-err));
		}
		if (opened_parent)
			fprintf(stderr, "pmarkctl: attach: made the bpffs root searchable (o+x) so group %s "
				"can reach %s\n", group, pmark_pin_root_requested(c->pin_root));
	}
	if (c->json) {
		printf("{\"device\":");
		json_str(dev);
		printf(",\"ifindex\":%d,\"prog_id\":%u,\"already_attached\":%s,\"created_qdisc\":%s,"
		       "\"pin_root\":", ifindex, id, cur_id == id ? "true" : "false",
		       created ? "true" : "false");
		json_str(pmark_pin_root_requested(c->pin_root));
		printf(",\"pin_path\":");
		json_str(p.root);
		printf("}\n");
	} else if (cur_id == id) {
		printf("%s: already attached (prog %u, pins %s)\n", dev, id, pmark_pin_root_requested(c->pin_root));
	} else {
		printf("%s: attached (prog %u%s, pins %s)\n", dev, id, l2 ? "" : ", bare IP", pmark_pin_root_requested(c->pin_root));
	}
	pins_close(&p);
	return 0;
}

/* Remove our filter from ifindex in the current namespace, and the qdisc if ours and empty. */
static int detach_here(int ifindex, const struct pmark_dev *rec, bool *removed_qdisc)
{
	int err = tc_detach(ifindex);

	*removed_qdisc = false;
	if (err)
		return err;
	if (rec && (rec->flags & PMARK_DEV_CREATED_QDISC) && tc_filter_count(ifindex) == 0) {
		err = tc_qdisc_destroy(ifindex);
		*removed_qdisc = !err;
	}
	return err;
}

static int detach_one(struct ctl *c, const char *dev)
{
	struct pmark_dev_key key = { .netns_ino = netns_self() };
	struct pmark_dev rec;
	bool have_rec, removed_qdisc;
	uint32_t cur_id;
	struct pins p;
	int err;

	key.ifindex = if_nametoindex(dev);
	if (!key.ifindex)
		return fail(c, "%s: no such device", dev);
	err = pins_open(c->pin_root, false, 0, 0, &p);
	if (err == -ENOENT) {
		pins_close(&p);
		return fail(c, "%s: not attached: run pmarkctl attach DEV", dev);
	}
	if (err) {
		pins_close(&p);
		return fail(c, "%s: %s", dev, pmark_strerror(err));
	}
	have_rec = !bpf_map_lookup_elem(p.devs_fd, &key, &rec);
	err = tc_query(key.ifindex, &cur_id);
	if (!err && cur_id && cur_id != p.prog_id && cur_id != p.prog_l3_id) {
		pins_close(&p);
		return fail(c, "%s: the filter there runs prog %u, not this pin root's; left alone", dev,
			    cur_id);
	}
	if (!err && !cur_id && !have_rec) {
		pins_close(&p);
		printf("%s: not attached; nothing to do\n", dev);
		return 0;
	}
	if (!err)
		err = detach_here(key.ifindex, have_rec ? &rec : NULL, &removed_qdisc);
	if (err) {
		pins_close(&p);
		return fail(c, "%s: %s", dev, strerror(-err));
	}
	bpf_map_delete_elem(p.devs_fd, &key);
	printf("%s: detached%s\n", dev, removed_qdisc ? " (and its clsact qdisc removed)" : "");
	pins_close(&p);
	return 0;
}

/* Enter the namespace with that inode, detach there, and come back. */
static int detach_in_netns(const struct pmark_dev_key *key, const struct pmark_dev *rec,
			   const struct pins *p, char *where, size_t len)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd, err;
	bool removed_qdisc;
	uint32_t cur_id;

	if (home < 0)
		return -errno;
	fd = netns_open(key->netns_ino, where, len);
	if (fd < 0) {
		close(home);
		return fd;
	}
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (!err) {
		err = tc_query(key->ifindex, &cur_id);
		if (!err && (cur_id == p->prog_id || cur_id == p->prog_l3_id))
			err = detach_here(key->ifindex, rec, &removed_qdisc);
		else if (!err && !cur_id && (rec->flags & PMARK_DEV_CREATED_QDISC) &&
			 tc_filter_count(key->ifindex) == 0)
			tc_qdisc_destroy(key->ifindex);
		if (setns(home, CLONE_NEWNET) && !err)
			err = -errno;
	}
	close(home);
	return err;
}

static int detach_all(struct ctl *c)
{
	struct pmark_dev_key key, next;
	struct pmark_dev rec;
	struct pins p;
	char where[256];
	int err, rc = 0, n = 0, gone = 0;
	void *prev = NULL;

	err = pins_open(c->pin_root, false, 0, 0, &p);
	if (err == -ENOENT) {
		pins_close(&p);
		printf("nothing attached under %s\n", pmark_pin_root_requested(c->pin_root));
		return 0;
	}
	if (err) {
		pins_close(&p);
		return fail(c, "%s", pmark_strerror(err));
	}
	while (!bpf_map_get_next_key(p.devs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(p.devs_fd, &key, &rec))
			continue;
		err = detach_in_netns(&key, &rec, &p, where, sizeof(where));
		if (err == -ENOENT || err == -ENODEV) {
			gone++;     /* its namespace or device is gone, and the filter with it */
			continue;
		}
		if (err) {
			rc = fail(c, "%s in %s: %s", rec.ifname, where, strerror(-err));
			continue;
		}
		n++;
	}
	err = pins_remove(&p);
	if (err)
		rc = fail(c, "removing pins under %s: %s", pmark_pin_root_requested(c->pin_root), strerror(-err));
	pins_close(&p);
	if (!rc)
		printf("detached from %d device%s%s; pins under %s removed\n", n, n == 1 ? "" : "s",
		       gone ? " (others were gone with their namespace, or not under /run/netns)" : "",
		       pmark_pin_root_requested(c->pin_root));
	return rc;
}

int cmd_detach(struct ctl *c, int argc, char **argv)
{
	int err;

	if (argc != 1)
		return usage_error(c, "give the device, or --all");
	err = need_root(c);
	if (err)
		return err;
	if (!strcmp(argv[0], "--all"))
		return detach_all(c);
	if (argv[0][0] == '-')
		return usage_error(c, "unknown argument '%s'", argv[0]);
	return detach_one(c, argv[0]);
}
