/* proxy.h - who is asking: the identity a proxy states in its Node.
 *
 * docs/design.md "Proxy identity": node.id in Istio's form
 * TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local, node.metadata.LABELS,
 * .NAMESPACE and .GENERATOR. Translation reads only this struct, so the xDS
 * server, `xdsd dump` and tests can all describe a proxy the same way. */
#ifndef XDSD_PROXY_H
#define XDSD_PROXY_H

#include <stddef.h>

#include "xdsd/config.h"

enum proxy_type { PROXY_SIDECAR, PROXY_ROUTER };

struct proxy_identity {
    char *id; /* node.id as sent */
    enum proxy_type type;
    char *ip;                 /* from the id, or "" */
    char *pod;                /* POD.NAMESPACE part of the id, or "" */
    char *namespace;          /* metadata NAMESPACE, else from the id, else "default" */
    struct config_kv *labels; /* metadata LABELS, sorted by key; owned */
    size_t n_labels;
    int proxyless_grpc; /* metadata GENERATOR == "grpc" */
    /* the SPIFFE ID its xDS stream's client certificate proved (heap), or
     * NULL on plaintext: which private keys it may receive over SDS */
    char *spiffe;
};

/* Fill p from the parts of a Node. Any argument but id may be NULL: type_hint
 * ("sidecar"/"router") is used when the id is not in Istio's form; labels are
 * copied and sorted. Never fails: unknown shapes fall back to a sidecar in
 * namespace "default". Release with proxy_identity_release(). */
void proxy_identity_init(struct proxy_identity *p, const char *id, const char *type_hint,
                         const char *namespace, const struct config_kv *labels, size_t n_labels,
                         const char *generator);
void proxy_identity_release(struct proxy_identity *p);

/* Parse "k=v,k=v" (as in `xdsd dump --labels`) into a heap array; *n receives the
 * count. Returns NULL with *n == 0 for an empty string, and -1-style failure as
 * NULL with *n == (size_t)-1 when an item has no '='. Free with proxy_labels_free(). */
struct config_kv *proxy_labels_parse(const char *text, size_t *n);
void proxy_labels_free(struct config_kv *labels, size_t n);

/* The value of label key, or NULL. */
const char *proxy_label(const struct proxy_identity *p, const char *key);

#endif
