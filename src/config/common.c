/* common.c - diagnostics and the position table of src/config/. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* ---- diagnostics ---------------------------------------------------------- */

void diag_vadd(struct config_diags *d, enum config_severity sev, struct config_pos pos,
               const char *resource, const char *fmt, va_list ap)
{
    if (sev == CONFIG_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
    /* a hostile or badly broken input could otherwise produce millions */
    if (d->n > CONFIG_MAX_DIAGS)
        return;
    char *msg;
    if (d->n == CONFIG_MAX_DIAGS) {
        msg = xasprintf("too many errors and warnings: the rest are counted, not shown");
        sev = CONFIG_WARNING;
    } else if (vasprintf(&msg, fmt, ap) < 0) {
        abort();
    }
    size_t cap = d->n; /* items grow by doubling; capacity is not kept */
    size_t need = d->n + 1;
    if ((need & (need - 1)) == 0 || d->items == NULL) {
        cap = need * 2;
        d->items = xrealloc(d->items, cap * sizeof(*d->items));
    }
    struct config_diag *g = &d->items[d->n++];
    g->severity = sev;
    g->pos.file = xstrdup(pos.file ? pos.file : "-");
    g->pos.line = pos.line;
    g->pos.column = pos.column;
    g->resource = resource ? xstrdup(resource) : NULL;
    g->message = msg;
}

void diag_add(struct config_diags *d, enum config_severity sev, struct config_pos pos,
              const char *resource, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, sev, pos, resource, fmt, ap);
    va_end(ap);
}

static int diag_cmp(const void *pa, const void *pb)
{
    const struct config_diag *a = pa, *b = pb;
    int c = strcmp(a->pos.file, b->pos.file);
    if (c != 0)
        return c;
    if (a->pos.line != b->pos.line)
        return a->pos.line < b->pos.line ? -1 : 1;
    if (a->pos.column != b->pos.column)
        return a->pos.column < b->pos.column ? -1 : 1;
    return 0;
}

void diag_sort(struct config_diags *d)
{
    /* insertion sort keeps equal positions in the order they were found */
    for (size_t i = 1; i < d->n; i++) {
        struct config_diag x = d->items[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&d->items[j - 1], &x) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = x;
    }
}

void config_diags_release(struct config_diags *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free((char *)d->items[i].pos.file);
        free((char *)d->items[i].resource);
        free((char *)d->items[i].message);
    }
    free(d->items);
    memset(d, 0, sizeof(*d));
}

char *config_diag_format(const struct config_diag *g)
{
    char where[32] = "";
    if (g->pos.line > 0)
        snprintf(where, sizeof(where), ":%d:%d", g->pos.line, g->pos.column);
    return xasprintf("%s%s: %s: %s%s%s", g->pos.file, where,
                     g->severity == CONFIG_WARNING ? "warning" : "error",
                     g->resource ? g->resource : "", g->resource ? ": " : "", g->message);
}

void config_diags_print(const struct config_diags *d, void *file)
{
    for (size_t i = 0; i < d->n; i++) {
        char *line = config_diag_format(&d->items[i]);
        fprintf(file, "%s\n", line);
        free(line);
    }
}

/* ---- position table: open addressing on the address ------------------------ */

static size_t pos_slot(const struct pos_table *t, const void *addr, size_t size)
{
    uint64_t h = ((uint64_t)(uintptr_t)addr * 0x9e3779b97f4a7c15ULL) ^ size;
    h ^= h >> 29;
    return (size_t)h & (t->cap - 1);
}

static void pos_grow(struct pos_table *t)
{
    struct pos_entry *old = t->slots;
    size_t oldcap = t->cap;
    t->cap = oldcap ? oldcap * 2 : 64;
    t->slots = xcalloc(t->cap, sizeof(*t->slots));
    t->n = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].addr)
            pos_put(t, old[i].addr, old[i].size, old[i].pos);
    free(old);
}

void pos_put(struct pos_table *t, const void *addr, size_t size, struct config_pos pos)
{
    if ((t->n + 1) * 2 > t->cap)
        pos_grow(t);
    size_t i = pos_slot(t, addr, size);
    while (t->slots[i].addr && !(t->slots[i].addr == addr && t->slots[i].size == size))
        i = (i + 1) & (t->cap - 1);
    if (!t->slots[i].addr)
        t->n++;
    t->slots[i].addr = addr;
    t->slots[i].size = size;
    t->slots[i].pos = pos;
}

static int short_cmp(const void *pa, const void *pb)
{
    const struct pos_short *a = pa, *b = pb;
    uintptr_t x = (uintptr_t)a->addr, y = (uintptr_t)b->addr;
    if (x != y)
        return x < y ? -1 : 1;
    return (a->size > b->size) - (a->size < b->size);
}

void pos_compact(struct pos_table *t)
{
    if (t->sorted != NULL)
        return;
    t->sorted = xcalloc(t->n ? t->n : 1, sizeof(*t->sorted));
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].addr) {
            const struct pos_entry *e = &t->slots[i];
            t->sorted[k++] =
                (struct pos_short){e->addr, (uint32_t)e->size, e->pos.line, e->pos.column};
            t->file = e->pos.file;
        }
    t->n = k;
    qsort(t->sorted, k, sizeof(*t->sorted), short_cmp);
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
}

static int pos_get_sorted(const struct pos_table *t, const void *addr, size_t size,
                          struct config_pos *out)
{
    struct pos_short key = {addr, (uint32_t)size, 0, 0};
    const struct pos_short *e = bsearch(&key, t->sorted, t->n, sizeof(key), short_cmp);
    if (e == NULL)
        return 0;
    *out = (struct config_pos){t->file, e->line, e->column};
    return 1;
}

int pos_get(const struct pos_table *t, const void *addr, size_t size, struct config_pos *out)
{
    if (t->sorted != NULL)
        return pos_get_sorted(t, addr, size, out);
    if (t->cap == 0)
        return 0;
    size_t i = pos_slot(t, addr, size);
    while (t->slots[i].addr) {
        if (t->slots[i].addr == addr && t->slots[i].size == size) {
            *out = t->slots[i].pos;
            return 1;
        }
        i = (i + 1) & (t->cap - 1);
    }
    return 0;
}

void pos_release(struct pos_table *t)
{
    free(t->slots);
    free(t->sorted);
    memset(t, 0, sizeof(*t));
}
