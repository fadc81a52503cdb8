/* Time zones after Go's time package: TZif parsing (LoadLocationFromTZData), the zone
 * lookup with its POSIX TZ footer (Location.lookup, tzset) and time.Date's resolution of
 * wall times. No libc time-zone state (TZ, tzset, localtime) is used. */
#include "lib/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#define ALPHA INT64_MIN /* Go's alpha and omega: the ends of time */
#define OMEGA INT64_MAX
#define DAY 86400
#define MAX_FILE (10 << 20) /* Go refuses zone files over 10 MB */

typedef struct tz_type {
    int offset;
    bool is_dst;
    const char *abbr;
} tz_type;

typedef struct tz_tx {
    int64_t when;
    uint8_t idx;
} tz_tx;

enum { RULE_JULIAN, RULE_DOY, RULE_MWD };
typedef struct tz_rule {
    int kind, day, week, mon, time;
} tz_rule;

/* The POSIX TZ string of a v2+ file's footer, parsed once as Go's tzset parses it. */
typedef struct tz_posix {
    bool ok, has_dst;
    char std[32], dst[32];
    int std_off, dst_off; /* seconds east of UTC */
    tz_rule start, end;
} tz_posix;

struct ck_tz {
    char *name;
    tz_type *types;
    size_t ntypes, first; /* first: the type used before the first transition */
    tz_tx *tx;
    size_t ntx;
    char *abbrs;
    tz_posix footer;
    bool is_static;
    struct ck_tz *next; /* cache chain */
};

static ck_tz utc_zone = {.name = "UTC", .is_static = true};
static ck_tz local_zone = {.name = "Local", .is_static = true};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static ck_tz *cache;

const ck_tz *ck_tz_utc(void)
{
    return &utc_zone;
}

const ck_tz *ck_tz_local(void)
{
    return &local_zone;
}

const char *ck_tz_name(const ck_tz *z)
{
    return z->name;
}

/* ---- calendar --------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0)) q--;
    return q;
}

bool ck_is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static const int days_before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

int ck_days_in_month(int64_t y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ck_is_leap(y) ? 29 : n[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (400-year eras of 146097 days,
 * years counted from March so that the leap day ends the year). */
int64_t ck_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ck_civil_from_unix(int64_t t, ck_civil *c)
{
    int64_t days = floor_div(t, DAY), secs = t - days * DAY;
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = yoe + era * 400 + (c->month <= 2);
    c->hour = (int)(secs / 3600);
    c->min = (int)(secs / 60 % 60);
    c->sec = (int)(secs % 60);
    c->wday = (int)(days + 4 - floor_div(days + 4, 7) * 7); /* 1970-01-01 was a Thursday */
    c->yday = (int)(days - ck_days_from_civil(c->year, 1, 1) + 1);
}

/* ---- POSIX TZ footer (Go's tzset) ------------------------------------------------------- */

static bool tzs_num(const char **s, int min, int max, int *out)
{
    const char *p = *s;
    int n = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((n = n * 10 + (*p - '0')) > max) return false;
    if (p == *s || n < min) return false;
    *s = p;
    *out = n;
    return true;
}

static bool tzs_name(const char **s, char out[32])
{
    const char *p = *s, *b, *e;
    if (!*p) return false;
    if (*p == '<') {
        b = p + 1;
        if (!(e = strchr(b, '>'))) return false;
        *s = e + 1;
    } else {
        b = p;
        for (e = p; *e && !strchr("0123456789,-+", *e); e++)
            ;
        if (e - b < 3) return false;
        *s = e;
    }
    snprintf(out, 32, "%.*s", (int)(e - b), b);
    return true;
}

/* [+-]hh[:mm[:ss]], hours up to 167 as tzcode allows; seconds added to local time. */
static bool tzs_offset(const char **s, int *out)
{
    bool neg = **s == '-';
    if (**s == '+' || **s == '-') (*s)++;
    int h, m = 0, sec = 0;
    if (!tzs_num(s, 0, 24 * 7, &h)) return false;
    if (**s == ':') {
        (*s)++;
        if (!tzs_num(s, 0, 59, &m)) return false;
        if (**s == ':') {
            (*s)++;
            if (!tzs_num(s, 0, 59, &sec)) return false;
        }
    }
    int off = h * 3600 + m * 60 + sec;
    *out = neg ? -off : off;
    return true;
}

static bool tzs_rule(const char **s, tz_rule *r)
{
    *r = (tz_rule){0};
    if (**s == 'J') {
        (*s)++;
        r->kind = RULE_JULIAN;
        if (!tzs_num(s, 1, 365, &r->day)) return false;
    } else if (**s == 'M') {
        (*s)++;
        r->kind = RULE_MWD;
        if (!tzs_num(s, 1, 12, &r->mon) || **s != '.') return false;
        (*s)++;
        if (!tzs_num(s, 1, 5, &r->week) || **s != '.') return false;
        (*s)++;
        if (!tzs_num(s, 0, 6, &r->day)) return false;
    } else {
        r->kind = RULE_DOY;
        if (!tzs_num(s, 0, 365, &r->day)) return false;
    }
    r->time = 2 * 3600;
    if (**s != '/') return true;
    (*s)++;
    return tzs_offset(s, &r->time);
}

static void posix_parse(const char *s, tz_posix *p)
{
    int off;
    *p = (tz_posix){0};
    if (!tzs_name(&s, p->std) || !tzs_offset(&s, &off)) return;
    p->std_off = -off;
    if (!*s || *s == ',') {
        p->ok = true;
        return;
    }
    if (!tzs_name(&s, p->dst)) return;
    if (!*s || *s == ',') {
        p->dst_off = p->std_off + 3600;
    } else {
        if (!tzs_offset(&s, &off)) return;
        p->dst_off = -off;
    }
    if (!*s) s = ",M3.2.0,M11.1.0"; /* tzcode's default rules */
    if (*s != ',' && *s != ';') return;
    s++;
    if (!tzs_rule(&s, &p->start) || *s != ',') return;
    s++;
    if (!tzs_rule(&s, &p->end) || *s) return;
    p->has_dst = p->ok = true;
}

/* Seconds from the start of the (UTC) year to the rule's transition, as tzruleTime. */
static int64_t rule_time(int64_t year, const tz_rule *r, int off)
{
    int64_t s;
    if (r->kind == RULE_JULIAN) {
        s = (int64_t)(r->day - 1) * DAY;
        if (ck_is_leap(year) && r->day >= 60) s += DAY;
    } else if (r->kind == RULE_DOY) {
        s = (int64_t)r->day * DAY;
    } else {
        /* Zeller's congruence gives the weekday of the month's first day. */
        int64_t m1 = (r->mon + 9) % 12 + 1, yy0 = year - (r->mon <= 2);
        int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
        int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0) dow += 7;
        int64_t d = r->day - dow;
        if (d < 0) d += 7;
        for (int i = 1; i < r->week && d + 7 < ck_days_in_month(year, r->mon); i++)
            d += 7;
        d += days_before[r->mon - 1] + (ck_is_leap(year) && r->mon > 2);
        s = d * DAY;
    }
    return s + r->time - off;
}

#define FAR (INT64_C(1) << 60) /* ~36 billion years: beyond it the rule is not applied */

static void posix_lookup(const tz_posix *p, int64_t last_tx, int64_t sec, ck_tz_period *o)
{
    if (!p->has_dst || sec < -FAR || sec > FAR) {
        *o = (ck_tz_period){p->std, p->std_off, false, last_tx, OMEGA};
        return;
    }
    ck_civil c;
    ck_civil_from_unix(sec, &c);
    int64_t ysec = (int64_t)(c.yday - 1) * DAY + sec % DAY; /* Go's truncating % */
    int64_t abs = ck_days_from_civil(c.year, 1, 1) * DAY;
    int64_t start = rule_time(c.year, &p->start, p->std_off);
    int64_t end = rule_time(c.year, &p->end, p->dst_off);
    ck_tz_period std = {p->std, p->std_off, false, 0, 0}, dst = {p->dst, p->dst_off, true, 0, 0};
    if (end < start) { /* southern hemisphere: the labels flip, as in Go */
        int64_t t = start;
        start = end;
        end = t;
        ck_tz_period x = std;
        std = dst;
        dst = x;
    }
    if (ysec < start) {
        *o = std;
        o->start = abs, o->end = start + abs;
    } else if (ysec >= end) {
        *o = std;
        o->start = end + abs, o->end = abs + 365 * DAY;
    } else {
        *o = dst;
        o->start = start + abs, o->end = end + abs;
    }
}

/* ---- lookup, civil time, time.Date -------------------------------------------------------- */

void ck_tz_lookup(const ck_tz *z, int64_t sec, ck_tz_period *o)
{
    if (z->ntypes == 0) {
        *o = (ck_tz_period){"UTC", 0, false, ALPHA, OMEGA};
        return;
    }
    if (z->ntx == 0 || sec < z->tx[0].when) {
        const tz_type *t = &z->types[z->first];
        *o = (ck_tz_period){t->abbr, t->offset, t->is_dst, ALPHA, z->ntx ? z->tx[0].when : OMEGA};
        return;
    }
    size_t lo = 0, hi = z->ntx;
    int64_t end = OMEGA;
    while (hi - lo > 1) {
        size_t m = lo + (hi - lo) / 2;
        if (sec < z->tx[m].when) {
            end = z->tx[m].when;
            hi = m;
        } else {
            lo = m;
        }
    }
    const tz_type *t = &z->types[z->tx[lo].idx];
    *o = (ck_tz_period){t->abbr, t->offset, t->is_dst, z->tx[lo].when, end};
    if (lo == z->ntx - 1 && z->footer.ok) posix_lookup(&z->footer, z->tx[lo].when, sec, o);
}

void ck_tz_civil(const ck_tz *z, int64_t sec, ck_civil *out, ck_tz_period *p)
{
    ck_tz_period tmp;
    if (!p) p = &tmp;
    ck_tz_lookup(z, sec, p);
    int64_t local;
    if (__builtin_add_overflow(sec, p->offset, &local)) local = sec;
    ck_civil_from_unix(local, out);
}

int64_t ck_tz_date(const ck_tz *z, int64_t year, int64_t month, int64_t day, int64_t hour,
                   int64_t min, int64_t sec)
{
    int64_t m = month - 1, carry = floor_div(m, 12);
    year += carry;
    m -= carry * 12;
    int64_t unix =
        (ck_days_from_civil(year, (int)m + 1, 1) + day - 1) * DAY + hour * 3600 + min * 60 + sec;
    /* Read the wall time as UTC, take that instant's offset, and keep it if the result
     * stays inside that offset's period; otherwise use the offset at the result. */
    ck_tz_period p;
    ck_tz_lookup(z, unix, &p);
    if (p.offset != 0) {
        int64_t utc = unix - p.offset;
        if (utc < p.start || utc >= p.end) ck_tz_lookup(z, utc, &p);
        unix -= p.offset;
    }
    return unix;
}

void ck_tz_format_rfc3339(const ck_tz *z, int64_t sec, char out[40])
{
    ck_civil c;
    ck_tz_period p;
    ck_tz_civil(z, sec, &c, &p);
    int n = snprintf(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.year, c.month, c.day,
                     c.hour, c.min, c.sec);
    if (n < 0 || n >= 34) return;
    if (p.offset == 0) {
        snprintf(out + n, 40 - (size_t)n, "Z");
        return;
    }
    int mins = p.offset / 60;
    char sign = mins < 0 ? '-' : '+';
    if (mins < 0) mins = -mins;
    snprintf(out + n, 40 - (size_t)n, "%c%02d:%02d", sign, mins / 60 % 100, mins % 60);
}

/* ---- TZif ------------------------------------------------------------------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t n;
    bool bad;
} rd;

static const uint8_t *take(rd *r, size_t k)
{
    if (r->bad || r->n < k) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += k;
    r->n -= k;
    return q;
}

static bool big4(rd *r, uint32_t *v)
{
    const uint8_t *q = take(r, 4);
    if (q) *v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    return q != NULL;
}

static uint64_t be64(const uint8_t *q)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | q[i];
    return v;
}

void ck_tz_free(ck_tz *z)
{
    if (!z || z->is_static) return;
    free(z->name);
    free(z->types);
    free(z->tx);
    free(z->abbrs);
    free(z);
}

/* The type Go uses before the first transition (lookupFirstZone). */
static size_t first_type(const ck_tz *z)
{
    bool used = false;
    for (size_t i = 0; i < z->ntx && !used; i++)
        used = z->tx[i].idx == 0;
    if (!used) return 0;
    if (z->ntx > 0 && z->types[z->tx[0].idx].is_dst)
        for (size_t i = z->tx[0].idx; i-- > 0;)
            if (!z->types[i].is_dst) return i;
    for (size_t i = 0; i < z->ntypes; i++)
        if (!z->types[i].is_dst) return i;
    return 0;
}

enum { N_UTLOCAL, N_STDWALL, N_LEAP, N_TIME, N_TYPE, N_CHAR };

ck_tz *ck_tz_from_tzif(const char *name, const void *data, size_t len, ck_err **err)
{
    rd r = {data, len, false};
    const uint8_t *magic = take(&r, 4), *hdr = take(&r, 16);
    uint32_t n[6];
    /* Version 4 is accepted too: it only adds leap-second table rules Go ignores. */
    bool ok = magic && hdr && memcmp(magic, "TZif", 4) == 0 &&
              (hdr[0] == 0 || (hdr[0] >= '2' && hdr[0] <= '4'));
    for (int i = 0; ok && i < 6; i++)
        ok = big4(&r, &n[i]);
    bool is64 = ok && hdr[0] != 0;
    if (is64) { /* skip the 32-bit data and the second header, read the counts again */
        take(&r, (size_t)n[N_TIME] * 5 + (size_t)n[N_TYPE] * 6 + n[N_CHAR] + (size_t)n[N_LEAP] * 8 +
                     n[N_STDWALL] + n[N_UTLOCAL] + 20);
        for (int i = 0; ok && i < 6; i++)
            ok = big4(&r, &n[i]);
    }
    if (!ok) goto bad;
    size_t sz = is64 ? 8 : 4;
    const uint8_t *times = take(&r, n[N_TIME] * sz), *idx = take(&r, n[N_TIME]);
    const uint8_t *types = take(&r, (size_t)n[N_TYPE] * 6), *abbr = take(&r, n[N_CHAR]);
    take(&r, (size_t)n[N_LEAP] * (sz + 4));
    take(&r, n[N_STDWALL]);
    take(&r, n[N_UTLOCAL]);
    if (r.bad || n[N_TYPE] == 0) goto bad;

    ck_tz *z = xcalloc(1, sizeof *z);
    z->name = xstrdup(name);
    z->abbrs = xmalloc(n[N_CHAR] + 1);
    memcpy(z->abbrs, abbr, n[N_CHAR]);
    z->abbrs[n[N_CHAR]] = 0;
    z->ntypes = n[N_TYPE];
    z->types = xcalloc(z->ntypes, sizeof *z->types);
    for (size_t i = 0; i < z->ntypes; i++) {
        const uint8_t *t = types + i * 6;
        z->types[i].offset =
            (int32_t)((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3]);
        z->types[i].is_dst = t[4] != 0;
        if (t[5] >= n[N_CHAR]) goto bad_z;
        z->types[i].abbr = z->abbrs + t[5];
    }
    z->ntx = n[N_TIME] ? n[N_TIME] : 1;
    z->tx = xcalloc(z->ntx, sizeof *z->tx);
    if (n[N_TIME] == 0) z->tx[0].when = ALPHA; /* one fake transition covering all time */
    for (size_t i = 0; i < n[N_TIME]; i++) {
        const uint8_t *t = times + i * sz;
        z->tx[i].when = is64 ? (int64_t)be64(t)
                             : (int32_t)((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
                                         (uint32_t)t[2] << 8 | t[3]);
        if (idx[i] >= z->ntypes) goto bad_z;
        z->tx[i].idx = idx[i];
    }
    if (r.n > 2 && r.p[0] == '\n' && r.p[r.n - 1] == '\n') {
        cleanup_free char *footer = xstrndup((const char *)r.p + 1, r.n - 2);
        posix_parse(footer, &z->footer);
    }
    z->first = first_type(z);
    return z;
bad_z:
    ck_tz_free(z);
bad:
    ck_error(err, 500, CK_INTERNAL, "malformed time zone information");
    return NULL;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* syscall.Errno's texts for what opening a zone file can meet. */
static char *errno_text(int e)
{
    switch (e) {
    case EISDIR:
        return xstrdup("is a directory");
    case ENOTDIR:
        return xstrdup("not a directory");
    case EACCES:
        return xstrdup("permission denied");
    case ENAMETOOLONG:
        return xstrdup("file name too long");
    case ELOOP:
        return xstrdup("too many levels of symbolic links");
    }
    char buf[128];
    char *s = xstrdup(strerror_r(e, buf, sizeof buf));
    if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
    return s;
}

/* Reads the zone file; returns 0, or an errno value (EFBIG when over Go's size limit). */
static int read_zone(const char *path, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    int rc = 0;
    for (;;) {
        if (n == cap) buf = xrealloc(buf, cap *= 2);
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) rc = errno;
        if (k <= 0) break;
        if ((n += (size_t)k) > MAX_FILE) {
            rc = EFBIG;
            break;
        }
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

const ck_tz *ck_tz_load(const char *name, ck_err **err)
{
    if (!*name || streq(name, "UTC")) return &utc_zone;
    if (streq(name, "Local")) return &local_zone;
    if (strstr(name, "..") || name[0] == '/' || name[0] == '\\') {
        ck_error(err, 422, CK_INVALID, "time: invalid location name");
        return NULL;
    }
    pthread_mutex_lock(&cache_lock);
    ck_tz *z = cache;
    while (z && strcmp(z->name, name) != 0)
        z = z->next;
    if (!z) {
        cleanup_free char *path = xasprintf("%s/%s", CK_TZ_DIR, name), *data = NULL;
        size_t len = 0;
        int e = read_zone(path, &data, &len);
        if (e == ENOENT) {
            ck_error(err, 422, CK_INVALID, "unknown time zone %s", name);
        } else if (e == EFBIG) {
            ck_error(err, 422, CK_INVALID, "time: file %s is too large", path);
        } else if (e) {
            cleanup_free char *t = errno_text(e);
            ck_error(err, 422, CK_INVALID, "%s", t);
        } else if ((z = ck_tz_from_tzif(name, data, len, err))) {
            z->next = cache;
            cache = z;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return z;
}
