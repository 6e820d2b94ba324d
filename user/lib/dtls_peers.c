// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Protected peers: the "dtls" table that tells the program which datagrams
 * carry SCTP inside DTLS, so it reads their record header instead of a TSN.
 * Each peer gets a tag, a random number claimed in the ring table like a
 * vtag and so unique among the pin root's vtags and tags; its records live
 * in that ring, keyed by record id (pmark_assoc_mark_record).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include "pmark_int.h"

/* Random tags tried before giving up: each try fails only if its probe rings are full. */
#define TAG_TRIES 64

/*
 * The key the program builds from a datagram: the remote address as the IP
 * header carries it (a v4-mapped IPv6 address of a dual-stack socket goes
 * out as IPv4), ports in host order.
 */
static int key_of(uint16_t local_port, const struct sockaddr *sa, socklen_t len,
		  struct pmark_dtls_key *k)
{
	memset(k, 0, sizeof(*k));
	if (!local_port || !sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		k->daddr[0] = in->sin_addr.s_addr;
		k->dport = ntohs(in->sin_port);
		k->family = 4;
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(&k->daddr[0], &in6->sin6_addr.s6_addr[12], 4);
			k->family = 4;
		} else {
			memcpy(k->daddr, &in6->sin6_addr, 16);
			k->family = 6;
		}
		k->dport = ntohs(in6->sin6_port);
	} else {
		return sa->sa_family == AF_INET || sa->sa_family == AF_INET6 ? -EINVAL : -EAFNOSUPPORT;
	}
	if (!k->dport)
		return -EINVAL;
	k->sport = local_port;
	return 0;
}

static void sockaddr_of(const struct pmark_dtls_key *k, struct pmark_dtls_peer_info *info)
{
	memset(&info->remote, 0, sizeof(info->remote));
	if (k->family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&info->remote;

		in->sin_family = AF_INET;
		in->sin_port = htons(k->dport);
		in->sin_addr.s_addr = k->daddr[0];
		info->remote_len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&info->remote;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(k->dport);
		memcpy(&in6->sin6_addr, k->daddr, 16);
		info->remote_len = sizeof(*in6);
	}
}

static int dtls_fd(const struct pmark_maps *m)
{
	if (m->dtls_fd >= 0)
		return m->dtls_fd;
	return m->dtls_fd == -ENOENT ? -EOPNOTSUPP : m->dtls_fd;
}

/* The peer's key and the table's fd (>= 0), or a negative errno. */
static int peer_key_fd(const struct pmark_maps *m, uint16_t local_port, const struct sockaddr *remote,
		       socklen_t len, struct pmark_dtls_key *k)
{
	int err;

	if (!m)
		return -EINVAL;
	err = key_of(local_port, remote, len, k);
	return err ? err : dtls_fd(m);
}

/* A tag no ring names, with its ring claimed: 0 or a negative errno. */
static int new_tag(struct pmark_maps *m, uint32_t *tag)
{
	for (int i = 0; i < TAG_TRIES; i++) {
		uint32_t t, ring;
		int err;

		if (getrandom(&t, sizeof(t), 0) != sizeof(t))
			return -errno;
		if (!t)
			continue;       /* 0 reads as "no tag" in a listing */
		err = pmark_ring_claim_exclusive(m, t, &ring);
		if (!err) {
			*tag = t;
			return 0;
		}
		if (err != -EEXIST && err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

/* The existing entry's tag, its port bit set again (pmark_port_del may have cleared it). */
static int existing(struct pmark_maps *m, int fd, const struct pmark_dtls_key *k, uint32_t *tag)
{
	struct pmark_dtls_peer peer;

	if (bpf_map_lookup_elem(fd, k, &peer))
		return -errno;
	pmark_port_dtls_set(m, k->sport, true);
	if (tag)
		*tag = peer.tag;
	return 0;
}

int pmark_dtls_peer_add(struct pmark_maps *m, uint16_t local_port, const struct sockaddr *remote,
			socklen_t len, uint32_t *tag)
{
	struct pmark_dtls_peer peer = { 0 };
	struct pmark_dtls_key k;
	int fd = peer_key_fd(m, local_port, remote, len, &k), err;

	if (fd < 0)
		return fd;
	err = existing(m, fd, &k, tag);
	if (err != -ENOENT)
		return err;
	err = new_tag(m, &peer.tag);
	if (err)
		return err;
	if (bpf_map_update_elem(fd, &k, &peer, BPF_NOEXIST)) {
		err = -errno;
		pmark_ring_release_of(m, peer.tag);
		if (err == -EEXIST)     /* another writer added this peer meanwhile */
			return existing(m, fd, &k, tag);
		return err == -E2BIG ? -ENOSPC : err;
	}
	/* The entry first, then the bit: the program never looks up a port in vain. */
	pmark_port_dtls_set(m, local_port, true);
	if (tag)
		*tag = peer.tag;
	return 0;
}

/*
 * Whether the table still has a peer of port.  A walk of a hash map that
 * changes under it may restart; the bound keeps it finite.
 */
static bool port_has_peers(int fd, uint16_t port)
{
	struct pmark_dtls_key key, next, *prev = NULL;

	for (int n = 0; n < 2 * PMARK_DTLS_PEERS && !bpf_map_get_next_key(fd, prev, &next); n++) {
		if (next.sport == port)
			return true;
		key = next;
		prev = &key;
	}
	return false;
}

int pmark_dtls_peer_del(struct pmark_maps *m, uint16_t local_port, const struct sockaddr *remote,
			socklen_t len)
{
	struct pmark_dtls_peer peer;
	struct pmark_dtls_key k;
	int fd = peer_key_fd(m, local_port, remote, len, &k);

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &k, &peer) || bpf_map_delete_elem(fd, &k))
		return -errno;
	/* The program no longer finds the peer: its ring and records can go. */
	pmark_ring_release_of(m, peer.tag);
	if (!port_has_peers(fd, local_port)) {
		pmark_port_dtls_set(m, local_port, false);
		/* A peer of the port added meanwhile must keep its bit. */
		if (port_has_peers(fd, local_port))
			pmark_port_dtls_set(m, local_port, true);
	}
	return 0;
}

int pmark_dtls_peers_list(struct pmark_maps *m, struct pmark_dtls_peer_info *out, size_t max)
{
	struct pmark_dtls_key key, next, *prev = NULL;
	int fd, n = 0;

	if (!m || (max && !out))
		return -EINVAL;
	fd = dtls_fd(m);
	if (fd < 0)
		return fd;
	for (int i = 0; i < 2 * PMARK_DTLS_PEERS && !bpf_map_get_next_key(fd, prev, &next); i++) {
		struct pmark_dtls_peer peer;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &peer))
			continue;       /* deleted meanwhile */
		if ((size_t)n < max) {
			struct pmark_dtls_peer_info *info = &out[n];

			info->local_port = key.sport;
			sockaddr_of(&key, info);
			info->tag = peer.tag;
			if (pmark_ring_of(m, peer.tag, &info->ring))
				info->ring = UINT32_MAX;     /* released by a flush */
		}
		n++;
	}
	return n;
}
