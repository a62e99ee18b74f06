/* validate.c - per-resource rules for ServiceEntry, Gateway and
 * DestinationRule, after Istio's validation webhook (docs/istio-to-envoy.md §9).
 * VirtualService rules are in validate_vs.c. Every error is collected. */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "validate_vs.h"
#include "xdsd/util.h"

static int given(struct vctx *v, const void *addr, size_t size)
{
    struct config_pos p;
    return pos_get(v->pos, addr, size, &p);
}
#define GIVEN(v, ptr) given((v), (ptr), sizeof(*(ptr)))

/* Kubernetes object names: DNS-1123 subdomains (dot-separated labels). */
static int is_dns1123_subdomain(const char *s)
{
    if (strlen(s) > 253 || !*s)
        return 0;
    char buf[256];
    strcpy(buf, s);
    for (char *save = NULL, *l = strtok_r(buf, ".", &save); l; l = strtok_r(NULL, ".", &save))
        if (!is_dns1123_label(l))
            return 0;
    return s[strlen(s) - 1] != '.' && s[0] != '.' && !strstr(s, "..");
}

static void begin(struct vctx *v, const struct istio_meta *m)
{
    v->meta = m;
    v->label = NULL; /* made on the first message (checks.c) */
    if (!is_dns1123_label(m->namespace))
        vc_error(v, AT(v, &m->namespace), "namespace '%s' is not a valid DNS-1123 label",
                 m->namespace);
    /* a Gateway name is further restricted to a label, checked with it */
    if (m->kind != KIND_GATEWAY && !is_dns1123_subdomain(m->name))
        vc_error(v, AT(v, &m->name), "name '%s' is not a valid DNS-1123 subdomain", m->name);
}

/* ---- ServiceEntry ---------------------------------------------------------- */

static int is_http_or_tls(enum istio_protocol p)
{
    return p == PROTO_HTTP || p == PROTO_HTTPS || p == PROTO_HTTP2 || p == PROTO_GRPC ||
           p == PROTO_GRPC_WEB || p == PROTO_TLS;
}

static void se_ports(struct vctx *v, const struct service_entry *se)
{
    for (size_t i = 0; i < se->n_ports; i++) {
        const struct istio_port *p = &se->ports[i];
        if (p->number == 0 && !GIVEN(v, &p->number))
            vc_error(v, p->pos, "port number is required");
        if (p->name == NULL)
            vc_error(v, p->pos, "port name is required");
        else if (!is_dns1123_label(p->name))
            vc_error(v, AT2(v, &p->name, p->pos), "port name '%s' is not a valid DNS-1123 label",
                     p->name);
        for (size_t j = 0; j < i; j++) {
            const struct istio_port *q = &se->ports[j];
            if (p->name && q->name && strcmp(p->name, q->name) == 0)
                vc_error(v, AT2(v, &p->name, p->pos), "port name '%s' already defined", p->name);
            if (p->number && p->number == q->number)
                vc_error(v, AT2(v, &p->number, p->pos), "port %u already defined", p->number);
        }
        if (se->n_hosts > 1 && se->resolution != RESOLUTION_NONE && !is_http_or_tls(p->protocol))
            vc_error(v, p->pos,
                     "several hosts need resolution NONE when port %u is not HTTP "
                     "or TLS (the proxy cannot tell the hosts apart)",
                     p->number);
        if ((p->protocol == PROTO_TCP || p->protocol == PROTO_UNSET) && se->n_addresses == 0 &&
            se->resolution != RESOLUTION_NONE)
            vc_coded(v, CONFIG_WARNING, "IST0134", p->pos,
                     "port %u carries %s traffic but the entry has no addresses: "
                     "the proxy can only route it by port",
                     p->number, p->protocol == PROTO_TCP ? "TCP" : "undeclared");
    }
    if (se->n_ports == 0 && !se->has_workload_selector)
        vc_warn(v, AT(v, se), "no ports: nothing can route to this ServiceEntry");
}

static int port_named(const struct service_entry *se, const char *name)
{
    for (size_t i = 0; i < se->n_ports; i++)
        if (se->ports[i].name && strcmp(se->ports[i].name, name) == 0)
            return 1;
    return 0;
}

static void se_endpoints(struct vctx *v, const struct service_entry *se)
{
    if (se->resolution == RESOLUTION_NONE && se->n_endpoints)
        vc_error(v, AT(v, &se->endpoints), "endpoints are not allowed with resolution NONE");
    if (se->resolution == RESOLUTION_STATIC && se->n_endpoints == 0 && !se->has_workload_selector)
        vc_error(v, AT(v, se), "resolution STATIC needs endpoints (or a workloadSelector)");
    if (se->resolution == RESOLUTION_DNS_ROUND_ROBIN && se->n_endpoints > 1)
        vc_error(v, AT(v, &se->endpoints),
                 "resolution DNS_ROUND_ROBIN allows at most one "
                 "endpoint");
    if (se->has_workload_selector && se->n_endpoints)
        vc_error(v,
                 vc_at(v, &se->workload_selector, sizeof(se->workload_selector) + 1, v->meta->pos),
                 "workloadSelector and endpoints are "
                 "exclusive");
    for (size_t i = 0; i < se->n_endpoints; i++) {
        const struct se_endpoint *e = &se->endpoints[i];
        if (e->address == NULL) {
            if (se->resolution == RESOLUTION_STATIC)
                vc_error(v, e->pos, "endpoint address is required with resolution STATIC");
        } else if (strncmp(e->address, "unix://", 7) == 0) {
            ;
        } else if (se->resolution == RESOLUTION_STATIC && !is_ip(e->address)) {
            vc_error(v, AT2(v, &e->address, e->pos),
                     "endpoint address '%s' is not an IP "
                     "address (resolution STATIC)",
                     e->address);
        } else if (!is_ip(e->address) &&
                   (!is_fqdn_or_wildcard(e->address) || e->address[0] == '*')) {
            vc_error(v, AT2(v, &e->address, e->pos),
                     "endpoint address '%s' is not an IP "
                     "address or a host name",
                     e->address);
        }
        for (size_t j = 0; j < e->n_ports; j++)
            if (!port_named(se, e->ports[j].name))
                vc_error(v, AT2(v, &e->ports[j], e->pos),
                         "endpoint port '%s' is not a port "
                         "of this ServiceEntry",
                         e->ports[j].name);
    }
}

static void validate_service_entry(struct vctx *v, const struct service_entry *se)
{
    if (se->n_hosts == 0)
        vc_error(v, AT(v, se), "hosts: at least one host is required");
    for (size_t i = 0; i < se->n_hosts; i++) {
        const char *h = se->hosts[i];
        if (strcmp(h, "*") == 0)
            vc_error(v, AT(v, &se->hosts[i]),
                     "host '*' is not allowed: name the hosts "
                     "(a wildcard such as *.example.com is fine)");
        else if (!is_fqdn_or_wildcard(h))
            vc_error(v, AT(v, &se->hosts[i]), "host '%s' is not a valid host name", h);
        else if (h[0] == '*' && se->resolution == RESOLUTION_DNS && se->n_endpoints == 0)
            vc_error(v, AT(v, &se->hosts[i]),
                     "wildcard host '%s' cannot be resolved with "
                     "resolution DNS: give endpoints or use resolution NONE",
                     h);
    }
    for (size_t i = 0; i < se->n_addresses; i++) {
        const char *a = se->addresses[i];
        if (is_cidr(a)) {
            if (se->resolution != RESOLUTION_NONE && se->resolution != RESOLUTION_STATIC)
                vc_error(v, AT(v, &se->addresses[i]),
                         "CIDR address '%s' is allowed only with "
                         "resolution NONE or STATIC",
                         a);
        } else if (!is_ip(a)) {
            vc_error(v, AT(v, &se->addresses[i]), "address '%s' is not an IP address or CIDR", a);
        }
    }
    se_ports(v, se);
    se_endpoints(v, se);
    validate_export_to(v, se->export_to, se->n_export_to);
}

/* ---- Gateway ---------------------------------------------------------------- */

static int gateway_host_ok(const char *h)
{
    const char *slash = strchr(h, '/');
    if (slash) {
        char ns[64];
        size_t n = (size_t)(slash - h);
        if (n == 0 || n >= sizeof(ns))
            return 0;
        memcpy(ns, h, n);
        ns[n] = '\0';
        if (strcmp(ns, ".") != 0 && strcmp(ns, "*") != 0 && !is_dns1123_label(ns))
            return 0;
        h = slash + 1;
    }
    return is_fqdn_or_wildcard(h);
}

/* Certificate fields hold file paths. Key material pasted in their place
 * would be echoed by every config dump: refuse it, without quoting it. */
static void check_tls_path(struct vctx *v, const char *const *field, const char *name,
                           struct config_pos fallback)
{
    if (*field && (strstr(*field, "-----BEGIN") || strchr(*field, '\n')))
        vc_error(v, AT2(v, field, fallback),
                 "%s must be the path of a file, not PEM content (which every config dump "
                 "would show)",
                 name);
}

static void server_tls(struct vctx *v, const struct gateway_server *s)
{
    const struct server_tls *t = &s->tls;
    struct config_pos at = AT2(v, t, s->pos);
    int files = t->server_certificate || t->private_key || t->ca_certificates;
    int is_tls = s->port.protocol == PROTO_HTTPS || s->port.protocol == PROTO_TLS;
    check_tls_path(v, &t->server_certificate, "serverCertificate", at);
    check_tls_path(v, &t->private_key, "privateKey", at);
    check_tls_path(v, &t->ca_certificates, "caCertificates", at);
    if (!is_tls && t->mode != SERVER_TLS_NONE)
        vc_error(v, at, "tls settings need protocol HTTPS or TLS (port %u is %s)", s->port.number,
                 s->port.protocol == PROTO_UNSET ? "unset" : "plain text");
    if (t->https_redirect && s->port.protocol != PROTO_HTTP && !is_tls)
        vc_warn(v, at, "httpsRedirect only applies to HTTP servers");
    switch (t->mode) {
    case SERVER_TLS_SIMPLE:
    case SERVER_TLS_MUTUAL:
    case SERVER_TLS_OPTIONAL_MUTUAL:
        if (t->credential_name && files)
            vc_error(v, at,
                     "credentialName cannot be combined with serverCertificate, "
                     "privateKey or caCertificates");
        else if (!t->credential_name && (!t->server_certificate || !t->private_key))
            vc_error(v, at,
                     "TLS mode %s requires serverCertificate and privateKey, or "
                     "credentialName",
                     t->mode == SERVER_TLS_SIMPLE ? "SIMPLE" : "MUTUAL");
        else if (!t->credential_name && t->mode != SERVER_TLS_SIMPLE && !t->ca_certificates)
            vc_error(v, at, "TLS mode MUTUAL requires caCertificates to verify clients");
        break;
    case SERVER_TLS_ISTIO_MUTUAL:
        if (files || t->credential_name)
            vc_error(v, at,
                     "TLS mode ISTIO_MUTUAL uses the mesh certificates: remove "
                     "serverCertificate, privateKey, caCertificates and credentialName");
        break;
    case SERVER_TLS_PASSTHROUGH:
    case SERVER_TLS_AUTO_PASSTHROUGH:
        if (files || t->credential_name)
            vc_warn(v, at, "certificates are not used with TLS mode %s",
                    t->mode == SERVER_TLS_PASSTHROUGH ? "PASSTHROUGH" : "AUTO_PASSTHROUGH");
        break;
    case SERVER_TLS_NONE:
        break;
    }
    if (t->min_protocol_version && t->max_protocol_version &&
        t->min_protocol_version > t->max_protocol_version)
        vc_error(v, at, "minProtocolVersion is greater than maxProtocolVersion");
    for (size_t i = 0; i < t->n_cipher_suites; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->cipher_suites[i], t->cipher_suites[j]) == 0)
                vc_warn(v, AT2(v, &t->cipher_suites[i], at), "duplicate cipher suite '%s'",
                        t->cipher_suites[i]);
}

static void gateway_server(struct vctx *v, const struct gateway *gw, size_t idx)
{
    const struct gateway_server *s = &gw->servers[idx];
    const struct istio_port *p = &s->port;
    struct config_pos ppos = AT2(v, p, s->pos);
    if (p->number == 0 && !GIVEN(v, &p->number))
        vc_error(v, ppos, "server port number is required");
    if (p->name == NULL)
        vc_error(v, ppos, "server port name is required");
    for (size_t j = 0; j < idx && p->name; j++)
        if (gw->servers[j].port.name && strcmp(gw->servers[j].port.name, p->name) == 0)
            vc_error(v, AT2(v, &p->name, ppos),
                     "port name '%s' is already used by another "
                     "server of this Gateway",
                     p->name);
    if (p->protocol == PROTO_UNSET && !GIVEN(v, &p->protocol))
        vc_error(v, ppos, "server port protocol is required");
    if (p->target_port)
        vc_error(v, AT2(v, &p->target_port, ppos),
                 "targetPort is not allowed on a Gateway "
                 "server");
    if (s->bind && !is_ip(s->bind) && strncmp(s->bind, "unix://", 7) != 0)
        vc_error(v, AT2(v, &s->bind, s->pos),
                 "bind '%s' must be an IP address or a unix:// "
                 "path",
                 s->bind);
    if (s->n_hosts == 0)
        vc_error(v, s->pos, "server needs at least one host");
    for (size_t i = 0; i < s->n_hosts; i++)
        if (!gateway_host_ok(s->hosts[i]))
            vc_error(v, AT2(v, &s->hosts[i], s->pos),
                     "host '%s' is not valid (HOST or "
                     "NAMESPACE/HOST, HOST a DNS name or wildcard)",
                     s->hosts[i]);
    if ((p->protocol == PROTO_HTTPS || p->protocol == PROTO_TLS) &&
        (!s->has_tls || s->tls.mode == SERVER_TLS_NONE))
        vc_error(v, ppos, "protocol %s requires tls settings with a mode",
                 p->protocol == PROTO_HTTPS ? "HTTPS" : "TLS");
    if (s->has_tls)
        server_tls(v, s);
}

static void validate_gateway(struct vctx *v, const struct gateway *gw)
{
    if (!is_dns1123_label(gw->meta.name))
        vc_error(v, AT(v, &gw->meta.name), "Gateway name '%s' is not a valid DNS-1123 label",
                 gw->meta.name);
    if (gw->n_servers == 0)
        vc_error(v, AT(v, gw), "servers: at least one server is required");
    for (size_t i = 0; i < gw->n_servers; i++)
        gateway_server(v, gw, i);
}

/* ---- DestinationRule ----------------------------------------------------------- */

static void check_nonneg(struct vctx *v, const int32_t *val, const char *name)
{
    if (GIVEN(v, val) && *val < 0)
        vc_error(v, AT(v, val), "%s must not be negative", name);
}

static void check_percent(struct vctx *v, const int32_t *val, const char *name)
{
    if (GIVEN(v, val) && (*val < 0 || *val > 100))
        vc_error(v, AT(v, val), "%s must be between 0 and 100", name);
}

static void check_pool(struct vctx *v, const struct connection_pool *p)
{
    check_nonneg(v, &p->max_connections, "maxConnections");
    check_nonneg(v, &p->http1_max_pending_requests, "http1MaxPendingRequests");
    check_nonneg(v, &p->http2_max_requests, "http2MaxRequests");
    check_nonneg(v, &p->max_requests_per_connection, "maxRequestsPerConnection");
    check_nonneg(v, &p->max_retries, "maxRetries");
    check_nonneg(v, &p->max_concurrent_streams, "maxConcurrentStreams");
    check_nonneg(v, &p->keepalive_probes, "tcpKeepalive.probes");
    if (GIVEN(v, &p->connect_timeout_ms) && p->connect_timeout_ms < 1)
        vc_error(v, AT(v, &p->connect_timeout_ms), "connectTimeout must be at least 1ms");
}

static void check_outlier(struct vctx *v, const struct outlier_detection *o)
{
    check_nonneg(v, &o->consecutive_errors, "consecutiveErrors");
    check_nonneg(v, &o->consecutive_gateway_errors, "consecutiveGatewayErrors");
    check_nonneg(v, &o->consecutive_5xx_errors, "consecutive5xxErrors");
    check_percent(v, &o->max_ejection_percent, "maxEjectionPercent");
    check_percent(v, &o->min_health_percent, "minHealthPercent");
    if (GIVEN(v, &o->interval_ms) && o->interval_ms < 1)
        vc_error(v, AT(v, &o->interval_ms), "interval must be at least 1ms");
}

static void check_lb(struct vctx *v, const struct load_balancer *lb)
{
    if (lb->simple != LB_UNSET && lb->has_consistent_hash)
        vc_error(v, AT(v, lb), "loadBalancer: simple and consistentHash are exclusive");
    if (lb->has_consistent_hash && lb->consistent_hash.kind == HASH_COOKIE &&
        !lb->consistent_hash.cookie_name)
        vc_error(v, AT(v, &lb->consistent_hash), "consistentHash.httpCookie needs a name");
}

static void check_client_tls(struct vctx *v, const struct client_tls *t)
{
    struct config_pos at = AT(v, t);
    int files = t->client_certificate || t->private_key || t->ca_certificates;
    check_tls_path(v, &t->client_certificate, "clientCertificate", at);
    check_tls_path(v, &t->private_key, "privateKey", at);
    check_tls_path(v, &t->ca_certificates, "caCertificates", at);
    if (t->credential_name && files)
        vc_error(v, at,
                 "credentialName cannot be combined with clientCertificate, privateKey "
                 "or caCertificates");
    if (t->mode == CLIENT_TLS_MUTUAL && !t->credential_name &&
        (!t->client_certificate || !t->private_key))
        vc_error(v, at,
                 "TLS mode MUTUAL requires clientCertificate and privateKey, or "
                 "credentialName");
    if (t->mode == CLIENT_TLS_ISTIO_MUTUAL && (files || t->credential_name))
        vc_error(v, at,
                 "TLS mode ISTIO_MUTUAL uses the mesh certificates: remove "
                 "clientCertificate, privateKey, caCertificates and credentialName");
    if (t->insecure_skip_verify && (t->ca_certificates || t->n_subject_alt_names))
        vc_error(v, at,
                 "insecureSkipVerify cannot be combined with caCertificates or "
                 "subjectAltNames");
}

static void check_policy_parts(struct vctx *v, const struct load_balancer *lb,
                               const struct connection_pool *cp, const struct outlier_detection *od,
                               const struct client_tls *tls)
{
    if (lb->has)
        check_lb(v, lb);
    if (cp->has)
        check_pool(v, cp);
    if (od->has)
        check_outlier(v, od);
    if (tls->has)
        check_client_tls(v, tls);
}

static void check_policy(struct vctx *v, const struct traffic_policy *tp, struct config_pos fb)
{
    if (!tp->has)
        return;
    struct config_pos at = AT2(v, tp, fb);
    if (!tp->load_balancer.has && !tp->connection_pool.has && !tp->outlier_detection.has &&
        !tp->tls.has && tp->n_port_level_settings == 0)
        vc_error(v, at, "trafficPolicy must set at least one field");
    check_policy_parts(v, &tp->load_balancer, &tp->connection_pool, &tp->outlier_detection,
                       &tp->tls);
    for (size_t i = 0; i < tp->n_port_level_settings; i++) {
        const struct port_traffic_policy *p = &tp->port_level_settings[i];
        if (p->port == 0)
            vc_error(v, p->pos, "portLevelSettings entry needs a port");
        if (!p->load_balancer.has && !p->connection_pool.has && !p->outlier_detection.has &&
            !p->tls.has)
            vc_error(v, p->pos,
                     "port-level traffic policy must set at least one of "
                     "loadBalancer, connectionPool, outlierDetection or tls");
        for (size_t j = 0; j < i; j++)
            if (p->port && tp->port_level_settings[j].port == p->port)
                vc_error(v, p->pos, "port %u appears twice in portLevelSettings", p->port);
        check_policy_parts(v, &p->load_balancer, &p->connection_pool, &p->outlier_detection,
                           &p->tls);
    }
}

struct named_idx {
    const char *name;
    size_t idx;
};

static int named_idx_cmp(const void *pa, const void *pb)
{
    const struct named_idx *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* For each subset, how many earlier subsets have its name: sorted, not
 * pairwise, since a gateway's rule may hold a subset per service. */
static size_t *earlier_same_name(const struct subset *ss, size_t n)
{
    size_t *dups = xcalloc(n ? n : 1, sizeof(*dups));
    struct named_idx *v = xcalloc(n ? n : 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ss[i].name)
            v[k++] = (struct named_idx){ss[i].name, i};
    qsort(v, k, sizeof(*v), named_idx_cmp);
    for (size_t i = 1, first = 0; i < k; i++) {
        if (strcmp(v[i].name, v[first].name) != 0)
            first = i;
        dups[v[i].idx] = i - first;
    }
    free(v);
    return dups;
}

static void validate_destination_rule(struct vctx *v, const struct destination_rule *dr)
{
    if (dr->host == NULL)
        vc_error(v, AT(v, dr), "host is required");
    else if (!is_fqdn_or_wildcard(dr->host))
        vc_error(v, AT(v, &dr->host), "host '%s' is not a valid host name", dr->host);
    check_policy(v, &dr->traffic_policy, AT(v, dr));
    size_t *dups = earlier_same_name(dr->subsets, dr->n_subsets);
    for (size_t i = 0; i < dr->n_subsets; i++) {
        const struct subset *s = &dr->subsets[i];
        if (s->name == NULL)
            vc_error(v, s->pos, "subset name is required");
        else if (!is_dns1123_label(s->name))
            vc_error(v, AT2(v, &s->name, s->pos),
                     "subset name '%s' is not a valid DNS-1123 "
                     "label",
                     s->name);
        for (size_t j = 0; j < dups[i]; j++)
            vc_error(v, AT2(v, &s->name, s->pos), "duplicate subset names: %s", s->name);
        check_policy(v, &s->traffic_policy, s->pos);
    }
    free(dups);
    validate_export_to(v, dr->export_to, dr->n_export_to);
}

void validate_unit(struct vctx *v, const struct config_unit *u)
{
    v->pos = &u->pos;
    for (size_t i = 0; i < u->n_res; i++) {
        const struct istio_meta *m = u->res[i];
        begin(v, m);
        switch (m->kind) {
        case KIND_SERVICE_ENTRY:
            validate_service_entry(v, (const struct service_entry *)m);
            break;
        case KIND_GATEWAY:
            validate_gateway(v, (const struct gateway *)m);
            break;
        case KIND_VIRTUAL_SERVICE:
            validate_virtual_service(v, (const struct virtual_service *)m);
            break;
        case KIND_DESTINATION_RULE:
            validate_destination_rule(v, (const struct destination_rule *)m);
            break;
        case KIND_SIDECAR:
            validate_sidecar(v, (const struct sidecar *)m);
            break;
        case KIND_WORKLOAD_ENTRY:
            validate_workload_entry(v, (const struct workload_entry *)m);
            break;
        }
    }
}
