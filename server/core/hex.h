/*
 * hex.h - base-16 text (RFC 4648 §8): the one encoder and decoder of the server, used by
 * the HMAC and token codecs, percent-decoding in the router and the query parser, hashes
 * written as text, and the opaque cursors of the list endpoints.
 */
#ifndef MOTCUA_CORE_HEX_H
#define MOTCUA_CORE_HEX_H

#include <stddef.h>

/* The value 0..15 of one hex digit ('0'-'9', 'a'-'f', 'A'-'F'); -1 for any other c. */
int hex_digit(int c);

/*
 * Writes the lower-case hex of in[0..n) and a NUL into out, which must hold 2 * n + 1
 * bytes. Never fails.
 */
void hex_encode(const void *in, size_t n, char *out);

/*
 * Decodes lower- or upper-case hex in[0..len) into out (cap bytes). Returns the number of
 * bytes, or -1 for an odd length, a non-hex character or more than cap bytes; out is
 * written only up to the first bad pair.
 */
long hex_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
