/*
 * web.h - the web client (server/web), built into the binary by tools/webembed.c and
 * served by api/system/web.c: the staff application at "/", the citizen's lookup page at
 * "/tra-cuu", and their assets at "/assets/<WEB_BUILD_ID>/<file>" (immutable).
 */
#ifndef MOTCUA_API_WEB_H
#define MOTCUA_API_WEB_H

#include <stddef.h>

struct web_file {
    const char *name;          /* "app.js" */
    const char *type;          /* Content-Type */
    const unsigned char *data; /* as served ("{{BUILD}}" already replaced in HTML) */
    size_t len;
    const unsigned char *gz;   /* the same, gzip'd */
    size_t gz_len;             /* 0: gzip would not make it smaller, never sent so */
    const char *etag;          /* strong validator: "\"<hash of data>\"" */
};

extern const char WEB_BUILD_ID[];         /* 12 hex digits, changes with any file */
extern const struct web_file WEB_FILES[]; /* ends with a NULL name */

/* The file of that name, or NULL. */
const struct web_file *web_find(const char *name);

#endif
