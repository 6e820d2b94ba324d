/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cases of the ingress program: one ICMP error (or another packet) per
 * case, the counter it must move, and the quote it must store, which the
 * runner checks field by field against the bytes the builder wrote.
 */
#ifndef TEST_INGRESS_H
#define TEST_INGRESS_H

#include <stdbool.h>
#include <stdio.h>
#include "cases.h"
#include "env.h"
#include "icmp.h"

struct ingress_case {
	const char *name;
	struct icmp_spec pkt;
	uint16_t port;              /* the one registered port; 0: SPORT */
	struct peer peer;           /* a protected peer of that port (dport 0: none) */
	int verdict;                /* PMARK_CNT_ICMP_QUOTED, _NOT_OURS, _MALFORMED; 0: nothing counted */
	struct {
		uint16_t quoted_len;
		bool has_sctp, has_tsn;
		bool has_dtls;          /* qrecord_id read from the quoted record header; IPv6 keyed by it */
		uint32_t mtu;
	} want;                     /* the stored quote's derived fields (QUOTED only) */
};

struct ingress_table {
	const struct ingress_case *cases;
	size_t n;
};

extern const struct ingress_table ingress_cases;

bool run_ingress_case(struct env *e, const struct ingress_case *c, FILE *diag);

#endif /* TEST_INGRESS_H */
