#!/usr/bin/python3
"""HTTP server for the C unit tests of http.c and kube.c.

Binds 127.0.0.1 on an ephemeral port, prints the port on one line and serves until killed.
Every answer that succeeds echoes what the client sent (method, path, query, auth and content
headers, body) so a test can check it. With --tls CERT KEY CA it speaks HTTPS and requires a
client certificate signed by CA.

Generic paths:  /echo  /delay/<ms>  /hang  /big/<bytes>  /stream/<bytes> (no Content-Length)
                /flaky/<key>/<n> (503 n times, then 200)  /status/<code>  /close (no answer)
Kubernetes:     /api/v1/nodes, /api/v1/pods, /api/v1/namespaces/<ns>/pods[/<name>]; a pod's
                name picks the behaviour: missing-* 404, denied-* 401, forbidden-* 403,
                flaky-* 503 twice then 200, hang-* never answers, slow-* 300 ms late,
                big-* 5 MiB, notjson-* a text body; a POSTed pod named exists-* gets 409,
                flaky-* 503 twice, broken-* 500 always; namespace missing-ns gets 404.
Inspection:     /last (echo of the previous request), /count/<kind>/<name> (hits of a
                flaky or broken name; kind is pod or post).
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

COUNTS = {}
LAST = {}
LOCK = threading.Lock()


def bump(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


def status_body(code, reason, message, name=None, kind="pods"):
    details = {"kind": kind}
    if name is not None:
        details["name"] = name
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": details, "code": code}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, code, obj=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def echo(self, body, **extra):
        u = urlsplit(self.path)
        cert = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert() or {}
            for rdn in peer.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        cert = value
        out = {"method": self.command, "path": u.path, "query": parse_qs(u.query),
               "rawQuery": u.query,
               "authorization": self.headers.get("Authorization"),
               "contentType": self.headers.get("Content-Type"),
               "accept": self.headers.get("Accept"),
               "userAgent": self.headers.get("User-Agent"),
               "host": self.headers.get("Host"),
               "clientCert": cert,
               "body": body.decode(errors="replace")}
        out.update(extra)
        return out

    def handle_any(self):
        body = self.read_body()
        u = urlsplit(self.path)
        # split before unquoting so an escaped '/' stays inside its segment
        parts = [unquote(p) for p in u.path.split("/") if p]
        head = parts[0] if parts else ""
        if head == "last":
            with LOCK:
                return self.send(200, LAST.get("request", {}))
        if head == "count":
            with LOCK:
                return self.send(200, {"count": COUNTS.get("/".join(parts[1:]), 0)})
        with LOCK:
            LAST["request"] = self.echo(body)
        if parts[:2] == ["api", "v1"]:
            return self.kube(parts[2:], body)
        if head == "echo":
            return self.send(200, self.echo(body))
        if head == "delay":
            time.sleep(int(parts[1]) / 1000.0)
            return self.send(200, self.echo(body))
        if head == "hang":
            time.sleep(60)
            return self.send(200, self.echo(body))
        if head == "big":
            return self.send(200, raw=b"x" * int(parts[1]), ctype="text/plain")
        if head == "stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            left = int(parts[1])
            while left > 0:
                chunk = min(left, 65536)
                self.wfile.write(b"y" * chunk)
                left -= chunk
            self.close_connection = True
            return None
        if head == "flaky":
            attempt = bump("flaky/" + parts[1])
            if attempt <= int(parts[2]):
                return self.send(503, status_body(503, "ServiceUnavailable", "try later"))
            return self.send(200, self.echo(body, attempt=attempt))
        if head == "status":
            return self.send(int(parts[1]), self.echo(body))
        if head == "close":
            self.close_connection = True
            return None
        return self.send(404, status_body(404, "NotFound", "no route " + u.path))

    def kube(self, parts, body):
        if parts == ["nodes"]:
            return self.send(200, {"kind": "NodeList", "apiVersion": "v1", "items": [],
                                   "echo": self.echo(body)})
        if parts == ["pods"]:
            return self.send(200, {"kind": "PodList", "apiVersion": "v1", "items": [],
                                   "echo": self.echo(body)})
        if len(parts) < 3 or parts[0] != "namespaces" or parts[2] != "pods":
            return self.send(404, status_body(404, "NotFound", "the server could not find "
                                              "the requested resource"))
        ns = parts[1]
        if len(parts) == 3 and self.command == "GET":
            return self.send(200, {"kind": "PodList", "apiVersion": "v1", "items": [],
                                   "echo": self.echo(body)})
        if len(parts) == 3 and self.command == "POST":
            pod = json.loads(body or b"{}")
            name = pod.get("metadata", {}).get("name", "")
            if ns == "missing-ns":
                return self.send(404, status_body(404, "NotFound",
                                                  'namespaces "%s" not found' % ns, ns,
                                                  "namespaces"))
            if name.startswith("exists"):
                return self.send(409, status_body(409, "AlreadyExists",
                                                  'pods "%s" already exists' % name, name))
            if name.startswith("flaky"):
                if bump("post/" + name) <= 2:
                    return self.send(503, status_body(503, "ServiceUnavailable", "later"))
            if name.startswith("broken"):
                bump("post/" + name)
                return self.send(500, status_body(500, "InternalError", "etcd hiccup"))
            pod.setdefault("metadata", {})["uid"] = "0b5e3c1a-uid"
            pod["echo"] = self.echo(body)
            return self.send(201, pod)
        name = parts[3]
        if name.startswith("missing"):
            return self.send(404, status_body(404, "NotFound", 'pods "%s" not found' % name,
                                              name))
        if name.startswith("denied"):
            return self.send(401, status_body(401, "Unauthorized", "Unauthorized"))
        if name.startswith("forbidden"):
            return self.send(403, status_body(
                403, "Forbidden", 'pods "%s" is forbidden: User "system:anonymous" cannot '
                'get resource "pods" in API group "" in the namespace "%s"' % (name, ns)))
        if name.startswith("flaky"):
            if bump("pod/" + name) <= 2:
                return self.send(503, status_body(503, "ServiceUnavailable", "later"))
        if name.startswith("hang"):
            time.sleep(60)
        if name.startswith("slow"):
            time.sleep(0.3)
        if name.startswith("big"):
            return self.send(200, raw=b"{" + b" " * (5 << 20) + b"}")
        if name.startswith("notjson"):
            return self.send(200, raw=b"hello", ctype="text/plain")
        pod = {"kind": "Pod", "apiVersion": "v1",
               "metadata": {"name": name, "namespace": ns},
               "echo": self.echo(body, attempts=COUNTS.get("pod/" + name, 0))}
        return self.send(200, pod)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class QuietServer(ThreadingHTTPServer):
    # clients hang up on purpose (timeouts, size limits); their broken pipes are not news
    def handle_error(self, request, client_address):
        pass


def main():
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(sys.argv) >= 5 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        ctx.load_verify_locations(sys.argv[4])
        ctx.verify_mode = ssl.CERT_REQUIRED
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
