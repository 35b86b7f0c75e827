/*
 * pdf.h - PDF of a form model (form.h), drawn with cairo and laid out with
 * pango (HarfBuzz shaping, so Vietnamese stacked diacritics come out right and
 * text is extractable). A5 portrait for Mẫu 01-05, A4 landscape for the
 * register (domain.md §3); long tables continue on new pages with their
 * header repeated. Rendered into memory (cairo_pdf_surface_create_for_stream),
 * no temporary files.
 *
 * Fonts: DOC_PDF_FONT (DejaVu Serif from fonts-dejavu-core, which covers the
 * whole Vietnamese Latin Extended Additional block); fontconfig falls back to
 * any installed font with the glyph. Safe to call from several threads at once:
 * pango keeps one font map per thread.
 */
#ifndef MOTCUA_DOC_PDF_H
#define MOTCUA_DOC_PDF_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "doc/form.h"

#define DOC_PDF_FONT "DejaVu Serif"

/*
 * Renders m. On success *out (in the arena) and *len hold the PDF bytes.
 * ERR_VALIDATION when the QR payload cannot be encoded, ERR_INTERNAL when
 * cairo fails.
 */
int doc_pdf(struct arena *a, const struct doc_model *m, char **out, size_t *len,
            struct mc_err *e);

/* Loads fonts once (the first render of a thread pays for the fontconfig scan). */
void doc_pdf_warmup(void);

/*
 * Releases the calling thread's font map and the process-wide caches of cairo
 * and fontconfig. Call once at exit, after every renderer thread has stopped,
 * so leak checkers see a clean heap.
 */
void doc_pdf_shutdown(void);

#endif
