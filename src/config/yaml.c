/* yaml.c - libyaml events into a small positioned node tree.
 *
 * Only the loader sees this tree: it keeps what the decoders need (type,
 * text, line and column) and nothing else. Aliases point at the anchored node
 * (a DAG), so the tree stays small; each node carries its expanded weight and
 * a document whose expansion passes CYAML_MAX_NODES is refused, which stops
 * "billion laughs" inputs before the decoders walk them. */
#include "yaml.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "diag.h"
#include "xdsd/util.h"

#define MAX_DEPTH 256
#define MAX_ANCHORS 10000

struct frame {
    struct cnode *node;
    struct cnode **items;
    size_t n, cap;
    char *anchor;
};

struct anchor {
    char *name;
    struct cnode *node;
};

struct builder_state {
    struct arena *a;
    const char *file;
    struct config_diags *d;
    struct frame stack[MAX_DEPTH];
    int depth;
    struct anchor *anchors;
    size_t n_anchors, cap_anchors;
    struct cnode *root;
    int failed;
};

static void st_error(struct builder_state *s, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void st_error(struct builder_state *s, int line, int column, const char *fmt, ...)
{
    struct config_pos pos = {s->file, line, column};
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(s->d, CONFIG_ERROR, pos, NULL, fmt, ap);
    va_end(ap);
    s->failed = 1;
}

static struct cnode *new_node(struct builder_state *s, enum cnode_type t, const yaml_mark_t *m)
{
    struct cnode *n = arena_alloc(s->a, sizeof(*n));
    n->type = t;
    n->line = (int)m->line + 1;
    n->column = (int)m->column + 1;
    n->str = "";
    n->weight = 1;
    return n;
}

static void forget_anchors(struct builder_state *s)
{
    for (size_t i = 0; i < s->n_anchors; i++)
        free(s->anchors[i].name);
    s->n_anchors = 0;
}

static void remember(struct builder_state *s, const char *name, struct cnode *n, int line, int col)
{
    if (s->n_anchors >= MAX_ANCHORS) {
        st_error(s, line, col, "too many anchors (more than %d)", MAX_ANCHORS);
        return;
    }
    xgrow((void **)&s->anchors, &s->cap_anchors, s->n_anchors + 1, sizeof(*s->anchors));
    s->anchors[s->n_anchors].name = xstrdup(name);
    s->anchors[s->n_anchors].node = n;
    s->n_anchors++;
}

static struct cnode *lookup_anchor(struct builder_state *s, const char *name)
{
    /* the latest definition wins, as YAML allows redefining an anchor */
    for (size_t i = s->n_anchors; i-- > 0;)
        if (strcmp(s->anchors[i].name, name) == 0)
            return s->anchors[i].node;
    return NULL;
}

/* Attach a finished node to the open collection, or make it the root. */
static void attach(struct builder_state *s, struct cnode *n)
{
    if (s->depth == 0) {
        s->root = n;
        return;
    }
    struct frame *f = &s->stack[s->depth - 1];
    xgrow((void **)&f->items, &f->cap, f->n + 1, sizeof(*f->items));
    f->items[f->n++] = n;
    f->node->weight += n->weight;
    if (f->node->weight > CYAML_MAX_NODES && !s->failed)
        st_error(s, n->line, n->column,
                 "document too large: more than %d nodes once aliases "
                 "are expanded",
                 CYAML_MAX_NODES);
}

static int is_merge_key(const struct cnode *k)
{
    return k->type == CN_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

static int has_key(struct cnode **items, size_t npairs, const char *key)
{
    for (size_t i = 0; i < npairs; i++)
        if (items[2 * i]->type == CN_SCALAR && strcmp(items[2 * i]->str, key) == 0)
            return 1;
    return 0;
}

static void merge_from(struct frame *f, struct cnode ***out, size_t *n, size_t *cap,
                       const struct cnode *src)
{
    if (src->type != CN_MAP)
        return;
    for (size_t i = 0; i < src->n; i++) {
        if (has_key(*out, *n, src->items[2 * i]->str))
            continue;
        xgrow((void **)out, cap, 2 * (*n + 1), sizeof(**out));
        (*out)[2 * *n] = src->items[2 * i];
        (*out)[2 * *n + 1] = src->items[2 * i + 1];
        (*n)++;
        f->node->weight += src->items[2 * i]->weight + src->items[2 * i + 1]->weight;
    }
}

/* YAML merge keys (`<<: *base`), as Kubernetes tooling accepts them: own keys
 * first, then the merged ones that are not overridden. */
static void expand_merges(struct frame *f)
{
    struct cnode **out = NULL;
    size_t n = 0, cap = 0;
    size_t npairs = f->n / 2;
    int any = 0;
    for (size_t i = 0; i < npairs; i++)
        if (is_merge_key(f->items[2 * i]))
            any = 1;
    if (!any)
        return;
    for (size_t i = 0; i < npairs; i++) {
        if (is_merge_key(f->items[2 * i]))
            continue;
        xgrow((void **)&out, &cap, 2 * (n + 1), sizeof(*out));
        out[2 * n] = f->items[2 * i];
        out[2 * n + 1] = f->items[2 * i + 1];
        n++;
    }
    for (size_t i = 0; i < npairs; i++) {
        const struct cnode *v = f->items[2 * i + 1];
        if (!is_merge_key(f->items[2 * i]))
            continue;
        if (v->type == CN_SEQ)
            for (size_t j = 0; j < v->n; j++)
                merge_from(f, &out, &n, &cap, v->items[j]);
        else
            merge_from(f, &out, &n, &cap, v);
    }
    free(f->items);
    f->items = out;
    f->n = 2 * n;
    f->cap = cap;
}

static void open_collection(struct builder_state *s, enum cnode_type t, const yaml_mark_t *m,
                            const yaml_char_t *anchor)
{
    if (s->depth >= MAX_DEPTH) {
        st_error(s, (int)m->line + 1, (int)m->column + 1, "nesting deeper than %d levels",
                 MAX_DEPTH);
        return;
    }
    struct frame *f = &s->stack[s->depth++];
    memset(f, 0, sizeof(*f));
    f->node = new_node(s, t, m);
    f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
}

static void close_collection(struct builder_state *s)
{
    struct frame *f = &s->stack[s->depth - 1];
    struct cnode *n = f->node;
    if (n->type == CN_MAP) {
        for (size_t i = 0; i + 1 < f->n; i += 2)
            if (f->items[i]->type != CN_SCALAR && f->items[i]->type != CN_NULL)
                st_error(s, f->items[i]->line, f->items[i]->column, "mapping keys must be scalars");
        expand_merges(f);
        n->n = f->n / 2;
    } else {
        n->n = f->n;
    }
    n->items = arena_alloc(s->a, (f->n ? f->n : 1) * sizeof(*n->items));
    if (f->n)
        memcpy(n->items, f->items, f->n * sizeof(*n->items));
    free(f->items);
    /* anchors are usable once their node is complete: no cycles */
    if (f->anchor)
        remember(s, f->anchor, n, n->line, n->column);
    free(f->anchor);
    s->depth--;
    attach(s, n);
}

static void on_scalar(struct builder_state *s, const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t len = e->data.scalar.length;
    int plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (e->data.scalar.tag && strcmp((const char *)e->data.scalar.tag, YAML_STR_TAG) == 0)
        plain = 0;
    int null = plain && (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
                         strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
    struct cnode *n = new_node(s, null ? CN_NULL : CN_SCALAR, &e->start_mark);
    n->plain = plain;
    if (!null)
        n->str = memchr(v, '\0', len) ? arena_strdup(s->a, v) : arena_strndup(s->a, v, len);
    if (e->data.scalar.anchor)
        remember(s, (const char *)e->data.scalar.anchor, n, n->line, n->column);
    attach(s, n);
}

static void on_alias(struct builder_state *s, const yaml_event_t *e)
{
    struct cnode *n = lookup_anchor(s, (const char *)e->data.alias.anchor);
    if (n == NULL) {
        st_error(s, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
                 "unknown anchor '%s'", (const char *)e->data.alias.anchor);
        return;
    }
    attach(s, n);
}

static void add_doc(struct builder_state *s, struct cdoc **docs, size_t *ndocs, size_t *cap,
                    const yaml_mark_t *m)
{
    xgrow((void **)docs, cap, *ndocs + 1, sizeof(**docs));
    struct cdoc *d = &(*docs)[(*ndocs)++];
    d->root = s->root && s->root->type != CN_NULL ? s->root : NULL;
    d->line = (int)m->line + 1;
    d->column = (int)m->column + 1;
}

static void unwind(struct builder_state *s)
{
    while (s->depth > 0) {
        struct frame *f = &s->stack[--s->depth];
        free(f->items);
        free(f->anchor);
    }
    forget_anchors(s);
    free(s->anchors);
}

/* One event; returns 0 at stream end. */
static int on_event(struct builder_state *s, const yaml_event_t *e, struct cdoc **docs,
                    size_t *ndocs, size_t *cap, yaml_mark_t *doc_mark)
{
    switch (e->type) {
    case YAML_STREAM_END_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        s->root = NULL;
        *doc_mark = e->start_mark;
        break;
    case YAML_DOCUMENT_END_EVENT:
        add_doc(s, docs, ndocs, cap, doc_mark);
        forget_anchors(s); /* anchors do not cross documents */
        break;
    case YAML_MAPPING_START_EVENT:
        open_collection(s, CN_MAP, &e->start_mark, e->data.mapping_start.anchor);
        break;
    case YAML_SEQUENCE_START_EVENT:
        open_collection(s, CN_SEQ, &e->start_mark, e->data.sequence_start.anchor);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        close_collection(s);
        break;
    case YAML_SCALAR_EVENT:
        on_scalar(s, e);
        break;
    case YAML_ALIAS_EVENT:
        on_alias(s, e);
        break;
    default:
        break;
    }
    return 1;
}

/* libyaml's words for the mistakes people make most, in theirs. */
static int says(const yaml_parser_t *p, const char *problem)
{
    return p->problem && strcmp(p->problem, problem) == 0;
}

/* What went wrong, in plain words, and where: libyaml's problem mark, or
 * its context mark when that is where the mistake is (the key that lacks
 * its ':', the quote that is never closed). The caller frees. */
static char *yaml_error_text(const yaml_parser_t *p, const char *buf, size_t len, int *line,
                             int *column)
{
    const yaml_mark_t *m = p->context ? &p->context_mark : &p->problem_mark;
    if (p->problem_mark.line > 0 || p->problem_mark.column > 0)
        m = &p->problem_mark;
    const yaml_mark_t *ctx = &p->context_mark;
    char at = p->problem_mark.index < len ? buf[p->problem_mark.index] : '\0';
    char *text = NULL;
    if ((says(p, "found character that cannot start any token") && at == '\t') ||
        says(p, "found a tab character that violates indentation")) {
        text = xstrdup("a tab in the indentation: YAML indents with spaces only");
    } else if (says(p, "found character that cannot start any token") && (at == '@' || at == '`')) {
        text = xasprintf("'%c' cannot start a plain value: quote the value", at);
    } else if (says(p, "could not find expected ':'") && p->context) {
        m = ctx;
        text = xstrdup("a key without ':' (or a line that is not 'key: value')");
    } else if (says(p, "did not find expected key") && at == '-') {
        text = xstrdup("a '-' item where a key was expected: it does not line up with the items "
                       "of the list above");
    } else if (says(p, "did not find expected key") && p->context) {
        text = xasprintf("bad indentation: column %d lines up with no key above (the keys of "
                         "the mapping at line %d start at column %d)",
                         (int)p->problem_mark.column + 1, (int)ctx->line + 1, (int)ctx->column + 1);
    } else if (says(p, "did not find expected '-' indicator") && p->context) {
        text = xasprintf("bad indentation: expected a '-' item of the list at line %d, column "
                         "%d here, or a key further left",
                         (int)ctx->line + 1, (int)ctx->column + 1);
    } else if (says(p, "found unknown escape character")) {
        text = xstrdup("an unknown escape sequence in a double-quoted string: write '\\\\' for "
                       "a backslash, or use single quotes");
    } else if (says(p, "mapping values are not allowed in this context")) {
        text = xstrdup("unexpected ':': this line is indented further than the keys beside it, "
                       "or a plain value holds ': ' (quote the value)");
    } else if ((says(p, "did not find expected ',' or ']'") ||
                says(p, "did not find expected ',' or '}'")) &&
               p->context) {
        char open = p->problem[strlen(p->problem) - 2] == ']' ? '[' : '{';
        text = xasprintf("the '%c' at line %d, column %d is not closed (or a ',' is missing)", open,
                         (int)ctx->line + 1, (int)ctx->column + 1);
    } else if (says(p, "found unexpected end of stream") && p->context &&
               strcmp(p->context, "while scanning a quoted scalar") == 0) {
        m = ctx;
        text = xstrdup("a quoted string that is never closed");
    }
    if (text == NULL)
        text = xasprintf("%s%s%s", p->problem ? p->problem : "syntax error", p->context ? " " : "",
                         p->context ? p->context : "");
    *line = (int)m->line + 1;
    *column = (int)m->column + 1;
    return text;
}

int cyaml_parse(struct arena *a, const char *file, const char *buf, size_t len, struct cdoc **docs,
                size_t *ndocs, struct config_diags *d)
{
    struct builder_state s;
    memset(&s, 0, sizeof(s));
    s.a = a;
    s.file = file;
    s.d = d;
    size_t before = d->n_errors, cap = 0;
    *docs = NULL;
    *ndocs = 0;
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    yaml_mark_t doc_mark = {0, 0, 0};
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            int line, column;
            char *text = yaml_error_text(&p, buf, len, &line, &column);
            st_error(&s, line, column, "invalid YAML: %s", text);
            free(text);
            break;
        }
        int more = on_event(&s, &e, docs, ndocs, &cap, &doc_mark);
        yaml_event_delete(&e);
        if (!more || s.failed)
            break;
    }
    yaml_parser_delete(&p);
    unwind(&s);
    return (int)(d->n_errors - before);
}

const struct cnode *cnode_get(const struct cnode *n, const char *key)
{
    if (n == NULL || n->type != CN_MAP)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (n->items[2 * i]->type == CN_SCALAR && strcmp(n->items[2 * i]->str, key) == 0)
            return n->items[2 * i + 1];
    return NULL;
}
