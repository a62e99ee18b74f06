/* t_fuzz_regress.c - what the fuzz drivers (test/fuzz/) found, reduced to unit tests.
 *
 * Each test names the driver and the artifact under test/fuzz/findings/ it
 * reproduces. */
#include <stdlib.h>
#include <string.h>

#include "../src/xds/core.h"
#include "unit.h"
#include "xds_core_fixture.h"
#include "xdsd/config.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

/* ---- fuzz_translate ------------------------------------------------------------- */

/* translate-crash-e7a02d38...: a Gateway with two HTTPS servers on one port
 * and the same hosts. Istio keeps the first server's chain and skips the
 * second; the skipped chain's reference to its RDS stayed behind, so the
 * consistency check failed the whole gateway view. */
TEST(fuzz_translate_duplicate_https_server_sni)
{
    static const char yaml[] =
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: Gateway\n"
        "metadata: {name: istio-egressgateway, namespace: ns1}\n"
        "spec:\n"
        "  servers:\n"
        "  - port: {number: 443, name: s0-x, protocol: HTTPS}\n"
        "    hosts: [\"ns1/*\"]\n"
        "    tls: {mode: SIMPLE, serverCertificate: /etc/certs/cert-chain.pem,\n"
        "          privateKey: /etc/certs/key.pem}\n"
        "  - port: {number: 443, name: s1-x, protocol: HTTPS}\n"
        "    hosts: [\"ns1/*\"]\n"
        "    tls: {mode: SIMPLE, serverCertificate: /etc/certs/cert-chain.pem,\n"
        "          privateKey: /etc/certs/key.pem}\n";
    struct config_diags d;
    struct config_set *cfg = config_parse("dup.yaml", yaml, strlen(yaml), &d);
    CHECK(cfg != NULL);
    config_diags_release(&d);
    if (cfg == NULL)
        return;
    struct snapshot *s = translate_snapshot(cfg, 1, NULL);
    config_unref(cfg);
    struct config_kv label = {"istio", "egressgateway"};
    struct proxy_identity id;
    proxy_identity_init(&id, "router~127.0.0.1~egw-1.ns1~ns1.svc.cluster.local", NULL, NULL, &label,
                        1, NULL);
    char *err = NULL;
    const struct xds_view *v = snapshot_view(s, &id, NULL, &err);
    CHECK(v != NULL);
    CHECK(err == NULL);
    free(err);
    if (v != NULL) {
        /* the first server's chain and route configuration, not the second's */
        CHECK(xds_view_find(v, XDS_LISTENER, "0.0.0.0_443") != NULL);
        CHECK(xds_view_find(v, XDS_ROUTE, "https.443.s0-x.istio-egressgateway.ns1") != NULL);
        CHECK(xds_view_find(v, XDS_ROUTE, "https.443.s1-x.istio-egressgateway.ns1") == NULL);
    }
    proxy_identity_release(&id);
    snapshot_unref(s);
}

/* ---- fuzz_xds ------------------------------------------------------------------- */

/* A delta request: sub is one name or NULL, ack_nonce "" or a nonce, nack 0/1
 * (the fixture's delta() and next() do the rest). */
static void dreq(struct xds_core *d, enum xds_type t, const char *ack_nonce, const char *sub, int nack)
{
    CHECK(delta(d, t, ack_nonce, sub, NULL, NULL, nack ? "rejected" : NULL) == 0);
}

/* xds-crash (delta, A5 with O3): the EDS reply that follows a CDS push resent
 * endpoints the client had NACKed, whether the NACK came before the push... */
TEST(fuzz_xds_delta_nacked_eds_not_resent_after_cds)
{
    struct xds_view *v = mkview("c:a=1 e:a=1"), *w = mkview("c:a=2 e:a=1");
    struct xds_core *d = xds_core_new(1, 1);
    dreq(d, XDS_CLUSTER, "", "*", 0);
    dreq(d, XDS_ENDPOINT, "", "a", 0);
    CHECK_STR(next(d, v), "cds a |");
    CHECK_STR(next(d, v), "eds a |");
    dreq(d, XDS_ENDPOINT, nonce, NULL, 1); /* the endpoints are rejected */
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds a |"); /* the cluster changed, its endpoints did not */
    CHECK_STR(next(d, w), "");
    xds_core_free(d);

    /* ...or after it, before the EDS reply went out */
    d = xds_core_new(1, 2);
    dreq(d, XDS_CLUSTER, "", "*", 0);
    dreq(d, XDS_ENDPOINT, "", "a", 0);
    CHECK_STR(next(d, v), "cds a |");
    CHECK_STR(next(d, v), "eds a |");
    char eds_nonce[XDS_NONCE_MAX];
    memcpy(eds_nonce, nonce, sizeof(eds_nonce));
    xds_core_view_changed(d);
    struct xds_out o;
    CHECK(xds_core_next(d, w, 1, &o) == 1 && o.type == XDS_CLUSTER);
    xds_out_release(&o);
    dreq(d, XDS_ENDPOINT, eds_nonce, NULL, 1);
    CHECK_STR(next(d, w), "");
    /* endpoints not rejected are still resent after a CDS push (O3) */
    struct xds_view *x = mkview("c:a=3 e:a=2"), *y = mkview("c:a=4 e:a=2");
    xds_core_view_changed(d);
    CHECK_STR(next(d, x), "cds a |");
    CHECK_STR(next(d, x), "eds a |");
    xds_core_view_changed(d);
    CHECK_STR(next(d, y), "cds a |");
    CHECK_STR(next(d, y), "eds a |");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
    xds_view_free(x);
    xds_view_free(y);
}

/* xds-crash (delta, D9 with O3): a CDS push made the EDS entries of its
 * clusters "not held" so they would be resent; when the next view dropped
 * them before EDS was sent, a wildcard EDS client was never told they were
 * removed and kept stale endpoints. */
TEST(fuzz_xds_delta_wildcard_eds_removal_after_cds_push)
{
    struct xds_view *v = mkview("c:x=1 c:y=1 e:x=1 e:y=1");
    struct xds_view *w = mkview("c:x=2 c:y=2 e:x=1 e:y=1"), *z = mkview("c:a=1 e:a=1");
    struct xds_core *d = xds_core_new(1, 1);
    dreq(d, XDS_CLUSTER, "", NULL, 0);  /* legacy wildcard */
    dreq(d, XDS_ENDPOINT, "", NULL, 0); /* legacy wildcard */
    CHECK_STR(next(d, v), "cds x y |");
    CHECK_STR(next(d, v), "eds x y |");
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds x y |");
    /* before EDS goes out, the configuration changes again */
    xds_core_view_changed(d);
    CHECK_STR(next(d, z), "cds a | x y");
    CHECK_STR(next(d, z), "eds a | x y");
    CHECK_STR(next(d, z), "");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
    xds_view_free(z);
}
