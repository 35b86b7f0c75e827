/*
 * code.h - dossier, procedure and unit codes (domain.md §9, domain-sources.md §7).
 * Pure: no I/O, no clock, no globals. Inputs are (pointer, length) and need not
 * be NUL-terminated; outputs are written only on success.
 *
 *   unit identifier (mã định danh, QĐ 20/2020/QĐ-TTg, QĐ 09/2025/QĐ-TTg):
 *       dot-separated groups, lowest level first, 3 or 4 groups, at most 13 chars;
 *       the last group is the level-1 code, 'H' + 2 digits (province) or 'G' + 2
 *       digits (ministry); the others are digits: 4 groups = DDD.DD.DD.X99
 *       ("000.00.12.H56"), 3 groups = DD(D).DD.X99 ("00.12.H56").
 *   procedure code (mã TTHC): "D.DDDDDD" ("2.000908"), or that followed by '.' and a
 *       4-group unit identifier ("3.000181.000.00.00.H22").
 *   dossier code, provincial form: <unit identifier>-<YYMMDD>-<NNNN>, NNNN the daily
 *       sequence, at least 4 digits (up to 9), >= 1; YYMMDD a real date of 2000-2099.
 *   dossier code, national form (TT 04/2025): MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX, i.e.
 *       [A-Z]DD.DDD.DD-YYMMDD- then 2 digits AA and a sequence of at least 4 digits.
 */
#ifndef MOTCUA_DOMAIN_CODE_H
#define MOTCUA_DOMAIN_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CODE_UNIT_MAX 13
#define CODE_SEQ_MAX 999999999L
#define CODE_DOSSIER_MAX 40 /* longest dossier code + NUL */

/* 0 when valid; -1 with ERR_BAD_CODE (detail says why) otherwise. */
int code_unit_valid(const char *s, size_t n, struct mc_err *e);
int code_procedure_valid(const char *s, size_t n, struct mc_err *e);

enum code_form {
    CODE_PROVINCIAL = 1, /* <unit>-YYMMDD-NNNN */
    CODE_NATIONAL = 2    /* MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX */
};

struct code_dossier {
    enum code_form form;
    char unit[CODE_UNIT_MAX + 1]; /* the agency identifier part */
    int32_t day;                  /* reception date (cal.h day number) */
    int aa;                       /* national form: the system owner's 2 digits, else -1 */
    int64_t seq;                  /* daily sequence */
};

/*
 * Validates a dossier code in either form; fills *out when out != NULL.
 * -1 with ERR_BAD_CODE otherwise.
 */
int code_dossier_parse(const char *s, size_t n, struct code_dossier *out, struct mc_err *e);

/*
 * Makes the provincial code of the seq-th dossier (seq >= 1) received by `unit`
 * on local day `day` (year 2000-2099), zero-padded to 4 digits. buf >= CODE_DOSSIER_MAX.
 * -1 with ERR_BAD_CODE for a bad unit identifier or out-of-range date or sequence.
 */
int code_dossier_make(const char *unit, int32_t day, int64_t seq, char *buf, size_t size,
                      struct mc_err *e);

#endif
