/* t_fuzz_regress.c - what the fuzz drivers (test/fuzz/) found, reduced to unit tests.
 *
 * Each test names the driver and the artifact under test/fuzz/findings/ it
 * reproduces. */
#include <stdlib.h>
#include <string.h>

#include "../src/xds/core.h"
#include "unit.h"
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

static struct xds_view *view_of(const char *spec)
{
    struct xds_view *v = xds_view_new();
    char *copy = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int t = tok[0] == 'c' ? XDS_CLUSTER : XDS_ENDPOINT;
        char *eq = strchr(tok, '=');
        *eq = '\0';
        xds_view_add(v, (enum xds_type)t, tok + 2, (uint8_t *)xstrdup(eq + 1), strlen(eq + 1));
    }
    free(copy);
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

/* A delta request: sub is one name or NULL, nonce "" or a nonce, nack 0/1. */
static void dreq(struct xds_core *d, enum xds_type t, const char *nonce, const char *sub, int nack)
{
    char *names[1] = {(char *)sub};
    struct xds_request r = {.type_url = xds_type_url(t),
                            .nonce = nonce,
                            .version_info = "",
                            .has_error = nack,
                            .error_message = nack ? "rejected" : "",
                            .subscribe = names,
                            .n_subscribe = sub ? 1 : 0};
    struct xds_req_result res;
    char *err = NULL;
    CHECK(xds_core_request(d, &r, 0, &res, &err) == 0);
    free(err);
}

/* The next response as "TYPE name... | removed...", its nonce in nonce_out. */
static char last_nonce[XDS_NONCE_MAX];
static char outbuf[512];

static const char *dnext(struct xds_core *d, const struct xds_view *v)
{
    struct xds_out o;
    outbuf[0] = '\0';
    if (!xds_core_next(d, v, 1, &o))
        return outbuf;
    size_t len = (size_t)snprintf(outbuf, sizeof(outbuf), "%s", xds_type_short(o.type));
    for (size_t i = 0; i < o.n_res; i++)
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.res[i]->name);
    len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " |");
    for (size_t i = 0; i < o.n_removed; i++)
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.removed[i]);
    memcpy(last_nonce, o.nonce, sizeof(last_nonce));
    xds_out_release(&o);
    return outbuf;
}

/* xds-crash (delta, A5 with O3): the EDS reply that follows a CDS push resent
 * endpoints the client had NACKed, whether the NACK came before the push... */
TEST(fuzz_xds_delta_nacked_eds_not_resent_after_cds)
{
    struct xds_view *v = view_of("c:a=1 e:a=1"), *w = view_of("c:a=2 e:a=1");
    struct xds_core *d = xds_core_new(1, 1);
    dreq(d, XDS_CLUSTER, "", "*", 0);
    dreq(d, XDS_ENDPOINT, "", "a", 0);
    CHECK_STR(dnext(d, v), "cds a |");
    CHECK_STR(dnext(d, v), "eds a |");
    dreq(d, XDS_ENDPOINT, last_nonce, NULL, 1); /* the endpoints are rejected */
    xds_core_view_changed(d);
    CHECK_STR(dnext(d, w), "cds a |"); /* the cluster changed, its endpoints did not */
    CHECK_STR(dnext(d, w), "");
    xds_core_free(d);

    /* ...or after it, before the EDS reply went out */
    d = xds_core_new(1, 2);
    dreq(d, XDS_CLUSTER, "", "*", 0);
    dreq(d, XDS_ENDPOINT, "", "a", 0);
    CHECK_STR(dnext(d, v), "cds a |");
    CHECK_STR(dnext(d, v), "eds a |");
    char eds_nonce[XDS_NONCE_MAX];
    memcpy(eds_nonce, last_nonce, sizeof(eds_nonce));
    xds_core_view_changed(d);
    struct xds_out o;
    CHECK(xds_core_next(d, w, 1, &o) == 1 && o.type == XDS_CLUSTER);
    xds_out_release(&o);
    dreq(d, XDS_ENDPOINT, eds_nonce, NULL, 1);
    CHECK_STR(dnext(d, w), "");
    /* endpoints not rejected are still resent after a CDS push (O3) */
    struct xds_view *x = view_of("c:a=3 e:a=2"), *y = view_of("c:a=4 e:a=2");
    xds_core_view_changed(d);
    CHECK_STR(dnext(d, x), "cds a |");
    CHECK_STR(dnext(d, x), "eds a |");
    xds_core_view_changed(d);
    CHECK_STR(dnext(d, y), "cds a |");
    CHECK_STR(dnext(d, y), "eds a |");
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
    struct xds_view *v = view_of("c:x=1 c:y=1 e:x=1 e:y=1");
    struct xds_view *w = view_of("c:x=2 c:y=2 e:x=1 e:y=1"), *z = view_of("c:a=1 e:a=1");
    struct xds_core *d = xds_core_new(1, 1);
    dreq(d, XDS_CLUSTER, "", NULL, 0);  /* legacy wildcard */
    dreq(d, XDS_ENDPOINT, "", NULL, 0); /* legacy wildcard */
    CHECK_STR(dnext(d, v), "cds x y |");
    CHECK_STR(dnext(d, v), "eds x y |");
    xds_core_view_changed(d);
    CHECK_STR(dnext(d, w), "cds x y |");
    /* before EDS goes out, the configuration changes again */
    xds_core_view_changed(d);
    CHECK_STR(dnext(d, z), "cds a | x y");
    CHECK_STR(dnext(d, z), "eds a | x y");
    CHECK_STR(dnext(d, z), "");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
    xds_view_free(z);
}
