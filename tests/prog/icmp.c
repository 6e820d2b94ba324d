// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "icmp.h"

const uint8_t icmp_router4[4] = { 10, 9, 8, 7 };
const uint8_t icmp_router6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x01 };

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0xfe };

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "icmp_build: %s\n", what);
	abort();
}

static void put_l2(struct pkt *p, const struct icmp_spec *s, bool v6)
{
	uint16_t type = v6 ? 0x86dd : 0x0800;
	uint8_t *eth = pkt_put(p, 14);

	if (s->vlans > 2)
		die("at most 2 VLAN tags");
	memcpy(eth, mac_dst, 6);
	memcpy(eth + 6, mac_src, 6);
	pkt_wr16(eth + 12, s->vlans == 2 ? 0x88a8 : s->vlans ? 0x8100 : type);
	for (int i = 0; i < s->vlans; i++) {
		uint8_t *tag = pkt_put(p, 4);

		pkt_wr16(tag, (uint16_t)(200 + i));
		pkt_wr16(tag + 2, i + 1 < s->vlans ? 0x8100 : type);
	}
}

/* The ICMP message body after its 8-byte header: the quote, RFC 4884 padding, extensions. */
static void put_body(struct pkt *p, const struct icmp_spec *s, const struct pkt *o, bool v6)
{
	size_t n = o->len, unit = v6 ? 8 : 4;
	uint8_t *q;

	if (is_set(s->quote)) {
		if (o->l4 < 0 || (size_t)o->l4 + set_value(s->quote) > o->len)
			die("quote longer than the datagram");
		n = (size_t)o->l4 + set_value(s->quote);
	}
	if (s->rfc4884 && n > s->rfc4884 * unit)
		n = s->rfc4884 * unit;
	q = pkt_put(p, n);
	memcpy(q, o->b, n);
	if (s->rfc4884)
		pkt_put(p, s->rfc4884 * unit - n);    /* zero padding up to the length field */
	if (s->extension) {
		/* Extension header (version 2) and one MPLS label stack object (RFC 4950). */
		uint8_t *x = pkt_put(p, 4 + 8);

		x[0] = 0x20;
		pkt_wr16(x + 4, 8);
		x[6] = 1;
		x[7] = 1;
		pkt_wr32(x + 8, 0x12345 << 12 | 1 << 8 | 64);
		pkt_wr16(x + 2, csum_fold(csum_add(0, x, 12)));
	}
}

static void put_icmp_header(uint8_t *h, const struct icmp_spec *s, bool v6)
{
	if (s->kind == ICMP_ECHO) {
		h[0] = v6 ? 128 : 8;
		pkt_wr16(h + 4, 0x1d);
		pkt_wr16(h + 6, 1);
		return;
	}
	h[0] = s->type ? s->type : v6 ? 3 : 11;
	h[1] = s->code;
	if (!v6 && h[0] == 3 && h[1] == 4)
		pkt_wr16(h + 6, (uint16_t)s->mtu);
	if (v6 && h[0] == 2)
		pkt_wr32(h + 4, s->mtu);
	if (s->rfc4884) {
		if (v6)
			h[4] = s->rfc4884;
		else
			h[5] = s->rfc4884;
	}
}

static void build_v4(struct icmp_pkt *p, const struct icmp_spec *s)
{
	struct pkt *f = &p->frame;
	size_t ip = f->len, ic;
	uint8_t *h;

	f->at[AT_IP] = (int)ip;
	h = pkt_put(f, 20);
	h[0] = 0x45;
	h[1] = 0xc0;                            /* network control, as routers send errors */
	h[8] = 63;
	h[9] = 1;
	memcpy(h + 12, icmp_router4, 4);
	memcpy(h + 16, p->orig.b + 12, 4);      /* to the quoted datagram's source */
	ic = f->len;
	pkt_put(f, 8);
	p->quote_off = (int)f->len;
	put_body(f, s, &p->orig, false);
	put_icmp_header(f->b + ic, s, false);
	pkt_wr16(f->b + ic + 2, csum_fold(csum_add(0, f->b + ic, f->len - ic)));
	pkt_wr16(f->b + ip + 2, (uint16_t)(is_set(s->ip_len) ? set_value(s->ip_len) : f->len - ip));
	pkt_wr16(f->b + ip + 10, ipv4_header_csum(f->b + ip, 20));
}

static void build_v6(struct icmp_pkt *p, const struct icmp_spec *s)
{
	struct pkt *f = &p->frame;
	size_t ip = f->len, ic;
	uint32_t sum;
	uint8_t *h;

	f->at[AT_IP] = (int)ip;
	h = pkt_put(f, 40);
	h[0] = 0x6e;                            /* traffic class 0xe0 */
	h[6] = s->outer_hbh ? 0 : 58;
	h[7] = 255;
	memcpy(h + 8, icmp_router6, 16);
	memcpy(h + 24, p->orig.b + 8, 16);
	if (s->outer_hbh) {
		uint8_t *x = pkt_put(f, 8);

		x[0] = 58;
		x[2] = 1;                       /* PadN filling the header */
		x[3] = 4;
	}
	ic = f->len;
	pkt_put(f, 8);
	p->quote_off = (int)f->len;
	put_body(f, s, &p->orig, true);
	put_icmp_header(f->b + ic, s, true);
	/* ICMPv6 checksum over the pseudo-header: addresses, length, next header 58. */
	sum = csum_add(0, f->b + ip + 8, 32);
	sum += (uint32_t)(f->len - ic) + 58;
	sum = csum_add(sum, f->b + ic, f->len - ic);
	pkt_wr16(f->b + ic + 2, csum_fold(sum));
	pkt_wr16(f->b + ip + 4, (uint16_t)(is_set(s->ip_len) ? set_value(s->ip_len) : f->len - ip - 40));
}

void icmp_build(const struct icmp_spec *s, struct icmp_pkt *p)
{
	struct pkt_spec o = s->orig;
	bool v6 = o.ipv6;

	memset(p, 0, sizeof(*p));
	o.bare_ip = s->kind != NOT_ICMP || s->bare_ip;
	if (s->kind != NOT_ICMP)
		o.vlans = 0;
	pkt_build(&o, &p->orig);
	if (s->kind == NOT_ICMP) {
		p->frame = p->orig;
		p->quote_off = -1;
		return;
	}
	for (int l = 0; l < AT_COUNT; l++)
		p->frame.at[l] = -1;
	p->frame.l4 = -1;
	p->frame.eth = !s->bare_ip;
	p->frame.ip = true;
	p->frame.ipv6 = v6;
	if (p->frame.eth)
		put_l2(&p->frame, s, v6);
	if (v6)
		build_v6(p, s);
	else
		build_v4(p, s);
	if (s->short_by > p->frame.len)
		die("cut outside the frame");
	p->frame.len -= s->short_by;
	p->frame.consistent = !s->short_by && !s->ip_len;
}
