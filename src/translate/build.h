/* build.h - the build context and the builders of src/translate/.
 *
 * One build translates the model for one proxy class: model.c answers
 * questions about the Istio model (what the proxy sees, which rule applies),
 * clusters.c, sidecar.c, gateway.c and grpc.c turn it into Envoy resources
 * with filters.c, routes.c, route_config.c and tls.c, and emit.c collects
 * them into the view and checks that every reference resolves. Everything
 * a build makes lives in its arena and is freed when the view is finished;
 * only the packed bytes handed to the view outlive it.
 *
 * What is reused across builds (reuse/) is not here: a build reaches it
 * only through the ops of seam.h. */
#ifndef XDSD_TRANSLATE_BUILD_H
#define XDSD_TRANSLATE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "pb.h"
#include "xdsd/host.h"
#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"

/* One host of a ServiceEntry visible to the proxy: Istio's "service". */
struct tr_svc {
    const struct service_entry *se;
    const char *host;
    /* filled on first use by tr_svc_vs() */
    const struct virtual_service *vs;
    int vs_known;
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

/* What the configuration asks that translation cannot give, about one
 * resource: a warning of the configuration, collected once per generation
 * (translate_findings()), never logged from inside a build. */
struct tr_finding {
    const struct istio_meta *meta; /* the resource that asks it */
    const char *message;
};

struct tr_reuse_ops;
struct tr_reuse;
/* What a virtual host is made from (seam.h), by the kind of virtual host:
 * a sidecar's for a service or a VirtualService host, a gateway's, a
 * proxyless client's. */
enum tr_recipe_kind { TR_VH_SERVICE, TR_VH_VS_HOST, TR_VH_GATEWAY, TR_VH_GRPC, TR_VH_KINDS };
struct tr_recipe;

struct tr_build {
    struct arena *a;
    const struct translate_model *m;
    struct translate_options o;
    const struct proxy_identity *id;
    int router, grpc;
    int lazy;            /* no indexes: services and rules looked up on demand (above 1:
                          * indexed after that many lookups) */
    struct pvec lookups; /* lazy: struct tr_lookup, what was looked up */
    /* gateways matched by the proxy's labels, and its own service */
    const struct gateway **gws;
    size_t n_gws;
    const struct service_entry *own_se;
    const struct se_endpoint *own_ep;
    /* visible services and indexes */
    struct tr_svc *svcs;
    size_t n_svcs;
    struct map svc_by_host;
    struct map dr_by_host;
    struct pvec dr_wild;
    struct map vs_by_host; /* mesh-bound VS per exact host */
    struct pvec vs_wild;   /* mesh-bound VS with a wildcard host */
    struct pvec vs_all;    /* every VS visible to the proxy namespace */
    struct map subsets;    /* DestinationRule -> struct map of its subsets by name */
    struct map gw_bound;   /* Gateway -> struct pvec of the VirtualServices bound to it */
    /* output */
    struct xds_view *view;
    struct map emitted[XDS_NTYPES]; /* names emitted, by type */
    int shared[XDS_NTYPES];         /* types taken whole from an earlier view */
    struct pvec refs;
    struct pvec findings; /* struct tr_finding, in the arena */
    const char *from;     /* the resource being built, for reference errors */
    char *err;
    /* the Sidecar resource scoping a sidecar proxy (tr_scope()), found on
     * first use */
    const struct sidecar *scope;
    int scope_known;
    /* reuse across builds (seam.h): NULL in a plain build */
    const struct tr_reuse_ops *ops;
    struct tr_reuse *reuse;
};

/* ---- a build and its output (emit.c) ------------------------------------------------ */

/* b set up to translate m for id with options o (NULL: defaults), with an
 * empty view and a new arena. */
void tr_build_start(struct tr_build *b, const struct translate_model *m,
                    const struct translate_options *o, const struct proxy_identity *id);
/* The maps of a build set up over its arena (tr_build_start() does it). */
void tr_build_init_maps(struct tr_build *b);
/* Check and finish b's view and free the arena: the view, or NULL with the
 * reason logged and in *err (caller frees; err may be NULL). */
struct xds_view *tr_build_finish(struct tr_build *b, char **err);
/* Emit msg packed as resource name of type t; a duplicate name is the
 * build's error. */
void tr_emit(struct tr_build *b, enum xds_type t, const char *name, const void *msg);
/* Emit bytes already packed (the view takes them) with their hash. */
void tr_emit_packed(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                    size_t len, uint64_t hash);
/* The same for bytes from xds_bytes_new(), which later views may share. */
void tr_emit_counted(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                     size_t len, uint64_t hash);
/* Emit r, a resource of an earlier view, again (shared when counted). */
void tr_emit_again(struct tr_build *b, enum xds_type t, const struct xds_resource *r);
/* Resource `from` refers to name of type t: tr_check() makes sure it exists. */
void tr_ref(struct tr_build *b, enum xds_type t, const char *name, const char *from);
int tr_cluster_exists(const struct tr_build *b, const char *name);
/* Every reference resolves in the view (0), else -1 with b->err set. */
int tr_check(struct tr_build *b);

/* ---- findings (findings.c) ----------------------------------------------------------- */

/* meta's resource asks what the view cannot carry: a finding of the build. */
void tr_finding(struct tr_build *b, const struct istio_meta *meta, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Findings kept beyond one build, each (resource, message) once. */
struct tr_found {
    const struct istio_meta *meta; /* the model's: borrowed */
    char *message;
    char *key; /* resource and message, for the map */
};
struct tr_findings {
    struct tr_found *v;
    size_t n, cap;
    struct map seen; /* key -> 1 */
};
void tr_findings_init(struct tr_findings *f);
void tr_findings_release(struct tr_findings *f);
/* Add one unless an equal one is there: 1 when added. */
int tr_findings_add(struct tr_findings *f, const struct istio_meta *meta, const char *message);
/* Add b's findings to f; returns how many were new. */
size_t tr_build_findings(const struct tr_build *b, struct tr_findings *f);
/* f as configuration warnings, appended to d in file order. */
void tr_findings_diags(const struct tr_findings *f, struct config_diags *d);

/* ---- class keys (class.c) ------------------------------------------------------------ */

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

/* ---- the model (model.c): indexes, visibility, lookups, policies ----------------- */

/* ---- Sidecar scopes and WorkloadEntries (scope.c) ----------------------------------- */

/* The Sidecar resource that applies to id in m, or NULL: the first of its
 * namespace whose workloadSelector its labels match, else its namespace's
 * one without a selector, else the root namespace's (istio-system) one
 * without a selector. Only sidecar proxies (not routers, not proxyless
 * clients) have one. */
const struct sidecar *tr_find_sidecar(const struct translate_model *m,
                                      const struct proxy_identity *id);
/* tr_find_sidecar() for b's proxy, found once per build. */
const struct sidecar *tr_scope(const struct tr_build *b);
/* Whether the proxy's scope lets it see host, declared in namespace ns:
 * some egress host "NS/NAME" of its Sidecar takes both (or the host is the
 * scope's egressProxy). Without a Sidecar, or with one without egress
 * listeners, everything is visible. */
int tr_scope_sees(const struct tr_build *b, const char *ns, const char *host);
/* Whether b's listener on port carries host (of namespace ns): the hosts
 * of the scope's egress listener for that port, else of its egress listener
 * without a port, take it (none: the port has no listener for it). Without
 * a Sidecar, or one without egress listeners, every visible service. */
int tr_scope_port_sees(const struct tr_build *b, uint32_t port, const char *ns, const char *host);
/* The outbound traffic policy of b's proxy: its Sidecar's, else the mesh's. */
enum outbound_policy tr_outbound_policy(const struct tr_build *b);
/* The cluster unknown destinations go to: the scope's egressProxy
 * (outbound|PORT|SUBSET|HOST), PassthroughCluster, or BlackHoleCluster
 * under REGISTRY_ONLY. */
const char *tr_catch_all_cluster(const struct tr_build *b);
/* The bind address an egress listener of the scope gives port, or NULL. */
const char *tr_scope_bind(const struct tr_build *b, uint32_t port);
/* A gateway whose own service some Sidecar's egressProxy names: the
 * dynamic forward proxy cluster (clusters step), and a listener per named
 * port on its target port (listener names in taken are Gateway servers'),
 * which forwards TLS by SNI and HTTP by Host (egress_proxy.c). */
void tr_egress_proxy_cluster(struct tr_build *b);
void tr_egress_proxy_listeners(struct tr_build *b, const struct map *taken);
/* The endpoints of se (*n of them): its own, then, with a workloadSelector,
 * the WorkloadEntries of its namespace whose labels it selects, in the
 * model's order. In b's arena. */
const struct se_endpoint **tr_se_endpoints(struct tr_build *b, const struct service_entry *se,
                                           size_t *n);

/* Index what the proxy sees: its services, rules and VirtualServices. */
void tr_prepare(struct tr_build *b);
/* Only what a router's class key needs: matched Gateways, own service. */
void tr_prepare_router(struct tr_build *b);
/* A router's build prepared without indexes (lazy, indexed after a few
 * lookups): for one that takes nearly all it emits from an earlier build. */
void tr_prepare_router_lazy(struct tr_build *b);
/* The Gateways whose selector the proxy's labels match (b->gws). */
void tr_match_gateways(struct tr_build *b);
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
int tr_vs_bound(const struct virtual_service *vs, const char *gw_ns, const char *gw_name);
const struct virtual_service *tr_mesh_vs_for(const struct tr_build *b, const char *host);
/* tr_mesh_vs_for(svc->host), looked up once per build. */
const struct virtual_service *tr_svc_vs(const struct tr_build *b, const struct tr_svc *svc);
/* The resource of kind named ns/name in m, or NULL. */
const struct istio_meta *tr_model_meta(const struct translate_model *m, enum istio_kind kind,
                                       const char *ns, const char *name);
/* The recipe of svc's virtual host on port (TR_VH_SERVICE or TR_VH_GRPC):
 * its ServiceEntry and VirtualService (tr_svc_vs), by position. */
struct tr_recipe *tr_recipe_of_svc(struct tr_build *b, enum tr_recipe_kind kind,
                                   const struct tr_svc *svc, uint32_t port);
/* The service a recipe of a service's virtual host names (its ServiceEntry,
 * host and VirtualService, by position in the model). */
const struct tr_svc *tr_recipe_svc(struct tr_build *b, const struct tr_recipe *r);
int tr_is_http(enum istio_protocol p);
int tr_is_h2(enum istio_protocol p);
int tr_is_cidr(const char *addr);

/* ---- clusters.c, tls.c ------------------------------------------------------------ */

/* Every service's clusters and load assignments, and the special clusters. */
void tr_clusters(struct tr_build *b);
/* The clusters of svc, whose rule is dr (may be NULL): one per port and one
 * per port and subset of dr, each with its load assignment. */
void tr_service_clusters(struct tr_build *b, const struct tr_svc *svc,
                         const struct destination_rule *dr);
/* owner: the resource the TLS settings come from (NULL: none), for findings. */
TransportSocket *tr_upstream_tls(struct tr_build *b, const struct client_tls *tls,
                                 const struct istio_meta *owner, const struct tr_svc *svc,
                                 uint32_t port, const char *subset, int h2, int proxyless);
TransportSocket *tr_downstream_tls(struct tr_build *b, const struct server_tls *tls,
                                   const struct istio_meta *owner, int tcp);

/* ---- sds.c ----------------------------------------------------------------------- */

/* A reference to SDS secret name, fetched on the ADS stream. */
SdsSecretConfig *tr_sds_ref(struct arena *a, const char *name);
/* Emit the Secrets the proxy may receive and its resources may name:
 * its gateways' and DestinationRules' credentialNames in its namespace,
 * "ROOTCA" and its own "default" with --mesh-certs-mode sds. */
void tr_sds_emit(struct tr_build *b);

/* ---- filters.c ------------------------------------------------------------------- */

/* `from` names the resource being built, for the consistency check. */
/* The file access log to /dev/stdout in Istio's text format. */
AccessLog *tr_access_log(struct tr_build *b);
/* A listener filter / an HTTP filter named name, its config cfg packed in an Any. */
NetFilter *tr_net_filter(struct arena *a, const char *name, const void *cfg);
HttpFilter *tr_http_filter(struct arena *a, const char *name, const void *cfg);
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
    struct map keys;
    FilterChain *match_all;
};
struct tr_listener *tr_get_listener(struct tr_build *b, struct map *ls, struct pvec *order,
                                    const char *bind, uint32_t port);
void tr_add_chain(struct tr_build *b, struct tr_listener *l, FilterChain *c);
FilterChain *tr_chain(struct tr_build *b, const char *name, FilterChainMatch *m, NetFilter *f);
int tr_l4_match_applies(const struct tr_build *b, const struct virtual_service *vs,
                        const struct l4_match *m, uint32_t port, const char *gw_ns,
                        const char *gw_name);

/* ---- routes.c -------------------------------------------------------------------- */

/* Routes of vs's http rules for listener port and gateway (NULL: mesh),
 * appended to out. Returns 1 if a catch-all ended the list. */
int tr_vs_routes(struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                 const char *gw_ns, const char *gw_name, struct pvec *out);
/* No http rule of vs applies at port of that gateway: tr_vs_routes() would
 * add nothing (decided without making a route). */
int tr_vs_routes_none(const struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                      const char *gw_ns, const char *gw_name);
Route *tr_default_route(struct tr_build *b, const char *cluster, const char *host, uint32_t port);
/* Cluster of a destination: explicit port, else the service's only port, else
 * listen_port. */
char *tr_dest_cluster(struct tr_build *b, const struct destination *d, const char *ns,
                      uint32_t listen_port);
/* The same, or BlackHoleCluster when no such cluster exists (unknown host or
 * subset): traffic fails as Envoy fails it for a missing cluster, but the view
 * stays consistent. */
const char *tr_dest_existing(struct tr_build *b, const struct destination *d,
                             const struct virtual_service *vs, uint32_t listen_port);

/* ---- route_config.c -------------------------------------------------------------- */

/* Emit RouteConfiguration name with vhosts (sorted by name, domains made unique). */
void tr_route_config(struct tr_build *b, const char *name, struct pvec *vhosts, int ignore_port);
VirtualHost *tr_vhost(struct tr_build *b, const char *name, struct pvec *domains,
                      struct pvec *routes);
/* Write a RouteConfiguration's virtual_hosts field (tag, length, bytes: at
 * most 11 + len) at p; returns its length. */
size_t tr_put_vhost_field(uint8_t *p, const uint8_t *bytes, size_t len);
/* The port sidecars capture outbound traffic on (virtualOutbound): a
 * service port equal to it gets no listener. */
#define TR_CAPTURE_PORT 15001
/* A route configuration's hash (its version): of the bytes before and after
 * its virtual hosts (off[i]: where virtual host i's field starts, off[n]
 * where the fields after them do) and of each virtual host's hash, so that
 * a patch rehashes only what it rebuilt. */
uint64_t tr_rc_hash(const uint8_t *bytes, size_t len, const size_t *off, const uint64_t *vh_hash,
                    size_t n);

/* ---- sidecar.c, gateway.c, grpc.c: the listeners and routes of each kind of proxy -- */

void tr_sidecar(struct tr_build *b);
void tr_gateway(struct tr_build *b);
void tr_grpc(struct tr_build *b);
/* One virtual host from its recipe (seam.h): a service's or a VirtualService
 * host's on a sidecar, a gateway's, a proxyless client's; NULL when its
 * inputs make none. */
VirtualHost *tr_sidecar_service_vhost(struct tr_build *b, const struct tr_recipe *r);
VirtualHost *tr_sidecar_vs_vhost(struct tr_build *b, const struct tr_recipe *r);
VirtualHost *tr_gateway_vhost(struct tr_build *b, const struct tr_recipe *r);
VirtualHost *tr_grpc_vhost(struct tr_build *b, const struct tr_recipe *r);

#endif
