/*
 * bench_doc.c - time to build and render the forms (server/doc): a receipt as PDF and
 * as HTML, and a 200-row register as PDF. Prints figures (TAP comments), asserts
 * nothing; the first render of a thread (font loading) is reported on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "doc/form.h"
#include "doc/html.h"
#include "doc/pdf.h"

static const struct doc_item ITEMS[] = {
    {"Tờ khai đăng ký khai sinh", 1, 1},
    {"Giấy chứng sinh", 1, 1},
    {"Căn cước công dân của người đi đăng ký", 0, 1},
};

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
receipt(struct doc_input *in)
{
    memset(in, 0, sizeof *in);
    in->kind = DOC_RECEIPT;
    in->regime = DOC_ND118;
    in->issuer_parent = "UBND TỈNH QUẢNG NGÃI";
    in->issuer = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG";
    in->place = "Quảng Ngãi";
    in->system_name = "motcua";
    in->lookup_url = "https://motcua.example.vn/api/v1/lookup";
    in->issued_at = INT64_C(1771988700);
    in->code = "000.00.12.H56-260225-0001";
    in->procedure_code = "1.001193";
    in->procedure_name = "Thủ tục đăng ký khai sinh";
    in->applicant_name = "Nguyễn Thị Hương";
    in->applicant_id = "051190001234";
    in->applicant_address = "Số 12 đường Lê Lợi, phường Cẩm Thành, tỉnh Quảng Ngãi";
    in->items = ITEMS;
    in->nitems = 3;
    in->sets = 1;
    in->duration_text = "10 ngày làm việc";
    in->received_at = INT64_C(1771988700);
    in->appointment_at = INT64_C(1773221400);
    in->officer_name = "Trần Văn Đức";
}

static double
once(const struct doc_input *in, int html, size_t *bytes)
{
    struct arena *a = arena_new();
    struct doc_model m;
    struct mc_err e;
    char *out;
    size_t len = 0;
    double t0 = now_ms();

    if (doc_build(a, in, &m, &e) == 0) {
        if (html)
            (void)doc_html(a, &m, &out, &len, &e);
        else
            (void)doc_pdf(a, &m, &out, &len, &e);
    }
    t0 = now_ms() - t0;
    *bytes = len;
    arena_free(a);
    return t0;
}

static void
series(const char *name, const struct doc_input *in, int html, int n)
{
    double total = 0, best = 1e9;
    size_t bytes = 0;

    for (int i = 0; i < n; i++) {
        double t = once(in, html, &bytes);

        total += t;
        if (t < best)
            best = t;
    }
    printf("# %s: mean %.2f ms, best %.2f ms, %zu bytes (%d runs)\n", name, total / n, best,
           bytes, n);
}

int
main(void)
{
    struct doc_input in;
    struct doc_register_row rows[200];
    size_t bytes;

    receipt(&in);
    printf("# first receipt PDF of the thread (fonts load): %.1f ms\n", once(&in, 0, &bytes));
    series("receipt PDF (A5)", &in, 0, 50);
    series("receipt HTML", &in, 1, 200);
    memset(&in, 0, sizeof in);
    in.kind = DOC_REGISTER;
    in.regime = DOC_ND118;
    in.issuer = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG";
    in.issued_at = INT64_C(1773221400);
    for (int i = 0; i < 200; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        rows[i].code = "000.00.12.H56-260225-0001";
        rows[i].procedure_name = "Thủ tục đăng ký khai sinh";
        rows[i].applicant_name = "Phạm Quốc Việt";
        rows[i].applicant_contact = "Phường Trần Phú, 0905 000 111";
        rows[i].lead_body = "UBND phường Trần Phú";
        rows[i].received_at = INT64_C(1771988700);
        rows[i].appointment_at = INT64_C(1773221400);
    }
    in.rows = rows;
    in.nrows = 200;
    series("register PDF, 200 rows (A4 landscape)", &in, 0, 5);
    printf("ok 1 - bench_doc\n");
    doc_pdf_shutdown();
    return 0;
}
