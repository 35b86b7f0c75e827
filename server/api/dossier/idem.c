/*
 * idem.c - Idempotency-Key support for POST routes: exports idem_begin, idem_begin_read,
 * idem_store_stmt, idem_release, idem_fingerprint. The protocol is described in idem.h.
 */
#include "api/dossier/idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/reqctx.h"
#include "http/router.h"
#include "http/server.h"
#include "app.h"

/*
 * Claims the key, or reports the existing record. Columns: outcome ('claimed' or the
 * existing status), fingerprint, http_status, response. An empty result means a concurrent
 * claim committed after this statement's snapshot: treated as in flight.
 *
 * The claim records the PostgreSQL session that made it (pid + backend_start,
 * sql/013_idem_claim.sql). A 'running' claim is taken over when its session is gone:
 *   - it started before the current postmaster: PostgreSQL restarted since (exact);
 *   - its pid no longer runs that session: the connection closed, i.e. the motcua process
 *     that held it died. The activity table is read once per transaction, so a session
 *     that connected after that read would look absent: such a young claimant (started
 *     less than IDEM_SESSION_MARGIN ago) is not judged by this rule. A NULL backend_start
 *     (a session the role may not see) counts as alive.
 *   - or, as before, it is older than IDEM_STALE_SECONDS (fallback, e.g. rows written
 *     before 013 without a session).
 * Two retries taking over at once: ON CONFLICT DO UPDATE locks the row, and the second
 * re-evaluates the WHERE on the row the first wrote, whose session is alive - it updates
 * nothing and reports the claim 'running' (409), so only one wins.
 */
#define IDEM_SESSION_MARGIN "interval '1 second'"

/* $5 is the request's now (rc->now, Unix seconds): created_at is written and its staleness
 * judged on the server's one clock (core/clock.h). The session checks stay on PostgreSQL's
 * own clock: they compare with backend_start and the postmaster's start, which it writes. */
#define IDEM_NOW "to_timestamp($5::bigint)"

static const char IDEM_CLAIM_SQL[] =
    "WITH claim AS ("
    " INSERT INTO idempotency_key (scope, key, fingerprint, status, claim_pid,"
    "  claim_backend_start, created_at, claim_nonce)"
    " VALUES ($1, $2, $3, 'running', pg_backend_pid(),"
    "  (SELECT backend_start FROM pg_stat_get_activity(pg_backend_pid())), " IDEM_NOW ","
    "  $6::bigint)"
    " ON CONFLICT (scope, key) DO UPDATE"
    "  SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,"
    "   claim_pid = EXCLUDED.claim_pid, claim_backend_start = EXCLUDED.claim_backend_start,"
    "   claim_nonce = EXCLUDED.claim_nonce"
    "  WHERE idempotency_key.status = 'running'"
    "    AND (idempotency_key.created_at < " IDEM_NOW " - make_interval(secs => $4::int)"
    "     OR idempotency_key.claim_backend_start < pg_postmaster_start_time()"
    "     OR (idempotency_key.claim_pid IS NOT NULL"
    "      AND idempotency_key.claim_backend_start < statement_timestamp() - "
    IDEM_SESSION_MARGIN
    "      AND NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(idempotency_key.claim_pid) a"
    "       WHERE a.backend_start = idempotency_key.claim_backend_start"
    "        OR a.backend_start IS NULL)))"
    " RETURNING 'claimed'::text AS outcome, fingerprint, NULL::int AS http_status,"
    "  NULL::text AS response)"
    " SELECT outcome, fingerprint, http_status, response FROM claim"
    " UNION ALL"
    " SELECT status, fingerprint, http_status, response::text FROM idempotency_key"
    "  WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claim)";
enum claim_param {
    CLAIM_SCOPE,
    CLAIM_KEY,
    CLAIM_FINGERPRINT,
    CLAIM_STALE, /* IDEM_STALE_SECONDS */
    CLAIM_NOW,   /* IDEM_NOW */
    CLAIM_NONCE, /* idem.nonce: this claim's, required by the store statement */
    CLAIM__N
};

/* Parameters: enum idem_store_param (idem.h). */
const char IDEM_STORE_SQL[] =
    "WITH u AS (UPDATE idempotency_key SET status = 'done', http_status = $3::int,"
    " response = $4::jsonb " IDEM_STORE_WHERE " RETURNING 1)"
    " SELECT idem_claim_held((SELECT count(*) FROM u))";

static const char IDEM_RELEASE_SQL[] =
    "DELETE FROM idempotency_key WHERE scope = $1 AND key = $2 AND status = 'running'";
enum release_param { RELEASE_SCOPE, RELEASE_KEY, RELEASE__N };

/* Parameters: enum idem_purge_param (idem.h). */
const char IDEM_PURGE_SQL[] =
    "DELETE FROM idempotency_key WHERE created_at < to_timestamp($1::bigint) - interval '1 day'";

/*
 * The claim's transaction commits without waiting for its WAL flush (synchronous_commit off
 * for this transaction only): the claim is visible to other sessions at commit either way,
 * and a claim lost in a crash before the flush is harmless - the request's own write unit
 * commits synchronously later, and its flush covers the claim's WAL (WAL is sequential); if
 * that write never committed, a retry simply claims the key again. This saves one disk flush
 * per idempotent request (docs/architecture.md, "Performance").
 */
static const char IDEM_ASYNC_SQL[] = "SELECT set_config('synchronous_commit', 'off', true)";

struct idem_run {
    struct reqctx *rc;
    struct idem *im;
    idem_go_fn go;
    idem_read_fn go_read;
    int lead;              /* statements before the handler's reads: 0 (no key) or 2 */
    struct db_stmt *stmts; /* the unit: [async, claim,] reads */
    const char *params[CLAIM__N];
    char stale[12];
    char now[24]; /* rc->now, the claim's created_at */
};

void
idem_fingerprint(const char *method, const char *path, const char *body, size_t body_len,
                 char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL)
        abort(); /* out of memory: not an error path (style.md) */
    /* NUL separators so that ("a", "bc") and ("ab", "c") differ. */
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, method, strlen(method) + 1);
    EVP_DigestUpdate(ctx, path, strlen(path) + 1);
    if (body != NULL && body_len > 0)
        EVP_DigestUpdate(ctx, body, body_len);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < mdlen && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

/* Hands the reads' results to the handler: a view of r without the leading statements. */
static void
run_go(struct idem_run *run, struct db_result *r)
{
    if (run->go_read != NULL) {
        struct db_result v = *r;

        v.res += run->lead;
        v.nres -= run->lead;
        run->go_read(run->rc, run->im, &v);
    } else {
        run->go(run->rc, run->im);
    }
}

/* Column col of the claim's row, "" for SQL NULL. */
static const char *
claim_col(const PGresult *res, const char *col)
{
    return db_val(res, 0, db_col(res, col));
}

/* Same bookkeeping as api_db() (api/common/common.h), which cannot carry the run pointer. */
static void
on_claim(struct db_result *r, void *arg)
{
    struct idem_run *run = arg;
    struct reqctx *rc = run->rc;
    const PGresult *res;
    const char *outcome;

    rc->db_inflight--;
    rc->db_ns += r->elapsed_ns;
    if (rc->gone || rc->completed) {
        http_rc_release(rc);
        return;
    }
    if (r->err.code != ERR_OK) {
        /* The whole unit rolled back: no claim to release. */
        http_reply_error(rc, &r->err);
        return;
    }
    if (run->im == NULL) {
        run_go(run, r);
        return;
    }
    res = r->res[run->lead - 1];
    if (PQntuples(res) == 0) {
        http_reply_err(rc, ERR_IDEMPOTENCY_IN_FLIGHT, "key claimed concurrently");
        return;
    }
    outcome = claim_col(res, "outcome");
    if (strcmp(outcome, "claimed") == 0) {
        run_go(run, r);
        return;
    }
    if (strcmp(claim_col(res, "fingerprint"), run->im->fingerprint) != 0) {
        http_reply_err(rc, ERR_IDEMPOTENCY_MISMATCH, "the key was used with another request");
        return;
    }
    if (strcmp(outcome, "done") != 0) {
        http_reply_err(rc, ERR_IDEMPOTENCY_IN_FLIGHT, NULL);
        return;
    }
    {
        json_error_t je;
        json_t *body = json_loads(claim_col(res, "response"), 0, &je);
        int status = atoi(claim_col(res, "http_status"));

        if (body == NULL || status < 200 || status > 599) {
            json_decref(body);
            http_reply_err(rc, ERR_INTERNAL, "stored idempotent response unreadable");
            return;
        }
        rc_set_header(rc, "Idempotent-Replayed", "true");
        http_reply_json(rc, status, body);
    }
}

/* A fresh random claim nonce (62 bits, decimal) into im->nonce; returns it. */
static const char *
idem_new_nonce(struct idem *im)
{
    unsigned char b[8];
    unsigned long long v = 0;

    if (RAND_bytes(b, sizeof(b)) != 1)
        abort(); /* no randomness: not an error path (style.md) */
    for (size_t i = 0; i < sizeof(b); i++)
        v = v << 8 | b[i];
    snprintf(im->nonce, sizeof(im->nonce), "%llu", v >> 2);
    return im->nonce;
}

/* Claims the key (if any) and runs the reads, in one unit; see idem_begin_read. */
static void
claim_run(struct reqctx *rc, const struct db_stmt *reads, int nreads, idem_go_fn go,
          idem_read_fn go_read)
{
    struct idem *im = NULL;
    struct idem_run *run;
    const char *pattern;
    int n = 0;

    if (rc->idem_key != NULL) {
        /* http/server.c already refused a malformed header; this guards other callers. */
        if (!http_idem_key_valid(rc->idem_key)) {
            http_reply_err(rc, ERR_BAD_REQUEST, "%s", IDEM_KEY_RULE);
            return;
        }
        im = arena_alloc(rc->arena, sizeof(*im));
        pattern = rc->match.route != NULL ? rc->match.route->pattern : rc->path;
        snprintf(im->scope, sizeof(im->scope), "%s|%lld", pattern,
                 (long long)rc->who.account_id);
        snprintf(im->key, sizeof(im->key), "%s", rc->idem_key);
        idem_fingerprint(route_method_name(rc->method), rc->path, rc->body, rc->body_len,
                         im->fingerprint);
    } else if (nreads == 0) {
        go(rc, NULL);
        return;
    }
    run = arena_alloc(rc->arena, sizeof(*run));
    run->rc = rc;
    run->im = im;
    run->go = go;
    run->go_read = go_read;
    run->stmts = arena_alloc(rc->arena, (size_t)(nreads + 2) * sizeof(*run->stmts));
    if (im != NULL) {
        snprintf(run->stale, sizeof(run->stale), "%d", IDEM_STALE_SECONDS);
        run->params[CLAIM_SCOPE] = im->scope;
        run->params[CLAIM_KEY] = im->key;
        run->params[CLAIM_FINGERPRINT] = im->fingerprint;
        run->params[CLAIM_STALE] = run->stale;
        snprintf(run->now, sizeof(run->now), "%lld", (long long)rc->now);
        run->params[CLAIM_NOW] = run->now;
        run->params[CLAIM_NONCE] = idem_new_nonce(im);
        run->stmts[n++] = (struct db_stmt){IDEM_ASYNC_SQL, 0, NULL};
        run->stmts[n++] = (struct db_stmt){IDEM_CLAIM_SQL, CLAIM__N, run->params};
    }
    run->lead = n;
    for (int i = 0; i < nreads; i++)
        run->stmts[n++] = reads[i];
    rc->db_inflight++;
    /* Claims (with their reads) of concurrent requests share one asynchronous commit: only
       claims go in such a group, so set_config('synchronous_commit', 'off', true) there
       never reaches a durable write. */
    if (im != NULL)
        db_exec_grouped(rc->w->db, DB_GROUP_ASYNC, run->stmts, n, 0, on_claim, run);
    else
        db_exec(rc->w->db, run->stmts, n, on_claim, run);
}

void
idem_begin(struct reqctx *rc, idem_go_fn go)
{
    claim_run(rc, NULL, 0, go, NULL);
}

void
idem_begin_read(struct reqctx *rc, const struct db_stmt *reads, int nreads, idem_read_fn go)
{
    claim_run(rc, reads, nreads, NULL, go);
}

void
idem_store_stmt(struct idem *im, int status, const char *response, struct db_stmt *out)
{
    snprintf(im->status_text, sizeof(im->status_text), "%d", status);
    im->params[IDEM_STORE_SCOPE] = im->scope;
    im->params[IDEM_STORE_KEY] = im->key;
    im->params[IDEM_STORE_STATUS] = im->status_text;
    im->params[IDEM_STORE_RESPONSE] = response;
    im->params[IDEM_STORE_NONCE] = im->nonce;
    out->sql = IDEM_STORE_SQL;
    out->nparams = IDEM_STORE__N;
    out->values = im->params;
}

/*
 * The release's parameters are copied to the heap. With a reply attached (rc != NULL) the
 * request stays alive (db_inflight) until the claim is deleted, and only then is answered:
 * a client that got its error finds nothing left of its request in the database.
 */
struct idem_release_job {
    char scope[160];
    char key[IDEM_KEY_MAX + 1];
    const char *params[RELEASE__N];
    struct reqctx *rc; /* NULL: fire and forget */
    int status;        /* reply: status + body, or the error */
    json_t *body;
    struct mc_err err;
};

static void
on_released(struct db_result *r, void *arg)
{
    struct idem_release_job *j = arg;
    struct reqctx *rc = j->rc;

    (void)r; /* a failed release leaves a claim that goes stale after IDEM_STALE_SECONDS */
    if (rc != NULL) {
        rc->db_inflight--;
        if (rc->gone) {
            json_decref(j->body);
            reqctx_abandon(rc);
        } else if (j->body != NULL) {
            http_reply_json(rc, j->status, j->body);
        } else {
            http_reply_error(rc, &j->err);
        }
    }
    free(j);
}

static struct idem_release_job *
release_job(const struct idem *im)
{
    struct idem_release_job *j = xcalloc(1, sizeof(*j));

    memcpy(j->scope, im->scope, sizeof(j->scope));
    memcpy(j->key, im->key, sizeof(j->key));
    j->params[RELEASE_SCOPE] = j->scope;
    j->params[RELEASE_KEY] = j->key;
    return j;
}

void
idem_release(struct reqctx *rc, struct idem *im)
{
    struct idem_release_job *j;

    if (im == NULL)
        return;
    j = release_job(im);
    db_exec1(rc->w->db, IDEM_RELEASE_SQL, RELEASE__N, j->params, on_released, j);
}

void
idem_release_reply_error(struct reqctx *rc, struct idem *im, const struct mc_err *e)
{
    struct idem_release_job *j;

    /* MC409 (sql/117): the claim is another attempt's now; it is not ours to release. */
    if (im == NULL || e->code == ERR_IDEMPOTENCY_IN_FLIGHT) {
        http_reply_error(rc, e);
        return;
    }
    j = release_job(im);
    j->rc = rc;
    j->err = *e;
    rc->db_inflight++;
    db_exec1(rc->w->db, IDEM_RELEASE_SQL, RELEASE__N, j->params, on_released, j);
}

void
idem_release_reply_json(struct reqctx *rc, struct idem *im, int status, json_t *body)
{
    struct idem_release_job *j;

    if (im == NULL) {
        http_reply_json(rc, status, body);
        return;
    }
    j = release_job(im);
    j->rc = rc;
    j->status = status;
    j->body = body;
    rc->db_inflight++;
    db_exec1(rc->w->db, IDEM_RELEASE_SQL, RELEASE__N, j->params, on_released, j);
}
