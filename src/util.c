/* util.c - allocation that cannot fail, hashing, time, durations. */
#include "xdsd/util.h"

#include <ctype.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void oom(size_t size)
{
    fprintf(stderr, "xdsd: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

char *read_whole_stream(FILE *f, size_t *len)
{
    size_t cap = 8192, n = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *read_whole_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = read_whole_stream(f, len);
    fclose(f);
    return buf;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void xgrow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    *arr = xrealloc(*arr, ncap * elem);
    *cap = ncap;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t hash_bytes(uint64_t seed, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t h = seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Each 64-bit word is multiplied into the state and rotated, so every input
 * bit reaches every state bit within a few words; the final avalanche step
 * spreads the last words' bits too. */
static uint64_t mix_word(uint64_t h, uint64_t w)
{
    w *= 0x9e3779b97f4a7c15ULL;
    w ^= w >> 32;
    h ^= w;
    h = (h << 27) | (h >> 37);
    return h * 0xff51afd7ed558ccdULL + 0x2545f4914f6cdd1dULL;
}

uint64_t hash_block(uint64_t seed, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t h = seed ^ (len * 0xc4ceb9fe1a85ec53ULL);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix_word(h, w);
    }
    uint64_t tail = 0;
    if (len > i)
        memcpy(&tail, p + i, len - i);
    h = mix_word(h, tail);
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    return h;
}

void malloc_keep_for_reuse(void)
{
    /* A reload frees the views of the last snapshot and builds the next ones,
     * of much the same sizes. glibc gives freed memory at the top of the heap
     * back beyond its trim threshold and maps large buffers on their own, so
     * every other reload faulted its new buffers in again (at 10,000
     * services about 10 MB, 2,600 page faults, 5 ms of a 10 ms edit). Keep up
     * to 64 MB free at the top; buffers up to 32 MB (route configurations of
     * thousands of services) come from the heap and are reused. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

/* Units in the order Go's time.ParseDuration knows them (Istio uses it). */
static const struct {
    const char *unit;
    double ms;
} duration_units[] = {
    {"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
};

/* A decimal number at p, digits with at most one '.', as Go's ParseDuration
 * reads it (strtod alone would also take "0x10", "1e3" and "inf"): the end
 * of the number with its value in *v, or NULL. */
static const char *scan_decimal(const char *p, double *v)
{
    char num[32];
    size_t n = 0, digits = 0, dots = 0;
    for (; isdigit((unsigned char)p[n]) || (p[n] == '.' && dots++ == 0); n++)
        digits += isdigit((unsigned char)p[n]) != 0;
    if (digits == 0 || n >= sizeof(num)) /* 31 digits are beyond any duration anyway */
        return NULL;
    memcpy(num, p, n);
    num[n] = '\0';
    *v = strtod(num, NULL);
    return p + n;
}

int duration_parse_ms(const char *text, int64_t *out_ms)
{
    const char *p = text;
    double total = 0;
    if (*p == '\0')
        return -1;
    if (strcmp(p, "0") == 0) {
        *out_ms = 0;
        return 0;
    }
    while (*p) {
        double v;
        p = scan_decimal(p, &v);
        if (p == NULL)
            return -1;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < ARRAY_LEN(duration_units); i++) {
            size_t ul = strlen(duration_units[i].unit);
            if (strncmp(p, duration_units[i].unit, ul) == 0 && ul > best_len) {
                best = i;
                best_len = ul;
            }
        }
        /* the longest unit wins, so "ms" is never read as "m" then "s" */
        if (best_len == 0)
            return -1;
        total += v * duration_units[best].ms;
        p += best_len;
    }
    if (total > 9.2e15)
        return -2;
    *out_ms = (int64_t)(total + 0.5);
    return 0;
}

const char *lower_first(char *buf, size_t size, const char *msg)
{
    snprintf(buf, size, "%s", msg);
    if (size > 0)
        buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}
