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

/* Query texts (dossier_sql.c). Parameters are listed beside each one there. */
extern const char DSQL_RECEPTION_CTX[];
extern const char DSQL_INSERT_DOSSIER[];
extern const char DSQL_INSERT_FIRST_EVENT[];
extern const char DSQL_IDEM_STORE_NEW[];
extern const char DSQL_IDEM_STORE_GUIDANCE[];
extern const char DSQL_INSERT_GUIDANCE[];
extern const char DSQL_FOR_UPDATE[];
extern const char DSQL_INSERT_EVENT[];
extern const char DSQL_UPDATE_PROJECTION[];
extern const char DSQL_PAUSE_INSERT[];
extern const char DSQL_PAUSE_RESOLVE[];
extern const char DSQL_STEP_CLOSE[];
extern const char DSQL_STEP_INSERT[];
extern const char DSQL_STEP_ASSIGN[];
extern const char DSQL_CURRENT_VERSION[];
extern const char DSQL_REISSUE_SECRET[];
extern const char DSQL_GET[];
extern const char DSQL_EVENTS[];
extern const char DSQL_LIST[];
/* The same-day cut-off of a dossier d of version pv: its case's when it has one, like its
   stored duration (domain.md §2); "cutoff_minute" (SQL fragment of a select list). */
#define DSQL_CUTOFF_MINUTE                                                                     \
    " CASE WHEN d.case_code IS NULL THEN pv.cutoff_minute"                                     \
    "  ELSE (SELECT (c->>'cutoff_minute')::int FROM jsonb_array_elements(pv.cases) c"          \
    "   WHERE c->>'code' = d.case_code LIMIT 1) END AS cutoff_minute"

extern const char DSQL_REPROJECT_SELECT[];

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
