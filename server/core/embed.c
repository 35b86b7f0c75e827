/*
 * embed.c - lookup in the embedded files. See embed.h.
 */
#include "core/embed.h"

#include <string.h>

const struct embed_file *
embed_find(const char *name)
{
    for (size_t i = 0; i < EMBED_NFILES; i++)
        if (strcmp(EMBED_FILES[i].name, name) == 0)
            return &EMBED_FILES[i];
    return NULL;
}
