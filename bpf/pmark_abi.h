/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The layout shared by the tc egress program (bpf/pmark.bpf.c) and every
 * userspace writer (libpmark, pmarkctl, the tests).  Changing anything here
 * changes the pinned maps' ABI: bump PMARK_ABI_VERSION with it, so that a
 * writer never scribbles an old layout into a new program's maps.
 */
#ifndef PMARK_ABI_H
#define PMARK_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PMARK_ABI_VERSION 5

/* Names of the objects under the pin root (default /sys/fs/bpf/pmark). */
#define PMARK_PIN_PROG     "prog"
#define PMARK_PIN_PROG_L3  "prog_l3"
#define PMARK_PIN_SLOTS    "slots"
#define PMARK_PIN_RINGS    "rings"
#define PMARK_PIN_PORTS    "ports"
#define PMARK_PIN_FRAGS    "frags"
#define PMARK_PIN_COUNTERS "counters"
#define PMARK_PIN_CONFIG   "config"
#define PMARK_PIN_DEVS     "devs"
#define PMARK_PIN_QUOTES   "quotes"
#define PMARK_PIN_PROG_IN  "prog_in"     /* tc ingress: ICMP errors quoting our datagrams */
#define PMARK_PIN_PROG_IN_L3 "prog_in_l3"
#define PMARK_PIN_DTLS     "dtls"        /* protected peers: whose datagrams carry DTLS records */

/*
 * Records live in one BPF_F_MMAPABLE array ("slots") cut into rings, one ring
 * per association (verification tag).  A record for TSN t of the association
 * that owns ring r sits at index (r << ring_shift) | (t & ring_mask), so a
 * writer needs no syscall (a few plain stores into the mmap).  Which ring a
 * vtag owns is found in the "rings" table, open-addressed: the vtag lives in
 * one of the PMARK_RING_PROBES entries from pmark_ring_hash(vtag).  Array
 * lookups are inlined by the verifier, so the program finds a record without
 * a single helper call.  A slot holds its own vtag and TSN, so a slot reused
 * by a newer TSN, or a ring reused by another association, never marks a
 * packet it was not written for.
 */
#define PMARK_DEFAULT_RING_SHIFT 12   /* 4096 TSNs in flight per association */
#define PMARK_DEFAULT_RINGS      64   /* a power of two */
#define PMARK_MAX_RING_SHIFT     20
#define PMARK_MAX_RINGS          4096
#define PMARK_RING_PROBES        16   /* entries of the rings table a vtag may occupy */
#define PMARK_MAX_SLOTS          (1U << 24)  /* 640 MiB of slots: the most one pin root takes */

/* pmark_slot.flags */
#define PMARK_F_VALID    0x01  /* the slot holds a record */
#define PMARK_F_TTL      0x02  /* write ttl into IPv4 TTL / IPv6 hop limit */
#define PMARK_F_TOS      0x04  /* write tos under tos_mask into TOS / traffic class */
#define PMARK_F_DF_SET   0x08  /* IPv4 only: set Don't Fragment */
#define PMARK_F_DF_CLEAR 0x10  /* IPv4 only: clear Don't Fragment */
#define PMARK_F_ONCE     0x20  /* first transmission only; retransmissions unmarked */
#define PMARK_F_IPID     0x40  /* IPv4 only: write ip_id into the IP ID (unfragmented datagrams only) */
#define PMARK_F_ACTIONS  (PMARK_F_TTL | PMARK_F_TOS | PMARK_F_DF_SET | PMARK_F_DF_CLEAR | PMARK_F_IPID)

/*
 * One record.  Writers follow a sequence lock: seq goes odd, the fields are
 * written, seq goes even (release).  The program reads seq, the fields, and
 * seq again, and treats a changed or odd seq as "busy" (unmarked, counted),
 * so a half-written slot is never applied.  `consumed` holds the seq of the
 * record version a `once` match used up, so a rewrite (new seq) re-arms the
 * slot without the writer touching it.  The program sets it; libpmark's
 * endpoint also sets it when usrsctp retransmits a `once` TSN, because the
 * program uses up only the record of a datagram's first DATA chunk.
 */
struct pmark_slot {
	__u32 seq;
	__u32 consumed;
	__u32 vtag;
	__u32 tsn;
	__u8 flags;
	__u8 ttl;
	__u8 tos;
	__u8 tos_mask;
	__u16 ip_id;      /* PMARK_F_IPID: the probe identity an 8-byte ICMP quote still shows */
	__u16 epoch;      /* DTLS records: the record's epoch (tsn holds the low 32 bits of its
			   * sequence number); 0 for SCTP records */
	__u64 owner;      /* SO_COOKIE of the only socket marked; 0 = any socket */
	__u64 expire_ns;  /* CLOCK_MONOTONIC deadline; 0 = never */
};

/*
 * "rings" array (mmapable): which association owns each ring.  A writer
 * claims ring r by compare-and-swap of owner_vtag_plus1 from 0; the +1 keeps
 * vtag 0 (never on a DATA packet, but a valid number) distinct from "free".
 * Ring r may belong to vtag v only if r is one of the PMARK_RING_PROBES
 * entries starting at pmark_ring_hash(v) & (rings - 1).
 */
struct pmark_ring {
	__u64 owner_vtag_plus1;
};

/* Where a vtag's probe sequence starts (vtags are random; mix them anyway). */
static inline __u32 pmark_ring_hash(__u32 vtag)
{
	vtag ^= vtag >> 16;
	vtag *= 0x45d9f3bU;
	vtag ^= vtag >> 16;
	return vtag;
}

/*
 * "ports" array, one element: bitmap of local UDP ports that carry SCTP, and
 * of those, the ports some of whose peers are protected (DTLS): only for
 * those does the program look a datagram's peer up in "dtls".
 */
#define PMARK_PORT_WORDS (65536 / 64)
struct pmark_ports {
	__u64 bits[PMARK_PORT_WORDS];
	__u64 dtls_bits[PMARK_PORT_WORDS];
};

/*
 * Protected associations.  With SCTP inside DTLS 1.2 the TSN is encrypted;
 * the program reads the first DTLS record header of the UDP payload instead
 * (content type 23, version, epoch, 48-bit sequence number, length) and
 * looks the record up by its "record id" (epoch << 48 | sequence) in the
 * ring of the peer's tag.  "dtls" (hash) says, per (local port, remote
 * address, remote port), that the datagrams are DTLS and which tag owns
 * their ring: a number the writer picked, claimed in "rings" like a vtag
 * (so unique among the vtags and tags of the pin root).  The slot holds
 * the tag in vtag, the sequence's low 32 bits in tsn and the epoch in epoch.
 */
#define PMARK_DTLS_PEERS 4096
#define PMARK_DTLS_CT_APPDATA 23
#define PMARK_DTLS_HDR_LEN 13
#define PMARK_RECORD_ID(epoch, seq) ((__u64)(epoch) << 48 | ((__u64)(seq) & 0xffffffffffffULL))
struct pmark_dtls_key {
	__u32 daddr[4];   /* remote address (IPv4 in daddr[0]) */
	__u16 sport;      /* local UDP port, host order */
	__u16 dport;      /* remote UDP port, host order */
	__u8 family;      /* 4 or 6 */
	__u8 reserved[3];
};
struct pmark_dtls_peer {
	__u32 tag;        /* the ring's owner in "rings" */
	__u32 reserved;
};

/* "config" array, one element, written once by pmarkctl attach. */
struct pmark_config {
	__u32 abi_version;
	__u32 ring_shift;
	__u32 rings;
	__u32 reserved;
};

/* Which datagram an IP fragment belongs to. */
struct pmark_frag_key {
	__u32 saddr[4];   /* IPv4 in saddr[0] */
	__u32 daddr[4];
	__u32 id;         /* IPv4 IP ID or IPv6 fragment identification */
	__u8 family;      /* 4 or 6 */
	__u8 proto;
	__u16 reserved;
};

struct pmark_frag_opts {
	__u8 flags;       /* PMARK_F_* actions as applied to the first fragment */
	__u8 ttl;
	__u8 tos;
	__u8 tos_mask;
};

/*
 * "frags" array: the options given to a fragmented datagram's first fragment,
 * direct-mapped by a hash of its key, for its later fragments.  An array, not
 * a hash map, so the later fragments find it with an inlined lookup; written
 * only by the program, under the same sequence lock as the slots (taken with
 * a compare-and-swap, since several CPUs may write one entry).  A collision
 * evicts: the evicted datagram's later fragments go out unmarked and count as
 * frag_unknown, never with another datagram's options.
 */
#define PMARK_FRAG_ENTRIES 4096
struct pmark_frag {
	__u32 seq;
	__u32 reserved;
	struct pmark_frag_key key;   /* key.family 0: empty */
	struct pmark_frag_opts opts;
};

/* "devs" hash: where pmarkctl attached, so detach --all can undo it. */
struct pmark_dev_key {
	__u64 netns_ino;
	__u32 ifindex;
	__u32 reserved;
};

#define PMARK_DEV_CREATED_QDISC 0x1
#define PMARK_DEV_INGRESS       0x2   /* the ingress program is attached there too */
struct pmark_dev {
	char ifname[16];
	__u32 flags;
	__u32 prog_id;    /* the egress program's */
};

/*
 * "quotes" LRU hash, written by the tc ingress program: for each ICMP or
 * ICMPv6 error that quotes a UDP datagram sent from a registered port, what
 * the quoted IP header shows arrived at the hop that answered.  The error
 * queue of the UDP socket (IP_RECVERR) gives the application the offender
 * and the quoted bytes past the UDP header, but never the quoted IP header;
 * this map gives it that, and the IP ID of a quote too short to hold a TSN.
 * IPv4 entries are keyed by the quoted IP ID (vtag 0), IPv6 entries by the
 * quoted SCTP verification tag and first DATA chunk's TSN (ICMPv6 quotes as
 * much as fits in 1280 bytes, so the TSN is always there).
 */
#define PMARK_QUOTE_ENTRIES 16384
struct pmark_quote_key {
	__u32 ident;      /* IPv4: quoted IP ID; IPv6: quoted TSN */
	__u32 vtag;       /* IPv6: quoted verification tag; IPv4: 0 */
	__u16 sport;      /* quoted UDP source port (ours), host order */
	__u8 family;      /* 4 or 6 */
	__u8 kind;        /* PMARK_QUOTE_SCTP, or PMARK_QUOTE_DTLS (IPv6 quote of a protected
			   * datagram: ident = sequence low 32 bits, vtag = epoch << 16 | sequence
			   * bits 32..47) */
};
#define PMARK_QUOTE_SCTP 0
#define PMARK_QUOTE_DTLS 1

struct pmark_quote {
	__u64 ktime_ns;       /* bpf_ktime_get_ns() at arrival (CLOCK_MONOTONIC) */
	__u32 offender[4];    /* source of the ICMP error (IPv4 in [0]) */
	__u32 qdaddr[4];      /* quoted destination address */
	__u32 mtu;            /* Fragmentation Needed / Packet Too Big: next-hop MTU */
	__u32 qflow;          /* IPv6: quoted flow label */
	__u32 qvtag;          /* quoted SCTP verification tag, if has_sctp */
	__u32 qtsn;           /* quoted TSN of the first chunk, if has_tsn */
	__u16 qtot_len;       /* quoted IPv4 total length / IPv6 payload length + 40 */
	__u16 qid;            /* quoted IPv4 IP ID */
	__u16 qfrag_off;      /* quoted IPv4 flags + fragment offset, host order (DF 0x4000) */
	__u16 quoted_len;     /* bytes quoted past the quoted IP header (8 = UDP header only) */
	__u16 qdport;         /* quoted UDP destination port, host order */
	__u8 type, code;      /* ICMP / ICMPv6 type and code */
	__u8 qtos;            /* quoted TOS / traffic class */
	__u8 qttl;            /* quoted TTL / hop limit */
	__u8 family;          /* 4 or 6 */
	__u8 has_sctp;        /* quote reaches past the SCTP common header */
	__u8 has_tsn;         /* quote holds a DATA / I-DATA chunk's TSN */
	__u8 has_dtls;        /* quoted source port has DTLS peers and the quote holds a record header */
	__u8 reserved[6];
	__u64 qrecord_id;     /* has_dtls: the quoted record's epoch << 48 | sequence */
};

/* Per-CPU counters; one element of "counters" holds them all. */
enum pmark_counter {
	PMARK_CNT_SEEN,            /* packets the program ran on */
	PMARK_CNT_NOT_OURS,        /* not UDP over IP, or source port not registered */
	PMARK_CNT_PARSED,          /* SCTP common header read on a registered port */
	PMARK_CNT_NO_DATA,         /* SCTP packet with control chunks only */
	PMARK_CNT_NO_RECORD,       /* no record for (vtag, TSN) */
	PMARK_CNT_BUSY,            /* record being rewritten at that instant */
	PMARK_CNT_OWNER_MISMATCH,  /* record belongs to another socket */
	PMARK_CNT_EXPIRED,         /* record past its expiry */
	PMARK_CNT_ONCE_CONSUMED,   /* retransmission of a `once` record */
	PMARK_CNT_MARKED,          /* packets a record was applied to */
	PMARK_CNT_TTL_SET,
	PMARK_CNT_TOS_SET,
	PMARK_CNT_DF_SET,
	PMARK_CNT_DF_CLEARED,
	PMARK_CNT_FRAG_FOLLOWED,   /* later IP fragment marked like its first */
	PMARK_CNT_FRAG_UNKNOWN,    /* later UDP fragment with no remembered options */
	PMARK_CNT_NOT_APPLICABLE,  /* record field that cannot apply (DF on IPv6, DF set on a fragment) */
	PMARK_CNT_MALFORMED,       /* inconsistent header or chunk length */
	PMARK_CNT_TRUNCATED,       /* packet ends inside a header it announces */
	PMARK_CNT_WALK_LIMIT,      /* DATA chunk or UDP header beyond the walk bounds */
	PMARK_CNT_PULLED,          /* headers were not linear; skb pulled once */
	PMARK_CNT_IPID_SET,        /* IPv4 IP ID written from a record */
	PMARK_CNT_ICMP_SEEN,       /* ingress: ICMP/ICMPv6 errors the ingress program ran on */
	PMARK_CNT_ICMP_QUOTED,     /* ingress: errors quoting a registered port, stored in "quotes" */
	PMARK_CNT_ICMP_NOT_OURS,   /* ingress: errors quoting something else */
	PMARK_CNT_ICMP_MALFORMED,  /* ingress: truncated or inconsistent error or quote */
	PMARK_CNT_DTLS_PARSED,     /* DTLS record header read on a protected peer */
	PMARK_CNT_DTLS_NO_PEER,    /* datagram on a DTLS port to a peer not in "dtls": parsed as SCTP */
	PMARK_CNT_DTLS_NOT_APPDATA,/* first record not application data (handshake, alert): unmarked */
	PMARK_CNT_MAX
};

struct pmark_counters {
	__u64 c[PMARK_CNT_MAX];
};

#endif /* PMARK_ABI_H */
