/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Network namespaces by inode: where a device pmarkctl attached to lives. */
#ifndef PMARKCTL_NETNS_H
#define PMARKCTL_NETNS_H

#include <stdint.h>
#include <stddef.h>

/* Inode of this process's network namespace, 0 if unknown. */
uint64_t netns_self(void);
/*
 * Open the namespace with that inode: this one, pid 1's, or one named under
 * /run/netns.  Writes a printable name; -ENOENT when it no longer exists.
 */
int netns_open(uint64_t ino, char *name, size_t len);

#endif
