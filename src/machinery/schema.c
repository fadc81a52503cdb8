/* Lookups over the generated schema table (src/gen/schema_data.c). */
#include "machinery/schema.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

const ck_def *ck_schema_def(int index)
{
    if (index < 0 || (unsigned)index >= ck_schema_ndefs) return NULL;
    return &ck_schema_defs[index];
}

/* Definitions are emitted sorted by name, so lookups are binary searches. */
int ck_schema_def_index(const char *name)
{
    if (!name) return -1;
    size_t lo = 0, hi = ck_schema_ndefs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ck_schema_defs[mid].name, name);
        if (c == 0) return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const ck_def *ck_schema_def_by_name(const char *name)
{
    return ck_schema_def(ck_schema_def_index(name));
}

const ck_field *ck_schema_field(const ck_def *def, const char *name)
{
    if (!def || !name) return NULL;
    size_t lo = 0, hi = def->nfields;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(def->fields[mid].name, name);
        if (c == 0) return &def->fields[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const ck_def *ck_schema_field_def(const ck_field *f)
{
    return f ? ck_schema_def(f->ref) : NULL;
}

const ck_resource *ck_schema_resource(const char *group, const char *version, const char *plural)
{
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *r = &ck_schema_resources[i];
        if (streq(r->group, group) && streq(r->version, version) && streq(r->plural, plural))
            return r;
    }
    return NULL;
}

const ck_resource *ck_schema_resource_by_kind(const char *group, const char *version,
                                              const char *kind)
{
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *r = &ck_schema_resources[i];
        if (streq(r->group, group) && streq(r->version, version) && streq(r->kind, kind) &&
            !strchr(r->plural, '/'))
            return r;
    }
    return NULL;
}

const ck_def *ck_schema_def_for_gvk(const char *group, const char *version, const char *kind)
{
    const ck_resource *r = ck_schema_resource_by_kind(group, version, kind);
    return r ? ck_schema_def(r->def) : NULL;
}

bool ck_csv_has(const char *list, const char *item)
{
    if (!list || !item) return false;
    size_t n = strlen(item);
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0) return true;
        if (!c) break;
        p = c + 1;
    }
    return false;
}
