// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Loading the program once per pin root and pinning its maps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pins.h"
#include "pmark_skel_load.h"

/*
 * Pin name, the mode a --group gets on it (0 = root only), and whether a pin
 * root loaded by an older pmarkctl may lack it.  The group reads "quotes"
 * as it reads the counters: a sender matches its ICMP errors there.  It
 * writes "dtls" as it writes the ports: a sender registers its protected
 * peers.
 */
static const struct {
	const char *name;
	mode_t group_mode;
	bool optional;
} pin_table[] = {
	{ PMARK_PIN_PROG, 0, false },        { PMARK_PIN_PROG_L3, 0, false },
	{ PMARK_PIN_SLOTS, 0660, false },    { PMARK_PIN_RINGS, 0660, false },
	{ PMARK_PIN_PORTS, 0660, false },    { PMARK_PIN_COUNTERS, 0640, false },
	{ PMARK_PIN_CONFIG, 0640, false },   { PMARK_PIN_FRAGS, 0, false },
	{ PMARK_PIN_DEVS, 0, false },        { PMARK_PIN_QUOTES, 0640, true },
	{ PMARK_PIN_PROG_IN, 0, true },      { PMARK_PIN_PROG_IN_L3, 0, true },
	{ PMARK_PIN_DTLS, 0660, true },
};
#define NPINS (sizeof(pin_table) / sizeof(pin_table[0]))

static int pin_all(struct pmark_bpf *skel, const char *root)
{
	struct bpf_map *maps[] = {
		skel->maps.pmark_slots, skel->maps.pmark_rings,
		skel->maps.pmark_ports, skel->maps.pmark_counters, skel->maps.pmark_config,
		skel->maps.pmark_frags, skel->maps.pmark_devs, skel->maps.pmark_quotes,
		skel->maps.pmark_dtls,
	};
	const char *names[] = {
		PMARK_PIN_SLOTS, PMARK_PIN_RINGS, PMARK_PIN_PORTS,
		PMARK_PIN_COUNTERS, PMARK_PIN_CONFIG, PMARK_PIN_FRAGS, PMARK_PIN_DEVS,
		PMARK_PIN_QUOTES, PMARK_PIN_DTLS,
	};
	/* Ingress first: a pin root with "prog" pinned is one whose load finished. */
	struct bpf_program *progs[] = {
		skel->progs.pmark_ingress, skel->progs.pmark_ingress_l3,
		skel->progs.pmark_egress_l3, skel->progs.pmark_egress,
	};
	const char *prog_names[] = {
		PMARK_PIN_PROG_IN, PMARK_PIN_PROG_IN_L3, PMARK_PIN_PROG_L3, PMARK_PIN_PROG,
	};
	char path[PATH_MAX];
	int err;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		err = pmark_pin_path(path, sizeof(path), root, names[i]);
		if (!err)
			err = bpf_map__pin(maps[i], path);
		if (err)
			return err;
	}
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		err = pmark_pin_path(path, sizeof(path), root, prog_names[i]);
		if (!err)
			err = bpf_program__pin(progs[i], path);
		if (err)
			return err;
	}
	return 0;
}

static void unpin_all(const char *root)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINS; i++)
		if (!pmark_pin_path(path, sizeof(path), root, pin_table[i].name))
			unlink(path);
}

static int get_pinned(const char *root, const char *name)
{
	char path[PATH_MAX];
	int err = pmark_pin_path(path, sizeof(path), root, name);

	if (err)
		return err;
	err = bpf_obj_get(path);
	return err < 0 ? -errno : err;
}

static int prog_id(int fd, uint32_t *id)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static int load_and_pin(const char *root, uint32_t ring_shift, uint32_t rings)
{
	struct pmark_bpf *skel = pmark_skel_load(ring_shift, rings);
	int err;

	if (!skel)
		return -errno;
	err = pin_all(skel, root);
	if (err)
		unpin_all(root);
	/* The pins keep program and maps alive after the skeleton goes. */
	pmark_bpf__destroy(skel);
	return err;
}

int pins_open(const char *requested_root, bool create, uint32_t ring_shift, uint32_t rings,
	      struct pins *p)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->prog_fd = p->prog_l3_fd = p->devs_fd = p->lock_fd = -1;
	p->prog_in_fd = p->prog_in_l3_fd = -1;
	err = pmark_pin_root_resolve(requested_root, create, p->root, sizeof(p->root));
	if (err)
		return err == -ENOTDIR && !create ? -ENOENT : err;
	if (create && mkdir(p->root, 0700) && errno != EEXIST)
		return -errno;
	p->lock_fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->lock_fd < 0)
		return -errno;
	if (flock(p->lock_fd, LOCK_EX))
		return -errno;

	p->prog_fd = get_pinned(p->root, PMARK_PIN_PROG);
	if (p->prog_fd == -ENOENT && create) {
		err = load_and_pin(p->root, ring_shift, rings);
		if (err) {
			rmdir(p->root);     /* only if empty: it was ours to create */
			return err;
		}
		p->prog_fd = get_pinned(p->root, PMARK_PIN_PROG);
	}
	if (p->prog_fd < 0)
		return p->prog_fd;
	p->prog_l3_fd = get_pinned(p->root, PMARK_PIN_PROG_L3);
	if (p->prog_l3_fd < 0)
		return p->prog_l3_fd;
	p->devs_fd = get_pinned(p->root, PMARK_PIN_DEVS);
	if (p->devs_fd < 0)
		return p->devs_fd;
	err = prog_id(p->prog_fd, &p->prog_id);
	if (!err)
		err = prog_id(p->prog_l3_fd, &p->prog_l3_id);
	if (err)
		return err;
	/* Optional: absent under a pin root an older pmarkctl loaded. */
	p->prog_in_fd = get_pinned(p->root, PMARK_PIN_PROG_IN);
	p->prog_in_l3_fd = get_pinned(p->root, PMARK_PIN_PROG_IN_L3);
	if (p->prog_in_fd == -ENOENT || p->prog_in_l3_fd == -ENOENT) {
		if (p->prog_in_fd >= 0)
			close(p->prog_in_fd);
		if (p->prog_in_l3_fd >= 0)
			close(p->prog_in_l3_fd);
		p->prog_in_fd = p->prog_in_l3_fd = -1;
		return 0;
	}
	if (p->prog_in_fd < 0)
		return p->prog_in_fd;
	if (p->prog_in_l3_fd < 0)
		return p->prog_in_l3_fd;
	err = prog_id(p->prog_in_fd, &p->prog_in_id);
	if (!err)
		err = prog_id(p->prog_in_l3_fd, &p->prog_in_l3_id);
	return err;
}

void pins_close(struct pins *p)
{
	int *fds[] = { &p->prog_fd, &p->prog_l3_fd, &p->prog_in_fd, &p->prog_in_l3_fd,
		       &p->devs_fd, &p->lock_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

bool pins_egress_prog(const struct pins *p, uint32_t id)
{
	return id && (id == p->prog_id || id == p->prog_l3_id);
}

bool pins_ingress_prog(const struct pins *p, uint32_t id)
{
	return id && (id == p->prog_in_id || id == p->prog_in_l3_id);
}

int pins_remove(struct pins *p)
{
	unpin_all(p->root);
	if (rmdir(p->root) && errno != ENOENT)
		return -errno;
	return 0;
}

int pins_grant_group(struct pins *p, gid_t gid, bool *opened_parent)
{
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	struct stat st;

	*opened_parent = false;
	for (size_t i = 0; i < NPINS; i++) {
		mode_t mode = pin_table[i].group_mode ? pin_table[i].group_mode : 0600;

		if (pmark_pin_path(path, sizeof(path), p->root, pin_table[i].name))
			return -ENAMETOOLONG;
		if (chown(path, 0, pin_table[i].group_mode ? gid : 0) || chmod(path, mode)) {
			if (errno == ENOENT && pin_table[i].optional)
				continue;
			return -errno;
		}
	}
	if (chown(p->root, 0, gid) || chmod(p->root, 0750))
		return -errno;
	/* The group must be able to walk through the bpffs root to reach us. */
	snprintf(parent, sizeof(parent), "%s", p->root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (stat(parent, &st))
		return -errno;
	if (!(st.st_mode & S_IXOTH) && !(st.st_gid == gid && (st.st_mode & S_IXGRP))) {
		if (chmod(parent, (st.st_mode & 07777) | S_IXOTH))
			return -errno;
		*opened_parent = true;
	}
	return 0;
}
