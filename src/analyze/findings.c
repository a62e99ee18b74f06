/* findings.c - the list of findings: adding, sorting, and the two forms it
 * is shown in (istioctl's text line, a JSON array that --live reads back). */
#include "xdsd/analyze.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "xdsd/pbjson.h"
#include "xdsd/util.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static struct analyze_finding *push(struct analyze_findings *f)
{
    xgrow((void **)&f->items, &f->cap, f->n + 1, sizeof(*f->items));
    struct analyze_finding *g = &f->items[f->n++];
    memset(g, 0, sizeof(*g));
    return g;
}

void analyze_options_init(struct analyze_options *o)
{
    memset(o, 0, sizeof(*o));
    o->outbound = OUTBOUND_ALLOW_ANY;
    o->mesh_certs = "/etc/certs";
    o->trust_domain = "cluster.local";
}

void an_add(struct actx *a, const char *code, const struct istio_meta *meta, struct config_pos pos,
            const char *fmt, ...)
{
    const struct analyze_code *c = analyze_code_find(code);
    if (c == NULL)
        abort(); /* a code missing from the registry is a programming error */
    if (pos.file == NULL)
        pos = meta->pos;
    struct analyze_finding *g = push(a->out);
    g->code = c->code;
    g->level = c->level;
    g->kind = xstrdup(config_kind_name(meta->kind));
    g->namespace = xstrdup(or_empty(meta->namespace));
    g->name = xstrdup(or_empty(meta->name));
    g->file = xstrdup(or_empty(pos.file));
    g->line = pos.line;
    g->column = pos.column;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&g->message, fmt, ap) < 0)
        abort();
    va_end(ap);
}

/* "KIND NAMESPACE/NAME" into its three parts; anything else leaves them "". */
static void split_resource(struct analyze_finding *g, const char *resource)
{
    const char *sp = resource ? strchr(resource, ' ') : NULL;
    const char *sl = sp ? strchr(sp, '/') : NULL;
    if (sl == NULL) {
        g->kind = xstrdup("");
        g->namespace = xstrdup("");
        g->name = xstrdup("");
        return;
    }
    g->kind = xasprintf("%.*s", (int)(sp - resource), resource);
    g->namespace = xasprintf("%.*s", (int)(sl - sp - 1), sp + 1);
    g->name = xstrdup(sl + 1);
}

/* Validation's own mention of the Istio code, once the code is shown. */
static char *strip_code_note(const char *message, const char *code)
{
    char note[32];
    snprintf(note, sizeof(note), " (Istio %s)", code);
    const char *at = strstr(message, note);
    if (at == NULL)
        return xstrdup(message);
    return xasprintf("%.*s%s", (int)(at - message), message, at + strlen(note));
}

void analyze_add_diag(struct analyze_findings *f, const struct analyze_options *o, int warning,
                      const char *code, const char *file, int line, int column,
                      const char *resource, const char *message)
{
    /* a check of loading or validation that is no analyzer's of its own */
    if (code == NULL)
        code = warning ? "XDS0002" : "XDS0001";
    if (o->live && strcmp(code, "XDS1001") == 0)
        return; /* live: the connected proxies answer instead */
    const struct analyze_code *c = analyze_code_find(code);
    struct analyze_finding *g = push(f);
    g->code = c->code;
    g->level = c->level;
    split_resource(g, resource);
    g->file = xstrdup(or_empty(file));
    g->line = line;
    g->column = column;
    g->message = strip_code_note(or_empty(message), code);
}

void analyze_add_diags(struct analyze_findings *f, const struct analyze_options *o,
                       const struct config_diags *d)
{
    for (size_t i = 0; d && i < d->n; i++) {
        const struct config_diag *g = &d->items[i];
        analyze_add_diag(f, o, g->severity == CONFIG_WARNING, g->code, g->pos.file, g->pos.line,
                         g->pos.column, g->resource, g->message);
    }
}

static int cmp_finding(const void *pa, const void *pb)
{
    const struct analyze_finding *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c == 0)
        c = (a->line > b->line) - (a->line < b->line);
    if (c == 0)
        c = (a->column > b->column) - (a->column < b->column);
    if (c == 0)
        c = strcmp(a->code, b->code);
    if (c == 0)
        c = strcmp(a->message, b->message);
    return c;
}

static void finding_release(struct analyze_finding *g)
{
    free(g->kind);
    free(g->namespace);
    free(g->name);
    free(g->file);
    free(g->message);
}

void analyze_findings_sort(struct analyze_findings *f)
{
    if (f->n < 2)
        return;
    qsort(f->items, f->n, sizeof(*f->items), cmp_finding);
    size_t k = 1;
    for (size_t i = 1; i < f->n; i++) {
        if (cmp_finding(&f->items[k - 1], &f->items[i]) == 0 &&
            strcmp(f->items[k - 1].name, f->items[i].name) == 0)
            finding_release(&f->items[i]);
        else
            f->items[k++] = f->items[i];
    }
    f->n = k;
}

int analyze_findings_reach(const struct analyze_findings *f, enum analyze_level min)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].level >= min)
            return 1;
    return 0;
}

size_t analyze_findings_count(const struct analyze_findings *f, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += strcmp(f->items[i].code, code) == 0;
    return n;
}

void analyze_findings_release(struct analyze_findings *f)
{
    for (size_t i = 0; f && i < f->n; i++)
        finding_release(&f->items[i]);
    if (f) {
        free(f->items);
        memset(f, 0, sizeof(*f));
    }
}

char *analyze_finding_text(const struct analyze_finding *g)
{
    const char *lvl = analyze_level_name(g->level);
    char *where =
        g->line > 0 ? xasprintf("%s:%d:%d", g->file, g->line, g->column) : xstrdup(g->file);
    char *s;
    if (*g->kind)
        s = xasprintf("%s [%s] (%s %s/%s %s) %s", lvl, g->code, g->kind, g->namespace, g->name,
                      where, g->message);
    else
        s = xasprintf("%s [%s] (%s) %s", lvl, g->code, where, g->message);
    free(where);
    return s;
}

char *analyze_findings_json(const struct analyze_findings *f, int pretty)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->n; i++) {
        const struct analyze_finding *g = &f->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(g->code));
        json_object_set_new(o, "level", json_string(analyze_level_name(g->level)));
        json_object_set_new(o, "kind", json_string(g->kind));
        json_object_set_new(o, "namespace", json_string(g->namespace));
        json_object_set_new(o, "name", json_string(g->name));
        json_object_set_new(o, "file", json_string(g->file));
        json_object_set_new(o, "line", json_integer(g->line));
        json_object_set_new(o, "column", json_integer(g->column));
        json_object_set_new(o, "message", json_string(g->message));
        json_array_append_new(arr, o);
    }
    char *s = pbjson_dumps(arr, pretty);
    json_decref(arr);
    return s;
}

static char *dup_field(json_t *o, const char *key)
{
    return xstrdup(or_empty(json_string_value(json_object_get(o, key))));
}

int analyze_findings_parse(const char *text, struct analyze_findings *f, char **err)
{
    json_error_t je;
    json_t *arr = json_loads(text, 0, &je);
    if (arr == NULL || !json_is_array(arr)) {
        *err = arr ? xstrdup("not a JSON array")
                   : xasprintf("not JSON: %s (line %d)", je.text, je.line);
        json_decref(arr);
        return -1;
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        const char *code = json_string_value(json_object_get(o, "code"));
        const struct analyze_code *c = code ? analyze_code_find(code) : NULL;
        if (c == NULL) {
            *err = xasprintf("finding %zu: unknown code '%s'", i, code ? code : "(none)");
            json_decref(arr);
            return -1;
        }
        struct analyze_finding *g = push(f);
        g->code = c->code;
        g->level = c->level;
        g->kind = dup_field(o, "kind");
        g->namespace = dup_field(o, "namespace");
        g->name = dup_field(o, "name");
        g->file = dup_field(o, "file");
        g->line = (int)json_integer_value(json_object_get(o, "line"));
        g->column = (int)json_integer_value(json_object_get(o, "column"));
        g->message = dup_field(o, "message");
    }
    json_decref(arr);
    return 0;
}

void analyze_set(struct analyze_findings *f, const struct config_set *s,
                 const struct analyze_options *o)
{
    struct actx a = {.out = f, .o = o};
    arena_init(&a.tmp);
    a.se = config_service_entries(s, &a.nse);
    a.gw = config_gateways(s, &a.ngw);
    a.vs = config_virtual_services(s, &a.nvs);
    a.dr = config_destination_rules(s, &a.ndr);
    an_destination_rules(&a);
    an_gateways(&a);
    an_egress(&a);
    arena_release(&a.tmp);
}
