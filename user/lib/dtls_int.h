/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The DTLS 1.2 transform's internals (dtls.c, dtls_cert.c, dtls_bio.c).
 *
 * One struct pmark_dtls per configuration: the SSL_CTX (certificate, key,
 * cipher list, callbacks), the expected peer fingerprint, the key log.  It
 * is shared by every association made with it and read-only after
 * pmark_dtls_new, except the key log, which has its own mutex.
 *
 * One struct pm_dtls_xf per association: its SSL and the BIO below it.  The
 * endpoint serialises the calls on one association, so nothing in it is
 * locked.
 */
#ifndef PMARK_DTLS_INT_H
#define PMARK_DTLS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/evp.h>
#include "pmark_dtls.h"

#define PM_DTLS_HDR_LEN 13           /* type, version, epoch, sequence (48 bits), length */
#define PM_DTLS_MTU 1200             /* largest datagram of a handshake flight */
#define PM_DTLS_MAX_RECORD (16384 + 2048) /* plaintext limit + the most expansion TLS allows */
#define PM_DTLS_MAX_BODY (16384 + 256)    /* the longest record body we pass to OpenSSL (AEAD: + 24) */
#define PM_DTLS_FP_MAX 200           /* "sha-512 " + 64 * 3 bytes */
#define PM_DTLS_REPLAY_WINDOW 64
#define PM_DTLS_TIMEOUT_DEFAULT_MS 10000

struct pmark_dtls {
	int refs;                    /* the application's, and one per open association */
	SSL_CTX *ctx;
	X509 *cert;                  /* our certificate (owned by ctx) */
	char fingerprint[PM_DTLS_FP_MAX];
	/* The expected peer fingerprint; peer_md NULL: any certificate. */
	const EVP_MD *peer_md;
	char peer_md_name[16];       /* as SDP names it: "sha-256" */
	unsigned char peer_fp[EVP_MAX_MD_SIZE];
	unsigned int peer_fp_len;
	int handshake_timeout_ms;
	int keylog_fd;               /* -1: none */
	pthread_mutex_t keylog_lock;
};

/* What the BIO below one SSL moves: see dtls_bio.c. */
struct pm_dtls_io {
	pmark_xf_send_fn send;
	void *send_arg;
	/* Read side: the one record being unprotected. */
	const uint8_t *in;
	size_t in_len;
	bool in_ready;
	/* Write side.  capture: protect() collects the record into cap_buf;
	 * otherwise records queue in pend and leave as one datagram on flush. */
	bool capture;
	uint8_t *cap_buf;
	size_t cap_size, cap_len;
	bool cap_overflow;
	uint8_t pend[PM_DTLS_MTU];
	size_t pend_len;
	size_t mtu;
	uint64_t sent, send_errors;  /* datagrams handed to send, of those refused */
	/* hold: flushed datagrams wait in held[] until pm_dtls_bio_release */
	bool hold;
	uint8_t **held;
	size_t *held_len;
	size_t nheld;
};

struct pm_dtls_replay {
	bool used;
	uint16_t epoch;
	uint64_t top;                /* highest sequence number authenticated */
	uint64_t bits;               /* bit i: top - i authenticated */
};

struct pm_dtls_xf {
	struct pmark_dtls *d;
	SSL *ssl;
	BIO *bio;
	struct pm_dtls_io io;
	bool client;
	enum pmark_xf_state state;
	uint64_t start_ms;           /* open(), CLOCK_MONOTONIC */
	struct pm_dtls_replay win[2];
	uint8_t *scratch;            /* SSL_read target when the caller's buffer is short */
	/* Why it failed (the first reason found wins). */
	char err[640];
	bool fp_mismatch;
	int alert_read;              /* (level << 8 | description) of a fatal alert from the peer; 0: none */
	int alert_sent;              /* same, of one we sent */
	unsigned int alerts_read;    /* alerts of any level from the peer */
	uint64_t rx_records;         /* records fed to OpenSSL */
	char peer_fp[PM_DTLS_FP_MAX]; /* the peer certificate's fingerprint, once seen */
	bool answered;               /* server: it sent its first flight (a ClientHello was good) */
	char refused[640];           /* server: why the last datagram before that was refused */
};

/* dtls_bio.c */
BIO *pm_dtls_bio_new(struct pm_dtls_io *io);
/* Hands the queued handshake records to send as one datagram (or, while
 * io->hold, to the held datagrams). */
void pm_dtls_bio_flush(struct pm_dtls_io *io);
/* Ends hold: the held datagrams are sent (send) or dropped. */
void pm_dtls_bio_release(struct pm_dtls_io *io, bool send);

/* dtls_cert.c */
/* Our certificate and key into ctx: from the files, or a fresh self-signed
 * ECDSA P-256 one.  0 or a negative errno. */
int pm_dtls_cert_setup(struct pmark_dtls *d, const char *cert_file, const char *key_file);
/* "sha-256 AB:CD:..." of cert with md (named name) into buf; its length or -ENOSPC. */
int pm_dtls_fp_format(X509 *cert, const EVP_MD *md, const char *name, char *buf, size_t len);
/* Parses "sha-256 AB:CD:..." or the hex alone (sha-256).  0 or -EINVAL. */
int pm_dtls_fp_parse(const char *s, const EVP_MD **md, char *name, size_t name_len,
		     unsigned char *fp, unsigned int *fp_len);

#endif /* PMARK_DTLS_INT_H */
