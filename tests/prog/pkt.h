/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet builder: a declarative description (struct pkt_spec) becomes the
 * bytes of an Ethernet frame or bare IP packet carrying SCTP over UDP, with
 * every length and checksum (IPv4 header, UDP, SCTP CRC32c) right unless the
 * description overrides it on purpose.
 */
#ifndef TEST_PKT_H
#define TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 3072    /* BPF_PROG_TEST_RUN takes at most a page minus skb overhead */

/*
 * Optional fields for which 0 is a meaningful value hold SET(v); 0 means
 * "not given" (the computed or default value).
 */
#define PKT_SET_BIT (1u << 31)
#define SET(v) (PKT_SET_BIT | (uint32_t)(v))
static inline bool is_set(uint32_t f) { return f & PKT_SET_BIT; }
static inline uint32_t set_value(uint32_t f) { return f & ~PKT_SET_BIT; }

/* Defaults of every packet. */
#define SPORT 5000
#define DPORT 5001
#define VTAG  0x1eaf1e55u
#define TSN   1000u

/* Defaults of a protected (DTLS) datagram's first record. */
#define DTLS_EPOCH 1
#define DTLS_SEQ   1000u
#define DTLS_BODY  48           /* bytes of "ciphertext" after the record header */

/* SCTP chunk types */
#define CT_DATA        0
#define CT_SACK        3
#define CT_HEARTBEAT   4
#define CT_COOKIE_ACK  11
#define CT_IDATA       64
#define CT_PAD         132
#define CT_FORWARD_TSN 192

struct chunk {
	uint8_t type;
	uint8_t count;      /* this chunk so many times; 0 means once */
	uint16_t body;      /* bytes after the type's fixed part; 0: 32 for DATA/I-DATA, else none */
	uint32_t len;       /* SET(n): declare length n instead of the real one */
	uint32_t tsn;       /* DATA/I-DATA TSN; cumulative TSN of SACK/FORWARD-TSN */
};

enum frag_part { WHOLE, FIRST_FRAGMENT, LATER_FRAGMENT };

/* Layers whose offsets a built packet records (at[]), and where a cut may fall. */
enum pkt_layer {
	AT_NONE,     /* no layer: the frame's start */
	AT_VLAN,     /* first VLAN tag */
	AT_IP,
	AT_IP_OPT,   /* IPv4 options */
	AT_EXT6,     /* first IPv6 extension header */
	AT_UDP,
	AT_SCTP,     /* SCTP common header */
	AT_CHUNK,    /* first chunk */
	AT_DATA,     /* first DATA or I-DATA chunk */
	AT_DTLS,     /* DTLS record header (protected datagrams) */
	AT_COUNT
};

struct pkt_spec {
	bool bare_ip;           /* no Ethernet header: a packet for pmark_egress_l3 */
	uint8_t vlans;          /* 1: 802.1Q; 2: 802.1ad + 802.1Q; 3: 802.1ad + 802.1Q + 802.1Q */
	uint16_t ethertype;     /* innermost; 0: that of the IP version.  Non-IP: raw payload */
	bool ipv6;
	uint8_t proto;          /* 0: UDP; anything else gets a raw payload */
	uint8_t ttl;            /* TTL / hop limit; 0: 64 */
	uint8_t tos;            /* TOS / traffic class */
	bool df;
	uint8_t ip_opt_words;   /* IPv4 options, 32-bit words (IHL - 5) */
	uint8_t ext6[8];        /* IPv6 extension headers (0, 43, 44 atomic, 60) in order ... */
	uint8_t n_ext6;         /* ... and how many */
	struct {
		enum frag_part part;
		uint32_t id;            /* IPv4 IP ID / IPv6 identification */
		uint16_t first_len;     /* IP payload bytes in the first fragment; 0: 48 */
	} frag;
	uint32_t ip_id;         /* SET(v): IPv4 ID of a whole datagram; 0: 0x4242 (fragments: frag.id) */
	uint16_t sport, dport;  /* 0: SPORT, DPORT */
	uint32_t vtag;          /* 0: VTAG */
	const struct chunk *chunks;   /* NULL: one DATA chunk carrying TSN */
	size_t n_chunks;
	/*
	 * A protected datagram: the UDP payload is one DTLS record (header and
	 * DTLS_BODY bytes standing for ciphertext) instead of SCTP.
	 */
	struct {
		bool on;
		uint32_t type;          /* SET(v): content type v; 0: 23, application data */
		uint32_t version;       /* SET(v); 0: 0xfefd, DTLS 1.2 */
		uint32_t epoch;         /* SET(v); 0: DTLS_EPOCH */
		uint64_t seq;           /* 48-bit sequence number; 0: DTLS_SEQ */
		uint32_t len;           /* SET(v): declare record length v instead of the real one */
		uint16_t body;          /* 0: DTLS_BODY */
	} dtls;
	/* Deliberate inconsistencies: SET(v) writes v in place of the computed value. */
	uint32_t version, ihl, ip_len, udp_len;
	struct {
		enum pkt_layer at;      /* AT_NONE: the whole packet */
		int plus;               /* the packet ends this many bytes into that layer */
	} cut;
};

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	int at[AT_COUNT];       /* offset of each layer; -1 when absent */
	int l4;                 /* first byte after the IP headers: what fragmentation splits */
	bool eth;               /* starts with an Ethernet header (else with the IP header) */
	bool ip;                /* has an IPv4 or IPv6 header */
	bool ipv6;
	bool consistent;        /* every length and checksum as computed, nothing cut */
};

/* Aborts on a description that does not fit PKT_MAX: a bug in a test table. */
void pkt_build(const struct pkt_spec *s, struct pkt *p);

/* "udp+6", "ip+8": where an offset falls, for diagnostics. */
const char *pkt_where(const struct pkt *p, size_t off, char *buf, size_t len);

/* The addresses every built packet goes from and to. */
extern const uint8_t pkt_ip4_src[4], pkt_ip4_dst[4], pkt_ip6_src[16], pkt_ip6_dst[16];

/* Byte writers shared by the frame builders (pkt.c, icmp.c). */
void pkt_wr16(uint8_t *q, uint16_t v);
void pkt_wr32(uint8_t *q, uint32_t v);
/* Appends n zero bytes and returns where they start (aborts past PKT_MAX). */
uint8_t *pkt_put(struct pkt *p, size_t n);

#endif /* TEST_PKT_H */
