/*
 * idem_key.c - validity of an Idempotency-Key header value (http/idem_key.h).
 */
#include "http/idem_key.h"

#include <stddef.h>

int
http_idem_key_valid(const char *k)
{
    size_t n = 0;

    for (; k[n] != '\0'; n++) {
        char ch = k[n];

        if (n >= IDEM_KEY_MAX ||
            !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == ':' || ch == '-'))
            return 0;
    }
    return n > 0;
}
