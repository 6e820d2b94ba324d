// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tc programs' per-CPU counters: names, meanings, sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pmark_int.h"

static const struct {
	const char *name, *help;
} counter_info[PMARK_CNT_MAX] = {
	[PMARK_CNT_SEEN] = { "seen", "packets the program ran on" },
	[PMARK_CNT_NOT_OURS] = { "not_ours", "not UDP over IP, or source port not registered" },
	[PMARK_CNT_PARSED] = { "parsed", "SCTP common header read on a registered port" },
	[PMARK_CNT_NO_DATA] = { "no_data", "SCTP packets with control chunks only" },
	[PMARK_CNT_NO_RECORD] = { "no_record", "no record for the packet's vtag and TSN" },
	[PMARK_CNT_BUSY] = { "busy", "record being rewritten at that instant; left unmarked" },
	[PMARK_CNT_OWNER_MISMATCH] = { "owner_mismatch", "record owned by another socket" },
	[PMARK_CNT_EXPIRED] = { "expired", "record past its expiry" },
	[PMARK_CNT_ONCE_CONSUMED] = { "once_consumed", "retransmission of a once record, left unmarked" },
	[PMARK_CNT_MARKED] = { "marked", "packets a record was applied to" },
	[PMARK_CNT_TTL_SET] = { "ttl_set", "TTL / hop limit written" },
	[PMARK_CNT_TOS_SET] = { "tos_set", "TOS / traffic class written" },
	[PMARK_CNT_DF_SET] = { "df_set", "Don't Fragment set" },
	[PMARK_CNT_DF_CLEARED] = { "df_cleared", "Don't Fragment cleared" },
	[PMARK_CNT_FRAG_FOLLOWED] = { "frag_followed", "later IP fragments marked like their first" },
	[PMARK_CNT_FRAG_UNKNOWN] = { "frag_unknown", "later UDP fragments with no remembered options" },
	[PMARK_CNT_NOT_APPLICABLE] = { "not_applicable", "record fields that cannot apply (DF on IPv6, DF set on a fragment)" },
	[PMARK_CNT_MALFORMED] = { "malformed", "inconsistent header or chunk lengths; passed unchanged" },
	[PMARK_CNT_TRUNCATED] = { "truncated", "packet ends inside a header; passed unchanged" },
	[PMARK_CNT_WALK_LIMIT] = { "walk_limit", "DATA chunk or UDP header beyond the walk bounds (chunks, extension headers); passed unchanged" },
	[PMARK_CNT_PULLED] = { "pulled", "headers were not in linear data; pulled once" },
	[PMARK_CNT_IPID_SET] = { "ipid_set", "IPv4 ID written (unfragmented datagrams only)" },
	[PMARK_CNT_ICMP_SEEN] = { "icmp_seen", "ingress: ICMP / ICMPv6 errors received" },
	[PMARK_CNT_ICMP_QUOTED] = { "icmp_quoted", "ingress: errors quoting a registered port, kept in quotes" },
	[PMARK_CNT_ICMP_NOT_OURS] = { "icmp_not_ours", "ingress: errors quoting another protocol or port, or no DATA chunk (IPv6)" },
	[PMARK_CNT_ICMP_MALFORMED] = { "icmp_malformed", "ingress: error or quote truncated or with inconsistent lengths" },
	[PMARK_CNT_DTLS_PARSED] = { "dtls_parsed", "DTLS record header read on a protected peer" },
	[PMARK_CNT_DTLS_NO_PEER] = { "dtls_no_peer", "datagrams on a port with protected peers to a peer not among them; parsed as SCTP" },
	[PMARK_CNT_DTLS_NOT_APPDATA] = { "dtls_not_appdata", "protected datagrams whose first record is no application data (handshake, alert); left unmarked" },
};

int pmark_counter_count(void)
{
	return PMARK_CNT_MAX;
}

const char *pmark_counter_name(int i)
{
	return i >= 0 && i < PMARK_CNT_MAX ? counter_info[i].name : NULL;
}

const char *pmark_counter_help(int i)
{
	return i >= 0 && i < PMARK_CNT_MAX ? counter_info[i].help : NULL;
}

int pmark_counters_read(struct pmark_maps *m, uint64_t *out, size_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pmark_counters *percpu;
	uint32_t zero = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counters_fd, &zero, percpu)) {
		int err = -errno;

		free(percpu);
		return err;
	}
	memset(out, 0, n * sizeof(*out));
	for (int cpu = 0; cpu < ncpu; cpu++)
		for (size_t i = 0; i < n && i < PMARK_CNT_MAX; i++)
			out[i] += percpu[cpu].c[i];
	free(percpu);
	return PMARK_CNT_MAX;
}

int pmark_counters_reset(struct pmark_maps *m)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pmark_counters *zeros;
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd = m->counters_fd, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	/* pmark_open() took the counters read-only (senders may read them). */
	if (m->root[0]) {
		err = pmark_pin_path(path, sizeof(path), m->root, PMARK_PIN_COUNTERS);
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -errno;
	}
	zeros = calloc(ncpu, sizeof(*zeros));
	if (!zeros)
		err = -ENOMEM;
	else if (bpf_map_update_elem(fd, &zero, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	if (fd != m->counters_fd)
		close(fd);
	return err;
}
