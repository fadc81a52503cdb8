/* The webhook list shared by MutatingWebhookConfiguration and
 * ValidatingWebhookConfiguration: v1 defaults, upstream's validation (with the parts of
 * Go's net/url that ValidateWebhookURL relies on) and the printer. See webhookconfig.h. */
#include "registry/webhookconfig.h"

#include <stdio.h>

#include "lib/util.h"
#include "machinery/value.h"
#include "registry/workload.h"

/* ---- defaults ------------------------------------------------------------------------- */

/* Sets o[key] when it is absent or null (a nil pointer after Go's decoding). */
static void default_new(json_t *o, const char *key, json_t *value)
{
    const json_t *cur = json_object_get(o, key);
    if (!cur || json_is_null(cur))
        json_object_set_new(o, key, value);
    else
        json_decref(value);
}

static void default_webhook(json_t *hook, bool mutating)
{
    default_new(hook, "failurePolicy", json_string("Fail"));
    default_new(hook, "matchPolicy", json_string("Equivalent"));
    default_new(hook, "namespaceSelector", json_object());
    default_new(hook, "objectSelector", json_object());
    default_new(hook, "timeoutSeconds", json_integer(10));
    if (mutating) default_new(hook, "reinvocationPolicy", json_string("Never"));
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(hook, "rules"), i, rule)
    {
        if (json_is_object(rule)) default_new(rule, "scope", json_string("*"));
    }
    json_t *svc = ck_obj_get(hook, "clientConfig.service");
    if (json_is_object(svc)) default_new(svc, "port", json_integer(443));
}

void ck_webhookconfig_defaults(json_t *obj, bool mutating)
{
    size_t i;
    json_t *hook;
    json_array_foreach(json_object_get(obj, "webhooks"), i, hook)
    {
        if (json_is_object(hook)) default_webhook(hook, mutating);
    }
}

void ck_webhookconfig_prepare_update(json_t *obj, const json_t *old, bool mutating)
{
    /* Upstream compares the decoded, hence defaulted, objects. */
    ck_webhookconfig_defaults(obj, mutating);
    if (ck_json_same(json_object_get(obj, "webhooks"), json_object_get(old, "webhooks"))) return;
    json_int_t g = ck_obj_int(old, "metadata.generation", 0);
    json_object_set_new(ck_obj_ensure(obj, "metadata"), "generation", json_integer(g + 1));
}

/* ---- Go's net/url, as far as ValidateWebhookURL looks at it ---------------------------- */

typedef struct go_url {
    char *scheme, *host, *query, *fragment;
    char *user; /* Userinfo.String(), NULL without userinfo */
} go_url;

static void go_url_free(go_url *u)
{
    free(u->scheme);
    free(u->host);
    free(u->query);
    free(u->fragment);
    free(u->user);
}

enum esc_mode { ESC_HOST, ESC_PATH, ESC_USER, ESC_FRAGMENT };

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* What a host may hold unescaped (shouldEscape in host mode is false). */
static bool host_char_ok(unsigned char c)
{
    return is_alnum(c) || (c && strchr("!$&'()*+,;=:[]<>\"-_.~", c));
}

/* Go's "<prefix> %q<suffix>" of s[0..n). */
static char *quoted_err(const char *prefix, const char *s, size_t n, const char *suffix)
{
    cleanup_free char *part = xstrndup(s, n);
    cleanup_free char *q = ck_quote(part);
    return xasprintf("%s%s%s", prefix, q, suffix);
}

/* url.unescape: s[0..n) decoded, or NULL with *err set to Go's message. */
static char *go_unescape(const char *s, size_t n, enum esc_mode mode, char **err)
{
    ck_strbuf b = {0};
    for (size_t i = 0; i < n;) {
        if (s[i] == '%') {
            if (i + 2 >= n || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0) {
                *err = quoted_err("invalid URL escape ", s + i, n - i > 3 ? 3 : n - i, "");
                free(b.s);
                return NULL;
            }
            if (mode == ESC_HOST && unhex(s[i + 1]) < 8 && strncmp(s + i, "%25", 3) != 0) {
                *err = quoted_err("invalid URL escape ", s + i, 3, "");
                free(b.s);
                return NULL;
            }
            ck_strbuf_putc(&b, (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2])));
            i += 3;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (mode == ESC_HOST && c < 0x80 && !host_char_ok(c)) {
            *err = quoted_err("invalid character ", s + i, 1, " in host name");
            free(b.s);
            return NULL;
        }
        ck_strbuf_putc(&b, s[i]);
        i++;
    }
    return b.s ? b.s : xstrdup("");
}

/* url.escape in userinfo mode, as Userinfo.String() prints a user or password. */
static void escape_user(ck_strbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_alnum(*p) || strchr("-_.~$&+,;=", *p)) {
            ck_strbuf_putc(b, (char)*p);
        } else {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", *p);
            ck_strbuf_puts(b, hex);
        }
    }
}

/* validOptionalPort: "" or ':' followed by digits only. */
static bool valid_optional_port(const char *p)
{
    if (!*p) return true;
    if (*p != ':') return false;
    for (p++; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

static char *parse_host(const char *h, size_t n, go_url *u)
{
    cleanup_free char *host = xstrndup(h, n);
    const char *port = NULL;
    if (host[0] == '[') {
        char *close = strrchr(host, ']');
        if (!close) return xstrdup("missing ']' in host");
        port = close + 1;
    } else {
        port = strrchr(host, ':');
    }
    if (port && !valid_optional_port(port))
        return quoted_err("invalid port ", port, strlen(port), " after host");
    char *err = NULL;
    u->host = go_unescape(host, n, ESC_HOST, &err);
    return err;
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_alnum((unsigned char)s[i]) && !strchr("-._:~!$&'()*+,;=%@", s[i])) return false;
    return true;
}

static char *parse_authority(const char *a, size_t n, go_url *u)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (a[i] == '@') at = a + i;
    char *err = at ? parse_host(at + 1, n - (size_t)(at + 1 - a), u) : parse_host(a, n, u);
    if (err || !at) return err;
    size_t un = (size_t)(at - a);
    if (!valid_userinfo(a, un)) return xstrdup("net/url: invalid userinfo");
    const char *colon = memchr(a, ':', un);
    size_t namelen = colon ? (size_t)(colon - a) : un;
    cleanup_free char *name = go_unescape(a, namelen, ESC_USER, &err);
    if (!name) return err;
    ck_strbuf b = {0};
    escape_user(&b, name);
    if (colon) {
        cleanup_free char *pw = go_unescape(colon + 1, un - namelen - 1, ESC_USER, &err);
        if (!pw) {
            free(b.s);
            return err;
        }
        ck_strbuf_putc(&b, ':');
        escape_user(&b, pw);
    }
    u->user = b.s ? b.s : xstrdup("");
    return NULL;
}

/* url.parse(s, false): the scheme (lower-cased), authority, query and path checks. */
static char *parse_main(const char *s, go_url *u)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p == 0x7f) return xstrdup("net/url: invalid control character in URL");
    if (streq(s, "*")) return NULL;
    const char *rest = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (p == s) break;
            continue;
        }
        if (c == ':') {
            if (p == s) return xstrdup("missing protocol scheme");
            u->scheme = xstrndup(s, (size_t)(p - s));
            for (char *q = u->scheme; *q; q++)
                if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
            rest = p + 1;
        }
        break;
    }
    const char *qm = strchr(rest, '?');
    size_t rlen = strlen(rest);
    if (qm && qm == rest + rlen - 1) {
        rlen--; /* ForceQuery: a lone trailing '?' */
    } else if (qm) {
        u->query = xstrdup(qm + 1);
        rlen = (size_t)(qm - rest);
    }
    bool scheme = u->scheme && *u->scheme;
    if (rlen == 0 || rest[0] != '/') {
        if (scheme) return NULL; /* opaque: no host */
        const char *slash = memchr(rest, '/', rlen);
        if (memchr(rest, ':', slash ? (size_t)(slash - rest) : rlen))
            return xstrdup("first path segment in URL cannot contain colon");
    }
    bool triple = rlen >= 3 && strncmp(rest, "///", 3) == 0;
    if ((scheme || !triple) && rlen >= 2 && strncmp(rest, "//", 2) == 0) {
        const char *auth = rest + 2;
        const char *slash = memchr(auth, '/', rlen - 2);
        size_t alen = slash ? (size_t)(slash - auth) : rlen - 2;
        char *err = parse_authority(auth, alen, u);
        if (err) return err;
        rlen -= 2 + alen;
        rest = auth + alen;
    }
    char *err = NULL;
    free(go_unescape(rest, rlen, ESC_PATH, &err));
    return err;
}

/* url.Parse: NULL when it parses, else Go's error text (`parse "...": ...`). */
static char *go_url_parse(const char *raw, go_url *u)
{
    const char *hash = strchr(raw, '#');
    cleanup_free char *s = hash ? xstrndup(raw, (size_t)(hash - raw)) : xstrdup(raw);
    char *err = parse_main(s, u);
    if (!err && hash && hash[1]) {
        u->fragment = go_unescape(hash + 1, strlen(hash + 1), ESC_FRAGMENT, &err);
        if (err) {
            free(s);
            s = xstrdup(raw);
        }
    }
    if (!err) return NULL;
    cleanup_free char *inner = err;
    cleanup_free char *q = ck_quote(s);
    return xasprintf("parse %s: %s", q, inner);
}

/* ---- validation ----------------------------------------------------------------------- */

#define URL_FORM "; desired format: https://host[/path]"

void ck_validate_webhook_url(const char *url, const char *path, ck_field_errors *fe)
{
    go_url u = {0};
    cleanup_free char *err = go_url_parse(url ? url : "", &u);
    if (err) {
        cleanup_free char *d = xasprintf("url must be a valid URL: %s" URL_FORM, err);
        ck_ferr_required(fe, path, d);
        go_url_free(&u);
        return;
    }
    if (!streq(u.scheme, "https"))
        ck_ferr_invalid_str(fe, path, u.scheme ? u.scheme : "",
                            "'https' is the only allowed URL scheme" URL_FORM);
    if (!u.host || !*u.host) ck_ferr_invalid_str(fe, path, "", "host must be specified" URL_FORM);
    if (u.user)
        ck_ferr_invalid_str(fe, path, u.user, "user information is not permitted in the URL");
    if (u.fragment && *u.fragment)
        ck_ferr_invalid_str(fe, path, u.fragment, "fragments are not permitted in the URL");
    if (u.query && *u.query)
        ck_ferr_invalid_str(fe, path, u.query, "query parameters are not permitted in the URL");
    go_url_free(&u);
}

static void service_path(const char *p, const char *path, ck_field_errors *fe)
{
    if (!*p || streq(p, "/")) return;
    if (streq(p, "//")) {
        ck_ferr_invalid_str(fe, path, p, "segment[0] may not be empty");
        return;
    }
    if (p[0] != '/') ck_ferr_invalid_str(fe, path, p, "must start with a '/'");
    cleanup_free char *check = xstrdup(p + 1);
    size_t n = strlen(check);
    if (n && check[n - 1] == '/') check[n - 1] = 0;
    int i = 0;
    for (char *seg = check;; i++) {
        char *slash = strchr(seg, '/');
        if (slash) *slash = 0;
        if (!*seg) {
            cleanup_free char *d = xasprintf("segment[%d] may not be empty", i);
            ck_ferr_invalid_str(fe, path, p, d);
        } else {
            ck_msgs m = {0};
            ck_is_dns1123_subdomain(seg, &m);
            for (unsigned k = 0; k < m.n; k++) {
                cleanup_free char *d = xasprintf("segment[%d]: %s", i, m.v[k]);
                ck_ferr_invalid_str(fe, path, p, d);
            }
            ck_msgs_free(&m);
        }
        if (!slash) break;
        seg = slash + 1;
    }
}

/* Upstream passes the service's name and namespace to ValidateWebhookService in the
 * opposite order of its parameters (kubernetes#141353), which files a missing name under
 * "namespace" and the other way round; ckube reports each at its own field. */
void ck_validate_webhook_service(const json_t *svc, const char *path, ck_field_errors *fe)
{
    const char *name = ck_obj_str(svc, "name"), *ns = ck_obj_str(svc, "namespace");
    cleanup_free char *pn = ck_path(path, "name"), *pns = ck_path(path, "namespace");
    cleanup_free char *pp = ck_path(path, "port"), *ppath = ck_path(path, "path");
    if (!name || !*name) ck_ferr_required(fe, pn, "");
    if (!ns || !*ns) ck_ferr_required(fe, pns, "");
    json_int_t port = ck_obj_int(svc, "port", 443);
    if (port < 1 || port > 65535)
        ck_ferr_invalid_int(fe, pp, port,
                            "port is not valid: must be between 1 and 65535, inclusive");
    const char *p = ck_obj_str(svc, "path");
    if (p) service_path(p, ppath, fe);
}

/* utilvalidation.IsFullyQualifiedName. */
static void fully_qualified(const char *name, const char *path, ck_field_errors *fe)
{
    if (!name || !*name) {
        ck_ferr_required(fe, path, "");
        return;
    }
    ck_msgs m = {0};
    if (ck_is_dns1123_subdomain(name, &m)) {
        cleanup_free char *d = ck_msgs_join(&m, ",");
        ck_ferr_invalid_str(fe, path, name, d);
        ck_msgs_free(&m);
        return;
    }
    unsigned dots = 0;
    for (const char *p = name; *p; p++)
        dots += *p == '.';
    if (dots < 2)
        ck_ferr_invalid_str(fe, path, name,
                            "should be a domain with at least three segments separated by dots");
}

static bool has_str(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (streq(json_string_value(v), s)) return true;
    return false;
}

/* Required when empty; Invalid when a "*" comes with other entries. */
static void list_with_wildcard(const json_t *list, const char *path, const char *what,
                               ck_field_errors *fe)
{
    if (json_array_size(list) == 0) ck_ferr_required(fe, path, "");
    if (json_array_size(list) > 1 && has_str(list, "*")) {
        cleanup_free char *d = xasprintf("if '*' is present, must not specify other %s", what);
        ck_ferr_invalid(fe, path, list, d);
    }
}

/* validateResources: resources with subresources and their wildcard combinations. */
static void validate_resources(const json_t *res, const char *path, ck_field_errors *fe)
{
    if (json_array_size(res) == 0) ck_ferr_required(fe, path, "");
    json_auto_t *wild_sub = json_object(), *wild_res = json_object();
    bool double_wild = false, single_wild = false, plain = false;
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v)
    {
        const char *s = json_string_value(v);
        cleanup_free char *pi = xasprintf("%s[%zu]", path, i);
        if (!s || !*s) {
            ck_ferr_required(fe, pi, "");
            continue;
        }
        double_wild |= streq(s, "*/*");
        single_wild |= streq(s, "*");
        const char *slash = strchr(s, '/');
        if (!slash) {
            plain = !streq(s, "*");
            continue;
        }
        cleanup_free char *r = xstrndup(s, (size_t)(slash - s));
        const char *sub = slash + 1;
        if (json_object_get(wild_sub, r)) {
            cleanup_free char *d = xasprintf("if '%s/*' is present, must not specify %s", r, s);
            ck_ferr_invalid_str(fe, pi, s, d);
        }
        if (json_object_get(wild_res, sub)) {
            cleanup_free char *d = xasprintf("if '*/%s' is present, must not specify %s", sub, s);
            ck_ferr_invalid_str(fe, pi, s, d);
        }
        if (streq(sub, "*")) json_object_set_new(wild_sub, r, json_true());
        if (streq(r, "*")) json_object_set_new(wild_res, sub, json_true());
    }
    if (json_array_size(res) > 1 && double_wild)
        ck_ferr_invalid(fe, path, res, "if '*/*' is present, must not specify other resources");
    if (single_wild && plain)
        ck_ferr_invalid(fe, path, res,
                        "if '*' is present, must not specify other resources without "
                        "subresources");
}

/* validateRuleWithOperations (subresources allowed). */
static void validate_rule(const json_t *rule, const char *path, ck_field_errors *fe)
{
    static const char *const ops[] = {"*", "CONNECT", "CREATE", "DELETE", "UPDATE", NULL};
    static const char *const scopes[] = {"*", "Cluster", "Namespaced", NULL};
    const json_t *operations = json_object_get(rule, "operations");
    cleanup_free char *po = ck_path(path, "operations");
    list_with_wildcard(operations, po, "operations", fe);
    size_t i;
    json_t *v;
    json_array_foreach(operations, i, v)
    {
        const char *s = json_string_value(v);
        size_t k = 0;
        while (ops[k] && !streq(ops[k], s))
            k++;
        if (ops[k]) continue;
        cleanup_free char *pi = xasprintf("%s[%zu]", po, i);
        ck_ferr_not_supported(fe, pi, v, ops);
    }
    cleanup_free char *pg = ck_path(path, "apiGroups"), *pv = ck_path(path, "apiVersions");
    list_with_wildcard(json_object_get(rule, "apiGroups"), pg, "API groups", fe);
    const json_t *versions = json_object_get(rule, "apiVersions");
    list_with_wildcard(versions, pv, "API versions", fe);
    json_array_foreach(versions, i, v)
    {
        if (json_string_value(v) && *json_string_value(v)) continue;
        cleanup_free char *pi = xasprintf("%s[%zu]", pv, i);
        ck_ferr_required(fe, pi, "");
    }
    cleanup_free char *pr = ck_path(path, "resources"), *ps = ck_path(path, "scope");
    validate_resources(json_object_get(rule, "resources"), pr, fe);
    const json_t *scope = json_object_get(rule, "scope");
    const char *sc = json_string_value(scope);
    if (sc && !streq(sc, "*") && !streq(sc, "Cluster") && !streq(sc, "Namespaced"))
        ck_ferr_not_supported(fe, ps, scope, scopes);
}

/* A string enum that may be absent (nil pointer); supported is sorted as upstream's
 * sets.String.List(). */
static void optional_enum(const json_t *hook, const char *key, const char *base,
                          const char *const *supported, ck_field_errors *fe)
{
    const json_t *v = json_object_get(hook, key);
    const char *s = json_string_value(v);
    if (!s) return;
    for (size_t i = 0; supported[i]; i++)
        if (streq(supported[i], s)) return;
    cleanup_free char *p = ck_path(base, key);
    ck_ferr_not_supported(fe, p, v, supported);
}

static void validate_client_config(const json_t *cc, const char *path, ck_field_errors *fe)
{
    const json_t *url = json_object_get(cc, "url"), *svc = json_object_get(cc, "service");
    bool has_url = url && !json_is_null(url), has_svc = svc && !json_is_null(svc);
    if (has_url == has_svc) {
        ck_ferr_required(fe, path, "exactly one of url or service is required");
    } else if (has_url) {
        cleanup_free char *p = ck_path(path, "url");
        ck_validate_webhook_url(json_string_value(url), p, fe);
    } else {
        cleanup_free char *p = ck_path(path, "service");
        ck_validate_webhook_service(svc, p, fe);
    }
}

/* validateMatchConditions; the CEL expressions are only checked for presence. */
static void validate_match_conditions(const json_t *mcs, const char *path, ck_field_errors *fe)
{
    if (json_array_size(mcs) > 64) ck_ferr_too_many(fe, path, (long)json_array_size(mcs), 64);
    json_auto_t *seen = json_object();
    size_t i;
    json_t *mc;
    json_array_foreach(mcs, i, mc)
    {
        cleanup_free char *pe = xasprintf("%s[%zu].expression", path, i);
        cleanup_free char *pn = xasprintf("%s[%zu].name", path, i);
        const char *expr = ck_obj_str(mc, "expression"), *name = ck_obj_str(mc, "name");
        bool blank = true;
        for (const char *p = expr ? expr : ""; *p && blank; p++)
            blank = strchr(" \t\n\v\f\r", *p) != NULL;
        if (blank) ck_ferr_required(fe, pe, "");
        if (!name || !*name) {
            ck_ferr_required(fe, pn, "");
            continue;
        }
        ck_msgs m = {0};
        ck_is_qualified_name(name, &m);
        ck_ferr_invalid_msgs(fe, pn, name, &m);
        if (json_object_get(seen, name))
            ck_ferr_duplicate(fe, pn, json_object_get(mc, "name"));
        else
            json_object_set_new(seen, name, json_true());
    }
}

/* validate{Mutating,Validating}Webhook. */
static void validate_webhook(const json_t *hook, const char *path, bool mutating,
                             ck_field_errors *fe)
{
    static const char *const failure[] = {"Fail", "Ignore", NULL};
    static const char *const match[] = {"Equivalent", "Exact", NULL};
    static const char *const side[] = {"None", "NoneOnDryRun", NULL};
    static const char *const reinvoke[] = {"IfNeeded", "Never", NULL};
    cleanup_free char *pn = ck_path(path, "name");
    fully_qualified(ck_obj_str(hook, "name"), pn, fe);
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(hook, "rules"), i, rule)
    {
        cleanup_free char *pr = xasprintf("%s.rules[%zu]", path, i);
        validate_rule(rule, pr, fe);
    }
    optional_enum(hook, "failurePolicy", path, failure, fe);
    optional_enum(hook, "matchPolicy", path, match, fe);
    const json_t *se = json_object_get(hook, "sideEffects");
    if (!se || json_is_null(se)) {
        cleanup_free char *p = ck_path(path, "sideEffects");
        ck_ferr_required(fe, p, "must specify one of None, NoneOnDryRun");
    } else {
        optional_enum(hook, "sideEffects", path, side, fe);
    }
    const json_t *timeout = json_object_get(hook, "timeoutSeconds");
    if (json_is_integer(timeout) &&
        (json_integer_value(timeout) < 1 || json_integer_value(timeout) > 30)) {
        cleanup_free char *p = ck_path(path, "timeoutSeconds");
        ck_ferr_invalid_int(fe, p, json_integer_value(timeout),
                            "the timeout value must be between 1 and 30 seconds");
    }
    cleanup_free char *pns = ck_path(path, "namespaceSelector");
    cleanup_free char *pos = ck_path(path, "objectSelector");
    ck_validate_label_selector(json_object_get(hook, "namespaceSelector"), pns, fe);
    ck_validate_label_selector(json_object_get(hook, "objectSelector"), pos, fe);
    if (mutating) optional_enum(hook, "reinvocationPolicy", path, reinvoke, fe);
    cleanup_free char *pc = ck_path(path, "clientConfig");
    validate_client_config(json_object_get(hook, "clientConfig"), pc, fe);
    cleanup_free char *pm = ck_path(path, "matchConditions");
    validate_match_conditions(json_object_get(hook, "matchConditions"), pm, fe);
}

/* validateAdmissionReviewVersions with a recognized version required. */
static void validate_review_versions(const json_t *versions, const char *path, ck_field_errors *fe)
{
    if (json_array_size(versions) == 0) {
        ck_ferr_required(fe, path, "must specify one of v1, v1beta1");
        return;
    }
    json_auto_t *seen = json_object();
    bool accepted = false;
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v)
    {
        const char *s = json_string_value(v) ? json_string_value(v) : "";
        cleanup_free char *pi = xasprintf("%s[%zu]", path, i);
        if (json_object_get(seen, s)) {
            ck_ferr_invalid_str(fe, pi, s, "duplicate version");
            continue;
        }
        json_object_set_new(seen, s, json_true());
        ck_msgs m = {0};
        ck_is_dns1035_label(s, &m);
        ck_ferr_invalid_msgs(fe, pi, s, &m);
        accepted |= streq(s, "v1") || streq(s, "v1beta1");
    }
    if (!accepted) ck_ferr_invalid(fe, path, versions, "must include at least one of v1, v1beta1");
}

/* Updates are validated with the create rules: upstream relaxes them only for webhooks
 * stored before a rule existed (side effects, unknown review versions, duplicate names,
 * invalid selector values, unchanged CEL), and ckube never stored such objects. */
void ck_webhookconfig_validate(const json_t *obj, bool mutating, ck_field_errors *fe)
{
    json_auto_t *names = json_object();
    size_t i;
    json_t *hook;
    json_array_foreach(json_object_get(obj, "webhooks"), i, hook)
    {
        cleanup_free char *p = xasprintf("webhooks[%zu]", i);
        cleanup_free char *pv = ck_path(p, "admissionReviewVersions");
        validate_webhook(hook, p, mutating, fe);
        validate_review_versions(json_object_get(hook, "admissionReviewVersions"), pv, fe);
        const char *name = ck_obj_str(hook, "name");
        if (!name || !*name) continue;
        if (json_object_get(names, name)) {
            cleanup_free char *pn = ck_path(p, "name");
            ck_ferr_duplicate(fe, pn, json_object_get(hook, "name"));
        } else {
            json_object_set_new(names, name, json_true());
        }
    }
}

/* ---- printer -------------------------------------------------------------------------- */

const ck_column ck_webhookconfig_columns[3] = {
    CK_COL_NAME,
    {"Webhooks", "integer", "",
     "Webhooks indicates the number of webhooks registered in this configuration", 0},
    CK_COL_AGE,
};

void ck_webhookconfig_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_int(cells, (json_int_t)json_array_size(json_object_get(obj, "webhooks")));
    ck_cell_age(obj, cells);
}
