// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Built by tests/ctl/install.sh against an installed libpmark (pkg-config,
 * shared and static): two endpoints on loopback, one association, one message
 * there and back.  Prints "ok <bytes>" and exits 0 when it came back whole.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pmark.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "echo_once: %s: %s\n", what, pmark_strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	struct pmark_ep_config cfg = PMARK_EP_CONFIG_INIT;
	struct pmark_send_opts so = PMARK_SEND_OPTS_INIT;
	struct sockaddr_storage a;
	struct pmark_msg_info info;
	struct pmark_conn *c, *s;
	struct pmark_ep *srv, *cli;
	const char *port = argc > 1 ? argv[1] : "7911";
	char addr[64], buf[64];
	socklen_t al;
	ssize_t n;

	cfg.mode = PMARK_MODE_OFF;
	snprintf(addr, sizeof(addr), "127.0.0.1:%s", port);
	if (pmark_parse_addr(addr, &a, &al))
		return fail("address", -22);
	srv = pmark_ep_open((struct sockaddr *)&a, al, &cfg);
	if (!srv || pmark_listen(srv))
		return fail("listen", srv ? -1 : -errno);
	pmark_parse_addr("127.0.0.1:0", &a, &al);
	cli = pmark_ep_open((struct sockaddr *)&a, al, &cfg);
	pmark_parse_addr(addr, &a, &al);
	c = cli ? pmark_connect(cli, (struct sockaddr *)&a, al, 5000) : NULL;
	if (!c)
		return fail("connect", -errno);
	s = pmark_accept(srv, 5000);
	if (!s)
		return fail("accept", -errno);
	if (pmark_send(c, "installed", 9, &so))
		return fail("send", -1);
	n = pmark_recv(s, buf, sizeof(buf), &info, 5000);
	if (n != 9 || memcmp(buf, "installed", 9))
		return fail("recv", n < 0 ? (int)n : -5);
	printf("ok %zd (%s)\n", n, PMARK_VERSION_STRING);
	pmark_conn_close(c, 1000);
	pmark_conn_close(s, 1000);
	pmark_ep_close(cli);
	pmark_ep_close(srv);
	return 0;
}
