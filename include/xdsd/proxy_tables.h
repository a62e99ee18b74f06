/* proxy_tables.h - istioctl proxy-config's summary tables, built from what a
 * proxy was sent (Envoy's ConfigDump JSON, as /debug/config_dump answers).
 *
 * Shared by `xdsd proxy-config` (which reads the dump over HTTP) and the
 * dashboard (/debug/proxy_config, built in the server): one table is
 *
 *   {"type": "clusters", "columns": ["SERVICE FQDN", ...], "rows": [["a", ...], ...]}
 *
 * every cell a string, "-" where a column does not apply. Pure functions of
 * their JSON arguments: nothing here does I/O. */
#ifndef XDSD_PROXY_TABLES_H
#define XDSD_PROXY_TABLES_H

#include <jansson.h>
#include <stdint.h>

/* Which rows to keep: name (NULL: any) is the resource's name (a cluster's
 * name or service FQDN, a listener's, a route configuration's or virtual
 * host's, an endpoint's cluster, a secret's); port (0: any) is the PORT
 * column (clusters, listeners), the route configuration named by it
 * (routes) or the endpoint's port (endpoints). */
struct proxy_tables_filter {
    const char *name;
    unsigned port;
};

/* Whether type is one of clusters, listeners, routes, endpoints, secrets. */
int proxy_tables_type_ok(const char *type);

/* The table of type (clusters, listeners, routes or endpoints) from dump, a
 * ConfigDump object; f may be NULL. Returns a new reference, or NULL for
 * another type. */
json_t *proxy_tables_build(const json_t *dump, const char *type,
                           const struct proxy_tables_filter *f);

/* The secrets table from /debug/secretz's array ([{"name", "type",
 * "fingerprint_sha256", "serial", "not_before", "not_after", "status"}],
 * NULL: none); VALID CERT compares the dates (RFC 3339) with now_s, seconds
 * since the epoch. Never shows more than those fields. New reference. */
json_t *proxy_tables_secrets(const json_t *secretz, const struct proxy_tables_filter *f,
                             int64_t now_s);

/* The resources of type in dump (the Cluster, Listener, RouteConfiguration
 * or ClusterLoadAssignment objects) that f keeps, as an array; new reference. */
json_t *proxy_tables_resources(const json_t *dump, const char *type,
                               const struct proxy_tables_filter *f);

#endif
