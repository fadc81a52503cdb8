/* The server's own control loops until the controller-manager exists: the bootstrap
 * objects (system namespaces, the `kubernetes` Service and Endpoints), the default
 * ServiceAccount and kube-root-ca.crt ConfigMap in every namespace, and namespace
 * deletion (Terminating, remove content, remove the namespace). */
#ifndef CK_BOOTSTRAP_H
#define CK_BOOTSTRAP_H

#include "apiserver/server.h"

int ck_bootstrap(ck_apiserver *srv, ck_err **err);
void ck_bootstrap_tick(ck_apiserver *srv);

#endif
