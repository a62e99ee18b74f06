/* decode_vs.c - VirtualService spec: http, tls and tcp rules. */
#include "decode.h"

#include <string.h>

/* {exact|prefix|regex: value}; {} means "present" for headers. */
static void dec_string_match(struct dctx *c, const struct cnode *n, void *out)
{
    struct string_match *m = out;
    static const struct enum_name kinds[] = {
        {"exact", MATCH_EXACT}, {"prefix", MATCH_PREFIX}, {"regex", MATCH_REGEX}, {NULL, 0}};
    if (n->type != CN_MAP) {
        dc_error(c, n, "expected a mapping {exact|prefix|regex: VALUE}");
        return;
    }
    dc_mark(c, m, sizeof(*m), n);
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        size_t j;
        for (j = 0; kinds[j].name; j++)
            if (strcmp(k->str, kinds[j].name) == 0)
                break;
        if (kinds[j].name == NULL) {
            const char *names[] = {"exact", "prefix", "regex"};
            const char *s = dc_suggest(k->str, names, 3);
            dc_error(c, k, "unknown field '%s' (%s%s%s)", k->str,
                     s ? "did you mean '"
                       : "one of "
                         "exact, prefix, regex",
                     s ? s : "", s ? "'?" : "");
            continue;
        }
        if (m->kind != MATCH_NONE) {
            dc_error(c, k, "only one of exact, prefix or regex may be given");
            continue;
        }
        m->kind = (enum string_match_kind)kinds[j].value;
        m->value = v->type == CN_NULL ? arena_strdup(c->a, "") : dc_str(c, v);
        dc_mark(c, &m->value, sizeof(m->value), v);
    }
}

/* A mapping of name -> string match (headers, queryParams, withoutHeaders). */
static void dec_named_matches(struct dctx *c, const struct cnode *n, struct named_match **out,
                              size_t *count)
{
    if (n->type != CN_MAP) {
        dc_error(c, n, "expected a mapping of name to {exact|prefix|regex: VALUE}");
        return;
    }
    struct named_match *v = arena_alloc(c->a, (n->n ? n->n : 1) * sizeof(*v));
    for (size_t i = 0; i < n->n; i++) {
        v[i].name = arena_strdup(c->a, n->items[2 * i]->str);
        dc_mark(c, &v[i], sizeof(v[i]), n->items[2 * i]);
        if (n->items[2 * i + 1]->type != CN_NULL)
            dec_string_match(c, n->items[2 * i + 1], &v[i].match);
    }
    *out = v;
    *count = n->n;
}

static void dec_headers_field(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_match *m = out;
    dec_named_matches(c, n, &m->headers, &m->n_headers);
}

static void dec_query_field(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_match *m = out;
    dec_named_matches(c, n, &m->query_params, &m->n_query_params);
}

static void dec_without_field(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_match *m = out;
    dec_named_matches(c, n, &m->without_headers, &m->n_without_headers);
}

static const struct field http_match_fields[] = {
    FLD("name", F_STR, struct http_match, name),
    FSUB("uri", struct http_match, uri, dec_string_match),
    FSUB("scheme", struct http_match, scheme, dec_string_match),
    FSUB("method", struct http_match, method, dec_string_match),
    FSUB("authority", struct http_match, authority, dec_string_match),
    FSUBBASE("headers", dec_headers_field),
    FSUBBASE("queryParams", dec_query_field),
    FSUBBASE("withoutHeaders", dec_without_field),
    FLD("port", F_PORT, struct http_match, port),
    FSTRS("gateways", struct http_match, gateways),
    FLD("sourceLabels", F_LABELS, struct http_match, source_labels),
    FLD("sourceNamespace", F_STR, struct http_match, source_namespace),
    FLD("ignoreUriCase", F_BOOL, struct http_match, ignore_uri_case),
    FEND,
};

static void dec_http_match(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_match *m = out;
    m->pos = dc_pos(c, n);
    dc_map(c, n, http_match_fields, m, sizeof(*m));
}

static const struct field destination_fields[] = {
    FLD("host", F_STR, struct destination, host),
    FLD("subset", F_STR, struct destination, subset),
    FLD("port", F_PORTSEL, struct destination, port),
    FEND,
};

static void dec_destination(struct dctx *c, const struct cnode *n, void *out)
{
    struct destination *d = out;
    d->pos = dc_pos(c, n);
    dc_map(c, n, destination_fields, d, sizeof(*d));
}

static const struct field header_ops_fields[] = {
    FLD("set", F_LABELS, struct header_ops, set),
    FLD("add", F_LABELS, struct header_ops, add),
    FSTRS("remove", struct header_ops, remove),
    FEND,
};

static void dec_header_ops(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, header_ops_fields, out, sizeof(struct header_ops));
}

static const struct field headers_fields[] = {
    FSUB("request", struct headers_spec, request, dec_header_ops),
    FSUB("response", struct headers_spec, response, dec_header_ops),
    FEND,
};

static void dec_headers_spec(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, headers_fields, out, sizeof(struct headers_spec));
}

static const struct field route_dest_fields[] = {
    FSUB("destination", struct route_destination, destination, dec_destination),
    FLD("weight", F_I32, struct route_destination, weight),
    FSUB("headers", struct route_destination, headers, dec_headers_spec),
    FEND,
};

static void dec_route_destination(struct dctx *c, const struct cnode *n, void *out)
{
    struct route_destination *r = out;
    r->weight = -1;
    r->destination.pos = dc_pos(c, n);
    dc_map(c, n, route_dest_fields, r, sizeof(*r));
}

static const struct field redirect_fields[] = {
    FLD("uri", F_STR, struct http_redirect, uri),
    FLD("authority", F_STR, struct http_redirect, authority),
    FLD("port", F_PORT, struct http_redirect, port),
    FLD("scheme", F_STR, struct http_redirect, scheme),
    FLD("redirectCode", F_U32, struct http_redirect, redirect_code),
    FEND,
};

static void dec_redirect(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, redirect_fields, out, sizeof(struct http_redirect));
}

static const struct field body_fields[] = {
    FLD("string", F_STR, struct http_direct_response, body_string),
    FLD("bytes", F_STR, struct http_direct_response, body_bytes),
    FEND,
};

static void dec_body(struct dctx *c, const struct cnode *n, void *out)
{
    /* body.{string,bytes} land in the enclosing direct response */
    dc_map(c, n, body_fields, out, sizeof(struct http_direct_response));
}

static const struct field direct_fields[] = {
    FLD("status", F_U32, struct http_direct_response, status),
    FSUBBASE("body", dec_body),
    FEND,
};

static void dec_direct_response(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, direct_fields, out, sizeof(struct http_direct_response));
}

static void dec_uri_regex_rewrite(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_rewrite *r = out;
    static const struct field fields[] = {
        {"match", F_STR,
         offsetof(struct http_rewrite, uri_regex) + offsetof(struct string_match, value), 0, NULL,
         NULL, 0, -1},
        FLD("rewrite", F_STR, struct http_rewrite, uri_regex_rewrite),
        FEND,
    };
    if (dc_map(c, n, fields, r, sizeof(*r) - 1) == 0 && r->uri_regex.value)
        r->uri_regex.kind = MATCH_REGEX;
}

static const struct field rewrite_fields[] = {
    FLD("uri", F_STR, struct http_rewrite, uri),
    FLD("authority", F_STR, struct http_rewrite, authority),
    FSUBBASE("uriRegexRewrite", dec_uri_regex_rewrite),
    FEND,
};

static void dec_rewrite(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, rewrite_fields, out, sizeof(struct http_rewrite));
}

static const struct field retry_fields[] = {
    FLD("attempts", F_I32, struct http_retry, attempts),
    FLD("perTryTimeout", F_DUR, struct http_retry, per_try_timeout_ms),
    FLD("retryOn", F_STR, struct http_retry, retry_on),
    FLDH("retryRemoteLocalities", F_BOOL, struct http_retry, retry_remote_localities,
         has_retry_remote_localities),
    FEND,
};

static void dec_retries(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_retry *r = out;
    r->attempts = -1;
    r->per_try_timeout_ms = -1;
    dc_map(c, n, retry_fields, r, sizeof(*r));
}

static const struct field delay_fields[] = {
    FLD("fixedDelay", F_DUR, struct http_fault, delay_fixed_ms),
    FLD("percentage", F_PERCENT, struct http_fault, delay_percentage),
    FLD("percent", F_I32, struct http_fault, delay_percent),
    FEND,
};

static void dec_delay(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, delay_fields, out, sizeof(struct http_fault) - 2);
}

static const struct field abort_fields[] = {
    FLD("httpStatus", F_I32, struct http_fault, abort_http_status),
    FLDH("grpcStatus", F_STR, struct http_fault, abort_grpc_status, abort_grpc_status_set),
    FLD("percentage", F_PERCENT, struct http_fault, abort_percentage),
    FEND,
};

static void dec_abort(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, abort_fields, out, sizeof(struct http_fault) - 1);
}

static const struct field fault_fields[] = {
    {"delay", F_SUB, 0, 0, NULL, dec_delay, 0, offsetof(struct http_fault, has_delay)},
    {"abort", F_SUB, 0, 0, NULL, dec_abort, 0, offsetof(struct http_fault, has_abort)},
    FEND,
};

static void dec_fault(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_fault *f = out;
    f->delay_percent = -1;
    dc_map(c, n, fault_fields, f, sizeof(*f));
}

static const struct field mirror_fields[] = {
    FSUB("destination", struct http_mirror, destination, dec_destination),
    FLD("percentage", F_PERCENT, struct http_mirror, percentage),
    FEND,
};

static void dec_mirror(struct dctx *c, const struct cnode *n, void *out)
{
    dc_map(c, n, mirror_fields, out, sizeof(struct http_mirror));
}

static void dec_allow_origins(struct dctx *c, const struct cnode *n, void *out)
{
    struct cors_policy *p = out;
    if (n->type != CN_SEQ) {
        dc_error(c, n, "allowOrigins: expected a list");
        return;
    }
    p->allow_origins = arena_alloc(c->a, (n->n ? n->n : 1) * sizeof(*p->allow_origins));
    for (size_t i = 0; i < n->n; i++)
        dec_string_match(c, n->items[i], &p->allow_origins[i]);
    p->n_allow_origins = n->n;
}

static const struct field cors_fields[] = {
    FSUBBASE("allowOrigins", dec_allow_origins),
    FSTRS("allowMethods", struct cors_policy, allow_methods),
    FSTRS("allowHeaders", struct cors_policy, allow_headers),
    FSTRS("exposeHeaders", struct cors_policy, expose_headers),
    FLD("maxAge", F_DUR, struct cors_policy, max_age_ms),
    FLD("allowCredentials", F_BOOL, struct cors_policy, allow_credentials),
    FEND,
};

static void dec_cors(struct dctx *c, const struct cnode *n, void *out)
{
    struct cors_policy *p = out;
    p->max_age_ms = -1;
    p->allow_credentials = -1;
    dc_map(c, n, cors_fields, p, sizeof(*p));
}

static void dec_delegate(struct dctx *c, const struct cnode *n, void *out)
{
    (void)out;
    dc_error(c, n, "delegate is not supported: put the routes in this VirtualService");
}

static const struct field http_route_fields[] = {
    FLD("name", F_STR, struct http_route, name),
    FLIST("match", struct http_route, match, dec_http_match, struct http_match),
    FLIST("route", struct http_route, route, dec_route_destination, struct route_destination),
    FSUBH("redirect", struct http_route, redirect, dec_redirect, has_redirect),
    FSUBH("directResponse", struct http_route, direct_response, dec_direct_response,
          has_direct_response),
    FSUBBASE("delegate", dec_delegate),
    FSUBH("rewrite", struct http_route, rewrite, dec_rewrite, has_rewrite),
    FLD("timeout", F_DUR, struct http_route, timeout_ms),
    FSUBH("retries", struct http_route, retries, dec_retries, has_retries),
    FSUBH("fault", struct http_route, fault, dec_fault, has_fault),
    FIGN("mirror"),
    FIGN("mirrorPercentage"),
    FLIST("mirrors", struct http_route, mirrors, dec_mirror, struct http_mirror),
    FSUBH("corsPolicy", struct http_route, cors, dec_cors, has_cors),
    FSUB("headers", struct http_route, headers, dec_headers_spec),
    FEND,
};

static const struct cnode *get_either(const struct cnode *n, const char *camel, const char *snake)
{
    const struct cnode *v = cnode_get(n, camel);
    return v ? v : cnode_get(n, snake);
}

/* `mirror` + `mirrorPercentage` is the older single-mirror form: it becomes
 * the first entry of mirrors. */
static void add_single_mirror(struct dctx *c, const struct cnode *n, struct http_route *r)
{
    const struct cnode *m = cnode_get(n, "mirror");
    if (m == NULL || m->type == CN_NULL)
        return;
    struct http_mirror *v = arena_alloc(c->a, (r->n_mirrors + 1) * sizeof(*v));
    dec_destination(c, m, &v[0].destination);
    dc_mark(c, &v[0], sizeof(v[0]), m);
    const struct cnode *p = get_either(n, "mirrorPercentage", "mirror_percentage");
    if (p && p->type != CN_NULL) {
        struct field f = FLD("mirrorPercentage", F_PERCENT, struct http_mirror, percentage);
        const struct field fields[] = {f, FEND};
        struct cnode wrap = {CN_MAP, p->line, p->column, 0, "", NULL, 1, 1};
        struct cnode key = {CN_SCALAR, p->line, p->column, 1, "mirrorPercentage", NULL, 0, 1};
        struct cnode *items[2] = {&key, (struct cnode *)p};
        wrap.items = items;
        dc_map(c, &wrap, fields, &v[0], sizeof(v[0]) - 1);
    }
    if (r->n_mirrors)
        memcpy(&v[1], r->mirrors, r->n_mirrors * sizeof(*v));
    r->mirrors = v;
    r->n_mirrors++;
}

static void dec_http_route(struct dctx *c, const struct cnode *n, void *out)
{
    struct http_route *r = out;
    r->pos = dc_pos(c, n);
    r->timeout_ms = -1;
    if (dc_map(c, n, http_route_fields, r, sizeof(*r)) == 0)
        add_single_mirror(c, n, r);
}

static const struct field tls_match_fields[] = {
    FSTRS("sniHosts", struct l4_match, sni_hosts),
    FSTRS("destinationSubnets", struct l4_match, destination_subnets),
    FLD("port", F_PORT, struct l4_match, port),
    FSTRS("gateways", struct l4_match, gateways),
    FLD("sourceLabels", F_LABELS, struct l4_match, source_labels),
    FLD("sourceNamespace", F_STR, struct l4_match, source_namespace),
    FEND,
};

/* tcp matches have every tls field except sniHosts */
static void dec_tls_match(struct dctx *c, const struct cnode *n, void *out)
{
    struct l4_match *m = out;
    m->pos = dc_pos(c, n);
    dc_map(c, n, tls_match_fields, m, sizeof(*m));
}

static void dec_tcp_match(struct dctx *c, const struct cnode *n, void *out)
{
    struct l4_match *m = out;
    m->pos = dc_pos(c, n);
    dc_map(c, n, tls_match_fields + 1, m, sizeof(*m));
}

static const struct field tls_route_fields[] = {
    FLIST("match", struct l4_route, match, dec_tls_match, struct l4_match),
    FLIST("route", struct l4_route, route, dec_route_destination, struct route_destination),
    FEND,
};

static const struct field tcp_route_fields[] = {
    FLIST("match", struct l4_route, match, dec_tcp_match, struct l4_match),
    FLIST("route", struct l4_route, route, dec_route_destination, struct route_destination),
    FEND,
};

static void dec_tls_route(struct dctx *c, const struct cnode *n, void *out)
{
    struct l4_route *r = out;
    r->pos = dc_pos(c, n);
    dc_map(c, n, tls_route_fields, r, sizeof(*r));
}

static void dec_tcp_route(struct dctx *c, const struct cnode *n, void *out)
{
    struct l4_route *r = out;
    r->pos = dc_pos(c, n);
    dc_map(c, n, tcp_route_fields, r, sizeof(*r));
}

static const struct field vs_fields[] = {
    FSTRS("hosts", struct virtual_service, hosts),
    FSTRS("gateways", struct virtual_service, gateways),
    FSTRS("exportTo", struct virtual_service, export_to),
    FLIST("http", struct virtual_service, http, dec_http_route, struct http_route),
    FLIST("tls", struct virtual_service, tls, dec_tls_route, struct l4_route),
    FLIST("tcp", struct virtual_service, tcp, dec_tcp_route, struct l4_route),
    FEND,
};

static int l4_source_labels(const struct l4_route *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r[i].n_match; k++)
            if (r[i].match[k].source_labels.n > 0)
                return 1;
    return 0;
}

void dec_virtual_service(struct dctx *c, const struct cnode *spec, struct virtual_service *vs)
{
    dc_map(c, spec, vs_fields, vs, sizeof(*vs));
    for (size_t r = 0; r < vs->n_http; r++)
        for (size_t k = 0; k < vs->http[r].n_match; k++)
            vs->has_source_labels |= vs->http[r].match[k].source_labels.n > 0;
    vs->has_source_labels |=
        l4_source_labels(vs->tls, vs->n_tls) || l4_source_labels(vs->tcp, vs->n_tcp);
}
