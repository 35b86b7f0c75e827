/*
 * test_hex.c - core/hex.h against RFC 4648 §10's base-16 test vectors and the inputs the
 * callers must refuse (odd length, non-hex, overflow), one row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"

/* RFC 4648 §10: BASE16("") = "", ("f") = "66", ("fo") = "666F", ... ("foobar") = "666F6F626172". */
static const struct {
    const char *raw, *upper, *lower;
} RFC4648[] = {
    {"", "", ""},
    {"f", "66", "66"},
    {"fo", "666F", "666f"},
    {"foo", "666F6F", "666f6f"},
    {"foob", "666F6F62", "666f6f62"},
    {"fooba", "666F6F6261", "666f6f6261"},
    {"foobar", "666F6F626172", "666f6f626172"},
};

static void
test_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(RFC4648) / sizeof(RFC4648[0]); i++) {
        unsigned char out[8];
        char enc[17];
        size_t n = strlen(RFC4648[i].raw);

        hex_encode(RFC4648[i].raw, n, enc);
        assert_string_equal(enc, RFC4648[i].lower);
        assert_int_equal(hex_decode(RFC4648[i].upper, strlen(RFC4648[i].upper), out, sizeof(out)),
                         (long)n);
        assert_memory_equal(out, RFC4648[i].raw, n);
        assert_int_equal(hex_decode(RFC4648[i].lower, strlen(RFC4648[i].lower), out, sizeof(out)),
                         (long)n);
        assert_memory_equal(out, RFC4648[i].raw, n);
    }
}

/* Bytes with the high bit set and zero bytes: encoding must not sign-extend. */
static void
test_high_bytes(void **state)
{
    static const unsigned char raw[] = {0x00, 0x7f, 0x80, 0xff};
    char enc[9];

    (void)state;
    hex_encode(raw, sizeof(raw), enc);
    assert_string_equal(enc, "007f80ff");
}

static const struct {
    const char *in;
    size_t cap;
} REJECTS[] = {
    {"abc", 8},  /* odd length */
    {"zz", 8},   /* not hex */
    {"0g", 8},   /* second digit not hex */
    {" 0", 8},   /* no white space */
    {"0011", 1}, /* does not fit */
    {"-1", 8},   /* no sign */
    {"0x12", 8}, /* no prefix */
};

static void
test_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(REJECTS) / sizeof(REJECTS[0]); i++) {
        unsigned char out[8];

        if (hex_decode(REJECTS[i].in, strlen(REJECTS[i].in), out, REJECTS[i].cap) != -1)
            fail_msg("accepted \"%s\"", REJECTS[i].in);
    }
}

static void
test_digit(void **state)
{
    static const struct {
        int c, v;
    } rows[] = {{'0', 0},  {'9', 9},  {'a', 10}, {'f', 15}, {'A', 10}, {'F', 15}, {'g', -1},
                {'G', -1}, {'/', -1}, {':', -1}, {'@', -1}, {'`', -1}, {0, -1},   {0xff, -1}};

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        assert_int_equal(hex_digit(rows[i].c), rows[i].v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648),
        cmocka_unit_test(test_high_bytes),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_digit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
