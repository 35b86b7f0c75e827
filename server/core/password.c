/*
 * password.c - Argon2id password hashing (libargon2) and the password policy.
 * See password.h; the cost figures are measured in docs/security.md.
 */
#include "core/password.h"

#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#define SALT_LEN 16
#define HASH_LEN 32

/* OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1. */
const struct password_params PASSWORD_DEFAULT = {19456, 2, 1};

/*
 * Upper bounds on the parameters read back from a stored hash: a row edited
 * in the database must not make one login allocate gigabytes.
 */
#define MAX_M_KIB (256u * 1024u)
#define MAX_T_COST 16u
#define MAX_LANES 8u

/*
 * Decodes one UTF-8 sequence at s (strict: no overlong forms, no surrogates,
 * nothing above U+10FFFF). Returns its length and stores the code point, or 0
 * when the bytes are not valid UTF-8.
 */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
    uint32_t c;
    size_t n, i;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        c = s[0] & 0x1F;
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        c = s[0] & 0x0F;
        n = 3;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        c = s[0] & 0x07;
        n = 4;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

int
password_check_policy(const char *pw, struct mc_err *e)
{
    const unsigned char *p = (const unsigned char *)pw;
    size_t chars = 0, len = strlen(pw);
    uint32_t cp;

    if (len > PASSWORD_MAX_BYTES)
        return err_field(e, ERR_VALIDATION, "password", "password longer than %d bytes",
                         PASSWORD_MAX_BYTES);
    while (*p != '\0') {
        size_t n = utf8_next(p, &cp);

        if (n == 0)
            return err_field(e, ERR_VALIDATION, "password", "password is not valid UTF-8");
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return err_field(e, ERR_VALIDATION, "password",
                             "password contains a control character");
        p += n;
        chars++;
    }
    if (chars < PASSWORD_MIN_CHARS)
        return err_field(e, ERR_VALIDATION, "password", "password shorter than %d characters",
                         PASSWORD_MIN_CHARS);
    return 0;
}

int
password_hash(const char *pw, const struct password_params *params, char *out, size_t outlen,
              struct mc_err *e)
{
    unsigned char salt[SALT_LEN];
    char buf[PASSWORD_PHC_MAX];
    size_t len = strlen(pw);
    int rc;

    if (params == NULL)
        params = &PASSWORD_DEFAULT;
    if (len > PASSWORD_MAX_BYTES)
        return err_field(e, ERR_VALIDATION, "password", "password longer than %d bytes",
                         PASSWORD_MAX_BYTES);
    if (argon2_encodedlen(params->t_cost, params->m_kib, params->lanes, SALT_LEN, HASH_LEN,
                          Argon2_id) > sizeof(buf) ||
        outlen < PASSWORD_PHC_MAX)
        return err_set(e, ERR_INTERNAL, "password hash buffer too small");
    if (RAND_bytes(salt, sizeof(salt)) != 1)
        return err_set(e, ERR_INTERNAL, "random generator failed");
    rc = argon2id_hash_encoded(params->t_cost, params->m_kib, params->lanes, pw, len, salt,
                               sizeof(salt), HASH_LEN, buf, sizeof(buf));
    if (rc != ARGON2_OK)
        return err_set(e, ERR_INTERNAL, "argon2: %s", argon2_error_message(rc));
    memcpy(out, buf, strlen(buf) + 1);
    return 0;
}

/* Reads m, t, p from an Argon2id v=19 PHC string; 0, or -1 when it is not one. */
static int
phc_params(const char *phc, struct password_params *p)
{
    unsigned m, t, l;
    int used = 0;

    if (strncmp(phc, "$argon2id$v=19$m=", 17) != 0 || strlen(phc) >= 2 * PASSWORD_PHC_MAX)
        return -1;
    if (sscanf(phc, "$argon2id$v=19$m=%u,t=%u,p=%u$%n", &m, &t, &l, &used) != 3 || used == 0)
        return -1;
    if (m == 0 || m > MAX_M_KIB || t == 0 || t > MAX_T_COST || l == 0 || l > MAX_LANES)
        return -1;
    p->m_kib = m;
    p->t_cost = t;
    p->lanes = l;
    return 0;
}

int
password_verify(const char *phc, const char *pw)
{
    struct password_params p;
    size_t len = strlen(pw);

    if (phc == NULL || phc_params(phc, &p) != 0)
        return 0;
    /* Too long to have been accepted by password_hash: never a match, and no work. */
    if (len > PASSWORD_MAX_BYTES)
        return 0;
    return argon2id_verify(phc, pw, len) == ARGON2_OK;
}

int
password_needs_rehash(const char *phc, const struct password_params *params)
{
    struct password_params p;

    if (params == NULL)
        params = &PASSWORD_DEFAULT;
    if (phc_params(phc, &p) != 0)
        return 1;
    return p.m_kib != params->m_kib || p.t_cost != params->t_cost || p.lanes != params->lanes;
}

const char *
password_dummy_phc(void)
{
    /*
     * Well-formed, default parameters, 16-byte salt and 32-byte hash of no
     * known password: verifying against it costs exactly one real Argon2id
     * computation and never matches.
     */
    return "$argon2id$v=19$m=19456,t=2,p=1$bW90Y3VhLWR1bW15LXNhbHQ"
           "$9f1Jb0aZ3nQy7VdK2LrXcH4sT8pWm6eU1oGiA5BtNzE";
}
