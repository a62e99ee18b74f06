/* cmd_validate.c - `xdsd validate PATH...`: load files and directories as
 * one configuration, print every error and warning and a summary line. */
#include "xdsd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "xdsd/config.h"

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int cmd_validate(const char *const *paths, int npaths)
{
    if (npaths < 1) {
        fprintf(stderr, "usage: xdsd validate PATH...\n");
        return 2;
    }
    /* a path that is not there is a wrong command line, not a wrong config */
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0) {
            fprintf(stderr, "xdsd validate: cannot read '%s': %s\n", paths[i], strerror(errno));
            return 2;
        }
    }
    struct config_diags d;
    size_t nfiles = 0, nres = 0;
    struct config_set *s = config_load_paths(paths, (size_t)npaths, &d, &nfiles, &nres);
    config_diags_print(&d, stdout);
    printf("%zu %s, %zu %s, %zu %s, %zu %s\n", nfiles, plural(nfiles, "file", "files"), nres,
           plural(nres, "resource", "resources"), d.n_errors, plural(d.n_errors, "error", "errors"),
           d.n_warnings, plural(d.n_warnings, "warning", "warnings"));
    int rc = s != NULL ? 0 : 1;
    config_unref(s);
    config_diags_release(&d);
    return rc;
}
