/* main.c - the command line: parse arguments, hand over to the modules.
 *
 * Each command's flags live in one table that both getopt_long and --help
 * read, so that the help lists every flag the parser takes. */
#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/commands.h"
#include "xdsd/listen.h"
#include "xdsd/log.h"
#include "xdsd/options.h"
#include "xdsd/util.h"
#include "xdsd/version.h"

/* Exit codes of every command: 0 success, 1 failure (invalid config, server
 * error), 2 usage. */
enum { EXIT_USAGE = 2 };

enum {
    OPT_CONFIG_DIR = 256,
    OPT_ALLOW_MISSING,
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
    /* secrets over SDS */
    OPT_SECRETS_DIR,
    OPT_MESH_CERTS_MODE,
    OPT_INSECURE_SECRETS,
    OPT_HELP = 'h',
    OPT_OUTPUT = 'o',
};

/* A flag of a command: what getopt_long needs and what --help prints. */
struct flag {
    const char *name;    /* without the leading "--" */
    const char *arg;     /* its argument as --help shows it; NULL: takes none */
    int id;              /* what getopt_long returns for it */
    const char *deflt;   /* the default as --help shows it; NULL: none */
    const char *meaning; /* one line */
};

/* Flags more than one command takes (the fields of a struct flag). */
#define FLAG_HELP "help", NULL, OPT_HELP, NULL, "print this help (also -h)"
#define FLAG_OUTBOUND                                                                              \
    "outbound-traffic-policy", "ALLOW_ANY|REGISTRY_ONLY", OPT_OUTBOUND, "ALLOW_ANY",               \
        "hosts no ServiceEntry declares: passed through, or refused (502)"
#define FLAG_MESH_CERTS                                                                            \
    "mesh-certs", "DIR", OPT_MESH_CERTS, "/etc/certs",                                             \
        "proxies' ISTIO_MUTUAL files: cert-chain.pem, key.pem, root-cert.pem"
#define FLAG_TRUST_DOMAIN                                                                          \
    "trust-domain", "DOMAIN", OPT_TRUST_DOMAIN, "cluster.local",                                   \
        "SPIFFE trust domain of the mesh's identities"

static const struct flag serve_flags[] = {
    {"config-dir", "DIR", OPT_CONFIG_DIR, "config/ when it exists",
     "directory of Istio YAML, watched: edits are served without a restart"},
    {"allow-missing-config-dir", NULL, OPT_ALLOW_MISSING, "off",
     "start without DIR and load it once it appears; else DIR must exist"},
    {"xds-listen", "HOST:PORT", OPT_XDS_LISTEN, "0.0.0.0:15010, every interface, plaintext",
     "address of the ADS gRPC server; port 0: any free one"},
    {"debug-listen", "HOST:PORT", OPT_DEBUG_LISTEN, "127.0.0.1:15014",
     "address of the debug HTTP endpoint; port 0: any free one; '' turns it off"},
    {"debounce", "DURATION", OPT_DEBOUNCE, "100ms",
     "quiet time after an edit before reloading, at most " SERVE_MAX_DEBOUNCE_TEXT},
    {FLAG_OUTBOUND},
    {FLAG_MESH_CERTS},
    {FLAG_TRUST_DOMAIN},
    {"state-dir", "DIR", OPT_STATE_DIR, "none",
     "keep the last good configuration, served if a restart finds DIR invalid"},
    {"xds-tls-cert", "FILE", OPT_TLS_CERT, "none, plaintext",
     "server certificate for mutual TLS on the xDS port"},
    {"xds-tls-key", "FILE", OPT_TLS_KEY, "none", "private key of --xds-tls-cert"},
    {"xds-tls-ca", "FILE", OPT_TLS_CA, "none", "CA that must have signed every client certificate"},
    {"max-recv-bytes", "N", OPT_MAX_RECV, "67108864, 64 MiB",
     "largest request accepted, in bytes (at most 2147483647)"},
    {"max-response-bytes", "N", OPT_MAX_RESPONSE, "67108864, 64 MiB",
     "largest response an Envoy is sent; a larger configuration is refused"},
    {"max-connection-age", "DURATION", OPT_MAX_AGE, "0, never",
     "close connections this old, so proxies reconnect (at most " SERVE_MAX_CONNECTION_AGE_TEXT
     ")"},
    {"log-level", "debug|info|warn|error", OPT_LOG_LEVEL, "info", "least severe lines logged"},
    {"log-format", "text|json", OPT_LOG_FORMAT, "text", "format of the log lines on stderr"},
    /* secrets over SDS */
    {"secrets-dir", "DIR", OPT_SECRETS_DIR, "none",
     "Kubernetes TLS Secrets, watched: served over SDS as kubernetes://NAME"},
    {"mesh-certs-mode", "files|sds", OPT_MESH_CERTS_MODE, "files",
     "ISTIO_MUTUAL certificates: files on each proxy, or SDS per identity"},
    {"insecure-plaintext-secrets", NULL, OPT_INSECURE_SECRETS, "off",
     "also send private keys over plaintext xDS, to the namespace a proxy claims"},
    {FLAG_HELP},
};

static const struct flag validate_flags[] = {{FLAG_HELP}};

static const struct flag dump_flags[] = {
    {"config-dir", "DIR", OPT_CONFIG_DIR, "config/ when it exists", "directory of Istio YAML"},
    {"proxy", "NODE_ID", OPT_PROXY, "none, required",
     "node id, e.g. sidecar~10.0.0.1~sleep.default~default.svc.cluster.local"},
    {"labels", "k=v,k=v", OPT_LABELS, "none",
     "the proxy's labels, matched against Gateway selectors"},
    {"namespace", "NS", OPT_NAMESPACE, "the node id's", "the proxy's namespace"},
    {"type", "listeners|routes|clusters|endpoints|secrets|all", OPT_TYPE, "all",
     "which resources to print"},
    {"secrets-dir", "DIR", OPT_SECRETS_DIR, "none",
     "Kubernetes TLS Secrets: what the proxy gets over mutual TLS, keys redacted"},
    {FLAG_OUTBOUND},
    {FLAG_MESH_CERTS},
    {FLAG_TRUST_DOMAIN},
    {FLAG_HELP},
};

static const struct flag status_flags[] = {
    {"debug-addr", "HOST:PORT", OPT_DEBUG_ADDR, "127.0.0.1:15014",
     "debug endpoint of the xdsd to ask (its --debug-listen)"},
    {"output", "table|json", OPT_OUTPUT, "table",
     "a header line and a row per proxy, or one JSON object (also -o)"},
    {FLAG_HELP},
};

static const struct flag version_flags[] = {{FLAG_HELP}};
static const struct flag help_flags[] = {{FLAG_HELP}};

struct command {
    const char *name;
    const char *usage;
    const char *summary;
    const char *operands; /* what the words after the flags are, or NULL */
    const struct flag *flags;
    size_t n_flags;
    int (*run)(int argc, char **argv);
};

static int run_serve(int argc, char **argv);
static int run_validate(int argc, char **argv);
static int run_dump(int argc, char **argv);
static int run_status(int argc, char **argv);
static int run_version(int argc, char **argv);
static int run_help(int argc, char **argv);

#define FLAGS(a) a, ARRAY_LEN(a)

static const struct command commands[] = {
    {"serve",
     "xdsd serve [--config-dir DIR [--allow-missing-config-dir]]\n"
     "           [--xds-listen HOST:PORT] [--debug-listen HOST:PORT]\n"
     "           [--debounce DURATION] [--state-dir DIR]\n"
     "           [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]\n"
     "           [--mesh-certs DIR] [--trust-domain DOMAIN]\n"
     "           [--secrets-dir DIR] [--mesh-certs-mode files|sds]\n"
     "           [--insecure-plaintext-secrets]\n"
     "           [--xds-tls-cert FILE --xds-tls-key FILE --xds-tls-ca FILE]\n"
     "           [--max-recv-bytes N] [--max-response-bytes N]\n"
     "           [--max-connection-age DURATION]\n"
     "           [--log-level debug|info|warn|error] [--log-format text|json]",
     "serve xDS to Envoy and gRPC clients from a watched directory of Istio YAML",
     "DURATION: 100ms, 30s, 1m30s, 1h or 0. SIGHUP re-reads the configuration now;\n"
     "SIGINT and SIGTERM stop, exit 0. Without --xds-tls-* the xDS port is plaintext:\n"
     "any client that reaches it can read every proxy's configuration.",
     FLAGS(serve_flags), run_serve},
    {"validate",
     "xdsd validate PATH...\n"
     "       xdsd validate DIR FILE...\n"
     "       xdsd validate [PATH...] -",
     "check Istio YAML files or directories; exit 0 valid, 1 invalid, 2 usage",
     "PATH: files and directories (their *.yaml and *.yml files, recursively), read\n"
     "as one configuration. DIR FILE: FILE replaces its namesake in DIR: the file with\n"
     "the same path under DIR, else its base name at DIR's top. '-' reads YAML from\n"
     "standard input, named <stdin>. Findings go to stderr as FILE:LINE:COLUMN:\n"
     "error|warning: KIND NAMESPACE/NAME: message; the summary to stdout.",
     FLAGS(validate_flags), run_validate},
    {"dump",
     "xdsd dump --config-dir DIR --proxy NODE_ID\n"
     "          [--labels k=v,k=v] [--namespace NS]\n"
     "          [--type listeners|routes|clusters|endpoints|secrets|all]\n"
     "          [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY] [--mesh-certs DIR]\n"
     "          [--trust-domain DOMAIN] [--secrets-dir DIR]",
     "print what a proxy would receive, as Envoy's config_dump JSON",
     "--labels are the proxy's pod labels, which Gateway selectors match: a gateway\n"
     "proxy (router~...) that matches no Gateway gets no gateway listeners, and dump\n"
     "warns.",
     FLAGS(dump_flags), run_dump},
    {"status", "xdsd status [--debug-addr HOST:PORT] [-o table|json] [PROXY]",
     "show which proxies have which configuration, like istioctl proxy-status",
     "PROXY: a node id, POD.NAMESPACE or a unique prefix of either; default: all",
     FLAGS(status_flags), run_status},
    {"version", "xdsd version", "print the version", NULL, FLAGS(version_flags), run_version},
    {"help", "xdsd help [COMMAND]", "describe a command", NULL, FLAGS(help_flags), run_help},
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

/* A flag and its default on one line, its meaning on the next: the widest
 * fit in 80 columns. */
static void print_flag(const struct flag *fl, FILE *f)
{
    fprintf(f, "  --%s%s%s", fl->name, fl->arg ? " " : "", fl->arg ? fl->arg : "");
    if (fl->deflt)
        fprintf(f, " (default: %s)", fl->deflt);
    fprintf(f, "\n      %s\n", fl->meaning);
}

static void print_usage(const struct command *c, FILE *f)
{
    fprintf(f, "usage: %s\n\n%s\n\noptions:\n", c->usage, c->summary);
    for (size_t i = 0; i < c->n_flags; i++)
        print_flag(&c->flags[i], f);
    if (c->operands)
        fprintf(f, "\n%s\n", c->operands);
}

/* The most flags a command has, for getopt_long's table on the stack. */
enum { MAX_FLAGS = 32 };

/* Fill o (MAX_FLAGS entries) with getopt_long's table of c's flags. */
static void long_options(const struct command *c, struct option *o)
{
    assert(c->n_flags < MAX_FLAGS);
    for (size_t i = 0; i < c->n_flags; i++)
        o[i] = (struct option){c->flags[i].name, c->flags[i].arg ? required_argument : no_argument,
                               NULL, c->flags[i].id};
    o[c->n_flags] = (struct option){NULL, 0, NULL, 0};
}

/* Reports a usage error the way every command does: one line that names the
 * flag or word at fault, a pointer to --help, exit 2. */
__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xdsd %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nrun 'xdsd %s --help' for usage\n", cmd);
    return EXIT_USAGE;
}

/* A check of a flag's value said why not (a heap string, freed here): a
 * usage error that names the flag and quotes the value. */
static int bad_value(const char *cmd, const char *flag, const char *value, char *why)
{
    usage_error(cmd, "--%s '%s': %s", flag, value, why);
    free(why);
    return EXIT_USAGE;
}

/* getopt_long's own message already names the bad option. */
static int bad_option(const char *cmd)
{
    fprintf(stderr, "run 'xdsd %s --help' for usage\n", cmd);
    return EXIT_USAGE;
}

static int show_help(const char *cmd)
{
    print_usage(find_command(cmd), stdout);
    return 0;
}

/* What no command's switch takes itself: --help, or an option that
 * getopt_long has already complained about. */
static int help_or_bad(const char *cmd, int ch)
{
    return ch == OPT_HELP ? show_help(cmd) : bad_option(cmd);
}

static int unexpected(const char *cmd, const char *arg)
{
    return usage_error(cmd, "unexpected argument '%s'", arg);
}

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

/* The flags of serve (and dump) that store their text as it is: 1 when id
 * is one of them. getopt_long returns only the ids of the command's own
 * table, so dump never sees serve's others. */
static int serve_text(int id, const char *arg, struct serve_options *o)
{
    const char **field = NULL;
    switch (id) {
    case OPT_CONFIG_DIR:
        field = &o->config_dir;
        break;
    case OPT_MESH_CERTS:
        field = &o->mesh_certs;
        break;
    case OPT_TRUST_DOMAIN:
        field = &o->trust_domain;
        break;
    case OPT_STATE_DIR:
        field = &o->state_dir;
        break;
    case OPT_TLS_CERT:
        field = &o->xds_tls_cert;
        break;
    case OPT_TLS_KEY:
        field = &o->xds_tls_key;
        break;
    case OPT_TLS_CA:
        field = &o->xds_tls_ca;
        break;
    case OPT_SECRETS_DIR:
        field = &o->secrets_dir;
        break;
    default:
        return 0;
    }
    *field = arg;
    return 1;
}

/* The flags of serve that take values which need checking (sizes, durations,
 * addresses, words): NULL when optarg is fine and stored in *o, else why not. */
static char *serve_value(int id, const char *arg, struct serve_options *o, enum log_level *level,
                         enum log_format *format)
{
    switch (id) {
    case OPT_XDS_LISTEN:
        o->xds_listen = arg;
        return listen_addr_check(arg);
    case OPT_DEBUG_LISTEN:
        o->debug_listen = arg;
        return *arg ? listen_addr_check(arg) : NULL; /* "": no debug endpoint */
    case OPT_DEBOUNCE:
        return option_duration(arg, SERVE_MAX_DEBOUNCE_MS, SERVE_MAX_DEBOUNCE_TEXT,
                               &o->debounce_ms);
    case OPT_MAX_AGE:
        return option_duration(arg, SERVE_MAX_CONNECTION_AGE_MS, SERVE_MAX_CONNECTION_AGE_TEXT,
                               &o->max_connection_age_ms);
    case OPT_MAX_RECV:
        return option_bytes(arg, SERVE_MAX_BYTES, &o->max_recv_bytes);
    case OPT_MAX_RESPONSE:
        return option_bytes(arg, SERVE_MAX_BYTES, &o->max_response_bytes);
    case OPT_OUTBOUND:
        if (outbound_policy_parse(arg, &o->outbound_policy) < 0)
            return xasprintf("not ALLOW_ANY or REGISTRY_ONLY");
        return NULL;
    case OPT_LOG_LEVEL:
        if (log_level_parse(arg, level) < 0)
            return xasprintf("not debug, info, warn or error");
        return NULL;
    case OPT_LOG_FORMAT:
        if (log_format_parse(arg, format) < 0)
            return xasprintf("not text or json");
        return NULL;
    }
    return NULL;
}

/* The name of the flag with this id, for messages. */
static const char *flag_name(const struct command *c, int id)
{
    for (size_t i = 0; i < c->n_flags; i++)
        if (c->flags[i].id == id)
            return c->flags[i].name;
    return "?";
}

static int run_serve(int argc, char **argv)
{
    const struct command *c = find_command("serve");
    struct option opts[MAX_FLAGS];
    long_options(c, opts);
    struct serve_options o;
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    serve_options_init(&o);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *why = NULL;
        if (serve_text(ch, optarg, &o))
            continue;
        switch (ch) {
        case OPT_ALLOW_MISSING:
            o.allow_missing_config_dir = 1;
            break;
        case OPT_INSECURE_SECRETS:
            o.insecure_plaintext_secrets = 1;
            break;
        case OPT_MESH_CERTS_MODE:
            if (strcmp(optarg, "files") != 0 && strcmp(optarg, "sds") != 0)
                return bad_value("serve", flag_name(c, ch), optarg, xstrdup("not files or sds"));
            o.mesh_certs_sds = strcmp(optarg, "sds") == 0;
            break;
        case OPT_XDS_LISTEN:
        case OPT_DEBUG_LISTEN:
        case OPT_DEBOUNCE:
        case OPT_MAX_AGE:
        case OPT_MAX_RECV:
        case OPT_MAX_RESPONSE:
        case OPT_OUTBOUND:
        case OPT_LOG_LEVEL:
        case OPT_LOG_FORMAT:
            why = serve_value(ch, optarg, &o, &level, &format);
            if (why)
                return bad_value("serve", flag_name(c, ch), optarg, why);
            break;
        default:
            return help_or_bad("serve", ch);
        }
    }
    if (optind < argc)
        return unexpected("serve", argv[optind]);
    int tls = !!o.xds_tls_cert + !!o.xds_tls_key + !!o.xds_tls_ca;
    if (tls != 0 && tls != 3)
        return usage_error("serve", "--xds-tls-cert, --xds-tls-key and --xds-tls-ca go together");
    log_init(level, format);
    return cmd_serve(&o);
}

static int run_validate(int argc, char **argv)
{
    const struct command *c = find_command("validate");
    struct option opts[MAX_FLAGS];
    long_options(c, opts);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        return help_or_bad("validate", ch);
    }
    if (optind >= argc)
        return usage_error("validate", "no PATH given");
    return cmd_validate((const char *const *)argv + optind, argc - optind);
}

static int dump_type_ok(const char *t)
{
    static const char *const types[] = {"listeners", "routes",  "clusters",
                                        "endpoints", "secrets", "all"};
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (strcmp(t, types[i]) == 0)
            return 1;
    return 0;
}

static int run_dump(int argc, char **argv)
{
    const struct command *c = find_command("dump");
    struct option opts[MAX_FLAGS];
    long_options(c, opts);
    struct dump_request d = {.type = "all"};
    struct serve_options o;
    serve_options_init(&o);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (serve_text(ch, optarg, &o))
            continue;
        switch (ch) {
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
            if (!dump_type_ok(optarg))
                return usage_error("dump",
                                   "--type '%s': not listeners, routes, clusters, endpoints, "
                                   "secrets or all",
                                   optarg);
            d.type = optarg;
            break;
        case OPT_OUTBOUND:
            if (outbound_policy_parse(optarg, &o.outbound_policy) < 0)
                return bad_value("dump", flag_name(c, ch), optarg,
                                 xstrdup("not ALLOW_ANY or REGISTRY_ONLY"));
            break;
        default:
            return help_or_bad("dump", ch);
        }
    }
    if (optind < argc)
        return unexpected("dump", argv[optind]);
    if (o.config_dir == NULL)
        return usage_error("dump", "--config-dir is required");
    if (d.proxy == NULL)
        return usage_error("dump", "--proxy is required");
    return cmd_dump(&o, &d);
}

static int run_status(int argc, char **argv)
{
    const struct command *c = find_command("status");
    struct option opts[MAX_FLAGS];
    long_options(c, opts);
    const char *addr = "127.0.0.1:15014";
    enum status_output output = STATUS_TABLE;
    int ch;
    while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        char *host = NULL, *why = NULL;
        int port;
        switch (ch) {
        case OPT_DEBUG_ADDR:
            /* an address to connect to: port 0 is never meant */
            why = hostport_split(optarg, 1, &host, &port);
            free(host);
            if (why)
                return bad_value("status", "debug-addr", optarg, why);
            addr = optarg;
            break;
        case OPT_OUTPUT:
            if (strcmp(optarg, "json") == 0)
                output = STATUS_JSON;
            else if (strcmp(optarg, "table") != 0)
                return bad_value("status", "output", optarg, xstrdup("not table or json"));
            break;
        default:
            return help_or_bad("status", ch);
        }
    }
    if (argc - optind > 1)
        return unexpected("status", argv[optind + 1]);
    return cmd_status(addr, optind < argc ? argv[optind] : NULL, output);
}

static int run_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return show_help("version");
    if (argc > 1)
        return unexpected("version", argv[1]);
    printf("xdsd %s (build %s)\n", xdsd_version(), xdsd_build());
    return 0;
}

static int run_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return show_help("help");
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
