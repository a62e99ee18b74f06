/* wire.c - decoding requests, identifying nodes and packing responses. */
#include "wire.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/struct.pb-c.h"
#include "xdsd/util.h"

/* ---- requests --------------------------------------------------------------------- */

static void decode_sotw(struct xds_wire_request *w)
{
    const Envoy__Service__Discovery__V3__DiscoveryRequest *m = w->sotw;
    struct xds_request *r = &w->req;
    w->node = m->node;
    r->type_url = m->type_url;
    r->nonce = m->response_nonce;
    r->version_info = m->version_info;
    r->names = m->resource_names;
    r->n_names = m->n_resource_names;
    r->has_error = m->error_detail != NULL;
    r->error_message = m->error_detail ? m->error_detail->message : "";
}

static void decode_delta(struct xds_wire_request *w)
{
    const Envoy__Service__Discovery__V3__DeltaDiscoveryRequest *m = w->dreq;
    struct xds_request *r = &w->req;
    w->node = m->node;
    r->type_url = m->type_url;
    r->nonce = m->response_nonce;
    r->version_info = "";
    r->subscribe = m->resource_names_subscribe;
    r->n_subscribe = m->n_resource_names_subscribe;
    r->unsubscribe = m->resource_names_unsubscribe;
    r->n_unsubscribe = m->n_resource_names_unsubscribe;
    r->has_error = m->error_detail != NULL;
    r->error_message = m->error_detail ? m->error_detail->message : "";
    size_t n = m->n_initial_resource_versions;
    if (n == 0)
        return;
    /* the map arrives as entries; the core wants two parallel arrays */
    w->initial_names = xcalloc(n, sizeof(char *));
    w->initial_versions = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        w->initial_names[i] = m->initial_resource_versions[i]->key;
        w->initial_versions[i] = m->initial_resource_versions[i]->value;
    }
    r->initial_names = w->initial_names;
    r->initial_versions = w->initial_versions;
    r->n_initial = n;
}

int xds_wire_request_parse(grpc_byte_buffer *bb, int delta, struct xds_wire_request *w)
{
    memset(w, 0, sizeof(*w));
    w->delta = delta;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, bb))
        return -1;
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    size_t len = GRPC_SLICE_LENGTH(all);
    const uint8_t *p = GRPC_SLICE_START_PTR(all);
    if (delta)
        w->dreq = envoy__service__discovery__v3__delta_discovery_request__unpack(NULL, len, p);
    else
        w->sotw = envoy__service__discovery__v3__discovery_request__unpack(NULL, len, p);
    grpc_slice_unref(all);
    if (w->dreq == NULL && w->sotw == NULL)
        return -1;
    if (delta)
        decode_delta(w);
    else
        decode_sotw(w);
    return 0;
}

void xds_wire_request_release(struct xds_wire_request *w)
{
    if (w->sotw)
        envoy__service__discovery__v3__discovery_request__free_unpacked(w->sotw, NULL);
    if (w->dreq)
        envoy__service__discovery__v3__delta_discovery_request__free_unpacked(w->dreq, NULL);
    free(w->initial_names);
    free(w->initial_versions);
    memset(w, 0, sizeof(*w));
}

/* ---- the node --------------------------------------------------------------------- */

static json_t *value_json(const Google__Protobuf__Value *v);

static json_t *struct_json(const Google__Protobuf__Struct *s)
{
    json_t *o = json_object();
    for (size_t i = 0; s && i < s->n_fields; i++)
        json_object_set_new(o, s->fields[i]->key, value_json(s->fields[i]->value));
    return o;
}

static json_t *value_json(const Google__Protobuf__Value *v)
{
    if (v == NULL)
        return json_null();
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return json_real(v->number_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return json_string(v->string_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return json_boolean(v->bool_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        return struct_json(v->struct_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
        json_t *a = json_array();
        for (size_t i = 0; v->list_value && i < v->list_value->n_values; i++)
            json_array_append_new(a, value_json(v->list_value->values[i]));
        return a;
    }
    default:
        return json_null();
    }
}

static const Google__Protobuf__Value *field(const Google__Protobuf__Struct *s, const char *key)
{
    for (size_t i = 0; s && i < s->n_fields; i++)
        if (strcmp(s->fields[i]->key, key) == 0)
            return s->fields[i]->value;
    return NULL;
}

static const char *string_field(const Google__Protobuf__Struct *s, const char *key)
{
    const Google__Protobuf__Value *v = field(s, key);
    if (v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
        return v->string_value;
    return NULL;
}

void xds_wire_node(const Envoy__Config__Core__V3__Node *node, struct proxy_identity *id,
                   char **metadata_json)
{
    const Google__Protobuf__Struct *md = node->metadata;
    const Google__Protobuf__Value *lv = field(md, "LABELS");
    const Google__Protobuf__Struct *ls =
        lv && lv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE ? lv->struct_value : NULL;
    size_t n = 0;
    struct config_kv *labels = xcalloc(ls && ls->n_fields ? ls->n_fields : 1, sizeof(*labels));
    for (size_t i = 0; ls && i < ls->n_fields; i++) {
        const Google__Protobuf__Value *v = ls->fields[i]->value;
        if (v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE) {
            labels[n].key = ls->fields[i]->key;
            labels[n].value = v->string_value;
            n++;
        }
    }
    proxy_identity_init(id, node->id, NULL, string_field(md, "NAMESPACE"), labels, n,
                        string_field(md, "GENERATOR"));
    free(labels);
    json_t *j = struct_json(md);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    *metadata_json = xstrdup(text ? text : "{}");
    free(text);
}

/* ---- responses -------------------------------------------------------------------- */

static grpc_slice sotw_body(const struct xds_out *o)
{
    char *url = (char *)xds_type_url(o->type);
    size_t n = o->n_res;
    Google__Protobuf__Any *anys = xcalloc(n ? n : 1, sizeof(*anys));
    Google__Protobuf__Any **ptrs = xcalloc(n ? n : 1, sizeof(*ptrs));
    for (size_t i = 0; i < n; i++) {
        google__protobuf__any__init(&anys[i]);
        anys[i].type_url = url;
        /* the view's bytes, not copied: protobuf-c only reads them */
        anys[i].value.data = (uint8_t *)o->res[i]->bytes;
        anys[i].value.len = o->res[i]->len;
        ptrs[i] = &anys[i];
    }
    Envoy__Service__Discovery__V3__DiscoveryResponse m =
        ENVOY__SERVICE__DISCOVERY__V3__DISCOVERY_RESPONSE__INIT;
    m.version_info = (char *)o->version;
    m.type_url = url;
    m.resources = ptrs;
    m.n_resources = n;
    size_t len = envoy__service__discovery__v3__discovery_response__get_packed_size(&m);
    grpc_slice slice = grpc_slice_malloc(len);
    envoy__service__discovery__v3__discovery_response__pack(&m, GRPC_SLICE_START_PTR(slice));
    free(ptrs);
    free(anys);
    return slice;
}

static grpc_slice delta_body(const struct xds_out *o, const char *system_version)
{
    char *url = (char *)xds_type_url(o->type);
    size_t n = o->n_res;
    Google__Protobuf__Any *anys = xcalloc(n ? n : 1, sizeof(*anys));
    Envoy__Service__Discovery__V3__Resource *res = xcalloc(n ? n : 1, sizeof(*res));
    Envoy__Service__Discovery__V3__Resource **ptrs = xcalloc(n ? n : 1, sizeof(*ptrs));
    for (size_t i = 0; i < n; i++) {
        google__protobuf__any__init(&anys[i]);
        anys[i].type_url = url;
        anys[i].value.data = (uint8_t *)o->res[i]->bytes;
        anys[i].value.len = o->res[i]->len;
        envoy__service__discovery__v3__resource__init(&res[i]);
        res[i].name = (char *)o->res[i]->name;
        res[i].version = (char *)o->res[i]->version;
        res[i].resource = &anys[i];
        ptrs[i] = &res[i];
    }
    Envoy__Service__Discovery__V3__DeltaDiscoveryResponse m =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_RESPONSE__INIT;
    m.system_version_info = (char *)(system_version ? system_version : "");
    m.type_url = url;
    m.resources = ptrs;
    m.n_resources = n;
    m.removed_resources = o->removed;
    m.n_removed_resources = o->n_removed;
    size_t len = envoy__service__discovery__v3__delta_discovery_response__get_packed_size(&m);
    grpc_slice slice = grpc_slice_malloc(len);
    envoy__service__discovery__v3__delta_discovery_response__pack(&m, GRPC_SLICE_START_PTR(slice));
    free(ptrs);
    free(res);
    free(anys);
    return slice;
}

grpc_slice xds_wire_body(const struct xds_out *o, const char *system_version)
{
    return o->delta ? delta_body(o, system_version) : sotw_body(o);
}

uint64_t xds_wire_body_key(const struct xds_out *o, const char *system_version)
{
    uint64_t k = hash_bytes(HASH_SEED, &o->type, sizeof(o->type));
    k = hash_bytes(k, &o->delta, sizeof(o->delta));
    /* SotW carries its version; delta the view's, for debugging only */
    const char *v = o->delta ? system_version : o->version;
    if (v)
        k = hash_bytes(k, v, strlen(v) + 1);
    for (size_t i = 0; i < o->n_res; i++) {
        k = hash_bytes(k, o->res[i]->name, strlen(o->res[i]->name) + 1);
        k = hash_bytes(k, &o->res[i]->hash, sizeof(o->res[i]->hash));
    }
    for (size_t i = 0; i < o->n_removed; i++)
        k = hash_bytes(k, o->removed[i], strlen(o->removed[i]) + 1);
    return k;
}

grpc_byte_buffer *xds_wire_message(grpc_slice body, const char *nonce, size_t *len)
{
    /* field 5 is the nonce of both responses; length-delimited, and a nonce
     * is short, so one length byte */
    size_t nl = strlen(nonce);
    uint8_t field[2 + XDS_NONCE_MAX];
    field[0] = (5 << 3) | 2;
    field[1] = (uint8_t)nl;
    memcpy(field + 2, nonce, nl);
    grpc_slice parts[2] = {grpc_slice_ref(body),
                           grpc_slice_from_copied_buffer((const char *)field, nl + 2)};
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(parts, 2);
    grpc_slice_unref(parts[0]);
    grpc_slice_unref(parts[1]);
    *len = GRPC_SLICE_LENGTH(body) + nl + 2;
    return bb;
}
