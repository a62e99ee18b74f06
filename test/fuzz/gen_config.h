/* gen_config.h - a generator of *valid* Istio configurations for the fuzz
 * drivers (fuzz_translate.c, fuzz_memo.c), driven by the input's bytes.
 *
 * The input bytes are not YAML: each pick() takes the next byte as a choice
 * among a few shapes, and the resources written draw their hosts, ports,
 * subsets and gateway names from small pools, so that references between them
 * mostly resolve. An input that runs out picks 0: the simplest shape.
 * Resources written later refer to those written before (struct gen keeps
 * the DestinationRules' subsets and the Gateways' names), so a driver writes
 * ServiceEntries, Gateways, DestinationRules, then VirtualServices.
 *
 * Everything here is static: each driver includes it once. */
#ifndef XDSD_FUZZ_GEN_CONFIG_H
#define XDSD_FUZZ_GEN_CONFIG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* ---- input and output ------------------------------------------------------------ */

/* What was generated so far, so that later resources refer to it. */
struct dr_rec {
    const char *host, *ns;
    unsigned subsets; /* bit per subsets[] entry */
    int exported;     /* visible from other namespaces */
};

struct gw_rec {
    const char *name, *ns;
};

struct gen {
    const uint8_t *p;
    size_t n;
    char *buf;
    size_t len, cap;
    struct dr_rec drs[8];
    int n_drs;
    struct gw_rec gws[8];
    int n_gws;
    const char *ns;          /* of the resource being written */
    const char *vs_hosts[2]; /* of the VirtualService being written */
    int n_vs_hosts;
    unsigned se_ports; /* bit per ports[] entry of the ServiceEntry being written */
};

/* The next choice in [0, mod): 0 once the input is used up, so every input
 * ends in the simplest shapes. */
static unsigned pick(struct gen *g, unsigned mod)
{
    if (g->n == 0 || mod <= 1)
        return 0;
    unsigned v = *g->p++;
    g->n--;
    return v % mod;
}

#define PICK(g, pool) (pool)[pick((g), sizeof(pool) / sizeof((pool)[0]))]

static void out(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    xgrow((void **)&g->buf, &g->cap, g->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(g->buf + g->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    g->len += (size_t)n;
}

/* ---- pools: small, so that names meet ---------------------------------------------- */

static const char *const namespaces[] = {"default", "ns1", "istio-system"};
static const char *const hosts[] = {
    "edition.cnn.com",           "api.example.com",
    "*.wikipedia.org",           "istio-egressgateway.istio-system.svc.cluster.local",
    "svc.ns1.svc.cluster.local", "db.internal",
};
static const uint32_t ports[] = {80, 443, 8080, 8443, 9000, 15443};
static const char *const protocols[] = {"HTTP", "HTTPS", "HTTP2", "GRPC",    "TLS",
                                        "TCP",  "MONGO", "",      "GRPC-WEB"};
static const char *const gw_protocols[] = {"HTTP", "HTTPS", "HTTP2", "GRPC", "TLS", "TCP"};
static const char *const gw_names[] = {"istio-egressgateway", "gw-a", "ingress"};
static const char *const gw_refs[] = {"mesh",        "istio-egressgateway",
                                      "gw-a",        "istio-system/istio-egressgateway",
                                      "ns1/ingress", "default/gw-a"};
static const char *const gw_hosts[] = {"*",
                                       "edition.cnn.com",
                                       "api.example.com",
                                       "ns1/*",
                                       "./edition.cnn.com",
                                       "*/api.example.com",
                                       "*.wikipedia.org"};
static const char *const subsets[] = {"v1", "v2", "cnn"};
static const char *const labels[] = {"version: v1", "version: v2", "istio: egressgateway",
                                     "app: sleep", "istio: ingressgateway"};
static const char *const addresses[] = {"10.0.0.1",    "127.0.0.1",       "192.168.1.7",
                                        "2001:db8::1", "foo.example.com", "unix:///var/run/sock"};
static const char *const server_tls_modes[] = {
    "SIMPLE", "MUTUAL", "PASSTHROUGH", "ISTIO_MUTUAL", "AUTO_PASSTHROUGH", "OPTIONAL_MUTUAL"};
static const char *const client_tls_modes[] = {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"};
static const char *const lb_simple[] = {"ROUND_ROBIN", "LEAST_CONN", "RANDOM", "PASSTHROUGH",
                                        "LEAST_REQUEST"};
static const char *const durations[] = {"1s", "250ms", "10s", "0.5s"};

/* ---- ServiceEntry ------------------------------------------------------------------ */

/* ServiceEntry ports; l7_only when several hosts share a resolved entry. */
static void gen_ports(struct gen *g, int l7_only)
{
    static const char *const l7[] = {"HTTP", "HTTPS", "HTTP2", "GRPC", "TLS"};
    const char *indent = "  ";
    unsigned n = pick(g, 4), used = 0;
    g->se_ports = 0;
    if (n == 0)
        return;
    out(g, "%sports:\n", indent);
    for (unsigned i = 0; i < n; i++) {
        unsigned k = pick(g, sizeof(ports) / sizeof(ports[0]));
        if (used & (1u << k))
            continue;
        used |= 1u << k;
        const char *proto = l7_only ? PICK(g, l7) : PICK(g, protocols);
        out(g, "%s- number: %u\n%s  name: p%u\n", indent, ports[k], indent, ports[k]);
        if (proto[0] != '\0')
            out(g, "%s  protocol: %s\n", indent, proto);
        if (pick(g, 4) == 0)
            out(g, "%s  targetPort: %u\n", indent, ports[k] + 1000);
    }
    g->se_ports = used;
}

static void gen_labels(struct gen *g, const char *indent, const char *key)
{
    unsigned n = 1 + pick(g, 2);
    out(g, "%s%s:\n", indent, key);
    char deeper[32];
    if (strcmp(key, "workloadSelector") == 0) {
        /* workloadSelector: {labels: {...}} */
        out(g, "%s  labels:\n", indent);
        snprintf(deeper, sizeof(deeper), "%s  ", indent);
        indent = deeper;
    }
    const char *first = PICK(g, labels);
    out(g, "%s  %s\n", indent, first);
    if (n > 1) {
        const char *second = PICK(g, labels);
        /* a key once: the same key twice is a YAML error, not a finding */
        if (strncmp(first, second, strcspn(first, ":")) != 0)
            out(g, "%s  %s\n", indent, second);
    }
}

static void gen_endpoints(struct gen *g, const char *resolution)
{
    unsigned n = pick(g, 4);
    if (strcmp(resolution, "NONE") == 0)
        n = 0;
    if (strcmp(resolution, "STATIC") == 0 && n == 0)
        n = 1;
    if (strcmp(resolution, "DNS_ROUND_ROBIN") == 0 && n > 1)
        n = 1;
    if (n == 0)
        return;
    out(g, "  endpoints:\n");
    for (unsigned i = 0; i < n; i++) {
        const char *a = PICK(g, addresses);
        if (strcmp(resolution, "STATIC") == 0 && strchr(a, '.') && a[0] == 'f')
            a = "10.0.0.2";
        out(g, "  - address: %s\n", a);
        if (pick(g, 2))
            gen_labels(g, "    ", "labels");
        unsigned k = pick(g, sizeof(ports) / sizeof(ports[0]));
        if ((g->se_ports & (1u << k)) && pick(g, 3) == 0)
            out(g, "    ports:\n      p%u: %u\n", ports[k], 9100 + i);
        if (pick(g, 3) == 0)
            out(g, "    weight: %u\n", 1 + pick(g, 10));
        if (pick(g, 4) == 0)
            out(g, "    locality: us-east1/zone-%u\n", pick(g, 3));
        if (pick(g, 5) == 0)
            out(g, "    network: net-%u\n", pick(g, 2));
        if (pick(g, 5) == 0)
            out(g, "    serviceAccount: sa-%u\n", pick(g, 2));
    }
}

/* Returns 1 when an exportTo list was written. */
static int gen_export_to(struct gen *g, const char *indent)
{
    static const char *const to[] = {".", "*", "ns1", "default"};
    if (pick(g, 5) != 0)
        return 0;
    out(g, "%sexportTo:\n%s- \"%s\"\n", indent, indent, PICK(g, to));
    return 1;
}

static void gen_meta(struct gen *g, const char *kind, const char *name)
{
    out(g, "---\napiVersion: networking.istio.io/v1beta1\nkind: %s\n", kind);
    g->ns = PICK(g, namespaces);
    out(g, "metadata:\n  name: %s\n  namespace: %s\nspec:\n", name, g->ns);
}

static void gen_service_entry(struct gen *g, int i)
{
    static const char *const resolutions[] = {"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"};
    char name[16];
    snprintf(name, sizeof(name), "se-%d", i);
    gen_meta(g, "ServiceEntry", name);
    const char *resolution = PICK(g, resolutions);
    const char *h1 = PICK(g, hosts), *h2 = PICK(g, hosts);
    int two = pick(g, 4) == 0 && strcmp(h1, h2) != 0;
    /* a wildcard cannot be resolved by DNS without endpoints */
    if ((h1[0] == '*' || (two && h2[0] == '*')) && strcmp(resolution, "DNS") == 0)
        resolution = "NONE";
    out(g, "  hosts:\n  - \"%s\"\n", h1);
    if (two)
        out(g, "  - \"%s\"\n", h2);
    unsigned addr = pick(g, 4);
    if (addr == 1)
        out(g, "  addresses:\n  - 10.1.0.5\n");
    else if (addr == 2 && (strcmp(resolution, "NONE") == 0 || strcmp(resolution, "STATIC") == 0))
        out(g, "  addresses:\n  - 192.168.0.0/16\n");
    if (pick(g, 2))
        out(g, "  location: %s\n", pick(g, 2) ? "MESH_EXTERNAL" : "MESH_INTERNAL");
    out(g, "  resolution: %s\n", resolution);
    gen_ports(g, two && strcmp(resolution, "NONE") != 0);
    if (pick(g, 8) == 0 && strcmp(resolution, "STATIC") == 0)
        gen_labels(g, "  ", "workloadSelector");
    else
        gen_endpoints(g, resolution);
    gen_export_to(g, "  ");
    if (pick(g, 6) == 0)
        out(g, "  subjectAltNames:\n  - spiffe://cluster.local/ns/default/sa/x\n");
}

/* ---- Gateway ----------------------------------------------------------------------- */

static void gen_server_tls(struct gen *g, const char *proto)
{
    int tls = strcmp(proto, "HTTPS") == 0 || strcmp(proto, "TLS") == 0;
    if (!tls) {
        if (strcmp(proto, "HTTP") == 0 && pick(g, 4) == 0)
            out(g, "    tls:\n      httpsRedirect: true\n");
        return;
    }
    const char *mode = PICK(g, server_tls_modes);
    out(g, "    tls:\n      mode: %s\n", mode);
    if (strcmp(mode, "SIMPLE") == 0 || strstr(mode, "MUTUAL") == mode ||
        strcmp(mode, "OPTIONAL_MUTUAL") == 0) {
        if (pick(g, 3) == 0) {
            out(g, "      credentialName: cred-%u\n", pick(g, 2));
        } else {
            out(g, "      serverCertificate: /etc/certs/cert-chain.pem\n"
                   "      privateKey: /etc/certs/key.pem\n");
            if (strcmp(mode, "SIMPLE") != 0 || pick(g, 2))
                out(g, "      caCertificates: /etc/certs/root-cert.pem\n");
        }
    }
    if (pick(g, 4) == 0)
        out(g, "      minProtocolVersion: TLSV1_2\n");
    if (pick(g, 5) == 0)
        out(g, "      subjectAltNames:\n      - spiffe://cluster.local/ns/default/sa/sleep\n");
}

static void gen_gateway(struct gen *g, int i)
{
    gen_meta(g, "Gateway", gw_names[i % 3]);
    g->gws[g->n_gws].name = gw_names[i % 3];
    g->gws[g->n_gws++].ns = g->ns;
    unsigned sel = pick(g, 4);
    if (sel == 0)
        out(g, "  selector:\n    istio: egressgateway\n");
    else if (sel == 1)
        out(g, "  selector:\n    istio: ingressgateway\n");
    else if (sel == 2)
        out(g, "  selector:\n    app: nothing-has-this\n");
    out(g, "  servers:\n");
    unsigned n = 1 + pick(g, 3);
    for (unsigned s = 0; s < n; s++) {
        const char *proto = PICK(g, gw_protocols);
        uint32_t port = PICK(g, ports);
        out(g, "  - port:\n      number: %u\n      name: s%u-%s\n      protocol: %s\n", port, s,
            proto[0] == 'G' ? "grpc" : "x", proto);
        if (pick(g, 6) == 0)
            out(g, "    bind: 127.0.0.%u\n", 1 + pick(g, 2));
        out(g, "    hosts:\n    - \"%s\"\n", PICK(g, gw_hosts));
        if (pick(g, 3) == 0)
            out(g, "    - \"%s\"\n", PICK(g, gw_hosts));
        gen_server_tls(g, proto);
    }
}

/* ---- VirtualService -------------------------------------------------------------- */

/* A host from the pool, a name inside the wildcard for the wildcard. */
static const char *concrete_host(struct gen *g)
{
    const char *h = PICK(g, hosts);
    return h[0] == '*' ? "en.wikipedia.org" : h;
}

/* A gateways: list of "mesh" and Gateways written before (as NAME when in
 * the same namespace, else NS/NAME), rarely one that does not exist. Returns
 * whether the list binds the mesh (an absent list does). */
static int gen_gateways_list(struct gen *g, const char *indent)
{
    unsigned n = pick(g, 3), mesh = n == 0;
    if (n == 0)
        return 1;
    out(g, "%sgateways:\n", indent);
    char seen[4][96];
    unsigned n_seen = 0;
    for (unsigned i = 0; i < n; i++) {
        char ref[96];
        unsigned k = pick(g, (unsigned)g->n_gws + 1);
        if (k == 0 || pick(g, 16) == 0) {
            snprintf(ref, sizeof(ref), "%s", k == 0 ? "mesh" : PICK(g, gw_refs));
        } else {
            const struct gw_rec *w = &g->gws[k - 1];
            if (strcmp(w->ns, g->ns) == 0 && pick(g, 2))
                snprintf(ref, sizeof(ref), "%s", w->name);
            else
                snprintf(ref, sizeof(ref), "%s/%s", w->ns, w->name);
        }
        int dup = 0;
        for (unsigned j = 0; j < n_seen; j++)
            dup |= strcmp(seen[j], ref) == 0;
        if (dup)
            continue;
        snprintf(seen[n_seen++], sizeof(seen[0]), "%s", ref);
        mesh |= strcmp(ref, "mesh") == 0;
        out(g, "%s- %s\n", indent, ref);
    }
    return (int)mesh;
}

/* The subsets a destination to host may name from the current namespace:
 * those of the DestinationRule lookup would find (same namespace first). */
static unsigned subsets_for(const struct gen *g, const char *host)
{
    unsigned same = ~0u, other = ~0u;
    int n_same = 0, n_other = 0;
    for (int i = 0; i < g->n_drs; i++) {
        const struct dr_rec *d = &g->drs[i];
        if (strcmp(d->host, host) != 0)
            continue;
        if (strcmp(d->ns, g->ns) == 0) {
            same &= d->subsets;
            n_same++;
        } else if (d->exported) {
            other &= d->subsets;
            n_other++;
        }
    }
    return n_same ? same : n_other ? other : 0;
}

static void gen_destination(struct gen *g, const char *indent, int weighted)
{
    const char *host = concrete_host(g);
    out(g, "%s- destination:\n%s    host: \"%s\"\n", indent, indent, host);
    unsigned avail = subsets_for(g, host), k = pick(g, 4);
    if (k < 3 && (avail & (1u << k)))
        out(g, "%s    subset: %s\n", indent, subsets[k]);
    if (pick(g, 2))
        out(g, "%s    port:\n%s      number: %u\n", indent, indent, PICK(g, ports));
    if (weighted)
        out(g, "%s  weight: %u\n", indent, pick(g, 4) * 25 + 1);
    if (pick(g, 8) == 0)
        out(g, "%s  headers:\n%s    request:\n%s      set:\n%s        x-dest: \"1\"\n", indent,
            indent, indent, indent);
}

static void gen_route_destinations(struct gen *g, const char *indent)
{
    unsigned n = 1 + pick(g, 3);
    out(g, "%sroute:\n", indent);
    for (unsigned i = 0; i < n; i++)
        gen_destination(g, indent, n > 1 || pick(g, 4) == 0);
}

static void gen_string_match(struct gen *g, const char *indent, const char *key)
{
    static const char *const values[] = {"/", "/api", "/v1/items", "^/re[a-z]+$"};
    static const char *const kinds[] = {"exact", "prefix", "regex"};
    const char *kind = PICK(g, kinds);
    const char *value = PICK(g, values);
    if (strcmp(kind, "regex") != 0 && value[0] == '^')
        value = "/x";
    out(g, "%s%s:\n%s  %s: \"%s\"\n", indent, key, indent, kind, value);
}

static void gen_http_match(struct gen *g)
{
    unsigned n = pick(g, 3);
    if (n == 0)
        return;
    out(g, "    match:\n");
    for (unsigned i = 0; i < n; i++) {
        out(g, "    - name: m%u\n", i);
        if (pick(g, 2))
            gen_string_match(g, "      ", "uri");
        if (pick(g, 4) == 0)
            gen_string_match(g, "      ", "authority");
        if (pick(g, 4) == 0)
            out(g, "      method:\n        exact: GET\n");
        if (pick(g, 3) == 0)
            out(g, "      headers:\n        x-user:\n          %s\n",
                pick(g, 2) ? "exact: jason" : "prefix: j");
        if (pick(g, 6) == 0)
            out(g, "      queryParams:\n        debug:\n          exact: \"1\"\n");
        if (pick(g, 6) == 0)
            out(g, "      withoutHeaders:\n        x-skip: {}\n");
        if (pick(g, 3) == 0)
            out(g, "      port: %u\n", PICK(g, ports));
        if (pick(g, 3) == 0)
            gen_gateways_list(g, "      ");
        if (pick(g, 5) == 0)
            gen_labels(g, "      ", "sourceLabels");
        if (pick(g, 6) == 0)
            out(g, "      sourceNamespace: %s\n", PICK(g, namespaces));
        if (pick(g, 6) == 0)
            out(g, "      ignoreUriCase: true\n");
    }
}

static void gen_http_extras(struct gen *g, int redirect, int direct)
{
    if (!redirect && pick(g, 4) == 0)
        out(g, "    rewrite:\n      uri: /rewritten\n");
    if (pick(g, 3) == 0)
        out(g, "    timeout: %s\n", PICK(g, durations));
    if (pick(g, 4) == 0)
        out(g,
            "    retries:\n      attempts: %u\n      perTryTimeout: 2s\n"
            "      retryOn: 5xx,connect-failure\n",
            pick(g, 4));
    if (!redirect && !direct && pick(g, 5) == 0) {
        if (pick(g, 2))
            out(g, "    fault:\n      delay:\n        fixedDelay: 5s\n"
                   "        percentage:\n          value: 50\n");
        else
            out(g, "    fault:\n      abort:\n        httpStatus: 503\n"
                   "        percentage:\n          value: 10\n");
    }
    if (!redirect && !direct && pick(g, 6) == 0)
        out(g, "    mirror:\n      host: \"%s\"\n    mirrorPercentage:\n      value: 25\n",
            concrete_host(g));
    if (pick(g, 6) == 0)
        out(g, "    corsPolicy:\n      allowOrigins:\n      - exact: https://example.com\n"
               "      allowMethods:\n      - GET\n      maxAge: 24h\n");
    if (pick(g, 5) == 0)
        out(g, "    headers:\n      response:\n        remove:\n        - x-internal\n");
}

static void gen_http_route(struct gen *g, int i)
{
    out(g, "  - name: r%d\n", i);
    gen_http_match(g);
    unsigned what = pick(g, 6);
    if (what == 4)
        out(g, "    redirect:\n      uri: /moved\n      authority: %s\n", concrete_host(g));
    else if (what == 5)
        out(g, "    directResponse:\n      status: %u\n      body:\n        string: nope\n",
            pick(g, 2) ? 503 : 200);
    else
        gen_route_destinations(g, "    ");
    gen_http_extras(g, what == 4, what == 5);
}

static void gen_l4_route(struct gen *g, int tls)
{
    out(g, "  - match:\n");
    unsigned n = 1 + pick(g, 2);
    for (unsigned i = 0; i < n; i++) {
        out(g, "    - port: %u\n", PICK(g, ports));
        if (tls) {
            /* SNI hosts must be among the VirtualService's hosts */
            const char *h = g->vs_hosts[pick(g, (unsigned)g->n_vs_hosts)];
            if (strcmp(h, "*") == 0)
                h = PICK(g, hosts);
            out(g, "      sniHosts:\n      - \"%s\"\n", h);
        }
        if (pick(g, 2))
            gen_gateways_list(g, "      ");
        if (!tls && pick(g, 5) == 0)
            out(g, "      destinationSubnets:\n      - 10.0.0.0/8\n");
        if (pick(g, 6) == 0)
            gen_labels(g, "      ", "sourceLabels");
    }
    gen_route_destinations(g, "    ");
}

static void gen_virtual_service(struct gen *g, int i)
{
    static const char *const vs_hosts[] = {"edition.cnn.com",
                                           "api.example.com",
                                           "*.wikipedia.org",
                                           "svc.ns1.svc.cluster.local",
                                           "db.internal",
                                           "*",
                                           "svc"};
    char name[16];
    snprintf(name, sizeof(name), "vs-%d", i);
    gen_meta(g, "VirtualService", name);
    int mesh = gen_gateways_list(g, "  ");
    const char *h1 = PICK(g, vs_hosts);
    if (mesh && strcmp(h1, "*") == 0)
        h1 = "edition.cnn.com"; /* "*" is for gateways only */
    out(g, "  hosts:\n  - \"%s\"\n", h1);
    g->vs_hosts[0] = h1;
    g->n_vs_hosts = 1;
    if (pick(g, 4) == 0) {
        const char *h2 = PICK(g, vs_hosts);
        if (h1[0] != '*' && h2[0] != '*' && strcmp(h1, h2) != 0) {
            out(g, "  - \"%s\"\n", h2);
            g->vs_hosts[g->n_vs_hosts++] = h2;
        }
    }
    gen_export_to(g, "  ");
    unsigned n_http = pick(g, 4), n_tls = pick(g, 3), n_tcp = pick(g, 3);
    if (n_http + n_tls + n_tcp == 0)
        n_http = 1;
    if (n_http) {
        out(g, "  http:\n");
        for (unsigned r = 0; r < n_http; r++)
            gen_http_route(g, (int)r);
    }
    if (n_tls) {
        out(g, "  tls:\n");
        for (unsigned r = 0; r < n_tls; r++)
            gen_l4_route(g, 1);
    }
    if (n_tcp) {
        out(g, "  tcp:\n");
        for (unsigned r = 0; r < n_tcp; r++)
            gen_l4_route(g, 0);
    }
}

/* ---- DestinationRule ------------------------------------------------------------- */

static void gen_client_tls(struct gen *g, const char *indent)
{
    const char *mode = PICK(g, client_tls_modes);
    out(g, "%stls:\n%s  mode: %s\n", indent, indent, mode);
    if (pick(g, 2)) {
        const char *sni = PICK(g, hosts);
        out(g, "%s  sni: %s\n", indent, sni[0] == '*' ? sni + 2 : sni);
    }
    int cred = 0;
    if (strcmp(mode, "MUTUAL") == 0) {
        cred = pick(g, 3) == 0;
        if (cred)
            out(g, "%s  credentialName: client-cred\n", indent);
        else
            out(g,
                "%s  clientCertificate: /etc/certs/cert-chain.pem\n"
                "%s  privateKey: /etc/certs/key.pem\n",
                indent, indent);
    }
    if (!cred && (strcmp(mode, "SIMPLE") == 0 || strcmp(mode, "MUTUAL") == 0) && pick(g, 2))
        out(g, "%s  caCertificates: /etc/certs/root-cert.pem\n", indent);
    if (pick(g, 6) == 0)
        out(g, "%s  subjectAltNames:\n%s  - edition.cnn.com\n", indent, indent);
}

static void gen_policy_body(struct gen *g, const char *indent)
{
    int any = 0;
    if (pick(g, 2)) {
        any = 1;
        if (pick(g, 4) == 0)
            out(g, "%sloadBalancer:\n%s  consistentHash:\n%s    httpHeaderName: x-user\n", indent,
                indent, indent);
        else
            out(g, "%sloadBalancer:\n%s  simple: %s\n", indent, indent, PICK(g, lb_simple));
    }
    if (pick(g, 4) == 0) {
        any = 1;
        out(g,
            "%sconnectionPool:\n%s  tcp:\n%s    maxConnections: %u\n"
            "%s    connectTimeout: %s\n%s  http:\n%s    http1MaxPendingRequests: 10\n",
            indent, indent, indent, 1 + pick(g, 100), indent, PICK(g, durations), indent, indent);
    }
    if (pick(g, 5) == 0) {
        any = 1;
        out(g,
            "%soutlierDetection:\n%s  consecutive5xxErrors: %u\n%s  interval: 10s\n"
            "%s  baseEjectionTime: 30s\n",
            indent, indent, 1 + pick(g, 5), indent, indent);
    }
    if (pick(g, 2) || !any)
        gen_client_tls(g, indent);
}

static void gen_traffic_policy(struct gen *g, const char *indent)
{
    char inner[32];
    snprintf(inner, sizeof(inner), "%s  ", indent);
    out(g, "%strafficPolicy:\n", indent);
    gen_policy_body(g, inner);
    if (pick(g, 3) == 0) {
        out(g, "%sportLevelSettings:\n", inner);
        unsigned n = 1 + pick(g, 2), used = 0;
        for (unsigned i = 0; i < n; i++) {
            unsigned k = pick(g, sizeof(ports) / sizeof(ports[0]));
            if (used & (1u << k))
                continue;
            used |= 1u << k;
            out(g, "%s- port:\n%s    number: %u\n", inner, inner, ports[k]);
            char more[40];
            snprintf(more, sizeof(more), "%s  ", inner);
            gen_policy_body(g, more);
        }
    }
}

static void gen_destination_rule(struct gen *g, int i)
{
    char name[16];
    snprintf(name, sizeof(name), "dr-%d", i);
    gen_meta(g, "DestinationRule", name);
    struct dr_rec *rec = &g->drs[g->n_drs++];
    rec->host = PICK(g, hosts);
    rec->ns = g->ns;
    rec->exported = 1;
    out(g, "  host: \"%s\"\n", rec->host);
    if (pick(g, 2))
        gen_traffic_policy(g, "  ");
    unsigned n = pick(g, 4), used = 0;
    if (n)
        out(g, "  subsets:\n");
    for (unsigned s = 0; s < n; s++) {
        unsigned k = pick(g, sizeof(subsets) / sizeof(subsets[0]));
        if (used & (1u << k))
            continue;
        used |= 1u << k;
        out(g, "  - name: %s\n", subsets[k]);
        if (pick(g, 4))
            gen_labels(g, "    ", "labels");
        if (pick(g, 3) == 0)
            gen_traffic_policy(g, "    ");
    }
    rec->subsets = used;
    if (gen_export_to(g, "  "))
        rec->exported = 0; /* a restricted rule: not counted on from elsewhere */
}

/* The whole stream: a few of each kind, in an order the input chooses. */
__attribute__((unused)) static void generate(struct gen *g)
{
    unsigned n_se = 1 + pick(g, 4), n_gw = pick(g, 4), n_vs = pick(g, 5), n_dr = pick(g, 4);
    for (unsigned i = 0; i < n_se; i++)
        gen_service_entry(g, (int)i);
    for (unsigned i = 0; i < n_gw; i++)
        gen_gateway(g, (int)i);
    for (unsigned i = 0; i < n_dr; i++)
        gen_destination_rule(g, (int)i);
    for (unsigned i = 0; i < n_vs; i++)
        gen_virtual_service(g, (int)i);
}

#endif
