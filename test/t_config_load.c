/* t_config_load.c - file shapes, field spellings, positions, directory
 * loading, the guide's scenarios, reference counts and generations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_scan.h"
#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/util.h"

static struct config_set *parse(const char *yaml, struct config_diags *d)
{
    struct config_set *s = config_parse("t.yaml", yaml, strlen(yaml), d);
    if (s == NULL)
        config_diags_print(d, stderr);
    return s;
}

#define SE_HEAD "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"

TEST(config_multi_document_comments_empty_docs)
{
    const char *y = "# leading comment\n"
                    "---\n"
                    "---\n" SE_HEAD "metadata: {name: a}   # trailing\n"
                    "spec: {hosts: [a.example.com], resolution: NONE}\n"
                    "---\n"
                    "# a document with only a comment\n"
                    "---\n" SE_HEAD "metadata:\n  name: b\n  namespace: ns1\n"
                    "spec:\n  hosts: ['b.example.com']\n  resolution: \"NONE\"\n"
                    "...\n";
    struct config_diags d;
    struct config_set *s = parse(y, &d);
    CHECK(s != NULL);
    size_t n = 0;
    const struct service_entry *se = s ? config_service_entries(s, &n) : NULL;
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(se[0].meta.namespace, "default"); /* sorted by namespace, name */
        CHECK_STR(se[0].meta.name, "a");
        CHECK_STR(se[1].meta.namespace, "ns1");
        CHECK_STR(se[1].hosts[0], "b.example.com");
        CHECK_STR(se[1].meta.pos.file, "t.yaml");
        CHECK_INT(se[1].meta.pos.line, 11);
        CHECK_INT(se[1].meta.pos.column, 1);
    }
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_list_is_unpacked)
{
    const char *y = "apiVersion: v1\nkind: List\nitems:\n"
                    "- apiVersion: networking.istio.io/v1beta1\n  kind: Gateway\n"
                    "  metadata: {name: gw, namespace: istio-system}\n"
                    "  spec:\n    selector: {istio: egressgateway}\n    servers:\n"
                    "    - port: {number: 80, name: http, protocol: HTTP}\n"
                    "      hosts: ['*']\n"
                    "- apiVersion: networking.istio.io/v1alpha3\n  kind: DestinationRule\n"
                    "  metadata: {name: dr}\n  spec: {host: a.example.com}\n"
                    "metadata: {resourceVersion: \"\"}\n";
    struct config_diags d;
    struct config_set *s = parse(y, &d);
    CHECK(s != NULL);
    if (s) {
        const struct gateway *gw = scan_gateway(s, "istio-system", "gw");
        CHECK(gw != NULL);
        CHECK(gw && gw->n_servers == 1 && gw->servers[0].port.protocol == PROTO_HTTP);
        CHECK_STR(gw ? gw->selector.items[0].value : NULL, "egressgateway");
        CHECK(scan_rule(s, "a.example.com") != NULL);
    }
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_anchors_aliases_and_merge_keys)
{
    const char *y = SE_HEAD "metadata: {name: a}\n"
                            "spec:\n  hosts: &h [a.example.com, b.example.com]\n"
                            "  ports:\n  - &p {number: 80, name: http, protocol: HTTP}\n"
                            "  - <<: *p\n    number: 8080\n    name: http-alt\n"
                            "  resolution: NONE\n"
                            "---\n" SE_HEAD "metadata: {name: b}\n"
                            "spec: {hosts: [c.example.com], resolution: NONE, exportTo: ['.']}\n";
    struct config_diags d;
    struct config_set *s = parse(y, &d);
    CHECK(s != NULL);
    if (s) {
        const struct service_entry *se = scan_service(s, "b.example.com");
        CHECK(se != NULL);
        CHECK(se && se->n_ports == 2);
        if (se && se->n_ports == 2) {
            CHECK_INT(se->ports[1].number, 8080);
            CHECK_STR(se->ports[1].name, "http-alt");
            CHECK_INT(se->ports[1].protocol, PROTO_HTTP); /* merged from the anchor */
        }
    }
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_alias_bomb_is_refused)
{
    /* nine levels of ten aliases each: 10^9 nodes once expanded */
    char *y = xstrdup("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        char *n = xasprintf("%sa%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                            "*a%d]\n",
                            y, i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                            i - 1);
        free(y);
        y = n;
    }
    struct config_diags d;
    struct config_set *s = config_parse("bomb.yaml", y, strlen(y), &d);
    CHECK(s == NULL);
    CHECK(d.n_errors >= 1);
    CHECK(d.n > 0 && strstr(d.items[0].message, "once aliases are expanded") != NULL);
    config_unref(s);
    config_diags_release(&d);
    free(y);
}

/* Every spelling Istio accepts decodes to the same model. */
TEST(config_camel_and_snake_case)
{
    static const char *const pairs[][2] = {
        {"sniHosts", "sni_hosts"},
        {"portLevelSettings", "port_level_settings"},
        {"exportTo", "export_to"},
        {"subjectAltNames", "subject_alt_names"},
        {"workloadSelector", "workload_selector"},
    };
    for (size_t i = 0; i < ARRAY_LEN(pairs); i++) {
        for (int k = 0; k < 2; k++) {
            const char *f = pairs[i][k];
            char *y = xasprintf(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\n"
                "spec:\n  hosts: [a.example.com]\n  %s: [.]\n"
                "  tls:\n  - match: [{%s: [a.example.com]}]\n"
                "    route: [{destination: {host: a.example.com}}]\n"
                "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                "metadata: {name: d}\nspec:\n  host: a.example.com\n"
                "  trafficPolicy:\n    %s:\n    - port: {number: 443}\n"
                "      tls: {mode: SIMPLE, %s: [a.example.com]}\n"
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                "metadata: {name: s}\nspec:\n  hosts: [a.example.com]\n  resolution: STATIC\n"
                "  ports: [{number: 443, name: tls, protocol: TLS}]\n"
                "  %s: {labels: {app: a}}\n",
                pairs[2][k], pairs[0][k], pairs[1][k], pairs[3][k], pairs[4][k]);
            struct config_diags d;
            struct config_set *s = parse(y, &d);
            CHECK(s != NULL);
            if (s) {
                size_t n;
                const struct virtual_service *vs = config_virtual_services(s, &n);
                CHECK(vs[0].n_export_to == 1 && vs[0].tls[0].match[0].n_sni_hosts == 1);
                const struct destination_rule *dr = scan_rule(s, "a.example.com");
                CHECK(dr && dr->traffic_policy.n_port_level_settings == 1);
                CHECK(dr && dr->traffic_policy.port_level_settings[0].port == 443);
                CHECK(dr && dr->traffic_policy.port_level_settings[0].tls.n_subject_alt_names);
                const struct service_entry *se = scan_service(s, "a.example.com");
                CHECK(se && se->has_workload_selector && se->workload_selector.n == 1);
            }
            config_unref(s);
            config_diags_release(&d);
            free(y);
            (void)f;
        }
    }
}

TEST(config_values_decoded)
{
    const char *y =
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\n"
        "spec:\n  hosts: [a.example.com]\n  http:\n"
        "  - name: r1\n    match:\n    - uri: {prefix: /api}\n      headers: {x-a: {}}\n"
        "      port: 8080\n    timeout: 1m30s\n"
        "    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: 5xx}\n"
        "    mirror: {host: m.example.com}\n    mirrorPercentage: {value: 12.5}\n"
        "    corsPolicy: {allowOrigins: [{exact: 'https://x'}], maxAge: 24h}\n"
        "    headers: {request: {set: {x-b: '1'}}, response: {remove: [x-c]}}\n"
        "    route:\n    - destination: {host: a.example.com, port: {number: 8080}}\n"
        "      weight: 90\n    - destination: {host: b.example.com}\n      weight: 10\n";
    struct config_diags d;
    struct config_set *s = parse(y, &d);
    CHECK(s != NULL);
    if (s) {
        size_t n;
        const struct http_route *r = &config_virtual_services(s, &n)[0].http[0];
        CHECK_STR(r->name, "r1");
        CHECK_INT(r->match[0].uri.kind, MATCH_PREFIX);
        CHECK_STR(r->match[0].uri.value, "/api");
        CHECK_INT(r->match[0].n_headers, 1);
        CHECK_INT(r->match[0].headers[0].match.kind, MATCH_NONE);
        CHECK_INT(r->match[0].port, 8080);
        CHECK_INT(r->timeout_ms, 90000);
        CHECK_INT(r->retries.attempts, 3);
        CHECK_INT(r->retries.per_try_timeout_ms, 500);
        CHECK_INT(r->n_mirrors, 1);
        CHECK_STR(r->mirrors[0].destination.host, "m.example.com");
        CHECK(r->mirrors[0].percentage.has && r->mirrors[0].percentage.value == 12.5);
        CHECK_INT(r->cors.max_age_ms, 86400000);
        CHECK_INT(r->cors.allow_credentials, -1);
        CHECK_STR(r->headers.request.set.items[0].key, "x-b");
        CHECK_STR(r->headers.response.remove[0], "x-c");
        CHECK_INT(r->n_route, 2);
        CHECK_INT(r->route[0].destination.port, 8080);
        CHECK_INT(r->route[0].weight, 90);
        CHECK_INT(r->route[1].destination.port, 0);
        CHECK_INT(r->route[0].destination.pos.line, 19);
        CHECK_INT(r->pos.line, 7);
        CHECK_INT(r->pos.column, 5);
    }
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_warning_does_not_reject)
{
    const char *y = SE_HEAD "metadata: {name: a}\nspec: {hosts: [a.example.com]}\n";
    struct config_diags d;
    struct config_set *s = config_parse("w.yaml", y, strlen(y), &d);
    CHECK(s != NULL);
    CHECK_INT(d.n_errors, 0);
    CHECK_INT(d.n_warnings, 1);
    char buf[512] = "";
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    config_diags_print(&d, f);
    fclose(f);
    CHECK_STR(buf, "w.yaml:4:7: warning: ServiceEntry default/a: no ports: nothing can route "
                   "to this ServiceEntry\n");
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_guide_scenarios_load)
{
    static const char *const scenarios[] = {
        "http-egress",          "http-egress-mtls",  "tls-origination",
        "tls-origination-mtls", "https-passthrough", "https-passthrough-mtls",
    };
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
        char *dir = xasprintf("%s/config/guide/%s", unit_data_dir(), scenarios[i]);
        struct config_diags d;
        size_t nfiles = 0;
        struct config_set *s = config_load(dir, &d, &nfiles);
        if (!CHECK(s != NULL) || !CHECK(d.n == 0))
            config_diags_print(&d, stderr);
        CHECK(nfiles >= 3);
        if (s) {
            const struct service_entry *egw =
                scan_service(s, "istio-egressgateway.istio-system.svc.cluster.local");
            CHECK(egw && egw->location == LOCATION_MESH_INTERNAL);
            CHECK(scan_gateway(s, "default", "istio-egressgateway") != NULL);
            const struct destination_rule *dr =
                scan_rule(s, "istio-egressgateway.istio-system.svc.cluster.local");
            CHECK(dr && dr->n_subsets == 1 && strcmp(dr->subsets[0].name, "cnn") == 0);
            CHECK(scan_service(s, "edition.cnn.com") != NULL);
            CHECK(config_hash(s) != 0);
        }
        config_unref(s);
        config_diags_release(&d);
        free(dir);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(config_directory_walk)
{
    char tmpl[] = "/tmp/xdsd-cfg-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    char *sub = xasprintf("%s/sub", dir), *hidden = xasprintf("%s/.hidden", dir);
    mkdir(sub, 0755);
    mkdir(hidden, 0755);
    char *a = xasprintf("%s/a.yaml", dir), *b = xasprintf("%s/b.yml", sub),
         *c = xasprintf("%s/notes.txt", dir), *h = xasprintf("%s/x.yaml", hidden);
    write_file(a, SE_HEAD "metadata: {name: a}\nspec: {hosts: [a.example.com], ports: "
                          "[{number: 80, name: http, protocol: HTTP}]}\n");
    write_file(b, SE_HEAD "metadata: {name: b}\nspec: {hosts: [b.example.com], ports: "
                          "[{number: 80, name: http, protocol: HTTP}]}\n");
    write_file(c, "not yaml: [");
    write_file(h, "not: [valid");
    struct config_diags d;
    size_t nfiles = 0;
    struct config_set *s = config_load(dir, &d, &nfiles);
    CHECK(s != NULL);
    CHECK_INT(nfiles, 2);
    uint64_t h1 = s ? config_hash(s) : 0;
    config_unref(s);
    config_diags_release(&d);
    /* same content, same hash; different content, different hash */
    s = config_load(dir, &d, NULL);
    CHECK(s && config_hash(s) == h1);
    config_unref(s);
    config_diags_release(&d);
    write_file(b, SE_HEAD "metadata: {name: b}\nspec: {hosts: [c.example.com], ports: "
                          "[{number: 80, name: http, protocol: HTTP}]}\n");
    s = config_load(dir, &d, NULL);
    CHECK(s && config_hash(s) != h1);
    config_unref(s);
    config_diags_release(&d);
    /* a duplicate across files names both places: their metadata.name */
    write_file(b, SE_HEAD "metadata: {name: a}\nspec: {hosts: [c.example.com], ports: "
                          "[{number: 80, name: http, protocol: HTTP}]}\n");
    s = config_load(dir, &d, NULL);
    CHECK(s == NULL);
    char *want = xasprintf("duplicate ServiceEntry default/a: also defined at %s:3:18", a);
    CHECK(d.n_errors == 1 && strcmp(d.items[0].message, want) == 0);
    CHECK(d.n_errors == 1 && strcmp(d.items[0].pos.file, b) == 0);
    CHECK(d.n_errors == 1 && d.items[0].pos.line == 3 && d.items[0].pos.column == 18);
    free(want);
    config_unref(s);
    config_diags_release(&d);
    unlink(a), unlink(b), unlink(c), unlink(h), rmdir(sub), rmdir(hidden), rmdir(dir);
    free(a), free(b), free(c), free(h), free(sub), free(hidden);
}

TEST(config_empty_directory_is_valid)
{
    char tmpl[] = "/tmp/xdsd-cfg-XXXXXX";
    char *dir = mkdtemp(tmpl);
    struct config_diags d;
    struct config_set *s = config_load(dir, &d, NULL);
    CHECK(s != NULL);
    size_t n = 1;
    if (s)
        config_service_entries(s, &n);
    CHECK_INT(n, 0);
    config_unref(s);
    config_diags_release(&d);
    rmdir(dir);
}

TEST(config_ref_and_generation)
{
    const char *y = SE_HEAD "metadata: {name: z, namespace: b}\nspec: {hosts: [x.example.com], "
                            "resolution: NONE}\n";
    struct config_diags d;
    struct config_set *s = parse(y, &d);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(config_ref(s) == s);
    config_unref(s);
    config_set_generation(s, 7);
    CHECK_INT(config_generation(s), 7);
    config_unref(s);
    config_diags_release(&d);
}

TEST(config_diagnostics_are_capped)
{
    /* 3000 unknown fields: all counted, a thousand shown */
    size_t cap = 0, len = 0;
    char *y = NULL;
    const char *head = SE_HEAD "metadata: {name: a}\nspec:\n  hosts: [a.example.com]\n";
    xgrow((void **)&y, &cap, strlen(head) + 1, 1);
    strcpy(y, head);
    len = strlen(y);
    for (int i = 0; i < 3000; i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "  field%d: 1\n", i);
        xgrow((void **)&y, &cap, len + (size_t)n + 1, 1);
        memcpy(y + len, line, (size_t)n + 1);
        len += (size_t)n;
    }
    struct config_diags d;
    struct config_set *s = config_parse("big.yaml", y, len, &d);
    CHECK(s == NULL);
    CHECK_INT(d.n_errors, 3000);
    CHECK_INT(d.n, 1001);
    config_diags_release(&d);
    free(y);
}

TEST(config_hostile_shapes)
{
    /* deep nesting, a recursive anchor, binary junk, a NUL inside a scalar */
    static const struct {
        const char *text;
        size_t len;
        const char *message;
    } cases[] = {
        {NULL, 0, "nesting deeper than 256 levels"},
        {"a: &x [*x]\n", 11, "unknown anchor 'x'"},
        {"a: \x01\x02\n", 6, "invalid YAML"},
        {"apiVersion: networking.istio.io/v1\nkind: \"Gate\\0way\"\n", 53,
         "unsupported kind 'Gate'"},
        {"? [a]\n: b\n", 10, "mapping keys must be scalars"},
    };
    char deep[3001];
    memset(deep, '[', 3000);
    deep[3000] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *t = cases[i].text ? cases[i].text : deep;
        size_t len = cases[i].text ? cases[i].len : strlen(deep);
        struct config_diags d;
        struct config_set *s = config_parse("h.yaml", t, len, &d);
        CHECK(s == NULL);
        int found = 0;
        for (size_t j = 0; j < d.n; j++)
            found |= strstr(d.items[j].message, cases[i].message) != NULL;
        if (!CHECK(found))
            config_diags_print(&d, stderr);
        config_diags_release(&d);
    }
}
