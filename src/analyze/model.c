/* model.c - the questions the analyzers ask of a configuration: which
 * ServiceEntry declares a host, which of them are gateway services, which
 * Gateway a reference names. Host rules are host.h's. */
#include <string.h>

#include "analyze_int.h"
#include "xdsd/host.h"

int an_labels_have(const struct config_kv *have, size_t nhave, const struct config_labels *want)
{
    for (size_t i = 0; i < want->n; i++) {
        size_t j = 0;
        while (j < nhave && (strcmp(have[j].key, want->items[i].key) != 0 ||
                             strcmp(have[j].value, want->items[i].value) != 0))
            j++;
        if (j == nhave)
            return 0;
    }
    return 1;
}

int an_se_selected(const struct service_entry *se, const struct config_labels *sel)
{
    if (sel->n == 0)
        return 0;
    for (size_t e = 0; e < se->n_endpoints; e++) {
        const struct config_labels *l = &se->endpoints[e].labels;
        if (l->n > 0 && an_labels_have(l->items, l->n, sel))
            return 1;
    }
    return 0;
}

int an_is_gateway_service(const struct actx *a, const struct service_entry *se)
{
    if (se->location != LOCATION_MESH_INTERNAL)
        return 0;
    for (size_t g = 0; g < a->ngw; g++)
        if (an_se_selected(se, &a->gw[g].selector))
            return 1;
    return 0;
}

const struct service_entry *an_se_of(struct actx *a, const char *host, const char *ns,
                                     int gateway_only)
{
    const char *full = host_fqdn(&a->tmp, host, ns);
    for (size_t i = 0; i < a->nse; i++) {
        const struct service_entry *se = &a->se[i];
        if (gateway_only && !an_is_gateway_service(a, se))
            continue;
        for (size_t h = 0; h < se->n_hosts; h++)
            if (strcmp(host_fqdn(&a->tmp, se->hosts[h], se->meta.namespace), full) == 0)
                return se;
    }
    return NULL;
}

int an_host_declared(struct actx *a, const char *host, const char *ns)
{
    const char *full = host_fqdn(&a->tmp, host, ns);
    for (size_t i = 0; i < a->nse; i++)
        for (size_t h = 0; h < a->se[i].n_hosts; h++)
            if (host_overlap(host_fqdn(&a->tmp, a->se[i].hosts[h], a->se[i].meta.namespace), full))
                return 1;
    return 0;
}

