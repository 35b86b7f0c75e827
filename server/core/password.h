/*
 * password.h - password hashing with Argon2id (RFC 9106) through libargon2,
 * stored as PHC strings:
 *   $argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>
 * The parameters travel inside the string, so raising the cost later only
 * needs password_needs_rehash() at the next successful login.
 *
 * Cost (docs/security.md): m = 19 MiB, t = 2, p = 1 (OWASP's Argon2id
 * baseline). Hashing is CPU- and memory-heavy by design (tens of ms): callers
 * on an event loop run it off the loop (api/auth/auth.c uses a small thread pool).
 */
#ifndef MOTCUA_CORE_PASSWORD_H
#define MOTCUA_CORE_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Minimum length in Unicode code points (not bytes): a Vietnamese passphrase
   with diacritics is not penalised. */
#define PASSWORD_MIN_CHARS 10
/* Maximum length in bytes: bounds the work an attacker can make us do. */
#define PASSWORD_MAX_BYTES 256
/* Buffer size that holds any PHC string produced here. */
#define PASSWORD_PHC_MAX 128

struct password_params {
    uint32_t m_kib;   /* memory cost in KiB */
    uint32_t t_cost;  /* passes */
    uint32_t lanes;   /* parallelism */
};

/* The production parameters (m=19456 KiB, t=2, p=1). */
extern const struct password_params PASSWORD_DEFAULT;

/*
 * Policy check on a new password: valid UTF-8, at least PASSWORD_MIN_CHARS
 * code points, at most PASSWORD_MAX_BYTES bytes, no control characters.
 * 0, or -1 with ERR_VALIDATION (field "password").
 */
int password_check_policy(const char *pw, struct mc_err *e);

/*
 * Hashes pw with a fresh 16-byte salt from the OS CSPRNG into out (a PHC
 * string, NUL-terminated). outlen >= PASSWORD_PHC_MAX. params NULL means
 * PASSWORD_DEFAULT. -1 with ERR_INTERNAL when the RNG or libargon2 fails, or
 * ERR_VALIDATION when pw is longer than PASSWORD_MAX_BYTES.
 */
int password_hash(const char *pw, const struct password_params *params, char *out,
                  size_t outlen, struct mc_err *e);

/*
 * 1 when pw matches the PHC string phc, 0 when it does not or when phc is not
 * an Argon2id PHC string we accept (never an error the caller must tell apart:
 * a broken stored hash simply does not log in). The final comparison inside
 * libargon2 is constant time.
 */
int password_verify(const char *phc, const char *pw);

/* 1 when phc was made with parameters other than params (NULL: the default). */
int password_needs_rehash(const char *phc, const struct password_params *params);

/*
 * A fixed PHC string with the default parameters, used to verify against
 * when the login is unknown so that "no such account" and "wrong password"
 * take the same time (no account enumeration by timing).
 */
const char *password_dummy_phc(void);

#endif
