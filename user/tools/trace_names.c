// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: reverse DNS names, in parallel, within one time budget. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tool_addr.h"
#include "trace_names.h"

struct lookups;

struct lookup {
	struct lookups *set;
	struct sockaddr_storage sa;
	bool done;               /* under set->lock */
	char name[NI_MAXHOST];   /* valid once done, "" if not found */
};

/*
 * Shared by the caller and the lookup threads, which may outlive the
 * caller's interest: the last one to let go frees it.
 */
struct lookups {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned refs;           /* the caller, plus every thread still running */
	unsigned running;
	struct lookup v[TRACE_NAMES_MAX];
};

struct trace_names {
	unsigned n;
	struct sockaddr_storage sa[TRACE_NAMES_MAX];
	char *name[TRACE_NAMES_MAX];   /* NULL: unnamed */
};

struct trace_names *trace_names_new(void)
{
	return calloc(1, sizeof(struct trace_names));
}

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int trace_names_add(struct trace_names *t, const struct sockaddr *sa)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (tool_ip_equal((const struct sockaddr *)&t->sa[i], sa))
			return 0;
	if (t->n == TRACE_NAMES_MAX)
		return -ENOSPC;
	memcpy(&t->sa[t->n++], sa, sa_len(sa));
	return 0;
}

static void put(struct lookups *s)
{
	bool last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->done);
		free(s);
	}
}

static void *lookup_main(void *arg)
{
	struct lookup *l = arg;
	struct lookups *s = l->set;
	char host[NI_MAXHOST];
	int rc;

	/* l->sa is not written after the thread starts: no lock for the call. */
	rc = getnameinfo((const struct sockaddr *)&l->sa, sa_len((const struct sockaddr *)&l->sa),
			 host, sizeof(host), NULL, 0, NI_NAMEREQD);
	pthread_mutex_lock(&s->lock);
	if (rc == 0)
		memcpy(l->name, host, sizeof(l->name));
	l->done = true;
	s->running--;
	pthread_cond_signal(&s->done);
	pthread_mutex_unlock(&s->lock);
	put(s);
	return NULL;
}

/* Start one detached thread per address; returns the first error. */
static int start_all(struct lookups *s, unsigned n)
{
	pthread_attr_t attr;
	unsigned i;
	int err = 0;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n && !err; i++) {
		pthread_t tid;

		pthread_mutex_lock(&s->lock);
		s->refs++;
		s->running++;
		pthread_mutex_unlock(&s->lock);
		err = pthread_create(&tid, &attr, lookup_main, &s->v[i]);
		if (err) {
			pthread_mutex_lock(&s->lock);
			s->refs--;
			s->running--;
			pthread_mutex_unlock(&s->lock);
		}
	}
	pthread_attr_destroy(&attr);
	return -err;
}

int trace_names_resolve(struct trace_names *t, unsigned budget_ms)
{
	struct lookups *s;
	pthread_condattr_t ca;
	struct timespec until;
	unsigned i;
	int err;

	if (!t->n)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	/* The budget on the monotonic clock: a clock step cannot stretch it. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->done, &ca);
	pthread_condattr_destroy(&ca);
	s->refs = 1;
	for (i = 0; i < t->n; i++) {
		s->v[i].set = s;
		memcpy(&s->v[i].sa, &t->sa[i], sizeof(t->sa[i]));
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += budget_ms / 1000;
	until.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	err = start_all(s, t->n);

	pthread_mutex_lock(&s->lock);
	while (s->running && pthread_cond_timedwait(&s->done, &s->lock, &until) != ETIMEDOUT)
		;
	for (i = 0; i < t->n; i++)
		if (s->v[i].done && s->v[i].name[0] && !t->name[i])
			t->name[i] = strdup(s->v[i].name);
	pthread_mutex_unlock(&s->lock);
	put(s);
	return err;
}

const char *trace_names_get(const struct trace_names *t, const struct sockaddr *sa)
{
	unsigned i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (tool_ip_equal((const struct sockaddr *)&t->sa[i], sa))
			return t->name[i];
	return NULL;
}

void trace_names_free(struct trace_names *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t);
}
