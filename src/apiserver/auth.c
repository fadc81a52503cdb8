/* Authentication: X.509 client certificates verified by the TLS layer against
 * --client-ca-file. The user is the subject CN, the groups are the subject O entries. */
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "apiserver/server.h"
#include "lib/log.h"
#include "lib/util.h"

/* h2o (2.2) keeps the OpenSSL handle in a private struct whose first two members are the
 * SSL_CTX and the SSL. We read it there and check the pair is consistent before use, so a
 * layout change fails closed (the request is anonymous) instead of misbehaving. */
struct h2o_ssl_view {
    SSL_CTX *ctx;
    SSL *ssl;
};

static SSL *socket_ssl(ck_apiserver *srv, h2o_socket_t *sock)
{
    if (!sock || !sock->ssl) return NULL;
    struct h2o_ssl_view *v = (struct h2o_ssl_view *)sock->ssl;
    if (v->ctx != srv->ssl_ctx || !v->ssl || SSL_get_SSL_CTX(v->ssl) != srv->ssl_ctx) {
        static bool warned;
        if (!warned)
            ck_log_error("auth: cannot reach the TLS session; client certificates ignored");
        warned = true;
        return NULL;
    }
    return v->ssl;
}

static char *entry_text(X509_NAME_ENTRY *e)
{
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) return NULL;
    char *s = xstrndup((const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return s;
}

int ck_authenticate(ck_apiserver *srv, h2o_socket_t *sock, h2o_req_t *req, ck_user *user)
{
    (void)req;
    SSL *ssl = socket_ssl(srv, sock);
    if (!ssl) return -1;
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return -1;
    X509_NAME *subj = X509_get_subject_name(cert);
    int i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (i < 0) return -1;
    user->name = entry_text(X509_NAME_get_entry(subj, i));
    if (!user->name || !*user->name) {
        ck_user_clear(user);
        return -1;
    }
    int n = 0;
    for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_organizationName, i)) >= 0;)
        n++;
    user->groups = xcalloc((size_t)n + 2, sizeof(char *));
    n = 0;
    for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_organizationName, i)) >= 0;) {
        char *g = entry_text(X509_NAME_get_entry(subj, i));
        if (g) user->groups[n++] = g;
    }
    user->groups[n] = xstrdup("system:authenticated");
    return 0;
}

void ck_user_clear(ck_user *u)
{
    free(u->name);
    for (char **g = u->groups; g && *g; g++)
        free(*g);
    free(u->groups);
    u->name = NULL;
    u->groups = NULL;
}
