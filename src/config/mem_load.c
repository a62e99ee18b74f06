/* mem_load.c - named buffers loaded again and again (config_mem.h), through
 * a directory's cache (cache.c) whose files are the buffers: a load that is
 * told which names changed parses only those, carries the units of the
 * others and patches the last set, as a directory's reload of the files
 * its watcher names does. */
#include "xdsd/config_mem.h"

#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

struct config_mem {
    struct config_cache *cache; /* of the last load: its files are the buffers */
};

struct config_mem *config_mem_new(void)
{
    struct config_mem *m = xcalloc(1, sizeof(*m));
    m->cache = config_cache_new();
    return m;
}

void config_mem_free(struct config_mem *m)
{
    if (m == NULL)
        return;
    config_cache_free(m->cache);
    free(m);
}

static int name_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int source_key_cmp(const void *name, const void *elem)
{
    return strcmp(name, ((const struct config_source *)elem)->name);
}

/* The changed names, sorted and without repeats, each with its buffer in
 * src or gone from it. */
static struct cache_change *plan(const struct config_source *src, size_t n,
                                 const char *const *changed, size_t n_changed, size_t *n_out)
{
    const char **names = xcalloc(n_changed ? n_changed : 1, sizeof(*names));
    memcpy(names, changed, n_changed * sizeof(*names));
    qsort(names, n_changed, sizeof(*names), name_cmp);
    struct cache_change *ch = xcalloc(n_changed ? n_changed : 1, sizeof(*ch));
    size_t m = 0;
    for (size_t i = 0; i < n_changed; i++) {
        if (i > 0 && strcmp(names[i - 1], names[i]) == 0)
            continue;
        const struct config_source *s = sorted_find(names[i], src, n, sizeof(*src),
                                                    source_key_cmp);
        ch[m].path = xstrdup(names[i]);
        ch[m].present = s != NULL;
        ch[m].data = s ? s->data : NULL;
        ch[m].len = s ? s->len : 0;
        if (s && s->data == NULL) /* an empty value: bytes all the same */
            ch[m].data = "";
        m++;
    }
    free(names);
    *n_out = m;
    return ch;
}

struct config_set *config_mem_load_changed(struct config_mem *m, const struct config_source *src,
                                           size_t n, const char *const *changed, size_t n_changed,
                                           struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    b.reuse = cache_files(m->cache);
    if (changed == NULL || !cache_holds_buffers(m->cache)) {
        for (size_t i = 0; i < n; i++)
            builder_add_buffer(&b, src[i].name, src[i].data, src[i].len);
        return cache_load(m->cache, &b, NULL, 0, 0, 1, NULL);
    }
    size_t nch = 0;
    struct cache_change *ch = plan(src, n, changed, n_changed, &nch);
    struct config_set *s = cache_load(m->cache, &b, ch, nch, 1, 1, NULL);
    free(ch);
    return s;
}

struct config_set *config_mem_load(struct config_mem *m, const struct config_source *src, size_t n,
                                   struct config_diags *diags)
{
    return config_mem_load_changed(m, src, n, NULL, 0, diags);
}

int config_mem_partial(const struct config_mem *m)
{
    return config_cache_partial(m->cache);
}

uint64_t config_content_id(const struct config_set *s)
{
    return s->content_id;
}
