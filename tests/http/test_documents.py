"""Printed forms and the public lookup, through the real API (api/dossier/documents.h, server/doc):
the receipt (Mẫu 01) a clerk prints at reception as PDF and HTML, the supplement request after
a request_supplement event, the apology (phiếu xin lỗi và hẹn lại), and GET /api/v1/lookup
(right secret, wrong secret, unknown code, rate limit).

PDF text is read back with pdftotext (poppler-utils), so what is checked is what a reader of
the file sees: the dossier code, the applicant's name with its Vietnamese diacritics (NFC) and
the dates as the forms print them ("ngày DD tháng MM năm YYYY", Mẫu 01 of NĐ 118/2025)."""
import os
import re
import time
import subprocess
import tempfile
import unicodedata

from harness import eq, new_key, ok, status

H56 = {
    "root": "000.00.00.H56",
    "center": "000.00.12.H56",
    "justice": "000.00.21.H56",
}
NAME = "Nguyễn Thị Hương Giang"
APPLICANT = {"name": NAME, "id_number": "051190001234", "address": "Số 12 đường Lê Lợi",
             "phone": "0905123456", "email": "giang@example.vn"}


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, address) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01',
       'Thành phố Thử Nghiệm');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, address)
      SELECT c, n, 'province', k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56',
             '2000-01-01', 'Thành phố Thử Nghiệm'
      FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'center'),
                   ('000.00.21.H56', 'Sở Tư pháp', 'department')) v(c, n, k);
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000002', 'Xác nhận một ngày', (SELECT id FROM field WHERE code = 'G01'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement,payment}', '[]', '[]'
      FROM procedure p JOIN (VALUES ('2.000908', 3), ('2.000002', 1)) v(code, dv)
        ON v.code = p.code;
    """)
    t.clerk = t.account("clerk1", "clerk", H56["center"])
    t.integ = t.api_key("egov", H56["root"])
    r = t.clerk.post("/api/v1/dossiers",
                     {"applicant": APPLICANT, "procedure": "2.000908", "complete": True,
                      "documents": [{"name": "Đơn đề nghị cấp bản sao", "kind": "original",
                                     "count": 1}]},
                     headers={"Idempotency-Key": new_key()})
    status(r, 201)
    t.dossier = r.json


def pdf_text(body):
    """The text of a PDF as pdftotext extracts it, whitespace runs collapsed, NFC."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    if p.returncode != 0:
        raise AssertionError("pdftotext failed: %s" % p.stderr[:300])
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", p.stdout.decode("utf-8")))


def html_text(body):
    text = re.sub(r"<[^>]+>", " ", body.decode("utf-8"))
    text = text.replace("&nbsp;", " ").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def vi_date(rfc3339):
    """'2026-02-25T10:00:00+07:00' -> 'ngày 25 tháng 02 năm 2026' (the forms' wording)."""
    y, m, d = rfc3339[:10].split("-")
    return "ngày %s tháng %s năm %s" % (d, m, y)


def test_receipt_pdf(t):
    d = t.dossier
    r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf" % d["code"])
    status(r, 200)
    ok(r.headers.get("content-type", "").startswith("application/pdf"), "PDF content type: %r"
       % r.headers.get("content-type"))
    ok(r.body.startswith(b"%PDF-"), "a PDF file")
    text = pdf_text(r.body)
    ok(d["code"] in text, "dossier code in the PDF: %s" % text[:400])
    ok(NAME in text, "applicant name with its diacritics in the PDF: %s" % text[:600])
    ok(vi_date(d["appointment_at"]) in text,
       "appointment %s in the PDF: %s" % (vi_date(d["appointment_at"]), text))
    ok("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text, "title of Mẫu 01")
    # The lookup address printed under the QR is the citizen's page for this dossier (no secret).
    # (pdftotext drops the hyphen where the address wraps after "tra-")
    flat = "".join(text.split())
    ok("/tra-cuu?ma=" + d["code"] in flat or "/tracuu?ma=" + d["code"] in flat,
       "lookup address printed: %s" % text)
    ok(d["lookup_secret"] not in text, "no secret printed unless asked")
    # the place name (địa danh) of "…, ngày … tháng … năm …": from the unit's address
    ok("Thử Nghiệm, ngày" in text, "place and date line: %s" % text[:600])


def test_receipt_place_from_an_ancestor(t):
    """A unit whose address is not recorded prints its nearest ancestor's place name."""
    d = t.dossier
    t.psql("UPDATE unit SET address = NULL WHERE code = '%s'" % H56["center"])
    try:
        r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf" % d["code"])
        text = pdf_text(status(r, 200).body)
        ok("Thử Nghiệm, ngày" in text, "place of the province committee: %s" % text[:600])
        ok("……, ngày" not in text, "no blank place")
    finally:
        t.psql("UPDATE unit SET address = 'Thành phố Thử Nghiệm' WHERE code = '%s'"
               % H56["center"])


def test_receipt_pdf_with_secret(t):
    d = t.dossier
    r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf&secret=%s"
                    % (d["code"], d["lookup_secret"]))
    status(r, 200)
    ok(d["lookup_secret"] in pdf_text(r.body), "the lookup secret is printed for the applicant")
    bad = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf&secret=WRONG12345"
                      % d["code"])
    status(bad, 422)


def test_receipt_html(t):
    d = t.dossier
    r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=html" % d["code"])
    status(r, 200)
    ok(r.headers.get("content-type", "").startswith("text/html"), "HTML content type")
    text = html_text(r.body)
    ok(d["code"] in text, "code in the HTML")
    ok(NAME in unicodedata.normalize("NFC", text), "applicant name in the HTML")
    ok(vi_date(d["appointment_at"]) in text, "appointment in the HTML")
    status(t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=doc" % d["code"]), 400,
           "BAD_QUERY")


def test_supplement_after_request(t):
    d = t.dossier
    code = d["code"]
    status(t.clerk.get("/api/v1/dossiers/%s/documents/supplement" % code), 404)
    r = t.integ.post("/api/v1/dossiers/%s/events" % code,
                     {"type": "hand_over", "expected_version": 1, "to_unit": H56["justice"],
                      "step": "Thẩm định"}, headers={"Idempotency-Key": new_key()})
    status(r, 200)
    r = t.integ.post("/api/v1/dossiers/%s/events" % code,
                     {"type": "request_supplement", "expected_version": 2,
                      "reason": "Thiếu bản sao căn cước", "missing": ["Bản sao Căn cước công dân"]},
                     headers={"Idempotency-Key": new_key()})
    status(r, 200)
    r = t.clerk.get("/api/v1/dossiers/%s/documents/supplement?format=pdf" % code)
    status(r, 200)
    text = pdf_text(r.body)
    ok(code in text, "code on the supplement request")
    ok(NAME in text, "applicant on the supplement request")
    ok("Bản sao Căn cước công dân" in text, "the missing document is listed: %s" % text)
    ok("Thiếu bản sao căn cước" in text, "the reason is printed")


def test_apology_form(t):
    # A backdated reception (integration only) with the new appointment typed by hand.
    r = t.integ.post("/api/v1/dossiers",
                     {"applicant": APPLICANT, "procedure": "2.000002", "complete": True,
                      "received_at": "2026-03-02T08:00:00+07:00",
                      "receiving_unit": H56["center"]},
                     headers={"Idempotency-Key": new_key()})
    status(r, 201)
    code = r.json["code"]
    eq(r.json["appointment_at"], "2026-03-03T08:00:00+07:00", "1 working day (domain.md §5)")
    for v, body in ((1, {"type": "hand_over", "to_unit": H56["justice"], "step": "Thẩm định",
                         "occurred_at": "2026-03-02T08:30:00+07:00"}),
                    (2, {"type": "apologize", "reason": "Cần xác minh thêm",
                         "new_appointment": "2026-03-06T17:00:00+07:00",
                         "occurred_at": "2026-03-02T09:00:00+07:00"})):
        body["expected_version"] = v
        status(t.integ.post("/api/v1/dossiers/%s/events" % code, body,
                            headers={"Idempotency-Key": new_key()}), 200)
    r = t.clerk.get("/api/v1/dossiers/%s/documents/apology?format=pdf" % code)
    status(r, 200)
    text = pdf_text(r.body)
    ok(code in text, "code on the apology")
    ok(NAME in text, "applicant on the apology")
    ok("ngày 06 tháng 03 năm 2026" in text, "the new appointment is printed: %s" % text)
    ok("Cần xác minh thêm" in text, "the reason is printed")


def test_receipt_reissued_after_supplement(t):
    # domain.md §6.1: each resume records NgayHenTraTruoc/NgayHenTraMoi and prints the new date
    # for the applicant. Neither form set has a supplement receipt, so Mẫu 01 is reissued.
    # 3 working days from Mon 02/03/2026 08:00: Thu 05/03 08:00 (domain.md §5.1).
    r = t.integ.post("/api/v1/dossiers",
                     {"applicant": APPLICANT, "procedure": "2.000908", "complete": True,
                      "received_at": "2026-03-02T08:00:00+07:00",
                      "receiving_unit": H56["center"]},
                     headers={"Idempotency-Key": new_key()})
    status(r, 201)
    code = r.json["code"]
    eq(r.json["appointment_at"], "2026-03-05T08:00:00+07:00", "3 working days")

    def forms():
        r = t.clerk.get("/api/v1/dossiers/%s/documents" % code)
        status(r, 200)
        return {x["form"]: x for x in r.json["items"]}

    steps = [{"type": "hand_over", "to_unit": H56["justice"], "step": "Thẩm định",
              "occurred_at": "2026-03-02T09:00:00+07:00"},
             {"type": "request_supplement", "reason": "Thiếu bản sao căn cước",
              "missing": ["Bản sao Căn cước công dân"], "occurred_at": "2026-03-02T10:00:00+07:00"},
             {"type": "receive_supplement", "occurred_at": "2026-03-04T10:00:00+07:00"}]
    for v, body in enumerate(steps, 1):
        if body["type"] == "receive_supplement":
            ok("receipt_reissue" not in forms(), "no reissue before the supplement is received")
        body["expected_version"] = v
        status(t.integ.post("/api/v1/dossiers/%s/events" % code, body,
                            headers={"Idempotency-Key": new_key()}), 200)
    f = forms()
    ok("receipt_reissue" in f, "the reissued receipt is offered: %r" % list(f))
    eq(f["receipt_reissue"]["number"], 1, "it is Mẫu 01")
    r = t.clerk.get(f["receipt_reissue"]["pdf"])
    status(r, 200)
    text = pdf_text(r.body)
    # Paused Mon 10:00 -> Wed 10:00 = 960 working minutes: Thu 05/03 08:00 -> Mon 09/03 08:00.
    ok("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text, "title of Mẫu 01")
    ok("Cấp lại sau khi tiếp nhận hồ sơ bổ sung" in text, "marked as reissued")
    ok("Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 05 tháng 03 năm 2026"
       in text, "the original appointment stays: %s" % text)
    ok("Ngày hẹn trả kết quả trước khi bổ sung: 08 giờ 00 phút, ngày 05 tháng 03 năm 2026"
       in text, "NgayHenTraTruoc printed")
    ok("Ngày hẹn trả kết quả mới: 08 giờ 00 phút, ngày 09 tháng 03 năm 2026" in text,
       "NgayHenTraMoi printed: %s" % text)
    ok("Thời gian nhận hồ sơ bổ sung: 10 giờ 00 phút, ngày 04 tháng 03 năm 2026" in text,
       "supplement reception time printed")
    ok(code in text and NAME in text, "code and applicant")
    r = t.clerk.get(f["receipt_reissue"]["html"])
    status(r, 200)
    ok("Ngày hẹn trả kết quả mới: 08 giờ 00 phút, ngày 09 tháng 03 năm 2026" in
       html_text(r.body), "NgayHenTraMoi in the HTML")


def test_lookup_right_secret(t):
    d = t.dossier
    r = t.anon().get("/api/v1/lookup?code=%s&secret=%s" % (d["code"], d["lookup_secret"]))
    status(r, 200)
    eq(r.json["code"], d["code"], "code")
    ok("state_name" in r.json and "state_label" not in r.json, "state_name, as dossier routes")
    eq(r.headers.get("cache-control"), "no-store", "not cached")
    body = r.text
    for personal in (NAME, APPLICANT["phone"], APPLICANT["id_number"], APPLICANT["email"],
                     APPLICANT["address"], "Nguyễn", "0905"):
        ok(personal not in body, "no personal data in the public lookup: %r in %s" % (personal, body))


def test_lookup_wrong_secret_and_unknown_code_alike(t):
    d = t.dossier
    wrong = t.anon().get("/api/v1/lookup?code=%s&secret=WRONG12345" % d["code"])
    status(wrong, 404, "LOOKUP_FAILED")
    unknown = t.anon().get("/api/v1/lookup?code=000.00.12.H56-990101-9999&secret=%s"
                           % d["lookup_secret"])
    status(unknown, 404, "LOOKUP_FAILED")
    eq(wrong.json["error"]["message"], unknown.json["error"]["message"], "same message")
    eq(sorted(wrong.json["error"].keys()), sorted(unknown.json["error"].keys()), "same shape")
    # the QR's address gives the code alone: a lookup without the secret says it is missing
    r = t.anon().get("/api/v1/lookup?code=%s" % d["code"])
    status(r, 400, "LOOKUP_MISSING_INPUT")
    eq(r.json["error"]["field"], "secret", "the secret is what is missing")
    ok("mã tra cứu" in r.json["error"]["message"], "said in Vietnamese: %r" % r.json)
    r = t.anon().get("/api/v1/lookup?secret=%s" % d["lookup_secret"])
    status(r, 400, "LOOKUP_MISSING_INPUT")
    eq(r.json["error"]["field"], "code", "the code is what is missing")
    status(t.anon().get("/api/v1/lookup?code=%s&secret=" % d["code"]), 400, "LOOKUP_MISSING_INPUT")


def test_receipt_qr_round_trip_at_150_dpi(t):
    """The receipt's QR, printed on A5 and scanned at 150 dpi, decodes (zbar) to the fields TT
    01/2023 asks for and the citizen's lookup page; the page opens on this server, and the
    secret printed under the QR is the second factor that page asks for."""
    d = t.dossier
    r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf&secret=%s"
                    % (d["code"], d["lookup_secret"]))
    status(r, 200)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "r.pdf")
        with open(pdf, "wb") as f:
            f.write(r.body)
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", pdf,
                        os.path.join(tmp, "scan")], check=True)
        z = subprocess.run(["zbarimg", "--raw", "-q", os.path.join(tmp, "scan.png")],
                           capture_output=True, text=True)
    eq(z.returncode, 0, "zbar decodes the QR of a 150 dpi scan: %s" % z.stderr[-300:])
    lines = z.stdout.strip().split("\n")
    eq(lines[0], "MCQR/1", "version tag first")
    f = dict(line.split("=", 1) for line in lines[1:])
    eq(f["code"], d["code"], "dossier code")
    eq(f["proc"], d["receipt"]["qr"]["procedure"], "procedure code")
    eq(f["id"], d["receipt"]["qr"]["applicant_id"], "applicant identifier")
    ok(f["id"], "an applicant identifier")
    ok(f["doc"].endswith("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), "document name: %r" % f)
    eq(f["sys"], "motcua", "issuing system")
    ok(f["at"].startswith("20") and f["due"] == d["appointment_at"], "issue time and appointment")
    ok("secret" not in z.stdout and d["lookup_secret"] not in z.stdout, "no secret in the QR")
    eq(f["url"], "https://motcua.example.vn/tra-cuu?ma=" + d["code"], "the lookup page")
    # the page it opens, on this server (MOTCUA_PUBLIC_URL is the public name of it)
    page = t.anon().get(f["url"][len("https://motcua.example.vn"):])
    status(page, 200)
    ok(page.headers["content-type"].startswith("text/html") and b"lookup.js" in page.body,
       "the citizen's lookup page")
    # the second factor printed under the QR, then the lookup the page makes with both
    m = re.search(r"Mã tra cứu: ([A-Z0-9]+)", pdf_text(r.body))
    ok(m, "the secret is printed beside the QR")
    eq(m.group(1), d["lookup_secret"], "the printed secret")
    lk = t.anon().get("/api/v1/lookup?code=%s&secret=%s" % (f["url"].split("ma=")[1], m.group(1)))
    status(lk, 200)
    eq(lk.json["code"], d["code"], "the page finds the dossier with what the receipt prints")


def test_lookup_budget_is_shared_by_the_workers(t):
    """One budget per address for the whole process (issue 17): 30 at once, then half a
    token a second. Requests spread over eight connections (the server has several worker
    threads) get at most 30 + what refills while they run, not 30 per thread."""
    s = t.start_server(env={"MOTCUA_THREADS": "2"})
    try:
        conns = [t.client(server=s) for _ in range(8)]
        t0 = time.time()
        statuses = [conns[i % 8].get("/api/v1/lookup?code=%s&secret=WRONG12345"
                                     % t.dossier["code"]).status for i in range(80)]
        took = time.time() - t0
        allowed = sum(1 for x in statuses if x != 429)
        ok(set(statuses) <= {404, 429}, "404 or 429 only: %r" % statuses)
        ok(30 <= allowed <= 30 + int(took / 2) + 1,
           "%d answered in %.1f s: the allowance of one bucket, not one per thread" % (allowed, took))
        r = t.client(server=s).get("/api/v1/lookup?code=%s&secret=WRONG12345" % t.dossier["code"])
        status(r, 429, "RATE_LIMITED")  # a new connection, the same budget
    finally:
        s.stop()


def test_lookup_rate_limit(t):
    # DOC_LOOKUP_PER_MIN (30) per client address, a token bucket shared by every worker
    # thread (process-wide): at most 30 more answers before 429.
    c = t.anon()
    d = t.dossier
    statuses = []
    for _ in range(40):
        r = c.get("/api/v1/lookup?code=%s&secret=WRONG12345" % d["code"])
        statuses.append(r.status)
        if r.status == 429:
            status(r, 429, "RATE_LIMITED")
            break
    eq(statuses[-1], 429, "limited after the per-minute allowance: %r" % statuses)
    ok(set(statuses[:-1]) <= {404}, "only 404 before the limit: %r" % statuses)
    ok(len(statuses) >= 20, "not limited too early (%d requests)" % len(statuses))
    # The right secret is limited too: the limit is per address, not per failure.
    r = c.get("/api/v1/lookup?code=%s&secret=%s" % (d["code"], d["lookup_secret"]))
    status(r, 429, "RATE_LIMITED")
