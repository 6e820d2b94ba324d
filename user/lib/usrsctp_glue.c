/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one usrsctp stack of the process and the AF_CONN addresses it knows
 * associations by.  usrsctp may call the output function for an address
 * after the association's socket is closed (timers, a late SHUTDOWN), so the
 * address is an id looked up here, never a pointer usrsctp could outlive.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>
#include "ep_int.h"

static pthread_mutex_t glue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t glue_cond = PTHREAD_COND_INITIALIZER;
static int stack_users;                  /* open endpoints */
static uintptr_t next_id = 1;
static struct pmark_conn **table;        /* registered conns */
static size_t table_len, table_cap;

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df)
{
	struct pmark_conn *c = pm_conn_lookup((uintptr_t)addr);
	int err;

	(void)tos;     /* ECN: usrsctp is not told of CE marks, so ECT is not claimed */
	(void)set_df;  /* the socket's and the record's DF decide */
	if (!c)
		return 0;  /* association already gone: drop like a lost packet */
	err = pm_output(c, buffer, length);
	pm_conn_unref(c);
	return err ? -1 : 0;
}

int pm_usrsctp_get(void)
{
	pthread_mutex_lock(&glue_lock);
	if (stack_users++ == 0) {
		usrsctp_init(0, conn_output, NULL);
		/* WebRTC's settings: no ECN (the UDP layer does not report it). */
		usrsctp_sysctl_set_sctp_ecn_enable(0);
		usrsctp_sysctl_set_sctp_pr_enable(1);
		/*
		 * Miss indications by RFC 9260 7.2.4's HTNA rule, which usrsctp
		 * applies only with CMT on.  Without it, in fast recovery every
		 * SACK that moves the cumulative ack strikes every hole.  The
		 * library sends one packet as a datagram per option set and the
		 * peer acks each, so one retransmitted packet brought many such
		 * SACKs: every hole went out again each third SACK until one TSN
		 * hit usrsctp's 30-send limit and the association was aborted
		 * (design.md, "Loss recovery when packets are split").  With one
		 * path CMT changes two more things: the fast-recovery state is
		 * the path's, so cwnd may grow in recovery, and a write past cwnd
		 * tries the output path instead of only queueing.
		 */
		usrsctp_sysctl_set_sctp_cmt_on_off(1);
	}
	pthread_mutex_unlock(&glue_lock);
	return 0;
}

void pm_usrsctp_put(void)
{
	pthread_mutex_lock(&glue_lock);
	if (--stack_users == 0) {
		/* usrsctp_finish refuses while sockets linger; give them a moment. */
		for (int i = 0; i < 300 && usrsctp_finish() != 0; i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_unlock(&glue_lock);
}

int pm_conn_register(struct pmark_conn *c)
{
	pthread_mutex_lock(&glue_lock);
	if (table_len == table_cap) {
		size_t cap = table_cap ? table_cap * 2 : 16;
		struct pmark_conn **t = realloc(table, cap * sizeof(*t));

		if (!t) {
			pthread_mutex_unlock(&glue_lock);
			return -ENOMEM;
		}
		table = t;
		table_cap = cap;
	}
	c->id = next_id++;
	table[table_len++] = c;
	pthread_mutex_unlock(&glue_lock);
	return 0;
}

/* Outside every lock of ours: usrsctp takes its address lock here. */
void pm_conn_publish(struct pmark_conn *c)
{
	usrsctp_register_address((void *)c->id);
}

void pm_conn_unregister(struct pmark_conn *c)
{
	usrsctp_deregister_address((void *)c->id);
	pthread_mutex_lock(&glue_lock);
	for (size_t i = 0; i < table_len; i++) {
		if (table[i] == c) {
			table[i] = table[--table_len];
			break;
		}
	}
	while (c->refs > 0)
		pthread_cond_wait(&glue_cond, &glue_lock);
	pthread_mutex_unlock(&glue_lock);
}

struct pmark_conn *pm_conn_lookup(uintptr_t id)
{
	struct pmark_conn *found = NULL;

	pthread_mutex_lock(&glue_lock);
	for (size_t i = 0; i < table_len; i++) {
		if (table[i]->id == id) {
			found = table[i];
			found->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&glue_lock);
	return found;
}

void pm_conn_unref(struct pmark_conn *c)
{
	pthread_mutex_lock(&glue_lock);
	if (--c->refs == 0)
		pthread_cond_broadcast(&glue_cond);
	pthread_mutex_unlock(&glue_lock);
}
