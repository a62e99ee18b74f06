/* t_log.c - the log's JSON fields and its rate limit, read back from stderr. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "xdsd/log.h"

/* stderr goes to a temporary file until captured_end() returns what was written. */
struct capture {
    char path[32];
    int fd, saved;
};

static void capture_begin(struct capture *c)
{
    strcpy(c->path, "/tmp/xdsd-log-XXXXXX");
    c->fd = mkstemp(c->path);
    fflush(stderr);
    c->saved = dup(2);
    dup2(c->fd, 2);
}

static char *capture_end(struct capture *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    static char buf[8192];
    ssize_t n = pread(c->fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(c->fd);
    unlink(c->path);
    return buf;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

TEST(log_json_line_carries_the_fields)
{
    struct capture c;
    log_init(LOG_INFO, LOG_JSON);
    capture_begin(&c);
    struct log_field f[] = {LOG_STR("file", "a.yaml"), LOG_NUM("line", 7), LOG_STR("kind", NULL),
                            LOG_STR("level", "spoofed")};
    log_fields(LOG_ERROR, f, 4, "a.yaml:7:3: %s", "bad");
    log_fields(LOG_DEBUG, f, 4, "not shown at info");
    char *out = capture_end(&c);
    log_init(LOG_INFO, LOG_TEXT);
    CHECK_INT(count_lines(out), 1);
    json_t *j = json_loads(out, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "level")), "error");
    CHECK_STR(json_string_value(json_object_get(j, "msg")), "a.yaml:7:3: bad");
    CHECK_STR(json_string_value(json_object_get(j, "file")), "a.yaml");
    CHECK_INT(json_integer_value(json_object_get(j, "line")), 7);
    CHECK_STR(json_string_value(json_object_get(j, "kind")), "");
    json_decref(j);
}

TEST(log_text_line_is_the_message_only)
{
    struct capture c;
    log_init(LOG_INFO, LOG_TEXT);
    capture_begin(&c);
    struct log_field f[] = {LOG_STR("file", "a.yaml")};
    log_fields(LOG_WARN, f, 1, "plain %d", 1);
    char *out = capture_end(&c);
    CHECK(strstr(out, " warn plain 1\n") != NULL);
    CHECK(strstr(out, "a.yaml") == NULL);
    CHECK(!log_enabled(LOG_DEBUG) && log_enabled(LOG_INFO) && log_enabled(LOG_ERROR));
}

TEST(log_limit_lets_through_per_second_and_sums_up_the_rest)
{
    struct capture c;
    struct log_limit l = LOG_LIMIT_INIT("connects", LOG_INFO, 3);
    log_init(LOG_INFO, LOG_TEXT);
    capture_begin(&c);
    int allowed = 0;
    for (int i = 0; i < 10; i++)
        allowed += log_limit_allow(&l, 5000 + i);
    log_limit_flush(&l, 5999); /* the second is not over: nothing yet */
    char *out = capture_end(&c);
    CHECK_INT(allowed, 3);
    CHECK_STR(out, "");

    capture_begin(&c);
    log_limit_flush(&l, 6000);
    log_limit_flush(&l, 7500); /* said once */
    out = capture_end(&c);
    CHECK(strstr(out, " info 7 more connects in the last second\n") != NULL);
    CHECK_INT(count_lines(out), 1);

    /* a new second lets lines through again; a line asked for after a
     * quiet spell flushes the summary of the second before it */
    CHECK(log_limit_allow(&l, 9000));
    for (int i = 0; i < 4; i++)
        log_limit_allow(&l, 9001);
    capture_begin(&c);
    CHECK(log_limit_allow(&l, 10500));
    out = capture_end(&c);
    CHECK(strstr(out, " info 2 more connects in the last second\n") != NULL);
}
