/* load.c - reading secrets: Kubernetes Secret documents (kubernetes.io/tls
 * with tls.crt, tls.key, ca.crt; Istio's generic cert, key, cacert), base64
 * in data or plain in stringData, and the per-identity directories of the
 * mesh certificates. Each becomes one or two SDS resources, checked by
 * set.c as it adds them. */
#include "xdsd/secrets.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../config/diag.h"
#include "../config/tree.h"
#include "../config/yaml.h"
#include "secrets_int.h"
#include "xdsd/util.h"

/* Files larger than this are not secrets. */
#define SECRET_FILE_MAX (4u << 20)

static struct config_pos pos_of(const char *file, const struct cnode *n)
{
    return (struct config_pos){file, n ? n->line : 0, n ? n->column : 0};
}

static const char *scalar(const struct cnode *map, const char *key)
{
    const struct cnode *n = cnode_get(map, key);
    return n && n->type == CN_SCALAR ? n->str : NULL;
}

/* Standard base64 with line breaks allowed; NULL when it is not base64. */
static char *unbase64(struct arena *a, const char *text)
{
    size_t len = strlen(text);
    char *clean = arena_alloc(a, len + 1);
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t')
            clean[n++] = text[i];
    clean[n] = '\0';
    if (n % 4 != 0)
        return NULL;
    while (pad < 2 && n > pad && clean[n - 1 - pad] == '=')
        pad++;
    unsigned char *out = arena_alloc(a, n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
    if (got < 0)
        return NULL;
    out[(size_t)got - pad] = '\0';
    return (char *)out;
}

/* The value of one of the keys (the Kubernetes name, then Istio's) from
 * data (base64) or stringData; *where gets its node. NULL with *bad set when
 * the data is not base64. */
static const char *value_of(struct arena *a, const struct cnode *doc, const char *k8s,
                            const char *istio, const struct cnode **where, int *bad)
{
    const char *keys[] = {k8s, istio};
    const struct cnode *data = cnode_get(doc, "data"), *plain = cnode_get(doc, "stringData");
    for (size_t i = 0; i < 2; i++) {
        const struct cnode *n = plain ? cnode_get(plain, keys[i]) : NULL;
        if (n && n->type == CN_SCALAR) {
            *where = n;
            return n->str;
        }
        n = data ? cnode_get(data, keys[i]) : NULL;
        if (n && n->type == CN_SCALAR) {
            *where = n;
            const char *v = unbase64(a, n->str);
            if (v == NULL)
                *bad = 1;
            return v;
        }
    }
    return NULL;
}

static void read_doc(struct secrets_builder *b, struct arena *a, const char *file,
                     const struct cnode *doc)
{
    const char *kind = scalar(doc, "kind");
    if (kind == NULL || strcmp(kind, "Secret") != 0)
        return; /* the directory may hold other things: not ours */
    const struct cnode *meta = cnode_get(doc, "metadata");
    const char *name = meta ? scalar(meta, "name") : NULL;
    const char *ns = meta ? scalar(meta, "namespace") : NULL;
    if (ns == NULL || *ns == '\0')
        ns = "default";
    if (name == NULL || *name == '\0') {
        diag_add(b->d, CONFIG_ERROR, pos_of(file, doc), "Secret", "metadata.name is required");
        return;
    }
    const char *label = arena_printf(a, "Secret %s/%s", ns, name);
    const struct cnode *cn = NULL, *kn = NULL, *an = NULL;
    int bad = 0;
    const char *cert = value_of(a, doc, "tls.crt", "cert", &cn, &bad);
    const char *key = value_of(a, doc, "tls.key", "key", &kn, &bad);
    const char *ca = value_of(a, doc, "ca.crt", "cacert", &an, &bad);
    if (bad) {
        diag_add(b->d, CONFIG_ERROR, pos_of(file, doc), label, "data holds a value that is not "
                 "base64 (put PEM text under stringData)");
        return;
    }
    if (cert == NULL && ca == NULL) {
        diag_add(b->d, CONFIG_WARNING, pos_of(file, doc), label, "no tls.crt, cert, ca.crt or "
                 "cacert key: nothing to serve");
        return;
    }
    if (cert != NULL && key == NULL) {
        diag_add(b->d, CONFIG_ERROR, pos_of(file, cn), label, "tls.crt without tls.key");
    } else if (cert != NULL) {
        const char *sds = arena_printf(a, "kubernetes://%s", name);
        secrets_builder_add(b, label, ns, sds, NULL, SECRET_TLS_CERTIFICATE, cert, key,
                            pos_of(file, cn));
    }
    if (ca != NULL) {
        /* Istio's convention: the client CA of NAME is NAME-cacert, from
         * NAME's ca.crt or from a Secret of that name */
        size_t len = strlen(name);
        int suffixed = len > 7 && strcmp(name + len - 7, "-cacert") == 0;
        const char *sds = arena_printf(a, "kubernetes://%s%s", name, suffixed ? "" : "-cacert");
        secrets_builder_add(b, label, ns, sds, NULL, SECRET_VALIDATION_CONTEXT, ca, NULL,
                            pos_of(file, an));
    }
}

static void parse_into(struct secrets_builder *b, const char *file, const char *buf, size_t len)
{
    struct arena *a = arena_new();
    struct cdoc *docs = NULL;
    size_t n = 0;
    cyaml_parse(a, file, buf, len, &docs, &n, b->d);
    for (size_t i = 0; i < n; i++)
        if (docs[i].root != NULL && docs[i].root->type == CN_MAP)
            read_doc(b, a, file, docs[i].root);
    free(docs); /* the array is the caller's, its nodes the arena's */
    arena_free(a);
}

struct secret_set *secrets_parse(const char *file, const char *buf, size_t len,
                                 const struct secret_set *prev, int64_t now,
                                 struct config_diags *d)
{
    struct secrets_builder b;
    secrets_builder_init(&b, prev, now, d);
    parse_into(&b, file, buf, len);
    return secrets_builder_finish(&b);
}

/* The whole file (heap, NUL-terminated), or NULL with the reason logged as
 * an error finding at file. */
static char *slurp(const char *path, size_t *len, struct config_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        diag_add(d, CONFIG_ERROR, (struct config_pos){path, 0, 0}, NULL, "cannot open: %s",
                 strerror(errno));
        return NULL;
    }
    char *buf = xmalloc(SECRET_FILE_MAX + 1);
    size_t n = fread(buf, 1, SECRET_FILE_MAX + 1, f);
    fclose(f);
    if (n > SECRET_FILE_MAX) {
        diag_add(d, CONFIG_ERROR, (struct config_pos){path, 0, 0}, NULL,
                 "larger than %u bytes: not read", SECRET_FILE_MAX);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One identity's directory: its cert-chain.pem and key.pem as "default". */
static void mesh_identity(struct secrets_builder *b, const char *dir, const char *ns,
                          const char *sa)
{
    char *chain = xasprintf("%s/cert-chain.pem", dir), *keyf = xasprintf("%s/key.pem", dir);
    size_t n;
    char *c = slurp(chain, &n, b->d);
    char *k = c ? slurp(keyf, &n, b->d) : NULL;
    if (c && k) {
        char *label = xasprintf("identity %s/%s", ns, sa);
        secrets_builder_add(b, label, ns, "default", sa, SECRET_TLS_CERTIFICATE, c, k,
                            (struct config_pos){chain, 1, 1});
        free(label);
    }
    free(c);
    free(k);
    free(chain);
    free(keyf);
}

/* Visible sub-directories of dir, sorted. */
static size_t subdirs(const char *dir, char ***out)
{
    DIR *dp = opendir(dir);
    size_t n = 0, cap = 0;
    *out = NULL;
    if (dp == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        if (is_dir(p)) {
            xgrow((void **)out, &cap, n + 1, sizeof(**out));
            (*out)[n++] = xstrdup(e->d_name);
        }
        free(p);
    }
    closedir(dp);
    return n;
}

static void mesh_load(struct secrets_builder *b, const char *mesh)
{
    char *root = xasprintf("%s/root-cert.pem", mesh);
    size_t len;
    char *pem = slurp(root, &len, b->d);
    if (pem != NULL)
        secrets_builder_add(b, "mesh root", "", "ROOTCA", NULL, SECRET_VALIDATION_CONTEXT, pem,
                            NULL, (struct config_pos){root, 1, 1});
    free(pem);
    free(root);
    char **nss;
    size_t n_ns = subdirs(mesh, &nss);
    for (size_t i = 0; i < n_ns; i++) {
        char *nsdir = xasprintf("%s/%s", mesh, nss[i]);
        char **sas;
        size_t n_sa = subdirs(nsdir, &sas);
        for (size_t j = 0; j < n_sa; j++) {
            char *sadir = xasprintf("%s/%s", nsdir, sas[j]);
            mesh_identity(b, sadir, nss[i], sas[j]);
            free(sadir);
            free(sas[j]);
        }
        free(sas);
        free(nsdir);
        free(nss[i]);
    }
    free(nss);
}

struct secret_set *secrets_load(const char *dir, const char *mesh_dir,
                                const struct secret_set *prev, int64_t now,
                                struct config_diags *d)
{
    struct secrets_builder b;
    secrets_builder_init(&b, prev, now, d);
    if (dir != NULL) {
        struct tree_listing l = {0};
        tree_list(d, dir, &l);
        for (size_t i = 0; i < l.n; i++) {
            size_t len;
            char *buf = slurp(l.files[i], &len, d);
            if (buf != NULL)
                parse_into(&b, l.files[i], buf, len);
            free(buf);
        }
        tree_listing_release(&l);
    }
    if (mesh_dir != NULL)
        mesh_load(&b, mesh_dir);
    return secrets_builder_finish(&b);
}
