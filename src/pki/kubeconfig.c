/* Kubeconfig files: one cluster, one user, one context, with the CA and the client
 * credentials embedded (base64 *-data fields) so the file stands alone. Written 0600. */
#include "pki/pki.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/base64.h"
#include "lib/util.h"

/* A PEM file's bytes, checked to hold what they claim. */
typedef struct pem_file {
    char *data;
    size_t len;
    X509 *cert;    /* parsed, when a certificate was asked for */
    EVP_PKEY *key; /* parsed, when a key was asked for */
} pem_file;

static void pem_file_clear(pem_file *f)
{
    if (f->data) OPENSSL_cleanse(f->data, f->len);
    free(f->data);
    X509_free(f->cert);
    EVP_PKEY_free(f->key);
    memset(f, 0, sizeof *f);
}

static int pem_file_load(pem_file *f, const char *path, bool key, ck_err **err)
{
    if (!(f->data = read_file(path, &f->len)))
        return ck_error(err, errno == ENOENT ? 404 : 500,
                        errno == ENOENT ? CK_NOT_FOUND : CK_INTERNAL, "open %s: %s", path,
                        strerror(errno));
    BIO *b = BIO_new_mem_buf(f->data, (int)f->len);
    if (b && key) f->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    if (b && !key) f->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (key ? !f->key : !f->cert)
        return ck_error(err, 400, CK_BAD_REQUEST, "%s: no PEM %s found", path,
                        key ? "private key" : "certificate");
    return 0;
}

/* s as a YAML double-quoted scalar, so names such as "system:node:a" stay strings. */
static void yq(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* The kubeconfig document; crt and key are NULL for a token user. */
static void emit(FILE *out, const char *server_url, const char *cluster, const char *context,
                 const char *user, const pem_file *ca, const pem_file *crt, const pem_file *key,
                 const char *token)
{
    cleanup_free char *ca64 = ck_base64_encode(ca->data, ca->len, NULL);
    fputs("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n", out);
    fprintf(out, "    certificate-authority-data: %s\n    server: ", ca64);
    yq(out, server_url);
    fputs("\n  name: ", out);
    yq(out, cluster);
    fputs("\ncontexts:\n- context:\n    cluster: ", out);
    yq(out, cluster);
    fputs("\n    user: ", out);
    yq(out, user);
    fputs("\n  name: ", out);
    yq(out, context);
    fputs("\ncurrent-context: ", out);
    yq(out, context);
    fputs("\npreferences: {}\nusers:\n- name: ", out);
    yq(out, user);
    fputs("\n  user:\n", out);
    if (!crt) {
        fputs("    token: ", out);
        yq(out, token);
        fputc('\n', out);
    } else {
        cleanup_free char *crt64 = ck_base64_encode(crt->data, crt->len, NULL);
        char *key64 = ck_base64_encode(key->data, key->len, NULL);
        fprintf(out, "    client-certificate-data: %s\n    client-key-data: %s\n", crt64, key64);
        OPENSSL_cleanse(key64, strlen(key64));
        free(key64);
    }
}

/* The general form behind ck_kubeconfig_write: the user authenticates with either a client
 * certificate and key (cert_pem_path/key_pem_path) or a bearer token, never both. The CA
 * file must hold a certificate, and the client key must match the client certificate. */
int ck_kubeconfig_write_ex(const char *path, const char *server_url, const char *cluster,
                           const char *context, const char *user, const char *ca_pem_path,
                           const char *cert_pem_path, const char *key_pem_path, const char *token,
                           ck_err **err)
{
    if (!server_url || !(has_prefix(server_url, "https://") || has_prefix(server_url, "http://")))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "server \"%s\" is not a URL such as https://10.0.0.1:6443",
                        server_url ? server_url : "");
    if (!cluster || !*cluster || !user || !*user || !context || !*context)
        return ck_error(err, 400, CK_BAD_REQUEST, "cluster, context and user names are required");
    bool use_token = token && *token;
    if (use_token ? cert_pem_path || key_pem_path : !(cert_pem_path && key_pem_path))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "give either a client certificate and key, or a token");

    pem_file ca = {0}, crt = {0}, key = {0};
    int rc = -1;
    char *buf = NULL;
    size_t buflen = 0;
    if (pem_file_load(&ca, ca_pem_path, false, err) < 0) goto out;
    if (!use_token) {
        if (pem_file_load(&crt, cert_pem_path, false, err) < 0 ||
            pem_file_load(&key, key_pem_path, true, err) < 0)
            goto out;
        if (X509_check_private_key(crt.cert, key.key) != 1) {
            ERR_clear_error();
            ck_error(err, 400, CK_BAD_REQUEST, "key %s does not match certificate %s", key_pem_path,
                     cert_pem_path);
            goto out;
        }
    }

    FILE *out = open_memstream(&buf, &buflen);
    if (!out) {
        ck_error(err, 500, CK_INTERNAL, "kubeconfig: %s", strerror(errno));
        goto out;
    }
    emit(out, server_url, cluster, context, user, &ca, use_token ? NULL : &crt,
         use_token ? NULL : &key, token);
    if (fclose(out) != 0) {
        ck_error(err, 500, CK_INTERNAL, "kubeconfig: %s", strerror(errno));
        goto out;
    }
    if (write_file_atomic(path, buf, buflen, 0600) < 0) {
        ck_error(err, 500, CK_INTERNAL, "write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (buf) OPENSSL_cleanse(buf, buflen);
    free(buf);
    pem_file_clear(&ca);
    pem_file_clear(&crt);
    pem_file_clear(&key);
    return rc;
}

int ck_kubeconfig_write(const char *path, const char *server_url, const char *cluster_name,
                        const char *user, const char *ca_pem_path, const char *cert_pem_path,
                        const char *key_pem_path, ck_err **err)
{
    return ck_kubeconfig_write_ex(path, server_url, cluster_name, cluster_name, user, ca_pem_path,
                                  cert_pem_path, key_pem_path, NULL, err);
}
