/*
 * qr.c - QR encoding (libqrencode) and vector drawing for PDF and SVG (qr.h).
 */
#include "doc/qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "doc/html.h"

int
doc_qr_encode(struct arena *a, const char *payload, struct doc_qr *q, struct mc_err *e)
{
    QRcode *code;
    unsigned char *dark;
    size_t n;

    /* 8-bit mode keeps UTF-8 bytes as they are (no Kanji guessing). */
    code = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
    if (code == NULL)
        return err_set(e, ERR_VALIDATION, "QR payload of %zu bytes cannot be encoded",
                       strlen(payload));
    n = (size_t)code->width * (size_t)code->width;
    dark = arena_alloc(a, n);
    /* libqrencode: bit 0 of each byte is the module colour (1 = black). */
    for (size_t i = 0; i < n; i++)
        dark[i] = code->data[i] & 1;
    q->width = code->width;
    q->dark = dark;
    QRcode_free(code);
    return 0;
}

/* The next horizontal run of dark modules of row r from column *c on: its first column in
 * *c and its length in *run; 0 when the row has no more. */
static int
dark_run(const struct doc_qr *q, int r, int *c, int *run)
{
    const unsigned char *row = q->dark + (size_t)r * (size_t)q->width;

    while (*c < q->width && !row[*c])
        (*c)++;
    if (*c >= q->width)
        return 0;
    for (*run = 1; *c + *run < q->width && row[*c + *run]; (*run)++)
        ;
    return 1;
}

void
doc_qr_cairo(const struct doc_qr *q, cairo_t *cr, double x, double y, double size)
{
    int total = q->width + 2 * DOC_QR_QUIET;
    double m = size / total;

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, size, size);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < q->width; r++)
        for (int c = 0, run; dark_run(q, r, &c, &run); c += run)
            cairo_rectangle(cr, x + (c + DOC_QR_QUIET) * m, y + (r + DOC_QR_QUIET) * m,
                            run * m, m);
    /* One fill for all runs; no antialiasing so adjacent runs leave no hairline gaps. */
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    cairo_fill(cr);
    cairo_restore(cr);
}

char *
doc_qr_svg(struct arena *a, const struct doc_qr *q, double size_mm, const char *title)
{
    char *buf = NULL, *out;
    size_t len = 0;
    int total = q->width + 2 * DOC_QR_QUIET;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        abort();
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" width=\"%.1fmm\" "
            "height=\"%.1fmm\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
            "role=\"img\">",
            size_mm, size_mm, total, total);
    if (title != NULL) {
        fputs("<title>", f);
        doc_html_escape(f, title);
        fputs("</title>", f);
    }
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", total,
            total);
    for (int r = 0; r < q->width; r++)
        for (int c = 0, run; dark_run(q, r, &c, &run); c += run)
            fprintf(f, "M%d %dh%dv1h-%dz", c + DOC_QR_QUIET, r + DOC_QR_QUIET, run, run);
    fputs("\"/></svg>", f);
    fclose(f);
    out = arena_strndup(a, buf, len);
    free(buf);
    return out;
}
