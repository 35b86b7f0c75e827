/*
 * token.h - bearer tokens: 256 random bits from OpenSSL's CSPRNG, base64url
 * without padding, behind a prefix that names the kind:
 *   mcs_<43 chars>   session token (POST /api/v1/auth/login, expires)
 *   mck_<43 chars>   integration API key (shown once, revoked by an admin)
 * The prefix lets secret scanners and log scrubbers recognise a leaked token.
 * Only SHA-256 of the whole token string is stored (auth_token.token_hash):
 * a database dump does not hand out working credentials, and since the
 * tokens carry 256 bits of entropy a plain hash (no salt, no stretching) is
 * enough and keeps the lookup a single indexed equality.
 */
#ifndef MOTCUA_CORE_TOKEN_H
#define MOTCUA_CORE_TOKEN_H

#include <stddef.h>

#include "core/err.h"

enum token_kind { TOKEN_INVALID = 0, TOKEN_SESSION = 1, TOKEN_API_KEY = 2 };

#define TOKEN_RANDOM_BYTES 32
#define TOKEN_PREFIX_LEN 4
#define TOKEN_LEN (TOKEN_PREFIX_LEN + 43) /* 4 + base64url(32 bytes) */
#define TOKEN_HASH_HEX 65                 /* 64 hex digits + NUL */

/* "mcs_" / "mck_"; NULL for TOKEN_INVALID. */
const char *token_prefix(enum token_kind kind);

/* "session" / "api_key" (the auth_token.kind column); NULL for TOKEN_INVALID. */
const char *token_kind_name(enum token_kind kind);

/*
 * Writes a new token of that kind into out (NUL-terminated, TOKEN_LEN chars).
 * outlen >= TOKEN_LEN + 1. -1 with ERR_INTERNAL when the RNG fails.
 */
int token_new(enum token_kind kind, char *out, size_t outlen, struct mc_err *e);

/*
 * The kind of a presented token when it is well formed (right prefix, exactly
 * 43 base64url characters after it), TOKEN_INVALID otherwise. Cheap: callers
 * reject garbage before touching the database.
 */
enum token_kind token_parse(const char *s);

/* Lower-case hex SHA-256 of the token string into out[TOKEN_HASH_HEX]. */
void token_hash_hex(const char *token, char out[TOKEN_HASH_HEX]);

/* Constant-time equality of two equal-length byte strings (1 equal, 0 not). */
int token_ct_equal(const void *a, const void *b, size_t n);

#endif
