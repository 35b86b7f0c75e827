/*
 * router.c - route_match(): method + path -> route, per router.h.
 *
 * A pattern is a sequence of '/'-separated segments; "{name}" matches one whole
 * segment, anything else matches byte for byte. The path is matched as received
 * (still percent-encoded), so "%2F" inside a parameter never splits a segment;
 * a parameter's value is then percent-decoded, and rejected if the escape is bad or
 * decodes to NUL or '/'. The table is scanned linearly: ~100 routes of a few segments
 * cost well under a microsecond, less than parsing the request line.
 *
 * HEAD: a route declared for GET also answers HEAD (RFC 9110 §9.3.2: HEAD is GET
 * without the body); evhttp drops the body of a reply to HEAD itself.
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "core/hex.h"

/*
 * Decodes seg[0..n) into out (size ROUTE param value). Returns -1 on a bad or
 * truncated escape, a decoded NUL or '/', or a value that does not fit.
 * '+' stays '+': it means a space only in query strings (RFC 3986 vs. HTML forms).
 */
static int
decode_segment(const char *seg, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)seg[i];

        if (c == '%') {
            int hi, lo;

            if (i + 2 >= n)
                return -1;
            hi = hex_digit((unsigned char)seg[i + 1]);
            lo = hex_digit((unsigned char)seg[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            if (c == 0 || c == '/')
                return -1;
            i += 2;
        } else if (c == 0) {
            return -1;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* Next segment of s (which points just after a '/'): its length up to '/' or end. */
static size_t
seg_len(const char *s)
{
    const char *e = strchr(s, '/');

    return e != NULL ? (size_t)(e - s) : strlen(s);
}

/* 1 when the pattern matches path; params are filled into m (when m != NULL). */
static int
match_one(const char *pattern, const char *path, struct route_match *m)
{
    const char *p = pattern, *q = path;
    size_t np = 0;

    if (*p != '/' || *q != '/')
        return 0;
    for (;;) {
        size_t pl, ql;

        p++;
        q++;
        pl = seg_len(p);
        ql = seg_len(q);
        if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
            if (ql == 0 || ql > 255 || np >= ROUTE_MAX_PARAMS)
                return 0;
            if (m != NULL) {
                if (decode_segment(q, ql, m->params[np].value, sizeof(m->params[np].value)) != 0)
                    return 0;
                m->params[np].name = p + 1;
                m->params[np].name_len = pl - 2;
            } else {
                char tmp[256];

                if (decode_segment(q, ql, tmp, sizeof(tmp)) != 0)
                    return 0;
            }
            np++;
        } else if (pl != ql || memcmp(p, q, pl) != 0) {
            return 0;
        }
        p += pl;
        q += ql;
        if (*p == '\0' || *q == '\0')
            break;
    }
    if (*p != '\0' || *q != '\0')
        return 0;
    if (m != NULL)
        m->nparams = np;
    return 1;
}

int
route_match(const struct route *routes, size_t n, int method, const char *path,
            struct route_match *m)
{
    int want = method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : method;

    memset(m, 0, sizeof(*m));
    if (path == NULL || strlen(path) > 2048)
        return -1;
    for (size_t i = 0; i < n && routes[i].pattern != NULL; i++) {
        if (routes[i].method != want && routes[i].method != method) {
            if (match_one(routes[i].pattern, path, NULL)) {
                m->allow |= (unsigned)routes[i].method;
                if (routes[i].method == EVHTTP_REQ_GET)
                    m->allow |= EVHTTP_REQ_HEAD;
            }
            continue;
        }
        if (match_one(routes[i].pattern, path, m)) {
            m->route = &routes[i];
            m->allow = 0;
            return 0;
        }
    }
    return -1;
}

static const struct {
    int method;
    const char *name;
} METHODS[] = {
    {EVHTTP_REQ_GET, "GET"},         {EVHTTP_REQ_HEAD, "HEAD"},   {EVHTTP_REQ_POST, "POST"},
    {EVHTTP_REQ_PUT, "PUT"},         {EVHTTP_REQ_PATCH, "PATCH"}, {EVHTTP_REQ_DELETE, "DELETE"},
    {EVHTTP_REQ_OPTIONS, "OPTIONS"}, {EVHTTP_REQ_TRACE, "TRACE"}, {EVHTTP_REQ_CONNECT, "CONNECT"},
};

const char *
route_method_name(int method)
{
    for (size_t i = 0; i < sizeof(METHODS) / sizeof(METHODS[0]); i++)
        if (METHODS[i].method == method)
            return METHODS[i].name;
    return "OTHER";
}

int
route_method_parse(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(METHODS) / sizeof(METHODS[0]); i++)
        if (strlen(METHODS[i].name) == n && memcmp(METHODS[i].name, s, n) == 0)
            return METHODS[i].method;
    return 0;
}

void
route_allow_header(unsigned allow, char *buf, size_t len)
{
    size_t o = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(METHODS) / sizeof(METHODS[0]); i++) {
        int w;

        if ((allow & (unsigned)METHODS[i].method) == 0)
            continue;
        w = snprintf(buf + o, len - o, "%s%s", o > 0 ? ", " : "", METHODS[i].name);
        if (w < 0 || (size_t)w >= len - o)
            return;
        o += (size_t)w;
    }
}
