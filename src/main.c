/* main.c - the command line: parse arguments, hand over to the modules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/commands.h"
#include "xdsd/log.h"
#include "xdsd/options.h"
#include "xdsd/util.h"
#include "xdsd/version.h"

/* Exit codes of every command: 0 success, 1 failure (invalid config, server
 * error), 2 usage. */
enum { EXIT_USAGE = 2 };

struct command {
    const char *name;
    const char *usage;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static int run_serve(int argc, char **argv);
static int run_validate(int argc, char **argv);
static int run_dump(int argc, char **argv);
static int run_status(int argc, char **argv);
static int run_version(int argc, char **argv);
static int run_help(int argc, char **argv);

static const struct command commands[] = {
    {"serve",
     "xdsd serve [--config-dir DIR] [--xds-listen HOST:PORT] [--debug-listen HOST:PORT]\n"
     "           [--debounce DURATION] [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]\n"
     "           [--mesh-certs DIR] [--trust-domain DOMAIN] [--state-dir DIR]\n"
     "           [--xds-tls-cert FILE --xds-tls-key FILE --xds-tls-ca FILE]\n"
     "           [--max-recv-bytes N] [--max-response-bytes N]\n"
     "           [--max-connection-age DURATION]\n"
     "           [--log-level debug|info|warn|error] [--log-format text|json]",
     "serve xDS to Envoy and gRPC clients from a watched directory of Istio YAML", run_serve},
    {"validate",
     "xdsd validate PATH...      files and directories, read as one configuration\n"
     "       xdsd validate DIR FILE...   FILE replaces its namesake in DIR: the file with the\n"
     "                                   same path under DIR, else its base name at DIR's top\n"
     "       xdsd validate [PATH...] -   '-' reads YAML from standard input, named <stdin>\n\n"
     "findings go to stderr as FILE:LINE:COLUMN: error|warning: KIND NAMESPACE/NAME: message,\n"
     "the summary to stdout",
     "check Istio YAML files or directories; exit 0 valid, 1 invalid, 2 usage", run_validate},
    {"dump",
     "xdsd dump --config-dir DIR --proxy NODE_ID [--labels k=v,k=v] [--namespace NS]\n"
     "          [--type listeners|routes|clusters|endpoints|all]\n\n"
     "--labels are the proxy's pod labels, which Gateway selectors match: a gateway proxy\n"
     "(router~...) that matches no Gateway gets no gateway listeners, and dump warns",
     "print what a proxy would receive, as Envoy's config_dump JSON", run_dump},
    {"status", "xdsd status [--debug-addr HOST:PORT] [PROXY]",
     "show which proxies have which configuration, like istioctl proxy-status", run_status},
    {"version", "xdsd version", "print the version", run_version},
    {"help", "xdsd help [COMMAND]", "describe a command", run_help},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_overview(FILE *f)
{
    fprintf(f,
            "xdsd %s - an Envoy xDS control plane for Istio networking YAML\n\n"
            "usage: xdsd COMMAND [OPTIONS]\n\ncommands:\n",
            xdsd_version());
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nrun 'xdsd help COMMAND' or 'xdsd COMMAND --help' for a command's options\n");
}

static void print_usage(const struct command *c, FILE *f)
{
    fprintf(f, "usage: %s\n\n%s\n", c->usage, c->summary);
}

/* Reports a usage error the way every command does: one line, exit 2. */
static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "xdsd %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nrun 'xdsd %s --help' for usage\n", cmd);
    return EXIT_USAGE;
}

/* getopt_long's own message already names the bad option. */
static int bad_option(const char *cmd)
{
    fprintf(stderr, "run 'xdsd %s --help' for usage\n", cmd);
    return EXIT_USAGE;
}

enum {
    OPT_CONFIG_DIR = 256,
    OPT_XDS_LISTEN,
    OPT_DEBUG_LISTEN,
    OPT_DEBOUNCE,
    OPT_OUTBOUND,
    OPT_MESH_CERTS,
    OPT_TRUST_DOMAIN,
    OPT_STATE_DIR,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TLS_CA,
    OPT_MAX_RECV,
    OPT_MAX_RESPONSE,
    OPT_MAX_AGE,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_PROXY,
    OPT_LABELS,
    OPT_NAMESPACE,
    OPT_TYPE,
    OPT_DEBUG_ADDR,
    OPT_HELP,
};

/* --outbound-traffic-policy, as serve and dump both take it. */
static int outbound_policy_parse(const char *word, enum outbound_policy *out)
{
    if (strcmp(word, "ALLOW_ANY") == 0)
        *out = OUTBOUND_ALLOW_ANY;
    else if (strcmp(word, "REGISTRY_ONLY") == 0)
        *out = OUTBOUND_REGISTRY_ONLY;
    else
        return -1;
    return 0;
}

static int run_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config-dir", required_argument, NULL, OPT_CONFIG_DIR},
        {"xds-listen", required_argument, NULL, OPT_XDS_LISTEN},
        {"debug-listen", required_argument, NULL, OPT_DEBUG_LISTEN},
        {"debounce", required_argument, NULL, OPT_DEBOUNCE},
        {"outbound-traffic-policy", required_argument, NULL, OPT_OUTBOUND},
        {"mesh-certs", required_argument, NULL, OPT_MESH_CERTS},
        {"trust-domain", required_argument, NULL, OPT_TRUST_DOMAIN},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"xds-tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"xds-tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"xds-tls-ca", required_argument, NULL, OPT_TLS_CA},
        {"max-recv-bytes", required_argument, NULL, OPT_MAX_RECV},
        {"max-response-bytes", required_argument, NULL, OPT_MAX_RESPONSE},
        {"max-connection-age", required_argument, NULL, OPT_MAX_AGE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct serve_options o;
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    serve_options_init(&o);

    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case OPT_CONFIG_DIR:
            o.config_dir = optarg;
            break;
        case OPT_XDS_LISTEN:
            o.xds_listen = optarg;
            break;
        case OPT_DEBUG_LISTEN:
            o.debug_listen = optarg;
            break;
        case OPT_DEBOUNCE:
            if (duration_parse_ms(optarg, &o.debounce_ms) < 0)
                return usage_error("serve", "--debounce: '%s' is not a duration (e.g. 100ms)",
                                   optarg);
            break;
        case OPT_OUTBOUND:
            if (outbound_policy_parse(optarg, &o.outbound_policy) < 0)
                return usage_error("serve",
                                   "--outbound-traffic-policy: '%s' is not ALLOW_ANY or "
                                   "REGISTRY_ONLY",
                                   optarg);
            break;
        case OPT_MESH_CERTS:
            o.mesh_certs = optarg;
            break;
        case OPT_TRUST_DOMAIN:
            o.trust_domain = optarg;
            break;
        case OPT_STATE_DIR:
            o.state_dir = optarg;
            break;
        case OPT_TLS_CERT:
            o.xds_tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            o.xds_tls_key = optarg;
            break;
        case OPT_TLS_CA:
            o.xds_tls_ca = optarg;
            break;
        case OPT_MAX_RECV:
            o.max_recv_bytes = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || o.max_recv_bytes <= 0 ||
                o.max_recv_bytes > INT32_MAX)
                return usage_error("serve", "--max-recv-bytes: '%s' is not a positive size",
                                   optarg);
            break;
        case OPT_MAX_RESPONSE:
            o.max_response_bytes = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || o.max_response_bytes <= 0)
                return usage_error("serve", "--max-response-bytes: '%s' is not a positive size",
                                   optarg);
            break;
        case OPT_MAX_AGE:
            if (duration_parse_ms(optarg, &o.max_connection_age_ms) < 0)
                return usage_error("serve", "--max-connection-age: '%s' is not a duration", optarg);
            break;
        case OPT_LOG_LEVEL:
            if (log_level_parse(optarg, &level) < 0)
                return usage_error("serve", "--log-level: '%s' is not debug, info, warn or error",
                                   optarg);
            break;
        case OPT_LOG_FORMAT:
            if (log_format_parse(optarg, &format) < 0)
                return usage_error("serve", "--log-format: '%s' is not text or json", optarg);
            break;
        case 'h':
        case OPT_HELP:
            print_usage(find_command("serve"), stdout);
            return 0;
        default:
            return bad_option("serve");
        }
    }
    if (optind < argc)
        return usage_error("serve", "unexpected argument '%s'", argv[optind]);
    int tls = !!o.xds_tls_cert + !!o.xds_tls_key + !!o.xds_tls_ca;
    if (tls != 0 && tls != 3)
        return usage_error("serve", "%s",
                           "--xds-tls-cert, --xds-tls-key and --xds-tls-ca go together");
    log_init(level, format);
    return cmd_serve(&o);
}

static int run_validate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'h' || ch == OPT_HELP) {
            print_usage(find_command("validate"), stdout);
            return 0;
        }
        return bad_option("validate");
    }
    if (optind >= argc)
        return usage_error("validate", "%s", "no PATH given");
    return cmd_validate((const char *const *)argv + optind, argc - optind);
}

static int run_dump(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config-dir", required_argument, NULL, OPT_CONFIG_DIR},
        {"proxy", required_argument, NULL, OPT_PROXY},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"namespace", required_argument, NULL, OPT_NAMESPACE},
        {"type", required_argument, NULL, OPT_TYPE},
        {"outbound-traffic-policy", required_argument, NULL, OPT_OUTBOUND},
        {"mesh-certs", required_argument, NULL, OPT_MESH_CERTS},
        {"trust-domain", required_argument, NULL, OPT_TRUST_DOMAIN},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct dump_request d = {.type = "all"};
    struct serve_options o;
    serve_options_init(&o);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_CONFIG_DIR:
            o.config_dir = optarg;
            break;
        case OPT_PROXY:
            d.proxy = optarg;
            break;
        case OPT_LABELS:
            d.labels = optarg;
            break;
        case OPT_NAMESPACE:
            d.namespace = optarg;
            break;
        case OPT_TYPE:
            if (strcmp(optarg, "listeners") && strcmp(optarg, "routes") &&
                strcmp(optarg, "clusters") && strcmp(optarg, "endpoints") && strcmp(optarg, "all"))
                return usage_error("dump",
                                   "--type: '%s' is not listeners, routes, clusters, endpoints "
                                   "or all",
                                   optarg);
            d.type = optarg;
            break;
        case OPT_OUTBOUND:
            if (outbound_policy_parse(optarg, &o.outbound_policy) < 0)
                return usage_error("dump",
                                   "--outbound-traffic-policy: '%s' is not ALLOW_ANY or "
                                   "REGISTRY_ONLY",
                                   optarg);
            break;
        case OPT_MESH_CERTS:
            o.mesh_certs = optarg;
            break;
        case OPT_TRUST_DOMAIN:
            o.trust_domain = optarg;
            break;
        case 'h':
        case OPT_HELP:
            print_usage(find_command("dump"), stdout);
            return 0;
        default:
            return bad_option("dump");
        }
    }
    if (optind < argc)
        return usage_error("dump", "unexpected argument '%s'", argv[optind]);
    if (o.config_dir == NULL)
        return usage_error("dump", "%s", "--config-dir is required");
    if (d.proxy == NULL)
        return usage_error("dump", "%s", "--proxy is required");
    return cmd_dump(&o, &d);
}

static int run_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"debug-addr", required_argument, NULL, OPT_DEBUG_ADDR},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *addr = "127.0.0.1:15014";
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_DEBUG_ADDR:
            addr = optarg;
            break;
        case 'h':
        case OPT_HELP:
            print_usage(find_command("status"), stdout);
            return 0;
        default:
            return bad_option("status");
        }
    }
    if (argc - optind > 1)
        return usage_error("status", "unexpected argument '%s'", argv[optind + 1]);
    return cmd_status(addr, optind < argc ? argv[optind] : NULL);
}

static int run_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_usage(find_command("version"), stdout);
        return 0;
    }
    if (argc > 1)
        return usage_error("version", "unexpected argument '%s'", argv[1]);
    printf("xdsd %s (build %s)\n", xdsd_version(), xdsd_build());
    return 0;
}

static int run_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (c == NULL)
        return usage_error("help", "unknown command '%s'", argv[1]);
    print_usage(c, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return run_version(1, argv + 1);
    const struct command *c = find_command(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "xdsd: unknown command '%s'\nrun 'xdsd help' for the list\n", argv[1]);
        return EXIT_USAGE;
    }
    /* each command parses its own options, with argv[0] its name */
    return c->run(argc - 1, argv + 1);
}
