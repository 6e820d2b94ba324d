// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: one input is one packet as the tc egress program sees
 * it, behind a control byte.  Bit 0 of that byte set: an Ethernet frame
 * (pmark_egress); clear: a bare IP packet (pmark_egress_l3).  Bits 1..7:
 * how much of the packet is linear in one of the paged runs, in 128ths.
 * It runs bpf/pmark_parse.h, the parser the egress program is built from,
 * and checks the verdict and fields against the harness's own reading of
 * the bytes, against the same packet with less of it linear, and against
 * the same IP packet bare and behind 0, 1 and 2 VLAN tags.  See
 * docs/fuzzing.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_check.h"

/*
 * The map lookups, as functions of the ports (the same as fuzz_icmp.c's).
 * A source port is registered unless divisible by 3 and has protected
 * peers when divisible by 5; of its peers, those whose port is 6 modulo 7
 * are protected.  So 5002 is a plain SCTP port, 5000 a DTLS port whose
 * peer 4444 is protected and whose peer 5001 is not, and 6000 is not ours.
 */
static bool is_registered(uint16_t port)
{
	return port % 3 != 0;
}

static bool is_dtls_port(uint16_t port)
{
	return port % 5 == 0;
}

static bool is_protected(uint16_t peer_port)
{
	return peer_port % 7 == 6;
}

/* A tag naming both ports: a vtag equal to it was passed through from the lookup. */
static uint32_t peer_tag(uint16_t sport, uint16_t dport)
{
	return (uint32_t)sport << 16 | dport;
}

struct pmark_dtls_key;
static bool port_registered(uint16_t port);
static int dtls_peer(const struct pmark_dtls_key *k, uint32_t *tag);
#define PMARK_PORT_REGISTERED(port) port_registered(port)
#define PMARK_PORT_DTLS(port) is_dtls_port(port)
#define PMARK_DTLS_PEER(key, tag) dtls_peer(key, tag)
#include "pmark_parse.h"

/* What one parse asked the maps: besides the bytes, the parser's only input. */
struct asked {
	unsigned port_asks;
	uint16_t port;
	unsigned peer_asks;
	struct pmark_dtls_key key;
};
static struct asked asked;

static bool port_registered(uint16_t port)
{
	asked.port_asks++;
	asked.port = port;
	return is_registered(port);
}

static int dtls_peer(const struct pmark_dtls_key *k, uint32_t *tag)
{
	asked.peer_asks++;
	asked.key = *k;
	*tag = peer_tag(k->sport, k->dport);
	return is_protected(k->dport);
}

struct outcome {
	int verdict;
	struct pmark_pkt pkt;   /* zeroed before the parse, as the program does */
	struct asked asked;
	size_t reach;           /* PARSED: the furthest frame offset the walk bound was checked at */
};

/*
 * The first `linear` bytes of the frame in a heap copy of exactly that
 * size (an empty one just past a 1-byte block: ASan gives malloc(0) a
 * byte), as the data of an skb of pkt_len bytes.
 */
static struct outcome parse(const uint8_t *frame, size_t linear, size_t pkt_len, bool l2)
{
	uint8_t *block = malloc(linear ? linear : 1);
	uint8_t *head = block + !linear;
	struct outcome o;

	CHECK(block);
	memcpy(head, frame, linear);
	memset(&o, 0, sizeof(o));
	memset(&asked, 0, sizeof(asked));
	o.verdict = pmark_parse(head, head + linear, (__u32)pkt_len, l2, &o.pkt);
	o.asked = asked;
	free(block);
	return o;
}

/* The same verdict, the same fields (l3_off aside unless asked) and the same questions to the maps. */
static bool same(const struct outcome *a, const struct outcome *b, bool with_l3_off)
{
	const struct pmark_pkt *x = &a->pkt, *y = &b->pkt;

	return a->verdict == b->verdict && !memcmp(&x->frag, &y->frag, sizeof(x->frag)) &&
	       x->vtag == y->vtag && x->tsn == y->tsn && x->epoch == y->epoch &&
	       (!with_l3_off || x->l3_off == y->l3_off) && x->has_data == y->has_data &&
	       x->dtls == y->dtls && x->dtls_no_peer == y->dtls_no_peer &&
	       x->fragment == y->fragment && x->first_fragment == y->first_fragment &&
	       x->last_fragment == y->last_fragment &&
	       a->asked.port_asks == b->asked.port_asks && a->asked.port == b->asked.port &&
	       a->asked.peer_asks == b->asked.peer_asks &&
	       !memcmp(&a->asked.key, &b->asked.key, sizeof(a->asked.key));
}

/*
 * Where the IP header of an Ethernet frame starts (0: the frame ends in its
 * L2 header) and the EtherType in front of it: after the MACs, the tags of
 * at most two 802.1Q / 802.1ad TPIDs.
 */
static size_t l2_len(const uint8_t *f, size_t n, uint16_t *ethertype)
{
	size_t at = 12;

	for (int tags = 0; at + 2 <= n; tags++, at += 4) {
		*ethertype = be16(f + at);
		if (tags == 2 || (*ethertype != 0x8100 && *ethertype != 0x88a8))
			return at + 2;
	}
	return 0;
}

/* The harness's own reading of an IP header chain, in size_t, from the IP header. */
struct ip_view {
	bool udp_found;         /* the chain ends at a UDP header whose 8 bytes are there */
	size_t udp;             /* where */
	size_t ip_end;          /* where the datagram ends; SIZE_MAX for a jumbogram */
	bool fragment, first, later, last;  /* as the fragment header that decides says */
	uint8_t later_proto;
	const uint8_t *id;      /* IPv4 ID or IPv6 fragment identification, as on the wire */
};

/* The parser said the IP header is there: 20 bytes for IPv4, 40 for IPv6. */
static void view_ip(const uint8_t *ip, size_t n, int family, struct ip_view *v)
{
	size_t at = 40;
	uint8_t next;

	memset(v, 0, sizeof(*v));
	if (family == 4) {
		size_t hlen = 4 * (size_t)(ip[0] & 0x0f);
		uint16_t frag = be16(ip + 6);

		v->ip_end = be16(ip + 2);
		v->id = ip + 4;
		v->later = (frag & 0x1fff) != 0;
		v->fragment = v->later || (frag & 0x2000);
		v->first = v->fragment && !v->later;
		v->last = v->later && !(frag & 0x2000);
		v->later_proto = ip[9];
		v->udp = hlen;
		v->udp_found = ip[9] == 17 && !v->later && hlen >= 20 && v->ip_end >= hlen &&
			       hlen + 8 <= n;
		return;
	}
	v->ip_end = be16(ip + 4) ? 40 + (size_t)be16(ip + 4) : SIZE_MAX;
	next = ip[6];
	for (int walked = 0; next != 17; walked++) {
		bool ext = next == 0 || next == 43 || next == 60 || next == 44;

		if (!ext || walked == 6 || at + 8 > n)
			return;
		if (next == 44) {
			size_t offset8 = be16(ip + at + 2) >> 3;
			bool more = ip[at + 3] & 1;

			if (offset8 || more) {
				v->fragment = true;
				v->id = ip + at + 4;
				if (offset8) {
					v->first = false;
					v->later = true;
					v->last = !more;
					v->later_proto = ip[at];
					return;
				}
				v->first = true;
			}
			next = ip[at];
			at += 8;
		} else {
			next = ip[at];
			at += 8 * ((size_t)ip[at + 1] + 1);
		}
	}
	v->udp = at;
	v->udp_found = at + 8 <= n;
}

/* The frag key's ID as the parser keeps it: the wire bytes, unswapped. */
static uint32_t wire_id(const uint8_t *id, int family)
{
	uint16_t id16;
	uint32_t id32;

	if (family == 4) {
		memcpy(&id16, id, 2);
		return id16;
	}
	memcpy(&id32, id, 4);
	return id32;
}

/*
 * The chunk walk of a datagram the parser said PARSED, in size_t: the
 * parser has read every chunk header up to the first DATA / I-DATA, so
 * each must be there and valid.  Returns the offset of the last chunk
 * walked (the UDP header's without chunks).
 */
static size_t check_chunks(const uint8_t *f, size_t n, size_t udp, const struct pmark_pkt *pkt)
{
	size_t end = udp + be16(f + udp + 4), at = udp + 8 + 12, last = udp;
	unsigned chunks = 0;

	while (at < end) {
		size_t len;

		CHECK(at + 4 <= n);
		len = be16(f + at + 2);
		last = at;
		chunks++;
		CHECK(chunks <= PMARK_MAX_CHUNKS && at + len <= end);
		if (f[at] == 0 || f[at] == 64) {
			CHECK(len >= (f[at] ? 20u : 16u) && at + 8 <= n);
			CHECK(pkt->has_data && pkt->tsn == be32(f + at + 4));
			return last;
		}
		CHECK(len >= 4);
		at += (len + 3) / 4 * 4;
	}
	CHECK(!pkt->has_data && pkt->tsn == 0);
	return last;
}

/* A protected peer's datagram the parser said PARSED: its first DTLS record header. */
static void check_record(const uint8_t *udp, const struct outcome *o)
{
	const struct pmark_pkt *pkt = &o->pkt;
	const uint8_t *h = udp + 8;
	uint16_t version = be16(h + 1);

	CHECK(version == 0xfefd || version == 0xfeff);
	CHECK(be16(h + 11) + 13u <= be16(udp + 4) - 8u);
	CHECK(pkt->has_data == (h[0] == 23));
	if (pkt->has_data)
		CHECK(pkt->vtag == peer_tag(be16(udp), be16(udp + 2)) && pkt->tsn == be32(h + 7) &&
		      pkt->epoch == be16(h + 3));
	else
		CHECK(pkt->vtag == 0 && pkt->tsn == 0 && pkt->epoch == 0);
}

/*
 * The other direction: the verdict a frame breaking no rule of the parser
 * (docs/design.md) must get, from the harness's own strict reading; -1
 * where the harness does not say.  Its own L2 length and the version
 * nibble; an IP header with its lengths exactly the bytes there, not a
 * later fragment; a UDP header within the walk bound.  From a port not
 * registered: not ours.  From a registered one, with the UDP length
 * exactly the rest (any, on a first fragment): a protected peer's DTLS
 * record header, or a chunk walk that meets a DATA / I-DATA chunk or the
 * end within 16 chunks and the bound, is PARSED.
 */
static int due_verdict(const uint8_t *f, size_t n, bool l2)
{
	uint16_t ethertype = 0;
	size_t l3 = l2 ? l2_len(f, n, &ethertype) : 0, udp, udp_len, end, at;
	const uint8_t *ip = f + l3;
	unsigned chunks = 0;
	struct ip_view iv;
	int family;

	if ((l2 && !l3) || n <= l3)
		return -1;
	family = ip[0] >> 4;
	if (l2 && ethertype != (family == 6 ? 0x86dd : 0x0800))
		return -1;
	if (family != 4 && family != 6)
		return -1;
	if (n - l3 < (family == 4 ? 20u : 40u))
		return -1;
	view_ip(ip, n - l3, family, &iv);
	if (!iv.udp_found || iv.later || iv.ip_end != n - l3)
		return -1;
	udp = l3 + iv.udp;
	if (udp > PMARK_MAX_WALK_OFF)
		return -1;
	if (!is_registered(be16(f + udp)))
		return PMARK_CNT_NOT_OURS;
	udp_len = be16(f + udp + 4);
	if (!iv.first && udp_len != n - udp)
		return -1;
	if (is_dtls_port(be16(f + udp)) && is_protected(be16(f + udp + 2))) {
		const uint8_t *h = f + udp + 8;

		if (udp_len < 8 + 13u || udp + 8 + 13 > n || (be16(h + 1) != 0xfefd && be16(h + 1) != 0xfeff))
			return -1;
		return be16(h + 11) + 13u <= udp_len - 8 ? PMARK_CNT_PARSED : -1;
	}
	if (udp_len < 8 + 12u || udp + 8 + 12 > n)
		return -1;
	end = udp + udp_len;
	for (at = udp + 8 + 12; at < end; at += (be16(f + at + 2) + 3) / 4 * 4) {
		size_t len;

		if (at > PMARK_MAX_WALK_OFF || ++chunks > PMARK_MAX_CHUNKS || at + 4 > end || at + 4 > n)
			return -1;
		len = be16(f + at + 2);
		if (len < 4 || at + len > end)
			return -1;
		if (f[at] == 0 || f[at] == 64)
			return len >= (f[at] ? 20u : 16u) && at + 8 <= n ? PMARK_CNT_PARSED : -1;
	}
	return PMARK_CNT_PARSED;
}

/*
 * What a parse of a whole frame (all n bytes linear) promises, from the
 * bytes.  Returns, for PARSED, the furthest frame offset the walk bound
 * was checked at (the UDP header, or the last chunk walked).
 */
static size_t check_outcome(const uint8_t *f, size_t n, bool l2, const struct outcome *o)
{
	const struct pmark_pkt *pkt = &o->pkt;
	const struct pmark_frag_key *fk = &pkt->frag;
	const struct asked *a = &o->asked;
	int v = o->verdict, family = fk->family;
	uint16_t ethertype = 0;
	size_t l3 = l2 ? l2_len(f, n, &ethertype) : 0, udp_at, ip_end, reach;
	const uint8_t *ip = f + pkt->l3_off, *udp;
	struct ip_view iv = { 0 };
	size_t header, udp_len;
	bool protected;
	int due = due_verdict(f, n, l2);

	CHECK(due < 0 || v == due);
	/* All linear: never a pull. */
	CHECK(v == PMARK_CNT_PARSED || v == PMARK_CNT_NOT_OURS || v == PMARK_CNT_MALFORMED ||
	      v == PMARK_CNT_TRUNCATED || v == PMARK_CNT_WALK_LIMIT || v == PMARK_LATER_FRAGMENT);
	/* L2: the harness's count of tags, or 0 for a frame that ends in them. */
	CHECK(pkt->l3_off == 0 || (l2 && pkt->l3_off == l3));
	CHECK(!l2 || pkt->l3_off || v == PMARK_CNT_TRUNCATED);

	CHECK(family == 0 || family == 4 || family == 6);
	CHECK(family || v == PMARK_CNT_TRUNCATED || v == PMARK_CNT_NOT_OURS || v == PMARK_CNT_MALFORMED);
	CHECK(fk->reserved == 0);
	if (family) {
		CHECK(pkt->l3_off + (family == 4 ? 20u : 40u) <= n && ip[0] >> 4 == family);
		CHECK(!l2 || ethertype == (family == 4 ? 0x0800 : 0x86dd));
		view_ip(ip, n - pkt->l3_off, family, &iv);
	}

	/* Fragments: the flags, never both, and a key only for a fragment. */
	CHECK(!pkt->first_fragment || pkt->fragment);
	CHECK(!pkt->last_fragment || pkt->fragment);
	CHECK(!(pkt->first_fragment && pkt->last_fragment));
	if (!pkt->fragment) {
		CHECK(all_zero(fk->saddr, sizeof(fk->saddr)) && all_zero(fk->daddr, sizeof(fk->daddr)));
		CHECK(fk->id == 0 && fk->proto == 0);
	} else {
		CHECK(family && fk->proto == 17);
		if (family == 4)
			CHECK(!memcmp(fk->saddr, ip + 12, 4) && !memcmp(fk->daddr, ip + 16, 4) &&
			      all_zero(&fk->saddr[1], 12) && all_zero(&fk->daddr[1], 12));
		else
			CHECK(!memcmp(fk->saddr, ip + 8, 16) && !memcmp(fk->daddr, ip + 24, 16));
	}
	if (v == PMARK_LATER_FRAGMENT)
		CHECK(family && iv.later && iv.later_proto == 17 && pkt->fragment &&
		      !pkt->first_fragment && pkt->last_fragment == iv.last &&
		      fk->id == wire_id(iv.id, family));

	/* What only the UDP payload sets. */
	CHECK(!pkt->has_data || v == PMARK_CNT_PARSED);
	CHECK(!pkt->dtls || v == PMARK_CNT_PARSED);
	CHECK(!pkt->tsn || pkt->has_data);
	CHECK(!pkt->epoch || (pkt->dtls && pkt->has_data));
	CHECK(!(pkt->dtls && pkt->dtls_no_peer));
	/* Each lookup is a map access the program pays for: once a packet at most. */
	CHECK(a->port_asks <= 1 && a->peer_asks <= 1);
	if (!a->port_asks) {
		CHECK(v != PMARK_CNT_PARSED && !pkt->vtag && !a->peer_asks && !pkt->dtls_no_peer);
		return 0;
	}

	/* The parser reached a UDP header: the harness finds the same one, and the same fragment. */
	CHECK(family && iv.udp_found);
	udp_at = pkt->l3_off + iv.udp;
	udp = f + udp_at;
	ip_end = iv.ip_end == SIZE_MAX ? SIZE_MAX : pkt->l3_off + iv.ip_end;
	CHECK(a->port == be16(udp));
	CHECK(pkt->fragment == iv.fragment && pkt->first_fragment == iv.first && !pkt->last_fragment);
	CHECK(!pkt->fragment || fk->id == wire_id(iv.id, family));
	if (!is_registered(a->port)) {
		CHECK(v == PMARK_CNT_NOT_OURS && !pkt->vtag && !a->peer_asks && !pkt->dtls_no_peer);
		return 0;
	}
	CHECK(v != PMARK_CNT_NOT_OURS && v != PMARK_LATER_FRAGMENT);

	/* Only a DTLS port asks for the peer, with the datagram's own addresses. */
	CHECK(a->peer_asks == is_dtls_port(a->port));
	if (a->peer_asks) {
		const struct pmark_dtls_key *k = &a->key;

		CHECK(k->family == family && k->sport == be16(udp) && k->dport == be16(udp + 2));
		CHECK(all_zero(k->reserved, sizeof(k->reserved)));
		if (family == 4)
			CHECK(!memcmp(k->daddr, ip + 16, 4) && all_zero(&k->daddr[1], 12));
		else
			CHECK(!memcmp(k->daddr, ip + 24, 16));
	}
	protected = a->peer_asks && is_protected(a->key.dport);
	CHECK(pkt->dtls_no_peer == (a->peer_asks && !protected));
	CHECK(pkt->dtls == (protected && v == PMARK_CNT_PARSED));
	if (v != PMARK_CNT_PARSED) {
		/* The SCTP vtag may be read before a later refusal; a record's tag never is. */
		if (pkt->vtag)
			CHECK(!protected && udp_at + 20 <= n && pkt->vtag == be32(udp + 12));
		return 0;
	}

	/* PARSED: the datagram's lengths as the parser promises them, and its fields. */
	header = protected ? PMARK_DTLS_HDR_LEN : 12;
	udp_len = be16(udp + 4);
	CHECK(udp_len >= 8 + header && udp_at + 8 + header <= n && udp_at + 8 + header <= ip_end);
	CHECK(pkt->first_fragment || udp_at + udp_len <= ip_end);
	if (protected) {
		check_record(udp, o);
		reach = udp_at;
	} else {
		CHECK(pkt->vtag == be32(udp + 12) && pkt->epoch == 0);
		reach = check_chunks(f, n, udp_at, pkt);
	}
	CHECK(reach <= PMARK_MAX_WALK_OFF);
	return reach;
}

/*
 * Paged skb: only a prefix linear.  The parse reads nothing past it (the
 * copy is exact) and either asks for a pull or answers as on the whole
 * frame.  Since it needs the same bytes whatever the cut, it asks for a
 * pull exactly below one length: a binary search finds it, and three more
 * cuts must fall on the right side of it.
 */
static void check_paged(const uint8_t *f, size_t n, bool l2, uint8_t ctl, const struct outcome *whole)
{
	size_t lo = 0, hi = n, cuts[3] = { n * (ctl >> 1) / 128, n / 2, n ? n - 1 : 0 };
	struct outcome o;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		o = parse(f, mid, n, l2);
		CHECK(o.verdict == PMARK_NEED_PULL || same(&o, whole, true));
		if (o.verdict == PMARK_NEED_PULL)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = 0; i < 3; i++) {
		o = parse(f, cuts[i], n, l2);
		CHECK((o.verdict == PMARK_NEED_PULL) == (cuts[i] < lo));
		CHECK(o.verdict == PMARK_NEED_PULL || same(&o, whole, true));
	}
	/* The same bytes all linear in a longer skb: a pull exactly where they were truncated. */
	o = parse(f, n, n + 1, l2);
	CHECK(whole->verdict == PMARK_CNT_TRUNCATED ? o.verdict == PMARK_NEED_PULL : same(&o, whole, true));
}

/* The IP packet behind an Ethernet header with 0, 1 or 2 tags (l3 = 14, 18, 22), or bare (0). */
static struct outcome parse_framed(const uint8_t *ip, size_t n, size_t l3)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xfe };
	uint8_t *f = malloc(l3 + n ? l3 + n : 1);
	uint16_t ethertype = n && ip[0] >> 4 == 6 ? 0x86dd : 0x0800;
	struct outcome o;

	CHECK(f);
	if (l3) {
		size_t at = 12;

		memcpy(f, macs, sizeof(macs));
		for (; at + 2 < l3; at += 4) {
			uint16_t tpid = at == 12 && l3 == 22 ? 0x88a8 : 0x8100;

			f[at] = tpid >> 8;
			f[at + 1] = tpid & 0xff;
			f[at + 2] = 0;
			f[at + 3] = (uint8_t)at;      /* VLAN ID */
		}
		f[at] = ethertype >> 8;
		f[at + 1] = ethertype & 0xff;
	}
	memcpy(f + l3, ip, n);
	o = parse(f, l3 + n, l3 + n, l3 != 0);
	o.reach = check_outcome(f, l3 + n, l3 != 0, &o);
	free(f);
	return o;
}

/*
 * The same IP packet bare and framed gives the same answer, l3_off aside,
 * except that the walk bound counts from the frame's start: a frame may
 * stop at walk_limit where the bare packet went on, exactly when the
 * offsets the bare parse walked, moved by the L2 header, pass the bound.
 * `frame`, the input itself when it is such a frame (its IP header at
 * frame_l3, after fewer than 3 tags, behind the EtherType the version
 * calls for), must answer exactly like the harness's frame with as many
 * tags: MACs, VLAN IDs and TPIDs are not read beyond their kind.
 */
static void check_framings(const uint8_t *ip, size_t n, const struct outcome *frame, size_t frame_l3)
{
	static const size_t l3s[4] = { 0, 14, 18, 22 };
	struct outcome o[4];

	for (int i = 0; i < 4; i++)
		o[i] = parse_framed(ip, n, l3s[i]);
	CHECK(o[0].pkt.l3_off == 0);
	for (int i = 1; i < 4; i++) {
		CHECK(o[i].pkt.l3_off == l3s[i]);
		if (o[0].verdict == PMARK_CNT_PARSED && o[0].reach + l3s[i] > PMARK_MAX_WALK_OFF)
			CHECK(o[i].verdict == PMARK_CNT_WALK_LIMIT);
		else if (o[0].verdict == PMARK_CNT_PARSED)
			CHECK(same(&o[i], &o[0], false));
		else
			CHECK(o[i].verdict == PMARK_CNT_WALK_LIMIT || same(&o[i], &o[0], false));
		CHECK(o[i - 1].verdict != PMARK_CNT_WALK_LIMIT || o[i].verdict == PMARK_CNT_WALK_LIMIT);
		if (frame && frame_l3 == l3s[i])
			CHECK(same(frame, &o[i], true));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *f = data + 1;
	size_t n, l3 = 0;
	uint16_t ethertype = 0;
	struct outcome whole;
	bool l2, like_ours;

	if (size < 1)
		return 0;
	n = size - 1;
	l2 = data[0] & 1;
	whole = parse(f, n, n, l2);
	whole.reach = check_outcome(f, n, l2, &whole);
	check_paged(f, n, l2, data[0], &whole);
	/* Its IP packet (a frame cut in its L2 header: all of it, just more bytes) bare and framed. */
	if (l2)
		l3 = l2_len(f, n, &ethertype);
	like_ours = l3 && ethertype == (n > l3 && f[l3] >> 4 == 6 ? 0x86dd : 0x0800);
	check_framings(f + l3, n - l3, like_ours ? &whole : NULL, l3);
	return 0;
}
