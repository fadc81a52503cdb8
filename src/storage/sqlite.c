/* Embedded SQLite backend for the storage interface (storage.h).
 *
 * Layout: `kv` holds every retained version of every key with its revision as the rowid, so
 * events are a rowid range scan; the unique index kv(key, rev) answers "newest version of key
 * at or below rev" with one seek; `cur` maps each live key to its latest revision so current
 * lists and counts are range scans over live keys only. The current revision is max(kv.rev),
 * or meta.rev_floor when compaction removed the newest row (a tombstone), so revisions are
 * never reused and a write touches only kv and cur. Every write is one BEGIN IMMEDIATE
 * transaction in WAL mode with synchronous=FULL: the WAL is fsynced before the call returns.
 *
 * Compaction to C removes, for every revision r in (compacted, C], the version r superseded
 * (its prev_rev) and r itself if it is a tombstone. It walks that rowid range in batches of
 * COMPACT_BATCH revisions, one short transaction each, recording progress as it commits, so it
 * never rescans the table, never holds the write lock for long and always makes progress
 * (kine's single unbounded DELETE timed out and was rolled back forever, k3s#11901). Space is
 * then returned with incremental_vacuum and the WAL truncated (k3s#3660). All statements are
 * reset right after use so no read transaction lingers and blocks checkpoints. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "storage/storage.h"

#define SCHEMA_VERSION 1
#define COMPACT_BATCH 500       /* revisions per compaction transaction (at most 2 deletes each) */
#define VACUUM_MIN_FREE 256     /* free pages kept for reuse rather than returned to the OS */
#define WAL_AUTOCHECKPOINT 1000 /* pages (4 MiB at the default page size) */
#define JOURNAL_SIZE_LIMIT (8 << 20)

enum {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_GET,
    Q_INSERT,
    Q_CUR_PUT,
    Q_CUR_DEL,
    Q_LIST_CUR,
    Q_NEXT_KEY,
    Q_COUNT,
    Q_EVENTS,
    Q_COMPACT_SCAN,
    Q_DELETE_REV,
    Q_META_SET,
    Q_FREELIST,
    Q_VACUUM,
    Q_N
};

static const char *const query_sql[Q_N] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    /* key, at -> newest version of key with rev <= at (an index seek) */
    [Q_GET] = "SELECT rev, create_rev, deleted, value FROM kv WHERE key = ?1 AND rev <= ?2 "
              "ORDER BY rev DESC LIMIT 1",
    [Q_INSERT] = "INSERT INTO kv(rev, key, create_rev, prev_rev, deleted, value) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_CUR_PUT] = "INSERT OR REPLACE INTO cur(key, rev) VALUES (?1, ?2)",
    [Q_CUR_DEL] = "DELETE FROM cur WHERE key = ?1",
    /* lo, hi, limit -> live keys in [lo, hi) with their latest version */
    [Q_LIST_CUR] = "SELECT c.key, v.value, v.create_rev, v.rev FROM cur AS c "
                   "JOIN kv AS v ON v.rev = c.rev WHERE c.key >= ?1 AND c.key < ?2 "
                   "ORDER BY c.key LIMIT ?3",
    /* lo, hi -> smallest key in [lo, hi) with any retained version (an index seek) */
    [Q_NEXT_KEY] = "SELECT key FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT 1",
    [Q_COUNT] = "SELECT count(*) FROM cur WHERE key >= ?1 AND key < ?2",
    [Q_EVENTS] = "SELECT v.rev, v.key, v.deleted, v.create_rev, v.value, v.prev_rev, "
                 "p.create_rev, p.value FROM kv AS v LEFT JOIN kv AS p ON p.rev = v.prev_rev "
                 "WHERE v.rev > ?1 ORDER BY v.rev LIMIT ?2",
    [Q_COMPACT_SCAN] = "SELECT rev, prev_rev, deleted FROM kv WHERE rev > ?1 AND rev <= ?2 "
                       "ORDER BY rev LIMIT ?3",
    [Q_DELETE_REV] = "DELETE FROM kv WHERE rev = ?1",
    [Q_META_SET] = "UPDATE meta SET rev_floor = ?1, compact_rev = ?2",
    [Q_FREELIST] = "PRAGMA freelist_count",
    [Q_VACUUM] = "PRAGMA incremental_vacuum(1024)",
};

static const char schema_sql[] =
    "BEGIN IMMEDIATE;"
    /* prev_rev: revision of the version this one superseded (0: none); a tombstone
     * (deleted = 1) has no value and points at the last live version. */
    "CREATE TABLE IF NOT EXISTS kv (rev INTEGER PRIMARY KEY, key TEXT NOT NULL,"
    " create_rev INTEGER NOT NULL, prev_rev INTEGER NOT NULL, deleted INTEGER NOT NULL,"
    " value BLOB);"
    "CREATE UNIQUE INDEX IF NOT EXISTS kv_key_rev ON kv(key, rev);"
    "CREATE TABLE IF NOT EXISTS cur (key TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;"
    /* rev_floor: the current revision when compaction last deleted rows; revisions are never
     * reused even when compaction removed the newest row (a tombstone). */
    "CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " rev_floor INTEGER NOT NULL, compact_rev INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES (1, 0, 0);"
    "PRAGMA user_version = 1;"
    "COMMIT;";

typedef struct sqlite_store {
    ck_store base;
    sqlite3 *db;
    sqlite3_stmt *q[Q_N];
    int64_t rev;         /* current revision */
    int64_t compact_rev; /* history below this revision is gone */
    ck_watch_cb watch;
    void *watch_ctx;
    bool group;  /* group commit: writes stay in an open transaction until flush */
    bool in_txn; /* that transaction is open */
} sqlite_store;

/* A key range [lo, hi); hi == NULL means unbounded. lo may contain a NUL byte. */
typedef struct key_range {
    char *lo, *hi;
    size_t lolen, hilen;
} key_range;

static sqlite_store *S(ck_store *base)
{
    return (sqlite_store *)base;
}

static void stmt_resetp(sqlite3_stmt **q)
{
    if (*q) {
        sqlite3_reset(*q);
        sqlite3_clear_bindings(*q);
    }
}
/* Resets a statement when it goes out of scope, ending its read of the database. */
#define cleanup_stmt __attribute__((cleanup(stmt_resetp)))

static int db_error(sqlite_store *s, ck_err **err, const char *what)
{
    return ck_error(err, 500, CK_INTERNAL, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Runs a prepared statement that returns no rows. */
static int run(sqlite_store *s, int id, const char *what, ck_err **err)
{
    cleanup_stmt sqlite3_stmt *q = s->q[id];
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_error(s, err, what);
    return 0;
}

static void rollback(sqlite_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) run(s, Q_ROLLBACK, "rollback", NULL);
}

static int commit(sqlite_store *s, ck_err **err)
{
    if (run(s, Q_COMMIT, "commit", err) == 0) return 0;
    rollback(s);
    return -1;
}

static void bind_text(sqlite3_stmt *q, int i, const char *p, size_t n)
{
    sqlite3_bind_text(q, i, p, (int)n, SQLITE_STATIC);
}

static void bind_range(sqlite3_stmt *q, int ilo, int ihi, const key_range *r)
{
    bind_text(q, ilo, r->lo, r->lolen);
    /* Every BLOB sorts after every TEXT, so an empty blob is an index-usable "no bound". */
    if (r->hi)
        bind_text(q, ihi, r->hi, r->hilen);
    else
        sqlite3_bind_blob(q, ihi, "", 0, SQLITE_STATIC);
}

/* Copies n bytes into a new NUL-terminated string. */
static char *dup_bytes(const void *p, size_t n)
{
    char *d = xmalloc(n + 1);
    if (n) memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

static char *col_dup(sqlite3_stmt *q, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(q, col);
    size_t n = (size_t)sqlite3_column_bytes(q, col);
    if (len) *len = n;
    return dup_bytes(p, n);
}

static void range_clear(key_range *r)
{
    free(r->lo);
    free(r->hi);
}

/* [max(prefix, successor(start_after)), prefix-end). The smallest string greater than s is
 * s followed by a NUL byte (etcd pagination uses the same successor). */
static void range_init(key_range *r, const char *prefix, const char *start_after)
{
    size_t plen = strlen(prefix);
    r->lo = dup_bytes(prefix, plen);
    r->lolen = plen;
    if (start_after) {
        size_t alen = strlen(start_after);
        int c = memcmp(start_after, prefix, alen < plen ? alen : plen);
        if (c > 0 || (c == 0 && alen >= plen)) {
            free(r->lo);
            r->lo = dup_bytes(start_after, alen + 1); /* includes the NUL */
            r->lolen = alen + 1;
        }
    }
    r->hi = NULL;
    r->hilen = 0;
    size_t n = plen;
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n > 0) {
        r->hi = dup_bytes(prefix, n);
        r->hi[n - 1] = (char)((unsigned char)r->hi[n - 1] + 1);
        r->hilen = n;
    }
}

static ck_kv *kv_push(ck_kv_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    ck_kv *kv = &l->items[l->n++];
    memset(kv, 0, sizeof *kv);
    return kv;
}

static ck_event *event_push(ck_event_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    ck_event *ev = &l->items[l->n++];
    memset(ev, 0, sizeof *ev);
    return ev;
}

static int check_key(const char *key, ck_err **err)
{
    if (!key || !*key) return ck_error(err, 400, CK_BAD_REQUEST, "storage: empty key");
    return 0;
}

/* 410 for revisions below the compacted one, 504 (as upstream) for future revisions. */
static int check_rev(sqlite_store *s, int64_t rev, ck_err **err)
{
    if (rev < 0) return ck_error(err, 400, CK_BAD_REQUEST, "invalid revision %lld", (long long)rev);
    if (rev && rev < s->compact_rev)
        return ck_error(err, 410, CK_GONE, "The resourceVersion %lld is too old: compacted to %lld",
                        (long long)rev, (long long)s->compact_rev);
    if (rev > s->rev)
        return ck_error(err, 504, CK_TIMEOUT, "Too large resource version: %lld, current: %lld",
                        (long long)rev, (long long)s->rev);
    return 0;
}

/* Newest version of key at or below `at`. Returns 1 and fills *out (if non-NULL) when it is
 * live, 0 when absent or deleted, -1 on error. */
static int read_version(sqlite_store *s, const char *key, int64_t at, ck_kv *out, ck_err **err)
{
    cleanup_stmt sqlite3_stmt *q = s->q[Q_GET];
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, at);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return db_error(s, err, "get");
    if (sqlite3_column_int64(q, 2)) return 0;
    if (out) {
        out->key = xstrdup(key);
        out->mod_rev = sqlite3_column_int64(q, 0);
        out->create_rev = sqlite3_column_int64(q, 1);
        out->value = col_dup(q, 3, &out->len);
    }
    return 1;
}

static int sq_get(ck_store *base, const char *key, int64_t rev, ck_kv *out, ck_err **err)
{
    sqlite_store *s = S(base);
    if (check_key(key, err) < 0 || check_rev(s, rev, err) < 0) return -1;
    int r = read_version(s, key, rev ? rev : s->rev, out, err);
    if (r == 0) return ck_error(err, 404, CK_NOT_FOUND, "key %s not found", key);
    return r < 0 ? -1 : 0;
}

/* Current state: one range scan over live keys. */
static int list_current(sqlite_store *s, const key_range *r, int64_t limit, ck_kv_list *out,
                        bool *more, ck_err **err)
{
    cleanup_stmt sqlite3_stmt *q = s->q[Q_LIST_CUR];
    bind_range(q, 1, 2, r);
    sqlite3_bind_int64(q, 3, limit ? limit + 1 : -1);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (limit && n == limit) {
            *more = true;
            break;
        }
        ck_kv *kv = kv_push(out);
        kv->key = col_dup(q, 0, NULL);
        kv->value = col_dup(q, 1, &kv->len);
        kv->create_rev = sqlite3_column_int64(q, 2);
        kv->mod_rev = sqlite3_column_int64(q, 3);
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(s, err, "list");
    return 0;
}

/* A past revision: for each distinct key in range (one index seek), the newest version at
 * or below `at` (another seek). Cost is proportional to the keys in range, not to history. */
static int list_at(sqlite_store *s, key_range *r, int64_t at, int64_t limit, ck_kv_list *out,
                   bool *more, ck_err **err)
{
    int64_t n = 0;
    for (;;) {
        cleanup_free char *key = NULL;
        {
            cleanup_stmt sqlite3_stmt *q = s->q[Q_NEXT_KEY];
            bind_range(q, 1, 2, r);
            int rc = sqlite3_step(q);
            if (rc == SQLITE_DONE) return 0;
            if (rc != SQLITE_ROW) return db_error(s, err, "list");
            key = col_dup(q, 0, NULL);
        }
        ck_kv kv = {0};
        int found = read_version(s, key, at, &kv, err);
        if (found < 0) return -1;
        if (found) {
            if (limit && n == limit) {
                *more = true;
                ck_kv_clear(&kv);
                return 0;
            }
            *kv_push(out) = kv;
            n++;
        }
        size_t klen = strlen(key);
        free(r->lo);
        r->lo = dup_bytes(key, klen + 1); /* the successor of key */
        r->lolen = klen + 1;
    }
}

static int sq_list(ck_store *base, const char *prefix, const char *start_after, int64_t rev,
                   int64_t limit, ck_kv_list *out, bool *more, int64_t *at_rev, ck_err **err)
{
    sqlite_store *s = S(base);
    bool more_ = false;
    if (check_rev(s, rev, err) < 0) return -1;
    if (limit < 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid limit %lld", (long long)limit);
    int64_t at = rev ? rev : s->rev;
    key_range r;
    range_init(&r, prefix ? prefix : "", start_after);
    int ret = at == s->rev ? list_current(s, &r, limit, out, &more_, err)
                           : list_at(s, &r, at, limit, out, &more_, err);
    range_clear(&r);
    if (more) *more = more_;
    if (at_rev) *at_rev = at;
    return ret;
}

static int sq_count(ck_store *base, const char *prefix, int64_t *n, ck_err **err)
{
    sqlite_store *s = S(base);
    key_range r;
    range_init(&r, prefix ? prefix : "", NULL);
    cleanup_stmt sqlite3_stmt *q = s->q[Q_COUNT];
    bind_range(q, 1, 2, &r);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *n = sqlite3_column_int64(q, 0);
    range_clear(&r);
    return rc == SQLITE_ROW ? 0 : db_error(s, err, "count");
}

enum write_op { W_CREATE, W_UPDATE, W_DELETE };

/* Tells the watcher about a committed write. prev is the version it replaced (key NULL if
 * none); the event is owned here and valid only during the callback. */
static void notify(sqlite_store *s, enum write_op op, const char *key, int64_t rev,
                   const char *value, size_t len, ck_kv *prev)
{
    if (!s->watch) return;
    ck_event ev = {.type = op == W_DELETE ? CK_EVENT_DELETE : CK_EVENT_PUT};
    ev.kv.key = xstrdup(key);
    ev.kv.mod_rev = rev;
    if (op == W_DELETE) {
        ev.kv.value = dup_bytes(prev->value, prev->len);
        ev.kv.len = prev->len;
        ev.kv.create_rev = prev->create_rev;
    } else {
        ev.kv.value = dup_bytes(value, len);
        ev.kv.len = len;
        ev.kv.create_rev = prev->key ? prev->create_rev : rev;
    }
    ev.prev = *prev;
    memset(prev, 0, sizeof *prev);
    s->watch(&ev, s->watch_ctx);
    ck_event_clear(&ev);
}

/* Applies one write as revision rev inside the open write transaction, filling *prev with the
 * latest version before it (key NULL if none). Returns 0, or -1 with nothing modified when a
 * precondition fails (404/409), or -1 after a database error, when the transaction must be
 * rolled back. Kept apart from the commit so a writer thread can group several per commit. */
static int apply(sqlite_store *s, enum write_op op, const char *key, int64_t expect,
                 const char *value, size_t len, int64_t rev, ck_kv *prev, ck_err **err)
{
    int found = read_version(s, key, INT64_MAX, prev, err);
    if (found < 0) return -1;
    if (op == W_CREATE && found)
        return ck_error(err, 409, CK_ALREADY_EXISTS, "key %s already exists", key);
    if (op != W_CREATE && !found) return ck_error(err, 404, CK_NOT_FOUND, "key %s not found", key);
    if (op != W_CREATE && expect && expect != prev->mod_rev)
        return ck_error(err, 409, CK_CONFLICT,
                        "the object has been modified: key %s is at revision %lld, not %lld", key,
                        (long long)prev->mod_rev, (long long)expect);
    {
        cleanup_stmt sqlite3_stmt *q = s->q[Q_INSERT];
        sqlite3_bind_int64(q, 1, rev);
        sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, found ? prev->create_rev : rev);
        sqlite3_bind_int64(q, 4, found ? prev->mod_rev : 0);
        sqlite3_bind_int(q, 5, op == W_DELETE);
        if (op == W_DELETE)
            sqlite3_bind_null(q, 6);
        else
            sqlite3_bind_blob(q, 6, value ? value : "", (int)len, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) return db_error(s, err, "insert");
    }
    cleanup_stmt sqlite3_stmt *q = s->q[op == W_DELETE ? Q_CUR_DEL : Q_CUR_PUT];
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (op != W_DELETE) sqlite3_bind_int64(q, 2, rev);
    if (sqlite3_step(q) != SQLITE_DONE) return db_error(s, err, "update current");
    return 0;
}

/* A write in group-commit mode: applied inside the open transaction (begun if needed),
 * visible at once, durable at the next flush. A failed precondition modifies nothing; a
 * database error here would lose earlier pending writes, so it is fatal. */
static int write_grouped(sqlite_store *s, enum write_op op, const char *key, int64_t expect,
                         const char *value, size_t len, int64_t *rev_out, ck_err **err)
{
    if (!s->in_txn) {
        if (run(s, Q_BEGIN, "begin", err) < 0) return -1;
        s->in_txn = true;
    }
    ck_kv prev = {0};
    int64_t rev = s->rev + 1;
    if (apply(s, op, key, expect, value, len, rev, &prev, err) < 0) {
        ck_kv_clear(&prev);
        if ((*err)->code != 404 && (*err)->code != 409) {
            fprintf(stderr, "ckube: storage: %s; pending writes cannot be kept\n", (*err)->message);
            abort();
        }
        return -1;
    }
    s->rev = rev;
    if (rev_out) *rev_out = rev;
    notify(s, op, key, rev, value, len, &prev);
    ck_kv_clear(&prev);
    return 0;
}

static void sq_set_group_commit(ck_store *base, bool on)
{
    S(base)->group = on;
}

static bool sq_pending(ck_store *base)
{
    return S(base)->in_txn;
}

static int sq_flush(ck_store *base, ck_err **err)
{
    sqlite_store *s = S(base);
    if (!s->in_txn) return 0;
    s->in_txn = false;
    return commit(s, err);
}

/* One write in its own transaction; the commit fsyncs the WAL before the watcher is told. */
static int write_key(sqlite_store *s, enum write_op op, const char *key, int64_t expect,
                     const char *value, size_t len, int64_t *rev_out, ck_err **err)
{
    if (check_key(key, err) < 0) return -1;
    if (len > INT32_MAX || (!value && len))
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid value of %zu bytes", len);
    if (s->group) return write_grouped(s, op, key, expect, value, len, rev_out, err);
    if (run(s, Q_BEGIN, "begin", err) < 0) return -1;
    ck_kv prev = {0};
    int64_t rev = s->rev + 1;
    if (apply(s, op, key, expect, value, len, rev, &prev, err) < 0 || commit(s, err) < 0) {
        rollback(s);
        ck_kv_clear(&prev);
        return -1;
    }
    s->rev = rev;
    if (rev_out) *rev_out = rev;
    notify(s, op, key, rev, value, len, &prev);
    ck_kv_clear(&prev);
    return 0;
}

static int sq_create(ck_store *base, const char *key, const char *value, size_t len, int64_t *rev,
                     ck_err **err)
{
    return write_key(S(base), W_CREATE, key, 0, value, len, rev, err);
}

static int sq_update(ck_store *base, const char *key, int64_t expect, const char *value, size_t len,
                     int64_t *rev, ck_err **err)
{
    return write_key(S(base), W_UPDATE, key, expect, value, len, rev, err);
}

static int sq_del(ck_store *base, const char *key, int64_t expect, int64_t *rev, ck_err **err)
{
    return write_key(S(base), W_DELETE, key, expect, NULL, 0, rev, err);
}

static int sq_events(ck_store *base, int64_t after, int64_t limit, ck_event_list *out, ck_err **err)
{
    sqlite_store *s = S(base);
    if (after < s->compact_rev)
        return ck_error(err, 410, CK_GONE, "The resourceVersion %lld is too old: compacted to %lld",
                        (long long)after, (long long)s->compact_rev);
    cleanup_stmt sqlite3_stmt *q = s->q[Q_EVENTS];
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, limit > 0 ? limit : -1);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        ck_event *ev = event_push(out);
        bool deleted = sqlite3_column_int64(q, 2) != 0;
        int64_t prev_rev = sqlite3_column_int64(q, 5);
        ev->type = deleted ? CK_EVENT_DELETE : CK_EVENT_PUT;
        ev->kv.mod_rev = sqlite3_column_int64(q, 0);
        ev->kv.key = col_dup(q, 1, NULL);
        ev->kv.create_rev = sqlite3_column_int64(q, 3);
        ev->kv.value = col_dup(q, deleted ? 7 : 4, &ev->kv.len);
        if (prev_rev) {
            ev->prev.key = xstrdup(ev->kv.key);
            ev->prev.mod_rev = prev_rev;
            ev->prev.create_rev = sqlite3_column_int64(q, 6);
            ev->prev.value = col_dup(q, 7, &ev->prev.len);
        }
    }
    if (rc != SQLITE_DONE) return db_error(s, err, "events");
    return 0;
}

static void sq_set_watch(ck_store *base, ck_watch_cb cb, void *ctx)
{
    sqlite_store *s = S(base);
    s->watch = cb;
    s->watch_ctx = ctx;
}

/* One compaction transaction over at most COMPACT_BATCH revisions above the compacted one.
 * Progress is committed with the deletions, so an interruption loses nothing. */
static int compact_batch(sqlite_store *s, int64_t target, ck_err **err)
{
    int64_t dels[2 * COMPACT_BATCH], last = s->compact_rev;
    size_t nrev = 0, ndel = 0;
    if (run(s, Q_BEGIN, "begin", err) < 0) return -1;
    {
        cleanup_stmt sqlite3_stmt *q = s->q[Q_COMPACT_SCAN];
        sqlite3_bind_int64(q, 1, s->compact_rev);
        sqlite3_bind_int64(q, 2, target);
        sqlite3_bind_int(q, 3, COMPACT_BATCH);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            last = sqlite3_column_int64(q, 0);
            nrev++;
            int64_t prev = sqlite3_column_int64(q, 1);
            if (prev) dels[ndel++] = prev;
            if (sqlite3_column_int64(q, 2)) dels[ndel++] = last;
        }
        if (rc != SQLITE_DONE) {
            db_error(s, err, "compact");
            goto fail;
        }
    }
    for (size_t i = 0; i < ndel; i++) {
        cleanup_stmt sqlite3_stmt *q = s->q[Q_DELETE_REV];
        sqlite3_bind_int64(q, 1, dels[i]);
        if (sqlite3_step(q) != SQLITE_DONE) {
            db_error(s, err, "compact");
            goto fail;
        }
    }
    int64_t done = nrev < COMPACT_BATCH ? target : last;
    {
        cleanup_stmt sqlite3_stmt *q = s->q[Q_META_SET];
        sqlite3_bind_int64(q, 1, s->rev);
        sqlite3_bind_int64(q, 2, done);
        if (sqlite3_step(q) != SQLITE_DONE) {
            db_error(s, err, "compact");
            goto fail;
        }
    }
    if (commit(s, err) < 0) return -1;
    s->compact_rev = done;
    return 0;
fail:
    rollback(s);
    return -1;
}

static int64_t freelist_pages(sqlite_store *s)
{
    cleanup_stmt sqlite3_stmt *q = s->q[Q_FREELIST];
    return sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
}

/* Returns free pages to the file system in short transactions, then truncates the WAL. */
static int reclaim(sqlite_store *s, ck_err **err)
{
    int64_t prev = INT64_MAX, n;
    while ((n = freelist_pages(s)) > VACUUM_MIN_FREE && n < prev) {
        prev = n;
        cleanup_stmt sqlite3_stmt *q = s->q[Q_VACUUM];
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE) return db_error(s, err, "incremental_vacuum");
    }
    /* SQLITE_BUSY only means another process is reading; the next compaction retries. */
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return db_error(s, err, "wal_checkpoint");
    return 0;
}

static int sq_compact(ck_store *base, int64_t rev, ck_err **err)
{
    sqlite_store *s = S(base);
    if (rev > s->rev)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "cannot compact to future revision %lld (current %lld)", (long long)rev,
                        (long long)s->rev);
    if (rev <= s->compact_rev) return 0;
    if (sq_flush(base, err) < 0) return -1;
    while (s->compact_rev < rev)
        if (compact_batch(s, rev, err) < 0) return -1;
    return reclaim(s, err);
}

static int64_t sq_current_rev(ck_store *base)
{
    return S(base)->rev;
}

static int64_t sq_compacted_rev(ck_store *base)
{
    return S(base)->compact_rev;
}

static void sq_close(ck_store *base)
{
    sqlite_store *s = S(base);
    if (!s) return;
    ck_err *err = NULL;
    if (sq_flush(base, &err) < 0) fprintf(stderr, "ckube: storage: %s\n", err->message);
    ck_err_free(err);
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db); /* checkpoints and removes the WAL */
    free(s);
}

static const ck_store_ops sqlite_ops = {
    .get = sq_get,
    .list = sq_list,
    .count = sq_count,
    .create = sq_create,
    .update = sq_update,
    .del = sq_del,
    .events = sq_events,
    .set_watch = sq_set_watch,
    .compact = sq_compact,
    .set_group_commit = sq_set_group_commit,
    .pending = sq_pending,
    .flush = sq_flush,
    .current_rev = sq_current_rev,
    .compacted_rev = sq_compacted_rev,
    .close = sq_close,
};

/* Runs a one-off statement and returns its first column as an integer (or -1). */
static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Makes a newly created file's directory entry durable. */
static int sync_parent_dir(const char *path)
{
    cleanup_free char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int setup(sqlite_store *s, const char *path, bool created, ck_err **err)
{
    char sql[256];
    /* auto_vacuum must precede the first table; journal_mode returns the mode it set. */
    if (sqlite3_exec(s->db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "auto_vacuum");
    sqlite3_stmt *q = NULL;
    bool wal = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &q, NULL) == SQLITE_OK &&
               sqlite3_step(q) == SQLITE_ROW &&
               streq((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    if (!wal) return db_error(s, err, "cannot enable WAL mode");
    snprintf(sql, sizeof sql,
             "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = %d;"
             "PRAGMA journal_size_limit = %d; PRAGMA temp_store = MEMORY;"
             "PRAGMA cache_size = -16384;",
             WAL_AUTOCHECKPOINT, JOURNAL_SIZE_LIMIT);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) return db_error(s, err, "pragma");
    int64_t version = query_int(s->db, "PRAGMA user_version");
    if (version > SCHEMA_VERSION)
        return ck_error(err, 500, CK_INTERNAL, "sqlite: schema version %lld is newer than %d",
                        (long long)version, SCHEMA_VERSION);
    /* A database created without auto_vacuum is converted once. */
    if (query_int(s->db, "PRAGMA auto_vacuum") != 2 &&
        sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "vacuum");
    if (sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        db_error(s, err, "schema");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    for (int i = 0; i < Q_N; i++)
        if (sqlite3_prepare_v3(s->db, query_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i],
                               NULL) != SQLITE_OK)
            return db_error(s, err, query_sql[i]);
    int64_t max_rev = query_int(s->db, "SELECT coalesce(max(rev), 0) FROM kv");
    int64_t floor = query_int(s->db, "SELECT rev_floor FROM meta");
    s->compact_rev = query_int(s->db, "SELECT compact_rev FROM meta");
    if (max_rev < 0 || floor < 0 || s->compact_rev < 0)
        return db_error(s, err, "reading revisions");
    s->rev = max_rev > floor ? max_rev : floor;
    /* Start with an empty WAL: everything committed so far goes into the main file. */
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return db_error(s, err, "wal_checkpoint");
    if (created && sync_parent_dir(path) < 0)
        return ck_error(err, 500, CK_INTERNAL, "fsync directory of %s: %s", path, strerror(errno));
    return 0;
}

int ck_store_sqlite_open(const char *path, ck_store **out, ck_err **err)
{
    struct stat st;
    bool created = stat(path, &st) < 0;
    sqlite_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ck_error(err, 500, CK_INTERNAL, "sqlite: open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sq_close(&s->base);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (setup(s, path, created, err) < 0) {
        sq_close(&s->base);
        return -1;
    }
    *out = &s->base;
    return 0;
}
