/*
 * dossier.c - the dossier API's route table (API_DOSSIER_ROUTES) and the dapi_ helpers
 * (dossier_int.h) shared by dossier_receive.c (reception), dossier_write.c (transitions),
 * dossier_reproject.c (calendar re-projection) and dossier_read.c (one dossier, timeline,
 * explanation, list).
 * See api/dossier/dossier.h.
 */
#include "api/dossier/dossier.h"

#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/rand.h>

#include "api/common/common.h"
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "domain/cal.h"
#include "domain/dfold.h"
#include "domain/dossier.h"
#include "http/jin.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/reqctx.h"
#include "http/router.h"

/*
 * Reads: every staff role and integration clients (their scope is their unit subtree).
 * Writes: the roles of each transition are checked against domain.md §3 by
 * dossier_transition_check(); the route lets in every role that performs at least one.
 */
#define DOSSIER_WRITERS (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_INTEGRATION)
#define DOSSIER_READERS (ROLE_STAFF | ROLE_INTEGRATION)

const struct route API_DOSSIER_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/dossiers", api_dossier_create,
     ROLE_CLERK | ROLE_INTEGRATION, RF_JSON | RF_IDEMPOTENT,
     "Receive, refuse or guide a dossier at the counter; online intake"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers", api_dossier_list, DOSSIER_READERS, 0,
     "List dossiers in scope with filters and keyset pagination"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}", api_dossier_get, DOSSIER_READERS, 0,
     "A dossier: state, deadlines, pauses, steps, classification now"},
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/events", api_dossier_event, DOSSIER_WRITERS,
     RF_JSON | RF_IDEMPOTENT, "Record a transition (expected_version required)"},
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/lookup-secret", api_dossier_reissue_secret,
     ROLE_CLERK | ROLE_INTEGRATION, RF_JSON | RF_IDEMPOTENT,
     "Reissue the applicant's lookup secret (the old one stops working)"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/events", api_dossier_events, DOSSIER_READERS, 0,
     "The dossier's timeline"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/deadline/explain", api_dossier_explain,
     DOSSIER_READERS, 0, "Why the appointment is where it is: skipped and worked days"},
    {0, NULL, NULL, 0, 0, NULL},
};
/* Rows before the terminating zero row (api.h). */
const size_t API_DOSSIER_NROUTES = sizeof(API_DOSSIER_ROUTES) / sizeof(API_DOSSIER_ROUTES[0]) - 1;

/* ---------------------------------------------------------------- write helpers */

/* The lookup secret printed on the receipt (domain.md §9): 10 characters from an
 * alphabet without look-alikes (no 0/O, 1/I/L), ~49 bits. Only its hash is stored. */
int
dapi_make_secret(char *out)
{
    static const char ALPHA[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    unsigned char r[SECRET_LEN];

    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    for (int i = 0; i < SECRET_LEN; i++)
        out[i] = ALPHA[r[i] % (sizeof(ALPHA) - 1)];
    out[SECRET_LEN] = '\0';
    return 0;
}

/* Thin names of the domain's clock start (domain/dfold.h), kept for the re-projection and
   the calendar modules. */
int
dapi_duration(const char *unit, int value, int cutoff, struct ddl_duration *d,
                 struct mc_err *e)
{
    return dfold_duration(unit, value, cutoff, d, e);
}

int
dapi_start_clock(const struct ddl_axis *ax, int64_t t, const struct ddl_duration *d,
                    int max_minutes, int64_t *appointment, int64_t *due, struct mc_err *e)
{
    return dfold_start_clock(ax, t, d, max_minutes, appointment, due, e);
}

int
dapi_calendar_proposed(const struct ddl_axis *ax, int64_t from, const int64_t *to, size_t n)
{
    int64_t last = 0;

    for (size_t i = 0; i < n; i++)
        if (to[i] > last)
            last = to[i];
    if (from == 0 || last == 0)
        return 0;
    return wcal_crosses_proposed(ax->cal, cal_local_day(from), cal_local_day(last));
}

/* Documents [{name, kind original|copy, count}] (Mẫu 01 "thành phần hồ sơ"). */
int
dapi_check_documents(json_t *docs, struct mc_err *e)
{
    size_t i;
    json_t *d;

    if (docs == NULL || json_is_null(docs))
        return 0;
    if (!json_is_array(docs) || json_array_size(docs) > 200)
        return err_field(e, ERR_VALIDATION, "documents", "an array of at most 200 items");
    json_array_foreach(docs, i, d)
    {
        const char *name = NULL, *kind = NULL;
        int64_t count = 1;

        if (!json_is_object(d)) {
            err_set(e, ERR_VALIDATION, "item %zu is not an object", i);
            return jin_field_at(e, "documents", i);
        }
        if (jin_get_str(d, "name", 300, 1, &name, e) < 0 ||
            jin_get_str(d, "kind", 16, 0, &kind, e) < 0 ||
            jin_get_int(d, "count", 1, 100, 0, &count, e) < 0)
            return jin_field_at(e, "documents", i);
        if (kind != NULL && strcmp(kind, "original") != 0 && strcmp(kind, "copy") != 0) {
            err_field(e, ERR_VALIDATION, "kind", "kind is original or copy");
            return jin_field_at(e, "documents", i);
        }
    }
    return 0;
}

/*
 * The cases of a version [{code, name, duration_value, duration_unit,
 * online_duration_value?, online_duration_unit?, cutoff_minute?}] (api/catalog/catalog.h "Version
 * JSON") as the domain reads them (domain/dfold.h); strings point into cases.
 */
size_t
dapi_cases(struct reqctx *rc, json_t *cases, const struct dfold_case **out)
{
    struct dfold_case *l = arena_calloc(rc->arena, json_array_size(cases) + 1, sizeof(*l));
    size_t i;
    json_t *c;

    json_array_foreach(cases, i, c)
    {
        json_t *code = json_object_get(c, "code"), *cut = json_object_get(c, "cutoff_minute");

        l[i].code = json_is_string(code) ? json_string_value(code) : NULL;
        l[i].name = json_string_value(json_object_get(c, "name"));
        l[i].unit = json_string_value(json_object_get(c, "duration_unit"));
        l[i].value = (int)json_integer_value(json_object_get(c, "duration_value"));
        l[i].online_unit = json_string_value(json_object_get(c, "online_duration_unit"));
        l[i].online_value = (int)json_integer_value(json_object_get(c, "online_duration_value"));
        l[i].cutoff = json_is_integer(cut) ? (int)json_integer_value(cut) : -1;
    }
    *out = l;
    return json_array_size(cases);
}

/*
 * Received documents must be components of the version (thành phần hồ sơ, domain.md §2)
 * when the version lists any: same name, compared exactly.
 */
int
dapi_check_components(json_t *docs, json_t *components, struct mc_err *e)
{
    size_t i, k;
    json_t *d, *c;

    if (!json_is_array(docs) || !json_is_array(components) || json_array_size(components) == 0)
        return 0;
    json_array_foreach(docs, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        int found = 0;

        json_array_foreach(components, k, c)
        {
            json_t *cn = json_object_get(c, "name");

            if (name != NULL && json_is_string(cn) && strcmp(json_string_value(cn), name) == 0) {
                found = 1;
                break;
            }
        }
        if (!found) {
            err_set(e, ERR_VALIDATION, "not a component of the procedure version");
            return jin_field_at(e, "documents", i);
        }
    }
    return 0;
}

static void
wreq_free_resp(void *p)
{
    struct dapi_wreq *w = p;

    json_decref(w->resp);
}

/* The claim's continuation: rc->state points at the request's struct dapi_wreq. */
static void
wreq_go(struct reqctx *rc, struct idem *im, struct db_result *r)
{
    struct dapi_wreq *w = rc->state;

    w->im = im;
    w->on_read(rc, r);
}

void
dapi_wreq_read(struct reqctx *rc, struct dapi_wreq *w, const struct db_stmt *read,
                  hx_db_cb on_read)
{
    w->on_read = on_read;
    arena_defer(rc->arena, wreq_free_resp, w);
    idem_begin_read(rc, read, 1, wreq_go);
}

void
dapi_wreq_store(struct reqctx *rc, const struct dapi_wreq *w, int status, int withheld,
                   struct db_stmt *out)
{
    json_t *stored = json_deep_copy(w->resp);

    if (withheld)
        json_object_set_new(stored, "lookup_secret_withheld", json_true());
    idem_store_stmt(w->im, status, hx_json_text(rc, stored), out);
    json_decref(stored);
}
