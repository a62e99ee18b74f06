/* simulate.h - where a request goes: a walk of the Envoy configuration a
 * proxy receives, with Envoy's own matching rules, hop by hop.
 *
 * The walk reads the packed resources of a view (what xDS sends), never the
 * Istio YAML: listener by destination port (virtualOutbound hands over to
 * the listener of the original destination), filter chain by destination
 * port, server name, transport and application protocols, virtual host by
 * domain, routes in order, weighted clusters, then the cluster's endpoints.
 * When an endpoint is a gateway proxy the configuration declares (a
 * ServiceEntry endpoint whose labels a Gateway selects), the walk goes on
 * with that gateway's view. docs/simulate.md has the rules and the output. */
#ifndef XDSD_SIMULATE_H
#define XDSD_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"

enum sim_scheme { SIM_HTTP, SIM_HTTPS, SIM_TCP };

/* A request as the app sends it. */
struct sim_request {
    enum sim_scheme scheme;
    char *host; /* name or IP literal */
    uint32_t port;
    char *path;                /* "/" when none; NULL for tcp:// */
    struct config_kv *headers; /* -H 'Name: value', names lower-cased, owned */
    size_t n_headers;
    char *text; /* the request as given */
};

/* Parse http://HOST[:PORT]/PATH, https://... or tcp://ADDR:PORT into r.
 * Returns 0, or -1 with why in *err (caller frees). */
int sim_request_parse(const char *url, struct sim_request *r, char **err);
/* Add a header line "Name: value" to r; -1 with *err when it has no ':'. */
int sim_request_header(struct sim_request *r, const char *line, char **err);
void sim_request_release(struct sim_request *r);

/* One branch of a weighted route or tcp_proxy. */
struct sim_branch {
    char *cluster;
    uint32_t weight;
};

/* What one proxy did with the connection or request. Names are empty when
 * the stage was not reached; every string is owned by the hop. */
struct sim_hop {
    char *proxy; /* node id */
    char *kind;  /* "sidecar" or "gateway" */
    char *listener;
    char *filter_chain;     /* its name, "" when unnamed */
    int filter_chain_index; /* -1: the default filter chain or none */
    char *sni;              /* the server name the proxy saw, "" none */
    char *transport;        /* "tls" or "raw_buffer" */
    char *route_config, *virtual_host, *route;
    char *cluster;               /* the chosen (heaviest) branch */
    struct sim_branch *branches; /* n > 1: a weighted split */
    size_t n_branches;
    char *upstream; /* endpoint ADDR:PORT, DNS name:PORT, or "" */
    char *tls;      /* connection to the next hop: plain|ISTIO_MUTUAL|originated|passthrough */
    char *outcome;  /* NULL: forwarded; else what Envoy answers ("404 NR", "connection reset") */
    char *why;      /* a sentence, set with outcome or for notable turns */
};

/* The whole path of one request. */
struct sim_result {
    struct sim_hop *hops;
    size_t n_hops;
    char *destination; /* "edition.cnn.com:443" when it leaves the mesh, else NULL */
};

/* Where the walk gets each proxy's resources: the view of a proxy (NULL
 * with *err set when translation failed). */
typedef const struct xds_view *(*sim_view_fn)(void *ctx, const struct proxy_identity *id,
                                              char **err);

/* Walk r from proxy id through the views view() gives, using cfg to tell a
 * gateway endpoint. Fills *out (release with sim_result_release()); returns
 * 0, or -1 with *err when a view could not be had. */
int sim_walk(sim_view_fn view, void *ctx, const struct config_set *cfg,
             const struct proxy_identity *id, const struct sim_request *r, struct sim_result *out,
             char **err);
void sim_result_release(struct sim_result *res);

/* The result as JSON ({"request", "hops": [...], "destination"}), new reference. */
json_t *sim_result_json(const struct sim_request *r, const struct sim_result *res);
/* The text of a result's JSON (from sim_result_json(), here or from a
 * running server's /debug/simulate): a block per hop and the path line, in
 * a heap string. */
char *sim_json_text(const json_t *j);

/* The egress map (/debug/egressz) of cfg over views from view(): for each
 * sidecar namespace in namespaces (n) and each MESH_EXTERNAL host:port, the
 * path of a request to it. New reference. */
json_t *sim_egress_map(sim_view_fn view, void *ctx, const struct config_set *cfg,
                       const char *const *namespaces, size_t n, uint64_t generation);

#endif
