/*
 * err.h - one error type for the whole server (after PostgreSQL's ErrorData
 * and curl's CURLcode). A function that can fail returns 0 or -1 and fills the
 * caller's struct mc_err; outputs are written only on success.
 *
 * The catalog below is the single list of error codes: HTTP status, stable
 * code string, Vietnamese and English messages. Responses look like
 *   {"error":{"code":"DOSSIER_BAD_STATE","message":"<vi>","message_en":"<en>",
 *             "status":409,"detail":"...","instance":"<request id>"}}
 * Add new codes at the end of their group; never rename a code string.
 */
#ifndef MOTCUA_CORE_ERR_H
#define MOTCUA_CORE_ERR_H

#include <stddef.h>

/* X(enum, http status, code string, Vietnamese message, English message) */
#define ERR_CATALOG(X)                                                                             \
    X(ERR_OK, 200, "OK", "Thành công", "Success")                                                  \
    /* protocol */                                                                                 \
    X(ERR_NOT_FOUND, 404, "NOT_FOUND", "Không tìm thấy tài nguyên", "Resource not found")          \
    X(ERR_METHOD_NOT_ALLOWED, 405, "METHOD_NOT_ALLOWED", "Phương thức không được hỗ trợ",          \
      "Method not allowed")                                                                        \
    X(ERR_BAD_JSON, 400, "BAD_JSON", "Nội dung JSON không hợp lệ", "Malformed JSON body")          \
    X(ERR_BAD_REQUEST, 400, "BAD_REQUEST", "Yêu cầu không hợp lệ", "Bad request")                  \
    X(ERR_VALIDATION, 422, "VALIDATION_FAILED", "Dữ liệu không hợp lệ", "Validation failed")       \
    X(ERR_BAD_QUERY, 400, "BAD_QUERY", "Tham số truy vấn không hợp lệ",                            \
      "Invalid query parameter")                                                                   \
    X(ERR_BODY_TOO_LARGE, 413, "BODY_TOO_LARGE", "Nội dung yêu cầu quá lớn",                       \
      "Request body too large")                                                                    \
    X(ERR_HEADERS_TOO_LARGE, 431, "HEADERS_TOO_LARGE", "Phần đầu yêu cầu quá lớn",                 \
      "Request header fields too large")                                                           \
    X(ERR_URI_TOO_LONG, 414, "URI_TOO_LONG", "Địa chỉ yêu cầu quá dài", "Request URI too long")     \
    X(ERR_UNSUPPORTED_MEDIA, 415, "UNSUPPORTED_MEDIA_TYPE", "Kiểu nội dung không được hỗ trợ",     \
      "Unsupported media type")                                                                    \
    X(ERR_NOT_ACCEPTABLE, 406, "NOT_ACCEPTABLE", "Định dạng yêu cầu không được hỗ trợ",            \
      "Requested format not available")                                                            \
    X(ERR_BAD_UTF8, 400, "BAD_UTF8", "Văn bản không phải UTF-8 hợp lệ", "Text is not valid UTF-8") \
    X(ERR_TOO_DEEP, 400, "JSON_TOO_DEEP", "JSON lồng nhau quá sâu", "JSON nested too deeply")      \
    X(ERR_RATE_LIMITED, 429, "RATE_LIMITED", "Quá nhiều yêu cầu, vui lòng thử lại sau",            \
      "Too many requests")                                                                         \
    X(ERR_INTERNAL, 500, "INTERNAL", "Lỗi hệ thống", "Internal error")                             \
    X(ERR_DB_UNAVAILABLE, 503, "DB_UNAVAILABLE", "Cơ sở dữ liệu tạm thời không sẵn sàng",          \
      "Database temporarily unavailable")                                                          \
    X(ERR_SERVER_BUSY, 503, "SERVER_BUSY", "Máy chủ đang bận, vui lòng thử lại sau",              \
      "Server busy receiving other request bodies")                                                \
    X(ERR_SHUTTING_DOWN, 503, "SHUTTING_DOWN", "Máy chủ đang dừng", "Server is shutting down")     \
    X(ERR_DB_QUERY, 500, "DB_ERROR", "Lỗi truy vấn cơ sở dữ liệu", "Database error")              \
    X(ERR_SCHEMA_MISMATCH, 503, "SCHEMA_MISMATCH",                                                 \
      "Lược đồ cơ sở dữ liệu không khớp với phiên bản phần mềm",                                   \
      "Database schema does not match this build")                                                 \
    X(ERR_REQUEST_TIMEOUT, 408, "REQUEST_TIMEOUT", "Hết thời gian chờ nhận nội dung yêu cầu",      \
      "Request body not received in time")                                                         \
    /* security */                                                                                 \
    X(ERR_UNAUTHENTICATED, 401, "UNAUTHENTICATED", "Chưa đăng nhập hoặc phiên đã hết hạn",         \
      "Authentication required")                                                                   \
    X(ERR_BAD_CREDENTIALS, 401, "BAD_CREDENTIALS", "Tên đăng nhập hoặc mật khẩu không đúng",       \
      "Wrong user name or password")                                                               \
    X(ERR_FORBIDDEN, 403, "FORBIDDEN", "Không có quyền thực hiện thao tác này",                    \
      "Not allowed for this role")                                                                 \
    X(ERR_OUT_OF_SCOPE, 403, "OUT_OF_SCOPE", "Hồ sơ hoặc đơn vị ngoài phạm vi được giao",          \
      "Outside the unit scope of this account")                                                    \
    X(ERR_BAD_SIGNATURE, 401, "BAD_SIGNATURE", "Chữ ký yêu cầu không hợp lệ",                      \
      "Request signature invalid")                                                                 \
    X(ERR_REPLAYED, 401, "REPLAYED", "Yêu cầu đã được gửi trước đó hoặc đã hết hạn",               \
      "Request replayed or outside the time window")                                               \
    /* idempotency and concurrency */                                                              \
    X(ERR_IDEMPOTENCY_MISMATCH, 422, "IDEMPOTENCY_KEY_REUSED",                                     \
      "Khóa Idempotency-Key đã dùng cho yêu cầu khác", "Idempotency-Key reused with another body") \
    X(ERR_IDEMPOTENCY_IN_FLIGHT, 409, "IDEMPOTENCY_IN_FLIGHT",                                     \
      "Yêu cầu với khóa này đang được xử lý", "A request with this key is still in progress")      \
    X(ERR_VERSION_CONFLICT, 409, "VERSION_CONFLICT", "Hồ sơ đã được cập nhật bởi thao tác khác",   \
      "Dossier changed since the expected version")                                                \
    X(ERR_CONFLICT, 409, "CONFLICT", "Xung đột dữ liệu", "Conflict")                               \
    X(ERR_ALREADY_EXISTS, 409, "ALREADY_EXISTS", "Dữ liệu đã tồn tại", "Already exists")           \
    X(ERR_PRECEDING_FAILED, 409, "PRECEDING_ITEM_FAILED",                                          \
      "Mục trước đó của cùng hồ sơ trong lô đã bị từ chối",                                        \
      "An earlier item of the same dossier in this batch was rejected")                            \
    /* domain */                                                                                   \
    X(ERR_BAD_DATE, 422, "BAD_DATE", "Ngày giờ không hợp lệ", "Invalid date or time")              \
    X(ERR_BAD_DURATION, 422, "BAD_DURATION", "Thời hạn không hợp lệ", "Invalid duration")          \
    X(ERR_BAD_CODE, 422, "BAD_CODE", "Mã không đúng định dạng", "Code has the wrong format")       \
    X(ERR_FUTURE_TIME, 422, "TIME_IN_FUTURE", "Thời điểm ở tương lai quá 5 phút",                  \
      "Time more than 5 minutes in the future")                                                    \
    X(ERR_TIME_BACKWARDS, 422, "TIME_BACKWARDS", "Thời điểm sớm hơn sự kiện trước đó của hồ sơ",   \
      "Time earlier than the dossier's previous event")                                            \
    X(ERR_OUT_OF_CALENDAR, 422, "OUT_OF_CALENDAR", "Ngày nằm ngoài phạm vi lịch hỗ trợ",           \
      "Date outside the supported calendar range")                                                 \
    X(ERR_DOSSIER_BAD_STATE, 409, "DOSSIER_BAD_STATE",                                             \
      "Hồ sơ không ở trạng thái cho phép thao tác này", "Dossier state does not allow this action")\
    X(ERR_DOSSIER_NOT_FOUND, 404, "DOSSIER_NOT_FOUND", "Không tìm thấy hồ sơ", "Dossier not found")\
    X(ERR_ROLE_NOT_ALLOWED, 403, "ROLE_NOT_ALLOWED", "Vai trò không được thực hiện bước này",      \
      "This role may not perform this transition")                                                 \
    X(ERR_APOLOGY_TWICE, 409, "APOLOGY_ALREADY_ISSUED",                                            \
      "Hồ sơ đã được hẹn lại một lần, không được hẹn lại lần nữa",                                 \
      "The one new appointment was already issued")                                               \
    X(ERR_WITHDRAW_DECIDED, 409, "WITHDRAWAL_AFTER_DECISION",                                      \
      "Hồ sơ đã có kết quả, không thể rút", "A decision exists: the dossier cannot be withdrawn")  \
    X(ERR_UNKNOWN_REF, 422, "UNKNOWN_REFERENCE", "Tham chiếu không tồn tại",                       \
      "Referenced object does not exist")                                                          \
    X(ERR_UNIT_INVALID, 422, "UNIT_NOT_VALID", "Đơn vị không còn hiệu lực tại thời điểm này",      \
      "Unit not valid at that time")                                                               \
    X(ERR_PROCEDURE_INVALID, 422, "PROCEDURE_NOT_VALID",                                           \
      "Thủ tục không có phiên bản hiệu lực tại thời điểm này",                                     \
      "No procedure version in force at that time")                                                \
    X(ERR_REPORT_INVARIANT, 500, "REPORT_INVARIANT", "Báo cáo không thỏa ràng buộc kiểm tra",      \
      "Report invariant violated")                                                                 \
    X(ERR_LOOKUP_FAILED, 404, "LOOKUP_FAILED", "Mã hồ sơ hoặc mã tra cứu không đúng",              \
      "Dossier code or lookup secret is wrong")                                                    \
    X(ERR_LOOKUP_MISSING, 400, "LOOKUP_MISSING_INPUT",                                             \
      "Cần nhập cả mã hồ sơ và mã tra cứu in trên giấy tiếp nhận",                                 \
      "Both the dossier code and the lookup secret are required")                                 \
    /* the citizen's voice (domain.md §12) */                                                      \
    X(ERR_NOT_RECEIVED, 409, "DOSSIER_NOT_RECEIVED", "Hồ sơ chưa được tiếp nhận",                  \
      "The dossier has not been received")                                                         \
    X(ERR_EVALUATION_CLOSED, 409, "EVALUATION_CLOSED", "Đã hết thời hạn đánh giá hồ sơ này",       \
      "The evaluation period of this dossier has ended")                                           \
    X(ERR_ALREADY_EVALUATED, 409, "ALREADY_EVALUATED", "Hồ sơ này đã được đánh giá",               \
      "This dossier has already been evaluated")                                                   \
    X(ERR_PAKN_BAD_STATE, 409, "PAKN_BAD_STATE",                                                   \
      "Phản ánh, kiến nghị không ở trạng thái cho phép thao tác này",                              \
      "The feedback is not in a state that allows this step")

enum err_code {
#define ERR_ENUM(e, s, c, vi, en) e,
    ERR_CATALOG(ERR_ENUM)
#undef ERR_ENUM
        ERR__COUNT
};

struct mc_err {
    enum err_code code;
    char detail[160];
    char field[64]; /* offending field (JSON pointer-ish path), or "" */
};

/* Sets code and a printf-style detail (may be NULL); returns -1 for `return err_set(...)`. */
int err_set(struct mc_err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, naming the offending field. */
int err_field(struct mc_err *e, enum err_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void err_clear(struct mc_err *e);
int err_status(enum err_code code);
const char *err_name(enum err_code code);
const char *err_msg_vi(enum err_code code);
const char *err_msg_en(enum err_code code);

/* Looks a code string up ("DB_UNAVAILABLE" -> ERR_DB_UNAVAILABLE); -1 when unknown. */
int err_from_name(const char *name);

#endif
