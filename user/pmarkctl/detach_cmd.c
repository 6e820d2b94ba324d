// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * detach DEV / detach --all: pmark's filters off the clsact hooks (egress and
 * ingress), the clsact qdisc if attach created it and nothing else is left
 * on it, and with --all every pin.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "netns.h"
#include "pins.h"
#include "pmark_abi.h"
#include "pmark_int.h"
#include "tc.h"

/* Our filters on ifindex in the current namespace: which of the two hooks hold ours. */
struct ours {
	uint32_t egress_id, ingress_id;
	bool egress, ingress;
};

static int find_ours(int ifindex, const struct pins *p, struct ours *o)
{
	int err = tc_query(ifindex, false, &o->egress_id);

	if (!err)
		err = tc_query(ifindex, true, &o->ingress_id);
	o->egress = !err && pins_egress_prog(p, o->egress_id);
	o->ingress = !err && pins_ingress_prog(p, o->ingress_id);
	return err;
}

/* Remove our filters from ifindex, and the qdisc if ours and empty. */
static int detach_here(int ifindex, const struct pmark_dev *rec, const struct ours *o,
		       bool *removed_qdisc)
{
	int err = o->egress ? tc_detach(ifindex, false) : 0;

	*removed_qdisc = false;
	if (!err && o->ingress)
		err = tc_detach(ifindex, true);
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
	struct ours o;
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
	err = find_ours(key.ifindex, &p, &o);
	/* Another pin root's filters are theirs to remove: change nothing. */
	if (!err && o.egress_id && !o.egress) {
		pins_close(&p);
		return fail(c, "%s: the filter there runs prog %u, not this pin root's; left alone", dev,
			    o.egress_id);
	}
	if (!err && o.ingress_id && !o.ingress) {
		pins_close(&p);
		return fail(c, "%s: the ingress filter there runs prog %u, not this pin root's; left alone",
			    dev, o.ingress_id);
	}
	if (!err && !o.egress && !o.ingress && !have_rec) {
		pins_close(&p);
		printf("%s: not attached; nothing to do\n", dev);
		return 0;
	}
	if (!err)
		err = detach_here(key.ifindex, have_rec ? &rec : NULL, &o, &removed_qdisc);
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
	struct ours o;

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
		err = find_ours(key->ifindex, p, &o);
		if (!err && (o.egress || o.ingress))
			err = detach_here(key->ifindex, rec, &o, &removed_qdisc);
		else if (!err && !o.egress_id && !o.ingress_id &&
			 (rec->flags & PMARK_DEV_CREATED_QDISC) && tc_filter_count(key->ifindex) == 0)
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
			gone++;     /* its namespace or device is gone, and the filters with it */
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
