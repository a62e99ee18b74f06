/* t_config_dump.c - Envoy's admin ConfigDump shape from a view. */
#include "xdsd/config_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envoy/config/cluster/v3/cluster.pb-c.h"
#include "envoy/config/endpoint/v3/endpoint.pb-c.h"
#include "envoy/config/listener/v3/listener.pb-c.h"
#include "envoy/config/route/v3/route.pb-c.h"
#include "xdsd/commands.h"
#include "xdsd/pbjson.h"
#include "xdsd/util.h"
#include "unit.h"
#include "view_fixture.h"

#define ADMIN "type.googleapis.com/envoy.admin.v3."

static void add(struct xds_view *v, enum xds_type t, const char *name, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(len ? len : 1);
    protobuf_c_message_pack(m, buf);
    xds_view_add(v, t, name, buf, len);
}

static void add_cluster(struct xds_view *v, const char *name)
{
    Envoy__Config__Cluster__V3__Cluster c = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__INIT;
    Google__Protobuf__Duration timeout = GOOGLE__PROTOBUF__DURATION__INIT;
    timeout.seconds = 10;
    c.name = (char *)name;
    c.connect_timeout = &timeout;
    c.cluster_discovery_type_case =
        ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE;
    c.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS;
    add(v, XDS_CLUSTER, name, &c.base);
}

static void add_listener(struct xds_view *v, const char *name)
{
    Envoy__Config__Listener__V3__Listener l = ENVOY__CONFIG__LISTENER__V3__LISTENER__INIT;
    l.name = (char *)name;
    add(v, XDS_LISTENER, name, &l.base);
}

struct xds_view *fixture_view_new(void)
{
    struct xds_view *v = xds_view_new();
    add_cluster(v, "outbound|80||edition.cnn.com");
    add_cluster(v, "outbound|443||edition.cnn.com");
    Envoy__Config__Endpoint__V3__ClusterLoadAssignment cla =
        ENVOY__CONFIG__ENDPOINT__V3__CLUSTER_LOAD_ASSIGNMENT__INIT;
    cla.cluster_name = "outbound|443||edition.cnn.com";
    add(v, XDS_ENDPOINT, cla.cluster_name, &cla.base);
    add_listener(v, "virtualOutbound");
    add_listener(v, "0.0.0.0_80");
    Envoy__Config__Route__V3__RouteConfiguration rc =
        ENVOY__CONFIG__ROUTE__V3__ROUTE_CONFIGURATION__INIT;
    rc.name = "80";
    add(v, XDS_ROUTE, "80", &rc.base);
    xds_view_finish(v, NULL);
    return v;
}

static json_t *config_of(json_t *dump, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(dump, "configs"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "@type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

TEST(config_dump_has_envoys_shape)
{
    struct xds_view *v = fixture_view_new();
    json_t *d = config_dump_json(v, NULL);
    json_t *configs = json_object_get(d, "configs");
    CHECK_INT(json_array_size(configs), 4);
    /* Envoy's order: clusters, endpoints, listeners, routes */
    CHECK_STR(json_string_value(json_object_get(json_array_get(configs, 0), "@type")),
              ADMIN "ClustersConfigDump");
    CHECK_STR(json_string_value(json_object_get(json_array_get(configs, 3), "@type")),
              ADMIN "RoutesConfigDump");

    json_t *cds = config_of(d, ADMIN "ClustersConfigDump");
    CHECK_STR(json_string_value(json_object_get(cds, "version_info")),
              xds_view_version(v, XDS_CLUSTER));
    json_t *dc = json_object_get(cds, "dynamic_active_clusters");
    CHECK_INT(json_array_size(dc), 2);
    json_t *c0 = json_object_get(json_array_get(dc, 0), "cluster");
    CHECK_STR(json_string_value(json_object_get(c0, "@type")),
              "type.googleapis.com/envoy.config.cluster.v3.Cluster");
    CHECK_STR(json_string_value(json_object_get(c0, "name")), "outbound|443||edition.cnn.com");
    CHECK_STR(json_string_value(json_object_get(c0, "connect_timeout")), "10s");
    CHECK_STR(json_string_value(json_object_get(c0, "type")), "EDS");
    CHECK_STR(json_string_value(json_object_get(json_array_get(dc, 0), "version_info")),
              xds_view_version(v, XDS_CLUSTER));

    json_t *lds = config_of(d, ADMIN "ListenersConfigDump");
    json_t *l0 = json_array_get(json_object_get(lds, "dynamic_listeners"), 0);
    CHECK_STR(json_string_value(json_object_get(l0, "name")), "0.0.0.0_80");
    json_t *as = json_object_get(l0, "active_state");
    CHECK_STR(json_string_value(json_object_get(as, "version_info")),
              xds_view_version(v, XDS_LISTENER));
    CHECK_STR(json_string_value(json_object_get(json_object_get(as, "listener"), "name")),
              "0.0.0.0_80");

    json_t *rds = config_of(d, ADMIN "RoutesConfigDump");
    json_t *r0 = json_array_get(json_object_get(rds, "dynamic_route_configs"), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(r0, "route_config"), "name")),
              "80");
    CHECK(json_object_get(rds, "version_info") == NULL); /* Envoy's RoutesConfigDump has none */

    json_t *eds = config_of(d, ADMIN "EndpointsConfigDump");
    json_t *e0 = json_array_get(json_object_get(eds, "dynamic_endpoint_configs"), 0);
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(e0, "endpoint_config"), "cluster_name")),
        "outbound|443||edition.cnn.com");
    json_decref(d);
    xds_view_free(v);
}

TEST(config_dump_filters_by_type_and_name)
{
    struct xds_view *v = fixture_view_new();
    struct config_dump_filter f = {0};
    CHECK(config_dump_types_parse("listeners", &f.types) == 0);
    const char *names[] = {"virtualOutbound", "not-there"};
    f.by_name[XDS_LISTENER] = 1;
    f.names[XDS_LISTENER] = names;
    f.n_names[XDS_LISTENER] = 2;
    f.versions[XDS_LISTENER] = "2026-11-29T20:00:00Z/7";
    json_t *d = config_dump_json(v, &f);
    json_t *configs = json_object_get(d, "configs");
    CHECK_INT(json_array_size(configs), 1);
    json_t *lds = json_array_get(configs, 0);
    CHECK_STR(json_string_value(json_object_get(lds, "version_info")), "2026-11-29T20:00:00Z/7");
    json_t *dl = json_object_get(lds, "dynamic_listeners");
    CHECK_INT(json_array_size(dl), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(dl, 0), "name")), "virtualOutbound");
    json_decref(d);

    /* per-resource versions (delta), and a type with nothing to show */
    memset(&f, 0, sizeof(f));
    f.resource_versions = 1;
    f.by_name[XDS_ROUTE] = 1;
    d = config_dump_json(v, &f);
    json_t *c = config_of(d, ADMIN "ClustersConfigDump");
    json_t *c0 = json_array_get(json_object_get(c, "dynamic_active_clusters"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "version_info")),
              xds_view_find(v, XDS_CLUSTER, "outbound|443||edition.cnn.com")->version);
    json_t *r = config_of(d, ADMIN "RoutesConfigDump");
    CHECK(r != NULL && json_object_get(r, "dynamic_route_configs") == NULL);
    json_decref(d);

    unsigned t;
    CHECK(config_dump_types_parse("all", &t) == 0 && t == 0);
    CHECK(config_dump_types_parse("rds", &t) == 0 && t == 1u << XDS_ROUTE);
    CHECK(config_dump_types_parse("secrets", &t) == 0 && t == 1u << XDS_SECRET);
    CHECK(config_dump_types_parse("scoped-routes", &t) == -1);
    xds_view_free(v);
}

TEST(config_dump_sorted_text_is_stable)
{
    struct xds_view *v = fixture_view_new();
    json_t *a = config_dump_json(v, NULL), *b = config_dump_json(v, NULL);
    char *sa = pbjson_dumps(a, 1), *sb = pbjson_dumps(b, 1);
    CHECK_STR(sa, sb);
    CHECK(strstr(sa, "\n  \"configs\": [") != NULL);
    free(sa);
    free(sb);
    json_decref(a);
    json_decref(b);
    xds_view_free(v);
}

/* Run cmd_dump with stdout captured into a heap string. */
static char *dump_output(const char *dir, const struct dump_request *d, int *rc)
{
    struct serve_options o;
    serve_options_init(&o);
    o.config_dir = dir;
    char path[] = "/tmp/xdsd-dump-XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    *rc = cmd_dump(&o, d);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    off_t len = lseek(fd, 0, SEEK_END);
    char *buf = xmalloc((size_t)len + 1);
    ssize_t n = pread(fd, buf, (size_t)len, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return buf;
}

TEST(dump_command_prints_what_the_sidecar_gets)
{
    char *dir = xasprintf("%s/dump-check/sidecar-tls-origination", unit_data_dir());
    struct dump_request d = {
        .proxy = "sidecar~10.0.0.5~sleep-abc.default~default.svc.cluster.local",
        .type = "clusters",
    };
    int rc;
    char *out = dump_output(dir, &d, &rc);
    CHECK_INT(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    json_t *configs = json_object_get(j, "configs");
    CHECK_INT(json_array_size(configs), 1);
    CHECK(strstr(out, "\"name\": \"outbound|443||edition.cnn.com\"") != NULL);
    CHECK(strstr(out, "\"sni\": \"edition.cnn.com\"") != NULL);
    json_decref(j);
    free(out);

    d.type = "bogus";
    out = dump_output(dir, &d, &rc);
    CHECK_INT(rc, 2);
    free(out);
    d.type = "all";
    d.labels = "novalue";
    out = dump_output(dir, &d, &rc);
    CHECK_INT(rc, 2);
    free(out);
    free(dir);
}

TEST(dump_command_refuses_an_invalid_directory)
{
    char tmpl[] = "/tmp/xdsd-dump-dir-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!CHECK(dir != NULL))
        return;
    char *file = xasprintf("%s/bad.yaml", dir);
    FILE *f = fopen(file, "w");
    fputs("apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: x\n"
          "spec:\n  hosts: [a.example.com]\n  resolution: NOPE\n",
          f);
    fclose(f);
    struct dump_request d = {.proxy = "sidecar~1.1.1.1~a.default~default.svc.cluster.local",
                             .type = "all"};
    int rc;
    char *out = dump_output(dir, &d, &rc);
    CHECK_INT(rc, 1);
    CHECK_STR(out, "");
    free(out);
    unlink(file);
    rmdir(dir);
    free(file);
}
