/* The bootstrap-token controllers of `ckube server` (upstream's pkg/controller/bootstrap):
 * the token cleaner deletes kube-system Secrets of type bootstrap.kubernetes.io/token whose
 * data.expiration has passed (or does not parse); the bootstrap signer keeps one
 * `jws-kubeconfig-<token-id>` detached JWS in kube-public/cluster-info per valid token with
 * usage-bootstrap-signing "true" and drops the others. Like `kubeadm init` (its
 * bootstrap-token phase), the server also creates cluster-info when it is missing, with the
 * cluster CA and the advertised server URL, and the kubeadm:bootstrap-signer-clusterinfo
 * Role and RoleBinding that let system:anonymous read it. */
#include "apiserver/bootstrap_tokens.h"
#include "apiserver/bootstrap.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <time.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "auth/authn.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/util.h"
#include "pki/sajwt.h"

#define TOKEN_TYPE "bootstrap.kubernetes.io/token"
#define TOKEN_NS "kube-system"
#define NAME_PREFIX "bootstrap-token-"
#define PUBLIC_NS "kube-public"
#define CLUSTER_INFO "cluster-info"
#define SIG_PREFIX "jws-kubeconfig-"
#define CLUSTER_INFO_RBAC "kubeadm:bootstrap-signer-clusterinfo"
#define CONTROLLER_MANAGER "kube-controller-manager"
#define PASS_INTERVAL_MS 1000
#define RETRY_SECS 10 /* upstream's cleaner worker runs every 10 s */

char *ck_bootstrap_jws(const char *content, size_t n, const char *token_id,
                       const char *token_secret)
{
    /* go-jose refuses HS256 keys under 32 bytes, so upstream pads the secret with zeros. */
    unsigned char key[64] = {0};
    size_t klen = strlen(token_secret);
    const unsigned char *k = (const unsigned char *)token_secret;
    if (klen < 32) {
        memcpy(key, token_secret, klen);
        k = key;
        klen = 32;
    }
    /* encoding/json writes the protected header with its keys sorted. */
    cleanup_free char *hdr = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\"}", token_id);
    cleanup_free char *h64 = ck_b64url((const unsigned char *)hdr, strlen(hdr));
    cleanup_free char *p64 = ck_b64url((const unsigned char *)content, n);
    cleanup_free char *input = xasprintf("%s.%s", h64, p64);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    if (!HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)input, strlen(input), mac, &mlen))
        return NULL;
    cleanup_free char *s64 = ck_b64url(mac, mlen);
    return xasprintf("%s..%s", h64, s64);
}

/* ---- the token Secrets ---- */

/* What the controllers need from one token Secret. */
typedef struct token {
    ck_obj *obj;
    char id[7];    /* from the name; "" when the name is not bootstrap-token-[a-z0-9]{6} */
    char *secret;  /* data.token-secret when the Secret may sign, else NULL */
    bool expired;  /* data.expiration passed or unparseable */
    long long exp; /* data.expiration in Unix seconds, LLONG_MAX when unset */
} token;

typedef struct token_vec {
    token *v;
    size_t n, cap;
} token_vec;

static bool collect_tokens(ck_obj *o, void *ctx)
{
    token_vec *l = ctx;
    if (!streq(ck_obj_field(o, "type"), TOKEN_TYPE)) return true;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (token){.obj = ck_obj_ref(o)};
    return true;
}

/* bootstrapsecretutil.GetData: the decoded data[key], "" when absent (allocated). */
static char *data_value(const json_t *secret, const char *key)
{
    const char *b64 = ck_obj_str(json_object_get(secret, "data"), key);
    unsigned char *v = b64 ? ck_base64_decode(b64, strlen(b64), NULL, NULL) : NULL;
    return v ? (char *)v : xstrdup("");
}

static bool lower_alnum6(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) return false;
    return s[6] == 0;
}

/* GetExpiration and validateSecretForSigning for one Secret at time now. */
static void inspect(token *t, long long now)
{
    json_t *doc = ck_obj_parse(t->obj);
    cleanup_free char *exp = data_value(doc, "expiration");
    t->exp = LLONG_MAX;
    if (*exp) t->expired = ck_rfc3339_parse(exp, &t->exp) < 0 || now >= t->exp;
    const char *name = t->obj->name;
    if (has_prefix(name, NAME_PREFIX) && lower_alnum6(name + strlen(NAME_PREFIX)))
        memcpy(t->id, name + strlen(NAME_PREFIX), 7);
    cleanup_free char *id = data_value(doc, "token-id");
    cleanup_free char *usage = data_value(doc, "usage-bootstrap-signing");
    char *secret = data_value(doc, "token-secret");
    if (*t->id && streq(id, t->id) && *secret && !t->expired && streq(usage, "true"))
        t->secret = secret;
    else
        free(secret);
    json_decref(doc);
}

/* TokenCleaner.evalSecret for an expired Secret: delete it if its UID is still the one
 * seen; NotFound and Conflict mean someone else got there first. False when the delete
 * failed otherwise (the caller retries later). */
static bool delete_expired(ck_apiserver *srv, ck_rtype *rt, const ck_obj *o)
{
    json_t *opts = o->uid ? json_pack("{s:{s:s}}", "preconditions", "uid", o->uid) : NULL;
    ck_written w = {0};
    ck_err *err = NULL;
    ck_log_v(3, "Deleting expired secret %s/%s", o->ns, o->name);
    bool ok = ck_objstore_delete(srv, rt, o, opts, NULL, &w, &err) == 0 || err->code == 404 ||
              err->code == 409;
    if (!ok) ck_log_warn("token cleaner: deleting secret %s/%s: %s", o->ns, o->name, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(opts);
    return ok;
}

/* ---- cluster-info ---- */

/* The URL nodes should use: the address and port of the `kubernetes` Endpoints, which
 * bootstrap.c fills from --advertise-address, a routable --bind-address or this host's
 * first non-loopback IPv4 address (kubeadm uses its advertise address the same way). */
static char *server_url(ck_apiserver *srv)
{
    ck_rtype *rt = ck_registry_find("", "v1", "endpoints");
    ck_obj *o = rt ? ck_cache_get(srv->cache, rt, "default", "kubernetes") : NULL;
    json_t *doc = o ? ck_obj_parse(o) : NULL;
    const json_t *sub = json_array_get(json_object_get(doc, "subsets"), 0);
    const char *ip = ck_obj_str(json_array_get(json_object_get(sub, "addresses"), 0), "ip");
    const json_t *port = ck_obj_get(json_array_get(json_object_get(sub, "ports"), 0), "port");
    if (!ip) ip = "127.0.0.1";
    long long p = json_is_integer(port) ? json_integer_value(port) : srv->secure_port;
    char *url = strchr(ip, ':') ? xasprintf("https://[%s]:%lld", ip, p)
                                : xasprintf("https://%s:%lld", ip, p);
    json_decref(doc);
    return url;
}

/* The kubeconfig kubeadm writes into cluster-info: clientcmd.Write of a Config holding
 * only the cluster, named "". */
static char *cluster_info_kubeconfig(ck_apiserver *srv)
{
    const char *ca = srv->ca_pem ? srv->ca_pem : "";
    cleanup_free char *ca64 = ck_base64_encode(ca, strlen(ca), NULL);
    cleanup_free char *url = server_url(srv);
    return xasprintf("apiVersion: v1\n"
                     "clusters:\n"
                     "- cluster:\n"
                     "    certificate-authority-data: %s\n"
                     "    server: %s\n"
                     "  name: \"\"\n"
                     "contexts: null\n"
                     "current-context: \"\"\n"
                     "kind: Config\n"
                     "preferences: {}\n"
                     "users: null\n",
                     ca64, url);
}

/* Creates obj (stolen) unless group/plural kube-public/<its name> exists. */
static void create_missing(ck_apiserver *srv, const char *group, const char *plural, json_t *obj)
{
    ck_rtype *rt = ck_registry_find(group, "v1", plural);
    const char *name = ck_obj_str(obj, "metadata.name");
    if (rt && !ck_cache_get(srv->cache, rt, PUBLIC_NS, name)) {
        ck_write_opts o = {.field_manager = "kube-apiserver", .operation = "Update"};
        ck_written w = {0};
        ck_err *err = NULL;
        if (ck_objstore_create(srv, rt, PUBLIC_NS, obj, &o, &w, &err) < 0)
            ck_log_warn("bootstrap signer: creating %s %s/%s: %s", plural, PUBLIC_NS, name,
                        err->message);
        ck_err_free(err);
        ck_written_clear(&w);
    }
    json_decref(obj);
}

/* kubeadm's CreateBootstrapConfigMapIfNotExists and CreateClusterInfoRBACRules, done once
 * when cluster-info is missing: an administrator may remove the RBAC objects afterwards. */
static void create_cluster_info(ck_apiserver *srv)
{
    ck_rtype *nsrt = ck_registry_find("", "v1", "namespaces");
    ck_obj *ns = nsrt ? ck_cache_get(srv->cache, nsrt, NULL, PUBLIC_NS) : NULL;
    if (!ns || streq(ck_obj_field(ns, "status.phase"), "Terminating")) return;
    cleanup_free char *kc = cluster_info_kubeconfig(srv);
    create_missing(srv, "", "configmaps",
                   json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind",
                             "ConfigMap", "metadata", "name", CLUSTER_INFO, "namespace", PUBLIC_NS,
                             "data", "kubeconfig", kc));
    create_missing(srv, "rbac.authorization.k8s.io", "roles",
                   json_pack("{s:s, s:s, s:{s:s, s:s}, s:[{s:[s], s:[s], s:[s], s:[s]}]}",
                             "apiVersion", "rbac.authorization.k8s.io/v1", "kind", "Role",
                             "metadata", "name", CLUSTER_INFO_RBAC, "namespace", PUBLIC_NS, "rules",
                             "verbs", "get", "apiGroups", "", "resources", "configmaps",
                             "resourceNames", CLUSTER_INFO));
    create_missing(srv, "rbac.authorization.k8s.io", "rolebindings",
                   json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s}]}",
                             "apiVersion", "rbac.authorization.k8s.io/v1", "kind", "RoleBinding",
                             "metadata", "name", CLUSTER_INFO_RBAC, "namespace", PUBLIC_NS,
                             "roleRef", "apiGroup", "rbac.authorization.k8s.io", "kind", "Role",
                             "name", CLUSTER_INFO_RBAC, "subjects", "apiGroup",
                             "rbac.authorization.k8s.io", "kind", "User", "name",
                             "system:anonymous"));
}

/* Signer.signConfigMap: recomputes every signature and writes the ConfigMap back only if
 * one changed, appeared or went away. */
static void sign_cluster_info(ck_apiserver *srv, const token_vec *tokens)
{
    ck_rtype *rt = ck_registry_find("", "v1", "configmaps");
    ck_obj *o = rt ? ck_obj_ref(ck_cache_get(srv->cache, rt, PUBLIC_NS, CLUSTER_INFO)) : NULL;
    if (!o) return;
    json_t *doc = ck_obj_parse(o);
    json_t *data = json_object_get(doc, "data");
    const char *content = ck_obj_str(data, "kubeconfig");
    if (!content) goto out;
    size_t clen = json_string_length(json_object_get(data, "kubeconfig"));
    json_t *old = json_object(); /* token id -> signature found */
    const char *key;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(data, tmp, key, v) if (has_prefix(key, SIG_PREFIX))
    {
        json_object_set(old, key + strlen(SIG_PREFIX), v);
        json_object_del(data, key);
    }
    bool changed = false;
    for (size_t i = 0; i < tokens->n; i++) {
        const token *t = &tokens->v[i];
        if (!t->secret) continue;
        char *sig = ck_bootstrap_jws(content, clen, t->id, t->secret);
        if (!sig) {
            ck_log_warn("bootstrap signer: cannot sign with token %s", t->id);
            continue;
        }
        changed |= !streq(json_string_value(json_object_get(old, t->id)), sig);
        json_object_del(old, t->id);
        char *k = xasprintf(SIG_PREFIX "%s", t->id);
        json_object_set_new(data, k, json_string(sig));
        free(k);
        free(sig);
    }
    changed |= json_object_size(old) > 0;
    json_decref(old);
    if (changed) {
        ck_write_opts wo = {.field_manager = CONTROLLER_MANAGER, .operation = "Update"};
        ck_written w = {0};
        ck_err *err = NULL;
        if (ck_objstore_update(srv, rt, o, doc, &wo, &w, &err) < 0 && err->code != 404 &&
            err->code != 409)
            ck_log_warn("bootstrap signer: updating %s/%s: %s", PUBLIC_NS, CLUSTER_INFO,
                        err->message);
        ck_err_free(err);
        ck_written_clear(&w);
    }
out:
    json_decref(doc);
    ck_obj_unref(o);
}

void ck_bootstrap_tokens_tick(ck_apiserver *srv)
{
    /* A pass follows writes (token Secrets, cluster-info) and the earliest expiration seen,
     * at most once a second: with no writes and no token due, the tick costs nothing. One
     * server per process. */
    static int64_t seen_rev = -1;
    static long long due = LLONG_MAX;
    static uint64_t last_ms;
    if (!srv->cluster_signing_cert_file || !srv->ready) return;
    long long now = (long long)time(NULL);
    int64_t rev = ck_cache_rev(srv->cache);
    uint64_t ms = now_ms();
    if ((rev == seen_rev && now < due) || ms - last_ms < PASS_INTERVAL_MS) return;
    seen_rev = rev;
    last_ms = ms;
    due = LLONG_MAX;
    ck_rtype *rt = ck_registry_find("", "v1", "secrets");
    if (!rt) return;
    token_vec l = {0};
    ck_cache_each(srv->cache, rt, TOKEN_NS, NULL, collect_tokens, &l);
    for (size_t i = 0; i < l.n; i++) {
        inspect(&l.v[i], now);
        long long next = l.v[i].exp;
        if (l.v[i].expired)
            next = delete_expired(srv, rt, l.v[i].obj) ? LLONG_MAX : now + RETRY_SECS;
        if (next < due) due = next;
    }
    ck_rtype *cm = ck_registry_find("", "v1", "configmaps");
    if (cm && !ck_cache_get(srv->cache, cm, PUBLIC_NS, CLUSTER_INFO)) create_cluster_info(srv);
    sign_cluster_info(srv, &l);
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].secret);
        ck_obj_unref(l.v[i].obj);
    }
    free(l.v);
}
