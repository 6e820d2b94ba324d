// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ports add|del|list: the local UDP ports whose datagrams carry SCTP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

static int list_ports(struct ctl *c, struct pmark_maps *m)
{
	uint16_t *ports = calloc(65536, sizeof(*ports));
	int n;

	if (!ports)
		return fail(c, "out of memory");
	n = pmark_ports_list(m, ports, 65536);
	if (c->json) {
		printf("[");
		for (int i = 0; i < n; i++)
			printf("%s%u", i ? "," : "", ports[i]);
		printf("]\n");
	} else {
		for (int i = 0; i < n; i++)
			printf("%u\n", ports[i]);
	}
	free(ports);
	return 0;
}

int cmd_ports(struct ctl *c, int argc, char **argv)
{
	uint16_t parsed[64];
	struct pmark_maps *m;
	bool add, del;
	int rc = 0;

	if (argc < 1)
		return usage_error(c, "give add, del or list");
	add = !strcmp(argv[0], "add");
	del = !strcmp(argv[0], "del");
	if (!add && !del && strcmp(argv[0], "list"))
		return usage_error(c, "'%s': give add, del or list", argv[0]);
	if ((add || del) && argc < 2)
		return usage_error(c, "%s needs at least one PORT", argv[0]);
	if (!add && !del && argc > 1)
		return usage_error(c, "list takes no PORT");
	if (argc - 1 > (int)(sizeof(parsed) / sizeof(parsed[0])))
		return usage_error(c, "at most 64 ports at a time");
	/* Validate every port before changing anything: all or nothing. */
	for (int i = 1; i < argc; i++) {
		uint64_t v;

		if (parse_u64(argv[i], 65535, &v) || v == 0)
			return usage_error(c, "%s %s: not a port in 1..65535", argv[0], argv[i]);
		parsed[i - 1] = (uint16_t)v;
	}
	m = open_maps(c);
	if (!m)
		return 1;
	/* del is all or nothing too: refuse before removing any when one is absent. */
	for (int i = 0; del && i < argc - 1; i++)
		if (!pmark_port_registered(m, parsed[i])) {
			pmark_close(m);
			return fail(c, "del %u: not registered", parsed[i]);
		}
	if (!add && !del) {
		rc = list_ports(c, m);
	} else {
		for (int i = 0; i < argc - 1; i++) {
			int err = add ? pmark_port_add(m, parsed[i]) : pmark_port_del(m, parsed[i]);

			if (err == -ENOENT)
				rc = fail(c, "del %u: not registered", parsed[i]);
			else if (err)
				rc = fail(c, "%s %u: %s", argv[0], parsed[i], pmark_strerror(err));
		}
	}
	pmark_close(m);
	return rc;
}
