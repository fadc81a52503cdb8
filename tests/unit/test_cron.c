/* CronJob schedules: robfig/cron v3's standard parser (bits and error texts), Next (robfig's
 * own activation and next-time tables, DST in America/New_York and Europe/Berlin, leap
 * years, the day-of-month/day-of-week OR rule, steps, names, @every), the CronJob validation
 * details, and the controller's missed-schedule arithmetic (upstream's utils_test scenarios,
 * on a base date of our own). Zone files come from the Debian package tzdata. */
#include <stdlib.h>
#include <unistd.h>

#include "controller/cron.h"
#include "lib/util.h"
#include "ut.h"

#define MIN 60
#define HOUR 3600
#define DAYS 86400

/* "2026-03-29T02:30:00+02:00", "...Z", or without seconds; -1 when malformed. */
static int64_t ts(const char *s)
{
    int y, mo, d, h, mi, sec = 0, n = 0, oh = 0, om = 0;
    char sign = 'Z';
    if (sscanf(s, "%d-%d-%dT%d:%d%n", &y, &mo, &d, &h, &mi, &n) != 5) return -1;
    s += n;
    if (*s == ':' && sscanf(s, ":%d%n", &sec, &n) == 1) s += n;
    if (*s == '+' || *s == '-') {
        sign = *s;
        if (sscanf(s + 1, "%d:%d", &oh, &om) != 2) return -1;
    }
    int64_t off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
    return ck_tz_date(ck_tz_utc(), y, mo, d, h, mi, sec) - off;
}

static const char *perr(const char *spec)
{
    static char buf[256];
    ck_cron c;
    ck_err *e = NULL;
    snprintf(buf, sizeof buf, "%s", ck_cron_parse(spec, &c, &e) == 0 ? "ok" : e->message);
    ck_err_free(e);
    return buf;
}

static ck_cron parse(const char *spec)
{
    ck_cron c;
    ck_err *e = NULL;
    if (ck_cron_parse(spec, &c, &e) < 0) {
        fprintf(stderr, "FAIL parsing %s: %s\n", spec, e->message);
        ck_err_free(e);
        c = (ck_cron){.tz = ck_tz_local()};
    }
    return c;
}

/* Next after `from`, shown in the schedule's zone; "zero" for Go's zero time. */
static const char *next_of(const ck_cron *c, int64_t from)
{
    static char buf[40];
    int64_t t = ck_cron_next(c, from);
    if (t == CK_CRON_ZERO) return "zero";
    ck_tz_format_rfc3339(c->tz, t, buf);
    return buf;
}

static const char *next(const char *spec, const char *from)
{
    ck_cron c = parse(spec);
    return next_of(&c, ts(from));
}

/* robfig's TestActivation: does the schedule fire at exactly t? */
static bool fires(const char *spec, const char *t)
{
    ck_cron c = parse(spec);
    return ck_cron_next(&c, ts(t) - 1) == ts(t);
}

static void parser(void)
{
    ck_cron c = parse("5-7/2 */15 1,15 JAN-mar sun,SAT");
    CHECK_INT(c.second, 1);
    CHECK_INT(c.minute, 1 << 5 | 1 << 7);
    CHECK_INT(c.hour, 1 << 0 | 1 << 15);
    CHECK_INT(c.dom, 1 << 1 | 1 << 15);
    CHECK_INT(c.month, 1 << 1 | 1 << 2 | 1 << 3);
    CHECK_INT(c.dow, 1 << 0 | 1 << 6);
    CHECK(c.tz == ck_tz_local() && c.every == 0);
    c = parse("* ? */1 */2 1-6/2");
    CHECK(c.minute == (((UINT64_C(1) << 60) - 1) | CK_CRON_STAR));
    CHECK(c.hour == (0xffffff | CK_CRON_STAR));
    CHECK(c.dom == (0xfffffffe | CK_CRON_STAR)); /* "*" with step 1 keeps the star */
    CHECK_INT(c.month, 1 << 1 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 11); /* no star */
    CHECK_INT(c.dow, 1 << 1 | 1 << 3 | 1 << 5);
    c = parse("5/15 1,,2 *-10 +3 0");
    CHECK_INT(c.minute,
              1ULL << 5 | 1ULL << 20 | 1ULL << 35 | 1ULL << 50); /* N/step is N-max/step */
    CHECK_INT(c.hour, 1 << 1 | 1 << 2);
    CHECK(c.dom == (0xfffffffe | CK_CRON_STAR)); /* what follows "*-" is ignored */
    CHECK_INT(c.month, 1 << 3);
    c = parse(", * * * *");
    CHECK_INT(c.minute, 0);              /* an empty list parses and never fires */
    c = parse("\t0 0\n1 1 \xc2\xa0*\r"); /* Go's white space, U+00A0 included */
    CHECK_INT(c.minute, 1);

    c = parse("@yearly");
    CHECK(c.minute == 1 && c.hour == 1 && c.dom == 2 && c.month == 2);
    CHECK(c.dow == (0x7f | CK_CRON_STAR));
    c = parse("@annually");
    CHECK(c.dom == 2 && c.month == 2);
    c = parse("@monthly");
    CHECK(c.dom == 2 && c.month == (0x1ffe | CK_CRON_STAR));
    c = parse("@weekly");
    CHECK(c.dow == 1 && c.dom == (0xfffffffe | CK_CRON_STAR));
    c = parse("@daily");
    CHECK(c.hour == 1 && c.dow == (0x7f | CK_CRON_STAR));
    c = parse("@midnight");
    CHECK(c.hour == 1 && c.minute == 1);
    c = parse("@hourly");
    CHECK(c.hour == (0xffffff | CK_CRON_STAR) && c.minute == 1);
    CHECK_INT(parse("@every 90m").every, 5400);
    CHECK_INT(parse("@every 1h30m").every, 5400);
    CHECK_INT(parse("@every 36h").every, 129600);
    CHECK_INT(parse("@every 1m30.9s").every, 90); /* whole seconds */
    CHECK_INT(parse("@every 1.5s").every, 1);
    CHECK_INT(parse("@every 500ms").every, 1); /* at least a second */
    CHECK_INT(parse("@every 5\xc2\xb5s").every, 1);
    CHECK_INT(parse("@every 0").every, 1);
    CHECK_INT(parse("@every -1h").every, 1);
    CHECK_INT(parse("@every .5h").every, 1800);

    c = parse("CRON_TZ=Asia/Tokyo 0 5 * * *");
    CHECK_STR(ck_tz_name(c.tz), "Asia/Tokyo");
    CHECK_INT(c.hour, 1 << 5);
    c = parse("TZ=UTC  @midnight");
    CHECK(c.tz == ck_tz_utc() && c.hour == 1);
    CHECK(parse("TZ= * * * * *").tz == ck_tz_utc());
    CHECK(parse("TZ=Local * * * * *").tz == ck_tz_local());
}

static void parse_errors(void)
{
    CHECK_STR(perr(""), "empty spec string");
    CHECK_STR(perr("bad"), "expected exactly 5 fields, found 1: [bad]");
    CHECK_STR(perr("   "), "expected exactly 5 fields, found 0: []");
    CHECK_STR(perr("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
    CHECK_STR(perr("0  * * * * *"), "expected exactly 5 fields, found 6: [0 * * * * *]");
    CHECK_STR(perr(" @daily"), "expected exactly 5 fields, found 1: [@daily]");
    CHECK_STR(perr("60 * * * *"), "end of range (60) above maximum (59): 60");
    CHECK_STR(perr("* 24 * * *"), "end of range (24) above maximum (23): 24");
    CHECK_STR(perr("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
    CHECK_STR(perr("* * 32 * *"), "end of range (32) above maximum (31): 32");
    CHECK_STR(perr("* * * 0 *"), "beginning of range (0) below minimum (1): 0");
    CHECK_STR(perr("* * * 13 *"), "end of range (13) above maximum (12): 13");
    CHECK_STR(perr("* * * * 7"), "end of range (7) above maximum (6): 7");
    CHECK_STR(perr("5-3 * * * *"), "beginning of range (5) beyond end of range (3): 5-3");
    CHECK_STR(perr("* * * DEC-JAN *"), "beginning of range (12) beyond end of range (1): DEC-JAN");
    CHECK_STR(perr("*/0 * * * *"), "step of range should be a positive number: */0");
    CHECK_STR(perr("5/0 * * * *"), "step of range should be a positive number: 5/0");
    CHECK_STR(perr("*/-12 * * * *"), "negative number (-12) not allowed: -12");
    CHECK_STR(perr("5--5 * * * *"), "too many hyphens: 5--5");
    CHECK_STR(perr("*//2 * * * *"), "too many slashes: *//2");
    CHECK_STR(perr("x//2 * * * *"),
              "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
    CHECK_STR(perr("x * * * *"),
              "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
    CHECK_STR(perr("* * * * MONDAY"), "failed to parse int from MONDAY: strconv.Atoi: parsing "
                                      "\"MONDAY\": invalid syntax");
    CHECK_STR(perr("* * * jan-x *"),
              "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
    CHECK_STR(perr("- * * * *"),
              "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax");
    CHECK_STR(perr("jan * * * *"),
              "failed to parse int from jan: strconv.Atoi: parsing \"jan\": invalid syntax");
    CHECK_STR(perr("99999999999999999999 * * * *"),
              "failed to parse int from 99999999999999999999: strconv.Atoi: parsing "
              "\"99999999999999999999\": value out of range");
    CHECK_STR(perr("9223372036854775808 * * * *"),
              "failed to parse int from 9223372036854775808: strconv.Atoi: parsing "
              "\"9223372036854775808\": value out of range");
    CHECK_STR(perr("9223372036854775807 * * * *"),
              "end of range (9223372036854775807) above maximum (59): 9223372036854775807");
    CHECK_STR(perr("@every"), "unrecognized descriptor: @every");
    CHECK_STR(perr("@every "), "failed to parse duration @every : time: invalid duration \"\"");
    CHECK_STR(perr("@every Xm"),
              "failed to parse duration @every Xm: time: invalid duration \"Xm\"");
    CHECK_STR(perr("@every 1d"),
              "failed to parse duration @every 1d: time: unknown unit \"d\" in duration \"1d\"");
    CHECK_STR(perr("@every 10"),
              "failed to parse duration @every 10: time: missing unit in duration \"10\"");
    CHECK_STR(perr("@every 1h 30m"), "failed to parse duration @every 1h 30m: time: unknown unit "
                                     "\"h \" in duration \"1h 30m\"");
    CHECK_STR(perr("@every .s"),
              "failed to parse duration @every .s: time: invalid duration \".s\"");
    CHECK_STR(
        perr("@every 9999999999h"),
        "failed to parse duration @every 9999999999h: time: invalid duration \"9999999999h\"");
    CHECK_STR(perr("@every 5\xc3\xa9"), "failed to parse duration @every 5\xc3\xa9: time: unknown "
                                        "unit \"\\xc3\\xa9\" in duration \"5\\xc3\\xa9\"");
    CHECK_STR(perr("@daily "), "unrecognized descriptor: @daily ");
    CHECK_STR(perr("@DAILY"), "unrecognized descriptor: @DAILY");
    CHECK_STR(perr("TZ=Nowhere/Zone * * * * *"),
              "provided bad location Nowhere/Zone: unknown time zone Nowhere/Zone");
    CHECK_STR(perr("CRON_TZ=../x * * * * *"),
              "provided bad location ../x: time: invalid location name");
    /* robfig panics here; we read the zone to the end and find no fields */
    CHECK_STR(perr("TZ=UTC"), "expected exactly 5 fields, found 0: []");
    CHECK_STR(perr("TZ=Bad"), "provided bad location Bad: unknown time zone Bad");
    CHECK_STR(perr("CRON_TZ=UTC * * * * *"), "ok");
}

static void activation(void)
{
    /* robfig's TestActivation (Local = UTC here) */
    CHECK(fires("0/15 * * * *", "2012-07-09T15:00Z"));
    CHECK(fires("0/15 * * * *", "2012-07-09T15:45Z"));
    CHECK(!fires("0/15 * * * *", "2012-07-09T15:40Z"));
    CHECK(fires("5/15 * * * *", "2012-07-09T15:05Z"));
    CHECK(fires("5/15 * * * *", "2012-07-09T15:20Z"));
    CHECK(fires("5/15 * * * *", "2012-07-09T15:50Z"));
    CHECK(fires("0/15 * * Jul *", "2012-07-15T15:00Z"));
    CHECK(!fires("0/15 * * Jun *", "2012-07-15T15:00Z"));
    CHECK(fires("30 08 ? Jul Sun", "2012-07-15T08:30Z"));
    CHECK(fires("30 08 15 Jul ?", "2012-07-15T08:30Z"));
    CHECK(!fires("30 08 ? Jul Sun", "2012-07-16T08:30Z"));
    CHECK(!fires("30 08 15 Jul ?", "2012-07-16T08:30Z"));
    CHECK(fires("@hourly", "2012-07-09T15:00Z"));
    CHECK(!fires("@hourly", "2012-07-09T15:04Z"));
    CHECK(!fires("@daily", "2012-07-09T15:00Z"));
    CHECK(fires("@daily", "2012-07-09T00:00Z"));
    CHECK(!fires("@weekly", "2012-07-09T00:00Z"));
    CHECK(fires("@weekly", "2012-07-08T00:00Z"));
    CHECK(!fires("@weekly", "2012-07-08T01:00Z"));
    CHECK(!fires("@monthly", "2012-07-08T00:00Z"));
    CHECK(fires("@monthly", "2012-07-01T00:00Z"));
    /* both day fields restricted: either matches */
    CHECK(fires("* * 1,15 * Sun", "2012-07-15T00:00Z"));
    CHECK(fires("* * 1,15 * Sun", "2012-06-15T00:00Z"));
    CHECK(fires("* * 1,15 * Sun", "2012-08-01T00:00Z"));
    CHECK(fires("* * */10 * Sun", "2012-07-15T00:00Z"));
    /* one of them a star: both must match */
    CHECK(!fires("* * * * Mon", "2012-07-15T00:00Z"));
    CHECK(!fires("* * 1,15 * *", "2012-07-09T00:00Z"));
    CHECK(fires("* * 1,15 * *", "2012-07-15T00:00Z"));
    CHECK(fires("* * */2 * Sun", "2012-07-15T00:00Z"));
}

static void next_times(void)
{
    /* robfig's TestNext, in five fields */
    CHECK_STR(next("0/15 * * * *", "2012-07-09T14:45Z"), "2012-07-09T15:00:00Z");
    CHECK_STR(next("0/15 * * * *", "2012-07-09T14:59Z"), "2012-07-09T15:00:00Z");
    CHECK_STR(next("0/15 * * * *", "2012-07-09T14:59:59Z"), "2012-07-09T15:00:00Z");
    CHECK_STR(next("20-35/15 * * * *", "2012-07-09T15:45Z"), "2012-07-09T16:20:00Z");
    CHECK_STR(next("*/15 * * * *", "2012-07-09T23:46Z"), "2012-07-10T00:00:00Z");
    CHECK_STR(next("20-35/15 * * * *", "2012-07-09T23:45Z"), "2012-07-10T00:20:00Z");
    CHECK_STR(next("20-35/15 * * * *", "2012-07-09T23:35:51Z"), "2012-07-10T00:20:00Z");
    CHECK_STR(next("20-35/15 1/2 * * *", "2012-07-09T23:35:51Z"), "2012-07-10T01:20:00Z");
    CHECK_STR(next("20-35/15 10-12 * * *", "2012-07-09T23:35:51Z"), "2012-07-10T10:20:00Z");
    CHECK_STR(next("20-35/15 1/2 */2 * *", "2012-07-09T23:35:51Z"), "2012-07-11T01:20:00Z");
    CHECK_STR(next("20-35/15 * 9-20 Jul *", "2012-07-09T23:35:51Z"), "2012-07-10T00:20:00Z");
    CHECK_STR(next("0 0 9 Apr-Oct ?", "2012-07-09T23:35Z"), "2012-08-09T00:00:00Z");
    CHECK_STR(next("0 0 */5 Apr,Aug,Oct Mon", "2012-07-09T23:35Z"), "2012-08-01T00:00:00Z");
    CHECK_STR(next("0 0 */5 Oct Mon", "2012-07-09T23:35Z"), "2012-10-01T00:00:00Z");
    CHECK_STR(next("0 0 * Feb Mon", "2012-07-09T23:35Z"), "2013-02-04T00:00:00Z");
    CHECK_STR(next("0 0 * Feb Mon/2", "2012-07-09T23:35Z"), "2013-02-01T00:00:00Z");
    CHECK_STR(next("* * * * *", "2012-12-31T23:59:45Z"), "2013-01-01T00:00:00Z");
    CHECK_STR(next("0 0 29 Feb ?", "2012-07-09T23:35Z"), "2016-02-29T00:00:00Z");
    CHECK_STR(next("0 0 30 Feb ?", "2012-07-09T23:35Z"), "zero");
    CHECK_STR(next("0 0 31 Apr ?", "2012-07-09T23:35Z"), "zero");
    CHECK_STR(next("59 23 31 2 *", "2026-01-01T00:00Z"), "zero");

    /* America/New_York, spring forward 2012-03-11 and fall back 2012-11-04 */
    const char *ny = "TZ=America/New_York ";
    char s[96];
#define NY(spec) (snprintf(s, sizeof s, "%s%s", ny, spec), s)
    CHECK_STR(next(NY("30 2 11 Mar ?"), "2012-03-11T00:00-05:00"), "2013-03-11T02:30:00-04:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-03-11T00:00-05:00"), "2012-03-11T01:00:00-05:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-03-11T01:00-05:00"), "2012-03-11T03:00:00-04:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-03-11T03:00-04:00"), "2012-03-11T04:00:00-04:00");
    CHECK_STR(next(NY("0 1 * * ?"), "2012-03-11T00:00-05:00"), "2012-03-11T01:00:00-05:00");
    CHECK_STR(next(NY("0 1 * * ?"), "2012-03-11T01:00-05:00"), "2012-03-12T01:00:00-04:00");
    CHECK_STR(next(NY("0 2 * * ?"), "2012-03-11T00:00-05:00"), "2012-03-12T02:00:00-04:00");
    CHECK_STR(next(NY("30 2 04 Nov ?"), "2012-11-04T00:00-04:00"), "2012-11-04T02:30:00-05:00");
    CHECK_STR(next(NY("30 1 04 Nov ?"), "2012-11-04T01:45-04:00"), "2012-11-04T01:30:00-05:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-11-04T00:00-04:00"), "2012-11-04T01:00:00-04:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-11-04T01:00-04:00"), "2012-11-04T01:00:00-05:00");
    CHECK_STR(next(NY("0 * * * ?"), "2012-11-04T01:00-05:00"), "2012-11-04T02:00:00-05:00");
    CHECK_STR(next(NY("0 1 * * ?"), "2012-11-04T00:00-04:00"), "2012-11-04T01:00:00-04:00");
    CHECK_STR(next(NY("0 1 * * ?"), "2012-11-04T01:00-04:00"), "2012-11-04T01:00:00-05:00");
    CHECK_STR(next(NY("0 1 * * ?"), "2012-11-04T01:00-05:00"), "2012-11-05T01:00:00-05:00");
    CHECK_STR(next(NY("0 2 * * ?"), "2012-11-04T00:00-04:00"), "2012-11-04T02:00:00-05:00");
    CHECK_STR(next(NY("0 2 * * ?"), "2012-11-04T02:00-05:00"), "2012-11-05T02:00:00-05:00");
    CHECK_STR(next(NY("0 3 * * ?"), "2012-11-04T00:00-04:00"), "2012-11-04T03:00:00-05:00");
    CHECK_STR(next(NY("0 3 * * ?"), "2012-11-04T03:00-05:00"), "2012-11-05T03:00:00-05:00");
    CHECK_STR(next(NY("0 3 3 * ?"), "2012-11-04T00:00-04:00"), "2012-12-03T03:00:00-05:00");
    /* a daily 02:30 job in 2026: skipped on March 8, once on November 1 */
    CHECK_STR(next(NY("30 2 * * *"), "2026-03-07T02:30-05:00"), "2026-03-09T02:30:00-04:00");
    CHECK_STR(next(NY("30 2 * * *"), "2026-10-31T02:30-04:00"), "2026-11-01T02:30:00-05:00");
    CHECK_STR(next(NY("30 1 * * *"), "2026-11-01T00:00-04:00"), "2026-11-01T01:30:00-04:00");
    CHECK_STR(next(NY("30 1 * * *"), "2026-11-01T01:30-04:00"), "2026-11-01T01:30:00-05:00");
    CHECK_STR(next(NY("30 1 * * *"), "2026-11-01T01:30-05:00"), "2026-11-02T01:30:00-05:00");
#undef NY
    /* Europe/Berlin, a daily 02:30 job: skipped on 2026-03-29, twice on 2026-10-25 */
    CHECK_STR(next("TZ=Europe/Berlin 30 2 * * *", "2026-03-28T02:30+01:00"),
              "2026-03-30T02:30:00+02:00");
    CHECK_STR(next("TZ=Europe/Berlin 30 2 * * *", "2026-10-24T02:30+02:00"),
              "2026-10-25T02:30:00+02:00");
    CHECK_STR(next("TZ=Europe/Berlin 30 2 * * *", "2026-10-25T02:30+02:00"),
              "2026-10-25T02:30:00+01:00");
    CHECK_STR(next("TZ=Europe/Berlin 30 2 * * *", "2026-10-25T02:30+01:00"),
              "2026-10-26T02:30:00+01:00");
    /* past 2037 the zone's footer rule gives the same */
    CHECK_STR(next("TZ=Europe/Berlin 30 2 * * *", "2040-03-24T02:30+01:00"),
              "2040-03-26T02:30:00+02:00");
    CHECK_STR(next("TZ=Europe/Berlin @daily", "2026-03-29T12:00Z"), "2026-03-30T00:00:00+02:00");
    CHECK_STR(next("TZ=Europe/Berlin @yearly", "2026-06-01T00:00Z"), "2027-01-01T00:00:00+01:00");
    /* Sao Paulo, where midnight did not exist (robfig issue 157) */
    CHECK_STR(next("TZ=America/Sao_Paulo 0 9 10 * ?", "2018-10-17T05:00-04:00"),
              "2018-11-10T09:00:00-02:00");
    CHECK_STR(next("TZ=America/Sao_Paulo 0 9 22 * ?", "2018-02-14T05:00-05:00"),
              "2018-02-22T09:00:00-03:00");

    /* leap years */
    CHECK_STR(next("@yearly", "2026-06-01T00:00Z"), "2027-01-01T00:00:00Z");
    CHECK_STR(next("@annually", "2027-01-01T00:00Z"), "2028-01-01T00:00:00Z");
    CHECK_STR(next("0 0 29 2 *", "2025-03-01T00:00Z"), "2028-02-29T00:00:00Z");
    CHECK_STR(next("0 0 29 2 *", "2028-02-29T00:00Z"), "2032-02-29T00:00:00Z");
    CHECK_STR(next("0 0 29 2 *", "2096-03-01T00:00Z"), "zero"); /* 2100 is no leap year */
    CHECK_STR(next("0 12 29 Feb Mon", "2026-01-01T00:00Z"), "2026-02-02T12:00:00Z");
    /* day-of-month OR day-of-week when both are restricted */
    CHECK_STR(next("0 0 13 * MON", "2026-02-10T00:00Z"), "2026-02-13T00:00:00Z");
    CHECK_STR(next("0 0 13 * MON", "2026-02-13T00:00Z"), "2026-02-16T00:00:00Z");
    CHECK_STR(next("0 0 1-31 * MON", "2026-02-03T00:00Z"), "2026-02-04T00:00:00Z");
    CHECK_STR(next("0 0 */1 * MON", "2026-02-03T00:00Z"), "2026-02-09T00:00:00Z");
    CHECK_STR(next("0 0 */2 * MON", "2026-02-15T00:00Z"), "2026-02-16T00:00:00Z");
    CHECK_STR(next("0 0 */2 * *", "2026-02-15T00:00Z"), "2026-02-17T00:00:00Z");
    CHECK_STR(next("0 0 * * MON", "2026-02-03T00:00Z"), "2026-02-09T00:00:00Z");
    /* steps, ranges, names */
    CHECK_STR(next("*/15 * * * *", "2026-05-21T12:07Z"), "2026-05-21T12:15:00Z");
    CHECK_STR(next("1-59/10 * * * *", "2026-05-21T12:52Z"), "2026-05-21T13:01:00Z");
    CHECK_STR(next("5/15 * * * *", "2026-05-21T12:50Z"), "2026-05-21T13:05:00Z");
    CHECK_STR(next("*/7 * * * *", "2026-05-21T12:57Z"), "2026-05-21T13:00:00Z");
    CHECK_STR(next("0 9 * JAN-MAR MON-FRI", "2026-03-31T09:00Z"), "2027-01-01T09:00:00Z");
    CHECK_STR(next("0 9 * jan-mar mon-fri", "2026-03-31T09:00Z"), "2027-01-01T09:00:00Z");
    CHECK_STR(next("0 0 * * sun,SAT", "2026-05-21T12:00Z"), "2026-05-23T00:00:00Z");
    CHECK_STR(next("@hourly", "2026-05-21T12:34Z"), "2026-05-21T13:00:00Z");
    CHECK_STR(next("@midnight", "2026-03-29T12:00Z"), "2026-03-30T00:00:00Z");
    CHECK_STR(next("@weekly", "2026-04-01T00:00Z"), "2026-04-05T00:00:00Z");
    CHECK_STR(next("@monthly", "2026-01-31T12:00Z"), "2026-02-01T00:00:00Z");
    CHECK_STR(next("@every 90m", "2026-05-21T12:00:30Z"), "2026-05-21T13:30:30Z");
    CHECK_STR(next("@every 1.5s", "2026-05-21T12:00Z"), "2026-05-21T12:00:01Z");
}

static const char *msgs(unsigned n, ck_msgs *m)
{
    static char buf[512];
    char *j = ck_msgs_join(m, " | ");
    snprintf(buf, sizeof buf, "%u: %s", n, j);
    free(j);
    ck_msgs_free(m);
    return buf;
}

static const char *vsched(const char *s, bool old_tz, bool tz_set)
{
    ck_msgs m = {0};
    return msgs(ck_cron_validate_schedule(s, old_tz, tz_set, &m), &m);
}

static const char *vtz(const char *tz)
{
    ck_msgs m = {0};
    return msgs(ck_cron_validate_time_zone(tz, &m), &m);
}

static void validation(void)
{
    CHECK_STR(vsched("*/5 * * * *", false, false), "0: ");
    CHECK_STR(vsched("bad", false, false), "1: expected exactly 5 fields, found 1: [bad]");
    CHECK_STR(vsched("CRON_TZ=UTC * * * * *", false, false),
              "1: cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    CHECK_STR(vsched("TZ=Nowhere * * * * *", false, false),
              "2: provided bad location Nowhere: unknown time zone Nowhere | cannot use TZ or "
              "CRON_TZ in schedule, use timeZone field instead");
    CHECK_STR(vsched("0 0 * * MON,TZ", false, true),
              "2: failed to parse int from TZ: strconv.Atoi: parsing \"TZ\": invalid syntax | "
              "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    /* updates of a CronJob whose old schedule already held TZ */
    CHECK_STR(vsched("CRON_TZ=UTC * * * * *", true, true),
              "1: cannot use both timeZone field and TZ or CRON_TZ in schedule");
    CHECK_STR(vsched("CRON_TZ=UTC * * * * *", true, false), "0: ");
    CHECK_STR(vsched("0 * * * *", true, true), "0: ");
    CHECK(ck_cron_validate_schedule("bad", false, false, NULL) == 1);

    CHECK_STR(vtz(""), "1: timeZone must be nil or non-empty string");
    CHECK_STR(vtz("Europe/Berlin"), "0: ");
    CHECK_STR(vtz("America/Argentina/Buenos_Aires"), "0: ");
    CHECK_STR(vtz("America/Port-au-Prince"), "0: ");
    CHECK_STR(vtz("Etc/GMT+5"), "0: ");
    CHECK_STR(vtz("UTC"), "0: ");
    CHECK_STR(vtz("Local"), "1: timeZone must be an explicit time zone as defined in "
                            "https://www.iana.org/time-zones");
    CHECK_STR(vtz("LOCAL"), "2: timeZone must be an explicit time zone as defined in "
                            "https://www.iana.org/time-zones | unknown time zone LOCAL");
    CHECK_STR(vtz("Mars/Olympus"), "1: unknown time zone Mars/Olympus");
    CHECK_STR(vtz("../../etc/passwd"), "1: unknown time zone ../../etc/passwd");
    CHECK_STR(vtz("/Europe/Berlin"), "1: unknown time zone /Europe/Berlin");
    CHECK_STR(vtz("Europe//Berlin"), "1: unknown time zone Europe//Berlin");
    CHECK_STR(vtz("Europe/Ber lin"), "1: unknown time zone Europe/Ber lin");
    CHECK_STR(vtz("-Europe"), "1: unknown time zone -Europe");
    CHECK_STR(vtz("Europe/Berlinnnnnnnnnn"), "1: unknown time zone Europe/Berlinnnnnnnnnn");
    CHECK_STR(vtz("a..b"), "1: time: invalid location name");
    CHECK_STR(vtz("Europe"), "1: is a directory");
}

/* ---- the controller's arithmetic ----------------------------------------------------------- */

static int64_t top; /* 2026-05-21T10:00:00Z, a Thursday */

static ck_cron_job job(int64_t creation, int64_t last, int64_t deadline)
{
    return (ck_cron_job){.creation = creation,
                         .has_last_schedule = last >= 0,
                         .last_schedule = last,
                         .has_deadline = deadline >= 0,
                         .starting_deadline_seconds = deadline};
}

/* "earliest=+Ns recent=+Ns missed=none|few|many" relative to top, or the error. */
static const char *recent(const char *spec, ck_cron_job cj, int64_t now, bool deadline)
{
    static char buf[160];
    static const char *const missed[] = {"none", "few", "many"};
    ck_cron c = parse(spec);
    ck_cron_recent r;
    ck_err *e = NULL;
    if (ck_cron_most_recent(&c, &cj, now * 1000, deadline, &r, &e) < 0) {
        snprintf(buf, sizeof buf, "error: %s", e->message);
        ck_err_free(e);
        return buf;
    }
    char rec[32] = "none";
    if (r.has_recent) snprintf(rec, sizeof rec, "+%llds", (long long)(r.recent - top));
    snprintf(buf, sizeof buf, "earliest=+%llds recent=%s missed=%s",
             (long long)(r.earliest_ms / 1000 - top), rec, missed[r.missed]);
    return buf;
}

static char *rel(int64_t earliest, const char *rec, const char *missed)
{
    return xasprintf("earliest=+%llds recent=%s missed=%s", (long long)earliest, rec, missed);
}

#define CHECK_RECENT(got, e, r, m)                                                                 \
    do {                                                                                           \
        char *w_ = rel(e, r, m);                                                                   \
        CHECK_STR(got, w_);                                                                        \
        free(w_);                                                                                  \
    } while (0)

static void most_recent(void)
{
    const int64_t no = -1;
    const char *cx = "30 6-16/4 * * 1-5";
    char r[32];
#define AT(secs) (snprintf(r, sizeof r, "+%llds", (long long)(secs)), r)
    CHECK_RECENT(recent("0 * * * *", job(top, no, no), top + 30, false), 0, "none", "none");
    CHECK_RECENT(recent("0 * * * *", job(top, no, no), top + 61 * MIN, false), 0, AT(HOUR), "none");
    CHECK_RECENT(recent("0 * * * *", job(top + 10, no, no), top + 301 * MIN, false), 10,
                 AT(300 * MIN), "few");
    CHECK_RECENT(recent(cx, job(top, top + 30 * MIN, no), top + DAYS + 31 * MIN, false), 30 * MIN,
                 AT(DAYS + 30 * MIN), "few");
    /* upstream's estimate walks past the last activation of an irregular schedule */
    CHECK_RECENT(recent("30 10,11,12 * * 1-5", job(top, top + 30 * MIN, no),
                        top + 30 * HOUR + 30 * MIN, false),
                 30 * MIN, "none", "few");
    CHECK_RECENT(recent(cx, job(top, top + 30 * MIN, no), top + 96 * HOUR + 31 * MIN, false),
                 30 * MIN, AT(96 * HOUR + 30 * MIN), "few");
    CHECK_RECENT(recent(cx, job(top, no, no), top + DAYS + 31 * MIN, false), 0, AT(DAYS + 30 * MIN),
                 "few");
    CHECK_RECENT(recent("@every 1h", job(top - 59 * MIN, top + MIN, 10), top + 7 * DAYS, false),
                 MIN, AT(6 * DAYS + 23 * HOUR + MIN), "many");
    CHECK_RECENT(recent("@every 1h", job(top - 59 * MIN, top + MIN, 10), top + 7 * DAYS, true),
                 7 * DAYS - 10, "none", "none");
    CHECK_STR(recent("59 23 31 2 *", job(top + 10, no, no), top + HOUR, false),
              "error: time difference between two schedules is less than 1 second");
    CHECK_RECENT(recent("0 * * * *", job(top, top, no), top + 30, false), 0, "none", "none");
    CHECK_RECENT(recent("*/5 * * * *", job(top, top + 30 * MIN, no), top + 31 * MIN, false),
                 30 * MIN, "none", "none");
    CHECK_RECENT(recent("*/5 * * * *", job(top, top + 30 * MIN, 60), top + 31 * MIN, false),
                 30 * MIN, "none", "none");
    CHECK_RECENT(recent("*/5 * * * *", job(top, top + 30 * MIN, 60), top + 32 * MIN, true),
                 31 * MIN, "none", "none");
    CHECK_RECENT(recent("* * * * *", job(top - 2 * DAYS, no, no), top, false), -2 * DAYS, AT(0),
                 "many");
    CHECK_RECENT(recent("* * * * *", job(top - 100 * MIN, no, no), top, false), -100 * MIN, AT(0),
                 "few");
    CHECK_RECENT(recent("* * * * *", job(top - 101 * MIN, no, no), top, false), -101 * MIN, AT(0),
                 "many");
#undef AT
}

static void next_schedule(void)
{
    const int64_t no = -1;
    ck_cron c = parse("0 * * * *");
    ck_cron_job cj = job(top + 10, no, no);
    int64_t at = 0;
    bool many = true;
    ck_err *e = NULL;
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, (top + 301 * MIN) * 1000, &at, &many, &e), 1);
    CHECK_INT(at - top, 300 * MIN);
    CHECK(!many);
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, (top + 30) * 1000, &at, &many, &e), 0);
    c = parse("* * * * *");
    cj = job(top - 2 * DAYS, no, no);
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, top * 1000 + 999, &at, &many, &e), 1);
    CHECK(many && at == top);
    c = parse("59 23 31 2 *");
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, top * 1000, &at, NULL, &e), -1);
    CHECK_STR(e ? e->message : "", "time difference between two schedules is less than 1 second");
    ck_err_free(e);

    /* startingDeadlineSeconds: only activations after now - deadline count */
    c = parse("0 * * * *");
    cj = job(top - 3 * HOUR, no, 600);
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, (top + 5 * MIN) * 1000, &at, NULL, NULL), 1);
    CHECK_INT(at, top);
    CHECK(!ck_cron_too_late(&cj, at, (top + 5 * MIN) * 1000));
    cj.starting_deadline_seconds = 120;
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, (top + 5 * MIN) * 1000, &at, NULL, NULL), 0);
    CHECK(ck_cron_too_late(&cj, top, (top + 5 * MIN) * 1000));
    cj.starting_deadline_seconds = 60;
    CHECK(ck_cron_too_late(&cj, top, (top + 60) * 1000 + 500));
    CHECK(!ck_cron_too_late(&cj, top, (top + 60) * 1000));
    cj.has_deadline = false;
    CHECK(!ck_cron_too_late(&cj, top, (top + 365 * DAYS) * 1000));

    /* in a zone: Berlin's 02:30 does not happen on 2026-03-29; New York's 01:30 twice */
    bool unsupported = true;
    CHECK_INT(ck_cron_parse_cronjob("30 2 * * *", "Europe/Berlin", &c, &unsupported, NULL), 0);
    CHECK(!unsupported);
    cj = job(ts("2026-03-01T00:00Z"), ts("2026-03-28T02:30+01:00"), no);
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, ts("2026-03-29T12:00Z") * 1000, &at, NULL, NULL),
              0);
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, ts("2026-03-29T12:00Z") * 1000),
              (ts("2026-03-30T02:30+02:00") - ts("2026-03-29T12:00Z")) * 1000 + 100);
    CHECK_INT(ck_cron_parse_cronjob("30 1 * * *", "America/New_York", &c, NULL, NULL), 0);
    cj = job(ts("2026-10-01T00:00Z"), ts("2026-11-01T01:30-04:00"), no);
    CHECK_INT(ck_cron_next_schedule_time(&c, &cj, ts("2026-11-01T06:45Z") * 1000, &at, NULL, NULL),
              1);
    CHECK_INT(at, ts("2026-11-01T01:30-05:00"));
}

static void requeue(void)
{
    const int64_t no = -1;
    ck_cron c = parse("30 6-16/4 * * 1-5");
    ck_cron_job cj = job(top, top + 30 * MIN, no);
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + DAYS + 31 * MIN) * 1000),
              (3 * HOUR + 59 * MIN) * 1000 + 100);
    c = parse("30 10,11,12 * * 1-5");
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + 30 * HOUR + 30 * MIN) * 1000),
              66 * HOUR * 1000 + 100);
    c = parse("0 12 * * 4");
    cj = job(top, top + 2 * HOUR, no);
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + 19 * DAYS + HOUR + 30 * MIN) * 1000),
              (48 * HOUR + 30 * MIN) * 1000 + 100);
    c = parse("0 12 * * 5");
    cj = job(top, no, no);
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + 6 * HOUR) * 1000), 20 * HOUR * 1000 + 100);
    c = parse("0 * * * *");
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + 30 * MIN) * 1000 + 250),
              30 * MIN * 1000 - 250 + 100);
    c = parse("@every 90m");
    CHECK_INT(ck_cron_requeue_after_ms(&c, &cj, (top + 10 * MIN) * 1000), 80 * MIN * 1000 + 100);
    c = parse("59 23 31 2 *");
    CHECK(ck_cron_requeue_after_ms(&c, &cj, top * 1000) < 0);
}

static void cronjob_parse(void)
{
    ck_cron c;
    bool unsupported = false;
    ck_err *e = NULL;
    CHECK_INT(ck_cron_parse_cronjob("30 2 * * *", "Europe/Berlin", &c, &unsupported, &e), 0);
    CHECK_STR(ck_tz_name(c.tz), "Europe/Berlin");
    CHECK_INT(
        ck_cron_parse_cronjob("CRON_TZ=UTC 30 2 * * *", "Europe/Berlin", &c, &unsupported, &e), 0);
    CHECK(unsupported && c.tz == ck_tz_utc());
    CHECK_INT(ck_cron_parse_cronjob("30 2 * * *", "Mars/Olympus", &c, &unsupported, &e), 0);
    CHECK(!unsupported && c.tz == ck_tz_local());
    CHECK_INT(ck_cron_parse_cronjob("30 2 * * *", NULL, &c, NULL, &e), 0);
    CHECK(c.tz == ck_tz_local());
    /* the time zone goes in as a prefix, which trims the schedule as robfig does */
    CHECK_INT(ck_cron_parse_cronjob(" @daily", "Europe/Berlin", &c, NULL, &e), 0);
    CHECK_INT(ck_cron_parse_cronjob(" @daily", NULL, &c, NULL, &e), -1);
    CHECK_STR(e ? e->message : "", "expected exactly 5 fields, found 1: [@daily]");
    ck_err_free(e);
    e = NULL;
    CHECK_INT(ck_cron_parse_cronjob("", "UTC", &c, NULL, &e), -1);
    CHECK_STR(e ? e->message : "", "expected exactly 5 fields, found 0: []");
    CHECK_INT(e ? e->code : 0, 422);
    ck_err_free(e);
}

static void messages(void)
{
    char *m;
    int64_t t = ts("2026-03-29T00:30Z");
    CHECK_STR((m = ck_cron_msg_missed(t)),
              "Missed scheduled time to start a job: Sun, 29 Mar 2026 00:30:00 +0000");
    free(m);
    CHECK_STR((m = ck_cron_msg_unparseable("bad", "expected exactly 5 fields, found 1: [bad]")),
              "unparseable schedule: \"bad\" : expected exactly 5 fields, found 1: [bad]");
    free(m);
    CHECK_STR((m = ck_cron_msg_invalid("59 23 31 2 *", "time difference")),
              "invalid schedule: 59 23 31 2 * : time difference");
    free(m);
    CHECK_STR((m = ck_cron_msg_unknown_tz("Mars/Olympus", "unknown time zone Mars/Olympus")),
              "invalid timeZone: \"Mars/Olympus\": unknown time zone Mars/Olympus");
    free(m);
    CHECK_STR((m = ck_cron_msg_unsupported("TZ=UTC * * * * *")),
              "CRON_TZ or TZ used in schedule \"TZ=UTC * * * * *\" is not officially supported, "
              "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more "
              "details");
    free(m);
    CHECK_STR((m = ck_cron_job_name("hello", t)), "hello-29579070");
    free(m);
}

int main(void)
{
    if (access(CK_TZ_DIR "/America/New_York", R_OK) != 0) {
        fprintf(stderr,
                "FAIL %s is missing: install the Debian package tzdata "
                "(scripts/deps.sh); the zone checks below fail without it\n",
                CK_TZ_DIR);
        ut_failed++;
    }
    top = ts("2026-05-21T10:00Z");
    parser();
    parse_errors();
    activation();
    next_times();
    validation();
    most_recent();
    next_schedule();
    requeue();
    cronjob_parse();
    messages();
    return UT_DONE();
}
