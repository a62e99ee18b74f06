/* scope.c - what Istio's Sidecar resource changes for a sidecar proxy
 * (docs/istio-to-envoy.md §2.5): which services it sees (egress hosts),
 * where unknown destinations go (outboundTrafficPolicy, egressProxy), the
 * bind of a port's listener; and the endpoints WorkloadEntries give to the
 * ServiceEntries that select them. */
#include "build.h"

#include <string.h>

/* Istio's root namespace: its Sidecar without a selector is the mesh's
 * default. */
#define ROOT_NAMESPACE "istio-system"

static const struct sidecar *namespace_wide(const struct translate_model *m, const char *ns)
{
    for (size_t i = 0; i < m->n_sidecars; i++) {
        const struct sidecar *sc = &m->sidecars[i];
        if (!sc->has_workload_selector && strcmp(sc->meta.namespace, ns) == 0)
            return sc;
    }
    return NULL;
}

const struct sidecar *tr_find_sidecar(const struct translate_model *m,
                                      const struct proxy_identity *id)
{
    if (m->n_sidecars == 0 || id->type == PROXY_ROUTER || id->proxyless_grpc)
        return NULL;
    for (size_t i = 0; i < m->n_sidecars; i++) {
        const struct sidecar *sc = &m->sidecars[i];
        if (sc->has_workload_selector && sc->workload_selector.n > 0 &&
            strcmp(sc->meta.namespace, id->namespace) == 0 &&
            tr_labels_subset(&sc->workload_selector, id))
            return sc;
    }
    const struct sidecar *sc = namespace_wide(m, id->namespace);
    return sc != NULL ? sc : namespace_wide(m, ROOT_NAMESPACE);
}

const struct sidecar *tr_scope(const struct tr_build *b)
{
    struct tr_build *w = (struct tr_build *)b; /* a cache of a pure function */
    if (!w->scope_known) {
        w->scope = tr_find_sidecar(b->m, b->id);
        w->scope_known = 1;
    }
    return w->scope;
}

/* Does "NS/NAME" take host of namespace ns, for a proxy in namespace own? */
static int egress_host_takes(const char *entry, const char *own, const char *ns, const char *host)
{
    const char *slash = strchr(entry, '/');
    if (slash == NULL)
        return 0;
    size_t nl = (size_t)(slash - entry);
    const char *want = NULL;
    if (nl == 1 && entry[0] == '~')
        return 0;
    if (nl == 1 && entry[0] == '.')
        want = own;
    else if (!(nl == 1 && entry[0] == '*') && (strlen(ns) != nl || strncmp(entry, ns, nl) != 0))
        return 0;
    if (want != NULL && strcmp(want, ns) != 0)
        return 0;
    return host_match(slash + 1, host);
}

static int is_egress_proxy(const struct tr_build *b, const struct sidecar *sc, const char *host)
{
    if (!sc->has_egress_proxy || sc->egress_proxy.host == NULL)
        return 0;
    return strcmp(host_fqdn(b->a, sc->egress_proxy.host, sc->meta.namespace), host) == 0;
}

int tr_scope_sees(const struct tr_build *b, const char *ns, const char *host)
{
    const struct sidecar *sc = tr_scope(b);
    if (sc == NULL || sc->n_egress == 0)
        return 1;
    for (size_t i = 0; i < sc->n_egress; i++)
        for (size_t h = 0; h < sc->egress[i].n_hosts; h++)
            if (egress_host_takes(sc->egress[i].hosts[h], b->id->namespace, ns, host))
                return 1;
    return is_egress_proxy(b, sc, host);
}

int tr_scope_port_sees(const struct tr_build *b, uint32_t port, const char *ns, const char *host)
{
    const struct sidecar *sc = tr_scope(b);
    if (sc == NULL || sc->n_egress == 0)
        return 1;
    const struct sidecar_egress *e = NULL, *rest = NULL;
    for (size_t i = 0; i < sc->n_egress && e == NULL; i++) {
        if (sc->egress[i].has_port && sc->egress[i].port.number == port)
            e = &sc->egress[i];
        else if (!sc->egress[i].has_port && rest == NULL)
            rest = &sc->egress[i];
    }
    if (e == NULL)
        e = rest;
    for (size_t h = 0; e != NULL && h < e->n_hosts; h++)
        if (egress_host_takes(e->hosts[h], b->id->namespace, ns, host))
            return 1;
    return 0;
}

enum outbound_policy tr_outbound_policy(const struct tr_build *b)
{
    const struct sidecar *sc = tr_scope(b);
    if (sc != NULL && sc->outbound_mode == SIDECAR_REGISTRY_ONLY)
        return OUTBOUND_REGISTRY_ONLY;
    if (sc != NULL && sc->outbound_mode == SIDECAR_ALLOW_ANY)
        return OUTBOUND_ALLOW_ANY;
    return b->o.outbound_policy;
}

const char *tr_catch_all_cluster(const struct tr_build *b)
{
    if (tr_outbound_policy(b) == OUTBOUND_REGISTRY_ONLY)
        return "BlackHoleCluster";
    const struct sidecar *sc = tr_scope(b);
    if (sc != NULL && sc->has_egress_proxy && sc->egress_proxy.host != NULL) {
        const struct egress_proxy *p = &sc->egress_proxy;
        return tr_cluster_name(b->a, p->port, p->subset,
                               host_fqdn(b->a, p->host, sc->meta.namespace));
    }
    return "PassthroughCluster";
}

const char *tr_scope_bind(const struct tr_build *b, uint32_t port)
{
    const struct sidecar *sc = tr_scope(b);
    for (size_t i = 0; sc != NULL && i < sc->n_egress; i++) {
        const struct sidecar_egress *e = &sc->egress[i];
        if (e->has_port && e->port.number == port && e->bind != NULL &&
            strncmp(e->bind, "unix://", 7) != 0)
            return e->bind;
    }
    return NULL;
}

const struct se_endpoint **tr_se_endpoints(struct tr_build *b, const struct service_entry *se,
                                           size_t *n)
{
    const struct translate_model *m = b->m;
    size_t cap = se->n_endpoints + (se->has_workload_selector ? m->n_workload_entries : 0);
    const struct se_endpoint **v = arena_alloc(b->a, (cap + 1) * sizeof(*v));
    *n = 0;
    for (size_t i = 0; i < se->n_endpoints; i++)
        v[(*n)++] = &se->endpoints[i];
    if (!se->has_workload_selector || se->workload_selector.n == 0)
        return v;
    for (size_t i = 0; i < m->n_workload_entries; i++) {
        const struct workload_entry *we = &m->workload_entries[i];
        if (strcmp(we->meta.namespace, se->meta.namespace) == 0 &&
            tr_labels_match(&se->workload_selector, &we->ep.labels))
            v[(*n)++] = &we->ep;
    }
    return v;
}
