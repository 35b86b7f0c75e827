"""Hostile input and abusive clients (owner: rel). docs/security.md "Limits and failure
behaviour" lists the limits these tests hold the server to.

Raw sockets are used wherever http.client would refuse to send the bytes (oversized or
malformed heads, dribbling, pipelining, hang-ups). The module's server runs with a 2-second
header timeout so that the slowloris measurement stays short; the tests that check the
default limits use the defaults (16 KiB of headers, 1 MiB of body, JSON depth 32, 64 KiB
per JSON string).
"""
import json
import select
import socket
import subprocess
import threading
import time
import unicodedata
import uuid

from harness import TestFailure, eq, new_key, ok, status

SERVER_ENV = {"MOTCUA_HEADER_TIMEOUT": "2", "MOTCUA_READ_TIMEOUT": "4", "MOTCUA_THREADS": "2",
              "MOTCUA_BODY_TIMEOUT": "3"}
HEADER_TIMEOUT = 2
READ_TIMEOUT = 4
BODY_TIMEOUT = 3
PROCEDURE = "1.000902"
UNIT = "000.00.98.H56"
PW = "mật-khẩu-thử-nghiệm-1"


def setup(t):
    t.psql("INSERT INTO field (code, name) VALUES ('RELH', 'Lĩnh vực kiểm thử đầu vào')")
    t.psql("INSERT INTO procedure (code, name, field_id, levels) SELECT '%s', "
           "'Thủ tục kiểm thử đầu vào', id, '{commune}' FROM field WHERE code = 'RELH'"
           % PROCEDURE)
    t.psql("INSERT INTO procedure_version (procedure_id, version, effective_from, "
           "duration_value, duration_unit) SELECT id, 1, '2020-01-01', 10, 'wd' "
           "FROM procedure WHERE code = '%s'" % PROCEDURE)
    t.psql("INSERT INTO unit (code, name, level, kind, province, valid_from) VALUES "
           "('%s', 'Bộ phận một cửa kiểm thử đầu vào', 'commune', 'counter', 'H56', "
           "'2020-01-01')" % UNIT)
    t.clerk = t.account("rel-hostile-clerk", "clerk", UNIT, password=PW)
    # The bearer token, for the raw-socket tests.
    t.token = t.clerk.token


def reception(name="Trần Văn Kiểm", id_number=None, **extra):
    body = {"procedure": PROCEDURE,
            "applicant": {"name": name, "id_number": id_number or uuid.uuid4().hex[:12]}}
    body.update(extra)
    return body


# -- raw sockets ---------------------------------------------------------------------------
def connect(t, timeout=10):
    return socket.create_connection(("127.0.0.1", t.server.port), timeout=timeout)


def read_all(sock, limit=1 << 20):
    """Everything until the server closes (or the socket timeout); (bytes, closed)."""
    out = b""
    try:
        while len(out) < limit:
            d = sock.recv(65536)
            if not d:
                return out, True
            out += d
    except ConnectionResetError:
        return out, True
    except (socket.timeout, TimeoutError):
        return out, False
    return out, False


def read_one(sock):
    """Reads exactly one response (head + Content-Length body); the connection may stay."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = sock.recv(65536)
        if not d:
            return data
        data += d
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    n = 0
    for ln in head.split("\r\n"):
        if ln.startswith("content-length:"):
            n = int(ln.split(":", 1)[1])
    while len(data) - len(head) - 4 < n:
        d = sock.recv(65536)
        if not d:
            break
        data += d
    return data


def split_response(data):
    """(status, headers dict lower-case, body) of the first response in data."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise TestFailure("not an HTTP response: %r" % data[:200])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", len(rest)))
    return int(parts[1]), headers, rest[:n], rest[n:]


def healthy(t):
    c = t.anon()
    t0 = time.time()
    r = c.get("/healthz", timeout=10)
    dt = time.time() - t0
    c.close()
    status(r, 200)
    return dt


# -- heads and bodies ----------------------------------------------------------------------
def test_header_too_large_refused_and_closed(t):
    # Up to libevent's ceiling (4 x MOTCUA_MAX_HEADERS, at least 64 KiB: server/http/server.c)
    # the server's own limits answer, in JSON: 431 past MOTCUA_MAX_HEADERS (16 KiB), 414 for a
    # request-target over 8 KiB. Past the ceiling libevent answers with its own page
    # (docs/security.md section 10).
    cases = [("one 40 KiB header", b"X-Big: " + b"a" * 40000 + b"\r\n", 431, True),
             ("3000 small headers", b"".join(b"X-H%d: v\r\n" % i for i in range(3000)), 431,
              True),
             ("17 KiB of headers", b"X-Big: " + b"a" * (17 * 1024) + b"\r\n", 431, True),
             ("a 20 KiB request line", b"q" * 20000, 414, True),
             ("one 100 KiB header (past the ceiling)", b"X-Big: " + b"a" * 100000 + b"\r\n",
              None, False)]
    for what, extra, want, want_json in cases:
        s = connect(t)
        if want == 414:
            s.sendall(b"GET /healthz?" + extra + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        else:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n")
        data, closed = read_all(s)
        s.close()
        st, h, body, _ = split_response(data)
        if want is not None:
            eq(st, want, "%s: status" % what)
        else:
            ok(st in (400, 413, 431), "%s: status %d" % (what, st))
        if want_json:
            ok(h.get("content-type", "").startswith("application/json"),
               "%s: JSON error expected, got %s" % (what, h.get("content-type")))
            code = "URI_TOO_LONG" if want == 414 else "HEADERS_TOO_LARGE"
            ok(b'"%s"' % code.encode() in body, "%s: error code %s in %r" % (what, code,
                                                                            body[:200]))
        ok(closed, "%s: connection closed after the refusal" % what)
        print("# %s -> %d %s (%d bytes)" % (what, st, h.get("content-type"), len(body)))
    # Just under the limit is served.
    s = connect(t)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (15 * 1024)
              + b"\r\nConnection: close\r\n\r\n")
    data, _ = read_all(s)
    s.close()
    eq(split_response(data)[0], 200, "15 KiB of headers served")
    healthy(t)


def test_body_too_large_413(t):
    s = connect(t)
    body = b'{"procedure":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + t.token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
              + str(len(body)).encode() + b"\r\n\r\n")
    try:
        s.sendall(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused on the Content-Length alone: the rest of the body is not read
    data, closed = read_all(s)
    s.close()
    st, h, _, _ = split_response(data)
    eq(st, 413, "status for a 2 MiB body")
    ok(closed, "connection closed after 413")
    # Chunked: no Content-Length to refuse up front; the limit holds while reading. When the
    # terminating chunk has not arrived, libevent 2.1 fails the request without writing its
    # 413 (docs/security.md section 10); the body deadline then answers 408 REQUEST_TIMEOUT
    # at MOTCUA_BODY_TIMEOUT and closes. What must hold: no unbounded buffering, the
    # connection does not stay, the server keeps serving.
    s = connect(t, timeout=READ_TIMEOUT + 6)
    s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + t.token.encode() + b"\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
    t0 = time.time()
    try:
        for _ in range(40):
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data, closed = read_all(s)
    s.close()
    ok(data == b"" or split_response(data)[0] in (400, 408, 413), "chunked 2.5 MiB refused: %r"
       % data[:100])
    ok(closed, "chunked: connection closed within the read timeout")
    print("# chunked 2.5 MiB without its last chunk: %s after %.1f s"
          % ("%d" % split_response(data)[0] if data else "closed without an answer",
             time.time() - t0))
    healthy(t)


def test_body_too_large_refused_before_the_body(t):
    """A Content-Length over MOTCUA_MAX_BODY (1 MiB) is refused with the JSON 413 as soon
    as the head ends: the answer arrives while not one byte of the body has been sent."""
    for size in (2 << 20, 6 << 20, 100 << 20):
        s = connect(t)
        t0 = time.time()
        s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + t.token.encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(size).encode() + b"\r\n\r\n")
        data, closed = read_all(s)
        dt = time.time() - t0
        s.close()
        st, h, body, _ = split_response(data)
        eq(st, 413, "status for Content-Length %d with no body sent" % size)
        eq(json.loads(body)["error"]["code"], "BODY_TOO_LARGE", "JSON error")
        ok(closed and dt < 2.5, "answered and closed at once (%.2f s)" % dt)
    # kept-alive: a good request first, then an oversized one on the same connection
    s = connect(t)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    eq(split_response(read_one(s))[0], 200, "first request")
    s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
              b"\r\ncontent-length:  3000000\r\n\r\n{")
    data, closed = read_all(s)
    s.close()
    eq(split_response(data)[0], 413, "second request on a kept-alive connection")
    ok(closed, "closed")
    healthy(t)


def _expect_408(data, closed, what):
    st, h, body, _ = split_response(data)
    eq(st, 408, "%s: status" % what)
    ok(h.get("content-type", "").startswith("application/json"), "%s: JSON" % what)
    err = json.loads(body)["error"]
    eq(err["code"], "REQUEST_TIMEOUT", "%s: error code" % what)
    eq(err["status"], 408, "%s: status in the body" % what)
    ok(err["message"] and err["message_en"], "%s: messages: %r" % (what, err))
    eq(h.get("connection", "").lower(), "close", "%s: Connection: close" % what)
    ok(closed, "%s: connection closed after the 408" % what)


def test_slow_body_cut_off(t):
    """After the head, the whole body has MOTCUA_BODY_TIMEOUT (3 s here) to arrive: a body
    dribbled one byte a second (each byte well inside the read timeout) is cut off with a
    408 REQUEST_TIMEOUT in JSON, then the connection is closed."""
    s = connect(t, timeout=BODY_TIMEOUT + 8)
    body = json.dumps(reception()).encode()
    s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + t.token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
              + str(len(body)).encode() + b"\r\n\r\n")
    t0 = time.time()
    cut = None
    data = b""
    try:
        for k in range(len(body) - 1):
            s.sendall(body[k:k + 1])
            s.settimeout(1.0)
            try:
                data = s.recv(65536)
                cut = time.time() - t0
                break
            except (socket.timeout, TimeoutError):
                pass
    except OSError:
        cut = time.time() - t0
    s.settimeout(5)
    rest, closed = read_all(s)
    s.close()
    print("# body dribbled 1 byte/s: cut off after %s s (MOTCUA_BODY_TIMEOUT=%d)"
          % ("%.1f" % cut if cut else "never", BODY_TIMEOUT))
    ok(cut is not None and cut < BODY_TIMEOUT + 2.5, "slow body cut off: %r" % cut)
    _expect_408(data + rest, closed, "dribbled body")
    eq(t.scalar("SELECT count(*) FROM dossier WHERE applicant->>'id_number' = '%s'"
                % json.loads(body)["applicant"]["id_number"]), "0", "nothing received")
    healthy(t)


def test_stalled_body_408(t):
    """Half a body, then silence: 408 REQUEST_TIMEOUT at MOTCUA_BODY_TIMEOUT (before the read
    timeout), also for the second request of a kept-alive connection."""
    body = json.dumps(reception()).encode()
    head = (b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + t.token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n")
    for kept_alive in (False, True):
        s = connect(t, timeout=READ_TIMEOUT + 6)
        if kept_alive:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            eq(split_response(read_one(s))[0], 200, "first request")
        t0 = time.time()
        s.sendall(head + body[:len(body) // 2])
        data, closed = read_all(s)
        dt = time.time() - t0
        s.close()
        what = "stalled body%s" % (" (kept-alive)" if kept_alive else "")
        _expect_408(data, closed, what)
        ok(BODY_TIMEOUT - 0.5 <= dt < BODY_TIMEOUT + 2.5, "%s: answered after %.1f s" % (what, dt))
        print("# %s: 408, closed %.1f s after the head" % (what, dt))
    eq(t.scalar("SELECT count(*) FROM dossier WHERE applicant->>'id_number' = '%s'"
                % json.loads(body)["applicant"]["id_number"]), "0", "nothing received")
    healthy(t)


def test_json_depth_bomb(t):
    for depth in (33, 1000, 100000):
        r = t.clerk.post("/api/v1/dossiers", raw=b"[" * depth + b"]" * depth,
                         headers={"Content-Type": "application/json"})
        status(r, 400, "JSON_TOO_DEEP")
    r = t.clerk.post("/api/v1/dossiers", raw=b'{"a":' * 32 + b"1" + b"}" * 32,
                     headers={"Content-Type": "application/json"})
    ok(r.status == 422, "depth 32 parses and reaches validation: %r" % r)


def test_huge_strings_named_field(t):
    # Over the field's own limit (domain limits in dossier_write.c): 422 naming the field by
    # its path in the body (http/jin.h jin_field_in / jin_field_at).
    for body, field in [(reception(name="A" * 201), "applicant.name"),
                        (reception(reason="x" * 2001), "reason"),
                        (reception(id_number="9" * 21), "applicant.id_number"),
                        (reception(case="c" * 65), "case"),
                        (reception(documents=[{"name": "Tờ khai", "kind": "original"},
                                              {"name": "D" * 301}]), "documents[1].name"),
                        (reception(documents=[{"name": "Tờ khai", "kind": "scan"}]),
                         "documents[0].kind"),
                        (reception(documents=["Tờ khai"]), "documents[0]")]:
        r = t.clerk.post("/api/v1/dossiers", body)
        status(r, 422, "VALIDATION_FAILED")
        eq(r.json["error"].get("field", ""), field, "field named by its path")
    # Over the parser's string limit (64 KiB): refused before any handler.
    r = t.clerk.post("/api/v1/dossiers", reception(name="B" * 70000))
    status(r, 400, "BAD_JSON")
    # 200 characters of Vietnamese (up to 4 bytes a character in NFD) are accepted: the
    # limit counts code points after NFC, not bytes.
    r = t.clerk.post("/api/v1/dossiers", reception(name="Ệ" * 200))
    status(r, 201)


def test_bidirectional_overrides_refused_in_names(t):
    """A right-to-left override (U+202E) or an isolate (U+2066) in an applicant's name would
    make the receipt read otherwise (issue 17): 422 naming the field, nothing stored."""
    before = t.scalar("SELECT count(*) FROM dossier")
    for name in ("Nguyễn Văn \u202eAn", "\u2066Trần Thị Bé\u2069", "Lê\u200fVăn"):
        r = t.clerk.post("/api/v1/dossiers", reception(name=name))
        status(r, 422, "VALIDATION_FAILED")
        eq(r.json["error"].get("field", ""), "applicant.name", "the field is named")
    eq(t.scalar("SELECT count(*) FROM dossier"), before, "nothing stored")


def test_out_of_range_ids_and_cursors_are_4xx(t):
    """An id or a cursor the database could not take (20 digits overflow a bigint; a hex
    cursor that decodes to bytes that are not text) is the client's error (issue 17): 4xx
    with a JSON error, never 500 DB_ERROR, and the input is not echoed."""
    adm = t.account("rel-hostile-admin", "admin", UNIT, password=PW)
    big = "9" * 20
    for who, target, allowed in (
            (t.clerk, "/api/v1/units?cursor=" + big, (400,)),
            (t.clerk, "/api/v1/procedures?cursor=" + big, (400,)),
            (t.clerk, "/api/v1/units?cursor=00", (400,)),
            (t.clerk, "/api/v1/guidance/%s/document" % big, (404,)),
            (t.clerk, "/api/v1/guidance/0/document", (404,)),
            (adm, "/api/v1/webhooks/%s/deliveries" % big, (404,)),
            (adm, "/api/v1/accounts/%s/api-keys" % big, (404, 405)),
            (t.clerk, "/api/v1/pakn/%s" % big, (404,))):
        r = who.get(target)
        ok(r.status in allowed, "%s: %d not in %s: %s" % (target, r.status, allowed, r.text[:200]))
        ok(r.json is not None and "error" in r.json, "%s: a JSON error" % target)
        ok("DB_ERROR" not in r.text and big not in r.text, "%s: no database error, no echo: %s"
           % (target, r.text[:200]))
    for target in ("/api/v1/webhooks/%s/disable" % big, "/api/v1/webhooks/deliveries/%s/replay" % big):
        r = adm.post(target, {})
        ok(r.status == 404 and "DB_ERROR" not in r.text, "%s: %d %s" % (target, r.status, r.text[:200]))
    adm.close()  # test_many_idle_connections counts the connections left open


def test_invalid_utf8_400(t):
    bad = [b"\xc3\x28", b"\xff\xfe", b"\xed\xa0\x80",  # lone surrogate encoded
           b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe1\xbb"]  # overlong, > U+10FFFF, cut short
    for seq in bad:
        raw = b'{"procedure":"' + PROCEDURE.encode() + b'","applicant":{"name":"A' + seq + b'B"}}'
        r = t.clerk.post("/api/v1/dossiers", raw=raw, headers={"Content-Type": "application/json"})
        status(r, 400, "BAD_UTF8")
    # An escaped lone surrogate is not text either.
    r = t.clerk.post("/api/v1/dossiers", raw=b'{"procedure":"1.000902","applicant":{"name":'
                     b'"\\ud800"}}', headers={"Content-Type": "application/json"})
    ok(r.status == 400 and r.error_code() in ("BAD_UTF8", "BAD_JSON"), "escaped surrogate: %r" % r)
    # NUL inside a string never reaches C strings.
    r = t.clerk.post("/api/v1/dossiers", raw=b'{"procedure":"1.000902","applicant":{"name":'
                     b'"A\\u0000B"}}', headers={"Content-Type": "application/json"})
    ok(r.status in (400, 422), "NUL in a string refused: %r" % r)


def test_nfc_and_nfd_store_one_form(t):
    nfc = "Nguyễn Thị Ánh Tuyết"
    nfd = unicodedata.normalize("NFD", nfc)
    ok(nfc != nfd, "the two spellings differ in bytes")
    codes = []
    for name in (nfc, nfd):
        r = t.clerk.post("/api/v1/dossiers", reception(name=name, id_number="NFC" + str(len(codes))))
        status(r, 201)
        codes.append(r.json["code"])
        eq(r.json["receipt"]["applicant"]["name"], nfc, "name in the receipt (NFC)")
    rows = t.sql("SELECT applicant->>'name', applicant_fold FROM dossier WHERE code IN ('%s','%s')"
                 % tuple(codes))
    eq(len(rows), 2, "both stored")
    for name, fold in rows:
        eq(name, nfc, "stored name is NFC")
        eq(fold, "nguyen thi anh tuyet", "folded form for search")
    eq(rows[0], rows[1], "one stored form")


# -- slow and idle clients ----------------------------------------------------------------
def test_slowloris_cut_off_while_others_served(t):
    n = 20
    socks = [connect(t, timeout=15) for _ in range(n)]
    cut = [None] * n
    t0 = time.time()

    def dribble(i):
        s = socks[i]
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 200
        try:
            for k in range(len(head)):
                s.sendall(head[k:k + 1])
                time.sleep(0.25)
        except OSError:
            pass
        cut[i] = time.time() - t0

    ths = [threading.Thread(target=dribble, args=(i,)) for i in range(n)]
    for th in ths:
        th.start()
    lat = []
    while time.time() - t0 < HEADER_TIMEOUT + 1.5:
        lat.append(healthy(t))
        time.sleep(0.1)
    for th in ths:
        th.join(timeout=20)
    for s in socks:
        s.close()
    ok(all(c is not None for c in cut), "every dribbling client was cut off")
    worst = max(cut)
    print("# %d slowloris clients cut off after %.2f-%.2f s (header timeout %d s); %d normal "
          "requests meanwhile, slowest %.1f ms" % (n, min(cut), worst, HEADER_TIMEOUT, len(lat),
                                                   1000 * max(lat)))
    ok(worst < HEADER_TIMEOUT + 2.5, "cut off within the header timeout (+ a sweep): %.2f s" % worst)
    ok(max(lat) < 1.0, "others served meanwhile (slowest %.3f s)" % max(lat))


def test_many_idle_connections(t):
    n = 500
    socks = []
    try:
        for _ in range(n):
            socks.append(connect(t))
        t0 = time.time()
        lat = [healthy(t) for _ in range(20)]
        r = t.clerk.post("/api/v1/dossiers", reception())
        status(r, 201)
        print("# %d idle connections open: 20 requests in %.1f ms, slowest %.1f ms"
              % (n, 1000 * (time.time() - t0), 1000 * max(lat)))
        ok(max(lat) < 1.0, "served with %d idle connections" % n)
        # The idle ones are given the header timeout, not kept for ever: the server closes
        # every one of them (EOF), while the client still holds them.
        deadline = time.time() + HEADER_TIMEOUT + 3
        pending = list(socks)
        while pending and time.time() < deadline:
            for sk in select.select(pending, [], [], 0.5)[0]:
                try:
                    data = sk.recv(1)
                except OSError:
                    data = b""
                ok(data == b"", "an idle connection got nothing but its close: %r" % data)
                pending.remove(sk)
        print("# %d idle connections: %d closed by the server within %.1f s"
              % (n, n - len(pending), time.time() - t0))
        eq(len(pending), 0, "idle connections closed by the server")
    finally:
        for s in socks:
            s.close()
    time.sleep(1.5)
    m = t.anon().get("/metrics").text
    gauge = sum(float(ln.split()[-1]) for ln in m.splitlines()
                if ln.startswith("motcua_http_connections"))
    print("# after closing: motcua_http_connections %g" % gauge)
    ok(gauge <= 4, "connection gauge back down: %g" % gauge)
    healthy(t)


def test_connections_over_the_cap_closed_at_once(t):
    """MOTCUA_MAX_CONNECTIONS per worker: connections over it are closed at once, before any
    request; the ones under it stay, and the server serves again once they are gone."""
    srv = t.start_server(env={"MOTCUA_MAX_CONNECTIONS": "40", "MOTCUA_THREADS": "1",
                              "MOTCUA_HEADER_TIMEOUT": "8"})
    socks = []
    try:
        for _ in range(100):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        time.sleep(0.5)
        readable = select.select(socks, [], [], 0.5)[0]
        closed = []
        for sk in readable:
            try:
                data = sk.recv(1)
            except OSError:
                data = b""
            if data == b"":
                closed.append(sk)
        print("# 100 connections, cap 40 on one worker: %d closed at once, %d kept"
              % (len(closed), 100 - len(closed)))
        eq(len(closed), 60, "the 60 over the cap closed at once")
        eq([sk for sk in socks[:40] if sk in closed], [], "the first 40 kept")
        for sk in socks[:40]:
            sk.close()
        time.sleep(1.5)  # freed by the worker's once-a-second sweep
        st, _, _, _ = split_response(read_one_on(srv))
        eq(st, 200, "served again")
    finally:
        for sk in socks:
            sk.close()
        srv.stop()


def read_one_on(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data, _ = read_all(s)
    s.close()
    return data


# -- connection misuse ---------------------------------------------------------------------
def test_hangup_with_database_job_in_flight(t):
    """Clients hang up while their reception waits on a lock; the callbacks find them gone."""
    locker = subprocess.Popen(
        ["psql", "-X", "-q", t.db_url, "-c",
         "BEGIN; LOCK TABLE dossier_code_seq IN ACCESS EXCLUSIVE MODE; "
         "SELECT pg_sleep(2); COMMIT;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    markers = []
    for i in range(30):
        marker = "HUP%09d" % i
        markers.append(marker)
        body = ('{"procedure":"%s","applicant":{"name":"Lê Thị Bỏ Dở","id_number":"%s"}}'
                % (PROCEDURE, marker)).encode()
        s = connect(t)
        s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + t.token.encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Idempotency-Key: " + marker.encode() + b"\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
        if i % 2:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # pipelined behind it
        time.sleep(0.01)
        s.close()
    locker.wait(timeout=20)
    eq(locker.returncode, 0, "lock holder: %s" % locker.stderr.read())
    time.sleep(1.0)
    healthy(t)
    counts = dict(t.sql("SELECT applicant->>'id_number', count(*) FROM dossier "
                        "WHERE applicant->>'id_number' LIKE 'HUP%' GROUP BY 1"))
    ok(all(int(v) == 1 for v in counts.values()), "at most once each: %r" % counts)
    print("# 30 clients hung up mid-request: %d receptions committed anyway, %d not"
          % (len(counts), 30 - len(counts)))
    # Half-sent body, then hang-up.
    for _ in range(10):
        s = connect(t)
        s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 1000\r\n\r\n{\"procedure\":")
        s.close()
    healthy(t)


def test_pipelined_requests(t):
    s = connect(t)
    auth = b"Authorization: Bearer " + t.token.encode() + b"\r\n"
    body = ('{"procedure":"%s","applicant":{"name":"Phạm Văn Nối Tiếp","id_number":"PIPE1"}}'
            % PROCEDURE).encode()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\n" + auth +
              b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
              b"\r\n\r\n" + body +
              b"GET /no/such HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data, closed = read_all(s)
    s.close()
    statuses = []
    while data:
        st, _, _, data = split_response(data)
        statuses.append(st)
    eq(statuses, [200, 201, 404, 200], "four pipelined answers in order")
    ok(closed, "closed after Connection: close")


def test_bad_methods_paths_and_escapes(t):
    def one(raw):
        s = connect(t)
        s.sendall(raw)
        data = read_one(s)
        s.close()
        return split_response(data)

    cases = [
        (b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (400, 405, 501), False),
        (b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (405,), True),
        # Every standard method reaches the router (evhttp_set_allowed_methods): JSON 405.
        (b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (405,), True),
        # libevent reads a CONNECT target as an authority: no path, so no such resource.
        (b"CONNECT /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (404, 405), True),
        (b"CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404, 405), True),
        (b"OPTIONS /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (405,), True),
        (b"PATCH /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (405,), True),
        (b"PUT /healthz HTTP/1.1\r\nHost: x\r\n\r\n", (405,), True),
        (b"GET /api/v1/dossiers/%zz HTTP/1.1\r\nHost: x\r\n\r\n", (400, 401, 404), True),
        (b"GET /api/v1/dossiers/%00 HTTP/1.1\r\nHost: x\r\n\r\n", (400, 401, 404), True),
        (b"GET /api/v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), True),
        (b"GET /healthz/%2e%2e/metrics HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), True),
        (b"GET /api/v1/dossiers/" + b"A" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
         (400, 401, 404), True),
        (b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n", (200, 400, 404), False),
        (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", (400, 505), False),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         b"Content-Length: 5\r\n\r\n0\r\n\r\n", (400,), False),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
         (400,), False),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n", (400,), False),
    ]
    for raw, allowed, want_json in cases:
        st, h, body, _ = one(raw + b"")
        ok(st in allowed, "%r: status %d not in %s" % (raw[:50], st, allowed))
        if want_json:
            ok(h.get("content-type", "").startswith("application/json"),
               "%r: JSON error expected, got %s" % (raw[:50], h.get("content-type")))
            ok(b'"error"' in body, "%r: error envelope" % raw[:50])
        print("# %-45r -> %d %s" % (raw[:45], st, h.get("content-type", "")))
    healthy(t)
    st, h, _, _ = one(b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    ok("GET" in h.get("allow", ""), "Allow header on 405")


def test_message_framing_refuses_what_could_be_read_two_ways(t):
    """RFC 9112 §5.1, §6.1, §6.3 (issue 17, request smuggling): a head whose body length two
    parties could read differently is 400 with a JSON error and the connection is closed, so
    the request hidden behind it is never executed (no second answer; nothing written)."""
    hidden = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    n = str(len(hidden)).encode()
    # (a token, a wrong one: without any, the head would be refused 401 for its body)
    head = (b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer mcs_wrong\r\n")
    # (raw, JSON): libevent refuses the last three itself, before motcua sees them, with its
    # own HTML 400 (libevent 2.1 has no error callback); it closes the connection too
    cases = [
        (head + b"Content-Length: 0\r\nContent-Length: " + n + b"\r\n\r\n" + hidden, True),
        (head + b"Content-Length: " + n + b"\r\nContent-Length: 0\r\n\r\n" + hidden, True),
        (head + b"Content-Length : " + n + b"\r\n\r\n" + hidden, True),
        (head + b"Content-Length\t: " + n + b"\r\n\r\n" + hidden, True),
        (head + b"Content-Length: +" + n + b"\r\n\r\n" + hidden, True),
        (head + b"Content-Length: " + n + b", " + n + b"\r\n\r\n" + hidden, False),
        (head + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n" + hidden,
         False),
        (head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
         + hidden, False),
    ]
    for raw, want_json in cases:
        s = connect(t)
        s.sendall(raw)
        data, closed = read_all(s)
        s.close()
        st, h, body, rest = split_response(data)
        if want_json:
            ok(b'"BAD_REQUEST"' in body, "JSON error: %r" % body[:200])
        print("# framing %-50r -> %d %s" % (raw[len(head):len(head) + 50], st, h.get("content-type")))
        eq(st, 400, "%r" % raw[len(head):len(head) + 40])
        ok(closed, "connection closed: %r" % raw[len(head):len(head) + 40])
        ok(b"HTTP/1.1" not in rest, "the hidden request got no answer: %r" % rest[:100])
    # sound framing is served: one Content-Length, or chunked alone
    s = connect(t)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    eq(split_response(read_all(s)[0])[0], 200, "Content-Length: 0")
    s.close()


def json_parsed(t):
    m = t.anon().get("/metrics").text
    return sum(int(float(ln.split()[-1])) for ln in m.splitlines()
               if ln.startswith("motcua_http_json_parsed_bytes_total"))


def test_anonymous_bodies_are_not_parsed(t):
    """CPU before authentication (issue 17): a body sent without a valid token is never
    parsed as JSON - ten anonymous 900 kB bodies are 401 and the parsed-bytes counter does
    not move; the same body with the clerk's token is parsed (counted) and answered."""
    big = json.dumps({"procedure": PROCEDURE, "applicant": {"name": "x"},
                      "note": ["y" * 1000] * 900}).encode()
    before = json_parsed(t)
    for token in (None, "mck_not-a-token", "Bearer-less"):
        c = t.client(token)
        for _ in range(3 if token else 4):
            r = c.post("/api/v1/dossiers", raw=big, headers={"Content-Type": "application/json"})
            status(r, 401)
        c.close()
    eq(json_parsed(t), before, "no anonymous body parsed")
    r = t.clerk.post("/api/v1/dossiers", raw=big, headers={"Content-Type": "application/json"})
    ok(r.status in (201, 400, 422), "the clerk's body is read: %d" % r.status)
    ok(json_parsed(t) >= before + len(big), "and counted as parsed")


def test_ambiguous_heads_refused_before_their_body(t):
    """Memory before authentication (issue 17): a head with a second Content-Length or an
    obs-fold line is answered 400 as soon as it ends - no byte of the body was sent and none
    is waited for -, and a chunked body is cut with 413 at the chunk-size line that passes
    MOTCUA_MAX_BODY, not at libevent's eight-fold ceiling."""
    for head in (b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
                 b"Content-Length: 0\r\n\r\n",
                 b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 b"X-Note: a\r\n  Content-Length: 5000000\r\n\r\n"):
        s = connect(t)
        t0 = time.time()
        s.sendall(head)
        data, closed = read_all(s)
        s.close()
        st, h, body, _ = split_response(data)
        eq(st, 400, "%r" % head[-60:])
        ok(b'"BAD_REQUEST"' in body and closed and time.time() - t0 < 2.5,
           "JSON 400 at once and closed: %r" % body[:200])
    s = connect(t)
    s.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + t.token.encode() + b"\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    try:
        # 12 MiB in 64 KiB chunks; the limit is 1 MiB. libevent's own ceiling (8 MiB) would
        # answer with its HTML 413 after buffering eight times the limit: the JSON 413 says
        # motcua cut it first.
        for _ in range(192):
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    data, closed = read_all(s)
    s.close()
    st, h, body, _ = split_response(data)
    eq(st, 413, "a chunked body over the limit")
    ok(b'"BODY_TOO_LARGE"' in body, "JSON 413: %r" % body[:200])
    healthy(t)


def test_host_header_required_once(t):
    """RFC 9112 §3.2 (issue 17): an HTTP/1.1 request without Host, or with two, is 400 with a
    JSON error and the connection closed; HTTP/1.0 may omit it, never repeat it."""
    cases = [
        (b"GET /healthz HTTP/1.1\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nhost: a\r\nHOST: a\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200),
        (b"GET /healthz HTTP/1.0\r\n\r\n", 200),
    ]
    for raw, want in cases:
        s = connect(t)
        s.sendall(raw)
        data, closed = read_all(s)
        s.close()
        st, h, body, _ = split_response(data)
        eq(st, want, "%r" % raw)
        if want == 400:
            ok(b'"BAD_REQUEST"' in body and "Host" in body.decode(), "%r: JSON error" % raw)
            ok(closed, "%r: connection closed" % raw)


def test_wrong_content_type_and_empty_bodies(t):
    r = t.clerk.post("/api/v1/dossiers", raw=b'{"procedure":"x"}',
                     headers={"Content-Type": "text/plain"})
    status(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    r = t.clerk.post("/api/v1/dossiers", raw=b'{"procedure":"x"}',
                     headers={"Content-Type": "application/json; charset=latin1"})
    status(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    for raw in (b"null", b"42", b'"s"', b"[]", b"{} {}", b"{", b"\xef\xbb\xbf{}"):
        r = t.clerk.post("/api/v1/dossiers", raw=raw, headers={"Content-Type": "application/json"})
        ok(r.status in (400, 422), "%r refused: %r" % (raw, r))
    r = t.clerk.post("/api/v1/dossiers", raw=b"", headers={"Content-Type": "application/json"})
    ok(r.status == 422, "empty body is {} and fails validation: %r" % r)


def test_bad_idempotency_keys(t):
    for key in ("", "a b", "x" * 300, "ké"):
        try:
            r = t.clerk.post("/api/v1/dossiers", reception(), headers={"Idempotency-Key": key})
        except UnicodeEncodeError:
            continue  # http.client refuses non-Latin-1 header values itself
        ok(r.status in (201, 400), "key %r: %r" % (key[:20], r))
    healthy(t)


def test_nul_in_a_header_refused(t):
    """RFC 9110 §5.5 (issue 17): a NUL inside a field value is refused 400 in JSON, the
    connection closed - libevent would cut the value at the NUL, so `Bearer <token>\\0junk`
    was taken for the valid token before it."""
    good = b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
    s = connect(t)
    s.sendall(good + t.token.encode() + b"\r\n\r\n")
    eq(split_response(read_all(s)[0])[0], 200, "the token alone")
    s.close()
    for raw in (good + t.token.encode() + b"\x00junk\r\n\r\n",
                good + t.token.encode() + b"\r\nX-Note: a\x00b\r\n\r\n",
                b"GET /api/v1/auth/me\x00 HTTP/1.1\r\nHost: x\r\n\r\n"):
        s = connect(t)
        s.sendall(raw)
        data, closed = read_all(s)
        s.close()
        st, h, body, _ = split_response(data)
        eq(st, 400, "NUL in %r" % raw[-40:])
        ok(b'"BAD_REQUEST"' in body and b"NUL" in body and closed, "JSON 400: %r" % body[:200])


CHUNK_HEAD = (b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")


def test_chunked_framing_table(t):
    """RFC 9112 §7.1 (issue 17): the chunked framing is followed as it arrives. A sound body,
    with chunk extensions (ignored, §7.1.1) or trailer lines, reaches the handler (here the
    JSON parser: BAD_JSON); a sign, a "0x", a missing size, a bare LF, data longer than its
    size, a control character in an extension or an over-long line is 400 BAD_REQUEST in JSON
    (libevent answered 413 in HTML, or read "-2"); a size over MOTCUA_MAX_BODY is 413 in JSON
    at its line, before its data."""
    auth = b"Authorization: Bearer " + t.token.encode() + b"\r\n\r\n"
    cases = [  # (chunked body, status, code)
        (b"5\r\nhello\r\n0\r\n\r\n", 400, b"BAD_JSON"),
        (b"5;name=val\r\nhello\r\n0\r\n\r\n", 400, b"BAD_JSON"),
        (b'3 ;a="b c";d\r\nhel\r\n2\r\nlo\r\n0;last\r\n\r\n', 400, b"BAD_JSON"),
        (b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n", 400, b"BAD_JSON"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", 400, b"BAD_JSON"),
        (b"0005\r\nhello\r\n0000\r\n\r\n", 400, b"BAD_JSON"),
        (b"-2\r\nhi\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"+5\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"0x5\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b" 5\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"\r\n5\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5\r\nhello!\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5\r\nhello\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5;a\x01\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5;" + b"a" * 2000 + b"\r\nhello\r\n0\r\n\r\n", 400, b"BAD_REQUEST"),
        (b"5\r\nhello\r\n0\r\nX-T: 1\n\r\n", 400, b"BAD_REQUEST"),
        (b"ffffffffffffffffffffff\r\n", 413, b"BODY_TOO_LARGE"),
        (b"100001\r\n", 413, b"BODY_TOO_LARGE"),
        (b"80000\r\n" + b"x" * 0x80000 + b"\r\n80001\r\n", 413, b"BODY_TOO_LARGE"),
    ]
    for body, want, code in cases:
        s = connect(t)
        t0 = time.time()
        s.sendall(CHUNK_HEAD + auth + body)
        data, closed = read_all(s)
        s.close()
        st, h, rbody, _ = split_response(data)
        print("# chunked %-40r -> %d %s" % (body[:40], st, rbody[:60]))
        eq(st, want, "%r" % body[:40])
        ok(b'"' + code + b'"' in rbody, "%s for %r: %r" % (code, body[:40], rbody[:200]))
        ok(closed and time.time() - t0 < BODY_TIMEOUT, "answered at once and closed")
    # a reception sent in chunks with extensions arrives whole
    name = "Lê Thị Phân Đoạn"
    raw = json.dumps(reception(name)).encode()
    half = len(raw) // 2
    body = (b"%x;part=1\r\n" % half + raw[:half] + b"\r\n" + b"%x ; part=2\r\n" % (len(raw) - half)
            + raw[half:] + b"\r\n0\r\n\r\n")
    s = connect(t)
    s.sendall(CHUNK_HEAD + b"Idempotency-Key: " + str(uuid.uuid4()).encode() + b"\r\n" + auth + body)
    st, h, rbody, _ = split_response(read_all(s)[0])
    s.close()
    eq(st, 201, "chunked reception: %r" % rbody[:300])
    eq(json.loads(rbody)["receipt"]["applicant"]["name"], name, "the body arrived intact")


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def metric(t, srv, name):
    r = t.client(server=srv).get("/metrics")
    for ln in r.text.splitlines():
        if ln.startswith(name + " "):
            return int(float(ln.split()[-1]))
    raise TestFailure("no %s in /metrics" % name)


def test_buffered_bodies_share_one_budget(t):
    """Memory before authentication, across connections (issue 17): with
    MOTCUA_MAX_BUFFERED = 4 MiB, forty connections with a wrong token each announcing a 1,000,000-byte
    body and sending all of it but its last bytes get four held and thirty-six 503
    SERVER_BUSY in JSON with Retry-After at their head, before any byte of their body; the
    server's resident memory grows by less than 16 MiB (before, 40 MB were buffered); a
    clerk's small reception is still served; a finished body returns its share."""
    srv = t.start_server(env={"MOTCUA_MAX_BUFFERED": str(4 << 20), "MOTCUA_BODY_TIMEOUT": "60",
                              "MOTCUA_READ_TIMEOUT": "60"})
    clerk = t.client(t.token, server=srv)
    status(clerk.post("/api/v1/dossiers", reception(), headers={"Idempotency-Key": new_key()}), 201)
    rss0 = vm_rss_kib(srv.proc.pid)
    n = 1000000
    # a wrong token: without one the head is refused 401 at once (the next test)
    head = (b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer mcs_wrong\r\nContent-Length: %d\r\n\r\n" % n)
    held, refused = [], 0
    for i in range(40):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(head)
        r, _, _ = select.select([s], [], [], 0.3)
        if r:
            data, closed = read_all(s)
            st, h, body, _ = split_response(data)
            eq(st, 503, "connection %d" % i)
            ok(b'"SERVER_BUSY"' in body and h.get("retry-after") == "1" and closed,
               "JSON 503 with Retry-After, closed: %r %r" % (h, body[:200]))
            refused += 1
            s.close()
            continue
        s.sendall(b"{" * (n - 1000))
        held.append(s)
    eq(len(held), 4, "bodies held within the budget")
    eq(refused, 36, "bodies refused at their head")
    time.sleep(0.5)
    grown = (vm_rss_kib(srv.proc.pid) - rss0) / 1024.0
    print("# 40 x 1 MB announced, 4 held: RSS grew %.1f MiB" % grown)
    ok(grown < 16, "resident memory grew %.1f MiB" % grown)
    eq(metric(t, srv, "motcua_http_buffered_bytes"), 4 * n, "buffered bytes")
    ok(metric(t, srv, "motcua_http_busy_refused_total") >= 36, "refusals counted")
    status(clerk.post("/api/v1/dossiers", reception(), headers={"Idempotency-Key": new_key()}), 201)
    # one body finishes: answered (401, anonymous), its share returns, a new one fits
    s = held.pop()
    s.sendall(b"{" * 1000)
    eq(split_response(read_all(s)[0])[0], 401, "the finished anonymous body")
    s.close()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(head)
    r, _, _ = select.select([s], [], [], 0.5)
    ok(not r, "a new body fits once one is answered")
    held.append(s)
    for s in held:
        s.close()
    deadline = time.time() + 10
    while metric(t, srv, "motcua_http_buffered_bytes") != 0 and time.time() < deadline:
        time.sleep(0.1)
    eq(metric(t, srv, "motcua_http_buffered_bytes"), 0, "closed connections return their share")
    srv.stop()


def test_anonymous_bodies_refused_at_the_head(t):
    """Authentication from the head (issue 17): a request with a body for a route that needs
    a caller, with no Authorization field, is answered 401 in JSON with WWW-Authenticate as
    soon as its head ends - none of its 900,000 announced bytes was sent, and none is waited
    for. A public route (the login) waits for its body; a head with a token, even a wrong one,
    has its body read (within the budget) but not parsed before the token is checked."""
    s = connect(t)
    t0 = time.time()
    s.sendall(b"POST /api/v1/dossiers?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 900000\r\n\r\n")
    data, closed = read_all(s)
    s.close()
    st, h, body, _ = split_response(data)
    eq(st, 401, "anonymous body at its head")
    ok(b'"UNAUTHENTICATED"' in body and h.get("www-authenticate", "").startswith("Bearer")
       and closed and time.time() - t0 < 2.5, "JSON 401 at once, closed: %r %r" % (h, body[:200]))
    for head in (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 900\r\n\r\n",
                 b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Authorization: Bearer mcs_wrong\r\nContent-Length: 900\r\n\r\n"):
        s = connect(t)
        s.sendall(head)
        r, _, _ = select.select([s], [], [], 1.0)
        ok(not r, "the body is waited for: %r" % head[:40])
        s.sendall(b" " * 900)
        st = split_response(read_one(s))[0]
        s.close()
        ok(st == 401 if b"Bearer" in head else st in (400, 422),
           "answered once the body came: %r %d" % (head[:40], st))
