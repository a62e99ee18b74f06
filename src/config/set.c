/* set.c - the finished configuration set: the resources of each kind
 * sorted (merged into the last load's order after a few changes), duplicate
 * detection, the arrays copied out, reference counting and the accessors. */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

static int meta_cmp(const struct istio_meta *a, const struct istio_meta *b)
{
    int c = strcmp(a->namespace, b->namespace);
    if (c == 0)
        c = strcmp(a->name, b->name);
    return c;
}

int meta_order(const struct istio_meta *a, const struct istio_meta *b)
{
    int c = meta_cmp(a, b);
    if (c == 0)
        c = strcmp(a->pos.file, b->pos.file);
    if (c == 0 && a->pos.line != b->pos.line)
        c = a->pos.line < b->pos.line ? -1 : 1;
    if (c == 0)
        c = (a->pos.column > b->pos.column) - (a->pos.column < b->pos.column);
    return c;
}

/* Every resource kind starts with its istio_meta, so one comparison serves. */
static int ptr_cmp(const void *pa, const void *pb)
{
    return meta_order(*(const struct istio_meta *const *)pa, *(const struct istio_meta *const *)pb);
}

void sorted_kinds_release(struct sorted_kinds *k)
{
    for (int i = 0; i < CONFIG_NKINDS; i++) {
        free(k->arr[i]);
        free(k->file[i]);
    }
    memset(k, 0, sizeof(*k));
}

/* Is file (by address: every position of a unit holds its file name) one
 * of the n? */
static int in_files(const char *file, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (files[i] == file)
            return 1;
    return 0;
}

/* The file names of the units gone or changed (with resources). */
static const char **changed_files(const struct builder *b, size_t *n)
{
    const char **f = xcalloc(b->n_gone + b->n_fresh + 1, sizeof(*f));
    *n = 0;
    for (size_t i = 0; i < b->n_gone; i++)
        if (b->gone[i]->n_res > 0)
            f[(*n)++] = b->gone[i]->res[0]->pos.file;
    for (size_t i = 0; i < b->n_fresh; i++)
        if (b->fresh[i]->n_res > 0)
            f[(*n)++] = b->fresh[i]->res[0]->pos.file;
    return f;
}

/* The last load's sorted resources of kind k, without those of the units
 * gone or changed, with those of the changed units inserted in their places:
 * the order qsort would give (ptr_cmp orders distinct resources totally).
 * *n: how many; *km: where each resource went. */
static struct istio_meta **merge_kind(const struct builder *b, enum istio_kind k, size_t *n,
                                      struct kind_merge *km)
{
    const struct sorted_kinds *p = b->sorted;
    struct istio_meta **add = NULL;
    size_t n_add = 0, cap = 0;
    for (size_t i = 0; i < b->n_fresh; i++)
        for (size_t j = 0; j < b->fresh[i]->n_res; j++)
            if (b->fresh[i]->res[j]->kind == k) {
                xgrow((void **)&add, &cap, n_add + 1, sizeof(*add));
                add[n_add++] = b->fresh[i]->res[j];
            }
    if (n_add > 1)
        qsort(add, n_add, sizeof(*add), ptr_cmp);
    size_t n_changed;
    const char **changed = changed_files(b, &n_changed);
    struct istio_meta **out = xmalloc((p->n[k] + n_add + 1) * sizeof(*out));
    const char **file = xmalloc((p->n[k] + n_add + 1) * sizeof(*file));
    size_t *pos = xcalloc(n_add + 1, sizeof(*pos));
    size_t *map = xmalloc((p->n[k] + 1) * sizeof(*map));
    /* the resources still there, by their files' addresses (none is read) */
    size_t o = 0;
    for (size_t i = 0; i < p->n[k]; i++) {
        map[i] = SIZE_MAX;
        if (in_files(p->file[k][i], changed, n_changed))
            continue;
        map[i] = o;
        file[o] = p->file[k][i];
        out[o++] = p->arr[k][i];
    }
    /* where the changed files' go among them: a binary search each, from
     * where the one before went (add is sorted) */
    for (size_t a = 0, lo = 0; a < n_add; a++) {
        lo += lower_bound(&add[a], out + lo, o - lo, sizeof(*out), ptr_cmp);
        pos[a] = lo + a;
    }
    /* move the runs between them up, from the end */
    for (size_t a = n_add, end = o; a-- > 0;) {
        size_t from = pos[a] - a;
        memmove(&out[pos[a] + 1], &out[from], (end - from) * sizeof(*out));
        memmove(&file[pos[a] + 1], &file[from], (end - from) * sizeof(*file));
        out[pos[a]] = add[a];
        file[pos[a]] = add[a]->pos.file;
        end = from;
    }
    for (size_t i = 0, a = 0; i < p->n[k]; i++) { /* each one's place after the moves */
        if (map[i] == SIZE_MAX)
            continue;
        while (a < n_add && pos[a] - a <= map[i])
            a++;
        map[i] += a;
    }
    free(add);
    free(changed);
    *km = (struct kind_merge){1, file, map, pos, n_add};
    *n = o + n_add;
    return out;
}

/* Every resource of kind k, unit by unit (for a builder with carried units
 * that cannot be merged). */
static void collect_kind(const struct builder *b, enum istio_kind k, struct istio_meta ***arr,
                         size_t *n, size_t *cap)
{
    *n = 0;
    for (size_t i = 0; i < b->n_units; i++)
        for (size_t j = 0; j < b->units[i]->n_res; j++)
            if (b->units[i]->res[j]->kind == k) {
                xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
                (*arr)[(*n)++] = b->units[i]->res[j];
            }
}

/* Where m's metadata.name is written: the place a reader looks for the
 * name (a resource's own position is where its document starts). */
static struct config_pos name_pos(struct builder *b, const struct istio_meta *m)
{
    const struct config_unit *u = builder_unit_of(b, m);
    struct config_pos p;
    return u && pos_get(&u->pos, &m->name, sizeof(m->name), &p) ? p : m->pos;
}

static void duplicate(struct builder *b, const struct istio_meta *first, const struct istio_meta *m)
{
    struct config_pos at = name_pos(b, m), other = name_pos(b, first);
    diag_add(b->diags, CONFIG_ERROR, at, meta_label(&b->set->arena, m),
             "duplicate %s %s/%s: also defined at %s:%d:%d", config_kind_name(m->kind), m->namespace,
             m->name, other.file, other.line, other.column);
}

/* Report each resource named like the one before it. Returns how many. */
static size_t check_duplicates(struct builder *b, struct istio_meta **arr, size_t n)
{
    size_t found = 0;
    for (size_t i = 1; i < n; i++) {
        const struct istio_meta *first = arr[i - 1];
        while (i < n && meta_cmp(first, arr[i]) == 0) {
            duplicate(b, first, arr[i++]);
            found++;
        }
    }
    return found;
}

/* The same when the last load had no duplicates of this kind: any there is
 * now has a resource of a changed file (at one of the n_at positions at) in
 * it. The same messages, in the same order. */
static size_t check_duplicates_near(struct builder *b, struct istio_meta **arr, size_t n,
                                    const size_t *at, size_t n_at)
{
    size_t found = 0, done = 0;
    for (size_t j = 0; j < n_at; j++) {
        size_t p = at[j], start = p, end = p + 1;
        if (p < done)
            continue;
        while (start > 0 && meta_cmp(arr[start - 1], arr[p]) == 0)
            start--;
        while (end < n && meta_cmp(arr[end], arr[p]) == 0)
            end++;
        for (size_t i = start + 1; i < end; i++, found++)
            duplicate(b, arr[start], arr[i]);
        done = end;
    }
    return found;
}

/* Sort the resources of kind k (*arr, *n of them) and report duplicates:
 * by merging into the last load's order when only a few files changed,
 * else afresh. Returns how many duplicates. */
static size_t sort_kind(struct builder *b, enum istio_kind k, struct istio_meta ***arr, size_t *n,
                        size_t *cap)
{
    if (b->sorted && b->memo_usable && b->sorted->arr[k] && b->sorted->file[k] &&
        b->n_fresh + b->n_gone <= MEMO_MAX_UNITS) {
        struct kind_merge *km = &b->merge[k];
        free(*arr);
        *arr = merge_kind(b, k, n, km);
        *cap = *n + 1;
        return b->sorted->dups[k] == 0 ? check_duplicates_near(b, *arr, *n, km->added, km->n_added)
                                       : check_duplicates(b, *arr, *n);
    }
    if (b->carried)
        collect_kind(b, k, arr, n, cap);
    if (*n > 1)
        qsort(*arr, *n, sizeof(**arr), ptr_cmp);
    if (b->sorted) { /* the next load's merge_kind() needs them */
        b->merge[k].file = xcalloc(*n + 1, sizeof(*b->merge[k].file));
        for (size_t i = 0; i < *n; i++)
            b->merge[k].file[i] = (*arr)[i]->pos.file;
    }
    return check_duplicates(b, *arr, *n);
}

#define SORT_KIND(b, k, arr, n, cap)                                                               \
    sort_kind((b), (k), (struct istio_meta ***)(void *)&(b)->arr, &(b)->n, &(b)->cap)

/* Does the merge keep every resource of kind k where it was (those of the
 * changed files excepted)? */
static int same_layout(const struct builder *b, enum istio_kind k, size_t n)
{
    const struct kind_merge *km = &b->merge[k];
    if (!km->merged || b->sorted->n[k] != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (km->map[i] != i && km->map[i] != SIZE_MAX)
            return 0;
    return 1;
}

/* The array of the set before last, when nobody else holds that set and
 * the last two loads kept the layout of kind k: its bytes differ from the
 * new array's only where those loads changed resources. Patched, it is the
 * new array, without a copy of every resource (megabytes at 10,000 files). */
static char *take_older(const struct builder *b, enum istio_kind k, char **older_arr, size_t n,
                        size_t size, const char *prev)
{
    const struct kind_patch *p = &b->patch[k];
    struct config_set *o = b->older;
    if (o == NULL || *older_arr == NULL || !p->same_layout || !same_layout(b, k, n) ||
        __atomic_load_n(&o->refs, __ATOMIC_ACQUIRE) != 1)
        return NULL;
    char *out = *older_arr;
    *older_arr = NULL;
    for (size_t i = 0; i < p->n_at; i++)
        memcpy(out + p->at[i] * size, prev + p->at[i] * size, size);
    return out;
}

/* The set's array of kind k: a copy of each resource (size bytes) of arr.
 * After a merge with the last load, which made prev (that load's array of
 * the kind), the resources carried over are copied from prev in runs (the
 * same bytes in the same order, read in sequence rather than one unit at a
 * time), or the set before's array is taken over; only the changed files'
 * resources come from their units. */
static void *copy_kind(const struct builder *b, enum istio_kind k, void *const *arr, size_t n,
                       size_t size, const void *prev, size_t n_prev, char **older_arr)
{
    const struct kind_merge *km = &b->merge[k];
    if (prev == NULL || !km->merged || n_prev != b->sorted->n[k]) {
        char *out = xmalloc(n ? n * size : 1);
        for (size_t i = 0; i < n; i++)
            memcpy(out + i * size, arr[i], size);
        return out;
    }
    char *out = take_older(b, k, older_arr, n, size, prev);
    int copy = out == NULL;
    if (copy)
        out = xmalloc(n ? n * size : 1);
    for (size_t i = 0; copy && i < n_prev;) {
        size_t to = km->map[i], j = i + 1;
        if (to == SIZE_MAX) {
            i++;
            continue;
        }
        while (j < n_prev && km->map[j] == to + (j - i))
            j++;
        memcpy(out + to * size, (const char *)prev + i * size, (j - i) * size);
        i = j;
    }
    for (size_t a = 0; a < km->n_added; a++)
        memcpy(out + km->added[a] * size, arr[km->added[a]], size);
    return out;
}

#define COPY_OUT(s, b, k, arr, n)                                                                  \
    do {                                                                                           \
        (s)->arr = copy_kind((b), (k), (void *const *)(b)->arr, (b)->n, sizeof(*(s)->arr),         \
                             (b)->prev ? (b)->prev->arr : NULL, (b)->prev ? (b)->prev->n : 0,      \
                             (b)->older ? (char **)(void *)&(b)->older->arr : NULL);               \
        (s)->n = (b)->n;                                                                           \
    } while (0)

#define DUP_ARRAY(c, s, arr, n)                                                                    \
    do {                                                                                           \
        (c)->arr = xmalloc(((s)->n ? (s)->n : 1) * sizeof(*(s)->arr));                             \
        memcpy((c)->arr, (s)->arr, (s)->n * sizeof(*(s)->arr));                                    \
        (c)->n = (s)->n;                                                                           \
    } while (0)

/* A set holding nothing but copies of s's arrays: what the set before s
 * would hold if s had been made from it without a change. The next load
 * takes them over (take_older) instead of copying every resource into new
 * memory, as the loads after it take over the arrays of their set before. */
static struct config_set *spare_of(const struct config_set *s)
{
    struct config_set *c = xcalloc(1, sizeof(*c));
    c->refs = 1;
    arena_init(&c->arena);
    DUP_ARRAY(c, s, se, n_se);
    DUP_ARRAY(c, s, gw, n_gw);
    DUP_ARRAY(c, s, vs, n_vs);
    DUP_ARRAY(c, s, dr, n_dr);
    DUP_ARRAY(c, s, sc, n_sc);
    DUP_ARRAY(c, s, we, n_we);
    return c;
}

/* What this load changed in the arrays of the last one, for the next: the
 * places of the changed files' resources, when the others kept theirs; with
 * no last set, nothing against a spare copy of this one. */
static void note_patches(struct builder *b, const struct config_set *s)
{
    size_t n[CONFIG_NKINDS] = {s->n_se, s->n_gw, s->n_vs, s->n_dr, s->n_sc, s->n_we};
    for (int k = 0; k < CONFIG_NKINDS; k++) {
        struct kind_patch *p = &b->patch[k];
        free(p->at);
        memset(p, 0, sizeof(*p));
        p->same_layout = b->prev == NULL; /* with the spare below */
        if (b->prev == NULL || !same_layout(b, (enum istio_kind)k, n[k]))
            continue;
        p->same_layout = 1;
        p->at = b->merge[k].added;
        p->n_at = b->merge[k].n_added;
        b->merge[k].added = NULL;
    }
    if (b->prev == NULL)
        b->spare = spare_of(s);
}

static int unit_file_cmp(const void *pa, const void *pb)
{
    const struct config_unit *a = *(struct config_unit *const *)pa;
    const struct config_unit *b = *(struct config_unit *const *)pb;
    uintptr_t x = (uintptr_t)a->res[0]->pos.file, y = (uintptr_t)b->res[0]->pos.file;
    return (x > y) - (x < y);
}

/* A file name (by address) against a unit of b->by_file. */
static int unit_file_key_cmp(const void *file, const void *elem)
{
    uintptr_t x = (uintptr_t)file;
    uintptr_t y = (uintptr_t)(*(struct config_unit *const *)elem)->res[0]->pos.file;
    return (x > y) - (x < y);
}

/* Units with resources, sorted by the address of their file name (which
 * every position of a unit points to): builder_unit_of() searches them. */
static void index_units(struct builder *b)
{
    size_t k = 0;
    b->by_file = xcalloc(b->n_units ? b->n_units : 1, sizeof(*b->by_file));
    for (size_t i = 0; i < b->n_units; i++)
        if (b->units[i]->n_res > 0)
            b->by_file[k++] = b->units[i];
    b->n_by_file = k;
    qsort(b->by_file, k, sizeof(*b->by_file), unit_file_cmp);
}

/* Lookups answered by a scan before the units are indexed. */
#define UNIT_SCANS 8

const struct config_unit *builder_unit_of(struct builder *b, const struct istio_meta *m)
{
    /* a reload that checks a few VirtualServices again, most of them in the
     * changed files, needs no index */
    for (size_t i = 0; i < b->n_fresh; i++)
        if (b->fresh[i]->n_res > 0 && b->fresh[i]->res[0]->pos.file == m->pos.file)
            return b->fresh[i];
    if (b->by_file == NULL && b->unit_scans < UNIT_SCANS && b->memo_usable) {
        b->unit_scans++;
        for (size_t i = 0; i < b->n_units; i++)
            if (b->units[i]->n_res > 0 && b->units[i]->res[0]->pos.file == m->pos.file)
                return b->units[i];
        return NULL;
    }
    if (b->by_file == NULL)
        index_units(b);
    struct config_unit **u =
        sorted_find(m->pos.file, b->by_file, b->n_by_file, sizeof(*b->by_file), unit_file_key_cmp);
    return u ? *u : NULL;
}

void builder_sort(struct builder *b, size_t dups[CONFIG_NKINDS])
{
    dups[KIND_SERVICE_ENTRY] = SORT_KIND(b, KIND_SERVICE_ENTRY, se, n_se, cap_se);
    dups[KIND_GATEWAY] = SORT_KIND(b, KIND_GATEWAY, gw, n_gw, cap_gw);
    dups[KIND_VIRTUAL_SERVICE] = SORT_KIND(b, KIND_VIRTUAL_SERVICE, vs, n_vs, cap_vs);
    dups[KIND_DESTINATION_RULE] = SORT_KIND(b, KIND_DESTINATION_RULE, dr, n_dr, cap_dr);
    dups[KIND_SIDECAR] = SORT_KIND(b, KIND_SIDECAR, sc, n_sc, cap_sc);
    dups[KIND_WORKLOAD_ENTRY] = SORT_KIND(b, KIND_WORKLOAD_ENTRY, we, n_we, cap_we);
}

void builder_fill_set(struct builder *b)
{
    struct config_set *s = b->set;
    /* resources move into plain sorted arrays; positions are no longer needed */
    COPY_OUT(s, b, KIND_SERVICE_ENTRY, se, n_se);
    COPY_OUT(s, b, KIND_GATEWAY, gw, n_gw);
    COPY_OUT(s, b, KIND_VIRTUAL_SERVICE, vs, n_vs);
    COPY_OUT(s, b, KIND_DESTINATION_RULE, dr, n_dr);
    COPY_OUT(s, b, KIND_SIDECAR, sc, n_sc);
    COPY_OUT(s, b, KIND_WORKLOAD_ENTRY, we, n_we);
    s->content_id = b->content_id;
    s->chunks = xcalloc(b->files.n + 1, sizeof(*s->chunks));
    for (size_t i = 0; i < b->files.n; i++) {
        s->chunks[i] = b->files.items[i];
        __atomic_add_fetch(&s->chunks[i]->refs, 1, __ATOMIC_RELAXED);
    }
    s->n_chunks = b->files.n;
    if (b->patch)
        note_patches(b, s);
}

void builder_release(struct builder *b, const size_t dups[CONFIG_NKINDS])
{
    free(b->by_file);
    free(b->units);
    if (b->reuse == NULL) /* else the cache keeps them */
        file_list_release(&b->files);
    for (int k = 0; k < CONFIG_NKINDS; k++) {
        free(b->merge[k].map);
        free(b->merge[k].added);
    }
    if (b->sorted) { /* for the next load */
        sorted_kinds_release(b->sorted);
        *b->sorted = (struct sorted_kinds){
            {(struct istio_meta **)b->se, (struct istio_meta **)b->gw, (struct istio_meta **)b->vs,
             (struct istio_meta **)b->dr, (struct istio_meta **)b->sc, (struct istio_meta **)b->we},
            {b->merge[0].file, b->merge[1].file, b->merge[2].file, b->merge[3].file,
             b->merge[4].file, b->merge[5].file},
            {b->n_se, b->n_gw, b->n_vs, b->n_dr, b->n_sc, b->n_we},
            {dups[0], dups[1], dups[2], dups[3], dups[4], dups[5]}};
        return;
    }
    free(b->se);
    free(b->gw);
    free(b->vs);
    free(b->dr);
    free(b->sc);
    free(b->we);
}

struct config_set *config_ref(struct config_set *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void config_unref(struct config_set *s)
{
    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(s->se);
    free(s->gw);
    free(s->vs);
    free(s->dr);
    free(s->sc);
    free(s->we);
    for (size_t i = 0; i < s->n_chunks; i++)
        file_chunk_unref(s->chunks[i]);
    free(s->chunks);
    free(s->sources);
    arena_release(&s->arena);
    free(s);
}

uint64_t config_generation(const struct config_set *s)
{
    return s->generation;
}

void config_set_generation(struct config_set *s, uint64_t generation)
{
    s->generation = generation;
}

/* Every file's name and content, in order: made on first use, as the
 * reloader tells a change by the content id. Concurrent first uses make
 * the same value. */
uint64_t config_hash(const struct config_set *s)
{
    struct config_set *w = (struct config_set *)s;
    if (__atomic_load_n(&w->hash_known, __ATOMIC_ACQUIRE))
        return __atomic_load_n(&w->hash, __ATOMIC_RELAXED);
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < s->n_chunks; i++)
        for (size_t j = 0; j < s->chunks[i]->n; j++) {
            const struct config_unit *u = s->chunks[i]->f[j].unit;
            h = hash_bytes(h, u->path, strlen(u->path) + 1);
            h = hash_bytes(h, &u->hash, sizeof(u->hash));
        }
    __atomic_store_n(&w->hash, h, __ATOMIC_RELAXED);
    __atomic_store_n(&w->hash_known, 1, __ATOMIC_RELEASE);
    return h;
}

/* The files, in load order (each unit keeps its file's bytes): made on
 * first use; of concurrent first uses, one array is kept. */
const struct config_source *config_sources(const struct config_set *s, size_t *n)
{
    struct config_set *w = (struct config_set *)s;
    struct config_source *src = __atomic_load_n(&w->sources, __ATOMIC_ACQUIRE);
    size_t count = 0;
    for (size_t i = 0; i < s->n_chunks; i++)
        count += s->chunks[i]->n;
    *n = count;
    if (src != NULL)
        return src;
    src = xcalloc(count + 1, sizeof(*src));
    size_t k = 0;
    for (size_t i = 0; i < s->n_chunks; i++)
        for (size_t j = 0; j < s->chunks[i]->n; j++) {
            const struct config_unit *u = s->chunks[i]->f[j].unit;
            src[k++] = (struct config_source){u->path, u->data, u->len};
        }
    struct config_source *none = NULL;
    if (!__atomic_compare_exchange_n(&w->sources, &none, src, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free(src);
        src = none;
    }
    return src;
}

const struct service_entry *config_service_entries(const struct config_set *s, size_t *n)
{
    *n = s->n_se;
    return s->se;
}

const struct gateway *config_gateways(const struct config_set *s, size_t *n)
{
    *n = s->n_gw;
    return s->gw;
}

const struct virtual_service *config_virtual_services(const struct config_set *s, size_t *n)
{
    *n = s->n_vs;
    return s->vs;
}

const struct destination_rule *config_destination_rules(const struct config_set *s, size_t *n)
{
    *n = s->n_dr;
    return s->dr;
}

const struct sidecar *config_sidecars(const struct config_set *s, size_t *n)
{
    *n = s->n_sc;
    return s->sc;
}

const struct workload_entry *config_workload_entries(const struct config_set *s, size_t *n)
{
    *n = s->n_we;
    return s->we;
}
