/*
 * dvcqg.c - the national portal (DVCQG) feed for the adapter that pushes to it
 * (domain.md §10, domain-sources.md §8.2): dossiers as DongBoHoSoMC objects, progress rows
 * as CapNhatTienDoHoSoMC, in the DVCQG field names, status codes 1-10 mapped 1:1 (never 5, 6
 * or 8 reported as 9) and times yyyyMMddHHmmss local; the per-dossier sync state the adapter
 * acknowledges; and the reconciliation of counts per unit and period. Beside them the
 * citizen's voice (domain.md §12): every evaluation version and every PAKN in scope, for the
 * adapter to push to the portal's DongBoDanhGia service and its PAKN service. Those services'
 * fields (TT 04/2025/TT-VPCP annex) have not been read (domain-sources.md §12, E12, E14), so
 * these items use the portal's vocabulary only where domain.md §10/§12 establish it - MaHoSo,
 * the "không hài lòng" boolean (§12.1: the portal counts only that), yyyyMMddHHmmss local
 * times - and carry everything else in a `motcua` block under motcua's own names; no portal
 * field name is invented here. Items that came from the portal (channel dvcqg) are listed,
 * flagged motcua.from_dvcqg, so that the adapter does not push them back.
 *
 * Feed cursors are keysets over (updated_at, id) / (recorded_at, id). Those columns hold the
 * writing transaction's start time, so a slow transaction could commit a row *behind* a
 * cursor already handed out. The feeds therefore show only rows older than the start of the
 * oldest transaction still running (pg_stat_activity.xact_start): anything not yet
 * committed is at or after that instant and will appear on a later page, never skipped.
 */
#include "api/integration/integ.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <uuid/uuid.h>

#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "domain/pakn.h"
#include "domain/role.h"
#include "domain/sat.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* Rows visible to a feed: committed before every running transaction began. This now() is
   the database's own clock on purpose (not the server's, core/clock.h): the keyset columns
   are written on it (the writing transaction's start) and it is compared with xact_start.
   Only client backends can write a dossier or an event: an autovacuum worker's long
   transaction on a busy table would otherwise hold the feeds still while it runs. */
#define FEED_HORIZON                                                                               \
    "(SELECT coalesce(min(xact_start), now()) FROM pg_stat_activity"                               \
    " WHERE datname = current_database() AND xact_start IS NOT NULL"                               \
    " AND backend_type = 'client backend' AND pid <> pg_backend_pid())"

/* The instant of the refusal (state 3, domain.md §3) of dossier d: its refusing event. */
#define REFUSED_AT                                                                                 \
    "(SELECT re.occurred_at FROM dossier_event re WHERE re.dossier_id = d.id"                      \
    " AND re.to_state = 3 ORDER BY re.seq LIMIT 1)"

#define LOCAL_TS(col) "to_char((" col ") AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMMDDHH24MISS')"

/*
 * The feeds' parameters (struct feed). FEED_SCOPE: the scope root (NULL = all); FEED_AFTER_US,
 * FEED_AFTER_ID: the cursor (its row's keyset instant in microseconds and its id; NULL: from
 * the start); FEED_SYNC: the sync state asked for (NULL = any). Columns: item (the row as
 * JSON text), cursor_us and cursor_id (the row's keyset).
 */
enum { FEED_SCOPE, FEED_AFTER_US, FEED_AFTER_ID, FEED_LIMIT, FEED_SYNC, FEED__N };
static const char SQL_FEED_DOSSIERS[] =
    "SELECT json_build_object("
    " 'MaHoSo', d.code, 'MaTTHC', p.code, 'TenTTHC', p.name, 'MaLinhVuc', f.code,"
    " 'TenLinhVuc', f.name, 'KenhThucHien', d.channel,"
    " 'ChuHoSo', d.applicant->>'name', 'SoGiayToChuHoSo', d.applicant->>'id_number',"
    " 'DiaChiChuHoSo', d.applicant->>'address', 'SoDienThoai', d.applicant->>'phone',"
    " 'Email', d.applicant->>'email',"
    " 'NgayNopHoSo', " LOCAL_TS("d.submitted_at") ","
    " 'NgayTiepNhan', " LOCAL_TS("d.received_at") ","
    /* NgayHenTra is the appointment printed at reception, never the apology's new one:
       the portal's 766 formula compares with it (domain.md §7.2), and §6.3 keeps a
       rescheduled dossier late in every statistic. */
    " 'NgayHenTra', " LOCAL_TS("d.appointment_at") ","
    " 'NgayKetThucXuLy', " LOCAL_TS("CASE WHEN d.end_state IN (9, 10) THEN d.ended_at END") ","
    " 'NgayTra', " LOCAL_TS("d.returned_at") ","
    /* NgayTuChoi is when the refusal happened: the occurred_at of the event that took the
       dossier to 3 (back-dated by an integration push as the sender says), never the row's
       updated_at, which only says when motcua wrote it. */
    " 'NgayTuChoi', " LOCAL_TS("CASE WHEN d.state = 3 THEN " REFUSED_AT " END") ","
    " 'TrangThaiHoSo', d.state,"
    " 'HinhThuc', CASE WHEN d.return_method = 'post' THEN 1 ELSE 0 END,"
    " 'DonViXuLy', ru.name, 'MaDonViXuLy', ru.code, 'MaDonViTiepNhan', cu.code,"
    " 'DanhSachHoSoBoSung', coalesce((SELECT json_agg(json_build_object("
    "   'HoSoBoSungId', pz.n, 'NoiDungBoSung', pz.detail->>'reason',"
    "   'NgayBoSung', " LOCAL_TS("pz.requested_at") ","
    "   'NgayTiepNhanBoSung', " LOCAL_TS("pz.resolved_at") ","
    "   'TrangThaiBoSung', CASE WHEN pz.resolved_at IS NULL THEN 0 ELSE 1 END,"
    "   'NgayHenTraTruoc', " LOCAL_TS("pz.due_before") ","
    "   'NgayHenTraMoi', " LOCAL_TS("pz.due_after") ") ORDER BY pz.n)"
    "   FROM dossier_pause pz WHERE pz.dossier_id = d.id AND pz.reason = 'supplement'), '[]'),"
    /* isUpdating: the portal already holds the dossier - a push was acknowledged synced
       before; an adapter's error-only acks (nothing reached the portal) do not count. */
    " 'isUpdating', coalesce(s.synced_version, 0) > 0,"
    " 'motcua', json_build_object('version', d.version, 'sync_state',"
    "   CASE WHEN s.state = 'error' THEN 'error'"
    "        WHEN s.synced_version >= d.version THEN 'synced' ELSE 'not_synced' END,"
    "   'sync_error', s.error))::text AS item,"
    " (extract(epoch FROM d.updated_at) * 1000000)::bigint AS cursor_us, d.id AS cursor_id"
    " FROM dossier d JOIN procedure p ON p.id = d.procedure_id"
    " LEFT JOIN field f ON f.id = p.field_id"
    " JOIN unit ru ON ru.id = d.resolving_unit_id JOIN unit cu ON cu.id = d.receiving_unit_id"
    " LEFT JOIN dvcqg_sync s ON s.dossier_id = d.id"
    " WHERE ($1::bigint IS NULL OR unit_in_scope($1::bigint, d.receiving_unit_id)"
    "        OR unit_in_scope($1::bigint, d.resolving_unit_id))"
    " AND d.updated_at < " FEED_HORIZON
    " AND ($2::bigint IS NULL OR (d.updated_at, d.id) >"
    "      (to_timestamp($2::bigint / 1000000.0), $3::bigint))"
    " AND ($5::text IS NULL OR $5 = CASE WHEN s.state = 'error' THEN 'error'"
    "      WHEN s.synced_version >= d.version THEN 'synced' ELSE 'not_synced' END)"
    " ORDER BY d.updated_at, d.id LIMIT $4::int";

/* Progress rows: one per event, rendered by dvcqg_progress_row() (sql/090), the one
 * definition the dvcqg-format webhooks (webhook.c) send too. The parameters of the dossier
 * feed but the sync filter (the same list: PROGRESS_ are FEED_'s first members). */
enum { PROGRESS_SCOPE, PROGRESS_AFTER_US, PROGRESS_AFTER_ID, PROGRESS_LIMIT, PROGRESS__N };
_Static_assert((int)PROGRESS_SCOPE == (int)FEED_SCOPE &&
                   (int)PROGRESS_AFTER_US == (int)FEED_AFTER_US &&
                   (int)PROGRESS_AFTER_ID == (int)FEED_AFTER_ID &&
                   (int)PROGRESS_LIMIT == (int)FEED_LIMIT,
               "the progress feed binds the dossier feed's list");
static const char SQL_FEED_PROGRESS[] =
    "SELECT dvcqg_progress_row(e)::text AS item,"
    " (extract(epoch FROM e.recorded_at) * 1000000)::bigint AS cursor_us,"
    " e.id::text AS cursor_id"
    " FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id"
    " WHERE ($1::bigint IS NULL OR unit_in_scope($1::bigint, d.receiving_unit_id)"
    "        OR unit_in_scope($1::bigint, d.resolving_unit_id))"
    " AND e.recorded_at < " FEED_HORIZON
    " AND ($2::bigint IS NULL OR (e.recorded_at, e.id) >"
    "      (to_timestamp($2::bigint / 1000000.0), $3::uuid))"
    " ORDER BY e.recorded_at, e.id LIMIT $4::int";

/* Evaluations (sql/110): every version, by (recorded_at, id), for the dossiers the dossier
 * feed shows (in scope by the dossier's receiving or resolving unit); the parameters of the
 * progress feed. The units are the evaluation's own attribution. Not in the item: who filed
 * or keyed it (evaluator_name, entered_by) and the clerks attributed. The rating is the enum's
 * number here; voice_item_evaluation() names it and derives the portal's boolean. */
static const char SQL_FEED_EVALUATIONS[] =
    "SELECT json_build_object('MaHoSo', d.code,"
    " 'evaluated_at_local', " LOCAL_TS("v.evaluated_at") ","
    " 'motcua', json_build_object('id', v.id, 'version', v.version, 'rating', v.rating,"
    "  'reason', v.reason, 'channel', v.channel, 'answers', array_to_json(v.answers),"
    "  'computed', array_to_json(v.computed), 'evaluated_at', report_ts(v.evaluated_at),"
    "  'recorded_at', report_ts(v.recorded_at), 'receiving_unit', ru.code,"
    "  'resolving_unit', su.code, 'from_dvcqg', v.channel = 'dvcqg'))::text AS item,"
    " (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS cursor_us, v.id AS cursor_id"
    " FROM evaluation v JOIN dossier d ON d.id = v.dossier_id"
    " JOIN unit ru ON ru.id = v.receiving_unit_id JOIN unit su ON su.id = v.resolving_unit_id"
    " WHERE ($1::bigint IS NULL OR unit_in_scope($1::bigint, d.receiving_unit_id)"
    "        OR unit_in_scope($1::bigint, d.resolving_unit_id))"
    " AND v.recorded_at < " FEED_HORIZON
    " AND ($2::bigint IS NULL OR (v.recorded_at, v.id) >"
    "      (to_timestamp($2::bigint / 1000000.0), $3::bigint))"
    " ORDER BY v.recorded_at, v.id LIMIT $4::int";

/* PAKN (sql/111) of the units in scope (the current receiver, as the PAKN API scopes them),
 * by (updated_at, id): a PAKN reappears after each step. Only what is public: the published
 * text once published (published_at is set by the publishing step only), never the sender,
 * the content or the answer as written. The state is the enum's number here;
 * voice_item_pakn() gives its key and label. */
static const char SQL_FEED_PAKN[] =
    "SELECT json_build_object('MaHoSo', d.code,"
    " 'received_at_local', " LOCAL_TS("p.received_at") ","
    " 'answered_at_local', " LOCAL_TS("p.answered_at") ","
    " 'published_at_local', " LOCAL_TS("p.published_at") ","
    " 'motcua', json_build_object('id', p.id, 'version', p.version, 'state', p.state,"
    "  'topic', p.topic, 'channel', p.channel, 'unit', un.code, 'parent_id', p.parent_id,"
    "  'received_at', report_ts(p.received_at), 'arrived_at', report_ts(p.arrived_at),"
    "  'answered_at', report_ts(p.answered_at), 'published_at', report_ts(p.published_at),"
    "  'reject_due_at', report_ts(p.reject_due_at),"
    "  'transfer_due_at', report_ts(p.transfer_due_at),"
    "  'supplement_due_at', report_ts(p.supplement_due_at),"
    "  'answer_due_at', report_ts(p.answer_due_at),"
    "  'publish_due_at', report_ts(p.publish_due_at),"
    "  'public_text', CASE WHEN p.published_at IS NOT NULL THEN p.public_text END,"
    "  'from_dvcqg', p.channel = 'dvcqg'))::text AS item,"
    " (extract(epoch FROM p.updated_at) * 1000000)::bigint AS cursor_us, p.id AS cursor_id"
    " FROM pakn p JOIN unit un ON un.id = p.unit_id LEFT JOIN dossier d ON d.id = p.dossier_id"
    " WHERE ($1::bigint IS NULL OR unit_in_scope($1::bigint, p.unit_id))"
    " AND p.updated_at < " FEED_HORIZON
    " AND ($2::bigint IS NULL OR (p.updated_at, p.id) >"
    "      (to_timestamp($2::bigint / 1000000.0), $3::bigint))"
    " ORDER BY p.updated_at, p.id LIMIT $4::int";

/* Scope root for SQL: the caller's unit, NULL for an administrator. */
static const char *
scope_param(struct reqctx *rc)
{
    if (rc->who.role == ROLE_ADMIN)
        return NULL;
    return arena_printf(rc->arena, "%lld", (long long)rc->who.unit_id);
}

/* What a feed adds to each item in C (NULL: nothing): names from the domain's tables. */
typedef void (*feed_item_fn)(json_t *item);

struct feed {
    int limit;
    feed_item_fn item;
    const char *p[FEED__N];
};

/* 1 when the n bytes of s are 1-18 decimal digits (a bigint, never 0). */
static int
digits(const char *s, size_t n)
{
    size_t k = 0;

    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    return n > 0 && n <= 18 && k == n && strspn(s, "0") < n;
}

/* Cursor "<micros>_<id>" (opaque to clients). */
static int
parse_cursor(struct reqctx *rc, struct feed *f, int uuid_id, struct mc_err *e)
{
    const char *c = rc_query(rc, "cursor");
    const char *us;
    uuid_t u;

    if (c == NULL || c[0] == '\0')
        return 0;
    us = strchr(c, '_');
    /* every part such that the database takes it (issue 17: never a DB_ERROR): micros of
       1-18 digits, then an id of 1-18 digits or a UUID */
    if (us == NULL || !digits(c, (size_t)(us - c)) ||
        (uuid_id ? uuid_parse(us + 1, u) != 0 : !digits(us + 1, strlen(us + 1))))
        return err_field(e, ERR_BAD_QUERY, "cursor", "not a cursor of this feed");
    f->p[FEED_AFTER_US] = arena_strndup(rc->arena, c, (size_t)(us - c));
    f->p[FEED_AFTER_ID] = us + 1;
    return 0;
}

static void
on_feed(struct reqctx *rc, struct db_result *r)
{
    struct feed *f = rc->state;
    const PGresult *res;
    json_t *items, *next;
    int n, item;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    items = json_array();
    item = db_col(res, "item");
    for (int i = 0; i < n; i++) {
        json_t *o = json_loads(db_val(res, i, item), 0, NULL);

        if (o != NULL && f->item != NULL)
            f->item(o);
        json_array_append_new(items, o != NULL ? o : json_null());
    }
    /* The cursor of the last row; a short page still gives it, so the adapter polls on. */
    if (n > 0)
        next = json_string(arena_printf(rc->arena, "%s_%s", hx_col(res, n - 1, "cursor_us"),
                                        hx_col(res, n - 1, "cursor_id")));
    else if (f->p[FEED_AFTER_US] != NULL)
        next = json_string(
            arena_printf(rc->arena, "%s_%s", f->p[FEED_AFTER_US], f->p[FEED_AFTER_ID]));
    else
        next = json_null();
    http_reply_json(rc, 200, json_pack("{s:o,s:o,s:b}", "items", items, "next_cursor", next,
                                       "more", n == f->limit));
}

static void
dossiers_go(struct reqctx *rc)
{
    struct feed *f = arena_alloc(rc->arena, sizeof(*f));
    const char *sync = rc_query(rc, "sync");
    struct mc_err e;

    if (api_query_limit(rc, &f->limit, &e) != 0 || parse_cursor(rc, f, 0, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (sync != NULL && strcmp(sync, "not_synced") != 0 && strcmp(sync, "synced") != 0 &&
        strcmp(sync, "error") != 0) {
        http_reply_error(rc, (err_field(&e, ERR_BAD_QUERY, "sync", "not_synced, synced or error"),
                              &e));
        return;
    }
    f->p[FEED_SCOPE] = scope_param(rc);
    f->p[FEED_LIMIT] = arena_printf(rc->arena, "%d", f->limit);
    f->p[FEED_SYNC] = sync;
    rc->state = f;
    api_db1(rc, SQL_FEED_DOSSIERS, FEED__N, f->p, on_feed);
}

/* GET /api/v1/dvcqg/dossiers?cursor=&limit=&sync= */
void
api_dvcqg_dossiers(struct reqctx *rc)
{
    integ_verify(rc, dossiers_go);
}

/* A feed bound by the progress feed's list (PROGRESS_): sql, its cursor's id a uuid or not,
   each item finished by fn. */
static void
keyset_feed(struct reqctx *rc, const char *sql, int uuid_id, feed_item_fn fn)
{
    struct feed *f = arena_alloc(rc->arena, sizeof(*f));
    struct mc_err e;

    if (api_query_limit(rc, &f->limit, &e) != 0 || parse_cursor(rc, f, uuid_id, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    f->item = fn;
    f->p[PROGRESS_SCOPE] = scope_param(rc);
    f->p[PROGRESS_LIMIT] = arena_printf(rc->arena, "%d", f->limit);
    rc->state = f;
    api_db1(rc, sql, PROGRESS__N, f->p, on_feed);
}

static void
progress_go(struct reqctx *rc)
{
    keyset_feed(rc, SQL_FEED_PROGRESS, 1, NULL);
}

/* GET /api/v1/dvcqg/progress?cursor=&limit= */
void
api_dvcqg_progress(struct reqctx *rc)
{
    integ_verify(rc, progress_go);
}

/* ---------------------------------------------------------------- the citizen's voice */

/* An evaluation item: the rating's key, and the portal's one boolean, "không hài lòng"
   (domain.md §12.1: DVCQG counts only that; map to a boolean at the edge). */
static void
voice_item_evaluation(json_t *item)
{
    json_t *m = json_object_get(item, "motcua");
    enum sat_rating r = (enum sat_rating)json_integer_value(json_object_get(m, "rating"));

    json_object_set_new(item, "dissatisfied", json_boolean(r == SAT_DISSATISFIED));
    json_object_set_new(m, "rating", json_string(sat_rating_key(r)));
}

/* A PAKN item: its state as motcua's key and the Vietnamese label of §12.2's states. */
static void
voice_item_pakn(json_t *item)
{
    json_t *m = json_object_get(item, "motcua");
    enum pakn_state s = (enum pakn_state)json_integer_value(json_object_get(m, "state"));

    json_object_set_new(m, "state", json_string(pakn_state_key(s)));
    json_object_set_new(m, "state_name", json_string(pakn_state_vi(s)));
}

static void
evaluations_go(struct reqctx *rc)
{
    keyset_feed(rc, SQL_FEED_EVALUATIONS, 0, voice_item_evaluation);
}

/* GET /api/v1/dvcqg/evaluations?cursor=&limit= */
void
api_dvcqg_evaluations(struct reqctx *rc)
{
    integ_verify(rc, evaluations_go);
}

static void
pakn_go(struct reqctx *rc)
{
    keyset_feed(rc, SQL_FEED_PAKN, 0, voice_item_pakn);
}

/* GET /api/v1/dvcqg/pakn?cursor=&limit= */
void
api_dvcqg_pakn(struct reqctx *rc)
{
    integ_verify(rc, pakn_go);
}

/* ---------------------------------------------------------------- acknowledgements */

/* ACK_ITEMS: [{code, state, version?, error?}]; ACK_NOW: rc->now. Returns the codes found in
   scope. */
enum { ACK_SCOPE, ACK_ITEMS, ACK_ACCOUNT, ACK_NOW, ACK__N };
static const char SQL_ACK[] =
    "WITH x AS (SELECT a->>'code' AS code, a->>'state' AS state, (a->>'version')::int AS version,"
    "  a->>'error' AS error FROM jsonb_array_elements($2::jsonb) a),"
    " t AS (SELECT d.id, x.code, x.state, coalesce(x.version, d.version) AS version, x.error"
    "  FROM x JOIN dossier d ON d.code = x.code"
    "  WHERE $1::bigint IS NULL OR unit_in_scope($1::bigint, d.receiving_unit_id)"
    "     OR unit_in_scope($1::bigint, d.resolving_unit_id)),"
    " up AS (INSERT INTO dvcqg_sync (dossier_id, state, synced_version, error, account_id,"
    "  updated_at)"
    "  SELECT id, state, CASE WHEN state = 'synced' THEN version ELSE 0 END,"
    "  CASE WHEN state = 'error' THEN error END, $3::bigint, to_timestamp($4::bigint) FROM t"
    "  ON CONFLICT (dossier_id) DO UPDATE SET state = EXCLUDED.state,"
    /* an error keeps the version last synced (0: never), which isUpdating reads */
    "  synced_version = CASE WHEN EXCLUDED.state = 'synced' THEN EXCLUDED.synced_version"
    "   ELSE dvcqg_sync.synced_version END, error = EXCLUDED.error,"
    "  account_id = EXCLUDED.account_id, updated_at = EXCLUDED.updated_at RETURNING dossier_id)"
    " SELECT t.code FROM t JOIN up ON up.dossier_id = t.id";

struct ack {
    json_t *codes;
    const char *p[ACK__N];
};

static void
ack_free(void *p)
{
    json_decref(((struct ack *)p)->codes);
}

static void
on_ack(struct reqctx *rc, struct db_result *r)
{
    struct ack *a = rc->state;
    json_t *found = json_object(), *items = json_array(), *v;
    int ok = 0, col;
    size_t i;

    if (r->err.code != ERR_OK) {
        json_decref(found);
        json_decref(items);
        api_reply_db_error(rc, r);
        return;
    }
    col = db_col(r->res[0], "code");
    for (int k = 0; k < PQntuples(r->res[0]); k++)
        json_object_set_new(found, db_val(r->res[0], k, col), json_true());
    json_array_foreach(a->codes, i, v) {
        const char *code = json_string_value(v);
        int hit = json_object_get(found, code) != NULL;

        ok += hit;
        json_array_append_new(items, json_pack("{s:s,s:s}", "code", code, "status",
                                               hit ? "ok" : "not_found"));
    }
    json_decref(found);
    http_reply_json(rc, 200, json_pack("{s:o,s:i,s:i}", "items", items, "acknowledged", ok,
                                       "not_found", (int)json_array_size(a->codes) - ok));
}

static void
ack_go(struct reqctx *rc)
{
    json_t *items = json_object_get(rc->json, "items"), *it;
    struct ack *a = arena_alloc(rc->arena, sizeof(*a));
    struct mc_err e;
    size_t i;
    char *s;

    a->codes = json_array();
    arena_defer(rc->arena, ack_free, a);
    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > 1000) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "items", "1-1000 rows"), &e));
        return;
    }
    json_array_foreach(items, i, it) {
        const char *code = NULL, *state = NULL, *error = NULL;
        int64_t version = 0;

        if (!json_is_object(it)) {
            http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "items", "row %zu", i), &e));
            return;
        }
        if (jin_get_str(it, "code", 64, 1, &code, &e) < 0 ||
            jin_get_str(it, "state", 16, 1, &state, &e) < 0 ||
            jin_get_int(it, "version", 1, 2147483647, 0, &version, &e) < 0 ||
            jin_get_str(it, "error", 1000, 0, &error, &e) < 0) {
            http_reply_error(rc, &e);
            return;
        }
        if (strcmp(state, "synced") != 0 && strcmp(state, "error") != 0) {
            http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "state", "synced or error"), &e));
            return;
        }
        if (strcmp(state, "error") == 0 && error == NULL) {
            http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "error",
                                            "an error acknowledgement says what failed"),
                                  &e));
            return;
        }
        json_array_append_new(a->codes, json_string(code));
    }
    s = json_dumps(items, JSON_COMPACT);
    a->p[ACK_SCOPE] = scope_param(rc);
    a->p[ACK_ITEMS] = arena_strdup(rc->arena, s);
    a->p[ACK_ACCOUNT] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    a->p[ACK_NOW] = arena_printf(rc->arena, "%lld", (long long)rc->now);
    free(s);
    rc->state = a;
    api_db1(rc, SQL_ACK, ACK__N, a->p, on_ack);
}

/* POST /api/v1/dvcqg/ack {"items":[{code, state: synced|error, version?, error?}]} */
void
api_dvcqg_ack(struct reqctx *rc)
{
    integ_verify(rc, ack_go);
}

/* ---------------------------------------------------------------- reconciliation */

/*
 * Our counts per receiving unit (the unit whose identifier starts the dossier code) over
 * local days [REC_FROM, REC_TO]: received (NgayTiepNhan in the period), resolved (result ready: ended
 * in 9 or 10 within the period), returned (NgayTra in the period), refused at reception (3,
 * by the time of the refusing event, as NgayTuChoi in the feed).
 * REC_UNITS: the adapter's rows [{unit_code, received, resolved, returned, not_received}].
 */
enum { REC_SCOPE, REC_FROM, REC_TO, REC_UNITS, REC__N };
static const char SQL_RECONCILE[] =
    "WITH theirs AS (SELECT r->>'unit_code' AS unit_code, r FROM jsonb_array_elements($4::jsonb) r),"
    " lo AS (SELECT ($2::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS t),"
    " hi AS (SELECT (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS t),"
    " ours AS (SELECT u.code AS unit_code,"
    "  count(*) FILTER (WHERE d.received_at >= lo.t AND d.received_at < hi.t) AS received,"
    "  count(*) FILTER (WHERE d.end_state IN (9, 10) AND d.ended_at >= lo.t AND d.ended_at < hi.t)"
    "   AS resolved,"
    "  count(*) FILTER (WHERE d.returned_at >= lo.t AND d.returned_at < hi.t) AS returned,"
    "  count(*) FILTER (WHERE d.state = 3 AND " REFUSED_AT " >= lo.t AND " REFUSED_AT " < hi.t)"
    "   AS not_received"
    "  FROM dossier d JOIN unit u ON u.id = d.receiving_unit_id, lo, hi"
    /* only dossiers that can count in the period (a superset of the FILTERs above, so the
       scan is bounded by the period, not by the units' whole history): a refusal is
       recorded at or after it happened, so its row was updated on or after lo */
    "  WHERE ((d.received_at >= lo.t AND d.received_at < hi.t)"
    "   OR (d.ended_at >= lo.t AND d.ended_at < hi.t)"
    "   OR (d.returned_at >= lo.t AND d.returned_at < hi.t)"
    "   OR (d.state = 3 AND d.updated_at >= lo.t))"
    "  AND ($1::bigint IS NULL OR unit_in_scope($1::bigint, d.receiving_unit_id))"
    "  AND u.code IN (SELECT unit_code FROM theirs)"
    "  GROUP BY u.code)"
    " SELECT t.unit_code, coalesce(o.received, 0) AS received,"
    " coalesce(o.resolved, 0) AS resolved, coalesce(o.returned, 0) AS returned,"
    " coalesce(o.not_received, 0) AS not_received, t.r::text AS theirs,"
    " EXISTS (SELECT 1 FROM unit u WHERE u.code = t.unit_code"
    "   AND ($1::bigint IS NULL OR unit_in_scope($1::bigint, u.id))) AS known"
    " FROM theirs t LEFT JOIN ours o ON o.unit_code = t.unit_code ORDER BY t.unit_code";
/* The columns of SQL_RECONCILE; the counts (RC_RECEIVED .. RC_NOT_RECEIVED) are named as the
   keys of the reply and of the adapter's rows. */
enum { RC_UNIT, RC_RECEIVED, RC_RESOLVED, RC_RETURNED, RC_NOT_RECEIVED, RC_THEIRS, RC_KNOWN,
       RC__N };
static const char *const RC_NAMES[RC__N] = {
    [RC_UNIT] = "unit_code",       [RC_RECEIVED] = "received", [RC_RESOLVED] = "resolved",
    [RC_RETURNED] = "returned",    [RC_NOT_RECEIVED] = "not_received",
    [RC_THEIRS] = "theirs",        [RC_KNOWN] = "known",
};

static void
on_reconcile(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res = r->res[0];
    json_t *units;
    int mismatched = 0, c[RC__N];

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    units = json_array();
    hx_cols(res, RC_NAMES, RC__N, c);
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *theirs = json_loads(db_val(res, i, c[RC_THEIRS]), 0, NULL);
        json_t *ours = json_object(), *diff = json_object(), *th = json_object();
        int differs = 0, known = db_val(res, i, c[RC_KNOWN])[0] == 't';

        for (int k = RC_RECEIVED; k <= RC_NOT_RECEIVED; k++) {
            long long o = strtoll(db_val(res, i, c[k]), NULL, 10);
            json_t *tv = json_object_get(theirs, RC_NAMES[k]);

            json_object_set_new(ours, RC_NAMES[k], json_integer(o));
            if (json_is_integer(tv)) {
                long long t = json_integer_value(tv);

                json_object_set_new(th, RC_NAMES[k], json_integer(t));
                json_object_set_new(diff, RC_NAMES[k], json_integer(o - t));
                differs |= o != t;
            }
        }
        mismatched += differs || !known;
        json_array_append_new(units, json_pack("{s:s,s:b,s:o,s:o,s:o,s:b}", "unit_code",
                                               db_val(res, i, c[RC_UNIT]), "known", known,
                                               "theirs", th, "ours", ours, "difference", diff,
                                               "matches", !differs && known));
        json_decref(theirs);
    }
    http_reply_json(rc, 200,
                    json_pack("{s:o,s:i}", "units", units, "mismatched_units", mismatched));
}

static void
reconcile_go(struct reqctx *rc)
{
    const char **p = hx_params(rc, REC__N);
    json_t *period = json_object_get(rc->json, "period");
    json_t *units = json_object_get(rc->json, "units"), *u;
    int32_t from = 0, to = 0;
    struct mc_err e;
    size_t i;
    char *s;

    if (!json_is_object(period) || jin_get_date(period, "from", 1, &from, &e) < 0 ||
        jin_get_date(period, "to", 1, &to, &e) < 0) {
        if (!json_is_object(period))
            err_field(&e, ERR_VALIDATION, "period", "{\"from\":\"YYYY-MM-DD\",\"to\":...}");
        http_reply_error(rc, &e);
        return;
    }
    if (to < from || to - from > 366) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "period", "from <= to, at most a year"),
                              &e));
        return;
    }
    if (!json_is_array(units) || json_array_size(units) == 0 || json_array_size(units) > 1000) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "units", "1-1000 rows"), &e));
        return;
    }
    json_array_foreach(units, i, u) {
        const char *code = NULL;

        if (!json_is_object(u) || jin_get_str(u, "unit_code", 13, 1, &code, &e) < 0) {
            if (!json_is_object(u))
                err_field(&e, ERR_VALIDATION, "units", "row %zu", i);
            http_reply_error(rc, &e);
            return;
        }
    }
    p[REC_SCOPE] = scope_param(rc);
    p[REC_FROM] = json_string_value(json_object_get(period, "from"));
    p[REC_TO] = json_string_value(json_object_get(period, "to"));
    s = json_dumps(units, JSON_COMPACT);
    p[REC_UNITS] = arena_strdup(rc->arena, s);
    free(s);
    api_db1(rc, SQL_RECONCILE, REC__N, p, on_reconcile);
}

/* POST /api/v1/dvcqg/reconcile {period:{from,to}, units:[{unit_code, received, ...}]} */
void
api_dvcqg_reconcile(struct reqctx *rc)
{
    integ_verify(rc, reconcile_go);
}
