/*
 * pver.c - the rules of a procedure version's head (pver.h; domain.md §1, §2, §5.1, §7.1).
 */
#include "domain/pver.h"

#include <string.h>

#include "domain/cal.h"

int
pver_level_valid(const char *s)
{
    return s != NULL && (strcmp(s, "central") == 0 || strcmp(s, "province") == 0 ||
                         strcmp(s, "district") == 0 || strcmp(s, "commune") == 0);
}

int32_t
pver_district_last_day(void)
{
    return cal_days(2025, 6, 30);
}

int
pver_unit_valid(const char *s, int allow_none)
{
    return strcmp(s, "wd") == 0 || strcmp(s, "wh") == 0 || strcmp(s, "cd") == 0 ||
           strcmp(s, "sameday") == 0 || (allow_none && strcmp(s, "none") == 0);
}

int
pver_check_duration(int64_t value, const char *unit, int has_cutoff, const char *where,
                    struct mc_err *e)
{
    if (strcmp(unit, "sameday") != 0 && strcmp(unit, "none") != 0 && value < 1)
        return err_field(e, ERR_BAD_DURATION, where, "a duration in %s needs a value >= 1", unit);
    if (has_cutoff && strcmp(unit, "sameday") != 0)
        return err_field(e, ERR_BAD_DURATION, where,
                         "cutoff_minute applies only to same-day procedures");
    return 0;
}

int
pver_check_head(const struct pver_head *h, struct mc_err *e)
{
    int none;

    if (h->has_to && h->to < h->from)
        return err_field(e, ERR_BAD_DATE, "effective_to", "effective_to is before effective_from");
    if (!pver_unit_valid(h->unit, 1))
        return err_field(e, ERR_BAD_DURATION, "duration_unit",
                         "duration_unit is wd, wh, cd, sameday or none");
    if (h->has_cutoff && strcmp(h->unit, "sameday") != 0)
        return err_field(e, ERR_BAD_DURATION, "cutoff_minute",
                         "cutoff_minute applies only to same-day procedures");
    if (pver_check_duration(h->value, h->unit, 0, "duration_value", e) != 0)
        return -1;
    /* Without an appointment the maximum duration decides on-time (domain.md §7.1). */
    none = strcmp(h->unit, "none") == 0;
    if (none && !h->has_max)
        return err_field(e, ERR_BAD_DURATION, "max_minutes",
                         "a procedure without appointment needs max_minutes");
    if (!none && h->has_max)
        return err_field(e, ERR_BAD_DURATION, "max_minutes",
                         "max_minutes applies only to duration_unit none");
    if (h->level != NULL && !pver_level_valid(h->level))
        return err_field(e, ERR_VALIDATION, "resolving_level",
                         "resolving_level is central, province, district or commune");
    if (h->level != NULL && strcmp(h->level, "district") == 0 &&
        (!h->has_to || h->to > pver_district_last_day()))
        return err_field(e, ERR_UNIT_INVALID, "resolving_level",
                         "the district level ended on 2025-06-30: such a version needs "
                         "effective_to on or before that day");
    return 0;
}
