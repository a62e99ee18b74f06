/* check.c - what a secret must be before it is served: its certificate
 * parses, its key parses and belongs to that certificate, and it is valid
 * now. OpenSSL's libcrypto does the X.509 work: parsing certificates and keys
 * by hand is how TLS code goes wrong, and libcrypto is already what gRPC and
 * Envoy's peers rely on. */
#include "xdsd/secrets.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/util.h"

static X509 *read_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (b == NULL)
        return NULL;
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static EVP_PKEY *read_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (b == NULL)
        return NULL;
    /* no passphrase callback: an encrypted key is one xdsd cannot serve */
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
    BIO_free(b);
    return k;
}

static int64_t seconds_of(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static void fill_info(X509 *x, struct secret_cert_info *info)
{
    memset(info, 0, sizeof(*info));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(x, EVP_sha256(), md, &n) == 1) {
        char *p = info->fingerprint_sha256;
        for (unsigned int i = 0; i < n && i < 32; i++)
            p += sprintf(p, "%s%02X", i ? ":" : "", md[i]);
    }
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex != NULL)
        snprintf(info->serial, sizeof(info->serial), "%s", hex);
    OPENSSL_free(hex);
    BN_free(bn);
    info->not_before = seconds_of(X509_get0_notBefore(x));
    info->not_after = seconds_of(X509_get0_notAfter(x));
}

static char *utc(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
    return xstrdup(buf);
}

int secrets_check_pem(const char *cert_pem, const char *key_pem, int64_t now,
                      struct secret_cert_info *info, char **why)
{
    int rc = -1;
    EVP_PKEY *k = NULL;
    X509 *x = read_cert(cert_pem);
    *why = NULL;
    if (x == NULL) {
        *why = xstrdup("the certificate does not parse as PEM X.509");
        goto out;
    }
    fill_info(x, info);
    if (key_pem != NULL) {
        k = read_key(key_pem);
        if (k == NULL) {
            *why = xstrdup("the private key does not parse as an unencrypted PEM key");
            goto out;
        }
        if (X509_check_private_key(x, k) != 1) {
            *why = xasprintf("the private key does not match the certificate (serial %s)",
                             info->serial);
            goto out;
        }
    }
    if (info->not_after <= now) {
        char *t = utc(info->not_after);
        *why = xasprintf("the certificate (serial %s) expired at %s", info->serial, t);
        free(t);
        goto out;
    }
    if (info->not_before > now) {
        char *t = utc(info->not_before);
        *why = xasprintf("the certificate (serial %s) is not valid before %s", info->serial, t);
        free(t);
        goto out;
    }
    rc = info->not_after - now < SECRETS_EXPIRING_SECONDS ? 1 : 0;
out:
    ERR_clear_error(); /* nothing left on the thread's error queue for gRPC to find */
    EVP_PKEY_free(k);
    X509_free(x);
    return rc;
}
