/* config_dump.h - a view as Envoy's admin /config_dump prints it.
 *
 *   {"configs": [
 *     {"@type": ".../envoy.admin.v3.ClustersConfigDump", "version_info": V,
 *      "dynamic_active_clusters": [{"version_info": V, "cluster": {"@type": ...}}]},
 *     {"@type": ".../envoy.admin.v3.EndpointsConfigDump",
 *      "dynamic_endpoint_configs": [{"version_info": V, "endpoint_config": {...}}]},
 *     {"@type": ".../envoy.admin.v3.ListenersConfigDump", "version_info": V,
 *      "dynamic_listeners": [{"name": N, "active_state": {"version_info": V, "listener": {...}}}]},
 *     {"@type": ".../envoy.admin.v3.RoutesConfigDump",
 *      "dynamic_route_configs": [{"version_info": V, "route_config": {...}}]}]}
 *
 * Field names are the .proto names, as Envoy prints them; every Any is
 * expanded by the generic encoder (pbjson.h), private keys redacted. The
 * configs come in Envoy's order (its config trackers sorted by name). */
#ifndef XDSD_CONFIG_DUMP_H
#define XDSD_CONFIG_DUMP_H

#include <stddef.h>

#include <jansson.h>

#include "xdsd/snapshot.h"

/* What to dump. A zeroed filter dumps every resource of every type with the
 * view's versions. */
struct config_dump_filter {
    unsigned types; /* bits (1u << XDS_CLUSTER) ...; 0: every type */
    /* by_name[t]: only the n_names[t] resources names[t] (may be 0: none) */
    int by_name[XDS_NTYPES];
    const char *const *names[XDS_NTYPES];
    size_t n_names[XDS_NTYPES];
    /* version_info shown for type t: versions[t], or the view's version of
     * the type when NULL or empty */
    const char *versions[XDS_NTYPES];
    /* show each resource's own version (delta xDS) instead of the type's */
    int resource_versions;
};

/* The ConfigDump JSON of view v (v may be NULL: empty dumps). Returns a new
 * reference. Names not in the view are skipped. */
json_t *config_dump_json(const struct xds_view *v, const struct config_dump_filter *f);

/* The type mask of a --type word: "clusters", "endpoints", "listeners",
 * "routes" (or "cds"/"eds"/"lds"/"rds"), "all" -> 0. Returns -1 when unknown. */
int config_dump_types_parse(const char *word, unsigned *types);

#endif
