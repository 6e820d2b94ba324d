/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How fast one thread writes records: through libpmark (plain stores into
 * the mmap of the slots array), and, as the baseline that shows why, through
 * one bpf_map_update_elem() system call per record into a BPF hash map.
 */
#ifndef BENCH_RECORD_RATE_H
#define BENCH_RECORD_RATE_H

#include <stdint.h>

struct pmark_maps;

#define RATE_DEFAULT_MMAP_RECORDS 10000000u
#define RATE_DEFAULT_SYSCALL_RECORDS 1000000u

struct record_rate {
	uint64_t mmap_records, syscall_records;
	double mmap_seconds, syscall_seconds;
};

static inline double rate_per_second(uint64_t records, double seconds)
{
	return seconds > 0 ? records / seconds : 0;
}

/* Writes into a fresh association of m (released after), then into its own hash map. */
int record_rate_measure(struct pmark_maps *m, uint64_t mmap_records, uint64_t syscall_records,
			struct record_rate *out);

#endif /* BENCH_RECORD_RATE_H */
