// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pmark tc egress marker: rewrites IPv4 TTL/TOS/DF/ID and IPv6 hop limit /
 * traffic class on UDP datagrams carrying SCTP (RFC 6951), according to the
 * record for (verification tag, TSN of the first DATA or I-DATA chunk), or
 * for a protected peer (SCTP inside DTLS) to the record for (the peer's tag,
 * epoch and sequence number of the first DTLS record).
 * And its ingress companion: for each ICMP / ICMPv6 error quoting one of
 * those datagrams, keeps what the quoted IP header shows in "quotes".
 *
 * Every path returns TC_ACT_OK: the programs mark or leave alone, they never
 * drop.  Every outcome is counted in the per-CPU "counters" map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pmark_abi.h"

static __always_inline int port_registered(__u16 port);
static __always_inline int port_dtls(__u16 port);
static __always_inline int dtls_peer(const struct pmark_dtls_key *key, __u32 *tag);
#define PMARK_PORT_REGISTERED(port) port_registered(port)
#define PMARK_PORT_DTLS(port) port_dtls(port)
#define PMARK_DTLS_PEER(key, tag) dtls_peer(key, tag)
#include "pmark_parse.h"
#include "pmark_icmp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_OK 0
#define IP_DF 0x4000
#define barrier() asm volatile("" ::: "memory")
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

/* Set by the loader before load; the verifier then sees constants. */
const volatile __u32 ring_shift = PMARK_DEFAULT_RING_SHIFT;
const volatile __u32 nrings = PMARK_DEFAULT_RINGS;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pmark_slot);
	__uint(max_entries, PMARK_DEFAULT_RINGS << PMARK_DEFAULT_RING_SHIFT);
} pmark_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pmark_ring);
	__uint(max_entries, PMARK_DEFAULT_RINGS);
} pmark_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pmark_ports);
	__uint(max_entries, 1);
} pmark_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pmark_frag);
	__uint(max_entries, PMARK_FRAG_ENTRIES);
} pmark_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pmark_counters);
	__uint(max_entries, 1);
} pmark_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pmark_config);
	__uint(max_entries, 1);
} pmark_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct pmark_dev_key);
	__type(value, struct pmark_dev);
	__uint(max_entries, 256);
} pmark_devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct pmark_quote_key);
	__type(value, struct pmark_quote);
	__uint(max_entries, PMARK_QUOTE_ENTRIES);
} pmark_quotes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct pmark_dtls_key);
	__type(value, struct pmark_dtls_peer);
	__uint(max_entries, PMARK_DTLS_PEERS);
} pmark_dtls SEC(".maps");

static __always_inline int port_registered(__u16 port)
{
	__u32 zero = 0;
	struct pmark_ports *p = bpf_map_lookup_elem(&pmark_ports, &zero);

	if (!p)
		return 0;
	return (p->bits[(port >> 6) & (PMARK_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

/* Only on these ports is the peer looked up: the hash lookup costs a helper call. */
static __always_inline int port_dtls(__u16 port)
{
	__u32 zero = 0;
	struct pmark_ports *p = bpf_map_lookup_elem(&pmark_ports, &zero);

	if (!p)
		return 0;
	return (p->dtls_bits[(port >> 6) & (PMARK_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

static __always_inline int dtls_peer(const struct pmark_dtls_key *key, __u32 *tag)
{
	struct pmark_dtls_peer *peer = bpf_map_lookup_elem(&pmark_dtls, key);

	if (!peer)
		return 0;
	*tag = peer->tag;
	return 1;
}

/*
 * What find_record returns, and pmark_l4 passes back, in one scalar: the
 * verdict (a counter) in bits 0..7 and, for PMARK_CNT_MARKED, the actions to
 * apply from bit 16 up.  A scalar rather than an out-parameter, so the
 * caller's verifier state after the call to the global function depends on
 * nothing the callee did to the caller's stack.
 */
#define FOUND_FLAGS_SHIFT 16
#define FOUND_TTL_SHIFT   24
#define FOUND_TOS_SHIFT   32
#define FOUND_MASK_SHIFT  40
#define FOUND_IPID_SHIFT  48

/*
 * Copy the record for (vtag, tsn, epoch) out of its slot under the sequence
 * lock and decide whether it applies to this skb.  SCTP packets look up
 * epoch 0; protected datagrams (tag, sequence low 32 bits, epoch).  Returns
 * the counter that explains a refusal, or PMARK_CNT_MARKED with the actions
 * (FOUND_*).
 */
static __always_inline __u64 find_record(struct __sk_buff *skb, __u32 vtag, __u32 tsn, __u32 epoch)
{
	__u32 idx, seq, svtag, stsn, ring, h = pmark_ring_hash(vtag);
	__u64 owner, expire, want = (__u64)vtag + 1;
	struct pmark_slot *slot;
	__u8 flags, ttl, tos, tos_mask;
	__u16 ip_id, sepoch;
	int i;

	/* Inlined array lookups only: a helper call costs as much as the rest. */
	for (i = 0; i < PMARK_RING_PROBES; i++) {
		struct pmark_ring *r;

		ring = (h + i) & (nrings - 1);
		r = bpf_map_lookup_elem(&pmark_rings, &ring);
		if (r && r->owner_vtag_plus1 == want)
			break;
	}
	if (i == PMARK_RING_PROBES)
		return PMARK_CNT_NO_RECORD;
	idx = (ring << ring_shift) | (tsn & ((1U << ring_shift) - 1));
	slot = bpf_map_lookup_elem(&pmark_slots, &idx);
	if (!slot)
		return PMARK_CNT_NO_RECORD;

	seq = READ_ONCE(slot->seq);
	if (seq & 1)
		return PMARK_CNT_BUSY;
	barrier();
	svtag = slot->vtag;
	stsn = slot->tsn;
	sepoch = slot->epoch;
	flags = slot->flags;
	ttl = slot->ttl;
	tos = slot->tos;
	tos_mask = slot->tos_mask;
	ip_id = slot->ip_id;
	owner = slot->owner;
	expire = slot->expire_ns;
	barrier();
	if (READ_ONCE(slot->seq) != seq)
		return PMARK_CNT_BUSY;

	if (!(flags & PMARK_F_VALID) || svtag != vtag || stsn != tsn || sepoch != epoch)
		return PMARK_CNT_NO_RECORD;
	if (expire && bpf_ktime_get_ns() > expire)
		return PMARK_CNT_EXPIRED;
	if (owner && owner != bpf_get_socket_cookie(skb))
		return PMARK_CNT_OWNER_MISMATCH;
	/*
	 * Exchange rather than test-then-set: of two CPUs sending the same TSN
	 * at once exactly one sees a different old value and marks.
	 */
	if ((flags & PMARK_F_ONCE) && __sync_lock_test_and_set(&slot->consumed, seq) == seq)
		return PMARK_CNT_ONCE_CONSUMED;
	return PMARK_CNT_MARKED | (__u64)(flags & PMARK_F_ACTIONS) << FOUND_FLAGS_SHIFT |
	       (__u64)ttl << FOUND_TTL_SHIFT | (__u64)tos << FOUND_TOS_SHIFT |
	       (__u64)tos_mask << FOUND_MASK_SHIFT | (__u64)ip_id << FOUND_IPID_SHIFT;
}

static __always_inline struct pmark_frag *frag_entry(const struct pmark_frag_key *k)
{
	__u32 h = k->id ^ k->saddr[0] ^ k->saddr[1] ^ k->saddr[2] ^ k->saddr[3] ^
		  k->daddr[0] ^ k->daddr[1] ^ k->daddr[2] ^ k->daddr[3];
	__u32 idx = pmark_ring_hash(h) & (PMARK_FRAG_ENTRIES - 1);

	return bpf_map_lookup_elem(&pmark_frags, &idx);
}

static __always_inline bool frag_key_eq(const struct pmark_frag_key *a,
					const struct pmark_frag_key *b)
{
	return a->family == b->family && a->id == b->id &&
	       a->saddr[0] == b->saddr[0] && a->saddr[1] == b->saddr[1] &&
	       a->saddr[2] == b->saddr[2] && a->saddr[3] == b->saddr[3] &&
	       a->daddr[0] == b->daddr[0] && a->daddr[1] == b->daddr[1] &&
	       a->daddr[2] == b->daddr[2] && a->daddr[3] == b->daddr[3];
}

/*
 * Write (opts != NULL) or empty the entry of k.  An entry another CPU is
 * writing at this instant is left alone: the cost is unmarked later
 * fragments of one datagram, never wrong ones.
 */
static __always_inline void frag_store(const struct pmark_frag_key *k,
				       const struct pmark_frag_opts *opts)
{
	struct pmark_frag *e = frag_entry(k);
	__u32 seq;

	if (!e)
		return;
	seq = READ_ONCE(e->seq);
	if (seq & 1)
		return;
	if (!opts && !frag_key_eq(&e->key, k))
		return;             /* someone else's datagram now: not ours to forget */
	if (__sync_val_compare_and_swap(&e->seq, seq, seq + 1) != seq)
		return;
	if (opts) {
		e->key = *k;
		e->opts = *opts;
	} else {
		e->key.family = 0;
	}
	__sync_fetch_and_add(&e->seq, 1);   /* full barrier: fields before the even seq */
}

static __always_inline bool frag_load(const struct pmark_frag_key *k, struct pmark_frag_opts *rec)
{
	struct pmark_frag *e = frag_entry(k);
	struct pmark_frag_key key;
	__u32 seq;

	if (!e)
		return false;
	seq = READ_ONCE(e->seq);
	if (seq & 1)
		return false;
	barrier();
	key = e->key;
	*rec = e->opts;
	barrier();
	return READ_ONCE(e->seq) == seq && key.family && frag_key_eq(&key, k);
}

/* RFC 1624 incremental update, eqn. 3: HC' = ~(~HC + ~m + m'). */
static __always_inline void csum_replace16(__u32 *acc, __u16 old, __u16 new)
{
	*acc += (__u16)~old + new;
}

static __always_inline __u16 csum_fold_into(__u16 check, __u32 acc)
{
	__u32 sum = (__u16)~check + acc;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline void apply_v4(struct iphdr *iph, const struct pmark_frag_opts *rec,
				     __u16 ip_id, bool fragment, struct pmark_counters *cnt)
{
	__u16 *w = (__u16 *)iph;
	__u16 old0 = w[0], old2 = w[2], old3 = w[3], old4 = w[4];
	__u16 df = bpf_htons(IP_DF);
	__u32 acc = 0;

	if (rec->flags & PMARK_F_TOS) {
		iph->tos = (iph->tos & ~rec->tos_mask) | (rec->tos & rec->tos_mask);
		cnt->c[PMARK_CNT_TOS_SET]++;
	}
	if (rec->flags & PMARK_F_TTL) {
		iph->ttl = rec->ttl;
		cnt->c[PMARK_CNT_TTL_SET]++;
	}
	if (rec->flags & PMARK_F_DF_SET) {
		/* A fragment cannot claim it must not be fragmented. */
		if (fragment) {
			cnt->c[PMARK_CNT_NOT_APPLICABLE]++;
		} else {
			iph->frag_off |= df;
			cnt->c[PMARK_CNT_DF_SET]++;
		}
	}
	if (rec->flags & PMARK_F_DF_CLEAR) {
		iph->frag_off &= ~df;
		cnt->c[PMARK_CNT_DF_CLEARED]++;
	}
	if (rec->flags & PMARK_F_IPID) {
		/*
		 * All fragments of a datagram share its ID, and they leave one by
		 * one: rewriting any of them would break reassembly.
		 */
		if (fragment) {
			cnt->c[PMARK_CNT_NOT_APPLICABLE]++;
		} else {
			iph->id = bpf_htons(ip_id);
			cnt->c[PMARK_CNT_IPID_SET]++;
		}
	}
	csum_replace16(&acc, old0, w[0]);
	csum_replace16(&acc, old2, w[2]);
	csum_replace16(&acc, old3, w[3]);
	csum_replace16(&acc, old4, w[4]);
	iph->check = csum_fold_into(iph->check, acc);
}

static __always_inline void apply_v6(struct ipv6hdr *ip6, const struct pmark_frag_opts *rec,
				     struct pmark_counters *cnt)
{
	__u8 *b = (__u8 *)ip6;

	if (rec->flags & PMARK_F_TOS) {
		/* Traffic class straddles bytes 0 and 1, after the version nibble. */
		__u8 tc = (b[0] << 4) | (b[1] >> 4);

		tc = (tc & ~rec->tos_mask) | (rec->tos & rec->tos_mask);
		b[0] = 0x60 | (tc >> 4);
		b[1] = (tc << 4) | (b[1] & 0x0f);
		cnt->c[PMARK_CNT_TOS_SET]++;
	}
	if (rec->flags & PMARK_F_TTL) {
		ip6->hop_limit = rec->ttl;
		cnt->c[PMARK_CNT_TTL_SET]++;
	}
	if (rec->flags & (PMARK_F_DF_SET | PMARK_F_DF_CLEAR))
		cnt->c[PMARK_CNT_NOT_APPLICABLE]++;
	if (rec->flags & PMARK_F_IPID)
		cnt->c[PMARK_CNT_NOT_APPLICABLE]++;     /* IPv6 has no ID outside a fragment header */
}

/*
 * The second half of the parser (from the UDP header of a registered port:
 * DTLS record header or SCTP chunk walk) and the record lookup, as a global
 * function: the verifier checks it once, with l3, l4 and ip_end unknown,
 * instead of once for every way pmark_parse_l3 reaches the UDP header (VLAN
 * tags, IP versions, extension headers, fragments) times every way the
 * payload is read (a protected peer, a plain peer of a DTLS port, a plain
 * port), and once more for the second pass after a pull.  Inlined, the
 * DTLS path alone would have doubled the egress program's ~730k verified
 * instructions.  The price is one BPF-to-BPF call per packet of a
 * registered port (docs/design.md).
 * info: the IP version in bits 0..7, a first fragment in bit 8.
 *
 * Counts parsed / dtls_parsed / dtls_no_peer itself and returns, as
 * find_record, the verdict (a counter, or PMARK_NEED_PULL before anything
 * is counted) with the actions of a MARKED record, and FOUND_PARSED when a
 * header was understood (the caller then forgets a first fragment's older
 * entry when the datagram goes out unmarked).
 */
#define FOUND_PARSED (1ULL << 8)

__noinline __u64 pmark_l4(struct __sk_buff *skb, __u32 l3, __u32 l4, __u32 ip_end, __u32 info)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pmark_pkt pkt = {};
	struct pmark_counters *cnt;
	__u32 zero = 0;
	__u64 found;
	int verdict;

	pkt.l3_off = l3;
	pkt.frag.family = info & 0xff;
	pkt.first_fragment = (info >> 8) & 1;
	verdict = pmark_parse_l4(data, data_end, skb->len, l4, ip_end, &pkt);
	if (verdict == PMARK_NEED_PULL)
		return PMARK_NEED_PULL;
	cnt = bpf_map_lookup_elem(&pmark_counters, &zero);
	if (!cnt)
		return PMARK_CNT_NO_RECORD;
	if (pkt.dtls_no_peer)
		cnt->c[PMARK_CNT_DTLS_NO_PEER]++;
	if (verdict != PMARK_CNT_PARSED)
		return verdict;
	cnt->c[pkt.dtls ? PMARK_CNT_DTLS_PARSED : PMARK_CNT_PARSED]++;
	if (!pkt.has_data)
		return FOUND_PARSED | (pkt.dtls ? PMARK_CNT_DTLS_NOT_APPDATA : PMARK_CNT_NO_DATA);
	found = find_record(skb, pkt.vtag, pkt.tsn, pkt.epoch);
	return FOUND_PARSED | found;
}

/*
 * One pass over the packet.  Returns PMARK_NEED_PULL when a header we need
 * lies beyond the linear data of a longer skb; the caller pulls and retries.
 */
static __always_inline int mark(struct __sk_buff *skb, struct pmark_counters *cnt, bool l2)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pmark_pkt pkt = {};
	struct pmark_frag_opts rec = {};
	__u32 l4 = 0, ip_end = 0;
	__u16 ip_id = 0;
	__u64 found;
	int verdict;

	verdict = pmark_parse_l3(data, data_end, skb->len, l2, &pkt, &l4, &ip_end);
	if (verdict == PMARK_NEED_PULL)
		return PMARK_NEED_PULL;
	if (verdict == PMARK_LATER_FRAGMENT) {
		if (!frag_load(&pkt.frag, &rec)) {
			cnt->c[PMARK_CNT_FRAG_UNKNOWN]++;
			return 0;
		}
		verdict = PMARK_CNT_FRAG_FOLLOWED;
		/*
		 * The datagram is complete: forget it now, so that a later datagram
		 * reusing the IP ID (after a wrap) cannot inherit these options.
		 */
		if (pkt.last_fragment)
			frag_store(&pkt.frag, NULL);
	} else if (verdict != PMARK_L4_NEXT) {
		cnt->c[verdict]++;
		return 0;
	} else {
		found = pmark_l4(skb, pkt.l3_off, l4, ip_end,
				 pkt.frag.family | (pkt.first_fragment ? 1U << 8 : 0));
		verdict = found & 0xff;
		if (verdict == PMARK_NEED_PULL)
			return PMARK_NEED_PULL;
		if (verdict != PMARK_CNT_MARKED) {
			/* Bounded for the verifier: pmark_l4 returns counters only. */
			cnt->c[verdict < PMARK_CNT_MAX ? verdict : PMARK_CNT_MALFORMED]++;
			/* The IP ID may have wrapped: forget an older datagram's options. */
			if (pkt.first_fragment && (found & FOUND_PARSED))
				frag_store(&pkt.frag, NULL);
			return 0;
		}
		rec.flags = found >> FOUND_FLAGS_SHIFT;
		rec.ttl = found >> FOUND_TTL_SHIFT;
		rec.tos = found >> FOUND_TOS_SHIFT;
		rec.tos_mask = found >> FOUND_MASK_SHIFT;
		ip_id = found >> FOUND_IPID_SHIFT;
		if (pkt.first_fragment)
			frag_store(&pkt.frag, &rec);
	}

	/* Re-derive the IP header pointer with a bounds check the verifier sees. */
	if (pkt.l3_off > PMARK_MAX_L3_OFF)
		return 0;
	if (pkt.frag.family == 4) {
		struct iphdr *iph = data + pkt.l3_off;

		if ((void *)(iph + 1) > data_end)
			return 0;
		apply_v4(iph, &rec, ip_id, pkt.fragment, cnt);
	} else {
		struct ipv6hdr *ip6 = data + pkt.l3_off;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		apply_v6(ip6, &rec, cnt);
	}
	if (verdict == PMARK_CNT_FRAG_FOLLOWED)
		cnt->c[PMARK_CNT_FRAG_FOLLOWED]++;
	cnt->c[PMARK_CNT_MARKED]++;
	return 0;
}

static __always_inline int egress(struct __sk_buff *skb, bool l2)
{
	__u32 zero = 0;
	struct pmark_counters *cnt = bpf_map_lookup_elem(&pmark_counters, &zero);

	if (!cnt)
		return TC_ACT_OK;
	cnt->c[PMARK_CNT_SEEN]++;
	if (mark(skb, cnt, l2) == PMARK_NEED_PULL) {
		/* Rare: headers in paged data.  Linearize once and look again. */
		if (bpf_skb_pull_data(skb, skb->len) == 0) {
			cnt->c[PMARK_CNT_PULLED]++;
			if (mark(skb, cnt, l2) == PMARK_NEED_PULL)
				cnt->c[PMARK_CNT_TRUNCATED]++;
		} else {
			cnt->c[PMARK_CNT_TRUNCATED]++;
		}
	}
	return TC_ACT_OK;
}

/* For devices with an Ethernet header (veth, physical NICs, VLAN devices). */
SEC("tc")
int pmark_egress(struct __sk_buff *skb)
{
	return egress(skb, true);
}

/* For L3 devices whose packets start at the IP header (tun, WireGuard, ipip). */
SEC("tc")
int pmark_egress_l3(struct __sk_buff *skb)
{
	return egress(skb, false);
}

/*
 * Ingress: store what an ICMP error says about one of our datagrams.  Reads
 * only; returns PMARK_NEED_PULL like mark().  A packet that is no ICMP error
 * is not counted at all, so the egress counters keep their meaning.
 */
static __always_inline int quote(struct __sk_buff *skb, struct pmark_counters *cnt, bool l2,
				 struct pmark_icmp *ic)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	int verdict = pmark_icmp_parse(data, data_end, skb->len, l2, ic);

	if (verdict == PMARK_NEED_PULL || verdict == PMARK_ICMP_IGNORE)
		return verdict;
	cnt->c[PMARK_CNT_ICMP_SEEN]++;
	if (verdict != PMARK_CNT_ICMP_QUOTED) {
		cnt->c[verdict]++;
		return 0;
	}
	ic->q.ktime_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&pmark_quotes, &ic->key, &ic->q, BPF_ANY) == 0)
		cnt->c[PMARK_CNT_ICMP_QUOTED]++;
	return 0;
}

static __always_inline int ingress(struct __sk_buff *skb, bool l2)
{
	struct pmark_icmp ic;
	__u32 zero = 0;
	struct pmark_counters *cnt = bpf_map_lookup_elem(&pmark_counters, &zero);

	if (!cnt)
		return TC_ACT_OK;
	if (quote(skb, cnt, l2, &ic) == PMARK_NEED_PULL) {
		/*
		 * Rare: headers in paged data.  Linearizing changes no byte.  When
		 * that fails, an error already recognized counts as malformed.
		 */
		if (bpf_skb_pull_data(skb, skb->len) != 0 ||
		    quote(skb, cnt, l2, &ic) == PMARK_NEED_PULL) {
			if (ic.q.family) {
				cnt->c[PMARK_CNT_ICMP_SEEN]++;
				cnt->c[PMARK_CNT_ICMP_MALFORMED]++;
			}
		}
	}
	return TC_ACT_OK;
}

/* Ingress of devices with an Ethernet header. */
SEC("tc")
int pmark_ingress(struct __sk_buff *skb)
{
	return ingress(skb, true);
}

/* Ingress of L3 devices (tun, WireGuard, ipip). */
SEC("tc")
int pmark_ingress_l3(struct __sk_buff *skb)
{
	return ingress(skb, false);
}
