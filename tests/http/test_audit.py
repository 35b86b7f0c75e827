"""HTTP module: findings of the domain audit (domain.md §1, §6.1, §6.3, §7.2, §10).

Expected values are typed from domain.md, never read back from the server:
- the DVCQG feed's NgayHenTra is the appointment printed at reception, not the apology's;
- an apology issued during a counted pause is measured against the legal due as of the
  apology (the clock is stopped, so the due keeps moving);
- no dossier received from 01/07/2025 is assigned a district unit.
"""
import hashlib
import hmac
import time

from harness import eq, status
import test_dossier as td
from test_integ import feeds_settled

DISTRICT = "001.01.21.H56"  # a huyện committee, closed on 30/06/2025


def setup(t):
    td.setup(t)
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
    VALUES ('%s', 'UBND huyện Cũ', 'district', 'committee',
            (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01', '2025-06-30');
    """ % DISTRICT)
    t.admin = t.account("admin1", "admin", td.H56["root"])
    r = t.admin.post("/api/v1/integration/clients/egov/signing-secret")
    status(r, 201)
    t.secret = r.json["signing_secret"]


def signed_get(t, target):
    ts = str(int(time.time()))
    msg = b"GET\n" + target.encode() + b"\n" + ts.encode() + b"\n"
    sig = "v1=" + hmac.new(t.secret.encode(), msg, hashlib.sha256).hexdigest()
    return t.integ.request("GET", target, headers={"X-Motcua-Timestamp": ts,
                                                   "X-Motcua-Signature": sig})


def test_dvcqg_ngayhentra_is_the_original_appointment(t):
    d = td.receive(t, "2.000002", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-03T08:00:00+07:00", "1 working day")
    td.event(t, i, code, 1, "hand_over", to_unit=td.H56["justice"], step="Thẩm định",
             occurred_at="2026-03-02T08:30:00+07:00")
    td.event(t, i, code, 2, "apologize", reason="Cần xác minh",
             new_appointment="2026-03-06T17:00:00+07:00", occurred_at="2026-03-02T09:00:00+07:00")
    feeds_settled(t)  # the feed's horizon (test_integ.py)
    r = signed_get(t, "/api/v1/dvcqg/dossiers?limit=500")
    status(r, 200)
    items = {x["MaHoSo"]: x for x in r.json["items"]}
    eq(items[code]["NgayHenTra"], "20260303080000",
       "NgayHenTra = appointment at reception (§7.2), not the apology's 06/03 17:00")
    eq(items[code]["TrangThaiHoSo"], 4, "state 4 as is")


def test_apology_while_paused_uses_the_moving_due(t):
    # 3 working days from Mon 02/03 08:00 -> Thu 05/03 08:00. Paused Tue 03/03 08:00; at the
    # apology (Thu 05/03 10:00) the legal due is 05/03 08:00 + 1,080 working minutes =
    # Mon 09/03 10:00, and the notice is Tue 08:00 -> Thu 08:00 = 960 minutes >= 480.
    d = td.receive(t, "2.000908", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-05T08:00:00+07:00", "3 working days")
    td.event(t, i, code, 1, "hand_over", to_unit=td.H56["justice"], step="Thẩm định",
             occurred_at="2026-03-02T09:00:00+07:00")
    e = td.event(t, i, code, 2, "request_supplement", reason="Thiếu bản sao",
                 occurred_at="2026-03-03T08:00:00+07:00")
    eq(e["event"]["payload"]["counted"], True, "first request pauses")
    td.event(t, i, code, 3, "apologize", expect=422, err="VALIDATION_FAILED", reason="Chậm",
             new_appointment="2026-03-06T17:00:00+07:00", occurred_at="2026-03-05T10:00:00+07:00")
    e = td.event(t, i, code, 3, "apologize", reason="Chậm",
                 new_appointment="2026-03-12T17:00:00+07:00", occurred_at="2026-03-05T10:00:00+07:00")
    eq(e["event"]["payload"]["late_notice"], False, "960 working minutes of notice")
    eq(e["new_appointment_at"], "2026-03-12T17:00:00+07:00", "new appointment")


def test_no_district_unit_from_2025_07_01(t):
    r = t.integ.post("/api/v1/dossiers", {
        "applicant": dict(td.APPLICANT), "procedure": "2.000908", "complete": True,
        "received_at": "2025-08-01T09:00:00+07:00", "receiving_unit": td.H56["center"],
        "resolving_unit": DISTRICT}, headers={"Idempotency-Key": td.new_key()})
    status(r, 422, "UNIT_NOT_VALID")
    eq(t.scalar("SELECT count(*) FROM dossier d JOIN unit u ON u.id = d.resolving_unit_id"
                " WHERE u.code = '%s'" % DISTRICT), "0", "nothing stored")
    # History: a dossier received before 01/07/2025 may be resolved by the district.
    d = td.receive(t, "2.000908", received_at="2025-06-02T09:00:00+07:00", resolving_unit=DISTRICT)
    eq(d["regime"], "nd61", "ND 61 era")
    # A dossier received in 2026 is never handed over to a district unit.
    d = td.receive(t, "2.000908", received_at="2026-03-02T08:00:00+07:00")
    td.event(t, t.integ, d["code"], 1, "hand_over", expect=422, err="UNIT_NOT_VALID",
             to_unit=DISTRICT, step="Thẩm định", occurred_at="2026-03-02T09:00:00+07:00")
