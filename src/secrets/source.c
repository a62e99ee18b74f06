/* source.c - the secrets `serve` serves: read at start, read again when the
 * watched directory settles after an edit (the configuration directory's
 * watcher and debounce), each time over the last set so that a secret that
 * turned bad keeps its good version. */
#include "xdsd/secrets.h"

#include <stdlib.h>
#include <time.h>

#include "../config/watch.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

struct secrets_source {
    const char *dir, *mesh_dir;
    struct watch *watch; /* NULL: no directory */
    int64_t debounce_ms;
    int pending;
    int64_t due;
    struct secret_set *current;
};

static struct secret_set *read_now(struct secrets_source *s)
{
    struct config_diags d = {0};
    struct secret_set *set =
        secrets_load(s->dir, s->mesh_dir, s->current, (int64_t)time(NULL), &d);
    config_diags_log(&d);
    config_diags_release(&d);
    return set;
}

struct secrets_source *secrets_source_new(const char *dir, const char *mesh_dir,
                                          int64_t debounce_ms)
{
    struct secrets_source *s = xcalloc(1, sizeof(*s));
    s->dir = dir;
    s->mesh_dir = mesh_dir;
    s->debounce_ms = debounce_ms;
    if (dir != NULL)
        s->watch = watch_new(dir);
    s->current = read_now(s);
    size_t n;
    secrets_items(s->current, &n);
    log_info("secrets: %zu served over SDS", n);
    return s;
}

void secrets_source_free(struct secrets_source *s)
{
    if (s == NULL)
        return;
    watch_free(s->watch);
    secrets_unref(s->current);
    free(s);
}

int secrets_source_fd(const struct secrets_source *s)
{
    return s && s->watch ? watch_fd(s->watch) : -1;
}

int64_t secrets_source_timeout_ms(const struct secrets_source *s, int64_t now)
{
    if (s == NULL || !s->pending)
        return -1;
    return s->due > now ? s->due - now : 0;
}

int secrets_source_poll(struct secrets_source *s, int64_t now, int force)
{
    if (s == NULL)
        return 0;
    if (s->watch != NULL && watch_drain(s->watch) > 0) {
        s->pending = 1;
        s->due = now + s->debounce_ms;
    }
    if (s->watch != NULL && watch_lost(s->watch))
        watch_rearm(s->watch);
    if (!force && (!s->pending || now < s->due))
        return 0;
    s->pending = 0;
    if (s->watch != NULL) {
        char **paths = NULL;
        size_t n = 0;
        if (watch_take_changes(s->watch, &paths, &n))
            watch_sync(s->watch);
        for (size_t i = 0; i < n; i++)
            free(paths[i]);
        free(paths);
    }
    struct secret_set *set = read_now(s);
    if (secrets_hash(set) == secrets_hash(s->current)) {
        secrets_unref(s->current); /* the statuses may have changed */
        s->current = set;
        return 2;
    }
    secrets_unref(s->current);
    s->current = set;
    log_info("secrets changed: pushing them");
    return 1;
}

struct secret_set *secrets_source_current(const struct secrets_source *s)
{
    return s ? s->current : NULL;
}
