/*
 * test_password.c - password policy, Argon2id hashing and verification
 * (core/password.c). The known-answer row is the Argon2id vector of the
 * reference implementation's test suite (P-H-C/phc-winner-argon2 src/test.c,
 * version 0x13, t=2, m=2^16, p=1, "password"/"somesalt").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/password.h"

/* Cheap parameters for round trips, so the suite stays fast under ASan. */
static const struct password_params CHEAP = {256, 1, 1};

static const struct {
    const char *pw;
    int ok;
    const char *why;
} POLICY[] = {
    {"", 0, "empty"},
    {"123456789", 0, "9 ASCII characters"},
    {"1234567890", 1, "10 ASCII characters"},
    /* "Hà Nội 123" is 10 code points but 13 bytes: counts characters, not bytes. */
    {"H\xc3\xa0 N\xe1\xbb\x99i 123", 1, "10 code points with diacritics"},
    /* "Hà Nội 12" is 9 code points but 12 bytes. */
    {"H\xc3\xa0 N\xe1\xbb\x99i 12", 0, "9 code points, 12 bytes"},
    {"abcdefghi\x7f", 0, "DEL"},
    {"abcdefghij\tk", 0, "tab"},
    {"abcdefghij\xc2\x85", 0, "C1 control NEL"},
    {"abcdefghij\xc0\xaf", 0, "overlong slash"},
    {"abcdefghij\xed\xa0\x80", 0, "UTF-16 surrogate"},
    {"abcdefghij\xf4\x90\x80\x80", 0, "above U+10FFFF"},
    {"abcdefghij\xe1\xbb", 0, "truncated sequence"},
    {"abcdefghij\xff", 0, "byte 0xFF"},
};

static void
test_policy(void **state)
{
    for (size_t i = 0; i < sizeof(POLICY) / sizeof(POLICY[0]); i++) {
        struct mc_err e;
        int rc = password_check_policy(POLICY[i].pw, &e);

        if ((rc == 0) != POLICY[i].ok)
            fail_msg("policy row %zu (%s): got %d", i, POLICY[i].why, rc);
        if (rc != 0) {
            assert_int_equal(e.code, ERR_VALIDATION);
            assert_string_equal(e.field, "password");
        }
    }
}

static void
test_policy_max_length(void **state)
{
    char pw[PASSWORD_MAX_BYTES + 2];
    struct mc_err e;

    memset(pw, 'a', sizeof(pw));
    pw[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_check_policy(pw, &e), 0);
    pw[PASSWORD_MAX_BYTES] = 'a';
    pw[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(password_check_policy(pw, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    /* password_hash refuses it too, and verify never matches it. */
    char phc[PASSWORD_PHC_MAX];
    assert_int_equal(password_hash(pw, &CHEAP, phc, sizeof(phc), &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
}

static void
test_reference_vector(void **state)
{
    static const char PHC[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"
                              "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    assert_int_equal(password_verify(PHC, "password"), 1);
    assert_int_equal(password_verify(PHC, "passwore"), 0);
    assert_int_equal(password_verify(PHC, "Password"), 0);
    assert_int_equal(password_verify(PHC, ""), 0);
    assert_int_equal(password_needs_rehash(PHC, NULL), 1);
}

static void
test_round_trip(void **state)
{
    char a[PASSWORD_PHC_MAX], b[PASSWORD_PHC_MAX];
    struct mc_err e;
    const char *pw = "M\xe1\xba\xadt kh\xe1\xba\xa9u m\xe1\xbb\x99t c\xe1\xbb\xad"; /* Mật khẩu một cử */

    assert_int_equal(password_hash(pw, &CHEAP, a, sizeof(a), &e), 0);
    assert_int_equal(password_hash(pw, &CHEAP, b, sizeof(b), &e), 0);
    assert_true(strncmp(a, "$argon2id$v=19$m=256,t=1,p=1$", 29) == 0);
    /* Fresh salt each time: same password, different strings. */
    assert_string_not_equal(a, b);
    assert_int_equal(password_verify(a, pw), 1);
    assert_int_equal(password_verify(b, pw), 1);
    assert_int_equal(password_verify(a, "M\xe1\xba\xadt kh\xe1\xba\xa9u m\xe1\xbb\x99t c\xe1\xbb\xaD!"),
                     0);
    assert_int_equal(password_needs_rehash(a, &CHEAP), 0);
    assert_int_equal(password_needs_rehash(a, NULL), 1);
}

static void
test_default_params(void **state)
{
    char phc[PASSWORD_PHC_MAX];
    struct mc_err e;

    assert_int_equal(password_hash("correct horse battery", NULL, phc, sizeof(phc), &e), 0);
    assert_true(strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_int_equal(password_needs_rehash(phc, NULL), 0);
    assert_int_equal(password_verify(phc, "correct horse battery"), 1);
    assert_int_equal(password_verify(phc, "correct horse batterY"), 0);
}

static const char *const MALFORMED[] = {
    "",
    "plaintext-password",
    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    "$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    /* 4 GiB memory cost in a tampered row: refused before any allocation. */
    "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    "$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
    "$argon2id$v=19$m=65536,t=2,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    "$argon2id$v=19$m=65536,t=2,p=1",
};

static void
test_malformed(void **state)
{
    for (size_t i = 0; i < sizeof(MALFORMED) / sizeof(MALFORMED[0]); i++) {
        if (password_verify(MALFORMED[i], "password") != 0)
            fail_msg("malformed row %zu verified", i);
        assert_int_equal(password_needs_rehash(MALFORMED[i], NULL), 1);
    }
    assert_int_equal(password_verify(NULL, "password"), 0);
}

static double
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/*
 * The dummy hash must cost one real Argon2id computation (unknown logins take
 * as long as wrong passwords). A string libargon2 failed to decode would return
 * in microseconds; one pass over 19 MiB cannot take under 2 ms.
 */
static void
test_dummy(void **state)
{
    struct timespec t0, t1;

    assert_int_equal(password_needs_rehash(password_dummy_phc(), NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(password_verify(password_dummy_phc(), "anything at all"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(elapsed_ms(&t0, &t1) > 2.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),        cmocka_unit_test(test_policy_max_length),
        cmocka_unit_test(test_reference_vector), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_default_params), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_dummy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
