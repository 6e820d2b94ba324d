// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The smallest tc program: passes every packet untouched.  The benchmark
 * (tests/bench/) runs it beside pmark.bpf.c on the same packets, so each of
 * pmark's costs is reported as a ratio to what any tc program costs to run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int empty_egress(struct __sk_buff *skb)
{
	return 0;  /* TC_ACT_OK */
}
