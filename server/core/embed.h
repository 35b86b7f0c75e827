/*
 * embed.h - files built into the binary (tools/embed.c): the migrations
 * sql/NNN_name.sql and the announced calendar sql/calendar_vn.tsv. Sorted by name.
 */
#ifndef MOTCUA_CORE_EMBED_H
#define MOTCUA_CORE_EMBED_H

#include <stddef.h>

struct embed_file {
    const char *name;          /* "001_init.sql", "fn/20_reports.sql" (path below sql/) */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
};

extern const struct embed_file EMBED_FILES[]; /* ends with a NULL name */
extern const size_t EMBED_NFILES;

/* The file of that name, or NULL. */
const struct embed_file *embed_find(const char *name);

#endif
