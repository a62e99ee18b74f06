/* options.h - the settings of `xdsd serve`, as the modules receive them.
 *
 * Data only: the command line (src/cmd/) fills them, with the defaults and
 * checks that commands.h declares; translation and the xDS server read
 * them, and depend on nothing of the command line for it. */
#ifndef XDSD_OPTIONS_H
#define XDSD_OPTIONS_H

#include <stdint.h>

#include "xdsd/etcd.h"

enum outbound_policy { OUTBOUND_ALLOW_ANY, OUTBOUND_REGISTRY_ONLY };

struct serve_options {
    const char *config_dir;       /* watched directory of Istio YAML */
    int allow_missing_config_dir; /* start even when config_dir does not exist yet */
    const char *xds_listen;       /* HOST:PORT of the ADS server */
    const char *debug_listen;     /* HOST:PORT of the debug HTTP endpoint, "": none */
    int64_t debounce_ms;          /* quiet time before a reload */
    enum outbound_policy outbound_policy;
    const char *mesh_certs;   /* directory with cert-chain.pem, key.pem, root-cert.pem */
    const char *trust_domain; /* SPIFFE trust domain */
    const char *state_dir;    /* where the last good configuration is persisted, or NULL */
    const char *xds_tls_cert; /* mutual TLS on the xDS port when all three are set */
    const char *xds_tls_key;
    const char *xds_tls_ca;
    int64_t max_recv_bytes;        /* largest request accepted */
    int64_t max_response_bytes;    /* largest response an Envoy is sent */
    int64_t max_connection_age_ms; /* 0: connections live forever */
    const char *access_log_format; /* Envoy's access log text format, NULL: Istio's */
    struct etcd_options etcd;      /* etcd.url set: the configuration is in etcd */
    /* secrets over SDS (docs/secrets.md) */
    const char *secrets_dir;        /* watched directory of Kubernetes Secrets, or NULL */
    int mesh_certs_sds;             /* --mesh-certs-mode sds */
    int insecure_plaintext_secrets; /* private keys over plaintext xDS too */
};

/* Upper bounds of the numeric flags. A debounce beyond an hour is a typo; gRPC
 * takes the connection age as an int of milliseconds (24.8 days) and message
 * sizes as an int of bytes, and protobuf messages end at 2 GiB anyway. */
#define SERVE_MAX_DEBOUNCE_MS (3600 * 1000LL)
#define SERVE_MAX_DEBOUNCE_TEXT "1h"
#define SERVE_MAX_CONNECTION_AGE_MS 2147483647LL
#define SERVE_MAX_CONNECTION_AGE_TEXT "596h"
#define SERVE_MAX_BYTES 2147483647LL

#endif
