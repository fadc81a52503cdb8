/* The API server process: configuration, state shared by the handlers, and the
 * `ckube server` / `ckube apiserver` / `ckube kubectl` commands. */
#ifndef CK_SERVER_H
#define CK_SERVER_H

#include <h2o.h>
#include <stdbool.h>
#include <stdint.h>

#include "apiserver/http.h"
#include "auth/authz.h"
#include "lib/err.h"
#include "storage/storage.h"

typedef struct ck_cache ck_cache;
typedef struct ck_ipalloc ck_ipalloc;

struct ck_apiserver {
    /* configuration (flags) */
    const char *data_dir;
    int secure_port;
    const char *bind_address;
    const char *advertise_address;
    const char *service_cidr;
    const char *node_port_range;
    const char *tls_cert_file;
    const char *tls_key_file;
    const char *client_ca_file;
    const char *sa_key_file;        /* service-account token signing key (DATA/pki/sa.key) */
    const char *sa_verify_key_file; /* --service-account-key-file; NULL: sa_key_file's */
    const char *token_auth_file;    /* --token-auth-file or NULL */
    bool anonymous_auth;
    int64_t compaction_interval_ms; /* --etcd-compaction-interval; 0 disables */
    const char *authorization_mode; /* --authorization-mode */
    const char *audit_log_path;     /* --audit-log-path ("-": stdout) */
    const char *audit_policy_file;  /* --audit-policy-file */
    int audit_log_maxage, audit_log_maxbackup, audit_log_maxsize; /* days, files, MB */
    const char *encryption_provider_config; /* --encryption-provider-config or NULL */
    bool bootstrap_token_auth;              /* --enable-bootstrap-token-auth */
    const char *cluster_signing_cert_file;  /* CSR signing CA; NULL: no CSR signer */
    const char *cluster_signing_key_file;   /* its key */
    int64_t cluster_signing_duration_ms;    /* --cluster-signing-duration */
    ck_authz_chain authz;
    const char *admission_enable, *admission_disable; /* --enable/--disable-admission-plugins */
    const struct ck_admission_plugin **admission;     /* NULL-terminated, in order */

    /* state */
    ck_store *store;
    ck_cache *cache;
    ck_ipalloc *alloc; /* ClusterIP and NodePort allocators */
    char *ca_pem;      /* cluster CA (for kube-root-ca.crt) */
    SSL_CTX *ssl_ctx;
    struct ck_authn *authn; /* bearer-token authenticators (src/auth/authn.h) */
    struct ck_audit *audit; /* NULL when auditing is off (src/audit/audit.h) */
    h2o_globalconf_t h2o_config;
    h2o_context_t h2o_ctx;
    h2o_evloop_t *loop;
    uint64_t last_tick_ms, last_compact_ms;
    int64_t compact_target; /* revision seen at the last compaction interval */
    int64_t compact_goal;   /* compaction in progress up to this revision */
    int64_t compacting;     /* compacted so far */
    bool ready;
};

typedef enum {
    CK_AUTHN_OK = 0,       /* *user filled */
    CK_AUTHN_NONE = -1,    /* no credentials: anonymous */
    CK_AUTHN_INVALID = -2, /* credentials presented but rejected: 401 */
} ck_authn_result;

/* Authenticates a request: its TLS client certificate (user = CN, groups = O), else an
 * `Authorization: Bearer` token (src/auth/authn.h). */
ck_authn_result ck_authenticate(ck_apiserver *srv, h2o_socket_t *sock, h2o_req_t *req,
                                ck_user *user);
void ck_user_clear(ck_user *u);

/* Hooks the HTTP loop calls: once when serving starts, about every 100 ms, at exit. */
void ck_apiserver_loop_started(ck_apiserver *srv);
void ck_apiserver_tick(ck_apiserver *srv);
void ck_apiserver_shutdown(ck_apiserver *srv);
/* Makes pending writes durable (one fsync for all of them), then releases the responses
 * and watch events that saw them. Called after every loop iteration. */
void ck_apiserver_commit(ck_apiserver *srv);

/* Commands. */
int ck_cmd_server(int argc, char **argv);
int ck_cmd_apiserver(int argc, char **argv);
int ck_cmd_kubectl(int argc, char **argv);

#endif
