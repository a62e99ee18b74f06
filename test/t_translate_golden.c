/* t_translate_golden.c - golden config dumps for the guide's six scenarios:
 * what the sleep sidecar and the egress gateway receive, as Envoy's admin
 * /config_dump would print it, compared as JSON with
 * test/data/translate/<scenario>.<proxy>.json.
 *
 * XDSD_UPDATE_GOLDEN=1 rewrites the files from the current output; review
 * every change by hand against docs/egress-scenarios.md before committing it. */
#include <jansson.h>
#include <stdlib.h>

#include "translate_fixture.h"
#include "xdsd/config_dump.h"
#include "xdsd/pbjson.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"
#include "unit.h"

static const char *const scenarios[] = {
    "http-egress",          "http-egress-mtls",  "tls-origination",
    "tls-origination-mtls", "https-passthrough", "https-passthrough-mtls",
};

static const struct {
    const char *name, *id, *labels;
} proxies[] = {
    {"sleep", "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local", "app=sleep"},
    {"egressgateway", "router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
     "istio=egressgateway,app=istio-egressgateway"},
};

static json_t *dump_of(struct snapshot *s, const char *id, const char *labels)
{
    size_t n = 0;
    struct config_kv *l = proxy_labels_parse(labels, &n);
    struct proxy_identity p;
    proxy_identity_init(&p, id, NULL, NULL, l, n, NULL);
    proxy_labels_free(l, n);
    char *err = NULL;
    const struct xds_view *v = snapshot_view(s, &p, NULL, &err);
    free(err);
    proxy_identity_release(&p);
    fx_dump(v, "golden"); /* for test/translate/validate.sh */
    struct config_dump_filter f = {0};
    return v ? config_dump_json(v, &f) : NULL;
}

static void check_golden(const char *path, json_t *got)
{
    if (getenv("XDSD_UPDATE_GOLDEN") != NULL) {
        char *text = pbjson_dumps(got, 1);
        FILE *fp = fopen(path, "w");
        CHECK(fp != NULL);
        if (fp != NULL) {
            fputs(text, fp);
            fclose(fp);
        }
        free(text);
        return;
    }
    json_error_t jerr;
    json_t *want = json_load_file(path, 0, &jerr);
    if (want == NULL) {
        char m[512];
        snprintf(m, sizeof(m), "%s: %s", path, jerr.text);
        unit_fail(__FILE__, __LINE__, m);
        return;
    }
    if (!json_equal(want, got)) {
        char *text = pbjson_dumps(got, 1);
        char *out = xasprintf("%s.got", path);
        FILE *fp = fopen(out, "w");
        if (fp != NULL) {
            fputs(text, fp);
            fclose(fp);
        }
        char m[512];
        snprintf(m, sizeof(m), "%s differs (this run's output is in %s)", path, out);
        unit_fail(__FILE__, __LINE__, m);
        free(out);
        free(text);
    }
    json_decref(want);
}

TEST(translate_golden_guide_scenarios)
{
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
        char *dir = xasprintf("%s/config/guide/%s", unit_data_dir(), scenarios[i]);
        struct config_diags diags = {0};
        struct config_set *cfg = config_load(dir, &diags, NULL);
        config_diags_release(&diags);
        free(dir);
        CHECK(cfg != NULL);
        if (cfg == NULL)
            continue;
        struct translate_options o = {.outbound_policy = OUTBOUND_ALLOW_ANY, .mesh_certs = "/etc/certs", .trust_domain = "cluster.local"};
        struct snapshot *s = translate_snapshot(cfg, 1, &o);
        config_unref(cfg);
        for (size_t p = 0; p < ARRAY_LEN(proxies); p++) {
            json_t *got = dump_of(s, proxies[p].id, proxies[p].labels);
            CHECK(got != NULL);
            if (got == NULL)
                continue;
            char *path = xasprintf("%s/translate/%s.%s.json", unit_data_dir(), scenarios[i],
                                   proxies[p].name);
            check_golden(path, got);
            free(path);
            json_decref(got);
        }
        snapshot_unref(s);
    }
}
