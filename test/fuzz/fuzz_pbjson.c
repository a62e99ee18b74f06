/* fuzz_pbjson.c - arbitrary bytes decoded as an xDS resource (or an Any, a
 * Struct...) and printed by the generic encoder: never a crash, always JSON. */
#include <stdint.h>
#include <stdlib.h>

#include "xdsd/pbjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        "type.googleapis.com/envoy.config.cluster.v3.Cluster",
        "type.googleapis.com/envoy.config.listener.v3.Listener",
        "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
        "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
        "HttpConnectionManager",
        "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "type.googleapis.com/envoy.admin.v3.ConfigDump",
        "type.googleapis.com/google.protobuf.Any",
        "type.googleapis.com/google.protobuf.Struct",
        "type.googleapis.com/google.protobuf.Duration",
    };
    if (size < 1)
        return 0;
    const char *type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
    json_t *j =
        pbjson_encode_any(type, data + 1, size - 1, data[0] & 0x80 ? PBJSON_PROTO_NAMES : 0);
    char *text = pbjson_dumps(j, data[0] & 0x40);
    if (j == NULL || text == NULL)
        abort();
    free(text);
    json_decref(j);
    return 0;
}
