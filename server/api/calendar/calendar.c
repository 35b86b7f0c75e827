/*
 * calendar.c - the working calendar of the process (domain.md §4): its start-up load from
 * calendar_day (calendar_boot), its reload when another process announces a change
 * (calendar_listen, LISTEN motcua_calendar) and the administration routes
 * (API_CALENDAR_ROUTES: list a year, add or replace an announced day, delete one).
 *
 * Swapping: a change builds a whole new struct wcal and publishes it with one atomic
 * exchange of app->cal; readers load the pointer once per use. The previous calendar is not
 * freed while the workers run: a worker may still be reading it, and api/common/hx.c caches
 * an axis keyed by the calendar's address (freeing and reusing an address would alias a
 * stale axis). It goes on app->cal_retired, freed by calendar_free_all() after the workers
 * stopped. The cost is one calendar (~0.5 MB for 1990-2100) per administrator change or
 * NOTIFY, a handful a year.
 *
 * After a change the appointments of open dossiers whose window crosses the changed day are
 * re-projected by the dossier module (dapi_reproject_calendar, domain.md §4.5), once, by
 * the process that made the change; other processes only reload their calendar.
 */
#include "api/calendar/calendar.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "api/common/common.h"
#include "api/calendar/calendar_int.h"
#include "api/catalog/catalog.h"
#include "api/dossier/dossier.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/jin.h"
#include "http/reqctx.h"

/*
 * The announced days, and on every row (also on the one row with a NULL day when no day is
 * announced) the weekly schedules of this installation's province ($1) as JSON
 * [[from_day, [{"start","end"}...]], ...] in from_day order (domain.md §4.5).
 */
const char CALENDAR_ROWS_SQL[] =
    "SELECT d.day::text AS day, d.working, d.reason, coalesce(d.note, '') AS note, s.sched"
    "  FROM (SELECT coalesce(json_agg(json_build_array(from_day::text, sessions)"
    "                                 ORDER BY from_day), '[]')::text AS sched"
    "          FROM calendar_schedule WHERE province = $1) s"
    "  LEFT JOIN calendar_day d ON true"
    " ORDER BY d.day";

/* The columns of CALENDAR_ROWS_SQL. */
enum { CR_DAY, CR_WORKING, CR_REASON, CR_NOTE, CR_SCHED, CR__N };
static const char *const CR_NAMES[CR__N] = {
    [CR_DAY] = "day", [CR_WORKING] = "working", [CR_REASON] = "reason", [CR_NOTE] = "note",
    [CR_SCHED] = "sched",
};

/* Copies a note into dst (size bytes), cutting on a UTF-8 character boundary. */
static void
copy_note(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* do not split a multi-byte character */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* "HH:MM" as minutes after midnight (24:00 allowed as an end); -1 when malformed. */
static int
parse_hhmm(const char *t)
{
    if (t == NULL || strlen(t) != 5 || t[2] != ':' || t[0] < '0' || t[0] > '2' || t[1] < '0' ||
        t[1] > '9' || t[3] < '0' || t[3] > '5' || t[4] < '0' || t[4] > '9')
        return -1;
    int m = ((t[0] - '0') * 10 + (t[1] - '0')) * 60 + (t[3] - '0') * 10 + (t[4] - '0');
    return m <= 24 * 60 ? m : -1;
}

/*
 * Reads a sessions array [{"start":"07:00","end":"11:30"}, ...] into s (1 to
 * WCAL_MAX_SESSIONS, each start < end; order and overlap are checked by wcal_build).
 */
static int
parse_sessions(json_t *arr, struct wcal_schedule *s, struct mc_err *e)
{
    size_t i;
    json_t *it;

    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > WCAL_MAX_SESSIONS)
        return err_field(e, ERR_VALIDATION, "sessions",
                         "sessions is a list of 1 to %d {\"start\":\"HH:MM\",\"end\":\"HH:MM\"}",
                         WCAL_MAX_SESSIONS);
    s->nsessions = 0;
    json_array_foreach(arr, i, it)
    {
        int a = parse_hhmm(json_string_value(json_object_get(it, "start")));
        int b = parse_hhmm(json_string_value(json_object_get(it, "end")));

        if (!json_is_object(it) || json_object_size(it) != 2 || a < 0 || b < 0 || a >= b ||
            a >= 24 * 60)
            return err_field(e, ERR_VALIDATION, "sessions",
                             "session %zu: start and end are HH:MM, start before end", i);
        s->s[i].start = (int16_t)a;
        s->s[i].end = (int16_t)b;
        s->nsessions++;
    }
    return 0;
}

/*
 * The entries and schedules of CALENDAR_ROWS_SQL rows, leaving out the announced day
 * skip_day and the schedule starting on skip_sched (INT32_MIN: none), each array with one
 * free slot at the end for a candidate change. Caller frees *en and *sc.
 */
int
calendar_read_rows(const PGresult *res, int32_t skip_day, int32_t skip_sched,
                   struct wcal_entry **en, size_t *nen, struct wcal_schedule **sc, size_t *nsc,
                   struct mc_err *e)
{
    int n = PQntuples(res);
    json_t *sched = NULL;
    size_t i;
    json_t *it;
    int col[CR__N];

    hx_cols(res, CR_NAMES, CR__N, col);
    *en = xcalloc((size_t)n + 1, sizeof(**en));
    *nen = 0;
    *sc = NULL;
    *nsc = 0;
    for (int r = 0; r < n; r++) {
        const char *day = db_val(res, r, col[CR_DAY]);
        struct wcal_entry *x = &(*en)[*nen];
        int why;

        if (db_isnull(res, r, col[CR_DAY]))
            continue; /* no announced day at all */
        why = wcal_reason_parse(db_val(res, r, col[CR_REASON]));
        if (cal_parse_date(day, strlen(day), &x->day) != 0 || why < 0)
            return err_set(e, ERR_INTERNAL, "calendar_day row %s: bad date or reason", day);
        if (x->day == skip_day)
            continue;
        x->working = strcmp(db_val(res, r, col[CR_WORKING]), "t") == 0;
        x->reason = (enum wcal_reason)why;
        copy_note(x->note, sizeof(x->note), db_val(res, r, col[CR_NOTE]));
        (*nen)++;
    }
    if (n > 0)
        sched = json_loads(db_val(res, 0, col[CR_SCHED]), 0, NULL);
    *sc = xcalloc(json_array_size(sched) + 1, sizeof(**sc));
    json_array_foreach(sched, i, it)
    {
        const char *from = json_string_value(json_array_get(it, 0));
        struct wcal_schedule *x = &(*sc)[*nsc];

        if (from == NULL || cal_parse_date(from, strlen(from), &x->from_day) != 0 ||
            parse_sessions(json_array_get(it, 1), x, e) != 0) {
            json_decref(sched);
            return err_set(e, ERR_INTERNAL, "calendar_schedule row %zu is malformed", i);
        }
        if (x->from_day != skip_sched)
            (*nsc)++;
    }
    json_decref(sched);
    return 0;
}

void
calendar_opts(const struct config *cfg, struct wcal_schedule *sc, size_t nsc, struct wcal_opts *o)
{
    /* insertion sort: a handful of schedules, the candidate last */
    for (size_t i = 1; i < nsc; i++)
        for (size_t j = i; j > 0 && sc[j].from_day < sc[j - 1].from_day; j--) {
            struct wcal_schedule t = sc[j];

            sc[j] = sc[j - 1];
            sc[j - 1] = t;
        }
    wcal_opts_default(o);
    o->count_makeup_saturdays = cfg->count_makeup_saturdays;
    o->schedules = sc;
    o->nschedules = nsc;
}

/* Builds a calendar from entries and schedules (schedules sorted here by from_day). */
struct wcal *
calendar_build(const struct config *cfg, const struct wcal_entry *en, size_t nen,
               struct wcal_schedule *sc, size_t nsc, struct mc_err *e)
{
    struct wcal_opts o;

    calendar_opts(cfg, sc, nsc, &o);
    return wcal_build(&o, en, nen, e);
}

struct wcal *
calendar_build_rows(const struct config *cfg, const PGresult *res, struct mc_err *e)
{
    struct wcal_entry *en;
    struct wcal_schedule *sc;
    size_t nen, nsc;
    struct wcal *w = NULL;

    if (calendar_read_rows(res, INT32_MIN, INT32_MIN, &en, &nen, &sc, &nsc, e) == 0)
        w = calendar_build(cfg, en, nen, sc, nsc, e);
    free(en);
    free(sc);
    return w;
}

/* A calendar replaced while workers may still read it (file header). */
struct cal_retired {
    const struct wcal *cal;
    struct cal_retired *next;
};

void
calendar_publish(struct app *app, struct wcal *w)
{
    const struct wcal *old = atomic_exchange(&app->cal, (const struct wcal *)w);
    struct cal_retired *r;

    if (old == NULL)
        return;
    /* Lock-free push: changes may be published from any worker thread at once. Nothing is
       popped before calendar_free_all(), so there is no ABA. */
    r = xmalloc(sizeof(*r));
    r->cal = old;
    r->next = atomic_load(&app->cal_retired);
    while (!atomic_compare_exchange_weak(&app->cal_retired, &r->next, r))
        ;
}

void
calendar_free_all(struct app *app)
{
    struct cal_retired *r = atomic_exchange(&app->cal_retired, NULL);

    while (r != NULL) {
        struct cal_retired *next = r->next;

        wcal_free((struct wcal *)r->cal);
        free(r);
        r = next;
    }
    wcal_free((struct wcal *)atomic_exchange(&app->cal, NULL));
}

int
calendar_boot(struct app *app, struct mc_err *e)
{
    PGconn *c = db_connect_blocking(app->cfg->database_url, e);
    PGresult *res;
    struct wcal *w;

    if (c == NULL)
        return -1;
    const char *prov = app->cfg->province_code;

    res = PQexecParams(c, CALENDAR_ROWS_SQL, CAL_ROWS__N, NULL, &prov, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err_set(e, ERR_DB_QUERY, "reading calendar_day: %.100s", PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return -1;
    }
    w = calendar_build_rows(app->cfg, res, e);
    PQclear(res);
    PQfinish(c);
    if (w == NULL)
        return -1;
    calendar_publish(app, w);
    return 0;
}

/* ---- the listener --------------------------------------------------------------------- */

/*
 * Per-process listener state, in workers[0].ext[EXT_CALENDAR]. `token` marks this process's
 * own NOTIFY payloads ("<token> <day>"), which it has already applied.
 */
struct cal_listener {
    struct worker *w;
    char token[24];
    int reloading;
    int again; /* a notification arrived during a reload */
    const char *prov[1];
};

static void reload(struct cal_listener *l);

/*
 * Re-projections left by a migration (calendar_reproject_pending, sql/096): run once the
 * calendar holding the migrated rows is published, through dapi_reproject_calendar as
 * an administrator's change would; a row is deleted when its re-projection reported no
 * error. Two processes may both run a row: a dossier already moved does not move again.
 */
static const char PENDING_SQL[] =
    "SELECT id::text AS id, from_day::text AS from_day, to_day::text AS to_day, change"
    " FROM calendar_reproject_pending ORDER BY id";
enum { PD_ID, PD__N };
static const char PENDING_DONE_SQL[] = "DELETE FROM calendar_reproject_pending WHERE id = $1::bigint";

static void
on_pending_deleted(struct db_result *r, void *arg)
{
    if (r->err.code != ERR_OK)
        log_kv(LOG_WARN, "calendar pending re-projection not cleared", "detail", r->err.detail,
               (char *)NULL);
    free(arg);
}

struct pending_run {
    struct worker *w;
    char id[24];
    const char *params[PD__N];
};

static void
on_pending_run(int n, const struct mc_err *err, void *arg)
{
    struct pending_run *pr = arg;
    char moved[16];

    if (err != NULL && err->code != ERR_OK) {
        log_kv(LOG_ERROR, "calendar pending re-projection failed", "detail", err->detail,
               (char *)NULL);
        free(pr);
        return;
    }
    snprintf(moved, sizeof(moved), "%d", n);
    log_kv(LOG_INFO, "calendar pending re-projection done", "id", pr->id, "moved", moved,
           (char *)NULL);
    pr->params[PD_ID] = pr->id;
    db_exec1(pr->w->db, PENDING_DONE_SQL, PD__N, pr->params, on_pending_deleted, pr);
}

static void
on_pending_rows(struct db_result *r, void *arg)
{
    struct worker *w = arg;
    const PGresult *res;

    if (r->err.code != ERR_OK) {
        log_kv(LOG_WARN, "calendar pending re-projections unreadable", "detail", r->err.detail,
               (char *)NULL);
        return;
    }
    res = r->res[0];
    for (int i = 0; i < PQntuples(res); i++) {
        struct pending_run *pr = xcalloc(1, sizeof(*pr));
        int32_t from, to;
        const char *f = hx_col(res, i, "from_day"), *t = hx_col(res, i, "to_day");

        snprintf(pr->id, sizeof(pr->id), "%s", hx_col(res, i, "id"));
        pr->w = w;
        if (f == NULL || t == NULL || cal_parse_date(f, strlen(f), &from) != 0 ||
            cal_parse_date(t, strlen(t), &to) != 0) {
            free(pr);
            continue;
        }
        dapi_reproject_calendar(w, from, to, db_val(res, i, db_col(res, "change")), on_pending_run,
                                pr);
    }
}

static void
on_reload_rows(struct db_result *r, void *arg)
{
    struct cal_listener *l = arg;
    struct mc_err e;
    struct wcal *w;

    err_clear(&e);
    l->reloading = 0;
    if (r->err.code != ERR_OK) {
        log_kv(LOG_WARN, "calendar reload failed", "detail", r->err.detail, (char *)NULL);
        return;
    }
    w = calendar_build_rows(l->w->app->cfg, r->res[0], &e);
    if (w == NULL) {
        log_kv(LOG_ERROR, "calendar reload refused", "detail", e.detail, (char *)NULL);
        return;
    }
    calendar_publish(l->w->app, w);
    log_kv(LOG_INFO, "calendar reloaded", (char *)NULL);
    db_exec1(l->w->db, PENDING_SQL, 0, NULL, on_pending_rows, l->w);
    if (l->again) {
        l->again = 0;
        reload(l);
    }
}

static void
reload(struct cal_listener *l)
{
    if (l->reloading) {
        l->again = 1;
        return;
    }
    l->reloading = 1;
    l->prov[CAL_ROWS_PROVINCE] = l->w->app->cfg->province_code; /* valid until the callback */
    db_exec1(l->w->db, CALENDAR_ROWS_SQL, CAL_ROWS__N, l->prov, on_reload_rows, l);
}

static void
on_notify(const char *channel, const char *payload, void *arg)
{
    struct cal_listener *l = arg;
    size_t tl = strlen(l->token);

    (void)channel;
    /* NULL after a reconnect: changes may have been missed, reload. */
    if (payload != NULL && strncmp(payload, l->token, tl) == 0 && payload[tl] == ' ')
        return;
    reload(l);
}

void
calendar_listen(struct worker *w)
{
    struct cal_listener *l;
    unsigned char rnd[8];

    if (w->ext[EXT_CALENDAR] != NULL)
        return;
    l = xcalloc(1, sizeof(*l));
    l->w = w;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        /* Fall back on the pid: the token only needs to differ between processes. */
        snprintf(l->token, sizeof(l->token), "p%ld", (long)getpid());
    } else {
        for (size_t i = 0; i < sizeof(rnd); i++)
            snprintf(l->token + 2 * i, 3, "%02x", rnd[i]);
    }
    w->ext[EXT_CALENDAR] = l;
    db_listen(w->db, CALENDAR_CHANNEL, on_notify, l);
}

void
calendar_worker_free(struct worker *w)
{
    free(w->ext[EXT_CALENDAR]);
    w->ext[EXT_CALENDAR] = NULL;
}

const char *
calendar_own_token(const struct app *app)
{
    const struct cal_listener *l = app->nworkers > 0 ? app->workers[0].ext[EXT_CALENDAR] : NULL;

    return l != NULL ? l->token : "-";
}

/* ---- GET /api/v1/calendar/days?year= ---------------------------------------------------- */

enum { DAYS_FROM, DAYS_TO, DAYS__N };
static const char DAYS_ROWS_SQL[] =
    "SELECT day::text AS day, source, to_char(updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
    "       'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"') AS updated_at"
    "  FROM calendar_day WHERE day BETWEEN $1::date AND $2::date ORDER BY day";

struct days_state {
    int year;
};

/* The columns of DAYS_ROWS_SQL. */
enum { DR_DAY, DR_SOURCE, DR_UPDATED_AT, DR__N };
static const char *const DR_NAMES[DR__N] = {
    [DR_DAY] = "day", [DR_SOURCE] = "source", [DR_UPDATED_AT] = "updated_at"};

static void
on_days(struct reqctx *rc, struct db_result *r)
{
    struct days_state *s = rc->state;
    const struct wcal *cal = atomic_load(&rc->app->cal);
    const PGresult *res;
    int32_t first, last;
    int row = 0, nrows, working_days = 0, proposed = 0;
    int col[DR__N];
    json_t *items, *o;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    nrows = PQntuples(res);
    hx_cols(res, DR_NAMES, DR__N, col);
    first = cal_days(s->year, 1, 1);
    last = cal_days(s->year, 12, 31);
    items = json_array();
    for (int32_t d = first; d <= last; d++) {
        int wd = cal_weekday(d);
        int working = wcal_is_working(cal, d);
        enum wcal_reason why = wcal_reason(cal, d);
        int weekend = wd == 0 || wd == 6;
        char date[11];
        const char *note;
        json_t *it;

        cal_format_date(d, date);
        while (row < nrows && strcmp(db_val(res, row, col[DR_DAY]), date) < 0)
            row++;
        working_days += working == 1;
        proposed |= why == WCAL_R_TET_PROPOSED;
        /* Only what differs from the plain week: weekdays off, worked weekend days, and
           weekend days that are also a holiday (Tết on a Saturday is announced, and an
           administrator's diff of an announcement must see it). */
        if ((weekend && working != 1 && why == WCAL_R_WEEKEND) ||
            (!weekend && working == 1 && why == WCAL_R_WORKDAY))
            continue;
        it = json_object();
        json_object_set_new(it, "day", json_string(date));
        json_object_set_new(it, "weekday", json_string(cal_weekday_vi(wd)));
        json_object_set_new(it, "working", json_boolean(working == 1));
        json_object_set_new(it, "reason", json_string(wcal_reason_key(why)));
        json_object_set_new(it, "reason_vi", json_string(wcal_reason_vi(why)));
        note = wcal_note(cal, d);
        json_object_set_new(it, "note", json_string(note != NULL ? note : ""));
        if (row < nrows && strcmp(db_val(res, row, col[DR_DAY]), date) == 0) {
            json_object_set_new(it, "source", json_string(db_val(res, row, col[DR_SOURCE])));
            json_object_set_new(it, "updated_at",
                                db_isnull(res, row, col[DR_UPDATED_AT])
                                    ? json_null()
                                    : json_string(db_val(res, row, col[DR_UPDATED_AT])));
        } else {
            /* placed by the rules (BLLĐ Art. 112, 111(3)) or proposed (Tết) */
            json_object_set_new(it, "source",
                                json_string(why == WCAL_R_TET_PROPOSED ? "proposed" : "rule"));
            json_object_set_new(it, "updated_at", json_null());
        }
        json_array_append_new(items, it);
    }
    o = json_object();
    json_object_set_new(o, "year", json_integer(s->year));
    /* A year whose Tết was not announced is computed: say so wherever it shows (§4.2). */
    json_object_set_new(o, "status", json_string(proposed ? "proposed" : "announced"));
    json_object_set_new(o, "working_days", json_integer(working_days));
    json_object_set_new(o, "count_makeup_saturdays",
                        json_boolean(rc->app->cfg->count_makeup_saturdays != 0));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "next_cursor", json_null());
    http_reply_json(rc, 200, o);
}

static void
api_calendar_days(struct reqctx *rc)
{
    const struct wcal *cal = atomic_load(&rc->app->cal);
    const char *y = rc_query(rc, "year");
    struct days_state *s = arena_alloc(rc->arena, sizeof(*s));
    const char **v = hx_params(rc, DAYS__N);
    char *end = NULL;
    long year;

    if (cal == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "no working calendar loaded");
        return;
    }
    if (y == NULL || y[0] == '\0') {
        year = cal_date_of(cal_local_day(rc->now)).year;
    } else {
        year = strtol(y, &end, 10);
        if (*end != '\0' || year < 1900 || year > 2100) {
            struct mc_err e;

            err_field(&e, ERR_BAD_QUERY, "year", "year is a number, e.g. 2026");
            http_reply_error(rc, &e);
            return;
        }
    }
    if (cal_days((int)year, 1, 1) < wcal_first_day(cal) ||
        cal_days((int)year, 12, 31) > wcal_last_day(cal)) {
        http_reply_err(rc, ERR_OUT_OF_CALENDAR, "year %ld is outside the calendar", year);
        return;
    }
    s->year = (int)year;
    rc->state = s;
    v[DAYS_FROM] = arena_printf(rc->arena, "%ld-01-01", year);
    v[DAYS_TO] = arena_printf(rc->arena, "%ld-12-31", year);
    api_db1(rc, DAYS_ROWS_SQL, DAYS__N, v, on_days);
}

/* ---- changes: announced days and weekly schedules ---------------------------------------- */

/*
 * A change runs in two units: first the current rows are read and the calendar that the
 * change would give is built (a row that contradicts the rules, e.g. a wrong compensatory
 * day, or sessions that overlap, is refused before anything is written); then the row is
 * written, NOTIFY'd (delivered at commit) and all rows re-read in the same transaction, from
 * which the new calendar is built and published. Open dossiers whose window crosses the
 * changed days are then re-projected: the day itself, or for a schedule every day from its
 * from_day on.
 */
struct change {
    int schedule; /* 0: calendar_day row, 1: calendar_schedule row */
    int deleting;
    int32_t day; /* the day, or the schedule's from_day */
    const char *day_text;
    int working;
    const char *reason;
    const char *note;
    const char *source;
    struct wcal_schedule sched; /* schedule put: the candidate */
    const char *sessions_json;
    const char *prov[CAL_ROWS__N];
    json_t *row; /* reply body */
};

/*
 * An announced day's upsert and delete share one parameter list (the delete uses its
 * prefix), and so do a schedule's. DAY_NOW is the request's now (rc->now, Unix seconds),
 * never PostgreSQL's now().
 */
enum { DAY_DAY, DAY_DEL__N, DAY_WORKING = DAY_DEL__N, DAY_REASON, DAY_NOTE, DAY_SOURCE, DAY_NOW,
       DAY__N };
enum { SCH_PROVINCE, SCH_FROM, SCH_DEL__N, SCH_SESSIONS = SCH_DEL__N, SCH__N };
static const char UPSERT_SQL[] =
    "INSERT INTO calendar_day (day, working, reason, note, source, updated_at)"
    " VALUES ($1::date, $2::boolean, $3, $4, $5, to_timestamp($6::bigint))"
    " ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, reason = EXCLUDED.reason,"
    "   note = EXCLUDED.note, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at"
    " RETURNING (xmax = 0) AS inserted";
static const char DELETE_SQL[] = "DELETE FROM calendar_day WHERE day = $1::date RETURNING reason";
static const char SCHED_UPSERT_SQL[] =
    "INSERT INTO calendar_schedule (province, from_day, sessions) VALUES ($1, $2::date, $3::jsonb)"
    " ON CONFLICT (province, from_day) DO UPDATE SET sessions = EXCLUDED.sessions"
    " RETURNING (xmax = 0) AS inserted";
static const char SCHED_DELETE_SQL[] =
    "DELETE FROM calendar_schedule WHERE province = $1 AND from_day = $2::date RETURNING from_day";
const char CALENDAR_NOTIFY_SQL[] = "SELECT pg_notify($1, $2)";

/* "HH:MM" of minutes after midnight (0..1440) into buf[6]. */
static const char *
hhmm(char *buf, int m)
{
    unsigned u = m < 0 ? 0u : m > 24 * 60 ? 24u * 60u : (unsigned)m;

    buf[0] = (char)('0' + u / 600);
    buf[1] = (char)('0' + u / 60 % 10);
    buf[2] = ':';
    buf[3] = (char)('0' + u % 60 / 10);
    buf[4] = (char)('0' + u % 10);
    buf[5] = '\0';
    return buf;
}

static json_t *
sessions_json(const struct wcal_schedule *sc)
{
    json_t *a = json_array();
    char b1[6], b2[6];

    for (int i = 0; i < sc->nsessions; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "start", hhmm(b1, sc->s[i].start), "end",
                                           hhmm(b2, sc->s[i].end)));
    return a;
}

static void
on_reprojected(int n, const struct mc_err *err, void *arg)
{
    struct reqctx *rc = arg;
    struct change *c = rc->state;

    rc->db_inflight--;
    if (rc->gone) {
        reqctx_abandon(rc);
        return;
    }
    if (err != NULL && err->code != ERR_OK) {
        /* The calendar change is committed; say the re-projection must be re-run. */
        log_kv(LOG_ERROR, "calendar re-projection failed", "detail", err->detail, (char *)NULL);
        json_object_set_new(c->row, "reprojected", json_null());
        json_object_set_new(c->row, "reprojection_error", json_string(err->detail));
    } else {
        json_object_set_new(c->row, "reprojected", json_integer(n));
    }
    http_reply_json(rc, c->deleting ? 200 : 201, json_incref(c->row));
}

/* The upsert's answer: 1 when the row existed (RETURNING (xmax = 0) AS inserted). */
static int
replaced(const PGresult *res)
{
    const char *s = hx_col(res, 0, "inserted");

    return s != NULL && strcmp(s, "f") == 0;
}

static void
on_written(struct reqctx *rc, struct db_result *r)
{
    struct change *c = rc->state;
    struct mc_err e;
    struct wcal *w;
    char change[64];
    int32_t last;

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (c->deleting && PQntuples(r->res[0]) == 0) {
        http_reply_err(rc, ERR_NOT_FOUND, c->schedule ? "no weekly schedule from %s"
                                                      : "no announced row for %s",
                       c->day_text);
        return;
    }
    w = calendar_build_rows(rc->app->cfg, r->res[2], &e);
    if (w == NULL) {
        /* Validated before the write; only a concurrent change can get here. */
        log_kv(LOG_ERROR, "calendar rebuild failed after a change", "detail", e.detail,
               (char *)NULL);
        http_reply_error(rc, &e);
        return;
    }
    calendar_publish(rc->app, w);
    c->row = json_object();
    arena_defer(rc->arena, (void (*)(void *))json_decref, c->row);
    json_object_set_new(c->row, c->schedule ? "from_day" : "day", json_string(c->day_text));
    if (c->deleting) {
        json_object_set_new(c->row, "deleted", json_true());
    } else if (c->schedule) {
        json_object_set_new(c->row, "province", json_string(rc->app->cfg->province_code));
        json_object_set_new(c->row, "sessions", sessions_json(&c->sched));
        json_object_set_new(c->row, "replaced", json_boolean(replaced(r->res[0])));
    } else {
        json_object_set_new(c->row, "working", json_boolean(c->working));
        json_object_set_new(c->row, "reason", json_string(c->reason));
        json_object_set_new(c->row, "note", json_string(c->note));
        json_object_set_new(c->row, "source", json_string(c->source));
        json_object_set_new(c->row, "replaced", json_boolean(replaced(r->res[0])));
    }
    if (!c->schedule) {
        json_object_set_new(c->row, "working_now", json_boolean(wcal_is_working(w, c->day) == 1));
        json_object_set_new(c->row, "reason_now",
                            json_string(wcal_reason_key(wcal_reason(w, c->day))));
    }
    snprintf(change, sizeof(change), "%s %s", c->schedule ? "calendar_schedule" : "calendar_day",
             c->day_text);
    last = c->schedule ? wcal_last_day(w) : c->day;
    rc->db_inflight++; /* keeps the request alive until the re-projection reports */
    dapi_reproject_calendar(rc->w, c->day, last, change, on_reprojected, rc);
}

static void
write_change(struct reqctx *rc)
{
    struct change *c = rc->state;
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    const char **v;
    const char **nv = hx_params(rc, CAL_NOTIFY__N);

    if (c->schedule) {
        v = hx_params(rc, SCH__N);
        v[SCH_PROVINCE] = rc->app->cfg->province_code;
        v[SCH_FROM] = c->day_text;
        v[SCH_SESSIONS] = c->sessions_json;
        st[0].sql = c->deleting ? SCHED_DELETE_SQL : SCHED_UPSERT_SQL;
        st[0].nparams = c->deleting ? SCH_DEL__N : SCH__N;
    } else {
        v = hx_params(rc, DAY__N);
        v[DAY_DAY] = c->day_text;
        v[DAY_WORKING] = c->working ? "true" : "false";
        v[DAY_REASON] = c->reason;
        v[DAY_NOTE] = c->note;
        v[DAY_SOURCE] = c->source;
        v[DAY_NOW] = arena_printf(rc->arena, "%lld", (long long)rc->now);
        st[0].sql = c->deleting ? DELETE_SQL : UPSERT_SQL;
        st[0].nparams = c->deleting ? DAY_DEL__N : DAY__N;
    }
    st[0].values = v;
    nv[CAL_NOTIFY_CHANNEL] = CALENDAR_CHANNEL;
    nv[CAL_NOTIFY_PAYLOAD] =
        arena_printf(rc->arena, "%s %s", calendar_own_token(rc->app), c->day_text);
    st[1].sql = CALENDAR_NOTIFY_SQL;
    st[1].nparams = CAL_NOTIFY__N;
    st[1].values = nv;
    st[2].sql = CALENDAR_ROWS_SQL;
    st[2].nparams = CAL_ROWS__N;
    st[2].values = c->prov;
    api_db(rc, st, 3, on_written);
}

/* Builds the calendar the change would give from the current rows; frees it (never
   published). 0 when it builds. */
static int
try_change(struct reqctx *rc, const PGresult *res, struct mc_err *e)
{
    struct change *c = rc->state;
    struct wcal_entry *en;
    struct wcal_schedule *sc;
    size_t nen, nsc;
    struct wcal *w = NULL;

    if (calendar_read_rows(res, c->schedule ? INT32_MIN : c->day, c->schedule ? c->day : INT32_MIN,
                           &en, &nen, &sc, &nsc, e) == 0) {
        if (!c->deleting && !c->schedule) {
            en[nen].day = c->day;
            en[nen].working = c->working;
            en[nen].reason = (enum wcal_reason)wcal_reason_parse(c->reason);
            copy_note(en[nen].note, sizeof(en[nen].note), c->note);
            nen++;
        }
        if (!c->deleting && c->schedule)
            sc[nsc++] = c->sched;
        w = calendar_build(rc->app->cfg, en, nen, sc, nsc, e);
    }
    free(en);
    free(sc);
    if (w == NULL) {
        e->code = ERR_VALIDATION;
        return -1;
    }
    wcal_free(w);
    return 0;
}

static void
on_current_rows(struct reqctx *rc, struct db_result *r)
{
    struct mc_err e;

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (try_change(rc, r->res[0], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    write_change(rc);
}

/* Reads the current rows, then try_change, then write_change. */
static void
start_change(struct reqctx *rc, struct change *c)
{
    c->prov[CAL_ROWS_PROVINCE] = rc->app->cfg->province_code;
    rc->state = c;
    api_db1(rc, CALENDAR_ROWS_SQL, CAL_ROWS__N, c->prov, on_current_rows);
}

static int
day_in_range(struct reqctx *rc, int32_t day, struct mc_err *e)
{
    const struct wcal *cal = atomic_load(&rc->app->cal);

    if (cal == NULL)
        return err_set(e, ERR_INTERNAL, "no working calendar loaded");
    if (day < wcal_first_day(cal) || day > wcal_last_day(cal))
        return err_field(e, ERR_OUT_OF_CALENDAR, "day", "day outside the calendar");
    return 0;
}

/* Refuses members not in keys (NULL-terminated). */
static int
only_members(json_t *o, const char *const *keys, struct mc_err *e)
{
    const char *k;
    json_t *v;

    if (!json_is_object(o))
        return err_set(e, ERR_VALIDATION, "body must be a JSON object");
    json_object_foreach(o, k, v)
    {
        size_t i;

        (void)v;
        for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
            ;
        if (keys[i] == NULL)
            return err_field(e, ERR_VALIDATION, "", "unknown member \"%.60s\"", k);
    }
    return 0;
}

static void
api_calendar_day_put(struct reqctx *rc)
{
    static const char *const keys[] = {"day", "working", "reason", "note", NULL};
    struct change *c = arena_calloc(rc->arena, 1, sizeof(*c));
    struct mc_err e;
    const char *note = NULL;
    int r, wd;

    err_clear(&e);
    if (only_members(rc->json, keys, &e) != 0)
        goto fail;
    if (jin_get_date(rc->json, "day", 1, &c->day, &e) < 0 ||
        jin_get_bool(rc->json, "working", 1, &c->working, &e) < 0 ||
        jin_get_str(rc->json, "reason", 32, 1, &c->reason, &e) < 0 ||
        jin_get_str(rc->json, "note", 95, 0, &note, &e) < 0)
        goto fail;
    if (day_in_range(rc, c->day, &e) != 0)
        goto fail;
    r = wcal_reason_parse(c->reason);
    wd = cal_weekday(c->day);
    /* A worked day is a Saturday worked in exchange (làm bù); everything else is a day off
       with one of the announced reasons (domain.md §4.2, §4.3). */
    if (r < 0 || r == WCAL_R_WORKDAY || r == WCAL_R_WEEKEND || r == WCAL_R_TET_PROPOSED) {
        err_field(&e, ERR_VALIDATION, "reason",
                  "reason is one of new_year, tet, hung_kings, reunification, labour, "
                  "national_day, national_day_2, compensatory, swap_off, makeup_saturday, "
                  "local, announced");
        goto fail;
    }
    if (c->working != (r == WCAL_R_MAKEUP_SATURDAY)) {
        err_field(&e, ERR_VALIDATION, "working",
                  "working is true exactly for reason makeup_saturday");
        goto fail;
    }
    if (c->working && wd != 6) {
        err_field(&e, ERR_VALIDATION, "day", "a make-up working day is a Saturday");
        goto fail;
    }
    if (note != NULL && strlen(note) > 95) {
        err_field(&e, ERR_VALIDATION, "note", "note is at most 95 bytes of UTF-8");
        goto fail;
    }
    c->note = note != NULL ? note : "";
    c->day_text = arena_alloc(rc->arena, 11);
    cal_format_date(c->day, (char *)c->day_text);
    c->source = arena_printf(rc->arena, "admin:%s", rc->who.login);
    start_change(rc, c);
    return;
fail:
    http_reply_error(rc, &e);
}

/* {day} (or {from_day}) of a delete route into c; 0 or an error reply. */
static int
delete_target(struct reqctx *rc, const char *param, struct change *c)
{
    const char *d = rc_param(rc, param);
    struct mc_err e;

    err_clear(&e);
    if (d == NULL || cal_parse_date(d, strlen(d), &c->day) != 0) {
        err_field(&e, ERR_BAD_DATE, param, "%s is YYYY-MM-DD", param);
        http_reply_error(rc, &e);
        return -1;
    }
    if (day_in_range(rc, c->day, &e) != 0) {
        http_reply_error(rc, &e);
        return -1;
    }
    c->deleting = 1;
    c->day_text = arena_alloc(rc->arena, 11);
    cal_format_date(c->day, (char *)c->day_text);
    c->reason = "";
    c->note = "";
    c->source = "";
    return 0;
}

static void
api_calendar_day_delete(struct reqctx *rc)
{
    struct change *c = arena_calloc(rc->arena, 1, sizeof(*c));

    if (delete_target(rc, "day", c) == 0)
        start_change(rc, c);
}

/* ---- weekly schedules: GET/POST /api/v1/calendar/schedules, .../{from_day}/delete ------- */

enum { SL_PROVINCE, SL__N };
static const char SCHED_LIST_SQL[] =
    "SELECT from_day::text AS from_day, sessions::text AS sessions FROM calendar_schedule"
    " WHERE province = $1 ORDER BY from_day";

/* A schedule as JSON. */
static const struct hx_jcol SCHED_ROW[] = {
    {"from_day", NULL, HX_TEXT},
    {"sessions", NULL, HX_JSON},
};

static void
on_schedules(struct reqctx *rc, struct db_result *r)
{
    const struct wcal *cal = atomic_load(&rc->app->cal);
    int32_t today = cal_local_day(rc->now);
    const struct wcal_session *now_s = NULL;
    int now_n = cal != NULL ? wcal_sessions(cal, today, &now_s) : 0;
    struct wcal_schedule def = {.from_day = INT32_MIN, .nsessions = 2,
                                .s = {{7 * 60, 11 * 60 + 30}, {13 * 60 + 30, 17 * 60}}};
    json_t *items, *o;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    items = hx_rows_json(r->res[0], SCHED_ROW, (int)(sizeof(SCHED_ROW) / sizeof(SCHED_ROW[0])));
    o = json_object();
    json_object_set_new(o, "province", json_string(rc->app->cfg->province_code));
    json_object_set_new(o, "default_sessions", sessions_json(&def));
    if (now_n > 0) {
        struct wcal_schedule t = {.nsessions = now_n};

        memcpy(t.s, now_s, (size_t)now_n * sizeof(*now_s));
        json_object_set_new(o, "today_sessions", sessions_json(&t));
    } else {
        json_object_set_new(o, "today_sessions", json_array()); /* a day off */
    }
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "next_cursor", json_null());
    http_reply_json(rc, 200, o);
}

static void
api_calendar_schedules(struct reqctx *rc)
{
    const char **v = hx_params(rc, SL__N);

    v[SL_PROVINCE] = rc->app->cfg->province_code;
    api_db1(rc, SCHED_LIST_SQL, SL__N, v, on_schedules);
}

static void
api_calendar_schedule_put(struct reqctx *rc)
{
    static const char *const keys[] = {"from_day", "sessions", NULL};
    struct change *c = arena_calloc(rc->arena, 1, sizeof(*c));
    struct mc_err e;
    json_t *canon;
    char *text;

    err_clear(&e);
    if (only_members(rc->json, keys, &e) != 0 ||
        jin_get_date(rc->json, "from_day", 1, &c->day, &e) < 0 ||
        day_in_range(rc, c->day, &e) != 0 ||
        parse_sessions(json_object_get(rc->json, "sessions"), &c->sched, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    c->schedule = 1;
    c->sched.from_day = c->day;
    c->day_text = arena_alloc(rc->arena, 11);
    cal_format_date(c->day, (char *)c->day_text);
    canon = sessions_json(&c->sched); /* stored as given, in canonical form */
    text = json_dumps(canon, JSON_COMPACT);
    c->sessions_json = arena_strdup(rc->arena, text);
    free(text);
    json_decref(canon);
    start_change(rc, c);
}

static void
api_calendar_schedule_delete(struct reqctx *rc)
{
    struct change *c = arena_calloc(rc->arena, 1, sizeof(*c));

    c->schedule = 1;
    if (delete_target(rc, "from_day", c) == 0)
        start_change(rc, c);
}

const struct route API_CALENDAR_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/calendar/days", api_calendar_days, ROLE_ALL, 0,
     "Weekdays off and worked Saturdays of a year (?year=), announced or proposed"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/days", api_calendar_day_put, ROLE_ADMIN, RF_JSON,
     "Add or replace one announced calendar day"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/days/{day}/delete", api_calendar_day_delete, ROLE_ADMIN, 0,
     "Remove an announced calendar day"},
    {EVHTTP_REQ_GET, "/api/v1/calendar/schedules", api_calendar_schedules, ROLE_ALL, 0,
     "Weekly working sessions of this province, with effective dates"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/schedules", api_calendar_schedule_put, ROLE_ADMIN, RF_JSON,
     "Add or replace the weekly sessions in force from a day"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/schedules/{from_day}/delete", api_calendar_schedule_delete,
     ROLE_ADMIN, 0, "Remove a weekly schedule"},
    {0, NULL, NULL, 0, 0, NULL},
};
const size_t API_CALENDAR_NROUTES =
    sizeof(API_CALENDAR_ROUTES) / sizeof(API_CALENDAR_ROUTES[0]) - 1;
