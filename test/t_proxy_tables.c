/* t_proxy_tables.c - istioctl proxy-config's tables from hand-made ConfigDumps. */
#include "xdsd/proxy_tables.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define AT "type.googleapis.com/envoy.admin.v3."

static json_t *dump(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        printf("#   bad test JSON: %s at %d\n", e.text, e.line);
    return j;
}

/* Row i of t joined with " | ", or "" past the end; static buffer. */
static const char *row(const json_t *t, size_t i)
{
    static char buf[1024];
    buf[0] = '\0';
    const json_t *r = json_array_get(json_object_get(t, "rows"), i);
    size_t j;
    const json_t *c;
    json_array_foreach(r, j, c)
    {
        if (j)
            strcat(buf, " | ");
        strcat(buf, json_string_value(c));
    }
    return buf;
}

static size_t nrows(const json_t *t)
{
    return json_array_size(json_object_get(t, "rows"));
}

static const char clusters_json[] =
    "{\"configs\": [{\"@type\": \"" AT "ClustersConfigDump\", \"dynamic_active_clusters\": ["
    "{\"cluster\": {\"name\": \"outbound|443|v1|reviews.default.svc.cluster.local\", \"type\": "
    "\"EDS\", \"metadata\": {\"filter_metadata\": {\"istio\": {\"config\": "
    "\"/apis/networking.istio.io/v1alpha3/namespaces/prod/destination-rule/reviews\"}}}}},"
    "{\"cluster\": {\"name\": \"BlackHoleCluster\"}},"
    "{\"cluster\": {\"name\": \"a|b\"}},"
    "{\"cluster\": {\"name\": \"outbound|80||api.example.com\", \"cluster_type\": {\"name\": "
    "\"envoy.cluster.dns\", \"typed_config\": {\"all_addresses_in_single_endpoint\": true}},"
    " \"load_assignment\": {\"cluster_name\": \"outbound|80||api.example.com\", \"endpoints\": "
    "[{\"lb_endpoints\": [{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": "
    "\"api.example.com\", \"port_value\": 80}}}}]}]}}}]}]}";

TEST(proxy_tables_clusters)
{
    json_t *d = dump(clusters_json);
    json_t *t = proxy_tables_build(d, "clusters", NULL);
    CHECK_STR(json_string_value(json_array_get(json_object_get(t, "columns"), 5)),
              "DESTINATION RULE");
    CHECK_INT(nrows(t), 4);
    CHECK_STR(row(t, 0),
              "reviews.default.svc.cluster.local | 443 | v1 | outbound | EDS | reviews.prod");
    CHECK_STR(row(t, 1), "BlackHoleCluster | - | - | - | STATIC | -");
    CHECK_STR(row(t, 2), "a|b | - | - | - | STATIC | -");
    CHECK_STR(row(t, 3), "api.example.com | 80 | - | outbound | LOGICAL_DNS | -");
    json_decref(t);
    struct proxy_tables_filter f = {"api.example.com", 0};
    t = proxy_tables_build(d, "clusters", &f);
    CHECK_INT(nrows(t), 1);
    json_decref(t);
    f = (struct proxy_tables_filter){"outbound|443|v1|reviews.default.svc.cluster.local", 443};
    t = proxy_tables_build(d, "clusters", &f);
    CHECK_INT(nrows(t), 1);
    json_decref(t);
    f = (struct proxy_tables_filter){NULL, 8080};
    t = proxy_tables_build(d, "clusters", &f);
    CHECK_INT(nrows(t), 0);
    json_decref(t);
    /* the endpoints of a DNS cluster come from the cluster */
    t = proxy_tables_build(d, "endpoints", NULL);
    CHECK_STR(row(t, 0), "api.example.com:80 | HEALTHY | - | outbound|80||api.example.com");
    json_decref(t);
    json_t *res = proxy_tables_resources(d, "clusters", &(struct proxy_tables_filter){NULL, 80});
    CHECK_INT(json_array_size(res), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 0), "name")),
              "outbound|80||api.example.com");
    json_decref(res);
    json_decref(d);
}

static const char listeners_json[] =
    "{\"configs\": [{\"@type\": \"" AT "ListenersConfigDump\", \"dynamic_listeners\": ["
    "{\"name\": \"0.0.0.0_443\", \"active_state\": {\"listener\": {\"name\": \"0.0.0.0_443\","
    " \"address\": {\"socket_address\": {\"address\": \"0.0.0.0\", \"port_value\": 443}},"
    " \"filter_chains\": [{\"filter_chain_match\": {\"server_names\": [\"a.com\", \"b.com\"],"
    " \"transport_protocol\": \"tls\"}, \"filters\": [{\"name\": \"tcp\", \"typed_config\": "
    "{\"weighted_clusters\": {\"clusters\": [{\"name\": \"c1\"}, {\"name\": \"c2\"}]}}}]},"
    " {\"filters\": [{\"name\": \"x\"}]}], \"default_filter_chain\": {\"filters\": [{\"name\": "
    "\"tcp\", \"typed_config\": {\"cluster\": \"PassthroughCluster\"}}]}}}},"
    "{\"name\": \"api.example.com:50051\", \"active_state\": {\"listener\": {\"name\": "
    "\"api.example.com:50051\", \"api_listener\": {\"api_listener\": {\"rds\": "
    "{\"route_config_name\": \"r1\"}}}}}}]}]}";

TEST(proxy_tables_listeners)
{
    json_t *d = dump(listeners_json);
    json_t *t = proxy_tables_build(d, "listeners", NULL);
    CHECK_INT(nrows(t), 4);
    CHECK_STR(row(t, 0), "0.0.0.0 | 443 | SNI: a.com,b.com; Trans: tls | Clusters: c1, c2");
    CHECK_STR(row(t, 1), "0.0.0.0 | 443 | ALL | Non-HTTP/Non-TCP");
    CHECK_STR(row(t, 2), "0.0.0.0 | 443 | ALL | Cluster: PassthroughCluster");
    CHECK_STR(row(t, 3), "- | - | API: api.example.com:50051 | Route: r1");
    json_decref(t);
    t = proxy_tables_build(d, "listeners", &(struct proxy_tables_filter){NULL, 443});
    CHECK_INT(nrows(t), 3);
    json_decref(t);
    json_decref(d);
}

static const char routes_json[] =
    "{\"configs\": [{\"@type\": \"" AT "RoutesConfigDump\", \"dynamic_route_configs\": ["
    "{\"route_config\": {\"name\": \"80\", \"virtual_hosts\": [{\"name\": \"a.com:80\", "
    "\"domains\": [\"a.com\", \"a.com.\", \"a.com:80\"], \"routes\": ["
    "{\"match\": {\"path\": \"/exact\", \"headers\": [{\"name\": \"x\"}]}, \"metadata\": "
    "{\"filter_metadata\": {\"istio\": {\"config\": "
    "\"/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/vs1\"}}}},"
    "{\"match\": {\"safe_regex\": {\"regex\": \"/r.*\"}}},"
    "{\"match\": {\"prefix\": \"/api\"}, \"direct_response\": {\"status\": 404}}]}]}},"
    "{\"route_config\": {\"name\": \"443\", \"virtual_hosts\": [{\"name\": \"b\", "
    "\"domains\": [\"b.com\"], \"routes\": [{\"match\": {\"prefix\": \"/\"}}]}]}}]}]}";

TEST(proxy_tables_routes)
{
    json_t *d = dump(routes_json);
    json_t *t = proxy_tables_build(d, "routes", NULL);
    CHECK_INT(nrows(t), 4);
    CHECK_STR(row(t, 0), "80 | a.com:80 | a.com +1 more | /exact (+headers) | vs1.default");
    CHECK_STR(row(t, 1), "80 | a.com:80 | a.com +1 more | /r.* | -");
    CHECK_STR(row(t, 2), "80 | a.com:80 | a.com +1 more | /api* | 404");
    CHECK_STR(row(t, 3), "443 | b | b.com | /* | -");
    json_decref(t);
    t = proxy_tables_build(d, "routes", &(struct proxy_tables_filter){NULL, 443});
    CHECK_INT(nrows(t), 1);
    json_decref(t);
    t = proxy_tables_build(d, "routes", &(struct proxy_tables_filter){"a.com:80", 0});
    CHECK_INT(nrows(t), 3);
    json_decref(t);
    CHECK(proxy_tables_build(d, "nonsense", NULL) == NULL);
    json_decref(d);
}

TEST(proxy_tables_secrets_dates)
{
    json_t *s = dump("[{\"name\": \"default\", \"type\": \"Cert Chain\", \"status\": \"ACTIVE\","
                     " \"serial\": \"0a1b\", \"fingerprint_sha256\": \"ab\","
                     " \"not_before\": \"2026-01-01T00:00:00Z\", \"not_after\": "
                     "\"2026-12-31T00:00:00Z\"},"
                     " {\"name\": \"ROOTCA\", \"type\": \"CA\", \"status\": \"ACTIVE\","
                     " \"not_before\": \"2020-01-01T00:00:00Z\", \"not_after\": "
                     "\"2021-01-01T00:00:00Z\"},"
                     " {\"name\": \"odd\", \"not_before\": \"yesterday\"}]");
    int64_t mid2026 = 1780000000; /* 2026-05-28 */
    json_t *t = proxy_tables_secrets(s, NULL, mid2026);
    CHECK_INT(nrows(t), 3);
    CHECK_STR(row(t, 0), "default | Cert Chain | ACTIVE | true | 0a1b | 2026-12-31T00:00:00Z | "
                         "2026-01-01T00:00:00Z");
    CHECK_STR(row(t, 1), "ROOTCA | CA | ACTIVE | false | - | 2021-01-01T00:00:00Z | "
                         "2020-01-01T00:00:00Z");
    CHECK_STR(row(t, 2), "odd | - | - | - | - | - | yesterday");
    json_decref(t);
    t = proxy_tables_secrets(NULL, NULL, mid2026);
    CHECK_INT(nrows(t), 0);
    json_decref(t);
    CHECK(proxy_tables_type_ok("secrets") && proxy_tables_type_ok("routes"));
    CHECK(!proxy_tables_type_ok("all") && !proxy_tables_type_ok("route"));
    json_decref(s);
}
