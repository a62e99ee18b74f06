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

/* /debug/secretz: every secret of set, or (st not NULL) those in the view
 * of stream st; descriptions only, never content (secretz.c). */
struct secret_set;
json_t *debug_secretz_json(const struct secret_set *set, const struct xds_stream_status *st);
/* Another reference to the set debug_secretz_set() gave, or NULL. */
struct secret_set *debug_secretz_take(void);

/* Deep copy of src into dst. */
void debug_config_info_copy(struct debug_config_info *dst, const struct debug_config_info *src);

#endif
