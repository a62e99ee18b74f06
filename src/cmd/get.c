/* get.c - `xdsd get`: the resources kept in etcd, as a table, their YAML
 * as stored, or JSON. */
#include "xdsd/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xdsd/etcd.h"
#include "xdsd/util.h"

/* A key PREFIX/NS/KIND/NAME cut into its parts (pointers into a copy). */
struct key_parts {
    char *copy;
    const char *ns, *kind, *name;
};

static int split_key(const char *key, size_t prefix_len, struct key_parts *k)
{
    k->copy = xstrdup(key + prefix_len + 1);
    char *a = strchr(k->copy, '/'), *b = a ? strchr(a + 1, '/') : NULL;
    if (b == NULL) {
        free(k->copy);
        return -1;
    }
    *a = *b = '\0';
    k->ns = k->copy;
    k->kind = a + 1;
    k->name = b + 1;
    return 0;
}

static int wanted(const struct key_parts *k, const char *kind, const char *nsname)
{
    if (kind && strcasecmp(kind, k->kind) != 0)
        return 0;
    if (nsname == NULL)
        return 1;
    size_t nl = strlen(k->ns);
    return strncmp(nsname, k->ns, nl) == 0 && nsname[nl] == '/' &&
           strcmp(nsname + nl + 1, k->name) == 0;
}

int cmd_get(const struct etcd_options *o, const char *kind, const char *nsname, const char *output)
{
    if (kind && cmd_etcd_kind(kind) == NULL) {
        fprintf(stderr,
                "xdsd get: unknown kind '%s' (one of ServiceEntry, Gateway, "
                "VirtualService, DestinationRule, Sidecar, WorkloadEntry)\n",
                kind);
        return 2;
    }
    char *err = NULL;
    struct etcd_client *c = etcd_client_new(o, &err);
    if (c == NULL) {
        fprintf(stderr, "xdsd get: --config-source: %s\n", err);
        free(err);
        return 2;
    }
    struct etcd_kvs kvs;
    int64_t rev;
    if (etcd_list(c, &kvs, &rev, &err) != 0) {
        fprintf(stderr, "xdsd get: %s\n", err);
        free(err);
        etcd_client_free(c);
        return 1;
    }
    size_t plen = strlen(etcd_client_prefix(c)), found = 0;
    json_t *arr = json_array();
    if (strcmp(output, "table") == 0)
        printf("%-16s %-20s %-40s %s\n", "KIND", "NAMESPACE", "NAME", "REVISION");
    for (size_t i = 0; i < kvs.n; i++) {
        const struct etcd_kv *kv = &kvs.items[i];
        struct key_parts k;
        if (split_key(kv->key, plen, &k) != 0)
            continue;
        if (wanted(&k, kind, nsname)) {
            found++;
            if (strcmp(output, "table") == 0) {
                printf("%-16s %-20s %-40s %lld\n", k.kind, k.ns, k.name,
                       (long long)kv->mod_revision);
            } else if (strcmp(output, "yaml") == 0) {
                printf("%s%s%s", found > 1 ? "---\n" : "", kv->value,
                       kv->value_len && kv->value[kv->value_len - 1] == '\n' ? "" : "\n");
            } else {
                json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "key", kv->key, "kind",
                                        k.kind, "namespace", k.ns, "name", k.name, "mod_revision",
                                        (json_int_t)kv->mod_revision, "yaml", kv->value);
                json_array_append_new(arr, obj);
            }
        }
        free(k.copy);
    }
    if (strcmp(output, "json") == 0) {
        json_t *top = json_pack("{s:I, s:o}", "revision", (json_int_t)rev, "items", arr);
        char *text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text);
        free(text);
        json_decref(top);
    } else {
        json_decref(arr);
    }
    etcd_kvs_release(&kvs);
    etcd_client_free(c);
    if (nsname && found == 0) {
        fprintf(stderr, "xdsd get: %s %s not found\n", kind, nsname);
        return 1;
    }
    return 0;
}
