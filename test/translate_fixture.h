/* translate_fixture.h - build Istio model structs in C for translation tests,
 * and read back what translation packed.
 *
 * Every allocation lives in the fixture's arena; decoded messages are kept and
 * freed with the fixture. Capacities are fixed (pointers into the arrays stay
 * valid while a test adds to them). */
#ifndef XDSD_TEST_TRANSLATE_FIXTURE_H
#define XDSD_TEST_TRANSLATE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/translate/build.h"
#include "xdsd/util.h"

#define FX_CAP 16

struct fx {
    struct arena *a;
    struct service_entry se[FX_CAP];
    struct gateway gw[FX_CAP];
    struct virtual_service vs[FX_CAP];
    struct destination_rule dr[FX_CAP];
    struct translate_model m;
    struct translate_options o;
    struct pvec decoded;
    struct xds_view *views[FX_CAP];
    int n_views;
};

static inline struct fx *fx_new(void)
{
    struct fx *f = xcalloc(1, sizeof(*f));
    f->a = arena_new();
    f->m.service_entries = f->se;
    f->m.gateways = f->gw;
    f->m.virtual_services = f->vs;
    f->m.destination_rules = f->dr;
    f->o.outbound_policy = OUTBOUND_ALLOW_ANY;
    f->o.mesh_certs = "/etc/certs";
    f->o.trust_domain = "cluster.local";
    return f;
}

static inline void fx_free(struct fx *f)
{
    for (size_t i = 0; i < f->decoded.n; i++)
        protobuf_c_message_free_unpacked(f->decoded.v[i], NULL);
    for (int i = 0; i < f->n_views; i++)
        xds_view_free(f->views[i]);
    arena_free(f->a);
    free(f);
}

static inline void *fx_cap(struct fx *f, size_t size)
{
    return arena_alloc(f->a, FX_CAP * size);
}

static inline struct config_labels fx_labels(struct fx *f, const char *text)
{
    struct config_labels l = {0};
    if (text == NULL || text[0] == '\0')
        return l;
    l.items = fx_cap(f, sizeof(*l.items));
    char *s = arena_strdup(f->a, text), *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        *eq = '\0';
        l.items[l.n].key = t;
        l.items[l.n++].value = eq + 1;
    }
    return l;
}

static inline const char **fx_strs(struct fx *f, const char *text, size_t *n)
{
    const char **v = fx_cap(f, sizeof(*v));
    *n = 0;
    if (text == NULL || text[0] == '\0')
        return v;
    char *s = arena_strdup(f->a, text), *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
        v[(*n)++] = t;
    return v;
}

static inline void fx_meta(struct istio_meta *m, enum istio_kind kind, const char *name,
                           const char *ns)
{
    m->kind = kind;
    m->name = name;
    m->namespace = ns;
}

/* ---- ServiceEntry ---- */

static inline struct service_entry *fx_se(struct fx *f, const char *name, const char *ns,
                                          const char *hosts, enum se_resolution res,
                                          enum se_location loc)
{
    struct service_entry *se = &f->se[f->m.n_service_entries++];
    fx_meta(&se->meta, KIND_SERVICE_ENTRY, name, ns);
    se->hosts = fx_strs(f, hosts, &se->n_hosts);
    se->resolution = res;
    se->location = loc;
    se->ports = fx_cap(f, sizeof(*se->ports));
    se->endpoints = fx_cap(f, sizeof(*se->endpoints));
    return se;
}

static inline void fx_se_port(struct service_entry *se, uint32_t number, const char *name,
                              enum istio_protocol proto, uint32_t target)
{
    struct istio_port *p = &se->ports[se->n_ports++];
    p->number = number;
    p->name = name;
    p->protocol = proto;
    p->target_port = target;
}

static inline struct se_endpoint *fx_se_endpoint(struct fx *f, struct service_entry *se,
                                                 const char *address, const char *labels,
                                                 const char *sa)
{
    struct se_endpoint *e = &se->endpoints[se->n_endpoints++];
    e->address = address;
    e->labels = fx_labels(f, labels);
    e->service_account = sa;
    return e;
}

/* ---- Gateway ---- */

static inline struct gateway *fx_gw(struct fx *f, const char *name, const char *ns,
                                    const char *selector)
{
    struct gateway *g = &f->gw[f->m.n_gateways++];
    fx_meta(&g->meta, KIND_GATEWAY, name, ns);
    g->selector = fx_labels(f, selector);
    g->servers = fx_cap(f, sizeof(*g->servers));
    return g;
}

static inline struct gateway_server *fx_gw_server(struct fx *f, struct gateway *g, uint32_t port,
                                                  const char *name, enum istio_protocol proto,
                                                  const char *hosts)
{
    struct gateway_server *s = &g->servers[g->n_servers++];
    s->port.number = port;
    s->port.name = name;
    s->port.protocol = proto;
    s->hosts = fx_strs(f, hosts, &s->n_hosts);
    return s;
}

static inline void fx_server_tls(struct gateway_server *s, enum server_tls_mode mode,
                                 const char *cert, const char *key, const char *ca)
{
    s->has_tls = 1;
    s->tls.mode = mode;
    s->tls.server_certificate = cert;
    s->tls.private_key = key;
    s->tls.ca_certificates = ca;
}

/* ---- VirtualService ---- */

static inline struct virtual_service *fx_vs(struct fx *f, const char *name, const char *ns,
                                            const char *hosts, const char *gateways)
{
    struct virtual_service *vs = &f->vs[f->m.n_virtual_services++];
    fx_meta(&vs->meta, KIND_VIRTUAL_SERVICE, name, ns);
    vs->hosts = fx_strs(f, hosts, &vs->n_hosts);
    vs->gateways = fx_strs(f, gateways, &vs->n_gateways);
    vs->http = fx_cap(f, sizeof(*vs->http));
    vs->tls = fx_cap(f, sizeof(*vs->tls));
    vs->tcp = fx_cap(f, sizeof(*vs->tcp));
    return vs;
}

static inline struct http_route *fx_http(struct fx *f, struct virtual_service *vs)
{
    struct http_route *r = &vs->http[vs->n_http++];
    r->match = fx_cap(f, sizeof(*r->match));
    r->route = fx_cap(f, sizeof(*r->route));
    r->mirrors = fx_cap(f, sizeof(*r->mirrors));
    r->timeout_ms = -1;
    return r;
}

static inline struct http_match *fx_http_match(struct fx *f, struct http_route *r, uint32_t port,
                                               const char *gateways)
{
    struct http_match *m = &r->match[r->n_match++];
    m->port = port;
    m->gateways = fx_strs(f, gateways, &m->n_gateways);
    m->headers = fx_cap(f, sizeof(*m->headers));
    m->query_params = fx_cap(f, sizeof(*m->query_params));
    m->without_headers = fx_cap(f, sizeof(*m->without_headers));
    return m;
}

static inline struct route_destination *fx_dest(struct route_destination *v, size_t *n,
                                                const char *host, const char *subset, uint32_t port,
                                                int32_t weight)
{
    struct route_destination *d = &v[(*n)++];
    d->destination.host = host;
    d->destination.subset = subset;
    d->destination.port = port;
    d->weight = weight;
    return d;
}

static inline struct l4_route *fx_l4(struct fx *f, struct l4_route *v, size_t *n)
{
    struct l4_route *r = &v[(*n)++];
    r->match = fx_cap(f, sizeof(*r->match));
    r->route = fx_cap(f, sizeof(*r->route));
    return r;
}

static inline struct l4_match *fx_l4_match(struct fx *f, struct l4_route *r, uint32_t port,
                                           const char *gateways, const char *sni)
{
    struct l4_match *m = &r->match[r->n_match++];
    m->port = port;
    m->gateways = fx_strs(f, gateways, &m->n_gateways);
    m->sni_hosts = fx_strs(f, sni, &m->n_sni_hosts);
    return m;
}

/* ---- DestinationRule ---- */

static inline struct destination_rule *fx_dr(struct fx *f, const char *name, const char *ns,
                                             const char *host)
{
    struct destination_rule *d = &f->dr[f->m.n_destination_rules++];
    fx_meta(&d->meta, KIND_DESTINATION_RULE, name, ns);
    d->host = host;
    d->subsets = fx_cap(f, sizeof(*d->subsets));
    return d;
}

static inline struct subset *fx_subset(struct fx *f, struct destination_rule *d, const char *name,
                                       const char *labels)
{
    struct subset *s = &d->subsets[d->n_subsets++];
    s->name = name;
    s->labels = fx_labels(f, labels);
    return s;
}

static inline struct port_traffic_policy *fx_port_policy(struct fx *f, struct traffic_policy *tp,
                                                         uint32_t port)
{
    tp->has = 1;
    if (tp->port_level_settings == NULL)
        tp->port_level_settings = fx_cap(f, sizeof(*tp->port_level_settings));
    struct port_traffic_policy *p = &tp->port_level_settings[tp->n_port_level_settings++];
    p->port = port;
    return p;
}

static inline void fx_tls(struct client_tls *t, enum client_tls_mode mode, const char *sni)
{
    t->has = 1;
    t->mode = mode;
    t->sni = sni;
}

/* ---- proxies and views ---- */

/* With XDSD_DUMP_DIR set, write every resource of a view there (for reading
 * with protoc --decode while developing). */
static inline void fx_dump(const struct xds_view *v, const char *who)
{
    const char *dir = getenv("XDSD_DUMP_DIR");
    static int seq;
    if (dir == NULL || v == NULL)
        return;
    seq++;
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct xds_resource *r = xds_view_items(v, t);
        for (size_t i = 0; i < xds_view_count(v, t); i++) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/%02d-%.6s-%s-%s.bin", dir, seq, who, xds_type_short(t),
                     r[i].name);
            for (char *p = path + strlen(dir) + 1; *p; p++)
                if (*p == '/' || *p == '|')
                    *p = '_';
            FILE *fp = fopen(path, "wb");
            if (fp != NULL) {
                fwrite(r[i].bytes, 1, r[i].len, fp);
                fclose(fp);
            }
        }
    }
}

static inline struct xds_view *fx_build(struct fx *f, const char *node_id, const char *labels,
                                        const char *generator, char **err)
{
    struct config_labels l = fx_labels(f, labels);
    struct proxy_identity id;
    proxy_identity_init(&id, node_id, NULL, NULL, l.items, l.n, generator);
    struct xds_view *v = translate_build(&f->m, &f->o, &id, err);
    proxy_identity_release(&id);
    fx_dump(v, generator ? generator : node_id);
    if (v != NULL && f->n_views < FX_CAP)
        f->views[f->n_views++] = v;
    else if (v != NULL)
        abort(); /* more views than a fixture keeps: raise FX_CAP */
    return v;
}

#define SLEEP_ID "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local"
#define EGW_ID "router~10.0.0.9~istio-egressgateway-1.istio-system~istio-system.svc.cluster.local"
#define EGW_LABELS "app=istio-egressgateway,istio=egressgateway"
#define EGW_HOST "istio-egressgateway.istio-system.svc.cluster.local"

static inline void *fx_decode(struct fx *f, const struct xds_view *v, enum xds_type t,
                              const char *name)
{
    static const ProtobufCMessageDescriptor *const descs[XDS_NTYPES] = {
        [XDS_CLUSTER] = &Cluster_desc,
        [XDS_ENDPOINT] = &CLA_desc,
        [XDS_LISTENER] = &Listener_desc,
        [XDS_ROUTE] = &RouteConfiguration_desc,
        [XDS_SECRET] = &Secret_desc,
    };
    const struct xds_resource *r = v ? xds_view_find(v, t, name) : NULL;
    if (r == NULL)
        return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(descs[t], NULL, r->len, r->bytes);
    if (m != NULL)
        pvec_push(f->a, &f->decoded, m);
    return m;
}

/* The message inside an Any, checked against the expected type. */
static inline void *fx_any(struct fx *f, const Any *any, const ProtobufCMessageDescriptor *d)
{
    if (any == NULL || strcmp(any->type_url + strlen("type.googleapis.com/"), d->name) != 0)
        return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, any->value.len, any->value.data);
    if (m != NULL)
        pvec_push(f->a, &f->decoded, m);
    return m;
}

static inline Listener *fx_listener(struct fx *f, const struct xds_view *v, const char *name)
{
    return fx_decode(f, v, XDS_LISTENER, name);
}
static inline Cluster *fx_cluster(struct fx *f, const struct xds_view *v, const char *name)
{
    return fx_decode(f, v, XDS_CLUSTER, name);
}
static inline RouteConfiguration *fx_routes(struct fx *f, const struct xds_view *v,
                                            const char *name)
{
    return fx_decode(f, v, XDS_ROUTE, name);
}
static inline CLA *fx_cla(struct fx *f, const struct xds_view *v, const char *name)
{
    return fx_decode(f, v, XDS_ENDPOINT, name);
}

/* The DnsCluster of a DNS cluster (cluster_type "envoy.cluster.dns"), else NULL. */
static inline DnsCluster *fx_dns_cluster(struct fx *f, const Cluster *c)
{
    if (c == NULL ||
        c->cluster_discovery_type_case !=
            ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_CLUSTER_TYPE ||
        strcmp(c->cluster_type->name, "envoy.cluster.dns") != 0)
        return NULL;
    return fx_any(f, c->cluster_type->typed_config, &DnsCluster_desc);
}

static inline Hcm *fx_chain_hcm(struct fx *f, const FilterChain *c)
{
    if (c == NULL || c->n_filters != 1)
        return NULL;
    return fx_any(f, c->filters[0]->typed_config, &Hcm_desc);
}

static inline TcpProxy *fx_chain_tcp(struct fx *f, const FilterChain *c)
{
    if (c == NULL || c->n_filters != 1)
        return NULL;
    return fx_any(f, c->filters[0]->typed_config, &TcpProxy_desc);
}

/* The filter chain whose server_names include name (NULL: the one without). */
static inline FilterChain *fx_sni_chain(const Listener *l, const char *name)
{
    for (size_t i = 0; l != NULL && i < l->n_filter_chains; i++) {
        FilterChainMatch *m = l->filter_chains[i]->filter_chain_match;
        size_t n = m ? m->n_server_names : 0;
        if (name == NULL && n == 0)
            return l->filter_chains[i];
        for (size_t k = 0; name != NULL && k < n; k++)
            if (strcmp(m->server_names[k], name) == 0)
                return l->filter_chains[i];
    }
    return NULL;
}

static inline VirtualHost *fx_vhost(const RouteConfiguration *rc, const char *name)
{
    for (size_t i = 0; rc != NULL && i < rc->n_virtual_hosts; i++)
        if (strcmp(rc->virtual_hosts[i]->name, name) == 0)
            return rc->virtual_hosts[i];
    return NULL;
}

static inline int fx_has_domain(const VirtualHost *v, const char *d)
{
    for (size_t i = 0; v != NULL && i < v->n_domains; i++)
        if (strcmp(v->domains[i], d) == 0)
            return 1;
    return 0;
}

static inline const char *fx_route_cluster(const VirtualHost *v, size_t i)
{
    if (v == NULL || i >= v->n_routes || v->routes[i]->route == NULL)
        return NULL;
    return v->routes[i]->route->cluster;
}

static inline UpstreamTlsContext *fx_upstream_tls(struct fx *f, const Cluster *c)
{
    if (c == NULL || c->transport_socket == NULL)
        return NULL;
    return fx_any(f, c->transport_socket->typed_config, &UpstreamTlsContext_desc);
}

static inline DownstreamTlsContext *fx_downstream_tls(struct fx *f, const FilterChain *c)
{
    if (c == NULL || c->transport_socket == NULL)
        return NULL;
    return fx_any(f, c->transport_socket->typed_config, &DownstreamTlsContext_desc);
}

static inline int fx_has_listener_filter(const Listener *l, const char *name)
{
    for (size_t i = 0; l != NULL && i < l->n_listener_filters; i++)
        if (strcmp(l->listener_filters[i]->name, name) == 0)
            return 1;
    return 0;
}

#endif
