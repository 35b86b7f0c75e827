/*
 * catalog.c - the catalogue API: units with their history, fields, procedures and their
 * versions, channels (domain.md §1, §2, §9). Routes and JSON shapes: api/catalog/catalog.h; the
 * handlers live in catalog_unit.c and catalog_proc.c (catalog_int.h). This file holds the
 * database error mapping, the helpers they share, the channels and the route table.
 *
 * Every handler is asynchronous: it validates the request, queues one database unit with
 * api_db() and replies from the callback. Writes are single units (one implicit
 * transaction each) whose statements are guarded so that a failed precondition writes
 * nothing; the callback then tells which precondition failed.
 */
#include "api/catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/common/common.h"
#include "api/catalog/catalog_int.h"
#include "app.h"
#include "core/arena.h"
#include "core/clock.h"
#include "domain/cal.h"
#include "domain/pver.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---- database errors ---------------------------------------------------------------- */

void
catalog_reply_db_error(struct reqctx *rc, const struct db_result *r)
{
    struct mc_err e;

    err_clear(&e);
    /* SQLSTATE class 23 = integrity constraint violation (PostgreSQL Appendix A). */
    if (strcmp(r->sqlstate, "23505") == 0)
        err_set(&e, ERR_ALREADY_EXISTS, "a row with this code already exists");
    else if (strcmp(r->sqlstate, "23503") == 0)
        err_set(&e, ERR_UNKNOWN_REF, "a referenced row does not exist");
    else if (strcmp(r->sqlstate, "23514") == 0)
        err_set(&e, ERR_VALIDATION, "%s", r->err.detail);
    else if (strcmp(r->sqlstate, "23P01") == 0)
        err_set(&e, ERR_CONFLICT, "%s", r->err.detail);
    else {
        api_reply_db_error(rc, r);
        return;
    }
    http_reply_error(rc, &e);
}

/* ---- small helpers -------------------------------------------------------------------- */

const char *
cat_qparam(struct reqctx *rc, const char *name)
{
    const char *v = rc_query(rc, name);

    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* A date or an RFC 3339 instant -> its local date "YYYY-MM-DD"; -1 when neither. */
int
cat_date_param(struct reqctx *rc, const char *name, const char **out, struct mc_err *e)
{
    const char *v = cat_qparam(rc, name);
    int32_t day;
    int64_t t;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (cal_parse_date(v, strlen(v), &day) != 0) {
        if (cal_parse_instant(v, strlen(v), &t) != 0)
            return err_field(e, ERR_BAD_DATE, name, "expected YYYY-MM-DD or an RFC 3339 time");
        day = cal_local_day(t);
    }
    *out = cat_date_text(rc->arena, day);
    return 0;
}

/* Folded q= (Vietnamese without diacritics) with LIKE wildcards escaped. */
int
cat_fold_param(struct reqctx *rc, const char **out, struct mc_err *e)
{
    const char *v = cat_qparam(rc, "q");
    const char *f;
    char *s;
    size_t j = 0;

    *out = NULL;
    if (v == NULL)
        return 0;
    f = jin_fold_text(rc->arena, v);
    if (f == NULL || strlen(f) > 200)
        return err_field(e, ERR_BAD_QUERY, "q", "q must be valid UTF-8, at most 200 bytes");
    if (f[0] == '\0')
        return 0;
    s = arena_alloc(rc->arena, 2 * strlen(f) + 1);
    for (const char *p = f; *p != '\0'; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            s[j++] = '\\';
        s[j++] = *p;
    }
    *out = s;
    return 0;
}

int
cat_level_valid(const char *s)
{
    return pver_level_valid(s);
}

const char *
cat_col(const PGresult *res, int row, const char *name)
{
    int c = db_col(res, name);

    if (c < 0 || db_isnull(res, row, c))
        return NULL;
    return db_val(res, row, c);
}

json_t *
cat_col_str(const PGresult *res, int row, const char *name)
{
    const char *v = cat_col(res, row, name);

    return v != NULL ? json_string(v) : json_null();
}

json_t *
cat_col_int(const PGresult *res, int row, const char *name)
{
    const char *v = cat_col(res, row, name);

    return v != NULL ? json_integer(strtoll(v, NULL, 10)) : json_null();
}

/* A jsonb or text[]-as-json column (text written by PostgreSQL, so trusted). */
json_t *
cat_col_json(const PGresult *res, int row, const char *name)
{
    const char *v = cat_col(res, row, name);
    json_t *j;

    if (v == NULL)
        return json_null();
    j = json_loads(v, JSON_DECODE_ANY, NULL);
    return j != NULL ? j : json_null();
}

int
cat_only_keys(json_t *obj, const char *const *keys, const char *where, struct mc_err *e)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        size_t i;

        (void)v;
        for (i = 0; keys[i] != NULL; i++)
            if (strcmp(k, keys[i]) == 0)
                break;
        if (keys[i] == NULL)
            return err_field(e, ERR_VALIDATION, where, "unknown member \"%.60s\"", k);
    }
    return 0;
}

const char *
cat_date_text(struct arena *a, int32_t day)
{
    char *buf = arena_alloc(a, 11);

    cal_format_date(day, buf);
    return buf;
}

const char *
cat_today_text(struct arena *a)
{
    return cat_date_text(a, cal_local_day(clock_now()));
}

int
cat_body(struct reqctx *rc, const char *const *keys, struct mc_err *e)
{
    if (!json_is_object(rc->json))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    return cat_only_keys(rc->json, keys, "", e);
}

void
cat_stmt(struct db_stmt *st, const char *sql, int nparams, const char *const *values)
{
    st->sql = sql;
    st->nparams = nparams;
    st->values = values;
}

int
cat_db_failed(struct reqctx *rc, const struct db_result *r)
{
    if (r->err.code == ERR_OK)
        return 0;
    catalog_reply_db_error(rc, r);
    return 1;
}

int
cat_field_code_valid(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* The last day a district may be in force: the huyện level ends on 30/06/2025 (Luật
   72/2025/QH15; domain.md §1). */
int32_t
cat_district_last_day(void)
{
    return pver_district_last_day();
}

const char *
cat_text_array(struct arena *a, json_t *strings)
{
    size_t i, len = 3;
    json_t *it;
    char *s;
    size_t used = 0;

    json_array_foreach(strings, i, it) len += strlen(json_string_value(it)) + 1;
    s = arena_alloc(a, len);
    s[used++] = '{';
    json_array_foreach(strings, i, it)
    {
        const char *v = json_string_value(it);

        if (i > 0)
            s[used++] = ',';
        memcpy(s + used, v, strlen(v)); /* codes and reason keys: no quoting needed */
        used += strlen(v);
    }
    s[used++] = '}';
    s[used] = '\0';
    return s;
}

void
cat_reply_code_page(struct reqctx *rc, const PGresult *res, json_t *(*item)(const PGresult *, int))
{
    struct list_state *s = rc->state;
    int n = PQntuples(res);
    int shown = n > s->limit ? s->limit : n;
    json_t *items = json_array();
    const char *next = NULL;

    for (int i = 0; i < shown; i++)
        json_array_append_new(items, item(res, i));
    if (n > s->limit)
        next = api_cursor_encode(rc->arena, cat_col(res, shown - 1, "code"));
    http_reply_json(rc, 200, api_page(items, next));
}

/* ---- channels ------------------------------------------------------------------------- */

/* DVCQG KenhThucHien (domain.md §2; domain-sources.md §2.1). An empty channel counts as 1. */
static void
api_channels(struct reqctx *rc)
{
    static const struct {
        int code;
        const char *key, *vi, *en;
    } ch[] = {
        {1, "counter", "Trực tiếp", "At the counter"},
        {2, "online", "Trực tuyến", "Online (through DVCQG)"},
        {3, "post", "Qua dịch vụ bưu chính công ích", "Public postal service"},
    };
    json_t *items = json_array();

    for (size_t i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
        json_t *o = json_object();

        json_object_set_new(o, "code", json_integer(ch[i].code));
        json_object_set_new(o, "key", json_string(ch[i].key));
        json_object_set_new(o, "name", json_string(ch[i].vi));
        json_object_set_new(o, "name_en", json_string(ch[i].en));
        json_array_append_new(items, o);
    }
    http_reply_json(rc, 200, api_page(items, NULL));
}

/* ---- the route table ------------------------------------------------------------------ */

const struct route API_CATALOG_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/units", api_units_list, ROLE_ALL, 0,
     "Units (đơn vị) with filters level, parent, province, valid_at, q"},
    {EVHTTP_REQ_POST, "/api/v1/units", api_unit_create, ROLE_ADMIN, RF_JSON, "Create a unit"},
    {EVHTTP_REQ_GET, "/api/v1/units/{code}", api_unit_get, ROLE_ALL, 0,
     "A unit with its parent, children, successors and predecessors"},
    {EVHTTP_REQ_POST, "/api/v1/units/{code}/dissolve", api_unit_dissolve, ROLE_ADMIN, RF_JSON,
     "Close a unit's validity and name its successors"},
    {EVHTTP_REQ_GET, "/api/v1/fields", api_fields_list, ROLE_ALL, 0, "Fields (lĩnh vực)"},
    {EVHTTP_REQ_POST, "/api/v1/fields", api_field_create, ROLE_ADMIN, RF_JSON, "Create a field"},
    {EVHTTP_REQ_GET, "/api/v1/procedures", api_procedures_list, ROLE_ALL, 0,
     "Procedures (TTHC) with the version in force, filters field, level, q, at"},
    {EVHTTP_REQ_POST, "/api/v1/procedures", api_procedure_create, ROLE_ADMIN, RF_JSON,
     "Create a procedure with its first version"},
    {EVHTTP_REQ_GET, "/api/v1/procedures/{code}", api_procedure_get, ROLE_ALL, 0,
     "A procedure, the version in force at ?at= and every version"},
    {EVHTTP_REQ_POST, "/api/v1/procedures/{code}/versions", api_procedure_version_create,
     ROLE_ADMIN, RF_JSON, "Add the next version of a procedure"},
    {EVHTTP_REQ_GET, "/api/v1/channels", api_channels, ROLE_ALL, 0,
     "Channels (kênh thực hiện) 1, 2, 3"},
    {0, NULL, NULL, 0, 0, NULL},
};
const size_t API_CATALOG_NROUTES = sizeof(API_CATALOG_ROUTES) / sizeof(API_CATALOG_ROUTES[0]) - 1;
