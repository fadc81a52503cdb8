/* The schedule part of the CronJob controller, as a pure library: robfig/cron v3's standard
 * parser and Next (what upstream vendors), the CronJob validation of spec.schedule and
 * spec.timeZone (pkg/apis/batch/validation), and the controller's time arithmetic
 * (pkg/controller/cronjob/utils.go: mostRecentScheduleTime, nextScheduleTime,
 * nextScheduleTimeDuration, the > 100 missed start times rule, startingDeadlineSeconds).
 *
 * Times are Unix seconds, except the controller's clock ("now"), which is milliseconds:
 * object timestamps are whole seconds in the API, the clock is not, and the requeue delay
 * and the starting-deadline check see the difference. */
#ifndef CK_CRON_H
#define CK_CRON_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/tz.h"
#include "machinery/validation.h"

#define CK_CRON_STAR (UINT64_C(1) << 63)   /* robfig's starBit: the field was '*' or '?' */
#define CK_CRON_ZERO INT64_C(-62135596800) /* Go's zero time.Time: "no activation" */
#define CK_CRON_NEXT_SCHEDULE_DELTA_MS 100 /* nextScheduleDelta: requeue padding */
#define CK_CRON_MAX_MISSED 100             /* more missed start times than this is "many" */

/* A parsed schedule: robfig's SpecSchedule bit sets (bit n = value n, plus CK_CRON_STAR),
 * or a ConstantDelaySchedule when every > 0. */
typedef struct ck_cron {
    uint64_t second, minute, hour, dom, month, dow;
    int64_t every;   /* "@every": seconds between activations (>= 1), else 0 */
    const ck_tz *tz; /* the zone the schedule runs in: its TZ=/CRON_TZ= prefix, else Local */
} ck_cron;

/* cron.ParseStandard: five fields (minute hour day-of-month month day-of-week) with lists,
 * ranges, steps, '*', '?', JAN-DEC and SUN-SAT (any case), the @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly descriptors, "@every <Go duration>", and a
 * leading TZ=<zone> or CRON_TZ=<zone>. On failure returns -1 with *err (422 Invalid) whose
 * message is robfig's text, the detail upstream's 422 shows after
 * `spec.schedule: Invalid value: "...": `, e.g. "expected exactly 5 fields, found 1: [bad]".
 * One deliberate difference: robfig panics on a TZ= prefix with no space after it (the
 * apiserver then answers 500); here the zone is read to the end and the schedule is empty,
 * so the error is "expected exactly 5 fields, found 0: []" (or the bad-location error). */
int ck_cron_parse(const char *spec, ck_cron *out, ck_err **err);

/* Schedule.Next: the first activation strictly after t, found in the schedule's zone as
 * robfig does (a wall time skipped by a DST change does not run that day; one repeated
 * runs twice). CK_CRON_ZERO when nothing matches within five years ("0 0 30 2 *"). */
int64_t ck_cron_next(const ck_cron *c, int64_t t);

/* The controller's parse (formatSchedule + ParseStandard): a schedule containing "TZ" is
 * parsed as it is and *unsupported (may be NULL) is set, for the UnsupportedSchedule
 * warning; otherwise a non-NULL time_zone that loads is applied as "TZ=<zone> <schedule>";
 * one that does not load is ignored here (syncCronJob has already refused the CronJob with
 * UnknownTimeZone). */
int ck_cron_parse_cronjob(const char *schedule, const char *time_zone, ck_cron *out,
                          bool *unsupported, ck_err **err);

/* ---- validation (validateScheduleFormat, validateTimeZone) -------------------------------- */

/* Details of spec.schedule "Invalid value" errors for a non-empty schedule (an empty one is
 * "Required", the caller's case), in upstream's order: the parse error, then the TZ rule
 * ("cannot use TZ or CRON_TZ in schedule, use timeZone field instead", or on an update whose
 * old schedule already held "TZ" and with spec.timeZone set, "cannot use both timeZone field
 * and TZ or CRON_TZ in schedule"). old_has_tz: an update whose old schedule contains "TZ". */
unsigned ck_cron_validate_schedule(const char *schedule, bool old_has_tz, bool time_zone_set,
                                   ck_msgs *out);
/* Details of spec.timeZone "Invalid value" errors for a non-nil timeZone (upstream runs it
 * on create and when the field changes): "timeZone must be nil or non-empty string",
 * "unknown time zone X" for names outside the IANA character rules, "timeZone must be an
 * explicit time zone as defined in https://www.iana.org/time-zones" for Local (any case),
 * then time.LoadLocation's error. Both return the number of details and, when out is
 * non-NULL, fill it (ck_ferr_invalid_msgs takes it from there; else ck_msgs_free). */
unsigned ck_cron_validate_time_zone(const char *time_zone, ck_msgs *out);

/* ---- the controller's arithmetic (pkg/controller/cronjob/utils.go) ------------------------ */

typedef enum ck_cron_missed {
    CK_CRON_NONE_MISSED,
    CK_CRON_FEW_MISSED,
    CK_CRON_MANY_MISSED, /* > CK_CRON_MAX_MISSED: the TooManyMissedTimes warning */
} ck_cron_missed;

/* What of a CronJob the schedule arithmetic reads. */
typedef struct ck_cron_job {
    int64_t creation; /* metadata.creationTimestamp */
    bool has_last_schedule;
    int64_t last_schedule; /* status.lastScheduleTime */
    bool has_deadline;
    int64_t starting_deadline_seconds; /* spec.startingDeadlineSeconds */
} ck_cron_job;

typedef struct ck_cron_recent {
    int64_t earliest_ms; /* last schedule (else creation), raised to now - deadline */
    bool has_recent;
    int64_t recent; /* the most recent activation at or before now */
    ck_cron_missed missed;
} ck_cron_recent;

/* mostRecentScheduleTime. The count of missed activations is upstream's estimate from the
 * first two activations after `earliest`, and the most recent one is searched from there,
 * so for irregular schedules (upstream's "30 10,11,12 * * 1-5" case) it can find none
 * although some were missed; that is upstream's behaviour, kept. Returns -1 with *err
 * ("time difference between two schedules is less than 1 second") when the schedule never
 * fires ("59 23 31 2 *"). */
int ck_cron_most_recent(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms,
                        bool include_deadline, ck_cron_recent *out, ck_err **err);

/* nextScheduleTime: 1 when *scheduled is a start time due now (the controller then checks
 * ck_cron_too_late and creates the Job), 0 when none is due, -1 on the error above.
 * *too_many (may be NULL) is set when more than 100 were missed: the controller records
 * the warning event CK_CRON_REASON_TOO_MANY with CK_CRON_MSG_TOO_MANY and goes on. */
int ck_cron_next_schedule_time(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms,
                               int64_t *scheduled, bool *too_many, ck_err **err);

/* nextScheduleTimeDuration: milliseconds until the next activation plus 100 ms, the requeue
 * delay. Negative (requeue at once) when the schedule never fires again. */
int64_t ck_cron_requeue_after_ms(const ck_cron *c, const ck_cron_job *cj, int64_t now_ms);

/* scheduled + startingDeadlineSeconds is before now (the MissSchedule warning). */
bool ck_cron_too_late(const ck_cron_job *cj, int64_t scheduled, int64_t now_ms);

/* The Job's name: "<cronjob>-<scheduled time in minutes since the epoch>"; caller frees. */
char *ck_cron_job_name(const char *cronjob, int64_t scheduled);

/* ---- the controller's events -------------------------------------------------------------- */

#define CK_CRON_REASON_TOO_MANY "TooManyMissedTimes"
#define CK_CRON_MSG_TOO_MANY                                                                       \
    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check "         \
    "clock skew"
#define CK_CRON_REASON_UNPARSEABLE "UnparseableSchedule"
#define CK_CRON_REASON_INVALID "InvalidSchedule"
#define CK_CRON_REASON_UNKNOWN_TZ "UnknownTimeZone"
#define CK_CRON_REASON_UNSUPPORTED "UnsupportedSchedule"
#define CK_CRON_REASON_MISSED "MissSchedule"

/* The messages of those events, as upstream formats them; the caller frees them.
 *   unparseable: unparseable schedule: "x" : <err>
 *   invalid:     invalid schedule: x : <err>
 *   unknown_tz:  invalid timeZone: "x": <err>
 *   unsupported: CRON_TZ or TZ used in schedule "x" is not officially supported, see ...
 *   missed:      Missed scheduled time to start a job: Sun, 29 Mar 2026 00:30:00 +0000 */
char *ck_cron_msg_unparseable(const char *schedule, const char *err);
char *ck_cron_msg_invalid(const char *schedule, const char *err);
char *ck_cron_msg_unknown_tz(const char *tz, const char *err);
char *ck_cron_msg_unsupported(const char *schedule);
char *ck_cron_msg_missed(int64_t scheduled);

#endif
