// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records written per second: libpmark's mmap path against a syscall per record. */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pmark.h"
#include "pmark_abi.h"
#include "record_rate.h"

#define RATE_VTAG 0x30000000u
#define HASH_ENTRIES 65536u     /* like a ring: TSNs wrap, later updates replace */

struct hash_key {
	uint32_t vtag, tsn;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct pmark_opts rate_opts = {
	.ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .df = PMARK_DF_SET,
};

static int rate_mmap(struct pmark_maps *m, uint64_t n, double *seconds)
{
	struct pmark_assoc *a = pmark_assoc_get(m, RATE_VTAG);
	double t0;
	int err = 0;

	if (!a)
		return -errno;
	t0 = now_seconds();
	for (uint64_t i = 0; i < n && !err; i++)
		err = pmark_assoc_mark(a, (uint32_t)i, &rate_opts);
	*seconds = now_seconds() - t0;
	pmark_assoc_put(a, true);
	return err;
}

/* The same record content as a slot, so both paths move the same bytes. */
static int rate_syscall(uint64_t n, double *seconds)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_records", sizeof(struct hash_key),
				sizeof(struct pmark_slot), HASH_ENTRIES, NULL);
	struct pmark_slot val = { .flags = PMARK_F_VALID | PMARK_F_TTL | PMARK_F_TOS | PMARK_F_DF_SET,
				  .ttl = 3, .tos = 0xb8, .tos_mask = 0xfc, .vtag = RATE_VTAG };
	double t0;
	int err = 0;

	if (fd < 0)
		return -errno;
	t0 = now_seconds();
	for (uint64_t i = 0; i < n; i++) {
		struct hash_key key = { RATE_VTAG, (uint32_t)i % HASH_ENTRIES };

		val.tsn = (uint32_t)i;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	*seconds = now_seconds() - t0;
	close(fd);
	return err;
}

int record_rate_measure(struct pmark_maps *m, uint64_t mmap_records, uint64_t syscall_records,
			struct record_rate *out)
{
	int err;

	out->mmap_records = mmap_records;
	out->syscall_records = syscall_records;
	err = rate_mmap(m, mmap_records, &out->mmap_seconds);
	if (!err)
		err = rate_syscall(syscall_records, &out->syscall_seconds);
	return err;
}
