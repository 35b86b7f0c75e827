/*
 * jin.c - JSON input: strict parsing with limits, typed getters and Vietnamese text
 * helpers (NFC, folding). See jin.h.
 *
 * jansson has no run-time depth limit (its compile-time one is 2048), so a
 * pre-scan counts nesting and string lengths before decoding; it costs one pass
 * over a body that is at most MOTCUA_MAX_BODY bytes.
 */
#include "http/jin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/arena.h"
#include "domain/cal.h"

int
jin_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i];
        size_t k;
        unsigned cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF lead */
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

size_t
jin_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/*
 * Pre-scan: nesting depth and string lengths, skipping string contents. Returns 0, or -1
 * with e filled. Malformed input is left to jansson, which reports where it is.
 */
static int
prescan(const char *buf, size_t len, struct mc_err *e)
{
    int depth = 0;
    size_t i = 0;

    while (i < len) {
        char c = buf[i];

        if (c == '"') {
            size_t start = ++i;

            while (i < len && buf[i] != '"') {
                if (buf[i] == '\\')
                    i++;
                i++;
            }
            if (i - start > JIN_MAX_STRING)
                return err_set(e, ERR_BAD_JSON, "string longer than %d bytes", JIN_MAX_STRING);
            i++;
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > JIN_MAX_DEPTH)
                return err_set(e, ERR_TOO_DEEP, "nesting deeper than %d", JIN_MAX_DEPTH);
        } else if (c == ']' || c == '}') {
            depth--;
        }
        i++;
    }
    return 0;
}

json_t *
jin_parse_strict(const char *buf, size_t len, struct mc_err *e)
{
    json_error_t jerr;
    json_t *j;

    if (buf == NULL || len == 0) {
        err_set(e, ERR_BAD_JSON, "empty body");
        return NULL;
    }
    if (!jin_utf8_valid(buf, len)) {
        err_set(e, ERR_BAD_UTF8, "request body is not valid UTF-8");
        return NULL;
    }
    if (prescan(buf, len, e) != 0)
        return NULL;
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        enum json_error_code jc = json_error_code(&jerr);

        /* jansson's text may quote a key; keep only position and kind (no personal data). */
        if (jc == json_error_invalid_utf8)
            err_set(e, ERR_BAD_UTF8, "invalid UTF-8 at line %d, column %d", jerr.line, jerr.column);
        else if (jc == json_error_duplicate_key)
            err_set(e, ERR_BAD_JSON, "duplicate key at line %d, column %d", jerr.line, jerr.column);
        else
            err_set(e, ERR_BAD_JSON, "syntax error at line %d, column %d", jerr.line, jerr.column);
        return NULL;
    }
    return j;
}

/* Member lookup shared by the getters: NULL when absent or null; -1 when required. */
static int
member(json_t *obj, const char *name, int required, json_t **out, struct mc_err *e)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;

    if (v == NULL || json_is_null(v)) {
        if (required)
            return err_field(e, ERR_VALIDATION, name, "required");
        return 0;
    }
    *out = v;
    return 1;
}

/* NFC of a valid UTF-8 string, malloc'd by utf8proc (caller frees), or NULL. */
static char *
nfc_malloc(const char *s)
{
    return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
}

/*
 * 1 when s holds a control character other than TAB, LF and CR: C0, DEL, C1 (U+0080-009F),
 * or a bidirectional formatting character (issue 17: a right-to-left override makes a
 * stored name read otherwise on a receipt or a screen, "Trojan Source"): U+061C ALM,
 * U+200E LRM, U+200F RLM, U+202A-202E embeddings and overrides, U+2066-2069 isolates.
 * Refused, never stripped: the sender learns that the text was not taken as sent.
 */
static int
has_controls(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F)
            return 1;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return 1;
        if (p[0] == 0xD8 && p[1] == 0x9C)
            return 1;
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F ||
                                            (p[2] >= 0xAA && p[2] <= 0xAE)))
            return 1;
        if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
            return 1;
    }
    return 0;
}

int
jin_get_str(json_t *obj, const char *name, size_t maxlen, int required, const char **out,
             struct mc_err *e)
{
    json_t *v = NULL;
    char *n;
    int r = member(obj, name, required, &v, e);

    if (r <= 0)
        return r;
    if (!json_is_string(v))
        return err_field(e, ERR_VALIDATION, name, "must be a string");
    if (has_controls(json_string_value(v)))
        return err_field(e, ERR_VALIDATION, name,
                         "control or bidirectional formatting characters are not allowed");
    n = nfc_malloc(json_string_value(v));
    if (n == NULL)
        return err_field(e, ERR_BAD_UTF8, name, "not valid UTF-8");
    if (required && n[0] == '\0') {
        free(n);
        return err_field(e, ERR_VALIDATION, name, "must not be empty");
    }
    if (maxlen > 0 && jin_utf8_len(n) > maxlen) {
        free(n);
        return err_field(e, ERR_VALIDATION, name, "longer than %zu characters", maxlen);
    }
    if (strcmp(n, json_string_value(v)) != 0 && json_string_set(v, n) != 0) {
        free(n);
        return err_field(e, ERR_INTERNAL, name, "cannot store normalised text");
    }
    free(n);
    *out = json_string_value(v);
    return 1;
}

int
jin_get_int(json_t *obj, const char *name, int64_t min, int64_t max, int required, int64_t *out,
             struct mc_err *e)
{
    json_t *v = NULL;
    json_int_t x;
    int r = member(obj, name, required, &v, e);

    if (r <= 0)
        return r;
    if (!json_is_integer(v))
        return err_field(e, ERR_VALIDATION, name, "must be an integer");
    x = json_integer_value(v);
    if (x < min || x > max)
        return err_field(e, ERR_VALIDATION, name, "must be between %lld and %lld", (long long)min,
                         (long long)max);
    *out = (int64_t)x;
    return 1;
}

int
jin_get_bool(json_t *obj, const char *name, int required, int *out, struct mc_err *e)
{
    json_t *v = NULL;
    int r = member(obj, name, required, &v, e);

    if (r <= 0)
        return r;
    if (!json_is_boolean(v))
        return err_field(e, ERR_VALIDATION, name, "must be true or false");
    *out = json_is_true(v) ? 1 : 0;
    return 1;
}

int
jin_get_instant(json_t *obj, const char *name, int required, int64_t *out, struct mc_err *e)
{
    json_t *v = NULL;
    int64_t t;
    int r = member(obj, name, required, &v, e);

    if (r <= 0)
        return r;
    if (!json_is_string(v) ||
        cal_parse_instant(json_string_value(v), json_string_length(v), &t) != 0)
        return err_field(e, ERR_BAD_DATE, name,
                         "expected RFC 3339, e.g. 2026-02-25T10:00:00+07:00");
    *out = t;
    return 1;
}

int
jin_get_date(json_t *obj, const char *name, int required, int32_t *out, struct mc_err *e)
{
    json_t *v = NULL;
    int32_t d;
    int r = member(obj, name, required, &v, e);

    if (r <= 0)
        return r;
    if (!json_is_string(v) || cal_parse_date(json_string_value(v), json_string_length(v), &d) != 0)
        return err_field(e, ERR_BAD_DATE, name, "expected YYYY-MM-DD");
    *out = d;
    return 1;
}

char *
jin_nfc(struct arena *a, const char *s)
{
    char *n, *r;

    if (!jin_utf8_valid(s, strlen(s)))
        return NULL;
    n = nfc_malloc(s);
    if (n == NULL)
        return NULL;
    r = arena_strdup(a, n);
    free(n);
    return r;
}

char *
jin_fold_text(struct arena *a, const char *s)
{
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t n;
    char *out;
    size_t o = 0;
    int space = 0;

    if (!jin_utf8_valid(s, strlen(s)))
        return NULL;
    /* Decompose, drop combining marks (the Vietnamese tone and vowel marks), fold case. */
    n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &m,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK |
                         UTF8PROC_CASEFOLD);
    if (n < 0)
        return NULL;
    out = arena_alloc(a, (size_t)n + 1);
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        unsigned char c = m[i];

        /* đ (U+0111) has no decomposition: it is its own letter, searched as d. */
        if (c == 0xC4 && i + 1 < n && m[i + 1] == 0x91) {
            c = 'd';
            i++;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    free(m);
    return out;
}

int
jin_field_in(struct mc_err *e, const char *parent)
{
    char member[sizeof(e->field)];
    int n;

    snprintf(member, sizeof(member), "%s", e->field);
    n = snprintf(e->field, sizeof(e->field), "%s%s%s", parent,
                 member[0] == '\0' || member[0] == '[' ? "" : ".", member);
    if (n < 0)
        e->field[0] = '\0';
    /* A path longer than e->field is cut there (still NUL-terminated): it names the start. */
    return -1;
}

int
jin_field_at(struct mc_err *e, const char *list, size_t i)
{
    char parent[sizeof(e->field)];

    snprintf(parent, sizeof(parent), "%s[%zu]", list, i);
    return jin_field_in(e, parent);
}
