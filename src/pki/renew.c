/* Renews ckube's own serving and admin client certificates while the server runs, so a
 * long-lived cluster does not lose its API at the one-year mark. The tick compares the
 * clock with a remembered due time; certificate files are read only at the first tick,
 * after a renewal, and a minute after a failed attempt. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "apiserver/server.h"
#include "lib/log.h"
#include "lib/util.h"
#include "pki/pki.h"

#define DEFAULT_RENEW_BEFORE (90LL * 24 * 3600) /* like k3s */
#define RETRY_SECS 60

static struct {
    bool started, off;
    long long window; /* renew this many seconds before notAfter */
    time_t serving_due, admin_due;
} st;

static long long renew_window(void)
{
    const char *e = getenv("CKUBE_CERT_RENEW_BEFORE_SECONDS");
    char *end = NULL;
    long long v = e && *e ? strtoll(e, &end, 10) : 0;
    return v > 0 && end && !*end ? v : DEFAULT_RENEW_BEFORE;
}

/* When path's certificate enters the renewal window; on error, a retry time. */
static time_t due_time(const char *path)
{
    time_t na;
    ck_err *err = NULL;
    if (ck_pki_not_after(path, &na, &err) < 0) {
        ck_log_warn("pki: cannot read %s: %s", path, err->message);
        ck_err_free(err);
        return time(NULL) + RETRY_SECS;
    }
    return na - (time_t)st.window;
}

/* The next check after a renewal; a window longer than the lifetime would otherwise
 * re-issue on every tick. */
static time_t next_due(const char *path, time_t now)
{
    time_t due = due_time(path);
    if (due > now) return due;
    ck_log_warn("pki: renewal window %llds is longer than the lifetime of %s", st.window, path);
    return now + RETRY_SECS;
}

/* Loads cert+key into ctx; 0 on success. */
static int load_pair(SSL_CTX *ctx, const char *crt, const char *key)
{
    int ok = SSL_CTX_use_certificate_chain_file(ctx, crt) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;
    return ok ? 0 : -1;
}

/* Serving pair into the live context, after a dry run on a scratch one so a bad pair
 * never replaces the working certificate. */
static int swap_serving(ck_apiserver *srv)
{
    if (!srv->ssl_ctx) return 0;
    SSL_CTX *scratch = SSL_CTX_new(TLS_server_method());
    int rc = scratch ? load_pair(scratch, srv->tls_cert_file, srv->tls_key_file) : -1;
    SSL_CTX_free(scratch);
    if (rc == 0) rc = load_pair(srv->ssl_ctx, srv->tls_cert_file, srv->tls_key_file);
    if (rc < 0) {
        char buf[256] = "unknown OpenSSL error";
        unsigned long e = ERR_peek_last_error();
        if (e) ERR_error_string_n(e, buf, sizeof buf);
        ck_log_error("pki: loading renewed serving certificate %s: %s", srv->tls_cert_file, buf);
    }
    ERR_clear_error();
    return rc;
}

static int write_admin_kubeconfig(ck_apiserver *srv, const char *pkidir, ck_err **err)
{
    const char *host = srv->bind_address;
    if (!host || streq(host, "0.0.0.0") || streq(host, "::")) host = "127.0.0.1";
    cleanup_free char *url = strchr(host, ':')
                                 ? xasprintf("https://[%s]:%d", host, srv->secure_port)
                                 : xasprintf("https://%s:%d", host, srv->secure_port);
    cleanup_free char *kc = xasprintf("%s/admin.kubeconfig", srv->data_dir);
    cleanup_free char *ca = xasprintf("%s/ca.crt", pkidir);
    cleanup_free char *crt = xasprintf("%s/admin.crt", pkidir);
    cleanup_free char *key = xasprintf("%s/admin.key", pkidir);
    return ck_kubeconfig_write(kc, url, "ckube", "admin", ca, crt, key, err);
}

void ck_pki_renew_tick(ck_apiserver *srv)
{
    time_t now = time(NULL);
    if (st.off || (st.started && now < st.serving_due && now < st.admin_due)) return;
    cleanup_free char *pkidir = xasprintf("%s/pki", srv->data_dir);
    cleanup_free char *serving = xasprintf("%s/apiserver.crt", pkidir);
    cleanup_free char *admin = xasprintf("%s/admin.crt", pkidir);
    if (!st.started) {
        st.started = true;
        /* Certificates the user supplied are theirs to renew. */
        if (!srv->tls_cert_file || !streq(srv->tls_cert_file, serving)) {
            st.off = true;
            return;
        }
        st.window = renew_window();
        st.serving_due = due_time(serving);
        st.admin_due = due_time(admin);
        return;
    }
    if (now >= st.serving_due) {
        ck_err *err = NULL;
        if (ck_pki_reissue(pkidir, "apiserver", &err) < 0) {
            ck_log_error("pki: renewing %s: %s", serving, err->message);
            ck_err_free(err);
            st.serving_due = now + RETRY_SECS;
        } else if (swap_serving(srv) < 0) {
            st.serving_due = now + RETRY_SECS;
        } else {
            st.serving_due = next_due(serving, now);
            ck_log_info("pki: renewed serving certificate %s; new connections use it", serving);
        }
    }
    if (now >= st.admin_due) {
        ck_err *err = NULL;
        if (ck_pki_reissue(pkidir, "admin", &err) < 0 ||
            write_admin_kubeconfig(srv, pkidir, &err) < 0) {
            ck_log_error("pki: renewing %s: %s", admin, err->message);
            ck_err_free(err);
            st.admin_due = now + RETRY_SECS;
        } else {
            st.admin_due = next_due(admin, now);
            ck_log_info("pki: renewed admin client certificate %s and %s/admin.kubeconfig", admin,
                        srv->data_dir);
        }
    }
}
