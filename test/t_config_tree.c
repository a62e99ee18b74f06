/* t_config_tree.c - the directory walk and the paths of `xdsd validate`:
 * symbolic links that lead nowhere, loops, several paths to one file, and a
 * file given after a directory standing in for its namesake there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_scan.h"
#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/util.h"

struct tree {
    char dir[32];
};

static int tree_new(struct tree *t)
{
    strcpy(t->dir, "/tmp/xdsd-tree-XXXXXX");
    return CHECK(mkdtemp(t->dir) != NULL);
}

static void tree_free(struct tree *t)
{
    char *cmd = xasprintf("rm -rf '%s'", t->dir);
    CHECK(system(cmd) == 0);
    free(cmd);
}

static char *at(const struct tree *t, const char *name)
{
    return xasprintf("%s/%s", t->dir, name);
}

/* A ServiceEntry named name in file (relative to the tree). */
static void put_se(const struct tree *t, const char *file, const char *name)
{
    char *p = at(t, file);
    FILE *f = fopen(p, "w");
    if (CHECK(f != NULL)) {
        fprintf(f,
                "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                "metadata:\n  name: %s\nspec:\n  hosts: [%s.example.com]\n"
                "  ports: [{number: 80, name: http, protocol: HTTP}]\n",
                name, name);
        fclose(f);
    }
    free(p);
}

static void put_dir(const struct tree *t, const char *name)
{
    char *p = at(t, name);
    CHECK(mkdir(p, 0755) == 0);
    free(p);
}

static void put_link(const struct tree *t, const char *name, const char *target)
{
    char *p = at(t, name);
    CHECK(symlink(target, p) == 0);
    free(p);
}

/* How many findings of severity sev have a message containing text. */
static size_t count(const struct config_diags *d, enum config_severity sev, const char *text)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += d->items[i].severity == sev && strstr(d->items[i].message, text) != NULL;
    return n;
}

TEST(tree_dangling_link_is_an_error_naming_link_and_target)
{
    struct tree t;
    if (!tree_new(&t))
        return;
    put_se(&t, "a.yaml", "a");
    put_link(&t, "b.yaml", "gone/b.yaml"); /* a file replaced by a link to nothing */
    put_link(&t, "notes", "nowhere");      /* not a configuration file: no matter */
    struct config_diags d;
    size_t nfiles = 0;
    struct config_set *s = config_load(t.dir, &d, &nfiles);
    CHECK(s == NULL); /* not read as deleted: rejected */
    CHECK_INT(d.n_errors, 1);
    char *link = at(&t, "b.yaml");
    if (d.n == 1) {
        CHECK_STR(d.items[0].pos.file, link);
        CHECK(strstr(d.items[0].message, "dangling symbolic link") != NULL);
        CHECK(strstr(d.items[0].message, "'gone/b.yaml'") != NULL);
    }
    free(link);
    config_unref(s);
    config_diags_release(&d);
    tree_free(&t);
}

TEST(tree_directory_loops_are_reported_once_and_not_followed)
{
    struct tree t;
    if (!tree_new(&t))
        return;
    put_se(&t, "a.yaml", "a");
    put_dir(&t, "sub");
    put_se(&t, "sub/b.yaml", "b");
    put_link(&t, "sub/up", "..");         /* back to the root */
    put_link(&t, "sub/me", ".");          /* to itself */
    put_link(&t, "sub2", "sub");          /* a second path to a directory */
    put_link(&t, "sub/top", "../sub/.."); /* the root again, by a longer way */
    struct config_diags d;
    size_t nfiles = 0;
    struct config_set *s = config_load(t.dir, &d, &nfiles);
    if (!CHECK(s != NULL))
        config_diags_print(&d, stderr);
    CHECK_INT(nfiles, 2);
    CHECK_INT(d.n_errors, 0);
    CHECK_INT(count(&d, CONFIG_ERROR, "duplicate"), 0);
    CHECK_INT(count(&d, CONFIG_WARNING, "loops back to"), 3);
    CHECK_INT(count(&d, CONFIG_WARNING, "already read as"), 1);
    char *up = at(&t, "sub/up");
    int named = 0;
    for (size_t i = 0; i < d.n; i++)
        named |= strcmp(d.items[i].pos.file, up) == 0 &&
                 strstr(d.items[i].message, "symbolic link to '..'") != NULL;
    CHECK(named);
    free(up);
    config_unref(s);
    config_diags_release(&d);
    tree_free(&t);
}

TEST(tree_links_to_one_file_read_once_naming_the_one_read)
{
    struct tree t;
    if (!tree_new(&t))
        return;
    put_se(&t, "b.yaml", "b");
    put_link(&t, "a.yaml", "b.yaml");
    put_link(&t, "c.yaml", "b.yaml");
    struct config_diags d;
    size_t nfiles = 0;
    struct config_set *s = config_load(t.dir, &d, &nfiles);
    CHECK(s != NULL); /* no duplicate of itself */
    CHECK_INT(nfiles, 1);
    CHECK_INT(d.n_warnings, 2);
    char *first = at(&t, "a.yaml"), *want = xasprintf("read once, as '%s'", first);
    CHECK_INT(count(&d, CONFIG_WARNING, want), 2);
    free(first), free(want);
    config_unref(s);
    config_diags_release(&d);
    tree_free(&t);
}

TEST(tree_files_linking_to_each_other_are_one_error)
{
    struct tree t;
    if (!tree_new(&t))
        return;
    put_se(&t, "a.yaml", "a");
    put_link(&t, "x.yaml", "y.yaml");
    put_link(&t, "y.yaml", "x.yaml");
    struct config_diags d;
    struct config_set *s = config_load(t.dir, &d, NULL);
    CHECK(s == NULL);
    CHECK_INT(d.n_errors, 1);
    CHECK_INT(count(&d, CONFIG_ERROR, "symbolic link loop:"), 1);
    char *x = at(&t, "x.yaml");
    CHECK(d.n == 1 && strcmp(d.items[0].pos.file, x) == 0);
    free(x);
    config_unref(s);
    config_diags_release(&d);
    tree_free(&t);
}

/* Load paths (relative to the tree, except absolute ones) with validate's rules. */
static struct config_set *load_args(const struct tree *t, const char *const *names, size_t n,
                                    struct config_diags *d, struct config_paths_report *r)
{
    char *paths[8];
    for (size_t i = 0; i < n; i++)
        paths[i] = names[i][0] == '/' ? xstrdup(names[i]) : at(t, names[i]);
    struct config_set *s = config_load_paths((const char *const *)paths, n, d, r);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    return s;
}

TEST(paths_a_file_after_a_directory_replaces_its_namesake)
{
    struct tree t;
    if (!tree_new(&t))
        return;
    put_dir(&t, "config");
    put_dir(&t, "config/team");
    put_dir(&t, "edit");
    put_dir(&t, "edit/team");
    put_se(&t, "config/a.yaml", "a");
    put_se(&t, "config/team/b.yaml", "b");
    put_se(&t, "edit/a.yaml", "a");      /* an edited copy: at the top */
    put_se(&t, "edit/team/b.yaml", "b"); /* by its path under the directory */
    put_se(&t, "edit/c.yaml", "c");      /* a new file */
    static const char *const args[] = {"config", "edit/a.yaml", "edit/team/b.yaml", "edit/c.yaml"};
    struct config_diags d;
    struct config_paths_report r;
    struct config_set *s = load_args(&t, args, 4, &d, &r);
    if (!CHECK(s != NULL))
        config_diags_print(&d, stderr);
    CHECK_INT(r.nfiles, 3);
    CHECK_INT(r.nresources, 3);
    CHECK_INT(r.n_namesakes, 2);
    if (r.n_namesakes == 2) {
        char *a = at(&t, "config/a.yaml"), *b = at(&t, "config/team/b.yaml");
        CHECK_STR(r.namesakes[0].replaced, a);
        CHECK_STR(r.namesakes[1].replaced, b);
        CHECK(strstr(r.namesakes[1].file, "edit/team/b.yaml") != NULL);
        free(a), free(b);
    }
    const struct service_entry *se = s ? scan_service(s, "b.example.com") : NULL;
    CHECK(se && strstr(se->meta.pos.file, "/edit/team/b.yaml") != NULL);
    config_unref(s);
    config_diags_release(&d);
    config_paths_report_release(&r);

    /* the directory's own file, given after it: the same file, read once;
     * given before it: the same */
    static const char *const same[] = {"config", "config/team/b.yaml"};
    s = load_args(&t, same, 2, &d, &r);
    CHECK(s != NULL);
    CHECK_INT(r.nfiles, 2);
    CHECK_INT(r.n_namesakes, 0);
    config_unref(s);
    config_diags_release(&d);
    config_paths_report_release(&r);
    static const char *const before[] = {"config/a.yaml", "config"};
    s = load_args(&t, before, 2, &d, &r);
    CHECK(s != NULL);
    CHECK_INT(r.nfiles, 2);
    config_unref(s);
    config_diags_release(&d);
    config_paths_report_release(&r);

    /* without the directory, the file is all there is; and a file given
     * after another file replaces nothing: two definitions */
    static const char *const two[] = {"config/a.yaml", "edit/a.yaml"};
    s = load_args(&t, two, 2, &d, &r);
    CHECK(s == NULL);
    CHECK_INT(count(&d, CONFIG_ERROR, "duplicate ServiceEntry default/a"), 1);
    config_diags_release(&d);
    config_paths_report_release(&r);
    tree_free(&t);
}
