"""The citizen's voice in the national portal adapter's feed (docs/integration.md §6;
shared/domain.md §10, §12.1, §12.2; server/api/integration/dvcqg.c): GET /api/v1/dvcqg/evaluations
(every evaluation version, keyset over (recorded_at, id)) and GET /api/v1/dvcqg/pakn (every PAKN,
keyset over (updated_at, id)), signed like the other feeds. Checked by hand from the domain text:
Không hài lòng is the portal's one boolean (§12.1 "map to a boolean at the edge"), times
yyyyMMddHHmmss local (§10), an evaluation or PAKN from the portal is flagged so it is not pushed
back, nothing personal (the evaluator, the PAKN's sender, its content and unpublished answer)
leaves, the PAKN states in §12.2's words, the scope of the client's unit, every row once across
pages, and a bad cursor refused."""
import re
import time

import h56
from harness import eq, new_key, ok, status

ROOT, CENTER, JUSTICE = "000.00.00.H56", "000.00.12.H56", "000.00.21.H56"
COMMUNE_A, COMMUNE_B = "000.01.01.H56", "000.01.02.H56"
APPLICANT = {"name": "Lê Thị Hồng Nhung", "id_number": "079190001234",
             "address": "Số 12 đường Võ Thị Sáu", "phone": "0912345678"}
SENDER = {"name": "Đặng Văn Khoa", "address": "Ấp 3, xã Hòa An", "phone": "0987001122"}
EVALUATOR = "Nguyễn Thị Mận"
CONTENT = "Cán bộ tiếp nhận yêu cầu nộp thêm giấy tờ không có trong quy định"
ANSWER = "Đã làm việc với cán bộ Nguyễn Văn X, số điện thoại 0900111222, về việc này"
PUBLIC = "Phản ánh về việc yêu cầu thêm giấy tờ: đơn vị đã chấn chỉnh, xin lỗi người dân."
EVALS = "/api/v1/dvcqg/evaluations"
PAKN = "/api/v1/dvcqg/pakn"


def setup(t):
    h56.seed(t, communes=[("000.01.01.H56", "UBND xã Hòa An"),
                          ("000.01.02.H56", "UBND xã Hòa Bình")])
    t.admin = t.account("admin1", "admin", ROOT)
    t.clerk = t.account("clerk1", "clerk", CENTER)
    t.clerk_a = t.account("clerka", "clerk", COMMUNE_A)
    t.leader_a = t.account("leadera", "leader", COMMUNE_A)
    t.supervisor = t.account("sup1", "supervisor", ROOT)
    t.integ = t.api_key("egov", ROOT)
    t.integ_a = t.api_key("xa-hoa-an", COMMUNE_A)
    t.integ_b = t.api_key("xa-hoa-binh", COMMUNE_B)


def get(c, target, sign=True):
    """A feed read, signed by the integration client's secret (the feeds are signed reads)."""
    h = c.signer.headers("GET", target, b"") if sign and c.signer else None
    return c.get(target, headers=h)


# The feeds show only rows older than the oldest running transaction (dvcqg.c, FEED_HORIZON):
# as test_integ.feeds_settled, but over the two voice tables as well.
HIDES = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
         " AND xact_start IS NOT NULL AND backend_type = 'client backend'"
         " AND pid <> pg_backend_pid()"
         " AND xact_start <= greatest((SELECT max(updated_at) FROM dossier),"
         " (SELECT max(recorded_at) FROM dossier_event), (SELECT max(recorded_at) FROM evaluation),"
         " (SELECT max(updated_at) FROM pakn))")


def feeds_settled(t, seconds=60):
    deadline = time.time() + seconds
    while t.scalar(HIDES) != "0":
        ok(time.time() < deadline, "a transaction older than the last write ran for %d s" % seconds)
        time.sleep(0.05)


def receive(t, clerk):
    r = clerk.post("/api/v1/dossiers",
                   {"applicant": dict(APPLICANT), "procedure": "2.000908", "complete": True,
                    "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}]},
                   headers={"Idempotency-Key": new_key()})
    return status(r, 201).json["code"]


def receive_back(t, at):
    """A dossier pushed by the integration client, received at the counter at `at`."""
    r = t.integ.post("/api/v1/dossiers",
                     {"applicant": dict(APPLICANT), "procedure": "2.000908", "complete": True,
                      "received_at": at, "receiving_unit": CENTER,
                      "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}]},
                     headers={"Idempotency-Key": new_key()})
    return status(r, 201).json["code"]


def evaluate(client, code, body):
    return status(client.post("/api/v1/dossiers/%s/evaluations" % code, body), 201).json


def all_items(t, client, feed, limit=500):
    """Every item of a feed, paging from the start; also the number of pages read."""
    items, cursor, pages = [], None, 0
    while True:
        target = feed + "?limit=%d" % limit + ("&cursor=" + cursor if cursor else "")
        r = status(get(client, target), 200)
        pages += 1
        items += r.json["items"]
        ok(pages < 1000, "the feed ends")
        if not r.json["more"]:
            return items, pages
        cursor = r.json["next_cursor"]


def by_code(items, code):
    return [x for x in items if x["MaHoSo"] == code]


def test_dissatisfied_evaluation_in_the_feed(t):
    code = receive(t, t.clerk)
    answers = [None, None, 0, 1, 2, None, 0, None, None]
    evaluate(t.clerk, code, {"rating": "dissatisfied", "reason": "Phải đi lại ba lần",
                             "channel": "kiosk", "answers": answers,
                             "evaluator_name": EVALUATOR})
    feeds_settled(t)
    items, _ = all_items(t, t.integ, EVALS)
    rows = by_code(items, code)
    eq(len(rows), 1, "one evaluation version: %r" % rows)
    x = rows[0]
    # §12.1: the portal counts only Không hài lòng - rating 3 is the boolean true
    eq(x["dissatisfied"], True, "Không hài lòng maps to true")
    ok(re.fullmatch(r"\d{14}", x["evaluated_at_local"]), "yyyyMMddHHmmss: %r" % x)
    m = x["motcua"]
    eq((m["rating"], m["reason"], m["channel"], m["version"], m["from_dvcqg"]),
       ("dissatisfied", "Phải đi lại ba lần", "kiosk", 1, False), "motcua's own names")
    eq(m["answers"], answers, "the applicant's nine answers as given")
    # open dossier: motcua computes none of the nine yet (test_evaluation, §12.1 table)
    eq(m["computed"], [None] * 9, "nine computed values")
    eq((m["receiving_unit"], m["resolving_unit"]), (CENTER, CENTER), "the units' codes")
    ok(EVALUATOR not in str(x), "the evaluator's name stays inside motcua")
    ok(APPLICANT["name"] not in str(x), "no applicant's name either")
    eq(set(x), {"MaHoSo", "dissatisfied", "evaluated_at_local", "motcua"}, "top-level keys")


def test_evaluation_from_the_portal_is_flagged(t):
    code = receive_back(t, "2026-12-01T08:00:00+07:00")
    evaluate(t.integ, code, {"rating": "satisfied", "channel": "dvcqg",
                             "evaluated_at": "2026-12-07T09:00:00+07:00"})
    feeds_settled(t)
    items, _ = all_items(t, t.integ, EVALS)
    rows = by_code(items, code)
    eq(len(rows), 1, "listed although it came from the portal: %r" % rows)
    x = rows[0]
    eq(x["dissatisfied"], False, "Hài lòng is not Không hài lòng")
    eq(x["evaluated_at_local"], "20261207090000", "09:00 local on 07/12/2026")
    eq(x["motcua"]["evaluated_at"], "2026-12-07T09:00:00+07:00", "RFC 3339 inside motcua")
    eq((x["motcua"]["channel"], x["motcua"]["from_dvcqg"]), ("dvcqg", True),
       "flagged: the adapter must not push it back")


def test_pakn_only_published_text(t):
    code = receive(t, t.clerk_a)
    r = t.clerk_a.post("/api/v1/pakn", {"topic": "conduct", "channel": "counter",
                                        "sender": dict(SENDER), "content": CONTENT,
                                        "dossier_code": code})
    p = status(r, 201).json
    pid = p["id"]

    def feed_row():
        feeds_settled(t)
        rows = [x for x in all_items(t, t.integ, PAKN)[0] if x["motcua"]["id"] == pid]
        eq(len(rows), 1, "one row per PAKN, its latest state: %r" % rows)
        return rows[0]

    x = feed_row()
    eq((x["motcua"]["state"], x["motcua"]["state_name"]), ("submitted", "Chờ tiếp nhận"),
       "§12.2: chờ tiếp nhận")
    eq(x["MaHoSo"], code, "the dossier it names")
    eq((x["motcua"]["topic"], x["motcua"]["channel"], x["motcua"]["unit"]),
       ("conduct", "counter", COMMUNE_A), "topic, channel, receiver")
    eq(x["motcua"]["public_text"], None, "nothing published yet")
    eq(x["motcua"]["from_dvcqg"], False, "taken in at the counter")
    eq(x["received_at_local"], re.sub(r"\D", "", p["received_at"])[:14], "local time, digits only")
    for k in ("reject_due_at", "transfer_due_at", "supplement_due_at", "answer_due_at"):
        eq(x["motcua"][k], p[k], "deadline %s as the PAKN API shows it" % k)
    eq((x["answered_at_local"], x["published_at_local"], x["motcua"]["publish_due_at"]),
       (None, None, None), "not answered, not published")

    def step(version, type_, **fields):
        body = {"type": type_, "expected_version": version}
        body.update(fields)
        return status(t.leader_a.post("/api/v1/pakn/%s/events" % pid, body), 200).json

    step(1, "accept")
    e = step(2, "answer", answer=ANSWER)
    # a text drafted for publication but not yet published (the API stores public_text only at
    # the publishing step; written here directly) is not public either
    t.psql("UPDATE pakn SET public_text = '%s' WHERE id = %d" % (PUBLIC, pid))
    x = feed_row()
    eq((x["motcua"]["state"], x["motcua"]["state_name"]),
       ("answered", "Đã trả lời, chờ công khai"), "§12.2: chờ công khai")
    eq(x["motcua"]["public_text"], None, "an answer not yet published shows no text")
    eq(x["motcua"]["answered_at"], e["answered_at"], "the answer's instant")
    ok(re.fullmatch(r"\d{14}", x["answered_at_local"]), "answered, local time")
    eq(x["motcua"]["publish_due_at"], e["publish_due_at"], "the publication's deadline")
    step(3, "publish", public_text=PUBLIC)
    x = feed_row()
    eq((x["motcua"]["state"], x["motcua"]["state_name"]), ("published", "Đã công khai"),
       "§12.2: đã công khai")
    eq(x["motcua"]["public_text"], PUBLIC, "the published text")
    ok(re.fullmatch(r"\d{14}", x["published_at_local"]), "published, local time")
    text = str(x)
    for secret in (SENDER["name"], SENDER["phone"], SENDER["address"], CONTENT, ANSWER):
        ok(secret not in text, "never in the feed: %s" % secret)


def test_pakn_from_the_portal_is_flagged(t):
    r = t.integ.post("/api/v1/pakn", {"topic": "regulation", "channel": "dvcqg", "unit": CENTER,
                                      "sender": dict(SENDER), "content": CONTENT})
    pid = status(r, 201).json["id"]
    feeds_settled(t)
    rows = [x for x in all_items(t, t.integ, PAKN)[0] if x["motcua"]["id"] == pid]
    eq(len(rows), 1, "listed: %r" % rows)
    eq((rows[0]["motcua"]["from_dvcqg"], rows[0]["MaHoSo"]), (True, None),
       "flagged; names no dossier")


def test_scope_of_a_commune_client(t):
    code_a = receive(t, t.clerk_a)
    evaluate(t.clerk_a, code_a, {"rating": "very_satisfied", "channel": "kiosk"})
    pid_a = status(t.clerk_a.post("/api/v1/pakn", {"topic": "regulation", "channel": "letter",
                                                   "sender": dict(SENDER), "content": CONTENT}),
                   201).json["id"]
    code_c = receive(t, t.clerk)
    evaluate(t.clerk, code_c, {"rating": "satisfied", "channel": "paper"})
    pid_c = status(t.clerk.post("/api/v1/pakn", {"topic": "regulation", "channel": "phone",
                                                 "sender": dict(SENDER), "content": CONTENT}),
                   201).json["id"]
    feeds_settled(t)
    ev_a = {x["MaHoSo"] for x in all_items(t, t.integ_a, EVALS)[0]}
    pk_a = {x["motcua"]["id"] for x in all_items(t, t.integ_a, PAKN)[0]}
    ok(code_a in ev_a and code_c not in ev_a, "commune A sees its evaluation only: %r" % ev_a)
    ok(pid_a in pk_a and pid_c not in pk_a, "commune A sees its PAKN only: %r" % pk_a)
    ok(all(x["motcua"]["unit"] == COMMUNE_A for x in all_items(t, t.integ_a, PAKN)[0]),
       "every PAKN commune A sees is its own")
    eq(all_items(t, t.integ_b, EVALS)[0], [], "commune B sees no other unit's evaluation")
    eq(all_items(t, t.integ_b, PAKN)[0], [], "commune B sees no other unit's PAKN")
    ev_root = {x["MaHoSo"] for x in all_items(t, t.integ, EVALS)[0]}
    ok({code_a, code_c} <= ev_root, "the province's client sees both")
    # the administrator reads every unit's, unsigned (a session token is the credential)
    ev_adm = {x["MaHoSo"] for x in status(t.admin.get(EVALS + "?limit=500"), 200).json["items"]}
    ok({code_a, code_c} <= ev_adm, "the administrator sees both")


def test_paging_returns_each_row_once(t):
    for _ in range(3):
        code = receive(t, t.clerk)
        evaluate(t.clerk, code, {"rating": "satisfied", "channel": "kiosk"})
        status(t.clerk.post("/api/v1/pakn", {"topic": "conduct", "channel": "hotline",
                                             "sender": dict(SENDER), "content": CONTENT}), 201)
    feeds_settled(t)
    n_ev = int(t.scalar("SELECT count(*) FROM evaluation"))
    n_pk = int(t.scalar("SELECT count(*) FROM pakn"))
    ok(n_ev >= 3 and n_pk >= 3, "rows to page over")
    for feed, n, key in ((EVALS, n_ev, lambda x: (x["MaHoSo"], x["motcua"]["version"])),
                         (PAKN, n_pk, lambda x: x["motcua"]["id"])):
        whole, pages = all_items(t, t.integ, feed, limit=500)
        paged, pages = all_items(t, t.integ, feed, limit=2)
        eq(len(paged), n, "every row of %s once" % feed)
        eq(sorted(map(key, paged)), sorted(map(key, whole)), "the same rows, page by page")
        eq(len(set(map(key, paged))), n, "no row twice")
        ok(pages >= (n + 1) // 2, "read in pages of two: %d" % pages)
    # an empty page keeps the cursor, so the adapter polls on from there
    r = status(get(t.integ, EVALS + "?limit=500"), 200).json
    last = status(get(t.integ, EVALS + "?cursor=" + r["next_cursor"]), 200).json
    eq((last["items"], last["next_cursor"], last["more"]), ([], r["next_cursor"], False),
       "nothing after the last cursor")


def test_bad_cursor_and_signature(t):
    for feed in (EVALS, PAKN):
        for bad in ("x", "0_1", "12_", "12_abc", "12_3-4", "_5"):
            r = get(t.integ, feed + "?cursor=" + bad)
            status(r, 400, "BAD_QUERY")
            eq(r.json["error"].get("field"), "cursor", "%s ?cursor=%s" % (feed, bad))
        status(get(t.integ, feed + "?limit=0"), 400, "BAD_QUERY")
    # parts the database could not take are refused before it (issue 17): no DB_ERROR
    big = "9" * 25
    for feed, bad in (("/api/v1/dvcqg/dossiers", big + "_1"), ("/api/v1/dvcqg/dossiers", "1_" + big),
                      (EVALS, big + "_1"), (PAKN, "1_" + big),
                      ("/api/v1/dvcqg/progress", big + "_0b5e8d7c-1d2f-4a6b-9c3d-2e1f0a9b8c7d"),
                      ("/api/v1/dvcqg/progress", "1_abc"),
                      ("/api/v1/dvcqg/progress", "1_0b5e8d7c-1d2f-4a6b-9c3d-2e1f0a9b8c7")):
        r = get(t.integ, feed + "?cursor=" + bad)
        status(r, 400, "BAD_QUERY")
        ok("DB_ERROR" not in r.text, "%s ?cursor=%s" % (feed, bad))
        status(get(t.integ, feed, sign=False), 401, "BAD_SIGNATURE")
        status(t.supervisor.get(feed), 403)
        status(t.clerk.get(feed), 403)
