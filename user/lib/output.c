/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output path: a packet usrsctp wants sent.  Each DATA chunk is mapped
 * to its message's options (chunkmap.c); a first transmission gets its
 * record; then the packet leaves as one datagram per option set, since one
 * IP header cannot carry two TTLs.  Records are written before the datagram
 * that needs them is handed to the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/ip.h>
#include "ep_int.h"

/*
 * A chunk's group is the datagram it goes in: control chunks, or the key of
 * its options (keys never have the top bit set), or, for a tracked message,
 * a group of its own, so an ICMP error quoting the datagram names only it.
 */
#define PM_GROUP_CTRL UINT32_MAX
#define PM_GROUP_TRACKED 0x80000000u  /* + message serial: a first transmission */
#define PM_GROUP_RETX    0xc0000000u  /* + TSN: a tracked chunk sent again */
#define PM_GROUP_SPAN    0x3fffffffu  /* both stay below PM_GROUP_CTRL */
#define PM_CHUNK_FORWARD_TSN 192

static int scratch_fit(struct pmark_conn *c, size_t chunks, size_t len)
{
	if (chunks > c->chunks_cap) {
		size_t cap = chunks < 64 ? 64 : chunks * 2;
		struct pm_chunk *ch = realloc(c->chunks, cap * sizeof(*ch));
		uint32_t *g = realloc(c->group_of, cap * sizeof(*g));
		uint32_t *p = realloc(c->picked, cap * sizeof(*p));
		uint32_t *k = realloc(c->key_of, cap * sizeof(*k));
		struct pm_chunk_note *nt = realloc(c->note_of, cap * sizeof(*nt));

		if (nt)
			c->note_of = nt;
		if (ch)
			c->chunks = ch;
		if (g)
			c->group_of = g;
		if (p)
			c->picked = p;
		if (k)
			c->key_of = k;
		if (!ch || !g || !p || !k || !nt)
			return -ENOMEM;
		c->chunks_cap = cap;
	}
	if (len > c->out_cap) {
		uint8_t *b = realloc(c->out_buf, len);

		if (!b)
			return -ENOMEM;
		c->out_buf = b;
		c->out_cap = len;
	}
	return 0;
}

/* The key is the record's fields already checked: straight into the slot. */
static void record_write(struct pmark_conn *c, uint32_t tsn, uint32_t key, uint32_t expire_ms,
			 uint16_t ip_id)
{
	struct pmark_ep *ep = c->ep;
	struct pmark_slot *slot;

	if (!c->assoc) {
		if (c->assoc_failed || !c->peer_vtag)
			goto failed;
		c->assoc = pmark_assoc_get(ep->maps, c->peer_vtag);
		if (!c->assoc) {
			c->assoc_failed = true;
			pm_log(ep, "no free ring for verification tag 0x%08x (%s): this association's "
			       "datagrams go out unmarked; attach with more --rings", c->peer_vtag,
			       pmark_strerror(-errno));
			goto failed;
		}
	}
	slot = &c->assoc->base[tsn & c->assoc->mask];
	if ((__atomic_load_n(&slot->flags, __ATOMIC_RELAXED) & PMARK_F_VALID) &&
	    __atomic_load_n(&slot->vtag, __ATOMIC_RELAXED) == c->peer_vtag &&
	    __atomic_load_n(&slot->tsn, __ATOMIC_RELAXED) != tsn)
		pm_count(c, PS_REC_OVERWRITTEN, 1);
	if (pmark_slot_write(slot, c->peer_vtag, tsn,
			     PMARK_F_VALID | pm_key_record_flags(key) | (ip_id ? PMARK_F_IPID : 0), pm_key_ttl(key),
			     pm_key_tos(key), pm_key_mask(key), ip_id, ep->cookie,
			     expire_ms ? pmark_now_ns() + (uint64_t)expire_ms * 1000000ull : 0) == 0) {
		pm_count(c, PS_REC_WRITTEN, 1);
		return;
	}
failed:
	pm_count(c, PS_REC_FAILED, 1);
}

/*
 * A `once` TSN sent again: use its record up now.  The program consumes the
 * record of a datagram's first DATA chunk only, and a retransmission may put
 * at the front a TSN that rode second in its first datagram.
 */
static void record_consume(struct pmark_conn *c, uint32_t tsn)
{
	const struct pm_tsn_seen *e = &c->seen[tsn & c->seen_mask];
	struct pmark_slot *slot;
	uint32_t seq;

	if (!c->assoc || e->tsn != tsn || e->state != 2 || !(pm_key_flags(e->key) & PMARK_F_ONCE))
		return;
	slot = &c->assoc->base[tsn & c->assoc->mask];
	seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
	/* `consumed` = the seq of the record version used up (see pmark_abi.h). */
	if (!(seq & 1) && (__atomic_load_n(&slot->flags, __ATOMIC_RELAXED) & PMARK_F_VALID) &&
	    __atomic_load_n(&slot->vtag, __ATOMIC_RELAXED) == c->peer_vtag &&
	    __atomic_load_n(&slot->tsn, __ATOMIC_RELAXED) == tsn)
		__atomic_store_n(&slot->consumed, seq, __ATOMIC_RELEASE);
}

/* The tag on our packets names the association's ring; INIT carries 0. */
static void learn_tags(struct pmark_conn *c, const uint8_t *pkt, const struct pm_packet *h,
		       const struct pm_chunk *ch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t tag;

		if (pm_init_tag(pkt, &ch[i], &tag) == 0)
			c->my_vtag = tag;
	}
	if (!h->vtag || h->vtag == c->peer_vtag)
		return;
	pm_release_records_locked(c);   /* a restarted association: its old records are dead */
	c->peer_vtag = h->vtag;
	c->assoc_failed = false;
}

/* Group key of every chunk; returns how many distinct data groups there are. */
static int map_chunks(struct pmark_conn *c, const uint8_t *pkt, const struct pm_packet *h, size_t n,
		      bool *has_ctrl, bool *has_auth)
{
	uint32_t first_key = 0;
	int groups = 0;
	bool tsn_records = c->ep->maps && !c->ep->xf;

	*has_ctrl = *has_auth = false;
	pthread_mutex_lock(&c->map_lock);
	learn_tags(c, pkt, h, c->chunks, n);
	for (size_t i = 0; i < n; i++) {
		const struct pm_chunk *ch = &c->chunks[i];
		struct pm_data d;
		uint32_t key, expire_ms;
		bool first;

		struct pm_track_info ti;
		uint32_t group;
		uint16_t ip_id;

		if (!pm_is_data(ch->type) || pm_data_parse(pkt, ch, &d)) {
			c->group_of[i] = c->key_of[i] = PM_GROUP_CTRL;
			*has_ctrl = true;
			*has_auth |= ch->type == PM_CHUNK_AUTH;
			if (ch->type == PM_CHUNK_FORWARD_TSN && ch->len >= 8 && c->track)
				pm_track_forward_locked(c, (uint32_t)pkt[ch->off + 4] << 24 |
							   (uint32_t)pkt[ch->off + 5] << 16 |
							   (uint32_t)pkt[ch->off + 6] << 8 | pkt[ch->off + 7]);
			continue;
		}
		if (pm_chunk_key(c, pkt, &d, &key, &expire_ms, &first, &ti))
			pm_count(c, PS_UNMAPPED, 1);
		pm_count(c, first ? PS_DATA_CHUNKS : PS_RETX, 1);
		group = key;
		ip_id = 0;
		/* A protected datagram's record waits for its DTLS record id (protect.c). */
		if (first && ti.tracked) {
			ip_id = pm_track_add_locked(c, d.tsn, key, &ti);
			if (tsn_records && (key || ip_id))
				record_write(c, d.tsn, key, expire_ms, ip_id);
			group = PM_GROUP_TRACKED + ti.serial % PM_GROUP_SPAN;
		} else if (first && key && tsn_records) {
			record_write(c, d.tsn, key, expire_ms, 0);
		} else if (!first) {
			if (tsn_records)
				record_consume(c, d.tsn);
			if (c->track && pm_track_has_locked(c, d.tsn)) {
				group = PM_GROUP_RETX + d.tsn % PM_GROUP_SPAN;
				ip_id = pm_track_ip_id_locked(c, d.tsn);
			}
		}
		c->note_of[i] = (struct pm_chunk_note){ .expire_ms = expire_ms, .ip_id = ip_id, .first = first };
		c->group_of[i] = group;
		c->key_of[i] = key;
		if (groups == 0) {
			first_key = group;
			groups = 1;
		} else if (group != first_key) {
			groups = 2;  /* enough to know a split is needed */
		}
	}
	pthread_mutex_unlock(&c->map_lock);
	return groups;
}

static size_t first_data_index(const struct pmark_conn *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->group_of[i] != PM_GROUP_CTRL)
			return i;
	return n;
}

/* What pm_send_dgram needs of a datagram whose first DATA chunk is chunk i (n: none). */
static void dgram_of(const struct pmark_conn *c, const uint8_t *pkt, size_t i, size_t n,
		     struct pm_dgram *dg)
{
	struct pm_data d;

	memset(dg, 0, sizeof(*dg));
	if (i >= n)
		return;
	dg->key = c->key_of[i];
	dg->expire_ms = c->note_of[i].expire_ms;
	dg->ip_id = c->note_of[i].ip_id;
	dg->first = c->note_of[i].first;
	if (c->group_of[i] != PM_GROUP_CTRL && (c->group_of[i] & PM_GROUP_TRACKED) &&
	    !pm_data_parse(pkt, &c->chunks[i], &d)) {
		dg->tracked = true;
		dg->tsn = d.tsn;
	}
}

static bool tracked_first(const struct pmark_conn *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->group_of[i] != PM_GROUP_CTRL)
			return c->group_of[i] & PM_GROUP_TRACKED;
	return false;
}

/* A tracked datagram is about to leave: its send time starts its RTT. */
static void note_tracked(struct pmark_conn *c, const uint8_t *pkt, size_t first_chunk, size_t len)
{
	struct pm_data d;

	if (!(c->group_of[first_chunk] & PM_GROUP_TRACKED) || c->group_of[first_chunk] == PM_GROUP_CTRL ||
	    pm_data_parse(pkt, &c->chunks[first_chunk], &d))
		return;
	pthread_mutex_lock(&c->map_lock);
	pm_track_sent_locked(c, d.tsn, (uint32_t)len);
	pthread_mutex_unlock(&c->map_lock);
	pm_count(c, PS_TRACKED, 1);
}

static int emit(struct pmark_conn *c, const uint8_t *pkt, size_t n, uint32_t group, bool with_ctrl,
		bool with_data)
{
	size_t k = 0, len, first_data = n;
	struct pm_dgram dg;

	for (size_t i = 0; i < n; i++) {
		uint32_t g = c->group_of[i];

		if ((g == PM_GROUP_CTRL && with_ctrl) || (g != PM_GROUP_CTRL && with_data && g == group)) {
			if (g != PM_GROUP_CTRL && first_data == n)
				first_data = i;
			c->picked[k++] = (uint32_t)i;
		}
	}
	if (!k)
		return 0;
	len = pm_build(pkt, c->chunks, c->picked, k, c->out_buf);
	if (first_data < n && c->track)
		note_tracked(c, pkt, first_data, len);
	dgram_of(c, pkt, first_data, n, &dg);
	return pm_send_dgram(c, c->out_buf, len, &dg);
}

/*
 * Cut the packet: control chunks ride with the unmarked data if there is
 * any, else go first and alone (a TTL-limited probe must not take a SACK or
 * FORWARD-TSN down with it); then one datagram per option set, chunks in
 * their order.
 */
static int send_split(struct pmark_conn *c, const uint8_t *pkt, size_t n, bool has_ctrl)
{
	uint32_t *done = c->picked + n;   /* scratch: keys already sent */
	size_t ndone = 0;
	bool zero_group = false;
	int err = 0, rc;

	for (size_t i = 0; i < n; i++)
		zero_group |= c->group_of[i] == 0;
	if (has_ctrl && !zero_group)
		err = emit(c, pkt, n, 0, true, false);
	for (size_t i = 0; i < n; i++) {
		uint32_t key = c->group_of[i];
		bool sent = false;

		if (key == PM_GROUP_CTRL)
			continue;
		for (size_t j = 0; j < ndone; j++)
			sent |= done[j] == key;
		if (sent)
			continue;
		done[ndone++] = key;
		rc = emit(c, pkt, n, key, key == 0, true);
		if (rc)
			err = rc;
	}
	pm_count(c, PS_SPLIT, 1);
	return err;
}

int pm_output(struct pmark_conn *c, const uint8_t *pkt, size_t len)
{
	struct pm_packet h;
	size_t total = 0;
	bool has_ctrl, has_auth;
	struct pm_dgram dg;
	uint32_t key;
	size_t first;
	int n, groups, err;

	pm_count(c, PS_PACKETS_OUT, 1);
	if (c->ep->mode == PMARK_MODE_OFF)
		return pm_send_dgram(c, pkt, len, NULL);
	pthread_mutex_lock(&c->out_lock);
	n = pm_packet_parse(pkt, len, &h, c->chunks, c->chunks_cap, &total);
	if (n >= 0 && total > (size_t)n) {
		if (scratch_fit(c, total, len + 3)) {
			n = -ENOMEM;
		} else {
			n = pm_packet_parse(pkt, len, &h, c->chunks, c->chunks_cap, &total);
		}
	}
	/* +3: a rebuilt packet pads a last chunk that came without its padding. */
	if (n >= 0 && scratch_fit(c, (size_t)n * 2 + 1, len + 3))
		n = -ENOMEM;
	if (n < 0) {     /* usrsctp's own packet does not parse: send it unmarked */
		pthread_mutex_unlock(&c->out_lock);
		return pm_send_dgram(c, pkt, len, NULL);
	}
	groups = map_chunks(c, pkt, &h, (size_t)n, &has_ctrl, &has_auth);
	first = first_data_index(c, (size_t)n);
	key = first < (size_t)n ? c->key_of[first] : 0;
	dgram_of(c, pkt, first, (size_t)n, &dg);
	if (groups == 2 && has_auth) {
		/* AUTH covers the chunks after it: cutting would break it. */
		pm_count(c, PS_UNSPLITTABLE, 1);
		err = pm_send_dgram(c, pkt, len, &dg);
	} else if (groups == 2 || (has_ctrl && !has_auth && ((pm_key_flags(key) & PMARK_F_TTL) ||
							     tracked_first(c, (size_t)n)))) {
		/* A tracked datagram starts with its DATA chunk: the TSN an ICMP quote shows. */
		err = send_split(c, pkt, (size_t)n, has_ctrl);
	} else {
		if (first < (size_t)n && c->track)
			note_tracked(c, pkt, first, len);
		err = pm_send_dgram(c, pkt, len, &dg);
	}
	pthread_mutex_unlock(&c->out_lock);
	return err;
}
