/* t_translate_rules.c - table tests, one translation rule at a time. */
#include "translate_fixture.h"
#include "unit.h"

#define SVC_HOST "reviews.default.svc.cluster.local"

/* A STATIC mesh service "reviews" on port 9080 (http) with two endpoints. */
static struct fx *one_service(enum istio_protocol proto)
{
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "reviews", "default", SVC_HOST, RESOLUTION_STATIC, LOCATION_MESH_INTERNAL);
    fx_se_port(se, 9080, "http", proto, 0);
    fx_se_endpoint(f, se, "10.1.0.1", "version=v1", "bookinfo-reviews");
    fx_se_endpoint(f, se, "10.1.0.2", "version=v2", "bookinfo-reviews");
    return f;
}

static struct http_route *vs_rule(struct fx *f)
{
    struct virtual_service *vs = fx_vs(f, "reviews", "default", "reviews", NULL);
    return fx_http(f, vs);
}

static VirtualHost *sidecar_vhost(struct fx *f, struct xds_view **vout)
{
    struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, NULL);
    if (vout)
        *vout = v;
    return fx_vhost(fx_routes(f, v, "9080"), SVC_HOST ":9080");
}

TEST(translate_uri_match_kinds)
{
    static const struct {
        enum string_match_kind kind;
        int want_case;
    } cases[] = {
        {MATCH_EXACT, ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH},
        {MATCH_PREFIX, ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX},
        {MATCH_REGEX, ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_SAFE_REGEX},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fx *f = one_service(PROTO_HTTP);
        struct http_route *r = vs_rule(f);
        struct http_match *m = fx_http_match(f, r, 0, NULL);
        m->uri.kind = cases[i].kind;
        m->uri.value = "/api";
        m->ignore_uri_case = 1;
        fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
        VirtualHost *vh = sidecar_vhost(f, NULL);
        CHECK(vh != NULL && vh->n_routes == 1);
        if (vh != NULL && vh->n_routes == 1) {
            RouteMatch *rm = vh->routes[0]->match;
            CHECK_INT(rm->path_specifier_case, cases[i].want_case);
            CHECK(rm->case_sensitive != NULL && !rm->case_sensitive->value);
            CHECK_STR(fx_route_cluster(vh, 0), "outbound|9080||" SVC_HOST);
        }
        fx_free(f);
    }
}

TEST(translate_header_query_method_matches)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct http_route *r = vs_rule(f);
    struct http_match *m = fx_http_match(f, r, 0, NULL);
    m->headers[m->n_headers++] = (struct named_match){"x-user", {MATCH_EXACT, "jason"}};
    m->headers[m->n_headers++] = (struct named_match){"a-present", {MATCH_NONE, NULL}};
    m->without_headers[m->n_without_headers++] =
        (struct named_match){"x-skip", {MATCH_PREFIX, "y"}};
    m->query_params[m->n_query_params++] = (struct named_match){"q", {MATCH_REGEX, "a.*"}};
    m->method = (struct string_match){MATCH_EXACT, "GET"};
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
    /* a second rule: the first was not a catch-all, so it survives */
    r = fx_http(f, &f->vs[0]);
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
    VirtualHost *vh = sidecar_vhost(f, NULL);
    CHECK(vh != NULL && vh->n_routes == 2);
    if (vh == NULL || vh->n_routes != 2) {
        fx_free(f);
        return;
    }
    RouteMatch *rm = vh->routes[0]->match;
    CHECK_INT(rm->n_headers, 4);
    /* sorted by name: :method, a-present, x-skip, x-user */
    CHECK_STR(rm->headers[0]->name, ":method");
    CHECK_STR(rm->headers[1]->name, "a-present");
    CHECK(rm->headers[1]->present_match);
    CHECK_STR(rm->headers[2]->name, "x-skip");
    CHECK(rm->headers[2]->invert_match);
    CHECK_STR(rm->headers[2]->string_match->prefix, "y");
    CHECK_STR(rm->headers[3]->string_match->exact, "jason");
    CHECK_INT(rm->n_query_parameters, 1);
    CHECK_STR(rm->query_parameters[0]->string_match->safe_regex->regex, "a.*");
    CHECK_STR(vh->routes[1]->match->prefix, "/");
    fx_free(f);
}

TEST(translate_catch_all_ends_rules_and_static_filters)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct virtual_service *vs = fx_vs(f, "reviews", "default", "reviews", NULL);
    struct http_route *r = fx_http(f, vs);
    fx_http_match(f, r, 8000, NULL); /* other port: dropped */
    fx_dest(r->route, &r->n_route, "reviews", "v9", 0, -1);
    r = fx_http(f, vs);
    struct http_match *m = fx_http_match(f, r, 0, NULL);
    m->source_labels = fx_labels(f, "app=other"); /* not this proxy: dropped */
    fx_dest(r->route, &r->n_route, "reviews", "v8", 0, -1);
    r = fx_http(f, vs);
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1); /* catch-all */
    r = fx_http(f, vs);
    fx_dest(r->route, &r->n_route, "reviews", "never", 0, -1);
    VirtualHost *vh = sidecar_vhost(f, NULL);
    CHECK(vh != NULL && vh->n_routes == 1);
    CHECK_STR(fx_route_cluster(vh, 0), "outbound|9080||" SVC_HOST);
    fx_free(f);
}

TEST(translate_weights_make_weighted_clusters)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    fx_subset(f, d, "v1", "version=v1");
    fx_subset(f, d, "v2", "version=v2");
    struct http_route *r = vs_rule(f);
    fx_dest(r->route, &r->n_route, "reviews", "v1", 0, 75);
    fx_dest(r->route, &r->n_route, "reviews", "v2", 0, 25);
    fx_dest(r->route, &r->n_route, "reviews", "v3", 0, 0); /* weight 0: dropped */
    struct xds_view *v;
    VirtualHost *vh = sidecar_vhost(f, &v);
    CHECK(vh != NULL && vh->n_routes == 1);
    if (vh != NULL && vh->n_routes == 1) {
        RouteAction *act = vh->routes[0]->route;
        CHECK(act->weighted_clusters != NULL && act->weighted_clusters->n_clusters == 2);
        CHECK_STR(act->weighted_clusters->clusters[0]->name, "outbound|9080|v1|" SVC_HOST);
        CHECK_INT(act->weighted_clusters->clusters[0]->weight->value, 75);
        CHECK_INT(act->weighted_clusters->clusters[1]->weight->value, 25);
        CHECK_STR(vh->routes[0]->decorator->operation, "reviews:9080/*");
    }
    /* subset endpoints are filtered by the subset's labels */
    CLA *e = fx_cla(f, v, "outbound|9080|v2|" SVC_HOST);
    CHECK(e != NULL && e->n_endpoints == 1 && e->endpoints[0]->n_lb_endpoints == 1);
    if (e != NULL && e->n_endpoints == 1)
        CHECK_STR(e->endpoints[0]->lb_endpoints[0]->endpoint->address->socket_address->address,
                  "10.1.0.2");
    CHECK(fx_cla(f, v, "outbound|9080||" SVC_HOST)->endpoints[0]->n_lb_endpoints == 2);
    fx_free(f);
}

TEST(translate_actions)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct virtual_service *vs = fx_vs(f, "reviews", "default", "reviews", NULL);
    struct http_route *r = fx_http(f, vs); /* redirect */
    struct http_match *m = fx_http_match(f, r, 0, NULL);
    m->uri = (struct string_match){MATCH_EXACT, "/old"};
    r->has_redirect = 1;
    r->redirect = (struct http_redirect){.uri = "/new", .authority = "b.com", .redirect_code = 302};
    r = fx_http(f, vs); /* direct response */
    m = fx_http_match(f, r, 0, NULL);
    m->uri = (struct string_match){MATCH_EXACT, "/teapot"};
    r->has_direct_response = 1;
    r->direct_response = (struct http_direct_response){418, "short and stout", NULL};
    r = fx_http(f, vs); /* rewrite, timeout, retries, fault, mirror, headers, cors */
    m = fx_http_match(f, r, 0, NULL);
    m->uri = (struct string_match){MATCH_PREFIX, "/api"};
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
    r->has_rewrite = 1;
    r->rewrite.uri = "/v2";
    r->rewrite.authority = "internal";
    r->timeout_ms = 1500;
    r->has_retries = 1;
    r->retries = (struct http_retry){3, 500, "5xx,503", 0, 0};
    r->has_fault = 1;
    r->fault.has_abort = 1;
    r->fault.abort_http_status = 503;
    r->fault.abort_percentage = (struct percent){1, 12.5};
    r->mirrors[r->n_mirrors++] = (struct http_mirror){{.host = "reviews"}, {1, 50.0}};
    r->headers.request.set = fx_labels(f, "x-a=1");
    r->headers.response.add = fx_labels(f, "x-b=2");
    r->has_cors = 1;
    r->cors.max_age_ms = 60000;
    r->cors.allow_credentials = -1;
    r = fx_http(f, vs); /* retries off */
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
    r->has_retries = 1;
    r->retries = (struct http_retry){0, -1, NULL, 0, 0};
    VirtualHost *vh = sidecar_vhost(f, NULL);
    CHECK(vh != NULL && vh->n_routes == 4);
    if (vh == NULL || vh->n_routes != 4) {
        fx_free(f);
        return;
    }
    RedirectAction *rd = vh->routes[0]->redirect;
    CHECK(rd != NULL && strcmp(rd->path_redirect, "/new") == 0);
    CHECK(rd != NULL && strcmp(rd->host_redirect, "b.com") == 0);
    CHECK(rd != NULL &&
          rd->response_code ==
              ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__FOUND);
    DirectResponse *dr = vh->routes[1]->direct_response;
    CHECK(dr != NULL && dr->status == 418 &&
          strcmp(dr->body->inline_string, "short and stout") == 0);
    Route *rt = vh->routes[2];
    RouteAction *act = rt->route;
    CHECK_STR(act->prefix_rewrite, "/v2");
    CHECK_STR(act->host_rewrite_literal, "internal");
    CHECK(act->timeout->seconds == 1 && act->timeout->nanos == 500000000);
    CHECK_INT(act->retry_policy->num_retries->value, 3);
    CHECK_STR(act->retry_policy->retry_on, "5xx,retriable-status-codes");
    CHECK(act->retry_policy->n_retriable_status_codes == 1 &&
          act->retry_policy->retriable_status_codes[0] == 503);
    CHECK(act->retry_policy->per_try_timeout->nanos == 500000000);
    CHECK(act->n_request_mirror_policies == 1 &&
          act->request_mirror_policies[0]->runtime_fraction->default_value->numerator == 500000);
    CHECK(
        rt->n_request_headers_to_add == 1 &&
        rt->request_headers_to_add[0]->append_action ==
            ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__OVERWRITE_IF_EXISTS_OR_ADD);
    CHECK(rt->n_response_headers_to_add == 1);
    CHECK_INT(rt->n_typed_per_filter_config, 2);
    FaultFilter *fault = fx_any(f, rt->typed_per_filter_config[0]->value, &FaultFilter_desc);
    CHECK_STR(rt->typed_per_filter_config[0]->key, "envoy.filters.http.fault");
    CHECK(fault != NULL && fault->abort->http_status == 503 &&
          fault->abort->percentage->numerator == 125000);
    CorsPolicy *cors = fx_any(f, rt->typed_per_filter_config[1]->value, &CorsPolicy_desc);
    CHECK(cors != NULL && strcmp(cors->max_age, "60") == 0);
    CHECK(vh->routes[3]->route->retry_policy == NULL);
    fx_free(f);
}

TEST(translate_unknown_destination_goes_to_black_hole)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct http_route *r = vs_rule(f);
    fx_dest(r->route, &r->n_route, "reviews", "nosuchsubset", 0, -1);
    VirtualHost *vh = sidecar_vhost(f, NULL);
    CHECK_STR(fx_route_cluster(vh, 0), "BlackHoleCluster");
    fx_free(f);
}

/* type DNS_STRICT/DNS_LOGICAL: cluster_type envoy.cluster.dns, the DnsCluster
 * strict or logical (all_addresses_in_single_endpoint) */
#define DNS_STRICT (-1)
#define DNS_LOGICAL (-2)

TEST(translate_resolution_types)
{
    static const struct {
        enum se_resolution res;
        int router;
        int type;
    } cases[] = {
        {RESOLUTION_DNS, 0, DNS_STRICT},
        {RESOLUTION_DNS_ROUND_ROBIN, 0, DNS_LOGICAL},
        {RESOLUTION_DNS, 1, DNS_STRICT},
        {RESOLUTION_DNS_ROUND_ROBIN, 1, DNS_LOGICAL},
        {RESOLUTION_STATIC, 0, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS},
        {RESOLUTION_NONE, 0, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST},
        {RESOLUTION_NONE, 1, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fx *f = fx_new();
        struct service_entry *se =
            fx_se(f, "db", "default", "db.example.com", cases[i].res, LOCATION_MESH_EXTERNAL);
        fx_se_port(se, 5432, "tcp", PROTO_TCP, 6432);
        if (cases[i].res == RESOLUTION_STATIC)
            fx_se_endpoint(f, se, "192.168.0.7", NULL, NULL);
        struct xds_view *v = fx_build(f, cases[i].router ? EGW_ID : SLEEP_ID, NULL, NULL, NULL);
        Cluster *c = fx_cluster(f, v, "outbound|5432||db.example.com");
        CHECK(c != NULL);
        if (c == NULL) {
            fx_free(f);
            continue;
        }
        if (cases[i].type < 0) {
            DnsCluster *d = fx_dns_cluster(f, c);
            CHECK(d != NULL);
            CHECK(d != NULL &&
                  d->all_addresses_in_single_endpoint == (cases[i].type == DNS_LOGICAL));
        } else {
            CHECK_INT(c->cluster_discovery_type_case,
                      ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE);
            CHECK_INT(c->type, cases[i].type);
        }
        if (cases[i].res == RESOLUTION_DNS) /* targetPort honoured */
            CHECK_INT(c->load_assignment->endpoints[0]
                          ->lb_endpoints[0]
                          ->endpoint->address->socket_address->port_value,
                      6432);
        if (cases[i].res == RESOLUTION_NONE && !cases[i].router) {
            CHECK_INT(c->lb_policy,
                      ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__CLUSTER_PROVIDED);
            CHECK_INT(c->original_dst_lb_config->upstream_port_override->value, 6432);
        }
        if (cases[i].res == RESOLUTION_STATIC)
            CHECK_INT(fx_cla(f, v, "outbound|5432||db.example.com")
                          ->endpoints[0]
                          ->lb_endpoints[0]
                          ->endpoint->address->socket_address->port_value,
                      6432);
        fx_free(f);
    }
}

/* A top-level field's presence in packed bytes, by a walk of the wire format. */
static int wire_has_field(const uint8_t *p, size_t len, uint32_t number)
{
    size_t i = 0;
    while (i < len) {
        uint64_t key = 0, n = 0;
        for (int shift = 0; i < len && shift < 64; shift += 7) {
            key |= (uint64_t)(p[i] & 0x7f) << shift;
            if (!(p[i++] & 0x80))
                break;
        }
        if (key >> 3 == number)
            return 1;
        switch (key & 7) {
        case 0: /* varint */
            while (i < len && (p[i++] & 0x80))
                ;
            break;
        case 1: /* fixed64 */
            i += 8;
            break;
        case 2: /* length-delimited */
            for (int shift = 0; i < len && shift < 64; shift += 7) {
                n |= (uint64_t)(p[i] & 0x7f) << shift;
                if (!(p[i++] & 0x80))
                    break;
            }
            i += n;
            break;
        case 5: /* fixed32 */
            i += 4;
            break;
        default:
            return -1; /* not a message we could have packed */
        }
    }
    return 0;
}

/* Envoy 1.40 logs a deprecation warning for each of these Cluster fields it
 * is sent (numbers from its cluster.proto): none may ever be on the wire.
 * A DNS service is a DnsCluster cluster_type: the refresh rate, TTL and
 * lookup family as before, strict or logical. */
TEST(translate_dns_cluster_has_no_deprecated_field)
{
    static const struct {
        uint32_t number;
        const char *name;
    } deprecated[] = {
        {9, "max_requests_per_connection"},
        {13, "http_protocol_options"},
        {14, "http2_protocol_options"},
        {16, "dns_refresh_rate"},
        {18, "dns_resolvers"},
        {26, "protocol_selection"},
        {29, "common_http_protocol_options"},
        {39, "respect_dns_ttl"},
        {44, "dns_failure_refresh_rate"},
        {45, "use_tcp_for_dns_lookups"},
        {46, "upstream_http_protocol_options"},
        {47, "track_timeout_budgets"},
        {53, "dns_resolution_config"},
        {58, "dns_jitter"},
    };
    struct fx *f = fx_new();
    struct service_entry *strict =
        fx_se(f, "cnn", "default", "edition.cnn.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(strict, 443, "https", PROTO_HTTPS, 0);
    struct service_entry *logical = fx_se(f, "db", "default", "db.example.com",
                                          RESOLUTION_DNS_ROUND_ROBIN, LOCATION_MESH_EXTERNAL);
    fx_se_port(logical, 5432, "tcp", PROTO_TCP, 0);
    fx_se_endpoint(f, logical, "db1.example.com", NULL, NULL);
    fx_se_endpoint(f, logical, "db2.example.com", NULL, NULL);
    const char *ids[] = {SLEEP_ID, EGW_ID};
    for (size_t k = 0; k < ARRAY_LEN(ids); k++) {
        struct xds_view *v = fx_build(f, ids[k], NULL, NULL, NULL);
        CHECK(v != NULL);
        const struct xds_resource *r = xds_view_items(v, XDS_CLUSTER);
        for (size_t i = 0; i < xds_view_count(v, XDS_CLUSTER); i++) {
            /* the walk finds connect_timeout, which every cluster has */
            CHECK(wire_has_field(r[i].bytes, r[i].len, 4) == 1);
            for (size_t d = 0; d < ARRAY_LEN(deprecated); d++)
                if (wire_has_field(r[i].bytes, r[i].len, deprecated[d].number) != 0) {
                    char m[256];
                    snprintf(m, sizeof(m), "cluster '%s' carries deprecated field %s (%u)",
                             r[i].name, deprecated[d].name, deprecated[d].number);
                    unit_fail(__FILE__, __LINE__, m);
                }
        }
        const struct xds_resource *cnn =
            xds_view_find(v, XDS_CLUSTER, "outbound|443||edition.cnn.com");
        CHECK(cnn != NULL && wire_has_field(cnn->bytes, cnn->len, 38) == 1 && /* cluster_type */
              wire_has_field(cnn->bytes, cnn->len, 33) == 1 &&                /* load_assignment */
              wire_has_field(cnn->bytes, cnn->len, 2) == 0);                  /* no type */
        Cluster *c = fx_cluster(f, v, "outbound|443||edition.cnn.com");
        CHECK(c != NULL && c->base.n_unknown_fields == 0);
        CHECK(c != NULL && c->dns_lookup_family == 0); /* the DnsCluster's counts */
        CHECK(c != NULL && c->cluster_type != NULL &&
              strcmp(c->cluster_type->name, "envoy.cluster.dns") == 0 &&
              strcmp(c->cluster_type->typed_config->type_url,
                     "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster") == 0);
        DnsCluster *dc = fx_dns_cluster(f, c);
        CHECK(dc != NULL && dc->base.n_unknown_fields == 0);
        CHECK(dc != NULL && dc->dns_refresh_rate != NULL && dc->dns_refresh_rate->seconds == 60 &&
              dc->dns_refresh_rate->nanos == 0);
        CHECK(dc != NULL && dc->respect_dns_ttl);
        CHECK(dc != NULL &&
              dc->dns_lookup_family ==
                  ENVOY__EXTENSIONS__CLUSTERS__COMMON__DNS__V3__DNS_LOOKUP_FAMILY__V4_ONLY);
        CHECK(dc != NULL && !dc->all_addresses_in_single_endpoint);
        CHECK(c != NULL && c->load_assignment != NULL && c->load_assignment->n_endpoints == 1);
        /* DNS_ROUND_ROBIN: logical DNS, one endpoint of the two */
        c = fx_cluster(f, v, "outbound|5432||db.example.com");
        dc = fx_dns_cluster(f, c);
        CHECK(dc != NULL && dc->all_addresses_in_single_endpoint && dc->respect_dns_ttl &&
              dc->dns_refresh_rate != NULL && dc->dns_refresh_rate->seconds == 60);
        CHECK(c != NULL && c->load_assignment->n_endpoints == 1 &&
              c->load_assignment->endpoints[0]->n_lb_endpoints == 1);
        CHECK(fx_cla(f, v, "outbound|443||edition.cnn.com") == NULL); /* no EDS */
    }
    fx_free(f);
}

TEST(translate_port_level_settings_replace_the_policy)
{
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "api", "default", "api.example.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(se, 80, "http", PROTO_HTTP, 0);
    fx_se_port(se, 443, "https", PROTO_HTTPS, 0);
    struct destination_rule *d = fx_dr(f, "api", "default", "api.example.com");
    struct traffic_policy *tp = &d->traffic_policy;
    tp->has = 1;
    tp->load_balancer = (struct load_balancer){.has = 1, .simple = LB_RANDOM};
    tp->connection_pool =
        (struct connection_pool){.has = 1, .max_connections = 7, .connect_timeout_ms = 2500};
    tp->outlier_detection = (struct outlier_detection){.has = 1,
                                                       .consecutive_errors = -1,
                                                       .consecutive_5xx_errors = 5,
                                                       .interval_ms = 10000,
                                                       .base_ejection_time_ms = 30000,
                                                       .max_ejection_percent = 50};
    struct port_traffic_policy *p = fx_port_policy(f, tp, 443);
    fx_tls(&p->tls, CLIENT_TLS_SIMPLE, "api.example.com");
    p->tls.ca_certificates = "/etc/ssl/ca.pem";
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    Cluster *c80 = fx_cluster(f, v, "outbound|80||api.example.com");
    CHECK(c80 != NULL && c80->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RANDOM);
    CHECK(c80 != NULL && c80->circuit_breakers->thresholds[0]->max_connections->value == 7);
    CHECK(c80 != NULL && c80->connect_timeout->seconds == 2 &&
          c80->connect_timeout->nanos == 500000000);
    CHECK(c80 != NULL && c80->outlier_detection != NULL &&
          c80->outlier_detection->consecutive_5xx->value == 5 &&
          c80->outlier_detection->enforcing_consecutive_5xx->value == 100);
    CHECK(c80 != NULL && c80->transport_socket == NULL);
    Cluster *c443 = fx_cluster(f, v, "outbound|443||api.example.com");
    /* nothing inherited: default LB, pool and no outlier detection */
    CHECK(c443 != NULL &&
          c443->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST);
    CHECK(c443 != NULL &&
          c443->circuit_breakers->thresholds[0]->max_connections->value == 4294967295u);
    CHECK(c443 != NULL && c443->outlier_detection == NULL);
    CHECK(c443 != NULL && c443->connect_timeout->seconds == 10);
    UpstreamTlsContext *u = fx_upstream_tls(f, c443);
    CHECK(u != NULL && strcmp(u->sni, "api.example.com") == 0);
    CHECK(u != NULL && u->common_tls_context->validation_context != NULL &&
          strcmp(u->common_tls_context->validation_context->trusted_ca->filename,
                 "/etc/ssl/ca.pem") == 0);
    fx_free(f);
}

TEST(translate_tls_modes)
{
    struct fx *f = one_service(PROTO_HTTP2);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    struct subset *s1 = fx_subset(f, d, "mutual", "version=v1");
    fx_tls(&s1->traffic_policy.tls, CLIENT_TLS_MUTUAL, NULL);
    s1->traffic_policy.has = 1;
    s1->traffic_policy.tls.client_certificate = "/c.pem";
    s1->traffic_policy.tls.private_key = "/k.pem";
    struct subset *s2 = fx_subset(f, d, "mesh", "version=v2");
    s2->traffic_policy.has = 1;
    fx_tls(&s2->traffic_policy.tls, CLIENT_TLS_ISTIO_MUTUAL, NULL);
    struct subset *s3 = fx_subset(f, d, "plain", NULL);
    s3->traffic_policy.has = 1;
    fx_tls(&s3->traffic_policy.tls, CLIENT_TLS_DISABLE, NULL);
    f->o.mesh_certs = "/var/mesh";
    f->o.trust_domain = "example.org";
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    UpstreamTlsContext *m = fx_upstream_tls(f, fx_cluster(f, v, "outbound|9080|mutual|" SVC_HOST));
    CHECK(m != NULL && strcmp(m->sni, SVC_HOST) == 0);
    CHECK(m != NULL && m->common_tls_context->n_tls_certificates == 1 &&
          strcmp(m->common_tls_context->tls_certificates[0]->certificate_chain->filename,
                 "/c.pem") == 0);
    UpstreamTlsContext *i = fx_upstream_tls(f, fx_cluster(f, v, "outbound|9080|mesh|" SVC_HOST));
    CHECK(i != NULL && strcmp(i->sni, "outbound_.9080_.mesh_." SVC_HOST) == 0);
    CHECK(i != NULL && strcmp(i->common_tls_context->tls_certificates[0]->private_key->filename,
                              "/var/mesh/key.pem") == 0);
    CHECK(i != NULL &&
          strcmp(i->common_tls_context->validation_context->match_typed_subject_alt_names[0]
                     ->matcher->exact,
                 "spiffe://example.org/ns/default/sa/bookinfo-reviews") == 0);
    CHECK(i != NULL && i->common_tls_context->n_alpn_protocols == 2); /* istio, h2 */
    CHECK(fx_cluster(f, v, "outbound|9080|plain|" SVC_HOST)->transport_socket == NULL);
    fx_free(f);
}

TEST(translate_registry_only)
{
    struct fx *f = one_service(PROTO_HTTP);
    f->o.outbound_policy = OUTBOUND_REGISTRY_ONLY;
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    RouteConfiguration *rc = fx_routes(f, v, "9080");
    VirtualHost *b = fx_vhost(rc, "block_all");
    CHECK(b != NULL && b->routes[0]->direct_response->status == 502);
    CHECK(fx_vhost(rc, "allow_any") == NULL);
    Listener *vo = fx_listener(f, v, "virtualOutbound");
    CHECK_STR(fx_chain_tcp(f, vo->filter_chains[1])->cluster, "BlackHoleCluster");
    Listener *l = fx_listener(f, v, "0.0.0.0_9080");
    CHECK_STR(fx_chain_tcp(f, l->default_filter_chain)->cluster, "BlackHoleCluster");
    CHECK(fx_cluster(f, v, "PassthroughCluster") != NULL);
    fx_free(f);
}

TEST(translate_gateway_port_mapping)
{
    /* without the gateway's own service the server port is bound as is */
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "a", "default", "a.example.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(se, 80, "http", PROTO_HTTP, 0);
    struct gateway *g = fx_gw(f, "gw", "default", "istio=egressgateway");
    fx_gw_server(f, g, 80, "http", PROTO_HTTP, "*");
    struct xds_view *v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
    CHECK(fx_listener(f, v, "0.0.0.0_80") != NULL);
    /* no VirtualService: a blackhole vhost, Envoy answers 404 */
    RouteConfiguration *rc = fx_routes(f, v, "http.80");
    CHECK(fx_vhost(rc, "blackhole:80") != NULL);
    /* with it (matched by endpoint labels), the targetPort */
    struct service_entry *own =
        fx_se(f, "gw-svc", "istio-system", "gw.istio-system.svc.cluster.local", RESOLUTION_STATIC,
              LOCATION_MESH_INTERNAL);
    fx_se_port(own, 80, "http2", PROTO_HTTP2, 8080);
    fx_se_endpoint(f, own, "10.9.9.9", "istio=egressgateway", NULL);
    v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
    CHECK(fx_listener(f, v, "0.0.0.0_80") == NULL);
    CHECK(fx_listener(f, v, "0.0.0.0_8080") != NULL);
    CHECK(fx_routes(f, v, "http.8080") != NULL);
    /* a router no Gateway selects: valid, without listeners */
    v = fx_build(f, EGW_ID, "istio=ingressgateway", NULL, NULL);
    CHECK(v != NULL && xds_view_count(v, XDS_LISTENER) == 0);
    CHECK(v != NULL && xds_view_count(v, XDS_CLUSTER) > 0);
    fx_free(f);
}

TEST(translate_class_keys)
{
    struct fx *f = fx_new();
    fx_gw(f, "gw", "default", "istio=egressgateway");
    struct proxy_identity a, b, c;
    struct config_labels la = fx_labels(f, "app=a"), lb = fx_labels(f, "app=b");
    proxy_identity_init(&a, "sidecar~1.1.1.1~a-1.default~default.svc.cluster.local", NULL, NULL,
                        la.items, la.n, NULL);
    proxy_identity_init(&b, "sidecar~1.1.1.2~b-1.default~default.svc.cluster.local", NULL, NULL,
                        lb.items, lb.n, NULL);
    proxy_identity_init(&c, EGW_ID, NULL, NULL, fx_labels(f, EGW_LABELS).items, 2, NULL);
    char *ka = translate_class_key(&f->m, &a), *kb = translate_class_key(&f->m, &b);
    char *kc = translate_class_key(&f->m, &c);
    CHECK_STR(ka, kb); /* labels nobody looks at do not split classes */
    CHECK(strstr(kc, "default/gw") != NULL);
    CHECK(strcmp(ka, kc) != 0);
    free(ka);
    free(kb);
    free(kc);
    /* once a sourceLabels match reads "app", it does */
    struct virtual_service *vs = fx_vs(f, "r", "default", "reviews", NULL);
    fx_http_match(f, fx_http(f, vs), 0, NULL)->source_labels = fx_labels(f, "app=a");
    vs->has_source_labels = 1; /* as the decoder marks it */
    ka = translate_class_key(&f->m, &a);
    kb = translate_class_key(&f->m, &b);
    CHECK(strcmp(ka, kb) != 0 && strstr(ka, "|app=a") != NULL);
    free(ka);
    free(kb);
    proxy_identity_release(&a);
    proxy_identity_release(&b);
    proxy_identity_release(&c);
    fx_free(f);
}

TEST(translate_consistency_check_names_the_violation)
{
    struct fx *f = fx_new();
    struct tr_build b = {.a = f->a, .view = xds_view_new()};
    tr_build_init_maps(&b);
    Cluster *c = NEW(f->a, Cluster);
    c->name = "x";
    tr_emit(&b, XDS_CLUSTER, "x", c);
    tr_ref(&b, XDS_ROUTE, "80", "listener '0.0.0.0_80'");
    CHECK(tr_check(&b) == -1);
    CHECK(b.err != NULL && strstr(b.err, "listener '0.0.0.0_80'") != NULL &&
          strstr(b.err, "'80'") != NULL);
    free(b.err);
    b.err = NULL;
    tr_emit(&b, XDS_CLUSTER, "x", c);
    CHECK(b.err != NULL && strstr(b.err, "duplicate cds resource 'x'") != NULL);
    free(b.err);
    xds_view_free(b.view);
    fx_free(f);
}

TEST(translate_proxyless_grpc)
{
    struct fx *f = one_service(PROTO_GRPC);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    d->traffic_policy.has = 1;
    fx_tls(&d->traffic_policy.tls, CLIENT_TLS_ISTIO_MUTUAL, NULL);
    struct http_route *r = vs_rule(f);
    fx_dest(r->route, &r->n_route, "reviews", NULL, 0, -1);
    r->timeout_ms = 2000;
    r->has_cors = 1; /* gRPC has no CORS filter: its per-route config is left out */
    r->cors.max_age_ms = -1;
    r->cors.allow_credentials = -1;
    r->has_fault = 1;
    r->fault.has_delay = 1;
    r->fault.delay_fixed_ms = 100;
    r->fault.delay_percent = -1;
    struct service_entry *dns =
        fx_se(f, "ext", "default", "ext.example.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(dns, 443, "https", PROTO_HTTPS, 0);
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, "grpc", NULL);
    CHECK(v != NULL);
    const char *names[] = {SVC_HOST ":9080", "reviews:9080", "reviews.default:9080",
                           "reviews.default.svc:9080"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        Listener *l = fx_listener(f, v, names[i]);
        CHECK(l != NULL && l->api_listener != NULL);
        if (l == NULL || l->api_listener == NULL)
            continue;
        Hcm *h = fx_any(f, l->api_listener->api_listener, &Hcm_desc);
        CHECK(h != NULL && strcmp(h->rds->route_config_name, "outbound|9080||" SVC_HOST) == 0);
        CHECK(h != NULL && h->n_http_filters == 2 &&
              strcmp(h->http_filters[1]->name, "envoy.filters.http.router") == 0);
    }
    CHECK(xds_view_find(v, XDS_LISTENER, "virtualOutbound") == NULL);
    RouteConfiguration *rc = fx_routes(f, v, "outbound|9080||" SVC_HOST);
    CHECK(rc != NULL && !rc->ignore_port_in_host_matching);
    VirtualHost *vh = fx_vhost(rc, SVC_HOST ":9080");
    CHECK(fx_has_domain(vh, "reviews:9080"));
    CHECK(vh != NULL &&
          vh->routes[0]->route->max_stream_duration->max_stream_duration->seconds == 2);
    CHECK(vh != NULL && vh->routes[0]->n_typed_per_filter_config == 1 &&
          strcmp(vh->routes[0]->typed_per_filter_config[0]->key, "envoy.filters.http.fault") == 0);
    Cluster *c = fx_cluster(f, v, "outbound|9080||" SVC_HOST);
    CHECK(c != NULL && c->type == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS);
    CHECK(c != NULL && c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN);
    UpstreamTlsContext *u = fx_upstream_tls(f, c);
    CHECK(u != NULL &&
          strcmp(u->common_tls_context->tls_certificate_provider_instance->instance_name,
                 "default") == 0);
    CHECK(u != NULL && u->common_tls_context->combined_validation_context != NULL);
    CHECK(fx_cluster(f, v, "outbound|443||ext.example.com") == NULL); /* no DNS for gRPC */
    /* gRPC knows no cluster_type but the aggregate: every cluster has a type */
    const struct xds_resource *res = xds_view_items(v, XDS_CLUSTER);
    CHECK(xds_view_count(v, XDS_CLUSTER) == 2); /* reviews and BlackHoleCluster */
    for (size_t i = 0; i < xds_view_count(v, XDS_CLUSTER); i++) {
        Cluster *gc = fx_cluster(f, v, res[i].name);
        CHECK(gc != NULL &&
              gc->cluster_discovery_type_case ==
                  ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE &&
              gc->type == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS);
    }
    fx_free(f);
}

TEST(translate_consistent_hash)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    d->traffic_policy.has = 1;
    d->traffic_policy.load_balancer.has = 1;
    d->traffic_policy.load_balancer.has_consistent_hash = 1;
    d->traffic_policy.load_balancer.consistent_hash =
        (struct consistent_hash){.kind = HASH_HEADER, .header_name = "x-user"};
    struct xds_view *v;
    VirtualHost *vh = sidecar_vhost(f, &v); /* no VS: the default route hashes too */
    CHECK(vh != NULL && vh->n_routes == 1);
    if (vh != NULL && vh->n_routes == 1) {
        RouteAction *act = vh->routes[0]->route;
        CHECK(act->n_hash_policy == 1 &&
              strcmp(act->hash_policy[0]->header->header_name, "x-user") == 0);
        CHECK(act->retry_policy != NULL && act->retry_policy->n_retry_host_predicate == 0);
    }
    Cluster *c = fx_cluster(f, v, "outbound|9080||" SVC_HOST);
    CHECK(c != NULL && c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RING_HASH);
    CHECK(c != NULL && c->ring_hash_lb_config->minimum_ring_size->value == 1024);
    fx_free(f);
}

TEST(translate_unnamed_port_sniffs)
{
    struct fx *f = one_service(PROTO_UNSET);
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    Listener *l = fx_listener(f, v, "0.0.0.0_9080");
    CHECK(l != NULL && l->n_filter_chains == 2);
    CHECK(fx_has_listener_filter(l, "envoy.filters.listener.http_inspector"));
    CHECK(l != NULL && fx_chain_hcm(f, l->filter_chains[0]) != NULL);
    TcpProxy *t = l && l->n_filter_chains == 2 ? fx_chain_tcp(f, l->filter_chains[1]) : NULL;
    CHECK(t != NULL && strcmp(t->cluster, "outbound|9080||" SVC_HOST) == 0);
    CHECK(fx_routes(f, v, "9080") != NULL);
    fx_free(f);
}

TEST(translate_sidecar_tcp_and_vip_listeners)
{
    struct fx *f = fx_new();
    struct service_entry *db =
        fx_se(f, "db", "default", "db.internal", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(db, 3306, "mysql", PROTO_TCP, 0);
    static const char *vip[] = {"240.0.0.10"};
    struct service_entry *tls =
        fx_se(f, "api", "default", "api.internal", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(tls, 443, "tls", PROTO_TLS, 0);
    tls->addresses = vip;
    tls->n_addresses = 1;
    struct virtual_service *vs = fx_vs(f, "db-split", "default", "db.internal", NULL);
    struct l4_route *r = fx_l4(f, vs->tcp, &vs->n_tcp);
    fx_dest(r->route, &r->n_route, "db.internal", NULL, 3306, 80);
    fx_dest(r->route, &r->n_route, "api.internal", NULL, 443, 20);
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    /* TCP, no VIP: a match-all chain, no passthrough default */
    Listener *l = fx_listener(f, v, "0.0.0.0_3306");
    CHECK(l != NULL && l->n_filter_chains == 1 && l->default_filter_chain == NULL);
    TcpProxy *t = l ? fx_chain_tcp(f, l->filter_chains[0]) : NULL;
    CHECK(t != NULL && strcmp(t->stat_prefix, "db-split.default") == 0);
    CHECK(t != NULL && t->weighted_clusters != NULL && t->weighted_clusters->n_clusters == 2);
    /* TLS with a VIP: its own listener, no SNI needed */
    l = fx_listener(f, v, "240.0.0.10_443");
    CHECK(l != NULL && l->n_filter_chains == 1);
    CHECK(l != NULL && l->filter_chains[0]->filter_chain_match == NULL);
    CHECK(l != NULL && !fx_has_listener_filter(l, "envoy.filters.listener.tls_inspector"));
    CHECK(l != NULL && l->bind_to_port != NULL && !l->bind_to_port->value);
    fx_free(f);
}

TEST(translate_gateway_istio_mutual_and_redirect)
{
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "a", "default", "a.example.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(se, 80, "http", PROTO_HTTP, 0);
    fx_se_port(se, 9000, "tcp", PROTO_TCP, 0);
    struct gateway *g = fx_gw(f, "gw", "istio-system", "istio=egressgateway");
    struct gateway_server *s = fx_gw_server(f, g, 80, "http", PROTO_HTTP, "*/a.example.com");
    s->has_tls = 1;
    s->tls.https_redirect = 1;
    s = fx_gw_server(f, g, 15443, "tls", PROTO_TLS, "a.example.com");
    fx_server_tls(s, SERVER_TLS_ISTIO_MUTUAL, NULL, NULL, NULL);
    struct virtual_service *vs = fx_vs(f, "a", "default", "a.example.com", "istio-system/gw");
    struct http_route *hr = fx_http(f, vs);
    fx_dest(hr->route, &hr->n_route, "a.example.com", NULL, 80, -1);
    struct l4_route *r = fx_l4(f, vs->tcp, &vs->n_tcp);
    fx_l4_match(f, r, 15443, NULL, NULL);
    fx_dest(r->route, &r->n_route, "a.example.com", NULL, 9000, -1);
    f->o.mesh_certs = "/mesh";
    struct xds_view *v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
    VirtualHost *vh = fx_vhost(fx_routes(f, v, "http.80"), "a.example.com:80");
    CHECK(vh != NULL &&
          vh->require_tls == ENVOY__CONFIG__ROUTE__V3__VIRTUAL_HOST__TLS_REQUIREMENT_TYPE__ALL);
    CHECK_STR(fx_route_cluster(vh, 0), "outbound|80||a.example.com");
    Listener *l = fx_listener(f, v, "0.0.0.0_15443");
    FilterChain *c = fx_sni_chain(l, "a.example.com");
    DownstreamTlsContext *d = fx_downstream_tls(f, c);
    CHECK(d != NULL && d->require_client_certificate->value);
    CHECK(d != NULL &&
          strcmp(d->common_tls_context->tls_certificates[0]->certificate_chain->filename,
                 "/mesh/cert-chain.pem") == 0);
    CHECK(d != NULL && d->common_tls_context->n_alpn_protocols == 3 &&
          strcmp(d->common_tls_context->alpn_protocols[0], "istio-peer-exchange") == 0);
    TcpProxy *t = fx_chain_tcp(f, c);
    CHECK(t != NULL && strcmp(t->cluster, "outbound|9000||a.example.com") == 0);
    fx_free(f);
}

TEST(translate_lb_warmup)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    d->traffic_policy.has = 1;
    d->traffic_policy.load_balancer =
        (struct load_balancer){.has = 1, .simple = LB_ROUND_ROBIN, .warmup_ms = 30000};
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    Cluster *c = fx_cluster(f, v, "outbound|9080||" SVC_HOST);
    CHECK(c != NULL && c->round_robin_lb_config != NULL &&
          c->round_robin_lb_config->slow_start_config->slow_start_window->seconds == 30);
    fx_free(f);
}

TEST(translate_destination_rule_workload_selector)
{
    struct fx *f = one_service(PROTO_HTTP);
    struct destination_rule *all = fx_dr(f, "reviews-all", "default", "reviews");
    all->traffic_policy.has = 1;
    all->traffic_policy.load_balancer = (struct load_balancer){.has = 1, .simple = LB_RANDOM};
    struct destination_rule *sel = fx_dr(f, "reviews-sleep", "default", "reviews");
    sel->has_workload_selector = 1;
    sel->workload_selector = fx_labels(f, "app=sleep");
    sel->traffic_policy.has = 1;
    sel->traffic_policy.load_balancer = (struct load_balancer){.has = 1, .simple = LB_ROUND_ROBIN};
    struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, NULL);
    CHECK(fx_cluster(f, v, "outbound|9080||" SVC_HOST)->lb_policy ==
          ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN);
    v = fx_build(f, SLEEP_ID, "app=other", NULL, NULL);
    CHECK(fx_cluster(f, v, "outbound|9080||" SVC_HOST)->lb_policy ==
          ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RANDOM);
    /* so the class key carries the app label */
    struct proxy_identity a, b;
    struct config_labels la = fx_labels(f, "app=sleep"), lb = fx_labels(f, "app=other");
    proxy_identity_init(&a, SLEEP_ID, NULL, NULL, la.items, la.n, NULL);
    proxy_identity_init(&b, SLEEP_ID, NULL, NULL, lb.items, lb.n, NULL);
    char *ka = translate_class_key(&f->m, &a), *kb = translate_class_key(&f->m, &b);
    CHECK(strcmp(ka, kb) != 0);
    free(ka);
    free(kb);
    proxy_identity_release(&a);
    proxy_identity_release(&b);
    fx_free(f);
}

TEST(translate_auto_mtls_by_endpoint_label)
{
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "reviews", "default", SVC_HOST, RESOLUTION_STATIC, LOCATION_MESH_INTERNAL);
    fx_se_port(se, 9080, "http", PROTO_HTTP, 0);
    fx_se_endpoint(f, se, "10.1.0.1", "version=v1,security.istio.io/tlsMode=istio", "reviews");
    fx_se_endpoint(f, se, "10.1.0.2", "version=v2", NULL);
    struct destination_rule *d = fx_dr(f, "reviews", "default", "reviews");
    fx_subset(f, d, "v2", "version=v2");
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    Cluster *c = fx_cluster(f, v, "outbound|9080||" SVC_HOST);
    CHECK(c != NULL && c->transport_socket == NULL && c->n_transport_socket_matches == 2);
    if (c != NULL && c->n_transport_socket_matches == 2) {
        CHECK_STR(c->transport_socket_matches[0]->name, "tlsMode-istio");
        UpstreamTlsContext *u =
            fx_any(f, c->transport_socket_matches[0]->transport_socket->typed_config,
                   &UpstreamTlsContext_desc);
        CHECK(u != NULL && strcmp(u->sni, "outbound_.9080_._." SVC_HOST) == 0);
        CHECK_STR(c->transport_socket_matches[1]->name, "tlsMode-disabled");
    }
    CLA *e = fx_cla(f, v, "outbound|9080||" SVC_HOST);
    CHECK(e != NULL && e->endpoints[0]->lb_endpoints[0]->metadata != NULL);
    CHECK(e != NULL && e->endpoints[0]->lb_endpoints[1]->metadata == NULL);
    /* the v2 subset has no labelled endpoint: plaintext, no matches */
    CHECK(fx_cluster(f, v, "outbound|9080|v2|" SVC_HOST)->n_transport_socket_matches == 0);
    fx_free(f);
}

TEST(translate_dns_without_endpoints_is_left_out)
{
    struct fx *f = fx_new();
    struct service_entry *se =
        fx_se(f, "wild", "default", "*.foo.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
    fx_se_port(se, 80, "http", PROTO_HTTP, 0);
    fx_se_port(se, 443, "tls", PROTO_TLS, 0);
    struct xds_view *v = fx_build(f, SLEEP_ID, NULL, NULL, NULL);
    CHECK(v != NULL);
    CHECK(xds_view_find(v, XDS_CLUSTER, "outbound|80||*.foo.com") == NULL);
    CHECK(xds_view_find(v, XDS_CLUSTER, "outbound|443||*.foo.com") == NULL);
    CHECK(fx_vhost(fx_routes(f, v, "80"), "*.foo.com:80") == NULL);
    CHECK(xds_view_find(v, XDS_LISTENER, "0.0.0.0_443") == NULL); /* nothing to route */
    fx_free(f);
}
