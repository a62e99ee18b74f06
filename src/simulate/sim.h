/* sim.h - the stages of the walk (src/simulate/), shared between its files.
 *
 * listener.c picks the listener and filter chain, route.c the virtual host
 * and route, cluster.c the cluster, its endpoints and its upstream TLS, and
 * walk.c strings them into hops. Decoded messages live until the walk ends
 * (struct sim_msgs), so a stage may hand out pointers into them. */
#ifndef XDSD_SIMULATE_SIM_H
#define XDSD_SIMULATE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "../translate/pb.h"
#include "xdsd/map.h"
#include "xdsd/simulate.h"

#define RouteConfig RouteConfiguration
#define RouteConfig_desc RouteConfiguration_desc

/* Every message decoded during one walk (or the walks of one egress map),
 * freed together; the same bytes are decoded once (by their address: the
 * views outlive the walks). */
struct sim_msgs {
    ProtobufCMessage **v;
    size_t n, cap;
    struct map by_bytes; /* bytes -> decoded message */
};
/* Decode len bytes as a message of desc, kept in m; NULL when they do not decode. */
void *sim_unpack(struct sim_msgs *m, const ProtobufCMessageDescriptor *desc, const uint8_t *bytes,
                 size_t len);
/* Decode the Any's value when it holds a message of desc, else NULL. */
void *sim_unpack_any(struct sim_msgs *m, const ProtobufCMessageDescriptor *desc, const Any *any);
void sim_msgs_init(struct sim_msgs *m);
void sim_msgs_release(struct sim_msgs *m);

/* sim_walk() with the decoded messages kept in m, for many walks over the
 * same views. */
int sim_walk_in(struct sim_msgs *m, sim_view_fn view, void *ctx, const struct config_set *cfg,
                const struct proxy_identity *id, const struct sim_request *r,
                struct sim_result *out, char **err);

/* A connection as it reaches a proxy. */
struct sim_conn {
    const char *dst_ip; /* NULL: a name only (matches wildcard addresses) */
    uint32_t dst_port;
    int tls;                 /* the bytes start with a TLS ClientHello */
    const char *sni;         /* NULL: none */
    const char *const *alpn; /* the client's ALPN (TLS) */
    size_t n_alpn;
    int http; /* plaintext HTTP/1.1 (what http_inspector detects) */
};

/* Listener and filter chain (listener.c). */
/* The listener a connection to c reaches: with captured set, the one
 * virtualOutbound hands it to (address and port of the original
 * destination, then 0.0.0.0 and the port), else virtualOutbound itself; without,
 * the listener bound to the port. NULL: none. */
Listener *sim_listener(struct sim_msgs *m, const struct xds_view *v, const struct sim_conn *c,
                       int captured);
/* The filter chain Envoy picks for c on l (its index in *idx, -1 for the
 * default chain), with c's SNI and ALPN only when l has the inspector that
 * reads them. NULL: none matches and there is no default. */
FilterChain *sim_filter_chain(const Listener *l, const struct sim_conn *c, int *idx);

/* Whether l has the listener filter named name (an inspector). */
int sim_has_filter(const Listener *l, const char *name);

/* Virtual host and route (route.c). */
/* The virtual host of rc for authority (Envoy's order: exact, suffix
 * wildcard, prefix wildcard, "*"; longest first). NULL: none. */
VirtualHost *sim_virtual_host(const RouteConfig *rc, const char *authority);
/* The first route of vh that matches the request. NULL: none. */
Route *sim_route(const VirtualHost *vh, const struct sim_request *r);

/* Cluster (cluster.c). */
/* One endpoint of a cluster. */
struct sim_endpoint {
    const char *address; /* IP or DNS name, in a decoded message */
    uint32_t port;
    int istio_tls; /* labelled for auto mTLS (tlsMode: istio) */
};
/* The endpoints of cluster cl in view v (heap array, *n): EDS from the
 * view's ClusterLoadAssignment, STATIC and DNS from the cluster's own
 * load_assignment. NULL with *n 0 when it has none. */
struct sim_endpoint *sim_endpoints(struct sim_msgs *m, const struct xds_view *v, const Cluster *cl,
                                   size_t *n);
/* The upstream TLS context of cl towards endpoint ep (its transport
 * socket, or the auto mTLS match for ep), or NULL for plaintext. */
UpstreamTlsContext *sim_upstream_tls(struct sim_msgs *m, const Cluster *cl,
                                     const struct sim_endpoint *ep);
/* The cluster named name in v, decoded, or NULL. */
Cluster *sim_cluster(struct sim_msgs *m, const struct xds_view *v, const char *name);

/* A heap "s" for s possibly NULL ("" then). */
char *sim_str(const char *s);

#endif
