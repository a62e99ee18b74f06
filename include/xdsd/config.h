/* config.h - the typed Istio networking model loaded from YAML.
 *
 * A config set holds every ServiceEntry, Gateway, VirtualService,
 * DestinationRule, Sidecar and WorkloadEntry of one configuration
 * directory. It is immutable once built and shared by reference count: the
 * watcher builds a new set on each reload, translation reads it, and it is
 * freed when the last holder lets go.
 *
 * Every string and array inside belongs to the set (one arena); readers never
 * free them. Optional scalars have a `has_` flag or a sentinel documented on
 * the field. Lists are a pointer plus a count `n_<field>`. */
#ifndef XDSD_CONFIG_H
#define XDSD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Where a value came from, for errors in FILE:LINE:COLUMN form (1-based). */
struct config_pos {
    const char *file;
    int line;
    int column;
};

/* A string-to-string map in file order (labels, selectors). */
struct config_kv {
    const char *key;
    const char *value;
};

struct config_labels {
    struct config_kv *items;
    size_t n;
};

enum istio_kind {
    KIND_SERVICE_ENTRY,
    KIND_GATEWAY,
    KIND_VIRTUAL_SERVICE,
    KIND_DESTINATION_RULE,
    KIND_SIDECAR,
    KIND_WORKLOAD_ENTRY,
};
/* How many kinds there are: the size of per-kind tables. */
#define CONFIG_NKINDS 6

/* The kind's name as Istio writes it: "VirtualService" for KIND_VIRTUAL_SERVICE. */
const char *config_kind_name(enum istio_kind k);

/* What every resource has: identity and origin. */
struct istio_meta {
    enum istio_kind kind;
    const char *name;
    const char *namespace; /* "default" when the YAML omits it */
    int64_t generation;    /* metadata.generation, or 0 */
    struct config_pos pos; /* where the document starts */
    struct config_labels labels;
    /* a hash of the YAML document, positions excluded: resources decoded
     * from equal documents are equal wherever they stand in their files */
    uint64_t content_hash;
};

/* ---- ServiceEntry --------------------------------------------------------------- */

enum istio_protocol {
    PROTO_UNSET, /* not given: Istio treats it as auto-detected ("unnamed") */
    PROTO_HTTP,
    PROTO_HTTPS,
    PROTO_HTTP2,
    PROTO_GRPC,
    PROTO_GRPC_WEB,
    PROTO_TLS,
    PROTO_TCP,
    PROTO_MONGO,
    PROTO_REDIS,
    PROTO_MYSQL,
    PROTO_UDP,
};

struct istio_port {
    uint32_t number;
    enum istio_protocol protocol;
    const char *name;
    uint32_t target_port; /* 0: same as number */
    struct config_pos pos;
};

enum se_location { LOCATION_MESH_EXTERNAL, LOCATION_MESH_INTERNAL };
enum se_resolution {
    RESOLUTION_NONE,
    RESOLUTION_STATIC,
    RESOLUTION_DNS,
    RESOLUTION_DNS_ROUND_ROBIN
};

/* A port override of an endpoint: port name -> number. */
struct se_endpoint_port {
    const char *name;
    uint32_t number;
};

struct se_endpoint {
    const char *address; /* IP, hostname (DNS), or unix:// path */
    struct se_endpoint_port *ports;
    size_t n_ports;
    struct config_labels labels;
    const char *network;
    const char *locality;
    uint32_t weight; /* 0: unset */
    const char *service_account;
    struct config_pos pos;
};

struct service_entry {
    struct istio_meta meta;
    const char **hosts;
    size_t n_hosts;
    const char **addresses; /* IPs or CIDRs */
    size_t n_addresses;
    struct istio_port *ports;
    size_t n_ports;
    enum se_location location;
    enum se_resolution resolution;
    struct se_endpoint *endpoints;
    size_t n_endpoints;
    struct config_labels workload_selector; /* n == 0: none */
    int has_workload_selector;
    const char **export_to;
    size_t n_export_to;
    const char **subject_alt_names;
    size_t n_subject_alt_names;
    /* meta.content_hash of the document without spec.endpoints: equal for
     * two ServiceEntries that differ in their endpoints alone */
    uint64_t hash_apart_endpoints;
};

/* ---- Gateway ---------------------------------------------------------------------- */

enum server_tls_mode {
    SERVER_TLS_NONE, /* no tls block, or a block with only httpsRedirect */
    SERVER_TLS_PASSTHROUGH,
    SERVER_TLS_SIMPLE,
    SERVER_TLS_MUTUAL,
    SERVER_TLS_AUTO_PASSTHROUGH,
    SERVER_TLS_ISTIO_MUTUAL,
    SERVER_TLS_OPTIONAL_MUTUAL,
};

enum tls_version { TLS_AUTO, TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3 };

struct server_tls {
    int https_redirect;
    enum server_tls_mode mode;
    const char *server_certificate;
    const char *private_key;
    const char *ca_certificates;
    const char *credential_name;
    const char **subject_alt_names;
    size_t n_subject_alt_names;
    enum tls_version min_protocol_version;
    enum tls_version max_protocol_version;
    const char **cipher_suites;
    size_t n_cipher_suites;
};

struct gateway_server {
    struct istio_port port;
    const char *bind;   /* NULL: 0.0.0.0 */
    const char **hosts; /* as written, "ns/host" form included */
    size_t n_hosts;
    int has_tls;
    struct server_tls tls;
    const char *name;
    struct config_pos pos;
};

struct gateway {
    struct istio_meta meta;
    struct config_labels selector; /* empty: selects every gateway proxy */
    struct gateway_server *servers;
    size_t n_servers;
};

/* ---- VirtualService ---------------------------------------------------------------- */

enum string_match_kind { MATCH_NONE, MATCH_EXACT, MATCH_PREFIX, MATCH_REGEX };

struct string_match {
    enum string_match_kind kind; /* MATCH_NONE: the field was absent */
    const char *value;
};

/* A named string match: headers, query parameters, withoutHeaders. */
struct named_match {
    const char *name;
    struct string_match match; /* MATCH_NONE with value NULL: presence only ({}) */
};

struct http_match {
    const char *name;
    struct string_match uri, scheme, method, authority;
    struct named_match *headers;
    size_t n_headers;
    struct named_match *query_params;
    size_t n_query_params;
    struct named_match *without_headers;
    size_t n_without_headers;
    uint32_t port; /* 0: any */
    const char **gateways;
    size_t n_gateways;
    struct config_labels source_labels;
    const char *source_namespace;
    int ignore_uri_case;
    struct config_pos pos;
};

struct destination {
    const char *host;
    const char *subset; /* NULL: the whole service */
    uint32_t port;      /* 0: not given */
    struct config_pos pos;
};

/* Header edits of a route or of a destination. */
struct header_ops {
    struct config_labels set, add;
    const char **remove;
    size_t n_remove;
};

struct headers_spec {
    struct header_ops request, response;
};

struct route_destination {
    struct destination destination;
    int32_t weight; /* -1: not given */
    struct headers_spec headers;
};

struct http_redirect {
    const char *uri;
    const char *authority;
    uint32_t port; /* 0: unset */
    const char *scheme;
    uint32_t redirect_code; /* 0: default (301) */
};

struct http_direct_response {
    uint32_t status;
    const char *body_string; /* body.string, or NULL */
    const char *body_bytes;  /* body.bytes (base64 as written), or NULL */
};

struct http_rewrite {
    const char *uri;
    const char *authority;
    struct string_match uri_regex; /* uriRegexRewrite {match, rewrite}: value is match */
    const char *uri_regex_rewrite;
};

struct http_retry {
    int32_t attempts;           /* -1: not given */
    int64_t per_try_timeout_ms; /* -1: not given */
    const char *retry_on;
    int retry_remote_localities;
    int has_retry_remote_localities;
};

struct percent {
    int has; /* 0: not given */
    double value;
};

struct http_fault {
    int has_delay;
    int64_t delay_fixed_ms;
    struct percent delay_percentage;
    int32_t delay_percent; /* deprecated integer form, -1: unset */
    int has_abort;
    int32_t abort_http_status; /* 0: unset */
    int32_t abort_grpc_status_set;
    const char *abort_grpc_status; /* grpcStatus, e.g. "UNAVAILABLE" */
    struct percent abort_percentage;
};

struct http_mirror {
    struct destination destination;
    struct percent percentage;
};

struct cors_policy {
    struct string_match *allow_origins;
    size_t n_allow_origins;
    const char **allow_methods;
    size_t n_allow_methods;
    const char **allow_headers;
    size_t n_allow_headers;
    const char **expose_headers;
    size_t n_expose_headers;
    int64_t max_age_ms;    /* -1: unset */
    int allow_credentials; /* -1: unset, else 0/1 */
};

struct http_route {
    const char *name;
    struct http_match *match;
    size_t n_match;
    struct route_destination *route;
    size_t n_route;
    int has_redirect;
    struct http_redirect redirect;
    int has_direct_response;
    struct http_direct_response direct_response;
    int has_rewrite;
    struct http_rewrite rewrite;
    int64_t timeout_ms; /* -1: not given */
    int has_retries;
    struct http_retry retries;
    int has_fault;
    struct http_fault fault;
    struct http_mirror *mirrors; /* `mirror` (with mirrorPercentage) and `mirrors` */
    size_t n_mirrors;
    int has_cors;
    struct cors_policy cors;
    struct headers_spec headers;
    struct config_pos pos;
};

/* Match of a tls: or tcp: rule (L4). */
struct l4_match {
    const char **sni_hosts; /* tls only */
    size_t n_sni_hosts;
    const char **destination_subnets;
    size_t n_destination_subnets;
    uint32_t port;
    const char **gateways;
    size_t n_gateways;
    struct config_labels source_labels;
    const char *source_namespace;
    struct config_pos pos;
};

struct l4_route {
    struct l4_match *match;
    size_t n_match;
    struct route_destination *route;
    size_t n_route;
    struct config_pos pos;
};

struct virtual_service {
    struct istio_meta meta;
    const char **hosts;
    size_t n_hosts;
    const char **gateways; /* as written; empty means ["mesh"] */
    size_t n_gateways;
    const char **export_to;
    size_t n_export_to;
    struct http_route *http;
    size_t n_http;
    struct l4_route *tls;
    size_t n_tls;
    struct l4_route *tcp;
    size_t n_tcp;
    int has_source_labels; /* some rule matches sourceLabels (read per proxy class) */
};

/* ---- DestinationRule ----------------------------------------------------------------- */

enum lb_simple {
    LB_UNSET,
    LB_ROUND_ROBIN,
    LB_LEAST_CONN,
    LB_RANDOM,
    LB_PASSTHROUGH,
    LB_LEAST_REQUEST
};

enum hash_kind { HASH_NONE, HASH_HEADER, HASH_COOKIE, HASH_SOURCE_IP, HASH_QUERY_PARAM };

struct consistent_hash {
    enum hash_kind kind;
    const char *header_name;
    const char *cookie_name;
    const char *cookie_path;
    int64_t cookie_ttl_ms;
    const char *query_param;
    uint64_t minimum_ring_size; /* 0: unset */
};

struct locality_lb {
    int enabled; /* -1: unset */
    int has;     /* 0: no localityLbSetting */
};

struct load_balancer {
    int has;
    enum lb_simple simple;
    int has_consistent_hash;
    struct consistent_hash consistent_hash;
    struct locality_lb locality;
    int64_t warmup_ms; /* -1: unset */
};

struct connection_pool {
    int has;
    /* tcp */
    int32_t max_connections; /* -1 for every int: unset */
    int64_t connect_timeout_ms;
    int has_tcp_keepalive;
    int32_t keepalive_probes;
    int64_t keepalive_time_ms, keepalive_interval_ms;
    /* http */
    int32_t http1_max_pending_requests;
    int32_t http2_max_requests;
    int32_t max_requests_per_connection;
    int32_t max_retries;
    int64_t idle_timeout_ms;
    int h2_upgrade_policy; /* 0 default, 1 DO_NOT_UPGRADE, 2 UPGRADE */
    int32_t max_concurrent_streams;
};

struct outlier_detection {
    int has;
    int32_t consecutive_errors; /* deprecated; -1 for every int: unset */
    int32_t consecutive_gateway_errors;
    int32_t consecutive_5xx_errors;
    int64_t interval_ms;
    int64_t base_ejection_time_ms;
    int32_t max_ejection_percent;
    int32_t min_health_percent;
    int split_external_local_origin_errors;
};

enum client_tls_mode {
    CLIENT_TLS_DISABLE,
    CLIENT_TLS_SIMPLE,
    CLIENT_TLS_MUTUAL,
    CLIENT_TLS_ISTIO_MUTUAL
};

struct client_tls {
    int has;
    enum client_tls_mode mode;
    const char *client_certificate;
    const char *private_key;
    const char *ca_certificates;
    const char *credential_name;
    const char **subject_alt_names;
    size_t n_subject_alt_names;
    const char *sni;
    int insecure_skip_verify;
};

struct traffic_policy;

struct port_traffic_policy {
    uint32_t port;
    struct load_balancer load_balancer;
    struct connection_pool connection_pool;
    struct outlier_detection outlier_detection;
    struct client_tls tls;
    struct config_pos pos;
};

struct traffic_policy {
    int has; /* 0: no trafficPolicy */
    struct load_balancer load_balancer;
    struct connection_pool connection_pool;
    struct outlier_detection outlier_detection;
    struct client_tls tls;
    struct port_traffic_policy *port_level_settings;
    size_t n_port_level_settings;
};

struct subset {
    const char *name;
    struct config_labels labels;
    struct traffic_policy traffic_policy;
    struct config_pos pos;
};

struct destination_rule {
    struct istio_meta meta;
    const char *host;
    struct traffic_policy traffic_policy;
    struct subset *subsets;
    size_t n_subsets;
    const char **export_to;
    size_t n_export_to;
    struct config_labels workload_selector;
    int has_workload_selector;
};

/* ---- Sidecar ------------------------------------------------------------------------- */

/* One egress listener of a Sidecar: the services it lets the proxy see. */
struct sidecar_egress {
    int has_port;
    struct istio_port port; /* has_port: the listener is this port only */
    const char *bind;       /* NULL: as the service's listener binds */
    const char **hosts;     /* "ns/host": ns is a namespace, "." (the Sidecar's own), "*" or "~" */
    size_t n_hosts;
    struct config_pos pos;
};

enum sidecar_outbound { SIDECAR_OUTBOUND_UNSET, SIDECAR_REGISTRY_ONLY, SIDECAR_ALLOW_ANY };

/* outboundTrafficPolicy.egressProxy: where unknown destinations go. */
struct egress_proxy {
    const char *host;
    const char *subset;
    uint32_t port; /* port.number, 0: not given */
    struct config_pos pos;
};

struct sidecar {
    struct istio_meta meta;
    struct config_labels workload_selector;
    int has_workload_selector; /* 0: namespace-wide */
    struct sidecar_egress *egress;
    size_t n_egress;
    enum sidecar_outbound outbound_mode; /* SIDECAR_OUTBOUND_UNSET: the mesh's */
    int has_egress_proxy;
    struct egress_proxy egress_proxy;
    int has_ingress; /* ingress listeners were given (not translated) */
};

/* ---- WorkloadEntry ----------------------------------------------------------------- */

/* A workload outside the ServiceEntry that selects it by labels
 * (ServiceEntry.workloadSelector, same namespace). Its spec is the shape of
 * a ServiceEntry endpoint; ep.labels are the workload's labels. */
struct workload_entry {
    struct istio_meta meta;
    struct se_endpoint ep;
};

/* ---- the set ------------------------------------------------------------------------- */

enum config_severity { CONFIG_ERROR, CONFIG_WARNING };

/* One finding of loading or validation: FILE:LINE:COLUMN: error: KIND NS/NAME: message. */
struct config_diag {
    enum config_severity severity;
    struct config_pos pos;
    const char *resource; /* "VirtualService default/foo", or NULL outside a resource */
    const char *message;
    /* the analyzer code this finding is (`xdsd analyze`: "IST0101", a static
     * string), or NULL */
    const char *code;
};

struct config_diags {
    struct config_diag *items;
    size_t n;
    size_t n_errors;
    size_t n_warnings;
};

/* A loaded, validated configuration. Opaque: read it through the accessors. */
struct config_set;

/* Load every *.yaml / *.yml file under dir (recursively) and validate the
 * whole. Returns a set with a reference count of 1, or NULL with the errors in
 * *diags when anything is invalid. Warnings are in *diags either way; the
 * caller releases *diags with config_diags_release(). The *dir* may also be a
 * single file. nfiles (may be NULL) receives the number of files read. */
struct config_set *config_load(const char *dir, struct config_diags *diags, size_t *nfiles);

/* A file given to config_load_paths() that was read in place of a file of
 * a directory given before it. */
struct config_namesake {
    char *file;     /* as given */
    char *replaced; /* the directory's file, as the load names it */
};

/* What config_load_paths() read. */
struct config_paths_report {
    size_t nfiles;     /* files read */
    size_t nresources; /* resources decoded, valid or not */
    struct config_namesake *namesakes;
    size_t n_namesakes;
};

/* The standard input as a path of config_load_paths(), and its name in
 * messages. */
#define CONFIG_STDIN_PATH "-"
#define CONFIG_STDIN_NAME "<stdin>"

/* Load several files and directories as one configuration (`xdsd
 * validate`), in the order given. A file given after a directory replaces
 * its namesake there, and is read in its place: the directory's file that
 * is the same file, else the one whose path under the directory is the
 * longest trailing part of the file's path (a file's base name names a
 * file at the top of the directory). A file with no namesake is added; a
 * file named twice is read once. CONFIG_STDIN_PATH reads one YAML stream
 * from standard input as a file named CONFIG_STDIN_NAME (never a
 * namesake). Findings and the result as config_load(); report (may be
 * NULL) receives what was read, to release with
 * config_paths_report_release(). */
struct config_set *config_load_paths(const char *const *paths, size_t npaths,
                                     struct config_diags *diags,
                                     struct config_paths_report *report);
void config_paths_report_release(struct config_paths_report *r);

/* Parsed files kept between loads of one directory (the reloader's): a file
 * whose path and content are unchanged is neither parsed nor checked again;
 * the checks across resources still run over the whole set. */
struct config_cache;
struct config_cache *config_cache_new(void);
void config_cache_free(struct config_cache *c);
/* config_load() through cache, which then holds the files of this load. The
 * result is the same as config_load()'s. */
struct config_set *config_load_cached(const char *dir, struct config_cache *cache,
                                      struct config_diags *diags, size_t *nfiles);
/* config_load_cached() when only the files in changed (n paths, named the
 * way the loader names them: dir without trailing '/', then "/sub/x.yaml")
 * can differ on disk from what the last load through cache saw. Files listed
 * then and not in changed are not listed, opened or read again; a changed
 * path is read, added in its place or dropped. The result is config_load()'s.
 * It is a full load when changed is NULL, or when the cache cannot stand for
 * the tree (first load, links, unreadable directories, dir replaced, a
 * changed path that is a link or a directory). */
struct config_set *config_load_changed(const char *dir, struct config_cache *cache,
                                       const char *const *changed, size_t n,
                                       struct config_diags *diags, size_t *nfiles);
/* Whether the last load through c read only the changed files (1), or the
 * whole tree (0). */
int config_cache_partial(const struct config_cache *c);

/* The same from memory: one YAML stream named `name` in messages. */
struct config_set *config_parse(const char *name, const char *buf, size_t len,
                                struct config_diags *diags);

/* One file a set was made from: its name (as in messages) and its bytes. */
struct config_source {
    const char *name;
    const char *data;
    size_t len;
};

/* The same from several named in-memory files (a saved copy of a directory,
 * see config_sources()). The set equals the one the files first made: same
 * resources, positions and config_hash(). */
struct config_set *config_parse_sources(const struct config_source *src, size_t n,
                                        struct config_diags *diags);

void config_diags_release(struct config_diags *d);
/* Print one line per finding, as compilers print them:
 * "FILE:LINE:COLUMN: error: RESOURCE: message" (or "warning:"). */
void config_diags_print(const struct config_diags *d, void *file /* FILE* */);
/* Log one line per finding, as a reload logs those of its load (error or
 * warn level; in JSON with the resource's kind, namespace and name). */
void config_diags_log(const struct config_diags *d);
/* One finding as config_diags_print() prints it, without the newline; a
 * finding about a whole file or directory (line 0) reads "PATH: error: ...".
 * The caller frees the string. */
char *config_diag_format(const struct config_diag *g);

struct config_set *config_ref(struct config_set *s);
void config_unref(struct config_set *s);

/* The number reload of this set (set by the owner; 0 until then) and the hash
 * of all file contents, so a no-op reload is recognised. */
uint64_t config_generation(const struct config_set *s);
void config_set_generation(struct config_set *s, uint64_t generation);
uint64_t config_hash(const struct config_set *s);

/* The files the set was made from, in load order; owned by the set. Handing
 * them to config_parse_sources() rebuilds the same set. */
const struct config_source *config_sources(const struct config_set *s, size_t *n);

/* All resources of a kind, sorted by (namespace, name). */
const struct service_entry *config_service_entries(const struct config_set *s, size_t *n);
const struct gateway *config_gateways(const struct config_set *s, size_t *n);
const struct virtual_service *config_virtual_services(const struct config_set *s, size_t *n);
const struct destination_rule *config_destination_rules(const struct config_set *s, size_t *n);
const struct sidecar *config_sidecars(const struct config_set *s, size_t *n);
const struct workload_entry *config_workload_entries(const struct config_set *s, size_t *n);

/* Labels as Kubernetes writes a selector: "k=v,k=v", keys sorted ("" for
 * none). The caller frees the string. */
char *config_labels_text(const struct config_labels *labels);

#endif
