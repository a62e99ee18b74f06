/* diff.c - what changed between the models of two snapshots, found once for
 * the builds of every proxy class: which ServiceEntries and
 * DestinationRules differ (by position), whether any VirtualService or
 * Gateway does, and whether one ServiceEntry's change is of its hosts alone
 * (patch_hosts.c). At 10,000 services each look is a walk of every
 * resource; the cluster patch of each class reads the answer. */
#include "parts.h"

#include <stdlib.h>

#include "xdsd/arena.h"

/* The positions (into out, at most TR_DIFF_MAX + 1 of them; out may be
 * NULL) where two arrays of n resources of one kind (each starting with
 * its struct istio_meta) differ by content; how many, up to that. */
static size_t changed_at(const void *pa, const void *ca, size_t n, size_t size, size_t *out)
{
    size_t count = 0;
    for (size_t i = 0; i < n && count <= TR_DIFF_MAX; i++) {
        const struct istio_meta *x = (const void *)((const char *)pa + i * size);
        const struct istio_meta *y = (const void *)((const char *)ca + i * size);
        if (x->content_hash == y->content_hash)
            continue;
        if (out != NULL)
            out[count] = i;
        count++;
    }
    return count;
}

struct tr_model_diff *tr_model_diff_new(const struct translate_model *pm,
                                        const struct translate_model *m, struct tr_vs_names *vs,
                                        int want_names)
{
    struct tr_model_diff *d = xcalloc(1, sizeof(*d));
    d->a = arena_new();
    d->pm = *pm;
    d->m = *m;
    d->comparable = tr_model_same_scopes(pm, m) && pm->n_service_entries == m->n_service_entries &&
                    pm->n_destination_rules == m->n_destination_rules &&
                    pm->n_virtual_services == m->n_virtual_services &&
                    pm->n_gateways == m->n_gateways;
    if (!d->comparable)
        return d;
    /* an unchanged set keeps what its VirtualServices name for the next */
    d->vs_changed = changed_at(pm->virtual_services, m->virtual_services,
                               m->n_virtual_services, sizeof(*m->virtual_services), NULL) > 0;
    if (!d->vs_changed && vs != NULL)
        d->vs_names = tr_vs_names_ref(vs);
    d->gw_changed =
        changed_at(pm->gateways, m->gateways, m->n_gateways, sizeof(*m->gateways), NULL) > 0;
    d->se = arena_alloc(d->a, (TR_DIFF_MAX + 2) * sizeof(*d->se));
    d->dr = arena_alloc(d->a, (TR_DIFF_MAX + 2) * sizeof(*d->dr));
    d->n_se = changed_at(pm->service_entries, m->service_entries, m->n_service_entries,
                         sizeof(*m->service_entries), d->se);
    d->n_dr = changed_at(pm->destination_rules, m->destination_rules, m->n_destination_rules,
                         sizeof(*m->destination_rules), d->dr);
    /* a change of hosts: one ServiceEntry's, of the kind a patch takes */
    for (size_t k = 0; k < d->n_se && d->n_se <= TR_DIFF_MAX; k++) {
        size_t i = d->se[k];
        if (pm->service_entries[i].hash_apart_endpoints ==
            m->service_entries[i].hash_apart_endpoints)
            continue;
        /* the names are kept from the second change of hosts on: one
         * look at every VirtualService costs less than noting them all */
        if (d->vs_names == NULL && want_names)
            d->vs_names = tr_vs_names_new(m);
        d->looked = d->vs_names == NULL;
        if (d->hosts != 0 || !tr_host_change_of(d->a, pm, m, d->vs_names, i, &d->hc)) {
            d->hosts = -1;
            break;
        }
        d->hosts = 1;
    }
    return d;
}

void tr_model_diff_free(struct tr_model_diff *d)
{
    if (d == NULL)
        return;
    tr_vs_names_unref(d->vs_names);
    arena_free(d->a);
    free(d);
}

struct tr_vs_names *tr_model_diff_names(const struct tr_model_diff *d, int *looked)
{
    *looked = d != NULL && d->looked;
    return d != NULL ? tr_vs_names_ref(d->vs_names) : NULL;
}

int tr_model_diff_is_of(const struct tr_model_diff *d, const struct translate_model *pm,
                        const struct translate_model *m)
{
    return d != NULL && memcmp(&d->pm, pm, sizeof(*pm)) == 0 &&
           memcmp(&d->m, m, sizeof(*m)) == 0;
}
