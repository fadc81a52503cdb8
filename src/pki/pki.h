/* Cluster PKI with OpenSSL 3: a CA, certificates signed by it, and kubeconfig files.
 * Files are PEM; keys are written 0600. */
#ifndef CK_PKI_H
#define CK_PKI_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "lib/err.h"

/* What `ckube server` needs on first start, generated under dir (DIR/pki). */
typedef struct ck_pki_opts {
    const char *dir;            /* DIR/pki */
    const char *const *san_dns; /* NULL-terminated extra DNS SANs for the apiserver */
    const char *const *san_ips; /* NULL-terminated extra IP SANs */
} ck_pki_opts;

/* Creates (or reuses, if present and valid) in opts->dir:
 *   ca.crt ca.key                     cluster CA (CN=ckube-ca), 10 years
 *   apiserver.crt apiserver.key       serving cert, SANs: 127.0.0.1, localhost, hostname,
 *                                     kubernetes, kubernetes.default, kubernetes.default.svc,
 *                                     kubernetes.default.svc.cluster.local + opts SANs
 *   admin.crt admin.key               client cert CN=admin, O=system:masters
 * If the serving cert lacks a requested SAN it is re-issued. */
int ck_pki_ensure(const ck_pki_opts *opts, ck_err **err);

/* Lifetime of leaf certificates ckube issues for itself (serving, admin): 1 year, or
 * CKUBE_CERT_VALIDITY_SECONDS when that is a positive integer (for tests). */
long long ck_pki_leaf_seconds(void);

/* Sets *out to the notAfter of the first PEM certificate in path. */
int ck_pki_not_after(const char *path, time_t *out, ck_err **err);

/* Re-issues DIR/NAME.crt + DIR/NAME.key from DIR/ca.crt + ca.key: a fresh key, the old
 * certificate's subject, SANs and server/client usages, ck_pki_leaf_seconds() of life. */
int ck_pki_reissue(const char *dir, const char *name, ck_err **err);

/* Running-server renewal (src/pki/renew.c): when the serving cert is the generated
 * DATA/pki/apiserver.crt, re-issues it and admin.crt once they are within the renewal
 * window of expiry (90 days; CKUBE_CERT_RENEW_BEFORE_SECONDS overrides, for tests),
 * rewrites DATA/admin.kubeconfig and loads the new serving pair into the live SSL_CTX
 * (new handshakes only). Call often; it reads files only when a renewal is due. */
struct ck_apiserver;
void ck_pki_renew_tick(struct ck_apiserver *srv);

/* Writes a kubeconfig with the CA, client cert and key embedded (base64). */
int ck_kubeconfig_write(const char *path, const char *server_url, const char *cluster_name,
                        const char *user, const char *ca_pem_path, const char *cert_pem_path,
                        const char *key_pem_path, ck_err **err);

/* Issues a cert/key pair from a cfssl-style CSR object. profile: "ca" (self-signed; CA
 * paths NULL), "server", "client", "peer"/"kubernetes". seconds <= 0: CA 10y, leaf 1y.
 * CSR content errors are 422 Invalid; CA file errors 400/404. */
int ck_pki_issue_csr(const json_t *csr, const char *profile, long long seconds,
                     const char *ca_cert_path, const char *ca_key_path, const char *cert_path,
                     const char *key_path, ck_err **err);
/* General kubeconfig writer: client cert+key, or token (not both); context named as given. */
int ck_kubeconfig_write_ex(const char *path, const char *server_url, const char *cluster,
                           const char *context, const char *user, const char *ca_pem_path,
                           const char *cert_pem_path, const char *key_pem_path, const char *token,
                           ck_err **err);

/* `ckube certs ...` subcommand. */
int ck_cmd_certs(int argc, char **argv);

#endif
