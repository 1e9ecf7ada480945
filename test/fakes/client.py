"""Start a fake server as a subprocess and drive its /_fake/ control API (standard library only).

    from fakes.client import Fake      # or: sys.path.insert(0, "test/fakes"); from client import Fake

    with Fake("vdhcp_server.py", "--pool", "vdn-a=172.16.1.0/24") as v:
        v.url                          # http://127.0.0.1:PORT   (https://... with --cert)
        v.inject(method="PUT", status=503, count=1)
        ... run the product against v.url + "/vdn/v1/vdhcp/dhcp/" ...
        v.requests(method="PUT")       # what the fake received
        v.state(); v.set_state({...})

The fake's stdout+stderr go to a log file (Fake.log_path, Fake.log()).
"""

import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FAKES_DIR = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


class FakeError(RuntimeError):
    pass


class Fake:
    def __init__(self, script, *args, cafile=None, certfile=None, keyfile=None, timeout=10.0, python=PYTHON,
                 env=None, start=True):
        """script: 'vdhcp_server.py', 'kube_api', 'onos' (looked up in test/fakes) or a path.
        args: the fake's command-line arguments (--port/--ready-file/--host are added unless given).
        cafile/certfile/keyfile: used by the control calls when the fake serves HTTPS
        (cafile None = do not verify the fake's certificate)."""
        if os.path.sep not in script:
            if not script.endswith(".py"):
                script += ".py"
            script = os.path.join(FAKES_DIR, script)
        self.script = script
        self.args = [str(a) for a in args]
        self.cafile, self.certfile, self.keyfile = cafile, certfile, keyfile
        self.timeout = timeout
        self.python = python
        self.env = env
        self.proc = None
        self.port = None
        self.tmpdir = None
        self.host = "127.0.0.1"
        if "--host" in self.args:
            self.host = self.args[self.args.index("--host") + 1]
        self.scheme = "https" if "--cert" in self.args else "http"
        if start:
            self.start()

    # ---- process ---------------------------------------------------------------
    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="fake-")
        ready = os.path.join(self.tmpdir, "port")
        self.log_path = os.path.join(self.tmpdir, "log")
        cmd = [self.python, self.script] + self.args
        if "--ready-file" not in self.args:
            cmd += ["--ready-file", ready]
        else:
            ready = self.args[self.args.index("--ready-file") + 1]
        if "--port" not in self.args:
            cmd += ["--port", "0"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=self.env)
        deadline = time.monotonic() + self.timeout
        while True:
            if os.path.exists(ready):
                with open(ready) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            if self.proc.poll() is not None:
                msg = "%s exited with %s before it was ready:\n%s" % (os.path.basename(self.script),
                                                                       self.proc.returncode, self.log())
                self.stop()
                raise FakeError(msg)
            if time.monotonic() > deadline:
                msg = "%s not ready after %.0f s:\n%s" % (os.path.basename(self.script), self.timeout, self.log())
                self.stop()
                raise FakeError(msg)
            time.sleep(0.02)
        self.url = "%s://%s:%d" % (self.scheme, self.host, self.port)
        return self

    def stop(self):
        """Terminate the fake and wait for it; returns its exit status."""
        rc = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(5)
        elif self.proc is not None:
            rc = self.proc.returncode
        if self.tmpdir and os.environ.get("FAKE_KEEP_LOGS") is None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        return rc

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- HTTP ------------------------------------------------------------------
    def ssl_context(self, cafile=None, certfile=None, keyfile=None):
        if self.scheme != "https":
            return None
        cafile = cafile or self.cafile
        if cafile:
            ctx = ssl.create_default_context(cafile=cafile)
        else:
            ctx = ssl._create_unverified_context()
        certfile, keyfile = certfile or self.certfile, keyfile or self.keyfile
        if certfile:
            ctx.load_cert_chain(certfile, keyfile)
        return ctx

    def call(self, method, path, body=None, headers=None, auth=None, token=None, content_type=None,
             timeout=10.0, context=None, raw=False):
        """Plain HTTP call to the fake. body: dict/list (sent as JSON), str or bytes.
        auth=(user, password) for basic, token= for bearer.
        Returns (status, headers dict, parsed JSON body or text or None); raw=True: body as bytes."""
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", content_type or "application/json")
            else:
                data = body.encode() if isinstance(body, str) else body
                if content_type:
                    hdrs.setdefault("Content-Type", content_type)
        if auth:
            hdrs["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
        if token:
            hdrs["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        ctx = context if context is not None else self.ssl_context()
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
                status, rh, data_in = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, rh, data_in = e.code, dict(e.headers), e.read()
        if raw:
            return status, rh, data_in
        if not data_in:
            return status, rh, None
        try:
            return status, rh, json.loads(data_in)
        except ValueError:
            return status, rh, data_in.decode("utf-8", errors="replace")

    def _control(self, method, what, body=None):
        status, _, out = self.call(method, "/_fake/" + what, body=body)
        if status != 200:
            raise FakeError("/_fake/%s answered %s: %s" % (what, status, out))
        return out

    # ---- control API ---------------------------------------------------------------
    def requests(self, method=None, path=None):
        """Every request the fake received (oldest first), optionally filtered by method and path
        substring. Each: time, method, path, rawQuery, query, headers (Authorization reduced to its
        scheme), body (parsed JSON or text), clientCert (CN), user, status, injected (rule id)."""
        out = self._control("GET", "requests")
        if method:
            out = [r for r in out if r["method"] == method.upper()]
        if path:
            out = [r for r in out if path in r["path"]]
        return out

    def reset_requests(self):
        return self._control("POST", "reset-requests")

    def inject(self, rule=None, **kw):
        """inject(method="PUT", path="ee-01", status=503, body=..., delay=1.5, drop=True, badBody=True,
        count=1, headers={...}) -> list of rule ids."""
        r = dict(rule or {})
        r.update(kw)
        return self._control("POST", "inject", r)["ids"]

    def injections(self):
        return self._control("GET", "injections")

    def clear_injections(self):
        return self._control("POST", "clear-injections")

    def state(self):
        return self._control("GET", "state")

    def set_state(self, obj):
        return self._control("POST", "state", obj)

    def tls_errors(self):
        return self._control("GET", "tls-errors")
