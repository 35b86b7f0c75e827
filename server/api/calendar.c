/*
 * calendar.c - the working calendar of the process (domain.md §4): its start-up load from
 * calendar_day (calendar_boot), its reload when another process announces a change
 * (calendar_listen, LISTEN motcua_calendar) and the administration routes
 * (API_CALENDAR_ROUTES: list a year, add or replace an announced day, delete one).
 *
 * Swapping: a change builds a whole new struct wcal and publishes it with one atomic
 * exchange of app->cal; readers load the pointer once per use. The previous calendar is not
 * freed while the workers run: a worker may still be reading it, and api/dossier.c caches
 * an axis keyed by the calendar's address (freeing and reusing an address would alias a
 * stale axis). It goes on app->cal_retired, freed by calendar_free_all() after the workers
 * stopped. The cost is one calendar (~0.5 MB for 1990-2100) per administrator change or
 * NOTIFY, a handful a year.
 *
 * After a change the appointments of open dossiers whose window crosses the changed day are
 * re-projected by the dossier module (dossier_reproject_calendar, domain.md §4.5), once, by
 * the process that made the change; other processes only reload their calendar.
 */
#include "api/catalog.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "api/api.h"
#include "api/dossier.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/json.h"
#include "http/reqctx.h"

const char CALENDAR_ROWS_SQL[] =
    "SELECT day::text, working, reason, coalesce(note, '') FROM calendar_day ORDER BY day";

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

struct wcal *
calendar_build_rows(const struct config *cfg, const PGresult *res, struct mc_err *e)
{
    int n = PQntuples(res);
    struct wcal_entry *en = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*en));
    struct wcal_opts o;
    struct wcal *w = NULL;

    for (int i = 0; i < n; i++) {
        const char *day = PQgetvalue(res, i, 0);
        const char *reason = PQgetvalue(res, i, 2);
        int r = wcal_reason_parse(reason);

        if (cal_parse_date(day, strlen(day), &en[i].day) != 0 || r < 0) {
            err_set(e, ERR_INTERNAL, "calendar_day row %s: bad date or reason %.32s", day, reason);
            goto out;
        }
        en[i].working = strcmp(PQgetvalue(res, i, 1), "t") == 0;
        en[i].reason = (enum wcal_reason)r;
        copy_note(en[i].note, sizeof(en[i].note), PQgetvalue(res, i, 3));
    }
    wcal_opts_default(&o);
    o.count_makeup_saturdays = cfg->count_makeup_saturdays;
    w = wcal_build(&o, en, (size_t)n, e);
out:
    free(en);
    return w;
}

/* A calendar replaced while workers may still read it (file header). */
struct cal_retired {
    const struct wcal *cal;
    struct cal_retired *next;
};

static void
publish(struct app *app, struct wcal *w)
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
    res = PQexecParams(c, CALENDAR_ROWS_SQL, 0, NULL, NULL, NULL, NULL, 0);
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
    publish(app, w);
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
};

static void reload(struct cal_listener *l);

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
    publish(l->w->app, w);
    log_kv(LOG_INFO, "calendar reloaded", (char *)NULL);
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
    db_exec1(l->w->db, CALENDAR_ROWS_SQL, 0, NULL, on_reload_rows, l);
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

/* This process's token for NOTIFY payloads ("" before calendar_listen ran). */
static const char *
own_token(const struct app *app)
{
    const struct cal_listener *l = app->nworkers > 0 ? app->workers[0].ext[EXT_CALENDAR] : NULL;

    return l != NULL ? l->token : "-";
}

/* ---- GET /api/v1/calendar/days?year= ---------------------------------------------------- */

static const char DAYS_ROWS_SQL[] =
    "SELECT day::text AS day, source, to_char(updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
    "       'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"') AS updated_at"
    "  FROM calendar_day WHERE day BETWEEN $1::date AND $2::date ORDER BY day";

struct days_state {
    int year;
};

static void
on_days(struct reqctx *rc, struct db_result *r)
{
    struct days_state *s = rc->state;
    const struct wcal *cal = atomic_load(&rc->app->cal);
    const PGresult *res;
    int32_t first, last;
    int row = 0, nrows, working_days = 0, proposed = 0;
    json_t *items, *o;

    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    nrows = PQntuples(res);
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
        while (row < nrows && strcmp(PQgetvalue(res, row, 0), date) < 0)
            row++;
        working_days += working == 1;
        proposed |= why == WCAL_R_TET_PROPOSED;
        /* Only what differs from the week: weekdays off and worked weekend days. */
        if ((weekend && working != 1) || (!weekend && working == 1))
            continue;
        it = json_object();
        json_object_set_new(it, "day", json_string(date));
        json_object_set_new(it, "weekday", json_string(cal_weekday_vi(wd)));
        json_object_set_new(it, "working", json_boolean(working == 1));
        json_object_set_new(it, "reason", json_string(wcal_reason_key(why)));
        json_object_set_new(it, "reason_vi", json_string(wcal_reason_vi(why)));
        note = wcal_note(cal, d);
        json_object_set_new(it, "note", json_string(note != NULL ? note : ""));
        if (row < nrows && strcmp(PQgetvalue(res, row, 0), date) == 0) {
            json_object_set_new(it, "source", json_string(PQgetvalue(res, row, 1)));
            json_object_set_new(it, "updated_at",
                                PQgetisnull(res, row, 2) ? json_null()
                                                         : json_string(PQgetvalue(res, row, 2)));
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
    const char **v = arena_calloc(rc->arena, 2, sizeof(*v));
    char *end = NULL;
    long year;

    if (cal == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "no working calendar loaded");
        return;
    }
    if (y == NULL || y[0] == '\0') {
        year = cal_date_of(cal_local_day((int64_t)time(NULL))).year;
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
    v[0] = arena_printf(rc->arena, "%ld-01-01", year);
    v[1] = arena_printf(rc->arena, "%ld-12-31", year);
    api_db1(rc, DAYS_ROWS_SQL, 2, v, on_days);
}

/* ---- changes: POST /api/v1/calendar/days, POST /api/v1/calendar/days/{day}/delete ------ */

/*
 * A change runs in two units: first the current rows are read and the calendar that the
 * change would give is built (a row that contradicts the rules, e.g. a wrong compensatory
 * day, is refused before anything is written); then the row is written, NOTIFY'd (delivered
 * at commit) and all rows re-read in the same transaction, from which the new calendar is
 * built and published.
 */
struct change {
    int deleting;
    int32_t day;
    const char *day_text;
    int working;
    const char *reason;
    const char *note;
    const char *source;
    json_t *row; /* reply body */
};

static const char UPSERT_SQL[] =
    "INSERT INTO calendar_day (day, working, reason, note, source, updated_at)"
    " VALUES ($1::date, $2::boolean, $3, $4, $5, now())"
    " ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, reason = EXCLUDED.reason,"
    "   note = EXCLUDED.note, source = EXCLUDED.source, updated_at = now()"
    " RETURNING (xmax = 0) AS inserted";
static const char DELETE_SQL[] = "DELETE FROM calendar_day WHERE day = $1::date RETURNING reason";
static const char NOTIFY_SQL[] = "SELECT pg_notify($1, $2)";

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

static void
on_written(struct reqctx *rc, struct db_result *r)
{
    struct change *c = rc->state;
    struct mc_err e;
    struct wcal *w;
    char change[64];

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        catalog_reply_db_error(rc, r);
        return;
    }
    if (c->deleting && PQntuples(r->res[0]) == 0) {
        http_reply_err(rc, ERR_NOT_FOUND, "no announced row for %s", c->day_text);
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
    publish(rc->app, w);
    c->row = json_object();
    arena_defer(rc->arena, (void (*)(void *))json_decref, c->row);
    json_object_set_new(c->row, "day", json_string(c->day_text));
    if (c->deleting) {
        json_object_set_new(c->row, "deleted", json_true());
    } else {
        json_object_set_new(c->row, "working", json_boolean(c->working));
        json_object_set_new(c->row, "reason", json_string(c->reason));
        json_object_set_new(c->row, "note", json_string(c->note));
        json_object_set_new(c->row, "source", json_string(c->source));
        json_object_set_new(c->row, "replaced",
                            json_boolean(strcmp(db_val(r->res[0], 0, 0), "f") == 0));
    }
    json_object_set_new(c->row, "working_now", json_boolean(wcal_is_working(w, c->day) == 1));
    json_object_set_new(c->row, "reason_now", json_string(wcal_reason_key(wcal_reason(w, c->day))));
    snprintf(change, sizeof(change), "calendar_day %s", c->day_text);
    rc->db_inflight++; /* keeps the request alive until the re-projection reports */
    dossier_reproject_calendar(rc->w, c->day, c->day, change, on_reprojected, rc);
}

static void
write_change(struct reqctx *rc)
{
    struct change *c = rc->state;
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    const char **v = arena_calloc(rc->arena, 5, sizeof(*v));
    const char **nv = arena_calloc(rc->arena, 2, sizeof(*nv));

    v[0] = c->day_text;
    v[1] = c->working ? "true" : "false";
    v[2] = c->reason;
    v[3] = c->note;
    v[4] = c->source;
    nv[0] = CALENDAR_CHANNEL;
    nv[1] = arena_printf(rc->arena, "%s %s", own_token(rc->app), c->day_text);
    st[0].sql = c->deleting ? DELETE_SQL : UPSERT_SQL;
    st[0].nparams = c->deleting ? 1 : 5;
    st[0].values = v;
    st[1].sql = NOTIFY_SQL;
    st[1].nparams = 2;
    st[1].values = nv;
    st[2].sql = CALENDAR_ROWS_SQL;
    api_db(rc, st, 3, on_written);
}

/* Builds the calendar the change would give from the current rows; frees it (never
   published). 0 when it builds. */
static int
try_change(struct reqctx *rc, const PGresult *res, struct mc_err *e)
{
    struct change *c = rc->state;
    int n = PQntuples(res);
    struct wcal_entry *en = xcalloc((size_t)n + 1, sizeof(*en));
    size_t k = 0;
    struct wcal_opts o;
    struct wcal *w;

    for (int i = 0; i < n; i++) {
        const char *day = PQgetvalue(res, i, 0);
        int r = wcal_reason_parse(PQgetvalue(res, i, 2));

        if (cal_parse_date(day, strlen(day), &en[k].day) != 0 || r < 0)
            continue; /* the table's CHECK keeps reasons valid */
        if (en[k].day == c->day)
            continue; /* replaced or deleted */
        en[k].working = strcmp(PQgetvalue(res, i, 1), "t") == 0;
        en[k].reason = (enum wcal_reason)r;
        copy_note(en[k].note, sizeof(en[k].note), PQgetvalue(res, i, 3));
        k++;
    }
    if (!c->deleting) {
        en[k].day = c->day;
        en[k].working = c->working;
        en[k].reason = (enum wcal_reason)wcal_reason_parse(c->reason);
        copy_note(en[k].note, sizeof(en[k].note), c->note);
        k++;
    }
    wcal_opts_default(&o);
    o.count_makeup_saturdays = rc->app->cfg->count_makeup_saturdays;
    w = wcal_build(&o, en, k, e);
    free(en);
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

static void
api_calendar_day_put(struct reqctx *rc)
{
    static const char *const keys[] = {"day", "working", "reason", "note", NULL};
    struct change *c = arena_alloc(rc->arena, sizeof(*c));
    struct mc_err e;
    const char *note = NULL, *k;
    json_t *v;
    int r, wd;

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    json_object_foreach(rc->json, k, v)
    {
        size_t i;

        (void)v;
        for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
            ;
        if (keys[i] == NULL) {
            err_field(&e, ERR_VALIDATION, "", "unknown member \"%.60s\"", k);
            goto fail;
        }
    }
    if (json_get_date(rc->json, "day", 1, &c->day, &e) < 0 ||
        json_get_bool(rc->json, "working", 1, &c->working, &e) < 0 ||
        json_get_str(rc->json, "reason", 32, 1, &c->reason, &e) < 0 ||
        json_get_str(rc->json, "note", 95, 0, &note, &e) < 0)
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
    rc->state = c;
    api_db1(rc, CALENDAR_ROWS_SQL, 0, NULL, on_current_rows);
    return;
fail:
    http_reply_error(rc, &e);
}

static void
api_calendar_day_delete(struct reqctx *rc)
{
    const char *d = rc_param(rc, "day");
    struct change *c = arena_alloc(rc->arena, sizeof(*c));
    struct mc_err e;

    err_clear(&e);
    if (d == NULL || cal_parse_date(d, strlen(d), &c->day) != 0) {
        err_field(&e, ERR_BAD_DATE, "day", "day is YYYY-MM-DD");
        http_reply_error(rc, &e);
        return;
    }
    if (day_in_range(rc, c->day, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    c->deleting = 1;
    c->day_text = arena_alloc(rc->arena, 11);
    cal_format_date(c->day, (char *)c->day_text);
    c->reason = "";
    c->note = "";
    c->source = "";
    rc->state = c;
    api_db1(rc, CALENDAR_ROWS_SQL, 0, NULL, on_current_rows);
}

const struct route API_CALENDAR_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/calendar/days", api_calendar_days, ROLE_ALL, 0,
     "Weekdays off and worked Saturdays of a year (?year=), announced or proposed"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/days", api_calendar_day_put, ROLE_ADMIN, RF_JSON,
     "Add or replace one announced calendar day"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/days/{day}/delete", api_calendar_day_delete, ROLE_ADMIN, 0,
     "Remove an announced calendar day"},
    {0, NULL, NULL, 0, 0, NULL},
};
const size_t API_CALENDAR_NROUTES =
    sizeof(API_CALENDAR_ROUTES) / sizeof(API_CALENDAR_ROUTES[0]) - 1;
