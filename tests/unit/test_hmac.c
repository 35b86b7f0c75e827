/*
 * test_hmac.c - HMAC-SHA256 against RFC 4231's published test vectors, the Standard
 * Webhooks reference example, base64 (RFC 4648 §10) and hex codecs, constant-time compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hmac.h"

/* RFC 4231 §4.2-4.7 (test case 5, truncated output, left out): key, data, HMAC-SHA-256. */
struct rfc4231 {
    const char *name;
    const char *key_hex;
    const char *data_hex;
    const char *mac_hex;
};

static const struct rfc4231 RFC4231[] = {
    {"case 1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"case 2", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"case 3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
     "dddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {"case 6 (131-byte key)",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368"
     "204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
};

static void
test_rfc4231(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(RFC4231) / sizeof(RFC4231[0]); i++) {
        const struct rfc4231 *t = &RFC4231[i];
        unsigned char key[256], data[256], mac[HMAC_SHA256_LEN];
        char hex[HMAC_SHA256_HEX];
        long kl = hmac_hex_decode(t->key_hex, strlen(t->key_hex), key, sizeof(key));
        long dl = hmac_hex_decode(t->data_hex, strlen(t->data_hex), data, sizeof(data));

        assert_true(kl > 0);
        assert_true(dl > 0);
        hmac_sha256(key, (size_t)kl, data, (size_t)dl, mac);
        hmac_hex(mac, sizeof(mac), hex);
        if (strcmp(hex, t->mac_hex) != 0)
            fail_msg("%s: got %s", t->name, hex);
    }
}

/* Signing in parts equals signing the concatenation (the request signature string). */
static void
test_parts_equal_whole(void **state)
{
    static const char whole[] = "POST\n/api/v1/integration/batch\n1772000000\n{\"items\":[]}";
    const void *parts[] = {"POST\n", "/api/v1/integration/batch", "\n", "1772000000", "\n",
                           "{\"items\":[]}"};
    size_t lens[] = {5, 25, 1, 10, 1, 12};
    unsigned char a[HMAC_SHA256_LEN], b[HMAC_SHA256_LEN];

    (void)state;
    hmac_sha256("k", 1, whole, strlen(whole), a);
    hmac_sha256_parts("k", 1, parts, lens, 6, b);
    assert_memory_equal(a, b, sizeof(a));
}

/*
 * Standard Webhooks reference example (standard-webhooks spec, "Verifying signatures"):
 * secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
 * timestamp 1614265330, body {"test": 2432232314} -> v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
 */
static void
test_standard_webhooks_example(void **state)
{
    static const char secret_b64[] = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static const char msg[] = "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}";
    unsigned char key[64], mac[HMAC_SHA256_LEN];
    char b64[HMAC_SHA256_B64];
    long kl;

    (void)state;
    kl = hmac_b64_decode(secret_b64, strlen(secret_b64), key, sizeof(key));
    assert_int_equal(kl, 24);
    hmac_sha256(key, (size_t)kl, msg, strlen(msg), mac);
    assert_int_equal(hmac_b64_encode(mac, sizeof(mac), b64), 44);
    assert_string_equal(b64, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

/* RFC 4648 §10 test vectors, both directions. */
static const struct {
    const char *raw;
    const char *b64;
} B64[] = {
    {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static void
test_base64_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(B64) / sizeof(B64[0]); i++) {
        char out[32];
        unsigned char back[32];
        long n;

        hmac_b64_encode((const unsigned char *)B64[i].raw, strlen(B64[i].raw), out);
        assert_string_equal(out, B64[i].b64);
        n = hmac_b64_decode(B64[i].b64, strlen(B64[i].b64), back, sizeof(back));
        assert_int_equal(n, (long)strlen(B64[i].raw));
        assert_memory_equal(back, B64[i].raw, (size_t)n);
    }
}

static void
test_base64_rejects(void **state)
{
    static const char *const bad[] = {"Zg=", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg==", " Zm9v",
                                      "Zm9vYmFy\n"};
    unsigned char out[8];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (hmac_b64_decode(bad[i], strlen(bad[i]), out, sizeof(out)) != -1)
            fail_msg("accepted %s", bad[i]);
    /* Does not fit. */
    assert_int_equal(hmac_b64_decode("Zm9vYmFy", 8, out, 5), -1);
}

static void
test_hex(void **state)
{
    unsigned char out[4];
    char back[9];

    (void)state;
    assert_int_equal(hmac_hex_decode("DeadBeef", 8, out, sizeof(out)), 4);
    hmac_hex(out, 4, back);
    assert_string_equal(back, "deadbeef");
    assert_int_equal(hmac_hex_decode("abc", 3, out, sizeof(out)), -1);
    assert_int_equal(hmac_hex_decode("zz", 2, out, sizeof(out)), -1);
    assert_int_equal(hmac_hex_decode("0011223344", 10, out, sizeof(out)), -1);
}

static void
test_equal(void **state)
{
    (void)state;
    assert_true(hmac_equal("abcdef", "abcdef", 6));
    assert_false(hmac_equal("abcdef", "abcdeg", 6));
    assert_false(hmac_equal("xbcdef", "abcdef", 6));
    assert_true(hmac_equal("", "", 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_parts_equal_whole),
        cmocka_unit_test(test_standard_webhooks_example),
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_rejects),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_equal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
