/*
 * integ.c - the integration API (API_INTEG_ROUTES): signed requests from integration
 * clients (integ_verify), signing-secret issuance, the status-code mapping table, and the
 * batch push POST /api/v1/integration/batch. The route rows of webhook.c and dvcqg.c are
 * listed here too (one table per module, api.h). Guide for integrators: docs/integration.md.
 *
 * Batch items are applied through the dossier API itself: each accepted item becomes one
 * internal request (http_internal, http/reqctx.h: POST /api/v1/dossiers or
 * /api/v1/dossiers/{code}/events) served in this process on the batch's worker, with the
 * batch caller's principal, Idempotency-Key "i.<SHA-256 of sender_id>" and request id
 * "<batch request id>-<index>". The dossier write path (api/dossier/dossier_write.c) runs only as
 * a route handler, and re-implementing it here would fork the domain rules; the internal
 * request goes through the same route table, body checks, role check, handler, event
 * log/outbox write and idempotency record (committed in the same transaction as the
 * item's writes) as a direct call, without a socket, TLS or a token lookup. Items run one
 * after another (which also keeps them in order per dossier); the batch request stays
 * alive while an item is in flight, even if its client hangs up (http_internal).
 *
 * Per-item idempotency (sql/060_integ_inbox_item.sql): before any item runs, each gets a
 * 'pending' inbox row with the fingerprint of the RAW item; the item's write transaction
 * turns it 'applied' (trigger on its idempotency record). A resend - after a timeout, a
 * crash mid-batch, or in an overlapping batch - answers an applied item "duplicate" with
 * its first result before any body is derived from the dossier's current version.
 */
#include "api/integration/integ.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/hmac.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

#define BATCH_MAX_ITEMS 1000
#define SENDER_ID_MAX 200

/* ---------------------------------------------------------------- helpers */

json_t *
integ_error_json(const struct mc_err *e)
{
    enum err_code code = e->code == ERR_OK ? ERR_INTERNAL : e->code;
    json_t *o = json_pack("{s:s,s:s,s:s,s:i}", "code", err_name(code), "message",
                          err_msg_vi(code), "message_en", err_msg_en(code), "status",
                          err_status(code));

    if (e->detail[0] != '\0' && jin_utf8_valid(e->detail, strlen(e->detail)))
        json_object_set_new(o, "detail", json_string(e->detail));
    if (e->field[0] != '\0' && jin_utf8_valid(e->field, strlen(e->field)))
        json_object_set_new(o, "field", json_string(e->field));
    return o;
}

void
integ_dvcqg_time(int64_t t, char out[15])
{
    char iso[26];

    /* "YYYY-MM-DDTHH:MM:SS+07:00" -> "YYYYMMDDHHMMSS" (local time, domain.md §10). */
    cal_format_instant(t, iso);
    snprintf(out, 15, "%.4s%.2s%.2s%.2s%.2s%.2s", iso, iso + 5, iso + 8, iso + 11, iso + 14,
             iso + 17);
}

int
integ_dvcqg_to_rfc3339(const char *s, char out[26])
{
    int y, mo, d, h, mi, se;

    if (s == NULL || strlen(s) != 14)
        return -1;
    for (int i = 0; i < 14; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    if (sscanf(s, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) != 6 || !cal_valid(y, mo, d) ||
        h > 23 || mi > 59 || se > 59)
        return -1;
    /* The 14 digits were checked above: copy them into place. */
    memcpy(out, s, 4);
    out[4] = '-';
    memcpy(out + 5, s + 4, 2);
    out[7] = '-';
    memcpy(out + 8, s + 6, 2);
    out[10] = 'T';
    memcpy(out + 11, s + 8, 2);
    out[13] = ':';
    memcpy(out + 14, s + 10, 2);
    out[16] = ':';
    memcpy(out + 17, s + 12, 2);
    memcpy(out + 19, "+07:00", 7);
    return 0;
}

static const char *
i64s(struct reqctx *rc, int64_t v)
{
    return arena_printf(rc->arena, "%lld", (long long)v);
}

/* ---------------------------------------------------------------- request signing */

struct verify {
    integ_go_fn go;
    const char *sig_hex;
};

/*
 * A signed timestamp may be up to MOTCUA_SIGNATURE_WINDOW seconds old but only
 * SIG_FUTURE_SKEW ahead of our clock (clock skew between two NTP-synchronised hosts):
 * a timestamp far in the future would stay acceptable for window + future seconds, longer
 * than a replay memory aged on the arrival (issue 17: a POST signed 300 s ahead was
 * accepted again ~600 s later). The memory keeps a signature SIG_MEMORY(window) seconds
 * after its arrival, longer than any timestamp that was accepted stays acceptable.
 */
#define SIG_FUTURE_SKEW 60
#define SIG_MEMORY(window) ((window) + SIG_FUTURE_SKEW + 1)

enum { SECRET_ACCOUNT, SECRET__N };
static const char SQL_SECRET[] = "SELECT signing_secret FROM integ_client WHERE account_id = $1::bigint";

/*
 * Purges signatures older than the window, then claims this one (nothing returned: seen).
 * seen_at is written and aged on the request's now (rc->now, Unix seconds), the clock the
 * timestamp header is checked against, never PostgreSQL's now(). SEEN_PURGE_WINDOW: seconds.
 */
enum { SEEN_PURGE_WINDOW, SEEN_PURGE_NOW, SEEN_PURGE__N };
static const char SQL_SEEN_PURGE[] =
    "DELETE FROM integ_signature_seen"
    " WHERE seen_at < to_timestamp($2::bigint) - make_interval(secs => $1::int)";
enum { SEEN_CLAIM_SIG, SEEN_CLAIM_ACCOUNT, SEEN_CLAIM_NOW, SEEN_CLAIM__N };
static const char SQL_SEEN_CLAIM[] =
    "INSERT INTO integ_signature_seen (signature, account_id, seen_at)"
    " VALUES ($1, $2::bigint, to_timestamp($3::bigint)) ON CONFLICT DO NOTHING RETURNING 1";

static void
on_seen(struct reqctx *rc, struct db_result *r)
{
    struct verify *v = rc->state;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[1]) != 1) {
        http_reply_err(rc, ERR_REPLAYED, "this signature was already used");
        return;
    }
    rc->state = NULL;
    v->go(rc);
}

/* Decodes "v1=<hex or base64>" into mac; -1 when malformed. */
static int
parse_signature(const char *h, unsigned char mac[HMAC_SHA256_LEN])
{
    size_t n;

    if (h == NULL || strncmp(h, "v1=", 3) != 0)
        return -1;
    h += 3;
    n = strlen(h);
    if (n == 64)
        return hmac_hex_decode(h, n, mac, HMAC_SHA256_LEN) == HMAC_SHA256_LEN ? 0 : -1;
    if (n == 44)
        return hmac_b64_decode(h, n, mac, HMAC_SHA256_LEN) == HMAC_SHA256_LEN ? 0 : -1;
    return -1;
}

static void
on_secret(struct reqctx *rc, struct db_result *r)
{
    struct verify *v = rc->state;
    const char *ts = rc_header(rc, "X-Motcua-Timestamp");
    const char *target = rc->target;
    const char *method = route_method_name(rc->method);
    unsigned char want[HMAC_SHA256_LEN], got[HMAC_SHA256_LEN];
    const char *secret, **purge, **claim;
    struct db_stmt *st;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_BAD_SIGNATURE, "no signing secret was issued to this account");
        return;
    }
    secret = db_val(r->res[0], 0, db_col(r->res[0], "signing_secret"));
    {
        const void *parts[7] = {method, "\n", target, "\n", ts, "\n",
                                rc->body != NULL ? rc->body : ""};
        size_t lens[7] = {strlen(method), 1, strlen(target), 1, strlen(ts), 1, rc->body_len};

        hmac_sha256_parts(secret, strlen(secret), parts, lens, 7, want);
    }
    if (parse_signature(rc_header(rc, "X-Motcua-Signature"), got) != 0 ||
        !hmac_equal(want, got, HMAC_SHA256_LEN)) {
        http_reply_err(rc, ERR_BAD_SIGNATURE, "the signature does not match");
        return;
    }
    /*
     * Safe methods (GET, HEAD: the feeds) are not remembered: replaying one changes nothing
     * and a poller may repeat the same request within one second. Every state-changing
     * request is refused the second time its MAC is seen within the window.
     */
    if (rc->method == EVHTTP_REQ_GET || rc->method == EVHTTP_REQ_HEAD) {
        rc->state = NULL;
        v->go(rc);
        return;
    }
    /* Replays are keyed by the MAC itself (hex), whatever encoding the client used. */
    v->sig_hex = arena_alloc(rc->arena, HMAC_SHA256_HEX);
    hmac_hex(want, HMAC_SHA256_LEN, (char *)v->sig_hex);
    st = arena_calloc(rc->arena, 2, sizeof(*st));
    purge = hx_params(rc, SEEN_PURGE__N);
    claim = hx_params(rc, SEEN_CLAIM__N);
    purge[SEEN_PURGE_WINDOW] = i64s(rc, SIG_MEMORY(rc->app->cfg->signature_window));
    purge[SEEN_PURGE_NOW] = i64s(rc, rc->now);
    claim[SEEN_CLAIM_SIG] = v->sig_hex;
    claim[SEEN_CLAIM_ACCOUNT] = i64s(rc, rc->who.account_id);
    claim[SEEN_CLAIM_NOW] = purge[SEEN_PURGE_NOW];
    st[0] = (struct db_stmt){SQL_SEEN_PURGE, SEEN_PURGE__N, purge};
    st[1] = (struct db_stmt){SQL_SEEN_CLAIM, SEEN_CLAIM__N, claim};
    api_db(rc, st, 2, on_seen);
}

void
integ_verify(struct reqctx *rc, integ_go_fn go)
{
    const char *ts = rc_header(rc, "X-Motcua-Timestamp");
    const char *sig = rc_header(rc, "X-Motcua-Signature");
    unsigned char mac[HMAC_SHA256_LEN];
    const char **p;
    struct verify *v;
    char *end;
    long long t;
    int64_t now = rc->now;

    /* An internal request runs for a caller whose own request was verified already. */
    if (rc->who.role != ROLE_INTEGRATION || rc->internal != NULL) {
        go(rc);
        return;
    }
    if (ts == NULL || sig == NULL) {
        http_reply_err(rc, ERR_BAD_SIGNATURE,
                       "X-Motcua-Timestamp and X-Motcua-Signature are required");
        return;
    }
    t = strtoll(ts, &end, 10);
    if (ts[0] == '\0' || *end != '\0' || t <= 0) {
        http_reply_err(rc, ERR_BAD_SIGNATURE, "X-Motcua-Timestamp: Unix seconds");
        return;
    }
    if (parse_signature(sig, mac) != 0) {
        http_reply_err(rc, ERR_BAD_SIGNATURE, "X-Motcua-Signature: v1=<hex or base64 HMAC>");
        return;
    }
    if (t < now - rc->app->cfg->signature_window || t > now + SIG_FUTURE_SKEW) {
        http_reply_err(rc, ERR_REPLAYED, "timestamp more than %d s old or %d s ahead",
                       rc->app->cfg->signature_window, SIG_FUTURE_SKEW);
        return;
    }
    v = arena_alloc(rc->arena, sizeof(*v));
    v->go = go;
    p = hx_params(rc, SECRET__N);
    p[SECRET_ACCOUNT] = i64s(rc, rc->who.account_id);
    rc->state = v;
    api_db1(rc, SQL_SECRET, SECRET__N, p, on_secret);
}

/* ---------------------------------------------------------------- signing secrets (admin) */

enum { ISSUE_LOGIN, ISSUE_SECRET, ISSUE_NOW, ISSUE__N };
static const char SQL_ISSUE_SECRET[] =
    "INSERT INTO integ_client (account_id, signing_secret, created_at)"
    " SELECT a.id, $2, to_timestamp($3::bigint) FROM account a"
    " WHERE a.login = $1 AND a.role = 'integration'"
    " ON CONFLICT (account_id) DO UPDATE SET signing_secret = EXCLUDED.signing_secret,"
    " rotated_at = EXCLUDED.created_at RETURNING account_id";

static void
on_secret_issued(struct reqctx *rc, struct db_result *r)
{
    const char *secret = rc->state;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no integration account with this login");
        return;
    }
    http_reply_json(rc, 201,
                    json_pack("{s:s,s:s,s:s}", "login", rc_param(rc, "login"), "signing_secret",
                              secret, "note",
                              "Shown once: store it in the client's secret store. Issuing again "
                              "replaces it."));
}

/* POST /api/v1/integration/clients/{login}/signing-secret: 32 random bytes, hex. */
static void
api_integ_issue_secret(struct reqctx *rc)
{
    unsigned char raw[32];
    char *hex = arena_alloc(rc->arena, 2 * sizeof(raw) + 1);
    const char **p = hx_params(rc, ISSUE__N);

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        http_reply_err(rc, ERR_INTERNAL, "no randomness");
        return;
    }
    hmac_hex(raw, sizeof(raw), hex);
    p[ISSUE_LOGIN] = rc_param(rc, "login");
    p[ISSUE_SECRET] = hex;
    p[ISSUE_NOW] = i64s(rc, rc->now);
    rc->state = hex;
    api_db1(rc, SQL_ISSUE_SECRET, ISSUE__N, p, on_secret_issued);
}

/* ---------------------------------------------------------------- status mapping table */

static const char SQL_MAP_LIST[] =
    "SELECT source, code, state, note, updated_at FROM integ_status_map"
    " ORDER BY source, state, length(code), code";
enum { ML_SOURCE, ML_CODE, ML_STATE, ML_NOTE, ML__N };
static const char *const ML_NAMES[ML__N] = {
    [ML_SOURCE] = "source", [ML_CODE] = "code", [ML_STATE] = "state", [ML_NOTE] = "note"};

static void
on_map_list(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res = r->res[0];
    json_t *items;
    int c[ML__N];

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    items = json_array();
    hx_cols(res, ML_NAMES, ML__N, c);
    for (int i = 0; i < PQntuples(res); i++) {
        int st = atoi(db_val(res, i, c[ML_STATE]));

        json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:s,s:s}", "source",
                                               db_val(res, i, c[ML_SOURCE]), "code",
                                               db_val(res, i, c[ML_CODE]), "state", st,
                                               "state_key", dossier_state_key(st), "note",
                                               db_val(res, i, c[ML_NOTE])));
    }
    http_reply_json(rc, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

static void
api_integ_map_list(struct reqctx *rc)
{
    api_db1(rc, SQL_MAP_LIST, 0, NULL, on_map_list);
}

/* MAP_ROWS: [{source, code, state, note}]. */
enum { MAP_ROWS, MAP_NOW, MAP__N };
static const char SQL_MAP_UPSERT[] =
    "INSERT INTO integ_status_map (source, code, state, note, updated_at)"
    " SELECT x->>'source', x->>'code', (x->>'state')::smallint, coalesce(x->>'note', ''),"
    " to_timestamp($2::bigint) FROM jsonb_array_elements($1::jsonb) x"
    " ON CONFLICT (source, code) DO UPDATE SET state = EXCLUDED.state, note = EXCLUDED.note,"
    " updated_at = EXCLUDED.updated_at";

static void
on_map_upserted(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    api_integ_map_list(rc);
}

/* POST /api/v1/integration/status-map {"items":[{source, code, state, note}]}: upsert. */
static void
api_integ_map_upsert(struct reqctx *rc)
{
    json_t *items = json_object_get(rc->json, "items");
    const char **p = hx_params(rc, MAP__N);
    struct mc_err e;
    size_t i;
    json_t *it;
    char *s;

    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > 500) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "items", "1-500 rows"), &e));
        return;
    }
    json_array_foreach(items, i, it) {
        const char *src = NULL, *code = NULL, *note = NULL;
        int64_t st;

        if (!json_is_object(it) || jin_get_str(it, "source", 32, 1, &src, &e) < 0 ||
            jin_get_str(it, "code", 32, 1, &code, &e) < 0 ||
            jin_get_int(it, "state", 1, DOSSIER_STATE_MAX, 1, &st, &e) < 0 ||
            jin_get_str(it, "note", 200, 0, &note, &e) < 0) {
            if (!json_is_object(it))
                err_field(&e, ERR_VALIDATION, "items", "row %zu is not an object", i);
            http_reply_error(rc, &e);
            return;
        }
        for (const char *c = src; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
                http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "source", "a-z 0-9 _ -"), &e));
                return;
            }
    }
    s = json_dumps(items, JSON_COMPACT);
    p[MAP_ROWS] = arena_strdup(rc->arena, s);
    free(s);
    p[MAP_NOW] = i64s(rc, rc->now);
    api_db1(rc, SQL_MAP_UPSERT, MAP__N, p, on_map_upserted);
}

/* ---------------------------------------------------------------- the batch */

enum item_status { IT_PENDING, IT_ACCEPTED, IT_DUPLICATE, IT_REJECTED };

struct item {
    json_t *src;
    const char *sender_id;
    const char *kind;
    const char *key;         /* dossier the item touches (ordering), or NULL */
    int64_t sent_at;
    enum item_status status;
    json_t *error;           /* owned */
    const char *dossier_code;
    int in_batch_dup;
    size_t dup_of;           /* index of the first item with this sender_id */
    char fp[65];             /* SHA-256 hex of the raw item's canonical JSON */
    const char *idem_scope;  /* Idempotency-Key scope of its internal request (idem.h) */
    const char *idem_key;    /* "i." + 56 hex digits of SHA-256(sender_id) */
};

struct batch {
    struct reqctx *rc;
    struct item *items;
    size_t n, cur;
    json_t *map;              /* {"source|code": state} */
    json_t *inbox;            /* {"sender_id": {state, fp, code}} (sql/060) */
    json_t *failed;           /* {"dossier key": true} */
    json_t *seen;             /* {"sender_id": index} in this batch */
    struct db_stmt st[3];
    /* The sub-request being built for the current item. */
    const char *sub_path;
    json_t *sub_body;
};

static void batch_next(struct batch *b);

static void
item_reject(struct batch *b, struct item *it, const struct mc_err *e)
{
    it->status = IT_REJECTED;
    it->error = integ_error_json(e);
    if (it->key != NULL)
        json_object_set_new(b->failed, it->key, json_true());
}

static void
item_reject_code(struct batch *b, struct item *it, enum err_code code, const char *field,
                 const char *detail)
{
    struct mc_err e;

    err_field(&e, code, field != NULL ? field : "", "%s", detail != NULL ? detail : "");
    item_reject(b, it, &e);
}

/* With the batch's arena: a sub-request in flight keeps the arena alive (http_internal). */
static void
batch_free_deferred(void *p)
{
    struct batch *b = p;

    json_decref(b->map);
    json_decref(b->inbox);
    json_decref(b->failed);
    json_decref(b->seen);
    json_decref(b->sub_body);
    b->map = b->inbox = b->failed = b->seen = b->sub_body = NULL;
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->items[i].error);
        b->items[i].error = NULL;
    }
}


/* Mapped state of a sender code, or -1. */
static int
map_status(struct batch *b, const char *source, json_t *v)
{
    char key[80];
    json_t *st;

    if (json_is_integer(v))
        snprintf(key, sizeof(key), "%s|%lld", source, (long long)json_integer_value(v));
    else if (json_is_string(v))
        snprintf(key, sizeof(key), "%s|%s", source, json_string_value(v));
    else
        return -1;
    st = json_object_get(b->map, key);
    return json_is_integer(st) ? (int)json_integer_value(st) : -1;
}

/* A string member that may also be given as a number (DVCQG senders vary). */
static const char *
str_or_num(struct reqctx *rc, json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return arena_printf(rc->arena, "%lld", (long long)json_integer_value(v));
    return NULL;
}

/*
 * A dossier item in the DVCQG vocabulary (DongBoHoSoMC.data[], domain-sources.md §8.2) ->
 * the body of POST /api/v1/dossiers. TrangThaiHoSo, mapped through the table, decides the
 * act: 1 online intake (submit), 2 reception, 3 refusal at reception. Later states arrive as
 * event items (each transition is an event with its own actor and time, domain.md §3).
 */
static int
dvcqg_dossier_body(struct batch *b, struct item *it, json_t **out, struct mc_err *e)
{
    struct reqctx *rc = b->rc;
    json_t *s = it->src, *body, *app;
    const char *source = str_or_num(rc, s, "source");
    const char *v;
    char iso[26];
    int st;

    st = map_status(b, source != NULL ? source : "dvcqg", json_object_get(s, "TrangThaiHoSo"));
    if (st < 0)
        return err_field(e, ERR_VALIDATION, "TrangThaiHoSo", "no mapping for this status code");
    if (st != DOSSIER_SUBMITTED && st != DOSSIER_RECEIVED && st != DOSSIER_NOT_RECEIVED)
        return err_field(e, ERR_VALIDATION, "TrangThaiHoSo",
                         "a new dossier is 1, 2 or 3; later states are event items");
    body = json_object();
    app = json_object();
    json_object_set_new(body, "applicant", app);
    if ((v = str_or_num(rc, s, "MaHoSo")) != NULL)
        json_object_set_new(body, "code", json_string(v));
    if ((v = str_or_num(rc, s, "MaTTHC")) != NULL)
        json_object_set_new(body, "procedure", json_string(v));
    if ((v = str_or_num(rc, s, "KenhThucHien")) != NULL)
        json_object_set_new(body, "channel", json_integer(atoi(v)));
    if ((v = str_or_num(rc, s, "ChuHoSo")) != NULL)
        json_object_set_new(app, "name", json_string(v));
    if ((v = str_or_num(rc, s, "SoGiayToChuHoSo")) != NULL)
        json_object_set_new(app, "id_number", json_string(v));
    if ((v = str_or_num(rc, s, "DiaChiChuHoSo")) != NULL)
        json_object_set_new(app, "address", json_string(v));
    if ((v = str_or_num(rc, s, "SoDienThoai")) != NULL)
        json_object_set_new(app, "phone", json_string(v));
    if ((v = str_or_num(rc, s, "Email")) != NULL)
        json_object_set_new(app, "email", json_string(v));
    if ((v = str_or_num(rc, s, "MaDonViTiepNhan")) != NULL)
        json_object_set_new(body, "receiving_unit", json_string(v));
    if ((v = str_or_num(rc, s, "MaDonViXuLy")) != NULL)
        json_object_set_new(body, "resolving_unit", json_string(v));
    if ((v = str_or_num(rc, s, "HinhThuc")) != NULL)
        json_object_set_new(body, "return_method", json_string(atoi(v) == 1 ? "post" : "counter"));
    v = str_or_num(rc, s, st == DOSSIER_SUBMITTED ? "NgayNopHoSo" : "NgayTiepNhan");
    if (v == NULL && st == DOSSIER_NOT_RECEIVED)
        v = str_or_num(rc, s, "NgayTuChoi");
    if (v != NULL) {
        if (integ_dvcqg_to_rfc3339(v, iso) != 0) {
            json_decref(body);
            return err_field(e, ERR_BAD_DATE,
                             st == DOSSIER_SUBMITTED ? "NgayNopHoSo" : "NgayTiepNhan",
                             "yyyyMMddHHmmss local time");
        }
        json_object_set_new(body, "received_at", json_string(iso));
    }
    if (st == DOSSIER_SUBMITTED)
        json_object_set_new(body, "submit", json_true());
    else if (st == DOSSIER_NOT_RECEIVED) {
        json_object_set_new(body, "out_of_scope", json_true());
        v = str_or_num(rc, s, "LyDoTuChoi");
        if (v == NULL)
            v = str_or_num(rc, s, "GhiChu");
        if (v != NULL)
            json_object_set_new(body, "reason", json_string(v));
    }
    *out = body;
    return 0;
}

/* Transition that takes a dossier from state `from` to state `to` (domain.md §3), or -1. */
static int
infer_transition(int from, int to)
{
    switch (to) {
    case DOSSIER_RECEIVED:
        return from == DOSSIER_SUBMITTED ? DOSSIER_TR_RECEIVE : -1;
    case DOSSIER_NOT_RECEIVED:
        return from == DOSSIER_SUBMITTED ? DOSSIER_TR_REFUSE : -1;
    case DOSSIER_IN_PROGRESS:
        if (from == DOSSIER_RECEIVED)
            return DOSSIER_TR_HAND_OVER;
        if (from == DOSSIER_SUPPLEMENT_REQUESTED)
            return DOSSIER_TR_RECEIVE_SUPPLEMENT;
        if (from == DOSSIER_PAYMENT_REQUESTED)
            return DOSSIER_TR_PAYMENT_DONE;
        return -1; /* 4 -> 4 is a hand-over or an assignment: the sender must say which */
    case DOSSIER_SUPPLEMENT_REQUESTED:
        return from == DOSSIER_IN_PROGRESS ? DOSSIER_TR_REQUEST_SUPPLEMENT : -1;
    case DOSSIER_PAYMENT_REQUESTED:
        return from == DOSSIER_IN_PROGRESS ? DOSSIER_TR_REQUEST_PAYMENT : -1;
    case DOSSIER_WITHDRAWAL_REQUESTED:
        return DOSSIER_TR_REQUEST_WITHDRAWAL;
    case DOSSIER_STOPPED:
        return DOSSIER_TR_STOP;
    case DOSSIER_RESOLVED:
        return DOSSIER_TR_RESOLVE;
    case DOSSIER_RETURNED:
        return DOSSIER_TR_RETURN_RESULT;
    default:
        return -1;
    }
}

/* Envelope members that are ours, not the dossier API's. */
static const char *const ENVELOPE[] = {"sender_id", "sent_at", "kind", "dossier_code", "MaHoSo",
                                       "status", "source", "TrangThaiHoSo", "ThoiDiemXuLy",
                                       "NoiDungXuLy", "dossier"};

static void
batch_reply(struct batch *b)
{
    struct reqctx *rc = b->rc;
    json_t *out = json_array();
    int counts[4] = {0, 0, 0, 0};
    static const char *const NAMES[] = {"rejected", "accepted", "duplicate", "rejected"};

    for (size_t i = 0; i < b->n; i++) {
        struct item *it = &b->items[i];
        json_t *o = json_pack("{s:i}", "index", (int)i);

        json_object_set_new(o, "sender_id",
                            it->sender_id != NULL ? json_string(it->sender_id) : json_null());
        json_object_set_new(o, "status", json_string(NAMES[it->status]));
        counts[it->status]++;
        if (it->error != NULL) {
            json_object_set(o, "error", it->error);
        }
        if (it->dossier_code != NULL)
            json_object_set_new(o, "dossier_code", json_string(it->dossier_code));
        json_array_append_new(out, o);
    }
    http_reply_json(rc, 200,
                    json_pack("{s:o,s:i,s:i,s:i}", "items", out, "accepted", counts[IT_ACCEPTED],
                              "duplicate", counts[IT_DUPLICATE], "rejected",
                              counts[IT_REJECTED] + counts[IT_PENDING]));
}

/*
 * Every item's inbox row was written 'pending' before the items ran, and each applied
 * item's row turned 'applied' in its own write transaction (sql/060_integ_inbox_item.sql):
 * nothing is left to store at the end.
 */
static void
batch_finish(struct batch *b)
{
    batch_reply(b);
}

/* The reply of item b->cur's internal request (the batch request is still waiting). */
static void
on_item_reply(const struct http_internal_reply *r, void *arg)
{
    struct batch *b = arg;
    struct item *it = &b->items[b->cur];
    const char *replayed = http_kv_get(r->headers, r->nheaders, "Idempotent-Replayed");
    json_t *resp = r->len > 0 ? json_loadb(r->body, r->len, 0, NULL) : NULL;

    if (r->status >= 200 && r->status < 300) {
        json_t *c = json_object_get(resp, "code");

        if (!json_is_string(c))
            c = json_object_get(json_object_get(resp, "dossier"), "code");
        if (json_is_string(c))
            it->dossier_code = arena_strdup(b->rc->arena, json_string_value(c));
        else if (it->key != NULL)
            it->dossier_code = it->key;
        it->status = replayed != NULL && strcmp(replayed, "true") == 0 ? IT_DUPLICATE
                                                                        : IT_ACCEPTED;
    } else {
        json_t *err = json_object_get(resp, "error");

        it->status = IT_REJECTED;
        if (json_is_object(err)) {
            json_object_del(err, "instance");
            it->error = json_incref(err);
        } else {
            struct mc_err e;

            err_set(&e, ERR_INTERNAL, "internal request answered %d", r->status);
            it->error = integ_error_json(&e);
        }
        if (it->key != NULL)
            json_object_set_new(b->failed, it->key, json_true());
    }
    json_decref(resp);
    b->cur++;
    batch_next(b);
}

static void
send_sub(struct batch *b, struct item *it)
{
    struct reqctx *rc = b->rc;
    struct http_kv h[3];
    char *s;

    h[0] = (struct http_kv){"Content-Type", "application/json"};
    h[1] = (struct http_kv){"Idempotency-Key", it->idem_key};
    h[2] = (struct http_kv){"X-Request-Id", arena_printf(rc->arena, "%.40s-%zu", rc->req_id,
                                                         b->cur)};
    s = json_dumps(b->sub_body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(b->sub_body);
    b->sub_body = NULL;
    if (s == NULL) {
        item_reject_code(b, it, ERR_INTERNAL, NULL, "item not serialisable");
        b->cur++;
        batch_next(b);
        return;
    }
    /* http_internal copies the body (and headers) before it returns. */
    http_internal(rc->w, EVHTTP_REQ_POST, b->sub_path, s, strlen(s), &rc->who, h, 3, rc,
                  on_item_reply, b);
    free(s);
}

enum { VERSION_CODE, VERSION__N };
static const char SQL_DOSSIER_VERSION[] =
    "SELECT version, state FROM dossier WHERE code = $1";

/* Item b->cur is settled (or failed) without a sub-request: on to the next. */
static void
item_settled(struct batch *b)
{
    b->cur++;
    batch_next(b);
}

static void
on_version(struct reqctx *rc, struct db_result *r)
{
    struct batch *b = rc->state;
    struct item *it = &b->items[b->cur];
    json_t *type = json_object_get(b->sub_body, "type");
    const char *source;
    int st, tr;

    if (r->err.code != ERR_OK) {
        item_reject(b, it, &r->err);
        item_settled(b);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        /* Unknown code; the dossier API would answer the same for an out-of-scope one. */
        item_reject_code(b, it, ERR_DOSSIER_NOT_FOUND, "dossier_code", NULL);
        item_settled(b);
        return;
    }
    if (json_object_get(b->sub_body, "expected_version") == NULL)
        json_object_set_new(b->sub_body, "expected_version",
                            json_integer(atoi(db_val(r->res[0], 0,
                                                     db_col(r->res[0], "version")))));
    if (!json_is_string(type)) {
        source = str_or_num(rc, it->src, "source");
        st = map_status(b, source != NULL ? source : "dvcqg",
                        json_object_get(it->src, "status") != NULL
                            ? json_object_get(it->src, "status")
                            : json_object_get(it->src, "TrangThaiHoSo"));
        if (st < 0) {
            item_reject_code(b, it, ERR_VALIDATION, "status", "no mapping for this status code");
            item_settled(b);
            return;
        }
        tr = infer_transition(atoi(db_val(r->res[0], 0, db_col(r->res[0], "state"))), st);
        if (tr < 0) {
            item_reject_code(b, it, ERR_DOSSIER_BAD_STATE, "status",
                             "no single transition leads there: name it in \"type\"");
            item_settled(b);
            return;
        }
        json_object_set_new(b->sub_body, "type", json_string(dossier_tr_name(tr)));
    }
    send_sub(b, it);
}

/* The same sender_id earlier in this batch: this one answers as that one did. */
static void
answer_as_first(struct batch *b, struct item *it)
{
    const struct item *first = &b->items[it->dup_of];

    if (strcmp(first->fp, it->fp) != 0) {
        item_reject_code(b, it, ERR_IDEMPOTENCY_MISMATCH, "sender_id",
                         "another item of this batch has this sender_id");
    } else if (first->status == IT_REJECTED) {
        it->status = IT_REJECTED;
        it->error = json_incref(first->error);
    } else {
        it->status = IT_DUPLICATE;
        it->dossier_code = first->dossier_code;
    }
}

/*
 * 1 when the item's inbox row says it was applied before (its write committed with this
 * row, sql/060), the item then answered with the first result unless the sender reused the
 * id for another item (rows older than 060 carry no fingerprint); 0 otherwise.
 */
static int
answer_applied(struct batch *b, struct item *it)
{
    json_t *row = json_object_get(b->inbox, it->sender_id);
    const char *st = json_string_value(json_object_get(row, "state"));
    const char *fp, *code;

    if (st == NULL || strcmp(st, "applied") != 0)
        return 0;
    fp = json_string_value(json_object_get(row, "fp"));
    code = json_string_value(json_object_get(row, "code"));
    if (fp != NULL && strcmp(fp, it->fp) != 0) {
        item_reject_code(b, it, ERR_IDEMPOTENCY_MISMATCH, "sender_id",
                         "this sender_id was applied with another item");
    } else {
        it->status = IT_DUPLICATE;
        if (code != NULL)
            it->dossier_code = code;
    }
    return 1;
}

/* A dossier item's sub-request (body and path); -1 when the item is refused. */
static int
dossier_sub(struct batch *b, struct item *it)
{
    json_t *v = json_object_get(it->src, "dossier");
    struct mc_err e;

    if (json_is_object(v)) {
        b->sub_body = json_deep_copy(v);
    } else if (dvcqg_dossier_body(b, it, &b->sub_body, &e) != 0) {
        item_reject(b, it, &e);
        return -1;
    }
    b->sub_path = "/api/v1/dossiers";
    return 0;
}

/* An event item's sub-request: our transition body, with the envelope removed, and its
 * path; -1 when the item is refused. */
static int
event_sub(struct batch *b, struct item *it)
{
    json_t *v;
    char iso[26];
    char *enc;

    b->sub_body = json_deep_copy(it->src);
    for (size_t k = 0; k < sizeof(ENVELOPE) / sizeof(ENVELOPE[0]); k++)
        json_object_del(b->sub_body, ENVELOPE[k]);
    v = json_object_get(it->src, "ThoiDiemXuLy");
    if (json_object_get(b->sub_body, "occurred_at") == NULL && json_is_string(v)) {
        if (integ_dvcqg_to_rfc3339(json_string_value(v), iso) != 0) {
            item_reject_code(b, it, ERR_BAD_DATE, "ThoiDiemXuLy", "yyyyMMddHHmmss local time");
            return -1;
        }
        json_object_set_new(b->sub_body, "occurred_at", json_string(iso));
    }
    v = json_object_get(it->src, "NoiDungXuLy");
    if (json_object_get(b->sub_body, "reason") == NULL && json_is_string(v))
        json_object_set_new(b->sub_body, "reason", json_incref(v));
    enc = evhttp_uriencode(it->key, -1, 0);
    b->sub_path = arena_printf(b->rc->arena, "/api/v1/dossiers/%s/events", enc);
    free(enc);
    return 0;
}

/* Builds and sends item b->cur's sub-request, or settles it without one. */
static void
run_item(struct batch *b, struct item *it)
{
    int dossier = strcmp(it->kind, "dossier") == 0;
    const char **p;

    /* The body of an earlier item that was refused before it went out is still here. */
    json_decref(b->sub_body);
    b->sub_body = NULL;
    if (it->in_batch_dup) {
        answer_as_first(b, it);
        item_settled(b);
        return;
    }
    if (answer_applied(b, it)) {
        item_settled(b);
        return;
    }
    if (it->key != NULL && json_object_get(b->failed, it->key) != NULL) {
        item_reject_code(b, it, ERR_PRECEDING_FAILED, "dossier_code", it->key);
        item_settled(b);
        return;
    }
    if ((dossier ? dossier_sub(b, it) : event_sub(b, it)) != 0) {
        item_settled(b);
        return;
    }
    /* An event lacking its expected version or its type learns them from the dossier
     * (on_version); a new dossier, or an event naming both, goes out as it is. */
    if (dossier || (json_object_get(b->sub_body, "expected_version") != NULL &&
                    json_is_string(json_object_get(b->sub_body, "type")))) {
        send_sub(b, it);
        return;
    }
    p = hx_params(b->rc, VERSION__N);
    p[VERSION_CODE] = it->key;
    b->st[0] = (struct db_stmt){SQL_DOSSIER_VERSION, VERSION__N, p};
    api_db(b->rc, b->st, 1, on_version);
}

static void
batch_next(struct batch *b)
{
    while (b->cur < b->n && b->items[b->cur].status != IT_PENDING)
        b->cur++;
    if (b->cur >= b->n) {
        batch_finish(b);
        return;
    }
    run_item(b, &b->items[b->cur]);
}

/*
 * One 'pending' inbox row per item, committed before any item runs (a row already
 * 'applied' is left as it is), then the rows as they now stand (the two statements share
 * their parameters). CTX_ITEMS: [{sender_id, kind, dossier_code, sent_at, fp, scope, key}].
 */
enum { CTX_ACCOUNT, CTX_ITEMS, CTX__N };
static const char SQL_BATCH_CTX_PENDING[] =
    "INSERT INTO integ_inbox (account_id, sender_id, kind, dossier_code, sent_at, state,"
    " fingerprint, idem_scope, idem_key)"
    " SELECT $1::bigint, x->>'sender_id', x->>'kind', x->>'dossier_code',"
    " to_timestamp((x->>'sent_at')::bigint), 'pending', x->>'fp', x->>'scope', x->>'key'"
    " FROM jsonb_array_elements($2::jsonb) x"
    " ON CONFLICT (account_id, sender_id) DO UPDATE SET kind = EXCLUDED.kind,"
    " dossier_code = EXCLUDED.dossier_code, sent_at = EXCLUDED.sent_at,"
    " fingerprint = EXCLUDED.fingerprint, idem_scope = EXCLUDED.idem_scope,"
    " idem_key = EXCLUDED.idem_key WHERE integ_inbox.state = 'pending'";
static const char SQL_BATCH_CTX_INBOX[] =
    "SELECT i.sender_id, i.state, i.fingerprint, i.dossier_code FROM integ_inbox i"
    " WHERE i.account_id = $1::bigint"
    " AND i.sender_id IN (SELECT x->>'sender_id' FROM jsonb_array_elements($2::jsonb) x)";
enum { IN_SENDER, IN_STATE, IN_FP, IN_CODE, IN__N };
static const char *const IN_NAMES[IN__N] = {[IN_SENDER] = "sender_id",
                                            [IN_STATE] = "state",
                                            [IN_FP] = "fingerprint",
                                            [IN_CODE] = "dossier_code"};
static const char SQL_BATCH_CTX_MAP[] =
    "SELECT source || '|' || code AS key, state FROM integ_status_map";

static void
on_batch_ctx(struct reqctx *rc, struct db_result *r)
{
    struct batch *b = rc->state;
    const PGresult *in = r->res[1], *map = r->res[2];
    int c[IN__N], key, state;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    hx_cols(in, IN_NAMES, IN__N, c);
    for (int i = 0; i < PQntuples(in); i++) {
        json_t *row = json_pack("{s:s}", "state", db_val(in, i, c[IN_STATE]));

        if (!db_isnull(in, i, c[IN_FP]))
            json_object_set_new(row, "fp", json_string(db_val(in, i, c[IN_FP])));
        if (!db_isnull(in, i, c[IN_CODE]))
            json_object_set_new(row, "code", json_string(db_val(in, i, c[IN_CODE])));
        json_object_set_new(b->inbox, db_val(in, i, c[IN_SENDER]), row);
    }
    key = db_col(map, "key");
    state = db_col(map, "state");
    for (int i = 0; i < PQntuples(map); i++)
        json_object_set_new(b->map, db_val(map, i, key), json_integer(atoi(db_val(map, i, state))));
    batch_next(b);
}

/* Envelope checks of one item; the rest is checked by the dossier API. */
static void
parse_item(struct batch *b, size_t i, json_t *src)
{
    struct reqctx *rc = b->rc;
    struct item *it = &b->items[i];
    struct mc_err e;
    const char *code = NULL;
    json_t *prev;
    int64_t sent = 0;

    it->src = src;
    it->status = IT_PENDING;
    if (!json_is_object(src)) {
        item_reject_code(b, it, ERR_VALIDATION, "items", "an item is an object");
        return;
    }
    if (jin_get_str(src, "sender_id", SENDER_ID_MAX, 1, &it->sender_id, &e) < 0 ||
        jin_get_str(src, "kind", 16, 1, &it->kind, &e) < 0) {
        it->sender_id = NULL;
        item_reject(b, it, &e);
        return;
    }
    if (jin_get_instant(src, "sent_at", 0, &sent, &e) < 0) {
        item_reject(b, it, &e);
        return;
    }
    it->sent_at = sent != 0 ? sent : rc->now;
    if (strcmp(it->kind, "dossier") == 0) {
        json_t *ours = json_object_get(src, "dossier");

        code = str_or_num(rc, json_is_object(ours) ? ours : src,
                          json_is_object(ours) ? "code" : "MaHoSo");
    } else if (strcmp(it->kind, "event") == 0) {
        code = str_or_num(rc, src, "dossier_code");
        if (code == NULL)
            code = str_or_num(rc, src, "MaHoSo");
        if (code == NULL) {
            item_reject_code(b, it, ERR_VALIDATION, "dossier_code", "an event names its dossier");
            return;
        }
    } else {
        item_reject_code(b, it, ERR_VALIDATION, "kind", "dossier or event");
        return;
    }
    it->key = code;
    {
        /* The raw item, canonical (sorted keys), not the body derived from it: a resend
         * is recognised whatever the dossier's version is by then. */
        char *canon = json_dumps(src, JSON_COMPACT | JSON_SORT_KEYS);
        unsigned char md[SHA256_DIGEST_LENGTH];
        char hex[2 * SHA256_DIGEST_LENGTH + 1];

        if (canon == NULL) {
            item_reject_code(b, it, ERR_VALIDATION, "items", "item not serialisable");
            return;
        }
        SHA256((const unsigned char *)canon, strlen(canon), md);
        free(canon);
        hmac_hex(md, sizeof(md), it->fp);
        /* The dossier API's keys are 1-63 of [A-Za-z0-9._-]; a sender id may be anything
         * up to 200 characters, so the key is derived: "i." + 56 hex digits of its
         * SHA-256. The scope is the one idem.c gives the internal request. */
        SHA256((const unsigned char *)it->sender_id, strlen(it->sender_id), md);
        hmac_hex(md, sizeof(md), hex);
        it->idem_key = arena_printf(rc->arena, "i.%.56s", hex);
        it->idem_scope = arena_printf(rc->arena, "%s|%lld",
                                      strcmp(it->kind, "dossier") == 0
                                          ? "/api/v1/dossiers"
                                          : "/api/v1/dossiers/{code}/events",
                                      (long long)rc->who.account_id);
    }
    /* The same sender_id twice in one batch: the second answers as the first. */
    prev = json_object_get(b->seen, it->sender_id);
    if (prev != NULL) {
        it->in_batch_dup = 1;
        it->dup_of = (size_t)json_integer_value(prev);
    } else {
        json_object_set_new(b->seen, it->sender_id, json_integer((json_int_t)i));
    }
}

static void
batch_go(struct reqctx *rc)
{
    json_t *items = json_object_get(rc->json, "items");
    const char **p;
    struct batch *b;
    json_t *ids;
    size_t i;
    json_t *v;
    char *s;

    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > BATCH_MAX_ITEMS) {
        struct mc_err e;

        err_field(&e, ERR_VALIDATION, "items", "an array of 1-%d items", BATCH_MAX_ITEMS);
        http_reply_error(rc, &e);
        return;
    }
    b = arena_alloc(rc->arena, sizeof(*b));
    b->rc = rc;
    b->n = json_array_size(items);
    b->items = arena_calloc(rc->arena, b->n, sizeof(*b->items));
    b->map = json_object();
    b->inbox = json_object();
    b->failed = json_object();
    b->seen = json_object();
    arena_defer(rc->arena, batch_free_deferred, b);
    ids = json_array();
    json_array_foreach(items, i, v) {
        struct item *it = &b->items[i];

        parse_item(b, i, v);
        if (it->status != IT_PENDING || it->in_batch_dup)
            continue;
        json_array_append_new(ids, json_pack("{s:s,s:s,s:o,s:I,s:s,s:s,s:s}", "sender_id",
                                             it->sender_id, "kind", it->kind, "dossier_code",
                                             it->key != NULL ? json_string(it->key)
                                                             : json_null(),
                                             "sent_at", (json_int_t)it->sent_at, "fp", it->fp,
                                             "scope", it->idem_scope, "key", it->idem_key));
    }
    s = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    p = hx_params(rc, CTX__N);
    p[CTX_ACCOUNT] = i64s(rc, rc->who.account_id);
    p[CTX_ITEMS] = arena_strdup(rc->arena, s);
    free(s);
    b->st[0] = (struct db_stmt){SQL_BATCH_CTX_PENDING, CTX__N, p};
    b->st[1] = (struct db_stmt){SQL_BATCH_CTX_INBOX, CTX__N, p};
    b->st[2] = (struct db_stmt){SQL_BATCH_CTX_MAP, 0, NULL};
    rc->state = b;
    api_db(rc, b->st, 3, on_batch_ctx);
}

/* POST /api/v1/integration/batch */
static void
api_integ_batch(struct reqctx *rc)
{
    integ_verify(rc, batch_go);
}

/* ---------------------------------------------------------------- the route table */

const struct route API_INTEG_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/integration/batch", api_integ_batch, ROLE_INTEGRATION,
     RF_JSON | RF_RAW_BODY, "Signed batch push of dossiers and events (1-1000 items)"},
    {EVHTTP_REQ_POST, "/api/v1/integration/clients/{login}/signing-secret",
     api_integ_issue_secret, ROLE_ADMIN, 0,
     "Issue (or rotate) an integration account's request-signing secret"},
    {EVHTTP_REQ_GET, "/api/v1/integration/status-map", api_integ_map_list,
     ROLE_ADMIN | ROLE_INTEGRATION, 0, "The sender status code -> state mapping table"},
    {EVHTTP_REQ_POST, "/api/v1/integration/status-map", api_integ_map_upsert, ROLE_ADMIN,
     RF_JSON, "Add or change rows of the status mapping table"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks", api_webhook_create, ROLE_ADMIN, RF_JSON,
     "Create a webhook subscription"},
    {EVHTTP_REQ_GET, "/api/v1/webhooks", api_webhook_list, ROLE_ADMIN, 0,
     "List webhook subscriptions"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/{id}/disable", api_webhook_disable, ROLE_ADMIN, 0,
     "Disable a webhook subscription"},
    {EVHTTP_REQ_GET, "/api/v1/webhooks/{id}/deliveries", api_webhook_deliveries, ROLE_ADMIN, 0,
     "Deliveries of a subscription, filtered by state"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/deliveries/{id}/replay", api_webhook_replay, ROLE_ADMIN,
     0, "Send a delivery again (dead-lettered or delivered)"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/{id}/update", api_webhook_update, ROLE_ADMIN, RF_JSON,
     "Change a webhook subscription's URL, filters or description"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/{id}/enable", api_webhook_enable, ROLE_ADMIN, 0,
     "Enable a disabled webhook subscription"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/{id}/rotate-secret", api_webhook_rotate, ROLE_ADMIN,
     RF_JSON, "Rotate a webhook subscription's secret (both sign during the overlap)"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/{id}/replay-dead", api_webhook_replay_dead, ROLE_ADMIN,
     0, "Send every dead-lettered delivery of a subscription again"},
    {EVHTTP_REQ_POST, "/api/v1/webhooks/deliveries/{id}/skip", api_webhook_skip, ROLE_ADMIN, 0,
     "Give up a dead-lettered delivery so later events of its dossier go on"},
    {EVHTTP_REQ_GET, "/api/v1/dvcqg/dossiers", api_dvcqg_dossiers, ROLE_INTEGRATION | ROLE_ADMIN,
     RF_RAW_BODY, "DVCQG feed: DongBoHoSoMC dossier objects after a cursor"},
    {EVHTTP_REQ_GET, "/api/v1/dvcqg/progress", api_dvcqg_progress, ROLE_INTEGRATION | ROLE_ADMIN,
     RF_RAW_BODY, "DVCQG feed: CapNhatTienDoHoSoMC progress rows after a cursor"},
    {EVHTTP_REQ_GET, "/api/v1/dvcqg/evaluations", api_dvcqg_evaluations,
     ROLE_INTEGRATION | ROLE_ADMIN, RF_RAW_BODY,
     "DVCQG feed: evaluations of dossiers after a cursor"},
    {EVHTTP_REQ_GET, "/api/v1/dvcqg/pakn", api_dvcqg_pakn, ROLE_INTEGRATION | ROLE_ADMIN,
     RF_RAW_BODY, "DVCQG feed: phản ánh, kiến nghị after a cursor"},
    {EVHTTP_REQ_POST, "/api/v1/dvcqg/ack", api_dvcqg_ack, ROLE_INTEGRATION | ROLE_ADMIN,
     RF_JSON | RF_RAW_BODY, "Acknowledge the DVCQG sync state of dossiers"},
    {EVHTTP_REQ_POST, "/api/v1/dvcqg/reconcile", api_dvcqg_reconcile,
     ROLE_INTEGRATION | ROLE_ADMIN, RF_JSON | RF_RAW_BODY,
     "Compare the adapter's counts per unit and period with ours"},
    {0, NULL, NULL, 0, 0, NULL},
};
