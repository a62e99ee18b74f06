/* commands.h - the commands of the xdsd binary, after their options are
 * parsed. Each returns the process exit code: 0 success, 1 failure, 2 usage.
 * Also the defaults of `xdsd serve` and the checks of its flags' values. */
#ifndef XDSD_COMMANDS_H
#define XDSD_COMMANDS_H

#include <stddef.h>

#include "xdsd/options.h"

/* Serve xDS until SIGINT/SIGTERM. */
int cmd_serve(const struct serve_options *o);

/* Validate files or directories of Istio YAML; print errors and a summary. */
int cmd_validate(const char *const *paths, int npaths);

/* Add to d what translation cannot carry of s (the findings of `xdsd
 * validate` after loading): the proxies s most likely serves are
 * translated as at publish. */
struct config_set;
struct config_diags;
void cmd_translation_findings(struct config_set *s, struct config_diags *d);

/* What `xdsd analyze` is asked for (src/cmd/analyze.c). */
struct analyze_request {
    const char *const *paths; /* offline: files and directories */
    int npaths;
    int live;               /* ask the server at debug_addr instead */
    const char *debug_addr; /* HOST:PORT */
    int json;               /* -o json */
    int fail_never;         /* --fail-on never */
    int fail_on;            /* enum analyze_level: the least level that fails */
    /* the settings given on the command line (NULL: not given) */
    const char *outbound, *mesh_certs, *trust_domain;
};

/* Print the findings of `xdsd analyze`: exit 0, 1 when a finding reaches
 * --fail-on or the configuration does not load or the server cannot be
 * asked, 2 for a path that is not there. */
int cmd_analyze(const struct analyze_request *r);

/* What `xdsd dump` is asked for. */
struct dump_request {
    const char *proxy;     /* node id */
    const char *labels;    /* "k=v,k=v" or NULL */
    const char *namespace; /* or NULL: from the node id */
    const char *type;      /* listeners|routes|clusters|endpoints|all */
};

/* Print the config_dump JSON a proxy would receive from o->config_dir. */
int cmd_dump(const struct serve_options *o, const struct dump_request *d);

/* What `xdsd simulate` is asked for. */
struct simulate_request {
    const char *proxy;   /* node id */
    const char *labels;  /* "k=v,k=v" or NULL */
    const char *request; /* http://HOST[:PORT]/PATH, https://..., tcp://ADDR:PORT */
    const char **headers; /* -H lines "Name: value" */
    size_t n_headers;
    int json; /* -o json */
    const char *debug_addr; /* --live: the running server's debug endpoint, else NULL */
};

/* Walk s->request from s->proxy over the configuration of o->config_dir, or
 * with s->debug_addr on a running server, and print each hop
 * (src/simulate/); 1 when the configuration is invalid or the server
 * cannot answer. */
int cmd_simulate(const struct serve_options *o, const struct simulate_request *s);

enum status_output { STATUS_TABLE, STATUS_JSON };

/* Print what a running server's debug endpoint at addr reports: a header
 * line (generation, source, last reload) and the sync table of every proxy,
 * or the detail of one (proxy: node id or POD.NAMESPACE, else NULL); with
 * STATUS_JSON one object, {"debug_addr", "config" (configz without its
 * lists, which are counted), "proxies" (syncz)}. Returns 1 with a one-line
 * message when the server cannot be reached or the proxy is not connected. */
int cmd_status(const char *addr, const char *proxy, enum status_output output);

/* ---- proxy-config (src/cmd/proxy_config.c) */

enum proxy_config_output { PROXY_CONFIG_TABLE, PROXY_CONFIG_JSON, PROXY_CONFIG_YAML };

/* What `xdsd proxy-config` is asked for. */
struct proxy_config_request {
    const char *addr;  /* debug endpoint, HOST:PORT */
    const char *type;  /* clusters|listeners|routes|endpoints|secrets|all */
    const char *proxy; /* node id, POD.NAMESPACE or a unique prefix of either */
    const char *name;  /* or NULL: keep rows of this resource name only */
    unsigned port;     /* or 0: keep rows of this port only */
    enum proxy_config_output output;
};

/* Print what a connected proxy was last sent, as istioctl proxy-config's
 * tables or as the resources in JSON/YAML. Returns 1 with a message when the
 * server cannot be reached or PROXY names no proxy or several (listed). */
int cmd_proxy_config(const struct proxy_config_request *req);

/* ---- configuration in etcd (src/cmd/apply.c, src/cmd/get.c) */

/* Validate the files (FILE, DIR or "-") with the content of etcd at one
 * revision, then write them in one transaction guarded by that revision
 * (retried once when another writer came first); print a line per
 * resource: created, configured or unchanged. */
int cmd_apply(const struct etcd_options *o, const char *const *files, int nfiles);
/* Print the resources in etcd (kind and NAMESPACE/NAME narrow it down)
 * as a table, their YAML or JSON (output: "table", "yaml", "json"). */
int cmd_get(const struct etcd_options *o, const char *kind, const char *nsname,
            const char *output);
/* The kind as a key names it ("VirtualService") for word in any case, or
 * NULL when xdsd keeps no such kind. */
const char *cmd_etcd_kind(const char *word);
/* Remove one resource, if what remains still validates. */
int cmd_delete(const struct etcd_options *o, const char *kind, const char *nsname);

/* ---- options (src/cmd/options.c) */

/* Fill o with the defaults of docs/design.md. */
void serve_options_init(struct serve_options *o);

/* A count of bytes from 1 to max: decimal digits only (no sign, space or
 * suffix). Returns NULL and sets *out, or a heap string saying why not
 * ("too large: at most N"), for a usage error that quotes text. */
char *option_bytes(const char *text, int64_t max, int64_t *out);

/* A duration in Istio's form (duration_parse_ms(): "100ms", "1m30s", "0") of
 * at most max_ms, which max_text spells. Returns NULL and sets *out_ms, or a
 * heap string saying why not ("no unit: give e.g. 5ms or 5s"), for a usage
 * error that quotes text. */
char *option_duration(const char *text, int64_t max_ms, const char *max_text, int64_t *out_ms);

#endif
