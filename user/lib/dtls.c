// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The built-in transform: DTLS 1.2 over OpenSSL 3.0, one SSL per
 * association, as WebRTC carries SCTP (RFC 8261).
 *
 * The SSL sits on the BIO of dtls_bio.c, so the transform owns no socket:
 * protect() turns one SCTP packet into exactly one application-data record
 * (one SSL_write) in the caller's buffer and names it by the record id the
 * tc program will read from its header; unprotect() feeds a datagram to
 * OpenSSL one record at a time, which lets it say, record by record, what
 * happened: OpenSSL silently drops what fails authentication, so an
 * application-data record that yields nothing is -EBADMSG, and our own
 * sliding window (RFC 6347 4.1.2.6), consulted first and advanced only by
 * records that decrypted, tells a replay (-EALREADY) from a forgery.
 *
 * Authentication is the peer certificate's fingerprint (as SDP a=fingerprint
 * carries it), not a CA: any certificate, self-signed included, is accepted
 * if its fingerprint is the expected one.
 *
 * No cookie exchange (HelloVerifyRequest): the endpoint keeps a state per
 * remote address anyway, so a cookie would spare one flight, not the state,
 * and cost every association a round trip (see pmark_dtls(3)).  A server
 * that has answered nothing yet takes nothing but a whole ClientHello and
 * is not ended by a datagram it cannot answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "dtls_int.h"

/* Record header 13 + explicit nonce 8 + tag 16 (AES-GCM); ChaCha20-Poly1305 adds 13 + 16. */
#define PM_DTLS_OVERHEAD 37

/* ECDHE key exchange and AEAD ciphers only, ECDSA (WebRTC's certificate) first. */
static const char cipher_list[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:"
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-RSA-CHACHA20-POLY1305";

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define MAX_RECORDS 64

struct rec {
	const uint8_t *p;     /* header */
	size_t len;           /* header + body */
	uint8_t type;
	uint16_t epoch;
	uint64_t seq;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_err(struct pm_dtls_xf *xf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct pm_dtls_xf *xf, const char *fmt, ...)
{
	va_list ap;

	if (xf->err[0])
		return;   /* the first reason is the one that counts */
	va_start(ap, fmt);
	vsnprintf(xf->err, sizeof(xf->err), fmt, ap);
	va_end(ap);
}

/* ---- shared configuration ---- */

static void dtls_put(struct pmark_dtls *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	SSL_CTX_free(d->ctx);
	if (d->keylog_fd >= 0)
		close(d->keylog_fd);
	pthread_mutex_destroy(&d->keylog_lock);
	free(d);
}

/* NSS key log: one line per secret, e.g. "CLIENT_RANDOM <random> <master secret>". */
static void keylog_cb(const SSL *ssl, const char *line)
{
	struct pmark_dtls *d = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = strlen(line) },
		{ .iov_base = "\n", .iov_len = 1 },
	};

	if (!d || d->keylog_fd < 0)
		return;
	/* One writev per line on an O_APPEND file: lines of several processes
	 * sharing the file do not interleave; the mutex orders our threads. */
	pthread_mutex_lock(&d->keylog_lock);
	if (writev(d->keylog_fd, iov, 2) < 0) {
		/* nothing to do: the key log is a debugging aid */
	}
	pthread_mutex_unlock(&d->keylog_lock);
}

/*
 * Replaces X509 chain verification: the certificate is self-signed as a
 * rule, and what authenticates the peer is its fingerprint.
 */
static int verify_cb(X509_STORE_CTX *sctx, void *arg)
{
	struct pmark_dtls *d = arg;
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct pm_dtls_xf *xf = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *peer = X509_STORE_CTX_get0_cert(sctx);
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char seen[PM_DTLS_FP_MAX], want[PM_DTLS_FP_MAX];
	size_t pos;

	if (!peer || !xf) {
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	pm_dtls_fp_format(peer, EVP_sha256(), "sha-256", xf->peer_fp, sizeof(xf->peer_fp));
	if (!d->peer_md)
		return 1;
	if (X509_digest(peer, d->peer_md, dg, &n) && n == d->peer_fp_len &&
	    !CRYPTO_memcmp(dg, d->peer_fp, n))
		return 1;
	xf->fp_mismatch = true;
	pm_dtls_fp_format(peer, d->peer_md, d->peer_md_name, seen, sizeof(seen));
	pos = (size_t)snprintf(want, sizeof(want), "%s ", d->peer_md_name);
	for (unsigned int i = 0; i < d->peer_fp_len && pos < sizeof(want); i++)
		pos += (size_t)snprintf(want + pos, sizeof(want) - pos, i ? ":%02X" : "%02X", d->peer_fp[i]);
	set_err(xf, "DTLS handshake failed: the peer's certificate fingerprint does not match: "
		"expected %s, the peer presented %s", want, seen);
	X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct pm_dtls_xf *xf = SSL_get_app_data(ssl);

	if (!xf || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ) {
		xf->alerts_read++;
		if ((ret >> 8) == SSL3_AL_FATAL && !xf->alert_read)
			xf->alert_read = ret;
	} else if ((ret >> 8) == SSL3_AL_FATAL && !xf->alert_sent) {
		xf->alert_sent = ret;
	}
}

struct pmark_dtls *pmark_dtls_new(const struct pmark_dtls_config *cfg)
{
	static const struct pmark_dtls_config defaults;
	struct pmark_dtls *d;
	int err = -ENOMEM;

	if (!cfg)
		cfg = &defaults;
	if (cfg->handshake_timeout_ms < 0 || (!cfg->cert_file && cfg->key_file)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->refs = 1;
	d->keylog_fd = -1;
	pthread_mutex_init(&d->keylog_lock, NULL);
	d->handshake_timeout_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms
							    : PM_DTLS_TIMEOUT_DEFAULT_MS;
	if (cfg->peer_fingerprint) {
		err = pm_dtls_fp_parse(cfg->peer_fingerprint, &d->peer_md, d->peer_md_name,
				       sizeof(d->peer_md_name), d->peer_fp, &d->peer_fp_len);
		if (err)
			goto fail;
	}
	err = -ENOMEM;
	d->ctx = SSL_CTX_new(DTLS_method());
	if (!d->ctx)
		goto fail;
	err = -EINVAL;
	if (!SSL_CTX_set_min_proto_version(d->ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(d->ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(d->ctx, cipher_list) ||
	    !SSL_CTX_set1_groups_list(d->ctx, "X25519:P-256:P-384"))
		goto fail;
	/* Handshake flights at our MTU (no querying a socket we do not have),
	 * one handshake per association, nothing resumed. */
	SSL_CTX_set_options(d->ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
			    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(d->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_cert_verify_callback(d->ctx, verify_cb, d);
	SSL_CTX_set_info_callback(d->ctx, info_cb);
	SSL_CTX_set_app_data(d->ctx, d);
	err = pm_dtls_cert_setup(d, cfg->cert_file, cfg->key_file);
	if (err)
		goto fail;
	if (cfg->keylog_file) {
		d->keylog_fd = open(cfg->keylog_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (d->keylog_fd < 0) {
			err = -errno;
			goto fail;
		}
		SSL_CTX_set_keylog_callback(d->ctx, keylog_cb);
	}
	ERR_clear_error();
	return d;
fail:
	ERR_clear_error();
	dtls_put(d);
	errno = -err;
	return NULL;
}

void pmark_dtls_free(struct pmark_dtls *d)
{
	if (d)
		dtls_put(d);
}

int pmark_dtls_fingerprint(const struct pmark_dtls *d, char *buf, size_t len)
{
	size_t n;

	if (!d)
		return -EINVAL;
	n = strlen(d->fingerprint);
	if (!buf || len < n + 1)
		return -ENOSPC;
	memcpy(buf, d->fingerprint, n + 1);
	return (int)n;
}

/* ---- records ---- */

/* Splits a datagram into DTLS records; stops at the first that does not parse. */
static int parse_records(const uint8_t *in, size_t len, struct rec *r, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < len && n < max) {
		const uint8_t *h = in + off;
		size_t body;

		if (len - off < PM_DTLS_HDR_LEN)
			break;
		if (h[0] < CT_CCS || h[0] > CT_APPDATA || h[1] != 0xfe || (h[2] != 0xfd && h[2] != 0xff))
			break;
		body = (size_t)h[11] << 8 | h[12];
		if (body > len - off - PM_DTLS_HDR_LEN || body > PM_DTLS_MAX_BODY)
			break;
		r[n].p = h;
		r[n].len = PM_DTLS_HDR_LEN + body;
		r[n].type = h[0];
		r[n].epoch = (uint16_t)(h[3] << 8 | h[4]);
		r[n].seq = 0;
		for (int i = 5; i < 11; i++)
			r[n].seq = r[n].seq << 8 | h[i];
		n++;
		off += PM_DTLS_HDR_LEN + body;
	}
	return n;
}

static struct pm_dtls_replay *win_find(struct pm_dtls_xf *xf, uint16_t epoch)
{
	for (int i = 0; i < 2; i++)
		if (xf->win[i].used && xf->win[i].epoch == epoch)
			return &xf->win[i];
	return NULL;
}

/* A replay, or older than the window (which RFC 6347 treats alike). */
static bool replay_seen(struct pm_dtls_xf *xf, uint16_t epoch, uint64_t seq)
{
	struct pm_dtls_replay *w = win_find(xf, epoch);
	uint64_t d;

	if (!w || seq > w->top)
		return false;
	d = w->top - seq;
	return d >= PM_DTLS_REPLAY_WINDOW || (w->bits >> d & 1);
}

static void replay_mark(struct pm_dtls_xf *xf, uint16_t epoch, uint64_t seq)
{
	struct pm_dtls_replay *w = win_find(xf, epoch);
	uint64_t d;

	if (!w) {
		/* A new epoch: it takes the place of the older window. */
		w = !xf->win[0].used ? &xf->win[0] : !xf->win[1].used ? &xf->win[1]
		    : xf->win[0].epoch < xf->win[1].epoch ? &xf->win[0] : &xf->win[1];
		w->used = true;
		w->epoch = epoch;
		w->top = seq;
		w->bits = 1;
		return;
	}
	if (seq > w->top) {
		d = seq - w->top;
		w->bits = d >= PM_DTLS_REPLAY_WINDOW ? 0 : w->bits << d;
		w->bits |= 1;
		w->top = seq;
	} else {
		d = w->top - seq;
		if (d < PM_DTLS_REPLAY_WINDOW)
			w->bits |= 1ULL << d;
	}
}

/* ---- an association ---- */

/* Moves to FAILED and keeps a sentence saying why (OpenSSL's error queue as a last resort). */
static void xf_fail(struct pm_dtls_xf *xf, int ssl_err)
{
	const char *phase = xf->state == PMARK_XF_HANDSHAKE ? "handshake" : "association";
	char q[480] = "", one[256];
	size_t pos = 0;
	bool no_cert = false;
	unsigned long e;

	if (xf->state == PMARK_XF_FAILED)
		return;
	while ((e = ERR_get_error())) {
		if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			no_cert = true;
		ERR_error_string_n(e, one, sizeof(one));
		if (pos < sizeof(q))
			pos += (size_t)snprintf(q + pos, sizeof(q) - pos, "%s%s", pos ? "; " : "", one);
	}
	if (xf->alert_read)
		set_err(xf, "DTLS %s failed: the peer sent a fatal alert: %s", phase,
			SSL_alert_desc_string_long(xf->alert_read));
	if (no_cert)
		set_err(xf, "DTLS handshake failed: the peer sent no certificate (one is required: "
			"its fingerprint authenticates the peer)");
	if (q[0])
		set_err(xf, "DTLS %s failed: %s%s%s", phase, q, xf->alert_sent ? "; alert sent: " : "",
			xf->alert_sent ? SSL_alert_desc_string_long(xf->alert_sent) : "");
	if (ssl_err == SSL_ERROR_SYSCALL)
		set_err(xf, "DTLS %s failed: the transform's datagram I/O failed", phase);
	set_err(xf, "DTLS %s failed (OpenSSL error %d)", phase, ssl_err);
	xf->state = PMARK_XF_FAILED;
}

static void xf_timeout(struct pm_dtls_xf *xf)
{
	if (xf->refused[0] && !xf->answered)
		set_err(xf, "DTLS handshake timed out after %d ms (no ClientHello that could be "
			"answered; the last datagram refused: %s)", xf->d->handshake_timeout_ms,
			xf->refused);
	else if (xf->rx_records)
		set_err(xf, "DTLS handshake timed out after %d ms (the peer answered, but the "
			"handshake did not complete)", xf->d->handshake_timeout_ms);
	else
		set_err(xf, "DTLS handshake timed out after %d ms (no answer from the peer)",
			xf->d->handshake_timeout_ms);
	xf->state = PMARK_XF_FAILED;
}

static bool handshake_expired(struct pm_dtls_xf *xf, uint64_t now)
{
	return now - xf->start_ms >= (uint64_t)xf->d->handshake_timeout_ms;
}

static void drive(struct pm_dtls_xf *xf)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(xf->ssl);
	if (r == 1) {
		xf->state = PMARK_XF_OPEN;
		return;
	}
	e = SSL_get_error(xf->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	if (e == SSL_ERROR_ZERO_RETURN)
		set_err(xf, "DTLS handshake failed: the peer closed (close_notify) before it completed");
	xf_fail(xf, e);
}

static void feed(struct pm_dtls_xf *xf, const struct rec *r)
{
	xf->io.in = r->p;
	xf->io.in_len = r->len;
	xf->io.in_ready = true;
	xf->rx_records++;
}

/*
 * SSL_read of what was fed: > 0 cleartext bytes, 0 nothing (dropped or not
 * application data), -EMSGSIZE (larger than cap), -EPROTO (the state moved
 * to FAILED or CLOSED).  bound: an upper bound of the cleartext's size.
 */
static ssize_t read_one(struct pm_dtls_xf *xf, uint8_t *out, size_t cap, size_t bound)
{
	uint8_t *dst = out;
	int n, e;

	if (cap < bound) {
		if (!xf->scratch && !(xf->scratch = malloc(PM_DTLS_MAX_RECORD)))
			return -ENOMEM;
		dst = xf->scratch;
	}
	ERR_clear_error();
	n = SSL_read(xf->ssl, dst, dst == out ? (int)(cap > PM_DTLS_MAX_RECORD ? PM_DTLS_MAX_RECORD : cap)
						: PM_DTLS_MAX_RECORD);
	xf->io.in_ready = false;
	if (n > 0) {
		if (dst == out)
			return n;
		if ((size_t)n > cap)
			return -EMSGSIZE;
		memcpy(out, dst, (size_t)n);
		return n;
	}
	e = SSL_get_error(xf->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN) {
		ERR_clear_error();
		xf->state = PMARK_XF_CLOSED;
		return -EPROTO;
	}
	xf_fail(xf, e);
	return -EPROTO;
}

/*
 * An encrypted record too short for the cipher's explicit nonce and tag.
 * OpenSSL 3.0 does not drop such a record: it fails the read without a
 * reason and the SSL reads nothing ever after.  So it never gets there.
 */
static bool too_short(struct pm_dtls_xf *xf, const struct rec *r)
{
	const SSL_CIPHER *c;
	size_t min = 16;   /* ChaCha20-Poly1305: tag only */

	if (r->epoch == 0)
		return false;
	c = SSL_get_current_cipher(xf->ssl);
	if (!c)
		c = SSL_get_pending_cipher(xf->ssl);
	if (c && SSL_CIPHER_get_cipher_nid(c) != NID_chacha20_poly1305)
		min = 8 + 16;   /* AES-GCM: explicit nonce and tag */
	return r->len - PM_DTLS_HDR_LEN < min;
}

/*
 * What a server without a client yet lets reach OpenSSL: one record holding
 * one whole ClientHello, message_seq 0 (we send no HelloVerifyRequest).
 * Anything else there (a fragment above all: OpenSSL would keep it and later
 * fail the real ClientHello against it) is dropped unread.
 */
static bool plausible_hello(const struct rec *r)
{
	const uint8_t *b = r->p + PM_DTLS_HDR_LEN;
	size_t body = r->len - PM_DTLS_HDR_LEN;
	uint32_t len, off, flen;

	if (r->type != CT_HANDSHAKE || r->epoch != 0 || body < 12 + 38 || b[0] != 1 /* client_hello */)
		return false;
	len = (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	off = (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8];
	flen = (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	return b[4] == 0 && b[5] == 0 && off == 0 && flen == len && len == body - 12;
}

/* The association's SSL on its BIO, in the client or server role. */
static int make_ssl(struct pm_dtls_xf *xf)
{
	SSL *ssl = SSL_new(xf->d->ctx);
	BIO *bio = pm_dtls_bio_new(&xf->io);

	if (!ssl || !bio) {
		BIO_free(bio);
		SSL_free(ssl);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_bio(ssl, bio, bio);   /* the SSL owns the BIO now */
	SSL_set_app_data(ssl, xf);
	DTLS_set_link_mtu(ssl, PM_DTLS_MTU);
	if (xf->client)
		SSL_set_connect_state(ssl);
	else
		SSL_set_accept_state(ssl);
	xf->ssl = ssl;
	xf->bio = bio;
	return 0;
}

/*
 * A server that has answered nothing yet, failed by a datagram: nothing in
 * epoch 0 is authenticated, so that was no ClientHello we could answer
 * (garbage, a forgery in the peer's name, or a client we cannot talk to).
 * The alert OpenSSL made is not sent (RFC 6347 4.1.2.7: invalid records are
 * discarded silently; an alert to the address would end a real client's
 * handshake), a fresh SSL waits for the next ClientHello, and the reason is
 * kept for the timeout message.
 */
static void restart_server(struct pm_dtls_xf *xf)
{
	SSL *old = xf->ssl;

	if (make_ssl(xf))
		return;   /* stays FAILED */
	SSL_free(old);
	ERR_clear_error();
	{
		/* OpenSSL's reason alone: the alert it made was not sent */
		static const char prefix[] = "DTLS handshake failed: ";
		const char *why = xf->err;
		char *cut;

		if (!strncmp(why, prefix, sizeof(prefix) - 1))
			why += sizeof(prefix) - 1;
		snprintf(xf->refused, sizeof(xf->refused), "%s", why);
		cut = strstr(xf->refused, "; alert sent: ");
		if (cut)
			*cut = 0;
	}
	xf->err[0] = 0;
	xf->alert_read = xf->alert_sent = 0;
	xf->peer_fp[0] = 0;
	xf->state = PMARK_XF_HANDSHAKE;
}

static void *xf_open(void *ctx, bool client, const struct sockaddr *peer, socklen_t peer_len,
		     pmark_xf_send_fn send, void *send_arg)
{
	struct pmark_dtls *d = ctx;
	struct pm_dtls_xf *xf;

	(void)peer, (void)peer_len;
	if (!d || !send) {
		errno = EINVAL;
		return NULL;
	}
	xf = calloc(1, sizeof(*xf));
	if (!xf)
		return NULL;
	xf->d = d;
	xf->client = client;
	xf->io.send = send;
	xf->io.send_arg = send_arg;
	xf->io.mtu = PM_DTLS_MTU;
	xf->state = PMARK_XF_HANDSHAKE;
	if (make_ssl(xf)) {
		free(xf);
		errno = ENOMEM;
		return NULL;
	}
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
	xf->start_ms = now_ms();
	if (client) {
		drive(xf);   /* the ClientHello leaves now, through send */
		pm_dtls_bio_flush(&xf->io);
	}
	ERR_clear_error();
	return xf;
}

static ssize_t xf_protect(void *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			  uint64_t *record_id)
{
	struct pm_dtls_xf *xf = st;
	const uint8_t *h = out;
	uint64_t seq = 0;
	int n, e;

	if (!xf || !in || !len || !out)
		return -EINVAL;
	if (xf->state == PMARK_XF_HANDSHAKE)
		return -EAGAIN;
	if (xf->state != PMARK_XF_OPEN)
		return -EPIPE;
	if (len > 16384 || cap < PM_DTLS_OVERHEAD || len > cap - PM_DTLS_OVERHEAD)
		return -EMSGSIZE;
	pm_dtls_bio_flush(&xf->io);
	xf->io.capture = true;
	xf->io.cap_buf = out;
	xf->io.cap_size = cap;
	xf->io.cap_len = 0;
	xf->io.cap_overflow = false;
	ERR_clear_error();
	n = SSL_write(xf->ssl, in, (int)len);
	xf->io.capture = false;
	xf->io.cap_buf = NULL;
	if (n != (int)len) {
		/* A write the BIO refused is dropped by DTLS, the SSL goes on. */
		if (xf->io.cap_overflow) {
			ERR_clear_error();
			return -EMSGSIZE;
		}
		e = SSL_get_error(xf->ssl, n);
		xf_fail(xf, e);
		pm_dtls_bio_flush(&xf->io);
		ERR_clear_error();
		return -EPROTO;
	}
	ERR_clear_error();
	if (xf->io.cap_len < PM_DTLS_HDR_LEN)
		return -EPROTO;
	for (int i = 5; i < 11; i++)
		seq = seq << 8 | h[i];
	if (record_id)
		*record_id = (uint64_t)(h[3] << 8 | h[4]) << 48 | seq;
	return (ssize_t)xf->io.cap_len;
}

/* Application data OpenSSL kept back during the handshake (it arrived
 * before the Finished): the first record of it for the caller, the rest dropped. */
static ssize_t drain(struct pm_dtls_xf *xf, uint8_t *out, size_t cap)
{
	ssize_t got = 0, n;

	while ((n = read_one(xf, out, cap, PM_DTLS_MAX_RECORD)) != 0) {
		if (n == -EPROTO || n == -ENOMEM)
			return n == -EPROTO ? 0 : n;
		if (n > 0 && !got) {
			got = n;
			/* later ones must not overwrite it */
			if (!xf->scratch && !(xf->scratch = malloc(PM_DTLS_MAX_RECORD)))
				break;
			out = xf->scratch;
			cap = PM_DTLS_MAX_RECORD;
		}
	}
	return got;
}

static ssize_t xf_unprotect(void *st, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	struct pm_dtls_xf *xf = st;
	struct rec r[MAX_RECORDS];
	ssize_t ret = 0, n;
	bool replay = false, bad = false;
	int nrec;

	if (!xf || !in || (!out && cap))
		return -EINVAL;
	if (xf->state == PMARK_XF_FAILED || xf->state == PMARK_XF_CLOSED)
		return -EPIPE;
	if (xf->state == PMARK_XF_HANDSHAKE && handshake_expired(xf, now_ms())) {
		xf_timeout(xf);
		return -ETIMEDOUT;
	}
	nrec = parse_records(in, len, r, MAX_RECORDS);
	if (!nrec)
		return -EBADMSG;
	for (int i = 0; i < nrec; i++) {
		if (xf->state == PMARK_XF_HANDSHAKE) {
			/* Application data is never in epoch 0: fed, it would end the handshake. */
			if ((r[i].type == CT_APPDATA && r[i].epoch == 0) || too_short(xf, &r[i])) {
				bad = true;
				continue;
			}
			if (!xf->client && !xf->answered) {
				/* A server that answered nothing yet takes nothing but a
				 * whole ClientHello, and what it sends waits until the
				 * record proves one it can answer. */
				if (!plausible_hello(&r[i])) {
					bad = true;
					continue;
				}
				pm_dtls_bio_flush(&xf->io);
				xf->io.hold = true;
				feed(xf, &r[i]);
				drive(xf);
				xf->io.in_ready = false;
				pm_dtls_bio_flush(&xf->io);
				if (xf->state == PMARK_XF_FAILED) {
					pm_dtls_bio_release(&xf->io, false);
					restart_server(xf);
					if (xf->state == PMARK_XF_HANDSHAKE) {
						bad = true;
						continue;
					}
				} else {
					if (xf->io.nheld)
						xf->answered = true;
					pm_dtls_bio_release(&xf->io, true);
				}
			} else {
				feed(xf, &r[i]);
				drive(xf);
				xf->io.in_ready = false;
			}
			if (xf->state == PMARK_XF_OPEN) {
				n = drain(xf, out, cap);
				if (n > 0 && !ret)
					ret = n;
			}
			continue;
		}
		if (xf->state != PMARK_XF_OPEN)
			break;
		if (r[i].epoch == 0) {
			/* The peer's retransmitted last flight, or stale: OpenSSL drops
			 * epoch 0 now.  Application data there is a forgery. */
			if (r[i].type == CT_APPDATA)
				bad = true;
			continue;
		}
		if (too_short(xf, &r[i])) {
			bad = true;
			continue;
		}
		if (r[i].type == CT_APPDATA) {
			if (ret > 0)
				continue;   /* one SCTP packet per call: further records are dropped */
			if (replay_seen(xf, r[i].epoch, r[i].seq)) {
				replay = true;
				continue;
			}
			feed(xf, &r[i]);
			n = read_one(xf, out, cap, r[i].len - PM_DTLS_HDR_LEN);
			if (n > 0 || n == -EMSGSIZE)
				replay_mark(xf, r[i].epoch, r[i].seq);
			if (n > 0)
				ret = n;
			else if (n == 0)
				bad = true;
			else if (n != -EPROTO)
				ret = ret ? ret : n;
		} else {
			/* A retransmitted Finished (we answer), an alert, or a forgery (dropped). */
			uint64_t sent = xf->io.sent + (xf->io.pend_len ? 1 : 0);
			unsigned int alerts = xf->alerts_read;

			feed(xf, &r[i]);
			n = read_one(xf, out, cap, PM_DTLS_MAX_RECORD);
			if (n > 0 && !ret)
				ret = n;
			else if (n == 0 && xf->alerts_read == alerts &&
				 xf->io.sent + (xf->io.pend_len ? 1 : 0) == sent)
				bad = true;
		}
	}
	xf->io.in_ready = false;
	pm_dtls_bio_flush(&xf->io);
	ERR_clear_error();
	if (ret > 0)
		return ret;
	if (xf->state == PMARK_XF_FAILED)
		return -EPROTO;
	if (xf->state == PMARK_XF_CLOSED)
		return 0;
	if (ret < 0)
		return ret;
	if (replay)
		return -EALREADY;
	if (bad)
		return -EBADMSG;
	return 0;
}

static int xf_poll(void *st, int *timeout_ms)
{
	struct pm_dtls_xf *xf = st;
	int tmo = -1;

	if (!xf)
		return -EINVAL;
	if (xf->state == PMARK_XF_HANDSHAKE) {
		uint64_t now = now_ms();

		if (handshake_expired(xf, now)) {
			xf_timeout(xf);
		} else {
			struct timeval tv;
			int64_t left;

			ERR_clear_error();
			if (DTLSv1_handle_timeout(xf->ssl) < 0)
				xf_fail(xf, SSL_ERROR_SSL);
			pm_dtls_bio_flush(&xf->io);
			left = (int64_t)xf->d->handshake_timeout_ms - (int64_t)(now - xf->start_ms);
			if (DTLSv1_get_timeout(xf->ssl, &tv))
				tmo = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
			if (tmo < 0 || tmo > left)
				tmo = (int)left;
		}
	}
	ERR_clear_error();
	if (timeout_ms)
		*timeout_ms = xf->state == PMARK_XF_HANDSHAKE ? tmo : -1;
	return xf->state;
}

static const char *xf_error(void *st)
{
	struct pm_dtls_xf *xf = st;

	if (!xf)
		return "no DTLS association";
	switch (xf->state) {
	case PMARK_XF_FAILED:
		return xf->err[0] ? xf->err : "DTLS failed";
	case PMARK_XF_CLOSED:
		return "the peer closed the DTLS association (close_notify)";
	case PMARK_XF_HANDSHAKE:
		return "DTLS handshake in progress";
	default:
		return "no error";
	}
}

static int xf_peer_id(void *st, char *buf, size_t len)
{
	struct pm_dtls_xf *xf = st;
	size_t n;

	if (!xf)
		return -EINVAL;
	if (!xf->peer_fp[0])
		return -ENOTCONN;
	n = strlen(xf->peer_fp);
	if (!buf || len < n + 1)
		return -ENOSPC;
	memcpy(buf, xf->peer_fp, n + 1);
	return (int)n;
}

static void xf_close(void *st)
{
	struct pm_dtls_xf *xf = st;
	struct pmark_dtls *d;

	if (!xf)
		return;
	if (xf->state == PMARK_XF_OPEN) {
		/* close_notify, through send: the peer's state goes CLOSED */
		ERR_clear_error();
		SSL_shutdown(xf->ssl);
		pm_dtls_bio_flush(&xf->io);
	}
	pm_dtls_bio_release(&xf->io, false);
	d = xf->d;
	SSL_free(xf->ssl);
	ERR_clear_error();
	free(xf->scratch);
	free(xf);
	dtls_put(d);
}

const struct pmark_transform_ops pmark_dtls_ops = {
	.name = "dtls1.2-openssl",
	.overhead = PM_DTLS_OVERHEAD,
	.open = xf_open,
	.protect = xf_protect,
	.unprotect = xf_unprotect,
	.poll = xf_poll,
	.error = xf_error,
	.peer_id = xf_peer_id,
	.close = xf_close,
};
