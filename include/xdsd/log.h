/* log.h - one line per event to stderr, as text or JSON (OpenBSD-style). */
#ifndef XDSD_LOG_H
#define XDSD_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* Set the least severe level printed and the line format. Thread-safe to call
 * before any other thread starts; the log functions themselves are thread-safe. */
void log_init(enum log_level level, enum log_format format);
/* Parse "debug|info|warn|error" / "text|json"; -1 when unknown. */
int log_level_parse(const char *name, enum log_level *out);
int log_format_parse(const char *name, enum log_format *out);
/* Whether a line at level would be printed: lets a hot path skip building
 * what only a log line needs. */
int log_enabled(enum log_level level);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A named value of a structured line: a string, or the number num when str
 * is NULL. Build them with LOG_STR() and LOG_NUM(). */
struct log_field {
    const char *key;
    const char *str;
    long long num;
};
static inline struct log_field log_field_str(const char *key, const char *value)
{
    return (struct log_field){key, value ? value : "", 0};
}
#define LOG_STR(k, v) log_field_str((k), (v))
#define LOG_NUM(k, n) ((struct log_field){(k), NULL, (long long)(n)})

/* One line at level. With --log-format json the n fields become members of
 * the line's object beside "time", "level" and "msg" (a field named like one
 * of those is dropped); text lines show the message only, so it must say
 * everything itself. The fields' strings are only read during the call. */
void log_fields(enum log_level level, const struct log_field *f, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A limit on lines of one kind: up to per_second lines in a second, and for
 * the rest of that second one summary line, "N more WHAT in the last second".
 * Not thread-safe: one thread owns a limit. Initialize with LOG_LIMIT_INIT. */
struct log_limit {
    const char *what;      /* plural noun of the summary: "connects" */
    enum log_level level;  /* of the summary line */
    unsigned per_second;   /* lines let through per second */
    int64_t window_ms;     /* start of the current second (monotonic) */
    unsigned n;            /* lines asked for in this second */
    unsigned long dropped; /* of those, not let through */
};
#define LOG_LIMIT_INIT(what, level, per_second)                                                    \
    {                                                                                              \
        (what), (level), (per_second), 0, 0, 0                                                     \
    }

/* Whether one more line may be printed at now_ms (a monotonic clock, e.g.
 * now_ms()); a refused line is counted for the summary. */
int log_limit_allow(struct log_limit *l, int64_t now_ms);
/* Print the summary of a second that is over and had lines refused; cheap
 * otherwise. Call it from a timer so that the last summary of a burst comes
 * without waiting for the next line. */
void log_limit_flush(struct log_limit *l, int64_t now_ms);

#endif
