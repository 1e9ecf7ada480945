"""`make demo`: the whole system on one machine, as a local simulation.

Simulated (test/fakes, on 127.0.0.1): four regions' Kubernetes APIs, ONOS with a small
KREONET-S-like topology (test/fixtures/onos), the vDHCP API. Real: vdno-scheduler, podman 4
with its CNI backend, and the plugins of this build (multicni -> host-device or macvlan ->
vdhcp) on veth "NICs" this script makes. What it puts on the machine carries a random tag and
is removed at the end, also on failure or Ctrl-C: veth interfaces vdndemo<tag>n0/m0 in the
root namespace (no address, no route), a namespace vdn-demo-<tag>-user, podman's state under a
temp dir. Run as root: ./scripts/demo.sh (make demo)."""
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "fakes"))
sys.path.insert(0, str(ROOT / "test" / "e2e"))
from client import Fake  # noqa: E402
from podman_harness import Podman  # noqa: E402

TAG = secrets.token_hex(2)
SCHED = ROOT / "bin" / "vdno-scheduler"
NAME = "demo"                       # the entry, its pod, its container and its VDN
USER_MAC = "00:1b:21:5e:03:11"      # a Seoul user host of the ONOS fixture network
USER_IP = "172.31.7.250"
POOL = "172.31.7.0/24"
IMAGE = f"localhost/vdn-demo-busybox:{TAG}"
BOLD, END = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")

# Four regions like conf-examples/scheduler-4regions.json; their nodes' free resources make
# the dedicated Daejeon region the best place for a Seoul user's container.
REGIONS = {
    "dj": {"nodes": [("dj-node-1", "16", "64Gi", "500Gi")], "used": ("2", "8Gi")},
    "sl": {"nodes": [("sl-node-1", "4", "16Gi", "100Gi")], "used": ("3", "12Gi")},
    "bs": {"nodes": [("bs-node-1", "8", "32Gi", "200Gi")], "used": ("1", "4Gi")},
    "chi": {"nodes": [("chi-node-1", "2", "4Gi", "50Gi")], "used": ("1", "1Gi")},
}


def say(text):
    print(f"\n{BOLD}== {text}{END}", flush=True)


def note(text):
    print(f"   {text}", flush=True)


def sh(*cmd, show=True, check=True, display=None):
    """Runs a command, echoing it (or `display`) and its output like a terminal would."""
    if show:
        print(f"$ {display or ' '.join(str(c) for c in cmd)}", flush=True)
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if show:
        sys.stdout.write(r.stdout)
        if r.stderr:
            sys.stdout.write(r.stderr)
        sys.stdout.flush()
    if check and r.returncode != 0:
        raise SystemExit(f"demo: {' '.join(map(str, cmd))} failed (exit {r.returncode})")
    return r


def kube_node(name, cpu, memory, storage):
    return {"metadata": {"name": name}, "spec": {},
            "status": {"allocatable": {"cpu": cpu, "memory": memory,
                                       "ephemeral-storage": storage, "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def kube_pod(name, node, cpu, memory):
    return {"metadata": {"name": name, "namespace": "kube-system"},
            "spec": {"nodeName": node, "containers": [
                {"name": "c", "image": "busybox",
                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}]},
            "status": {"phase": "Running"}}


class Demo:
    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"vdn-demo-{TAG}-"))
        self.fakes = []
        self.kube = {}
        self.tokens = {}
        self.podman = None
        self.user_ns = f"vdn-demo-{TAG}-user"
        self.nics = [f"vdndemo{TAG}n0", f"vdndemo{TAG}m0"]
        self.made_ns = False
        self.made_links = []
        self.entry = False

    # ---- the simulation ---------------------------------------------------------------
    def start_fakes(self):
        say("a LOCAL SIMULATION: fake regions, fake ONOS and fake vDHCP on 127.0.0.1")
        note("Nothing here talks to a real Kubernetes cluster, ONOS or vDHCP server. Simulated")
        note("by the fakes of test/fakes: four regions' Kubernetes APIs, ONOS REST with a small")
        note("KREONET-S-like network (Daejeon core, Seoul/Busan/Chicago access switches), the")
        note("vDHCP API. Real: vdno-scheduler, podman and the CNI plugins of bin/.")
        onos = Fake("onos.py", "--quiet")
        self.fakes.append(onos)
        note(f"fake ONOS     {onos.url}/onos/v1   (user onos)")
        v = Fake("vdhcp_server.py", "--user", "onos", "--password", "rocks",
                 "--pool", f"{NAME}={POOL}", "--quiet")
        self.fakes.append(v)
        self.vdhcp = v
        note(f"fake vDHCP    {v.url}/vdn/v1/vdhcp/dhcp/   (VDN '{NAME}': {POOL})")
        config = json.loads((ROOT / "conf-examples" / "scheduler-4regions.json").read_text())
        for region in config["regions"]:
            rid = region["id"]
            token = f"demo-{rid}-{secrets.token_hex(8)}"
            k = Fake("kube_api.py", "--token", token, "--quiet")
            self.fakes.append(k)
            spec = REGIONS[rid]
            nodes = [kube_node(*n) for n in spec["nodes"]]
            pods = [kube_pod(f"{rid}-busy", nodes[0]["metadata"]["name"], *spec["used"])]
            k.set_state({"nodes": nodes, "pods": pods})
            self.kube[rid], self.tokens[rid] = k, token
            kc = self.tmp / f"{rid}.kubeconfig"
            kc.write_text(json.dumps({
                "apiVersion": "v1", "kind": "Config", "current-context": rid,
                "clusters": [{"name": rid, "cluster": {"server": k.url}}],
                "users": [{"name": rid, "user": {"token": token}}],
                "contexts": [{"name": rid, "context": {"cluster": rid, "user": rid}}]}))
            kc.chmod(0o600)
            region["config"] = str(kc)
            # podman names no namespace: multicni looks the pod up in "default"
            region["namespace"] = "default"
            note(f"fake region   {rid:4} {region['name']:20} {region['mode']:9} {k.url}")
        config["onos"].update(url=onos.url + "/onos/v1", password="rocks")
        config["onos"].pop("passwordFile", None)
        self.config = self.tmp / "scheduler.json"
        self.config.write_text(json.dumps(config, indent=2))
        self.regions = {r["id"]: r for r in config["regions"]}
        note(f"CONFIG={self.config}: conf-examples/scheduler-4regions.json with the")
        note("fakes' URLs, and namespace 'default' (podman names no namespace to multicni)")

    def sched(self, *args, check=True):
        shown = " ".join(a if " " not in a else repr(a) for a in map(str, args))
        return sh(SCHED, "-c", self.config, *args, check=check,
                  display=f"vdno-scheduler -c $CONFIG {shown}")

    # ---- the node and its user host ---------------------------------------------------
    def make_node(self):
        say("the node's NICs and the user host (veth pairs; the user host is a namespace)")
        subprocess.run(["ip", "netns", "add", self.user_ns], check=True)
        self.made_ns = True
        u = ["ip", "-n", self.user_ns]
        subprocess.run(u + ["link", "set", "lo", "up"], check=True)
        subprocess.run(u + ["link", "add", "sdn", "type", "bridge"], check=True)
        subprocess.run(u + ["link", "set", "sdn", "address", USER_MAC], check=True)
        for i, nic in enumerate(self.nics):
            if subprocess.run(["ip", "link", "show", nic], capture_output=True).returncode == 0:
                raise SystemExit(f"demo: {nic} already exists; not touching it")
            self.made_links.append(nic)
            subprocess.run(["ip", "link", "add", nic, "type", "veth", "peer", "name",
                            f"port{i}", "netns", self.user_ns], check=True)
            subprocess.run(["ip", "link", "set", nic, "addrgenmode", "none"], check=True)
            subprocess.run(u + ["link", "set", f"port{i}", "master", "sdn", "up"], check=True)
        subprocess.run(["ip", "link", "set", self.nics[1], "up"], check=True)
        subprocess.run(u + ["addr", "add", f"{USER_IP}/24", "dev", "sdn"], check=True)
        subprocess.run(u + ["link", "set", "sdn", "up"], check=True)
        note(f"{self.nics[0]}: the dedicated NIC host-device lends (Table 3's NIC#1)")
        note(f"{self.nics[1]}: the shared NIC macvlan uses (Table 3's master)")
        note(f"user host {self.user_ns}: {USER_IP}, MAC {USER_MAC} (Seoul in the fake ONOS),")
        note("reaching both NICs through a bridge that stands for the SDN")

    # ---- the runtime ------------------------------------------------------------------
    def start_podman(self):
        say("podman 4 with its CNI backend, state in a temp dir, image from busybox-static")
        self.podman = Podman(self.tmp / "podman", IMAGE)
        self.podman.import_busybox()
        note(f"image {IMAGE}; plugins from {ROOT / 'bin'} then /usr/lib/cni")

    def install_table3(self, region):
        c = json.loads((ROOT / "conf-examples" / "multicni-table3.conflist").read_text())
        c["name"] = f"vdn-demo-{TAG}"
        (m,) = c["plugins"]
        m["kubeconfig"] = self.regions[region]["config"]
        m["stateDir"] = str(self.tmp / "state" / "multicni")
        for p in m["plugins"]:
            p["stateDir"] = str(self.tmp / "state" / p["type"])
            p["ipam"]["stateDir"] = str(self.tmp / "state" / "vdhcp")
            for s in p["ipam"]["servers"]:
                s.update(url=self.vdhcp.url + "/vdn/v1/vdhcp/dhcp/", user="onos",
                         password="rocks")
            if p["type"] == "macvlan":
                p["master"] = self.nics[1]
            else:
                p["devices"] = [self.nics[0]]
        self.podman.add_network(c)
        note(f"network {c['name']}: conf-examples/multicni-table3.conflist with this node's")
        note(f"NICs, the fake vDHCP's URL and region {region}'s kubeconfig")
        return c["name"]

    # ---- the story --------------------------------------------------------------------
    def run(self):
        self.start_fakes()
        hosts = ["--host", f"{USER_MAC.upper()}@Seoul"]
        demand = ["--cpu", "1", "--memory", "1Gi", "--storage", "1Gi"]

        say("vdno-scheduler regions: the live state of every region")
        self.sched("regions")
        say("vdno-scheduler select --explain: where would a container for the Seoul user go?")
        self.sched("select", *demand, *hosts, "--explain")
        say("vdno-scheduler create: the pod in the chosen region, the VDN as ONOS intents")
        self.sched("create", NAME, "--image", IMAGE, *demand, *hosts, "--bandwidth", "1G")
        self.entry = True
        region, pod = next((rid, p) for rid, k in self.kube.items() for p in k.state()["pods"]
                           if p["metadata"]["name"] == NAME)
        k = self.kube[region]
        ann = pod["metadata"]["annotations"]
        note(f"region {region}: pod {NAME}, annotations cni-plugins={ann['cni-plugins']}, "
             f"vdn-id={ann['vdno.kreonet.net/vdn-id']}, mac={ann['vdno.kreonet.net/mac']}")

        self.make_node()
        self.start_podman()
        say(f"the region's kubelet, simulated: podman runs pod {NAME} on the Table 3 network")
        net = self.install_table3(region)
        image = pod["spec"]["containers"][0]["image"]
        assert image == IMAGE, image
        print(f"$ podman run -d --name {NAME} --runtime runc --network {net} {image} sleep 3600")
        self.podman.run(NAME, net, "sleep", "3600")
        note(f"podman -> multicni (CNI_ARGS K8S_POD_NAME={NAME}) reads the pod's annotations")
        note(f"-> {json.loads(ann['cni-plugins'])[0]} -> vdhcp leases an address for the pod's MAC")
        out = self.podman.exec(NAME, "ip", "addr", "show", "eth0").stdout
        print(out, end="")
        lease = self.vdhcp.state()["leases"][ann["vdno.kreonet.net/mac"].replace(":", "-")]
        note(f"the fake vDHCP leased {lease['clientIp']} to {lease['clientHwAddr']} in VDN "
             f"{lease['vdnId']}")
        pod = next(p for p in k.state()["pods"] if p["metadata"]["name"] == NAME)
        note("multicni wrote the pod's k8s.v1.cni.cncf.io/network-status: "
             + pod["metadata"]["annotations"].get("k8s.v1.cni.cncf.io/network-status", "(none)"))
        # what the kubelet would report: Running, with the pod's address
        k.call("PATCH", f"/api/v1/namespaces/default/pods/{NAME}/status",
               token=self.tokens[region], content_type="application/merge-patch+json",
               body={"status": {"phase": "Running", "podIP": lease["clientIp"]}})

        say("the user host pings the container over its VDN address")
        sh("ip", "netns", "exec", self.user_ns, "ping", "-c", "3", "-W", "2", lease["clientIp"])

        say("vdno-scheduler list")
        self.sched("list")

        say("removing the container: CNI DEL gives the NIC back and releases the lease")
        print(f"$ podman rm -f -t 0 {NAME}")
        self.podman.rm(NAME)
        back = subprocess.run(["ip", "-br", "link", "show", self.nics[0]], capture_output=True,
                              text=True).stdout.strip()
        note(f"on the node again: {back}")
        left = [l for l in self.vdhcp.state()["leases"].values() if not l.get("released")]
        note(f"leases the fake vDHCP still holds: {len(left)}")

        say("vdno-scheduler delete: the pod and the VDN's intents")
        self.sched("delete", NAME)
        self.entry = False
        self.sched("list")
        say("demo finished")

    def close(self):
        say("cleaning up: fakes, podman state, veths, the user host namespace")
        if self.entry:
            self.sched("delete", NAME, "--ignore-not-found", check=False)
        if self.podman:
            self.podman.close()
        for f in self.fakes:
            f.stop()
        if self.made_ns:
            subprocess.run(["ip", "netns", "del", self.user_ns], capture_output=True)
        for nic in self.made_links:
            if subprocess.run(["ip", "link", "show", nic], capture_output=True).returncode == 0:
                subprocess.run(["ip", "link", "del", nic], capture_output=True)
        subprocess.run(["rm", "-rf", str(self.tmp)])
        note("done")


def main():
    if os.geteuid() != 0:
        raise SystemExit("demo: run as root (network namespaces, podman's CNI backend)")
    for b in ("host-device", "macvlan", "vdhcp", "multicni", "vdno-scheduler"):
        if not (ROOT / "bin" / b).exists():
            raise SystemExit(f"demo: bin/{b} is missing; run make")

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    demo = Demo()
    try:
        demo.run()
    finally:
        demo.close()
    print(f"\n(demo took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
