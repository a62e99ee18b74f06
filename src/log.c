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

static void emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char msg[4096];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (suffix != NULL && n >= 0 && (size_t)n < sizeof(msg))
        snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[40];
    size_t sl = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + sl, sizeof(stamp) - sl, ".%03ldZ", ts.tv_nsec / 1000000);

    pthread_mutex_lock(&log_lock);
    if (line_format == LOG_JSON) {
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "time", stamp, "level", level_names[level], "msg", msg);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s\n", line ? line : msg);
        free(line);
        json_decref(o);
    } else {
        fprintf(stderr, "%s %s %s\n", stamp, level_names[level], msg);
    }
    pthread_mutex_unlock(&log_lock);
}

#define DEFINE_LOG(fn, level, with_errno)                                                          \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        int saved = errno;                                                                         \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        emit(level, with_errno ? strerror(saved) : NULL, fmt, ap);                                 \
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
    emit(LOG_ERROR, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}
