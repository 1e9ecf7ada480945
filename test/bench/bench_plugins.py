#!/usr/bin/env python3
"""ADD+DEL cycle cost of our plugins against the reference plugins (/usr/lib/cni), measured
alternately in one run on the same veth "NICs" in throw-away namespaces.

CPU time is the plugin process's own user+system time (wait4 rusage), so the cost of this
script and of `ip netns exec` is not counted. Prints medians and the ratio reference/ours."""
import argparse
import ctypes
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
REF = Path("/usr/lib/cni")
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def ip(*args, ns=None):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    subprocess.run(cmd, check=True, capture_output=True)


def setns_fd(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        setns_fd(fd)
    finally:
        os.close(fd)


RUNNER = Path(os.environ.get("BENCH_BUILD", ROOT / "build" / "std")) / "bench" / "spawn_rusage"


def run(binary, command, conf, netns, cid, ifname="eth0"):
    """One plugin call through spawn_rusage: (cpu s, wall s, peak RSS KiB) of the plugin."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command,
           "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": ifname,
           "CNI_PATH": f"{BIN}:{REF}"}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(conf, f)
        f.flush()
        r, w = os.pipe()
        p = subprocess.Popen([str(RUNNER), str(w), f.name, str(binary)], env=env,
                             pass_fds=(w,), stderr=subprocess.PIPE)
        os.close(w)
        report = os.read(r, 256).decode().split()
        os.close(r)
        err = p.communicate()[1]
    cpu_us, wall_us, rss, code = (int(x) for x in report)
    if code != 0:
        raise RuntimeError(f"{binary} {command} exited {code}: {err.decode()}")
    return cpu_us / 1e6, wall_us / 1e6, rss


def cycle(binary, conf, netns, cid):
    c1, w1, m1 = run(binary, "ADD", conf, netns, cid)
    c2, w2, m2 = run(binary, "DEL", conf, netns, cid)
    return c1 + c2, w1 + w2, max(m1, m2)


def bench_pair(name, ours_bin, ref_bin, make_conf, rounds, pod):
    ours, ref = [], []
    for i in range(rounds):
        # alternate, so both see the same machine state
        for who, binary, acc in (("ours", ours_bin, ours), ("ref", ref_bin, ref)):
            acc.append(cycle(binary, make_conf(who), pod, f"b{i}{who}"))
    med = lambda xs, k: statistics.median(x[k] for x in xs)
    row = {"case": name, "rounds": rounds,
           "ours_cpu_ms": med(ours, 0) * 1e3, "ref_cpu_ms": med(ref, 0) * 1e3,
           "ours_wall_ms": med(ours, 1) * 1e3, "ref_wall_ms": med(ref, 1) * 1e3,
           "ours_rss_kib": max(x[2] for x in ours), "ref_rss_kib": max(x[2] for x in ref)}
    row["cpu_ratio"] = row["ref_cpu_ms"] / row["ours_cpu_ms"] if row["ours_cpu_ms"] else 0
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--json", help="also write the rows here")
    a = ap.parse_args()

    tag = secrets.token_hex(2)
    host, wire, pod = f"vdnb{tag}-host", f"vdnb{tag}-wire", f"vdnb{tag}-pod"
    state = tempfile.mkdtemp(prefix="vdn-bench-")
    made = []
    rows = []
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        for ns in (host, wire, pod):
            ip("netns", "add", ns)
            made.append(ns)
        ip("link", "add", "nic0", "type", "veth", "peer", "name", "wnic0", "netns", wire,
           ns=host)
        setns(f"/run/netns/{host}")
        podpath = f"/run/netns/{pod}"

        def hd_conf(ipam):
            def make(who):
                c = {"cniVersion": "1.0.0", "name": "bench", "type": "host-device",
                     "device": "nic0"}
                if who == "ours":
                    c["stateDir"] = state
                if ipam:
                    c["ipam"] = {"type": "static", "addresses": [{"address": "10.99.0.2/24"}]}
                return c
            return make

        rows.append(bench_pair("process start floor (/bin/true)", "/bin/true", "/bin/true",
                               lambda who: {}, a.rounds, podpath))
        if (BIN / "host-device").exists():
            rows.append(bench_pair("host-device (no IPAM)", BIN / "host-device",
                                   REF / "host-device", hd_conf(False), a.rounds, podpath))
            rows.append(bench_pair("host-device + static IPAM", BIN / "host-device",
                                   REF / "host-device", hd_conf(True), a.rounds, podpath))
        if (BIN / "macvlan").exists():
            def mv(who):
                c = {"cniVersion": "1.0.0", "name": "bench", "type": "macvlan",
                     "master": "nic0"}
                if who == "ours":
                    c["stateDir"] = state
                return c
            rows.append(bench_pair("macvlan (no IPAM)", BIN / "macvlan", REF / "macvlan", mv,
                                   a.rounds, podpath))
        if (BIN / "multicni").exists() and (BIN / "host-device").exists():
            # the same host-device config, once directly and once as multicni's only
            # delegate (no K8S_POD_NAME: the default, no API call)
            def mc(who):
                hd = {"cniVersion": "1.0.0", "name": "bench", "type": "host-device",
                      "device": "nic0", "stateDir": state}
                if who == "ref":
                    return hd
                return {"cniVersion": "1.0.0", "name": "bench", "type": "multicni",
                        "stateDir": os.path.join(state, "multicni"), "default": "fast",
                        "plugins": [dict(hd, name="fast")]}
            row = bench_pair("multicni → host-device", BIN / "multicni", BIN / "host-device",
                             mc, a.rounds, podpath)
            row["overhead"] = True
            # what merely starting the binary costs (VERSION does no work): multicni links
            # libcurl, whose shared libraries dominate a short run
            row["start_cpu_ms"] = statistics.median(
                run(BIN / "multicni", "VERSION", {}, podpath, "v")[0]
                for _ in range(a.rounds)) * 1e3
            rows.append(row)
    finally:
        try:
            setns_fd(home)
        finally:
            os.close(home)
            for ns in reversed(made):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            subprocess.run(["rm", "-rf", state])

    overhead = [r for r in rows if r.get("overhead")]
    rows = [r for r in rows if not r.get("overhead")]
    print(f"{'case':34} {'ours CPU ms':>12} {'ref CPU ms':>11} {'ratio':>7} "
          f"{'ours wall ms':>13} {'ref wall ms':>12} {'ours RSS KiB':>13} {'ref RSS KiB':>12}")
    for r in rows:
        print(f"{r['case']:34} {r['ours_cpu_ms']:12.2f} {r['ref_cpu_ms']:11.2f} "
              f"{r['cpu_ratio']:6.1f}x {r['ours_wall_ms']:13.2f} {r['ref_wall_ms']:12.2f} "
              f"{r['ours_rss_kib']:13d} {r['ref_rss_kib']:12d}")
    print("ratio = reference CPU / ours CPU per ADD+DEL cycle (median of "
          f"{a.rounds} alternating rounds); target without IPAM: >= 10x")
    for r in overhead:
        # the runner counts a plugin with the processes it starts, so "ours" is multicni
        # and its delegate together, "ref" the delegate alone
        r["overhead_cpu_ms"] = r["ours_cpu_ms"] - r["ref_cpu_ms"]
        r["overhead_wall_ms"] = r["ours_wall_ms"] - r["ref_wall_ms"]
        r["work_cpu_ms"] = r["overhead_cpu_ms"] - 2 * r["start_cpu_ms"]
        print(f"{r['case']}: multicni adds {r['overhead_cpu_ms']:.2f} ms CPU and "
              f"{r['overhead_wall_ms']:.2f} ms wall per ADD+DEL to host-device called "
              f"directly ({r['ref_cpu_ms']:.2f} ms CPU, {r['ref_wall_ms']:.2f} ms wall); "
              "target < 2 ms")
        print(f"  of that CPU, {2 * r['start_cpu_ms']:.2f} ms is starting its two processes "
              f"(multicni VERSION alone: {r['start_cpu_ms']:.2f} ms, shared libraries "
              f"included) and {r['work_cpu_ms']:.2f} ms its own work")
    rows += overhead
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    sys.exit(main())
