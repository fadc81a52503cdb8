/* The table of served resource types and the lookups over it. */
#include "registry/registry.h"

#include <stdio.h>

#include "lib/log.h"
#include "lib/util.h"
#include "registry/kinds.h"

static ck_rtype *types;
static unsigned ntypes;

unsigned ck_registry_count(void)
{
    return ntypes;
}

ck_rtype *ck_registry_at(unsigned i)
{
    return i < ntypes ? &types[i] : NULL;
}

ck_rtype *ck_registry_find(const char *group, const char *version, const char *plural)
{
    for (unsigned i = 0; i < ntypes; i++)
        if (streq(types[i].def->group, group) && streq(types[i].def->version, version) &&
            streq(types[i].def->plural, plural))
            return &types[i];
    return NULL;
}

ck_rtype *ck_registry_by_prefix(const char *key, const char **rest)
{
    for (unsigned i = 0; i < ntypes; i++) {
        if (types[i].storage != &types[i]) continue;
        size_t n = strlen(types[i].prefix);
        if (strncmp(key, types[i].prefix, n) == 0) {
            if (rest) *rest = key + n;
            return &types[i];
        }
    }
    return NULL;
}

const char *ck_registry_preferred_version(const char *group)
{
    /* The first registered version of a group is its preferred one. */
    for (unsigned i = 0; i < ntypes; i++)
        if (streq(types[i].def->group, group)) return types[i].def->version;
    return NULL;
}

void ck_registry_init(void)
{
    if (types) return;
    ntypes = (unsigned)ck_kinds_count;
    types = xcalloc(ntypes, sizeof *types);
    for (unsigned i = 0; i < ntypes; i++) {
        const ck_rtype_def *d = ck_kinds[i];
        ck_rtype *rt = &types[i];
        rt->def = d;
        rt->index = (int)i;
        rt->res = ck_schema_resource(d->group, d->version, d->plural);
        if (!rt->res) {
            fprintf(stderr, "ckube: registry: %s/%s %s is not in the schema\n", d->group,
                    d->version, d->plural);
            abort();
        }
        rt->schema = ck_schema_def(rt->res->def);
        rt->api_version =
            *d->group ? xasprintf("%s/%s", d->group, d->version) : xstrdup(d->version);
        rt->qualified = *d->group ? xasprintf("%s.%s", d->plural, d->group) : xstrdup(d->plural);
        rt->has_status = ck_csv_has(rt->res->subresources, "status");
        rt->has_scale = ck_csv_has(rt->res->subresources, "scale");
        rt->prefix = xasprintf("/registry/%s/%s/", *d->group ? d->group : "core", d->plural);
        rt->storage = rt;
    }
    for (unsigned i = 0; i < ntypes; i++) {
        const char *sv = types[i].def->storage_version;
        if (!sv) continue;
        ck_rtype *s = ck_registry_find(types[i].def->group, sv, types[i].def->plural);
        if (!s) {
            fprintf(stderr, "ckube: registry: no storage version %s for %s\n", sv,
                    types[i].def->plural);
            abort();
        }
        types[i].storage = s;
    }
}

/* ---- object field helpers ---- */

json_t *ck_obj_get(const json_t *obj, const char *path)
{
    const json_t *cur = obj;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        cur = json_is_object(cur) ? json_object_getn(cur, p, n) : NULL;
        p = dot ? dot + 1 : p + n;
    }
    return (json_t *)cur;
}

const char *ck_obj_str(const json_t *obj, const char *path)
{
    return json_string_value(ck_obj_get(obj, path));
}

json_t *ck_obj_ensure(json_t *obj, const char *path)
{
    json_t *cur = obj;
    const char *p = path;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        json_t *next = json_object_getn(cur, p, n);
        if (!json_is_object(next)) {
            next = json_object();
            json_object_setn_new(cur, p, n, next);
        }
        cur = next;
        p = dot ? dot + 1 : p + n;
    }
    return cur;
}

/* Splits "a.b.c" into the parent object (created) and the last key. */
static json_t *parent_of(json_t *obj, const char *path, const char **last)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        *last = path;
        return obj;
    }
    char *head = xstrndup(path, (size_t)(dot - path));
    json_t *p = ck_obj_ensure(obj, head);
    free(head);
    *last = dot + 1;
    return p;
}

void ck_obj_default_str(json_t *obj, const char *path, const char *value)
{
    const char *k;
    json_t *p = parent_of(obj, path, &k);
    if (!json_object_get(p, k)) json_object_set_new(p, k, json_string(value));
}

void ck_obj_default_int(json_t *obj, const char *path, json_int_t value)
{
    const char *k;
    json_t *p = parent_of(obj, path, &k);
    if (!json_object_get(p, k)) json_object_set_new(p, k, json_integer(value));
}

void ck_obj_default_bool(json_t *obj, const char *path, bool value)
{
    const char *k;
    json_t *p = parent_of(obj, path, &k);
    if (!json_object_get(p, k)) json_object_set_new(p, k, json_boolean(value));
}
