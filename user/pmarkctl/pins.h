/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The objects pmarkctl pins under a pin root, loading them the first time. */
#ifndef PMARKCTL_PINS_H
#define PMARKCTL_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pins {
	char root[PATH_MAX];    /* resolved (maybe under /proc/1/root) */
	int prog_fd, prog_l3_fd, devs_fd;
	uint32_t prog_id, prog_l3_id;
	/* The ingress programs; -1 and 0 under a pin root loaded before they existed. */
	int prog_in_fd, prog_in_l3_fd;
	uint32_t prog_in_id, prog_in_l3_id;
	int lock_fd;            /* flock on the pin root directory */
};

/*
 * Open the pins under root, loading and pinning the program first when there
 * are none (create = true).  Holds an exclusive lock on the pin root until
 * pins_close so two pmarkctl never load twice.  Negative errno; -ENOENT when
 * !create and nothing is pinned.
 */
int pins_open(const char *requested_root, bool create, uint32_t ring_shift, uint32_t rings,
	      struct pins *p);
void pins_close(struct pins *p);
/* Whether a filter's program id is one of this pin root's egress / ingress programs. */
bool pins_egress_prog(const struct pins *p, uint32_t id);
bool pins_ingress_prog(const struct pins *p, uint32_t id);
/* Remove every pin and the pin root directory. */
int pins_remove(struct pins *p);
/* Group access for senders: record maps and dtls rw, counters/config/quotes r, the rest root only. */
int pins_grant_group(struct pins *p, gid_t gid, bool *opened_parent);

#endif
