/*
 * report.h - pure helpers of the reports (domain.md §8): official reporting periods with
 * their cut-off days, the rows of Biểu số 06/VPCP/KSTT (TT 01/2020/TT-VPCP) with its four
 * invariants, and the CSV and XLSX renderings. No I/O except the XLSX writer's temporary
 * file; no clock, no globals.
 */
#ifndef MOTCUA_REPORT_REPORT_H
#define MOTCUA_REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;

enum report_period_kind {
    RP_MONTH = 0,     /* 15/(m-1) .. 14/m */
    RP_QUARTER,       /* 15 of the month before the quarter .. 14 of its last month */
    RP_HALF,          /* 1: 15/12 (y-1) .. 14/06; 2: 15/06 .. 14/12 */
    RP_NINE_MONTHS,   /* 15/12 (y-1) .. 14/09 */
    RP_YEAR,          /* 15/12 (y-1) .. 14/12 */
    RP__COUNT
};

/* "month", "quarter", "half", "nine_months", "year" -> kind; -1 when unknown. */
int report_period_parse(const char *key);
const char *report_period_key(enum report_period_kind k);
/* "Tháng 3 năm 2026", "Quý I năm 2026", "6 tháng đầu năm 2026", ... into buf (>= 64). */
void report_period_label(enum report_period_kind k, int year, int number, char *buf, size_t size);

/*
 * The official period (domain.md §8.2; domain-sources.md §5.3, ND 09/2019 Art. 12): local
 * day numbers from and to, inclusive. number: month 1-12, quarter 1-4, half 1-2, ignored
 * for nine_months and year. year 1971-2200. -1 with ERR_BAD_QUERY naming the field.
 */
int report_period(enum report_period_kind k, int year, int number, int32_t *from, int32_t *to,
                  struct mc_err *e);

/* Biểu 06: columns 3..13 in c[3]..c[13] (c[0..2] unused). */
#define B06_COLS 14

enum b06_kind { B06_DATA = 0, B06_GROUP, B06_TOTAL };

struct b06_row {
    enum b06_kind kind;
    char stt[16];            /* column 1: "I", "1", "" for the total */
    const char *label;       /* column 2 */
    const char *key;         /* level or field code or unit code ("" for the total) */
    int64_t c[B06_COLS];
};

/*
 * Fills the columns from the counters of a cell: received in the period (total and split
 * by channel), carried over, ended (total and by class), open at the end (total and
 * overdue). Totals are taken as given (not recomputed), so that b06_check tests them.
 */
void b06_fill(struct b06_row *r, int64_t received, int64_t online, int64_t direct,
              int64_t carried, int64_t ended, int64_t early, int64_t on_time, int64_t late,
              int64_t open, int64_t overdue);

/* r += s (columns 3..13). */
void b06_add(struct b06_row *r, const struct b06_row *s);

/*
 * The four invariants of domain.md §8.2: 3 = 4 + 5 + 6; 7 = 8 + 9 + 10; 11 = 12 + 13;
 * 3 = 7 + 11 (and no negative cell). -1 with ERR_REPORT_INVARIANT naming the first that
 * fails and the row.
 */
int b06_check(const struct b06_row *r, struct mc_err *e);

/* Header of the rendered report. */
struct b06_meta {
    const char *period_label;  /* "Quý I năm 2026" or "Từ ngày ... đến ngày ..." */
    int32_t from, to;          /* local days */
    const char *unit_name;     /* Đơn vị báo cáo */
    const char *recipient;     /* Đơn vị nhận báo cáo ("" when none) */
    const char *group_title;   /* heading of column 2 */
};

#define B06_TITLE                                                                                  \
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT "  \
    "THỦ TỤC HÀNH CHÍNH"

/* Column headings 1..13 (Vietnamese, as printed), index 1..13. */
extern const char *const B06_HEAD[B06_COLS];

/*
 * CSV (RFC 4180, UTF-8 with a BOM so Excel reads the diacritics, CRLF): title, period,
 * unit lines, one heading line, then one line per row with numbers. In the arena.
 */
char *b06_csv(struct arena *a, const struct b06_meta *m, const struct b06_row *rows, size_t n,
              size_t *len);

/* Appends a CSV field (quoted when it holds a comma, quote, CR or LF). */
void report_csv_field(char **buf, size_t *len, size_t *cap, const char *s);

/*
 * XLSX with libxlsxwriter (written to a temporary file, read back into the arena, file
 * removed): title, period, unit, the two heading rows with merged cells, the rows with
 * numbers as numbers, totals bold. -1 with ERR_INTERNAL when the writer fails.
 */
int b06_xlsx(struct arena *a, const struct b06_meta *m, const struct b06_row *rows, size_t n,
             char **out, size_t *len, struct mc_err *e);

/* The workbook libxlsxwriter wrote at path, read into the arena (*out, *len) and the file
   removed, whatever happens. -1 with ERR_INTERNAL when it cannot be read. */
int xlsx_read_back(struct arena *a, const char *path, char **out, size_t *len, struct mc_err *e);

#endif
