/*
 * dossier_receive.c - reception at the counter and online intake (POST /api/v1/dossiers):
 * api_dossier_create. Complete -> a dossier in state 2 with its code, appointment, legal due
 * and lookup secret; out of scope -> a refused dossier (state 3, domain.md §3 "∅ -> 3");
 * incomplete -> a reception_guidance row (Mẫu 02), no dossier; submit (integration) -> a
 * dossier in state 1. One read of the catalogue (pipelined with the Idempotency-Key claim),
 * then one unit of work (dossier, event 1, idempotent response), the code drawn from the
 * gap-free sequence inside that unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/dossier/dossier.h"
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/config.h"
#include "doc/form.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dfold.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- reception */


enum rec_kind { REC_RECEIVE, REC_REFUSE, REC_GUIDE, REC_SUBMIT };

struct rec {
    struct dapi_wreq w; /* first member: see dossier_int.h; w.resp is stored without the secret */
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
    struct dfold_terms terms; /* duration used: the case's, else the version's (§2) */
    int64_t at;          /* reception / guidance / submission instant */
    int backdated;
    int dry_run;         /* preview: every check and the appointment, nothing written */
    int calendar_proposed; /* the appointment crosses a proposed day (dossier_int.h) */
    char secret[SECRET_LEN + 1];
    const char *params[INSD__N];
    const char *gparams[GUID__N];
    const char *eparams[FEV__N];
    struct db_stmt stmts[3];
    int status;
};

static void
rec_fail(struct reqctx *rc, struct rec *x, const struct mc_err *e)
{
    idem_release_reply_error(rc, x->w.im, e);
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
    if (jin_get_str(x->applicant, "name", 200, 1, &x->name, e) < 0 ||
        jin_get_str(x->applicant, "id_number", 20, 0, &v, e) < 0 ||
        jin_get_str(x->applicant, "address", 300, 0, &v, e) < 0 ||
        jin_get_str(x->applicant, "phone", 20, 0, &v, e) < 0 ||
        jin_get_str(x->applicant, "email", 254, 0, &v, e) < 0)
        return jin_field_in(e, "applicant");
    x->fold = jin_fold_text(rc->arena, x->name);
    if (x->fold == NULL)
        return err_field(e, ERR_BAD_UTF8, "applicant.name", NULL);
    return 0;
}

/* Where a reception comes from: a dossier code and the reception instant are brought by an
   integration client only (replays of receptions made elsewhere; demo data). */
static int
parse_origin(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    int64_t at = 0;
    int have_at;

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
    have_at = jin_get_instant(x->body, "received_at", 0, &at, e);
    if (have_at < 0)
        return -1;
    x->at = rc->now;
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

int
dapi_return_method_ok(const char *m)
{
    return strcmp(m, "counter") == 0 || strcmp(m, "post") == 0 || strcmp(m, "online") == 0;
}

/* What the body asks for (a submission, a refusal, a guidance, a reception, or a preview
 * of one), and whether the caller may. */
static int
reception_kind(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    int complete = 1, out_of_scope = 0, submit = 0;
    int to;

    if (jin_get_bool(x->body, "complete", 0, &complete, e) < 0 ||
        jin_get_bool(x->body, "out_of_scope", 0, &out_of_scope, e) < 0 ||
        jin_get_bool(x->body, "submit", 0, &submit, e) < 0 ||
        jin_get_bool(x->body, "dry_run", 0, &x->dry_run, e) < 0)
        return -1;
    /* A preview (the counter shows the appointment before the clerk confirms) records
       nothing, so it has no answer to replay: it takes no Idempotency-Key. */
    if (x->dry_run && (submit || out_of_scope || !complete))
        return err_field(e, ERR_VALIDATION, "dry_run", "a preview is of a complete reception");
    if (x->dry_run && rc->idem_key != NULL)
        return err_field(e, ERR_VALIDATION, "dry_run",
                         "a preview records nothing: send it without Idempotency-Key");
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
                                 x->kind == REC_SUBMIT ? rc->who.role : hx_roles(rc),
                                 &to, e) != 0)
        return -1;
    return 0;
}

/* The procedure, case, units, channel, sets and return method. */
static int
reception_fields(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    if (jin_get_str(x->body, "procedure", 40, 1, &x->procedure, e) < 0 ||
        jin_get_str(x->body, "case", 64, 0, &x->case_code, e) < 0 ||
        jin_get_str(x->body, "resolving_unit", 13, 0, &x->resolving, e) < 0 ||
        jin_get_str(x->body, "return_method", 8, 0, &x->return_method, e) < 0 ||
        jin_get_str(x->body, "reason", 2000, 0, &x->reason, e) < 0 ||
        jin_get_str(x->body, "code", DOSSIER_CODE_MAX - 1, 0, &x->ext_code, e) < 0 ||
        jin_get_str(x->body, "receiving_unit", 13, 0, &x->receiving, e) < 0)
        return -1;
    /* Staff receive at their own counter; an integration client names the counter of the
       source system (within its scope). */
    if (x->receiving != NULL && rc->who.role != ROLE_INTEGRATION)
        return err_field(e, ERR_FORBIDDEN, "receiving_unit",
                         "staff receive at their own unit");
    x->channel = x->kind == REC_SUBMIT ? 2 : 1;
    x->sets = 1;
    if (jin_get_int(x->body, "channel", 1, 3, 0, &x->channel, e) < 0 ||
        jin_get_int(x->body, "sets", 1, 100, 0, &x->sets, e) < 0)
        return -1;
    if (x->return_method == NULL)
        x->return_method = "counter";
    else if (!dapi_return_method_ok(x->return_method))
        return err_field(e, ERR_VALIDATION, "return_method", "counter, post or online");
    return 0;
}

/* The documents received, those missing (Mẫu 02), the reason of a refusal (Mẫu 03). */
static int
reception_documents(struct rec *x, struct mc_err *e)
{
    x->documents = json_object_get(x->body, "documents");
    if (dapi_check_documents(x->documents, e) != 0)
        return -1;
    x->missing = json_object_get(x->body, "missing");
    if (x->missing != NULL && !json_is_null(x->missing) && !json_is_array(x->missing))
        return err_field(e, ERR_VALIDATION, "missing", "an array of documents");
    if (x->kind == REC_GUIDE && (x->missing == NULL || json_array_size(x->missing) == 0))
        return err_field(e, ERR_VALIDATION, "missing",
                         "Mẫu 02 lists what the applicant must supplement");
    if (x->kind == REC_REFUSE && x->reason == NULL)
        return err_field(e, ERR_VALIDATION, "reason", "Mẫu 03 states the reason for refusal");
    return 0;
}

static int
parse_reception(struct reqctx *rc, struct rec *x, struct mc_err *e)
{
    x->body = rc->json;
    if (!json_is_object(x->body))
        return err_set(e, ERR_VALIDATION, "the body must be an object");
    if (reception_kind(rc, x, e) != 0 || parse_applicant(rc, x, e) != 0 ||
        reception_fields(rc, x, e) != 0 || reception_documents(x, e) != 0)
        return -1;
    return parse_origin(rc, x, e);
}

static json_t *
receipt_json(struct reqctx *rc, struct rec *x, const PGresult *ctx, int64_t appointment,
             int64_t due, const char *regime)
{
    json_t *r = json_object();
    json_t *qr = json_object();
    const char *url;
    int form_no = dossier_tr_form(DOSSIER_TR_RECEIVE, strcmp(regime, "nd61") == 0
                                                          ? DOSSIER_REGIME_ND61
                                                          : DOSSIER_REGIME_ND118);

    /* Mẫu 01 (domain.md §3): issuing body and counter, code, applicant, procedure,
       documents, sets, legal duration, reception and appointment time, return place. */
    json_object_set_new(r, "form", json_string(arena_printf(rc->arena, "Mẫu %02d", form_no)));
    json_object_set_new(r, "title", json_string("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    json_object_set_new(r, "issuing_unit", json_pack("{s:s?,s:s?,s:s?}", "code",
                        hx_col(ctx, 0, "unit_code"), "name", hx_col(ctx, 0, "unit_name"),
                        "address", hx_col(ctx, 0, "unit_address")));
    json_object_set_new(r, "code", json_string(DOSSIER_CODE_MARK));
    json_object_set(r, "applicant", x->applicant);
    json_object_set_new(r, "procedure", json_pack("{s:s?,s:s?}", "code",
                        hx_col(ctx, 0, "procedure_code"), "name",
                        hx_col(ctx, 0, "procedure_name")));
    json_object_set_new(r, "documents",
                        x->documents != NULL ? json_incref(x->documents) : json_array());
    json_object_set_new(r, "sets", json_integer(x->sets));
    /* The duration used: the case's (its online one for channel 2), else the version's. */
    json_object_set_new(r, "duration", json_pack("{s:i,s:s?}", "value", x->terms.value, "unit",
                                                 x->terms.unit));
    if (x->case_code != NULL)
        json_object_set_new(r, "case", json_pack("{s:s,s:s?}", "code", x->case_code, "name",
                                                 x->terms.case_name));
    json_object_set_new(r, "received_at", hx_ts_json(x->at));
    json_object_set_new(r, "appointment_at", hx_ts_json(appointment));
    json_object_set_new(r, "legal_due_at", hx_ts_json(due));
    json_object_set_new(r, "calendar_proposed", json_boolean(x->calendar_proposed));
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
    json_object_set_new(qr, "issued_at", hx_ts_json(x->at));
    json_object_set_new(qr, "appointment_at", hx_ts_json(appointment));
    /* The lookup route's address (doc_lookup_url, the same as the printed receipt's QR);
       the secret is not in it: it is printed on the receipt. */
    url = doc_lookup_url(rc->arena, rc->app->cfg != NULL ? rc->app->cfg->public_url : NULL,
                         DOSSIER_CODE_MARK);
    json_object_set_new(qr, "lookup_url", url != NULL ? json_string(url) : json_null());
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
        json_object_set_new(x->w.resp, "id",
                            json_integer(strtoll(db_val(r->res[0], 0, db_col(r->res[0], "id")),
                                                 NULL, 10)));
        http_reply_json(rc, x->status, json_incref(x->w.resp));
        return;
    }
    code = db_val(r->res[0], 0, db_col(r->res[0], "code"));
    /* The code is drawn inside the unit: put it where the response had its mark. */
    if (x->secret[0] != '\0')
        json_object_set_new(x->w.resp, "lookup_secret", json_string(x->secret));
    text = json_dumps(x->w.resp, JSON_COMPACT);
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

/* dry_run: what the reception would answer about its deadlines; nothing is written. */
static void
reply_preview(struct reqctx *rc, struct rec *x, const PGresult *ctx, const char *regime,
              int64_t appointment, int64_t due)
{
    json_t *pv = json_object();

    json_object_set_new(pv, "kind", json_string("preview"));
    json_object_set_new(pv, "procedure",
                        json_pack("{s:s?,s:s?}", "code", hx_col(ctx, 0, "procedure_code"),
                                  "name", hx_col(ctx, 0, "procedure_name")));
    json_object_set_new(pv, "regime", json_string(regime));
    json_object_set_new(pv, "duration",
                        json_pack("{s:i,s:s?}", "value", x->terms.value, "unit", x->terms.unit));
    if (x->case_code != NULL)
        json_object_set_new(pv, "case", json_pack("{s:s,s:s?}", "code", x->case_code,
                                                  "name", x->terms.case_name));
    json_object_set_new(pv, "received_at", hx_ts_json(x->at));
    json_object_set_new(pv, "appointment_at", hx_ts_json(appointment));
    json_object_set_new(pv, "legal_due_at", hx_ts_json(due));
    json_object_set_new(pv, "calendar_proposed", json_boolean(x->calendar_proposed));
    http_reply_json(rc, 200, pv);
}

/*
 * The database facts of the catalogue read, in the order they are refused: the receiving
 * unit (in scope, in force), the procedure and its version in force, the resolving unit,
 * then domain.md §1: no dossier received from 01/07/2025 is assigned a district unit, and a
 * dossier is resolved by a unit in force on its reception date. Replies and returns -1.
 */
static int
rec_ctx_check(struct reqctx *rc, struct rec *x, const PGresult *ctx)
{
    if (PQntuples(ctx) == 0) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "receiving_unit",
                      "no such unit in the account's scope");
        return -1;
    }
    if (strcmp(hx_col(ctx, 0, "unit_valid"), "t") != 0) {
        rec_fail_code(rc, x, ERR_UNIT_INVALID, "unit", "the receiving unit is not in force");
        return -1;
    }
    if (hx_col(ctx, 0, "procedure_id") == NULL) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "procedure", "no procedure with this code");
        return -1;
    }
    if (hx_col(ctx, 0, "version_id") == NULL) {
        rec_fail_code(rc, x, ERR_PROCEDURE_INVALID, "procedure",
                      "no version in force on the reception date");
        return -1;
    }
    if (hx_col(ctx, 0, "resolving_id") == NULL) {
        rec_fail_code(rc, x, ERR_UNKNOWN_REF, "resolving_unit", "no unit with this code");
        return -1;
    }
    if (!hx_col_true(ctx, "unit_level_ok")) {
        rec_fail_code(rc, x, ERR_UNIT_INVALID, "receiving_unit",
                      "no district unit receives dossiers from 2025-07-01");
        return -1;
    }
    if (!hx_col_true(ctx, "resolving_valid")) {
        rec_fail_code(rc, x, ERR_UNIT_INVALID, "resolving_unit",
                      "the resolving unit is not in force on the reception date (district units "
                      "resolve nothing received from 2025-07-01)");
        return -1;
    }
    return 0;
}

/*
 * The terms of the reception (domain.md §2): the version's duration, or its case's (the
 * online one for channel 2; an unknown case is an unknown reference, whatever the
 * reception's outcome), then the received documents against the version's components.
 */
static int
rec_terms(struct reqctx *rc, struct rec *x, const PGresult *ctx, struct mc_err *e)
{
    json_t *cases = hx_keep_json(rc, hx_col_json(ctx, 0, "cases"));
    json_t *components = hx_keep_json(rc, hx_col_json(ctx, 0, "components"));
    const struct dfold_case *cl;
    size_t ncases = dapi_cases(rc, cases, &cl);
    const char *v = hx_col(ctx, 0, "duration_value");
    const char *c = hx_col(ctx, 0, "cutoff_minute");
    const char *mm = hx_col(ctx, 0, "max_minutes");

    x->terms.unit = hx_col(ctx, 0, "duration_unit");
    x->terms.value = v != NULL ? atoi(v) : 0;
    x->terms.cutoff = c != NULL ? atoi(c) : -1;
    x->terms.max_minutes = mm != NULL ? atoi(mm) : 0;
    x->terms.case_name = NULL;
    err_clear(e);
    if (dfold_case_terms(cl, ncases, x->case_code, x->channel, &x->terms, e) != 0)
        return -1;
    if (x->case_code != NULL) {
        x->terms.unit = arena_strdup(rc->arena, x->terms.unit != NULL ? x->terms.unit : "");
        x->terms.case_name =
            x->terms.case_name != NULL ? arena_strdup(rc->arena, x->terms.case_name) : NULL;
    }
    /* Thành phần hồ sơ: what the clerk received must be listed by the version. */
    if (x->kind != REC_REFUSE)
        return dapi_check_components(x->documents, components, e);
    return 0;
}

/* Guidance (Mẫu 02): a reception_guidance row, no dossier. */
static void
rec_guidance(struct reqctx *rc, struct rec *x, const PGresult *ctx, const char *regime)
{
    int n = 0;

    x->w.resp = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s?,s:s}", "kind", "guidance", "form",
                          "Mẫu 02", "title", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                          "applicant", x->applicant, "missing", x->missing, "procedure",
                          x->procedure, "guided_at", hx_ts(rc, x->at));
    x->status = 201;
    x->gparams[GUID_PROVINCE] = hx_col(ctx, 0, "province");
    x->gparams[GUID_UNIT_ID] = hx_col(ctx, 0, "unit_id");
    x->gparams[GUID_PROCEDURE_ID] = hx_col(ctx, 0, "procedure_id");
    x->gparams[GUID_VERSION_ID] = hx_col(ctx, 0, "version_id");
    x->gparams[GUID_REGIME] = regime;
    x->gparams[GUID_CHANNEL] = hx_i64(rc, x->channel);
    x->gparams[GUID_APPLICANT] = hx_json_text(rc, x->applicant);
    x->gparams[GUID_FOLD] = x->fold;
    x->gparams[GUID_DOCUMENTS] = x->documents ? hx_json_text(rc, x->documents) : "[]";
    x->gparams[GUID_MISSING] = hx_json_text(rc, x->missing);
    x->gparams[GUID_NOTE] = x->reason;
    x->gparams[GUID_GUIDED_AT] = hx_ts(rc, x->at);
    x->gparams[GUID_ACCOUNT] = hx_i64(rc, rc->who.account_id);
    x->gparams[GUID_LOGIN] = rc->who.login;
    x->gparams[GUID_REQUEST_ID] = rc->req_id;
    x->stmts[n++] = (struct db_stmt){DSQL_INSERT_GUIDANCE, GUID__N, x->gparams};
    if (x->w.im != NULL) {
        /* The id is known only inside the unit: the store statement adds it, so a
           replay answers exactly what the first request did. */
        idem_store_stmt(x->w.im, x->status, hx_json_text(rc, x->w.resp), &x->stmts[n]);
        x->stmts[n].sql = DSQL_IDEM_STORE_GUIDANCE;
        n++;
    }
    hx_db(rc, x->stmts, n, on_rec_written);
}

/*
 * The clock of a complete reception (dfold_start, domain.md §5.1) and whether it stands on
 * a proposed calendar day; a preview replies here (returns 1). Then the lookup secret and
 * its hash. Replies and returns -1 on a refusal.
 */
static int
rec_clock(struct reqctx *rc, struct rec *x, const PGresult *ctx, const char *regime,
          struct dfold_clock *c, char *hash)
{
    struct mc_err e;
    const struct ddl_axis *ax = hx_axis(rc->w, &e);
    int64_t ends[2];

    if (ax == NULL || dfold_start(ax, x->at, &x->terms, c, &e) != 0) {
        rec_fail(rc, x, &e);
        return -1;
    }
    ends[0] = c->appointment_at;
    ends[1] = c->legal_due_at;
    x->calendar_proposed = dapi_calendar_proposed(ax, x->at, ends, 2);
    if (x->dry_run) {
        reply_preview(rc, x, ctx, regime, c->appointment_at, c->legal_due_at);
        return 1;
    }
    if (dapi_make_secret(x->secret) != 0) {
        rec_fail_code(rc, x, ERR_INTERNAL, "", "no randomness");
        return -1;
    }
    hx_sha256_hex(x->secret, hash);
    return 0;
}

/* The reply of a reception, refusal or submission (stored with the code's mark). */
static void
rec_resp(struct reqctx *rc, struct rec *x, const PGresult *ctx, int state, const char *regime,
         const struct dfold_clock *c)
{
    x->w.resp = json_object();
    json_object_set_new(x->w.resp, "kind", json_string(x->kind == REC_RECEIVE  ? "dossier"
                                                       : x->kind == REC_REFUSE ? "refusal"
                                                                               : "submission"));
    json_object_set_new(x->w.resp, "code", json_string(DOSSIER_CODE_MARK));
    json_object_set_new(x->w.resp, "state", json_integer(state));
    json_object_set_new(x->w.resp, "state_name", json_string(dossier_state_name_vi(state)));
    json_object_set_new(x->w.resp, "version", json_integer(1));
    json_object_set_new(x->w.resp, "regime", json_string(regime));
    json_object_set_new(x->w.resp, "received_at",
                        x->kind == REC_SUBMIT ? json_null() : hx_ts_json(x->at));
    json_object_set_new(x->w.resp, "appointment_at", hx_ts_json(c->appointment_at));
    json_object_set_new(x->w.resp, "legal_due_at", hx_ts_json(c->legal_due_at));
    if (x->kind == REC_RECEIVE)
        json_object_set_new(x->w.resp, "calendar_proposed", json_boolean(x->calendar_proposed));
    if (x->kind == REC_RECEIVE)
        json_object_set_new(x->w.resp, "receipt", receipt_json(rc, x, ctx, c->appointment_at,
                                                               c->legal_due_at, regime));
    if (x->kind == REC_REFUSE)
        json_object_set_new(x->w.resp, "refusal",
                            json_pack("{s:s,s:s,s:s}", "form", "Mẫu 03", "title",
                                      "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "reason",
                                      x->reason));
    x->status = 201;
}

/* DSQL_INSERT_DOSSIER: the new projection, the code drawn inside the unit. */
static struct db_stmt
rec_insert_stmt(struct reqctx *rc, struct rec *x, const PGresult *ctx, int state,
                const char *regime, const struct dfold_clock *c, const char *hash)
{
    char day[16], yymmdd[8];
    struct cal_date cd = cal_date_of(cal_local_day(x->at));

    cal_format_date(cal_local_day(x->at), day);
    snprintf(yymmdd, sizeof(yymmdd), "%02d%02d%02d", cd.year % 100, cd.month, cd.day);
    x->params[INSD_UNIT_ID] = hx_col(ctx, 0, "unit_id");
    x->params[INSD_DAY] = arena_strdup(rc->arena, day);
    x->params[INSD_UNIT_CODE] = hx_col(ctx, 0, "unit_code");
    x->params[INSD_YYMMDD] = arena_strdup(rc->arena, yymmdd);
    x->params[INSD_PROVINCE] = hx_col(ctx, 0, "province");
    x->params[INSD_PROCEDURE_ID] = hx_col(ctx, 0, "procedure_id");
    x->params[INSD_VERSION_ID] = hx_col(ctx, 0, "version_id");
    x->params[INSD_CASE] = x->case_code;
    x->params[INSD_RESOLVING_ID] = hx_col(ctx, 0, "resolving_id");
    x->params[INSD_CHANNEL] = hx_i64(rc, x->channel);
    x->params[INSD_STATE] = hx_i64(rc, state);
    x->params[INSD_REGIME] = regime;
    x->params[INSD_APPLICANT] = hx_json_text(rc, x->applicant);
    x->params[INSD_FOLD] = x->fold;
    x->params[INSD_DOCUMENTS] = x->documents ? hx_json_text(rc, x->documents) : "[]";
    x->params[INSD_SETS] = hx_i64(rc, x->sets);
    x->params[INSD_RETURN_METHOD] = x->return_method;
    x->params[INSD_DURATION_VALUE] = hx_i64(rc, x->terms.value);
    x->params[INSD_DURATION_UNIT] = x->terms.unit;
    x->params[INSD_SUBMITTED_AT] =
        x->kind == REC_SUBMIT || x->channel == 2 ? hx_ts(rc, x->at) : NULL;
    x->params[INSD_RECEIVED_AT] = x->kind == REC_RECEIVE ? hx_ts(rc, x->at) : NULL;
    x->params[INSD_APPOINTMENT_AT] = hx_tsp(rc, c->appointment_at);
    x->params[INSD_LEGAL_DUE_AT] = hx_tsp(rc, c->legal_due_at);
    x->params[INSD_HAS_APPOINTMENT] =
        c->appointment_at != 0 || x->kind != REC_RECEIVE ? "true" : "false";
    x->params[INSD_MAX_MINUTES] = hx_col(ctx, 0, "max_minutes");
    x->params[INSD_SECRET_HASH] =
        x->kind == REC_RECEIVE ? arena_strdup(rc->arena, hash) : NULL;
    x->params[INSD_EXT_CODE] = x->ext_code;
    return (struct db_stmt){DSQL_INSERT_DOSSIER, INSD__N, x->params};
}

/* DSQL_INSERT_FIRST_EVENT with its payload. */
static struct db_stmt
rec_event_stmt(struct reqctx *rc, struct rec *x, const struct dfold_clock *c)
{
    json_t *payload = json_object();

    json_object_set_new(payload, "procedure", json_string(x->procedure));
    json_object_set_new(payload, "channel", json_integer(x->channel));
    if (x->case_code != NULL)
        json_object_set_new(payload, "case", json_string(x->case_code));
    json_object_set_new(payload, "duration",
                        json_pack("{s:i,s:s?}", "value", x->terms.value, "unit", x->terms.unit));
    if (x->reason)
        json_object_set_new(payload, "reason", json_string(x->reason));
    if (x->backdated)
        json_object_set_new(payload, "backdated", json_true());
    json_object_set_new(payload, "appointment_at", hx_ts_json(c->appointment_at));
    x->eparams[FEV_TYPE] = dossier_tr_name(x->tr);
    dapi_bind_actor(rc, x->eparams + FEV_ACTOR, x->at, payload);
    json_decref(payload);
    return (struct db_stmt){DSQL_INSERT_FIRST_EVENT, FEV__N, x->eparams};
}

static void
on_rec_ctx(struct reqctx *rc, struct db_result *r)
{
    struct rec *x = rc->state;
    const PGresult *ctx;
    struct mc_err e;
    struct dfold_clock c;
    const char *regime = dfold_regime_key(x->at);
    char hash[65];
    int n = 0, state;

    if (r->err.code != ERR_OK) {
        rec_fail(rc, x, &r->err);
        return;
    }
    ctx = hx_keep_result(rc, r->res[0]);
    if (rec_ctx_check(rc, x, ctx) != 0)
        return;
    if (rec_terms(rc, x, ctx, &e) != 0) {
        rec_fail(rc, x, &e);
        return;
    }
    if (x->kind == REC_GUIDE) {
        rec_guidance(rc, x, ctx, regime);
        return;
    }
    state = x->kind == REC_RECEIVE  ? DOSSIER_RECEIVED
            : x->kind == REC_REFUSE ? DOSSIER_NOT_RECEIVED
                                    : DOSSIER_SUBMITTED;
    memset(&c, 0, sizeof(c));
    if (x->kind == REC_RECEIVE && rec_clock(rc, x, ctx, regime, &c, hash) != 0)
        return;
    rec_resp(rc, x, ctx, state, regime, &c);
    x->stmts[n++] = rec_insert_stmt(rc, x, ctx, state, regime, &c, hash);
    x->stmts[n++] = rec_event_stmt(rc, x, &c);
    if (x->w.im != NULL) {
        /* The stored copy never holds the lookup secret (only its hash is kept): a replay
           says so instead of showing it again. */
        dapi_wreq_store(rc, &x->w, x->status, x->kind == REC_RECEIVE, &x->stmts[n]);
        x->stmts[n].sql = DSQL_IDEM_STORE_NEW;
        n++;
    }
    /* Receptions waiting together share a commit, taken in the order of their counter
       (whose code row each locks): issue 14, item 2. */
    hx_db_grouped(rc, x->stmts, n, strtoull(x->params[INSD_UNIT_ID], NULL, 10), on_rec_written);
}

static struct db_stmt *
rec_ctx_stmt(struct reqctx *rc, struct rec *x)
{
    const char **p = hx_params(rc, RCTX__N);
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));
    char *day = arena_alloc(rc->arena, 16);

    cal_format_date(cal_local_day(x->at), day);
    p[RCTX_PROCEDURE] = x->procedure;
    p[RCTX_DAY] = day;
    p[RCTX_CLERK_UNIT] = hx_i64(rc, rc->who.unit_id);
    p[RCTX_RESOLVING] = x->resolving;
    p[RCTX_RECEIVING] = x->receiving;
    *s = (struct db_stmt){DSQL_RECEPTION_CTX, RCTX__N, p};
    return s;
}

void
api_dossier_create(struct reqctx *rc)
{
    struct rec *x = arena_alloc(rc->arena, sizeof(*x));
    struct mc_err e;

    rc->state = x;
    err_clear(&e);
    if (parse_reception(rc, x, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    /* The catalogue read rides in the idempotency claim's unit. */
    dapi_wreq_read(rc, &x->w, rec_ctx_stmt(rc, x), on_rec_ctx);
}
