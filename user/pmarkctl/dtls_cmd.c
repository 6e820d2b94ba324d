// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dtls list | add PORT ADDR:PORT | del PORT ADDR:PORT: the protected peers,
 * whose datagrams carry SCTP inside DTLS and are marked by record id.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "pmark_abi.h"
#include "pmark_int.h"

/* "10.0.0.2:5001" or "[2001:db8::2]:5001"; 0 or -EINVAL. */
static int parse_remote(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *start = s;
	size_t n;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		start = s + 1;
		n = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;     /* an IPv6 address needs its brackets */
		n = (size_t)(colon - s);
	}
	if (!n || n >= sizeof(host) || parse_u64(colon + 1, 65535, &port) || !port)
		return -EINVAL;
	memcpy(host, start, n);
	host[n] = '\0';
	if (*s == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	}
	return 0;
}

static const char *remote_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
	return buf;
}

/* Port, then IPv4 before IPv6, then address and remote port in network order. */
static int peer_cmp(const void *a, const void *b)
{
	const struct pmark_dtls_peer_info *x = a, *y = b;
	const void *xa, *ya;
	size_t n;
	int d;

	if (x->local_port != y->local_port)
		return x->local_port < y->local_port ? -1 : 1;
	if (x->remote.ss_family != y->remote.ss_family)
		return x->remote.ss_family == AF_INET ? -1 : 1;
	if (x->remote.ss_family == AF_INET) {
		xa = &((const struct sockaddr_in *)&x->remote)->sin_addr;
		ya = &((const struct sockaddr_in *)&y->remote)->sin_addr;
		n = 4;
	} else {
		xa = &((const struct sockaddr_in6 *)&x->remote)->sin6_addr;
		ya = &((const struct sockaddr_in6 *)&y->remote)->sin6_addr;
		n = 16;
	}
	d = memcmp(xa, ya, n);
	if (d)
		return d;
	/* sin_port and sin6_port sit at the same offset. */
	return memcmp(&((const struct sockaddr_in *)&x->remote)->sin_port,
		      &((const struct sockaddr_in *)&y->remote)->sin_port, 2);
}

static void print_peer(const struct ctl *c, const struct pmark_dtls_peer_info *p)
{
	char remote[INET6_ADDRSTRLEN + 16];

	remote_str(&p->remote, remote, sizeof(remote));
	if (c->json) {
		printf("{\"port\":%u,\"remote\":", p->local_port);
		json_str(remote);
		printf(",\"tag\":%u,\"ring\":", p->tag);
		if (p->ring == UINT32_MAX)
			printf("null}");
		else
			printf("%u}", p->ring);
		return;
	}
	printf("%u %s tag 0x%08x ring ", p->local_port, remote, p->tag);
	if (p->ring == UINT32_MAX)
		printf("- (released by a flush: the next record claims one)\n");
	else
		printf("%u\n", p->ring);
}

static int no_table(struct ctl *c, const char *what, int err)
{
	if (err == -EOPNOTSUPP)
		return fail(c, "%s: no dtls map under %s (loaded by an older pmarkctl): pmarkctl "
			    "detach --all, then attach", what, pmark_pin_root_requested(c->pin_root));
	return fail(c, "%s: %s", what, pmark_strerror(err));
}

static int list_peers(struct ctl *c, struct pmark_maps *m)
{
	struct pmark_dtls_peer_info *peers = calloc(PMARK_DTLS_PEERS, sizeof(*peers));
	int n;

	if (!peers)
		return fail(c, "dtls list: out of memory");
	n = pmark_dtls_peers_list(m, peers, PMARK_DTLS_PEERS);
	if (n < 0) {
		free(peers);
		return no_table(c, "dtls list", n);
	}
	if (n > PMARK_DTLS_PEERS)
		n = PMARK_DTLS_PEERS;
	qsort(peers, (size_t)n, sizeof(*peers), peer_cmp);
	if (c->json)
		printf("[");
	for (int i = 0; i < n; i++) {
		if (c->json && i)
			printf(",");
		print_peer(c, &peers[i]);
	}
	if (c->json)
		printf("]\n");
	free(peers);
	return 0;
}

/* add / del PORT ADDR:PORT */
static int change_peer(struct ctl *c, struct pmark_maps *m, bool add, uint16_t port,
		       const struct sockaddr_storage *ss, socklen_t len, const char *what)
{
	struct pmark_dtls_peer_info info = { .local_port = port, .remote = *ss, .remote_len = len };
	int err;

	if (!add) {
		err = pmark_dtls_peer_del(m, port, (const struct sockaddr *)ss, len);
		if (err == -ENOENT)
			return fail(c, "%s: no such peer", what);
		return err ? no_table(c, what, err) : 0;
	}
	err = pmark_dtls_peer_add(m, port, (const struct sockaddr *)ss, len, &info.tag);
	if (err == -ENOSPC)
		return fail(c, "%s: no room: the dtls table (%d peers) or the rings a tag may take are "
			    "full", what, PMARK_DTLS_PEERS);
	if (err)
		return no_table(c, what, err);
	if (!pmark_port_registered(m, port))
		fprintf(stderr, "pmarkctl: %s: port %u is not registered, so its datagrams are not "
			"read yet (pmarkctl ports add %u)\n", what, port, port);
	if (c->json) {
		struct pmark_assoc *a = pmark_assoc_find(m, info.tag);

		info.ring = a ? pmark_assoc_ring(a) : UINT32_MAX;
		pmark_assoc_put(a, false);
		print_peer(c, &info);
		printf("\n");
	} else {
		printf("0x%08x\n", info.tag);
	}
	return 0;
}

int cmd_dtls(struct ctl *c, int argc, char **argv)
{
	/* Messages about a request name it whole: "dtls add 5000 10.0.0.2:x: bad address". */
	struct ctl req = { .pin_root = c->pin_root, .json = c->json, .cmd = NULL };
	struct sockaddr_storage ss;
	struct pmark_maps *m;
	socklen_t len = 0;
	char what[160];
	bool add, del;
	uint64_t port = 0;
	int rc;

	if (argc < 1)
		return usage_error(c, "give list, add PORT ADDR:PORT or del PORT ADDR:PORT");
	add = !strcmp(argv[0], "add");
	del = !strcmp(argv[0], "del");
	if (!add && !del && strcmp(argv[0], "list"))
		return usage_error(c, "'%s': give list, add or del", argv[0]);
	if (!add && !del && argc > 1)
		return usage_error(c, "list takes no argument");
	if ((add || del) && argc != 3)
		return usage_error(c, "%s takes PORT ADDR:PORT", argv[0]);
	if (add || del) {
		snprintf(what, sizeof(what), "dtls %s %s %s", argv[0], argv[1], argv[2]);
		if (parse_u64(argv[1], 65535, &port) || !port)
			return usage_error(&req, "%s: bad port", what);
		if (parse_remote(argv[2], &ss, &len))
			return usage_error(&req, "%s: bad address", what);
	}
	m = open_maps(c);
	if (!m)
		return 1;
	if (add || del)
		rc = change_peer(&req, m, add, (uint16_t)port, &ss, len, what);
	else
		rc = list_peers(c, m);
	pmark_close(m);
	return rc;
}
