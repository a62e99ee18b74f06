/* debug_internal.h - the pieces of the debug endpoint, as pure functions of
 * the state copies, so each answer can be built and checked without sockets. */
#ifndef XDSD_DEBUG_INTERNAL_H
#define XDSD_DEBUG_INTERNAL_H

#include <jansson.h>

#include "xdsd/debug.h"

/* RFC 3339 UTC time of a wall-clock instant in milliseconds, caller frees. */
char *debug_time_text(int64_t wall_ms);

json_t *debug_version_json(void);
json_t *debug_configz_json(const struct debug_config_info *c);
json_t *debug_syncz_json(const struct xds_status_report *r);
/* proxy_id NULL: every client; else those matching it (see debug_stream_matches). */
json_t *debug_adsz_json(const struct xds_status_report *r, const char *proxy_id);
/* Does the stream belong to proxy_id: its node id, or the POD.NAMESPACE part of it? */
int debug_stream_matches(const struct xds_stream_status *s, const char *proxy_id);
/* The most recent stream of proxy_id, or NULL. */
const struct xds_stream_status *debug_find_stream(const struct xds_status_report *r,
                                                  const char *proxy_id);
/* Envoy's ConfigDump of what stream s was last sent. */
json_t *debug_stream_config_dump(const struct xds_stream_status *s);
/* Prometheus text format 0.0.4; r and c may be NULL; bounds: the 12 upper
 * bounds of the report's histogram buckets. Caller frees. */
char *debug_metrics_text(const struct xds_status_report *r, const struct debug_config_info *c,
                         const double *bounds);

/* The egress map of snap (may be NULL: an empty map) for the sidecar
 * namespaces of r's proxies and of snap's configuration (egressz.c). */
json_t *debug_egressz_json(struct snapshot *snap, const struct xds_status_report *r);
/* The walk of request (with n_headers "Name: value" lines) from the
 * connected proxy, on what it was last sent; *status 200, or 400/404/500
 * with {"error"}. */
json_t *debug_simulate_json(const struct xds_status_report *r, const char *proxy,
                            const char *request, const char *const *headers, size_t n_headers,
                            unsigned *status);
/* /debug/secretz: every secret of set, or (st not NULL) those in the view
 * of stream st; descriptions only, never content (secretz.c). */
struct secret_set;
json_t *debug_secretz_json(const struct secret_set *set, const struct xds_stream_status *st);
/* Another reference to the set debug_secretz_set() gave, or NULL. */
struct secret_set *debug_secretz_take(void);

/* Deep copy of src into dst. */
void debug_config_info_copy(struct debug_config_info *dst, const struct debug_config_info *src);

/* ---- the dashboard (ui.c) */
struct proxy_tables_filter;
/* /debug/uiz: configuration state, push and NACK counts and every stream's
 * sync state per type, for the page; r may be NULL. */
json_t *debug_uiz_json(const struct xds_status_report *r, const struct debug_config_info *c);
/* {"stamp": S, "state": debug_uiz_json} as text, or only the stamp and
 * "unchanged": true when since (may be NULL) is S. Caller frees. */
char *debug_uiz_text(const struct xds_status_report *r, const struct debug_config_info *c,
                     const char *since);
/* {"proxy", "tables": [...]}: stream s's proxy_tables of type (or "all");
 * secretz: /debug/secretz's answer for it, or NULL. */
json_t *debug_proxy_config_json(const struct xds_stream_status *s, const char *type,
                                const struct proxy_tables_filter *f, const json_t *secretz);
/* The page's file at path ("/ui", "/ui/app.js", "/ui/style.css") and its
 * content type, or NULL. Static storage. */
const char *debug_ui_asset(const char *path, const char **type);

#endif
