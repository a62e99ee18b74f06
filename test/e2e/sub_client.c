/* sub_client.c - a real ADS client that takes all four types, for
 * test/e2e/proxy_config.sh and the browser suite.
 *
 *   sub_client HOST:PORT NODE_ID [ROUTE_NAMES]
 *
 * One state-of-the-world stream as NODE_ID: every Cluster and Listener, the
 * route configurations ROUTE_NAMES (space separated, default "80 443"), and
 * the endpoints of every cluster it was sent. Each response is ACKed and
 * printed as "TYPE N VERSION". SUB_CLIENT_NACK=TEXT: Listener responses are
 * NACKed with TEXT instead. Exits when the stream ends or after 300 s. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ads_client.h"

static const char *node;

static void request(struct ads *a, enum xds_type t, const char *version, const char *nonce,
                    const char *names, const char *error)
{
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(t), node, version, nonce, names, error, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: sub_client HOST:PORT NODE_ID [ROUTE_NAMES]\n");
        return 2;
    }
    grpc_init();
    snprintf(S.target, sizeof(S.target), "%s", argv[1]);
    node = argv[2];
    const char *routes = argc == 4 ? argv[3] : "80 443";
    const char *nack = getenv("SUB_CLIENT_NACK");
    struct ads *a = ads_open(0);
    request(a, CDS, "", "", "", NULL);
    request(a, LDS, "", "", "", NULL);
    request(a, RDS, "", "", routes, NULL);
    struct resp *r = xcalloc(1, sizeof(*r));
    char eds_names[4096] = "";
    char eds_version[64] = "", eds_nonce[64] = "";
    int64_t until = now_ms() + 300000;
    while (now_ms() < until) {
        int rc = ads_recv(a, 500, r);
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        printf("%s %d %s\n", r->type, r->n, r->version);
        fflush(stdout);
        if (strcmp(r->type, "lds") == 0) {
            request(a, LDS, nack ? "" : r->version, r->nonce, "", nack);
        } else if (strcmp(r->type, "rds") == 0) {
            request(a, RDS, r->version, r->nonce, routes, NULL);
        } else if (strcmp(r->type, "eds") == 0) {
            snprintf(eds_version, sizeof(eds_version), "%s", r->version);
            snprintf(eds_nonce, sizeof(eds_nonce), "%s", r->nonce);
            request(a, EDS, eds_version, eds_nonce, eds_names, NULL);
        } else {
            request(a, CDS, r->version, r->nonce, "", NULL);
            /* the endpoints of every cluster, as Envoy asks after CDS */
            if (strcmp(eds_names, r->names) != 0) {
                snprintf(eds_names, sizeof(eds_names), "%s", r->names);
                request(a, EDS, eds_version, eds_nonce, eds_names, NULL);
            }
        }
    }
    printf("ended %d\n", (int)ads_status(a, 5000));
    fflush(stdout);
    free(r);
    _exit(0);
}
