/* decode.c - the table-driven decoder: YAML nodes into the typed model.
 *
 * Each struct of config.h has a table of its fields (name, type, offset);
 * dc_map walks a mapping, accepts the camelCase and snake_case spelling of
 * each name, converts scalars, records every value's position for validation
 * and reports unknown fields with the nearest known name. */
#include "decode.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xdsd/util.h"

struct config_pos dc_pos(const struct dctx *c, const struct cnode *n)
{
    struct config_pos p = {c->file, n ? n->line : 0, n ? n->column : 0};
    return p;
}

void dc_error(struct dctx *c, const struct cnode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(c->diags, CONFIG_ERROR, dc_pos(c, n), c->resource, fmt, ap);
    va_end(ap);
    c->errors++;
}

void dc_warn(struct dctx *c, const struct cnode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(c->diags, CONFIG_WARNING, dc_pos(c, n), c->resource, fmt, ap);
    va_end(ap);
}

void dc_mark(struct dctx *c, const void *addr, size_t size, const struct cnode *n)
{
    pos_put(c->pos, addr, size, dc_pos(c, n));
}

static const char *type_name(enum cnode_type t)
{
    switch (t) {
    case CN_MAP:
        return "a mapping";
    case CN_SEQ:
        return "a list";
    case CN_SCALAR:
        return "a scalar";
    default:
        return "null";
    }
}

const char *dc_str(struct dctx *c, const struct cnode *n)
{
    if (n->type != CN_SCALAR) {
        dc_error(c, n, "expected a string, found %s", type_name(n->type));
        return NULL;
    }
    return arena_strdup(c->a, n->str);
}

static int levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return INT_MAX;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *dc_suggest(const char *s, const char *const *names, size_t n)
{
    /* a suggestion further than a third of the word away only confuses */
    int limit = (int)strlen(s) / 3 + 1;
    struct suggest sg;
    suggest_init(&sg, s, limit < 2 ? 2 : limit);
    for (size_t i = 0; i < n; i++)
        suggest_offer(&sg, names[i], names[i], 0);
    return sg.best;
}

int config_edit_distance(const char *a, const char *b)
{
    return levenshtein(a, b);
}

void suggest_init(struct suggest *sg, const char *word, int limit)
{
    sg->word = word;
    sg->len = strlen(word);
    sg->limit = limit;
    sg->best = NULL;
    sg->best_d = INT_MAX;
}

int suggest_name_limit(const char *word)
{
    size_t n = strlen(word);
    /* "v1" for "v2" would be a guess, not a correction */
    return n < 3 ? -1 : n < 10 ? 1 : n < 15 ? 2 : 3;
}

void suggest_offer(struct suggest *sg, const char *name, const char *shown, int extra)
{
    size_t n = strlen(name);
    size_t gap = n > sg->len ? n - sg->len : sg->len - n;
    /* the distance is at least the difference in length: most names are
     * ruled out without computing it */
    if ((int)gap + extra > sg->limit || (int)gap + extra >= sg->best_d)
        return;
    int d = levenshtein(sg->word, name);
    if (d == INT_MAX)
        return;
    d += extra;
    if (d <= sg->limit && d < sg->best_d) {
        sg->best_d = d;
        sg->best = shown;
    }
}

/* snake_case -> camelCase, into buf; returns buf. */
static const char *camel(const char *s, char *buf, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 1 < size; i++) {
        if (s[i] == '_' && s[i + 1] && i > 0) {
            buf[j++] = (char)toupper((unsigned char)s[++i]);
            continue;
        }
        buf[j++] = s[i];
    }
    buf[j] = '\0';
    return buf;
}

static int scalar_int(struct dctx *c, const struct cnode *n, long long lo, long long hi,
                      long long *out)
{
    if (n->type != CN_SCALAR) {
        dc_error(c, n, "expected an integer, found %s", type_name(n->type));
        return -1;
    }
    const char *s = n->str;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || isspace((unsigned char)*s)) {
        dc_error(c, n, "expected an integer, found '%s'", s);
        return -1;
    }
    if (v < lo || v > hi) {
        dc_error(c, n, "%lld out of range %lld-%lld", v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int scalar_bool(struct dctx *c, const struct cnode *n, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (n->type == CN_SCALAR) {
        for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
            if (strcmp(n->str, yes[i]) == 0) {
                *out = 1;
                return 0;
            }
            if (strcmp(n->str, no[i]) == 0) {
                *out = 0;
                return 0;
            }
        }
    }
    dc_error(c, n, "expected true or false, found %s",
             n->type == CN_SCALAR ? n->str : type_name(n->type));
    return -1;
}

static int scalar_enum(struct dctx *c, const struct cnode *n, const char *field,
                       const struct enum_name *e, int *out)
{
    if (n->type == CN_SCALAR)
        for (size_t i = 0; e[i].name; i++)
            if (strcmp(n->str, e[i].name) == 0) {
                *out = e[i].value;
                return 0;
            }
    char list[512] = "";
    size_t len = 0;
    for (size_t i = 0; e[i].name && len < sizeof(list) - 64; i++)
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", e[i].name);
    dc_error(c, n, "unknown %s '%s' (one of %s)", field,
             n->type == CN_SCALAR ? n->str : type_name(n->type), list);
    return -1;
}

static void dec_strs(struct dctx *c, const struct cnode *n, const char ***out, size_t *count)
{
    if (n->type != CN_SEQ) {
        dc_error(c, n, "expected a list of strings, found %s", type_name(n->type));
        return;
    }
    const char **v = arena_alloc(c->a, (n->n ? n->n : 1) * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *s = dc_str(c, n->items[i]);
        if (s == NULL)
            continue;
        v[k] = s;
        dc_mark(c, &v[k], sizeof(v[k]), n->items[i]);
        k++;
    }
    *out = v;
    *count = k;
}

int dc_labels(struct dctx *c, const struct cnode *n, struct config_labels *out)
{
    if (n->type != CN_MAP) {
        dc_error(c, n, "expected a mapping of strings, found %s", type_name(n->type));
        return -1;
    }
    out->items = arena_alloc(c->a, (n->n ? n->n : 1) * sizeof(*out->items));
    out->n = 0;
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        if (v->type != CN_SCALAR && v->type != CN_NULL) {
            dc_error(c, v, "label '%s': expected a string, found %s", k->str, type_name(v->type));
            continue;
        }
        out->items[out->n].key = arena_strdup(c->a, k->str);
        out->items[out->n].value = arena_strdup(c->a, v->str);
        dc_mark(c, &out->items[out->n], sizeof(out->items[out->n]), k);
        out->n++;
    }
    return 0;
}

static void dec_list(struct dctx *c, const struct cnode *n, const struct field *f, void *base)
{
    if (n->type != CN_SEQ) {
        dc_error(c, n, "%s: expected a list, found %s", f->name, type_name(n->type));
        return;
    }
    char *arr = arena_alloc(c->a, (n->n ? n->n : 1) * f->elem_size);
    for (size_t i = 0; i < n->n; i++) {
        dc_mark(c, arr + i * f->elem_size, f->elem_size, n->items[i]);
        f->sub(c, n->items[i], arr + i * f->elem_size);
    }
    *(void **)((char *)base + f->off) = arr;
    *(size_t *)((char *)base + f->n_off) = n->n;
}

static void dec_percent(struct dctx *c, const struct cnode *n, struct percent *p)
{
    const struct cnode *v = n;
    if (n->type == CN_MAP) {
        v = cnode_get(n, "value");
        for (size_t i = 0; i < n->n; i++)
            if (strcmp(n->items[2 * i]->str, "value") != 0)
                dc_error(c, n->items[2 * i], "unknown field '%s' (did you mean 'value'?)",
                         n->items[2 * i]->str);
        if (v == NULL || v->type == CN_NULL) {
            p->has = 1;
            p->value = 0;
            return;
        }
    }
    char *end;
    if (v->type != CN_SCALAR || (p->value = strtod(v->str, &end), *end != '\0' || !*v->str)) {
        dc_error(c, v, "expected a number, found '%s'", v->type == CN_SCALAR ? v->str : "?");
        return;
    }
    p->has = 1;
}

static void dec_portsel(struct dctx *c, const struct cnode *n, uint32_t *out)
{
    if (n->type != CN_MAP) {
        dc_error(c, n, "port: expected a mapping {number: N}, found %s", type_name(n->type));
        return;
    }
    long long v;
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *k = n->items[2 * i], *val = n->items[2 * i + 1];
        if (strcmp(k->str, "number") != 0) {
            dc_error(c, k, "unknown field '%s' (did you mean 'number'?)", k->str);
            continue;
        }
        if (val->type != CN_NULL && scalar_int(c, val, 1, 65535, &v) == 0)
            *out = (uint32_t)v;
    }
}

static void dec_field(struct dctx *c, const struct cnode *v, const struct field *f, void *base)
{
    void *p = (char *)base + f->off;
    long long i;
    switch (f->type) {
    case F_STR:
        *(const char **)p = dc_str(c, v);
        dc_mark(c, p, sizeof(const char *), v);
        return;
    case F_STRS:
        dec_strs(c, v, (const char ***)p, (size_t *)((char *)base + f->n_off));
        dc_mark(c, p, sizeof(const char **), v);
        return;
    case F_LABELS:
        dc_labels(c, v, p);
        break;
    case F_U32:
        if (scalar_int(c, v, 0, UINT32_MAX, &i) == 0)
            *(uint32_t *)p = (uint32_t)i;
        break;
    case F_I32:
        if (scalar_int(c, v, INT32_MIN, INT32_MAX, &i) == 0)
            *(int32_t *)p = (int32_t)i;
        break;
    case F_I64:
        if (scalar_int(c, v, LLONG_MIN, LLONG_MAX, &i) == 0)
            *(int64_t *)p = i;
        break;
    case F_U64:
        if (scalar_int(c, v, 0, LLONG_MAX, &i) == 0)
            *(uint64_t *)p = (uint64_t)i;
        break;
    case F_PORT:
        if (scalar_int(c, v, 0, LLONG_MAX, &i) == 0) {
            if (i < 1 || i > 65535)
                dc_error(c, v, "%s: port %lld out of range 1-65535", f->name, i);
            else
                *(uint32_t *)p = (uint32_t)i;
        }
        break;
    case F_BOOL:
        scalar_bool(c, v, p);
        break;
    case F_DUR: {
        int64_t ms;
        if (v->type != CN_SCALAR || duration_parse_ms(v->str, &ms) < 0)
            dc_error(c, v, "%s: invalid duration '%s' (examples: 1s, 500ms, 1m30s)", f->name,
                     v->type == CN_SCALAR ? v->str : type_name(v->type));
        else
            *(int64_t *)p = ms;
        break;
    }
    case F_DOUBLE: {
        char *end;
        double d = v->type == CN_SCALAR ? strtod(v->str, &end) : 0;
        if (v->type != CN_SCALAR || *end != '\0' || !*v->str)
            dc_error(c, v, "%s: expected a number", f->name);
        else
            *(double *)p = d;
        break;
    }
    case F_ENUM:
        scalar_enum(c, v, f->name, f->enums, p);
        break;
    case F_PERCENT:
        dec_percent(c, v, p);
        break;
    case F_PORTSEL:
        dec_portsel(c, v, p);
        break;
    case F_SUB:
        f->sub(c, v, p);
        return;
    case F_LIST:
        dec_list(c, v, f, base);
        dc_mark(c, p, sizeof(void *), v);
        return;
    case F_IGNORE:
        return;
    }
    /* fixed-size scalars: the size is that of the member, known by type */
    static const size_t sizes[] = {
        [F_LABELS] = sizeof(struct config_labels),
        [F_U32] = 4,
        [F_I32] = 4,
        [F_I64] = 8,
        [F_U64] = 8,
        [F_PORT] = 4,
        [F_BOOL] = sizeof(int),
        [F_DUR] = 8,
        [F_DOUBLE] = 8,
        [F_ENUM] = sizeof(int),
        [F_PERCENT] = sizeof(struct percent),
        [F_PORTSEL] = 4,
    };
    dc_mark(c, p, sizes[f->type], v);
}

static void unknown_field(struct dctx *c, const struct cnode *k, const struct field *fields)
{
    if (c->diags->n >= CONFIG_MAX_DIAGS) { /* not shown: spare the edit distances */
        dc_error(c, k, "unknown field '%s'", k->str);
        return;
    }
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; fields[i].name && n < ARRAY_LEN(names); i++)
        names[n++] = fields[i].name;
    const char *s = dc_suggest(k->str, names, n);
    if (s)
        dc_error(c, k, "unknown field '%s' (did you mean '%s'?)", k->str, s);
    else
        dc_error(c, k, "unknown field '%s'", k->str);
}

int dc_map(struct dctx *c, const struct cnode *n, const struct field *fields, void *base,
           size_t size)
{
    if (n->type != CN_MAP) {
        dc_error(c, n, "expected a mapping, found %s", type_name(n->type));
        return -1;
    }
    dc_mark(c, base, size, n);
    uint64_t seen = 0;
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        char buf[128];
        const char *name = camel(k->str, buf, sizeof(buf));
        size_t j;
        for (j = 0; fields[j].name; j++)
            if (strcmp(fields[j].name, name) == 0)
                break;
        if (fields[j].name == NULL) {
            unknown_field(c, k, fields);
            continue;
        }
        if (j < 64 && (seen & (1ULL << j))) {
            dc_error(c, k, "field '%s' given twice", k->str);
            continue;
        }
        if (j < 64)
            seen |= 1ULL << j;
        if (v->type == CN_NULL) /* `field:` with no value means unset */
            continue;
        if (fields[j].has_off >= 0)
            *(int *)((char *)base + fields[j].has_off) = 1;
        dec_field(c, v, &fields[j], base);
    }
    return 0;
}
