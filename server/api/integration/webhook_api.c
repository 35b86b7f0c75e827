/*
 * webhook_api.c - the webhook subscriptions API (administrator): create, list, update,
 * enable/disable, secret rotation, the deliveries of a subscription, replay and skip of dead
 * letters. What it writes, the delivery worker (webhook.c) sends; docs/integration.md §4.
 */
#include "api/integration/integ.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/rand.h>

#include "api/common/common.h"
#include "api/integration/webhook_int.h"
#include "app.h"
#include "core/arena.h"
#include "core/bell.h"
#include "core/hmac.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- subscriptions API */

/*
 * One clock: every instant written or compared here is the request's now (rc->now, Unix
 * seconds, its own parameter, "to_timestamp($n::bigint)"), never PostgreSQL's now(), as the
 * relay (webhook.c) reads clock_now(): a delivery put back to pending is due on the clock
 * the relay claims with, a secret's overlap ends on the clock the relay signs with.
 */
#define WH_NOW(n) "to_timestamp($" #n "::bigint)"

/* The request's now as an SQL parameter (Unix seconds), in the arena. */
static const char *
now_param(struct reqctx *rc)
{
    return arena_printf(rc->arena, "%lld", (long long)rc->now);
}

/* Statements of one parameter, the row of the path: $1, the first of the unit's list. */
enum { BY_ID, BY_ID__N };

enum { CREATE_URL, CREATE_SECRET, CREATE_TYPES, CREATE_UNITS, CREATE_DESC, CREATE_BY,
       CREATE_FORMAT, CREATE_NOW, CREATE__N }; /* types, units: JSON arrays of strings */
static const char SQL_SUB_CREATE[] =
    "INSERT INTO webhook_subscription (url, secret, event_types, unit_ids, description,"
    " created_by, format, created_at)"
    " SELECT $1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)),"
    " ARRAY(SELECT id FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb))),"
    " $5, $6::bigint, $7, " WH_NOW(8)
    " WHERE (SELECT count(*) FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb)))"
    " = jsonb_array_length($4::jsonb)"
    " RETURNING id, created_at";

/* The columns of SUB_ROW; now: the parameter holding the request's now. */
#define WH_SUB_COLUMNS(now)                                                                \
    "SELECT s.id, s.url, to_jsonb(s.event_types)::text AS event_types, s.active,"          \
    " s.description, extract(epoch FROM s.created_at)::bigint AS created_at,"              \
    " extract(epoch FROM s.disabled_at)::bigint AS disabled_at,"                           \
    " (SELECT coalesce(jsonb_agg(u.code ORDER BY u.code), '[]') FROM unit u"               \
    "  WHERE u.id = ANY(s.unit_ids))::text AS units,"                                       \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'pending') AS pending,"                                               \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'dead') AS dead,"                                                     \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'pending' AND EXISTS (" WH_DEAD_BEFORE("d") ")) AS blocked,"           \
    " CASE WHEN s.previous_secret_until > " now                                            \
    "  THEN extract(epoch FROM s.previous_secret_until)::bigint END"                        \
    "  AS previous_secret_expires_at,"                                                     \
    " extract(epoch FROM s.updated_at)::bigint AS updated_at, s.format"                    \
    " FROM webhook_subscription s"

enum { LIST_CURSOR, LIST_LIMIT, LIST_NOW, LIST__N };
static const char SQL_SUB_LIST[] =
    WH_SUB_COLUMNS(WH_NOW(3)) " WHERE ($1::bigint IS NULL OR s.id < $1::bigint)"
    " ORDER BY s.id DESC LIMIT $2::int";
/* The subscription of the path and the request's now: SQL_SUB_ONE, and the changes before
 * it in sub_change()'s unit, which share the list. */
enum { SUB_ID, SUB_NOW, SUB__N };
static const char SQL_SUB_ONE[] = WH_SUB_COLUMNS(WH_NOW(2)) " WHERE s.id = $1::bigint";

/* A subscription as listed. */
static const struct hx_jcol SUB_ROW[] = {
    {"id", NULL, HX_INT},
    {"url", NULL, HX_TEXT},
    {"format", NULL, HX_TEXT},
    {"event_types", NULL, HX_JSON},
    {"units", NULL, HX_JSON},
    {"active", NULL, HX_BOOL},
    {"description", NULL, HX_TEXT},
    {"created_at", NULL, HX_TS},
    {"disabled_at", NULL, HX_TS},
    {"pending", NULL, HX_INT},
    {"dead", NULL, HX_INT},
    {"blocked", NULL, HX_INT},
    /* While a rotation's overlap lasts: when the former secret stops signing. */
    {"previous_secret_expires_at", NULL, HX_TS},
    {"updated_at", NULL, HX_TS},
};
#define SUB_ROW_N ((int)(sizeof(SUB_ROW) / sizeof(SUB_ROW[0])))

static json_t *
sub_row_json(const PGresult *res, int i)
{
    return hx_row_set(json_object(), res, i, SUB_ROW, SUB_ROW_N);
}

/* A bigint column of row i (0 for SQL NULL). */
static json_int_t
col_int(const PGresult *res, int i, const char *col)
{
    const char *s = hx_col(res, i, col);

    return s != NULL ? (json_int_t)strtoll(s, NULL, 10) : 0;
}

/* An instant column (extract(epoch ...)::bigint) of row i as JSON: null for SQL NULL. */
static json_t *
col_ts_json(const PGresult *res, int i, const char *col)
{
    return hx_ts_json(hx_col_ts(res, i, col));
}

struct sub_create {
    const char *p[CREATE__N];
    json_t *resp;
};

static void
on_sub_created(struct reqctx *rc, struct db_result *r)
{
    struct sub_create *x = rc->state;
    json_t *resp = x->resp;

    x->resp = NULL;
    if (r->err.code != ERR_OK) {
        json_decref(resp);
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        json_decref(resp);
        http_reply_err(rc, ERR_UNKNOWN_REF, "a unit code in \"units\" does not exist");
        return;
    }
    json_object_set_new(resp, "id", json_integer(col_int(r->res[0], 0, "id")));
    json_object_set_new(resp, "active", json_true());
    http_reply_json(rc, 201, resp);
}

static void
sub_create_free(void *p)
{
    struct sub_create *x = p;

    json_decref(x->resp);
}

/* A string array member of at most max entries of at most len bytes each (absent = []). */
static int
str_array(json_t *obj, const char *name, size_t max, size_t len, json_t **out, struct mc_err *e)
{
    json_t *a = json_object_get(obj, name), *v;
    size_t i;

    if (a == NULL || json_is_null(a)) {
        *out = json_array();
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) > max)
        return err_field(e, ERR_VALIDATION, name, "an array of at most %zu strings", max);
    json_array_foreach(a, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > len)
            return err_field(e, ERR_VALIDATION, name, "entry %zu: a string of 1-%zu bytes", i,
                             len);
    }
    *out = json_incref(a);
    return 0;
}

/* 0 when url is an http(s) URL with a host; -1 with e naming "url". */
static int
check_url(const char *url, struct mc_err *e)
{
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *scheme = u != NULL ? evhttp_uri_get_scheme(u) : NULL;
    int good = scheme != NULL && evhttp_uri_get_host(u) != NULL &&
               (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);

    if (u != NULL)
        evhttp_uri_free(u);
    return good ? 0 : err_field(e, ERR_VALIDATION, "url", "an http(s) URL");
}

/*
 * The "secret" member of the body (Standard Webhooks: "whsec_" + base64 of 24-64 bytes), or a
 * new random one when absent; in rc->arena. -1 with e when the member is malformed.
 */
static int
take_secret(struct reqctx *rc, const char **out, struct mc_err *e)
{
    const char *secret = NULL;

    if (jin_get_str(rc->json, "secret", 200, 0, &secret, e) < 0)
        return -1;
    if (secret != NULL) {
        unsigned char key[128];
        long n = strncmp(secret, "whsec_", 6) == 0
                     ? hmac_b64_decode(secret + 6, strlen(secret) - 6, key, sizeof(key))
                     : -1;

        if (n < 24 || n > 64)
            return err_field(e, ERR_VALIDATION, "secret", "whsec_ + base64 of 24-64 bytes");
    } else {
        unsigned char raw[32];
        char *b64 = arena_alloc(rc->arena, 64);

        if (RAND_bytes(raw, sizeof(raw)) != 1)
            return err_set(e, ERR_INTERNAL, "no randomness");
        hmac_b64_encode(raw, sizeof(raw), b64);
        secret = arena_printf(rc->arena, "whsec_%s", b64);
    }
    *out = secret;
    return 0;
}

/*
 * The "format" member: "cloudevents" (CloudEvents 1.0; when absent and `defaulted`) or
 * "dvcqg" (the portal's CapNhatTienDoHoSoMC row, sql/090). NULL when absent and not
 * defaulted; -1 with e naming "format" for any other value.
 */
static int
take_format(struct reqctx *rc, int defaulted, const char **out, struct mc_err *e)
{
    const char *f = NULL;

    if (jin_get_str(rc->json, "format", 16, 0, &f, e) < 0)
        return -1;
    if (f != NULL && strcmp(f, "cloudevents") != 0 && strcmp(f, "dvcqg") != 0)
        return err_field(e, ERR_VALIDATION, "format", "cloudevents or dvcqg");
    *out = f != NULL ? f : (defaulted ? "cloudevents" : NULL);
    return 0;
}

/* A JSON value as compact text in rc->arena. */
static const char *
json_text(struct reqctx *rc, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *t = arena_strdup(rc->arena, s);

    free(s);
    return t;
}

/* POST /api/v1/webhooks {url, secret?, event_types?, units?, description?, format?} */
void
api_webhook_create(struct reqctx *rc)
{
    struct sub_create *x = arena_alloc(rc->arena, sizeof(*x));
    const char *url = NULL, *secret = NULL, *desc = NULL;
    json_t *types = NULL, *units = NULL;
    struct mc_err e;

    arena_defer(rc->arena, sub_create_free, x);
    x->resp = NULL;
    if (jin_get_str(rc->json, "url", 2000, 1, &url, &e) < 0 ||
        jin_get_str(rc->json, "description", 300, 0, &desc, &e) < 0 ||
        check_url(url, &e) != 0 || take_format(rc, 1, &x->p[CREATE_FORMAT], &e) != 0 ||
        take_secret(rc, &secret, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (str_array(rc->json, "event_types", 32, 64, &types, &e) != 0 ||
        str_array(rc->json, "units", 64, 13, &units, &e) != 0) {
        json_decref(types);
        http_reply_error(rc, &e);
        return;
    }
    x->p[CREATE_URL] = url;
    x->p[CREATE_SECRET] = secret;
    x->p[CREATE_TYPES] = json_text(rc, types);
    x->p[CREATE_UNITS] = json_text(rc, units);
    x->p[CREATE_DESC] = desc != NULL ? desc : "";
    x->p[CREATE_BY] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    x->p[CREATE_NOW] = now_param(rc);
    /* The secret is returned once, here; lists never show it. */
    x->resp = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "url", url, "format", x->p[CREATE_FORMAT],
                        "secret", secret, "event_types", types, "units", units, "description",
                        x->p[CREATE_DESC]);
    rc->state = x;
    api_db1(rc, SQL_SUB_CREATE, CREATE__N, x->p, on_sub_created);
}

static void
on_sub_list(struct reqctx *rc, struct db_result *r)
{
    int limit = *(int *)rc->state;
    int n;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    n = PQntuples(r->res[0]);
    http_reply_json(rc, 200, api_page(hx_rows_json(r->res[0], SUB_ROW, SUB_ROW_N),
                                      n == limit ? hx_col(r->res[0], n - 1, "id") : NULL));
}

/* GET /api/v1/webhooks */
void
api_webhook_list(struct reqctx *rc)
{
    int *limit = arena_alloc(rc->arena, sizeof(*limit));
    const char **p = hx_params(rc, LIST__N);
    struct mc_err e;

    if (api_query_limit(rc, limit, &e) != 0 ||
        api_query_id(rc, "cursor", &p[LIST_CURSOR], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[LIST_LIMIT] = arena_printf(rc->arena, "%d", *limit);
    p[LIST_NOW] = now_param(rc);
    rc->state = limit;
    api_db1(rc, SQL_SUB_LIST, LIST__N, p, on_sub_list);
}

/* 0 when the unit ran and its first statement found the one row of a `what` addressed by
 * the request; -1 after replying with the unit's error or 404 NOT_FOUND. */
static int
found(struct reqctx *rc, const struct db_result *r, const char *what)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return -1;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such %s", what);
        return -1;
    }
    return 0;
}

static const char *
id_param(struct reqctx *rc)
{
    return api_path_id(rc, "id");
}

/* Parameters BY_ID (the unit's list, whose id member is first too). */
static const char SQL_SUB_EXISTS[] =
    "SELECT 1 FROM webhook_subscription WHERE id = $1::bigint FOR UPDATE";
/*
 * After a change that gives the delivery thread work (deliveries back to pending, a
 * subscription enabled), the handler's callback rings this process's relay once the unit
 * committed (core/bell.h), instead of a NOTIFY in the unit (issue 14, item 1). Other
 * processes' relays find the work by their 1 s cycle.
 */

/* The subscription as listed, from the unit's last statement (SQL_SUB_ONE): 200. */
static void
on_sub_changed(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "subscription") != 0)
        return;
    http_reply_json(rc, 200, sub_row_json(r->res[r->nres - 1], 0));
}

/* Enabled: its waiting deliveries may go out now. */
static void
on_sub_enabled(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code == ERR_OK)
        bell_ring_joined();
    on_sub_changed(rc, r);
}

/* A unit of sql (the change, RETURNING the row: none = 404; its parameters the first
   nparams of SUB_: SUB__N, or BY_ID__N), then SQL_SUB_ONE. */
static void
sub_change(struct reqctx *rc, const char *sql, int nparams, int doorbell)
{
    const char **p = hx_params(rc, SUB__N);
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    int n = 0;

    p[SUB_ID] = id_param(rc);
    if (p[SUB_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    p[SUB_NOW] = now_param(rc);
    st[n++] = (struct db_stmt){sql, nparams, p};
    st[n++] = (struct db_stmt){SQL_SUB_ONE, SUB__N, p};
    api_db(rc, st, n, doorbell ? on_sub_enabled : on_sub_changed);
}

/* Disabled: no new deliveries are fanned out to it and its pending ones wait (not sent).
   Parameters SUB_ (enable: BY_ID). */
static const char SQL_SUB_DISABLE[] =
    "UPDATE webhook_subscription SET active = false,"
    " disabled_at = coalesce(disabled_at, " WH_NOW(2) ") WHERE id = $1::bigint RETURNING id";
static const char SQL_SUB_ENABLE[] =
    "UPDATE webhook_subscription SET active = true, disabled_at = NULL"
    " WHERE id = $1::bigint RETURNING id";

/* POST /api/v1/webhooks/{id}/disable */
void
api_webhook_disable(struct reqctx *rc)
{
    sub_change(rc, SQL_SUB_DISABLE, SUB__N, 0);
}

/* POST /api/v1/webhooks/{id}/enable: its waiting deliveries go on, in order. */
void
api_webhook_enable(struct reqctx *rc)
{
    sub_change(rc, SQL_SUB_ENABLE, BY_ID__N, 1);
}

/* NULL keeps the member (types, units: JSON arrays of strings). No row when a unit code
 * does not exist. */
enum { UPD_ID, UPD_URL, UPD_TYPES, UPD_UNITS, UPD_DESC, UPD_FORMAT, UPD_NOW, UPD__N };
static const char SQL_SUB_UPDATE[] =
    "UPDATE webhook_subscription s SET url = coalesce($2, s.url),"
    " event_types = CASE WHEN $3::jsonb IS NULL THEN s.event_types"
    "  ELSE ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) END,"
    " unit_ids = CASE WHEN $4::jsonb IS NULL THEN s.unit_ids"
    "  ELSE ARRAY(SELECT id FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb)))"
    "  END,"
    " description = coalesce($5, s.description), format = coalesce($6, s.format),"
    " updated_at = " WH_NOW(7)
    " WHERE s.id = $1::bigint AND ($4::jsonb IS NULL"
    "  OR (SELECT count(*) FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb)))"
    "  = jsonb_array_length($4::jsonb))"
    " RETURNING s.id";

static void
on_sub_updated(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "subscription") != 0)
        return;
    if (PQntuples(r->res[1]) != 1) {
        http_reply_err(rc, ERR_UNKNOWN_REF, "a unit code in \"units\" does not exist");
        return;
    }
    http_reply_json(rc, 200, sub_row_json(r->res[2], 0));
}

/* An optional string array member as JSON text (NULL: absent or null, kept as it is). */
static int
opt_array(struct reqctx *rc, const char *name, size_t max, size_t len, const char **out,
          struct mc_err *e)
{
    json_t *v = json_object_get(rc->json, name), *a = NULL;

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (str_array(rc->json, name, max, len, &a, e) != 0)
        return -1;
    *out = json_text(rc, a);
    json_decref(a);
    return 0;
}

/*
 * POST /api/v1/webhooks/{id}/update {url?, event_types?, units?, description?, format?}:
 * the members given replace the subscription's. Filters and the format apply to the events
 * relayed from then on (a delivery keeps the body it was fanned out with); every delivery
 * not yet sent goes to the current URL.
 */
void
api_webhook_update(struct reqctx *rc)
{
    const char **p = hx_params(rc, UPD__N);
    const char **one = hx_params(rc, SUB__N);
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    struct mc_err e;

    p[UPD_ID] = id_param(rc);
    if (p[UPD_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    if (json_object_get(rc->json, "secret") != NULL) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "secret",
                                        "changed only through rotate-secret"),
                              &e));
        return;
    }
    if (jin_get_str(rc->json, "url", 2000, 0, &p[UPD_URL], &e) < 0 ||
        (p[UPD_URL] != NULL && check_url(p[UPD_URL], &e) != 0) ||
        opt_array(rc, "event_types", 32, 64, &p[UPD_TYPES], &e) != 0 ||
        opt_array(rc, "units", 64, 13, &p[UPD_UNITS], &e) != 0 ||
        jin_get_str(rc->json, "description", 300, 0, &p[UPD_DESC], &e) < 0 ||
        take_format(rc, 0, &p[UPD_FORMAT], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[UPD_NOW] = now_param(rc);
    one[SUB_ID] = p[UPD_ID];
    one[SUB_NOW] = p[UPD_NOW];
    st[0] = (struct db_stmt){SQL_SUB_EXISTS, BY_ID__N, p};
    st[1] = (struct db_stmt){SQL_SUB_UPDATE, UPD__N, p};
    st[2] = (struct db_stmt){SQL_SUB_ONE, SUB__N, one};
    api_db(rc, st, 3, on_sub_updated);
}

/* ROT_OVERLAP: seconds the current secret keeps signing beside the new one (0: none). */
enum { ROT_ID, ROT_SECRET, ROT_OVERLAP, ROT_NOW, ROT__N };
static const char SQL_SUB_ROTATE[] =
    "UPDATE webhook_subscription SET"
    " previous_secret = CASE WHEN $3::int > 0 THEN secret END,"
    " previous_secret_until = CASE WHEN $3::int > 0"
    "  THEN " WH_NOW(4) " + make_interval(secs => $3::int) END,"
    " secret = $2, secret_rotated_at = " WH_NOW(4) ", updated_at = " WH_NOW(4)
    " WHERE id = $1::bigint RETURNING id,"
    " extract(epoch FROM previous_secret_until)::bigint AS previous_secret_expires_at,"
    " extract(epoch FROM secret_rotated_at)::bigint AS rotated_at";

struct sub_rotate {
    const char *p[ROT__N];
    const char *secret;
};

static void
on_sub_rotated(struct reqctx *rc, struct db_result *r)
{
    struct sub_rotate *x = rc->state;
    json_t *o;

    if (found(rc, r, "subscription") != 0)
        return;
    /* The new secret is shown once, here. */
    o = json_pack("{s:I,s:s}", "id", col_int(r->res[0], 0, "id"), "secret", x->secret);
    json_object_set_new(o, "previous_secret_expires_at",
                        col_ts_json(r->res[0], 0, "previous_secret_expires_at"));
    json_object_set_new(o, "rotated_at", col_ts_json(r->res[0], 0, "rotated_at"));
    http_reply_json(rc, 200, o);
}

/*
 * POST /api/v1/webhooks/{id}/rotate-secret {secret?, overlap_seconds?}: a new secret (given,
 * or drawn). During the overlap (default WH_ROTATE_OVERLAP, 0 to 7 days) every message is
 * signed with both, as Standard Webhooks allows ("v1,<new> v1,<former>"), so the receiver
 * switches at its own pace. A second rotation within the overlap drops the oldest secret.
 */
void
api_webhook_rotate(struct reqctx *rc)
{
    struct sub_rotate *x = arena_calloc(rc->arena, 1, sizeof(*x));
    int64_t overlap = WH_ROTATE_OVERLAP;
    struct mc_err e;

    x->p[ROT_ID] = id_param(rc);
    if (x->p[ROT_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    if (take_secret(rc, &x->secret, &e) != 0 ||
        jin_get_int(rc->json, "overlap_seconds", 0, 7 * 86400, 0, &overlap, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->p[ROT_SECRET] = x->secret;
    x->p[ROT_OVERLAP] = arena_printf(rc->arena, "%lld", (long long)overlap);
    x->p[ROT_NOW] = now_param(rc);
    rc->state = x;
    api_db1(rc, SQL_SUB_ROTATE, ROT__N, x->p, on_sub_rotated);
}

/* DLV_STATE: a delivery state or 'blocked' (NULL: all); DLV_CURSOR: the last id shown. */
enum { DLV_SUB, DLV_STATE, DLV_CURSOR, DLV_LIMIT, DLV__N };
static const char SQL_DELIVERIES[] =
    "SELECT d.id, d.event_id, coalesce(e.aggregateid, dd.code) AS dossier_code,"
    " d.seq AS sequence, coalesce(e.type, 'alert.' || a.kind) AS type, d.state, d.attempts,"
    " extract(epoch FROM d.next_attempt_at)::bigint AS next_attempt_at, d.last_status,"
    " d.last_error, extract(epoch FROM d.delivered_at)::bigint AS delivered_at,"
    " extract(epoch FROM d.created_at)::bigint AS created_at, b.id AS blocked_by,"
    " extract(epoch FROM d.skipped_at)::bigint AS skipped_at"
    " FROM webhook_delivery d LEFT JOIN dossier dd ON dd.id = d.dossier_id" /* 0: calendar */
    " LEFT JOIN dossier_event e ON e.id = d.event_id AND d.alert_id IS NULL"
    " LEFT JOIN alert a ON a.id = d.alert_id"
    " LEFT JOIN LATERAL (" WH_DEAD_BEFORE("d") " AND d.state = 'pending'"
    "  ORDER BY p.seq LIMIT 1) b ON true"
    " WHERE d.subscription_id = $1::bigint AND ($2::text IS NULL"
    "  OR CASE WHEN $2 = 'blocked' THEN b.id IS NOT NULL ELSE d.state = $2 END)"
    " AND ($3::bigint IS NULL OR d.id < $3::bigint)"
    " ORDER BY d.id DESC LIMIT $4::int";
/* Parameters BY_ID. */
static const char SQL_SUB_FIND[] = "SELECT 1 FROM webhook_subscription WHERE id = $1::bigint";

/* A delivery as listed: these keys, then "blocked" (derived), then DELIVERY_TAIL. */
static const struct hx_jcol DELIVERY_HEAD[] = {
    {"id", NULL, HX_INT},
    {"event_id", NULL, HX_TEXT},
    {"dossier_code", NULL, HX_TEXT}, /* null: a calendar alert */
    {"sequence", NULL, HX_INT},
    {"type", NULL, HX_TEXT},
    {"state", NULL, HX_TEXT},
};
static const struct hx_jcol DELIVERY_TAIL[] = {
    {"blocked_by", NULL, HX_INT},
    {"attempts", NULL, HX_INT},
    {"next_attempt_at", NULL, HX_TS},
    {"last_status", NULL, HX_INT},
    {"last_error", NULL, HX_TEXT},
    {"delivered_at", NULL, HX_TS},
    {"skipped_at", NULL, HX_TS},
    {"created_at", NULL, HX_TS},
};

static json_t *
delivery_json(const PGresult *res, int i)
{
    json_t *o = hx_row_set(json_object(), res, i, DELIVERY_HEAD,
                           (int)(sizeof(DELIVERY_HEAD) / sizeof(DELIVERY_HEAD[0])));

    /* A pending delivery held back by a dead letter of its dossier (blocked_by: that one). */
    json_object_set_new(o, "blocked", json_boolean(hx_col(res, i, "blocked_by") != NULL));
    return hx_row_set(o, res, i, DELIVERY_TAIL,
                      (int)(sizeof(DELIVERY_TAIL) / sizeof(DELIVERY_TAIL[0])));
}

static void
on_deliveries(struct reqctx *rc, struct db_result *r)
{
    int limit = *(int *)rc->state;
    json_t *items;
    const PGresult *res;
    int n;

    if (found(rc, r, "subscription") != 0)
        return;
    res = r->res[1];
    n = PQntuples(res);
    items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, delivery_json(res, i));
    http_reply_json(rc, 200, api_page(items, n == limit ? hx_col(res, n - 1, "id") : NULL));
}

/* GET /api/v1/webhooks/{id}/deliveries?state=pending|blocked|delivered|dead|skipped
 * &limit=&cursor= (blocked: the pending ones held back by a dead letter) */
void
api_webhook_deliveries(struct reqctx *rc)
{
    static const char *const states[] = {"pending", "blocked", "delivered", "dead", "skipped"};
    int *limit = arena_alloc(rc->arena, sizeof(*limit));
    const char **p = hx_params(rc, DLV__N);
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char *state = rc_query(rc, "state");
    struct mc_err e;
    int known = state == NULL;

    p[DLV_SUB] = id_param(rc);
    if (p[DLV_SUB] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    for (size_t i = 0; !known && i < sizeof(states) / sizeof(states[0]); i++)
        known = strcmp(state, states[i]) == 0;
    if (!known) {
        http_reply_error(rc, (err_field(&e, ERR_BAD_QUERY, "state",
                                        "pending, blocked, delivered, dead or skipped"),
                              &e));
        return;
    }
    if (api_query_limit(rc, limit, &e) != 0 ||
        api_query_id(rc, "cursor", &p[DLV_CURSOR], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[DLV_STATE] = state;
    p[DLV_LIMIT] = arena_printf(rc->arena, "%d", *limit);
    st[0] = (struct db_stmt){SQL_SUB_FIND, BY_ID__N, p};
    st[1] = (struct db_stmt){SQL_DELIVERIES, DLV__N, p};
    rc->state = limit;
    api_db(rc, st, 2, on_deliveries);
}

/* REPLAY_NOW: due at once on the relay's clock. REPLAY_ID: the delivery (SQL_REPLAY) or the
   subscription (SQL_REPLAY_DEAD). */
enum { REPLAY_ID, REPLAY_NOW, REPLAY__N };
#define WH_BACK_TO_PENDING                                                                 \
    "UPDATE webhook_delivery SET state = 'pending', attempts = 0,"                          \
    " next_attempt_at = " WH_NOW(2) ","                                                     \
    " lease_until = NULL, last_error = NULL, skipped_at = NULL, skipped_by = NULL"
static const char SQL_REPLAY[] =
    WH_BACK_TO_PENDING " WHERE id = $1::bigint RETURNING id, subscription_id";

static void
on_replayed(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "delivery") != 0)
        return;
    bell_ring_joined();
    http_reply_json(rc, 202,
                    json_pack("{s:I,s:I,s:s}", "id", col_int(r->res[0], 0, "id"),
                              "subscription_id", col_int(r->res[0], 0, "subscription_id"),
                              "state", "pending"));
}

/* POST /api/v1/webhooks/deliveries/{id}/replay: back to pending, attempts reset. A dead
 * letter replayed goes out before the later deliveries of its dossier it was holding. */
void
api_webhook_replay(struct reqctx *rc)
{
    const char **p = hx_params(rc, REPLAY__N);
    struct db_stmt *st = arena_calloc(rc->arena, 1, sizeof(*st));

    p[REPLAY_ID] = id_param(rc);
    if (p[REPLAY_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such delivery");
        return;
    }
    p[REPLAY_NOW] = now_param(rc);
    st[0] = (struct db_stmt){SQL_REPLAY, REPLAY__N, p};
    api_db(rc, st, 1, on_replayed);
}

static const char SQL_REPLAY_DEAD[] =
    WH_BACK_TO_PENDING " WHERE subscription_id = $1::bigint AND state = 'dead' RETURNING id";

static void
on_replayed_dead(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "subscription") != 0)
        return;
    bell_ring_joined();
    http_reply_json(rc, 202, json_pack("{s:I,s:i}", "subscription_id",
                                       (json_int_t)strtoll(rc_param(rc, "id"), NULL, 10),
                                       "replayed", PQntuples(r->res[1])));
}

/* POST /api/v1/webhooks/{id}/replay-dead: every dead letter of the subscription, at once;
 * each goes out before the deliveries of its dossier it was holding. */
void
api_webhook_replay_dead(struct reqctx *rc)
{
    const char **p = hx_params(rc, REPLAY__N);
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));

    p[REPLAY_ID] = id_param(rc);
    if (p[REPLAY_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    p[REPLAY_NOW] = now_param(rc);
    st[0] = (struct db_stmt){SQL_SUB_EXISTS, BY_ID__N, p};
    st[1] = (struct db_stmt){SQL_REPLAY_DEAD, REPLAY__N, p};
    api_db(rc, st, 2, on_replayed_dead);
}

/* Parameters BY_ID. */
static const char SQL_DELIVERY_LOCK[] =
    "SELECT state FROM webhook_delivery WHERE id = $1::bigint FOR UPDATE";
/* SKIP_BY: the administrator's account. */
enum { SKIP_ID, SKIP_BY, SKIP_NOW, SKIP__N };
/* A statement of BY_ID parameters reads the first of a longer list: there it is the id. */
#define WH_ID_FIRST(x) ((int)(x) == (int)BY_ID)
_Static_assert(WH_ID_FIRST(SUB_ID) && WH_ID_FIRST(UPD_ID) && WH_ID_FIRST(DLV_SUB) &&
                   WH_ID_FIRST(REPLAY_ID) && WH_ID_FIRST(SKIP_ID),
               "the id is $1 of every list");
static const char SQL_SKIP[] =
    "UPDATE webhook_delivery SET state = 'skipped', skipped_at = " WH_NOW(3) ","
    " skipped_by = $2::bigint,"
    " lease_until = NULL WHERE id = $1::bigint AND state = 'dead'"
    " RETURNING id, subscription_id, extract(epoch FROM skipped_at)::bigint AS skipped_at";

static void
on_skipped(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    json_t *o;

    if (found(rc, r, "delivery") != 0)
        return;
    res = r->res[1];
    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_CONFLICT, "only a dead-lettered delivery can be skipped (it is %s)",
                       hx_col(r->res[0], 0, "state"));
        return;
    }
    bell_ring_joined(); /* the deliveries it held may go out now */
    o = json_pack("{s:I,s:I,s:s}", "id", col_int(res, 0, "id"), "subscription_id",
                  col_int(res, 0, "subscription_id"), "state", "skipped");
    json_object_set_new(o, "skipped_at", col_ts_json(res, 0, "skipped_at"));
    http_reply_json(rc, 200, o);
}

/*
 * POST /api/v1/webhooks/deliveries/{id}/skip: a dead letter is given up (state skipped, who
 * and when kept, audited): the later deliveries of its dossier it was holding go on. It can
 * still be replayed afterwards (it then arrives after them).
 */
void
api_webhook_skip(struct reqctx *rc)
{
    const char **p = hx_params(rc, SKIP__N);
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    p[SKIP_ID] = id_param(rc);
    if (p[SKIP_ID] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such delivery");
        return;
    }
    p[SKIP_BY] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    p[SKIP_NOW] = now_param(rc);
    st[0] = (struct db_stmt){SQL_DELIVERY_LOCK, BY_ID__N, p};
    st[1] = (struct db_stmt){SQL_SKIP, SKIP__N, p};
    api_db(rc, st, 2, on_skipped);
}

