/* wire.h - xDS messages on the wire: protobuf-c in, gRPC byte buffers out
 * (private to src/xds). */
#ifndef XDSD_XDS_WIRE_H
#define XDSD_XDS_WIRE_H

#include <grpc/byte_buffer.h>
#include <stddef.h>

#include "core.h"
#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "xdsd/proxy.h"

/* A request unpacked from a byte buffer, and its decoded view. */
struct xds_wire_request {
    int delta;
    Envoy__Service__Discovery__V3__DiscoveryRequest *sotw;
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest *dreq;
    const Envoy__Config__Core__V3__Node *node; /* NULL when the request has none */
    struct xds_request req;
    char **initial_names, **initial_versions; /* arrays only; strings are the message's */
};

/* Unpack bb (not consumed) as a SotW or delta request. Returns 0, or -1 when
 * the bytes are not such a message. Release with xds_wire_request_release. */
int xds_wire_request_parse(grpc_byte_buffer *bb, int delta, struct xds_wire_request *w);
void xds_wire_request_release(struct xds_wire_request *w);

/* The identity and the metadata (as JSON text, heap) a Node states. */
void xds_wire_node(const Envoy__Config__Core__V3__Node *node, struct proxy_identity *id,
                   char **metadata_json);

/* Pack a response: each resource's packed bytes go into an Any without
 * being re-encoded, the whole straight into one slice. *len gets its size. */
grpc_byte_buffer *xds_wire_response(const struct xds_out *o, const char *system_version,
                                    size_t *len);

#endif
