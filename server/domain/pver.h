/*
 * pver.h - the rules of a procedure version's head (domain.md §1, §2, §5.1, §7.1): its
 * validity interval, its legal duration (value and unit), the same-day cut-off, the maximum
 * duration of a procedure without appointment and the resolving level (no district after
 * 30/06/2025). Pure: no I/O, no clock, no globals. The JSON around it is read by
 * api/catalog/catalog_version.c; the error codes, fields and messages are the API's.
 */
#ifndef MOTCUA_DOMAIN_PVER_H
#define MOTCUA_DOMAIN_PVER_H

#include <stdint.h>

#include "core/err.h"

/* 1 when s is an administrative level: central, province, district or commune (§1). */
int pver_level_valid(const char *s);

/* The last day the district level was in force: 30/06/2025 (§1, two-level government). */
int32_t pver_district_last_day(void);

/* 1 when s is a duration unit: wd, wh, cd, sameday, or (allow_none) none (§2). */
int pver_unit_valid(const char *s, int allow_none);

/*
 * One duration (value, unit) of a version or of a case: a value >= 1 unless same-day or
 * without appointment; a cut-off only for same-day. 0, or -1 with e = BAD_DURATION on
 * field `where`.
 */
int pver_check_duration(int64_t value, const char *unit, int has_cutoff, const char *where,
                        struct mc_err *e);

/* The head of a version, as read from its body. */
struct pver_head {
    int32_t from;       /* effective_from, a day number */
    int32_t to;         /* effective_to when has_to */
    int has_to;
    int64_t value;      /* duration_value */
    const char *unit;   /* duration_unit */
    int has_cutoff;     /* cutoff_minute given */
    int has_max;        /* max_minutes given */
    const char *level;  /* resolving_level, NULL when absent */
};

/*
 * Checks a head in the API's order: effective_to before effective_from (BAD_DATE), the
 * unit, the cut-off and the duration (BAD_DURATION), max_minutes exactly for a procedure
 * without appointment (§7.1), the level (VALIDATION_FAILED) and a district level after
 * 30/06/2025 (UNIT_INVALID). 0, or -1 with e naming the member.
 */
int pver_check_head(const struct pver_head *h, struct mc_err *e);

#endif
