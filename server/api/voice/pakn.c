/*
 * pakn.c - phản ánh, kiến nghị (api/voice/voice.h; shared/domain.md §12.2; rules in
 * domain/pakn.c, tables in sql/111_pakn.sql).
 *
 * Intake (staff, integration clients, and the citizen from the lookup page with the receipt's
 * code and secret) is a read (the receiving unit in the caller's scope, the dossier named)
 * and an insert of the PAKN with its deadlines, computed here on the working calendar
 * (pakn_due) from the intake instant, and its first step. A step is a read (state, version,
 * the target unit of a transfer), the rules (pakn_next, who may answer and publish, the
 * texts each step needs, new deadlines for a transfer or an answer), and one statement that
 * updates the row only at the version the client read and appends the step (0 rows: 409
 * VERSION_CONFLICT). The sender's name, address and phone are shown to staff, never on a
 * public page, never logged.
 */
#include "api/voice/voice.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/common/common.h"
#include "api/dossier/documents.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/token.h"
#include "domain/pakn.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

#define TEXT_MAX 8000
#define LINE_MAX_LEN 300

#define EP(x) "floor(extract(epoch FROM " x "))::bigint"
/* The columns of a PAKN as the API shows it (aliases: p the PAKN, un its unit, d its
   dossier). */
#define PAKN_COLS                                                                               \
    " p.id, p.state, p.version, p.topic, p.channel, p.sender::text AS sender, p.content,"      \
    " d.code AS dossier_code, p.parent_id, un.code AS unit, un.name AS unit_name,"             \
    " " EP("p.received_at") " AS received_at, " EP("p.arrived_at") " AS arrived_at,"           \
    " " EP("p.reject_due_at") " AS reject_due_at, " EP("p.transfer_due_at")                    \
    " AS transfer_due_at, " EP("p.supplement_due_at") " AS supplement_due_at,"                 \
    " " EP("p.answer_due_at") " AS answer_due_at, " EP("p.first_info_at") " AS first_info_at," \
    " " EP("p.answered_at") " AS answered_at, p.answer, " EP("p.publish_due_at")               \
    " AS publish_due_at, " EP("p.published_at") " AS published_at, p.public_text,"    \
    " rx.likes, rx.dislikes"
/* rx: the likes and dislikes of the published answer, all recorded so far (sql/fn/60). */
#define PAKN_FROM(src)                                                                          \
    " FROM " src " p JOIN unit un ON un.id = p.unit_id LEFT JOIN dossier d ON d.id = p.dossier_id" \
    " CROSS JOIN LATERAL pakn_reactions_at(p.id, 'infinity') rx"

/* ---- SQL ---------------------------------------------------------------------------- */

/* Intake, read: the receiver (staff: the unit named or the caller's, in scope; public: the
   dossier's receiving unit) and the dossier named. */
enum { PKR_UNIT, PKR_SCOPE, PKR_DOSSIER, PKR_HASH, PKR_FOLLOWS, PKR__N };
static const char SQL_PK_READ[] =
    "SELECT CASE WHEN $4::text IS NOT NULL THEN (SELECT receiving_unit_id FROM dossier"
    "  WHERE code = $3 AND lookup_secret_hash = $4::text)"
    " ELSE (SELECT id FROM unit WHERE code = $1"
    "  AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, id))) END AS unit_id,"
    " (SELECT id FROM dossier WHERE code = $3"
    "  AND ($4::text IS NULL OR lookup_secret_hash = $4::text)) AS dossier_id,"
    " (SELECT id FROM pakn WHERE id = $5::bigint) AS follows_id";

enum {
    PKI_TOPIC, PKI_CHANNEL, PKI_SENDER, PKI_CONTENT, PKI_DOSSIER, PKI_UNIT, PKI_AT, PKI_REJECT,
    PKI_TRANSFER, PKI_SUPPLEMENT, PKI_ANSWER, PKI_ACTOR, PKI_PARENT, PKI__N
};
static const char SQL_PK_INSERT[] =
    "WITH p AS (INSERT INTO pakn (topic, channel, sender, content, dossier_id, unit_id,"
    " received_at, arrived_at, reject_due_at, transfer_due_at, supplement_due_at,"
    " answer_due_at, created_by, parent_id)"
    " VALUES ($1, $2, $3::jsonb, $4, $5::bigint, $6::bigint, to_timestamp($7::bigint),"
    " to_timestamp($7::bigint), to_timestamp($8::bigint), to_timestamp($9::bigint),"
    " to_timestamp($10::bigint), to_timestamp($11::bigint), $12::bigint, $13::bigint)"
    " RETURNING *),"
    /* the receiver and the answer's due in the step's payload: pakn_rows_at (sql/fn/60) */
    " e AS (INSERT INTO pakn_event (pakn_id, seq, type, to_state, occurred_at,"
    " actor_account_id, payload) SELECT id, 1, 'receive', 0, received_at, $12::bigint,"
    " jsonb_build_object('unit_id', unit_id, 'reject_due_at', reject_due_at,"
    "  'supplement_due_at', supplement_due_at, 'answer_due_at', answer_due_at) FROM p)"
    " SELECT" PAKN_COLS PAKN_FROM("p");

/* A step, read. */
enum { PKS_ID, PKS_SCOPE, PKS_TO_UNIT, PKS__N };
static const char SQL_PK_STEP_READ[] =
    "SELECT p.id, p.state, p.version, (SELECT id FROM unit WHERE code = $3) AS to_unit_id"
    " FROM pakn p WHERE p.id = $1::bigint"
    "  AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, p.unit_id))";

enum {
    PKW_ID, PKW_VERSION, PKW_STATE, PKW_UNIT, PKW_AT, PKW_REJECT, PKW_TRANSFER, PKW_SUPPLEMENT,
    PKW_ANSWER_DUE, PKW_ANSWER, PKW_PUBLISH_DUE, PKW_PUBLIC, PKW_TYPE, PKW_FROM, PKW_ACTOR,
    PKW_PAYLOAD, PKW__N
};
static const char SQL_PK_STEP[] =
    "WITH p AS (UPDATE pakn SET state = $3::smallint, version = version + 1,"
    " unit_id = coalesce($4::bigint, unit_id),"
    " arrived_at = CASE WHEN $4::bigint IS NOT NULL THEN to_timestamp($5::bigint)"
    "  ELSE arrived_at END,"
    " reject_due_at = coalesce(to_timestamp($6::bigint), reject_due_at),"
    " transfer_due_at = coalesce(to_timestamp($7::bigint), transfer_due_at),"
    " supplement_due_at = coalesce(to_timestamp($8::bigint), supplement_due_at),"
    " answer_due_at = coalesce(to_timestamp($9::bigint), answer_due_at),"
    " first_info_at = CASE WHEN $3::smallint = 4"
    "  THEN coalesce(first_info_at, to_timestamp($5::bigint)) ELSE first_info_at END,"
    " answered_at = CASE WHEN $3::smallint = 5 THEN to_timestamp($5::bigint)"
    "  ELSE answered_at END,"
    " answer = coalesce($10, answer),"
    " publish_due_at = coalesce(to_timestamp($11::bigint), publish_due_at),"
    " published_at = CASE WHEN $3::smallint = 6 THEN to_timestamp($5::bigint)"
    "  ELSE published_at END,"
    " public_text = coalesce($12, public_text), updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int RETURNING *),"
    " e AS (INSERT INTO pakn_event (pakn_id, seq, type, from_state, to_state, occurred_at,"
    " actor_account_id, payload) SELECT id, version, $13, $14::smallint, state,"
    " to_timestamp($5::bigint), $15::bigint, $16::jsonb || CASE WHEN $4::bigint IS NOT NULL"
    "  THEN jsonb_build_object('unit_id', unit_id, 'reject_due_at', reject_due_at,"
    "   'supplement_due_at', supplement_due_at, 'answer_due_at', answer_due_at)"
    "  ELSE '{}' END FROM p)"
    " SELECT" PAKN_COLS PAKN_FROM("p");

enum { PKG_ID, PKG_SCOPE, PKG__N };
static const char SQL_PK_GET[] =
    "SELECT" PAKN_COLS PAKN_FROM("pakn")
    " WHERE p.id = $1::bigint AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, p.unit_id))";
static const char SQL_PK_EVENTS[] =
    "SELECT e.seq, e.type, e.from_state, e.to_state, " EP("e.occurred_at") " AS occurred_at,"
    /* the receiver's id and the deadlines are the log's own (pakn_rows_at); the PAKN
       shows them */
    " a.login AS actor, (e.payload - 'unit_id' - 'reject_due_at' - 'supplement_due_at'"
    "  - 'answer_due_at')::text AS payload"
    " FROM pakn_event e JOIN pakn p ON p.id = e.pakn_id"
    " LEFT JOIN account a ON a.id = e.actor_account_id"
    " WHERE e.pakn_id = $1::bigint"
    "  AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, p.unit_id)) ORDER BY e.seq";

enum { PKL_SCOPE, PKL_STATE, PKL_TOPIC, PKL_CURSOR, PKL_LIMIT, PKL__N };
static const char SQL_PK_LIST[] =
    "SELECT" PAKN_COLS PAKN_FROM("pakn")
    " WHERE ($1::bigint IS NULL OR unit_in_scope($1::bigint, p.unit_id))"
    "  AND ($2::smallint IS NULL OR p.state = $2::smallint)"
    "  AND ($3::text IS NULL OR p.topic = $3)"
    "  AND ($4::bigint IS NULL OR p.id < $4::bigint)"
    " ORDER BY p.id DESC LIMIT $5::int";

/* ---- a PAKN as JSON ----------------------------------------------------------------- */

static const struct hx_jcol PAKN_JSON[] = {
    {"id", NULL, HX_INT},
    {"version", NULL, HX_INT},
    {"topic", NULL, HX_TEXT},
    {"channel", NULL, HX_TEXT},
    {"sender", NULL, HX_JSON},
    {"content", NULL, HX_TEXT},
    {"dossier_code", NULL, HX_TEXT},
    {"parent_id", NULL, HX_INT},
    {"unit", NULL, HX_TEXT},
    {"unit_name", NULL, HX_TEXT},
    {"received_at", NULL, HX_TS},
    {"arrived_at", NULL, HX_TS},
    {"reject_due_at", NULL, HX_TS},
    {"transfer_due_at", NULL, HX_TS},
    {"supplement_due_at", NULL, HX_TS},
    {"answer_due_at", NULL, HX_TS},
    {"first_info_at", NULL, HX_TS},
    {"answered_at", NULL, HX_TS},
    {"answer", NULL, HX_TEXT},
    {"publish_due_at", NULL, HX_TS},
    {"published_at", NULL, HX_TS},
    {"public_text", NULL, HX_TEXT},
    {"likes", NULL, HX_INT},
    {"dislikes", NULL, HX_INT},
};

static json_t *
pakn_json(struct reqctx *rc, const PGresult *res, int row)
{
    json_t *o = hx_row_set(json_object(), res, row, PAKN_JSON,
                           (int)(sizeof PAKN_JSON / sizeof PAKN_JSON[0]));
    enum pakn_state st = (enum pakn_state)atoi(hx_col(res, row, "state"));
    int64_t due = hx_col_ts(res, row, "answer_due_at"), ans = hx_col_ts(res, row, "answered_at");
    int open = !pakn_terminal(st) && st != PAKN_ANSWERED;

    json_object_set_new(o, "state", json_string(pakn_state_key(st)));
    json_object_set_new(o, "state_name", json_string(pakn_state_vi(st)));
    /* QĐ 766 5.2 as of now: answered by its due, or open and not past it */
    json_object_set_new(o, "in_time", st == PAKN_REJECTED || st == PAKN_TRANSFERRED
                                          ? json_null()
                                          : json_boolean(pakn_in_time(due, ans, rc->now)));
    json_object_set_new(o, "overdue", json_boolean(open && rc->now > due));
    return o;
}

static void
reply_field(struct reqctx *rc, enum err_code code, const char *field, const char *msg)
{
    struct mc_err e;

    err_field(&e, code, field, "%s", msg);
    http_reply_error(rc, &e);
}

static void
reply_row(struct reqctx *rc, int status, const PGresult *res)
{
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, status, pakn_json(rc, res, 0));
}

/* ---- intake ------------------------------------------------------------------------- */

struct pkin {
    struct pakn_intake in;
    const char *email, *unit, *dossier, *sender, *follows;
    int public;
    const char **p;
    struct db_stmt st;
};

static int
parse_kind(struct reqctx *rc, struct pkin *x, struct mc_err *e)
{
    const char *topic = NULL, *channel = NULL, *kind = NULL;

    if (jin_get_str(rc->json, "topic", 32, 1, &topic, e) < 0
        || jin_get_str(rc->json, "kind", 32, 0, &kind, e) < 0
        || jin_get_str(rc->json, "content", TEXT_MAX, 0, &x->in.content, e) < 0)
        return -1;
    x->in.topic = pakn_topic_parse(topic);
    x->in.complaint = kind != NULL && (strcmp(kind, "complaint") == 0
                                       || strcmp(kind, "denunciation") == 0);
    if (kind != NULL && !x->in.complaint && strcmp(kind, "feedback") != 0)
        return err_field(e, ERR_VALIDATION, "kind", "kind: feedback, complaint or denunciation");
    if (x->public) {
        x->in.channel = PAKN_CH_PORTAL;
        return 0;
    }
    if (jin_get_str(rc->json, "channel", 16, 1, &channel, e) < 0)
        return -1;
    x->in.channel = pakn_channel_parse(channel);
    return 0;
}

/* The sender: staff send {"sender": {...}}, the lookup page the same fields at the top. */
static int
parse_sender(json_t *o, struct pkin *x, struct mc_err *e)
{
    if (jin_get_str(o, "name", LINE_MAX_LEN, 0, &x->in.name, e) < 0
        || jin_get_str(o, "address", LINE_MAX_LEN, 0, &x->in.address, e) < 0
        || jin_get_str(o, "phone", 32, 0, &x->in.phone, e) < 0
        || jin_get_str(o, "email", 254, 0, &x->email, e) < 0)
        return -1;
    return 0;
}

static int
parse_intake(struct reqctx *rc, struct pkin *x, const char **secret, struct mc_err *e)
{
    static const char *const staff[] = {"topic", "kind", "channel", "content", "sender",
                                        "dossier_code", "unit", "follows", NULL};
    static const char *const pub[] = {"code", "secret", "topic", "kind", "content", "name",
                                      "address", "phone", "email", NULL};
    static const char *const who[] = {"name", "address", "phone", "email", NULL};
    json_t *s;

    if (!json_is_object(rc->json))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    if (hx_only_keys(rc->json, x->public ? pub : staff, "", e) != 0)
        return -1;
    if (x->public) {
        if (jin_get_str(rc->json, "code", 64, 0, &x->dossier, e) < 0
            || jin_get_str(rc->json, "secret", 128, 0, secret, e) < 0)
            return err_set(e, ERR_LOOKUP_FAILED, NULL);
        if (x->dossier == NULL || x->dossier[0] == '\0' || *secret == NULL || (*secret)[0] == '\0')
            return err_field(e, ERR_LOOKUP_MISSING, x->dossier == NULL || x->dossier[0] == '\0'
                                                        ? "code" : "secret",
                             "both the dossier code and the lookup secret are required");
        s = rc->json;
    } else {
        s = json_object_get(rc->json, "sender");
        if (!json_is_object(s))
            return err_field(e, ERR_VALIDATION, "sender",
                             "sender: {name, address, phone, email}");
        if (hx_only_keys(s, who, "sender", e) != 0)
            return -1;
        int64_t follows = 0;

        if (jin_get_str(rc->json, "dossier_code", 64, 0, &x->dossier, e) < 0
            || jin_get_str(rc->json, "unit", 32, 0, &x->unit, e) < 0
            || jin_get_int(rc->json, "follows", 1, INT64_MAX, 0, &follows, e) < 0)
            return -1;
        /* a follow-up of an earlier PAKN (a repeat on its result counts in 5.3) */
        x->follows = follows > 0 ? hx_i64(rc, follows) : NULL;
    }
    if (parse_kind(rc, x, e) != 0 || parse_sender(s, x, e) != 0)
        return -1;
    return pakn_intake_check(&x->in, e);
}

static void
on_inserted(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    reply_row(rc, 201, r->res[0]);
}

/* The deadlines of this installation (MOTCUA_PAKN_*_DAYS, core/config.h). */
static void
policy_of(struct reqctx *rc, struct pakn_policy *pol)
{
    _Static_assert(sizeof rc->app->cfg->pakn_days / sizeof rc->app->cfg->pakn_days[0] ==
                       PAKN_DL__N, "one setting per deadline");
    for (int i = 0; i < PAKN_DL__N; i++)
        pol->days[i] = rc->app->cfg->pakn_days[i];
}

/* The four deadlines of an arrival at instant `at`, as parameters; -1 past the calendar. */
static int
dues(struct reqctx *rc, int64_t at, const char **v, struct mc_err *e)
{
    static const enum pakn_deadline which[] = {PAKN_DL_REJECT, PAKN_DL_TRANSFER,
                                               PAKN_DL_SUPPLEMENT, PAKN_DL_ANSWER};
    const struct ddl_axis *ax = hx_axis(rc->w, e);
    struct pakn_policy pol;

    if (ax == NULL)
        return -1;
    policy_of(rc, &pol);
    for (size_t i = 0; i < sizeof which / sizeof which[0]; i++) {
        int64_t due;

        if (pakn_due(ax, &pol, which[i], at, &due, e) != 0)
            return -1;
        v[i] = hx_i64(rc, due);
    }
    return 0;
}

static void
on_intake_read(struct reqctx *rc, struct db_result *r)
{
    struct pkin *x = rc->state;
    const PGresult *res;
    const char **p;
    struct mc_err e;
    json_t *who;

    res = hx_one_row(rc, r, ERR_INTERNAL, NULL); /* the read always has its one row */
    if (res == NULL)
        return;
    err_clear(&e);
    if (hx_col(res, 0, "unit_id") == NULL) {
        if (x->public)
            http_reply_err(rc, ERR_LOOKUP_FAILED, NULL);
        else
            reply_field(rc, ERR_UNKNOWN_REF, "unit", "no such unit in your scope");
        return;
    }
    if (x->dossier != NULL && x->dossier[0] != '\0' && hx_col(res, 0, "dossier_id") == NULL) {
        reply_field(rc, ERR_UNKNOWN_REF, "dossier_code", "no such dossier");
        return;
    }
    if (x->follows != NULL && hx_col(res, 0, "follows_id") == NULL) {
        reply_field(rc, ERR_UNKNOWN_REF, "follows", "no such feedback");
        return;
    }
    p = hx_params(rc, PKI__N);
    if (dues(rc, rc->now, p + PKI_REJECT, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    who = json_pack("{s:s, s:s, s:s}", "name", x->in.name, "address", x->in.address, "phone",
                    x->in.phone);
    if (x->email != NULL && x->email[0] != '\0')
        json_object_set_new(who, "email", json_string(x->email));
    p[PKI_TOPIC] = pakn_topic_key((enum pakn_topic)x->in.topic);
    p[PKI_CHANNEL] = pakn_channel_key((enum pakn_channel)x->in.channel);
    p[PKI_SENDER] = hx_json_text(rc, who);
    json_decref(who);
    p[PKI_CONTENT] = x->in.content;
    p[PKI_DOSSIER] = hx_col(res, 0, "dossier_id");
    p[PKI_UNIT] = hx_col(res, 0, "unit_id");
    p[PKI_AT] = hx_i64(rc, rc->now);
    p[PKI_ACTOR] = x->public ? NULL : hx_i64(rc, rc->who.account_id);
    p[PKI_PARENT] = x->follows;
    x->st = (struct db_stmt){SQL_PK_INSERT, PKI__N, p};
    hx_db(rc, &x->st, 1, on_inserted);
}

static void
intake(struct reqctx *rc, int public)
{
    struct pkin *x = arena_calloc(rc->arena, 1, sizeof *x);
    const char *secret = NULL;
    char *hex = NULL;
    struct mc_err e;

    x->public = public;
    x->in.topic = x->in.channel = -1;
    if (public && !api_lookup_allow(rc))
        return;
    err_clear(&e);
    if (parse_intake(rc, x, &secret, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (public) {
        hex = arena_alloc(rc->arena, TOKEN_HASH_HEX);
        token_hash_hex(secret, hex);
    }
    x->p = hx_params(rc, PKR__N);
    x->p[PKR_UNIT] = x->unit != NULL && x->unit[0] != '\0' ? x->unit : rc->who.unit_code;
    x->p[PKR_SCOPE] = public ? NULL : hx_scope_param(rc);
    x->p[PKR_DOSSIER] = x->dossier != NULL && x->dossier[0] != '\0' ? x->dossier : NULL;
    x->p[PKR_HASH] = hex;
    x->p[PKR_FOLLOWS] = x->follows;
    x->st = (struct db_stmt){SQL_PK_READ, PKR__N, x->p};
    rc->state = x;
    hx_db(rc, &x->st, 1, on_intake_read);
}

static void
api_pakn_create(struct reqctx *rc)
{
    intake(rc, 0);
}

static void
api_lookup_pakn(struct reqctx *rc)
{
    intake(rc, 1);
}

/* ---- steps -------------------------------------------------------------------------- */

struct pkstep {
    enum pakn_step step;
    int64_t expected;
    int leaves;
    const char *reason, *answer, *public_text, *to_unit, *to_body;
    const char **p;
    struct db_stmt st;
};

static int
parse_step(struct reqctx *rc, struct pkstep *x, struct mc_err *e)
{
    static const char *const keys[] = {"type", "expected_version", "reason", "answer",
                                       "public_text", "to_unit", "to_body", NULL};
    const char *type = NULL;
    int k;

    if (!json_is_object(rc->json))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    if (hx_only_keys(rc->json, keys, "", e) != 0
        || jin_get_str(rc->json, "type", 32, 1, &type, e) < 0
        || jin_get_int(rc->json, "expected_version", 1, 1000000, 1, &x->expected, e) < 0
        || jin_get_str(rc->json, "reason", TEXT_MAX, 0, &x->reason, e) < 0
        || jin_get_str(rc->json, "answer", TEXT_MAX, 0, &x->answer, e) < 0
        || jin_get_str(rc->json, "public_text", TEXT_MAX, 0, &x->public_text, e) < 0
        || jin_get_str(rc->json, "to_unit", 32, 0, &x->to_unit, e) < 0
        || jin_get_str(rc->json, "to_body", LINE_MAX_LEN, 0, &x->to_body, e) < 0)
        return -1;
    k = pakn_step_parse(type);
    if (k < 0)
        return err_field(e, ERR_VALIDATION, "type",
                         "type: accept, reject, transfer, request_info, receive_info, answer "
                         "or publish");
    x->step = (enum pakn_step)k;
    x->leaves = x->to_body != NULL && x->to_body[0] != '\0';
    return 0;
}

/* The text each step needs (domain.md §12.2). */
static int
step_texts(const struct pkstep *x, struct mc_err *e)
{
#define NEED(c, f, m)                                                                           \
    if (c)                                                                                      \
        return err_field(e, ERR_VALIDATION, f, m)
    NEED((x->step == PAKN_REJECT || x->step == PAKN_REQUEST_INFO)
             && (x->reason == NULL || x->reason[0] == '\0'),
         "reason", "a reason is required");
    NEED(x->step == PAKN_ANSWER && (x->answer == NULL || x->answer[0] == '\0'), "answer",
         "the answer is required");
    NEED(x->step == PAKN_PUBLISH && (x->public_text == NULL || x->public_text[0] == '\0'),
         "public_text", "the text to publish, without personal data, is required");
    NEED(x->step == PAKN_TRANSFER && (x->to_unit == NULL || x->to_unit[0] == '\0') && !x->leaves,
         "to_unit", "a transfer names the unit (to_unit) or the body outside (to_body)");
#undef NEED
    return 0;
}

static void
on_stepped(struct reqctx *rc, struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1) {
        http_reply_err(rc, ERR_VERSION_CONFLICT, "the feedback was changed meanwhile");
        return;
    }
    reply_row(rc, 200, r->res[0]);
}

static json_t *
step_payload(const struct pkstep *x)
{
    json_t *o = json_object();

    if (x->reason != NULL && x->reason[0] != '\0')
        json_object_set_new(o, "reason", json_string(x->reason));
    if (x->to_unit != NULL && x->to_unit[0] != '\0' && !x->leaves)
        json_object_set_new(o, "to_unit", json_string(x->to_unit));
    if (x->leaves)
        json_object_set_new(o, "to_body", json_string(x->to_body));
    return o;
}

/* Binds the step's write: the new state, and the deadlines a transfer or an answer sets. */
static int
bind_step(struct reqctx *rc, struct pkstep *x, const PGresult *res, enum pakn_state from,
          enum pakn_state to, struct mc_err *e)
{
    const char **p = hx_params(rc, PKW__N);
    json_t *pl;

    p[PKW_ID] = hx_col(res, 0, "id");
    p[PKW_VERSION] = hx_i64(rc, x->expected);
    p[PKW_STATE] = hx_i64(rc, to);
    p[PKW_AT] = hx_i64(rc, rc->now);
    if (x->step == PAKN_TRANSFER && !x->leaves) {
        p[PKW_UNIT] = hx_col(res, 0, "to_unit_id");
        if (dues(rc, rc->now, p + PKW_REJECT, e) != 0)
            return -1;
    }
    if (x->step == PAKN_ANSWER) {
        const struct ddl_axis *ax = hx_axis(rc->w, e);
        struct pakn_policy pol;
        int64_t due;

        policy_of(rc, &pol);
        if (ax == NULL || pakn_due(ax, &pol, PAKN_DL_PUBLISH, rc->now, &due, e) != 0)
            return -1;
        p[PKW_PUBLISH_DUE] = hx_i64(rc, due);
        p[PKW_ANSWER] = x->answer;
    }
    if (x->step == PAKN_PUBLISH)
        p[PKW_PUBLIC] = x->public_text;
    p[PKW_TYPE] = pakn_step_key(x->step);
    p[PKW_FROM] = hx_i64(rc, from);
    p[PKW_ACTOR] = hx_i64(rc, rc->who.account_id);
    pl = step_payload(x);
    p[PKW_PAYLOAD] = hx_json_text(rc, pl);
    json_decref(pl);
    x->st = (struct db_stmt){SQL_PK_STEP, PKW__N, p};
    return 0;
}

static void
on_step_read(struct reqctx *rc, struct db_result *r)
{
    struct pkstep *x = rc->state;
    const PGresult *res;
    enum pakn_state from, to;
    struct mc_err e;

    res = hx_one_row(rc, r, ERR_NOT_FOUND, "no such feedback in your scope");
    if (res == NULL)
        return;
    /* out of scope is 404 before any role check (as dossiers); the competent body's leader
       approves the answer and its publication (§12.2) */
    if ((x->step == PAKN_ANSWER || x->step == PAKN_PUBLISH)
        && !(hx_roles(rc) & (ROLE_LEADER | ROLE_ADMIN))) {
        http_reply_err(rc, ERR_ROLE_NOT_ALLOWED, "a leader answers and publishes");
        return;
    }
    err_clear(&e);
    from = (enum pakn_state)atoi(hx_col(res, 0, "state"));
    if (atoll(hx_col(res, 0, "version")) != x->expected) {
        http_reply_err(rc, ERR_VERSION_CONFLICT, "the feedback is at version %s",
                       hx_col(res, 0, "version"));
        return;
    }
    if (x->step == PAKN_TRANSFER && !x->leaves && hx_col(res, 0, "to_unit_id") == NULL) {
        reply_field(rc, ERR_UNKNOWN_REF, "to_unit", "no such unit");
        return;
    }
    if (pakn_next(from, x->step, x->leaves, &to, &e) != 0
        || bind_step(rc, x, res, from, to, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    hx_db(rc, &x->st, 1, on_stepped);
}

static void
api_pakn_step(struct reqctx *rc)
{
    struct pkstep *x = arena_calloc(rc->arena, 1, sizeof *x);
    struct mc_err e;
    const char *id = rc_param(rc, "id");

    err_clear(&e);
    if (id == NULL || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18 || id[0] == '\0') {
        http_reply_err(rc, ERR_NOT_FOUND, "no such feedback");
        return;
    }
    if (parse_step(rc, x, &e) != 0 || step_texts(x, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->p = hx_params(rc, PKS__N);
    x->p[PKS_ID] = id;
    x->p[PKS_SCOPE] = hx_scope_param(rc);
    x->p[PKS_TO_UNIT] = x->to_unit != NULL && x->to_unit[0] != '\0' ? x->to_unit : NULL;
    x->st = (struct db_stmt){SQL_PK_STEP_READ, PKS__N, x->p};
    rc->state = x;
    hx_db(rc, &x->st, 1, on_step_read);
}

/* ---- reads -------------------------------------------------------------------------- */

static const struct hx_jcol EVENT_JSON[] = {
    {"seq", NULL, HX_INT},         {"type", NULL, HX_TEXT},
    {"occurred_at", NULL, HX_TS},  {"actor", NULL, HX_TEXT},
    {"payload", NULL, HX_JSON},
};

static void
on_get(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res, *ev;
    json_t *o, *items;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    ev = r->res[1];
    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such feedback in your scope");
        return;
    }
    o = pakn_json(rc, res, 0);
    items = hx_rows_json(ev, EVENT_JSON, (int)(sizeof EVENT_JSON / sizeof EVENT_JSON[0]));
    for (int i = 0; i < PQntuples(ev); i++) {
        const char *f = hx_col(ev, i, "from_state");

        json_object_set_new(json_array_get(items, (size_t)i), "from_state",
                            f ? json_string(pakn_state_key((enum pakn_state)atoi(f))) : json_null());
        json_object_set_new(json_array_get(items, (size_t)i), "to_state",
                            json_string(pakn_state_key(
                                (enum pakn_state)atoi(hx_col(ev, i, "to_state")))));
    }
    json_object_set_new(o, "events", items);
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, o);
}

static void
api_pakn_get(struct reqctx *rc)
{
    const char *id = rc_param(rc, "id");
    const char **p;
    struct db_stmt *st;

    if (id == NULL || id[0] == '\0' || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such feedback");
        return;
    }
    p = hx_params(rc, PKG__N);
    p[PKG_ID] = id;
    p[PKG_SCOPE] = hx_scope_param(rc);
    st = arena_alloc(rc->arena, 2 * sizeof *st);
    st[0] = (struct db_stmt){SQL_PK_GET, PKG__N, p};
    st[1] = (struct db_stmt){SQL_PK_EVENTS, PKG__N, p};
    api_db(rc, st, 2, on_get);
}

static void
on_list(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    json_t *items = json_array();
    int n, limit = *(int *)rc->state;
    const char *next = NULL;

    if (r->err.code != ERR_OK) {
        json_decref(items);
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    for (int i = 0; i < n; i++)
        json_array_append_new(items, pakn_json(rc, res, i));
    if (n == limit)
        next = hx_col(res, n - 1, "id");
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, api_page(items, next));
}

static void
api_pakn_list(struct reqctx *rc)
{
    const char **p = hx_params(rc, PKL__N);
    const char *state = rc_query(rc, "state"), *topic = rc_query(rc, "topic"), *cursor;
    int *limit = arena_alloc(rc->arena, sizeof *limit);
    struct mc_err e;

    err_clear(&e);
    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", &cursor, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (state != NULL && pakn_state_parse(state) < 0) {
        reply_field(rc, ERR_BAD_QUERY, "state", "unknown state");
        return;
    }
    if (topic != NULL && pakn_topic_parse(topic) < 0) {
        reply_field(rc, ERR_BAD_QUERY, "topic", "topic: regulation or conduct");
        return;
    }
    p[PKL_SCOPE] = hx_scope_param(rc);
    p[PKL_STATE] = state != NULL ? hx_i64(rc, pakn_state_parse(state)) : NULL;
    p[PKL_TOPIC] = topic;
    p[PKL_CURSOR] = cursor;
    p[PKL_LIMIT] = hx_i64(rc, *limit);
    rc->state = limit;
    api_db1(rc, SQL_PK_LIST, PKL__N, p, on_list);
}

/* ---- the published results (public) ------------------------------------------------ */

/* What is public of a PAKN once published (ND 20/2008 Art. 19): the topic, the unit, the
   dates and the text the leader approved without personal data - never the sender or the
   content as sent. */
enum { PKP_CURSOR, PKP_LIMIT, PKP__N };
static const char SQL_PK_PUBLIC[] =
    "SELECT p.id, p.topic, un.code AS unit, un.name AS unit_name,"
    " " EP("p.received_at") " AS received_at, " EP("p.published_at") " AS published_at,"
    " p.public_text, rx.likes, rx.dislikes FROM pakn p JOIN unit un ON un.id = p.unit_id"
    " CROSS JOIN LATERAL pakn_reactions_at(p.id, 'infinity') rx"
    " WHERE p.state = 6 AND ($1::bigint IS NULL OR p.id < $1::bigint)"
    " ORDER BY p.id DESC LIMIT $2::int";

static const struct hx_jcol PUBLIC_JSON[] = {
    {"id", NULL, HX_INT},           {"topic", NULL, HX_TEXT},
    {"unit", NULL, HX_TEXT},        {"unit_name", NULL, HX_TEXT},
    {"received_at", NULL, HX_TS},   {"published_at", NULL, HX_TS},
    {"public_text", NULL, HX_TEXT}, {"likes", NULL, HX_INT},
    {"dislikes", NULL, HX_INT},
};

static void
on_public(struct reqctx *rc, struct db_result *r)
{
    int limit = *(int *)rc->state, n;
    const PGresult *res;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    http_reply_json(rc, 200, api_page(hx_rows_json(res, PUBLIC_JSON,
                                                   (int)(sizeof PUBLIC_JSON / sizeof PUBLIC_JSON[0])),
                                      n == limit ? hx_col(res, n - 1, "id") : NULL));
}

static void
api_pakn_public(struct reqctx *rc)
{
    const char **p = hx_params(rc, PKP__N);
    int *limit = arena_alloc(rc->arena, sizeof *limit);
    struct mc_err e;

    err_clear(&e);
    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", &p[PKP_CURSOR], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[PKP_LIMIT] = hx_i64(rc, *limit);
    rc->state = limit;
    api_db1(rc, SQL_PK_PUBLIC, PKP__N, p, on_public);
}

#define PAKN_STAFF (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_ADMIN | ROLE_INTEGRATION)
#define PAKN_READERS (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN \
                      | ROLE_INTEGRATION)

const struct route API_PAKN_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/pakn", api_pakn_create, PAKN_STAFF, RF_JSON,
     "Take in a phản ánh, kiến nghị (counter, letter, phone, hotline, portal, DVCQG)"},
    {EVHTTP_REQ_GET, "/api/v1/pakn", api_pakn_list, PAKN_READERS, 0,
     "The register of phản ánh, kiến nghị in the caller's scope, newest first"},
    {EVHTTP_REQ_GET, "/api/v1/pakn/{id}", api_pakn_get, PAKN_READERS, 0,
     "A phản ánh, kiến nghị with its deadlines and steps"},
    {EVHTTP_REQ_POST, "/api/v1/pakn/{id}/events", api_pakn_step, PAKN_STAFF, RF_JSON,
     "A step: accept, reject, transfer, request_info, receive_info, answer, publish"},
    {EVHTTP_REQ_GET, "/api/v1/public/pakn", api_pakn_public, 0, RF_PUBLIC,
     "Public: the published answers to phản ánh, kiến nghị, without personal data"},
    {EVHTTP_REQ_POST, "/api/v1/lookup/pakn", api_lookup_pakn, 0, RF_PUBLIC | RF_JSON,
     "Public: the applicant sends a phản ánh, kiến nghị about a dossier (code and secret)"},
    {0},
};
