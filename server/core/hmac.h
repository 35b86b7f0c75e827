/*
 * hmac.h - HMAC-SHA256, hex and base64 codecs and a constant-time comparison, the
 * primitives of the signed integration requests (X-Motcua-Signature, docs/integration.md)
 * and of the webhooks we sign (Standard Webhooks "v1,<base64>"). Thin wrappers over
 * OpenSSL (HMAC(), EVP_EncodeBlock/EVP_DecodeBlock, CRYPTO_memcmp): no state, thread-safe.
 */
#ifndef MOTCUA_CORE_HMAC_H
#define MOTCUA_CORE_HMAC_H

#include <stddef.h>

#define HMAC_SHA256_LEN 32
#define HMAC_SHA256_HEX 65   /* 64 hex digits + NUL */
#define HMAC_SHA256_B64 45   /* 44 base64 characters + NUL */

/* out[32] = HMAC-SHA256(key, msg). */
void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                 unsigned char out[HMAC_SHA256_LEN]);

/*
 * HMAC-SHA256 over the concatenation of n parts (no separator added), so a caller can
 * sign "METHOD\nPATH\nTIMESTAMP\nBODY" without copying the body.
 */
void hmac_sha256_parts(const void *key, size_t key_len, const void *const *parts,
                       const size_t *lens, size_t n, unsigned char out[HMAC_SHA256_LEN]);

/* Lower-case hex of n bytes into out[2n + 1]. */
void hmac_hex(const unsigned char *in, size_t n, char *out);

/*
 * Standard base64 (RFC 4648 §4, with padding) of n bytes into out, which must hold
 * 4 * ((n + 2) / 3) + 1 bytes. Returns the length written (without the NUL).
 */
size_t hmac_b64_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decodes standard base64 (padding required, no white space) into out (cap bytes).
 * Returns the decoded length, or -1 when the text is not base64 or does not fit.
 */
long hmac_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

/*
 * Decodes lower- or upper-case hex into out (cap bytes); -1 for an odd length, a
 * non-hex character or an overflow, else the number of bytes.
 */
long hmac_hex_decode(const char *in, size_t len, unsigned char *out, size_t cap);

/* 1 when a[0..n) == b[0..n), in time independent of the contents (CRYPTO_memcmp). */
int hmac_equal(const void *a, const void *b, size_t n);

#endif
