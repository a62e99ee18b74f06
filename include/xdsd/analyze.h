/* analyze.h - `xdsd analyze`: findings about a configuration that loads,
 * in the shape of istioctl analyze (docs/analyze.md lists every code).
 *
 * A finding has a code (Istio's IST0101... where Istio has one, ours
 * XDS1001... for the egress paths Istio does not check), a level and the
 * place of the resource or of the field it is about. Findings come from two
 * sources: the findings of loading and validation (config_diags), each
 * given the code of the check it is, and the analyzers, which read a
 * loaded config set (and, with --live, the proxies connected to a running
 * server). Both the command line and the debug endpoint /debug/analyzez run
 * the same functions. */
#ifndef XDSD_ANALYZE_H
#define XDSD_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "xdsd/config.h"
#include "xdsd/options.h"
#include "xdsd/proxy.h"

enum analyze_level { ANALYZE_INFO, ANALYZE_WARNING, ANALYZE_ERROR };

/* One code of the registry: "IST0101", its level and what it means. */
struct analyze_code {
    const char *code;
    enum analyze_level level;
    const char *name;    /* Istio's message name, or ours */
    const char *meaning; /* one line */
};

/* Every code, in code order; *n receives the count. */
const struct analyze_code *analyze_codes(size_t *n);
/* The code named code ("IST0128"), or NULL. */
const struct analyze_code *analyze_code_find(const char *code);
/* "Error", "Warning" or "Info", as istioctl prints them. */
const char *analyze_level_name(enum analyze_level l);
/* The level named by word ("error", "warning", "info", any case): 0, or -1. */
int analyze_level_parse(const char *word, enum analyze_level *out);

/* One finding; every string is owned by the list that holds it. */
struct analyze_finding {
    const char *code; /* static: the registry's */
    enum analyze_level level;
    char *kind; /* "VirtualService", or "" for a finding about a whole file */
    char *namespace;
    char *name;
    char *file;
    int line, column;
    char *message;
};

struct analyze_findings {
    struct analyze_finding *items;
    size_t n, cap;
};

/* What changes the answer, as `xdsd serve` takes it. */
struct analyze_options {
    enum outbound_policy outbound;
    const char *mesh_certs;   /* the mesh's root is mesh_certs/root-cert.pem */
    const char *trust_domain; /* of the mesh's SPIFFE identities */
    /* live: the proxies connected to the server (the selector code then
     * asks them, not the declared gateway services) */
    int live;
    const struct proxy_identity *proxies;
    size_t n_proxies;
};

/* The defaults of `xdsd serve`: ALLOW_ANY, /etc/certs, cluster.local, offline. */
void analyze_options_init(struct analyze_options *o);

/* Add one finding of loading or validation: code is the one the check gave
 * it (struct config_diag's), or NULL for XDS0001 / XDS0002 (an error / a
 * warning no analyzer names). resource is "KIND NAMESPACE/NAME" or NULL.
 * With o->live the declared-service form of the selector finding is left
 * out (the analyzers ask the connected proxies instead). */
void analyze_add_diag(struct analyze_findings *f, const struct analyze_options *o, int warning,
                      const char *code, const char *file, int line, int column,
                      const char *resource, const char *message);
/* analyze_add_diag() for each finding of d. */
void analyze_add_diags(struct analyze_findings *f, const struct analyze_options *o,
                       const struct config_diags *d);

/* Run every analyzer over the loaded set s and add what they find. */
void analyze_set(struct analyze_findings *f, const struct config_set *s,
                 const struct analyze_options *o);

/* Sort by file, line, column, then code; drop exact repeats. */
void analyze_findings_sort(struct analyze_findings *f);
/* Whether some finding is at least of level min. */
int analyze_findings_reach(const struct analyze_findings *f, enum analyze_level min);
/* How many findings have code. */
size_t analyze_findings_count(const struct analyze_findings *f, const char *code);
void analyze_findings_release(struct analyze_findings *f);

/* One line as istioctl prints it, without newline:
 * "Error [IST0101] (VirtualService default/x FILE:LINE:COL) message". The
 * caller frees it. */
char *analyze_finding_text(const struct analyze_finding *g);
/* The findings as a JSON array of {code, level, kind, namespace, name,
 * file, line, column, message}; the caller frees the text. */
char *analyze_findings_json(const struct analyze_findings *f, int pretty);
/* The reverse, for --live: 0, or -1 with *err (caller frees) when text is
 * not such an array. Unknown codes are refused. */
int analyze_findings_parse(const char *text, struct analyze_findings *f, char **err);

#endif
