/* t_xds_wire.c - xDS messages on the wire: what a proxy states in its Node,
 * requests decoded for the core, responses as a client parses them. */
#include "../src/xds/wire.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/struct.pb-c.h"
#include "xdsd/util.h"
#include "unit.h"

static Google__Protobuf__Value *str_value(const char *s)
{
    Google__Protobuf__Value *v = xcalloc(1, sizeof(*v));
    google__protobuf__value__init(v);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v->string_value = (char *)s;
    return v;
}

static Google__Protobuf__Struct__FieldsEntry *entry(const char *key, Google__Protobuf__Value *v)
{
    Google__Protobuf__Struct__FieldsEntry *e = xcalloc(1, sizeof(*e));
    google__protobuf__struct__fields_entry__init(e);
    e->key = (char *)key;
    e->value = v;
    return e;
}

TEST(xds_wire_node_identity_from_metadata)
{
    /* metadata {LABELS: {istio: egressgateway}, NAMESPACE: istio-system, GENERATOR: grpc} */
    Google__Protobuf__Struct labels = GOOGLE__PROTOBUF__STRUCT__INIT;
    Google__Protobuf__Struct__FieldsEntry *le[1] = {entry("istio", str_value("egressgateway"))};
    labels.fields = le;
    labels.n_fields = 1;
    Google__Protobuf__Value lv = GOOGLE__PROTOBUF__VALUE__INIT;
    lv.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    lv.struct_value = &labels;
    Google__Protobuf__Struct md = GOOGLE__PROTOBUF__STRUCT__INIT;
    Google__Protobuf__Struct__FieldsEntry *me[3] = {entry("LABELS", &lv),
                                                    entry("NAMESPACE", str_value("istio-system")),
                                                    entry("GENERATOR", str_value("grpc"))};
    md.fields = me;
    md.n_fields = 3;
    Envoy__Config__Core__V3__Node node = ENVOY__CONFIG__CORE__V3__NODE__INIT;
    node.id = "router~10.0.0.9~gw-1.istio-system~istio-system.svc.cluster.local";
    node.metadata = &md;

    struct proxy_identity id;
    char *json = NULL;
    xds_wire_node(&node, &id, &json);
    CHECK(id.type == PROXY_ROUTER);
    CHECK_STR(id.namespace, "istio-system");
    CHECK_STR(proxy_label(&id, "istio"), "egressgateway");
    CHECK(id.proxyless_grpc);
    CHECK_STR(json, "{\"GENERATOR\":\"grpc\",\"LABELS\":{\"istio\":\"egressgateway\"},"
                    "\"NAMESPACE\":\"istio-system\"}");
    proxy_identity_release(&id);
    free(json);
    free(le[0]->value);
    free(le[0]);
    free(me[1]->value);
    free(me[2]->value);
    for (int i = 0; i < 3; i++)
        free(me[i]);
}

static grpc_byte_buffer *buffer_of(const uint8_t *p, size_t len)
{
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)p, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

TEST(xds_wire_delta_request_decoded)
{
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest r =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_REQUEST__INIT;
    char *sub[2] = {"a", "b"};
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest__InitialResourceVersionsEntry e =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_REQUEST__INITIAL_RESOURCE_VERSIONS_ENTRY__INIT;
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest__InitialResourceVersionsEntry *ep[1] = {
        &e};
    e.key = "a";
    e.value = "0123456789abcdef";
    r.type_url = (char *)xds_type_url(XDS_ENDPOINT);
    r.resource_names_subscribe = sub;
    r.n_resource_names_subscribe = 2;
    r.initial_resource_versions = ep;
    r.n_initial_resource_versions = 1;
    size_t len = envoy__service__discovery__v3__delta_discovery_request__get_packed_size(&r);
    uint8_t *buf = xmalloc(len);
    envoy__service__discovery__v3__delta_discovery_request__pack(&r, buf);
    grpc_byte_buffer *bb = buffer_of(buf, len);
    struct xds_wire_request w;
    CHECK(xds_wire_request_parse(bb, 1, &w) == 0);
    CHECK(w.node == NULL);
    CHECK_STR(w.req.type_url, xds_type_url(XDS_ENDPOINT));
    CHECK_INT(w.req.n_subscribe, 2);
    CHECK_INT(w.req.n_initial, 1);
    CHECK_STR(w.req.initial_names[0], "a");
    CHECK_STR(w.req.initial_versions[0], "0123456789abcdef");
    CHECK_STR(w.req.nonce, "");
    CHECK(!w.req.has_error);
    xds_wire_request_release(&w);
    grpc_byte_buffer_destroy(bb);
    /* bytes that are not a request */
    bb = buffer_of((const uint8_t *)"\xff\xff\xff", 3);
    CHECK(xds_wire_request_parse(bb, 0, &w) == -1);
    grpc_byte_buffer_destroy(bb);
    free(buf);
}

/* The bytes of a byte buffer, as a client reads them. */
static uint8_t *flatten(grpc_byte_buffer *bb, size_t *len)
{
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, bb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    *len = GRPC_SLICE_LENGTH(all);
    uint8_t *p = xmalloc(*len + 1);
    memcpy(p, GRPC_SLICE_START_PTR(all), *len);
    grpc_slice_unref(all);
    return p;
}

static struct xds_view *two_clusters(void)
{
    struct xds_view *v = xds_view_new();
    xds_view_add(v, XDS_CLUSTER, "a",
                 (uint8_t *)xstrdup("\x0a\x01"
                                    "a"),
                 3);
    xds_view_add(v, XDS_CLUSTER, "b",
                 (uint8_t *)xstrdup("\x0a\x01"
                                    "b"),
                 3);
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

TEST(xds_wire_sotw_response_shared_body_and_nonce)
{
    struct xds_view *v = two_clusters();
    const struct xds_resource *res[2] = {&xds_view_items(v, XDS_CLUSTER)[0],
                                         &xds_view_items(v, XDS_CLUSTER)[1]};
    struct xds_out o = {.type = XDS_CLUSTER, .res = res, .n_res = 2};
    snprintf(o.version, sizeof(o.version), "%s", xds_view_version(v, XDS_CLUSTER));
    grpc_slice body = xds_wire_body(&o, NULL);
    /* two streams, one body, two nonces */
    size_t l1, l2;
    grpc_byte_buffer *b1 = xds_wire_message(body, "1-1", &l1);
    grpc_byte_buffer *b2 = xds_wire_message(body, "2-1", &l2);
    grpc_slice_unref(body);
    size_t len;
    uint8_t *p = flatten(b2, &len);
    CHECK_INT(len, l2);
    Envoy__Service__Discovery__V3__DiscoveryResponse *m =
        envoy__service__discovery__v3__discovery_response__unpack(NULL, len, p);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->nonce, "2-1");
        CHECK_STR(m->version_info, xds_view_version(v, XDS_CLUSTER));
        CHECK_STR(m->type_url, xds_type_url(XDS_CLUSTER));
        CHECK_INT(m->n_resources, 2);
        CHECK_STR(m->resources[1]->type_url, xds_type_url(XDS_CLUSTER));
        CHECK(m->resources[1]->value.len == 3 && memcmp(m->resources[1]->value.data,
                                                        "\x0a\x01"
                                                        "b",
                                                        3) == 0);
        envoy__service__discovery__v3__discovery_response__free_unpacked(m, NULL);
    }
    free(p);
    grpc_byte_buffer_destroy(b1);
    grpc_byte_buffer_destroy(b2);
    xds_view_free(v);
}

TEST(xds_wire_delta_response_resources_and_removed)
{
    struct xds_view *v = two_clusters();
    const struct xds_resource *res[1] = {&xds_view_items(v, XDS_CLUSTER)[0]};
    char *removed[1] = {"gone"};
    struct xds_out o = {.type = XDS_CLUSTER,
                        .delta = 1,
                        .res = res,
                        .n_res = 1,
                        .removed = removed,
                        .n_removed = 1};
    struct xds_out other = o;
    other.n_removed = 0;
    CHECK(xds_wire_body_key(&o, "v") != xds_wire_body_key(&other, "v"));
    grpc_slice body = xds_wire_body(&o, "v");
    size_t l;
    grpc_byte_buffer *bb = xds_wire_message(body, "7-3", &l);
    grpc_slice_unref(body);
    size_t len;
    uint8_t *p = flatten(bb, &len);
    Envoy__Service__Discovery__V3__DeltaDiscoveryResponse *m =
        envoy__service__discovery__v3__delta_discovery_response__unpack(NULL, len, p);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->nonce, "7-3");
        CHECK_STR(m->system_version_info, "v");
        CHECK_INT(m->n_resources, 1);
        CHECK_STR(m->resources[0]->name, "a");
        CHECK_STR(m->resources[0]->version, xds_view_items(v, XDS_CLUSTER)[0].version);
        CHECK_STR(m->resources[0]->resource->type_url, xds_type_url(XDS_CLUSTER));
        CHECK_INT(m->n_removed_resources, 1);
        CHECK_STR(m->removed_resources[0], "gone");
        envoy__service__discovery__v3__delta_discovery_response__free_unpacked(m, NULL);
    }
    free(p);
    grpc_byte_buffer_destroy(bb);
    xds_view_free(v);
}
