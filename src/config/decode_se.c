/* decode_se.c - ServiceEntry spec, and the port shape shared with Gateway. */
#include "decode.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct enum_name protocol_names[] = {
    {"HTTP", PROTO_HTTP},   {"HTTPS", PROTO_HTTPS},       {"HTTP2", PROTO_HTTP2},
    {"GRPC", PROTO_GRPC},   {"GRPC-Web", PROTO_GRPC_WEB}, {"TLS", PROTO_TLS},
    {"TCP", PROTO_TCP},     {"MONGO", PROTO_MONGO},       {"REDIS", PROTO_REDIS},
    {"MYSQL", PROTO_MYSQL}, {"UDP", PROTO_UDP},           {NULL, 0},
};

/* Istio parses protocol names without regard to case ("http" is HTTP). */
static void dec_protocol(struct dctx *c, const struct cnode *n, void *out)
{
    enum istio_protocol *p = out;
    if (n->type == CN_SCALAR)
        for (size_t i = 0; protocol_names[i].name; i++)
            if (strcasecmp(n->str, protocol_names[i].name) == 0) {
                *p = (enum istio_protocol)protocol_names[i].value;
                dc_mark(c, p, sizeof(*p), n);
                return;
            }
    dc_mark(c, p, sizeof(*p), n); /* given, if wrong: no "required" error on top */
    dc_error(c, n,
             "unknown protocol '%s' (one of HTTP, HTTPS, HTTP2, GRPC, GRPC-Web, TLS, TCP, "
             "MONGO, REDIS, MYSQL, UDP)",
             n->type == CN_SCALAR ? n->str : "?");
}

static const struct field port_fields[] = {
    FLD("number", F_PORT, struct istio_port, number),
    FSUB("protocol", struct istio_port, protocol, dec_protocol),
    FLD("name", F_STR, struct istio_port, name),
    FLD("targetPort", F_PORT, struct istio_port, target_port),
    FEND,
};

void dec_istio_port(struct dctx *c, const struct cnode *n, void *out)
{
    struct istio_port *p = out;
    p->pos = dc_pos(c, n);
    dc_map(c, n, port_fields, p, sizeof(*p));
}

/* Endpoint ports: a map of port name to number. */
static void dec_endpoint_ports(struct dctx *c, const struct cnode *n, void *out)
{
    struct se_endpoint *ep = out;
    if (n->type != CN_MAP) {
        dc_error(c, n, "ports: expected a mapping of port name to number");
        return;
    }
    ep->ports = arena_alloc(c->a, (n->n ? n->n : 1) * sizeof(*ep->ports));
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        struct se_endpoint_port *p = &ep->ports[ep->n_ports];
        char *end;
        long num = v->type == CN_SCALAR ? strtol(v->str, &end, 10) : -1;
        if (v->type != CN_SCALAR || *end != '\0' || !*v->str || num < 1 || num > 65535) {
            dc_error(c, v, "endpoint port '%s': expected a port number 1-65535", k->str);
            continue;
        }
        p->name = arena_strdup(c->a, k->str);
        p->number = (uint32_t)num;
        dc_mark(c, p, sizeof(*p), k);
        ep->n_ports++;
    }
}

static const struct field endpoint_fields[] = {
    FLD("address", F_STR, struct se_endpoint, address),
    FSUBBASE("ports", dec_endpoint_ports),
    FLD("labels", F_LABELS, struct se_endpoint, labels),
    FLD("network", F_STR, struct se_endpoint, network),
    FLD("locality", F_STR, struct se_endpoint, locality),
    FLD("weight", F_U32, struct se_endpoint, weight),
    FLD("serviceAccount", F_STR, struct se_endpoint, service_account),
    FEND,
};

void dec_endpoint(struct dctx *c, const struct cnode *n, void *out)
{
    struct se_endpoint *ep = out;
    ep->pos = dc_pos(c, n);
    dc_map(c, n, endpoint_fields, ep, sizeof(*ep));
}

/* workloadSelector: {labels: {...}} */
void dec_workload_selector(struct dctx *c, const struct cnode *n, void *out)
{
    struct config_labels *l = out;
    static const struct field fields[] = {
        {"labels", F_LABELS, 0, 0, NULL, NULL, 0, -1},
        FEND,
    };
    /* size + 1: the mapping's position, distinct from its labels member */
    dc_map(c, n, fields, l, sizeof(*l) + 1);
}

static const struct enum_name location_names[] = {
    {"MESH_EXTERNAL", LOCATION_MESH_EXTERNAL},
    {"MESH_INTERNAL", LOCATION_MESH_INTERNAL},
    {NULL, 0},
};

static const struct enum_name resolution_names[] = {
    {"NONE", RESOLUTION_NONE},
    {"STATIC", RESOLUTION_STATIC},
    {"DNS", RESOLUTION_DNS},
    {"DNS_ROUND_ROBIN", RESOLUTION_DNS_ROUND_ROBIN},
    {NULL, 0},
};

static const struct field se_fields[] = {
    FSTRS("hosts", struct service_entry, hosts),
    FSTRS("addresses", struct service_entry, addresses),
    FLIST("ports", struct service_entry, ports, dec_istio_port, struct istio_port),
    FENUM("location", struct service_entry, location, location_names),
    FENUM("resolution", struct service_entry, resolution, resolution_names),
    FLIST("endpoints", struct service_entry, endpoints, dec_endpoint, struct se_endpoint),
    FSUBH("workloadSelector", struct service_entry, workload_selector, dec_workload_selector,
          has_workload_selector),
    FSTRS("exportTo", struct service_entry, export_to),
    FSTRS("subjectAltNames", struct service_entry, subject_alt_names),
    FEND,
};

void dec_service_entry(struct dctx *c, const struct cnode *spec, struct service_entry *se)
{
    dc_map(c, spec, se_fields, se, sizeof(*se));
}
