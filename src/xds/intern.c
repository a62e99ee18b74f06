/* intern.c - one shared copy of each resource name, reference-counted. */
#include "intern.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/map.h"
#include "xdsd/util.h"

struct istr {
    uint32_t refs;
    char s[];
};

/* The map's key is the entry's own copy of the name, its value the entry;
 * set up by the first xds_intern(), under the lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct map names;
static int names_ready;

static struct istr *of(const char *s)
{
    return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

const char *xds_intern(const char *s)
{
    pthread_mutex_lock(&lock);
    if (!names_ready) {
        map_init_str(&names, NULL);
        names_ready = 1;
    }
    struct istr *e = map_get(&names, s);
    if (e == NULL) {
        size_t len = strlen(s);
        e = xmalloc(sizeof(*e) + len + 1);
        e->refs = 0;
        memcpy(e->s, s, len + 1);
        map_add(&names, e->s, e);
    }
    e->refs++;
    pthread_mutex_unlock(&lock);
    return e->s;
}

void xds_intern_ref_many(const char *const *v, size_t n)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n; i++)
        of(v[i])->refs++;
    pthread_mutex_unlock(&lock);
}

/* With the lock held. */
static void put_locked(const char *s)
{
    struct istr *e = of(s);
    if (--e->refs > 0)
        return;
    map_del(&names, e->s);
    free(e);
}

void xds_intern_put(const char *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&lock);
    put_locked(s);
    pthread_mutex_unlock(&lock);
}

void xds_intern_put_many(const char *const *v, size_t n)
{
    if (n == 0)
        return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n; i++)
        put_locked(v[i]);
    pthread_mutex_unlock(&lock);
}

size_t xds_intern_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = map_count(&names);
    pthread_mutex_unlock(&lock);
    return n;
}
