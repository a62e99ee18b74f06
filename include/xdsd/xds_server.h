/* xds_server.h - the ADS server on gRPC C core.
 *
 * One thread (the caller of xds_server_run) owns every stream. Other threads
 * talk to it only through xds_server_publish(), xds_server_stop() and
 * xds_server_status(), which are thread-safe. */
#ifndef XDSD_XDS_SERVER_H
#define XDSD_XDS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/options.h"
#include "xdsd/snapshot.h"

struct xds_server;

/* Create the server and bind o->xds_listen (plaintext, or mutual TLS when the
 * three xds_tls_* options are set). Returns NULL when the port cannot be
 * bound (logged). *bound_port (may be NULL) receives the port. */
struct xds_server *xds_server_new(const struct serve_options *o, int *bound_port);
/* Serve until xds_server_stop(); then cancel streams, drain and return 0. */
int xds_server_run(struct xds_server *srv);
/* Ask the loop to stop (async-signal-safe is not required: call from a thread). */
void xds_server_stop(struct xds_server *srv);
void xds_server_free(struct xds_server *srv);

/* Hand a new snapshot to the loop (the server takes the reference). Streams
 * whose resources changed get a push; others get nothing. */
void xds_server_publish(struct xds_server *srv, struct snapshot *snap);

/* A stream whose send has not been taken by the peer for ms milliseconds
 * does not read: it is closed with UNAVAILABLE and counted in
 * counters.closed_slow, so the proxy reconnects. Default 30 s. */
void xds_server_set_send_timeout(struct xds_server *srv, int64_t ms);

/* ---- status, for the debug endpoint ------------------------------------------------ */

enum xds_sync { SYNC_NOT_SENT, SYNC_SYNCED, SYNC_STALE, SYNC_NACKED };
const char *xds_sync_name(enum xds_sync s); /* "NOT SENT", "SYNCED", "STALE", "NACKED" */

struct xds_type_status {
    int requested; /* the stream subscribed to this type */
    int wildcard;
    /* names here and in sent_names are shared with the server (references
     * taken for the report, released by xds_status_report_free): read only */
    char **names; /* explicit subscription, sorted */
    size_t n_names;
    char sent_version[17], acked_version[17];
    char sent_nonce[24], acked_nonce[24];
    enum xds_sync sync;
    char *nack_message; /* last NACK, or NULL */
    char nack_nonce[24];
    int64_t nack_time_ms; /* wall clock */
    /* what the proxy was last sent of this type (names within `view`) */
    char **sent_names;
    size_t n_sent_names;
};

struct xds_stream_status {
    uint64_t connection_id;
    char *node_id;
    char *peer;
    char *metadata_json; /* node.metadata as JSON text, or "{}" */
    char *class_key;
    int delta;               /* 1: DeltaAggregatedResources */
    int64_t connected_at_ms; /* wall clock */
    struct proxy_identity id;
    struct xds_type_status types[XDS_NTYPES];
    /* the snapshot and view the last responses came from (a reference held by
     * the report), for config_dump; NULL before anything was sent */
    struct snapshot *snapshot;
    const struct xds_view *view;
};

/* Counters since start, for /metrics (names as Istio's where one exists). */
struct xds_counters {
    uint64_t pushes[XDS_NTYPES];  /* pilot_xds_pushes{type} */
    uint64_t rejects[XDS_NTYPES]; /* pilot_total_xds_rejects{type} */
    uint64_t expired_nonce;       /* pilot_xds_expired_nonce */
    uint64_t connections_total;
    uint64_t closed_slow; /* streams closed for not reading */
    uint64_t denied;      /* streams refused: identity mismatch */
    uint64_t bytes_sent;
    /* pilot_proxy_convergence_time: from publish to ACK, in seconds */
    uint64_t convergence_buckets[12]; /* cumulative counts per xds_convergence_bounds */
    uint64_t convergence_count;
    double convergence_sum;
    /* pilot_xds_push_time: time to hand a push to gRPC, seconds */
    uint64_t push_time_buckets[12];
    uint64_t push_time_count;
    double push_time_sum;
};
/* Upper bounds (seconds) of the histogram buckets above. */
extern const double xds_histogram_bounds[12];

struct xds_status_report {
    struct xds_stream_status *streams;
    size_t n_streams;
    struct xds_counters counters;
    uint64_t generation; /* of the snapshot being served */
    int listening;
};

/* The state of every stream, taken under a short lock: strings that change
 * are copied, resource names are shared references (no copy), and the report
 * holds a reference on each stream's snapshot. Free with
 * xds_status_report_free(). */
struct xds_status_report *xds_server_status(struct xds_server *srv);
/* The same without resource names (no subscriptions, nothing sent listed):
 * states, versions and NACKs, for pages polled often (the dashboard). */
struct xds_status_report *xds_server_status_brief(struct xds_server *srv);
void xds_status_report_free(struct xds_status_report *r);

/* Whether the xDS port is listening (between start and shutdown), without
 * the lock: for readiness probes, which must not wait for a push. */
int xds_server_listening(struct xds_server *srv);

#endif
