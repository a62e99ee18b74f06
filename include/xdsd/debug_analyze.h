/* debug_analyze.h - the answer of /debug/analyzez (src/debug/analyze.c),
 * apart from the HTTP server so that tests build it without sockets. */
#ifndef XDSD_DEBUG_ANALYZE_H
#define XDSD_DEBUG_ANALYZE_H

#include "xdsd/debug.h"

/* `xdsd analyze --live`'s findings on the set c serves (its findings of
 * loading included), with the proxies of r (may be NULL) as the connected
 * ones. The settings are serve's (may be NULL: the defaults), each
 * replaced by the query's outbound, mesh_certs, trust_domain when not NULL
 * or empty. Returns the JSON body (caller frees) and its HTTP status in
 * *status: 200, 400 for a bad outbound word, 503 with no set loaded. */
char *debug_analyzez(const struct debug_config_info *c, const struct xds_status_report *r,
                     const struct serve_options *serve, const char *outbound,
                     const char *mesh_certs, const char *trust_domain, int pretty, int *status);

#endif
