/*
 * catalog_version.c - validation of a procedure version body (api/catalog/catalog.h "Version
 * JSON"): durations (domain.md §5, §7.1; the rules are domain/pver.c), pause reasons (§6.1),
 * liên thông legs, steps, documents, fees and cases, turned into the SQL parameter texts of
 * struct version_in.
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
#include "domain/pver.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---- procedure versions: validation --------------------------------------------------- */

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
        if (!pver_unit_valid(unit, 0))
            return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "duration_unit"), "%s",
                           "duration_unit is wd, wh, cd or sameday");
        if (pver_check_duration(value, unit, has_cut == 1, path(a, "cases", i, "duration_value"),
                                e))
            return -1;
        if ((has_ov == 1) != (ounit != NULL))
            return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "online_duration_unit"), "%s",
                           "online_duration_value and online_duration_unit go together");
        if (ounit != NULL) {
            if (!pver_unit_valid(ounit, 0))
                return fail_at(e, ERR_BAD_DURATION, path(a, "cases", i, "online_duration_unit"),
                               "%s", "online_duration_unit is wd, wh, cd or sameday");
            if (pver_check_duration(ovalue, ounit, 0,
                                    path(a, "cases", i, "online_duration_value"), e))
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

/* A version body while it is read: the head, the other members as given (borrowed from the
 * body, NULL when absent) and as normalised (owned, released by parse_free). */
struct vparse {
    struct pver_head h;
    int64_t cutoff, maxm;
    const char *basis;
    int close_prev;
    json_t *legs_in, *steps_in, *docs_in, *fees_in, *cases_in, *pr_in;
    json_t *legs, *steps, *docs, *fees, *cases, *pr, *codes;
};

/* The members of the body, typed (jin getters); -1 with e naming the first bad one. */
static int
read_members(json_t *in, struct vparse *p, struct mc_err *e)
{
    static const char *const keys[] = {
        "effective_from",  "effective_to", "duration_value", "duration_unit",
        "cutoff_minute",   "max_minutes",  "pause_reasons",  "legs",
        "steps",           "documents",    "fees",           "cases",
        "resolving_level", "legal_basis",  "close_previous", NULL};
    int has_to, has_cut, has_max;

    if (cat_only_keys(in, keys, "version", e) != 0 ||
        jin_get_date(in, "effective_from", 1, &p->h.from, e) < 0 ||
        (has_to = jin_get_date(in, "effective_to", 0, &p->h.to, e)) < 0 ||
        jin_get_int(in, "duration_value", 0, 3650, 1, &p->h.value, e) < 0 ||
        jin_get_str(in, "duration_unit", 8, 1, &p->h.unit, e) < 0 ||
        (has_cut = jin_get_int(in, "cutoff_minute", 0, 1439, 0, &p->cutoff, e)) < 0 ||
        (has_max = jin_get_int(in, "max_minutes", 1, MINUTES_MAX * 10LL, 0, &p->maxm, e)) < 0 ||
        jin_get_str(in, "resolving_level", 16, 0, &p->h.level, e) < 0 ||
        jin_get_str(in, "legal_basis", TEXT_MAX_CHARS, 0, &p->basis, e) < 0 ||
        jin_get_bool(in, "close_previous", 0, &p->close_prev, e) < 0 ||
        get_array(in, "legs", &p->legs_in, e) != 0 ||
        get_array(in, "steps", &p->steps_in, e) != 0 ||
        get_array(in, "documents", &p->docs_in, e) != 0 ||
        get_array(in, "fees", &p->fees_in, e) != 0 ||
        get_array(in, "cases", &p->cases_in, e) != 0 ||
        get_array(in, "pause_reasons", &p->pr_in, e) != 0)
        return -1;
    p->h.has_to = has_to == 1;
    p->h.has_cutoff = has_cut == 1;
    p->h.has_max = has_max == 1;
    return 0;
}

/* The pause reasons that stop the clock (§6.1): only the supplement pause when absent. */
static int
parse_pause_reasons(struct arena *a, json_t *in, json_t *out, struct mc_err *e)
{
    static const char *const reasons[] = {"supplement", "payment", "consultation", "vneid"};
    size_t i;
    json_t *it;

    if (in == NULL) {
        json_array_append_new(out, json_string("supplement"));
        return 0;
    }
    json_array_foreach(in, i, it)
    {
        const char *s = json_string_value(it);
        size_t k;

        for (k = 0; s != NULL && k < sizeof(reasons) / sizeof(reasons[0]); k++)
            if (strcmp(s, reasons[k]) == 0)
                break;
        if (s == NULL || k == sizeof(reasons) / sizeof(reasons[0]))
            return fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons[%zu]", i), "%s",
                           "pause reason is supplement, payment, consultation or vneid");
        for (size_t j = 0; j < i; j++)
            if (strcmp(s, json_string_value(json_array_get(in, j))) == 0)
                return fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons[%zu]", i),
                               "pause reason %s listed twice", s);
        json_array_append_new(out, json_string(s));
    }
    return 0;
}

/* The list members, in the order their errors are reported. */
static int
parse_lists(struct arena *a, struct vparse *p, struct mc_err *e)
{
    p->legs = json_array();
    p->steps = json_array();
    p->docs = json_array();
    p->fees = json_array();
    p->cases = json_array();
    p->pr = json_array();
    p->codes = json_array();
    if (p->legs_in != NULL && parse_legs(a, p->legs_in, p->legs, p->codes, e) != 0)
        return -1;
    if (p->steps_in != NULL && parse_steps(a, p->steps_in, p->steps, e) != 0)
        return -1;
    if (p->docs_in != NULL && parse_documents(a, p->docs_in, p->docs, e) != 0)
        return -1;
    if (p->fees_in != NULL && parse_fees(a, p->fees_in, p->fees, e) != 0)
        return -1;
    if (p->cases_in != NULL && parse_cases(a, p->cases_in, p->cases, e) != 0)
        return -1;
    return parse_pause_reasons(a, p->pr_in, p->pr, e);
}

static void
parse_free(struct vparse *p)
{
    json_decref(p->legs);
    json_decref(p->steps);
    json_decref(p->docs);
    json_decref(p->fees);
    json_decref(p->cases);
    json_decref(p->pr);
    json_decref(p->codes);
}

static void
fill_out(struct arena *a, const struct vparse *p, struct version_in *out)
{
    out->effective_from = cat_date_text(a, p->h.from);
    out->effective_to = p->h.has_to ? cat_date_text(a, p->h.to) : NULL;
    out->duration_value = arena_printf(a, "%lld", (long long)p->h.value);
    out->duration_unit = p->h.unit;
    out->cutoff_minute = p->h.has_cutoff ? arena_printf(a, "%lld", (long long)p->cutoff) : NULL;
    out->max_minutes = p->h.has_max ? arena_printf(a, "%lld", (long long)p->maxm) : NULL;
    out->pause_reasons = cat_text_array(a, p->pr);
    out->legs = dump(a, p->legs);
    out->steps = dump(a, p->steps);
    out->documents = dump(a, p->docs);
    out->fees = dump(a, p->fees);
    out->cases = dump(a, p->cases);
    out->resolving_level = p->h.level;
    out->legal_basis = p->basis;
    out->leg_units = cat_text_array(a, p->codes);
    out->close_previous = p->close_prev;
}

int
cat_version_parse(struct arena *a, json_t *in, struct version_in *out, struct mc_err *e)
{
    struct vparse p;
    int rc = -1;

    memset(&p, 0, sizeof(p));
    p.close_prev = 1;
    if (!json_is_object(in))
        return err_field(e, ERR_VALIDATION, "version", "the version is an object");
    if (read_members(in, &p, e) != 0 || pver_check_head(&p.h, e) != 0)
        return -1;
    if (parse_lists(a, &p, e) == 0) {
        fill_out(a, &p, out);
        rc = 0;
    }
    parse_free(&p);
    return rc;
}
