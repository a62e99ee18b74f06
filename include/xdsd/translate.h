/* translate.h - Istio model in, Envoy resources out.
 *
 * translate_snapshot() wraps a validated config set in a snapshot whose views
 * are computed per proxy class (sidecar per namespace, gateway per set of
 * matched Gateways, proxyless gRPC), following Istio's names and shapes
 * (docs/istio-to-envoy.md). */
#ifndef XDSD_TRANSLATE_H
#define XDSD_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"
#include "xdsd/options.h"
#include "xdsd/snapshot.h"

struct secret_set;

struct translate_options {
    enum outbound_policy outbound_policy;
    const char *mesh_certs;   /* directory of cert-chain.pem, key.pem, root-cert.pem */
    const char *trust_domain; /* SPIFFE trust domain, "cluster.local" */
    size_t max_response_bytes; /* views needing a larger response are refused; 0: default */
    const char *access_log_format; /* meshConfig.accessLogFormat; NULL: Istio's default */
    /* SDS (docs/secrets.md): the secrets served, NULL for none; mesh_sds:
     * ISTIO_MUTUAL certificates as SDS "default" and "ROOTCA" instead of
     * files; insecure_plaintext_secrets: private keys also to plaintext
     * streams, of the namespace they claim */
    struct secret_set *secrets;
    int mesh_sds;
    int insecure_plaintext_secrets;
};

/* The configuration translation reads, as plain arrays in (namespace, name)
 * order. translate_snapshot() fills it from a config set; tests and
 * benchmarks may build one by hand. Nothing in it is copied or freed. */
struct translate_model {
    const struct service_entry *service_entries;
    size_t n_service_entries;
    const struct gateway *gateways;
    size_t n_gateways;
    const struct virtual_service *virtual_services;
    size_t n_virtual_services;
    const struct destination_rule *destination_rules;
    size_t n_destination_rules;
    const struct sidecar *sidecars;
    size_t n_sidecars;
    const struct workload_entry *workload_entries;
    size_t n_workload_entries;
};

/* The class key of a proxy (heap string): its type, namespace, the sorted
 * names of the Gateways it matches (with its own gateway service), the
 * Sidecar resource that scopes it, the labels that sourceLabels rules look
 * at, and the generator. Equal keys, equal views. */
char *translate_class_key(const struct translate_model *m, const struct proxy_identity *id);

/* Translate m for proxy id: a finished view that passed the consistency check,
 * or NULL with the reason in *err (caller frees). o may be NULL (defaults). */
struct xds_view *translate_build(const struct translate_model *m, const struct translate_options *o,
                                 const struct proxy_identity *id, char **err);

/* A snapshot of generation gen over cfg (the snapshot takes its own reference
 * and copies o). Views are built on demand; each view passes the consistency
 * check (every referenced RDS, cluster and EDS name exists) or the build fails
 * with the violation named. Never returns NULL. */
struct snapshot *translate_snapshot(struct config_set *cfg, uint64_t gen,
                                    const struct translate_options *o);

/* Proxies that stand for the classes a configuration is likely to serve: a
 * sidecar in "default" and in the namespaces of its VirtualServices and
 * ServiceEntries, a gateway proxy matching each Gateway's selector, a
 * proxyless gRPC client. Handed to snapshot_prepare() at publish, so that a
 * configuration no proxy could receive is refused before any proxy asks.
 * Free with translate_probe_proxies_free(). */
struct proxy_identity *translate_probe_proxies(const struct config_set *cfg, size_t *n);
void translate_probe_proxies_free(struct proxy_identity *ids, size_t n);

/* What the views of snapshot s (made by translate_snapshot()) built so far
 * cannot carry of what the configuration asks (a destination with no
 * cluster, credentialName without SDS...): warnings about the resources
 * that ask it, each once however many proxy classes met it, appended to
 * *diags in file order (release with config_diags_release()). */
void translate_findings(const struct snapshot *s, struct config_diags *diags);

/* The config set a snapshot made by translate_snapshot() reads. */
struct config_set *translate_config(const struct snapshot *s);

#endif
