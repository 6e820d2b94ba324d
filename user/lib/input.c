/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A datagram from the peer, once usrsctp has taken it: its SACKs tell which
 * of our TSNs are acknowledged, so their records can go.  Only a packet that
 * carries our tag and a correct CRC32c may remove records.
 */
#include <string.h>
#include "ep_int.h"

void pm_input(struct pmark_conn *c, const uint8_t *pkt, size_t len)
{
	struct pm_chunk ch[16];
	struct pm_packet h;
	size_t total = 0;
	bool crc_checked = false;
	int n = pm_packet_parse(pkt, len, &h, ch, 16, &total);

	if (n < 0) {
		pm_count(c, PS_BAD_IN, 1);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct pm_sack s;

		if (ch[i].type != PM_CHUNK_SACK && ch[i].type != PM_CHUNK_NR_SACK)
			continue;
		if (pm_sack_parse(pkt, &ch[i], &s)) {
			pm_count(c, PS_BAD_IN, 1);
			return;
		}
		if (!crc_checked) {
			if (!pm_crc_ok(pkt, len)) {
				pm_count(c, PS_BAD_IN, 1);
				return;
			}
			crc_checked = true;
		}
		pm_count(c, PS_SACKS, 1);
		pthread_mutex_lock(&c->map_lock);
		if (c->my_vtag && h.vtag == c->my_vtag) {
			c->cum_ack = s.cum_tsn_ack;
			if (c->track)
				pm_track_sack_locked(c, pkt, &ch[i], &s);
			if (c->assoc) {
				int removed = pmark_assoc_forget_upto(c->assoc, s.cum_tsn_ack);

				if (removed > 0)
					pm_count(c, PS_REC_ACKED, (uint64_t)removed);
			}
		}
		pthread_mutex_unlock(&c->map_lock);
	}
}

void pm_release_records_locked(struct pmark_conn *c)
{
	if (c->assoc) {
		uint64_t live = atomic_load(&c->st[PS_REC_WRITTEN]) - atomic_load(&c->st[PS_REC_ACKED]) -
				atomic_load(&c->st[PS_REC_RELEASED]) -
				atomic_load(&c->st[PS_REC_OVERWRITTEN]);

		pm_count(c, PS_REC_RELEASED, live);
		pmark_assoc_put(c->assoc, true);
		c->assoc = NULL;
	}
}

void pm_release_records(struct pmark_conn *c)
{
	pthread_mutex_lock(&c->map_lock);
	pm_release_records_locked(c);
	pthread_mutex_unlock(&c->map_lock);
}
