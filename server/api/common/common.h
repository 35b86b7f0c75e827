/*
 * common.h - what every handler shares: running units of work on the worker's pool and
 * replying with their errors (api/common/db.c), paging of lists (api/common/page.c) and
 * the generic helpers of handlers (api/common/hx.c).
 */
#ifndef MOTCUA_API_COMMON_COMMON_H
#define MOTCUA_API_COMMON_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "core/err.h"
#include "db/db.h"
#include "http/router.h"

struct arena;
struct ddl_axis;
struct reqctx;
struct worker;

/* ---- units of work (api/common/db.c) ---- */

/*
 * Runs one unit of work on the worker's pool for a request: counts it in rc->db_inflight
 * (the reqctx stays alive meanwhile) and adds its time to rc->db_ns. done(rc, r) runs on
 * the loop once the unit is over, unless the client hung up (then the request is
 * abandoned and released) or the reply was already written. st and its values must stay
 * valid until then: keep them in rc->arena.
 *
 * For a non-GET request of an authenticated principal, the unit gets one hidden first
 * statement setting the transaction-local request context (motcua.account_id, .login,
 * .request_id, .client_addr) read by the administrative audit trigger
 * (sql/041_admin_audit.sql); done's results start at st[0] and failed_stmt indexes st.
 */
typedef void (*api_db_done)(struct reqctx *rc, struct db_result *r);
void api_db(struct reqctx *rc, const struct db_stmt *st, int n, api_db_done done);
/* The same for a write that may share its transaction and commit with other requests' writes
   waiting at the same time (db_exec_grouped: `order` is its lock-order key). Authenticated
   writes only (their context statement comes first); others run alone. */
void api_db_grouped(struct reqctx *rc, const struct db_stmt *st, int n, uint64_t order,
                    api_db_done done);

/*
 * The check of a principal taken from the authentication's cache (rc->guard while
 * rc->guard_state is RC_GUARD_ARMED; api/auth/session.c): api_db sends stmt as a hidden
 * statement 0 of the request's first unit of a read, and calls done with its result
 * before the handler sees the unit. done returns 0 when the principal is confirmed (the
 * handler's callback follows), -1 when it has taken the request over (refused, or
 * restarted under a fresh lookup): the handler's callback is then not called.
 */
struct api_guard {
    struct db_stmt stmt;
    int (*done)(struct reqctx *rc, const PGresult *res);
};

/* Shorthand for one statement. */
void api_db1(struct reqctx *rc, const char *sql, int nparams, const char *const *values,
             api_db_done done);

/* Replies with the error of a failed unit: 503 DB_UNAVAILABLE, or 500 DB_ERROR. */
void api_reply_db_error(struct reqctx *rc, const struct db_result *r);

/* ---- paging (api/common/page.c) ---- */

/*
 * ?limit= of a list (default 50, 1..500, API conventions). Returns 0, or -1 with e =
 * BAD_QUERY naming "limit".
 */
int api_query_limit(struct reqctx *rc, int *limit, struct mc_err *e);

/*
 * A query parameter holding a row id (a keyset cursor of a list in id order, or a bound
 * like ?after=): *out = NULL when absent or empty, else the parameter's text, 1..18
 * decimal digits (fits a bigint). -1 with e = BAD_QUERY naming the parameter otherwise.
 */
int api_query_id(struct reqctx *rc, const char *name, const char **out, struct mc_err *e);
/* The path parameter `name` when it is an id (1-18 digits, not 0: always a bigint), else
   NULL (the caller answers 404 as for an unknown id; issue 17: never a database error). */
const char *api_path_id(struct reqctx *rc, const char *name);

/*
 * Cursors of lists ordered by a text key (codes): the key of the last row shown, hex
 * encoded so that clients treat it as opaque. api_cursor_encode() returns the cursor in
 * the arena; api_query_cursor() reads ?cursor= back into the key (in rc->arena), NULL when
 * absent or empty; -1 with e = BAD_QUERY naming "cursor" when it is not one we wrote.
 */
const char *api_cursor_encode(struct arena *a, const char *key);
int api_query_cursor(struct reqctx *rc, const char **out, struct mc_err *e);

/* The body of a list: {"items": items, "next_cursor": next or null}. Takes items. */
json_t *api_page(json_t *items, const char *next);

/* ---- generic helpers (api/common/hx.c) ---- */

/*
 * The axis of the calendar currently in w->app->cal, built on first use per worker and
 * rebuilt when the calendar pointer changes (kept in w->ext[EXT_DOSSIER]). NULL with e
 * filled when no calendar is loaded.
 */
const struct ddl_axis *hx_axis(struct worker *w, struct mc_err *e);

/* Runs a unit for a request: api_db() above. */
typedef void (*hx_db_cb)(struct reqctx *rc, struct db_result *r);
void hx_db(struct reqctx *rc, const struct db_stmt *stmts, int n, hx_db_cb cb);
void hx_db_grouped(struct reqctx *rc, const struct db_stmt *stmts, int n, uint64_t order,
                   hx_db_cb cb);

/* RFC 3339 text of an instant in the arena ("2026-02-25T10:00:00+07:00"). */
const char *hx_ts(struct reqctx *rc, int64_t t);
/* JSON string of an instant, or JSON null for t == 0 / absent. */
json_t *hx_ts_json(int64_t t);
/* Instant of a column holding extract(epoch ...)::bigint; 0 for NULL. */
int64_t hx_col_ts(const PGresult *res, int row, const char *col);
/* Column as a string, NULL for SQL NULL. */
const char *hx_col(const PGresult *res, int row, const char *col);
/* JSON of a column holding JSON text; JSON null for SQL NULL or bad text. */
json_t *hx_col_json(const PGresult *res, int row, const char *col);
/* 1 when boolean column col of row 0 is true (NULL counts as false). */
int hx_col_true(const PGresult *res, const char *col);

/* Scope root for SQL ($n::bigint, NULL = everything for an administrator), in the arena. */
const char *hx_scope_param(struct reqctx *rc);

/* Role bits a caller may act with: integration clients replay staff acts (§11). */
unsigned hx_roles(const struct reqctx *rc);
/* Decimal text of v in the arena (a bigint parameter). */
const char *hx_i64(struct reqctx *rc, int64_t v);
/* Instant parameter in the arena, NULL for 0. */
const char *hx_tsp(struct reqctx *rc, int64_t t);
/* Compact JSON text in the arena. */
const char *hx_json_text(struct reqctx *rc, json_t *j);
/* 0 when every member of obj is one of keys (NULL-terminated); else -1 with e =
   VALIDATION_FAILED naming the member ("where.member" under a parent, where = "" at the top). */
int hx_only_keys(json_t *obj, const char *const *keys, const char *where, struct mc_err *e);
/* Lower-case hex SHA-256 of s into hex (65 bytes with the NUL). */
void hx_sha256_hex(const char *s, char *hex);

/* ---- named parameters and columns (api/common/hx.c) ---- */

/*
 * Statement parameters are bound by name. Beside each SQL text stands one enum of its
 * parameters in $n order, the first being $1, and a last member counting them:
 *
 *     enum { SEEN_CLAIM_SIG, SEEN_CLAIM_ACCOUNT, SEEN_CLAIM_NOW, SEEN_CLAIM__N };
 *     static const char SQL_SEEN_CLAIM[] = "... $1 ... $2 ... to_timestamp($3::bigint)";
 *
 *     const char **p = hx_params(rc, SEEN_CLAIM__N);
 *     p[SEEN_CLAIM_SIG] = sig; ...
 *     st[0] = (struct db_stmt){SQL_SEEN_CLAIM, SEEN_CLAIM__N, p};
 *
 * A member not set stays SQL NULL. Two statements of one unit sharing a parameter list
 * share its enum. PostgreSQL refuses a unit whose count and $n disagree, and the enum
 * makes the order a matter of names.
 */
const char **hx_params(struct reqctx *rc, int n);

/*
 * Result columns are read by name. A column table names the columns of a result once,
 * and hx_cols() resolves them to indexes for the whole result (-1 for a column absent):
 *
 *     enum { LC_CODE, LC_STATE, LC__N };
 *     static const char *const LC_NAMES[LC__N] = {[LC_CODE] = "code", [LC_STATE] = "state"};
 *     int c[LC__N]; hx_cols(res, LC_NAMES, LC__N, c);  ... db_val(res, i, c[LC_CODE])
 */
void hx_cols(const PGresult *res, const char *const *names, int n, int *idx);

/*
 * JSON rows built from a column table where the shape repeats: each entry names the JSON
 * key, the result column (NULL = the same as the key) and how the text becomes JSON. A SQL
 * NULL is JSON null, whatever the kind.
 */
enum hx_kind {
    HX_TEXT,  /* JSON string */
    HX_INT,   /* JSON integer (bigint text) */
    HX_NUM,   /* JSON real (numeric text) */
    HX_BOOL,  /* JSON true/false (PostgreSQL's t/f) */
    HX_TS,    /* RFC 3339 string of a column holding extract(epoch ...)::bigint */
    HX_JSON,  /* JSON text (jsonb, array_to_json ...) embedded as it is */
};
struct hx_jcol {
    const char *key;
    const char *col;
    enum hx_kind kind;
};
/* Sets the table's keys of row into o (an object); returns o. */
json_t *hx_row_set(json_t *o, const PGresult *res, int row, const struct hx_jcol *cols, int n);
/* One object per row of res (columns resolved once), as a new array. Tables hold at most
 * 64 entries. */
json_t *hx_rows_json(const PGresult *res, const struct hx_jcol *cols, int n);

/* j, released with the request's arena (JSON the domain structs point into). */
json_t *hx_keep_json(struct reqctx *rc, json_t *j);

/*
 * A request-owned copy of a result: the pool frees r->res after the callback returns, but
 * the next unit's parameters point into it and db_exec() needs them until that unit's
 * callback (db.h) - the unit may wait in the pool queue when every connection's pipeline
 * is full. Freed with the request's arena.
 */
const PGresult *hx_keep_result(struct reqctx *rc, const PGresult *res);

/* The single row a read unit must find: its first result kept for the request
   (hx_keep_result), or NULL after replying - the unit's error, or `code` (with `detail`,
   may be NULL) when it has no row. */
const PGresult *hx_one_row(struct reqctx *rc, const struct db_result *r, enum err_code code,
                           const char *detail);

/* Per-worker clean-up (the cached working-time axis); from api_worker_free() (api/routes.c). */
void hx_worker_free(struct worker *w);

#endif
