/* reload.c - the watched configuration directory: debounce inotify events,
 * reload (the files the watch names as changed, or the whole tree when it
 * cannot tell), and hand out a new set only when it is valid and different
 * from the last good one. */
#include "xdsd/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "diag.h"
#include "watch.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

struct reloader {
    char *dir;
    struct watch *watch;
    struct config_cache *cache; /* parsed files of the last attempt */
    int64_t debounce_ms, max_delay_ms;
    int pending;
    int64_t first_event, last_event;
    int was_dir; /* dir was a directory at start: it must stay one */
    int have_good;
    uint64_t good_hash;  /* content id of the last good set (struct builder) */
    uint64_t generation; /* of the last good set */
    int prev_have_good;  /* the good set before the last one, for reloader_refuse() */
    uint64_t prev_hash, prev_generation;
    struct config_diags diags;
    int rejected;
    uint64_t n_ok, n_rejected;
    uint64_t n_partial; /* loads that read only the changed files */
    int64_t rearm_at;   /* while the directory is gone: when to look for it again */
};

/* How often a vanished directory is looked for: inotify cannot tell. */
#define REARM_MS 1000

struct reloader *reloader_new(const char *dir, int64_t debounce_ms, int64_t max_delay_ms)
{
    struct watch *w = watch_new(dir);
    if (w == NULL)
        return NULL;
    struct reloader *r = xcalloc(1, sizeof(*r));
    r->dir = xstrdup(dir);
    r->watch = w;
    r->cache = config_cache_new();
    r->debounce_ms = debounce_ms < 0 ? 0 : debounce_ms;
    r->max_delay_ms = max_delay_ms < r->debounce_ms ? r->debounce_ms : max_delay_ms;
    struct stat st;
    r->was_dir = stat(dir, &st) != 0 || S_ISDIR(st.st_mode); /* missing: expected as one */
    return r;
}

void reloader_free(struct reloader *r)
{
    if (r == NULL)
        return;
    watch_free(r->watch);
    config_cache_free(r->cache);
    config_diags_release(&r->diags);
    free(r->dir);
    free(r);
}

int reloader_fd(const struct reloader *r)
{
    return watch_fd(r->watch);
}

static int64_t deadline(const struct reloader *r)
{
    int64_t quiet = r->last_event + r->debounce_ms;
    int64_t cap = r->first_event + r->max_delay_ms;
    return quiet < cap ? quiet : cap;
}

int64_t reloader_timeout_ms(const struct reloader *r, int64_t now)
{
    int64_t left = -1;
    if (r->pending) {
        left = deadline(r) - now;
        left = left > 0 ? left : 0;
    }
    if (watch_lost(r->watch)) {
        int64_t rearm = r->rearm_at > now ? r->rearm_at - now : 0;
        left = left < 0 || rearm < left ? rearm : left;
    }
    return left;
}

/* One finding on a line of its own, at error or warn level as it is one,
 * and in JSON also as fields: "VirtualService default/foo" becomes kind,
 * namespace and name. */
static void log_diag(const struct config_diag *g)
{
    char kind[64] = "", ns[256] = "";
    const char *name = "";
    const char *sp = g->resource ? strchr(g->resource, ' ') : NULL;
    const char *slash = sp ? strchr(sp + 1, '/') : NULL;
    if (slash != NULL) {
        snprintf(kind, sizeof(kind), "%.*s", (int)(sp - g->resource), g->resource);
        snprintf(ns, sizeof(ns), "%.*s", (int)(slash - sp - 1), sp + 1);
        name = slash + 1;
    }
    int warning = g->severity == CONFIG_WARNING;
    struct log_field f[] = {
        LOG_STR("file", g->pos.file),     LOG_NUM("line", g->pos.line),
        LOG_NUM("column", g->pos.column), LOG_STR("kind", kind),
        LOG_STR("namespace", ns),         LOG_STR("name", name),
        LOG_STR("message", g->message),   LOG_STR("severity", warning ? "warning" : "error"),
    };
    char *line = config_diag_format(g);
    log_fields(warning ? LOG_WARN : LOG_ERROR, f, ARRAY_LEN(f), "%s", line);
    free(line);
}

static void log_diags(const struct config_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        log_diag(&d->items[i]);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* The line that sums up a rejected attempt, after its findings. */
static void log_rejected(const struct reloader *r)
{
    size_t ne = r->diags.n_errors, nw = r->diags.n_warnings;
    struct log_field f[] = {LOG_STR("dir", r->dir), LOG_NUM("errors", ne), LOG_NUM("warnings", nw),
                            LOG_NUM("generation", r->have_good ? r->generation : 0)};
    if (r->have_good)
        log_fields(LOG_ERROR, f, ARRAY_LEN(f),
                   "configuration in '%s' rejected: %zu error%s, %zu warning%s; still serving "
                   "generation %llu",
                   r->dir, ne, plural(ne), nw, plural(nw), (unsigned long long)r->generation);
    else
        log_fields(LOG_ERROR, f, ARRAY_LEN(f),
                   "configuration in '%s' rejected: %zu error%s, %zu warning%s; nothing served yet",
                   r->dir, ne, plural(ne), nw, plural(nw));
}

static void reject(struct reloader *r)
{
    r->rejected = 1;
    r->n_rejected++;
    log_diags(&r->diags);
    log_rejected(r);
}

/* Load what changed: the files the watch names, or the whole tree when it
 * cannot tell (or full). A directory replaced by a file would otherwise
 * load as that one file. */
static struct config_set *load(struct reloader *r, int full, size_t *nfiles)
{
    struct stat st;
    if (r->was_dir && stat(r->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        struct config_pos pos = {r->dir, 0, 0};
        diag_add(&r->diags, CONFIG_ERROR, pos, NULL, "no longer a directory");
        return NULL; /* the changes stay with the watch */
    }
    char **changed = NULL;
    size_t n = 0;
    if (watch_take_changes(r->watch, &changed, &n) || full) {
        watch_sync(r->watch);
        for (size_t i = 0; i < n; i++)
            free(changed[i]);
        free(changed);
        return config_load_changed(r->dir, r->cache, NULL, 0, &r->diags, nfiles);
    }
    struct config_set *s =
        config_load_changed(r->dir, r->cache, (const char *const *)changed, n, &r->diags, nfiles);
    if (config_cache_partial(r->cache)) {
        log_debug("reloaded %zu changed files in '%s'", n, r->dir);
        r->n_partial++;
    }
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
    free(changed);
    return s;
}

/* Make s the last good set, with the next generation number. */
static void accept(struct reloader *r, struct config_set *s)
{
    r->prev_have_good = r->have_good;
    r->prev_hash = r->good_hash;
    r->prev_generation = r->generation;
    if (!r->have_good || s->content_id != r->good_hash)
        r->generation++;
    r->have_good = 1;
    r->good_hash = s->content_id;
    config_set_generation(s, r->generation);
}

/* The line that says a valid set was loaded: at info, and after a rejected
 * attempt as the recovery it is. */
static void log_loaded(const struct reloader *r, const struct config_set *s, size_t nfiles,
                       int again)
{
    size_t n_se, n_gw, n_vs, n_dr;
    config_service_entries(s, &n_se);
    config_gateways(s, &n_gw);
    config_virtual_services(s, &n_vs);
    config_destination_rules(s, &n_dr);
    size_t n_sc, n_we;
    config_sidecars(s, &n_sc);
    config_workload_entries(s, &n_we);
    size_t nres = n_se + n_gw + n_vs + n_dr + n_sc + n_we, nw = r->diags.n_warnings;
    struct log_field f[] = {LOG_STR("dir", r->dir), LOG_NUM("generation", r->generation),
                            LOG_NUM("files", nfiles), LOG_NUM("resources", nres),
                            LOG_NUM("warnings", nw)};
    log_fields(LOG_INFO, f, ARRAY_LEN(f),
               "configuration %sgeneration %llu: %zu file%s, %zu resource%s, %zu warning%s",
               again ? "accepted again: " : "", (unsigned long long)r->generation, nfiles,
               plural(nfiles), nres, plural(nres), nw, plural(nw));
}

/* A valid set with the content of the last good one: nothing to publish.
 * News only when it ends a run of rejected attempts (an edit undone). */
static void log_unchanged(const struct reloader *r, int again)
{
    if (!again) {
        log_debug("configuration in '%s' unchanged", r->dir); /* e.g. an editor's temporary file */
        return;
    }
    struct log_field f[] = {LOG_STR("dir", r->dir), LOG_NUM("generation", r->generation)};
    log_fields(LOG_INFO, f, ARRAY_LEN(f),
               "configuration accepted again: generation %llu, the last good one, unchanged",
               (unsigned long long)r->generation);
}

/* Load the tree (all of it when full). Returns the new set, or NULL when
 * rejected (or unchanged and !always). */
static struct config_set *reload(struct reloader *r, int full, int always)
{
    r->pending = 0;
    int again = r->rejected;
    config_diags_release(&r->diags);
    size_t nfiles = 0;
    struct config_set *s = load(r, full, &nfiles);
    if (s == NULL) {
        reject(r);
        return NULL;
    }
    r->rejected = 0;
    if (r->have_good && s->content_id == r->good_hash && !always) {
        config_unref(s);
        log_unchanged(r, again);
        return NULL;
    }
    log_diags(&r->diags);
    accept(r, s);
    r->n_ok++;
    log_loaded(r, s, nfiles, again);
    return s;
}

struct config_set *reloader_poll(struct reloader *r, int64_t now)
{
    int events = watch_drain(r->watch);
    if (watch_lost(r->watch) && now >= r->rearm_at) {
        r->rearm_at = now + REARM_MS;
        if (watch_rearm(r->watch) == 0) {
            log_info("'%s' is back", r->dir);
            events++;
        }
    }
    if (events > 0) {
        if (!r->pending) {
            r->pending = 1;
            r->first_event = now;
        }
        r->last_event = now;
    }
    if (!r->pending || now < deadline(r))
        return NULL;
    return reload(r, 0, 0);
}

struct config_set *reloader_load_now(struct reloader *r)
{
    watch_drain(r->watch);
    return reload(r, 1, 1);
}

struct config_set *reloader_reread(struct reloader *r, int64_t now)
{
    watch_drain(r->watch);
    if (watch_lost(r->watch) && watch_rearm(r->watch) == 0) {
        r->rearm_at = now + REARM_MS;
        log_info("'%s' is back", r->dir);
    }
    return reload(r, 1, 0);
}

void config_diags_log(const struct config_diags *d)
{
    log_diags(d);
}

const struct config_diags *reloader_diags(const struct reloader *r)
{
    return &r->diags;
}

int reloader_rejected(const struct reloader *r)
{
    return r->rejected;
}

uint64_t reloader_count(const struct reloader *r, int rejected)
{
    return rejected ? r->n_rejected : r->n_ok;
}

uint64_t reloader_partial_count(const struct reloader *r)
{
    return r->n_partial;
}

void reloader_adopt(struct reloader *r, struct config_set *s)
{
    accept(r, s);
}

void reloader_refuse(struct reloader *r, const char *message)
{
    struct config_pos pos = {r->dir, 0, 0};
    diag_add(&r->diags, CONFIG_ERROR, pos, NULL, "%s", message);
    r->rejected = 1;
    r->n_rejected++;
    if (r->n_ok > 0)
        r->n_ok--;
    /* the refused content is not served: the same content again must be
     * tried again, and the served one again is no change */
    r->have_good = r->prev_have_good;
    r->good_hash = r->prev_hash;
    r->generation = r->prev_generation;
}
