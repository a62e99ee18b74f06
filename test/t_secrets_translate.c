/* t_secrets_translate.c - credentialName and --mesh-certs-mode sds as SDS
 * references, and which secrets a proxy's view holds: its namespace's,
 * private keys only over mutual TLS (or when plaintext is allowed them),
 * "default" only for its own identity; a rotation changes only Secrets. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secrets_fixture.h"
#include "translate_fixture.h"
#include "unit.h"
#include "xdsd/config_dump.h"
#include "xdsd/secrets.h"

#define DAY (24 * 3600L)
#define EGW_SPIFFE "spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway"

static struct xds_view *build_as(struct fx *f, const char *node, const char *labels,
                                 const char *spiffe)
{
    struct config_labels l = fx_labels(f, labels);
    struct proxy_identity id;
    proxy_identity_init(&id, node, NULL, NULL, l.items, l.n, NULL);
    id.spiffe = spiffe ? xstrdup(spiffe) : NULL;
    struct xds_view *v = translate_build(&f->m, &f->o, &id, NULL);
    proxy_identity_release(&id);
    if (v != NULL)
        f->views[f->n_views++] = v;
    return v;
}

static struct secret_set *one_secret(const char *ns, const char *name, long serial, int with_ca)
{
    struct sfx_cert c = sfx_make(name, "DNS:egress.example.com", serial, -DAY, 365 * DAY);
    char *y = sfx_secret_yaml(ns, name, c.cert, c.key, with_ca ? c.cert : NULL);
    struct config_diags d = {0};
    struct secret_set *s = secrets_parse("s.yaml", y, strlen(y), NULL, time(NULL), &d);
    config_diags_release(&d);
    free(y);
    sfx_free(&c);
    return s;
}

/* A gateway in istio-system terminating HTTPS with credentialName cred. */
static struct fx *gateway_fx(enum server_tls_mode mode)
{
    struct fx *f = fx_new();
    struct gateway *g = fx_gw(f, "gw", "istio-system", "istio=egressgateway");
    struct gateway_server *s = fx_gw_server(f, g, 443, "https", PROTO_HTTPS, "*");
    fx_server_tls(s, mode, NULL, NULL, NULL);
    s->tls.credential_name = "cred";
    return f;
}

static DownstreamTlsContext *first_chain_tls(struct fx *f, const struct xds_view *v)
{
    Listener *l = fx_listener(f, v, "0.0.0.0_443");
    return l && l->n_filter_chains ? fx_downstream_tls(f, l->filter_chains[0]) : NULL;
}

TEST(sds_gateway_credential_name_is_an_sds_reference)
{
    struct fx *f = gateway_fx(SERVER_TLS_MUTUAL);
    f->o.secrets = one_secret("istio-system", "cred", 1, 1);
    struct xds_view *v = build_as(f, EGW_ID, EGW_LABELS, EGW_SPIFFE);
    DownstreamTlsContext *d = first_chain_tls(f, v);
    CHECK(d != NULL && d->common_tls_context->n_tls_certificate_sds_secret_configs == 1);
    if (d != NULL && d->common_tls_context->n_tls_certificate_sds_secret_configs == 1) {
        SdsSecretConfig *c = d->common_tls_context->tls_certificate_sds_secret_configs[0];
        CHECK_STR(c->name, "kubernetes://cred");
        CHECK(c->sds_config != NULL && c->sds_config->ads != NULL);
        CHECK(d->common_tls_context->validation_context_sds_secret_config != NULL);
        CHECK_STR(d->common_tls_context->validation_context_sds_secret_config->name,
                  "kubernetes://cred-cacert");
        CHECK(d->require_client_certificate && d->require_client_certificate->value);
    }
    /* the view carries both, the key included: the stream proved the namespace */
    Secret *s = fx_decode(f, v, XDS_SECRET, "kubernetes://cred");
    CHECK(s != NULL && s->tls_certificate != NULL && s->tls_certificate->private_key != NULL);
    CHECK(fx_decode(f, v, XDS_SECRET, "kubernetes://cred-cacert") != NULL);
    CHECK_INT(xds_view_count(v, XDS_SECRET), 2);
    secrets_unref(f->o.secrets);
    fx_free(f);
}

TEST(sds_private_keys_only_to_their_namespace_over_mtls)
{
    struct fx *f = gateway_fx(SERVER_TLS_MUTUAL);
    f->o.secrets = one_secret("istio-system", "cred", 1, 1);
    /* plaintext: the CA, not the key */
    struct xds_view *v = build_as(f, EGW_ID, EGW_LABELS, NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "kubernetes://cred") == NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "kubernetes://cred-cacert") != NULL);
    /* a sidecar of another namespace asking: nothing (its resources name none) */
    v = build_as(f, SLEEP_ID, NULL, "spiffe://cluster.local/ns/default/sa/sleep");
    CHECK(v != NULL && xds_view_count(v, XDS_SECRET) == 0);
    /* a gateway proxy of another namespace selected by the same labels:
     * its namespace holds no such secret */
    v = build_as(f, "router~10.0.0.7~egw-1.other~other.svc.cluster.local", EGW_LABELS,
                 "spiffe://cluster.local/ns/other/sa/egw");
    CHECK(v != NULL && xds_view_count(v, XDS_SECRET) == 0);
    /* plaintext allowed keys: to the namespace claimed */
    f->o.insecure_plaintext_secrets = 1;
    v = build_as(f, EGW_ID, EGW_LABELS, NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "kubernetes://cred") != NULL);
    secrets_unref(f->o.secrets);
    fx_free(f);
}

TEST(sds_rotation_changes_only_the_secret)
{
    struct fx *f = gateway_fx(SERVER_TLS_SIMPLE);
    struct secret_set *s1 = one_secret("istio-system", "cred", 1, 0);
    struct secret_set *s2 = one_secret("istio-system", "cred", 2, 0);
    f->o.secrets = s1;
    struct xds_view *a = build_as(f, EGW_ID, EGW_LABELS, EGW_SPIFFE);
    f->o.secrets = s2;
    struct xds_view *b = build_as(f, EGW_ID, EGW_LABELS, EGW_SPIFFE);
    CHECK(a != NULL && b != NULL);
    if (a != NULL && b != NULL) {
        for (int t = 0; t <= XDS_ROUTE; t++)
            CHECK_STR(xds_view_version(a, (enum xds_type)t), xds_view_version(b, (enum xds_type)t));
        CHECK(strcmp(xds_view_version(a, XDS_SECRET), xds_view_version(b, XDS_SECRET)) != 0);
        CHECK_INT(xds_view_count(b, XDS_SECRET), 1); /* SIMPLE: no -cacert */
    }
    secrets_unref(s1);
    secrets_unref(s2);
    fx_free(f);
}

TEST(sds_destination_rule_credential_name_on_the_egress_gateway)
{
    struct fx *f = fx_new();
    struct service_entry *se = fx_se(f, "ext", "default", "my-nginx.mesh-external.svc.cluster.local",
                                     RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(se, 443, "https", PROTO_HTTPS, 0);
    struct destination_rule *dr =
        fx_dr(f, "originate", "istio-system", "my-nginx.mesh-external.svc.cluster.local");
    dr->traffic_policy.has = 1;
    fx_tls(&dr->traffic_policy.tls, CLIENT_TLS_MUTUAL, "my-nginx.mesh-external.svc.cluster.local");
    dr->traffic_policy.tls.credential_name = "client-credential";
    f->o.secrets = one_secret("istio-system", "client-credential", 5, 1);
    struct xds_view *v = build_as(f, EGW_ID, EGW_LABELS, EGW_SPIFFE);
    UpstreamTlsContext *u =
        fx_upstream_tls(f, fx_cluster(f, v, "outbound|443||my-nginx.mesh-external.svc.cluster.local"));
    CHECK(u != NULL && u->common_tls_context->n_tls_certificate_sds_secret_configs == 1);
    if (u != NULL && u->common_tls_context->n_tls_certificate_sds_secret_configs == 1) {
        CHECK_STR(u->common_tls_context->tls_certificate_sds_secret_configs[0]->name,
                  "kubernetes://client-credential");
        CHECK_STR(u->sni, "my-nginx.mesh-external.svc.cluster.local");
    }
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "kubernetes://client-credential") != NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "kubernetes://client-credential-cacert"));
    /* a sidecar gets neither the reference nor the secret */
    v = build_as(f, SLEEP_ID, NULL, "spiffe://cluster.local/ns/default/sa/sleep");
    u = fx_upstream_tls(f, fx_cluster(f, v, "outbound|443||my-nginx.mesh-external.svc.cluster.local"));
    CHECK(u == NULL || u->common_tls_context->n_tls_certificate_sds_secret_configs == 0);
    CHECK(v != NULL && xds_view_count(v, XDS_SECRET) == 0);
    secrets_unref(f->o.secrets);
    fx_free(f);
}

TEST(sds_mesh_certificates_default_only_to_its_identity)
{
    struct fx *f = fx_new();
    struct service_entry *se = fx_se(f, "egw", "istio-system", EGW_HOST, RESOLUTION_STATIC,
                                     LOCATION_MESH_INTERNAL);
    fx_se_port(se, 443, "tls", PROTO_TLS, 0);
    fx_se_endpoint(f, se, "10.0.0.9", "istio=egressgateway", NULL);
    struct destination_rule *dr = fx_dr(f, "egw", "default", EGW_HOST);
    dr->traffic_policy.has = 1;
    fx_tls(&dr->traffic_policy.tls, CLIENT_TLS_ISTIO_MUTUAL, "edition.cnn.com");
    /* the identities' directory, as secrets_load reads it */
    char dir[] = "/tmp/xdsd-t-mesh-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct sfx_cert root = sfx_make("root", "DNS:root", 1, -DAY, 365 * DAY);
    struct sfx_cert sleep = sfx_make("sleep", "URI:spiffe://cluster.local/ns/default/sa/sleep", 2,
                                     -DAY, 365 * DAY);
    char *p = xasprintf("%s/default/sleep", dir);
    char *cmd = xasprintf("mkdir -p %s", p);
    CHECK(system(cmd) == 0);
    const char *files[][2] = {{"root-cert.pem", root.cert},
                              {"default/sleep/cert-chain.pem", sleep.cert},
                              {"default/sleep/key.pem", sleep.key}};
    for (size_t i = 0; i < 3; i++) {
        char *path = xasprintf("%s/%s", dir, files[i][0]);
        FILE *out = fopen(path, "w");
        CHECK(out != NULL && fputs(files[i][1], out) >= 0);
        if (out)
            fclose(out);
        free(path);
    }
    struct config_diags d = {0};
    f->o.secrets = secrets_load(NULL, dir, NULL, time(NULL), &d);
    CHECK_INT(d.n_errors, 0);
    f->o.mesh_sds = 1;
    struct xds_view *v = build_as(f, SLEEP_ID, NULL, "spiffe://cluster.local/ns/default/sa/sleep");
    UpstreamTlsContext *u = fx_upstream_tls(f, fx_cluster(f, v, "outbound|443||" EGW_HOST));
    CHECK(u != NULL && u->common_tls_context->n_tls_certificate_sds_secret_configs == 1);
    if (u != NULL && u->common_tls_context->n_tls_certificate_sds_secret_configs == 1) {
        CHECK_STR(u->common_tls_context->tls_certificate_sds_secret_configs[0]->name, "default");
        CHECK(u->common_tls_context->validation_context_type_case ==
              ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_COMBINED_VALIDATION_CONTEXT);
        CHECK_STR(u->common_tls_context->combined_validation_context
                      ->validation_context_sds_secret_config->name,
                  "ROOTCA");
    }
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "default") != NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "ROOTCA") != NULL);
    /* another identity of the namespace: the roots, not sleep's key */
    v = build_as(f, SLEEP_ID, NULL, "spiffe://cluster.local/ns/default/sa/other");
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "default") == NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "ROOTCA") != NULL);
    /* plaintext: no "default" at all */
    v = build_as(f, SLEEP_ID, NULL, NULL);
    CHECK(v != NULL && xds_view_find(v, XDS_SECRET, "default") == NULL);
    config_diags_release(&d);
    secrets_unref(f->o.secrets);
    fx_free(f);
    free(cmd);
    cmd = xasprintf("rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    free(p);
    sfx_free(&root);
    sfx_free(&sleep);
}

TEST(sds_config_dump_redacts_private_keys)
{
    struct fx *f = gateway_fx(SERVER_TLS_SIMPLE);
    f->o.secrets = one_secret("istio-system", "cred", 1, 0);
    struct xds_view *v = build_as(f, EGW_ID, EGW_LABELS, EGW_SPIFFE);
    json_t *d = config_dump_json(v, NULL);
    char *text = json_dumps(d, 0);
    CHECK(text != NULL && strstr(text, "SecretsConfigDump") != NULL);
    CHECK(text != NULL && strstr(text, "kubernetes://cred") != NULL);
    /* the key's bytes are "[redacted]" (base64 in JSON), the certificate's are there */
    CHECK(text != NULL && strstr(text, "\"private_key\": {\"inline_bytes\": \"W3JlZGFjdGVkXQ==\"}") != NULL);
    const struct secret *s = secrets_find(f->o.secrets, "istio-system", "kubernetes://cred", NULL);
    char *key64 = s ? sfx_b64(s->key_pem) : NULL, *cert64 = s ? sfx_b64(s->cert_pem) : NULL;
    CHECK(key64 != NULL && text != NULL && strstr(text, key64) == NULL);
    CHECK(cert64 != NULL && text != NULL && strstr(text, cert64) != NULL);
    free(key64);
    free(cert64);
    free(text);
    json_decref(d);
    secrets_unref(f->o.secrets);
    fx_free(f);
}
