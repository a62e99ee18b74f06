/* config_scan.h - resources of a set found by a scan of its sorted arrays,
 * as translation reads them: for tests that check what a load holds. */
#ifndef XDSD_TEST_CONFIG_SCAN_H
#define XDSD_TEST_CONFIG_SCAN_H

#include <string.h>

#include "xdsd/config.h"

/* The first ServiceEntry (by namespace/name) that lists host, or NULL. */
static inline const struct service_entry *scan_service(const struct config_set *s, const char *host)
{
    size_t n;
    const struct service_entry *se = config_service_entries(s, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < se[i].n_hosts; j++)
            if (strcmp(se[i].hosts[j], host) == 0)
                return &se[i];
    return NULL;
}

/* The first DestinationRule (by namespace/name) whose host is host, or NULL. */
static inline const struct destination_rule *scan_rule(const struct config_set *s, const char *host)
{
    size_t n;
    const struct destination_rule *dr = config_destination_rules(s, &n);
    for (size_t i = 0; i < n; i++)
        if (dr[i].host && strcmp(dr[i].host, host) == 0)
            return &dr[i];
    return NULL;
}

/* The Gateway ns/name, or NULL. */
static inline const struct gateway *scan_gateway(const struct config_set *s, const char *ns,
                                                 const char *name)
{
    size_t n;
    const struct gateway *gw = config_gateways(s, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(gw[i].meta.namespace, ns) == 0 && strcmp(gw[i].meta.name, name) == 0)
            return &gw[i];
    return NULL;
}

#endif
