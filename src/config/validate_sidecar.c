/* validate_sidecar.c - Sidecar and WorkloadEntry, after Istio's validation
 * webhook and analyzers (docs/istio-to-envoy.md §9): the rules of each
 * resource, then those across Sidecars (one namespace-wide Sidecar per
 * namespace, selectors that take the same workload, an egressProxy that
 * names a declared service). */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "diag.h"
#include "xdsd/host.h"
#include "xdsd/util.h"

/* "ns/host": ns is ".", "*", "~" or a namespace; host "*", a name or a
 * wildcard "*.suffix". */
static void check_egress_host(struct vctx *v, const char *h, struct config_pos at)
{
    const char *slash = strchr(h, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL) {
        vc_error(v, at,
                 "egress host '%s' must have the form namespace/dnsName (for example "
                 "'./*', 'istio-system/*' or '*/edition.cnn.com')",
                 h);
        return;
    }
    char ns[64];
    size_t nl = (size_t)(slash - h);
    if (nl == 0 || nl >= sizeof(ns)) {
        vc_error(v, at, "egress host '%s': the namespace part is empty or too long", h);
        return;
    }
    memcpy(ns, h, nl);
    ns[nl] = '\0';
    if (strcmp(ns, ".") != 0 && strcmp(ns, "*") != 0 && strcmp(ns, "~") != 0 &&
        !is_dns1123_label(ns))
        vc_error(v, at,
                 "egress host '%s': namespace '%s' is not '.', '*', '~' or a valid "
                 "namespace name",
                 h, ns);
    const char *name = slash + 1;
    if (!is_fqdn_or_wildcard(name))
        vc_error(v, at, "egress host '%s': '%s' is not a valid host name or wildcard", h, name);
    else if (name[0] == '*' && name[1] != '\0' && strchr(name + 2, '*') != NULL)
        vc_error(v, at, "egress host '%s': only a leading wildcard is allowed", h);
}

static int same_bind(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_egress(struct vctx *v, const struct sidecar *sc)
{
    size_t catch_all = 0;
    for (size_t i = 0; i < sc->n_egress; i++) {
        const struct sidecar_egress *e = &sc->egress[i];
        if (e->n_hosts == 0)
            vc_error(v, e->pos, "egress listener must have at least one host");
        for (size_t h = 0; h < e->n_hosts; h++)
            check_egress_host(v, e->hosts[h], AT2(v, &e->hosts, e->pos));
        if (e->bind != NULL && !is_ip(e->bind) && strncmp(e->bind, "unix://", 7) != 0)
            vc_error(v, AT2(v, &e->bind, e->pos),
                     "bind '%s' must be an IP address or a unix:// socket", e->bind);
        if (!e->has_port) {
            if (++catch_all > 1)
                vc_error(v, e->pos, "only one egress listener may have no port");
            else if (i + 1 != sc->n_egress)
                vc_error(v, e->pos, "the egress listener without a port must be the last one");
            if (e->bind != NULL)
                vc_error(v, AT2(v, &e->bind, e->pos), "bind needs a port on this egress listener");
            continue;
        }
        if (e->port.number == 0)
            vc_error(v, e->port.pos, "egress port number is required");
        for (size_t j = 0; j < i; j++) {
            const struct sidecar_egress *o = &sc->egress[j];
            if (o->has_port && o->port.number == e->port.number && same_bind(o->bind, e->bind))
                vc_error(v, e->port.pos, "egress port %u is already used by another listener",
                         e->port.number);
        }
    }
}

void validate_sidecar(struct vctx *v, const struct sidecar *sc)
{
    if (sc->has_workload_selector && sc->workload_selector.n == 0)
        vc_error(v,
                 vc_at(v, &sc->workload_selector, sizeof(sc->workload_selector) + 1, v->meta->pos),
                 "workloadSelector must have at least one label");
    if (sc->n_egress == 0 && !sc->has_ingress && sc->outbound_mode == SIDECAR_OUTBOUND_UNSET &&
        !sc->has_egress_proxy)
        vc_error(v, v->meta->pos, "empty Sidecar: give egress, ingress or outboundTrafficPolicy");
    if (sc->has_ingress)
        vc_warn(v, v->meta->pos,
                "ingress listeners are not translated: xdsd serves outbound traffic only");
    check_egress(v, sc);
    if (!sc->has_egress_proxy)
        return;
    const struct egress_proxy *p = &sc->egress_proxy;
    if (sc->outbound_mode == SIDECAR_REGISTRY_ONLY)
        vc_error(v, p->pos, "egressProxy needs outboundTrafficPolicy.mode ALLOW_ANY");
    if (p->host == NULL)
        vc_error(v, p->pos, "egressProxy.host is required");
    else if (!is_fqdn_or_wildcard(p->host) || strchr(p->host, '*') != NULL)
        vc_error(v, AT2(v, &p->host, p->pos), "egressProxy.host '%s' must be a host name", p->host);
    if (p->port == 0)
        vc_error(v, p->pos, "egressProxy.port.number is required");
}

void validate_workload_entry(struct vctx *v, const struct workload_entry *we)
{
    const struct se_endpoint *e = &we->ep;
    if (e->address == NULL || !*e->address) {
        if (e->network == NULL)
            vc_error(v, v->meta->pos, "address is required (or a network)");
        return;
    }
    if (strncmp(e->address, "unix://", 7) == 0) {
        if (e->n_ports > 0)
            vc_error(v, AT2(v, &e->address, e->pos), "a unix:// address takes no ports");
        return;
    }
    if (!is_ip(e->address) && !is_fqdn_or_wildcard(e->address))
        vc_error(v, AT2(v, &e->address, e->pos),
                 "address '%s' is not an IP address, a host name or a unix:// path", e->address);
    else if (strchr(e->address, '*') != NULL)
        vc_error(v, AT2(v, &e->address, e->pos), "address '%s' must not be a wildcard", e->address);
}

/* ---- across Sidecars ------------------------------------------------------------ */

static void at_resource(struct vctx *v, const struct istio_meta *m)
{
    v->meta = m;
    v->label = NULL;
    v->pos = &builder_unit_of(v->b, m)->pos;
}

/* Every label of sel is in labels. */
static int labels_within(const struct config_labels *sel, const struct config_labels *labels)
{
    for (size_t i = 0; i < sel->n; i++) {
        size_t j = 0;
        while (j < labels->n && (strcmp(labels->items[j].key, sel->items[i].key) != 0 ||
                                 strcmp(labels->items[j].value, sel->items[i].value) != 0))
            j++;
        if (j == labels->n)
            return 0;
    }
    return 1;
}

/* Could one workload be selected by both a and b? Surely when one's labels
 * include the other's, or when a declared workload (a WorkloadEntry or a
 * ServiceEntry endpoint of the namespace) carries both. */
static int selectors_overlap(const struct builder *b, const struct sidecar *x,
                             const struct sidecar *y)
{
    const struct config_labels *a = &x->workload_selector, *c = &y->workload_selector;
    if (labels_within(a, c) || labels_within(c, a))
        return 1;
    for (size_t i = 0; i < b->n_we; i++) {
        const struct workload_entry *w = b->we[i];
        if (strcmp(w->meta.namespace, x->meta.namespace) == 0 && labels_within(a, &w->ep.labels) &&
            labels_within(c, &w->ep.labels))
            return 1;
    }
    for (size_t i = 0; i < b->n_se; i++) {
        const struct service_entry *se = b->se[i];
        if (strcmp(se->meta.namespace, x->meta.namespace) != 0)
            continue;
        for (size_t e = 0; e < se->n_endpoints; e++)
            if (labels_within(a, &se->endpoints[e].labels) &&
                labels_within(c, &se->endpoints[e].labels))
                return 1;
    }
    return 0;
}

/* The ServiceEntry declaring host (a full name) visible in ns, or NULL. */
static const struct service_entry *declared(struct vctx *v, const char *host, const char *ns)
{
    struct builder *b = v->b;
    for (size_t i = 0; i < b->n_se; i++) {
        const struct service_entry *se = b->se[i];
        if (!host_exported(se->export_to, se->n_export_to, se->meta.namespace, ns))
            continue;
        for (size_t h = 0; h < se->n_hosts; h++)
            if (fqdn_is(se->hosts[h], se->meta.namespace, host))
                return se;
    }
    return NULL;
}

/* The visible service host closest to host, for "did you mean", or NULL. */
static const char *suggest_host(struct vctx *v, const char *host, const char *ns, struct arena *a)
{
    struct builder *b = v->b;
    struct suggest sg;
    suggest_init(&sg, host, suggest_name_limit(host));
    for (size_t i = 0; i < b->n_se; i++) {
        const struct service_entry *se = b->se[i];
        if (!host_exported(se->export_to, se->n_export_to, se->meta.namespace, ns))
            continue;
        for (size_t h = 0; h < se->n_hosts; h++) {
            const char *full = host_fqdn(a, se->hosts[h], se->meta.namespace);
            suggest_offer(&sg, full, full, 0);
        }
    }
    return sg.best;
}

/* Some DestinationRule for host (a full name) defines the subset. */
static int has_subset(const struct builder *b, const char *host, const char *subset)
{
    for (size_t i = 0; i < b->n_dr; i++) {
        const struct destination_rule *dr = b->dr[i];
        if (dr->host == NULL || !fqdn_is(dr->host, dr->meta.namespace, host))
            continue;
        for (size_t s = 0; s < dr->n_subsets; s++)
            if (dr->subsets[s].name != NULL && strcmp(dr->subsets[s].name, subset) == 0)
                return 1;
    }
    return 0;
}

static void check_egress_proxy(struct vctx *v, const struct sidecar *sc)
{
    const struct egress_proxy *p = &sc->egress_proxy;
    struct arena tmp;
    arena_init(&tmp);
    const char *host = host_fqdn(&tmp, p->host, sc->meta.namespace);
    const struct service_entry *se = declared(v, host, sc->meta.namespace);
    if (se == NULL) {
        const char *near = suggest_host(v, host, sc->meta.namespace, &tmp);
        vc_error(v, AT2(v, &p->host, p->pos),
                 "egressProxy.host '%s' is no service visible in namespace %s%s%s%s", p->host,
                 sc->meta.namespace, near ? " (did you mean '" : "", near ? near : "",
                 near ? "'?)"
                      : ": declare it with a ServiceEntry (the egress gateway's own service)");
    } else if (p->subset != NULL && !has_subset(v->b, host, p->subset)) {
        vc_error(v, AT2(v, &p->subset, p->pos),
                 "egressProxy.subset '%s' is no subset of a DestinationRule for '%s'", p->subset,
                 p->host);
    }
    if (se != NULL && p->port != 0) {
        size_t i = 0;
        while (i < se->n_ports && se->ports[i].number != p->port)
            i++;
        if (i == se->n_ports)
            vc_error(v, AT2(v, &p->port, p->pos), "egressProxy port %u is not a port of '%s'",
                     p->port, p->host);
    }
    arena_release(&tmp);
}

void check_sidecars(struct vctx *v)
{
    struct builder *b = v->b;
    for (size_t i = 0; i < b->n_sc; i++) {
        const struct sidecar *sc = b->sc[i];
        if (sc->has_egress_proxy && sc->egress_proxy.host != NULL) {
            at_resource(v, &sc->meta);
            check_egress_proxy(v, sc);
        }
        /* the array is in (namespace, name) order: rivals come earlier */
        for (size_t j = i; j-- > 0;) {
            const struct sidecar *o = b->sc[j];
            if (strcmp(o->meta.namespace, sc->meta.namespace) != 0)
                break;
            if (sc->has_workload_selector != o->has_workload_selector)
                continue;
            if (!sc->has_workload_selector) {
                at_resource(v, &sc->meta);
                vc_error(v, sc->meta.pos,
                         "namespace %s has several Sidecars without a workloadSelector "
                         "(also %s): which one applies is undefined (Istio IST0111)",
                         sc->meta.namespace, o->meta.name);
            } else if (selectors_overlap(b, sc, o)) {
                at_resource(v, &sc->meta);
                vc_error(v,
                         vc_at(v, &sc->workload_selector, sizeof(sc->workload_selector) + 1,
                               sc->meta.pos),
                         "workloadSelector can select the same workload as Sidecar %s/%s: "
                         "which one applies is undefined (Istio IST0110)",
                         o->meta.namespace, o->meta.name);
            }
        }
    }
}
