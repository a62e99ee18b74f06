/* sets.c - the sorted sets a stream keeps (sets.h). */
#include "sets.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

/* lower_bound() comparisons: a name against a set's entry, a held entry */
static int cmp_name(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

static int cmp_held(const void *key, const void *elem)
{
    return strcmp(key, ((const struct held *)elem)->name);
}

static int cmp_resource(const void *key, const void *elem)
{
    return strcmp(key, ((const struct xds_resource *)elem)->name);
}

const char *xds_strset_name(const struct strset *s, size_t i)
{
    size_t n;
    return s->shared ? xds_list_items(s->shared, &n)[i].name : s->v[i];
}

/* Index of name in the set, or -(insertion point) - 1. */
long xds_strset_find(const struct strset *s, const char *name)
{
    size_t n, i;
    if (s->shared)
        i = lower_bound(name, xds_list_items(s->shared, &n), s->n, sizeof(struct xds_resource),
                        cmp_resource);
    else
        i = lower_bound(name, s->v, s->n, sizeof(*s->v), cmp_name);
    return i < s->n && strcmp(xds_strset_name(s, i), name) == 0 ? (long)i : -(long)i - 1;
}

/* Copy on change: the shared list's names become interned entries. */
static void strset_own(struct strset *s)
{
    if (s->shared == NULL)
        return;
    size_t n;
    const struct xds_resource *items = xds_list_items(s->shared, &n);
    char **v = s->n ? xmalloc(s->n * sizeof(*v)) : NULL;
    for (size_t i = 0; i < s->n; i++)
        v[i] = (char *)xds_intern(items[i].name);
    xds_list_unref(s->shared);
    s->shared = NULL;
    s->v = v;
    s->cap = s->n;
}

void xds_strset_share(struct strset *s, const struct xds_list *l)
{
    xds_list_ref(l);
    xds_strset_clear(s);
    s->shared = l;
    xds_list_items(l, &s->n);
}

/* Returns 1 when name was added, 0 when it was there already. */
int xds_strset_add(struct strset *s, const char *name)
{
    strset_own(s);
    long i = xds_strset_find(s, name);
    if (i >= 0)
        return 0;
    size_t at = (size_t)(-i - 1);
    xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
    s->v[at] = (char *)xds_intern(name);
    s->n++;
    return 1;
}

int xds_strset_del(struct strset *s, const char *name)
{
    long i = xds_strset_find(s, name);
    if (i < 0)
        return 0;
    strset_own(s);
    xds_intern_put(s->v[i]);
    memmove(&s->v[i], &s->v[i + 1], (s->n - (size_t)i - 1) * sizeof(*s->v));
    s->n--;
    return 1;
}

/* Give back the slack of an array grown by doubling: a stream keeps its sets
 * for its whole life, and there are thousands of streams. */
static void fit(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (*cap <= n + n / 16)
        return;
    if (n == 0) {
        free(*arr);
        *arr = NULL;
    } else {
        *arr = xrealloc(*arr, n * elem);
    }
    *cap = n;
}

void xds_strset_clear(struct strset *s)
{
    if (s->shared)
        xds_list_unref(s->shared);
    else
        xds_intern_put_many((const char *const *)s->v, s->n);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

long xds_held_find(const struct held_list *h, const char *name)
{
    size_t i = h->shared ? lower_bound(name, h->items, h->n, sizeof(*h->items), cmp_resource)
                         : lower_bound(name, h->v, h->n, sizeof(*h->v), cmp_held);
    return i < h->n && strcmp(xds_held_name(h, i), name) == 0 ? (long)i : -(long)i - 1;
}

/* Copy on change: the shared list's names become interned entries. */
void xds_held_own(struct held_list *h)
{
    if (h->shared == NULL)
        return;
    struct held *v = h->n ? xmalloc(h->n * sizeof(*v)) : NULL;
    for (size_t i = 0; i < h->n; i++)
        v[i] = (struct held){.name = xds_intern(h->items[i].name), .hash = h->items[i].hash};
    xds_list_unref(h->shared);
    h->shared = NULL;
    h->items = NULL;
    h->v = v;
    h->cap = h->n;
}

void xds_held_share(struct held_list *h, const struct xds_list *l)
{
    xds_list_ref(l);
    xds_held_clear(h);
    h->shared = l;
    h->items = xds_list_items(l, &h->n);
}

void xds_held_set(struct held_list *h, const char *name, uint64_t hash, int absent)
{
    xds_held_own(h);
    long i = xds_held_find(h, name);
    if (i < 0) {
        size_t at = (size_t)(-i - 1);
        xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
        memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof(*h->v));
        h->v[at].name = xds_intern(name);
        h->n++;
        i = (long)at;
    }
    h->v[i].hash = absent ? HELD_ABSENT : hash;
    h->v[i].sent_seq = 0;
    h->v[i].nacked = 0;
    h->v[i].resend = 0;
    h->key_ok = 0;
}

void xds_held_del_at(struct held_list *h, size_t i)
{
    xds_held_own(h);
    xds_intern_put(h->v[i].name);
    memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
    h->n--;
    h->key_ok = 0;
}

void xds_held_del(struct held_list *h, const char *name)
{
    long i = xds_held_find(h, name);
    if (i >= 0)
        xds_held_del_at(h, (size_t)i);
}

void xds_held_clear(struct held_list *h)
{
    if (h->shared)
        xds_list_unref(h->shared);
    else
        for (size_t i = 0; i < h->n; i++)
            xds_intern_put(h->v[i].name);
    free(h->v);
    memset(h, 0, sizeof(*h));
}

/* Make h exactly res[0..n) (in name order, distinct): one allocation of the
 * right size, as a stream keeps it until the next push. New references are
 * taken before the old ones are dropped, so unchanged names stay shared. */
void xds_held_replace(struct held_list *h, const struct xds_resource *const *res, size_t n)
{
    struct held *v = n ? xmalloc(n * sizeof(*v)) : NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct held){.name = xds_intern(res[i]->name), .hash = res[i]->hash};
    xds_held_clear(h);
    h->v = v;
    h->n = h->cap = n;
}

/* The key of what the client holds (present resources only). */
uint64_t xds_held_key(struct held_list *h)
{
    if (h->key_ok)
        return h->key;
    uint64_t k = HASH_SEED;
    for (size_t i = 0; i < h->n; i++)
        if (h->shared || !ABSENT(h->v[i]))
            k = xds_key_add(k, xds_held_name(h, i), xds_held_hash(h, i));
    h->key = k;
    h->key_ok = 1;
    return k;
}

void xds_strset_fit(struct strset *s)
{
    if (s->shared == NULL)
        fit((void **)&s->v, &s->cap, s->n, sizeof(*s->v));
}

void xds_held_fit(struct held_list *h)
{
    if (h->shared == NULL)
        fit((void **)&h->v, &h->cap, h->n, sizeof(*h->v));
}
