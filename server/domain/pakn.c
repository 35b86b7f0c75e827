/*
 * pakn.c - phản ánh, kiến nghị (pakn.h, domain.md §12.2).
 */
#include "domain/pakn.h"

#include <string.h>

static const char *const STATE_KEY[PAKN_STATE__N] = {
    "submitted", "accepted", "rejected", "transferred", "supplement_requested", "answered",
    "published"};
static const char *const STATE_VI[PAKN_STATE__N] = {
    "Chờ tiếp nhận", "Đang xử lý", "Từ chối tiếp nhận", "Đã chuyển cơ quan có thẩm quyền",
    "Chờ bổ sung thông tin", "Đã trả lời, chờ công khai", "Đã công khai"};
static const char *const STEP_KEY[PAKN_STEP__N] = {
    "accept", "reject", "transfer", "request_info", "receive_info", "answer", "publish"};
static const char *const TOPIC_KEY[PAKN_TOPIC__N] = {"regulation", "conduct"};
static const char *const CHANNEL_KEY[PAKN_CH__N] = {
    "counter", "letter", "phone", "hotline", "portal", "dvcqg", "survey"};
/* As the web client names them (server/web/view-pakn.js). */
static const char *const TOPIC_VI[PAKN_TOPIC__N] = {"Quy định hành chính",
                                                    "Hành vi của cán bộ, công chức"};
static const char *const CHANNEL_VI[PAKN_CH__N] = {
    "Tại Bộ phận Một cửa", "Văn bản, thư điện tử", "Điện thoại", "Tổng đài 1022",
    "Cổng dịch vụ công tỉnh", "Cổng DVC quốc gia", "Phiếu lấy ý kiến"};

void
pakn_policy_default(struct pakn_policy *p)
{
    p->days[PAKN_DL_REJECT] = 2;
    p->days[PAKN_DL_TRANSFER] = 5;
    p->days[PAKN_DL_SUPPLEMENT] = 5;
    p->days[PAKN_DL_ANSWER] = 15;
    p->days[PAKN_DL_PUBLISH] = 2;
}

static const char *
key_of(const char *const *keys, int n, int i)
{
    return i >= 0 && i < n ? keys[i] : "";
}

static int
parse_of(const char *const *keys, int n, const char *key)
{
    if (key == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return -1;
}

const char *pakn_state_key(enum pakn_state s) { return key_of(STATE_KEY, PAKN_STATE__N, (int)s); }
const char *pakn_state_vi(enum pakn_state s) { return key_of(STATE_VI, PAKN_STATE__N, (int)s); }
int pakn_state_parse(const char *key) { return parse_of(STATE_KEY, PAKN_STATE__N, key); }
const char *pakn_step_key(enum pakn_step s) { return key_of(STEP_KEY, PAKN_STEP__N, (int)s); }
int pakn_step_parse(const char *key) { return parse_of(STEP_KEY, PAKN_STEP__N, key); }
const char *pakn_topic_key(enum pakn_topic t) { return key_of(TOPIC_KEY, PAKN_TOPIC__N, (int)t); }
int pakn_topic_parse(const char *key) { return parse_of(TOPIC_KEY, PAKN_TOPIC__N, key); }
const char *pakn_topic_vi(enum pakn_topic t) { return key_of(TOPIC_VI, PAKN_TOPIC__N, (int)t); }
const char *pakn_channel_key(enum pakn_channel c) { return key_of(CHANNEL_KEY, PAKN_CH__N, (int)c); }
int pakn_channel_parse(const char *key) { return parse_of(CHANNEL_KEY, PAKN_CH__N, key); }
const char *pakn_channel_vi(enum pakn_channel c) { return key_of(CHANNEL_VI, PAKN_CH__N, (int)c); }

int
pakn_running_deadline(enum pakn_state s)
{
    switch (s) {
    case PAKN_SUBMITTED:
        return PAKN_DL_REJECT;
    case PAKN_ACCEPTED:
    case PAKN_SUPPLEMENT:
        return PAKN_DL_ANSWER;
    case PAKN_ANSWERED:
        return PAKN_DL_PUBLISH;
    default:
        return -1;
    }
}

int
pakn_terminal(enum pakn_state s)
{
    return s == PAKN_REJECTED || s == PAKN_TRANSFERRED || s == PAKN_PUBLISHED;
}

/* 1 when s has a character other than white space. */
static int
present(const char *s)
{
    return s != NULL && s[strspn(s, " \t\r\n")] != '\0';
}

int
pakn_intake_check(const struct pakn_intake *in, struct mc_err *e)
{
    static const char *const what[] = {"content", "name", "address", "phone"};
    const char *v[] = {in->content, in->name, in->address, in->phone};

    if (in->complaint)
        return err_field(e, ERR_VALIDATION, "kind",
                         "khiếu nại, tố cáo are handled under the Luật Khiếu nại / Luật Tố cáo, "
                         "not as phản ánh, kiến nghị");
    for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
        if (!present(v[i]))
            return err_field(e, ERR_VALIDATION, what[i],
                             "%s is required (ND 20/2008 Art. 7)", what[i]);
    if (in->topic < 0 || in->topic >= PAKN_TOPIC__N)
        return err_field(e, ERR_VALIDATION, "topic", "topic: regulation or conduct");
    if (in->channel < 0 || in->channel >= PAKN_CH__N)
        return err_field(e, ERR_VALIDATION, "channel", "unknown channel");
    return 0;
}

int
pakn_next(enum pakn_state from, enum pakn_step step, int leaves, enum pakn_state *to,
          struct mc_err *e)
{
    enum pakn_state t = PAKN_STATE__N;

    switch (step) {
    case PAKN_ACCEPT:
        t = from == PAKN_SUBMITTED ? PAKN_ACCEPTED : t;
        break;
    case PAKN_REJECT:
        t = from == PAKN_SUBMITTED ? PAKN_REJECTED : t;
        break;
    case PAKN_TRANSFER:
        if (from == PAKN_SUBMITTED || from == PAKN_ACCEPTED)
            t = leaves ? PAKN_TRANSFERRED : PAKN_SUBMITTED;
        break;
    case PAKN_REQUEST_INFO:
        t = from == PAKN_ACCEPTED ? PAKN_SUPPLEMENT : t;
        break;
    case PAKN_RECEIVE_INFO:
        t = from == PAKN_SUPPLEMENT ? PAKN_ACCEPTED : t;
        break;
    case PAKN_ANSWER:
        t = from == PAKN_ACCEPTED ? PAKN_ANSWERED : t;
        break;
    case PAKN_PUBLISH:
        t = from == PAKN_ANSWERED ? PAKN_PUBLISHED : t;
        break;
    default:
        break;
    }
    if (t == PAKN_STATE__N)
        return err_set(e, ERR_PAKN_BAD_STATE, "%s is not allowed in state %s",
                       pakn_step_key(step), pakn_state_key(from));
    *to = t;
    return 0;
}

int
pakn_due(const struct ddl_axis *ax, const struct pakn_policy *p, enum pakn_deadline which,
         int64_t from, int64_t *due, struct mc_err *e)
{
    struct ddl_duration d = {0, DDL_WD, -1};

    if ((unsigned)which >= PAKN_DL__N || p->days[which] < 1)
        return err_set(e, ERR_VALIDATION, "no such deadline");
    d.value = p->days[which];
    return ddl_appointment(ax, from, &d, due, e);
}

int
pakn_in_time(int64_t answer_due, int64_t answered_at, int64_t at)
{
    if (answered_at != 0 && answered_at <= at)
        return answered_at <= answer_due;
    return at <= answer_due;
}
