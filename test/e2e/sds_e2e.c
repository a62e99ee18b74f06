/* sds_e2e.c - Secrets over SDS from a running `xdsd serve`, with real gRPC
 * clients over mutual TLS (test/e2e/sds.sh sets it up):
 *
 *   sds_e2e TARGET TLS_DIR SECRETS_DIR ROTATED_SECRET_FILE
 *
 * TLS_DIR holds ca.pem and the client certificates: client-gw (a SPIFFE ID
 * of namespace istio-system, the gateway's) and client (namespace default).
 * The gateway's Secret "cred" lives in istio-system. Prints TAP lines and
 * "N passed, M failed". */
/* a program of its own: it uses some of the shared client only */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ads_client.h"

#include <stdio.h>

#define GW_NODE "router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local"
#define SIDECAR_NODE "sidecar~10.0.0.1~sleep.default~default.svc.cluster.local"
#define CRED "kubernetes://cred"

/* SotW request of type t as node. */
static void req(struct ads *a, const char *node, enum xds_type t, const char *version,
                const char *nonce, const char *names)
{
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(t), node, version, nonce, names, NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

struct seen {
    int count[XDS_NTYPES];
    int keys; /* private keys received */
    int n_sds; /* resources in the last SDS response */
    char sds_version[64];
};

/* Read until idle_ms pass without a response, ACKing each (SotW) with the
 * subscription of its type. */
static void drain(struct ads *a, const char *node, const char *sds_names, int idle_ms,
                  struct seen *s)
{
    memset(s, 0, sizeof(*s));
    struct resp *r = xcalloc(1, sizeof(*r));
    while (ads_recv(a, idle_ms, r) == 1) {
        int t = -1;
        for (int k = 0; k < XDS_NTYPES; k++)
            if (strcmp(r->type, xds_type_short((enum xds_type)k)) == 0)
                t = k;
        if (t < 0)
            continue;
        s->count[t]++;
        s->keys += r->keys;
        if (t == XDS_SECRET) {
            s->n_sds = r->n;
            snprintf(s->sds_version, sizeof(s->sds_version), "%s", r->version);
        }
        /* EDS and RDS are not subscribed: only CDS, LDS and SDS answered */
        if (t == XDS_CLUSTER || t == XDS_LISTENER || t == XDS_SECRET)
            req(a, node, (enum xds_type)t, r->version, r->nonce,
                t == XDS_SECRET ? sds_names : NULL);
    }
    free(r);
}

static int passed, failed, n_test;
static void result(const char *name, int before)
{
    int ok = checks_failed == before;
    printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n_test, name);
    fflush(stdout);
    ok ? passed++ : failed++;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sds_e2e TARGET TLS_DIR SECRETS_DIR ROTATED_SECRET_FILE\n");
        return 2;
    }
    snprintf(S.target, sizeof(S.target), "%s", argv[1]);
    tls_dir = argv[2];
    signal(SIGPIPE, SIG_IGN);
    grpc_init();
    struct seen s;
    int before;

    /* the gateway, over mutual TLS as its namespace: CDS, LDS and its secret */
    before = checks_failed;
    tls_client = "client-gw";
    struct ads *gw = ads_open(0);
    req(gw, GW_NODE, XDS_CLUSTER, "", "", NULL);
    req(gw, GW_NODE, XDS_LISTENER, "", "", NULL);
    req(gw, GW_NODE, XDS_SECRET, "", "", CRED);
    drain(gw, GW_NODE, CRED, 1500, &s);
    CHECK(s.count[XDS_CLUSTER] >= 1 && s.count[XDS_LISTENER] >= 1);
    CHECK_INT_EQ(s.count[XDS_SECRET], 1);
    CHECK_INT_EQ(s.n_sds, 1);
    CHECK_INT_EQ(s.keys, 1);
    char v1[64];
    snprintf(v1, sizeof(v1), "%s", s.sds_version);
    result("sds_gateway_over_mtls_gets_its_secret_with_the_key", before);

    /* a sidecar of another namespace asking for the gateway's secret */
    before = checks_failed;
    tls_client = "client";
    struct ads *sc = ads_open(0);
    req(sc, SIDECAR_NODE, XDS_SECRET, "", "", CRED);
    drain(sc, SIDECAR_NODE, CRED, 1500, &s);
    CHECK_INT_EQ(s.n_sds, 0);
    CHECK_INT_EQ(s.keys, 0);
    ads_close(sc);
    result("sds_sidecar_of_another_namespace_gets_nothing", before);

    /* a certificate of namespace default whose node claims istio-system */
    before = checks_failed;
    struct ads *liar = ads_open(0);
    req(liar, GW_NODE, XDS_SECRET, "", "", CRED);
    drain(liar, GW_NODE, CRED, 1500, &s);
    CHECK_INT_EQ(s.count[XDS_SECRET], 0);
    CHECK_INT_EQ(s.keys, 0);
    CHECK(ads_status(liar, 5000) == GRPC_STATUS_PERMISSION_DENIED);
    ads_close(liar);
    result("sds_mtls_identity_of_another_namespace_claiming_the_gateways_gets_nothing", before);

    /* the incremental protocol: the same secret by subscription */
    before = checks_failed;
    tls_client = "client-gw";
    struct ads *d = ads_open(1);
    delta_req(d, XDS_SECRET, "", CRED, NULL, NULL, NULL);
    struct resp *r = xcalloc(1, sizeof(*r));
    CHECK(expect(d, "sds", r));
    CHECK_INT_EQ(r->n, 1);
    CHECK_INT_EQ(r->keys, 1);
    CHECK(strstr(r->names, CRED) != NULL);
    free(r);
    ads_close(d);
    result("sds_delta_subscription_gets_the_secret", before);

    /* rotation: the file replaced, only the Secret is pushed */
    before = checks_failed;
    char *to = xasprintf("%s/cred.yaml", argv[3]);
    CHECK(rename(argv[4], to) == 0);
    free(to);
    drain(gw, GW_NODE, CRED, 2500, &s);
    CHECK_INT_EQ(s.count[XDS_SECRET], 1);
    CHECK_INT_EQ(s.n_sds, 1);
    CHECK(strcmp(s.sds_version, v1) != 0);
    CHECK_INT_EQ(s.count[XDS_CLUSTER], 0);
    CHECK_INT_EQ(s.count[XDS_LISTENER], 0);
    result("sds_rotation_pushes_only_the_secret", before);
    ads_close(gw);

    grpc_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
