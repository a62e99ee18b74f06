/* xds_e2e.c - end-to-end tests of the ADS server: a client on gRPC C core's
 * client API speaks raw ADS (SotW and delta) to xds_testserver on 127.0.0.1.
 *
 *   xds_e2e SERVER_BINARY [--only NAME,...]
 *
 * The server is started here on a free port and driven through its stdin
 * (see xds_testserver.c). Prints "ok N - name" per test, then "N passed, M failed". */
#include "ads_client.h"
#include "ads_mass.h"
#include "xdsd/httpget.h"

#include <grpc/support/alloc.h>

/* ---- protocol tests against the server --------------------------------------------- */

/* The base configuration every test starts from. */
static void base_config(void)
{
    server_cmd("set c c0 v1");
    server_cmd("set c c1 v1");
    server_cmd("set e c0 v1");
    server_cmd("set e c1 v1");
    server_cmd("set l l0 v1");
    server_cmd("set r r0 v1");
    publish();
}

static void e2e_P1_unknown_method_unimplemented(void)
{
    struct ads *a = ads_open_method("/envoy.service.discovery.v3.Nope/Stream", 0);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_UNIMPLEMENTED);
    ads_close(a);
}

static void e2e_P3_missing_type_url_invalid_argument(void)
{
    struct ads *a = ads_open(0);
    size_t len;
    uint8_t *b = pack_sotw(NULL, "sidecar~1.1.1.1~a.default~default.svc.cluster.local", "", "",
                           NULL, NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_INVALID_ARGUMENT);
    ads_close(a);
}

static void e2e_P4_node_only_on_first_request(void)
{
    /* a first request without a node is refused */
    struct ads *a = ads_open(0);
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(CDS), NULL, "", "", NULL, NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_INVALID_ARGUMENT);
    ads_close(a);
    /* later requests may omit it */
    a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    expect(a, "cds", &r);
    b = pack_sotw(xds_type_url(EDS), NULL, "", "", "c0", NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0");
    ads_close(a);
}

static void e2e_A1_sotw_wildcard_then_ack_gets_nothing(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strlen(r.version) == 16);
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    }
    silence(a, 1000);
    ads_close(a);
}

static void e2e_A5_nack_then_3s_silence(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    struct server_status before, after;
    server_status(&before);
    sotw_req(a, LDS, "", "", NULL, NULL);
    if (expect(a, "lds", &r))
        sotw_req(a, LDS, "", r.nonce, NULL, "listener l0: invalid filter");
    /* a reload that changes nothing must not resend the rejected version either */
    publish();
    silence(a, 3000);
    server_status(&after);
    CHECK(after.rejects == before.rejects + 1);
    CHECK(after.nacked >= 1);
    /* a new version is sent */
    server_cmd("set l l0 v2");
    publish();
    if (expect(a, "lds", &r))
        CHECK_STR(r.names, "l0");
    server_cmd("set l l0 v1");
    publish();
    ads_close(a);
}

/* Subscribe to all four types and ACK everything; returns the stream. */
static struct ads *subscribed_sotw(char ver[4][64], char nonce[4][64])
{
    struct ads *a = ads_open(0);
    struct resp r;
    static const char *names[4] = {NULL, "c0 c1", NULL, "r0"};
    static const char *shorts[4] = {"cds", "eds", "lds", "rds"};
    for (int t = 0; t < 4; t++) {
        sotw_req(a, (enum xds_type)t, "", "", names[t], NULL);
        if (expect(a, shorts[t], &r)) {
            snprintf(ver[t], 64, "%s", r.version);
            snprintf(nonce[t], 64, "%s", r.nonce);
            sotw_req(a, (enum xds_type)t, r.version, r.nonce, names[t], NULL);
        }
    }
    return a;
}

static void ack(struct ads *a, const struct resp *r)
{
    static const char *names[4] = {NULL, "c0 c1", NULL, "r0"};
    int t = strcmp(r->type, "cds") == 0   ? 0
            : strcmp(r->type, "eds") == 0 ? 1
            : strcmp(r->type, "lds") == 0 ? 2
                                          : 3;
    sotw_req(a, (enum xds_type)t, r->version, r->nonce, names[t], NULL);
}

static void e2e_P7_one_push_per_affected_type(void)
{
    char ver[4][64], nonce[4][64];
    struct ads *a = subscribed_sotw(ver, nonce);
    struct resp r;
    silence(a, 500);
    /* an endpoint change: one EDS response, nothing else */
    server_cmd("set e c1 v2");
    publish();
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strcmp(r.version, ver[1]) != 0);
        ack(a, &r);
    }
    silence(a, 1000);
    /* a route change: one RDS response */
    server_cmd("set r r0 v2");
    publish();
    if (expect(a, "rds", &r)) {
        CHECK_STR(r.names, "r0");
        ack(a, &r);
    }
    silence(a, 1000);
    /* a route not asked for: nothing */
    server_cmd("set r r-other v1");
    publish();
    silence(a, 1000);
    server_cmd("del r r-other");
    server_cmd("set e c1 v1");
    server_cmd("set r r0 v1");
    publish();
    ads_close(a);
}

static void e2e_O3_cds_push_followed_by_eds(void)
{
    char ver[4][64], nonce[4][64];
    struct ads *a = subscribed_sotw(ver, nonce);
    struct resp r;
    /* clusters change, endpoints do not: CDS, then EDS (kuma#331), then nothing */
    server_cmd("set c c0 v2");
    server_cmd("set l l0 v2");
    publish();
    if (expect(a, "cds", &r))
        ack(a, &r);
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK_STR(r.version, ver[1]);
        ack(a, &r);
    }
    if (expect(a, "lds", &r)) /* O1: listeners after clusters and endpoints */
        ack(a, &r);
    silence(a, 1000);
    server_cmd("set c c0 v1");
    server_cmd("set l l0 v1");
    publish();
    ads_close(a);
}

static void e2e_A4_S4_names_added_and_missing(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, EDS, "", "", "c0", NULL);
    if (!expect(a, "eds", &r))
        goto out;
    CHECK_STR(r.names, "c0");
    /* same version, one more name that does not exist: nothing to send */
    sotw_req(a, EDS, r.version, r.nonce, "c0 c9", NULL);
    silence(a, 500);
    /* another that exists: answered at once */
    sotw_req(a, EDS, r.version, r.nonce, "c0 c1 c9", NULL);
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        sotw_req(a, EDS, r.version, r.nonce, "c0 c1 c9", NULL);
    }
    /* c9 appears: pushed */
    server_cmd("set e c9 v1");
    publish();
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0 c1 c9");
    server_cmd("del e c9");
    publish();
out:
    ads_close(a);
}

static void e2e_R1_empty_cds_after_last_cluster_deleted(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    if (expect(a, "cds", &r))
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    server_cmd("del c c0");
    server_cmd("del c c1");
    publish();
    if (expect(a, "cds", &r)) {
        CHECK_INT_EQ(r.n, 0);
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    }
    server_cmd("set c c0 v1");
    server_cmd("set c c1 v1");
    publish();
    if (expect(a, "cds", &r))
        CHECK_STR(r.names, "c0 c1");
    ads_close(a);
}

static void e2e_D1_D8_D9_delta_versions_missing_and_removed(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strstr(r.versions, "c0=") != NULL);
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    delta_req(a, RDS, "", "r0 r-missing", NULL, NULL, NULL);
    if (expect(a, "rds", &r)) {
        CHECK_STR(r.names, "r0");
        CHECK_STR(r.removed, "r-missing");
        delta_req(a, RDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    server_cmd("del c c1");
    publish();
    if (expect(a, "cds", &r)) {
        CHECK_INT_EQ(r.n, 0);
        CHECK_STR(r.removed, "c1");
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    silence(a, 500);
    server_cmd("set c c1 v1");
    publish();
    if (expect(a, "cds", &r))
        CHECK_STR(r.names, "c1");
    ads_close(a);
}

static void e2e_D5_D6_delta_resubscribe_and_phantom(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    delta_req(a, EDS, "", "c0", NULL, NULL, NULL);
    if (expect(a, "eds", &r))
        delta_req(a, EDS, r.nonce, NULL, "never-subscribed", NULL, NULL);
    silence(a, 500);
    delta_req(a, EDS, "", "c0", NULL, NULL, NULL);
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0");
    ads_close(a);
}

static void e2e_D10_delta_reconnect_with_initial_versions(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    char held[4200] = "";
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r))
        snprintf(held, sizeof(held), "%s gone=0123456789abcdef", r.versions);
    ads_close(a);
    server_cmd("set c c1 v2");
    publish();
    a = ads_open(1);
    delta_req(a, CDS, "", "*", NULL, held, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c1"); /* c0 is current on the client */
        CHECK_STR(r.removed, "gone");
    }
    server_cmd("set c c1 v1");
    publish();
    ads_close(a);
}

static void e2e_D11_request_over_4_MiB_accepted(void)
{
    /* a reconnecting proxy echoes every name it holds: 60,000 names here */
    size_t cap = 60000 * 100, len = 0;
    char *initial = xmalloc(cap);
    for (int i = 0; i < 60000; i++)
        len += (size_t)snprintf(initial + len, cap - len,
                                "%soutbound|8080||service-%05d.a-rather-long-namespace.svc.cluster."
                                "local=0000000000000001",
                                i ? " " : "", i);
    struct ads *a = ads_open(1);
    struct resp r;
    size_t n;
    uint8_t *b = pack_delta(CDS, "", "*", NULL, initial, NULL, &n);
    CHECK(n > 4 * 1024 * 1024);
    ads_send_bytes(a, b, n);
    free(b);
    free(initial);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strlen(r.removed) > 0);
    }
    ads_close(a);
}

static void e2e_D12_delta_types_are_separate(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    struct server_status st;
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r))
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    delta_req(a, RDS, "", "r0", NULL, NULL, NULL);
    if (expect(a, "rds", &r))
        delta_req(a, RDS, r.nonce, NULL, NULL, NULL, "route r0 rejected");
    silence(a, 500);
    server_status(&st);
    CHECK(st.nacked >= 1);
    ads_close(a);
}

static void e2e_failed_view_keeps_last_config(void)
{
    char ver[4][64], nonce[4][64];
    struct ads *a = subscribed_sotw(ver, nonce);
    struct resp r;
    /* translation fails for this proxy's class: it keeps what it has */
    server_cmd("fail on");
    server_cmd("set c c0 broken");
    publish();
    silence(a, 1000);
    /* the next good snapshot reaches it */
    server_cmd("fail off");
    server_cmd("set c c0 fixed");
    publish();
    if (expect(a, "cds", &r))
        ack(a, &r);
    if (expect(a, "eds", &r))
        ack(a, &r);
    silence(a, 500);
    server_cmd("set c c0 v1");
    publish();
    ads_close(a);
}

static void e2e_slow_reader_closed_unavailable(void)
{
    struct server_status before, after;
    server_status(&before);
    server_cmd("send_timeout 1000");
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    expect(a, "cds", &r);
    sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    /* 32 MB of clusters that this client never reads */
    for (int i = 0; i < 64; i++)
        server_cmd("set c slow%02d v1 500000", i);
    publish();
    for (int i = 0; i < 100; i++) {
        usleep(100000);
        if (server_status(&after) == 0 && after.closed_slow > before.closed_slow)
            break;
    }
    CHECK_INT_EQ(after.closed_slow, before.closed_slow + 1);
    CHECK(ads_status(a, 10000) != GRPC_STATUS_OK);
    ads_close(a);
    server_cmd("send_timeout 30000");
    for (int i = 0; i < 64; i++)
        server_cmd("del c slow%02d", i);
    publish();
}

/* ---- many streams ------------------------------------------------------------------ */

/* Wait for the server to count `want` streams. */
static int wait_streams(long want, int timeout_ms)
{
    struct server_status st;
    for (int i = 0; i < timeout_ms / 100; i++) {
        if (server_status(&st) == 0 && st.streams == want)
            return 0;
        usleep(100000);
    }
    return -1;
}

static void e2e_mass_1000_streams_converge(void)
{
    /* E2E_STREAMS overrides the count, for benchmark figures */
    const int N = getenv("E2E_STREAMS") ? atoi(getenv("E2E_STREAMS")) : 1000;
    struct mass m;
    struct server_status st;
    CHECK(wait_streams(0, 10000) == 0);
    /* E2E_CLUSTERS adds that many clusters of 1 kB, for figures at scale */
    int extra_clusters = getenv("E2E_CLUSTERS") ? atoi(getenv("E2E_CLUSTERS")) : 0;
    for (int i = 0; i < extra_clusters; i++)
        server_cmd("set c outbound|80||service-%05d.default.svc.cluster.local v1 1000", i);
    if (extra_clusters)
        publish();
    long rss0 = server_rss_kb();
    int64_t t0 = now_ms();
    m_open_all(&m, N);
    CHECK(m_wait_synced(&m, N, 120000, &st) == 0);
    int64_t t_connect = now_ms() - t0;
    long rss1 = server_rss_kb();
    printf("# %d streams (SotW and delta): all SYNCED %.2f s after the first connect\n", N,
           (double)t_connect / 1000.0);
    printf("# server RSS: %ld kB with 0 streams, %ld kB with %d (%.1f kB per stream)\n", rss0, rss1,
           N, (double)(rss1 - rss0) / N);
    /* an edit: CDS changes, so every stream gets CDS and then EDS (O3) */
    for (int i = 0; i < N; i++)
        m.s[i].responses = 0;
    double cpu0 = server_cpu_s();
    int64_t p0 = now_ms();
    server_cmd("set c c0 mass");
    publish();
    int all = 0;
    for (int tries = 0; tries < 600 && !all; tries++) {
        m_pump(&m, 100);
        all = 1;
        for (int i = 0; i < N; i++)
            all &= m.s[i].responses >= 2;
    }
    CHECK(all);
    int64_t last = 0;
    for (int i = 0; i < N; i++)
        if (m.s[i].last_ack_ms > last)
            last = m.s[i].last_ack_ms;
    CHECK(m_wait_synced(&m, N, 30000, &st) == 0);
    printf("# publish to the last ACK of %d streams: %.3f s (server CPU %.2f s)\n", N,
           (double)(last - p0) / 1000.0, server_cpu_s() - cpu0);
    long extra = 0;
    for (int i = 0; i < N; i++)
        extra += m.s[i].responses > 2;
    CHECK_INT_EQ(extra, 0); /* exactly one push per affected type */
    m_close_all(&m);
    CHECK(wait_streams(0, 20000) == 0);
    server_cmd("set c c0 v1");
    for (int i = 0; i < extra_clusters; i++)
        server_cmd("del c outbound|80||service-%05d.default.svc.cluster.local", i);
    publish();
}

static void e2e_disconnect_mid_push_no_leak(void)
{
    enum { N = 200 };
    struct mass m;
    struct server_status st;
    m_open_all(&m, N);
    CHECK(m_wait_synced(&m, N, 60000, &st) == 0);
    /* about 2 MB of clusters per stream, then every client goes away */
    for (int i = 0; i < 100; i++)
        server_cmd("set c big%03d v1 20000", i);
    publish();
    m_pump(&m, 50);
    for (int i = 0; i < N; i++)
        grpc_call_cancel(m.s[i].call, NULL);
    m_close_all(&m);
    CHECK(wait_streams(0, 20000) == 0);
    for (int i = 0; i < 100; i++)
        server_cmd("del c big%03d", i);
    publish();
}

/* ---- against `xdsd serve` on a directory of Istio YAML ------------------------------- */

static char cfgdir[64];
static char debug_addr[64]; /* xdsd's debug endpoint */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static int can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static int xdsd_start(const char *xdsd, const char *src)
{
    snprintf(cfgdir, sizeof(cfgdir), "/tmp/xdsd-e2e-XXXXXX");
    if (mkdtemp(cfgdir) == NULL)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp -R '%s'/. '%s'/", src, cfgdir);
    if (system(cmd) != 0)
        return -1;
    S.port = free_port();
    snprintf(S.target, sizeof(S.target), "127.0.0.1:%d", S.port);
    snprintf(debug_addr, sizeof(debug_addr), "127.0.0.1:%d", free_port());
    char cert[300], key[300], ca[300];
    snprintf(cert, sizeof(cert), "%s/server.pem", tls_dir ? tls_dir : "");
    snprintf(key, sizeof(key), "%s/server-key.pem", tls_dir ? tls_dir : "");
    snprintf(ca, sizeof(ca), "%s/ca.pem", tls_dir ? tls_dir : "");
    S.pid = fork();
    if (S.pid == 0) {
        if (tls_dir)
            execl(xdsd, xdsd, "serve", "--config-dir", cfgdir, "--xds-listen", S.target,
                  "--debug-listen", debug_addr, "--debounce", "50ms", "--log-level", "warn",
                  "--xds-tls-cert", cert, "--xds-tls-key", key, "--xds-tls-ca", ca, (char *)NULL);
        else
            execl(xdsd, xdsd, "serve", "--config-dir", cfgdir, "--xds-listen", S.target,
                  "--debug-listen", debug_addr, "--debounce", "50ms", "--log-level", "warn",
                  (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        if (can_connect(S.port))
            return 0;
        usleep(10000);
    }
    return -1;
}

static void xdsd_cleanup(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cfgdir);
    if (cfgdir[0] && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cfgdir);
}

static void write_file(const char *name, const char *text)
{
    char path[256], tmp[300];
    snprintf(path, sizeof(path), "%s/%s", cfgdir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", cfgdir, name);
    FILE *f = fopen(tmp, "w");
    if (!CHECK(f != NULL))
        return;
    fputs(text, f);
    fclose(f);
    CHECK(rename(tmp, path) == 0);
}

static const char *sidecar_names[4] = {NULL, NULL, NULL, "80"};

/* Read responses for ms milliseconds, ACK each, count them per type; the
 * names of the last CDS response land in cds_names. */
static void collect(struct ads *a, int ms, int counts[4], char *cds_names, size_t cap)
{
    int64_t end = now_ms() + ms;
    memset(counts, 0, 4 * sizeof(int));
    for (;;) {
        int64_t left = end - now_ms();
        if (left <= 0)
            return;
        struct resp r;
        if (ads_recv(a, (int)left, &r) != 1)
            return;
        int t = strcmp(r.type, "cds") == 0   ? 0
                : strcmp(r.type, "eds") == 0 ? 1
                : strcmp(r.type, "lds") == 0 ? 2
                                             : 3;
        counts[t]++;
        CHECK(!r.bad_type_url);
        if (t == 0 && cds_names)
            snprintf(cds_names, cap, "%s", r.names);
        sotw_req(a, (enum xds_type)t, r.version, r.nonce, sidecar_names[t], NULL);
    }
}

static void e2e_xdsd_sidecar_gets_istio_config(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    if (expect(a, "cds", &r)) {
        CHECK(strstr(r.names, "outbound|80||edition.cnn.com") != NULL);
        CHECK(strstr(r.names, "BlackHoleCluster") != NULL);
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    }
    sotw_req(a, LDS, "", "", NULL, NULL);
    if (expect(a, "lds", &r)) {
        CHECK(r.n > 0);
        sotw_req(a, LDS, r.version, r.nonce, NULL, NULL);
    }
    silence(a, 500);
    ads_close(a);
}

static const char *new_service_entry = "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: e2e-new\n"
                                       "spec:\n"
                                       "  hosts:\n"
                                       "  - e2e-new.example.com\n"
                                       "  ports:\n"
                                       "  - number: 80\n"
                                       "    name: http\n"
                                       "    protocol: HTTP\n"
                                       "  resolution: DNS\n";

static void e2e_xdsd_file_edit_one_push_per_affected_type(void)
{
    struct ads *a = ads_open(0);
    int counts[4];
    char names[4096] = "";
    for (int t = 0; t < 4; t++)
        if (t != EDS)
            sotw_req(a, (enum xds_type)t, "", "", sidecar_names[t], NULL);
    collect(a, 1500, counts, NULL, 0);
    CHECK(counts[0] == 1 && counts[2] == 1 && counts[3] == 1);
    /* a new host: a new cluster and a new virtual host in route "80" */
    write_file("04-e2e-new.yaml", new_service_entry);
    collect(a, 2000, counts, names, sizeof(names));
    CHECK_INT_EQ(counts[0], 1);
    CHECK(strstr(names, "outbound|80||e2e-new.example.com") != NULL);
    CHECK(counts[2] <= 1);
    CHECK_INT_EQ(counts[3], 1);
    /* the same content written again: no reload, nothing sent */
    write_file("04-e2e-new.yaml", new_service_entry);
    collect(a, 1500, counts, NULL, 0);
    CHECK(counts[0] + counts[1] + counts[2] + counts[3] == 0);
    /* an invalid file: the last good configuration stays, nothing sent */
    write_file("05-broken.yaml", "apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\n"
                                 "metadata: {name: broken}\nspec: {hosts: [}\n");
    collect(a, 1500, counts, NULL, 0);
    CHECK(counts[0] + counts[1] + counts[2] + counts[3] == 0);
    /* removing both brings back the first configuration: one push per type */
    char path[256];
    snprintf(path, sizeof(path), "%s/05-broken.yaml", cfgdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/04-e2e-new.yaml", cfgdir);
    unlink(path);
    collect(a, 2000, counts, names, sizeof(names));
    CHECK_INT_EQ(counts[0], 1);
    CHECK(strstr(names, "e2e-new") == NULL);
    CHECK_INT_EQ(counts[3], 1);
    ads_close(a);
}

/* A WorkloadEntry edited: the Endpoints of the service selecting it are
 * pushed, and nothing else. */
static const char *we_service =
    "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: e2e-vm}\nspec:\n"
    "  hosts: [e2e-vm.default.svc.cluster.local]\n  location: MESH_INTERNAL\n"
    "  ports: [{number: 8000, name: http, protocol: HTTP}]\n  resolution: STATIC\n"
    "  workloadSelector: {labels: {app: e2e-vm}}\n---\n"
    "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: e2e-vm-1}\n"
    "spec: {address: 10.77.0.1, labels: {app: e2e-vm}}\n";

static void e2e_xdsd_workload_entry_edit_pushes_only_endpoints(void)
{
    write_file("06-e2e-vm.yaml", we_service);
    usleep(300000); /* loaded before the stream opens */
    struct ads *a = ads_open(0);
    int counts[4];
    /* Endpoints are asked for by name (collect() ACKs with these names) */
    sidecar_names[EDS] = "outbound|8000||e2e-vm.default.svc.cluster.local";
    for (int t = 0; t < 4; t++)
        sotw_req(a, (enum xds_type)t, "", "", sidecar_names[t], NULL);
    collect(a, 1500, counts, NULL, 0);
    CHECK(counts[0] == 1 && counts[1] == 1 && counts[2] == 1 && counts[3] == 1);
    char moved[1024];
    snprintf(moved, sizeof(moved), "%s", we_service);
    char *at = strstr(moved, "10.77.0.1");
    if (at != NULL)
        at[8] = '2'; /* 10.77.0.2 */
    write_file("06-e2e-vm.yaml", moved);
    collect(a, 2000, counts, NULL, 0);
    CHECK_INT_EQ(counts[1], 1);
    CHECK_INT_EQ(counts[0] + counts[2] + counts[3], 0);
    char path[256];
    snprintf(path, sizeof(path), "%s/06-e2e-vm.yaml", cfgdir);
    unlink(path);
    collect(a, 1500, counts, NULL, 0);
    sidecar_names[EDS] = NULL;
    ads_close(a);
}

/* ---- the runner ------------------------------------------------------------------------- */

struct test {
    const char *name;
    void (*fn)(void);
};

#define T(f)                                                                                       \
    {                                                                                              \
#f, f                                                                                      \
    }
static const struct test tests[] = {
    T(e2e_P1_unknown_method_unimplemented),
    T(e2e_P3_missing_type_url_invalid_argument),
    T(e2e_P4_node_only_on_first_request),
    T(e2e_A1_sotw_wildcard_then_ack_gets_nothing),
    T(e2e_A5_nack_then_3s_silence),
    T(e2e_P7_one_push_per_affected_type),
    T(e2e_O3_cds_push_followed_by_eds),
    T(e2e_A4_S4_names_added_and_missing),
    T(e2e_R1_empty_cds_after_last_cluster_deleted),
    T(e2e_D1_D8_D9_delta_versions_missing_and_removed),
    T(e2e_D5_D6_delta_resubscribe_and_phantom),
    T(e2e_D10_delta_reconnect_with_initial_versions),
    T(e2e_D12_delta_types_are_separate),
    T(e2e_mass_1000_streams_converge),
    T(e2e_disconnect_mid_push_no_leak),
    T(e2e_failed_view_keeps_last_config),
    T(e2e_slow_reader_closed_unavailable),
    T(e2e_D11_request_over_4_MiB_accepted),
};

static void e2e_xdsd_tls_client_without_certificate_refused(void)
{
    tls_without_client_cert = 1;
    struct ads *a = ads_open(0);
    tls_without_client_cert = 0;
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    CHECK(ads_recv(a, 5000, &r) == -1);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_UNAVAILABLE);
    ads_close(a);
}

/* xdsd_streams_denied_total from the debug endpoint, or -1 */
static long denied_total(void)
{
    struct http_reply rep;
    char *err = NULL;
    long n = -1;
    if (http_get(debug_addr, "/metrics", 5000, &rep, &err) != 0) {
        free(err);
        return -1;
    }
    const char *p = strstr(rep.body, "\nxdsd_xds_streams_denied_total ");
    if (p)
        n = strtol(p + strlen("\nxdsd_xds_streams_denied_total "), NULL, 10);
    http_reply_release(&rep);
    return n;
}

/* A client whose certificate names namespace "other" asks as a proxy of
 * namespace "default": PERMISSION_DENIED, nothing sent, counted. */
static void denied_with(const char *client, const char *why)
{
    long before = denied_total();
    CHECK(before >= 0);
    tls_client = client;
    struct ads *a = ads_open(0);
    tls_client = "client";
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    CHECK(ads_recv(a, 5000, &r) == -1);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_PERMISSION_DENIED);
    char *details = grpc_slice_to_c_string(a->details);
    CHECK(strstr(details, why) != NULL);
    gpr_free(details);
    ads_close(a);
    CHECK_INT_EQ(denied_total(), before + 1);
}

static void e2e_xdsd_tls_other_namespace_permission_denied(void)
{
    denied_with("client-other", "may not get configuration for namespace 'default'");
}

static void e2e_xdsd_tls_other_trust_domain_permission_denied(void)
{
    denied_with("client-td", "not in trust domain 'cluster.local'");
}

static void e2e_xdsd_tls_no_spiffe_id_permission_denied(void)
{
    denied_with("client-dns", "no SPIFFE URI SAN");
}

static const struct test xdsd_tests[] = {
    T(e2e_xdsd_sidecar_gets_istio_config),
    T(e2e_xdsd_file_edit_one_push_per_affected_type),
    T(e2e_xdsd_workload_entry_edit_pushes_only_endpoints),
    /* only with E2E_TLS_DIR: */
    T(e2e_xdsd_tls_client_without_certificate_refused),
    T(e2e_xdsd_tls_other_namespace_permission_denied),
    T(e2e_xdsd_tls_other_trust_domain_permission_denied),
    T(e2e_xdsd_tls_no_spiffe_id_permission_denied),
};
enum { N_TLS_TESTS = 4 };

static int selected(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "--xdsd") == 0 && argc < 4)) {
        fprintf(stderr, "usage: xds_e2e SERVER_BINARY [--only NAME,...]\n"
                        "       xds_e2e --xdsd XDSD CONFIG_DIR\n");
        return 2;
    }
    int xdsd = strcmp(argv[1], "--xdsd") == 0;
    tls_dir = xdsd ? getenv("E2E_TLS_DIR") : NULL;
    const char *only = argc > 3 && strcmp(argv[2], "--only") == 0 ? argv[3] : NULL;
    signal(SIGPIPE, SIG_IGN);
    grpc_init();
    if (xdsd ? xdsd_start(argv[2], argv[3]) != 0 : server_start(argv[1]) != 0) {
        fprintf(stderr, "cannot start the server\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    if (!xdsd)
        base_config();
    const struct test *list = xdsd ? xdsd_tests : tests;
    size_t count =
        xdsd ? ARRAY_LEN(xdsd_tests) - (tls_dir == NULL) * N_TLS_TESTS : ARRAY_LEN(tests);
    int passed = 0, failed = 0, n = 0;
    for (size_t i = 0; i < count; i++) {
        if (!selected(only, list[i].name))
            continue;
        int before = checks_failed;
        list[i].fn();
        int ok = checks_failed == before;
        printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, list[i].name);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    /* last: SIGTERM stops the server cleanly, with streams open */
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    expect(a, "cds", &r);
    double secs = 0;
    int before = checks_failed;
    int rc = server_stop(&secs);
    CHECK_INT_EQ(rc, 0);
    printf("# SIGTERM with a stream open: exit %d after %.3f s\n", rc, secs);
    CHECK(secs < 5.0);
    CHECK(ads_status(a, 5000) != GRPC_STATUS_OK);
    ads_close(a);
    int ok = checks_failed == before;
    printf("%s %d - e2e_shutdown_sigterm_exit_0\n", ok ? "ok" : "not ok", ++n);
    ok ? passed++ : failed++;
    if (xdsd)
        xdsd_cleanup();
    grpc_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
