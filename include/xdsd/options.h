/* options.h - the settings of `xdsd serve`, as parsed from the command line. */
#ifndef XDSD_OPTIONS_H
#define XDSD_OPTIONS_H

#include <stdint.h>

enum outbound_policy { OUTBOUND_ALLOW_ANY, OUTBOUND_REGISTRY_ONLY };

struct serve_options {
    const char *config_dir;   /* watched directory of Istio YAML */
    const char *xds_listen;   /* HOST:PORT of the ADS server */
    const char *debug_listen; /* HOST:PORT of the debug HTTP endpoint */
    int64_t debounce_ms;      /* quiet time before a reload */
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
};

/* Fill o with the defaults of docs/design.md. */
void serve_options_init(struct serve_options *o);

#endif
