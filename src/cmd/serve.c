/* serve.c - `xdsd serve`: load the directory, translate, serve xDS.
 *
 * Two threads of our own: the main thread runs the xDS server's loop; the
 * config thread waits on the directory watcher and on SIGINT/SIGTERM/SIGHUP
 * (a signalfd), builds a snapshot for each new valid configuration set and
 * hands it to the server. Translation therefore never runs on the xDS loop,
 * except for a proxy class no earlier snapshot had. */
#include "xdsd/commands.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xdsd/config.h"
#include "xdsd/debug.h"
#include "xdsd/etcd_source.h"
#include "xdsd/listen.h"
#include "xdsd/log.h"
#include "xdsd/reload.h"
#include "xdsd/secrets.h"
#include "xdsd/snapshot.h"
#include "xdsd/state.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"
#include "xdsd/xds_server.h"

/* A burst of edits is one reload, but never wait longer than this. */
#define MAX_DEBOUNCE_MS 10000

struct serve {
    const struct serve_options *o;
    struct translate_options topts;
    struct xds_server *srv;
    struct reloader *rl;
    struct etcd_source *es; /* --config-source etcd://: instead of rl */
    struct snapshot *current; /* the last snapshot published, to warm the next */
    struct debug_server *dbg;
    int sigfd;
    char *saved_reason; /* serving the --state-dir copy: why; NULL: the directory */
    struct secrets_source *secrets; /* --secrets-dir, --mesh-certs-mode sds; else NULL */
};

/* note_config() for a configuration in etcd: the same, and the revision,
 * the member in use and why etcd cannot be read, if it cannot. */
static void note_etcd(struct serve *s, struct debug_config_info *info)
{
    debug_config_info_fill(info, s->current ? translate_config(s->current) : NULL,
                           etcd_source_diags(s->es), etcd_source_rejected(s->es));
    if (s->current != NULL && !etcd_source_rejected(s->es)) {
        struct config_diags found = {0};
        translate_findings(s->current, &found);
        debug_config_info_add_diags(info, &found);
        config_diags_release(&found);
    }
    info->reloads_ok = etcd_source_count(s->es, 0);
    info->reloads_rejected = etcd_source_count(s->es, 1);
    info->source = xstrdup("etcd");
    info->source_reason = s->saved_reason ? xstrdup(s->saved_reason) : NULL;
    info->revision = etcd_source_revision(s->es);
    info->source_endpoint = xstrdup(etcd_source_endpoint(s->es));
    const char *err = etcd_source_error(s->es);
    info->source_error = err ? xstrdup(err) : NULL;
    debug_server_set_config(s->dbg, info);
    debug_config_info_release(info);
}

/* Tell the debug endpoint what is served and how the last load attempt went
 * (called on the config thread, and once before it starts). */
static void note_config(struct serve *s)
{
    if (s->dbg == NULL)
        return;
    struct debug_config_info info;
    memset(&info, 0, sizeof(info));
    if (s->es) {
        note_etcd(s, &info);
        return;
    }
    debug_config_info_fill(&info, s->current ? translate_config(s->current) : NULL,
                           reloader_diags(s->rl), reloader_rejected(s->rl));
    if (s->current != NULL && !reloader_rejected(s->rl)) {
        struct config_diags found = {0};
        translate_findings(s->current, &found); /* of the set the reload made */
        secrets_check_refs(s->topts.secrets, translate_config(s->current), &found);
        debug_config_info_add_diags(&info, &found);
        config_diags_release(&found);
    }
    info.reloads_ok = reloader_count(s->rl, 0);
    info.reloads_rejected = reloader_count(s->rl, 1);
    info.source = xstrdup(s->saved_reason ? "state-dir" : "config-dir");
    info.source_reason = s->saved_reason ? xstrdup(s->saved_reason) : NULL;
    debug_server_set_config(s->dbg, &info);
    debug_config_info_release(&info);
    debug_server_set_snapshot(s->dbg, s->current);
}

/* Translate a valid set and publish it, unless the view of a proxy class
 * that is connected or likely (translate_probe_proxies) cannot be built, too
 * large for clients included: then the last good snapshot keeps serving and
 * -1 comes back with the reason in *err. The set keeps its own references. */
static int publish(struct serve *s, struct config_set *cfg, char **err)
{
    uint64_t gen = config_generation(cfg);
    struct snapshot *snap = translate_snapshot(cfg, gen, &s->topts);
    size_t n;
    struct proxy_identity *probes = translate_probe_proxies(cfg, &n);
    /* build the views here, not on the xDS thread */
    int rc = snapshot_prepare(snap, s->current, probes, n, err);
    translate_probe_proxies_free(probes, n);
    if (rc != 0) {
        snapshot_unref(snap);
        return -1;
    }
    struct config_diags found = {0};
    translate_findings(snap, &found); /* once per generation, as the load's own */
    secrets_check_refs(s->topts.secrets, cfg, &found);
    config_diags_log(&found);
    config_diags_release(&found);
    snapshot_unref(s->current);
    s->current = snapshot_ref(snap);
    xds_server_publish(s->srv, snap);
    log_info("configuration generation %llu published", (unsigned long long)gen);
    return 0;
}

/* A new valid set from the directory: publish and save it, or refuse it. */
static int on_new_config(struct serve *s, struct config_set *cfg)
{
    char *err = NULL;
    if (publish(s, cfg, &err) != 0) {
        char *msg = xasprintf("refused at publish: %s", err ? err : "translation failed");
        log_error("configuration generation %llu %s; %s",
                  (unsigned long long)config_generation(cfg), msg,
                  s->current ? "keeping the last good configuration" : "nothing served yet");
        if (s->es)
            etcd_source_refuse(s->es, msg);
        else
            reloader_refuse(s->rl, msg);
        free(msg);
        free(err);
        return -1;
    }
    free(s->saved_reason);
    s->saved_reason = NULL;
    if (s->o->state_dir)
        state_save(s->o->state_dir, cfg);
    return 0;
}

/* Secrets read again (rc of secrets_source_poll): what is served changed,
 * so the same configuration is published with them. Listeners and
 * clusters name secrets, not their content: only Secrets are pushed. */
static void on_secrets(struct serve *s, int rc)
{
    if (rc == 0)
        return;
    s->topts.secrets = secrets_source_current(s->secrets);
    debug_secretz_set(s->topts.secrets);
    char *err = NULL;
    if (rc == 1 && s->current && publish(s, translate_config(s->current), &err) != 0) {
        log_error("secrets changed but cannot be published: %s", err ? err : "unknown error");
        free(err);
    }
}

/* SIGHUP: read the whole directory now, as nginx and HAProxy reload on it. */
static void on_hangup(struct serve *s)
{
    on_secrets(s, secrets_source_poll(s->secrets, now_ms(), 1));
    if (s->es) {
        log_info("SIGHUP: the configuration in etcd is watched, nothing to re-read");
        return;
    }
    log_info("SIGHUP: re-reading the configuration in '%s'", s->o->config_dir);
    struct config_set *cfg = reloader_reread(s->rl, now_ms());
    if (cfg) {
        on_new_config(s, cfg);
        config_unref(cfg);
    } else if (!reloader_rejected(s->rl)) {
        log_info("configuration in '%s' unchanged", s->o->config_dir);
    }
}

/* 1 when the signal says stop. */
static int on_signal(struct serve *s)
{
    struct signalfd_siginfo si;
    if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    if (si.ssi_signo == SIGHUP) {
        on_hangup(s);
        return 0;
    }
    log_info("%s: stopping", strsignal((int)si.ssi_signo));
    xds_server_stop(s->srv);
    return 1;
}

/* The config thread with etcd: read the watch for a short while, then
 * look at the signals; the source waits out its own backoffs. */
static void *etcd_thread(struct serve *s)
{
    for (;;) {
        struct pollfd p = {s->sigfd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && on_signal(s))
            return NULL;
        const char *err_before = etcd_source_error(s->es);
        uint64_t before = etcd_source_count(s->es, 0) + etcd_source_count(s->es, 1);
        struct config_set *cfg = etcd_source_step(s->es, 200);
        /* news for the debug endpoint: a load, or a change of reachability */
        int news = cfg != NULL || err_before != etcd_source_error(s->es) ||
                   before != etcd_source_count(s->es, 0) + etcd_source_count(s->es, 1);
        if (cfg) {
            on_new_config(s, cfg);
            config_unref(cfg);
        }
        if (s->saved_reason && etcd_source_error(s->es) == NULL && !etcd_source_rejected(s->es) &&
            etcd_source_revision(s->es) > 0) {
            /* etcd read and valid again, if unchanged from the saved copy */
            free(s->saved_reason);
            s->saved_reason = NULL;
            news = 1;
        }
        if (news)
            note_config(s);
    }
}

static void *config_thread(void *arg)
{
    struct serve *s = arg;
    if (s->es)
        return etcd_thread(s);
    for (;;) {
        int64_t wait = reloader_timeout_ms(s->rl, now_ms());
        int64_t swait = secrets_source_timeout_ms(s->secrets, now_ms());
        if (swait >= 0 && (wait < 0 || swait < wait))
            wait = swait;
        struct pollfd p[3] = {{reloader_fd(s->rl), POLLIN, 0},
                              {s->sigfd, POLLIN, 0},
                              {secrets_source_fd(s->secrets), POLLIN, 0}};
        if (poll(p, 3, wait < 0 ? -1 : (int)wait) < 0 && errno != EINTR) {
            log_warn("poll");
            continue;
        }
        if ((p[1].revents & POLLIN) && on_signal(s))
            return NULL;
        on_secrets(s, secrets_source_poll(s->secrets, now_ms(), 0));
        struct config_set *cfg = reloader_poll(s->rl, now_ms());
        if (cfg) {
            on_new_config(s, cfg);
            config_unref(cfg);
        }
        if (s->saved_reason && !reloader_rejected(s->rl)) {
            /* the directory is valid again, if unchanged from the saved copy */
            free(s->saved_reason);
            s->saved_reason = NULL;
        }
        /* also after a rejected or unchanged attempt: its findings are news */
        note_config(s);
    }
}

static struct xds_status_report *xds_status(void *srv)
{
    return xds_server_status(srv);
}

static struct xds_status_report *xds_status_brief(void *srv)
{
    return xds_server_status_brief(srv);
}

static int xds_listening(void *srv)
{
    return xds_server_listening(srv);
}

/* The debug endpoint reads copies of the xDS state (xds_server_status) and
 * of the configuration state note_config() hands it. */
static int start_debug(struct serve *s)
{
    if (s->o->debug_listen == NULL || *s->o->debug_listen == '\0')
        return 0;
    struct debug_sources src = {s->srv,           xds_status,    xds_status_report_free,
                                xds_histogram_bounds, xds_listening, xds_status_brief};
    s->dbg = debug_server_start(s->o->debug_listen, &src, NULL);
    if (s->dbg == NULL)
        return -1;
    debug_server_set_serve_options(s->dbg, s->o);
    note_config(s);
    return 0;
}

static void stop_debug(struct serve *s)
{
    debug_server_stop(s->dbg);
    s->dbg = NULL;
}

/* SIGINT, SIGTERM and SIGHUP arrive on a signalfd; blocked before any
 * thread (gRPC's included) starts, so every thread inherits the mask. */
static int block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0)
        log_warn("signalfd");
    return fd;
}

/* Serve the copy an earlier run saved in --state-dir, loudly. */
static int load_saved(struct serve *s)
{
    int64_t saved_ms = 0;
    char *err = NULL;
    struct config_set *cfg = state_load(s->o->state_dir, &saved_ms, &err);
    if (cfg == NULL) {
        log_warnx("no saved configuration to fall back on: %s", err);
        free(err);
        return -1;
    }
    if (s->es)
        etcd_source_adopt(s->es, cfg);
    else
        reloader_adopt(s->rl, cfg);
    if (publish(s, cfg, &err) != 0) {
        log_error("the saved configuration in '%s' cannot be served: %s", s->o->state_dir, err);
        free(err);
        config_unref(cfg);
        return -1;
    }
    char when[32];
    time_t t = (time_t)(saved_ms / 1000);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (s->es) {
        const char *why = etcd_source_error(s->es);
        s->saved_reason = xasprintf("no valid configuration from etcd (%s): serving the last good "
                                    "configuration, saved in '%s/%s' at %s",
                                    why ? why : "its content is invalid", s->o->state_dir,
                                    STATE_FILE, when);
    } else {
        const struct config_diags *d = reloader_diags(s->rl);
        s->saved_reason = xasprintf(
            "the configuration directory '%s' is invalid (%zu errors): serving "
            "the last good configuration, saved in '%s/%s' at %s",
            s->o->config_dir, d->n_errors, s->o->state_dir, STATE_FILE, when);
    }
    log_error("%s", s->saved_reason);
    config_unref(cfg);
    return 0;
}

static void initial_load(struct serve *s)
{
    if (s->es) {
        /* one try at start: if etcd is not there, the config thread goes on */
        struct config_set *cfg = etcd_source_step(s->es, 0);
        int ok = cfg != NULL && on_new_config(s, cfg) == 0;
        config_unref(cfg);
        if (!ok && !(s->o->state_dir && load_saved(s) == 0))
            log_warnx("no valid configuration in etcd yet: waiting for it");
        return;
    }
    struct config_set *cfg = reloader_load_now(s->rl);
    int ok = cfg != NULL && on_new_config(s, cfg) == 0;
    config_unref(cfg);
    if (ok || (s->o->state_dir && load_saved(s) == 0))
        return;
    /* the errors are logged; serve nothing until the directory is fixed */
    log_warnx("no valid configuration in '%s' yet: waiting for changes", s->o->config_dir);
}

/* A --config-dir that is not there at start is most likely a typo: an error,
 * unless the operator said it comes later. One that vanishes later is
 * the reloader's business (the last good configuration keeps serving). */
static int check_config_dir(const struct serve_options *o)
{
    struct stat st;
    if (stat(o->config_dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        log_error("--config-dir '%s': not a directory", o->config_dir);
        return -1;
    }
    if (errno != ENOENT && errno != ENOTDIR)
        return 0; /* e.g. unreadable: the reloader reports it, and retries */
    if (o->allow_missing_config_dir)
        return 0; /* the reloader says it waits, and looks for it every second */
    log_error("--config-dir '%s': no such directory (give --allow-missing-config-dir to "
              "start without it and load it once it appears)",
              o->config_dir);
    return -1;
}

/* Say why an address cannot be listened on, in one line naming the flag,
 * before a library fails on it in its own words. gRPC core prints its error
 * tree on stderr and gives no errno; libmicrohttpd says "port 0" for an
 * address it was handed. A plain bind of our own gives errno; silencing gRPC
 * instead would take its global log function from the whole process. */
static int check_listen(const char *flag, const char *addr)
{
    if (addr == NULL || *addr == '\0' || listen_probe(addr) == 0)
        return 0;
    char why[128];
    log_error("%s %s: %s", flag, addr, lower_first(why, sizeof(why), strerror(errno)));
    return -1;
}

/* Plaintext xDS that other hosts can reach hands every proxy's configuration
 * to any client that asks, as the debug endpoint beyond loopback would. */
static void warn_plaintext(const struct serve_options *o)
{
    if (o->xds_tls_cert == NULL && !listen_is_local(o->xds_listen))
        log_warnx("xds on %s is plaintext and reachable from other hosts: any client can read "
                  "every proxy's configuration (give --xds-tls-cert, --xds-tls-key and "
                  "--xds-tls-ca, or --xds-listen 127.0.0.1:PORT)",
                  o->xds_listen);
}

/* Secrets over SDS: read them before the first configuration is published,
 * and say what plaintext xDS would hand out. */
static int start_secrets(struct serve *s)
{
    const struct serve_options *o = s->o;
    if (o->secrets_dir == NULL && !o->mesh_certs_sds)
        return 0;
    struct stat st;
    if (o->secrets_dir && (stat(o->secrets_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        log_error("--secrets-dir '%s': not a directory", o->secrets_dir);
        return -1;
    }
    s->secrets = secrets_source_new(o->secrets_dir, o->mesh_certs_sds ? o->mesh_certs : NULL,
                                    o->debounce_ms);
    s->topts.secrets = secrets_source_current(s->secrets);
    s->topts.mesh_sds = o->mesh_certs_sds;
    s->topts.insecure_plaintext_secrets = o->insecure_plaintext_secrets;
    debug_secretz_set(s->topts.secrets);
    if (o->insecure_plaintext_secrets)
        log_warnx("--insecure-plaintext-secrets: private keys go over plaintext xDS to any client "
                  "that claims the namespace of their Secret; only for a loopback development "
                  "setup");
    else if (o->xds_tls_cert == NULL)
        log_warnx("xds is plaintext: secrets with private keys are not sent (give --xds-tls-cert, "
                  "--xds-tls-key and --xds-tls-ca, or --insecure-plaintext-secrets)");
    if (o->mesh_certs_sds && o->xds_tls_cert == NULL)
        log_warnx("--mesh-certs-mode sds on plaintext xds: no proxy proves its identity, so none "
                  "gets its 'default' certificate and ISTIO_MUTUAL listeners and clusters wait "
                  "for it (give --xds-tls-cert, --xds-tls-key and --xds-tls-ca)");
    return 0;
}

int cmd_serve(const struct serve_options *o)
{
    if (o->config_dir == NULL && o->etcd.url == NULL) {
        fprintf(stderr, "xdsd serve: no configuration directory: give --config-dir DIR\n");
        return 2;
    }
    if ((o->etcd.url == NULL && check_config_dir(o) != 0) || check_listen("--xds-listen", o->xds_listen) != 0 ||
        check_listen("--debug-listen", o->debug_listen) != 0)
        return 1;
    malloc_keep_for_reuse();
    struct serve s = {.o = o};
    s.topts.outbound_policy = o->outbound_policy;
    s.topts.mesh_certs = o->mesh_certs;
    s.topts.trust_domain = o->trust_domain;
    s.topts.max_response_bytes = (size_t)o->max_response_bytes;
    s.topts.access_log_format = o->access_log_format;
    if (start_secrets(&s) != 0)
        return 1;
    int rc = 1;
    s.sigfd = block_signals();
    if (s.sigfd < 0)
        return 1;
    int64_t max_delay =
        o->debounce_ms * 10 > MAX_DEBOUNCE_MS ? o->debounce_ms * 10 : MAX_DEBOUNCE_MS;
    if (o->etcd.url) {
        char *err = NULL;
        s.es = etcd_source_new(&o->etcd, &err);
        if (s.es == NULL) {
            log_error("--config-source: %s", err);
            free(err);
            goto out_sig;
        }
    } else {
        s.rl = reloader_new(o->config_dir, o->debounce_ms, max_delay);
        if (s.rl == NULL)
            goto out_sig;
    }
    s.srv = xds_server_new(o, NULL);
    if (s.srv == NULL)
        goto out_rl;
    warn_plaintext(o);
    initial_load(&s);
    if (start_debug(&s) != 0)
        goto out_srv;
    pthread_t tid;
    if (pthread_create(&tid, NULL, config_thread, &s) != 0) {
        log_error("cannot start the configuration thread");
        goto out_debug;
    }
    rc = xds_server_run(s.srv);
    pthread_join(tid, NULL);
out_debug:
    stop_debug(&s);
out_srv:
    xds_server_free(s.srv);
    snapshot_unref(s.current);
    free(s.saved_reason);
out_rl:
    reloader_free(s.rl);
    etcd_source_free(s.es);
    debug_secretz_set(NULL);
    secrets_source_free(s.secrets);
out_sig:
    close(s.sigfd);
    return rc;
}
