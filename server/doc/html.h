/*
 * html.h - printable HTML of a form model (form.h): one UTF-8 document with
 * its own CSS (@page size A5 portrait, or A4 landscape for the register), the
 * national heading, and the QR code as inline SVG. Every text of the model is
 * escaped; nothing is fetched from elsewhere, so the page prints offline.
 */
#ifndef MOTCUA_DOC_HTML_H
#define MOTCUA_DOC_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/err.h"
#include "doc/form.h"

/* Writes s with & < > " ' replaced by character references. NULL writes nothing. */
void doc_html_escape(FILE *f, const char *s);

/*
 * Renders m. On success *out (NUL-terminated, in the arena) and *len are set.
 * ERR_VALIDATION when the QR payload cannot be encoded.
 */
int doc_html(struct arena *a, const struct doc_model *m, char **out, size_t *len,
             struct mc_err *e);

#endif
