/*
 * form.h - the printable forms of the one-stop counter (domain.md §3,
 * domain-sources.md §2.13) as a layout-neutral model: heading, title, rows,
 * tables, signatures and the QR payload. pdf.h and html.h render a model;
 * nothing here draws or does I/O.
 *
 * The form set depends on the regime the dossier falls under (domain.md §1):
 *   received before 2025-07-01 (ND 61/2018, TT 01/2018/TT-VPCP): Mẫu 01 receipt,
 *     02 supplement, 03 refusal, 04 apology, 05 control slip, 06 register;
 *   received from 2025-07-01 (ND 118/2025, TT 03/2025/TT-VPCP): 01 receipt,
 *     02 supplement, 03 refusal, 04 apology and proposed extension, 05 stop
 *     notice, 06 control slip, 07 register.
 * The number printed is the one of the dossier's regime.
 *
 * Neither set has a form for the reception of a supplement (domain-sources.md §2.7,
 * §2.13), yet domain.md §6.1 prints the new appointment for the applicant when the
 * clock resumes. The only form that tells the applicant the return time is Mẫu 01, so
 * DOC_RECEIPT_REISSUE is Mẫu 01 reissued ("cấp lại") after receive_supplement: the
 * original appointment (item 5) stays, followed by NgayHenTraTruoc and, in bold,
 * "Ngày hẹn trả kết quả mới" (NgayHenTraMoi; the same date when the pause did not
 * count, e.g. a repeat request under single_supplement).
 *
 * Strings in struct doc_input are borrowed (they must outlive the model);
 * everything the builder makes lives in the arena passed in.
 */
#ifndef MOTCUA_DOC_FORM_H
#define MOTCUA_DOC_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

enum doc_regime {
    DOC_ND61 = 61,  /* received before 2025-07-01 */
    DOC_ND118 = 118 /* received from 2025-07-01 */
};

/* 2025-07-01T00:00:00+07:00, the day ND 118/2025 took effect. */
#define DOC_ND118_FROM INT64_C(1751302800)

enum doc_kind {
    DOC_RECEIPT,      /* Giấy tiếp nhận hồ sơ và hẹn trả kết quả */
    DOC_SUPPLEMENT,   /* Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ */
    DOC_REFUSAL,      /* Phiếu từ chối tiếp nhận giải quyết hồ sơ */
    DOC_APOLOGY,      /* Phiếu xin lỗi và hẹn lại ngày trả kết quả / ... đề nghị gia hạn */
    DOC_STOP,         /* Thông báo dừng giải quyết hồ sơ (ND 118 era only) */
    DOC_CONTROL_SLIP, /* Phiếu kiểm soát quá trình giải quyết hồ sơ */
    DOC_REGISTER,     /* Sổ theo dõi hồ sơ */
    DOC_RECEIPT_REISSUE, /* Mẫu 01 reissued after a supplement with the new appointment */
    DOC__KINDS
};

/* The regime of a dossier received at t (Unix seconds). */
enum doc_regime doc_regime_at(int64_t received_at);

/* "receipt", "supplement", "refusal", "apology", "stop", "control_slip", "register",
   "receipt_reissue". */
const char *doc_kind_name(enum doc_kind k);
/* Inverse of doc_kind_name; -1 when unknown. */
int doc_kind_parse(const char *s);

/* The form number (Mẫu số) of k in regime r; 0 when the regime has no such form. */
int doc_form_number(enum doc_regime r, enum doc_kind k);
/* The official title of the form (upper case as printed), NULL when it does not exist. */
const char *doc_form_title(enum doc_regime r, enum doc_kind k);

/* A document of the dossier (thành phần hồ sơ). */
struct doc_item {
    const char *name;
    int original; /* 1 bản chính, 0 bản sao */
    int count;
};

/* One hand-over of the control slip (domain-sources.md §2.4). */
struct doc_handover {
    const char *from_unit; /* Giao */
    const char *to_unit;   /* Nhận */
    int64_t at;            /* hand-over time */
    int64_t due;           /* when the giving step was due, 0 when none planned */
    const char *note;      /* NULL or "" */
};

/* One line of the register (Sổ theo dõi hồ sơ). Times are 0 when not yet. */
struct doc_register_row {
    const char *code;
    const char *procedure_name;
    int sets;
    const char *applicant_name;
    const char *applicant_contact; /* address and phone */
    const char *lead_body;
    int64_t received_at;
    int64_t appointment_at;
    int64_t sent_at;     /* handed to the resolving body */
    int64_t result_at;   /* result back from the body */
    int64_t returned_at; /* returned to the applicant */
    const char *note;
};

/* Everything a form may show; a form uses the fields its template has. */
struct doc_input {
    enum doc_kind kind;
    enum doc_regime regime;
    const char *issuer_parent; /* governing body, e.g. "UBND TỈNH QUẢNG NGÃI" (may be NULL) */
    const char *issuer;        /* counter, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" */
    const char *place;         /* địa danh for "…, ngày … tháng … năm …" */
    const char *system_name;   /* issuing system (QR), e.g. "motcua" */
    const char *lookup_url;    /* the dossier's lookup address, from doc_lookup_url() */
    const char *lookup_secret; /* printed on the receipt when given; never in the QR */
    int64_t issued_at;         /* issue time of this document */

    const char *code;          /* mã hồ sơ (NULL for guidance before reception) */
    const char *procedure_code;
    const char *procedure_name;
    const char *applicant_name;
    const char *applicant_id;  /* identifier (CCCD / mã số thuế / mã định danh) */
    const char *applicant_address;
    const char *applicant_phone;
    const char *applicant_email;

    const struct doc_item *items;
    size_t nitems;
    int sets;                  /* số lượng hồ sơ (bộ) */
    const char *duration_text; /* legal duration as printed, e.g. "15 ngày làm việc" */
    int64_t received_at;
    int64_t appointment_at;     /* 0: the procedure has no appointment */
    int64_t new_appointment_at; /* apology: the new date */
    int64_t supplement_received_at; /* receipt_reissue: when the supplement was received */
    int64_t due_before;         /* receipt_reissue: NgayHenTraTruoc (the due before the pause) */
    int64_t due_after;          /* receipt_reissue: NgayHenTraMoi (the new appointment) */
    int calendar_proposed;      /* 1: the appointment crosses a proposed (not announced) day
                                   of the calendar: printed "(dự kiến)" next to it */
    int return_by_post;         /* 1 bưu chính công ích, 0 at the counter */
    const char *register_book;  /* Sổ theo dõi: quyển số (NULL when not kept) */
    int register_seq;           /* số thứ tự, 0 when not kept */
    const char *officer_name;   /* receiving officer / signer on the counter side */
    const char *signer_title;   /* apology, stop: e.g. "THỦ TRƯỞNG CƠ QUAN" */
    const char *signer_name;

    const char *reason;                /* supplement, refusal, apology, stop */
    const char *const *supplement_items;
    size_t nsupplement;
    const char *contact;               /* guidance contact: name and phone */

    const char *lead_body;             /* control slip: cơ quan chủ trì giải quyết */
    const char *coordinating_bodies;   /* cơ quan phối hợp */
    const struct doc_handover *handovers;
    size_t nhandovers;

    const char *unit_name;             /* register: unit whose book this is */
    int64_t period_from, period_to;    /* register period (instants) */
    const struct doc_register_row *rows;
    size_t nrows;
};

enum doc_page {
    DOC_PAGE_A5,          /* 148 x 210 mm portrait: Mẫu 01-05 (06 in ND 118) */
    DOC_PAGE_A4_LANDSCAPE /* 297 x 210 mm: the register */
};

enum doc_block_kind {
    DOC_BLK_TEXT,  /* a paragraph */
    DOC_BLK_FIELD, /* "label: value" */
    DOC_BLK_TABLE, /* a ruled table */
    DOC_BLK_SIGN   /* one or two signature columns */
};

enum doc_style {
    DOC_ST_BOLD = 1 << 0,
    DOC_ST_ITALIC = 1 << 1,
    DOC_ST_CENTER = 1 << 2,
    DOC_ST_INDENT = 1 << 3
};

struct doc_sign {
    const char *title; /* "NGƯỜI TIẾP NHẬN" */
    const char *note;  /* "(Ký và ghi rõ họ tên)" */
    const char *name;  /* printed under the signature space, may be NULL */
};

struct doc_block {
    enum doc_block_kind kind;
    unsigned style;      /* enum doc_style bits */
    const char *label;   /* FIELD */
    const char *text;    /* TEXT, FIELD value */
    size_t ncols, nrows; /* TABLE */
    const char *const *head;   /* ncols */
    const char *const *cells;  /* nrows * ncols, row-major; NULL entries print empty */
    const double *widths;      /* ncols fractions summing to 1 */
    struct doc_sign sign[2];   /* SIGN: [0] left (may have NULL title), [1] right */
};

struct doc_model {
    enum doc_kind kind;
    enum doc_regime regime;
    enum doc_page page;
    int form_no;             /* 1..7 */
    const char *form_label;  /* "Mẫu số 01" */
    const char *issuer_parent;
    const char *issuer;
    const char *place_date;  /* "Quảng Ngãi, ngày 25 tháng 02 năm 2026" */
    const char *title;
    const char *subtitle;    /* NULL or a line under the title */
    struct doc_block *blocks;
    size_t nblocks;
    const char *qr_payload;  /* NULL: no QR (never for a dossier document) */
    const char *qr_caption;  /* under the QR: "Mã tra cứu: <secret>" when the secret is given,
                                the second factor the lookup page the QR opens asks for */
};

/*
 * The text with the spaces of its last place name ("TỈNH ĐỒNG NAI", "phường Trấn Biên",
 * "THÀNH PHỐ HỒ CHÍ MINH") made non-breaking (U+00A0), so a heading wraps between words
 * but never inside a place name (docs/domain.md). In the arena; NULL for NULL.
 */
char *doc_keep_place(struct arena *a, const char *text);

/*
 * Builds the model of in->kind under in->regime into the arena. Fails with
 * ERR_NOT_FOUND when the regime has no such form (stop notice before ND 118),
 * ERR_VALIDATION when a field the form cannot do without is missing (the code of
 * a receipt, the reason of a refusal, ...).
 */
int doc_build(struct arena *a, const struct doc_input *in, struct doc_model *out,
              struct mc_err *e);

/*
 * The QR payload (TT 01/2023/TT-VPCP: top-left corner; dossier code, procedure
 * code, applicant identifier, document name, issuing system, issue time, and the
 * appointment on a receipt), plus the lookup address. Format, one field per line,
 * UTF-8, version tag first:
 *   MCQR/1
 *   code=<mã hồ sơ>
 *   proc=<mã TTHC>
 *   id=<applicant identifier>
 *   doc=Mẫu số 01 - Giấy tiếp nhận hồ sơ và hẹn trả kết quả
 *   sys=<issuing system>
 *   at=<issue time, RFC 3339 +07:00>
 *   due=<appointment, RFC 3339>   (receipt; apology and receipt_reissue: the new one;
 *                                  omitted when none)
 *   url=<in->lookup_url, i.e. doc_lookup_url()>
 * Empty fields are left out; CR, LF and '=' cannot occur in a key, and CR/LF in
 * values are replaced with spaces. The lookup secret is never in the QR: a photo of the
 * receipt's QR must not open the dossier; the secret is printed for the applicant to type.
 * The result is allocated in the arena.
 */
char *doc_qr_payload(struct arena *a, const struct doc_input *in);

/*
 * The public lookup address of a dossier, the one place that builds it (QR content of
 * the receipt JSON and of every printed form, the text under the QR):
 * "<public_url>/tra-cuu?ma=<code>" (the web client's citizen lookup page, api/system/web.c, which
 * asks for the secret and calls GET /api/v1/lookup), with a trailing
 * '/' of public_url dropped and the code percent-encoded (RFC 3986 unreserved characters
 * kept, so dossier codes and the reception's code placeholder pass unchanged). NULL when
 * public_url is NULL or empty (no public address configured) or code is NULL.
 */
char *doc_lookup_url(struct arena *a, const char *public_url, const char *code);

/* "10 giờ 05 phút, ngày 25 tháng 02 năm 2026" (local time UTC+7), in the arena. */
char *doc_vi_time(struct arena *a, int64_t t);
/* "ngày 25 tháng 02 năm 2026". */
char *doc_vi_date(struct arena *a, int64_t t);
/* "25/02/2026" and "25/02/2026 10:05". */
char *doc_short_date(struct arena *a, int64_t t);
char *doc_short_time(struct arena *a, int64_t t);

/*
 * Control slip result of a hand-over (domain-sources.md §2.4), a motcua policy
 * since the templates leave it to the receiving side: after the due instant
 * "Quá hạn"; on the due (local) day "Đúng hạn"; on an earlier day "Trước hạn";
 * "" when no due time was planned.
 */
const char *doc_handover_result(int64_t at, int64_t due);

#endif
