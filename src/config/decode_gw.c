/* decode_gw.c - Gateway spec. */
#include "decode.h"

#include <string.h>

static const struct enum_name server_tls_modes[] = {
    {"PASSTHROUGH", SERVER_TLS_PASSTHROUGH},
    {"SIMPLE", SERVER_TLS_SIMPLE},
    {"MUTUAL", SERVER_TLS_MUTUAL},
    {"AUTO_PASSTHROUGH", SERVER_TLS_AUTO_PASSTHROUGH},
    {"ISTIO_MUTUAL", SERVER_TLS_ISTIO_MUTUAL},
    {"OPTIONAL_MUTUAL", SERVER_TLS_OPTIONAL_MUTUAL},
    {NULL, 0},
};

static const struct enum_name tls_versions[] = {
    {"TLS_AUTO", TLS_AUTO}, {"TLSV1_0", TLSV1_0}, {"TLSV1_1", TLSV1_1},
    {"TLSV1_2", TLSV1_2},   {"TLSV1_3", TLSV1_3}, {NULL, 0},
};

static const struct field server_tls_fields[] = {
    FLD("httpsRedirect", F_BOOL, struct server_tls, https_redirect),
    FENUM("mode", struct server_tls, mode, server_tls_modes),
    FLD("serverCertificate", F_STR, struct server_tls, server_certificate),
    FLD("privateKey", F_STR, struct server_tls, private_key),
    FLD("caCertificates", F_STR, struct server_tls, ca_certificates),
    FLD("credentialName", F_STR, struct server_tls, credential_name),
    FSTRS("subjectAltNames", struct server_tls, subject_alt_names),
    FENUM("minProtocolVersion", struct server_tls, min_protocol_version, tls_versions),
    FENUM("maxProtocolVersion", struct server_tls, max_protocol_version, tls_versions),
    FSTRS("cipherSuites", struct server_tls, cipher_suites),
    FEND,
};

static void dec_server_tls(struct dctx *c, const struct cnode *n, void *out)
{
    struct server_tls *t = out;
    if (dc_map(c, n, server_tls_fields, t, sizeof(*t)) < 0)
        return;
    /* Istio's default mode is PASSTHROUGH; a block holding nothing but
     * httpsRedirect (or nothing) configures no TLS at all */
    const struct cnode *mode = cnode_get(n, "mode");
    if (mode == NULL || mode->type == CN_NULL) {
        size_t other = 0;
        for (size_t i = 0; i < n->n; i++)
            if (strcmp(n->items[2 * i]->str, "httpsRedirect") != 0 &&
                strcmp(n->items[2 * i]->str, "https_redirect") != 0)
                other++;
        t->mode = other ? SERVER_TLS_PASSTHROUGH : SERVER_TLS_NONE;
    }
}

static const struct field server_fields[] = {
    FSUB("port", struct gateway_server, port, dec_istio_port),
    FLD("bind", F_STR, struct gateway_server, bind),
    FSTRS("hosts", struct gateway_server, hosts),
    FSUBH("tls", struct gateway_server, tls, dec_server_tls, has_tls),
    FLD("name", F_STR, struct gateway_server, name),
    FEND,
};

static void dec_server(struct dctx *c, const struct cnode *n, void *out)
{
    struct gateway_server *s = out;
    s->pos = dc_pos(c, n);
    dc_map(c, n, server_fields, s, sizeof(*s));
}

static const struct field gateway_fields[] = {
    FLD("selector", F_LABELS, struct gateway, selector),
    FLIST("servers", struct gateway, servers, dec_server, struct gateway_server),
    FEND,
};

void dec_gateway(struct dctx *c, const struct cnode *spec, struct gateway *gw)
{
    dc_map(c, spec, gateway_fields, gw, sizeof(*gw));
}
