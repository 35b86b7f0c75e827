/*
 * idem_key.h - the one definition of a valid Idempotency-Key header value, shared by the
 * request reader (http/server.c answers 400 BAD_REQUEST before any handler runs) and the
 * idempotency store (api/dossier/idem.c, column idempotency_key.key), and published in
 * proto/openapi.yaml components/parameters/IdempotencyKey.
 *
 * 1 to IDEM_KEY_MAX characters from A-Z a-z 0-9 . _ : - : what clients send (UUIDs,
 * ULIDs, "<system>:<id>" keys), and nothing that needs quoting in a log line.
 */
#ifndef MOTCUA_HTTP_IDEM_KEY_H
#define MOTCUA_HTTP_IDEM_KEY_H

#define IDEM_KEY_MAX 255

/* The message of the 400 answer to a malformed key. */
#define IDEM_KEY_RULE "Idempotency-Key: 1-255 characters A-Z a-z 0-9 . _ : -"

/* 1 when k is a valid key, else 0. */
int http_idem_key_valid(const char *k);

#endif
