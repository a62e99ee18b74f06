/* gateways.c - the analyzers of Gateways: two Gateways that claim the same
 * port and host of the same gateway (IST0145), a server port the gateway's
 * service does not have (IST0162), and with --live a selector that matches
 * no connected gateway proxy (XDS1001; offline, validation's selector
 * check gives the same code). */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "xdsd/host.h"

/* A server host without its "NAMESPACE/" part. */
static const char *bare_host(const char *h)
{
    const char *slash = strchr(h, '/');
    return slash ? slash + 1 : h;
}

static int same_selector(const struct config_labels *x, const struct config_labels *y)
{
    return x->n == y->n && an_labels_have(x->items, x->n, y);
}

/* The first host of s that overlaps a host of t, or NULL. */
static const char *common_host(const struct gateway_server *s, const struct gateway_server *t)
{
    for (size_t i = 0; i < s->n_hosts; i++)
        for (size_t j = 0; j < t->n_hosts; j++)
            if (host_overlap(bare_host(s->hosts[i]), bare_host(t->hosts[j])))
                return bare_host(s->hosts[i]);
    return NULL;
}

/* IST0145, on the later of the two Gateways (namespace/name order). */
static void check_conflicts(struct actx *a, const struct gateway *g, const struct gateway *h)
{
    if (!same_selector(&g->selector, &h->selector))
        return;
    for (size_t i = 0; i < h->n_servers; i++)
        for (size_t j = 0; j < g->n_servers; j++) {
            const struct gateway_server *s = &h->servers[i], *t = &g->servers[j];
            const char *host;
            if (s->port.number != t->port.number || (host = common_host(s, t)) == NULL)
                continue;
            char *sel = config_labels_text(&h->selector);
            an_add(a, "IST0145", &h->meta, s->pos,
                   "Conflict with gateway %s/%s (workload selector %s, port %u, host %s): the "
                   "gateway proxy gets one of the two servers",
                   g->meta.namespace, g->meta.name, sel, s->port.number, host);
            free(sel);
            return;
        }
}

/* IST0162: the gateway's services are known and none has the server's port
 * (as a port number or a targetPort). */
static void check_ports(struct actx *a, const struct gateway *g)
{
    if (g->selector.n == 0)
        return;
    const struct service_entry *svc = NULL;
    for (size_t i = 0; i < g->n_servers; i++) {
        uint32_t port = g->servers[i].port.number;
        int found = 0, known = 0;
        for (size_t k = 0; k < a->nse && !found; k++) {
            const struct service_entry *se = &a->se[k];
            if (se->location != LOCATION_MESH_INTERNAL || !an_se_selected(se, &g->selector))
                continue;
            known = 1;
            svc = se;
            for (size_t p = 0; p < se->n_ports && !found; p++)
                found = se->ports[p].number == port || se->ports[p].target_port == port;
        }
        if (known && !found) {
            char *sel = config_labels_text(&g->selector);
            an_add(a, "IST0162", &g->meta, g->servers[i].pos,
                   "The gateway refers to a port that is not exposed on the workload (pod "
                   "selector %s; port %u): ServiceEntry %s/%s has no such port or targetPort",
                   sel, port, svc->meta.namespace, svc->meta.name);
            free(sel);
        }
    }
}

/* XDS1001 --live: no connected gateway proxy carries the selector's labels. */
static void check_live_selector(struct actx *a, const struct gateway *g)
{
    if (g->selector.n == 0)
        return;
    size_t routers = 0;
    for (size_t i = 0; i < a->o->n_proxies; i++) {
        const struct proxy_identity *p = &a->o->proxies[i];
        if (p->type != PROXY_ROUTER)
            continue;
        routers++;
        if (an_labels_have(p->labels, p->n_labels, &g->selector))
            return;
    }
    char *sel = config_labels_text(&g->selector);
    an_add(a, "XDS1001", &g->meta, (struct config_pos){0},
           "referenced selector not found: \"%s\": no connected gateway proxy carries these "
           "labels (%zu gateway %s connected), so none gets this Gateway's servers",
           sel, routers, routers == 1 ? "proxy" : "proxies");
    free(sel);
}

void an_gateways(struct actx *a)
{
    for (size_t i = 0; i < a->ngw; i++) {
        for (size_t j = 0; j < i; j++)
            check_conflicts(a, &a->gw[j], &a->gw[i]);
        check_ports(a, &a->gw[i]);
        if (a->o->live)
            check_live_selector(a, &a->gw[i]);
    }
}
