/* etcd_int.h - what the files of src/etcd/ share: the client's state and
 * the call helpers of client.c. */
#ifndef XDSD_ETCD_INT_H
#define XDSD_ETCD_INT_H

#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "etcd/kv.pb-c.h"
#include "etcd/rpc.pb-c.h"
#include "xdsd/etcd.h"

struct etcd_watch;

struct etcd_client {
    char **endpoints; /* "HOST:PORT" */
    size_t n_endpoints, cap_endpoints;
    size_t cur; /* the member in use */
    char *prefix;
    int tls;
    char *ca_pem, *cert_pem, *key_pem;
    char *user, *password, *token;
    grpc_channel *ch;         /* to endpoints[cur], made on first use */
    struct etcd_watch *watch; /* the open watch stream, or NULL */
    int grpc_up;
};

/* The channel to the current member (made when missing). */
grpc_channel *etcd_channel(struct etcd_client *c);
/* The metadata of a call: the token when authenticated; for a watch also
 * etcd's "hasleader" requirement. md holds two entries; *n gets the count. */
void etcd_metadata(struct etcd_client *c, grpc_metadata md[2], size_t *n, int watch);
/* m packed into a byte buffer the caller destroys. */
grpc_byte_buffer *etcd_pack(const ProtobufCMessage *m);
/* A message of type d from bb, or NULL when it does not decode. */
ProtobufCMessage *etcd_unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb);
/* A unary call on the members in turn (see client.c). Returns 0 with *resp
 * (free with protobuf_c_message_free_unpacked), or -1 with *err. */
int etcd_call(struct etcd_client *c, const char *method, const ProtobufCMessage *req,
              const ProtobufCMessageDescriptor *rd, ProtobufCMessage **resp, char **err);
/* A new token for the user and password given (the old one may have
 * expired). Returns 0, or -1 with *err. */
int etcd_authenticate(struct etcd_client *c, char **err);
/* kv copied into o. */
void etcd_kv_copy(struct etcd_kv *o, const Mvccpb__KeyValue *kv);
/* The end of the range of every key that starts with key (heap). */
char *etcd_range_end(const char *key);

#endif
