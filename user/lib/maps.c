// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opening a pin root's maps and mapping the shared-memory ones. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pmark_int.h"

static int map_value_size_check(int fd, uint32_t value_size, uint32_t *max_entries)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != value_size)
		return -EPROTO;     /* pins of another pmark ABI */
	if (max_entries)
		*max_entries = info.max_entries;
	return 0;
}

static void *map_mmap(int fd, size_t elem, uint32_t entries, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t bytes = elem * entries;
	void *p;

	bytes = (bytes + page - 1) / page * page;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = bytes;
	return p;
}

static int read_config(struct pmark_maps *m)
{
	struct pmark_config cfg = {};
	uint32_t zero = 0, slot_entries, ring_entries;
	int err;

	if (bpf_map_lookup_elem(m->config_fd, &zero, &cfg))
		return -errno;
	if (cfg.abi_version != PMARK_ABI_VERSION)
		return -EPROTO;
	if (cfg.ring_shift > PMARK_MAX_RING_SHIFT || !cfg.rings || cfg.rings > PMARK_MAX_RINGS ||
	    (cfg.rings & (cfg.rings - 1)) ||
	    (uint64_t)cfg.rings << cfg.ring_shift > PMARK_MAX_SLOTS)
		return -EPROTO;
	err = map_value_size_check(m->slots_fd, sizeof(struct pmark_slot), &slot_entries);
	if (!err)
		err = map_value_size_check(m->rings_fd, sizeof(struct pmark_ring), &ring_entries);
	if (!err)
		err = map_value_size_check(m->ports_fd, sizeof(struct pmark_ports), NULL);
	if (!err)
		err = map_value_size_check(m->counters_fd, sizeof(struct pmark_counters), NULL);
	if (err)
		return err;
	if (slot_entries != cfg.rings << cfg.ring_shift || ring_entries != cfg.rings)
		return -EPROTO;
	m->ring_shift = cfg.ring_shift;
	m->nrings = cfg.rings;
	return 0;
}

static int maps_map(struct pmark_maps *m)
{
	int err = read_config(m);

	if (err)
		return err;
	m->slots = map_mmap(m->slots_fd, sizeof(struct pmark_slot), m->nrings << m->ring_shift,
			    &m->slots_len);
	if (!m->slots)
		return -errno;
	m->rings = map_mmap(m->rings_fd, sizeof(struct pmark_ring), m->nrings, &m->rings_len);
	if (!m->rings)
		return -errno;
	m->ports = map_mmap(m->ports_fd, sizeof(struct pmark_ports), 1, &m->ports_len);
	if (!m->ports)
		return -errno;
	return 0;
}

static struct pmark_maps *maps_alloc(void)
{
	struct pmark_maps *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->slots_fd = m->rings_fd = m->ports_fd = m->counters_fd = m->config_fd = -1;
	m->quotes_fd = m->dtls_fd = -ENOENT;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static struct pmark_maps *fail(struct pmark_maps *m, int err)
{
	pmark_close(m);
	errno = -err;
	return NULL;
}

/*
 * The quotes map is optional: a pin root loaded before the ingress program
 * existed has none, and the records work without it.  Its absence (or a
 * layout of another ABI) is kept as a negative errno for pmark_quote_lookup.
 */
static int quotes_check(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size != sizeof(struct pmark_quote_key) ||
	    info.value_size != sizeof(struct pmark_quote))
		return -EPROTO;
	return fd;
}

static int quotes_open(const char *root)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];
	int fd, err = pmark_pin_path(path, sizeof(path), root, PMARK_PIN_QUOTES);

	if (err)
		return err;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	err = quotes_check(fd);
	if (err < 0)
		close(fd);
	return err;
}

/*
 * "dtls" is optional in the same way: without it (or under a pin root whose
 * layout differs) there are no protected peers, and the record level works.
 * A sender that may not write it (a reader outside the group) gets it
 * read-only, enough to list the peers.
 */
static int dtls_check(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size != sizeof(struct pmark_dtls_key) ||
	    info.value_size != sizeof(struct pmark_dtls_peer))
		return -EPROTO;
	return fd;
}

static int dtls_open(const char *root)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];
	int fd, err = pmark_pin_path(path, sizeof(path), root, PMARK_PIN_DTLS);

	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = bpf_obj_get_opts(path, &ro);
	if (fd < 0)
		return -errno;
	err = dtls_check(fd);
	if (err < 0)
		close(fd);
	return err;
}

struct pmark_maps *pmark_open(const char *pin_root)
{
	static const struct { const char *name; size_t off; } pins[] = {
		{ PMARK_PIN_SLOTS, offsetof(struct pmark_maps, slots_fd) },
		{ PMARK_PIN_RINGS, offsetof(struct pmark_maps, rings_fd) },
		{ PMARK_PIN_PORTS, offsetof(struct pmark_maps, ports_fd) },
		{ PMARK_PIN_COUNTERS, offsetof(struct pmark_maps, counters_fd) },
		{ PMARK_PIN_CONFIG, offsetof(struct pmark_maps, config_fd) },
	};
	struct pmark_maps *m = maps_alloc();
	char path[PATH_MAX];
	size_t i;
	int err;

	if (!m)
		return NULL;
	err = pmark_pin_root_resolve(pin_root, false, m->root, sizeof(m->root));
	if (err)
		return fail(m, err == -ENOTDIR ? -ENOENT : err);
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		int *fd = (int *)((char *)m + pins[i].off);
		/* counters and config are read-only for senders; ask only for what we need */
		bool ro = pins[i].off == offsetof(struct pmark_maps, counters_fd) ||
			  pins[i].off == offsetof(struct pmark_maps, config_fd);
		LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = ro ? BPF_F_RDONLY : 0);

		err = pmark_pin_path(path, sizeof(path), m->root, pins[i].name);
		if (err)
			return fail(m, err);
		*fd = bpf_obj_get_opts(path, &opts);
		if (*fd < 0)
			return fail(m, -errno);
	}
	err = maps_map(m);
	if (err)
		return fail(m, err);
	m->quotes_fd = quotes_open(m->root);
	m->dtls_fd = dtls_open(m->root);
	return m;
}

struct pmark_maps *pmark_open_fds(const struct pmark_map_fds *fds, const char *root)
{
	struct pmark_maps *m = maps_alloc();
	int err;

	if (!m)
		return NULL;
	snprintf(m->root, sizeof(m->root), "%s", root ? root : "");
	m->slots_fd = dup(fds->slots);
	m->rings_fd = dup(fds->rings);
	m->ports_fd = dup(fds->ports);
	m->counters_fd = dup(fds->counters);
	m->config_fd = dup(fds->config);
	if (m->slots_fd < 0 || m->rings_fd < 0 || m->ports_fd < 0 ||
	    m->counters_fd < 0 || m->config_fd < 0)
		return fail(m, -errno);
	if (fds->quotes > 0) {
		int fd = dup(fds->quotes);

		m->quotes_fd = fd < 0 ? -errno : quotes_check(fd);
		if (fd >= 0 && m->quotes_fd < 0)
			close(fd);
	}
	if (fds->dtls > 0) {
		int fd = dup(fds->dtls);

		m->dtls_fd = fd < 0 ? -errno : dtls_check(fd);
		if (fd >= 0 && m->dtls_fd < 0)
			close(fd);
	}
	err = maps_map(m);
	if (err)
		return fail(m, err);
	return m;
}

void pmark_close(struct pmark_maps *m)
{
	int *fds[5];
	int i;

	if (!m)
		return;
	if (m->slots)
		munmap(m->slots, m->slots_len);
	if (m->rings)
		munmap(m->rings, m->rings_len);
	if (m->ports)
		munmap(m->ports, m->ports_len);
	fds[0] = &m->slots_fd; fds[1] = &m->rings_fd; fds[2] = &m->ports_fd;
	fds[3] = &m->counters_fd; fds[4] = &m->config_fd;
	for (i = 0; i < 5; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	if (m->quotes_fd >= 0)
		close(m->quotes_fd);
	if (m->dtls_fd >= 0)
		close(m->dtls_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *pmark_pin_root(const struct pmark_maps *m)
{
	return m->root;
}

uint32_t pmark_ring_size(const struct pmark_maps *m)
{
	return 1U << m->ring_shift;
}

uint32_t pmark_ring_count(const struct pmark_maps *m)
{
	return m->nrings;
}
