/*
 * html.c - printable HTML of a form (html.h). Layout mirrors pdf.c: QR in the
 * top-left corner, issuing body on the left, national heading on the right,
 * form number top right (TT 01/2023/TT-VPCP; domain.md §3).
 */
#include "doc/html.h"

#include <stdlib.h>
#include <string.h>

#include "doc/qr.h"

static const char CSS_A5[] =
    "@page{size:A5 portrait;margin:10mm 11mm}"
    "body{font-family:'DejaVu Serif','Times New Roman',serif;font-size:10pt;margin:0;"
    "color:#000}";
static const char CSS_A4L[] =
    "@page{size:A4 landscape;margin:10mm}"
    "body{font-family:'DejaVu Serif','Times New Roman',serif;font-size:8pt;margin:0;"
    "color:#000}";
static const char CSS_COMMON[] =
    ".formno{text-align:right;font-weight:bold;font-style:italic;font-size:9pt}"
    ".qrcap{font-size:8pt;text-align:left;white-space:nowrap}"
    ".hdr{width:100%;border-collapse:collapse}.hdr td{vertical-align:top;text-align:center;"
    "padding:0 2px}"
    ".hdr td.qr{width:22mm;text-align:left}.nation{font-weight:bold}"
    ".motto{font-weight:bold;text-decoration:underline;text-underline-offset:3px}"
    ".issuer b{text-decoration:underline;text-underline-offset:3px}"
    ".date{text-align:right;font-style:italic;margin:2mm 0}"
    "h1{font-size:1.15em;text-align:center;margin:3mm 0 1mm}"
    ".sub{text-align:center;margin:0 0 2mm}p{margin:1mm 0;text-align:justify}"
    ".b{font-weight:bold}.i{font-style:italic}.c{text-align:center}.in{padding-left:6mm}"
    "table.grid{width:100%;border-collapse:collapse;margin:1mm 0}"
    "table.grid th,table.grid td{border:0.6pt solid #000;padding:1mm;vertical-align:top}"
    "table.grid th{font-weight:bold;text-align:center}"
    "thead{display:table-header-group}tr{page-break-inside:avoid}"
    ".sign{width:100%;margin-top:4mm;border-collapse:collapse}.sign td{width:50%;"
    "text-align:center;vertical-align:top;height:28mm}";

void
doc_html_escape(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Escaped, with line feeds as <br>. */
static void
esc_lines(FILE *f, const char *s)
{
    const char *nl;

    while (s != NULL && (nl = strchr(s, '\n')) != NULL) {
        char *part = strndup(s, (size_t)(nl - s));

        if (part == NULL)
            abort();
        doc_html_escape(f, part);
        free(part);
        fputs("<br>", f);
        s = nl + 1;
    }
    doc_html_escape(f, s);
}

static const char *
style_class(unsigned st)
{
    static const char *const names[16] = {
        "",      "b",      "i",      "b i",      "c",      "b c",      "i c",      "b i c",
        "in",    "b in",   "i in",   "b i in",   "c in",   "b c in",   "i c in",   "b i c in",
    };
    return names[st & 15];
}

static void
table(FILE *f, const struct doc_block *b)
{
    fputs("<table class=\"grid\"><colgroup>", f);
    for (size_t c = 0; c < b->ncols; c++)
        fprintf(f, "<col style=\"width:%.1f%%\">", b->widths ? b->widths[c] * 100 : 100.0 / b->ncols);
    fputs("</colgroup><thead><tr>", f);
    for (size_t c = 0; c < b->ncols; c++) {
        fputs("<th>", f);
        esc_lines(f, b->head[c]);
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>", f);
    for (size_t r = 0; r < b->nrows; r++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < b->ncols; c++) {
            fputs("<td>", f);
            esc_lines(f, b->cells[r * b->ncols + c]);
            fputs("</td>", f);
        }
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);
}

static void
sign(FILE *f, const struct doc_block *b)
{
    fputs("<table class=\"sign\"><tr>", f);
    for (int i = 0; i < 2; i++) {
        const struct doc_sign *s = &b->sign[i];

        fputs("<td>", f);
        if (s->title != NULL) {
            fputs("<div class=\"b\">", f);
            doc_html_escape(f, s->title);
            fputs("</div><div class=\"i\">", f);
            doc_html_escape(f, s->note);
            fputs("</div><div style=\"height:16mm\"></div><div class=\"b\">", f);
            doc_html_escape(f, s->name);
            fputs("</div>", f);
        }
        fputs("</td>", f);
    }
    fputs("</tr></table>", f);
}

/* The document head, the form number, and the heading table: QR (svg, NULL for none) with
 * its caption, issuing body, national heading. */
static void
html_head(FILE *f, const struct doc_model *m, const char *svg)
{
    fputs("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>", f);
    doc_html_escape(f, m->form_label);
    fputs(" - ", f);
    doc_html_escape(f, m->title);
    fprintf(f, "</title><style>%s%s</style></head><body>\n",
            m->page == DOC_PAGE_A4_LANDSCAPE ? CSS_A4L : CSS_A5, CSS_COMMON);
    fputs("<div class=\"formno\">", f);
    doc_html_escape(f, m->form_label);
    fputs("</div>\n<table class=\"hdr\"><tr><td class=\"qr\">", f);
    if (svg != NULL)
        fputs(svg, f);
    if (svg != NULL && m->qr_caption != NULL) {
        fputs("<div class=\"qrcap\"><b>", f);
        doc_html_escape(f, m->qr_caption);
        fputs("</b></div>", f);
    }
    fputs("</td><td class=\"issuer\">", f);
    if (m->issuer_parent != NULL) {
        doc_html_escape(f, m->issuer_parent);
        fputs("<br>", f);
    }
    fputs("<b>", f);
    doc_html_escape(f, m->issuer);
    fputs("</b></td><td class=\"nation\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>"
          "<span class=\"motto\">Độc lập - Tự do - Hạnh phúc</span></td></tr></table>\n",
          f);
}

/* Place and date, title and subtitle. */
static void
html_title(FILE *f, const struct doc_model *m)
{
    if (m->place_date != NULL) {
        fputs("<p class=\"date\">", f);
        doc_html_escape(f, m->place_date);
        fputs("</p>\n", f);
    }
    fputs("<h1>", f);
    doc_html_escape(f, m->title);
    fputs("</h1>\n", f);
    if (m->subtitle != NULL) {
        fputs("<p class=\"sub\">", f);
        doc_html_escape(f, m->subtitle);
        fputs("</p>\n", f);
    }
}

/* One block of the body. */
static void
html_block(FILE *f, const struct doc_block *b)
{
    switch (b->kind) {
    case DOC_BLK_TEXT:
        fprintf(f, "<p class=\"%s\">", style_class(b->style));
        esc_lines(f, b->text);
        fputs("</p>\n", f);
        break;
    case DOC_BLK_FIELD:
        fprintf(f, "<p class=\"%s\">", style_class(b->style));
        doc_html_escape(f, b->label);
        fputs(": <b>", f);
        esc_lines(f, b->text);
        fputs("</b></p>\n", f);
        break;
    case DOC_BLK_TABLE:
        table(f, b);
        fputc('\n', f);
        break;
    case DOC_BLK_SIGN:
        sign(f, b);
        fputc('\n', f);
        break;
    }
}

int
doc_html(struct arena *a, const struct doc_model *m, char **out, size_t *len, struct mc_err *e)
{
    struct doc_qr qr;
    char *svg = NULL, *buf = NULL;
    size_t n = 0;
    FILE *f;

    if (m->qr_payload != NULL) {
        if (doc_qr_encode(a, m->qr_payload, &qr, e) != 0)
            return -1;
        svg = doc_qr_svg(a, &qr, 20.0, m->qr_payload);
    }
    f = open_memstream(&buf, &n);
    if (f == NULL)
        abort();
    html_head(f, m, svg);
    html_title(f, m);
    for (size_t i = 0; i < m->nblocks; i++)
        html_block(f, &m->blocks[i]);
    fputs("</body></html>\n", f);
    fclose(f);
    *out = arena_strndup(a, buf, n);
    *len = n;
    free(buf);
    return 0;
}
