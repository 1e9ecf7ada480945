"""Shared fixtures of the integration tests: per-test network namespaces and veth "NICs",
and a runner that calls a plugin binary the way a container runtime does.

Every namespace a test makes carries this run's tag and is deleted at teardown, also when the
test fails. A plugin that needs a "host" runs inside a namespace of its own (ip netns exec), so
the machine's own interfaces are never touched."""
import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF_CNI = Path("/usr/lib/cni")
FAKES = ROOT / "test" / "fakes"
FIXTURES = ROOT / "test" / "fixtures"
TEST_PLUGINS = ROOT / "test" / "integration"   # fake-ipam lives here
RUN_TAG = secrets.token_hex(2)


def ipam_calls(log):
    """What the fake IPAM was asked, in order."""
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [json.loads(line) for line in f]


def sh(*args, check=True, ns=None):
    cmd = list(args)
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def link_json(name, ns):
    """The link as `ip -d -j link show` prints it, or None when absent."""
    r = ip("-d", "-j", "link", "show", "dev", name, ns=ns, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)[0]


def links(ns):
    return {l["ifname"]: l for l in json.loads(ip("-d", "-j", "link", "show", ns=ns).stdout)}


def addrs(name, ns):
    out = json.loads(ip("-j", "addr", "show", "dev", name, ns=ns).stdout)
    return sorted(f'{a["local"]}/{a["prefixlen"]}' for a in out[0].get("addr_info", [])
                  if a.get("scope") != "link")


def routes(ns, family="-4"):
    return json.loads(ip(family, "-j", "route", "show", ns=ns).stdout)


class Netns:
    """Makes namespaces named vdn-<run>-<test>-<n>; removes them all at close()."""

    def __init__(self, test_id):
        self.prefix = f"vdn{RUN_TAG}{test_id}"
        self.made = []

    def new(self, role):
        name = f"{self.prefix}-{role}"
        ip("netns", "add", name)
        self.made.append(name)
        ip("link", "set", "lo", "up", ns=name)
        return name

    def path(self, name):
        return f"/run/netns/{name}"

    def close(self):
        for name in reversed(self.made):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        self.made.clear()


_counter = [0]


@pytest.fixture
def netns():
    _counter[0] += 1
    n = Netns(_counter[0])
    try:
        yield n
    finally:
        n.close()


@pytest.fixture
def host(netns):
    """A namespace that plays the node: pool NICs and masters live here, plugins run here."""
    return netns.new("host")


@pytest.fixture
def wire(netns):
    """The far ends of the host's veth "NICs", so a moved NIC has a live peer."""
    return netns.new("wire")


def make_nic(host, name, wire, mtu=None, mac=None):
    """A veth pair standing for a physical NIC: `name` in host, its peer in wire."""
    peer = "w" + name[-13:]
    ip("link", "add", name, "type", "veth", "peer", "name", peer, "netns", wire, ns=host)
    if mtu:
        ip("link", "set", name, "mtu", str(mtu), ns=host)
    if mac:
        ip("link", "set", name, "address", mac, ns=host)
    ip("link", "set", peer, "up", ns=wire)
    return name


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        try:
            self.json = json.loads(proc.stdout) if proc.stdout.strip() else None
        except json.JSONDecodeError:
            self.json = None

    def __repr__(self):
        return f"<rc={self.rc} out={self.stdout!r} err={self.stderr[-2000:]!r}>"


def cni(plugin, command, conf, host=None, containerid="ctr1", netns=None, ifname="eth0",
        args=None, path=None, env=None, stdin=None, binary=None, timeout=60):
    """Runs a CNI plugin like a runtime: environment + config on stdin, inside `host`."""
    e = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    e["CNI_COMMAND"] = command
    if containerid is not None:
        e["CNI_CONTAINERID"] = containerid
    if netns is not None:
        e["CNI_NETNS"] = netns
    if ifname is not None:
        e["CNI_IFNAME"] = ifname
    if args is not None:
        e["CNI_ARGS"] = args
    e["CNI_PATH"] = path if path is not None else f"{BIN}:{TEST_PLUGINS}:{REF_CNI}"
    if env:
        e.update({k: v for k, v in env.items() if v is not None})
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
    exe = str(binary) if binary else str(BIN / plugin)
    cmd = ["ip", "netns", "exec", host, exe] if host else [exe]
    data = stdin if stdin is not None else json.dumps(conf)
    proc = subprocess.run(cmd, input=data, env=e, capture_output=True, text=True,
                          timeout=timeout)
    # Under `make SANITIZE=1` a leak or UB in an error path would hide behind the expected
    # non-zero exit: any sanitizer report fails the test.
    assert "Sanitizer" not in proc.stderr and "runtime error:" not in proc.stderr, proc.stderr
    return Result(proc)


def assert_cni_error(res, code, fragment=None):
    assert res.rc != 0, res
    assert res.json is not None, f"error is not JSON: {res!r}"
    assert res.json["code"] == code, res
    assert "msg" in res.json and res.json["msg"], res
    if fragment:
        text = res.json["msg"] + " " + res.json.get("details", "")
        assert fragment in text, res


# The API servers of the Kubernetes tests (realk8s.py): the fake, and real ones in the realk8s
# tier, which runs when REAL_K8S=1 or when the cached kube-apiserver build exists.
from realk8s import _fake_kube_session, kube, real_cluster, real_regions, test_pki  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "realk8s: meets a real kube-apiserver (scripts/kube-apiserver.sh); "
                                       "runs when REAL_K8S=1 or the cached build exists")
