/* cli_tools.c - the operator tools' flags: analyze, proxy-config and
 * simulate, read into their requests and handed to src/cmd/{analyze,
 * proxy_config,simulate}.c. The flag tables themselves are main.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/analyze.h"
#include "xdsd/commands.h"
#include "xdsd/listen.h"
#include "xdsd/options.h"
#include "xdsd/util.h"

#include "cli.h"

/* One flag of analyze: -1 to go on, else the exit code (--help, a usage error). */
static int analyze_flag(const struct command *c, int ch, struct analyze_request *r)
{
    enum analyze_level lvl;
    enum outbound_policy pol;
    switch (ch) {
    case OPT_LIVE:
        r->live = 1;
        return -1;
    case OPT_DEBUG_ADDR: {
        char *host = NULL;
        int port;
        char *why = hostport_split(optarg, 1, &host, &port);
        free(host);
        if (why)
            return cli_bad_value("analyze", "debug-addr", optarg, why);
        r->debug_addr = optarg;
        return -1;
    }
    case OPT_OUTPUT:
        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
            return cli_bad_value("analyze", "output", optarg, xstrdup("not text or json"));
        r->json = strcmp(optarg, "json") == 0;
        return -1;
    case OPT_FAIL_ON:
        if (strcmp(optarg, "never") == 0)
            r->fail_never = 1;
        else if ((strcmp(optarg, "error") == 0 || strcmp(optarg, "warning") == 0) &&
                 analyze_level_parse(optarg, &lvl) == 0)
            r->fail_on = (int)lvl, r->fail_never = 0;
        else
            return cli_bad_value("analyze", "fail-on", optarg,
                             xstrdup("not error, warning or never"));
        return -1;
    case OPT_OUTBOUND:
        if (cli_outbound_policy_parse(optarg, &pol) < 0)
            return cli_bad_value("analyze", cli_flag_name(c, ch), optarg,
                             xstrdup("not ALLOW_ANY or REGISTRY_ONLY"));
        r->outbound = optarg;
        return -1;
    case OPT_MESH_CERTS:
        r->mesh_certs = optarg;
        return -1;
    case OPT_TRUST_DOMAIN:
        r->trust_domain = optarg;
        return -1;
    }
    return cli_help_or_bad("analyze", ch);
}

int cli_run_analyze(int argc, char **argv)
{
    const struct command *c = cli_find_command("analyze");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    struct analyze_request r = {.debug_addr = "127.0.0.1:15014", .fail_on = ANALYZE_ERROR};
    int ch;
    while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int rc = analyze_flag(c, ch, &r);
        if (rc >= 0)
            return rc;
    }
    r.paths = (const char *const *)argv + optind;
    r.npaths = argc - optind;
    if (r.live && r.npaths > 0)
        return cli_usage_error("analyze", "--live takes no PATH: '%s'", argv[optind]);
    if (!r.live && r.npaths == 0)
        return cli_usage_error("analyze", "no PATH given (or --live to ask a running xdsd)");
    return cmd_analyze(&r);
}

int cli_run_proxy_config(int argc, char **argv)
{
    const struct command *c = cli_find_command("proxy-config");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    struct proxy_config_request r = {.addr = "127.0.0.1:15014"};
    int ch;
    while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        char *host = NULL, *why = NULL, *end = NULL;
        int port;
        long p;
        switch (ch) {
        case OPT_DEBUG_ADDR:
            why = hostport_split(optarg, 1, &host, &port);
            free(host);
            if (why)
                return cli_bad_value("proxy-config", "debug-addr", optarg, why);
            r.addr = optarg;
            break;
        case OPT_OUTPUT:
            if (strcmp(optarg, "json") == 0)
                r.output = PROXY_CONFIG_JSON;
            else if (strcmp(optarg, "yaml") == 0)
                r.output = PROXY_CONFIG_YAML;
            else if (strcmp(optarg, "table") != 0)
                return cli_bad_value("proxy-config", "output", optarg,
                                 xstrdup("not table, json or yaml"));
            break;
        case OPT_PC_NAME:
            r.name = optarg;
            break;
        case OPT_PC_PORT:
            p = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || p < 1 || p > 65535)
                return cli_bad_value("proxy-config", "port", optarg,
                                 xstrdup("not a port from 1 to 65535"));
            r.port = (unsigned)p;
            break;
        default:
            return cli_help_or_bad("proxy-config", ch);
        }
    }
    if (argc - optind < 2)
        return cli_usage_error("proxy-config", "give the type and the proxy: xdsd proxy-config "
                                           "clusters|listeners|routes|endpoints|secrets|all PROXY");
    if (argc - optind > 2)
        return cli_unexpected("proxy-config", argv[optind + 2]);
    r.type = argv[optind];
    r.proxy = argv[optind + 1];
    return cmd_proxy_config(&r);
}

int cli_run_simulate(int argc, char **argv)
{
    const struct command *c = cli_find_command("simulate");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    struct simulate_request sr = {0};
    const char *headers[64];
    const char *addr = "127.0.0.1:15014";
    int live = 0;
    struct serve_options o;
    serve_options_init(&o);
    int ch;
    while ((ch = getopt_long(argc, argv, "hH:o:", opts, NULL)) != -1) {
        if (cli_serve_text(ch, optarg, &o))
            continue;
        switch (ch) {
        case OPT_PROXY:
            sr.proxy = optarg;
            break;
        case OPT_LABELS:
            sr.labels = optarg;
            break;
        case OPT_LIVE:
            live = 1;
            break;
        case OPT_DEBUG_ADDR: {
            char *host = NULL;
            int port;
            char *why = hostport_split(optarg, 1, &host, &port);
            free(host);
            if (why)
                return cli_bad_value("simulate", "debug-addr", optarg, why);
            addr = optarg;
            break;
        }
        case OPT_HEADER:
            if (sr.n_headers == ARRAY_LEN(headers))
                return cli_usage_error("simulate", "more than %zu -H", ARRAY_LEN(headers));
            headers[sr.n_headers++] = optarg;
            break;
        case OPT_OUTPUT:
            if (strcmp(optarg, "json") == 0)
                sr.json = 1;
            else if (strcmp(optarg, "text") != 0)
                return cli_bad_value("simulate", "output", optarg, xstrdup("not text or json"));
            break;
        case OPT_OUTBOUND:
            if (cli_outbound_policy_parse(optarg, &o.outbound_policy) < 0)
                return cli_bad_value("simulate", cli_flag_name(c, ch), optarg,
                                 xstrdup("not ALLOW_ANY or REGISTRY_ONLY"));
            break;
        default:
            return cli_help_or_bad("simulate", ch);
        }
    }
    if (optind >= argc)
        return cli_usage_error("simulate", "no REQUEST given");
    if (argc - optind > 1)
        return cli_unexpected("simulate", argv[optind + 1]);
    if (live)
        sr.debug_addr = addr;
    else if (o.config_dir == NULL)
        return cli_usage_error("simulate", "--config-dir or --live is required");
    if (sr.proxy == NULL)
        return cli_usage_error("simulate", "--proxy is required");
    sr.request = argv[optind];
    sr.headers = headers;
    return cmd_simulate(&o, &sr);
}
