/* diag.c - findings and the labels they name resources by: what every
 * step of a load, from YAML to the checks across resources, reports with. */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

void diag_vadd_code(struct config_diags *d, enum config_severity sev, const char *code,
                    struct config_pos pos, const char *resource, const char *fmt, va_list ap)
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
        code = NULL;
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
    g->code = code;
}

void diag_vadd(struct config_diags *d, enum config_severity sev, struct config_pos pos,
               const char *resource, const char *fmt, va_list ap)
{
    diag_vadd_code(d, sev, NULL, pos, resource, fmt, ap);
}

void diag_add_code(struct config_diags *d, enum config_severity sev, const char *code,
                   struct config_pos pos, const char *resource, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_code(d, sev, code, pos, resource, fmt, ap);
    va_end(ap);
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

/* Copy the diagnostics of src to the end of dst, counts included (src may
 * have counted more than it kept). */
void diags_append(struct config_diags *dst, const struct config_diags *src)
{
    size_t errors = dst->n_errors, warnings = dst->n_warnings;
    for (size_t i = 0; i < src->n; i++) {
        const struct config_diag *g = &src->items[i];
        diag_add_code(dst, g->severity, g->code, g->pos, g->resource, "%s", g->message);
    }
    dst->n_errors = errors + src->n_errors;
    dst->n_warnings = warnings + src->n_warnings;
}

/* ---- kinds and labels ----------------------------------------------------- */

static const char *const kind_names[CONFIG_NKINDS] = {
    "ServiceEntry", "Gateway", "VirtualService", "DestinationRule", "Sidecar", "WorkloadEntry"};

const char *config_kind_name(enum istio_kind k)
{
    return kind_names[k];
}

const char *meta_label(struct arena *a, const struct istio_meta *m)
{
    return arena_cat(a, kind_names[m->kind], " ", m->namespace, "/", m->name, NULL);
}

int kind_parse(const char *s, enum istio_kind *out)
{
    for (size_t i = 0; i < ARRAY_LEN(kind_names); i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum istio_kind)i;
            return 0;
        }
    return -1;
}
