/* `ckube secrets-encrypt status|rotate` (after k3s's command of that name). Both read the
 * embedded store, DATA/db/state.db, directly: the API never shows stored bytes.
 *   status: opens the database read-only (safe while the server runs, SQLite WAL readers)
 *           and counts the live secrets per provider:key prefix of their stored value.
 *   rotate: offline, on a stopped server's database (it refuses while another process has it
 *           open): rewrites every value of the resources the config covers that was not
 *           written with the config's first provider and key. Upstream's online recipe,
 *           `kubectl get secrets -A -o json | kubectl replace -f -`, would not do it here:
 *           like upstream's GuaranteedUpdate, ckube skips no-op updates, and unlike upstream it
 *           has no "stale" signal from storage to force the write. */
#include "cmd/secrets_encrypt.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "lib/flags.h"
#include "lib/util.h"
#include "storage/encrypted.h"

#define SECRETS_PREFIX "/registry/core/secrets/"

typedef struct tally {
    char names[32][160];
    size_t counts[32], n, total;
} tally;

static void tally_add(tally *t, const char *name)
{
    t->total++;
    for (size_t i = 0; i < t->n; i++)
        if (streq(t->names[i], name)) {
            t->counts[i]++;
            return;
        }
    /* Past 32 distinct keys, the last row counts "other". */
    size_t i = t->n < ARRAY_SIZE(t->names) ? t->n++ : t->n - 1;
    snprintf(t->names[i], sizeof t->names[i], "%s", i + 1 < ARRAY_SIZE(t->names) ? name : "other");
    t->counts[i]++;
}

/* The provider:key new secrets are written with under cfg ("identity" if not covered). */
static void write_key_name(const ck_encryption_config *cfg, char *buf, size_t n)
{
    const ck_transformer *t = ck_encryption_for_key(cfg, SECRETS_PREFIX "x/y");
    const char *p = ck_transform_write_prefix(t);
    ck_transform_describe(p, strlen(p), buf, n);
}

static int status(const char *dbpath, const ck_encryption_config *cfg, const char *cfgpath)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "Error: cannot open %s: %s\n", dbpath, db ? sqlite3_errmsg(db) : "");
        sqlite3_close(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *q = NULL;
    /* Live keys (cur) in [prefix, prefix with its last '/' raised to '0'). */
    const char *sql = "SELECT v.value FROM cur AS c JOIN kv AS v ON v.rev = c.rev "
                      "WHERE c.key >= ?1 AND c.key < ?2 ORDER BY c.key";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "Error: %s: %s\n", dbpath, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_bind_text(q, 1, SECRETS_PREFIX, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, "/registry/core/secrets0", -1, SQLITE_STATIC);
    tally t = {0};
    size_t encrypted = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char name[160];
        const char *v = sqlite3_column_blob(q, 0);
        ck_transform_describe(v ? v : "", (size_t)sqlite3_column_bytes(q, 0), name, sizeof name);
        if (!streq(name, "identity")) encrypted++;
        tally_add(&t, name);
    }
    if (rc != SQLITE_DONE) fprintf(stderr, "Error: %s: %s\n", dbpath, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) return 1;

    printf("Encryption Status: %s\n", encrypted ? "Enabled" : "Disabled");
    printf("Secrets: %zu (%zu encrypted)\n", t.total, encrypted);
    for (size_t i = 0; i < t.n; i++)
        printf("  %-40s %zu\n", t.names[i], t.counts[i]);
    if (!cfg) {
        puts("Encryption config: not given (--encryption-provider-config compares the stored "
             "keys with its first key)");
        return 0;
    }
    char wk[160];
    write_key_name(cfg, wk, sizeof wk);
    size_t current = 0;
    for (size_t i = 0; i < t.n; i++)
        if (streq(t.names[i], wk)) current = t.counts[i];
    printf("Encryption config: %s\nWrite key: %s\n", cfgpath, wk);
    if (current == t.total)
        puts("Rotation: not needed, every secret is stored with the write key");
    else
        printf("Rotation: needed, %zu secret(s) use another key (run `ckube secrets-encrypt "
               "rotate` on the stopped server)\n",
               t.total - current);
    return 0;
}

/* True when another process (a running server) has the database open: in WAL mode every
 * connection holds a shared lock, so an exclusive lock cannot be taken. */
static bool db_in_use(const char *dbpath)
{
    sqlite3 *db = NULL;
    bool busy = false;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK) {
        int rc = sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
        busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        if (rc == SQLITE_OK) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return busy;
}

static int rotate(const char *dbpath, ck_encryption_config *cfg)
{
    if (db_in_use(dbpath)) {
        fprintf(stderr,
                "Error: %s is in use: stop the ckube server first (rotate works offline, "
                "then restart the server with the same --encryption-provider-config)\n",
                dbpath);
        ck_encryption_config_free(cfg);
        return 1;
    }
    char wk[160];
    write_key_name(cfg, wk, sizeof wk);
    ck_store *inner = NULL;
    ck_err *err = NULL;
    if (ck_store_sqlite_open(dbpath, &inner, &err) < 0) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        ck_encryption_config_free(cfg);
        return 1;
    }
    ck_store *s = ck_store_encrypted_wrap(inner, cfg);
    size_t n = 0;
    int rc = ck_store_encrypted_rewrite(s, "/registry/", &n, &err);
    s->ops->close(s);
    if (rc < 0) {
        fprintf(stderr, "Error: rotation stopped after %zu value(s): %s\n", n, err->message);
        ck_err_free(err);
        return 1;
    }
    printf("Rotated %zu value(s); secrets are written with %s\n", n, wk);
    return 0;
}

int ck_cmd_secrets_encrypt(int argc, char **argv)
{
    const char *data_dir = getenv("CKUBE_DATA_DIR");
    const char *cfgpath = NULL;
    if (!data_dir || !*data_dir) data_dir = "/var/lib/ckube";
    const ck_flag flags[] = {
        {"data-dir", CK_FLAG_STRING, &data_dir,
         "Folder holding the server's state (default $CKUBE_DATA_DIR or /var/lib/ckube)"},
        {"encryption-provider-config", CK_FLAG_STRING, &cfgpath,
         "The server's EncryptionConfiguration (required by rotate)"},
    };
    const ck_command_spec spec = {
        "ckube secrets-encrypt", "status|rotate [flags]",
        "Encryption at rest. status: how the stored secrets are encrypted (reads DATA/db/state.db, "
        "safe while the server runs). rotate: re-encrypt every value the config covers with its "
        "first key (offline: stop the server first).",
        flags, ARRAY_SIZE(flags)};
    char **rest = NULL;
    int nrest = 0;
    int rc = ck_flags_parse(&spec, argc, argv, &rest, &nrest);
    if (rc) {
        free(rest);
        return rc > 0 ? 0 : 1;
    }
    const char *verb = nrest == 1 ? rest[0] : NULL;
    free(rest);
    if (!streq(verb, "status") && !streq(verb, "rotate")) {
        fprintf(stderr, "Error: expected one of: status, rotate\n");
        ck_flags_usage(&spec, stderr);
        return 1;
    }
    if (streq(verb, "rotate") && !cfgpath) {
        fprintf(stderr, "Error: rotate needs --encryption-provider-config\n");
        return 1;
    }
    ck_encryption_config *cfg = NULL;
    ck_err *err = NULL;
    if (cfgpath && ck_encryption_config_load(cfgpath, &cfg, &err) < 0) {
        fprintf(stderr, "Error: %s\n", err->message);
        ck_err_free(err);
        return 1;
    }
    cleanup_free char *dbpath = xasprintf("%s/db/state.db", data_dir);
    if (access(dbpath, R_OK) != 0) {
        fprintf(stderr, "Error: %s: %s\n", dbpath, strerror(errno));
        ck_encryption_config_free(cfg);
        return 1;
    }
    if (streq(verb, "rotate")) return rotate(dbpath, cfg);
    rc = status(dbpath, cfg, cfgpath);
    ck_encryption_config_free(cfg);
    return rc;
}
