/* Loading a kubeconfig for one context, as client-go's clientcmd does: pick the context,
 * its cluster and user, read the CA and client credentials from the embedded *-data
 * fields or from files (relative to the kubeconfig's directory), and refuse what it
 * refuses, in its words. Stricter than upstream in one place: a context naming a user that
 * does not exist is an error (upstream silently goes anonymous). */
#include "client/kubeconfig.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define BAD(err, ...) ck_error(err, 400, CK_BAD_REQUEST, __VA_ARGS__)

static void wipe_free(char *s)
{
    if (!s) return;
    explicit_bzero(s, strlen(s));
    free(s);
}

void ck_kubeconfig_clear(ck_kubeconfig *k)
{
    if (!k) return;
    free(k->server);
    free(k->ca_pem);
    free(k->cert_pem);
    wipe_free(k->key_pem);
    wipe_free(k->token);
    free(k->server_name);
    free(k->context);
    free(k->user);
    free(k->cluster);
    free(k->ns);
    memset(k, 0, sizeof *k);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

/* The entry of list `what` ("clusters", "contexts", "users") called name, and its inner
 * object (cluster/context/user); NULL when absent. Duplicate names are refused as
 * clientcmd's conversion does. */
static int find_named(const json_t *doc, const char *what, const char *inner, const char *name,
                      const json_t **out, ck_err **err)
{
    *out = NULL;
    const json_t *list = json_object_get(doc, what);
    if (list && !json_is_array(list) && !json_is_null(list))
        return BAD(err, "%s: expected a list", what);
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        if (!streq(str(e, "name"), name)) continue;
        if (*out) return BAD(err, "duplicate name \"%s\" in list %s", name, what);
        const json_t *v = json_object_get(e, inner);
        *out = v ? v : json_null(); /* an entry without fields still exists */
    }
    return 0;
}

/* dir/path unless path is absolute (or dir is NULL). */
static char *resolve(const char *dir, const char *path)
{
    if (path[0] == '/' || !dir || !*dir) return xstrdup(path);
    return xasprintf("%s/%s", dir, path);
}

/* The bytes of `data_key` (base64) or of the file `file_key` names; *out NULL if neither.
 * what/owner word the errors: "client-cert", user "admin". */
static int material(const json_t *o, const char *data_key, const char *file_key, const char *dir,
                    const char *what, const char *owner, char **out, ck_err **err)
{
    *out = NULL;
    const char *data = str(o, data_key), *file = str(o, file_key);
    if (data && file)
        return BAD(err, "%s and %s are both specified for %s. %s will override.", data_key,
                   file_key, owner, data_key);
    if (data) {
        size_t n, bad = 0;
        unsigned char *b = ck_base64_decode(data, strlen(data), &n, &bad);
        if (!b)
            return BAD(err, "%s for %s: illegal base64 data at input byte %zu", data_key, owner,
                       bad);
        if (memchr(b, 0, n)) {
            free(b);
            return BAD(err, "%s for %s: not PEM text", data_key, owner);
        }
        *out = (char *)b;
        return 0;
    }
    if (file) {
        cleanup_free char *p = resolve(dir, file);
        size_t n;
        char *b = read_file(p, &n);
        if (!b)
            return ck_error(err, errno == ENOENT ? 404 : 400,
                            errno == ENOENT ? CK_NOT_FOUND : CK_BAD_REQUEST,
                            "unable to read %s %s for %s due to open %s: %s", what, p, owner, p,
                            strerror(errno));
        if (memchr(b, 0, n)) {
            free(b);
            return BAD(err, "unable to read %s %s for %s: not PEM text", what, p, owner);
        }
        *out = b;
    }
    return 0;
}

/* The token of a user: tokenFile (as client-go, it wins over token) trimmed, or token. */
static int user_token(const json_t *u, const char *dir, const char *owner, char **out, ck_err **err)
{
    *out = NULL;
    const char *file = str(u, "tokenFile"), *tok = str(u, "token");
    if (file) {
        cleanup_free char *p = resolve(dir, file);
        char *b = read_file(p, NULL);
        if (!b)
            return BAD(err, "unable to read tokenFile %s for %s due to open %s: %s", p, owner, p,
                       strerror(errno));
        size_t n = strlen(b);
        while (n && isspace((unsigned char)b[n - 1]))
            b[--n] = 0;
        char *s = b;
        while (isspace((unsigned char)*s))
            s++;
        *out = xstrdup(s);
        wipe_free(b);
        return 0;
    }
    if (tok) *out = xstrdup(tok);
    return 0;
}

static int load_cluster(const json_t *cl, const char *name, const char *dir, ck_kubeconfig *out,
                        ck_err **err)
{
    cleanup_free char *owner = xasprintf("cluster \"%s\"", name);
    const char *server = str(cl, "server");
    if (!server) return BAD(err, "no server found for cluster \"%s\"", name);
    if (strstr(server, "://"))
        out->server = xstrdup(server);
    else
        out->server = xasprintf("https://%s", server); /* client-go's default scheme */
    size_t n = strlen(out->server);
    while (n > 0 && out->server[n - 1] == '/')
        out->server[--n] = 0;
    if (!has_prefix(out->server, "https://") && !has_prefix(out->server, "http://"))
        return BAD(err, "server %s for cluster \"%s\": only http and https are supported", server,
                   name);
    out->insecure = json_is_true(json_object_get(cl, "insecure-skip-tls-verify"));
    if (str(cl, "tls-server-name")) out->server_name = xstrdup(str(cl, "tls-server-name"));
    if (material(cl, "certificate-authority-data", "certificate-authority", dir,
                 "certificate-authority", owner, &out->ca_pem, err) < 0)
        return -1;
    if (out->insecure && out->ca_pem)
        return BAD(err, "specifying a root certificates file with the insecure flag is not "
                        "allowed");
    return 0;
}

static int load_user(const json_t *u, const char *name, const char *dir, ck_kubeconfig *out,
                     ck_err **err)
{
    cleanup_free char *owner = xasprintf("user \"%s\"", name);
    if (json_object_get(u, "exec") && !json_is_null(json_object_get(u, "exec")))
        return BAD(err, "%s: exec credential plugins are not supported", owner);
    if (json_object_get(u, "auth-provider") && !json_is_null(json_object_get(u, "auth-provider")))
        return BAD(err, "%s: auth-provider plugins are not supported", owner);
    if (str(u, "username") || str(u, "password"))
        return BAD(err, "%s: basic authentication is not supported", owner);
    if (material(u, "client-certificate-data", "client-certificate", dir, "client-cert", owner,
                 &out->cert_pem, err) < 0 ||
        material(u, "client-key-data", "client-key", dir, "client-key", owner, &out->key_pem, err) <
            0)
        return -1;
    if (out->cert_pem && !out->key_pem)
        return BAD(err,
                   "client-key-data or client-key must be specified for %s to use the "
                   "clientCert authentication method.",
                   owner);
    if (out->key_pem && !out->cert_pem)
        return BAD(err,
                   "client-cert-data or client-cert must be specified for %s to use the "
                   "clientCert authentication method.",
                   owner);
    return user_token(u, dir, owner, &out->token, err);
}

static int load(const json_t *doc, const char *dir, const char *context, ck_kubeconfig *out,
                ck_err **err)
{
    if (!json_is_object(doc))
        return BAD(err, "invalid configuration: no configuration has been provided");
    const char *ctx_name = context && *context ? context : str(doc, "current-context");
    if (!ctx_name)
        return BAD(err, "invalid configuration: no context chosen (current-context is "
                        "not set)");
    const json_t *ctx, *cl, *u;
    if (find_named(doc, "contexts", "context", ctx_name, &ctx, err) < 0) return -1;
    if (!ctx) return BAD(err, "context \"%s\" does not exist", ctx_name);
    out->context = xstrdup(ctx_name);
    const char *cluster = str(ctx, "cluster"), *user = str(ctx, "user");
    if (str(ctx, "namespace")) out->ns = xstrdup(str(ctx, "namespace"));
    if (!cluster) return BAD(err, "context \"%s\" has no cluster", ctx_name);
    out->cluster = xstrdup(cluster);
    if (find_named(doc, "clusters", "cluster", cluster, &cl, err) < 0) return -1;
    if (!cl) return BAD(err, "no server found for cluster \"%s\"", cluster);
    if (load_cluster(cl, cluster, dir, out, err) < 0) return -1;
    if (!user) return 0; /* anonymous */
    out->user = xstrdup(user);
    if (find_named(doc, "users", "user", user, &u, err) < 0) return -1;
    if (!u) return BAD(err, "user \"%s\" does not exist (context \"%s\")", user, ctx_name);
    return load_user(u, user, dir, out, err);
}

int ck_kubeconfig_parse(const char *buf, size_t len, const char *dir, const char *context,
                        ck_kubeconfig *out, ck_err **err)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    size_t i = 0;
    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    if (i < len && buf[i] == '{') doc = json_loadb(buf, len, 0, NULL);
    if (!doc && ck_yaml_to_json(buf, len, &doc, err) < 0) return -1;
    int rc = load(doc, dir, context, out, err);
    json_decref(doc);
    if (rc < 0) ck_kubeconfig_clear(out);
    return rc;
}

int ck_kubeconfig_load(const char *path, const char *context, ck_kubeconfig *out, ck_err **err)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf)
        return ck_error(
            err, errno == ENOENT ? 404 : 400, errno == ENOENT ? CK_NOT_FOUND : CK_BAD_REQUEST,
            "error loading config file \"%s\": open %s: %s", path, path, strerror(errno));
    const char *slash = strrchr(path, '/');
    cleanup_free char *dir =
        slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    ck_err *e = NULL;
    int rc = ck_kubeconfig_parse(buf, len, dir, context, out, &e);
    explicit_bzero(buf, len);
    free(buf);
    if (rc < 0) {
        /* Parse errors name the file, as clientcmd's do. */
        if (e && has_prefix(e->message, "error converting YAML"))
            ck_error(err, e->code, e->reason, "error loading config file \"%s\": %s", path,
                     e->message);
        else if (err && !*err)
            *err = steal_pointer(&e);
        ck_err_free(e);
    }
    return rc;
}
