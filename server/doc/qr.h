/*
 * qr.h - QR codes for the forms (TT 01/2023/TT-VPCP: a QR code in the top-left
 * corner of every document). Encoded with libqrencode (8-bit mode, error
 * correction level M, which survives a crease or a stamp on a corner);
 * drawn as vector squares: cairo rectangles in the PDF, an inline SVG path
 * in HTML, so the code stays sharp at any printer resolution.
 */
#ifndef MOTCUA_DOC_QR_H
#define MOTCUA_DOC_QR_H

#include <stddef.h>

#include <cairo.h>

#include "core/arena.h"
#include "core/err.h"

/* Modules added around the code on every side (ISO/IEC 18004 asks for 4). */
#define DOC_QR_QUIET 4

struct doc_qr {
    int width;                     /* modules per side, without the quiet zone */
    const unsigned char *dark;     /* width * width, 1 = dark module, row-major */
};

/*
 * Encodes payload (UTF-8 bytes, any length the QR version range allows) into
 * q; the module array lives in the arena. ERR_VALIDATION when the payload is
 * too long for a QR code.
 */
int doc_qr_encode(struct arena *a, const char *payload, struct doc_qr *q, struct mc_err *e);

/*
 * Draws q with its quiet zone in the square (x, y, size) of cr, in black,
 * one rectangle per horizontal run of dark modules.
 */
void doc_qr_cairo(const struct doc_qr *q, cairo_t *cr, double x, double y, double size);

/*
 * Inline SVG (<svg ...>...</svg>) of q with its quiet zone, size_mm wide, in
 * the arena. The payload goes into <title> (escaped) for screen readers.
 */
char *doc_qr_svg(struct arena *a, const struct doc_qr *q, double size_mm, const char *title);

#endif
