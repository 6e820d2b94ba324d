/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SCTP packets as bytes: the parsers the endpoint runs on every packet
 * usrsctp emits and every datagram the peer sends, and the rebuild of a
 * packet from a subset of its chunks.  Pure functions over a buffer, so
 * `make fuzz` can drive them with any input.
 */
#ifndef PMARK_SCTP_WIRE_H
#define PMARK_SCTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_SCTP_HDR_LEN   12
#define PM_CHUNK_DATA     0
#define PM_CHUNK_INIT     1
#define PM_CHUNK_INIT_ACK 2
#define PM_CHUNK_SACK     3
#define PM_CHUNK_AUTH     15
#define PM_CHUNK_NR_SACK  16
#define PM_CHUNK_IDATA    64

#define PM_DATA_E 0x01
#define PM_DATA_B 0x02
#define PM_DATA_U 0x04
#define PM_DATA_I 0x08

struct pm_chunk {
	uint32_t off;            /* chunk header offset in the packet */
	uint32_t len;            /* its length field (header included, padding not) */
	uint32_t span;           /* bytes it occupies: len padded to 4, clipped at the packet end */
	uint8_t type, flags;
};

struct pm_packet {
	uint16_t sport, dport;
	uint32_t vtag;
	uint32_t crc;            /* as carried (little-endian value of the field) */
};

struct pm_data {
	uint32_t tsn;
	uint16_t sid;
	uint32_t mid;            /* DATA: SSN; I-DATA: MID */
	uint32_t fsn;            /* I-DATA only: fragment sequence number (0 on B) */
	uint32_t ppid;           /* network order as carried; I-DATA: only on B */
	uint8_t flags;           /* PM_DATA_* */
	bool idata;
	uint32_t payload_off, payload_len;
};

struct pm_sack {
	uint32_t cum_tsn_ack;
	uint32_t a_rwnd;
	uint16_t gaps, dups;
};

/*
 * Split a packet into chunks.  Returns the number of chunks (up to max are
 * stored; *total says how many there are), or -EINVAL when the packet is
 * shorter than a common header, a chunk is shorter than 4 bytes, or a chunk
 * runs past the end.  A packet with no chunk parses with 0.
 */
int pm_packet_parse(const uint8_t *pkt, size_t len, struct pm_packet *hdr,
		    struct pm_chunk *chunks, size_t max, size_t *total);
/* DATA / I-DATA chunk fields; -EINVAL if the chunk is too short for its type. */
int pm_data_parse(const uint8_t *pkt, const struct pm_chunk *c, struct pm_data *d);
/* SACK / NR-SACK; -EINVAL if the gap and duplicate lists overrun the chunk. */
int pm_sack_parse(const uint8_t *pkt, const struct pm_chunk *c, struct pm_sack *s);
/*
 * Gap ack block i (0 .. s->gaps-1) of a SACK / NR-SACK already checked by
 * pm_sack_parse: TSNs cum_tsn_ack + start .. cum_tsn_ack + end are acked.
 */
void pm_sack_gap(const uint8_t *pkt, const struct pm_chunk *c, uint16_t i, uint16_t *start,
		 uint16_t *end);

/*
 * What an ICMP error quoted of one of our SCTP packets: the bytes past the
 * UDP header, as the error queue hands them over, cut anywhere (a hop may
 * quote 0 bytes of them, RFC 792; 28 or more, RFC 1812; as much as fits in
 * 1280 bytes, ICMPv6).  Never reads past len.
 */
struct pm_quote {
	bool has_hdr;            /* the SCTP common header is there */
	uint16_t sport, dport;
	uint32_t vtag;
	bool has_chunk;          /* the first chunk's type, flags and length */
	uint8_t type, flags;
	uint16_t chunk_len;
	bool has_tsn;            /* first chunk is DATA / I-DATA and its TSN is there */
	uint32_t tsn;
};
void pm_quote_parse(const uint8_t *q, size_t len, struct pm_quote *out);

/* INIT / INIT-ACK initiate tag; -EINVAL if too short or the tag is 0. */
int pm_init_tag(const uint8_t *pkt, const struct pm_chunk *c, uint32_t *tag);

static inline bool pm_is_data(uint8_t type) { return type == PM_CHUNK_DATA || type == PM_CHUNK_IDATA; }

/*
 * Build a packet from pkt's common header and the chunks picked[0..n) (in
 * that order), with a fresh CRC32c.  out must hold pm_build_len() bytes.
 * Returns the length written.
 */
size_t pm_build_len(const struct pm_chunk *chunks, const uint32_t *picked, size_t n);
size_t pm_build(const uint8_t *pkt, const struct pm_chunk *chunks, const uint32_t *picked,
		size_t n, uint8_t *out);

/* CRC32c (Castagnoli) as SCTP carries it; pm_crc_ok checks a whole packet. */
uint32_t pm_crc32c(const uint8_t *buf, size_t len);
bool pm_crc_ok(const uint8_t *pkt, size_t len);

/*
 * The record id (epoch << 48 | sequence) of the DTLS 1.2 application-data
 * record at the start of q (a datagram, or the bytes an ICMP error quotes
 * past the UDP header).  false when q does not start with one.
 */
bool pm_dtls_record_id(const uint8_t *q, size_t len, uint64_t *record_id);

#endif
