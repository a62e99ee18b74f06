/* server_int.h - the ADS server's private state, shared by server.c and
 * status.c (private to src/xds). */
#ifndef XDSD_XDS_SERVER_INT_H
#define XDSD_XDS_SERVER_INT_H

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core.h"
#include "xdsd/log.h"
#include "xdsd/xds_server.h"

/* request_registered_call kept posted per method: a burst of connections
 * never waits for the loop to post the next one. */
#define XDS_POSTED_CALLS 8

/* Completion queues the calls are spread over, all run by the one thread.
 * Debian builds gRPC without NDEBUG, and then every completion is looked up
 * by a linear scan of the tags outstanding on its queue (two or three per
 * stream): with one queue, a tenth of a push's CPU at 10,000 streams. A
 * queue takes XDS_QUEUE_STREAMS streams before the next is used, so that a
 * small server runs on one queue, as it did. */
#define XDS_QUEUES 16
#define XDS_QUEUE_STREAMS 512

/* Packed response bodies kept for sharing between streams. */
#define XDS_BODY_CACHE 256

struct body {
    uint64_t key; /* xds_wire_body_key() */
    grpc_slice slice;
};

/* What a completion is about; tags live inside the structs they name. */
enum tag_kind {
    TAG_NEW_CALL,      /* ptr: struct waiting */
    TAG_GENERIC,       /* ptr: struct generic, a call to an unknown method arrived */
    TAG_UNIMPLEMENTED, /* ptr: struct generic, its answer completed */
    TAG_CLOSE,         /* ptr: struct stream, batch A (the call ended) */
    TAG_RECV,
    TAG_SEND,
    TAG_STATUS,
    TAG_SHUTDOWN /* ptr: struct xds_server */
};

struct tag {
    enum tag_kind kind;
    void *ptr;
};

/* One posted request_registered_call. */
struct waiting {
    struct tag tag;
    struct xds_server *srv;
    int delta;
    int posted;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
};

/* A call to a method we do not serve. */
struct generic {
    struct tag tag, done;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
    int cancelled;
};

struct stream {
    struct tag t_close, t_recv, t_send, t_status;
    struct stream *prev, *next;
    grpc_call *call;
    int delta;
    int inflight; /* batches started and not completed */
    int cancelled;
    unsigned recv_armed : 1, send_busy : 1, half_closed : 1, status_sent : 1;
    unsigned ended : 1;  /* batch A completed: the call is over */
    unsigned failed : 1; /* cancelled by us or a send failed: no more ops */
    unsigned logged : 1; /* its connect was logged: so will be its disconnect */
    /* the push (struct push_log) it has not finished, or 0; whether that
     * push sent it anything */
    uint32_t push_seq;
    unsigned push_sent : 1;
    grpc_byte_buffer *recv_bb, *send_bb;
    int64_t send_started_ms;
    struct xds_core *core;
    int have_node;
    struct proxy_identity id;
    char *metadata_json, *peer, *class_key;
    uint64_t connection_id;
    int64_t connected_at_ms;
    struct snapshot *snap; /* the view below lives as long as this reference */
    const struct xds_view *view;
    /* the snapshots the stream was on before snap, kept while the core may
     * still read them (xds_core_uses_old: O1 in SotW); usually none */
    struct snapshot **pins;
    size_t n_pins, cap_pins;
    int64_t stamp; /* publish time (monotonic) of snap, 0 for the first one */
};

/* The push of one snapshot, followed until every stream that moved to it
 * has nothing left to send (or is gone), for its one log line. */
struct push_log {
    uint32_t seq; /* of this push, never 0 */
    int active;
    int opening; /* streams are still joining: owed == 0 does not end it */
    uint64_t generation;
    int64_t started_ms; /* when the snapshot was published (monotonic) */
    size_t owed;        /* streams whose push_seq is this push's */
    size_t streams;     /* streams that moved to the snapshot */
    size_t proxies;     /* of those, streams that were sent something */
    unsigned types;     /* bit 1 << enum xds_type of each type sent */
};

struct xds_server {
    grpc_server *server;
    grpc_completion_queue *cqs[XDS_QUEUES]; /* [0] also gets shutdown and unknown methods */
    int last_queue;                         /* where the last completion came from */
    void *m_sotw, *m_delta;
    int port;
    /* The loop holds lock while it handles an event; status and publish take
     * it briefly from other threads. */
    pthread_mutex_t lock;
    struct snapshot *snap, *incoming;
    int64_t snap_ms, incoming_ms;
    atomic_int stop;
    struct stream *streams;
    size_t n_streams;
    uint64_t next_id;
    struct xds_counters counters;
    struct waiting waits[2][XDS_POSTED_CALLS];
    int n_posted;        /* request_call and request_registered_call outstanding */
    int n_unimplemented; /* UNIMPLEMENTED answers in flight */
    int shutting_down, shutdown_done, cq_shut;
    int64_t last_event_ms; /* the loop's last completion */
    struct tag t_shutdown;
    atomic_int listening; /* read without the lock by xds_server_listening() */
    int64_t last_sweep_ms;
    int64_t send_timeout_ms;
    char *last_view_error; /* the last translation failure logged */
    /* mutual TLS: a client's SPIFFE identity must be in this trust domain and
     * the namespace its node claims; NULL in plaintext (no check) */
    char *trust_domain;
    struct body bodies[XDS_BODY_CACHE];
    size_t n_bodies;
    struct push_log push;
    /* info lines of the loop: at most a few per second of each kind */
    struct log_limit log_connects, log_disconnects, log_nacks;
};

/* Credentials for the xDS port: mutual TLS when the three xds_tls_* options
 * are set, else plaintext. NULL (logged) when the files cannot be read or
 * only some of the options are set. */
grpc_server_credentials *xds_server_credentials(const struct serve_options *o);

#endif
