"""Webhooks out (docs/integration.md): CloudEvents 1.0 bodies signed per Standard Webhooks,
delivered at least once and in order per dossier from the dossier_event outbox, to a receiver
that is slow or fails half the time, across a SIGKILL and restart of motcua; dead letters and
an administrator's replay."""
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
    """A Python http.server thread on a free port; mode: ok, flaky (every other fails), fail, slow."""

    def __init__(self, mode="ok"):
        self.mode = mode
        self.got = []
        self.n = 0
        self.seen = set()
        self.lock = threading.Lock()
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    rec.n += 1
                    n = rec.n
                if rec.mode == "slow":
                    time.sleep(0.3)
                wid = self.headers.get("webhook-id")
                with rec.lock:
                    first = wid not in rec.seen
                    rec.seen.add(wid)
                # flaky: the first attempt of every message fails (half of all requests).
                fail = rec.mode == "fail" or (rec.mode == "flaky" and first)
                if not fail:
                    with rec.lock:
                        rec.got.append((dict(self.headers), body))
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
