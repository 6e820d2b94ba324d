/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Checksums the packets carry: Internet checksum (IPv4 header, UDP) and CRC32c (SCTP). */
#ifndef TEST_CSUM_H
#define TEST_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of 16-bit big-endian words, not folded, not inverted. */
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold(uint32_t sum);

/* Header checksum computed from scratch over ihl_bytes, the checksum field counted as 0. */
uint16_t ipv4_header_csum(const uint8_t *ip, size_t ihl_bytes);

/*
 * UDP checksum of a datagram (header + payload, len bytes, checksum field
 * counted as 0) under the pseudo-header of its addresses.  addr_len is 4 or 16.
 */
uint16_t udp_csum(const uint8_t *src, const uint8_t *dst, size_t addr_len, const uint8_t *udp,
		  size_t len);
/* True when the checksum in the datagram's header is the one udp_csum computes. */
bool udp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t addr_len, const uint8_t *udp,
		 size_t len);

/* SCTP checksum (RFC 9260 appendix A), as stored in the common header: little-endian on the wire. */
uint32_t crc32c(const uint8_t *p, size_t len);

#endif /* TEST_CSUM_H */
