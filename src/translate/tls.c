/* tls.c - transport sockets: UpstreamTlsContext for DestinationRule tls modes
 * (cluster side) and DownstreamTlsContext for Gateway servers (listener side).
 *
 * Certificates are file paths inline (the shape Istio 1.0 used), since stock
 * Envoy has no pilot-agent serving SDS: ISTIO_MUTUAL reads the mesh
 * certificates from --mesh-certs. Proxyless gRPC names the certificate
 * provider instance "default" of its bootstrap instead. With
 * --mesh-certs-mode sds, and for credentialName, xdsd serves the secrets
 * itself over SDS on the ADS stream, under Istio's names (sds.c). */
#include "build.h"

#include <string.h>

#include "xdsd/log.h"

static TlsParameters *tls_params(struct arena *a, enum tls_version min, enum tls_version max)
{
    TlsParameters *p = NEW(a, TlsParameters);
    p->tls_minimum_protocol_version = (int)min; /* same numbering as Envoy's enum */
    p->tls_maximum_protocol_version = (int)max;
    return p;
}

static void set_alpn(struct arena *a, CommonTlsContext *c, const char *const *alpn, size_t n)
{
    c->n_alpn_protocols = n;
    c->alpn_protocols = arena_alloc(a, n * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        c->alpn_protocols[i] = (char *)alpn[i];
}

static void set_cert_files(struct arena *a, CommonTlsContext *c, const char *chain, const char *key)
{
    TlsCertificate *t = NEW(a, TlsCertificate);
    t->certificate_chain = pb_file(a, chain);
    t->private_key = pb_file(a, key);
    c->n_tls_certificates = 1;
    c->tls_certificates = arena_alloc(a, sizeof(*c->tls_certificates));
    c->tls_certificates[0] = t;
}

/* URI SANs for spiffe:// identities, DNS SANs otherwise. */
static void set_sans(struct arena *a, ValidationContext *v, struct pvec *sans)
{
    v->n_match_typed_subject_alt_names = sans->n;
    v->match_typed_subject_alt_names = arena_alloc(a, (sans->n + 1) * sizeof(SanMatcher *));
    for (size_t i = 0; i < sans->n; i++) {
        SanMatcher *m = NEW(a, SanMatcher);
        const char *s = sans->v[i];
        m->san_type =
            strstr(s, "://") != NULL
                ? ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SUBJECT_ALT_NAME_MATCHER__SAN_TYPE__URI
                : ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SUBJECT_ALT_NAME_MATCHER__SAN_TYPE__DNS;
        m->matcher = pb_exact(a, s);
        v->match_typed_subject_alt_names[i] = m;
    }
}

static void set_validation(CommonTlsContext *c, ValidationContext *v)
{
    c->validation_context_type_case =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_VALIDATION_CONTEXT;
    c->validation_context = v;
}

static TransportSocket *socket_of(struct arena *a, const void *ctx)
{
    TransportSocket *ts = NEW(a, TransportSocket);
    ts->name = "envoy.transport_sockets.tls";
    ts->config_type_case = ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__CONFIG_TYPE_TYPED_CONFIG;
    ts->typed_config = pb_any(a, ctx);
    return ts;
}

static void push_unique(struct arena *a, struct pvec *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i], s) == 0)
            return;
    pvec_push(a, p, (void *)s);
}

/* SANs to verify: the rule's, else the ServiceEntry's subjectAltNames, else
 * (mesh identities only) the spiffe ids of its endpoints' service accounts. */
static void upstream_sans(struct tr_build *b, const struct client_tls *tls,
                          const struct tr_svc *svc, int spiffe, struct pvec *out)
{
    for (size_t i = 0; i < tls->n_subject_alt_names; i++)
        push_unique(b->a, out, tls->subject_alt_names[i]);
    if (out->n > 0 || svc == NULL)
        return;
    for (size_t i = 0; i < svc->se->n_subject_alt_names; i++)
        push_unique(b->a, out, svc->se->subject_alt_names[i]);
    if (out->n > 0 || !spiffe)
        return;
    for (size_t i = 0; i < svc->se->n_endpoints; i++) {
        const char *sa = svc->se->endpoints[i].service_account;
        if (sa != NULL && sa[0] != '\0')
            push_unique(b->a, out,
                        arena_printf(b->a, "spiffe://%s/ns/%s/sa/%s", b->o.trust_domain,
                                     svc->se->meta.namespace, sa));
    }
}

static OldProviderInstance *old_provider(struct arena *a, const char *cert)
{
    OldProviderInstance *p = NEW(a, OldProviderInstance);
    p->instance_name = "default";
    p->certificate_name = (char *)cert;
    return p;
}

/* Proxyless gRPC: certificates from the bootstrap's provider instance
 * "default" (certificate "default", roots "ROOTCA"), both the current and the
 * deprecated fields, as Istio's grpc generator writes them. */
static void grpc_certs(struct tr_build *b, CommonTlsContext *c, struct pvec *sans)
{
    struct arena *a = b->a;
    ProviderInstance *cert = NEW(a, ProviderInstance);
    cert->instance_name = "default";
    cert->certificate_name = "default";
    c->tls_certificate_provider_instance = cert;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    /* gRPC releases before the plugin-instance fields read only these */
    c->tls_certificate_certificate_provider_instance = old_provider(a, "default");
#pragma GCC diagnostic pop
    ValidationContext *v = NEW(a, ValidationContext);
    ProviderInstance *ca = NEW(a, ProviderInstance);
    ca->instance_name = "default";
    ca->certificate_name = "ROOTCA";
    v->ca_certificate_provider_instance = ca;
    set_sans(a, v, sans);
    CombinedValidation *cv = NEW(a, CombinedValidation);
    cv->default_validation_context = v;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    cv->validation_context_certificate_provider_instance = old_provider(a, "ROOTCA");
#pragma GCC diagnostic pop
    c->validation_context_type_case =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_COMBINED_VALIDATION_CONTEXT;
    c->combined_validation_context = cv;
}

static void set_cert_sds(struct arena *a, CommonTlsContext *c, const char *name)
{
    c->n_tls_certificate_sds_secret_configs = 1;
    c->tls_certificate_sds_secret_configs = arena_alloc(a, sizeof(SdsSecretConfig *));
    c->tls_certificate_sds_secret_configs[0] = tr_sds_ref(a, name);
}

/* Roots from SDS secret name, with SANs to match when there are any (as
 * Istio: a combined context, always for the mesh's ROOTCA). */
static void set_validation_sds(struct arena *a, CommonTlsContext *c, const char *name,
                               struct pvec *sans)
{
    if (sans->n == 0 && strcmp(name, "ROOTCA") != 0) {
        c->validation_context_type_case =
            ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_VALIDATION_CONTEXT_SDS_SECRET_CONFIG;
        c->validation_context_sds_secret_config = tr_sds_ref(a, name);
        return;
    }
    CombinedValidation *cv = NEW(a, CombinedValidation);
    cv->default_validation_context = NEW(a, ValidationContext);
    set_sans(a, cv->default_validation_context, sans);
    cv->validation_context_sds_secret_config = tr_sds_ref(a, name);
    c->validation_context_type_case =
        ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_COMBINED_VALIDATION_CONTEXT;
    c->combined_validation_context = cv;
}

static const char *mesh_file(struct tr_build *b, const char *name)
{
    return arena_printf(b->a, "%s/%s", b->o.mesh_certs, name);
}

TransportSocket *tr_upstream_tls(struct tr_build *b, const struct client_tls *tls,
                                 const struct istio_meta *owner, const struct tr_svc *svc,
                                 uint32_t port, const char *subset, int h2, int proxyless)
{
    struct arena *a = b->a;
    if (tls == NULL || !tls->has || tls->mode == CLIENT_TLS_DISABLE)
        return NULL;
    if (proxyless && tls->mode != CLIENT_TLS_ISTIO_MUTUAL)
        return NULL; /* gRPC honours only ISTIO_MUTUAL, as Istio */
    const char *host = svc ? svc->host : "";
    UpstreamTlsContext *u = NEW(a, UpstreamTlsContext);
    CommonTlsContext *c = NEW(a, CommonTlsContext);
    u->common_tls_context = c;
    c->tls_params = tls_params(a, TLSV1_2, TLSV1_3);
    struct pvec sans = {0};
    if (tls->mode == CLIENT_TLS_ISTIO_MUTUAL) {
        upstream_sans(b, tls, svc, 1, &sans);
        u->sni = tls->sni
                     ? (char *)tls->sni
                     : arena_printf(a, "outbound_.%u_.%s_.%s", port, subset ? subset : "", host);
        if (proxyless) {
            grpc_certs(b, c, &sans);
            return socket_of(a, u);
        }
        if (b->o.mesh_sds) {
            set_cert_sds(a, c, "default");
            set_validation_sds(a, c, "ROOTCA", &sans);
        } else {
            set_cert_files(a, c, mesh_file(b, "cert-chain.pem"), mesh_file(b, "key.pem"));
            ValidationContext *v = NEW(a, ValidationContext);
            v->trusted_ca = pb_file(a, mesh_file(b, "root-cert.pem"));
            set_sans(a, v, &sans);
            set_validation(c, v);
        }
        static const char *const istio[] = {"istio", "h2"};
        set_alpn(a, c, istio, h2 ? 2 : 1);
        return socket_of(a, u);
    }
    /* SIMPLE / MUTUAL: TLS origination towards the host */
    u->sni = (char *)(tls->sni ? tls->sni : host);
    if (tls->credential_name != NULL && b->router && b->o.secrets != NULL) {
        /* Istio's names: the client certificate NAME, its roots NAME-cacert */
        if (tls->mode == CLIENT_TLS_MUTUAL)
            set_cert_sds(a, c, arena_printf(a, "kubernetes://%s", tls->credential_name));
        if (!tls->insecure_skip_verify) {
            upstream_sans(b, tls, svc, 0, &sans);
            set_validation_sds(a, c, arena_printf(a, "kubernetes://%s-cacert", tls->credential_name),
                               &sans);
        }
        if (h2) {
            static const char *const alpn_h2[] = {"h2"};
            set_alpn(a, c, alpn_h2, 1);
        }
        return socket_of(a, u);
    }
    if (tls->credential_name != NULL && owner != NULL)
        tr_finding(b, owner, "credentialName for %s is served over SDS on gateways only, with "
                   "--secrets-dir: not used here", host);
    if (tls->mode == CLIENT_TLS_MUTUAL && tls->client_certificate && tls->private_key)
        set_cert_files(a, c, tls->client_certificate, tls->private_key);
    if (tls->ca_certificates != NULL && !tls->insecure_skip_verify) {
        ValidationContext *v = NEW(a, ValidationContext);
        v->trusted_ca = pb_file(a, tls->ca_certificates);
        upstream_sans(b, tls, svc, 0, &sans);
        set_sans(a, v, &sans);
        set_validation(c, v);
    }
    if (h2) {
        static const char *const alpn_h2[] = {"h2"};
        set_alpn(a, c, alpn_h2, 1);
    }
    return socket_of(a, u);
}

/* A Gateway server terminating TLS. tcp: a TLS (not HTTPS) server. NULL when
 * the mode needs no context (PASSTHROUGH) or cannot be expressed. */
TransportSocket *tr_downstream_tls(struct tr_build *b, const struct server_tls *tls,
                                   const struct istio_meta *owner, int tcp)
{
    struct arena *a = b->a;
    DownstreamTlsContext *d = NEW(a, DownstreamTlsContext);
    CommonTlsContext *c = NEW(a, CommonTlsContext);
    d->common_tls_context = c;
    struct pvec sans = {0};
    for (size_t i = 0; i < tls->n_subject_alt_names; i++)
        pvec_push(a, &sans, (void *)tls->subject_alt_names[i]);
    ValidationContext *v = NULL;
    switch (tls->mode) {
    case SERVER_TLS_ISTIO_MUTUAL:
        d->require_client_certificate = pb_bool(a, 1);
        if (b->o.mesh_sds) {
            set_cert_sds(a, c, "default");
            set_validation_sds(a, c, "ROOTCA", &sans);
            break;
        }
        set_cert_files(a, c, mesh_file(b, "cert-chain.pem"), mesh_file(b, "key.pem"));
        v = NEW(a, ValidationContext);
        v->trusted_ca = pb_file(a, mesh_file(b, "root-cert.pem"));
        break;
    case SERVER_TLS_SIMPLE:
    case SERVER_TLS_MUTUAL:
    case SERVER_TLS_OPTIONAL_MUTUAL:
        if (tls->credential_name != NULL && b->o.secrets != NULL) {
            const char *name = arena_printf(a, "kubernetes://%s", tls->credential_name);
            set_cert_sds(a, c, name);
            if (tls->mode != SERVER_TLS_SIMPLE)
                set_validation_sds(a, c, arena_printf(a, "%s-cacert", name), &sans);
            d->require_client_certificate = pb_bool(a, tls->mode == SERVER_TLS_MUTUAL);
            break;
        }
        if (tls->server_certificate == NULL || tls->private_key == NULL) {
            tr_finding(b, owner, "server with credentialName needs its secret served over SDS: "
                       "give --secrets-dir; skipped");
            return NULL;
        }
        set_cert_files(a, c, tls->server_certificate, tls->private_key);
        if (tls->ca_certificates != NULL && tls->mode != SERVER_TLS_SIMPLE) {
            v = NEW(a, ValidationContext);
            v->trusted_ca = pb_file(a, tls->ca_certificates);
        }
        d->require_client_certificate = pb_bool(a, tls->mode == SERVER_TLS_MUTUAL);
        break;
    default:
        return NULL;
    }
    if (v != NULL) {
        set_sans(a, v, &sans);
        set_validation(c, v);
    }
    if (tls->min_protocol_version != TLS_AUTO || tls->max_protocol_version != TLS_AUTO ||
        tls->n_cipher_suites > 0) {
        c->tls_params = tls_params(a, tls->min_protocol_version, tls->max_protocol_version);
        c->tls_params->n_cipher_suites = tls->n_cipher_suites;
        c->tls_params->cipher_suites = (char **)tls->cipher_suites;
    }
    static const char *const mx[] = {"istio-peer-exchange", "h2", "http/1.1"};
    if (tcp && tls->mode == SERVER_TLS_ISTIO_MUTUAL)
        set_alpn(a, c, mx, 3);
    else
        set_alpn(a, c, mx + 1, 2);
    return socket_of(a, d);
}
