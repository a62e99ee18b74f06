/* set.c - a set of checked secrets: built once, then shared read-only by the
 * snapshots that serve it and the debug endpoint that describes it. */
#include "xdsd/secrets.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../config/diag.h"
#include "secrets_int.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

struct secret_set {
    atomic_int refs;
    struct arena *a;
    struct secret *items;
    size_t n;
    uint64_t hash;
};

void secrets_builder_init(struct secrets_builder *b, const struct secret_set *prev, int64_t now,
                          struct config_diags *d)
{
    *b = (struct secrets_builder){.a = arena_new(), .prev = prev, .now = now, .d = d};
}

static const char *dup_or_null(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

void secrets_builder_add(struct secrets_builder *b, const char *label, const char *ns,
                         const char *name, const char *sa, enum secret_type type,
                         const char *cert_pem, const char *key_pem, struct config_pos pos)
{
    xgrow((void **)&b->v, &b->cap, b->n + 1, sizeof(*b->v));
    struct secret *s = &b->v[b->n++];
    memset(s, 0, sizeof(*s));
    s->namespace = arena_strdup(b->a, ns);
    s->name = arena_strdup(b->a, name);
    s->service_account = dup_or_null(b->a, sa);
    s->type = type;
    pos.file = dup_or_null(b->a, pos.file);
    s->pos = pos;
    char *why = NULL;
    int rc = secrets_check_pem(cert_pem, type == SECRET_TLS_CERTIFICATE ? key_pem : NULL, b->now,
                               &s->info, &why);
    if (rc >= 0) {
        s->status = rc == 1 ? SECRET_EXPIRING : SECRET_ACTIVE;
        s->cert_pem = arena_strdup(b->a, cert_pem);
        s->key_pem = dup_or_null(b->a, type == SECRET_TLS_CERTIFICATE ? key_pem : NULL);
        s->served = 1;
        if (rc == 1)
            diag_add(b->d, CONFIG_WARNING, pos, label, "%s: the certificate (serial %s) expires "
                     "within 7 days", name, s->info.serial);
        return;
    }
    /* withheld: what was served before keeps serving */
    s->status = SECRET_WITHHELD;
    const struct secret *was = b->prev ? secrets_find(b->prev, ns, name, sa) : NULL;
    if (was != NULL && was->served) {
        s->cert_pem = arena_strdup(b->a, was->cert_pem);
        s->key_pem = dup_or_null(b->a, was->key_pem);
        s->info = was->info;
        s->served = 1;
    }
    diag_add(b->d, CONFIG_ERROR, pos, label, "%s: %s: withheld%s", name, why,
             s->served ? ", its previous version keeps being served" : "");
    free(why);
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* by (namespace, name, service account) */
static int cmp_key(const void *x, const void *y)
{
    const struct secret *a = x, *b = y;
    int c = strcmp(a->namespace, b->namespace);
    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0)
        c = cmp_str(a->service_account, b->service_account);
    return c;
}

static int cmp_secret(const void *x, const void *y)
{
    int c = cmp_key(x, y);
    /* stable: the first read wins */
    return c != 0 ? c : (x > y) - (x < y);
}

struct secret_set *secrets_builder_finish(struct secrets_builder *b)
{
    struct secret_set *s = xcalloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->a = b->a;
    if (b->n > 0) /* qsort wants an array, even of none */
        qsort(b->v, b->n, sizeof(*b->v), cmp_secret);
    s->items = arena_alloc(s->a, (b->n + 1) * sizeof(*s->items));
    uint64_t h = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct secret *x = &b->v[i];
        if (s->n > 0 && cmp_key(&s->items[s->n - 1], x) == 0) {
            diag_add(b->d, CONFIG_ERROR, x->pos, NULL, "secret %s of namespace '%s' is also at %s:%d: "
                     "ignored here", x->name, x->namespace, s->items[s->n - 1].pos.file,
                     s->items[s->n - 1].pos.line);
            continue;
        }
        s->items[s->n++] = *x;
        if (!x->served)
            continue;
        const char *parts[] = {x->namespace, x->name, x->service_account ? x->service_account : "",
                               x->cert_pem, x->key_pem ? x->key_pem : ""};
        for (size_t k = 0; k < 5; k++)
            h = hash_bytes(h, parts[k], strlen(parts[k]) + 1);
        h = hash_bytes(h, &x->type, sizeof(x->type));
    }
    s->hash = h;
    free(b->v);
    b->v = NULL;
    return s;
}

struct secret_set *secrets_ref(struct secret_set *s)
{
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void secrets_unref(struct secret_set *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    arena_free(s->a);
    free(s);
}

const struct secret *secrets_items(const struct secret_set *s, size_t *n)
{
    *n = s ? s->n : 0;
    return s ? s->items : NULL;
}

const struct secret *secrets_find(const struct secret_set *s, const char *ns, const char *name,
                                  const char *sa)
{
    if (s == NULL)
        return NULL;
    if (strcmp(name, "ROOTCA") == 0)
        ns = "";
    struct secret key = {.namespace = ns, .name = name, .service_account = sa};
    return sorted_find(&key, s->items, s->n, sizeof(*s->items), cmp_key);
}

uint64_t secrets_hash(const struct secret_set *s)
{
    return s ? s->hash : 0;
}
