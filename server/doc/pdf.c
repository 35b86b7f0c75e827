/*
 * pdf.c - PDF rendering of a form model with cairo + pango (pdf.h).
 *
 * Units are PostScript points (1/72 in): the pango context is set to 72 dpi so
 * a font size in points is a size in user units. The page is laid out top to
 * bottom with a cursor; a block that does not fit starts a new page.
 */
#include "doc/pdf.h"

#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "doc/qr.h"

/* ISO 216 sizes in points: 148 x 210 mm and 297 x 210 mm. */
#define MM (72.0 / 25.4)
#define A5_W (148.0 * MM)
#define A5_H (210.0 * MM)
#define A4_W (297.0 * MM)
#define A4_H (210.0 * MM)

struct sink {
    char *data;
    size_t len, cap;
};

struct pdf {
    cairo_t *cr;
    PangoContext *pc;
    double pw, ph;    /* page size */
    double margin;
    double x0, cw;    /* content left and width */
    double y;         /* cursor */
    double body;      /* body font size */
    double table_sz;  /* table font size */
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct sink *s = closure;

    if (s->len + length > s->cap) {
        size_t cap = s->cap ? s->cap : 16384;

        while (cap < s->len + length)
            cap *= 2;
        s->data = xrealloc(s->data, cap);
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, length);
    s->len += length;
    return CAIRO_STATUS_SUCCESS;
}

static PangoLayout *
layout(struct pdf *p, const char *text, double size, unsigned style, double width,
       PangoAlignment align)
{
    PangoLayout *l = pango_layout_new(p->pc);
    PangoFontDescription *fd = pango_font_description_from_string(DOC_PDF_FONT);

    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (style & DOC_ST_BOLD)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    if (style & DOC_ST_ITALIC)
        pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double
layout_h(PangoLayout *l)
{
    PangoRectangle ink, log;

    pango_layout_get_extents(l, &ink, &log);
    return (double)log.height / PANGO_SCALE;
}

static double
layout_w(PangoLayout *l)
{
    PangoRectangle ink, log;

    pango_layout_get_extents(l, &ink, &log);
    return (double)log.width / PANGO_SCALE;
}

static void
show(struct pdf *p, PangoLayout *l, double x, double y)
{
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

static void
new_page(struct pdf *p)
{
    cairo_show_page(p->cr);
    p->y = p->margin;
}

/* Starts a new page when h more points do not fit (and the page is not empty). */
static void
need(struct pdf *p, double h)
{
    if (p->y + h > p->ph - p->margin && p->y > p->margin + 1)
        new_page(p);
}

/* The largest size <= size (down to min) at which text fits on one line of width w. */
static double
fit_size(struct pdf *p, const char *text, double size, double min, unsigned style, double w)
{
    for (; size > min; size -= 0.25) {
        PangoLayout *l = layout(p, text, size, style, -1, PANGO_ALIGN_LEFT);
        double tw = layout_w(l);

        g_object_unref(l);
        if (tw <= w)
            break;
    }
    return size;
}

/* One centred line with an underline as wide as the text (or `frac` of the column). */
static double
centred_line(struct pdf *p, const char *text, double size, unsigned style, double x, double w,
             double y, int underline, double frac)
{
    PangoLayout *l = layout(p, text, size, style, w, PANGO_ALIGN_CENTER);
    double h = layout_h(l), tw = layout_w(l);

    show(p, l, x, y);
    g_object_unref(l);
    if (underline) {
        double uw = frac > 0 ? w * frac : (tw < w ? tw : w);

        cairo_set_line_width(p->cr, 0.6);
        cairo_move_to(p->cr, x + (w - uw) / 2, y + h + 1.5);
        cairo_line_to(p->cr, x + (w + uw) / 2, y + h + 1.5);
        cairo_stroke(p->cr);
        h += 3;
    }
    return h;
}

/* text laid out (size, style, width w, align) and shown at (x, y); its height. */
static double
show_text(struct pdf *p, const char *text, double size, unsigned style, double w,
          PangoAlignment align, double x, double y)
{
    PangoLayout *l = layout(p, text, size, style, w, align);
    double h = layout_h(l);

    show(p, l, x, y);
    g_object_unref(l);
    return h;
}

/*
 * The form number, top right, and the QR in the top-left corner with its caption. *qs: the
 * QR's size less the quiet zone in the margin; *y: the line under the form number. Returns
 * the height of the QR and its caption.
 */
static double
heading_corner(struct pdf *p, const struct doc_model *m, const struct doc_qr *qr, double *qs,
               double *y)
{
    double top = p->margin, qh, h;

    /* A5: ~28 mm with the quiet zone, so a 150 dpi scan has ~2.5 px a module; A4: ~22 mm */
    *qs = m->page == DOC_PAGE_A5 ? 80.0 : 64.0;
    /* Form number, top right (TT 01/2018, TT 03/2025 templates). */
    h = show_text(p, m->form_label, p->body - 1, DOC_ST_BOLD | DOC_ST_ITALIC, p->cw,
                  PANGO_ALIGN_RIGHT, p->x0, top);
    *y = top + h + 2;
    /* QR in the top-left corner (TT 01/2023/TT-VPCP). */
    if (qr != NULL) {
        /* The quiet zone lies in the page margin, so the modules align with the text. */
        double quiet = *qs * DOC_QR_QUIET / (qr->width + 2 * DOC_QR_QUIET);

        doc_qr_cairo(qr, p->cr, p->x0 - quiet, top - quiet, *qs);
        *qs -= quiet;
    }
    qh = *qs;
    if (qr != NULL && m->qr_caption != NULL)
        /* the second factor the lookup page asks for, right under the QR that opens it */
        qh = *qs + 1 +
             show_text(p, m->qr_caption, p->body - 1.5, DOC_ST_BOLD, *qs + 30, PANGO_ALIGN_LEFT,
                       p->x0, top + *qs + 1);
    return qh;
}

/* Beside the QR (qs wide) from y: the issuing body on the left, the national heading on the
 * right; the lower of their ends. */
static double
heading_sides(struct pdf *p, const struct doc_model *m, double qs, double y)
{
    static const char nation[] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    static const char motto[] = "Độc lập - Tự do - Hạnh phúc";
    double lx = p->x0 + qs + 2;
    double lw = (p->cw - qs - 2) * (m->page == DOC_PAGE_A5 ? 0.40 : 0.45);
    double rx = lx + lw, rw = p->x0 + p->cw - rx;
    double ly = y, ry, sz;

    if (m->issuer_parent != NULL) {
        sz = fit_size(p, m->issuer_parent, p->body - 1, 6.5, 0, lw);
        ly += show_text(p, m->issuer_parent, sz, 0, lw, PANGO_ALIGN_CENTER, lx, ly);
    }
    ly += centred_line(p, m->issuer, p->body - 1, DOC_ST_BOLD, lx, lw, ly, 1, 0.4);

    sz = fit_size(p, nation, p->body - 1, 6.5, DOC_ST_BOLD, rw);
    ry = y + centred_line(p, nation, sz, DOC_ST_BOLD, rx, rw, y, 0, 0);
    ry += centred_line(p, motto, sz + 0.5, DOC_ST_BOLD, rx, rw, ry, 1, 0);
    return ly > ry ? ly : ry;
}

static void
heading(struct pdf *p, const struct doc_model *m, const struct doc_qr *qr)
{
    double qs, y, h, qh = heading_corner(p, m, qr, &qs, &y);
    double sides = heading_sides(p, m, qs, y);

    p->y = p->margin + qh;
    if (sides > p->y)
        p->y = sides;
    p->y += 4;

    if (m->place_date != NULL) {
        h = show_text(p, m->place_date, p->body, DOC_ST_ITALIC, p->cw, PANGO_ALIGN_RIGHT, p->x0,
                      p->y);
        p->y += h + 4;
    }
    h = show_text(p, m->title, p->body + 2, DOC_ST_BOLD, p->cw, PANGO_ALIGN_CENTER, p->x0, p->y);
    p->y += h + 4;
    if (m->subtitle != NULL) {
        h = show_text(p, m->subtitle, p->body, DOC_ST_ITALIC, p->cw, PANGO_ALIGN_CENTER, p->x0,
                      p->y);
        p->y += h + 4;
    }
}

static void
text_block(struct pdf *p, const struct doc_block *b)
{
    double indent = (b->style & DOC_ST_INDENT) ? 14 : 0;
    PangoLayout *l = layout(p, b->text, p->body, b->style, p->cw - indent,
                            (b->style & DOC_ST_CENTER) ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
    double h = layout_h(l);

    need(p, h);
    show(p, l, p->x0 + indent, p->y);
    p->y += h + 2;
    g_object_unref(l);
}

/* "label: value" with the value in bold (one layout, so it wraps as one paragraph). */
static void
field_block(struct pdf *p, const struct doc_block *b)
{
    size_t ll = strlen(b->label);
    char *s = xmalloc(ll + 2 + strlen(b->text) + 1);
    PangoAttrList *attrs = pango_attr_list_new();
    PangoAttribute *bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
    PangoLayout *l;
    double h;

    memcpy(s, b->label, ll);
    memcpy(s + ll, ": ", 2);
    strcpy(s + ll + 2, b->text);
    l = layout(p, s, p->body, b->style, p->cw, PANGO_ALIGN_LEFT);
    bold->start_index = (guint)(ll + 2);
    bold->end_index = G_MAXUINT;
    pango_attr_list_insert(attrs, bold);
    pango_layout_set_attributes(l, attrs);
    pango_attr_list_unref(attrs);
    h = layout_h(l);
    need(p, h);
    show(p, l, p->x0, p->y);
    p->y += h + 2;
    g_object_unref(l);
    free(s);
}

/* Draws one table row (cells may be NULL); returns its height; dry = measure only. */
static double
table_row(struct pdf *p, const struct doc_block *b, const char *const *cells, unsigned style,
          int dry)
{
    const double pad = 2.5;
    double h = 0, x = p->x0;
    PangoLayout *ls[32];
    size_t nc = b->ncols < 32 ? b->ncols : 32;

    for (size_t c = 0; c < nc; c++) {
        double w = p->cw * b->widths[c];
        double ch;

        ls[c] = layout(p, cells[c], p->table_sz, style, w - 2 * pad,
                       (style & DOC_ST_BOLD) ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
        ch = layout_h(ls[c]) + 2 * pad;
        if (ch > h)
            h = ch;
    }
    for (size_t c = 0; c < nc; c++) {
        double w = p->cw * b->widths[c];

        if (!dry) {
            show(p, ls[c], x + pad, p->y + pad);
            cairo_set_line_width(p->cr, 0.5);
            cairo_rectangle(p->cr, x, p->y, w, h);
            cairo_stroke(p->cr);
        }
        x += w;
        g_object_unref(ls[c]);
    }
    return h;
}

static void
table_block(struct pdf *p, const struct doc_block *b)
{
    static const char *const none[32] = {0};
    double hh = table_row(p, b, b->head, DOC_ST_BOLD, 1);

    need(p, hh + 20);
    p->y += table_row(p, b, b->head, DOC_ST_BOLD, 0);
    for (size_t r = 0; r < b->nrows; r++) {
        const char *const *row = b->cells + r * b->ncols;
        double h = table_row(p, b, row, 0, 1);

        if (p->y + h > p->ph - p->margin) {
            new_page(p);
            p->y += table_row(p, b, b->head, DOC_ST_BOLD, 0);
        }
        p->y += table_row(p, b, row, 0, 0);
    }
    if (b->nrows == 0)
        p->y += table_row(p, b, none, 0, 0);
    p->y += 4;
}

static void
sign_block(struct pdf *p, const struct doc_block *b)
{
    double w = p->cw / 2, h = 0;

    need(p, 90);
    p->y += 6;
    for (int i = 0; i < 2; i++) {
        const struct doc_sign *s = &b->sign[i];
        double x = p->x0 + i * w, y = p->y;
        PangoLayout *l;

        if (s->title == NULL)
            continue;
        l = layout(p, s->title, p->body, DOC_ST_BOLD, w, PANGO_ALIGN_CENTER);
        show(p, l, x, y);
        y += layout_h(l);
        g_object_unref(l);
        l = layout(p, s->note, p->body - 1, DOC_ST_ITALIC, w, PANGO_ALIGN_CENTER);
        show(p, l, x, y);
        y += layout_h(l) + 44; /* room to sign */
        g_object_unref(l);
        if (s->name != NULL) {
            l = layout(p, s->name, p->body, DOC_ST_BOLD, w, PANGO_ALIGN_CENTER);
            show(p, l, x, y);
            y += layout_h(l);
            g_object_unref(l);
        }
        if (y - p->y > h)
            h = y - p->y;
    }
    p->y += h + 4;
}

/* The page size, margins and font sizes of the model's page. */
static void
page_setup(struct pdf *p, const struct doc_model *m)
{
    memset(p, 0, sizeof *p);
    if (m->page == DOC_PAGE_A4_LANDSCAPE) {
        p->pw = A4_W;
        p->ph = A4_H;
        p->margin = 10 * MM;
        p->body = 9;
        p->table_sz = 6.5;
    } else {
        p->pw = A5_W;
        p->ph = A5_H;
        p->margin = 10 * MM;
        p->body = 9;
        p->table_sz = 8;
    }
    p->x0 = p->margin;
    p->cw = p->pw - 2 * p->margin;
}

/* The blocks of the body, in order. */
static void
body_blocks(struct pdf *p, const struct doc_model *m)
{
    for (size_t i = 0; i < m->nblocks; i++) {
        const struct doc_block *b = &m->blocks[i];

        switch (b->kind) {
        case DOC_BLK_TEXT:
            text_block(p, b);
            break;
        case DOC_BLK_FIELD:
            field_block(p, b);
            break;
        case DOC_BLK_TABLE:
            if (b->ncols > 0 && b->ncols <= 32)
                table_block(p, b);
            break;
        case DOC_BLK_SIGN:
            sign_block(p, b);
            break;
        }
    }
}

int
doc_pdf(struct arena *a, const struct doc_model *m, char **out, size_t *len, struct mc_err *e)
{
    struct sink sink = {0};
    struct doc_qr qr;
    struct pdf p;
    cairo_surface_t *surf;
    cairo_status_t st;
    char *title;

    if (m->qr_payload != NULL && doc_qr_encode(a, m->qr_payload, &qr, e) != 0)
        return -1;
    page_setup(&p, m);
    surf = cairo_pdf_surface_create_for_stream(sink_write, &sink, p.pw, p.ph);
    title = arena_printf(a, "%s - %s", m->form_label, m->title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "motcua");
    p.cr = cairo_create(surf);
    p.pc = pango_cairo_create_context(p.cr);
    pango_cairo_context_set_resolution(p.pc, 72.0);
    cairo_set_source_rgb(p.cr, 0, 0, 0);

    heading(&p, m, m->qr_payload != NULL ? &qr : NULL);
    body_blocks(&p, m);
    cairo_show_page(p.cr);
    g_object_unref(p.pc);
    st = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        free(sink.data);
        return err_set(e, ERR_INTERNAL, "cairo: %s", cairo_status_to_string(st));
    }
    *out = arena_alloc(a, sink.len + 1);
    memcpy(*out, sink.data, sink.len);
    *len = sink.len;
    free(sink.data);
    return 0;
}

void
doc_pdf_warmup(void)
{
    struct arena *a = arena_new();
    struct doc_model m;
    struct mc_err e;
    char *out;
    size_t len;

    memset(&m, 0, sizeof m);
    m.page = DOC_PAGE_A5;
    m.form_label = "Mẫu số 01";
    m.issuer = "Ủy ban nhân dân";
    m.title = "Tiếp nhận";
    (void)doc_pdf(a, &m, &out, &len, &e);
    arena_free(a);
}

void
doc_pdf_shutdown(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}
