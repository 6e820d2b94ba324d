// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "csum.h"
#include "expect.h"

static void expect_ipv4(uint8_t *ip, const struct want *w)
{
	uint16_t check;

	if (w->ttl)
		ip[8] = w->ttl;
	if (is_set(w->tos))
		ip[1] = (uint8_t)set_value(w->tos);
	if (w->df == DF_ON)
		ip[6] |= 0x40;
	else if (w->df == DF_OFF)
		ip[6] &= ~0x40;
	if (is_set(w->ip_id)) {
		ip[4] = (uint8_t)(set_value(w->ip_id) >> 8);
		ip[5] = (uint8_t)set_value(w->ip_id);
	}
	check = ipv4_header_csum(ip, (ip[0] & 0x0f) * 4u);
	ip[10] = check >> 8;
	ip[11] = check & 0xff;
}

static void expect_ipv6(uint8_t *ip, const struct want *w)
{
	if (w->ttl)
		ip[7] = w->ttl;
	if (is_set(w->tos)) {
		uint8_t tc = (uint8_t)set_value(w->tos);

		ip[0] = 0x60 | tc >> 4;
		ip[1] = (uint8_t)(tc << 4) | (ip[1] & 0x0f);
	}
}

void expect_packet(const struct pkt *in, const struct want *w, struct pkt *exp)
{
	*exp = *in;
	if (!w->ttl && !is_set(w->tos) && w->df == DF_SAME && !is_set(w->ip_id))
		return;
	if (in->ipv6)
		expect_ipv6(exp->b + in->at[AT_IP], w);
	else
		expect_ipv4(exp->b + in->at[AT_IP], w);
}

long first_difference(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return alen == blen ? -1 : (long)n;
}

enum udp_verdict udp_verify(const struct pkt_spec *s, const struct pkt *in, const uint8_t *out,
			    size_t out_len)
{
	static uint8_t dgram[2 * PKT_MAX];
	const uint8_t *ip = out + in->at[AT_IP];
	size_t l4 = (size_t)in->l4, n;

	if (!in->consistent || !in->ip || (s->proto && s->proto != 17) || out_len != in->len)
		return UDP_NOT_CHECKED;
	if (s->frag.part == WHOLE) {
		n = out_len - l4;
		memcpy(dgram, out + l4, n);
	} else {
		struct pkt_spec other = *s;
		static struct pkt sibling;
		const uint8_t *first = out, *later = sibling.b;
		size_t first_len = out_len, later_len;

		other.frag.part = s->frag.part == FIRST_FRAGMENT ? LATER_FRAGMENT : FIRST_FRAGMENT;
		pkt_build(&other, &sibling);
		later_len = sibling.len;
		if (s->frag.part == LATER_FRAGMENT) {
			first = sibling.b;
			first_len = sibling.len;
			later = out;
			later_len = out_len;
		}
		n = first_len - l4;
		memcpy(dgram, first + l4, n);
		memcpy(dgram + n, later + l4, later_len - l4);
		n += later_len - l4;
	}
	if (in->ipv6)
		return udp_csum_ok(ip + 8, ip + 24, 16, dgram, n) ? UDP_VALID : UDP_INVALID;
	return udp_csum_ok(ip + 12, ip + 16, 4, dgram, n) ? UDP_VALID : UDP_INVALID;
}
