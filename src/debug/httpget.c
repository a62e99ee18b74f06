/* httpget.c - one HTTP/1.0 GET over a TCP socket: connect, send, read to EOF. */
#include "xdsd/httpget.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xdsd/util.h"

#define MAX_REPLY (64u << 20)

/* Connect to HOST:PORT ("[v6]:PORT" too); -1 with *err set. */
static int dial(const char *addr, int timeout_ms, char **err)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0') {
        *err = xasprintf("'%s' is not a HOST:PORT address", addr);
        return -1;
    }
    char *host = xstrndup(addr, (size_t)(colon - addr));
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(*host ? host : "127.0.0.1", colon + 1, &hints, &res);
    free(host);
    if (rc != 0) {
        *err = xasprintf("cannot resolve '%s': %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        *err = xasprintf("cannot connect to %s: %s", addr, strerror(saved ? saved : ECONNREFUSED));
    return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read until the server closes; -1 with *err on error, timeout or excess. */
static int read_all(int fd, char **buf, size_t *len, const char *addr, char **err)
{
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (;;) {
        xgrow((void **)buf, &cap, *len + 65536 + 1, 1);
        ssize_t n = recv(fd, *buf + *len, cap - *len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = xasprintf("reading from %s: %s", addr,
                             errno == EAGAIN ? "timed out" : strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        *len += (size_t)n;
        if (*len > MAX_REPLY) {
            *err = xasprintf("reply from %s is larger than %u bytes", addr, MAX_REPLY);
            return -1;
        }
    }
    (*buf)[*len] = '\0';
    return 0;
}

/* Split "HTTP/1.x NNN ...\r\nheaders\r\n\r\nbody" into *out. */
static int parse_reply(char *raw, size_t len, struct http_reply *out)
{
    if (strncmp(raw, "HTTP/1.", 7) != 0 || len < 12)
        return -1;
    out->status = atoi(raw + 9);
    char *end = strstr(raw, "\r\n\r\n");
    if (end == NULL || out->status < 100)
        return -1;
    *end = '\0';
    for (char *line = strstr(raw, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, "Content-Type:", 13) == 0) {
            const char *v = line + 13;
            v += strspn(v, " \t");
            out->content_type = xstrndup(v, strcspn(v, "\r"));
        }
    }
    char *body = end + 4;
    out->len = len - (size_t)(body - raw);
    out->body = xmalloc(out->len + 1);
    memcpy(out->body, body, out->len);
    out->body[out->len] = '\0';
    return 0;
}

int http_get(const char *addr, const char *path, int timeout_ms, struct http_reply *out, char **err)
{
    memset(out, 0, sizeof(*out));
    int fd = dial(addr, timeout_ms, err);
    if (fd < 0)
        return -1;
    char *req = xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: xdsd\r\n"
                          "Connection: close\r\n\r\n",
                          path, addr);
    int rc = send_all(fd, req, strlen(req));
    free(req);
    if (rc < 0) {
        *err = xasprintf("writing to %s: %s", addr, strerror(errno));
        close(fd);
        return -1;
    }
    char *raw;
    size_t len;
    rc = read_all(fd, &raw, &len, addr, err);
    close(fd);
    if (rc == 0 && parse_reply(raw, len, out) < 0) {
        *err = xasprintf("%s did not answer in HTTP", addr);
        http_reply_release(out);
        rc = -1;
    }
    free(raw);
    return rc;
}

void http_reply_release(struct http_reply *r)
{
    free(r->content_type);
    free(r->body);
    memset(r, 0, sizeof(*r));
}
