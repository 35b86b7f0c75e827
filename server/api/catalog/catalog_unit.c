/*
 * catalog_unit.c - GET/POST /api/v1/units, GET /api/v1/units/{code} and
 * POST /api/v1/units/{code}/dissolve: administrative units with their validity and
 * successors (domain.md §1). Part of the catalogue API (api/catalog/catalog.h, catalog_int.h).
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

static int
kind_valid(const char *s)
{
    static const char *const kinds[] = {"ministry", "center", "counter", "department", "committee"};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(s, kinds[i]) == 0)
            return 1;
    return 0;
}

/* ---- units ---------------------------------------------------------------------------- */

#define UNIT_COLS                                                                                  \
    "u.code, u.name, u.level, u.kind, p.code AS parent_code, p.name AS parent_name, "              \
    "u.province, u.valid_from::text AS valid_from, u.valid_to::text AS valid_to, u.address, "      \
    "u.admin_code"

enum { UL_LEVEL, UL_PARENT, UL_PROVINCE, UL_VALID_AT, UL_QFOLD /* ?q= folded */,
       UL_AFTER /* the cursor's code */, UL_LIMIT, UL__N };
static const char UNITS_LIST_SQL[] =
    "SELECT " UNIT_COLS " FROM unit u LEFT JOIN unit p ON p.id = u.parent_id"
    " WHERE ($1::text IS NULL OR u.level = $1)"
    "   AND ($2::text IS NULL OR p.code = $2)"
    "   AND ($3::text IS NULL OR u.province = $3)"
    "   AND ($4::date IS NULL OR (u.valid_from <= $4 AND (u.valid_to IS NULL OR u.valid_to >= $4)))"
    "   AND ($5::text IS NULL OR u.name_fold LIKE '%' || $5 || '%')"
    "   AND ($6::text IS NULL OR u.code > $6)"
    " ORDER BY u.code LIMIT $7::int";

static json_t *
unit_json(const PGresult *res, int row)
{
    json_t *o = json_object();
    const char *pc = cat_col(res, row, "parent_code");

    json_object_set_new(o, "code", cat_col_str(res, row, "code"));
    json_object_set_new(o, "name", cat_col_str(res, row, "name"));
    json_object_set_new(o, "level", cat_col_str(res, row, "level"));
    json_object_set_new(o, "kind", cat_col_str(res, row, "kind"));
    json_object_set_new(o, "province", cat_col_str(res, row, "province"));
    if (pc != NULL) {
        json_t *p = json_object();

        json_object_set_new(p, "code", json_string(pc));
        json_object_set_new(p, "name", cat_col_str(res, row, "parent_name"));
        json_object_set_new(o, "parent", p);
    } else {
        json_object_set_new(o, "parent", json_null());
    }
    json_object_set_new(o, "valid_from", cat_col_str(res, row, "valid_from"));
    json_object_set_new(o, "valid_to", cat_col_str(res, row, "valid_to"));
    json_object_set_new(o, "address", cat_col_str(res, row, "address"));
    json_object_set_new(o, "admin_code", cat_col_str(res, row, "admin_code"));
    return o;
}

static void
on_units_list(struct reqctx *rc, struct db_result *r)
{
    if (cat_db_failed(rc, r))
        return;
    cat_reply_code_page(rc, r->res[0], unit_json);
}

void
api_units_list(struct reqctx *rc)
{
    struct mc_err e;
    struct list_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, UL__N);
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));
    const char *prov = cat_qparam(rc, "province");

    err_clear(&e);
    v[UL_LEVEL] = cat_qparam(rc, "level");
    v[UL_PARENT] = cat_qparam(rc, "parent");
    v[UL_PROVINCE] = prov;
    if (v[UL_LEVEL] != NULL && !cat_level_valid(v[UL_LEVEL])) {
        err_field(&e, ERR_BAD_QUERY, "level", "level is central, province, district or commune");
        goto fail;
    }
    if (v[UL_PARENT] != NULL && code_unit_valid(v[UL_PARENT], strlen(v[UL_PARENT]), &e) != 0) {
        e.code = ERR_BAD_QUERY;
        snprintf(e.field, sizeof(e.field), "parent");
        goto fail;
    }
    if (prov != NULL && (strlen(prov) != 3 || (prov[0] != 'H' && prov[0] != 'G'))) {
        err_field(&e, ERR_BAD_QUERY, "province", "province is H or G followed by 2 digits");
        goto fail;
    }
    if (cat_date_param(rc, "valid_at", &v[UL_VALID_AT], &e) != 0 ||
        cat_fold_param(rc, &v[UL_QFOLD], &e) != 0 ||
        api_query_cursor(rc, &v[UL_AFTER], &e) != 0 || api_query_limit(rc, &s->limit, &e) != 0)
        goto fail;
    v[UL_LIMIT] = arena_printf(rc->arena, "%d", s->limit + 1);
    rc->state = s;
    cat_stmt(st, UNITS_LIST_SQL, UL__N, v);
    api_db(rc, st, 1, on_units_list);
    return;
fail:
    http_reply_error(rc, &e);
}

/* The four reads of a unit, by its code. */
enum { UG_CODE, UG__N };
static const char UNIT_GET_SQL[] =
    "SELECT " UNIT_COLS " FROM unit u LEFT JOIN unit p ON p.id = u.parent_id WHERE u.code = $1";
static const char UNIT_CHILDREN_SQL[] =
    "SELECT c.code, c.name, c.level, c.kind, c.valid_from::text AS valid_from,"
    "       c.valid_to::text AS valid_to"
    "  FROM unit c JOIN unit u ON c.parent_id = u.id WHERE u.code = $1 ORDER BY c.code";
static const char UNIT_SUCCESSORS_SQL[] = "SELECT s.code, s.name, us.since::text AS since"
                                          "  FROM unit_successor us JOIN unit u ON u.id = "
                                          "us.unit_id JOIN unit s ON s.id = us.successor_id"
                                          " WHERE u.code = $1 ORDER BY s.code";
static const char UNIT_PREDECESSORS_SQL[] = "SELECT s.code, s.name, us.since::text AS since"
                                            "  FROM unit_successor us JOIN unit u ON u.id = "
                                            "us.successor_id JOIN unit s ON s.id = us.unit_id"
                                            " WHERE u.code = $1 ORDER BY s.code";

/* A child unit, and a successor or predecessor, as JSON. */
static const struct hx_jcol CHILD_ROW[] = {
    {"code", NULL, HX_TEXT},       {"name", NULL, HX_TEXT},     {"level", NULL, HX_TEXT},
    {"kind", NULL, HX_TEXT},       {"valid_from", NULL, HX_TEXT}, {"valid_to", NULL, HX_TEXT},
};
static const struct hx_jcol LINK_ROW[] = {
    {"code", NULL, HX_TEXT},
    {"name", NULL, HX_TEXT},
    {"since", NULL, HX_TEXT},
};
#define NCOLS(t) ((int)(sizeof(t) / sizeof(t[0])))

static void
on_unit_get(struct reqctx *rc, struct db_result *r)
{
    json_t *o;

    if (cat_db_failed(rc, r))
        return;
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    o = unit_json(r->res[0], 0);
    json_object_set_new(o, "children", hx_rows_json(r->res[1], CHILD_ROW, NCOLS(CHILD_ROW)));
    json_object_set_new(o, "successors", hx_rows_json(r->res[2], LINK_ROW, NCOLS(LINK_ROW)));
    json_object_set_new(o, "predecessors", hx_rows_json(r->res[3], LINK_ROW, NCOLS(LINK_ROW)));
    http_reply_json(rc, 200, o);
}

void
api_unit_get(struct reqctx *rc)
{
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    const char **v = hx_params(rc, UG__N);
    struct db_stmt *st = arena_calloc(rc->arena, 4, sizeof(*st));
    static const char *const sqls[] = {UNIT_GET_SQL, UNIT_CHILDREN_SQL, UNIT_SUCCESSORS_SQL,
                                       UNIT_PREDECESSORS_SQL};

    if (code == NULL || code_unit_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    v[UG_CODE] = code;
    for (int i = 0; i < 4; i++) {
        cat_stmt(&st[i], sqls[i], UG__N, v);
    }
    api_db(rc, st, 4, on_unit_get);
}

/* Insert guarded by the parent's existence: no row back = unknown parent. */
enum { UI_CODE, UI_NAME, UI_LEVEL, UI_KIND, UI_PARENT /* code */, UI_VALID_FROM, UI_VALID_TO,
       UI_ADDRESS, UI_ADMIN_CODE, UI__N };
static const char UNIT_INSERT_SQL[] =
    "WITH p AS (SELECT id, code, name FROM unit WHERE code = $5),"
    " ins AS (INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from,"
    "                           valid_to, address, admin_code)"
    "   SELECT $1, $2, $3, $4, (SELECT id FROM p), right($1, 3), $6::date, $7::date, $8, $9"
    "    WHERE $5::text IS NULL OR EXISTS (SELECT 1 FROM p)"
    "   RETURNING *)"
    " SELECT u.code, u.name, u.level, u.kind, p.code AS parent_code, p.name AS parent_name,"
    "        u.province, u.valid_from::text AS valid_from, u.valid_to::text AS valid_to,"
    "        u.address, u.admin_code"
    "   FROM ins u LEFT JOIN p ON true";

static void
on_unit_insert(struct reqctx *rc, struct db_result *r)
{
    if (cat_db_failed(rc, r))
        return;
    if (PQntuples(r->res[0]) != 1) {
        struct mc_err e;

        err_field(&e, ERR_UNKNOWN_REF, "parent", "no unit with the parent code");
        http_reply_error(rc, &e);
        return;
    }
    http_reply_json(rc, 201, unit_json(r->res[0], 0));
}

void
api_unit_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code",       "name",     "level",   "kind",       "parent",
                                       "valid_from", "valid_to", "address", "admin_code", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL, *level = NULL, *kind = NULL, *parent = NULL;
    const char *address = NULL, *admin_code = NULL;
    int32_t from = 0, to = 0;
    int has_to;
    const char **v = hx_params(rc, UI__N);
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    if (cat_body(rc, keys, &e) != 0 || jin_get_str(rc->json, "code", 13, 1, &code, &e) < 0 ||
        jin_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0 ||
        jin_get_str(rc->json, "level", 16, 1, &level, &e) < 0 ||
        jin_get_str(rc->json, "kind", 16, 1, &kind, &e) < 0 ||
        jin_get_str(rc->json, "parent", 13, 0, &parent, &e) < 0 ||
        jin_get_date(rc->json, "valid_from", 1, &from, &e) < 0 ||
        (has_to = jin_get_date(rc->json, "valid_to", 0, &to, &e)) < 0 ||
        jin_get_str(rc->json, "address", NAME_MAX_CHARS, 0, &address, &e) < 0 ||
        jin_get_str(rc->json, "admin_code", 16, 0, &admin_code, &e) < 0)
        goto fail;
    if (code_unit_valid(code, strlen(code), &e) != 0) {
        snprintf(e.field, sizeof(e.field), "code");
        goto fail;
    }
    if (parent != NULL && code_unit_valid(parent, strlen(parent), &e) != 0) {
        snprintf(e.field, sizeof(e.field), "parent");
        goto fail;
    }
    if (!cat_level_valid(level)) {
        err_field(&e, ERR_VALIDATION, "level", "level is central, province, district or commune");
        goto fail;
    }
    if (!kind_valid(kind)) {
        err_field(&e, ERR_VALIDATION, "kind",
                  "kind is ministry, center, counter, department or committee");
        goto fail;
    }
    if (has_to == 1 && to < from) {
        err_field(&e, ERR_BAD_DATE, "valid_to", "valid_to is before valid_from");
        goto fail;
    }
    if (strcmp(level, "district") == 0 && (has_to != 1 || to > cat_district_last_day())) {
        err_field(&e, ERR_UNIT_INVALID, "valid_to",
                  "the district level ended on 2025-06-30: a district unit needs valid_to "
                  "on or before that day");
        goto fail;
    }
    v[UI_CODE] = code;
    v[UI_NAME] = name;
    v[UI_LEVEL] = level;
    v[UI_KIND] = kind;
    v[UI_PARENT] = parent;
    v[UI_VALID_FROM] = cat_date_text(rc->arena, from);
    v[UI_VALID_TO] = has_to == 1 ? cat_date_text(rc->arena, to) : NULL;
    v[UI_ADDRESS] = address;
    v[UI_ADMIN_CODE] = admin_code;
    cat_stmt(st, UNIT_INSERT_SQL, UI__N, v);
    api_db(rc, st, 1, on_unit_insert);
    return;
fail:
    http_reply_error(rc, &e);
}

/*
 * Dissolution in one statement: the successors must all be in force on `since`, the unit
 * must be open and have started by valid_to; otherwise nothing is written and the second
 * statement (a plain read) tells the handler why.
 */
enum { UD_CODE, UD_VALID_TO, UD_SINCE, UD_SUCCESSORS /* text[] of codes */,
       UD_NSUCCESSORS, UD__N };
enum { UW_CODE, UW_SINCE, UW_SUCCESSORS, UW__N };
static const char UNIT_DISSOLVE_SQL[] =
    "WITH s AS (SELECT id FROM unit WHERE code = ANY($4::text[]) AND code <> $1"
    "             AND valid_from <= $3::date AND (valid_to IS NULL OR valid_to >= $3::date)),"
    " ok AS (SELECT 1 WHERE (SELECT count(*) FROM s) = $5::int),"
    " u AS (UPDATE unit SET valid_to = $2::date"
    "        WHERE code = $1 AND valid_to IS NULL AND valid_from <= $2::date"
    "          AND EXISTS (SELECT 1 FROM ok) RETURNING id),"
    " ins AS (INSERT INTO unit_successor (unit_id, successor_id, since)"
    "         SELECT u.id, s.id, $3::date FROM u, s RETURNING 1)"
    " SELECT (SELECT count(*) FROM u) AS updated, (SELECT count(*) FROM ins) AS linked";
static const char UNIT_DISSOLVE_WHY_SQL[] =
    "SELECT u.valid_from::text AS valid_from, u.valid_to::text AS valid_to,"
    "       ARRAY(SELECT c FROM unnest($3::text[]) c WHERE NOT EXISTS"
    "             (SELECT 1 FROM unit x WHERE x.code = c AND x.code <> $1"
    "                AND x.valid_from <= $2::date"
    "                AND (x.valid_to IS NULL OR x.valid_to >= $2::date)))::text AS bad"
    "  FROM unit u WHERE u.code = $1";

static void
on_unit_dissolve(struct reqctx *rc, struct db_result *r)
{
    const PGresult *why;
    const char *bad, *updated;
    struct mc_err e;

    if (cat_db_failed(rc, r))
        return;
    updated = cat_col(r->res[0], 0, "updated");
    if (updated != NULL && strcmp(updated, "1") == 0) {
        /* Re-read the unit as it is now (after the commit) for the reply. */
        api_unit_get(rc);
        return;
    }
    why = r->res[1];
    err_clear(&e);
    if (PQntuples(why) != 1) {
        err_set(&e, ERR_NOT_FOUND, "no unit with this code");
    } else if (cat_col(why, 0, "valid_to") != NULL) {
        err_set(&e, ERR_CONFLICT, "the unit was already dissolved on %.10s",
                cat_col(why, 0, "valid_to"));
    } else if ((bad = cat_col(why, 0, "bad")) != NULL && strcmp(bad, "{}") != 0) {
        err_field(&e, ERR_UNIT_INVALID, "successors",
                  "successors unknown or not in force on the date given: %.100s", bad);
    } else {
        err_field(&e, ERR_BAD_DATE, "valid_to", "valid_to is before the unit's valid_from %.10s",
                  cat_col(why, 0, "valid_from"));
    }
    http_reply_error(rc, &e);
}

void
api_unit_dissolve(struct reqctx *rc)
{
    static const char *const keys[] = {"valid_to", "successors", "since", NULL};
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    int32_t to = 0, since = 0;
    json_t *succ;
    size_t n, i;
    const char *arr;
    const char **v = hx_params(rc, UD__N);
    const char **w = hx_params(rc, UW__N);
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    err_clear(&e);
    if (code == NULL || code_unit_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    if (cat_body(rc, keys, &e) != 0 || jin_get_date(rc->json, "valid_to", 1, &to, &e) < 0)
        goto fail;
    switch (jin_get_date(rc->json, "since", 0, &since, &e)) {
    case -1:
        goto fail;
    case 0:
        since = to + 1; /* successors take over the day after the last day in force */
        break;
    default:
        if (since <= to) {
            err_field(&e, ERR_BAD_DATE, "since", "since must be after valid_to");
            goto fail;
        }
    }
    succ = json_object_get(rc->json, "successors");
    if (succ != NULL && !json_is_null(succ) && !json_is_array(succ)) {
        err_field(&e, ERR_VALIDATION, "successors", "successors is an array of unit codes");
        goto fail;
    }
    n = json_is_array(succ) ? json_array_size(succ) : 0;
    if (n > 64) {
        err_field(&e, ERR_VALIDATION, "successors", "at most 64 successors");
        goto fail;
    }
    for (i = 0; i < n; i++) {
        json_t *c = json_array_get(succ, i);
        const char *s = json_string_value(c);

        if (s == NULL || code_unit_valid(s, strlen(s), &e) != 0) {
            err_field(&e, ERR_BAD_CODE, "successors", "successor %zu is not a unit code", i);
            goto fail;
        }
        if (strcmp(s, code) == 0) {
            err_field(&e, ERR_VALIDATION, "successors", "a unit cannot succeed itself");
            goto fail;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, json_string_value(json_array_get(succ, k))) == 0) {
                err_field(&e, ERR_VALIDATION, "successors", "successor %.13s listed twice", s);
                goto fail;
            }
    }
    /* A text[] literal of the codes: the characters of a valid code need no quoting. */
    arr = cat_text_array(rc->arena, succ);
    v[UD_CODE] = code;
    v[UD_VALID_TO] = cat_date_text(rc->arena, to);
    v[UD_SINCE] = cat_date_text(rc->arena, since);
    v[UD_SUCCESSORS] = arr;
    v[UD_NSUCCESSORS] = arena_printf(rc->arena, "%zu", n);
    cat_stmt(&st[0], UNIT_DISSOLVE_SQL, UD__N, v);
    w[UW_CODE] = code;
    w[UW_SINCE] = v[UD_SINCE];
    w[UW_SUCCESSORS] = arr;
    cat_stmt(&st[1], UNIT_DISSOLVE_WHY_SQL, UW__N, w);
    api_db(rc, st, 2, on_unit_dissolve);
    return;
fail:
    http_reply_error(rc, &e);
}
