/* secrets_fixture.h - certificates made on the spot for the secrets tests:
 * self-signed P-256, valid from nb to na seconds from now, with a DNS or a
 * URI SAN, as PEM text (heap). */
#ifndef XDSD_TEST_SECRETS_FIXTURE_H
#define XDSD_TEST_SECRETS_FIXTURE_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct sfx_cert {
    char *cert, *key;
};

static inline char *sfx_bio_text(BIO *b)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    char *s = xstrndup(p, (size_t)n);
    BIO_free(b);
    return s;
}

/* san: "DNS:x" or "URI:spiffe://..."; serial tells certificates apart. */
static inline struct sfx_cert sfx_make(const char *cn, const char *san, long serial, long nb,
                                       long na)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), nb);
    X509_gmtime_adj(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    X509_sign(x, k, EVP_sha256());
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, x);
    PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL);
    struct sfx_cert c = {sfx_bio_text(cb), sfx_bio_text(kb)};
    X509_free(x);
    EVP_PKEY_free(k);
    return c;
}

static inline void sfx_free(struct sfx_cert *c)
{
    free(c->cert);
    free(c->key);
}

/* Base64 of text, one line (heap). */
static inline char *sfx_b64(const char *text)
{
    size_t n = strlen(text);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)text, (int)n);
    return out;
}

/* A kubernetes.io/tls Secret with base64 data (ca may be NULL). */
static inline char *sfx_secret_yaml(const char *ns, const char *name, const char *cert,
                                    const char *key, const char *ca)
{
    char *c = sfx_b64(cert), *k = sfx_b64(key), *a = ca ? sfx_b64(ca) : NULL;
    char *y = xasprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n"
                        "type: kubernetes.io/tls\ndata:\n  tls.crt: %s\n  tls.key: %s\n%s%s%s",
                        name, ns, c, k, a ? "  ca.crt: " : "", a ? a : "", a ? "\n" : "");
    free(c);
    free(k);
    free(a);
    return y;
}

#endif
