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
#include "core/hmac.h"
#include "domain/cal.h"
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

static const char SQL_SUB_CREATE[] =
    "INSERT INTO webhook_subscription (url, secret, event_types, unit_ids, description,"
    " created_by, format, created_at)"
    " SELECT $1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)),"
    " ARRAY(SELECT id FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb))),"
    " $5, $6::bigint, $7, " WH_NOW(8)
    " WHERE (SELECT count(*) FROM unit WHERE code IN (SELECT jsonb_array_elements_text($4::jsonb)))"
    " = jsonb_array_length($4::jsonb)"
    " RETURNING id, created_at";

/* Columns 0-13 as read by sub_row_json(); now: the parameter holding the request's now. */
#define WH_SUB_COLUMNS(now)                                                                \
    "SELECT s.id, s.url, to_jsonb(s.event_types)::text, s.active, s.description,"          \
    " extract(epoch FROM s.created_at)::bigint, extract(epoch FROM s.disabled_at)::bigint,"  \
    " (SELECT coalesce(jsonb_agg(u.code ORDER BY u.code), '[]') FROM unit u"               \
    "  WHERE u.id = ANY(s.unit_ids))::text,"                                                \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'pending'),"                                                          \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'dead'),"                                                             \
    " (SELECT count(*) FROM webhook_delivery d WHERE d.subscription_id = s.id"             \
    "  AND d.state = 'pending' AND EXISTS (" WH_DEAD_BEFORE("d") ")),"                      \
    " CASE WHEN s.previous_secret_until > " now                                            \
    "  THEN extract(epoch FROM s.previous_secret_until)::bigint END,"                       \
    " extract(epoch FROM s.updated_at)::bigint, s.format"                                  \
    " FROM webhook_subscription s"

static const char SQL_SUB_LIST[] =
    WH_SUB_COLUMNS(WH_NOW(3)) " WHERE ($1::bigint IS NULL OR s.id < $1::bigint)"
    " ORDER BY s.id DESC LIMIT $2::int";
/* $1 id, $2 now. */
static const char SQL_SUB_ONE[] = WH_SUB_COLUMNS(WH_NOW(2)) " WHERE s.id = $1::bigint";

static json_t *
ts_json(const char *epoch)
{
    char buf[32];

    if (epoch == NULL || epoch[0] == '\0')
        return json_null();
    cal_format_instant(strtoll(epoch, NULL, 10), buf);
    return json_string(buf);
}

static json_t *
sub_row_json(const PGresult *res, int i)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer(strtoll(db_val(res, i, 0), NULL, 10)));
    json_object_set_new(o, "url", json_string(db_val(res, i, 1)));
    json_object_set_new(o, "format", json_string(db_val(res, i, 13)));
    json_object_set_new(o, "event_types", json_loads(db_val(res, i, 2), 0, NULL));
    json_object_set_new(o, "units", json_loads(db_val(res, i, 7), 0, NULL));
    json_object_set_new(o, "active", json_boolean(db_val(res, i, 3)[0] == 't'));
    json_object_set_new(o, "description", json_string(db_val(res, i, 4)));
    json_object_set_new(o, "created_at", ts_json(db_val(res, i, 5)));
    json_object_set_new(o, "disabled_at", ts_json(db_val(res, i, 6)));
    json_object_set_new(o, "pending", json_integer(strtoll(db_val(res, i, 8), NULL, 10)));
    json_object_set_new(o, "dead", json_integer(strtoll(db_val(res, i, 9), NULL, 10)));
    json_object_set_new(o, "blocked", json_integer(strtoll(db_val(res, i, 10), NULL, 10)));
    /* While a rotation's overlap lasts: when the former secret stops signing. */
    json_object_set_new(o, "previous_secret_expires_at", ts_json(db_val(res, i, 11)));
    json_object_set_new(o, "updated_at", ts_json(db_val(res, i, 12)));
    return o;
}

struct sub_create {
    const char *p[8];
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
    json_object_set_new(resp, "id", json_integer(strtoll(db_val(r->res[0], 0, 0), NULL, 10)));
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
        check_url(url, &e) != 0 || take_format(rc, 1, &x->p[6], &e) != 0 ||
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
    x->p[0] = url;
    x->p[1] = secret;
    x->p[2] = json_text(rc, types);
    x->p[3] = json_text(rc, units);
    x->p[4] = desc != NULL ? desc : "";
    x->p[5] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    x->p[7] = now_param(rc);
    /* The secret is returned once, here; lists never show it. */
    x->resp = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "url", url, "format", x->p[6], "secret",
                        secret, "event_types", types, "units", units, "description", x->p[4]);
    rc->state = x;
    api_db1(rc, SQL_SUB_CREATE, 8, x->p, on_sub_created);
}

static void
on_sub_list(struct reqctx *rc, struct db_result *r)
{
    int limit = *(int *)rc->state;
    json_t *items = json_array();
    int n;

    if (r->err.code != ERR_OK) {
        json_decref(items);
        api_reply_db_error(rc, r);
        return;
    }
    n = PQntuples(r->res[0]);
    for (int i = 0; i < n; i++)
        json_array_append_new(items, sub_row_json(r->res[0], i));
    http_reply_json(rc, 200, api_page(items, n == limit ? db_val(r->res[0], n - 1, 0) : NULL));
}

/* GET /api/v1/webhooks */
void
api_webhook_list(struct reqctx *rc)
{
    int *limit = arena_alloc(rc->arena, sizeof(*limit));
    const char **p = arena_calloc(rc->arena, 3, sizeof(*p));
    struct mc_err e;

    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", &p[0], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[1] = arena_printf(rc->arena, "%d", *limit);
    p[2] = now_param(rc);
    rc->state = limit;
    api_db1(rc, SQL_SUB_LIST, 3, p, on_sub_list);
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
    const char *id = rc_param(rc, "id");
    char *end;

    if (id == NULL || strtoll(id, &end, 10) <= 0 || *end != '\0')
        return NULL;
    return id;
}

static const char SQL_SUB_EXISTS[] =
    "SELECT 1 FROM webhook_subscription WHERE id = $1::bigint FOR UPDATE";
/* Rings the delivery thread at commit (the same doorbell as a new event). */
static const char SQL_DOORBELL[] = "SELECT pg_notify('motcua_outbox', '')";

/* The subscription as listed, from the unit's last statement (SQL_SUB_ONE): 200. */
static void
on_sub_changed(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "subscription") != 0)
        return;
    http_reply_json(rc, 200, sub_row_json(r->res[r->nres - 1], 0));
}

/* A unit of sql (the change, RETURNING the row: none = 404; $1 id, $2 now when nparams is 2),
   then SQL_SUB_ONE. */
static void
sub_change(struct reqctx *rc, const char *sql, int nparams, int doorbell)
{
    const char **p = arena_calloc(rc->arena, 2, sizeof(*p));
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    int n = 0;

    p[0] = id_param(rc);
    if (p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    p[1] = now_param(rc);
    st[n++] = (struct db_stmt){sql, nparams, p};
    if (doorbell)
        st[n++] = (struct db_stmt){SQL_DOORBELL, 0, NULL};
    st[n++] = (struct db_stmt){SQL_SUB_ONE, 2, p};
    api_db(rc, st, n, on_sub_changed);
}

/* Disabled: no new deliveries are fanned out to it and its pending ones wait (not sent). */
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
    sub_change(rc, SQL_SUB_DISABLE, 2, 0);
}

/* POST /api/v1/webhooks/{id}/enable: its waiting deliveries go on, in order. */
void
api_webhook_enable(struct reqctx *rc)
{
    sub_change(rc, SQL_SUB_ENABLE, 1, 1);
}

/* $1 id, $2 url, $3 event types (JSON), $4 unit codes (JSON), $5 description, $6 format;
 * NULL keeps the member; $7 now. No row when a unit code does not exist. */
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
    const char **p = arena_calloc(rc->arena, 7, sizeof(*p));
    const char **one = arena_calloc(rc->arena, 2, sizeof(*one));
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    struct mc_err e;

    p[0] = id_param(rc);
    if (p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    if (json_object_get(rc->json, "secret") != NULL) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "secret",
                                        "changed only through rotate-secret"),
                              &e));
        return;
    }
    if (jin_get_str(rc->json, "url", 2000, 0, &p[1], &e) < 0 ||
        (p[1] != NULL && check_url(p[1], &e) != 0) ||
        opt_array(rc, "event_types", 32, 64, &p[2], &e) != 0 ||
        opt_array(rc, "units", 64, 13, &p[3], &e) != 0 ||
        jin_get_str(rc->json, "description", 300, 0, &p[4], &e) < 0 ||
        take_format(rc, 0, &p[5], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[6] = now_param(rc);
    one[0] = p[0];
    one[1] = p[6];
    st[0] = (struct db_stmt){SQL_SUB_EXISTS, 1, p};
    st[1] = (struct db_stmt){SQL_SUB_UPDATE, 7, p};
    st[2] = (struct db_stmt){SQL_SUB_ONE, 2, one};
    api_db(rc, st, 3, on_sub_updated);
}

/* $1 id, $2 the new secret, $3 seconds the current one keeps signing beside it (0: none),
 * $4 now. */
static const char SQL_SUB_ROTATE[] =
    "UPDATE webhook_subscription SET"
    " previous_secret = CASE WHEN $3::int > 0 THEN secret END,"
    " previous_secret_until = CASE WHEN $3::int > 0"
    "  THEN " WH_NOW(4) " + make_interval(secs => $3::int) END,"
    " secret = $2, secret_rotated_at = " WH_NOW(4) ", updated_at = " WH_NOW(4)
    " WHERE id = $1::bigint RETURNING id,"
    " extract(epoch FROM previous_secret_until)::bigint,"
    " extract(epoch FROM secret_rotated_at)::bigint";

struct sub_rotate {
    const char *p[4];
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
    o = json_pack("{s:I,s:s}", "id", (json_int_t)strtoll(db_val(r->res[0], 0, 0), NULL, 10),
                  "secret", x->secret);
    json_object_set_new(o, "previous_secret_expires_at", ts_json(db_val(r->res[0], 0, 1)));
    json_object_set_new(o, "rotated_at", ts_json(db_val(r->res[0], 0, 2)));
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

    x->p[0] = id_param(rc);
    if (x->p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    if (take_secret(rc, &x->secret, &e) != 0 ||
        jin_get_int(rc->json, "overlap_seconds", 0, 7 * 86400, 0, &overlap, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->p[1] = x->secret;
    x->p[2] = arena_printf(rc->arena, "%lld", (long long)overlap);
    x->p[3] = now_param(rc);
    rc->state = x;
    api_db1(rc, SQL_SUB_ROTATE, 4, x->p, on_sub_rotated);
}

static const char SQL_DELIVERIES[] =
    "SELECT d.id, d.event_id, coalesce(e.aggregateid, dd.code), d.seq,"
    " coalesce(e.type, 'alert.' || a.kind), d.state, d.attempts,"
    " extract(epoch FROM d.next_attempt_at)::bigint, d.last_status, d.last_error,"
    " extract(epoch FROM d.delivered_at)::bigint, extract(epoch FROM d.created_at)::bigint,"
    " b.id, extract(epoch FROM d.skipped_at)::bigint"
    " FROM webhook_delivery d LEFT JOIN dossier dd ON dd.id = d.dossier_id" /* 0: calendar */
    " LEFT JOIN dossier_event e ON e.id = d.event_id AND d.alert_id IS NULL"
    " LEFT JOIN alert a ON a.id = d.alert_id"
    " LEFT JOIN LATERAL (" WH_DEAD_BEFORE("d") " AND d.state = 'pending'"
    "  ORDER BY p.seq LIMIT 1) b ON true"
    " WHERE d.subscription_id = $1::bigint AND ($2::text IS NULL"
    "  OR CASE WHEN $2 = 'blocked' THEN b.id IS NOT NULL ELSE d.state = $2 END)"
    " AND ($3::bigint IS NULL OR d.id < $3::bigint)"
    " ORDER BY d.id DESC LIMIT $4::int";
static const char SQL_SUB_FIND[] = "SELECT 1 FROM webhook_subscription WHERE id = $1::bigint";

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
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();

        json_object_set_new(o, "id", json_integer(strtoll(db_val(res, i, 0), NULL, 10)));
        json_object_set_new(o, "event_id", json_string(db_val(res, i, 1)));
        json_object_set_new(o, "dossier_code", db_isnull(res, i, 2)
                                                   ? json_null() /* a calendar alert */
                                                   : json_string(db_val(res, i, 2)));
        json_object_set_new(o, "sequence", json_integer(atoi(db_val(res, i, 3))));
        json_object_set_new(o, "type", json_string(db_val(res, i, 4)));
        json_object_set_new(o, "state", json_string(db_val(res, i, 5)));
        /* A pending delivery held back by a dead letter of its dossier (that one's id). */
        json_object_set_new(o, "blocked", json_boolean(!db_isnull(res, i, 12)));
        json_object_set_new(o, "blocked_by",
                            db_isnull(res, i, 12)
                                ? json_null()
                                : json_integer(strtoll(db_val(res, i, 12), NULL, 10)));
        json_object_set_new(o, "attempts", json_integer(atoi(db_val(res, i, 6))));
        json_object_set_new(o, "next_attempt_at", ts_json(db_val(res, i, 7)));
        json_object_set_new(o, "last_status", db_isnull(res, i, 8)
                                                  ? json_null()
                                                  : json_integer(atoi(db_val(res, i, 8))));
        json_object_set_new(o, "last_error",
                            db_isnull(res, i, 9) ? json_null() : json_string(db_val(res, i, 9)));
        json_object_set_new(o, "delivered_at", ts_json(db_val(res, i, 10)));
        json_object_set_new(o, "skipped_at", ts_json(db_val(res, i, 13)));
        json_object_set_new(o, "created_at", ts_json(db_val(res, i, 11)));
        json_array_append_new(items, o);
    }
    http_reply_json(rc, 200, api_page(items, n == limit ? db_val(res, n - 1, 0) : NULL));
}

/* GET /api/v1/webhooks/{id}/deliveries?state=pending|blocked|delivered|dead|skipped
 * &limit=&cursor= (blocked: the pending ones held back by a dead letter) */
void
api_webhook_deliveries(struct reqctx *rc)
{
    static const char *const states[] = {"pending", "blocked", "delivered", "dead", "skipped"};
    int *limit = arena_alloc(rc->arena, sizeof(*limit));
    const char **p = arena_calloc(rc->arena, 4, sizeof(*p));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char *state = rc_query(rc, "state");
    struct mc_err e;
    int known = state == NULL;

    p[0] = id_param(rc);
    if (p[0] == NULL) {
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
    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", &p[2], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[1] = state;
    p[3] = arena_printf(rc->arena, "%d", *limit);
    st[0] = (struct db_stmt){SQL_SUB_FIND, 1, p};
    st[1] = (struct db_stmt){SQL_DELIVERIES, 4, p};
    rc->state = limit;
    api_db(rc, st, 2, on_deliveries);
}

/* $2 now: due at once on the relay's clock. */
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
    http_reply_json(rc, 202,
                    json_pack("{s:I,s:I,s:s}", "id",
                              (json_int_t)strtoll(db_val(r->res[0], 0, 0), NULL, 10),
                              "subscription_id",
                              (json_int_t)strtoll(db_val(r->res[0], 0, 1), NULL, 10), "state",
                              "pending"));
}

/* POST /api/v1/webhooks/deliveries/{id}/replay: back to pending, attempts reset. A dead
 * letter replayed goes out before the later deliveries of its dossier it was holding. */
void
api_webhook_replay(struct reqctx *rc)
{
    const char **p = arena_calloc(rc->arena, 2, sizeof(*p));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    p[0] = id_param(rc);
    if (p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such delivery");
        return;
    }
    p[1] = now_param(rc);
    st[0] = (struct db_stmt){SQL_REPLAY, 2, p};
    st[1] = (struct db_stmt){SQL_DOORBELL, 0, NULL};
    api_db(rc, st, 2, on_replayed);
}

static const char SQL_REPLAY_DEAD[] =
    WH_BACK_TO_PENDING " WHERE subscription_id = $1::bigint AND state = 'dead' RETURNING id";

static void
on_replayed_dead(struct reqctx *rc, struct db_result *r)
{
    if (found(rc, r, "subscription") != 0)
        return;
    http_reply_json(rc, 202, json_pack("{s:I,s:i}", "subscription_id",
                                       (json_int_t)strtoll(rc_param(rc, "id"), NULL, 10),
                                       "replayed", PQntuples(r->res[1])));
}

/* POST /api/v1/webhooks/{id}/replay-dead: every dead letter of the subscription, at once;
 * each goes out before the deliveries of its dossier it was holding. */
void
api_webhook_replay_dead(struct reqctx *rc)
{
    const char **p = arena_calloc(rc->arena, 2, sizeof(*p));
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));

    p[0] = id_param(rc);
    if (p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such subscription");
        return;
    }
    p[1] = now_param(rc);
    st[0] = (struct db_stmt){SQL_SUB_EXISTS, 1, p};
    st[1] = (struct db_stmt){SQL_REPLAY_DEAD, 2, p};
    st[2] = (struct db_stmt){SQL_DOORBELL, 0, NULL};
    api_db(rc, st, 3, on_replayed_dead);
}

static const char SQL_DELIVERY_LOCK[] =
    "SELECT state FROM webhook_delivery WHERE id = $1::bigint FOR UPDATE";
static const char SQL_SKIP[] =
    "UPDATE webhook_delivery SET state = 'skipped', skipped_at = " WH_NOW(3) ","
    " skipped_by = $2::bigint,"
    " lease_until = NULL WHERE id = $1::bigint AND state = 'dead'"
    " RETURNING id, subscription_id, extract(epoch FROM skipped_at)::bigint";

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
                       db_val(r->res[0], 0, 0));
        return;
    }
    o = json_pack("{s:I,s:I,s:s}", "id", (json_int_t)strtoll(db_val(res, 0, 0), NULL, 10),
                  "subscription_id", (json_int_t)strtoll(db_val(res, 0, 1), NULL, 10), "state",
                  "skipped");
    json_object_set_new(o, "skipped_at", ts_json(db_val(res, 0, 2)));
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
    const char **p = arena_calloc(rc->arena, 3, sizeof(*p));
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));

    p[0] = id_param(rc);
    if (p[0] == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such delivery");
        return;
    }
    p[1] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    p[2] = now_param(rc);
    st[0] = (struct db_stmt){SQL_DELIVERY_LOCK, 1, p};
    st[1] = (struct db_stmt){SQL_SKIP, 3, p};
    st[2] = (struct db_stmt){SQL_DOORBELL, 0, NULL};
    api_db(rc, st, 3, on_skipped);
}

