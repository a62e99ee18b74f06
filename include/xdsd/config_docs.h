/* config_docs.h - a YAML stream cut into its documents, each with the
 * identity of the resource it holds, so that each can be stored on its
 * own (one etcd key per resource: `xdsd apply`). */
#ifndef XDSD_CONFIG_DOCS_H
#define XDSD_CONFIG_DOCS_H

#include <stddef.h>

/* One document: its bytes in the stream and what it names. */
struct config_doc {
    size_t offset, len; /* the document's text in the stream, without its "---" line */
    int line;           /* where that text starts, 1-based */
    char *kind;         /* NULL when the document does not say (the loader reports it) */
    char *namespace;    /* "default" when not given */
    char *name;
};

/* Cut buf (named file) at its "---" lines. Documents with nothing but
 * comments or blanks are left out. Returns the count and *docs (free with
 * config_docs_free()). Never fails: a document that is not YAML or names no
 * kind comes back with kind NULL, for the loader to report. */
size_t config_docs_split(const char *file, const char *buf, size_t len, struct config_doc **docs);
void config_docs_free(struct config_doc *docs, size_t n);

struct config_source;
struct config_diags;
/* The bytes of the YAML files that paths name: a file, a directory (its
 * *.yaml and *.yml files, recursively, sorted) or "-" (standard input,
 * named "<stdin>"), in order. Returns the count and *out (free with
 * config_inputs_free()); unreadable paths are errors in *d. */
size_t config_inputs_read(const char *const *paths, size_t n, struct config_source **out,
                          struct config_diags *d);
void config_inputs_free(struct config_source *src, size_t n);

#endif
