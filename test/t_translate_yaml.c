/* t_translate_yaml.c - the guide's scenarios from their YAML (the loader's
 * fixtures in test/data/config/guide/), through translate_snapshot() and
 * snapshot views, as the server will run them. */
#include "translate_fixture.h"
#include "unit.h"

#define CNN_443 "outbound|443||edition.cnn.com"
#define CNN_80 "outbound|80||edition.cnn.com"

static const struct scenario {
    const char *dir;
    const char *gw_listener; /* and what its one chain does: */
    const char *gw_sni;      /* NULL: no SNI match */
    const char *gw_rds;      /* HCM to this RDS, or NULL: tcp_proxy to gw_cluster */
    const char *gw_vhost;
    const char *gw_cluster;
    int gw_tls;               /* the chain terminates TLS */
    const char *sleep_80;     /* sleep's route for edition.cnn.com:80, or NULL */
    const char *sleep_sni;    /* sleep's SNI chain for edition.cnn.com on 0.0.0.0_443 */
    const char *mtls_cluster; /* sleep's ISTIO_MUTUAL cluster, or NULL */
} scenarios[] = {
    {"http-egress", "0.0.0.0_8080", NULL, "http.8080", "edition.cnn.com:80", CNN_80, 0,
     "outbound|80|cnn|" EGW_HOST, CNN_443, NULL},
    {"http-egress-mtls", "0.0.0.0_8080", "edition.cnn.com",
     "https.80.https.istio-egressgateway.default", "edition.cnn.com:80", CNN_80, 1,
     "outbound|80|cnn|" EGW_HOST, CNN_443, "outbound|80|cnn|" EGW_HOST},
    {"tls-origination", "0.0.0.0_8443", NULL, "http.8443", "edition.cnn.com:443", CNN_443, 0,
     "outbound|443|cnn|" EGW_HOST, NULL, NULL},
    {"tls-origination-mtls", "0.0.0.0_8443", "edition.cnn.com",
     "https.443.https.istio-egressgateway.default", "edition.cnn.com:443", CNN_443, 1,
     "outbound|443|cnn|" EGW_HOST, NULL, "outbound|443|cnn|" EGW_HOST},
    {"https-passthrough", "0.0.0.0_8443", "edition.cnn.com", NULL, NULL, CNN_443, 0, NULL,
     "outbound|443|cnn|" EGW_HOST, NULL},
    {"https-passthrough-mtls", "0.0.0.0_8443", "edition.cnn.com", NULL, NULL, CNN_443, 1, NULL,
     "outbound|443|cnn|" EGW_HOST, "outbound|443|cnn|" EGW_HOST},
};

static const struct xds_view *view_of(struct snapshot *s, const char *id, const char *labels)
{
    size_t n = 0;
    struct config_kv *l = proxy_labels_parse(labels, &n);
    struct proxy_identity p;
    proxy_identity_init(&p, id, NULL, NULL, l, n, NULL);
    proxy_labels_free(l, n);
    char *err = NULL;
    const struct xds_view *v = snapshot_view(s, &p, NULL, &err);
    if (err != NULL) {
        fprintf(stderr, "# %s: %s\n", id, err);
        free(err);
    }
    proxy_identity_release(&p);
    return v;
}

static void check_gateway(struct fx *f, const struct scenario *sc, const struct xds_view *v)
{
    Listener *l = fx_listener(f, v, sc->gw_listener);
    CHECK(l != NULL && l->n_filter_chains == 1);
    if (l == NULL || l->n_filter_chains != 1)
        return;
    FilterChain *c = fx_sni_chain(l, sc->gw_sni);
    CHECK(c != NULL);
    CHECK_INT(c != NULL && c->transport_socket != NULL, sc->gw_tls);
    if (sc->gw_rds != NULL) {
        Hcm *h = fx_chain_hcm(f, c);
        CHECK(h != NULL && strcmp(h->rds->route_config_name, sc->gw_rds) == 0);
        VirtualHost *vh = fx_vhost(fx_routes(f, v, sc->gw_rds), sc->gw_vhost);
        CHECK(vh != NULL);
        CHECK_STR(fx_route_cluster(vh, 0), sc->gw_cluster);
    } else {
        TcpProxy *t = fx_chain_tcp(f, c);
        CHECK(t != NULL && strcmp(t->cluster, sc->gw_cluster) == 0);
    }
    /* the cluster whose stats the guide reads, named verbatim */
    Cluster *cl = fx_cluster(f, v, sc->gw_cluster);
    CHECK(cl != NULL && cl->alt_stat_name[0] == '\0');
    CHECK(fx_cluster(f, v, "PassthroughCluster") == NULL);
}

static void check_sleep(struct fx *f, const struct scenario *sc, const struct xds_view *v)
{
    CHECK(fx_listener(f, v, "virtualOutbound") != NULL);
    if (sc->sleep_80 != NULL) {
        VirtualHost *vh = fx_vhost(fx_routes(f, v, "80"), "edition.cnn.com:80");
        CHECK_STR(fx_route_cluster(vh, 0), sc->sleep_80);
    }
    if (sc->sleep_sni != NULL) {
        TcpProxy *t =
            fx_chain_tcp(f, fx_sni_chain(fx_listener(f, v, "0.0.0.0_443"), "edition.cnn.com"));
        CHECK(t != NULL && strcmp(t->cluster, sc->sleep_sni) == 0);
    }
    if (sc->mtls_cluster != NULL) {
        UpstreamTlsContext *u = fx_upstream_tls(f, fx_cluster(f, v, sc->mtls_cluster));
        CHECK(u != NULL && strcmp(u->sni, "edition.cnn.com") == 0);
        CHECK(u != NULL && u->common_tls_context->n_alpn_protocols >= 1 &&
              strcmp(u->common_tls_context->alpn_protocols[0], "istio") == 0);
    }
}

TEST(translate_yaml_guide_scenarios)
{
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
        const struct scenario *sc = &scenarios[i];
        char *dir = xasprintf("%s/config/guide/%s", unit_data_dir(), sc->dir);
        struct config_diags diags = {0};
        struct config_set *cfg = config_load(dir, &diags, NULL);
        CHECK(cfg != NULL);
        config_diags_release(&diags);
        free(dir);
        if (cfg == NULL)
            continue;
        struct translate_options o = {.outbound_policy = OUTBOUND_ALLOW_ANY};
        struct snapshot *s = translate_snapshot(cfg, 1, &o);
        config_unref(cfg);
        CHECK(translate_config(s) != NULL);
        struct fx *f = fx_new();
        const struct xds_view *sleep = view_of(s, SLEEP_ID, "app=sleep");
        const struct xds_view *sleep2 =
            view_of(s, "sidecar~10.0.0.6~sleep-2.default~default.svc.cluster.local", "app=sleep");
        const struct xds_view *gw =
            view_of(s, "router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
                    "istio=egressgateway");
        CHECK(sleep != NULL && gw != NULL);
        CHECK(sleep == sleep2); /* one class, one translation */
        if (sleep != NULL)
            check_sleep(f, sc, sleep);
        if (gw != NULL)
            check_gateway(f, sc, gw);
        fx_free(f);
        snapshot_unref(s);
    }
}
