/* confgen.c - K services of Istio configuration shaped like the egress
 * gateway guide, deterministic for a seed, for `make bench`.
 *
 *   confgen --services K [--seed S] --out DIR [--edit-dir EDIR]
 *
 * DIR/gateway.yaml holds what the guide sets up once: the egress gateway's
 * own service (MESH_INTERNAL, STATIC endpoints), its Gateway (an HTTP server
 * on 80 and, for TLS origination, on 443) and the DestinationRule whose
 * subsets name each external service. DIR/svc-NNNNN.yaml holds one service,
 * of one of three shapes drawn from the seed:
 *   - TLS origination (half): an external HTTP ServiceEntry on 80 and 443,
 *     a VirtualService sending mesh traffic on 80 to the gateway's subset on
 *     443 and gateway traffic on 443 out to the host, a DestinationRule with
 *     tls SIMPLE on 443 (the guide's "TLS origination with the egress Gateway");
 *   - plain HTTP through the gateway (a quarter): the guide's first scenario;
 *   - a mesh-internal STATIC service with v1/v2 subsets and a weighted split.
 * Service 0 is always of the first shape. EDIR/a.yaml and EDIR/b.yaml are
 * service 0's file with a route timeout added (5s, 7s): the one-resource
 * edit the push benchmark renames into DIR.
 *
 * One edit of each kind of resource, for the translation benchmark: in
 * EDIR/KIND/, a.yaml and b.yaml (two edits to alternate) and dst (the name,
 * in DIR, of the file they replace), for KIND
 *   vs            service 0's VirtualService: a route timeout (as above);
 *   se_endpoints  the first internal service's ServiceEntry: its first
 *                 endpoint's address;
 *   se_hosts      service 0's ServiceEntry: a second host;
 *   dr            service 0's DestinationRule: its load balancer;
 *   gw            the Gateway: a third server, on port 8080 or 8081. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GW_HOST "istio-egressgateway.istio-system.svc.cluster.local"

enum shape { TLS_ORIGINATION, PLAIN_HTTP, INTERNAL };

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic across platforms */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static enum shape shape_of(int i, const enum shape *shapes)
{
    return i == 0 ? TLS_ORIGINATION : shapes[i];
}

static void host_of(char *buf, size_t n, int i, enum shape s)
{
    if (s == INTERNAL)
        snprintf(buf, n, "svc-%d.bench.svc.cluster.local", i);
    else
        snprintf(buf, n, "www.svc-%d.example.com", i);
}

static void mkdir_p(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "confgen: cannot create '%s': %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

/* extra_port: a third server on that port (0: none), for the edit. */
static void write_gateway(FILE *f, int k, const enum shape *shapes, int extra_port)
{
    char host[128];
    fprintf(f, "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\n"
               "metadata:\n  name: istio-egressgateway\n  namespace: istio-system\n"
               "spec:\n  hosts:\n  - " GW_HOST "\n  location: MESH_INTERNAL\n"
               "  ports:\n  - number: 80\n    name: http\n    protocol: HTTP\n"
               "  - number: 443\n    name: https\n    protocol: HTTPS\n"
               "  resolution: STATIC\n  endpoints:\n"
               "  - address: 10.255.0.1\n    labels:\n      istio: egressgateway\n"
               "  - address: 10.255.0.2\n    labels:\n      istio: egressgateway\n");
    fprintf(f, "---\napiVersion: networking.istio.io/v1alpha3\nkind: Gateway\n"
               "metadata:\n  name: istio-egressgateway\n"
               "spec:\n  selector:\n    istio: egressgateway\n  servers:\n");
    for (int port = 0; port < 2; port++) {
        enum shape want = port ? TLS_ORIGINATION : PLAIN_HTTP;
        fprintf(f,
                "  - port:\n      number: %d\n      name: %s\n      protocol: HTTP\n"
                "    hosts:\n",
                port ? 443 : 80, port ? "http-port-for-tls-origination" : "http");
        for (int i = 0; i < k; i++)
            if (shape_of(i, shapes) == want) {
                host_of(host, sizeof(host), i, want);
                fprintf(f, "    - %s\n", host);
            }
    }
    if (extra_port)
        fprintf(f,
                "  - port:\n      number: %d\n      name: http-alt\n      protocol: HTTP\n"
                "    hosts:\n    - \"*\"\n",
                extra_port);
    fprintf(f, "---\napiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\n"
               "metadata:\n  name: egressgateway-for-services\n"
               "spec:\n  host: " GW_HOST "\n  subsets:\n");
    for (int i = 0; i < k; i++)
        if (shape_of(i, shapes) != INTERNAL)
            fprintf(f, "  - name: svc-%d\n", i);
}

/* What an edit changes in a service's file (all zero: as generated). */
struct variant {
    const char *timeout;    /* the routes' timeout */
    const char *extra_host; /* a second host of the ServiceEntry */
    const char *lb;         /* the DestinationRule's load balancer */
    int endpoint;           /* the first endpoint's last octet, instead of 1 */
};

static void write_external(FILE *f, int i, enum shape s, const struct variant *v)
{
    char host[128];
    const char *timeout = v->timeout;
    host_of(host, sizeof(host), i, s);
    int tls = s == TLS_ORIGINATION;
    fprintf(f,
            "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\n"
            "metadata:\n  name: svc-%d\n"
            "spec:\n  hosts:\n  - %s\n",
            i, host);
    if (v->extra_host)
        fprintf(f, "  - %s\n", v->extra_host);
    fprintf(f, "  ports:\n  - number: 80\n    name: http-port\n    protocol: HTTP\n");
    if (tls)
        fprintf(f, "  - number: 443\n    name: http-port-for-tls-origination\n"
                   "    protocol: HTTP\n");
    fprintf(f, "  resolution: DNS\n");
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
            "metadata:\n  name: direct-svc-%d-through-egress-gateway\n"
            "spec:\n  hosts:\n  - %s\n  gateways:\n  - istio-egressgateway\n  - mesh\n"
            "  http:\n"
            "  - match:\n    - gateways:\n      - mesh\n      port: 80\n"
            "    route:\n    - destination:\n        host: " GW_HOST "\n"
            "        subset: svc-%d\n        port:\n          number: %d\n"
            "      weight: 100\n",
            i, host, i, tls ? 443 : 80);
    if (timeout)
        fprintf(f, "    timeout: %s\n", timeout);
    fprintf(f,
            "  - match:\n    - gateways:\n      - istio-egressgateway\n      port: %d\n"
            "    route:\n    - destination:\n        host: %s\n        port:\n"
            "          number: %d\n      weight: 100\n",
            tls ? 443 : 80, host, tls ? 443 : 80);
    if (timeout)
        fprintf(f, "    timeout: %s\n", timeout);
    if (tls)
        fprintf(f,
                "---\napiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\n"
                "metadata:\n  name: originate-tls-for-svc-%d\n"
                "spec:\n  host: %s\n  trafficPolicy:\n    loadBalancer:\n"
                "      simple: %s\n    portLevelSettings:\n    - port:\n"
                "        number: 443\n      tls:\n        mode: SIMPLE\n",
                i, host, v->lb ? v->lb : "ROUND_ROBIN");
}

static void write_internal(FILE *f, int i, const struct variant *v)
{
    char host[128];
    host_of(host, sizeof(host), i, INTERNAL);
    int n_ep = 2 + (int)(rnd() % 3), w1 = 50 + (int)(rnd() % 5) * 10;
    fprintf(f,
            "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\n"
            "metadata:\n  name: svc-%d\n"
            "spec:\n  hosts:\n  - %s\n  location: MESH_INTERNAL\n  ports:\n"
            "  - number: 80\n    name: http\n    protocol: HTTP\n"
            "  resolution: STATIC\n  endpoints:\n",
            i, host);
    for (int e = 0; e < n_ep; e++)
        fprintf(f, "  - address: 10.%d.%d.%d\n    labels:\n      version: v%d\n", (i >> 8) & 255,
                i & 255, e == 0 && v->endpoint ? v->endpoint : e + 1, e % 2 + 1);
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
            "metadata:\n  name: svc-%d\n"
            "spec:\n  hosts:\n  - %s\n  http:\n  - route:\n"
            "    - destination:\n        host: %s\n        subset: v1\n      weight: %d\n"
            "    - destination:\n        host: %s\n        subset: v2\n      weight: %d\n",
            i, host, host, w1, host, 100 - w1);
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\n"
            "metadata:\n  name: svc-%d\n"
            "spec:\n  host: %s\n  trafficPolicy:\n    loadBalancer:\n"
            "      simple: LEAST_REQUEST\n  subsets:\n"
            "  - name: v1\n    labels:\n      version: v1\n"
            "  - name: v2\n    labels:\n      version: v2\n",
            i, host);
}

/* EDIR/KIND/dst: the file of DIR that the edits of KIND replace. */
static void write_dst(const char *dir, const char *name)
{
    FILE *f = open_out(dir, "dst");
    fprintf(f, "%s\n", name);
    fclose(f);
}

/* Service 0's file in EDIR/KIND/NAME with variant v. */
static void write_service0(const char *edit, const char *kind, const char *name,
                           const struct variant *v)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", edit, kind);
    mkdir_p(dir);
    FILE *f = open_out(dir, name);
    write_external(f, 0, TLS_ORIGINATION, v);
    fclose(f);
    write_dst(dir, "svc-00000.yaml");
}

static void write_edits(const char *edit, int k, const enum shape *shapes, int internal,
                        uint64_t internal_rng)
{
    char dir[4096], name[64];
    mkdir_p(edit);
    FILE *f = open_out(edit, "a.yaml");
    write_external(f, 0, TLS_ORIGINATION, &(struct variant){.timeout = "5s"});
    fclose(f);
    f = open_out(edit, "b.yaml");
    write_external(f, 0, TLS_ORIGINATION, &(struct variant){.timeout = "7s"});
    fclose(f);
    write_service0(edit, "vs", "a.yaml", &(struct variant){.timeout = "5s"});
    write_service0(edit, "vs", "b.yaml", &(struct variant){.timeout = "7s"});
    write_service0(edit, "se_hosts", "a.yaml",
                   &(struct variant){.extra_host = "alt-a.svc-0.example.com"});
    write_service0(edit, "se_hosts", "b.yaml",
                   &(struct variant){.extra_host = "alt-b.svc-0.example.com"});
    write_service0(edit, "dr", "a.yaml", &(struct variant){.lb = "LEAST_REQUEST"});
    write_service0(edit, "dr", "b.yaml", &(struct variant){.lb = "RANDOM"});
    if (internal >= 0) {
        /* the same draws as when the service was written */
        snprintf(dir, sizeof(dir), "%s/se_endpoints", edit);
        mkdir_p(dir);
        for (int e = 0; e < 2; e++) {
            rng_state = internal_rng;
            f = open_out(dir, e ? "b.yaml" : "a.yaml");
            write_internal(f, internal, &(struct variant){.endpoint = 200 + e});
            fclose(f);
        }
        snprintf(name, sizeof(name), "svc-%05d.yaml", internal);
        write_dst(dir, name);
    }
    snprintf(dir, sizeof(dir), "%s/gw", edit);
    mkdir_p(dir);
    for (int e = 0; e < 2; e++) {
        f = open_out(dir, e ? "b.yaml" : "a.yaml");
        write_gateway(f, k, shapes, 8080 + e);
        fclose(f);
    }
    write_dst(dir, "gateway.yaml");
}

int main(int argc, char **argv)
{
    int k = 100;
    uint64_t seed = 1;
    const char *out = NULL, *edit = NULL;
    static const struct option lo[] = {{"services", 1, 0, 'k'},
                                       {"seed", 1, 0, 's'},
                                       {"out", 1, 0, 'o'},
                                       {"edit-dir", 1, 0, 'e'},
                                       {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'k':
            k = atoi(optarg);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'o':
            out = optarg;
            break;
        case 'e':
            edit = optarg;
            break;
        default:
            k = -1;
        }
    }
    if (k < 1 || !out) {
        fprintf(stderr, "usage: confgen --services K [--seed S] --out DIR [--edit-dir EDIR]\n");
        return 2;
    }
    mkdir_p(out);
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    enum shape *shapes = calloc((size_t)k, sizeof(*shapes));
    if (!shapes)
        return 1;
    for (int i = 0; i < k; i++) {
        uint32_t r = rnd() % 4;
        shapes[i] = r < 2 ? TLS_ORIGINATION : r == 2 ? PLAIN_HTTP : INTERNAL;
    }
    FILE *f = open_out(out, "gateway.yaml");
    write_gateway(f, k, shapes, 0);
    fclose(f);
    static const struct variant none = {0};
    int internal = -1; /* the first internal service, and the generator's state before it */
    uint64_t internal_rng = 0;
    for (int i = 0; i < k; i++) {
        char name[64];
        snprintf(name, sizeof(name), "svc-%05d.yaml", i);
        f = open_out(out, name);
        if (shape_of(i, shapes) == INTERNAL && internal < 0) {
            internal = i;
            internal_rng = rng_state;
        }
        if (shape_of(i, shapes) == INTERNAL)
            write_internal(f, i, &none);
        else
            write_external(f, i, shape_of(i, shapes), &none);
        fclose(f);
    }
    if (edit)
        write_edits(edit, k, shapes, internal, internal_rng);
    free(shapes);
    return 0;
}
