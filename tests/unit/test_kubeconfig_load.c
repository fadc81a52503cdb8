/* Loading kubeconfigs (src/client/kubeconfig.c): the admin.kubeconfig ckube writes, the
 * tutorial's shapes (file paths relative to the kubeconfig, tokens), JSON, and errors
 * worded like clientcmd's. */
#include <stdlib.h>
#include <unistd.h>

#include "client/kubeconfig.h"
#include "lib/util.h"
#include "pki/pki.h"
#include "ut.h"

static char tmp[64];

static char *put(const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", tmp, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static char *slurp(const char *name)
{
    cleanup_free char *p = xasprintf("%s/%s", tmp, name);
    return read_file(p, NULL);
}

/* Loads text (written to tmp/name) and returns the error message, or NULL on success. */
static char *load_err(const char *name, const char *text, const char *context, ck_kubeconfig *k)
{
    cleanup_free char *p = put(name, text);
    ck_err *err = NULL;
    ck_kubeconfig scratch;
    int rc = ck_kubeconfig_load(p, context, k ? k : &scratch, &err);
    if (!k) ck_kubeconfig_clear(&scratch);
    char *msg = rc < 0 ? xstrdup(err ? err->message : "(no message)") : NULL;
    ck_err_free(err);
    return msg;
}

#define CHECK_ERR(name, text, ctx, want)                                                           \
    do {                                                                                           \
        char *m_ = load_err(name, text, ctx, NULL);                                                \
        CHECK_STR(m_, want);                                                                       \
        free(m_);                                                                                  \
    } while (0)

static void test_ckube_admin(void)
{
    cleanup_free char *pki = xasprintf("%s/pki", tmp);
    ck_pki_opts o = {.dir = pki};
    ck_err *err = NULL;
    CHECK_INT(ck_pki_ensure(&o, &err), 0);
    cleanup_free char *kc = xasprintf("%s/admin.kubeconfig", tmp);
    cleanup_free char *ca = xasprintf("%s/ca.crt", pki);
    cleanup_free char *crt = xasprintf("%s/admin.crt", pki);
    cleanup_free char *key = xasprintf("%s/admin.key", pki);
    CHECK_INT(
        ck_kubeconfig_write(kc, "https://127.0.0.1:6443", "ckube", "admin", ca, crt, key, &err), 0);
    ck_err_free(err);
    err = NULL;
    ck_kubeconfig k;
    CHECK_INT(ck_kubeconfig_load(kc, NULL, &k, &err), 0);
    CHECK_STR(k.server, "https://127.0.0.1:6443");
    cleanup_free char *ca_text = slurp("pki/ca.crt");
    cleanup_free char *crt_text = slurp("pki/admin.crt");
    cleanup_free char *key_text = slurp("pki/admin.key");
    CHECK_STR(k.ca_pem, ca_text);
    CHECK_STR(k.cert_pem, crt_text);
    CHECK_STR(k.key_pem, key_text);
    CHECK(k.token == NULL && k.ns == NULL && !k.insecure && k.server_name == NULL);
    CHECK(k.cluster && k.user && k.context);
    ck_kubeconfig_clear(&k);
    ck_err_free(err);

    /* The same credentials as files named relative to the kubeconfig's directory. */
    cleanup_free char *rel = put("rel.kubeconfig", "apiVersion: v1\n"
                                                   "clusters:\n"
                                                   "- cluster: \n"
                                                   "    certificate-authority: pki/ca.crt\n"
                                                   "    server: https://10.0.0.1:6443 \t#master\n"
                                                   "  name: kubernetes\n"
                                                   "contexts:\n"
                                                   "- context:\n"
                                                   "    cluster: kubernetes\n"
                                                   "    user: kube-proxy\n"
                                                   "    namespace: kube-system\n"
                                                   "  name: default\n"
                                                   "current-context: default\n"
                                                   "kind: Config\n"
                                                   "preferences: {}\n"
                                                   "users:\n"
                                                   "- name: kube-proxy\n"
                                                   "  user:\n"
                                                   "    client-certificate: pki/admin.crt\n"
                                                   "    client-key: pki/admin.key\n");
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir("/") == 0); /* relative to the file, not to the working directory */
    err = NULL;
    CHECK_INT(ck_kubeconfig_load(rel, NULL, &k, &err), 0);
    CHECK(chdir(cwd) == 0);
    CHECK_STR(k.server, "https://10.0.0.1:6443");
    CHECK_STR(k.ca_pem, ca_text);
    CHECK_STR(k.cert_pem, crt_text);
    CHECK_STR(k.key_pem, key_text);
    CHECK_STR(k.ns, "kube-system");
    CHECK_STR(k.context, "default");
    CHECK_STR(k.user, "kube-proxy");
    CHECK_STR(k.cluster, "kubernetes");
    ck_kubeconfig_clear(&k);
    ck_err_free(err);

    /* Absolute paths too, and ck_kubeconfig_parse with a directory. */
    cleanup_free char *abs = xasprintf("clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                                       "    certificate-authority: %s\n"
                                       "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                                       "current-context: x\n"
                                       "users:\n- name: u\n  user:\n"
                                       "    client-certificate: ../pki/admin.crt\n"
                                       "    client-key: ../pki/admin.key\n",
                                       ca);
    cleanup_free char *sub = xasprintf("%s/sub", tmp);
    CHECK(mkdir_p(sub, 0700) == 0);
    err = NULL;
    CHECK_INT(ck_kubeconfig_parse(abs, strlen(abs), sub, NULL, &k, &err), 0);
    if (err) fprintf(stderr, "parse: %s\n", err->message);
    CHECK_STR(k.ca_pem, ca_text);
    CHECK_STR(k.key_pem, key_text);
    ck_kubeconfig_clear(&k);
    ck_err_free(err);
}

static void test_tokens(void)
{
    /* The tutorial's bootstrap.kubeconfig shape (CA file absolute, token). */
    cleanup_free char *ca = put("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END "
                                          "CERTIFICATE-----\n");
    cleanup_free char *text = xasprintf("apiVersion: v1\n"
                                        "clusters:\n"
                                        "- cluster: \n"
                                        "    certificate-authority: %s\n"
                                        "    server: https://192.168.31.24:6443\n"
                                        "  name: kubernetes\n"
                                        "contexts:\n"
                                        "- context:\n"
                                        "    cluster: kubernetes\n"
                                        "    user: kubelet-bootstrap\n"
                                        "  name: default\n"
                                        "current-context: default\n"
                                        "kind: Config\n"
                                        "preferences: {}\n"
                                        "users:\n"
                                        "- name: kubelet-bootstrap\n"
                                        "  user:\n"
                                        "    token: bfa3cb7f6f21f87e5c0e5f25e6cfedad\n",
                                        ca);
    ck_kubeconfig k;
    char *m = load_err("bootstrap.kubeconfig", text, NULL, &k);
    CHECK(m == NULL);
    free(m);
    CHECK_STR(k.token, "bfa3cb7f6f21f87e5c0e5f25e6cfedad");
    CHECK(k.cert_pem == NULL && k.key_pem == NULL);
    CHECK(k.ca_pem && strstr(k.ca_pem, "BEGIN CERTIFICATE"));
    ck_kubeconfig_clear(&k);

    /* tokenFile (trimmed), insecure, tls-server-name, no scheme, a trailing slash. */
    cleanup_free char *tf = put("token.txt", "  s3cret\n\n");
    m = load_err("tf.kubeconfig",
                 "clusters:\n- name: c\n  cluster:\n    server: 127.0.0.1:6443/\n"
                 "    insecure-skip-tls-verify: true\n    tls-server-name: kubernetes\n"
                 "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                 "current-context: x\n"
                 "users:\n- name: u\n  user:\n    tokenFile: token.txt\n",
                 NULL, &k);
    CHECK(m == NULL);
    free(m);
    CHECK_STR(k.token, "s3cret");
    CHECK_STR(k.server, "https://127.0.0.1:6443");
    CHECK_STR(k.server_name, "kubernetes");
    CHECK(k.insecure);
    ck_kubeconfig_clear(&k);

    /* JSON, an anonymous user, an explicit context. */
    m = load_err("kc.json",
                 "{\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"http://h:8080\"}}],\n"
                 "\t\"contexts\":[{\"name\":\"a\",\"context\":{\"cluster\":\"c\"}},"
                 "{\"name\":\"b\",\"context\":{\"cluster\":\"c\",\"namespace\":\"n\"}}],"
                 "\"current-context\":\"a\"}",
                 "b", &k);
    CHECK(m == NULL);
    free(m);
    CHECK_STR(k.server, "http://h:8080");
    CHECK_STR(k.context, "b");
    CHECK_STR(k.ns, "n");
    CHECK(k.user == NULL && k.token == NULL);
    ck_kubeconfig_clear(&k);
}

static void test_errors(void)
{
    static const char base[] = "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
                               "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                               "users:\n- name: u\n  user: {token: t}\n";
    cleanup_free char *cur = xasprintf("%scurrent-context: x\n", base);
    CHECK_ERR("e1", cur, "nope", "context \"nope\" does not exist");
    CHECK_ERR("e2", base, NULL,
              "invalid configuration: no context chosen (current-context is not set)");
    CHECK_ERR("e3",
              "contexts:\n- name: x\n  context: {cluster: gone, user: u}\ncurrent-context: x\n",
              NULL, "no server found for cluster \"gone\"");
    CHECK_ERR("e4",
              "clusters:\n- name: c\n  cluster: {certificate-authority-data: eA==}\n"
              "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n",
              NULL, "no server found for cluster \"c\"");
    CHECK_ERR("e5",
              "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
              "contexts:\n- name: x\n  context: {cluster: c, user: who}\ncurrent-context: x\n",
              NULL, "user \"who\" does not exist (context \"x\")");
    cleanup_free char *missing = xasprintf("%s/nowhere/ca.crt", tmp);
    cleanup_free char *want = xasprintf("unable to read certificate-authority %s for cluster "
                                        "\"c\" due to open %s: No such file or directory",
                                        missing, missing);
    CHECK_ERR("e6",
              "clusters:\n- name: c\n  cluster: {server: 'https://h:1', "
              "certificate-authority: nowhere/ca.crt}\n"
              "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n",
              NULL, want);
    static const char ctx[] = "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
                              "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                              "current-context: x\n";
    cleanup_free char *e7 = xasprintf("%susers:\n- name: u\n  user: {client-certificate-data: "
                                      "eA==}\n",
                                      ctx);
    CHECK_ERR("e7", e7, NULL,
              "client-key-data or client-key must be specified for user \"u\" to use the "
              "clientCert authentication method.");
    cleanup_free char *e8 = xasprintf("%susers:\n- name: u\n  user: {client-certificate-data: "
                                      "eA==, client-certificate: a.crt, client-key-data: eA==}\n",
                                      ctx);
    CHECK_ERR("e8", e8, NULL,
              "client-certificate-data and client-certificate are both specified for user "
              "\"u\". client-certificate-data will override.");
    cleanup_free char *e9 = xasprintf("%susers:\n- name: u\n  user: {client-certificate-data: "
                                      "'eA=*', client-key-data: eA==}\n",
                                      ctx);
    CHECK_ERR("e9", e9, NULL,
              "client-certificate-data for user \"u\": illegal base64 data at input byte 3");
    cleanup_free char *e10 = xasprintf("%susers:\n- name: u\n  user:\n    exec: {command: "
                                       "aws}\n",
                                       ctx);
    CHECK_ERR("e10", e10, NULL, "user \"u\": exec credential plugins are not supported");
    CHECK_ERR("e11",
              "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
              "contexts:\n- name: x\n  context: {cluster: c}\n- name: x\n  context: {cluster: "
              "c}\ncurrent-context: x\n",
              NULL, "duplicate name \"x\" in list contexts");
    char *m = load_err("e12", "clusters: [\n", NULL, NULL);
    cleanup_free char *prefix = xasprintf("error loading config file \"%s/e12\": ", tmp);
    CHECK(m && has_prefix(m, prefix));
    free(m);
    ck_kubeconfig k;
    ck_err *err = NULL;
    cleanup_free char *none = xasprintf("%s/absent", tmp);
    CHECK_INT(ck_kubeconfig_load(none, NULL, &k, &err), -1);
    cleanup_free char *want2 = xasprintf("error loading config file \"%s\": open %s: No such "
                                         "file or directory",
                                         none, none);
    CHECK_STR(err ? err->message : NULL, want2);
    ck_err_free(err);
    ck_kubeconfig_clear(&k);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ckube-kc-XXXXXX");
    if (!mkdtemp(tmp)) return 1;
    test_ckube_admin();
    test_tokens();
    test_errors();
    cleanup_free char *rm = xasprintf("rm -rf %s", tmp);
    if (system(rm) != 0) return 1;
    return UT_DONE();
}
