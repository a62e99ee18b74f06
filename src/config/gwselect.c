/* gwselect.c - Gateways whose selector matches no declared gateway: istioctl
 * analyze's IST0101 (ReferencedResourceNotFound) for a selector.
 *
 * A Gateway applies to the proxies whose labels its selector matches. xdsd
 * has no pods to look at, but the gateway's own service is declared: a
 * ServiceEntry whose endpoints carry the gateway pods' labels. A selector
 * that no endpoint's labels match is most likely a typo, and it fails in
 * silence: the gateway proxy gets no listeners. So it is a warning.
 *
 * Whether some endpoint matches depends on every ServiceEntry: for each
 * Gateway with a selector the number of matching endpoints is kept from
 * load to load, and a reload that changed a few files and no Gateway counts
 * the endpoints of those files out (as they were) and in (as they are). */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* Does have hold every label of want? */
static int labels_have(const struct config_labels *have, const struct config_labels *want)
{
    for (size_t i = 0; i < want->n; i++) {
        size_t j = 0;
        while (j < have->n && (strcmp(have->items[j].key, want->items[i].key) != 0 ||
                               strcmp(have->items[j].value, want->items[i].value) != 0))
            j++;
        if (j == have->n)
            return 0;
    }
    return 1;
}

/* Add delta to the count of each Gateway whose selector se's endpoints match. */
static void count_se(struct selector_memo *sm, const struct service_entry *se, long delta)
{
    for (size_t e = 0; e < se->n_endpoints; e++) {
        const struct config_labels *l = &se->endpoints[e].labels;
        if (l->n == 0)
            continue;
        for (size_t i = 0; i < sm->n; i++)
            if (labels_have(l, &sm->items[i].gw->selector))
                sm->items[i].matches += delta;
    }
}

static void count_units(struct selector_memo *sm, const struct config_unit *const *units, size_t n,
                        long delta)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < units[i]->n_res; j++)
            if (units[i]->res[j]->kind == KIND_SERVICE_ENTRY)
                count_se(sm, (const struct service_entry *)units[i]->res[j], delta);
}

/* Count afresh: every Gateway with a selector, every endpoint. */
static void count_all(struct selector_memo *sm, const struct builder *b)
{
    sm->n = 0;
    for (size_t i = 0; i < b->n_gw; i++)
        if (b->gw[i]->selector.n > 0) {
            xgrow((void **)&sm->items, &sm->cap, sm->n + 1, sizeof(*sm->items));
            sm->items[sm->n++] = (struct selector_count){b->gw[i], 0};
        }
    for (size_t i = 0; i < b->n_se && sm->n > 0; i++)
        count_se(sm, b->se[i], 1);
}

char *config_labels_text(const struct config_labels *sel)
{
    const struct config_kv **kv = xcalloc(sel->n, sizeof(*kv));
    for (size_t i = 0; i < sel->n; i++) {
        size_t j = i;
        while (j > 0 && strcmp(kv[j - 1]->key, sel->items[i].key) > 0) {
            kv[j] = kv[j - 1];
            j--;
        }
        kv[j] = &sel->items[i];
    }
    char *s = xstrdup("");
    for (size_t i = 0; i < sel->n; i++) {
        char *t = xasprintf("%s%s%s=%s", s, i ? "," : "", kv[i]->key, kv[i]->value);
        free(s);
        s = t;
    }
    free(kv);
    return s;
}

void check_gateway_selectors(struct vctx *v, struct selector_memo *sm, int changed_only)
{
    struct builder *b = v->b;
    if (changed_only && sm->valid) {
        count_units(sm, b->gone, b->n_gone, -1);
        count_units(sm, b->fresh, b->n_fresh, 1);
    } else {
        count_all(sm, b);
    }
    sm->valid = 1;
    for (size_t i = 0; i < sm->n; i++) {
        const struct gateway *gw = sm->items[i].gw;
        if (sm->items[i].matches > 0)
            continue;
        v->meta = &gw->meta;
        v->pos = &builder_unit_of(b, &gw->meta)->pos;
        v->label = NULL;
        char *sel = config_labels_text(&gw->selector);
        vc_coded(v, CONFIG_WARNING, "XDS1001", AT(v, &gw->selector),
                 "referenced selector not found: \"%s\": no ServiceEntry endpoint carries "
                 "these labels, so no gateway proxy is known to get this Gateway (Istio IST0101)",
                 sel);
        free(sel);
    }
    v->meta = NULL;
    v->pos = NULL;
    v->label = NULL;
}
