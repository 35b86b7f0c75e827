/*
 * fuzz_code.c - every code validator of server/domain/code.c. Invariants: no read
 * past n; failures are BAD_CODE; a valid dossier code's parts are consistent (the
 * unit part is a prefix, the provincial form's unit validates, a provincial code
 * regenerated from its parts with a 4-digit sequence validates again).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    struct code_dossier c;
    struct mc_err e;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    if (code_unit_valid(s, size, &e) == 0) {
        if (size > CODE_UNIT_MAX)
            abort();
    } else if (e.code != ERR_BAD_CODE) {
        abort();
    }
    if (code_procedure_valid(s, size, &e) != 0 && e.code != ERR_BAD_CODE)
        abort();
    if (code_dossier_parse(s, size, &c, &e) == 0) {
        size_t ul = strlen(c.unit);

        if (ul >= size || memcmp(c.unit, s, ul) != 0 || c.seq < 1)
            abort();
        if (c.form == CODE_PROVINCIAL) {
            char buf[CODE_DOSSIER_MAX];

            if (code_unit_valid(c.unit, ul, &e) != 0)
                abort();
            if (code_dossier_make(c.unit, c.day, c.seq, buf, sizeof(buf), &e) != 0 ||
                code_dossier_parse(buf, strlen(buf), NULL, &e) != 0)
                abort();
        }
    } else if (e.code != ERR_BAD_CODE) {
        abort();
    }
    free(s);
    return 0;
}
