/* Release helpers for the storage value types. Each clears the object back to all-zero so it
 * can be reused or cleared again safely. */
#include <stdlib.h>
#include <string.h>

#include "storage/storage.h"

void ck_kv_clear(ck_kv *kv)
{
    if (!kv) return;
    free(kv->key);
    free(kv->value);
    memset(kv, 0, sizeof *kv);
}

void ck_kv_list_clear(ck_kv_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++)
        ck_kv_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void ck_event_clear(ck_event *ev)
{
    if (!ev) return;
    ck_kv_clear(&ev->kv);
    ck_kv_clear(&ev->prev);
    memset(ev, 0, sizeof *ev);
}

void ck_event_list_clear(ck_event_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++)
        ck_event_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}
