"""Kubernetes API servers for the tests: the fake (test/fakes/kube_api.py) and real ones
(scripts/kube-apiserver.sh: kube-apiserver v1.20.2 + etcd on loopback), behind one interface so
that a test can run against both.

    srv.kind                    "fake" | "real"
    srv.kubeconfig(form)        path of a kubeconfig: "cert" (client certificate), "token",
                                "badtoken" (an unknown token), "forbidden" (a token with no RBAC
                                binding), "node" (the kubelet of node worker-1: O=system:nodes),
                                "stranger" (a client certificate of an unknown CA)
    srv.api(method, path, body, content_type=..., creds="admin") -> (status, JSON or text)
    srv.create_node(...), srv.create_pod(...), srv.bind(...), srv.set_pod_status(...)
    srv.cleanup()               deletes every pod and node this object made

The real tier runs when REAL_K8S=1 (building kube-apiserver when the cache lacks it) or, with
REAL_K8S unset, when the cached build exists; REAL_K8S=0 turns it off. Without a kubelet the
real server never finishes a graceful delete of a bound pod, so cleanup deletes with
gracePeriodSeconds=0; nodes get their capacity through /status and pods their node through
the binding subresource, as a scheduler and a kubelet would do.
"""
import http.client
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "kube-apiserver.sh"
sys.path.insert(0, str(ROOT / "test" / "fakes"))
from client import Fake  # noqa: E402

TOKEN = "vdno-test-token-6f1c2e"
BAD_TOKEN = "vdno-bad-token-000000"
FORBIDDEN_TOKEN = "nobody-token-5d2a"
VDN_CNI_TOKEN = "vdn-cni-token-3b9e"   # user vdn-cni, no binding until a test gives it one
PAUSE = "registry.k8s.io/pause:3.9"
TAG = secrets.token_hex(2)      # in object names, so reruns against a kept server never collide


def real_wanted():
    """(run the real tier?, why not)."""
    want = os.environ.get("REAL_K8S", "")
    if want == "0":
        return False, "REAL_K8S=0"
    if want == "1":
        return True, ""
    built = subprocess.run([str(SCRIPT), "path"], capture_output=True, text=True).returncode == 0
    if built:
        return True, ""
    return False, "no cached kube-apiserver (scripts/kube-apiserver.sh build, or REAL_K8S=1)"


def node_body(name, cpu="4", memory="8Gi", storage="100Gi", pods="110", labels=None, unschedulable=False,
              taints=None):
    spec = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": dict({"kubernetes.io/hostname": name}, **(labels or {}))},
            "spec": spec}


def node_status(cpu="4", memory="8Gi", storage="100Gi", pods="110", ready=True):
    res = {"cpu": cpu, "memory": memory, "ephemeral-storage": storage, "pods": pods}
    return {"status": {"capacity": res, "allocatable": res,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "reason": "KubeletReady" if ready else "KubeletNotReady",
                                       "message": "seeded by the tests",
                                       "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                                       "lastTransitionTime": "2025-01-01T00:00:00Z"}],
                       "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]}}


def pod_body(name, requests=None, limits=None, labels=None, annotations=None, image=PAUSE, node=None):
    c = {"name": "main", "image": image}
    if requests or limits:
        c["resources"] = {}
        if requests:
            c["resources"]["requests"] = requests
        if limits:
            c["resources"]["limits"] = limits
    md = {"name": name}
    if labels:
        md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    spec = {"containers": [c]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}


class KubeServer:
    kind = None

    def __init__(self, server, pki, workdir):
        self.server = server
        self.pki = Path(pki)
        self.workdir = Path(workdir)
        self.made_pods = []     # (ns, name)
        self.made_nodes = []
        self._kc = {}

    # ---- kubeconfigs ---------------------------------------------------------------
    def kubeconfig(self, form="token"):
        if form in self._kc:
            return self._kc[form]
        users = {
            "cert": {"client-certificate": str(self.pki / "vdno-cert.crt"),
                     "client-key": str(self.pki / "vdno-cert.key")},
            "token": {"token": TOKEN},
            "badtoken": {"token": BAD_TOKEN},
            "forbidden": {"token": FORBIDDEN_TOKEN},
            "vdn-cni": {"token": VDN_CNI_TOKEN},
            "stranger": {"client-certificate": str(self.pki / "stranger.crt"),
                         "client-key": str(self.pki / "stranger.key")},
            "node": {"client-certificate": str(self.pki / "worker-1.crt"),
                     "client-key": str(self.pki / "worker-1.key")},
        }[form]
        path = self.workdir / f"{self.kind}-{id(self)}-{form}.kubeconfig"
        # JSON is YAML: the kubeconfig parser reads it as such
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "t",
            "clusters": [{"name": "c", "cluster": {"server": self.server,
                                                   "certificate-authority": str(self.pki / "ca.crt")}}],
            "users": [{"name": "u", "user": users}],
            "contexts": [{"name": "t", "context": {"cluster": "c", "user": "u"}}]}))
        path.chmod(0o600)
        self._kc[form] = str(path)
        return str(path)

    # ---- raw API -----------------------------------------------------------------------
    def _context(self, creds):
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        if creds in ("admin", "cert", "stranger", "node"):
            name = {"admin": "admin", "cert": "vdno-cert", "stranger": "stranger", "node": "worker-1"}[creds]
            ctx.load_cert_chain(str(self.pki / f"{name}.crt"), str(self.pki / f"{name}.key"))
        return ctx

    def api(self, method, path, body=None, content_type="application/json", creds="admin", query=None):
        """creds: admin | cert | node | stranger (client certificates), token | badtoken | forbidden,
        none.
        content_type None sends no Content-Type at all."""
        u = urllib.parse.urlsplit(self.server)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=self._context(creds), timeout=20)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Accept": "application/json", "User-Agent": "vdn-cni-tests"}
        if data is not None and content_type:
            headers["Content-Type"] = content_type
        tok = {"token": TOKEN, "badtoken": BAD_TOKEN, "forbidden": FORBIDDEN_TOKEN,
               "vdn-cni": VDN_CNI_TOKEN}.get(creds)
        if tok:
            headers["Authorization"] = "Bearer " + tok
        try:
            conn.request(method, path + (("?" + query) if query else ""), body=data, headers=headers)
            r = conn.getresponse()
            status, raw = r.status, r.read()
        finally:
            conn.close()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def ok(self, method, path, body=None, content_type="application/json", want=(200, 201), **kw):
        s, out = self.api(method, path, body, content_type, **kw)
        assert s in want, f"{method} {path}: {s} {out}"
        return out

    # ---- seeding -------------------------------------------------------------------------
    def create_node(self, name, cpu="4", memory="8Gi", storage="100Gi", pods="110", ready=True, labels=None,
                    unschedulable=False, taints=None):
        """What a kubelet and the node lifecycle controller do: the node is registered (the
        TaintNodesByCondition admission gives it node.kubernetes.io/not-ready:NoSchedule), its
        kubelet reports capacity and conditions through /status, and the controller takes the
        not-ready taint away once the node is Ready."""
        self.ok("POST", "/api/v1/nodes", node_body(name, labels=labels, unschedulable=unschedulable, taints=taints))
        self.made_nodes.append(name)
        out = self.ok("PATCH", f"/api/v1/nodes/{name}/status", node_status(cpu, memory, storage, pods, ready),
                      "application/merge-patch+json")
        if ready:
            out = self.ok("PATCH", f"/api/v1/nodes/{name}", {"spec": {"taints": taints or None}},
                          "application/merge-patch+json")
        return out

    def create_pod(self, ns, name, node=None, **kw):
        out = self.ok("POST", f"/api/v1/namespaces/{ns}/pods", pod_body(name, **kw))
        self.made_pods.append((ns, name))
        if node:
            self.bind(ns, name, node)
            out = self.ok("GET", f"/api/v1/namespaces/{ns}/pods/{name}")
        return out

    def bind(self, ns, name, node):
        return self.ok("POST", f"/api/v1/namespaces/{ns}/pods/{name}/binding",
                       {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                        "target": {"apiVersion": "v1", "kind": "Node", "name": node}})

    def set_pod_status(self, ns, name, phase="Running", pod_ip=None):
        st = {"phase": phase}
        if pod_ip:
            st.update({"podIP": pod_ip, "podIPs": [{"ip": pod_ip}]})
        return self.ok("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", {"status": st},
                       "application/merge-patch+json")

    def delete_pod(self, ns, name):
        s, out = self.api("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}", query="gracePeriodSeconds=0")
        assert s in (200, 404), f"DELETE pod {ns}/{name}: {s} {out}"

    def pod(self, ns, name):
        s, out = self.api("GET", f"/api/v1/namespaces/{ns}/pods/{name}")
        return out if s == 200 else None

    def cleanup(self):
        for ns, name in reversed(self.made_pods):
            self.delete_pod(ns, name)
        for name in reversed(self.made_nodes):
            self.api("DELETE", f"/api/v1/nodes/{name}")
        self.made_pods.clear()
        self.made_nodes.clear()

    def forget(self, ns, name):
        """The test deleted that pod itself."""
        if (ns, name) in self.made_pods:
            self.made_pods.remove((ns, name))


class FakeKube(KubeServer):
    """kube_api.py over TLS with the same certificates, token and namespaces as a real region."""
    kind = "fake"

    def __init__(self, pki, workdir, *extra):
        args = ["--cert", str(Path(pki) / "serving.crt"), "--key", str(Path(pki) / "serving.key"),
                "--client-ca", str(Path(pki) / "ca.crt"), "--token", TOKEN,
                "--namespace", "default", "--namespace", "vdno", "--anonymous", "--quiet"] + list(extra)
        self.fake = Fake("kube_api.py", *args, cafile=str(Path(pki) / "ca.crt"),
                         certfile=str(Path(pki) / "admin.crt"), keyfile=str(Path(pki) / "admin.key"))
        super().__init__(self.fake.url, pki, workdir)

    def stop(self):
        self.fake.stop()


class RealKube(KubeServer):
    kind = "real"

    def __init__(self, region, pki, workdir):
        super().__init__(region["server"], pki, workdir)
        self.id = region["id"]
        self.region = region

    def log_tail(self, n=30):
        try:
            return "".join(open(self.region["apiserverLog"]).readlines()[-n:])
        except OSError:
            return ""


class RealCluster:
    """N regions started by scripts/kube-apiserver.sh in a private state dir."""

    def __init__(self, n, state):
        self.state = Path(state)
        self.env = dict(os.environ, VDN_K8S_STATE=str(self.state))
        r = subprocess.run([str(SCRIPT), "start", str(n)], env=self.env, capture_output=True, text=True,
                           timeout=1500)
        if r.returncode != 0:
            raise RuntimeError(f"kube-apiserver.sh start {n} failed:\n{r.stdout}{r.stderr}")
        self.desc = json.loads((self.state / "regions.json").read_text())
        self.pki = Path(self.desc["ca"]).parent
        self.regions = [RealKube(r, self.pki, self.state) for r in self.desc["regions"]]

    def stop(self):
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- fixtures
REAL_REGIONS = 3


@pytest.fixture(scope="session")
def real_cluster():
    """REAL_REGIONS independent real API servers for the whole session (about 20-40 s to start)."""
    run, why = real_wanted()
    if not run:
        pytest.skip(why)
    state = tempfile.mkdtemp(prefix="vdn-k8s-")
    cluster = None
    try:
        cluster = RealCluster(REAL_REGIONS, state)
        yield cluster
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def real_regions(real_cluster):
    """The regions, emptied of what the test seeded when it ends."""
    yield real_cluster.regions
    for r in real_cluster.regions:
        r.cleanup()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("kube-pki")
    subprocess.run([str(SCRIPT), "pki", str(d)], check=True, capture_output=True)
    return d


@pytest.fixture(scope="session")
def _fake_kube_session(test_pki, tmp_path_factory):
    f = FakeKube(test_pki, tmp_path_factory.mktemp("fake-kube"))
    yield f
    f.stop()


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.realk8s)])
def kube(request, tmp_path):
    """One API server, the fake or a real one; what the test seeds is removed afterwards."""
    if request.param == "fake":
        srv = request.getfixturevalue("_fake_kube_session")
    else:
        srv = request.getfixturevalue("real_cluster").regions[0]
    yield srv
    srv.cleanup()


def uniq(prefix):
    return f"{prefix}-{TAG}-{secrets.token_hex(2)}"
