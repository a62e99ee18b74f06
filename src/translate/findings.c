/* findings.c - what the configuration asks that translation cannot give (a
 * destination with no cluster, credentialName without SDS): findings about
 * the resource that asks it, collected by builds and kept once per
 * generation, so that a warning is reported once, with its file and line,
 * however many proxy classes and builds meet it. */
#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

void tr_finding(struct tr_build *b, const struct istio_meta *meta, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    struct tr_finding *f = arena_alloc(b->a, sizeof(*f));
    f->meta = meta;
    f->message = arena_strdup(b->a, buf);
    pvec_push(b->a, &b->findings, f);
}

void tr_findings_init(struct tr_findings *f)
{
    memset(f, 0, sizeof(*f));
    map_init_str(&f->seen, NULL);
}

void tr_findings_release(struct tr_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].message);
        free(f->v[i].key);
    }
    free(f->v);
    map_release(&f->seen);
    memset(f, 0, sizeof(*f));
}

int tr_findings_add(struct tr_findings *f, const struct istio_meta *meta, const char *message)
{
    char *key = xasprintf("%p %s", (const void *)meta, message);
    if (map_get(&f->seen, key) != NULL) {
        free(key);
        return 0;
    }
    map_add(&f->seen, key, key);
    xgrow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v));
    f->v[f->n++] = (struct tr_found){meta, xstrdup(message), key};
    return 1;
}

size_t tr_build_findings(const struct tr_build *b, struct tr_findings *f)
{
    size_t added = 0;
    for (size_t i = 0; i < b->findings.n; i++) {
        const struct tr_finding *g = b->findings.v[i];
        added += (size_t)tr_findings_add(f, g->meta, g->message);
    }
    return added;
}

static int pos_cmp(const void *x, const void *y)
{
    const struct config_diag *a = x, *b = y;
    int c = strcmp(a->pos.file ? a->pos.file : "", b->pos.file ? b->pos.file : "");
    if (c == 0)
        c = (a->pos.line > b->pos.line) - (a->pos.line < b->pos.line);
    if (c == 0)
        c = (a->pos.column > b->pos.column) - (a->pos.column < b->pos.column);
    return c != 0 ? c : strcmp(a->message, b->message);
}

void tr_findings_diags(const struct tr_findings *f, struct config_diags *d)
{
    if (f->n == 0)
        return;
    size_t first = d->n;
    d->items = xrealloc(d->items, (d->n + f->n) * sizeof(*d->items));
    for (size_t i = 0; i < f->n; i++) {
        const struct istio_meta *m = f->v[i].meta;
        struct config_diag *g = &d->items[d->n++];
        g->severity = CONFIG_WARNING;
        g->pos = m->pos;
        g->pos.file = xstrdup(m->pos.file ? m->pos.file : "");
        g->resource = xasprintf("%s %s/%s", config_kind_name(m->kind), m->namespace, m->name);
        g->message = xstrdup(f->v[i].message);
        g->code = NULL;
        d->n_warnings++;
    }
    qsort(d->items + first, f->n, sizeof(*d->items), pos_cmp);
}
