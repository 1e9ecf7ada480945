"""multicni as a runtime drives it, against the fake Kubernetes API (test/fakes/kube_api.py).

multicni runs inside the test's "host" namespace, like the other plugins; the fakes listen on
127.0.0.1 of the test's own namespace and a small relay makes the same port answer on the host
namespace's loopback, so TLS names and URLs stay 127.0.0.1. Delegates are the recording
test/integration/fake-ipam (it logs the config and environment it gets and answers what its
config says) and the real host-device and macvlan on veth "NICs"."""
import base64
import ctypes
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import (BIN, FAKES, REF_CNI, ROOT, TEST_PLUGINS, addrs, assert_cni_error, cni,
                      ip, ipam_calls, link_json, make_nic)

sys.path.insert(0, str(FAKES))
from client import Fake  # noqa: E402

TOKEN = "tok-multicni-1"
TOKEN2 = "tok-multicni-2"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class Relay:
    """127.0.0.1:port inside namespace `ns` → 127.0.0.1:port of the test's namespace."""

    def __init__(self, ns, port):
        self.port = port
        self.lsock = None
        made = {}

        def listen():
            # setns changes only this thread, which ends here; the socket keeps the namespace
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                _setns(fd)
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
                s.listen(64)
                made["sock"] = s
            except OSError as e:
                made["error"] = e
            finally:
                os.close(fd)
        t = threading.Thread(target=listen)
        t.start()
        t.join()
        if "error" in made:
            raise made["error"]
        self.lsock = made["sock"]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.lsock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
                try:
                    s.shutdown(how)
                except OSError:
                    pass

    def close(self):
        if self.lsock:
            self.lsock.close()


# ------------------------------------------------------------------ certificates and fakes
@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("pki")

    def run(*a):
        subprocess.run(["openssl"] + list(a), cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj",
        "/CN=multicni-test-ca")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=kube-apiserver")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "srv.crt", "-days", "2", "-extfile", "san.ext")
    run("req", *ec, "-keyout", "cli.key", "-out", "cli.csr", "-subj",
        "/O=system:nodes/CN=system:node:worker-1")
    run("x509", "-req", "-in", "cli.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "cli.crt", "-days", "2")
    return {k: str(d / v) for k, v in {"ca": "ca.crt", "srv": "srv.crt", "srvkey": "srv.key",
                                       "cli": "cli.crt", "clikey": "cli.key"}.items()}


@pytest.fixture(scope="module")
def kube_server(pki):
    with Fake("kube_api.py", "--cert", pki["srv"], "--key", pki["srvkey"], "--client-ca",
              pki["ca"], "--token", TOKEN, "--token", TOKEN2, "--basic", "node-user:pa55-w0rd",
              "--quiet", cafile=pki["ca"]) as f:
        yield f


@pytest.fixture
def kube(kube_server):
    kube_server.clear_injections()
    kube_server.reset_requests()
    kube_server.set_state({"pods": []})
    return kube_server


@pytest.fixture
def api(kube, host):
    """The fake API, reachable from the host namespace at the same URL."""
    relay = Relay(host, kube.port)
    try:
        yield kube
    finally:
        relay.close()


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def write_kubeconfig(path, server, cluster=None, user=None):
    """A kubeconfig in client-go's layout (JSON is YAML, libyaml reads it)."""
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "node",
           "clusters": [{"name": "c", "cluster": dict({"server": server}, **(cluster or {}))}],
           "contexts": [{"name": "node", "context": {"cluster": "c", "user": "u"}}],
           "users": [{"name": "u", "user": user or {}}]}
    path.write_text(json.dumps(doc, indent=2))
    os.chmod(path, 0o600)
    return str(path)


@pytest.fixture
def kcfg(tmp_path, api, pki):
    """The token form with a CA file: the usual node kubeconfig of these tests."""
    return write_kubeconfig(tmp_path / "multicni.kubeconfig", api.url,
                            {"certificate-authority": pki["ca"]}, {"token": TOKEN})


def seed_pod(kube, name, annotations=None, ns="default"):
    pod = {"metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]},
           "status": {"phase": "Pending"}}
    pods = [p for p in kube.state()["pods"]
            if (p["metadata"]["namespace"], p["metadata"]["name"]) != (ns, name)]
    kube.set_state({"pods": pods + [pod]})


def pod_annotations(kube, name, ns="default"):
    for p in kube.state()["pods"]:
        if (p["metadata"]["namespace"], p["metadata"]["name"]) == (ns, name):
            return p["metadata"].get("annotations", {})
    return None


# ------------------------------------------------------------------ configs
def rec(name, log, answers=None):
    """A recording delegate: fake-ipam used as a plugin."""
    ipam = {"log": str(log)}
    if answers:
        ipam["answers"] = answers
    return {"name": name, "type": "fake-ipam", "ipam": ipam}


def mc_conf(state, plugins, version="1.0.0", **keys):
    c = {"cniVersion": version, "name": "mcnet", "type": "multicni", "stateDir": str(state),
         "plugins": plugins, "default": plugins[0]["name"], "logLevel": "debug"}
    c.update(keys)
    return c


def k8s_args(pod, ns="default"):
    a = f"IgnoreUnknown=1;K8S_POD_NAME={pod}"
    if ns is not None:
        a += f";K8S_POD_NAMESPACE={ns};K8S_POD_INFRA_CONTAINER_ID=ctr1"
    return a


def calls(log, command=None):
    return [c for c in ipam_calls(log) if command is None or c["command"] == command]


def caches(state):
    return sorted(p for p in os.listdir(state) if p.endswith(".json")) \
        if os.path.isdir(state) else []


@pytest.fixture
def recs(tmp_path):
    """Two recording delegates with their own logs."""
    la, lb = tmp_path / "a.log", tmp_path / "b.log"
    return la, lb, [rec("rec-a", la), rec("rec-b", lb)]


# ------------------------------------------------------------------ kubeconfig forms
def test_token_kubeconfig_cni_plugins_annotation_selects_in_order(host, netns, tmp_path, kcfg,
                                                                  api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b", "rec-a"]'})
    pod = netns.new("pod")
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg)

    res = cni("multicni", "ADD", c, host=host, netns=netns.path(pod), args=k8s_args("web"))
    assert res.rc == 0, res
    (b,), (a,) = calls(lb, "ADD"), calls(la, "ADD")
    assert b["env"]["CNI_IFNAME"] == "eth0" and a["env"]["CNI_IFNAME"] == "net1"
    # name and cniVersion are multicni's, the rest is the plugin object
    assert b["stdin"]["name"] == "mcnet" and b["stdin"]["cniVersion"] == "1.0.0"
    assert b["stdin"]["ipam"] == {"log": str(lb)}
    assert res.json["cniVersion"] == "1.0.0"
    assert len(res.json["ips"]) == 2
    gets = api.requests(method="GET", path="/pods/web")
    assert gets and gets[0]["headers"].get("Authorization") == "Bearer"
    assert gets[0]["user"] == "token-1"
    assert caches(tmp_path / "st") == ["ctr1-eth0.json"]


def test_client_certificate_data_kubeconfig(host, netns, tmp_path, api, pki, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    kc = write_kubeconfig(tmp_path / "kc", api.url, {"certificate-authority-data": b64(pki["ca"])},
                          {"client-certificate-data": b64(pki["cli"]),
                           "client-key-data": b64(pki["clikey"])})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert len(calls(lb, "ADD")) == 1 and calls(la) == []
    get = api.requests(method="GET", path="/pods/web")[0]
    assert get["clientCert"] == "system:node:worker-1"
    assert "Authorization" not in get["headers"]


def test_client_certificate_files_relative_to_kubeconfig(host, netns, tmp_path, api, pki, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    d = tmp_path / "multicni.d"
    d.mkdir()
    for k, name in (("ca", "ca.crt"), ("cli", "node.crt"), ("clikey", "node.key")):
        shutil.copy(pki[k], d / name)
    kc = write_kubeconfig(d / "multicni.kubeconfig", api.url, {"certificate-authority": "ca.crt"},
                          {"client-certificate": "node.crt", "client-key": "node.key"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert api.requests(method="GET", path="/pods/web")[0]["clientCert"] == "system:node:worker-1"


def test_token_file_is_read_at_every_call(host, netns, tmp_path, api, pki, recs):
    """A rotated service-account token must be picked up (Multus #852)."""
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    tokfile = tmp_path / "token"
    tokfile.write_text(TOKEN + "\n")
    os.chmod(tokfile, 0o600)
    kc = write_kubeconfig(tmp_path / "kc", api.url, {"certificate-authority": pki["ca"]},
                          {"tokenFile": "token"})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kc)
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "ADD", c, host=host, netns=pod, args=k8s_args("web")).rc == 0
    assert cni("multicni", "DEL", c, host=host, netns=pod, args=k8s_args("web")).rc == 0
    tokfile.write_text(TOKEN2 + "\n")
    res = cni("multicni", "ADD", c, host=host, netns=pod, args=k8s_args("web"))
    assert res.rc == 0, res
    assert [r["user"] for r in api.requests(method="GET", path="/pods/web")] == \
        ["token-1", "token-2"]


def test_username_password_kubeconfig(host, netns, tmp_path, api, pki, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    kc = write_kubeconfig(tmp_path / "kc", api.url, {"certificate-authority": pki["ca"]},
                          {"username": "node-user", "password": "pa55-w0rd"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    get = api.requests(method="GET", path="/pods/web")[0]
    assert get["headers"]["Authorization"] == "Basic" and get["user"] == "node-user"
    assert "pa55-w0rd" not in res.stderr


def test_insecure_skip_tls_verify(host, netns, tmp_path, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    kc = write_kubeconfig(tmp_path / "kc", api.url, {"insecure-skip-tls-verify": True},
                          {"token": TOKEN})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert len(calls(lb, "ADD")) == 1


def test_untrusted_server_certificate_fails_without_running_delegates(host, netns, tmp_path,
                                                                      api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    kc = write_kubeconfig(tmp_path / "kc", api.url, {}, {"token": TOKEN})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc != 0 and res.json["code"] in (11, 103), res
    assert calls(la) == [] and calls(lb) == []
    assert caches(tmp_path / "st") == []


def test_invalid_token_is_a_clear_unauthorized_error(host, netns, tmp_path, api, pki, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    kc = write_kubeconfig(tmp_path / "kc", api.url, {"certificate-authority": pki["ca"]},
                          {"token": "expired-token-123"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kc), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert_cni_error(res, 103, "401 Unauthorized")
    assert "default/web" in res.json["msg"]
    assert kc in res.json.get("details", "")
    assert "expired-token-123" not in res.stdout + res.stderr
    assert calls(la) == [] and calls(lb) == []
    assert caches(tmp_path / "st") == []


# ------------------------------------------------------------------ annotations
def test_multus_short_form_with_namespace_and_interface(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks": " rec-a , default/rec-b@net5 "},
             ns="apps")
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web", ns="apps"))
    assert res.rc == 0, res
    assert calls(la, "ADD")[0]["env"]["CNI_IFNAME"] == "eth0"
    assert calls(lb, "ADD")[0]["env"]["CNI_IFNAME"] == "net5"
    status = json.loads(pod_annotations(api, "web", "apps")["k8s.v1.cni.cncf.io/network-status"])
    assert [(s["name"], s["interface"], s["default"]) for s in status] == \
        [("apps/rec-a", "eth0", True), ("default/rec-b", "net5", False)]
    assert status[0]["ips"] == ["10.55.0.2"] and status[0]["dns"] == {}


def test_multus_json_form_passes_interface_mac_ips_and_cni_args(host, netns, tmp_path, kcfg,
                                                                api, recs):
    la, lb, plugins = recs
    plugins[1]["args"] = {"cni": {"labels": ["x"], "vdnId": "from-config"}}
    seed_pod(api, "web", {
        "k8s.v1.cni.cncf.io/networks": json.dumps([
            {"name": "rec-a"},
            {"name": "rec-b", "namespace": "other", "interface": "fast0",
             "mac": "02:00:00:00:00:b1", "ips": ["10.9.0.5/24", "fd00::5"],
             "cni-args": {"vdnId": "vdn-blue", "extra": 7}}]),
        "vdno.kreonet.net/vdn-id": "vdn-red",
        "vdno.kreonet.net/mac": "02:00:00:00:00:a1"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    a, b = calls(la, "ADD")[0], calls(lb, "ADD")[0]
    assert b["env"]["CNI_IFNAME"] == "fast0"
    assert b["stdin"]["runtimeConfig"] == {"mac": "02:00:00:00:00:b1",
                                           "ips": ["10.9.0.5/24", "fd00::5"]}
    # the element's cni-args win over the pod's vdn-id, which wins over the plugin's args
    assert b["stdin"]["args"]["cni"] == {"labels": ["x"], "vdnId": "vdn-blue", "extra": 7}
    # the pod's MAC goes to the first network only, its vdn-id to every one
    assert a["stdin"]["runtimeConfig"] == {"mac": "02:00:00:00:00:a1"}
    assert a["stdin"]["args"]["cni"] == {"vdnId": "vdn-red"}
    status = json.loads(pod_annotations(api, "web")["k8s.v1.cni.cncf.io/network-status"])
    assert [s["name"] for s in status] == ["default/rec-a", "other/rec-b"]


def test_vdno_annotations_reach_every_delegate(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-a", "rec-b"]',
                          "vdno.kreonet.net/vdn-id": "vdn-7",
                          "vdno.kreonet.net/mac": "02:aa:00:00:00:07"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    a, b = calls(la, "ADD")[0]["stdin"], calls(lb, "ADD")[0]["stdin"]
    assert a["args"]["cni"]["vdnId"] == b["args"]["cni"]["vdnId"] == "vdn-7"
    assert a["runtimeConfig"]["mac"] == "02:aa:00:00:00:07"
    assert "runtimeConfig" not in b


def test_networks_annotation_wins_over_cni_plugins(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks": "rec-b",
                          "cni-plugins": '["rec-a"]'})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert calls(la) == [] and len(calls(lb, "ADD")) == 1


def test_pod_without_annotation_gets_default(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"unrelated": "x"})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg, default="rec-b")
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")),
              args=k8s_args("web"))
    assert res.rc == 0, res
    assert calls(la) == [] and calls(lb, "ADD")[0]["env"]["CNI_IFNAME"] == "eth0"
    status = json.loads(pod_annotations(api, "web")["k8s.v1.cni.cncf.io/network-status"])
    assert status[0]["name"] == "rec-b" and status[0]["default"] is True


def test_no_k8s_args_gets_default_without_asking_the_api(host, netns, tmp_path, kcfg, api,
                                                         recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg, default="rec-b")
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")))
    assert res.rc == 0, res
    assert len(calls(lb, "ADD")) == 1
    assert api.requests() == []


def test_podman_style_name_only_and_unknown_pod_get_default(host, netns, tmp_path, kcfg, api,
                                                             recs):
    """podman passes K8S_POD_NAME (the container's name) without a namespace."""
    la, lb, plugins = recs
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args="K8S_POD_NAME=podman-ctr")
    assert res.rc == 0, res
    assert len(calls(la, "ADD")) == 1
    assert api.requests(method="GET")[0]["path"] == "/api/v1/namespaces/default/pods/podman-ctr"
    assert api.requests(method="PATCH") == []


def test_unknown_plugin_fails_naming_it_and_leaves_nothing(host, netns, tmp_path, kcfg, api,
                                                           recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks": "rec-a,sriov-net"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert_cni_error(res, 7, '"sriov-net"')
    assert "rec-a, rec-b" in res.json["details"]
    assert calls(la) == [] and calls(lb) == []
    assert caches(tmp_path / "st") == []

    seed_pod(api, "web", {"cni-plugins": '["nope"]'})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod2")), args=k8s_args("web"))
    assert_cni_error(res, 7, "cni-plugins")
    assert '"nope"' in res.json["msg"]


@pytest.mark.parametrize("networks,fragment", [
    ("rec-a@net1,rec-b@net1", "net1 is asked for twice"),
    ("rec-a,rec-b@eth0", "CNI_IFNAME"),
    ("rec-a,rec-b@a/b", "invalid interface name"),
    ("rec-a,rec-b@waytoolonginterface", "1-15 bytes"),
    ("rec-a,,rec-b", "empty item"),
    ("rec-a@x@y", "more than one interface"),
    ("Bad_NS/rec-a", "namespace/]name"),
    ('[{"name": "rec-a", "mac": "zz"}]', "not a MAC"),
    ('[{"name": "rec-a", "ips": ["10.0.0.300"]}]', "not an IP address"),
    ('[{"interface": "x"}]', 'no "name"'),
    ('{"name": "rec-a"}', "not a JSON list"),
])
def test_bad_networks_annotation_is_a_clear_error(host, netns, tmp_path, kcfg, api, recs,
                                                  networks, fragment):
    la, lb, plugins = recs
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks": networks})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert_cni_error(res, 7, fragment)
    assert calls(la) == [] and calls(lb) == [] and caches(tmp_path / "st") == []


def test_unsupported_npwg_key_is_error_2(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks":
                          '[{"name": "rec-a", "default-route": ["10.0.0.1"]}]'})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert_cni_error(res, 2, '"default-route"')


def test_generated_names_step_past_requested_ones(host, netns, tmp_path, kcfg, api):
    logs = [tmp_path / f"{n}.log" for n in "abc"]
    plugins = [rec(f"rec-{n}", l) for n, l in zip("abc", logs)]
    seed_pod(api, "web", {"k8s.v1.cni.cncf.io/networks": "rec-a,rec-b@net2,rec-c,rec-a"})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    names = [c["env"]["CNI_IFNAME"] for l in logs for c in calls(l, "ADD")]
    # rec-a twice (eth0, net4), rec-b net2, rec-c net3
    assert sorted(names) == ["eth0", "net2", "net3", "net4"]


def test_ifname_already_in_pod_fails_before_any_delegate(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-a", "rec-b"]'})
    pod = netns.new("pod")
    ip("link", "add", "net1", "type", "veth", "peer", "name", "other", ns=pod)
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(pod), args=k8s_args("web"))
    assert_cni_error(res, 4, "net1")
    assert calls(la) == [] and calls(lb) == []
    assert link_json("net1", pod) is not None
    assert caches(tmp_path / "st") == []


def test_add_twice_without_del_is_refused(host, netns, tmp_path, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "ADD", c, host=host, netns=pod).rc == 0
    assert_cni_error(cni("multicni", "ADD", c, host=host, netns=pod), 4, "DEL it")
    assert len(calls(la, "ADD")) == 1


# ------------------------------------------------------------------ results
def test_result_is_printed_in_multicnis_version(host, netns, tmp_path):
    la = tmp_path / "a.log"
    ra = {"cniVersion": "1.1.0", "interfaces": [{"name": "eth0", "mac": "02:00:00:00:00:01",
                                                 "sandbox": "/x"}],
          "ips": [{"address": "10.1.0.2/24", "gateway": "10.1.0.1", "interface": 0}]}
    for version in ("1.1.0", "1.0.0", "0.4.0", "0.3.1", "0.2.0"):
        c = mc_conf(tmp_path / "st", [rec("a", la, {"ADD": ra})], version=version)
        pod = netns.path(netns.new(f"p{version.replace('.', '')}"))
        res = cni("multicni", "ADD", c, host=host, netns=pod)
        assert res.rc == 0, res
        assert res.json["cniVersion"] == version
        if version == "0.2.0":
            assert res.json["ip4"] == {"ip": "10.1.0.2/24", "gateway": "10.1.0.1"}
        else:
            assert res.json["ips"][0]["address"] == "10.1.0.2/24"
            assert ("version" in res.json["ips"][0]) == version.startswith("0.")
        assert calls(la, "ADD")[-1]["stdin"]["cniVersion"] == version
        assert cni("multicni", "DEL", c, host=host, netns=pod).rc == 0


def test_merged_result_of_two_delegates(host, netns, tmp_path, kcfg, api):
    la, lb = tmp_path / "a.log", tmp_path / "b.log"
    ra = {"cniVersion": "0.3.1", "interfaces": [{"name": "eth0", "sandbox": "/x"}],
          "ips": [{"version": "4", "address": "10.1.0.2/24", "interface": 0}],
          "dns": {"nameservers": ["10.1.0.1"]}}
    rb = {"cniVersion": "0.3.1", "interfaces": [{"name": "veth-host"},
                                                {"name": "net1", "sandbox": "/x"}],
          "ips": [{"version": "4", "address": "10.2.0.2/24", "interface": 1},
                  {"version": "6", "address": "fd02::2/64", "interface": 1}],
          "routes": [{"dst": "10.99.0.0/16", "gw": "10.2.0.1"}]}
    plugins = [rec("a", la, {"ADD": ra}), rec("b", lb, {"ADD": rb})]
    seed_pod(api, "web", {"cni-plugins": '["a", "b"]'})
    c = mc_conf(tmp_path / "st", plugins, version="0.3.1", kubeconfig=kcfg)
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")),
              args=k8s_args("web"))
    assert res.rc == 0, res
    r = res.json
    assert r["cniVersion"] == "0.3.1"
    assert [i["name"] for i in r["interfaces"]] == ["eth0", "veth-host", "net1"]
    assert [(i["address"], i["interface"], i["version"]) for i in r["ips"]] == \
        [("10.1.0.2/24", 0, "4"), ("10.2.0.2/24", 2, "4"), ("fd02::2/64", 2, "6")]
    assert r["routes"] == [{"dst": "10.99.0.0/16", "gw": "10.2.0.1"}]
    assert r["dns"] == {"nameservers": ["10.1.0.1"]}
    status = json.loads(pod_annotations(api, "web")["k8s.v1.cni.cncf.io/network-status"])
    assert [(s["interface"], s["ips"]) for s in status] == \
        [("eth0", ["10.1.0.2"]), ("net1", ["10.2.0.2", "fd02::2"])]
    assert status[0]["dns"] == {"nameservers": ["10.1.0.1"]}


def test_runtime_mac_and_ip_args_go_to_the_first_delegate_only(host, netns, tmp_path, kcfg, api,
                                                               recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-a", "rec-b"]'})
    args = k8s_args("web") + ";MAC=02:00:00:00:00:99;IP=10.55.0.9"
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg,
                runtimeConfig={"portMappings": [{"hostPort": 8080, "containerPort": 80}]})
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")), args=args)
    assert res.rc == 0, res
    a, b = calls(la, "ADD")[0], calls(lb, "ADD")[0]
    assert a["env"]["CNI_ARGS"] == args
    assert "MAC=" not in b["env"]["CNI_ARGS"] and "IP=" not in b["env"]["CNI_ARGS"]
    assert "K8S_POD_NAME=web" in b["env"]["CNI_ARGS"]
    assert b["env"]["CNI_ARGS"].startswith("IgnoreUnknown=1;")
    assert a["stdin"]["runtimeConfig"] == {"portMappings": [{"hostPort": 8080,
                                                             "containerPort": 80}]}
    assert "runtimeConfig" not in b["stdin"]


# ------------------------------------------------------------------ rollback, DEL, cache
def test_second_delegate_fails_first_is_removed(host, wire, netns, tmp_path, kcfg, api):
    make_nic(host, "nic0", wire)
    lb = tmp_path / "b.log"
    plugins = [{"name": "fast", "type": "host-device", "device": "nic0",
                "stateDir": str(tmp_path / "hd"),
                "ipam": {"type": "static", "addresses": [{"address": "10.30.0.2/24"}]}},
               rec("broken", lb, {"ADD": {"code": 11, "msg": "vDHCP has no address left"}})]
    seed_pod(api, "web", {"cni-plugins": '["fast", "broken"]'})
    pod = netns.new("pod")
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(pod), args=k8s_args("web"))
    assert_cni_error(res, 11, "vDHCP has no address left")
    assert "broken on net1" in res.json["msg"]
    assert link_json("nic0", host) is not None            # the NIC is back on the node
    assert link_json("eth0", pod) is None
    assert [c["command"] for c in calls(lb)] == ["ADD", "DEL"]
    assert caches(tmp_path / "st") == []
    assert api.requests(method="PATCH") == []


def test_del_from_cache_with_api_stopped_and_pod_gone(host, wire, netns, tmp_path, pki):
    make_nic(host, "nic0", wire)
    make_nic(host, "nic1", wire)
    pod = netns.new("pod")
    lr = tmp_path / "r.log"
    plugins = [{"name": "fast", "type": "host-device", "device": "nic0",
                "stateDir": str(tmp_path / "hd")},
               {"name": "mgmt", "type": "macvlan", "master": "nic1", "mode": "bridge",
                "ipam": {"type": "static", "addresses": [{"address": "10.40.0.2/24"}]}},
               rec("rec", lr)]
    with Fake("kube_api.py", "--cert", pki["srv"], "--key", pki["srvkey"], "--token", TOKEN,
              "--quiet", cafile=pki["ca"]) as k:
        relay = Relay(host, k.port)
        try:
            kc = write_kubeconfig(tmp_path / "kc", k.url, {"certificate-authority": pki["ca"]},
                                  {"token": TOKEN})
            seed_pod(k, "web", {"k8s.v1.cni.cncf.io/networks": "fast,mgmt,rec"})
            c = mc_conf(tmp_path / "st", plugins, kubeconfig=kc)
            res = cni("multicni", "ADD", c, host=host, netns=netns.path(pod),
                      args=k8s_args("web"))
            assert res.rc == 0, res
            assert link_json("eth0", pod)["ifalias"] == "nic0"
            assert link_json("net1", pod)["linkinfo"]["info_kind"] == "macvlan"
            assert addrs("net1", pod) == ["10.40.0.2/24"]
            k.set_state({"pods": []})                      # the pod is gone ...
        finally:
            relay.close()
    # ... and so is the API server
    res = cni("multicni", "DEL", c, host=host, netns=netns.path(pod), args=k8s_args("web"))
    assert res.rc == 0, res
    assert link_json("nic0", host) is not None
    assert link_json("net1", pod) is None
    assert [x["command"] for x in calls(lr)] == ["ADD", "DEL"]
    assert caches(tmp_path / "st") == []


def test_failed_delegate_del_keeps_cache_and_retry_finishes(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    plugins = [{"name": "fast", "type": "host-device", "device": "nic0",
                "stateDir": str(tmp_path / "hd")}]
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.new("pod")
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    # the node now holds a link under the NIC's name: host-device cannot give it back (11)
    ip("link", "add", "nic0", "type", "veth", "peer", "name", "blocker", ns=host)
    res = cni("multicni", "DEL", c, host=host, netns=netns.path(pod))
    assert_cni_error(res, 11, "1 of 1 delegates not deleted")
    assert caches(tmp_path / "st") == ["ctr1-eth0.json"]
    ip("link", "del", "nic0", ns=host)
    res = cni("multicni", "DEL", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert link_json("nic0", host) is not None
    assert caches(tmp_path / "st") == []
    assert cni("multicni", "DEL", c, host=host, netns=netns.path(pod)).rc == 0


def test_failed_del_keeps_only_what_failed(host, wire, netns, tmp_path, kcfg, api):
    make_nic(host, "nic0", wire)
    lr = tmp_path / "r.log"
    plugins = [rec("rec", lr), {"name": "fast", "type": "host-device", "device": "nic0",
                                "stateDir": str(tmp_path / "hd")}]
    seed_pod(api, "web", {"cni-plugins": '["rec", "fast"]'})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg)
    pod = netns.new("pod")
    assert cni("multicni", "ADD", c, host=host, netns=netns.path(pod),
               args=k8s_args("web")).rc == 0
    ip("link", "add", "nic0", "type", "veth", "peer", "name", "blocker", ns=host)
    res = cni("multicni", "DEL", c, host=host, netns=netns.path(pod), args=k8s_args("web"))
    assert_cni_error(res, 11, "1 of 2 delegates not deleted")
    with open(tmp_path / "st" / "ctr1-eth0.json") as f:
        kept = json.load(f)
    assert [d["plugin"] for d in kept["delegates"]] == ["fast"]
    ip("link", "del", "nic0", ns=host)
    assert cni("multicni", "DEL", c, host=host, netns=netns.path(pod)).rc == 0
    # rec was deleted once, by the first DEL, and not again
    assert [x["command"] for x in calls(lr)] == ["ADD", "DEL"]
    assert caches(tmp_path / "st") == []


def test_del_twice_and_del_without_add(host, netns, tmp_path, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "DEL", c, host=host, netns=pod).rc == 0
    assert cni("multicni", "ADD", c, host=host, netns=pod).rc == 0
    for _ in range(2):
        res = cni("multicni", "DEL", c, host=host, netns=pod)
        assert res.rc == 0 and res.stdout == "", res
    assert [x["command"] for x in calls(la)] == ["ADD", "DEL"]


def test_del_uses_the_cached_config_not_the_current_one(host, netns, tmp_path, recs):
    """An edited conflist must not change what DEL does to a pod attached before (Multus #164)."""
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "ADD", c, host=host, netns=pod).rc == 0
    edited = mc_conf(tmp_path / "st", [rec("rec-a", lb)])
    assert cni("multicni", "DEL", edited, host=host, netns=pod).rc == 0
    assert [x["command"] for x in calls(la)] == ["ADD", "DEL"]
    assert calls(lb) == []


def test_del_prev_result_is_the_delegates_own(host, netns, tmp_path, recs):
    la, lb, plugins = recs
    for version, has_prev in (("1.0.0", True), ("0.3.1", False)):
        c = mc_conf(tmp_path / f"st{version}", plugins, version=version)
        pod = netns.path(netns.new(f"pod{version.replace('.', '')}"))
        assert cni("multicni", "ADD", c, host=host, netns=pod).rc == 0
        assert cni("multicni", "DEL", c, host=host, netns=pod).rc == 0
        d = calls(la, "DEL")[-1]["stdin"]
        assert ("prevResult" in d) == has_prev
        if has_prev:
            assert d["prevResult"]["ips"][0]["address"] == "10.55.0.2/24"


# ------------------------------------------------------------------ CHECK, GC, STATUS
def test_check_every_delegate_from_the_cache(host, wire, netns, tmp_path, recs):
    make_nic(host, "nic0", wire)
    la, lb, plugins = recs
    plugins = [{"name": "fast", "type": "host-device", "device": "nic0",
                "stateDir": str(tmp_path / "hd"),
                "ipam": {"type": "static", "addresses": [{"address": "10.30.0.2/24"}]}}]
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.new("pod")
    assert_cni_error(cni("multicni", "CHECK", c, host=host, netns=netns.path(pod)), 104,
                     "no multicni attachment")
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    c["prevResult"] = res.json
    res = cni("multicni", "CHECK", c, host=host, netns=netns.path(pod))
    assert res.rc == 0 and res.stdout == "", res
    ip("addr", "del", "10.30.0.2/24", "dev", "eth0", ns=pod)
    assert_cni_error(cni("multicni", "CHECK", c, host=host, netns=netns.path(pod)), 104)


def test_check_reaches_recording_delegates_with_prev_result(host, netns, tmp_path, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins)
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "ADD", c, host=host, netns=pod).rc == 0
    assert cni("multicni", "CHECK", c, host=host, netns=pod).rc == 0
    (chk,) = calls(la, "CHECK")
    assert chk["stdin"]["prevResult"]["ips"][0]["address"] == "10.55.0.2/24"
    assert chk["env"]["CNI_IFNAME"] == "eth0"


def test_gc_deletes_stale_attachments_and_forwards_the_valid_ones(host, netns, tmp_path, kcfg,
                                                                  api, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins, version="1.1.0", kubeconfig=kcfg)
    seed_pod(api, "web", {"cni-plugins": '["rec-a", "rec-b"]'})
    p1, p2 = netns.path(netns.new("p1")), netns.path(netns.new("p2"))
    assert cni("multicni", "ADD", c, host=host, netns=p1, containerid="keep",
               args=k8s_args("web")).rc == 0
    assert cni("multicni", "ADD", c, host=host, netns=p2, containerid="stale",
               args=k8s_args("web")).rc == 0
    # another network's cache in the same folder is not ours to collect
    other = dict(c, name="othernet")
    assert cni("multicni", "ADD", other, host=host, netns=p2, containerid="foreign",
               args=k8s_args("web")).rc == 0
    gc = dict(c, **{"cni.dev/valid-attachments": [{"containerID": "keep", "ifname": "eth0"}]})
    res = cni("multicni", "GC", gc, host=host, containerid=None, netns=None, ifname=None)
    assert res.rc == 0, res
    assert caches(tmp_path / "st") == ["foreign-eth0.json", "keep-eth0.json"]
    dels = [(x["env"]["CNI_CONTAINERID"], x["env"]["CNI_IFNAME"]) for x in calls(la, "DEL")]
    assert dels == [("stale", "eth0")]
    (ga,), (gb,) = calls(la, "GC"), calls(lb, "GC")
    valid = [{"containerID": "keep", "ifname": "eth0"}, {"containerID": "keep", "ifname": "net1"}]
    assert ga["stdin"]["cni.dev/valid-attachments"] == valid
    assert gb["stdin"]["cni.dev/attachments"] == valid
    assert ga["stdin"]["name"] == "mcnet"


def test_gc_is_not_forwarded_when_a_valid_attachment_has_no_cache(host, netns, tmp_path, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins, version="1.1.0")
    gc = dict(c, **{"cni.dev/valid-attachments": [{"containerID": "lost", "ifname": "eth0"}]})
    res = cni("multicni", "GC", gc, host=host, containerid=None, netns=None, ifname=None)
    assert res.rc == 0, res
    assert calls(la) == [] and calls(lb) == []
    assert "has no multicni cache" in res.stderr


def test_status_asks_every_delegate(host, tmp_path, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins, version="1.1.0")
    res = cni("multicni", "STATUS", c, host=host, containerid=None, netns=None, ifname=None)
    assert res.rc == 0, res
    assert len(calls(la, "STATUS")) == 1 and len(calls(lb, "STATUS")) == 1
    plugins[1]["ipam"]["answers"] = {"STATUS": {"code": 51, "msg": "vDHCP unreachable"}}
    assert_cni_error(cni("multicni", "STATUS", c, host=host, containerid=None, netns=None,
                         ifname=None), 51, "vDHCP unreachable")
    c["plugins"].append({"name": "missing", "type": "no-such-plugin"})
    del plugins[1]["ipam"]["answers"]
    assert_cni_error(cni("multicni", "STATUS", c, host=host, containerid=None, netns=None,
                         ifname=None), 50, "no-such-plugin")
    c["kubeconfig"] = str(tmp_path / "missing.kubeconfig")
    assert_cni_error(cni("multicni", "STATUS", c, host=host, containerid=None, netns=None,
                         ifname=None), 50, "missing.kubeconfig")


# ------------------------------------------------------------------ API trouble
def test_api_hang_is_bounded_by_api_timeout(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    api.inject(method="GET", path="/pods/web", delay=30)
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg, apiTimeoutMs=1500)
    t0 = time.monotonic()
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")),
              args=k8s_args("web"))
    took = time.monotonic() - t0
    assert_cni_error(res, 11, "default/web")
    assert took < 5, took
    assert calls(la) == [] and calls(lb) == [] and caches(tmp_path / "st") == []


def test_api_5xx_is_retried_inside_the_budget(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    api.inject(method="GET", path="/pods/web", status=503, count=2)
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert len(api.requests(method="GET", path="/pods/web")) == 3


def test_failed_status_patch_is_only_a_warning(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    api.inject(method="PATCH", status=403)
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert "network-status not written" in res.stderr


def test_network_status_can_be_turned_off(host, netns, tmp_path, kcfg, api, recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=kcfg,
                                         networkStatus=False),
              host=host, netns=netns.path(netns.new("pod")), args=k8s_args("web"))
    assert res.rc == 0, res
    assert api.requests(method="PATCH") == []


# ------------------------------------------------------------------ configuration
@pytest.mark.parametrize("change,fragment", [
    (lambda c: c.update(plugins=[]), '"plugins" must be a non-empty list'),
    (lambda c: c["plugins"].append(dict(c["plugins"][0])), "names must be unique"),
    (lambda c: c.update(default="nope"), 'no plugin named "nope"'),
    (lambda c: c["plugins"][0].pop("type"), '"type"'),
    (lambda c: c["plugins"][0].update(name="bad name"), '"name"'),
    (lambda c: c.update(apiTimeoutMs=0), '"apiTimeoutMs"'),
    (lambda c: c.update(networkStatus="yes"), '"networkStatus"'),
])
def test_bad_config_is_error_7(host, netns, tmp_path, recs, change, fragment):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins)
    change(c)
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")))
    assert_cni_error(res, 7, fragment)


def test_in_cluster_service_account_when_kubeconfig_is_empty(host, netns, tmp_path, api, pki,
                                                             recs):
    la, lb, plugins = recs
    seed_pod(api, "web", {"cni-plugins": '["rec-b"]'})
    sa = tmp_path / "sa"
    sa.mkdir()
    shutil.copy(pki["ca"], sa / "ca.crt")
    (sa / "token").write_text(TOKEN2)
    (sa / "namespace").write_text("kube-system")
    os.chmod(sa / "token", 0o600)
    res = cni("multicni", "ADD", mc_conf(tmp_path / "st", plugins, kubeconfig=""), host=host,
              netns=netns.path(netns.new("pod")), args=k8s_args("web"),
              env={"KUBERNETES_SERVICE_HOST": "127.0.0.1",
                   "KUBERNETES_SERVICE_PORT": str(api.port), "VDN_SA_DIR": str(sa)})
    assert res.rc == 0, res
    assert api.requests(method="GET", path="/pods/web")[0]["user"] == "token-2"
    assert len(calls(lb, "ADD")) == 1


# ------------------------------------------------------------------ the paper's Table 3
TABLE3 = """{
"name": "multicni",
"type": "multicni",
"kubeconfig": "/home/kube/.kube/config",
"default": "macvlan",
"plugins": [
{
"name": "macvlan",
"type": "macvlan",
"master": "NIC",
"promiscMode": true,
"ipam": {
"type": "vdhcp",
"servers": [ {"url": "http://IP Address:Port/dhcp API path/", "user": "user_name", "password":
"password_text"} ]
}
},
{
"name": "host-device",
"type": "host-device",
"devices": [ "NIC#1", "NIC#2", "NIC#3"],
"ipam": {
"type": "vdhcp",
"servers": [ {"url": "http://IP Address:Port/dhcp API path/", "user": "user_name", "password":
"password_text"} ]
}
}
]
}"""


@pytest.mark.skipif(not (BIN / "vdhcp").exists(), reason="bin/vdhcp not built yet")
def test_paper_table3_config_verbatim(host, wire, netns, tmp_path, kcfg, api):
    """Table 3 as printed, with only the placeholders filled in: the node's NICs, the vDHCP
    URL and credentials, the kubeconfig path."""
    make_nic(host, "mgmt0", wire)
    make_nic(host, "fast0", wire)
    make_nic(host, "fast1", wire)
    with Fake("vdhcp_server.py", "--pool", "vdn-a=172.16.7.0/24", "--pool",
              "default=172.16.1.0/24", "--user", "user_name", "--password", "password_text",
              "--quiet") as v:
        relay = Relay(host, v.port)
        try:
            text = (TABLE3.replace('"master": "NIC"', '"master": "mgmt0"')
                    .replace('[ "NIC#1", "NIC#2", "NIC#3"]', '[ "fast0", "fast1", "nic-absent"]')
                    .replace("http://IP Address:Port/dhcp API path/",
                             v.url + "/vdn/v1/vdhcp/dhcp/")
                    .replace("/home/kube/.kube/config", kcfg))
            conf = json.loads(text)
            assert "cniVersion" not in conf              # verbatim: a 0.1.0 config
            seed_pod(api, "fast-pod", {"cni-plugins": '["host-device", "macvlan"]',
                                       "vdno.kreonet.net/vdn-id": "vdn-a"})
            pod = netns.new("pod")
            res = cni("multicni", "ADD", None, host=host, netns=netns.path(pod),
                      args=k8s_args("fast-pod"), stdin=text)
            assert res.rc == 0, res
            assert "ip4" in res.json                      # the 0.1.0 result shape
            assert res.json["ip4"]["ip"].startswith("172.16.7.")
            assert link_json("eth0", pod)["ifalias"] == "fast0"
            assert link_json("net1", pod)["linkinfo"]["info_kind"] == "macvlan"
            assert "PROMISC" in link_json("mgmt0", host)["flags"]
            leases = v.state()["leases"]
            assert {l["vdnId"] for l in leases.values()} == {"vdn-a"}
            assert len(leases) == 2
            res = cni("multicni", "DEL", None, host=host, netns=netns.path(pod),
                      args=k8s_args("fast-pod"), stdin=text)
            assert res.rc == 0, res
            assert v.state()["leases"] == {}
            assert len(v.requests(method="DELETE")) == 2
            assert {r["user"] for r in v.requests(method="PUT")} == {"user_name"}
            assert link_json("fast0", host) is not None
            assert link_json("net1", pod) is None
        finally:
            relay.close()


def test_conf_example_table3_conflist_holds_table3():
    with open(ROOT / "conf-examples" / "multicni-table3.conflist") as f:
        lst = json.load(f)
    (plugin,) = lst["plugins"]
    table3 = json.loads(TABLE3)
    assert plugin["type"] == "multicni"
    assert [p["type"] for p in plugin["plugins"]] == [p["type"] for p in table3["plugins"]]
    assert plugin["default"] == table3["default"]
    assert set(table3) <= set(plugin)
