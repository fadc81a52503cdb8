/* The audit log file, rotated like gopkg.in/natefinch/lumberjack.v2 (what upstream's log
 * backend writes through): backups named <name>-<UTC time>.<ext>, pruned by count and age.
 * Lines are buffered in memory and written by ck_audit_log_flush; never fsync'd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "lib/log.h"
#include "lib/util.h"

#define FLUSH_AT (1 << 20) /* write early past this many buffered bytes */

struct ck_audit_log {
    char *path;
    int fd;
    bool is_stdout;
    long long max_bytes, size; /* size counts buffered bytes too */
    int max_backups, max_age_days;
    char *buf;
    size_t len, cap;
};

static int open_file(ck_audit_log *l, ck_err **err)
{
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (l->fd < 0)
        return ck_error(err, 500, CK_INTERNAL, "cannot open audit log %s: %s", l->path,
                        strerror(errno));
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? (long long)st.st_size : 0;
    return 0;
}

ck_audit_log *ck_audit_log_open(const char *path, long long max_bytes, int max_backups,
                                int max_age_days, ck_err **err)
{
    ck_audit_log *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    l->max_bytes = max_bytes;
    l->max_backups = max_backups;
    l->max_age_days = max_age_days;
    if (streq(path, "-")) {
        l->is_stdout = true;
        l->fd = STDOUT_FILENO;
        return l;
    }
    cleanup_free char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        mkdir_p(dir, 0700);
    }
    if (open_file(l, err) < 0) {
        free(l->path);
        free(l);
        return NULL;
    }
    return l;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            ck_log_warn("audit: write failed: %s; %zu bytes lost", strerror(errno), n);
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void ck_audit_log_flush(ck_audit_log *l)
{
    if (!l || !l->len) return;
    write_all(l->fd, l->buf, l->len);
    l->len = 0;
}

/* Splits the file name into the backup prefix "<dir>/<name>-" and extension ".<ext>". */
static void backup_parts(const char *path, char **prefix, const char **ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    *ext = dot ? dot : "";
    *prefix = xasprintf("%.*s-", (int)(*ext - path), path);
}

typedef struct backup {
    char *path;
    long long ms; /* the time in its name */
} backup;

static int by_time_desc(const void *a, const void *b)
{
    long long x = ((const backup *)a)->ms, y = ((const backup *)b)->ms;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Parses "2006-01-02T15-04-05.000" (UTC) into ms since the epoch; -1 if malformed. */
static long long parse_stamp(const char *s, size_t n)
{
    struct tm tm = {0};
    int ms;
    char tail, buf[24];
    if (n != 23) return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (sscanf(buf, "%4d-%2d-%2dT%2d-%2d-%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &tail) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/* lumberjack's millRunOnce: keep the newest max_backups, drop those older than max_age. */
static void mill(ck_audit_log *l)
{
    if (l->max_backups <= 0 && l->max_age_days <= 0) return;
    cleanup_free char *prefix = NULL;
    const char *ext;
    backup_parts(l->path, &prefix, &ext);
    cleanup_free char *dir = xstrdup(prefix);
    char *slash = strrchr(dir, '/');
    const char *pre = slash ? slash + 1 : dir;
    if (slash)
        *slash = 0;
    else
        dir[0] = '.', dir[1] = 0;
    size_t plen = strlen(pre), elen = strlen(ext);
    DIR *d = opendir(dir);
    if (!d) return;
    backup *b = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl <= plen + elen || strncmp(de->d_name, pre, plen) != 0 ||
            strcmp(de->d_name + nl - elen, ext) != 0)
            continue;
        long long ms = parse_stamp(de->d_name + plen, nl - plen - elen);
        if (ms < 0) continue;
        if (n == cap) b = xrealloc(b, (cap = cap ? cap * 2 : 8) * sizeof *b);
        b[n++] = (backup){xasprintf("%s/%s", dir, de->d_name), ms};
    }
    closedir(d);
    if (n) qsort(b, n, sizeof *b, by_time_desc);
    long long cutoff = (long long)time(NULL) * 1000 - (long long)l->max_age_days * 86400000LL;
    for (size_t i = 0; i < n; i++) {
        bool drop = (l->max_backups > 0 && i >= (size_t)l->max_backups) ||
                    (l->max_age_days > 0 && b[i].ms < cutoff);
        if (drop && unlink(b[i].path) < 0)
            ck_log_warn("audit: cannot remove %s: %s", b[i].path, strerror(errno));
        free(b[i].path);
    }
    free(b);
}

static void rotate(ck_audit_log *l)
{
    ck_audit_log_flush(l);
    close(l->fd);
    cleanup_free char *prefix = NULL;
    const char *ext;
    backup_parts(l->path, &prefix, &ext);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    /* Unlike lumberjack, never overwrite a backup made within the same millisecond. */
    for (;; ms++) {
        time_t sec = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &tm);
        cleanup_free char *name = xasprintf("%s%s.%03lld%s", prefix, stamp, ms % 1000, ext);
        if (access(name, F_OK) == 0) continue;
        if (rename(l->path, name) < 0)
            ck_log_warn("audit: cannot rotate %s: %s", l->path, strerror(errno));
        break;
    }
    ck_err *err = NULL;
    if (open_file(l, &err) < 0) {
        ck_log_error("audit: %s", err->message);
        ck_err_free(err);
        l->fd = -1;
    }
    mill(l);
}

void ck_audit_log_write(ck_audit_log *l, const char *line, size_t n)
{
    if (!l->is_stdout && l->max_bytes > 0) {
        if ((long long)n > l->max_bytes) {
            ck_log_warn("audit: event of %zu bytes exceeds the maximum file size; dropped", n);
            return;
        }
        if (l->size + (long long)n > l->max_bytes) rotate(l);
    }
    if (l->fd < 0) return;
    if (l->len + n > l->cap) {
        l->cap = (l->len + n) * 2;
        l->buf = xrealloc(l->buf, l->cap);
    }
    memcpy(l->buf + l->len, line, n);
    l->len += n;
    l->size += (long long)n;
    if (l->len >= FLUSH_AT) ck_audit_log_flush(l);
}

void ck_audit_log_close(ck_audit_log *l)
{
    if (!l) return;
    if (l->fd >= 0) ck_audit_log_flush(l);
    if (!l->is_stdout && l->fd >= 0) close(l->fd);
    free(l->buf);
    free(l->path);
    free(l);
}
