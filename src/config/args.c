/* args.c - the paths of `xdsd validate`: files and directories read as one
 * configuration.
 *
 * The common question is "is my edited file right for the directory it goes
 * into?". Read beside the directory, the edited copy would meet its old self
 * there as a duplicate of every resource it holds; read alone, every
 * reference to the rest of the directory would fail. So a file given after a
 * directory stands in for its namesake there, read in its place, and "-"
 * reads an edit that is not a file yet from standard input. */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "tree.h"
#include "xdsd/util.h"

struct input {
    char *path; /* read under this name */
    struct file_id id;
    size_t root_len; /* > 0: a file listed from a directory of that name's length */
    int is_stdin;
};

struct inputs {
    struct input *items;
    size_t n, cap;
    struct inode_map ids; /* -> index of the input that is that file */
};

static void push(struct inputs *in, char *path, struct file_id id, size_t root_len, int is_stdin)
{
    xgrow((void **)&in->items, &in->cap, in->n + 1, sizeof(*in->items));
    in->items[in->n] = (struct input){path, id, root_len, is_stdin};
    if (!is_stdin)
        inode_map_put(&in->ids, id, in->n);
    in->n++;
}

/* The input that is the file id, or NULL. */
static struct input *same_file(struct inputs *in, struct file_id id)
{
    size_t i = inode_map_get(&in->ids, id);
    if (i == SIZE_MAX || in->items[i].is_stdin || in->items[i].id.dev != id.dev ||
        in->items[i].id.ino != id.ino)
        return NULL;
    return &in->items[i];
}

static void add_dir(struct builder *b, struct inputs *in, const char *path)
{
    char *root = config_root_name(path);
    struct tree_listing l;
    tree_list(b->diags, root, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (same_file(in, l.ids[i]) != NULL) {
            free(l.files[i]); /* named before: read once */
            continue;
        }
        push(in, l.files[i], l.ids[i], strlen(root), 0);
    }
    free(l.files); /* the paths are in's */
    free(l.ids);
    free(root);
}

/* The file of a directory given before whose path under it is suffix. */
static struct input *listed_as(struct inputs *in, const char *suffix)
{
    for (size_t i = in->n; i-- > 0;) {
        struct input *x = &in->items[i];
        if (x->root_len > 0 && strcmp(x->path + x->root_len + 1, suffix) == 0)
            return x;
    }
    return NULL;
}

/* The namesake of path: of the trailing parts of path (whole components),
 * the longest that some directory given before holds. */
static struct input *namesake(struct inputs *in, const char *path)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    for (const char *s = path; s != NULL; s = strchr(s, '/')) {
        while (*s == '/')
            s++;
        struct input *x = *s ? listed_as(in, s) : NULL;
        if (x != NULL)
            return x;
    }
    return NULL;
}

static void add_file(struct inputs *in, const char *path, const struct stat *st,
                     struct config_paths_report *r)
{
    struct file_id id = {st->st_dev, st->st_ino};
    if (same_file(in, id) != NULL)
        return; /* the same file again: read once */
    struct input *x = namesake(in, path);
    if (x == NULL) {
        push(in, xstrdup(path), id, 0, 0);
        return;
    }
    if (r != NULL) {
        r->namesakes = xrealloc(r->namesakes, (r->n_namesakes + 1) * sizeof(*r->namesakes));
        r->namesakes[r->n_namesakes++] = (struct config_namesake){xstrdup(path), x->path};
    } else {
        free(x->path);
    }
    x->path = xstrdup(path);
    x->id = id;
    x->root_len = 0; /* no longer the directory's: nothing else replaces it */
    inode_map_put(&in->ids, id, (size_t)(x - in->items));
}

static void add_arg(struct builder *b, struct inputs *in, const char *path,
                    struct config_paths_report *r)
{
    if (strcmp(path, CONFIG_STDIN_PATH) == 0) {
        push(in, xstrdup(CONFIG_STDIN_NAME), (struct file_id){0, 0}, 0, 1);
        return;
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        struct config_pos pos = {path, 0, 0};
        diag_add(b->diags, CONFIG_ERROR, pos, NULL, "cannot read: %s", strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode))
        add_dir(b, in, path);
    else
        add_file(in, path, &st, r);
}

struct config_set *config_load_paths(const char *const *paths, size_t npaths,
                                     struct config_diags *diags, struct config_paths_report *report)
{
    struct builder b;
    struct inputs in = {0};
    builder_init(&b, diags);
    if (report)
        memset(report, 0, sizeof(*report));
    for (size_t i = 0; i < npaths; i++)
        add_arg(&b, &in, paths[i], report);
    for (size_t i = 0; i < in.n; i++) {
        if (in.items[i].is_stdin)
            builder_add_stdin(&b, in.items[i].path);
        else
            builder_add_file(&b, in.items[i].path);
        free(in.items[i].path);
    }
    free(in.items);
    inode_map_release(&in.ids);
    if (report) {
        report->nfiles = b.nfiles;
        report->nresources = builder_resources(&b);
    }
    return builder_finish(&b);
}

void config_paths_report_release(struct config_paths_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_namesakes; i++) {
        free(r->namesakes[i].file);
        free(r->namesakes[i].replaced);
    }
    free(r->namesakes);
    memset(r, 0, sizeof(*r));
}
