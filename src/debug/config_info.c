/* config_info.c - the debug endpoint's copy of a configuration set and its findings.
 *
 * Kept apart from server.c so that tests link the HTTP server with hand-made
 * configuration state and without the configuration loader. */
#include "xdsd/debug.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/config.h"
#include "xdsd/util.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void unref_set(void *set)
{
    config_unref(set);
}

/* r describes the resource of meta m, pointing into its strings. */
static void describe(struct debug_resource *r, const struct istio_meta *m)
{
    r->kind = (char *)config_kind_name(m->kind); /* borrowed: the block frees nothing inside */
    r->namespace = (char *)or_empty(m->namespace);
    r->name = (char *)or_empty(m->name);
    r->file = (char *)or_empty(m->pos.file);
    r->line = m->pos.line;
    r->column = m->pos.column;
}

/* Every resource of set, in one block that holds a reference to the set
 * (which never changes) for the strings. */
static void add_resources(struct debug_config_info *info, const struct config_set *set)
{
    size_t nse, ngw, nvs, ndr, nsc, nwe, k = 0;
    const struct service_entry *se = config_service_entries(set, &nse);
    const struct gateway *gw = config_gateways(set, &ngw);
    const struct virtual_service *vs = config_virtual_services(set, &nvs);
    const struct destination_rule *dr = config_destination_rules(set, &ndr);
    const struct sidecar *sc = config_sidecars(set, &nsc);
    const struct workload_entry *we = config_workload_entries(set, &nwe);
    void *data;
    info->resources_block =
        debug_block_new((nse + ngw + nvs + ndr + nsc + nwe + 1) * sizeof(struct debug_resource),
                        &data, unref_set, config_ref((struct config_set *)set));
    info->resources = data;
    info->set = set;
    for (size_t i = 0; i < nse; i++)
        describe(&info->resources[k++], &se[i].meta);
    for (size_t i = 0; i < ngw; i++)
        describe(&info->resources[k++], &gw[i].meta);
    for (size_t i = 0; i < nvs; i++)
        describe(&info->resources[k++], &vs[i].meta);
    for (size_t i = 0; i < ndr; i++)
        describe(&info->resources[k++], &dr[i].meta);
    for (size_t i = 0; i < nsc; i++)
        describe(&info->resources[k++], &sc[i].meta);
    for (size_t i = 0; i < nwe; i++)
        describe(&info->resources[k++], &we[i].meta);
    info->n_resources = k;
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
    debug_config_info_add_diags(info, diags);
}

void debug_config_info_add_diags(struct debug_config_info *info, const struct config_diags *diags)
{
    if (diags == NULL || diags->n == 0)
        return;
    info->diags = xrealloc(info->diags, (info->n_diags + diags->n) * sizeof(*info->diags));
    for (size_t i = 0; i < diags->n; i++) {
        const struct config_diag *d = &diags->items[i];
        struct debug_diag *o = &info->diags[info->n_diags++];
        o->warning = d->severity == CONFIG_WARNING;
        o->file = xstrdup(d->pos.file ? d->pos.file : "");
        o->line = d->pos.line;
        o->column = d->pos.column;
        o->resource = d->resource ? xstrdup(d->resource) : NULL;
        o->message = xstrdup(d->message ? d->message : "");
        o->code = d->code;
    }
}
