/*
 * wcal.h - the working calendar: which local days are working days and which
 * sessions they have (domain.md §4). Pure: no I/O, no clock, no globals.
 *
 * A struct wcal is built once from
 *   - the rules of BLLĐ 2019 Art. 112 and 111(3) computed for every year in range
 *     (fixed holidays incl. Giỗ Tổ 10/3 âm lịch, compensatory days that chain forward),
 *   - the announced schedule rows (Tết days, second Quốc khánh day, swaps, worked
 *     Saturdays, local days off) read from the data file sql/calendar_vn.tsv or from the
 *     database table loaded from it; an announced row wins over the rules,
 *   - for a lunar year with no announced Tết row, a *proposed* Tết (the 5 days placed by
 *     the policy in docs/domain.md), marked WCAL_R_TET_PROPOSED, and from 2021 for a year
 *     with no announced second Quốc khánh day a proposed one (WCAL_R_NATIONAL_DAY_2_PROPOSED),
 *   - the weekly schedules (sessions per day, with effective dates).
 * It is then read-only and may be shared between threads. Building allocates; the
 * queries never do.
 */
#ifndef MOTCUA_DOMAIN_WCAL_H
#define MOTCUA_DOMAIN_WCAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum wcal_reason {
    WCAL_R_WORKDAY = 0,       /* ordinary Monday-Friday working day */
    WCAL_R_WEEKEND,           /* Saturday or Sunday */
    WCAL_R_NEW_YEAR,          /* Tết Dương lịch 01/01 */
    WCAL_R_TET,               /* Tết Âm lịch, announced */
    WCAL_R_TET_PROPOSED,      /* Tết Âm lịch, computed: no announcement for that year */
    WCAL_R_HUNG_KINGS,        /* Giỗ Tổ Hùng Vương 10/3 âm lịch */
    WCAL_R_REUNIFICATION,     /* Chiến thắng 30/04 */
    WCAL_R_LABOUR,            /* Quốc tế lao động 01/05 */
    WCAL_R_NATIONAL_DAY,      /* Quốc khánh 02/09 */
    WCAL_R_NATIONAL_DAY_2,    /* the adjacent Quốc khánh day, announced */
    WCAL_R_COMPENSATORY,      /* nghỉ bù for a holiday on a weekend (Art. 111(3)) */
    WCAL_R_SWAP_OFF,          /* weekday off, paid back by a worked Saturday (hoán đổi) */
    WCAL_R_MAKEUP_SATURDAY,   /* Saturday worked (làm bù) */
    WCAL_R_LOCAL,             /* province-local day off */
    WCAL_R_ANNOUNCED,         /* any other announced day off */
    WCAL_R_NATIONAL_DAY_2_PROPOSED, /* the adjacent Quốc khánh day, computed: none announced */
    WCAL_R__COUNT
};

/* One announced row (one line of sql/calendar_vn.tsv). */
struct wcal_entry {
    int32_t day;
    int working;           /* 1: a working day (worked Saturday); 0: a day off */
    enum wcal_reason reason;
    char note[96];         /* Vietnamese note, UTF-8, may be empty */
};

struct wcal_session {
    int16_t start; /* minutes after local midnight, e.g. 420 = 07:00 */
    int16_t end;   /* exclusive, e.g. 690 = 11:30 */
};

#define WCAL_MAX_SESSIONS 4

/* A weekly schedule in force from from_day (inclusive) until the next one. */
struct wcal_schedule {
    int32_t from_day;
    int nsessions;
    struct wcal_session s[WCAL_MAX_SESSIONS];
};

struct wcal_opts {
    int first_year;              /* range built, e.g. 1990 */
    int last_year;               /* e.g. 2100 */
    int count_makeup_saturdays;  /* policy, default 1 (domain.md §4.1) */
    size_t nschedules;           /* 0 = the default 07:00-11:30, 13:30-17:00 */
    const struct wcal_schedule *schedules; /* sorted by from_day */
};

/* Fills the defaults: 1990-2100, policy on, default schedule. */
void wcal_opts_default(struct wcal_opts *o);

struct wcal;

/* Builds a calendar. entries need not be sorted. NULL and *e filled on bad options. */
struct wcal *wcal_build(const struct wcal_opts *o, const struct wcal_entry *entries, size_t n,
                        struct mc_err *e);
void wcal_free(struct wcal *w);

/* First and last day numbers covered. */
int32_t wcal_first_day(const struct wcal *w);
int32_t wcal_last_day(const struct wcal *w);

/* 1 if the day is a working day, 0 if not, -1 outside the range. */
int wcal_is_working(const struct wcal *w, int32_t day);

/* Why the day is what it is; the note of the announced row or of the rule (Vietnamese). */
enum wcal_reason wcal_reason(const struct wcal *w, int32_t day);
const char *wcal_note(const struct wcal *w, int32_t day);

/* The sessions of a day (0 for a day off); *s points into w. */
int wcal_sessions(const struct wcal *w, int32_t day, const struct wcal_session **s);

/* Working minutes of a day (0 for a day off). */
int wcal_day_minutes(const struct wcal *w, int32_t day);

/* Vietnamese label of a reason ("Nghỉ Tết Âm lịch", ...) and a stable English key ("tet"). */
const char *wcal_reason_vi(enum wcal_reason r);
const char *wcal_reason_key(enum wcal_reason r);
/* Inverse of wcal_reason_key; -1 when unknown. */
int wcal_reason_parse(const char *key);

/*
 * Proposals (domain.md §4.4, docs/domain.md "Proposed days"): a day whose status the rules
 * computed because nothing is announced yet (WCAL_R_TET_PROPOSED,
 * WCAL_R_NATIONAL_DAY_2_PROPOSED). An appointment computed across one is a guess, not the
 * law: the API flags it `calendar_proposed`.
 */

/* 1 when the day is a proposed day (off or worked), 0 otherwise (also outside the range). */
int wcal_is_proposed(const struct wcal *w, int32_t day);

/*
 * The first proposed day in [from, to] (both inclusive, clamped to the range), or -1 when
 * there is none. O(to - from): a deadline window is weeks, the horizon at most the range.
 */
int32_t wcal_first_proposed(const struct wcal *w, int32_t from, int32_t to);

/*
 * 1 when an appointment whose clock starts on local day start_day and which is due on
 * due_day crosses a proposal: a proposed day lies in [start_day, due_day] (inclusive).
 */
int wcal_crosses_proposed(const struct wcal *w, int32_t start_day, int32_t due_day);

/*
 * The announcement horizon seen from the local day `today` (the caller's clock: pure):
 *   next_year            the Gregorian year after today's;
 *   next_year_announced  1 when no day of next_year carries a proposed Tết (its Tết
 *                        announced: the calendar API's status "announced");
 *   last_announced       the day before the first proposed day on or after today (every
 *                        appointment up to it stands on announced days and the rules only),
 *                        the last day of the range when nothing later is proposed;
 *   alarm                1 from 1 October of today's year while next year is not announced.
 * Days outside the range give a zeroed struct with alarm 0.
 */
struct wcal_horizon {
    int next_year;
    int next_year_announced;
    int32_t last_announced;
    int alarm;
};

#define WCAL_HORIZON_MONTH 10 /* the alarm is due from 1 October (issue 15 part 3) */

void wcal_horizon(const struct wcal *w, int32_t today, struct wcal_horizon *h);

/*
 * Parses the announced-schedule file format (sql/calendar_vn.tsv):
 *   # comment lines and blank lines are ignored
 *   YYYY-MM-DD<TAB>off|work<TAB>reason key<TAB>note
 * Returns a malloc'd array in *out (free with free()), count in *n; on a bad line
 * returns -1 with e->detail naming the line number.
 */
int wcal_parse_tsv(const char *text, size_t len, struct wcal_entry **out, size_t *n,
                   struct mc_err *e);

#endif
