/* xds_sources.c - the debug endpoint reading a running xDS server.
 *
 * Kept apart from server.c so that tests link the HTTP server with hand-made
 * status reports and without the xDS server. */
#include "xdsd/debug.h"

#include <string.h>

static struct xds_status_report *xds_status(void *ctx)
{
    return xds_server_status(ctx);
}

void debug_sources_from_xds(struct debug_sources *src, struct xds_server *xds)
{
    memset(src, 0, sizeof(*src));
    src->ctx = xds;
    src->status = xds_status;
    src->status_free = xds_status_report_free;
    src->histogram_bounds = xds_histogram_bounds;
}
