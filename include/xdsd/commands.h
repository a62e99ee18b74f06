/* commands.h - the commands of the xdsd binary, after their options are
 * parsed. Each returns the process exit code: 0 success, 1 failure, 2 usage.
 * Also the defaults of `xdsd serve` and the checks of its flags' values. */
#ifndef XDSD_COMMANDS_H
#define XDSD_COMMANDS_H

#include "xdsd/options.h"

/* Serve xDS until SIGINT/SIGTERM. */
int cmd_serve(const struct serve_options *o);

/* Validate files or directories of Istio YAML; print errors and a summary. */
int cmd_validate(const char *const *paths, int npaths);

struct config_set;
struct config_diags;
/* Add to d what translating s for the proxies it most likely serves finds
 * (validate's last step, and apply's). */
void cmd_translation_findings(struct config_set *s, struct config_diags *d);

/* What `xdsd dump` is asked for. */
struct dump_request {
    const char *proxy;     /* node id */
    const char *labels;    /* "k=v,k=v" or NULL */
    const char *namespace; /* or NULL: from the node id */
    const char *type;      /* listeners|routes|clusters|endpoints|all */
};

/* Print the config_dump JSON a proxy would receive from o->config_dir. */
int cmd_dump(const struct serve_options *o, const struct dump_request *d);

enum status_output { STATUS_TABLE, STATUS_JSON };

/* Print what a running server's debug endpoint at addr reports: a header
 * line (generation, source, last reload) and the sync table of every proxy,
 * or the detail of one (proxy: node id or POD.NAMESPACE, else NULL); with
 * STATUS_JSON one object, {"debug_addr", "config" (configz without its
 * lists, which are counted), "proxies" (syncz)}. Returns 1 with a one-line
 * message when the server cannot be reached or the proxy is not connected. */
int cmd_status(const char *addr, const char *proxy, enum status_output output);

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
