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

/* Where one type's resources sit in its admin dump: the dump message's
 * repeated field that lists them, the field of a list item (or, for
 * listeners, of the item's active_state) that holds the resource as an Any,
 * and the item's version_info beside it. The four dumps differ only in these
 * names, so one function fills any of them through protobuf-c's descriptors. */
struct dump_shape {
    enum xds_type type;
    const ProtobufCMessageDescriptor *dump;
    const char *list;     /* "dynamic_active_clusters" */
    const char *state;    /* listeners: "active_state", which holds the resource; else NULL */
    const char *resource; /* "cluster" */
};

/* Envoy's order: its config trackers sorted by name. */
static const struct dump_shape shapes[] = {
    {XDS_CLUSTER, &envoy__admin__v3__clusters_config_dump__descriptor, "dynamic_active_clusters",
     NULL, "cluster"},
    {XDS_ENDPOINT, &envoy__admin__v3__endpoints_config_dump__descriptor,
     "dynamic_endpoint_configs", NULL, "endpoint_config"},
    {XDS_LISTENER, &envoy__admin__v3__listeners_config_dump__descriptor, "dynamic_listeners",
     "active_state", "listener"},
    {XDS_ROUTE, &envoy__admin__v3__routes_config_dump__descriptor, "dynamic_route_configs", NULL,
     "route_config"},
    /* private keys print as "[redacted]" (pbjson), as Envoy's admin does */
    {XDS_SECRET, &envoy__admin__v3__secrets_config_dump__descriptor, "dynamic_active_secrets",
     NULL, "secret"},
};

static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *d,
                                                const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

/* Set a pointer field (string, message or repeated array) of msg. */
static void set_ptr(void *msg, const ProtobufCFieldDescriptor *f, const void *value)
{
    memcpy((char *)msg + f->offset, &value, sizeof(value));
}

/* A zeroed array of n messages of type d, each initialised. */
static char *new_messages(const ProtobufCMessageDescriptor *d, size_t n)
{
    char *v = xcalloc(n ? n : 1, d->sizeof_message);
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_init(d, v + i * d->sizeof_message);
    return v;
}

static json_t *dump_json(const struct picked *p, const struct dump_shape *s)
{
    const ProtobufCFieldDescriptor *list = field_of(s->dump, s->list);
    const ProtobufCMessageDescriptor *item_d = list->descriptor;
    const ProtobufCFieldDescriptor *state = s->state ? field_of(item_d, s->state) : NULL;
    const ProtobufCMessageDescriptor *holder_d = state ? state->descriptor : item_d;
    const ProtobufCFieldDescriptor *version = field_of(holder_d, "version_info");
    const ProtobufCFieldDescriptor *resource = field_of(holder_d, s->resource);

    char *dump = new_messages(s->dump, 1);
    char *items = new_messages(item_d, p->n);
    char *holders = state ? new_messages(holder_d, p->n) : items;
    void **ptrs = xcalloc(p->n + 1, sizeof(*ptrs));
    for (size_t i = 0; i < p->n; i++) {
        ptrs[i] = items + i * item_d->sizeof_message;
        void *holder = holders + i * holder_d->sizeof_message;
        if (state != NULL) {
            set_ptr(ptrs[i], state, holder);
            set_ptr(ptrs[i], field_of(item_d, "name"), p->items[i]->name);
        }
        if (s->type == XDS_SECRET) /* a DynamicSecret says its name */
            set_ptr(ptrs[i], field_of(item_d, "name"), p->items[i]->name);
        set_ptr(holder, version, p->versions[i]);
        set_ptr(holder, resource, &p->anys[i]);
    }
    const ProtobufCFieldDescriptor *type_version = field_of(s->dump, "version_info");
    if (type_version != NULL) /* clusters and listeners have one */
        set_ptr(dump, type_version, p->type_version);
    *(size_t *)(dump + list->quantifier_offset) = p->n;
    set_ptr(dump, list, ptrs);

    json_t *j = pbjson_encode((const ProtobufCMessage *)dump, PBJSON_PROTO_NAMES);
    char *url = xasprintf(ADMIN_URL "%s", s->dump->short_name);
    json_object_set_new(j, "@type", json_string(url));
    free(url);
    free(ptrs);
    if (holders != items)
        free(holders);
    free(items);
    free(dump);
    return j;
}

json_t *config_dump_json(const struct xds_view *v, const struct config_dump_filter *f)
{
    static const struct config_dump_filter all;
    if (f == NULL)
        f = &all;
    json_t *configs = json_array();
    for (size_t i = 0; i < ARRAY_LEN(shapes); i++) {
        enum xds_type t = shapes[i].type;
        if (f->types != 0 && !(f->types & (1u << t)))
            continue;
        /* a view without secrets (no SDS in use) dumps as it always did */
        if (t == XDS_SECRET && f->types == 0 && xds_view_count(v, t) == 0)
            continue;
        struct picked p;
        pick(&p, v, t, f);
        json_array_append_new(configs, dump_json(&p, &shapes[i]));
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
        {"secrets", "sds", XDS_SECRET},
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
