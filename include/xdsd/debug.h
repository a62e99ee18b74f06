/* debug.h - the debug HTTP endpoint (docs/istio-to-envoy.md §8).
 *
 * An HTTP server on libmicrohttpd with its own thread. It answers from two
 * sources, both read through copies so that a slow client never holds up the
 * xDS loop:
 *
 *   - the xDS state, through debug_sources.status (xds_server_status in
 *     production): a copy taken under the server's short lock;
 *   - the configuration state, which the owner of the reloader publishes with
 *     debug_server_set_config() after every load attempt (copied under the
 *     debug server's own lock).
 *
 * Paths: /ready, /version, /debug/configz, /debug/syncz, /debug/adsz,
 * /debug/config_dump?proxyID=ID, /metrics. JSON endpoints take ?pretty.
 * The dashboard (src/debug/ui.c): /ui and its files, /debug/uiz,
 * /debug/proxy_config?proxyID=ID&type=T. */
#ifndef XDSD_DEBUG_H
#define XDSD_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/xds_server.h"

struct serve_options;

struct config_set;
struct config_diags;

/* One loaded resource, for /debug/configz. */
struct debug_resource {
    char *kind; /* "ServiceEntry", "Gateway", ... (config_kind_name()) */
    char *namespace;
    char *name;
    char *file;
    int line, column; /* where its document starts */
};

/* One finding of the last load attempt. */
struct debug_diag {
    int warning; /* 0: error */
    char *file;
    int line, column;
    char *resource; /* "VirtualService default/foo", or NULL */
    char *message;
    const char *code; /* the analyzer code of the finding (a static string), or NULL */
};

/* Memory that copies of a debug_config_info share, freed with the last:
 * a new one holds size bytes at *data (zeroed), and one reference; release
 * (when not NULL) is called with arg when it is freed, for what the bytes
 * point into. */
struct debug_block;
struct debug_block *debug_block_new(size_t size, void **data, void (*release)(void *),
                                    void *arg);

/* The configuration state. Every pointer is owned by the struct: release
 * with debug_config_info_release(). */
struct debug_config_info {
    int loaded;                       /* a configuration is being served */
    uint64_t generation;              /* of the set being served */
    int rejected;                     /* the last load attempt was rejected */
    struct debug_resource *resources; /* of the set being served */
    size_t n_resources;
    /* when not NULL, resources live in it, and copies share them
     * (debug_config_info_fill() makes one whose strings are the set's: at
     * 10,000 services, copying 27,000 resources' strings twice per reload
     * cost as much as the reload) */
    struct debug_block *resources_block;
    /* the set being served, borrowed: resources_block holds its reference
     * (NULL when the resources were made by hand) */
    const struct config_set *set;
    struct debug_diag *diags; /* of the last attempt, errors and warnings */
    size_t n_diags;
    uint64_t reloads_ok, reloads_rejected; /* attempts since start */
    /* where the set being served came from: "config-dir" (NULL reads so) or
     * "state-dir" (the copy saved by an earlier run), and why */
    char *source;
    char *source_reason;
    /* etcd: the revision the set served was read at, the member in use and,
     * while etcd cannot be read, why (else NULL) */
    int64_t revision;
    char *source_endpoint;
    char *source_error;
};

/* Fill info from the set being served (may be NULL) and the findings of the
 * last attempt (may be NULL); the resources hold a reference to the set, the
 * findings are copied. The counters are left as
 * they were: set them after; the source is reset to NULL. */
void debug_config_info_fill(struct debug_config_info *info, const struct config_set *set,
                            const struct config_diags *diags, int rejected);
void debug_config_info_release(struct debug_config_info *info);
/* More findings (copied) after those of the last attempt: the translation's
 * of the set being served (translate_findings()). */
void debug_config_info_add_diags(struct debug_config_info *info, const struct config_diags *diags);

/* Where the server reads the xDS state. status returns a fresh copy that
 * status_free releases; status NULL means no xDS server (/ready answers 503).
 * Both are called from the HTTP thread. Reading a running server:
 *
 *   static struct xds_status_report *status(void *xds) { return xds_server_status(xds); }
 *   struct debug_sources src = {xds, status, xds_status_report_free, xds_histogram_bounds};
 */
struct debug_sources {
    void *ctx;
    struct xds_status_report *(*status)(void *ctx);
    void (*status_free)(struct xds_status_report *r);
    const double *histogram_bounds; /* the 12 bucket bounds (xds_histogram_bounds) */
    /* optional: whether the xDS port listens (xds_server_listening). When
     * set, /ready asks only this instead of taking a whole status report */
    int (*listening)(void *ctx);
    /* optional: status without resource names (xds_server_status_brief),
     * for the pages that show states only; status is asked when NULL */
    struct xds_status_report *(*status_brief)(void *ctx);
};

struct debug_server;

/* Listen on listen ("HOST:PORT", port 0 picks a free one) and serve from
 * src (copied) on a thread of the server's own. Logs a warning when the
 * address is not a loopback one: the endpoint has no authentication.
 * *bound_port (may be NULL) receives the port. Returns NULL when the address
 * is invalid or cannot be bound (logged). */
struct debug_server *debug_server_start(const char *listen, const struct debug_sources *src,
                                        int *bound_port);
/* Stop serving (waits for the thread) and free. NULL is a no-op. */
void debug_server_stop(struct debug_server *s);

/* The settings of `xdsd serve` that /debug/analyzez analyzes with (outbound
 * policy, mesh certificates, trust domain); o must outlive the server. Call
 * before requests come (NULL, the default: the defaults of docs/design.md). */
void debug_server_set_serve_options(struct debug_server *s, const struct serve_options *o);

/* Publish the snapshot being served (the server takes its own reference;
 * NULL drops it), for /debug/egressz. Thread-safe; s may be NULL. */
void debug_server_set_snapshot(struct debug_server *s, struct snapshot *snap);
/* Publish the secrets served over SDS for /debug/secretz (a reference is
 * kept; NULL: none). Thread-safe. */
struct secret_set;
void debug_secretz_set(struct secret_set *s);

/* Publish the configuration state; the server keeps a copy. Thread-safe. */
void debug_server_set_config(struct debug_server *s, const struct debug_config_info *info);

#endif
