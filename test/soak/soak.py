#!/usr/bin/python3
"""Fault-injection soak: random, seeded sequences of ADD, DEL, CHECK and GC across host-device,
macvlan and multicni (all with vdhcp), against the fake vDHCP and the fake Kubernetes API, with
faults injected; the invariants are checked after every step.

    soak.py [--steps N] [--seed S] [--verbose] [--keep-going]

Needs root (network namespaces) and a built bin/. No pytest: test/integration/test_soak.py is a
thin wrapper that runs a small N. Exit status 0 when no invariant was ever violated; otherwise
1, with the failing step, the last steps before it and the seed to reproduce.

The world: a node namespace ("host") holding the pool NICs p0..p3 (network "hd", host-device),
q0..q1 (multicni's host-device delegate "fast") and the macvlan master m0 (network "mv", and
multicni's "mgmt"); each attachment gets a pod namespace of its own. The fakes run in the soak's
namespace and test/integration/nsforward.py relays them into the node's loopback; the vDHCP is
listed twice (two relays to the one fake) so that a fault on one request can be failed over.

Invariants, after every step:
  pool    every pool NIC is in exactly one place: on the node under its own name, or in the pod
          of a live attachment under that attachment's interface name with its alias
  macvlan every macvlan in a pod is an interface of a live attachment; none on the node
  leases  the fake vDHCP's leases are the live attachments' MACs, plus those that a vdhcp
          record marks releasePending (GC retries them)
  state   the host-device records, vdhcp records and multicni caches are the live attachments
          (vdhcp: plus releasePending ones); files 0600 in 0700 folders, no temp files left
"""
import argparse
import collections
import json
import os
import random
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
sys.path.insert(0, str(ROOT / "test" / "fakes"))
from client import Fake  # noqa: E402

PYTHON = "/usr/bin/python3"
NSFORWARD = ROOT / "test" / "integration" / "nsforward.py"
BASE = "/vdn/v1/vdhcp/dhcp/"
USER = "onos"
PASSWORD = "soak-Pw-" + secrets.token_hex(4)
TOKEN = "soak-tok-" + secrets.token_hex(6)
TIMEOUT_MS = 300          # per vDHCP server
DELAY = 0.45              # an injected "timeout": the fake answers after this (> TIMEOUT_MS)
MAX_LIVE = 7
HD_POOL = ["p0", "p1", "p2", "p3"]
MC_POOL = ["q0", "q1"]
MC_CHOICES = [["fast"], ["mgmt"], ["fast", "mgmt"], ["mgmt", "fast"]]


class Violation(Exception):
    pass


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def links(ns):
    r = ip("-d", "-j", "link", "show", ns=ns, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def dashed(mac):
    return mac.lower().replace(":", "-")


class Att:
    """A live attachment as the runtime knows it: (net, cid, ifname) and what ADD answered."""

    def __init__(self, net, cid, pod, ifaces, result, pod_name=None):
        self.net, self.cid, self.pod, self.result = net, cid, pod, result
        self.ifaces = ifaces          # [(ifname in pod, "host-device"|"macvlan", mac)]
        self.pod_name = pod_name      # multicni: the Kubernetes pod

    def __repr__(self):
        return f"{self.net}/{self.cid}{[i[0] for i in self.ifaces]}"


class Soak:
    def __init__(self, seed, verbose=False, keep_going=False):
        self.seed = seed
        self.rng = random.Random(seed)
        self.verbose = verbose
        self.keep_going = keep_going
        self.tag = f"vsk{secrets.token_hex(2)}"
        self.tmp = Path(tempfile.mkdtemp(prefix="vdn-soak-"))
        self.namespaces = []
        self.forwarders = []
        self.live = {}               # cid -> Att
        self.pods = {}               # pod netns name -> cid (or None: no attachment)
        self.kube_pods = {}          # name -> annotations
        self.n_cid = 0
        self.step_no = 0
        self.ops = collections.Counter()
        self.faults = collections.Counter()
        self.violations = []
        self.history = collections.deque(maxlen=15)
        self.settle_until = 0.0
        self.vdhcp = self.kube = None

    # ------------------------------------------------------------------ world
    def netns(self, role):
        name = f"{self.tag}{role}"
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("link", "set", "lo", "up", ns=name)
        return name

    def forward(self, port, to_port):
        p = subprocess.Popen([PYTHON, str(NSFORWARD), "--netns", f"/run/netns/{self.host}",
                              "--port", str(port), "--to-port", str(to_port)],
                             stdout=subprocess.PIPE, text=True)
        self.forwarders.append(p)
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("nsforward did not start")

    def setup(self):
        self.host = self.netns("host")
        self.wire = self.netns("wire")
        self.pool_mac = {}
        for name in HD_POOL + MC_POOL + ["m0"]:
            ip("link", "add", name, "type", "veth", "peer", "name", "w" + name, "netns",
               self.wire, ns=self.host)
            ip("link", "set", "w" + name, "up", ns=self.wire)
            self.pool_mac[name] = json.loads(ip("-j", "link", "show", "dev", name,
                                                ns=self.host).stdout)[0]["address"]
        del self.pool_mac["m0"]
        ip("link", "set", "m0", "up", ns=self.host)

        self.vdhcp = Fake("vdhcp_server.py", "--quiet", "--user", USER, "--password", PASSWORD,
                          "--pool", "default=172.16.0.0/16")
        alt = self.free_port()
        self.forward(self.vdhcp.port, self.vdhcp.port)
        self.forward(alt, self.vdhcp.port)
        self.kube_port = self.free_port()
        self.start_kube()
        self.forward(self.kube_port, self.kube_port)

        pwfile = self.tmp / "vdhcp.pass"
        pwfile.write_text(PASSWORD + "\n")
        os.chmod(pwfile, 0o600)
        kcfg = self.tmp / "kubeconfig"
        kcfg.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{self.kube_port}"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            "users": [{"name": "u", "user": {"token": TOKEN}}]}))
        os.chmod(kcfg, 0o600)
        self.state = {k: self.tmp / "state" / k for k in ("hd", "vdhcp", "mc")}
        ipam = {"type": "vdhcp", "timeoutMs": TIMEOUT_MS, "stateDir": str(self.state["vdhcp"]),
                "servers": [
                    {"url": f"http://127.0.0.1:{self.vdhcp.port}{BASE}", "user": USER,
                     "passwordFile": str(pwfile)},
                    {"url": f"http://127.0.0.1:{alt}{BASE}", "user": USER, "password": PASSWORD}]}
        log = str(self.tmp / "plugins.log")
        common = {"cniVersion": "1.1.0", "logFile": log, "logLevel": "info"}
        self.conf = {
            "hd": dict(common, name="hd", type="host-device", devices=HD_POOL,
                       stateDir=str(self.state["hd"]), ipam=ipam),
            "mv": dict(common, name="mv", type="macvlan", master="m0", ipam=ipam),
            "mc": dict(common, name="mc", type="multicni", kubeconfig=str(kcfg),
                       stateDir=str(self.state["mc"]), apiTimeoutMs=1500, default="mgmt",
                       plugins=[dict(name="fast", type="host-device", devices=MC_POOL,
                                     stateDir=str(self.state["hd"]), ipam=ipam),
                                dict(name="mgmt", type="macvlan", master="m0", ipam=ipam)]),
        }

    @staticmethod
    def free_port():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def start_kube(self):
        self.kube = Fake("kube_api.py", "--quiet", "--token", TOKEN, "--port",
                         str(self.kube_port))
        self.kube.set_state({"pods": [self.pod_object(n, a) for n, a in self.kube_pods.items()]})

    @staticmethod
    def pod_object(name, annotations):
        return {"metadata": {"name": name, "namespace": "default", "annotations": annotations},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                "status": {"phase": "Pending"}}

    def teardown(self):
        for p in self.forwarders:
            if p.poll() is None:
                p.terminate()
                p.wait(5)
            p.stdout.close()
        for f in (self.vdhcp, self.kube):
            if f:
                f.stop()
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        if os.environ.get("SOAK_KEEP"):
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ running plugins
    def env(self, command, cid, netns, ifname, args=None):
        e = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
             "CNI_COMMAND": command, "CNI_PATH": str(BIN)}
        if cid:
            e["CNI_CONTAINERID"] = cid
        if netns:
            e["CNI_NETNS"] = netns
        if ifname:
            e["CNI_IFNAME"] = ifname
        if args:
            e["CNI_ARGS"] = args
        return e

    def spawn(self, net, command, cid=None, pod=None, ifname="eth0", conf=None, args=None):
        plugin = self.conf[net]["type"]
        conf = conf or self.conf[net]
        netns = f"/run/netns/{pod}" if pod else None
        p = subprocess.Popen(["ip", "netns", "exec", self.host, str(BIN / plugin)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env=self.env(command, cid, netns, ifname, args))
        p.stdin_data = json.dumps(conf)
        return p

    @staticmethod
    def finish(p, timeout=60):
        out, err = p.communicate(p.stdin_data, timeout=timeout)
        try:
            js = json.loads(out) if out.strip() else None
        except ValueError:
            js = None
        return p.returncode, js, out, err

    def run(self, net, command, **kw):
        p = self.spawn(net, command, **kw)
        rc, js, out, err = self.finish(p)
        self.ops[f"{net} {command} {'ok' if rc == 0 else 'err'}"] += 1
        self.last = (net, command, kw.get("cid"), rc, out.strip(), err.strip()[-1500:])
        return rc, js

    def k8s_args(self, pod_name):
        return f"K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod_name}"

    # ------------------------------------------------------------------ the model
    def new_cid(self):
        self.n_cid += 1
        return f"c{self.n_cid:05d}{secrets.token_hex(3)}"

    def new_pod(self, cid):
        name = self.netns(f"p{self.n_cid}")
        self.pods[name] = cid
        return name

    def remove_pod(self, pod):
        subprocess.run(["ip", "netns", "del", pod], capture_output=True)
        self.namespaces.remove(pod)
        self.pods.pop(pod, None)

    def expected_ifaces(self, net, result, kinds):
        out = []
        sb = [i for i in (result or {}).get("interfaces", []) if i.get("sandbox")]
        for i, itf in enumerate(sb):
            out.append((itf["name"], kinds[i] if i < len(kinds) else "?", itf.get("mac", "")))
        return out

    def kinds_for(self, net, choice=None):
        if net == "hd":
            return ["host-device"]
        if net == "mv":
            return ["macvlan"]
        return ["host-device" if n == "fast" else "macvlan" for n in choice]

    def prepare(self, net):
        """cid, pod namespace and (multicni) Kubernetes pod for a new ADD."""
        cid = self.new_cid()
        pod = self.new_pod(cid)
        args, choice = None, None
        if net == "mc":
            choice = self.rng.choice(MC_CHOICES)
            name = f"pod-{cid}"
            self.kube_pods[name] = {"cni-plugins": json.dumps(choice)}
            if self.kube_up:
                self.kube.set_state({"pods": [self.pod_object(n, a)
                                              for n, a in self.kube_pods.items()]})
            args = self.k8s_args(name)
        return cid, pod, args, choice

    def added(self, net, cid, pod, js, choice, args):
        att = Att(net, cid, pod, self.expected_ifaces(net, js, self.kinds_for(net, choice)), js,
                  args)
        self.live[cid] = att
        return att

    def forget(self, att, remove_pod=True):
        self.live.pop(att.cid, None)
        if att.pod_name:
            self.kube_pods.pop(att.pod_name.split("K8S_POD_NAME=")[1], None)
        if remove_pod and att.pod in self.pods:
            self.remove_pod(att.pod)

    # ------------------------------------------------------------------ faults
    def vdhcp_fault(self):
        kind = self.rng.choice(["5xx", "timeout", "drop", "badBody", "refused"])
        method = self.rng.choice(["PUT", "DELETE", "GET", None])
        count = self.rng.choice([1, 1, 2, 3])
        rule = {"count": count}
        if method:
            rule["method"] = method
        if kind == "5xx":
            rule["status"] = self.rng.choice([500, 502, 503])
        elif kind == "timeout":
            rule["delay"] = DELAY
            self.settle_until = max(self.settle_until, time.time() + count * DELAY + 0.3)
        elif kind == "drop":
            rule["drop"] = True
        elif kind == "badBody":
            rule["badBody"] = True
        else:
            rule["status"] = 401
        self.vdhcp.inject(rule)
        self.faults[f"vdhcp {kind}"] += 1
        return f"{kind}x{count} on {method or 'any'}"

    def clear_faults(self):
        self.vdhcp.clear_injections()
        wait = self.settle_until - time.time()
        if wait > 0:
            time.sleep(wait)

    # ------------------------------------------------------------------ steps
    def step_add(self, fault=None):
        net = self.rng.choice(["hd", "mv", "mc"])
        cid, pod, args, choice = self.prepare(net)
        rc, js = self.run(net, "ADD", cid=cid, pod=pod, args=args)
        what = f"ADD {net} {cid} {choice or ''} fault={fault}"
        if rc == 0:
            att = self.added(net, cid, pod, js, choice, args)
            self.clear_faults()
            self.check(what)
            return what + f" -> {att.ifaces}"
        # A failed ADD must leave nothing; the runtime then calls DEL.
        code = (js or {}).get("code")
        if fault is None and code != 101:
            self.violation(what, f"ADD failed without a fault: {self.last}")
        self.clear_faults()
        self.check(what + f" (failed {code})")
        self.runtime_del(net, cid, pod, args, what)
        return what + f" -> failed {code}"

    def runtime_del(self, net, cid, pod, args, what, att=None):
        rc, js = self.run(net, "DEL", cid=cid, pod=pod if pod in self.pods else None, args=args)
        if rc != 0:
            self.ops["DEL retried"] += 1
            self.clear_faults()
            rc, js = self.run(net, "DEL", cid=cid, pod=pod if pod in self.pods else None,
                              args=args)
            if rc != 0:
                self.violation(what, f"DEL failed twice: {self.last}")
        if att:
            self.forget(att)
        elif pod in self.pods:
            self.remove_pod(pod)
        self.clear_faults()
        self.check(what + " + DEL")

    def pick(self):
        return self.rng.choice(list(self.live.values())) if self.live else None

    def step_del(self, fault=None, pod_gone=False):
        att = self.pick()
        if not att:
            return "DEL (nothing live)"
        if pod_gone and any(k == "host-device" for _, k, _ in att.ifaces):
            pod_gone = False
        what = f"DEL {att} fault={fault} podGone={pod_gone}"
        if pod_gone:
            self.remove_pod(att.pod)
            time.sleep(0.05)
        self.runtime_del(att.net, att.cid, att.pod, att.pod_name, what, att)
        return what

    def step_check(self, fault=None):
        att = self.pick()
        if not att:
            return "CHECK (nothing live)"
        conf = dict(self.conf[att.net], prevResult=att.result)
        rc, js = self.run(att.net, "CHECK", cid=att.cid, pod=att.pod, conf=conf,
                          args=att.pod_name)
        what = f"CHECK {att} fault={fault} -> {rc}"
        if rc != 0 and fault is None:
            self.violation(what, f"CHECK failed without a fault: {self.last}")
        self.clear_faults()
        self.check(what)
        return what

    def step_gc(self, fault=None):
        net = self.rng.choice(["hd", "mv", "mc"])
        valid = [{"containerID": a.cid, "ifname": "eth0"} for a in self.live.values()
                 if a.net == net]
        conf = dict(self.conf[net], **{"cni.dev/valid-attachments": valid})
        rc, js = self.run(net, "GC", conf=conf)
        what = f"GC {net} valid={len(valid)} fault={fault} -> {rc}"
        if rc != 0 and fault is None:
            self.violation(what, f"GC failed without a fault: {self.last}")
        self.clear_faults()
        self.check(what)
        return what

    def step_api_down(self):
        """The API server stops: a multicni ADD fails (and leaves nothing), DELs still work."""
        self.kube.stop()
        self.kube_up = False
        self.faults["API server down"] += 1
        try:
            out = [self.step_add_net("mc", "api-down")]
            mc = [a for a in self.live.values() if a.net == "mc"]
            if mc and self.rng.random() < 0.5:
                att = self.rng.choice(mc)
                self.runtime_del(att.net, att.cid, att.pod, att.pod_name,
                                 f"DEL {att} with the API down", att)
                out.append(f"DEL {att}")
        finally:
            self.start_kube()
            self.kube_up = True
        return "API down: " + "; ".join(out)

    def step_add_net(self, net, fault):
        cid, pod, args, choice = self.prepare(net)
        rc, js = self.run(net, "ADD", cid=cid, pod=pod, args=args)
        what = f"ADD {net} {cid} {choice} fault={fault}"
        if rc == 0:
            self.added(net, cid, pod, js, choice, args)
            self.check(what)
            return what + " -> ok"
        self.check(what + " (failed)")
        self.runtime_del(net, cid, pod, args, what)
        return what + f" -> failed {(js or {}).get('code')}"

    def step_kill(self):
        """SIGKILL in the middle of ADD (the whole process group: delegates and IPAM too), then
        the runtime's DEL."""
        net = self.rng.choice(["hd", "mv", "mc"])
        cid, pod, args, choice = self.prepare(net)
        if self.rng.random() < 0.5:
            self.vdhcp.inject(method="PUT", delay=0.2, count=1)
            self.settle_until = max(self.settle_until, time.time() + 0.5)
        p = self.spawn(net, "ADD", cid=cid, pod=pod, args=args)
        p.stdin.write(p.stdin_data)
        p.stdin.close()
        after = self.rng.uniform(0.0, 0.3)
        time.sleep(after)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        p.stdout.close()
        p.stderr.close()
        self.faults["SIGKILL mid-ADD"] += 1
        self.ops[f"{net} ADD killed"] += 1
        self.clear_faults()
        what = f"ADD {net} {cid} {choice or ''} SIGKILL after {after * 1000:.0f} ms (rc {p.returncode})"
        self.runtime_del(net, cid, pod, args, what)
        return what

    def step_concurrent(self):
        """Several ADDs at once on the host-device pool: never one NIC twice."""
        k = self.rng.randint(2, 4)
        jobs = []
        for _ in range(k):
            cid, pod, args, choice = self.prepare("hd")
            jobs.append((cid, pod, self.spawn("hd", "ADD", cid=cid, pod=pod)))
        self.faults["concurrent ADDs"] += 1
        what = f"{k} concurrent ADD hd"
        res = []
        for cid, pod, p in jobs:
            rc, js, out, err = self.finish(p)
            self.ops[f"hd ADD {'ok' if rc == 0 else 'err'}"] += 1
            if rc == 0:
                self.added("hd", cid, pod, js, None, None)
            else:
                code = (js or {}).get("code")
                if code != 101:
                    self.violation(what, f"concurrent ADD {cid} failed with {code}: {out} {err}")
                res.append((cid, pod))
        self.check(what)
        for cid, pod in res:
            self.runtime_del("hd", cid, pod, None, what + f" failed {cid}")
        return what + f" -> {k - len(res)} ok"

    # ------------------------------------------------------------------ invariants
    def check(self, what):
        wait = self.settle_until - time.time()
        if wait > 0:
            time.sleep(wait)
        problems = self.invariants()
        if problems:
            self.violation(what, "\n  ".join(problems))

    def invariants(self, final=False):
        p = []
        # ---- pool NICs and macvlans
        want = {}                       # (pod ns, ifname) -> (kind, att)
        for a in self.live.values():
            for ifname, kind, mac in a.ifaces:
                want[(a.pod, ifname)] = (kind, a)
        seen_mac = collections.defaultdict(list)
        nss = [self.host] + list(self.pods)
        found_links = {}
        for ns in nss:
            ls = links(ns)
            if ls is None:
                if ns != self.host:
                    continue
                p.append(f"node namespace {ns} unreadable")
                continue
            for l in ls:
                found_links[(ns, l["ifname"])] = l
                seen_mac[l.get("address")].append((ns, l["ifname"], l.get("ifalias")))
                kind = (l.get("linkinfo") or {}).get("info_kind")
                if kind == "macvlan":
                    if ns == self.host:
                        p.append(f"macvlan {l['ifname']} on the node")
                    elif want.get((ns, l["ifname"]), ("",))[0] != "macvlan":
                        p.append(f"orphan macvlan {l['ifname']} in {ns} "
                                 f"(pod of {self.pods.get(ns)})")
        for name, mac in self.pool_mac.items():
            where = seen_mac.get(mac, [])
            if len(where) != 1:
                p.append(f"pool NIC {name} ({mac}) found {len(where)} times: {where}")
                continue
            ns, ifname, alias = where[0]
            if ns == self.host:
                if ifname != name:
                    p.append(f"pool NIC {name} is on the node as {ifname}")
            else:
                k = want.get((ns, ifname), ("",))[0]
                if k != "host-device":
                    p.append(f"pool NIC {name} is in {ns} as {ifname}, not a live attachment")
                elif alias != name:
                    p.append(f"pool NIC {name} in {ns} as {ifname} has alias {alias!r}")
        for (ns, ifname), (kind, a) in want.items():
            if (ns, ifname) not in found_links:
                p.append(f"{a}: {ifname} missing from its pod")
        # ---- leases and records
        recs = {}
        d = self.state["vdhcp"]
        if d.is_dir():
            for f in d.glob("*.json"):
                try:
                    recs[f.name] = json.loads(f.read_text())
                except ValueError as e:
                    p.append(f"vdhcp record {f.name} unreadable: {e}")
        pending = {dashed(r.get("mac", "")) for r in recs.values() if r.get("releasePending")}
        live_recs = {n for n, r in recs.items() if not r.get("releasePending")}
        live_macs = {}
        want_vdhcp, want_hd, want_mc = set(), set(), set()
        for a in self.live.values():
            for ifname, kind, mac in a.ifaces:
                live_macs[dashed(mac)] = a
                want_vdhcp.add(f"{a.cid}-{ifname}.json")
                if kind == "host-device":
                    want_hd.add(f"{a.cid}-{ifname}.json")
            if a.net == "mc":
                want_mc.add(f"{a.cid}-eth0.json")
        leases = set(self.vdhcp.state()["leases"])
        for m in set(live_macs) - leases:
            p.append(f"no lease for {m} of {live_macs[m]}")
        for m in leases - set(live_macs) - (set() if final else pending):
            p.append(f"lease of {m} belongs to no live attachment"
                     + ("" if m not in pending else " (releasePending)"))
        if live_recs != want_vdhcp:
            p.append(f"vdhcp records {sorted(live_recs ^ want_vdhcp)} differ "
                     f"(extra {sorted(live_recs - want_vdhcp)})")
        for n, r in recs.items():
            if r.get("releasePending") and (n in want_vdhcp or final):
                p.append(f"vdhcp record {n} is releasePending" + ("" if final else
                                                                   " but attached"))
        for key, want_files in (("hd", want_hd), ("mc", want_mc)):
            d = self.state[key]
            have = {f.name for f in d.glob("*.json")} if d.is_dir() else set()
            if have != want_files:
                p.append(f"{key} state files differ: extra {sorted(have - want_files)}, "
                         f"missing {sorted(want_files - have)}")
        for d in self.state.values():
            if not d.is_dir():
                continue
            mode = stat.S_IMODE(d.stat().st_mode)
            if mode != 0o700:
                p.append(f"state folder {d} has mode {mode:o}")
            for f in d.iterdir():
                if f.name.endswith(".lock"):
                    continue
                if not f.name.endswith(".json"):
                    p.append(f"stray file {f} in a state folder")
                m = stat.S_IMODE(f.lstat().st_mode)
                if m != 0o600:
                    p.append(f"state file {f} has mode {m:o}")
        return p

    def violation(self, what, detail):
        self.violations.append((self.step_no, what, detail))
        msg = (f"\nVIOLATION at step {self.step_no} (seed {self.seed}): {what}\n  {detail}\n"
               f"  last plugin call: {getattr(self, 'last', None)}\n  steps before:\n    "
               + "\n    ".join(self.history)
               + f"\n  reproduce: test/soak/soak.py --seed {self.seed} --steps {self.step_no}")
        print(msg, flush=True)
        if not self.keep_going:
            raise Violation(msg)

    # ------------------------------------------------------------------ main loop
    def one_step(self):
        r = self.rng.random()
        full = len(self.live) >= MAX_LIVE
        if r < 0.22 and not full:
            return self.step_add()
        if r < 0.40 or (full and r < 0.5):
            # Only a pod without a pool NIC: the test NICs are veths, which the kernel deletes
            # with their namespace where it would give a physical NIC back to the root one.
            return self.step_del(pod_gone=self.rng.random() < 0.15)
        if r < 0.48:
            return self.step_check()
        if r < 0.54:
            return self.step_gc()
        if r < 0.72:
            fault = self.vdhcp_fault()
            sub = self.rng.random()
            if sub < 0.5 and not full:
                return self.step_add(fault)
            if sub < 0.75:
                return self.step_del(fault)
            if sub < 0.88:
                return self.step_check(fault)
            return self.step_gc(fault)
        if r < 0.77:
            return self.step_api_down()
        if r < 0.87:
            return self.step_kill()
        if not full:
            return self.step_concurrent()
        return self.step_check()

    def finish_all(self):
        """No faults any more: GC, DEL of everything, GC until no release is pending; then
        nothing may be left anywhere."""
        self.clear_faults()
        for att in list(self.live.values()):
            self.runtime_del(att.net, att.cid, att.pod, att.pod_name, f"final DEL {att}", att)
        deadline = time.time() + 30
        while True:
            for net in ("hd", "mv", "mc"):
                self.run(net, "GC", conf=dict(self.conf[net], **{"cni.dev/valid-attachments": []}))
            problems = self.invariants(final=True)
            if not problems or time.time() > deadline:
                break
            time.sleep(1)
        if problems:
            self.violation("final cleanup", "\n  ".join(problems))

    def main(self, steps):
        print(f"soak: seed {self.seed}, {steps} steps", flush=True)
        t0 = time.time()
        self.kube_up = True
        try:
            self.setup()
            self.check("setup")
            for self.step_no in range(1, steps + 1):
                what = self.one_step()
                self.clear_faults()       # a rule a step did not use must not hit the next
                self.history.append(f"{self.step_no}: {what}")
                if self.verbose:
                    print(f"{self.step_no}: {what}", flush=True)
            self.step_no += 1
            self.finish_all()
        except Violation:
            pass
        finally:
            self.teardown()
        ops = {k: v for k, v in sorted(self.ops.items())}
        print(f"soak: {self.step_no} steps in {time.time() - t0:.0f} s, seed {self.seed}")
        print(f"  operations: {sum(v for k, v in ops.items() if k != 'DEL retried')} "
              + ", ".join(f"{k}: {v}" for k, v in ops.items()))
        print(f"  faults: {sum(self.faults.values())} "
              + ", ".join(f"{k}: {v}" for k, v in sorted(self.faults.items())))
        print(f"  violations: {len(self.violations)}")
        return 1 if self.violations else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=int(os.environ.get("N", 200)))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--keep-going", action="store_true",
                    help="go on after a violation (later ones may be its consequences)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("soak: needs root (network namespaces)", file=sys.stderr)
        return 2
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 32)
    return Soak(seed, a.verbose, a.keep_going).main(a.steps)


if __name__ == "__main__":
    sys.exit(main())
