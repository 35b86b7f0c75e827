/*
 * dossier_int.h - what the files of server/api/dossier/ share (dapi_): the query texts
 * (dossier_sql.c), the clock start, documents and cases of a version, the idempotent
 * write request. The generic helpers (hx_) are in api/common/common.h. Not a contract with
 * other engineers: see api/dossier/dossier.h for that.
 */
#ifndef MOTCUA_API_DOSSIER_INT_H
#define MOTCUA_API_DOSSIER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"
#include "api/common/common.h"
#include "domain/ddl.h"

struct reqctx;
struct worker;

/*
 * Query texts (dossier_sql.c). Beside each one, the enum of its parameters in $n order
 * (the first member is $1) and their count (api/common/common.h, "named parameters").
 */

/* Everything a reception needs before its unit of work. */
extern const char DSQL_RECEPTION_CTX[];
enum rctx_param {
    RCTX_PROCEDURE,   /* procedure code */
    RCTX_DAY,         /* local reception date */
    RCTX_CLERK_UNIT,  /* the caller's unit id */
    RCTX_RESOLVING,   /* resolving unit code, NULL: the first liên thông leg's, else the
                         receiving unit */
    RCTX_RECEIVING,   /* receiving unit code of an integration client (in its scope) or NULL */
    RCTX__N
};

/* The dossier row, its code drawn in the unit unless INSD_EXT_CODE brings one. */
extern const char DSQL_INSERT_DOSSIER[];
enum insd_param {
    INSD_UNIT_ID,     /* receiving unit id */
    INSD_DAY,         /* local reception date (the code sequence's day) */
    INSD_UNIT_CODE,
    INSD_YYMMDD,
    INSD_PROVINCE,
    INSD_PROCEDURE_ID,
    INSD_VERSION_ID,
    INSD_CASE,
    INSD_RESOLVING_ID,
    INSD_CHANNEL,
    INSD_STATE,
    INSD_REGIME,
    INSD_APPLICANT,   /* JSON */
    INSD_FOLD,        /* folded applicant name (search) */
    INSD_DOCUMENTS,   /* JSON */
    INSD_SETS,
    INSD_RETURN_METHOD,
    INSD_DURATION_VALUE,
    INSD_DURATION_UNIT,
    INSD_SUBMITTED_AT,
    INSD_RECEIVED_AT,
    INSD_APPOINTMENT_AT,
    INSD_LEGAL_DUE_AT,
    INSD_HAS_APPOINTMENT,
    INSD_MAX_MINUTES,
    INSD_SECRET_HASH, /* lookup secret hash */
    INSD_EXT_CODE,    /* a code brought by an integration client, NULL: drawn */
    INSD__N
};

/*
 * The actor block of the event inserts (DSQL_INSERT_FIRST_EVENT, DSQL_INSERT_EVENT): when,
 * who (account, login, role, unit), from where (request id, client address) and the
 * payload, bound by dapi_bind_actor. A statement's enum names the first ACT__N-long block
 * (X_ACTOR), and its next member is X_ACTOR + ACT__N (as RQ_SCOPE__N, api/report).
 */
enum act_param {
    ACT_OCCURRED_AT,
    ACT_ACCOUNT,      /* actor account id */
    ACT_LOGIN,
    ACT_ROLE,
    ACT_UNIT,         /* actor unit id, NULL without one */
    ACT_REQUEST_ID,
    ACT_CLIENT,       /* client address */
    ACT_PAYLOAD,      /* JSON */
    ACT__N
};

/* Event 1 of the dossier just inserted in this transaction. */
extern const char DSQL_INSERT_FIRST_EVENT[];
enum fev_param { FEV_TYPE, FEV_ACTOR, FEV__N = FEV_ACTOR + ACT__N };
_Static_assert(FEV_ACTOR + ACT_PAYLOAD == 8 && FEV__N == 9,
               "DSQL_INSERT_FIRST_EVENT: the payload is $9, of 9");

/* The idempotent responses of a reception and of a guidance: the parameters of
   IDEM_STORE_SQL (enum idem_store_param, api/dossier/idem.h). */
extern const char DSQL_IDEM_STORE_NEW[];
extern const char DSQL_IDEM_STORE_GUIDANCE[];

/* A reception_guidance row (Mẫu 02). */
extern const char DSQL_INSERT_GUIDANCE[];
enum guid_param {
    GUID_PROVINCE,
    GUID_UNIT_ID,
    GUID_PROCEDURE_ID,
    GUID_VERSION_ID,
    GUID_REGIME,
    GUID_CHANNEL,
    GUID_APPLICANT,   /* JSON */
    GUID_FOLD,
    GUID_DOCUMENTS,   /* JSON */
    GUID_MISSING,     /* JSON */
    GUID_NOTE,
    GUID_GUIDED_AT,
    GUID_ACCOUNT,
    GUID_LOGIN,
    GUID_REQUEST_ID,
    GUID__N
};

/* Everything a transition needs, the dossier row locked. */
extern const char DSQL_FOR_UPDATE[];
enum fu_param {
    FU_CODE,
    FU_SCOPE,         /* scope root, NULL: all */
    FU_TO_UNIT,       /* target unit code or NULL */
    FU_OFFICIAL,      /* official login or NULL */
    FU_DAY,           /* local date of the event (a state-1 receive: the reception date,
                         which picks the version in force then) */
    FU__N
};

/* The event of a transition (its seq guards concurrent writers). */
extern const char DSQL_INSERT_EVENT[];
enum iev_param {
    IEV_DOSSIER,
    IEV_PROVINCE,
    IEV_SEQ,
    IEV_TYPE,
    IEV_FROM,
    IEV_TO,
    IEV_ACTOR,
    IEV_CODE = IEV_ACTOR + ACT__N, /* the dossier code (aggregateid) */
    IEV__N
};
_Static_assert(IEV_ACTOR + ACT_PAYLOAD == 13 && IEV_CODE == 14 && IEV__N == 15,
               "DSQL_INSERT_EVENT: the payload is $14, the code $15");

/* The new projection, guarded by the version read. */
extern const char DSQL_UPDATE_PROJECTION[];
enum proj_param {
    PROJ_ID,
    PROJ_EXPECTED,    /* the version read */
    PROJ_STATE,
    PROJ_VERSION,     /* the new version */
    PROJ_CURRENT_UNIT,
    PROJ_OFFICIAL,
    PROJ_RECEIVED_AT,
    PROJ_APPOINTMENT_AT,
    PROJ_LEGAL_DUE_AT,
    PROJ_NEW_APPOINTMENT_AT,
    PROJ_APOLOGY_LATE,
    PROJ_PAUSED_SINCE,
    PROJ_PAUSED_MINUTES,
    PROJ_SUPPLEMENT_REQUESTS,
    PROJ_SUPPLEMENT_SECONDS,
    PROJ_FIRST_SUPPLEMENT_AT,
    PROJ_ENDED_AT,
    PROJ_END_STATE,
    PROJ_OUTCOME,
    PROJ_RETURNED_AT,
    PROJ_VERSION_ID,  /* procedure version id, NULL keeps it */
    PROJ_DURATION_VALUE,
    PROJ_DURATION_UNIT,
    PROJ_HAS_APPOINTMENT,
    PROJ_MAX_MINUTES,
    PROJ_SECRET_HASH, /* lookup secret hash, NULL keeps it */
    PROJ_REGIME,
    PROJ__N
};

/* A pause opened. */
extern const char DSQL_PAUSE_INSERT[];
enum pins_param {
    PINS_DOSSIER,
    PINS_N,
    PINS_PROVINCE,
    PINS_REASON,
    PINS_REQUESTED_AT,
    PINS_COUNTED,
    PINS_REPEAT,
    PINS_WAS_LATE,
    PINS_DUE_BEFORE,
    PINS_DETAIL,      /* JSON */
    PINS__N
};

/* The open pause resolved. */
extern const char DSQL_PAUSE_RESOLVE[];
enum pres_param { PRES_DOSSIER, PRES_N, PRES_RESOLVED_AT, PRES_MINUTES, PRES_DUE_AFTER, PRES__N };

/* The open steps closed. */
extern const char DSQL_STEP_CLOSE[];
enum sclose_param { SCLOSE_DOSSIER, SCLOSE_ENDED_AT, SCLOSE__N };

/* A step (or liên thông leg) opened. */
extern const char DSQL_STEP_INSERT[];
enum sins_param {
    SINS_DOSSIER,
    SINS_N,
    SINS_PROVINCE,
    SINS_KIND,        /* "step" or "leg" */
    SINS_UNIT_ID,
    SINS_NAME,
    SINS_OFFICIAL,
    SINS_PLANNED_MINUTES,
    SINS_STARTED_AT,
    SINS_PLANNED_END_AT,
    SINS__N
};

/* The open step assigned to an official. */
extern const char DSQL_STEP_ASSIGN[];
enum sassign_param { SASSIGN_DOSSIER, SASSIGN_OFFICIAL, SASSIGN__N };

/* State and version of a dossier by id. */
extern const char DSQL_CURRENT_VERSION[];
enum curv_param { CURV_DOSSIER, CURV__N };

/* A new lookup secret hash, guarded by the version read. */
extern const char DSQL_REISSUE_SECRET[];
enum reissue_param { REISSUE_ID, REISSUE_EXPECTED, REISSUE_VERSION, REISSUE_HASH, REISSUE__N };

/* One dossier, and its timeline, for reading: the same parameters. */
extern const char DSQL_GET[];
extern const char DSQL_EVENTS[];
enum dread_param { DREAD_CODE, DREAD_SCOPE /* scope root, NULL: all */, DREAD__N };

/* The list (filters, keyset page). */
extern const char DSQL_LIST[];
enum dl_param {
    DL_SCOPE,         /* scope root, NULL: all */
    DL_UNIT,          /* ?unit= code */
    DL_SUB_UNITS,     /* include sub-units (boolean) */
    DL_PROCEDURE,
    DL_FIELD,
    DL_CHANNEL,
    DL_STATE,
    DL_CLASS,
    DL_RECEIVED_FROM, /* dates, inclusive */
    DL_RECEIVED_TO,
    DL_DUE_FROM,
    DL_DUE_TO,
    DL_ENDED_FROM,
    DL_ENDED_TO,
    DL_Q,             /* folded search text */
    DL_CURSOR_K,      /* cursor instant */
    DL_CURSOR_ID,
    DL_LIMIT,
    DL_NOW,           /* the request's clock: open dossiers are classified at it */
    DL__N
};
/* The same-day cut-off of a dossier d of version pv: its case's when it has one, like its
   stored duration (domain.md §2); "cutoff_minute" (SQL fragment of a select list). */
#define DSQL_CUTOFF_MINUTE                                                                     \
    " CASE WHEN d.case_code IS NULL THEN pv.cutoff_minute"                                     \
    "  ELSE (SELECT (c->>'cutoff_minute')::int FROM jsonb_array_elements(pv.cases) c"          \
    "   WHERE c->>'code' = d.case_code LIMIT 1) END AS cutoff_minute"

/* Open dossiers whose remaining window crosses a range of local dates. */
extern const char DSQL_REPROJECT_SELECT[];
enum rsel_param { RSEL_FROM, RSEL_TO, RSEL__N };

/* Placeholder for the dossier code in responses stored before the code is drawn. Only
 * RFC 3986 unreserved characters, so that it passes unchanged through the URL encoding of
 * the lookup address (doc_lookup_url) and is replaced there too. */
#define DOSSIER_CODE_MARK "~~DOSSIER-CODE~~"

/* Appointment of the dossier code: "000.00.12.H56-260225-0001" fits easily. */
#define DOSSIER_CODE_MAX 64

/* domain.md §3: an event may not be dated more than 5 minutes in the future. */
#define FUTURE_SLACK 300
/* Length of the lookup secret printed on the receipt. */
#define SECRET_LEN 10

struct ddl_duration;

/* A new lookup secret (SECRET_LEN characters + NUL); -1 without randomness. */
int dapi_make_secret(char *out);
/* Duration of a procedure version's columns: dfold_duration (domain/dfold.h). */
int dapi_duration(const char *unit, int value, int cutoff, struct ddl_duration *d,
                     struct mc_err *e);
/* Appointment (0 without one) and due instant of a reception at t: dfold_start_clock. */
int dapi_start_clock(const struct ddl_axis *ax, int64_t t, const struct ddl_duration *d,
                        int max_minutes, int64_t *appointment, int64_t *due, struct mc_err *e);
/*
 * calendar_proposed (issue 15 part 3, docs/domain.md "Proposed days"): 1 when a proposed
 * (not announced) day lies between the local day of `from` (the reception) and that of the
 * latest of the deadlines to[0..n) (0 = none), inclusive: the appointment is a guess.
 */
int dapi_calendar_proposed(const struct ddl_axis *ax, int64_t from, const int64_t *to,
                              size_t n);
/*
 * The actor block of an event insert into v[ACT_OCCURRED_AT .. ACT_PAYLOAD] (v points at
 * the statement's X_ACTOR): occurred at `at`, by the caller (rc->who), from rc's request id
 * and client address, with payload as text (the caller keeps its reference). Strings in
 * rc's arena or borrowed from rc.
 */
void dapi_bind_actor(struct reqctx *rc, const char **v, int64_t at, json_t *payload);
/* 1 when m names a way of returning the result (counter, post, online), else 0. */
int dapi_return_method_ok(const char *m);
/* Validates documents [{name, kind original|copy, count}]. */
int dapi_check_documents(json_t *docs, struct mc_err *e);
/* The cases of a version's JSON as the domain reads them (array in the arena, strings
   pointing into cases); their count. */
struct dfold_case;
size_t dapi_cases(struct reqctx *rc, json_t *cases, const struct dfold_case **out);
/* 422 VALIDATION_FAILED (field documents[i]) for a received document that is not one of
 * the version's components, when the version lists components. */
int dapi_check_components(json_t *docs, json_t *components, struct mc_err *e);

/*
 * What a write request (struct rec of dossier_receive.c, struct ev of dossier_write.c)
 * carries from the idempotency claim to the reply. It is the FIRST member of those
 * structs, so rc->state, which points at the struct, points at it too (C11 6.7.2.1).
 */
struct idem;
struct dapi_wreq {
    struct idem *im;        /* the claim, NULL without an Idempotency-Key */
    json_t *resp;           /* the reply; released with the request's arena */
    hx_db_cb on_read;  /* continues with the reads' results */
};

/*
 * Claims the key with the read statement in the same unit (idem_begin_read) and continues
 * with w->on_read = on_read; w->resp is released with the arena.
 */
void dapi_wreq_read(struct reqctx *rc, struct dapi_wreq *w, const struct db_stmt *read,
                       hx_db_cb on_read);
/*
 * The store statement of the claim for the reply w->resp with status: the stored copy
 * carries "lookup_secret_withheld": true when withheld (the secret is never stored, only
 * its hash; a replay says so instead of showing it again).
 */
void dapi_wreq_store(struct reqctx *rc, const struct dapi_wreq *w, int status,
                        int withheld, struct db_stmt *out);
/* Handlers (dossier_receive.c, dossier_write.c, dossier_read.c). */
void api_dossier_create(struct reqctx *rc);
void api_dossier_event(struct reqctx *rc);
void api_dossier_reissue_secret(struct reqctx *rc);
void api_dossier_get(struct reqctx *rc);
void api_dossier_events(struct reqctx *rc);
void api_dossier_explain(struct reqctx *rc);
void api_dossier_list(struct reqctx *rc);

#endif
