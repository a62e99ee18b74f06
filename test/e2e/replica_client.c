/* replica_client.c - a real ADS client for test/etcd/run: what two xdsd
 * replicas on one etcd prefix send, and what a proxy moved from one to the
 * other is sent again.
 *
 *   replica_client dump HOST:PORT OUT RDS_NAMES
 *       state of the world as the sidecar "sidecar~10.0.0.1~e2e.default~...":
 *       Clusters, their endpoints, Listeners and the routes RDS_NAMES (space
 *       separated), each ACKed; every response is written to OUT with its
 *       nonce blanked (a per-stream token), and "TYPE VERSION N" printed
 *   replica_client move HOST_A:PORT HOST_B:PORT
 *       one delta and one state-of-the-world stream to A (Clusters and
 *       Listeners), then "connected" on stdout; once A's streams end (A is
 *       killed), the same subscriptions to B: delta with A's versions as
 *       initial_resource_versions, SotW with A's version_info. Prints
 *       "delta resent N removed M" (what B sent again in 2 s) and
 *       "sotw TYPE same|differs" (B's initial answer against A's last). */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ads_client.h"

/* The response in a->raw with its nonce blanked, packed again (heap). */
static uint8_t *normalized(const struct ads *a, size_t *len)
{
    uint8_t *out = NULL;
    if (a->delta) {
        Envoy__Service__Discovery__V3__DeltaDiscoveryResponse *m =
            envoy__service__discovery__v3__delta_discovery_response__unpack(NULL, a->raw_len,
                                                                            a->raw);
        m->nonce = (char *)"";
        *len = envoy__service__discovery__v3__delta_discovery_response__get_packed_size(m);
        out = xmalloc(*len + 1);
        envoy__service__discovery__v3__delta_discovery_response__pack(m, out);
        m->nonce = NULL;
        envoy__service__discovery__v3__delta_discovery_response__free_unpacked(m, NULL);
        return out;
    }
    Envoy__Service__Discovery__V3__DiscoveryResponse *m =
        envoy__service__discovery__v3__discovery_response__unpack(NULL, a->raw_len, a->raw);
    char *nonce = m->nonce;
    m->nonce = (char *)"";
    *len = envoy__service__discovery__v3__discovery_response__get_packed_size(m);
    out = xmalloc(*len + 1);
    envoy__service__discovery__v3__discovery_response__pack(m, out);
    m->nonce = nonce;
    envoy__service__discovery__v3__discovery_response__free_unpacked(m, NULL);
    return out;
}

static void target(const char *addr)
{
    snprintf(S.target, sizeof(S.target), "%s", addr);
}

/* Ask for type t (names: NULL for all) and take one answer; 1 when one came. */
static int sotw_get(struct ads *a, enum xds_type t, const char *names, FILE *out, struct resp *r)
{
    sotw_req(a, t, "", "", names ? names : "", NULL);
    if (ads_recv(a, 5000, r) != 1)
        return 0;
    size_t len;
    uint8_t *b = normalized(a, &len);
    if (out)
        fwrite(b, 1, len, out);
    free(b);
    printf("%s %s %d\n", r->type, r->version, r->n);
    sotw_req(a, t, r->version, r->nonce, names ? names : "", NULL); /* ACK */
    return 1;
}

static int dump(const char *addr, const char *path, const char *rds)
{
    target(addr);
    FILE *out = fopen(path, "wb");
    if (out == NULL)
        return 2;
    struct ads *a = ads_open(0);
    a->keep_raw = 1;
    struct resp *r = xcalloc(1, sizeof(*r));
    int ok = sotw_get(a, CDS, NULL, out, r);
    char *clusters = xstrdup(r->names);
    ok &= sotw_get(a, EDS, clusters, out, r);
    ok &= sotw_get(a, LDS, NULL, out, r);
    ok &= sotw_get(a, RDS, rds, out, r);
    free(clusters);
    free(r);
    ads_close(a);
    fclose(out);
    return ok ? 0 : 1;
}

/* What the client holds after A: per type, version and normalized bytes
 * (SotW), "name=version ..." (delta). */
struct held {
    char version[2][64];
    uint8_t *bytes[2];
    size_t len[2];
    char versions[2][4096];
};

static enum xds_type type_of(const struct resp *r)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        if (strcmp(r->type, xds_type_short((enum xds_type)t)) == 0)
            return (enum xds_type)t;
    return CDS;
}

/* Read (and ACK) until the stream ends: 0, or -1 when it did not in ms. */
static int wait_end(struct ads *a, int ms)
{
    struct resp r;
    for (int waited = 0; waited < ms; waited += 500) {
        int rc = ads_recv(a, 500, &r);
        if (rc < 0)
            return 0;
        if (rc == 1 && a->delta)
            delta_req(a, type_of(&r), r.nonce, NULL, NULL, NULL, NULL);
        else if (rc == 1)
            sotw_req(a, type_of(&r), r.version, r.nonce, "", NULL);
    }
    return -1;
}

static void on_a(struct held *h, struct ads *sotw, struct ads *delta)
{
    const enum xds_type types[2] = {CDS, LDS};
    struct resp r;
    for (int i = 0; i < 2; i++) {
        sotw_req(sotw, types[i], "", "", "", NULL);
        if (ads_recv(sotw, 5000, &r) == 1) {
            snprintf(h->version[i], sizeof(h->version[i]), "%s", r.version);
            h->bytes[i] = normalized(sotw, &h->len[i]);
            sotw_req(sotw, types[i], r.version, r.nonce, "", NULL);
        }
        delta_req(delta, types[i], "", NULL, NULL, NULL, NULL);
        if (ads_recv(delta, 5000, &r) == 1) {
            snprintf(h->versions[i], sizeof(h->versions[i]), "%s", r.versions);
            delta_req(delta, types[i], r.nonce, NULL, NULL, NULL, NULL);
        }
    }
}

static void on_b(const struct held *h, struct ads *sotw, struct ads *delta)
{
    const enum xds_type types[2] = {CDS, LDS};
    struct resp r;
    int resent = 0, removed = 0;
    for (int i = 0; i < 2; i++)
        delta_req(delta, types[i], "", NULL, NULL, h->versions[i], NULL);
    for (int rc; (rc = ads_recv(delta, 2000, &r)) == 1;) {
        resent += r.n;
        removed += r.removed[0] ? 1 : 0;
        if (r.n)
            fprintf(stderr, "  delta: %s sent again: %s\n", r.type, r.names);
        delta_req(delta, type_of(&r), r.nonce, NULL, NULL, NULL, NULL);
    }
    printf("delta resent %d removed %d\n", resent, removed);
    for (int i = 0; i < 2; i++) {
        sotw_req(sotw, types[i], h->version[i], "", "", NULL);
        int got = ads_recv(sotw, 5000, &r) == 1;
        size_t len = 0;
        uint8_t *b = got ? normalized(sotw, &len) : NULL;
        int same = got && strcmp(r.version, h->version[i]) == 0 && len == h->len[i] &&
                   memcmp(b, h->bytes[i], len) == 0;
        printf("sotw %s %s\n", xds_type_short(types[i]), same ? "same" : "differs");
        if (got)
            sotw_req(sotw, types[i], r.version, r.nonce, "", NULL);
        free(b);
    }
}

static int move(const char *a_addr, const char *b_addr)
{
    struct held h;
    memset(&h, 0, sizeof(h));
    target(a_addr);
    struct ads *sa = ads_open(0), *da = ads_open(1);
    sa->keep_raw = 1;
    on_a(&h, sa, da);
    printf("connected\n");
    fflush(stdout);
    int ended = wait_end(sa, 30000) == 0 && wait_end(da, 30000) == 0;
    ads_close(sa);
    ads_close(da);
    if (!ended) {
        fprintf(stderr, "replica_client: A's streams did not end\n");
        return 1;
    }
    target(b_addr);
    struct ads *sb = ads_open(0), *db = ads_open(1);
    sb->keep_raw = 1;
    on_b(&h, sb, db);
    ads_close(sb);
    ads_close(db);
    for (int i = 0; i < 2; i++)
        free(h.bytes[i]);
    return 0;
}

int main(int argc, char **argv)
{
    grpc_init();
    int rc = 2;
    if (argc == 5 && strcmp(argv[1], "dump") == 0)
        rc = dump(argv[2], argv[3], argv[4]);
    else if (argc == 4 && strcmp(argv[1], "move") == 0)
        rc = move(argv[2], argv[3]);
    else
        fprintf(stderr, "usage: replica_client dump HOST:PORT OUT RDS_NAMES | "
                        "move HOST_A:PORT HOST_B:PORT\n");
    grpc_shutdown();
    return rc;
}
