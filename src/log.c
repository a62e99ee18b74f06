/* log.c - one line per event to stderr, as text or JSON. */
#include "xdsd/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static enum log_level min_level = LOG_INFO;
static enum log_format line_format = LOG_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_init(enum log_level level, enum log_format format)
{
    min_level = level;
    line_format = format;
}

int log_level_parse(const char *name, enum log_level *out)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_format_parse(const char *name, enum log_format *out)
{
    if (strcmp(name, "text") == 0)
        *out = LOG_TEXT;
    else if (strcmp(name, "json") == 0)
        *out = LOG_JSON;
    else
        return -1;
    return 0;
}

int log_enabled(enum log_level level)
{
    return level >= min_level;
}

static void stamp_now(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t sl = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + sl, size - sl, ".%03ldZ", ts.tv_nsec / 1000000);
}

static int reserved(const char *key)
{
    return strcmp(key, "time") == 0 || strcmp(key, "level") == 0 || strcmp(key, "msg") == 0;
}

/* The JSON line; a string jansson refuses (not UTF-8) reads as such
 * instead of losing the line. */
static char *json_line(const char *stamp, enum log_level level, const char *msg,
                       const struct log_field *f, size_t n)
{
    json_t *o = json_object();
    json_object_set_new(o, "time", json_string(stamp));
    json_object_set_new(o, "level", json_string(level_names[level]));
    json_t *m = json_string(msg);
    json_object_set_new(o, "msg", m ? m : json_string("[invalid UTF-8]"));
    for (size_t i = 0; i < n; i++) {
        if (reserved(f[i].key))
            continue;
        json_t *v = f[i].str ? json_string(f[i].str) : json_integer(f[i].num);
        json_object_set_new(o, f[i].key, v ? v : json_string("[invalid UTF-8]"));
    }
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return line;
}

static void emit(enum log_level level, const char *suffix, const struct log_field *f, size_t n,
                 const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char msg[4096];
    int len = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (suffix != NULL && len >= 0 && (size_t)len < sizeof(msg))
        snprintf(msg + len, sizeof(msg) - (size_t)len, ": %s", suffix);
    char stamp[40];
    stamp_now(stamp, sizeof(stamp));
    char *line = line_format == LOG_JSON ? json_line(stamp, level, msg, f, n) : NULL;

    pthread_mutex_lock(&log_lock);
    if (line != NULL)
        fprintf(stderr, "%s\n", line);
    else
        fprintf(stderr, "%s %s %s\n", stamp, level_names[level], msg);
    pthread_mutex_unlock(&log_lock);
    free(line);
}

void log_fields(enum log_level level, const struct log_field *f, size_t n, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    emit(level, NULL, f, n, fmt, ap);
    va_end(ap);
    errno = saved;
}

#define DEFINE_LOG(fn, level, with_errno)                                                          \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        int saved = errno;                                                                         \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        emit(level, with_errno ? strerror(saved) : NULL, NULL, 0, fmt, ap);                        \
        va_end(ap);                                                                                \
        errno = saved;                                                                             \
    }

DEFINE_LOG(log_warn, LOG_WARN, 1)
DEFINE_LOG(log_warnx, LOG_WARN, 0)
DEFINE_LOG(log_error, LOG_ERROR, 0)
DEFINE_LOG(log_info, LOG_INFO, 0)
DEFINE_LOG(log_debug, LOG_DEBUG, 0)

void fatalx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(LOG_ERROR, NULL, NULL, 0, fmt, ap);
    va_end(ap);
    exit(1);
}

/* ---- rate limits ------------------------------------------------------------------------ */

void log_limit_flush(struct log_limit *l, int64_t now_ms)
{
    if (l->dropped == 0 || now_ms - l->window_ms < 1000)
        return;
    struct log_field f[] = {LOG_STR("event", l->what), LOG_NUM("suppressed", l->dropped)};
    log_fields(l->level, f, 2, "%lu more %s in the last second", l->dropped, l->what);
    l->dropped = 0;
    l->n = 0;
    l->window_ms = now_ms;
}

int log_limit_allow(struct log_limit *l, int64_t now_ms)
{
    if (now_ms - l->window_ms >= 1000) {
        log_limit_flush(l, now_ms);
        l->window_ms = now_ms;
        l->n = 0;
    }
    if (l->n < l->per_second) {
        l->n++;
        return 1;
    }
    l->dropped++;
    return 0;
}
