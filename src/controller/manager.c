/* `ckube controller-manager`: upstream kube-controller-manager's shape. Loads a kubeconfig,
 * optionally wins the kube-system/kube-controller-manager Lease, then starts the enabled
 * controllers on one loop over shared informers. Losing the lease ends the process, as
 * upstream's does, so a standby takes over cleanly. */
#include "controller/manager.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/leader.h"
#include "client/recorder.h"
#include "lib/flags.h"
#include "lib/log.h"
#include "lib/util.h"

bool ck_controller_enabled(const char *list, const ck_controller_def *d)
{
    if (!list || !*list) list = "*";
    bool on = false, star = false;
    cleanup_free char *copy = xstrdup(list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (streq(t, "*")) star = true;
        if (streq(t, d->name)) on = true;
        if (t[0] == '-' && streq(t + 1, d->name)) return false;
    }
    return on || (star && d->on_by_default);
}

/* Unknown names in --controllers are an error, as upstream's validation. */
static int check_names(const char *list)
{
    if (!list) return 0;
    cleanup_free char *copy = xstrdup(list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *n = t[0] == '-' ? t + 1 : t;
        bool known = streq(n, "*");
        for (unsigned i = 0; i < ck_controllers_count && !known; i++)
            known = streq(ck_controllers[i]->name, n);
        if (!known) {
            fprintf(stderr, "Error: \"%s\" is not in the list of known controllers\n", n);
            return -1;
        }
    }
    return 0;
}

typedef struct manager {
    ck_cm_options *opts;
    ck_controller_ctx ctx;
    void **states;
    bool started;
} manager;

static void start_controllers(void *arg)
{
    manager *m = arg;
    if (m->started) return;
    m->started = true;
    m->states = xcalloc(ck_controllers_count + 1, sizeof *m->states);
    for (unsigned i = 0; i < ck_controllers_count; i++) {
        const ck_controller_def *d = ck_controllers[i];
        if (!ck_controller_enabled(m->opts->controllers, d)) {
            ck_log_info("controller-manager: %s is disabled", d->name);
            continue;
        }
        m->states[i] = d->start(&m->ctx);
        ck_log_info("controller-manager: started %s", d->name);
    }
}

static void stopped_leading(void *arg)
{
    manager *m = arg;
    ck_log_error("controller-manager: leaderelection lost");
    ck_loop_stop(m->ctx.loop);
}

int ck_controller_manager_run(ck_cm_options *o, ck_loop *loop, ck_err **err)
{
    ck_kubeconfig kc = {0};
    if (ck_kubeconfig_load(o->kubeconfig, NULL, &kc, err) < 0) return -1;
    ck_client_opts co = {.user_agent = "kube-controller-manager/ckube",
                         .qps = o->kube_api_qps,
                         .burst = o->kube_api_burst};
    ck_client *c = ck_client_new(loop, &kc, &co, err);
    ck_kubeconfig_clear(&kc);
    if (!c) return -1;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    manager m = {.opts = o};
    m.ctx = (ck_controller_ctx){.loop = loop,
                                .client = c,
                                .informers = ck_informer_factory_new(c),
                                .recorder = ck_recorder_new(c, "kube-controller-manager", host),
                                .host = host,
                                .cfg = &o->cfg};
    ck_leader *le = NULL;
    int rc = 0;
    if (o->leader_elect) {
        cleanup_free char *id = ck_leader_identity();
        ck_leader_config lc = {.lease_duration_ms = (uint64_t)o->lease_duration_ms,
                               .renew_deadline_ms = (uint64_t)o->renew_deadline_ms,
                               .retry_period_ms = (uint64_t)o->retry_period_ms,
                               .release_on_cancel = true,
                               .recorder = m.ctx.recorder};
        ck_leader_callbacks cb = {.on_started_leading = start_controllers,
                                  .on_stopped_leading = stopped_leading,
                                  .ctx = &m};
        le = ck_leader_new(c, o->leader_elect_namespace, o->leader_elect_name, id, &lc, &cb, err);
        if (!le) rc = -1;
    } else {
        start_controllers(&m);
    }
    if (rc == 0) ck_loop_run(loop);
    ck_leader_free(le); /* releases the lease if we led (runs the loop) */
    /* Then nothing runs the loop until the controllers and informers are gone. */
    for (unsigned i = 0; m.states && i < ck_controllers_count; i++)
        if (m.states[i] && ck_controllers[i]->stop) ck_controllers[i]->stop(m.states[i]);
    free(m.states);
    ck_informer_factory_free(m.ctx.informers);
    ck_recorder_flush(m.ctx.recorder, 2000);
    ck_recorder_free(m.ctx.recorder);
    ck_client_free(c);
    return rc;
}

void ck_cm_options_init(ck_cm_options *o)
{
    *o = (ck_cm_options){
        .controllers = "*",
        .leader_elect = true,
        .lease_duration_ms = 15000,
        .renew_deadline_ms = 10000,
        .retry_period_ms = 2000,
        .leader_elect_namespace = "kube-system",
        .leader_elect_name = "kube-controller-manager",
        .kube_api_qps = 20,
        .kube_api_burst = 30,
        .cfg = {.node_cidr_mask_size = 24,
                .cluster_signing_duration_ms = 8760LL * 3600 * 1000,
                .node_monitor_grace_period_ms = 50000,
                .node_monitor_period_ms = 5000,
                .node_startup_grace_period_ms = 60000,
                .concurrent_syncs = 5},
    };
}

int ck_cmd_controller_manager(int argc, char **argv)
{
    ck_cm_options o;
    ck_cm_options_init(&o);
    int v = 0;
    const ck_flag flags[] = {
        {"kubeconfig", CK_FLAG_STRING, &o.kubeconfig,
         "Path to kubeconfig file with authorization and master location information."},
        {"controllers", CK_FLAG_STRING, &o.controllers,
         "A list of controllers to enable. '*' enables all on-by-default controllers, 'foo' "
         "enables the controller named 'foo', '-foo' disables the controller named 'foo'."},
        CK_LEADER_ELECT_FLAGS(&o.leader_elect, &o.lease_duration_ms, &o.renew_deadline_ms,
                              &o.retry_period_ms, &o.leader_elect_name, &o.leader_elect_namespace),
        CK_API_CLIENT_FLAGS(&o.kube_api_qps, &o.kube_api_burst),
        {"cluster-cidr", CK_FLAG_STRING, &o.cfg.cluster_cidr,
         "CIDR Range for Pods in cluster. Requires --allocate-node-cidrs to be true"},
        {"allocate-node-cidrs", CK_FLAG_BOOL, &o.cfg.allocate_node_cidrs,
         "Should CIDRs for Pods be allocated and set on the cloud provider."},
        {"node-cidr-mask-size", CK_FLAG_INT, &o.cfg.node_cidr_mask_size,
         "Mask size for node cidr in cluster. Default is 24 for IPv4 and 64 for IPv6."},
        {"service-cluster-ip-range", CK_FLAG_STRING, &o.cfg.service_cluster_ip_range,
         "CIDR Range for Services in cluster."},
        {"cluster-signing-cert-file", CK_FLAG_STRING, &o.cfg.cluster_signing_cert_file,
         "Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped "
         "certificates."},
        {"cluster-signing-key-file", CK_FLAG_STRING, &o.cfg.cluster_signing_key_file,
         "Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped "
         "certificates."},
        {"cluster-signing-duration", CK_FLAG_DURATION, &o.cfg.cluster_signing_duration_ms,
         "The max length of duration signed certificates will be given."},
        {"node-monitor-grace-period", CK_FLAG_DURATION, &o.cfg.node_monitor_grace_period_ms,
         "Amount of time which we allow running Node to be unresponsive before marking it "
         "unhealthy."},
        {"node-monitor-period", CK_FLAG_DURATION, &o.cfg.node_monitor_period_ms,
         "The period for syncing NodeStatus in cloud-node-lifecycle-controller."},
        {"node-startup-grace-period", CK_FLAG_DURATION, &o.cfg.node_startup_grace_period_ms,
         "Amount of time which we allow starting Node to be unresponsive before marking it "
         "unhealthy."},
        {"root-ca-file", CK_FLAG_STRING, &o.cfg.root_ca_file,
         "If set, this root certificate authority will be included in service account's token "
         "secret."},
        {"service-account-private-key-file", CK_FLAG_STRING, &o.sa_private_key_file,
         "Filename containing a PEM-encoded private RSA or ECDSA key used to sign service "
         "account tokens."},
        {"use-service-account-credentials", CK_FLAG_BOOL, &o.use_sa_credentials,
         "If true, use individual service account credentials for each controller."},
        {"bind-address", CK_FLAG_STRING, &o.bind_address,
         "The IP address on which to listen for the --secure-port port.", true},
        {"secure-port", CK_FLAG_INT, &o.secure_port,
         "The port on which to serve HTTPS with authentication and authorization.", true},
        {"v", CK_FLAG_INT, &v, "number for the log level verbosity"},
    };
    ck_command_spec spec = {"ckube controller-manager", "[flags]",
                            "Run the Kubernetes controller manager: the control loops that "
                            "drive the cluster toward its desired state.",
                            flags, ARRAY_SIZE(flags)};
    int pr = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (pr != 0) return pr > 0 ? 0 : 1;
    ck_log_verbosity = v;
    if (!o.kubeconfig) {
        fprintf(stderr, "Error: --kubeconfig is required\n");
        return 1;
    }
    if (check_names(o.controllers) < 0) return 1;
    ck_loop *loop = ck_loop_new();
    ck_loop_handle_signals(loop); /* SIGINT/SIGTERM stop the loop: a clean exit */
    ck_err *err = NULL;
    int rc = ck_controller_manager_run(&o, loop, &err);
    if (rc < 0) fprintf(stderr, "Error: %s\n", err ? err->message : "controller-manager failed");
    ck_err_free(err);
    ck_loop_free(loop);
    return rc < 0 ? 1 : 0;
}
