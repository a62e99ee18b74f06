/* tr.h - translation internals shared by the files of src/translate/.
 *
 * One build translates the model for one proxy class. Everything it makes
 * (protobuf-c messages, strings, indexes) lives in the build's arena and is
 * freed at once when the view is finished; only the packed bytes handed to
 * the view outlive it. */
#ifndef XDSD_TRANSLATE_TR_H
#define XDSD_TRANSLATE_TR_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pb.h"
#include "xdsd/arena.h"
#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"

/* ---- arena and containers (arena.c) ----------------------------------------------- */

/* The build arena is include/xdsd/arena.h's; these short names are its. */
#define ar_alloc arena_alloc
#define ar_strdup arena_strdup
#define ar_printf arena_printf
#define ar_cat arena_cat
/* v in decimal. */
char *ar_u32(struct arena *a, uint32_t v);
/* A message of descriptor d, initialised to its defaults. */
void *tr_msg(struct arena *a, const ProtobufCMessageDescriptor *d);

/* A growable array of pointers (in the arena). */
struct pvec {
    void **v;
    size_t n, cap;
};
void pvec_push(struct arena *a, struct pvec *p, void *x);
/* The array as protobuf-c wants it: (T **)p->v and p->n. */
#define PV_SET(field, n_field, p) ((n_field) = (p)->n, (field) = (void *)(p)->v)

/* A string-keyed hash map (keys are not copied: they must outlive the map). */
struct smap {
    struct smap_slot *slots;
    size_t cap, n;
};
void *smap_get(const struct smap *m, const char *key);
/* Insert key unless present; returns 1 if inserted, 0 if the key was there. */
int smap_put(struct arena *a, struct smap *m, const char *key, void *val);
/* Room for n keys without growing (for maps whose size is known ahead). */
void smap_reserve(struct arena *a, struct smap *m, size_t n);

/* A map keyed by address (keys must outlive the map). put replaces. */
struct pmap {
    struct pmap_slot *slots;
    size_t cap, n;
};
void *pmap_get(const struct pmap *m, const void *key);
void pmap_put(struct arena *a, struct pmap *m, const void *key, void *val);

/* ---- protobuf helpers (arena.c) --------------------------------------------------- */

/* m packed into an Any with type_url "type.googleapis.com/<full name>". */
Any *pb_any(struct arena *a, const void *msg);
Duration *pb_ms(struct arena *a, int64_t ms);
BoolValue *pb_bool(struct arena *a, int v);
UInt32Value *pb_u32(struct arena *a, uint32_t v);
/* A socket address (or a pipe for "unix://PATH"). */
Address *pb_address(struct arena *a, const char *ip, uint32_t port);
/* ads {} with initial_fetch_timeout 0s and resource_api_version V3. */
ConfigSource *pb_ads(struct arena *a);
DataSource *pb_file(struct arena *a, const char *path);
StringMatcher *pb_exact(struct arena *a, const char *s);
FractionalPercent *pb_fraction(struct arena *a, double percent);
/* metadata.filter_metadata[filter] = {key: value...}; adds to *m (created on
 * first use). is_bool makes value "true"/"false" a JSON bool. */
void pb_meta_str(struct arena *a, Metadata **m, const char *filter, const char *key,
                 const char *value);
void pb_meta_bool(struct arena *a, Metadata **m, const char *filter, const char *key, int value);
/* A Struct {key: value} (an empty one when key is NULL). */
Struct *pb_struct_str(struct arena *a, const char *key, const char *value);
/* Pack a message into malloc'd bytes for the view. */
uint8_t *pb_pack(const void *msg, size_t *len);

/* ---- the build -------------------------------------------------------------------- */

/* One host of a ServiceEntry visible to the proxy: Istio's "service". */
struct tr_svc {
    const struct service_entry *se;
    const char *host;
    /* filled on first use by tr_svc_vs() and tr_svc_key() */
    const struct virtual_service *vs;
    int vs_known;
    uint64_t host_key;
};

/* A reference from one resource to another, for the consistency check. */
struct tr_ref {
    enum xds_type type;
    const char *name;
    const char *from;
};

/* A traffic policy resolved for one cluster (port and subset applied). */
struct tr_policy {
    const struct load_balancer *lb;
    const struct connection_pool *pool;
    const struct outlier_detection *outlier;
    const struct client_tls *tls;
    const struct destination_rule *dr; /* which rule, or NULL */
};

struct tr_build {
    struct arena *a;
    const struct translate_model *m;
    struct translate_options o;
    const struct proxy_identity *id;
    int router, grpc;
    int lazy; /* no indexes: services and rules looked up on demand (patch.c) */
    struct pvec lookups; /* lazy: struct tr_lookup, what was looked up */
    /* gateways matched by the proxy's labels, and its own service */
    const struct gateway **gws;
    size_t n_gws;
    const struct service_entry *own_se;
    const struct se_endpoint *own_ep;
    /* visible services and indexes */
    struct tr_svc *svcs;
    size_t n_svcs;
    struct smap svc_by_host;
    struct smap dr_by_host;
    struct pvec dr_wild;
    struct smap vs_by_host; /* mesh-bound VS per exact host */
    struct pvec vs_wild;    /* mesh-bound VS with a wildcard host */
    struct pvec vs_all;     /* every VS visible to the proxy namespace */
    struct pmap subsets;    /* DestinationRule -> struct smap of its subsets by name */
    struct pmap gw_bound;   /* Gateway -> struct pvec of the VirtualServices bound to it */
    /* clusters of each service: recorded into memo, reused from memo_prev
     * (both may be NULL; memo.c) */
    struct tr_memo *memo;
    const struct tr_memo *memo_prev;
    /* output */
    struct xds_view *view;
    struct smap emitted[XDS_NTYPES];
    int shared[XDS_NTYPES]; /* types taken whole from the previous view */
    struct pmap vh_piece;   /* VirtualHost made from a piece -> the piece */
    struct pmap vh_key;     /* VirtualHost to be remembered -> its key (uint64_t *) */
    struct pmap vh_recipe;  /* VirtualHost -> the struct tr_recipe it was made by */
    struct pvec blocking;   /* recipes that made no virtual host in this route config */
    struct pvec refs;
    const char *from; /* the resource being built, for reference errors */
    char *err;
};

/* build.c */
void tr_emit(struct tr_build *b, enum xds_type t, const char *name, const void *msg);
/* Emit bytes already packed (the view takes them) with their hash. */
void tr_emit_packed(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                    size_t len, uint64_t hash);
/* The same for bytes from xds_bytes_new(), which later views may share. */
void tr_emit_counted(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                     size_t len, uint64_t hash);
/* Emit r, a resource of the previous view, again (shared when counted). */
void tr_emit_again(struct tr_build *b, enum xds_type t, const struct xds_resource *r);
/* translate_build() recording the clusters of each service into memo, and
 * reusing those of prev where the inputs are the same (either may be NULL). */
struct xds_view *tr_build_view(const struct translate_model *m, const struct translate_options *o,
                               const struct proxy_identity *id, const struct tr_memo *prev,
                               struct tr_memo *memo, char **err);

/* The label keys some sourceLabels match or DestinationRule workloadSelector
 * reads (their strings are the model's; free the array), and the class key
 * of a proxy given them: translate_class_key() without a scan per proxy. */
const char **tr_label_keys_used(const struct translate_model *m, size_t *n);
/* A router's own service and endpoint (either may be NULL), once known. */
struct tr_own {
    int known;
    const struct service_entry *se;
    const struct se_endpoint *ep;
};
/* own (may be NULL): a router's own service, used when known, else found
 * and stored there (a scan of every ServiceEntry). */
char *tr_class_key(const struct translate_model *m, const char *const *label_keys,
                   size_t n_label_keys, const struct proxy_identity *id, struct tr_own *own);

/* memo.c */
struct tr_memo;
struct tr_rc_patch;
struct tr_lookup;
struct tr_memo *tr_memo_new(void);
void tr_memo_free(struct tr_memo *m);
/* Done recording: v is the finished view built with m. */
void tr_memo_finish(struct tr_memo *m, const struct xds_view *v);
/* When the previous build's Clusters and Endpoints cannot differ (the same
 * ServiceEntries and DestinationRules), share them into b's view, with the
 * records, and return 1; else 0 (b builds them). */
int tr_memo_share_clusters(struct tr_build *b);
/* When nothing the previous build of the class read has changed (the same
 * ServiceEntries, DestinationRules and Gateways; VirtualServices the same,
 * or changed only in routes that build never read), share its whole view
 * and records into b and return 1; else 0. Call it before anything else. */
int tr_memo_share_view(struct tr_build *b);
/* After the Clusters were built: when only endpoints of ServiceEntries
 * changed and the same Clusters exist, share the previous view's Listeners
 * and Routes with the records made for them, and return 1; else 0. */
int tr_memo_share_routes(struct tr_build *b);
/* The order (positions in the caller's list) the previous build gave the
 * virtual hosts of route configuration name, when their names and domains
 * (layout, a hash) were the same and none was trimmed; NULL otherwise. */
const uint32_t *tr_memo_rc_order(struct tr_build *b, const char *name, uint64_t layout, size_t n);
void tr_memo_rc_record(struct tr_build *b, const char *name, uint64_t layout, size_t n,
                       const uint32_t *order);
/* The same ServiceEntries, DestinationRules and Gateways in a and b. */
int tr_model_same_but_vs(const struct translate_model *a, const struct translate_model *b);
/* The caller compared the model prev was built from with the one m is for
 * (same: tr_model_same_but_vs()): m need not compare them again. */
void tr_memo_hint_same_inputs(struct tr_memo *m, const struct tr_memo *prev,
                              const struct translate_model *compared, int same);
/* The previous build's model when it read the same ServiceEntries,
 * DestinationRules and Gateways (only VirtualServices may differ), else NULL. */
const struct translate_model *tr_memo_prev_model(const struct tr_build *b);
/* What decides where a VirtualService applies (namespace, name, hosts,
 * gateways, exportTo), not what it routes, as a hash. */
uint64_t tr_vs_shape(const struct virtual_service *vs);
/* Did the build recording into m read vs (by content)? */
int tr_memo_read_vs(const struct tr_memo *m, const struct virtual_service *vs);
/* A patch of the previous view starts: its Clusters, Endpoints and Listeners
 * shared, its records inherited (pieces, orders, VirtualServices read). */
void tr_memo_patch_begin(struct tr_build *b);
/* m keeps p (takes the caller's reference); the record of name, or NULL. */
void tr_memo_add_rc(struct tr_memo *m, struct tr_rc_patch *p);
struct tr_rc_patch *tr_memo_rc_patch(const struct tr_memo *m, const char *name);
size_t tr_memo_n_rcs(const struct tr_memo *m);
struct tr_rc_patch *tr_memo_rc_at(const struct tr_memo *m, size_t i);
/* What patches of the class looked up (tr_lazy_known), kept for the next;
 * share_view and patches inherit them. */
void tr_memo_add_lookup(struct tr_memo *m, const struct tr_lookup *l);
const struct tr_lookup *tr_memo_lookups(const struct tr_memo *m, size_t *n);
/* The view built with m (finished), or NULL. */
const struct xds_view *tr_memo_view(const struct tr_memo *m);
/* The build reads vs's routes: a change to them changes its view. */
void tr_memo_used_vs(struct tr_memo *m, const struct virtual_service *vs);
/* Recording the resources of one service, between begin and end. */
void tr_memo_begin(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr);
void tr_memo_end(struct tr_build *b);
void tr_memo_emitted(struct tr_build *b, enum xds_type t);
void tr_memo_referred(struct tr_build *b, enum xds_type t, const char *name, const char *from);
/* Emit what memo_prev recorded for svc when its inputs are the same, and
 * record it again. Returns 1 when it did, 0 when svc must be built. */
int tr_memo_replay(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr);
/* The packed virtual hosts m remembers (pieces.c). */
struct tr_pieces *tr_memo_pieces(const struct tr_memo *m);
/* How many services a build recording into m reused. */
size_t tr_memo_reused(const struct tr_memo *m);
void tr_ref(struct tr_build *b, enum xds_type t, const char *name, const char *from);
int tr_cluster_exists(const struct tr_build *b, const char *name);
int tr_check(struct tr_build *b);

/* pieces.c: packed virtual hosts reused across builds of a class */
struct tr_piece;
struct tr_pieces;
struct tr_pieces *tr_pieces_new(void);
/* dst also holds every piece of src. */
void tr_pieces_inherit(struct tr_pieces *dst, const struct tr_pieces *src);
void tr_pieces_free(struct tr_pieces *p);
/* Keys: a hash of everything a virtual host is made from, chained. */
uint64_t tr_key_str(uint64_t h, const char *s);
uint64_t tr_key_u64(uint64_t h, uint64_t v);
/* The previous build's piece for key, kept for the next build too; NULL
 * when there is none or when pieces cannot be trusted (ServiceEntries or
 * DestinationRules changed since). */
const struct tr_piece *tr_piece_reuse(struct tr_build *b, uint64_t key);
/* Does the piece say that its inputs make no virtual host? */
int tr_piece_empty(const struct tr_piece *pc);
/* Remember v packed as bytes under key (v NULL: no virtual host). */
void tr_piece_record(struct tr_build *b, uint64_t key, const VirtualHost *v, const uint8_t *bytes,
                     size_t len);
const uint8_t *tr_piece_bytes(const struct tr_piece *pc, size_t *len);
/* tr_vhost_layout() of the piece's VirtualHost, kept with it. */
uint64_t tr_piece_layout(const struct tr_piece *pc);
/* A VirtualHost standing for a piece in tr_route_config(): its name and
 * domains (which the route configuration may still trim) over the bytes. */
VirtualHost *tr_vhost_from_piece(struct tr_build *b, const struct tr_piece *pc);
/* Have tr_route_config() remember v under key once packed. */
void tr_vhost_keyed(struct tr_build *b, VirtualHost *v, uint64_t key);
/* Pieces that stand for every resource a step emitted: mark the view before
 * the step, record after it; tr_piece_emit() emits them again. */
struct tr_piece_mark {
    size_t n[XDS_NTYPES]; /* resources of each type in the view */
    size_t n_rcs;         /* route configuration records in the memo */
};
void tr_piece_mark(const struct tr_build *b, struct tr_piece_mark *mark);
void tr_piece_record_emitted(struct tr_build *b, uint64_t key, const struct tr_piece_mark *mark);
void tr_piece_emit(struct tr_build *b, const struct tr_piece *pc);

/* patch.c: what each virtual host of a route configuration was made from,
 * by position in the model, so that an edit of VirtualServices that leaves
 * everything else as it was rebuilds only the virtual hosts that read them
 * and splices them into the previous bytes. */
enum tr_recipe_kind { TR_VH_SERVICE, TR_VH_VS_HOST, TR_VH_GATEWAY, TR_VH_GRPC };
struct tr_recipe {
    enum tr_recipe_kind kind;
    uint32_t port;       /* TR_VH_SERVICE, TR_VH_VS_HOST */
    int redirect;        /* TR_VH_GATEWAY */
    const char *host;    /* the service's or VirtualService's host; a gateway's domain */
    const char *name;    /* TR_VH_GATEWAY: the virtual host's name */
    size_t se;           /* TR_VH_SERVICE, TR_VH_GRPC: index of its ServiceEntry */
    size_t n_vs;         /* the VirtualServices read, by index ... */
    size_t *vs;
    size_t *gw, *server; /* ... and for TR_VH_GATEWAY the Gateway and server of each */
};
/* A recipe reading n_vs VirtualServices (the caller fills them in). */
struct tr_recipe *tr_recipe_new(struct tr_build *b, enum tr_recipe_kind kind, uint32_t port,
                                const char *host, size_t n_vs);
/* r made v (NULL: no virtual host, which no patch can undo); returns v. */
VirtualHost *tr_recipe_made(struct tr_build *b, const struct tr_recipe *r, VirtualHost *v);
/* Remember how route configuration name was assembled: its kept virtual
 * hosts in order and where each one's field starts in the packed bytes
 * (off[n] is where the fields after them start). */
void tr_patch_record_rc(struct tr_build *b, const char *name, VirtualHost *const *kept, size_t n,
                        const size_t *off, const uint64_t *vh_hash, int trimmed);
/* When only what VirtualServices route changed since the previous build of
 * the class (memo.c decides), rebuild the virtual hosts that read them into
 * the previous route configurations and share the rest. Returns 1 when the
 * view is complete, 0 when the class must be built (b is as it was). */
int tr_patch_view(struct tr_build *b);
struct tr_rc_patch;
void tr_rc_patch_unref(struct tr_rc_patch *p);
void tr_rc_patch_ref(struct tr_rc_patch *p);
const char *tr_rc_patch_name(const struct tr_rc_patch *p);
/* sidecar.c, gateway.c: one virtual host, as the builds make it. */
VirtualHost *tr_sidecar_service_vhost(struct tr_build *b, const struct tr_svc *svc, uint32_t port);
VirtualHost *tr_sidecar_vs_vhost(struct tr_build *b, const struct virtual_service *vs,
                                 const char *host, uint32_t port);
VirtualHost *tr_gateway_vhost_again(struct tr_build *b, const struct tr_recipe *r);
/* grpc.c: the one virtual host of a proxyless client's route configuration
 * for svc's port. */
VirtualHost *tr_grpc_vhost(struct tr_build *b, const struct tr_svc *svc, uint32_t port);
/* route_config.c: v packed (*owned: the caller frees), remembered as a piece
 * when the build asked for it. */
const uint8_t *tr_vhost_packed(struct tr_build *b, VirtualHost *v, size_t *len, uint8_t **owned);
/* model.c */
void tr_prepare(struct tr_build *b);
/* Only what a router's class key needs: matched Gateways, own service. */
void tr_prepare_router(struct tr_build *b);
/* The Gateways whose selector the proxy's labels match (b->gws). */
void tr_match_gateways(struct tr_build *b);
int tr_host_match(const char *pattern, const char *host);
const char *tr_expand_host(struct arena *a, const char *host, const char *ns);
int tr_exported(const char **export_to, size_t n, const char *res_ns, const char *proxy_ns);
int tr_labels_subset(const struct config_labels *sel, const struct proxy_identity *id);
int tr_labels_match(const struct config_labels *sel, const struct config_labels *labels);
const struct destination_rule *tr_find_dr(const struct tr_build *b, const char *host);
const struct subset *tr_find_subset(struct tr_build *b, const struct destination_rule *dr,
                                    const char *name);
void tr_policy_for(const struct destination_rule *dr, const struct subset *ss, uint32_t port,
                   struct tr_policy *out);
const struct tr_svc *tr_find_svc(const struct tr_build *b, const char *host);
/* What a lazy build found for a host: its service (is_dr 0) or rule, by
 * position in the model, SIZE_MAX for none. Builds of a class over the same
 * ServiceEntries and DestinationRules find the same. */
struct tr_lookup {
    const char *host;
    int is_dr;
    size_t index;
};
/* Tell a lazy build what an earlier one found. */
void tr_lazy_known(struct tr_build *b, const struct tr_lookup *l);
const struct istio_port *tr_se_port(const struct service_entry *se, uint32_t number);
char *tr_cluster_name(struct arena *a, uint32_t port, const char *subset, const char *host);
/* Does a VS gateway reference (as written in VS namespace ns) name gateway
 * gw_ns/gw_name, or "mesh" when gw_name is NULL? */
int tr_gateway_ref_matches(const char *ref, const char *vs_ns, const char *gw_ns,
                           const char *gw_name);
int tr_vs_bound(const struct virtual_service *vs, const char *gw_ns, const char *gw_name);
const struct virtual_service *tr_mesh_vs_for(const struct tr_build *b, const char *host);
/* tr_mesh_vs_for(svc->host), looked up once per build. */
const struct virtual_service *tr_svc_vs(const struct tr_build *b, const struct tr_svc *svc);
/* A piece key of kind for svc on port: host, port, its ServiceEntry and
 * VirtualService (tr_svc_vs) by content. */
uint64_t tr_svc_key(const struct tr_build *b, const struct tr_svc *svc, const char *kind,
                    uint32_t port);
int tr_is_http(enum istio_protocol p);
int tr_is_h2(enum istio_protocol p);
int tr_is_cidr(const char *addr);

/* clusters.c, tls.c */
void tr_clusters(struct tr_build *b);
TransportSocket *tr_upstream_tls(struct tr_build *b, const struct client_tls *tls,
                                 const struct tr_svc *svc, uint32_t port, const char *subset,
                                 int h2, int proxyless);
TransportSocket *tr_downstream_tls(struct tr_build *b, const struct server_tls *tls, int tcp);

/* filters.c. `from` names the resource being built, for the consistency check. */
/* The file access log to /dev/stdout in Istio's text format. */
AccessLog *tr_access_log(struct tr_build *b);
/* The HTTP connection manager reading RDS rds. kind: 0 sidecar outbound,
 * 1 gateway (remote address, XFCC), 2 proxyless gRPC (fault + router only). */
NetFilter *tr_hcm(struct tr_build *b, const char *rds, const char *stat_prefix, int kind,
                  const char *from);
/* tcp_proxy to the destinations of route (n entries); vs names weighted stats. */
NetFilter *tr_tcp_proxy(struct tr_build *b, const struct route_destination *route, size_t n,
                        const struct virtual_service *vs, uint32_t listen_port, const char *from);
/* The HCM message alone, for proxyless gRPC API listeners. */
Any *tr_hcm_any(struct tr_build *b, const char *rds, const char *from);
/* tcp_proxy to one cluster, stat_prefix the cluster name (Istio's). */
NetFilter *tr_tcp_proxy_to(struct tr_build *b, const char *cluster, const char *from);
/* tls_inspector (tls) or http_inspector. */
ListenerFilter *tr_listener_filter(struct tr_build *b, int tls);
FilterChainMatch *tr_sni_match(struct tr_build *b, const char *const *names, size_t n);

/* A listener being assembled: filter chains keyed by their match, so that a
 * second chain with the same match is dropped (Istio keeps the first). */
struct tr_listener {
    const char *name;
    const char *bind;
    uint32_t port;
    int http;
    int sni; /* some chain needs the tls_inspector */
    struct pvec chains;
    struct smap keys;
    FilterChain *match_all;
};
struct tr_listener *tr_get_listener(struct tr_build *b, struct smap *ls, struct pvec *order,
                                    const char *bind, uint32_t port);
void tr_add_chain(struct tr_build *b, struct tr_listener *l, FilterChain *c);
FilterChain *tr_chain(struct tr_build *b, const char *name, FilterChainMatch *m, NetFilter *f);
int tr_l4_match_applies(const struct tr_build *b, const struct virtual_service *vs,
                        const struct l4_match *m, uint32_t port, const char *gw_ns,
                        const char *gw_name);

/* routes.c */
/* Routes of vs's http rules for listener port and gateway (NULL: mesh),
 * appended to out. Returns 1 if a catch-all ended the list. */
int tr_vs_routes(struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                 const char *gw_ns, const char *gw_name, struct pvec *out);
Route *tr_default_route(struct tr_build *b, const char *cluster, const char *host, uint32_t port);
/* Cluster of a destination: explicit port, else the service's only port, else
 * listen_port. */
char *tr_dest_cluster(struct tr_build *b, const struct destination *d, const char *ns,
                      uint32_t listen_port);
/* The same, or BlackHoleCluster when no such cluster exists (unknown host or
 * subset): traffic fails as Envoy fails it for a missing cluster, but the view
 * stays consistent. */
const char *tr_dest_existing(struct tr_build *b, const struct destination *d, const char *ns,
                             uint32_t listen_port);

/* route_config.c */
/* Emit RouteConfiguration name with vhosts (sorted by name, domains made unique). */
void tr_route_config(struct tr_build *b, const char *name, struct pvec *vhosts, int ignore_port);
VirtualHost *tr_vhost(struct tr_build *b, const char *name, struct pvec *domains,
                      struct pvec *routes);
/* Write a RouteConfiguration's virtual_hosts field (tag, length, bytes: at
 * most 11 + len) at p; returns its length. */
size_t tr_put_vhost_field(uint8_t *p, const uint8_t *bytes, size_t len);
/* A route configuration's hash (its version): of the bytes before and after
 * its virtual hosts (off as tr_patch_record_rc() has it) and of each virtual
 * host's hash, so that a patch rehashes only what it rebuilt. */
uint64_t tr_rc_hash(const uint8_t *bytes, size_t len, const size_t *off, const uint64_t *vh_hash,
                    size_t n);
/* A hash of what the domain dedup and the order read of v: name, domains. */
uint64_t tr_vhost_layout(const VirtualHost *v);

/* sidecar.c, gateway.c, grpc.c */
void tr_sidecar(struct tr_build *b);
void tr_gateway(struct tr_build *b);
void tr_grpc(struct tr_build *b);

#endif
