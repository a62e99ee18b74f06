/* intern.c - one shared copy of each resource name, reference-counted. */
#include "intern.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct istr {
    struct istr *next; /* in its bucket */
    uint32_t hash;
    uint32_t refs;
    char s[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct istr **buckets;
static size_t n_buckets, count;

static struct istr *of(const char *s)
{
    return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

static void rehash(size_t want)
{
    struct istr **nb = xcalloc(want, sizeof(*nb));
    for (size_t i = 0; i < n_buckets; i++) {
        for (struct istr *e = buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = nb[e->hash & (want - 1)];
            nb[e->hash & (want - 1)] = e;
        }
    }
    free(buckets);
    buckets = nb;
    n_buckets = want;
}

const char *xds_intern(const char *s)
{
    size_t len = strlen(s);
    uint32_t h = (uint32_t)hash_bytes(HASH_SEED, s, len);
    pthread_mutex_lock(&lock);
    if (n_buckets == 0)
        rehash(1024);
    struct istr *e = buckets[h & (n_buckets - 1)];
    while (e && (e->hash != h || strcmp(e->s, s) != 0))
        e = e->next;
    if (e == NULL) {
        e = xmalloc(sizeof(*e) + len + 1);
        e->hash = h;
        e->refs = 0;
        memcpy(e->s, s, len + 1);
        e->next = buckets[h & (n_buckets - 1)];
        buckets[h & (n_buckets - 1)] = e;
        if (++count > n_buckets)
            rehash(n_buckets * 2);
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
    struct istr **p = &buckets[e->hash & (n_buckets - 1)];
    while (*p != e)
        p = &(*p)->next;
    *p = e->next;
    free(e);
    count--;
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
    size_t n = count;
    pthread_mutex_unlock(&lock);
    return n;
}
