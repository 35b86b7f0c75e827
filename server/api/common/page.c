/*
 * page.c - the paging helpers of api/common/common.h shared by the list endpoints:
 * ?limit=, keyset cursors (an id, or an opaque hex-encoded text key) and the
 * {"items","next_cursor"} body.
 *
 * Lists are keyset-paged (API conventions: no OFFSET, a stable order by a unique key);
 * the cursor is the key of the last row shown, so the next page is "key > cursor".
 */
#include "api/common/common.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/arena.h"
#include "core/hex.h"
#include "http/reqctx.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 500
#define ID_DIGITS_MAX 18 /* below 2^63: the text always fits a bigint parameter */
#define TEXT_KEY_MAX 64  /* the longest text key (codes) a cursor carries, in bytes */

int
api_query_limit(struct reqctx *rc, int *limit, struct mc_err *e)
{
    const char *s = rc_query(rc, "limit");
    char *end;
    long v;

    if (s == NULL) {
        *limit = LIMIT_DEFAULT;
        return 0;
    }
    v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || v < 1 || v > LIMIT_MAX)
        return err_field(e, ERR_BAD_QUERY, "limit", "limit must be 1-%d", LIMIT_MAX);
    *limit = (int)v;
    return 0;
}

int
api_query_id(struct reqctx *rc, const char *name, const char **out, struct mc_err *e)
{
    const char *s = rc_query(rc, name);
    size_t n;

    *out = NULL;
    if (s == NULL || s[0] == '\0')
        return 0;
    n = strlen(s);
    if (n > ID_DIGITS_MAX || strspn(s, "0123456789") != n)
        return err_field(e, ERR_BAD_QUERY, name, "%s is an id of this list", name);
    *out = s;
    return 0;
}

const char *
api_path_id(struct reqctx *rc, const char *name)
{
    const char *s = rc_param(rc, name);
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > ID_DIGITS_MAX || strspn(s, "0123456789") != n || strspn(s, "0") == n)
        return NULL;
    return s;
}

/* 1 when the n bytes of s are valid UTF-8 without control characters. */
static int
printable_utf8(const unsigned char *s, size_t n)
{
    while (n > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)n, &c);

        if (k <= 0 || c < 0x20 || c == 0x7F)
            return 0;
        s += k;
        n -= (size_t)k;
    }
    return 1;
}

const char *
api_cursor_encode(struct arena *a, const char *key)
{
    size_t n = strlen(key);
    char *out = arena_alloc(a, 2 * n + 1);

    hex_encode(key, n, out);
    return out;
}

int
api_query_cursor(struct reqctx *rc, const char **out, struct mc_err *e)
{
    const char *v = rc_query(rc, "cursor");
    unsigned char *s;
    size_t n;

    *out = NULL;
    if (v == NULL || v[0] == '\0')
        return 0;
    n = strlen(v);
    /* Only the spelling api_cursor_encode() writes (lower case), and no NUL in the key. */
    if (n > 2 * TEXT_KEY_MAX || strspn(v, "0123456789abcdef") != n)
        return err_field(e, ERR_BAD_QUERY, "cursor", "malformed cursor");
    s = arena_alloc(rc->arena, n / 2 + 1);
    /* a key is text: a decoded cursor that is not (stray hex digits) is malformed, never
       handed to the database to fail there */
    if (hex_decode(v, n, s, n / 2) < 0 || !printable_utf8(s, n / 2))
        return err_field(e, ERR_BAD_QUERY, "cursor", "malformed cursor");
    s[n / 2] = '\0';
    *out = (const char *)s;
    return 0;
}

json_t *
api_page(json_t *items, const char *next)
{
    json_t *o = json_object();

    json_object_set_new(o, "items", items);
    json_object_set_new(o, "next_cursor", next != NULL ? json_string(next) : json_null());
    return o;
}
