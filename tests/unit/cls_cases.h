/*
 * cls_cases.h - the hand-typed classification cases (domain.md §7) shared by test_cls.c
 * (C: cls_classify) and test_db_cls_parity.c (the same cases fed to the SQL functions of the
 * reports: report_cls_legal, report_ok_766, report_open_state_k, report_open_state_asof),
 * and the indicator points table (§8.1: min(rate / threshold, 1) × points).
 *
 * Every value is worked out by hand on the 2026 calendar (sql/calendar_vn.tsv; sessions
 * 07:00-11:30 and 13:30-17:00, 480 working minutes a day; Fri 02/01 off and Sat 10/01
 * worked; Tết 14-22/02), never produced by running the code under test. Besides what
 * cls_classify reads, a row carries what the SQL side reads from the projection and the
 * pause ledger, which C computes internally:
 *   - per pause: due_before (the legal due as of the request, NgayHenTraTruoc), due_after
 *     (after the resume, NgayHenTraMoi; NULL while open), was_late (requested after
 *     due_before). For a dossier ended while paused the projection closes the pause at the
 *     end (server/domain/dfold.c fold_end): due_after is the due moved up to the end;
 *   - legal_due: the projection's legal_due_at (the appointment moved by every counted pause
 *     resolved, §6.1) as known at `known`; for a dossier without an appointment the
 *     maximum duration's due moved likewise (the row's `appointment` is that due unmoved,
 *     what cls_classify wants);
 *   - sup_s: the projection's supplement_seconds (dvcqg766, wall clock, every supplement
 *     request, an open one up to the end), read only for ended dossiers;
 *   - known: the as-of horizon k (NULL: everything known). As known at k a pause requested
 *     after k did not exist and one resolved after k was still running; an end after k had
 *     not happened.
 * Worked example: a counted pause Mon 23/02/2026 10:00 - Tue 24/02 10:00 is 480 working
 * minutes and moves a due of Wed 25/02 10:00 to Thu 26/02 10:00.
 */
#ifndef MOTCUA_TESTS_CLS_CASES_H
#define MOTCUA_TESTS_CLS_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "ddl_fixture.h"
#include "domain/cls.h"

struct cls_case_pause {
    const char *p, *s; /* requested, resolved (NULL: open) */
    int supplement, counted;
    const char *due_before, *due_after; /* due_after NULL while open */
    int was_late;
};

struct cls_case {
    const char *why;
    enum cls_rules rules;
    const char *received, *appointment;
    int has_appt;
    enum cls_end end_kind;
    const char *end; /* NULL when open */
    int np;
    struct cls_case_pause pz[2];
    const char *at;
    enum cls_class want;
    int want_virtual;
    const char *legal_due; /* dossier.legal_due_at as known at `known` */
    long long sup_s;       /* dossier.supplement_seconds */
    const char *known;     /* as-of horizon k, NULL: everything known */
    const char *sql_bug;   /* non-NULL: SQL disagrees with domain.md (test_db_cls_parity) */
};

#define R CLS_END_RESOLVED
#define N CLS_END_NONE
#define LEGAL CLS_LEGAL
#define V766 CLS_DVCQG766
#define NOPZ {{0}}

/* Dossier A: received Fri 13/02/2026 10:00, 3 working days -> Wed 25/02 10:00 (Tết skipped).
   Dossier B: Mon 05/01/2026 10:00, 2 working days -> Wed 07/01 10:00.
   Dossier C: Mon 09/02/2026 08:00, 5 working days -> Mon 23/02 08:00; supplement Fri 13/02
   16:00 - Mon 23/02 08:00 = 60 + 60 working minutes (Tết between), wall clock 9 d 16 h =
   835200 s: due Mon 23/02 10:00. */
#define A_RCV "2026-02-13T10:00"
#define A_APP "2026-02-25T10:00"
#define B_RCV "2026-01-05T10:00"
#define B_APP "2026-01-07T10:00"
#define C_RCV "2026-02-09T08:00"
#define C_APP "2026-02-23T08:00"
#define FAR "2026-03-14T23:59"
/* A's counted supplement Mon 23/02 10:00 - Tue 24/02 10:00 (480 min, 86400 s) */
#define A_PZ {"2026-02-23T10:00", "2026-02-24T10:00", 1, 1, A_APP, "2026-02-26T10:00", 0}
/* A's first supplement 23/02 10:00-11:00 (60 min), then a repeat from Tue 24/02 10:00 */
#define A_PZ1 {"2026-02-23T10:00", "2026-02-23T11:00", 1, 1, A_APP, "2026-02-25T11:00", 0}
#define C_PZ {"2026-02-13T16:00", "2026-02-23T08:00", 1, 1, C_APP, "2026-02-23T10:00", 0}

/* Still open: SQL has neither working positions nor the whole calendar (calendar_day holds
   only the announced days; weekends, fixed holidays, the lunar Tết rule and the sessions are
   in C), so it cannot tell that nothing worked passes between Mon 17:00 and Tue 07:00. A fix
   needs C to store, with legal_due_at and each pause's due_before / due_after, the latest
   instant at the same working position (a column and a backfill by the server). */
static const char SQL_NOAPPT_POS[] =
    "report_cls_legal / report_open_state_k compare instants, cls compares working positions "
    "without an appointment (docs/domain.md Classification, legal)";

static const struct cls_case CLS_CASES[] = {
    /* legal, no pause (dossier A) */
    {"early by date", LEGAL, A_RCV, A_APP, 1, R, "2026-02-24T16:00", 0, NOPZ, FAR, CLS_EARLY, 0,
     A_APP, 0, NULL, NULL},
    {"same date before due", LEGAL, A_RCV, A_APP, 1, R, "2026-02-25T09:00", 0, NOPZ, FAR,
     CLS_ON_TIME, 0, A_APP, 0, NULL, NULL},
    {"exactly at due", LEGAL, A_RCV, A_APP, 1, R, "2026-02-25T10:00", 0, NOPZ, FAR, CLS_ON_TIME,
     0, A_APP, 0, NULL, NULL},
    {"a minute late", LEGAL, A_RCV, A_APP, 1, R, "2026-02-25T10:01", 0, NOPZ, FAR, CLS_LATE, 0,
     A_APP, 0, NULL, NULL},
    {"next day late", LEGAL, A_RCV, A_APP, 1, CLS_END_STOPPED, "2026-02-26T08:00", 0, NOPZ, FAR,
     CLS_LATE, 0, A_APP, 0, NULL, NULL},
    {"withdrawn early", LEGAL, A_RCV, A_APP, 1, CLS_END_WITHDRAWN, "2026-02-13T11:00", 0, NOPZ,
     FAR, CLS_EARLY, 0, A_APP, 0, NULL, NULL},
    {"open at due", LEGAL, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-25T10:00", CLS_IN_TIME, 0,
     A_APP, 0, NULL, NULL},
    {"open after due", LEGAL, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-25T10:01", CLS_OVERDUE,
     0, A_APP, 0, NULL, NULL},
    {"not yet received", LEGAL, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-12T10:00",
     CLS_NOT_COUNTED, 0, A_APP, 0, NULL, NULL},
    {"ends after T: open at T", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T10:00", 0, NOPZ,
     "2026-02-25T09:00", CLS_IN_TIME, 0, A_APP, 0, NULL, NULL},
    {"ends after T: overdue at T", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T10:00", 0, NOPZ,
     "2026-02-25T11:00", CLS_OVERDUE, 0, A_APP, 0, NULL, NULL},
    /* legal with a counted supplement Mon 23/02 10:00 - Tue 24/02 10:00: due Thu 26/02 10:00 */
    {"pause moves due: on time", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T09:00", 1, {A_PZ}, FAR,
     CLS_ON_TIME, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    {"pause moves due: early", LEGAL, A_RCV, A_APP, 1, R, "2026-02-25T15:00", 1, {A_PZ}, FAR,
     CLS_EARLY, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    {"pause moves due: late", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T11:00", 1, {A_PZ}, FAR,
     CLS_LATE, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    {"open, in time thanks to pause", LEGAL, A_RCV, A_APP, 1, N, NULL, 1, {A_PZ},
     "2026-02-26T10:00", CLS_IN_TIME, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    /* a payment wait the version does not count: due_after repeats the unchanged due */
    {"uncounted pause does not move due", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T09:00", 1,
     {{"2026-02-23T10:00", "2026-02-24T10:00", 0, 0, A_APP, A_APP, 0}}, FAR, CLS_LATE, 0, A_APP,
     0, NULL, NULL},
    {"paused at T, began in time", LEGAL, A_RCV, A_APP, 1, N, NULL, 1,
     {{"2026-02-23T10:00", NULL, 1, 1, A_APP, NULL, 0}}, "2026-03-27T10:00", CLS_IN_TIME, 0, A_APP,
     0, NULL, NULL},
    /* dossier ended after T, paused at T; the pause resolved after T moved the due by 960 min
       (Mon 23/02 10:00 - Wed 25/02 10:00) to Fri 27/02 10:00 */
    {"paused at T, resumed and ended after T", LEGAL, A_RCV, A_APP, 1, R, "2026-02-26T09:00", 1,
     {{"2026-02-23T10:00", "2026-02-25T10:00", 1, 1, A_APP, "2026-02-27T10:00", 0}},
     "2026-02-24T16:00", CLS_IN_TIME, 0, "2026-02-27T10:00", 172800, NULL, NULL},
    /* dossier B */
    {"paused at T, began late", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-08T10:00", NULL, 1, 1, B_APP, NULL, 1}}, "2026-01-09T10:00", CLS_OVERDUE, 0, B_APP,
     0, NULL, NULL},
    {"paused exactly at due", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-07T10:00", NULL, 1, 1, B_APP, NULL, 0}}, "2026-01-08T10:00", CLS_IN_TIME, 0, B_APP,
     0, NULL, NULL},
    /* paused at the due Wed 10:00, resumed Thu 08/01 10:00 (480 min): due Thu 08/01 10:00 */
    {"paused exactly at due, resumed, ended at the new due", LEGAL, B_RCV, B_APP, 1, R,
     "2026-01-08T10:00", 1, {{"2026-01-07T10:00", "2026-01-08T10:00", 1, 1, B_APP,
                              "2026-01-08T10:00", 0}},
     "2026-01-31T10:00", CLS_ON_TIME, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    /* paused at the due Wed 10:00, stopped Wed 15:00 while paused: 90 + 90 min, due 15:00 */
    {"stopped while paused from the due", LEGAL, B_RCV, B_APP, 1, CLS_END_STOPPED,
     "2026-01-07T15:00", 1, {{"2026-01-07T10:00", NULL, 1, 1, B_APP, "2026-01-07T15:00", 0}},
     "2026-01-31T10:00", CLS_ON_TIME, 0, "2026-01-07T15:00", 18000, NULL, NULL},
    /* paused Thu 08/01 10:00 (late), stopped Fri 09/01 10:00: 480 min, due Thu 08/01 10:00 */
    {"stopped while paused late", LEGAL, B_RCV, B_APP, 1, CLS_END_STOPPED, "2026-01-09T10:00", 1,
     {{"2026-01-08T10:00", NULL, 1, 1, B_APP, "2026-01-08T10:00", 1}}, "2026-01-31T10:00",
     CLS_LATE, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    /* paused Tue 06/01 10:00, stopped Fri 09/01 10:00: 1440 min move Wed 07/01 10:00 to the
       worked Saturday 10/01 10:00 */
    {"stopped while paused in time", LEGAL, B_RCV, B_APP, 1, CLS_END_STOPPED, "2026-01-09T10:00",
     1, {{"2026-01-06T10:00", NULL, 1, 1, B_APP, "2026-01-10T10:00", 0}}, "2026-01-31T10:00",
     CLS_EARLY, 0, "2026-01-10T10:00", 259200, NULL, NULL},
    {"repeat supplement open: not a pause", LEGAL, A_RCV, A_APP, 1, N, NULL, 2,
     {A_PZ1, {"2026-02-24T10:00", NULL, 1, 0, "2026-02-25T11:00", NULL, 0}}, "2026-02-27T10:00",
     CLS_OVERDUE, 0, "2026-02-25T11:00", 3600, NULL, NULL},
    /* the repeat Tue 24/02 10:00 - Wed 25/02 10:00 does not move the due (Wed 25/02 11:00) */
    {"repeat supplement resolved, ended after the due", LEGAL, A_RCV, A_APP, 1, R,
     "2026-02-25T11:30", 2,
     {A_PZ1,
      {"2026-02-24T10:00", "2026-02-25T10:00", 1, 0, "2026-02-25T11:00", "2026-02-25T11:00", 0}},
     FAR, CLS_LATE, 0, "2026-02-25T11:00", 90000, NULL, NULL},
    /* closing time: due Mon 17:00; Tue 07:00 is later as an instant, the same position */
    {"17:00 vs next 07:00, appointment", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 1, R,
     "2026-01-06T07:00", 0, NOPZ, "2026-01-31T10:00", CLS_LATE, 0, "2026-01-05T17:00", 0, NULL,
     NULL},
    {"17:00 vs next 07:00, appointment, open", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 1,
     N, NULL, 0, NOPZ, "2026-01-06T07:00", CLS_OVERDUE, 0, "2026-01-05T17:00", 0, NULL, NULL},
    {"17:00 vs next 07:00, max duration", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 0, R,
     "2026-01-06T07:00", 0, NOPZ, "2026-01-31T10:00", CLS_ON_TIME, 0, "2026-01-05T17:00", 0, NULL,
     SQL_NOAPPT_POS},
    {"17:00 vs next 07:00, max duration, open", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 0,
     N, NULL, 0, NOPZ, "2026-01-06T07:00", CLS_IN_TIME, 0, "2026-01-05T17:00", 0, NULL,
     SQL_NOAPPT_POS},
    {"no appointment: no early class", LEGAL, B_RCV, B_APP, 0, R, "2026-01-06T10:00", 0, NOPZ,
     "2026-01-31T10:00", CLS_ON_TIME, 0, B_APP, 0, NULL, NULL},
    {"no appointment: over max", LEGAL, B_RCV, B_APP, 0, R, "2026-01-07T10:30", 0, NOPZ,
     "2026-01-31T10:00", CLS_LATE, 0, B_APP, 0, NULL, NULL},
    {"no appointment: open over max", LEGAL, B_RCV, B_APP, 0, N, NULL, 0, NOPZ,
     "2026-01-07T13:31", CLS_OVERDUE, 0, B_APP, 0, NULL, NULL},
    /* max duration due Wed 07/01 10:00; counted supplement Tue 06/01 10:00 - Wed 07/01 10:00
       (480 min, 86400 s): legal due Thu 08/01 10:00; Thu 12:00 (lunch) is at 11:30's position */
    {"no appointment, counted supplement: over max", LEGAL, B_RCV, B_APP, 0, R,
     "2026-01-08T12:00", 1, {{"2026-01-06T10:00", "2026-01-07T10:00", 1, 1, B_APP,
                              "2026-01-08T10:00", 0}},
     "2026-01-31T10:00", CLS_LATE, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    /* Tết (dossier C): the 120 working minutes move the due to Mon 23/02 10:00 */
    {"legal: supplement across Tết, late", LEGAL, C_RCV, C_APP, 1, R, "2026-02-24T10:00", 1,
     {C_PZ}, FAR, CLS_LATE, 0, "2026-02-23T10:00", 835200, NULL, NULL},
    {"legal: open after a Tết pause, at the moved due", LEGAL, C_RCV, C_APP, 1, N, NULL, 1,
     {C_PZ}, "2026-02-23T10:00", CLS_IN_TIME, 0, "2026-02-23T10:00", 835200, NULL, NULL},
    {"legal: open after a Tết pause, a minute after", LEGAL, C_RCV, C_APP, 1, N, NULL, 1, {C_PZ},
     "2026-02-23T10:01", CLS_OVERDUE, 0, "2026-02-23T10:00", 835200, NULL, NULL},
    /* paused Fri 13/02 16:00, stopped Tue 24/02 10:00: 60 + 480 + 180 = 720 min from Mon
       23/02 08:00 -> Tue 24/02 14:00; wall clock 10 d 18 h = 928800 s */
    {"legal: stopped while paused across Tết", LEGAL, C_RCV, C_APP, 1, CLS_END_STOPPED,
     "2026-02-24T10:00", 1, {{"2026-02-13T16:00", NULL, 1, 1, C_APP, "2026-02-24T14:00", 0}}, FAR,
     CLS_ON_TIME, 0, "2026-02-24T14:00", 928800, NULL, NULL},
    /* dvcqg766 */
    {"766: early is on time", V766, A_RCV, A_APP, 1, R, "2026-02-24T16:00", 0, NOPZ, FAR,
     CLS_ON_TIME, 0, A_APP, 0, NULL, NULL},
    {"766: a minute late", V766, A_RCV, A_APP, 1, R, "2026-02-25T10:01", 0, NOPZ, FAR, CLS_LATE,
     0, A_APP, 0, NULL, NULL},
    {"766: open at due", V766, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-25T10:00", CLS_IN_TIME,
     0, A_APP, 0, NULL, NULL},
    {"766: open after due", V766, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-25T10:01",
     CLS_OVERDUE, 0, A_APP, 0, NULL, NULL},
    {"766: 24 h wall clock subtracted", V766, A_RCV, A_APP, 1, R, "2026-02-26T10:00", 1, {A_PZ},
     FAR, CLS_ON_TIME, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    {"766: 24 h, one minute over", V766, A_RCV, A_APP, 1, R, "2026-02-26T10:01", 1, {A_PZ}, FAR,
     CLS_LATE, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    {"766: wall clock across Tết", V766, C_RCV, C_APP, 1, R, "2026-02-24T10:00", 1, {C_PZ}, FAR,
     CLS_ON_TIME, 0, "2026-02-23T10:00", 835200, NULL, NULL},
    /* 24/02 10:00 - 835200 s = Sat 14/02 18:00 <= Mon 23/02 08:00 */
    {"766: open after a Tết pause", V766, C_RCV, C_APP, 1, N, NULL, 1, {C_PZ}, "2026-02-24T10:00",
     CLS_IN_TIME, 0, "2026-02-23T10:00", 835200, NULL, NULL},
    /* 24/02 10:00 - 928800 s = Fri 13/02 16:00 */
    {"766: stopped while paused across Tết", V766, C_RCV, C_APP, 1, CLS_END_STOPPED,
     "2026-02-24T10:00", 1, {{"2026-02-13T16:00", NULL, 1, 1, C_APP, "2026-02-24T14:00", 0}}, FAR,
     CLS_ON_TIME, 0, "2026-02-24T14:00", 928800, NULL, NULL},
    {"766: awaiting once, asked in time", V766, A_RCV, A_APP, 1, N, NULL, 1,
     {{"2026-02-24T10:00", NULL, 1, 1, A_APP, NULL, 0}}, "2026-02-27T10:00", CLS_ON_TIME, 1, A_APP,
     0, NULL, NULL},
    {"766: awaiting once, asked late", V766, A_RCV, A_APP, 1, N, NULL, 1,
     {{"2026-02-26T10:00", NULL, 1, 1, A_APP, NULL, 1}}, "2026-02-27T10:00", CLS_LATE, 1, A_APP, 0,
     NULL, NULL},
    {"766: awaiting, asked twice", V766, A_RCV, A_APP, 1, N, NULL, 2,
     {A_PZ1, {"2026-02-24T10:00", NULL, 1, 0, "2026-02-25T11:00", NULL, 0}}, "2026-02-27T10:00",
     CLS_LATE, 1, "2026-02-25T11:00", 3600, NULL, NULL},
    /* 25/02 11:30 - (3600 + 86400) s = Tue 24/02 10:30 <= Wed 25/02 10:00 */
    {"766: repeat supplement resolved, its time subtracted", V766, A_RCV, A_APP, 1, R,
     "2026-02-25T11:30", 2,
     {A_PZ1,
      {"2026-02-24T10:00", "2026-02-25T10:00", 1, 0, "2026-02-25T11:00", "2026-02-25T11:00", 0}},
     FAR, CLS_ON_TIME, 0, "2026-02-25T11:00", 90000, NULL, NULL},
    {"766: paused at T, resumed and ended after T", V766, A_RCV, A_APP, 1, R, "2026-02-26T09:00",
     1, {{"2026-02-23T10:00", "2026-02-25T10:00", 1, 1, A_APP, "2026-02-27T10:00", 0}},
     "2026-02-24T16:00", CLS_ON_TIME, 1, "2026-02-27T10:00", 172800, NULL, NULL},
    {"766: payment wait is not supplement", V766, A_RCV, A_APP, 1, R, "2026-02-26T10:00", 1,
     {{"2026-02-23T10:00", "2026-02-24T10:00", 0, 1, A_APP, "2026-02-26T10:00", 0}}, FAR,
     CLS_LATE, 0, "2026-02-26T10:00", 0, NULL, NULL},
    {"766: no appointment within max", V766, B_RCV, B_APP, 0, R, "2026-01-07T10:00", 0, NOPZ,
     "2026-01-31T10:00", CLS_ON_TIME, 0, B_APP, 0, NULL, NULL},
    /* Thu 08/01 12:00 - 86400 s = Wed 07/01 12:00 > the maximum's due Wed 07/01 10:00 */
    {"766: no appointment, counted supplement: over max", V766, B_RCV, B_APP, 0, R,
     "2026-01-08T12:00", 1, {{"2026-01-06T10:00", "2026-01-07T10:00", 1, 1, B_APP,
                              "2026-01-08T10:00", 0}},
     "2026-01-31T10:00", CLS_LATE, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    /* open at Thu 08/01 11:00: 11:00 - 86400 s = Wed 07/01 11:00 > Wed 07/01 10:00 */
    {"766: no appointment, counted supplement, open over max", V766, B_RCV, B_APP, 0, N, NULL, 1,
     {{"2026-01-06T10:00", "2026-01-07T10:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-08T11:00", CLS_OVERDUE, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    {"766: not yet received", V766, A_RCV, A_APP, 1, N, NULL, 0, NOPZ, "2026-02-01T10:00",
     CLS_NOT_COUNTED, 0, A_APP, 0, NULL, NULL},
    /* as of k (report_figures_asof): B with a counted supplement Tue 06/01 10:00 - Wed 07/01
       10:00 (due Thu 08/01 10:00), at Thu 08/01 11:00 */
    {"as of k: resume after k unknown, still paused", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-06T10:00", "2026-01-07T10:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-08T11:00", CLS_IN_TIME, 0, B_APP, 0, "2026-01-06T12:00", NULL},
    {"everything known: resumed, overdue", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-06T10:00", "2026-01-07T10:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-08T11:00", CLS_OVERDUE, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    /* A with its supplement Mon 23/02 10:00 - Tue 24/02 10:00, at Thu 26/02 12:00: known,
       26/02 12:00 - 86400 s = Wed 25/02 12:00 > 10:00; as of Mon 23/02 15:00 still awaiting */
    {"766 as of k: resume after k unknown, awaiting", V766, A_RCV, A_APP, 1, N, NULL, 1, {A_PZ},
     "2026-02-26T12:00", CLS_ON_TIME, 1, A_APP, 0, "2026-02-23T15:00", NULL},
    {"766 everything known: resumed, overdue", V766, A_RCV, A_APP, 1, N, NULL, 1, {A_PZ},
     "2026-02-26T12:00", CLS_OVERDUE, 0, "2026-02-26T10:00", 86400, NULL, NULL},
    /* B paused Wed 07/01 09:00 - Thu 08/01 09:00 (480 min: due Thu 08/01 10:00), at Wed 07/01
       11:00; as of Wed 08:00 the pause did not exist */
    {"as of k: pause requested after k did not exist", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-07T09:00", "2026-01-08T09:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-07T11:00", CLS_OVERDUE, 0, B_APP, 0, "2026-01-07T08:00", NULL},
    {"everything known: paused in time", LEGAL, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-07T09:00", "2026-01-08T09:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-07T11:00", CLS_IN_TIME, 0, "2026-01-08T10:00", 86400, NULL, NULL},
    {"766 as of k: pause requested after k did not exist", V766, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-07T09:00", "2026-01-08T09:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-07T11:00", CLS_OVERDUE, 0, B_APP, 0, "2026-01-07T08:00", NULL},
    {"766 everything known: awaiting, asked in time", V766, B_RCV, B_APP, 1, N, NULL, 1,
     {{"2026-01-07T09:00", "2026-01-08T09:00", 1, 1, B_APP, "2026-01-08T10:00", 0}},
     "2026-01-07T11:00", CLS_ON_TIME, 1, "2026-01-08T10:00", 86400, NULL, NULL},
};

#define CLS_NCASES (sizeof(CLS_CASES) / sizeof(CLS_CASES[0]))

#undef R
#undef N
#undef LEGAL
#undef V766
#undef NOPZ

/* The C input of a case as known at its horizon k: pauses requested after k dropped, those
   resolved after k open, an end after k not happened. pz holds at least 2. */
static void
cls_case_dossier(const struct cls_case *r, struct cls_pause *pz, struct cls_dossier *d)
{
    int64_t k = r->known != NULL ? T(r->known) : INT64_MAX;
    size_t n = 0;

    for (int i = 0; i < r->np; i++) {
        int64_t p = T(r->pz[i].p), s = r->pz[i].s != NULL ? T(r->pz[i].s) : DDL_OPEN;

        if (p > k)
            continue;
        pz[n].requested_at = p;
        pz[n].resolved_at = s <= k ? s : DDL_OPEN;
        pz[n].supplement = r->pz[i].supplement;
        pz[n].counted = r->pz[i].counted;
        n++;
    }
    d->received_at = T(r->received);
    d->has_appointment = r->has_appt;
    d->appointment = T(r->appointment);
    d->end_kind = r->end != NULL && T(r->end) <= k ? r->end_kind : CLS_END_NONE;
    d->end_at = d->end_kind != CLS_END_NONE ? T(r->end) : 0;
    d->pauses = pz;
    d->npauses = n;
}

/*
 * Indicator points (§8.1): min(rate / threshold, 1) × points in hundredths of a point,
 * rounded half up, from the published rate (hundredths of a percent); -1: N/A. Worked by
 * hand, e.g. 97.35 % of 100 % × 20 = 19.47; 33.33 % / 80 % × 22 = 9.16575 -> 9.17;
 * 28.13 % / 80 % × 22 = 7.735375 -> 7.74; 0.20 % / 80 % × 22 = 0.055 -> 0.06 (half up).
 */
struct cls_points_case {
    int64_t rate, threshold, points;
    int rc;
    int64_t want;
};

static const struct cls_points_case CLS_POINTS_CASES[] = {
    {9735, 10000, 20, 0, 1947},  {3333, 10000, 20, 0, 667},  {10000, 10000, 20, 0, 2000},
    {0, 10000, 20, 0, 0},        {9999, 10000, 20, 0, 2000}, {9735, 10000, 22, 0, 2142},
    {3333, 10000, 22, 0, 733},   {9735, 8000, 22, 0, 2200},  {3333, 8000, 22, 0, 917},
    {8000, 8000, 22, 0, 2200},   {7999, 8000, 22, 0, 2200},  {7990, 8000, 22, 0, 2197},
    {2813, 8000, 22, 0, 774},    {20, 8000, 22, 0, 6},       {3333, 8000, 20, 0, 833},
    {9735, 8000, 20, 0, 2000},   {-1, 10000, 20, -1, 0},     {-1, 8000, 22, -1, 0},
    {3333, 0, 22, -1, 0},
};

#define CLS_NPOINTS (sizeof(CLS_POINTS_CASES) / sizeof(CLS_POINTS_CASES[0]))

/* The same from the exact ratio num / den (cls_points_ratio, what the reports publish,
   docs/domain.md "Rates"): 4/7 × 20 = 11.43; 2/3 / 90 % × 20 = 14.8148 -> 14.81 (the rounded
   66.67 % would give 14.82); 9/32 = 28.125 % / 80 % × 22 = 7.734375 -> 7.73 (the rounded
   28.13 % above gives 7.74); 79/100 / 80 % × 22 = 21.725 -> 21.73 (half up); 7/9 / 80 % × 20 =
   19.444 -> 19.44 (the rounded 77.78 % would give 19.45). */
struct cls_points_ratio_case {
    int64_t num, den, threshold, points;
    int rc;
    int64_t want;
};

static const struct cls_points_ratio_case CLS_POINTS_RATIO_CASES[] = {
    {4, 7, 10000, 20, 0, 1143}, {2, 3, 10000, 20, 0, 1333}, {2, 3, 9000, 20, 0, 1481},
    {4, 7, 9000, 20, 0, 1270},  {9, 32, 8000, 22, 0, 773},  {79, 100, 8000, 22, 0, 2173},
    {4, 5, 8000, 22, 0, 2200},  {1, 3, 10000, 20, 0, 667},  {7, 9, 8000, 20, 0, 1944},
    {0, 5, 10000, 20, 0, 0},    {5, 5, 10000, 20, 0, 2000}, {0, 0, 10000, 20, -1, 0},
    {1, 3, 0, 20, -1, 0},       {-1, 3, 10000, 20, -1, 0},
};

#define CLS_NPOINTS_RATIO (sizeof(CLS_POINTS_RATIO_CASES) / sizeof(CLS_POINTS_RATIO_CASES[0]))

#endif
