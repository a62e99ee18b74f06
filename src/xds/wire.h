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

/* A response is its body (everything but the nonce: the same bytes for every
 * stream sent the same resources, so packed once and shared) followed by its
 * nonce: protobuf fields may come in any order, and gRPC sends the two slices
 * as one message. Each resource's packed bytes go into an Any without being
 * re-encoded. The body is a new slice reference. */
grpc_slice xds_wire_body(const struct xds_out *o, const char *system_version);
/* A key for the body of o: equal keys, equal bodies. */
uint64_t xds_wire_body_key(const struct xds_out *o, const char *system_version);
/* The message of body (a reference is taken) and nonce (<= 23 bytes). */
grpc_byte_buffer *xds_wire_message(grpc_slice body, const char *nonce, size_t *len);

#endif
