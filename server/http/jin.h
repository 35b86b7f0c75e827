/*
 * jin.h - JSON input (prefix jin_; json_ is jansson's): a strict parser with limits,
 * getters that name the offending field in struct mc_err, UTF-8 validation, NFC
 * normalisation (utf8proc) and the folded form of Vietnamese text for search.
 *
 * Getters return 1 when the member is present and valid (output written), 0 when it is
 * absent or null and not required (output untouched), -1 with e filled otherwise
 * (code ERR_VALIDATION, or ERR_BAD_DATE for instants and dates; e->field = name).
 * A getter reading a nested object names only the member: the caller adds the path of
 * the object with jin_field_in / jin_field_at, so that e->field is the full path
 * ("applicant.name", "legs[0].unit_code").
 */
#ifndef MOTCUA_HTTP_JIN_H
#define MOTCUA_HTTP_JIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"

struct arena;

#define JIN_MAX_DEPTH 32           /* nesting of arrays/objects accepted */
#define JIN_MAX_STRING (64 * 1024) /* bytes of one string (escaped form) */

/*
 * Parses a request body: an object or array, no duplicate keys, depth <= JIN_MAX_DEPTH,
 * strings <= JIN_MAX_STRING bytes, valid UTF-8, nothing after the value. Returns a new
 * reference (caller decrefs) or NULL with e = ERR_BAD_JSON, ERR_TOO_DEEP or ERR_BAD_UTF8
 * (detail gives the line and column, never the content).
 */
json_t *jin_parse_strict(const char *buf, size_t len, struct mc_err *e);

/*
 * String member, NFC-normalised in place (the object is updated, so *out stays valid
 * while obj lives). maxlen counts code points after normalisation (0 = no limit).
 * Rejects control characters other than TAB, LF and CR, and an empty string when required.
 */
int jin_get_str(json_t *obj, const char *name, size_t maxlen, int required, const char **out,
                 struct mc_err *e);

/* Integer member within [min, max]. */
int jin_get_int(json_t *obj, const char *name, int64_t min, int64_t max, int required,
                 int64_t *out, struct mc_err *e);

/* Boolean member: *out = 0 or 1. */
int jin_get_bool(json_t *obj, const char *name, int required, int *out, struct mc_err *e);

/* RFC 3339 instant ("2026-02-25T10:00:00+07:00") as Unix seconds (cal_parse_instant). */
int jin_get_instant(json_t *obj, const char *name, int required, int64_t *out, struct mc_err *e);

/* Calendar date "YYYY-MM-DD" as a day number (cal_parse_date). */
int jin_get_date(json_t *obj, const char *name, int required, int32_t *out, struct mc_err *e);

/*
 * Prefixes e->field with parent, the path of the object the failing getter read from:
 * "name" -> "applicant.name"; an empty field becomes parent. Returns -1, so that
 * `return jin_field_in(e, "applicant");` reports the error.
 */
int jin_field_in(struct mc_err *e, const char *parent);

/* Same for the i-th element of the array list: "kind" -> "documents[2].kind". */
int jin_field_at(struct mc_err *e, const char *list, size_t i);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF), else 0. */
int jin_utf8_valid(const char *s, size_t n);

/* NFC form of a NUL-terminated UTF-8 string in the arena; NULL when s is not valid UTF-8. */
char *jin_nfc(struct arena *a, const char *s);

/*
 * Folded form for search, in the arena: NFC, lower case, Vietnamese diacritics removed,
 * đ/Đ -> d, runs of white space collapsed to one space, trimmed.
 * "  Nguyễn   Thị ĐÀO " -> "nguyen thi dao". NULL when s is not valid UTF-8.
 */
char *jin_fold_text(struct arena *a, const char *s);

/* Number of code points of valid UTF-8. */
size_t jin_utf8_len(const char *s);

#endif
