/* In-flight requests of a component; see callset.h. A doubly linked list of entries. */
#include "client/callset.h"

#include "lib/util.h"

typedef struct entry {
    ck_callset *set;
    ck_call *call;
    ck_response_cb cb;
    void *ctx;
    void (*release)(void *ctx);
    struct entry *next, **pprev;
} entry;

struct ck_callset {
    entry *head;
};

ck_callset *ck_callset_new(void)
{
    return xcalloc(1, sizeof(ck_callset));
}

static void unlink_entry(entry *e)
{
    if (e->next) e->next->pprev = e->pprev;
    *e->pprev = e->next;
}

static void done(const ck_response *r, void *arg)
{
    entry *e = arg;
    unlink_entry(e);
    if (e->cb) e->cb(r, e->ctx);
    if (e->release) e->release(e->ctx);
    free(e);
}

void ck_callset_request(ck_callset *s, ck_client *c, const char *method, const char *path,
                        const json_t *body, const char *content_type, ck_response_cb cb, void *ctx,
                        void (*release)(void *ctx))
{
    entry *e = xcalloc(1, sizeof *e);
    *e = (entry){.set = s, .cb = cb, .ctx = ctx, .release = release};
    e->next = s->head;
    if (s->head) s->head->pprev = &e->next;
    e->pprev = &s->head;
    s->head = e;
    e->call = ck_client_request(c, method, path, body, content_type, done, e);
}

void ck_callset_free(ck_callset *s)
{
    if (!s) return;
    while (s->head) {
        entry *e = s->head;
        unlink_entry(e);
        ck_call_cancel(e->call);
        if (e->release) e->release(e->ctx);
        free(e);
    }
    free(s);
}
