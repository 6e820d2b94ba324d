/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ICMP / ICMPv6 errors for the ingress program: a datagram built by
 * pkt_build (the one that drew the error), quoted whole or cut, wrapped in
 * an error from a router, with RFC 4884 length and extensions on request,
 * and every checksum right unless the description overrides a length.
 */
#ifndef TEST_ICMP_H
#define TEST_ICMP_H

#include <stdbool.h>
#include <stdint.h>
#include "pkt.h"

/* The router that answers (the offender). */
extern const uint8_t icmp_router4[4], icmp_router6[16];

enum icmp_kind { ICMP_ERROR, ICMP_ECHO, NOT_ICMP };

struct icmp_spec {
	struct pkt_spec orig;   /* the quoted datagram; its bare_ip, vlans and cut are ignored */
	enum icmp_kind kind;    /* NOT_ICMP: orig itself is the packet */
	bool bare_ip;           /* starts at the IP header: for pmark_ingress_l3 */
	uint8_t vlans;          /* in-band VLAN tags before the IP header (1 or 2) */
	bool outer_hbh;         /* IPv6: a hop-by-hop header before ICMPv6 */
	uint8_t type, code;     /* 0/0: Time Exceeded (ICMP 11/0, ICMPv6 3/0) */
	uint32_t mtu;           /* Fragmentation Needed (16 bits) / Packet Too Big (32 bits) */
	uint32_t quote;         /* SET(n): quote n bytes from the quoted UDP header on; 0: all */
	uint8_t rfc4884;        /* length field (32- / 64-bit words); the quote is padded or cut to it */
	bool extension;         /* an RFC 4884 extension structure follows the quote */
	uint32_t ip_len;        /* SET(v): outer total / payload length v instead of the real one */
	uint16_t short_by;      /* the frame ends this many bytes before its last byte */
};

struct icmp_pkt {
	struct pkt frame;       /* what the program runs on (frame.eth: starts with Ethernet) */
	struct pkt orig;        /* the quoted datagram as built, whole */
	int quote_off;          /* offset of the quoted IP header in the frame; -1 for NOT_ICMP */
};

void icmp_build(const struct icmp_spec *s, struct icmp_pkt *p);

#endif /* TEST_ICMP_H */
