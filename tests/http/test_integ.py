"""Integration (docs/integration.md): signed requests (wrong, expired, replayed refused), the
batch push with good, duplicate and bad items and per-dossier ordering, the status mapping
table, and the DVCQG feed's field names and formats (domain.md §10, domain-sources.md §8.2)."""
import datetime
import hashlib
import hmac
import json
import os
import re
import time

from harness import eq, ok, status
import test_dossier as td

BATCH = "/api/v1/integration/batch"


def setup(t):
    td.setup(t)
    t.admin = t.account("admin1", "admin", td.H56["root"])
    r = t.admin.post("/api/v1/integration/clients/egov/signing-secret")
    status(r, 201)
    t.secret = r.json["signing_secret"]
    ok(re.fullmatch(r"[0-9a-f]{64}", t.secret), "secret format")


_last_ts = [0]


def signed(t, method, target, body=None, ts=None, secret=None, enc="hex", sig=None):
    """A signed request; without ts, a timestamp never used before by this module (the same
    bytes signed twice in one second would be a replay)."""
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    if ts is None:
        ts = _last_ts[0] = max(int(time.time()), _last_ts[0] + 1)
    ts = str(ts)
    msg = method.encode() + b"\n" + target.encode() + b"\n" + ts.encode() + b"\n" + raw
    mac = hmac.new((secret or t.secret).encode(), msg, hashlib.sha256)
    if sig is None:
        import base64
        sig = "v1=" + (mac.hexdigest() if enc == "hex" else base64.b64encode(mac.digest()).decode())
    h = {"X-Motcua-Timestamp": ts, "X-Motcua-Signature": sig}
    if body is not None:
        h["Content-Type"] = "application/json"
    return t.integ.request(method, target, raw=raw if body is not None else None, headers=h)


def test_a_used_signature_is_remembered_while_it_could_be_accepted(t):
    """Two servers on one database, their clocks pinned 355 s apart: a batch signed 55 s ahead
    of the first's clock (inside the 60 s skew) is taken there; at the second, where the same
    timestamp is still inside the 300 s window, the same signature is a replay - the memory
    (window + skew + 1 s from the arrival) outlasts the acceptance (issue 17)."""
    a = t.start_server_at("2026-12-01T09:00:00+07:00")
    b = t.start_server_at("2026-12-01T09:05:55+07:00")
    try:
        ts = int(datetime.datetime.fromisoformat("2026-12-01T09:00:55+07:00").timestamp())
        body = {"items": [{"sender_id": "skew-1", "kind": "event", "dossier_code": "NOPE",
                           "type": "stop"}]}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        msg = b"POST\n" + BATCH.encode() + b"\n" + str(ts).encode() + b"\n" + raw
        h = {"X-Motcua-Timestamp": str(ts), "Content-Type": "application/json",
             "X-Motcua-Signature": "v1=" + hmac.new(t.secret.encode(), msg,
                                                    hashlib.sha256).hexdigest()}
        for srv, want in ((a, 200), (b, 401)):
            r = t.client(t.integ.token, server=srv).request("POST", BATCH, raw=raw, headers=h)
            status(r, want, None if want == 200 else "REPLAYED")
    finally:
        a.stop()
        b.stop()


def test_signature_required_and_checked(t):
    body = {"items": [{"sender_id": "x", "kind": "event", "dossier_code": "NOPE", "type": "stop"}]}
    r = t.integ.post(BATCH, body, sign=False)
    status(r, 401, "BAD_SIGNATURE")
    r = signed(t, "POST", BATCH, body, secret="0" * 64)
    status(r, 401, "BAD_SIGNATURE")
    r = signed(t, "POST", BATCH, body, ts=int(time.time()) - 400)
    status(r, 401, "REPLAYED")
    r = signed(t, "POST", BATCH, body, ts=int(time.time()) + 400)
    status(r, 401, "REPLAYED")
    # ahead of our clock by more than the skew of two NTP hosts (60 s): refused, so no
    # signature outlives its replay memory (issue 17: one signed 300 s ahead was accepted
    # again ~600 s later)
    r = signed(t, "POST", BATCH, body, ts=int(time.time()) + 120)
    status(r, 401, "REPLAYED")
    r = signed(t, "POST", BATCH, body, ts=int(time.time()) + 30)
    status(r, 200)
    ts = int(time.time())
    r = signed(t, "POST", BATCH, body, ts=ts, enc="b64")
    status(r, 200)
    r = signed(t, "POST", BATCH, body, ts=ts, enc="b64")
    status(r, 401, "REPLAYED")
    # Same MAC in hex is the same signature: still a replay.
    r = signed(t, "POST", BATCH, body, ts=ts, enc="hex")
    status(r, 401, "REPLAYED")
    # A read (the feed) signed twice with the same timestamp is served twice: replaying a
    # GET changes nothing and pollers may repeat a page within a second.
    feed = "/api/v1/dvcqg/dossiers?limit=1"
    status(signed(t, "GET", feed, ts=ts), 200)
    status(signed(t, "GET", feed, ts=ts), 200)


def dv_item(sender, code, state=2, ngay="20260225100000"):
    return {"sender_id": sender, "sent_at": "2026-02-25T10:01:00+07:00", "kind": "dossier",
            "MaHoSo": code, "MaTTHC": "2.000908", "KenhThucHien": 1, "ChuHoSo": "Trần Thị Bình",
            "SoGiayToChuHoSo": "001090000002", "SoDienThoai": "0900000002",
            "MaDonViTiepNhan": td.H56["center"], "TrangThaiHoSo": state, "NgayTiepNhan": ngay}


def test_batch_good_duplicate_bad(t):
    items = [
        dv_item("s-1", "000.00.12.H56-260225-9001"),
        {"sender_id": "s-2", "kind": "event", "dossier_code": "000.00.12.H56-260225-9001",
         "status": 4, "step": "Thẩm định", "to_unit": td.H56["justice"],
         "ThoiDiemXuLy": "20260225110000"},
        {"sender_id": "s-3", "kind": "event", "dossier_code": "000.00.12.H56-260225-9002",
         "type": "hand_over", "step": "x"},                          # unknown dossier
        {"sender_id": "s-4", "kind": "event", "dossier_code": "000.00.12.H56-260225-9002",
         "type": "stop", "reason": "r"},                             # after a failed one
        dv_item("s-5", "000.00.12.H56-260225-9003", state=9),        # 9 is not a new dossier
        dv_item("s-1", "000.00.12.H56-260225-9001"),                 # the same item again
        {"kind": "event"},                                           # no sender id
        {"sender_id": "s-1", "kind": "dossier"},                     # its id, another item
    ]
    r = signed(t, "POST", BATCH, {"items": items})
    status(r, 200)
    res = r.json["items"]
    eq([x["status"] for x in res],
       ["accepted", "accepted", "rejected", "rejected", "rejected", "duplicate", "rejected",
        "rejected"], "statuses: %r" % res)
    eq([x["index"] for x in res], list(range(8)), "indexes")
    eq(res[5].get("dossier_code"), "000.00.12.H56-260225-9001", "in-batch duplicate's code")
    eq(res[7]["error"]["code"], "IDEMPOTENCY_KEY_REUSED", "sender id reused for another item")
    eq(res[0]["dossier_code"], "000.00.12.H56-260225-9001", "external code kept")
    eq(res[2]["error"]["code"], "DOSSIER_NOT_FOUND", "unknown dossier")
    eq(res[3]["error"]["code"], "PRECEDING_ITEM_FAILED", "ordering")
    eq(res[4]["error"]["code"], "VALIDATION_FAILED", "state 9 as a new dossier")
    eq(t.scalar("SELECT state FROM dossier WHERE code = '000.00.12.H56-260225-9001'"), "4",
       "both items applied in order")
    # Replay of the whole batch: the good items are duplicates, nothing applied twice.
    r = signed(t, "POST", BATCH, {"items": items[:2]})
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["duplicate", "duplicate"], "replayed batch")
    eq(t.scalar("SELECT count(*) FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id"
                " WHERE d.code = '000.00.12.H56-260225-9001'"), "2", "two events only")
    # The same sender id with another item, in a later batch: refused, nothing applied.
    other = dict(items[1], reason="khác")
    r = signed(t, "POST", BATCH, {"items": [other]})
    status(r, 200)
    eq(r.json["items"][0]["error"]["code"], "IDEMPOTENCY_KEY_REUSED", "reused id: %r" % r.json)
    # A rejected item is not remembered: corrected under the same sender id, it is applied.
    fixed = dv_item("s-3", "000.00.12.H56-260115-9004", ngay="20260115100000")
    r = signed(t, "POST", BATCH, {"items": [fixed]})
    status(r, 200)
    eq(r.json["items"][0]["status"], "accepted", "corrected item: %r" % r.json)


def test_batch_limits(t):
    r = signed(t, "POST", BATCH, {"items": []})
    status(r, 422, "VALIDATION_FAILED")
    r = signed(t, "POST", BATCH, {"items": [{"sender_id": str(i), "kind": "x"} for i in range(1001)]})
    status(r, 422, "VALIDATION_FAILED")


def test_status_map_configurable(t):
    r = t.admin.get("/api/v1/integration/status-map")
    status(r, 200)
    rows = {(x["source"], x["code"]): x["state"] for x in r.json["items"]}
    for c in range(1, 11):
        eq(rows[("dvcqg", str(c))], c, "DVCQG %d maps 1:1" % c)
    eq(rows[("dvcqg", "releasing")], 9, "status string")
    r = t.admin.post("/api/v1/integration/status-map",
                     {"items": [{"source": "egov", "code": "TN", "state": 2, "note": "tiếp nhận"}]})
    status(r, 200)
    r = t.integ.post("/api/v1/integration/status-map", {"items": []})
    status(r, 403)
    # an integration client signs its reads under /integration/ too (docs/integration.md §1)
    status(t.integ.get("/api/v1/integration/status-map", sign=False), 401, "BAD_SIGNATURE")
    r = signed(t, "GET", "/api/v1/integration/status-map")
    status(r, 200)
    eq(len(r.json["items"]), len(rows) + 1, "the signed read sees the table")
    item = dv_item("s-egov-1", "000.00.12.H56-260225-9010")
    item["source"] = "egov"
    item["TrangThaiHoSo"] = "TN"
    r = signed(t, "POST", BATCH, {"items": [item]})
    status(r, 200)
    eq(r.json["items"][0]["status"], "accepted", "egov code mapped: %r" % r.json)


# The feeds show only rows older than the start of the oldest transaction still running in
# the database (dvcqg.c, FEED_HORIZON): a transaction that began before the last write and
# still runs when the feed is read - the server's webhook relay or
# alert scheduler on a loaded machine - hides the rows written since it began, until it ends.
# That is the feed's contract (such a row shows on a later page, never skipped), so a test
# that expects to see everything written so far first waits for those transactions to end.
FEED_HIDES = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
              " AND xact_start IS NOT NULL AND backend_type = 'client backend'"
              " AND pid <> pg_backend_pid()"
              " AND xact_start <= greatest((SELECT max(updated_at) FROM dossier),"
              " (SELECT max(recorded_at) FROM dossier_event))")


def feeds_settled(t, seconds=60):
    """Waits until no running transaction began before the newest dossier or event row was
    written: then every row written so far is behind the feeds' horizon, and stays so (a
    transaction starting later starts after those rows)."""
    deadline = time.time() + seconds
    while t.scalar(FEED_HIDES) != "0":
        ok(time.time() < deadline, "a transaction older than the last write ran for %d s" % seconds)
        time.sleep(0.05)


def test_dvcqg_feed_fields_and_formats(t):
    target = "/api/v1/dvcqg/dossiers?limit=500"
    feeds_settled(t)
    r = signed(t, "GET", target)
    status(r, 200)
    items = {x["MaHoSo"]: x for x in r.json["items"]}
    d = items.get("000.00.12.H56-260225-9001")
    ok(d is not None, "dossier in the feed: %r" % list(items))
    for k in ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "KenhThucHien", "ChuHoSo",
              "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "DanhSachHoSoBoSung"):
        ok(k in d, "field %s" % k)
    eq(d["NgayTiepNhan"], "20260225100000", "yyyyMMddHHmmss local")
    ok(re.fullmatch(r"\d{14}", d["NgayHenTra"]), "NgayHenTra format")
    eq(d["TrangThaiHoSo"], 4, "status code as is")
    eq(d["motcua"]["sync_state"], "not_synced", "not yet synced")
    # Progress rows.
    r = signed(t, "GET", "/api/v1/dvcqg/progress?limit=500")
    status(r, 200)
    rows = [x for x in r.json["items"] if x["MaHoSo"] == "000.00.12.H56-260225-9001"]
    eq([x["TrangThai"] for x in rows], [2, 4], "progress states")
    eq(rows[1]["ThoiDiemXuLy"], "20260225110000", "event time")
    for k in ("NguoiXuLy", "PhongBanXuLy", "NoiDungXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"):
        ok(k in rows[1], "progress field %s" % k)
    # Acknowledge: synced, then the feed says so; unknown codes are reported.
    r = signed(t, "POST", "/api/v1/dvcqg/ack",
               {"items": [{"code": "000.00.12.H56-260225-9001", "state": "synced"},
                          {"code": "NOPE", "state": "error", "error": "x"}]})
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["ok", "not_found"], "ack")
    r = signed(t, "GET", "/api/v1/dvcqg/dossiers?sync=synced")
    status(r, 200)
    eq([x["MaHoSo"] for x in r.json["items"]], ["000.00.12.H56-260225-9001"], "synced filter")
    # Cursor: the next page after the last row is empty, then stays stable. (Nothing was
    # written to dossiers since feeds_settled: the first page holds every row.)
    r = signed(t, "GET", "/api/v1/dvcqg/dossiers?limit=499")  # a new signature
    status(r, 200)
    cur = r.json["next_cursor"]
    r = signed(t, "GET", "/api/v1/dvcqg/dossiers?cursor=" + cur)
    status(r, 200)
    eq(r.json["items"], [], "nothing after the last cursor")


def test_reconcile(t):
    body = {"period": {"from": "2026-02-01", "to": "2026-02-28"},
            "units": [{"unit_code": td.H56["center"], "received": 5, "resolved": 0}]}
    r = signed(t, "POST", "/api/v1/dvcqg/reconcile", body)
    status(r, 200)
    u = r.json["units"][0]
    eq(u["ours"]["received"], 2, "our receptions in February")
    eq(u["difference"]["received"], -3, "difference ours - theirs")
    eq(u["matches"], False, "mismatch flagged")


def server_cpu(t):
    """User + system CPU seconds the server process used so far (Linux /proc)."""
    try:
        with open("/proc/%d/stat" % t.server.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def test_batch_200_items(t):
    # 100 new dossiers, each followed by its hand-over (status 4 inferred from state 2): the
    # items alternate between the two write routes and stay in order per dossier.
    items = []
    for i in range(100):
        code = "000.00.12.H56-260226-%04d" % (8000 + i)
        items.append(dv_item("big-d-%d" % i, code, ngay="20260226090000"))
        items.append({"sender_id": "big-e-%d" % i, "kind": "event", "dossier_code": code,
                      "status": 4, "step": "Thẩm định", "to_unit": td.H56["justice"],
                      "ThoiDiemXuLy": "20260226100000"})
    cpu0 = server_cpu(t)
    t0 = time.time()
    r = signed(t, "POST", BATCH, {"items": items})
    dt = time.time() - t0
    cpu = server_cpu(t) - cpu0
    status(r, 200)
    eq(r.json["accepted"], 200, "all 200 accepted: %r" % [x for x in r.json["items"]
                                                          if x["status"] != "accepted"][:3])
    eq([x["index"] for x in r.json["items"]], list(range(200)), "indexes in order")
    eq(t.scalar("SELECT count(*) FROM dossier WHERE code LIKE '000.00.12.H56-260226-8%'"
                " AND state = 4"), "100", "every dossier handed over")
    print("# batch of 200 items: %.3f s (%.2f ms/item), server CPU %.0f ms"
          % (dt, dt * 1000 / 200, cpu * 1000))


def test_refusal_time_is_the_refusing_event(t):
    # NgayTuChoi (domain.md §10) is when the refusal happened, as the pushed item dates it, not
    # when motcua recorded the row: both are back-dated here, one refused at reception (a new
    # dossier in state 3), one submitted online and refused by a later event.
    a, b = "000.00.12.H56-251215-9101", "000.00.12.H56-251216-9102"
    ref = dv_item("ref-1", a, state=3)
    del ref["NgayTiepNhan"]
    ref["NgayTuChoi"] = "20251215143000"
    ref["LyDoTuChoi"] = "Không thuộc thẩm quyền"
    sub = dv_item("ref-2", b, state=1)
    del sub["NgayTiepNhan"]
    sub["NgayNopHoSo"] = "20251216080000"
    ev = {"sender_id": "ref-3", "kind": "event", "dossier_code": b, "status": 3,
          "reason": "Hồ sơ không thuộc thẩm quyền", "ThoiDiemXuLy": "20251217091500"}
    r = signed(t, "POST", BATCH, {"items": [ref, sub, ev]})
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["accepted"] * 3, "pushed: %r" % r.json["items"])
    eq(t.scalar("SELECT string_agg(state::text, ',' ORDER BY code) FROM dossier"
                " WHERE code IN ('%s', '%s')" % (a, b)), "3,3", "both refused")
    feeds_settled(t)
    r = signed(t, "GET", "/api/v1/dvcqg/dossiers?limit=500")
    status(r, 200)
    items = {x["MaHoSo"]: x for x in r.json["items"]}
    eq(items[a]["NgayTuChoi"], "20251215143000", "refused at reception: the pushed time")
    eq(items[b]["NgayTuChoi"], "20251217091500", "refused by an event: its ThoiDiemXuLy")
    eq(items[b]["TrangThaiHoSo"], 3, "status 3")
    # The reconciliation counts refusals by the same instant: both in December 2025, none in
    # the month they were recorded.
    body = {"period": {"from": "2025-12-01", "to": "2025-12-31"},
            "units": [{"unit_code": td.H56["center"], "not_received": 2}]}
    r = signed(t, "POST", "/api/v1/dvcqg/reconcile", body)
    status(r, 200)
    eq(r.json["units"][0]["ours"]["not_received"], 2, "refusals in December 2025")


def ev_item(sender, code, status_code, **kw):
    d = {"sender_id": sender, "kind": "event", "dossier_code": code, "status": status_code}
    d.update(kw)
    return d


def lifecycle_items(prefix, code, day):
    """A dossier and three events without expected_version (the batch fills it in and infers
    the transition from the status): what a resend used to break."""
    return [dv_item(prefix + "-d", code, ngay=day + "090000"),
            ev_item(prefix + "-e1", code, 4, step="Thẩm định", to_unit=td.H56["justice"],
                    ThoiDiemXuLy=day + "100000"),
            ev_item(prefix + "-e2", code, 5, reason="Thiếu bản sao", ThoiDiemXuLy=day + "103000"),
            ev_item(prefix + "-e3", code, 4, ThoiDiemXuLy=day + "110000")]


def events_of(t, code):
    return t.scalar("SELECT count(*) FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id"
                    " WHERE d.code = '%s'" % code)


def test_batch_resend_and_overlap(t):
    # Regression (audit, batch idempotency): items without expected_version got the current
    # version filled in, so a resend was a different request under the same key.
    a, b = "000.00.12.H56-260303-9201", "000.00.12.H56-260303-9202"
    first = lifecycle_items("rs-a", a, "20260303")
    r = signed(t, "POST", BATCH, {"items": first})
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["accepted"] * 4, "first: %r" % r.json["items"])
    eq(t.scalar("SELECT state FROM dossier WHERE code = '%s'" % a), "4", "resumed")
    r = signed(t, "POST", BATCH, {"items": first})  # a new timestamp: not a replay
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["duplicate"] * 4, "resend: %r" % r.json["items"])
    eq([x.get("dossier_code") for x in r.json["items"]], [a] * 4, "first results")
    # Overlap: the tail of the first batch, then a new dossier's items.
    second = first[2:] + lifecycle_items("rs-b", b, "20260303")
    r = signed(t, "POST", BATCH, {"items": second})
    status(r, 200)
    eq([x["status"] for x in r.json["items"]], ["duplicate"] * 2 + ["accepted"] * 4,
       "overlap: %r" % r.json["items"])
    eq(events_of(t, a), "4", "nothing applied twice (a)")
    eq(events_of(t, b), "4", "b applied once")
    eq(t.scalar("SELECT count(*) FROM integ_inbox WHERE sender_id LIKE 'rs-%' AND state = 'applied'"),
       "8", "inbox rows applied")


def test_batch_resend_after_kill(t):
    # SIGKILL motcua while a batch is half applied; the resend answers the applied items as
    # duplicates (their inbox rows committed with their writes) and applies the rest once.
    import signal
    import threading
    items = []
    codes = ["000.00.12.H56-260302-%04d" % (9300 + i) for i in range(250)]
    for i, c in enumerate(codes):
        items += lifecycle_items("k%d" % i, c, "20260302")
    body = {"items": items}
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    done = {}

    def push():
        try:
            done["r"] = signed(t, "POST", BATCH, body)
        except Exception as e:  # the connection dies with the server
            done["e"] = e
    th = threading.Thread(target=push)
    th.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        n = int(t.scalar("SELECT count(*) FROM integ_inbox WHERE sender_id LIKE 'k%' AND"
                         " state = 'applied'"))
        if n >= 40:
            break
        time.sleep(0.05)
    t.server.stop(sig=signal.SIGKILL)
    th.join(30)
    applied = int(t.scalar("SELECT count(*) FROM integ_inbox WHERE sender_id LIKE 'k%'"
                           " AND state = 'applied'"))
    ok(0 < applied < len(items), "killed mid-batch: %d of %d applied" % (applied, len(items)))
    t.server = t.start_server()
    for c in t._clients:
        c.server = t.server
        c.close()
    r = signed(t, "POST", BATCH, body)
    status(r, 200)
    st = [x["status"] for x in r.json["items"]]
    eq(st.count("rejected"), 0, "nothing rejected on resend: %r"
       % [x for x in r.json["items"] if x["status"] == "rejected"][:3])
    ok(st.count("duplicate") >= applied, "applied items are duplicates: %d >= %d"
       % (st.count("duplicate"), applied))
    eq(t.scalar("SELECT count(*) FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id"
                " WHERE d.code LIKE '000.00.12.H56-260302-9%'"), str(len(items)),
       "each item applied exactly once")
    eq(t.scalar("SELECT count(*) FROM dossier WHERE code LIKE '000.00.12.H56-260302-9%'"
                " AND state = 4"), str(len(codes)), "every dossier in progress again")
    del raw


def test_every_write_signed(t):
    # An integration client signs every state-changing request, not only /integration/* and
    # /dvcqg/* (audit): the dossier API refuses it unsigned, wrongly signed or replayed.
    body = {"applicant": dict(td.APPLICANT), "procedure": "2.000908", "channel": 1,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
            "sets": 1, "return_method": "counter", "complete": True,
            "received_at": "2026-03-04T09:00:00+07:00", "receiving_unit": td.H56["center"]}
    n0 = t.scalar("SELECT count(*) FROM dossier")
    r = t.integ.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "unsigned-1"},
                     sign=False)
    status(r, 401, "BAD_SIGNATURE")
    r = signed(t, "POST", "/api/v1/dossiers", body, secret="0" * 64)
    status(r, 401, "BAD_SIGNATURE")
    eq(t.scalar("SELECT count(*) FROM dossier"), n0, "nothing written unsigned")
    r = signed(t, "POST", "/api/v1/dossiers", body)
    status(r, 201)
    code = r.json["code"]
    ev = {"type": "hand_over", "expected_version": 1, "step": "Thẩm định",
          "to_unit": td.H56["justice"], "occurred_at": "2026-03-04T10:00:00+07:00"}
    target = "/api/v1/dossiers/%s/events" % code
    r = t.integ.post(target, ev, sign=False)
    status(r, 401, "BAD_SIGNATURE")
    ts = int(time.time())
    r = signed(t, "POST", target, ev, ts=ts)
    status(r, 200)
    r = signed(t, "POST", target, ev, ts=ts)
    status(r, 401, "REPLAYED")
    # Reads stay as they were (a bearer token is enough outside /integration and /dvcqg).
    status(t.integ.get("/api/v1/dossiers/%s" % code), 200)


def test_is_updating_after_error_only_ack(t):
    # Regression (audit): an adapter's error ack (nothing reached the portal) made the next
    # push of the dossier an update (isUpdating true). Only a synced ack does.
    code = "000.00.12.H56-260305-9401"
    r = signed(t, "POST", BATCH, {"items": [dv_item("upd-1", code, ngay="20260305090000")]})
    eq(r.json["items"][0]["status"], "accepted", "pushed: %r" % r.json)
    feeds_settled(t)  # the acks below write dvcqg_sync only: the dossier stays visible

    def row(sync):
        r = signed(t, "GET", "/api/v1/dvcqg/dossiers?limit=500&sync=" + sync)
        status(r, 200)
        got = [x for x in r.json["items"] if x["MaHoSo"] == code]
        eq(len(got), 1, "in the %s feed" % sync)
        return got[0]

    def ack(state, ts):
        item = {"code": code, "state": state}
        if state == "error":
            item["error"] = "Cổng DVCQG trả lỗi 500"
        r = signed(t, "POST", "/api/v1/dvcqg/ack", {"items": [item]}, ts=ts)
        status(r, 200)
    now = int(time.time())
    ack("error", now)
    eq(row("error")["isUpdating"], False, "never synced: a first push")
    ack("synced", now - 1)
    eq(row("synced")["isUpdating"], True, "synced once: an update")
    ack("error", now - 2)
    eq(row("error")["isUpdating"], True, "a later error: still an update")
