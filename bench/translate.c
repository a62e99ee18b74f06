/* bench/translate.c - translation time and view size for a large mesh:
 * 10,000 ServiceEntries, 10,000 VirtualServices, 1,000 DestinationRules, built
 * in memory; one sidecar view, one gateway view and one proxyless gRPC view.
 * Prints figures only: no pass/fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "xdsd/log.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#define N_SE 10000
#define N_VS 10000
#define N_DR 1000

static char *fmt(const char *f, int i)
{
    return xasprintf(f, i);
}

static struct config_kv *kv(const char *k, const char *v)
{
    struct config_kv *p = xcalloc(1, sizeof(*p));
    p->key = k;
    p->value = v;
    return p;
}

static void build_model(struct translate_model *m)
{
    struct service_entry *se = xcalloc(N_SE + 1, sizeof(*se));
    struct virtual_service *vs = xcalloc(N_VS, sizeof(*vs));
    struct destination_rule *dr = xcalloc(N_DR, sizeof(*dr));
    for (int i = 0; i < N_SE; i++) {
        struct service_entry *s = &se[i];
        s->meta = (struct istio_meta){
            .kind = KIND_SERVICE_ENTRY, .name = fmt("svc-%05d", i), .namespace = "default"};
        s->hosts = xcalloc(1, sizeof(char *));
        s->hosts[0] = fmt("svc-%05d.example.com", i);
        s->n_hosts = 1;
        s->ports = xcalloc(2, sizeof(*s->ports));
        s->ports[0] = (struct istio_port){.number = 80, .protocol = PROTO_HTTP, .name = "http"};
        s->ports[1] = (struct istio_port){.number = 443, .protocol = PROTO_TLS, .name = "tls"};
        s->n_ports = 2;
        s->location = LOCATION_MESH_EXTERNAL;
        if (i % 2 == 0) {
            s->resolution = RESOLUTION_DNS;
            continue;
        }
        s->resolution = RESOLUTION_STATIC;
        s->endpoints = xcalloc(2, sizeof(*s->endpoints));
        s->n_endpoints = 2;
        for (int e = 0; e < 2; e++) {
            s->endpoints[e].address = xasprintf("10.%d.%d.%d", e, i / 250, i % 250);
            s->endpoints[e].labels.items = kv("version", e ? "v2" : "v1");
            s->endpoints[e].labels.n = 1;
        }
    }
    /* the gateway's own service */
    struct service_entry *g = &se[N_SE];
    g->meta =
        (struct istio_meta){.kind = KIND_SERVICE_ENTRY, .name = "egw", .namespace = "istio-system"};
    g->hosts = xcalloc(1, sizeof(char *));
    g->hosts[0] = "istio-egressgateway.istio-system.svc.cluster.local";
    g->n_hosts = 1;
    g->ports = xcalloc(1, sizeof(*g->ports));
    g->ports[0] = (struct istio_port){
        .number = 80, .protocol = PROTO_HTTP2, .name = "http2", .target_port = 8080};
    g->n_ports = 1;
    g->location = LOCATION_MESH_INTERNAL;
    g->resolution = RESOLUTION_STATIC;
    g->endpoints = xcalloc(1, sizeof(*g->endpoints));
    g->endpoints[0].address = "10.200.0.1";
    g->endpoints[0].labels.items = kv("istio", "egressgateway");
    g->endpoints[0].labels.n = 1;
    g->n_endpoints = 1;

    for (int i = 0; i < N_VS; i++) {
        struct virtual_service *v = &vs[i];
        v->meta = (struct istio_meta){
            .kind = KIND_VIRTUAL_SERVICE, .name = fmt("vs-%05d", i), .namespace = "default"};
        v->hosts = se[i].hosts;
        v->n_hosts = 1;
        if (i < 1000) { /* some also go through the gateway */
            v->gateways = xcalloc(2, sizeof(char *));
            v->gateways[0] = "mesh";
            v->gateways[1] = "istio-egressgateway";
            v->n_gateways = 2;
        }
        v->http = xcalloc(1, sizeof(*v->http));
        v->n_http = 1;
        struct http_route *r = &v->http[0];
        r->timeout_ms = 5000;
        r->match = xcalloc(1, sizeof(*r->match));
        r->n_match = 1;
        r->match[0].uri = (struct string_match){MATCH_PREFIX, "/api"};
        r->route = xcalloc(2, sizeof(*r->route));
        r->n_route = i < N_DR ? 2 : 1;
        for (size_t k = 0; k < r->n_route; k++) {
            r->route[k].destination.host = se[i].hosts[0];
            r->route[k].destination.port = 80;
            r->route[k].destination.subset = i < N_DR ? (k ? "v2" : "v1") : NULL;
            r->route[k].weight = r->n_route == 2 ? (k ? 10 : 90) : -1;
        }
    }
    for (int i = 0; i < N_DR; i++) {
        struct destination_rule *d = &dr[i];
        d->meta = (struct istio_meta){
            .kind = KIND_DESTINATION_RULE, .name = fmt("dr-%05d", i), .namespace = "default"};
        d->host = se[i].hosts[0];
        d->traffic_policy.has = 1;
        d->traffic_policy.load_balancer =
            (struct load_balancer){.has = 1, .simple = LB_ROUND_ROBIN};
        d->traffic_policy.connection_pool =
            (struct connection_pool){.has = 1, .max_connections = 100, .connect_timeout_ms = 3000};
        d->subsets = xcalloc(2, sizeof(*d->subsets));
        d->n_subsets = 2;
        d->subsets[0] = (struct subset){.name = "v1", .labels = {kv("version", "v1"), 1}};
        d->subsets[1] = (struct subset){.name = "v2", .labels = {kv("version", "v2"), 1}};
    }
    static struct gateway gw;
    static struct gateway_server srv;
    static const char *star[] = {"*"};
    srv = (struct gateway_server){.port = {.number = 80, .protocol = PROTO_HTTP, .name = "http"},
                                  .hosts = star,
                                  .n_hosts = 1};
    gw = (struct gateway){
        .meta = {.kind = KIND_GATEWAY, .name = "istio-egressgateway", .namespace = "default"},
        .selector = {kv("istio", "egressgateway"), 1},
        .servers = &srv,
        .n_servers = 1};
    *m = (struct translate_model){.service_entries = se,
                                  .n_service_entries = N_SE + 1,
                                  .gateways = &gw,
                                  .n_gateways = 1,
                                  .virtual_services = vs,
                                  .n_virtual_services = N_VS,
                                  .destination_rules = dr,
                                  .n_destination_rules = N_DR};
}

static void run(const struct translate_model *m, const char *what, const char *id,
                const char *labels, const char *generator)
{
    struct proxy_identity p;
    size_t n = 0;
    struct config_kv *l = proxy_labels_parse(labels, &n);
    proxy_identity_init(&p, id, NULL, NULL, l, n, generator);
    proxy_labels_free(l, n);
    struct translate_options o = {.outbound_policy = OUTBOUND_ALLOW_ANY,
                                  .mesh_certs = "/etc/certs",
                                  .trust_domain = "cluster.local"};
    int64_t t0 = now_ms();
    char *err = NULL;
    struct xds_view *v = translate_build(m, &o, &p, &err);
    int64_t t1 = now_ms();
    if (v == NULL) {
        printf("%s: failed: %s\n", what, err);
        free(err);
        proxy_identity_release(&p);
        return;
    }
    size_t bytes = 0;
    for (int t = 0; t < XDS_NTYPES; t++)
        bytes += xds_view_bytes(v, t);
    printf("%-8s %6lld ms  cds %5zu  eds %5zu  lds %5zu  rds %5zu  packed %.1f MiB\n", what,
           (long long)(t1 - t0), xds_view_count(v, XDS_CLUSTER), xds_view_count(v, XDS_ENDPOINT),
           xds_view_count(v, XDS_LISTENER), xds_view_count(v, XDS_ROUTE),
           (double)bytes / (1024.0 * 1024.0));
    xds_view_free(v);
    proxy_identity_release(&p);
}

int main(void)
{
    log_init(LOG_ERROR, LOG_TEXT);
    struct translate_model m = {0};
    int64_t t0 = now_ms();
    build_model(&m);
    printf("model: %d ServiceEntries, %d VirtualServices, %d DestinationRules (built in %lld ms)\n",
           N_SE, N_VS, N_DR, (long long)(now_ms() - t0));
    run(&m, "sidecar", "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local", "app=sleep",
        NULL);
    run(&m, "gateway", "router~10.200.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
        "istio=egressgateway", NULL);
    run(&m, "grpc", "sidecar~10.0.0.6~client-1.default~default.svc.cluster.local", "app=c", "grpc");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    return 0;
}
