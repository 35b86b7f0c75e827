/*
 * test_code.c - unit identifiers, procedure codes and dossier codes (domain.md §9,
 * domain-sources.md §7): valid / invalid tables typed from the published forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cal.h"
#include "domain/code.h"

static void
test_unit(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } ROWS[] = {
        {"000.00.12.H56", 1}, {"000.00.00.H22", 1}, {"000.16.31.H56", 1}, {"123.45.67.G01", 1},
        {"00.12.H56", 1},     {"000.12.H56", 1},    {"01.00.G09", 1},
        {"H56", 0},           {"12.H56", 0},        {"000.00.12.H5", 0},  {"000.00.12.H567", 0},
        {"000.00.12.X56", 0}, {"000.00.12.h56", 0}, {"0000.00.12.H56", 0}, {"000.0.12.H56", 0},
        {"000.00.1A.H56", 0}, {"000.00.12.H56.", 0}, {".000.00.12.H56", 0}, {"000..12.H56", 0},
        {"00.000.00.12.H56", 0}, {"", 0},           {"000.00.12.H56 ", 0}, {"000-00-12-H56", 0},
        {"0.00.12.H56", 0},   {"H56.12.00.000", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct mc_err e;
        int rc = code_unit_valid(ROWS[i].s, strlen(ROWS[i].s), &e);

        if (rc != (ROWS[i].ok ? 0 : -1))
            print_error("unit %s: rc %d\n", ROWS[i].s, rc);
        assert_int_equal(rc, ROWS[i].ok ? 0 : -1);
        if (rc != 0)
            assert_int_equal(e.code, ERR_BAD_CODE);
    }
}

static void
test_procedure(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } ROWS[] = {
        {"2.000908", 1},
        {"1.012644", 1},
        {"2.000635", 1},
        {"3.000181.000.00.00.H22", 1},
        {"1.001234.000.00.12.H56", 1},
        {"2.00090", 0},
        {"2.0009081", 0},
        {"20.00908", 0},
        {"2-000908", 0},
        {"a.000908", 0},
        {"2.000908.", 0},
        {"3.000181.00.00.H22", 0},
        {"3.000181.000.00.00.H2", 0},
        {"3.000181-000.00.00.H22", 0},
        {"", 0},
        {"2.00090a", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct mc_err e;
        int rc = code_procedure_valid(ROWS[i].s, strlen(ROWS[i].s), &e);

        if (rc != (ROWS[i].ok ? 0 : -1))
            print_error("procedure %s: rc %d\n", ROWS[i].s, rc);
        assert_int_equal(rc, ROWS[i].ok ? 0 : -1);
    }
}

static void
test_dossier_codes(void **state)
{
    static const struct {
        const char *s;
        int ok;
        enum code_form form;
        const char *unit;
        int y, m, d;
        int aa;
        long long seq;
    } ROWS[] = {
        {"000.00.12.H56-260213-0001", 1, CODE_PROVINCIAL, "000.00.12.H56", 2026, 2, 13, -1, 1},
        {"000.00.12.H56-260213-12345", 1, CODE_PROVINCIAL, "000.00.12.H56", 2026, 2, 13, -1,
         12345},
        {"00.12.H56-240229-0042", 1, CODE_PROVINCIAL, "00.12.H56", 2024, 2, 29, -1, 42},
        {"H56.123.45-260225-010001", 1, CODE_NATIONAL, "H56.123.45", 2026, 2, 25, 1, 1},
        {"G01.001.00-251231-990123", 1, CODE_NATIONAL, "G01.001.00", 2025, 12, 31, 99, 123},
        {"H56.123.45-260225-0100012", 1, CODE_NATIONAL, "H56.123.45", 2026, 2, 25, 1, 12},
        {"000.00.12.H56-260213-001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260213-0000", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260230-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-250229-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-261301-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-20260213-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56260213-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260213-0001-", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260213-", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260213-0001x", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56-260213-1234567890", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.Q56-260213-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"H56.123.45-260225-01001", 0, 0, "", 0, 0, 0, 0, 0},
        {"H56.123.4-260225-010001", 0, 0, "", 0, 0, 0, 0, 0},
        {"H56.123.45-260225-AB0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"-260213-0001", 0, 0, "", 0, 0, 0, 0, 0},
        {"", 0, 0, "", 0, 0, 0, 0, 0},
        {"000.00.12.H56", 0, 0, "", 0, 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct code_dossier c;
        struct mc_err e;
        int rc = code_dossier_parse(ROWS[i].s, strlen(ROWS[i].s), &c, &e);

        if (rc != (ROWS[i].ok ? 0 : -1))
            print_error("dossier code %s: rc %d (%s)\n", ROWS[i].s, rc, rc ? e.detail : "");
        assert_int_equal(rc, ROWS[i].ok ? 0 : -1);
        if (!ROWS[i].ok) {
            assert_int_equal(e.code, ERR_BAD_CODE);
            continue;
        }
        assert_int_equal(c.form, ROWS[i].form);
        assert_string_equal(c.unit, ROWS[i].unit);
        assert_int_equal(c.day, cal_days(ROWS[i].y, ROWS[i].m, ROWS[i].d));
        assert_int_equal(c.aa, ROWS[i].aa);
        assert_int_equal(c.seq, ROWS[i].seq);
    }
}

static void
test_make(void **state)
{
    static const struct {
        const char *unit;
        int y, m, d;
        long long seq;
        const char *want; /* NULL: refused */
    } ROWS[] = {
        {"000.00.12.H56", 2026, 2, 13, 1, "000.00.12.H56-260213-0001"},
        {"000.00.12.H56", 2026, 2, 13, 9999, "000.00.12.H56-260213-9999"},
        {"000.00.12.H56", 2026, 2, 13, 10000, "000.00.12.H56-260213-10000"},
        {"00.12.H22", 2025, 7, 1, 37, "00.12.H22-250701-0037"},
        {"000.00.12.H56", 2000, 1, 1, 5, "000.00.12.H56-000101-0005"},
        {"000.00.12.H56", 2026, 2, 13, 0, NULL},
        {"000.00.12.H56", 2026, 2, 13, 1000000000LL, NULL},
        {"000.00.12.H56", 1999, 12, 31, 1, NULL},
        {"000.00.12.H56", 2100, 1, 1, 1, NULL},
        {"000.00.12", 2026, 2, 13, 1, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        char buf[CODE_DOSSIER_MAX];
        struct mc_err e;
        int rc = code_dossier_make(ROWS[i].unit, cal_days(ROWS[i].y, ROWS[i].m, ROWS[i].d),
                                   ROWS[i].seq, buf, sizeof(buf), &e);

        if (ROWS[i].want == NULL) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, ERR_BAD_CODE);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_string_equal(buf, ROWS[i].want);
        /* a generated code validates */
        assert_int_equal(code_dossier_parse(buf, strlen(buf), NULL, &e), 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit),
        cmocka_unit_test(test_procedure),
        cmocka_unit_test(test_dossier_codes),
        cmocka_unit_test(test_make),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
