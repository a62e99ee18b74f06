/* validate_vs.c - VirtualService rules (docs/istio-to-envoy.md §9.3). */
#include "validate_vs.h"

#include <ctype.h>
#include <string.h>

#include "xdsd/host.h"

#define MAX_REGEX 1024

static int given(struct vctx *v, const void *addr, size_t size)
{
    struct config_pos p;
    return pos_get(v->pos, addr, size, &p);
}
#define GIVEN(v, ptr) given((v), (ptr), sizeof(*(ptr)))

/* A gateway reference: "mesh", NAME, NAMESPACE/NAME, or the legacy
 * NAME.NAMESPACE.svc.cluster.local form. */
static int gateway_name_ok(const char *g)
{
    if (strcmp(g, "mesh") == 0)
        return 1;
    const char *slash = strchr(g, '/');
    if (slash == NULL)
        return is_fqdn_or_wildcard(g) && g[0] != '*';
    char ns[64];
    size_t n = (size_t)(slash - g);
    if (n == 0 || n >= sizeof(ns))
        return 0;
    memcpy(ns, g, n);
    ns[n] = '\0';
    return is_dns1123_label(ns) && is_fqdn_or_wildcard(slash + 1) && slash[1] != '*';
}

static void vs_hosts(struct vctx *v, const struct virtual_service *vs)
{
    if (vs->n_hosts == 0)
        vc_error(v, AT(v, vs), "hosts: at least one host is required");
    for (size_t i = 0; i < vs->n_hosts; i++) {
        const char *h = vs->hosts[i];
        struct config_pos at = AT(v, &vs->hosts[i]);
        if (!is_fqdn_or_wildcard(h) && !is_ip(h))
            vc_error(v, at, "host '%s' is not a valid host name", h);
        else if (strcmp(h, "*") == 0 && host_gateways_bind_mesh(vs->gateways, vs->n_gateways))
            vc_error(v, at,
                     "host '*' is not allowed for a VirtualService bound to the mesh "
                     "gateway");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(vs->hosts[j], h) == 0)
                vc_error(v, at, "duplicate host '%s'", h);
            else if (host_overlap(vs->hosts[j], h))
                vc_error(v, at, "host '%s' overlaps with host '%s'", h, vs->hosts[j]);
        }
    }
    for (size_t i = 0; i < vs->n_gateways; i++)
        if (!gateway_name_ok(vs->gateways[i]))
            vc_error(v, AT(v, &vs->gateways[i]),
                     "gateway '%s' is not a valid reference (mesh, "
                     "NAME or NAMESPACE/NAME)",
                     vs->gateways[i]);
}

static void check_string_match(struct vctx *v, const struct string_match *m, const char *what,
                               struct config_pos fb)
{
    struct config_pos at = AT2(v, &m->value, fb);
    if (m->kind == MATCH_PREFIX && m->value && !*m->value)
        vc_error(v, at, "%s: prefix must not be empty", what);
    if (m->kind == MATCH_REGEX && m->value && strlen(m->value) > MAX_REGEX)
        vc_error(v, at, "%s: regex longer than %d characters", what, MAX_REGEX);
    if (m->kind == MATCH_REGEX && m->value && !*m->value)
        vc_error(v, at, "%s: regex must not be empty", what);
}

static int header_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (const char *p = *s == ':' ? s + 1 : s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
            return 0;
    return 1;
}

static void check_named(struct vctx *v, const struct named_match *m, size_t n, const char *what,
                        struct config_pos fb)
{
    for (size_t i = 0; i < n; i++) {
        struct config_pos at = AT2(v, &m[i], fb);
        if (!header_name_ok(m[i].name))
            vc_error(v, at, "%s: '%s' is not a valid header name", what, m[i].name);
        check_string_match(v, &m[i].match, what, at);
    }
}

static void check_match(struct vctx *v, const struct http_match *m)
{
    check_string_match(v, &m->uri, "uri", m->pos);
    check_string_match(v, &m->scheme, "scheme", m->pos);
    check_string_match(v, &m->method, "method", m->pos);
    check_string_match(v, &m->authority, "authority", m->pos);
    check_named(v, m->headers, m->n_headers, "headers", m->pos);
    check_named(v, m->without_headers, m->n_without_headers, "withoutHeaders", m->pos);
    for (size_t i = 0; i < m->n_query_params; i++)
        check_string_match(v, &m->query_params[i].match, "queryParams", m->pos);
}

static void check_destination(struct vctx *v, const struct destination *d)
{
    if (d->host == NULL)
        vc_error(v, d->pos, "destination.host is required");
    else if (strcmp(d->host, "*") == 0)
        vc_error(v, AT2(v, &d->host, d->pos), "destination.host must not be '*'");
    else if (!is_fqdn_or_wildcard(d->host) && !is_ip(d->host))
        vc_error(v, AT2(v, &d->host, d->pos), "destination.host '%s' is not a valid host name",
                 d->host);
    if (d->subset && !is_dns1123_label(d->subset))
        vc_error(v, AT2(v, &d->subset, d->pos), "subset '%s' is not a valid DNS-1123 label",
                 d->subset);
}

static void check_routes(struct vctx *v, const struct route_destination *r, size_t n,
                         struct config_pos fb)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        check_destination(v, &r[i].destination);
        if (GIVEN(v, &r[i].weight) && r[i].weight < 0)
            vc_error(v, AT(v, &r[i].weight), "weight %d must not be negative", r[i].weight);
        else if (r[i].weight > 0)
            total += r[i].weight;
    }
    /* as Istio: with several destinations, the weights must give traffic somewhere */
    if (n > 1 && total == 0)
        vc_error(v, AT2(v, r, fb), "total destination weight = 0");
}

static void check_percent(struct vctx *v, const struct percent *p, const char *what)
{
    if (p->has && (p->value < 0 || p->value > 100))
        vc_error(v, AT(v, p), "%s must be between 0 and 100", what);
}

static void check_actions(struct vctx *v, const struct http_route *r)
{
    int actions = (r->n_route > 0) + r->has_redirect + r->has_direct_response;
    if (actions == 0)
        vc_error(v, r->pos, "HTTP rule needs a route, a redirect or a directResponse");
    else if (actions > 1)
        vc_error(v, r->pos, "route, redirect and directResponse are exclusive");
    if (r->has_rewrite && r->has_redirect)
        vc_error(v, AT2(v, &r->rewrite, r->pos), "rewrite cannot be combined with redirect");
    if (r->has_fault && r->has_redirect)
        vc_error(v, AT2(v, &r->fault, r->pos), "fault cannot be combined with redirect");
    if (r->has_fault && r->has_direct_response)
        vc_error(v, AT2(v, &r->fault, r->pos), "fault cannot be combined with directResponse");
    if (r->has_redirect && r->redirect.redirect_code &&
        !(r->redirect.redirect_code >= 301 && r->redirect.redirect_code <= 308 &&
          r->redirect.redirect_code != 304 && r->redirect.redirect_code != 305 &&
          r->redirect.redirect_code != 306))
        vc_error(v, AT2(v, &r->redirect.redirect_code, r->pos),
                 "redirectCode %u is not one "
                 "of 301, 302, 303, 307, 308",
                 r->redirect.redirect_code);
    if (r->has_direct_response &&
        (r->direct_response.status < 200 || r->direct_response.status > 599))
        vc_error(v, AT2(v, &r->direct_response.status, r->pos),
                 "directResponse status %u "
                 "must be between 200 and 599",
                 r->direct_response.status);
}

static void check_fault_retry(struct vctx *v, const struct http_route *r)
{
    const struct http_fault *f = &r->fault;
    if (r->has_fault) {
        if (!f->has_delay && !f->has_abort)
            vc_error(v, AT2(v, f, r->pos), "fault needs a delay or an abort");
        if (f->has_delay && !GIVEN(v, &f->delay_fixed_ms))
            vc_error(v, AT2(v, f, r->pos), "fault delay needs fixedDelay");
        if (f->has_abort && !f->abort_http_status && !f->abort_grpc_status)
            vc_error(v, AT2(v, f, r->pos), "fault abort needs httpStatus or grpcStatus");
        if (f->abort_http_status && (f->abort_http_status < 200 || f->abort_http_status > 599))
            vc_error(v, AT(v, &f->abort_http_status),
                     "abort httpStatus %d must be between 200 "
                     "and 599",
                     f->abort_http_status);
        check_percent(v, &f->delay_percentage, "delay percentage");
        check_percent(v, &f->abort_percentage, "abort percentage");
    }
    if (r->has_retries) {
        if (GIVEN(v, &r->retries.attempts) && r->retries.attempts < 0)
            vc_error(v, AT(v, &r->retries.attempts), "retries.attempts must not be negative");
        if (GIVEN(v, &r->retries.per_try_timeout_ms) && r->retries.per_try_timeout_ms < 1)
            vc_error(v, AT(v, &r->retries.per_try_timeout_ms),
                     "retries.perTryTimeout must be "
                     "at least 1ms");
    }
    for (size_t i = 0; i < r->n_mirrors; i++) {
        check_destination(v, &r->mirrors[i].destination);
        check_percent(v, &r->mirrors[i].percentage, "mirror percentage");
    }
}

/* A match that accepts every request makes the rules after it unreachable. */
static int catches_all(const struct http_route *r)
{
    if (r->n_match == 0)
        return 1;
    for (size_t i = 0; i < r->n_match; i++) {
        const struct http_match *m = &r->match[i];
        int uri = m->uri.kind && !(m->uri.kind == MATCH_PREFIX && strcmp(m->uri.value, "/") == 0);
        int narrow = uri || m->scheme.kind || m->method.kind || m->authority.kind || m->n_headers ||
                     m->n_query_params || m->n_without_headers || m->port || m->n_gateways ||
                     m->source_labels.n || m->source_namespace;
        if (!narrow)
            return 1;
    }
    return 0;
}

static void check_http(struct vctx *v, const struct virtual_service *vs)
{
    for (size_t i = 0; i < vs->n_http; i++) {
        const struct http_route *r = &vs->http[i];
        for (size_t j = 0; j < r->n_match; j++)
            check_match(v, &r->match[j]);
        check_actions(v, r);
        check_routes(v, r->route, r->n_route, r->pos);
        check_fault_retry(v, r);
        if (i > 0 && catches_all(&vs->http[i - 1]))
            vc_warn(v, r->pos,
                    "this rule is unreachable: the rule before it matches every "
                    "request");
    }
}

static int sni_in_hosts(const struct virtual_service *vs, const char *sni)
{
    for (size_t i = 0; i < vs->n_hosts; i++)
        if (host_match(vs->hosts[i], sni))
            return 1;
    return 0;
}

static void check_subnets(struct vctx *v, const struct l4_match *m)
{
    for (size_t i = 0; i < m->n_destination_subnets; i++) {
        const char *s = m->destination_subnets[i];
        if (!is_ip(s) && !is_cidr(s))
            vc_error(v, AT2(v, &m->destination_subnets[i], m->pos),
                     "destinationSubnets: '%s' "
                     "is not an IP address or CIDR",
                     s);
    }
}

static void check_l4(struct vctx *v, const struct virtual_service *vs, const struct l4_route *r,
                     size_t n, int tls)
{
    for (size_t i = 0; i < n; i++) {
        if (tls && r[i].n_match == 0)
            vc_error(v, r[i].pos, "tls rule needs at least one match");
        for (size_t j = 0; j < r[i].n_match; j++) {
            const struct l4_match *m = &r[i].match[j];
            check_subnets(v, m);
            if (!tls)
                continue;
            if (m->n_sni_hosts == 0)
                vc_error(v, m->pos, "TLS match must have at least one SNI host");
            for (size_t k = 0; k < m->n_sni_hosts; k++)
                if (!sni_in_hosts(vs, m->sni_hosts[k]))
                    vc_error(v, AT2(v, &m->sni_hosts[k], m->pos),
                             "SNI host '%s' is not one of "
                             "the VirtualService's hosts",
                             m->sni_hosts[k]);
        }
        if (r[i].n_route == 0)
            vc_error(v, r[i].pos, "%s rule needs at least one route", tls ? "tls" : "tcp");
        check_routes(v, r[i].route, r[i].n_route, r[i].pos);
    }
}

void validate_virtual_service(struct vctx *v, const struct virtual_service *vs)
{
    vs_hosts(v, vs);
    if (vs->n_http == 0 && vs->n_tls == 0 && vs->n_tcp == 0)
        vc_error(v, AT(v, vs), "at least one of http, tls or tcp is required");
    check_http(v, vs);
    check_l4(v, vs, vs->tls, vs->n_tls, 1);
    check_l4(v, vs, vs->tcp, vs->n_tcp, 0);
    validate_export_to(v, vs->export_to, vs->n_export_to);
}
