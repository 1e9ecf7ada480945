"""podman 4 with its CNI backend and every piece of its state under one directory: shared by
the e2e tests (test/e2e/conftest.py) and `make demo` (scripts/demo.py). Standard library only.

A containers.conf (CONTAINERS_CONF) and a storage.conf (CONTAINERS_STORAGE_CONF) put the image
store, the run state, the libpod temp dir and the CNI config dir under `base`; containers run
with runc, cgroupfs, no events log, and no ulimits (raising RLIMIT_NOFILE is refused in some
sandboxes). Plugins come from this build's bin/, then /usr/lib/cni. Two things podman 4.3
cannot be told to put elsewhere, /var/lib/containers/cache (the blob-info cache of `podman
import`) and /var/lib/cni/results (libcni's result cache, emptied by DEL), are removed by
close() when they did not exist before."""
import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF_CNI = Path("/usr/lib/cni")
# Paths outside `base` that podman or libcni create when they are missing, deepest first.
SIDE_EFFECTS = [Path("/var/lib/containers/cache"), Path("/var/lib/containers"),
                Path("/var/lib/cni/results"), Path("/var/lib/cni")]


class PodmanError(AssertionError):
    pass


class Podman:
    """podman with every piece of its state under `base`, the CNI backend, runc, and the
    plugin dirs bin/ (this build) then /usr/lib/cni."""

    def __init__(self, base, image):
        self.existed = {p: p.exists() for p in SIDE_EFFECTS}
        self.base = Path(base)
        self.image = image
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

    def import_busybox(self):
        """A one-binary image from Debian's busybox-static: no registry is reachable."""
        rootfs = self.base / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        shutil.copy("/bin/busybox", rootfs / "bin" / "busybox")
        for applet in ("sh", "ip", "ping", "sleep", "cat", "ls", "hostname"):
            os.symlink("busybox", rootfs / "bin" / applet)
        tar = self.base / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
        self("import", "--change", "CMD=/bin/sh", tar, self.image)

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
                    *extra, self.image, *(cmd or ("sleep", "600")), check=check)
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
        for p in SIDE_EFFECTS:
            if not self.existed[p] and p.exists():
                if p.name == "cache":
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    try:
                        p.rmdir()       # only when nothing else put files there meanwhile
                    except OSError:
                        pass
