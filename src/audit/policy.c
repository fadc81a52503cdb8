/* The audit policy: upstream's k8s.io/apiserver pkg/audit/policy (checker.go, reader.go)
 * and the audit.k8s.io/v1 Policy validation that matters for evaluation. */
#include <errno.h>
#include <stdio.h>

#include "audit/audit.h"
#include "lib/util.h"
#include "lib/yaml.h"

typedef struct rule {
    ck_audit_level level;
    unsigned omit_stages;
    int omit_managed_fields; /* -1 unset: the policy's value */
    json_t *users, *groups, *verbs, *namespaces, *resources, *non_resource_urls;
} rule;

struct ck_audit_policy {
    json_t *doc; /* owns the arrays the rules point into */
    rule *rules;
    size_t nrules;
    unsigned omit_stages;
    bool omit_managed_fields;
};

static const char *const level_names[] = {"None", "Metadata", "Request", "RequestResponse"};

const char *ck_audit_level_name(ck_audit_level l)
{
    return level_names[l];
}

static int parse_stages(json_t *v, unsigned *out, const char *where, ck_err **err)
{
    static const char *const names[] = {"RequestReceived", "ResponseStarted", "ResponseComplete",
                                        "Panic"};
    *out = 0;
    if (!v) return 0;
    if (!json_is_array(v)) return ck_error(err, 400, CK_INVALID, "%s: must be a list", where);
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        unsigned bit = 0;
        for (unsigned k = 0; k < ARRAY_SIZE(names); k++)
            if (json_is_string(s) && streq(json_string_value(s), names[k])) bit = 1u << k;
        if (!bit)
            return ck_error(err, 400, CK_INVALID, "%s[%zu]: Unsupported value: %s", where, i,
                            json_is_string(s) ? json_string_value(s) : "?");
        *out |= bit;
    }
    return 0;
}

/* A list field of strings, or NULL when absent or empty. */
static int str_list(json_t *r, const char *key, json_t **out, size_t idx, ck_err **err)
{
    json_t *v = json_object_get(r, key);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v))
        return ck_error(err, 400, CK_INVALID, "rules[%zu].%s: must be a list", idx, key);
    size_t i;
    json_t *s;
    json_array_foreach(
        v, i,
        s) if (!json_is_string(s) &&
               !(json_is_object(s) &&
                 streq(key, "resources"))) return ck_error(err, 400, CK_INVALID,
                                                           "rules[%zu].%s[%zu]: invalid entry", idx,
                                                           key, i);
    if (json_array_size(v)) *out = v;
    return 0;
}

static int parse_rule(json_t *r, size_t idx, rule *out, ck_err **err)
{
    if (!json_is_object(r)) return ck_error(err, 400, CK_INVALID, "rules[%zu]: not an object", idx);
    const char *lv = json_string_value(json_object_get(r, "level"));
    if (!lv || !*lv) return ck_error(err, 400, CK_INVALID, "rules[%zu].level: Required value", idx);
    out->level = (ck_audit_level)-1;
    for (unsigned k = 0; k < ARRAY_SIZE(level_names); k++)
        if (streq(lv, level_names[k])) out->level = (ck_audit_level)k;
    if ((int)out->level < 0)
        return ck_error(err, 400, CK_INVALID, "rules[%zu].level: Unsupported value: \"%s\"", idx,
                        lv);
    char where[64];
    snprintf(where, sizeof where, "rules[%zu].omitStages", idx);
    json_t *omf = json_object_get(r, "omitManagedFields");
    out->omit_managed_fields = json_is_boolean(omf) ? json_is_true(omf) : -1;
    if (parse_stages(json_object_get(r, "omitStages"), &out->omit_stages, where, err) < 0 ||
        str_list(r, "users", &out->users, idx, err) < 0 ||
        str_list(r, "userGroups", &out->groups, idx, err) < 0 ||
        str_list(r, "verbs", &out->verbs, idx, err) < 0 ||
        str_list(r, "namespaces", &out->namespaces, idx, err) < 0 ||
        str_list(r, "resources", &out->resources, idx, err) < 0 ||
        str_list(r, "nonResourceURLs", &out->non_resource_urls, idx, err) < 0)
        return -1;
    if (out->non_resource_urls && (out->resources || out->namespaces))
        return ck_error(err, 400, CK_INVALID,
                        "rules[%zu].nonResourceURLs: rules cannot apply to both regular "
                        "resources and non-resource URLs",
                        idx);
    size_t i;
    json_t *gr;
    json_array_foreach(out->resources, i, gr)
    {
        json_t *names = json_object_get(gr, "resourceNames");
        json_t *res = json_object_get(gr, "resources");
        if (json_array_size(names) && !json_array_size(res))
            return ck_error(err, 400, CK_INVALID,
                            "rules[%zu].resources[%zu].resourceNames: using resourceNames "
                            "requires at least one resource",
                            idx, i);
    }
    return 0;
}

ck_audit_policy *ck_audit_policy_parse(const char *buf, size_t len, ck_err **err)
{
    json_t *doc = NULL;
    if (ck_yaml_to_json(buf, len, &doc, err) < 0) return NULL;
    ck_audit_policy *p = xcalloc(1, sizeof *p);
    p->doc = doc;
    const char *av = json_string_value(json_object_get(doc, "apiVersion"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_object(doc) || !av || !streq(av, "audit.k8s.io/v1") || !kind ||
        !streq(kind, "Policy")) {
        ck_error(err, 400, CK_BAD_REQUEST,
                 "the policy must be apiVersion audit.k8s.io/v1, kind "
                 "Policy");
        goto fail;
    }
    if (!json_array_size(rules)) {
        ck_error(err, 400, CK_INVALID, "loaded illegal policy with 0 rules");
        goto fail;
    }
    if (parse_stages(json_object_get(doc, "omitStages"), &p->omit_stages, "omitStages", err) < 0)
        goto fail;
    p->omit_managed_fields = json_is_true(json_object_get(doc, "omitManagedFields"));
    p->nrules = json_array_size(rules);
    p->rules = xcalloc(p->nrules, sizeof *p->rules);
    for (size_t i = 0; i < p->nrules; i++)
        if (parse_rule(json_array_get(rules, i), i, &p->rules[i], err) < 0) goto fail;
    return p;
fail:
    ck_audit_policy_free(p);
    return NULL;
}

ck_audit_policy *ck_audit_policy_load(const char *path, ck_err **err)
{
    size_t len;
    cleanup_free char *buf = read_file(path, &len);
    if (!buf)
        return ck_error(err, 400, CK_BAD_REQUEST, "failed to read audit policy file %s: %s", path,
                        strerror(errno)),
               NULL;
    ck_err *e = NULL;
    ck_audit_policy *p = ck_audit_policy_parse(buf, len, &e);
    if (!p) {
        ck_error(err, 400, CK_BAD_REQUEST, "loading audit policy file %s: %s", path, e->message);
        ck_err_free(e);
    }
    return p;
}

void ck_audit_policy_free(ck_audit_policy *p)
{
    if (!p) return;
    json_decref(p->doc);
    free(p->rules);
    free(p);
}

static bool has(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (streq(json_string_value(v), s)) return true;
    return false;
}

static bool path_matches(const char *path, const char *spec)
{
    size_t n = strlen(spec);
    if (streq(spec, "*") || streq(spec, path)) return true;
    return n && spec[n - 1] == '*' && strncmp(path, spec, n - 1) == 0;
}

static bool group_resource_matches(json_t *gr, const ck_audit_attrs *a)
{
    const char *g = json_string_value(json_object_get(gr, "group"));
    if (!streq(g ? g : "", a->group)) return false;
    json_t *res = json_object_get(gr, "resources"), *names = json_object_get(gr, "resourceNames");
    if (!json_array_size(res)) return true;
    if (json_array_size(names) && !has(names, a->name)) return false;
    size_t rl = strlen(a->resource), i;
    json_t *v;
    json_array_foreach(res, i, v)
    {
        const char *s = json_string_value(v);
        if (!s) continue;
        size_t n = strlen(s);
        if (streq(s, "*")) return true;
        if (*a->sub
                ? (strncmp(s, a->resource, rl) == 0 && s[rl] == '/' && streq(s + rl + 1, a->sub))
                : streq(s, a->resource))
            return true;
        if (*a->sub && has_prefix(s, "*/") && streq(s + 2, a->sub)) return true;
        if (n >= 2 && streq(s + n - 2, "/*") && n - 2 == rl && strncmp(s, a->resource, rl) == 0)
            return true;
    }
    return false;
}

/* Upstream's ruleMatches: every field given must match; resources and namespaces apply to
 * resource requests only, nonResourceURLs to the others. */
static bool rule_matches(const rule *r, const ck_audit_attrs *a)
{
    if (r->users && (!a->user || !has(r->users, a->user))) return false;
    if (r->groups) {
        bool any = false;
        for (const char *const *g = a->groups; a->user && g && *g && !any; g++)
            any = has(r->groups, *g);
        if (!any) return false;
    }
    if (r->verbs && !has(r->verbs, a->verb)) return false;
    if (r->namespaces || r->resources) {
        if (!a->resource_request) return false;
        if (r->namespaces && !has(r->namespaces, a->ns)) return false;
        if (!r->resources) return true;
        size_t i;
        json_t *gr;
        json_array_foreach(r->resources, i, gr) if (group_resource_matches(gr, a)) return true;
        return false;
    }
    if (r->non_resource_urls) {
        if (a->resource_request) return false;
        size_t i;
        json_t *u;
        json_array_foreach(r->non_resource_urls, i,
                           u) if (path_matches(a->path, json_string_value(u))) return true;
        return false;
    }
    return true;
}

ck_audit_config ck_audit_policy_eval(const ck_audit_policy *p, const ck_audit_attrs *a)
{
    ck_audit_config c = {CK_AUDIT_NONE, p->omit_stages, p->omit_managed_fields};
    for (size_t i = 0; i < p->nrules; i++) {
        const rule *r = &p->rules[i];
        if (!rule_matches(r, a)) continue;
        c.level = r->level;
        c.omit_stages |= r->omit_stages;
        if (r->omit_managed_fields >= 0) c.omit_managed_fields = r->omit_managed_fields;
        break;
    }
    return c;
}
