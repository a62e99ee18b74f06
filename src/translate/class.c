/* class.c - class keys: proxies with equal keys get equal views, so a view
 * is translated once per class, not once per proxy. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    xgrow((void **)buf, cap, *len + n + 1, 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

static void add_keys(const char ***keys, size_t *n, size_t *cap, const struct config_labels *l)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t j = 0;
        while (j < *n && strcmp((*keys)[j], l->items[i].key) != 0)
            j++;
        if (j < *n)
            continue;
        xgrow((void **)keys, cap, *n + 1, sizeof(**keys));
        (*keys)[(*n)++] = l->items[i].key;
    }
}

const char **tr_label_keys_used(const struct translate_model *m, size_t *n)
{
    const char **keys = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < m->n_destination_rules; i++)
        if (m->destination_rules[i].has_workload_selector)
            add_keys(&keys, n, &cap, &m->destination_rules[i].workload_selector);
    for (size_t i = 0; i < m->n_virtual_services; i++) {
        const struct virtual_service *vs = &m->virtual_services[i];
        if (!vs->has_source_labels)
            continue; /* the common case, known without walking its rules */
        for (size_t r = 0; r < vs->n_http; r++)
            for (size_t k = 0; k < vs->http[r].n_match; k++)
                add_keys(&keys, n, &cap, &vs->http[r].match[k].source_labels);
        const struct l4_route *l4[2] = {vs->tls, vs->tcp};
        size_t n4[2] = {vs->n_tls, vs->n_tcp};
        for (int t = 0; t < 2; t++)
            for (size_t r = 0; r < n4[t]; r++)
                for (size_t k = 0; k < l4[t][r].n_match; k++)
                    add_keys(&keys, n, &cap, &l4[t][r].match[k].source_labels);
    }
    return keys;
}

static int key_listed(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

char *translate_class_key(const struct translate_model *m, const struct proxy_identity *id)
{
    size_t n;
    const char **keys = tr_label_keys_used(m, &n);
    char *key = tr_class_key(m, keys, n, id, NULL);
    free(keys);
    return key;
}

char *tr_class_key(const struct translate_model *m, const char *const *label_keys,
                   size_t n_label_keys, const struct proxy_identity *id, struct tr_own *own)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap,
           id->proxyless_grpc         ? "grpc"
           : id->type == PROXY_ROUTER ? "router"
                                      : "sidecar");
    append(&buf, &len, &cap, "|");
    append(&buf, &len, &cap, id->namespace);
    if (id->type == PROXY_ROUTER && !id->proxyless_grpc) {
        struct tr_build b = {.a = arena_new(), .m = m, .id = id};
        tr_build_init_maps(&b);
        if (own != NULL && own->known) {
            tr_match_gateways(&b);
            b.own_se = own->se;
            b.own_ep = own->ep;
        } else {
            tr_prepare_router(&b);
            if (own != NULL)
                *own = (struct tr_own){1, b.own_se, b.own_ep};
        }
        append(&buf, &len, &cap, "|gw:");
        for (size_t i = 0; i < b.n_gws; i++) {
            char *s =
                xasprintf("%s%s/%s", i ? "," : "", b.gws[i]->meta.namespace, b.gws[i]->meta.name);
            append(&buf, &len, &cap, s);
            free(s);
        }
        if (b.own_se != NULL) {
            char *s = xasprintf("|svc:%s/%s/%s", b.own_se->meta.namespace, b.own_se->meta.name,
                                b.own_ep ? b.own_ep->address : "");
            append(&buf, &len, &cap, s);
            free(s);
        }
        arena_free(b.a);
    }
    /* a sidecar's Sidecar resource scopes what it sees */
    const struct sidecar *sc = tr_find_sidecar(m, id);
    if (sc != NULL) {
        char *s = xasprintf("|sc:%s/%s", sc->meta.namespace, sc->meta.name);
        append(&buf, &len, &cap, s);
        free(s);
    }
    /* labels matter only where a sourceLabels rule or a DestinationRule's
     * workloadSelector looks at them */
    for (size_t i = 0; i < id->n_labels; i++) {
        if (!key_listed(label_keys, n_label_keys, id->labels[i].key))
            continue;
        char *s = xasprintf("|%s=%s", id->labels[i].key, id->labels[i].value);
        append(&buf, &len, &cap, s);
        free(s);
    }
    return buf;
}
