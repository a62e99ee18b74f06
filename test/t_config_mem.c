/* t_config_mem.c - what the etcd source builds on, without etcd: a YAML
 * stream cut into one document per resource (`xdsd apply` stores each on
 * its own key), and named buffers loaded again and again, reusing what did
 * not change, to the same set as a load from scratch. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/config_docs.h"
#include "xdsd/config_mem.h"

static const char stream[] = "# leading comment only\n"
                             "---\n"
                             "apiVersion: networking.istio.io/v1\n"
                             "kind: ServiceEntry\n"
                             "metadata: {name: cnn}\n"
                             "spec:\n"
                             "  hosts: [edition.cnn.com]\n"
                             "  description: |\n"
                             "    ---- not a marker: indented\n"
                             "  ports: [{number: 443, name: tls, protocol: TLS}]\n"
                             "  resolution: DNS\n"
                             "--- # a marker with a comment\n"
                             "apiVersion: networking.istio.io/v1\n"
                             "kind: DestinationRule\n"
                             "metadata:\n"
                             "  name: cnn\n"
                             "  namespace: web\n"
                             "spec: {host: edition.cnn.com}\n"
                             "---\n"
                             "kind: VirtualService\n"
                             "spec: {}\n";

TEST(config_docs_split_one_document_per_resource)
{
    struct config_doc *d;
    size_t n = config_docs_split("f.yaml", stream, strlen(stream), &d);
    CHECK_INT(n, 3);
    if (n != 3)
        return;
    CHECK_STR(d[0].kind, "ServiceEntry");
    CHECK_STR(d[0].namespace, "default");
    CHECK_STR(d[0].name, "cnn");
    CHECK_INT(d[0].line, 3);
    CHECK(strncmp(stream + d[0].offset, "apiVersion", 10) == 0);
    CHECK(memmem(stream + d[0].offset, d[0].len, "---- not a marker", 17) != NULL);
    CHECK_STR(d[1].kind, "DestinationRule");
    CHECK_STR(d[1].namespace, "web");
    CHECK_INT(d[1].line, 13);
    CHECK(stream[d[1].offset + d[1].len - 1] == '\n');
    CHECK_STR(d[2].kind, "VirtualService");
    CHECK(d[2].name == NULL); /* the loader reports it */
    config_docs_free(d, n);
}

static const char se[] = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                         "metadata: {name: a}\nspec:\n  hosts: [a.example.com]\n"
                         "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                         "  resolution: DNS\n";
static const char se_edit[] = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                              "metadata: {name: a}\nspec:\n  hosts: [a.example.com]\n"
                              "  ports: [{number: 81, name: http, protocol: HTTP}]\n"
                              "  resolution: DNS\n";
static const char dr[] = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                         "metadata: {name: a}\nspec:\n  host: a.example.com\n";
static const char bad[] = "kind: VirtualService\nmetadata: {name: [\n";

/* config_mem_load and config_parse_sources of the same buffers: both valid
 * or both not, the same hash and findings. */
static void same_as_scratch(struct config_mem *m, const struct config_source *src, size_t n)
{
    struct config_diags d1, d2;
    struct config_set *a = config_mem_load(m, src, n, &d1);
    struct config_set *b = config_parse_sources(src, n, &d2);
    CHECK((a == NULL) == (b == NULL));
    if (a && b)
        CHECK(config_hash(a) == config_hash(b));
    CHECK_INT(d1.n_errors, d2.n_errors);
    CHECK_INT(d1.n_warnings, d2.n_warnings);
    for (size_t i = 0; i < d1.n && i < d2.n; i++) {
        CHECK_STR(d1.items[i].pos.file, d2.items[i].pos.file);
        CHECK_INT(d1.items[i].pos.line, d2.items[i].pos.line);
    }
    config_unref(a);
    config_unref(b);
    config_diags_release(&d1);
    config_diags_release(&d2);
}

TEST(config_mem_load_again_equals_a_load_from_scratch)
{
    struct config_mem *m = config_mem_new();
    struct config_source v1[] = {{"etcd:/x/default/DestinationRule/a", dr, sizeof(dr) - 1},
                                 {"etcd:/x/default/ServiceEntry/a", se, sizeof(se) - 1}};
    same_as_scratch(m, v1, 2);
    same_as_scratch(m, v1, 2); /* everything reused */
    struct config_source v2[] = {{"etcd:/x/default/DestinationRule/a", dr, sizeof(dr) - 1},
                                 {"etcd:/x/default/ServiceEntry/a", se_edit, sizeof(se_edit) - 1}};
    same_as_scratch(m, v2, 2); /* one value changed */
    struct config_source v3[] = {{"etcd:/x/default/DestinationRule/a", dr, sizeof(dr) - 1},
                                 {"etcd:/x/default/ServiceEntry/a", se_edit, sizeof(se_edit) - 1},
                                 {"etcd:/x/default/VirtualService/b", bad, sizeof(bad) - 1}};
    same_as_scratch(m, v3, 3); /* an invalid value: rejected, with its key */
    struct config_diags d;
    CHECK(config_mem_load(m, v3, 3, &d) == NULL);
    CHECK(d.n_errors > 0 && strcmp(d.items[0].pos.file, "etcd:/x/default/VirtualService/b") == 0);
    config_diags_release(&d);
    same_as_scratch(m, v1, 1); /* keys gone */
    config_mem_free(m);
}
