/* config_info.c - the debug endpoint's copy of a configuration set and its findings.
 *
 * Kept apart from server.c so that tests link the HTTP server with hand-made
 * configuration state and without the configuration loader. */
#include "xdsd/debug.h"

#include <string.h>

#include "xdsd/config.h"
#include "xdsd/util.h"

static const char *const kind_names[] = {
    [KIND_SERVICE_ENTRY] = "ServiceEntry",
    [KIND_GATEWAY] = "Gateway",
    [KIND_VIRTUAL_SERVICE] = "VirtualService",
    [KIND_DESTINATION_RULE] = "DestinationRule",
};

static void add_resource(struct debug_config_info *info, size_t *cap, const struct istio_meta *m)
{
    xgrow((void **)&info->resources, cap, info->n_resources + 1, sizeof(*info->resources));
    struct debug_resource *r = &info->resources[info->n_resources++];
    r->kind = xstrdup(kind_names[m->kind]);
    r->namespace = xstrdup(m->namespace ? m->namespace : "");
    r->name = xstrdup(m->name ? m->name : "");
    r->file = xstrdup(m->pos.file ? m->pos.file : "");
    r->line = m->pos.line;
    r->generation = m->generation;
}

static void add_resources(struct debug_config_info *info, const struct config_set *set)
{
    size_t cap = 0, n, i;
    const struct service_entry *se = config_service_entries(set, &n);
    for (i = 0; i < n; i++)
        add_resource(info, &cap, &se[i].meta);
    const struct gateway *gw = config_gateways(set, &n);
    for (i = 0; i < n; i++)
        add_resource(info, &cap, &gw[i].meta);
    const struct virtual_service *vs = config_virtual_services(set, &n);
    for (i = 0; i < n; i++)
        add_resource(info, &cap, &vs[i].meta);
    const struct destination_rule *dr = config_destination_rules(set, &n);
    for (i = 0; i < n; i++)
        add_resource(info, &cap, &dr[i].meta);
}

void debug_config_info_fill(struct debug_config_info *info, const struct config_set *set,
                            const struct config_diags *diags, int rejected)
{
    uint64_t ok = info->reloads_ok, bad = info->reloads_rejected;
    debug_config_info_release(info);
    info->reloads_ok = ok;
    info->reloads_rejected = bad;
    info->rejected = rejected;
    if (set) {
        info->loaded = 1;
        info->generation = config_generation(set);
        add_resources(info, set);
    }
    if (diags && diags->n) {
        info->diags = xcalloc(diags->n, sizeof(*info->diags));
        for (size_t i = 0; i < diags->n; i++) {
            const struct config_diag *d = &diags->items[i];
            struct debug_diag *o = &info->diags[i];
            o->warning = d->severity == CONFIG_WARNING;
            o->file = xstrdup(d->pos.file ? d->pos.file : "");
            o->line = d->pos.line;
            o->column = d->pos.column;
            o->resource = d->resource ? xstrdup(d->resource) : NULL;
            o->message = xstrdup(d->message ? d->message : "");
        }
        info->n_diags = diags->n;
    }
}
