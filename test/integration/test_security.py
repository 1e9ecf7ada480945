"""The security pass: secrets stay out of everything the plugins produce, state files cannot be
redirected or escaped, TLS is verified, loose credential files are warned about, and remote
answers are bounded.

Each secret is distinctive, so a plain substring search finds a leak anywhere: stdout, stderr,
the log files (at debug level) and every file of the state folders (copied while attachments are
live, and again at the end)."""
import base64
import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import FAKES, TEST_PLUGINS, assert_cni_error, cni, link_json, make_nic
from test_multicni import Relay, pki, write_kubeconfig  # noqa: F401  (pki is a fixture)

sys.path.insert(0, str(FAKES))
from client import Fake  # noqa: E402

PYTHON = "/usr/bin/python3"
BASE = "/vdn/v1/vdhcp/dhcp/"
USER = "onos"
PASSWORD = "S3cret-vdhcp-pw-91d7c"
TOKEN = "S3cret-kube-token-5ab2e"


class Produced:
    """Everything the plugins wrote that a user or an attacker could read."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.texts = []

    def add(self, res):
        self.texts += [f"stdout: {res.stdout}", f"stderr: {res.stderr}"]
        return res

    def snapshot(self):
        for p in sorted(self.tmp.rglob("*")):
            if p.is_file() and not p.is_symlink() and "secrets" not in p.parts:
                self.texts.append(f"{p}: {p.read_text(errors='replace')}")

    def assert_clean(self, secrets):
        for s in secrets:
            for t in self.texts:
                assert s not in t, f"secret {s[:12]}... found in {t[:300]}"


def key_secrets(path):
    """The body lines of a PEM private key, and the key as kubeconfig -data holds it."""
    text = open(path).read()
    body = [l for l in text.splitlines() if l and not l.startswith("-----")]
    return body + [base64.b64encode(text.encode()).decode()[:60]]


@pytest.fixture
def vdhcp_tls(host, pki):
    """A fake vDHCP over HTTPS (pki's server certificate), reachable from the node."""
    fake = Fake("vdhcp_server.py", "--quiet", "--user", USER, "--password", PASSWORD,
                "--cert", pki["srv"], "--key", pki["srvkey"], cafile=pki["ca"])
    fwd = subprocess.Popen([PYTHON, str(TEST_PLUGINS / "nsforward.py"), "--netns",
                            f"/run/netns/{host}", "--port", str(fake.port)],
                           stdout=subprocess.PIPE, text=True)
    assert fwd.stdout.readline().strip() == "ready"
    fake.api = fake.url + BASE
    try:
        yield fake
    finally:
        fwd.terminate()
        fwd.wait(5)
        fwd.stdout.close()
        fake.stop()


@pytest.fixture
def kube_tls(host, pki):
    with Fake("kube_api.py", "--quiet", "--cert", pki["srv"], "--key", pki["srvkey"],
              "--client-ca", pki["ca"], "--token", TOKEN, cafile=pki["ca"]) as k:
        relay = Relay(host, k.port)
        try:
            yield k
        finally:
            relay.close()


def secret_dir(tmp):
    d = tmp / "secrets"
    d.mkdir(exist_ok=True)
    return d


def password_file(tmp, mode=0o600):
    p = secret_dir(tmp) / "vdhcp.pass"
    p.write_text(PASSWORD + "\n")
    os.chmod(p, mode)
    return str(p)


def vdhcp_ipam(tmp, fake, ca, inline=True, **keys):
    server = {"url": fake.api, "user": USER, "caFile": ca}
    if inline:
        server["password"] = PASSWORD
    else:
        server["passwordFile"] = password_file(tmp)
    return dict({"type": "vdhcp", "servers": [server], "timeoutMs": 2000,
                 "stateDir": str(tmp / "state" / "vdhcp")}, **keys)


def hd_conf(tmp, fake, ca, inline=True, device="nic0"):
    (tmp / "logs").mkdir(exist_ok=True)
    return {"cniVersion": "1.1.0", "name": "sec", "type": "host-device", "device": device,
            "stateDir": str(tmp / "state" / "hd"), "logFile": str(tmp / "logs" / "hd.log"),
            "logLevel": "debug", "ipam": vdhcp_ipam(tmp, fake, ca, inline)}


def mc_conf(tmp, kubeconfig, fake, ca):
    (tmp / "logs").mkdir(exist_ok=True)
    return {"cniVersion": "1.1.0", "name": "msec", "type": "multicni", "kubeconfig": kubeconfig,
            "stateDir": str(tmp / "state" / "mc"), "logFile": str(tmp / "logs" / "mc.log"),
            "logLevel": "debug",
            "plugins": [{"name": "mgmt", "type": "macvlan", "master": "mgmt0",
                         "ipam": vdhcp_ipam(tmp, fake, ca, inline=False)}]}


def seed_pod(kube, name):
    kube.set_state({"pods": [{"metadata": {"name": name, "namespace": "default",
                                           "annotations": {"cni-plugins": '["mgmt"]'}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}]})


def k8s(name):
    return f"K8S_POD_NAMESPACE=default;K8S_POD_NAME={name}"


def test_no_secret_in_output_logs_or_state(host, wire, netns, tmp_path, pki, vdhcp_tls,
                                           kube_tls):
    make_nic(host, "nic0", wire)
    make_nic(host, "mgmt0", wire)
    out = Produced(tmp_path)
    ca = pki["ca"]
    # host-device + vdhcp, inline password, then passwordFile; CHECK; a wrong password.
    for inline in (True, False):
        c = hd_conf(tmp_path, vdhcp_tls, ca, inline)
        pod = netns.new(f"hd{int(inline)}")
        res = out.add(cni("host-device", "ADD", c, host=host, netns=netns.path(pod)))
        assert res.rc == 0, res
        out.snapshot()
        chk = dict(c, prevResult=res.json)
        assert out.add(cni("host-device", "CHECK", chk, host=host, netns=netns.path(pod))).rc == 0
        assert out.add(cni("host-device", "DEL", c, host=host, netns=netns.path(pod))).rc == 0
    bad = hd_conf(tmp_path, vdhcp_tls, ca)
    bad["ipam"]["servers"][0]["password"] = PASSWORD + "-wrong"
    res = out.add(cni("host-device", "ADD", bad, host=host, netns=netns.path(netns.new("bad"))))
    assert res.rc != 0
    # multicni with a token kubeconfig, and with a client certificate (-data forms and files).
    kubeconfigs = {
        "token": write_kubeconfig(secret_dir(tmp_path) / "token.kubeconfig", kube_tls.url,
                                  {"certificate-authority": ca}, {"token": TOKEN}),
        "cert-data": write_kubeconfig(
            secret_dir(tmp_path) / "cert.kubeconfig", kube_tls.url,
            {"certificate-authority-data": base64.b64encode(open(ca, "rb").read()).decode()},
            {"client-certificate-data": base64.b64encode(open(pki["cli"], "rb").read()).decode(),
             "client-key-data": base64.b64encode(open(pki["clikey"], "rb").read()).decode()}),
        "cert-files": write_kubeconfig(secret_dir(tmp_path) / "files.kubeconfig", kube_tls.url,
                                       {"certificate-authority": ca},
                                       {"client-certificate": pki["cli"],
                                        "client-key": pki["clikey"]}),
        "wrong-token": write_kubeconfig(secret_dir(tmp_path) / "wrong.kubeconfig", kube_tls.url,
                                        {"certificate-authority": ca},
                                        {"token": TOKEN + "-wrong"}),
    }
    for n, (kind, kc) in enumerate(kubeconfigs.items()):
        seed_pod(kube_tls, "p-" + kind)
        c = mc_conf(tmp_path, kc, vdhcp_tls, ca)
        pod = netns.new(f"mc{n}")
        res = out.add(cni("multicni", "ADD", c, host=host, netns=netns.path(pod),
                          containerid="c-" + kind, args=k8s("p-" + kind)))
        if kind == "wrong-token":
            assert_cni_error(res, 103)
            continue
        assert res.rc == 0, res
        out.snapshot()
        assert out.add(cni("multicni", "DEL", c, host=host, netns=netns.path(pod),
                           containerid="c-" + kind, args=k8s("p-" + kind))).rc == 0
    out.snapshot()
    assert (tmp_path / "logs" / "hd.log").stat().st_size > 0
    assert (tmp_path / "logs" / "mc.log").stat().st_size > 0
    secrets = [PASSWORD, TOKEN, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()]
    out.assert_clean(secrets + key_secrets(pki["clikey"]))


def test_state_and_log_files_are_private(host, wire, netns, tmp_path, pki, vdhcp_tls, kube_tls):
    make_nic(host, "nic0", wire)
    make_nic(host, "mgmt0", wire)
    os.umask(0o022)
    pod = netns.new("pod")
    assert cni("host-device", "ADD", hd_conf(tmp_path, vdhcp_tls, pki["ca"]), host=host,
               netns=netns.path(pod)).rc == 0
    kc = write_kubeconfig(secret_dir(tmp_path) / "kc", kube_tls.url,
                          {"certificate-authority": pki["ca"]}, {"token": TOKEN})
    seed_pod(kube_tls, "p")
    pod2 = netns.new("pod2")
    res = cni("multicni", "ADD", mc_conf(tmp_path, kc, vdhcp_tls, pki["ca"]), host=host,
              netns=netns.path(pod2), containerid="c2", args=k8s("p"))
    assert res.rc == 0, res
    files = 0
    for d in ("hd", "vdhcp", "mc"):
        folder = tmp_path / "state" / d
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        for f in folder.iterdir():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
            files += 1
    assert files >= 4
    for log in (tmp_path / "logs").iterdir():
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log


def test_a_symlink_planted_as_state_or_lock_file_is_refused(host, wire, netns, tmp_path, pki,
                                                            vdhcp_tls):
    make_nic(host, "nic0", wire)
    victim = tmp_path / "victim.json"
    victim.write_text('{"device": "nic0", "containerID": "ctr1", "ifname": "eth0"}')
    before = victim.read_text()
    c = hd_conf(tmp_path, vdhcp_tls, pki["ca"])
    hd = tmp_path / "state" / "hd"
    hd.mkdir(parents=True, mode=0o700)
    (hd / "ctr1-eth0.json").symlink_to(victim)
    pod = netns.new("pod")
    # ADD writes its record by rename: the link is replaced, never followed.
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert not (hd / "ctr1-eth0.json").is_symlink()
    # vdhcp's CHECK reads its record: a planted link is refused by name.
    rec = tmp_path / "state" / "vdhcp" / "ctr1-eth0.json"
    rec.unlink()
    rec.symlink_to(victim)
    res = cni("host-device", "CHECK", dict(c, prevResult=res.json), host=host,
              netns=netns.path(pod))
    assert_cni_error(res, 105, "symbolic link")
    # A lock file planted as a link is not opened through it (O_NOFOLLOW): vdhcp fails cleanly.
    vd = tmp_path / "state" / "vdhcp"
    (vd / "ctr9-eth0.lock").symlink_to(tmp_path / "created-through-link")
    res = cni("vdhcp", "DEL", c, host=host, containerid="ctr9", netns=netns.path(pod))
    assert res.rc != 0 and res.json, res
    assert not (tmp_path / "created-through-link").exists()
    assert victim.read_text() == before


@pytest.mark.parametrize("plugin", ["host-device", "macvlan", "vdhcp", "multicni"])
@pytest.mark.parametrize("cid,ifname", [("../x", "eth0"), ("a/../../x", "eth0"),
                                        ("ctr1", "../x"), ("ctr1", ".."), ("..", "eth0")])
def test_container_id_or_ifname_cannot_escape_the_state_folder(host, netns, tmp_path, plugin,
                                                               cid, ifname):
    pod = netns.new("pod")
    state = tmp_path / "a" / "b" / "state"
    c = {"cniVersion": "1.1.0", "name": "esc", "type": plugin, "stateDir": str(state),
         "device": "nic0", "master": "lo",
         "plugins": [{"name": "x", "type": "macvlan", "master": "lo"}],
         "ipam": {"type": "vdhcp", "stateDir": str(state),
                  "servers": [{"url": "http://127.0.0.1:1" + BASE}]}}
    for cmd in ("ADD", "DEL"):
        res = cni(plugin, cmd, c, host=host, containerid=cid, ifname=ifname,
                  netns=netns.path(pod))
        assert_cni_error(res, 4)
    made = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert made == [], made


def test_tls_is_verified_by_default_with_a_clear_error(host, wire, netns, tmp_path, pki,
                                                       vdhcp_tls, kube_tls):
    make_nic(host, "nic0", wire)
    make_nic(host, "mgmt0", wire)
    pod = netns.new("pod")
    # vdhcp: no caFile (system CAs), and a CA that did not sign the server's certificate.
    other = tmp_path / "other-ca"
    other.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(other / "k"), "-out",
                    str(other / "ca.crt"), "-days", "2", "-subj", "/CN=other-ca"],
                   check=True, capture_output=True)
    for ca in (None, str(other / "ca.crt")):
        c = hd_conf(tmp_path, vdhcp_tls, ca)
        if ca is None:
            del c["ipam"]["servers"][0]["caFile"]
        res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
        assert_cni_error(res, 103, "certificate")
        assert link_json("nic0", host) is not None
    assert not any(r["method"] == "PUT" for r in vdhcp_tls.requests())
    # multicni: a kubeconfig whose CA does not match the API server.
    kc = write_kubeconfig(secret_dir(tmp_path) / "kc", kube_tls.url,
                          {"certificate-authority": str(other / "ca.crt")}, {"token": TOKEN})
    seed_pod(kube_tls, "p")
    res = cni("multicni", "ADD", mc_conf(tmp_path, kc, vdhcp_tls, pki["ca"]), host=host,
              netns=netns.path(pod), args=k8s("p"))
    assert res.rc != 0 and res.json, res
    assert "certificate" in res.json["msg"] + res.json.get("details", ""), res


def test_loose_credential_files_are_warned_about(host, wire, netns, tmp_path, pki, vdhcp_tls,
                                                 kube_tls):
    make_nic(host, "nic0", wire)
    make_nic(host, "mgmt0", wire)
    c = hd_conf(tmp_path, vdhcp_tls, pki["ca"], inline=False)
    os.chmod(c["ipam"]["servers"][0]["passwordFile"], 0o644)
    pod = netns.new("pod")
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert "password file" in res.stderr and "readable by group or others" in res.stderr
    assert "readable by group or others" in (tmp_path / "logs" / "hd.log").read_text()
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0
    os.chmod(c["ipam"]["servers"][0]["passwordFile"], 0o600)
    kc = write_kubeconfig(secret_dir(tmp_path) / "kc", kube_tls.url,
                          {"certificate-authority": pki["ca"]}, {"token": TOKEN})
    os.chmod(kc, 0o644)
    seed_pod(kube_tls, "p")
    res = cni("multicni", "ADD", mc_conf(tmp_path, kc, vdhcp_tls, pki["ca"]), host=host,
              netns=netns.path(pod), args=k8s("p"))
    assert res.rc == 0, res
    assert "kubeconfig" in res.stderr and "readable by group or others" in res.stderr
    assert "readable by group or others" in (tmp_path / "logs" / "mc.log").read_text()


def test_oversized_answers_are_a_clear_error_not_a_crash(host, wire, netns, tmp_path, pki,
                                                         vdhcp_tls, kube_tls):
    make_nic(host, "nic0", wire)
    make_nic(host, "mgmt0", wire)
    pod = netns.new("pod")
    huge = '{"clientIp":"172.16.1.10","subnetMask":"255.255.255.0","x":"' + "a" * (1 << 20) + '"}'
    vdhcp_tls.inject(method="PUT", status=200, body=huge)
    res = cni("host-device", "ADD", hd_conf(tmp_path, vdhcp_tls, pki["ca"]), host=host,
              netns=netns.path(pod))
    assert res.rc == 1 and res.json, res
    assert "larger than" in res.json["msg"] + res.json.get("details", ""), res
    assert link_json("nic0", host) is not None
    vdhcp_tls.clear_injections()
    kc = write_kubeconfig(secret_dir(tmp_path) / "kc", kube_tls.url,
                          {"certificate-authority": pki["ca"]}, {"token": TOKEN})
    seed_pod(kube_tls, "p")
    pod_json = json.dumps({"kind": "Pod", "apiVersion": "v1",
                           "metadata": {"name": "p", "namespace": "default",
                                        "annotations": {"x": "a" * (8 << 20)}}})
    kube_tls.inject(method="GET", path="/pods/p", status=200, body=pod_json)
    res = cni("multicni", "ADD", mc_conf(tmp_path, kc, vdhcp_tls, pki["ca"]), host=host,
              netns=netns.path(pod), args=k8s("p"))
    assert res.rc == 1 and res.json, res
    assert "larger than" in res.json["msg"] + res.json.get("details", ""), res
    assert link_json("net1", pod) is None and link_json("eth0", pod) is None
