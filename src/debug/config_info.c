/* config_info.c - the debug endpoint's copy of a configuration set and its findings.
 *
 * Kept apart from server.c so that tests link the HTTP server with hand-made
 * configuration state and without the configuration loader. */
#include "xdsd/debug.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/config.h"
#include "xdsd/util.h"

static const char *const kind_names[] = {
    [KIND_SERVICE_ENTRY] = "ServiceEntry",
    [KIND_GATEWAY] = "Gateway",
    [KIND_VIRTUAL_SERVICE] = "VirtualService",
    [KIND_DESTINATION_RULE] = "DestinationRule",
};

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static size_t strings_len(const struct istio_meta *m)
{
    return strlen(or_empty(m->namespace)) + strlen(or_empty(m->name)) +
           strlen(or_empty(m->pos.file)) + 3;
}

/* Copy s to *w (advanced past its NUL); returns where it went. */
static char *put(char **w, const char *s)
{
    size_t n = strlen(s) + 1;
    char *at = *w;
    memcpy(at, s, n);
    *w += n;
    return at;
}

/* The metas of every resource of set, in kind order. */
static const struct istio_meta **all_metas(const struct config_set *set, size_t *n)
{
    size_t nse, ngw, nvs, ndr;
    const struct service_entry *se = config_service_entries(set, &nse);
    const struct gateway *gw = config_gateways(set, &ngw);
    const struct virtual_service *vs = config_virtual_services(set, &nvs);
    const struct destination_rule *dr = config_destination_rules(set, &ndr);
    const struct istio_meta **m = xcalloc(nse + ngw + nvs + ndr + 1, sizeof(*m));
    *n = 0;
    for (size_t i = 0; i < nse; i++)
        m[(*n)++] = &se[i].meta;
    for (size_t i = 0; i < ngw; i++)
        m[(*n)++] = &gw[i].meta;
    for (size_t i = 0; i < nvs; i++)
        m[(*n)++] = &vs[i].meta;
    for (size_t i = 0; i < ndr; i++)
        m[(*n)++] = &dr[i].meta;
    return m;
}

/* Every resource and its strings in one block (debug_block_new). */
static void add_resources(struct debug_config_info *info, const struct config_set *set)
{
    size_t n, strings = 0;
    const struct istio_meta **metas = all_metas(set, &n);
    for (size_t i = 0; i < n; i++)
        strings += strings_len(metas[i]);
    void *data;
    info->resources_block = debug_block_new((n + 1) * sizeof(struct debug_resource) + strings, &data);
    info->resources = data;
    info->n_resources = n;
    char *w = (char *)(info->resources + n + 1);
    for (size_t i = 0; i < n; i++) {
        const struct istio_meta *m = metas[i];
        struct debug_resource *r = &info->resources[i];
        r->kind = (char *)kind_names[m->kind]; /* static: the block frees nothing inside */
        r->namespace = put(&w, or_empty(m->namespace));
        r->name = put(&w, or_empty(m->name));
        r->file = put(&w, or_empty(m->pos.file));
        r->line = m->pos.line;
        r->generation = m->generation;
    }
    free(metas);
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
