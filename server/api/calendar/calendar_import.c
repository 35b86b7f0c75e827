/*
 * calendar_import.c - a year's announcement as a workflow (issue 15 part 2; docs/domain.md
 * §4.4 "Adding a year"): POST /api/v1/calendar/import (API_CALENDAR_IMPORT_ROUTES) and the
 * evaluation it shares with `motcua calendar import` (server/cli/calendar_import.c).
 *
 *   1. parse the announcement (the TSV of sql/calendar_vn.tsv, line by line through
 *      wcal_parse_tsv, or JSON [{day, working, reason, note}]), every row;
 *   2. check it whole against the loaded rows (wcal_import_check: one year, kinds, the
 *      Labour Code rules unless override, swaps paired with their Saturdays);
 *   3. diff it against the loaded rows (added / changed / unchanged, loaded rows of the
 *      year that it leaves alone as "kept": an import adds and replaces, it never deletes);
 *   4. build the candidate calendar (loaded rows with the announcement applied, this
 *      installation's options) and re-project every open dossier whose window crosses the
 *      days whose working time changes, with the functions of api/dossier/dossier_reproject.c
 *      (dapi_duration, dapi_start_clock, counted pauses by ddl_between), without
 *      writing: the dossiers whose appointment or legal due would move;
 *   5. apply (apply: true): ONE unit holds the fingerprint guard, the rows, per moved
 *      dossier its event calendar_reprojected and its projection (version-guarded), the
 *      audit row, the NOTIFY (delivered at commit: every process reloads) and the
 *      idempotency record; in the same unit the rows are re-read, and the calendar built
 *      from them is published to this process. Any failure rolls the whole unit back.
 */
#include "api/calendar/calendar_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/common/common.h"
#include "api/calendar/calendar.h"
#include "api/dossier/dossier.h"
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "domain/wcal_import.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* A body's announcement is a year of rows: 256 kB is far more than enough. */
#define CIMP_CONTENT_MAX (256 * 1024)
/* Issues kept for the reply (the count is exact). */
#define CIMP_MAX_ISSUES 200

const char CIMP_FINGERPRINT_SQL[] =
    "SELECT md5(coalesce(string_agg(day::text || ' ' || working::text || ' ' || reason || ' '"
    " || coalesce(note, ''), E'\\n' ORDER BY day), '')) AS fingerprint FROM calendar_day";

const char *const CIMP_OPEN_SQL = DSQL_REPROJECT_SELECT;

/* Division by zero (22012) when calendar_day changed since the evaluation's read. */
enum { CI_GUARD_FINGERPRINT, CI_GUARD__N };
static const char CIMP_GUARD_SQL[] =
    "SELECT 1 / (CASE WHEN (SELECT md5(coalesce(string_agg(day::text || ' ' || working::text"
    " || ' ' || reason || ' ' || coalesce(note, ''), E'\\n' ORDER BY day), ''))"
    " FROM calendar_day) = $1 THEN 1 ELSE 0 END)";

/*
 * The apply unit's instants (calendar_day.updated_at, the events' occurred_at) are one read
 * of the server's clock (clock_now(), core/clock.h), bound as $n::timestamptz, never
 * PostgreSQL's now(). dossier.updated_at and dossier_event.recorded_at stay on the
 * database's clock on purpose: they are the DVCQG feeds' keysets, which must hold the
 * writing transaction's start (see the horizon in api/integration/dvcqg.c), as every
 * other writer of a dossier (api/dossier/dossier_sql.c, api/dossier/dossier_reproject.c)
 * leaves them.
 */
enum { CI_UPS_ROWS /* JSON [{day, working, reason, note}] */, CI_UPS_SOURCE, CI_UPS_NOW,
       CI_UPS__N };
static const char CIMP_UPSERT_SQL[] =
    "INSERT INTO calendar_day (day, working, reason, note, source, updated_at)"
    " SELECT x.day, x.working, x.reason, x.note, $2, $3::timestamptz"
    " FROM jsonb_to_recordset($1::jsonb) AS x(day date, working boolean, reason text, note text)"
    " ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, reason = EXCLUDED.reason,"
    "   note = EXCLUDED.note, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at";

enum { CI_EV_DOSSIER, CI_EV_PROVINCE, CI_EV_SEQ, CI_EV_STATE /* from and to */, CI_EV_ACCOUNT,
       CI_EV_LOGIN, CI_EV_ROLE, CI_EV_REQUEST, CI_EV_ADDR, CI_EV_PAYLOAD,
       CI_EV_AGGREGATE /* the dossier code */, CI_EV_NOW, CI_EV__N };
static const char CIMP_EVENT_SQL[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, actor_account_id, actor_login, actor_role, request_id, client_addr,"
    " payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, 'calendar_reprojected', $4::smallint, $4::smallint,"
    " $12::timestamptz, $5::bigint, $6, $7, $8, $9, $10::jsonb, $11)";

enum { CI_UPD_DOSSIER, CI_UPD_VERSION /* as read */, CI_UPD_APPOINTMENT, CI_UPD_LEGAL_DUE,
       CI_UPD__N };
static const char CIMP_UPDATE_SQL[] =
    "UPDATE dossier SET appointment_at = $3::timestamptz, legal_due_at = $4::timestamptz,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int AND ended_at IS NULL";

enum { CI_AU_ACCOUNT, CI_AU_LOGIN, CI_AU_TARGET, CI_AU_ADDR, CI_AU_REQUEST, CI_AU_DETAIL,
       CI_AU__N };
static const char CIMP_AUDIT_SQL[] =
    "INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id,"
    " detail) VALUES ($1::bigint, $2, 'calendar.import.apply', $3, 'ok', $4, $5, $6::jsonb)";

/* One open dossier that the announcement moves. */
struct cimp_move {
    const char *id, *province, *state, *code;
    int version;
    int64_t appt_before, appt_after, due_before, due_after;
};

void
cimp_init(struct cimp *c, int year, int override)
{
    memset(c, 0, sizeof(*c));
    c->a = arena_new();
    c->year = year;
    c->override = override;
    c->refusals = json_array();
    c->diff = json_array();
    c->kept = json_array();
    c->moved = json_array();
    c->from = 1;
    c->to = 0;
}

void
cimp_free(struct cimp *c)
{
    free(c->rows);
    free(c->loaded);
    free(c->sc);
    if (c->ax != NULL)
        ddl_axis_free(c->ax);
    free(c->ax);
    wcal_free(c->cur);
    wcal_free(c->cand);
    json_decref(c->refusals);
    json_decref(c->diff);
    json_decref(c->kept);
    json_decref(c->moved);
    free(c->mv);
    arena_free(c->a);
    memset(c, 0, sizeof(*c));
}

static json_t *
day_json(int32_t day)
{
    char d[11];

    if (day == INT32_MIN)
        return json_null();
    cal_format_date(day, d);
    return json_string(d);
}

static void
refuse(struct cimp *c, long row, long line, int32_t day, enum wcal_import_problem p,
       const char *detail)
{
    json_t *o;

    if (!c->override || !wcal_import_overridable(p))
        c->blocking++;
    if (json_array_size(c->refusals) >= CIMP_MAX_ISSUES)
        return;
    o = json_object();
    json_object_set_new(o, "row", row >= 0 ? json_integer(row) : json_null());
    if (line > 0)
        json_object_set_new(o, "line", json_integer(line));
    json_object_set_new(o, "day", day_json(day));
    json_object_set_new(o, "code", json_string(wcal_import_problem_key(p)));
    json_object_set_new(o, "overridable", json_boolean(wcal_import_overridable(p)));
    json_object_set_new(o, "message", json_string(wcal_import_problem_vi(p)));
    json_object_set_new(o, "detail", json_string(detail));
    json_array_append_new(c->refusals, o);
}

static void
push_row(struct cimp *c, size_t *cap, const struct wcal_entry *en)
{
    if (c->nrows == *cap) {
        *cap = *cap * 2 + 64;
        c->rows = xrealloc(c->rows, *cap * sizeof(*c->rows));
    }
    c->rows[c->nrows++] = *en;
}

/* TSV: each data line through wcal_parse_tsv on its own, so that every bad line is named. */
static void
parse_tsv(struct cimp *c, const char *text, size_t len)
{
    size_t pos = 0, lineno = 0, cap = 0;
    long row = 0;

    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl != NULL ? (size_t)(nl - line) : len - pos;
        struct wcal_entry *en = NULL;
        struct mc_err e;
        size_t n = 0;

        pos += ll + (nl != NULL);
        lineno++;
        err_clear(&e);
        if (wcal_parse_tsv(line, ll, &en, &n, &e) != 0) {
            /* the parser counts from its own first line: say which line of the file */
            const char *msg = strncmp(e.detail, "line 1: ", 8) == 0 ? e.detail + 8 : e.detail;
            char d[160];

            snprintf(d, sizeof(d), "line %zu: %.140s", lineno, msg);
            refuse(c, row++, (long)lineno, INT32_MIN, WCAL_IMPORT_BAD_ROW, d);
            continue;
        }
        for (size_t i = 0; i < n; i++, row++)
            push_row(c, &cap, &en[i]);
        free(en);
    }
}

/* JSON: [{day, working, reason, note?}], every element checked. */
static void
parse_json(struct cimp *c, const char *text, size_t len)
{
    json_error_t je;
    json_t *arr = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *it;
    size_t i, cap = 0;

    if (!json_is_array(arr)) {
        char d[160];

        snprintf(d, sizeof(d), "content is a JSON array of {day, working, reason, note}%s%.100s",
                 arr == NULL ? ": " : "", arr == NULL ? je.text : "");
        refuse(c, -1, 0, INT32_MIN, WCAL_IMPORT_BAD_ROW, d);
        json_decref(arr);
        return;
    }
    json_array_foreach(arr, i, it)
    {
        struct wcal_entry en;
        const char *day = json_string_value(json_object_get(it, "day"));
        const char *why = json_string_value(json_object_get(it, "reason"));
        json_t *w = json_object_get(it, "working"), *note = json_object_get(it, "note");
        const char *k;
        json_t *v;
        char d[160] = "";
        int r;

        memset(&en, 0, sizeof(en));
        if (!json_is_object(it)) {
            snprintf(d, sizeof(d), "rows[%zu] is not an object", i);
            goto bad;
        }
        json_object_foreach(it, k, v)
        {
            (void)v;
            if (strcmp(k, "day") != 0 && strcmp(k, "working") != 0 && strcmp(k, "reason") != 0 &&
                strcmp(k, "note") != 0) {
                snprintf(d, sizeof(d), "rows[%zu]: unknown member \"%.40s\"", i, k);
                goto bad;
            }
        }
        if (day == NULL || cal_parse_date(day, strlen(day), &en.day) != 0) {
            snprintf(d, sizeof(d), "rows[%zu]: day is YYYY-MM-DD", i);
            goto bad;
        }
        if (!json_is_boolean(w)) {
            snprintf(d, sizeof(d), "rows[%zu]: working is true or false", i);
            goto bad;
        }
        en.working = json_is_true(w);
        r = why != NULL ? wcal_reason_parse(why) : -1;
        if (r < 0 || r == WCAL_R_WORKDAY || r == WCAL_R_WEEKEND || r == WCAL_R_TET_PROPOSED ||
            r == WCAL_R_NATIONAL_DAY_2_PROPOSED) {
            snprintf(d, sizeof(d), "rows[%zu]: unknown reason '%.31s'", i, why ? why : "");
            goto bad;
        }
        en.reason = (enum wcal_reason)r;
        if (note != NULL && !json_is_null(note)) {
            if (!json_is_string(note) || json_string_length(note) >= sizeof(en.note) ||
                memchr(json_string_value(note), '\n', json_string_length(note)) != NULL ||
                memchr(json_string_value(note), '\t', json_string_length(note)) != NULL) {
                snprintf(d, sizeof(d), "rows[%zu]: note is one line of at most %zu bytes", i,
                         sizeof(en.note) - 1);
                goto bad;
            }
            memcpy(en.note, json_string_value(note), json_string_length(note) + 1);
        }
        push_row(c, &cap, &en);
        continue;
    bad:
        refuse(c, (long)i, 0, en.day != 0 ? en.day : INT32_MIN, WCAL_IMPORT_BAD_ROW, d);
    }
    json_decref(arr);
}

int
cimp_parse(struct cimp *c, const char *format, const char *content, size_t len, struct mc_err *e)
{
    if (format == NULL || strcmp(format, "tsv") == 0)
        parse_tsv(c, content, len);
    else if (strcmp(format, "json") == 0)
        parse_json(c, content, len);
    else
        return err_field(e, ERR_VALIDATION, "format", "format is tsv or json");
    return 0;
}

static json_t *
state_json(const struct wcal *w, int32_t day, const struct wcal_entry *loaded)
{
    json_t *o = json_object();
    const char *note;

    if (loaded != NULL) {
        json_object_set_new(o, "working", json_boolean(loaded->working));
        json_object_set_new(o, "reason", json_string(wcal_reason_key(loaded->reason)));
        json_object_set_new(o, "note", json_string(loaded->note));
        json_object_set_new(o, "source", json_string("announced"));
        return o;
    }
    /* nothing announced: what the rules (or the proposal) give */
    json_object_set_new(o, "working", json_boolean(wcal_is_working(w, day) == 1));
    json_object_set_new(o, "reason", json_string(wcal_reason_key(wcal_reason(w, day))));
    note = wcal_note(w, day);
    json_object_set_new(o, "note", json_string(note != NULL ? note : ""));
    json_object_set_new(o, "source", json_string(wcal_is_proposed(w, day) ? "proposed" : "rule"));
    return o;
}

static json_t *
entry_json(const struct wcal_entry *en)
{
    return json_pack("{s:b,s:s,s:s}", "working", en->working, "reason", wcal_reason_key(en->reason),
                     "note", en->note);
}

/* The diff, in date order of the announcement's rows. */
static void
diff_rows(struct cimp *c)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const struct wcal_entry *r = &c->rows[i], *old = NULL;
        const char *kind;
        json_t *it;
        char d[11];

        for (size_t k = 0; k < c->nloaded && old == NULL; k++)
            if (c->loaded[k].day == r->day)
                old = &c->loaded[k];
        if (old == NULL) {
            kind = "added";
            c->nadded++;
        } else if (old->working == r->working && old->reason == r->reason &&
                   strcmp(old->note, r->note) == 0) {
            kind = "unchanged";
            c->nunchanged++;
        } else {
            kind = "changed";
            c->nchanged++;
        }
        cal_format_date(r->day, d);
        it = json_object();
        json_object_set_new(it, "day", json_string(d));
        json_object_set_new(it, "weekday", json_string(cal_weekday_vi(cal_weekday(r->day))));
        json_object_set_new(it, "kind", json_string(kind));
        json_object_set_new(it, "before", state_json(c->cur, r->day, old));
        json_object_set_new(it, "after", entry_json(r));
        json_array_append_new(c->diff, it);
    }
}

/* Loaded rows of the year the announcement does not mention stay as they are. */
static void
kept_rows(struct cimp *c)
{
    for (size_t k = 0; k < c->nloaded; k++) {
        size_t i;

        if (cal_date_of(c->loaded[k].day).year != c->year)
            continue;
        for (i = 0; i < c->nrows && c->rows[i].day != c->loaded[k].day; i++)
            ;
        if (i == c->nrows) {
            json_t *it = entry_json(&c->loaded[k]);

            json_object_set_new(it, "day", day_json(c->loaded[k].day));
            json_array_append_new(c->kept, it);
        }
    }
}

/* The days whose working time changes, around the year (compensations may cross it). */
static void
changed_window(struct cimp *c)
{
    int32_t lo = cal_days(c->year - 1, 1, 1), hi = cal_days(c->year + 1, 12, 31);

    if (lo < wcal_first_day(c->cand))
        lo = wcal_first_day(c->cand);
    if (hi > wcal_last_day(c->cand))
        hi = wcal_last_day(c->cand);
    for (int32_t d = lo; d <= hi; d++)
        if (wcal_day_minutes(c->cur, d) != wcal_day_minutes(c->cand, d)) {
            if (c->from > c->to)
                c->from = d;
            c->to = d;
        }
    if (c->from <= c->to) {
        cal_format_date(c->from, c->from_text);
        cal_format_date(c->to, c->to_text);
    }
}

/* The current and the candidate calendars, the diff, the window and the candidate's axis. */
static int
candidate(struct cimp *c, const struct config *cfg, struct mc_err *e)
{
    struct wcal_entry *merged = NULL;
    size_t nmerged = 0;

    c->cur = calendar_build(cfg, c->loaded, c->nloaded, c->sc, c->nsc, e);
    if (c->cur == NULL)
        return -1;
    wcal_import_merge(c->loaded, c->nloaded, c->rows, c->nrows, &merged, &nmerged);
    c->cand = calendar_build(cfg, merged, nmerged, c->sc, c->nsc, e);
    free(merged);
    if (c->cand == NULL) {
        e->code = ERR_VALIDATION;
        return -1;
    }
    diff_rows(c);
    kept_rows(c);
    changed_window(c);
    c->ax = xcalloc(1, sizeof(*c->ax));
    if (ddl_axis_init(c->ax, c->cand, e) != 0) {
        free(c->ax);
        c->ax = NULL;
        return -1;
    }
    return 0;
}

int
cimp_evaluate(struct cimp *c, const struct config *cfg, const PGresult *rows,
              const char *fingerprint, struct mc_err *e)
{
    struct wcal_import_issue *is;
    struct wcal_opts o;
    size_t nis = 0;
    long blocking;

    c->fingerprint = arena_strdup(c->a, fingerprint != NULL ? fingerprint : "");
    if (calendar_read_rows(rows, INT32_MIN, INT32_MIN, &c->loaded, &c->nloaded, &c->sc, &c->nsc,
                           e) != 0)
        return -1;
    calendar_opts(cfg, c->sc, c->nsc, &o);
    if (c->nrows == 0 && c->blocking > 0)
        return 0; /* every row is malformed: nothing more to check */
    is = xcalloc(CIMP_MAX_ISSUES, sizeof(*is));
    blocking = wcal_import_check(&o, c->loaded, c->nloaded, c->rows, c->nrows, c->year, c->override,
                                 is, CIMP_MAX_ISSUES, &nis, &c->year, e);
    for (size_t i = 0; blocking >= 0 && i < nis && i < CIMP_MAX_ISSUES; i++)
        refuse(c, is[i].row, 0, is[i].day, is[i].problem, is[i].detail);
    free(is);
    if (blocking < 0)
        return -1;
    if (c->blocking > 0)
        return 0; /* refused: no diff */
    return candidate(c, cfg, e);
}

/* The columns of CIMP_OPEN_SQL rows that the evaluation reads. */
enum { CI_MV_ID, CI_MV_PROVINCE, CI_MV_CODE, CI_MV_STATE, CI_MV_VERSION, CI_MV_UNIT,
       CI_MV_VALUE, CI_MV_CUTOFF, CI_MV_MAX, CI_MV_RECEIVED, CI_MV_APPOINTMENT,
       CI_MV_LEGAL_DUE, CI_MV_PAUSES, CI_MV__N };
static const char *const CI_MV_NAMES[CI_MV__N] = {
    [CI_MV_ID] = "id",
    [CI_MV_PROVINCE] = "province",
    [CI_MV_CODE] = "code",
    [CI_MV_STATE] = "state",
    [CI_MV_VERSION] = "version",
    [CI_MV_UNIT] = "duration_unit",
    [CI_MV_VALUE] = "duration_value",
    [CI_MV_CUTOFF] = "cutoff_minute",
    [CI_MV_MAX] = "max_minutes",
    [CI_MV_RECEIVED] = "received_at",
    [CI_MV_APPOINTMENT] = "appointment_at",
    [CI_MV_LEGAL_DUE] = "legal_due_at",
    [CI_MV_PAUSES] = "pauses",
};

static int64_t
col_ts(const PGresult *res, int i, int c)
{
    const char *v = db_val(res, i, c);

    return v != NULL && v[0] != '\0' ? strtoll(v, NULL, 10) : 0;
}

/*
 * Row i re-projected on the candidate axis, as reproject_row (api/dossier/dossier_reproject.c):
 * 0 with *appt and *due, -1 when its duration cannot be computed (the row is skipped).
 */
static int
reproject(const struct cimp *c, const PGresult *res, int i, const int *col, int64_t *appt,
          int64_t *due)
{
    struct ddl_duration dur;
    struct mc_err e;
    const char *cut = db_val(res, i, col[CI_MV_CUTOFF]);
    const char *mm = db_val(res, i, col[CI_MV_MAX]);
    json_t *pauses, *pz;
    size_t k;

    if (dapi_duration(db_val(res, i, col[CI_MV_UNIT]), atoi(db_val(res, i, col[CI_MV_VALUE])),
                      cut[0] ? atoi(cut) : -1, &dur, &e) != 0 ||
        dapi_start_clock(c->ax, col_ts(res, i, col[CI_MV_RECEIVED]), &dur, mm[0] ? atoi(mm) : 0,
                         appt, due, &e) != 0)
        return -1;
    pauses = json_loads(db_val(res, i, col[CI_MV_PAUSES]), 0, NULL);
    json_array_foreach(pauses, k, pz)
    {
        json_t *s = json_array_get(pz, 2);

        if (json_is_integer(s))
            *due = ddl_instant(c->ax,
                               ddl_pos(c->ax, *due) +
                                   ddl_between(c->ax, json_integer_value(json_array_get(pz, 1)),
                                               json_integer_value(s)));
    }
    json_decref(pauses);
    return 0;
}

void
cimp_moved(struct cimp *c, const PGresult *res)
{
    int n = res != NULL ? PQntuples(res) : 0;
    int col[CI_MV__N];

    if (c->ax == NULL || c->from > c->to)
        return;
    hx_cols(res, CI_MV_NAMES, CI_MV__N, col);
    c->mv = xcalloc((size_t)n + 1, sizeof(*c->mv));
    for (int i = 0; i < n; i++) {
        int64_t appt = 0, due = 0;
        struct cimp_move *m = &c->mv[c->nmv];
        json_t *it;

        if (reproject(c, res, i, col, &appt, &due) != 0)
            continue;
        m->appt_before = col_ts(res, i, col[CI_MV_APPOINTMENT]);
        m->due_before = col_ts(res, i, col[CI_MV_LEGAL_DUE]);
        if (appt == m->appt_before && due == m->due_before)
            continue;
        m->appt_after = appt;
        m->due_after = due;
        m->id = arena_strdup(c->a, db_val(res, i, col[CI_MV_ID]));
        m->province = arena_strdup(c->a, db_val(res, i, col[CI_MV_PROVINCE]));
        m->state = arena_strdup(c->a, db_val(res, i, col[CI_MV_STATE]));
        m->code = arena_strdup(c->a, db_val(res, i, col[CI_MV_CODE]));
        m->version = atoi(db_val(res, i, col[CI_MV_VERSION]));
        c->nmv++;
        it = json_object();
        json_object_set_new(it, "code", json_string(m->code));
        json_object_set_new(it, "state", json_integer(atoi(m->state)));
        json_object_set_new(it, "appointment_before", hx_ts_json(m->appt_before));
        json_object_set_new(it, "appointment_after", hx_ts_json(m->appt_after));
        json_object_set_new(it, "legal_due_before", hx_ts_json(m->due_before));
        json_object_set_new(it, "legal_due_after", hx_ts_json(m->due_after));
        json_array_append_new(c->moved, it);
    }
}

json_t *
cimp_result(const struct cimp *c, int applied)
{
    json_t *o = json_object();

    json_object_set_new(o, "year", c->year ? json_integer(c->year) : json_null());
    json_object_set_new(o, "applied", json_boolean(applied));
    json_object_set_new(o, "override", json_boolean(c->override));
    json_object_set_new(o, "refusals", json_incref(c->refusals));
    json_object_set_new(
        o, "summary",
        json_pack("{s:I,s:I,s:I,s:I,s:I}", "added", (json_int_t)c->nadded, "changed",
                  (json_int_t)c->nchanged, "unchanged", (json_int_t)c->nunchanged, "kept",
                  (json_int_t)json_array_size(c->kept), "moved", (json_int_t)c->nmv));
    json_object_set_new(o, "changed_from",
                        c->from <= c->to ? json_string(c->from_text) : json_null());
    json_object_set_new(o, "changed_to", c->from <= c->to ? json_string(c->to_text) : json_null());
    json_object_set_new(o, "diff", json_incref(c->diff));
    json_object_set_new(o, "kept", json_incref(c->kept));
    json_object_set_new(o, "moved", json_incref(c->moved));
    return o;
}

size_t
cimp_nstmts(const struct cimp *c)
{
    return 4 + 2 * c->nmv;
}

static const char *
ts_param(struct cimp *c, int64_t t)
{
    char *b;

    if (t == 0)
        return NULL;
    b = arena_alloc(c->a, 32);
    cal_format_instant(t, b);
    return b;
}

static const char *
json_text(struct cimp *c, json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT);
    const char *r = arena_strdup(c->a, t != NULL ? t : "null");

    free(t);
    json_decref(j);
    return r;
}

/* The actor of an apply unit (NULLs from the command line) and the unit's one now. */
struct cimp_actor {
    const char *account_id, *login, *role, *client_addr, *request_id, *now;
};

/* The event calendar_reprojected and the projection update of moved dossier m. */
static void
move_stmts(struct cimp *c, const struct cimp_move *m, const struct cimp_actor *who,
           struct db_stmt *st)
{
    const char **pe = arena_calloc(c->a, CI_EV__N, sizeof(*pe));
    const char **pu = arena_calloc(c->a, CI_UPD__N, sizeof(*pu));
    json_t *pl = json_pack("{s:s,s:o,s:o,s:o,s:o}", "change",
                           arena_printf(c->a, "calendar import %d", c->year),
                           "appointment_before", hx_ts_json(m->appt_before), "appointment_after",
                           hx_ts_json(m->appt_after), "legal_due_before",
                           hx_ts_json(m->due_before), "legal_due_after", hx_ts_json(m->due_after));

    pe[CI_EV_DOSSIER] = m->id;
    pe[CI_EV_PROVINCE] = m->province;
    pe[CI_EV_SEQ] = arena_printf(c->a, "%d", m->version + 1);
    pe[CI_EV_STATE] = m->state;
    pe[CI_EV_ACCOUNT] = who->account_id;
    pe[CI_EV_LOGIN] = who->login;
    pe[CI_EV_ROLE] = who->role;
    pe[CI_EV_REQUEST] = who->request_id;
    pe[CI_EV_ADDR] = who->client_addr;
    pe[CI_EV_PAYLOAD] = json_text(c, pl);
    pe[CI_EV_AGGREGATE] = m->code;
    pe[CI_EV_NOW] = who->now;
    pu[CI_UPD_DOSSIER] = m->id;
    pu[CI_UPD_VERSION] = arena_printf(c->a, "%d", m->version);
    pu[CI_UPD_APPOINTMENT] = ts_param(c, m->appt_after);
    pu[CI_UPD_LEGAL_DUE] = ts_param(c, m->due_after);
    st[0] = (struct db_stmt){CIMP_EVENT_SQL, CI_EV__N, pe};
    st[1] = (struct db_stmt){CIMP_UPDATE_SQL, CI_UPD__N, pu};
}

/* The audit row calendar.import.apply. */
static struct db_stmt
audit_stmt(struct cimp *c, const struct cimp_actor *who)
{
    const char **av = arena_calloc(c->a, CI_AU__N, sizeof(*av));
    json_t *codes = json_array();
    json_t *d;

    for (size_t i = 0; i < c->nmv; i++)
        json_array_append_new(codes, json_string(c->mv[i].code));
    d = json_pack("{s:s,s:i,s:b,s:I,s:I,s:I,s:o,s:O}", "via", who->request_id ? "api" : "cli",
                  "year", c->year, "override", c->override, "added", (json_int_t)c->nadded,
                  "changed", (json_int_t)c->nchanged, "unchanged", (json_int_t)c->nunchanged,
                  "moved", codes, "refusals_overridden", c->refusals);
    av[CI_AU_ACCOUNT] = who->account_id;
    av[CI_AU_LOGIN] = who->login;
    av[CI_AU_TARGET] = arena_printf(c->a, "calendar %d", c->year);
    av[CI_AU_ADDR] = who->client_addr;
    av[CI_AU_REQUEST] = who->request_id;
    av[CI_AU_DETAIL] = json_text(c, d);
    return (struct db_stmt){CIMP_AUDIT_SQL, CI_AU__N, av};
}

size_t
cimp_write_stmts(struct cimp *c, const char *account_id, const char *login, const char *role,
                 const char *client_addr, const char *request_id, const char *source,
                 const char *token, struct db_stmt *st)
{
    const char **g = arena_calloc(c->a, CI_GUARD__N, sizeof(*g));
    const char **u = arena_calloc(c->a, CI_UPS__N, sizeof(*u));
    const char **nv = arena_calloc(c->a, CAL_NOTIFY__N, sizeof(*nv));
    /* the unit's one now */
    struct cimp_actor who = {account_id, login,      role,
                             client_addr, request_id, ts_param(c, clock_now())};
    json_t *rows = json_array();
    size_t k = 0;

    g[CI_GUARD_FINGERPRINT] = c->fingerprint;
    st[k++] = (struct db_stmt){CIMP_GUARD_SQL, CI_GUARD__N, g};
    for (size_t i = 0; i < c->nrows; i++) {
        json_t *it = entry_json(&c->rows[i]);

        json_object_set_new(it, "day", day_json(c->rows[i].day));
        json_array_append_new(rows, it);
    }
    u[CI_UPS_ROWS] = json_text(c, rows);
    u[CI_UPS_SOURCE] = source;
    u[CI_UPS_NOW] = who.now;
    st[k++] = (struct db_stmt){CIMP_UPSERT_SQL, CI_UPS__N, u};
    for (size_t i = 0; i < c->nmv; i++, k += 2)
        move_stmts(c, &c->mv[i], &who, &st[k]);
    st[k++] = audit_stmt(c, &who);
    nv[CAL_NOTIFY_CHANNEL] = CALENDAR_CHANNEL;
    nv[CAL_NOTIFY_PAYLOAD] = arena_printf(c->a, "%s import %d", token, c->year);
    st[k++] = (struct db_stmt){CALENDAR_NOTIFY_SQL, CAL_NOTIFY__N, nv};
    return k;
}

/* ---- POST /api/v1/calendar/import --------------------------------------------------- */

struct import_state {
    struct cimp c;
    int apply;
    struct idem *im;
    const char *prov[CAL_ROWS__N];
    const char *win[CIMP_OPEN__N];
    struct db_stmt reads[2];
    json_t *resp;
};

static void
import_free(void *p)
{
    struct import_state *s = p;

    cimp_free(&s->c);
    json_decref(s->resp);
}

/* 422 with the standard error and every refusal (the claim released first). */
static void
reply_refused(struct reqctx *rc, struct import_state *s)
{
    json_t *body = cimp_result(&s->c, 0), *err;
    json_t *first = json_array_get(s->c.refusals, 0);
    const char *d = json_string_value(json_object_get(first, "detail"));

    err = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "code", err_name(ERR_VALIDATION), "message",
                    err_msg_vi(ERR_VALIDATION), "message_en", err_msg_en(ERR_VALIDATION), "status",
                    err_status(ERR_VALIDATION), "field", "content", "instance", rc->req_id);
    if (d != NULL)
        json_object_set_new(err, "detail", json_string(d));
    json_object_set_new(body, "error", err);
    rc->err_code = err_name(ERR_VALIDATION);
    idem_release_reply_json(rc, s->im, 422, body);
}

static void
fail(struct reqctx *rc, struct import_state *s, const struct mc_err *e)
{
    idem_release_reply_error(rc, s->im, e);
}

static void
on_late_reprojected(int n, const struct mc_err *err, void *arg)
{
    char moved[16];

    (void)arg;
    if (err != NULL && err->code != ERR_OK) {
        log_kv(LOG_ERROR, "calendar import: late re-projection failed", "detail", err->detail,
               (char *)NULL);
        return;
    }
    snprintf(moved, sizeof(moved), "%d", n);
    log_kv(LOG_INFO, "calendar import: late re-projection", "moved", moved, (char *)NULL);
}

static void
on_applied(struct reqctx *rc, struct db_result *r)
{
    struct import_state *s = rc->state;
    struct mc_err e;
    struct wcal *w;

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        e = r->err;
        if (strcmp(r->sqlstate, "22012") == 0)
            err_set(&e, ERR_CONFLICT, "the calendar changed meanwhile: check the import again");
        else if (strcmp(r->sqlstate, "23505") == 0)
            err_set(&e, ERR_VERSION_CONFLICT,
                    "a dossier changed meanwhile: check the import again");
        fail(rc, s, &e);
        return;
    }
    /* the last result is the re-read of every row, committed */
    w = calendar_build_rows(rc->app->cfg, r->res[r->nres - 1], &e);
    if (w == NULL) {
        log_kv(LOG_ERROR, "calendar rebuild failed after an import", "detail", e.detail,
               (char *)NULL);
    } else {
        calendar_publish(rc->app, w);
        /* Dossiers received between the read and the commit were projected on the old
           calendar: the ordinary path moves them (the others no longer move). */
        dapi_reproject_calendar(rc->w, s->c.from, s->c.to,
                                   arena_printf(rc->arena, "calendar import %d", s->c.year),
                                   on_late_reprojected, NULL);
    }
    http_reply_json(rc, 200, json_incref(s->resp));
}

static void
write_import(struct reqctx *rc, struct import_state *s)
{
    struct db_stmt *st = arena_calloc(rc->arena, cimp_nstmts(&s->c) + 2, sizeof(*st));
    size_t k;

    k = cimp_write_stmts(&s->c, arena_printf(rc->arena, "%lld", (long long)rc->who.account_id),
                         rc->who.login, "admin", rc->client_addr, rc->req_id,
                         arena_printf(rc->arena, "import:%s", rc->who.login),
                         calendar_own_token(rc->app), st);
    s->resp = cimp_result(&s->c, 1);
    if (s->im != NULL) {
        char *t = json_dumps(s->resp, JSON_COMPACT);

        idem_store_stmt(s->im, 200, arena_strdup(rc->arena, t), &st[k++]);
        free(t);
    }
    st[k++] = (struct db_stmt){CALENDAR_ROWS_SQL, CAL_ROWS__N, s->prov};
    api_db(rc, st, (int)k, on_applied);
}

static void
after_moved(struct reqctx *rc, struct import_state *s)
{
    if (s->apply) {
        write_import(rc, s);
        return;
    }
    http_reply_json(rc, 200, cimp_result(&s->c, 0));
}

static void
on_open_rows(struct reqctx *rc, struct db_result *r)
{
    struct import_state *s = rc->state;

    if (r->err.code != ERR_OK) {
        fail(rc, s, &r->err);
        return;
    }
    cimp_moved(&s->c, r->res[0]);
    after_moved(rc, s);
}

static void
evaluate(struct reqctx *rc, struct import_state *s, struct db_result *r)
{
    struct mc_err e;

    err_clear(&e);
    if (cimp_evaluate(&s->c, rc->app->cfg, r->res[0], hx_col(r->res[1], 0, "fingerprint"),
                      &e) != 0) {
        fail(rc, s, &e);
        return;
    }
    if (s->c.blocking > 0) {
        reply_refused(rc, s);
        return;
    }
    if (s->c.from > s->c.to) { /* no working time changes: nothing moves */
        after_moved(rc, s);
        return;
    }
    s->win[CIMP_OPEN_FROM] = s->c.from_text;
    s->win[CIMP_OPEN_TO] = s->c.to_text;
    api_db1(rc, CIMP_OPEN_SQL, CIMP_OPEN__N, s->win, on_open_rows);
}

static void
on_read(struct reqctx *rc, struct db_result *r)
{
    struct import_state *s = rc->state;

    if (r->err.code != ERR_OK) {
        fail(rc, s, &r->err);
        return;
    }
    evaluate(rc, s, r);
}

static void
on_claimed_read(struct reqctx *rc, struct idem *im, struct db_result *r)
{
    struct import_state *s = rc->state;

    s->im = im;
    evaluate(rc, s, r);
}

static void
api_calendar_import(struct reqctx *rc)
{
    static const char *const keys[] = {"format", "content", "apply", "override", "year", NULL};
    struct import_state *s = arena_calloc(rc->arena, 1, sizeof(*s));
    const char *format = "tsv", *content = NULL, *k;
    json_t *v, *cv;
    int64_t year = 0;
    struct mc_err e;

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto bad;
    }
    json_object_foreach(rc->json, k, v)
    {
        size_t i;

        for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
            ;
        if (keys[i] == NULL) {
            err_field(&e, ERR_VALIDATION, "", "unknown member \"%.60s\"", k);
            goto bad;
        }
    }
    if (jin_get_str(rc->json, "format", 8, 0, &format, &e) < 0)
        goto bad;
    if (format == NULL)
        format = "tsv";
    if (strcmp(format, "tsv") != 0 && strcmp(format, "json") != 0) {
        err_field(&e, ERR_VALIDATION, "format", "format is tsv or json");
        goto bad;
    }
    cv = json_object_get(rc->json, "content");
    if (!json_is_string(cv) || json_string_length(cv) > CIMP_CONTENT_MAX) {
        err_field(&e, ERR_VALIDATION, "content",
                  "content is the announcement's text (at most %d bytes)", CIMP_CONTENT_MAX);
        goto bad;
    }
    content = json_string_value(cv);
    if (jin_get_bool(rc->json, "apply", 0, &s->apply, &e) < 0 ||
        jin_get_int(rc->json, "year", CAL_MIN_YEAR, CAL_MAX_YEAR, 0, &year, &e) < 0)
        goto bad;
    {
        int ov = 0;

        if (jin_get_bool(rc->json, "override", 0, &ov, &e) < 0)
            goto bad;
        cimp_init(&s->c, (int)year, ov);
    }
    arena_defer(rc->arena, import_free, s);
    rc->state = s;
    if (cimp_parse(&s->c, format, content, json_string_length(cv), &e) != 0)
        goto bad;
    s->prov[CAL_ROWS_PROVINCE] = rc->app->cfg->province_code;
    s->reads[0] = (struct db_stmt){CALENDAR_ROWS_SQL, CAL_ROWS__N, s->prov};
    s->reads[1] = (struct db_stmt){CIMP_FINGERPRINT_SQL, 0, NULL};
    if (s->apply)
        idem_begin_read(rc, s->reads, 2, on_claimed_read);
    else
        api_db(rc, s->reads, 2, on_read);
    return;
bad:
    http_reply_error(rc, &e);
}

const struct route API_CALENDAR_IMPORT_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/calendar/import", api_calendar_import, ROLE_ADMIN,
     RF_JSON | RF_IDEMPOTENT,
     "Check a year's announcement, show its diff and the open dossiers it moves; apply it"},
    {0, NULL, NULL, 0, 0, NULL},
};
