/* apply.c - `xdsd apply` and `xdsd delete`: change the configuration kept
 * in etcd, validated whole before anything is written.
 *
 * Both read the prefix at one revision R, validate what the prefix would
 * hold after the change with validate's rules, and write in one
 * transaction that holds only if no key under the prefix was written after
 * R. Another writer in between makes the transaction fail: the change is
 * validated again on the new content and tried once more. */
#include "xdsd/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xdsd/config.h"
#include "xdsd/config_docs.h"
#include "xdsd/etcd.h"
#include "xdsd/util.h"

/* The kinds a key may name, as Istio spells them. */
static const char *const kinds[] = {"ServiceEntry",    "Gateway", "VirtualService",
                                    "DestinationRule", "Sidecar", "WorkloadEntry"};

const char *cmd_etcd_kind(const char *word)
{
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
        if (strcasecmp(word, kinds[i]) == 0)
            return kinds[i];
    return NULL;
}

/* One resource apply writes. */
struct change {
    char *key;
    const char *kind, *namespace, *name; /* the document's */
    const char *value;                   /* its text, in the input */
    size_t len;
    const char *verdict; /* "created", "configured", "unchanged" */
};

struct apply {
    struct etcd_client *c;
    struct config_source *in; /* the files given */
    size_t n_in;
    struct config_doc **docs; /* of each file */
    size_t *n_docs;
    struct change *ch;
    size_t n_ch;
};

static const struct etcd_kv *find(const struct etcd_kvs *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return &l->items[i];
    return NULL;
}

static int replaced(const struct apply *a, const char *key)
{
    for (size_t i = 0; i < a->n_ch; i++)
        if (strcmp(a->ch[i].key, key) == 0)
            return 1;
    return 0;
}

/* Validate etcd's content at its revision with a's files in place of the
 * keys they replace, or without the key drop: 0 valid (warnings printed), -1 invalid (everything
 * printed). */
static int validate(const struct etcd_kvs *now, const struct apply *a, const char *drop)
{
    size_t n = 0;
    struct config_source *src = xcalloc(now->n + (a ? a->n_in : 0) + 1, sizeof(*src));
    for (size_t i = 0; i < now->n; i++) {
        const struct etcd_kv *kv = &now->items[i];
        if ((a && replaced(a, kv->key)) || (drop && strcmp(drop, kv->key) == 0))
            continue;
        src[n].name = xasprintf("etcd:%s", kv->key);
        src[n].data = kv->value;
        src[n++].len = kv->value_len;
    }
    size_t n_etcd = n;
    for (size_t i = 0; a && i < a->n_in; i++)
        src[n++] = a->in[i];
    struct config_diags d = {0};
    struct config_set *s = config_parse_sources(src, n, &d);
    if (s != NULL)
        cmd_translation_findings(s, &d);
    config_diags_print(&d, stderr);
    int rc = s != NULL ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "%zu error%s: nothing written\n", d.n_errors, d.n_errors == 1 ? "" : "s");
    config_unref(s);
    config_diags_release(&d);
    for (size_t i = 0; i < n_etcd; i++)
        free((char *)src[i].name);
    free(src);
    return rc;
}

/* The changes the documents of the files make, one per resource; -1 when a
 * document cannot be stored on its own key. */
static int collect(struct apply *a)
{
    const char *prefix = etcd_client_prefix(a->c);
    for (size_t f = 0; f < a->n_in; f++) {
        for (size_t i = 0; i < a->n_docs[f]; i++) {
            const struct config_doc *d = &a->docs[f][i];
            const char *kind = d->kind ? cmd_etcd_kind(d->kind) : NULL;
            if (d->kind && strcmp(d->kind, "List") == 0) {
                fprintf(stderr,
                        "%s:%d:1: error: a List cannot be applied: give each resource "
                        "as its own document\n",
                        a->in[f].name, d->line);
                return -1;
            }
            if (kind == NULL || d->name == NULL)
                continue; /* the validation names what is wrong with it */
            a->ch = xrealloc(a->ch, (a->n_ch + 1) * sizeof(*a->ch));
            struct change *c = &a->ch[a->n_ch++];
            memset(c, 0, sizeof(*c));
            c->key = xasprintf("%s/%s/%s/%s", prefix, d->namespace, kind, d->name);
            c->kind = kind;
            c->namespace = d->namespace;
            c->name = d->name;
            c->value = a->in[f].data + d->offset;
            c->len = d->len;
        }
    }
    return 0;
}

/* etcd refused the transaction for its size: say which limit and the flag
 * that raises it (etcd refuses it whole, so nothing was written). 1 when
 * err was that. */
static int over_limit(const struct etcd_write *w, size_t bytes, const char *err)
{
    if (strstr(err, "too many operations")) {
        fprintf(stderr,
                "xdsd apply: %zu resources to write in one transaction: over etcd's limit of "
                "operations per transaction (its --max-txn-ops, %d by default); nothing written: "
                "apply fewer files at a time, or start etcd with a larger --max-txn-ops\n",
                w->n_puts, ETCD_MAX_TXN_OPS);
        return 1;
    }
    if (strstr(err, "request is too large") || strstr(err, "larger than max")) {
        fprintf(stderr,
                "xdsd apply: the transaction is %zu bytes: over etcd's limit per request (its "
                "--max-request-bytes, %d, 1.5 MiB, by default); nothing written: apply fewer "
                "files at a time, or start etcd with a larger --max-request-bytes\n",
                bytes, ETCD_MAX_REQUEST_BYTES);
        return 1;
    }
    return 0;
}

/* One attempt at revision R: 1 written (or nothing to write), 0 another
 * writer came first, -1 refused or failed (said why). */
static int attempt(struct apply *a)
{
    struct etcd_kvs now;
    int64_t rev;
    char *err = NULL;
    if (etcd_list(a->c, &now, &rev, &err) != 0) {
        fprintf(stderr, "xdsd apply: %s; nothing written\n", err);
        free(err);
        return -1;
    }
    int rc = -1;
    struct etcd_kv *puts = xcalloc(a->n_ch + 1, sizeof(*puts));
    struct etcd_write w = {puts, 0, NULL, 0, NULL, 0, rev};
    if (validate(&now, a, NULL) != 0)
        goto out;
    for (size_t i = 0; i < a->n_ch; i++) {
        struct change *c = &a->ch[i];
        const struct etcd_kv *old = find(&now, c->key);
        if (old && old->value_len == c->len && memcmp(old->value, c->value, c->len) == 0) {
            c->verdict = "unchanged";
            continue;
        }
        c->verdict = old ? "configured" : "created";
        puts[w.n_puts++] = (struct etcd_kv){c->key, (char *)c->value, c->len, 0};
    }
    /* the prefix guard alone (no write under it after R) covers every key:
     * per-key guards would count against etcd's operations limit too */
    if (w.n_puts == 0) {
        rc = 1;
        goto out;
    }
    int64_t after = 0;
    rc = etcd_txn(a->c, &w, &after, &err);
    if (rc < 0) {
        if (!over_limit(&w, etcd_txn_size(a->c, &w), err))
            fprintf(stderr, "xdsd apply: %s; nothing known to be written\n", err);
        free(err);
    }
out:
    free(puts);
    etcd_kvs_release(&now);
    return rc;
}

static void apply_release(struct apply *a)
{
    for (size_t i = 0; i < a->n_ch; i++)
        free(a->ch[i].key);
    free(a->ch);
    for (size_t i = 0; i < a->n_in; i++)
        config_docs_free(a->docs[i], a->n_docs[i]);
    free(a->docs);
    free(a->n_docs);
    config_inputs_free(a->in, a->n_in);
    etcd_client_free(a->c);
}

/* The common end of apply and delete: another writer came first twice. */
static int lost_race(const char *cmd)
{
    fprintf(stderr,
            "xdsd %s: etcd changed under the prefix again while validating (another writer); "
            "nothing written: run it again\n",
            cmd);
    return 1;
}

int cmd_apply(const struct etcd_options *o, const char *const *files, int nfiles)
{
    struct apply a = {0};
    char *err = NULL;
    struct config_diags d = {0};
    a.n_in = config_inputs_read(files, (size_t)nfiles, &a.in, &d);
    if (d.n_errors) {
        config_diags_print(&d, stderr);
        config_diags_release(&d);
        config_inputs_free(a.in, a.n_in);
        return 1;
    }
    config_diags_release(&d);
    if ((a.c = etcd_client_new(o, &err)) == NULL) {
        fprintf(stderr, "xdsd apply: --config-source: %s\n", err);
        free(err);
        config_inputs_free(a.in, a.n_in);
        return 2;
    }
    a.docs = xcalloc(a.n_in + 1, sizeof(*a.docs));
    a.n_docs = xcalloc(a.n_in + 1, sizeof(*a.n_docs));
    for (size_t i = 0; i < a.n_in; i++)
        a.n_docs[i] = config_docs_split(a.in[i].name, a.in[i].data, a.in[i].len, &a.docs[i]);
    int rc = collect(&a) == 0 ? attempt(&a) : -1;
    if (rc == 0) {
        fprintf(stderr, "xdsd apply: etcd changed under the prefix meanwhile (another writer): "
                        "validating again\n");
        rc = attempt(&a);
        if (rc == 0) {
            apply_release(&a);
            return lost_race("apply");
        }
    }
    for (size_t i = 0; rc > 0 && i < a.n_ch; i++)
        printf("%s %s/%s %s\n", a.ch[i].kind, a.ch[i].namespace, a.ch[i].name, a.ch[i].verdict);
    apply_release(&a);
    return rc > 0 ? 0 : 1;
}

/* One attempt at deleting key: as attempt(). */
static int delete_once(struct etcd_client *c, const char *key, const char *what)
{
    struct etcd_kvs now;
    int64_t rev;
    char *err = NULL;
    if (etcd_list(c, &now, &rev, &err) != 0) {
        fprintf(stderr, "xdsd delete: %s; nothing deleted\n", err);
        free(err);
        return -1;
    }
    int rc = -1;
    const struct etcd_kv *old = find(&now, key);
    if (old == NULL) {
        fprintf(stderr, "xdsd delete: %s not found (no key %s)\n", what, key);
    } else if (validate(&now, NULL, key) == 0) {
        struct etcd_kv guard = {(char *)key, NULL, 0, old->mod_revision};
        const char *const dels[] = {key};
        struct etcd_write w = {NULL, 0, dels, 1, &guard, 1, rev};
        int64_t after;
        rc = etcd_txn(c, &w, &after, &err);
        if (rc < 0) {
            fprintf(stderr, "xdsd delete: %s; nothing known to be deleted\n", err);
            free(err);
        }
    }
    etcd_kvs_release(&now);
    return rc;
}

int cmd_delete(const struct etcd_options *o, const char *kind, const char *nsname)
{
    const char *k = cmd_etcd_kind(kind);
    const char *slash = strchr(nsname, '/');
    if (k == NULL || slash == NULL || slash == nsname || !slash[1]) {
        fprintf(stderr, "xdsd delete: give KIND NAMESPACE/NAME, KIND one of ServiceEntry, "
                        "Gateway, VirtualService, DestinationRule, Sidecar, WorkloadEntry\n");
        return 2;
    }
    char *err = NULL;
    struct etcd_client *c = etcd_client_new(o, &err);
    if (c == NULL) {
        fprintf(stderr, "xdsd delete: --config-source: %s\n", err);
        free(err);
        return 2;
    }
    char *key = xasprintf("%s/%.*s/%s/%s", etcd_client_prefix(c), (int)(slash - nsname), nsname, k,
                          slash + 1);
    char *what = xasprintf("%s %s", k, nsname);
    int rc = delete_once(c, key, what);
    if (rc == 0) {
        fprintf(stderr, "xdsd delete: etcd changed under the prefix meanwhile (another writer): "
                        "validating again\n");
        rc = delete_once(c, key, what);
    }
    if (rc > 0)
        printf("%s deleted\n", what);
    free(key);
    free(what);
    etcd_client_free(c);
    if (rc == 0)
        return lost_race("delete");
    return rc > 0 ? 0 : 1;
}
