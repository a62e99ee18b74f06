/* t_translate_findings.c - what translation cannot carry is a finding of
 * the generation: once, with the file, line and resource that ask it,
 * however many proxy classes meet it, and again in the next generation
 * when the views are reused rather than built. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"

#define HEAD "apiVersion: networking.istio.io/v1beta1\n"

/* The VirtualService routes to a host no ServiceEntry declares: its
 * traffic goes to BlackHoleCluster in every sidecar that sees it. */
static const char *const yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: a}\n"
         "spec:\n  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
         "  resolution: DNS\n"
         "---\n" HEAD "kind: VirtualService\nmetadata: {name: to-nowhere}\n"
         "spec:\n  hosts: [a.example.com]\n  http:\n"
         "  - route:\n    - destination: {host: nowhere.example.com, port: {number: 80}}\n";

static struct config_set *parse(const char *text)
{
    struct config_diags d = {0};
    struct config_set *s = config_parse("f.yaml", text, strlen(text), &d);
    config_diags_release(&d);
    return s;
}

/* The one finding of snap, checked against the VirtualService of set. */
static void check_one_finding(struct snapshot *snap, const struct config_set *set)
{
    size_t n;
    const struct virtual_service *vs = config_virtual_services(set, &n);
    struct config_diags d = {0};
    translate_findings(snap, &d);
    CHECK(d.n == 1 && d.n_warnings == 1);
    if (d.n == 1) {
        const struct config_diag *g = &d.items[0];
        CHECK(g->severity == CONFIG_WARNING);
        CHECK(strcmp(g->pos.file, "f.yaml") == 0);
        CHECK(g->pos.line == vs[0].meta.pos.line && g->pos.line > 1);
        CHECK(strcmp(g->resource, "VirtualService default/to-nowhere") == 0);
        CHECK(strstr(g->message, "nowhere.example.com") != NULL);
        CHECK(strstr(g->message, "BlackHoleCluster") != NULL);
    }
    config_diags_release(&d);
}

TEST(translate_finding_once_per_generation)
{
    struct proxy_identity ids[2];
    proxy_identity_init(&ids[0], "sidecar~10.0.0.1~a.default~default.svc.cluster.local", NULL, NULL,
                        NULL, 0, NULL);
    proxy_identity_init(&ids[1], "sidecar~10.0.0.2~b.other~other.svc.cluster.local", NULL, NULL,
                        NULL, 0, NULL);
    struct config_set *set = parse(yaml);
    CHECK(set != NULL);
    if (set == NULL)
        return;
    struct snapshot *snap = translate_snapshot(set, 1, NULL);
    /* two classes meet it, one of them twice */
    for (int i = 0; i < 3; i++) {
        char *err = NULL;
        CHECK(snapshot_view(snap, &ids[i % 2], NULL, &err) != NULL);
        free(err);
    }
    check_one_finding(snap, set);

    /* the next generation reuses the views (the same documents, one line
     * lower in the file): the finding is its own, at the new line */
    char *moved = malloc(strlen(yaml) + 32);
    strcpy(moved, "# moved down a line\n");
    strcat(moved, yaml);
    struct config_set *set2 = parse(moved);
    CHECK(set2 != NULL);
    if (set2 != NULL) {
        struct snapshot *snap2 = translate_snapshot(set2, 2, NULL);
        CHECK(snapshot_prepare(snap2, snap, NULL, 0, NULL) == 0);
        check_one_finding(snap2, set2);
        snapshot_unref(snap2);
    }
    free(moved);

    /* an edit of the routes alone (which a patch of the previous views
     * would take): the finding is made again; then the host is declared,
     * and nothing is found any more */
    static const char *const se_nowhere =
        "---\n" HEAD "kind: ServiceEntry\nmetadata: {name: nowhere}\n"
        "spec:\n  hosts: [nowhere.example.com]\n  ports:\n"
        "  - {number: 80, name: http, protocol: HTTP}\n  resolution: DNS\n";
    char *timeout = malloc(strlen(yaml) + 32), *fixed = malloc(strlen(yaml) + 512);
    strcpy(timeout, yaml);
    strcat(timeout, "    timeout: 3s\n");
    strcpy(fixed, timeout);
    strcat(fixed, se_nowhere);
    struct snapshot *prev = snapshot_ref(snap);
    const char *const edits[] = {timeout, fixed};
    for (int e = 0; e < 2; e++) {
        struct config_set *s = parse(edits[e]);
        CHECK(s != NULL);
        if (s == NULL)
            break;
        struct snapshot *next = translate_snapshot(s, 3 + (uint64_t)e, NULL);
        CHECK(snapshot_prepare(next, prev, NULL, 0, NULL) == 0);
        if (e == 0) {
            check_one_finding(next, s);
        } else {
            struct config_diags d = {0};
            translate_findings(next, &d);
            CHECK(d.n == 0);
            config_diags_release(&d);
        }
        snapshot_unref(prev);
        prev = next;
        config_unref(s);
    }
    snapshot_unref(prev);
    free(timeout);
    free(fixed);
    config_unref(set2);
    snapshot_unref(snap);
    config_unref(set);
    proxy_identity_release(&ids[0]);
    proxy_identity_release(&ids[1]);
}
