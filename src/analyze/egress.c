/* egress.c - the analyzers of the egress path, which Istio's do not check:
 * an external host that skips the gateway others go through (XDS1002), a
 * TLS mode the gateway's server cannot take (XDS1003), a gateway that has
 * nowhere to send what sidecars give it (XDS1004), and REGISTRY_ONLY
 * traffic to a host no ServiceEntry declares (XDS1006).
 *
 * They all start from the same walk: every route of a VirtualService on
 * the mesh whose destination is a gateway's service (a MESH_INTERNAL
 * ServiceEntry whose endpoints a Gateway's selector matches), one hop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "xdsd/host.h"
#include "xdsd/util.h"

/* A sidecar's route to a gateway service. */
struct hop {
    const struct virtual_service *vs;
    const struct destination *d;
    const struct service_entry *svc; /* the gateway's service */
    uint32_t match_port;             /* the port sidecars match on, 0: any */
    uint32_t port;                   /* the gateway service's port, 0: unknown */
    int app_tls;                     /* a tls: rule: the application's own TLS */
};

typedef void (*hop_fn)(struct actx *a, const struct hop *h, void *arg);

/* The match ports of a rule that apply to sidecars: ports[] (0: any);
 * returns how many, 0 when no match applies to the mesh. */
static size_t mesh_ports_http(const struct http_route *r, uint32_t *ports, size_t max)
{
    if (r->n_match == 0) {
        ports[0] = 0;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->n_match && n < max; i++)
        if (host_gateways_bind_mesh(r->match[i].gateways, r->match[i].n_gateways))
            ports[n++] = r->match[i].port;
    return n;
}

static size_t mesh_ports_l4(const struct l4_route *r, uint32_t *ports, size_t max)
{
    if (r->n_match == 0) {
        ports[0] = 0;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->n_match && n < max; i++)
        if (host_gateways_bind_mesh(r->match[i].gateways, r->match[i].n_gateways))
            ports[n++] = r->match[i].port;
    return n;
}

static void each_dest(struct actx *a, const struct virtual_service *vs,
                      const struct route_destination *rd, size_t nrd, const uint32_t *ports,
                      size_t nports, int app_tls, hop_fn fn, void *arg)
{
    for (size_t k = 0; k < nrd; k++) {
        const struct destination *d = &rd[k].destination;
        if (d->host == NULL)
            continue;
        const struct service_entry *svc = an_se_of(a, d->host, vs->meta.namespace, 1);
        if (svc == NULL)
            continue;
        uint32_t port = d->port ? d->port : svc->n_ports == 1 ? svc->ports[0].number : 0;
        for (size_t p = 0; p < nports; p++) {
            struct hop h = {vs, d, svc, ports[p], port, app_tls};
            fn(a, &h, arg);
        }
    }
}

enum { MAX_PORTS = 16 };

static void walk_hops(struct actx *a, hop_fn fn, void *arg)
{
    uint32_t ports[MAX_PORTS];
    for (size_t i = 0; i < a->nvs; i++) {
        const struct virtual_service *vs = &a->vs[i];
        if (!host_gateways_bind_mesh(vs->gateways, vs->n_gateways))
            continue;
        for (size_t r = 0; r < vs->n_http; r++) {
            size_t n = mesh_ports_http(&vs->http[r], ports, MAX_PORTS);
            each_dest(a, vs, vs->http[r].route, vs->http[r].n_route, ports, n, 0, fn, arg);
        }
        for (size_t r = 0; r < vs->n_tls; r++) {
            size_t n = mesh_ports_l4(&vs->tls[r], ports, MAX_PORTS);
            each_dest(a, vs, vs->tls[r].route, vs->tls[r].n_route, ports, n, 1, fn, arg);
        }
        for (size_t r = 0; r < vs->n_tcp; r++) {
            size_t n = mesh_ports_l4(&vs->tcp[r], ports, MAX_PORTS);
            each_dest(a, vs, vs->tcp[r].route, vs->tcp[r].n_route, ports, n, 0, fn, arg);
        }
    }
}

/* ---- which gateway servers a hop reaches -------------------------------------------------- */

/* Does server s take port (the service's port number, or its targetPort)? */
static int server_on_port(const struct gateway_server *s, const struct service_entry *svc,
                          uint32_t port)
{
    if (s->port.number == port)
        return 1;
    for (size_t i = 0; i < svc->n_ports; i++)
        if (svc->ports[i].number == port && svc->ports[i].target_port == s->port.number)
            return 1;
    return 0;
}

static const char *bare_host(const char *h)
{
    const char *slash = strchr(h, '/');
    return slash ? slash + 1 : h;
}

static int server_exposes(const struct gateway_server *s, const char *host)
{
    for (size_t i = 0; i < s->n_hosts; i++)
        if (host_overlap(bare_host(s->hosts[i]), host))
            return 1;
    return 0;
}

/* Does a VirtualService bound to gw route host? */
static int gateway_vs_for(struct actx *a, const struct gateway *gw, const char *host)
{
    for (size_t i = 0; i < a->nvs; i++) {
        const struct virtual_service *vs = &a->vs[i];
        int bound = 0;
        for (size_t g = 0; g < vs->n_gateways && !bound; g++)
            bound = host_gateway_ref_is(vs->gateways[g], vs->meta.namespace, gw->meta.namespace,
                                            gw->meta.name);
        if (!bound)
            continue;
        for (size_t h = 0; h < vs->n_hosts; h++)
            if (host_overlap(vs->hosts[h], host))
                return 1;
    }
    return 0;
}

/* ---- XDS1004: the gateway has nowhere to send it ------------------------------------------- */

static void dead_end(struct actx *a, const struct hop *h, void *arg)
{
    (void)arg;
    if (h->port == 0)
        return; /* no port: IST0112 says so */
    for (size_t k = 0; k < h->vs->n_hosts; k++) {
        const char *host = h->vs->hosts[k];
        int server = 0, carried = 0;
        for (size_t g = 0; g < a->ngw && !carried; g++) {
            const struct gateway *gw = &a->gw[g];
            if (!an_se_selected(h->svc, &gw->selector))
                continue;
            for (size_t s = 0; s < gw->n_servers && !carried; s++) {
                const struct gateway_server *sv = &gw->servers[s];
                if (!server_on_port(sv, h->svc, h->port) || !server_exposes(sv, host))
                    continue;
                server = 1;
                carried = (sv->has_tls && sv->tls.mode == SERVER_TLS_AUTO_PASSTHROUGH) ||
                          gateway_vs_for(a, gw, host);
            }
        }
        if (carried)
            continue;
        if (!server)
            an_add(a, "XDS1004", &h->vs->meta, h->d->pos,
                   "sidecars send '%s' to the egress gateway (%s port %u), but no server of a "
                   "Gateway selecting it exposes '%s' on that port: the gateway has no "
                   "listener or route for it",
                   host, h->d->host, h->port, host);
        else
            an_add(a, "XDS1004", &h->vs->meta, h->d->pos,
                   "sidecars send '%s' to the egress gateway (%s port %u), but no VirtualService "
                   "bound to its Gateway routes '%s': traffic dies at the gateway",
                   host, h->d->host, h->port, host);
    }
}

/* ---- XDS1003: TLS the gateway's server cannot take ----------------------------------------- */

static const struct client_tls *port_tls(const struct traffic_policy *tp, uint32_t port)
{
    if (!tp->has)
        return NULL;
    for (size_t i = 0; i < tp->n_port_level_settings; i++)
        if (tp->port_level_settings[i].port == port && tp->port_level_settings[i].tls.has)
            return &tp->port_level_settings[i].tls;
    return tp->tls.has ? &tp->tls : NULL;
}

/* The TLS settings sidecars use toward the gateway service on port, and the
 * rule they come from: the subset's, then the rule's (NULL: plain text). */
static const struct client_tls *client_tls_of(struct actx *a, const struct hop *h,
                                              const struct destination_rule **from)
{
    const char *full = host_fqdn(&a->tmp, h->d->host, h->vs->meta.namespace);
    for (size_t i = 0; i < a->ndr; i++) {
        const struct destination_rule *dr = &a->dr[i];
        if (!host_match(host_fqdn(&a->tmp, dr->host, dr->meta.namespace), full))
            continue;
        *from = dr;
        for (size_t s = 0; h->d->subset && s < dr->n_subsets; s++) {
            if (strcmp(dr->subsets[s].name, h->d->subset) != 0)
                continue;
            const struct client_tls *t = port_tls(&dr->subsets[s].traffic_policy, h->port);
            if (t)
                return t;
        }
        return port_tls(&dr->traffic_policy, h->port);
    }
    *from = NULL;
    return NULL;
}

/* Is the file at path the mesh's root certificate (by path, else by bytes)? */
static int is_mesh_root(struct actx *a, const char *path)
{
    const char *dir = a->o->mesh_certs ? a->o->mesh_certs : "/etc/certs";
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    char *root = xasprintf("%.*s/root-cert.pem", (int)dl, dir);
    int same = strcmp(root, path) == 0;
    if (!same) {
        FILE *x = fopen(root, "rb"), *y = fopen(path, "rb");
        if (x && y) {
            int cx, cy;
            do {
                cx = getc(x);
                cy = getc(y);
            } while (cx == cy && cx != EOF);
            same = cx == cy;
        }
        if (x)
            fclose(x);
        if (y)
            fclose(y);
    }
    free(root);
    return same;
}

static const char *server_mode_name(const struct gateway_server *s)
{
    static const char *const names[] = {"plain text",     "PASSTHROUGH",      "SIMPLE",
                                        "MUTUAL",         "AUTO_PASSTHROUGH", "ISTIO_MUTUAL",
                                        "OPTIONAL_MUTUAL"};
    return s->has_tls ? names[s->tls.mode] : names[0];
}

/* A SPIFFE name of another trust domain than the mesh's, or NULL. */
static const char *foreign_san(struct actx *a, const struct client_tls *t)
{
    const char *td = a->o->trust_domain ? a->o->trust_domain : "cluster.local";
    for (size_t i = 0; i < t->n_subject_alt_names; i++) {
        const char *san = t->subject_alt_names[i];
        if (strncmp(san, "spiffe://", 9) != 0)
            continue;
        size_t n = strcspn(san + 9, "/");
        if (strlen(td) != n || strncmp(san + 9, td, n) != 0)
            return san;
    }
    return NULL;
}

static void tls_mismatch(struct actx *a, const struct hop *h, void *arg)
{
    (void)arg;
    if (h->port == 0)
        return;
    const struct destination_rule *dr;
    const struct client_tls *t = client_tls_of(a, h, &dr);
    int istio = t && t->mode == CLIENT_TLS_ISTIO_MUTUAL;
    int plain = t == NULL || t->mode == CLIENT_TLS_DISABLE;
    const char *san = istio ? foreign_san(a, t) : NULL;
    if (san)
        an_add(a, "XDS1003", &dr->meta, (struct config_pos){0},
               "subjectAltNames '%s' is not of the mesh's trust domain '%s': sidecars refuse "
               "the egress gateway's certificate",
               san, a->o->trust_domain);
    if (!istio && !(plain && !h->app_tls))
        return;
    for (size_t g = 0; g < a->ngw; g++) {
        const struct gateway *gw = &a->gw[g];
        if (!an_se_selected(h->svc, &gw->selector))
            continue;
        for (size_t s = 0; s < gw->n_servers; s++) {
            const struct gateway_server *sv = &gw->servers[s];
            int exposes = 0;
            for (size_t k = 0; k < h->vs->n_hosts && !exposes; k++)
                exposes = server_exposes(sv, h->vs->hosts[k]);
            if (!server_on_port(sv, h->svc, h->port) || !exposes)
                continue;
            enum server_tls_mode m = sv->has_tls ? sv->tls.mode : SERVER_TLS_NONE;
            if (istio && !(m == SERVER_TLS_ISTIO_MUTUAL || m == SERVER_TLS_AUTO_PASSTHROUGH ||
                           (m == SERVER_TLS_MUTUAL && sv->tls.ca_certificates &&
                            is_mesh_root(a, sv->tls.ca_certificates))))
                an_add(a, "XDS1003", &h->vs->meta, h->d->pos,
                       "sidecars send ISTIO_MUTUAL (DestinationRule %s/%s) to port %u of the "
                       "egress gateway, whose server (Gateway %s/%s) is %s%s: the handshake "
                       "fails",
                       dr->meta.namespace, dr->meta.name, h->port, gw->meta.namespace,
                       gw->meta.name, server_mode_name(sv),
                       m == SERVER_TLS_MUTUAL ? " with a CA that is not the mesh's root" : "");
            if (plain && (m == SERVER_TLS_ISTIO_MUTUAL || m == SERVER_TLS_MUTUAL ||
                          m == SERVER_TLS_SIMPLE || m == SERVER_TLS_OPTIONAL_MUTUAL))
                an_add(a, "XDS1003", &h->vs->meta, h->d->pos,
                       "sidecars send plain text to port %u of the egress gateway (no "
                       "DestinationRule tls for %s), whose server (Gateway %s/%s) requires %s: "
                       "the connection fails",
                       h->port, h->d->host, gw->meta.namespace, gw->meta.name,
                       server_mode_name(sv));
        }
    }
}

/* ---- XDS1002: a way around the gateway -------------------------------------------------- */

/* The hosts (and match ports) that go through the gateway. */
struct via {
    struct hop *items;
    size_t n, cap;
};

static void collect(struct actx *a, const struct hop *h, void *arg)
{
    (void)a;
    struct via *v = arg;
    xgrow((void **)&v->items, &v->cap, v->n + 1, sizeof(*v->items));
    v->items[v->n++] = *h;
}

/* The hop that takes host:port to the gateway, or NULL. */
static const struct hop *via_gateway(struct actx *a, const struct via *v, const char *host,
                                     const char *ns, uint32_t port)
{
    const char *full = host_fqdn(&a->tmp, host, ns);
    for (size_t i = 0; i < v->n; i++) {
        const struct hop *h = &v->items[i];
        if (h->match_port != 0 && h->match_port != port)
            continue;
        for (size_t k = 0; k < h->vs->n_hosts; k++)
            if (host_match(host_fqdn(&a->tmp, h->vs->hosts[k], h->vs->meta.namespace), full))
                return h;
    }
    return NULL;
}

/* Another external host with a port of p's number and protocol that goes
 * through the gateway: its hop, its host in *other. */
static const struct hop *sibling_via(struct actx *a, const struct via *v,
                                     const struct service_entry *self, const char *host,
                                     const struct istio_port *p, const char **other)
{
    for (size_t i = 0; i < a->nse; i++) {
        const struct service_entry *se = &a->se[i];
        if (se->location != LOCATION_MESH_EXTERNAL)
            continue;
        for (size_t q = 0; q < se->n_ports; q++) {
            if (se->ports[q].number != p->number || se->ports[q].protocol != p->protocol)
                continue;
            for (size_t k = 0; k < se->n_hosts; k++) {
                if (se == self && strcmp(se->hosts[k], host) == 0)
                    continue;
                const struct hop *h =
                    via_gateway(a, v, se->hosts[k], se->meta.namespace, p->number);
                if (h) {
                    *other = se->hosts[k];
                    return h;
                }
            }
        }
    }
    return NULL;
}

static void bypass(struct actx *a, const struct via *v)
{
    for (size_t i = 0; i < a->nse; i++) {
        const struct service_entry *se = &a->se[i];
        if (se->location != LOCATION_MESH_EXTERNAL)
            continue;
        for (size_t k = 0; k < se->n_hosts; k++)
            for (size_t q = 0; q < se->n_ports; q++) {
                const struct istio_port *p = &se->ports[q];
                const char *other = NULL;
                if (via_gateway(a, v, se->hosts[k], se->meta.namespace, p->number))
                    continue;
                const struct hop *h = sibling_via(a, v, se, se->hosts[k], p, &other);
                if (h == NULL)
                    continue;
                an_add(a, "XDS1002", &se->meta, p->pos,
                       "sidecars reach '%s' port %u directly, while '%s' on the same port and "
                       "protocol goes through the egress gateway (VirtualService %s/%s): a "
                       "path around the gateway",
                       se->hosts[k], p->number, other, h->vs->meta.namespace, h->vs->meta.name);
            }
    }
}

/* ---- XDS1006: REGISTRY_ONLY and a host nobody declares ----------------------------------------
 */

/* Does vs route anything a sidecar blocks for a host with no ServiceEntry?
 * Such a host has a route on port 80 alone (Istio's rule, and ours): TLS and
 * TCP rules, and HTTP matches on other ports, never apply. */
static int needs_registry(const struct virtual_service *vs)
{
    if (vs->n_tls > 0 || vs->n_tcp > 0)
        return 1;
    for (size_t r = 0; r < vs->n_http; r++)
        for (size_t m = 0; m < vs->http[r].n_match; m++)
            if (vs->http[r].match[m].port != 0 && vs->http[r].match[m].port != 80)
                return 1;
    return 0;
}

static void registry_only(struct actx *a)
{
    if (a->o->outbound != OUTBOUND_REGISTRY_ONLY)
        return;
    for (size_t i = 0; i < a->nvs; i++) {
        const struct virtual_service *vs = &a->vs[i];
        if (!host_gateways_bind_mesh(vs->gateways, vs->n_gateways) || !needs_registry(vs))
            continue;
        for (size_t k = 0; k < vs->n_hosts; k++)
            if (strcmp(vs->hosts[k], "*") != 0 &&
                !an_host_declared(a, vs->hosts[k], vs->meta.namespace))
                an_add(a, "XDS1006", &vs->meta, (struct config_pos){0},
                       "outbound traffic policy is REGISTRY_ONLY and no ServiceEntry declares "
                       "host '%s': sidecars block it (502, BlackHoleCluster) on every port but "
                       "80, so this VirtualService's rules for it never apply",
                       vs->hosts[k]);
    }
}

void an_egress(struct actx *a)
{
    struct via v = {0};
    walk_hops(a, collect, &v);
    for (size_t i = 0; i < v.n; i++) {
        dead_end(a, &v.items[i], NULL);
        tls_mismatch(a, &v.items[i], NULL);
    }
    bypass(a, &v);
    free(v.items);
    registry_only(a);
}
