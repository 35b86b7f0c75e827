/*
 * test_http_router.c - route_match(): exact and {param} segments, percent-decoding
 * of parameters, 404 vs. 405 with the Allow mask, HEAD as GET (router.c).
 * One row per case; expected values written by hand from router.h's contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>

#include "http/router.h"

static void
h_any(struct reqctx *rc)
{
    (void)rc;
}

static const struct route ROUTES[] = {
    {EVHTTP_REQ_GET, "/healthz", h_any, 0, RF_PUBLIC, "0"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers", h_any, 0, 0, "1"},
    {EVHTTP_REQ_POST, "/api/v1/dossiers", h_any, 0, RF_JSON, "2"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}", h_any, 0, 0, "3"},
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/events", h_any, 0, RF_JSON, "4"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/documents/{form}", h_any, 0, 0, "5"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/search", h_any, 0, 0, "6"}, /* shadowed by row 3 */
    {EVHTTP_REQ_DELETE, "/api/v1/units/{code}", h_any, 0, 0, "7"},
    {EVHTTP_REQ_PATCH, "/api/v1/units/{code}", h_any, 0, 0, "8"},
    {EVHTTP_REQ_GET, "/", h_any, 0, 0, "9"},
    {0, NULL, NULL, 0, 0, NULL},
};
#define NR (sizeof(ROUTES) / sizeof(ROUTES[0]) - 1)

struct case_row {
    int method;
    const char *path;
    int route;           /* index in ROUTES, -1 for no match */
    unsigned allow;      /* expected allow mask when no match */
    const char *p1, *v1; /* first parameter name and value, or NULL */
    const char *p2, *v2;
};

#define G EVHTTP_REQ_GET
#define H EVHTTP_REQ_HEAD
#define P EVHTTP_REQ_POST
#define D EVHTTP_REQ_DELETE
#define PA EVHTTP_REQ_PATCH
#define PU EVHTTP_REQ_PUT

static const struct case_row CASES[] = {
    {G, "/healthz", 0, 0, NULL, NULL, NULL, NULL},
    {H, "/healthz", 0, 0, NULL, NULL, NULL, NULL}, /* HEAD answered by the GET route */
    {P, "/healthz", -1, G | H, NULL, NULL, NULL, NULL},
    {G, "/healthz/", -1, 0, NULL, NULL, NULL, NULL}, /* trailing slash is another path */
    {G, "/healthzz", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/HEALTHZ", -1, 0, NULL, NULL, NULL, NULL}, /* paths are case-sensitive */
    {G, "/", 9, 0, NULL, NULL, NULL, NULL},
    {G, "", -1, 0, NULL, NULL, NULL, NULL},
    {G, "healthz", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers", 1, 0, NULL, NULL, NULL, NULL},
    {P, "/api/v1/dossiers", 2, 0, NULL, NULL, NULL, NULL},
    {PU, "/api/v1/dossiers", -1, G | H | P, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers/000.00.12.H56-260225-0001", 3, 0, "code", "000.00.12.H56-260225-0001",
     NULL, NULL},
    {G, "/api/v1/dossiers/search", 3, 0, "code", "search", NULL, NULL}, /* first row wins */
    {G, "/api/v1/dossiers/", -1, 0, NULL, NULL, NULL, NULL},            /* empty param */
    {G, "/api/v1/dossiers/a%20b", 3, 0, "code", "a b", NULL, NULL},
    {G, "/api/v1/dossiers/%E1%BA%A1", 3, 0, "code", "\xe1\xba\xa1", NULL, NULL}, /* ạ */
    {G, "/api/v1/dossiers/a+b", 3, 0, "code", "a+b", NULL, NULL}, /* '+' is not a space */
    {G, "/api/v1/dossiers/a%2Fb", -1, 0, NULL, NULL, NULL, NULL}, /* encoded '/' */
    {G, "/api/v1/dossiers/a%2fb", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers/a%00b", -1, 0, NULL, NULL, NULL, NULL}, /* encoded NUL */
    {G, "/api/v1/dossiers/a%zzb", -1, 0, NULL, NULL, NULL, NULL}, /* bad escape */
    {G, "/api/v1/dossiers/abc%", -1, 0, NULL, NULL, NULL, NULL},  /* truncated escape */
    {G, "/api/v1/dossiers/abc%4", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers/%41", 3, 0, "code", "A", NULL, NULL},
    {P, "/api/v1/dossiers/X1/events", 4, 0, "code", "X1", NULL, NULL},
    {G, "/api/v1/dossiers/X1/events", -1, P, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers/X1/documents/receipt", 5, 0, "code", "X1", "form", "receipt"},
    {G, "/api/v1/dossiers/X1/documents/receipt/x", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/api/v1/dossiers/X1/documents", -1, 0, NULL, NULL, NULL, NULL},
    {D, "/api/v1/units/000.00.12.H56", 7, 0, "code", "000.00.12.H56", NULL, NULL},
    {PA, "/api/v1/units/U", 8, 0, "code", "U", NULL, NULL},
    {G, "/api/v1/units/U", -1, D | PA, NULL, NULL, NULL, NULL},
    {H, "/api/v1/units/U", -1, D | PA, NULL, NULL, NULL, NULL},
    {G, "//api/v1/dossiers", -1, 0, NULL, NULL, NULL, NULL},
    {G, "/api//v1/dossiers", -1, 0, NULL, NULL, NULL, NULL},
};

static void
test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const struct case_row *c = &CASES[i];
        struct route_match m;
        int r = route_match(ROUTES, NR, c->method, c->path, &m);

        print_message("case %zu: %s %s\n", i, route_method_name(c->method), c->path);
        if (c->route < 0) {
            assert_int_equal(r, -1);
            assert_null(m.route);
            assert_int_equal(m.allow, c->allow);
            continue;
        }
        assert_int_equal(r, 0);
        assert_ptr_equal(m.route, &ROUTES[c->route]);
        assert_int_equal(m.nparams, (c->p1 != NULL) + (c->p2 != NULL));
        if (c->p1 != NULL) {
            assert_int_equal(m.params[0].name_len, strlen(c->p1));
            assert_memory_equal(m.params[0].name, c->p1, strlen(c->p1));
            assert_string_equal(m.params[0].value, c->v1);
        }
        if (c->p2 != NULL) {
            assert_int_equal(m.params[1].name_len, strlen(c->p2));
            assert_memory_equal(m.params[1].name, c->p2, strlen(c->p2));
            assert_string_equal(m.params[1].value, c->v2);
        }
    }
}

/* A 255-byte segment matches; 256 bytes never does (router.h). */
static void
test_segment_length(void **state)
{
    char path[400];
    struct route_match m;
    size_t pre = strlen("/api/v1/dossiers/");

    (void)state;
    memcpy(path, "/api/v1/dossiers/", pre);
    memset(path + pre, 'x', 255);
    path[pre + 255] = '\0';
    assert_int_equal(route_match(ROUTES, NR, G, path, &m), 0);
    assert_int_equal(strlen(m.params[0].value), 255);
    memset(path + pre, 'x', 256);
    path[pre + 256] = '\0';
    assert_int_equal(route_match(ROUTES, NR, G, path, &m), -1);
    assert_int_equal(m.allow, 0);
    /* 255 decoded bytes written as escapes still fit... */
    memcpy(path + pre, "%41%41", 6);
    path[pre + 6] = '\0';
    assert_int_equal(route_match(ROUTES, NR, G, path, &m), 0);
    assert_string_equal(m.params[0].value, "AA");
}

static void
test_allow_header(void **state)
{
    static const struct {
        unsigned allow;
        const char *text;
    } ROWS[] = {
        {0, ""},
        {G, "GET"},
        {G | H, "GET, HEAD"},
        {G | H | P, "GET, HEAD, POST"},
        {D | PA, "PATCH, DELETE"},
        {P | PU | D, "POST, PUT, DELETE"},
    };
    char buf[64];

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        route_allow_header(ROWS[i].allow, buf, sizeof(buf));
        assert_string_equal(buf, ROWS[i].text);
    }
    route_allow_header(G | H | P, buf, 8); /* truncated: never overflows, stays terminated */
    assert_true(strlen(buf) < 8);
}

static void
test_method_names(void **state)
{
    (void)state;
    assert_string_equal(route_method_name(G), "GET");
    assert_string_equal(route_method_name(P), "POST");
    assert_string_equal(route_method_name(PA), "PATCH");
    assert_string_equal(route_method_name(D), "DELETE");
    assert_string_equal(route_method_name(0), "OTHER");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_segment_length),
        cmocka_unit_test(test_allow_header),
        cmocka_unit_test(test_method_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
