/* analyze_fixture.h - the guide's HTTP egress through the gateway with
 * mutual TLS (examples/http-egress-mtls), in pieces that the analyzer tests
 * replace one at a time: the whole has no finding, each replacement one. */
#ifndef XDSD_TEST_ANALYZE_FIXTURE_H
#define XDSD_TEST_ANALYZE_FIXTURE_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/analyze.h"

#define GW_SERVICE                                                                                 \
    "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n"                    \
    "  name: istio-egressgateway\n  namespace: istio-system\nspec:\n"                              \
    "  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"                              \
    "  location: MESH_INTERNAL\n  ports:\n"                                                        \
    "  - {number: 80, name: http2, protocol: HTTP2, targetPort: 8080}\n"                           \
    "  - {number: 443, name: https, protocol: HTTPS, targetPort: 8443}\n"                          \
    "  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n"                                 \
    "    labels: {istio: egressgateway, app: istio-egressgateway}\n"

#define CNN_SE                                                                                     \
    "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: cnn\n"       \
    "spec:\n  hosts: [edition.cnn.com]\n  ports:\n"                                                \
    "  - {number: 80, name: http-port, protocol: HTTP}\n"                                          \
    "  - {number: 443, name: https, protocol: HTTPS}\n  resolution: DNS\n"

/* The Gateway with its server's tls block as TLS (text under "tls:"). */
#define GATEWAY_TLS(SELECTOR, PORT, HOST, TLS)                                                     \
    "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata:\n"                         \
    "  name: istio-egressgateway\nspec:\n  selector: {" SELECTOR "}\n  servers:\n"                 \
    "  - port: {number: " PORT ", name: https, protocol: HTTPS}\n    hosts: [" HOST "]\n"          \
    "    tls: " TLS "\n"
#define MUTUAL_MESH_ROOT                                                                           \
    "{mode: MUTUAL, serverCertificate: /etc/certs/cert-chain.pem, privateKey: "                    \
    "/etc/certs/key.pem, caCertificates: /etc/certs/root-cert.pem}"
#define GATEWAY GATEWAY_TLS("istio: egressgateway", "80", "edition.cnn.com", MUTUAL_MESH_ROOT)

/* The sidecars' rule for the gateway: subset cnn, port 80, with tls TLS. */
#define DR_GATEWAY_TLS(TLS)                                                                        \
    "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n"                 \
    "  name: egressgateway-for-cnn\nspec:\n"                                                       \
    "  host: istio-egressgateway.istio-system.svc.cluster.local\n  subsets:\n  - name: cnn\n"      \
    "    trafficPolicy:\n      loadBalancer: {simple: ROUND_ROBIN}\n"                              \
    "      portLevelSettings:\n      - port: {number: 80}\n        tls: " TLS "\n"
#define DR_GATEWAY DR_GATEWAY_TLS("{mode: ISTIO_MUTUAL, sni: edition.cnn.com}")

#define VS_BOTH                                                                                    \
    "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n"                  \
    "  name: direct-cnn-through-egress-gateway\nspec:\n  hosts: [edition.cnn.com]\n"               \
    "  gateways: [istio-egressgateway, mesh]\n  http:\n"                                           \
    "  - match: [{gateways: [mesh], port: 80}]\n    route:\n"                                      \
    "    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, "  \
    "port: {number: 80}}\n"                                                                        \
    "  - match: [{gateways: [istio-egressgateway], port: 80}]\n    route:\n"                       \
    "    - destination: {host: edition.cnn.com, port: {number: 80}}\n"

/* The documents joined with "---" (a static buffer: one at a time). */
static inline const char *docs(const char *first, ...)
{
    static char buf[16384];
    buf[0] = '\0';
    va_list ap;
    va_start(ap, first);
    for (const char *d = first; d; d = va_arg(ap, const char *)) {
        if (buf[0])
            strcat(buf, "---\n");
        strcat(buf, d);
    }
    va_end(ap);
    return buf;
}

/* Every finding of yaml (loading included) under o (NULL: the defaults). */
static inline void analyze_yaml(const char *yaml, const struct analyze_options *o,
                                struct analyze_findings *f)
{
    struct analyze_options dflt;
    analyze_options_init(&dflt);
    if (o == NULL)
        o = &dflt;
    struct config_diags d;
    struct config_set *s = config_parse("t.yaml", yaml, strlen(yaml), &d);
    memset(f, 0, sizeof(*f));
    analyze_add_diags(f, o, &d);
    if (s)
        analyze_set(f, s, o);
    analyze_findings_sort(f);
    config_unref(s);
    config_diags_release(&d);
}

/* How many findings of code yaml has under o; the rest are printed when
 * other findings come along (a passing case must have none at all). */
static inline size_t count_code(const char *yaml, const struct analyze_options *o, const char *code,
                                size_t *total)
{
    struct analyze_findings f;
    analyze_yaml(yaml, o, &f);
    size_t n = analyze_findings_count(&f, code);
    if (total)
        *total = f.n;
    for (size_t i = 0; i < f.n; i++) {
        char *t = analyze_finding_text(&f.items[i]);
        fprintf(stderr, "# %s\n", t);
        free(t);
    }
    analyze_findings_release(&f);
    return n;
}

#define GUIDE_OK docs(GW_SERVICE, CNN_SE, GATEWAY, DR_GATEWAY, VS_BOTH, NULL)

#endif
