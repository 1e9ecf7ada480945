#!/usr/bin/env python3
"""Joins the JSON of the four benches (bench/plugins.json, dataplane.json, sched.json,
churn.json) into bench/results.md and PNG plots (gnuplot), and prints the summary: every
figure with its anchor, the ratio to it and the target. Parts that did not run are marked."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load(d, name):
    p = Path(d) / f"{name}.json"
    if not p.exists():
        return None
    data = json.loads(p.read_text())
    return None if isinstance(data, dict) and data.get("skipped") else data


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine():
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    vm, ct = sh("systemd-detect-virt", "--vm"), sh("systemd-detect-virt", "--container")
    virt = ", ".join(x for x in (f"VM: {vm}" if vm and vm != "none" else "",
                                 f"container: {ct}" if ct and ct != "none" else "") if x) \
        or "bare metal"
    debian = Path("/etc/debian_version").read_text().strip() \
        if Path("/etc/debian_version").exists() else "?"
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gib": round(int(mem) / 2**20),
            "virtualization": virt, "kernel": platform.release(), "debian": debian,
            "reference": sh("dpkg-query", "-W", "-f=${Version}", "containernetworking-plugins"),
            "iperf3": sh("dpkg-query", "-W", "-f=${Version}", "iperf3"),
            "commit": sh("git", "-C", str(ROOT), "describe", "--always", "--dirty"),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def verdict(met):
    return "" if met is None else ("met" if met else "**missed**")


def ms(s):
    return f"{s['median']:.1f} ({s['p10']:.1f}–{s['p90']:.1f})"


def kib(k):
    return f"{k / 1024:.2f} MiB" if k >= 1024 else f"{k} KiB"


def summary_rows(cp, dp, sc, ch):
    """(figure, ours, anchor, ratio, target, verdict) for every headline figure."""
    out = []
    if cp:
        for r in cp["rows"]:
            oc, ac = r["ours_cpu_ms"]["median"], r["anchor_cpu_ms"]["median"]
            ow, aw = r["ours_wall_ms"]["median"], r["anchor_wall_ms"]["median"]
            if r["kind"] == "floor":
                out.append((f"{r['case']}: CPU per cycle", f"{oc:.1f} ms", "–", "–", "–", ""))
                continue
            if r["kind"] == "overhead":
                out.append((f"{r['case']}: CPU per cycle", f"{oc:.1f} ms",
                            f"{ac:.1f} ms ({r['anchor']})", f"{r['ratio']:.2f}×",
                            f"overhead < {r['target']:g} ms",
                            f"+{r['overhead_cpu_ms']:.1f} ms {verdict(r['met'])}"))
                out.append((f"{r['case']}: wall per cycle", f"{ow:.0f} ms", f"{aw:.0f} ms",
                            f"{ow / aw:.2f}×" if aw else "–", "–",
                            f"+{r['overhead_wall_ms']:.0f} ms"))
            else:
                tgt = f"≥ {r['target']}× less" if r["target"] else "–"
                what = "CPU" if r["kind"] == "start" else "CPU per cycle"
                out.append((f"{r['case']}: {what}", f"{oc:.1f} ms",
                            f"{ac:.1f} ms ({r['anchor']})", less(ac, oc), tgt,
                            verdict(r["met"])))
                if r["kind"] != "start":
                    out.append((f"{r['case']}: wall per cycle", f"{ow:.0f} ms",
                                f"{aw:.0f} ms", less(aw, ow), "–", ""))
            if r["kind"] != "floor":
                out.append((f"{r['case']}: peak RSS", kib(r["ours_rss_kib"]),
                            kib(r["anchor_rss_kib"]),
                            less(r["anchor_rss_kib"], r["ours_rss_kib"]),
                            "< 2 MiB" if r["rss_met"] is not None else "–",
                            verdict(r["rss_met"])))
        for s in cp.get("sizes", []):
            if "ref_bytes" in s:
                out.append((f"binary size, {s['binary']} (stripped)",
                            f"{s['ours_bytes'] // 1024} KiB",
                            f"{s['ref_bytes'] // 1024} KiB ({s['ref_binary']})",
                            f"{s['ratio']:.1f}× smaller", "–", ""))
            else:
                out.append((f"binary size, {s['binary']} (stripped)",
                            f"{s['ours_bytes'] // 1024} KiB", "–", "–", "–", ""))
    if dp:
        anchor = dp[0]
        for r in dp:
            t = r.get("target")
            v = verdict(None if t is None else r["ratio"] >= t)
            pr = r.get("paired_ratios") or []
            if t is not None and r["ratio"] < t and pr and max(pr) >= t:
                # some rounds reach the target: the miss is within the machine's noise
                v += f" (within noise: rounds {min(pr):.2f}–{max(pr):.2f}×)"
            out.append((f"iperf3 TCP, {r['label']}", f"{r['gbps']['median']:.2f} Gbit/s",
                        f"{anchor['gbps']['median']:.2f} Gbit/s (bare veth)",
                        f"{r['ratio']:.2f}×", f"≥ {t:.2f}×" if t else "–", v))
    if sc:
        for s in sc["score"]:
            if s["regions"] == 1000:
                out.append((f"scheduler: one scoring, 1,000 regions / {s['links']:,} links",
                            f"{s['cpu_ms']:.2f} ms CPU", f"{sc['score_target_ms']:.0f} ms (target)",
                            f"{s['ratio_to_target']:.3f}×", "< 20 ms",
                            verdict(s["cpu_ms"] < sc["score_target_ms"])))
            else:
                out.append((f"scheduler: one scoring, {s['regions']:,} regions / "
                            f"{s['links']:,} links", f"{s['cpu_ms']:.2f} ms CPU",
                            f"{sc['score'][0]['cpu_ms']:.2f} ms (1,000 regions)",
                            f"{s['ratio_to_1000']:.1f}×", "–", ""))
        for r in sc["select"]:
            out.append((f"scheduler: select, {r['regions']} regions answering after "
                        f"{r['delay_ms']:.0f} ms", f"{r['slow_wall_ms']['median']:.0f} ms wall",
                        f"{r['fast_wall_ms']['median']:.0f} ms (answering at once)",
                        f"+{r['added_ms']:.0f} ms = {r['ratio']:.1f}× one delay",
                        f"≈ 1× one delay, not {r['regions']}×",
                        verdict(r["ratio"] < 2)))
    if ch:
        rows = ch["rows"]
        ref = rows[-1]
        for r in rows:
            out.append((f"churn, {r['pods']} pods {r['parallel']} at a time: {r['label']}",
                        f"{r['pods_per_s']['median']:.1f} pods/s",
                        f"{ref['pods_per_s']['median']:.1f} pods/s ({ref['label']})",
                        f"{r['ratio']:.2f}×", "–", ""))
    return out


def less(anchor, ours, unit="less"):
    """'3.2× less' when ours is smaller than the anchor, '1.4× more' when larger."""
    if not ours or not anchor:
        return "–"
    more = {"less": "more", "smaller": "larger"}[unit]
    return f"{anchor / ours:.1f}× {unit}" if anchor >= ours else f"{ours / anchor:.1f}× {more}"


def md_table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def gnuplot(script, data, out):
    with tempfile.TemporaryDirectory() as d:
        for name, text in data.items():
            Path(d, name).write_text(text)
        r = subprocess.run(["gnuplot"], input=script.encode(), cwd=d, capture_output=True)
    if r.returncode != 0:
        print(f"report: gnuplot failed for {out.name}: {r.stderr.decode(errors='replace').strip()[-400:]}",
              file=sys.stderr)
        return False
    return True


HEAD = """set terminal pngcairo size {w},{h} font "sans,9"
set output "{out}"
set style data histogram
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
"""


def q(s):
    return '"' + s.replace('"', "'") + '"'


def plots(outdir, cp, dp, sc, ch):
    made = []
    if cp:
        rows = [r for r in cp["rows"] if r["kind"] not in ("floor", "start")]
        data = "".join(
            f"{q(r['case'].replace(' -> ', ' → '))} "
            f"{r['ours_cpu_ms']['median']} {r['ours_cpu_ms']['p10']} {r['ours_cpu_ms']['p90']} "
            f"{r['anchor_cpu_ms']['median']} {r['anchor_cpu_ms']['p10']} "
            f"{r['anchor_cpu_ms']['p90']}\n" for r in rows)
        out = outdir / "controlplane.png"
        script = HEAD.format(w=860, h=420, out=out) + """
set style histogram errorbars gap 1 lw 1
set key top center horizontal
set bmargin 7
set rmargin 14
set title "ADD+DEL cycle, CPU ms (median, bars 10th–90th percentile); lower is better"
set ylabel "CPU ms per cycle"
set xtics rotate by -20 scale 0
plot "cp.dat" using 2:3:4:xtic(1) title "ours" lc rgb "#2b7bba", \\
     "" using 5:6:7 title "reference / delegates called directly" lc rgb "#bbbbbb"
"""
        if gnuplot(script, {"cp.dat": data}, out):
            made.append(out.name)
    if dp:
        data = "".join(f"{q(r['case'])} {r['gbps']['median']} {r['gbps']['min']} "
                       f"{r['gbps']['max']} {r['ratio']:.2f}\n" for r in dp)
        out = outdir / "dataplane.png"
        script = HEAD.format(w=640, h=340, out=out) + """
set style histogram errorbars gap 1 lw 1
set title "iperf3 TCP between two pods, Gbit/s (median, bars min–max)"
set ylabel "Gbit/s"
set key off
set xtics scale 0
plot "dp.dat" using 2:3:4:xtic(1) lc rgb "#2b7bba", \\
     "" using ($0):($2):(sprintf("%.2f×", $5)) with labels offset 0,1.2 notitle
"""
        if gnuplot(script, {"dp.dat": data}, out):
            made.append(out.name)
    if ch:
        short = {"ours": "ours: multicni →\\nmacvlan + vdhcp",
                 "ref-multi": "multicni →\\nreference macvlan\\n+ host-local",
                 "ref": "reference macvlan\\n+ host-local\\n(no multicni)"}
        data = "".join(f"{r['variant']} {r['pods_per_s']['median']} "
                       f"{r['pods_per_s']['min']} {r['pods_per_s']['max']}\n"
                       for r in ch["rows"])
        tics = ", ".join(f'"{short.get(r["variant"], r["variant"])}" {i}'
                         for i, r in enumerate(ch["rows"]))
        out = outdir / "churn.png"
        script = HEAD.format(w=640, h=360, out=out) + f"""
set style histogram errorbars gap 1 lw 1
set title "Churn: {ch['rows'][0]['pods']} pods created and deleted, \\
{ch['rows'][0]['parallel']} at a time; pods/s (median, bars min–max)"
set ylabel "pods/s"
set key off
set bmargin 5
set xtics scale 0 ({tics})
plot "ch.dat" using 2:3:4 lc rgb "#2b7bba"
"""
        if gnuplot(script, {"ch.dat": data}, out):
            made.append(out.name)
    if sc and sc["select"]:
        data = "".join(f"{r['regions']} {r['fast_wall_ms']['median']} "
                       f"{r['slow_wall_ms']['median']} "
                       f"{r['fast_wall_ms']['median'] + r['sequential_ms']}\n"
                       for r in sc["select"])
        sdata = "".join(f"{q(format(s['regions'], ','))} {s['cpu_ms']}\n" for s in sc["score"])
        out = outdir / "scheduler.png"
        script = HEAD.format(w=760, h=380, out=out) + """
set multiplot layout 1,2
set key below
set title "one scoring (eq. 1–3), CPU ms"
set xlabel "regions"
set key top left
plot "score.dat" using 2:xtic(1) title "ours" lc rgb "#2b7bba", \\
     20 with lines dt 2 lc rgb "red" title "target, 1,000 regions"
set title "select, wall ms"
set xlabel "fake regions"
plot "sel.dat" using 2:xtic(1) title "answering at once" lc rgb "#bbbbbb", \\
     "" using 3 title "each after 50 ms" lc rgb "#2b7bba", \\
     "" using 4 title "if asked one after another" lc rgb "#f0a0a0"
unset multiplot
"""
        if gnuplot(script, {"sel.dat": data, "score.dat": sdata}, out):
            made.append(out.name)
    return made


def write_md(path, m, load, cp, dp, sc, ch, summary, pngs):
    L = []
    L.append("# vdn-cni benchmark results\n")
    L.append(f"Written by `make bench` on {m['date']} (commit {m['commit']}"
             f"{', BENCH_QUICK: tiny counts, not figures to quote' if load.get('quick') else ''}"
             ").\n")
    L.append(f"Machine: {m['cpus']} vCPU {m['cpu']} ({m['virtualization']}), "
             f"{m['memory_gib']} GiB, Linux {m['kernel']}, Debian {m['debian']}; reference "
             f"plugins: Debian containernetworking-plugins {m['reference']}; iperf3 "
             f"{m['iperf3']}. Load average (1 min) at start {load.get('start', '?')}, at end "
             f"{load.get('end', '?')}: other jobs share the machine, so every comparison "
             "alternates ours and the anchor.\n")
    L.append("## Summary: every figure against its anchor\n")
    L.append(md_table(["figure", "ours", "anchor", "ratio", "target", ""], summary))
    L.append("")
    for p in pngs:
        L.append(f"![{p}]({p})")
    L.append("")
    if cp:
        L.append(f"## 1. Control plane ({cp['rounds']} alternating rounds)\n")
        L.append("Per ADD+DEL cycle, median (10th–90th percentile). CPU is the kernel's task "
                 "clock of the plugin and every process it starts (IPAM, delegates); peak RSS "
                 "the largest resident set among them.\n")
        L.append(md_table(
            ["case", "ours", "anchor", "ours CPU ms", "anchor CPU ms", "ratio",
             "ours wall ms", "anchor wall ms", "ours peak RSS", "anchor peak RSS"],
            [(r["case"], r["ours"], r["anchor"], ms(r["ours_cpu_ms"]), ms(r["anchor_cpu_ms"]),
              (f"+{r['overhead_cpu_ms']:.1f} ms" if r["kind"] == "overhead"
               else f"{r['ratio']:.1f}×"),
              ms(r["ours_wall_ms"]), ms(r["anchor_wall_ms"]), kib(r["ours_rss_kib"]),
              kib(r["anchor_rss_kib"])) for r in cp["rows"]]))
        L.append("")
        notes = [f"* {r['case']}: {r['note']}" for r in cp["rows"] if r.get("note")]
        if notes:
            L += notes + [""]
        L.append(md_table(["binary", "stripped", "on disk (with debug info)", "reference",
                           "reference size", "ratio"],
                          [(s["binary"], f"{s['ours_bytes'] // 1024} KiB",
                            f"{s['ours_disk_bytes'] // 1024} KiB", s.get("ref_binary", "–"),
                            f"{s['ref_bytes'] // 1024} KiB" if "ref_bytes" in s else "–",
                            f"{s['ratio']:.1f}×" if "ratio" in s else "–")
                           for s in cp["sizes"]]))
        L.append("")
    if dp:
        L.append(f"## 2. Data plane ({dp[0]['runs']} runs × {dp[0]['seconds']} s per path, "
                 "round-robin)\n")
        L.append("The four paths are measured round-robin; a path's ratio is the median over "
                 "the rounds of its throughput divided by the bare veth pair's in the same "
                 "round (range in brackets).\n")
        L.append(md_table(["path", "Gbit/s median", "min", "max", "ratio to bare veth",
                           "target", "TCP retransmits", "iperf3 CPU %"],
                          [(r["label"], f"{r['gbps']['median']:.2f}", f"{r['gbps']['min']:.2f}",
                            f"{r['gbps']['max']:.2f}",
                            f"{r['ratio']:.2f}× ({min(r.get('paired_ratios') or [0]):.2f}–"
                            f"{max(r.get('paired_ratios') or [0]):.2f})",
                            f"≥ {r['target']:.2f}×" if r.get("target") else "–",
                            r["retransmits"], f"{r.get('cpu_percent', 0):.0f}")
                           for r in dp]))
        L.append("")
    if sc:
        L.append("## 3. Scheduler\n")
        L.append(md_table(["regions", "links", "users", "one scoring, CPU ms (median)",
                           "min", "ratio to 20 ms target", "--explain JSON, CPU ms"],
                          [(f"{s['regions']:,}", f"{s['links']:,}", s["users"],
                            f"{s['cpu_ms']:.3f}", f"{s['min_cpu_ms']:.3f}",
                            f"{s['ratio_to_target']:.3f}×", f"{s['explain_json_ms']:.0f}")
                           for s in sc["score"]]))
        L.append("")
        if sc["select"]:
            L.append(md_table(["fake regions", "each after 50 ms: wall ms", "at once: wall ms",
                               "at once: CPU ms", "added by the delays", "one after another",
                               "requests reached the fakes within"],
                              [(r["regions"], ms(r["slow_wall_ms"]), ms(r["fast_wall_ms"]),
                                ms(r["fast_cpu_ms"]),
                                f"{r['added_ms']:.0f} ms = {r['ratio']:.1f}× one delay",
                                f"≥ {r['sequential_ms']:.0f} ms",
                                f"{r['requests']} in {r['arrival_spread_ms']['median']:.0f} ms"
                                if "arrival_spread_ms" in r else "–")
                               for r in sc["select"]]))
        else:
            L.append("`select`: bin/vdno-scheduler not built, not measured.")
        L.append("")
    if ch:
        r0 = ch["rows"][0]
        L.append(f"## 4. Churn ({r0['pods']} pods, {r0['parallel']} at a time, "
                 f"{r0['reps']} run(s) each)\n")
        L.append(md_table(["stack", "pods/s (create+delete)", "create pods/s",
                           "delete pods/s", "CPU ms per pod", "ADD latency ms p50 / p90",
                           "ratio to reference direct"],
                          [(r["label"], f"{r['pods_per_s']['median']:.1f}",
                            f"{r['add_pods_per_s']['median']:.1f}",
                            f"{r['del_pods_per_s']['median']:.1f}",
                            f"{r['cpu_ms_per_pod']['median']:.1f}",
                            f"{r['add_latency_ms']['median']:.0f} / "
                            f"{r['add_latency_ms']['p90']:.0f}", f"{r['ratio']:.2f}×")
                           for r in ch["rows"]]))
        L.append(f"\nvDHCP leases held after each create phase of ours: "
                 f"{ch['leases_after_add']} (one per pod).\n")
    else:
        L.append("## 4. Churn\n\nNot measured: needs bin/multicni, bin/macvlan and bin/vdhcp.\n")
    path.write_text("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=str(ROOT / "bench"))
    ap.add_argument("--load-start", default="?")
    a = ap.parse_args()
    d = Path(a.dir).resolve()
    cp, dp, sc, ch = (load(d, n) for n in ("plugins", "dataplane", "sched", "churn"))
    m = machine()
    load_info = {"start": a.load_start, "end": Path("/proc/loadavg").read_text().split()[0],
                 "quick": os.environ.get("BENCH_QUICK", "") not in ("", "0")}
    summary = summary_rows(cp, dp, sc, ch)
    pngs = plots(d, cp, dp, sc, ch)
    write_md(d / "results.md", m, load_info, cp, dp, sc, ch, summary, pngs)
    (d / "machine.json").write_text(json.dumps(dict(m, load=load_info), indent=2))

    w = [max(len(str(r[i])) for r in summary + [("figure", "ours", "anchor", "ratio", "target",
                                                  "")]) for i in range(6)]
    w[0] = min(w[0], 70)
    print()
    rel = os.path.relpath(d, ROOT)
    print(f"== Summary: every figure against its anchor ({rel}/results.md, "
          + ", ".join(f"{rel}/{p}" for p in pngs) + ")")
    for r in [("figure", "ours", "anchor", "ratio", "target", "")] + summary:
        print("  ".join(str(c)[:w[i]].ljust(w[i]) for i, c in enumerate(r)).rstrip()
              .replace("**", ""))
    print(f"machine: {m['cpus']} vCPU {m['cpu']}, Linux {m['kernel']}; load average "
          f"{load_info['start']} at start, {load_info['end']} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
