/* routes.c - VirtualService http rules to Envoy routes (docs/istio-to-envoy.md §5): match
 * kinds, weighted destinations, redirects, direct responses, rewrites,
 * timeouts, retries, faults, mirrors, header edits, CORS; and the
 * RouteConfiguration envelope. */
#include "seam.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

#define RETRY_ON "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"

char *tr_dest_cluster(struct tr_build *b, const struct destination *d, const char *ns,
                      uint32_t listen_port)
{
    const char *host = host_fqdn(b->a, d->host, ns);
    uint32_t port = d->port;
    if (port == 0) {
        const struct tr_svc *svc = tr_find_svc(b, host);
        port = svc && svc->se->n_ports == 1 ? svc->se->ports[0].number : listen_port;
    }
    return tr_cluster_name(b->a, port, d->subset, host);
}

const char *tr_dest_existing(struct tr_build *b, const struct destination *d,
                             const struct virtual_service *vs, uint32_t listen_port)
{
    char *name = tr_dest_cluster(b, d, vs->meta.namespace, listen_port);
    if (tr_cluster_exists(b, name))
        return name;
    tr_finding(b, &vs->meta,
               "no cluster %s for destination %s: its traffic goes to BlackHoleCluster", name,
               d->host);
    return "BlackHoleCluster";
}

/* ---- matches -------------------------------------------------------------------------- */

static StringMatcher *string_matcher(struct arena *a, const struct string_match *m)
{
    StringMatcher *s = NEW(a, StringMatcher);
    switch (m->kind) {
    case MATCH_PREFIX:
        s->match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_PREFIX;
        s->prefix = (char *)m->value;
        break;
    case MATCH_REGEX: {
        RegexMatcher *r = NEW(a, RegexMatcher);
        r->regex = (char *)m->value;
        s->match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_SAFE_REGEX;
        s->safe_regex = r;
        break;
    }
    default:
        s->match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT;
        s->exact = (char *)(m->value ? m->value : "");
        break;
    }
    return s;
}

static HeaderMatcher *header_matcher(struct arena *a, const char *name,
                                     const struct string_match *m, int invert)
{
    HeaderMatcher *h = NEW(a, HeaderMatcher);
    h->name = (char *)name;
    h->invert_match = invert != 0;
    /* {} or regex "*" only asks that the header be there */
    if (m->kind == MATCH_NONE || (m->kind == MATCH_REGEX && strcmp(m->value, "*") == 0)) {
        h->header_match_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_PRESENT_MATCH;
        h->present_match = 1;
        return h;
    }
    h->header_match_specifier_case =
        ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_STRING_MATCH;
    h->string_match = string_matcher(a, m);
    h->treat_missing_header_as_empty = invert != 0;
    return h;
}

static int cmp_header(const void *x, const void *y)
{
    const HeaderMatcher *a = *(HeaderMatcher *const *)x, *b = *(HeaderMatcher *const *)y;
    return strcmp(a->name, b->name);
}

static RouteMatch *route_match(struct arena *a, const struct http_match *m)
{
    RouteMatch *r = NEW(a, RouteMatch);
    const struct string_match *uri = m ? &m->uri : NULL;
    if (uri != NULL && uri->kind == MATCH_EXACT) {
        r->path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH;
        r->path = (char *)uri->value;
    } else if (uri != NULL && uri->kind == MATCH_REGEX) {
        RegexMatcher *re = NEW(a, RegexMatcher);
        re->regex = (char *)uri->value;
        r->path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_SAFE_REGEX;
        r->safe_regex = re;
    } else {
        r->path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX;
        r->prefix = (char *)(uri != NULL && uri->kind == MATCH_PREFIX ? uri->value : "/");
    }
    r->case_sensitive = pb_bool(a, !(m && m->ignore_uri_case));
    if (m == NULL)
        return r;
    struct pvec hs = {0};
    for (size_t i = 0; i < m->n_headers; i++)
        pvec_push(a, &hs, header_matcher(a, m->headers[i].name, &m->headers[i].match, 0));
    for (size_t i = 0; i < m->n_without_headers; i++)
        pvec_push(a, &hs,
                  header_matcher(a, m->without_headers[i].name, &m->without_headers[i].match, 1));
    const struct string_match *pseudo[] = {&m->method, &m->authority, &m->scheme};
    static const char *const pseudo_names[] = {":method", ":authority", ":scheme"};
    for (int i = 0; i < 3; i++)
        if (pseudo[i]->kind != MATCH_NONE)
            pvec_push(a, &hs, header_matcher(a, pseudo_names[i], pseudo[i], 0));
    if (hs.n > 1)
        qsort(hs.v, hs.n, sizeof(void *), cmp_header);
    PV_SET(r->headers, r->n_headers, &hs);
    if (m->n_query_params > 0) {
        r->n_query_parameters = m->n_query_params;
        r->query_parameters = arena_alloc(a, m->n_query_params * sizeof(QueryMatcher *));
        for (size_t i = 0; i < m->n_query_params; i++) {
            QueryMatcher *q = NEW(a, QueryMatcher);
            q->name = (char *)m->query_params[i].name;
            if (m->query_params[i].match.kind == MATCH_NONE) {
                q->query_parameter_match_specifier_case =
                    ENVOY__CONFIG__ROUTE__V3__QUERY_PARAMETER_MATCHER__QUERY_PARAMETER_MATCH_SPECIFIER_PRESENT_MATCH;
                q->present_match = 1;
            } else {
                q->query_parameter_match_specifier_case =
                    ENVOY__CONFIG__ROUTE__V3__QUERY_PARAMETER_MATCHER__QUERY_PARAMETER_MATCH_SPECIFIER_STRING_MATCH;
                q->string_match = string_matcher(a, &m->query_params[i].match);
            }
            r->query_parameters[i] = q;
        }
    }
    return r;
}

static int is_catch_all(const struct http_match *m)
{
    if (m == NULL)
        return 1;
    int uri_all = m->uri.kind == MATCH_NONE ||
                  (m->uri.kind == MATCH_PREFIX && strcmp(m->uri.value, "/") == 0) ||
                  (m->uri.kind == MATCH_REGEX && strcmp(m->uri.value, "*") == 0);
    return uri_all && m->n_headers == 0 && m->n_query_params == 0 && m->n_without_headers == 0 &&
           m->method.kind == MATCH_NONE && m->authority.kind == MATCH_NONE &&
           m->scheme.kind == MATCH_NONE;
}

/* Static conditions, decided at generation time (docs/istio-to-envoy.md §5.2). */
static int match_applies(const struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                         const char **gateways, size_t n_gateways, uint32_t mport,
                         const struct config_labels *src_labels, const char *src_ns,
                         const char *gw_ns, const char *gw_name)
{
    if (mport != 0 && mport != port)
        return 0;
    if (n_gateways > 0) {
        for (size_t i = 0; i < n_gateways; i++)
            if (host_gateway_ref_is(gateways[i], vs->meta.namespace, gw_ns, gw_name))
                return 1;
        return 0;
    }
    if (!tr_labels_subset(src_labels, b->id))
        return 0;
    return src_ns == NULL || strcmp(src_ns, b->id->namespace) == 0;
}

int tr_l4_match_applies(const struct tr_build *b, const struct virtual_service *vs,
                        const struct l4_match *m, uint32_t port, const char *gw_ns,
                        const char *gw_name)
{
    return match_applies(b, vs, port, m->gateways, m->n_gateways, m->port, &m->source_labels,
                         m->source_namespace, gw_ns, gw_name);
}

/* ---- header edits ------------------------------------------------------------------------ */

static int is_authority(const char *k)
{
    return strcasecmp(k, ":authority") == 0 || strcasecmp(k, "host") == 0;
}

static void header_adds(struct arena *a, const struct config_labels *l, int overwrite,
                        struct pvec *out, const char **authority)
{
    for (size_t i = 0; i < l->n; i++) {
        if (authority != NULL && is_authority(l->items[i].key)) {
            *authority = l->items[i].value;
            continue;
        }
        HeaderValueOption *o = NEW(a, HeaderValueOption);
        HeaderValue *h = NEW(a, HeaderValue);
        h->key = (char *)l->items[i].key;
        h->value = (char *)l->items[i].value;
        o->header = h;
        o->append_action =
            overwrite
                ? ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__OVERWRITE_IF_EXISTS_OR_ADD
                : ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__APPEND_IF_EXISTS_OR_ADD;
        pvec_push(a, out, o);
    }
}

struct header_edit {
    struct pvec req_add, resp_add, req_rm, resp_rm;
    const char *authority; /* host rewrite asked through a header */
};

static void header_edit(struct arena *a, const struct headers_spec *h, struct header_edit *e)
{
    header_adds(a, &h->request.set, 1, &e->req_add, &e->authority);
    header_adds(a, &h->request.add, 0, &e->req_add, &e->authority);
    header_adds(a, &h->response.set, 1, &e->resp_add, NULL);
    header_adds(a, &h->response.add, 0, &e->resp_add, NULL);
    for (size_t i = 0; i < h->request.n_remove; i++)
        if (h->request.remove[i][0] != ':' && !is_authority(h->request.remove[i]))
            pvec_push(a, &e->req_rm, (void *)h->request.remove[i]);
    for (size_t i = 0; i < h->response.n_remove; i++)
        if (h->response.remove[i][0] != ':')
            pvec_push(a, &e->resp_rm, (void *)h->response.remove[i]);
}

/* ---- actions ------------------------------------------------------------------------------ */

static RetryPolicy *retry_policy(struct arena *a, const struct http_route *r)
{
    if (r->has_retries && r->retries.attempts == 0)
        return NULL;
    RetryPolicy *p = NEW(a, RetryPolicy);
    p->num_retries =
        pb_u32(a, r->has_retries && r->retries.attempts > 0 ? (uint32_t)r->retries.attempts : 2);
    p->retry_on = RETRY_ON;
    uint32_t *codes = arena_alloc(a, 64 * sizeof(uint32_t));
    size_t n_codes = 0;
    if (r->has_retries && r->retries.retry_on != NULL) {
        /* numeric entries are status codes; they need retriable-status-codes */
        char *on = arena_strdup(a, r->retries.retry_on), *save = NULL;
        char *kept = arena_alloc(a, strlen(on) + 32);
        int want_codes = 0;
        for (char *t = strtok_r(on, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            if (*t != '\0' && strspn(t, "0123456789") == strlen(t)) {
                if (n_codes < 64)
                    codes[n_codes++] = (uint32_t)strtoul(t, NULL, 10);
                want_codes = 1;
                continue;
            }
            if (strcmp(t, "retriable-status-codes") == 0)
                want_codes = 0;
            if (kept[0])
                strcat(kept, ",");
            strcat(kept, t);
        }
        if (want_codes)
            strcat(kept, kept[0] ? ",retriable-status-codes" : "retriable-status-codes");
        p->retry_on = kept;
    } else {
        codes[n_codes++] = 503;
    }
    p->n_retriable_status_codes = n_codes;
    p->retriable_status_codes = codes;
    if (r->has_retries && r->retries.per_try_timeout_ms > 0)
        p->per_try_timeout = pb_ms(a, r->retries.per_try_timeout_ms);
    RetryHostPredicate *hp = NEW(a, RetryHostPredicate);
    hp->name = "envoy.retry_host_predicates.previous_hosts";
    hp->config_type_case =
        ENVOY__CONFIG__ROUTE__V3__RETRY_POLICY__RETRY_HOST_PREDICATE__CONFIG_TYPE_TYPED_CONFIG;
    hp->typed_config = pb_any(a, NEW(a, PreviousHosts));
    p->n_retry_host_predicate = 1;
    p->retry_host_predicate = arena_alloc(a, sizeof(*p->retry_host_predicate));
    p->retry_host_predicate[0] = hp;
    p->host_selection_retry_max_attempts = 5;
    return p;
}

static const char *const grpc_codes[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

static FractionalPercent *fault_percent(struct arena *a, const struct percent *p, int32_t legacy)
{
    if (p->has)
        return pb_fraction(a, p->value);
    FractionalPercent *f = NEW(a, FractionalPercent);
    f->numerator = legacy >= 0 ? (uint32_t)legacy : 100;
    f->denominator = ENVOY__TYPE__V3__FRACTIONAL_PERCENT__DENOMINATOR_TYPE__HUNDRED;
    return f;
}

static FaultFilter *fault(struct arena *a, const struct http_fault *f)
{
    FaultFilter *h = NEW(a, FaultFilter);
    /* Envoy wants a positive delay and an abort status in [200, 600) */
    if (f->has_delay && f->delay_fixed_ms > 0) {
        FaultDelay *d = NEW(a, FaultDelay);
        d->fault_delay_secifier_case =
            ENVOY__EXTENSIONS__FILTERS__COMMON__FAULT__V3__FAULT_DELAY__FAULT_DELAY_SECIFIER_FIXED_DELAY;
        d->fixed_delay = pb_ms(a, f->delay_fixed_ms);
        d->percentage = fault_percent(a, &f->delay_percentage, f->delay_percent);
        h->delay = d;
    }
    int http_ok = f->abort_http_status >= 200 && f->abort_http_status < 600;
    if (f->has_abort && (f->abort_grpc_status != NULL || http_ok)) {
        FaultAbort *ab = NEW(a, FaultAbort);
        if (f->abort_grpc_status != NULL) {
            uint32_t code = 2; /* UNKNOWN */
            for (size_t i = 0; i < sizeof(grpc_codes) / sizeof(grpc_codes[0]); i++)
                if (strcmp(grpc_codes[i], f->abort_grpc_status) == 0)
                    code = (uint32_t)i;
            ab->error_type_case =
                ENVOY__EXTENSIONS__FILTERS__HTTP__FAULT__V3__FAULT_ABORT__ERROR_TYPE_GRPC_STATUS;
            ab->grpc_status = code;
        } else {
            ab->error_type_case =
                ENVOY__EXTENSIONS__FILTERS__HTTP__FAULT__V3__FAULT_ABORT__ERROR_TYPE_HTTP_STATUS;
            ab->http_status = (uint32_t)f->abort_http_status;
        }
        ab->percentage = fault_percent(a, &f->abort_percentage, -1);
        h->abort = ab;
    }
    return h;
}

static char *join(struct arena *a, const char **v, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    char *s = arena_alloc(a, len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, v[i]);
    }
    return s;
}

static CorsPolicy *cors(struct arena *a, const struct cors_policy *c)
{
    CorsPolicy *p = NEW(a, CorsPolicy);
    p->n_allow_origin_string_match = c->n_allow_origins;
    p->allow_origin_string_match =
        arena_alloc(a, (c->n_allow_origins + 1) * sizeof(StringMatcher *));
    for (size_t i = 0; i < c->n_allow_origins; i++)
        p->allow_origin_string_match[i] = string_matcher(a, &c->allow_origins[i]);
    p->allow_methods = join(a, c->allow_methods, c->n_allow_methods);
    p->allow_headers = join(a, c->allow_headers, c->n_allow_headers);
    p->expose_headers = join(a, c->expose_headers, c->n_expose_headers);
    if (c->max_age_ms >= 0)
        p->max_age = arena_printf(a, "%lld", (long long)(c->max_age_ms / 1000));
    if (c->allow_credentials >= 0)
        p->allow_credentials = pb_bool(a, c->allow_credentials);
    RuntimeFractionalPercent *on = NEW(a, RuntimeFractionalPercent);
    on->default_value = pb_fraction(a, 100.0);
    p->filter_enabled = on;
    return p;
}

static void per_filter(struct arena *a, Route *r, const char *name, const void *cfg)
{
    RouteFilterEntry *e = NEW(a, RouteFilterEntry);
    e->key = (char *)name;
    e->value = pb_any(a, cfg);
    RouteFilterEntry **v = arena_alloc(a, (r->n_typed_per_filter_config + 1) * sizeof(*v));
    if (r->n_typed_per_filter_config)
        memcpy(v, r->typed_per_filter_config, r->n_typed_per_filter_config * sizeof(*v));
    v[r->n_typed_per_filter_config++] = e;
    r->typed_per_filter_config = v;
}

static RedirectAction *redirect(struct arena *a, const struct http_redirect *rd)
{
    RedirectAction *r = NEW(a, RedirectAction);
    if (rd->authority)
        r->host_redirect = (char *)rd->authority;
    if (rd->uri) {
        r->path_rewrite_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__PATH_REWRITE_SPECIFIER_PATH_REDIRECT;
        r->path_redirect = (char *)rd->uri;
    }
    if (rd->scheme) {
        r->scheme_rewrite_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__SCHEME_REWRITE_SPECIFIER_SCHEME_REDIRECT;
        r->scheme_redirect = (char *)rd->scheme;
    }
    int default_port = rd->scheme && ((strcmp(rd->scheme, "http") == 0 && rd->port == 80) ||
                                      (strcmp(rd->scheme, "https") == 0 && rd->port == 443));
    if (rd->port && !default_port)
        r->port_redirect = rd->port;
    switch (rd->redirect_code) {
    case 302:
        r->response_code = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__FOUND;
        break;
    case 303:
        r->response_code =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__SEE_OTHER;
        break;
    case 307:
        r->response_code =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__TEMPORARY_REDIRECT;
        break;
    case 308:
        r->response_code =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__PERMANENT_REDIRECT;
        break;
    default:
        r->response_code =
            ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__MOVED_PERMANENTLY;
        break;
    }
    return r;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

static DirectResponse *direct_response(struct arena *a, const struct http_direct_response *d)
{
    DirectResponse *r = NEW(a, DirectResponse);
    r->status = d->status;
    if (d->body_string != NULL) {
        DataSource *s = NEW(a, DataSource);
        s->specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_STRING;
        s->inline_string = (char *)d->body_string;
        r->body = s;
    } else if (d->body_bytes != NULL) {
        size_t n = strlen(d->body_bytes), k = 0;
        uint8_t *out = arena_alloc(a, n + 1);
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n; i++) {
            int v = b64_value((unsigned char)d->body_bytes[i]);
            if (v < 0)
                continue;
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[k++] = (uint8_t)(acc >> bits);
            }
        }
        DataSource *s = NEW(a, DataSource);
        s->specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES;
        s->inline_bytes.data = out;
        s->inline_bytes.len = k;
        r->body = s;
    }
    return r;
}

static void set_headers(struct arena *a, struct header_edit *e, size_t *n_ra,
                        HeaderValueOption ***ra, size_t *n_sa, HeaderValueOption ***sa,
                        size_t *n_rr, char ***rr, size_t *n_sr, char ***sr)
{
    PV_SET(*ra, *n_ra, &e->req_add);
    PV_SET(*sa, *n_sa, &e->resp_add);
    PV_SET(*rr, *n_rr, &e->req_rm);
    PV_SET(*sr, *n_sr, &e->resp_rm);
    (void)a;
}

/* A DestinationRule with consistentHash for the destination's cluster: the
 * route says what to hash (the cluster is RING_HASH). */
static HashPolicy *hash_policy(struct tr_build *b, const struct destination *d, const char *ns,
                               uint32_t port)
{
    struct arena *a = b->a;
    const char *host = host_fqdn(a, d->host, ns);
    const struct destination_rule *dr = tr_find_dr(b, host);
    if (dr == NULL)
        return NULL;
    struct tr_policy pol;
    tr_policy_for(dr, tr_find_subset(b, dr, d->subset), d->port ? d->port : port, &pol);
    if (!pol.lb->has || !pol.lb->has_consistent_hash)
        return NULL;
    const struct consistent_hash *ch = &pol.lb->consistent_hash;
    HashPolicy *h = NEW(a, HashPolicy);
    switch (ch->kind) {
    case HASH_HEADER:
        h->policy_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_HEADER;
        h->header = NEW(a, HashHeader);
        h->header->header_name = (char *)ch->header_name;
        break;
    case HASH_COOKIE:
        h->policy_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_COOKIE;
        h->cookie = NEW(a, HashCookie);
        h->cookie->name = (char *)ch->cookie_name;
        if (ch->cookie_path != NULL)
            h->cookie->path = (char *)ch->cookie_path;
        if (ch->cookie_ttl_ms > 0)
            h->cookie->ttl = pb_ms(a, ch->cookie_ttl_ms);
        break;
    case HASH_SOURCE_IP:
        h->policy_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_CONNECTION_PROPERTIES;
        h->connection_properties = NEW(a, HashConnection);
        h->connection_properties->source_ip = 1;
        break;
    case HASH_QUERY_PARAM:
        h->policy_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_QUERY_PARAMETER;
        h->query_parameter = NEW(a, HashQuery);
        h->query_parameter->name = (char *)ch->query_param;
        break;
    default:
        return NULL;
    }
    return h;
}

static void single_destination(struct tr_build *b, const struct virtual_service *vs,
                               const struct route_destination *rd, uint32_t port, RouteAction *act,
                               struct header_edit *e)
{
    struct arena *a = b->a;
    act->cluster_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_CLUSTER;
    act->cluster = (char *)tr_dest_existing(b, &rd->destination, vs, port);
    tr_ref(b, XDS_CLUSTER, act->cluster, b->from);
    HashPolicy *hp = hash_policy(b, &rd->destination, vs->meta.namespace, port);
    if (hp != NULL) {
        act->n_hash_policy = 1;
        act->hash_policy = arena_alloc(a, sizeof(*act->hash_policy));
        act->hash_policy[0] = hp;
    }
    /* the destination's header edits join the route's own */
    header_edit(a, &rd->headers, e);
}

static ClusterWeight *cluster_weight(struct tr_build *b, const struct virtual_service *vs,
                                     const struct route_destination *rd, uint32_t port)
{
    struct arena *a = b->a;
    ClusterWeight *w = NEW(a, ClusterWeight);
    w->name = (char *)tr_dest_existing(b, &rd->destination, vs, port);
    tr_ref(b, XDS_CLUSTER, w->name, b->from);
    /* raw weights: Envoy sums them (unset counts as 1) */
    w->weight = pb_u32(a, rd->weight > 0 ? (uint32_t)rd->weight : 1);
    struct header_edit e = {0};
    header_edit(a, &rd->headers, &e);
    if (e.authority) {
        w->host_rewrite_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__WEIGHTED_CLUSTER__CLUSTER_WEIGHT__HOST_REWRITE_SPECIFIER_HOST_REWRITE_LITERAL;
        w->host_rewrite_literal = (char *)e.authority;
    }
    set_headers(a, &e, &w->n_request_headers_to_add, &w->request_headers_to_add,
                &w->n_response_headers_to_add, &w->response_headers_to_add,
                &w->n_request_headers_to_remove, &w->request_headers_to_remove,
                &w->n_response_headers_to_remove, &w->response_headers_to_remove);
    return w;
}

/* One destination: route.cluster; several: weighted_clusters without the
 * weight-0 entries. */
static void route_destinations(struct tr_build *b, const struct virtual_service *vs,
                               const struct http_route *hr, uint32_t port, RouteAction *act,
                               struct header_edit *e)
{
    struct pvec live = {0};
    for (size_t i = 0; i < hr->n_route; i++)
        if (hr->n_route == 1 || hr->route[i].weight != 0)
            pvec_push(b->a, &live, (void *)&hr->route[i]);
    if (live.n == 1) {
        single_destination(b, vs, live.v[0], port, act, e);
        return;
    }
    if (live.n == 0)
        return;
    WeightedCluster *wc = NEW(b->a, WeightedCluster);
    struct pvec ws = {0};
    for (size_t i = 0; i < live.n; i++)
        pvec_push(b->a, &ws, cluster_weight(b, vs, live.v[i], port));
    PV_SET(wc->clusters, wc->n_clusters, &ws);
    act->cluster_specifier_case =
        ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_WEIGHTED_CLUSTERS;
    act->weighted_clusters = wc;
}

static void mirrors(struct tr_build *b, const struct virtual_service *vs,
                    const struct http_route *hr, uint32_t port, RouteAction *act)
{
    struct arena *a = b->a;
    struct pvec ms = {0};
    for (size_t i = 0; i < hr->n_mirrors; i++) {
        const struct http_mirror *m = &hr->mirrors[i];
        if (m->percentage.has && m->percentage.value <= 0)
            continue;
        char *c = tr_dest_cluster(b, &m->destination, vs->meta.namespace, port);
        if (!tr_cluster_exists(b, c)) {
            tr_finding(b, &vs->meta, "mirror to %s: no such cluster, mirror dropped", c);
            continue;
        }
        MirrorPolicy *p = NEW(a, MirrorPolicy);
        p->cluster = c;
        RuntimeFractionalPercent *f = NEW(a, RuntimeFractionalPercent);
        f->default_value = pb_fraction(a, m->percentage.has ? m->percentage.value : 100.0);
        p->runtime_fraction = f;
        p->trace_sampled = pb_bool(a, 0);
        tr_ref(b, XDS_CLUSTER, c, b->from);
        pvec_push(a, &ms, p);
    }
    PV_SET(act->request_mirror_policies, act->n_request_mirror_policies, &ms);
}

static RouteAction *route_action(struct tr_build *b, const struct virtual_service *vs,
                                 const struct http_route *hr, uint32_t port, struct header_edit *e)
{
    struct arena *a = b->a;
    RouteAction *act = NEW(a, RouteAction);
    route_destinations(b, vs, hr, port, act, e);
    const char *authority = e->authority;
    act->timeout = pb_ms(a, hr->timeout_ms > 0 ? hr->timeout_ms : 0);
    act->retry_policy = retry_policy(a, hr);
    /* consistent hashing wants the same host again: no previous_hosts */
    if (act->n_hash_policy > 0 && act->retry_policy != NULL)
        act->retry_policy->n_retry_host_predicate = 0;
    if (hr->has_rewrite) {
        const struct http_rewrite *rw = &hr->rewrite;
        /* Envoy takes one of prefix_rewrite and regex_rewrite: the regex wins */
        int regex = rw->uri_regex.kind == MATCH_REGEX && rw->uri_regex_rewrite != NULL;
        if (rw->uri != NULL && !regex)
            act->prefix_rewrite = (char *)rw->uri;
        if (regex) {
            RegexSubst *s = NEW(a, RegexSubst);
            s->pattern = NEW(a, RegexMatcher);
            s->pattern->regex = (char *)rw->uri_regex.value;
            s->substitution = (char *)rw->uri_regex_rewrite;
            act->regex_rewrite = s;
        }
        if (rw->authority != NULL)
            authority = rw->authority;
    }
    if (authority != NULL) {
        act->host_rewrite_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HOST_REWRITE_SPECIFIER_HOST_REWRITE_LITERAL;
        act->host_rewrite_literal = (char *)authority;
    }
    mirrors(b, vs, hr, port, act);
    return act;
}

static Decorator *decorator(struct tr_build *b, const struct virtual_service *vs,
                            const struct http_route *hr, const struct http_match *m, uint32_t port)
{
    Decorator *d = NEW(b->a, Decorator);
    const char *path = "/*";
    if (m != NULL && m->uri.kind == MATCH_EXACT)
        path = m->uri.value;
    if (hr->n_route == 1) {
        const struct destination *dst = &hr->route[0].destination;
        const char *host = host_fqdn(b->a, dst->host, vs->meta.namespace);
        const struct tr_svc *svc = tr_find_svc(b, host);
        uint32_t p = dst->port                      ? dst->port
                     : svc && svc->se->n_ports == 1 ? svc->se->ports[0].number
                                                    : port;
        d->operation = arena_cat(b->a, host, ":", ar_u32(b->a, p), path, NULL);
    } else {
        d->operation = arena_cat(b->a, vs->meta.name, ":", ar_u32(b->a, port), path, NULL);
    }
    return d;
}

static Route *translate_route(struct tr_build *b, const struct virtual_service *vs,
                              const struct http_route *hr, const struct http_match *m,
                              uint32_t port)
{
    struct arena *a = b->a;
    Route *r = NEW(a, Route);
    if (hr->name && m && m->name)
        r->name = arena_printf(a, "%s.%s", hr->name, m->name);
    else if (hr->name)
        r->name = (char *)hr->name;
    r->match = route_match(a, m);
    pb_meta_str(a, &r->metadata, "istio", "config",
                arena_cat(a, "/apis/networking.istio.io/v1alpha3/namespaces/", vs->meta.namespace,
                          "/virtual-service/", vs->meta.name, NULL));
    struct header_edit e = {0};
    header_edit(a, &hr->headers, &e);
    if (hr->has_redirect) {
        r->action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_REDIRECT;
        r->redirect = redirect(a, &hr->redirect);
    } else if (hr->has_direct_response) {
        r->action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_DIRECT_RESPONSE;
        r->direct_response = direct_response(a, &hr->direct_response);
    } else {
        r->action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_ROUTE;
        r->route = route_action(b, vs, hr, port, &e);
        r->decorator = decorator(b, vs, hr, m, port);
    }
    set_headers(a, &e, &r->n_request_headers_to_add, &r->request_headers_to_add,
                &r->n_response_headers_to_add, &r->response_headers_to_add,
                &r->n_request_headers_to_remove, &r->request_headers_to_remove,
                &r->n_response_headers_to_remove, &r->response_headers_to_remove);
    if (hr->has_fault)
        per_filter(a, r, "envoy.filters.http.fault", fault(a, &hr->fault));
    if (hr->has_cors)
        per_filter(a, r, "envoy.filters.http.cors", cors(a, &hr->cors));
    return r;
}

int tr_vs_routes(struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                 const char *gw_ns, const char *gw_name, struct pvec *out)
{
    tr_seam_read_vs(b, vs);
    for (size_t i = 0; i < vs->n_http; i++) {
        const struct http_route *hr = &vs->http[i];
        if (hr->n_match == 0) {
            pvec_push(b->a, out, translate_route(b, vs, hr, NULL, port));
            return 1; /* a rule without match catches all: later rules are dead */
        }
        for (size_t k = 0; k < hr->n_match; k++) {
            const struct http_match *m = &hr->match[k];
            if (!match_applies(b, vs, port, m->gateways, m->n_gateways, m->port, &m->source_labels,
                               m->source_namespace, gw_ns, gw_name))
                continue;
            pvec_push(b->a, out, translate_route(b, vs, hr, m, port));
            if (is_catch_all(m))
                return 1;
        }
    }
    return 0;
}

int tr_vs_routes_none(const struct tr_build *b, const struct virtual_service *vs, uint32_t port,
                      const char *gw_ns, const char *gw_name)
{
    for (size_t i = 0; i < vs->n_http; i++) {
        const struct http_route *hr = &vs->http[i];
        if (hr->n_match == 0)
            return 0;
        for (size_t k = 0; k < hr->n_match; k++) {
            const struct http_match *m = &hr->match[k];
            if (match_applies(b, vs, port, m->gateways, m->n_gateways, m->port, &m->source_labels,
                              m->source_namespace, gw_ns, gw_name))
                return 0;
        }
    }
    return 1;
}

Route *tr_default_route(struct tr_build *b, const char *cluster, const char *host, uint32_t port)
{
    struct arena *a = b->a;
    Route *r = NEW(a, Route);
    r->name = "default";
    r->match = route_match(a, NULL);
    RouteAction *act = NEW(a, RouteAction);
    act->cluster_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_CLUSTER;
    act->cluster = (char *)cluster;
    act->timeout = pb_ms(a, 0);
    if (host != NULL) {
        static const struct http_route none = {.timeout_ms = -1};
        act->retry_policy = retry_policy(a, &none);
        const struct destination d = {.host = host, .port = port};
        HashPolicy *hp = hash_policy(b, &d, "", port);
        if (hp != NULL) {
            act->n_hash_policy = 1;
            act->hash_policy = arena_alloc(a, sizeof(*act->hash_policy));
            act->hash_policy[0] = hp;
            act->retry_policy->n_retry_host_predicate = 0;
        }
        r->decorator = NEW(a, Decorator);
        r->decorator->operation = arena_cat(a, host, ":", ar_u32(a, port), "/*", NULL);
    }
    r->action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_ROUTE;
    r->route = act;
    tr_ref(b, XDS_CLUSTER, cluster, b->from);
    return r;
}
