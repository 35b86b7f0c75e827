/*
 * reaction.c - likes and dislikes of a published answer to a phản ánh, kiến nghị
 * (api/voice/voice.h; shared/domain.md §12.2 "Then likes/dislikes"; tables in
 * sql/113_pakn_reactions.sql, the count at an instant in sql/fn/60_voice.sql).
 *
 *   POST /api/v1/public/pakn/{id}/reactions         public: {"reaction": "like"|"dislike"}
 *                                                   on a published answer; one standing per
 *                                                   client address and PAKN (a change of
 *                                                   mind replaces it), rate-limited per
 *                                                   address like the lookups
 *   POST /api/v1/pakn/{id}/portal-reactions         the portal's adapter (or an
 *                                                   administrator): {"likes", "dislikes"} as
 *                                                   the national portal counts them now
 *
 * QĐ 766 5.3 counts a handled PAKN whose dislikes outnumber its likes as not "hài lòng"
 * (api/report/report_eval.c). The client's address is never stored: the voter is a hash
 * of it salted per PAKN, computed in SQL.
 */
#include "api/voice/voice.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/common/common.h"
#include "api/dossier/documents.h"
#include "core/arena.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* The public's reaction: appended only when it changes the voter's standing. */
enum { RX_ID, RX_ADDR, RX_LIKED, RX_AT, RX__N };
static const char SQL_RX_ADD[] =
    "WITH p AS (SELECT id, sha256(convert_to(reaction_salt::text || $2, 'UTF8')) AS voter"
    "  FROM pakn WHERE id = $1::bigint AND state = 6),"
    " ins AS (INSERT INTO pakn_reaction (pakn_id, voter, liked, reacted_at)"
    "  SELECT p.id, p.voter, $3::boolean, to_timestamp($4::bigint) FROM p"
    "  WHERE (SELECT r.liked FROM pakn_reaction r WHERE r.pakn_id = p.id AND r.voter = p.voter"
    "   ORDER BY r.id DESC LIMIT 1) IS DISTINCT FROM $3::boolean RETURNING 1)"
    " SELECT p.id, (SELECT count(*) FROM ins) AS added FROM p";
/* The counts after it (the second statement of the unit sees the first's row). */
static const char SQL_RX_COUNT[] =
    "SELECT rx.likes, rx.dislikes FROM pakn p"
    " CROSS JOIN LATERAL pakn_reactions_at(p.id, 'infinity') rx"
    " WHERE p.id = $1::bigint AND p.state = 6";

/* The portal's counts, reported: a published PAKN in the caller's scope. */
enum { PX_ID, PX_SCOPE, PX_LIKES, PX_DISLIKES, PX_AT, PX_ACCOUNT, PX__N };
static const char SQL_PX_ADD[] =
    "WITH p AS (SELECT id, state FROM pakn WHERE id = $1::bigint"
    "  AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, unit_id))),"
    " ins AS (INSERT INTO pakn_portal_count (pakn_id, likes, dislikes, reported_at, account_id)"
    "  SELECT id, $3::int, $4::int, to_timestamp($5::bigint), $6::bigint FROM p"
    "  WHERE state = 6 RETURNING 1)"
    " SELECT p.id, p.state, (SELECT count(*) FROM ins) AS added FROM p";
static const char SQL_PX_COUNT[] =
    "SELECT rx.likes, rx.dislikes FROM pakn p"
    " CROSS JOIN LATERAL pakn_reactions_at(p.id, 'infinity') rx"
    " WHERE p.id = $1::bigint AND ($2::bigint IS NULL OR unit_in_scope($2::bigint, p.unit_id))";

/* The {id} of the path when it is a PAKN id, else NULL after a 404. */
static const char *
path_id(struct reqctx *rc)
{
    const char *id = rc_param(rc, "id");

    if (id == NULL || id[0] == '\0' || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such feedback");
        return NULL;
    }
    return id;
}

static json_t *
counts_json(const PGresult *res, const char *id)
{
    return json_pack("{s:I, s:I, s:I}", "id", (json_int_t)strtoll(id, NULL, 10), "likes",
                     (json_int_t)strtoll(hx_col(res, 0, "likes"), NULL, 10), "dislikes",
                     (json_int_t)strtoll(hx_col(res, 0, "dislikes"), NULL, 10));
}

static void
on_reacted(struct reqctx *rc, struct db_result *r)
{
    const char **p = rc->state;
    json_t *o;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (PQntuples(r->res[0]) != 1 || PQntuples(r->res[1]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no published answer with this id");
        return;
    }
    o = counts_json(r->res[1], p[RX_ID]);
    json_object_set_new(o, "reaction",
                        json_string(strcmp(p[RX_LIKED], "true") == 0 ? "like" : "dislike"));
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, o);
}

/* POST /api/v1/public/pakn/{id}/reactions */
static void
api_pakn_react(struct reqctx *rc)
{
    static const char *const keys[] = {"reaction", NULL};
    const char *id, *v = NULL, **p;
    struct db_stmt *st;
    struct mc_err e;

    if (!api_reaction_allow(rc) || (id = path_id(rc)) == NULL)
        return;
    err_clear(&e);
    if (hx_only_keys(rc->json, keys, "", &e) != 0 ||
        jin_get_str(rc->json, "reaction", 16, 1, &v, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (v == NULL || (strcmp(v, "like") != 0 && strcmp(v, "dislike") != 0)) {
        http_reply_error(rc, (err_field(&e, ERR_VALIDATION, "reaction", "like or dislike"), &e));
        return;
    }
    p = hx_params(rc, RX__N);
    p[RX_ID] = id;
    p[RX_ADDR] = rc->client_addr;
    p[RX_LIKED] = strcmp(v, "like") == 0 ? "true" : "false";
    p[RX_AT] = hx_i64(rc, rc->now);
    st = arena_alloc(rc->arena, 2 * sizeof *st);
    st[0] = (struct db_stmt){SQL_RX_ADD, RX__N, p};
    st[1] = (struct db_stmt){SQL_RX_COUNT, 1, p};
    rc->state = p;
    api_db(rc, st, 2, on_reacted);
}

static void
on_portal(struct reqctx *rc, struct db_result *r)
{
    const char **p = rc->state;
    const PGresult *res;

    if ((res = hx_one_row(rc, r, ERR_NOT_FOUND, "no such feedback in your scope")) == NULL)
        return;
    if (strcmp(hx_col(res, 0, "added"), "1") != 0) {
        struct mc_err e;

        err_field(&e, ERR_PAKN_BAD_STATE, "id", "only a published answer has reactions");
        http_reply_error(rc, &e);
        return;
    }
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, counts_json(r->res[1], p[PX_ID]));
}

/* A count of the body: a whole number 0..10^9. */
static int
count_of(struct reqctx *rc, const char *key, const char **out, struct mc_err *e)
{
    json_t *v = json_object_get(rc->json, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000000)
        return err_field(e, ERR_VALIDATION, key, "a whole number from 0");
    *out = hx_i64(rc, json_integer_value(v));
    return 0;
}

/* POST /api/v1/pakn/{id}/portal-reactions */
static void
api_pakn_portal_reactions(struct reqctx *rc)
{
    static const char *const keys[] = {"likes", "dislikes", NULL};
    const char *id, **p;
    struct db_stmt *st;
    struct mc_err e;

    if ((id = path_id(rc)) == NULL)
        return;
    err_clear(&e);
    p = hx_params(rc, PX__N);
    if (hx_only_keys(rc->json, keys, "", &e) != 0 || count_of(rc, "likes", &p[PX_LIKES], &e) != 0 ||
        count_of(rc, "dislikes", &p[PX_DISLIKES], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[PX_ID] = id;
    p[PX_SCOPE] = hx_scope_param(rc);
    p[PX_AT] = hx_i64(rc, rc->now);
    p[PX_ACCOUNT] = hx_i64(rc, rc->who.account_id);
    st = arena_alloc(rc->arena, 2 * sizeof *st);
    st[0] = (struct db_stmt){SQL_PX_ADD, PX__N, p};
    st[1] = (struct db_stmt){SQL_PX_COUNT, 2, p};
    rc->state = p;
    api_db(rc, st, 2, on_portal);
}

const struct route API_PAKN_REACTION_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/public/pakn/{id}/reactions", api_pakn_react, 0,
     RF_PUBLIC | RF_JSON, "Public: like or dislike a published answer to a phản ánh, kiến nghị"},
    {EVHTTP_REQ_POST, "/api/v1/pakn/{id}/portal-reactions", api_pakn_portal_reactions,
     ROLE_INTEGRATION | ROLE_ADMIN, RF_JSON,
     "The national portal's likes and dislikes of a published answer, as its adapter reads them"},
    {0},
};
