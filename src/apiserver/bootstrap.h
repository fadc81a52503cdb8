/* The server's own control loops until the controller-manager exists: the bootstrap
 * objects (system namespaces, the `kubernetes` Service and Endpoints), the default
 * ServiceAccount and kube-root-ca.crt ConfigMap in every namespace, and namespace
 * deletion (Terminating, remove content, remove the namespace). */
#ifndef CK_BOOTSTRAP_H
#define CK_BOOTSTRAP_H

#include "apiserver/server.h"

int ck_bootstrap(ck_apiserver *srv, ck_err **err);
void ck_bootstrap_tick(ck_apiserver *srv);
/* CSR auto-approval and signing with the cluster CA (csr_signer.c); a no-op without
 * srv->cluster_signing_cert_file (`ckube apiserver`). */
void ck_csr_signer_tick(ck_apiserver *srv);
/* The token cleaner and bootstrap signer, and kube-public/cluster-info (bootstrap_tokens.c):
 * expired kube-system bootstrap token Secrets are deleted, cluster-info keeps one
 * jws-kubeconfig-<id> per valid signing token. Same no-op condition as the CSR signer. */
void ck_bootstrap_tokens_tick(ck_apiserver *srv);

#endif
