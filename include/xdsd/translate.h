/* translate.h - Istio model in, Envoy resources out.
 *
 * translate_snapshot() wraps a validated config set in a snapshot whose views
 * are computed per proxy class (sidecar per namespace, gateway per set of
 * matched Gateways, proxyless gRPC), following Istio's names and shapes
 * (shared/reference/istio-translation.md). */
#ifndef XDSD_TRANSLATE_H
#define XDSD_TRANSLATE_H

#include <stdint.h>

#include "xdsd/config.h"
#include "xdsd/options.h"
#include "xdsd/snapshot.h"

struct translate_options {
    enum outbound_policy outbound_policy;
    const char *mesh_certs;   /* directory of cert-chain.pem, key.pem, root-cert.pem */
    const char *trust_domain; /* SPIFFE trust domain, "cluster.local" */
};

/* A snapshot of generation gen over cfg (the snapshot takes its own reference
 * and copies o). Views are built on demand; each view passes the consistency
 * check (every referenced RDS, cluster and EDS name exists) or the build fails
 * with the violation named. Never returns NULL. */
struct snapshot *translate_snapshot(struct config_set *cfg, uint64_t gen,
                                    const struct translate_options *o);

/* The config set a snapshot made by translate_snapshot() reads. */
struct config_set *translate_config(const struct snapshot *s);

#endif
