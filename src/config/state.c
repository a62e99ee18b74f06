/* state.c - the last good configuration on disk: encode, decode, save
 * atomically, load again. The format is in state.h. */
#include "xdsd/state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

#define MAGIC "xdsd-state 1\n"
#define TMP_FILE "." STATE_FILE ".tmp"

/* ---- encoding ------------------------------------------------------------------------ */

struct out {
    char *buf;
    size_t len, cap;
};

static void put(struct out *o, const char *p, size_t n)
{
    xgrow((void **)&o->buf, &o->cap, o->len + n + 1, 1);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    put(o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

char *state_encode(const struct config_source *src, size_t n, uint64_t hash, int64_t saved_ms,
                   size_t *len)
{
    struct out o = {0};
    put(&o, MAGIC, strlen(MAGIC));
    putf(&o, "hash %016" PRIx64 "\nsaved %" PRId64 "\nfiles %zu\n", hash, saved_ms, n);
    for (size_t i = 0; i < n; i++) {
        if (strchr(src[i].name, '\n') != NULL) {
            free(o.buf);
            return NULL;
        }
        putf(&o, "file %zu ", src[i].len);
        put(&o, src[i].name, strlen(src[i].name));
        put(&o, "\n", 1);
        put(&o, src[i].data, src[i].len);
        put(&o, "\n", 1);
    }
    putf(&o, "end %016" PRIx64 "\n", hash_bytes(HASH_SEED, o.buf, o.len));
    *len = o.len;
    return o.buf;
}

/* ---- decoding ------------------------------------------------------------------------ */

struct in {
    const char *p, *end;
};

/* The next line (without its newline) in line and n; -1 at the end. */
static int next_line(struct in *in, const char **line, size_t *n)
{
    const char *nl = memchr(in->p, '\n', (size_t)(in->end - in->p));
    if (nl == NULL)
        return -1;
    *line = in->p;
    *n = (size_t)(nl - in->p);
    in->p = nl + 1;
    return 0;
}

/* "KEY NUMBER" in base 10 or 16; the rest of the line after one space goes
 * to *rest (may be NULL: then nothing may follow). */
static int keyed_number(struct in *in, const char *key, int base, uint64_t *v, const char **rest,
                        size_t *rest_len)
{
    const char *line;
    size_t n, k = strlen(key);
    if (next_line(in, &line, &n) < 0 || n <= k + 1 || memcmp(line, key, k) != 0 || line[k] != ' ')
        return -1;
    char num[32];
    size_t i = k + 1, j = 0;
    while (i < n && line[i] != ' ' && j < sizeof(num) - 1)
        num[j++] = line[i++];
    num[j] = '\0';
    char *e;
    errno = 0;
    *v = strtoull(num, &e, base);
    if (j == 0 || *e != '\0' || errno != 0)
        return -1;
    if (rest == NULL)
        return i == n ? 0 : -1;
    if (i >= n || line[i] != ' ')
        return -1;
    *rest = line + i + 1;
    *rest_len = n - i - 1;
    return 0;
}

static int fail(char **err, const char *what)
{
    if (err)
        *err = xstrdup(what);
    return -1;
}

/* The checksum line: "end HASH\n" closing the file, over every byte before it. */
static int check_sum(const char *buf, size_t len, char **err)
{
    if (len < 22 || buf[len - 1] != '\n')
        return fail(err, "truncated: no end line");
    const char *endl = buf + len - 21;
    if (memcmp(endl, "end ", 4) != 0 || (endl > buf && endl[-1] != '\n'))
        return fail(err, "truncated: no end line");
    struct in in = {endl, buf + len};
    uint64_t sum;
    if (keyed_number(&in, "end", 16, &sum, NULL, NULL) < 0)
        return fail(err, "damaged end line");
    if (sum != hash_bytes(HASH_SEED, buf, (size_t)(endl - buf)))
        return fail(err, "checksum mismatch: the file is damaged");
    return 0;
}

static int decode_files(struct in *in, size_t count, struct config_source *src, size_t *n,
                        char **err)
{
    for (*n = 0; *n < count; (*n)++) {
        uint64_t flen;
        const char *name;
        size_t name_len;
        if (keyed_number(in, "file", 10, &flen, &name, &name_len) < 0 || name_len == 0)
            return fail(err, "damaged file header");
        if (flen >= (uint64_t)(in->end - in->p) || in->p[flen] != '\n')
            return fail(err, "truncated file contents");
        char *data = xmalloc((size_t)flen + 1);
        memcpy(data, in->p, (size_t)flen);
        data[flen] = '\0';
        src[*n] = (struct config_source){xstrndup(name, name_len), data, (size_t)flen};
        in->p += flen + 1;
    }
    return 0;
}

int state_decode(const char *buf, size_t len, struct config_source **src, size_t *n, uint64_t *hash,
                 int64_t *saved_ms, char **err)
{
    *src = NULL;
    *n = 0;
    if (len < strlen(MAGIC) || memcmp(buf, MAGIC, strlen(MAGIC)) != 0)
        return fail(err, "not an xdsd state file (no 'xdsd-state 1' line)");
    if (check_sum(buf, len, err) < 0)
        return -1;
    struct in in = {buf + strlen(MAGIC), buf + len};
    uint64_t saved, count;
    if (keyed_number(&in, "hash", 16, hash, NULL, NULL) < 0 ||
        keyed_number(&in, "saved", 10, &saved, NULL, NULL) < 0 ||
        keyed_number(&in, "files", 10, &count, NULL, NULL) < 0 || count > len)
        return fail(err, "damaged header");
    *saved_ms = (int64_t)saved;
    struct config_source *s = xcalloc((size_t)count + 1, sizeof(*s));
    size_t got = 0;
    if (decode_files(&in, (size_t)count, s, &got, err) < 0) {
        state_sources_free(s, got);
        return -1;
    }
    *src = s;
    *n = got;
    return 0;
}

void state_sources_free(struct config_source *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)src[i].name);
        free((char *)src[i].data);
    }
    free(src);
}

/* ---- files --------------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The rename is durable only once the directory entry is on disk too. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        log_warn("cannot sync state directory '%s'", dir);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int write_file(const char *dir, const char *buf, size_t len)
{
    char *tmp = xasprintf("%s/%s", dir, TMP_FILE);
    char *path = xasprintf("%s/%s", dir, STATE_FILE);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("cannot create '%s'", tmp);
        goto out;
    }
    if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
        log_warn("cannot write '%s'", tmp);
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        log_warn("cannot rename '%s' to '%s'", tmp, path);
        unlink(tmp);
        goto out;
    }
    rc = sync_dir(dir);
out:
    free(tmp);
    free(path);
    return rc;
}

int state_save(const char *dir, const struct config_set *set)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        log_warn("cannot create state directory '%s'", dir);
        return -1;
    }
    size_t n, len;
    const struct config_source *src = config_sources(set, &n);
    char *buf = state_encode(src, n, config_hash(set), wall_ms(), &len);
    if (buf == NULL) {
        log_warnx("cannot save the configuration in '%s': a file name holds a newline", dir);
        return -1;
    }
    int rc = write_file(dir, buf, len);
    free(buf);
    return rc;
}

static char *read_file(const char *path, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *err = xasprintf("cannot open '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return buf;
}

/* The reason a saved copy cannot be used, with the first configuration error. */
static char *invalid_reason(const char *path, const struct config_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].severity == CONFIG_ERROR) {
            char *first = config_diag_format(&d->items[i]);
            char *reason = xasprintf("'%s' no longer validates: %s", path, first);
            free(first);
            return reason;
        }
    }
    return xasprintf("'%s' no longer validates", path);
}

struct config_set *state_load(const char *dir, int64_t *saved_ms, char **err)
{
    char *path = xasprintf("%s/%s", dir, STATE_FILE);
    size_t len = 0, n = 0;
    struct config_set *set = NULL;
    struct config_source *src = NULL;
    uint64_t hash = 0;
    char *why = NULL;
    char *buf = read_file(path, &len, err);
    if (buf == NULL)
        goto out;
    if (state_decode(buf, len, &src, &n, &hash, saved_ms, &why) < 0) {
        *err = xasprintf("'%s' is unusable: %s", path, why);
        goto out;
    }
    struct config_diags diags;
    set = config_parse_sources(src, n, &diags);
    if (set == NULL)
        *err = invalid_reason(path, &diags);
    else if (config_hash(set) != hash) {
        *err = xasprintf("'%s' is unusable: its content does not match its hash", path);
        config_unref(set);
        set = NULL;
    }
    config_diags_release(&diags);
out:
    state_sources_free(src, n);
    free(why);
    free(buf);
    free(path);
    return set;
}
