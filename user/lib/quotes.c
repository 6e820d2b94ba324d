// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading the ingress program's "quotes" map: what the quoted IP header of
 * an ICMP error about one of our datagrams showed.  A plain lookup on the
 * read-only pinned fd, so a member of the pin root's group needs no
 * capability for it.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include "pmark_int.h"

int pmark_quote_lookup(struct pmark_maps *m, const struct pmark_quote_key *k, struct pmark_quote *out)
{
	if (!m || !k || !out)
		return -EINVAL;
	/* The key has no padding; kind is part of it (pmark_quote_key_record). */
	if (k->kind != PMARK_QUOTE_SCTP && k->kind != PMARK_QUOTE_DTLS)
		return -EINVAL;
	if (m->quotes_fd < 0)
		return m->quotes_fd == -ENOENT ? -EOPNOTSUPP : m->quotes_fd;
	if (bpf_map_lookup_elem(m->quotes_fd, k, out))
		return -errno;
	return 0;
}
