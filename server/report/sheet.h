/*
 * sheet.h - a plain table as the files a supervisor downloads: CSV (RFC 4180, UTF-8 with a
 * BOM so Excel reads the diacritics, CRLF) and XLSX (libxlsxwriter). One table, two
 * renderings, the same cells: the title line, an optional second line (the period, the
 * instant of an as-of report), the headings, then the rows. Used by the citizen's-voice
 * reports (api/report/report_eval.c); Biểu 06 keeps its own form (report.h).
 */
#ifndef MOTCUA_REPORT_SHEET_H
#define MOTCUA_REPORT_SHEET_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"

struct arena;

struct sheet {
    const char *title;       /* the first line, in bold */
    const char *subtitle;    /* the second line, or NULL */
    const char *name;        /* the worksheet's name (at most 31 characters) */
    size_t ncols;
    const char *const *head; /* ncols headings */
    json_t *rows;            /* arrays of ncols cells: string, integer, real or null (empty) */
    size_t bold_from;        /* rows from this index on are in bold (totals); >= size: none */
    size_t text_cols;        /* the leading label columns; after them a string that is a
                                whole decimal number ("14.68") is a number in the workbook
                                and stays as it is written in the CSV */
};

/* The CSV in the arena, its length in *len. */
char *sheet_csv(struct arena *a, const struct sheet *s, size_t *len);

/* The workbook in the arena: 0, or -1 with ERR_INTERNAL when the writer fails. */
int sheet_xlsx(struct arena *a, const struct sheet *s, char **out, size_t *len, struct mc_err *e);

#endif
