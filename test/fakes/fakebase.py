"""Shared machinery of the fake servers in test/fakes (Python standard library only).

Every fake is a ThreadingHTTPServer on 127.0.0.1 with:
  --port N          (0 = let the kernel pick a free port)
  --ready-file PATH (the bound port is written there, atomically, once listening)
  --host ADDR       (default 127.0.0.1)
  --cert F --key F  (serve HTTPS)
  --client-ca F     (verify client certificates against this CA)
  --client-cert required|optional  (default depends on the fake)
  --quiet           (no per-request log lines on stderr)

and the control API under /_fake/ (no authentication):
  GET  /_fake/requests[?method=M&path=SUBSTR]   every request received, oldest first
  POST /_fake/reset-requests
  POST /_fake/inject            one rule (object) or several (list); answers {"ids":[...]}
  GET  /_fake/injections        rules still active, with what is left of their count
  POST /_fake/clear-injections
  GET  /_fake/state             server-specific state
  POST /_fake/state             replace / seed server-specific state
  GET  /_fake/ping              {"ok":true,"port":N}

A fake subclasses FakeApp (state, routing, auth) and calls main(AppClass).
"""

import argparse
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse


class HTTPError(Exception):
    """Raised by route code to answer with an error status and a ready body."""

    def __init__(self, status, body, content_type="application/json", headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


class Response:
    def __init__(self, status=200, body=None, content_type="application/json", headers=None):
        self.status = status
        self.body = body  # dict/list (JSON-encoded), str, bytes or None
        self.content_type = content_type
        self.headers = headers or {}


def dumps(obj):
    return json.dumps(obj, indent=None, separators=(",", ":"))


class Request:
    """What a route sees: method, split path, query, headers, body, TLS identity."""

    def __init__(self, method, target, headers, raw_body, peer_cert, handler):
        self.method = method
        self.target = target
        parts = urllib.parse.urlsplit(target)
        self.raw_path = parts.path
        self.raw_query = parts.query
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        self.query_lists = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        # Segments are split on the raw path first, then decoded, so that %2F stays
        # inside one segment (ONOS host ids, intent keys).
        self.segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s != ""]
        self.path = urllib.parse.unquote(parts.path)
        self.headers = headers
        self.raw_body = raw_body
        self.peer_cert = peer_cert  # dict from getpeercert() or None
        self.handler = handler
        self.user = None  # set by authentication, recorded in the log

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def content_type(self):
        ct = self.headers.get("Content-Type") or ""
        return ct.split(";")[0].strip().lower()

    def text(self):
        return self.raw_body.decode("utf-8", errors="replace")

    def json(self):
        """Parsed JSON body; raises ValueError on bad JSON or empty body."""
        if not self.raw_body:
            raise ValueError("empty body")
        return json.loads(self.raw_body.decode("utf-8"))

    def client_cn(self):
        if not self.peer_cert:
            return None
        for rdn in self.peer_cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def client_orgs(self):
        out = []
        if self.peer_cert:
            for rdn in self.peer_cert.get("subject", ()):
                for k, v in rdn:
                    if k == "organizationName":
                        out.append(v)
        return out


def redact_headers(headers):
    out = {}
    for k, v in headers.items():
        if k.lower() in ("authorization", "proxy-authorization"):
            v = v.strip().split(" ", 1)[0] if v.strip() else ""
        if k in out:
            out[k] = out[k] + ", " + v
        else:
            out[k] = v
    return out


def body_for_log(raw, content_type):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", errors="replace")


class Injection:
    _next_id = 1

    def __init__(self, rule):
        if not isinstance(rule, dict):
            raise ValueError("a rule is a JSON object")
        known = {"method", "path", "status", "body", "delay", "drop", "badBody", "count", "headers"}
        unknown = set(rule) - known
        if unknown:
            raise ValueError("unknown rule members: %s" % ", ".join(sorted(unknown)))
        self.id = Injection._next_id
        Injection._next_id += 1
        self.method = rule.get("method")
        self.path = rule.get("path")
        self.status = rule.get("status")
        self.body = rule.get("body")
        self.delay = float(rule.get("delay") or 0)
        self.drop = bool(rule.get("drop"))
        self.bad_body = bool(rule.get("badBody"))
        self.count = rule.get("count")
        self.headers = rule.get("headers") or {}
        if self.count is not None:
            self.count = int(self.count)
            if self.count <= 0:
                raise ValueError("count must be positive")
        if self.status is not None:
            self.status = int(self.status)
            if not 100 <= self.status <= 599:
                raise ValueError("status out of range")
        if not (self.status or self.drop or self.bad_body or self.delay):
            raise ValueError("a rule needs at least one of status, drop, badBody, delay")

    def matches(self, method, target):
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path:
            if self.path not in target and self.path not in urllib.parse.unquote(target):
                return False
        return True

    def describe(self):
        return {
            "id": self.id, "method": self.method, "path": self.path, "status": self.status,
            "body": self.body, "delay": self.delay, "drop": self.drop, "badBody": self.bad_body,
            "count": self.count, "headers": self.headers,
        }


class FakeApp:
    """Base of a fake: subclasses override name, add_arguments, setup, route, authenticate,
    get_state, set_state, and error_body."""

    name = "fake"
    default_client_cert = "required"
    server_header = "fake"

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.requests = []
        self.injections = []
        self.tls_errors = []
        self.port = None
        self.scheme = "https" if args.cert else "http"

    # ---- to override -------------------------------------------------
    @classmethod
    def add_arguments(cls, parser):
        pass

    def route(self, req):
        raise HTTPError(404, self.error_body(404, "not found"))

    def authenticate(self, req):
        """Return None when allowed, or a Response to send (401...)."""
        return None

    def get_state(self):
        return {}

    def set_state(self, obj):
        raise HTTPError(400, {"error": "state not settable"})

    def error_body(self, status, message):
        return {"code": status, "message": message}

    def extra_headers(self, req):
        return {}

    # ---- injections -----------------------------------------------------
    def take_injection(self, method, target):
        with self.lock:
            for rule in self.injections:
                if rule.matches(method, target):
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count <= 0:
                            self.injections.remove(rule)
                    return rule
        return None

    # ---- control API -------------------------------------------------------
    def control(self, req):
        what = req.segments[1] if len(req.segments) > 1 else ""
        m = req.method
        if what == "ping" and m == "GET":
            return Response(200, {"ok": True, "port": self.port, "name": self.name})
        if what == "requests" and m == "GET":
            with self.log_lock:
                out = list(self.requests)
            if "method" in req.query:
                out = [r for r in out if r["method"] == req.query["method"].upper()]
            if "path" in req.query:
                out = [r for r in out if req.query["path"] in r["path"]
                       or req.query["path"] in urllib.parse.unquote(r["path"])]
            return Response(200, out)
        if what == "reset-requests" and m == "POST":
            with self.log_lock:
                self.requests.clear()
            return Response(200, {"ok": True})
        if what == "inject" and m == "POST":
            with self.lock:
                try:
                    body = req.json()
                    rules = body if isinstance(body, list) else [body]
                    made = [Injection(r) for r in rules]
                except (ValueError, TypeError) as e:
                    return Response(400, {"error": "bad rule: %s" % e})
                self.injections.extend(made)
            return Response(200, {"ids": [r.id for r in made]})
        if what == "injections" and m == "GET":
            with self.lock:
                return Response(200, [r.describe() for r in self.injections])
        if what == "clear-injections" and m == "POST":
            with self.lock:
                self.injections.clear()
            return Response(200, {"ok": True})
        if what == "tls-errors" and m == "GET":
            with self.log_lock:
                return Response(200, list(self.tls_errors))
        if what == "state":
            if m == "GET":
                with self.lock:
                    return Response(200, self.get_state())
            if m == "POST":
                try:
                    obj = req.json()
                except ValueError as e:
                    return Response(400, {"error": "bad JSON: %s" % e})
                if not isinstance(obj, dict):
                    return Response(400, {"error": "state must be a JSON object"})
                with self.lock:
                    self.set_state(obj)
                    return Response(200, self.get_state())
        return Response(404, {"error": "unknown control endpoint %s %s" % (m, req.raw_path)})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake"
    sys_version = ""
    app = None  # set by main()

    def version_string(self):
        return self.app.server_header

    def log_message(self, fmt, *args):
        if not self.app.args.quiet:
            sys.stderr.write("[%s] %s - %s\n" % (self.app.name, self.address_string(), fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, resp, entry=None):
        body = resp.body
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = dumps(body).encode("utf-8")
        self.send_response(resp.status)
        if data or resp.status not in (204, 304):
            if resp.content_type:
                self.send_header("Content-Type", resp.content_type)
        for k, v in resp.headers.items():
            self.send_header(k, str(v))
        if resp.status != 204 and resp.status != 304 and not (100 <= resp.status < 200):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and resp.status not in (204, 304):
            self.wfile.write(data)
        if entry is not None:
            entry["status"] = resp.status

    def _drop(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def _handle(self):
        app = self.app
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                peer = self.connection.getpeercert() or None
            except (ValueError, ssl.SSLError):
                peer = None
        req = Request(self.command, self.path, self.headers, raw, peer, self)

        if req.raw_path.startswith("/_fake/") or req.raw_path == "/_fake":
            self._send(app.control(req))
            return

        entry = {
            "time": time.time(),
            "method": self.command,
            "path": req.raw_path,
            "rawQuery": req.raw_query,
            "query": req.query,
            "headers": redact_headers(self.headers),
            "body": body_for_log(raw, req.content_type()),
            "clientCert": req.client_cn(),
            "status": None,
        }
        with app.log_lock:
            app.requests.append(entry)

        rule = app.take_injection(self.command, self.path)
        if rule is not None:
            entry["injected"] = rule.id
            if rule.delay:
                time.sleep(rule.delay)
            if rule.drop:
                entry["status"] = "dropped"
                self._drop()
                return
            if rule.bad_body:
                self._send(Response(200, b"<html><body>garbage \x00\x01 {not json", "application/json",
                                    dict(rule.headers)), entry)
                return
            if rule.status:
                body = rule.body
                if body is None:
                    body = app.error_body(rule.status, "injected failure")
                ct = "application/json"
                if isinstance(body, str):
                    try:
                        json.loads(body)
                    except ValueError:
                        ct = "text/plain; charset=utf-8"
                self._send(Response(rule.status, body, ct, dict(rule.headers)), entry)
                return
            # delay only: fall through to the normal answer

        try:
            denied = app.authenticate(req)
            entry["user"] = req.user
            if denied is not None:
                self._send(denied, entry)
                return
            resp = app.route(req)
        except HTTPError as e:
            resp = Response(e.status, e.body, e.content_type, e.headers)
        except Exception as e:  # a fake bug must be visible, not a hang
            import traceback
            traceback.print_exc()
            resp = Response(500, app.error_body(500, "fake internal error: %r" % e))
        hdrs = app.extra_headers(req)
        hdrs.update(resp.headers)
        resp.headers = hdrs
        self._send(resp, entry)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_PATCH = _handle
    do_DELETE = _handle
    do_HEAD = _handle
    do_OPTIONS = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    ssl_context = None
    app = None

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a slow or failing
        # client never blocks the accept loop.
        if self.ssl_context is not None:
            try:
                request.settimeout(10)
                request = self.ssl_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                with self.app.log_lock:
                    self.app.tls_errors.append({"time": time.time(), "peer": client_address[0],
                                                "error": str(e)})
                if not self.app.args.quiet:
                    sys.stderr.write("[%s] TLS handshake failed: %s\n" % (self.app.name, e))
                try:
                    request.close()
                except OSError:
                    pass
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        if not self.app.args.quiet:
            super().handle_error(request, client_address)


def write_ready_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def fixtures_dir(kind):
    """test/fixtures/<kind>, found relative to this file."""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", kind))


def make_parser(app_cls):
    p = argparse.ArgumentParser(prog=app_cls.name, description=(app_cls.__doc__ or "").strip().split("\n")[0])
    p.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ready-file", help="write the bound port here once listening")
    p.add_argument("--cert", help="server certificate (PEM): serve HTTPS")
    p.add_argument("--key", help="server private key (PEM)")
    p.add_argument("--client-ca", help="CA (PEM) that client certificates must chain to")
    p.add_argument("--client-cert", choices=("required", "optional"), default=app_cls.default_client_cert,
                   help="with --client-ca: refuse the handshake without a certificate (required) "
                        "or accept one when given (optional); default %(default)s")
    p.add_argument("--quiet", action="store_true", help="no per-request log on stderr")
    app_cls.add_arguments(p)
    return p


def main(app_cls, argv=None):
    args = make_parser(app_cls).parse_args(argv)
    if bool(args.cert) != bool(args.key):
        sys.exit("--cert and --key go together")
    if args.client_ca and not args.cert:
        sys.exit("--client-ca needs --cert/--key")
    app = app_cls(args)

    class H(Handler):
        pass
    H.app = app

    server = Server((args.host, args.port), H)
    server.app = app
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            ctx.load_verify_locations(cafile=args.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED if args.client_cert == "required" else ssl.CERT_OPTIONAL
        server.ssl_context = ctx
    app.port = server.server_address[1]
    if hasattr(app, "started"):
        app.started()

    import signal

    def _term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)

    if args.ready_file:
        write_ready_file(args.ready_file, app.port)
    if not args.quiet:
        sys.stderr.write("[%s] listening on %s://%s:%d\n" % (app.name, app.scheme, args.host, app.port))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
