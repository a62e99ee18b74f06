/* checks.c - small predicates on names and addresses, and the validation
 * context helpers shared by validate*.c, crossref.c, conflicts.c and
 * gwselect.c. */
#include "checks.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "diag.h"
#include "xdsd/host.h"

int is_dns1123_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return 0;
    return 1;
}

/* A DNS name (labels of letters, digits and '-') or a wildcard: "*" or
 * "*.suffix". Upper case is tolerated as DNS is case-insensitive. */
int is_fqdn_or_wildcard(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255)
        return 0;
    if (strcmp(s, "*") == 0)
        return 1;
    if (s[0] == '*') {
        if (s[1] != '.')
            return 0;
        s += 2;
    }
    const char *label = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t len = (size_t)(p - label);
            if (len == 0 || len > 63 || label[0] == '-' || p[-1] == '-')
                return 0;
            if (*p == '\0')
                return 1;
            label = p + 1;
        } else if (!isalnum((unsigned char)*p) && *p != '-') {
            return 0;
        }
    }
}

int is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int is_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL)
        return 0;
    char ip[64];
    size_t n = (size_t)(slash - s);
    if (n == 0 || n >= sizeof(ip))
        return 0;
    memcpy(ip, s, n);
    ip[n] = '\0';
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (!*(slash + 1) || *end != '\0' || bits < 0)
        return 0;
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip, buf) == 1)
        return bits <= 32;
    return inet_pton(AF_INET6, ip, buf) == 1 && bits <= 128;
}

int fqdn_is(const char *h, const char *ns, const char *full)
{
    if (strchr(h, '.') || strcmp(h, "*") == 0)
        return strcmp(h, full) == 0;
    size_t hl = strlen(h), nl = strlen(ns);
    return strncmp(full, h, hl) == 0 && full[hl] == '.' && strncmp(full + hl + 1, ns, nl) == 0 &&
           strcmp(full + hl + 1 + nl, "." HOST_SERVICE_DOMAIN) == 0;
}

void validate_export_to(struct vctx *v, const char *const *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i], ".") != 0 && strcmp(e[i], "*") != 0 && !is_dns1123_label(e[i]))
            vc_error(v, AT(v, &e[i]), "exportTo: '%s' is not '.', '*' or a namespace", e[i]);
}

struct config_pos vc_at(const struct vctx *v, const void *addr, size_t size,
                        struct config_pos fallback)
{
    struct config_pos p;
    return pos_get(v->pos, addr, size, &p) ? p : fallback;
}

/* The "Kind ns/name" of the resource being checked, made when a message
 * needs it rather than for every resource. */
static const char *label_of(struct vctx *v)
{
    if (v->label == NULL && v->meta != NULL)
        v->label = meta_label(&v->b->set->arena, v->meta);
    return v->label;
}

void vc_error(struct vctx *v, struct config_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(v->diags, CONFIG_ERROR, pos, label_of(v), fmt, ap);
    va_end(ap);
}

void vc_warn(struct vctx *v, struct config_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(v->diags, CONFIG_WARNING, pos, label_of(v), fmt, ap);
    va_end(ap);
}

void vc_coded(struct vctx *v, enum config_severity sev, const char *code, struct config_pos pos,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_code(v->diags, sev, code, pos, label_of(v), fmt, ap);
    va_end(ap);
}
