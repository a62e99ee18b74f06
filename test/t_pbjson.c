/* t_pbjson.c - the generic protobuf -> JSON encoder: proto3 mapping, Any, secrets. */
#include "xdsd/pbjson.h"

#include <stdlib.h>
#include <string.h>

#include "envoy/config/cluster/v3/cluster.pb-c.h"
#include "envoy/config/core/v3/base.pb-c.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb-c.h"
#include "envoy/type/v3/percent.pb-c.h"
#include "envoy/type/v3/range.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "xdsd/util.h"
#include "unit.h"

#define TLS_URL "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(*len ? *len : 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

/* The compact text of j with sorted keys, then j released. */
static char *text_of(json_t *j)
{
    char *s = pbjson_dumps(j, 0);
    json_decref(j);
    return s;
}

TEST(pbjson_camel_names)
{
    char buf[64];
    pbjson_camel_name("connect_timeout", buf, sizeof(buf));
    CHECK_STR(buf, "connectTimeout");
    pbjson_camel_name("name", buf, sizeof(buf));
    CHECK_STR(buf, "name");
    pbjson_camel_name("per_connection_buffer_limit_bytes", buf, sizeof(buf));
    CHECK_STR(buf, "perConnectionBufferLimitBytes");
    pbjson_camel_name("ipv4_compat", buf, sizeof(buf));
    CHECK_STR(buf, "ipv4Compat");
}

TEST(pbjson_scalars_defaults_oneof_wrappers)
{
    Envoy__Config__Cluster__V3__Cluster c = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__INIT;
    Google__Protobuf__Duration timeout = GOOGLE__PROTOBUF__DURATION__INIT;
    Google__Protobuf__UInt32Value limit = GOOGLE__PROTOBUF__UINT32_VALUE__INIT;
    Google__Protobuf__BoolValue warm = GOOGLE__PROTOBUF__BOOL_VALUE__INIT;
    c.name = "outbound|443||edition.cnn.com";
    timeout.seconds = 1;
    timeout.nanos = 500000000;
    c.connect_timeout = &timeout;
    limit.value = 32768;
    c.per_connection_buffer_limit_bytes = &limit;
    c.wait_for_warm_on_init = &warm; /* false, but present: a wrapper prints its value */
    c.cluster_discovery_type_case =
        ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE;
    c.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__STRICT_DNS;
    c.dns_lookup_family = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DNS_LOOKUP_FAMILY__V4_ONLY;

    char *s = text_of(pbjson_encode(&c.base, 0));
    CHECK_STR(s,
              "{\"connectTimeout\":\"1.500s\",\"dnsLookupFamily\":\"V4_ONLY\","
              "\"name\":\"outbound|443||edition.cnn.com\",\"perConnectionBufferLimitBytes\":32768,"
              "\"type\":\"STRICT_DNS\",\"waitForWarmOnInit\":false}");
    free(s);

    /* Envoy's admin names; a oneof member at its default value still prints */
    c.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__STATIC;
    c.wait_for_warm_on_init = NULL;
    timeout.seconds = 10;
    timeout.nanos = 0;
    s = text_of(pbjson_encode(&c.base, PBJSON_PROTO_NAMES));
    CHECK_STR(
        s, "{\"connect_timeout\":\"10s\",\"dns_lookup_family\":\"V4_ONLY\","
           "\"name\":\"outbound|443||edition.cnn.com\",\"per_connection_buffer_limit_bytes\":32768,"
           "\"type\":\"STATIC\"}");
    free(s);
}

TEST(pbjson_int64_as_strings_and_doubles)
{
    Envoy__Type__V3__Int64Range r = ENVOY__TYPE__V3__INT64_RANGE__INIT;
    r.start = -5;
    r.end = 10000000000LL;
    char *s = text_of(pbjson_encode(&r.base, 0));
    CHECK_STR(s, "{\"end\":\"10000000000\",\"start\":\"-5\"}");
    free(s);

    Envoy__Type__V3__Percent p = ENVOY__TYPE__V3__PERCENT__INIT;
    p.value = 0.1;
    s = text_of(pbjson_encode(&p.base, 0));
    CHECK_STR(s, "{\"value\":0.1}");
    free(s);
    p.value = 50;
    s = text_of(pbjson_encode(&p.base, 0));
    CHECK_STR(s, "{\"value\":50}");
    free(s);
    p.value = 0; /* the default: omitted */
    s = text_of(pbjson_encode(&p.base, 0));
    CHECK_STR(s, "{}");
    free(s);
}

TEST(pbjson_bytes_base64)
{
    Envoy__Config__Core__V3__HeaderValue h = ENVOY__CONFIG__CORE__V3__HEADER_VALUE__INIT;
    static const char *const in[] = {"a", "ab", "abc", "abcd"};
    static const char *const out[] = {"YQ==", "YWI=", "YWJj", "YWJjZA=="};
    for (size_t i = 0; i < ARRAY_LEN(in); i++) {
        h.raw_value.data = (uint8_t *)in[i];
        h.raw_value.len = strlen(in[i]);
        json_t *j = pbjson_encode(&h.base, PBJSON_PROTO_NAMES);
        CHECK_STR(json_string_value(json_object_get(j, "raw_value")), out[i]);
        json_decref(j);
    }
}

TEST(pbjson_duration_and_timestamp_forms)
{
    Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
    static const struct {
        int64_t s;
        int32_t n;
        const char *text;
    } cases[] = {
        {0, 0, "\"0s\""},           {5, 0, "\"5s\""},           {0, 250000000, "\"0.250s\""},
        {1, 1000, "\"1.000001s\""}, {1, 1, "\"1.000000001s\""}, {-1, -500000000, "\"-1.500s\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        d.seconds = cases[i].s;
        d.nanos = cases[i].n;
        char *s = text_of(pbjson_encode(&d.base, 0));
        CHECK_STR(s, cases[i].text);
        free(s);
    }
    Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    t.seconds = 1484443815;
    t.nanos = 10000000;
    char *s = text_of(pbjson_encode(&t.base, 0));
    CHECK_STR(s, "\"2017-01-15T01:30:15.010Z\"");
    free(s);
}

TEST(pbjson_maps_and_struct)
{
    Google__Protobuf__Value str = GOOGLE__PROTOBUF__VALUE__INIT,
                            num = GOOGLE__PROTOBUF__VALUE__INIT,
                            flag = GOOGLE__PROTOBUF__VALUE__INIT,
                            nul = GOOGLE__PROTOBUF__VALUE__INIT,
                            list = GOOGLE__PROTOBUF__VALUE__INIT;
    str.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    str.string_value = "istio";
    num.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
    num.number_value = 2.5;
    flag.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
    flag.bool_value = 0;
    nul.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
    Google__Protobuf__Value *items[] = {&str, &num};
    Google__Protobuf__ListValue lv = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
    lv.n_values = 2;
    lv.values = items;
    list.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
    list.list_value = &lv;
    Google__Protobuf__Struct__FieldsEntry e[5];
    const char *keys[] = {"tlsMode", "weight", "on", "none", "list"};
    Google__Protobuf__Value *vals[] = {&str, &num, &flag, &nul, &list};
    Google__Protobuf__Struct__FieldsEntry *ep[5];
    for (int i = 0; i < 5; i++) {
        google__protobuf__struct__fields_entry__init(&e[i]);
        e[i].key = (char *)keys[i];
        e[i].value = vals[i];
        ep[i] = &e[i];
    }
    Google__Protobuf__Struct st = GOOGLE__PROTOBUF__STRUCT__INIT;
    st.n_fields = 5;
    st.fields = ep;
    Envoy__Config__Core__V3__Metadata__FilterMetadataEntry fe =
        ENVOY__CONFIG__CORE__V3__METADATA__FILTER_METADATA_ENTRY__INIT;
    fe.key = "istio";
    fe.value = &st;
    Envoy__Config__Core__V3__Metadata__FilterMetadataEntry *fep = &fe;
    Envoy__Config__Core__V3__Metadata md = ENVOY__CONFIG__CORE__V3__METADATA__INIT;
    md.n_filter_metadata = 1;
    md.filter_metadata = &fep;
    char *s = text_of(pbjson_encode(&md.base, PBJSON_PROTO_NAMES));
    CHECK_STR(s, "{\"filter_metadata\":{\"istio\":{\"list\":[\"istio\",2.5],\"none\":null,"
                 "\"on\":false,\"tlsMode\":\"istio\",\"weight\":2.5}}}");
    free(s);
}

/* An UpstreamTlsContext whose certificate key is inline: secret text never prints. */
static uint8_t *tls_context_bytes(size_t *len, int key_as_bytes)
{
    Envoy__Config__Core__V3__DataSource chain = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__INIT;
    Envoy__Config__Core__V3__DataSource key = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__INIT;
    chain.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_FILENAME;
    chain.filename = "/etc/certs/cert-chain.pem";
    if (key_as_bytes) {
        key.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES;
        key.inline_bytes.data = (uint8_t *)"-----BEGIN PRIVATE KEY----- SECRETBYTES";
        key.inline_bytes.len = strlen((char *)key.inline_bytes.data);
    } else {
        key.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_STRING;
        key.inline_string = "-----BEGIN PRIVATE KEY----- SECRETSTRING";
    }
    Envoy__Extensions__TransportSockets__Tls__V3__TlsCertificate cert =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__TLS_CERTIFICATE__INIT;
    cert.certificate_chain = &chain;
    cert.private_key = &key;
    Envoy__Extensions__TransportSockets__Tls__V3__TlsCertificate *certs = &cert;
    char *alpn = "istio";
    Envoy__Extensions__TransportSockets__Tls__V3__CommonTlsContext common =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__INIT;
    common.n_tls_certificates = 1;
    common.tls_certificates = &certs;
    common.n_alpn_protocols = 1;
    common.alpn_protocols = &alpn;
    Envoy__Extensions__TransportSockets__Tls__V3__UpstreamTlsContext up =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__UPSTREAM_TLS_CONTEXT__INIT;
    up.common_tls_context = &common;
    up.sni = "edition.cnn.com";
    return pack(&up.base, len);
}

TEST(pbjson_any_expanded_and_keys_redacted)
{
    size_t len;
    uint8_t *tls = tls_context_bytes(&len, 0);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = TLS_URL;
    any.value.data = tls;
    any.value.len = len;
    Envoy__Config__Core__V3__TransportSocket ts = ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__INIT;
    ts.name = "envoy.transport_sockets.tls";
    ts.config_type_case = ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__CONFIG_TYPE_TYPED_CONFIG;
    ts.typed_config = &any;
    Envoy__Config__Cluster__V3__Cluster c = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__INIT;
    c.name = "outbound|443||edition.cnn.com";
    c.transport_socket = &ts;

    json_t *j = pbjson_encode(&c.base, PBJSON_PROTO_NAMES);
    json_t *tc = json_object_get(json_object_get(j, "transport_socket"), "typed_config");
    CHECK_STR(json_string_value(json_object_get(tc, "@type")), TLS_URL);
    CHECK_STR(json_string_value(json_object_get(tc, "sni")), "edition.cnn.com");
    json_t *cert = json_array_get(
        json_object_get(json_object_get(tc, "common_tls_context"), "tls_certificates"), 0);
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(cert, "certificate_chain"), "filename")),
        "/etc/certs/cert-chain.pem");
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(cert, "private_key"), "inline_string")),
        "[redacted]");
    char *s = text_of(j);
    CHECK(strstr(s, "SECRET") == NULL);
    CHECK(strstr(s, "BEGIN PRIVATE KEY") == NULL);
    free(s);
    free(tls);

    /* inline_bytes: the bytes of "[redacted]", as Envoy prints them */
    tls = tls_context_bytes(&len, 1);
    j = pbjson_encode_any(TLS_URL, tls, len, 0);
    cert = json_array_get(
        json_object_get(json_object_get(j, "commonTlsContext"), "tlsCertificates"), 0);
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(cert, "privateKey"), "inlineBytes")),
        "W3JlZGFjdGVkXQ==");
    s = text_of(j);
    CHECK(strstr(s, "SECRET") == NULL);
    CHECK(strstr(s, "\"alpnProtocols\":[\"istio\"]") != NULL);
    free(s);
    free(tls);
}

TEST(pbjson_any_of_well_known_type_and_unknown)
{
    Google__Protobuf__UInt32Value v = GOOGLE__PROTOBUF__UINT32_VALUE__INIT;
    v.value = 7;
    size_t len;
    uint8_t *b = pack(&v.base, &len);
    char *s =
        text_of(pbjson_encode_any("type.googleapis.com/google.protobuf.UInt32Value", b, len, 0));
    CHECK_STR(s, "{\"@type\":\"type.googleapis.com/google.protobuf.UInt32Value\",\"value\":7}");
    free(s);
    free(b);

    static const uint8_t junk[] = {0x0a, 0x05, 'x'};
    json_t *j = pbjson_encode_any("type.googleapis.com/no.such.Type", junk, sizeof(junk), 0);
    CHECK_STR(json_string_value(json_object_get(j, "@error")), "unknown type");
    json_decref(j);
    j = pbjson_encode_any("type.googleapis.com/envoy.config.cluster.v3.Cluster", junk, sizeof(junk),
                          0);
    CHECK_STR(json_string_value(json_object_get(j, "@error")), "cannot decode");
    json_decref(j);
}

TEST(pbjson_registry_knows_every_proto)
{
    CHECK(pbjson_find_type("type.googleapis.com/envoy.config.cluster.v3.Cluster") ==
          &envoy__config__cluster__v3__cluster__descriptor);
    CHECK(pbjson_find_type("envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext") != NULL);
    CHECK(pbjson_find_type("type.googleapis.com/envoy.extensions.filters.network."
                           "http_connection_manager.v3.HttpConnectionManager") != NULL);
    CHECK(pbjson_find_type("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router") !=
          NULL);
    CHECK(pbjson_find_type("google.protobuf.Struct") != NULL);
    CHECK(pbjson_find_type("envoy.config.cluster.v3.NoSuchThing") == NULL);
}
