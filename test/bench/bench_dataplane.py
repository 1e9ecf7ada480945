#!/usr/bin/env python3
"""Data plane, the paper's Fig. 10/11 in miniature: iperf3 TCP throughput between two pods
(network namespaces made here) over
  (a) a bare veth pair between the two namespaces (the anchor),
  (b) host-device: each end of a veth pair in a "host" namespace moved into a pod by
      bin/host-device,
  (c) macvlan in bridge mode, both pods on one veth master in a "host" namespace (bin/macvlan),
  (d) the reference bridge plugin (/usr/lib/cni/bridge + host-local): veth pairs into a Linux
      bridge, the path of Flannel's and Calico's style of CNI.
All four are built first and measured round-robin (a, b, c, d, a, b, ...), so that every case
sees the same machine load; throughput is relative to (a). Traffic stays between the
namespaces made here; everything, iperf3 servers included, is removed on every way out."""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib as bl

CASES = [("veth", "bare veth pair (anchor)"),
         ("host-device", "host-device (veth end moved into each pod)"),
         ("macvlan", "macvlan bridge on a shared veth master"),
         ("bridge", "reference bridge plugin (veth + Linux bridge)")]
TARGETS = {"host-device": 0.98, "macvlan": 0.9}
PORT = 5201


def static_ipam(addr):
    return {"type": "static", "addresses": [{"address": addr}]}


def setup(nss, state):
    topo = {}

    # (a) bare veth pair straight between the two pods
    a, b = nss.new("veth-a"), nss.new("veth-b")
    bl.ip("link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0",
          "netns", b)
    for ns, addr in ((a, "10.201.1.1/24"), (b, "10.201.1.2/24")):
        bl.ip("addr", "add", addr, "dev", "eth0", ns=ns)
        bl.ip("link", "set", "eth0", "up", ns=ns)
    topo["veth"] = (a, b, "10.201.1.2")

    # (b) host-device: a veth pair in a host namespace, one end lent to each pod
    host = nss.new("hd-host")
    a, b = nss.new("hd-a"), nss.new("hd-b")
    bl.ip("link", "add", "hd0", "type", "veth", "peer", "name", "hd1", ns=host)
    for ns, dev, addr in ((a, "hd0", "10.201.2.1/24"), (b, "hd1", "10.201.2.2/24")):
        conf = {"cniVersion": "1.0.0", "name": "bench-hd", "type": "host-device",
                "device": dev, "stateDir": state, "ipam": static_ipam(addr)}
        bl.cni(bl.BIN / "host-device", "ADD", conf, nss.path(ns), f"hd{dev}", host=host)
    topo["host-device"] = (a, b, "10.201.2.2")

    # (c) macvlan bridge mode: both pods on one veth master (its peer up, for the carrier)
    host = nss.new("mv-host")
    a, b = nss.new("mv-a"), nss.new("mv-b")
    bl.ip("link", "add", "mv0", "type", "veth", "peer", "name", "mv0p", ns=host)
    bl.ip("link", "set", "mv0", "up", ns=host)
    bl.ip("link", "set", "mv0p", "up", ns=host)
    for ns, addr in ((a, "10.201.3.1/24"), (b, "10.201.3.2/24")):
        conf = {"cniVersion": "1.0.0", "name": "bench-mv", "type": "macvlan", "master": "mv0",
                "mode": "bridge", "stateDir": state, "ipam": static_ipam(addr)}
        bl.cni(bl.BIN / "macvlan", "ADD", conf, nss.path(ns), f"mv{ns[-1]}", host=host)
    topo["macvlan"] = (a, b, "10.201.3.2")

    # (d) reference bridge plugin with host-local IPAM
    host = nss.new("br-host")
    a, b = nss.new("br-a"), nss.new("br-b")
    server = None
    for ns in (a, b):
        conf = {"cniVersion": "1.0.0", "name": "bench-br", "type": "bridge",
                "bridge": "cnibench0", "isGateway": False, "ipMasq": False,
                "ipam": {"type": "host-local", "subnet": "10.201.4.0/24",
                         "dataDir": str(Path(state) / "host-local")}}
        res = bl.cni(bl.REF / "bridge", "ADD", conf, nss.path(ns), f"br{ns[-1]}", host=host)
        server = res["ips"][0]["address"].split("/")[0]
    topo["bridge"] = (a, b, server)
    return topo


def wait_listening(ns, port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        r = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Hltn", f"sport = :{port}"],
                           capture_output=True, text=True)
        if r.stdout.strip():
            return
        time.sleep(0.05)
    raise RuntimeError(f"iperf3 server in {ns} not listening")


def iperf(client_ns, server, seconds):
    r = subprocess.run(["ip", "netns", "exec", client_ns, "iperf3", "-c", server,
                        "-p", str(PORT), "-t", str(seconds), "-J"],
                       capture_output=True, text=True, timeout=seconds + 30)
    try:
        out = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"iperf3 to {server}: {r.stderr.strip() or r.stdout[-300:]}")
    if "error" in out:
        raise RuntimeError(f"iperf3 to {server}: {out['error']}")
    end = out["end"]
    cpu = end.get("cpu_utilization_percent", {})
    return (end["sum_received"]["bits_per_second"], end["sum_sent"].get("retransmits", 0),
            cpu.get("host_total", 0.0) + cpu.get("remote_total", 0.0))


def main():
    ap = argparse.ArgumentParser()
    # many short runs rather than a few long ones: the paired ratios of 10 rounds are steadier
    # on a shared machine than those of 3-5 (veth TCP reaches its rate within milliseconds)
    ap.add_argument("--runs", type=int, default=1 if bl.quick() else 10)
    ap.add_argument("--seconds", type=int, default=1 if bl.quick() else 2)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    bl.trap_signals()

    servers = []
    state = tempfile.mkdtemp(prefix="vdn-bench-dp-")
    samples = {k: [] for k, _ in CASES}
    retrans = {k: 0 for k, _ in CASES}
    cpu = {k: [] for k, _ in CASES}
    nss = bl.Namespaces("d")
    try:
        topo = setup(nss, state)
        for key, _ in CASES:
            _, srv_ns, addr = topo[key]
            servers.append(subprocess.Popen(
                ["ip", "netns", "exec", srv_ns, "iperf3", "-s", "-B", addr, "-p", str(PORT)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_listening(srv_ns, PORT)
        for i in range(a.runs):
            # rotate the starting case too, so no case is always first after a pause
            order = CASES[i % len(CASES):] + CASES[:i % len(CASES)]
            for key, _ in order:
                cli_ns, _, addr = topo[key]
                bps, rt, c = iperf(cli_ns, addr, a.seconds)
                samples[key].append(bps)
                retrans[key] += rt
                cpu[key].append(c)
    finally:
        for p in servers:
            p.terminate()
        for p in servers:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        nss.close()
        subprocess.run(["rm", "-rf", state])

    rows = []
    for key, label in CASES:
        s = bl.spread(samples[key])
        # each run against the anchor's run of the same round (seconds apart, under the
        # same load): the median of these paired ratios is the headline
        paired = [x / y for x, y in zip(samples[key], samples["veth"]) if y]
        rows.append({"case": key, "label": label, "runs": a.runs, "seconds": a.seconds,
                     "gbps": {k: (v / 1e9 if k != "n" else v) for k, v in s.items()},
                     "samples_gbps": [x / 1e9 for x in samples[key]],
                     "retransmits": retrans[key],
                     # iperf3's sender + receiver CPU use, in % of one CPU
                     "cpu_percent": bl.spread(cpu[key])["median"],
                     "ratio": bl.spread(paired)["median"] if paired else 0.0,
                     "paired_ratios": paired,
                     "target": TARGETS.get(key)})
    print(f"{'path':46} {'Gbit/s median':>13} {'min':>7} {'max':>7} {'ratio':>7} target")
    for r in rows:
        t = r["target"]
        verdict = "" if t is None else f">= {t:.2f}x " + ("met" if r["ratio"] >= t else "MISSED")
        print(f"{r['label']:46} {r['gbps']['median']:13.2f} {r['gbps']['min']:7.2f} "
              f"{r['gbps']['max']:7.2f} {r['ratio']:6.2f}x {verdict}")
    print(f"iperf3 TCP, {a.runs} run(s) x {a.seconds} s per path, round-robin; "
          "ratio = median over the rounds of (this path / the bare veth pair in that round)")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(bl.run_main(main))
