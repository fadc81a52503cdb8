/* Time zones as Go's time package has them, without touching the process TZ: TZif files
 * (v1, and the 64-bit section of v2+) read from /usr/share/zoneinfo, the POSIX TZ footer for
 * instants past the table, UTC -> local and local wall time -> UTC with time.Date's rules.
 * Everything here is thread-safe; loaded zones are immutable and cached for the process.
 *
 * "Local" is the zone a controller calls its local time (Go's time.Local). ckube's is UTC,
 * whatever TZ or /etc/localtime say: a CronJob without spec.timeZone runs on UTC, as it does
 * upstream in a kube-controller-manager container without /etc/localtime. */
#ifndef CK_TZ_H
#define CK_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define CK_TZ_DIR "/usr/share/zoneinfo"

typedef struct ck_tz ck_tz;

/* The zone an instant falls in, as Go's Location.lookup reports it. */
typedef struct ck_tz_period {
    const char *abbr; /* "CET"; owned by the zone */
    int offset;       /* seconds east of UTC */
    bool is_dst;
    int64_t start, end; /* [start, end) in Unix seconds; as Go, the year's bounds far from
                         * a transition when the footer rule answers */
} ck_tz_period;

/* A wall-clock reading. */
typedef struct ck_civil {
    int64_t year;
    int month, day, hour, min, sec; /* 1-12, 1-31, 0-23, 0-59, 0-59 */
    int wday;                       /* 0 = Sunday */
    int yday;                       /* 1-366 */
} ck_civil;

const ck_tz *ck_tz_utc(void);
const ck_tz *ck_tz_local(void); /* named "Local", behaves as UTC (see above) */

/* time.LoadLocation: "" and "UTC" give UTC, "Local" gives ck_tz_local(); other names are
 * files under CK_TZ_DIR. Names containing "..", or starting with '/' or '\', are refused
 * ("time: invalid location name"); a missing file is "unknown time zone NAME"; a file that
 * is no TZif is "malformed time zone information". The result is cached and lives as long
 * as the process (never free it); failures are not cached, so installing tzdata later
 * works without a restart. Returns NULL and sets *err on failure. */
const ck_tz *ck_tz_load(const char *name, ck_err **err);

/* time.LoadLocationFromTZData: a zone from TZif bytes, not cached; free with ck_tz_free. */
ck_tz *ck_tz_from_tzif(const char *name, const void *data, size_t len, ck_err **err);
void ck_tz_free(ck_tz *z); /* for ck_tz_from_tzif results; NULL is fine */

const char *ck_tz_name(const ck_tz *z);

/* The period (offset, abbreviation) in force at a Unix time. */
void ck_tz_lookup(const ck_tz *z, int64_t unix_sec, ck_tz_period *out);
/* The wall-clock reading of a Unix time in the zone; *p (may be NULL) gets the period. */
void ck_tz_civil(const ck_tz *z, int64_t unix_sec, ck_civil *out, ck_tz_period *p);
/* time.Date: fields out of range are normalised (month 13 is January of the next year,
 * February 30 is March 1 or 2, hour 25 is 01:00 the next day). A wall time that does not
 * exist (spring-forward gap) or exists twice (fall-back overlap) resolves exactly as Go's
 * time.Date does: the offset in force at the wall time read as UTC is tried first and kept
 * when the result lies in that period's span, else the offset at the result is used. In
 * zones east of UTC (Europe/Berlin) a gap time moves forward (02:30 -> 03:30 CEST) and an
 * overlap time takes the later instant (02:30 CET); west of UTC (America/New_York) a gap
 * time moves back (02:30 -> 01:30 EST) and an overlap time takes the earlier instant
 * (01:30 EDT). Returns Unix seconds. */
int64_t ck_tz_date(const ck_tz *z, int64_t year, int64_t month, int64_t day, int64_t hour,
                   int64_t min, int64_t sec);

/* Go's RFC 3339 layout in the zone: "2026-03-29T03:30:00+02:00", "...Z" at offset 0. */
void ck_tz_format_rfc3339(const ck_tz *z, int64_t unix_sec, char out[40]);

/* Proleptic Gregorian calendar helpers. */
bool ck_is_leap(int64_t year);
int ck_days_in_month(int64_t year, int month);
int64_t ck_days_from_civil(int64_t year, int month, int day); /* days since 1970-01-01 */
void ck_civil_from_unix(int64_t unix_sec, ck_civil *out);     /* in UTC */

#endif
