/* fuzz_translate_yaml.c - libFuzzer driver: whatever YAML the loader accepts is
 * translated for a sidecar, a gateway and a proxyless gRPC client.
 *
 *   make fuzz && build/fuzz/fuzz_translate_yaml -max_total_time=600 CORPUS test/data/config/guide
 *
 * Translation must never crash, leak or fail its consistency check on a
 * configuration the loader accepted: any of these is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xdsd/config.h"
#include "xdsd/log.h"
#include "xdsd/translate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void build(const struct translate_model *m, const char *id, const char *labels,
                  const char *generator)
{
    size_t n = 0;
    struct config_kv *l = proxy_labels_parse(labels, &n);
    struct proxy_identity p;
    proxy_identity_init(&p, id, NULL, NULL, l, n, generator);
    proxy_labels_free(l, n);
    struct translate_options o = {.outbound_policy = OUTBOUND_REGISTRY_ONLY, .mesh_certs = "/etc/certs", .trust_domain = "cluster.local"};
    char *err = NULL;
    struct xds_view *v = translate_build(m, &o, &p, &err);
    if (v == NULL)
        abort(); /* a config the loader accepted must translate */
    free(err);
    free(translate_class_key(m, &p));
    xds_view_free(v);
    proxy_identity_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        log_init(LOG_ERROR, LOG_TEXT);
        quiet = 1;
    }
    struct config_diags d;
    struct config_set *s = config_parse("fuzz.yaml", (const char *)data, size, &d);
    if (s != NULL) {
        struct translate_model m;
        m.service_entries = config_service_entries(s, &m.n_service_entries);
        m.gateways = config_gateways(s, &m.n_gateways);
        m.virtual_services = config_virtual_services(s, &m.n_virtual_services);
        m.destination_rules = config_destination_rules(s, &m.n_destination_rules);
        build(&m, "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local", "app=sleep", NULL);
        build(&m, "router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
              "istio=egressgateway,app=istio-egressgateway", NULL);
        build(&m, "sidecar~10.0.0.6~client-1.default~default.svc.cluster.local", "app=c", "grpc");
    }
    config_unref(s);
    config_diags_release(&d);
    return 0;
}
