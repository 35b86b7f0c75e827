/*
 * catalog_version.c - validation of a procedure version body (api/catalog/catalog.h "Version
 * JSON"): durations (domain.md §5, §7.1), pause reasons (§6.1), liên thông legs, steps,
 * documents, fees and cases, turned into the SQL parameter texts of struct version_in.
 */
#include "api/catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/common/common.h"
#include "api/catalog/catalog.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/code.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---- procedure versions: validation --------------------------------------------------- */

static int
duration_unit_valid(const char *s, int allow_none)
{
    return strcmp(s, "wd") == 0 || strcmp(s, "wh") == 0 || strcmp(s, "cd") == 0 ||
           strcmp(s, "sameday") == 0 || (allow_none && strcmp(s, "none") == 0);
}

/* Field path "legs/2/minutes" for error messages. */
static const char *
path(struct arena *a, const char *list, size_t i, const char *member)
{
    /* The path notation of every error field: "legs[0].unit_code" (http/jin.h). */
    return arena_printf(a, "%s[%zu]%s%s", list, i, member[0] != '\0' ? "." : "", member);
}

static int
fail_at(struct mc_err *e, enum err_code code, const char *field, const char *fmt, const char *arg)
{
    err_set(e, code, fmt, arg);
    snprintf(e->field, sizeof(e->field), "%s", field);
    return -1;
}

/* One element of a list member: an object with only `keys`; -1 with e naming "list/i/". */
static int
item_ok(struct arena *a, json_t *it, const char *list, size_t i, const char *const *keys,
        const char *what, struct mc_err *e)
{
    if (!json_is_object(it))
        return fail_at(e, ERR_VALIDATION, path(a, list, i, ""), "%s", what);
    return cat_only_keys(it, keys, path(a, list, i, ""), e);
}

/* Re-points a getter's error field at "list/i/member". */
static int
relabel(struct arena *a, struct mc_err *e, const char *list, size_t i)
{
    char member[64];

    snprintf(member, sizeof(member), "%s", e->field);
    snprintf(e->field, sizeof(e->field), "%s", path(a, list, i, member));
    return -1;
}

static int
parse_legs(struct arena *a, json_t *in, json_t *out, json_t *codes, struct mc_err *e)
{
    static const char *const keys[] = {"unit_code", "level", "name", "minutes", NULL};
    size_t i;
    json_t *it;

    if (json_array_size(in) > 10)
        return err_field(e, ERR_VALIDATION, "legs", "at most 10 liên thông legs");
    json_array_foreach(in, i, it)
    {
        const char *unit = NULL, *level = NULL, *name = NULL;
        int64_t minutes;
        json_t *o;

        if (item_ok(a, it, "legs", i, keys, "a leg is an object", e) != 0)
            return -1;
        if (jin_get_str(it, "unit_code", 13, 0, &unit, e) < 0 ||
            jin_get_str(it, "level", 16, 0, &level, e) < 0 ||
            jin_get_str(it, "name", NAME_MAX_CHARS, 0, &name, e) < 0 ||
            jin_get_int(it, "minutes", 1, MINUTES_MAX, 1, &minutes, e) < 0)
            return relabel(a, e, "legs", i);
        if ((unit == NULL) == (level == NULL))
            return fail_at(e, ERR_VALIDATION, path(a, "legs", i, "unit_code"), "%s",
                           "a leg names exactly one of unit_code and level");
        if (unit != NULL && code_unit_valid(unit, strlen(unit), e) != 0) {
            snprintf(e->field, sizeof(e->field), "%s", path(a, "legs", i, "unit_code"));
            return -1;
        }
        if (level != NULL && !cat_level_valid(level))
            return fail_at(e, ERR_VALIDATION, path(a, "legs", i, "level"), "%s",
                           "level is central, province, district or commune");
        o = json_object();
        if (unit != NULL) {
            json_object_set_new(o, "unit_code", json_string(unit));
            json_array_append_new(codes, json_string(unit));
        } else {
            json_object_set_new(o, "level", json_string(level));
        }
        if (name != NULL)
            json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "minutes", json_integer(minutes));
        json_array_append_new(out, o);
    }
    return 0;
}

static int
parse_steps(struct arena *a, json_t *in, json_t *out, struct mc_err *e)
{
    static const char *const keys[] = {"name", "role", "minutes", NULL};
    size_t i;
    json_t *it;

    if (json_array_size(in) > 50)
        return err_field(e, ERR_VALIDATION, "steps", "at most 50 steps");
    json_array_foreach(in, i, it)
    {
        const char *name = NULL, *role = NULL;
        int64_t minutes;
        json_t *o;

        if (item_ok(a, it, "steps", i, keys, "a step is an object", e) != 0)
            return -1;
        if (jin_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            jin_get_str(it, "role", 16, 1, &role, e) < 0 ||
            jin_get_int(it, "minutes", 1, MINUTES_MAX, 1, &minutes, e) < 0)
            return relabel(a, e, "steps", i);
        if (role_parse(role) == 0)
            return fail_at(e, ERR_VALIDATION, path(a, "steps", i, "role"), "%s",
                           "role is clerk, official, leader, supervisor, integration or admin");
        o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "role", json_string(role));
        json_object_set_new(o, "minutes", json_integer(minutes));
        json_array_append_new(out, o);
    }
    return 0;
}

static int
parse_documents(struct arena *a, json_t *in, json_t *out, struct mc_err *e)
{
    static const char *const keys[] = {"name", "kind", "count", NULL};
    size_t i;
    json_t *it;

    if (json_array_size(in) > 100)
        return err_field(e, ERR_VALIDATION, "documents", "at most 100 documents");
    json_array_foreach(in, i, it)
    {
        const char *name = NULL, *kind = NULL;
        int64_t count = 1;
        json_t *o;

        if (item_ok(a, it, "documents", i, keys, "a document is an object", e) != 0)
            return -1;
        if (jin_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            jin_get_str(it, "kind", 16, 1, &kind, e) < 0 ||
            jin_get_int(it, "count", 1, 100, 0, &count, e) < 0)
            return relabel(a, e, "documents", i);
        if (strcmp(kind, "original") != 0 && strcmp(kind, "copy") != 0)
            return fail_at(e, ERR_VALIDATION, path(a, "documents", i, "kind"), "%s",
                           "kind is original (bản chính) or copy (bản sao)");
        o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "kind", json_string(kind));
        json_object_set_new(o, "count", json_integer(count));
        json_array_append_new(out, o);
    }
    return 0;
}

static int
parse_fees(struct arena *a, json_t *in, json_t *out, struct mc_err *e)
{
    static const char *const keys[] = {"name", "amount", "note", NULL};
    size_t i;
    json_t *it;

    if (json_array_size(in) > 20)
        return err_field(e, ERR_VALIDATION, "fees", "at most 20 fees");
    json_array_foreach(in, i, it)
    {
        const char *name = NULL, *note = NULL;
        int64_t amount;
        json_t *o;

        if (item_ok(a, it, "fees", i, keys, "a fee is an object", e) != 0)
            return -1;
        if (jin_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            jin_get_int(it, "amount", 0, 100000000000LL, 1, &amount, e) < 0 ||
            jin_get_str(it, "note", NAME_MAX_CHARS, 0, &note, e) < 0)
            return relabel(a, e, "fees", i);
        o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "amount", json_integer(amount)); /* đồng */
        if (note != NULL)
            json_object_set_new(o, "note", json_string(note));
        json_array_append_new(out, o);
    }
    return 0;
}

/* Checks one duration (value, unit, cut-off) of a version or a case. */
static int
check_duration(int64_t value, const char *unit, int has_cutoff, const char *where, struct mc_err *e)
{
    if (strcmp(unit, "sameday") != 0 && strcmp(unit, "none") != 0 && value < 1)
        return err_field(e, ERR_BAD_DURATION, where, "a duration in %s needs a value >= 1", unit);
    if (has_cutoff && strcmp(unit, "sameday") != 0)
        return err_field(e, ERR_BAD_DURATION, where,
                         "cutoff_minute applies only to same-day procedures");
    return 0;
}

static int
parse_cases(struct arena *a, json_t *in, json_t *out, struct mc_err *e)
{
    static const char *const keys[] = {"code",
                                       "name",
                                       "duration_value",
                                       "duration_unit",
                                       "online_duration_value",
                                       "online_duration_unit",
                                       "cutoff_minute",
                                       NULL};
    size_t i;
    json_t *it;

    if (json_array_size(in) > 20)
        return err_field(e, ERR_VALIDATION, "cases", "at most 20 cases");
    json_array_foreach(in, i, it)
    {
        const char *code = NULL, *name = NULL, *unit = NULL, *ounit = NULL;
        int64_t value, ovalue = 0, cutoff = 0;
        int has_ov, has_cut;
        json_t *o;

        if (item_ok(a, it, "cases", i, keys, "a case is an object", e) != 0)
            return -1;
        if (jin_get_str(it, "code", 16, 1, &code, e) < 0 ||
            jin_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            jin_get_int(it, "duration_value", 0, 3650, 1, &value, e) < 0 ||
            jin_get_str(it, "duration_unit", 8, 1, &unit, e) < 0 ||
            (has_ov = jin_get_int(it, "online_duration_value", 0, 3650, 0, &ovalue, e)) < 0 ||
            jin_get_str(it, "online_duration_unit", 8, 0, &ounit, e) < 0 ||
            (has_cut = jin_get_int(it, "cutoff_minute", 0, 1439, 0, &cutoff, e)) < 0)
            return relabel(a, e, "cases", i);
        if (!cat_field_code_valid(code))
            return fail_at(e, ERR_BAD_CODE, path(a, "cases", i, "code"), "%s",
                           "case code: letters, digits, '.', '_', '-'");
        for (size_t k = 0; k < i; k++)
            if (strcmp(code, json_string_value(json_object_get(json_array_get(out, k), "code"))) ==
                0)
                return fail_at(e, ERR_VALIDATION, path(a, "cases", i, "code"),
                               "case code %s listed twice", code);
        if (!duration_unit_valid(unit, 0))
            return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "duration_unit"), "%s",
                           "duration_unit is wd, wh, cd or sameday");
        if (check_duration(value, unit, has_cut == 1, path(a, "cases", i, "duration_value"), e))
            return -1;
        if ((has_ov == 1) != (ounit != NULL))
            return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "online_duration_unit"), "%s",
                           "online_duration_value and online_duration_unit go together");
        if (ounit != NULL) {
            if (!duration_unit_valid(ounit, 0))
                return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "online_duration_unit"),
                               "%s", "online_duration_unit is wd, wh, cd or sameday");
            if (check_duration(ovalue, ounit, 0, path(a, "cases", i, "online_duration_value"), e))
                return -1;
        }
        o = json_object();
        json_object_set_new(o, "code", json_string(code));
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "duration_value", json_integer(value));
        json_object_set_new(o, "duration_unit", json_string(unit));
        if (ounit != NULL) {
            json_object_set_new(o, "online_duration_value", json_integer(ovalue));
            json_object_set_new(o, "online_duration_unit", json_string(ounit));
        }
        if (has_cut == 1)
            json_object_set_new(o, "cutoff_minute", json_integer(cutoff));
        json_array_append_new(out, o);
    }
    return 0;
}

static const char *
dump(struct arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    const char *out;

    if (s == NULL)
        abort(); /* jansson only fails on out-of-memory */
    out = arena_strdup(a, s);
    free(s);
    return out;
}

/* Optional array member: absent or null -> empty array; anything else but an array -> error. */
static int
get_array(json_t *obj, const char *name, json_t **out, struct mc_err *e)
{
    json_t *v = json_object_get(obj, name);

    if (v == NULL || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_array(v))
        return err_field(e, ERR_VALIDATION, name, "%s must be an array", name);
    *out = v;
    return 0;
}

int
cat_version_parse(struct arena *a, json_t *in, struct version_in *out, struct mc_err *e)
{
    static const char *const keys[] = {
        "effective_from",  "effective_to", "duration_value", "duration_unit",
        "cutoff_minute",   "max_minutes",  "pause_reasons",  "legs",
        "steps",           "documents",    "fees",           "cases",
        "resolving_level", "legal_basis",  "close_previous", NULL};
    static const char *const reasons[] = {"supplement", "payment", "consultation", "vneid"};
    int32_t from = 0, to = 0;
    int has_to, has_cut, has_max, close_prev = 1;
    int64_t value, cutoff = 0, maxm = 0;
    const char *unit = NULL, *level = NULL, *basis = NULL;
    json_t *legs_in = NULL, *steps_in = NULL, *docs_in = NULL, *fees_in = NULL;
    json_t *cases_in = NULL, *pr_in = NULL;
    json_t *legs, *steps, *docs, *fees, *cases, *pr, *codes;
    int rc = -1;

    if (!json_is_object(in))
        return err_field(e, ERR_VALIDATION, "version", "the version is an object");
    if (cat_only_keys(in, keys, "version", e) != 0 ||
        jin_get_date(in, "effective_from", 1, &from, e) < 0 ||
        (has_to = jin_get_date(in, "effective_to", 0, &to, e)) < 0 ||
        jin_get_int(in, "duration_value", 0, 3650, 1, &value, e) < 0 ||
        jin_get_str(in, "duration_unit", 8, 1, &unit, e) < 0 ||
        (has_cut = jin_get_int(in, "cutoff_minute", 0, 1439, 0, &cutoff, e)) < 0 ||
        (has_max = jin_get_int(in, "max_minutes", 1, MINUTES_MAX * 10LL, 0, &maxm, e)) < 0 ||
        jin_get_str(in, "resolving_level", 16, 0, &level, e) < 0 ||
        jin_get_str(in, "legal_basis", TEXT_MAX_CHARS, 0, &basis, e) < 0 ||
        jin_get_bool(in, "close_previous", 0, &close_prev, e) < 0 ||
        get_array(in, "legs", &legs_in, e) != 0 || get_array(in, "steps", &steps_in, e) != 0 ||
        get_array(in, "documents", &docs_in, e) != 0 || get_array(in, "fees", &fees_in, e) != 0 ||
        get_array(in, "cases", &cases_in, e) != 0 || get_array(in, "pause_reasons", &pr_in, e) != 0)
        return -1;
    if (has_to == 1 && to < from)
        return err_field(e, ERR_BAD_DATE, "effective_to", "effective_to is before effective_from");
    if (!duration_unit_valid(unit, 1))
        return err_field(e, ERR_BAD_DURATION, "duration_unit",
                         "duration_unit is wd, wh, cd, sameday or none");
    if (has_cut == 1 && strcmp(unit, "sameday") != 0)
        return err_field(e, ERR_BAD_DURATION, "cutoff_minute",
                         "cutoff_minute applies only to same-day procedures");
    if (check_duration(value, unit, 0, "duration_value", e) != 0)
        return -1;
    /* Without an appointment the maximum duration decides on-time (domain.md §7.1). */
    if (strcmp(unit, "none") == 0 && has_max != 1)
        return err_field(e, ERR_BAD_DURATION, "max_minutes",
                         "a procedure without appointment needs max_minutes");
    if (strcmp(unit, "none") != 0 && has_max == 1)
        return err_field(e, ERR_BAD_DURATION, "max_minutes",
                         "max_minutes applies only to duration_unit none");
    if (level != NULL && !cat_level_valid(level))
        return err_field(e, ERR_VALIDATION, "resolving_level",
                         "resolving_level is central, province, district or commune");
    if (level != NULL && strcmp(level, "district") == 0 &&
        (has_to != 1 || to > cat_district_last_day()))
        return err_field(e, ERR_UNIT_INVALID, "resolving_level",
                         "the district level ended on 2025-06-30: such a version needs "
                         "effective_to on or before that day");

    legs = json_array();
    steps = json_array();
    docs = json_array();
    fees = json_array();
    cases = json_array();
    pr = json_array();
    codes = json_array();
    if (legs_in != NULL && parse_legs(a, legs_in, legs, codes, e) != 0)
        goto out;
    if (steps_in != NULL && parse_steps(a, steps_in, steps, e) != 0)
        goto out;
    if (docs_in != NULL && parse_documents(a, docs_in, docs, e) != 0)
        goto out;
    if (fees_in != NULL && parse_fees(a, fees_in, fees, e) != 0)
        goto out;
    if (cases_in != NULL && parse_cases(a, cases_in, cases, e) != 0)
        goto out;
    if (pr_in == NULL) {
        /* Only the supplement pause stops the clock unless the version says more (§6.1). */
        json_array_append_new(pr, json_string("supplement"));
    } else {
        size_t i;
        json_t *it;

        json_array_foreach(pr_in, i, it)
        {
            const char *s = json_string_value(it);
            size_t k;

            for (k = 0; s != NULL && k < sizeof(reasons) / sizeof(reasons[0]); k++)
                if (strcmp(s, reasons[k]) == 0)
                    break;
            if (s == NULL || k == sizeof(reasons) / sizeof(reasons[0])) {
                fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons[%zu]", i), "%s",
                        "pause reason is supplement, payment, consultation or vneid");
                goto out;
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(s, json_string_value(json_array_get(pr_in, j))) == 0) {
                    fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons[%zu]", i),
                            "pause reason %s listed twice", s);
                    goto out;
                }
            json_array_append_new(pr, json_string(s));
        }
    }
    out->effective_from = cat_date_text(a, from);
    out->effective_to = has_to == 1 ? cat_date_text(a, to) : NULL;
    out->duration_value = arena_printf(a, "%lld", (long long)value);
    out->duration_unit = unit;
    out->cutoff_minute = has_cut == 1 ? arena_printf(a, "%lld", (long long)cutoff) : NULL;
    out->max_minutes = has_max == 1 ? arena_printf(a, "%lld", (long long)maxm) : NULL;
    out->pause_reasons = cat_text_array(a, pr);
    out->legs = dump(a, legs);
    out->steps = dump(a, steps);
    out->documents = dump(a, docs);
    out->fees = dump(a, fees);
    out->cases = dump(a, cases);
    out->resolving_level = level;
    out->legal_basis = basis;
    out->leg_units = cat_text_array(a, codes);
    out->close_previous = close_prev;
    rc = 0;
out:
    json_decref(legs);
    json_decref(steps);
    json_decref(docs);
    json_decref(fees);
    json_decref(cases);
    json_decref(pr);
    json_decref(codes);
    return rc;
}
