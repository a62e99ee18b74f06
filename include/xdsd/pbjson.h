/* pbjson.h - any protobuf-c message to JSON, following the proto3 JSON mapping.
 *
 * One generic encoder walks a message through its descriptor, so every Envoy
 * message xdsd knows prints without per-message code:
 *
 *   - field names in lowerCamelCase, or as written in the .proto with
 *     PBJSON_PROTO_NAMES (what Envoy's admin /config_dump prints);
 *   - int64/uint64 as strings, enums by name, bytes in base64, fields at
 *     their default value omitted, oneofs by their set member, maps as
 *     objects, repeated fields as arrays;
 *   - well-known types as their JSON forms: Duration "1.500s", Timestamp
 *     RFC 3339, wrappers as bare values, Struct/Value/ListValue as plain JSON,
 *     Any as {"@type": URL, ...fields of the message it holds}, expanded
 *     through a registry of every message generated from proto/;
 *   - secrets never printed: the inline content of a sensitive DataSource
 *     (TlsCertificate.private_key, .password, GenericSecret.secret,
 *     TlsSessionTicketKeys.keys) is replaced by "[redacted]" as Envoy does;
 *     file names and environment variable names stay. */
#ifndef XDSD_PBJSON_H
#define XDSD_PBJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

enum pbjson_flags {
    /* field names as in the .proto ("connect_timeout"), as Envoy's admin
     * endpoint prints them, instead of proto3's lowerCamelCase ("connectTimeout") */
    PBJSON_PROTO_NAMES = 1 << 0,
};

/* The JSON of msg. Returns a new reference, never NULL: an Any whose type is
 * unknown or whose bytes do not decode keeps its "@type" and shows the
 * problem in "@error" with the raw bytes in "@bytes" (base64). */
json_t *pbjson_encode(const ProtobufCMessage *msg, unsigned flags);

/* The JSON of a packed message of the type named by type_url (a type URL
 * "type.googleapis.com/NAME" or a bare full name), as the value of an Any
 * would print: {"@type": URL, ...}. The "@type" is the URL as given. Never
 * NULL (see pbjson_encode for the unknown-type form). */
json_t *pbjson_encode_any(const char *type_url, const uint8_t *buf, size_t len, unsigned flags);

/* The descriptor of a message type by full name ("envoy.config.cluster.v3.Cluster")
 * or type URL, among every message generated from proto/ and the well-known
 * types; NULL when xdsd has no such type. Thread-safe. */
const ProtobufCMessageDescriptor *pbjson_find_type(const char *name_or_url);

/* Serialize j: keys sorted, indented by 2 when pretty, else compact, with a
 * final newline when pretty. Caller frees. */
char *pbjson_dumps(const json_t *j, int pretty);

/* proto3's JSON name of a .proto field name: "foo_bar" -> "fooBar". Writes at
 * most size bytes (always terminated). */
void pbjson_camel_name(const char *name, char *out, size_t size);

#endif
