/* libFuzzer target for RBAC rule matching: the input is a JSON document
 * {"rules":[PolicyRule...],"attrs":{user, verb, resource_request, ns, group, resource,
 * subresource, name, path}} whose rules are matched against the attributes and compared
 * with each other (covers); any other input is split at newlines into the request
 * attributes and matched against a fixed set of rules with every kind of wildcard. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/rbac.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static const char fixed[] =
    "[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*/scale\"]},"
    "{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\",\"apps\"],\"resources\":[\"pods\","
    "\"pods/log\",\"deployments\"],\"resourceNames\":[\"a\",\"\"]},"
    "{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz\",\"/api/*\",\"*\",\"/x**\"]},"
    "{\"verbs\":[],\"apiGroups\":[],\"resources\":[]},{}]";

/* covers expands rules into verb × group × resource atoms: bounded by the input size. */
static size_t input_size;

static void match_all(const json_t *rules, const ck_authz_attrs *at)
{
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        (void)ck_rbac_rule_allows(r, at);
        json_t *missing = NULL;
        if (input_size < 2048 && !ck_rbac_covers(rules, r, &missing)) json_decref(missing);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    input_size = size;
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    const json_t *a = json_object_get(doc, "attrs");
    const json_t *rules = json_object_get(doc, "rules");
    if (json_is_object(a) && json_is_array(rules)) {
        ck_authz_attrs at = {.user = str(a, "user"),
                             .verb = str(a, "verb"),
                             .resource_request =
                                 json_is_true(json_object_get(a, "resource_request")),
                             .ns = str(a, "ns"),
                             .group = str(a, "group"),
                             .resource = str(a, "resource"),
                             .subresource = str(a, "subresource"),
                             .name = str(a, "name"),
                             .path = str(a, "path")};
        match_all(rules, &at);
        json_decref(doc);
        return 0;
    }
    json_decref(doc);

    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    const char *f[7] = {"", "", "", "", "", "", ""};
    char *p = s;
    for (int i = 0; i < 7 && p; i++) {
        f[i] = p;
        p = strchr(p, '\n');
        if (p) *p++ = 0;
    }
    ck_authz_attrs at = {.verb = f[0],
                         .group = f[1],
                         .resource = f[2],
                         .subresource = f[3],
                         .name = f[4],
                         .path = f[5],
                         .ns = f[6]};
    json_t *fr = json_loads(fixed, 0, NULL);
    at.resource_request = true;
    match_all(fr, &at);
    at.resource_request = false;
    match_all(fr, &at);
    json_decref(fr);
    free(s);
    return 0;
}
