/* Shared informers: a small list, since a component uses a few dozen collections. */
#include "client/factory.h"

#include "lib/util.h"

typedef struct entry {
    char *path;
    ck_informer *inf;
} entry;

struct ck_informer_factory {
    ck_client *client;
    entry *e;
    size_t n;
};

ck_informer_factory *ck_informer_factory_new(ck_client *c)
{
    ck_informer_factory *f = xcalloc(1, sizeof *f);
    f->client = c;
    return f;
}

void ck_informer_factory_free(ck_informer_factory *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        ck_informer_free(f->e[i].inf);
        free(f->e[i].path);
    }
    free(f->e);
    free(f);
}

ck_informer *ck_informer_for(ck_informer_factory *f, const char *path)
{
    for (size_t i = 0; i < f->n; i++)
        if (streq(f->e[i].path, path)) return f->e[i].inf;
    f->e = xrealloc(f->e, (f->n + 1) * sizeof *f->e);
    f->e[f->n].path = xstrdup(path);
    f->e[f->n].inf = ck_informer_new(f->client, path, NULL, NULL);
    return f->e[f->n++].inf;
}

bool ck_informer_factory_synced(const ck_informer_factory *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!ck_informer_synced(f->e[i].inf)) return false;
    return true;
}
