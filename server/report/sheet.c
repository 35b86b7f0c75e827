/*
 * sheet.c - a plain table as CSV and XLSX (report/sheet.h).
 */
#include "report/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/arena.h"
#include "report/report.h"

struct buf {
    char *b;
    size_t len, cap;
};

static void
put(struct buf *c, const char *s)
{
    size_t n = strlen(s);

    while (c->len + n + 1 > c->cap) {
        c->cap *= 2;
        c->b = xrealloc(c->b, c->cap);
    }
    memcpy(c->b + c->len, s, n);
    c->len += n;
}

/* A cell as CSV text: strings quoted when needed, numbers as JSON writes them, null empty. */
static void
put_cell(struct buf *c, json_t *v)
{
    char num[48];

    if (json_is_string(v)) {
        report_csv_field(&c->b, &c->len, &c->cap, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        put(c, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        put(c, num);
    }
}

char *
sheet_csv(struct arena *a, const struct sheet *s, size_t *len)
{
    struct buf c = {xmalloc(4096), 0, 4096};
    size_t i;
    json_t *row;
    char *out;

    put(&c, "\xEF\xBB\xBF");
    report_csv_field(&c.b, &c.len, &c.cap, s->title);
    put(&c, "\r\n");
    if (s->subtitle != NULL) {
        report_csv_field(&c.b, &c.len, &c.cap, s->subtitle);
        put(&c, "\r\n");
    }
    for (size_t k = 0; k < s->ncols; k++) {
        if (k > 0)
            put(&c, ",");
        report_csv_field(&c.b, &c.len, &c.cap, s->head[k]);
    }
    put(&c, "\r\n");
    json_array_foreach(s->rows, i, row) {
        for (size_t k = 0; k < s->ncols; k++) {
            if (k > 0)
                put(&c, ",");
            put_cell(&c, json_array_get(row, k));
        }
        put(&c, "\r\n");
    }
    out = arena_alloc(a, c.len);
    memcpy(out, c.b, c.len);
    free(c.b);
    *len = c.len;
    return out;
}

static void
write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t k, json_t *v, lxw_format *f, int text)
{
    const char *t = json_string_value(v);
    char *end = NULL;
    double d = t != NULL && !text && t[0] != '\0' ? strtod(t, &end) : 0;

    if (end != NULL && *end == '\0')
        worksheet_write_number(ws, r, k, d, f);
    else if (t != NULL)
        worksheet_write_string(ws, r, k, t, f);
    else if (json_is_number(v))
        worksheet_write_number(ws, r, k, json_number_value(v), f);
    else
        worksheet_write_blank(ws, r, k, f);
}

static int
write_sheet(const char *path, const struct sheet *s)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws;
    lxw_format *title, *head, *cell, *bold;
    lxw_row_t r = 0;
    size_t i;
    json_t *row;

    if (wb == NULL)
        return -1;
    ws = workbook_add_worksheet(wb, s->name);
    title = workbook_add_format(wb);
    format_set_bold(title);
    head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    cell = workbook_add_format(wb);
    format_set_border(cell, LXW_BORDER_THIN);
    bold = workbook_add_format(wb);
    format_set_border(bold, LXW_BORDER_THIN);
    format_set_bold(bold);
    worksheet_write_string(ws, r++, 0, s->title, title);
    if (s->subtitle != NULL)
        worksheet_write_string(ws, r++, 0, s->subtitle, NULL);
    r++;
    worksheet_set_column(ws, 0, 0, 36, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(s->ncols > 1 ? s->ncols - 1 : 1), 14, NULL);
    for (size_t k = 0; k < s->ncols; k++)
        worksheet_write_string(ws, r, (lxw_col_t)k, s->head[k], head);
    r++;
    json_array_foreach(s->rows, i, row) {
        for (size_t k = 0; k < s->ncols; k++)
            write_cell(ws, r, (lxw_col_t)k, json_array_get(row, k), i >= s->bold_from ? bold : cell,
                       k < s->text_cols);
        r++;
    }
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int
sheet_xlsx(struct arena *a, const struct sheet *s, char **out, size_t *len, struct mc_err *e)
{
    char path[] = "/tmp/motcua-sheet-XXXXXX";
    int fd = mkstemp(path);

    if (fd < 0)
        return err_set(e, ERR_INTERNAL, "xlsx: no temporary file");
    close(fd);
    if (write_sheet(path, s) != 0) {
        unlink(path);
        return err_set(e, ERR_INTERNAL, "xlsx: writer failed");
    }
    return xlsx_read_back(a, path, out, len, e);
}
