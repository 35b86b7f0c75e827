/*
 * catalog_proc.c - fields (lĩnh vực) and procedures (TTHC) with their versions: lists,
 * reads at a date, creation and new versions (domain.md §2). The version body is
 * validated by catalog_version.c. Part of the catalogue API (api/catalog/catalog.h,
 * catalog_int.h).
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

/* ---- fields --------------------------------------------------------------------------- */

static const char FIELDS_SQL[] =
    "SELECT f.code, f.name, (SELECT count(*) FROM procedure p WHERE p.field_id = f.id)"
    "       AS procedures"
    "  FROM field f ORDER BY f.code";

/* A field as JSON (the list and the insert). */
static const struct hx_jcol FIELD_ROW[] = {
    {"code", NULL, HX_TEXT},
    {"name", NULL, HX_TEXT},
    {"procedures", NULL, HX_INT},
};
#define FIELD_ROW_N ((int)(sizeof(FIELD_ROW) / sizeof(FIELD_ROW[0])))

static void
on_fields(struct reqctx *rc, struct db_result *r)
{
    if (cat_db_failed(rc, r))
        return;
    http_reply_json(rc, 200, api_page(hx_rows_json(r->res[0], FIELD_ROW, FIELD_ROW_N), NULL));
}

void
api_fields_list(struct reqctx *rc)
{
    api_db1(rc, FIELDS_SQL, 0, NULL, on_fields);
}

enum { FLD_CODE, FLD_NAME, FLD__N };
static const char FIELD_INSERT_SQL[] =
    "INSERT INTO field (code, name) VALUES ($1, $2) RETURNING code, name, 0 AS procedures";

static void
on_field_insert(struct reqctx *rc, struct db_result *r)
{
    if (cat_db_failed(rc, r))
        return;
    http_reply_json(rc, 201, hx_row_set(json_object(), r->res[0], 0, FIELD_ROW, FIELD_ROW_N));
}

void
api_field_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code", "name", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL;
    const char **v = hx_params(rc, FLD__N);
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    if (cat_body(rc, keys, &e) != 0 || jin_get_str(rc->json, "code", 32, 1, &code, &e) < 0 ||
        jin_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0)
        goto fail;
    if (!cat_field_code_valid(code)) {
        err_field(&e, ERR_BAD_CODE, "code", "field code: 1-32 letters, digits, '.', '_', '-'");
        goto fail;
    }
    v[FLD_CODE] = code;
    v[FLD_NAME] = name;
    cat_stmt(st, FIELD_INSERT_SQL, FLD__N, v);
    api_db(rc, st, 1, on_field_insert);
    return;
fail:
    http_reply_error(rc, &e);
}

/* ---- procedures: reads ---------------------------------------------------------------- */

#define VERSION_COLS                                                                               \
    "v.version, v.effective_from::text AS effective_from, v.effective_to::text AS effective_to,"   \
    " v.duration_value, v.duration_unit, v.cutoff_minute, v.max_minutes,"                          \
    " to_json(v.pause_reasons)::text AS pause_reasons, v.legs::text AS legs,"                      \
    " v.steps::text AS steps, v.documents::text AS documents, v.fees::text AS fees,"               \
    " v.cases::text AS cases, v.resolving_level, v.legal_basis"

enum { PL_FIELD, PL_LEVEL, PL_QFOLD /* ?q= folded */, PL_AT, PL_AFTER /* the cursor's code */,
       PL_LIMIT, PL__N };
static const char PROCEDURES_LIST_SQL[] =
    "SELECT p.code, p.name, f.code AS field_code, f.name AS field_name,"
    "       to_json(p.levels)::text AS levels, " VERSION_COLS
    "  FROM procedure p JOIN field f ON f.id = p.field_id"
    "  LEFT JOIN LATERAL (SELECT * FROM procedure_version x WHERE x.procedure_id = p.id"
    "                        AND x.effective_from <= $4::date"
    "                        AND (x.effective_to IS NULL OR x.effective_to >= $4::date)"
    "                      ORDER BY x.effective_from DESC LIMIT 1) v ON true"
    " WHERE ($1::text IS NULL OR f.code = $1)"
    "   AND ($2::text IS NULL OR $2 = ANY (p.levels))"
    "   AND ($3::text IS NULL OR p.name_fold LIKE '%' || $3 || '%')"
    "   AND ($5::text IS NULL OR p.code > $5)"
    " ORDER BY p.code LIMIT $6::int";

/* A version as JSON (the columns of VERSION_COLS). */
static const struct hx_jcol VERSION_ROW[] = {
    {"version", NULL, HX_INT},          {"duration_value", NULL, HX_INT},
    {"cutoff_minute", NULL, HX_INT},    {"max_minutes", NULL, HX_INT},
    {"effective_from", NULL, HX_TEXT},  {"effective_to", NULL, HX_TEXT},
    {"duration_unit", NULL, HX_TEXT},   {"resolving_level", NULL, HX_TEXT},
    {"legal_basis", NULL, HX_TEXT},     {"pause_reasons", NULL, HX_JSON},
    {"legs", NULL, HX_JSON},            {"steps", NULL, HX_JSON},
    {"documents", NULL, HX_JSON},       {"fees", NULL, HX_JSON},
    {"cases", NULL, HX_JSON},
};

static json_t *
version_json(const PGresult *res, int row)
{
    return hx_row_set(json_object(), res, row, VERSION_ROW,
                      (int)(sizeof(VERSION_ROW) / sizeof(VERSION_ROW[0])));
}

static json_t *
procedure_head_json(const PGresult *res, int row)
{
    json_t *o = json_object();
    json_t *f = json_object();

    json_object_set_new(o, "code", cat_col_str(res, row, "code"));
    json_object_set_new(o, "name", cat_col_str(res, row, "name"));
    json_object_set_new(f, "code", cat_col_str(res, row, "field_code"));
    json_object_set_new(f, "name", cat_col_str(res, row, "field_name"));
    json_object_set_new(o, "field", f);
    json_object_set_new(o, "levels", cat_col_json(res, row, "levels"));
    return o;
}

static json_t *
procedure_item_json(const PGresult *res, int row)
{
    json_t *o = procedure_head_json(res, row);

    json_object_set_new(
        o, "version", cat_col(res, row, "version") != NULL ? version_json(res, row) : json_null());
    return o;
}

static void
on_procedures_list(struct reqctx *rc, struct db_result *r)
{
    if (cat_db_failed(rc, r))
        return;
    cat_reply_code_page(rc, r->res[0], procedure_item_json);
}

void
api_procedures_list(struct reqctx *rc)
{
    struct mc_err e;
    struct list_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, PL__N);
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    v[PL_FIELD] = cat_qparam(rc, "field");
    v[PL_LEVEL] = cat_qparam(rc, "level");
    if (v[PL_FIELD] != NULL && !cat_field_code_valid(v[PL_FIELD])) {
        err_field(&e, ERR_BAD_QUERY, "field", "malformed field code");
        goto fail;
    }
    if (v[PL_LEVEL] != NULL && !cat_level_valid(v[PL_LEVEL])) {
        err_field(&e, ERR_BAD_QUERY, "level", "level is central, province, district or commune");
        goto fail;
    }
    if (cat_fold_param(rc, &v[PL_QFOLD], &e) != 0 ||
        cat_date_param(rc, "at", &v[PL_AT], &e) != 0 ||
        api_query_cursor(rc, &v[PL_AFTER], &e) != 0 || api_query_limit(rc, &s->limit, &e) != 0)
        goto fail;
    if (v[PL_AT] == NULL)
        v[PL_AT] = cat_today_text(rc->arena);
    v[PL_LIMIT] = arena_printf(rc->arena, "%d", s->limit + 1);
    rc->state = s;
    cat_stmt(st, PROCEDURES_LIST_SQL, PL__N, v);
    api_db(rc, st, 1, on_procedures_list);
    return;
fail:
    http_reply_error(rc, &e);
}

/* The two reads of a procedure share one parameter list; the first uses its prefix. */
enum { PROC_CODE, PROC_GET__N, PROC_AT = PROC_GET__N, PROC__N };
static const char PROCEDURE_GET_SQL[] =
    "SELECT p.code, p.name, f.code AS field_code, f.name AS field_name,"
    "       to_json(p.levels)::text AS levels"
    "  FROM procedure p JOIN field f ON f.id = p.field_id WHERE p.code = $1";
static const char PROCEDURE_VERSIONS_SQL[] =
    "SELECT " VERSION_COLS ","
    "       (v.effective_from <= $2::date AND (v.effective_to IS NULL OR v.effective_to >= "
    "$2::date))"
    "       AS in_force"
    "  FROM procedure_version v JOIN procedure p ON p.id = v.procedure_id"
    " WHERE p.code = $1 ORDER BY v.version";

struct proc_get_state {
    const char *at;
    int status; /* 200 for a read, 201 after a write */
};

static void
on_procedure_get(struct reqctx *rc, struct db_result *r)
{
    struct proc_get_state *s = rc->state;
    const PGresult *vs;
    json_t *o, *list, *cur = json_null();

    if (cat_db_failed(rc, r))
        return;
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    o = procedure_head_json(r->res[0], 0);
    vs = r->res[1];
    list = json_array();
    for (int i = 0; i < PQntuples(vs); i++) {
        json_t *v = version_json(vs, i);
        const char *in_force = cat_col(vs, i, "in_force");

        if (in_force != NULL && strcmp(in_force, "t") == 0) {
            json_decref(cur);
            cur = json_incref(v);
        }
        json_array_append_new(list, v);
    }
    json_object_set_new(o, "at", json_string(s->at));
    json_object_set_new(o, "version", cur);
    json_object_set_new(o, "versions", list);
    http_reply_json(rc, s->status, o);
}

/* Queues the read of a procedure (also the reply of the writes). */
static void
procedure_read(struct reqctx *rc, const char *code, const char *at, int status)
{
    struct proc_get_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, PROC__N);
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    s->at = at;
    s->status = status;
    rc->state = s;
    v[PROC_CODE] = code;
    v[PROC_AT] = at;
    cat_stmt(&st[0], PROCEDURE_GET_SQL, PROC_GET__N, v);
    cat_stmt(&st[1], PROCEDURE_VERSIONS_SQL, PROC__N, v);
    api_db(rc, st, 2, on_procedure_get);
}

void
api_procedure_get(struct reqctx *rc)
{
    const char *code = rc_param(rc, "code");
    const char *at;
    struct mc_err e;

    err_clear(&e);
    if (code == NULL || code_procedure_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    if (cat_date_param(rc, "at", &at, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    procedure_read(rc, code, at != NULL ? at : cat_today_text(rc->arena), 200);
}

/* ---- procedures: writes --------------------------------------------------------------- */

/*
 * The version statements shared by create and new-version. The first statement lists leg
 * units that do not exist; the writes are guarded by its emptiness. Its one parameter is
 * the insert's VI_LEG_UNITS (the insert's list from there).
 */
enum { VI_CODE, VI_FROM, VI_TO, VI_DURATION_VALUE, VI_DURATION_UNIT, VI_CUTOFF, VI_MAX_MINUTES,
       VI_PAUSE_REASONS /* text[] */, VI_LEGS /* JSON */, VI_STEPS, VI_DOCUMENTS, VI_FEES,
       VI_CASES, VI_RESOLVING_LEVEL, VI_LEGAL_BASIS, VI_LEG_UNITS /* text[] of codes */, VI__N };
enum { LUM_UNITS, LUM__N };
static const char LEG_UNITS_MISSING_SQL[] =
    "SELECT ARRAY(SELECT c FROM unnest($1::text[]) c"
    "              WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = c))::text AS missing";
#define LEGS_OK(n)                                                                                 \
    " NOT EXISTS (SELECT 1 FROM unnest(" n "::text[]) c"                                           \
    "              WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = c))"
enum { VC_CODE, VC_FROM /* the new version's */, VC_LEG_UNITS, VC_CLOSE_PREVIOUS, VC__N };
static const char VERSION_CLOSE_PREVIOUS_SQL[] =
    "UPDATE procedure_version v SET effective_to = $2::date - 1"
    "  FROM procedure p"
    " WHERE p.code = $1 AND v.procedure_id = p.id AND v.effective_to IS NULL"
    "   AND v.effective_from < $2::date AND $4::boolean AND" LEGS_OK("$3") " RETURNING v.version";
static const char VERSION_INSERT_SQL[] =
    "INSERT INTO procedure_version (procedure_id, version, effective_from, effective_to,"
    "       duration_value, duration_unit, cutoff_minute, max_minutes, pause_reasons, legs,"
    "       steps, documents, fees, cases, resolving_level, legal_basis)"
    " SELECT p.id, coalesce((SELECT max(x.version) FROM procedure_version x"
    "                         WHERE x.procedure_id = p.id), 0) + 1,"
    "        $2::date, $3::date, $4::int, $5, $6::int, $7::int, $8::text[], $9::jsonb,"
    "        $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15"
    "   FROM procedure p WHERE p.code = $1 AND" LEGS_OK("$16") " RETURNING version";
enum { PI_CODE, PI_NAME, PI_FIELD, PI_LEVELS /* text[] */, PI_LEG_UNITS, PI__N };
static const char PROCEDURE_INSERT_SQL[] =
    "INSERT INTO procedure (code, name, field_id, levels)"
    " SELECT $1, $2, f.id, $4::text[] FROM field f WHERE f.code = $3"
    "   AND NOT EXISTS (SELECT 1 FROM unnest($5::text[]) c"
    "                    WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = c))"
    " RETURNING id";

struct proc_write_state {
    const char *code;
    const char *at;
    int creating; /* 1: POST /procedures, 0: POST /procedures/{code}/versions */
};

static void
fill_version_params(const char **v, const char *code, const struct version_in *in)
{
    v[VI_CODE] = code;
    v[VI_FROM] = in->effective_from;
    v[VI_TO] = in->effective_to;
    v[VI_DURATION_VALUE] = in->duration_value;
    v[VI_DURATION_UNIT] = in->duration_unit;
    v[VI_CUTOFF] = in->cutoff_minute;
    v[VI_MAX_MINUTES] = in->max_minutes;
    v[VI_PAUSE_REASONS] = in->pause_reasons;
    v[VI_LEGS] = in->legs;
    v[VI_STEPS] = in->steps;
    v[VI_DOCUMENTS] = in->documents;
    v[VI_FEES] = in->fees;
    v[VI_CASES] = in->cases;
    v[VI_RESOLVING_LEVEL] = in->resolving_level;
    v[VI_LEGAL_BASIS] = in->legal_basis;
    v[VI_LEG_UNITS] = in->leg_units;
}

/* Parameters of VERSION_CLOSE_PREVIOUS_SQL, in the arena. */
static const char **
close_params(struct arena *a, const char *code, const struct version_in *in)
{
    const char **v = arena_calloc(a, VC__N, sizeof(*v));

    v[VC_CODE] = code;
    v[VC_FROM] = in->effective_from;
    v[VC_LEG_UNITS] = in->leg_units;
    v[VC_CLOSE_PREVIOUS] = in->close_previous ? "true" : "false";
    return v;
}

static void
on_version_written(struct reqctx *rc, struct db_result *r)
{
    struct proc_write_state *s = rc->state;
    const char *missing;
    struct mc_err e;
    int ins = s->creating ? 3 : 2; /* index of the version insert */

    err_clear(&e);
    if (cat_db_failed(rc, r))
        return;
    missing = cat_col(r->res[0], 0, "missing");
    if (missing != NULL && strcmp(missing, "{}") != 0) {
        err_field(&e, ERR_UNKNOWN_REF, "legs", "unknown unit in legs: %.100s", missing);
        http_reply_error(rc, &e);
        return;
    }
    if (s->creating && PQntuples(r->res[1]) != 1) {
        err_field(&e, ERR_UNKNOWN_REF, "field", "no field with this code");
        http_reply_error(rc, &e);
        return;
    }
    if (PQntuples(r->res[ins]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    procedure_read(rc, s->code, s->at, 201);
}

static int
parse_levels(struct arena *a, json_t *in, const char **out, struct mc_err *e)
{
    json_t *copy;
    size_t i;
    json_t *it;

    if (!json_is_array(in) || json_array_size(in) < 1 || json_array_size(in) > 4)
        return err_field(e, ERR_VALIDATION, "levels", "levels is a non-empty array of levels");
    json_array_foreach(in, i, it)
    {
        const char *s = json_string_value(it);

        if (!cat_level_valid(s))
            return err_field(e, ERR_VALIDATION, "levels",
                             "a level is central, province, district or commune");
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, json_string_value(json_array_get(in, k))) == 0)
                return err_field(e, ERR_VALIDATION, "levels", "level %s listed twice", s);
    }
    copy = json_deep_copy(in);
    *out = cat_text_array(a, copy);
    json_decref(copy);
    return 0;
}

void
api_procedure_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code", "name", "field", "levels", "version", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL, *field = NULL, *levels = NULL;
    struct version_in vin;
    struct proc_write_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, VI__N);
    const char **pv = hx_params(rc, PI__N);
    struct db_stmt *st = arena_calloc(rc->arena, 4, sizeof(*st));

    err_clear(&e);
    if (cat_body(rc, keys, &e) != 0 || jin_get_str(rc->json, "code", 40, 1, &code, &e) < 0 ||
        jin_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0 ||
        jin_get_str(rc->json, "field", 32, 1, &field, &e) < 0)
        goto fail;
    if (code_procedure_valid(code, strlen(code), &e) != 0) {
        snprintf(e.field, sizeof(e.field), "code");
        goto fail;
    }
    if (parse_levels(rc->arena, json_object_get(rc->json, "levels"), &levels, &e) != 0)
        goto fail;
    if (json_object_get(rc->json, "version") == NULL) {
        err_field(&e, ERR_VALIDATION, "version", "the first version is required");
        goto fail;
    }
    if (cat_version_parse(rc->arena, json_object_get(rc->json, "version"), &vin, &e) != 0) {
        /* Inside the procedure the version's fields are "version.<field>". */
        if (json_is_object(json_object_get(rc->json, "version")) && strcmp(e.field, "version") != 0)
            jin_field_in(&e, "version");
        goto fail;
    }
    vin.close_previous = 0;
    fill_version_params(v, code, &vin);
    pv[PI_CODE] = code;
    pv[PI_NAME] = name;
    pv[PI_FIELD] = field;
    pv[PI_LEVELS] = levels;
    pv[PI_LEG_UNITS] = vin.leg_units;
    s->code = code;
    s->at = vin.effective_from;
    s->creating = 1;
    rc->state = s;
    cat_stmt(&st[0], LEG_UNITS_MISSING_SQL, LUM__N, v + VI_LEG_UNITS);
    cat_stmt(&st[1], PROCEDURE_INSERT_SQL, PI__N, pv);
    cat_stmt(&st[2], VERSION_CLOSE_PREVIOUS_SQL, VC__N, close_params(rc->arena, code, &vin));
    cat_stmt(&st[3], VERSION_INSERT_SQL, VI__N, v);
    api_db(rc, st, 4, on_version_written);
    return;
fail:
    http_reply_error(rc, &e);
}

void
api_procedure_version_create(struct reqctx *rc)
{
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    struct version_in vin;
    struct proc_write_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, VI__N);
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));

    err_clear(&e);
    if (code == NULL || code_procedure_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    if (cat_version_parse(rc->arena, rc->json, &vin, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    fill_version_params(v, code, &vin);
    s->code = code;
    s->at = vin.effective_from;
    s->creating = 0;
    rc->state = s;
    cat_stmt(&st[0], LEG_UNITS_MISSING_SQL, LUM__N, v + VI_LEG_UNITS);
    cat_stmt(&st[1], VERSION_CLOSE_PREVIOUS_SQL, VC__N, close_params(rc->arena, code, &vin));
    cat_stmt(&st[2], VERSION_INSERT_SQL, VI__N, v);
    api_db(rc, st, 3, on_version_written);
}
