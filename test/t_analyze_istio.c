/* t_analyze_istio.c - Istio's codes of `xdsd analyze`: for each, the
 * guide's configuration with one thing changed has the finding, and the
 * configuration as the guide writes it (or fixed) has none. */
#include <stdio.h>

#include "analyze_fixture.h"
#include "unit.h"
#include "xdsd/config.h"

/* n findings of code in yaml, none other. */
#define ONLY(yaml, o, code, n)                                                                     \
    do {                                                                                           \
        size_t total_, got_ = count_code((yaml), (o), (code), &total_);                            \
        CHECK_INT(got_, (n));                                                                      \
        CHECK_INT(total_, (n));                                                                    \
    } while (0)

/* n findings of code in yaml, maybe others. */
#define HAS(yaml, o, code, n)                                                                      \
    do {                                                                                           \
        size_t got_ = count_code((yaml), (o), (code), NULL);                                       \
        CHECK_INT(got_, (n));                                                                      \
    } while (0)

TEST(analyze_guide_has_no_finding)
{
    ONLY(GUIDE_OK, NULL, "IST0101", 0);
}

TEST(analyze_ist0101_gateway_host_subset)
{
    /* a Gateway that does not exist: the set does not load, the error has the code */
    static const char vs_gw[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egresgateway]\n"
        "  http:\n  - route:\n    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    HAS(docs(GW_SERVICE, CNN_SE, GATEWAY, vs_gw, NULL), NULL, "IST0101", 1);
    static const char vs_subset[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, "
        "subset: cnnn, port: {number: 80}}\n";
    HAS(docs(GW_SERVICE, CNN_SE, DR_GATEWAY, vs_subset, NULL), NULL, "IST0101", 1);
    static const char vs_host[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: edition.cnn.co, port: {number: 80}}\n";
    HAS(docs(CNN_SE, vs_host, NULL), NULL, "IST0101", 1);
    static const char vs_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    ONLY(docs(CNN_SE, vs_ok, NULL), NULL, "IST0101", 0);
}

TEST(analyze_ist0101_text_and_level)
{
    static const char vs_gw[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egresgateway]\n"
        "  http:\n  - route:\n    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    struct analyze_findings f;
    analyze_yaml(docs(CNN_SE, vs_gw, NULL), NULL, &f);
    CHECK_INT(f.n, 1);
    if (f.n == 1) {
        char *t = analyze_finding_text(&f.items[0]);
        CHECK_STR(t, "Error [IST0101] (VirtualService default/v t.yaml:18:14) Gateway "
                     "default/istio-egresgateway not found (referenced as 'istio-egresgateway')");
        free(t);
        CHECK(f.items[0].level == ANALYZE_ERROR);
    }
    analyze_findings_release(&f);
}

TEST(analyze_ist0109_two_mesh_services_one_host)
{
    static const char vs_a[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: a\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    static const char vs_b[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: b\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: edition.cnn.com, port: {number: 443}}\n";
    ONLY(docs(CNN_SE, vs_a, vs_b, NULL), NULL, "IST0109", 1);
    ONLY(docs(CNN_SE, vs_a, NULL), NULL, "IST0109", 0);
}

TEST(analyze_ist0112_port_required)
{
    static const char vs[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  http:\n  - route:\n"
        "    - destination: {host: edition.cnn.com}\n";
    ONLY(docs(CNN_SE, vs, NULL), NULL, "IST0112", 1);
    static const char one_port[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: cnn\n"
        "spec:\n  hosts: [edition.cnn.com]\n  ports:\n"
        "  - {number: 80, name: http-port, protocol: HTTP}\n  resolution: DNS\n";
    ONLY(docs(one_port, vs, NULL), NULL, "IST0112", 0);
}

static const char dr_cnn_top_no_ca[] =
    "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
    "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
    "    tls: {mode: SIMPLE}\n";
static const char dr_cnn_top_ca[] =
    "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
    "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
    "    tls: {mode: SIMPLE, caCertificates: /etc/ssl/certs/ca-certificates.crt}\n";
static const char dr_cnn_port_no_ca[] =
    "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
    "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
    "    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: SIMPLE}\n";
static const char dr_cnn_port_ca[] =
    "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
    "  name: originate\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
    "    portLevelSettings:\n    - port: {number: 443}\n"
    "      tls: {mode: SIMPLE, caCertificates: /etc/ssl/certs/ca-certificates.crt}\n";

TEST(analyze_ist0128_destination_level_no_ca)
{
    ONLY(docs(CNN_SE, dr_cnn_top_no_ca, NULL), NULL, "IST0128", 1);
    ONLY(docs(CNN_SE, dr_cnn_top_ca, NULL), NULL, "IST0128", 0);
}

TEST(analyze_ist0129_port_level_no_ca)
{
    ONLY(docs(CNN_SE, dr_cnn_port_no_ca, NULL), NULL, "IST0129", 1);
    ONLY(docs(CNN_SE, dr_cnn_port_ca, NULL), NULL, "IST0129", 0);
    /* at the port-level entry, an error as Istio has it */
    struct analyze_findings f;
    analyze_yaml(docs(CNN_SE, dr_cnn_port_no_ca, NULL), NULL, &f);
    CHECK(f.n == 1 && f.items[0].level == ANALYZE_ERROR && f.items[0].line == 20);
    analyze_findings_release(&f);
}

TEST(analyze_ist0132_host_not_in_gateway)
{
    static const char vs[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [www.cnn.com]\n  gateways: [istio-egressgateway]\n"
        "  http:\n  - route:\n    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, vs, NULL), NULL, "IST0132", 1);
    static const char vs_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"
        "  name: v\nspec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway]\n"
        "  http:\n  - route:\n    - destination: {host: edition.cnn.com, port: {number: 80}}\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, vs_ok, NULL), NULL, "IST0132", 0);
}

TEST(analyze_ist0134_tcp_needs_addresses)
{
    static const char se[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: db\n"
        "spec:\n  hosts: [db.example.com]\n  ports:\n"
        "  - {number: 5432, name: tcp, protocol: TCP}\n  resolution: DNS\n";
    ONLY(se, NULL, "IST0134", 1);
    static const char se_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: db\n"
        "spec:\n  hosts: [db.example.com]\n  addresses: [10.1.2.3]\n  ports:\n"
        "  - {number: 5432, name: tcp, protocol: TCP}\n  resolution: DNS\n";
    ONLY(se_ok, NULL, "IST0134", 0);
}

TEST(analyze_ist0145_conflicting_gateways)
{
    static const char other[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata:\n"
        "  name: zz-other\nspec:\n  selector: {istio: egressgateway}\n  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [\"*.cnn.com\"]\n";
    HAS(docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, VS_BOTH, other, NULL), NULL, "IST0145", 1);
    static const char apart[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata:\n"
        "  name: zz-other\nspec:\n  selector: {istio: egressgateway}\n  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [www.example.com]\n";
    ONLY(docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, VS_BOTH, apart, NULL), NULL, "IST0145", 0);
}

TEST(analyze_ist0162_port_not_on_service)
{
    const char *gw =
        GATEWAY_TLS("istio: egressgateway", "9443", "edition.cnn.com", MUTUAL_MESH_ROOT);
    HAS(docs(GW_SERVICE, CNN_SE, gw, NULL), NULL, "IST0162", 1);
    /* a target port is a port of the service too */
    gw = GATEWAY_TLS("istio: egressgateway", "8443", "edition.cnn.com", MUTUAL_MESH_ROOT);
    ONLY(docs(GW_SERVICE, CNN_SE, gw, NULL), NULL, "IST0162", 0);
}

TEST(analyze_ist0173_subset_selects_nothing)
{
    static const char se[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: api\n"
        "spec:\n  hosts: [api.internal]\n  location: MESH_INTERNAL\n  ports:\n"
        "  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n"
        "  - {address: 10.0.0.1, labels: {version: v1}}\n";
    static const char dr_bad[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: api\nspec:\n  host: api.internal\n  subsets:\n"
        "  - {name: v2, labels: {version: v2}}\n";
    static const char dr_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: api\nspec:\n  host: api.internal\n  subsets:\n"
        "  - {name: v1, labels: {version: v1}}\n";
    ONLY(docs(se, dr_bad, NULL), NULL, "IST0173", 1);
    ONLY(docs(se, dr_ok, NULL), NULL, "IST0173", 0);
}

TEST(analyze_ist0174_rule_for_unknown_host)
{
    static const char dr[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: x\nspec:\n  host: www.nowhere.example\n  trafficPolicy:\n"
        "    loadBalancer: {simple: ROUND_ROBIN}\n";
    ONLY(docs(CNN_SE, dr, NULL), NULL, "IST0174", 1);
    static const char dr_ok[] =
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"
        "  name: x\nspec:\n  host: edition.cnn.com\n  trafficPolicy:\n"
        "    loadBalancer: {simple: ROUND_ROBIN}\n";
    ONLY(docs(CNN_SE, dr_ok, NULL), NULL, "IST0174", 0);
}

TEST(analyze_xds0001_invalid_configuration)
{
    static const char bad[] =
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\n"
        "spec:\n  hosts: [x.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: NOPE\n";
    HAS(bad, NULL, "XDS0001", 1);
    ONLY(CNN_SE, NULL, "XDS0001", 0);
}

TEST(analyze_registry_codes_are_sorted_and_found)
{
    size_t n;
    const struct analyze_code *c = analyze_codes(&n);
    CHECK(n >= 19);
    for (size_t i = 1; i < n; i++)
        CHECK(strcmp(c[i - 1].code, c[i].code) < 0);
    CHECK(analyze_code_find("IST0128") != NULL);
    CHECK(analyze_code_find("IST9999") == NULL);
    enum analyze_level l;
    CHECK(analyze_level_parse("warning", &l) == 0 && l == ANALYZE_WARNING);
    CHECK(analyze_level_parse("fatal", &l) < 0);
}
