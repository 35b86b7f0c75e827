/*
 * calendar_int.h - what api/calendar/calendar.c shares with api/calendar/calendar_import.c
 * (the yearly announcement import, issue 15 part 2) and the `motcua calendar import`
 * command: reading the rows of CALENDAR_ROWS_SQL, building a calendar with this
 * installation's options, and publishing a calendar to this process. Not a contract with
 * other engineers.
 */
#ifndef MOTCUA_API_CALENDAR_INT_H
#define MOTCUA_API_CALENDAR_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "core/err.h"
#include "domain/ddl.h"
#include "domain/wcal.h"

struct app;
struct config;

/*
 * The announced days and the weekly schedules of CALENDAR_ROWS_SQL rows, leaving out the
 * announced day skip_day and the schedule starting on skip_sched (INT32_MIN: none); each
 * array has one free slot at the end. Caller frees *en and *sc (also on failure).
 */
int calendar_read_rows(const PGresult *res, int32_t skip_day, int32_t skip_sched,
                       struct wcal_entry **en, size_t *nen, struct wcal_schedule **sc, size_t *nsc,
                       struct mc_err *e);

/* The calendar options of this installation (policy, schedules sorted here in place). */
void calendar_opts(const struct config *cfg, struct wcal_schedule *sc, size_t nsc,
                   struct wcal_opts *o);

/* Builds a calendar with calendar_opts; NULL with e filled. */
struct wcal *calendar_build(const struct config *cfg, const struct wcal_entry *en, size_t nen,
                            struct wcal_schedule *sc, size_t nsc, struct mc_err *e);

/* Makes w this process's calendar (takes ownership; the old one is retired). */
void calendar_publish(struct app *app, struct wcal *w);

/* This process's token for NOTIFY payloads on CALENDAR_CHANNEL ("-" before the listener). */
const char *calendar_own_token(const struct app *app);

/* "SELECT pg_notify($1, $2)" */
extern const char CALENDAR_NOTIFY_SQL[];
enum { CAL_NOTIFY_CHANNEL, CAL_NOTIFY_PAYLOAD, CAL_NOTIFY__N };

/* ---- the announcement import (api/calendar/calendar_import.c) ------------------------ */

struct arena;
struct db_stmt;

/*
 * One import being evaluated, shared by POST /api/v1/calendar/import and `motcua calendar
 * import`: cimp_init, cimp_parse, cimp_evaluate (rows of CALENDAR_ROWS_SQL and the
 * fingerprint of CIMP_FINGERPRINT_SQL), cimp_moved (rows of CIMP_OPEN_SQL over
 * [from, to]), cimp_result; to apply, cimp_write_stmts. cimp_free releases it all.
 */
struct cimp {
    struct arena *a;
    int year; /* asked (0: the rows'), then the announcement's */
    int override;
    struct wcal_entry *rows;
    size_t nrows;
    json_t *refusals; /* [{row, line?, day, code, overridable, message, detail}] */
    long blocking;    /* refusals that stop the import */
    struct wcal_entry *loaded;
    size_t nloaded;
    struct wcal_schedule *sc;
    size_t nsc;
    struct wcal *cur, *cand;
    struct ddl_axis *ax; /* of cand */
    int32_t from, to;    /* days whose working time changes; from > to: none */
    char from_text[11], to_text[11];
    const char *fingerprint;
    json_t *diff, *kept, *moved;
    size_t nadded, nchanged, nunchanged;
    struct cimp_move *mv;
    size_t nmv;
};

/* Fingerprint of every calendar_day row (one text column, "fingerprint"), read with the
   rows. */
extern const char CIMP_FINGERPRINT_SQL[];
/* Open dossiers whose window crosses a range of local dates (DSQL_REPROJECT_SELECT). */
extern const char *const CIMP_OPEN_SQL;
enum { CIMP_OPEN_FROM, CIMP_OPEN_TO, CIMP_OPEN__N };

void cimp_init(struct cimp *c, int year, int override);
void cimp_free(struct cimp *c);

/* Parses content (format "tsv" or "json"); row problems go to c->refusals. -1 only when the
   format is unknown (e filled). */
int cimp_parse(struct cimp *c, const char *format, const char *content, size_t len,
               struct mc_err *e);

/* Checks the rows against the loaded calendar, computes the diff and, when nothing blocks,
   the candidate calendar. -1 when a calendar cannot be built (e filled). */
int cimp_evaluate(struct cimp *c, const struct config *cfg, const PGresult *rows,
                  const char *fingerprint, struct mc_err *e);

/* Re-projects the open dossiers of res (CIMP_OPEN_SQL) on the candidate calendar (the
   functions of api/dossier/dossier_reproject.c); those whose appointment or legal due moves go to
   c->moved. */
void cimp_moved(struct cimp *c, const PGresult *res);

/* The response body: {year, applied, override, refusals, summary, changed_from/to, diff,
   kept, moved}. New reference. */
json_t *cimp_result(const struct cimp *c, int applied);

/*
 * The statements of the apply unit into st (room for cimp_nstmts(c)): the fingerprint
 * guard (fails with SQLSTATE 22012 when calendar_day changed since the read), the rows, per
 * moved dossier its calendar_reprojected event and projection (guarded by its version: a
 * dossier changed meanwhile fails with 23505), one audit_log row (action
 * calendar.import.apply) and the NOTIFY. account_id / login / client_addr / request_id may
 * be NULL (the command line); source is the calendar_day.source of the rows written;
 * token the NOTIFY payload's prefix. Returns the count written.
 */
size_t cimp_nstmts(const struct cimp *c);
size_t cimp_write_stmts(struct cimp *c, const char *account_id, const char *login, const char *role,
                        const char *client_addr, const char *request_id, const char *source,
                        const char *token, struct db_stmt *st);

#endif
