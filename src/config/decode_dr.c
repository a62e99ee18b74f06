/* decode_dr.c - DestinationRule spec and traffic policies. */
#include "decode.h"

#include <string.h>

static const struct enum_name lb_names[] = {
    {"UNSPECIFIED", LB_UNSET},
    {"ROUND_ROBIN", LB_ROUND_ROBIN},
    {"LEAST_CONN", LB_LEAST_CONN},
    {"RANDOM", LB_RANDOM},
    {"PASSTHROUGH", LB_PASSTHROUGH},
    {"LEAST_REQUEST", LB_LEAST_REQUEST},
    {NULL, 0},
};

static void dec_cookie(struct dctx *c, const struct cnode *n, void *out)
{
    struct consistent_hash *h = out;
    static const struct field fields[] = {
        FLD("name", F_STR, struct consistent_hash, cookie_name),
        FLD("path", F_STR, struct consistent_hash, cookie_path),
        FLD("ttl", F_DUR, struct consistent_hash, cookie_ttl_ms),
        FEND,
    };
    h->kind = HASH_COOKIE;
    dc_map(c, n, fields, h, sizeof(*h) - 1);
}

static void dec_ring_hash(struct dctx *c, const struct cnode *n, void *out)
{
    static const struct field fields[] = {
        FLD("minimumRingSize", F_U64, struct consistent_hash, minimum_ring_size),
        FEND,
    };
    dc_map(c, n, fields, out, sizeof(struct consistent_hash) - 2);
}

static void dec_source_ip(struct dctx *c, const struct cnode *n, void *out)
{
    struct consistent_hash *h = out;
    if (n->type == CN_SCALAR && strcmp(n->str, "true") == 0)
        h->kind = HASH_SOURCE_IP;
    else if (n->type != CN_SCALAR || strcmp(n->str, "false") != 0)
        dc_error(c, n, "useSourceIp: expected true or false");
}

static const struct field hash_fields[] = {
    FLD("httpHeaderName", F_STR, struct consistent_hash, header_name),
    FSUBBASE("httpCookie", dec_cookie),
    FSUBBASE("useSourceIp", dec_source_ip),
    FLD("httpQueryParameterName", F_STR, struct consistent_hash, query_param),
    FSUBBASE("ringHash", dec_ring_hash),
    FIGN("maglev"),
    FLD("minimumRingSize", F_U64, struct consistent_hash, minimum_ring_size),
    FEND,
};

static void dec_consistent_hash(struct dctx *c, const struct cnode *n, void *out)
{
    struct consistent_hash *h = out;
    dc_map(c, n, hash_fields, h, sizeof(*h));
    if (h->header_name)
        h->kind = HASH_HEADER;
    else if (h->query_param)
        h->kind = HASH_QUERY_PARAM;
}

static void dec_locality(struct dctx *c, const struct cnode *n, void *out)
{
    struct locality_lb *l = out;
    static const struct field fields[] = {
        FLD("enabled", F_BOOL, struct locality_lb, enabled),
        FIGN("distribute"),
        FIGN("failover"),
        FIGN("failoverPriority"),
        FEND,
    };
    l->has = 1;
    l->enabled = -1;
    dc_map(c, n, fields, l, sizeof(*l));
}

static const struct field lb_fields[] = {
    FENUM("simple", struct load_balancer, simple, lb_names),
    FSUBH("consistentHash", struct load_balancer, consistent_hash, dec_consistent_hash,
          has_consistent_hash),
    FSUB("localityLbSetting", struct load_balancer, locality, dec_locality),
    FLD("warmupDurationSecs", F_DUR, struct load_balancer, warmup_ms),
    FEND,
};

static void dec_load_balancer(struct dctx *c, const struct cnode *n, void *out)
{
    struct load_balancer *lb = out;
    lb->has = 1;
    dc_map(c, n, lb_fields, lb, sizeof(*lb));
}

static void dec_keepalive(struct dctx *c, const struct cnode *n, void *out)
{
    struct connection_pool *p = out;
    static const struct field fields[] = {
        FLD("probes", F_I32, struct connection_pool, keepalive_probes),
        FLD("time", F_DUR, struct connection_pool, keepalive_time_ms),
        FLD("interval", F_DUR, struct connection_pool, keepalive_interval_ms),
        FEND,
    };
    p->has_tcp_keepalive = 1;
    dc_map(c, n, fields, p, sizeof(*p) - 3);
}

static void dec_pool_tcp(struct dctx *c, const struct cnode *n, void *out)
{
    static const struct field fields[] = {
        FLD("maxConnections", F_I32, struct connection_pool, max_connections),
        FLD("connectTimeout", F_DUR, struct connection_pool, connect_timeout_ms),
        FSUBBASE("tcpKeepalive", dec_keepalive),
        FIGN("maxConnectionDuration"),
        FIGN("idleTimeout"),
        FEND,
    };
    dc_map(c, n, fields, out, sizeof(struct connection_pool) - 1);
}

static const struct enum_name h2_upgrade_names[] = {
    {"DEFAULT", 0}, {"DO_NOT_UPGRADE", 1}, {"UPGRADE", 2}, {NULL, 0}};

static void dec_pool_http(struct dctx *c, const struct cnode *n, void *out)
{
    static const struct field fields[] = {
        FLD("http1MaxPendingRequests", F_I32, struct connection_pool, http1_max_pending_requests),
        FLD("http2MaxRequests", F_I32, struct connection_pool, http2_max_requests),
        FLD("maxRequestsPerConnection", F_I32, struct connection_pool, max_requests_per_connection),
        FLD("maxRetries", F_I32, struct connection_pool, max_retries),
        FLD("idleTimeout", F_DUR, struct connection_pool, idle_timeout_ms),
        FENUM("h2UpgradePolicy", struct connection_pool, h2_upgrade_policy, h2_upgrade_names),
        FIGN("useClientProtocol"),
        FLD("maxConcurrentStreams", F_I32, struct connection_pool, max_concurrent_streams),
        FEND,
    };
    dc_map(c, n, fields, out, sizeof(struct connection_pool) - 2);
}

static const struct field pool_fields[] = {
    FSUBBASE("tcp", dec_pool_tcp),
    FSUBBASE("http", dec_pool_http),
    FEND,
};

static void dec_connection_pool(struct dctx *c, const struct cnode *n, void *out)
{
    struct connection_pool *p = out;
    p->has = 1;
    p->max_connections = p->keepalive_probes = -1;
    p->connect_timeout_ms = p->keepalive_time_ms = p->keepalive_interval_ms = -1;
    p->http1_max_pending_requests = p->http2_max_requests = -1;
    p->max_requests_per_connection = p->max_retries = p->max_concurrent_streams = -1;
    p->idle_timeout_ms = -1;
    dc_map(c, n, pool_fields, p, sizeof(*p));
}

static const struct field outlier_fields[] = {
    FLD("consecutiveErrors", F_I32, struct outlier_detection, consecutive_errors),
    FLD("consecutiveGatewayErrors", F_I32, struct outlier_detection, consecutive_gateway_errors),
    FLD("consecutive5xxErrors", F_I32, struct outlier_detection, consecutive_5xx_errors),
    FLD("interval", F_DUR, struct outlier_detection, interval_ms),
    FLD("baseEjectionTime", F_DUR, struct outlier_detection, base_ejection_time_ms),
    FLD("maxEjectionPercent", F_I32, struct outlier_detection, max_ejection_percent),
    FLD("minHealthPercent", F_I32, struct outlier_detection, min_health_percent),
    FLD("splitExternalLocalOriginErrors", F_BOOL, struct outlier_detection,
        split_external_local_origin_errors),
    FEND,
};

static void dec_outlier(struct dctx *c, const struct cnode *n, void *out)
{
    struct outlier_detection *o = out;
    o->has = 1;
    o->consecutive_errors = o->consecutive_gateway_errors = o->consecutive_5xx_errors = -1;
    o->interval_ms = o->base_ejection_time_ms = -1;
    o->max_ejection_percent = o->min_health_percent = -1;
    dc_map(c, n, outlier_fields, o, sizeof(*o));
}

static const struct enum_name client_tls_modes[] = {
    {"DISABLE", CLIENT_TLS_DISABLE},
    {"SIMPLE", CLIENT_TLS_SIMPLE},
    {"MUTUAL", CLIENT_TLS_MUTUAL},
    {"ISTIO_MUTUAL", CLIENT_TLS_ISTIO_MUTUAL},
    {NULL, 0},
};

static const struct field client_tls_fields[] = {
    FENUM("mode", struct client_tls, mode, client_tls_modes),
    FLD("clientCertificate", F_STR, struct client_tls, client_certificate),
    FLD("privateKey", F_STR, struct client_tls, private_key),
    FLD("caCertificates", F_STR, struct client_tls, ca_certificates),
    FLD("credentialName", F_STR, struct client_tls, credential_name),
    FSTRS("subjectAltNames", struct client_tls, subject_alt_names),
    FLD("sni", F_STR, struct client_tls, sni),
    FLD("insecureSkipVerify", F_BOOL, struct client_tls, insecure_skip_verify),
    FEND,
};

static void dec_client_tls(struct dctx *c, const struct cnode *n, void *out)
{
    struct client_tls *t = out;
    t->has = 1;
    dc_map(c, n, client_tls_fields, t, sizeof(*t));
}

static const struct field port_policy_fields[] = {
    FLD("port", F_PORTSEL, struct port_traffic_policy, port),
    FSUB("loadBalancer", struct port_traffic_policy, load_balancer, dec_load_balancer),
    FSUB("connectionPool", struct port_traffic_policy, connection_pool, dec_connection_pool),
    FSUB("outlierDetection", struct port_traffic_policy, outlier_detection, dec_outlier),
    FSUB("tls", struct port_traffic_policy, tls, dec_client_tls),
    FEND,
};

static void dec_port_policy(struct dctx *c, const struct cnode *n, void *out)
{
    struct port_traffic_policy *p = out;
    p->pos = dc_pos(c, n);
    p->load_balancer.warmup_ms = -1;
    dc_map(c, n, port_policy_fields, p, sizeof(*p));
}

static const struct field policy_fields[] = {
    FSUB("loadBalancer", struct traffic_policy, load_balancer, dec_load_balancer),
    FSUB("connectionPool", struct traffic_policy, connection_pool, dec_connection_pool),
    FSUB("outlierDetection", struct traffic_policy, outlier_detection, dec_outlier),
    FSUB("tls", struct traffic_policy, tls, dec_client_tls),
    FLIST("portLevelSettings", struct traffic_policy, port_level_settings, dec_port_policy,
          struct port_traffic_policy),
    FEND,
};

void dec_traffic_policy(struct dctx *c, const struct cnode *n, void *out)
{
    struct traffic_policy *t = out;
    t->has = 1;
    t->load_balancer.warmup_ms = -1;
    dc_map(c, n, policy_fields, t, sizeof(*t));
}

static const struct field subset_fields[] = {
    FLD("name", F_STR, struct subset, name),
    FLD("labels", F_LABELS, struct subset, labels),
    FSUB("trafficPolicy", struct subset, traffic_policy, dec_traffic_policy),
    FEND,
};

static void dec_subset(struct dctx *c, const struct cnode *n, void *out)
{
    struct subset *s = out;
    s->pos = dc_pos(c, n);
    s->traffic_policy.load_balancer.warmup_ms = -1;
    dc_map(c, n, subset_fields, s, sizeof(*s));
}

static void dec_dr_selector(struct dctx *c, const struct cnode *n, void *out)
{
    static const struct field fields[] = {
        {"matchLabels", F_LABELS, 0, 0, NULL, NULL, 0, -1},
        FEND,
    };
    dc_map(c, n, fields, out, sizeof(struct config_labels));
}

static const struct field dr_fields[] = {
    FLD("host", F_STR, struct destination_rule, host),
    FSUB("trafficPolicy", struct destination_rule, traffic_policy, dec_traffic_policy),
    FLIST("subsets", struct destination_rule, subsets, dec_subset, struct subset),
    FSTRS("exportTo", struct destination_rule, export_to),
    FSUBH("workloadSelector", struct destination_rule, workload_selector, dec_dr_selector,
          has_workload_selector),
    FEND,
};

void dec_destination_rule(struct dctx *c, const struct cnode *spec, struct destination_rule *dr)
{
    dr->traffic_policy.load_balancer.warmup_ms = -1;
    dc_map(c, spec, dr_fields, dr, sizeof(*dr));
}
