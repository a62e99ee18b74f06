/* source.c - the configuration in etcd, for `serve`: list, watch, reload.
 *
 * The keys are held sorted, so every replica hands the loader the same
 * sources in the same order and builds the same set. The generation of a
 * set is the etcd revision it was read at: replicas on one store then also
 * report the same generation (it is never sent to proxies: versions are
 * hashes of content). */
#include "xdsd/etcd_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/config_mem.h"
#include "xdsd/log.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

enum phase { NEED_LIST, NEED_WATCH, WATCHING };

struct etcd_source {
    struct etcd_client *c;
    struct etcd_kvs kvs;    /* sorted by key: the content at revision */
    char **names;           /* "etcd:KEY" of each of kvs, kept beside it */
    size_t cap_names;
    struct config_mem *mem; /* the values parsed at the last reload */
    int64_t revision;       /* of kvs */
    enum phase phase;
    int64_t retry_at, backoff_ms;
    char *error; /* why etcd cannot be read now */
    struct config_diags diags;
    int rejected, have_good;
    uint64_t good_hash, prev_hash;
    int64_t good_revision, prev_revision;
    int prev_have_good;
    uint64_t n_ok, n_rejected;
};

struct etcd_source *etcd_source_new(const struct etcd_options *o, char **err)
{
    struct etcd_client *c = etcd_client_new(o, err);
    if (c == NULL)
        return NULL;
    struct etcd_source *s = xcalloc(1, sizeof(*s));
    s->c = c;
    s->mem = config_mem_new();
    s->backoff_ms = BACKOFF_MIN_MS;
    return s;
}

static void drop_names(struct etcd_source *s)
{
    for (size_t i = 0; i < s->kvs.n; i++)
        free(s->names[i]);
    free(s->names);
    s->names = NULL;
    s->cap_names = 0;
}

/* The loader's name of every key, made again (after a listing). */
static void name_all(struct etcd_source *s)
{
    xgrow((void **)&s->names, &s->cap_names, s->kvs.n + 1, sizeof(*s->names));
    for (size_t i = 0; i < s->kvs.n; i++)
        s->names[i] = xasprintf("etcd:%s", s->kvs.items[i].key);
}

void etcd_source_free(struct etcd_source *s)
{
    if (s == NULL)
        return;
    etcd_client_free(s->c);
    drop_names(s);
    etcd_kvs_release(&s->kvs);
    config_mem_free(s->mem);
    config_diags_release(&s->diags);
    free(s->error);
    free(s);
}

/* etcd cannot be read: say so once per new reason, try the next member
 * after a backoff. */
static void failed(struct etcd_source *s, char *err, enum phase next)
{
    if (s->error == NULL || strcmp(s->error, err) != 0)
        log_error("%s; %s, retrying", err,
                  s->have_good ? "serving the last good configuration" : "nothing served yet");
    free(s->error);
    s->error = err;
    s->phase = next;
    etcd_client_rotate(s->c);
    s->retry_at = now_ms() + s->backoff_ms;
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static void recovered(struct etcd_source *s)
{
    if (s->error)
        log_info("etcd %s: reading again from revision %lld", etcd_client_endpoint(s->c),
                 (long long)s->revision);
    free(s->error);
    s->error = NULL;
    s->backoff_ms = BACKOFF_MIN_MS;
}

static int by_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct etcd_kv *)elem)->key);
}

/* One event into the sorted content (and the names beside it). */
static void apply_event(struct etcd_source *s, struct etcd_event *e)
{
    struct etcd_kvs *l = &s->kvs;
    size_t i = lower_bound(e->kv.key, l->items, l->n, sizeof(*l->items), by_key);
    int found = i < l->n && strcmp(l->items[i].key, e->kv.key) == 0;
    if (e->deleted) {
        if (found) {
            free(l->items[i].key);
            free(l->items[i].value);
            free(s->names[i]);
            memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(*l->items));
            memmove(&s->names[i], &s->names[i + 1], (l->n - i - 1) * sizeof(*s->names));
            l->n--;
        }
        return;
    }
    if (found) {
        free(l->items[i].key);
        free(l->items[i].value);
    } else {
        xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
        xgrow((void **)&s->names, &s->cap_names, l->n + 1, sizeof(*s->names));
        memmove(&l->items[i + 1], &l->items[i], (l->n - i) * sizeof(*l->items));
        memmove(&s->names[i + 1], &s->names[i], (l->n - i) * sizeof(*s->names));
        s->names[i] = xasprintf("etcd:%s", e->kv.key);
        l->n++;
    }
    l->items[i] = e->kv; /* moved: the event no longer owns it */
    e->kv.key = e->kv.value = NULL;
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct etcd_kv *)a)->key, ((const struct etcd_kv *)b)->key);
}

/* The content through the loader: a new set, or NULL when rejected or
 * (unless always) unchanged. changed: the sources (n_changed, "etcd:KEY")
 * a watch batch put or deleted, the only ones parsed again; NULL: every
 * one (a listing). */
static struct config_set *reload(struct etcd_source *s, int always, const char *const *changed,
                                 size_t n_changed)
{
    int again = s->rejected;
    int64_t t0 = now_ms();
    config_diags_release(&s->diags);
    struct config_source *src = xcalloc(s->kvs.n + 1, sizeof(*src));
    for (size_t i = 0; i < s->kvs.n; i++) {
        src[i].name = s->names[i];
        src[i].data = s->kvs.items[i].value;
        src[i].len = s->kvs.items[i].value_len;
    }
    /* only the values that changed are parsed and checked again */
    struct config_set *set =
        config_mem_load_changed(s->mem, src, s->kvs.n, changed, n_changed, &s->diags);
    free(src);
    config_diags_log(&s->diags);
    if (set == NULL) {
        s->rejected = 1;
        s->n_rejected++;
        log_error("configuration in etcd at revision %lld rejected: %zu errors; %s",
                  (long long)s->revision, s->diags.n_errors,
                  s->have_good ? "still serving the last good configuration"
                               : "nothing served yet");
        return NULL;
    }
    s->rejected = 0;
    /* the content id, not config_hash(): the latter reads every key's name */
    if (s->have_good && config_content_id(set) == s->good_hash && !always) {
        s->good_revision = s->revision; /* the content served is that of this revision too */
        if (again)
            log_info("configuration in etcd accepted again at revision %lld, unchanged",
                     (long long)s->revision);
        config_unref(set);
        return NULL;
    }
    s->prev_have_good = s->have_good;
    s->prev_hash = s->good_hash;
    s->prev_revision = s->good_revision;
    s->have_good = 1;
    s->good_hash = config_content_id(set);
    s->good_revision = s->revision;
    config_set_generation(set, (uint64_t)s->revision);
    s->n_ok++;
    log_info("configuration in etcd at revision %lld: %zu keys, loaded in %lld ms",
             (long long)s->revision, s->kvs.n, (long long)(now_ms() - t0));
    return set;
}

static struct config_set *list(struct etcd_source *s)
{
    struct etcd_kvs kvs;
    int64_t rev = 0;
    char *err = NULL;
    if (etcd_list(s->c, &kvs, &rev, &err) != 0) {
        failed(s, err, NEED_LIST);
        return NULL;
    }
    /* etcd sorts by bytes, as strcmp does: sorted already, but be sure */
    qsort(kvs.items, kvs.n, sizeof(*kvs.items), cmp_kv);
    drop_names(s);
    etcd_kvs_release(&s->kvs);
    s->kvs = kvs;
    name_all(s);
    s->revision = rev;
    s->phase = NEED_WATCH;
    recovered(s);
    return reload(s, !s->have_good, NULL, 0);
}

static void watch(struct etcd_source *s)
{
    char *err = NULL;
    if (etcd_watch_start(s->c, s->revision + 1, &err) != 0) {
        failed(s, err, NEED_WATCH);
        return;
    }
    s->phase = WATCHING;
}

static struct config_set *read_watch(struct etcd_source *s, int wait_ms)
{
    struct etcd_events ev;
    int64_t compacted = 0;
    char *err = NULL;
    int rc = etcd_watch_next(s->c, wait_ms, &ev, &compacted, &err);
    if (rc < 0) {
        if (compacted) {
            log_warnx("%s: listing the prefix again", err);
            free(err);
            s->phase = NEED_LIST; /* at once: the member answers */
            return NULL;
        }
        failed(s, err, NEED_WATCH);
        return NULL;
    }
    if (rc == 0)
        return NULL;
    recovered(s);
    if (ev.n == 0) {
        etcd_events_release(&ev);
        return NULL; /* the watch confirmed: no news */
    }
    /* the keys the batch put or deleted: the rest is carried as parsed */
    char **changed = xcalloc(ev.n, sizeof(*changed));
    for (size_t i = 0; i < ev.n; i++) {
        changed[i] = xasprintf("etcd:%s", ev.items[i].kv.key);
        apply_event(s, &ev.items[i]);
    }
    if (ev.revision > s->revision)
        s->revision = ev.revision;
    log_debug("etcd watch: %zu events up to revision %lld", ev.n, (long long)s->revision);
    size_t n_changed = ev.n;
    etcd_events_release(&ev);
    struct config_set *set = reload(s, 0, (const char *const *)changed, n_changed);
    for (size_t i = 0; i < n_changed; i++)
        free(changed[i]);
    free(changed);
    return set;
}

struct config_set *etcd_source_step(struct etcd_source *s, int wait_ms)
{
    int64_t now = now_ms();
    if (s->phase != WATCHING && now < s->retry_at) {
        int64_t left = s->retry_at - now;
        struct timespec ts = {0, 0};
        left = left < wait_ms ? left : wait_ms;
        ts.tv_sec = (time_t)(left / 1000);
        ts.tv_nsec = (long)(left % 1000) * 1000000L;
        nanosleep(&ts, NULL);
        return NULL;
    }
    switch (s->phase) {
    case NEED_LIST:
        return list(s);
    case NEED_WATCH:
        watch(s);
        return NULL;
    case WATCHING:
        return read_watch(s, wait_ms);
    }
    return NULL;
}

const struct config_diags *etcd_source_diags(const struct etcd_source *s)
{
    return &s->diags;
}

int etcd_source_rejected(const struct etcd_source *s)
{
    return s->rejected;
}

uint64_t etcd_source_count(const struct etcd_source *s, int rejected)
{
    return rejected ? s->n_rejected : s->n_ok;
}

int64_t etcd_source_revision(const struct etcd_source *s)
{
    return s->have_good ? s->good_revision : 0;
}

const char *etcd_source_endpoint(const struct etcd_source *s)
{
    return etcd_client_endpoint(s->c);
}

const char *etcd_source_error(const struct etcd_source *s)
{
    return s->error;
}

void etcd_source_adopt(struct etcd_source *s, struct config_set *set)
{
    s->have_good = 1;
    s->good_hash = config_content_id(set);
    s->good_revision = 0; /* not read from etcd: no revision */
}

void etcd_source_refuse(struct etcd_source *s, const char *message)
{
    s->diags.items = xrealloc(s->diags.items, (s->diags.n + 1) * sizeof(*s->diags.items));
    struct config_diag *d = &s->diags.items[s->diags.n++];
    memset(d, 0, sizeof(*d));
    d->severity = CONFIG_ERROR;
    d->pos.file = xasprintf("etcd:%s", etcd_client_prefix(s->c));
    d->message = xstrdup(message);
    s->diags.n_errors++;
    s->rejected = 1;
    s->n_rejected++;
    if (s->n_ok > 0)
        s->n_ok--;
    s->have_good = s->prev_have_good;
    s->good_hash = s->prev_hash;
    s->good_revision = s->prev_revision;
}
