/* fault_client.c - a real ADS client for test/e2e/faults.sh.
 *
 *   fault_client HOST:PORT NSTREAMS [NODE_ID]
 *
 * Opens NSTREAMS state-of-the-world streams as NODE_ID (by default the
 * sidecar "sidecar~10.0.0.1~e2e.default~default.svc.cluster.local"), each
 * subscribing to every Cluster and Listener. Stream 0 reads and ACKs: each
 * response is printed as "TYPE N VERSION" on stdout. The other streams never read, so pushes to
 * them stay in flight (slow readers). When stream 0 ends, "ended STATUS" is printed and the client
 * exits 0; it also exits after 120 seconds.
 *
 * FAULT_CLIENT_NACK=TEXT: stream 0 answers each Listener response with a NACK
 * whose message is TEXT (may span lines) instead of an ACK.
 * ADS_CLIENT_LABELS="k=v k=v": the node's metadata LABELS (a gateway proxy that a
 * Gateway's selector matches).
 * FAULT_CLIENT_DELTA=1: the streams are incremental (delta) ADS, as the
 * gateway "router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local". */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ads_client.h"

static const char *node = "sidecar~10.0.0.1~e2e.default~default.svc.cluster.local";

static void request(struct ads *a, enum xds_type t, const char *version, const char *nonce,
                    const char *error)
{
    if (a->delta) {
        delta_req(a, t, nonce, NULL, NULL, NULL, error);
        return;
    }
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(t), node, version, nonce, "", error, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

static void run(int nstreams)
{
    struct ads **a = xcalloc((size_t)nstreams, sizeof(*a));
    const char *nack = getenv("FAULT_CLIENT_NACK");
    const char *delta = getenv("FAULT_CLIENT_DELTA");
    for (int i = 0; i < nstreams; i++) {
        a[i] = ads_open(delta != NULL && strcmp(delta, "1") == 0);
        request(a[i], CDS, "", "", NULL);
        request(a[i], LDS, "", "", NULL);
    }
    struct resp *r = xcalloc(1, sizeof(*r));
    int64_t until = now_ms() + 120000;
    while (now_ms() < until) {
        int rc = ads_recv(a[0], 500, r);
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        printf("%s %d %s\n", r->type, r->n, r->version);
        fflush(stdout);
        int lds = strcmp(r->type, "lds") == 0;
        request(a[0], lds ? LDS : CDS, r->version, r->nonce, lds ? nack : NULL);
    }
    printf("ended %d\n", (int)ads_status(a[0], 5000));
    fflush(stdout);
    free(r);
    /* the process ends here: no need to wait for every stream's teardown */
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: fault_client HOST:PORT NSTREAMS [NODE_ID]\n");
        return 2;
    }
    grpc_init();
    snprintf(S.target, sizeof(S.target), "%s", argv[1]);
    int n = atoi(argv[2]);
    if (argc == 4)
        node = argv[3];
    run(n > 0 ? n : 1);
    _exit(0);
}
