/* inputs.c - the files `xdsd apply -f` names, read whole: a file, the YAML
 * files under a directory as a load lists them, or standard input. */
#include "xdsd/config_docs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "tree.h"
#include "xdsd/config.h"
#include "xdsd/util.h"

static void add(struct config_source **out, size_t *n, size_t *cap, const char *name,
                struct config_diags *d)
{
    int in = strcmp(name, CONFIG_STDIN_PATH) == 0;
    FILE *f = in ? stdin : fopen(name, "rb");
    if (f == NULL) {
        char why[128];
        struct config_pos pos = {name, 0, 0};
        diag_add(d, CONFIG_ERROR, pos, NULL, "cannot read: %s",
                 lower_first(why, sizeof(why), strerror(errno)));
        return;
    }
    xgrow((void **)out, cap, *n + 1, sizeof(**out));
    struct config_source *s = &(*out)[(*n)++];
    s->name = xstrdup(in ? CONFIG_STDIN_NAME : name);
    s->data = read_whole_stream(f, &s->len);
    if (!in)
        fclose(f);
}

size_t config_inputs_read(const char *const *paths, size_t npaths, struct config_source **out,
                          struct config_diags *d)
{
    size_t n = 0, cap = 0;
    *out = NULL;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], CONFIG_STDIN_PATH) != 0 && stat(paths[i], &st) == 0 &&
            S_ISDIR(st.st_mode)) {
            struct tree_listing l = {0};
            tree_list(d, paths[i], &l);
            for (size_t j = 0; j < l.n; j++)
                add(out, &n, &cap, l.files[j], d);
            tree_listing_release(&l);
        } else {
            add(out, &n, &cap, paths[i], d);
        }
    }
    return n;
}

void config_inputs_free(struct config_source *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)src[i].name);
        free((char *)src[i].data);
    }
    free(src);
}
