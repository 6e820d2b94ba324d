/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Loading the tc program with a ring geometry: shared by pmarkctl attach, the
 * in-kernel tests and the benchmark so all three run the same object the same
 * way.  Needs build/pmark.skel.h (bpftool gen skeleton), hence header-only.
 */
#ifndef PMARK_SKEL_LOAD_H
#define PMARK_SKEL_LOAD_H

#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pmark_abi.h"
#include "pmark_int.h"
#include "pmark.skel.h"

/* NULL with errno set on failure. */
static inline struct pmark_bpf *pmark_skel_load(uint32_t ring_shift, uint32_t rings)
{
	struct pmark_config cfg = {
		.abi_version = PMARK_ABI_VERSION, .ring_shift = ring_shift, .rings = rings,
	};
	struct pmark_bpf *skel;
	uint32_t zero = 0;
	int err;

	if (ring_shift > PMARK_MAX_RING_SHIFT || !rings || rings > PMARK_MAX_RINGS || (rings & (rings - 1)) ||
	    (uint64_t)rings << ring_shift > PMARK_MAX_SLOTS) {
		errno = EINVAL;
		return NULL;
	}
	skel = pmark_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->ring_shift = ring_shift;
	skel->rodata->nrings = rings;
	err = bpf_map__set_max_entries(skel->maps.pmark_slots, rings << ring_shift);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.pmark_rings, rings);
	if (!err)
		err = pmark_bpf__load(skel);
	if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.pmark_config), &zero, &cfg, BPF_ANY))
		err = -errno;
	if (err) {
		pmark_bpf__destroy(skel);
		errno = err < 0 ? -err : err;
		return NULL;
	}
	return skel;
}

/* A libpmark handle on a loaded skeleton's maps (tests, benchmark). */
static inline struct pmark_maps *pmark_skel_maps(struct pmark_bpf *skel)
{
	struct pmark_map_fds fds = {
		.slots = bpf_map__fd(skel->maps.pmark_slots),
		.rings = bpf_map__fd(skel->maps.pmark_rings),
		.ports = bpf_map__fd(skel->maps.pmark_ports),
		.counters = bpf_map__fd(skel->maps.pmark_counters),
		.config = bpf_map__fd(skel->maps.pmark_config),
		.quotes = bpf_map__fd(skel->maps.pmark_quotes),
		.dtls = bpf_map__fd(skel->maps.pmark_dtls),
	};

	return pmark_open_fds(&fds, NULL);
}

#endif /* PMARK_SKEL_LOAD_H */
