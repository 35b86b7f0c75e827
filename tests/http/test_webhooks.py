"""Webhooks out (docs/integration.md): CloudEvents 1.0 bodies signed per Standard Webhooks,
delivered at least once and in order per dossier from the dossier_event outbox, to a receiver
that is slow or fails half the time, across a SIGKILL and restart of motcua; dead letters and
an administrator's replay; a dead letter holding its dossier back until replayed or skipped;
subscriptions edited, disabled and enabled, secrets rotated (both sign during the overlap);
and fair sending: a slow receiver does not hold every delivery slot."""
import base64
import hashlib
import hmac
import http.server
import json
import signal
import threading
import time

from harness import eq, new_key, ok, status
import test_dossier as td

SERVER_ENV = {"MOTCUA_WEBHOOK_BACKOFF_MS": "100", "MOTCUA_WEBHOOK_TIMEOUT": "2",
              "MOTCUA_WEBHOOK_MAX_ATTEMPTS": "3"}


class Receiver:
    """A Python http.server thread on a free port; mode: ok, flaky (every other fails), fail,
    slow (answers after `delay` seconds). Whatever the mode, messages about a dossier whose
    code is in `bad` fail. `at` keeps when each accepted message arrived; `most` the most
    requests ever in progress at once."""

    def __init__(self, mode="ok", delay=0.3):
        self.mode = mode
        self.delay = delay
        self.bad = set()
        self.got = []
        self.at = []
        self.n = 0
        self.busy = 0
        self.most = 0
        self.seen = set()
        self.tries = []   # every request, accepted or failed: (webhook-id, body)
        self.lock = threading.Lock()
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    rec.n += 1
                    rec.busy += 1
                    rec.most = max(rec.most, rec.busy)
                if rec.mode == "slow":
                    time.sleep(rec.delay)
                wid = self.headers.get("webhook-id")
                with rec.lock:
                    first = wid not in rec.seen
                    rec.seen.add(wid)
                    rec.tries.append((wid, body))
                    rec.busy -= 1
                # flaky: the first attempt of every message fails (half of all requests).
                fail = rec.mode == "fail" or (rec.mode == "flaky" and first)
                try:
                    fail = fail or json.loads(body)["subject"] in rec.bad
                except (ValueError, KeyError):
                    pass
                if not fail:
                    with rec.lock:
                        rec.got.append((dict(self.headers), body))
                        rec.at.append(time.time())
                self.send_response(500 if fail else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()


def verify(secret, headers, body):
    h = {k.lower(): v for k, v in headers.items()}
    key = base64.b64decode(secret[len("whsec_"):])
    msg = ("%s.%s." % (h["webhook-id"], h["webhook-timestamp"])).encode() + body
    want = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
    return ("v1," + want) in h["webhook-signature"].split(" ")


def setup(t):
    td.setup(t)
    t.admin = t.account("admin1", "admin", td.H56["root"])


def subscribe(t, url, **extra):
    body = {"url": url}
    body.update(extra)
    r = t.admin.post("/api/v1/webhooks", body)
    status(r, 201)
    ok(r.json["secret"].startswith("whsec_"), "secret issued")
    return r.json


def wait(cond, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def lifecycle(t, code, version):
    v = version
    for ty, f in (("hand_over", {"step": "Thẩm định", "to_unit": td.H56["justice"]}),
                  ("resolve", {"outcome": "granted"}),
                  ("return_result", {"method": "counter"})):
        r = t.integ.post("/api/v1/dossiers/%s/events" % code, dict(type=ty, expected_version=v, **f),
                         headers={"Idempotency-Key": new_key()})
        status(r, 200)
        v += 1


def by_dossier(got):
    out = {}
    for h, body in got:
        ce = json.loads(body)
        out.setdefault(ce["subject"], []).append((int(ce["sequence"]), ce["id"]))
    return out


def test_cloudevents_signed_and_filtered(t):
    rec = Receiver("ok")
    sub = subscribe(t, rec.url, event_types=["receive"], units=[td.H56["center"]])
    d = td.receive(t)
    ok(wait(lambda: len(rec.got) >= 1), "delivered")
    h, body = rec.got[0]
    ok(verify(sub["secret"], h, body), "Standard Webhooks signature verifies")
    ce = json.loads(body)
    eq(ce["specversion"], "1.0", "specversion")
    eq(ce["type"], "vn.motcua.dossier.receive.v1", "type")
    eq(ce["subject"], d["code"], "subject")
    eq(ce["source"], "/units/" + td.H56["center"], "source")
    ok(ce["time"].endswith("+07:00"), "time in +07:00")
    eq(ce["sequence"], "1", "sequence")
    eq(ce["province"], "H56", "province")
    eq(h.get("webhook-id") or h.get("Webhook-Id"), ce["id"], "webhook-id = event id")
    lifecycle(t, d["code"], 1)
    time.sleep(1.5)
    eq(len(rec.got), 1, "other event types filtered out")
    r = t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    status(r, 200)
    rec.close()


def test_flaky_and_slow_receivers_in_order(t):
    flaky, slow = Receiver("flaky"), Receiver("slow")
    s1, s2 = subscribe(t, flaky.url), subscribe(t, slow.url)
    codes = []
    for _ in range(3):
        d = td.receive(t, client=t.integ, received_at="2026-02-25T09:00:00+07:00")
        lifecycle(t, d["code"], 1)
        codes.append(d["code"])
    for rec in (flaky, slow):
        ok(wait(lambda: all(len(by_dossier(rec.got).get(c, [])) >= 4 for c in codes), 60),
           "all events delivered to %s" % rec.mode)
        got = by_dossier(rec.got)
        for c in codes:
            eq([s for s, _ in got[c]], [1, 2, 3, 4], "in order for %s (%s)" % (c, rec.mode))
    ok(flaky.n > len(flaky.got), "the flaky receiver made us retry")
    for s in (s1, s2):
        t.admin.post("/api/v1/webhooks/%d/disable" % s["id"])
    flaky.close()
    slow.close()


def test_kill_and_restart_mid_delivery(t):
    rec = Receiver("slow")
    sub = subscribe(t, rec.url)
    codes = []
    for _ in range(4):
        d = td.receive(t, client=t.integ, received_at="2026-02-25T09:00:00+07:00")
        lifecycle(t, d["code"], 1)
        codes.append(d["code"])
    time.sleep(0.5)
    t.server.stop(sig=signal.SIGKILL)
    t.server = t.start_server()
    for c in t._clients:
        c.server = t.server
        c.close()
    ok(wait(lambda: all(len(set(by_dossier(rec.got).get(c, []))) >= 4 for c in codes), 90),
       "every event arrives after the restart")
    got = by_dossier(rec.got)
    for c in codes:
        seqs = [s for s, _ in got[c]]
        uniq = []
        for s in seqs:
            if not uniq or uniq[-1] != s:
                uniq.append(s)
        eq(sorted(set(seqs)), [1, 2, 3, 4], "all events for %s" % c)
        eq(uniq, sorted(uniq), "in order for %s (duplicates only as repeats): %r" % (c, seqs))
        ids = {}
        for s, i in got[c]:
            ids.setdefault(s, set()).add(i)
        ok(all(len(v) == 1 for v in ids.values()), "a duplicate has the same webhook-id")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_dead_letter_and_replay(t):
    rec = Receiver("fail")
    sub = subscribe(t, rec.url)
    td.receive(t)
    ok(wait(lambda: len(t.admin.get("/api/v1/webhooks/%d/deliveries?state=dead" % sub["id"])
                        .json["items"]) == 1, 30), "dead after 3 attempts")
    dl = t.admin.get("/api/v1/webhooks/%d/deliveries?state=dead" % sub["id"]).json["items"][0]
    eq(dl["attempts"], 3, "attempts")
    eq(rec.n, 3, "three tries")
    rec.mode = "ok"
    r = t.admin.post("/api/v1/webhooks/deliveries/%d/replay" % dl["id"])
    status(r, 202)
    ok(wait(lambda: len(rec.got) == 1), "replayed delivery arrives")
    r = t.anon().get("/metrics")
    ok("motcua_webhook_delivered_total" in r.text, "metrics exported")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_alerts_as_webhooks(t):
    # Alerts (issue 6) go out through the same outbox: opt-in by type ("alert.<kind>" or
    # "alert.*"), filtered by unit like dossier events, signed the same way.
    rec, other, every = Receiver("ok"), Receiver("ok"), Receiver("ok")
    sub = subscribe(t, rec.url, event_types=["alert.overdue"], units=[td.H56["center"]])
    sub_other = subscribe(t, other.url, event_types=["alert.*"], units=[td.H56["tax"]])
    sub_every = subscribe(t, every.url)   # every dossier event, no alert
    # Received long ago and never resolved: the scheduler finds it overdue at once.
    d = td.receive(t, client=t.integ, received_at="2026-02-24T09:00:00+07:00")
    ok(wait(lambda: any(json.loads(b)["subject"] == d["code"] for _, b in rec.got), 30),
       "the overdue alert arrives as a webhook")
    h, body = [(h, b) for h, b in rec.got if json.loads(b)["subject"] == d["code"]][0]
    ok(verify(sub["secret"], h, body), "Standard Webhooks signature verifies")
    ce = json.loads(body)
    eq(ce["type"], "vn.motcua.alert.overdue.v1", "alert type")
    eq(ce["source"], "/units/" + td.H56["center"], "source: the alert's unit")
    eq(ce["data"]["kind"], "overdue", "kind")
    eq(ce["data"]["dossier_code"], d["code"], "dossier")
    aid = int(t.scalar("SELECT id FROM alert WHERE kind = 'overdue' AND dossier_id ="
                       " (SELECT id FROM dossier WHERE code = '%s')" % d["code"]))
    eq(ce["data"]["alert_id"], aid, "alert id")
    eq(h.get("webhook-id") or h.get("Webhook-Id"), ce["id"], "webhook-id")
    ok(wait(lambda: any(json.loads(b)["subject"] == d["code"] for _, b in every.got), 30),
       "the reception event reaches the catch-all subscription")
    time.sleep(1.5)
    eq([json.loads(b)["type"] for _, b in every.got if json.loads(b)["subject"] == d["code"]],
       ["vn.motcua.dossier.receive.v1"], "no alert without opting in")
    eq([json.loads(b)["subject"] for _, b in other.got].count(d["code"]), 0,
       "another unit's subscription gets no alert of this dossier")
    r = t.admin.get("/api/v1/webhooks/%d/deliveries" % sub["id"])
    status(r, 200)
    eq({x["type"] for x in r.json["items"] if x["dossier_code"] == d["code"]},
       {"alert.overdue"}, "delivery list names the alert")
    for s in (sub, sub_other, sub_every):
        t.admin.post("/api/v1/webhooks/%d/disable" % s["id"])
    for x in (rec, other, every):
        x.close()


# -- the national portal's vocabulary as webhooks (issue 7, sql/090) -------------------------
def feed_progress(t, code, n):
    """The CapNhatTienDoHoSoMC rows of dossier `code` on the signed feed, once it shows n."""
    rows = []

    def look():
        rows.clear()
        cursor = None
        while True:
            target = "/api/v1/dvcqg/progress?limit=500" + ("&cursor=" + cursor if cursor else "")
            r = t.integ.request("GET", target, headers=t.integ.signer.headers("GET", target, b""))
            status(r, 200)
            rows.extend(x for x in r.json["items"] if x["MaHoSo"] == code)
            if not r.json["more"]:
                return len(rows) >= n
            cursor = r.json["next_cursor"]
    ok(wait(look, 30), "the feed shows %d progress rows of %s" % (n, code))
    return sorted(rows, key=lambda x: x["motcua"]["sequence"])


def test_dvcqg_format(t):
    # A subscription in the portal's format: each dossier event as its CapNhatTienDoHoSoMC
    # row, the same row as the feed's; signed the same way; a retry carries the same bytes.
    rec = Receiver("flaky")   # the first attempt of every message fails
    sub = subscribe(t, rec.url, format="dvcqg", event_types=["receive", "hand_over", "alert.*"])
    eq(sub["format"], "dvcqg", "format echoed")
    eq(sub_row(t, sub)["format"], "dvcqg", "format listed")
    # Received long ago: an overdue alert fires too, and a dvcqg subscription never gets it.
    d = td.receive(t, client=t.integ, received_at="2026-02-24T09:00:00+07:00")
    td.event(t, t.integ, d["code"], 1, "hand_over", step="Thẩm định", to_unit=td.H56["justice"])
    ok(wait(lambda: len(rec.got) >= 2, 30), "both events delivered: %r" % rec.got)
    rows = feed_progress(t, d["code"], 2)
    got = sorted(rec.got, key=lambda x: json.loads(x[1])["version"])
    eq(len(got), 2, "one message per event")
    for (h, body), row, seq in zip(got, rows, (1, 2)):
        ok(verify(sub["secret"], h, body), "Standard Webhooks signature verifies")
        hl = {k.lower(): v for k, v in h.items()}
        eq(hl["content-type"], "application/json", "Content-Type")
        m = json.loads(body)
        eq(set(m), {"CapNhatTienDoHoSoMC", "MaHoSo", "version"}, "envelope")
        eq((m["MaHoSo"], m["version"]), (d["code"], seq), "dossier code and version")
        eq(m["CapNhatTienDoHoSoMC"], row, "the feed's progress row of the same event")
        eq(hl["webhook-id"], row["motcua"]["event_id"], "webhook-id = event id")
        ok(len(row["ThoiDiemXuLy"]) == 14 and row["ThoiDiemXuLy"].isdigit(), "yyyyMMddHHmmss")
        tries = [b for w, b in rec.tries if w == hl["webhook-id"]]
        ok(len(tries) >= 2, "retried after the failed attempt")
        eq(set(tries), {body}, "every attempt carried the same bytes")
    eq([r["TrangThai"] for r in rows], [2, 4], "status codes")
    # The overdue alert exists, yet nothing but the two events went out.
    ok(wait(lambda: t.scalar("SELECT count(*) FROM alert a JOIN dossier d ON d.id = a.dossier_id"
                             " WHERE d.code = '%s'" % d["code"]) not in (None, "0"), 30),
       "an alert fired")
    time.sleep(1.5)
    eq(sorted({w for w, _ in rec.tries}), sorted({r["motcua"]["event_id"] for r in rows}),
       "no alert sent to a dvcqg subscription")
    eq({x["type"] for x in deliveries(t, sub)}, {"receive", "hand_over"}, "no alert delivery")
    # Switching back: a format other than the two is refused; cloudevents again is accepted.
    before = sub_row(t, sub)
    for body in ({"format": "xml"}, {"format": 1}):
        r = t.admin.post("/api/v1/webhooks/%d/update" % sub["id"], body)
        ok(r.status == 422 and r.error_code() == "VALIDATION_FAILED", "%r refused" % body)
    eq(sub_row(t, sub), before, "refused updates changed nothing")
    r = t.admin.post("/api/v1/webhooks", {"url": rec.url, "format": "DongBoHoSoMC"})
    ok(r.status == 422 and r.error_code() == "VALIDATION_FAILED", "unknown format refused")
    r = t.admin.post("/api/v1/webhooks/%d/update" % sub["id"], {"format": "cloudevents"})
    status(r, 200)
    eq(r.json["format"], "cloudevents", "format changed")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


# -- a dead letter holds its dossier back (issue 7: in order per dossier) -------------------
def deliveries(t, sub, state=None):
    q = "?limit=500" + ("&state=" + state if state else "")
    r = t.admin.get("/api/v1/webhooks/%d/deliveries%s" % (sub["id"], q))
    status(r, 200)
    return r.json["items"]


def dead_of(t, sub, code):
    return [x for x in deliveries(t, sub, "dead") if x["dossier_code"] == code]


def seqs(rec, code):
    return [s for s, _ in by_dossier(rec.got).get(code, [])]


def metric(t, name):
    for line in t.anon().get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return None


def sub_row(t, sub):
    r = t.admin.get("/api/v1/webhooks?limit=500")
    status(r, 200)
    return [x for x in r.json["items"] if x["id"] == sub["id"]][0]


def fail_until_dead(t, rec, sub, code):
    """The receiver refuses the dossier's messages until its first one is dead-lettered."""
    ok(wait(lambda: len(dead_of(t, sub, code)) == 1, 30), "%s dead-lettered" % code)
    return dead_of(t, sub, code)[0]


def test_dead_letter_blocks_its_dossier_until_replayed(t):
    rec = Receiver("fail")
    sub = subscribe(t, rec.url)
    a = td.receive(t)
    rec.bad.add(a["code"])
    dead = fail_until_dead(t, rec, sub, a["code"])
    rec.mode = "ok"   # from now on only dossier a's messages fail
    eq(dead["sequence"], 1, "the reception event is the dead letter")
    # Later events of the same dossier, and another dossier's events.
    lifecycle(t, a["code"], 1)
    b = td.receive(t)
    lifecycle(t, b["code"], 1)
    ok(wait(lambda: seqs(rec, b["code"]) == [1, 2, 3, 4], 30), "the other dossier flows")
    time.sleep(1.5)
    eq(seqs(rec, a["code"]), [], "nothing of the blocked dossier went out")
    held = [x for x in deliveries(t, sub, "blocked") if x["dossier_code"] == a["code"]]
    eq(sorted(x["sequence"] for x in held), [2, 3, 4], "its later events are listed as blocked")
    ok(all(x["state"] == "pending" and x["blocked"] and x["blocked_by"] == dead["id"]
           for x in held), "pending, blocked by the dead letter: %r" % held)
    ok(all(x["attempts"] == 0 for x in held), "never attempted")
    eq(sub_row(t, sub)["blocked"], 3, "the subscription counts them")
    ok(wait(lambda: (metric(t, "motcua_webhook_blocked") or 0) >= 3, 10),
       "motcua_webhook_blocked on /metrics")
    # Replayed: the dead one goes out first, then the rest in order.
    rec.bad.clear()
    status(t.admin.post("/api/v1/webhooks/deliveries/%d/replay" % dead["id"]), 202)
    ok(wait(lambda: len(seqs(rec, a["code"])) >= 4, 30), "all of the dossier arrives")
    eq(seqs(rec, a["code"]), [1, 2, 3, 4], "in order, the replayed one first")
    eq(sub_row(t, sub)["blocked"], 0, "nothing blocked any more")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_dead_letter_skipped(t):
    rec = Receiver("fail")
    sub = subscribe(t, rec.url)
    a = td.receive(t)
    rec.bad.add(a["code"])
    dead = fail_until_dead(t, rec, sub, a["code"])
    rec.mode = "ok"
    lifecycle(t, a["code"], 1)
    time.sleep(1.5)
    eq(seqs(rec, a["code"]), [], "held back")
    # Only a dead letter can be skipped; refusals change nothing.
    r = t.admin.post("/api/v1/webhooks/deliveries/%d/skip" % 999999999)
    status(r, 404, "NOT_FOUND")
    held = [x for x in deliveries(t, sub, "blocked") if x["dossier_code"] == a["code"]]
    r = t.admin.post("/api/v1/webhooks/deliveries/%d/skip" % held[0]["id"])
    status(r, 409, "CONFLICT")
    eq(len([x for x in deliveries(t, sub, "blocked") if x["dossier_code"] == a["code"]]), 3,
       "a refused skip changed nothing")
    rec.bad.clear()
    r = t.admin.post("/api/v1/webhooks/deliveries/%d/skip" % dead["id"])
    status(r, 200)
    eq(r.json["state"], "skipped", "skipped")
    ok(r.json["skipped_at"], "when")
    ok(wait(lambda: seqs(rec, a["code"]) == [2, 3, 4], 30), "the later events go on, in order")
    sk = [x for x in deliveries(t, sub, "skipped")]
    eq([x["id"] for x in sk], [dead["id"]], "listed as skipped")
    eq(t.scalar("SELECT skipped_by = (SELECT id FROM account WHERE login = 'admin1')"
                " FROM webhook_delivery WHERE id = %d" % dead["id"]), "t", "who skipped it")
    rows = t.sql("SELECT login, detail->'old'->>'state', detail->'new'->>'state' FROM audit_log"
                 " WHERE action = 'admin.webhook_delivery.update' AND target = '%d'" % dead["id"])
    eq([tuple(r) for r in rows], [("admin1", "dead", "skipped")], "the skip is audited")
    r = t.admin.post("/api/v1/webhooks/deliveries/%d/skip" % dead["id"])
    status(r, 409, "CONFLICT")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_replay_every_dead_letter(t):
    rec = Receiver("fail")
    sub = subscribe(t, rec.url)
    ds = [td.receive(t) for _ in range(2)]
    for d in ds:
        fail_until_dead(t, rec, sub, d["code"])
        lifecycle(t, d["code"], 1)
    status(t.admin.post("/api/v1/webhooks/%d/replay-dead" % 999999999), 404, "NOT_FOUND")
    time.sleep(1)
    eq(rec.got, [], "the later events were held")
    rec.mode = "ok"
    r = t.admin.post("/api/v1/webhooks/%d/replay-dead" % sub["id"])
    status(r, 202)
    eq(r.json["replayed"], 2, "both dead letters")
    for d in ds:
        ok(wait(lambda: len(seqs(rec, d["code"])) >= 4, 30), "%s arrives" % d["code"])
        eq(seqs(rec, d["code"]), [1, 2, 3, 4], "in order")
    eq(deliveries(t, sub, "dead"), [], "no dead letter left")
    n = int(t.scalar("SELECT count(*) FROM audit_log WHERE action = 'admin.webhook_delivery.update'"
                     " AND target IN (SELECT id::text FROM webhook_delivery"
                     " WHERE subscription_id = %d)" % sub["id"]))
    eq(n, 2, "each replayed delivery audited")
    eq(t.admin.post("/api/v1/webhooks/%d/replay-dead" % sub["id"]).json["replayed"], 0,
       "nothing to replay")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


# -- managing subscriptions -----------------------------------------------------------------
def audit_rows(t, sub):
    return [json.loads(r[0]) for r in t.sql(
        "SELECT detail::text FROM audit_log WHERE action = 'admin.webhook_subscription.update'"
        " AND target = '%d' ORDER BY id" % sub["id"])]


def test_update_subscription(t):
    old, new = Receiver("ok"), Receiver("ok")
    sub = subscribe(t, old.url, event_types=["receive"], description="Egov tỉnh")
    r = t.admin.post("/api/v1/webhooks/%d/update" % sub["id"],
                     {"url": new.url, "event_types": ["hand_over"], "units": [td.H56["center"]],
                      "description": "Egov tỉnh (mới)"})
    status(r, 200)
    eq((r.json["url"], r.json["event_types"], r.json["units"], r.json["description"]),
       (new.url, ["hand_over"], [td.H56["center"]], "Egov tỉnh (mới)"), "changed")
    ok(r.json["updated_at"], "updated_at")
    ok("secret" not in r.json, "no secret shown")
    d = td.receive(t)
    lifecycle(t, d["code"], 1)
    ok(wait(lambda: len(by_dossier(new.got).get(d["code"], [])) == 1, 30), "new URL and filter")
    time.sleep(1)
    eq([json.loads(b)["type"] for _, b in new.got], ["vn.motcua.dossier.hand_over.v1"],
       "only the new event type")
    eq(old.got, [], "nothing to the former URL")
    # Refusals change nothing.
    before = sub_row(t, sub)
    for body, code in (({"units": ["000.99.99.H99"]}, "UNKNOWN_REFERENCE"),
                       ({"url": "ftp://example.org/x"}, "VALIDATION_FAILED"),
                       ({"event_types": "receive"}, "VALIDATION_FAILED"),
                       ({"secret": "whsec_" + "A" * 40}, "VALIDATION_FAILED")):
        r = t.admin.post("/api/v1/webhooks/%d/update" % sub["id"], body)
        ok(r.status == 422 and r.error_code() == code, "%r refused: %r" % (body, r))
    eq(sub_row(t, sub), before, "refused updates changed nothing")
    status(t.admin.post("/api/v1/webhooks/999999999/update", {"description": "x"}), 404,
           "NOT_FOUND")
    # An empty list: every event again.
    r = t.admin.post("/api/v1/webhooks/%d/update" % sub["id"], {"event_types": [], "units": []})
    status(r, 200)
    eq((r.json["event_types"], r.json["units"], r.json["url"]), ([], [], new.url),
       "filters cleared, the rest kept")
    rows = audit_rows(t, sub)
    ok(any(x["new"].get("url") == new.url and x["old"].get("url") == old.url for x in rows),
       "the change is audited: %r" % rows)
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    old.close()
    new.close()


def test_disable_and_enable(t):
    rec = Receiver("ok")
    sub = subscribe(t, rec.url)
    r = t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    status(r, 200)
    eq((r.json["active"], bool(r.json["disabled_at"])), (False, True), "disabled")
    d = td.receive(t)
    time.sleep(1.5)
    eq(rec.got, [], "nothing sent to a disabled subscription")
    eq([x for x in deliveries(t, sub) if x["dossier_code"] == d["code"]], [],
       "no delivery made for an event while disabled")
    # A delivery made before it was disabled waits, and goes out once it is enabled.
    t.psql("INSERT INTO webhook_delivery (subscription_id, event_id, dossier_id, seq)"
           " SELECT %d, e.id, e.dossier_id, e.seq FROM dossier_event e JOIN dossier x"
           " ON x.id = e.dossier_id WHERE x.code = '%s'" % (sub["id"], d["code"]))
    time.sleep(1.5)
    eq(rec.got, [], "still waiting")
    r = t.admin.post("/api/v1/webhooks/%d/enable" % sub["id"])
    status(r, 200)
    eq((r.json["active"], r.json["disabled_at"]), (True, None), "enabled")
    ok(wait(lambda: seqs(rec, d["code"]) == [1], 30), "the waiting delivery goes out")
    lifecycle(t, d["code"], 1)
    ok(wait(lambda: seqs(rec, d["code"]) == [1, 2, 3, 4], 30), "new events too")
    status(t.admin.post("/api/v1/webhooks/999999999/enable"), 404, "NOT_FOUND")
    rows = audit_rows(t, sub)
    eq([(x["old"].get("active"), x["new"].get("active")) for x in rows],
       [(True, False), (False, True)], "disable and enable audited")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def signatures(headers):
    h = {k.lower(): v for k, v in headers.items()}
    return h["webhook-signature"].split(" ")


def test_secret_rotation(t):
    rec = Receiver("ok")
    sub = subscribe(t, rec.url)
    old = sub["secret"]
    r = t.admin.post("/api/v1/webhooks/%d/rotate-secret" % sub["id"])
    status(r, 200)
    new = r.json["secret"]
    ok(new.startswith("whsec_") and new != old, "a new secret, shown once")
    ok(r.json["previous_secret_expires_at"], "the former one signs until a set time")
    eq(sub_row(t, sub)["previous_secret_expires_at"], r.json["previous_secret_expires_at"],
       "listed")
    d = td.receive(t)
    ok(wait(lambda: seqs(rec, d["code"]) == [1], 30), "delivered")
    h, body = rec.got[-1]
    eq(len(signatures(h)), 2, "two signatures during the overlap: %r" % signatures(h))
    ok(all(s.startswith("v1,") for s in signatures(h)), "each v1,<base64>")
    ok(verify(new, h, body), "verifies with the new secret")
    ok(verify(old, h, body), "and with the former one")
    # A given secret, no overlap: the former one stops at once.
    given = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    r = t.admin.post("/api/v1/webhooks/%d/rotate-secret" % sub["id"],
                     {"secret": given, "overlap_seconds": 0})
    status(r, 200)
    eq((r.json["secret"], r.json["previous_secret_expires_at"]), (given, None), "no overlap")
    lifecycle(t, d["code"], 1)
    ok(wait(lambda: seqs(rec, d["code"]) == [1, 2, 3, 4], 30), "delivered")
    h, body = rec.got[-1]
    eq(len(signatures(h)), 1, "one signature")
    ok(verify(given, h, body), "verifies with the given secret")
    ok(not verify(new, h, body), "not with the former one")
    for body_, code in (({"secret": "nope"}, "VALIDATION_FAILED"),
                        ({"overlap_seconds": -1}, "VALIDATION_FAILED"),
                        ({"overlap_seconds": 8 * 86400}, "VALIDATION_FAILED")):
        r = t.admin.post("/api/v1/webhooks/%d/rotate-secret" % sub["id"], body_)
        ok(r.status == 422 and r.error_code() == code, "%r refused: %r" % (body_, r))
    eq(t.scalar("SELECT secret FROM webhook_subscription WHERE id = %d" % sub["id"]), given,
       "refusals changed nothing")
    status(t.admin.post("/api/v1/webhooks/999999999/rotate-secret"), 404, "NOT_FOUND")
    rows = audit_rows(t, sub)
    eq(len(rows), 2, "each rotation audited")
    ok(all("secret" in x.get("redacted", []) for x in rows), "secret redacted: %r" % rows)
    ok("previous_secret" in rows[0].get("redacted", []), "former secret redacted")
    text = json.dumps(rows)
    ok(all(s[6:] not in text for s in (old, new, given)), "no secret in the audit log")
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


# -- fairness: a slow receiver does not take every slot ------------------------------------
def test_slow_receiver_does_not_hold_every_slot(t):
    slow = Receiver("slow", delay=1.2)
    fast = Receiver("ok")
    s_slow = subscribe(t, slow.url)
    s_fast = subscribe(t, fast.url, event_types=["hand_over"])
    codes = [td.receive(t)["code"] for _ in range(40)]
    ok(wait(lambda: slow.busy >= 2, 10), "the slow receiver is busy")
    v = td.event(t, t.integ, codes[0], 1, "hand_over", step="Thẩm định",
                 to_unit=td.H56["justice"])
    sent = time.time()
    ok(wait(lambda: len(fast.got) >= 1, 30), "the fast receiver gets its event")
    lag = fast.at[0] - sent
    pending = len(deliveries(t, s_slow, "pending"))
    print("# fairness: fast receiver after %.2f s, slow receiver %d pending, at most %d at once"
          % (lag, pending, slow.most))
    ok(pending >= 10, "the slow receiver still had a backlog (%d)" % pending)
    ok(lag < 0.6, "the fast receiver was not held behind the slow one (%.2f s)" % lag)
    ok(slow.most <= 4, "at most 4 deliveries in flight to one subscription (%d)" % slow.most)
    ok(v is not None, "event recorded")
    for s in (s_slow, s_fast):
        t.admin.post("/api/v1/webhooks/%d/disable" % s["id"])
    slow.close()
    fast.close()


# -- issue 14, item 1: no doorbell inside a write transaction ------------------------------
def test_issue14_no_notify_in_the_write_path(t):
    """A NOTIFY in a writing transaction makes PostgreSQL take a cluster-wide lock before the
    commit and hold it through the WAL flush: every commit of the cluster then runs one at a
    time. The triggers of the dossier tables send none; a reception of this server is still
    delivered at once (its in-process bell), and an outbox row committed by another process
    (psql here) is found by the relay's poll, well within a second."""
    rows = t.sql("SELECT c.relname || '.' || g.tgname FROM pg_trigger g"
                 " JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid"
                 " WHERE NOT g.tgisinternal AND c.relname LIKE 'dossier%'"
                 " AND p.prosrc ILIKE '%pg_notify%' ORDER BY 1")
    eq(rows, [], "no trigger of a dossier table calls pg_notify")
    own = Receiver("ok")
    s_own = subscribe(t, own.url, event_types=["receive"])
    codes = []
    for _ in range(3):
        codes.append(td.receive(t)["code"])
        sent = time.time()
        ok(wait(lambda: len(own.got) >= len(codes), 10), "a reception of this server delivered")
        lag = own.at[-1] - sent
        ok(lag < 0.6, "delivered %.3f s after the reply" % lag)
    other = Receiver("ok")
    s_other = subscribe(t, other.url, event_types=["receive"])
    for i, code in enumerate(codes):
        t.psql("INSERT INTO webhook_outbox (event_id, dossier_id, seq)"
               " SELECT e.id, e.dossier_id, e.seq FROM dossier_event e"
               " JOIN dossier d ON d.id = e.dossier_id WHERE d.code = '%s' AND e.seq = 1" % code)
        sent = time.time()
        ok(wait(lambda: len(other.got) >= i + 1, 10), "a row of another process delivered")
        lag = other.at[-1] - sent
        ok(lag < 0.9, "delivered %.3f s after the other process's commit" % lag)
        eq(json.loads(other.got[-1][1])["subject"], code, "the event of that row")
    time.sleep(0.5)
    eq(len(own.got), 3, "the subscription that had the events got no second copy")
    for s in (s_own, s_other):
        t.admin.post("/api/v1/webhooks/%d/disable" % s["id"])
    own.close()
    other.close()
