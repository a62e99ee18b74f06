/* snapshot.h - what the xDS server serves: one immutable snapshot per
 * published configuration, holding the resources of each proxy class.
 *
 * Translation fills views; the xDS server and the debug endpoint read them.
 * The two meet only here, so the server can be tested with hand-made views.
 *
 *   snapshot (generation N, refcounted)
 *     └─ view per proxy class (built on first use, then shared by every proxy
 *        of that class): for each xDS type, resources sorted by name, each
 *        packed once, each with a version that is a hash of its bytes. */
#ifndef XDSD_SNAPSHOT_H
#define XDSD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/proxy.h"

/* xDS resource types, in the order ADS pushes them (make before break).
 * Secrets come last in the enum but are never held back behind CDS: a
 * cluster warms only once its secrets arrive. */
enum xds_type { XDS_CLUSTER, XDS_ENDPOINT, XDS_LISTENER, XDS_ROUTE, XDS_SECRET, XDS_NTYPES };

/* The type URL ("type.googleapis.com/envoy.config.cluster.v3.Cluster", ...). */
const char *xds_type_url(enum xds_type t);
/* The type of a type URL, or -1 when xdsd serves no such type. */
int xds_type_from_url(const char *url);
/* Short names for reports: "cds", "eds", "lds", "rds", "sds". */
const char *xds_type_short(enum xds_type t);

/* One packed resource (a Cluster, ClusterLoadAssignment, Listener or
 * RouteConfiguration message, not wrapped in Any). */
struct xds_resource {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    uint64_t hash;    /* of the bytes */
    char version[17]; /* the hash in hex: the resource version */
    int counted;      /* bytes from xds_bytes_new(), shared between views */
};

/* The resources of one proxy class. Immutable once finished. */
struct xds_view;

/* Build a view: add resources, then finish. */
struct xds_view *xds_view_new(void);
/* Add a resource; the view takes ownership of bytes (from malloc). */
void xds_view_add(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes,
                  size_t len);
/* The same with the hash of bytes already known (bytes reused from an
 * earlier view, whose hash was computed when they were first added). */
void xds_view_add_hashed(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes,
                         size_t len, uint64_t hash);
/* Bytes that the views of successive snapshots may share one by one (a
 * large resource that an edit left as it was): len bytes, with one
 * reference; give them to xds_view_add_counted(), or drop them with
 * xds_bytes_unref(). */
uint8_t *xds_bytes_new(size_t len);
void xds_bytes_unref(uint8_t *bytes);
/* xds_view_add_hashed() for bytes from xds_bytes_new() (the view takes the
 * reference). */
void xds_view_add_counted(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes,
                          size_t len, uint64_t hash);
/* Add r, a resource of another view, again: its bytes are shared when they
 * are counted, else copied. */
void xds_view_add_again(struct xds_view *v, enum xds_type t, const struct xds_resource *r);
/* Make v's resources of type t those of from, a finished view (shared, not
 * copied; what v held of type t is dropped). For a rebuild whose inputs for
 * that type did not change. */
void xds_view_share(struct xds_view *v, enum xds_type t, const struct xds_view *from);
/* Make v's resources of type t those of from (a finished view) with each
 * of put (n_put) in place of from's resource of the same name or added,
 * and the resources named in drop (n_drop) removed; finished already: no
 * sort, and no work per resource kept but one copy of the list's entries,
 * whose names and bytes are shared with from's. Every so often (many
 * patches, or many bytes no longer used) the list is copied instead,
 * giving back what replaced resources held. Returns 0 (shared: every kept
 * resource's name and bytes are where they were in from), 1 (copied: none
 * is), or -1 (v unchanged) when a name to drop is not in from, or is also
 * put, or a name is put twice. put's bytes are copied (counted bytes shared). */
int xds_view_patch(struct xds_view *v, enum xds_type t, const struct xds_view *from,
                   const struct xds_resource *const *put, size_t n_put, const char *const *drop,
                   size_t n_drop);
/* What a resource adds to the version of its type: a type's version is
 * the sum of its resources' entries (from HASH_SEED), so that replacing a
 * few updates it without reading the others. */
uint64_t xds_version_entry(const char *name, uint64_t hash);
/* Sort by name, compute versions, and reject duplicate names. Returns 0, or -1
 * with a message naming the duplicate in *err (caller frees). */
int xds_view_finish(struct xds_view *v, char **err);
void xds_view_free(struct xds_view *v);

/* The resources of one type of a finished view, as one immutable,
 * reference-counted list that views of successive snapshots may share: a
 * stream that was sent all of them keeps a reference, not a copy. */
struct xds_list;
/* The list of type t of the finished view v (borrowed: xds_list_ref() keeps it). */
const struct xds_list *xds_view_list(const struct xds_view *v, enum xds_type t);
/* Another reference to l; drop it with xds_list_unref(). */
void xds_list_ref(const struct xds_list *l);
/* Drop a reference (NULL is ignored); the last one frees the list. */
void xds_list_unref(const struct xds_list *l);
/* The resources of l, sorted by name; *n gets how many. */
const struct xds_resource *xds_list_items(const struct xds_list *l, size_t *n);

/* Reading a finished view. items are sorted by name. */
size_t xds_view_count(const struct xds_view *v, enum xds_type t);
const struct xds_resource *xds_view_items(const struct xds_view *v, enum xds_type t);
const struct xds_resource *xds_view_find(const struct xds_view *v, enum xds_type t,
                                         const char *name);
/* A version for the type as a whole: the sum of xds_version_entry() over its resources. */
const char *xds_view_version(const struct xds_view *v, enum xds_type t);
/* Total packed bytes of a type (for size limits and metrics). */
size_t xds_view_bytes(const struct xds_view *v, enum xds_type t);

/* The default largest response sent to an Envoy (`serve --max-response-bytes`).
 * Envoy's own ADS client (envoy_grpc, as in Istio's bootstrap) has no receive
 * limit; this one bounds what a single push may cost. Istio's size metric
 * calls 40 MB the upper bound. */
#define XDS_MAX_RESPONSE_BYTES (64u << 20)
/* The default receive limit of gRPC clients (4 MiB), which proxyless gRPC
 * clients keep for their xDS channel. */
#define XDS_GRPC_MAX_RESPONSE_BYTES (4u << 20)

/* An upper estimate of the size of one response carrying every resource of
 * type t (the delta shape, the larger one). */
size_t xds_view_response_bytes(const struct xds_view *v, enum xds_type t);
/* 0 when every type's response fits in limit bytes, else -1 with a message
 * naming the type and size in *err (caller frees; err may be NULL). With
 * by_name set, only each resource alone must fit: for clients that subscribe
 * by name (proxyless gRPC), whose responses carry what they asked for. */
int xds_view_check_size(const struct xds_view *v, size_t limit, int by_name, char **err);

/* How a snapshot turns a proxy into its view. class_key returns a heap
 * string: proxies with equal keys receive identical views. build returns a
 * finished view, or NULL with a message in *err. Both are called from any
 * thread, never concurrently for the same snapshot. */
struct snapshot_ops {
    char *(*class_key)(void *ctx, const struct proxy_identity *id);
    /* The view of id's class; key is what class_key() returned for id. */
    struct xds_view *(*build)(void *ctx, const struct proxy_identity *id, const char *key,
                              char **err);
    void (*free_ctx)(void *ctx);
    /* Optional: snapshot_prepare() calls warm(ctx, old_ctx) before it
     * builds (old_ctx is the older snapshot's, of the same ops, alive until
     * the matching warm(ctx, NULL) after the builds), so builds may reuse
     * what the older snapshot made. */
    void (*warm)(void *ctx, void *old_ctx);
};

struct snapshot;

/* A snapshot of generation gen whose views come from ops over ctx (the
 * snapshot owns ctx and frees it with ops->free_ctx). Refcount 1. */
struct snapshot *snapshot_new(uint64_t gen, const struct snapshot_ops *ops, void *ctx);
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s);
uint64_t snapshot_generation(const struct snapshot *s);
void *snapshot_ctx(const struct snapshot *s);

/* The view for a proxy, built for its class on first use and then shared.
 * Thread-safe. The view lives as long as the snapshot. Returns NULL with a
 * message in *err (caller frees) when translation failed for this class.
 * *class_key (may be NULL) receives the class key, owned by the snapshot. */
const struct xds_view *snapshot_view(struct snapshot *s, const struct proxy_identity *id,
                                     const char **class_key, char **err);

/* Build the view of every class that old has built, so that a push after a
 * reload does not translate on the xDS thread. */
void snapshot_warm_from(struct snapshot *s, struct snapshot *old);

/* The same, plus the views of the extra proxies (may be NULL), reporting
 * failures: 0 when every view was built, else -1 with the first failure in
 * *err (caller frees; err may be NULL). The publisher refuses such a snapshot. */
int snapshot_prepare(struct snapshot *s, struct snapshot *old, const struct proxy_identity *extra,
                     size_t n_extra, char **err);

#endif
