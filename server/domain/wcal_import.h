/*
 * wcal_import.h - the checks of a year's announcement (a set of calendar_day rows) before it
 * is loaded (issue 15 part 2; docs/domain.md §4.4 "Adding a year"). Pure: no I/O, no clock.
 *
 * An announcement is checked WHOLE and every problem is reported, not just the first:
 *   - never lifted: a malformed row (date, kind, reason, note: the API and CLI parsers),
 *     a day given twice, rows of more than one year (or not of the year asked), a day
 *     outside the calendar range, a row whose kind does not match its reason (only a
 *     makeup_saturday is worked);
 *   - lifted by an explicit override (the Labour Code as the rules of wcal.c read it; an
 *     announcement may depart from it, an administrator says so):
 *       holiday_worked         a worked row on a BLLĐ 2019 Art. 112(1) holiday or on its
 *                              Art. 111(3) compensatory day as the rules place them;
 *       makeup_not_saturday    a makeup_saturday on another day than a Saturday;
 *       holiday_date           a fixed-holiday reason (new_year, hung_kings, reunification,
 *                              labour, national_day) on another day than the rules', or
 *                              national_day_2 on another day than 01/09 or 03/09;
 *       compensatory_rule      a compensatory row on a day the Art. 111(3) rule does not
 *                              give (computed on the calendar with the announcement);
 *       swap_on_weekend        a swap_off on a Saturday or Sunday (nothing to swap);
 *       swap_unpaired          a swap_off without its paid-back makeup_saturday, and
 *       makeup_unpaired        a makeup_saturday without its swap_off: partners are taken
 *                              from the announcement or from the rows already loaded, in
 *                              date order, at most WCAL_IMPORT_PAIR_DAYS apart (the swaps
 *                              announced so far: 2 to 9 days), each partner used once.
 */
#ifndef MOTCUA_DOMAIN_WCAL_IMPORT_H
#define MOTCUA_DOMAIN_WCAL_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/wcal.h"

#define WCAL_IMPORT_PAIR_DAYS 60
#define WCAL_IMPORT_MAX_ROWS 400 /* a year has at most 366 days */

enum wcal_import_problem {
    WCAL_IMPORT_BAD_ROW = 0, /* set by the parsers: date, kind, reason or note */
    WCAL_IMPORT_EMPTY,
    WCAL_IMPORT_TOO_MANY,
    WCAL_IMPORT_DUPLICATE,
    WCAL_IMPORT_TWO_YEARS,
    WCAL_IMPORT_OUT_OF_RANGE,
    WCAL_IMPORT_KIND,
    /* overridable from here on */
    WCAL_IMPORT_HOLIDAY_WORKED,
    WCAL_IMPORT_MAKEUP_NOT_SATURDAY,
    WCAL_IMPORT_HOLIDAY_DATE,
    WCAL_IMPORT_COMPENSATORY_RULE,
    WCAL_IMPORT_SWAP_ON_WEEKEND,
    WCAL_IMPORT_SWAP_UNPAIRED,
    WCAL_IMPORT_MAKEUP_UNPAIRED,
    WCAL_IMPORT__COUNT
};

struct wcal_import_issue {
    long row;    /* index of the row in the announcement (0-based), -1 for the whole */
    int32_t day; /* the row's day, INT32_MIN when none */
    enum wcal_import_problem problem;
    char detail[160];
};

/* Stable key ("swap_unpaired"), Vietnamese message, and 1 when override lifts it. */
const char *wcal_import_problem_key(enum wcal_import_problem p);
const char *wcal_import_problem_vi(enum wcal_import_problem p);
int wcal_import_overridable(enum wcal_import_problem p);

/*
 * The loaded rows with the announcement applied: every loaded row whose day the
 * announcement does not give, then the announcement's rows. malloc'd into *out (free()).
 */
void wcal_import_merge(const struct wcal_entry *loaded, size_t nloaded,
                       const struct wcal_entry *rows, size_t nrows, struct wcal_entry **out,
                       size_t *nout);

/*
 * Checks the announcement rows[0..nrows) against the rows already loaded, with the options
 * o of the calendar it will join (policy, schedules, range). year: the year the caller
 * expects (0: the year of the first row). Appends each problem to out (at most max; *nout
 * counts them all, also those beyond max) and sets *year_out to the announcement's year.
 * Returns the number of problems that block the import: all of them, or with override only
 * those override does not lift. -1 only when a calendar cannot be built (e filled).
 */
long wcal_import_check(const struct wcal_opts *o, const struct wcal_entry *loaded, size_t nloaded,
                       const struct wcal_entry *rows, size_t nrows, int year, int override,
                       struct wcal_import_issue *out, size_t max, size_t *nout, int *year_out,
                       struct mc_err *e);

#endif
