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


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def run(binary, command, conf, netns, cid, ifname="eth0"):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command,
           "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": ifname,
           "CNI_PATH": f"{BIN}:{REF}"}
    t0 = time.perf_counter()
    p = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    p.stdin.write(json.dumps(conf).encode())
    p.stdin.close()
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{binary} {command} failed: {out.decode()} {err.decode()}")
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss


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
    finally:
        setns("/proc/1/ns/net")
        for ns in reversed(made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", state])

    print(f"{'case':28} {'ours CPU ms':>12} {'ref CPU ms':>11} {'ratio':>7} "
          f"{'ours wall ms':>13} {'ref wall ms':>12} {'ours RSS KiB':>13} {'ref RSS KiB':>12}")
    for r in rows:
        print(f"{r['case']:28} {r['ours_cpu_ms']:12.2f} {r['ref_cpu_ms']:11.2f} "
              f"{r['cpu_ratio']:6.1f}x {r['ours_wall_ms']:13.2f} {r['ref_wall_ms']:12.2f} "
              f"{r['ours_rss_kib']:13d} {r['ref_rss_kib']:12d}")
    print("ratio = reference CPU / ours CPU per ADD+DEL cycle (median of "
          f"{a.rounds} alternating rounds); target without IPAM: >= 10x")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    sys.exit(main())
