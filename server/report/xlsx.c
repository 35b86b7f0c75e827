/*
 * xlsx.c - Biểu số 06 as an Excel workbook (libxlsxwriter): the title, the period, the
 * reporting unit, the two heading rows with merged cells as on the printed form (TT
 * 01/2020/TT-VPCP), the column numbers (1)..(13), then the rows with numbers as numbers
 * and group and total rows in bold. libxlsxwriter writes to a file, so the workbook goes
 * to a private temporary file that is read back into the arena and removed.
 */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/arena.h"
#include "domain/cal.h"

static void
dmy(int32_t day, char *buf, size_t size)
{
    struct cal_date d = cal_date_of(day);

    snprintf(buf, size, "%02d/%02d/%04d", d.day, d.month, d.year);
}

/* The cell formats of the workbook. */
struct book_fmt {
    lxw_format *title, *head, *cell, *bold, *left, *leftb;
};

static lxw_format *
bordered(lxw_workbook *wb, int bold, int wrap)
{
    lxw_format *f = workbook_add_format(wb);

    format_set_border(f, LXW_BORDER_THIN);
    if (wrap)
        format_set_text_wrap(f);
    if (bold)
        format_set_bold(f);
    return f;
}

static void
book_formats(lxw_workbook *wb, struct book_fmt *fm)
{
    fm->title = workbook_add_format(wb);
    format_set_bold(fm->title);
    format_set_align(fm->title, LXW_ALIGN_CENTER);
    format_set_align(fm->title, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(fm->title);
    fm->head = workbook_add_format(wb);
    format_set_bold(fm->head);
    format_set_border(fm->head, LXW_BORDER_THIN);
    format_set_align(fm->head, LXW_ALIGN_CENTER);
    format_set_align(fm->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(fm->head);
    fm->cell = bordered(wb, 0, 0);
    fm->bold = bordered(wb, 1, 0);
    fm->left = bordered(wb, 0, 1);
    fm->leftb = bordered(wb, 1, 1);
}

/* Rows 1-4: the title, the period, the reporting and receiving units, the unit of count. */
static void
book_title(lxw_worksheet *ws, const struct b06_meta *m, const struct book_fmt *fm)
{
    char line[512], from[16], to[16];

    worksheet_set_column(ws, 0, 0, 6, NULL);
    worksheet_set_column(ws, 1, 1, 40, NULL);
    worksheet_set_column(ws, 2, 12, 11, NULL);
    worksheet_set_row(ws, 0, 36, NULL);
    worksheet_merge_range(ws, 0, 0, 0, 12, B06_TITLE, fm->title);
    dmy(m->from, from, sizeof(from));
    dmy(m->to, to, sizeof(to));
    snprintf(line, sizeof(line), "Kỳ báo cáo: %s (Từ ngày %s đến ngày %s)", m->period_label,
             from, to);
    worksheet_merge_range(ws, 1, 0, 1, 12, line, fm->title);
    snprintf(line, sizeof(line), "Đơn vị báo cáo: %s", m->unit_name != NULL ? m->unit_name : "");
    worksheet_merge_range(ws, 2, 0, 2, 6, line, NULL);
    snprintf(line, sizeof(line), "Đơn vị nhận báo cáo: %s",
             m->recipient != NULL ? m->recipient : "");
    worksheet_merge_range(ws, 2, 7, 2, 12, line, NULL);
    worksheet_merge_range(ws, 3, 0, 3, 12, "Đơn vị tính: Số hồ sơ TTHC", NULL);
}

/* Headings: rows 5-6 (0-based 4-5), then the column numbers on row 7. */
static void
book_heading(lxw_worksheet *ws, const struct b06_meta *m, lxw_format *head)
{
    static const char *const sub[B06_COLS] = {
        "", "", "", "Tổng số", "Trong đó: Trực tuyến", "Trực tiếp, dịch vụ bưu chính",
        "Từ kỳ trước", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn",
        "Quá hạn"};
    char line[16];

    worksheet_merge_range(ws, 4, 0, 5, 0, B06_HEAD[1], head);
    worksheet_merge_range(ws, 4, 1, 5, 1, m->group_title != NULL ? m->group_title : B06_HEAD[2],
                          head);
    worksheet_merge_range(ws, 4, 2, 4, 5, "Số hồ sơ nhận giải quyết", head);
    worksheet_merge_range(ws, 4, 6, 4, 9, "Số hồ sơ đã giải quyết", head);
    worksheet_merge_range(ws, 4, 10, 4, 12, "Số hồ sơ đang giải quyết", head);
    worksheet_set_row(ws, 5, 45, NULL);
    for (int i = 3; i < B06_COLS; i++)
        worksheet_write_string(ws, 5, (lxw_col_t)(i - 1), sub[i], head);
    for (int i = 1; i < B06_COLS; i++) {
        snprintf(line, sizeof(line), "(%d)", i);
        worksheet_write_string(ws, 6, (lxw_col_t)(i - 1), line, head);
    }
}

static int
write_book(const char *path, const struct b06_meta *m, const struct b06_row *rows, size_t n)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws;
    struct book_fmt fm;
    lxw_row_t r;

    if (wb == NULL)
        return -1;
    ws = workbook_add_worksheet(wb, "Biểu 06");
    book_formats(wb, &fm);
    book_title(ws, m, &fm);
    book_heading(ws, m, fm.head);
    r = 7;
    for (size_t k = 0; k < n; k++, r++) {
        int strong = rows[k].kind != B06_DATA;

        worksheet_write_string(ws, r, 0, rows[k].stt, strong ? fm.bold : fm.cell);
        worksheet_write_string(ws, r, 1, rows[k].label != NULL ? rows[k].label : "",
                               strong ? fm.leftb : fm.left);
        for (int i = 3; i < B06_COLS; i++)
            worksheet_write_number(ws, r, (lxw_col_t)(i - 1), (double)rows[k].c[i],
                                   strong ? fm.bold : fm.cell);
    }
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int
xlsx_read_back(struct arena *a, const char *path, char **out, size_t *len, struct mc_err *e)
{
    FILE *f = fopen(path, "rb");
    long size;
    char *buf;

    unlink(path);
    if (f == NULL)
        return err_set(e, ERR_INTERNAL, "xlsx: cannot read back");
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return err_set(e, ERR_INTERNAL, "xlsx: cannot size");
    }
    buf = arena_alloc(a, (size_t)size);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        return err_set(e, ERR_INTERNAL, "xlsx: short read");
    }
    fclose(f);
    *out = buf;
    *len = (size_t)size;
    return 0;
}

int
b06_xlsx(struct arena *a, const struct b06_meta *m, const struct b06_row *rows, size_t n,
         char **out, size_t *len, struct mc_err *e)
{
    char path[] = "/tmp/motcua-b06-XXXXXX";
    int fd = mkstemp(path);

    if (fd < 0)
        return err_set(e, ERR_INTERNAL, "xlsx: no temporary file");
    close(fd);
    if (write_book(path, m, rows, n) != 0) {
        unlink(path);
        return err_set(e, ERR_INTERNAL, "xlsx: writer failed");
    }
    return xlsx_read_back(a, path, out, len, e);
}
