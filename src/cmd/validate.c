/* validate.c - `xdsd validate PATH...`: load files and directories as
 * one configuration, print every error and warning (on stderr, as a
 * compiler does) and a summary line (on stdout). */
#include "xdsd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* A path that is not there is a wrong command line, not a wrong
 * configuration: exit 2 before reading anything. */
static int check_paths(const char *const *paths, int npaths)
{
    int stdin_seen = 0;
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], CONFIG_STDIN_PATH) == 0) {
            if (stdin_seen++) {
                fprintf(stderr, "xdsd validate: '-' (standard input) given twice\n");
                return -1;
            }
            continue;
        }
        if (stat(paths[i], &st) < 0) {
            int e = errno;
            char target[4096];
            ssize_t n = readlink(paths[i], target, sizeof(target) - 1);
            if (n >= 0) {
                target[n] = '\0';
                fprintf(stderr, "xdsd validate: cannot read '%s': symbolic link to '%s': %s\n",
                        paths[i], target, strerror(e));
            } else {
                fprintf(stderr, "xdsd validate: cannot read '%s': %s\n", paths[i], strerror(e));
            }
            return -1;
        }
    }
    return 0;
}

/* What translation cannot carry of s is about the configuration too: the
 * proxies it most likely serves are translated (as at publish) and the
 * findings added to d. */
void cmd_translation_findings(struct config_set *s, struct config_diags *d)
{
    struct snapshot *snap = translate_snapshot(s, 1, NULL);
    size_t n;
    struct proxy_identity *probes = translate_probe_proxies(s, &n);
    char *err = NULL;
    snapshot_prepare(snap, NULL, probes, n, &err); /* a failure is logged where it happens */
    free(err);
    translate_probe_proxies_free(probes, n);
    translate_findings(snap, d);
    snapshot_unref(snap);
}

int cmd_validate(const char *const *paths, int npaths)
{
    if (npaths < 1) {
        fprintf(stderr, "usage: xdsd validate PATH... | -\n");
        return 2;
    }
    if (check_paths(paths, npaths) < 0)
        return 2;
    struct config_diags d;
    struct config_paths_report r;
    struct config_set *s = config_load_paths(paths, (size_t)npaths, &d, &r);
    if (s != NULL)
        cmd_translation_findings(s, &d);
    for (size_t i = 0; i < r.n_namesakes; i++)
        fprintf(stderr, "xdsd validate: '%s' is read in place of '%s'\n", r.namesakes[i].file,
                r.namesakes[i].replaced);
    config_diags_print(&d, stderr);
    printf("%zu %s, %zu %s, %zu %s, %zu %s\n", r.nfiles, plural(r.nfiles, "file", "files"),
           r.nresources, plural(r.nresources, "resource", "resources"), d.n_errors,
           plural(d.n_errors, "error", "errors"), d.n_warnings,
           plural(d.n_warnings, "warning", "warnings"));
    int rc = s != NULL ? 0 : 1;
    config_unref(s);
    config_diags_release(&d);
    config_paths_report_release(&r);
    return rc;
}
