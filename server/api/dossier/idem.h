/*
 * idem.h - Idempotency-Key for POST routes (schema.md "POST accepts Idempotency-Key";
 * table idempotency_key in sql/011_dossier.sql). Reusable by any handler.
 *
 * Protocol, after Stripe's and the IETF draft "The Idempotency-Key HTTP Header Field":
 *   - the key is scoped to the route pattern and the calling account, so two clients never
 *     share a key space;
 *   - the request's fingerprint is SHA-256 of method, path and body;
 *   - idem_begin() claims the key (status 'running') in its own small unit, then calls the
 *     handler's continuation; a request without the header goes straight on (im == NULL);
 *     idem_begin_read() puts the handler's reads in the same unit (one round trip); the
 *     claim's transaction does not wait for its WAL flush (idem.c, IDEM_ASYNC_SQL);
 *   - the handler puts idem_store_stmt() into the SAME unit of work as its writes, so the
 *     stored response commits or rolls back with them (no response recorded for work that
 *     did not happen, and no work without its response);
 *   - when the handler fails instead (any error reply), it calls idem_release(), which
 *     deletes the claim so that a corrected retry with the same key can run; errors are
 *     therefore not replayed (a documented choice: a 409 VERSION_CONFLICT retried with the
 *     same key is evaluated again);
 *   - a retry with the same key and the same fingerprint gets the stored status and body,
 *     with the header "Idempotent-Replayed: true"; a different fingerprint gets 422
 *     IDEMPOTENCY_KEY_REUSED; a claim still running gets 409 IDEMPOTENCY_IN_FLIGHT;
 *   - a claim left 'running' by a crashed process is taken over as soon as the PostgreSQL
 *     session that made it is gone (the process died and its connections closed, or
 *     PostgreSQL restarted: columns claim_pid/claim_backend_start, sql/013_idem_claim.sql),
 *     and in any case after IDEM_STALE_SECONDS.
 * Rows older than a day may be deleted with IDEM_PURGE_SQL (housekeeping).
 */
#ifndef MOTCUA_API_IDEM_H
#define MOTCUA_API_IDEM_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"
#include "http/idem_key.h" /* IDEM_KEY_MAX, http_idem_key_valid: the one rule for the header */

struct reqctx;

#define IDEM_STALE_SECONDS 60

/* The parameters of the store statement IDEM_STORE_SQL (below) and its variants. */
enum idem_store_param {
    IDEM_STORE_SCOPE,
    IDEM_STORE_KEY,
    IDEM_STORE_STATUS,   /* HTTP status */
    IDEM_STORE_RESPONSE, /* JSON text */
    IDEM_STORE_NONCE,    /* the claim's nonce (sql/117) */
    IDEM_STORE__N
};

struct idem {
    char scope[160];        /* "<route pattern>|<account id>" */
    char key[IDEM_KEY_MAX + 1];
    char fingerprint[65];   /* SHA-256 hex */
    char status_text[8];    /* buffer for idem_store_stmt's status parameter */
    char nonce[24];         /* this request's claim (sql/117), set when it is claimed */
    const char *params[IDEM_STORE__N]; /* parameters of the store statement */
};

/* Continuation: im is NULL when the request carries no Idempotency-Key. */
typedef void (*idem_go_fn)(struct reqctx *rc, struct idem *im);

/*
 * Starts key handling for rc (uses rc->idem_key, rc->match.route->pattern, rc->who,
 * rc->body). Either replies itself (replay, 422, 409, 400 for a malformed key, 503) or
 * calls go(rc, im) exactly once, from the loop. im lives in rc->arena.
 */
void idem_begin(struct reqctx *rc, idem_go_fn go);

/* Continuation of idem_begin_read: r holds the results of the reads only (r->res[0] is the
   first read's), valid during the call; r->err is always ERR_OK (a failed unit is answered
   by idem itself: nothing was claimed, nothing is to release). */
typedef void (*idem_read_fn)(struct reqctx *rc, struct idem *im, struct db_result *r);

/*
 * As idem_begin, but the handler's read statements (reads[0..nreads-1], e.g. everything it
 * needs before its write unit) go in the same pipelined unit as the claim: one round trip
 * instead of two. The reads run whatever the claim's outcome; their results reach go only
 * when the key was claimed (or there is no key). reads and their values must stay valid
 * until go runs (rc->arena).
 */
void idem_begin_read(struct reqctx *rc, const struct db_stmt *reads, int nreads,
                     idem_read_fn go);

/*
 * Fills *out with the statement that records the response (status + JSON text) for the
 * key; put it in the handler's unit of work. response must stay valid until the unit's
 * callback (allocate it in rc->arena).
 */
void idem_store_stmt(struct idem *im, int status, const char *response, struct db_stmt *out);

/*
 * The store statement. A handler whose response holds a value known only inside its unit
 * (the dossier code drawn from the gap-free sequence) writes its own variant with the same
 * parameters.
 */
extern const char IDEM_STORE_SQL[]; /* parameters: enum idem_store_param above */
/*
 * The key of a store statement (IDEM_STORE_SQL and its variants): still 'running' under this
 * request's claim. The variants are `WITH u AS (UPDATE idempotency_key SET ... `
 * IDEM_STORE_WHERE ` RETURNING 1) SELECT idem_claim_held((SELECT count(*) FROM u))`, so a
 * write whose claim was released or taken over meanwhile raises MC409 and rolls back whole
 * (sql/117; the pool maps it to ERR_IDEMPOTENCY_IN_FLIGHT).
 */
#define IDEM_STORE_WHERE                                                                           \
    "WHERE scope = $1 AND key = $2 AND status = 'running' AND claim_nonce = $5::bigint"

/* Deletes the claim after a failed request (fire and forget; safe if rc goes away). */
void idem_release(struct reqctx *rc, struct idem *im);

/*
 * Deletes the claim, then replies with the error e (or status + body, which it owns): a
 * refused request is answered only once nothing of it is left in the database. With
 * im == NULL it replies at once.
 */
void idem_release_reply_error(struct reqctx *rc, struct idem *im, const struct mc_err *e);
void idem_release_reply_json(struct reqctx *rc, struct idem *im, int status, json_t *body);

/* Fingerprint of method + path + body into hex[65]. */
void idem_fingerprint(const char *method, const char *path, const char *body, size_t body_len,
                      char *hex);

/* Deletes records older than one day. */
extern const char IDEM_PURGE_SQL[];
enum idem_purge_param {
    IDEM_PURGE_NOW, /* Unix seconds (rc->now or clock_now()), the clock of created_at */
    IDEM_PURGE__N
};

#endif
