/*
 * hmac.c - HMAC-SHA256 and the codecs of hmac.h over OpenSSL.
 */
#include "core/hmac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hex.h"

/* OpenSSL failing an HMAC means no memory or a broken library: like OOM, not an error path. */
static void
fatal(const char *what)
{
    fprintf(stderr, "motcua: %s\n", what);
    abort();
}

void
hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
            unsigned char out[HMAC_SHA256_LEN])
{
    const void *parts[1] = {msg};
    size_t lens[1] = {msg_len};

    hmac_sha256_parts(key, key_len, parts, lens, 1, out);
}

void
hmac_sha256_parts(const void *key, size_t key_len, const void *const *parts,
                  const size_t *lens, size_t n, unsigned char out[HMAC_SHA256_LEN])
{
    static const unsigned char empty[1] = {0};
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx;
    OSSL_PARAM params[2];
    size_t outl = 0;

    if (mac == NULL)
        fatal("OpenSSL: HMAC unavailable");
    ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL)
        fatal("OpenSSL: out of memory");
    params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    /* An empty key is legal HMAC (padded with zeros); OpenSSL wants a non-NULL pointer. */
    if (EVP_MAC_init(ctx, key_len > 0 ? key : empty, key_len, params) != 1)
        fatal("OpenSSL: HMAC init failed");
    for (size_t i = 0; i < n; i++)
        if (lens[i] > 0 && EVP_MAC_update(ctx, parts[i], lens[i]) != 1)
            fatal("OpenSSL: HMAC update failed");
    if (EVP_MAC_final(ctx, out, &outl, HMAC_SHA256_LEN) != 1 || outl != HMAC_SHA256_LEN)
        fatal("OpenSSL: HMAC final failed");
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

void
hmac_hex(const unsigned char *in, size_t n, char *out)
{
    hex_encode(in, n, out);
}

size_t
hmac_b64_encode(const unsigned char *in, size_t n, char *out)
{
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int
b64_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

long
hmac_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    unsigned char tmp[1024];
    size_t pad = 0;
    int got;

    if (len == 0)
        return 0;
    if (len % 4 != 0 || len / 4 * 3 > sizeof(tmp))
        return -1;
    /* EVP_DecodeBlock skips leading blanks and accepts '=' anywhere: check strictly. */
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '=' && i >= len - 2) {
            pad++;
            continue;
        }
        if (!b64_char((unsigned char)in[i]) || pad > 0)
            return -1;
    }
    got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
    if (got < 0 || (size_t)got < pad)
        return -1;
    got -= (int)pad; /* EVP_DecodeBlock counts the padding as zero bytes */
    if ((size_t)got > cap)
        return -1;
    memcpy(out, tmp, (size_t)got);
    return got;
}

long
hmac_hex_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    return hex_decode(in, len, out, cap);
}

int
hmac_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
