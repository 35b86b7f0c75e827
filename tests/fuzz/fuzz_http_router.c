/*
 * fuzz_http_router.c - libFuzzer harness for route_match(): the first byte picks the
 * method, the rest is the path. Invariants: a match has a route of that method (or GET
 * for HEAD), at most ROUTE_MAX_PARAMS parameters, each a non-empty, NUL-terminated value
 * of < 256 bytes with no '/'; no match has no route, and its allow mask names only
 * methods of the table. Seeds: tests/fuzz/corpus/fuzz_http_router/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "http/router.h"

static void
h(struct reqctx *rc)
{
    (void)rc;
}

static const struct route ROUTES[] = {
    {EVHTTP_REQ_GET, "/healthz", h, 0, 0, ""},
    {EVHTTP_REQ_GET, "/api/v1/dossiers", h, 0, 0, ""},
    {EVHTTP_REQ_POST, "/api/v1/dossiers", h, 0, 0, ""},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}", h, 0, 0, ""},
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/events", h, 0, 0, ""},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/documents/{form}", h, 0, 0, ""},
    {EVHTTP_REQ_GET, "/{a}/{b}/{c}/{d}/{e}/{f}", h, 0, 0, ""},
    {EVHTTP_REQ_DELETE, "/api/v1/units/{code}", h, 0, 0, ""},
    {EVHTTP_REQ_GET, "/", h, 0, 0, ""},
};
#define NR (sizeof(ROUTES) / sizeof(ROUTES[0]))

static const int METHODS[] = {EVHTTP_REQ_GET,    EVHTTP_REQ_HEAD,  EVHTTP_REQ_POST,
                              EVHTTP_REQ_PUT,    EVHTTP_REQ_PATCH, EVHTTP_REQ_DELETE,
                              EVHTTP_REQ_OPTIONS};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct route_match m;
    char *path, allow[128];
    int method;
    unsigned all = EVHTTP_REQ_HEAD;

    if (size < 1)
        return 0;
    method = METHODS[data[0] % (sizeof(METHODS) / sizeof(METHODS[0]))];
    path = malloc(size);
    memcpy(path, data + 1, size - 1);
    path[size - 1] = '\0';
    for (size_t i = 0; i < NR; i++)
        all |= (unsigned)ROUTES[i].method;
    if (route_match(ROUTES, NR, method, path, &m) == 0) {
        if (m.route == NULL || m.allow != 0 || m.nparams > ROUTE_MAX_PARAMS)
            abort();
        if (m.route->method != method &&
            !(method == EVHTTP_REQ_HEAD && m.route->method == EVHTTP_REQ_GET))
            abort();
        for (size_t i = 0; i < m.nparams; i++) {
            size_t n = strnlen(m.params[i].value, sizeof(m.params[i].value));

            if (n == 0 || n >= sizeof(m.params[i].value) || strchr(m.params[i].value, '/'))
                abort();
            if (m.params[i].name_len == 0 || m.params[i].name == NULL)
                abort();
        }
    } else {
        if (m.route != NULL || (m.allow & ~all) != 0)
            abort();
        route_allow_header(m.allow, allow, sizeof(allow));
        if (strlen(allow) >= sizeof(allow))
            abort();
    }
    free(path);
    return 0;
}
