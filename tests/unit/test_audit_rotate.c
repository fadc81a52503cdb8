/* Unit tests for src/audit/logfile.c: lumberjack-style rotation with a small maximum size,
 * backup naming <name>-<2006-01-02T15-04-05.000>.<ext>, and pruning by count and age. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "lib/util.h"
#include "ut.h"

static char dir[] = "/tmp/ckube-audit-rotate.XXXXXX";

/* Counts backups of audit.log in dir; checks each name's shape. */
static int backups(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!has_prefix(de->d_name, "audit-")) continue;
        n++;
        /* audit-2006-01-02T15-04-05.000.log */
        CHECK_INT(strlen(de->d_name), strlen("audit-2006-01-02T15-04-05.000.log"));
        CHECK(has_suffix(de->d_name, ".log"));
        CHECK(de->d_name[16] == 'T' && de->d_name[19] == '-' && de->d_name[25] == '.');
    }
    if (d) closedir(d);
    return n;
}

static long long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void rm_all(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        unlink(p);
        free(p);
    }
    if (d) closedir(d);
}

static void test_rotation(void)
{
    char *path = xasprintf("%s/audit.log", dir);
    ck_err *err = NULL;
    ck_audit_log *l = ck_audit_log_open(path, 100, 2, 0, &err);
    CHECK(l != NULL);
    if (!l) return;
    const char line[] = "0123456789012345678901234567890123456789\n"; /* 41 bytes */
    ck_audit_log_write(l, line, 41);
    ck_audit_log_write(l, line, 41);
    CHECK_INT(file_size(path), 0); /* buffered until flushed */
    ck_audit_log_flush(l);
    CHECK_INT(file_size(path), 82);
    CHECK_INT(backups(), 0);
    ck_audit_log_write(l, line, 41); /* 123 > 100: rotate first */
    CHECK_INT(backups(), 1);
    ck_audit_log_flush(l);
    CHECK_INT(file_size(path), 41);
    for (int i = 0; i < 8; i++)
        ck_audit_log_write(l, line, 41);
    ck_audit_log_flush(l);
    CHECK_INT(backups(), 2); /* maxbackup */
    CHECK(file_size(path) > 0 && file_size(path) <= 100);
    char big[200];
    memset(big, 'x', sizeof big);
    big[199] = '\n';
    ck_audit_log_write(l, big, sizeof big); /* larger than the maximum: dropped */
    ck_audit_log_flush(l);
    CHECK(file_size(path) <= 100);
    ck_audit_log_close(l);

    /* Reopening appends to the existing file. */
    long long before = file_size(path);
    l = ck_audit_log_open(path, 1000, 0, 0, &err);
    ck_audit_log_write(l, line, 41);
    ck_audit_log_close(l);
    CHECK_INT(file_size(path), before + 41);
    rm_all();
    free(path);
}

static void test_age(void)
{
    char *path = xasprintf("%s/audit.log", dir);
    char *old = xasprintf("%s/audit-2001-02-03T04-05-06.789.log", dir);
    char *other = xasprintf("%s/other-2001-02-03T04-05-06.789.log", dir);
    write_file_atomic(old, "x\n", 2, 0600);
    write_file_atomic(other, "x\n", 2, 0600);
    ck_err *err = NULL;
    ck_audit_log *l = ck_audit_log_open(path, 50, 0, 7, &err);
    const char line[] = "0123456789012345678901234567890123456789\n";
    ck_audit_log_write(l, line, 41);
    CHECK(access(old, F_OK) == 0); /* pruned only when rotating */
    ck_audit_log_write(l, line, 41);
    ck_audit_log_close(l);
    CHECK(access(old, F_OK) != 0);   /* older than 7 days */
    CHECK(access(other, F_OK) == 0); /* not ours */
    CHECK_INT(backups(), 1);
    rm_all();
    free(path);
    free(old);
    free(other);
}

static void test_no_limit(void)
{
    char *path = xasprintf("%s/sub/audit", dir); /* no extension; parent created */
    ck_err *err = NULL;
    ck_audit_log *l = ck_audit_log_open(path, 0, 0, 0, &err);
    CHECK(l != NULL);
    for (int i = 0; i < 100; i++)
        ck_audit_log_write(l, "abc\n", 4);
    ck_audit_log_close(l);
    CHECK_INT(file_size(path), 400);
    unlink(path);
    char *sub = xasprintf("%s/sub", dir);
    rmdir(sub);
    free(sub);
    free(path);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    test_rotation();
    test_age();
    test_no_limit();
    rmdir(dir);
    return UT_DONE();
}
