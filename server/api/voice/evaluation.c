/*
 * evaluation.c - the applicant's evaluation of a dossier's handling (api/voice/voice.h;
 * shared/domain.md §12.1; docs/domain.md "The citizen's voice").
 *
 * A submission is two units: the read (the dossier, its end, its legal class, the clerks of
 * reception and return, a conduct PAKN naming it, the evaluations already stored), then, once domain/sat.c admitted
 * it and computed motcua's indicator values, the INSERT of version n + 1. Two first
 * evaluations racing both read "none": UNIQUE (dossier_id, version) lets one in and the
 * other gets 409 ALREADY_EVALUATED. Nothing of the evaluation is logged (the access log has
 * the route and the status only).
 */
#include "api/voice/voice.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/common/common.h"
#include "api/dossier/documents.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/token.h"
#include "domain/cls.h"
#include "domain/role.h"
#include "domain/sat.h"
#include "http/jin.h"
#include "http/reqctx.h"

#define REASON_MAX 2000
#define NAME_MAX_LEN 200
#define FUTURE_SLACK 300 /* seconds a client clock may run ahead (as the dossier events) */

/* ---- SQL ---------------------------------------------------------------------------- */

/* The dossier as the rules read it; by code and either the lookup secret's hash (public)
   or the caller's scope (staff; NULL = everything for an administrator). A refusal at
   reception (3) has no received_at: the counter saw the applicant when it was created. */
enum { EVR_CODE, EVR_SCOPE, EVR_HASH, EVR__N };
static const char SQL_EVAL_READ[] =
    "SELECT d.id, d.state, d.receiving_unit_id, d.resolving_unit_id, d.supplement_requests,"
    " floor(extract(epoch FROM CASE WHEN d.state = 1 THEN NULL"
    "  ELSE coalesce(d.received_at, d.created_at) END))::bigint AS received_at,"
    " floor(extract(epoch FROM CASE WHEN d.state = 10 THEN d.returned_at"
    "  WHEN d.state IN (7, 8) THEN d.ended_at"
    "  WHEN d.state = 3 THEN (SELECT min(e.occurred_at) FROM dossier_event e"
    "   WHERE e.dossier_id = d.id AND e.to_state = 3) END))::bigint AS closed_at,"
    " CASE WHEN d.state = 10 AND d.end_state IN (9, 10)"
    "  THEN report_cls_legal(d.ended_at, d.legal_due_at, d.has_appointment) END AS cls,"
    " (SELECT e.actor_account_id FROM dossier_event e WHERE e.dossier_id = d.id"
    "  ORDER BY e.seq LIMIT 1) AS reception_account,"
    " (SELECT e.actor_account_id FROM dossier_event e WHERE e.dossier_id = d.id"
    "  AND e.to_state = 10 ORDER BY e.seq LIMIT 1) AS return_account,"
    " EXISTS (SELECT 1 FROM pakn k WHERE k.dossier_id = d.id AND k.topic = 'conduct'"
    "  AND k.state NOT IN (2, 3)) AS conduct_pakn,"
    " (SELECT count(*) FROM evaluation v WHERE v.dossier_id = d.id) AS versions,"
    " (SELECT floor(extract(epoch FROM min(v.evaluated_at)))::bigint FROM evaluation v"
    "  WHERE v.dossier_id = d.id) AS first_at"
    " FROM dossier d"
    " WHERE d.code = $1"
    "  AND (CASE WHEN $3::text IS NOT NULL THEN d.lookup_secret_hash = $3::text"
    "   ELSE $2::bigint IS NULL OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "    OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "    OR unit_in_scope($2::bigint, d.current_unit_id) END)";

enum {
    EVW_DOSSIER, EVW_VERSION, EVW_RATING, EVW_REASON, EVW_ANSWERS, EVW_COMPUTED, EVW_CHANNEL,
    EVW_NAME, EVW_ENTERED_BY, EVW_RECEIVING, EVW_RESOLVING, EVW_RECEPTION, EVW_RETURN,
    EVW_AT, EVW__N
};
static const char SQL_EVAL_WRITE[] =
    "INSERT INTO evaluation (dossier_id, version, rating, reason, answers, computed, channel,"
    " evaluator_name, entered_by, receiving_unit_id, resolving_unit_id, reception_account_id,"
    " return_account_id, evaluated_at)"
    " VALUES ($1, $2, $3, $4, $5::smallint[], $6::smallint[], $7, $8, $9, $10, $11, $12, $13,"
    " to_timestamp($14::bigint))"
    " RETURNING version";

enum { EVL_CODE, EVL_SCOPE, EVL__N };
static const char SQL_EVAL_LIST[] =
    "SELECT v.version, v.rating, v.reason, array_to_json(v.answers) AS answers,"
    " array_to_json(v.computed) AS computed, v.channel, v.evaluator_name,"
    " a.login AS entered_by, floor(extract(epoch FROM v.evaluated_at))::bigint AS evaluated_at"
    " FROM dossier d LEFT JOIN evaluation v ON v.dossier_id = d.id"
    " LEFT JOIN account a ON a.id = v.entered_by"
    " WHERE d.code = $1"
    "  AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.current_unit_id))"
    " ORDER BY v.version";

/* ---- the submission ----------------------------------------------------------------- */

struct evsub {
    struct sat_input in;
    enum sat_channel channel;
    const char *name;   /* evaluator_name or NULL */
    int64_t at;         /* evaluated_at */
    const char *code;
    const char **rp;    /* the read's parameters */
    const char **wp;    /* the write's parameters */
    struct db_stmt st;
    int computed[SAT_INDICATORS];
    int amend;
    int public;         /* the lookup page: by code and secret, nobody keyed it */
};

/* answers: absent, or an array of exactly 9 entries, each null or 0, 1, 2. */
static int
parse_answers(json_t *o, int *ans, struct mc_err *e)
{
    json_t *a = json_object_get(o, "answers");

    for (int i = 0; i < SAT_INDICATORS; i++)
        ans[i] = SAT_UNKNOWN;
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) != SAT_INDICATORS)
        return err_field(e, ERR_VALIDATION, "answers",
                         "answers: an array of the 9 indicators (null where not answered)");
    for (int i = 0; i < SAT_INDICATORS; i++) {
        json_t *x = json_array_get(a, (size_t)i);

        if (json_is_null(x))
            continue;
        if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 2)
            return err_field(e, ERR_VALIDATION, "answers", "indicator %d: 2, 1 or 0 points",
                             i + 1);
        ans[i] = (int)json_integer_value(x);
    }
    return 0;
}

/* The fields both routes share: rating, reason, answers. */
static int
parse_common(struct reqctx *rc, struct evsub *s, struct mc_err *e)
{
    const char *rating = NULL;
    int r;

    if (jin_get_str(rc->json, "rating", 32, 1, &rating, e) < 0)
        return -1;
    r = sat_rating_parse(rating);
    if (r < 0)
        return err_field(e, ERR_VALIDATION, "rating",
                         "rating: very_satisfied, satisfied or dissatisfied");
    s->in.rating = (enum sat_rating)r;
    if (jin_get_str(rc->json, "reason", REASON_MAX, 0, &s->in.reason, e) < 0)
        return -1;
    return parse_answers(rc->json, s->in.answers, e);
}

static int
parse_staff(struct reqctx *rc, struct evsub *s, struct mc_err *e)
{
    static const char *const keys[] = {"rating", "reason", "answers", "channel",
                                       "evaluator_name", "evaluated_at", NULL};
    const char *ch = NULL;
    int c;

    if (!json_is_object(rc->json))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    if (hx_only_keys(rc->json, keys, "", e) != 0 || parse_common(rc, s, e) != 0)
        return -1;
    if (jin_get_str(rc->json, "channel", 16, 1, &ch, e) < 0)
        return -1;
    c = sat_channel_parse(ch);
    if (c < 0)
        return err_field(e, ERR_VALIDATION, "channel",
                         "channel: kiosk, dvcqg, portal, paper, sms_link or hotline");
    s->channel = (enum sat_channel)c;
    if (jin_get_str(rc->json, "evaluator_name", NAME_MAX_LEN, 0, &s->name, e) < 0)
        return -1;
    s->at = rc->now;
    if (jin_get_instant(rc->json, "evaluated_at", 0, &s->at, e) < 0)
        return -1;
    if (s->at > rc->now + FUTURE_SLACK)
        return err_field(e, ERR_FUTURE_TIME, "evaluated_at", "evaluated_at is in the future");
    return 0;
}

static int
parse_public(struct reqctx *rc, struct evsub *s, const char **secret, struct mc_err *e)
{
    static const char *const keys[] = {"code", "secret", "rating", "reason", "answers", NULL};

    if (!json_is_object(rc->json))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    if (hx_only_keys(rc->json, keys, "", e) != 0)
        return -1;
    if (jin_get_str(rc->json, "code", 64, 0, &s->code, e) < 0
        || jin_get_str(rc->json, "secret", 128, 0, secret, e) < 0)
        return err_set(e, ERR_LOOKUP_FAILED, NULL);
    if (s->code == NULL || s->code[0] == '\0' || *secret == NULL || (*secret)[0] == '\0')
        return err_field(e, ERR_LOOKUP_MISSING, s->code == NULL || s->code[0] == '\0'
                                                    ? "code" : "secret",
                         "both the dossier code and the lookup secret are required");
    if (parse_common(rc, s, e) != 0)
        return -1;
    s->channel = SAT_CH_PORTAL;
    s->at = rc->now;
    s->public = 1;
    return 0;
}

/* ---- the answer --------------------------------------------------------------------- */

/* PostgreSQL array text of nine values ("{2,NULL,1,...}") in the arena. */
static const char *
array_text(struct reqctx *rc, const int *v)
{
    char buf[64];
    size_t n = 0;

    buf[n++] = '{';
    for (int i = 0; i < SAT_INDICATORS; i++) {
        if (i > 0)
            buf[n++] = ',';
        if (v[i] == SAT_UNKNOWN) {
            memcpy(buf + n, "NULL", 4);
            n += 4;
        } else {
            buf[n++] = (char)('0' + v[i]);
        }
    }
    buf[n++] = '}';
    buf[n] = '\0';
    return arena_strdup(rc->arena, buf);
}

static json_t *
array_json(const int *v)
{
    json_t *a = json_array();

    for (int i = 0; i < SAT_INDICATORS; i++)
        json_array_append_new(a, v[i] == SAT_UNKNOWN ? json_null() : json_integer(v[i]));
    return a;
}

static void
on_written(struct reqctx *rc, struct db_result *r)
{
    struct evsub *s = rc->state;
    json_t *o;

    if (r->err.code != ERR_OK) {
        if (strcmp(r->sqlstate, "23505") == 0)
            http_reply_err(rc, ERR_ALREADY_EVALUATED, "one evaluation per dossier");
        else
            api_reply_db_error(rc, r);
        return;
    }
    o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:b}", "dossier_code", s->code, "version",
                  atoi(hx_col(r->res[0], 0, "version")), "rating", sat_rating_key(s->in.rating),
                  "rating_name", sat_rating_vi(s->in.rating), "channel",
                  sat_channel_key(s->channel), "evaluated_at", hx_ts_json(s->at), "amendment",
                  s->amend);
    json_object_set_new(o, "reason", s->in.reason ? json_string(s->in.reason) : json_null());
    json_object_set_new(o, "answers", array_json(s->in.answers));
    json_object_set_new(o, "computed", array_json(s->computed));
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 201, o);
}

/* motcua's values of the indicators it can compute from the dossier (domain.md §12.1). */
static void
compute(const PGresult *res, int *out)
{
    const char *c = hx_col(res, 0, "cls");
    enum cls_class k = c != NULL ? (enum cls_class)atoi(c) : CLS_NOT_COUNTED;
    int sup = atoi(hx_col(res, 0, "supplement_requests"));

    for (int i = 0; i < SAT_INDICATORS; i++)
        out[i] = SAT_UNKNOWN;
    out[0] = sat_ind1(k);
    /* 3 and 4 are known once the dossier has ended: its supplement requests, all made by
       the counter that received it (motcua's requests go through the receiving unit) */
    if (hx_col_ts(res, 0, "closed_at") != 0) {
        out[2] = sat_ind3(sup);
        out[3] = sat_ind4(sup, 0);
    }
    /* 7: a PAKN about the staff's conduct on this dossier (taken in, not refused) is 0 */
    out[6] = hx_col_true(res, "conduct_pakn") ? 0 : c != NULL ? sat_ind7(k, 0) : SAT_UNKNOWN;
}

static void
policy_of(const struct reqctx *rc, struct sat_policy *p)
{
    sat_policy_default(p);
    p->window_days = rc->app->cfg->eval_window_days;
    p->amend_hours = rc->app->cfg->eval_amend_hours;
    p->reason_required = rc->app->cfg->eval_reason_required;
    p->low_share_permille = rc->app->cfg->low_sat_share * 10;
}

static void
bind_write(struct reqctx *rc, struct evsub *s, const PGresult *res)
{
    const char **p = hx_params(rc, EVW__N);

    p[EVW_DOSSIER] = hx_col(res, 0, "id");
    p[EVW_VERSION] = hx_i64(rc, atoll(hx_col(res, 0, "versions")) + 1);
    p[EVW_RATING] = hx_i64(rc, s->in.rating);
    p[EVW_REASON] = s->in.reason != NULL && s->in.reason[0] != '\0' ? s->in.reason : NULL;
    p[EVW_ANSWERS] = array_text(rc, s->in.answers);
    p[EVW_COMPUTED] = array_text(rc, s->computed);
    p[EVW_CHANNEL] = sat_channel_key(s->channel);
    p[EVW_NAME] = s->name != NULL && s->name[0] != '\0' ? s->name : NULL;
    p[EVW_ENTERED_BY] = s->public ? NULL : hx_i64(rc, rc->who.account_id);
    p[EVW_RECEIVING] = hx_col(res, 0, "receiving_unit_id");
    p[EVW_RESOLVING] = hx_col(res, 0, "resolving_unit_id");
    p[EVW_RECEPTION] = hx_col(res, 0, "reception_account");
    p[EVW_RETURN] = hx_col(res, 0, "return_account");
    p[EVW_AT] = hx_i64(rc, s->at);
    s->wp = p;
    s->st = (struct db_stmt){SQL_EVAL_WRITE, EVW__N, p};
}

static void
on_read(struct reqctx *rc, struct db_result *r)
{
    struct evsub *s = rc->state;
    const PGresult *res;
    struct sat_policy pol;
    struct sat_dossier d;
    struct sat_prior prior;
    struct mc_err e;

    res = hx_one_row(rc, r, s->public ? ERR_LOOKUP_FAILED : ERR_DOSSIER_NOT_FOUND, NULL);
    if (res == NULL)
        return;
    policy_of(rc, &pol);
    d = (struct sat_dossier){hx_col_ts(res, 0, "received_at"), hx_col_ts(res, 0, "closed_at"),
                             atoi(hx_col(res, 0, "state")) == 3};
    prior = (struct sat_prior){atoll(hx_col(res, 0, "versions")) > 0,
                               hx_col_ts(res, 0, "first_at")};
    err_clear(&e);
    if (d.received_at != 0 && s->at < d.received_at)
        err_field(&e, ERR_VALIDATION, "evaluated_at", "evaluated_at is before the reception");
    else if (sat_admit(&pol, &d, &prior, &s->in, s->at, &s->amend, &e) == 0)
        compute(res, s->computed);
    if (e.code != ERR_OK) {
        http_reply_error(rc, &e);
        return;
    }
    bind_write(rc, s, res);
    hx_db(rc, &s->st, 1, on_written);
}

static void
start(struct reqctx *rc, struct evsub *s, const char *hash)
{
    s->rp = hx_params(rc, EVR__N);
    s->rp[EVR_CODE] = s->code;
    s->rp[EVR_SCOPE] = hash == NULL ? hx_scope_param(rc) : NULL;
    s->rp[EVR_HASH] = hash;
    s->st = (struct db_stmt){SQL_EVAL_READ, EVR__N, s->rp};
    rc->state = s;
    hx_db(rc, &s->st, 1, on_read);
}

static void
api_evaluation_create(struct reqctx *rc)
{
    struct evsub *s = arena_calloc(rc->arena, 1, sizeof *s);
    struct mc_err e;

    err_clear(&e);
    s->code = rc_param(rc, "code");
    if (parse_staff(rc, s, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    start(rc, s, NULL);
}

static void
api_lookup_evaluation(struct reqctx *rc)
{
    struct evsub *s = arena_calloc(rc->arena, 1, sizeof *s);
    const char *secret = NULL;
    char *hex;
    struct mc_err e;

    if (!api_lookup_allow(rc))
        return;
    err_clear(&e);
    if (parse_public(rc, s, &secret, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    hex = arena_alloc(rc->arena, TOKEN_HASH_HEX);
    token_hash_hex(secret, hex);
    start(rc, s, hex);
}

/* ---- GET: every version, for supervisors ------------------------------------------- */

static const struct hx_jcol EVAL_COLS[] = {
    {"version", NULL, HX_INT},         {"reason", NULL, HX_TEXT},
    {"answers", NULL, HX_JSON},        {"computed", NULL, HX_JSON},
    {"channel", NULL, HX_TEXT},        {"evaluator_name", NULL, HX_TEXT},
    {"entered_by", NULL, HX_TEXT},     {"evaluated_at", NULL, HX_TS},
};

static void
on_list(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    json_t *items;
    int n;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    if (n == 0) {
        http_reply_err(rc, ERR_DOSSIER_NOT_FOUND, NULL);
        return;
    }
    items = json_array();
    for (int i = 0; i < n; i++) {
        const char *rt = hx_col(res, i, "rating");
        json_t *o;

        if (rt == NULL)
            continue; /* the dossier exists, not evaluated yet */
        o = hx_row_set(json_object(), res, i, EVAL_COLS,
                       (int)(sizeof EVAL_COLS / sizeof EVAL_COLS[0]));
        json_object_set_new(o, "rating", json_string(sat_rating_key((enum sat_rating)atoi(rt))));
        json_object_set_new(o, "rating_name",
                            json_string(sat_rating_vi((enum sat_rating)atoi(rt))));
        json_array_append_new(items, o);
    }
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, json_pack("{s:s, s:o}", "dossier_code", rc_param(rc, "code"),
                                       "items", items));
}

static void
api_evaluation_list(struct reqctx *rc)
{
    const char **p = hx_params(rc, EVL__N);

    p[EVL_CODE] = rc_param(rc, "code");
    p[EVL_SCOPE] = hx_scope_param(rc);
    api_db1(rc, SQL_EVAL_LIST, EVL__N, p, on_list);
}

#define EVAL_WRITERS (ROLE_CLERK | ROLE_INTEGRATION | ROLE_ADMIN)
#define EVAL_READERS (ROLE_SUPERVISOR | ROLE_LEADER | ROLE_ADMIN)

const struct route API_VOICE_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/evaluations", api_evaluation_create,
     EVAL_WRITERS, RF_JSON,
     "Key the applicant's evaluation of a dossier (kiosk, paper form, hotline, portal, DVCQG)"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/evaluations", api_evaluation_list, EVAL_READERS,
     0, "The evaluations of a dossier, every version, with reason and evaluator"},
    {EVHTTP_REQ_POST, "/api/v1/lookup/evaluation", api_lookup_evaluation, 0,
     RF_PUBLIC | RF_JSON,
     "Public: the applicant evaluates a dossier with its code and lookup secret"},
    {0},
};
