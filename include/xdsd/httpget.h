/* httpget.h - a tiny HTTP/1.0 GET client, enough for `xdsd status` and tests
 * to read the debug endpoint without curl. */
#ifndef XDSD_HTTPGET_H
#define XDSD_HTTPGET_H

#include <stddef.h>

struct http_reply {
    int status;         /* e.g. 200 */
    char *content_type; /* or NULL */
    char *body;         /* NUL-terminated */
    size_t len;
};

/* GET path from addr ("HOST:PORT") with a timeout of timeout_ms for each
 * step. Returns 0 with *out filled (release with http_reply_release), or -1
 * with a message in *err (caller frees) when the server cannot be reached or
 * the answer is not HTTP. Bodies over 64 MiB are refused. */
int http_get(const char *addr, const char *path, int timeout_ms, struct http_reply *out,
             char **err);
void http_reply_release(struct http_reply *r);

#endif
