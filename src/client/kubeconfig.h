/* Loading a kubeconfig (YAML or JSON, clientcmd's v1 Config) the way client-go does for
 * the current context: server URL, the CA (certificate-authority-data or file), client
 * certificate and key (data or files), bearer token (token or tokenFile),
 * insecure-skip-tls-verify, tls-server-name. Relative file paths are relative to the
 * kubeconfig's directory. */
#ifndef CK_KUBECONFIG_LOAD_H
#define CK_KUBECONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

typedef struct ck_kubeconfig {
    char *server;                        /* "https://127.0.0.1:6443" */
    char *ca_pem;                        /* CA bundle PEM or NULL (system roots) */
    char *cert_pem;                      /* client certificate PEM or NULL */
    char *key_pem;                       /* client key PEM or NULL */
    char *token;                         /* bearer token or NULL */
    char *server_name;                   /* tls-server-name or NULL */
    bool insecure;                       /* insecure-skip-tls-verify */
    char *context, *user, *cluster, *ns; /* names; ns: the context's namespace or NULL */
} ck_kubeconfig;

/* Parses path; `context` NULL means current-context. The strings in *out are owned by it
 * (ck_kubeconfig_clear frees them, wiping the key and token); on failure *out is left
 * empty and *err says what is missing, in clientcmd's words where it has them
 * (`context "x" does not exist`, `no server found for cluster "x"`, `unable to read
 * client-cert ... due to ...`). A server without a scheme gets https://; trailing slashes
 * are dropped. */
int ck_kubeconfig_load(const char *path, const char *context, ck_kubeconfig *out, ck_err **err);
/* The same from memory; relative file paths are resolved against dir (NULL: the working
 * directory). */
int ck_kubeconfig_parse(const char *buf, size_t len, const char *dir, const char *context,
                        ck_kubeconfig *out, ck_err **err);
void ck_kubeconfig_clear(ck_kubeconfig *k);

#endif
