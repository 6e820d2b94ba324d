/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internals of the usrsctp-level endpoint: the endpoint (UDP socket, its
 * receive thread), the associations over it, and how each association maps
 * the chunks usrsctp emits back to the messages they carry.
 */
#ifndef PMARK_EP_INT_H
#define PMARK_EP_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include "pmark_int.h"
#include "sctp_wire.h"

struct socket;               /* usrsctp */

/*
 * Options of one message packed in 32 bits: the key by which a packet's
 * chunks are grouped (equal key = same IP header), and what a record or the
 * ancillary data writes.  The flags byte holds the record's own PMARK_F_*
 * bits (pmark_abi.h) without PMARK_F_VALID, so a record is written straight
 * from the key.  0 means "no option": the datagram is left alone.
 */
static inline uint32_t pm_key_make(uint8_t flags, uint8_t ttl, uint8_t tos, uint8_t mask)
{
	return flags ? (uint32_t)flags << 24 | (uint32_t)ttl << 16 | (uint32_t)tos << 8 | mask : 0;
}
static inline uint8_t pm_key_flags(uint32_t k) { return k >> 24; }
/*
 * pmark_opts.cleartext, kept in the key (so such messages never share a
 * datagram with others) in the bit PMARK_F_VALID has in a slot, which no
 * key uses; pm_key_record_flags leaves it out of what a record writes.
 */
#define PM_KEY_CLEAR PMARK_F_VALID
static inline uint8_t pm_key_record_flags(uint32_t k) { return (k >> 24) & ~PM_KEY_CLEAR; }
static inline uint8_t pm_key_ttl(uint32_t k) { return k >> 16; }
static inline uint8_t pm_key_tos(uint32_t k) { return k >> 8; }
static inline uint8_t pm_key_mask(uint32_t k) { return k; }

/* A message waiting for its first chunk, or whose chunks are going out. */
struct pm_desc {
	struct pm_desc *prev, *next; /* in its stream's queue, send order */
	uint32_t len;                /* message length */
	uint32_t mid;                /* expected SSN (DATA) / MID (I-DATA) */
	uint32_t key;                /* pm_key of its options, 0 = none */
	uint32_t expire_ms;
	bool unordered;
	uint8_t prefix_len;
	uint8_t prefix[8];           /* first bytes, to confirm a match */
	/* Message tracking (track.c): copied into each of its TSNs' entries. */
	uint32_t track_ms;           /* 0: not tracked */
	uint64_t track_id;
	uint32_t ppid;
	uint16_t stream;
	bool have_first;
	uint32_t first_tsn;          /* TSN of its B chunk, once seen */
	uint32_t serial;             /* tracked messages are numbered (c->track_serial) */
};

/* What a tracked DATA chunk brings to its track entry (pm_chunk_key). */
struct pm_track_info {
	bool tracked;
	bool last;                   /* the message's E chunk */
	uint32_t track_ms;
	uint64_t track_id;
	uint32_t ppid, msg_tsn;
	uint16_t stream;
	uint32_t serial;             /* distinct per message: its datagrams never carry another's chunks */
};

struct pm_track;                 /* track.c */
struct pm_clear_sink;            /* clearsink.c */
struct pmark_transform_ops;      /* pmark_dtls.h */

/* What the output path knows of a datagram it hands to pm_send_dgram. */
struct pm_dgram {
	uint32_t key;                /* options of its first DATA chunk, 0: none */
	uint32_t expire_ms;
	uint16_t ip_id;              /* IPv4 ID to stamp (tracked), 0: none */
	bool first;                  /* that chunk's first transmission (`once` marks only it) */
	bool tracked;                /* tsn is a tracked TSN: remember its record id */
	uint32_t tsn;
};

/* Per chunk of the packet being cut (output.c scratch). */
struct pm_chunk_note {
	uint32_t expire_ms;
	uint16_t ip_id;
	bool first;
};

struct pm_stream {
	struct pm_desc *head, *tail; /* sent, no chunk seen yet */
	struct pm_desc *cur;         /* DATA: the message whose chunks are going out */
	struct pm_desc *active;      /* I-DATA: messages with B seen, no E yet (via next) */
	uint32_t next_ssn;           /* ordered messages sent on this stream */
	uint32_t next_umid;          /* I-DATA unordered MIDs */
	bool has_defaults;
	struct pmark_opts defaults;
};

/* What the output path remembers of a TSN it has seen (index tsn & mask). */
struct pm_tsn_seen {
	uint32_t tsn;
	uint32_t key;
	uint64_t expire_ns;          /* the record's deadline, 0: none (retransmissions of
				      * protected datagrams are recorded again, up to it) */
	uint8_t state;               /* 0 free, 1 skipped over (not yet seen), 2 sent */
};

struct pmark_conn {
	struct pmark_ep *ep;
	uintptr_t id;                /* the AF_CONN address usrsctp knows us by */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	struct socket *so;           /* NULL until connected / accepted */
	bool ready;                  /* established and handed to the application */
	struct pmark_conn *next;     /* in ep->conns */
	uint64_t born_ns;
	void *user;

	pthread_mutex_t send_lock;   /* serialises pmark_send: queue order = usrsctp's */
	pthread_mutex_t map_lock;    /* streams, descs, seen TSNs, records */
	struct pm_stream *streams;
	uint32_t nstreams;
	struct pm_desc *spare;       /* released descriptors, for reuse */
	uint32_t nspare;
	bool has_defaults;
	struct pmark_opts defaults;
	struct pm_tsn_seen *seen;
	uint32_t seen_mask;
	bool have_high;
	uint32_t high_tsn;           /* highest TSN emitted */
	uint32_t peer_vtag;          /* tag on our packets (0 until learned) */
	uint32_t my_vtag;            /* tag the peer puts on its packets */
	struct pmark_assoc *assoc;   /* ring in the maps */
	bool assoc_failed;
	pthread_mutex_t out_lock;    /* the scratch below and the order datagrams leave in */
	struct pm_chunk *chunks;     /* scratch for the output path */
	uint32_t *group_of, *picked, *key_of;
	struct pm_chunk_note *note_of;
	size_t chunks_cap;
	uint8_t *out_buf;
	size_t out_cap;

	pthread_mutex_t rd_lock;     /* one reader at a time; the message being reassembled */
	uint8_t *rd_buf;             /* callback mode: the message so far */
	size_t rd_len, rd_cap;
	bool rd_trunc;
	size_t rd_full;              /* bytes of the message, kept or dropped */
	struct pmark_msg_info rd_info;
	int cb_busy;                 /* the callback thread is reading this conn */
	bool closing;

	pthread_mutex_t ev_lock;     /* upcall events */
	pthread_cond_t ev_cond;
	bool readable, writable, ended;
	int refs;                    /* output calls in progress (registry) */

	_Atomic uint64_t st[32];     /* enum pm_stat */
	atomic_int end;              /* enum pmark_conn_end, from usrsctp's notification */
	uint32_t cum_ack;

	/* Protection (xform.c): NULL xf = plain SCTP in UDP. */
	void *xf;                    /* the transform's state */
	pthread_mutex_t xf_lock;     /* every call on xf; the buffer; record ids leave in order */
	int xf_state;                /* enum pmark_xf_state, as last seen (atomic reads) */
	bool xf_client;
	bool xf_registered;          /* the peer is in the marker's "dtls" table */
	uint32_t xf_tag;             /* its tag there */
	struct pmark_assoc *xf_ring; /* and the ring of that tag */
	bool xf_ring_failed;
	uint8_t *xf_buf;             /* a protected datagram being built */
	size_t xf_cap;
	struct sockaddr_storage local;  /* the source address our datagrams leave with (cleartext sink) */
	char xf_error[512];          /* why the handshake failed */

	struct pm_track *track;      /* tracked datagrams (map_lock), events (its own lock); lazily */
	uint32_t track_serial;       /* map_lock */
	atomic_uint trace_tag;       /* non-zero while pmark_trace runs: its events go to it */
};

enum pm_stat {
	PS_MSGS_SENT, PS_BYTES_SENT, PS_MSGS_RCVD, PS_BYTES_RCVD, PS_PACKETS_OUT,
	PS_DGRAMS_OUT, PS_SEND_ERRORS, PS_SPLIT, PS_DATA_CHUNKS, PS_RETX, PS_UNMAPPED,
	PS_UNSPLITTABLE, PS_REC_WRITTEN, PS_REC_FAILED, PS_REC_ACKED, PS_REC_RELEASED, PS_REC_OVERWRITTEN,
	PS_CMSG, PS_SACKS, PS_BAD_IN, PS_TRACKED, PS_ICMP, PS_ICMP_MATCHED, PS_EV_DROPPED,
	PS_PROBES_DROPPED, PS_XF_REJECTED, PS_XF_REPLAYED, PS_CLEAR_EMITTED, PS_CLEAR_FAILED,
};
static inline void pm_count(struct pmark_conn *c, enum pm_stat s, uint64_t n)
{
	atomic_fetch_add_explicit(&c->st[s], n, memory_order_relaxed);
}

struct pmark_ep {
	enum pmark_mode mode;
	struct pmark_ep_config cfg;
	int fd, family, wake_fd;
	uint64_t cookie;             /* SO_COOKIE of fd: the owner of our records */
	uint16_t port;               /* local UDP port (registered with the marker) */
	bool port_registered;
	struct pmark_maps *maps;
	char fallback[256];
	atomic_bool warned_df;       /* the IPv4 DF sentence has been said */
	int base_tos;                /* the socket's own TOS, kept under a tos mask in CMSG mode */
	atomic_uint next_ip_id;      /* IPv4 IDs stamped on tracked datagrams */
	const struct pmark_transform_ops *xf;   /* cfg.transform: protected associations */
	struct pm_clear_sink *clear; /* the cleartext sink, NULL: none */

	pthread_t rx_thread, cb_thread;
	bool rx_started, cb_started;
	atomic_bool stopping;

	pthread_mutex_t lock;        /* conns list, listening state */
	pthread_cond_t cond;         /* accept / callback work */
	struct pmark_conn *conns;
	struct socket *listener;
	bool listen_ready;           /* listener upcall fired */
	bool cb_work;
};

/* Condition variables timed on CLOCK_MONOTONIC (all deadlines here are). */
void pm_cond_init(pthread_cond_t *cond);
/* The CLOCK_MONOTONIC deadline timeout_ms from now; UINT64_MAX when < 0 (none). */
static inline uint64_t pm_deadline_ns(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : pmark_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

/* usrsctp_glue.c: one usrsctp per process, conn ids. */
int pm_usrsctp_get(void);
void pm_usrsctp_put(void);
int pm_conn_register(struct pmark_conn *c);
void pm_conn_publish(struct pmark_conn *c);      /* usrsctp_register_address */
void pm_conn_unregister(struct pmark_conn *c);   /* waits for output calls to finish */
struct pmark_conn *pm_conn_lookup(uintptr_t id);  /* takes a ref */
void pm_conn_unref(struct pmark_conn *c);

/* conn.c */
struct pmark_conn *pm_conn_new(struct pmark_ep *ep, const struct sockaddr *remote, socklen_t len);
struct pmark_conn *pm_conn_new_locked(struct pmark_ep *ep, const struct sockaddr *remote,
				      socklen_t len);   /* ep->lock held */
void pm_conn_free(struct pmark_conn *c);
int pm_socket_setup(struct pmark_ep *ep, struct socket *so);
void pm_conn_attach_socket(struct pmark_conn *c, struct socket *so);
void pm_conn_wait(struct pmark_conn *c, int timeout_ms);
int pm_conn_out_streams(struct pmark_conn *c);   /* streams the peer granted us, or -ENOTCONN */

/* output.c: a packet usrsctp wants sent; input.c: a datagram from the peer. */
int pm_output(struct pmark_conn *c, const uint8_t *pkt, size_t len);
void pm_input(struct pmark_conn *c, const uint8_t *pkt, size_t len);
void pm_release_records(struct pmark_conn *c);
void pm_release_records_locked(struct pmark_conn *c);   /* map_lock held */
/* dgram.c: one datagram to the peer: protected (with its record) when the
 * association is, with the options as ancillary data in CMSG mode. */
int pm_send_dgram(struct pmark_conn *c, const uint8_t *buf, size_t len, const struct pm_dgram *d);
/* The datagram as is: a handshake flight, or an already protected one (with key's cmsg). */
int pm_send_raw(struct pmark_conn *c, const uint8_t *buf, size_t len, uint32_t key);

/*
 * xform.c: the association's transform.  pm_xf_open creates its state
 * (client: we connect); pm_xf_input unprotects a datagram from the peer
 * (> 0: cleartext length in out, 0: nothing for SCTP, < 0: dropped and
 * counted); pm_xf_wait waits for the handshake (0, or -ECONNREFUSED / -ETIMEDOUT
 * with the reason in c->xf_error and logged); pm_xf_tick runs its timers
 * (rx thread); pm_xf_close frees it and forgets the peer in the marker.
 */
int pm_xf_open(struct pmark_conn *c, bool client);
ssize_t pm_xf_input(struct pmark_conn *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap);
int pm_xf_wait(struct pmark_conn *c, uint64_t deadline_ns);
int pm_xf_tick(struct pmark_conn *c);            /* ms until the next timer, -1: none */
void pm_xf_close(struct pmark_conn *c);
/* Protect, record, mirror, send (dgram.c calls it for protected associations; xf_lock held). */
int pm_xf_send(struct pmark_conn *c, const uint8_t *buf, size_t len, const struct pm_dgram *d);

/* chunkmap.c: the options of a DATA chunk (key 0: unmarked).  -ENOENT when
 * a first transmission matched no message. Needs map_lock. */
int pm_chunk_key(struct pmark_conn *c, const uint8_t *pkt, const struct pm_data *d,
		 uint32_t *key, uint32_t *expire_ms, bool *first, struct pm_track_info *ti);

/*
 * Queue the descriptor of a message about to be given to usrsctp (options
 * resolved message > stream > association); NULL with *err when nothing was
 * queued.  pm_desc_cancel takes it back when usrsctp refused the message.
 */
struct pm_desc *pm_desc_push(struct pmark_conn *c, const void *buf, size_t len,
			     const struct pmark_send_opts *so, int *err);
void pm_desc_cancel(struct pmark_conn *c, uint16_t sid, struct pm_desc *d);

/* send.c */
uint32_t pm_opts_key(const struct pmark_opts *o);
/* Fields of into left at "leave" take from's value; once is or-ed. */
void pm_opts_merge(struct pmark_opts *into, const struct pmark_opts *from);
/* The state of a stream, grown on first use; NULL when out of memory.  Needs map_lock. */
struct pm_stream *pm_stream_get(struct pmark_conn *c, uint16_t sid);
void pm_log(struct pmark_ep *ep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An SCTP notification read from the association (notify.c): logs why it ended. */
void pm_note_notification(struct pmark_conn *c, const uint8_t *buf, size_t len);

/*
 * track.c: tracked datagrams and their events.  The _locked calls need
 * map_lock.  pm_track_add: a tracked TSN's first transmission (returns the
 * IPv4 ID to stamp, 0 for none); pm_track_sent: its datagram left (again);
 * pm_track_sack / pm_track_forward: the peer acked TSNs / we abandoned TSNs
 * up to new_cum; pm_track_icmp: an error from the socket's error queue.
 */
uint16_t pm_track_add_locked(struct pmark_conn *c, uint32_t tsn, uint32_t key,
			     const struct pm_track_info *ti);
void pm_track_sent_locked(struct pmark_conn *c, uint32_t tsn, uint32_t dgram_len);
/* Protected association: the tracked TSN tsn left (again) in the DTLS record record_id,
 * a datagram of wire_len bytes. */
void pm_track_record_locked(struct pmark_conn *c, uint32_t tsn, uint64_t record_id,
			    uint32_t wire_len);
/* The IPv4 ID a tracked TSN was given (its retransmissions carry it too). */
uint16_t pm_track_ip_id_locked(const struct pmark_conn *c, uint32_t tsn);
bool pm_track_has_locked(const struct pmark_conn *c, uint32_t tsn);
void pm_track_sack_locked(struct pmark_conn *c, const uint8_t *pkt, const struct pm_chunk *ch,
			  const struct pm_sack *s);
void pm_track_forward_locked(struct pmark_conn *c, uint32_t new_cum);
struct pm_icmp_err {
	uint8_t origin, type, code;
	int error;
	uint32_t info;
	struct sockaddr_storage offender;
	socklen_t offender_len;
	const uint8_t *quote;        /* bytes past the quoted UDP header */
	size_t quote_len;
	uint64_t now_ns;
};
void pm_track_icmp(struct pmark_conn *c, const struct pm_icmp_err *e);
void pm_track_free(struct pmark_conn *c);
void pm_track_wake(struct pmark_conn *c);        /* the association ended */
/* The trace's own events (track_id >> 32 == the tag it set in c->trace_tag). */
int pm_track_next_tagged(struct pmark_conn *c, struct pmark_track_event *ev, uint64_t deadline_ns);

/* errq.c: drain the UDP socket's error queue (rx thread). */
void pm_errqueue_drain(struct pmark_ep *ep);
int pm_errqueue_enable(int fd, int family);
/* ep.c: the association of a remote address, with a ref; never creates one. */
struct pmark_conn *pm_conn_by_addr(struct pmark_ep *ep, const struct sockaddr_storage *addr);

/* recv.c */
void *pm_callback_thread(void *arg);
void pm_conn_upcall(struct socket *so, void *arg, int flags);

#endif
