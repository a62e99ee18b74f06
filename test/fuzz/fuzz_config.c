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
        /* read every resource of whatever was accepted */
        size_t n, m = 0;
        const struct service_entry *se = config_service_entries(s, &n);
        for (size_t i = 0; i < n; i++)
            m += se[i].n_hosts;
        const struct gateway *gw = config_gateways(s, &n);
        for (size_t i = 0; i < n; i++)
            m += gw[i].n_servers;
        (void)m;
    }
    config_unref(s);
    config_diags_release(&d);
    return 0;
}
