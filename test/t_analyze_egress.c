/* t_analyze_egress.c - xdsd's own codes of `xdsd analyze` (the egress
 * path), each with a failing and a passing configuration; the selector
 * code offline and with connected proxies; the JSON form read back. */
#include <stdio.h>

#include "analyze_fixture.h"
#include "unit.h"
#include "xdsd/config.h"

#define ONLY(yaml, o, code, n)                                                                     \
    do {                                                                                           \
        size_t total_, got_ = count_code((yaml), (o), (code), &total_);                            \
        CHECK_INT(got_, (n));                                                                      \
        CHECK_INT(total_, (n));                                                                    \
    } while (0)

TEST(analyze_xds1001_selector_offline)
{
    const char *gw = GATEWAY_TLS("istio: egresgateway", "80", "edition.cnn.com", MUTUAL_MESH_ROOT);
    /* the same finding as validate's warning, once, with its code */
    size_t total, n = count_code(docs(GW_SERVICE, CNN_SE, gw, NULL), NULL, "XDS1001", &total);
    CHECK_INT(n, 1);
    CHECK_INT(total, 1);
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, NULL), NULL, "XDS1001", 0);
}

TEST(analyze_xds1001_selector_live)
{
    struct config_kv labels[] = {{"app", "istio-egressgateway"}, {"istio", "egressgateway"}};
    struct proxy_identity p[2];
    proxy_identity_init(&p[0], "router~10.0.0.9~gw.istio-system~istio-system.svc.cluster.local",
                        NULL, NULL, labels, 2, NULL);
    proxy_identity_init(&p[1], "sidecar~10.0.0.1~sleep.default~default.svc.cluster.local", NULL,
                        NULL, labels, 2, NULL);
    struct analyze_options o;
    analyze_options_init(&o);
    o.live = 1;
    o.proxies = p;
    o.n_proxies = 2;
    ONLY(GUIDE_OK, &o, "XDS1001", 0);
    /* only a sidecar carries the labels: no gateway gets the Gateway */
    o.proxies = &p[1];
    o.n_proxies = 1;
    ONLY(GUIDE_OK, &o, "XDS1001", 1);
    /* live, the declared service does not count: a typo in it says nothing */
    const char *gw = GATEWAY_TLS("istio: egresgateway", "80", "edition.cnn.com", MUTUAL_MESH_ROOT);
    o.proxies = p;
    o.n_proxies = 2;
    size_t total, n = count_code(docs(GW_SERVICE, CNN_SE, gw, NULL), &o, "XDS1001", &total);
    CHECK_INT(n, 1); /* from the proxies: none has the typo's labels */
    proxy_identity_release(&p[0]);
    proxy_identity_release(&p[1]);
}

TEST(analyze_xds1002_bypass)
{
    static const char other[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: bbc\n"
        "spec:\n  hosts: [www.bbc.com]\n  ports:\n"
        "  - {number: 80, name: http-port, protocol: HTTP}\n  resolution: DNS\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, VS_BOTH, other, NULL), NULL, "XDS1002", 1);
    /* another protocol on the port is another kind of host */
    static const char tcp[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: bbc\n"
        "spec:\n  hosts: [www.bbc.com]\n  addresses: [10.9.9.9]\n  ports:\n"
        "  - {number: 80, name: tcp, protocol: TCP}\n  resolution: DNS\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, VS_BOTH, tcp, NULL), NULL, "XDS1002", 0);
}

TEST(analyze_xds1003_istio_mutual_to_a_server_that_cannot_take_it)
{
    const char *simple = GATEWAY_TLS("istio: egressgateway", "80", "edition.cnn.com",
                                     "{mode: SIMPLE, serverCertificate: /etc/certs/cert-chain.pem, "
                                     "privateKey: /etc/certs/key.pem}");
    ONLY(docs(GW_SERVICE, CNN_SE, simple, DR_GATEWAY, VS_BOTH, NULL), NULL, "XDS1003", 1);
    const char *istio =
        GATEWAY_TLS("istio: egressgateway", "80", "edition.cnn.com", "{mode: ISTIO_MUTUAL}");
    ONLY(docs(GW_SERVICE, CNN_SE, istio, DR_GATEWAY, VS_BOTH, NULL), NULL, "XDS1003", 0);
    /* MUTUAL is fine while its CA is the mesh's root: --mesh-certs says where that is */
    struct analyze_options o;
    analyze_options_init(&o);
    o.mesh_certs = "/nonexistent/mesh/certs";
    ONLY(GUIDE_OK, &o, "XDS1003", 1);
    o.mesh_certs = "/etc/certs/";
    ONLY(GUIDE_OK, &o, "XDS1003", 0);
}

TEST(analyze_xds1003_plain_text_to_a_server_that_requires_tls)
{
    const char *plain_dr = DR_GATEWAY_TLS("{mode: DISABLE}");
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, plain_dr, VS_BOTH, NULL), NULL, "XDS1003", 1);
    static const char http_gw[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata:\n"
        "  name: istio-egressgateway\nspec:\n  selector: {istio: egressgateway}\n  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com]\n";
    ONLY(docs(GW_SERVICE, CNN_SE, http_gw, plain_dr, VS_BOTH, NULL), NULL, "XDS1003", 0);
}

TEST(analyze_xds1003_trust_domain)
{
    const char *dr = DR_GATEWAY_TLS(
        "{mode: ISTIO_MUTUAL, sni: edition.cnn.com, subjectAltNames: "
        "[\"spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account\"]}");
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, dr, VS_BOTH, NULL), NULL, "XDS1003", 0);
    struct analyze_options o;
    analyze_options_init(&o);
    o.trust_domain = "example.org";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, dr, VS_BOTH, NULL), &o, "XDS1003", 1);
}

TEST(analyze_xds1004_dead_end_at_the_gateway)
{
    static const char mesh_only[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: direct-cnn-through-egress-gateway\nspec:\n  hosts: [edition.cnn.com]\n"
        "  http:\n  - match: [{port: 80}]\n    route:\n"
        "    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: "
        "cnn, "
        "port: {number: 80}}\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, mesh_only, NULL), NULL, "XDS1004", 1);
    /* no server on the port at all */
    const char *gw443 =
        GATEWAY_TLS("istio: egressgateway", "443", "edition.cnn.com", MUTUAL_MESH_ROOT);
    ONLY(docs(GW_SERVICE, CNN_SE, gw443, DR_GATEWAY, mesh_only, NULL), NULL, "XDS1004", 1);
    ONLY(GUIDE_OK, NULL, "XDS1004", 0);
}

TEST(analyze_xds1005_sni_other_than_host)
{
    static const char dr[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
        "    tls: {mode: SIMPLE, caCertificates: /etc/ssl/ca.pem, sni: www.cnn.com}\n";
    ONLY(docs(CNN_SE, dr, NULL), NULL, "XDS1005", 1);
    static const char dr_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
        "    tls: {mode: SIMPLE, caCertificates: /etc/ssl/ca.pem, sni: edition.cnn.com}\n";
    ONLY(docs(CNN_SE, dr_ok, NULL), NULL, "XDS1005", 0);
    /* ISTIO_MUTUAL to the gateway names the routed host by design: GUIDE_OK has it */
    ONLY(GUIDE_OK, NULL, "XDS1005", 0);
}

TEST(analyze_xds1006_registry_only_unknown_host)
{
    static const char vs[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [api.unknown.example]\n  tls:\n"
        "  - match: [{port: 443, sniHosts: [api.unknown.example]}]\n    route:\n"
        "    - destination: {host: edition.cnn.com, port: {number: 443}}\n";
    struct analyze_options o;
    analyze_options_init(&o);
    o.outbound = OUTBOUND_REGISTRY_ONLY;
    ONLY(docs(CNN_SE, vs, NULL), &o, "XDS1006", 1);
    ONLY(docs(CNN_SE, vs, NULL), NULL, "XDS1006", 0); /* ALLOW_ANY passes it through */
    static const char se[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: api\n"
        "spec:\n  hosts: [api.unknown.example]\n  ports:\n"
        "  - {number: 443, name: tls, protocol: TLS}\n  resolution: DNS\n";
    ONLY(docs(CNN_SE, se, vs, NULL), &o, "XDS1006", 0);
}

TEST(analyze_json_round_trip)
{
    struct analyze_findings f, g = {0};
    static const char dr[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
        "    tls: {mode: SIMPLE, sni: \"www.cnn.com\"}\n";
    analyze_yaml(docs(CNN_SE, dr, NULL), NULL, &f);
    CHECK_INT(f.n, 2);
    char *json = analyze_findings_json(&f, 0);
    char *err = NULL;
    CHECK(analyze_findings_parse(json, &g, &err) == 0);
    CHECK_INT(g.n, f.n);
    for (size_t i = 0; i < f.n && i < g.n; i++) {
        char *a = analyze_finding_text(&f.items[i]), *b = analyze_finding_text(&g.items[i]);
        CHECK_STR(a, b);
        free(a);
        free(b);
    }
    CHECK(strstr(json, "\"code\":\"IST0128\"") != NULL);
    CHECK(strstr(json, "\"level\":\"Error\"") != NULL);
    free(json);
    analyze_findings_release(&g);
    CHECK(analyze_findings_parse("[{\"code\": \"IST9999\"}]", &g, &err) < 0);
    CHECK(err && strstr(err, "IST9999"));
    free(err);
    err = NULL;
    CHECK(analyze_findings_parse("{}", &g, &err) < 0);
    free(err);
    analyze_findings_release(&g);
    analyze_findings_release(&f);
}
