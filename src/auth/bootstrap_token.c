/* Bootstrap tokens (upstream's plugin/pkg/auth/authenticator/token/bootstrap): a token
 * `<id>.<secret>` names the kube-system Secret bootstrap-token-<id> of type
 * bootstrap.kubernetes.io/token, whose data must hold the same secret, allow
 * authentication and not have expired. The user is system:bootstrap:<id>. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <time.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "auth/authn.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/yaml_scalar.h"

#define GROUP_PREFIX "system:bootstrappers:"

static bool lower_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) return false;
    return true;
}

bool ck_bootstrap_token_parse(const char *token, char id[7], char secret[17])
{
    if (!token || strlen(token) != 23 || token[6] != '.' || !lower_alnum(token, 6) ||
        !lower_alnum(token + 7, 16))
        return false;
    memcpy(id, token, 6);
    id[6] = 0;
    memcpy(secret, token + 7, 16);
    secret[16] = 0;
    return true;
}

bool ck_bootstrap_group_valid(const char *g)
{
    /* \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z */
    if (!has_prefix(g, GROUP_PREFIX)) return false;
    const char *s = g + strlen(GROUP_PREFIX);
    size_t n = strlen(s);
    if (n < 1 || n > 256) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == n - 1 || (c != ':' && c != '-'))) return false;
    }
    return true;
}

static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

int ck_rfc3339_parse(const char *s, long long *out)
{
    const char *p = s;
    struct tm tm = {0};
    int y = digits(&p, 4);
    if (y < 0 || *p++ != '-') return -1;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-') return -1;
    int d = digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != 't')) return -1;
    p++;
    int h = digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':') return -1;
    int mi = digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':') return -1;
    int se = digits(&p, 2);
    if (se < 0 || se > 59) return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = digits(&p, 2);
        if (oh < 0 || oh > 23 || *p++ != ':') return -1;
        int om = digits(&p, 2);
        if (om < 0 || om > 59) return -1;
        off = sign * (oh * 3600LL + om * 60LL);
    } else {
        return -1;
    }
    if (*p) return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (long long)timegm(&tm) - off;
    return 0;
}

/* The decoded value of data[key] (allocated; "" when absent or undecodable). */
static char *data_value(const json_t *secret, const char *key)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(secret, "data"), key));
    size_t n = 0;
    char *v = b64 ? ys_base64_decode(b64, strlen(b64), &n) : NULL;
    if (!v) return xstrdup("");
    char *s = xstrndup(v, n);
    free(v);
    return s;
}

static bool push_group(char ***gs, size_t *n, const char *g)
{
    for (size_t i = 0; i < *n; i++)
        if (streq((*gs)[i], g)) return false;
    *gs = xrealloc(*gs, (*n + 2) * sizeof **gs);
    (*gs)[(*n)++] = xstrdup(g);
    (*gs)[*n] = NULL;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool ck_bootstrap_token_check(const json_t *secret, const char *id, const char *tsecret,
                              long long now, ck_user *user, char **msg)
{
    const char *name =
        json_string_value(json_object_get(json_object_get(secret, "metadata"), "name"));
    *msg = NULL;
    if (json_object_get(json_object_get(secret, "metadata"), "deletionTimestamp")) {
        *msg = xasprintf("Bootstrap secret %s is deleted and awaiting removal", name);
        return false;
    }
    if (!streq(json_string_value(json_object_get(secret, "type")),
               "bootstrap.kubernetes.io/token") ||
        !json_is_object(json_object_get(secret, "data"))) {
        *msg = xasprintf("Bootstrap secret %s has invalid type, expected "
                         "bootstrap.kubernetes.io/token.",
                         name);
        return false;
    }
    cleanup_free char *ts = data_value(secret, "token-secret");
    if (strlen(ts) != strlen(tsecret) || CRYPTO_memcmp(ts, tsecret, strlen(ts)) != 0) {
        *msg = xasprintf("Bootstrap secret %s has invalid value for key token-secret.", name);
        return false;
    }
    cleanup_free char *sid = data_value(secret, "token-id");
    if (!streq(sid, id)) {
        *msg = xasprintf("Bootstrap secret %s has invalid value for key token-id.", name);
        return false;
    }
    cleanup_free char *exp = data_value(secret, "expiration");
    long long until = 0;
    /* Expired once no time remains (upstream's GetExpiration); whole seconds here, so a
     * fractional expiration second still has some left during that second. */
    bool fraction = strchr(exp, '.') != NULL;
    if (*exp && (ck_rfc3339_parse(exp, &until) < 0 || now > until || (!fraction && now == until))) {
        *msg =
            xasprintf("Bootstrap secret %s has expired or an unparseable expiration %s", name, exp);
        return false;
    }
    cleanup_free char *usage = data_value(secret, "usage-bootstrap-authentication");
    if (!streq(usage, "true")) {
        *msg =
            xasprintf("Bootstrap secret %s not marked usage-bootstrap-authentication=true.", name);
        return false;
    }
    char **groups = NULL;
    size_t n = 0;
    push_group(&groups, &n, "system:bootstrappers");
    cleanup_free char *extra = data_value(secret, "auth-extra-groups");
    for (char *p = *extra ? extra : NULL, *c; p; p = c ? c + 1 : NULL) {
        c = strchr(p, ',');
        if (c) *c = 0;
        if (!ck_bootstrap_group_valid(p)) {
            *msg = xasprintf("Bootstrap secret %s has invalid value for key auth-extra-groups: "
                             "bootstrap group \"%s\" is invalid (must match "
                             "\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z).",
                             name, p);
            for (size_t i = 0; i < n; i++)
                free(groups[i]);
            free(groups);
            return false;
        }
        push_group(&groups, &n, p);
    }
    qsort(groups, n, sizeof *groups, cmp_str); /* sets.String.List() is sorted */
    user->name = xasprintf("system:bootstrap:%s", id);
    user->groups = groups;
    return true;
}

int ck_bootstrap_token_authenticate(ck_apiserver *srv, const char *token, ck_user *user)
{
    char id[7], ts[17];
    char *msg = NULL;
    if (!ck_bootstrap_token_parse(token, id, ts)) return 0;
    ck_rtype *rt = ck_registry_find("", "v1", "secrets");
    cleanup_free char *name = xasprintf("bootstrap-token-%s", id);
    ck_obj *o = rt ? ck_cache_get(srv->cache, rt, "kube-system", name) : NULL;
    if (!o) return 0;
    json_t *doc = ck_obj_parse(o);
    bool ok = ck_bootstrap_token_check(doc, id, ts, (long long)time(NULL), user, &msg);
    json_decref(doc);
    if (!ok) ck_log_info("%s", msg);
    free(msg);
    return ok;
}
