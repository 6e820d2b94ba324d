/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cleartext sink of an endpoint: where the cleartext SCTP packet of a
 * protected datagram goes when its message asked for it (pmark_dtls.h,
 * "Cleartext pairing").  Thread-safe: associations emit concurrently.
 */
#ifndef PMARK_CLEARSINK_H
#define PMARK_CLEARSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct pm_clear_sink;

/* What the protected datagram is sent with. */
struct pm_clear_meta {
	const struct sockaddr_storage *src;   /* local address; wildcard or NULL: unknown (zeros) */
	const struct sockaddr_storage *dst;   /* the peer */
	uint8_t flags;                        /* PMARK_F_* actions applied (0: none) */
	uint8_t ttl, tos, tos_mask;           /* as the record writes them */
	uint16_t ip_id;                       /* IPv4 ID stamped, 0: none */
	uint64_t record_id;
	size_t wire_len;                      /* UDP payload length of the protected datagram */
};

/*
 * pcap_path and/or mirror (either may be NULL, not both).  NULL with errno
 * set and, in why (if not NULL, size whylen), a sentence such as
 * "cleartext pcap /x/y.pcap: No such file or directory".
 */
struct pm_clear_sink *pm_clear_sink_open(const char *pcap_path, const struct sockaddr *mirror,
					 socklen_t mirror_len, char *why, size_t whylen);
/* One cleartext packet; 0 or a negative errno. */
int pm_clear_emit(struct pm_clear_sink *s, const struct pm_clear_meta *m, const uint8_t *sctp,
		  size_t len);
/* Is a the mirror's address (any port)?  The cleartext must never go to a peer. */
bool pm_clear_sink_is_mirror_host(const struct pm_clear_sink *s, const struct sockaddr_storage *a);
void pm_clear_sink_close(struct pm_clear_sink *s);   /* flushes the pcap */

#endif
