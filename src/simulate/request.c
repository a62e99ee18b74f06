/* request.c - the REQUEST of `xdsd simulate`: http://HOST[:PORT]/PATH,
 * https://HOST[:PORT]/PATH (the app speaks TLS, so the proxy sees its SNI)
 * or tcp://ADDR:PORT, and the -H header lines. */
#include "xdsd/simulate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

int sim_request_parse(const char *url, struct sim_request *r, char **err)
{
    memset(r, 0, sizeof(*r));
    const char *rest;
    if (strncmp(url, "http://", 7) == 0) {
        r->scheme = SIM_HTTP;
        r->port = 80;
        rest = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        r->scheme = SIM_HTTPS;
        r->port = 443;
        rest = url + 8;
    } else if (strncmp(url, "tcp://", 6) == 0) {
        r->scheme = SIM_TCP;
        r->port = 0;
        rest = url + 6;
    } else {
        *err = xasprintf("not http://HOST[:PORT]/PATH, https://HOST[:PORT]/PATH or "
                         "tcp://ADDR:PORT");
        return -1;
    }
    size_t hl = strcspn(rest, ":/?");
    if (hl == 0) {
        *err = xasprintf("no host");
        return -1;
    }
    r->host = xstrndup(rest, hl);
    for (char *p = r->host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *p = rest + hl;
    if (*p == ':') {
        char *end;
        unsigned long port = strtoul(p + 1, &end, 10);
        if (end == p + 1 || port == 0 || port > 65535 || (*end && *end != '/' && *end != '?')) {
            *err = xasprintf("bad port in '%s'", url);
            sim_request_release(r);
            return -1;
        }
        r->port = (uint32_t)port;
        p = end;
    }
    if (r->scheme == SIM_TCP) {
        if (r->port == 0 || *p) {
            *err = xasprintf("tcp:// needs ADDR:PORT and nothing after it");
            sim_request_release(r);
            return -1;
        }
    } else {
        r->path = *p == '/' ? xstrdup(p) : xasprintf("/%s", p);
    }
    r->text = xstrdup(url);
    return 0;
}

int sim_request_header(struct sim_request *r, const char *line, char **err)
{
    const char *colon = strchr(line, ':');
    if (colon == NULL || colon == line) {
        *err = xasprintf("'%s' is not 'Name: value'", line);
        return -1;
    }
    char *name = xstrndup(line, (size_t)(colon - line));
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
    r->headers[r->n_headers++] = (struct config_kv){name, xstrdup(v)};
    return 0;
}

void sim_request_release(struct sim_request *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free((char *)r->headers[i].key);
        free((char *)r->headers[i].value);
    }
    free(r->headers);
    free(r->host);
    free(r->path);
    free(r->text);
    memset(r, 0, sizeof(*r));
}
