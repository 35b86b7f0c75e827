/*
 * fuzz_http_request.c - libFuzzer harness over the request path, without a network:
 * an input is "<method byte><target>\n<body>" and goes through what server.c does
 * with a request before a handler's database calls:
 *   - the request target is parsed as evhttp does (evhttp_uri_parse_with_flags,
 *     EVHTTP_URI_NONCONFORMANT), the path percent-decoded (evhttp_uridecode) and matched
 *     against the REAL route table (api_routes_build, every module's rows), the query
 *     split into parameters (evhttp_parse_query_str) and each value decoded;
 *   - every path parameter named "code" goes through the dossier / unit / procedure code
 *     parsers (domain/code.h), since handlers look dossiers up by it;
 *   - the body is parsed with the server's limits (jin_parse_strict) and, when it is an
 *     object, read with the getters and limits of the dossier handlers (reception:
 *     applicant.name 200, id_number 20, address 300, procedure 40, reason 2000, channel
 *     1..3, received_at; transition: type 32, expected_version, occurred_at,
 *     new_appointment, step 200, minutes), the Idempotency fingerprint taken.
 * Invariants (abort() on violation): route_match's contract (router.h); a string a getter
 * returns is valid UTF-8, NFC (jin_nfc gives the same bytes) and within its limit in
 * code points, with no control character but TAB/LF/CR; a failing getter names its field;
 * a parsed instant or date formats and parses back to the same value; a parsed dossier
 * code re-made from its parts is the same text.
 *
 * Not covered (not separable from the handlers' database calls and struct reqctx):
 * the handlers' own parse_reception/parse_event (static in api/dossier/dossier_write.c), which
 * need rc->who; the authentication hook. Seeds: tests/fuzz/corpus/fuzz_http_request/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h> /* TAILQ_* over evkeyvalq */

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/code.h"
#include "http/jin.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct app APP;
static int BUILT;

static const int METHODS[] = {EVHTTP_REQ_GET,   EVHTTP_REQ_HEAD,   EVHTTP_REQ_POST,
                              EVHTTP_REQ_PUT,   EVHTTP_REQ_PATCH,  EVHTTP_REQ_DELETE,
                              EVHTTP_REQ_OPTIONS};

/* Control characters jin_get_str must have refused (http/jin.h). */
static int
has_bad_control(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return 1;
    }
    return 0;
}

static void
check_str(json_t *obj, const char *name, size_t maxlen, struct arena *a)
{
    const char *out = NULL;
    struct mc_err e;
    int rv;

    err_clear(&e);
    rv = jin_get_str(obj, name, maxlen, 0, &out, &e);
    if (rv == 1) {
        char *n;

        if (out == NULL || !jin_utf8_valid(out, strlen(out)) || has_bad_control(out))
            abort();
        if (maxlen != 0 && jin_utf8_len(out) > maxlen)
            abort();
        n = jin_nfc(a, out);
        if (n == NULL || strcmp(n, out) != 0)
            abort();
        if (jin_fold_text(a, out) == NULL)
            abort();
    } else if (rv < 0) {
        if (e.code == ERR_OK || strcmp(e.field, name) != 0)
            abort();
    } else if (rv != 0) {
        abort();
    }
}

static void
check_instant(json_t *obj, const char *name)
{
    int64_t t = 0, t2 = 0;
    struct mc_err e;
    char buf[40];
    int rv;

    err_clear(&e);
    rv = jin_get_instant(obj, name, 0, &t, &e);
    if (rv == 1) {
        cal_format_instant(t, buf);
        if (cal_parse_instant(buf, strlen(buf), &t2) != 0 || t2 != t)
            abort();
    } else if (rv < 0 && e.code == ERR_OK) {
        abort();
    }
}

static void
check_int(json_t *obj, const char *name, int64_t lo, int64_t hi)
{
    int64_t v = lo;
    struct mc_err e;
    int rv;

    err_clear(&e);
    rv = jin_get_int(obj, name, lo, hi, 0, &v, &e);
    if ((rv == 1 && (v < lo || v > hi)) || (rv < 0 && e.code == ERR_OK))
        abort();
}

static void
check_body(const char *body, size_t len, const char *method, const char *path,
           struct arena *a)
{
    struct mc_err e;
    json_t *j, *app;
    char fp[65];
    int32_t day;
    int b;

    idem_fingerprint(method, path, body, len, fp);
    if (strlen(fp) != 64)
        abort();
    err_clear(&e);
    j = jin_parse_strict(body, len, &e);
    if (j == NULL) {
        if (e.code != ERR_BAD_JSON && e.code != ERR_TOO_DEEP && e.code != ERR_BAD_UTF8)
            abort();
        return;
    }
    if (e.code != ERR_OK)
        abort();
    if (json_is_object(j)) {
        /* Reception (api/dossier/dossier_write.c parse_reception, parse_applicant). */
        app = json_object_get(j, "applicant");
        if (json_is_object(app)) {
            check_str(app, "name", 200, a);
            check_str(app, "id_number", 20, a);
            check_str(app, "address", 300, a);
            check_str(app, "phone", 20, a);
            check_str(app, "email", 254, a);
        }
        check_str(j, "procedure", 40, a);
        check_str(j, "case", 64, a);
        check_str(j, "resolving_unit", 13, a);
        check_str(j, "reason", 2000, a);
        check_int(j, "channel", 1, 3);
        check_int(j, "sets", 1, 100);
        check_instant(j, "received_at");
        err_clear(&e);
        if (jin_get_bool(j, "complete", 0, &b, &e) == 1 && b != 0 && b != 1)
            abort();
        /* Transition (parse_event). */
        check_str(j, "type", 32, a);
        check_int(j, "expected_version", 1, INT32_MAX);
        check_instant(j, "occurred_at");
        check_instant(j, "new_appointment");
        check_str(j, "step", 200, a);
        check_int(j, "minutes", 0, 1000000);
        check_str(j, "legal_basis", 500, a);
        /* Dates of the calendar and report routes. */
        err_clear(&e);
        if (jin_get_date(j, "day", 0, &day, &e) == 1) {
            char buf[16];
            int32_t d2 = 0;

            cal_format_date(day, buf);
            if (cal_parse_date(buf, strlen(buf), &d2) != 0 || d2 != day)
                abort();
        }
    }
    json_decref(j);
}

static void
check_code(const char *v)
{
    struct code_dossier cd;
    struct mc_err e;
    size_t n = strlen(v);

    err_clear(&e);
    (void)code_unit_valid(v, n, &e);
    err_clear(&e);
    (void)code_procedure_valid(v, n, &e);
    err_clear(&e);
    if (code_dossier_parse(v, n, &cd, &e) == 0 && e.code != ERR_OK)
        abort();
}

static void
check_route(int method, const char *raw_path, struct arena *a)
{
    struct route_match m;
    char allow[128];
    char *dec;

    if (route_match(APP.routes, APP.nroutes, method, raw_path, &m) == 0) {
        if (m.route == NULL || m.nparams > ROUTE_MAX_PARAMS)
            abort();
        if (m.route->method != method &&
            !(method == EVHTTP_REQ_HEAD && m.route->method == EVHTTP_REQ_GET))
            abort();
        for (size_t i = 0; i < m.nparams; i++) {
            size_t n = strnlen(m.params[i].value, sizeof(m.params[i].value));

            if (n == 0 || n >= sizeof(m.params[i].value) || strchr(m.params[i].value, '/'))
                abort();
            if (m.params[i].name_len == 4 && memcmp(m.params[i].name, "code", 4) == 0)
                check_code(m.params[i].value);
        }
    } else {
        if (m.route != NULL)
            abort();
        route_allow_header(m.allow, allow, sizeof(allow));
        if (strlen(allow) >= sizeof(allow))
            abort();
    }
    /* The decoded path of the access log (server.c on_request). */
    dec = evhttp_uridecode(raw_path, 0, NULL);
    if (dec != NULL)
        (void)arena_strdup(a, dec);
    free(dec);
}

static void
check_query(const char *q)
{
    struct evkeyvalq params;
    struct evkeyval *kv;

    TAILQ_INIT(&params);
    if (evhttp_parse_query_str(q, &params) == 0) {
        TAILQ_FOREACH(kv, &params, next)
        {
            char *v = evhttp_uridecode(kv->value, 1, NULL);

            if (v == NULL)
                abort();
            /* The list routes read these with their limits. */
            if (strcmp(kv->key, "code") == 0)
                check_code(v);
            if (strcmp(kv->key, "from") == 0 || strcmp(kv->key, "to") == 0) {
                int32_t d;

                (void)cal_parse_date(v, strlen(v), &d);
            }
            free(v);
        }
    }
    evhttp_clear_headers(&params);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl;
    size_t tlen;
    char *target, *body;
    struct evhttp_uri *uri;
    struct arena *a;
    int method;

    if (!BUILT) {
        struct mc_err e;

        err_clear(&e);
        if (api_routes_build(&APP, &e) != 0)
            abort();
        BUILT = 1;
    }
    if (size < 1)
        return 0;
    method = METHODS[data[0] % (sizeof(METHODS) / sizeof(METHODS[0]))];
    data++;
    size--;
    nl = memchr(data, '\n', size);
    tlen = nl != NULL ? (size_t)(nl - data) : size;
    target = malloc(tlen + 1);
    memcpy(target, data, tlen);
    target[tlen] = '\0';
    a = arena_new();
    uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
    if (uri != NULL) {
        const char *p = evhttp_uri_get_path(uri);
        const char *q = evhttp_uri_get_query(uri);

        check_route(method, p != NULL && p[0] != '\0' ? p : "/", a);
        if (q != NULL)
            check_query(q);
        evhttp_uri_free(uri);
    }
    if (nl != NULL) {
        size_t blen = size - tlen - 1;

        body = malloc(blen + 1);
        memcpy(body, nl + 1, blen);
        body[blen] = '\0';
        check_body(body, blen, route_method_name(method), target, a);
        free(body);
    }
    arena_free(a);
    free(target);
    return 0;
}
