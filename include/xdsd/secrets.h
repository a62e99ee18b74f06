/* secrets.h - TLS secrets served over SDS: Kubernetes Secrets from
 * --secrets-dir and the mesh certificates of --mesh-certs-mode sds, checked
 * on load, as one immutable, reference-counted set.
 *
 * docs/secrets.md: the SDS names ("kubernetes://NAME", "kubernetes://NAME-cacert",
 * "default", "ROOTCA"), who may receive which, and rotation. A secret whose
 * new version fails its checks is withheld: the set keeps the previous good
 * version of it (from the set handed to the load) and says so. */
#ifndef XDSD_SECRETS_H
#define XDSD_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"

enum secret_type { SECRET_TLS_CERTIFICATE, SECRET_VALIDATION_CONTEXT };
enum secret_status { SECRET_ACTIVE, SECRET_EXPIRING, SECRET_WITHHELD };

/* A certificate expiring sooner than this is a warning. */
#define SECRETS_EXPIRING_SECONDS (7 * 24 * 3600)

/* What the checks learned of a PEM certificate (the first of a chain). */
struct secret_cert_info {
    char fingerprint_sha256[96]; /* "AB:CD:...", of the DER */
    char serial[80];             /* hex */
    int64_t not_before, not_after; /* seconds since the epoch */
};

/* One SDS resource. Strings are owned by the set. */
struct secret {
    const char *namespace; /* of the Kubernetes Secret or the mesh identity; "" for ROOTCA */
    const char *name;      /* the SDS name: "kubernetes://NAME", "default", "ROOTCA" */
    const char *service_account; /* "default": the identity's; else NULL */
    enum secret_type type;
    enum secret_status status;
    const char *cert_pem; /* the chain (tls_certificate) or the CA bundle */
    const char *key_pem;  /* tls_certificate: the private key; else NULL */
    struct secret_cert_info info; /* of what is served */
    int served;                   /* 0: withheld with no good version to serve */
    struct config_pos pos;        /* where it was read (the file for mesh certificates) */
};

struct secret_set;

/* Check a certificate chain (and, when key_pem is not NULL, that the key
 * belongs to its first certificate) at time now. Returns 0 and fills *info
 * when it is usable, 1 when it is but expires within
 * SECRETS_EXPIRING_SECONDS, -1 with the reason in *why (heap) when the
 * certificate does not parse, the key does not or does not match, or the
 * certificate expired or is not valid yet. */
int secrets_check_pem(const char *cert_pem, const char *key_pem, int64_t now,
                      struct secret_cert_info *info, char **why);

/* Read the Secrets in the YAML stream buf (named file in findings) into a
 * new set. prev (may be NULL) is the set served so far: a secret that fails
 * its checks keeps prev's version. Findings go to *d (errors for what is
 * withheld, warnings for what expires soon). now: seconds since the epoch. */
struct secret_set *secrets_parse(const char *file, const char *buf, size_t len,
                                 const struct secret_set *prev, int64_t now,
                                 struct config_diags *d);

/* The same for every *.yaml / *.yml under dir (may be NULL: none), plus
 * with mesh_dir (may be NULL) the mesh certificates: mesh_dir/root-cert.pem
 * as "ROOTCA" and each mesh_dir/NAMESPACE/SERVICEACCOUNT/{cert-chain.pem,key.pem}
 * as that identity's "default". Never returns NULL. */
struct secret_set *secrets_load(const char *dir, const char *mesh_dir,
                                const struct secret_set *prev, int64_t now,
                                struct config_diags *d);

struct secret_set *secrets_ref(struct secret_set *s);
/* Drop a reference; NULL is ignored. */
void secrets_unref(struct secret_set *s);

/* Every secret, sorted by (namespace, name, service account). */
const struct secret *secrets_items(const struct secret_set *s, size_t *n);
/* The secret name of namespace ns (for "default": of service account sa),
 * or NULL. "ROOTCA" is found whatever ns. */
const struct secret *secrets_find(const struct secret_set *s, const char *ns, const char *name,
                                  const char *sa);
/* A hash of what the set serves: equal hashes, nothing to push. */
uint64_t secrets_hash(const struct secret_set *s);

/* Warnings into *d for each Gateway server or DestinationRule whose
 * credentialName names no Secret of s (in any namespace): what it secures
 * would wait for its certificate. s NULL: nothing to check. */
void secrets_check_refs(const struct secret_set *s, const struct config_set *cfg,
                        struct config_diags *d);

/* Where `serve` reads secrets: a watched --secrets-dir (debounced as the
 * configuration directory is) and the mesh certificates. One thread uses it. */
struct secrets_source;

/* dir and mesh_dir may be NULL (not read). Loads once (findings logged). */
struct secrets_source *secrets_source_new(const char *dir, const char *mesh_dir,
                                          int64_t debounce_ms);
void secrets_source_free(struct secrets_source *s);
/* The file descriptor to poll for changes, or -1. */
int secrets_source_fd(const struct secrets_source *s);
/* Milliseconds until secrets_source_poll() has work to do, or -1. */
int64_t secrets_source_timeout_ms(const struct secrets_source *s, int64_t now);
/* After a change settled: read again. Returns 1 when what is served
 * changed (secrets_source_current() has it), 2 when it was read again but
 * serves the same (a new version withheld), 0 when not read. force: now,
 * as on SIGHUP. Findings are logged. */
int secrets_source_poll(struct secrets_source *s, int64_t now, int force);
/* The set served now (borrowed: secrets_ref() keeps it). */
struct secret_set *secrets_source_current(const struct secrets_source *s);

#endif
