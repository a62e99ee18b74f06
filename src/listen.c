/* listen.c - HOST:PORT addresses: checked, bind-tested, opened. */
#include "xdsd/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xdsd/util.h"

/* gRPC's own form of a Unix domain socket, which it listens on as asked. */
static int is_unix(const char *text)
{
    return strncmp(text, "unix:", 5) == 0;
}

/* The PORT of HOST:PORT: digits only, so that "+1", " 1" and "0x10" are not
 * read as numbers; NULL and *port set, or why not. */
static char *parse_port(const char *p, int min_port, int *port)
{
    if (*p == '\0')
        return xasprintf("no port: give HOST:PORT, e.g. 127.0.0.1:15010");
    long v = 0;
    for (const char *c = p; *c; c++) {
        if (*c < '0' || *c > '9')
            return xasprintf("port '%s' is not a number", p);
        if (v <= 65535)
            v = v * 10 + (*c - '0');
    }
    if (v < min_port || v > 65535)
        return xasprintf("port %s is out of range: give %d-65535%s", p, min_port,
                         min_port == 0 ? " (0 picks a free port)" : "");
    *port = (int)v;
    return NULL;
}

char *hostport_split(const char *text, int min_port, char **host, int *port)
{
    *host = NULL;
    const char *colon;
    size_t start = 0, len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return xasprintf("'[' without ']:PORT': give [IPV6]:PORT, e.g. [::1]:15010");
        colon = close + 1;
        start = 1;
        len = (size_t)(close - text) - 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return xasprintf("no port: give HOST:PORT, e.g. 127.0.0.1:15010");
        len = (size_t)(colon - text);
        if (memchr(text, ':', len) != NULL)
            return xasprintf("an IPv6 address goes in brackets: [ADDRESS]:PORT, e.g. [::1]:15010");
    }
    if (len == 0)
        return xasprintf("no host: give HOST:PORT, e.g. 0.0.0.0:15010 for every interface");
    char *err = parse_port(colon + 1, min_port, port);
    if (err)
        return err;
    *host = xstrndup(text + start, len);
    return NULL;
}

/* getaddrinfo() for a listening socket of text; 0 or its EAI_ code. */
static int resolve(const char *text, struct addrinfo **res)
{
    char *host;
    int port;
    char *err = hostport_split(text, 0, &host, &port);
    if (err) {
        free(err);
        return EAI_NONAME;
    }
    char service[8];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    int rc = getaddrinfo(host, service, &hints, res);
    free(host);
    return rc;
}

char *listen_addr_check(const char *text)
{
    if (is_unix(text))
        return text[5] ? NULL : xasprintf("no path after 'unix:'");
    char *host;
    int port;
    char *err = hostport_split(text, 0, &host, &port);
    if (err)
        return err;
    struct addrinfo *res = NULL;
    int rc = resolve(text, &res);
    if (rc == 0) {
        freeaddrinfo(res);
        free(host);
        return NULL;
    }
    char why[128];
    lower_first(why, sizeof(why), rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    err = xasprintf("unknown host '%s' (%s)", host, why);
    free(host);
    return err;
}

/* A socket of ai's family bound to ai's address: the descriptor, or -1 with
 * errno set. */
static int bind_one(const struct addrinfo *ai, int flags)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | flags, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    /* a port whose last connections are in TIME_WAIT is free, as for gRPC */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* The host has no such address (or family): no reason to refuse a name
 * whose other addresses bind. */
static int missing_address(int err)
{
    return err == EADDRNOTAVAIL || err == EAFNOSUPPORT;
}

int listen_probe(const char *text)
{
    if (is_unix(text))
        return 0;
    struct addrinfo *res = NULL;
    if (resolve(text, &res) != 0) {
        errno = EINVAL;
        return -1;
    }
    int bound = 0, first_err = 0, hard_err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = bind_one(ai, 0);
        if (fd >= 0) {
            close(fd);
            bound++;
            continue;
        }
        if (first_err == 0)
            first_err = errno;
        if (hard_err == 0 && !missing_address(errno))
            hard_err = errno;
    }
    freeaddrinfo(res);
    if (hard_err || bound == 0) {
        errno = hard_err ? hard_err : first_err ? first_err : EADDRNOTAVAIL;
        return -1;
    }
    return 0;
}

int listen_open(const char *text, struct sockaddr_storage *addr)
{
    struct addrinfo *res = NULL;
    if (is_unix(text) || resolve(text, &res) != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = -1, err = EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = bind_one(ai, SOCK_NONBLOCK);
        if (fd < 0 && err == EADDRNOTAVAIL)
            err = errno;
    }
    freeaddrinfo(res);
    socklen_t len = sizeof(*addr);
    if (fd >= 0 &&
        (listen(fd, SOMAXCONN) < 0 || getsockname(fd, (struct sockaddr *)addr, &len) < 0)) {
        err = errno;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        errno = err;
    return fd;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return 0;
}

int listen_is_local(const char *text)
{
    if (is_unix(text))
        return 1;
    struct addrinfo *res = NULL;
    if (resolve(text, &res) != 0)
        return 0;
    int local = 1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        local = local && is_loopback(ai->ai_addr);
    freeaddrinfo(res);
    return local;
}
