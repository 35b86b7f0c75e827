/*
 * catalog.c - the catalogue API: units with their history, fields, procedures and their
 * versions, channels (domain.md §1, §2, §9). Routes and JSON shapes: api/catalog.h.
 *
 * Every handler is asynchronous: it validates the request, queues one database unit with
 * api_db() and replies from the callback. Writes are single units (one implicit
 * transaction each) whose statements are guarded so that a failed precondition writes
 * nothing; the callback then tells which precondition failed.
 */
#include "api/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/api.h"
#include "app.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/code.h"
#include "domain/role.h"
#include "http/json.h"
#include "http/reqctx.h"

#define LIST_DEFAULT 50
#define LIST_MAX 500
#define NAME_MAX_CHARS 500
#define TEXT_MAX_CHARS 2000
#define MINUTES_MAX 525600 /* one year of minutes: more is a typing error */

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

/* A query parameter, NULL when absent or empty. */
static const char *
qparam(struct reqctx *rc, const char *name)
{
    const char *v = rc_query(rc, name);

    return (v != NULL && v[0] != '\0') ? v : NULL;
}

static int
parse_limit(struct reqctx *rc, int *out, struct mc_err *e)
{
    const char *v = qparam(rc, "limit");
    char *end;
    long n;

    if (v == NULL) {
        *out = LIST_DEFAULT;
        return 0;
    }
    n = strtol(v, &end, 10);
    if (*end != '\0' || n < 1 || n > LIST_MAX)
        return err_field(e, ERR_BAD_QUERY, "limit", "limit must be 1..%d", LIST_MAX);
    *out = (int)n;
    return 0;
}

/* Cursors are the last code of the page, hex-encoded (opaque to clients). */
static const char *
cursor_encode(struct arena *a, const char *code)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(code);
    char *out = arena_alloc(a, 2 * n + 1);

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[(unsigned char)code[i] >> 4];
        out[2 * i + 1] = hex[(unsigned char)code[i] & 15];
    }
    return out;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int
cursor_decode(struct reqctx *rc, const char **out, struct mc_err *e)
{
    const char *v = qparam(rc, "cursor");
    size_t n;
    char *s;

    *out = NULL;
    if (v == NULL)
        return 0;
    n = strlen(v);
    if (n % 2 != 0 || n > 128)
        return err_field(e, ERR_BAD_QUERY, "cursor", "malformed cursor");
    s = arena_alloc(rc->arena, n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return err_field(e, ERR_BAD_QUERY, "cursor", "malformed cursor");
        s[i] = (char)(hi * 16 + lo);
    }
    *out = s;
    return 0;
}

/* Today's local date (UTC+7) as "YYYY-MM-DD" in the arena. */
static const char *
today_text(struct arena *a)
{
    char *buf = arena_alloc(a, 11);

    cal_format_date(cal_local_day((int64_t)time(NULL)), buf);
    return buf;
}

/* A date or an RFC 3339 instant -> its local date "YYYY-MM-DD"; -1 when neither. */
static int
date_param(struct reqctx *rc, const char *name, const char **out, struct mc_err *e)
{
    const char *v = qparam(rc, name);
    int32_t day;
    int64_t t;
    char *buf;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (cal_parse_date(v, strlen(v), &day) != 0) {
        if (cal_parse_instant(v, strlen(v), &t) != 0)
            return err_field(e, ERR_BAD_DATE, name, "expected YYYY-MM-DD or an RFC 3339 time");
        day = cal_local_day(t);
    }
    buf = arena_alloc(rc->arena, 11);
    cal_format_date(day, buf);
    *out = buf;
    return 0;
}

/* Folded q= (Vietnamese without diacritics) with LIKE wildcards escaped. */
static int
fold_param(struct reqctx *rc, const char **out, struct mc_err *e)
{
    const char *v = qparam(rc, "q");
    const char *f;
    char *s;
    size_t j = 0;

    *out = NULL;
    if (v == NULL)
        return 0;
    f = json_fold_text(rc->arena, v);
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

static int
level_valid(const char *s)
{
    return s != NULL && (strcmp(s, "central") == 0 || strcmp(s, "province") == 0 ||
                         strcmp(s, "district") == 0 || strcmp(s, "commune") == 0);
}

static int
kind_valid(const char *s)
{
    static const char *const kinds[] = {"ministry", "center", "counter", "department", "committee"};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(s, kinds[i]) == 0)
            return 1;
    return 0;
}

/* Column text by name; NULL for SQL NULL or a missing column. */
static const char *
col(const PGresult *res, int row, const char *name)
{
    int c = db_col(res, name);

    if (c < 0 || db_isnull(res, row, c))
        return NULL;
    return db_val(res, row, c);
}

static json_t *
col_str(const PGresult *res, int row, const char *name)
{
    const char *v = col(res, row, name);

    return v != NULL ? json_string(v) : json_null();
}

static json_t *
col_int(const PGresult *res, int row, const char *name)
{
    const char *v = col(res, row, name);

    return v != NULL ? json_integer(strtoll(v, NULL, 10)) : json_null();
}

/* A jsonb or text[]-as-json column (text written by PostgreSQL, so trusted). */
static json_t *
col_json(const PGresult *res, int row, const char *name)
{
    const char *v = col(res, row, name);
    json_t *j;

    if (v == NULL)
        return json_null();
    j = json_loads(v, JSON_DECODE_ANY, NULL);
    return j != NULL ? j : json_null();
}

static json_t *
page(json_t *items, const char *next)
{
    json_t *o = json_object();

    json_object_set_new(o, "items", items);
    json_object_set_new(o, "next_cursor", next != NULL ? json_string(next) : json_null());
    return o;
}

/* Rejects members other than those listed (typos in admin input should not pass silently). */
static int
only_keys(json_t *obj, const char *const *keys, const char *where, struct mc_err *e)
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

static const char *
date_text(struct arena *a, int32_t day)
{
    char *buf = arena_alloc(a, 11);

    cal_format_date(day, buf);
    return buf;
}

/* ---- units ---------------------------------------------------------------------------- */

#define UNIT_COLS                                                                                  \
    "u.code, u.name, u.level, u.kind, p.code AS parent_code, p.name AS parent_name, "              \
    "u.province, u.valid_from::text AS valid_from, u.valid_to::text AS valid_to, u.address, "      \
    "u.admin_code"

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
    const char *pc = col(res, row, "parent_code");

    json_object_set_new(o, "code", col_str(res, row, "code"));
    json_object_set_new(o, "name", col_str(res, row, "name"));
    json_object_set_new(o, "level", col_str(res, row, "level"));
    json_object_set_new(o, "kind", col_str(res, row, "kind"));
    json_object_set_new(o, "province", col_str(res, row, "province"));
    if (pc != NULL) {
        json_t *p = json_object();

        json_object_set_new(p, "code", json_string(pc));
        json_object_set_new(p, "name", col_str(res, row, "parent_name"));
        json_object_set_new(o, "parent", p);
    } else {
        json_object_set_new(o, "parent", json_null());
    }
    json_object_set_new(o, "valid_from", col_str(res, row, "valid_from"));
    json_object_set_new(o, "valid_to", col_str(res, row, "valid_to"));
    json_object_set_new(o, "address", col_str(res, row, "address"));
    json_object_set_new(o, "admin_code", col_str(res, row, "admin_code"));
    return o;
}

struct list_state {
    int limit;
};

static void
reply_code_page(struct reqctx *rc, const PGresult *res, json_t *(*item)(const PGresult *, int))
{
    struct list_state *s = rc->state;
    int n = PQntuples(res);
    int shown = n > s->limit ? s->limit : n;
    json_t *items = json_array();
    const char *next = NULL;

    for (int i = 0; i < shown; i++)
        json_array_append_new(items, item(res, i));
    if (n > s->limit)
        next = cursor_encode(rc->arena, col(res, shown - 1, "code"));
    http_reply_json(rc, 200, page(items, next));
}

static void
on_units_list(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    reply_code_page(rc, r->res[0], unit_json);
}

static void
api_units_list(struct reqctx *rc)
{
    struct mc_err e;
    struct list_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = arena_calloc(rc->arena, 7, sizeof(*v));
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    v[0] = qparam(rc, "level");
    v[1] = qparam(rc, "parent");
    v[2] = qparam(rc, "province");
    if (v[0] != NULL && !level_valid(v[0])) {
        err_field(&e, ERR_BAD_QUERY, "level", "level is central, province, district or commune");
        goto fail;
    }
    if (v[1] != NULL && code_unit_valid(v[1], strlen(v[1]), &e) != 0) {
        e.code = ERR_BAD_QUERY;
        snprintf(e.field, sizeof(e.field), "parent");
        goto fail;
    }
    if (v[2] != NULL && (strlen(v[2]) != 3 || (v[2][0] != 'H' && v[2][0] != 'G'))) {
        err_field(&e, ERR_BAD_QUERY, "province", "province is H or G followed by 2 digits");
        goto fail;
    }
    if (date_param(rc, "valid_at", &v[3], &e) != 0 || fold_param(rc, &v[4], &e) != 0 ||
        cursor_decode(rc, &v[5], &e) != 0 || parse_limit(rc, &s->limit, &e) != 0)
        goto fail;
    v[6] = arena_printf(rc->arena, "%d", s->limit + 1);
    rc->state = s;
    st->sql = UNITS_LIST_SQL;
    st->nparams = 7;
    st->values = v;
    api_db(rc, st, 1, on_units_list);
    return;
fail:
    http_reply_error(rc, &e);
}

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

static json_t *
rows_json(const PGresult *res, const char *const *cols)
{
    json_t *a = json_array();

    for (int i = 0; i < PQntuples(res); i++) {
        json_t *o = json_object();

        for (size_t k = 0; cols[k] != NULL; k++)
            json_object_set_new(o, cols[k], col_str(res, i, cols[k]));
        json_array_append_new(a, o);
    }
    return a;
}

static void
on_unit_get(struct reqctx *rc, struct db_result *r)
{
    static const char *const child_cols[] = {"code",       "name",     "level", "kind",
                                             "valid_from", "valid_to", NULL};
    static const char *const link_cols[] = {"code", "name", "since", NULL};
    json_t *o;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    o = unit_json(r->res[0], 0);
    json_object_set_new(o, "children", rows_json(r->res[1], child_cols));
    json_object_set_new(o, "successors", rows_json(r->res[2], link_cols));
    json_object_set_new(o, "predecessors", rows_json(r->res[3], link_cols));
    http_reply_json(rc, 200, o);
}

static void
api_unit_get(struct reqctx *rc)
{
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    const char **v = arena_calloc(rc->arena, 1, sizeof(*v));
    struct db_stmt *st = arena_calloc(rc->arena, 4, sizeof(*st));
    static const char *const sqls[] = {UNIT_GET_SQL, UNIT_CHILDREN_SQL, UNIT_SUCCESSORS_SQL,
                                       UNIT_PREDECESSORS_SQL};

    if (code == NULL || code_unit_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    v[0] = code;
    for (int i = 0; i < 4; i++) {
        st[i].sql = sqls[i];
        st[i].nparams = 1;
        st[i].values = v;
    }
    api_db(rc, st, 4, on_unit_get);
}

/* Insert guarded by the parent's existence: no row back = unknown parent. */
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
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        struct mc_err e;

        err_field(&e, ERR_UNKNOWN_REF, "parent", "no unit with the parent code");
        http_reply_error(rc, &e);
        return;
    }
    http_reply_json(rc, 201, unit_json(r->res[0], 0));
}

/* The last day a district may be in force: the huyện level ends on 30/06/2025 (Luật
   72/2025/QH15; domain.md §1). */
static int32_t
district_last_day(void)
{
    return cal_days(2025, 6, 30);
}

static void
api_unit_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code",       "name",     "level",   "kind",       "parent",
                                       "valid_from", "valid_to", "address", "admin_code", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL, *level = NULL, *kind = NULL, *parent = NULL;
    const char *address = NULL, *admin_code = NULL;
    int32_t from = 0, to = 0;
    int has_to;
    const char **v = arena_calloc(rc->arena, 9, sizeof(*v));
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    if (only_keys(rc->json, keys, "", &e) != 0 ||
        json_get_str(rc->json, "code", 13, 1, &code, &e) < 0 ||
        json_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0 ||
        json_get_str(rc->json, "level", 16, 1, &level, &e) < 0 ||
        json_get_str(rc->json, "kind", 16, 1, &kind, &e) < 0 ||
        json_get_str(rc->json, "parent", 13, 0, &parent, &e) < 0 ||
        json_get_date(rc->json, "valid_from", 1, &from, &e) < 0 ||
        (has_to = json_get_date(rc->json, "valid_to", 0, &to, &e)) < 0 ||
        json_get_str(rc->json, "address", NAME_MAX_CHARS, 0, &address, &e) < 0 ||
        json_get_str(rc->json, "admin_code", 16, 0, &admin_code, &e) < 0)
        goto fail;
    if (code_unit_valid(code, strlen(code), &e) != 0) {
        snprintf(e.field, sizeof(e.field), "code");
        goto fail;
    }
    if (parent != NULL && code_unit_valid(parent, strlen(parent), &e) != 0) {
        snprintf(e.field, sizeof(e.field), "parent");
        goto fail;
    }
    if (!level_valid(level)) {
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
    if (strcmp(level, "district") == 0 && (has_to != 1 || to > district_last_day())) {
        err_field(&e, ERR_UNIT_INVALID, "valid_to",
                  "the district level ended on 2025-06-30: a district unit needs valid_to "
                  "on or before that day");
        goto fail;
    }
    v[0] = code;
    v[1] = name;
    v[2] = level;
    v[3] = kind;
    v[4] = parent;
    v[5] = date_text(rc->arena, from);
    v[6] = has_to == 1 ? date_text(rc->arena, to) : NULL;
    v[7] = address;
    v[8] = admin_code;
    st->sql = UNIT_INSERT_SQL;
    st->nparams = 9;
    st->values = v;
    api_db(rc, st, 1, on_unit_insert);
    return;
fail:
    http_reply_error(rc, &e);
}

/*
 * Dissolution in one statement: the successors must all be in force on `since`, the unit
 * must be open and have started by valid_to; otherwise nothing is written and the second
 * statement (a plain read) tells the handler why.
 * $1 code, $2 valid_to, $3 since, $4 successor codes (text[]), $5 their number; the second
 * statement: $1 code, $2 since, $3 successor codes.
 */
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
    const char *bad;
    struct mc_err e;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (strcmp(db_val(r->res[0], 0, 0), "1") == 0) {
        /* Re-read the unit as it is now (after the commit) for the reply. */
        api_unit_get(rc);
        return;
    }
    why = r->res[1];
    err_clear(&e);
    if (PQntuples(why) != 1) {
        err_set(&e, ERR_NOT_FOUND, "no unit with this code");
    } else if (col(why, 0, "valid_to") != NULL) {
        err_set(&e, ERR_CONFLICT, "the unit was already dissolved on %.10s",
                col(why, 0, "valid_to"));
    } else if ((bad = col(why, 0, "bad")) != NULL && strcmp(bad, "{}") != 0) {
        err_field(&e, ERR_UNIT_INVALID, "successors",
                  "successors unknown or not in force on the date given: %.100s", bad);
    } else {
        err_field(&e, ERR_BAD_DATE, "valid_to", "valid_to is before the unit's valid_from %.10s",
                  col(why, 0, "valid_from"));
    }
    http_reply_error(rc, &e);
}

static void
api_unit_dissolve(struct reqctx *rc)
{
    static const char *const keys[] = {"valid_to", "successors", "since", NULL};
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    int32_t to = 0, since = 0;
    json_t *succ;
    size_t n, i;
    char *arr;
    size_t used = 0, cap;
    const char **v = arena_calloc(rc->arena, 5, sizeof(*v));
    const char **w = arena_calloc(rc->arena, 3, sizeof(*w));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    err_clear(&e);
    if (code == NULL || code_unit_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no unit with this code");
        return;
    }
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    if (only_keys(rc->json, keys, "", &e) != 0 ||
        json_get_date(rc->json, "valid_to", 1, &to, &e) < 0)
        goto fail;
    switch (json_get_date(rc->json, "since", 0, &since, &e)) {
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
    /* A text[] literal of codes: the characters of a valid code need no quoting. */
    cap = n * (CODE_UNIT_MAX + 1) + 3;
    arr = arena_alloc(rc->arena, cap);
    arr[used++] = '{';
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
        if (i > 0)
            arr[used++] = ',';
        memcpy(arr + used, s, strlen(s));
        used += strlen(s);
    }
    arr[used++] = '}';
    arr[used] = '\0';
    v[0] = code;
    v[1] = date_text(rc->arena, to);
    v[2] = date_text(rc->arena, since);
    v[3] = arr;
    v[4] = arena_printf(rc->arena, "%zu", n);
    st[0].sql = UNIT_DISSOLVE_SQL;
    st[0].nparams = 5;
    st[0].values = v;
    w[0] = code;
    w[1] = v[2];
    w[2] = arr;
    st[1].sql = UNIT_DISSOLVE_WHY_SQL;
    st[1].nparams = 3;
    st[1].values = w;
    api_db(rc, st, 2, on_unit_dissolve);
    return;
fail:
    http_reply_error(rc, &e);
}

/* ---- fields --------------------------------------------------------------------------- */

static const char FIELDS_SQL[] =
    "SELECT f.code, f.name, (SELECT count(*) FROM procedure p WHERE p.field_id = f.id)"
    "       AS procedures"
    "  FROM field f ORDER BY f.code";

static void
on_fields(struct reqctx *rc, struct db_result *r)
{
    json_t *items;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    items = json_array();
    for (int i = 0; i < PQntuples(r->res[0]); i++) {
        json_t *o = json_object();

        json_object_set_new(o, "code", col_str(r->res[0], i, "code"));
        json_object_set_new(o, "name", col_str(r->res[0], i, "name"));
        json_object_set_new(o, "procedures", col_int(r->res[0], i, "procedures"));
        json_array_append_new(items, o);
    }
    http_reply_json(rc, 200, page(items, NULL));
}

static void
api_fields_list(struct reqctx *rc)
{
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    st->sql = FIELDS_SQL;
    api_db(rc, st, 1, on_fields);
}

static const char FIELD_INSERT_SQL[] =
    "INSERT INTO field (code, name) VALUES ($1, $2) RETURNING code, name, 0 AS procedures";

static void
on_field_insert(struct reqctx *rc, struct db_result *r)
{
    json_t *o;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    o = json_object();
    json_object_set_new(o, "code", col_str(r->res[0], 0, "code"));
    json_object_set_new(o, "name", col_str(r->res[0], 0, "name"));
    json_object_set_new(o, "procedures", json_integer(0));
    http_reply_json(rc, 201, o);
}

static int
field_code_valid(const char *s)
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

static void
api_field_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code", "name", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL;
    const char **v = arena_calloc(rc->arena, 2, sizeof(*v));
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    if (only_keys(rc->json, keys, "", &e) != 0 ||
        json_get_str(rc->json, "code", 32, 1, &code, &e) < 0 ||
        json_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0)
        goto fail;
    if (!field_code_valid(code)) {
        err_field(&e, ERR_BAD_CODE, "code", "field code: 1-32 letters, digits, '.', '_', '-'");
        goto fail;
    }
    v[0] = code;
    v[1] = name;
    st->sql = FIELD_INSERT_SQL;
    st->nparams = 2;
    st->values = v;
    api_db(rc, st, 1, on_field_insert);
    return;
fail:
    http_reply_error(rc, &e);
}

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
    return arena_printf(a, "%s/%zu/%s", list, i, member);
}

static int
fail_at(struct mc_err *e, enum err_code code, const char *field, const char *fmt, const char *arg)
{
    err_set(e, code, fmt, arg);
    snprintf(e->field, sizeof(e->field), "%s", field);
    return -1;
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

        if (!json_is_object(it))
            return fail_at(e, ERR_VALIDATION, path(a, "legs", i, ""), "%s", "a leg is an object");
        if (only_keys(it, keys, path(a, "legs", i, ""), e) != 0)
            return -1;
        if (json_get_str(it, "unit_code", 13, 0, &unit, e) < 0 ||
            json_get_str(it, "level", 16, 0, &level, e) < 0 ||
            json_get_str(it, "name", NAME_MAX_CHARS, 0, &name, e) < 0 ||
            json_get_int(it, "minutes", 1, MINUTES_MAX, 1, &minutes, e) < 0)
            return relabel(a, e, "legs", i);
        if ((unit == NULL) == (level == NULL))
            return fail_at(e, ERR_VALIDATION, path(a, "legs", i, "unit_code"), "%s",
                           "a leg names exactly one of unit_code and level");
        if (unit != NULL && code_unit_valid(unit, strlen(unit), e) != 0) {
            snprintf(e->field, sizeof(e->field), "%s", path(a, "legs", i, "unit_code"));
            return -1;
        }
        if (level != NULL && !level_valid(level))
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

        if (!json_is_object(it))
            return fail_at(e, ERR_VALIDATION, path(a, "steps", i, ""), "%s", "a step is an object");
        if (only_keys(it, keys, path(a, "steps", i, ""), e) != 0)
            return -1;
        if (json_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            json_get_str(it, "role", 16, 1, &role, e) < 0 ||
            json_get_int(it, "minutes", 1, MINUTES_MAX, 1, &minutes, e) < 0)
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

        if (!json_is_object(it))
            return fail_at(e, ERR_VALIDATION, path(a, "documents", i, ""), "%s",
                           "a document is an object");
        if (only_keys(it, keys, path(a, "documents", i, ""), e) != 0)
            return -1;
        if (json_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            json_get_str(it, "kind", 16, 1, &kind, e) < 0 ||
            json_get_int(it, "count", 1, 100, 0, &count, e) < 0)
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

        if (!json_is_object(it))
            return fail_at(e, ERR_VALIDATION, path(a, "fees", i, ""), "%s", "a fee is an object");
        if (only_keys(it, keys, path(a, "fees", i, ""), e) != 0)
            return -1;
        if (json_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            json_get_int(it, "amount", 0, 100000000000LL, 1, &amount, e) < 0 ||
            json_get_str(it, "note", NAME_MAX_CHARS, 0, &note, e) < 0)
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

        if (!json_is_object(it))
            return fail_at(e, ERR_VALIDATION, path(a, "cases", i, ""), "%s", "a case is an object");
        if (only_keys(it, keys, path(a, "cases", i, ""), e) != 0)
            return -1;
        if (json_get_str(it, "code", 16, 1, &code, e) < 0 ||
            json_get_str(it, "name", NAME_MAX_CHARS, 1, &name, e) < 0 ||
            json_get_int(it, "duration_value", 0, 3650, 1, &value, e) < 0 ||
            json_get_str(it, "duration_unit", 8, 1, &unit, e) < 0 ||
            (has_ov = json_get_int(it, "online_duration_value", 0, 3650, 0, &ovalue, e)) < 0 ||
            json_get_str(it, "online_duration_unit", 8, 0, &ounit, e) < 0 ||
            (has_cut = json_get_int(it, "cutoff_minute", 0, 1439, 0, &cutoff, e)) < 0)
            return relabel(a, e, "cases", i);
        if (!field_code_valid(code))
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

/* A validated version, as SQL parameter texts. */
struct version_in {
    const char *effective_from, *effective_to;
    const char *duration_value, *duration_unit, *cutoff_minute, *max_minutes;
    const char *pause_reasons;                           /* text[] literal */
    const char *legs, *steps, *documents, *fees, *cases; /* JSON texts */
    const char *resolving_level, *legal_basis;
    const char *leg_units; /* text[] literal of the unit codes named by legs */
    int close_previous;
};

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

static const char *
text_array(struct arena *a, json_t *strings)
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

static int
version_parse(struct arena *a, json_t *in, struct version_in *out, struct mc_err *e)
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
    if (only_keys(in, keys, "version", e) != 0 ||
        json_get_date(in, "effective_from", 1, &from, e) < 0 ||
        (has_to = json_get_date(in, "effective_to", 0, &to, e)) < 0 ||
        json_get_int(in, "duration_value", 0, 3650, 1, &value, e) < 0 ||
        json_get_str(in, "duration_unit", 8, 1, &unit, e) < 0 ||
        (has_cut = json_get_int(in, "cutoff_minute", 0, 1439, 0, &cutoff, e)) < 0 ||
        (has_max = json_get_int(in, "max_minutes", 1, MINUTES_MAX * 10LL, 0, &maxm, e)) < 0 ||
        json_get_str(in, "resolving_level", 16, 0, &level, e) < 0 ||
        json_get_str(in, "legal_basis", TEXT_MAX_CHARS, 0, &basis, e) < 0 ||
        json_get_bool(in, "close_previous", 0, &close_prev, e) < 0 ||
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
    if (level != NULL && !level_valid(level))
        return err_field(e, ERR_VALIDATION, "resolving_level",
                         "resolving_level is central, province, district or commune");
    if (level != NULL && strcmp(level, "district") == 0 &&
        (has_to != 1 || to > district_last_day()))
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
                fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons/%zu", i), "%s",
                        "pause reason is supplement, payment, consultation or vneid");
                goto out;
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(s, json_string_value(json_array_get(pr_in, j))) == 0) {
                    fail_at(e, ERR_VALIDATION, arena_printf(a, "pause_reasons/%zu", i),
                            "pause reason %s listed twice", s);
                    goto out;
                }
            json_array_append_new(pr, json_string(s));
        }
    }
    out->effective_from = date_text(a, from);
    out->effective_to = has_to == 1 ? date_text(a, to) : NULL;
    out->duration_value = arena_printf(a, "%lld", (long long)value);
    out->duration_unit = unit;
    out->cutoff_minute = has_cut == 1 ? arena_printf(a, "%lld", (long long)cutoff) : NULL;
    out->max_minutes = has_max == 1 ? arena_printf(a, "%lld", (long long)maxm) : NULL;
    out->pause_reasons = text_array(a, pr);
    out->legs = dump(a, legs);
    out->steps = dump(a, steps);
    out->documents = dump(a, docs);
    out->fees = dump(a, fees);
    out->cases = dump(a, cases);
    out->resolving_level = level;
    out->legal_basis = basis;
    out->leg_units = text_array(a, codes);
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

/* ---- procedures: reads ---------------------------------------------------------------- */

#define VERSION_COLS                                                                               \
    "v.version, v.effective_from::text AS effective_from, v.effective_to::text AS effective_to,"   \
    " v.duration_value, v.duration_unit, v.cutoff_minute, v.max_minutes,"                          \
    " to_json(v.pause_reasons)::text AS pause_reasons, v.legs::text AS legs,"                      \
    " v.steps::text AS steps, v.documents::text AS documents, v.fees::text AS fees,"               \
    " v.cases::text AS cases, v.resolving_level, v.legal_basis"

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

static json_t *
version_json(const PGresult *res, int row)
{
    json_t *o = json_object();
    static const char *const texts[] = {"effective_from", "effective_to", "duration_unit",
                                        "resolving_level", "legal_basis"};
    static const char *const ints[] = {"version", "duration_value", "cutoff_minute", "max_minutes"};
    static const char *const jsons[] = {"pause_reasons", "legs", "steps",
                                        "documents",     "fees", "cases"};

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        json_object_set_new(o, ints[i], col_int(res, row, ints[i]));
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        json_object_set_new(o, texts[i], col_str(res, row, texts[i]));
    for (size_t i = 0; i < sizeof(jsons) / sizeof(jsons[0]); i++)
        json_object_set_new(o, jsons[i], col_json(res, row, jsons[i]));
    return o;
}

static json_t *
procedure_head_json(const PGresult *res, int row)
{
    json_t *o = json_object();
    json_t *f = json_object();

    json_object_set_new(o, "code", col_str(res, row, "code"));
    json_object_set_new(o, "name", col_str(res, row, "name"));
    json_object_set_new(f, "code", col_str(res, row, "field_code"));
    json_object_set_new(f, "name", col_str(res, row, "field_name"));
    json_object_set_new(o, "field", f);
    json_object_set_new(o, "levels", col_json(res, row, "levels"));
    return o;
}

static json_t *
procedure_item_json(const PGresult *res, int row)
{
    json_t *o = procedure_head_json(res, row);

    json_object_set_new(o, "version",
                        col(res, row, "version") != NULL ? version_json(res, row) : json_null());
    return o;
}

static void
on_procedures_list(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    reply_code_page(rc, r->res[0], procedure_item_json);
}

static void
api_procedures_list(struct reqctx *rc)
{
    struct mc_err e;
    struct list_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = arena_calloc(rc->arena, 6, sizeof(*v));
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    err_clear(&e);
    v[0] = qparam(rc, "field");
    v[1] = qparam(rc, "level");
    if (v[0] != NULL && !field_code_valid(v[0])) {
        err_field(&e, ERR_BAD_QUERY, "field", "malformed field code");
        goto fail;
    }
    if (v[1] != NULL && !level_valid(v[1])) {
        err_field(&e, ERR_BAD_QUERY, "level", "level is central, province, district or commune");
        goto fail;
    }
    if (fold_param(rc, &v[2], &e) != 0 || date_param(rc, "at", &v[3], &e) != 0 ||
        cursor_decode(rc, &v[4], &e) != 0 || parse_limit(rc, &s->limit, &e) != 0)
        goto fail;
    if (v[3] == NULL)
        v[3] = today_text(rc->arena);
    v[5] = arena_printf(rc->arena, "%d", s->limit + 1);
    rc->state = s;
    st->sql = PROCEDURES_LIST_SQL;
    st->nparams = 6;
    st->values = v;
    api_db(rc, st, 1, on_procedures_list);
    return;
fail:
    http_reply_error(rc, &e);
}

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

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    o = procedure_head_json(r->res[0], 0);
    vs = r->res[1];
    list = json_array();
    for (int i = 0; i < PQntuples(vs); i++) {
        json_t *v = version_json(vs, i);
        const char *in_force = col(vs, i, "in_force");

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
    const char **v = arena_calloc(rc->arena, 2, sizeof(*v));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    s->at = at;
    s->status = status;
    rc->state = s;
    v[0] = code;
    v[1] = at;
    st[0].sql = PROCEDURE_GET_SQL;
    st[0].nparams = 1;
    st[0].values = v;
    st[1].sql = PROCEDURE_VERSIONS_SQL;
    st[1].nparams = 2;
    st[1].values = v;
    api_db(rc, st, 2, on_procedure_get);
}

static void
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
    if (date_param(rc, "at", &at, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    procedure_read(rc, code, at != NULL ? at : today_text(rc->arena), 200);
}

/* ---- procedures: writes --------------------------------------------------------------- */

/*
 * The version statements shared by create and new-version. VERSION_INSERT_SQL: $1 procedure
 * code, $2..$15 the version (from, to, value, unit, cutoff, max, pause reasons, legs, steps,
 * documents, fees, cases, resolving level, legal basis), $16 the leg unit codes.
 * Statement 1 lists leg units that do not exist; the writes are guarded by its emptiness.
 */
static const char LEG_UNITS_MISSING_SQL[] =
    "SELECT ARRAY(SELECT c FROM unnest($1::text[]) c"
    "              WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = c))::text AS missing";
#define LEGS_OK(n)                                                                                 \
    " NOT EXISTS (SELECT 1 FROM unnest(" n "::text[]) c"                                           \
    "              WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = c))"
/* $1 procedure code, $2 new effective_from, $3 leg unit codes, $4 close_previous. */
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
    v[0] = code;
    v[1] = in->effective_from;
    v[2] = in->effective_to;
    v[3] = in->duration_value;
    v[4] = in->duration_unit;
    v[5] = in->cutoff_minute;
    v[6] = in->max_minutes;
    v[7] = in->pause_reasons;
    v[8] = in->legs;
    v[9] = in->steps;
    v[10] = in->documents;
    v[11] = in->fees;
    v[12] = in->cases;
    v[13] = in->resolving_level;
    v[14] = in->legal_basis;
    v[15] = in->leg_units;
}

/* Parameters of VERSION_CLOSE_PREVIOUS_SQL, in the arena. */
static const char **
close_params(struct arena *a, const char *code, const struct version_in *in)
{
    const char **v = arena_calloc(a, 4, sizeof(*v));

    v[0] = code;
    v[1] = in->effective_from;
    v[2] = in->leg_units;
    v[3] = in->close_previous ? "true" : "false";
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
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    missing = col(r->res[0], 0, "missing");
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

        if (!level_valid(s))
            return err_field(e, ERR_VALIDATION, "levels",
                             "a level is central, province, district or commune");
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, json_string_value(json_array_get(in, k))) == 0)
                return err_field(e, ERR_VALIDATION, "levels", "level %s listed twice", s);
    }
    copy = json_deep_copy(in);
    *out = text_array(a, copy);
    json_decref(copy);
    return 0;
}

static void
api_procedure_create(struct reqctx *rc)
{
    static const char *const keys[] = {"code", "name", "field", "levels", "version", NULL};
    struct mc_err e;
    const char *code = NULL, *name = NULL, *field = NULL, *levels = NULL;
    struct version_in vin;
    struct proc_write_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = arena_calloc(rc->arena, 16, sizeof(*v));
    const char **pv = arena_calloc(rc->arena, 5, sizeof(*pv));
    struct db_stmt *st = arena_calloc(rc->arena, 4, sizeof(*st));

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    if (only_keys(rc->json, keys, "", &e) != 0 ||
        json_get_str(rc->json, "code", 40, 1, &code, &e) < 0 ||
        json_get_str(rc->json, "name", NAME_MAX_CHARS, 1, &name, &e) < 0 ||
        json_get_str(rc->json, "field", 32, 1, &field, &e) < 0)
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
    if (version_parse(rc->arena, json_object_get(rc->json, "version"), &vin, &e) != 0)
        goto fail;
    vin.close_previous = 0;
    fill_version_params(v, code, &vin);
    pv[0] = code;
    pv[1] = name;
    pv[2] = field;
    pv[3] = levels;
    pv[4] = vin.leg_units;
    s->code = code;
    s->at = vin.effective_from;
    s->creating = 1;
    rc->state = s;
    st[0].sql = LEG_UNITS_MISSING_SQL;
    st[0].nparams = 1;
    st[0].values = &v[15];
    st[1].sql = PROCEDURE_INSERT_SQL;
    st[1].nparams = 5;
    st[1].values = pv;
    st[2].sql = VERSION_CLOSE_PREVIOUS_SQL;
    st[2].nparams = 4;
    st[2].values = close_params(rc->arena, code, &vin);
    st[3].sql = VERSION_INSERT_SQL;
    st[3].nparams = 16;
    st[3].values = v;
    api_db(rc, st, 4, on_version_written);
    return;
fail:
    http_reply_error(rc, &e);
}

static void
api_procedure_version_create(struct reqctx *rc)
{
    const char *code = rc_param(rc, "code");
    struct mc_err e;
    struct version_in vin;
    struct proc_write_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = arena_calloc(rc->arena, 16, sizeof(*v));
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));

    err_clear(&e);
    if (code == NULL || code_procedure_valid(code, strlen(code), &e) != 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no procedure with this code");
        return;
    }
    if (version_parse(rc->arena, rc->json, &vin, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    fill_version_params(v, code, &vin);
    s->code = code;
    s->at = vin.effective_from;
    s->creating = 0;
    rc->state = s;
    st[0].sql = LEG_UNITS_MISSING_SQL;
    st[0].nparams = 1;
    st[0].values = &v[15];
    st[1].sql = VERSION_CLOSE_PREVIOUS_SQL;
    st[1].nparams = 4;
    st[1].values = close_params(rc->arena, code, &vin);
    st[2].sql = VERSION_INSERT_SQL;
    st[2].nparams = 16;
    st[2].values = v;
    api_db(rc, st, 3, on_version_written);
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
    http_reply_json(rc, 200, page(items, NULL));
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
