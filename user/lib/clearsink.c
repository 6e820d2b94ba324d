/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cleartext sink (clearsink.h, pmark_dtls.h "Cleartext pairing").
 *
 * pcap: each cleartext SCTP packet is written as the IP datagram the
 * protected one leaves with (addresses, ports, TTL / hop limit, TOS /
 * traffic class, DF, IPv4 ID), the DTLS record id riding in an experimental
 * IP option, so Wireshark dissects it as plain SCTP over UDP and a reader
 * pairs it with the encrypted capture by record id.  LINKTYPE_RAW: the file
 * carries IPv4 and IPv6 side by side and no invented link layer.
 *
 * Flush policy: stdio buffers the file (64 KiB) and a flusher thread writes
 * it out PM_CLEAR_FLUSH_MS after the first unflushed packet, so an emit
 * never makes a system call of its own (except when the buffer fills) and
 * the file on disk lags the sink by at most that long; an idle sink's
 * thread sleeps without a timer.  Close flushes the rest.  Flushing every
 * packet instead costs a write(2) per packet (see docs/design.md, "The
 * cleartext sink", for the measurement).
 *
 * mirror: a connected UDP socket; one datagram per packet, struct
 * pmark_clear_hdr then the cleartext packet, sent with MSG_DONTWAIT so a
 * slow collector costs packets (counted by the caller), never latency.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include "pmark_abi.h"
#include "pmark_dtls.h"
#include "clearsink.h"
#include "pmark_int.h"

static_assert(sizeof(struct pmark_clear_hdr) == 64, "pmark_clear_hdr is a wire format of 64 bytes");
static_assert(offsetof(struct pmark_clear_hdr, record_id) == 16, "record_id at offset 16");
static_assert(offsetof(struct pmark_clear_hdr, saddr) == 32, "saddr at offset 32");

#define PM_CLEAR_FLUSH_MS 200      /* the pcap on disk lags the sink by at most this */
#define PM_CLEAR_STDIO_BUF (64 * 1024)
#define PM_CLEAR_SNAPLEN 65535

/* IPv4: 20 + option (type, length, 8 bytes of record id) padded with EOL to 12. */
#define V4_OPT_LEN 12
#define V4_HDR_LEN (20 + V4_OPT_LEN)
/* IPv6: 40 + destination options header of 16 bytes (8-byte aligned record id). */
#define V6_DOPT_LEN 16
#define V6_HDR_LEN (40 + V6_DOPT_LEN)
#define UDP_HDR_LEN 8
#define MAX_HDR_LEN (V6_HDR_LEN + UDP_HDR_LEN)
#define IPPROTO_DSTOPTS_ 60
#define LINUX_DEFAULT_TTL 64       /* net.ipv4.ip_default_ttl, net.ipv6.conf.*.hop_limit */

struct pm_clear_sink {
	pthread_mutex_t lock;      /* the pcap dumper, buf, dirty */
	pcap_t *pcap;              /* pcap_open_dead: only the link type and snaplen */
	pcap_dumper_t *dumper;
	uint8_t *buf;              /* one record being assembled (the dumper wants it contiguous) */
	bool dirty;                /* records in stdio's buffer not written out yet */
	bool stop;
	bool flusher_running;
	pthread_cond_t wake;       /* CLOCK_MONOTONIC: dirty, or stop */
	pthread_t flusher;
	int mirror_fd;             /* -1: no mirror */
	struct sockaddr_storage mirror;
};

/* A normalised address: IPv4-mapped IPv6 is IPv4, as the packet leaves. */
struct pm_addr {
	int family;                /* 4, 6, or 0: unknown */
	uint8_t a[16];
	uint16_t port;             /* host order */
};

static void addr_of(const struct sockaddr_storage *ss, struct pm_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!ss)
		return;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		out->family = 4;
		memcpy(out->a, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		out->port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			out->family = 4;
			memcpy(out->a, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			out->family = 6;
			memcpy(out->a, &in6->sin6_addr, 16);
		}
	}
}

static void set_why(char *why, size_t whylen, const char *fmt, const char *what, int err)
{
	if (why && whylen)
		snprintf(why, whylen, fmt, what, strerror(err));
}

/* ---- checksums ---- */

/*
 * The Internet checksum (RFC 1071) summed in host byte order, 32 bits at a
 * time: the ones' complement sum does not depend on byte order, so the
 * folded result is stored as is (memcpy) and the bytes come out right.
 * Every piece but the last starts and ends on a 4-byte multiple of the
 * summed stream, so a short tail padded with zeros stays in place.
 */
static uint64_t csum_add(uint64_t acc, const uint8_t *p, size_t len)
{
	uint32_t w;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		acc += w;
	}
	if (len) {
		uint8_t t[4] = { 0 };

		memcpy(t, p, len);
		memcpy(&w, t, 4);
		acc += w;
	}
	return acc;
}

/* A 16-bit network-order value, for the pseudo-header's protocol and length. */
static uint64_t csum_add16(uint64_t acc, uint16_t v) { return acc + htons(v); }

/* Folded and complemented; host order, to be memcpy'd into the packet. */
static uint16_t csum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

/*
 * The IP and UDP headers of one record into h; returns their length.
 * Lengths and checksums cover the cleartext packet as written (the
 * protected datagram's own length is in the mirror header, wire_len).
 */
static size_t build_headers(uint8_t *h, const struct pm_clear_meta *m, const struct pm_addr *src,
			    const struct pm_addr *dst, const uint8_t *sctp, size_t len)
{
	uint8_t ttl = m->flags & PMARK_F_TTL ? m->ttl : LINUX_DEFAULT_TTL;
	uint8_t tos = m->flags & PMARK_F_TOS ? m->tos & m->tos_mask : 0;
	uint16_t udp_len = (uint16_t)(UDP_HDR_LEN + len);
	uint8_t *udp;
	uint64_t acc;
	uint16_t csum;
	size_t ip_len;

	if (dst->family == 4) {
		/* DF: what the record says, else set, as Linux sends UDP under
		 * its default path MTU discovery (IP_PMTUDISC_WANT) -- the
		 * protected datagram's own DF unless the application changed
		 * IP_MTU_DISCOVER, which the sink cannot see. */
		bool df = !(m->flags & PMARK_F_DF_CLEAR) || (m->flags & PMARK_F_DF_SET);

		ip_len = V4_HDR_LEN;
		memset(h, 0, V4_HDR_LEN);
		h[0] = 0x40 | V4_HDR_LEN / 4;
		h[1] = tos;
		put16(h + 2, (uint16_t)(V4_HDR_LEN + udp_len));
		put16(h + 4, m->ip_id);
		h[6] = df ? 0x40 : 0;
		h[8] = ttl;
		h[9] = IPPROTO_UDP;
		memcpy(h + 12, src->a, 4);
		memcpy(h + 16, dst->a, 4);
		/* RFC 4727 experimental option: not copied, class 0, number 30;
		 * the two bytes after it stay 0 = End of Option List. */
		h[20] = PMARK_CLEAR_IP_OPT;
		h[21] = 2 + PMARK_CLEAR_OPT_LEN;
		put64(h + 22, m->record_id);
		csum = csum_fold(csum_add(0, h, V4_HDR_LEN));
		memcpy(h + 10, &csum, 2);
		udp = h + V4_HDR_LEN;
		acc = csum_add(0, h + 12, 8);
		acc = csum_add16(csum_add16(acc, IPPROTO_UDP), udp_len);
	} else {
		uint32_t vtc = 6u << 28 | (uint32_t)tos << 20;   /* flow label 0 */

		ip_len = V6_HDR_LEN;
		memset(h, 0, V6_HDR_LEN);
		h[0] = vtc >> 24;
		h[1] = (vtc >> 16) & 0xff;
		put16(h + 4, (uint16_t)(V6_DOPT_LEN + udp_len));
		h[6] = IPPROTO_DSTOPTS_;
		h[7] = ttl;
		memcpy(h + 8, src->a, 16);
		memcpy(h + 24, dst->a, 16);
		/* Destination options: next header, length in 8-octet units past
		 * the first; PadN of 2 data bytes so the record id lands 8-byte
		 * aligned (RFC 8200 4.2, alignment 8n); option 0x1e: skip if
		 * unknown, not changed en route (RFC 4727). */
		h[40] = IPPROTO_UDP;
		h[41] = V6_DOPT_LEN / 8 - 1;
		h[42] = 1;                       /* PadN */
		h[43] = 2;
		h[46] = PMARK_CLEAR_IP6_OPT;
		h[47] = PMARK_CLEAR_OPT_LEN;
		put64(h + 48, m->record_id);
		udp = h + V6_HDR_LEN;
		/* Pseudo-header: addresses, upper-layer length, next header 17. */
		acc = csum_add(0, h + 8, 32);
		acc = csum_add16(csum_add16(acc, udp_len), IPPROTO_UDP);
	}
	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4, udp_len);
	udp[6] = udp[7] = 0;
	acc = csum_add(acc, udp, UDP_HDR_LEN);
	/* The packet starts on a 4-byte multiple of the summed stream (see csum_add). */
	acc = csum_add(acc, sctp, len);
	csum = csum_fold(acc);
	if (!csum)
		csum = 0xffff;   /* 0 means "no checksum" (RFC 768); -0 is the same sum */
	memcpy(udp + 6, &csum, 2);
	return ip_len + UDP_HDR_LEN;
}

/* ---- flusher ---- */

static void *flusher_main(void *arg)
{
	struct pm_clear_sink *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct timespec until;

		if (!s->dirty) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		/* Let a burst collect for a while: one write(2) for all of it. */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += PM_CLEAR_FLUSH_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
			;
		pcap_dump_flush(s->dumper);
		s->dirty = false;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- open / close ---- */

static int open_pcap(struct pm_clear_sink *s, const char *path)
{
	pthread_condattr_t ca;
	FILE *f;
	int err;

	/* "e": O_CLOEXEC, the file is no business of a child the application runs. */
	f = fopen(path, "wbe");
	if (!f)
		return -errno;
	/* Our own buffer size: before pcap writes the file header, as setvbuf needs. */
	setvbuf(f, NULL, _IOFBF, PM_CLEAR_STDIO_BUF);
	/* DLT_RAW: libpcap writes it as LINKTYPE_RAW (101) in the file header,
	 * whatever this platform numbers DLT_RAW (12 here, 14 on OpenBSD). */
	s->pcap = pcap_open_dead(DLT_RAW, PM_CLEAR_SNAPLEN);
	if (!s->pcap) {
		fclose(f);
		return -ENOMEM;
	}
	errno = 0;
	s->dumper = pcap_dump_fopen(s->pcap, f);
	if (!s->dumper)
		/* Not closing f: libpcap closes it itself when the header write
		 * failed (and fails before touching it only for a link type it
		 * cannot save, never DLT_RAW); a double fclose would be worse
		 * than that leak. */
		return -(errno ? errno : EIO);
	s->buf = malloc(MAX_HDR_LEN + PM_CLEAR_SNAPLEN);
	if (!s->buf)
		return -ENOMEM;
	/* The file header is on disk at once: an empty sink is a valid pcap. */
	if (pcap_dump_flush(s->dumper) < 0)
		return -(errno ? errno : EIO);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		return -err;
	err = pthread_create(&s->flusher, NULL, flusher_main, s);
	if (err) {
		pthread_cond_destroy(&s->wake);
		return -err;
	}
	s->flusher_running = true;
	return 0;
}

static int open_mirror(struct pm_clear_sink *s, const struct sockaddr *mirror, socklen_t len)
{
	int fd;

	if ((mirror->sa_family == AF_INET && len < (socklen_t)sizeof(struct sockaddr_in)) ||
	    (mirror->sa_family == AF_INET6 && len < (socklen_t)sizeof(struct sockaddr_in6)))
		return -EINVAL;
	if (mirror->sa_family != AF_INET && mirror->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((mirror->sa_family == AF_INET ? ((const struct sockaddr_in *)mirror)->sin_port
					   : ((const struct sockaddr_in6 *)mirror)->sin6_port) == 0)
		return -EINVAL;
	fd = socket(mirror->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Connected: the route is checked now (an unreachable mirror fails the
	 * open, not every emit) and each send names no address. */
	if (connect(fd, mirror, len) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	memcpy(&s->mirror, mirror, mirror->sa_family == AF_INET ? sizeof(struct sockaddr_in)
								: sizeof(struct sockaddr_in6));
	s->mirror_fd = fd;
	return 0;
}

void pm_clear_sink_close(struct pm_clear_sink *s)
{
	if (!s)
		return;
	if (s->flusher_running) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->flusher, NULL);
		pthread_cond_destroy(&s->wake);
	}
	if (s->dumper)
		pcap_dump_close(s->dumper);   /* flushes and closes the FILE */
	if (s->pcap)
		pcap_close(s->pcap);
	if (s->mirror_fd >= 0)
		close(s->mirror_fd);
	free(s->buf);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct pm_clear_sink *pm_clear_sink_open(const char *pcap_path, const struct sockaddr *mirror,
					 socklen_t mirror_len, char *why, size_t whylen)
{
	struct pm_clear_sink *s;
	int err;

	if (!pcap_path && !mirror) {
		set_why(why, whylen, "%s: %s", "cleartext sink: neither a pcap file nor a mirror address",
			EINVAL);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		set_why(why, whylen, "%s: %s", "cleartext sink", ENOMEM);
		errno = ENOMEM;
		return NULL;
	}
	s->mirror_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (mirror) {
		err = open_mirror(s, mirror, mirror_len);
		if (err) {
			char a[INET6_ADDRSTRLEN + 16];

			pm_addr_format(mirror, a, sizeof(a));
			set_why(why, whylen, "cleartext mirror %s: %s", a, -err);
			goto fail;
		}
	}
	if (pcap_path) {
		err = open_pcap(s, pcap_path);
		if (err) {
			set_why(why, whylen, "cleartext pcap %s: %s", pcap_path, -err);
			goto fail;
		}
	}
	return s;
fail:
	pm_clear_sink_close(s);
	errno = -err;
	return NULL;
}

/* ---- emit ---- */

static int emit_pcap(struct pm_clear_sink *s, const struct pm_clear_meta *m, const struct pm_addr *src,
		     const struct pm_addr *dst, const uint8_t *sctp, size_t len)
{
	uint8_t hdr[MAX_HDR_LEN];
	struct pcap_pkthdr ph;
	size_t hl;
	int err = 0;

	if ((dst->family == 4 ? V4_HDR_LEN : V6_HDR_LEN) + UDP_HDR_LEN + len > PM_CLEAR_SNAPLEN)
		return -EMSGSIZE;
	/* Headers and the checksum over the packet outside the lock. */
	hl = build_headers(hdr, m, src, dst, sctp, len);
	pthread_mutex_lock(&s->lock);
	memcpy(s->buf, hdr, hl);
	if (len)
		memcpy(s->buf + hl, sctp, len);
	/* Under the lock: timestamps rise in file order. */
	gettimeofday(&ph.ts, NULL);
	ph.caplen = ph.len = (bpf_u_int32)(hl + len);
	pcap_dump((u_char *)s->dumper, &ph, s->buf);
	if (ferror(pcap_dump_file(s->dumper)))
		err = -EIO;   /* sticky: a full disk fails every later emit too */
	if (!s->dirty) {
		s->dirty = true;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

static int emit_mirror(struct pm_clear_sink *s, const struct pm_clear_meta *m, const struct pm_addr *src,
		       const struct pm_addr *dst, const uint8_t *sctp, size_t len)
{
	struct pmark_clear_hdr h;
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PMARK_CLEAR_MAGIC, sizeof(h.magic));
	h.version = PMARK_CLEAR_VERSION;
	h.family = (uint8_t)dst->family;
	h.flags = m->flags;
	/* Fields the record does not apply are 0, never a stale value a reader could take as sent. */
	h.ttl = m->flags & PMARK_F_TTL ? m->ttl : 0;
	h.tos = m->flags & PMARK_F_TOS ? m->tos : 0;
	h.tos_mask = m->flags & PMARK_F_TOS ? m->tos_mask : 0;
	h.ip_id = htons(m->ip_id);
	h.sport = htons(src->port);
	h.dport = htons(dst->port);
	h.record_id = htobe64(m->record_id);
	h.wire_len = htons(m->wire_len > 0xffff ? 0xffff : (uint16_t)m->wire_len);
	memcpy(h.saddr, src->a, sizeof(h.saddr));
	memcpy(h.daddr, dst->a, sizeof(h.daddr));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)sctp;
	iov[1].iov_len = len;
	if (sendmsg(s->mirror_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int pm_clear_emit(struct pm_clear_sink *s, const struct pm_clear_meta *m, const uint8_t *sctp,
		  size_t len)
{
	struct pm_addr src, dst;
	int err = 0, e;

	if (!s || !m || (!sctp && len))
		return -EINVAL;
	addr_of(m->dst, &dst);
	if (!dst.family)
		return -EAFNOSUPPORT;
	addr_of(m->src, &src);
	/* Unknown, or of the other family: zeros (the port stays, it is ours). */
	if (src.family != dst.family) {
		memset(src.a, 0, sizeof(src.a));
		src.family = dst.family;
	}
	if (s->dumper)
		err = emit_pcap(s, m, &src, &dst, sctp, len);
	if (s->mirror_fd >= 0) {
		e = emit_mirror(s, m, &src, &dst, sctp, len);
		if (!err)
			err = e;
	}
	return err;
}

bool pm_clear_sink_is_mirror_host(const struct pm_clear_sink *s, const struct sockaddr_storage *a)
{
	struct pm_addr x, y;

	if (!s || !a || s->mirror_fd < 0)
		return false;
	addr_of(&s->mirror, &x);
	addr_of(a, &y);
	return x.family && x.family == y.family && !memcmp(x.a, y.a, x.family == 4 ? 4 : 16);
}
