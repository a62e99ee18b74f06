/* docs.c - a YAML stream cut into documents, each named by its resource
 * (config_docs.h). A document marker is a line that starts with "---" and
 * nothing but blanks or a comment after it: inside a document no line can
 * start so at column 1, block scalars included. */
#include "xdsd/config_docs.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/arena.h"
#include "xdsd/util.h"
#include "yaml.h"

static int is_marker(const char *p, const char *end)
{
    if (end - p < 3 || memcmp(p, "---", 3) != 0)
        return 0;
    p += 3;
    return p == end || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
}

static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl + 1 : end;
}

static char *scalar(const struct cnode *n)
{
    return n && n->type == CN_SCALAR && *n->str ? xstrdup(n->str) : NULL;
}

/* The kind, namespace and name of the document d. */
static void identify(const char *file, const char *buf, struct config_doc *d)
{
    struct arena a;
    arena_init(&a);
    struct config_diags diags = {0};
    struct cdoc *docs = NULL;
    size_t n = 0;
    cyaml_parse(&a, file, buf + d->offset, d->len, &docs, &n, &diags);
    const struct cnode *root = n > 0 ? docs[0].root : NULL;
    if (root && root->type == CN_MAP) {
        const struct cnode *md = cnode_get(root, "metadata");
        d->kind = scalar(cnode_get(root, "kind"));
        d->name = scalar(cnode_get(md, "name"));
        d->namespace = scalar(cnode_get(md, "namespace"));
    }
    if (d->namespace == NULL)
        d->namespace = xstrdup("default");
    free(docs); /* the array is on the heap, the nodes in the arena */
    config_diags_release(&diags);
    arena_release(&a);
}

/* Only blanks and comments between p and end. */
static int empty(const char *p, const char *end)
{
    while (p < end) {
        const char *e = line_end(p, end);
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q < e && *q != '#')
            return 0;
        p = e;
    }
    return 1;
}

size_t config_docs_split(const char *file, const char *buf, size_t len, struct config_doc **docs)
{
    const char *p = buf, *end = buf + len, *start = buf;
    int line = 1, start_line = 1;
    size_t n = 0, cap = 0;
    *docs = NULL;
    for (;;) {
        int at_end = p >= end;
        if (at_end || is_marker(p, end)) {
            if (!empty(start, p)) {
                xgrow((void **)docs, &cap, n + 1, sizeof(**docs));
                struct config_doc *d = &(*docs)[n++];
                memset(d, 0, sizeof(*d));
                d->offset = (size_t)(start - buf);
                d->len = (size_t)(p - start);
                d->line = start_line;
                identify(file, buf, d);
            }
            if (at_end)
                break;
            p = line_end(p, end);
            line++;
            start = p;
            start_line = line;
            continue;
        }
        p = line_end(p, end);
        line++;
    }
    return n;
}

void config_docs_free(struct config_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(docs[i].kind);
        free(docs[i].namespace);
        free(docs[i].name);
    }
    free(docs);
}
