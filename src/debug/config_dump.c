/* config_dump.c - Envoy's admin ConfigDump of a view, through the generic encoder.
 *
 * The dump is built as the envoy.admin.v3 messages themselves, with each Any
 * pointing at the view's packed bytes (nothing is copied or re-packed), and
 * printed by pbjson: the JSON names come from the .proto, not from this file. */
#include "xdsd/config_dump.h"

#include <stdlib.h>
#include <string.h>

#include "envoy/admin/v3/config_dump.pb-c.h"
#include "envoy/admin/v3/config_dump_shared.pb-c.h"
#include "xdsd/pbjson.h"
#include "xdsd/util.h"

#define ADMIN_URL "type.googleapis.com/envoy.admin.v3."

/* The resources of one type to dump, with their version_info. */
struct picked {
    const struct xds_resource **items;
    const char **versions;
    size_t n;
    const char *type_version;
    Google__Protobuf__Any *anys;
};

static void pick(struct picked *p, const struct xds_view *v, enum xds_type t,
                 const struct config_dump_filter *f)
{
    memset(p, 0, sizeof(*p));
    p->type_version = f->versions[t] && *f->versions[t] ? f->versions[t]
                      : v                               ? xds_view_version(v, t)
                                                        : "";
    if (v == NULL)
        return;
    size_t cap = f->by_name[t] ? f->n_names[t] : xds_view_count(v, t);
    p->items = xcalloc(cap ? cap : 1, sizeof(*p->items));
    p->versions = xcalloc(cap ? cap : 1, sizeof(*p->versions));
    p->anys = xcalloc(cap ? cap : 1, sizeof(*p->anys));
    for (size_t i = 0; i < cap; i++) {
        const struct xds_resource *r =
            f->by_name[t] ? xds_view_find(v, t, f->names[t][i]) : &xds_view_items(v, t)[i];
        if (r == NULL)
            continue;
        p->items[p->n] = r;
        p->versions[p->n] = f->resource_versions ? r->version : p->type_version;
        Google__Protobuf__Any *a = &p->anys[p->n];
        google__protobuf__any__init(a);
        a->type_url = (char *)xds_type_url(t);
        a->value.data = (uint8_t *)r->bytes;
        a->value.len = r->len;
        p->n++;
    }
}

static void picked_release(struct picked *p)
{
    free(p->items);
    free(p->versions);
    free(p->anys);
}

/* Encode msg as the value of an Any of admin type `type`. */
static json_t *admin_any(const ProtobufCMessage *msg, const char *type)
{
    json_t *j = pbjson_encode(msg, PBJSON_PROTO_NAMES);
    char *url = xasprintf(ADMIN_URL "%s", type);
    json_object_set_new(j, "@type", json_string(url));
    free(url);
    return j;
}

static json_t *clusters_dump(const struct picked *p)
{
    Envoy__Admin__V3__ClustersConfigDump d = ENVOY__ADMIN__V3__CLUSTERS_CONFIG_DUMP__INIT;
    Envoy__Admin__V3__ClustersConfigDump__DynamicCluster *items = xcalloc(p->n + 1, sizeof(*items));
    Envoy__Admin__V3__ClustersConfigDump__DynamicCluster **ptrs = xcalloc(p->n + 1, sizeof(*ptrs));
    d.version_info = (char *)p->type_version;
    for (size_t i = 0; i < p->n; i++) {
        envoy__admin__v3__clusters_config_dump__dynamic_cluster__init(&items[i]);
        items[i].version_info = (char *)p->versions[i];
        items[i].cluster = &p->anys[i];
        ptrs[i] = &items[i];
    }
    d.n_dynamic_active_clusters = p->n;
    d.dynamic_active_clusters = ptrs;
    json_t *j = admin_any(&d.base, "ClustersConfigDump");
    free(ptrs);
    free(items);
    return j;
}

static json_t *endpoints_dump(const struct picked *p)
{
    Envoy__Admin__V3__EndpointsConfigDump d = ENVOY__ADMIN__V3__ENDPOINTS_CONFIG_DUMP__INIT;
    Envoy__Admin__V3__EndpointsConfigDump__DynamicEndpointConfig *items =
        xcalloc(p->n + 1, sizeof(*items));
    Envoy__Admin__V3__EndpointsConfigDump__DynamicEndpointConfig **ptrs =
        xcalloc(p->n + 1, sizeof(*ptrs));
    for (size_t i = 0; i < p->n; i++) {
        envoy__admin__v3__endpoints_config_dump__dynamic_endpoint_config__init(&items[i]);
        items[i].version_info = (char *)p->versions[i];
        items[i].endpoint_config = &p->anys[i];
        ptrs[i] = &items[i];
    }
    d.n_dynamic_endpoint_configs = p->n;
    d.dynamic_endpoint_configs = ptrs;
    json_t *j = admin_any(&d.base, "EndpointsConfigDump");
    free(ptrs);
    free(items);
    return j;
}

static json_t *listeners_dump(const struct picked *p)
{
    Envoy__Admin__V3__ListenersConfigDump d = ENVOY__ADMIN__V3__LISTENERS_CONFIG_DUMP__INIT;
    Envoy__Admin__V3__ListenersConfigDump__DynamicListener *items =
        xcalloc(p->n + 1, sizeof(*items));
    Envoy__Admin__V3__ListenersConfigDump__DynamicListenerState *states =
        xcalloc(p->n + 1, sizeof(*states));
    Envoy__Admin__V3__ListenersConfigDump__DynamicListener **ptrs =
        xcalloc(p->n + 1, sizeof(*ptrs));
    d.version_info = (char *)p->type_version;
    for (size_t i = 0; i < p->n; i++) {
        envoy__admin__v3__listeners_config_dump__dynamic_listener__init(&items[i]);
        envoy__admin__v3__listeners_config_dump__dynamic_listener_state__init(&states[i]);
        states[i].version_info = (char *)p->versions[i];
        states[i].listener = &p->anys[i];
        items[i].name = (char *)p->items[i]->name;
        items[i].active_state = &states[i];
        ptrs[i] = &items[i];
    }
    d.n_dynamic_listeners = p->n;
    d.dynamic_listeners = ptrs;
    json_t *j = admin_any(&d.base, "ListenersConfigDump");
    free(ptrs);
    free(states);
    free(items);
    return j;
}

static json_t *routes_dump(const struct picked *p)
{
    Envoy__Admin__V3__RoutesConfigDump d = ENVOY__ADMIN__V3__ROUTES_CONFIG_DUMP__INIT;
    Envoy__Admin__V3__RoutesConfigDump__DynamicRouteConfig *items =
        xcalloc(p->n + 1, sizeof(*items));
    Envoy__Admin__V3__RoutesConfigDump__DynamicRouteConfig **ptrs =
        xcalloc(p->n + 1, sizeof(*ptrs));
    for (size_t i = 0; i < p->n; i++) {
        envoy__admin__v3__routes_config_dump__dynamic_route_config__init(&items[i]);
        items[i].version_info = (char *)p->versions[i];
        items[i].route_config = &p->anys[i];
        ptrs[i] = &items[i];
    }
    d.n_dynamic_route_configs = p->n;
    d.dynamic_route_configs = ptrs;
    json_t *j = admin_any(&d.base, "RoutesConfigDump");
    free(ptrs);
    free(items);
    return j;
}

json_t *config_dump_json(const struct xds_view *v, const struct config_dump_filter *f)
{
    static const struct config_dump_filter all;
    /* Envoy's order: its config trackers sorted by name */
    static const struct {
        enum xds_type type;
        json_t *(*dump)(const struct picked *p);
    } order[] = {
        {XDS_CLUSTER, clusters_dump},
        {XDS_ENDPOINT, endpoints_dump},
        {XDS_LISTENER, listeners_dump},
        {XDS_ROUTE, routes_dump},
    };
    if (f == NULL)
        f = &all;
    json_t *configs = json_array();
    for (size_t i = 0; i < ARRAY_LEN(order); i++) {
        enum xds_type t = order[i].type;
        if (f->types != 0 && !(f->types & (1u << t)))
            continue;
        struct picked p;
        pick(&p, v, t, f);
        json_array_append_new(configs, order[i].dump(&p));
        picked_release(&p);
    }
    json_t *root = json_object();
    json_object_set_new(root, "configs", configs);
    return root;
}

int config_dump_types_parse(const char *word, unsigned *types)
{
    static const struct {
        const char *word, *short_word;
        enum xds_type type;
    } words[] = {
        {"clusters", "cds", XDS_CLUSTER},
        {"endpoints", "eds", XDS_ENDPOINT},
        {"listeners", "lds", XDS_LISTENER},
        {"routes", "rds", XDS_ROUTE},
    };
    if (strcmp(word, "all") == 0) {
        *types = 0;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (strcmp(word, words[i].word) == 0 || strcmp(word, words[i].short_word) == 0) {
            *types = 1u << words[i].type;
            return 0;
        }
    return -1;
}
