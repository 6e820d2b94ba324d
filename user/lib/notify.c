/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usrsctp's association-change notifications, turned into the association's
 * end (pmark_conn_stats.end) and one log line when it ends other than by a
 * clean SHUTDOWN: without them, a sender whose peer aborted sees only that its
 * messages stopped being acked, or, once usrsctp has dropped them, that none
 * are left unacked.
 */
#include <stdio.h>
#include <string.h>
#include <usrsctp.h>
#include "ep_int.h"

#define PM_CHUNK_ABORT 6

/* RFC 9260 section 3.3.10 error causes. */
static const char *cause_name(unsigned int code)
{
	static const char *const names[] = {
		[1] = "invalid stream identifier", [2] = "missing mandatory parameter",
		[3] = "stale cookie", [4] = "out of resources", [5] = "unresolvable address",
		[6] = "unrecognized chunk type", [7] = "invalid mandatory parameter",
		[8] = "unrecognized parameters", [9] = "no user data",
		[10] = "cookie received while shutting down",
		[11] = "restart with new addresses", [12] = "user-initiated abort",
		[13] = "protocol violation",
	};

	return code < sizeof(names) / sizeof(names[0]) && names[code] ? names[code] : "unknown cause";
}

/* The causes of an ABORT chunk, as "cause 13 (protocol violation: text), ...". */
static void abort_causes(const uint8_t *chunk, size_t len, char *out, size_t cap)
{
	size_t off = 4, used = 0;

	out[0] = '\0';
	if (len < 4 || chunk[0] != PM_CHUNK_ABORT)
		return;
	if ((size_t)(chunk[2] << 8 | chunk[3]) < len)
		len = (size_t)(chunk[2] << 8 | chunk[3]);
	while (off + 4 <= len && used + 1 < cap) {
		unsigned int code = (unsigned int)(chunk[off] << 8 | chunk[off + 1]);
		size_t clen = (size_t)(chunk[off + 2] << 8 | chunk[off + 3]), text = 0;
		int w;

		if (clen < 4 || off + clen > len)
			break;
		/* User-initiated abort and protocol violation may carry readable words. */
		if (code == 12 || code == 13)
			while (text < clen - 4 && text < 120 && chunk[off + 4 + text] >= 0x20 &&
			       chunk[off + 4 + text] < 0x7f)
				text++;
		w = snprintf(out + used, cap - used, "%scause %u (%s%s%.*s)", used ? ", " : "", code,
			     cause_name(code), text ? ": " : "", (int)text, (const char *)chunk + off + 4);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
		off += (clen + 3) & ~(size_t)3;
	}
}

void pm_note_notification(struct pmark_conn *c, const uint8_t *buf, size_t len)
{
	struct sctp_assoc_change sac;   /* a copy: buf may sit anywhere in a message buffer */
	char who[INET6_ADDRSTRLEN + 16], causes[256];
	const uint8_t *info = buf + sizeof(sac);
	size_t info_len;

	if (len < sizeof(sac))
		return;
	memcpy(&sac, buf, sizeof(sac));
	if (sac.sac_type != SCTP_ASSOC_CHANGE)
		return;
	pm_addr_format((const struct sockaddr *)&c->remote, who, sizeof(who));
	info_len = len - sizeof(sac);
	switch (sac.sac_state) {
	case SCTP_COMM_LOST:
		/* usrsctp copies the peer's ABORT chunk after the header. */
		if (info_len >= 4 && info[0] == PM_CHUNK_ABORT) {
			atomic_store(&c->end, PMARK_END_PEER_ABORT);
			abort_causes(info, info_len, causes, sizeof(causes));
			pm_log(c->ep, "association with %s ended: the peer sent ABORT, %s", who,
			       causes[0] ? causes : "no cause given");
		} else {
			atomic_store(&c->end, PMARK_END_LOST);
			pm_log(c->ep, "association with %s ended without SHUTDOWN: aborted here, or the "
			       "peer stopped answering (retransmission limit); error %u", who,
			       (unsigned int)sac.sac_error);
		}
		break;
	case SCTP_CANT_STR_ASSOC:
		atomic_store(&c->end, PMARK_END_SETUP_FAILED);
		pm_log(c->ep, "association with %s could not be set up", who);
		break;
	case SCTP_RESTART:
		pm_log(c->ep, "association with %s restarted by the peer: messages in flight may be lost",
		       who);
		break;
	case SCTP_SHUTDOWN_COMP:
		atomic_store(&c->end, PMARK_END_SHUTDOWN);
		break;
	default:
		break;
	}
}
