/* CronJob schedules: robfig/cron v3's standard parser and SpecSchedule.Next (bit sets per
 * field, the starBit and the day-of-month/day-of-week OR rule), CronJob validation of
 * spec.schedule and spec.timeZone, and the controller's missed-schedule arithmetic. */
#include "controller/cron.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

#define NEXT_STEPS_MAX 1000000 /* guard: robfig loops forever on some DST pathologies */

static int invalid(ck_err **err, char *msg)
{
    ck_error(err, 422, CK_INVALID, "%s", msg);
    free(msg);
    return -1;
}

/* ---- Go text helpers ------------------------------------------------------------------------ */

/* Byte length of the unicode.IsSpace rune at s, 0 when s holds none. */
static size_t space_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (*u == ' ' || (*u >= '\t' && *u <= '\r')) return 1;
    if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0)) return 2;
    if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) return 3; /* U+1680 */
    if (u[0] == 0xe2 && u[1] == 0x80 &&
        ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        return 3;                                               /* U+2000-200A, 2028, 2029, 202F */
    if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) return 3; /* U+205F */
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) return 3; /* U+3000 */
    return 0;
}

/* strings.TrimSpace; the caller frees. */
static char *trim_space(const char *s)
{
    size_t k;
    while ((k = space_len(s)))
        s += k;
    const char *end = s;
    for (const char *p = s; *p;) {
        if ((k = space_len(p))) {
            p += k;
        } else {
            end = ++p;
        }
    }
    return xstrndup(s, (size_t)(end - s));
}

/* time's quote(): like strconv.Quote, but every byte of a non-ASCII rune as \xNN. */
static char *time_quote(const char *s, size_t n)
{
    char *out = xmalloc(n * 4 + 3), *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c < ' ') {
            o += sprintf(o, "\\x%02x", c);
        } else {
            if (c == '"' || c == '\\') *o++ = '\\';
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = 0;
    return out;
}

/* time.ParseDuration in nanoseconds; NULL or Go's error text (caller frees). */
static char *parse_duration(const char *orig, int64_t *out)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {{"ns", 1},       {"us", 1000},      {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
                 {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000},  {"h", 3600000000000}};
    const uint64_t lim = UINT64_C(1) << 63;
    const char *s = orig;
    bool neg = *s == '-';
    uint64_t d = 0;
    if (*s == '-' || *s == '+') s++;
    if (streq(s, "0")) {
        *out = 0;
        return NULL;
    }
    cleanup_free char *q = time_quote(orig, strlen(orig));
    if (!*s) return xasprintf("time: invalid duration %s", q);
    while (*s) {
        uint64_t v = 0, f = 0;
        double scale = 1;
        if (*s != '.' && (*s < '0' || *s > '9')) return xasprintf("time: invalid duration %s", q);
        const char *p = s;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (v > lim / 10) return xasprintf("time: invalid duration %s", q);
            if ((v = v * 10 + (uint64_t)(*s - '0')) > lim)
                return xasprintf("time: invalid duration %s", q);
        }
        bool pre = s != p, post = false;
        if (*s == '.') {
            bool over = false;
            for (p = ++s; *s >= '0' && *s <= '9'; s++) {
                if (over) continue;
                uint64_t y = f * 10 + (uint64_t)(*s - '0');
                if (f > (lim - 1) / 10 || y > lim) {
                    over = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            post = s != p;
        }
        if (!pre && !post) return xasprintf("time: invalid duration %s", q);
        for (p = s; *s && *s != '.' && (*s < '0' || *s > '9'); s++)
            ;
        if (s == p) return xasprintf("time: missing unit in duration %s", q);
        uint64_t unit = 0;
        for (size_t i = 0; i < ARRAY_SIZE(units) && !unit; i++)
            if (strlen(units[i].name) == (size_t)(s - p) &&
                !memcmp(units[i].name, p, (size_t)(s - p)))
                unit = units[i].ns;
        if (!unit) {
            cleanup_free char *uq = time_quote(p, (size_t)(s - p));
            return xasprintf("time: unknown unit %s in duration %s", uq, q);
        }
        if (v > lim / unit) return xasprintf("time: invalid duration %s", q);
        v *= unit;
        if (f > 0 && (v += (uint64_t)((double)f * ((double)unit / scale))) > lim)
            return xasprintf("time: invalid duration %s", q);
        if ((d += v) > lim) return xasprintf("time: invalid duration %s", q);
    }
    if (!neg && d > lim - 1) return xasprintf("time: invalid duration %s", q);
    *out = d == lim ? INT64_MIN : neg ? -(int64_t)d : (int64_t)d;
    return NULL;
}

/* ---- robfig/cron v3 parser ------------------------------------------------------------------- */

typedef struct bounds {
    uint64_t min, max;
    const char *const *names; /* names[i] is value min + i */
} bounds;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};
static const bounds b_minute = {0, 59, NULL}, b_hour = {0, 23, NULL}, b_dom = {1, 31, NULL},
                    b_month = {1, 12, month_names}, b_dow = {0, 6, dow_names};

/* strconv.Atoi, then robfig's refusal of negative numbers (mustParseInt). */
static int parse_uint(const char *s, uint64_t *out, ck_err **err)
{
    const char *p = s + (*s == '+' || *s == '-');
    bool neg = *s == '-', syntax = !*p, range = false;
    uint64_t n = 0;
    for (; *p && !syntax && !range; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (*p < '0' || *p > '9')
            syntax = true;
        else if (n > UINT64_MAX / 10 || n * 10 > UINT64_MAX - d)
            range = true;
        else
            n = n * 10 + d;
    }
    range = !syntax && (range || n > (UINT64_C(1) << 63) - !neg);
    if (syntax || range) {
        cleanup_free char *q = ck_quote(s);
        return invalid(err, xasprintf("failed to parse int from %s: strconv.Atoi: parsing %s: %s",
                                      s, q, syntax ? "invalid syntax" : "value out of range"));
    }
    if (neg && n)
        return invalid(
            err, xasprintf("negative number (-%llu) not allowed: %s", (unsigned long long)n, s));
    *out = n;
    return 0;
}

static int parse_int_or_name(const char *s, const bounds *b, uint64_t *out, ck_err **err)
{
    for (size_t i = 0; b->names && b->names[i]; i++)
        if (strcasecmp(s, b->names[i]) == 0) {
            *out = b->min + i;
            return 0;
        }
    return parse_uint(s, out, err);
}

static uint64_t get_bits(uint64_t min, uint64_t max, uint64_t step)
{
    uint64_t bits = 0;
    for (uint64_t i = min; i <= max; i += step)
        bits |= UINT64_C(1) << i;
    return bits;
}

/* number | number "-" number [ "/" number ], '*' or '?' for the whole range (getRange). */
static int get_range(const char *expr, const bounds *b, uint64_t *bits, ck_err **err)
{
    cleanup_free char *dup = xstrdup(expr);
    char *slash = strchr(dup, '/');
    if (slash) *slash = 0;
    char *hyphen = strchr(dup, '-');
    if (hyphen) *hyphen = 0;
    uint64_t start, end, step = 1, extra = 0;
    if (streq(dup, "*") || streq(dup, "?")) { /* what follows a '-' is ignored, as upstream */
        start = b->min, end = b->max, extra = CK_CRON_STAR;
    } else {
        if (parse_int_or_name(dup, b, &start, err) < 0) return -1;
        if (!hyphen)
            end = start;
        else if (strchr(hyphen + 1, '-'))
            return invalid(err, xasprintf("too many hyphens: %s", expr));
        else if (parse_int_or_name(hyphen + 1, b, &end, err) < 0)
            return -1;
    }
    if (slash) {
        if (strchr(slash + 1, '/')) return invalid(err, xasprintf("too many slashes: %s", expr));
        if (parse_uint(slash + 1, &step, err) < 0) return -1;
        if (!hyphen) end = b->max; /* "N/step" means "N-max/step" */
        if (step > 1) extra = 0;
    }
    if (start < b->min)
        return invalid(err, xasprintf("beginning of range (%llu) below minimum (%llu): %s",
                                      (unsigned long long)start, (unsigned long long)b->min, expr));
    if (end > b->max)
        return invalid(err, xasprintf("end of range (%llu) above maximum (%llu): %s",
                                      (unsigned long long)end, (unsigned long long)b->max, expr));
    if (start > end)
        return invalid(err, xasprintf("beginning of range (%llu) beyond end of range (%llu): %s",
                                      (unsigned long long)start, (unsigned long long)end, expr));
    if (step == 0)
        return invalid(err, xasprintf("step of range should be a positive number: %s", expr));
    *bits = get_bits(start, end, step) | extra;
    return 0;
}

/* A comma-separated list of ranges; empty items are skipped (strings.FieldsFunc). */
static int get_field(const char *field, const bounds *b, uint64_t *bits, ck_err **err)
{
    cleanup_free char *dup = xstrdup(field);
    char *save = NULL;
    *bits = 0;
    for (char *r = strtok_r(dup, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (get_range(r, b, &v, err) < 0) return -1;
        *bits |= v;
    }
    return 0;
}

static int parse_descriptor(const char *d, ck_cron *c, ck_err **err)
{
    c->second = c->minute = c->hour = 1;
    c->dom = get_bits(1, 31, 1) | CK_CRON_STAR;
    c->month = get_bits(1, 12, 1) | CK_CRON_STAR;
    c->dow = get_bits(0, 6, 1) | CK_CRON_STAR;
    if (streq(d, "@yearly") || streq(d, "@annually")) {
        c->dom = c->month = 1 << 1;
    } else if (streq(d, "@monthly")) {
        c->dom = 1 << 1;
    } else if (streq(d, "@weekly")) {
        c->dow = 1;
    } else if (streq(d, "@hourly")) {
        c->hour = get_bits(0, 23, 1) | CK_CRON_STAR;
    } else if (has_prefix(d, "@every ")) {
        int64_t ns = 0;
        char *e = parse_duration(d + 7, &ns);
        if (e) {
            cleanup_free char *msg = e;
            return invalid(err, xasprintf("failed to parse duration %s: %s", d, msg));
        }
        /* Every(): at least a second, whole seconds */
        *c = (ck_cron){.every = ns < 1000000000 ? 1 : ns / 1000000000, .tz = c->tz};
    } else if (!streq(d, "@daily") && !streq(d, "@midnight")) {
        return invalid(err, xasprintf("unrecognized descriptor: %s", d));
    }
    return 0;
}

int ck_cron_parse(const char *spec, ck_cron *out, ck_err **err)
{
    *out = (ck_cron){.tz = ck_tz_local()};
    if (!*spec) return invalid(err, xstrdup("empty spec string"));
    cleanup_free char *trimmed = NULL;
    if (has_prefix(spec, "TZ=") || has_prefix(spec, "CRON_TZ=")) {
        const char *eq = strchr(spec, '='), *sp = strchr(spec, ' ');
        cleanup_free char *name = sp ? xstrndup(eq + 1, (size_t)(sp - eq - 1)) : xstrdup(eq + 1);
        ck_err *le = NULL;
        if (!(out->tz = ck_tz_load(name, &le))) {
            char *msg = xasprintf("provided bad location %s: %s", name, le->message);
            ck_err_free(le);
            return invalid(err, msg);
        }
        spec = trimmed = trim_space(sp ? sp : "");
    }
    if (*spec == '@') return parse_descriptor(spec, out, err);

    /* strings.Fields */
    const char *fb[5];
    size_t fl[5], n = 0, k;
    cleanup_free char *list = xmalloc(strlen(spec) + 3);
    char *lp = list;
    *lp++ = '[';
    for (const char *p = spec; *p;) {
        if ((k = space_len(p))) {
            p += k;
            continue;
        }
        const char *b = p;
        while (*p && !space_len(p))
            p++;
        if (n < 5) fb[n] = b, fl[n] = (size_t)(p - b);
        lp += sprintf(lp, "%s%.*s", n ? " " : "", (int)(p - b), b);
        n++;
    }
    strcpy(lp, "]");
    if (n != 5) return invalid(err, xasprintf("expected exactly 5 fields, found %zu: %s", n, list));
    const bounds *bs[5] = {&b_minute, &b_hour, &b_dom, &b_month, &b_dow};
    uint64_t *dst[5] = {&out->minute, &out->hour, &out->dom, &out->month, &out->dow};
    out->second = 1; /* the standard parser's seconds default, "0" */
    for (size_t i = 0; i < 5; i++) {
        cleanup_free char *f = xstrndup(fb[i], fl[i]);
        if (get_field(f, bs[i], dst[i], err) < 0) return -1;
    }
    return 0;
}

int ck_cron_parse_cronjob(const char *schedule, const char *time_zone, ck_cron *out,
                          bool *unsupported, ck_err **err)
{
    bool has_tz = strstr(schedule, "TZ") != NULL;
    if (unsupported) *unsupported = has_tz;
    if (!has_tz && time_zone) {
        ck_err *le = NULL;
        if (ck_tz_load(time_zone, &le)) {
            cleanup_free char *s = xasprintf("TZ=%s %s", time_zone, schedule);
            return ck_cron_parse(s, out, err);
        }
        ck_err_free(le);
    }
    return ck_cron_parse(schedule, out, err);
}

/* ---- SpecSchedule.Next ------------------------------------------------------------------------
 */

static bool day_matches(const ck_cron *c, const ck_civil *t)
{
    bool dom = c->dom >> t->day & 1, dow = c->dow >> t->wday & 1;
    if ((c->dom & CK_CRON_STAR) || (c->dow & CK_CRON_STAR)) return dom && dow;
    return dom || dow; /* both restricted: either may match */
}

static int64_t floor_to(int64_t t, int64_t unit)
{
    int64_t r = t % unit;
    return r < 0 ? t - r - unit : t - r;
}

int64_t ck_cron_next(const ck_cron *c, int64_t t)
{
    if (c->every > 0) return t + c->every;
    const ck_tz *z = c->tz ? c->tz : ck_tz_local();
    ck_civil v;
    bool added = false;
    long steps = 0;
    t++; /* the upcoming second */
    ck_tz_civil(z, t, &v, NULL);
    int64_t year_limit = v.year + 5;
#define SET(x) (t = (x), ck_tz_civil(z, t, &v, NULL))
wrap:
    if (v.year > year_limit || ++steps > NEXT_STEPS_MAX) return CK_CRON_ZERO;
    while (!(c->month >> v.month & 1)) {
        if (!added) {
            added = true;
            SET(ck_tz_date(z, v.year, v.month, 1, 0, 0, 0));
        }
        SET(ck_tz_date(z, v.year, v.month + 1, v.day, v.hour, v.min, v.sec));
        if (v.month == 1) goto wrap;
    }
    while (!day_matches(c, &v)) {
        if (!added) {
            added = true;
            SET(ck_tz_date(z, v.year, v.month, v.day, 0, 0, 0));
        }
        SET(ck_tz_date(z, v.year, v.month, v.day + 1, v.hour, v.min, v.sec));
        /* Where DST moved midnight, get back to it: up from 23:00, down from 01:00. */
        if (v.hour != 0) SET(t + (v.hour > 12 ? 24 - v.hour : -v.hour) * 3600);
        if (v.day == 1 || ++steps > NEXT_STEPS_MAX) goto wrap;
    }
    while (!(c->hour >> v.hour & 1)) {
        if (!added) {
            added = true;
            SET(ck_tz_date(z, v.year, v.month, v.day, v.hour, 0, 0));
        }
        SET(t + 3600);
        if (v.hour == 0) goto wrap;
    }
    while (!(c->minute >> v.min & 1)) {
        if (!added) {
            added = true;
            SET(floor_to(t, 60)); /* Truncate(time.Minute): relative to Go's zero time */
        }
        SET(t + 60);
        if (v.min == 0) goto wrap;
    }
    while (!(c->second >> v.sec & 1)) {
        added = true;
        SET(t + 1);
        if (v.sec == 0) goto wrap;
    }
#undef SET
    return t;
}

/* ---- validation ------------------------------------------------------------------------------ */

static void note(ck_msgs *out, unsigned *n, char *msg)
{
    if (out && out->n < ARRAY_SIZE(out->v))
        out->v[out->n++] = msg;
    else
        free(msg);
    (*n)++;
}

unsigned ck_cron_validate_schedule(const char *schedule, bool old_has_tz, bool time_zone_set,
                                   ck_msgs *out)
{
    unsigned n = 0;
    ck_cron c;
    ck_err *e = NULL;
    if (ck_cron_parse(schedule, &c, &e) < 0) {
        note(out, &n, steal_pointer(&e->message));
        ck_err_free(e);
    }
    bool has_tz = strstr(schedule, "TZ") != NULL;
    if (old_has_tz && has_tz && time_zone_set)
        note(out, &n, xstrdup("cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    else if (!old_has_tz && has_tz)
        note(out, &n, xstrdup("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
    return n;
}

/* One path component as https://data.iana.org/time-zones/theory.html#naming allows, with
 * digits and '+' tolerated: ^[A-Za-z.\-_0-9+]{1,14}$, not "." or "..", no leading '-'. */
static bool tz_part_ok(const char *p, size_t len)
{
    if (len == 0 || len > 14 || *p == '-') return false;
    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+", p[i]))
            return false;
    return true;
}

unsigned ck_cron_validate_time_zone(const char *tz, ck_msgs *out)
{
    unsigned n = 0;
    if (!*tz) {
        note(out, &n, xstrdup("timeZone must be nil or non-empty string"));
        return n;
    }
    for (const char *p = tz;; p++) {
        const char *e = strchrnul(p, '/');
        if (!tz_part_ok(p, (size_t)(e - p))) {
            note(out, &n, xasprintf("unknown time zone %s", tz));
            return n;
        }
        if (!*(p = e)) break;
    }
    if (strcasecmp(tz, "Local") == 0)
        note(out, &n,
             xstrdup("timeZone must be an explicit time zone as defined in "
                     "https://www.iana.org/time-zones"));
    ck_err *e = NULL;
    if (!ck_tz_load(tz, &e)) {
        note(out, &n, steal_pointer(&e->message));
        ck_err_free(e);
    }
    return n;
}

/* ---- the controller's arithmetic ------------------------------------------------------------- */

static int64_t floor_sec(int64_t ms)
{
    return floor_to(ms, 1000) / 1000;
}

int ck_cron_most_recent(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms,
                        bool include_deadline, ck_cron_recent *out, ck_err **err)
{
    int64_t earliest_ms = (cj->has_last_schedule ? cj->last_schedule : cj->creation) * 1000;
    if (include_deadline && cj->has_deadline) {
        int64_t deadline_ms = now_ms - cj->starting_deadline_seconds * 1000;
        if (deadline_ms > earliest_ms) earliest_ms = deadline_ms;
    }
    *out = (ck_cron_recent){.earliest_ms = earliest_ms, .missed = CK_CRON_NONE_MISSED};
    int64_t now = floor_sec(now_ms); /* the activations are whole seconds */
    int64_t t1 = ck_cron_next(c, floor_sec(earliest_ms)), t2 = ck_cron_next(c, t1);
    if (now < t1) return 0;
    if (now < t2) {
        out->has_recent = true;
        out->recent = t1;
        return 0;
    }
    /* "59 23 31 2 *" parses but never fires: both activations are the zero time. */
    int64_t between = t2 - t1;
    if (between < 1) {
        ck_error(err, 422, CK_INVALID,
                 "time difference between two schedules is less than 1 second");
        return -1;
    }
    /* Upstream estimates the number missed from the first interval, then walks from one
     * interval before the estimated last one. */
    int64_t missed = (now - t1) / between + 1;
    int64_t t = ck_cron_next(c, t1 + (missed - 2) * between);
    for (; t != CK_CRON_ZERO && t <= now; t = ck_cron_next(c, t)) {
        out->has_recent = true;
        out->recent = t;
    }
    out->missed = missed > CK_CRON_MAX_MISSED ? CK_CRON_MANY_MISSED
                  : missed > 0                ? CK_CRON_FEW_MISSED
                                              : CK_CRON_NONE_MISSED;
    return 0;
}

int ck_cron_next_schedule_time(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms,
                               int64_t *scheduled, bool *too_many, ck_err **err)
{
    ck_cron_recent r;
    if (too_many) *too_many = false;
    if (ck_cron_most_recent(c, cj, now_ms, true, &r, err) < 0) return -1;
    if (!r.has_recent || r.recent > floor_sec(now_ms)) return 0;
    if (too_many) *too_many = r.missed == CK_CRON_MANY_MISSED;
    *scheduled = r.recent;
    return 1;
}

int64_t ck_cron_requeue_after_ms(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms)
{
    ck_cron_recent r;
    ck_err *e = NULL;
    int64_t from_ms = now_ms;
    if (ck_cron_most_recent(c, cj, now_ms, false, &r, &e) < 0)
        ck_err_free(e); /* aim for the next slot from now */
    else if (r.has_recent)
        from_ms = r.recent * 1000;
    else if (r.missed == CK_CRON_NONE_MISSED)
        from_ms = r.earliest_ms;
    int64_t next = ck_cron_next(c, floor_sec(from_ms));
    return next * 1000 + CK_CRON_NEXT_SCHEDULE_DELTA_MS - now_ms;
}

bool ck_cron_too_late(const ck_cron_job *cj, int64_t scheduled, int64_t now_ms)
{
    return cj->has_deadline && (scheduled + cj->starting_deadline_seconds) * 1000 < now_ms;
}

char *ck_cron_job_name(const char *cronjob, int64_t scheduled)
{
    return xasprintf("%s-%lld", cronjob, (long long)(scheduled / 60));
}

/* ---- event messages ----------------------------------------------------------------------------
 */

char *ck_cron_msg_unparseable(const char *schedule, const char *err)
{
    cleanup_free char *q = ck_quote(schedule);
    return xasprintf("unparseable schedule: %s : %s", q, err);
}

char *ck_cron_msg_invalid(const char *schedule, const char *err)
{
    return xasprintf("invalid schedule: %s : %s", schedule, err);
}

char *ck_cron_msg_unknown_tz(const char *tz, const char *err)
{
    cleanup_free char *q = ck_quote(tz);
    return xasprintf("invalid timeZone: %s: %s", q, err);
}

char *ck_cron_msg_unsupported(const char *schedule)
{
    cleanup_free char *q = ck_quote(schedule);
    return xasprintf("CRON_TZ or TZ used in schedule %s is not officially supported, see "
                     "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for "
                     "more details",
                     q);
}

char *ck_cron_msg_missed(int64_t scheduled)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    ck_civil v;
    ck_civil_from_unix(scheduled, &v);
    return xasprintf(
        "Missed scheduled time to start a job: %s, %02d %s %04lld %02d:%02d:%02d +0000", wd[v.wday],
        v.day, mon[v.month - 1], (long long)v.year, v.hour, v.min, v.sec);
}
