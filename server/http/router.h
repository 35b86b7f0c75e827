/*
 * router.h - routes are data: method + path pattern -> handler, with the roles
 * allowed and flags. Patterns use {name} for one path segment:
 *   {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}", api_dossier_get, ROLE_STAFF, 0, "..."}
 * Matching tells "no such path" (404) from "path exists, wrong method" (405 + Allow).
 */
#ifndef MOTCUA_HTTP_ROUTER_H
#define MOTCUA_HTTP_ROUTER_H

#include <stddef.h>

struct reqctx;

typedef void (*route_fn)(struct reqctx *rc);

enum route_flags {
    RF_PUBLIC = 1 << 0,    /* no authentication (healthz, public lookup, login) */
    RF_JSON = 1 << 1,      /* body must be application/json and is parsed into rc->json */
    RF_STREAM = 1 << 2,    /* long-lived streaming reply (SSE): no write timeout */
    RF_RAW_BODY = 1 << 3,  /* body kept as bytes (signed integration requests) */
    RF_IDEMPOTENT = 1 << 4 /* honours Idempotency-Key */
};

struct route {
    int method;            /* one EVHTTP_REQ_* value */
    const char *pattern;   /* "/api/v1/dossiers/{code}/events" */
    route_fn fn;
    unsigned roles;        /* enum role bits allowed; ignored with RF_PUBLIC */
    unsigned flags;        /* enum route_flags */
    const char *summary;   /* one line, English */
};

#define ROUTE_MAX_PARAMS 6

struct route_match {
    const struct route *route;
    size_t nparams;
    struct {
        const char *name; /* points into the pattern, not NUL-terminated: use name_len */
        size_t name_len;
        char value[256];  /* percent-decoded segment */
    } params[ROUTE_MAX_PARAMS];
    unsigned allow;       /* with no match: EVHTTP_REQ_* methods that exist for the path */
};

/*
 * Finds the route for method + path (path without query string). Returns 0 and fills m
 * on a match; -1 with m->allow == 0 when no pattern matches the path (404), -1 with
 * m->allow != 0 when only the method is wrong (405). A segment longer than 255 bytes or
 * with a bad percent escape never matches.
 */
int route_match(const struct route *routes, size_t n, int method, const char *path,
                struct route_match *m);

/* "GET", "POST", ... of an EVHTTP_REQ_* value. */
const char *route_method_name(int method);
/* The EVHTTP_REQ_* value of the n bytes at s ("POST"), 0 when none is. */
int route_method_parse(const char *s, size_t n);

/* Writes "GET, POST" for an allow mask into buf. */
void route_allow_header(unsigned allow, char *buf, size_t len);

#endif
