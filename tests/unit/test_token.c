/*
 * test_token.c - bearer token format, parsing and hashing (core/token.c).
 * SHA-256 rows: FIPS 180-2 examples ("abc", "") and one token hashed with
 * coreutils sha256sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/token.h"

static const struct {
    const char *in;
    const char *hex;
} HASHES[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
     "4e27a9d26a9d0f676d81fd1fcf2b2ac314b4b2d08d71c5875f39d228ed6dd06f"},
};

static void
test_hash(void **state)
{
    for (size_t i = 0; i < sizeof(HASHES) / sizeof(HASHES[0]); i++) {
        char out[TOKEN_HASH_HEX];

        token_hash_hex(HASHES[i].in, out);
        assert_string_equal(out, HASHES[i].hex);
    }
}

static const struct {
    const char *s;
    enum token_kind kind;
} PARSE[] = {
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TOKEN_SESSION},
    {"mck_abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE", TOKEN_API_KEY},
    /* last character carries 2 unused bits that must be zero ('B' = 1, 'D' = 3) */
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", TOKEN_INVALID},
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD", TOKEN_INVALID},
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID}, /* 44 chars */
    {"mcs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID},   /* 42 chars */
    {"mcx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID},
    {"MCS_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID},
    {"mcs_AAAAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID}, /* base64, not url */
    {"mcs_AAAAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID},
    {"mcs_AAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAA", TOKEN_INVALID},
    {"", TOKEN_INVALID},
    {"mcs_", TOKEN_INVALID},
};

static void
test_parse(void **state)
{
    for (size_t i = 0; i < sizeof(PARSE) / sizeof(PARSE[0]); i++)
        if (token_parse(PARSE[i].s) != PARSE[i].kind)
            fail_msg("parse row %zu: %s", i, PARSE[i].s);
    assert_int_equal(token_parse(NULL), TOKEN_INVALID);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1000 fresh tokens: well formed, parse back to their kind, all distinct. */
static void
test_new(void **state)
{
    enum { N = 1000 };
    char *toks[N];
    struct mc_err e;

    for (int i = 0; i < N; i++) {
        enum token_kind kind = (i & 1) ? TOKEN_API_KEY : TOKEN_SESSION;

        toks[i] = malloc(TOKEN_LEN + 1);
        assert_non_null(toks[i]);
        assert_int_equal(token_new(kind, toks[i], TOKEN_LEN + 1, &e), 0);
        assert_int_equal(strlen(toks[i]), TOKEN_LEN);
        assert_memory_equal(toks[i], token_prefix(kind), TOKEN_PREFIX_LEN);
        assert_int_equal(token_parse(toks[i]), kind);
    }
    qsort(toks, N, sizeof(toks[0]), cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(toks[i - 1], toks[i]);
    for (int i = 0; i < N; i++)
        free(toks[i]);
}

static void
test_new_errors(void **state)
{
    char small[TOKEN_LEN];
    struct mc_err e;

    assert_int_equal(token_new(TOKEN_SESSION, small, sizeof(small), &e), -1);
    assert_int_equal(e.code, ERR_INTERNAL);
    assert_int_equal(token_new(TOKEN_INVALID, small, sizeof(small), &e), -1);
}

static void
test_names(void **state)
{
    assert_string_equal(token_kind_name(TOKEN_SESSION), "session");
    assert_string_equal(token_kind_name(TOKEN_API_KEY), "api_key");
    assert_null(token_kind_name(TOKEN_INVALID));
    assert_null(token_prefix(TOKEN_INVALID));
}

static void
test_ct_equal(void **state)
{
    assert_int_equal(token_ct_equal("abcdef", "abcdef", 6), 1);
    assert_int_equal(token_ct_equal("abcdef", "abcdeg", 6), 0);
    assert_int_equal(token_ct_equal("xbcdef", "abcdef", 6), 0);
    assert_int_equal(token_ct_equal("abc", "abd", 2), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),       cmocka_unit_test(test_parse),
        cmocka_unit_test(test_new),        cmocka_unit_test(test_new_errors),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_ct_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
