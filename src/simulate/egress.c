/* egress.c - the egress map of /debug/egressz: for each sidecar namespace
 * and each MESH_EXTERNAL host and port, the path a request takes, computed
 * with the same walk as `xdsd simulate`, as nodes (sidecars, gateways,
 * external hosts) and edges (one per connection, with its TLS).
 *
 * An edge straight from sidecars to an external host is a bypass when, from
 * the same namespace, another external host of the same kind of request
 * (http, https, tcp) goes through a gateway: the guide's section 4 concern. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct egress {
    json_t *nodes, *edges;
    json_t *seen; /* node id -> true */
};

static void add_node(struct egress *m, const char *id, const char *kind, const char *label)
{
    if (json_object_get(m->seen, id))
        return;
    json_object_set_new(m->seen, id, json_true());
    json_array_append_new(m->nodes,
                          json_pack("{s:s,s:s,s:s}", "id", id, "kind", kind, "label", label));
}

/* "gateway:NS/NAME" and its label from a router node id
 * router~IP~NAME.NS~NS.svc.cluster.local (heap strings). */
static void gateway_node(const char *proxy, char **id, char **label)
{
    const char *p = strchr(proxy, '~');
    p = p ? strchr(p + 1, '~') : NULL;
    if (p == NULL) {
        *id = xasprintf("gateway:%s", proxy);
        *label = xstrdup(proxy);
        return;
    }
    p++;
    size_t len = strcspn(p, "~");
    char *pod = xstrndup(p, len);
    char *dot = strchr(pod, '.');
    if (dot) {
        *dot = '\0';
        *id = xasprintf("gateway:%s/%s", dot + 1, pod);
        *label = xasprintf("%s (%s)", pod, dot + 1);
    } else {
        *id = xasprintf("gateway:%s", pod);
        *label = xstrdup(pod);
    }
    free(pod);
}

static uint32_t port_of(const char *hostport)
{
    const char *c = hostport ? strrchr(hostport, ':') : NULL;
    return c ? (uint32_t)strtoul(c + 1, NULL, 10) : 0;
}

static void add_path(struct egress *m, const char *ns_node, const struct sim_request *r,
                     const struct sim_result *res)
{
    char *from = xstrdup(ns_node);
    for (size_t i = 0; i < res->n_hops; i++) {
        const struct sim_hop *h = &res->hops[i];
        char *to = NULL, *label = NULL;
        const char *kind = NULL;
        if (i + 1 < res->n_hops) {
            gateway_node(res->hops[i + 1].proxy, &to, &label);
            kind = "gateway";
        } else if (res->destination && h->outcome == NULL) {
            to = xasprintf("external:%s", res->destination);
            label = xstrdup(res->destination);
            kind = "external";
        } else {
            break; /* it ends here: no edge leaves */
        }
        add_node(m, to, kind, label);
        json_array_append_new(m->edges, json_pack("{s:s,s:s,s:I,s:s,s:b,s:s}", "from", from, "to",
                                                  to, "port", (json_int_t)port_of(h->upstream),
                                                  "tls", h->tls ? h->tls : "plain", "bypass", 0,
                                                  "request", r->text));
        free(label);
        free(from);
        from = to;
    }
    free(from);
}

static const char *scheme_of(const char *request)
{
    return strncmp(request, "https", 5) == 0  ? "https"
           : strncmp(request, "http", 4) == 0 ? "http"
                                              : "tcp";
}

/* Mark each sidecar -> external edge whose namespace sends another
 * request of its scheme through a gateway. A request leaves the sidecar by
 * one edge, so any gateway edge of that namespace and scheme is another
 * request's. */
static void mark_bypass(struct egress *m)
{
    json_t *via = json_object(); /* "FROM SCHEME" of every sidecar -> gateway edge */
    size_t i;
    json_t *e;
    json_array_foreach(m->edges, i, e)
    {
        const char *from = json_string_value(json_object_get(e, "from"));
        const char *to = json_string_value(json_object_get(e, "to"));
        const char *req = json_string_value(json_object_get(e, "request"));
        if (strncmp(from, "sidecar:", 8) == 0 && strncmp(to, "gateway:", 8) == 0) {
            char *key = xasprintf("%s %s", from, scheme_of(req));
            json_object_set_new(via, key, json_true());
            free(key);
        }
    }
    json_array_foreach(m->edges, i, e)
    {
        const char *from = json_string_value(json_object_get(e, "from"));
        const char *to = json_string_value(json_object_get(e, "to"));
        const char *req = json_string_value(json_object_get(e, "request"));
        if (strncmp(from, "sidecar:", 8) != 0 || strncmp(to, "external:", 9) != 0)
            continue;
        char *key = xasprintf("%s %s", from, scheme_of(req));
        if (json_object_get(via, key))
            json_object_set_new(e, "bypass", json_true());
        free(key);
    }
    json_decref(via);
}

/* The request a client of this port would send, or NULL (UDP). */
static char *request_for(const char *host, const struct istio_port *p)
{
    switch (p->protocol) {
    case PROTO_HTTP:
    case PROTO_HTTP2:
    case PROTO_GRPC:
    case PROTO_GRPC_WEB:
    case PROTO_UNSET:
        return xasprintf("http://%s:%u/", host, p->number);
    case PROTO_HTTPS:
    case PROTO_TLS:
        return xasprintf("https://%s:%u/", host, p->number);
    case PROTO_UDP:
        return NULL;
    default:
        return xasprintf("tcp://%s:%u", host, p->number);
    }
}

json_t *sim_egress_map(sim_view_fn view, void *ctx, const struct config_set *cfg,
                       const char *const *namespaces, size_t n, uint64_t generation)
{
    struct egress m = {json_array(), json_array(), json_object()};
    struct sim_msgs msgs; /* shared by every walk: each resource decoded once */
    sim_msgs_init(&msgs);
    size_t nse = 0;
    const struct service_entry *se = config_service_entries(cfg, &nse);
    for (size_t k = 0; k < n; k++) {
        const char *ns = namespaces[k];
        char *node = xasprintf("sidecar:%s", ns);
        char *label = xasprintf("sidecars in %s", ns);
        add_node(&m, node, "sidecar", label);
        free(label);
        char *node_id = xasprintf("sidecar~0.0.0.0~egressz.%s~%s.svc.cluster.local", ns, ns);
        struct proxy_identity id;
        proxy_identity_init(&id, node_id, "sidecar", ns, NULL, 0, NULL);
        for (size_t i = 0; i < nse; i++) {
            if (se[i].location != LOCATION_MESH_EXTERNAL)
                continue;
            for (size_t h = 0; h < se[i].n_hosts; h++) {
                if (strchr(se[i].hosts[h], '*'))
                    continue; /* no one name to ask for */
                for (size_t p = 0; p < se[i].n_ports; p++) {
                    char *url = request_for(se[i].hosts[h], &se[i].ports[p]);
                    struct sim_request r;
                    char *err = NULL;
                    struct sim_result res;
                    if (url && sim_request_parse(url, &r, &err) == 0) {
                        if (sim_walk_in(&msgs, view, ctx, cfg, &id, &r, &res, &err) == 0)
                            add_path(&m, node, &r, &res);
                        sim_result_release(&res);
                        sim_request_release(&r);
                    }
                    free(err);
                    free(url);
                }
            }
        }
        proxy_identity_release(&id);
        free(node_id);
        free(node);
    }
    sim_msgs_release(&msgs);
    mark_bypass(&m);
    json_decref(m.seen);
    return json_pack("{s:I,s:o,s:o}", "generation", (json_int_t)generation, "nodes", m.nodes,
                     "edges", m.edges);
}
