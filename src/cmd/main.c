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

#include "xdsd/analyze.h"
#include "xdsd/commands.h"
#include "xdsd/listen.h"
#include "xdsd/log.h"
#include "xdsd/options.h"
#include "xdsd/util.h"
#include "xdsd/version.h"

#include "cli.h"

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
/* configuration in etcd: serve, apply, get and delete take these */
#define FLAGS_ETCD                                                                                 \
    {"config-source", "etcd://HOST:PORT[,HOST:PORT...]/PREFIX", OPT_CONFIG_SOURCE, "none",        \
     "the configuration in etcd: one resource per key PREFIX/NAMESPACE/KIND/NAME"},                \
        {"etcd-cacert", "FILE", OPT_ETCD_CACERT, "none, plaintext",                                \
         "TLS to etcd: the CA of the members' certificates"},                                      \
        {"etcd-cert", "FILE", OPT_ETCD_CERT, "none", "TLS client certificate for etcd"},           \
        {"etcd-key", "FILE", OPT_ETCD_KEY, "none", "private key of --etcd-cert"},                  \
        {"etcd-user", "USER", OPT_ETCD_USER, "none", "etcd user to authenticate as"},              \
        {"etcd-password-file", "FILE", OPT_ETCD_PASSWORD_FILE, "none",                             \
         "the etcd user's password: the first line of FILE"}

static const struct flag serve_flags[] = {
    {"config-dir", "DIR", OPT_CONFIG_DIR, "config/ when it exists",
     "directory of Istio YAML, watched: edits are served without a restart"},
    {"allow-missing-config-dir", NULL, OPT_ALLOW_MISSING, "off",
     "start without DIR and load it once it appears; else DIR must exist"},
    FLAGS_ETCD,
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
    {"access-log-format", "FORMAT", OPT_ACCESS_LOG_FORMAT, "Istio's text format",
     "access log line in Envoy's format (Istio's meshConfig.accessLogFormat)"},
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

static const struct flag simulate_flags[] = {
    {"config-dir", "DIR", OPT_CONFIG_DIR, "config/ when it exists", "directory of Istio YAML"},
    {"proxy", "NODE_ID", OPT_PROXY, "none, required",
     "node id where the request starts (sidecar~IP~POD.NS~NS.svc.cluster.local)"},
    {"labels", "k=v,k=v", OPT_LABELS, "none", "the proxy's labels"},
    {"live", NULL, OPT_LIVE, "off",
     "ask a running xdsd: walk what the (connected) proxy was last sent"},
    {"debug-addr", "HOST:PORT", OPT_DEBUG_ADDR, "127.0.0.1:15014",
     "with --live: debug endpoint of the xdsd to ask (its --debug-listen)"},
    {"header", "'Name: value'", OPT_HEADER, "none", "a request header, repeatable (also -H)"},
    {"output", "text|json", OPT_OUTPUT, "text", "a block per hop, or one JSON object (also -o)"},
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

static const struct flag analyze_flags[] = {
    {"live", NULL, OPT_LIVE, "off, PATH... offline",
     "ask a running xdsd: its current configuration and its connected proxies"},
    {"debug-addr", "HOST:PORT", OPT_DEBUG_ADDR, "127.0.0.1:15014",
     "with --live: debug endpoint of the xdsd to ask (its --debug-listen)"},
    {"output", "text|json", OPT_OUTPUT, "text",
     "a line per finding, as istioctl analyze prints them, or a JSON array (-o)"},
    {"fail-on", "error|warning|never", OPT_FAIL_ON, "error",
     "exit 1 when a finding is of this level or above"},
    {FLAG_OUTBOUND},
    {FLAG_MESH_CERTS},
    {FLAG_TRUST_DOMAIN},
    {FLAG_HELP},
};

static const struct flag proxy_config_flags[] = {
    {"debug-addr", "HOST:PORT", OPT_DEBUG_ADDR, "127.0.0.1:15014",
     "debug endpoint of the xdsd to ask (its --debug-listen)"},
    {"output", "table|json|yaml", OPT_OUTPUT, "table",
     "istioctl's summary tables, or the resources themselves (also -o)"},
    {"name", "N", OPT_PC_NAME, "any", "only the resource of this name (a cluster's FQDN too)"},
    {"port", "P", OPT_PC_PORT, "any", "only this port (routes: the route configuration P)"},
    {FLAG_HELP},
};

static const struct flag apply_flags[] = {
    {"filename", "FILE|DIR|-", OPT_FILE, "none, required", "YAML to apply (also -f; repeatable)"},
    FLAGS_ETCD,
    {FLAG_HELP},
};

static const struct flag get_flags[] = {
    {"output", "table|yaml|json", OPT_OUTPUT, "table",
     "a row per resource, or the stored YAML, or JSON (also -o)"},
    FLAGS_ETCD,
    {FLAG_HELP},
};

static const struct flag delete_flags[] = {
    FLAGS_ETCD,
    {FLAG_HELP},
};

static const struct flag version_flags[] = {{FLAG_HELP}};
static const struct flag help_flags[] = {{FLAG_HELP}};

static int run_serve(int argc, char **argv);
static int run_validate(int argc, char **argv);
static int run_dump(int argc, char **argv);
static int run_status(int argc, char **argv);
static int run_version(int argc, char **argv);
static int run_help(int argc, char **argv);

#define FLAGS(a) a, ARRAY_LEN(a)

static const struct command commands[] = {
    {"serve",
     "xdsd serve [--config-dir DIR [--allow-missing-config-dir] |\n"
     "            --config-source etcd://HOST:PORT[,HOST:PORT...]/PREFIX\n"
     "            [--etcd-cacert FILE --etcd-cert FILE --etcd-key FILE]\n"
     "            [--etcd-user USER --etcd-password-file FILE]]\n"
     "           [--xds-listen HOST:PORT] [--debug-listen HOST:PORT]\n"
     "           [--debounce DURATION] [--state-dir DIR]\n"
     "           [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]\n"
     "           [--mesh-certs DIR] [--trust-domain DOMAIN]\n"
     "           [--secrets-dir DIR] [--mesh-certs-mode files|sds]\n"
     "           [--insecure-plaintext-secrets]\n"
     "           [--xds-tls-cert FILE --xds-tls-key FILE --xds-tls-ca FILE]\n"
     "           [--max-recv-bytes N] [--max-response-bytes N]\n"
     "           [--max-connection-age DURATION]\n"
     "           [--log-level debug|info|warn|error] [--log-format text|json]\n"
     "           [--access-log-format FORMAT]",
     "serve xDS to Envoy and gRPC clients from a watched directory or etcd",
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
    {"analyze",
     "xdsd analyze PATH... | --live [--debug-addr HOST:PORT]\n"
     "             [-o text|json] [--fail-on error|warning|never]\n"
     "             [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]\n"
     "             [--mesh-certs DIR] [--trust-domain DOMAIN]",
     "find misconfigurations, as istioctl analyze does (IST and XDS codes)",
     "PATH: files and directories read as one configuration, as `xdsd validate` reads\n"
     "them; a configuration that does not load gets validate's errors on stderr too.\n"
     "Findings go to stdout: LEVEL [CODE] (KIND NAMESPACE/NAME FILE:LINE:COL) message.\n"
     "Exit 0, 1 when a finding reaches --fail-on or nothing loads, 2 usage.\n"
     "docs/analyze.md lists every code.",
     FLAGS(analyze_flags), cli_run_analyze},
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
    {"simulate",
     "xdsd simulate (--config-dir DIR | --live [--debug-addr HOST:PORT])\n"
     "              --proxy NODE_ID [--labels k=v,k=v]\n"
     "              [-H 'Name: value']... [-o text|json]\n"
     "              [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY]\n"
     "              [--mesh-certs DIR] [--trust-domain DOMAIN] REQUEST",
     "where a request goes, hop by hop, in the Envoy config proxies receive",
     "REQUEST: http://HOST[:PORT]/PATH, https://HOST[:PORT]/PATH (the app speaks TLS:\n"
     "matched by SNI) or tcp://ADDR:PORT. Each hop names the listener, filter chain,\n"
     "route configuration, virtual host, route and cluster Envoy picks, and the TLS of\n"
     "the connection to the next hop (plain, ISTIO_MUTUAL, originated, passthrough).",
     FLAGS(simulate_flags), cli_run_simulate},
    {"status", "xdsd status [--debug-addr HOST:PORT] [-o table|json] [PROXY]",
     "show which proxies have which configuration, like istioctl proxy-status",
     "PROXY: a node id, POD.NAMESPACE or a unique prefix of either; default: all",
     FLAGS(status_flags), run_status},
    {"proxy-config",
     "xdsd proxy-config clusters|listeners|routes|endpoints|secrets|all PROXY\n"
     "                 [--debug-addr HOST:PORT] [-o table|json|yaml] [--name N] [--port P]",
     "show what a connected proxy was sent, like istioctl proxy-config",
     "PROXY: a node id, POD.NAMESPACE or a unique prefix of either. Secrets show\n"
     "names, serial numbers and validity dates, never keys.",
     FLAGS(proxy_config_flags), cli_run_proxy_config},
    {"apply",
     "xdsd apply -f FILE|DIR|- ...\n"
     "           --config-source etcd://HOST:PORT/PREFIX",
     "write Istio YAML into etcd, validated whole, in one transaction",
     "Every resource goes to the key PREFIX/NAMESPACE/KIND/NAME. The whole resulting\n"
     "configuration is validated as `xdsd validate` would; any error writes nothing.",
     FLAGS(apply_flags), cli_run_apply},
    {"get",
     "xdsd get [KIND [NAMESPACE/NAME]] [-o table|yaml|json]\n"
     "         --config-source etcd://HOST:PORT/PREFIX",
     "list or print the resources kept in etcd", NULL, FLAGS(get_flags), cli_run_get},
    {"delete", "xdsd delete KIND NAMESPACE/NAME --config-source etcd://HOST:PORT/PREFIX",
     "remove a resource from etcd, if what remains is valid", NULL, FLAGS(delete_flags),
     cli_run_delete},
    {"version", "xdsd version", "print the version", NULL, FLAGS(version_flags), run_version},
    {"help", "xdsd help [COMMAND]", "describe a command", NULL, FLAGS(help_flags), run_help},
};

const struct command *cli_find_command(const char *name)
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
    int width = 0; /* the longest name's */
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        width = (int)strlen(commands[i].name) > width ? (int)strlen(commands[i].name) : width;
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(f, "  %-*s %s\n", width, commands[i].name, commands[i].summary);
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

/* Fill o (MAX_FLAGS entries) with getopt_long's table of c's flags. */
void cli_long_options(const struct command *c, struct option *o)
{
    assert(c->n_flags < MAX_FLAGS);
    for (size_t i = 0; i < c->n_flags; i++)
        o[i] = (struct option){c->flags[i].name, c->flags[i].arg ? required_argument : no_argument,
                               NULL, c->flags[i].id};
    o[c->n_flags] = (struct option){NULL, 0, NULL, 0};
}

/* Reports a usage error the way every command does: one line that names the
 * flag or word at fault, a pointer to --help, exit 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
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
int cli_bad_value(const char *cmd, const char *flag, const char *value, char *why)
{
    cli_usage_error(cmd, "--%s '%s': %s", flag, value, why);
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
    print_usage(cli_find_command(cmd), stdout);
    return 0;
}

/* What no command's switch takes itself: --help, or an option that
 * getopt_long has already complained about. */
int cli_help_or_bad(const char *cmd, int ch)
{
    return ch == OPT_HELP ? show_help(cmd) : bad_option(cmd);
}

int cli_unexpected(const char *cmd, const char *arg)
{
    return cli_usage_error(cmd, "unexpected argument '%s'", arg);
}

/* --outbound-traffic-policy, as serve and dump both take it. */
int cli_outbound_policy_parse(const char *word, enum outbound_policy *out)
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
int cli_serve_text(int id, const char *arg, struct serve_options *o)
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
    case OPT_ACCESS_LOG_FORMAT:
        field = &o->access_log_format;
        break;
    case OPT_CONFIG_SOURCE:
        field = &o->etcd.url;
        break;
    case OPT_ETCD_CACERT:
        field = &o->etcd.cacert;
        break;
    case OPT_ETCD_CERT:
        field = &o->etcd.cert;
        break;
    case OPT_ETCD_KEY:
        field = &o->etcd.key;
        break;
    case OPT_ETCD_USER:
        field = &o->etcd.user;
        break;
    case OPT_ETCD_PASSWORD_FILE:
        field = &o->etcd.password_file;
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
        if (cli_outbound_policy_parse(arg, &o->outbound_policy) < 0)
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
const char *cli_flag_name(const struct command *c, int id)
{
    for (size_t i = 0; i < c->n_flags; i++)
        if (c->flags[i].id == id)
            return c->flags[i].name;
    return "?";
}

static int run_serve(int argc, char **argv)
{
    const struct command *c = cli_find_command("serve");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    struct serve_options o;
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    serve_options_init(&o);
    const char *config_dir_default = o.config_dir;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *why = NULL;
        if (cli_serve_text(ch, optarg, &o))
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
                return cli_bad_value("serve", cli_flag_name(c, ch), optarg, xstrdup("not files or sds"));
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
                return cli_bad_value("serve", cli_flag_name(c, ch), optarg, why);
            break;
        default:
            return cli_help_or_bad("serve", ch);
        }
    }
    if (optind < argc)
        return cli_unexpected("serve", argv[optind]);
    if (o.etcd.url && o.config_dir != config_dir_default)
        return cli_usage_error("serve", "--config-dir and --config-source: give one or the other");
    int tls = !!o.xds_tls_cert + !!o.xds_tls_key + !!o.xds_tls_ca;
    if (tls != 0 && tls != 3)
        return cli_usage_error("serve", "--xds-tls-cert, --xds-tls-key and --xds-tls-ca go together");
    log_init(level, format);
    return cmd_serve(&o);
}

static int run_validate(int argc, char **argv)
{
    const struct command *c = cli_find_command("validate");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        return cli_help_or_bad("validate", ch);
    }
    if (optind >= argc)
        return cli_usage_error("validate", "no PATH given");
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
    const struct command *c = cli_find_command("dump");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
    struct dump_request d = {.type = "all"};
    struct serve_options o;
    serve_options_init(&o);
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_serve_text(ch, optarg, &o))
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
                return cli_usage_error("dump",
                                       "--type '%s': not listeners, routes, clusters, endpoints, "
                                       "secrets or all",
                                   optarg);
            d.type = optarg;
            break;
        case OPT_OUTBOUND:
            if (cli_outbound_policy_parse(optarg, &o.outbound_policy) < 0)
                return cli_bad_value("dump", cli_flag_name(c, ch), optarg,
                                 xstrdup("not ALLOW_ANY or REGISTRY_ONLY"));
            break;
        default:
            return cli_help_or_bad("dump", ch);
        }
    }
    if (optind < argc)
        return cli_unexpected("dump", argv[optind]);
    if (o.config_dir == NULL)
        return cli_usage_error("dump", "--config-dir is required");
    if (d.proxy == NULL)
        return cli_usage_error("dump", "--proxy is required");
    return cmd_dump(&o, &d);
}

static int run_status(int argc, char **argv)
{
    const struct command *c = cli_find_command("status");
    struct option opts[MAX_FLAGS];
    cli_long_options(c, opts);
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
                return cli_bad_value("status", "debug-addr", optarg, why);
            addr = optarg;
            break;
        case OPT_OUTPUT:
            if (strcmp(optarg, "json") == 0)
                output = STATUS_JSON;
            else if (strcmp(optarg, "table") != 0)
                return cli_bad_value("status", "output", optarg, xstrdup("not table or json"));
            break;
        default:
            return cli_help_or_bad("status", ch);
        }
    }
    if (argc - optind > 1)
        return cli_unexpected("status", argv[optind + 1]);
    return cmd_status(addr, optind < argc ? argv[optind] : NULL, output);
}

static int run_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return show_help("version");
    if (argc > 1)
        return cli_unexpected("version", argv[1]);
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
    const struct command *c = cli_find_command(argv[1]);
    if (c == NULL)
        return cli_usage_error("help", "unknown command '%s'", argv[1]);
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
    const struct command *c = cli_find_command(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "xdsd: unknown command '%s'\nrun 'xdsd help' for the list\n", argv[1]);
        return EXIT_USAGE;
    }
    /* each command parses its own options, with argv[0] its name */
    return c->run(argc - 1, argv + 1);
}
