/*
 * pakn.h - phản ánh, kiến nghị (feedback on administrative procedures and on the staff who
 * handle them; domain.md §12.2): intake rules, the states and steps in the national portal's
 * vocabulary, the deadlines in working days on the dossiers' calendar engine, and what counts
 * as on time for QĐ 766 indicators 5.2 and 5.3. Pure: no I/O, no clock, no globals.
 *
 * Certain [H]: khiếu nại, tố cáo are out of scope (ND 20/2008 Art. 1); a PAKN without clear
 * content, name, address and phone is not accepted (Art. 7); topics regulation / conduct
 * (Art. 5). From the portal's formula [M]: the states, and the deadlines 2 / 5 / 15 / 2
 * working days; a transfer restarts the clock. Provinces set other values (Ninh Bình 10,
 * Bắc Ninh 5 or 7): the deadlines are a policy (struct pakn_policy), data per province.
 * Not established: whether a supplement request stops the clock (the portal's formula does
 * not say; here it does not).
 */
#ifndef MOTCUA_DOMAIN_PAKN_H
#define MOTCUA_DOMAIN_PAKN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/ddl.h"

enum pakn_state {
    PAKN_SUBMITTED = 0,       /* chờ tiếp nhận */
    PAKN_ACCEPTED,            /* đã tiếp nhận, đang xử lý */
    PAKN_REJECTED,            /* từ chối tiếp nhận (terminal) */
    PAKN_TRANSFERRED,         /* chuyển cơ quan có thẩm quyền ngoài hệ thống (terminal) */
    PAKN_SUPPLEMENT,          /* chờ bổ sung */
    PAKN_ANSWERED,            /* đã trả lời, chờ công khai */
    PAKN_PUBLISHED,           /* đã công khai (terminal) */
    PAKN_STATE__N
};

enum pakn_step {
    PAKN_ACCEPT = 0,      /* submitted -> accepted */
    PAKN_REJECT,          /* submitted -> rejected, reason required */
    PAKN_TRANSFER,        /* submitted | accepted -> submitted at another unit (clock
                             restarts), or -> transferred when it leaves the system */
    PAKN_REQUEST_INFO,    /* accepted -> supplement */
    PAKN_RECEIVE_INFO,    /* supplement -> accepted */
    PAKN_ANSWER,          /* accepted -> answered, the answer text required */
    PAKN_PUBLISH,         /* answered -> published */
    PAKN_STEP__N
};

enum pakn_topic { PAKN_TOPIC_REGULATION = 0, PAKN_TOPIC_CONDUCT, PAKN_TOPIC__N };

enum pakn_channel {
    PAKN_CH_COUNTER = 0, /* at the Bộ phận Một cửa */
    PAKN_CH_LETTER,      /* văn bản: in person, post, email, website */
    PAKN_CH_PHONE,       /* a published number, written down by an operator */
    PAKN_CH_HOTLINE,     /* the provincial hotline (e.g. Tổng đài 1022) */
    PAKN_CH_PORTAL,      /* the citizen's lookup page or the provincial portal */
    PAKN_CH_DVCQG,       /* the national portal */
    PAKN_CH_SURVEY,      /* phiếu lấy ý kiến */
    PAKN_CH__N
};

/* Which deadline (working days, counted like a dossier's appointment, domain.md §5.1). */
enum pakn_deadline {
    PAKN_DL_REJECT = 0,  /* refuse within 2 of arrival */
    PAKN_DL_TRANSFER,    /* a receiver without competence transfers within 5 */
    PAKN_DL_SUPPLEMENT,  /* the first request for more information within 5 */
    PAKN_DL_ANSWER,      /* answer within 15 */
    PAKN_DL_PUBLISH,     /* publish within 2 of the answer */
    PAKN_DL__N
};

struct pakn_policy {
    int days[PAKN_DL__N]; /* working days of each deadline */
};

void pakn_policy_default(struct pakn_policy *p); /* 2, 5, 5, 15, 2 */

const char *pakn_state_key(enum pakn_state s);   /* "submitted", ... */
const char *pakn_state_vi(enum pakn_state s);    /* "Chờ tiếp nhận", ... */
int pakn_state_parse(const char *key);
const char *pakn_step_key(enum pakn_step s);     /* "accept", ... */
int pakn_step_parse(const char *key);
const char *pakn_topic_key(enum pakn_topic t);
int pakn_topic_parse(const char *key);
const char *pakn_topic_vi(enum pakn_topic t);     /* "Quy định hành chính", ... */
const char *pakn_channel_key(enum pakn_channel c);
int pakn_channel_parse(const char *key);
const char *pakn_channel_vi(enum pakn_channel c); /* "Tại Bộ phận Một cửa", ... */
int pakn_terminal(enum pakn_state s);

/* What a citizen or an operator submits. */
struct pakn_intake {
    const char *name, *address, *phone, *content;
    int topic;   /* enum pakn_topic, or -1 */
    int channel; /* enum pakn_channel, or -1 */
    int complaint; /* 1: the sender calls it khiếu nại or tố cáo (routed out, not taken) */
};

/* 0, or -1 with e: VALIDATION_FAILED naming the field (content, name, address, phone,
   topic, channel; a khiếu nại / tố cáo is refused and named as out of scope). */
int pakn_intake_check(const struct pakn_intake *in, struct mc_err *e);

/* The step's target state: 0 and *to, or -1 with PAKN_BAD_STATE. `leaves` for TRANSFER:
   1 when it goes to a body outside the system (-> transferred), 0 to another unit (->
   submitted again). Reason / answer texts are checked by the caller's parser. */
int pakn_next(enum pakn_state from, enum pakn_step step, int leaves, enum pakn_state *to,
              struct mc_err *e);

/* The deadline `which` counted from `from` (the arrival at the current receiver, or the
   answer for PUBLISH) on the axis: 0 and *due, or -1 (OUT_OF_CALENDAR). */
int pakn_due(const struct ddl_axis *ax, const struct pakn_policy *p, enum pakn_deadline which,
             int64_t from, int64_t *due, struct mc_err *e);

/*
 * The deadline that runs in state s - the one alerts watch (shared/domain.md §12.2):
 * submitted: PAKN_DL_REJECT, the decision owed first (2 days; transfer's 5 is later and only
 * for a receiver without competence); accepted: PAKN_DL_ANSWER (the first request for
 * information bounds an optional step, so it never makes a PAKN late); supplement_requested:
 * PAKN_DL_ANSWER still (whether a request stops the clock is not established; here it does
 * not, the conservative reading for alerts); answered: PAKN_DL_PUBLISH; rejected,
 * transferred out, published: -1, none.
 */
int pakn_running_deadline(enum pakn_state s);

/* QĐ 766 5.2 per PAKN: 1 when handled in time as of instant `at` (the period end):
   answered (answered_at != 0, at or before `at`) at or before its answer due, or still open
   at `at` and not past it; 0 otherwise. answer_due from pakn_due(PAKN_DL_ANSWER). */
int pakn_in_time(int64_t answer_due, int64_t answered_at, int64_t at);

#endif
