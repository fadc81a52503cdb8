/* Unit tests for the SQLite storage backend: CRUD and error codes, revisions, prefix lists
 * and pagination at a fixed revision, MVCC reads, events and watch order, compaction with a
 * bounded file size, and crash recovery of acknowledged writes after SIGKILL. */
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "storage/storage.h"
#include "ut.h"
#include "ut_fixtures.h"

static char tmpdir[64];

/* Returns a fresh database path inside the test directory; the caller frees it. */
static char *db_path(const char *name)
{
    return xasprintf("%s/%s.db", tmpdir, name);
}

static ck_store *open_store(const char *path)
{
    ck_store *s = NULL;
    ck_err *e = NULL;
    if (ck_store_sqlite_open(path, &s, &e) < 0) {
        fprintf(stderr, "open %s: %s\n", path, e->message);
        exit(2);
    }
    return s;
}

static int64_t must(int rc, ck_err *e, int64_t rev, int line)
{
    if (rc < 0) {
        fprintf(stderr, "line %d: unexpected error %d %s\n", line, e->code, e->message);
        ck_err_free(e);
        ut_failed++;
        return -1;
    }
    return rev;
}

static int64_t create_at(ck_store *s, const char *key, const char *v, int line)
{
    ck_err *e = NULL;
    int64_t rev = 0;
    int rc = s->ops->create(s, key, v, strlen(v), &rev, &e);
    return must(rc, e, rev, line);
}

static int64_t update_at(ck_store *s, const char *key, int64_t expect, const char *v, int line)
{
    ck_err *e = NULL;
    int64_t rev = 0;
    int rc = s->ops->update(s, key, expect, v, strlen(v), &rev, &e);
    return must(rc, e, rev, line);
}

static int64_t del_at(ck_store *s, const char *key, int64_t expect, int line)
{
    ck_err *e = NULL;
    int64_t rev = 0;
    int rc = s->ops->del(s, key, expect, &rev, &e);
    return must(rc, e, rev, line);
}

#define CREATE(s, k, v) create_at(s, k, v, __LINE__)
#define UPDATE(s, k, x, v) update_at(s, k, x, v, __LINE__)
#define DEL(s, k, x) del_at(s, k, x, __LINE__)

/* Checks that a call failed with the given HTTP code and reason, and frees the error. */
#define CHECK_ERR(call, want_code, want_reason)                                                    \
    do {                                                                                           \
        ck_err *e_ = NULL;                                                                         \
        ck_err **err = &e_;                                                                        \
        CHECK((call) == -1);                                                                       \
        CHECK(e_ != NULL);                                                                         \
        if (e_) {                                                                                  \
            CHECK_INT(e_->code, want_code);                                                        \
            CHECK_STR(e_->reason, want_reason);                                                    \
        }                                                                                          \
        ck_err_free(e_);                                                                           \
    } while (0)

/* Value of key at rev, or NULL when the read fails; the caller frees it. */
static char *get_value(ck_store *s, const char *key, int64_t rev)
{
    ck_kv kv = {0};
    ck_err *e = NULL;
    if (s->ops->get(s, key, rev, &kv, &e) < 0) {
        ck_err_free(e);
        return NULL;
    }
    char *v = steal_pointer(&kv.value);
    ck_kv_clear(&kv);
    return v;
}

/* Comma-joined "key=value" of a list, for compact comparisons; the caller frees it. */
static char *list_str(ck_store *s, const char *prefix, const char *after, int64_t rev,
                      int64_t limit, bool *more, int64_t *at)
{
    ck_kv_list l = {0};
    ck_err *e = NULL;
    if (s->ops->list(s, prefix, after, rev, limit, &l, more, at, &e) < 0) {
        char *r = xasprintf("error %d", e->code);
        ck_err_free(e);
        return r;
    }
    char *out = xstrdup("");
    for (size_t i = 0; i < l.n; i++) {
        char *n = xasprintf("%s%s%s=%s", out, i ? "," : "", l.items[i].key, l.items[i].value);
        free(out);
        out = n;
    }
    ck_kv_list_clear(&l);
    return out;
}

static void check_list(ck_store *s, const char *prefix, const char *after, int64_t rev,
                       int64_t limit, const char *want, bool want_more, int line)
{
    bool more = !want_more;
    int64_t at = -1;
    cleanup_free char *got = list_str(s, prefix, after, rev, limit, &more, &at);
    if (strcmp(got, want) != 0 || more != want_more) {
        fprintf(stderr,
                "FAIL line %d: list %s after %s at %lld\n  got:  %s more=%d\n  want: %s more=%d\n",
                line, prefix, after ? after : "-", (long long)rev, got, more, want, want_more);
        ut_failed++;
    } else {
        ut_passed++;
    }
    CHECK(at == (rev ? rev : s->ops->current_rev(s)));
}
#define CHECK_LIST(s, p, a, r, l, want, more) check_list(s, p, a, r, l, want, more, __LINE__)

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static bool integrity_ok(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW && streq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ok;
}

static int64_t file_size(const char *path, const char *suffix)
{
    cleanup_free char *p = xasprintf("%s%s", path, suffix);
    struct stat st;
    return stat(p, &st) == 0 ? (int64_t)st.st_size : 0;
}

static void test_crud(void)
{
    cleanup_free char *path = db_path("crud");
    ck_store *s = open_store(path);
    CHECK_INT(s->ops->current_rev(s), 0);
    int64_t r1 = CREATE(s, "/a/1", "v1");
    CHECK(r1 > 0);
    ck_kv kv = {0};
    ck_err *e = NULL;
    CHECK(s->ops->get(s, "/a/1", 0, &kv, &e) == 0);
    CHECK_STR(kv.key, "/a/1");
    CHECK_STR(kv.value, "v1");
    CHECK_INT(kv.len, 2);
    CHECK_INT(kv.create_rev, r1);
    CHECK_INT(kv.mod_rev, r1);
    ck_kv_clear(&kv);

    CHECK_ERR(s->ops->create(s, "/a/1", "x", 1, NULL, err), 409, CK_ALREADY_EXISTS);
    int64_t r2 = UPDATE(s, "/a/1", r1, "v2");
    CHECK(r2 > r1);
    CHECK(s->ops->get(s, "/a/1", 0, &kv, &e) == 0);
    CHECK_STR(kv.value, "v2");
    CHECK_INT(kv.create_rev, r1);
    CHECK_INT(kv.mod_rev, r2);
    ck_kv_clear(&kv);
    CHECK_ERR(s->ops->update(s, "/a/1", r1, "v3", 2, NULL, err), 409, CK_CONFLICT);
    int64_t r3 = UPDATE(s, "/a/1", 0, "v3");
    CHECK(r3 > r2);
    CHECK_ERR(s->ops->update(s, "/a/none", 0, "x", 1, NULL, err), 404, CK_NOT_FOUND);
    CHECK_ERR(s->ops->del(s, "/a/none", 0, NULL, err), 404, CK_NOT_FOUND);
    CHECK_ERR(s->ops->del(s, "/a/1", r2, NULL, err), 409, CK_CONFLICT);
    CHECK_INT(s->ops->current_rev(s), r3); /* failed writes use no revision */
    int64_t r4 = DEL(s, "/a/1", r3);
    CHECK(r4 > r3);
    CHECK_ERR(s->ops->get(s, "/a/1", 0, &kv, err), 404, CK_NOT_FOUND);
    CHECK_ERR(s->ops->update(s, "/a/1", 0, "x", 1, NULL, err), 404, CK_NOT_FOUND);
    int64_t r5 = CREATE(s, "/a/1", "again");
    CHECK(r5 > r4);
    CHECK(s->ops->get(s, "/a/1", 0, &kv, &e) == 0);
    CHECK_INT(kv.create_rev, r5);
    ck_kv_clear(&kv);

    CHECK(CREATE(s, "/a/empty", "") > r5);
    cleanup_free char *empty = get_value(s, "/a/empty", 0);
    CHECK_STR(empty, "");
    CHECK_ERR(s->ops->create(s, "", "x", 1, NULL, err), 400, CK_BAD_REQUEST);
    CHECK_ERR(s->ops->get(s, "/a/1", s->ops->current_rev(s) + 5, &kv, err), 504, CK_TIMEOUT);
    CHECK_ERR(s->ops->create(s, "/a/null", NULL, 3, NULL, err), 400, CK_BAD_REQUEST);
    s->ops->close(s);
    ck_store *none = NULL;
    CHECK_ERR(ck_store_sqlite_open("/nonexistent-ckube-dir/x.db", &none, err), 500, CK_INTERNAL);
    CHECK(none == NULL);
}

static void test_revisions_persist(void)
{
    cleanup_free char *path = db_path("revs");
    ck_store *s = open_store(path);
    int64_t last = 0;
    for (int i = 0; i < 20; i++) {
        char k[32];
        snprintf(k, sizeof k, "/r/%d", i % 4);
        int64_t r = i < 4 ? CREATE(s, k, "x") : UPDATE(s, k, 0, "y");
        CHECK(r == last + 1);
        last = r;
    }
    int64_t rdel = DEL(s, "/r/3", 0); /* the newest row is now a tombstone */
    s->ops->close(s);

    s = open_store(path);
    CHECK_INT(s->ops->current_rev(s), rdel);
    int64_t rnew = CREATE(s, "/r/3", "z");
    CHECK_INT(rnew, rdel + 1);
    int64_t rdel2 = DEL(s, "/r/3", 0);
    ck_err *e = NULL;
    CHECK(s->ops->compact(s, rdel2, &e) == 0); /* removes the newest row */
    CHECK_INT(sql_int(path, "SELECT count(*) FROM kv WHERE rev >= 20"), 0);
    s->ops->close(s);

    s = open_store(path);
    CHECK_INT(s->ops->current_rev(s), rdel2);
    CHECK_INT(s->ops->compacted_rev(s), rdel2);
    CHECK_INT(CREATE(s, "/r/9", "w"), rdel2 + 1);
    s->ops->close(s);
}

static void test_list_prefix(void)
{
    cleanup_free char *path = db_path("list");
    ck_store *s = open_store(path);
    const char *keys[] = {"/a/2", "/ab/1", "/a",         "/a/1",         "/a0",    "/a/",
                          "/b/1", "/a/3",  "/x\xff\xff", "/x\xff\xff/z", "/x\xfe", "/y"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        CREATE(s, keys[i], "v");
    CHECK_LIST(s, "/a/", NULL, 0, 0, "/a/=v,/a/1=v,/a/2=v,/a/3=v", false);
    CHECK_LIST(s, "/ab/", NULL, 0, 0, "/ab/1=v", false);
    CHECK_LIST(s, "/a/", "/a/1", 0, 0, "/a/2=v,/a/3=v", false);
    CHECK_LIST(s, "/a/", "/", 0, 0, "/a/=v,/a/1=v,/a/2=v,/a/3=v", false);
    CHECK_LIST(s, "/a/", "/a/3", 0, 0, "", false);
    CHECK_LIST(s, "/a/", "/b", 0, 0, "", false);
    CHECK_LIST(s, "/a/", NULL, 0, 2, "/a/=v,/a/1=v", true);
    CHECK_LIST(s, "/a/", "/a/1", 0, 2, "/a/2=v,/a/3=v", false);
    CHECK_LIST(s, "/a/", NULL, 0, 4, "/a/=v,/a/1=v,/a/2=v,/a/3=v", false);
    CHECK_LIST(s, "/x\xff", NULL, 0, 0, "/x\xff\xff=v,/x\xff\xff/z=v", false);
    CHECK_LIST(s, "/nothing/", NULL, 0, 0, "", false);
    CHECK_LIST(s, "", "/x", 0, 3, "/x\xfe=v,/x\xff\xff=v,/x\xff\xff/z=v", true);
    int64_t n = -1;
    ck_err *e = NULL;
    CHECK(s->ops->count(s, "/a/", &n, &e) == 0);
    CHECK_INT(n, 4);
    CHECK(s->ops->count(s, "", &n, &e) == 0);
    CHECK_INT(n, ARRAY_SIZE(keys));
    DEL(s, "/a/2", 0);
    CHECK(s->ops->count(s, "/a/", &n, &e) == 0);
    CHECK_INT(n, 3);
    CHECK_LIST(s, "/a/", NULL, 0, 0, "/a/=v,/a/1=v,/a/3=v", false);
    s->ops->close(s);
}

/* limit/continue over a fixed revision: later pages ignore writes made between pages. */
static void test_pagination_snapshot(void)
{
    cleanup_free char *path = db_path("pages");
    ck_store *s = open_store(path);
    for (int i = 0; i < 10; i++) {
        char k[16], v[16];
        snprintf(k, sizeof k, "/p/%02d", i);
        snprintf(v, sizeof v, "v%d", i);
        CREATE(s, k, v);
    }
    bool more = false;
    int64_t at = 0;
    cleanup_free char *p1 = list_str(s, "/p/", NULL, 0, 4, &more, &at);
    CHECK_STR(p1, "/p/00=v0,/p/01=v1,/p/02=v2,/p/03=v3");
    CHECK(more);
    CHECK_INT(at, 10);
    UPDATE(s, "/p/05", 0, "changed");
    DEL(s, "/p/06", 0);
    CREATE(s, "/p/045", "new");
    UPDATE(s, "/p/01", 0, "changed");
    CHECK_LIST(s, "/p/", "/p/03", at, 4, "/p/04=v4,/p/05=v5,/p/06=v6,/p/07=v7", true);
    CHECK_LIST(s, "/p/", "/p/07", at, 4, "/p/08=v8,/p/09=v9", false);
    CHECK_LIST(s, "/p/", "/p/03", 0, 3, "/p/04=v4,/p/045=new,/p/05=changed", true);
    s->ops->close(s);
}

static void test_old_revisions(void)
{
    cleanup_free char *path = db_path("mvcc");
    ck_store *s = open_store(path);
    int64_t r1 = CREATE(s, "/h/k", "v1");
    int64_t r2 = UPDATE(s, "/h/k", r1, "v2");
    CREATE(s, "/h/other", "o");
    int64_t r3 = UPDATE(s, "/h/k", r2, "v3");
    int64_t r4 = DEL(s, "/h/k", r3);
    int64_t r5 = CREATE(s, "/h/k", "v5");
    const char *want[] = {NULL, "v1", "v2", "v2", "v3", NULL, "v5"};
    for (int64_t r = r1; r <= r5; r++) {
        cleanup_free char *v = get_value(s, "/h/k", r);
        if (want[r])
            CHECK_STR(v, want[r]);
        else
            CHECK(v == NULL);
    }
    ck_kv kv = {0};
    CHECK_ERR(s->ops->get(s, "/h/k", r4, &kv, err), 404, CK_NOT_FOUND);
    CHECK_LIST(s, "/h/", NULL, r1, 0, "/h/k=v1", false);
    CHECK_LIST(s, "/h/", NULL, r3 - 1, 0, "/h/k=v2,/h/other=o", false);
    CHECK_LIST(s, "/h/", NULL, r3, 0, "/h/k=v3,/h/other=o", false);
    CHECK_LIST(s, "/h/", NULL, r4, 0, "/h/other=o", false);
    CHECK_LIST(s, "/h/", NULL, r5, 0, "/h/k=v5,/h/other=o", false);

    /* Paging through a past revision across many deleted and rewritten keys. */
    for (int i = 0; i < 12; i++) {
        char k[16];
        snprintf(k, sizeof k, "/m/%02d", i);
        CREATE(s, k, "a");
    }
    int64_t mid = s->ops->current_rev(s);
    for (int i = 0; i < 12; i++) {
        char k[16];
        snprintf(k, sizeof k, "/m/%02d", i);
        if (i % 3 == 0) DEL(s, k, 0);
        if (i % 3 == 1) UPDATE(s, k, 0, "b");
    }
    CREATE(s, "/m/05x", "late");
    CHECK_LIST(s, "/m/", NULL, mid, 5, "/m/00=a,/m/01=a,/m/02=a,/m/03=a,/m/04=a", true);
    CHECK_LIST(s, "/m/", "/m/04", mid, 5, "/m/05=a,/m/06=a,/m/07=a,/m/08=a,/m/09=a", true);
    CHECK_LIST(s, "/m/", "/m/09", mid, 5, "/m/10=a,/m/11=a", false);
    CHECK_LIST(s, "/m/", NULL, 0, 0,
               "/m/01=b,/m/02=a,/m/04=b,/m/05=a,/m/05x=late,/m/07=b,/m/08=a,/m/10=b,/m/11=a",
               false);
    CHECK_LIST(s, "/m/", "/m/08", s->ops->current_rev(s) - 1, 0, "/m/10=b,/m/11=a", false);
    bool more;
    CHECK_ERR(s->ops->list(s, "/m/", NULL, s->ops->current_rev(s) + 1, 0, NULL, &more, NULL, err),
              504, CK_TIMEOUT);
    s->ops->close(s);
}

static void check_event(const ck_event *ev, ck_event_type type, const char *key, int64_t rev,
                        const char *value, int64_t prev_rev, const char *prev_value, int line)
{
    bool ok = ev->type == type && streq(ev->kv.key, key) && ev->kv.mod_rev == rev &&
              streq(ev->kv.value, value) && ev->prev.mod_rev == prev_rev &&
              (prev_rev ? streq(ev->prev.value, prev_value) && streq(ev->prev.key, key)
                        : ev->prev.key == NULL);
    if (ok) {
        ut_passed++;
        return;
    }
    ut_failed++;
    fprintf(stderr, "FAIL line %d: event %d %s@%lld=%s prev %lld=%s\n", line, ev->type, ev->kv.key,
            (long long)ev->kv.mod_rev, ev->kv.value, (long long)ev->prev.mod_rev, ev->prev.value);
}

/* Replays the writes of test_events against a list of events starting at base. */
static void check_event_script(const ck_event_list *l, int64_t b)
{
    CHECK_INT(l->n, 6);
    if (l->n < 6) return;
    check_event(&l->items[0], CK_EVENT_PUT, "/e/a", b + 1, "a1", 0, NULL, __LINE__);
    check_event(&l->items[1], CK_EVENT_PUT, "/e/a", b + 2, "a2", b + 1, "a1", __LINE__);
    check_event(&l->items[2], CK_EVENT_PUT, "/e/b", b + 3, "b1", 0, NULL, __LINE__);
    check_event(&l->items[3], CK_EVENT_DELETE, "/e/a", b + 4, "a2", b + 2, "a2", __LINE__);
    check_event(&l->items[4], CK_EVENT_PUT, "/e/b", b + 5, "b2", b + 3, "b1", __LINE__);
    check_event(&l->items[5], CK_EVENT_PUT, "/e/a", b + 6, "a3", 0, NULL, __LINE__);
    CHECK_INT(l->items[3].kv.create_rev, b + 1);
    CHECK_INT(l->items[4].kv.create_rev, b + 3);
    CHECK_INT(l->items[5].kv.create_rev, b + 6);
}

static void copy_kv(ck_kv *dst, const ck_kv *src)
{
    *dst = *src;
    dst->key = src->key ? xstrdup(src->key) : NULL;
    dst->value = src->value ? xstrndup(src->value, src->len) : NULL;
}

static void record_event(const ck_event *ev, void *ctx)
{
    ck_event_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    ck_event *c = &l->items[l->n++];
    c->type = ev->type;
    copy_kv(&c->kv, &ev->kv);
    copy_kv(&c->prev, &ev->prev);
}

static void test_events_and_watch(void)
{
    cleanup_free char *path = db_path("events");
    ck_store *s = open_store(path);
    CREATE(s, "/e/before", "x");
    int64_t b = s->ops->current_rev(s);
    ck_event_list seen = {0};
    s->ops->set_watch(s, record_event, &seen);
    CREATE(s, "/e/a", "a1");
    UPDATE(s, "/e/a", b + 1, "a2");
    CREATE(s, "/e/b", "b1");
    CHECK_ERR(s->ops->update(s, "/e/b", b + 1, "no", 2, NULL, err), 409, CK_CONFLICT);
    DEL(s, "/e/a", 0);
    UPDATE(s, "/e/b", 0, "b2");
    CREATE(s, "/e/a", "a3");
    s->ops->set_watch(s, NULL, NULL);
    CREATE(s, "/e/unwatched", "x");

    check_event_script(&seen, b); /* watch order is commit order */
    ck_event_list_clear(&seen);
    ck_event_list l = {0};
    ck_err *e = NULL;
    CHECK(s->ops->events(s, b, 0, &l, &e) == 0);
    CHECK_INT(l.n, 7);
    l.n--; /* the unwatched write */
    ck_event_clear(&l.items[l.n]);
    check_event_script(&l, b);
    ck_event_list_clear(&l);
    CHECK(s->ops->events(s, b + 3, 2, &l, &e) == 0);
    CHECK_INT(l.n, 2);
    if (l.n == 2) {
        check_event(&l.items[0], CK_EVENT_DELETE, "/e/a", b + 4, "a2", b + 2, "a2", __LINE__);
        check_event(&l.items[1], CK_EVENT_PUT, "/e/b", b + 5, "b2", b + 3, "b1", __LINE__);
    }
    ck_event_list_clear(&l);
    CHECK(s->ops->events(s, s->ops->current_rev(s), 0, &l, &e) == 0);
    CHECK_INT(l.n, 0);
    s->ops->close(s);
}

static void test_compaction(void)
{
    cleanup_free char *path = db_path("compact");
    ck_store *s = open_store(path);
    int64_t ra = CREATE(s, "/c/a", "a0");
    for (int i = 1; i <= 4; i++) {
        char v[8];
        snprintf(v, sizeof v, "a%d", i);
        ra = UPDATE(s, "/c/a", ra, v);
    }
    CREATE(s, "/c/b", "b0");
    UPDATE(s, "/c/b", 0, "b1");
    DEL(s, "/c/b", 0);
    int64_t rd = CREATE(s, "/c/d", "d0");
    int64_t target = s->ops->current_rev(s); /* 9 */
    UPDATE(s, "/c/d", 0, "d1");
    CREATE(s, "/c/b", "b2");
    CHECK_INT(sql_int(path, "SELECT count(*) FROM kv"), 11);

    ck_err *e = NULL;
    CHECK(s->ops->compact(s, target, &e) == 0);
    CHECK_INT(s->ops->compacted_rev(s), target);
    /* Left: a4 (latest of a), d0 (superseded only after target), d1, b2. */
    CHECK_INT(sql_int(path, "SELECT count(*) FROM kv"), 4);
    cleanup_free char *a = get_value(s, "/c/a", 0);
    CHECK_STR(a, "a4");
    cleanup_free char *d_at = get_value(s, "/c/d", target);
    CHECK_STR(d_at, "d0");
    ck_kv kv = {0};
    CHECK_ERR(s->ops->get(s, "/c/a", target - 1, &kv, err), 410, CK_GONE);
    bool more;
    CHECK_ERR(s->ops->list(s, "/c/", NULL, 2, 0, NULL, &more, NULL, err), 410, CK_GONE);
    ck_event_list l = {0};
    CHECK_ERR(s->ops->events(s, target - 1, 0, &l, err), 410, CK_GONE);
    CHECK_LIST(s, "/c/", NULL, target, 0, "/c/a=a4,/c/d=d0", false);
    CHECK(s->ops->events(s, target, 0, &l, &e) == 0);
    CHECK_INT(l.n, 2);
    if (l.n == 2) {
        check_event(&l.items[0], CK_EVENT_PUT, "/c/d", target + 1, "d1", rd, "d0", __LINE__);
        check_event(&l.items[1], CK_EVENT_PUT, "/c/b", target + 2, "b2", 0, NULL, __LINE__);
    }
    ck_event_list_clear(&l);
    CHECK(s->ops->compact(s, target - 3, &e) == 0); /* already compacted: no-op */
    CHECK_ERR(s->ops->compact(s, s->ops->current_rev(s) + 1, err), 400, CK_BAD_REQUEST);
    s->ops->close(s);
    s = open_store(path);
    CHECK_INT(s->ops->compacted_rev(s), target);
    CHECK_INT(s->ops->current_rev(s), target + 2);
    s->ops->close(s);
    CHECK(integrity_ok(path));
}

/* 20,000 updates of 100 keys: the file grows with history, compaction brings it back down,
 * and regular compaction keeps the database and WAL bounded throughout. */
static void test_size_bound(void)
{
    cleanup_free char *path = db_path("size");
    ck_store *s = open_store(path);
    char value[1024];
    memset(value, 'x', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    char key[32];
    for (int k = 0; k < 100; k++) {
        snprintf(key, sizeof key, "/s/%03d", k);
        CREATE(s, key, value);
    }
    int64_t max_wal = 0, max_total = 0;
    ck_err *e = NULL;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "/s/%03d", i % 100);
        value[0] = (char)('a' + i % 26);
        if (UPDATE(s, key, 0, value) < 0) break;
        if (i % 1000 == 999) {
            int64_t wal = file_size(path, "-wal"), total = wal + file_size(path, "");
            if (wal > max_wal) max_wal = wal;
            if (i < 10000) continue;
            if (i == 10999) /* 11,000 updates without compaction */
                CHECK(total > 8 << 20);
            else if (total > max_total)
                max_total = total;
            uint64_t t = now_ms();
            CHECK(s->ops->compact(s, s->ops->current_rev(s) - 500, &e) == 0);
            if (i == 10999)
                printf("compacting 10,600 revisions of 100 keys: %llu ms\n",
                       (unsigned long long)(now_ms() - t));
        }
    }
    CHECK(max_wal < 8 << 20); /* wal_autocheckpoint: 4 MiB */
    CHECK(max_total < 12 << 20);
    CHECK(s->ops->compact(s, s->ops->current_rev(s), &e) == 0);
    int64_t db = file_size(path, ""), wal = file_size(path, "-wal");
    printf("size: db %lld KiB (%lld pages, %lld free), wal %lld KiB after compaction; max wal "
           "%lld KiB, max total with periodic compaction %lld KiB\n",
           (long long)db >> 10, (long long)sql_int(path, "PRAGMA page_count"),
           (long long)sql_int(path, "PRAGMA freelist_count"), (long long)wal >> 10,
           (long long)max_wal >> 10, (long long)max_total >> 10);
    /* 100 live values of 1 KiB, plus at most 1 MiB of free pages kept for reuse. */
    CHECK(sql_int(path, "PRAGMA page_count") - sql_int(path, "PRAGMA freelist_count") < 100);
    CHECK(sql_int(path, "PRAGMA freelist_count") <= 256);
    CHECK(db < (1 << 20) + (512 << 10));
    CHECK_INT(wal, 0);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM kv"), 100);
    int64_t n = 0;
    CHECK(s->ops->count(s, "/s/", &n, &e) == 0);
    CHECK_INT(n, 100);
    s->ops->close(s);
    CHECK(integrity_ok(path));
}

struct ack {
    int32_t i;
    int64_t rev;
};

/* Child: acknowledged writes to a pipe until killed. Writes i go to key i % 50. */
static void crash_child(const char *path, int fd)
{
    ck_store *s = open_store(path);
    for (int32_t i = 0; i < 1000000; i++) {
        char key[32], value[64];
        snprintf(key, sizeof key, "/crash/%02d", i % 50);
        snprintf(value, sizeof value, "{\"i\":%d}", i);
        ck_err *e = NULL;
        int64_t rev = 0;
        int rc = i < 50 ? s->ops->create(s, key, value, strlen(value), &rev, &e)
                        : s->ops->update(s, key, 0, value, strlen(value), &rev, &e);
        if (rc < 0) _exit(3);
        struct ack a = {i, rev};
        if (write(fd, &a, sizeof a) != sizeof a) _exit(4);
    }
    _exit(0);
}

static void crash_round(int round, unsigned seed)
{
    char name[32];
    snprintf(name, sizeof name, "crash%d", round);
    cleanup_free char *path = db_path(name);
    int fds[2];
    if (pipe(fds) < 0) abort();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        crash_child(path, fds[1]);
    }
    close(fds[1]);
    srand(seed + (unsigned)round);
    int kill_after = 100 + rand() % 3000;
    struct ack acks[50];
    int64_t last_rev = 0;
    int nacks = 0;
    memset(acks, 0, sizeof acks);
    struct ack a;
    bool increasing = true;
    while (read(fds[0], &a, sizeof a) == sizeof a) {
        increasing = increasing && a.rev == last_rev + 1;
        acks[a.i % 50] = a;
        last_rev = a.rev;
        if (++nacks == kill_after) kill(pid, SIGKILL);
    }
    close(fds[0]);
    CHECK(increasing);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* Every acknowledged write is there; at most one unacknowledged write also landed. */
    ck_store *s = open_store(path);
    CHECK(s->ops->current_rev(s) >= last_rev && s->ops->current_rev(s) <= last_rev + 1);
    int ahead = 0;
    for (int k = 0; k < 50 && k < nacks; k++) {
        char key[32], want[64];
        snprintf(key, sizeof key, "/crash/%02d", k);
        ck_kv kv = {0};
        ck_err *e = NULL;
        if (s->ops->get(s, key, 0, &kv, &e) < 0) {
            CHECK(!"acknowledged key missing");
            ck_err_free(e);
            continue;
        }
        if (kv.mod_rev == acks[k].rev) {
            snprintf(want, sizeof want, "{\"i\":%d}", acks[k].i);
            CHECK_STR(kv.value, want);
        } else {
            CHECK(kv.mod_rev == last_rev + 1);
            ahead++;
        }
        ck_kv_clear(&kv);
    }
    CHECK(ahead <= 1);
    ck_event_list l = {0};
    ck_err *e = NULL;
    CHECK(s->ops->events(s, 0, 0, &l, &e) == 0);
    CHECK(l.n == (size_t)nacks || l.n == (size_t)nacks + 1);
    for (size_t i = 0; i < l.n; i++)
        if (l.items[i].kv.mod_rev != (int64_t)i + 1) {
            CHECK(!"revision gap after recovery");
            break;
        }
    ck_event_list_clear(&l);
    int64_t after = CREATE(s, "/crash/after", "x");
    CHECK(after > last_rev && after == s->ops->current_rev(s));
    s->ops->close(s);
    CHECK(integrity_ok(path));
    printf("crash round %d: killed after %d acks (asked %d), rev %lld\n", round, nacks, kill_after,
           (long long)last_rev);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-test-storage-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("seed %u\n", seed);
    test_crud();
    test_revisions_persist();
    test_list_prefix();
    test_pagination_snapshot();
    test_old_revisions();
    test_events_and_watch();
    test_compaction();
    uint64_t t = now_ms();
    test_size_bound();
    printf("size test: %llu ms\n", (unsigned long long)(now_ms() - t));
    for (int round = 0; round < 3; round++)
        crash_round(round, seed);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return UT_DONE();
}
