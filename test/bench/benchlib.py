"""Shared helpers of the benchmarks: throw-away network namespaces that are always removed,
CNI plugin calls (plain, or measured by spawn_rusage), and summary statistics.

Every namespace carries the prefix `vdn<kind><tag>-` with a random per-run tag; only those are
created and deleted. A SIGTERM or SIGINT becomes an exception, so the `finally` blocks that
remove namespaces, fake servers and iperf3 processes run on every way out."""
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF = Path("/usr/lib/cni")
FAKES = ROOT / "test" / "fakes"
BUILD = Path(os.environ.get("BENCH_BUILD", ROOT / "build" / "std"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
RUNNER = BUILD / "bench" / "spawn_rusage"
SYS_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def quick():
    """BENCH_QUICK=1: tiny counts, for the smoke run in `make check`."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


class Interrupted(Exception):
    pass


def _raise(signum, _frame):
    raise Interrupted(f"signal {signum}")


def trap_signals():
    """Turn SIGTERM/SIGINT/SIGHUP into an exception so that cleanup code runs."""
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _raise)


def run_main(main):
    """Exit code of main(); an interruption is reported in one line (cleanup has run)."""
    try:
        return main()
    except Interrupted as e:
        print(f"{Path(sys.argv[0]).name}: interrupted ({e}), everything removed",
              file=sys.stderr)
        return 130


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


class Namespaces:
    """Creates namespaces vdn<kind><tag>-<role>; close() deletes every one it made."""

    def __init__(self, kind):
        self.prefix = f"vdn{kind}{secrets.token_hex(2)}"
        self.made = []

    def new(self, role):
        name = f"{self.prefix}-{role}"
        ip("netns", "add", name)
        self.made.append(name)
        ip("link", "set", "lo", "up", ns=name)
        return name

    @staticmethod
    def path(name):
        return f"/run/netns/{name}"

    def close(self):
        """Deletes them all in one `ip -force -batch` (goes on past a missing one)."""
        if self.made:
            subprocess.run(["ip", "-force", "-batch", "-"], capture_output=True, text=True,
                           input="".join(f"netns del {n}\n" for n in reversed(self.made)))
        self.made.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def cni_env(command, cid, netns, ifname="eth0", cni_args=None, extra=None):
    env = {"PATH": SYS_PATH, "CNI_COMMAND": command, "CNI_CONTAINERID": cid,
           "CNI_IFNAME": ifname, "CNI_PATH": f"{BIN}:{REF}"}
    if netns:
        env["CNI_NETNS"] = netns
    if cni_args:
        env["CNI_ARGS"] = cni_args
    if extra:
        env.update(extra)
    return env


def cni(binary, command, conf, netns, cid, host=None, ifname="eth0", cni_args=None,
        timeout=60):
    """One plugin call, unmeasured, inside namespace `host` (ip netns exec) when given.
    Returns the parsed result (or None); raises on failure."""
    cmd = [str(binary)]
    if host:
        cmd = ["ip", "netns", "exec", host] + cmd
    p = subprocess.run(cmd, input=json.dumps(conf), text=True, capture_output=True,
                       env=cni_env(command, cid, netns, ifname, cni_args), timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{binary} {command} {cid}: exit {p.returncode}: "
                           f"{p.stdout.strip()} {p.stderr.strip()[-500:]}")
    return json.loads(p.stdout) if p.stdout.strip() else None


def measured_cmd(cmd, env, stdin=None, what=None):
    """Runs cmd through spawn_rusage with stdin from the text `stdin`:
    (cpu s, wall s, peak RSS KiB), CPU counting every process it starts."""
    what = what or str(cmd[0])
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(stdin or "")
        f.flush()
        r, w = os.pipe()
        p = subprocess.Popen([str(RUNNER), str(w), f.name] + [str(c) for c in cmd], env=env,
                             pass_fds=(w,), stderr=subprocess.PIPE)
        os.close(w)
        report = b""
        while True:
            chunk = os.read(r, 256)
            if not chunk:
                break
            report += chunk
        os.close(r)
        err = p.communicate()[1]
    fields = report.decode().split()
    if len(fields) != 4:
        raise RuntimeError(f"spawn_rusage failed for {what}: {err.decode()[-500:]}")
    cpu_us, wall_us, rss, code = (int(x) for x in fields)
    if code != 0:
        raise RuntimeError(f"{what} exited {code}: {err.decode()[-800:]}")
    return cpu_us / 1e6, wall_us / 1e6, rss


def measured(binary, command, conf, netns, cid, ifname="eth0", cni_args=None, extra=None):
    """One plugin call through spawn_rusage, in the caller's network namespace:
    (cpu s, wall s, peak RSS KiB), CPU counting every delegate the plugin starts."""
    return measured_cmd([binary], cni_env(command, cid, netns, ifname, cni_args, extra),
                        json.dumps(conf), f"{binary} {command} {cid}")


def spread(xs):
    """Median and spread of a sample: min, 10th and 90th percentile, max."""
    xs = sorted(xs)
    if not xs:
        return {}
    if len(xs) >= 2:
        q = statistics.quantiles(xs, n=10, method="inclusive")
        p10, p90 = q[0], q[-1]
    else:
        p10 = p90 = xs[0]
    return {"median": statistics.median(xs), "min": xs[0], "p10": p10, "p90": p90,
            "max": xs[-1], "n": len(xs)}


def stripped_size(path):
    """Size in bytes of the binary without its symbols and debug sections (what a package
    installs), and its size on disk."""
    path = Path(path)
    disk = path.stat().st_size
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / path.name
        r = subprocess.run(["strip", "-o", str(out), str(path)], capture_output=True)
        size = out.stat().st_size if r.returncode == 0 else disk
    return size, disk
