/* Unit tests for src/pki: ck_pki_ensure (files, reuse, SANs, re-issue), the admin
 * subject, chain verification, key modes, kubeconfig contents and `ckube certs`. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/util.h"
#include "pki/pki.h"
#include "ut.h"

static char tmp[64];

static char *path_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static X509 *load_cert(const char *dir, const char *name)
{
    cleanup_free char *p = path_in(dir, name);
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

static EVP_PKEY *load_key(const char *dir, const char *name)
{
    cleanup_free char *p = path_in(dir, name);
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    cleanup_free char *p = path_in(dir, name);
    return read_file(p, len);
}

static int file_mode(const char *dir, const char *name)
{
    cleanup_free char *p = path_in(dir, name);
    struct stat st;
    return stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* True when x carries the SAN, walked by hand rather than with X509_check_host. */
static bool has_san(X509 *x, int type, const char *want)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && !found; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != type) continue;
        if (type == GEN_DNS) {
            found = streq((const char *)ASN1_STRING_get0_data(g->d.dNSName), want);
        } else {
            ASN1_OCTET_STRING *w = a2i_IPADDRESS(want);
            found = w && ASN1_STRING_cmp(w, g->d.iPAddress) == 0;
            ASN1_OCTET_STRING_free(w);
        }
    }
    GENERAL_NAMES_free(gens);
    return found;
}

/* Verifies leaf against the CA for an SSL purpose (X509_PURPOSE_SSL_SERVER/CLIENT). */
static int verify(X509 *ca, X509 *leaf, int purpose)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX_init(ctx, store, leaf, NULL);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    int r = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return r;
}

static const char *const extra_dns[] = {"ckube.example.test", NULL};
static const char *const extra_ips[] = {"10.96.0.1", "192.0.2.10", "0.0.0.0", NULL};

static void test_ensure(void)
{
    ck_pki_opts o = {.dir = tmp, .san_dns = extra_dns, .san_ips = extra_ips};
    cleanup_err ck_err *err = NULL;
    CHECK_INT(ck_pki_ensure(&o, &err), 0);
    if (err) fprintf(stderr, "ensure: %s\n", err->message);
    const char *files[] = {"ca.crt",        "ca.key",    "apiserver.crt",
                           "apiserver.key", "admin.crt", "admin.key"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++)
        CHECK(file_mode(tmp, files[i]) >= 0);
    CHECK_INT(file_mode(tmp, "ca.key"), 0600);
    CHECK_INT(file_mode(tmp, "apiserver.key"), 0600);
    CHECK_INT(file_mode(tmp, "admin.key"), 0600);

    X509 *ca = load_cert(tmp, "ca.crt"), *srv = load_cert(tmp, "apiserver.crt");
    X509 *adm = load_cert(tmp, "admin.crt");
    EVP_PKEY *k = load_key(tmp, "apiserver.key");
    CHECK(ca && srv && adm && k);
    if (!ca || !srv || !adm || !k) return;

    CHECK_INT(X509_check_ca(ca), 1);
    CHECK(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
    CHECK(X509_get_key_usage(ca) & KU_CRL_SIGN);
    X509_EXTENSION *bc = X509_get_ext(ca, X509_get_ext_by_NID(ca, NID_basic_constraints, -1));
    CHECK(bc && X509_EXTENSION_get_critical(bc) == 1);
    CHECK_INT(X509_check_ca(srv), 0);
    CHECK(X509_get_extended_key_usage(srv) & XKU_SSL_SERVER);
    CHECK(X509_get_extended_key_usage(adm) & XKU_SSL_CLIENT);
    CHECK(!(X509_get_extended_key_usage(adm) & XKU_SSL_SERVER));
    CHECK(X509_get0_subject_key_id(srv) != NULL);
    CHECK(X509_get0_authority_key_id(srv) != NULL);
    CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(srv), X509_get0_subject_key_id(ca)) ==
          0);
    CHECK(EVP_PKEY_is_a(k, "EC"));
    CHECK_INT(EVP_PKEY_get_bits(k), 256);

    /* Serials: positive, large and distinct. */
    BIGNUM *a = ASN1_INTEGER_to_BN(X509_get0_serialNumber(srv), NULL);
    BIGNUM *b = ASN1_INTEGER_to_BN(X509_get0_serialNumber(adm), NULL);
    CHECK(BN_num_bits(a) > 96 && !BN_is_negative(a));
    CHECK(BN_cmp(a, b) != 0);
    BN_free(a);
    BN_free(b);

    const char *dns[] = {"localhost",
                         "kubernetes",
                         "kubernetes.default",
                         "kubernetes.default.svc",
                         "kubernetes.default.svc.cluster.local",
                         "ckube.example.test"};
    for (size_t i = 0; i < ARRAY_SIZE(dns); i++)
        CHECK(has_san(srv, GEN_DNS, dns[i]));
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    if (*host) CHECK(has_san(srv, GEN_DNS, host));
    CHECK(has_san(srv, GEN_IPADD, "127.0.0.1"));
    CHECK(has_san(srv, GEN_IPADD, "10.96.0.1"));
    CHECK(has_san(srv, GEN_IPADD, "192.0.2.10"));
    CHECK(!has_san(srv, GEN_IPADD, "0.0.0.0"));

    char buf[128];
    X509_NAME *subj = X509_get_subject_name(adm);
    CHECK(X509_NAME_get_text_by_NID(subj, NID_commonName, buf, sizeof buf) > 0);
    CHECK_STR(buf, "admin");
    CHECK(X509_NAME_get_text_by_NID(subj, NID_organizationName, buf, sizeof buf) > 0);
    CHECK_STR(buf, "system:masters");

    CHECK_INT(verify(ca, srv, X509_PURPOSE_SSL_SERVER), 1);
    CHECK_INT(verify(ca, adm, X509_PURPOSE_SSL_CLIENT), 1);
    CHECK(verify(ca, adm, X509_PURPOSE_SSL_SERVER) != 1);
    X509_free(ca);
    X509_free(srv);
    X509_free(adm);
    EVP_PKEY_free(k);
}

static void test_reuse_and_reissue(void)
{
    size_t ca1n, srv1n, adm1n, ca2n, srv2n, adm2n;
    cleanup_free char *ca1 = slurp(tmp, "ca.crt", &ca1n);
    cleanup_free char *srv1 = slurp(tmp, "apiserver.crt", &srv1n);
    cleanup_free char *adm1 = slurp(tmp, "admin.crt", &adm1n);

    ck_pki_opts o = {.dir = tmp, .san_dns = extra_dns, .san_ips = extra_ips};
    cleanup_err ck_err *err = NULL;
    CHECK_INT(ck_pki_ensure(&o, &err), 0);
    cleanup_free char *ca2 = slurp(tmp, "ca.crt", &ca2n);
    cleanup_free char *srv2 = slurp(tmp, "apiserver.crt", &srv2n);
    CHECK(ca1 && ca2 && ca1n == ca2n && memcmp(ca1, ca2, ca1n) == 0);
    CHECK(srv1 && srv2 && srv1n == srv2n && memcmp(srv1, srv2, srv1n) == 0);

    /* A new SAN re-issues the serving cert only, from the same CA. */
    const char *const more_dns[] = {"ckube.example.test", "new.example.test", NULL};
    o.san_dns = more_dns;
    CHECK_INT(ck_pki_ensure(&o, &err), 0);
    cleanup_free char *ca3 = slurp(tmp, "ca.crt", &ca2n);
    cleanup_free char *srv3 = slurp(tmp, "apiserver.crt", &srv2n);
    cleanup_free char *adm3 = slurp(tmp, "admin.crt", &adm2n);
    CHECK(ca3 && memcmp(ca1, ca3, ca1n) == 0);
    CHECK(srv3 && (srv1n != srv2n || memcmp(srv1, srv3, srv1n) != 0));
    CHECK(adm3 && adm1n == adm2n && memcmp(adm1, adm3, adm1n) == 0);
    X509 *ca = load_cert(tmp, "ca.crt"), *srv = load_cert(tmp, "apiserver.crt");
    CHECK(srv && has_san(srv, GEN_DNS, "new.example.test"));
    CHECK(srv && has_san(srv, GEN_DNS, "ckube.example.test"));
    CHECK_INT(verify(ca, srv, X509_PURPOSE_SSL_SERVER), 1);
    X509_free(ca);
    X509_free(srv);
}

static void test_ensure_errors(void)
{
    /* A CA certificate without its key is never silently replaced. */
    cleanup_free char *dir = path_in(tmp, "nokey");
    mkdir(dir, 0700);
    size_t n;
    cleanup_free char *ca = slurp(tmp, "ca.crt", &n);
    cleanup_free char *p = path_in(dir, "ca.crt");
    write_file_atomic(p, ca, n, 0644);
    ck_pki_opts o = {.dir = dir};
    cleanup_err ck_err *err = NULL;
    CHECK_INT(ck_pki_ensure(&o, &err), -1);
    CHECK(err && strstr(err->message, "ca.key"));

    /* A bad SAN is rejected. */
    const char *const bad_ips[] = {"not-an-ip", NULL};
    ck_pki_opts o2 = {.dir = tmp, .san_ips = bad_ips};
    cleanup_err ck_err *err2 = NULL;
    CHECK_INT(ck_pki_ensure(&o2, &err2), -1);
    CHECK(err2 && err2->code == 422);
}

/* The value after "key: " on its line, decoded from base64. */
static char *field_b64(const char *doc, const char *key, size_t *len)
{
    cleanup_free char *needle = xasprintf("%s: ", key);
    const char *p = strstr(doc, needle);
    if (!p) return NULL;
    p += strlen(needle);
    size_t n = strcspn(p, "\n");
    char *out = xmalloc(n);
    int r = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)p, (int)n);
    if (r < 0) {
        free(out);
        return NULL;
    }
    while (n > 0 && p[n - 1] == '=')
        n--, r--;
    *len = (size_t)r;
    return out;
}

static bool same_as_file(const char *doc, const char *key, const char *name)
{
    size_t a, b;
    cleanup_free char *got = field_b64(doc, key, &a);
    cleanup_free char *want = slurp(tmp, name, &b);
    return got && want && a == b && memcmp(got, want, a) == 0;
}

static void test_kubeconfig(void)
{
    cleanup_free char *kc = path_in(tmp, "admin.kubeconfig");
    cleanup_free char *ca = path_in(tmp, "ca.crt");
    cleanup_free char *crt = path_in(tmp, "admin.crt");
    cleanup_free char *key = path_in(tmp, "admin.key");
    cleanup_err ck_err *err = NULL;
    CHECK_INT(
        ck_kubeconfig_write(kc, "https://127.0.0.1:6443", "ckube", "admin", ca, crt, key, &err), 0);
    CHECK_INT(file_mode(tmp, "admin.kubeconfig"), 0600);
    cleanup_free char *doc = slurp(tmp, "admin.kubeconfig", NULL);
    CHECK(doc && strstr(doc, "apiVersion: v1\n"));
    CHECK(doc && strstr(doc, "kind: Config\n"));
    CHECK(doc && strstr(doc, "server: \"https://127.0.0.1:6443\""));
    CHECK(doc && strstr(doc, "current-context: \"ckube\""));
    CHECK(doc && strstr(doc, "- name: \"admin\""));
    CHECK(doc && same_as_file(doc, "certificate-authority-data", "ca.crt"));
    CHECK(doc && same_as_file(doc, "client-certificate-data", "admin.crt"));
    CHECK(doc && same_as_file(doc, "client-key-data", "admin.key"));

    /* Missing files and mismatched pairs are errors, and nothing is written. */
    cleanup_free char *kc2 = path_in(tmp, "bad.kubeconfig");
    cleanup_free char *missing = path_in(tmp, "missing.crt");
    cleanup_free char *srv = path_in(tmp, "apiserver.crt");
    cleanup_err ck_err *e1 = NULL;
    cleanup_err ck_err *e2 = NULL;
    CHECK_INT(ck_kubeconfig_write(kc2, "https://x:6443", "c", "u", missing, crt, key, &e1), -1);
    CHECK(e1 && e1->code == 404);
    CHECK_INT(ck_kubeconfig_write(kc2, "https://x:6443", "c", "u", ca, srv, key, &e2), -1);
    CHECK(e2 && strstr(e2->message, "does not match"));
    CHECK_INT(file_mode(tmp, "bad.kubeconfig"), -1);
}

static int run(char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(stdout);
    return ck_cmd_certs(argc, argv);
}

static void put(const char *name, const char *text)
{
    cleanup_free char *p = path_in(tmp, name);
    write_file_atomic(p, text, strlen(text), 0644);
}

static void test_cli(void)
{
    put("ca-csr.json", "{\"CN\": \"kubernetes\", \"key\": {\"algo\": \"rsa\", \"size\": 2048},"
                       " \"names\": [{\"C\": \"CN\", \"ST\": \"BeiJing\", \"O\": \"k8s\"}],"
                       " \"ca\": {\"expiry\": \"87600h\"}}");
    put("admin-csr.json", "{\"CN\": \"admin\", \"hosts\": [], \"names\": [{\"O\": "
                          "\"system:masters\", \"OU\": \"System\"}]}");
    put("bad.json", "{\"CN\": ");
    put("badalgo.json", "{\"CN\": \"x\", \"key\": {\"algo\": \"dsa\"}}");
    cleanup_free char *out = path_in(tmp, "cli");
    cleanup_free char *ca_csr = path_in(tmp, "ca-csr.json");
    cleanup_free char *adm_csr = path_in(tmp, "admin-csr.json");
    cleanup_free char *bad = path_in(tmp, "bad.json");
    cleanup_free char *badalgo = path_in(tmp, "badalgo.json");
    cleanup_free char *prefix = path_in(out, "ca");
    cleanup_free char *ca_pem = path_in(out, "ca.pem");
    cleanup_free char *ca_key = path_in(out, "ca-key.pem");
    cleanup_free char *adm_prefix = path_in(out, "admin");
    cleanup_free char *adm_pem = path_in(out, "admin.pem");
    cleanup_free char *adm_key = path_in(out, "admin-key.pem");
    cleanup_free char *kc = path_in(out, "bootstrap.kubeconfig");

    CHECK_INT(run((char *[]){"certs", "--help", NULL}), 0);
    CHECK_INT(run((char *[]){"certs", NULL}), 1);
    CHECK_INT(run((char *[]){"certs", "nope", NULL}), 1);
    CHECK_INT(run((char *[]){"certs", "issue", "--help", NULL}), 0);
    CHECK_INT(run((char *[]){"certs", "ca", "--csr", ca_csr, "--out-prefix", prefix, NULL}), 0);
    X509 *ca = load_cert(out, "ca.pem");
    EVP_PKEY *cak = load_key(out, "ca-key.pem");
    CHECK(ca && X509_check_ca(ca) == 1);
    CHECK(cak && EVP_PKEY_is_a(cak, "RSA") && EVP_PKEY_get_bits(cak) == 2048);
    CHECK_INT(file_mode(out, "ca-key.pem"), 0600);

    CHECK_INT(run((char *[]){"certs", "issue", "--ca", ca_pem, "--ca-key", ca_key, "--csr", adm_csr,
                             "--profile", "client", "--out-prefix", adm_prefix, NULL}),
              0);
    X509 *adm = load_cert(out, "admin.pem");
    char buf[128] = "";
    if (adm) X509_NAME_get_text_by_NID(X509_get_subject_name(adm), NID_commonName, buf, sizeof buf);
    CHECK_STR(buf, "admin");
    if (adm)
        X509_NAME_get_text_by_NID(X509_get_subject_name(adm), NID_organizationName, buf,
                                  sizeof buf);
    CHECK_STR(buf, "system:masters");
    CHECK(adm && ca && verify(ca, adm, X509_PURPOSE_SSL_CLIENT) == 1);
    CHECK(adm && !(X509_get_extended_key_usage(adm) & XKU_SSL_SERVER));
    X509_free(adm);
    X509_free(ca);
    EVP_PKEY_free(cak);

    /* Errors: bad JSON, bad key algorithm, unknown profile, missing CA file. */
    char *issue_bad[] = {"certs",  "issue", "--ca", ca_pem,         "--ca-key", ca_key, "--profile",
                         "client", "--csr", bad,    "--out-prefix", adm_prefix, NULL};
    CHECK_INT(run(issue_bad), 1);
    issue_bad[9] = badalgo;
    CHECK_INT(run(issue_bad), 1);
    issue_bad[9] = adm_csr;
    issue_bad[7] = "kubenates";
    CHECK_INT(run(issue_bad), 1);
    issue_bad[7] = "client";
    issue_bad[3] = bad;
    CHECK_INT(run(issue_bad), 1);

    CHECK_INT(run((char *[]){"certs", "kubeconfig", "--server", "https://10.0.0.1:6443", "--ca",
                             ca_pem, "--token", "bfa3cb7f", "--user", "kubelet-bootstrap",
                             "--context", "default", "--out", kc, NULL}),
              0);
    cleanup_free char *doc = read_file(kc, NULL);
    CHECK(doc && strstr(doc, "    token: \"bfa3cb7f\"\n"));
    CHECK(doc && strstr(doc, "current-context: \"default\""));
    CHECK(doc && !strstr(doc, "client-key-data"));
    CHECK_INT(run((char *[]){"certs", "kubeconfig", "--server", "https://10.0.0.1:6443", "--ca",
                             ca_pem, "--cert", adm_pem, "--out", kc, NULL}),
              1);
    CHECK_INT(run((char *[]){"certs", "kubeconfig", "--server", "https://10.0.0.1:6443", "--ca",
                             ca_pem, "--cert", adm_pem, "--key", adm_key, "--out", kc, NULL}),
              0);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ckube-test-pki.XXXXXX");
    if (!mkdtemp(tmp)) return 1;
    test_ensure();
    test_reuse_and_reissue();
    test_ensure_errors();
    test_kubeconfig();
    test_cli();
    cleanup_free char *cmd = xasprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return UT_DONE();
}
