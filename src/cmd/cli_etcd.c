/* cli_etcd.c - the flags of apply, get and delete (the configuration in
 * etcd), read into etcd options and handed to src/cmd/apply.c and get.c.
 * The flag tables themselves are main.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/analyze.h"
#include "xdsd/commands.h"
#include "xdsd/listen.h"
#include "xdsd/options.h"
#include "xdsd/util.h"

#include "cli.h"

/* apply, get and delete: their flags into o and *out_files, *output. */
static int etcd_command_args(const char *cmd, int argc, char **argv, struct serve_options *o,
                             const char ***files, int *nfiles, const char **output)
{
    const struct command *c = cli_find_command(cmd);
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    int ch;
    while ((ch = getopt_long(argc, argv, "hf:o:", opts, NULL)) != -1) {
        if (ch != OPT_CONFIG_DIR && cli_serve_text(ch, optarg, o))
            continue;
        if (ch == OPT_FILE && files) {
            *files = xrealloc(*files, (size_t)(*nfiles + 1) * sizeof(**files));
            (*files)[(*nfiles)++] = optarg;
        } else if (ch == OPT_OUTPUT && output) {
            if (strcmp(optarg, "table") && strcmp(optarg, "yaml") && strcmp(optarg, "json"))
                return cli_bad_value(cmd, "output", optarg, xstrdup("not table, yaml or json"));
            *output = optarg;
        } else {
            return cli_help_or_bad(cmd, ch);
        }
    }
    if (o->etcd.url == NULL)
        return cli_usage_error(cmd, "--config-source etcd://HOST:PORT/PREFIX is required");
    return -1;
}

int cli_run_apply(int argc, char **argv)
{
    struct serve_options o;
    serve_options_init(&o);
    const char **files = NULL;
    int nfiles = 0;
    int rc = etcd_command_args("apply", argc, argv, &o, &files, &nfiles, NULL);
    if (rc < 0 && nfiles == 0)
        rc = cli_usage_error("apply", "no -f FILE|DIR|- given");
    if (rc < 0 && optind < argc)
        rc = cli_unexpected("apply", argv[optind]);
    if (rc < 0)
        rc = cmd_apply(&o.etcd, files, nfiles);
    free(files);
    return rc;
}

int cli_run_get(int argc, char **argv)
{
    struct serve_options o;
    serve_options_init(&o);
    const char *output = "table";
    int rc = etcd_command_args("get", argc, argv, &o, NULL, NULL, &output);
    if (rc >= 0)
        return rc;
    if (argc - optind > 2)
        return cli_unexpected("get", argv[optind + 2]);
    return cmd_get(&o.etcd, optind < argc ? argv[optind] : NULL,
                   optind + 1 < argc ? argv[optind + 1] : NULL, output);
}

int cli_run_delete(int argc, char **argv)
{
    struct serve_options o;
    serve_options_init(&o);
    int rc = etcd_command_args("delete", argc, argv, &o, NULL, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (argc - optind != 2)
        return cli_usage_error("delete", "give KIND NAMESPACE/NAME");
    return cmd_delete(&o.etcd, argv[optind], argv[optind + 1]);
}
