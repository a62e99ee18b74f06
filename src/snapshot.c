/* snapshot.c - immutable per-class views of packed xDS resources. */
#include "xdsd/snapshot.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/sorted.h"
#include "xdsd/util.h"

static const char *const type_urls[XDS_NTYPES] = {
    [XDS_CLUSTER] = "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    [XDS_ENDPOINT] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    [XDS_LISTENER] = "type.googleapis.com/envoy.config.listener.v3.Listener",
    [XDS_ROUTE] = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    [XDS_SECRET] = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
};
static const char *const type_shorts[XDS_NTYPES] = {"cds", "eds", "lds", "rds", "sds"};

const char *xds_type_url(enum xds_type t)
{
    return type_urls[t];
}

int xds_type_from_url(const char *url)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        if (strcmp(url, type_urls[t]) == 0)
            return t;
    return -1;
}

const char *xds_type_short(enum xds_type t)
{
    return type_shorts[t];
}

/* ---- views ----------------------------------------------------------------------- */

/* The resources of one type. A list may be shared by the views of
 * successive snapshots (xds_view_share): it is immutable once finished and
 * freed with its last reference (a view, or a stream that was sent it). */
struct xds_list {
    struct xds_resource *items;
    size_t n, cap;
    size_t bytes;
    uint64_t key; /* HASH_SEED plus each resource's xds_version_entry() */
    char version[17];
    int finished;
    atomic_int refs;
    /* once finished: the response with every resource, and an upper bound
     * of the largest response with one resource (xds_view_check_size runs
     * per build) */
    size_t response_bytes, max_single_bytes;
    /* A list made by xds_view_patch() owns none of the names and bytes
     * its items point to: base (a list built by adds) and the stores own
     * them. dead_bytes counts those of base and the stores that no item
     * points to any more: replaced resources, kept until the next copy. */
    struct xds_list *base;
    struct xds_store **stores;
    size_t n_stores, dead_bytes;
};

/* The names and bytes of the resources one xds_view_patch() brought:
 * the lists made from that list share them. */
struct xds_store {
    atomic_int refs;
    struct xds_resource *items;
    size_t n;
};

struct xds_view {
    struct xds_list *types[XDS_NTYPES];
};

static struct xds_list *list_new(void)
{
    struct xds_list *l = xcalloc(1, sizeof(*l));
    atomic_init(&l->refs, 1);
    return l;
}

/* Counted bytes: a reference count before them, kept aligned. */
struct counted_head {
    atomic_int refs;
    _Alignas(max_align_t) unsigned char bytes[];
};

static struct counted_head *head_of(const uint8_t *bytes)
{
    return (struct counted_head *)(void *)(bytes - offsetof(struct counted_head, bytes));
}

uint8_t *xds_bytes_new(size_t len)
{
    struct counted_head *h = xmalloc(sizeof(*h) + (len ? len : 1));
    atomic_init(&h->refs, 1);
    return h->bytes;
}

void xds_bytes_unref(uint8_t *bytes)
{
    struct counted_head *h = head_of(bytes);
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1)
        free(h);
}

static void free_resources(struct xds_resource *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)items[i].name);
        if (items[i].counted)
            xds_bytes_unref((uint8_t *)items[i].bytes);
        else
            free((uint8_t *)items[i].bytes);
    }
    free(items);
}

static void store_unref(struct xds_store *st)
{
    if (atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
        return;
    free_resources(st->items, st->n);
    free(st);
}

static void list_unref(struct xds_list *l)
{
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (l->base == NULL) {
        free_resources(l->items, l->n);
    } else {
        free(l->items);
        list_unref(l->base);
        for (size_t i = 0; i < l->n_stores; i++)
            store_unref(l->stores[i]);
        free(l->stores);
    }
    free(l);
}

const struct xds_list *xds_view_list(const struct xds_view *v, enum xds_type t)
{
    return v->types[t];
}

void xds_list_ref(const struct xds_list *l)
{
    /* the count is not part of the list's value: const lists are counted */
    atomic_fetch_add_explicit(&((struct xds_list *)l)->refs, 1, memory_order_relaxed);
}

void xds_list_unref(const struct xds_list *l)
{
    if (l)
        list_unref((struct xds_list *)l);
}

const struct xds_resource *xds_list_items(const struct xds_list *l, size_t *n)
{
    *n = l->n;
    return l->items;
}

struct xds_view *xds_view_new(void)
{
    struct xds_view *v = xcalloc(1, sizeof(struct xds_view));
    for (int t = 0; t < XDS_NTYPES; t++)
        v->types[t] = list_new();
    return v;
}

void xds_view_add_hashed(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes,
                         size_t len, uint64_t hash)
{
    struct xds_list *l = v->types[t];
    /* a list shared with another view is immutable, and so is a patched
     * one (it owns none of its resources' names and bytes) */
    if (atomic_load_explicit(&l->refs, memory_order_relaxed) != 1 || l->base != NULL)
        abort();
    l->finished = 0;
    xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
    struct xds_resource *r = &l->items[l->n++];
    r->name = xstrdup(name);
    r->bytes = bytes;
    r->len = len;
    r->hash = hash;
    r->counted = 0;
    /* "%016" PRIx64 by hand: this runs for every resource of every view */
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        r->version[i] = hex[(r->hash >> (60 - 4 * i)) & 15];
    r->version[16] = '\0';
    l->bytes += len;
}

void xds_view_add_counted(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes,
                          size_t len, uint64_t hash)
{
    xds_view_add_hashed(v, t, name, bytes, len, hash);
    struct xds_list *l = v->types[t];
    l->items[l->n - 1].counted = 1;
}

void xds_view_add_again(struct xds_view *v, enum xds_type t, const struct xds_resource *r)
{
    if (!r->counted) {
        uint8_t *copy = xmalloc(r->len ? r->len : 1);
        memcpy(copy, r->bytes, r->len);
        xds_view_add_hashed(v, t, r->name, copy, r->len, r->hash);
        return;
    }
    atomic_fetch_add_explicit(&head_of(r->bytes)->refs, 1, memory_order_relaxed);
    xds_view_add_counted(v, t, r->name, (uint8_t *)r->bytes, r->len, r->hash);
}

void xds_view_add(struct xds_view *v, enum xds_type t, const char *name, uint8_t *bytes, size_t len)
{
    xds_view_add_hashed(v, t, name, bytes, len, hash_block(HASH_SEED, bytes, len));
}

void xds_view_share(struct xds_view *v, enum xds_type t, const struct xds_view *from)
{
    struct xds_list *l = from->types[t];
    atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    list_unref(v->types[t]);
    v->types[t] = l;
}

uint64_t xds_version_entry(const char *name, uint64_t hash)
{
    return hash_block(hash, name, strlen(name));
}

static int resource_cmp(const void *a, const void *b)
{
    const struct xds_resource *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static void list_sizes(struct xds_list *l, enum xds_type t);

static int list_finish(struct xds_list *l, enum xds_type t, char **err)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof(*l->items), resource_cmp);
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0 && strcmp(l->items[i - 1].name, l->items[i].name) == 0) {
            if (err)
                *err = xasprintf("duplicate %s resource '%s'", type_shorts[t], l->items[i].name);
            return -1;
        }
        h += xds_version_entry(l->items[i].name, l->items[i].hash);
    }
    l->key = h;
    snprintf(l->version, sizeof(l->version), "%016" PRIx64, h);
    list_sizes(l, t);
    l->finished = 1;
    return 0;
}

int xds_view_finish(struct xds_view *v, char **err)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        if (!v->types[t]->finished && list_finish(v->types[t], (enum xds_type)t, err) != 0)
            return -1;
    return 0;
}

void xds_view_free(struct xds_view *v)
{
    if (v == NULL)
        return;
    for (int t = 0; t < XDS_NTYPES; t++)
        list_unref(v->types[t]);
    free(v);
}

size_t xds_view_count(const struct xds_view *v, enum xds_type t)
{
    return v->types[t]->n;
}

const struct xds_resource *xds_view_items(const struct xds_view *v, enum xds_type t)
{
    return v->types[t]->items;
}

const struct xds_resource *xds_view_find(const struct xds_view *v, enum xds_type t,
                                         const char *name)
{
    struct xds_resource key = {.name = name};
    const struct xds_list *l = v->types[t];
    if (l->n == 0)
        return NULL;
    return bsearch(&key, l->items, l->n, sizeof(key), resource_cmp);
}

const char *xds_view_version(const struct xds_view *v, enum xds_type t)
{
    return v->types[t]->version;
}

size_t xds_view_bytes(const struct xds_view *v, enum xds_type t)
{
    return v->types[t]->bytes;
}

/* Bytes of a protobuf length-delimited field of len bytes (one-byte tag). */
static size_t field_bytes(size_t len)
{
    size_t n = 1 + 1;
    for (size_t v = len; v >= 0x80; v >>= 7)
        n++;
    return n + len;
}

/* Bytes of a response of type t carrying r alone, without the envelope. */
static size_t resource_response_bytes(const struct xds_resource *r, size_t url)
{
    size_t any = field_bytes(url) + field_bytes(r->len);
    /* a delta Resource wraps the Any with its name and version: the larger
     * of the two response shapes */
    size_t res = field_bytes(strlen(r->name)) + field_bytes(sizeof(r->version)) + field_bytes(any);
    return field_bytes(res);
}

/* type_url, version_info, nonce and the rest of the envelope */
static size_t envelope_bytes(size_t url)
{
    return field_bytes(url) + 128;
}

static void list_sizes(struct xds_list *l, enum xds_type t)
{
    size_t url = strlen(type_urls[t]);
    l->response_bytes = envelope_bytes(url);
    l->max_single_bytes = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t one = resource_response_bytes(&l->items[i], url);
        l->response_bytes += one;
        if (envelope_bytes(url) + one > l->max_single_bytes)
            l->max_single_bytes = envelope_bytes(url) + one;
    }
}

size_t xds_view_response_bytes(const struct xds_view *v, enum xds_type t)
{
    struct xds_list *l = v->types[t];
    if (!l->finished)
        list_sizes(l, t);
    return l->response_bytes;
}

/* The first resource of type t whose response alone exceeds limit, or NULL. */
static const struct xds_resource *oversized_resource(const struct xds_view *v, enum xds_type t,
                                                     size_t limit, size_t *bytes)
{
    const struct xds_list *l = v->types[t];
    size_t url = strlen(type_urls[t]);
    if (l->finished && l->max_single_bytes <= limit)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        *bytes = envelope_bytes(url) + resource_response_bytes(&l->items[i], url);
        if (*bytes > limit)
            return &l->items[i];
    }
    return NULL;
}

int xds_view_check_size(const struct xds_view *v, size_t limit, int by_name, char **err)
{
    for (int t = 0; t < XDS_NTYPES; t++) {
        if (by_name) {
            size_t n = 0;
            const struct xds_resource *r = oversized_resource(v, (enum xds_type)t, limit, &n);
            if (r == NULL)
                continue;
            if (err)
                *err = xasprintf("a %s response with %s alone would be %zu bytes, over the "
                                 "%zu-byte message limit of xDS clients",
                                 type_shorts[t], r->name, n, limit);
            return -1;
        }
        size_t n = xds_view_response_bytes(v, (enum xds_type)t);
        if (n > limit) {
            if (err)
                *err = xasprintf("a %s response with its %zu resources would be %zu bytes, "
                                 "over the %zu-byte message limit of xDS clients",
                                 type_shorts[t], v->types[t]->n, n, limit);
            return -1;
        }
    }
    return 0;
}

/* ---- lists patched: a few resources replaced, added or removed ---------------------- */

/* Beyond this many stores, or this share of a list's bytes dead, a patch
 * copies the list instead: the copy gives back what replaced resources
 * held, and the next patches start from it. */
#define MAX_STORES 16
#define MAX_DEAD_SHARE 4

/* dst: r with a name and bytes of its own (counted bytes shared). */
static void take_resource(struct xds_resource *dst, const struct xds_resource *r)
{
    *dst = *r;
    dst->name = xstrdup(r->name);
    if (r->counted) {
        atomic_fetch_add_explicit(&head_of(r->bytes)->refs, 1, memory_order_relaxed);
        return;
    }
    uint8_t *copy = xmalloc(r->len ? r->len : 1);
    memcpy(copy, r->bytes, r->len);
    dst->bytes = copy;
}

/* Add r to v with counted bytes, which later copies share. */
static void add_shared(struct xds_view *v, enum xds_type t, const struct xds_resource *r)
{
    if (r->counted) {
        xds_view_add_again(v, t, r);
        return;
    }
    uint8_t *copy = xds_bytes_new(r->len);
    memcpy(copy, r->bytes, r->len);
    xds_view_add_counted(v, t, r->name, copy, r->len, r->hash);
}

/* One change to a list, at a position of the list it came from. */
enum edit_kind { EDIT_ADD, EDIT_REPLACE, EDIT_DROP };
struct edit {
    size_t pos; /* ADD: before this one */
    enum edit_kind kind;
    const struct xds_resource *r; /* ADD, REPLACE: the new one */
};

/* Positions first; at one position, additions (by name) before the rest. */
static int edit_cmp(const void *pa, const void *pb)
{
    const struct edit *a = pa, *b = pb;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return a->kind == EDIT_ADD ? strcmp(a->r->name, b->r->name) : 0;
}

/* The edits of put and drop against fl, sorted; NULL when a name to drop is
 * not there, or is also put, or a name is put twice. *dead: the bytes of
 * fl's resources that are replaced or dropped. */
static struct edit *plan_edits(const struct xds_list *fl, const struct xds_resource *const *put,
                               size_t n_put, const char *const *drop, size_t n_drop, size_t *dead)
{
    size_t n = n_put + n_drop;
    struct edit *e = xmalloc((n + 1) * sizeof(*e));
    *dead = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = i < n_put ? put[i]->name : drop[i - n_put];
        struct xds_resource key = {.name = name};
        size_t at = lower_bound(&key, fl->items, fl->n, sizeof(key), resource_cmp);
        int found = at < fl->n && strcmp(fl->items[at].name, name) == 0;
        if (i >= n_put && !found) {
            free(e);
            return NULL;
        }
        e[i] = (struct edit){at, i >= n_put ? EDIT_DROP : found ? EDIT_REPLACE : EDIT_ADD,
                             i < n_put ? put[i] : NULL};
        if (found)
            *dead += fl->items[at].len;
    }
    qsort(e, n, sizeof(*e), edit_cmp);
    /* at one position: additions of distinct names, then one change of
     * the resource there */
    for (size_t i = 1; i < n; i++)
        if (e[i].pos == e[i - 1].pos &&
            (e[i - 1].kind != EDIT_ADD ||
             (e[i].kind == EDIT_ADD && strcmp(e[i].r->name, e[i - 1].r->name) == 0))) {
            free(e);
            return NULL;
        }
    return e;
}

/* The copy: fl's resources with the edits made. */
static int patch_by_copy(struct xds_view *v, enum xds_type t, const struct xds_list *fl,
                         const struct edit *e, size_t n)
{
    list_unref(v->types[t]);
    struct xds_list *l = v->types[t] = list_new();
    l->cap = fl->n + n;
    l->items = xmalloc((l->cap + 1) * sizeof(*l->items));
    size_t from = 0;
    for (size_t k = 0; k <= n; k++) {
        size_t to = k < n ? e[k].pos : fl->n;
        for (; from < to; from++)
            add_shared(v, t, &fl->items[from]);
        if (k == n)
            break;
        if (e[k].kind != EDIT_DROP)
            add_shared(v, t, e[k].r);
        if (e[k].kind != EDIT_ADD)
            from++;
    }
    return list_finish(l, t, NULL) == 0 ? 1 : -1;
}

/* What a list's sums and sizes lose with r (sign -1) or gain (+1). */
static void account(struct xds_list *l, enum xds_type t, const struct xds_resource *r, int sign)
{
    size_t url = strlen(type_urls[t]), one = resource_response_bytes(r, url);
    uint64_t entry = xds_version_entry(r->name, r->hash);
    if (sign > 0) {
        l->key += entry;
        l->bytes += r->len;
        l->response_bytes += one;
        if (envelope_bytes(url) + one > l->max_single_bytes)
            l->max_single_bytes = envelope_bytes(url) + one;
    } else {
        l->key -= entry;
        l->bytes -= r->len;
        l->response_bytes -= one;
    }
}

int xds_view_patch(struct xds_view *v, enum xds_type t, const struct xds_view *from,
                   const struct xds_resource *const *put, size_t n_put, const char *const *drop,
                   size_t n_drop)
{
    const struct xds_list *fl = from->types[t];
    size_t n = n_put + n_drop, dead;
    struct edit *e = fl->finished ? plan_edits(fl, put, n_put, drop, n_drop, &dead) : NULL;
    if (e == NULL)
        return -1;
    dead += fl->dead_bytes;
    if (fl->n_stores + 1 > MAX_STORES || dead > fl->bytes / MAX_DEAD_SHARE) {
        int rc = patch_by_copy(v, t, fl, e, n);
        free(e);
        return rc;
    }
    struct xds_list *l = list_new();
    l->items = xmalloc((fl->n + n + 1) * sizeof(*l->items));
    l->key = fl->key;
    l->bytes = fl->bytes;
    l->response_bytes = fl->response_bytes;
    l->max_single_bytes = fl->max_single_bytes;
    struct xds_store *st = xcalloc(1, sizeof(*st));
    atomic_init(&st->refs, 1);
    st->items = xcalloc(n + 1, sizeof(*st->items));
    /* runs of fl's entries copied whole, the edits between them */
    size_t from_at = 0;
    for (size_t k = 0; k <= n; k++) {
        size_t to = k < n ? e[k].pos : fl->n;
        if (to > from_at) /* fl->items is NULL when fl is empty */
            memcpy(l->items + l->n, fl->items + from_at, (to - from_at) * sizeof(*l->items));
        l->n += to - from_at;
        from_at = to;
        if (k == n)
            break;
        if (e[k].kind != EDIT_ADD)
            account(l, t, &fl->items[from_at++], -1);
        if (e[k].kind == EDIT_DROP)
            continue;
        struct xds_resource *r = &st->items[st->n++];
        take_resource(r, e[k].r);
        account(l, t, r, +1);
        l->items[l->n++] = *r;
    }
    free(e);
    l->cap = fl->n + n;
    snprintf(l->version, sizeof(l->version), "%016" PRIx64, l->key);
    l->finished = 1;
    l->dead_bytes = dead;
    l->base = fl->base != NULL ? fl->base : (struct xds_list *)fl;
    atomic_fetch_add_explicit(&l->base->refs, 1, memory_order_relaxed);
    l->stores = xmalloc((fl->n_stores + 1) * sizeof(*l->stores));
    for (size_t i = 0; i < fl->n_stores; i++) {
        atomic_fetch_add_explicit(&fl->stores[i]->refs, 1, memory_order_relaxed);
        l->stores[i] = fl->stores[i];
    }
    l->stores[fl->n_stores] = st;
    l->n_stores = fl->n_stores + 1;
    list_unref(v->types[t]);
    v->types[t] = l;
    return 0;
}

/* ---- snapshots ---------------------------------------------------------------------- */

/* One proxy class: its key, a proxy that stands for it (to rebuild the view
 * after a reload) and its view. */
struct view_class {
    char *key;
    struct proxy_identity example;
    struct xds_view *view;
};

struct snapshot {
    atomic_int refs;
    uint64_t generation;
    struct snapshot_ops ops;
    void *ctx;
    pthread_mutex_t lock; /* guards classes */
    /* Few classes (one per namespace and gateway set), so a linear search is
     * cheaper than a hash table would be to read. */
    struct view_class *classes;
    size_t n_classes, cap_classes;
};

struct snapshot *snapshot_new(uint64_t gen, const struct snapshot_ops *ops, void *ctx)
{
    struct snapshot *s = xcalloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->generation = gen;
    s->ops = *ops;
    s->ctx = ctx;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void snapshot_unref(struct snapshot *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (size_t i = 0; i < s->n_classes; i++) {
        free(s->classes[i].key);
        proxy_identity_release(&s->classes[i].example);
        xds_view_free(s->classes[i].view);
    }
    free(s->classes);
    if (s->ops.free_ctx)
        s->ops.free_ctx(s->ctx);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint64_t snapshot_generation(const struct snapshot *s)
{
    return s->generation;
}

void *snapshot_ctx(const struct snapshot *s)
{
    return s->ctx;
}

static void identity_copy(struct proxy_identity *dst, const struct proxy_identity *src)
{
    proxy_identity_init(dst, src->id, src->type == PROXY_ROUTER ? "router" : "sidecar",
                        src->namespace, src->labels, src->n_labels,
                        src->proxyless_grpc ? "grpc" : NULL);
    dst->spiffe = src->spiffe ? xstrdup(src->spiffe) : NULL;
}

/* Called with s->lock held. */
static struct view_class *find_class(struct snapshot *s, const char *key)
{
    for (size_t i = 0; i < s->n_classes; i++)
        if (strcmp(s->classes[i].key, key) == 0)
            return &s->classes[i];
    return NULL;
}

const struct xds_view *snapshot_view(struct snapshot *s, const struct proxy_identity *id,
                                     const char **class_key, char **err)
{
    char *key = s->ops.class_key(s->ctx, id);
    pthread_mutex_lock(&s->lock);
    struct view_class *c = find_class(s, key);
    if (c == NULL) {
        /* translating under the lock keeps one build per class; builds are
         * short and happen once per class and snapshot */
        struct xds_view *v = s->ops.build(s->ctx, id, key, err);
        if (v == NULL) {
            pthread_mutex_unlock(&s->lock);
            free(key);
            return NULL;
        }
        xgrow((void **)&s->classes, &s->cap_classes, s->n_classes + 1, sizeof(*s->classes));
        c = &s->classes[s->n_classes++];
        c->key = key;
        identity_copy(&c->example, id);
        c->view = v;
    } else {
        free(key);
    }
    const struct xds_view *v = c->view;
    if (class_key)
        *class_key = c->key;
    pthread_mutex_unlock(&s->lock);
    return v;
}

int snapshot_prepare(struct snapshot *s, struct snapshot *old, const struct proxy_identity *extra,
                     size_t n_extra, char **err)
{
    size_t n = 0;
    struct proxy_identity *ids = NULL;
    if (old != NULL) {
        pthread_mutex_lock(&old->lock);
        n = old->n_classes;
        ids = xcalloc(n + n_extra + 1, sizeof(*ids));
        for (size_t i = 0; i < n; i++)
            identity_copy(&ids[i], &old->classes[i].example);
        pthread_mutex_unlock(&old->lock);
    } else {
        ids = xcalloc(n_extra + 1, sizeof(*ids));
    }
    for (size_t i = 0; i < n_extra; i++)
        identity_copy(&ids[n++], &extra[i]);
    int rc = 0;
    int warm = old != NULL && s->ops.warm != NULL && s->ops.warm == old->ops.warm;
    if (warm)
        s->ops.warm(s->ctx, old->ctx);
    for (size_t i = 0; i < n; i++) {
        char *e = NULL;
        if (snapshot_view(s, &ids[i], NULL, &e) == NULL && rc == 0) {
            rc = -1;
            if (err)
                *err = e ? e : xstrdup("translation failed");
            e = NULL;
        }
        free(e);
        proxy_identity_release(&ids[i]);
    }
    if (warm)
        s->ops.warm(s->ctx, NULL);
    free(ids);
    return rc;
}

void snapshot_warm_from(struct snapshot *s, struct snapshot *old)
{
    snapshot_prepare(s, old, NULL, 0, NULL);
}
