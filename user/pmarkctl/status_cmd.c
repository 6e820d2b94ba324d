// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* status [DEV]: what is loaded under the pin root, where it is attached, what ingress saw. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "netns.h"
#include "pins.h"
#include "pmark_abi.h"
#include "pmark_int.h"
#include "tc.h"

struct dev_state {
	struct pmark_dev_key key;
	struct pmark_dev rec;
	char where[128];
	bool reachable, attached, ingress;
};

/* Is our filter on the device, looked at from inside its namespace? */
static void probe_dev(struct dev_state *d, const struct pins *p)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = netns_open(d->key.netns_ino, d->where, sizeof(d->where));
	uint32_t id = 0, in_id = 0;

	if (fd < 0) {
		snprintf(d->where, sizeof(d->where), "netns %llu (gone)",
			 (unsigned long long)d->key.netns_ino);
	} else if (home >= 0 && !setns(fd, CLONE_NEWNET)) {
		d->reachable = true;
		d->attached = !tc_query(d->key.ifindex, false, &id) && pins_egress_prog(p, id);
		d->ingress = !tc_query(d->key.ifindex, true, &in_id) && pins_ingress_prog(p, in_id);
		if (setns(home, CLONE_NEWNET))
			d->reachable = false;
	}
	if (fd >= 0)
		close(fd);
	if (home >= 0)
		close(home);
}

static int count_record(const struct pmark_record *r, void *ctx)
{
	(void)r;
	(*(unsigned long *)ctx)++;
	return 0;
}

/* The ingress side: ICMP error counters and the quotes kept; quotes -1 when there is no map. */
struct icmp_state {
	uint64_t seen, quoted, not_ours, malformed;
	long quotes;
};

static void read_icmp(struct pmark_maps *m, struct icmp_state *s)
{
	uint64_t v[PMARK_CNT_MAX] = { 0 };
	struct pmark_quote_key key, next, *prev = NULL;

	pmark_counters_read(m, v, PMARK_CNT_MAX);
	s->seen = v[PMARK_CNT_ICMP_SEEN];
	s->quoted = v[PMARK_CNT_ICMP_QUOTED];
	s->not_ours = v[PMARK_CNT_ICMP_NOT_OURS];
	s->malformed = v[PMARK_CNT_ICMP_MALFORMED];
	s->quotes = m->quotes_fd < 0 ? -1 : 0;
	while (m->quotes_fd >= 0 && s->quotes < PMARK_QUOTE_ENTRIES &&
	       !bpf_map_get_next_key(m->quotes_fd, prev, &next)) {
		key = next;
		prev = &key;
		s->quotes++;
	}
}

static void print_text(const struct ctl *c, const struct pins *p, struct pmark_maps *m, struct dev_state *devs, int n,
		       unsigned long records, uint32_t rings_used, const struct icmp_state *ic)
{
	uint16_t ports[64];
	int np = pmark_ports_list(m, ports, 64);

	printf("pin root   %s", pmark_pin_root_requested(c->pin_root));
	if (strcmp(p->root, pmark_pin_root_requested(c->pin_root)))
		printf(" (reached as %s)", p->root);
	printf("\n");
	printf("program    id %u (Ethernet), id %u (bare IP), record ABI %d\n", p->prog_id,
	       p->prog_l3_id, PMARK_ABI_VERSION);
	if (p->prog_in_fd >= 0)
		printf("ingress    id %u (Ethernet), id %u (bare IP)\n", p->prog_in_id, p->prog_in_l3_id);
	else
		printf("ingress    none (loaded by an older pmarkctl)\n");
	printf("rings      %u of %u in use, %u TSNs each\n", rings_used, pmark_ring_count(m),
	       pmark_ring_size(m));
	printf("records    %lu live\n", records);
	printf("ports     ");
	for (int i = 0; i < np && i < 64; i++)
		printf(" %u", ports[i]);
	printf("%s\n", np > 64 ? " ..." : np ? "" : " none (pmarkctl ports add PORT)");
	printf("icmp       %llu errors: %llu quoted, %llu not ours, %llu malformed",
	       (unsigned long long)ic->seen, (unsigned long long)ic->quoted,
	       (unsigned long long)ic->not_ours, (unsigned long long)ic->malformed);
	if (ic->quotes >= 0)
		printf("; %ld quotes kept\n", ic->quotes);
	else
		printf("\n");
	printf("devices%s\n", n ? "" : "    none");
	for (int i = 0; i < n; i++)
		printf("  %-15s ifindex %-4u %-22s %s%s%s\n", devs[i].rec.ifname, devs[i].key.ifindex,
		       devs[i].where,
		       !devs[i].reachable ? "unknown" : devs[i].attached ? "attached" : "NOT attached",
		       devs[i].reachable && devs[i].ingress ? " +ingress" : "",
		       devs[i].rec.flags & PMARK_DEV_CREATED_QDISC ? " (clsact created by pmarkctl)" : "");
}

static void print_json(const struct ctl *c, const struct pins *p, struct pmark_maps *m, struct dev_state *devs, int n,
		       unsigned long records, uint32_t rings_used, const struct icmp_state *ic)
{
	uint16_t *ports = calloc(65536, sizeof(*ports));
	int np = ports ? pmark_ports_list(m, ports, 65536) : 0;

	printf("{\"pin_root\":");
	json_str(pmark_pin_root_requested(c->pin_root));
	printf(",\"pin_path\":");
	json_str(p->root);
	printf(",\"loaded\":true,\"prog_id\":%u,\"prog_l3_id\":%u,\"abi\":%d,\"rings\":%u,"
	       "\"rings_used\":%u,\"ring_size\":%u,\"records\":%lu,\"ports\":[",
	       p->prog_id, p->prog_l3_id, PMARK_ABI_VERSION, pmark_ring_count(m), rings_used,
	       pmark_ring_size(m), records);
	for (int i = 0; i < np; i++)
		printf("%s%u", i ? "," : "", ports[i]);
	printf("]");
	if (p->prog_in_fd >= 0)
		printf(",\"prog_in_id\":%u,\"prog_in_l3_id\":%u", p->prog_in_id, p->prog_in_l3_id);
	else
		printf(",\"prog_in_id\":null,\"prog_in_l3_id\":null");
	printf(",\"icmp\":{\"seen\":%llu,\"quoted\":%llu,\"not_ours\":%llu,\"malformed\":%llu},"
	       "\"quotes\":", (unsigned long long)ic->seen, (unsigned long long)ic->quoted,
	       (unsigned long long)ic->not_ours, (unsigned long long)ic->malformed);
	if (ic->quotes >= 0)
		printf("%ld", ic->quotes);
	else
		printf("null");
	printf(",\"devices\":[");
	for (int i = 0; i < n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_str(devs[i].rec.ifname);
		printf(",\"ifindex\":%u,\"netns\":%llu,\"where\":", devs[i].key.ifindex,
		       (unsigned long long)devs[i].key.netns_ino);
		json_str(devs[i].where);
		printf(",\"attached\":%s,\"ingress\":%s,\"created_qdisc\":%s}",
		       !devs[i].reachable ? "null" : devs[i].attached ? "true" : "false",
		       !devs[i].reachable ? "null" : devs[i].ingress ? "true" : "false",
		       devs[i].rec.flags & PMARK_DEV_CREATED_QDISC ? "true" : "false");
	}
	printf("]}\n");
	free(ports);
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	struct dev_state devs[256];
	struct pmark_dev_key next, *prev = NULL;
	unsigned long records = 0;
	struct icmp_state ic;
	uint32_t rings_used = 0, ifindex = 0;
	const char *dev = NULL;
	struct pmark_maps *m;
	struct pins p;
	int n = 0, err, rc = 0;

	if (argc > 1 || (argc == 1 && argv[0][0] == '-'))
		return usage_error(c, "unknown argument '%s'", argv[argc - 1]);
	if (argc == 1) {
		dev = argv[0];
		ifindex = if_nametoindex(dev);
		if (!ifindex)
			return fail(c, "%s: no such device", dev);
	}
	err = pins_open(c->pin_root, false, 0, 0, &p);
	if (err) {
		pins_close(&p);
		if (err == -ENOENT)
			return fail(c, "not attached: run pmarkctl attach DEV (no pins under %s)",
				    pmark_pin_root_requested(c->pin_root));
		return fail(c, "%s", pmark_strerror(err));
	}
	m = open_maps(c);
	if (!m) {
		pins_close(&p);
		return 1;
	}
	while (n < 256 && !bpf_map_get_next_key(p.devs_fd, prev, &next)) {
		devs[n].key = next;
		prev = &devs[n].key;
		if (bpf_map_lookup_elem(p.devs_fd, &next, &devs[n].rec))
			continue;
		devs[n].reachable = devs[n].attached = devs[n].ingress = false;
		probe_dev(&devs[n], &p);
		n++;
	}
	if (dev) {
		uint64_t here = netns_self();
		int k;

		for (k = 0; k < n; k++)
			if (devs[k].key.netns_ino == here && devs[k].key.ifindex == ifindex)
				break;
		if (k == n || !devs[k].attached) {
			pmark_close(m);
			pins_close(&p);
			if (c->json) {
				printf("{\"name\":");
				json_str(dev);
				printf(",\"attached\":false}\n");
			} else
				printf("%s: not attached\n", dev);
			return 1;
		}
		devs[0] = devs[k];
		n = 1;
	}
	for (uint32_t r = 0; r < pmark_ring_count(m); r++)
		rings_used += m->rings[r].owner_vtag_plus1 != 0;
	pmark_dump(m, count_record, &records);
	read_icmp(m, &ic);
	if (c->json)
		print_json(c, &p, m, devs, n, records, rings_used, &ic);
	else
		print_text(c, &p, m, devs, n, records, rings_used, &ic);
	pmark_close(m);
	pins_close(&p);
	return rc;
}
