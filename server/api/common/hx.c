/*
 * hx.c - generic helpers of the handlers (declared in api/common/common.h): the
 * working-time axis of the current calendar per worker, columns of results, instants as
 * text and JSON, request-owned copies of results and JSON, the caller's scope and roles.
 */
#include "api/common/common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/role.h"
#include "http/reqctx.h"

/* Per-worker cache of the axis of the calendar in force (building one costs ~40k rows). */
struct axis_cache {
    const struct wcal *cal;
    struct ddl_axis ax;
};

const struct ddl_axis *
hx_axis(struct worker *w, struct mc_err *e)
{
    const struct wcal *cal = atomic_load(&w->app->cal);
    struct axis_cache *c = w->ext[EXT_DOSSIER];

    if (cal == NULL) {
        err_set(e, ERR_INTERNAL, "no working calendar loaded");
        return NULL;
    }
    if (c != NULL && c->cal == cal)
        return &c->ax;
    if (c == NULL) {
        c = xcalloc(1, sizeof(*c));
        w->ext[EXT_DOSSIER] = c;
    } else {
        /* The old calendar may be freed only after every worker dropped it; the owner of
           app->cal (calendar module) defers that, we only drop our axis. */
        ddl_axis_free(&c->ax);
        c->cal = NULL;
    }
    if (ddl_axis_init(&c->ax, cal, e) != 0)
        return NULL;
    c->cal = cal;
    return &c->ax;
}

void
hx_db(struct reqctx *rc, const struct db_stmt *stmts, int n, hx_db_cb cb)
{
    api_db(rc, stmts, n, cb);
}

void
hx_db_grouped(struct reqctx *rc, const struct db_stmt *stmts, int n, uint64_t order,
              hx_db_cb cb)
{
    api_db_grouped(rc, stmts, n, order, cb);
}

const char *
hx_ts(struct reqctx *rc, int64_t t)
{
    char *buf = arena_alloc(rc->arena, 32);

    cal_format_instant(t, buf);
    return buf;
}

json_t *
hx_ts_json(int64_t t)
{
    char buf[32];

    if (t == 0)
        return json_null();
    cal_format_instant(t, buf);
    return json_string(buf);
}

int64_t
hx_col_ts(const PGresult *res, int row, const char *col)
{
    int c = db_col(res, col);

    if (c < 0 || db_isnull(res, row, c))
        return 0;
    return strtoll(db_val(res, row, c), NULL, 10);
}

const char *
hx_col(const PGresult *res, int row, const char *col)
{
    int c = db_col(res, col);

    if (c < 0 || db_isnull(res, row, c))
        return NULL;
    return db_val(res, row, c);
}

int
hx_col_true(const PGresult *res, const char *col)
{
    const char *s = hx_col(res, 0, col);

    return s != NULL && strcmp(s, "t") == 0;
}

json_t *
hx_col_json(const PGresult *res, int row, const char *col)
{
    const char *s = hx_col(res, row, col);
    json_t *j;

    if (s == NULL)
        return json_null();
    j = json_loads(s, JSON_DECODE_ANY, NULL);
    return j != NULL ? j : json_null();
}

const char *
hx_scope_param(struct reqctx *rc)
{
    if (rc->who.role == ROLE_ADMIN)
        return NULL;
    /* Every other account has a unit (040_security.sql CHECK); 0 matches nothing. */
    return arena_printf(rc->arena, "%lld", (long long)rc->who.unit_id);
}

void
hx_worker_free(struct worker *w)
{
    struct axis_cache *c = w->ext[EXT_DOSSIER];

    if (c == NULL)
        return;
    ddl_axis_free(&c->ax);
    free(c);
    w->ext[EXT_DOSSIER] = NULL;
}

/* Integration clients replay the acts of staff in their source system (domain.md §11:
 * "push dossiers and events"), so they may perform every transition; staff only theirs. */
unsigned
hx_roles(const struct reqctx *rc)
{
    return rc->who.role == ROLE_INTEGRATION ? ROLE_ALL : rc->who.role;
}

const char *
hx_i64(struct reqctx *rc, int64_t v)
{
    return arena_printf(rc->arena, "%lld", (long long)v);
}

/* Instant parameter: NULL for 0 (absent). */
const char *
hx_tsp(struct reqctx *rc, int64_t t)
{
    return t == 0 ? NULL : hx_ts(rc, t);
}

const char *
hx_json_text(struct reqctx *rc, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy;

    if (s == NULL)
        abort(); /* out of memory */
    copy = arena_strdup(rc->arena, s);
    free(s);
    return copy;
}

void
hx_sha256_hex(const char *s, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

static void
json_release(void *p)
{
    json_decref(p);
}

json_t *
hx_keep_json(struct reqctx *rc, json_t *j)
{
    arena_defer(rc->arena, json_release, j);
    return j;
}

static void
clear_result(void *p)
{
    PQclear(p);
}

const PGresult *
hx_keep_result(struct reqctx *rc, const PGresult *res)
{
    PGresult *c = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);

    if (c == NULL)
        abort(); /* out of memory: not an error path (style.md) */
    arena_defer(rc->arena, clear_result, c);
    return c;
}

/* ---- named parameters and columns ---- */

const char **
hx_params(struct reqctx *rc, int n)
{
    return arena_calloc(rc->arena, (size_t)(n > 0 ? n : 1), sizeof(const char *));
}

void
hx_cols(const PGresult *res, const char *const *names, int n, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = names[i] != NULL ? db_col(res, names[i]) : -1;
}

static json_t *
cell_json(const PGresult *res, int row, int c, enum hx_kind kind)
{
    const char *s;
    json_t *j;

    if (c < 0 || db_isnull(res, row, c))
        return json_null();
    s = db_val(res, row, c);
    switch (kind) {
    case HX_INT:
        return json_integer(strtoll(s, NULL, 10));
    case HX_NUM:
        return json_real(strtod(s, NULL));
    case HX_BOOL:
        return json_boolean(strcmp(s, "t") == 0);
    case HX_TS:
        return hx_ts_json(strtoll(s, NULL, 10));
    case HX_JSON:
        j = json_loads(s, JSON_DECODE_ANY, NULL);
        return j != NULL ? j : json_null();
    case HX_TEXT:
        break;
    }
    return json_string(s);
}

static void
row_fill(json_t *o, const PGresult *res, int row, const struct hx_jcol *cols, const int *idx,
         int n)
{
    for (int k = 0; k < n; k++)
        json_object_set_new(o, cols[k].key, cell_json(res, row, idx[k], cols[k].kind));
}

enum { HX_MAX_JCOLS = 64 };

static void
jcols_resolve(const PGresult *res, const struct hx_jcol *cols, int n, int *idx)
{
    for (int k = 0; k < n; k++)
        idx[k] = db_col(res, cols[k].col != NULL ? cols[k].col : cols[k].key);
}

json_t *
hx_row_set(json_t *o, const PGresult *res, int row, const struct hx_jcol *cols, int n)
{
    int idx[HX_MAX_JCOLS];

    if (n > HX_MAX_JCOLS)
        n = HX_MAX_JCOLS;
    jcols_resolve(res, cols, n, idx);
    row_fill(o, res, row, cols, idx, n);
    return o;
}

json_t *
hx_rows_json(const PGresult *res, const struct hx_jcol *cols, int n)
{
    int idx[HX_MAX_JCOLS];
    json_t *a = json_array();

    if (n > HX_MAX_JCOLS)
        n = HX_MAX_JCOLS;
    jcols_resolve(res, cols, n, idx);
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *o = json_object();

        row_fill(o, res, i, cols, idx, n);
        json_array_append_new(a, o);
    }
    return a;
}

int
hx_only_keys(json_t *obj, const char *const *keys, const char *where, struct mc_err *e)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v) {
        size_t i = 0;

        (void)v;
        while (keys[i] != NULL && strcmp(keys[i], k) != 0)
            i++;
        if (keys[i] == NULL) {
            char f[64];

            snprintf(f, sizeof f, "%s%s%.40s", where, where[0] ? "." : "", k);
            return err_field(e, ERR_VALIDATION, f, "unknown field");
        }
    }
    return 0;
}

const PGresult *
hx_one_row(struct reqctx *rc, const struct db_result *r, enum err_code code, const char *detail)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return NULL;
    }
    if (PQntuples(r->res[0]) != 1) {
        if (detail != NULL)
            http_reply_err(rc, code, "%s", detail);
        else
            http_reply_err(rc, code, NULL);
        return NULL;
    }
    return hx_keep_result(rc, r->res[0]);
}
