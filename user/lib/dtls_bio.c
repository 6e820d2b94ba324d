// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BIO below each association's SSL.  OpenSSL 3.0 has no datagram pair
 * BIO, and the transform owns no socket: it is handed one datagram at a
 * time and gives back what to send.  So:
 *
 *  - read serves the one record unprotect is feeding, once, then says
 *    "retry" (WANT_READ): DTLS reads whole datagrams, and a record is one.
 *  - write, inside protect, copies the record into the caller's buffer
 *    (capture); anywhere else (handshake flights, retransmissions, alerts)
 *    it queues the record, and the queue leaves as one datagram through the
 *    send callback when OpenSSL flushes, when the next record would not fit
 *    in the MTU, or when the transform call ends.  OpenSSL sizes handshake
 *    fragments by the MTU less what is pending (BIO_CTRL_WPENDING), so a
 *    flight packs several records per datagram, never more than the MTU.
 *  - ctrl answers what DTLS asks of a datagram BIO: MTU queries, the
 *    retransmission timer, flush, pending byte counts.
 *
 * The BIO_METHOD is built once (pthread_once) and never changes after.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include "dtls_int.h"

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

/* A refused datagram is a lost one: the handshake timer retransmits. */
static void out(struct pm_dtls_io *io, const uint8_t *b, size_t len)
{
	if (io->hold) {
		uint8_t **h = realloc(io->held, (io->nheld + 1) * sizeof(*h));
		size_t *hl = h ? realloc(io->held_len, (io->nheld + 1) * sizeof(*hl)) : NULL;
		uint8_t *copy = hl ? malloc(len) : NULL;

		if (h)
			io->held = h;
		if (hl)
			io->held_len = hl;
		if (!copy) {
			io->send_errors++;   /* lost */
			return;
		}
		memcpy(copy, b, len);
		io->held[io->nheld] = copy;
		io->held_len[io->nheld++] = len;
		return;
	}
	io->sent++;
	if (io->send(io->send_arg, b, len) < 0)
		io->send_errors++;
}

void pm_dtls_bio_flush(struct pm_dtls_io *io)
{
	if (!io->pend_len)
		return;
	out(io, io->pend, io->pend_len);
	io->pend_len = 0;
}

void pm_dtls_bio_release(struct pm_dtls_io *io, bool send)
{
	pm_dtls_bio_flush(io);
	io->hold = false;
	for (size_t i = 0; i < io->nheld; i++) {
		if (send)
			out(io, io->held[i], io->held_len[i]);
		free(io->held[i]);
	}
	free(io->held);
	free(io->held_len);
	io->held = NULL;
	io->held_len = NULL;
	io->nheld = 0;
}

static int bio_write(BIO *b, const char *data, int len)
{
	struct pm_dtls_io *io = BIO_get_data(b);
	size_t n = len > 0 ? (size_t)len : 0;

	BIO_clear_retry_flags(b);
	if (!io || len < 0)
		return -1;
	if (io->capture) {
		if (n > io->cap_size - io->cap_len) {
			io->cap_overflow = true;
			return -1;
		}
		memcpy(io->cap_buf + io->cap_len, data, n);
		io->cap_len += n;
		return len;
	}
	if (io->pend_len && io->pend_len + n > sizeof(io->pend))
		pm_dtls_bio_flush(io);
	if (n > sizeof(io->pend)) {
		/* Larger than any flight datagram OpenSSL makes at our MTU: alone. */
		out(io, (const uint8_t *)data, n);
		return len;
	}
	memcpy(io->pend + io->pend_len, data, n);
	io->pend_len += n;
	return len;
}

static int bio_read(BIO *b, char *buf, int size)
{
	struct pm_dtls_io *io = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (!io || !io->in_ready || size <= 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	/* A datagram larger than the reader's buffer is cut, as recv() would. */
	n = io->in_len < (size_t)size ? io->in_len : (size_t)size;
	memcpy(buf, io->in, n);
	io->in_ready = false;
	return (int)n;
}

static int bio_puts(BIO *b, const char *s)
{
	return bio_write(b, s, (int)strlen(s));
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct pm_dtls_io *io = BIO_get_data(b);

	(void)ptr;
	if (!io)
		return 0;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		if (!io->capture)
			pm_dtls_bio_flush(io);
		return 1;
	case BIO_CTRL_WPENDING:
		return io->capture ? 0 : (long)io->pend_len;
	case BIO_CTRL_PENDING:
		return io->in_ready ? (long)io->in_len : 0;
	case BIO_CTRL_EOF:
		return 0;
	case BIO_CTRL_RESET:
		io->pend_len = 0;
		io->in_ready = false;
		return 1;
	case BIO_CTRL_DUP:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
	case BIO_CTRL_DGRAM_GET_MTU:
		return (long)io->mtu;
	case BIO_CTRL_DGRAM_SET_MTU:
		if (num >= 256 && (size_t)num <= sizeof(io->pend))
			io->mtu = (size_t)num;
		return (long)io->mtu;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
		/* The MTU we answer is already the UDP payload's. */
		return 0;
	case BIO_CTRL_DGRAM_MTU_EXCEEDED:
		return 0;
	case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
		/* The transform runs the timer itself (poll). */
		return 1;
	case BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP:
	case BIO_CTRL_DGRAM_GET_SEND_TIMER_EXP:
		return 0;
	case BIO_CTRL_DGRAM_SET_CONNECTED:
	case BIO_CTRL_DGRAM_CONNECT:
		return 1;
	default:
		return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	BIO_set_data(b, NULL);
	return 1;
}

static int bio_destroy(BIO *b)
{
	if (!b)
		return 0;
	BIO_set_data(b, NULL);
	return 1;
}

static void bio_method_init(void)
{
	int type = BIO_get_new_index();
	BIO_METHOD *m;

	if (type < 0)
		type = BIO_TYPE_SOURCE_SINK;
	m = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK, "pmark dtls datagram");
	if (!m)
		return;
	if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_puts(m, bio_puts) || !BIO_meth_set_ctrl(m, bio_ctrl) ||
	    !BIO_meth_set_create(m, bio_create) || !BIO_meth_set_destroy(m, bio_destroy)) {
		BIO_meth_free(m);
		return;
	}
	bio_method = m;
}

BIO *pm_dtls_bio_new(struct pm_dtls_io *io)
{
	BIO *b;

	if (pthread_once(&bio_once, bio_method_init) || !bio_method) {
		errno = ENOMEM;
		return NULL;
	}
	b = BIO_new(bio_method);
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	BIO_set_data(b, io);
	return b;
}
