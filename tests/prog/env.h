/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The loaded program and its maps, brought to a known state before each case. */
#ifndef TEST_ENV_H
#define TEST_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cases.h"
#include "pkt.h"

struct pmark_bpf;

struct env {
	struct pmark_bpf *skel;
	struct pmark_maps *maps;
	int prog_l2, prog_l3;       /* pmark_egress, pmark_egress_l3 */
	int prog_in_l2, prog_in_l3; /* pmark_ingress, pmark_ingress_l3 */
	int frags_fd, quotes_fd, dtls_fd;
	uint32_t tags[2];           /* the tags of the current case's protected peers */
};

/*
 * Loads the program.  Returns 0; or 1 with *skip saying why this machine
 * cannot run it (not root, no BPF); or -errno when loading failed.
 */
int env_open(struct env *e, const char **skip);
void env_close(struct env *e);

/*
 * No records, no remembered fragments or quotes, only these ports registered
 * and these protected peers (NULL: none; entries with dport 0 are skipped),
 * counters at 0.
 */
int env_reset(struct env *e, const uint16_t *ports, size_t nports, const struct peer peers[2]);

/* Does one table action; on failure writes why to diag and returns false. */
bool env_act(struct env *e, const struct action *a, FILE *diag);

int env_counters(struct env *e, uint64_t out[PMARK_CNT_MAX]);

/* One BPF_PROG_TEST_RUN; packets without Ethernet go to pmark_egress_l3.  Returns 0 or -errno. */
int env_run(struct env *e, const struct pkt *in, uint8_t *out, size_t *out_len, uint32_t *retval);
/* The same through the ingress programs. */
int env_run_ingress(struct env *e, const struct pkt *in, uint8_t *out, size_t *out_len,
		    uint32_t *retval);

/* Entries in the quotes map, or -errno. */
int env_quote_count(struct env *e);

#endif /* TEST_ENV_H */
