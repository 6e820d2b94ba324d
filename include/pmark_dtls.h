/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libpmark protected associations: SCTP inside DTLS 1.2, as WebRTC data
 * channels carry it.  The endpoint (pmark.h) runs every packet usrsctp emits
 * through a transform before the UDP socket, and every datagram from the
 * peer through it before usrsctp.  The transform is an interface: libpmark
 * ships one over OpenSSL (pmark_dtls_ops), and an application with its own
 * DTLS stack plugs in its own.
 *
 * Marking: the tc program cannot read an encrypted TSN, so the endpoint
 * registers the peer as protected (pmark_dtls_peer_add) and writes each
 * datagram's record under the record id of the DTLS record the transform
 * produced (epoch << 48 | sequence), just before the datagram is sent.
 *
 * Errors as in pmark.h: negative errno, or NULL with errno set.
 */
#ifndef PMARK_DTLS_H
#define PMARK_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pmark_xf_state {
	PMARK_XF_HANDSHAKE = 0,  /* keys not agreed yet: nothing can be protected */
	PMARK_XF_OPEN,           /* protect / unprotect work */
	PMARK_XF_FAILED,         /* handshake failed or fatal alert: error() says why */
	PMARK_XF_CLOSED,         /* the peer closed (close_notify) */
};

/* Sends one datagram to the peer as is (a handshake flight, an alert). */
typedef int (*pmark_xf_send_fn)(void *arg, const uint8_t *buf, size_t len);

/*
 * A transform.  libpmark calls the functions of one association's state
 * one at a time (it holds a lock around every call), from its own threads.
 * Datagrams it writes must be DTLS 1.2 records (one or more per datagram)
 * so the tc program can read the first record's header.
 */
struct pmark_transform_ops {
	const char *name;
	/* Bytes protect may add to a packet: the endpoint shrinks usrsctp's MTU by it. */
	size_t overhead;
	/* An association's state.  client: this side connects (DTLS client). */
	void *(*open)(void *ctx, bool client, const struct sockaddr *peer, socklen_t peer_len,
		      pmark_xf_send_fn send, void *send_arg);
	/* One cleartext SCTP packet into one datagram; *record_id: the id of its
	 * (first) DTLS record.  Returns the datagram's length or a negative errno
	 * (-EAGAIN: handshake not done, -EMSGSIZE: out too small). */
	ssize_t (*protect)(void *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			   uint64_t *record_id);
	/* A datagram from the peer.  > 0: length of the cleartext SCTP packet in
	 * out; 0: nothing for SCTP (handshake, alert); -EBADMSG: failed
	 * authentication or did not parse (dropped); -EALREADY: a replay
	 * (dropped); other negative errno: fatal (see state()). */
	ssize_t (*unprotect)(void *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap);
	/* Runs the handshake's retransmission timer; returns enum pmark_xf_state
	 * and in *timeout_ms when to call again (-1: no timer). */
	int (*poll)(void *st, int *timeout_ms);
	/* Why the state is PMARK_XF_FAILED: a sentence, never NULL. */
	const char *(*error)(void *st);
	/* The peer's identity once open ("sha-256 AB:CD:..."), for logs; may be NULL. */
	int (*peer_id)(void *st, char *buf, size_t len);
	void (*close)(void *st);
};

/* ---- DTLS 1.2 over OpenSSL ---- */

struct pmark_dtls_config {
	const char *cert_file;        /* PEM certificate; NULL: a fresh self-signed ECDSA P-256 one */
	const char *key_file;         /* PEM private key; NULL: in cert_file */
	/* The peer's certificate fingerprint, as in SDP a=fingerprint:
	 * "sha-256 AB:CD:..." (or the hex alone).  NULL: any certificate is
	 * accepted (the handshake still needs one); set it, as WebRTC does. */
	const char *peer_fingerprint;
	const char *keylog_file;      /* NSS key log (appended) so Wireshark can decrypt; NULL: none */
	int handshake_timeout_ms;     /* 0: 10000 */
};

struct pmark_dtls;                 /* certificate, key, settings: shared by associations */

struct pmark_dtls *pmark_dtls_new(const struct pmark_dtls_config *cfg);
void pmark_dtls_free(struct pmark_dtls *d);
/* Our certificate's fingerprint, "sha-256 AB:CD:...".  Returns its length or -ENOSPC. */
int pmark_dtls_fingerprint(const struct pmark_dtls *d, char *buf, size_t len);
/* The transform; ctx = a struct pmark_dtls. */
extern const struct pmark_transform_ops pmark_dtls_ops;

/*
 * Cleartext pairing.  Each cleartext packet the sink gets is tied to its
 * protected datagram by order (emitted just before the datagram is sent) and
 * by identity:
 *
 *  - UDP mirror: one datagram per packet, a struct pmark_clear_hdr (network
 *    byte order) then the cleartext SCTP packet.
 *  - pcap (LINKTYPE_RAW): the IP and UDP headers the protected datagram is
 *    sent with (addresses, ports, TTL / hop limit, TOS / traffic class, DF,
 *    IPv4 ID when stamped), then the cleartext SCTP packet; the IP header
 *    carries one experimental option (RFC 4727: IPv4 option 30, IPv6
 *    destination option 0x1e) holding PMARK_CLEAR_OPT_LEN bytes: the record
 *    id (8 bytes, epoch << 48 | sequence).  The option is the only thing the
 *    protected datagram does not have.
 */
#define PMARK_CLEAR_MAGIC "PMCT"
#define PMARK_CLEAR_VERSION 1
#define PMARK_CLEAR_IP_OPT 30      /* IPv4 option type */
#define PMARK_CLEAR_IP6_OPT 0x1e   /* IPv6 destination option type */
#define PMARK_CLEAR_OPT_LEN 8
struct pmark_clear_hdr {           /* 64 bytes, no padding */
	char magic[4];                 /* PMARK_CLEAR_MAGIC */
	uint8_t version;               /* PMARK_CLEAR_VERSION */
	uint8_t family;                /* 4 or 6 */
	uint8_t flags;                 /* PMARK_F_* the record applies to the protected datagram */
	uint8_t ttl;
	uint8_t tos, tos_mask;
	uint16_t ip_id;                /* IPv4 ID stamped on it, 0: none */
	uint16_t sport, dport;         /* its UDP ports */
	uint64_t record_id;            /* its DTLS epoch << 48 | sequence */
	uint16_t wire_len;             /* its UDP payload length */
	uint16_t reserved[3];
	uint8_t saddr[16], daddr[16];  /* its addresses (IPv4 in the first 4 bytes; saddr 0 if unknown) */
};

#ifdef __cplusplus
}
#endif
#endif /* PMARK_DTLS_H */
