#!/usr/bin/env python3
"""Churn: N pods (200) created, then deleted, through the CNI, 8 at a time, as a busy node's
runtime would: pods per second for
  ours       multicni -> macvlan + vdhcp (the pod's annotation read from the fake Kubernetes
             API over HTTPS, leases from the fake vDHCP server),
  ref/multi  multicni -> reference macvlan + host-local (the same meta plugin, the reference
             stack beneath it),
  ref        reference macvlan + host-local called directly (no meta plugin, no API).
The variants run alternately (ours, ref/multi, ref, then the reverse order). Pods are network
namespaces made beforehand; only the ADD and DEL calls are timed. Every call runs under
spawn_rusage, so the CPU of each variant counts every plugin process it started."""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib as bl
from bench_plugins import TOKEN, VDHCP_BASE, make_certs, setns, setns_fd, write_kubeconfig

sys.path.insert(0, str(bl.FAKES))
from client import Fake  # noqa: E402

VARIANTS = [("ours", "multicni -> macvlan + vdhcp"),
            ("ref-multi", "multicni -> reference macvlan + host-local"),
            ("ref", "reference macvlan + host-local, direct")]


def make_pods(nss, n):
    """n namespaces in one `ip -batch` (their names recorded for cleanup first)."""
    names = [f"{nss.prefix}-p{i}" for i in range(n)]
    nss.made.extend(names)
    subprocess.run(["ip", "-batch", "-"], input="".join(f"netns add {x}\n" for x in names),
                   text=True, check=True, capture_output=True)
    return names


def churn(calls_for, pods, parallel, after_add=None):
    """ADD every pod, then DEL every pod, `parallel` at a time: wall time of each phase, the
    latency of each call, the CPU of all of them."""
    out = {}
    for command in ("ADD", "DEL"):
        def one(i):
            cpu = wall = 0.0
            calls = calls_for(i)
            for binary, conf, env in (calls if command == "ADD" else reversed(calls)):
                c, w, _ = bl.measured_cmd([binary], dict(env, CNI_COMMAND=command),
                                          conf, f"{binary} {command} pod {i}")
                cpu, wall = cpu + c, wall + w
            return cpu, wall
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(parallel) as pool:
            res = list(pool.map(one, range(len(pods))))
        out[command] = {"seconds": time.monotonic() - t0,
                        "cpu_s": sum(r[0] for r in res),
                        "latency_ms": bl.spread([r[1] * 1e3 for r in res])}
        if command == "ADD" and after_add:
            out["after_add"] = after_add()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=8 if bl.quick() else 200)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--reps", type=int, default=1 if bl.quick() else 2)
    ap.add_argument("--json")
    a = ap.parse_args()
    bl.trap_signals()

    need = [bl.BIN / b for b in ("multicni", "macvlan", "vdhcp")]
    if not all(p.exists() for p in need):
        print("churn: needs bin/multicni, bin/macvlan and bin/vdhcp; skipped")
        if a.json:
            Path(a.json).write_text(json.dumps({"skipped": True}))
        return 0

    nss = bl.Namespaces("c")
    state = tempfile.mkdtemp(prefix="vdn-bench-churn-")
    fakes = []
    results = {k: [] for k, _ in VARIANTS}
    leases_seen = []
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        host, wire = nss.new("host"), nss.new("wire")
        bl.ip("link", "add", "nic0", "type", "veth", "peer", "name", "wnic0", "netns", wire,
              ns=host)
        bl.ip("link", "set", "wnic0", "up", ns=wire)
        pods = make_pods(nss, a.pods)
        setns(nss.path(host))

        v = Fake("vdhcp_server.py", "--quiet", "--pool", "default=172.16.0.0/16")
        fakes.append(v)
        certs = make_certs(state)
        k = Fake("kube_api.py", "--quiet", "--cert", certs["crt"], "--key", certs["key"],
                 "--token", TOKEN, cafile=certs["ca"])
        fakes.append(k)
        kcfg = write_kubeconfig(f"{state}/kubeconfig", k.url, certs["ca"])
        k.set_state({"pods": [{
            "metadata": {"name": f"pod{i}", "namespace": "default",
                         "annotations": {"cni-plugins": '["net"]'}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Pending"}} for i in range(a.pods)]})

        vdhcp = {"type": "vdhcp", "timeoutMs": 5000, "stateDir": f"{state}/vdhcp",
                 "servers": [{"url": v.url + VDHCP_BASE, "user": "onos", "password": "rocks"}]}
        host_local = {"type": "host-local", "ranges": [[{"subnet": "10.97.0.0/16"}]],
                      "dataDir": f"{state}/host-local"}

        def macvlan(ipam, stdir):
            c = {"type": "macvlan", "master": "nic0", "mode": "bridge", "ipam": ipam}
            if stdir:
                c["stateDir"] = stdir
            return c

        def multicni(delegate, stdir):
            return json.dumps({"cniVersion": "1.0.0", "name": "churn", "type": "multicni",
                               "kubeconfig": kcfg, "stateDir": stdir, "default": "net",
                               "plugins": [dict(delegate, name="net")]})

        conf_ours = multicni(macvlan(vdhcp, f"{state}/mv"), f"{state}/mc-ours")
        conf_refm = multicni(macvlan(host_local, None), f"{state}/mc-ref")
        conf_ref = json.dumps(dict(macvlan(host_local, None), cniVersion="1.0.0", name="churn"))

        def env(variant, rep, i, path):
            return {"PATH": bl.SYS_PATH, "CNI_CONTAINERID": f"{variant}{rep}c{i}",
                    "CNI_NETNS": nss.path(pods[i]), "CNI_IFNAME": "eth0", "CNI_PATH": path,
                    "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod{i}"}

        ours_path, ref_path = f"{bl.BIN}:{bl.REF}", f"{bl.REF}:{bl.BIN}"
        calls = {
            "ours": lambda rep: lambda i: [(bl.BIN / "multicni", conf_ours,
                                            env("o", rep, i, ours_path))],
            # the reference plugins first in CNI_PATH, so multicni's "macvlan" is theirs
            "ref-multi": lambda rep: lambda i: [(bl.BIN / "multicni", conf_refm,
                                                 env("m", rep, i, ref_path))],
            "ref": lambda rep: lambda i: [(bl.REF / "macvlan", conf_ref,
                                           env("r", rep, i, ref_path))],
        }
        for rep in range(a.reps):
            order = VARIANTS if rep % 2 == 0 else VARIANTS[::-1]
            for key, _ in order:
                # every pod of ours must hold a lease between the two phases
                count = (lambda: len(v.state().get("leases", {}))) if key == "ours" else None
                r = churn(calls[key](rep), pods, a.parallel, count)
                results[key].append(r)
                if count:
                    leases_seen.append(r["after_add"])
    finally:
        for f in fakes:
            f.stop()
        try:
            setns_fd(home)
        finally:
            os.close(home)
            nss.close()
            subprocess.run(["rm", "-rf", state])

    rows = []
    for key, label in VARIANTS:
        runs = results[key]
        cyc = [a.pods / (r["ADD"]["seconds"] + r["DEL"]["seconds"]) for r in runs]
        rows.append({"variant": key, "label": label, "pods": a.pods, "parallel": a.parallel,
                     "reps": a.reps,
                     "pods_per_s": bl.spread(cyc),
                     "add_pods_per_s": bl.spread([a.pods / r["ADD"]["seconds"] for r in runs]),
                     "del_pods_per_s": bl.spread([a.pods / r["DEL"]["seconds"] for r in runs]),
                     "cpu_ms_per_pod": bl.spread([(r["ADD"]["cpu_s"] + r["DEL"]["cpu_s"]) * 1e3 /
                                                  a.pods for r in runs]),
                     "add_latency_ms": runs[0]["ADD"]["latency_ms"],
                     "del_latency_ms": runs[0]["DEL"]["latency_ms"]})
    anchor = rows[-1]["pods_per_s"]["median"]
    for r in rows:
        r["ratio"] = r["pods_per_s"]["median"] / anchor if anchor else 0.0
    print(f"{'churn: ' + str(a.pods) + ' pods, ' + str(a.parallel) + ' at a time':44} "
          f"{'pods/s':>7} {'create/s':>9} {'delete/s':>9} {'CPU ms/pod':>11} "
          f"{'ADD p50/p90 ms':>15} {'vs ref':>7}")
    for r in rows:
        print(f"{r['label']:44} {r['pods_per_s']['median']:7.1f} "
              f"{r['add_pods_per_s']['median']:9.1f} {r['del_pods_per_s']['median']:9.1f} "
              f"{r['cpu_ms_per_pod']['median']:11.1f} "
              f"{r['add_latency_ms']['median']:7.0f}/{r['add_latency_ms']['p90']:<7.0f} "
              f"{r['ratio']:6.2f}x")
    print(f"pods/s = pods / (create + delete time), median of {a.reps} run(s); "
          f"vdhcp leases held after each create phase: {leases_seen}")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "leases_after_add": leases_seen},
                                           indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(bl.run_main(main))
