/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libpmark: per-message IP options (TTL / hop limit, TOS / traffic class,
 * Don't Fragment) for SCTP over UDP, applied by the pmark tc egress program.
 *
 * This header is the record level: open the maps that `pmarkctl attach`
 * pinned, and write option records keyed by (SCTP verification tag, TSN).
 * Through an association handle (pmark_assoc_get once, then
 * pmark_assoc_mark), writing a record is a few stores into shared memory, no
 * system call; the one-shot pmark_mark/pmark_get/pmark_forget also allocate a
 * handle each time.
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure; functions returning a pointer return NULL and
 * set errno.  pmark_strerror() turns either into a sentence.
 */
#ifndef PMARK_H
#define PMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PMARK_LEAVE (-1)          /* ttl / tos: leave the field as the kernel set it */
#define PMARK_DEFAULT_PIN_ROOT "/sys/fs/bpf/pmark"
#define PMARK_VERSION_STRING "0.1.0"

enum pmark_df {
	PMARK_DF_LEAVE = 0,
	PMARK_DF_SET,            /* IPv4 only; counted as not applicable on IPv6 */
	PMARK_DF_CLEAR,
};

struct pmark_opts {
	int ttl;                 /* PMARK_LEAVE or 1..255 (IPv4 TTL / IPv6 hop limit) */
	int tos;                 /* PMARK_LEAVE or 0..255 (IPv4 TOS / IPv6 traffic class) */
	int tos_mask;            /* bits of tos written, 1..255; 0 means 0xff.  0xfc = DSCP only */
	enum pmark_df df;
	bool once;               /* first transmission only; retransmissions go out unmarked */
	uint64_t owner;          /* SO_COOKIE of the only socket to mark; 0 = any socket */
	uint32_t expire_ms;      /* record dies this long after it is written; 0 = never */
	bool stamp_id;           /* record level only (the endpoint stamps tracked datagrams itself):
				  * IPv4, write ip_id into the IP ID (unfragmented datagrams) */
	uint16_t ip_id;
	bool cleartext;          /* endpoint only, protected associations: the cleartext SCTP packet of
				  * each datagram carrying this message also goes to the endpoint's
				  * cleartext sink (pmark_ep_config), never to the peer; or-ed like once */
};

#define PMARK_OPTS_INIT { .ttl = PMARK_LEAVE, .tos = PMARK_LEAVE, .tos_mask = 0, \
			  .df = PMARK_DF_LEAVE, .once = false, .owner = 0, .expire_ms = 0, \
			  .stamp_id = false, .ip_id = 0, .cleartext = false }

/* A record as read back from the maps. */
struct pmark_record {
	uint32_t vtag;
	uint32_t tsn;
	struct pmark_opts opts;  /* expire_ms is 0; see expire_ns */
	uint64_t expire_ns;      /* CLOCK_MONOTONIC deadline, 0 = never */
	uint16_t epoch;          /* DTLS records: the record's epoch; tsn = its sequence's low 32 bits */
	bool expired;            /* deadline passed when read */
	bool consumed;           /* a `once` record already used by a transmission */
	uint32_t ring;           /* ring (association slot) holding it */
};

struct pmark_maps;           /* the maps of one pin root */
struct pmark_assoc;          /* one association's ring in those maps */

/*
 * Pin root: NULL means $PMARK_PIN_ROOT, else PMARK_DEFAULT_PIN_ROOT.  When
 * /sys/fs/bpf is hidden (inside `ip netns exec`), the host's bpffs is found
 * through the /proc/PID/root of the nearest ancestor process in another mount
 * namespace.  Fails with ENOENT when nothing is attached there.
 */
struct pmark_maps *pmark_open(const char *pin_root);
void pmark_close(struct pmark_maps *m);
/* The directory actually used, after the /proc/PID/root fallback. */
const char *pmark_pin_root(const struct pmark_maps *m);
/* Ring geometry of the loaded program. */
uint32_t pmark_ring_size(const struct pmark_maps *m);
uint32_t pmark_ring_count(const struct pmark_maps *m);

/*
 * Check options before anything is written.  Returns 0 or -EINVAL with *why
 * (if why is not NULL) pointing at a static sentence such as
 * "ttl 0 is out of range 1..255".
 */
int pmark_opts_validate(const struct pmark_opts *o, const char **why);

/*
 * Association handle: finds the ring of vtag, claiming a free one if none
 * (thread- and process-safe).  A vtag can own one of PMARK_RING_PROBES (16)
 * rings picked by its hash, so keep the ring count well above the number of
 * associations.  NULL with errno ENOSPC when those rings are all in use.  pmark_assoc_put(a, true) also releases the ring and its records.
 */
struct pmark_assoc *pmark_assoc_get(struct pmark_maps *m, uint32_t vtag);
struct pmark_assoc *pmark_assoc_find(struct pmark_maps *m, uint32_t vtag); /* never claims: ENOENT */
void pmark_assoc_put(struct pmark_assoc *a, bool release_ring);
uint32_t pmark_assoc_ring(const struct pmark_assoc *a);

/*
 * Write the record for one TSN / count consecutive TSNs (wrapping at 2^32).
 * -EBUSY if a slot is held by a writer that died or stopped mid-write (the
 * record is not written; pmark_flush resets such slots).
 */
int pmark_assoc_mark(struct pmark_assoc *a, uint32_t tsn, const struct pmark_opts *o);
int pmark_assoc_mark_range(struct pmark_assoc *a, uint32_t first_tsn, uint32_t count,
			   const struct pmark_opts *o);
/* Remove one record; -ENOENT if that TSN has none. */
int pmark_assoc_forget(struct pmark_assoc *a, uint32_t tsn);
/* Remove every record with TSN <= cum_tsn_ack (RFC 1982 serial arithmetic). Returns count. */
int pmark_assoc_forget_upto(struct pmark_assoc *a, uint32_t cum_tsn_ack);

/* One-shot conveniences over the above. */
int pmark_mark(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, const struct pmark_opts *o);
int pmark_get(struct pmark_maps *m, uint32_t vtag, uint32_t tsn, struct pmark_record *out);
int pmark_forget(struct pmark_maps *m, uint32_t vtag, uint32_t tsn);

/* Visit every live record; a non-zero return from cb stops and is returned. */
int pmark_dump(struct pmark_maps *m, int (*cb)(const struct pmark_record *r, void *ctx), void *ctx);
/* Remove every record and release every ring. Returns the number of records removed. */
int pmark_flush(struct pmark_maps *m);

/* Local UDP source ports whose datagrams the program parses as SCTP. */
int pmark_port_add(struct pmark_maps *m, uint16_t port);
int pmark_port_del(struct pmark_maps *m, uint16_t port);
bool pmark_port_registered(struct pmark_maps *m, uint16_t port);
/* Fills up to max ports in ascending order; returns how many are registered. */
int pmark_ports_list(struct pmark_maps *m, uint16_t *out, size_t max);

/*
 * Protected peers (SCTP inside DTLS 1.2; see pmark_abi.h "dtls").  A record
 * for a protected datagram is keyed by the record id of its first DTLS
 * record, PMARK_RECORD_ID(epoch, sequence), in the ring of the peer's tag.
 * pmark_dtls_peer_add registers (local UDP port, remote address and port),
 * picks a tag no vtag or other tag of the pin root owns, claims its ring and
 * returns the tag (pmark_assoc_find(m, tag) then gives the ring); adding a
 * peer already there returns its tag.  pmark_dtls_peer_del forgets the peer
 * and releases the ring with its records.  -ENOSPC: the "dtls" table or the
 * rings the tag may use are full.
 */
struct pmark_dtls_peer_info {
	uint16_t local_port;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint32_t tag;
	uint32_t ring;           /* UINT32_MAX: none (pmark_flush released it) */
};
int pmark_dtls_peer_add(struct pmark_maps *m, uint16_t local_port, const struct sockaddr *remote,
			socklen_t len, uint32_t *tag);
int pmark_dtls_peer_del(struct pmark_maps *m, uint16_t local_port, const struct sockaddr *remote,
			socklen_t len);
/* Fills up to max entries; returns how many peers are registered. */
int pmark_dtls_peers_list(struct pmark_maps *m, struct pmark_dtls_peer_info *out, size_t max);
/* Write / read the record of one protected datagram (record id = epoch << 48 | sequence). */
int pmark_assoc_mark_record(struct pmark_assoc *a, uint64_t record_id, const struct pmark_opts *o);
int pmark_get_record(struct pmark_maps *m, uint32_t tag, uint64_t record_id, struct pmark_record *out);

/* Counters of the tc program, summed over CPUs. */
int pmark_counter_count(void);
const char *pmark_counter_name(int i);        /* e.g. "marked"; NULL past the end */
const char *pmark_counter_help(int i);        /* one-line meaning */
int pmark_counters_read(struct pmark_maps *m, uint64_t *out, size_t n);
int pmark_counters_reset(struct pmark_maps *m);


/* ===================================================================== *
 * usrsctp level: an endpoint that owns a UDP socket and runs usrsctp in
 * AF_CONN mode (as WebRTC does).  Every datagram it sends is plain SCTP in
 * UDP (RFC 6951).  Each message carries its own options: the library maps
 * every DATA / I-DATA chunk usrsctp emits to the message it belongs to,
 * splits a packet whose chunks want different options, and writes one
 * record per TSN (or, without the maps, sets per-packet ancillary data).
 *
 * usrsctp is one stack per process: libpmark initialises it on the first
 * pmark_ep_open and finishes it after the last pmark_ep_close, so an
 * application must not also call usrsctp_init itself.
 * ===================================================================== */

struct pmark_ep;             /* one UDP socket and the associations over it */
struct pmark_conn;           /* one association (one remote UDP address) */

enum pmark_mode {
	PMARK_MODE_AUTO = 0,     /* the maps if reachable, else ancillary data */
	PMARK_MODE_MAPS,         /* the maps, or pmark_ep_open fails */
	PMARK_MODE_CMSG,         /* per-packet ancillary data only */
	PMARK_MODE_OFF,          /* send unmarked, no per-chunk work (a baseline) */
};

/* Where a field is PMARK_LEAVE (ttl, tos) / PMARK_DF_LEAVE / 0 (expire_ms),
 * a message inherits its stream's default, then the association's; a field
 * left everywhere is left as the kernel set it.  once is set if any level
 * sets it.  owner is always the endpoint's UDP socket (its SO_COOKIE). */

struct pmark_msg_info {      /* what pmark_recv / the callback hand over */
	struct pmark_conn *conn;
	uint16_t stream;
	uint32_t ppid;
	uint32_t tsn;            /* first TSN of the message (DATA only) */
	bool unordered;
	bool truncated;          /* pmark_recv: the buffer was too small, the rest is dropped */
};

typedef void (*pmark_recv_fn)(const struct pmark_msg_info *info, const void *data, size_t len,
			      void *ctx);
/* Called once with a sentence the library wants a person to read (the
 * fallback to ancillary data, what it cannot do).  NULL: stderr. */
typedef void (*pmark_log_fn)(const char *msg, void *ctx);

struct pmark_ep_config {
	enum pmark_mode mode;
	const char *pin_root;    /* NULL: $PMARK_PIN_ROOT or PMARK_DEFAULT_PIN_ROOT */
	uint16_t sctp_port;      /* SCTP port inside the UDP payload; 0 = 5000 (WebRTC) */
	uint32_t mtu;            /* largest IP datagram sent (IP + UDP + SCTP); 0 = 1280 */
	int ip_df;               /* IP(V6)_MTU_DISCOVER: -1 kernel default, 0 DONT (may fragment), 1 DO */
	uint16_t streams;        /* outbound and inbound streams to ask for; 0 = 1024 */
	uint32_t sndbuf;         /* usrsctp send buffer per association; 0 = 1 MiB */
	uint32_t rcvbuf;         /* usrsctp receive buffer per association; 0 = 1 MiB */
	pmark_recv_fn on_recv;   /* NULL: messages wait for pmark_recv */
	void *recv_ctx;
	pmark_log_fn log;
	void *log_ctx;
	uint32_t probe_ppid;     /* PPID of probe messages dropped on receipt; 0 = PMARK_PROBE_PPID */
	bool deliver_probes;     /* hand probes to the application like any message */
	/*
	 * Protection (pmark_dtls.h): every association's packets go through
	 * transform (DTLS 1.2: pmark_dtls_ops with a struct pmark_dtls as ctx)
	 * between usrsctp and the socket.  NULL: plain SCTP in UDP.
	 */
	const struct pmark_transform_ops *transform;
	void *transform_ctx;
	/*
	 * Cleartext sink, for messages sent with pmark_opts.cleartext: each such
	 * datagram's cleartext SCTP packet, paired with its protected datagram
	 * (pmark_dtls.h), goes to a pcap file (libpcap, LINKTYPE_RAW) and/or a
	 * UDP mirror address.  The mirror may not be a peer's address.
	 */
	const char *cleartext_pcap;
	const struct sockaddr *cleartext_mirror;
	socklen_t cleartext_mirror_len;
};

#define PMARK_EP_CONFIG_INIT { .mode = PMARK_MODE_AUTO, .ip_df = -1 }

enum pmark_pr {
	PMARK_PR_NONE = 0,       /* reliable */
	PMARK_PR_RTX,            /* give up after pr_value retransmissions (0: send once) */
	PMARK_PR_TTL,            /* give up pr_value milliseconds after the send */
};

struct pmark_send_opts {
	uint16_t stream;
	uint32_t ppid;           /* host order */
	bool unordered;
	enum pmark_pr pr;
	uint32_t pr_value;
	const struct pmark_opts *ip; /* NULL: the stream's, then the association's defaults */
	uint32_t track_ms;       /* message tracking: report ICMP errors and the ack for this long; 0 = off */
	uint64_t track_id;       /* the application's name for a tracked message, handed back in events */
	bool sack_now;           /* ask the peer to acknowledge at once (RFC 7053 I bit), not after its delayed-ack timer */
};

#define PMARK_SEND_OPTS_INIT { .stream = 0, .ppid = 0, .unordered = false, \
			       .pr = PMARK_PR_NONE, .pr_value = 0, .ip = NULL, \
			       .track_ms = 0, .track_id = 0, .sack_now = false }

/*
 * How an association ended, as usrsctp reported it (pmark_conn_stats.end).
 * After PEER_ABORT, LOST or SETUP_FAILED usrsctp has dropped what it still
 * held: unacked 0 and queued_bytes 0 then mean lost, not delivered.
 */
enum pmark_conn_end {
	PMARK_END_NONE = 0,          /* up, or its end not reported yet */
	PMARK_END_SHUTDOWN,          /* a clean SHUTDOWN, started by either side */
	PMARK_END_PEER_ABORT,        /* the peer sent ABORT */
	PMARK_END_LOST,              /* aborted here: usrsctp's retransmission limits, or a close that gave up */
	PMARK_END_SETUP_FAILED,      /* never established */
};

/* Per-association counters (pmark_conn_stats). */
struct pmark_conn_stats {
	uint64_t msgs_sent, bytes_sent;         /* accepted by pmark_send */
	uint64_t msgs_received, bytes_received;
	uint64_t packets_out;                   /* SCTP packets usrsctp emitted */
	uint64_t datagrams_out;                 /* UDP datagrams written (after splits) */
	uint64_t send_errors;                   /* datagrams the UDP socket refused */
	uint64_t packets_split;                 /* packets cut in two or more by options */
	uint64_t data_chunks;                   /* first transmissions of DATA / I-DATA */
	uint64_t retransmissions;               /* DATA chunks emitted again */
	uint64_t chunks_unmapped;               /* chunks no message could be found for: sent unmarked */
	uint64_t unsplittable;                  /* mixed-option packets behind an AUTH chunk, sent as is */
	uint64_t records_written;               /* records put in the maps */
	uint64_t records_failed;                /* record writes refused (busy slot, no ring): unmarked */
	uint64_t records_acked;                 /* records removed by the peer's cumulative TSN ack */
	uint64_t records_released;              /* records removed when the association closed */
	uint64_t records_overwritten;           /* records of unacked TSNs a newer TSN reused (ring too small) */
	uint64_t records_live;                  /* written - acked - released - overwritten */
	uint64_t cmsg_datagrams;                /* datagrams sent with per-packet ancillary data */
	uint64_t sacks_in;                      /* SACK / NR-SACK chunks read */
	uint64_t bad_packets_in;                /* datagrams from the peer that did not parse */
	uint64_t tracked_datagrams;             /* datagrams of tracked messages sent */
	uint64_t icmp_errors;                   /* errors on the error queue for this association */
	uint64_t icmp_matched;                  /* of those, matched to a tracked datagram */
	uint64_t track_events_dropped;          /* events lost to a full queue */
	uint64_t probes_dropped;                /* received probe messages not handed to the application */
	uint64_t dtls_rejected;                 /* protected datagrams from the peer that failed authentication
						 * or did not parse: dropped */
	uint64_t dtls_replayed;                 /* protected datagrams from the peer seen before: dropped */
	uint64_t cleartext_emitted;             /* cleartext packets written to the sink */
	uint64_t cleartext_failed;              /* cleartext packets the sink refused */
	uint32_t vtag;                          /* the peer's verification tag (on our packets) */
	uint32_t cum_tsn_ack;                   /* last cumulative TSN ack from the peer */
	uint32_t ring;                          /* ring in the maps, UINT32_MAX if none */
	uint32_t cwnd, rwnd, unacked, pending;  /* usrsctp's view (SCTP_STATUS) */
	int64_t queued_bytes;                   /* bytes usrsctp still holds to send or see acked; -1 unknown */
	int state;                              /* SCTP_ESTABLISHED, ... from usrsctp */
	int end;                                /* enum pmark_conn_end */
};

/*
 * Open an endpoint on a local UDP address (IPv4 or IPv6; port 0 picks one).
 * cfg may be NULL (defaults).  In MAPS/AUTO mode the local UDP port is
 * registered with the marker so its datagrams are parsed.
 */
struct pmark_ep *pmark_ep_open(const struct sockaddr *local, socklen_t len,
			       const struct pmark_ep_config *cfg);
/* Closes every association (gracefully, up to 2 s each), then the socket. */
void pmark_ep_close(struct pmark_ep *ep);
enum pmark_mode pmark_ep_mode(const struct pmark_ep *ep);   /* MAPS, CMSG or OFF once open */
int pmark_ep_fd(const struct pmark_ep *ep);                 /* the UDP socket */
int pmark_ep_local(const struct pmark_ep *ep, struct sockaddr_storage *out, socklen_t *len);
/* Why the endpoint is in CMSG mode under AUTO (NULL otherwise). */
const char *pmark_ep_fallback_reason(const struct pmark_ep *ep);
/* The record maps the endpoint writes (NULL unless in MAPS mode). */
struct pmark_maps *pmark_ep_maps(struct pmark_ep *ep);

/* Client: establish an association with remote; waits up to timeout_ms (<0: forever). */
struct pmark_conn *pmark_connect(struct pmark_ep *ep, const struct sockaddr *remote,
				 socklen_t len, int timeout_ms);
/* Server: accept associations from any remote UDP address. */
int pmark_listen(struct pmark_ep *ep);
/* Next established association; NULL with errno ETIMEDOUT after timeout_ms (<0: forever). */
struct pmark_conn *pmark_accept(struct pmark_ep *ep, int timeout_ms);

/* Defaults; o = NULL clears them.  Refused (-EINVAL) like pmark_opts_validate. */
int pmark_conn_set_defaults(struct pmark_conn *c, const struct pmark_opts *o);
int pmark_stream_set_defaults(struct pmark_conn *c, uint16_t stream, const struct pmark_opts *o);

/*
 * Send one message.  Thread-safe: any number of threads may send on one
 * association at once.  Blocks while usrsctp's send buffer is full.  Returns
 * 0 or a negative errno; options are checked before anything is queued
 * (-EINVAL), and a message is queued whole or not at all.  so = NULL: stream
 * 0, ordered, reliable, the stream's and association's default options.
 */
int pmark_send(struct pmark_conn *c, const void *buf, size_t len, const struct pmark_send_opts *so);

/*
 * Next message of this association (when the endpoint has no on_recv).
 * Returns its length (the full length even when truncated to cap), 0 when
 * the association has ended, or a negative errno (-ETIMEDOUT).
 */
ssize_t pmark_recv(struct pmark_conn *c, void *buf, size_t cap, struct pmark_msg_info *info,
		   int timeout_ms);

int pmark_conn_stats(struct pmark_conn *c, struct pmark_conn_stats *out);
int pmark_conn_remote(const struct pmark_conn *c, struct sockaddr_storage *out, socklen_t *len);
bool pmark_conn_alive(const struct pmark_conn *c);
void pmark_conn_set_user(struct pmark_conn *c, void *user);
void *pmark_conn_user(const struct pmark_conn *c);
/* Graceful shutdown: waits up to timeout_ms for queued data to be acked and
 * the SHUTDOWN exchange (data still queued then is lost), then frees c. */
void pmark_conn_close(struct pmark_conn *c, int timeout_ms);

/*
 * Message tracking.  A message sent with track_ms > 0 goes out in datagrams
 * of its own (never bundled with another message's chunks), each stamped on
 * IPv4 with an IP ID of its own when the maps are in use.  For track_ms
 * after each chunk's first transmission, the library keeps what identifies
 * its datagram (first TSN, IP ID, last send time) and reports, per
 * association, through pmark_track_next:
 *   PMARK_TRACK_ICMP   an ICMP / ICMPv6 error that quotes one of its
 *                      datagrams, read from the UDP socket's error queue
 *                      (IP_RECVERR / IPV6_RECVERR, no raw socket), matched
 *                      by the TSN in the quoted bytes, or where a hop
 *                      quoted only 8 bytes past the IP header, by the IP ID
 *                      the ingress program saw in the quote (IPv4, maps);
 *   PMARK_TRACK_ACKED  the peer acknowledged the message's last chunk
 *                      (cumulative or gap ack): it reached the destination.
 * Events wait in a per-association queue (4096; overflow is counted in
 * track_events_dropped).
 */
enum pmark_track_kind {
	PMARK_TRACK_ICMP = 1,
	PMARK_TRACK_ACKED,
};

enum pmark_match {
	PMARK_MATCH_NONE = 0,
	PMARK_MATCH_TSN,         /* the quoted SCTP packet's first TSN */
	PMARK_MATCH_IPID,        /* the quoted IPv4 IP ID (8-byte quote) */
	PMARK_MATCH_RECORD,      /* the quoted DTLS record's epoch and sequence (protected association) */
};

struct pmark_track_event {
	int kind;                /* enum pmark_track_kind */
	uint64_t track_id;       /* from pmark_send_opts */
	uint16_t stream;
	uint32_t ppid;
	uint32_t tsn;            /* ICMP: first TSN of the datagram quoted; ACKED: the message's last TSN */
	uint32_t msg_tsn;        /* first TSN of the message */
	uint16_t ip_id;          /* IPv4 ID stamped on that datagram, 0 if none */
	uint64_t record_id;      /* protected association: that datagram's DTLS epoch << 48 | sequence
				  * (last transmission); 0 otherwise */
	uint32_t datagram_len;   /* UDP payload bytes of that datagram */
	struct pmark_opts sent;  /* the IP options it was sent with */
	uint64_t sent_ns;        /* CLOCK_MONOTONIC: when it was handed to the kernel (last transmission) */
	uint64_t event_ns;       /* CLOCK_MONOTONIC: when the error / ack arrived */
	uint64_t rtt_ns;         /* event_ns - sent_ns */
	/* PMARK_TRACK_ICMP only: */
	struct sockaddr_storage offender;   /* the hop that answered */
	socklen_t offender_len;
	uint8_t icmp_type, icmp_code;       /* ICMP (IPv4) or ICMPv6 (IPv6) */
	int error;               /* the kernel's errno for it: EHOSTUNREACH, EMSGSIZE, ... */
	uint32_t mtu;            /* Fragmentation Needed / Packet Too Big: next-hop MTU, else 0 */
	int match;               /* enum pmark_match */
	uint32_t quoted_len;     /* bytes of the datagram quoted past its UDP header */
	/* The quoted IP header: what arrived at the hop (needs the marker's ingress program). */
	bool quote_known;
	uint8_t q_tos;           /* TOS / traffic class as received */
	uint8_t q_ttl;           /* TTL / hop limit as received */
	bool q_df;               /* IPv4 Don't Fragment as received */
	uint16_t q_len;          /* IP total length as received */
	uint32_t q_flow;         /* IPv6 flow label as received */
};

/* Track ids with this bit set are pmark_trace's own (never handed out here). */
#define PMARK_TRACE_ID_BIT (1ull << 63)

/* Next event of c; 1 with *ev filled, -ETIMEDOUT after timeout_ms (<0: forever), -EPIPE once c
 * aborted or pmark_conn_close began (which must not free c under a waiting thread: join it first). */
int pmark_track_next(struct pmark_conn *c, struct pmark_track_event *ev, int timeout_ms);

/* Probes (pmark_trace.h) carry this PPID unless configured otherwise; a
 * libpmark receiver drops messages with it whose payload starts with
 * PMARK_PROBE_MAGIC, and counts them (probes_dropped). */
#define PMARK_PROBE_PPID  0x504d4b54u   /* "PMKT" */
#define PMARK_PROBE_MAGIC "PMKPROBE"

/* "10.0.0.1:5001", "[fd00::1]:5001", "host:port" (numeric only) into a sockaddr. */
int pmark_parse_addr(const char *s, struct sockaddr_storage *out, socklen_t *len);

/* RFC 1982 serial-number comparison on 32-bit TSNs. */
static inline bool pmark_tsn_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool pmark_tsn_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

const char *pmark_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* PMARK_H */
