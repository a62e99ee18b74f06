/* cluster.c - where a cluster sends: its endpoints (EDS from the view's
 * ClusterLoadAssignment, STATIC and DNS from its own load_assignment) and
 * the TLS it speaks to each (its transport socket, or for auto mTLS the
 * socket match that the endpoint's tlsMode label picks). */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

Cluster *sim_cluster(struct sim_msgs *m, const struct xds_view *v, const char *name)
{
    const struct xds_resource *r = xds_view_find(v, XDS_CLUSTER, name);
    return r ? sim_unpack(m, &Cluster_desc, r->bytes, r->len) : NULL;
}

/* Does ep carry envoy.transport_socket_match {tlsMode: istio}? */
static int istio_tls_label(const LbEndpoint *ep)
{
    if (ep->metadata == NULL)
        return 0;
    for (size_t i = 0; i < ep->metadata->n_filter_metadata; i++) {
        const MetadataEntry *e = ep->metadata->filter_metadata[i];
        if (strcmp(e->key, "envoy.transport_socket_match") != 0 || e->value == NULL)
            continue;
        for (size_t f = 0; f < e->value->n_fields; f++) {
            const StructEntry *se = e->value->fields[f];
            if (strcmp(se->key, "tlsMode") == 0 && se->value && se->value->string_value &&
                se->value->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE &&
                strcmp(se->value->string_value, "istio") == 0)
                return 1;
        }
    }
    return 0;
}

static void add_endpoints(const CLA *cla, struct sim_endpoint **out, size_t *n, size_t *cap)
{
    for (size_t l = 0; cla && l < cla->n_endpoints; l++)
        for (size_t e = 0; e < cla->endpoints[l]->n_lb_endpoints; e++) {
            const LbEndpoint *lb = cla->endpoints[l]->lb_endpoints[e];
            if (lb->host_identifier_case !=
                    ENVOY__CONFIG__ENDPOINT__V3__LB_ENDPOINT__HOST_IDENTIFIER_ENDPOINT ||
                lb->endpoint == NULL || lb->endpoint->address == NULL ||
                lb->endpoint->address->socket_address == NULL)
                continue;
            const SocketAddress *sa = lb->endpoint->address->socket_address;
            xgrow((void **)out, cap, *n + 1, sizeof(**out));
            (*out)[(*n)++] =
                (struct sim_endpoint){sa->address, sa->port_value, istio_tls_label(lb)};
        }
}

struct sim_endpoint *sim_endpoints(struct sim_msgs *m, const struct xds_view *v, const Cluster *cl,
                                   size_t *n)
{
    struct sim_endpoint *out = NULL;
    size_t cap = 0;
    *n = 0;
    add_endpoints(cl->load_assignment, &out, n, &cap);
    if (cl->eds_cluster_config != NULL) {
        const char *name =
            cl->eds_cluster_config->service_name && *cl->eds_cluster_config->service_name
                ? cl->eds_cluster_config->service_name
                : cl->name;
        const struct xds_resource *r = xds_view_find(v, XDS_ENDPOINT, name);
        if (r)
            add_endpoints(sim_unpack(m, &CLA_desc, r->bytes, r->len), &out, n, &cap);
    }
    return out;
}

static UpstreamTlsContext *tls_of(struct sim_msgs *m, const TransportSocket *ts)
{
    if (ts == NULL ||
        ts->config_type_case != ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__CONFIG_TYPE_TYPED_CONFIG)
        return NULL;
    return sim_unpack_any(m, &UpstreamTlsContext_desc, ts->typed_config);
}

UpstreamTlsContext *sim_upstream_tls(struct sim_msgs *m, const Cluster *cl,
                                     const struct sim_endpoint *ep)
{
    if (cl->n_transport_socket_matches > 0 && ep != NULL) {
        /* the first match whose criteria the endpoint's labels meet */
        for (size_t i = 0; i < cl->n_transport_socket_matches; i++) {
            const SocketMatch *sm = cl->transport_socket_matches[i];
            int wants_istio = sm->match && sm->match->n_fields > 0;
            if (!wants_istio || ep->istio_tls)
                return tls_of(m, sm->transport_socket);
        }
    }
    return tls_of(m, cl->transport_socket);
}
