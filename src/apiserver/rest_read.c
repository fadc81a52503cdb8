/* GET and LIST: served from the watch cache (or from storage for exact older revisions
 * and continuation of paginated lists after writes), with label and field selectors,
 * limit/continue, resourceVersion semantics and Table output. */
#include <openssl/evp.h>
#include <stdio.h>

#include "apiserver/api.h"
#include "lib/util.h"
#include "machinery/selector.h"

json_t *ck_status_details(ck_rtype *rt, const char *name)
{
    json_t *d = json_object();
    if (name) json_object_set_new(d, "name", json_string(name));
    json_object_set_new(d, "group", json_string(rt->def->group));
    json_object_set_new(d, "kind", json_string(rt->def->plural));
    if (!*rt->def->group) json_object_del(d, "group");
    return d;
}

int ck_err_not_found(ck_err **err, ck_rtype *rt, const char *name)
{
    return ck_error_details(err, 404, CK_NOT_FOUND, ck_status_details(rt, name),
                            "%s \"%s\" not found", rt->qualified, name);
}

void ck_send_not_found(ck_request *r, ck_rtype *rt, const char *name)
{
    ck_err *e = NULL;
    ck_err_not_found(&e, rt, name);
    ck_send_err(r, e);
    ck_err_free(e);
}

bool ck_wants_table(const ck_request *r)
{
    return r->accept && strstr(r->accept, "as=Table") != NULL;
}

void ck_send_object(ck_request *r, ck_rtype *rt, int status, const ck_obj *o)
{
    if (!ck_wants_table(r)) {
        size_t n;
        char *view = ck_json_view(rt, o->json, o->len, &n);
        if (view)
            ck_send(r, status, "application/json", view, n);
        else
            ck_send(r, status, "application/json", o->json, o->len);
        free(view);
        return;
    }
    json_t *doc = ck_obj_parse(o);
    const char *inc = ck_query(r, "includeObject");
    json_t *t = ck_table_for(rt->storage, &doc, 1, inc && streq(inc, "Object"));
    json_object_set_new(json_object_get(t, "metadata"), "resourceVersion",
                        json_sprintf("%lld", (long long)o->mod_rev));
    json_decref(doc);
    ck_send_json(r, status, t);
}

/* Items of a virtual kind as cache-like objects (new references in *out). */
static size_t virtual_objs(ck_request *r, ck_rtype *rt, ck_obj ***out)
{
    ck_strategy_ctx ctx = {.srv = r->srv};
    json_t *items = rt->def->virtual_items(&ctx);
    size_t n = json_array_size(items), k = 0;
    *out = xcalloc(n + 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        char *s = json_dumps(json_array_get(items, i), JSON_COMPACT);
        ck_kv kv = {.key = "", .value = s, .len = strlen(s)};
        const char *name = ck_obj_str(json_array_get(items, i), "metadata.name");
        ck_obj *o = ck_obj_make(rt, name ? name : "", &kv, ck_cache_rev(r->srv->cache));
        free(s);
        if (o) (*out)[k++] = o;
    }
    json_decref(items);
    return k;
}

void ck_rest_get(ck_request *r, ck_reqinfo *ri)
{
    if (ri->rt->def->virtual_items) {
        ck_obj **objs;
        size_t n = virtual_objs(r, ri->rt, &objs);
        ck_obj *hit = NULL;
        for (size_t i = 0; i < n; i++)
            if (streq(objs[i]->name, ri->name)) hit = objs[i];
        if (hit)
            ck_send_object(r, ri->rt, 200, hit);
        else
            ck_send_not_found(r, ri->rt, ri->name);
        for (size_t i = 0; i < n; i++)
            ck_obj_unref(objs[i]);
        free(objs);
        return;
    }
    ck_obj *o = ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name);
    if (!o) {
        ck_send_not_found(r, ri->rt, ri->name);
        return;
    }
    if (ri->sub && streq(ri->sub, "scale")) {
        ck_rest_get_scale(r, ri, o);
        return;
    }
    ck_send_object(r, ri->rt, 200, o);
}

/* ---- continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"} ---- */

static char *encode_continue(int64_t rv, const char *key)
{
    json_t *t =
        json_pack("{s:s, s:I, s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rv, "start", key);
    char *s = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (unsigned char *)s, (int)n);
    free(s);
    return out;
}

static int decode_continue(const char *tok, int64_t *rv, char **key, ck_err **err)
{
    size_t n = strlen(tok);
    unsigned char *buf = xmalloc(n + 1);
    int len = EVP_DecodeBlock(buf, (const unsigned char *)tok, (int)n);
    json_t *t = NULL;
    if (len > 0) {
        while (len > 0 && buf[len - 1] == 0)
            len--; /* strip base64 padding bytes */
        t = json_loadb((char *)buf, (size_t)len, 0, NULL);
    }
    free(buf);
    const char *start = json_string_value(json_object_get(t, "start"));
    json_int_t v = json_integer_value(json_object_get(t, "rv"));
    if (!t || !start || v <= 0) {
        json_decref(t);
        return ck_error(err, 400, CK_BAD_REQUEST, "continue key is not valid: invalid token");
    }
    *rv = v;
    *key = xstrdup(start);
    json_decref(t);
    return 0;
}

/* ---- list ---- */

typedef struct list_ctx {
    ck_request *r;
    ck_label_selector *lsel;
    ck_field_selector *fsel;
    long limit;
    size_t n;
    bool more;
    char *last_key;
    ck_obj **items;
    size_t nitems, cap;
} list_ctx;

static const char *field_get(const char *field, void *ctx)
{
    return ck_obj_field(ctx, field);
}

static bool collect(ck_obj *o, void *arg)
{
    list_ctx *c = arg;
    if (c->lsel && !ck_label_selector_matches(c->lsel, o->labels)) return true;
    if (c->fsel && !ck_field_selector_matches(c->fsel, field_get, o)) return true;
    if (c->limit > 0 && (long)c->nitems >= c->limit) {
        c->more = true;
        return false;
    }
    if (c->nitems == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
    }
    c->items[c->nitems++] = ck_obj_ref(o);
    return true;
}

/* Parses selectors; checks field names against what the kind supports. */
int ck_parse_selectors(ck_request *r, ck_rtype *rt, ck_label_selector **lsel,
                       ck_field_selector **fsel, ck_err **err)
{
    const char *ls = ck_query(r, "labelSelector");
    const char *fs = ck_query(r, "fieldSelector");
    if (ls && *ls && ck_label_selector_parse(ls, lsel, err) < 0) return -1;
    if (fs && *fs) {
        if (ck_field_selector_parse(fs, fsel, err) < 0) return -1;
        for (unsigned i = 0; i < ck_field_selector_count(*fsel); i++) {
            const char *f = ck_field_selector_field(*fsel, i);
            bool ok = streq(f, "metadata.name") ||
                      (rt->res->namespaced && streq(f, "metadata.namespace"));
            for (const char *const *k = rt->def->fields; k && *k && !ok; k++)
                ok = streq(*k, f);
            if (!ok) return ck_error(err, 400, CK_BAD_REQUEST, "field label not supported: %s", f);
        }
    }
    return 0;
}

/* Lists from storage at revision rev (continuations after writes, Exact reads). */
static int list_from_store(ck_request *r, ck_rtype *rt, const char *ns, const char *after,
                           int64_t rev, list_ctx *c, ck_err **err)
{
    char *prefix = ns ? xasprintf("%s%s/", rt->storage->prefix, ns) : xstrdup(rt->storage->prefix);
    char *start = after ? xasprintf("%s%s", rt->storage->prefix, after) : NULL;
    int rc = 0;
    for (;;) {
        ck_kv_list l = {0};
        bool more = false;
        int64_t at = 0;
        rc = r->srv->store->ops->list(r->srv->store, prefix, start, rev, 500, &l, &more, &at, err);
        if (rc < 0) break;
        bool go = true;
        for (size_t i = 0; i < l.n && go; i++) {
            ck_obj *o = ck_obj_make(rt->storage, l.items[i].key + strlen(rt->storage->prefix),
                                    &l.items[i], l.items[i].mod_rev);
            if (!o) continue;
            go = collect(o, c);
            ck_obj_unref(o);
        }
        if (l.n) {
            free(start);
            start = xstrdup(l.items[l.n - 1].key);
        }
        ck_kv_list_clear(&l);
        if (!go || !more) break;
    }
    free(prefix);
    free(start);
    return rc;
}

static char *obj_key(const ck_obj *o)
{
    return o->ns ? xasprintf("%s/%s", o->ns, o->name) : xstrdup(o->name);
}

void ck_rest_list(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    list_ctx c = {.r = r};
    ck_rtype *rt = ri->rt;
    int64_t cache_rev = ck_cache_rev(r->srv->cache);
    int64_t list_rev = cache_rev;
    char *after = NULL;
    const char *lim = ck_query(r, "limit");
    const char *cont = ck_query(r, "continue");
    const char *rvq = ck_query(r, "resourceVersion");
    const char *match = ck_query(r, "resourceVersionMatch");
    if (lim) c.limit = strtol(lim, NULL, 10);
    if (ck_parse_selectors(r, rt, &c.lsel, &c.fsel, &err) < 0) goto fail;
    bool from_store = false;
    if (cont && *cont) {
        if (rvq && *rvq) {
            ck_error(&err, 400, CK_BAD_REQUEST,
                     "specifying resource version is not allowed when using continue");
            goto fail;
        }
        if (decode_continue(cont, &list_rev, &after, &err) < 0) goto fail;
        from_store = list_rev != cache_rev;
    } else if (rvq && *rvq && !streq(rvq, "0")) {
        char *end;
        long long want = strtoll(rvq, &end, 10);
        if (*end || want < 0) {
            ck_error(&err, 400, CK_BAD_REQUEST, "invalid resource version: %s", rvq);
            goto fail;
        }
        if (match && streq(match, "Exact")) {
            list_rev = want;
            from_store = want != cache_rev;
        } else if (want > cache_rev) {
            ck_error(&err, 504, CK_TIMEOUT, "Too large resource version: %lld, current: %lld", want,
                     (long long)cache_rev);
            goto fail;
        }
    } else if (match && *match && !(rvq && *rvq)) {
        ck_error(&err, 422, CK_INVALID,
                 "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
                 "resourceVersion is provided");
        goto fail;
    }
    if (rt->def->virtual_items) {
        ck_obj **objs;
        size_t n = virtual_objs(r, rt, &objs);
        for (size_t i = 0; i < n; i++) {
            collect(objs[i], &c);
            ck_obj_unref(objs[i]);
        }
        free(objs);
    } else if (from_store) {
        if (list_rev <= r->srv->store->ops->compacted_rev(r->srv->store)) {
            ck_error(&err, 410, CK_GONE,
                     "The provided continue parameter is too old to display a consistent list "
                     "result. You can start a new list without the continue parameter, or use "
                     "the continue token in this response to retrieve the remainder of the "
                     "results. Continuing with the provided token results in an inconsistent "
                     "list - objects that were created, modified, or deleted between the time "
                     "the first chunk was returned and now may show up in the list.");
            goto fail;
        }
        if (list_from_store(r, rt, ri->ns, after, list_rev, &c, &err) < 0) goto fail;
    } else {
        ck_cache_each(r->srv->cache, rt, ri->ns, after, collect, &c);
    }

    char rvbuf[24];
    snprintf(rvbuf, sizeof rvbuf, "%lld", (long long)list_rev);
    char *next = NULL;
    if (c.more && c.nitems) {
        char *k = obj_key(c.items[c.nitems - 1]);
        next = encode_continue(list_rev, k);
        free(k);
    }
    if (ck_wants_table(r)) {
        json_t **docs = xcalloc(c.nitems + 1, sizeof *docs);
        for (size_t i = 0; i < c.nitems; i++)
            docs[i] = ck_obj_parse(c.items[i]);
        const char *inc = ck_query(r, "includeObject");
        json_t *t = ck_table_for(rt->storage, docs, c.nitems, inc && streq(inc, "Object"));
        for (size_t i = 0; i < c.nitems; i++)
            json_decref(docs[i]);
        free(docs);
        json_t *md = json_object_get(t, "metadata");
        json_object_set_new(md, "resourceVersion", json_string(rvbuf));
        if (next) json_object_set_new(md, "continue", json_string(next));
        ck_send_json(r, 200, t);
    } else {
        /* The list is assembled from the cached JSON texts without re-encoding them. */
        size_t cap = 256 + (next ? strlen(next) : 0);
        for (size_t i = 0; i < c.nitems; i++)
            cap += c.items[i]->len + 1;
        char *buf = xmalloc(cap), *p = buf;
        p += sprintf(
            p,
            "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%s\"",
            rt->res->kind, rt->api_version, rvbuf);
        if (next) p += sprintf(p, ",\"continue\":\"%s\"", next);
        p += sprintf(p, "},\"items\":[");
        for (size_t i = 0; i < c.nitems; i++) {
            if (i) *p++ = ',';
            size_t n;
            char *view = ck_json_view(rt, c.items[i]->json, c.items[i]->len, &n);
            if (view) {
                size_t used = (size_t)(p - buf);
                cap += n + 1;
                buf = xrealloc(buf, cap);
                p = buf + used;
                memcpy(p, view, n);
                p += n;
                free(view);
                continue;
            }
            memcpy(p, c.items[i]->json, c.items[i]->len);
            p += c.items[i]->len;
        }
        p += sprintf(p, "]}");
        ck_send_owned(r, 200, "application/json", buf, (size_t)(p - buf));
    }
    free(next);
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    for (size_t i = 0; i < c.nitems; i++)
        ck_obj_unref(c.items[i]);
    free(c.items);
    free(after);
    ck_label_selector_free(c.lsel);
    ck_field_selector_free(c.fsel);
}
