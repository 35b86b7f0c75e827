/*
 * ddl.h - deadlines on the working-time axis (domain.md §5, §6). Pure: no I/O,
 * no clock, no globals.
 *
 * The primitive is the working-time axis of a working calendar: pos(t) is the
 * number of working seconds elapsed between the start of the calendar range and
 * the instant t (an instant outside working time has the position of the next
 * session start), and instant(p) is the EARLIEST instant with position p (so an
 * interval that ends exactly at a session end gives that end, 17:00, not the next
 * opening: domain.md §5.1). Every deadline is arithmetic on positions:
 *
 *   appointment = instant(pos(start) + minutes * 60)
 *   legal_due   = instant(pos(appointment) + Σ (pos(S) − pos(P)))   (§6.1)
 *
 * A struct ddl_axis is built once from a struct wcal (prefix sums of the working
 * seconds of every day of the range) and is read-only afterwards, so threads may
 * share it. ddl_pos is O(1) and ddl_instant O(log days); neither allocates.
 * Instants are int64_t Unix seconds; local time is UTC+7 (cal.h).
 */
#ifndef MOTCUA_DOMAIN_DDL_H
#define MOTCUA_DOMAIN_DDL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/wcal.h"

/* Working minutes of one working day (domain.md §5.1: N working days = N × 480). */
#define DDL_DAY_MINUTES 480

/* resolved_at of a pause that has not been resumed yet. */
#define DDL_OPEN INT64_MAX

struct ddl_axis {
    const struct wcal *cal;
    int32_t first_day;  /* first local day number of the range */
    int32_t ndays;      /* days in the range */
    int64_t *cum;       /* cum[i] = working seconds before day first_day + i; ndays + 1 rows */
    int64_t t_first;    /* instant of local midnight of first_day */
    int64_t t_last;     /* instant of local midnight after the last day */
};

/*
 * Builds the axis of a calendar (allocates ndays + 1 int64_t). The calendar must
 * outlive the axis. Returns 0, or -1 with ERR_OUT_OF_CALENDAR when the calendar
 * range is empty.
 */
int ddl_axis_init(struct ddl_axis *ax, const struct wcal *cal, struct mc_err *e);
void ddl_axis_free(struct ddl_axis *ax);

/* 1 when t lies inside the calendar range of the axis. */
int ddl_in_range(const struct ddl_axis *ax, int64_t t);

/*
 * Working seconds from the start of the range to t. An instant outside working
 * time has the position of the next session start. Instants before the range
 * give 0, after it the total.
 */
int64_t ddl_pos(const struct ddl_axis *ax, int64_t t);

/* Total working seconds of the range (the largest position). */
int64_t ddl_pos_max(const struct ddl_axis *ax);

/*
 * The earliest instant with position pos (0 <= pos <= ddl_pos_max). Position 0
 * gives the start of the range. Out-of-range positions are clamped.
 */
int64_t ddl_instant(const struct ddl_axis *ax, int64_t pos);

/*
 * The instant the clock starts for a reception at t (domain.md §5.1): t itself
 * inside a session; otherwise the start of the next session (after 17:00 ->
 * 07:00 of the next working day; in the lunch break -> 13:30). -1 with
 * ERR_OUT_OF_CALENDAR when there is no later session in range.
 */
int ddl_start(const struct ddl_axis *ax, int64_t t, int64_t *out, struct mc_err *e);

/* 1 when t lies inside a working session (start inclusive, end exclusive). */
int ddl_is_working_time(const struct ddl_axis *ax, int64_t t);

/* Durations (domain.md §2, §5.1) */

enum ddl_unit {
    DDL_WD = 0,   /* working days: value × 480 working minutes ("3d") */
    DDL_WH,       /* working hours: value × 60 ("12h") */
    DDL_WM,       /* working minutes, for steps ("240m" = "1/2 ngày") */
    DDL_CD,       /* calendar days, Civil Code 2015 Art. 147(2), 148 ("15c") */
    DDL_SAMEDAY,  /* same day, optional cut-off ("sameday", "sameday@15:00", "0d") */
    DDL_NONE,     /* no appointment ("none"); classification uses a maximum duration */
    DDL_UNIT__COUNT
};

struct ddl_duration {
    int32_t value;        /* count of the unit; 0 for sameday and none */
    enum ddl_unit unit;
    int32_t cutoff;       /* sameday only: minute of day of the cut-off, -1 for none */
};

/* Upper bounds accepted by the parser (ten years of working time). */
#define DDL_MAX_DAYS 3650
#define DDL_MAX_HOURS (DDL_MAX_DAYS * 8)
#define DDL_MAX_MINUTES (DDL_MAX_DAYS * DDL_DAY_MINUTES)

/*
 * Parses the duration syntax (n bytes, need not be NUL-terminated):
 *   "<N>d" working days, "<N>h" working hours, "<N>m" working minutes,
 *   "<N>c" calendar days (N >= 1), "0d" or "sameday" (same working day, no cut-off),
 *   "sameday@HH:MM" (same day with a cut-off), "none" (no appointment).
 * N is decimal with no sign and no leading zeros (except "0d"). Returns 0, or -1
 * with ERR_BAD_DURATION.
 */
int ddl_parse_duration(const char *s, size_t n, struct ddl_duration *out, struct mc_err *e);

/* Writes the canonical text of d (buf >= 24); the parser reads it back to d. */
void ddl_format_duration(const struct ddl_duration *d, char *buf, size_t size);

/* Unit key as stored in procedure_version.duration_unit ("wd","wh","wm","cd","sameday","none"). */
const char *ddl_unit_key(enum ddl_unit u);
/* Working minutes of a wd/wh/wm duration; -1 for the others. */
int64_t ddl_duration_minutes(const struct ddl_duration *d);

/*
 * The appointment (ngày hẹn trả) of a dossier received at `received` (§5.1):
 * wd/wh/wm: instant(pos(start) + minutes); cd: end of the last session of
 * (local day of reception + N; Civil Code 2015 Art. 147(2): the first day is not
 * counted, so the period runs from the day after the reception day itself, not from
 * the rolled clock start), moved to the end of the next working day when that day is
 * not a working day (Art. 148(1), 148(5)); sameday: end of the start's working day, or
 * of the next working day when the reception itself (not the rolled start), made on a
 * working day before its close, is after the cut-off minute ("sau 15 giờ": a reception
 * within the cut-off minute is handled the same day); a reception after the day's close or
 * on a non-working day is handled on the next working day, whatever its hour.
 * Returns -1 with ERR_BAD_DURATION for DDL_NONE, ERR_OUT_OF_CALENDAR past the
 * calendar range.
 */
int ddl_appointment(const struct ddl_axis *ax, int64_t received, const struct ddl_duration *d,
                    int64_t *out, struct mc_err *e);

/* instant(pos(t) + minutes) for minutes >= 0; -1 with ERR_OUT_OF_CALENDAR past the range. */
int ddl_add_minutes(const struct ddl_axis *ax, int64_t t, int64_t minutes, int64_t *out,
                    struct mc_err *e);

/*
 * Plans of steps or liên thông legs (§5.1): out[i] = planned end of item i, each item
 * starting at the end of the previous one, the first at `handover`. Plans never
 * change the appointment. Returns 0 or -1 (ERR_OUT_OF_CALENDAR, ERR_BAD_DURATION for
 * a negative minute count).
 */
int ddl_plan(const struct ddl_axis *ax, int64_t handover, const int32_t *minutes, size_t n,
             int64_t *out, struct mc_err *e);

/* Working seconds between a and b (pos(b) − pos(a), negative when b < a). */
int64_t ddl_between(const struct ddl_axis *ax, int64_t a, int64_t b);

/* Pauses (§6.1) */

enum ddl_pause_reason {
    DDL_P_SUPPLEMENT = 0, /* yêu cầu bổ sung (4 -> 5) */
    DDL_P_PAYMENT,        /* nghĩa vụ tài chính (4 -> 6) */
    DDL_P_CONSULT,        /* consultation excluded from the duration by the procedure */
    DDL_P_VNEID,          /* VNeID confirmation in a national liên thông package */
    DDL_P__COUNT
};

const char *ddl_pause_reason_key(enum ddl_pause_reason r); /* "supplement", ... */
int ddl_pause_reason_parse(const char *key);              /* -1 when unknown */

struct ddl_policy {
    int single_supplement;   /* §6.1, default 1: only the first supplement request pauses */
    unsigned counted;        /* bit (1u << reason) set when that reason pauses the clock */
};

/* single_supplement on, only supplements counted (the schema default '{supplement}'). */
void ddl_policy_default(struct ddl_policy *p);

struct ddl_pause {
    /* inputs */
    enum ddl_pause_reason reason;
    int64_t requested_at;   /* P */
    int64_t resolved_at;    /* S, or DDL_OPEN */
    /* outputs of ddl_ledger */
    int counted;            /* 1 when this pause moved the legal due instant */
    int repeat;             /* 1 for a second or later supplement request (§6.1) */
    int64_t paused_secs;    /* working seconds it moved the due position (0 if not counted) */
    int64_t due_before;     /* legal due before this pause (NgayHenTraTruoc) */
    int64_t due_after;      /* legal due after it (NgayHenTraMoi); for an open pause, as of `at` */
};

struct ddl_ledger {
    int64_t legal_due;      /* instant(pos(appointment) + Σ counted) as of `at` */
    int64_t paused_secs;    /* Σ counted working seconds */
    int nrepeats;           /* supplement requests flagged as repeats */
    int open;               /* index of a counted pause still open at `at`, or -1 */
    int64_t open_since;     /* its requested_at, or 0 */
};

/*
 * Applies the pause ledger to an appointment as of the instant `at` (pauses
 * requested after `at` are ignored; an open pause, or one resolved after `at`,
 * counts up to `at`). Pauses must be sorted by requested_at and must not overlap
 * (each resolved_at <= the next requested_at, and requested_at <= resolved_at):
 * otherwise -1 with ERR_VALIDATION. Fills each pause's outputs and *out.
 */
int ddl_ledger(const struct ddl_axis *ax, const struct ddl_policy *pol, int64_t appointment,
               struct ddl_pause *pauses, size_t n, int64_t at, struct ddl_ledger *out,
               struct mc_err *e);

/* Apology and the one new appointment (§6.3) */

struct ddl_apology {
    int64_t new_appointment;
    int late_notice;          /* late under the policy (default: not before the due's date) */
    int64_t notice_secs;      /* working seconds from issue to legal_due (negative if after) */
};

/*
 * Policy `apology_notice` (docs/domain.md "Apology"): when is an apology late notice?
 *   DDL_NOTICE_DAY_BEFORE (default, the legal test: ND 61/2018 Art. 19(5), kept by
 *     ND 118/2025, shared domain.md §6.3: "chậm nhất 01 ngày trước ngày hết hạn"):
 *     late iff issued on the local date of legal_due or later; a notice dated the day
 *     before, at any hour, is on time;
 *   DDL_NOTICE_WORKING_DAY (the stricter margin, for warnings only): fewer than 480
 *     working minutes between the issue and legal_due.
 */
enum ddl_notice_policy {
    DDL_NOTICE_DAY_BEFORE = 0,
    DDL_NOTICE_WORKING_DAY,
};

/*
 * Checks an apology issued at `issued_at` for a dossier whose legal due is
 * `legal_due`. Refuses a second one (ERR_APOLOGY_TWICE when already_issued) and a
 * new appointment not after legal_due (ERR_VALIDATION). The legal due itself is
 * not changed by an apology. ddl_apology uses DDL_NOTICE_DAY_BEFORE (the law).
 */
int ddl_apology(const struct ddl_axis *ax, int64_t legal_due, int64_t issued_at,
                int64_t new_appointment, int already_issued, struct ddl_apology *out,
                struct mc_err *e);
int ddl_apology_with(const struct ddl_axis *ax, enum ddl_notice_policy notice, int64_t legal_due,
                     int64_t issued_at, int64_t new_appointment, int already_issued,
                     struct ddl_apology *out, struct mc_err *e);

/* Remaining working seconds from `at` to `due` (negative: overdue by that much). */
int64_t ddl_remaining(const struct ddl_axis *ax, int64_t due, int64_t at);

/* Explanation of a due date (§5.2) */

struct ddl_skip {
    int32_t day;
    int working;               /* 1 for a counted làm bù Saturday, 0 for a skipped day */
    enum wcal_reason reason;
    const char *note;          /* points into the calendar; may be "" */
};

/*
 * Lists the days from the local day of `start` to the local day of `due`
 * (inclusive) that are not working days, and the worked Saturdays in between,
 * in date order. Writes at most cap rows; returns the total count (which may
 * exceed cap).
 */
size_t ddl_explain(const struct ddl_axis *ax, int64_t start, int64_t due, struct ddl_skip *out,
                   size_t cap);

/*
 * The explanation of the due instant `due` of a dossier received at `received` with
 * duration d (the appointment, or the legal due after pauses):
 *   wd/wh/wm/sameday: ddl_explain(received, due): from the reception day, so the days
 *     skipped before the clock starts (a reception on Friday evening, on a weekend, on
 *     the eve of Tết) are listed too;
 *   cd: a calendar-day period counts every day, so only the days the end moved over are
 *     listed: from the nominal last day (reception day + N) to the day of `due`.
 * Same output contract as ddl_explain.
 */
size_t ddl_explain_due(const struct ddl_axis *ax, int64_t received, const struct ddl_duration *d,
                       int64_t due, struct ddl_skip *out, size_t cap);

#endif
