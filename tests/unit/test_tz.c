/* Time zones: TZif loading (system files and hand-built v1/v2/v3 data), Go's lookup with the
 * POSIX footer, time.Date's resolution of DST gaps and overlaps, name checks, the cache.
 * Zone files come from the Debian package tzdata; without it the zone checks fail loudly. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/tz.h"
#include "ut.h"

static int64_t utc(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s)
{
    return ck_tz_date(ck_tz_utc(), y, mo, d, h, mi, s);
}

static const ck_tz *zone(const char *name)
{
    ck_err *e = NULL;
    const ck_tz *z = ck_tz_load(name, &e);
    if (!z) {
        fprintf(stderr, "FAIL loading zone %s: %s\n", name, e->message);
        ck_err_free(e);
    }
    return z;
}

/* "offset abbr std|dst" of a zone at a Unix time. */
static const char *at_z(const ck_tz *z, int64_t t)
{
    static char buf[64];
    if (!z) return "(no zone)";
    ck_tz_period p;
    ck_tz_lookup(z, t, &p);
    snprintf(buf, sizeof buf, "%d %s %s", p.offset, p.abbr, p.is_dst ? "dst" : "std");
    return buf;
}

static const char *at(const char *name, int64_t t)
{
    return at_z(zone(name), t);
}

/* RFC 3339 of time.Date(y, mo, d, h, mi, 0, 0, zone) shown in that zone. */
static const char *date_z(const ck_tz *z, int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi)
{
    static char buf[40];
    if (!z) return "(no zone)";
    ck_tz_format_rfc3339(z, ck_tz_date(z, y, mo, d, h, mi, 0), buf);
    return buf;
}

static const char *date(const char *name, int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi)
{
    return date_z(zone(name), y, mo, d, h, mi);
}

static const char *load_err(const char *name)
{
    static char buf[256];
    ck_err *e = NULL;
    const ck_tz *z = ck_tz_load(name, &e);
    snprintf(buf, sizeof buf, "%s", z ? "ok" : e->message);
    ck_err_free(e);
    return buf;
}

/* ---- hand-built TZif data ------------------------------------------------------------------ */

typedef struct tzbuf {
    unsigned char b[1024];
    size_t n;
} tzbuf;

static void put(tzbuf *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void be(tzbuf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        b->b[b->n++] = (unsigned char)(v >> (8 * i));
}

typedef struct spec {
    char version; /* 0, '2', '3' */
    int ntx, ntype, nchar;
    int64_t when[4];
    uint8_t idx[4];
    int32_t off[4];
    uint8_t dst[4], ai[4];
    const char *chars, *footer;
} spec;

static void header(tzbuf *b, const spec *s, bool zero)
{
    put(b, "TZif", 4);
    b->b[b->n++] = (unsigned char)s->version;
    memset(b->b + b->n, 0, 15);
    b->n += 15;
    uint32_t counts[6] = {0, 0, 0, (uint32_t)s->ntx, (uint32_t)s->ntype, (uint32_t)s->nchar};
    for (int i = 0; i < 6; i++)
        be(b, zero ? 0 : counts[i], 4);
}

static void body(tzbuf *b, const spec *s, int size)
{
    for (int i = 0; i < s->ntx; i++)
        be(b, (uint64_t)s->when[i], size);
    put(b, s->idx, (size_t)s->ntx);
    for (int i = 0; i < s->ntype; i++) {
        be(b, (uint32_t)s->off[i], 4);
        b->b[b->n++] = s->dst[i];
        b->b[b->n++] = s->ai[i];
    }
    put(b, s->chars, (size_t)s->nchar);
}

/* v1: one 32-bit section. v2+: an empty 32-bit section, the 64-bit one, the footer. */
static tzbuf build(const spec *s)
{
    tzbuf b = {.n = 0};
    if (s->version == 0) {
        header(&b, s, false);
        body(&b, s, 4);
        return b;
    }
    header(&b, s, true);
    header(&b, s, false);
    body(&b, s, 8);
    b.b[b.n++] = '\n';
    put(&b, s->footer, strlen(s->footer));
    b.b[b.n++] = '\n';
    return b;
}

static ck_tz *from(const char *name, const tzbuf *b, char *errbuf)
{
    ck_err *e = NULL;
    ck_tz *z = ck_tz_from_tzif(name, b->b, b->n, &e);
    snprintf(errbuf, 128, "%s", z ? "ok" : e->message);
    ck_err_free(e);
    return z;
}

static void synthetic(void)
{
    char err[128];
    /* v1: AAA (+1h) until 2001-09-09T01:46:40Z, then BBB (+2h, DST) */
    spec v1 = {0, 1, 2, 8, {1000000000}, {1}, {3600, 7200}, {0, 1}, {0, 4}, "AAA\0BBB\0", ""};
    tzbuf b = build(&v1);
    ck_tz *z = from("Test/V1", &b, err);
    CHECK_STR(err, "ok");
    CHECK_STR(at_z(z, 999999999), "3600 AAA std");
    CHECK_STR(at_z(z, 1000000000), "7200 BBB dst");
    CHECK_STR(at_z(z, INT64_MIN), "3600 AAA std");
    CHECK_STR(z ? ck_tz_name(z) : "", "Test/V1");
    ck_tz_free(z);

    /* v2 with no transitions at all: the footer alone (Europe/Berlin's rule). */
    spec cet = {'2', 0, 1, 4, {0}, {0}, {3600}, {0}, {0}, "CET\0", "CET-1CEST,M3.5.0,M10.5.0/3"};
    b = build(&cet);
    z = from("Test/CET", &b, err);
    CHECK_STR(err, "ok");
    CHECK_STR(at_z(z, utc(2026, 3, 29, 0, 59, 59)), "3600 CET std");
    CHECK_STR(at_z(z, utc(2026, 3, 29, 1, 0, 0)), "7200 CEST dst");
    CHECK_STR(at_z(z, utc(2026, 10, 25, 0, 59, 59)), "7200 CEST dst");
    CHECK_STR(at_z(z, utc(2026, 10, 25, 1, 0, 0)), "3600 CET std");
    CHECK_STR(at_z(z, utc(1900, 7, 1, 0, 0, 0)), "7200 CEST dst");
    CHECK_STR(date_z(z, 2026, 3, 29, 2, 30), "2026-03-29T03:30:00+02:00");
    CHECK_STR(date_z(z, 2026, 10, 25, 2, 30), "2026-10-25T02:30:00+01:00");
    CHECK_STR(at_z(z, INT64_MAX), "3600 CET std"); /* no overflow at the ends of time */
    CHECK_STR(at_z(z, INT64_MIN), "3600 CET std");
    if (z) {
        ck_civil c;
        ck_tz_civil(z, INT64_MAX, &c, NULL);
        CHECK(c.year > 2000000000);
    }
    ck_tz_free(z);

    /* v3, a fixed offset in angle brackets with minutes */
    spec iran = {'3', 0, 1, 6, {0}, {0}, {12600}, {0}, {0}, "+0330\0", "<+0330>-3:30"};
    b = build(&iran);
    z = from("Test/Fixed", &b, err);
    CHECK_STR(at_z(z, utc(2030, 6, 1, 0, 0, 0)), "12600 +0330 std");
    CHECK_STR(date_z(z, 2030, 6, 1, 12, 0), "2030-06-01T12:00:00+03:30");
    ck_tz_free(z);

    /* southern hemisphere: DST from October to April (the labels flip inside tzset) */
    spec syd = {
        '2', 0, 1, 5, {0}, {0}, {36000}, {0}, {0}, "AEST\0", "AEST-10AEDT,M10.1.0,M4.1.0/3"};
    b = build(&syd);
    z = from("Test/Sydney", &b, err);
    CHECK_STR(at_z(z, utc(2030, 1, 15, 0, 0, 0)), "39600 AEDT dst");
    CHECK_STR(at_z(z, utc(2030, 7, 15, 0, 0, 0)), "36000 AEST std");
    CHECK_STR(at_z(z, utc(2030, 12, 31, 23, 0, 0)), "39600 AEDT dst");
    ck_tz_free(z);

    /* tzcode's default rules (M3.2.0,M11.1.0) and the default DST offset (std + 1h) */
    spec est = {'2', 0, 1, 4, {0}, {0}, {-18000}, {0}, {0}, "EST\0", "EST5EDT"};
    b = build(&est);
    z = from("Test/EST5EDT", &b, err);
    CHECK_STR(at_z(z, utc(2040, 3, 11, 6, 59, 59)), "-18000 EST std");
    CHECK_STR(at_z(z, utc(2040, 3, 11, 7, 0, 0)), "-14400 EDT dst");
    CHECK_STR(at_z(z, utc(2040, 11, 4, 6, 0, 0)), "-18000 EST std");
    ck_tz_free(z);

    /* Julian days: J60 is March 1 even in leap years */
    spec jul = {'2', 0, 1, 4, {0}, {0}, {-10800}, {0}, {0}, "XXX\0", "XXX3YYY,J60,J300"};
    b = build(&jul);
    z = from("Test/Julian", &b, err);
    CHECK_STR(at_z(z, utc(2028, 3, 1, 4, 59, 59)), "-10800 XXX std");
    CHECK_STR(at_z(z, utc(2028, 3, 1, 5, 0, 0)), "-7200 YYY dst");
    ck_tz_free(z);

    /* an unusable footer is ignored: the last transition's type stays */
    spec junk = {'2', 1, 2, 8, {0}, {1}, {0, 3600}, {0, 0}, {0, 4}, "OLD\0NEW\0", "garbage"};
    b = build(&junk);
    z = from("Test/Junk", &b, err);
    CHECK_STR(at_z(z, -1), "0 OLD std");
    CHECK_STR(at_z(z, utc(2050, 1, 1, 0, 0, 0)), "3600 NEW std");
    ck_tz_free(z);

    /* malformed data */
    tzbuf bad = build(&cet);
    bad.b[0] = 'X';
    CHECK(from("x", &bad, err) == NULL);
    CHECK_STR(err, "malformed time zone information");
    bad = build(&cet);
    bad.b[4] = '9'; /* unknown version */
    CHECK(from("x", &bad, err) == NULL);
    bad = build(&cet);
    bad.n = 60; /* cut inside the 64-bit section */
    CHECK(from("x", &bad, err) == NULL);
    CHECK_STR(err, "malformed time zone information");
    spec noty = cet;
    noty.ntype = 0;
    bad = build(&noty);
    CHECK(from("x", &bad, err) == NULL);
    spec badabbr = v1;
    badabbr.ai[1] = 8; /* past the abbreviation characters */
    bad = build(&badabbr);
    CHECK(from("x", &bad, err) == NULL);
    spec badidx = v1;
    badidx.idx[0] = 2; /* no such type */
    bad = build(&badidx);
    CHECK(from("x", &bad, err) == NULL);
    CHECK(from("x", &(tzbuf){.n = 0}, err) == NULL);
}

/* ---- calendar and UTC ---------------------------------------------------------------------- */

static void calendar(void)
{
    CHECK_INT(ck_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(ck_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT(ck_days_from_civil(1, 1, 1), -719162);
    CHECK(ck_is_leap(2000) && ck_is_leap(2024) && ck_is_leap(2028));
    CHECK(!ck_is_leap(1900) && !ck_is_leap(2100) && !ck_is_leap(2026));
    CHECK_INT(ck_days_in_month(2028, 2), 29);
    CHECK_INT(ck_days_in_month(2100, 2), 28);
    CHECK_INT(ck_days_in_month(2026, 4), 30);
    ck_civil c;
    ck_civil_from_unix(utc(2026, 3, 29, 12, 34, 56), &c);
    CHECK(c.year == 2026 && c.month == 3 && c.day == 29 && c.hour == 12 && c.min == 34 &&
          c.sec == 56);
    CHECK_INT(c.wday, 0); /* a Sunday */
    CHECK_INT(c.yday, 31 + 28 + 29);
    ck_civil_from_unix(-1, &c);
    CHECK(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.wday == 3);
    ck_civil_from_unix(INT64_C(-62135596800), &c); /* Go's zero time */
    CHECK(c.year == 1 && c.month == 1 && c.day == 1 && c.wday == 1);

    /* time.Date normalisation */
    CHECK_INT(utc(2026, 1, 1, 0, 0, 0), 1767225600);
    CHECK_INT(utc(2026, 2, 30, 0, 0, 0), utc(2026, 3, 2, 0, 0, 0));
    CHECK_INT(utc(2028, 2, 30, 0, 0, 0), utc(2028, 3, 1, 0, 0, 0));
    CHECK_INT(utc(2026, 13, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0));
    CHECK_INT(utc(2026, 0, 1, 0, 0, 0), utc(2025, 12, 1, 0, 0, 0));
    CHECK_INT(utc(2026, -11, 1, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0));
    CHECK_INT(utc(2026, 3, 0, 0, 0, 0), utc(2026, 2, 28, 0, 0, 0));
    CHECK_INT(utc(2026, 1, 1, 25, 0, 0), utc(2026, 1, 2, 1, 0, 0));
    CHECK_INT(utc(2026, 1, 1, 0, -1, 0), utc(2025, 12, 31, 23, 59, 0));
    CHECK_INT(utc(2026, 1, 1, 0, 0, 86400 * 365), utc(2027, 1, 1, 0, 0, 0));

    char buf[40];
    ck_tz_format_rfc3339(ck_tz_utc(), utc(2026, 3, 29, 1, 30, 0), buf);
    CHECK_STR(buf, "2026-03-29T01:30:00Z");
}

static void names(void)
{
    CHECK(ck_tz_load("", NULL) == ck_tz_utc());
    CHECK(ck_tz_load("UTC", NULL) == ck_tz_utc());
    CHECK(ck_tz_load("Local", NULL) == ck_tz_local());
    CHECK_STR(ck_tz_name(ck_tz_utc()), "UTC");
    CHECK_STR(ck_tz_name(ck_tz_local()), "Local");
    /* ckube's Local is UTC */
    CHECK_STR(at_z(ck_tz_local(), utc(2026, 7, 1, 0, 0, 0)), "0 UTC std");
    CHECK_STR(date_z(ck_tz_local(), 2026, 3, 29, 2, 30), "2026-03-29T02:30:00Z");

    CHECK_STR(load_err("../etc/passwd"), "time: invalid location name");
    CHECK_STR(load_err("/etc/localtime"), "time: invalid location name");
    CHECK_STR(load_err("Europe/../UTC"), "time: invalid location name");
    CHECK_STR(load_err("a..b"), "time: invalid location name");
    CHECK_STR(load_err("\\Europe"), "time: invalid location name");
    CHECK_STR(load_err("Nowhere/Zone"), "unknown time zone Nowhere/Zone");
    CHECK_STR(load_err("europe/berlin"), "unknown time zone europe/berlin");
    CHECK_STR(load_err("Europe"), "is a directory");
    CHECK_STR(load_err("Europe/Berlin/x"), "not a directory");
    CHECK_STR(load_err("zone.tab"), "malformed time zone information");
    CHECK_STR(load_err("Etc/UTC"), "ok");
    CHECK_STR(load_err("Etc/GMT+5"), "ok");
    CHECK_STR(at("Etc/GMT+5", utc(2026, 1, 1, 0, 0, 0)), "-18000 -05 std");
    /* cached: the same zone each time */
    CHECK(zone("Europe/Berlin") == zone("Europe/Berlin"));
    CHECK_STR(zone("Europe/Berlin") ? ck_tz_name(zone("Europe/Berlin")) : "", "Europe/Berlin");
}

static void offsets(void)
{
    /* Europe/Berlin, 2026: CET -> CEST at 01:00 UTC on March 29, back on October 25 */
    CHECK_STR(at("Europe/Berlin", utc(2026, 1, 15, 12, 0, 0)), "3600 CET std");
    CHECK_STR(at("Europe/Berlin", utc(2026, 3, 29, 0, 59, 59)), "3600 CET std");
    CHECK_STR(at("Europe/Berlin", utc(2026, 3, 29, 1, 0, 0)), "7200 CEST dst");
    CHECK_STR(at("Europe/Berlin", utc(2026, 7, 1, 0, 0, 0)), "7200 CEST dst");
    CHECK_STR(at("Europe/Berlin", utc(2026, 10, 25, 0, 59, 59)), "7200 CEST dst");
    CHECK_STR(at("Europe/Berlin", utc(2026, 10, 25, 1, 0, 0)), "3600 CET std");
    /* America/New_York, 2026: March 8 07:00 UTC and November 1 06:00 UTC */
    CHECK_STR(at("America/New_York", utc(2026, 3, 8, 6, 59, 59)), "-18000 EST std");
    CHECK_STR(at("America/New_York", utc(2026, 3, 8, 7, 0, 0)), "-14400 EDT dst");
    CHECK_STR(at("America/New_York", utc(2026, 11, 1, 5, 59, 59)), "-14400 EDT dst");
    CHECK_STR(at("America/New_York", utc(2026, 11, 1, 6, 0, 0)), "-18000 EST std");
    /* past the table (2037): the POSIX footer answers */
    CHECK_STR(at("Europe/Berlin", utc(2040, 3, 25, 0, 59, 59)), "3600 CET std");
    CHECK_STR(at("Europe/Berlin", utc(2040, 3, 25, 1, 0, 0)), "7200 CEST dst");
    CHECK_STR(at("Europe/Berlin", utc(2040, 10, 28, 0, 59, 59)), "7200 CEST dst");
    CHECK_STR(at("Europe/Berlin", utc(2040, 10, 28, 1, 0, 0)), "3600 CET std");
    CHECK_STR(at("America/New_York", utc(2040, 3, 11, 6, 59, 59)), "-18000 EST std");
    CHECK_STR(at("America/New_York", utc(2040, 3, 11, 7, 0, 0)), "-14400 EDT dst");
    CHECK_STR(at("America/New_York", utc(2040, 11, 4, 5, 59, 59)), "-14400 EDT dst");
    CHECK_STR(at("America/New_York", utc(2040, 11, 4, 6, 0, 0)), "-18000 EST std");
    CHECK_STR(at("Australia/Sydney", utc(2045, 1, 10, 0, 0, 0)), "39600 AEDT dst");
    CHECK_STR(at("Australia/Sydney", utc(2045, 7, 10, 0, 0, 0)), "36000 AEST std");
    /* before the first transition: local mean time */
    CHECK_STR(at("Europe/Berlin", utc(1850, 1, 1, 0, 0, 0)), "3208 LMT std");
    /* odd offsets */
    CHECK_STR(at("Asia/Kathmandu", utc(2026, 1, 1, 0, 0, 0)), "20700 +0545 std");
    CHECK_STR(at("America/Sao_Paulo", utc(2018, 11, 4, 3, 0, 0)), "-7200 -02 dst");

    ck_civil c;
    const ck_tz *berlin = zone("Europe/Berlin");
    if (berlin) {
        ck_tz_civil(berlin, utc(2026, 12, 31, 23, 30, 0), &c, NULL);
        CHECK(c.year == 2027 && c.month == 1 && c.day == 1 && c.hour == 0 && c.min == 30);
        CHECK_INT(c.yday, 1);
        CHECK_INT(c.wday, 5); /* a Friday */
    }
}

/* time.Date on wall times that do not exist or exist twice. */
static void wall_times(void)
{
    CHECK_STR(date("Europe/Berlin", 2026, 7, 1, 12, 0), "2026-07-01T12:00:00+02:00");
    const ck_tz *berlin = zone("Europe/Berlin");
    CHECK_INT(berlin ? ck_tz_date(berlin, 2026, 7, 1, 12, 0, 0) : -1, utc(2026, 7, 1, 10, 0, 0));
    /* east of UTC: a gap time moves forward, an overlap time is the second one */
    CHECK_STR(date("Europe/Berlin", 2026, 3, 29, 2, 30), "2026-03-29T03:30:00+02:00");
    CHECK_STR(date("Europe/Berlin", 2026, 3, 29, 2, 0), "2026-03-29T03:00:00+02:00");
    CHECK_STR(date("Europe/Berlin", 2026, 3, 29, 3, 0), "2026-03-29T03:00:00+02:00");
    CHECK_STR(date("Europe/Berlin", 2026, 10, 25, 2, 30), "2026-10-25T02:30:00+01:00");
    CHECK_STR(date("Europe/Berlin", 2040, 3, 25, 2, 30), "2040-03-25T03:30:00+02:00");
    CHECK_STR(date("Europe/Berlin", 2040, 10, 28, 2, 30), "2040-10-28T02:30:00+01:00");
    /* west of UTC: a gap time moves back, an overlap time is the first one */
    CHECK_STR(date("America/New_York", 2026, 3, 8, 2, 30), "2026-03-08T01:30:00-05:00");
    CHECK_STR(date("America/New_York", 2026, 11, 1, 1, 30), "2026-11-01T01:30:00-04:00");
    CHECK_STR(date("America/New_York", 2040, 3, 11, 2, 30), "2040-03-11T01:30:00-05:00");
    /* at offset zero Go keeps the UTC reading */
    CHECK_STR(date("Europe/London", 2026, 3, 29, 1, 30), "2026-03-29T02:30:00+01:00");
    CHECK_STR(date("Europe/London", 2026, 10, 25, 1, 30), "2026-10-25T01:30:00Z");
    /* Sao Paulo 2018: midnight did not exist on November 4 */
    CHECK_STR(date("America/Sao_Paulo", 2018, 11, 4, 0, 0), "2018-11-03T23:00:00-03:00");
    CHECK_STR(date("Asia/Kathmandu", 2026, 1, 1, 5, 45), "2026-01-01T05:45:00+05:45");
}

static void *worker(void *arg)
{
    const ck_tz **want = arg;
    static const char *const names_[] = {"Europe/Berlin", "America/New_York", "Asia/Tokyo"};
    for (int i = 0; i < 300; i++) {
        const ck_tz *z = ck_tz_load(names_[i % 3], NULL);
        ck_tz_period p;
        if (!z || (i % 3 == 0 && z != want[0])) return "different zone";
        ck_tz_lookup(z, 1767225600 + i * 86400LL, &p);
        if (i % 3 == 2 && p.offset != 32400) return "wrong Tokyo offset";
    }
    return NULL;
}

static void threads(void)
{
    const ck_tz *want[1] = {zone("Europe/Berlin")};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, want);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK_STR(r ? (const char *)r : "ok", "ok");
    }
}

int main(void)
{
    calendar();
    synthetic();
    if (access(CK_TZ_DIR "/Europe/Berlin", R_OK) != 0) {
        fprintf(stderr,
                "FAIL %s/Europe/Berlin is missing: install the Debian package tzdata "
                "(scripts/deps.sh); the zone checks below fail without it\n",
                CK_TZ_DIR);
        ut_failed++;
    }
    names();
    offsets();
    wall_times();
    threads();
    return UT_DONE();
}
