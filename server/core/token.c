/*
 * token.c - bearer token generation, parsing and hashing. See token.h.
 */
#include "core/token.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/hex.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *
token_prefix(enum token_kind kind)
{
    switch (kind) {
    case TOKEN_SESSION:
        return "mcs_";
    case TOKEN_API_KEY:
        return "mck_";
    default:
        return NULL;
    }
}

const char *
token_kind_name(enum token_kind kind)
{
    switch (kind) {
    case TOKEN_SESSION:
        return "session";
    case TOKEN_API_KEY:
        return "api_key";
    default:
        return NULL;
    }
}

/* base64url without padding of n bytes into out; returns the length written. */
static size_t
b64url(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
        out[o++] = B64URL[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;

        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

int
token_new(enum token_kind kind, char *out, size_t outlen, struct mc_err *e)
{
    unsigned char raw[TOKEN_RANDOM_BYTES];
    const char *prefix = token_prefix(kind);

    if (prefix == NULL || outlen < TOKEN_LEN + 1)
        return err_set(e, ERR_INTERNAL, "bad token kind or buffer");
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return err_set(e, ERR_INTERNAL, "random generator failed");
    memcpy(out, prefix, TOKEN_PREFIX_LEN);
    b64url(raw, sizeof(raw), out + TOKEN_PREFIX_LEN);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

enum token_kind
token_parse(const char *s)
{
    enum token_kind kind;
    size_t i;

    if (s == NULL || strlen(s) != TOKEN_LEN)
        return TOKEN_INVALID;
    if (memcmp(s, "mcs_", TOKEN_PREFIX_LEN) == 0)
        kind = TOKEN_SESSION;
    else if (memcmp(s, "mck_", TOKEN_PREFIX_LEN) == 0)
        kind = TOKEN_API_KEY;
    else
        return TOKEN_INVALID;
    for (i = TOKEN_PREFIX_LEN; i < TOKEN_LEN; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return TOKEN_INVALID;
    }
    /* 32 bytes leave 2 unused bits in the last character: zero in every token we make. */
    if ((strchr(B64URL, s[TOKEN_LEN - 1]) - B64URL) & 3)
        return TOKEN_INVALID;
    return kind;
}

void
token_hash_hex(const char *token, char out[TOKEN_HASH_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        /* Cannot happen with a working libcrypto; an empty hash matches no row. */
        out[0] = '\0';
        return;
    }
    hex_encode(md, 32, out);
}

int
token_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
