/* `ckube server` and `ckube apiserver`: flags, PKI, storage, cache, then the HTTP loop. */
#include "apiserver/server.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apiserver/bootstrap.h"
#include "apiserver/cache.h"
#include "admission/admission.h"
#include "apiserver/watch.h"
#include "audit/audit.h"
#include "auth/authn.h"
#include "lib/flags.h"
#include "lib/log.h"
#include "lib/util.h"
#include "pki/pki.h"
#include "pki/sajwt.h"
#include "registry/registry.h"
#include "storage/encrypted.h"

#define COMPACT_STEP 2000

/* First usable address of the service range: the `kubernetes` Service's ClusterIP. */
int ck_service_first_ip(const char *cidr, char out[64]);

/* The --authorization-mode chain; with RBAC, upstream's bootstrap policy is reconciled
 * first (as upstream's rbac/bootstrap-roles post-start hook does). */
static int setup_authz(ck_apiserver *srv, ck_err **err)
{
    if (ck_authz_chain_parse(srv, srv->authorization_mode, &srv->authz) < 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid --authorization-mode %s",
                        srv->authorization_mode);
    for (unsigned i = 0; i < srv->authz.n; i++)
        if (streq(srv->authz.items[i]->name, "RBAC") && ck_rbac_bootstrap(srv) < 0)
            return ck_error(err, 500, CK_INTERNAL, "reconciling the RBAC bootstrap policy failed");
    return 0;
}

/* --encryption-provider-config: wraps the store so the configured resources are encrypted at
 * rest (src/storage/encrypted.c); nothing above storage sees ciphertext. */
static int setup_encryption(ck_apiserver *srv, ck_err **err)
{
    ck_encryption_config *cfg = NULL;
    if (!srv->encryption_provider_config) return 0;
    if (ck_encryption_config_load(srv->encryption_provider_config, &cfg, err) < 0) return -1;
    srv->store = ck_store_encrypted_wrap(srv->store, cfg);
    return 0;
}

static int start(ck_apiserver *srv)
{
    ck_err *err = NULL;
    ck_registry_init();
    /* Token authenticators; service-account tokens verify with the public half of the
     * signing key unless --service-account-key-file names another key. */
    const char *sa_pub = srv->sa_verify_key_file ? srv->sa_verify_key_file : srv->sa_key_file;
    if (!(srv->authn = ck_authn_new(srv->token_auth_file, sa_pub, &err))) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        free(srv->ca_pem);
        return 1;
    }
    cleanup_free char *dbdir = xasprintf("%s/db", srv->data_dir);
    if (mkdir_p(dbdir, 0700) < 0) {
        ck_log_error("cannot create %s: %s", dbdir, strerror(errno));
        return 1;
    }
    cleanup_free char *dbpath = xasprintf("%s/state.db", dbdir);
    if (ck_store_sqlite_open(dbpath, &srv->store, &err) < 0 || setup_encryption(srv, &err) < 0 ||
        ck_cache_open(srv->store, &srv->cache, &err) < 0 || ck_bootstrap(srv, &err) < 0 ||
        setup_authz(srv, &err) < 0 ||
        ck_admission_setup(srv, srv->admission_enable, srv->admission_disable, &err) < 0 ||
        ck_audit_setup(srv, &err) < 0 || ck_http_serve(srv, &err) < 0) {
        ck_log_error("%s", err ? err->message : "startup failed");
        ck_err_free(err);
        ck_audit_teardown(srv);
        ck_authz_chain_free(&srv->authz);
        ck_admission_free(srv);
        ck_cache_free(srv->cache);
        if (srv->store) srv->store->ops->close(srv->store);
        free(srv->ca_pem);
        ck_authn_free(srv->authn);
        return 1;
    }
    ck_audit_teardown(srv);
    ck_authz_chain_free(&srv->authz);
    ck_admission_free(srv);
    ck_cache_free(srv->cache);
    srv->store->ops->close(srv->store);
    free(srv->ca_pem);
    ck_authn_free(srv->authn);
    return 0;
}

void ck_apiserver_commit(ck_apiserver *srv)
{
    ck_store *st = srv->store;
    if (st->ops->pending && st->ops->pending(st)) {
        ck_err *err = NULL;
        if (st->ops->flush(st, &err) < 0) {
            /* The writes already served from memory are lost: stop rather than lie. */
            ck_log_error("storage commit failed, stopping: %s", err->message);
            abort();
        }
    }
    ck_http_release();
    ck_watch_release(srv);
    if (srv->audit) ck_audit_flush(srv->audit);
}

void ck_apiserver_loop_started(ck_apiserver *srv)
{
    srv->ready = true;
    if (srv->store->ops->set_group_commit) srv->store->ops->set_group_commit(srv->store, true);
    srv->last_compact_ms = now_ms();
    srv->compact_target = ck_cache_rev(srv->cache);
}

void ck_apiserver_tick(ck_apiserver *srv)
{
    uint64_t now = now_ms();
    if (now - srv->last_tick_ms < 100) return;
    srv->last_tick_ms = now;
    ck_watch_tick(srv);
    ck_bootstrap_tick(srv);
    ck_bootstrap_tokens_tick(srv);
    ck_pki_renew_tick(srv);
    /* Like upstream, compact every 5 minutes up to the revision seen 5 minutes ago; the
     * work is spread over ticks, COMPACT_STEP revisions at a time, so the loop never
     * stalls for long. */
    ck_store *st = srv->store;
    int64_t done = st->ops->compacted_rev(st);
    if (srv->compacting < srv->compact_goal && srv->compacting >= done) {
        int64_t step =
            srv->compact_goal - done > COMPACT_STEP ? done + COMPACT_STEP : srv->compact_goal;
        ck_err *err = NULL;
        if (st->ops->compact(st, step, &err) < 0) {
            ck_log_warn("compaction to %lld: %s", (long long)step, err->message);
            srv->compact_goal = done; /* try again at the next interval */
        }
        srv->compacting = st->ops->compacted_rev(st);
        ck_err_free(err);
    }
    if (srv->compaction_interval_ms > 0 &&
        now - srv->last_compact_ms >= (uint64_t)srv->compaction_interval_ms) {
        if (srv->compact_target > done) {
            srv->compact_goal = srv->compact_target;
            srv->compacting = done;
        }
        srv->compact_target = ck_cache_rev(srv->cache);
        srv->last_compact_ms = now;
    }
}

void ck_apiserver_shutdown(ck_apiserver *srv)
{
    ck_watch_shutdown(srv);
}

static int setup_pki(ck_apiserver *srv, const char *data_dir)
{
    cleanup_free char *pkidir = xasprintf("%s/pki", data_dir);
    if (mkdir_p(pkidir, 0700) < 0) {
        fprintf(stderr, "Error: cannot create %s: %s\n", pkidir, strerror(errno));
        return -1;
    }
    char svcip[64] = "";
    if (ck_service_first_ip(srv->service_cidr, svcip) < 0) {
        fprintf(stderr, "Error: invalid --service-cluster-ip-range %s\n", srv->service_cidr);
        return -1;
    }
    const char *ips[4] = {svcip, NULL, NULL, NULL};
    int n = 1;
    if (srv->bind_address && !streq(srv->bind_address, "0.0.0.0") &&
        !streq(srv->bind_address, "::"))
        ips[n++] = srv->bind_address;
    if (srv->advertise_address) ips[n++] = srv->advertise_address;
    ck_pki_opts o = {.dir = pkidir, .san_ips = ips};
    ck_err *err = NULL;
    if (ck_pki_ensure(&o, &err) < 0) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        return -1;
    }
    if (ck_sa_key_ensure(pkidir, &err) < 0) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        return -1;
    }
    static char cert[4096], key[4096], ca[4096], sakey[4096];
    snprintf(sakey, sizeof sakey, "%s/sa.key", pkidir);
    if (!srv->sa_key_file) srv->sa_key_file = sakey;
    snprintf(cert, sizeof cert, "%s/apiserver.crt", pkidir);
    snprintf(key, sizeof key, "%s/apiserver.key", pkidir);
    snprintf(ca, sizeof ca, "%s/ca.crt", pkidir);
    if (!srv->tls_cert_file) srv->tls_cert_file = cert;
    if (!srv->tls_key_file) srv->tls_key_file = key;
    if (!srv->client_ca_file) srv->client_ca_file = ca;

    const char *host = srv->bind_address;
    if (!host || streq(host, "0.0.0.0") || streq(host, "::")) host = "127.0.0.1";
    cleanup_free char *url = strchr(host, ':')
                                 ? xasprintf("https://[%s]:%d", host, srv->secure_port)
                                 : xasprintf("https://%s:%d", host, srv->secure_port);
    cleanup_free char *kc = xasprintf("%s/admin.kubeconfig", data_dir);
    cleanup_free char *acrt = xasprintf("%s/admin.crt", pkidir);
    cleanup_free char *akey = xasprintf("%s/admin.key", pkidir);
    if (ck_kubeconfig_write(kc, url, "ckube", "admin", ca, acrt, akey, &err) < 0) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        return -1;
    }
    return 0;
}

static int load_ca(ck_apiserver *srv)
{
    srv->ca_pem = read_file(srv->client_ca_file, NULL);
    if (!srv->ca_pem) {
        fprintf(stderr, "Error: cannot read --client-ca-file %s: %s\n", srv->client_ca_file,
                strerror(errno));
        return -1;
    }
    return 0;
}

static void defaults(ck_apiserver *srv)
{
    srv->secure_port = 6443;
    srv->bind_address = "0.0.0.0";
    srv->service_cidr = "10.0.0.0/24";
    srv->node_port_range = "30000-32767";
    srv->data_dir = "/var/lib/ckube";
    srv->anonymous_auth = true;
    srv->compaction_interval_ms = 5 * 60 * 1000;
}

/* Flags `ckube server` and `ckube apiserver` share, bound to an ck_apiserver named srv. */
#define SERVING_FLAGS(srv)                                                                         \
    {"secure-port", CK_FLAG_INT, &(srv).secure_port,                                               \
     "The port on which to serve HTTPS (default 6443)"},                                           \
        {"bind-address", CK_FLAG_STRING, &(srv).bind_address,                                      \
         "The IP address on which to listen (default 0.0.0.0)"},                                   \
        {"advertise-address", CK_FLAG_STRING, &(srv).advertise_address,                            \
         "The IP address on which to advertise the apiserver to members of the cluster"},          \
        {"service-cluster-ip-range", CK_FLAG_STRING, &(srv).service_cidr,                          \
         "A CIDR notation IP range from which to assign service cluster IPs (default "             \
         "10.0.0.0/24)"},                                                                          \
        {"service-node-port-range", CK_FLAG_STRING, &(srv).node_port_range,                        \
         "A port range to reserve for services with NodePort visibility (default 30000-32767)"},   \
        {"token-auth-file", CK_FLAG_STRING, &(srv).token_auth_file,                                \
         "If set, the file that will be used to secure the secure port of the API server via "     \
         "token authentication (token,user,uid,\"group1,group2\")"},                               \
        {"service-account-key-file", CK_FLAG_STRING, &(srv).sa_verify_key_file,                    \
         "PEM-encoded key used to verify ServiceAccount tokens (default: the public half of the "  \
         "signing key, DATA/pki/sa.key)"},                                                         \
        {"enable-admission-plugins", CK_FLAG_STRING, &(srv).admission_enable,                      \
         "Admission plugins to enable in addition to the default ones (comma list)"},              \
        {"disable-admission-plugins", CK_FLAG_STRING, &(srv).admission_disable,                    \
         "Admission plugins to disable although on by default (comma list)"},                      \
        {"authorization-mode", CK_FLAG_STRING, &(srv).authorization_mode,                          \
         "Ordered list of plug-ins to do authorization: AlwaysAllow, AlwaysDeny, Node, RBAC "      \
         "(ckube server: Node,RBAC; ckube apiserver: AlwaysAllow, as upstream)"},                  \
        {"audit-log-path", CK_FLAG_STRING, &(srv).audit_log_path,                                  \
         "If set, all requests coming to the apiserver will be logged to this file. '-' means "    \
         "standard out."},                                                                         \
        {"audit-log-maxage", CK_FLAG_INT, &(srv).audit_log_maxage,                                 \
         "The maximum number of days to retain old audit log files based on the timestamp "        \
         "encoded in their filename."},                                                            \
        {"audit-log-maxbackup", CK_FLAG_INT, &(srv).audit_log_maxbackup,                           \
         "The maximum number of old audit log files to retain. Setting a value of 0 will mean "    \
         "there's no restriction on the number of files."},                                        \
        {"audit-log-maxsize", CK_FLAG_INT, &(srv).audit_log_maxsize,                               \
         "The maximum size in megabytes of the audit log file before it gets rotated (0: 100)."},  \
        {"audit-policy-file", CK_FLAG_STRING, &(srv).audit_policy_file,                            \
         "Path to the file that defines the audit policy configuration (audit.k8s.io/v1 "          \
         "Policy); without it no events are recorded."},                                           \
        {"encryption-provider-config", CK_FLAG_STRING, &(srv).encryption_provider_config,          \
         "The file containing configuration for encryption providers to be used for storing "      \
         "secrets in etcd"},                                                                       \
        {"enable-bootstrap-token-auth", CK_FLAG_BOOL, &(srv).bootstrap_token_auth,                 \
         "Enable to allow secrets of type 'bootstrap.kubernetes.io/token' in the 'kube-system' "   \
         "namespace to be used for TLS bootstrapping authentication (ckube server: true)"},        \
    {                                                                                              \
        "etcd-compaction-interval", CK_FLAG_DURATION, &(srv).compaction_interval_ms,               \
            "The interval of compaction requests. If 0, the compaction request from apiserver is " \
            "disabled. (default 5m0s)"                                                             \
    }

int ck_cmd_server(int argc, char **argv)
{
    ck_apiserver srv = {0};
    defaults(&srv);
    srv.authorization_mode = "Node,RBAC";
    srv.bootstrap_token_auth = true;
    srv.cluster_signing_duration_ms = 8760LL * 3600 * 1000;
    bool disable_agent = false;
    int v = 0;
    const ck_flag flags[] = {
        {"data-dir", CK_FLAG_STRING, &srv.data_dir,
         "Folder to hold state (default /var/lib/ckube)"},
        SERVING_FLAGS(srv),
        {"cluster-signing-cert-file", CK_FLAG_STRING, &srv.cluster_signing_cert_file,
         "PEM-encoded X509 CA certificate used to issue cluster-scoped certificates (default "
         "DATA/pki/ca.crt)"},
        {"cluster-signing-key-file", CK_FLAG_STRING, &srv.cluster_signing_key_file,
         "PEM-encoded private key used to sign cluster-scoped certificates (default "
         "DATA/pki/ca.key)"},
        {"cluster-signing-duration", CK_FLAG_DURATION, &srv.cluster_signing_duration_ms,
         "The max length of duration signed certificates will be given (default 8760h0m0s)"},
        {"disable-agent", CK_FLAG_BOOL, &disable_agent,
         "Do not run the node agent (kubelet, proxy) in this process"},
        {"v", CK_FLAG_INT, &v, "Log level verbosity"},
    };
    const ck_command_spec spec = {"ckube server", "[flags]",
                                  "Run a ckube server: the Kubernetes API server on the embedded "
                                  "SQLite store, with its PKI and admin kubeconfig.",
                                  flags, ARRAY_SIZE(flags)};
    int rc = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc > 0 ? 0 : 1;
    ck_log_verbosity = v;
    if (!disable_agent)
        ck_log_info(
            "server: the node agent is not implemented yet; running the control plane only");
    if (mkdir_p(srv.data_dir, 0700) < 0) {
        fprintf(stderr, "Error: cannot create %s: %s\n", srv.data_dir, strerror(errno));
        return 1;
    }
    if (setup_pki(&srv, srv.data_dir) < 0 || load_ca(&srv) < 0) return 1;
    cleanup_free char *sign_crt = xasprintf("%s/pki/ca.crt", srv.data_dir);
    cleanup_free char *sign_key = xasprintf("%s/pki/ca.key", srv.data_dir);
    if (!srv.cluster_signing_cert_file) srv.cluster_signing_cert_file = sign_crt;
    if (!srv.cluster_signing_key_file) srv.cluster_signing_key_file = sign_key;
    return start(&srv);
}

int ck_cmd_apiserver(int argc, char **argv)
{
    ck_apiserver srv = {0};
    defaults(&srv);
    srv.authorization_mode = "AlwaysAllow";
    int v = 0;
    bool b = false;
    const char *s = NULL;
    const ck_flag flags[] = {
        SERVING_FLAGS(srv),
        {"tls-cert-file", CK_FLAG_STRING, &srv.tls_cert_file,
         "File containing the default x509 certificate for HTTPS"},
        {"tls-private-key-file", CK_FLAG_STRING, &srv.tls_key_file,
         "File containing the default x509 private key matching --tls-cert-file"},
        {"anonymous-auth", CK_FLAG_BOOL, &srv.anonymous_auth,
         "Enables anonymous requests (user system:anonymous); when false they get 401 (default "
         "true)"},
        {"client-ca-file", CK_FLAG_STRING, &srv.client_ca_file,
         "Client certificates signed by this CA are authenticated (user = CN, groups = O)"},
        {"data-dir", CK_FLAG_STRING, &srv.data_dir,
         "Folder of the embedded SQLite store and generated PKI when --etcd-servers is not set "
         "(ckube; default /var/lib/ckube)"},
        {"v", CK_FLAG_INT, &v, "Log level verbosity"},
        {"logtostderr", CK_FLAG_BOOL, &b, "Log to standard error (always, in ckube)"},
        {"allow-privileged", CK_FLAG_BOOL, &b,
         "If true, allow privileged containers (enforced by the kubelet)"},
        {"etcd-servers", CK_FLAG_STRING, &s, "List of etcd servers to connect with", true},
        {"etcd-cafile", CK_FLAG_STRING, &s,
         "SSL Certificate Authority file used to secure etcd communication", true},
        {"etcd-certfile", CK_FLAG_STRING, &s,
         "SSL certification file used to secure etcd communication", true},
        {"etcd-keyfile", CK_FLAG_STRING, &s, "SSL key file used to secure etcd communication",
         true},
        {"kubelet-client-certificate", CK_FLAG_STRING, &s,
         "Client certificate for kubelet connections", true},
        {"kubelet-client-key", CK_FLAG_STRING, &s, "Client key for kubelet connections", true},
        {"log-dir", CK_FLAG_STRING, &s, "If non-empty, write log files in this directory", true},
    };
    const ck_command_spec spec = {"ckube apiserver", "[flags]",
                                  "The Kubernetes API server: validates and configures data for "
                                  "the api objects, with the upstream flags.",
                                  flags, ARRAY_SIZE(flags)};
    int rc = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc > 0 ? 0 : 1;
    ck_log_verbosity = v;
    if (!srv.tls_cert_file != !srv.tls_key_file) {
        fprintf(stderr,
                "Error: --tls-cert-file and --tls-private-key-file must be given together\n");
        return 1;
    }
    if (mkdir_p(srv.data_dir, 0700) < 0) {
        fprintf(stderr, "Error: cannot create %s: %s\n", srv.data_dir, strerror(errno));
        return 1;
    }
    /* Without serving certs, generate the cluster PKI like `ckube server` does. */
    if ((!srv.tls_cert_file || !srv.client_ca_file) && setup_pki(&srv, srv.data_dir) < 0) return 1;
    if (load_ca(&srv) < 0) return 1;
    return start(&srv);
}

int ck_cmd_kubectl(int argc, char **argv)
{
    const char *kc = getenv("KUBECONFIG");
    char *own = NULL;
    if (!kc || !*kc) {
        const char *dir = getenv("CKUBE_DATA_DIR");
        own = xasprintf("%s/admin.kubeconfig", dir && *dir ? dir : "/var/lib/ckube");
        if (access(own, R_OK) != 0) {
            fprintf(stderr,
                    "Error: %s: %s (is `ckube server` running? set CKUBE_DATA_DIR or KUBECONFIG)\n",
                    own, strerror(errno));
            free(own);
            return 1;
        }
        setenv("KUBECONFIG", own, 1);
    }
    const char *bin = access("/usr/bin/kubectl", X_OK) == 0 ? "/usr/bin/kubectl" : "kubectl";
    char **args = xcalloc((size_t)argc + 1, sizeof(char *));
    args[0] = (char *)"kubectl";
    for (int i = 1; i < argc; i++)
        args[i] = argv[i];
    execvp(bin, args);
    fprintf(stderr, "Error: cannot run kubectl: %s\n", strerror(errno));
    free(args);
    free(own);
    return 127;
}
