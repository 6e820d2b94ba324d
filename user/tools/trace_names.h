/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pmark-trace: reverse DNS names of the hops, looked up in parallel with
 * one overall time budget, so that a resolver that does not answer costs
 * the budget once, not a timeout per address.
 */
#ifndef TRACE_NAMES_H
#define TRACE_NAMES_H

#include <sys/socket.h>

#define TRACE_NAMES_BUDGET_MS 1000
#define TRACE_NAMES_MAX 256      /* addresses looked up at most; the rest stay unnamed */

struct trace_names;

/* An empty table; NULL with errno ENOMEM. */
struct trace_names *trace_names_new(void);
/* Queue an address (duplicates are ignored).  0, or -ENOSPC past TRACE_NAMES_MAX. */
int trace_names_add(struct trace_names *t, const struct sockaddr *sa);
/*
 * getnameinfo(NI_NAMEREQD) for every queued address, each in a thread of
 * its own, waiting at most budget_ms for all of them; a lookup still
 * running then is abandoned (its thread ends on its own) and its address
 * stays unnamed.  0 or a negative errno (a thread could not start: the
 * addresses queued after it stay unnamed).
 */
int trace_names_resolve(struct trace_names *t, unsigned budget_ms);
/* The name of sa, or NULL (not found, not in time, or never queued). */
const char *trace_names_get(const struct trace_names *t, const struct sockaddr *sa);
void trace_names_free(struct trace_names *t);

#endif
