"""The end-to-end harness: podman 4 with its CNI backend runs real containers through the
plugins of this build.

podman runs containers from the root network namespace, so the "node" of these tests is the
machine's root namespace. What the tests put there is only what they make themselves: veth
interfaces named vdn<run><test>n<i> (a per-run random tag; a name that already exists is never
reused) standing for pool NICs and macvlan masters, whose peers live in a namespace the test
made. No address or route is added to the root namespace, and the machine's own interfaces are
never named in a config. Everything is removed at teardown, also when a test fails.

podman's own state stays out of the machine's (test/e2e/podman_harness.py): it lives under one temp
dir, removed at the end of the session."""
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from podman_harness import Podman

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF_CNI = Path("/usr/lib/cni")
CONF_EXAMPLES = ROOT / "conf-examples"
FAKES = ROOT / "test" / "fakes"
RUN_TAG = secrets.token_hex(2)
IMAGE = f"localhost/vdn-e2e-busybox:{RUN_TAG}"
NEEDED = {"podman": "podman", "runc": "runc", "/bin/busybox": "busybox-static"}


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def link_json(name, ns=None):
    """The link as `ip -d -j link show` prints it, or None when absent."""
    r = ip("-d", "-j", "link", "show", "dev", name, ns=ns, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)[0]


def pings(ns, address):
    """One ping from namespace `ns` (a namespace the test made) is answered."""
    return subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", address],
                          capture_output=True).returncode == 0


def ipv4(name, ns=None):
    out = json.loads(ip("-j", "-4", "addr", "show", "dev", name, ns=ns).stdout)
    return sorted(f'{a["local"]}/{a["prefixlen"]}' for l in out for a in l.get("addr_info", []))


def _require_tools():
    missing = [pkg for tool, pkg in NEEDED.items()
               if not (shutil.which(tool) if "/" not in tool else os.path.exists(tool))]
    if missing:
        pytest.fail(f"e2e tests need the Debian packages {' '.join(missing)} "
                    "(scripts/install-deps.sh installs them)", pytrace=False)
    if os.geteuid() != 0:
        pytest.fail("e2e tests run as root (podman's CNI backend, namespaces)", pytrace=False)
    for b in ("host-device", "macvlan"):
        if not (BIN / b).exists():
            pytest.fail(f"bin/{b} is missing: run make first", pytrace=False)


@pytest.fixture(scope="session")
def podman():
    _require_tools()
    pm = Podman(tempfile.mkdtemp(prefix=f"vdn-e2e-{RUN_TAG}-"), IMAGE)
    try:
        pm.import_busybox()
        yield pm
    finally:
        pm.close()


_counter = [0]


class Node:
    """What one test puts into the root namespace and its own namespaces, and takes away."""

    def __init__(self, podman):
        _counter[0] += 1
        self.prefix = f"vdn{RUN_TAG}{_counter[0]}"
        self.podman = podman
        self.namespaces = []
        self.root_links = []
        self.networks = []
        self._wire = None

    def netns(self, role):
        name = f"{self.prefix}-{role}"
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("link", "set", "lo", "up", ns=name)
        return name

    @property
    def wire(self):
        """The namespace holding the far ends of the root namespace's veth "NICs"."""
        if self._wire is None:
            self._wire = self.netns("wire")
        return self._wire

    def nic(self, index, mac=None, up=False):
        """A veth "NIC" in the root namespace, its peer up in the wire namespace."""
        name = f"{self.prefix}n{index}"
        assert len(name) <= 15, name
        if link_json(name) is not None:
            raise RuntimeError(f"{name} already exists in the root namespace; not touching it")
        peer = f"w{index}"
        self.root_links.append(name)
        ip("link", "add", name, "type", "veth", "peer", "name", peer, "netns", self.wire)
        # no IPv6 link-local address, hence no fe80::/64 route, in the root namespace
        ip("link", "set", name, "addrgenmode", "none")
        if mac:
            ip("link", "set", name, "address", mac)
        if up:
            ip("link", "set", name, "up")
        ip("link", "set", peer, "up", ns=self.wire)
        return name, peer

    def network(self, conflist):
        self.networks.append(self.podman.add_network(conflist))
        return conflist["name"]

    def container(self, role):
        return f"{self.prefix}-{role}"

    def close(self):
        self.podman.close_containers()
        for path in self.networks:
            path.unlink(missing_ok=True)
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        # a veth dies with its peer's namespace; only a NIC that sat in a container whose
        # removal failed may still be here, under the name we gave it
        for name in self.root_links:
            if link_json(name) is not None:
                subprocess.run(["ip", "link", "del", name], capture_output=True)


@pytest.fixture
def node(podman):
    n = Node(podman)
    try:
        yield n
    finally:
        n.close()


def example(name):
    """A conflist from conf-examples/, parsed."""
    return json.loads((CONF_EXAMPLES / name).read_text())


def adapt_example(node, tmp_path, name, **keys):
    """A one-plugin example conflist with the test's NICs (`keys`), a per-test network name,
    and the plugin's and host-local's state and log in tmp_path."""
    c = example(name)
    c["name"] = f"{node.prefix}-{c['name']}"
    (p,) = c["plugins"]
    p.update(keys)
    p["logFile"] = str(tmp_path / f"{p['type']}.log")
    p["stateDir"] = str(tmp_path / "state" / p["type"])
    if p["ipam"]["type"] == "host-local":
        p["ipam"]["dataDir"] = str(tmp_path / "ipam")
    return c


# ---- the fakes of test/fakes, on 127.0.0.1 of the root namespace, where podman runs the
# ---- plugins

KUBE_TOKEN = "e2e-node-token"
VDHCP_USER, VDHCP_PASSWORD = "onos", "rocks"
VDHCP_PATH = "/vdn/v1/vdhcp/dhcp/"


def _fake(script, *args, **kw):
    import sys
    sys.path.insert(0, str(FAKES))
    from client import Fake
    return Fake(script, *map(str, args), **kw)


@pytest.fixture
def kube():
    """The fake Kubernetes API (token auth); pods are seeded with seed_pod()."""
    with _fake("kube_api.py", "--token", KUBE_TOKEN, "--quiet") as k:
        yield k


@pytest.fixture
def vdhcp():
    """The fake vDHCP API: pool vdn-e2e for annotated pods, default for the others, and
    vdn-default (the vdnId of conf-examples/vdhcp-host-device.conflist)."""
    with _fake("vdhcp_server.py", "--user", VDHCP_USER, "--password", VDHCP_PASSWORD,
               "--pool", "vdn-e2e=172.30.5.0/24", "--pool", "default=172.30.6.0/24",
               "--pool", "vdn-default=172.30.7.0/24",
               "--quiet") as v:
        yield v


def write_kubeconfig(path, server, token=KUBE_TOKEN):
    """A token kubeconfig in client-go's layout (JSON is YAML; libyaml reads it)."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "e2e",
        "clusters": [{"name": "e2e", "cluster": {"server": server}}],
        "users": [{"name": "e2e", "user": {"token": token}}],
        "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": "e2e"}}]}))
    return path


def seed_pod(kube, name, annotations=None, ns="default"):
    """The pod object the kubelet's API would hold for a container podman names `name`."""
    pod = {"metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
           "spec": {"containers": [{"name": "c", "image": IMAGE}]},
           "status": {"phase": "Pending"}}
    pods = [p for p in kube.state()["pods"]
            if (p["metadata"]["namespace"], p["metadata"]["name"]) != (ns, name)]
    kube.set_state({"pods": pods + [pod]})


def pod_annotations(kube, name, ns="default"):
    for p in kube.state()["pods"]:
        if (p["metadata"]["namespace"], p["metadata"]["name"]) == (ns, name):
            return p["metadata"].get("annotations", {})
    return None


def live_leases(vdhcp):
    """MAC (aa:bb:..) → lease, for the leases the fake still holds and has not released."""
    out = {}
    for mac, lease in vdhcp.state()["leases"].items():
        if not lease.get("released"):
            out[mac.replace("-", ":")] = lease
    return out


def needs(*names):
    """Skips a test whose binaries or conf-examples files are not in this tree yet (they
    land from other branches); once present, the test runs."""
    missing = [n for n in names
               if not ((BIN / n).exists() or (CONF_EXAMPLES / n).exists())]
    return pytest.mark.skipif(bool(missing), reason=f"not in this tree yet: {' '.join(missing)}")
