/* fuzz_translate.c - libFuzzer driver: translation of fuzzed *valid* configurations.
 *
 *   make fuzz && build/fuzz/fuzz_translate -max_total_time=600 test/fuzz/corpus/fuzz_translate
 *
 * The input bytes are not YAML: they drive a small generator (gen_config.h) that writes
 * ServiceEntries, Gateways, VirtualServices and DestinationRules whose hosts,
 * ports, subsets and gateway names come from small pools, so that references
 * between them mostly resolve. What config_parse() rejects is skipped; what it
 * accepts goes through translate_snapshot() and snapshot_view() for sidecars in
 * two namespaces, a router some Gateway selects, a router none selects and a
 * proxyless gRPC client. A crash, a sanitizer report or a failed view build
 * (the consistency check) is a finding: the driver aborts with the message.
 *
 * FUZZ_TRANSLATE_PRINT=1 prints each generated YAML stream (to see what the
 * corpus holds); FUZZ_TRANSLATE_STATS=1 prints how many inputs validated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/config.h"
#include "xdsd/log.h"
#include "xdsd/proxy.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#include "gen_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- translation ------------------------------------------------------------------- */

struct proxy_case {
    const char *id;
    const char *labels; /* "k=v,..." */
    const char *generator;
};

static const struct proxy_case proxies[] = {
    {"sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local", "app=sleep,version=v1", NULL},
    {"sidecar~10.0.1.5~web-1.ns1~ns1.svc.cluster.local", "app=web", NULL},
    {"router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
     "istio=egressgateway,app=istio-egressgateway", NULL},
    {"router~10.0.2.9~igw-1.ns1~ns1.svc.cluster.local", "istio=ingressgateway", NULL},
    {"router~10.0.3.9~lonely-1.default~default.svc.cluster.local", "app=lonely", NULL},
    {"sidecar~10.0.0.7~grpc-1.default~default.svc.cluster.local", "app=grpc", "grpc"},
};

static void check_views(struct config_set *cfg, int registry_only)
{
    struct translate_options o = {
        .outbound_policy = registry_only ? OUTBOUND_REGISTRY_ONLY : OUTBOUND_ALLOW_ANY,
        .mesh_certs = "/etc/certs",
        .trust_domain = "cluster.local",
    };
    struct snapshot *s = translate_snapshot(cfg, 1, &o);
    for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++) {
        size_t n = 0;
        struct config_kv *l = proxy_labels_parse(proxies[i].labels, &n);
        struct proxy_identity id;
        proxy_identity_init(&id, proxies[i].id, NULL, NULL, l, n, proxies[i].generator);
        proxy_labels_free(l, n);
        char *err = NULL;
        const char *key = NULL;
        const struct xds_view *v = snapshot_view(s, &id, &key, &err);
        if (v == NULL) {
            fprintf(stderr, "FINDING: view build failed for %s (class %s): %s\n", proxies[i].id,
                    key ? key : "?", err ? err : "(no message)");
            abort();
        }
        /* every resource is named and packed */
        for (int t = 0; t < XDS_NTYPES; t++) {
            const struct xds_resource *r = xds_view_items(v, (enum xds_type)t);
            for (size_t k = 0; k < xds_view_count(v, (enum xds_type)t); k++)
                if (r[k].name == NULL || r[k].name[0] == '\0' || (r[k].len && !r[k].bytes)) {
                    fprintf(stderr, "FINDING: %s resource without a name or bytes\n",
                            xds_type_short((enum xds_type)t));
                    abort();
                }
        }
        free(err);
        proxy_identity_release(&id);
    }
    snapshot_unref(s);
}

static size_t n_inputs, n_valid;

static void print_stats(void)
{
    fprintf(stderr, "fuzz_translate: %zu inputs, %zu valid configurations\n", n_inputs, n_valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        init = 1;
        /* translation logs failures at error level: keep those, drop the rest */
        log_init(LOG_ERROR, LOG_TEXT);
        if (getenv("FUZZ_TRANSLATE_STATS"))
            atexit(print_stats);
    }
    if (size < 1)
        return 0;
    struct gen g = {.p = data + 1, .n = size - 1};
    generate(&g);
    n_inputs++;
    if (getenv("FUZZ_TRANSLATE_PRINT"))
        fprintf(stderr, "%s\n", g.buf);
    struct config_diags d;
    struct config_set *cfg = config_parse("fuzz.yaml", g.buf, g.len, &d);
    if (cfg != NULL) {
        n_valid++;
        check_views(cfg, data[0] & 1);
    } else if (getenv("FUZZ_TRANSLATE_PRINT")) {
        config_diags_print(&d, stderr);
    }
    config_unref(cfg);
    config_diags_release(&d);
    free(g.buf);
    return 0;
}
