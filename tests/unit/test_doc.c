/*
 * test_doc.c - printable forms (server/doc): form numbers by regime (domain.md §1,
 * §3; domain-sources.md §2.13), Vietnamese dates, the QR payload, HTML escaping,
 * and PDFs read back with poppler's pdftotext/pdfinfo (diacritics must survive
 * shaping and text extraction). Instants were computed with
 * `date -u -d '2026-02-25T10:05:00+07:00' +%s`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/err.h"
#include "doc/form.h"
#include "doc/html.h"
#include "doc/pdf.h"
#include "doc/qr.h"

#define T_RECEIVED INT64_C(1771988700) /* 2026-02-25T10:05:00+07:00 */
#define T_DUE INT64_C(1773221400)      /* 2026-03-11T16:30:00+07:00 */
#define T_OLD INT64_C(1750384800)      /* 2025-06-20T09:00:00+07:00 (ND 61 era) */
#define T_NEW INT64_C(1757919600)      /* 2025-09-15T14:00:00+07:00 */

/* Form numbers typed from TT 01/2018 (6 forms) and TT 03/2025 Phụ lục I (7 forms). */
static const struct {
    enum doc_regime regime;
    enum doc_kind kind;
    int number;
} NUMBERS[] = {
    {DOC_ND61, DOC_RECEIPT, 1},       {DOC_ND61, DOC_SUPPLEMENT, 2},
    {DOC_ND61, DOC_REFUSAL, 3},       {DOC_ND61, DOC_APOLOGY, 4},
    {DOC_ND61, DOC_STOP, 0},          {DOC_ND61, DOC_CONTROL_SLIP, 5},
    {DOC_ND61, DOC_REGISTER, 6},      {DOC_ND118, DOC_RECEIPT, 1},
    {DOC_ND118, DOC_SUPPLEMENT, 2},   {DOC_ND118, DOC_REFUSAL, 3},
    {DOC_ND118, DOC_APOLOGY, 4},      {DOC_ND118, DOC_STOP, 5},
    {DOC_ND118, DOC_CONTROL_SLIP, 6}, {DOC_ND118, DOC_REGISTER, 7},
    /* no supplement-receipt form in either set: Mẫu 01 is reissued (form.h) */
    {DOC_ND61, DOC_RECEIPT_REISSUE, 1}, {DOC_ND118, DOC_RECEIPT_REISSUE, 1},
};

static void
test_form_numbers(void **state)
{
    for (size_t i = 0; i < sizeof NUMBERS / sizeof NUMBERS[0]; i++) {
        assert_int_equal(doc_form_number(NUMBERS[i].regime, NUMBERS[i].kind), NUMBERS[i].number);
        if (NUMBERS[i].number == 0)
            assert_null(doc_form_title(NUMBERS[i].regime, NUMBERS[i].kind));
        else
            assert_non_null(doc_form_title(NUMBERS[i].regime, NUMBERS[i].kind));
    }
    assert_string_equal(doc_form_title(DOC_ND61, DOC_APOLOGY),
                        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ");
    assert_string_equal(doc_form_title(DOC_ND118, DOC_APOLOGY),
                        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT");
}

/* ND 118/2025 applies to dossiers received from 2025-07-01 00:00 local time. */
static const struct {
    int64_t t;
    enum doc_regime regime;
} REGIMES[] = {
    {INT64_C(1751302799), DOC_ND61},  /* 2025-06-30T23:59:59+07:00 */
    {INT64_C(1751302800), DOC_ND118}, /* 2025-07-01T00:00:00+07:00 */
    {T_OLD, DOC_ND61},
    {T_NEW, DOC_ND118},
};

static void
test_regime(void **state)
{
    for (size_t i = 0; i < sizeof REGIMES / sizeof REGIMES[0]; i++)
        assert_int_equal(doc_regime_at(REGIMES[i].t), REGIMES[i].regime);
}

static void
test_kind_names(void **state)
{
    static const char *const names[] = {"receipt", "supplement",   "refusal",  "apology",
                                        "stop",    "control_slip", "register", "receipt_reissue"};

    assert_int_equal(sizeof names / sizeof names[0], DOC__KINDS);

    for (int i = 0; i < DOC__KINDS; i++)
        assert_int_equal(doc_kind_parse(names[i]), i);
    assert_int_equal(doc_kind_parse("Receipt"), -1);
    assert_int_equal(doc_kind_parse(""), -1);
    assert_int_equal(doc_kind_parse(NULL), -1);
}

static const struct {
    int64_t t;
    const char *vi_time, *vi_date, *short_time;
} DATES[] = {
    {T_RECEIVED, "10 giờ 05 phút, ngày 25 tháng 02 năm 2026", "ngày 25 tháng 02 năm 2026",
     "25/02/2026 10:05"},
    /* 2025-12-31T23:59:00+07:00 = 16:59 UTC: still the old year locally */
    {INT64_C(1767200340), "23 giờ 59 phút, ngày 31 tháng 12 năm 2025",
     "ngày 31 tháng 12 năm 2025", "31/12/2025 23:59"},
    /* 2026-01-01T00:00:00+07:00 = 2025-12-31T17:00Z: already the new year locally */
    {INT64_C(1767200400), "00 giờ 00 phút, ngày 01 tháng 01 năm 2026",
     "ngày 01 tháng 01 năm 2026", "01/01/2026 00:00"},
};

static void
test_dates(void **state)
{
    struct arena *a = arena_new();

    for (size_t i = 0; i < sizeof DATES / sizeof DATES[0]; i++) {
        assert_string_equal(doc_vi_time(a, DATES[i].t), DATES[i].vi_time);
        assert_string_equal(doc_vi_date(a, DATES[i].t), DATES[i].vi_date);
        assert_string_equal(doc_short_time(a, DATES[i].t), DATES[i].short_time);
    }
    arena_free(a);
}

/* Control slip result labels (policy in form.h). Due 2026-03-11 16:30. */
static const struct {
    int64_t at;
    const char *label;
} HANDOVER[] = {
    {T_DUE - 86400, "Trước hạn"},  /* the day before */
    {T_DUE - 8 * 3600, "Đúng hạn"}, /* 08:30 the same day */
    {T_DUE, "Đúng hạn"},           /* at the due minute */
    {T_DUE + 60, "Quá hạn"},       /* one minute late */
};

static void
test_handover_result(void **state)
{
    for (size_t i = 0; i < sizeof HANDOVER / sizeof HANDOVER[0]; i++)
        assert_string_equal(doc_handover_result(HANDOVER[i].at, T_DUE), HANDOVER[i].label);
    assert_string_equal(doc_handover_result(T_DUE, 0), "");
}

static const struct doc_item ITEMS[] = {
    {"Tờ khai đăng ký khai sinh", 1, 1},
    {"Giấy chứng sinh", 1, 1},
    {"Căn cước công dân của người đi đăng ký", 0, 1},
};

static void
receipt_input(struct doc_input *in)
{
    memset(in, 0, sizeof *in);
    in->kind = DOC_RECEIPT;
    in->regime = doc_regime_at(T_RECEIVED);
    in->issuer_parent = "UBND TỈNH QUẢNG NGÃI";
    in->issuer = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG";
    in->place = "Quảng Ngãi";
    in->system_name = "motcua";
    in->lookup_url = "https://motcua.example.vn/api/v1/lookup?code=000.00.12.H56-260225-0001";
    in->issued_at = T_RECEIVED;
    in->code = "000.00.12.H56-260225-0001";
    in->procedure_code = "1.001193";
    in->procedure_name = "Thủ tục đăng ký khai sinh";
    in->applicant_name = "Nguyễn Thị Hương";
    in->applicant_id = "051190001234";
    in->applicant_address = "Số 12 đường Lê Lợi, phường Cẩm Thành, tỉnh Quảng Ngãi";
    in->applicant_phone = "0905 123 456";
    in->items = ITEMS;
    in->nitems = 3;
    in->sets = 1;
    in->duration_text = "10 ngày làm việc";
    in->received_at = T_RECEIVED;
    in->appointment_at = T_DUE;
    in->officer_name = "Trần Văn Đức";
    in->register_book = "01/2026";
    in->register_seq = 37;
}

/* Payload format documented in form.h; the bytes here are typed by hand. */
static void
test_qr_payload(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;

    receipt_input(&in);
    in.lookup_secret = "K7P2-9QX4";
    assert_string_equal(doc_qr_payload(a, &in),
                        "MCQR/1\n"
                        "code=000.00.12.H56-260225-0001\n"
                        "proc=1.001193\n"
                        "id=051190001234\n"
                        "doc=Mẫu số 01 - Giấy tiếp nhận hồ sơ và hẹn trả kết quả\n"
                        "sys=motcua\n"
                        "at=2026-02-25T10:05:00+07:00\n"
                        "due=2026-03-11T16:30:00+07:00\n"
                        "url=https://motcua.example.vn/api/v1/lookup"
                        "?code=000.00.12.H56-260225-0001");

    /* a line break in a value cannot forge another field */
    in.applicant_id = "1\nurl=https://evil";
    in.lookup_url = NULL;
    in.lookup_secret = NULL;
    in.kind = DOC_REFUSAL;
    assert_string_equal(doc_qr_payload(a, &in),
                        "MCQR/1\n"
                        "code=000.00.12.H56-260225-0001\n"
                        "proc=1.001193\n"
                        "id=1 url=https://evil\n"
                        "doc=Mẫu số 03 - Phiếu từ chối tiếp nhận giải quyết hồ sơ\n"
                        "sys=motcua\n"
                        "at=2026-02-25T10:05:00+07:00");
    arena_free(a);
}

/* Headings wrap between words, never inside a place name: the spaces of the last place
 * name become U+00A0 (written "~" in the table), the rest stays as it is. */
static void
test_keep_place(void **state)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI", "ỦY BAN NHÂN DÂN TỈNH~ĐỒNG~NAI"},
        {"TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH ĐỒNG NAI",
         "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH~ĐỒNG~NAI"},
        {"ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "ỦY BAN NHÂN DÂN THÀNH~PHỐ~HỒ~CHÍ~MINH"},
        {"Ủy ban nhân dân phường Trấn Biên", "Ủy ban nhân dân phường~Trấn~Biên"},
        {"UBND XÃ ĐẮK NGO", "UBND XÃ~ĐẮK~NGO"},
        /* the last level word wins: a commune of a province */
        {"ỦY BAN NHÂN DÂN XÃ TÂN AN TỈNH ĐỒNG NAI", "ỦY BAN NHÂN DÂN XÃ TÂN AN TỈNH~ĐỒNG~NAI"},
        /* "THỊ XÃ" is one level word, not "XÃ" inside another word */
        {"ỦY BAN NHÂN DÂN THỊ XÃ BÌNH LONG", "ỦY BAN NHÂN DÂN THỊ~XÃ~BÌNH~LONG"},
        {"SỞ TƯ PHÁP", "SỞ TƯ PHÁP"},
        {"", ""},
    };
    struct arena *a = arena_new();

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *got = doc_keep_place(a, rows[i].in), want[256];
        size_t o = 0;

        for (const char *p = rows[i].want; *p; p++) {
            if (*p == '~') {
                want[o++] = (char)0xC2;
                want[o++] = (char)0xA0;
            } else {
                want[o++] = *p;
            }
        }
        want[o] = '\0';
        assert_string_equal(got, want);
    }
    assert_null(doc_keep_place(a, NULL));
    arena_free(a);
}

/* The lookup address: the web client's citizen page /tra-cuu?ma= (api/system/web.c), never the
   secret. */
static void
test_lookup_url(void **state)
{
    static const struct {
        const char *base, *code, *want;
    } rows[] = {
        {"https://motcua.example.vn", "000.00.12.H56-260225-0001",
         "https://motcua.example.vn/tra-cuu?ma=000.00.12.H56-260225-0001"},
        {"https://motcua.example.vn/", "000.00.12.H56-260225-0001",
         "https://motcua.example.vn/tra-cuu?ma=000.00.12.H56-260225-0001"},
        {"https://x.vn/motcua", "A B&c=1", "https://x.vn/motcua/tra-cuu?ma=A%20B%26c%3D1"},
        {"https://x.vn", "~~DOSSIER-CODE~~", "https://x.vn/tra-cuu?ma=~~DOSSIER-CODE~~"},
        {"", "000.00.12.H56-260225-0001", NULL},
        {NULL, "000.00.12.H56-260225-0001", NULL},
        {"https://x.vn", NULL, NULL},
    };
    struct arena *a = arena_new();

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *got = doc_lookup_url(a, rows[i].base, rows[i].code);

        if (rows[i].want == NULL)
            assert_null(got);
        else
            assert_string_equal(got, rows[i].want);
    }
    arena_free(a);
}

/* The three finder patterns of ISO/IEC 18004: a 7x7 dark ring with a 3x3 dark centre. */
static void
assert_finder(const struct doc_qr *q, int r0, int c0)
{
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 7; c++) {
            int ring = r == 0 || r == 6 || c == 0 || c == 6;
            int centre = r >= 2 && r <= 4 && c >= 2 && c <= 4;

            assert_int_equal(q->dark[(r0 + r) * q->width + c0 + c], ring || centre);
        }
}

static void
test_qr_modules(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_qr q;
    struct mc_err e;
    char *svg, *big;

    receipt_input(&in);
    assert_int_equal(doc_qr_encode(a, doc_qr_payload(a, &in), &q, &e), 0);
    /* version v has 17 + 4v modules */
    assert_int_equal((q.width - 17) % 4, 0);
    assert_true(q.width >= 21 && q.width <= 177);
    assert_finder(&q, 0, 0);
    assert_finder(&q, 0, q.width - 7);
    assert_finder(&q, q.width - 7, 0);
    svg = doc_qr_svg(a, &q, 20, "a<b");
    assert_non_null(strstr(svg, "<title>a&lt;b</title>"));
    assert_non_null(strstr(svg, "M4 4h7v1h-7z")); /* first finder row, after the quiet zone */

    /* 8-bit mode at level M holds at most 2331 bytes */
    big = arena_alloc(a, 4000);
    memset(big, 'x', 3999);
    assert_int_equal(doc_qr_encode(a, big, &q, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    arena_free(a);
}

static void
test_validation(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_model m;
    struct mc_err e;

    receipt_input(&in);
    in.code = NULL;
    assert_int_equal(doc_build(a, &in, &m, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    assert_string_equal(e.field, "code");

    receipt_input(&in);
    in.kind = DOC_REFUSAL;
    assert_int_equal(doc_build(a, &in, &m, &e), -1);
    assert_string_equal(e.field, "reason");

    receipt_input(&in);
    in.kind = DOC_STOP;
    in.regime = DOC_ND61;
    in.reason = "Theo đề nghị của người nộp hồ sơ";
    assert_int_equal(doc_build(a, &in, &m, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);

    receipt_input(&in);
    in.kind = DOC_APOLOGY;
    in.reason = "Cần xác minh thêm";
    assert_int_equal(doc_build(a, &in, &m, &e), -1);
    assert_string_equal(e.field, "new_appointment_at");

    /* a reissued receipt without NgayHenTraMoi has nothing new to tell */
    receipt_input(&in);
    in.kind = DOC_RECEIPT_REISSUE;
    assert_int_equal(doc_build(a, &in, &m, &e), -1);
    assert_string_equal(e.field, "due_after");
    arena_free(a);
}

/* The reissued Mẫu 01 keeps the original appointment and adds the dates of the resume. */
static void
test_receipt_reissue(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_model m;
    struct mc_err e;
    int orig = 0, before = 0, after = 0;

    (void)state;
    receipt_input(&in);
    in.kind = DOC_RECEIPT_REISSUE;
    in.supplement_received_at = INT64_C(1772506800); /* 2026-03-03T10:00:00+07:00 */
    in.due_before = T_DUE;                           /* 2026-03-11T16:30:00+07:00 */
    in.due_after = INT64_C(1773396000);              /* 2026-03-13T17:00:00+07:00 */
    in.issued_at = in.supplement_received_at;
    assert_int_equal(doc_build(a, &in, &m, &e), 0);
    assert_int_equal(m.form_no, 1);
    assert_string_equal(m.title, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
    assert_string_equal(m.subtitle, "(Cấp lại sau khi tiếp nhận hồ sơ bổ sung)");
    for (size_t i = 0; i < m.nblocks; i++) {
        const char *t = m.blocks[i].text;

        if (m.blocks[i].kind != DOC_BLK_TEXT || t == NULL)
            continue;
        orig += strcmp(t, "5. Thời gian trả kết quả giải quyết hồ sơ: "
                          "16 giờ 30 phút, ngày 11 tháng 03 năm 2026") == 0;
        before += strcmp(t, "Ngày hẹn trả kết quả trước khi bổ sung: "
                            "16 giờ 30 phút, ngày 11 tháng 03 năm 2026") == 0;
        after += strcmp(t, "Ngày hẹn trả kết quả mới: 17 giờ 00 phút, ngày 13 tháng 03 năm 2026")
                 == 0 && (m.blocks[i].style & DOC_ST_BOLD) != 0;
    }
    assert_int_equal(orig, 1);
    assert_int_equal(before, 1);
    assert_int_equal(after, 1);
    assert_string_equal(m.place_date, "Quảng Ngãi, ngày 03 tháng 03 năm 2026");
    arena_free(a);
}

static void
test_html_escape(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_model m;
    struct mc_err e;
    char *html;
    size_t len;

    receipt_input(&in);
    in.applicant_name = "<script>alert(\"x\")</script> & 'Lê'";
    in.applicant_address = "<img src=x onerror=alert(1)>";
    assert_int_equal(doc_build(a, &in, &m, &e), 0);
    assert_int_equal(doc_html(a, &m, &html, &len, &e), 0);
    assert_int_equal(strlen(html), len);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_non_null(
        strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Lê&#39;"));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(html, "@page{size:A5 portrait"));
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(html, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert_non_null(strstr(html, "Độc lập - Tự do - Hạnh phúc"));
    assert_non_null(strstr(html, "Mẫu số 01"));
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, "16 giờ 30 phút, ngày 11 tháng 03 năm 2026"));
    arena_free(a);
}

/* Writes the PDF to a temporary file and returns the output of cmd on it (malloc'd). */
static char *
run_on_pdf(const char *pdf, size_t len, const char *cmd)
{
    char path[] = "/tmp/motcua_test_doc_XXXXXX";
    char line[512], *out = NULL;
    size_t n = 0;
    FILE *f, *p, *o;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf, 1, len, f), len);
    fclose(f);
    /* cmd has one %s for the file name */
    snprintf(line, sizeof line, cmd, path);
    p = popen(line, "r");
    assert_non_null(p);
    o = open_memstream(&out, &n);
    assert_non_null(o);
    while (fgets(line, sizeof line, p) != NULL)
        fputs(line, o);
    pclose(p);
    fclose(o);
    unlink(path);
    return out;
}

static char *
pdftotext(const char *pdf, size_t len)
{
    /* -raw keeps content order, so wrapped paragraphs are not interleaved with columns */
    char *txt = run_on_pdf(pdf, len, "pdftotext -raw -enc UTF-8 '%s' - 2>/dev/null");
    char *s, *d;

    /* join wrapped lines: a line break becomes one space */
    for (s = d = txt; *s; s++)
        *d++ = *s == '\n' ? ' ' : *s;
    *d = '\0';
    return txt;
}

static void
render_pdf(struct arena *a, const struct doc_input *in, char **pdf, size_t *len)
{
    struct doc_model m;
    struct mc_err e;

    assert_int_equal(doc_build(a, in, &m, &e), 0);
    assert_int_equal(doc_pdf(a, &m, pdf, len, &e), 0);
    assert_true(*len > 1000);
    assert_memory_equal(*pdf, "%PDF-", 5);
}

static void
test_receipt_pdf(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    char *pdf, *txt, *info;
    size_t len;
    int pages = 0;

    receipt_input(&in);
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "000.00.12.H56-260225-0001"));
    assert_non_null(strstr(txt, "Nguyễn Thị Hương"));
    assert_non_null(strstr(txt, "16 giờ 30 phút, ngày 11 tháng 03 năm 2026"));
    assert_non_null(strstr(txt, "10 giờ 05 phút, ngày 25 tháng 02 năm 2026"));
    assert_non_null(strstr(txt, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    assert_non_null(strstr(txt, "Mẫu số 01"));
    assert_non_null(strstr(txt, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert_non_null(strstr(txt, "Độc lập - Tự do - Hạnh phúc"));
    assert_non_null(strstr(txt, "Căn cước công dân của người đi đăng ký"));
    assert_non_null(strstr(txt, "Quảng Ngãi, ngày 25 tháng 02 năm 2026"));
    free(txt);
    info = run_on_pdf(pdf, len, "pdfinfo '%s' 2>/dev/null");
    /* A5 = 148 x 210 mm = 419.53 x 595.28 pt, one page */
    assert_non_null(strstr(info, "419.528 x 595.276 pts"));
    assert_int_equal(sscanf(strstr(info, "Pages:"), "Pages: %d", &pages), 1);
    assert_int_equal(pages, 1);
    free(info);
    arena_free(a);
}

static void
test_regime_numbers_in_pdf(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_handover hand[2] = {
        {"Trung tâm Phục vụ hành chính công", "Sở Tư pháp", T_RECEIVED + 3600, T_RECEIVED + 7200,
         NULL},
        {"Sở Tư pháp", "Trung tâm Phục vụ hành chính công", T_DUE + 3600, T_DUE, "Chậm 1 giờ"},
    };
    char *pdf, *txt;
    size_t len;

    /* ND 118 stop notice is Mẫu 05 */
    receipt_input(&in);
    in.kind = DOC_STOP;
    in.reason = "Người nộp hồ sơ đề nghị dừng giải quyết";
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "Mẫu số 05"));
    assert_non_null(strstr(txt, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"));
    free(txt);

    /* ND 61 control slip is Mẫu 05 too; ND 118's is Mẫu 06 */
    receipt_input(&in);
    in.kind = DOC_CONTROL_SLIP;
    in.regime = DOC_ND61;
    in.lead_body = "Sở Tư pháp";
    in.handovers = hand;
    in.nhandovers = 2;
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "Mẫu số 05"));
    assert_non_null(strstr(txt, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    assert_non_null(strstr(txt, "Quá hạn"));
    assert_non_null(strstr(txt, "Trước hạn"));
    free(txt);
    in.regime = DOC_ND118;
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "Mẫu số 06"));
    free(txt);

    /* apology wording differs by regime */
    receipt_input(&in);
    in.kind = DOC_APOLOGY;
    in.reason = "Cần lấy ý kiến của cơ quan phối hợp";
    in.new_appointment_at = T_DUE + 2 * 86400;
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "đề nghị gia hạn thời gian giải quyết hồ sơ đến 16 giờ 30 phút, "
                                "ngày 13 tháng 03 năm 2026"));
    free(txt);
    arena_free(a);
}

static void
test_register_pdf(void **state)
{
    struct arena *a = arena_new();
    struct doc_input in;
    struct doc_register_row rows[60];
    char *pdf, *txt, *info;
    size_t len;
    int pages = 0;

    memset(&in, 0, sizeof in);
    in.kind = DOC_REGISTER;
    in.regime = DOC_ND118;
    in.issuer = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG";
    in.system_name = "motcua";
    in.issued_at = T_DUE;
    in.unit_name = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi";
    in.period_from = T_RECEIVED;
    in.period_to = T_DUE;
    for (int i = 0; i < 60; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        rows[i].code = arena_printf(a, "000.00.12.H56-260225-%04d", i + 1);
        rows[i].procedure_name = "Thủ tục đăng ký khai sinh";
        rows[i].sets = 1;
        rows[i].applicant_name = "Phạm Quốc Việt";
        rows[i].applicant_contact = "Phường Trần Phú, 0905 000 111";
        rows[i].lead_body = "UBND phường Trần Phú";
        rows[i].received_at = T_RECEIVED;
        rows[i].appointment_at = T_DUE;
    }
    in.rows = rows;
    in.nrows = 60;
    render_pdf(a, &in, &pdf, &len);
    txt = pdftotext(pdf, len);
    assert_non_null(strstr(txt, "Mẫu số 07"));
    assert_non_null(strstr(txt, "SỔ THEO DÕI HỒ SƠ"));
    assert_non_null(strstr(txt, "000.00.12.H56-260225-0060"));
    free(txt);
    info = run_on_pdf(pdf, len, "pdfinfo '%s' 2>/dev/null");
    assert_non_null(strstr(info, "841.89 x 595.276 pts"));
    assert_int_equal(sscanf(strstr(info, "Pages:"), "Pages: %d", &pages), 1);
    assert_true(pages >= 2); /* 60 rows do not fit one page: header repeated on the next */
    free(info);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_numbers),   cmocka_unit_test(test_regime),
        cmocka_unit_test(test_kind_names),     cmocka_unit_test(test_dates),
        cmocka_unit_test(test_handover_result), cmocka_unit_test(test_qr_payload),
        cmocka_unit_test(test_keep_place),     cmocka_unit_test(test_lookup_url),     cmocka_unit_test(test_receipt_reissue),
        cmocka_unit_test(test_qr_modules),     cmocka_unit_test(test_validation),
        cmocka_unit_test(test_html_escape),    cmocka_unit_test(test_receipt_pdf),
        cmocka_unit_test(test_regime_numbers_in_pdf), cmocka_unit_test(test_register_pdf),
    };

    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    doc_pdf_shutdown();
    return failed;
}
