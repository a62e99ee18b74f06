/* t_secrets.c - reading and checking secrets: the Kubernetes and Istio
 * forms, the checks that withhold a secret (with its file and line), the
 * previous version kept, the 7-day warning. */
#include "xdsd/secrets.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secrets_fixture.h"
#include "unit.h"

#define DAY (24 * 3600L)

static const struct config_diag *diag_with(const struct config_diags *d, const char *text)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->items[i].message, text) != NULL)
            return &d->items[i];
    return NULL;
}

TEST(secrets_kubernetes_tls_secret_gives_cert_and_cacert)
{
    struct sfx_cert gw = sfx_make("gw", "DNS:gw.example.com", 7, -DAY, 365 * DAY);
    struct sfx_cert ca = sfx_make("ca", "DNS:ca", 8, -DAY, 365 * DAY);
    char *y = sfx_secret_yaml("istio-system", "cred", gw.cert, gw.key, ca.cert);
    struct config_diags d = {0};
    struct secret_set *s = secrets_parse("s.yaml", y, strlen(y), NULL, time(NULL), &d);
    CHECK_INT(d.n, 0);
    const struct secret *c = secrets_find(s, "istio-system", "kubernetes://cred", NULL);
    CHECK(c != NULL && c->type == SECRET_TLS_CERTIFICATE && c->status == SECRET_ACTIVE);
    CHECK(c != NULL && c->served && c->key_pem && strstr(c->key_pem, "PRIVATE KEY"));
    CHECK(c != NULL && strlen(c->info.fingerprint_sha256) == 95);
    CHECK(c != NULL && strcmp(c->info.serial, "07") == 0);
    const struct secret *a = secrets_find(s, "istio-system", "kubernetes://cred-cacert", NULL);
    CHECK(a != NULL && a->type == SECRET_VALIDATION_CONTEXT && a->key_pem == NULL);
    CHECK(a != NULL && strcmp(a->info.serial, "08") == 0);
    /* another namespace's name is another secret */
    CHECK(secrets_find(s, "default", "kubernetes://cred", NULL) == NULL);
    secrets_unref(s);
    config_diags_release(&d);
    free(y);
    sfx_free(&gw);
    sfx_free(&ca);
}

TEST(secrets_istio_generic_form_in_string_data)
{
    struct sfx_cert c = sfx_make("c", "DNS:c", 3, -DAY, 365 * DAY);
    /* indent the PEM blocks for a literal block scalar */
    char *ci = xstrdup(""), *ki = xstrdup("");
    for (const char *p = c.cert; *p;) {
        const char *e = strchr(p, '\n');
        char *t = xasprintf("%s    %.*s\n", ci, (int)(e - p), p);
        free(ci);
        ci = t;
        p = e + 1;
    }
    for (const char *p = c.key; *p;) {
        const char *e = strchr(p, '\n');
        char *t = xasprintf("%s    %.*s\n", ki, (int)(e - p), p);
        free(ki);
        ki = t;
        p = e + 1;
    }
    char *y = xasprintf("kind: Secret\napiVersion: v1\nmetadata: {name: client}\nstringData:\n"
                  "  cert: |\n%s  key: |\n%s  cacert: |\n%s",
                  ci, ki, ci);
    struct config_diags d = {0};
    struct secret_set *s = secrets_parse("g.yaml", y, strlen(y), NULL, time(NULL), &d);
    CHECK_INT(d.n_errors, 0);
    CHECK(secrets_find(s, "default", "kubernetes://client", NULL) != NULL);
    CHECK(secrets_find(s, "default", "kubernetes://client-cacert", NULL) != NULL);
    secrets_unref(s);
    config_diags_release(&d);
    free(y);
    free(ci);
    free(ki);
    sfx_free(&c);
}

TEST(secrets_bad_ones_are_withheld_with_their_line)
{
    struct sfx_cert ok = sfx_make("a", "DNS:a", 1, -DAY, 365 * DAY);
    struct sfx_cert other = sfx_make("b", "DNS:b", 2, -DAY, 365 * DAY);
    struct sfx_cert old = sfx_make("c", "DNS:c", 3, -10 * DAY, -DAY);
    struct sfx_cert soon = sfx_make("d", "DNS:d", 4, -DAY, 3 * DAY);
    char *mismatch = sfx_secret_yaml("ns", "mismatch", ok.cert, other.key, NULL);
    char *expired = sfx_secret_yaml("ns", "expired", old.cert, old.key, NULL);
    char *expiring = sfx_secret_yaml("ns", "expiring", soon.cert, soon.key, NULL);
    char *good = sfx_secret_yaml("ns", "good", ok.cert, ok.key, NULL);
    char *y = xasprintf("%s---\n%s---\n%s---\n%s---\napiVersion: v1\nkind: Secret\n"
                        "metadata: {name: garbage, namespace: ns}\nstringData:\n"
                        "  tls.crt: not a certificate\n  tls.key: nor a key\n",
                        mismatch, expired, expiring, good);
    struct config_diags d = {0};
    struct secret_set *s = secrets_parse("bad.yaml", y, strlen(y), NULL, time(NULL), &d);
    CHECK_INT(d.n_errors, 3);
    CHECK_INT(d.n_warnings, 1);
    const struct config_diag *g = diag_with(&d, "does not match");
    CHECK(g != NULL && g->severity == CONFIG_ERROR && strcmp(g->pos.file, "bad.yaml") == 0);
    CHECK(g != NULL && g->pos.line == 8); /* the tls.crt line of the first document */
    CHECK(g != NULL && strstr(g->message, "withheld") != NULL);
    g = diag_with(&d, "expired");
    CHECK(g != NULL && g->severity == CONFIG_ERROR && g->pos.line > 10);
    CHECK(diag_with(&d, "does not parse") != NULL);
    g = diag_with(&d, "within 7 days");
    CHECK(g != NULL && g->severity == CONFIG_WARNING);
    /* withheld, with nothing earlier to serve; the rest is served */
    const struct secret *x = secrets_find(s, "ns", "kubernetes://mismatch", NULL);
    CHECK(x != NULL && x->status == SECRET_WITHHELD && !x->served);
    x = secrets_find(s, "ns", "kubernetes://expiring", NULL);
    CHECK(x != NULL && x->status == SECRET_EXPIRING && x->served);
    x = secrets_find(s, "ns", "kubernetes://good", NULL);
    CHECK(x != NULL && x->status == SECRET_ACTIVE && x->served);
    secrets_unref(s);
    config_diags_release(&d);
    free(y);
    free(mismatch);
    free(expired);
    free(expiring);
    free(good);
    sfx_free(&ok);
    sfx_free(&other);
    sfx_free(&old);
    sfx_free(&soon);
}

TEST(secrets_withheld_version_keeps_the_previous_one)
{
    struct sfx_cert v1 = sfx_make("v1", "DNS:gw", 1, -DAY, 365 * DAY);
    struct sfx_cert v2 = sfx_make("v2", "DNS:gw", 2, -DAY, 365 * DAY);
    struct sfx_cert other = sfx_make("x", "DNS:x", 9, -DAY, 365 * DAY);
    char *y1 = sfx_secret_yaml("gw", "cred", v1.cert, v1.key, NULL);
    char *y2 = sfx_secret_yaml("gw", "cred", v2.cert, other.key, NULL); /* broken rotation */
    char *y3 = sfx_secret_yaml("gw", "cred", v2.cert, v2.key, NULL);   /* fixed */
    struct config_diags d = {0};
    struct secret_set *s1 = secrets_parse("s.yaml", y1, strlen(y1), NULL, time(NULL), &d);
    struct secret_set *s2 = secrets_parse("s.yaml", y2, strlen(y2), s1, time(NULL), &d);
    const struct secret *a = secrets_find(s1, "gw", "kubernetes://cred", NULL);
    const struct secret *b = secrets_find(s2, "gw", "kubernetes://cred", NULL);
    CHECK(b != NULL && b->status == SECRET_WITHHELD && b->served);
    CHECK(a != NULL && b != NULL && strcmp(a->cert_pem, b->cert_pem) == 0);
    CHECK(a != NULL && b != NULL && strcmp(b->info.serial, "01") == 0);
    CHECK(secrets_hash(s1) == secrets_hash(s2)); /* nothing new to push */
    secrets_unref(s1);
    struct secret_set *s3 = secrets_parse("s.yaml", y3, strlen(y3), s2, time(NULL), &d);
    const struct secret *c = secrets_find(s3, "gw", "kubernetes://cred", NULL);
    CHECK(c != NULL && c->status == SECRET_ACTIVE && strcmp(c->info.serial, "02") == 0);
    CHECK(secrets_hash(s2) != secrets_hash(s3));
    CHECK_INT(d.n_errors, 1);
    secrets_unref(s2);
    secrets_unref(s3);
    config_diags_release(&d);
    free(y1);
    free(y2);
    free(y3);
    sfx_free(&v1);
    sfx_free(&v2);
    sfx_free(&other);
}

TEST(secrets_check_pem_reports_validity)
{
    struct sfx_cert c = sfx_make("c", "DNS:c", 255, -DAY, 30 * DAY);
    struct secret_cert_info info;
    char *why = NULL;
    int64_t now = time(NULL);
    CHECK(secrets_check_pem(c.cert, c.key, now, &info, &why) == 0 && why == NULL);
    CHECK(strcmp(info.serial, "FF") == 0);
    CHECK(info.not_after - now > 29 * DAY && info.not_after - now <= 30 * DAY + 1);
    CHECK(info.not_before <= now);
    CHECK(secrets_check_pem(c.cert, NULL, now + 28 * DAY, &info, &why) == 1);
    CHECK(secrets_check_pem(c.cert, NULL, now + 31 * DAY, &info, &why) == -1 && why != NULL);
    free(why);
    CHECK(secrets_check_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                            NULL, now, &info, &why) == -1);
    CHECK(why != NULL && strstr(why, "does not parse") != NULL);
    free(why);
    sfx_free(&c);
}

TEST(secrets_none_is_an_empty_set)
{
    const char *y = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n";
    struct config_diags d = {0};
    struct secret_set *s = secrets_parse("none.yaml", y, strlen(y), NULL, time(NULL), &d);
    size_t n = 1;
    secrets_items(s, &n);
    CHECK_INT(n, 0);
    CHECK_INT(d.n, 0);
    CHECK(secrets_find(s, "default", "kubernetes://x", NULL) == NULL);
    secrets_unref(s);
    config_diags_release(&d);
}
