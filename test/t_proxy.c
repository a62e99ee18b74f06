/* t_proxy.c - proxy identity from node id, metadata and labels. */
#include "xdsd/proxy.h"

#include <stdlib.h>

#include "unit.h"

TEST(proxy_istio_sidecar_id)
{
    struct proxy_identity p;
    proxy_identity_init(&p, "sidecar~10.1.1.5~sleep-7b9f.default~default.svc.cluster.local", NULL,
                        NULL, NULL, 0, NULL);
    CHECK(p.type == PROXY_SIDECAR);
    CHECK_STR(p.ip, "10.1.1.5");
    CHECK_STR(p.pod, "sleep-7b9f.default");
    CHECK_STR(p.namespace, "default");
    CHECK(!p.proxyless_grpc);
    proxy_identity_release(&p);
}

TEST(proxy_router_metadata_wins)
{
    struct config_kv labels[] = {{"istio", "egressgateway"}, {"app", "istio-egressgateway"}};
    struct proxy_identity p;
    proxy_identity_init(&p, "router~10.1.1.9~egw-1.istio-system~istio-system.svc.cluster.local",
                        NULL, "other", labels, 2, NULL);
    CHECK(p.type == PROXY_ROUTER);
    CHECK_STR(p.namespace, "other");
    CHECK_STR(p.labels[0].key, "app"); /* sorted */
    CHECK_STR(proxy_label(&p, "istio"), "egressgateway");
    CHECK(proxy_label(&p, "missing") == NULL);
    proxy_identity_release(&p);
}

TEST(proxy_namespace_from_domain_and_plain_ids)
{
    struct proxy_identity p;
    proxy_identity_init(&p, "router~1.2.3.4~egw~istio-system.svc.cluster.local", NULL, NULL, NULL,
                        0, "grpc");
    CHECK_STR(p.namespace, "istio-system");
    CHECK(p.proxyless_grpc);
    proxy_identity_release(&p);
    proxy_identity_init(&p, "my-gateway", "router", NULL, NULL, 0, NULL);
    CHECK(p.type == PROXY_ROUTER);
    CHECK_STR(p.namespace, "default");
    proxy_identity_release(&p);
}

TEST(proxy_labels_parse)
{
    size_t n;
    struct config_kv *l = proxy_labels_parse("istio=egressgateway,app=x", &n);
    CHECK(n == 2);
    CHECK_STR(l[1].key, "app");
    CHECK_STR(l[1].value, "x");
    proxy_labels_free(l, n);
    CHECK(proxy_labels_parse("novalue", &n) == NULL && n == (size_t)-1);
    CHECK(proxy_labels_parse("", &n) == NULL && n == 0);
}
