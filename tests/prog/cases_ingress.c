// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ingress program on ICMP and ICMPv6 errors: what it stores for a quote
 * of a datagram from a registered port, and what it counts and leaves for
 * everything else.  The default quoted datagram is the default packet of
 * pkt_build: UDP 5000 -> 5001, SCTP, one DATA chunk (TSN 1000) of 48
 * bytes: UDP length 68.  Every packet must leave unchanged.
 */
#include "ingress.h"

#define QUOTED(...)    .verdict = PMARK_CNT_ICMP_QUOTED, .want = { __VA_ARGS__ }
#define WHOLE_QUOTE    QUOTED(.quoted_len = 68, .has_sctp = true, .has_tsn = true)
#define NOT_OURS_      .verdict = PMARK_CNT_ICMP_NOT_OURS
#define MALFORMED_     .verdict = PMARK_CNT_ICMP_MALFORMED
#define IGNORED        .verdict = 0

/* A protected datagram: UDP header, DTLS record header, DTLS_BODY bytes. */
#define DTLS_ORIG(...) .dtls = { .on = true, __VA_ARGS__ }
#define DTLS_UDP_LEN   (8 + 13 + DTLS_BODY)
#define HIGH_SEQ       0x123400000005ull

/* A datagram longer than an RFC 4884 original datagram field of 128 bytes. */
#define LONG_DATA      CHUNKS({ .type = CT_DATA, .tsn = TSN, .body = 200 })

static const struct ingress_case rows[] = {
	/* ---- IPv4 */
	{ "ingress: IPv4 Time Exceeded quoting the whole datagram",
	  { .orig = { .ttl = 1 } }, WHOLE_QUOTE },
	{ "ingress: IPv4 8-byte quote (RFC 792): keyed by the IP ID, no SCTP",
	  { .orig = { .ip_id = SET(0xbeef) }, .quote = SET(8) },
	  QUOTED(.quoted_len = 8) },
	{ "ingress: IPv4 quote of the SCTP common header only",
	  { .quote = SET(20) }, QUOTED(.quoted_len = 20, .has_sctp = true) },
	{ "ingress: IPv4 quote ending inside the DATA chunk header: no TSN",
	  { .quote = SET(24) }, QUOTED(.quoted_len = 24, .has_sctp = true) },
	{ "ingress: IPv4 quote of 28 bytes past the IP header reaches the TSN",
	  { .quote = SET(28) }, QUOTED(.quoted_len = 28, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv4 Fragmentation Needed carries the next-hop MTU",
	  { .orig = { .df = true }, .type = 3, .code = 4, .mtu = 1400 },
	  QUOTED(.quoted_len = 68, .has_sctp = true, .has_tsn = true, .mtu = 1400) },
	{ "ingress: IPv4 Port Unreachable",
	  { .type = 3, .code = 3 }, WHOLE_QUOTE },
	{ "ingress: IPv4 Parameter Problem",
	  { .type = 12, .code = 0 }, WHOLE_QUOTE },
	{ "ingress: IPv4 RFC 4884 length and extension: the quote ends at the length",
	  { .orig = { LONG_DATA }, .rfc4884 = 32, .extension = true },
	  QUOTED(.quoted_len = 128 - 20, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv4 RFC 4884 padding past a short datagram is not quote",
	  { .rfc4884 = 32, .extension = true }, WHOLE_QUOTE },
	{ "ingress: IPv4 RFC 4884 length past the end of the error: malformed",
	  { .orig = { LONG_DATA }, .rfc4884 = 32, .extension = true,
	    .ip_len = SET(20 + 8 + 100), .short_by = 40 }, MALFORMED_ },
	{ "ingress: IPv4 error behind an 802.1Q tag",
	  { .vlans = 1 }, WHOLE_QUOTE },
	{ "ingress: IPv4 error behind 802.1ad + 802.1Q tags",
	  { .vlans = 2 }, WHOLE_QUOTE },
	{ "ingress: IPv4 on a bare IP device (pmark_ingress_l3)",
	  { .bare_ip = true }, WHOLE_QUOTE },
	{ "ingress: IPv4 quoted header with options",
	  { .orig = { .ip_opt_words = 2 } }, WHOLE_QUOTE },
	{ "ingress: IPv4 quote of a first fragment: its ID, its own length",
	  { .orig = { .frag = { .part = FIRST_FRAGMENT, .id = 0x7a11 } } },
	  QUOTED(.quoted_len = 48, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv4 quote of an I-DATA chunk",
	  { .orig = { CHUNKS(IDATA(TSN)) } },
	  QUOTED(.quoted_len = 8 + 12 + 52, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv4 quote of a SACK first: stored, no TSN",
	  { .orig = { CHUNKS(SACK, DATA(TSN)) } },
	  QUOTED(.quoted_len = 8 + 12 + 16 + 48, .has_sctp = true) },
	{ "ingress: IPv4 quote of a later fragment: not ours",
	  { .orig = { .frag = { .part = LATER_FRAGMENT, .id = 0x7a11 } } }, NOT_OURS_ },
	{ "ingress: IPv4 quote of TCP: not ours",
	  { .orig = { .proto = 6 } }, NOT_OURS_ },
	{ "ingress: IPv4 quote from a port not registered: not ours, nothing stored",
	  { .orig = {} }, .port = 6000, NOT_OURS_ },
	{ "ingress: IPv4 quote of 4 bytes of the UDP header: malformed",
	  { .quote = SET(4) }, MALFORMED_ },
	{ "ingress: IPv4 quote ending inside the quoted IP header: malformed",
	  { .ip_len = SET(20 + 8 + 12), .short_by = 88 - 12 }, MALFORMED_ },
	{ "ingress: IPv4 error shorter than its total length: malformed",
	  { .short_by = 10 }, MALFORMED_ },
	{ "ingress: IPv4 echo request: not an error, not counted",
	  { .kind = ICMP_ECHO }, IGNORED },
	{ "ingress: IPv4 SCTP datagram, not ICMP: not counted",
	  { .kind = NOT_ICMP }, IGNORED },

	/* ---- IPv6 */
	{ "ingress: IPv6 Time Exceeded: keyed by vtag and TSN",
	  { .orig = { .ipv6 = true, .ttl = 1 } }, WHOLE_QUOTE },
	{ "ingress: IPv6 Packet Too Big with a quoted destination options header",
	  { .orig = { .ipv6 = true, EXT6(60) }, .type = 2, .mtu = 1280 },
	  QUOTED(.quoted_len = 68, .has_sctp = true, .has_tsn = true, .mtu = 1280) },
	{ "ingress: IPv6 Destination Unreachable quoting hop-by-hop and routing headers",
	  { .orig = { .ipv6 = true, EXT6(0, 43) }, .type = 1, .code = 4 }, WHOLE_QUOTE },
	{ "ingress: IPv6 Parameter Problem",
	  { .orig = { .ipv6 = true }, .type = 4, .code = 0 }, WHOLE_QUOTE },
	{ "ingress: IPv6 RFC 4884 length (64-bit words) and extension",
	  { .orig = { .ipv6 = true, LONG_DATA }, .rfc4884 = 16, .extension = true },
	  QUOTED(.quoted_len = 128 - 40, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv6 error behind a hop-by-hop header",
	  { .orig = { .ipv6 = true }, .outer_hbh = true }, WHOLE_QUOTE },
	{ "ingress: IPv6 error behind an 802.1Q tag",
	  { .orig = { .ipv6 = true }, .vlans = 1 }, WHOLE_QUOTE },
	{ "ingress: IPv6 on a bare IP device (pmark_ingress_l3)",
	  { .orig = { .ipv6 = true }, .bare_ip = true }, WHOLE_QUOTE },
	{ "ingress: IPv6 quote of a first fragment (fragment header, offset 0)",
	  { .orig = { .ipv6 = true, .frag = { .part = FIRST_FRAGMENT, .id = 0x7a11 } } },
	  QUOTED(.quoted_len = 48, .has_sctp = true, .has_tsn = true) },
	{ "ingress: IPv6 quote of a later fragment: not ours",
	  { .orig = { .ipv6 = true, .frag = { .part = LATER_FRAGMENT, .id = 0x7a11 } } },
	  NOT_OURS_ },
	{ "ingress: IPv6 quote of a SACK first: no message to name, not ours",
	  { .orig = { .ipv6 = true, CHUNKS(SACK, DATA(TSN)) } }, NOT_OURS_ },
	{ "ingress: IPv6 quote cut inside the SCTP header: malformed",
	  { .orig = { .ipv6 = true }, .quote = SET(16) }, MALFORMED_ },
	{ "ingress: IPv6 quote ending before the TSN: malformed",
	  { .orig = { .ipv6 = true }, .quote = SET(26) }, MALFORMED_ },
	{ "ingress: IPv6 DATA chunk shorter than its header: malformed",
	  { .orig = { .ipv6 = true, CHUNKS({ .type = CT_DATA, .tsn = TSN, .len = SET(12) }) } },
	  MALFORMED_ },
	{ "ingress: IPv6 quote from a port not registered: not ours",
	  { .orig = { .ipv6 = true } }, .port = 6000, NOT_OURS_ },
	{ "ingress: IPv6 quote of TCP: not ours",
	  { .orig = { .ipv6 = true, .proto = 6 } }, NOT_OURS_ },
	{ "ingress: IPv6 echo request: not counted",
	  { .orig = { .ipv6 = true }, .kind = ICMP_ECHO }, IGNORED },
	{ "ingress: IPv6 SCTP datagram, not ICMP: not counted",
	  { .orig = { .ipv6 = true }, .kind = NOT_ICMP }, IGNORED },

	/* ---- protected peers: the quoted DTLS record header, never SCTP fields */
	{ "ingress: IPv4 quote of a protected datagram: has_dtls and its record id, keyed by IP ID",
	  { .orig = { DTLS_ORIG(.epoch = SET(3), .seq = HIGH_SEQ), .ip_id = SET(0x1d1d) } },
	  .peer = { .dport = DPORT }, QUOTED(.quoted_len = DTLS_UDP_LEN, .has_dtls = true) },
	{ "ingress: IPv6 quote of a protected datagram: keyed by the record id (kind dtls)",
	  { .orig = { DTLS_ORIG(.epoch = SET(3), .seq = HIGH_SEQ), .ipv6 = true } },
	  .peer = { .v6 = true, .dport = DPORT }, QUOTED(.quoted_len = DTLS_UDP_LEN, .has_dtls = true) },
	{ "ingress: IPv6 Packet Too Big quoting a protected datagram",
	  { .orig = { DTLS_ORIG(), .ipv6 = true }, .type = 2, .mtu = 1280 },
	  .peer = { .v6 = true, .dport = DPORT },
	  QUOTED(.quoted_len = DTLS_UDP_LEN, .has_dtls = true, .mtu = 1280) },
	{ "ingress: IPv6 quote of a protected handshake record: its record id too",
	  { .orig = { DTLS_ORIG(.type = SET(22), .epoch = SET(0), .seq = 2), .ipv6 = true } },
	  .peer = { .v6 = true, .dport = DPORT }, QUOTED(.quoted_len = DTLS_UDP_LEN, .has_dtls = true) },
	{ "ingress: IPv4 8-byte quote of a protected datagram: IP ID only",
	  { .orig = { DTLS_ORIG(), .ip_id = SET(0xbeef) }, .quote = SET(8) },
	  .peer = { .dport = DPORT }, QUOTED(.quoted_len = 8) },
	{ "ingress: IPv4 quote ending inside the record header: no record id, no SCTP",
	  { .orig = { DTLS_ORIG() }, .quote = SET(8 + 12) },
	  .peer = { .dport = DPORT }, QUOTED(.quoted_len = 8 + 12) },
	{ "ingress: IPv6 quote ending inside the record header: malformed",
	  { .orig = { DTLS_ORIG(), .ipv6 = true }, .quote = SET(8 + 12) },
	  .peer = { .v6 = true, .dport = DPORT }, MALFORMED_ },
	{ "ingress: IPv6 quote of a protected peer's datagram that is no DTLS record: malformed",
	  { .orig = { DTLS_ORIG(.version = SET(0x0303)), .ipv6 = true } },
	  .peer = { .v6 = true, .dport = DPORT }, MALFORMED_ },
	{ "ingress: IPv6 SCTP quote on a port with protected peers, peer not one: vtag and TSN",
	  { .orig = { .ipv6 = true } }, .peer = { .v6 = true, .dport = DPORT + 1 }, WHOLE_QUOTE },
	{ "ingress: IPv4 SCTP quote on a port with protected peers, peer not one",
	  { .orig = {} }, .peer = { .dport = DPORT + 1 }, WHOLE_QUOTE },
};

const struct ingress_table ingress_cases = { rows, ARRAY_SIZE(rows) };
