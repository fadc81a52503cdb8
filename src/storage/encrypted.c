/* A ck_store that encrypts values at rest: it wraps another store and passes every value
 * whose key an EncryptionConfiguration covers through that resource's transformer — encoded
 * on create/update, decoded on get, list, events and in the watch callback — so nothing
 * above storage sees ciphertext. Keys, revisions and everything else pass through. */
#include "storage/encrypted.h"

#include "lib/log.h"
#include "lib/util.h"
#include "storage/transform.h"

typedef struct enc_store {
    ck_store base;
    ck_store_ops ops;
    ck_store *inner;
    ck_encryption_config *cfg;
    ck_watch_cb cb;
    void *cb_ctx;
} enc_store;

#define E(s) ((enc_store *)(s))

/* Replaces kv->value by its plaintext (a no-op for keys the config does not cover). */
static int decode_kv(enc_store *s, ck_kv *kv, bool *stale, ck_err **err)
{
    if (stale) *stale = false;
    const ck_transformer *t = ck_encryption_for_key(s->cfg, kv->key);
    if (!t || !kv->value) return 0;
    char *plain = NULL;
    size_t len = 0;
    if (ck_transform_decode(t, kv->key, kv->value, kv->len, &plain, &len, stale, err) < 0)
        return -1;
    free(kv->value);
    kv->value = plain;
    kv->len = len;
    return 0;
}

static int enc_get(ck_store *base, const char *key, int64_t rev, ck_kv *out, ck_err **err)
{
    enc_store *s = E(base);
    if (s->inner->ops->get(s->inner, key, rev, out, err) < 0) return -1;
    if (decode_kv(s, out, NULL, err) < 0) {
        ck_kv_clear(out);
        return -1;
    }
    return 0;
}

static int enc_list(ck_store *base, const char *prefix, const char *start_after, int64_t rev,
                    int64_t limit, ck_kv_list *out, bool *more, int64_t *at_rev, ck_err **err)
{
    enc_store *s = E(base);
    if (s->inner->ops->list(s->inner, prefix, start_after, rev, limit, out, more, at_rev, err) < 0)
        return -1;
    for (size_t i = 0; i < out->n; i++)
        if (decode_kv(s, &out->items[i], NULL, err) < 0) {
            ck_kv_list_clear(out);
            return -1;
        }
    return 0;
}

static int enc_count(ck_store *base, const char *prefix, int64_t *n, ck_err **err)
{
    return E(base)->inner->ops->count(E(base)->inner, prefix, n, err);
}

/* Encodes value for key into *buf (NULL when the key is not covered: store it as is). */
static int encode(enc_store *s, const char *key, const char **value, size_t *len, char **buf,
                  ck_err **err)
{
    *buf = NULL;
    const ck_transformer *t = ck_encryption_for_key(s->cfg, key);
    if (!t) return 0;
    if (ck_transform_encode(t, key, *value, *len, buf, len, err) < 0) return -1;
    *value = *buf;
    return 0;
}

static int enc_create(ck_store *base, const char *key, const char *value, size_t len, int64_t *rev,
                      ck_err **err)
{
    enc_store *s = E(base);
    cleanup_free char *buf = NULL;
    if (encode(s, key, &value, &len, &buf, err) < 0) return -1;
    return s->inner->ops->create(s->inner, key, value, len, rev, err);
}

static int enc_update(ck_store *base, const char *key, int64_t expect, const char *value,
                      size_t len, int64_t *rev, ck_err **err)
{
    enc_store *s = E(base);
    cleanup_free char *buf = NULL;
    if (encode(s, key, &value, &len, &buf, err) < 0) return -1;
    return s->inner->ops->update(s->inner, key, expect, value, len, rev, err);
}

static int enc_del(ck_store *base, const char *key, int64_t expect, int64_t *rev, ck_err **err)
{
    return E(base)->inner->ops->del(E(base)->inner, key, expect, rev, err);
}

static int decode_event(enc_store *s, ck_event *ev, ck_err **err)
{
    if (decode_kv(s, &ev->kv, NULL, err) < 0) return -1;
    return ev->prev.key ? decode_kv(s, &ev->prev, NULL, err) : 0;
}

static int enc_events(ck_store *base, int64_t after, int64_t limit, ck_event_list *out,
                      ck_err **err)
{
    enc_store *s = E(base);
    if (s->inner->ops->events(s->inner, after, limit, out, err) < 0) return -1;
    for (size_t i = 0; i < out->n; i++)
        if (decode_event(s, &out->items[i], err) < 0) {
            ck_event_list_clear(out);
            return -1;
        }
    return 0;
}

static ck_kv kv_copy(const ck_kv *kv)
{
    ck_kv c = *kv;
    c.key = kv->key ? xstrdup(kv->key) : NULL;
    if (kv->value) {
        c.value = xmalloc(kv->len + 1);
        memcpy(c.value, kv->value, kv->len);
        c.value[kv->len] = '\0';
    }
    return c;
}

/* The inner store's watch callback: hands the subscriber a decoded copy of the event. */
static void on_event(const ck_event *ev, void *ctx)
{
    enc_store *s = ctx;
    if (!s->cb) return;
    if (!ck_encryption_for_key(s->cfg, ev->kv.key)) {
        s->cb(ev, s->cb_ctx);
        return;
    }
    ck_event copy = {.type = ev->type, .kv = kv_copy(&ev->kv), .prev = kv_copy(&ev->prev)};
    ck_err *err = NULL;
    /* Values reaching the callback were just written through this wrapper, so decoding
     * fails only on a broken config or store; the event is then delivered as stored. */
    if (decode_event(s, &copy, &err) < 0) {
        ck_log_error("watch: %s", err->message);
        ck_err_free(err);
        s->cb(ev, s->cb_ctx);
    } else {
        s->cb(&copy, s->cb_ctx);
    }
    ck_event_clear(&copy);
}

static void enc_set_watch(ck_store *base, ck_watch_cb cb, void *ctx)
{
    enc_store *s = E(base);
    s->cb = cb;
    s->cb_ctx = ctx;
    s->inner->ops->set_watch(s->inner, cb ? on_event : NULL, cb ? s : NULL);
}

static int enc_compact(ck_store *base, int64_t rev, ck_err **err)
{
    return E(base)->inner->ops->compact(E(base)->inner, rev, err);
}

static void enc_set_group_commit(ck_store *base, bool on)
{
    E(base)->inner->ops->set_group_commit(E(base)->inner, on);
}

static bool enc_pending(ck_store *base)
{
    return E(base)->inner->ops->pending(E(base)->inner);
}

static int enc_flush(ck_store *base, ck_err **err)
{
    return E(base)->inner->ops->flush(E(base)->inner, err);
}

static int64_t enc_current_rev(ck_store *base)
{
    return E(base)->inner->ops->current_rev(E(base)->inner);
}

static int64_t enc_compacted_rev(ck_store *base)
{
    return E(base)->inner->ops->compacted_rev(E(base)->inner);
}

static void enc_close(ck_store *base)
{
    enc_store *s = E(base);
    s->inner->ops->close(s->inner);
    ck_encryption_config_free(s->cfg);
    free(s);
}

ck_store *ck_store_encrypted_wrap(ck_store *inner, ck_encryption_config *cfg)
{
    enc_store *s = xcalloc(1, sizeof *s);
    const ck_store_ops *in = inner->ops;
    s->ops = (ck_store_ops){
        .get = enc_get,
        .list = enc_list,
        .count = enc_count,
        .create = enc_create,
        .update = enc_update,
        .del = enc_del,
        .events = enc_events,
        .set_watch = enc_set_watch,
        .compact = enc_compact,
        .set_group_commit = in->set_group_commit ? enc_set_group_commit : NULL,
        .pending = in->pending ? enc_pending : NULL,
        .flush = in->flush ? enc_flush : NULL,
        .current_rev = enc_current_rev,
        .compacted_rev = enc_compacted_rev,
        .close = enc_close,
    };
    s->base.ops = &s->ops;
    s->inner = inner;
    s->cfg = cfg;
    return &s->base;
}

int ck_store_encrypted_rewrite(ck_store *base, const char *prefix, size_t *n, ck_err **err)
{
    enc_store *s = E(base);
    *n = 0;
    char *after = NULL;
    int rc = 0;
    for (bool more = true; more && rc == 0;) {
        ck_kv_list page = {0};
        int64_t at = 0;
        if (s->inner->ops->list(s->inner, prefix, after, 0, 500, &page, &more, &at, err) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < page.n && rc == 0; i++) {
            ck_kv *kv = &page.items[i];
            bool stale = false;
            int64_t rev = 0;
            if (!ck_encryption_for_key(s->cfg, kv->key)) continue;
            if (decode_kv(s, kv, &stale, err) < 0)
                rc = -1;
            else if (stale &&
                     enc_update(base, kv->key, kv->mod_rev, kv->value, kv->len, &rev, err) < 0)
                rc = -1;
            else if (stale)
                (*n)++;
        }
        if (page.n) {
            free(after);
            after = xstrdup(page.items[page.n - 1].key);
        }
        ck_kv_list_clear(&page);
    }
    free(after);
    return rc;
}
