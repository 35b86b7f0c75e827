/*
 * dossier_write.c - reception (POST /api/v1/dossiers), transitions
 * (POST /api/v1/dossiers/{code}/events) and the calendar re-projection of open dossiers.
 *
 * Every write is: read what it needs in one query, decide in C with the domain modules
 * (dossier.h state machine, ddl.h deadlines), then ONE unit of work (one pipeline sync =
 * one transaction) holding the event, the projection update, the pause/step rows and the
 * idempotent response. Optimistic concurrency: the event's seq is version + 1 and
 * UNIQUE (dossier_id, seq) makes the second of two writers that read the same version
 * fail on its first statement (23505), before anything else is written; the projection
 * update is also guarded by WHERE version = expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api/dossier.h"
#include "api/dossier_int.h"
#include "api/idem.h"
#include "app.h"
#include "core/config.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/json.h"
#include "http/reqctx.h"

/* domain.md §3: an event may not be dated more than 5 minutes in the future. */
#define FUTURE_SLACK 300
#define SECRET_LEN 10

/* ---------------------------------------------------------------- small helpers */

static int64_t
now_s(void)
{
    return (int64_t)time(NULL);
}

/* Integration clients replay the acts of staff in their source system (domain.md §11:
 * "push dossiers and events"), so they may perform every transition; staff only theirs. */
static unsigned
effective_roles(const struct reqctx *rc)
{
    return rc->who.role == ROLE_INTEGRATION ? ROLE_ALL : rc->who.role;
}

static const char *
i64s(struct reqctx *rc, int64_t v)
{
    return arena_printf(rc->arena, "%lld", (long long)v);
}

/* Instant parameter: NULL for 0 (absent). */
static const char *
tsp(struct reqctx *rc, int64_t t)
{
    return t == 0 ? NULL : dossier_ts(rc, t);
}

static const char *
json_text(struct reqctx *rc, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy;

    if (s == NULL)
        abort(); /* out of memory */
    copy = arena_strdup(rc->arena, s);
    free(s);
    return copy;
}

static void
sha256_hex(const char *s, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

/* The lookup secret printed on the receipt (domain.md §9): 10 characters from an
 * alphabet without look-alikes (no 0/O, 1/I/L), ~49 bits. Only its hash is stored. */
static int
make_secret(char *out)
{
    static const char ALPHA[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    unsigned char r[SECRET_LEN];

    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    for (int i = 0; i < SECRET_LEN; i++)
        out[i] = ALPHA[r[i] % (sizeof(ALPHA) - 1)];
    out[SECRET_LEN] = '\0';
    return 0;
}

/* Duration of a procedure version (schema: duration_value + duration_unit + cutoff). */
static int
version_duration(const char *unit, int value, int cutoff, struct ddl_duration *d,
                 struct mc_err *e)
{
    memset(d, 0, sizeof(*d));
    d->value = value;
    d->cutoff = -1;
    if (unit == NULL)
        return err_set(e, ERR_BAD_DURATION, "procedure version has no duration");
    if (strcmp(unit, "wd") == 0)
        d->unit = DDL_WD;
    else if (strcmp(unit, "wh") == 0)
        d->unit = DDL_WH;
    else if (strcmp(unit, "wm") == 0)
        d->unit = DDL_WM;
    else if (strcmp(unit, "cd") == 0)
        d->unit = DDL_CD;
    else if (strcmp(unit, "sameday") == 0) {
        d->unit = DDL_SAMEDAY;
        d->value = 0;
        d->cutoff = cutoff;
    } else if (strcmp(unit, "none") == 0) {
        d->unit = DDL_NONE;
        d->value = 0;
    } else
        return err_set(e, ERR_BAD_DURATION, "unknown duration unit %s", unit);
    return 0;
}

/*
 * The clock of a reception at t (domain.md §5.1): appointment (0 without one) and the
 * due instant used for classification (the appointment, or the maximum duration's due).
 */
static int
start_clock(const struct ddl_axis *ax, int64_t t, const struct ddl_duration *d,
            int max_minutes, int64_t *appointment, int64_t *due, struct mc_err *e)
{
    if (d->unit == DDL_NONE) {
        int64_t start;

        if (max_minutes <= 0)
            return err_set(e, ERR_BAD_DURATION, "no appointment and no maximum duration");
        if (ddl_start(ax, t, &start, e) != 0 ||
            ddl_add_minutes(ax, start, max_minutes, due, e) != 0)
            return -1;
        *appointment = 0;
        return 0;
    }
    if (ddl_appointment(ax, t, d, appointment, e) != 0)
        return -1;
    *due = *appointment;
    return 0;
}

static const char *
regime_key(int64_t t)
{
    return dossier_regime_of(cal_local_day(t)) == DOSSIER_REGIME_ND61 ? "nd61" : "nd118";
}

/* Documents [{name, kind original|copy, count}] (Mẫu 01 "thành phần hồ sơ"). */
static int
check_documents(json_t *docs, struct mc_err *e)
{
    size_t i;
    json_t *d;

    if (docs == NULL || json_is_null(docs))
        return 0;
    if (!json_is_array(docs) || json_array_size(docs) > 200)
        return err_field(e, ERR_VALIDATION, "documents", "an array of at most 200 items");
    json_array_foreach(docs, i, d)
    {
        const char *name = NULL, *kind = NULL;
        int64_t count = 1;

        if (!json_is_object(d))
            return err_field(e, ERR_VALIDATION, "documents", "item %zu is not an object", i);
        if (json_get_str(d, "name", 300, 1, &name, e) < 0 ||
            json_get_str(d, "kind", 16, 0, &kind, e) < 0 ||
            json_get_int(d, "count", 1, 100, 0, &count, e) < 0)
            return -1;
        if (kind != NULL && strcmp(kind, "original") != 0 && strcmp(kind, "copy") != 0)
            return err_field(e, ERR_VALIDATION, "documents", "kind is original or copy");
    }
    return 0;
}

/* ---------------------------------------------------------------- reception */

enum rec_kind { REC_RECEIVE, REC_REFUSE, REC_GUIDE, REC_SUBMIT };

struct rec {
    struct idem *im;
    enum rec_kind kind;
    enum dossier_tr tr;
    json_t *body;
    json_t *applicant;
    json_t *documents;
    json_t *missing;
    const char *name;
    const char *fold;
    const char *procedure;
    const char *case_code;
    const char *resolving;
    const char *return_method;
    const char *reason;
    const char *ext_code;
    const char *receiving;
    int64_t channel, sets;
    int64_t at;          /* reception / guidance / submission instant */
    int backdated;
    char secret[SECRET_LEN + 1];
    const char *params[28];
    const char *gparams[15];
    const char *eparams[9];
    struct db_stmt stmts[3];
    json_t *resp;        /* the reply; stored without the secret */
    int status;
};

static void
rec_fail(struct reqctx *rc, struct rec *x, const struct mc_err *e)
{
    idem_release(rc, x->im);
    http_reply_error(rc, e);
}

static void
rec_fail_code(struct reqctx *rc, struct rec *x, enum err_code code, const char *field,
              const char *detail)
{
    struct mc_err e;

    err_field(&e, code, field, "%s", detail);
    rec_fail(rc, x, &e);
}

/* Applicant {name, id_number, address, phone, email}: what Mẫu 01 prints. */
static int
parse_applicant(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    const char *v = NULL;

    x->applicant = json_object_get(x->body, "applicant");
    if (!json_is_object(x->applicant))
        return err_field(e, ERR_VALIDATION, "applicant", "an object is required");
    if (json_get_str(x->applicant, "name", 200, 1, &x->name, e) < 0 ||
        json_get_str(x->applicant, "id_number", 20, 0, &v, e) < 0 ||
        json_get_str(x->applicant, "address", 300, 0, &v, e) < 0 ||
        json_get_str(x->applicant, "phone", 20, 0, &v, e) < 0 ||
        json_get_str(x->applicant, "email", 254, 0, &v, e) < 0)
        return -1;
    x->fold = json_fold_text(rc->arena, x->name);
    if (x->fold == NULL)
        return err_field(e, ERR_BAD_UTF8, "applicant.name", NULL);
    return 0;
}

static int
parse_reception(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    int complete = 1, out_of_scope = 0, submit = 0;
    int64_t at = 0;
    int have_at;
    int to;

    x->body = rc->json;
    if (!json_is_object(x->body))
        return err_set(e, ERR_VALIDATION, "the body must be an object");
    if (json_get_bool(x->body, "complete", 0, &complete, e) < 0 ||
        json_get_bool(x->body, "out_of_scope", 0, &out_of_scope, e) < 0 ||
        json_get_bool(x->body, "submit", 0, &submit, e) < 0)
        return -1;
    if (submit) {
        x->kind = REC_SUBMIT;
        x->tr = DOSSIER_TR_SUBMIT;
    } else if (out_of_scope) {
        x->kind = REC_REFUSE;
        x->tr = DOSSIER_TR_REFUSE;
    } else if (!complete) {
        x->kind = REC_GUIDE;
        x->tr = DOSSIER_TR_GUIDE;
    } else {
        x->kind = REC_RECEIVE;
        x->tr = DOSSIER_TR_RECEIVE;
    }
    /* Integration may replay a receipt; online intake is integration only (§3). */
    if (dossier_transition_check(DOSSIER_NONE, x->tr,
                                 x->kind == REC_SUBMIT ? rc->who.role : effective_roles(rc),
                                 &to, e) != 0)
        return -1;
    if (parse_applicant(rc, x, e) != 0)
        return -1;
    if (json_get_str(x->body, "procedure", 40, 1, &x->procedure, e) < 0 ||
        json_get_str(x->body, "case", 64, 0, &x->case_code, e) < 0 ||
        json_get_str(x->body, "resolving_unit", 13, 0, &x->resolving, e) < 0 ||
        json_get_str(x->body, "return_method", 8, 0, &x->return_method, e) < 0 ||
        json_get_str(x->body, "reason", 2000, 0, &x->reason, e) < 0 ||
        json_get_str(x->body, "code", DOSSIER_CODE_MAX - 1, 0, &x->ext_code, e) < 0 ||
        json_get_str(x->body, "receiving_unit", 13, 0, &x->receiving, e) < 0)
        return -1;
    /* Staff receive at their own counter; an integration client names the counter of the
       source system (within its scope). */
    if (x->receiving != NULL && rc->who.role != ROLE_INTEGRATION)
        return err_field(e, ERR_FORBIDDEN, "receiving_unit",
                         "staff receive at their own unit");
    x->channel = x->kind == REC_SUBMIT ? 2 : 1;
    x->sets = 1;
    if (json_get_int(x->body, "channel", 1, 3, 0, &x->channel, e) < 0 ||
        json_get_int(x->body, "sets", 1, 100, 0, &x->sets, e) < 0)
        return -1;
    if (x->return_method == NULL)
        x->return_method = "counter";
    else if (strcmp(x->return_method, "counter") != 0 && strcmp(x->return_method, "post") != 0 &&
             strcmp(x->return_method, "online") != 0)
        return err_field(e, ERR_VALIDATION, "return_method", "counter, post or online");
    x->documents = json_object_get(x->body, "documents");
    if (check_documents(x->documents, e) != 0)
        return -1;
    x->missing = json_object_get(x->body, "missing");
    if (x->missing != NULL && !json_is_null(x->missing) && !json_is_array(x->missing))
        return err_field(e, ERR_VALIDATION, "missing", "an array of documents");
    if (x->kind == REC_GUIDE && (x->missing == NULL || json_array_size(x->missing) == 0))
        return err_field(e, ERR_VALIDATION, "missing",
                         "Mẫu 02 lists what the applicant must supplement");
    if (x->kind == REC_REFUSE && x->reason == NULL)
        return err_field(e, ERR_VALIDATION, "reason", "Mẫu 03 states the reason for refusal");
    if (x->ext_code != NULL) {
        for (const char *p = x->ext_code; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || *p == '.' ||
                  *p == '-'))
                return err_field(e, ERR_BAD_CODE, "code", "letters A-Z, digits, '.' and '-'");
        if (rc->who.role != ROLE_INTEGRATION)
            return err_field(e, ERR_FORBIDDEN, "code",
                             "only an integration client brings a dossier code");
    }
    /* received_at: integration only (replays of receptions made elsewhere; demo data). */
    have_at = json_get_instant(x->body, "received_at", 0, &at, e);
    if (have_at < 0)
        return -1;
    x->at = now_s();
    if (have_at == 1) {
        if (rc->who.role != ROLE_INTEGRATION)
            return err_field(e, ERR_FORBIDDEN, "received_at",
                             "only an integration client may date a reception");
        if (at > x->at + FUTURE_SLACK)
            return err_field(e, ERR_FUTURE_TIME, "received_at", NULL);
        x->at = at;
        x->backdated = 1;
    }
    return 0;
}

static json_t *
receipt_json(struct reqctx *rc, struct rec *x, const PGresult *ctx, int64_t appointment,
             int64_t due, const char *regime)
{
    json_t *r = json_object();
    json_t *qr = json_object();
    const char *dv = dossier_col(ctx, 0, "duration_value");
    const char *du = dossier_col(ctx, 0, "duration_unit");
    int form_no = dossier_tr_form(DOSSIER_TR_RECEIVE, strcmp(regime, "nd61") == 0
                                                          ? DOSSIER_REGIME_ND61
                                                          : DOSSIER_REGIME_ND118);

    /* Mẫu 01 (domain.md §3): issuing body and counter, code, applicant, procedure,
       documents, sets, legal duration, reception and appointment time, return place. */
    json_object_set_new(r, "form", json_string(arena_printf(rc->arena, "Mẫu %02d", form_no)));
    json_object_set_new(r, "title", json_string("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    json_object_set_new(r, "issuing_unit", json_pack("{s:s?,s:s?,s:s?}", "code",
                        dossier_col(ctx, 0, "unit_code"), "name", dossier_col(ctx, 0, "unit_name"),
                        "address", dossier_col(ctx, 0, "unit_address")));
    json_object_set_new(r, "code", json_string(DOSSIER_CODE_MARK));
    json_object_set(r, "applicant", x->applicant);
    json_object_set_new(r, "procedure", json_pack("{s:s?,s:s?}", "code",
                        dossier_col(ctx, 0, "procedure_code"), "name",
                        dossier_col(ctx, 0, "procedure_name")));
    json_object_set(r, "documents", x->documents != NULL ? x->documents : json_array());
    json_object_set_new(r, "sets", json_integer(x->sets));
    json_object_set_new(r, "duration", json_pack("{s:i,s:s?}", "value",
                        dv != NULL ? atoi(dv) : 0, "unit", du));
    json_object_set_new(r, "received_at", dossier_ts_json(x->at));
    json_object_set_new(r, "appointment_at", dossier_ts_json(appointment));
    json_object_set_new(r, "legal_due_at", dossier_ts_json(due));
    json_object_set_new(r, "return_method", json_string(x->return_method));
    json_object_set_new(r, "regime", json_string(regime));
    /* QR content (TT 01/2023/TT-VPCP): code, procedure, applicant id, document, system,
       issue time, appointment, lookup address. */
    json_object_set_new(qr, "code", json_string(DOSSIER_CODE_MARK));
    json_object_set_new(qr, "procedure", json_string(x->procedure));
    json_object_set(qr, "applicant_id", json_object_get(x->applicant, "id_number")
                                            ? json_object_get(x->applicant, "id_number")
                                            : json_null());
    json_object_set_new(qr, "document", json_string("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"));
    json_object_set_new(qr, "system", json_string("motcua"));
    json_object_set_new(qr, "issued_at", dossier_ts_json(x->at));
    json_object_set_new(qr, "appointment_at", dossier_ts_json(appointment));
    json_object_set_new(qr, "lookup_url",
                        json_string(arena_printf(rc->arena, "%s/tra-cuu?ma=%s",
                                                 rc->app->cfg != NULL ? rc->app->cfg->public_url : "",
                                                 DOSSIER_CODE_MARK)));
    json_object_set_new(r, "qr", qr);
    return r;
}

static void
on_rec_written(struct reqctx *rc, struct db_result *r)
{
    struct rec *x = rc->state;
    const char *code;
    char *text, *out;
    json_t *body;

    if (r->err.code != ERR_OK) {
        struct mc_err e = r->err;

        if (strcmp(r->sqlstate, "23505") == 0)
            err_field(&e, ERR_ALREADY_EXISTS, "code", "a dossier with this code exists");
        else if (strcmp(r->sqlstate, "23503") == 0 || strcmp(r->sqlstate, "23502") == 0)
            err_set(&e, ERR_UNKNOWN_REF, "unit or procedure");
        rec_fail(rc, x, &e);
        return;
    }
    if (x->kind == REC_GUIDE) {
        json_object_set_new(x->resp, "id", json_integer(strtoll(db_val(r->res[0], 0, 0), NULL, 10)));
        http_reply_json(rc, x->status, json_incref(x->resp));
        return;
    }
    code = db_val(r->res[0], 0, 1);
    /* The code is drawn inside the unit: put it where the response had its mark. */
    if (x->secret[0] != '\0')
        json_object_set_new(x->resp, "lookup_secret", json_string(x->secret));
    text = json_dumps(x->resp, JSON_COMPACT);
    if (text == NULL)
        abort();
    {
        size_t ml = strlen(DOSSIER_CODE_MARK), cl = strlen(code), n = 0;
        const char *p = text;
        char *o;

        for (const char *q = strstr(p, DOSSIER_CODE_MARK); q; q = strstr(q + ml, DOSSIER_CODE_MARK))
            n++;
        out = arena_alloc(rc->arena, strlen(text) + n * cl + 1);
        o = out;
        for (const char *q = strstr(p, DOSSIER_CODE_MARK); q; q = strstr(p, DOSSIER_CODE_MARK)) {
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            memcpy(o, code, cl);
            o += cl;
            p = q + ml;
        }
        strcpy(o, p);
    }
    free(text);
    body = json_loads(out, 0, NULL);
    if (body == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "response rebuild failed");
        return;
    }
    rc_set_header(rc, "Location", arena_printf(rc->arena, "/api/v1/dossiers/%s", code));
    http_reply_json(rc, x->status, body);
}

static void
on_rec_ctx(struct reqctx *rc, struct db_result *r)
{
    struct rec *x = rc->state;
    const PGresult *ctx;
    struct mc_err e;
    const struct ddl_axis *ax;
    struct ddl_duration dur;
    int64_t appointment = 0, due = 0;
    const char *regime = regime_key(x->at);
    char day[16], yymmdd[8], hash[65];
    struct cal_date cd;
    int n = 0, state;
    int max_minutes;
    json_t *payload;

    if (r->err.code != ERR_OK) {
        rec_fail(rc, x, &r->err);
        return;
    }
    ctx = r->res[0];
    if (PQntuples(ctx) == 0) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "receiving_unit",
                      "no such unit in the account's scope");
        return;
    }
    if (strcmp(dossier_col(ctx, 0, "unit_valid"), "t") != 0) {
        rec_fail_code(rc, x, ERR_UNIT_INVALID, "unit", "the receiving unit is not in force");
        return;
    }
    if (dossier_col(ctx, 0, "procedure_id") == NULL) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "procedure", "no procedure with this code");
        return;
    }
    if (dossier_col(ctx, 0, "version_id") == NULL) {
        rec_fail_code(rc, x, ERR_PROCEDURE_INVALID, "procedure",
                      "no version in force on the reception date");
        return;
    }
    if (dossier_col(ctx, 0, "resolving_id") == NULL) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "resolving_unit", "no unit with this code");
        return;
    }
    cal_format_date(cal_local_day(x->at), day);
    cd = cal_date_of(cal_local_day(x->at));
    snprintf(yymmdd, sizeof(yymmdd), "%02d%02d%02d", cd.year % 100, cd.month, cd.day);
    max_minutes = dossier_col(ctx, 0, "max_minutes") ? atoi(dossier_col(ctx, 0, "max_minutes")) : 0;

    if (x->kind == REC_GUIDE) {
        x->resp = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s?,s:s}", "kind", "guidance", "form",
                            "Mẫu 02", "title", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                            "applicant", x->applicant, "missing", x->missing, "procedure",
                            x->procedure, "guided_at", dossier_ts(rc, x->at));
        x->status = 201;
        x->gparams[0] = dossier_col(ctx, 0, "province");
        x->gparams[1] = dossier_col(ctx, 0, "unit_id");
        x->gparams[2] = dossier_col(ctx, 0, "procedure_id");
        x->gparams[3] = dossier_col(ctx, 0, "version_id");
        x->gparams[4] = regime;
        x->gparams[5] = i64s(rc, x->channel);
        x->gparams[6] = json_text(rc, x->applicant);
        x->gparams[7] = x->fold;
        x->gparams[8] = json_text(rc, x->documents ? x->documents : json_array());
        x->gparams[9] = json_text(rc, x->missing);
        x->gparams[10] = x->reason;
        x->gparams[11] = dossier_ts(rc, x->at);
        x->gparams[12] = i64s(rc, rc->who.account_id);
        x->gparams[13] = rc->who.login;
        x->gparams[14] = rc->req_id;
        x->stmts[n++] = (struct db_stmt){DSQL_INSERT_GUIDANCE, 15, x->gparams};
        if (x->im != NULL)
            idem_store_stmt(x->im, x->status, json_text(rc, x->resp), &x->stmts[n++]);
        dossier_db(rc, x->stmts, n, on_rec_written);
        return;
    }

    state = x->kind == REC_RECEIVE ? DOSSIER_RECEIVED
            : x->kind == REC_REFUSE ? DOSSIER_NOT_RECEIVED
                                    : DOSSIER_SUBMITTED;
    if (x->kind == REC_RECEIVE) {
        ax = dossier_axis(rc->w, &e);
        if (ax == NULL ||
            version_duration(dossier_col(ctx, 0, "duration_unit"),
                             atoi(dossier_col(ctx, 0, "duration_value")),
                             dossier_col(ctx, 0, "cutoff_minute")
                                 ? atoi(dossier_col(ctx, 0, "cutoff_minute"))
                                 : -1,
                             &dur, &e) != 0 ||
            start_clock(ax, x->at, &dur, max_minutes, &appointment, &due, &e) != 0) {
            rec_fail(rc, x, &e);
            return;
        }
        if (make_secret(x->secret) != 0) {
            rec_fail_code(rc, x, ERR_INTERNAL, "", "no randomness");
            return;
        }
        sha256_hex(x->secret, hash);
    }

    x->resp = json_object();
    json_object_set_new(x->resp, "kind", json_string(x->kind == REC_RECEIVE  ? "dossier"
                                                     : x->kind == REC_REFUSE ? "refusal"
                                                                             : "submission"));
    json_object_set_new(x->resp, "code", json_string(DOSSIER_CODE_MARK));
    json_object_set_new(x->resp, "state", json_integer(state));
    json_object_set_new(x->resp, "state_name", json_string(dossier_state_name_vi(state)));
    json_object_set_new(x->resp, "version", json_integer(1));
    json_object_set_new(x->resp, "regime", json_string(regime));
    json_object_set_new(x->resp, "received_at",
                        x->kind == REC_SUBMIT ? json_null() : dossier_ts_json(x->at));
    json_object_set_new(x->resp, "appointment_at", dossier_ts_json(appointment));
    json_object_set_new(x->resp, "legal_due_at", dossier_ts_json(due));
    if (x->kind == REC_RECEIVE)
        json_object_set_new(x->resp, "receipt",
                            receipt_json(rc, x, ctx, appointment, due, regime));
    if (x->kind == REC_REFUSE)
        json_object_set_new(x->resp, "refusal",
                            json_pack("{s:s,s:s,s:s}", "form", "Mẫu 03", "title",
                                      "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "reason",
                                      x->reason));
    x->status = 201;

    x->params[0] = dossier_col(ctx, 0, "unit_id");
    x->params[1] = arena_strdup(rc->arena, day);
    x->params[2] = dossier_col(ctx, 0, "unit_code");
    x->params[3] = arena_strdup(rc->arena, yymmdd);
    x->params[4] = dossier_col(ctx, 0, "province");
    x->params[5] = dossier_col(ctx, 0, "procedure_id");
    x->params[6] = dossier_col(ctx, 0, "version_id");
    x->params[7] = x->case_code;
    x->params[8] = dossier_col(ctx, 0, "resolving_id");
    x->params[9] = i64s(rc, x->channel);
    x->params[10] = i64s(rc, state);
    x->params[11] = regime;
    x->params[12] = json_text(rc, x->applicant);
    x->params[13] = x->fold;
    x->params[14] = json_text(rc, x->documents ? x->documents : json_array());
    x->params[15] = i64s(rc, x->sets);
    x->params[16] = x->return_method;
    x->params[17] = dossier_col(ctx, 0, "duration_value");
    x->params[18] = dossier_col(ctx, 0, "duration_unit");
    x->params[19] = x->kind == REC_SUBMIT || x->channel == 2 ? dossier_ts(rc, x->at) : NULL;
    x->params[20] = x->kind == REC_RECEIVE ? dossier_ts(rc, x->at) : NULL;
    x->params[21] = tsp(rc, appointment);
    x->params[22] = tsp(rc, due);
    x->params[23] = appointment != 0 || x->kind != REC_RECEIVE ? "true" : "false";
    x->params[24] = dossier_col(ctx, 0, "max_minutes");
    x->params[25] = x->kind == REC_RECEIVE ? arena_strdup(rc->arena, hash) : NULL;
    x->params[26] = x->ext_code;
    x->params[27] = NULL;
    x->stmts[n++] = (struct db_stmt){DSQL_INSERT_DOSSIER, 28, x->params};

    payload = json_object();
    json_object_set_new(payload, "procedure", json_string(x->procedure));
    json_object_set_new(payload, "channel", json_integer(x->channel));
    if (x->reason)
        json_object_set_new(payload, "reason", json_string(x->reason));
    if (x->backdated)
        json_object_set_new(payload, "backdated", json_true());
    json_object_set_new(payload, "appointment_at", dossier_ts_json(appointment));
    x->eparams[0] = dossier_tr_name(x->tr);
    x->eparams[1] = dossier_ts(rc, x->at);
    x->eparams[2] = i64s(rc, rc->who.account_id);
    x->eparams[3] = rc->who.login;
    x->eparams[4] = role_name(rc->who.role);
    x->eparams[5] = rc->who.unit_id ? i64s(rc, rc->who.unit_id) : NULL;
    x->eparams[6] = rc->req_id;
    x->eparams[7] = rc->client_addr;
    x->eparams[8] = json_text(rc, payload);
    json_decref(payload);
    x->stmts[n++] = (struct db_stmt){DSQL_INSERT_FIRST_EVENT, 9, x->eparams};
    if (x->im != NULL) {
        /* The stored copy never holds the lookup secret (only its hash is kept): a replay
           says so instead of showing it again. */
        json_t *stored = json_deep_copy(x->resp);

        if (x->kind == REC_RECEIVE)
            json_object_set_new(stored, "lookup_secret_withheld", json_true());
        idem_store_stmt(x->im, x->status, json_text(rc, stored), &x->stmts[n]);
        x->stmts[n].sql = DSQL_IDEM_STORE_NEW;
        n++;
        json_decref(stored);
    }
    dossier_db(rc, x->stmts, n, on_rec_written);
}

static void
rec_go(struct reqctx *rc, struct idem *im)
{
    struct rec *x = rc->state;
    const char **p = arena_calloc(rc->arena, 5, sizeof(*p));
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));
    char *day = arena_alloc(rc->arena, 16);

    x->im = im;
    cal_format_date(cal_local_day(x->at), day);
    p[0] = x->procedure;
    p[1] = day;
    p[2] = i64s(rc, rc->who.unit_id);
    p[3] = x->resolving;
    p[4] = x->receiving;
    *s = (struct db_stmt){DSQL_RECEPTION_CTX, 5, p};
    dossier_db(rc, s, 1, on_rec_ctx);
}

static void
rec_free_resp(void *p)
{
    struct rec *x = p;

    json_decref(x->resp);
}

void
api_dossier_create(struct reqctx *rc)
{
    struct rec *x = arena_alloc(rc->arena, sizeof(*x));
    struct mc_err e;

    rc->state = x;
    arena_defer(rc->arena, rec_free_resp, x);
    err_clear(&e);
    if (parse_reception(rc, x, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    idem_begin(rc, rec_go);
}

/* ---------------------------------------------------------------- transitions */

/* The projection being rebuilt (columns of DSQL_UPDATE_PROJECTION). */
struct proj {
    int state, version;
    int64_t current_unit_id;
    const char *official;
    int64_t received_at, appointment_at, legal_due_at, new_appointment_at;
    int apology_late;
    int64_t paused_since;
    int64_t paused_minutes, supplement_requests, supplement_seconds;
    int64_t first_supplement_at, ended_at;
    int end_state;
    const char *outcome;
    int64_t returned_at;
    const char *version_id, *duration_value, *duration_unit, *max_minutes;
    int has_appointment;
    const char *lookup_hash;
    const char *regime;
};

struct ev {
    struct idem *im;
    enum dossier_tr tr;
    json_t *body;
    int64_t expected;
    int64_t at;
    int at_given;
    const char *to_unit, *step, *official, *reason, *outcome, *legal_basis, *method,
        *postal_receipt;
    int leg;
    int64_t minutes;
    int64_t new_appointment;
    const char *dossier_id;
    char secret[SECRET_LEN + 1];
    struct db_stmt stmts[8];
    const char *pr[5];
    const char *p_event[15];
    const char *p_proj[27];
    const char *p_pause_ins[10];
    const char *p_pause_res[5];
    const char *p_step_close[2];
    const char *p_step_ins[10];
    const char *p_step_assign[2];
    const char *p_cur[1];
    json_t *resp;
};

static void
ev_fail(struct reqctx *rc, struct ev *x, const struct mc_err *e)
{
    idem_release(rc, x->im);
    http_reply_error(rc, e);
}

static void
ev_fail_code(struct reqctx *rc, struct ev *x, enum err_code code, const char *field,
             const char *fmt, const char *arg)
{
    struct mc_err e;

    err_field(&e, code, field, fmt, arg);
    ev_fail(rc, x, &e);
}

static int
parse_event(struct reqctx *rc, struct ev *x, struct mc_err *e)
{
    const char *type = NULL;
    int tr, have;

    x->body = rc->json;
    if (!json_is_object(x->body))
        return err_set(e, ERR_VALIDATION, "the body must be an object");
    if (json_get_str(x->body, "type", 32, 1, &type, e) < 0 ||
        json_get_int(x->body, "expected_version", 1, INT32_MAX, 1, &x->expected, e) < 0)
        return -1;
    tr = dossier_tr_parse(type);
    if (tr < 0 || tr == DOSSIER_TR_SUBMIT || tr == DOSSIER_TR_GUIDE)
        return err_field(e, ERR_VALIDATION, "type", "unknown transition %s", type);
    x->tr = (enum dossier_tr)tr;
    have = json_get_instant(x->body, "occurred_at", 0, &x->at, e);
    if (have < 0)
        return -1;
    if (have == 1 && rc->who.role != ROLE_INTEGRATION)
        return err_field(e, ERR_FORBIDDEN, "occurred_at",
                         "only an integration client may date an event");
    x->at_given = have == 1;
    if (!x->at_given)
        x->at = now_s();
    else if (x->at > now_s() + FUTURE_SLACK)
        return err_field(e, ERR_FUTURE_TIME, "occurred_at", NULL);
    x->minutes = -1;
    if (json_get_str(x->body, "to_unit", 13, 0, &x->to_unit, e) < 0 ||
        json_get_str(x->body, "step", 200, 0, &x->step, e) < 0 ||
        json_get_bool(x->body, "leg", 0, &x->leg, e) < 0 ||
        json_get_int(x->body, "minutes", 0, DDL_MAX_MINUTES, 0, &x->minutes, e) < 0 ||
        json_get_str(x->body, "official", 63, 0, &x->official, e) < 0 ||
        json_get_str(x->body, "reason", 2000, 0, &x->reason, e) < 0 ||
        json_get_str(x->body, "outcome", 16, 0, &x->outcome, e) < 0 ||
        json_get_str(x->body, "legal_basis", 500, 0, &x->legal_basis, e) < 0 ||
        json_get_str(x->body, "method", 16, 0, &x->method, e) < 0 ||
        json_get_str(x->body, "postal_receipt", 64, 0, &x->postal_receipt, e) < 0 ||
        json_get_instant(x->body, "new_appointment", x->tr == DOSSIER_TR_APOLOGIZE,
                         &x->new_appointment, e) < 0)
        return -1;
    switch (x->tr) {
    case DOSSIER_TR_HAND_OVER:
        if (x->step == NULL)
            return err_field(e, ERR_VALIDATION, "step", "the step (or leg) name is required");
        break;
    case DOSSIER_TR_ASSIGN:
        if (x->official == NULL)
            return err_field(e, ERR_VALIDATION, "official", "the official's login is required");
        break;
    case DOSSIER_TR_REQUEST_SUPPLEMENT:
    case DOSSIER_TR_APOLOGIZE:
    case DOSSIER_TR_REFUSE:
        if (x->reason == NULL)
            return err_field(e, ERR_VALIDATION, "reason", "a reason is required");
        break;
    case DOSSIER_TR_RESOLVE:
        if (x->outcome == NULL ||
            (strcmp(x->outcome, "granted") != 0 && strcmp(x->outcome, "refused") != 0))
            return err_field(e, ERR_VALIDATION, "outcome", "granted or refused");
        if (strcmp(x->outcome, "refused") == 0 && x->reason == NULL &&
            json_object_get(x->body, "reasons") == NULL)
            return err_field(e, ERR_VALIDATION, "reason", "a refusal states its reasons");
        break;
    case DOSSIER_TR_RETURN_RESULT:
        if (x->method == NULL ||
            (strcmp(x->method, "counter") != 0 && strcmp(x->method, "post") != 0 &&
             strcmp(x->method, "online") != 0))
            return err_field(e, ERR_VALIDATION, "method", "counter, post or online");
        if (strcmp(x->method, "post") == 0 && x->postal_receipt == NULL)
            return err_field(e, ERR_VALIDATION, "postal_receipt",
                             "a return by post records the postal receipt");
        break;
    default:
        break;
    }
    return 0;
}

static int64_t
col_i64(const PGresult *res, const char *col)
{
    const char *s = dossier_col(res, 0, col);

    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* 1 when the version's pause reasons (a text[] literal "{supplement,payment}") include r. */
static int
reason_counted(const char *arr, const char *r)
{
    size_t n = strlen(r);

    if (arr == NULL)
        return 0;
    for (const char *p = strstr(arr, r); p != NULL; p = strstr(p + 1, r))
        if ((p[-1] == '{' || p[-1] == ',') && (p[n] == '}' || p[n] == ','))
            return 1;
    return 0;
}

/* Planned working minutes of a step or leg from the version (steps [{name, minutes}],
   legs [{unit_code, minutes}]); -1 when the version does not say. */
static int64_t
planned_minutes(const PGresult *res, const struct ev *x)
{
    json_t *steps = dossier_col_json(res, 0, x->leg ? "legs" : "steps");
    json_t *it;
    size_t i;
    int64_t m = -1;

    if (json_is_array(steps)) {
        json_array_foreach(steps, i, it)
        {
            const char *key = x->leg ? "unit_code" : "name";
            const char *want = x->leg ? x->to_unit : x->step;
            json_t *v = json_object_get(it, key);

            if (want != NULL && json_is_string(v) && strcmp(json_string_value(v), want) == 0 &&
                json_is_integer(json_object_get(it, "minutes"))) {
                m = json_integer_value(json_object_get(it, "minutes"));
                break;
            }
        }
    }
    json_decref(steps);
    return m;
}

static void
on_ev_current(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    struct mc_err e;

    if (r->err.code == ERR_OK && PQntuples(r->res[0]) == 1)
        err_set(&e, ERR_VERSION_CONFLICT, "current version %s, state %s",
                db_val(r->res[0], 0, 1), db_val(r->res[0], 0, 0));
    else
        err_set(&e, ERR_VERSION_CONFLICT, NULL);
    ev_fail(rc, x, &e);
}

static void
on_ev_written(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;

    if (r->err.code != ERR_OK) {
        struct mc_err e = r->err;

        if (strcmp(r->sqlstate, "23505") == 0 && r->failed_stmt == 0) {
            /* Another writer took this seq: tell the caller where the dossier is now. */
            struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));

            x->p_cur[0] = x->dossier_id;
            *s = (struct db_stmt){DSQL_CURRENT_VERSION, 1, x->p_cur};
            dossier_db(rc, s, 1, on_ev_current);
            return;
        }
        if (strcmp(r->sqlstate, "23503") == 0 || strcmp(r->sqlstate, "23502") == 0)
            err_set(&e, ERR_UNKNOWN_REF, NULL);
        ev_fail(rc, x, &e);
        return;
    }
    if (r->nres >= 2 && strcmp(PQcmdTuples(r->res[1]), "1") != 0) {
        /* Unreachable while seq is unique per dossier; kept as a guard. */
        ev_fail_code(rc, x, ERR_VERSION_CONFLICT, "", "%s", "projection moved");
        return;
    }
    if (x->secret[0] != '\0')
        json_object_set_new(x->resp, "lookup_secret", json_string(x->secret));
    http_reply_json(rc, 200, json_incref(x->resp));
}

/* Closes an open pause at t: resumes the clock for a counted one (domain.md §6.1). */
static void
resume_pause(struct reqctx *rc, struct ev *x, const struct ddl_axis *ax, const PGresult *res,
             struct proj *p, json_t *payload, int *n)
{
    json_t *open = dossier_col_json(res, 0, "open_pause");
    int64_t since, secs = 0, before = p->legal_due_at;
    int counted;
    const char *reason;

    if (!json_is_object(open)) {
        json_decref(open);
        return;
    }
    since = json_integer_value(json_object_get(open, "requested_at"));
    counted = json_is_true(json_object_get(open, "counted"));
    reason = json_string_value(json_object_get(open, "reason"));
    if (counted && p->legal_due_at != 0) {
        secs = ddl_between(ax, since, x->at);
        if (secs < 0)
            secs = 0;
        p->legal_due_at = ddl_instant(ax, ddl_pos(ax, p->legal_due_at) + secs);
        p->paused_minutes += secs / 60;
        p->paused_since = 0;
    }
    if (reason != NULL && strcmp(reason, "supplement") == 0 && x->at > since)
        p->supplement_seconds += x->at - since; /* wall clock, dvcqg766 (§7.2) */
    x->p_pause_res[0] = x->dossier_id;
    x->p_pause_res[1] = i64s(rc, json_integer_value(json_object_get(open, "n")));
    x->p_pause_res[2] = dossier_ts(rc, x->at);
    x->p_pause_res[3] = counted ? i64s(rc, secs / 60) : NULL;
    x->p_pause_res[4] = counted ? tsp(rc, p->legal_due_at) : NULL;
    x->stmts[(*n)++] = (struct db_stmt){DSQL_PAUSE_RESOLVE, 5, x->p_pause_res};
    json_object_set_new(payload, "pause_n", json_integer(json_integer_value(json_object_get(open, "n"))));
    json_object_set_new(payload, "paused_minutes", json_integer(secs / 60));
    json_object_set_new(payload, "due_before", dossier_ts_json(before));
    json_object_set_new(payload, "due_after", dossier_ts_json(p->legal_due_at));
    json_decref(open);
}

static void
close_steps(struct reqctx *rc, struct ev *x, int *n)
{
    x->p_step_close[0] = x->dossier_id;
    x->p_step_close[1] = dossier_ts(rc, x->at);
    x->stmts[(*n)++] = (struct db_stmt){DSQL_STEP_CLOSE, 2, x->p_step_close};
}

static void
on_ev_read(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    const PGresult *res;
    struct mc_err e;
    const struct ddl_axis *ax;
    struct proj p;
    int from, to, n = 0, version;
    unsigned flags = 0;
    const char *unit_key;
    json_t *payload;
    int64_t last;
    const char *pause_reasons;

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        ev_fail(rc, x, &r->err);
        return;
    }
    res = r->res[0];
    if (PQntuples(res) == 0) {
        ev_fail_code(rc, x, ERR_DOSSIER_NOT_FOUND, "code", "%s", rc_param(rc, "code"));
        return;
    }
    from = (int)col_i64(res, "state");
    version = (int)col_i64(res, "version");
    if (version != x->expected) {
        err_set(&e, ERR_VERSION_CONFLICT, "current version %d, state %d", version, from);
        ev_fail(rc, x, &e);
        return;
    }
    unit_key = dossier_col(res, 0, "duration_unit");
    if (unit_key != NULL && strcmp(unit_key, "sameday") == 0)
        flags |= DOSSIER_F_SAMEDAY;
    if (dossier_transition_check_ex(from, x->tr, effective_roles(rc), flags, &to, &e) != 0) {
        ev_fail(rc, x, &e);
        return;
    }
    /* domain.md §3: the times of one dossier never go backwards. */
    last = col_i64(res, "last_event_at");
    if (x->at < last) {
        if (!x->at_given) {
            x->at = last; /* clock skew between servers: never before the last event */
        } else {
            ev_fail_code(rc, x, ERR_TIME_BACKWARDS, "occurred_at", "%s", dossier_ts(rc, last));
            return;
        }
    }
    ax = dossier_axis(rc->w, &e);
    if (ax == NULL) {
        ev_fail(rc, x, &e);
        return;
    }
    x->dossier_id = dossier_col(res, 0, "id");
    pause_reasons = dossier_col(res, 0, "pause_reasons");

    memset(&p, 0, sizeof(p));
    p.state = to;
    p.version = version + 1;
    p.current_unit_id = col_i64(res, "current_unit_id");
    p.official = dossier_col(res, 0, "current_official");
    p.received_at = col_i64(res, "received_at");
    p.appointment_at = col_i64(res, "appointment_at");
    p.legal_due_at = col_i64(res, "legal_due_at");
    p.new_appointment_at = col_i64(res, "new_appointment_at");
    p.apology_late = strcmp(dossier_col(res, 0, "apology_late"), "t") == 0;
    p.paused_since = col_i64(res, "paused_since");
    p.paused_minutes = col_i64(res, "paused_minutes");
    p.supplement_requests = col_i64(res, "supplement_requests");
    p.supplement_seconds = col_i64(res, "supplement_seconds");
    p.first_supplement_at = col_i64(res, "first_supplement_at");
    p.ended_at = col_i64(res, "ended_at");
    p.end_state = (int)col_i64(res, "end_state");
    p.outcome = dossier_col(res, 0, "outcome");
    p.returned_at = col_i64(res, "returned_at");
    p.version_id = NULL;
    p.duration_value = dossier_col(res, 0, "duration_value");
    p.duration_unit = unit_key;
    p.max_minutes = dossier_col(res, 0, "max_minutes");
    p.has_appointment = strcmp(dossier_col(res, 0, "has_appointment"), "t") == 0;
    p.regime = dossier_col(res, 0, "regime");

    payload = json_deep_copy(x->body);
    json_object_del(payload, "type");
    json_object_del(payload, "expected_version");
    json_object_del(payload, "occurred_at");

    /* Statement 0 is the event (see the file header); its parameters are set below. */
    n = 1;
    switch (x->tr) {
    case DOSSIER_TR_RECEIVE: {
        /* 1 -> 2: the clerk's acceptance starts the clock (§5.1), under the version and the
           regime in force at acceptance, not at the online submission. */
        json_t *v = dossier_col_json(res, 0, "version_then");
        struct ddl_duration dur;
        int64_t appt = 0, due = 0;
        char hash[65];

        if (!json_is_object(v)) {
            json_decref(v);
            json_decref(payload);
            ev_fail_code(rc, x, ERR_PROCEDURE_INVALID, "procedure", "%s",
                         "no version in force on the reception date");
            return;
        }
        if (version_duration(json_string_value(json_object_get(v, "duration_unit")),
                             (int)json_integer_value(json_object_get(v, "duration_value")),
                             json_is_integer(json_object_get(v, "cutoff_minute"))
                                 ? (int)json_integer_value(json_object_get(v, "cutoff_minute"))
                                 : -1,
                             &dur, &e) != 0 ||
            start_clock(ax, x->at, &dur,
                        (int)json_integer_value(json_object_get(v, "max_minutes")), &appt, &due,
                        &e) != 0 ||
            make_secret(x->secret) != 0) {
            json_decref(v);
            json_decref(payload);
            if (e.code == ERR_OK)
                err_set(&e, ERR_INTERNAL, "no randomness");
            ev_fail(rc, x, &e);
            return;
        }
        sha256_hex(x->secret, hash);
        p.version_id = i64s(rc, json_integer_value(json_object_get(v, "id")));
        p.duration_value = i64s(rc, json_integer_value(json_object_get(v, "duration_value")));
        p.duration_unit = arena_strdup(rc->arena,
                                       json_string_value(json_object_get(v, "duration_unit")));
        p.max_minutes = json_is_integer(json_object_get(v, "max_minutes"))
                            ? i64s(rc, json_integer_value(json_object_get(v, "max_minutes")))
                            : NULL;
        p.received_at = x->at;
        p.appointment_at = appt;
        p.legal_due_at = due;
        p.has_appointment = dur.unit != DDL_NONE;
        p.lookup_hash = arena_strdup(rc->arena, hash);
        p.regime = regime_key(x->at);
        json_object_set_new(payload, "appointment_at", dossier_ts_json(appt));
        json_decref(v);
        break;
    }
    case DOSSIER_TR_REFUSE:
        break;
    case DOSSIER_TR_HAND_OVER: {
        int64_t unit = p.current_unit_id, minutes = x->minutes, planned_end = 0;

        if (x->to_unit != NULL) {
            if (dossier_col(res, 0, "to_unit_id") == NULL) {
                json_decref(payload);
                ev_fail_code(rc, x, ERR_UNKNOWN_REF, "to_unit", "%s", x->to_unit);
                return;
            }
            unit = col_i64(res, "to_unit_id");
        }
        if (minutes < 0)
            minutes = planned_minutes(res, x);
        if (minutes >= 0 && ddl_add_minutes(ax, x->at, minutes, &planned_end, &e) != 0) {
            json_decref(payload);
            ev_fail(rc, x, &e);
            return;
        }
        close_steps(rc, x, &n);
        x->p_step_ins[0] = x->dossier_id;
        x->p_step_ins[1] = i64s(rc, col_i64(res, "nsteps") + 1);
        x->p_step_ins[2] = dossier_col(res, 0, "province");
        x->p_step_ins[3] = x->leg ? "leg" : "step";
        x->p_step_ins[4] = i64s(rc, unit);
        x->p_step_ins[5] = x->step;
        x->p_step_ins[6] = x->leg || unit != p.current_unit_id ? NULL : p.official;
        x->p_step_ins[7] = minutes >= 0 ? i64s(rc, minutes) : NULL;
        x->p_step_ins[8] = dossier_ts(rc, x->at);
        x->p_step_ins[9] = tsp(rc, planned_end);
        x->stmts[n++] = (struct db_stmt){DSQL_STEP_INSERT, 10, x->p_step_ins};
        if (unit != p.current_unit_id)
            p.official = NULL; /* a new unit assigns its own official */
        p.current_unit_id = unit;
        json_object_set_new(payload, "planned_end_at", dossier_ts_json(planned_end));
        break;
    }
    case DOSSIER_TR_ASSIGN:
        if (strcmp(dossier_col(res, 0, "official_ok"), "0") == 0) {
            json_decref(payload);
            ev_fail_code(rc, x, ERR_UNKNOWN_REF, "official", "%s", x->official);
            return;
        }
        p.official = x->official;
        x->p_step_assign[0] = x->dossier_id;
        x->p_step_assign[1] = x->official;
        x->stmts[n++] = (struct db_stmt){DSQL_STEP_ASSIGN, 2, x->p_step_assign};
        break;
    case DOSSIER_TR_REQUEST_SUPPLEMENT:
    case DOSSIER_TR_REQUEST_PAYMENT: {
        int supp = x->tr == DOSSIER_TR_REQUEST_SUPPLEMENT;
        int repeat = supp && p.supplement_requests >= 1;
        int single = rc->app->cfg != NULL ? rc->app->cfg->single_supplement : 1;
        int counted = reason_counted(pause_reasons, supp ? "supplement" : "payment");
        int was_late;

        /* §6.1 single_supplement: only the first request during processing pauses. */
        if (repeat && single)
            counted = 0;
        if (!p.has_appointment && p.legal_due_at == 0)
            counted = 0;
        was_late = p.legal_due_at != 0 && x->at > p.legal_due_at;
        if (counted)
            p.paused_since = x->at;
        if (supp) {
            p.supplement_requests++;
            if (p.first_supplement_at == 0)
                p.first_supplement_at = x->at;
        }
        x->p_pause_ins[0] = x->dossier_id;
        x->p_pause_ins[1] = i64s(rc, col_i64(res, "npauses") + 1);
        x->p_pause_ins[2] = dossier_col(res, 0, "province");
        x->p_pause_ins[3] = supp ? "supplement" : "payment";
        x->p_pause_ins[4] = dossier_ts(rc, x->at);
        x->p_pause_ins[5] = counted ? "true" : "false";
        x->p_pause_ins[6] = repeat ? "true" : "false";
        x->p_pause_ins[7] = was_late ? "true" : "false";
        x->p_pause_ins[8] = tsp(rc, p.legal_due_at);
        x->p_pause_ins[9] = json_text(rc, payload);
        x->stmts[n++] = (struct db_stmt){DSQL_PAUSE_INSERT, 10, x->p_pause_ins};
        json_object_set_new(payload, "counted", json_boolean(counted));
        json_object_set_new(payload, "repeat", json_boolean(repeat));
        break;
    }
    case DOSSIER_TR_RECEIVE_SUPPLEMENT:
    case DOSSIER_TR_PAYMENT_DONE:
        resume_pause(rc, x, ax, res, &p, payload, &n);
        break;
    case DOSSIER_TR_APOLOGIZE: {
        struct ddl_apology ap;

        if (ddl_apology(ax, p.legal_due_at, x->at, x->new_appointment,
                        p.new_appointment_at != 0, &ap, &e) != 0) {
            json_decref(payload);
            ev_fail(rc, x, &e);
            return;
        }
        p.new_appointment_at = ap.new_appointment;
        p.apology_late = ap.late_notice;
        json_object_set_new(payload, "late_notice", json_boolean(ap.late_notice));
        break;
    }
    case DOSSIER_TR_RESOLVE:
    case DOSSIER_TR_REQUEST_WITHDRAWAL:
    case DOSSIER_TR_STOP:
        if (x->tr == DOSSIER_TR_STOP && from != DOSSIER_WITHDRAWAL_REQUESTED &&
            x->legal_basis == NULL) {
            json_decref(payload);
            ev_fail_code(rc, x, ERR_VALIDATION, "legal_basis", "%s",
                         "a stop without a withdrawal request states its legal basis");
            return;
        }
        if (p.paused_since != 0 || from == DOSSIER_SUPPLEMENT_REQUESTED ||
            from == DOSSIER_PAYMENT_REQUESTED)
            resume_pause(rc, x, ax, res, &p, payload, &n);
        close_steps(rc, x, &n);
        /* §7.1: the end is the first of 9, else 8, else 7 (by kind, not by time). */
        p.ended_at = x->at;
        p.end_state = to;
        if (x->tr == DOSSIER_TR_RESOLVE)
            p.outcome = x->outcome;
        break;
    case DOSSIER_TR_RETURN_RESULT:
        p.returned_at = x->at;
        break;
    default:
        break;
    }

    x->p_event[0] = x->dossier_id;
    x->p_event[1] = dossier_col(res, 0, "province");
    x->p_event[2] = i64s(rc, version + 1);
    x->p_event[3] = dossier_tr_name(x->tr);
    x->p_event[4] = i64s(rc, from);
    x->p_event[5] = i64s(rc, to);
    x->p_event[6] = dossier_ts(rc, x->at);
    x->p_event[7] = i64s(rc, rc->who.account_id);
    x->p_event[8] = rc->who.login;
    x->p_event[9] = role_name(rc->who.role);
    x->p_event[10] = rc->who.unit_id ? i64s(rc, rc->who.unit_id) : NULL;
    x->p_event[11] = rc->req_id;
    x->p_event[12] = rc->client_addr;
    x->p_event[13] = json_text(rc, payload);
    x->p_event[14] = dossier_col(res, 0, "code");
    x->stmts[0] = (struct db_stmt){DSQL_INSERT_EVENT, 15, x->p_event};

    /* The projection goes second: if it guarded nothing the unit still fails as one. */
    {
        struct db_stmt tmp[8];
        int m = 0;

        tmp[m++] = x->stmts[0];
        x->p_proj[0] = x->dossier_id;
        x->p_proj[1] = i64s(rc, version);
        x->p_proj[2] = i64s(rc, p.state);
        x->p_proj[3] = i64s(rc, p.version);
        x->p_proj[4] = i64s(rc, p.current_unit_id);
        x->p_proj[5] = p.official;
        x->p_proj[6] = tsp(rc, p.received_at);
        x->p_proj[7] = tsp(rc, p.appointment_at);
        x->p_proj[8] = tsp(rc, p.legal_due_at);
        x->p_proj[9] = tsp(rc, p.new_appointment_at);
        x->p_proj[10] = p.apology_late ? "true" : "false";
        x->p_proj[11] = tsp(rc, p.paused_since);
        x->p_proj[12] = i64s(rc, p.paused_minutes);
        x->p_proj[13] = i64s(rc, p.supplement_requests);
        x->p_proj[14] = i64s(rc, p.supplement_seconds);
        x->p_proj[15] = tsp(rc, p.first_supplement_at);
        x->p_proj[16] = tsp(rc, p.ended_at);
        x->p_proj[17] = p.end_state ? i64s(rc, p.end_state) : NULL;
        x->p_proj[18] = p.outcome;
        x->p_proj[19] = tsp(rc, p.returned_at);
        x->p_proj[20] = p.version_id; /* NULL keeps the version (coalesce in the SQL) */
        x->p_proj[21] = p.duration_value;
        x->p_proj[22] = p.duration_unit;
        x->p_proj[23] = p.has_appointment ? "true" : "false";
        x->p_proj[24] = p.max_minutes;
        x->p_proj[25] = p.lookup_hash;
        x->p_proj[26] = p.regime;
        tmp[m++] = (struct db_stmt){DSQL_UPDATE_PROJECTION, 27, x->p_proj};
        for (int i = 1; i < n; i++)
            tmp[m++] = x->stmts[i];
        memcpy(x->stmts, tmp, sizeof(struct db_stmt) * (size_t)m);
        n = m;
    }

    x->resp = json_object();
    json_object_set_new(x->resp, "code", json_string(dossier_col(res, 0, "code")));
    json_object_set_new(x->resp, "event",
                        json_pack("{s:i,s:s,s:i,s:i,s:o,s:O}", "seq", version + 1, "type",
                                  dossier_tr_name(x->tr), "from_state", from, "to_state", to,
                                  "occurred_at", dossier_ts_json(x->at), "payload", payload));
    json_object_set_new(x->resp, "state", json_integer(p.state));
    json_object_set_new(x->resp, "state_name", json_string(dossier_state_name_vi(p.state)));
    json_object_set_new(x->resp, "version", json_integer(p.version));
    json_object_set_new(x->resp, "received_at", dossier_ts_json(p.received_at));
    json_object_set_new(x->resp, "appointment_at", dossier_ts_json(p.appointment_at));
    json_object_set_new(x->resp, "legal_due_at", dossier_ts_json(p.legal_due_at));
    json_object_set_new(x->resp, "new_appointment_at", dossier_ts_json(p.new_appointment_at));
    json_object_set_new(x->resp, "paused", json_boolean(p.paused_since != 0));
    json_object_set_new(x->resp, "ended_at", dossier_ts_json(p.ended_at));
    json_decref(payload);
    if (x->im != NULL) {
        json_t *stored = json_deep_copy(x->resp);

        if (x->secret[0] != '\0')
            json_object_set_new(stored, "lookup_secret_withheld", json_true());
        idem_store_stmt(x->im, 200, json_text(rc, stored), &x->stmts[n++]);
        json_decref(stored);
    }
    dossier_db(rc, x->stmts, n, on_ev_written);
}

static void
ev_go(struct reqctx *rc, struct idem *im)
{
    struct ev *x = rc->state;
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));
    char *day = arena_alloc(rc->arena, 16);

    x->im = im;
    cal_format_date(cal_local_day(x->at), day);
    x->pr[0] = rc_param(rc, "code");
    x->pr[1] = dossier_scope_param(rc);
    x->pr[2] = x->to_unit;
    x->pr[3] = x->official;
    x->pr[4] = day;
    *s = (struct db_stmt){DSQL_FOR_UPDATE, 5, x->pr};
    dossier_db(rc, s, 1, on_ev_read);
}

static void
ev_free(void *p)
{
    struct ev *x = p;

    json_decref(x->resp);
}

void
api_dossier_event(struct reqctx *rc)
{
    struct ev *x = arena_alloc(rc->arena, sizeof(*x));
    struct mc_err e;

    rc->state = x;
    arena_defer(rc->arena, ev_free, x);
    err_clear(&e);
    if (parse_event(rc, x, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    idem_begin(rc, ev_go);
}

/* ---------------------------------------------------------------- calendar re-projection */

static const char DSQL_REPROJECT_EVENT[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, 'calendar_reprojected', $4::smallint, $4::smallint,"
    " now(), $5::jsonb, $6)";

static const char DSQL_REPROJECT_UPDATE[] =
    "UPDATE dossier SET appointment_at = $3::timestamptz, legal_due_at = $4::timestamptz,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int";

struct reproject {
    struct worker *w;
    dossier_reproject_cb done;
    void *arg;
    char change[128];
    char from[16], to[16];
    const char *params[2];
    int pending;
    int moved;
    int failed;
    struct mc_err err;
};

struct reproject_one {
    struct reproject *rp;
    char buf[8][160];
    char *payload;
    const char *pe[6];
    const char *pu[4];
    struct db_stmt s[2];
};

static void
reproject_finish(struct reproject *rp)
{
    if (rp->failed)
        rp->done(-1, &rp->err, rp->arg);
    else
        rp->done(rp->moved, NULL, rp->arg);
    free(rp);
}

static void
on_reprojected(struct db_result *r, void *arg)
{
    struct reproject_one *one = arg;
    struct reproject *rp = one->rp;

    /* A dossier that moved meanwhile (23505) keeps its projection; the next change
       re-projects it. Any other failure is reported. */
    if (r->err.code == ERR_OK)
        rp->moved++;
    else if (strcmp(r->sqlstate, "23505") != 0 && !rp->failed) {
        rp->failed = 1;
        rp->err = r->err;
    }
    free(one->payload);
    free(one);
    if (--rp->pending == 0)
        reproject_finish(rp);
}

/* Re-computes one dossier on the current calendar; 1 when it moved (unit queued). */
static int
reproject_row(struct reproject *rp, const struct ddl_axis *ax, const PGresult *res, int i)
{
    struct ddl_duration dur;
    struct mc_err e;
    int64_t appt = 0, due = 0, old_appt, old_due;
    const char *cut = db_val(res, i, db_col(res, "cutoff_minute"));
    const char *mm = db_val(res, i, db_col(res, "max_minutes"));
    json_t *pauses, *pz;
    size_t k;
    struct reproject_one *one;
    char a[32], b[32], c[32], d[32];

    if (version_duration(db_val(res, i, db_col(res, "duration_unit")),
                         atoi(db_val(res, i, db_col(res, "duration_value"))),
                         cut[0] ? atoi(cut) : -1, &dur, &e) != 0 ||
        start_clock(ax, dossier_col_ts(res, i, "received_at"), &dur, mm[0] ? atoi(mm) : 0,
                    &appt, &due, &e) != 0)
        return 0;
    /* §6.1: each counted, resolved pause moves the due position by pos(S) - pos(P). */
    pauses = json_loads(db_val(res, i, db_col(res, "pauses")), 0, NULL);
    json_array_foreach(pauses, k, pz)
    {
        json_t *s = json_array_get(pz, 2);

        if (json_is_integer(s))
            due = ddl_instant(ax, ddl_pos(ax, due) +
                                      ddl_between(ax, json_integer_value(json_array_get(pz, 1)),
                                                  json_integer_value(s)));
    }
    json_decref(pauses);
    old_appt = dossier_col_ts(res, i, "appointment_at");
    old_due = dossier_col_ts(res, i, "legal_due_at");
    if (appt == old_appt && due == old_due)
        return 0;
    one = xcalloc(1, sizeof(*one));
    one->rp = rp;
    cal_format_instant(old_appt, a);
    cal_format_instant(appt, b);
    cal_format_instant(old_due, c);
    cal_format_instant(due, d);
    {
        json_t *pl = json_pack("{s:s,s:s?,s:s?,s:s,s:s}", "change", rp->change,
                               "appointment_before", old_appt ? a : NULL, "appointment_after",
                               appt ? b : NULL, "legal_due_before", c, "legal_due_after", d);
        one->payload = json_dumps(pl, JSON_COMPACT);
        json_decref(pl);
    }
    snprintf(one->buf[0], sizeof(one->buf[0]), "%s", db_val(res, i, db_col(res, "id")));
    snprintf(one->buf[1], sizeof(one->buf[1]), "%s", db_val(res, i, db_col(res, "province")));
    snprintf(one->buf[2], sizeof(one->buf[2]), "%d",
             atoi(db_val(res, i, db_col(res, "version"))) + 1);
    snprintf(one->buf[3], sizeof(one->buf[3]), "%s", db_val(res, i, db_col(res, "state")));
    snprintf(one->buf[4], sizeof(one->buf[4]), "%s", db_val(res, i, db_col(res, "code")));
    snprintf(one->buf[5], sizeof(one->buf[5]), "%s", db_val(res, i, db_col(res, "version")));
    one->pe[0] = one->buf[0];
    one->pe[1] = one->buf[1];
    one->pe[2] = one->buf[2];
    one->pe[3] = one->buf[3];
    one->pe[4] = one->payload;
    one->pe[5] = one->buf[4];
    one->pu[0] = one->buf[0];
    one->pu[1] = one->buf[5];
    snprintf(one->buf[6], sizeof(one->buf[6]), "%s", b);
    snprintf(one->buf[7], sizeof(one->buf[7]), "%s", d);
    one->pu[2] = appt ? one->buf[6] : NULL;
    one->pu[3] = one->buf[7];
    one->s[0] = (struct db_stmt){DSQL_REPROJECT_EVENT, 6, one->pe};
    one->s[1] = (struct db_stmt){DSQL_REPROJECT_UPDATE, 4, one->pu};
    rp->pending++;
    db_exec(rp->w->db, one->s, 2, on_reprojected, one);
    return 1;
}

static void
on_reproject_select(struct db_result *r, void *arg)
{
    struct reproject *rp = arg;
    const struct ddl_axis *ax;
    struct mc_err e;
    int nrows;

    if (r->err.code != ERR_OK) {
        rp->failed = 1;
        rp->err = r->err;
        reproject_finish(rp);
        return;
    }
    ax = dossier_axis(rp->w, &e);
    if (ax == NULL) {
        rp->failed = 1;
        rp->err = e;
        reproject_finish(rp);
        return;
    }
    nrows = PQntuples(r->res[0]);
    rp->pending = 1; /* held until every row is queued */
    for (int i = 0; i < nrows; i++)
        reproject_row(rp, ax, r->res[0], i);
    if (--rp->pending == 0)
        reproject_finish(rp);
}

void
dossier_reproject_calendar(struct worker *w, int32_t from_day, int32_t to_day,
                           const char *change, dossier_reproject_cb done, void *arg)
{
    struct reproject *rp = xcalloc(1, sizeof(*rp));

    rp->w = w;
    rp->done = done;
    rp->arg = arg;
    snprintf(rp->change, sizeof(rp->change), "%s", change != NULL ? change : "calendar");
    cal_format_date(from_day, rp->from);
    cal_format_date(to_day, rp->to);
    rp->params[0] = rp->from;
    rp->params[1] = rp->to;
    db_exec1(w->db, DSQL_REPROJECT_SELECT, 2, rp->params, on_reproject_select, rp);
}
