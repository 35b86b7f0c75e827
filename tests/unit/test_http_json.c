/*
 * test_http_json.c - strict parsing with limits, typed getters naming the field,
 * UTF-8 validation, NFC and the folded search form (http/jin.c).
 * Expected instants were computed independently (Python datetime), not by cal.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "http/jin.h"

struct parse_row {
    const char *text;
    size_t len; /* 0 = strlen(text) */
    enum err_code want;
};

static const struct parse_row PARSE[] = {
    {"{\"a\":1}", 0, ERR_OK},
    {"[1,2,3]", 0, ERR_OK},
    {" {\"ho_ten\":\"Nguy\xe1\xbb\x85n V\xc4\x83n A\"} ", 0, ERR_OK},
    {"{\"a\":1,\"a\":2}", 0, ERR_BAD_JSON}, /* duplicate key */
    {"{\"a\":1}x", 0, ERR_BAD_JSON},        /* trailing garbage */
    {"{\"a\":1", 0, ERR_BAD_JSON},          /* truncated */
    {"", 0, ERR_BAD_JSON},                  /* empty body */
    {"1", 0, ERR_BAD_JSON},                 /* scalar at top level */
    {"{'a':1}", 0, ERR_BAD_JSON},           /* single quotes */
    {"{\"a\":NaN}", 0, ERR_BAD_JSON},
    {"{\"a\":\"\xc3\x28\"}", 0, ERR_BAD_UTF8},                       /* bad continuation byte */
    {"{\"a\":\"\xc0\xaf\"}", 0, ERR_BAD_UTF8},                       /* overlong '/' */
    {"{\"a\":\"\xed\xa0\x80\"}", 0, ERR_BAD_UTF8},                   /* UTF-8 encoded surrogate */
    {"{\"a\":\"\xf4\x90\x80\x80\"}", 0, ERR_BAD_UTF8},               /* above U+10FFFF */
    {"{\"a\":\"\xe1\xbb\"}", 0, ERR_BAD_UTF8},                       /* truncated sequence */
    {"{\"a\":\"\\u0000\"}", 0, ERR_BAD_JSON},                        /* NUL inside a string */
    {"{\"a\":\"\\ud800\"}", 0, ERR_BAD_JSON},                        /* lone surrogate escape */
    {"{\"a\":\"x\"}\0", 10, ERR_BAD_JSON},                           /* NUL byte after the value */
    {"{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", 0, ERR_OK}, /* brackets in a string */
};

static void
test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PARSE) / sizeof(PARSE[0]); i++) {
        struct mc_err e;
        size_t len = PARSE[i].len ? PARSE[i].len : strlen(PARSE[i].text);
        json_t *j;

        err_clear(&e);
        j = jin_parse_strict(PARSE[i].text, len, &e);
        print_message("row %zu\n", i);
        if (PARSE[i].want == ERR_OK) {
            assert_non_null(j);
            assert_int_equal(e.code, ERR_OK);
            json_decref(j);
        } else {
            assert_null(j);
            assert_int_equal(e.code, PARSE[i].want);
        }
    }
}

/* Depth 32 is accepted, 33 is JSON_TOO_DEEP; so is a 100 000-deep bomb. */
static void
test_depth(void **state)
{
    static const struct {
        int depth;
        enum err_code want;
    } ROWS[] = {
        {1, ERR_OK}, {31, ERR_OK}, {32, ERR_OK}, {33, ERR_TOO_DEEP}, {100000, ERR_TOO_DEEP}};

    (void)state;
    for (size_t r = 0; r < sizeof(ROWS) / sizeof(ROWS[0]); r++) {
        int d = ROWS[r].depth;
        char *s = malloc((size_t)d * 2 + 1);
        struct mc_err e;
        json_t *j;

        for (int i = 0; i < d; i++) {
            s[i] = '[';
            s[d * 2 - 1 - i] = ']';
        }
        s[d * 2] = '\0';
        err_clear(&e);
        j = jin_parse_strict(s, (size_t)d * 2, &e);
        assert_int_equal(e.code, ROWS[r].want);
        assert_true((j != NULL) == (ROWS[r].want == ERR_OK));
        json_decref(j);
        free(s);
    }
}

static void
test_long_string(void **state)
{
    size_t n = JIN_MAX_STRING + 1;
    char *s = malloc(n + 16);
    struct mc_err e;

    (void)state;
    memcpy(s, "[\"", 2);
    memset(s + 2, 'a', n);
    memcpy(s + 2 + n, "\"]", 3);
    err_clear(&e);
    assert_null(jin_parse_strict(s, n + 4, &e));
    assert_int_equal(e.code, ERR_BAD_JSON);
    /* exactly at the limit: accepted */
    memcpy(s + 2 + n - 1, "\"]", 3);
    err_clear(&e);
    json_t *j = jin_parse_strict(s, n + 3, &e);
    assert_non_null(j);
    json_decref(j);
    free(s);
}

struct str_row {
    const char *json;
    const char *name;
    size_t maxlen;
    int required;
    int want_rc;
    const char *want; /* expected value when want_rc == 1 */
    enum err_code want_err;
};

static const struct str_row STR[] = {
    {"{\"n\":\"abc\"}", "n", 0, 1, 1, "abc", ERR_OK},
    /* decomposed "Nguyễn" (e + U+0302 + U+0303) becomes precomposed U+1EC5 */
    {"{\"n\":\"Nguye\xcc\x82\xcc\x83n\"}", "n", 0, 1, 1, "Nguy\xe1\xbb\x85n", ERR_OK},
    {"{\"n\":\"\xc4\x90\xc3\xa0o\"}", "n", 3, 1, 1, "\xc4\x90\xc3\xa0o", ERR_OK}, /* Đào: 3 chars */
    {"{\"n\":\"\xc4\x90\xc3\xa0o\"}", "n", 2, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"a\\u0001b\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION}, /* control character */
    {"{\"n\":\"a\\nb\"}", "n", 0, 1, 1, "a\nb", ERR_OK},
    /* bidirectional formatting characters (issue 17): U+202E RLO, U+2066 LRI, U+200F RLM,
       U+061C ALM, and a C1 control U+0085; U+2010 (hyphen, E2 80 90) and U+2070 stay */
    {"{\"n\":\"abc\\u202Egpj.exe\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"L\xe2\x81\xa6\xc3\xaa\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"a\xe2\x80\x8f" "b\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"a\\u061Cb\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"a\\u0085b\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{\"n\":\"a\xe2\x80\x90" "b\xe2\x81\xb0\"}", "n", 0, 1, 1, "a\xe2\x80\x90" "b\xe2\x81\xb0",
     ERR_OK},
    {"{\"n\":\"\"}", "n", 0, 1, -1, NULL, ERR_VALIDATION}, /* empty, required */
    {"{\"n\":\"\"}", "n", 0, 0, 1, "", ERR_OK},
    {"{\"n\":5}", "n", 0, 0, -1, NULL, ERR_VALIDATION},
    {"{\"n\":null}", "n", 0, 0, 0, NULL, ERR_OK},
    {"{\"n\":null}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"{}", "n", 0, 0, 0, NULL, ERR_OK},
    {"{}", "n", 0, 1, -1, NULL, ERR_VALIDATION},
    {"[]", "n", 0, 1, -1, NULL, ERR_VALIDATION},
};

static void
test_get_str(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(STR) / sizeof(STR[0]); i++) {
        struct mc_err e;
        json_t *j;
        const char *out = NULL;
        int rc;

        err_clear(&e);
        j = jin_parse_strict(STR[i].json, strlen(STR[i].json), &e);
        assert_non_null(j);
        rc = jin_get_str(j, STR[i].name, STR[i].maxlen, STR[i].required, &out, &e);
        print_message("row %zu\n", i);
        assert_int_equal(rc, STR[i].want_rc);
        if (rc == 1)
            assert_string_equal(out, STR[i].want);
        if (rc == 0)
            assert_null(out);
        if (rc < 0) {
            assert_int_equal(e.code, STR[i].want_err);
            assert_string_equal(e.field, STR[i].name);
        }
        json_decref(j);
    }
}

static void
test_get_int_bool(void **state)
{
    static const struct {
        const char *json;
        int64_t min, max;
        int want_rc;
        int64_t want;
    } ROWS[] = {
        {"{\"x\":5}", 1, 10, 1, 5},      {"{\"x\":1}", 1, 10, 1, 1},
        {"{\"x\":10}", 1, 10, 1, 10},    {"{\"x\":0}", 1, 10, -1, 0},
        {"{\"x\":11}", 1, 10, -1, 0},    {"{\"x\":1.5}", 1, 10, -1, 0},
        {"{\"x\":\"5\"}", 1, 10, -1, 0}, {"{}", 1, 10, 0, 0},
    };
    struct mc_err e;
    json_t *j;
    int b = -1;

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        int64_t v = 0;

        j = json_loads(ROWS[i].json, 0, NULL);
        assert_int_equal(jin_get_int(j, "x", ROWS[i].min, ROWS[i].max, 0, &v, &e),
                         ROWS[i].want_rc);
        if (ROWS[i].want_rc == 1)
            assert_int_equal(v, ROWS[i].want);
        json_decref(j);
    }
    j = json_loads("{\"t\":true,\"f\":false,\"s\":\"true\",\"n\":1}", 0, NULL);
    assert_int_equal(jin_get_bool(j, "t", 1, &b, &e), 1);
    assert_int_equal(b, 1);
    assert_int_equal(jin_get_bool(j, "f", 1, &b, &e), 1);
    assert_int_equal(b, 0);
    assert_int_equal(jin_get_bool(j, "s", 1, &b, &e), -1);
    assert_string_equal(e.field, "s");
    assert_int_equal(jin_get_bool(j, "n", 1, &b, &e), -1);
    assert_int_equal(jin_get_bool(j, "absent", 1, &b, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    json_decref(j);
}

static void
test_get_instant_date(void **state)
{
    static const struct {
        const char *json;
        int want_rc;
        int64_t want;
    } ROWS[] = {
        {"{\"at\":\"2026-02-25T10:00:00+07:00\"}", 1, 1771988400},
        {"{\"at\":\"2026-02-25T03:00:00Z\"}", 1, 1771988400},
        {"{\"at\":\"2026-02-30T10:00:00+07:00\"}", -1, 0}, /* no 30 February */
        {"{\"at\":\"yesterday\"}", -1, 0},
        {"{\"at\":20260225}", -1, 0},
        {"{\"at\":null}", 0, 0},
    };
    struct mc_err e;
    json_t *j;
    int32_t d = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        int64_t t = 0;

        j = json_loads(ROWS[i].json, 0, NULL);
        err_clear(&e);
        assert_int_equal(jin_get_instant(j, "at", 0, &t, &e), ROWS[i].want_rc);
        if (ROWS[i].want_rc == 1)
            assert_int_equal(t, ROWS[i].want);
        if (ROWS[i].want_rc < 0) {
            assert_int_equal(e.code, ERR_BAD_DATE);
            assert_string_equal(e.field, "at");
        }
        json_decref(j);
    }
    j = json_loads("{\"d\":\"2026-02-25\",\"bad\":\"2026-2-25\"}", 0, NULL);
    assert_int_equal(jin_get_date(j, "d", 1, &d, &e), 1);
    assert_int_equal(d, 20509); /* days from 1970-01-01 */
    assert_int_equal(jin_get_date(j, "bad", 1, &d, &e), -1);
    assert_int_equal(e.code, ERR_BAD_DATE);
    json_decref(j);
}

static void
test_fold(void **state)
{
    static const struct {
        const char *in, *want;
    } ROWS[] = {
        {"  Nguy\xe1\xbb\x85n   Th\xe1\xbb\x8b \xc4\x90\xc3\x80O ", "nguyen thi dao"},
        {"\xe1\xbb\xa6y ban nh\xc3\xa2n d\xc3\xa2n", "uy ban nhan dan"}, /* Ủy ban nhân dân */
        {"Ph\xc6\xb0\xe1\xbb\x9dng B\xe1\xba\xbfn Ngh\xc3\xa9",
         "phuong ben nghe"},                         /* Phường Bến Nghé */
        {"Nguye\xcc\x82\xcc\x83n", "nguyen"},        /* decomposed */
        {"\xc4\x90\xc4\x82NG K\xc3\x9d", "dang ky"}, /* ĐĂNG KÝ */
        {"\xc4\x91\xc6\xb0\xe1\xbb\x9dng", "duong"}, /* đường */
        {"H56-260225\t0001", "h56-260225 0001"},
        {"", ""},
        {"   ", ""},
    };
    struct arena *a = arena_new();

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        char *f = jin_fold_text(a, ROWS[i].in);

        assert_non_null(f);
        assert_string_equal(f, ROWS[i].want);
    }
    assert_null(jin_fold_text(a, "a\xc3"));
    assert_null(jin_nfc(a, "\xff"));
    assert_string_equal(jin_nfc(a, "Nguye\xcc\x82\xcc\x83n"), "Nguy\xe1\xbb\x85n");
    arena_free(a);
}

static void
test_utf8(void **state)
{
    static const struct {
        const char *s;
        int valid;
    } ROWS[] = {
        {"", 1},
        {"abc", 1},
        {"\xe1\xbb\x85", 1},     /* ễ */
        {"\xf0\x9f\x98\x80", 1}, /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF */
        {"\x80", 0},             /* lone continuation */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x80\xaf", 0},     /* overlong 3-byte */
        {"\xf0\x80\x80\xaf", 0}, /* overlong 4-byte */
        {"\xed\xbf\xbf", 0},     /* surrogate */
        {"\xf5\x80\x80\x80", 0},
        {"\xe1\xbb", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++)
        assert_int_equal(jin_utf8_valid(ROWS[i].s, strlen(ROWS[i].s)), ROWS[i].valid);
    assert_int_equal(jin_utf8_len("\xc4\x90\xc3\xa0o"), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_string),  cmocka_unit_test(test_get_str),
        cmocka_unit_test(test_get_int_bool), cmocka_unit_test(test_get_instant_date),
        cmocka_unit_test(test_fold),         cmocka_unit_test(test_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
