"""The end-to-end harness: podman 4 with its CNI backend runs real containers through the
plugins of this build.

podman runs containers from the root network namespace, so the "node" of these tests is the
machine's root namespace. What the tests put there is only what they make themselves: veth
interfaces named vdn<run><test>n<i> (a per-run random tag; a name that already exists is never
reused) standing for pool NICs and macvlan masters, whose peers live in a namespace the test
made. No address or route is added to the root namespace, and the machine's own interfaces are
never named in a config. Everything is removed at teardown, also when a test fails.

podman's own state stays out of the machine's: a containers.conf (CONTAINERS_CONF) and a
storage.conf (CONTAINERS_STORAGE_CONF) written here put the image store, the run state, the
libpod temp dir and the CNI config dir under one temp dir, removed at the end of the session.
Two things podman 4.3 cannot be told to put elsewhere, /var/lib/containers/cache (the blob-info
cache of `podman import`) and /var/lib/cni/results (libcni's result cache, emptied by DEL), are
removed at the end when this session created them."""
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF_CNI = Path("/usr/lib/cni")
CONF_EXAMPLES = ROOT / "conf-examples"
FAKES = ROOT / "test" / "fakes"
RUN_TAG = secrets.token_hex(2)
IMAGE = f"localhost/vdn-e2e-busybox:{RUN_TAG}"
NEEDED = {"podman": "podman", "runc": "runc", "/bin/busybox": "busybox-static"}
# Paths outside our temp dir that podman or libcni create when they are missing.
SIDE_EFFECTS = [Path("/var/lib/containers/cache"), Path("/var/lib/containers"),
                Path("/var/lib/cni/results"), Path("/var/lib/cni")]


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def link_json(name, ns=None):
    """The link as `ip -d -j link show` prints it, or None when absent."""
    r = ip("-d", "-j", "link", "show", "dev", name, ns=ns, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)[0]


def ipv4(name, ns=None):
    out = json.loads(ip("-j", "-4", "addr", "show", "dev", name, ns=ns).stdout)
    return sorted(f'{a["local"]}/{a["prefixlen"]}' for l in out for a in l.get("addr_info", []))


class PodmanError(AssertionError):
    pass


class Podman:
    """podman with every piece of its state under `base`, the CNI backend, runc, and the
    plugin dirs bin/ (this build) then /usr/lib/cni."""

    def __init__(self, base):
        self.base = Path(base)
        self.netdir = self.base / "net.d"
        self.netdir.mkdir(parents=True)
        self.conf = self.base / "containers.conf"
        self.storage = self.base / "storage.conf"
        self.conf.write_text(f"""\
[containers]
# raising RLIMIT_NOFILE is refused in this sandbox
default_ulimits = []

[network]
network_backend = "cni"
cni_plugin_dirs = ["{BIN}", "{REF_CNI}"]
network_config_dir = "{self.netdir}"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "{self.base / 'libpod-tmp'}"
""")
        self.storage.write_text(f"""\
[storage]
driver = "vfs"
graphroot = "{self.base / 'root'}"
runroot = "{self.base / 'runroot'}"
""")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONTAINERS_")}
        self.env.update(CONTAINERS_CONF=str(self.conf), CONTAINERS_STORAGE_CONF=str(self.storage))
        self.containers = []

    def __call__(self, *args, check=True, timeout=120):
        proc = subprocess.run(["podman", *map(str, args)], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise PodmanError(f"podman {' '.join(map(str, args))} exited {proc.returncode}:\n"
                              f"{proc.stdout}\n{proc.stderr}")
        return proc

    def import_busybox(self, image):
        """A one-binary image from Debian's busybox-static: no registry is reachable."""
        rootfs = self.base / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        shutil.copy("/bin/busybox", rootfs / "bin" / "busybox")
        for applet in ("sh", "ip", "ping", "sleep", "cat", "ls", "hostname"):
            os.symlink("busybox", rootfs / "bin" / applet)
        tar = self.base / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
        self("import", "--change", "CMD=/bin/sh", tar, image)

    def add_network(self, conflist):
        """Installs a conflist (dict) into podman's CNI config dir; podman reads it at once."""
        path = self.netdir / f"{conflist['name']}.conflist"
        path.write_text(json.dumps(conflist, indent=2))
        return path

    def run(self, name, network, *cmd, extra=(), check=True):
        """Starts a detached container that sleeps (or runs cmd) on `network`; with
        check=False, answers podman's CompletedProcess instead of raising."""
        self.containers.append(name)
        proc = self("run", "-d", "--name", name, "--runtime", "runc", "--network", network,
                    *extra, IMAGE, *(cmd or ("sleep", "600")), check=check)
        return name if check else proc

    def exec(self, name, *cmd, check=True, timeout=60):
        return self("exec", name, *cmd, check=check, timeout=timeout)

    def rm(self, name):
        """Stops at once and removes: the CNI DEL of every network runs here."""
        self("rm", "-f", "-t", "0", name)
        if name in self.containers:
            self.containers.remove(name)

    def netns(self, name):
        """The name of the container's network namespace in /run/netns (podman's CNI
        backend makes it there), for `ip -n`."""
        data = json.loads(self("inspect", name).stdout)[0]
        key = data["NetworkSettings"]["SandboxKey"]
        assert key.startswith("/run/netns/"), key
        return os.path.basename(key)

    def close_containers(self):
        for name in reversed(self.containers):
            self("rm", "-f", "-t", "0", name, check=False)
        self.containers.clear()

    def close(self):
        self.close_containers()
        self("rm", "-a", "-f", "-t", "0", check=False)
        self("rmi", "-a", "-f", check=False)
        # a crashed podman may leave its shm/overlay mounts behind: unmount what lies under us
        with open("/proc/self/mounts") as f:
            mounts = [line.split()[1] for line in f]
        for m in sorted((m for m in mounts if m.startswith(str(self.base) + "/")), reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


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
    existed = {p: p.exists() for p in SIDE_EFFECTS}
    pm = Podman(tempfile.mkdtemp(prefix=f"vdn-e2e-{RUN_TAG}-"))
    try:
        pm.import_busybox(IMAGE)
        yield pm
    finally:
        pm.close()
        for p in SIDE_EFFECTS:
            if not existed[p] and p.exists():
                if p == Path("/var/lib/containers/cache"):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    try:
                        p.rmdir()       # only when nothing else put files there meanwhile
                    except OSError:
                        pass


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
