"""Webhooks out to https:// receivers (docs/integration.md "Webhooks"): the delivery worker
verifies the receiver's certificate against the system trust store (OpenSSL's default verify
paths, which honour SSL_CERT_FILE / SSL_CERT_DIR) and the URL's host: a DNS name against the
certificate's DNS names, an IP literal against its IP addresses. A throwaway CA made with
`openssl` is the only trusted root here; receivers are Python http.server + ssl threads.
An untrusted (self-signed) certificate or a name mismatch gets no delivery: the attempt fails
and is recorded with an error, then retried."""
import http.server
import os
import shutil
import ssl
import subprocess
import tempfile
import threading

from harness import eq, ok
import test_dossier as td
from test_webhooks import subscribe, verify, wait

START_SERVER = False
SERVER_ENV = {"MOTCUA_WEBHOOK_BACKOFF_MS": "100", "MOTCUA_WEBHOOK_TIMEOUT": "2",
              "MOTCUA_WEBHOOK_MAX_ATTEMPTS": "3"}


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), p.stderr))


def make_certs(d):
    """ca.pem (trusted), good.pem (CA-signed, IP:127.0.0.1 + DNS:localhost), self.pem
    (self-signed, same names), other.pem (CA-signed, DNS:other.example only)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=motcua test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    for name, san in (("good", "IP:127.0.0.1,DNS:localhost"), ("other", "DNS:other.example")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + name, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", name + ".pem", "-extfile",
                name + ".ext", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out",
            "self.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", cwd=d)


class TlsReceiver:
    """An https receiver on a free port serving the named certificate; records POSTs and
    counts handshakes that failed (the client refusing our certificate)."""

    def __init__(self, certdir, name):
        self.got = []
        self.lock = threading.Lock()
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    rec.got.append((dict(self.headers), body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certdir, name + ".pem"),
                            os.path.join(certdir, name + ".key"))
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        # The handshake runs in accept(); a refused one raises SSLError (an OSError),
        # which socketserver drops, so a failing client never reaches do_POST.
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, host):
        return "https://%s:%d/hook" % (host, self.port)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def setup(t):
    t.certdir = tempfile.mkdtemp(prefix="motcua-whtls-")
    make_certs(t.certdir)
    # Only the throwaway CA is trusted: SSL_CERT_FILE replaces the default bundle file, and
    # SSL_CERT_DIR points at an empty folder so no system root can vouch for anything.
    empty = os.path.join(t.certdir, "empty")
    os.mkdir(empty)
    t.server = t.start_server(env={"SSL_CERT_FILE": os.path.join(t.certdir, "ca.pem"),
                                   "SSL_CERT_DIR": empty})
    td.setup(t)
    t.admin = t.account("admin1", "admin", td.H56["root"])


def deliveries(t, sub):
    r = t.admin.get("/api/v1/webhooks/%d/deliveries" % sub["id"])
    eq(r.status, 200, "deliveries status")
    return r.json["items"]


def delivered_signed(t, host):
    rec = TlsReceiver(t.certdir, "good")
    sub = subscribe(t, rec.url(host), event_types=["receive"])
    d = td.receive(t)
    ok(wait(lambda: len(rec.got) >= 1, 15), "delivered over TLS to %s" % host)
    h, body = rec.got[0]
    ok(verify(sub["secret"], h, body), "signature verifies (%s)" % host)
    ok(d["code"].encode() in body, "the event is about our dossier")
    ok(wait(lambda: [x["state"] for x in deliveries(t, sub)] == ["delivered"], 5),
       "recorded as delivered: %r" % deliveries(t, sub))
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_trusted_ca_ip_literal(t):
    delivered_signed(t, "127.0.0.1")


def test_trusted_ca_dns_name(t):
    delivered_signed(t, "localhost")


def refused(t, cert, host, reason):
    rec = TlsReceiver(t.certdir, cert)
    sub = subscribe(t, rec.url(host), event_types=["receive"])
    td.receive(t)
    ok(wait(lambda: any(x["attempts"] >= 2 for x in deliveries(t, sub)), 15),
       "attempted and retried: %r" % deliveries(t, sub))
    items = deliveries(t, sub)
    eq(len(items), 1, "one delivery")
    x = items[0]
    ok(x["state"] in ("pending", "dead"), "not delivered: %r" % x)
    eq(x["delivered_at"], None, "no delivered_at")
    eq(x["last_status"], None, "no HTTP status: the handshake failed")
    ok(x["last_error"], "an error is recorded: %r" % x)
    ok(x["last_error"].startswith("TLS") and reason in x["last_error"],
       "the error names the TLS failure (%s): %r" % (reason, x["last_error"]))
    eq(rec.got, [], "the receiver got nothing (%s at %s)" % (cert, host))
    t.admin.post("/api/v1/webhooks/%d/disable" % sub["id"])
    rec.close()


def test_self_signed_refused(t):
    refused(t, "self", "127.0.0.1", "self-signed")


def test_self_signed_refused_dns(t):
    refused(t, "self", "localhost", "self-signed")


def test_ip_not_in_certificate_refused(t):
    refused(t, "other", "127.0.0.1", "IP address mismatch")


def test_name_not_in_certificate_refused(t):
    refused(t, "other", "localhost", "hostname mismatch")


def test_cleanup(t):
    shutil.rmtree(t.certdir, ignore_errors=True)
