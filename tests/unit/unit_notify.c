// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of notify.c: the log line an association-change notification
 * gives, laid out the way usrsctp delivers it (struct sctp_assoc_change, an
 * ABORT chunk copied into sac_info when the peer aborted).  Crafted bytes,
 * no usrsctp association, no network.  TAP output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <usrsctp.h>
#include "ep_int.h"

static int test_no, failed;
static char last_log[1024];
static int logs;

static void check(bool cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++test_no, name);
	if (!cond) {
		failed++;
		printf("# log: '%s' (%d lines)\n", last_log, logs);
	}
}

static void on_log(const char *msg, void *ctx)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	logs++;
}

/* A notification: the header, then info (an ABORT chunk or nothing). */
static size_t notif(uint8_t *buf, uint16_t state, uint16_t error, const uint8_t *info, size_t ilen)
{
	struct sctp_assoc_change sac;

	memset(&sac, 0, sizeof(sac));
	sac.sac_type = SCTP_ASSOC_CHANGE;
	sac.sac_length = (uint32_t)(sizeof(sac) + ilen);
	sac.sac_state = state;
	sac.sac_error = error;
	memcpy(buf, &sac, sizeof(sac));
	if (ilen)
		memcpy(buf + sizeof(sac), info, ilen);
	return sizeof(sac) + ilen;
}

/* Append an error cause (code, text) to an ABORT chunk being built in b. */
static size_t cause(uint8_t *b, size_t off, uint16_t code, const char *text, size_t tlen)
{
	size_t clen = 4 + tlen;

	b[off] = (uint8_t)(code >> 8);
	b[off + 1] = (uint8_t)code;
	b[off + 2] = (uint8_t)(clen >> 8);
	b[off + 3] = (uint8_t)clen;
	memcpy(b + off + 4, text, tlen);
	clen = (clen + 3) & ~(size_t)3;
	memset(b + off + 4 + tlen, 0, clen - 4 - tlen);
	return off + clen;
}

static size_t abort_chunk(uint8_t *b, size_t end)
{
	b[0] = 6;
	b[1] = 0;
	b[2] = (uint8_t)(end >> 8);
	b[3] = (uint8_t)end;
	return end;
}

static void feed(struct pmark_conn *c, const uint8_t *buf, size_t len)
{
	last_log[0] = '\0';
	logs = 0;
	pm_note_notification(c, buf, len);
}

int main(void)
{
	struct pmark_ep ep;
	struct pmark_conn c;
	struct sockaddr_in *sin = (struct sockaddr_in *)&c.remote;
	uint8_t buf[512], ab[256];
	size_t n, end;

	memset(&ep, 0, sizeof(ep));
	memset(&c, 0, sizeof(c));
	ep.cfg.log = on_log;
	c.ep = &ep;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5001);
	inet_pton(AF_INET, "10.0.0.2", &sin->sin_addr);
	c.remote_len = sizeof(*sin);

	printf("TAP version 13\n1..16\n");

	/* The peer aborted with a protocol violation that says why. */
	end = cause(ab, 4, 13, "Reached max. retransmission count", 33);
	n = notif(buf, SCTP_COMM_LOST, 13, ab, abort_chunk(ab, end));
	feed(&c, buf, n);
	check(logs == 1 && strstr(last_log, "association with 10.0.0.2:5001 ended: the peer sent ABORT"),
	      "COMM_LOST with an ABORT chunk: the peer aborted, named with its address");
	check(strstr(last_log, "cause 13 (protocol violation: Reached max. retransmission count)") != NULL,
	      "the cause is named with its text");
	check(atomic_load(&c.end) == PMARK_END_PEER_ABORT, "the association's end: PMARK_END_PEER_ABORT");

	/* Two causes: a user abort with a reason, then out of resources. */
	end = cause(ab, 4, 12, "bye", 3);
	end = cause(ab, end, 4, "", 0);
	n = notif(buf, SCTP_COMM_LOST, 12, ab, abort_chunk(ab, end));
	feed(&c, buf, n);
	check(strstr(last_log, "cause 12 (user-initiated abort: bye), cause 4 (out of resources)") != NULL,
	      "every cause of the ABORT, in order");

	/* An ABORT without causes (usrsctp answering an out-of-the-blue packet). */
	n = notif(buf, SCTP_COMM_LOST, 0, ab, abort_chunk(ab, 4));
	feed(&c, buf, n);
	check(logs == 1 && strstr(last_log, "the peer sent ABORT, no cause given"),
	      "an ABORT with no cause still says the peer aborted");

	/* Text stops at the first byte that is not printable. */
	end = cause(ab, 4, 13, "bad\x01tail", 8);
	n = notif(buf, SCTP_COMM_LOST, 13, ab, abort_chunk(ab, end));
	feed(&c, buf, n);
	check(strstr(last_log, "(protocol violation: bad)") != NULL, "unprintable cause text is cut");

	/* A cause longer than the chunk: no overread, the causes before it kept. */
	end = cause(ab, 4, 4, "", 0);
	end = cause(ab, end, 13, "0123456789", 10);   /* at offset 8 */
	ab[10] = 0;
	ab[11] = 200;               /* the second cause claims 200 bytes */
	n = notif(buf, SCTP_COMM_LOST, 4, ab, abort_chunk(ab, end));
	feed(&c, buf, n);
	check(strstr(last_log, "cause 4 (out of resources)") && !strstr(last_log, "cause 13"),
	      "a cause running past the chunk ends the list");

	/* No ABORT chunk: lost here (retransmission limit or local abort). */
	n = notif(buf, SCTP_COMM_LOST, 0, NULL, 0);
	feed(&c, buf, n);
	check(logs == 1 && strstr(last_log, "ended without SHUTDOWN"), "COMM_LOST without ABORT: said so");
	check(atomic_load(&c.end) == PMARK_END_LOST, "the association's end: PMARK_END_LOST");

	n = notif(buf, SCTP_CANT_STR_ASSOC, 0, NULL, 0);
	feed(&c, buf, n);
	check(logs == 1 && strstr(last_log, "could not be set up") &&
	      atomic_load(&c.end) == PMARK_END_SETUP_FAILED,
	      "CANT_STR_ASSOC: could not be set up, end PMARK_END_SETUP_FAILED");

	n = notif(buf, SCTP_RESTART, 0, NULL, 0);
	feed(&c, buf, n);
	check(logs == 1 && strstr(last_log, "restarted by the peer"), "RESTART: logged");

	atomic_store(&c.end, PMARK_END_NONE);
	n = notif(buf, SCTP_COMM_UP, 0, NULL, 0);
	feed(&c, buf, n);
	check(logs == 0 && atomic_load(&c.end) == PMARK_END_NONE, "COMM_UP: nothing logged, no end");
	n = notif(buf, SCTP_SHUTDOWN_COMP, 0, NULL, 0);
	feed(&c, buf, n);
	check(logs == 0, "SHUTDOWN_COMP (a clean end): nothing logged");
	check(atomic_load(&c.end) == PMARK_END_SHUTDOWN, "the association's end: PMARK_END_SHUTDOWN");

	/* Short or foreign notifications are ignored. */
	n = notif(buf, SCTP_COMM_LOST, 0, NULL, 0);
	feed(&c, buf, n - 1);
	{
		uint16_t other = SCTP_SHUTDOWN_EVENT;

		memcpy(buf, &other, sizeof(other));
		pm_note_notification(&c, buf, n);
	}
	check(logs == 0, "a truncated notification or another type: ignored");
	check(atomic_load(&c.end) == PMARK_END_SHUTDOWN, "and the end they found is kept");

	printf("# %d passed, %d failed\n", test_no - failed, failed);
	return failed ? 1 : 0;
}
