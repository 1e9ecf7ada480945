#!/usr/bin/env python3
"""Scheduler: (1) CPU time of one scoring (eq. 1-3) of 1,000 and 10,000 synthetic regions with
10x as many SDN links (build/<variant>/bench/sched_score); (2) `vdno-scheduler select` against
8 and 32 fake regions (test/fakes/kube_api.py, one process each, on 127.0.0.1) that answer every
request after 50 ms, beside the same regions answering at once, alternately. The regions are
asked in parallel, so the total should stay near one answer's delay, not the sum."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import benchlib as bl

sys.path.insert(0, str(bl.FAKES))
from client import Fake  # noqa: E402

SCORE_TARGET_MS = 20.0
DELAY_S = 0.05
LINE = re.compile(r"(\d+) regions x\s*(\d+) users, (\d+) nodes each,\s*(\d+) links: one scoring\s+"
                  r"([\d.]+) ms CPU \(median of (\d+), min ([\d.]+) ms\); JSON explanation "
                  r"([\d.]+) ms")
SELECTION = {"alpha": 0.5, "beta": 0.5, "gammaCpu": 0.4, "gammaMemory": 0.4,
             "gammaStorage": 0.2}
TEMPLATES = [("Daejeon", "00:00:00:00:0D:01", "dedicated"),
             ("Seoul", "00:00:00:00:0D:02", "general"),
             ("Busan", "00:00:00:00:0D:03", "dedicated"),
             ("Chicago", "00:00:00:00:0D:04", "general")]
REQUEST = ["--cpu", "1", "--memory", "1Gi", "--storage", "1Gi",
           "--host", "00:1B:21:5E:03:11", "--host", "10.10.4.11"]


def score(regions, links):
    exe = bl.BUILD / "bench" / "sched_score"
    out = subprocess.run([str(exe), str(regions), str(links)], check=True, capture_output=True,
                         text=True).stdout
    m = LINE.search(out)
    if not m:
        raise RuntimeError(f"sched_score printed: {out!r}")
    return {"regions": int(m[1]), "users": int(m[2]), "nodes_per_region": int(m[3]),
            "links": int(m[4]), "cpu_ms": float(m[5]), "runs": int(m[6]),
            "min_cpu_ms": float(m[7]), "explain_json_ms": float(m[8])}


def node(name):
    return {"metadata": {"name": name}, "spec": {},
            "status": {"allocatable": {"cpu": "16", "memory": "64Gi",
                                       "ephemeral-storage": "400Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def kubeconfig(path, server, token):
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "ctx",
           "clusters": [{"name": "c", "cluster": {"server": server}}],
           "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
           "users": [{"name": "u", "user": {"token": token}}]}
    Path(path).write_text(json.dumps(doc))
    os.chmod(path, 0o600)


def select(n, rounds, tmp):
    """`select` against n fake regions: medians with and without the 50 ms delay."""
    fakes = []
    try:
        onos = Fake("onos.py", "--quiet")
        fakes.append(onos)
        config = {"regions": [], "selection": SELECTION, "timeoutMs": 5000,
                  "onos": {"url": onos.url + "/onos/v1", "user": "onos", "password": "rocks"}}
        kubes = []
        for i in range(n):
            city, mac, mode = TEMPLATES[i % len(TEMPLATES)]
            if i >= len(TEMPLATES):   # macAddress must be unique; ONOS does not know these
                mac = "00:00:00:00:0F:%02X" % i
            token = f"tok-{i}"
            k = Fake("kube_api.py", "--token", token, "--quiet")
            fakes.append(k)
            kubes.append(k)
            k.set_state({"nodes": [node(f"r{i}-n1")], "pods": []})
            kc = Path(tmp) / f"r{i}.kubeconfig"
            kubeconfig(kc, k.url, token)
            config["regions"].append({"id": f"r{i}", "name": city, "mode": mode,
                                      "config": str(kc), "namespace": "vdno",
                                      "macAddress": mac, "city": city,
                                      "weights": {city: 1.0}, "dataVolume": 10})
        cfg = Path(tmp) / f"config-{n}.json"
        cfg.write_text(json.dumps(config))
        cmd = [bl.BIN / "vdno-scheduler", "-c", str(cfg), "-o", "json", "select"] + REQUEST
        got = {"fast": [], "slow": []}
        spreads = []
        for i in range(rounds):
            order = ("fast", "slow") if i % 2 == 0 else ("slow", "fast")
            for who in order:
                for k in kubes:
                    k.clear_injections()
                    k.reset_requests()
                    if who == "slow":
                        k.inject(delay=DELAY_S)
                env = {"PATH": bl.SYS_PATH}
                cpu, wall, rss = bl.measured_cmd(cmd, env)
                got[who].append((cpu * 1e3, wall * 1e3, rss))
                if who == "slow":
                    # when the requests reached the fakes (before their delay): all within a
                    # short spread = asked in parallel
                    times = sorted(q["time"] for k in kubes for q in k.requests())
                    spreads.append((times[-1] - times[0]) * 1e3 if times else 0.0)
        row = {"regions": n, "rounds": rounds, "delay_ms": DELAY_S * 1e3,
               "sequential_ms": n * DELAY_S * 1e3}
        for who in ("fast", "slow"):
            row[f"{who}_wall_ms"] = bl.spread([x[1] for x in got[who]])
            row[f"{who}_cpu_ms"] = bl.spread([x[0] for x in got[who]])
            row[f"{who}_rss_kib"] = max(x[2] for x in got[who])
        # what the delays added, in units of one delay: ~1 when the regions are asked in
        # parallel, ~n (or more) when one after the other
        row["added_ms"] = row["slow_wall_ms"]["median"] - row["fast_wall_ms"]["median"]
        row["ratio"] = row["added_ms"] / row["delay_ms"]
        row["arrival_spread_ms"] = bl.spread(spreads)
        row["requests"] = len(kubes) * 2
        return row
    finally:
        for f in fakes:
            f.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1 if bl.quick() else 10)
    ap.add_argument("--json")
    a = ap.parse_args()
    bl.trap_signals()

    out = {"score_target_ms": SCORE_TARGET_MS, "score": [], "select": []}
    sizes = [(1000, 10000)] + ([] if bl.quick() else [(10000, 100000)])
    for regions, links in sizes:
        out["score"].append(score(regions, links))
    base = out["score"][0]["cpu_ms"]
    for s in out["score"]:
        s["ratio_to_target"] = s["cpu_ms"] / SCORE_TARGET_MS
        s["ratio_to_1000"] = s["cpu_ms"] / base
    for s in out["score"]:
        print(f"score {s['regions']:6d} regions, {s['links']:6d} links, {s['users']} users: "
              f"{s['cpu_ms']:8.3f} ms CPU (median of {s['runs']}), "
              f"{s['ratio_to_target']:.3f}x the 20 ms target, "
              f"{s['ratio_to_1000']:.1f}x 1,000 regions; --explain JSON {s['explain_json_ms']:.0f} ms")

    if (bl.BIN / "vdno-scheduler").exists():
        with tempfile.TemporaryDirectory(prefix="vdn-bench-sched-") as tmp:
            for n in ([4] if bl.quick() else [8, 32]):
                out["select"].append(select(n, a.rounds, tmp))
        for r in out["select"]:
            print(f"select, {r['regions']:2d} regions answering after {r['delay_ms']:.0f} ms: "
                  f"{r['slow_wall_ms']['median']:.0f} ms wall "
                  f"({r['slow_wall_ms']['p10']:.0f}-{r['slow_wall_ms']['p90']:.0f}); at once: "
                  f"{r['fast_wall_ms']['median']:.0f} ms wall, "
                  f"{r['fast_cpu_ms']['median']:.1f} ms CPU; the delays added "
                  f"{r['added_ms']:.0f} ms = {r['ratio']:.1f}x one delay "
                  f"(one after the other: {r['regions']}x); its {r['requests']} requests "
                  f"reached the fakes within {r['arrival_spread_ms']['median']:.0f} ms")
    else:
        print("select: bin/vdno-scheduler not built, skipped")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(bl.run_main(main))
