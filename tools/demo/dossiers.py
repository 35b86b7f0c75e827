#!/usr/bin/env python3
"""tools/demo/dossiers.py - demo dossiers for the Đồng Nai catalogue, through the real API.

    python3 tools/demo/dossiers.py --url http://127.0.0.1:8080 --database-url URL --bin build/motcua
                                   [--count 300] [--api-key mck_...]

Called by tools/run.sh once the server is ready. Without --api-key it issues a new key to
the `egov` integration account made by tools/demo/load.sh (`motcua account api-key`). It
does nothing when the database already holds --count dossiers or more, so `make run` can
be repeated. Uses the integration API key, and signs every write as docs/integration.md §2
says (the signing secret is issued through the admin API, logged in as the demo `admin`;
--signing-secret to give one): an integration client replays receptions and events made elsewhere with their own times (received_at,
occurred_at), which is what the Egov adapter does, so the dossiers spread over the last five
months and reach every state of domain.md §3; one in 25 is a pre-merger dossier of the former
Bình Phước province, received in February-March 2025 (BINH_PHUOC below). The server computes every appointment and
classification; this script only chooses what happened and when. Deterministic (fixed seed):
the same run gives the same story, but a second run adds new dossiers (it is a generator,
not a loader). Exit status 1 when more than a tenth of the requests failed.
"""
import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

TZ = dt.timezone(dt.timedelta(hours=7))

# (procedure, receiving counter, resolving unit, channel weights) - commune procedures at the
# ward centres created on 01/07/2025, province procedures at the provincial centre.
WARDS = [("101.01.00.H19", "101.00.00.H19"), ("102.01.00.H19", "102.00.00.H19"),
         ("111.01.00.H19", "111.00.00.H19"), ("121.01.00.H19", "121.00.00.H19")]
COMMUNE_PROCS = ["1.001193", "1.000894", "1.000656", "1.004873", "2.000815", "2.000884",
                 "1.004222", "1.004194", "2.000720", "1.013225", "1.001776", "1.001699"]
PROVINCE = ("000.00.01.H19", "000.00.19.H19", ["1.014199", "1.014200", "1.014201"])
# Pre-merger dossiers of the former Bình Phước province (tools/demo/catalog.sql: dissolved
# 30/06/2025, merged into Đồng Nai on 01/07/2025): received by its wards between 10/02 and
# 27/03/2025 (ND 61/2018 era), so that every event of the longest plan (7 steps of at most 260
# hours) still falls before 30/06/2025, when the wards were in force. Reports by current
# structure count them under Đồng Nai (phường Đồng Xoài), as it was under Bình Phước. One
# dossier in PRE_MERGER_EVERY, at slot PRE_MERGER_SLOT: 2 of 45 or 60, 5 of 120.
BINH_PHUOC = ["001.00.41.H10", "002.00.41.H10"]
BINH_PHUOC_PROCS = ["1.001193", "1.000894", "1.004873", "2.000815", "1.004222", "1.004194"]
PRE_MERGER_FROM, PRE_MERGER_DAYS = dt.date(2025, 2, 10), 45
PRE_MERGER_EVERY, PRE_MERGER_SLOT = 25, 12

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long",
         "Mai", "Nam", "Phúc", "Quân", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
STREETS = ["Hùng Vương", "Nguyễn Trãi", "Lê Lợi", "Trần Phú", "Cách Mạng Tháng Tám",
           "Quốc lộ 1A", "Hồ Thị Hương", "Phạm Văn Thuận"]

# target end states and their weights (a few hundred dossiers cover each)
PLANS = [
    ("returned", 40), ("resolved", 8), ("in_progress", 12), ("received", 5),
    ("supplement", 7), ("supplement_returned", 6), ("payment", 3), ("stopped", 4),
    ("withdrawal", 2), ("refused", 5), ("submitted", 5), ("refused_result", 3),
    ("apology", 3), ("supplement_twice", 3), ("lien_thong", 4),
]
# Every plan at least this many times (the first len(PLANS) * QUOTA dossiers go round the
# plans), so that each state and path of domain.md §3 shows in the demo whatever the weights.
QUOTA = 3
# Second liên thông leg of the demo path: Sở Tư pháp.
SECOND_LEG = "000.00.10.H19"


class Api:
    def __init__(self, base, key, secret):
        self.base = base.rstrip("/")
        self.key = key
        self.secret = secret
        self.failures = 0
        self.calls = 0
        self.cache = {}
        self.signed = set()

    def signature(self, method, path, data):
        """X-Motcua-Timestamp / X-Motcua-Signature (HMAC-SHA256 over method, path, timestamp
        and body); the same bytes signed twice in one second would be a replay, so an
        earlier second is taken then."""
        t = int(time.time())
        while (method, path, data, t) in self.signed:
            t -= 1
        self.signed.add((method, path, data, t))
        msg = b"\n".join([method.encode(), path.encode(), str(t).encode(), data])
        mac = hmac.new(self.secret.encode(), msg, hashlib.sha256).hexdigest()
        return {"X-Motcua-Timestamp": str(t), "X-Motcua-Signature": "v1=" + mac}

    def components(self, code):
        """The documents (thành phần hồ sơ) of the procedure's version in force: a reception
        may only list those (the server refuses others)."""
        if code not in self.cache:
            req = urllib.request.Request(self.base + "/api/v1/procedures/" + code,
                                         headers={"Authorization": "Bearer " + self.key})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    v = json.loads(r.read().decode("utf-8")).get("version") or {}
                    self.cache[code] = v.get("documents") or []
            except urllib.error.HTTPError:
                self.cache[code] = []
        return self.cache[code]

    def post(self, path, body):
        self.calls += 1
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": "Bearer " + self.key, "Content-Type": "application/json",
                   "Idempotency-Key": str(uuid.uuid4())}
        headers.update(self.signature("POST", path, data))
        req = urllib.request.Request(self.base + path, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            self.failures += 1
            print("lỗi %d %s: %s" % (e.code, path, e.read()[:300].decode("utf-8", "replace")),
                  file=sys.stderr)
            return None


def ts(t):
    return t.isoformat(timespec="seconds")


def working_instant(rng, day):
    """A time during counter hours on a weekday on or after `day`."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    minute = rng.choice([rng.randint(7 * 60 + 15, 11 * 60 + 15), rng.randint(13 * 60 + 40, 16 * 60 + 45)])
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)


def applicant(rng, province="Đồng Nai", prefix="075"):
    name = "%s %s %s" % (rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN))
    return {"name": name, "id_number": "%s%09d" % (prefix, rng.randint(0, 999999999)),
            "address": "%d đường %s, tỉnh %s" % (rng.randint(1, 400), rng.choice(STREETS),
                                                 province),
            "phone": "09%08d" % rng.randint(0, 99999999)}


def one(api, rng, now, counts, n):
    if n < len(PLANS) * QUOTA:
        plan = PLANS[n % len(PLANS)][0]
    else:
        plan = rng.choices([p for p, _ in PLANS], [w for _, w in PLANS])[0]
    pre_merger = n % PRE_MERGER_EVERY == PRE_MERGER_SLOT
    if pre_merger:
        # the ward receives and resolves (its Bộ phận Tiếp nhận và Trả kết quả); no liên thông
        # leg to a Đồng Nai department before the merger
        recv = resolver = rng.choice(BINH_PHUOC)
        proc = rng.choice(BINH_PHUOC_PROCS)
        t = working_instant(rng, PRE_MERGER_FROM +
                            dt.timedelta(days=rng.randint(0, PRE_MERGER_DAYS)))
        who = applicant(rng, "Bình Phước", "070")
        if plan == "lien_thong":
            plan = "returned"
    else:
        if rng.random() < 0.15:
            recv, resolver, procs = PROVINCE
        else:
            (recv, resolver), procs = rng.choice(WARDS), COMMUNE_PROCS
        proc = rng.choice(procs)
        start = now - dt.timedelta(days=rng.randint(1, 150))
        t = working_instant(rng, start.date())
        who = applicant(rng)
    channel = rng.choices([1, 2, 3], [70, 25, 5])[0]
    body = {"procedure": proc, "applicant": who, "receiving_unit": recv,
            "resolving_unit": resolver, "channel": channel, "received_at": ts(t),
            "documents": [dict(c) for c in api.components(proc)[:2]]}
    if channel == 3:
        body["return_method"] = "post"
    if plan == "submitted":
        body.update(submit=True, channel=2)
    elif plan == "refused":
        body.update(out_of_scope=True, reason="Thủ tục không thuộc thẩm quyền tiếp nhận")
    d = api.post("/api/v1/dossiers", body)
    if d is None or "code" not in d:
        return
    code, version = d["code"], d.get("version", 1)
    if plan in ("submitted", "refused"):
        counts[plan] = counts.get(plan, 0) + 1
        return

    steps = {
        "returned": ["hand_over", "resolve", "return_result"],
        "resolved": ["hand_over", "resolve"],
        "in_progress": ["hand_over"],
        "received": [],
        "supplement": ["hand_over", "request_supplement"],
        "supplement_returned": ["hand_over", "request_supplement", "receive_supplement",
                                "resolve", "return_result"],
        "payment": ["hand_over", "request_payment"],
        "stopped": ["hand_over", "request_withdrawal", "stop"],
        "withdrawal": ["hand_over", "request_withdrawal"],
        "refused_result": ["hand_over", "resolve", "return_result"],
        "apology": ["hand_over", "apologize", "resolve", "return_result"],
        "supplement_twice": ["hand_over", "request_supplement", "receive_supplement",
                             "request_supplement", "receive_supplement", "resolve",
                             "return_result"],
        "lien_thong": ["hand_over", "leg2", "resolve", "return_result"],
    }[plan]
    due = dt.datetime.fromisoformat(d["legal_due_at"]) if d.get("legal_due_at") else None
    reached = plan
    for step in steps:
        # most work is quick, some waits long enough to be late (the server classifies it)
        t = t + dt.timedelta(hours=rng.choice([1, 2, 4, 20, 26, 50, 75, 120, 170, 260]))
        if t > now - dt.timedelta(minutes=10):
            reached = "cut_short"
            break
        ev = {"type": step, "expected_version": version, "occurred_at": ts(t)}
        if step == "hand_over":
            ev.update(step="Thẩm định hồ sơ", to_unit=resolver)
            if plan == "lien_thong":
                ev.update(step="Liên thông: đơn vị chủ trì", leg=True)
        elif step == "leg2":
            ev.update(type="hand_over", step="Liên thông: Sở Tư pháp", to_unit=SECOND_LEG, leg=True)
        elif step == "apologize":
            # Mẫu 04: the one new appointment, a few working days after the legal due.
            base = max(due or t, t)
            new = (base + dt.timedelta(days=rng.choice([3, 5, 7]))).replace(hour=17, minute=0,
                                                                            second=0)
            ev.update(reason="Cần xác minh thêm thông tin với cơ quan liên quan",
                      new_appointment=ts(new))
        elif step in ("request_supplement",):
            ev.update(reason="Bổ sung bản sao giấy tờ chứng minh chỗ ở hợp pháp")
        elif step in ("request_withdrawal", "stop"):
            ev.update(reason="Công dân đề nghị dừng giải quyết hồ sơ")
        elif step == "resolve":
            if plan == "refused_result":
                ev.update(outcome="refused", reason="Hồ sơ không đủ điều kiện theo quy định")
            else:
                ev.update(outcome="granted")
        elif step == "return_result":
            if channel == 3:
                ev.update(method="post", postal_receipt="EMS%09dVN" % rng.randint(0, 999999999))
            else:
                ev.update(method="online" if channel == 2 else "counter")
        r = api.post("/api/v1/dossiers/%s/events" % code, ev)
        if r is None:
            reached = "failed"
            break
        version = r.get("version", version + 1)
    counts[reached] = counts.get(reached, 0) + 1


def existing_dossiers(db_url):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", db_url, "-c",
                        "SELECT count(*) FROM dossier"], capture_output=True, text=True)
    return int(p.stdout.strip()) if p.returncode == 0 and p.stdout.strip().isdigit() else 0


def issue_key(binary, db_url):
    env = dict(os.environ, DATABASE_URL=db_url)
    p = subprocess.run([binary, "account", "api-key", "--login", "egov", "--label", "demo"],
                       capture_output=True, text=True, env=env)
    m = re.search(r"mck_[A-Za-z0-9_-]+", p.stdout)
    if p.returncode != 0 or m is None:
        print("không cấp được khóa API cho egov (cannot issue an API key): %s%s"
              % (p.stdout, p.stderr), file=sys.stderr)
        return None
    return m.group(0)


def signing_secret(base, password):
    """Issues the egov client's signing secret through the admin API (demo admin login)."""
    def call(path, body, token=None):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        req = urllib.request.Request(base.rstrip("/") + path, method="POST", headers=h,
                                     data=json.dumps(body).encode("utf-8"))
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode("utf-8"))
    try:
        tok = call("/api/v1/auth/login", {"login": "admin", "password": password})["token"]
        return call("/api/v1/integration/clients/egov/signing-secret", {}, tok)["signing_secret"]
    except (urllib.error.URLError, KeyError, ValueError) as e:
        print("không cấp được khóa ký cho egov (cannot issue the signing secret): %s" % e,
              file=sys.stderr)
        return None


def main():
    ap = argparse.ArgumentParser(description="demo dossiers through the HTTP API")
    ap.add_argument("--url", required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--bin", default="build/motcua")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--api-key", default=os.environ.get("MOTCUA_DEMO_API_KEY"))
    ap.add_argument("--signing-secret", default=os.environ.get("MOTCUA_DEMO_SIGNING_SECRET"))
    ap.add_argument("--admin-password",
                    default=os.environ.get("MOTCUA_DEMO_PASSWORD", "motcua-demo-2026"))
    a = ap.parse_args()
    have = existing_dossiers(a.database_url)
    if have >= a.count:
        print("Đã có %d hồ sơ, không tạo thêm (already %d dossiers)" % (have, have))
        return 0
    key = a.api_key or issue_key(a.bin, a.database_url)
    if key is None:
        return 1
    secret = a.signing_secret or signing_secret(a.url, a.admin_password)
    if secret is None:
        return 1
    api = Api(a.url, key, secret)
    rng = random.Random(2026 + have)
    now = dt.datetime.now(TZ)
    counts = {}
    for n in range(a.count - have):
        one(api, rng, now, counts, n)
    print("Đã tạo hồ sơ mẫu (demo dossiers): " +
          ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items())))
    print("Yêu cầu: %d, lỗi: %d" % (api.calls, api.failures))
    return 1 if api.failures * 10 > api.calls else 0


if __name__ == "__main__":
    sys.exit(main())
