/*
 * documents.c - the printable forms of a dossier and the public lookup (api/dossier/documents.h).
 *
 * Data: the dossier projection (sql/011_dossier.sql), its events (reasons and lists
 * of missing documents are in the event payloads), its step plan (hand-overs of the
 * control slip), the procedure and the units. Each request is one database unit of up
 * to three read statements; rendering then runs on the worker (a receipt PDF costs a
 * few milliseconds: docs/architecture.md "Documents").
 *
 * Lookup secret agreement with the dossier engineer (sql/011_dossier.sql): the receipt
 * secret is handed to the clerk once, at reception; the database keeps only
 * dossier.lookup_secret_hash = lower-case hex SHA-256 of the secret's UTF-8 bytes
 * (core/token.h token_hash_hex). The lookup hashes the secret it is given and matches
 * code AND hash in one query, so a wrong code and a wrong secret are indistinguishable.
 */
#include "api/dossier/documents.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>
#include <utf8proc.h>

#include "api/common/common.h"
#include "api/dossier/dossier_int.h"
#include "app.h"
#include "core/config.h"
#include "core/token.h"
#include "db/db.h"
#include "doc/form.h"
#include "doc/html.h"
#include "doc/pdf.h"
#include "domain/cal.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/reqctx.h"
#include "http/router.h"

#define DOC_READERS (ROLE_STAFF | ROLE_INTEGRATION)
#define REGISTER_MAX_ROWS 1000 /* ~0.35 s of rendering on the loop; narrow the period for more */

/* --- SQL -------------------------------------------------------------------------------- */

/* The unit's address, or its nearest ancestor's: the place name (địa danh) of the forms'
 * "…, ngày … tháng … năm …" when a unit's own address is not recorded. */
#define UNIT_ADDRESS(u)                                                                         \
    " coalesce(" u ".address, (WITH RECURSIVE up AS (SELECT id, parent_id, address, 1 AS depth"   \
    "  FROM unit WHERE id = " u ".parent_id UNION ALL SELECT x.id, x.parent_id, x.address,"       \
    "  up.depth + 1 FROM unit x JOIN up ON x.id = up.parent_id WHERE up.depth < 8)"                \
    "  SELECT address FROM up WHERE address IS NOT NULL ORDER BY depth LIMIT 1))"

/* The dossier row of a form. */
static const char SQL_DOSSIER[] =
    "SELECT d.code, d.regime, d.state, d.applicant::text AS applicant,"
    " d.documents::text AS documents, d.sets, d.return_method, d.duration_value,"
    " d.duration_unit, d.has_appointment, d.supplement_requests,"
    " extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM d.new_appointment_at)::bigint AS new_appointment_at,"
    " extract(epoch FROM d.ended_at)::bigint AS ended_at,"
    " extract(epoch FROM d.created_at)::bigint AS created_at,"
    " p.code AS procedure_code, p.name AS procedure_name,"
    " ru.name AS receiving_name," UNIT_ADDRESS("ru") " AS receiving_address, pu.name AS parent_name,"
    " rs.name AS resolving_name"
    " FROM dossier d"
    " JOIN procedure p ON p.id = d.procedure_id"
    " JOIN unit ru ON ru.id = d.receiving_unit_id"
    " LEFT JOIN unit pu ON pu.id = ru.parent_id"
    " JOIN unit rs ON rs.id = d.resolving_unit_id"
    " WHERE d.code = $1"
    "   AND ($2::bigint IS NULL"
    "   OR $2::bigint IN (d.receiving_unit_id, d.resolving_unit_id, d.current_unit_id)"
    "   OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "        OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "        OR unit_in_scope($2::bigint, d.current_unit_id))";
enum dosq_param { DOSQ_CODE, DOSQ_SCOPE /* scope root, NULL = administrator */, DOSQ__N };

/* The events of the dossier. Actor: the account's display name, else the login recorded on
 * the event. It takes the first member of SQL_DOSSIER's parameters (the same array). */
static const char SQL_EVENTS[] =
    "SELECT e.seq, e.type, e.from_state, e.to_state,"
    " extract(epoch FROM e.occurred_at)::bigint AS occurred_at,"
    " coalesce(nullif(a.display_name, ''), e.actor_login) AS actor, e.payload::text AS payload"
    " FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id"
    " LEFT JOIN account a ON a.id = e.actor_account_id"
    " WHERE d.code = $1 ORDER BY e.seq";
enum evq_param { EVQ_CODE, EVQ__N };
_Static_assert((int)EVQ_CODE == (int)DOSQ_CODE, "SQL_EVENTS reads SQL_DOSSIER's parameters");

/* The steps of the dossier: the parameters of SQL_EVENTS. */
static const char SQL_STEPS[] =
    "SELECT s.n, u.name AS unit_name,"
    " extract(epoch FROM s.started_at)::bigint AS started_at,"
    " extract(epoch FROM s.planned_end_at)::bigint AS planned_end_at"
    " FROM dossier_step s JOIN dossier d ON d.id = s.dossier_id"
    " JOIN unit u ON u.id = s.unit_id"
    " WHERE d.code = $1 ORDER BY s.n";

static const char SQL_GUIDANCE[] =
    "SELECT g.regime, g.applicant::text AS applicant, g.missing::text AS missing, g.note,"
    " extract(epoch FROM g.guided_at)::bigint AS guided_at,"
    " coalesce(nullif(a.display_name, ''), g.actor_login) AS actor,"
    " p.code AS procedure_code, p.name AS procedure_name,"
    " ru.name AS receiving_name," UNIT_ADDRESS("ru") " AS receiving_address, pu.name AS parent_name"
    " FROM reception_guidance g"
    " JOIN unit ru ON ru.id = g.receiving_unit_id"
    " LEFT JOIN unit pu ON pu.id = ru.parent_id"
    " LEFT JOIN procedure p ON p.id = g.procedure_id"
    " LEFT JOIN account a ON a.id = g.actor_account_id"
    " WHERE g.id = $1"
    "   AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, g.receiving_unit_id))";
enum guq_param { GUQ_ID /* guidance id */, GUQ_SCOPE, GUQ__N };

static const char SQL_REGISTER_UNIT[] =
    "SELECT u.id, u.name," UNIT_ADDRESS("u") " AS address, pu.name AS parent_name FROM unit u"
    " LEFT JOIN unit pu ON pu.id = u.parent_id"
    " WHERE u.code = $1 AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, u.id))";
enum ruq_param { RUQ_CODE /* unit code */, RUQ_SCOPE, RUQ__N };

/*
 * The register's rows of a unit for a period of local days (Asia/Ho_Chi_Minh). "Sent" is the first hand-over to another unit; "result back" is
 * the end of processing (state 9, or the stop); "returned" is state 10.
 */
static const char SQL_REGISTER_ROWS[] =
    "SELECT d.code, p.name AS procedure_name, d.sets, d.applicant::text AS applicant,"
    " rs.name AS resolving_name,"
    " extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " (SELECT extract(epoch FROM min(s.started_at))::bigint FROM dossier_step s"
    "   WHERE s.dossier_id = d.id AND s.unit_id <> d.receiving_unit_id) AS sent_at,"
    " extract(epoch FROM d.ended_at)::bigint AS ended_at,"
    " extract(epoch FROM d.returned_at)::bigint AS returned_at, d.state"
    " FROM dossier d JOIN unit u ON u.id = d.receiving_unit_id"
    " JOIN procedure p ON p.id = d.procedure_id"
    " JOIN unit rs ON rs.id = d.resolving_unit_id"
    " WHERE u.code = $1 AND d.received_at IS NOT NULL"
    "   AND d.received_at >= ($2::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')"
    "   AND d.received_at < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')"
    " ORDER BY d.received_at, d.id LIMIT $4::int";
enum rrq_param { RRQ_UNIT, RRQ_FROM, RRQ_TO /* dates, inclusive */, RRQ_LIMIT, RRQ__N };

/* The public lookup by code and secret. Nothing personal is selected. */
static const char SQL_LOOKUP[] =
    "SELECT d.state, extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM d.new_appointment_at)::bigint AS new_appointment_at,"
    " extract(epoch FROM d.returned_at)::bigint AS returned_at,"
    " rs.name AS resolving_name, cu.name AS current_name, p.name AS procedure_name"
    " FROM dossier d JOIN unit rs ON rs.id = d.resolving_unit_id"
    " JOIN unit cu ON cu.id = d.current_unit_id JOIN procedure p ON p.id = d.procedure_id"
    " WHERE d.code = $1 AND d.lookup_secret_hash = $2";
enum lkq_param { LKQ_CODE, LKQ_HASH /* SHA-256 hex of the secret */, LKQ__N };

/* --- small helpers ------------------------------------------------------------------------ */

struct docreq {
    struct reqctx *rc;
    enum doc_kind kind;
    int html;
    const char *secret;
    const char **vals; /* the first statement's parameters (one enum per route) */
    struct db_stmt st[3];
    int32_t from_day, to_day;
    void (*next)(struct docreq *d, struct db_result *r);
};

/* Completion of a unit: the request's docreq is rc->state, the next step d->next. */
static void
on_db(struct reqctx *rc, struct db_result *r)
{
    struct docreq *d = rc->state;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    d->next(d, r);
}

static void
run(struct docreq *d, const struct db_stmt *st, int n, void (*next)(struct docreq *, struct db_result *))
{
    d->rc->state = d;
    d->next = next;
    api_db(d->rc, st, n, on_db);
}

static const char *
scope_param(struct reqctx *rc)
{
    if (rc->who.role == ROLE_ADMIN)
        return NULL;
    return arena_printf(rc->arena, "%lld", (long long)rc->who.unit_id);
}

static const char *
col(const PGresult *res, int row, const char *name)
{
    int c = db_col(res, name);

    if (c < 0 || db_isnull(res, row, c))
        return NULL;
    return db_val(res, row, c);
}

static int64_t
col_i(const PGresult *res, int row, const char *name)
{
    const char *s = col(res, row, name);

    return s ? strtoll(s, NULL, 10) : 0;
}

/* JSON text in the arena's lifetime (decref deferred); NULL on SQL NULL or bad text. */
static json_t *
col_json(struct reqctx *rc, const PGresult *res, int row, const char *name)
{
    const char *s = col(res, row, name);
    json_t *j;

    if (s == NULL)
        return NULL;
    j = json_loads(s, 0, NULL);
    if (j != NULL)
        arena_defer(rc->arena, (void (*)(void *))json_decref, j);
    return j;
}

static const char *
jstr(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Upper case of UTF-8 text (Vietnamese letters included), for the issuing body heading. */
static const char *
upper_vi(struct arena *a, const char *s)
{
    utf8proc_uint8_t *buf;
    utf8proc_ssize_t n;
    size_t len, o = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;

    if (s == NULL)
        return NULL;
    len = strlen(s);
    buf = arena_alloc(a, len * 4 + 1);
    while (len > 0) {
        utf8proc_int32_t cp;

        n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
        if (n <= 0)
            return s;
        o += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), buf + o);
        p += n;
        len -= (size_t)n;
    }
    buf[o] = '\0';
    return (const char *)buf;
}

/*
 * Place name for "…, ngày … tháng … năm …": the last part of the receiving unit's
 * address without its level word ("…, tỉnh Quảng Ngãi" -> "Quảng Ngãi").
 */
static const char *
place_of(struct arena *a, const char *address)
{
    static const char *const prefixes[] = {"tỉnh ", "Tỉnh ", "thành phố ", "Thành phố ",
                                           "TP. ", "TP "};
    const char *p;

    if (address == NULL)
        return NULL;
    p = strrchr(address, ',');
    p = p ? p + 1 : address;
    while (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
            p += strlen(prefixes[i]);
    return *p ? arena_strdup(a, p) : NULL;
}

static const char *
duration_text(struct arena *a, const char *value, const char *unit)
{
    if (unit == NULL)
        return NULL;
    if (strcmp(unit, "wd") == 0)
        return arena_printf(a, "%s ngày làm việc", value ? value : "…");
    if (strcmp(unit, "wh") == 0)
        return arena_printf(a, "%s giờ làm việc", value ? value : "…");
    if (strcmp(unit, "cd") == 0)
        return arena_printf(a, "%s ngày", value ? value : "…");
    if (strcmp(unit, "sameday") == 0)
        return "trong ngày làm việc";
    return "không quy định thời hạn";
}

/* ?format= wins; then Accept; default PDF. Returns 0 PDF, 1 HTML, -1 not acceptable, -2 a
   ?format= other than pdf or html. */
static int
want_html(struct reqctx *rc)
{
    const char *f = rc_query(rc, "format");
    const char *acc;

    if (f != NULL)
        return strcmp(f, "html") == 0 ? 1 : strcmp(f, "pdf") == 0 ? 0 : -2;
    acc = rc_header(rc, "Accept");
    if (acc == NULL || strstr(acc, "application/pdf") || strstr(acc, "*/*") ||
        strstr(acc, "application/*"))
        return 0;
    if (strstr(acc, "text/html") || strstr(acc, "text/*"))
        return 1;
    return -1;
}

/* The format of the reply into *html (want_html); -1 after replying 400 for a bad ?format=
   or 406 for an Accept that allows neither PDF nor HTML. */
static int
reply_format(struct reqctx *rc, int *html)
{
    *html = want_html(rc);
    if (*html == -2) {
        http_reply_error(rc, &(struct mc_err){.code = ERR_BAD_QUERY,
                                              .detail = "format is pdf or html",
                                              .field = "format"});
        return -1;
    }
    if (*html < 0) {
        http_reply_err(rc, ERR_NOT_ACCEPTABLE, "application/pdf or text/html");
        return -1;
    }
    return 0;
}

/* Fills the text fields every dossier form shares from the dossier row. */
static void
fill_common(struct reqctx *rc, struct doc_input *in, const PGresult *res)
{
    struct arena *a = rc->arena;
    json_t *app = col_json(rc, res, 0, "applicant");
    const char *regime = col(res, 0, "regime");

    in->regime = regime && strcmp(regime, "nd61") == 0 ? DOC_ND61 : DOC_ND118;
    in->issuer_parent = upper_vi(a, col(res, 0, "parent_name"));
    in->issuer = upper_vi(a, col(res, 0, "receiving_name"));
    in->place = place_of(a, col(res, 0, "receiving_address"));
    in->system_name = "motcua";
    in->code = col(res, 0, "code");
    in->lookup_url = doc_lookup_url(a, rc->app->cfg->public_url, in->code);
    in->procedure_code = col(res, 0, "procedure_code");
    in->procedure_name = col(res, 0, "procedure_name");
    in->applicant_name = jstr(app, "name");
    in->applicant_id = jstr(app, "id_number");
    in->applicant_address = jstr(app, "address");
    in->applicant_phone = jstr(app, "phone");
    in->applicant_email = jstr(app, "email");
    in->received_at = col_i(res, 0, "received_at");
    in->appointment_at = col_i(res, 0, "appointment_at");
    in->new_appointment_at = col_i(res, 0, "new_appointment_at");
    {
        /* issue 15: an appointment across a proposed calendar day prints "(dự kiến)" */
        struct mc_err e = {0};
        const struct ddl_axis *ax = hx_axis(rc->w, &e);
        int64_t ends[2] = {in->appointment_at, in->new_appointment_at};

        in->calendar_proposed =
            ax != NULL && dapi_calendar_proposed(ax, in->received_at, ends, 2);
    }
    in->sets = (int)col_i(res, 0, "sets");
    in->return_by_post = col(res, 0, "return_method") != NULL &&
                         strcmp(col(res, 0, "return_method"), "post") == 0;
    in->duration_text =
        duration_text(a, col(res, 0, "duration_value"), col(res, 0, "duration_unit"));
    in->lead_body = col(res, 0, "resolving_name");
}

/* Items of a JSON array of strings or of objects with "name" (payload "missing"). */
static size_t
string_list(struct arena *a, json_t *arr, const char *const **out)
{
    const char **v;
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0, k = 0;

    v = arena_calloc(a, n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(arr, i);
        const char *s = json_is_string(x) ? json_string_value(x) : jstr(x, "name");

        if (s != NULL && s[0] != '\0')
            v[k++] = s;
    }
    *out = v;
    return k;
}

/* Fills in->reason / supplement_items / issued_at from the last event of a transition. */
static int
from_event(struct reqctx *rc, struct doc_input *in, const PGresult *ev, enum dossier_tr tr)
{
    const char *type = dossier_tr_name(tr);

    for (int r = PQntuples(ev) - 1; r >= 0; r--) {
        json_t *p;

        if (strcmp(db_val(ev, r, db_col(ev, "type")), type) != 0)
            continue;
        p = col_json(rc, ev, r, "payload");
        in->issued_at = col_i(ev, r, "occurred_at");
        in->officer_name = col(ev, r, "actor");
        in->signer_name = in->officer_name;
        in->reason = jstr(p, "reason");
        if (in->reason == NULL)
            in->reason = jstr(p, "note");
        in->nsupplement = string_list(rc->arena, json_object_get(p, "missing"),
                                      &in->supplement_items);
        if (in->nsupplement == 0)
            in->nsupplement = string_list(rc->arena, json_object_get(p, "items"),
                                          &in->supplement_items);
        if (in->new_appointment_at == 0 && jstr(p, "new_appointment_at") != NULL)
            (void)cal_parse_instant(jstr(p, "new_appointment_at"),
                                    strlen(jstr(p, "new_appointment_at")),
                                    &in->new_appointment_at);
        return 0;
    }
    return -1;
}

/* RFC 3339 text of a payload member as an instant; 0 when absent or bad. */
static int64_t
payload_instant(json_t *p, const char *key)
{
    const char *s = jstr(p, key);
    int64_t t = 0;

    if (s == NULL || cal_parse_instant(s, strlen(s), &t) != 0)
        return 0;
    return t;
}

/*
 * The reissued receipt (doc/form.h DOC_RECEIPT_REISSUE): the last receive_supplement
 * event gives the issue time, the clerk, NgayHenTraTruoc and NgayHenTraMoi (its payload's
 * due_before / due_after, domain.md §6.1, §10).
 */
static void
reissue_dates(struct reqctx *rc, struct doc_input *in, const PGresult *ev)
{
    const char *type = dossier_tr_name(DOSSIER_TR_RECEIVE_SUPPLEMENT);

    for (int r = PQntuples(ev) - 1; r >= 0; r--) {
        json_t *p;

        if (strcmp(db_val(ev, r, db_col(ev, "type")), type) != 0)
            continue;
        p = col_json(rc, ev, r, "payload");
        in->supplement_received_at = col_i(ev, r, "occurred_at");
        in->issued_at = in->supplement_received_at;
        if (col(ev, r, "actor") != NULL)
            in->officer_name = col(ev, r, "actor");
        in->due_before = payload_instant(p, "due_before");
        in->due_after = payload_instant(p, "due_after");
        return;
    }
}

static void
reply_doc(struct reqctx *rc, struct doc_input *in, int html, const char *basename)
{
    struct doc_model m;
    struct mc_err e;
    char *out;
    size_t len;
    uint64_t t0 = http_now_ns();
    char hdr[32];

    err_clear(&e);
    if (doc_build(rc->arena, in, &m, &e) != 0 ||
        (html ? doc_html(rc->arena, &m, &out, &len, &e) : doc_pdf(rc->arena, &m, &out, &len, &e)) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    /* rendering time, for capacity planning (docs/architecture.md "Documents") */
    snprintf(hdr, sizeof hdr, "render;dur=%.2f", (double)(http_now_ns() - t0) / 1e6);
    rc_set_header(rc, "Server-Timing", hdr);
    rc_set_header(rc, "Cache-Control", "private, no-store");
    if (html)
        http_reply_data(rc, 200, "text/html; charset=utf-8", out, len, NULL);
    else
        http_reply_data(rc, 200, "application/pdf", out, len,
                        arena_printf(rc->arena, "%s.pdf", basename));
}

/* --- GET /api/v1/dossiers/{code}/documents[/{form}] ------------------------------------- */

/* Which forms exist for a dossier in this state and regime (domain.md §3). */
static int
form_exists(enum doc_kind k, enum doc_regime regime, int state, const PGresult *res,
            const PGresult *ev)
{
    int received = col_i(res, 0, "received_at") != 0;

    if (doc_form_number(regime, k) == 0)
        return 0;
    switch (k) {
    case DOC_RECEIPT:
    case DOC_CONTROL_SLIP:
        return received;
    case DOC_RECEIPT_REISSUE:
        /* domain.md §6.1: after a supplement is received the applicant gets the new
           appointment on a reissued Mẫu 01 (doc/form.h); none without an appointment. */
        if (!received || col_i(res, 0, "appointment_at") == 0)
            return 0;
        for (int r = 0; ev != NULL && r < PQntuples(ev); r++)
            if (strcmp(db_val(ev, r, db_col(ev, "type")),
                       dossier_tr_name(DOSSIER_TR_RECEIVE_SUPPLEMENT)) == 0)
                return 1;
        return 0;
    case DOC_REFUSAL:
        return state == DOSSIER_NOT_RECEIVED;
    case DOC_SUPPLEMENT:
        return col_i(res, 0, "supplement_requests") > 0;
    case DOC_APOLOGY:
        return col_i(res, 0, "new_appointment_at") != 0;
    case DOC_STOP:
        for (int r = 0; ev != NULL && r < PQntuples(ev); r++)
            if (strcmp(db_val(ev, r, db_col(ev, "type")), dossier_tr_name(DOSSIER_TR_STOP)) ==
                0)
                return 1;
        return 0;
    default:
        return 0;
    }
}

static void
list_done(struct docreq *d, struct db_result *r)
{
    struct reqctx *rc = d->rc;
    const PGresult *res = r->res[0], *ev = r->res[1];
    json_t *items;
    enum doc_regime regime;
    int state;
    const char *code;

    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_DOSSIER_NOT_FOUND, NULL);
        return;
    }
    regime = strcmp(db_val(res, 0, db_col(res, "regime")), "nd61") == 0 ? DOC_ND61 : DOC_ND118;
    state = (int)col_i(res, 0, "state");
    code = col(res, 0, "code");
    items = json_array();
    for (int k = 0; k < DOC__KINDS; k++) {
        if (k == DOC_REGISTER || !form_exists(k, regime, state, res, ev))
            continue;
        json_array_append_new(
            items,
            json_pack("{s:s, s:i, s:s, s:s, s:s}", "form", doc_kind_name(k), "number",
                      doc_form_number(regime, k), "title", doc_form_title(regime, k), "pdf",
                      arena_printf(rc->arena, "/api/v1/dossiers/%s/documents/%s?format=pdf",
                                   code, doc_kind_name(k)),
                      "html",
                      arena_printf(rc->arena, "/api/v1/dossiers/%s/documents/%s?format=html",
                                   code, doc_kind_name(k))));
    }
    http_reply_json(rc, 200,
                    json_pack("{s:s, s:s, s:o}", "code", code, "regime",
                              regime == DOC_ND61 ? "nd61" : "nd118", "items", items));
}

static void
api_doc_list(struct reqctx *rc)
{
    struct docreq *d = arena_alloc(rc->arena, sizeof *d);

    d->rc = rc;
    d->vals = hx_params(rc, DOSQ__N);
    d->vals[DOSQ_CODE] = rc_param(rc, "code");
    d->vals[DOSQ_SCOPE] = scope_param(rc);
    d->st[0] = (struct db_stmt){SQL_DOSSIER, DOSQ__N, d->vals};
    d->st[1] = (struct db_stmt){SQL_EVENTS, EVQ__N, d->vals};
    run(d, d->st, 2, list_done);
}

static void
control_slip(struct reqctx *rc, struct doc_input *in, const PGresult *res,
             const PGresult *steps)
{
    int n = PQntuples(steps);
    int64_t ended = col_i(res, 0, "ended_at");
    struct doc_handover *h = arena_calloc(rc->arena, (size_t)n + 1, sizeof *h);
    const char *prev = col(res, 0, "receiving_name");
    int64_t prev_due = 0;
    size_t k = 0;

    /* Each step begins with a hand-over from the previous holder (the counter first). */
    for (int r = 0; r < n; r++) {
        h[k].from_unit = prev;
        h[k].to_unit = col(steps, r, "unit_name");
        h[k].at = col_i(steps, r, "started_at");
        h[k].due = prev_due;
        prev = h[k].to_unit;
        prev_due = col_i(steps, r, "planned_end_at");
        k++;
    }
    /* The last row: the result comes back to the counter when processing ended. */
    if (ended != 0 && n > 0) {
        h[k].from_unit = prev;
        h[k].to_unit = col(res, 0, "receiving_name");
        h[k].at = ended;
        h[k].due = prev_due;
        k++;
    }
    in->handovers = h;
    in->nhandovers = k;
    in->issued_at = in->received_at;
}

/* The received documents of the dossier row, as the receipt lists them. */
static void
receipt_items(struct reqctx *rc, struct doc_input *in, const PGresult *res)
{
    json_t *docs = col_json(rc, res, 0, "documents"), *x;
    struct doc_item *items = arena_calloc(rc->arena, json_array_size(docs) + 1, sizeof *items);
    size_t i;

    json_array_foreach(docs, i, x)
    {
        const char *kind = jstr(x, "kind");

        items[i].name = jstr(x, "name");
        items[i].original = kind == NULL || strcmp(kind, "copy") != 0;
        items[i].count = json_is_integer(json_object_get(x, "count"))
                             ? (int)json_integer_value(json_object_get(x, "count"))
                             : 1;
    }
    in->items = items;
    in->nitems = json_array_size(docs);
}

/* The receipt (Mẫu 01) or its reissue; -1 after replying when ?secret= is not the
   dossier's. */
static int
form_receipt(struct docreq *d, struct db_result *r, struct doc_input *in)
{
    struct reqctx *rc = d->rc;
    const PGresult *ev = r->res[1];

    receipt_items(rc, in, r->res[0]);
    (void)from_event(rc, in, ev, DOSSIER_TR_RECEIVE);
    in->issued_at = in->received_at; /* the receipt is issued at reception */
    if (d->kind == DOC_RECEIPT_REISSUE)
        reissue_dates(rc, in, ev);
    if (d->secret != NULL) {
        /* Print the secret only when it is the one whose hash the dossier keeps. */
        if (r->nres < 4 || PQntuples(r->res[3]) != 1) {
            http_reply_error(rc, &(struct mc_err){.code = ERR_VALIDATION,
                                                  .detail = "secret does not match",
                                                  .field = "secret"});
            return -1;
        }
        in->lookup_secret = d->secret;
    }
    return 0;
}

/* The form-specific fields of d->kind; -1 after replying. */
static int
form_fill(struct docreq *d, struct db_result *r, struct doc_input *in)
{
    struct reqctx *rc = d->rc;
    const PGresult *res = r->res[0], *ev = r->res[1], *steps = r->res[2];

    switch (d->kind) {
    case DOC_RECEIPT:
    case DOC_RECEIPT_REISSUE:
        return form_receipt(d, r, in);
    case DOC_SUPPLEMENT:
        (void)from_event(rc, in, ev, DOSSIER_TR_REQUEST_SUPPLEMENT);
        in->contact = in->officer_name ? arena_printf(rc->arena, "%s, %s", in->officer_name,
                                                      col(res, 0, "receiving_name"))
                                       : col(res, 0, "receiving_name");
        return 0;
    case DOC_REFUSAL:
        (void)from_event(rc, in, ev, DOSSIER_TR_REFUSE);
        return 0;
    case DOC_APOLOGY:
        (void)from_event(rc, in, ev, DOSSIER_TR_APOLOGIZE);
        in->new_appointment_at = col_i(res, 0, "new_appointment_at");
        return 0;
    case DOC_STOP:
        (void)from_event(rc, in, ev, DOSSIER_TR_STOP);
        return 0;
    case DOC_CONTROL_SLIP:
        control_slip(rc, in, res, steps);
        return 0;
    default:
        http_reply_err(rc, ERR_NOT_FOUND, NULL);
        return -1;
    }
}

static void
form_done(struct docreq *d, struct db_result *r)
{
    struct reqctx *rc = d->rc;
    const PGresult *res = r->res[0], *ev = r->res[1];
    struct doc_input in;
    int state;

    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_DOSSIER_NOT_FOUND, NULL);
        return;
    }
    memset(&in, 0, sizeof in);
    in.kind = d->kind;
    fill_common(rc, &in, res);
    state = (int)col_i(res, 0, "state");
    if (!form_exists(d->kind, in.regime, state, res, ev)) {
        http_reply_err(rc, ERR_NOT_FOUND, "no %s for this dossier", doc_kind_name(d->kind));
        return;
    }
    if (form_fill(d, r, &in) != 0)
        return;
    if (in.issued_at == 0)
        in.issued_at = in.received_at ? in.received_at : col_i(res, 0, "created_at");
    reply_doc(rc, &in, d->html,
              arena_printf(rc->arena, "%s-%s", in.code, doc_kind_name(d->kind)));
}

/* One row when the secret (its hash) is the dossier's. */
static const char SQL_SECRET_OK[] =
    "SELECT 1 FROM dossier WHERE code = $1 AND lookup_secret_hash = $2";
enum okq_param { OKQ_CODE, OKQ_HASH, OKQ__N };

static void
api_doc_form(struct reqctx *rc)
{
    struct docreq *d = arena_alloc(rc->arena, sizeof *d);
    int k = doc_kind_parse(rc_param(rc, "form"));

    d->rc = rc;
    if (k < 0 || k == DOC_REGISTER) {
        http_reply_err(rc, ERR_NOT_FOUND, "unknown form");
        return;
    }
    d->kind = (enum doc_kind)k;
    if (reply_format(rc, &d->html) != 0)
        return;
    d->vals = hx_params(rc, DOSQ__N);
    d->vals[DOSQ_CODE] = rc_param(rc, "code");
    d->vals[DOSQ_SCOPE] = scope_param(rc);
    d->st[0] = (struct db_stmt){SQL_DOSSIER, DOSQ__N, d->vals};
    d->st[1] = (struct db_stmt){SQL_EVENTS, EVQ__N, d->vals};
    d->st[2] = (struct db_stmt){SQL_STEPS, EVQ__N, d->vals};
    d->secret = d->kind == DOC_RECEIPT || d->kind == DOC_RECEIPT_REISSUE
                    ? rc_query(rc, "secret")
                    : NULL;
    if (d->secret != NULL && d->secret[0] == '\0')
        d->secret = NULL;
    if (d->secret != NULL) {
        /* a fourth statement checks the secret; db_stmt arrays are fixed at 3, so grow */
        struct db_stmt *st = arena_calloc(rc->arena, 4, sizeof *st);
        char *hex = arena_alloc(rc->arena, TOKEN_HASH_HEX);
        const char **ok = hx_params(rc, OKQ__N);

        token_hash_hex(d->secret, hex);
        ok[OKQ_CODE] = d->vals[DOSQ_CODE];
        ok[OKQ_HASH] = hex;
        memcpy(st, d->st, sizeof d->st);
        st[3] = (struct db_stmt){SQL_SECRET_OK, OKQ__N, ok};
        run(d, st, 4, form_done);
        return;
    }
    run(d, d->st, 3, form_done);
}

/* --- GET /api/v1/guidance/{id}/document -------------------------------------------------- */

static void
guidance_done(struct docreq *d, struct db_result *r)
{
    struct reqctx *rc = d->rc;
    const PGresult *res = r->res[0];
    struct doc_input in;
    json_t *app;
    const char *regime;

    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such guidance record");
        return;
    }
    memset(&in, 0, sizeof in);
    app = col_json(rc, res, 0, "applicant");
    regime = col(res, 0, "regime");
    in.kind = DOC_SUPPLEMENT;
    in.regime = regime && strcmp(regime, "nd61") == 0 ? DOC_ND61 : DOC_ND118;
    in.issuer_parent = upper_vi(rc->arena, col(res, 0, "parent_name"));
    in.issuer = upper_vi(rc->arena, col(res, 0, "receiving_name"));
    in.place = place_of(rc->arena, col(res, 0, "receiving_address"));
    in.system_name = "motcua";
    in.procedure_code = col(res, 0, "procedure_code");
    in.procedure_name = col(res, 0, "procedure_name");
    in.applicant_name = jstr(app, "name");
    in.applicant_id = jstr(app, "id_number");
    in.applicant_address = jstr(app, "address");
    in.issued_at = col_i(res, 0, "guided_at");
    in.officer_name = col(res, 0, "actor");
    in.reason = col(res, 0, "note");
    in.nsupplement = string_list(rc->arena, col_json(rc, res, 0, "missing"),
                                 &in.supplement_items);
    in.contact = in.officer_name ? arena_printf(rc->arena, "%s, %s", in.officer_name,
                                                col(res, 0, "receiving_name"))
                                 : col(res, 0, "receiving_name");
    reply_doc(rc, &in, d->html, arena_printf(rc->arena, "guidance-%s", rc_param(rc, "id")));
}

static void
api_doc_guidance(struct reqctx *rc)
{
    struct docreq *d = arena_alloc(rc->arena, sizeof *d);
    const char *id = api_path_id(rc, "id");

    d->rc = rc;
    if (id == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such guidance record");
        return;
    }
    if (reply_format(rc, &d->html) != 0)
        return;
    d->vals = hx_params(rc, GUQ__N);
    d->vals[GUQ_ID] = id;
    d->vals[GUQ_SCOPE] = scope_param(rc);
    d->st[0] = (struct db_stmt){SQL_GUIDANCE, GUQ__N, d->vals};
    run(d, d->st, 1, guidance_done);
}

/* --- GET /api/v1/register ----------------------------------------------------------------- */

static void
register_done(struct docreq *d, struct db_result *r)
{
    struct reqctx *rc = d->rc;
    const PGresult *u = r->res[0], *rows = r->res[1];
    struct doc_input in;
    struct doc_register_row *rr;
    int n = PQntuples(rows);

    if (PQntuples(u) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such unit in scope");
        return;
    }
    memset(&in, 0, sizeof in);
    in.kind = DOC_REGISTER;
    /* the book's regime is the one in force on its last day (domain.md §1) */
    in.regime = doc_regime_at(cal_instant(d->to_day, 0));
    in.issuer_parent = upper_vi(rc->arena, col(u, 0, "parent_name"));
    in.issuer = upper_vi(rc->arena, col(u, 0, "name"));
    in.place = place_of(rc->arena, col(u, 0, "address"));
    in.system_name = "motcua";
    in.unit_name = col(u, 0, "name");
    in.period_from = cal_instant(d->from_day, 0);
    in.period_to = cal_instant(d->to_day, 0);
    in.issued_at = rc->now;
    rr = arena_calloc(rc->arena, (size_t)n + 1, sizeof *rr);
    for (int i = 0; i < n; i++) {
        json_t *app = col_json(rc, rows, i, "applicant");
        const char *addr = jstr(app, "address"), *phone = jstr(app, "phone");
        int state = (int)col_i(rows, i, "state");

        rr[i].code = col(rows, i, "code");
        rr[i].procedure_name = col(rows, i, "procedure_name");
        rr[i].sets = (int)col_i(rows, i, "sets");
        rr[i].applicant_name = jstr(app, "name");
        rr[i].applicant_contact =
            arena_printf(rc->arena, "%s%s%s", addr ? addr : "", addr && phone ? "; " : "",
                         phone ? phone : "");
        rr[i].lead_body = col(rows, i, "resolving_name");
        rr[i].received_at = col_i(rows, i, "received_at");
        rr[i].appointment_at = col_i(rows, i, "appointment_at");
        rr[i].sent_at = col_i(rows, i, "sent_at");
        rr[i].result_at = col_i(rows, i, "ended_at");
        rr[i].returned_at = col_i(rows, i, "returned_at");
        rr[i].note = state == DOSSIER_STOPPED || state == DOSSIER_WITHDRAWAL_REQUESTED
                         ? dossier_state_name_vi(state)
                         : "";
    }
    in.rows = rr;
    in.nrows = (size_t)n;
    if (n == REGISTER_MAX_ROWS)
        rc_set_header(rc, "X-Truncated", "true");
    reply_doc(rc, &in, d->html, arena_printf(rc->arena, "so-theo-doi-%s", d->vals[RUQ_CODE]));
}

static void
api_doc_register(struct reqctx *rc)
{
    struct docreq *d = arena_alloc(rc->arena, sizeof *d);
    const char *unit = rc_query(rc, "unit"), *from = rc_query(rc, "from"), *to = rc_query(rc, "to");
    const char **v2 = hx_params(rc, RRQ__N);

    d->rc = rc;
    if (unit == NULL || unit[0] == '\0') {
        http_reply_error(rc, &(struct mc_err){.code = ERR_BAD_QUERY,
                                              .detail = "unit (electronic identifier) required",
                                              .field = "unit"});
        return;
    }
    if (from == NULL || cal_parse_date(from, strlen(from), &d->from_day) != 0) {
        http_reply_error(rc, &(struct mc_err){.code = ERR_BAD_QUERY,
                                              .detail = "from is YYYY-MM-DD", .field = "from"});
        return;
    }
    if (to == NULL || cal_parse_date(to, strlen(to), &d->to_day) != 0 || d->to_day < d->from_day ||
        d->to_day - d->from_day > 366) {
        http_reply_error(rc, &(struct mc_err){.code = ERR_BAD_QUERY,
                                              .detail = "to is YYYY-MM-DD, from..to at most a year",
                                              .field = "to"});
        return;
    }
    if (reply_format(rc, &d->html) != 0)
        return;
    d->vals = hx_params(rc, RUQ__N);
    d->vals[RUQ_CODE] = unit;
    d->vals[RUQ_SCOPE] = scope_param(rc);
    v2[RRQ_UNIT] = unit;
    v2[RRQ_FROM] = from;
    v2[RRQ_TO] = to;
    v2[RRQ_LIMIT] = arena_printf(rc->arena, "%d", REGISTER_MAX_ROWS);
    d->st[0] = (struct db_stmt){SQL_REGISTER_UNIT, RUQ__N, d->vals};
    d->st[1] = (struct db_stmt){SQL_REGISTER_ROWS, RRQ__N, v2};
    run(d, d->st, 2, register_done);
}

/* --- GET /api/v1/lookup (public) ----------------------------------------------------------- */

#define LIMIT_SLOTS 4096
#define LIMIT_PROBE 8
#define LIMIT_KEY 72

/*
 * The public budget (issue 17): one token bucket per key ("l " or "r " + the client
 * address) in one table for the whole process - every worker thread takes from the same
 * bucket under a mutex, so two threads do not double the allowance and a minute boundary
 * does not refill it at once. A bucket holds MOTCUA_LOOKUP_PER_MINUTE tokens (30) and
 * regains them at that rate, continuously: at most 30 at once, then one every 2 s. The
 * table is small and open-addressed: a full neighbourhood gives up the bucket that has been
 * quiet longest (a full one, after 60 s). The clock is the request's (rc->now, whole
 * seconds: half a token a second), so a pinned test clock works too.
 */
struct bucket {
    char key[LIMIT_KEY];
    double tokens;
    int64_t at_ms; /* when tokens was last brought up to date */
};

static pthread_mutex_t limit_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bucket limit_tab[LIMIT_SLOTS];

/* 1 when key may go on (a token taken); 0 when its bucket is empty. */
static int
limiter_take(const char *key, int64_t now_ms, int per_min)
{
    const double rate = per_min / 60000.0; /* tokens a millisecond */
    uint32_t h = 2166136261u;
    struct bucket *b = NULL, *victim = NULL;
    int ok;

    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    pthread_mutex_lock(&limit_mu);
    for (int i = 0; i < LIMIT_PROBE && b == NULL; i++) {
        struct bucket *s = &limit_tab[(h + (uint32_t)i) % LIMIT_SLOTS];

        if (strcmp(s->key, key) == 0)
            b = s;
        else if (victim == NULL || s->at_ms < victim->at_ms)
            victim = s;
    }
    if (b == NULL) {
        b = victim;
        snprintf(b->key, sizeof b->key, "%s", key);
        b->tokens = per_min;
        b->at_ms = now_ms;
    }
    if (now_ms > b->at_ms) {
        b->tokens += (double)(now_ms - b->at_ms) * rate;
        if (b->tokens > per_min)
            b->tokens = per_min;
        b->at_ms = now_ms;
    }
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&limit_mu);
    return ok;
}

void
api_documents_worker_free(struct worker *w)
{
    (void)w; /* the budget is the process's (limiter_take), nothing per worker */
}

static void
lookup_done(struct docreq *d, struct db_result *r)
{
    struct reqctx *rc = d->rc;
    const PGresult *res = r->res[0];
    int state;
    int64_t appt, nappt, ret, recv;
    char a[32], na[32], rt[32], rv[32];
    json_t *o;

    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_LOOKUP_FAILED, NULL);
        return;
    }
    state = (int)col_i(res, 0, "state");
    appt = col_i(res, 0, "appointment_at");
    nappt = col_i(res, 0, "new_appointment_at");
    ret = col_i(res, 0, "returned_at");
    recv = col_i(res, 0, "received_at");
    if (recv)
        cal_format_instant(recv, rv);
    if (appt)
        cal_format_instant(appt, a);
    if (nappt)
        cal_format_instant(nappt, na);
    if (ret)
        cal_format_instant(ret, rt);
    rc_set_header(rc, "Cache-Control", "no-store");
    o = json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:s}", "code", d->vals[LKQ_CODE],
                  "state", state, "state_key", dossier_state_key(state), "state_name",
                  dossier_state_name_vi(state), "appointment_at",
                  appt ? json_string(a) : json_null(), "new_appointment_at",
                  nappt ? json_string(na) : json_null(), "result_ready",
                  state == DOSSIER_RESOLVED, "returned", state == DOSSIER_RETURNED,
                  "returned_at", ret ? json_string(rt) : json_null(), "unit_name",
                  col(res, 0, "resolving_name") ? col(res, 0, "resolving_name") : "");
    /* What the citizen's page shows beside them: the procedure, when it was received and
       where the dossier is now (no personal data). */
    json_object_set_new(o, "procedure_name", json_string(col(res, 0, "procedure_name")
                                                             ? col(res, 0, "procedure_name") : ""));
    json_object_set_new(o, "received_at", recv ? json_string(rv) : json_null());
    json_object_set_new(o, "current_unit_name", json_string(col(res, 0, "current_name")
                                                                ? col(res, 0, "current_name") : ""));
    http_reply_json(rc, 200, o);
}

static int
allow_as(struct reqctx *rc, const char *key, const char *what)
{
    int per_min = rc->app->cfg->lookup_per_min;

    if (limiter_take(key, rc->now * 1000, per_min))
        return 1;
    rc_set_header(rc, "Retry-After", "60");
    http_reply_err(rc, ERR_RATE_LIMITED, "at most %d %s a minute", per_min, what);
    return 0;
}

int
api_lookup_allow(struct reqctx *rc)
{
    return allow_as(rc, arena_printf(rc->arena, "l %s", rc->client_addr), "lookups");
}

int
api_reaction_allow(struct reqctx *rc)
{
    /* the same table, a key of its own: "r " + the address (an address has no space) */
    return allow_as(rc, arena_printf(rc->arena, "r %s", rc->client_addr), "reactions");
}

static void
api_lookup(struct reqctx *rc)
{
    struct docreq *d = arena_alloc(rc->arena, sizeof *d);
    const char *code = rc_query(rc, "code"), *secret = rc_query(rc, "secret");
    char *hex;

    d->rc = rc;
    if (!api_lookup_allow(rc))
        return;
    /* A missing input is said to be missing (the QR gives the code alone: the citizen is
       told to type the secret, not that the code is wrong); it reveals nothing about any
       dossier. Oversized input looks exactly like a wrong code or secret. */
    if (code == NULL || code[0] == '\0' || secret == NULL || secret[0] == '\0') {
        struct mc_err e;

        err_field(&e, ERR_LOOKUP_MISSING, code == NULL || code[0] == '\0' ? "code" : "secret",
                  "%s", code == NULL || code[0] == '\0' ? "the dossier code is missing"
                                                         : "the lookup secret is missing");
        http_reply_error(rc, &e);
        return;
    }
    if (strlen(code) > 64 || strlen(secret) > 128) {
        http_reply_err(rc, ERR_LOOKUP_FAILED, NULL);
        return;
    }
    hex = arena_alloc(rc->arena, TOKEN_HASH_HEX);
    token_hash_hex(secret, hex);
    d->vals = hx_params(rc, LKQ__N);
    d->vals[LKQ_CODE] = code;
    d->vals[LKQ_HASH] = hex;
    d->st[0] = (struct db_stmt){SQL_LOOKUP, LKQ__N, d->vals};
    run(d, d->st, 1, lookup_done);
}

const struct route API_DOC_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/documents", api_doc_list, DOC_READERS, 0,
     "Forms that exist for a dossier (Mẫu numbers of its regime)"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/documents/{form}", api_doc_form, DOC_READERS, 0,
     "A form of a dossier as PDF (A5) or printable HTML, with the QR code"},
    {EVHTTP_REQ_GET, "/api/v1/guidance/{id}/document", api_doc_guidance, DOC_READERS, 0,
     "Supplement guidance (Mẫu 02) of an incomplete dossier at the counter"},
    {EVHTTP_REQ_GET, "/api/v1/register", api_doc_register, DOC_READERS, 0,
     "Sổ theo dõi hồ sơ of a receiving unit for a period (A4 landscape)"},
    {EVHTTP_REQ_GET, "/api/v1/lookup", api_lookup, 0, RF_PUBLIC,
     "Public lookup by dossier code and secret: status, appointment, unit"},
    {0},
};
