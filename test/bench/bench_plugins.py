#!/usr/bin/env python3
"""Control plane: the ADD+DEL cycle of our plugins against an anchor (the reference plugins in
/usr/lib/cni, or for multicni the same delegates called directly), measured alternately in
one run on the same veth "NICs" in throw-away namespaces.

Every call runs under spawn_rusage: CPU is the kernel's task clock of the plugin and of every
process it starts (IPAM, delegates), wall the time from exec to exit, peak RSS the largest
resident set of that process tree. Rows are skipped when our binary is not built. The fake
vDHCP and Kubernetes API servers run inside the bench's own "host" namespace on its 127.0.0.1,
where the plugins run, so they are reachable without touching the machine's interfaces."""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import benchlib as bl

sys.path.insert(0, str(bl.FAKES))
from client import Fake  # noqa: E402

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)
RSS_TARGET_KIB = 2048
TOKEN = "bench-token"
VDHCP_BASE = "/vdn/v1/vdhcp/dhcp/"


def setns_fd(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        setns_fd(fd)
    finally:
        os.close(fd)


class Side:
    """How one side of a comparison runs an ADD+DEL cycle: a list of (binary, conf, ifname,
    cni_args) called in order for ADD and in reverse order for DEL."""

    def __init__(self, label, calls):
        self.label = label
        self.calls = calls

    def cycle(self, pod, cid):
        cpu = wall = 0.0
        rss = 0
        for binary, conf, ifname, args in self.calls:
            c, w, m = bl.measured(binary, "ADD", conf, pod, cid, ifname, args)
            cpu, wall, rss = cpu + c, wall + w, max(rss, m)
        for binary, conf, ifname, args in reversed(self.calls):
            c, w, m = bl.measured(binary, "DEL", conf, pod, cid, ifname, args)
            cpu, wall, rss = cpu + c, wall + w, max(rss, m)
        return cpu, wall, rss


class Version(Side):
    """Only starting the binary: one VERSION call (no work, no namespace, no network)."""

    def __init__(self, label, binary):
        super().__init__(label, [])
        self.binary = binary

    def cycle(self, pod, cid):
        return bl.measured_cmd([self.binary], {"PATH": bl.SYS_PATH, "CNI_COMMAND": "VERSION"},
                               '{"cniVersion": "1.0.0"}')


def one(binary, conf, ifname="eth0", args=None):
    return [(binary, conf, ifname, args)]


def compare(case, kind, ours, anchor, rounds, pod, target=None, note="", rss_ours=True):
    """`rounds` alternating cycles (ours first on even rounds, the anchor first on odd ones).
    rss_ours: every process of our side is ours, so the 2 MiB target applies to its peak
    (not when a reference IPAM plugin runs under ours)."""
    got = {"ours": [], "anchor": []}
    for i in range(rounds):
        order = (("ours", ours), ("anchor", anchor))
        for who, side in (order if i % 2 == 0 else order[::-1]):
            got[who].append(side.cycle(pod, f"b{i}{who}"))
    row = {"case": case, "kind": kind, "rounds": rounds, "ours": ours.label,
           "anchor": anchor.label, "target": target, "note": note}
    for who in ("ours", "anchor"):
        row[f"{who}_cpu_ms"] = bl.spread([x[0] * 1e3 for x in got[who]])
        row[f"{who}_wall_ms"] = bl.spread([x[1] * 1e3 for x in got[who]])
        row[f"{who}_rss_kib"] = max(x[2] for x in got[who])
    oc, ac = row["ours_cpu_ms"]["median"], row["anchor_cpu_ms"]["median"]
    if kind == "overhead":
        # ours = multicni with its delegates, anchor = the delegates alone: the difference
        row["overhead_cpu_ms"] = oc - ac
        row["overhead_wall_ms"] = row["ours_wall_ms"]["median"] - row["anchor_wall_ms"]["median"]
        row["ratio"] = oc / ac if ac else 0.0
        row["met"] = None if target is None else row["overhead_cpu_ms"] < target
    else:
        row["ratio"] = ac / oc if oc else 0.0
        row["met"] = None if target is None else row["ratio"] >= target
    row["rss_met"] = row["ours_rss_kib"] < RSS_TARGET_KIB \
        if kind not in ("floor", "start") and rss_ours else None
    return row


def make_certs(d):
    """A throw-away CA and a server certificate for 127.0.0.1 (the fake API's TLS)."""
    def run(*a):
        subprocess.run(["openssl"] + list(a), cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj",
        "/CN=vdn-bench-ca")
    Path(d, "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=kube-apiserver")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.crt", "-days", "2", "-extfile", "san.ext")
    return {k: str(Path(d) / v) for k, v in
            {"ca": "ca.crt", "crt": "srv.crt", "key": "srv.key"}.items()}


def write_kubeconfig(path, server, ca=None):
    cluster = {"server": server}
    if ca:
        cluster["certificate-authority"] = ca
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "node",
           "clusters": [{"name": "c", "cluster": cluster}],
           "contexts": [{"name": "node", "context": {"cluster": "c", "user": "u"}}],
           "users": [{"name": "u", "user": {"token": TOKEN}}]}
    Path(path).write_text(json.dumps(doc))
    os.chmod(path, 0o600)
    return str(path)


def sizes():
    """Stripped size of each of our binaries and of its reference, if any."""
    out = []
    for name in ("host-device", "macvlan", "vdhcp", "multicni", "vdno-scheduler"):
        ours = bl.BIN / name
        if not ours.exists():
            continue
        row = {"binary": name}
        row["ours_bytes"], row["ours_disk_bytes"] = bl.stripped_size(ours)
        ref = bl.REF / {"vdhcp": "host-local"}.get(name, name)
        if ref.exists():
            row["ref_binary"] = ref.name
            row["ref_bytes"], row["ref_disk_bytes"] = bl.stripped_size(ref)
            row["ratio"] = row["ref_bytes"] / row["ours_bytes"]
        out.append(row)
    return out


def fmt(s):
    return f"{s['median']:.1f} ({s['p10']:.1f}-{s['p90']:.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2 if bl.quick() else 30)
    ap.add_argument("--json", help="also write the rows here")
    a = ap.parse_args()
    bl.trap_signals()

    nss = bl.Namespaces("b")
    state = tempfile.mkdtemp(prefix="vdn-bench-")
    fakes = []
    rows = []
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        host, wire, pod = nss.new("host"), nss.new("wire"), nss.new("pod")
        for nic in ("nic0", "nic1"):
            bl.ip("link", "add", nic, "type", "veth", "peer", "name", "w" + nic, "netns", wire,
                  ns=host)
            bl.ip("link", "set", "w" + nic, "up", ns=wire)
        setns(nss.path(host))
        podpath = nss.path(pod)
        B, R = bl.BIN, bl.REF

        def hd(who, ipam=None, device="nic0"):
            c = {"cniVersion": "1.0.0", "name": "bench", "type": "host-device",
                 "device": device}
            if who == "ours":
                c["stateDir"] = f"{state}/hd"
            if ipam:
                c["ipam"] = ipam
            return c

        def mv(who, ipam=None, master="nic0"):
            c = {"cniVersion": "1.0.0", "name": "bench", "type": "macvlan", "master": master}
            if who == "ours":
                c["stateDir"] = f"{state}/mv"
            if ipam:
                c["ipam"] = ipam
            return c

        static = {"type": "static", "addresses": [{"address": "10.99.0.2/24"}]}
        host_local = {"type": "host-local", "subnet": "10.98.0.0/24",
                      "dataDir": f"{state}/host-local"}

        rows.append(compare("process start floor (/bin/true x2)", "floor",
                            Side("/bin/true", one("/bin/true", {})),
                            Side("/bin/true", one("/bin/true", {})), a.rounds, podpath))
        if (B / "host-device").exists():
            rows.append(compare("host-device, no IPAM", "plugin",
                                Side("host-device", one(B / "host-device", hd("ours"))),
                                Side("reference host-device",
                                     one(R / "host-device", hd("ref"))),
                                a.rounds, podpath, target=10))
            rows.append(compare("host-device + reference static IPAM", "stack",
                                Side("host-device + static",
                                     one(B / "host-device", hd("ours", static))),
                                Side("reference host-device + static",
                                     one(R / "host-device", hd("ref", static))),
                                a.rounds, podpath, rss_ours=False,
                                note="the peak RSS is the reference static IPAM's (Go)"))
        if (B / "macvlan").exists():
            rows.append(compare("macvlan, no IPAM", "plugin",
                                Side("macvlan", one(B / "macvlan", mv("ours"))),
                                Side("reference macvlan", one(R / "macvlan", mv("ref"))),
                                a.rounds, podpath, target=10))
        if (B / "macvlan").exists() and (B / "vdhcp").exists():
            v = Fake("vdhcp_server.py", "--quiet", "--pool", "default=172.16.0.0/16")
            fakes.append(v)
            vdhcp = {"type": "vdhcp", "timeoutMs": 2000, "stateDir": f"{state}/vdhcp",
                     "servers": [{"url": v.url + VDHCP_BASE, "user": "onos",
                                  "password": "rocks"}]}
            rows.append(compare("macvlan + IPAM (vdhcp vs host-local)", "stack",
                                Side("macvlan + vdhcp", one(B / "macvlan", mv("ours", vdhcp))),
                                Side("reference macvlan + host-local",
                                     one(R / "macvlan", mv("ref", host_local))),
                                a.rounds, podpath, target=5,
                                note="vdhcp asks the fake vDHCP server over HTTP on "
                                     "127.0.0.1; host-local writes a file"))
        if (B / "multicni").exists() and (B / "macvlan").exists() and \
                (B / "host-device").exists():
            certs = make_certs(state)
            k = Fake("kube_api.py", "--quiet", "--cert", certs["crt"], "--key", certs["key"],
                     "--token", TOKEN, cafile=certs["ca"])
            fakes.append(k)
            kcfg = write_kubeconfig(f"{state}/multicni.kubeconfig", k.url, certs["ca"])
            k.set_state({"pods": [{
                "metadata": {"name": "bench-pod", "namespace": "default",
                             "annotations": {"cni-plugins": '["mv", "hd"]'}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                "status": {"phase": "Pending"}}]})
            d_mv, d_hd = mv("ours"), hd("ours", device="nic1")
            conf = {"cniVersion": "1.0.0", "name": "bench", "type": "multicni",
                    "kubeconfig": kcfg, "stateDir": f"{state}/multicni", "default": "mv",
                    "plugins": [dict(d_mv, name="mv"), dict(d_hd, name="hd")]}
            args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench-pod"
            rows.append(compare("multicni -> macvlan + host-device", "overhead",
                                Side("multicni (API over TLS, network-status patch)",
                                     one(B / "multicni", conf, "eth0", args)),
                                Side("macvlan, host-device called directly",
                                     [(B / "macvlan", d_mv, "eth0", None),
                                      (B / "host-device", d_hd, "net1", None)]),
                                a.rounds, podpath, target=2.0,
                                note="pod annotation read from the fake Kubernetes API over "
                                     "HTTPS, network-status patched back"))
            # the same, without the API: no pod name, the default delegate only
            conf1 = dict(conf, plugins=[dict(d_hd, name="hd")], default="hd")
            conf1.pop("kubeconfig")
            rows.append(compare("multicni -> host-device, no API call", "overhead",
                                Side("multicni (default delegate)",
                                     one(B / "multicni", conf1, "eth0")),
                                Side("host-device called directly",
                                     one(B / "host-device", dict(d_hd), "eth0")),
                                a.rounds, podpath, target=2.0))
        # what merely starting each binary costs, shared libraries included
        for name, ref in (("host-device", "host-device"), ("macvlan", "macvlan"),
                          ("vdhcp", "host-local"), ("multicni", None)):
            if (B / name).exists():
                anchor = Version(f"reference {ref}", R / ref) if ref else \
                    Version("/bin/true", "/bin/true")
                rows.append(compare(f"start only: {name} VERSION", "start",
                                    Version(name, B / name), anchor, a.rounds, podpath))
    finally:
        for f in fakes:
            f.stop()
        try:
            setns_fd(home)
        finally:
            os.close(home)
            nss.close()
            subprocess.run(["rm", "-rf", state])

    out = {"rounds": a.rounds, "rows": rows, "sizes": sizes(), "rss_target_kib": RSS_TARGET_KIB}
    print(f"{'case':40} {'ours CPU ms':>17} {'anchor CPU ms':>17} {'ratio':>7} target   "
          f"{'ours wall ms':>17} {'anchor wall ms':>17} {'RSS KiB':>9}")
    for r in rows:
        if r["kind"] == "overhead":
            verdict = f"+{r['overhead_cpu_ms']:.1f} ms (< {r['target']:g} ms "
            verdict += ("met" if r["met"] else "MISSED") + ")"
            ratio = f"{r['ratio']:6.2f}x"
        else:
            ratio = f"{r['ratio']:6.1f}x"
            verdict = "" if r["target"] is None else \
                f">= {r['target']}x " + ("met" if r["met"] else "MISSED")
        print(f"{r['case']:40} {fmt(r['ours_cpu_ms']):>17} {fmt(r['anchor_cpu_ms']):>17} "
              f"{ratio} {verdict:8} {fmt(r['ours_wall_ms']):>17} "
              f"{fmt(r['anchor_wall_ms']):>17} {r['ours_rss_kib']:9d}")
    print(f"per ADD+DEL cycle, median (10th-90th percentile) of {a.rounds} alternating rounds; "
          "ratio = anchor CPU / ours (multicni: ours / anchor); peak RSS target "
          f"< {RSS_TARGET_KIB} KiB")
    for s in out["sizes"]:
        ref = f", reference {s['ref_binary']} {s['ref_bytes'] // 1024} KiB " \
              f"({s['ratio']:.1f}x)" if "ref_bytes" in s else ""
        print(f"size of {s['binary']}: {s['ours_bytes'] // 1024} KiB stripped "
              f"({s['ours_disk_bytes'] // 1024} KiB with debug info){ref}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(bl.run_main(main))
