/* Authentication, as upstream's union of request authenticators: X.509 client certificates
 * verified by the TLS layer against --client-ca-file (user = subject CN, groups = subject O
 * entries), then `Authorization: Bearer` tokens (src/auth/authn.h). A presented token that
 * no authenticator accepts is a 401 even with anonymous requests enabled. */
#include <ctype.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "apiserver/server.h"
#include "auth/authn.h"
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

static int cert_user(ck_apiserver *srv, h2o_socket_t *sock, ck_user *user)
{
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

/* The token of an `Authorization: Bearer TOKEN` header (upstream's bearertoken: trimmed,
 * scheme case-insensitive, split on single spaces), allocated; NULL when there is none. */
static char *bearer_token(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0) return NULL;
    h2o_iovec_t v = req->headers.entries[i].value;
    const char *s = v.base, *e = v.base + v.len;
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    if (e - s < 7 || strncasecmp(s, "bearer ", 7) != 0) return NULL;
    s += 7;
    const char *sp = memchr(s, ' ', (size_t)(e - s));
    size_t n = sp ? (size_t)(sp - s) : (size_t)(e - s);
    return n ? xstrndup(s, n) : NULL;
}

ck_authn_result ck_authenticate(ck_apiserver *srv, h2o_socket_t *sock, h2o_req_t *req,
                                ck_user *user)
{
    if (cert_user(srv, sock, user) == 0) return CK_AUTHN_OK;
    cleanup_free char *token = bearer_token(req);
    if (!token) return CK_AUTHN_NONE;
    json_t *auds = NULL;
    cleanup_free char *msg = NULL;
    bool ok = ck_authn_token(srv, token, NULL, user, &auds, &msg);
    json_decref(auds);
    if (ok) return CK_AUTHN_OK;
    ck_log_error("Unable to authenticate the request: %s", msg);
    return CK_AUTHN_INVALID;
}

void ck_user_clear(ck_user *u)
{
    free(u->name);
    for (char **g = u->groups; g && *g; g++)
        free(*g);
    free(u->groups);
    free(u->uid);
    json_decref(u->extra);
    u->name = NULL;
    u->groups = NULL;
    u->uid = NULL;
    u->extra = NULL;
}
