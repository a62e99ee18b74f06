/* analyze.c - /debug/analyzez: `xdsd analyze` on the set a running server
 * serves, with its connected proxies (`xdsd analyze --live` prints it).
 *
 * The answer is the JSON array of analyze_findings_json(). It runs on the
 * copies the debug server hands every request (the set itself is immutable
 * and held by the copy), so the xDS loop never waits for it. */
#include "xdsd/debug_analyze.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/analyze.h"
#include "xdsd/options.h"
#include "xdsd/util.h"

char *debug_analyzez(const struct debug_config_info *c, const struct xds_status_report *r,
                     const struct serve_options *serve, const char *outbound,
                     const char *mesh_certs, const char *trust_domain, int pretty, int *status)
{
    struct analyze_options o;
    analyze_options_init(&o);
    if (serve) {
        o.outbound = serve->outbound_policy;
        if (serve->mesh_certs)
            o.mesh_certs = serve->mesh_certs;
        if (serve->trust_domain)
            o.trust_domain = serve->trust_domain;
    }
    if (outbound && *outbound) {
        if (strcmp(outbound, "REGISTRY_ONLY") == 0)
            o.outbound = OUTBOUND_REGISTRY_ONLY;
        else if (strcmp(outbound, "ALLOW_ANY") == 0)
            o.outbound = OUTBOUND_ALLOW_ANY;
        else {
            *status = 400;
            return xasprintf("{\"error\": \"outbound_traffic_policy: not ALLOW_ANY or "
                             "REGISTRY_ONLY\"}");
        }
    }
    if (mesh_certs && *mesh_certs)
        o.mesh_certs = mesh_certs;
    if (trust_domain && *trust_domain)
        o.trust_domain = trust_domain;
    if (c->set == NULL) {
        *status = 503;
        return xstrdup("{\"error\": \"no configuration loaded\"}");
    }
    /* the connected proxies, as the report holds them (valid while it lives) */
    size_t n = r ? r->n_streams : 0;
    struct proxy_identity *ids = xcalloc(n + 1, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = r->streams[i].id;
    o.live = 1;
    o.proxies = ids;
    o.n_proxies = n;

    struct analyze_findings f = {0};
    for (size_t i = 0; i < c->n_diags; i++) {
        const struct debug_diag *d = &c->diags[i];
        analyze_add_diag(&f, &o, d->warning, d->code, d->file, d->line, d->column, d->resource,
                         d->message);
    }
    analyze_set(&f, c->set, &o);
    analyze_findings_sort(&f);
    char *body = analyze_findings_json(&f, pretty);
    analyze_findings_release(&f);
    free(ids);
    *status = 200;
    return body;
}
