/* fuzz_config.c - libFuzzer driver: arbitrary bytes into config_parse().
 *
 *   make fuzz && build/fuzz/fuzz_config -max_total_time=600 CORPUS test/data/config
 *
 * Any crash, leak or sanitizer report is a bug; the inputs that found one are
 * kept as regression tests in test/t_config_fuzz.c. */
#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"
#include "xdsd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_diags d;
    struct config_set *s = config_parse("fuzz.yaml", (const char *)data, size, &d);
    if (s) {
        /* exercise the indexes on whatever was accepted */
        size_t n;
        const struct service_entry *se = config_service_entries(s, &n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < se[i].n_hosts; j++) {
                config_find_service(s, se[i].hosts[j]);
                config_find_destination_rule(s, se[i].hosts[j], se[i].meta.namespace);
            }
        const struct gateway *gw = config_gateways(s, &n);
        for (size_t i = 0; i < n; i++)
            config_find_gateway(s, gw[i].meta.namespace, gw[i].meta.name);
    }
    config_unref(s);
    config_diags_release(&d);
    return 0;
}
