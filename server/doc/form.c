/*
 * form.c - builds the model of each printable form (form.h) from a struct
 * doc_input. Wording follows the templates of TT 01/2018/TT-VPCP (ND 61 era)
 * and TT 03/2025/TT-VPCP Phụ lục I (ND 118 era) as listed in domain-sources.md
 * §2.13; field lists from domain.md §3 (receipt) and §2.4 (control slip).
 */
#include "doc/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Local time is UTC+7 all year (domain.md §4.5). */
#define DOC_TZ (7 * 3600)

static const char *const KIND_NAMES[DOC__KINDS] = {
    "receipt", "supplement", "refusal", "apology", "stop", "control_slip", "register",
    "receipt_reissue",
};

/* Form numbers by regime; 0 = the set has no such form (domain.md §3). */
/* The reissued receipt is Mẫu 01 in both sets (form.h). */
static const int NUM_ND61[DOC__KINDS] = {1, 2, 3, 4, 0, 5, 6, 1};
static const int NUM_ND118[DOC__KINDS] = {1, 2, 3, 4, 5, 6, 7, 1};

static const char *const TITLES[DOC__KINDS] = {
    "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "SỔ THEO DÕI HỒ SƠ",
    "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
};

/* TT 03/2025 renamed Mẫu 04 (domain-sources.md §2.11). */
static const char TITLE_APOLOGY_118[] = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT";

/* Sentence-case names for the QR "doc" field. */
static const char *const DOC_NAMES[DOC__KINDS] = {
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "Thông báo dừng giải quyết hồ sơ",
    "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "Sổ theo dõi hồ sơ",
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
};
static const char DOC_NAME_APOLOGY_118[] =
    "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết";

enum doc_regime
doc_regime_at(int64_t received_at)
{
    return received_at < DOC_ND118_FROM ? DOC_ND61 : DOC_ND118;
}

const char *
doc_kind_name(enum doc_kind k)
{
    return (unsigned)k < DOC__KINDS ? KIND_NAMES[k] : NULL;
}

int
doc_kind_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < DOC__KINDS; i++)
        if (strcmp(s, KIND_NAMES[i]) == 0)
            return i;
    return -1;
}

int
doc_form_number(enum doc_regime r, enum doc_kind k)
{
    if ((unsigned)k >= DOC__KINDS)
        return 0;
    return r == DOC_ND61 ? NUM_ND61[k] : NUM_ND118[k];
}

const char *
doc_form_title(enum doc_regime r, enum doc_kind k)
{
    if (doc_form_number(r, k) == 0)
        return NULL;
    if (k == DOC_APOLOGY && r == DOC_ND118)
        return TITLE_APOLOGY_118;
    return TITLES[k];
}

static const char *
doc_name(enum doc_regime r, enum doc_kind k)
{
    if (k == DOC_APOLOGY && r == DOC_ND118)
        return DOC_NAME_APOLOGY_118;
    return DOC_NAMES[k];
}

static struct tm
local_tm(int64_t t)
{
    struct tm tm;
    time_t s = (time_t)(t + DOC_TZ);

    memset(&tm, 0, sizeof tm);
    gmtime_r(&s, &tm);
    return tm;
}

char *
doc_vi_time(struct arena *a, int64_t t)
{
    struct tm tm = local_tm(t);

    return arena_printf(a, "%02d giờ %02d phút, ngày %02d tháng %02d năm %04d", tm.tm_hour,
                        tm.tm_min, tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

char *
doc_vi_date(struct arena *a, int64_t t)
{
    struct tm tm = local_tm(t);

    return arena_printf(a, "ngày %02d tháng %02d năm %04d", tm.tm_mday, tm.tm_mon + 1,
                        tm.tm_year + 1900);
}

char *
doc_short_date(struct arena *a, int64_t t)
{
    struct tm tm = local_tm(t);

    return arena_printf(a, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

char *
doc_short_time(struct arena *a, int64_t t)
{
    struct tm tm = local_tm(t);

    return arena_printf(a, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
                        tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

static char *
rfc3339(struct arena *a, int64_t t)
{
    struct tm tm = local_tm(t);

    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char *
doc_handover_result(int64_t at, int64_t due)
{
    if (due == 0)
        return "";
    if (at > due)
        return "Quá hạn";
    if ((at + DOC_TZ) / 86400 == (due + DOC_TZ) / 86400)
        return "Đúng hạn";
    return "Trước hạn";
}

static int
empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static const char *
or_dots(const char *s)
{
    return empty(s) ? "……………" : s;
}

/* --- QR payload --------------------------------------------------------------------------- */

/* Appends "key=value\n" with CR/LF in the value turned into spaces. */
static void
kv(FILE *f, const char *key, const char *value)
{
    if (empty(value))
        return;
    fprintf(f, "%s=", key);
    for (const char *p = value; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    fputc('\n', f);
}

/* Percent-encodes a query value (RFC 3986 unreserved kept). */
static void
url_escape(FILE *f, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            fputc(*p, f);
        else
            fprintf(f, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

char *
doc_lookup_url(struct arena *a, const char *public_url, const char *code)
{
    char *buf = NULL, *out;
    size_t len = 0, n;
    FILE *f;

    if (public_url == NULL || public_url[0] == '\0' || code == NULL)
        return NULL;
    n = strlen(public_url);
    if (public_url[n - 1] == '/')
        n--;
    f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    fprintf(f, "%.*s/tra-cuu?ma=", (int)n, public_url);
    url_escape(f, code);
    fclose(f);
    out = arena_strndup(a, buf, len);
    free(buf);
    return out;
}

char *
doc_qr_payload(struct arena *a, const struct doc_input *in)
{
    char *buf = NULL, *out;
    size_t len = 0;
    FILE *f;
    int64_t due = in->kind == DOC_APOLOGY           ? in->new_appointment_at
                  : in->kind == DOC_RECEIPT_REISSUE ? in->due_after
                                                    : in->appointment_at;

    f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    fputs("MCQR/1\n", f);
    kv(f, "code", in->code);
    kv(f, "proc", in->procedure_code);
    kv(f, "id", in->applicant_id);
    fprintf(f, "doc=Mẫu số %02d - %s\n", doc_form_number(in->regime, in->kind),
            doc_name(in->regime, in->kind));
    kv(f, "sys", in->system_name);
    if (in->issued_at != 0)
        kv(f, "at", rfc3339(a, in->issued_at));
    if ((in->kind == DOC_RECEIPT || in->kind == DOC_APOLOGY ||
         in->kind == DOC_RECEIPT_REISSUE) && due != 0)
        kv(f, "due", rfc3339(a, due));
    kv(f, "url", in->lookup_url);
    fclose(f);
    /* Drop the last newline: the payload is lines separated by LF. */
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    out = arena_strndup(a, buf, len);
    free(buf);
    return out;
}

/* --- model building ------------------------------------------------------------------------ */

struct builder {
    struct arena *a;
    struct doc_block *b;
    size_t n, cap;
};

static struct doc_block *
add(struct builder *bd, enum doc_block_kind kind, unsigned style)
{
    struct doc_block *blk;

    if (bd->n == bd->cap) {
        size_t cap = bd->cap ? bd->cap * 2 : 16;
        struct doc_block *nb = arena_calloc(bd->a, cap, sizeof *nb);

        if (bd->n)
            memcpy(nb, bd->b, bd->n * sizeof *nb);
        bd->b = nb;
        bd->cap = cap;
    }
    blk = &bd->b[bd->n++];
    memset(blk, 0, sizeof *blk);
    blk->kind = kind;
    blk->style = style;
    return blk;
}

static void
text(struct builder *bd, unsigned style, const char *s)
{
    add(bd, DOC_BLK_TEXT, style)->text = s;
}

static void
field(struct builder *bd, const char *label, const char *value)
{
    struct doc_block *blk = add(bd, DOC_BLK_FIELD, 0);

    blk->label = label;
    blk->text = or_dots(value);
}

static void
sign2(struct builder *bd, const char *lt, const char *ln, const char *lname, const char *rt,
      const char *rn, const char *rname)
{
    struct doc_block *blk = add(bd, DOC_BLK_SIGN, 0);

    blk->sign[0].title = lt;
    blk->sign[0].note = ln;
    blk->sign[0].name = lname;
    blk->sign[1].title = rt;
    blk->sign[1].note = rn;
    blk->sign[1].name = rname;
}

static const char *
issuer_name(const struct doc_input *in)
{
    return empty(in->issuer) ? "Bộ phận Tiếp nhận và Trả kết quả" : in->issuer;
}

static const char *
procedure_line(struct arena *a, const struct doc_input *in)
{
    if (empty(in->procedure_code))
        return or_dots(in->procedure_name);
    return arena_printf(a, "%s (mã %s)", or_dots(in->procedure_name), in->procedure_code);
}

static void
applicant_fields(struct builder *bd, const struct doc_input *in)
{
    field(bd, "Ông/Bà (tổ chức)", in->applicant_name);
    field(bd, "Địa chỉ", in->applicant_address);
    field(bd, "Số điện thoại", in->applicant_phone);
    if (!empty(in->applicant_email))
        field(bd, "Email", in->applicant_email);
}

/* 1. the documents received, as a table (STT, name, original or copy, count). */
static void
receipt_items(struct builder *bd, const struct doc_input *in)
{
    struct arena *a = bd->a;
    struct doc_block *t;
    const char **cells;
    static const char *const head[] = {"STT", "Tên giấy tờ", "Bản chính/Bản sao", "Số lượng"};
    static const double widths[] = {0.08, 0.58, 0.20, 0.14};

    text(bd, 0, "1. Thành phần hồ sơ nộp gồm:");
    t = add(bd, DOC_BLK_TABLE, 0);
    t->ncols = 4;
    t->nrows = in->nitems;
    t->head = head;
    t->widths = widths;
    cells = arena_calloc(a, in->nitems * 4 + 1, sizeof *cells);
    for (size_t i = 0; i < in->nitems; i++) {
        cells[i * 4] = arena_printf(a, "%zu", i + 1);
        cells[i * 4 + 1] = or_dots(in->items[i].name);
        cells[i * 4 + 2] = in->items[i].original ? "Bản chính" : "Bản sao";
        cells[i * 4 + 3] = arena_printf(a, "%d", in->items[i].count);
    }
    t->cells = cells;
}

/* 5. the appointment, and on a reissued receipt the dates of the resume. */
static void
receipt_appointment(struct builder *bd, const struct doc_input *in)
{
    struct arena *a = bd->a;

    if (in->appointment_at != 0)
        text(bd, DOC_ST_BOLD,
             arena_printf(a, "5. Thời gian trả kết quả giải quyết hồ sơ: %s%s",
                          doc_vi_time(a, in->appointment_at),
                          in->calendar_proposed ? " (dự kiến)" : ""));
    else
        text(bd, 0,
             "5. Thời gian trả kết quả giải quyết hồ sơ: thủ tục không quy định ngày hẹn trả; "
             "cơ quan giải quyết sẽ thông báo khi có kết quả.");
    if (in->kind != DOC_RECEIPT_REISSUE)
        return;
    /* domain.md §6.1: the resume records the previous and the new date and prints the
       new one; the original appointment above is never overwritten. */
    if (in->supplement_received_at != 0)
        text(bd, 0,
             arena_printf(a, "Thời gian nhận hồ sơ bổ sung: %s",
                          doc_vi_time(a, in->supplement_received_at)));
    if (in->due_before != 0)
        text(bd, 0,
             arena_printf(a, "Ngày hẹn trả kết quả trước khi bổ sung: %s",
                          doc_vi_time(a, in->due_before)));
    text(bd, DOC_ST_BOLD,
         arena_printf(a, "Ngày hẹn trả kết quả mới: %s%s", doc_vi_time(a, in->due_after),
                      in->due_before == in->due_after ? " (không thay đổi)" : ""));
}

/* 6. where the result is returned, the register book, the lookup secret and address. */
static void
receipt_return(struct builder *bd, const struct doc_input *in)
{
    struct arena *a = bd->a;

    text(bd, 0,
         arena_printf(a, "6. Đăng ký nhận kết quả tại: %s",
                      in->return_by_post ? "qua dịch vụ bưu chính công ích"
                                         : doc_keep_place(a, issuer_name(in))));
    if (!empty(in->register_book) || in->register_seq > 0)
        text(bd, 0,
             arena_printf(a, "Vào Sổ theo dõi hồ sơ, Quyển số: %s, Số thứ tự: %s",
                          or_dots(in->register_book),
                          in->register_seq > 0 ? arena_printf(a, "%d", in->register_seq)
                                               : "……"));
    if (!empty(in->lookup_secret))
        field(bd, "Mã tra cứu hồ sơ", in->lookup_secret);
    if (!empty(in->lookup_url))
        text(bd, DOC_ST_ITALIC,
             arena_printf(a, "Tra cứu tình trạng hồ sơ bằng mã QR hoặc tại %s",
                          in->lookup_url));
}

static int
build_receipt(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;

    if (empty(in->code))
        return err_field(e, ERR_VALIDATION, "code", "a receipt needs the dossier code");
    if (in->received_at == 0)
        return err_field(e, ERR_VALIDATION, "received_at", "a receipt needs the reception time");
    if (in->kind == DOC_RECEIPT_REISSUE && in->due_after == 0)
        return err_field(e, ERR_VALIDATION, "due_after",
                         "a reissued receipt needs the new appointment");

    field(bd, "Mã hồ sơ", in->code);
    text(bd, 0, arena_printf(a, "%s tiếp nhận hồ sơ của:", issuer_name(in)));
    applicant_fields(bd, in);
    field(bd, "Nội dung yêu cầu giải quyết", procedure_line(a, in));
    receipt_items(bd, in);
    text(bd, 0, arena_printf(a, "2. Số lượng hồ sơ: %d (bộ)", in->sets > 0 ? in->sets : 1));
    text(bd, 0,
         arena_printf(a, "3. Thời gian giải quyết hồ sơ theo quy định là: %s",
                      or_dots(in->duration_text)));
    text(bd, 0,
         arena_printf(a, "4. Thời gian nhận hồ sơ: %s", doc_vi_time(a, in->received_at)));
    receipt_appointment(bd, in);
    receipt_return(bd, in);
    sign2(bd, "NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", in->applicant_name,
          "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", in->officer_name);
    return 0;
}

static int
build_supplement(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;

    if (in->nsupplement == 0)
        return err_field(e, ERR_VALIDATION, "items",
                         "a supplement request lists at least one item");
    if (!empty(in->code))
        field(bd, "Mã hồ sơ", in->code);
    field(bd, "Hồ sơ của", in->applicant_name);
    field(bd, "Địa chỉ", in->applicant_address);
    field(bd, "Nội dung yêu cầu giải quyết", procedure_line(a, in));
    if (in->received_at != 0)
        field(bd, "Ngày tiếp nhận", doc_vi_date(a, in->received_at));
    text(bd, 0,
         "Sau khi xem xét, thẩm định hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm "
         "những nội dung sau:");
    for (size_t i = 0; i < in->nsupplement; i++)
        text(bd, DOC_ST_INDENT, arena_printf(a, "%zu. %s", i + 1, in->supplement_items[i]));
    if (!empty(in->reason))
        field(bd, "Lý do", in->reason);
    text(bd, 0,
         arena_printf(a,
                      "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà "
                      "liên hệ với %s để được hướng dẫn.",
                      or_dots(in->contact)));
    sign2(bd, NULL, NULL, NULL, "NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", in->officer_name);
    return 0;
}

static int
build_refusal(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;

    if (empty(in->reason))
        return err_field(e, ERR_VALIDATION, "reason", "a refusal states its reason");
    text(bd, 0,
         arena_printf(a, "%s tiếp nhận hồ sơ đề nghị: %s", issuer_name(in),
                      procedure_line(a, in)));
    text(bd, 0, "của:");
    applicant_fields(bd, in);
    text(bd, 0,
         arena_printf(a,
                      "Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, %s từ chối "
                      "tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
                      issuer_name(in)));
    text(bd, DOC_ST_INDENT, in->reason);
    text(bd, 0, "Xin thông báo để Ông/Bà được biết và thực hiện.");
    sign2(bd, NULL, NULL, NULL, "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)",
          in->officer_name);
    return 0;
}

static int
build_apology(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;

    if (empty(in->reason))
        return err_field(e, ERR_VALIDATION, "reason", "an apology states the reason of delay");
    if (in->new_appointment_at == 0)
        return err_field(e, ERR_VALIDATION, "new_appointment_at",
                         "an apology gives the new appointment");
    if (in->received_at == 0 || empty(in->code))
        return err_field(e, ERR_VALIDATION, "code", "an apology is about a received dossier");
    text(bd, 0,
         arena_printf(a, "Ngày %s, %s tiếp nhận giải quyết hồ sơ đề nghị %s của Ông/Bà %s.",
                      doc_short_date(a, in->received_at), issuer_name(in),
                      procedure_line(a, in), or_dots(in->applicant_name)));
    field(bd, "Mã hồ sơ", in->code);
    field(bd, "Thời gian hẹn trả kết quả giải quyết hồ sơ",
          in->appointment_at ? doc_vi_time(a, in->appointment_at) : NULL);
    text(bd, 0,
         arena_printf(a,
                      "Tuy nhiên đến nay, %s chưa trả kết quả giải quyết hồ sơ cho Ông/Bà "
                      "vì lý do:",
                      issuer_name(in)));
    text(bd, DOC_ST_INDENT, in->reason);
    if (in->regime == DOC_ND118)
        text(bd, DOC_ST_BOLD,
             arena_printf(a,
                          "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi xin lỗi Ông/Bà "
                          "và đề nghị gia hạn thời gian giải quyết hồ sơ đến %s.",
                          doc_vi_time(a, in->new_appointment_at)));
    else
        text(bd, DOC_ST_BOLD,
             arena_printf(a,
                          "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại của Ông/Bà. "
                          "Chúng tôi xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho "
                          "Ông/Bà vào %s.",
                          doc_vi_time(a, in->new_appointment_at)));
    text(bd, 0, "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà.");
    sign2(bd, NULL, NULL, NULL, empty(in->signer_title) ? "THỦ TRƯỞNG CƠ QUAN" : in->signer_title,
          "(Ký, ghi rõ họ tên và đóng dấu)", in->signer_name);
    return 0;
}

static int
build_stop(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;

    if (empty(in->reason))
        return err_field(e, ERR_VALIDATION, "reason", "a stop notice states its reason");
    if (in->received_at == 0 || empty(in->code))
        return err_field(e, ERR_VALIDATION, "code", "a stop notice is about a received dossier");
    text(bd, 0,
         arena_printf(a, "Ngày %s, %s tiếp nhận hồ sơ đề nghị %s của Ông/Bà %s.",
                      doc_short_date(a, in->received_at), issuer_name(in),
                      procedure_line(a, in), or_dots(in->applicant_name)));
    field(bd, "Mã hồ sơ", in->code);
    field(bd, "Lý do dừng giải quyết", in->reason);
    text(bd, 0,
         arena_printf(a,
                      "%s thông báo dừng giải quyết hồ sơ nêu trên kể từ %s. Hồ sơ và phí, lệ "
                      "phí (nếu có) được xử lý theo quy định.",
                      issuer_name(in), doc_vi_time(a, in->issued_at)));
    sign2(bd, NULL, NULL, NULL, empty(in->signer_title) ? "THỦ TRƯỞNG CƠ QUAN" : in->signer_title,
          "(Ký, ghi rõ họ tên và đóng dấu)", in->signer_name);
    return 0;
}

static int
build_control_slip(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;
    struct doc_block *t;
    const char **cells;
    static const char *const head[] = {"TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
                                       "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)",
                                       "GHI CHÚ"};
    static const double widths[] = {0.34, 0.30, 0.22, 0.14};

    if (empty(in->code))
        return err_field(e, ERR_VALIDATION, "code", "a control slip needs the dossier code");
    field(bd, "Mã hồ sơ", in->code);
    text(bd, DOC_ST_CENTER | DOC_ST_ITALIC,
         arena_printf(a, "(Kèm theo hồ sơ của: %s)", or_dots(in->applicant_name)));
    field(bd, "Cơ quan (bộ phận) giải quyết hồ sơ", in->lead_body);
    field(bd, "Cơ quan phối hợp giải quyết hồ sơ",
          empty(in->coordinating_bodies) ? "Không" : in->coordinating_bodies);
    t = add(bd, DOC_BLK_TABLE, 0);
    t->ncols = 4;
    t->nrows = in->nhandovers;
    t->head = head;
    t->widths = widths;
    cells = arena_calloc(a, in->nhandovers * 4 + 1, sizeof *cells);
    for (size_t i = 0; i < in->nhandovers; i++) {
        const struct doc_handover *h = &in->handovers[i];

        cells[i * 4] = arena_printf(a, "1. Giao: %s\n2. Nhận: %s", or_dots(h->from_unit),
                                    or_dots(h->to_unit));
        cells[i * 4 + 1] = doc_vi_time(a, h->at);
        cells[i * 4 + 2] = doc_handover_result(h->at, h->due);
        cells[i * 4 + 3] = empty(h->note) ? "" : h->note;
    }
    t->cells = cells;
    text(bd, DOC_ST_ITALIC,
         "Ghi chú: Kết quả giải quyết hồ sơ do bên nhận hồ sơ ghi khi nhận bàn giao hồ sơ. "
         "Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính công ích thì thời gian giao, "
         "nhận căn cứ vào hóa đơn của doanh nghiệp bưu chính.");
    return 0;
}

static int
build_register(struct builder *bd, const struct doc_input *in, struct mc_err *e)
{
    struct arena *a = bd->a;
    struct doc_block *t;
    const char **cells;
    enum { NC = 14 };
    static const char *const head[NC] = {
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục hành chính",
        "Số lượng hồ sơ (bộ)",
        "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì giải quyết",
        "Nhận hồ sơ",
        "Hẹn trả kết quả",
        "Chuyển hồ sơ đến cơ quan giải quyết",
        "Nhận kết quả từ cơ quan giải quyết",
        "Trả kết quả cho cá nhân, tổ chức",
        "Ký nhận",
        "Ghi chú",
    };
    /* the code column holds a whole 25-character dossier code on one line */
    static const double widths[NC] = {0.03, 0.13, 0.12, 0.05, 0.09, 0.09, 0.08,
                                      0.06, 0.06, 0.06, 0.06, 0.06, 0.05, 0.06};

    (void)e;
    if (!empty(in->unit_name) || in->period_from || in->period_to)
        text(bd, DOC_ST_CENTER | DOC_ST_ITALIC,
             arena_printf(a, "%s%sTừ ngày %s đến ngày %s", empty(in->unit_name) ? "" : in->unit_name,
                          empty(in->unit_name) ? "" : " - ",
                          in->period_from ? doc_short_date(a, in->period_from) : "……",
                          in->period_to ? doc_short_date(a, in->period_to) : "……"));
    t = add(bd, DOC_BLK_TABLE, 0);
    t->ncols = NC;
    t->nrows = in->nrows;
    t->head = head;
    t->widths = widths;
    cells = arena_calloc(a, in->nrows * NC + 1, sizeof *cells);
    for (size_t i = 0; i < in->nrows; i++) {
        const struct doc_register_row *r = &in->rows[i];
        const char **c = cells + i * NC;

        c[0] = arena_printf(a, "%zu", i + 1);
        c[1] = r->code;
        c[2] = r->procedure_name;
        c[3] = arena_printf(a, "%d", r->sets > 0 ? r->sets : 1);
        c[4] = r->applicant_name;
        c[5] = r->applicant_contact;
        c[6] = r->lead_body;
        c[7] = r->received_at ? doc_short_time(a, r->received_at) : "";
        c[8] = r->appointment_at ? doc_short_time(a, r->appointment_at) : "";
        c[9] = r->sent_at ? doc_short_time(a, r->sent_at) : "";
        c[10] = r->result_at ? doc_short_time(a, r->result_at) : "";
        c[11] = r->returned_at ? doc_short_time(a, r->returned_at) : "";
        c[12] = "";
        c[13] = r->note;
    }
    t->cells = cells;
    return 0;
}

int
doc_build(struct arena *a, const struct doc_input *in, struct doc_model *out, struct mc_err *e)
{
    struct builder bd = {.a = a};
    struct doc_model m;
    int no, rc;

    if (in->regime != DOC_ND61 && in->regime != DOC_ND118)
        return err_set(e, ERR_INTERNAL, "unknown regime %d", (int)in->regime);
    no = doc_form_number(in->regime, in->kind);
    if (no == 0)
        return err_set(e, ERR_NOT_FOUND, "form %s does not exist under ND %d",
                       doc_kind_name(in->kind) ? doc_kind_name(in->kind) : "?",
                       (int)in->regime);

    switch (in->kind) {
    case DOC_RECEIPT:
    case DOC_RECEIPT_REISSUE:
        rc = build_receipt(&bd, in, e);
        break;
    case DOC_SUPPLEMENT:
        rc = build_supplement(&bd, in, e);
        break;
    case DOC_REFUSAL:
        rc = build_refusal(&bd, in, e);
        break;
    case DOC_APOLOGY:
        rc = build_apology(&bd, in, e);
        break;
    case DOC_STOP:
        rc = build_stop(&bd, in, e);
        break;
    case DOC_CONTROL_SLIP:
        rc = build_control_slip(&bd, in, e);
        break;
    case DOC_REGISTER:
        rc = build_register(&bd, in, e);
        break;
    default:
        return err_set(e, ERR_INTERNAL, "unknown form");
    }
    if (rc != 0)
        return -1;

    memset(&m, 0, sizeof m);
    m.kind = in->kind;
    m.regime = in->regime;
    m.page = in->kind == DOC_REGISTER ? DOC_PAGE_A4_LANDSCAPE : DOC_PAGE_A5;
    m.form_no = no;
    m.form_label = arena_printf(a, "Mẫu số %02d", no);
    m.issuer_parent = empty(in->issuer_parent) ? NULL : in->issuer_parent;
    m.issuer = issuer_name(in);
    m.place_date =
        in->issued_at ? arena_printf(a, "%s, %s", empty(in->place) ? "……" : in->place,
                                     doc_vi_date(a, in->issued_at))
                      : NULL;
    m.title = doc_form_title(in->regime, in->kind);
    if (in->kind == DOC_RECEIPT_REISSUE)
        m.subtitle = "(Cấp lại sau khi tiếp nhận hồ sơ bổ sung)";
    m.blocks = bd.b;
    m.nblocks = bd.n;
    m.qr_payload = doc_qr_payload(a, in);
    if (m.qr_payload != NULL && !empty(in->lookup_secret))
        m.qr_caption = arena_printf(a, "Mã tra cứu: %s", in->lookup_secret);
    m.issuer_parent = doc_keep_place(a, m.issuer_parent);
    m.issuer = doc_keep_place(a, m.issuer);
    *out = m;
    return 0;
}

char *
doc_keep_place(struct arena *a, const char *text)
{
    /* the levels of the 2025 administrative map and the older ones a document may name */
    static const char *const LEVEL[] = {
        "TỈNH ", "THÀNH PHỐ ", "PHƯỜNG ", "XÃ ", "ĐẶC KHU ", "HUYỆN ", "QUẬN ", "THỊ XÃ ",
        "Tỉnh ", "Thành phố ", "Phường ", "Xã ", "Đặc khu ", "Huyện ", "Quận ", "Thị xã ",
        "tỉnh ", "thành phố ", "phường ", "xã ", "đặc khu ", "huyện ", "quận ", "thị xã ",
    };
    const char *from = NULL;
    char *out;
    size_t o = 0;

    if (text == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(LEVEL) / sizeof(LEVEL[0]); i++)
        for (const char *p = text; (p = strstr(p, LEVEL[i])) != NULL; p++)
            if ((p == text || p[-1] == ' ') && (from == NULL || p > from))
                from = p;
    if (from == NULL)
        return arena_strdup(a, text);
    /* "THỊ XÃ" is one level word: keep "THỊ" with its place too */
    for (size_t i = 0; i < 3; i++) {
        static const char *const THI[] = {"THỊ ", "Thị ", "thị "};
        size_t n = strlen(THI[i]);

        if ((size_t)(from - text) >= n && strncmp(from - n, THI[i], n) == 0)
            from -= n;
    }
    out = arena_alloc(a, strlen(text) * 2 + 1);
    for (const char *p = text; *p != '\0'; p++) {
        if (p >= from && *p == ' ') {
            out[o++] = (char)0xC2; /* U+00A0 NO-BREAK SPACE */
            out[o++] = (char)0xA0;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}
