/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The clsact hooks and pmark's filters on them: the marker on egress, the
 * ICMP error reader on ingress, both at the same handle and priority. */
#ifndef PMARKCTL_TC_H
#define PMARKCTL_TC_H

#include <stdbool.h>
#include <stdint.h>

/* Our filter's identity on a device: a fixed handle and a late priority. */
#define PMARK_TC_HANDLE 0x504d   /* "PM" */
#define PMARK_TC_PRIO   0xc000

/* Attach (or replace) the filter; *created_qdisc tells whether clsact was added. */
int tc_attach(int ifindex, bool ingress, int prog_fd, bool *created_qdisc);
/* Program id of our filter on that hook of the device, 0 if none; negative errno on error. */
int tc_query(int ifindex, bool ingress, uint32_t *prog_id);
int tc_detach(int ifindex, bool ingress);
/* Filters of anyone on the clsact qdisc (ingress and egress); negative errno. */
int tc_filter_count(int ifindex);
int tc_qdisc_destroy(int ifindex);

#endif
