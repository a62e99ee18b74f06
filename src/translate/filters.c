/* filters.c - the pieces every listener is made of: HTTP connection manager,
 * tcp_proxy, access log, listener filters, SNI matches. Only filters that
 * stock Envoy knows: no istio.* extension is ever emitted. */
#include "build.h"

#include <stdlib.h>
#include <string.h>

/* Istio's default text access log format, field for field (docs/egress-scenarios.md §7).
 * %UPSTREAM_CLUSTER% prints the raw cluster name since clusters have no
 * alt_stat_name, and unlike %UPSTREAM_CLUSTER_RAW% every Envoy knows it. */
static const char ACCESS_LOG_FORMAT[] =
    "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
    "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
    "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
    "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
    "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% "
    "%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "
    "%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

AccessLog *tr_access_log(struct tr_build *b)
{
    struct arena *a = b->a;
    FileAccessLog *f = NEW(a, FileAccessLog);
    f->path = "/dev/stdout";
    FormatString *fs = NEW(a, FormatString);
    DataSource *src = NEW(a, DataSource);
    src->specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_STRING;
    /* as Istio's meshConfig.accessLogFormat: the user's format, one line per entry */
    const char *fmt = b->o.access_log_format;
    src->inline_string = fmt && *fmt ? arena_printf(a, "%s\n", fmt) : (char *)ACCESS_LOG_FORMAT;
    fs->format_case =
        ENVOY__CONFIG__CORE__V3__SUBSTITUTION_FORMAT_STRING__FORMAT_TEXT_FORMAT_SOURCE;
    fs->text_format_source = src;
    f->access_log_format_case =
        ENVOY__EXTENSIONS__ACCESS_LOGGERS__FILE__V3__FILE_ACCESS_LOG__ACCESS_LOG_FORMAT_LOG_FORMAT;
    f->log_format = fs;
    AccessLog *l = NEW(a, AccessLog);
    l->name = "envoy.access_loggers.file";
    l->config_type_case = ENVOY__CONFIG__ACCESSLOG__V3__ACCESS_LOG__CONFIG_TYPE_TYPED_CONFIG;
    l->typed_config = pb_any(a, f);
    return l;
}

HttpFilter *tr_http_filter(struct arena *a, const char *name, const void *cfg)
{
    HttpFilter *f = NEW(a, HttpFilter);
    f->name = (char *)name;
    f->config_type_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_FILTER__CONFIG_TYPE_TYPED_CONFIG;
    f->typed_config = pb_any(a, cfg);
    return f;
}

NetFilter *tr_net_filter(struct arena *a, const char *name, const void *cfg)
{
    NetFilter *f = NEW(a, NetFilter);
    f->name = (char *)name;
    f->config_type_case = ENVOY__CONFIG__LISTENER__V3__FILTER__CONFIG_TYPE_TYPED_CONFIG;
    f->typed_config = pb_any(a, cfg);
    return f;
}

static void one_log(struct tr_build *b, size_t *n, AccessLog ***v)
{
    *n = 1;
    *v = arena_alloc(b->a, sizeof(**v));
    (*v)[0] = tr_access_log(b);
}

/* kind: 0 sidecar outbound, 1 gateway, 2 proxyless gRPC API listener. */
static Hcm *hcm_message(struct tr_build *b, const char *rds, const char *stat_prefix, int kind)
{
    struct arena *a = b->a;
    Hcm *h = NEW(a, Hcm);
    h->stat_prefix = (char *)stat_prefix;
    Rds *r = NEW(a, Rds);
    r->config_source = pb_ads(a);
    r->route_config_name = (char *)rds;
    h->route_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_RDS;
    h->rds = r;
    size_t n = 0;
    h->http_filters = arena_alloc(a, 3 * sizeof(*h->http_filters));
    h->http_filters[n++] = tr_http_filter(a, "envoy.filters.http.fault", NEW(a, FaultFilter));
    if (kind != 2)
        h->http_filters[n++] = tr_http_filter(a, "envoy.filters.http.cors", NEW(a, CorsFilter));
    h->http_filters[n++] = tr_http_filter(a, "envoy.filters.http.router", NEW(a, Router));
    h->n_http_filters = n;
    if (kind == 2)
        return h;
    one_log(b, &h->n_access_log, &h->access_log);
    h->use_remote_address = pb_bool(a, kind == 1);
    HcmUpgrade *ws = NEW(a, HcmUpgrade);
    ws->upgrade_type = "websocket";
    h->n_upgrade_configs = 1;
    h->upgrade_configs = arena_alloc(a, sizeof(*h->upgrade_configs));
    h->upgrade_configs[0] = ws;
    h->stream_idle_timeout = pb_ms(a, 0);
    h->normalize_path = pb_bool(a, 1);
    h->path_with_escaped_slashes_action =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__PATH_WITH_ESCAPED_SLASHES_ACTION__KEEP_UNCHANGED;
    if (kind == 1) {
        h->forward_client_cert_details =
            ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__FORWARD_CLIENT_CERT_DETAILS__SANITIZE_SET;
        HcmCertDetails *d = NEW(a, HcmCertDetails);
        d->subject = pb_bool(a, 1);
        d->cert = d->dns = d->uri = 1;
        h->set_current_client_cert_details = d;
    }
    return h;
}

NetFilter *tr_hcm(struct tr_build *b, const char *rds, const char *stat_prefix, int kind,
                  const char *from)
{
    tr_ref(b, XDS_ROUTE, rds, from);
    return tr_net_filter(b->a, "envoy.filters.network.http_connection_manager",
                      hcm_message(b, rds, stat_prefix, kind));
}

Any *tr_hcm_any(struct tr_build *b, const char *rds, const char *from)
{
    tr_ref(b, XDS_ROUTE, rds, from);
    return pb_any(b->a, hcm_message(b, rds, rds, 2));
}

NetFilter *tr_tcp_proxy_to(struct tr_build *b, const char *cluster, const char *from)
{
    TcpProxy *t = NEW(b->a, TcpProxy);
    t->stat_prefix = (char *)cluster;
    t->cluster_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__TCP_PROXY__V3__TCP_PROXY__CLUSTER_SPECIFIER_CLUSTER;
    t->cluster = (char *)cluster;
    one_log(b, &t->n_access_log, &t->access_log);
    tr_ref(b, XDS_CLUSTER, cluster, from);
    return tr_net_filter(b->a, "envoy.filters.network.tcp_proxy", t);
}

NetFilter *tr_tcp_proxy(struct tr_build *b, const struct route_destination *route, size_t n,
                        const struct virtual_service *vs, uint32_t listen_port, const char *from)
{
    struct arena *a = b->a;
    struct pvec ws = {0};
    const char *single = NULL;
    for (size_t i = 0; i < n; i++) {
        if (n > 1 && route[i].weight == 0)
            continue;
        const char *c = tr_dest_existing(b, &route[i].destination, vs, listen_port);
        TcpClusterWeight *w = NEW(a, TcpClusterWeight);
        w->name = (char *)c;
        w->weight = route[i].weight > 0 ? (uint32_t)route[i].weight : 1;
        pvec_push(a, &ws, w);
        single = c;
        tr_ref(b, XDS_CLUSTER, c, from);
    }
    if (ws.n <= 1)
        return tr_tcp_proxy_to(b, single ? single : "BlackHoleCluster", from);
    TcpProxy *t = NEW(a, TcpProxy);
    t->stat_prefix = arena_printf(a, "%s.%s", vs->meta.name, vs->meta.namespace);
    TcpWeighted *wc = NEW(a, TcpWeighted);
    PV_SET(wc->clusters, wc->n_clusters, &ws);
    t->cluster_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__TCP_PROXY__V3__TCP_PROXY__CLUSTER_SPECIFIER_WEIGHTED_CLUSTERS;
    t->weighted_clusters = wc;
    one_log(b, &t->n_access_log, &t->access_log);
    return tr_net_filter(a, "envoy.filters.network.tcp_proxy", t);
}

ListenerFilter *tr_listener_filter(struct tr_build *b, int tls)
{
    ListenerFilter *f = NEW(b->a, ListenerFilter);
    f->config_type_case = ENVOY__CONFIG__LISTENER__V3__LISTENER_FILTER__CONFIG_TYPE_TYPED_CONFIG;
    if (tls) {
        f->name = "envoy.filters.listener.tls_inspector";
        f->typed_config = pb_any(b->a, NEW(b->a, TlsInspector));
    } else {
        f->name = "envoy.filters.listener.http_inspector";
        f->typed_config = pb_any(b->a, NEW(b->a, HttpInspector));
    }
    return f;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* server_names, sorted and without duplicates ("*" alone means no SNI match). */
FilterChainMatch *tr_sni_match(struct tr_build *b, const char *const *names, size_t n)
{
    FilterChainMatch *m = NEW(b->a, FilterChainMatch);
    char **v = arena_alloc(b->a, (n + 1) * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], "*") == 0)
            continue;
        v[k++] = (char *)names[i];
    }
    if (k > 1)
        qsort(v, k, sizeof(*v), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
            v[u++] = v[i];
    m->n_server_names = u;
    m->server_names = v;
    return m;
}

FilterChain *tr_chain(struct tr_build *b, const char *name, FilterChainMatch *m, NetFilter *f)
{
    FilterChain *c = NEW(b->a, FilterChain);
    c->name = (char *)name;
    c->filter_chain_match = m;
    c->n_filters = 1;
    c->filters = arena_alloc(b->a, sizeof(*c->filters));
    c->filters[0] = f;
    return c;
}

struct tr_listener *tr_get_listener(struct tr_build *b, struct map *ls, struct pvec *order,
                                    const char *bind, uint32_t port)
{
    const char *name = arena_printf(b->a, "%s_%u", bind, port);
    struct tr_listener *l = map_get(ls, name);
    if (l != NULL)
        return l;
    l = arena_alloc(b->a, sizeof(*l));
    l->name = name;
    l->bind = bind;
    l->port = port;
    map_init_str(&l->keys, b->a);
    map_add(ls, name, l);
    pvec_push(b->a, order, l);
    return l;
}

static const char *match_key(struct arena *a, const FilterChainMatch *m)
{
    if (m == NULL)
        return "";
    char *k = arena_printf(a, "%s|", m->transport_protocol ? m->transport_protocol : "");
    for (size_t i = 0; i < m->n_server_names; i++)
        k = arena_printf(a, "%s%s,", k, m->server_names[i]);
    for (size_t i = 0; i < m->n_prefix_ranges; i++)
        k = arena_printf(a, "%s|%s/%u", k, m->prefix_ranges[i]->address_prefix,
                         m->prefix_ranges[i]->prefix_len ? m->prefix_ranges[i]->prefix_len->value
                                                         : 0);
    return k;
}

/* Add a chain unless one with the same match is there (Istio keeps the first). */
void tr_add_chain(struct tr_build *b, struct tr_listener *l, FilterChain *c)
{
    if (!map_add(&l->keys, match_key(b->a, c->filter_chain_match), NULL))
        return;
    if ((c->filter_chain_match && c->filter_chain_match->n_server_names > 0) ||
        c->transport_socket != NULL)
        l->sni = 1;
    if (c->filter_chain_match == NULL && !l->http)
        l->match_all = c;
    pvec_push(b->a, &l->chains, c);
}
