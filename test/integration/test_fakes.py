"""Contract tests of the fake servers in test/fakes: what the product's integration tests rely on.

Run: /usr/bin/python3 -m pytest -q test/integration/test_fakes.py   (no root needed, < 20 s)
"""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "fakes"))
from client import Fake, FakeError  # noqa: E402

K8S = os.path.join(ROOT, "test", "fixtures", "k8s")
ONOS = os.path.join(ROOT, "test", "fixtures", "onos")
VB = "/vdn/v1/vdhcp/dhcp/"
AUTH = ("onos", "rocks")


def fixture(kind, name):
    with open(os.path.join(K8S if kind == "k8s" else ONOS, name)) as f:
        return json.load(f)


# ------------------------------------------------------------------ shared fixtures
@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("pki")

    def run(*a):
        subprocess.run(["openssl"] + list(a), cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=fake-test-ca")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.crt",
        "-days", "2", "-extfile", "san.ext")
    run("req", *ec, "-keyout", "cli.key", "-out", "cli.csr", "-subj", "/O=system:masters/CN=vdno-scheduler")
    run("x509", "-req", "-in", "cli.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cli.crt",
        "-days", "2")
    run("req", "-x509", *ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2", "-subj", "/CN=rogue")
    files = {"ca": "ca.crt", "srv": "srv.crt", "srvkey": "srv.key", "cli": "cli.crt", "clikey": "cli.key",
             "rogue": "rogue.crt", "roguekey": "rogue.key"}
    return {k: str(d / v) for k, v in files.items()}


@pytest.fixture(scope="module")
def vdhcp():
    with Fake("vdhcp_server.py", "--pool", "default=172.16.1.0/24", "--pool", "vdn-a=10.20.0.0/24",
              "--lease-time", "600", "--dns", "164.124.101.2,8.8.8.8") as f:
        yield f


@pytest.fixture
def v(vdhcp):
    vdhcp.set_state({"leases": {}})
    vdhcp.clear_injections()
    vdhcp.reset_requests()
    return vdhcp


@pytest.fixture(scope="module")
def kube():
    with Fake("kube_api.py", "--fixtures", "--token", "tok-1", "--basic", "admin:secret") as f:
        yield f


@pytest.fixture
def k(kube):
    kube.clear_injections()
    kube.reset_requests()
    return kube


@pytest.fixture(scope="module")
def onos():
    with Fake("onos.py") as f:
        yield f


@pytest.fixture
def o(onos):
    onos.set_state({"apps": [{"id": 3, "name": "org.onosproject.cli"}], "intents": []})
    onos.clear_injections()
    onos.reset_requests()
    return onos


def put_lease(f, mac, **body):
    body.setdefault("clientHwAddr", mac.replace("-", ":"))
    return f.call("PUT", VB + mac, body=body, auth=AUTH)


# ------------------------------------------------------------------ common machinery
def test_ready_file_and_port_zero(tmp_path):
    ready = tmp_path / "port"
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "test", "fakes", "vdhcp_server.py"),
                          "--port", "0", "--ready-file", str(ready), "--quiet"])
    try:
        for _ in range(500):
            if ready.exists():
                break
            time.sleep(0.02)
        port = int(ready.read_text())
        assert port > 0
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        assert [x for x in os.listdir(tmp_path) if x != "port"] == []  # no temp file left behind
    finally:
        p.terminate()
        assert p.wait(5) is not None


def test_bad_arguments_fail_fast():
    with pytest.raises(FakeError):
        Fake("vdhcp_server.py", "--pool", "nonsense", timeout=5)


def test_injection_status_count_and_log(v):
    assert v.inject(method="PUT", status=503, count=1) == [v.injections()[0]["id"]]
    s, _, body = put_lease(v, "aa-bb-cc-00-00-01")
    assert s == 503 and body == {"code": 503, "message": "injected failure"}
    s, _, _ = put_lease(v, "aa-bb-cc-00-00-01")
    assert s == 200
    assert v.injections() == []
    log = v.requests(method="PUT")
    assert [r["status"] for r in log] == [503, 200]
    assert "injected" in log[0] and "injected" not in log[1]


def test_injection_custom_body_path_and_forever(v):
    v.inject(path="00-00-02", status=500, body="boom")
    for _ in range(3):
        s, h, body = put_lease(v, "aa-bb-cc-00-00-02")
        assert (s, body) == (500, "boom") and h["Content-Type"].startswith("text/plain")
    assert put_lease(v, "aa-bb-cc-00-00-03")[0] == 200  # other path untouched
    v.clear_injections()
    assert put_lease(v, "aa-bb-cc-00-00-02")[0] == 200


def test_injection_delay(v):
    v.inject(method="GET", delay=0.6, count=1)
    put_lease(v, "aa-bb-cc-00-00-04")
    t = time.monotonic()
    s, _, body = v.call("GET", VB + "aa-bb-cc-00-00-04", auth=AUTH)
    assert time.monotonic() - t >= 0.55
    assert s == 200 and body["clientIp"] == "172.16.1.10"  # a delay alone still answers normally
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        v.inject(method="GET", delay=1.0, count=1)
        v.call("GET", VB + "aa-bb-cc-00-00-04", auth=AUTH, timeout=0.3)


def test_injection_drop(v):
    v.inject(drop=True, count=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        put_lease(v, "aa-bb-cc-00-00-05")
    assert v.requests()[-1]["status"] == "dropped"
    assert put_lease(v, "aa-bb-cc-00-00-05")[0] == 200


def test_injection_bad_body(v):
    v.inject(badBody=True, count=1)
    s, _, raw = v.call("GET", VB + "aa-bb-cc-00-00-06", auth=AUTH, raw=True)
    assert s == 200
    with pytest.raises(ValueError):
        json.loads(raw)


def test_bad_rule_refused(v):
    with pytest.raises(FakeError):
        v.inject(method="PUT")  # does nothing: refused
    with pytest.raises(FakeError):
        v.inject(status=503, colour="red")


def test_request_log_redacts_authorization(v):
    put_lease(v, "aa-bb-cc-00-00-07")
    v.call("GET", VB + "aa-bb-cc-00-00-07", token="sekret-token")
    log = v.requests()
    assert log[0]["headers"]["Authorization"] == "Basic"
    assert log[1]["headers"]["Authorization"] == "Bearer"
    assert log[0]["body"] == {"clientHwAddr": "aa:bb:cc:00:00:07"}
    dump = json.dumps(log)
    assert "rocks" not in dump and "sekret" not in dump and "b25vczpyb2Nrcw" not in dump
    v.reset_requests()
    assert v.requests() == []


# ------------------------------------------------------------------ vDHCP
def test_vdhcp_auth_refused(v):
    s, h, body = v.call("PUT", VB + "aa-bb-cc-00-01-01", body={"clientHwAddr": "aa:bb:cc:00:01:01"})
    assert s == 401 and body == {"code": 401, "message": "Unauthorized: bad credentials"}
    assert h["WWW-Authenticate"].startswith("Basic")
    s, _, body = v.call("PUT", VB + "aa-bb-cc-00-01-01", body={"clientHwAddr": "aa:bb:cc:00:01:01"},
                        auth=("onos", "wrong"))
    assert s == 401 and body["code"] == 401
    assert v.state()["leases"] == {}


def test_vdhcp_lease_shape_and_same_mac_stability(v):
    s, _, a = put_lease(v, "aa-bb-cc-00-02-01")
    assert s == 200
    assert a == {"clientIp": "172.16.1.10", "clientHwAddr": "aa:bb:cc:00:02:01", "vdnId": "default",
                 "subnetMask": "255.255.255.0", "router": ["172.16.1.1"], "dns": ["164.124.101.2", "8.8.8.8"],
                 "leaseTime": 600}
    exp1 = v.state()["leases"]["aa-bb-cc-00-02-01"]["expiresAt"]
    time.sleep(0.05)
    s, _, b = put_lease(v, "aa-bb-cc-00-02-01")
    assert s == 200 and b == a
    st = v.state()["leases"]["aa-bb-cc-00-02-01"]
    assert st["renewals"] == 1 and st["expiresAt"] > exp1
    assert put_lease(v, "aa-bb-cc-00-02-02")[2]["clientIp"] == "172.16.1.11"
    # released and asked again: the same MAC gets its old address back when it is still free
    assert v.call("DELETE", VB + "aa-bb-cc-00-02-01", auth=AUTH)[0] in (200, 204)
    assert put_lease(v, "aa-bb-cc-00-02-01")[2]["clientIp"] == "172.16.1.10"


def test_vdhcp_pools_request_ip_and_unknown_vdn(v):
    s, _, a = put_lease(v, "aa-bb-cc-00-03-01", vdnId="vdn-a", requestIp="10.20.0.77")
    assert s == 200 and a["clientIp"] == "10.20.0.77" and a["vdnId"] == "vdn-a" and a["router"] == ["10.20.0.1"]
    s, _, b = put_lease(v, "aa-bb-cc-00-03-02", vdnId="vdn-a", requestIp="10.20.0.77")  # taken
    assert s == 200 and b["clientIp"] == "10.20.0.10"
    s, _, c = put_lease(v, "aa-bb-cc-00-03-03", vdnId="vdn-a", requestIp="192.168.9.9")  # not in subnet
    assert s == 200 and c["clientIp"] == "10.20.0.11"
    s, _, body = put_lease(v, "aa-bb-cc-00-03-04", vdnId="vdn-zz")
    assert s == 404 and body == {"code": 404, "message": "unknown vdnId vdn-zz"}


def test_vdhcp_get_delete(v):
    put_lease(v, "aa-bb-cc-00-04-01")
    s, _, a = v.call("GET", VB + "aa-bb-cc-00-04-01", auth=AUTH)
    assert s == 200 and a["clientIp"] == "172.16.1.10"
    assert v.call("DELETE", VB + "aa-bb-cc-00-04-01", auth=AUTH)[0] in (200, 204)
    assert v.call("DELETE", VB + "aa-bb-cc-00-04-01", auth=AUTH)[0] == 404
    s, _, body = v.call("GET", VB + "aa-bb-cc-00-04-01", auth=AUTH)
    assert s == 404 and body["code"] == 404


def test_vdhcp_bad_requests(v):
    for mac in ("AA-BB-CC-00-05-01", "aa:bb:cc:00:05:01", "aa-bb-cc-00-05", "zz-bb-cc-00-05-01"):
        s, _, body = v.call("PUT", VB + mac, body={"clientHwAddr": "aa:bb:cc:00:05:01"}, auth=AUTH)
        assert s == 400 and body["code"] == 400 and body["message"], mac
    s, _, body = v.call("PUT", VB + "aa-bb-cc-00-05-01", body={"clientHwAddr": "aa:bb:cc:00:05:02"}, auth=AUTH)
    assert s == 400 and "does not match" in body["message"]
    s, _, body = v.call("PUT", VB + "aa-bb-cc-00-05-01", body="{not json", auth=AUTH)
    assert s == 400
    assert v.state()["leases"] == {}


def test_vdhcp_state_seed(v):
    v.set_state({"leases": {"aa:bb:cc:00:06:01": {"clientIp": "10.20.0.50", "vdnId": "vdn-a"}}})
    s, _, a = v.call("GET", VB + "aa-bb-cc-00-06-01", auth=AUTH)
    assert s == 200 and a["clientIp"] == "10.20.0.50" and a["vdnId"] == "vdn-a"
    s, _, b = put_lease(v, "aa-bb-cc-00-06-02", vdnId="vdn-a", requestIp="10.20.0.50")
    assert b["clientIp"] == "10.20.0.10"


def test_vdhcp_tls_client_cert_required(pki):
    with Fake("vdhcp_server.py", "--cert", pki["srv"], "--key", pki["srvkey"], "--client-ca", pki["ca"],
              cafile=pki["ca"], certfile=pki["cli"], keyfile=pki["clikey"]) as f:
        assert f.url.startswith("https://127.0.0.1:")
        s, _, body = put_lease(f, "aa-bb-cc-00-07-01")
        assert s == 200 and body["clientIp"] == "172.16.1.10"
        assert f.requests()[-1]["clientCert"] == "vdno-scheduler"
        no_cert = ssl.create_default_context(cafile=pki["ca"])
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            f.call("GET", VB + "aa-bb-cc-00-07-01", auth=AUTH, context=no_cert)
        rogue = ssl.create_default_context(cafile=pki["ca"])
        rogue.load_cert_chain(pki["rogue"], pki["roguekey"])
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            f.call("GET", VB + "aa-bb-cc-00-07-01", auth=AUTH, context=rogue)
        assert len(f.tls_errors()) >= 2


# ------------------------------------------------------------------ Kubernetes API
def test_kube_auth(k):
    want = fixture("k8s", "status-401-unauthorized.json")
    s, h, body = k.call("GET", "/api/v1/nodes")
    assert s == 401 and body == want and h["Content-Type"] == "application/json"
    s, _, body = k.call("GET", "/api/v1/nodes", token="wrong")
    assert s == 401 and body == want
    assert k.call("GET", "/api/v1/nodes", auth=("admin", "nope"))[0] == 401
    assert k.call("GET", "/api/v1/nodes", token="tok-1")[0] == 200
    assert k.call("GET", "/api/v1/nodes", auth=("admin", "secret"))[0] == 200
    assert [r["user"] for r in k.requests()][-2:] == ["token-1", "admin"]


def test_kube_lists_match_fixtures(k):
    s, _, nodes = k.call("GET", "/api/v1/nodes", token="tok-1")
    assert nodes["kind"] == "NodeList" and nodes["items"] == fixture("k8s", "nodelist.json")["items"]
    s, _, node = k.call("GET", "/api/v1/nodes/worker-1", token="tok-1")
    assert node == fixture("k8s", "node-get-worker-1.json")
    s, _, pods = k.call("GET", "/api/v1/pods", token="tok-1")
    assert pods["kind"] == "PodList" and pods["apiVersion"] == "v1" and pods["metadata"]["resourceVersion"]
    assert pods["items"] == fixture("k8s", "podlist-all.json")["items"]
    s, _, pods = k.call("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1", token="tok-1")
    assert pods["items"] == fixture("k8s", "podlist-node-worker-1.json")["items"]
    s, _, pods = k.call("GET", "/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed",
                        token="tok-1")
    assert pods["items"] == fixture("k8s", "podlist-nonterminated.json")["items"]
    s, _, pods = k.call("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3D", token="tok-1")
    assert [p["metadata"]["name"] for p in pods["items"]] == ["big-batch-x8v2k"]
    s, _, body = k.call("GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx", token="tok-1")
    assert s == 400 and body["reason"] == "BadRequest" and "spec.bogus" in body["message"]


def test_kube_label_selectors(k):
    def names(ns, sel):
        s, _, body = k.call("GET", "/api/v1/namespaces/%s/pods?labelSelector=%s" % (ns, urllib.request.quote(sel)),
                            token="tok-1")
        assert s == 200, body
        return sorted(p["metadata"]["name"] for p in body["items"])
    assert names("kube-system", "k8s-app=kube-dns") == ["coredns-7c65d6cfc9-4jw2q", "coredns-7c65d6cfc9-vt9nb"]
    assert names("kube-system", "k8s-app") == names("kube-system", "k8s-app in (kube-dns,kube-proxy)")
    all_ks = names("kube-system", "")
    with_app = names("kube-system", "k8s-app")
    assert names("kube-system", "!k8s-app") == sorted(set(all_ks) - set(with_app))
    assert names("kube-system", "k8s-app!=kube-dns") == sorted(set(all_ks) - {"coredns-7c65d6cfc9-4jw2q",
                                                                               "coredns-7c65d6cfc9-vt9nb"})
    assert names("kube-system", "k8s-app=kube-dns,k8s-app!=kube-dns") == []
    assert names("nowhere", "") == []


def test_kube_pod_lifecycle(k):
    req = fixture("k8s", "pod-create-request.json")
    name = req["metadata"]["name"]
    path = "/api/v1/namespaces/vdno/pods"
    s, _, pod = k.call("POST", path, body=req, token="tok-1")
    assert s == 201, pod
    md = pod["metadata"]
    assert pod["kind"] == "Pod" and md["name"] == name and md["namespace"] == "vdno"
    assert md["uid"] and md["creationTimestamp"].endswith("Z") and int(md["resourceVersion"]) > 0
    assert pod["status"]["phase"] == "Pending" and pod["status"]["qosClass"] == "Burstable"
    assert md["labels"] == req["metadata"]["labels"] and md["annotations"] == req["metadata"]["annotations"]
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "250m", "memory": "512Mi"}
    assert "nodeName" not in pod["spec"]
    s, _, body = k.call("POST", path, body=req, token="tok-1")
    assert s == 409 and body == fixture("k8s", "status-409-alreadyexists.json")
    s, _, got = k.call("GET", path + "/" + name, token="tok-1")
    assert s == 200 and got == pod
    s, _, lst = k.call("GET", "/api/v1/pods?labelSelector=vdno.kreonet.net%2Fentry", token="tok-1")
    assert [p["metadata"]["name"] for p in lst["items"]] == [name]
    s, _, gone = k.call("DELETE", path + "/" + name, token="tok-1")
    assert s == 200 and gone["metadata"]["uid"] == md["uid"]
    s, _, body = k.call("GET", path + "/vdno-edge-zzzzz", token="tok-1")
    assert s == 404 and body == fixture("k8s", "status-404-notfound.json")
    s, _, body = k.call("DELETE", path + "/" + name, token="tok-1")
    assert s == 404 and body["details"] == {"name": name, "kind": "pods"}


def test_kube_create_errors(k):
    req = fixture("k8s", "pod-create-request.json")
    del req["metadata"]["namespace"]
    s, _, body = k.call("POST", "/api/v1/namespaces/nope/pods", body=req, token="tok-1")
    want = fixture("k8s", "status-404-namespace-notfound.json")
    assert s == 404 and body == json.loads(json.dumps(want).replace('\\"vdno\\"', '\\"nope\\"')
                                           .replace('"name": "vdno"', '"name": "nope"'))
    bad = json.loads(json.dumps(req))
    bad["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}, "limits": {"cpu": "500m",
                                                                                      "memory": "512Mi"}}
    s, _, body = k.call("POST", "/api/v1/namespaces/vdno/pods", body=bad, token="tok-1")
    assert s == 422 and body == fixture("k8s", "status-422-invalid.json")
    bad = json.loads(json.dumps(req))
    bad["metadata"]["name"] = "Not_A_Name"
    s, _, body = k.call("POST", "/api/v1/namespaces/vdno/pods", body=bad, token="tok-1")
    assert s == 422 and body["reason"] == "Invalid" and body["details"]["causes"][0]["field"] == "metadata.name"
    bad = json.loads(json.dumps(req))
    del bad["spec"]["containers"][0]["image"]
    s, _, body = k.call("POST", "/api/v1/namespaces/vdno/pods", body=bad, token="tok-1")
    assert s == 422 and body["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"}]
    assert k.call("POST", "/api/v1/namespaces/vdno/pods", body="{", token="tok-1")[0] == 400
    assert k.call("GET", "/api/v1/namespaces/vdno/pods/vdno-edge-a41b7", token="tok-1")[0] == 404


def test_kube_merge_patch(k):
    path = "/api/v1/namespaces/shop/pods/web-frontend-5d9f7c8b6-k2mzx"
    s, _, before = k.call("GET", path, token="tok-1")
    rv0 = int(before["metadata"]["resourceVersion"])
    patch = {"metadata": {"annotations": {"k8s.v1.cni.cncf.io/network-status": "[{\"name\":\"macvlan\"}]"}}}
    s, _, body = k.call("PATCH", path, body=patch, token="tok-1", content_type="application/json")
    assert s == 415 and body["reason"] == "UnsupportedMediaType" and body["code"] == 415
    s, _, body = k.call("PATCH", path, body=patch, token="tok-1", content_type="text/plain")
    assert s == 415
    s, _, after = k.call("PATCH", path, body=patch, token="tok-1", content_type="application/merge-patch+json")
    assert s == 200 and after["kind"] == "Pod"
    ann = after["metadata"]["annotations"]
    assert ann["k8s.v1.cni.cncf.io/network-status"] == "[{\"name\":\"macvlan\"}]"
    assert set(before["metadata"].get("annotations", {})) <= set(ann)
    rv1 = int(after["metadata"]["resourceVersion"])
    assert rv1 > rv0
    assert after["spec"] == before["spec"] and after["status"] == before["status"]
    # null removes a key (RFC 7386); the GET sees what the PATCH answered
    s, _, after2 = k.call("PATCH", path, body={"metadata": {"annotations": {"k8s.v1.cni.cncf.io/network-status": None}}},
                          token="tok-1", content_type="application/merge-patch+json; charset=utf-8")
    assert s == 200 and "k8s.v1.cni.cncf.io/network-status" not in after2["metadata"].get("annotations", {})
    assert int(after2["metadata"]["resourceVersion"]) > rv1
    assert k.call("GET", path, token="tok-1")[2] == after2
    # strategic merge patch is accepted too
    s, _, after3 = k.call("PATCH", path, body={"metadata": {"labels": {"x": "y"}}}, token="tok-1",
                          content_type="application/strategic-merge-patch+json")
    assert s == 200 and after3["metadata"]["labels"]["x"] == "y"
    # stale resourceVersion in the patch -> 409 Conflict
    s, _, body = k.call("PATCH", path, body={"metadata": {"resourceVersion": str(rv0), "labels": {"z": "1"}}},
                        token="tok-1", content_type="application/merge-patch+json")
    assert s == 409 and body["reason"] == "Conflict"
    # status subresource changes status only
    s, _, st = k.call("PATCH", path + "/status", body={"status": {"podIP": "10.9.9.9"}, "spec": {"nodeName": "x"}},
                      token="tok-1", content_type="application/merge-patch+json")
    assert s == 200 and st["status"]["podIP"] == "10.9.9.9" and st["spec"] == before["spec"]
    s, _, body = k.call("PATCH", "/api/v1/namespaces/shop/pods/nope", body={}, token="tok-1",
                        content_type="application/merge-patch+json")
    assert s == 404 and body["message"] == 'pods "nope" not found' and body["details"]["name"] == "nope"


def test_kube_state_seed_and_namespaces(tmp_path):
    st = {"nodes": [{"metadata": {"name": "n1", "labels": {"zone": "a"}}, "spec": {},
                     "status": {"allocatable": {"cpu": "2"}}}],
          "pods": [{"metadata": {"name": "p1", "namespace": "vdno", "labels": {"app": "x"}},
                    "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
                    "status": {"phase": "Running"}}]}
    f = tmp_path / "state.json"
    f.write_text(json.dumps(st))
    with Fake("kube_api.py", "--state", str(f), "--token", "t", "--namespace", "default") as kk:
        s, _, body = kk.call("GET", "/api/v1/namespaces/vdno/pods?fieldSelector=spec.nodeName%3Dn1", token="t")
        assert [p["metadata"]["name"] for p in body["items"]] == ["p1"]
        assert body["items"][0]["metadata"]["uid"]
        s, _, body = kk.call("POST", "/api/v1/namespaces/other/pods", token="t",
                             body={"metadata": {"name": "q"}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
        assert s == 404 and body["message"] == 'namespaces "other" not found'
        kk.set_state({"pods": [], "namespaces": ["default", "other"]})
        assert kk.call("GET", "/api/v1/pods", token="t")[2]["items"] == []
        s, _, body = kk.call("POST", "/api/v1/namespaces/other/pods", token="t",
                             body={"metadata": {"name": "q"}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
        assert s == 201
        assert [p["metadata"]["name"] for p in kk.state()["pods"]] == ["q"]


def test_kube_tls_client_certs(pki):
    with Fake("kube_api.py", "--cert", pki["srv"], "--key", pki["srvkey"], "--client-ca", pki["ca"],
              "--token", "tok-tls", cafile=pki["ca"]) as kk:
        with_cert = ssl.create_default_context(cafile=pki["ca"])
        with_cert.load_cert_chain(pki["cli"], pki["clikey"])
        s, _, body = kk.call("GET", "/api/v1/nodes", context=with_cert)
        assert s == 200 and body["kind"] == "NodeList"
        assert kk.requests()[-1]["user"] == "vdno-scheduler"
        assert kk.call("GET", "/api/v1/nodes", token="tok-tls")[0] == 200   # no cert, token
        s, _, body = kk.call("GET", "/api/v1/nodes")                         # no cert, nothing
        assert s == 401 and body == fixture("k8s", "status-401-unauthorized.json")
        rogue = ssl.create_default_context(cafile=pki["ca"])
        rogue.load_cert_chain(pki["rogue"], pki["roguekey"])
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            kk.call("GET", "/api/v1/nodes", context=rogue)


def test_kube_forbid_and_auto_run():
    with Fake("kube_api.py", "--fixtures", "--token", "t", "--namespace", "vdno", "--namespace", "kube-system",
              "--forbid", "create:kube-system", "--auto-run", "0.1") as kk:
        req = fixture("k8s", "pod-create-request.json")
        req["metadata"]["namespace"] = "kube-system"
        s, _, body = kk.call("POST", "/api/v1/namespaces/kube-system/pods", body=req, token="t")
        assert s == 403 and body["reason"] == "Forbidden" and body["details"] == {"kind": "pods"}
        req["metadata"]["namespace"] = "vdno"
        assert kk.call("POST", "/api/v1/namespaces/vdno/pods", body=req, token="t")[0] == 201
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            pod = kk.call("GET", "/api/v1/namespaces/vdno/pods/vdno-edge-a41b7", token="t")[2]
            if pod["status"]["phase"] == "Running":
                break
            time.sleep(0.05)
        assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"]
        assert pod["spec"]["nodeName"] == "worker-1"  # first Ready node without NoSchedule taint


# ------------------------------------------------------------------ ONOS
def test_onos_auth(o):
    s, h, body = o.call("GET", "/onos/v1/devices")
    assert s == 401 and h["WWW-Authenticate"] == 'Basic realm="karaf"' and "401" in body
    assert o.call("GET", "/onos/v1/devices", auth=("onos", "nope"))[0] == 401
    assert o.call("GET", "/onos/v1/devices", auth=AUTH)[0] == 200


@pytest.mark.parametrize("path,name", [
    ("/devices", "devices.json"),
    ("/devices/of:0000000000000003", "device-of_0000000000000003.json"),
    ("/devices/of%3A0000000000000003/ports", "ports-of_0000000000000003.json"),
    ("/hosts", "hosts.json"),
    ("/hosts/00:1B:21:5E:03:11/None", "host-00_1B_21_5E_03_11-None.json"),
    ("/hosts/00%3A1B%3A21%3A5E%3A03%3A11%2F-1", "host-00_1B_21_5E_03_11-None.json"),
    ("/links", "links.json"),
    ("/statistics/delta/ports", "statistics-delta-ports.json"),
    ("/statistics/delta/ports/of:0000000000000005", "statistics-delta-ports-of_0000000000000005.json"),
    ("/statistics/ports", "statistics-ports.json"),
    ("/topology/clusters", "topology-clusters.json"),
    ("/network/configuration", "network-configuration.json"),
    ("/paths/00%3A1B%3A21%3A5E%3A03%3A11%2FNone/00%3A00%3A00%3A00%3A0D%3A01%2FNone",
     "paths-host-00_1B_21_5E_03_11-None-host-00_00_00_00_0D_01-None.json"),
    ("/paths/of:0000000000000001/of:0000000000000001", "error-paths-same-device.json"),
    ("/devices/of:00000000000000ff", "error-device-not-found.json"),
    ("/hosts/00:1B:21:5E:03:99/None", "error-host-not-found.json"),
])
def test_onos_views_match_fixtures(o, path, name):
    s, _, body = o.call("GET", "/onos/v1" + path, auth=AUTH)
    want = fixture("onos", name)
    assert body == want
    assert s == want.get("code", 200)


def test_onos_topology_and_empty_paths(o):
    s, _, t = o.call("GET", "/onos/v1/topology", auth=AUTH)
    assert s == 200 and (t["devices"], t["links"], t["clusters"]) == (5, 10, 1) and isinstance(t["time"], int)
    assert o.call("GET", "/onos/v1/paths/of:0000000000000001/of:00000000000000ff", auth=AUTH)[2] == {"paths": []}


def test_onos_all_device_paths(o):
    n = 0
    for name in sorted(os.listdir(ONOS)):
        if name.startswith("paths-of_"):
            src, dst = name[len("paths-"):-len(".json")].split("-")
            src, dst = src.replace("_", ":"), dst.replace("_", ":")
            for a, b in ((src, dst), (src.replace(":", "%3A"), dst.replace(":", "%3A"))):
                s, _, body = o.call("GET", "/onos/v1/paths/%s/%s" % (a, b), auth=AUTH)
                assert s == 200 and body == fixture("onos", name), name
            n += 1
    assert n == 20


def test_onos_intent_lifecycle(o):
    req = fixture("onos", "intent-post-request.json")
    s, _, body = o.call("POST", "/onos/v1/intents", body=req, auth=AUTH)
    assert s == 404 and body == fixture("onos", "error-intent-post-app-not-found.json")
    for _ in range(2):  # idempotent
        s, _, body = o.call("POST", "/onos/v1/applications/org.kreonet.vdno/register", auth=AUTH)
        assert s == 200 and body == fixture("onos", "application-register-org.kreonet.vdno.json")
    s, _, body = o.call("POST", "/onos/v1/intents", body=json.dumps(req), auth=AUTH,
                        content_type="application/x-www-form-urlencoded")
    assert s == 415 and body == {"code": 415, "message": "HTTP 415 Unsupported Media Type"}
    s, h, raw = o.call("POST", "/onos/v1/intents", body=req, auth=AUTH, raw=True)
    assert s == 201 and raw == b""
    assert h["Location"] == "%s/onos/v1/intents/org.kreonet.vdno/16" % o.url
    key_url = "/onos/v1/intents/org.kreonet.vdno/VDN%2Fdemo1%2F00%3A1B%3A21%3A5E%3A03%3A11"
    s, _, raw = o.call("GET", key_url, auth=AUTH, raw=True)
    assert s == 200 and b'"bandwidth":5.0E8' in raw
    assert json.loads(raw) == fixture("onos", "intent-org.kreonet.vdno-VDN_demo1_00_1B_21_5E_03_11.json")
    # The Location carries the numeric id, not the string key: a GET on it finds nothing.
    assert o.call("GET", "/onos/v1/intents/org.kreonet.vdno/16", auth=AUTH)[0] == 404
    # DESIGN's key form (no '/'), second intent
    req2 = dict(req, key="VDN:demo1:001b215e0312", one="00:1B:21:5E:03:12/None")
    assert o.call("POST", "/onos/v1/intents", body=req2, auth=AUTH)[0] == 201
    s, _, lst = o.call("GET", "/onos/v1/intents", auth=AUTH)
    assert [(i["key"], i["state"], i["id"]) for i in lst["intents"]] == [
        ("VDN/demo1/00:1B:21:5E:03:11", "INSTALLED", "0x10"), ("VDN:demo1:001b215e0312", "INSTALLED", "0x11")]
    assert set(lst["intents"][0]) == {"type", "id", "key", "appId", "resources", "state"}
    s, _, det = o.call("GET", "/onos/v1/intents?detail=true", auth=AUTH)
    assert det["intents"][1]["constraints"][1] == {"bandwidth": 5e8, "type": "BandwidthConstraint"}
    # unknown keys: numeric -> 404, non-numeric -> 400, unknown app -> 404
    s, _, body = o.call("GET", "/onos/v1/intents/org.kreonet.vdno/VDN%2Fdemo9%2F00%3A1B%3A21%3A5E%3A03%3A11",
                        auth=AUTH)
    assert s == 400 and body == fixture("onos", "error-intent-string-key-not-found.json")
    s, _, body = o.call("GET", "/onos/v1/intents/org.kreonet.vdno/0x99", auth=AUTH)
    assert s == 404 and body == fixture("onos", "error-intent-not-found.json")
    s, _, body = o.call("GET", "/onos/v1/intents/org.nobody/VDN:x", auth=AUTH)
    assert s == 404 and body == fixture("onos", "error-intent-app-not-found.json")
    # delete: 204, then the same string key is unknown -> 400 (README 3.7); numeric unknown -> 204
    assert o.call("DELETE", "/onos/v1/intents/org.kreonet.vdno/VDN:demo1:001b215e0312", auth=AUTH)[0] == 204
    assert o.call("DELETE", "/onos/v1/intents/org.kreonet.vdno/VDN:demo1:001b215e0312", auth=AUTH)[0] == 400
    assert o.call("DELETE", "/onos/v1/intents/org.kreonet.vdno/12345", auth=AUTH)[0] == 204
    st = o.state()
    assert [i["key"] for i in st["intents"]] == ["VDN/demo1/00:1B:21:5E:03:11"]
    assert {"id": 187, "name": "org.kreonet.vdno"} in st["apps"]
    assert [r["status"] for r in o.requests(method="POST", path="/intents")] == [404, 415, 201, 201]


def test_onos_state_overrides(o):
    o.set_state({"portLoad": {"device": "of:0000000000000005", "port": 1, "txBps": 9.5e9, "rxBps": 1e9},
                 "newIntentState": "FAILED"})
    s, _, body = o.call("GET", "/onos/v1/statistics/delta/ports/of:0000000000000005/1", auth=AUTH)
    p = body["statistics"][0]["ports"][0]
    assert p["bytesSent"] * 8 / p["durationSec"] == 9.5e9 and p["bytesReceived"] * 8 / p["durationSec"] == 1e9
    o.call("POST", "/onos/v1/applications/org.kreonet.vdno/register", auth=AUTH)
    assert o.call("POST", "/onos/v1/intents", body=fixture("onos", "intent-post-request-p2p.json"), auth=AUTH)[0] == 201
    assert o.state()["intents"][0]["state"] == "FAILED"
    o.set_state({"statistics": fixture("onos", "statistics-delta-ports.json"), "newIntentState": "INSTALLED"})
    assert o.call("GET", "/onos/v1/statistics/delta/ports", auth=AUTH)[2] == fixture("onos",
                                                                                      "statistics-delta-ports.json")
    hosts = fixture("onos", "hosts.json")["hosts"]
    o.set_state({"hosts": hosts[:1]})
    assert len(o.call("GET", "/onos/v1/hosts", auth=AUTH)[2]["hosts"]) == 1
    o.set_state({"hosts": hosts})


def test_onos_seed_intents():
    with Fake("onos.py", "--seed-intents") as oo:
        s, _, body = oo.call("GET", "/onos/v1/intents", auth=AUTH)
        assert body == fixture("onos", "intents.json")
        s, _, body = oo.call("GET", "/onos/v1/intents?detail=true", auth=AUTH)
        assert body == fixture("onos", "intents-detail.json")
        s, _, body = oo.call("GET", "/onos/v1/intents/org.onosproject.cli/19", auth=AUTH)  # long key 0x13
        assert s == 200 and body["id"] == "0x13"
