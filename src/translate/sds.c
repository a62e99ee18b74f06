/* sds.c - Secrets in a proxy's view: which SDS resources it may receive.
 *
 * A secret is named by the proxy's own resources (a Gateway server's or a
 * DestinationRule's credentialName, the mesh's "default" and "ROOTCA") and is
 * looked up in the proxy's namespace, as Istio reads a gateway's Secrets from
 * the namespace the gateway runs in. Certificates alone are public; a
 * private key goes only to a stream whose client certificate proved an
 * identity of that namespace (the xDS server refuses any other namespace),
 * or with --insecure-plaintext-secrets to the namespace a plaintext stream
 * claims. "default" goes only to the identity it was issued for. */
#include "build.h"

#include <string.h>

#include "xdsd/secrets.h"

SdsSecretConfig *tr_sds_ref(struct arena *a, const char *name)
{
    SdsSecretConfig *s = NEW(a, SdsSecretConfig);
    s->name = (char *)name;
    s->sds_config = pb_ads(a);
    return s;
}

static DataSource *pb_inline(struct arena *a, const char *text)
{
    DataSource *d = NEW(a, DataSource);
    d->specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES;
    d->inline_bytes.data = (uint8_t *)text;
    d->inline_bytes.len = strlen(text);
    return d;
}

static void emit_secret(struct tr_build *b, const struct secret *s)
{
    struct arena *a = b->a;
    Secret *m = NEW(a, Secret);
    m->name = (char *)s->name;
    if (s->type == SECRET_TLS_CERTIFICATE) {
        TlsCertificate *t = NEW(a, TlsCertificate);
        t->certificate_chain = pb_inline(a, s->cert_pem);
        t->private_key = pb_inline(a, s->key_pem);
        m->type_case = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SECRET__TYPE_TLS_CERTIFICATE;
        m->tls_certificate = t;
    } else {
        ValidationContext *v = NEW(a, ValidationContext);
        v->trusted_ca = pb_inline(a, s->cert_pem);
        m->type_case = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SECRET__TYPE_VALIDATION_CONTEXT;
        m->validation_context = v;
    }
    tr_emit(b, XDS_SECRET, s->name, m);
}

/* Emit the secret of SDS name (once), if the proxy may have it. */
static void offer(struct tr_build *b, const char *name, const char *sa)
{
    if (map_find(&b->emitted[XDS_SECRET], name) != NULL)
        return;
    const struct secret *s = secrets_find(b->o.secrets, b->id->namespace, name, sa);
    if (s == NULL || !s->served)
        return; /* the proxy waits for it, as for a Secret not created yet */
    int keyed = s->type == SECRET_TLS_CERTIFICATE;
    if (keyed && b->id->spiffe == NULL && !b->o.insecure_plaintext_secrets)
        return;
    emit_secret(b, s);
}

/* credentialName NAME: "kubernetes://NAME", and its client CA
 * "kubernetes://NAME-cacert" when the peer is verified. */
static void offer_credential(struct tr_build *b, const char *cred, int ca)
{
    if (cred == NULL || *cred == '\0')
        return;
    offer(b, arena_printf(b->a, "kubernetes://%s", cred), NULL);
    if (ca)
        offer(b, arena_printf(b->a, "kubernetes://%s-cacert", cred), NULL);
}

static void offer_client_tls(struct tr_build *b, const struct client_tls *t)
{
    if (t->has && (t->mode == CLIENT_TLS_SIMPLE || t->mode == CLIENT_TLS_MUTUAL))
        offer_credential(b, t->credential_name, 1);
}

/* The service account of a SPIFFE ID ".../sa/SA", or NULL. */
static const char *sa_of(struct arena *a, const char *spiffe)
{
    const char *p = spiffe ? strstr(spiffe, "/sa/") : NULL;
    return p ? arena_strdup(a, p + 4) : NULL;
}

void tr_sds_emit(struct tr_build *b)
{
    if (b->o.secrets == NULL || b->view == NULL)
        return;
    const struct proxy_identity *id = b->id;
    if (id->proxyless_grpc)
        return; /* proxyless clients read certificates from their bootstrap */
    if (b->o.mesh_sds) {
        offer(b, "ROOTCA", NULL);
        const char *sa = sa_of(b->a, id->spiffe);
        if (sa != NULL)
            offer(b, "default", sa);
    }
    if (id->type != PROXY_ROUTER)
        return; /* credentialName is honoured on gateways only, as Istio */
    /* the gateways this proxy serves, found as its class key finds them */
    struct tr_build g = {.a = b->a, .m = b->m, .id = id};
    tr_build_init_maps(&g);
    tr_match_gateways(&g);
    for (size_t i = 0; i < g.n_gws; i++)
        for (size_t j = 0; j < g.gws[i]->n_servers; j++) {
            const struct gateway_server *s = &g.gws[i]->servers[j];
            enum server_tls_mode mode = s->tls.mode;
            if (s->has_tls && (mode == SERVER_TLS_SIMPLE || mode == SERVER_TLS_MUTUAL ||
                               mode == SERVER_TLS_OPTIONAL_MUTUAL))
                offer_credential(b, s->tls.credential_name, mode != SERVER_TLS_SIMPLE);
        }
    for (size_t i = 0; i < b->m->n_destination_rules; i++) {
        const struct destination_rule *dr = &b->m->destination_rules[i];
        offer_client_tls(b, &dr->traffic_policy.tls);
        for (size_t k = 0; k < dr->traffic_policy.n_port_level_settings; k++)
            offer_client_tls(b, &dr->traffic_policy.port_level_settings[k].tls);
        for (size_t k = 0; k < dr->n_subsets; k++)
            offer_client_tls(b, &dr->subsets[k].traffic_policy.tls);
    }
}
