"""vdno-scheduler against four fake regions (test/fakes/kube_api.py) and the fake ONOS
(test/fakes/onos.py, the fixture network of test/fixtures/onos).

Regions: dj (Daejeon, access device of:…02), sl (Seoul, …03), bs (Busan, …04), chi (Chicago,
…05), located through their macAddress 00:00:00:00:0D:0N among ONOS's hosts. User hosts:
00:1B:21:5E:03:11 (Seoul, …03) and 00:1B:21:5E:04:11 / 10.10.4.11 (Busan, …04)."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin" / "vdno-scheduler"
FIXTURES = ROOT / "test" / "fixtures" / "onos"
sys.path.insert(0, str(ROOT / "test" / "fakes"))
from client import Fake  # noqa: E402

GI = 1 << 30
DEMAND = ["--cpu", "3", "--memory", "8Gi", "--storage", "20Gi"]
USERS = ["--host", "00:1B:21:5E:03:11", "--host", "10.10.4.11"]
SELECTION = {"alpha": 0.5, "beta": 0.5, "gammaCpu": 0.4, "gammaMemory": 0.4, "gammaStorage": 0.2}


def node(name, cpu, memory, storage, **status):
    n = {"metadata": {"name": name}, "spec": {},
         "status": {"allocatable": {"cpu": cpu, "memory": memory, "ephemeral-storage": storage,
                                    "pods": "110"},
                    "conditions": [{"type": "Ready", "status": "True"}]}}
    n["status"].update(status)
    return n


def pod(name, node_name, cpu, memory, ns="default", phase="Running"):
    return {"metadata": {"name": name, "namespace": ns},
            "spec": {"nodeName": node_name,
                     "containers": [{"name": "c", "image": "busybox",
                                     "resources": {"requests": {"cpu": cpu, "memory": memory}}}]},
            "status": {"phase": phase}}


# Free resources, worked out: dj 6 cpu / 24Gi / 200Gi; sl node a 1 cpu, node b 4 cpu 16Gi 100Gi
# (sum 5 / 32Gi / 200Gi); bs 16 / 64Gi / 400Gi; chi 2 / 4Gi / 50Gi (cannot take 3 cpu).
REGIONS = [
    {"id": "dj", "city": "Daejeon", "mac": "00:00:00:00:0D:01", "mode": "dedicated", "dv": 100,
     "weights": {"Daejeon": 1.0, "Seoul": 0.8, "Busan": 0.6, "Chicago": 0.2},
     "nodes": [node("dj-1", "8", "32Gi", "200Gi")],
     "pods": [pod("db", "dj-1", "2", "8Gi")]},
    {"id": "sl", "city": "Seoul", "mac": "00:00:00:00:0D:02", "mode": "general", "dv": 50,
     "weights": {"Seoul": 1.0, "Daejeon": 0.8, "Busan": 0.7, "Chicago": 0.2},
     "nodes": [node("sl-a", "4", "16Gi", "100Gi"), node("sl-b", "4", "16Gi", "100Gi")],
     "pods": [pod("web", "sl-a", "3", "0")]},
    {"id": "bs", "city": "Busan", "mac": "00:00:00:00:0D:03", "mode": "dedicated", "dv": 50,
     "weights": {"Busan": 1.0, "Seoul": 0.5, "Daejeon": 0.6},
     "nodes": [node("bs-1", "16", "64Gi", "400Gi")], "pods": []},
    {"id": "chi", "city": "Chicago", "mac": "00:00:00:00:0D:04", "mode": "general", "dv": 0,
     "weights": {"Chicago": 1.0},
     "nodes": [node("chi-1", "2", "4Gi", "50Gi")], "pods": []},
]


def entry_mac(name):
    """The scheduler's MAC derivation, written again: FNV-1a 64 + splitmix64's finaliser."""
    m = 1 << 64
    h = 0xcbf29ce484222325
    for c in name.encode():
        h = ((h ^ c) * 0x100000001b3) % m
    h ^= h >> 30
    h = (h * 0xbf58476d1ce4e5b9) % m
    h ^= h >> 27
    h = (h * 0x94d049bb133111eb) % m
    h ^= h >> 31
    b = [(h >> (56 - 8 * i)) & 0xff for i in range(6)]
    b[0] = (b[0] & 0xfc) | 0x02
    return ":".join("%02x" % x for x in b)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_kubeconfig(path, server, token):
    path.write_text(f"""apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: c
  cluster:
    server: {server}
users:
- name: u
  user:
    token: {token}
contexts:
- name: ctx
  context:
    cluster: c
    user: u
""")
    path.chmod(0o600)


class Env:
    """Fake regions + fake ONOS + a config file; run() calls the binary."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.fakes = []
        self.kube = {}
        self.onos = None
        self.config = {"regions": [], "selection": dict(SELECTION), "timeoutMs": 3000}

    def start_onos(self):
        self.onos = Fake("onos.py", "--quiet")
        self.fakes.append(self.onos)
        self.config["onos"] = {"url": self.onos.url + "/onos/v1", "user": "onos",
                               "password": "rocks"}

    def add_region(self, spec, server=None):
        token = "tok-" + spec["id"]
        if server is None:
            k = Fake("kube_api.py", "--token", token, "--quiet")
            self.fakes.append(k)
            k.set_state({"nodes": spec["nodes"], "pods": spec["pods"]})
            self.kube[spec["id"]] = k
            server = k.url
        kc = self.tmp / (spec["id"] + ".kubeconfig")
        write_kubeconfig(kc, server, token)
        self.config["regions"].append({
            "id": spec["id"], "name": spec["city"], "mode": spec["mode"], "config": str(kc),
            "namespace": "vdno", "macAddress": spec["mac"], "city": spec["city"],
            "weights": spec["weights"], "dataVolume": spec["dv"]})

    def run(self, *args, timeout=30):
        path = self.tmp / "config.json"
        path.write_text(json.dumps(self.config))
        started = time.monotonic()
        proc = subprocess.run([str(BIN), "-c", str(path)] + list(args), capture_output=True,
                              text=True, timeout=timeout)
        proc.elapsed = time.monotonic() - started
        proc.json = None
        if proc.stdout.strip().startswith(("{", "[")):
            proc.json = json.loads(proc.stdout)
        return proc

    def pods(self, region):
        return {p["metadata"]["name"]: p for p in self.kube[region].state()["pods"]}

    def intents(self):
        return {it["key"]: it for it in self.onos.state()["intents"]}

    def close(self):
        for f in self.fakes:
            f.stop()


@pytest.fixture
def env(tmp_path):
    e = Env(tmp_path)
    try:
        e.start_onos()
        for spec in REGIONS:
            e.add_region(spec)
        yield e
    finally:
        e.close()


# ---- the hand computation -----------------------------------------------------------------

def delta_u(device, port, speed_mbps):
    """u_e of a link from its source port, recomputed from the fixture's integer counters."""
    stats = json.loads((FIXTURES / "statistics-delta-ports.json").read_text())["statistics"]
    for entry in stats:
        if entry["device"] == device:
            for p in entry["ports"]:
                if p["port"] == port:
                    rate = max(p["bytesSent"], p["bytesReceived"]) * 8 / p["durationSec"]
                    return min(1.0, rate / (speed_mbps * 1e6))
    raise KeyError((device, port))


def expected_scores():
    """Eq. 1-3 for DEMAND and USERS over REGIONS, by hand (DESIGN §7)."""
    d1, d3, d4 = "of:0000000000000001", "of:0000000000000003", "of:0000000000000004"
    # external links (ends in different cities) of each user → region path; 01 and 02 are both
    # in Daejeon, so 01→02 is internal
    u_sel_dj = delta_u(d3, 1, 100000)        # 03/1 → 01/2, Seoul → Daejeon
    u_bus_dj = delta_u(d4, 1, 10000)         # 04/1 → 01/3, Busan → Daejeon
    u_bus_sel = delta_u(d4, 2, 10000)        # 04/2 → 03/2
    u_sel_bus = delta_u(d3, 2, 10000)        # 03/2 → 04/2
    assert abs(u_sel_dj - 0.066114) < 1e-6 and abs(u_bus_sel - 0.074970) < 1e-6
    p = {
        "dj": (0.8 * (1 - u_sel_dj) + 0.6 * (1 - u_bus_dj)) / 2,
        "sl": (1.0 * 1 + 0.7 * (1 - u_bus_sel)) / 2,
        "bs": (0.5 * (1 - u_sel_bus) + 1.0 * 1) / 2,
    }
    rho = {"dj": 100 / 200, "sl": 50 / 200, "bs": 50 / 200}
    free = {"dj": (6, 24, 200), "sl": (5, 32, 200), "bs": (16, 64, 400)}
    top = [max(f[i] for f in free.values()) for i in range(3)]
    out = {}
    for k in p:
        wl = 0.5 * p[k] + 0.5 * rho[k]
        wr = 0.4 * free[k][0] / top[0] + 0.4 * free[k][1] / top[1] + 0.2 * free[k][2] / top[2]
        out[k] = {"P": p[k], "rho": rho[k], "WL": wl, "WR": wr, "S": 0.5 * wl + 0.5 * wr}
    return out


def test_select_chooses_the_best_region_and_json_carries_every_term(env):
    r = env.run("-o", "json", "select", *DEMAND, *USERS)
    assert r.returncode == 0, r.stderr
    out = r.json
    want = expected_scores()
    assert out["chosen"] == max(want, key=lambda k: want[k]["S"]) == "bs"
    regions = {x["id"]: x for x in out["regions"]}
    for k, terms in want.items():
        assert regions[k]["feasible"] is True
        for name, value in terms.items():
            assert abs(regions[k][name] - value) < 1e-9, (k, name, regions[k][name], value)
    assert regions["sl"]["free"] == {"cpuMillicores": 5000, "memoryBytes": 32 * GI,
                                     "storageBytes": 200 * GI}
    assert regions["chi"]["feasible"] is False
    assert "cpu 3 asked, at most 2 free" in regions["chi"]["reason"]
    assert out["location"]["degraded"] is False
    # the Seoul user reaches Seoul in-city: no external link, U = 0
    sl_users = {u["host"]: u for u in regions["sl"]["users"]}
    assert sl_users["00:1B:21:5E:03:11"]["U"] == 0
    assert sl_users["00:1B:21:5E:03:11"]["externalLinks"] == []
    dj_users = {u["host"]: u for u in regions["dj"]["users"]}
    assert dj_users["10.10.4.11"]["city"] == "Busan"
    assert [l["src"] for l in dj_users["10.10.4.11"]["externalLinks"]] == ["of:0000000000000004/1"]
    # paths between distinct devices only: ONOS answers 400 for the same device
    for req in env.onos.requests(method="GET", path="/paths/"):
        src, dst = req["path"].split("/paths/")[1].split("/")
        assert src != dst
        assert req["status"] == 200


def test_select_explain_prints_the_table_and_marks_the_choice(env):
    r = env.run("select", *DEMAND, *USERS, "--explain")
    assert r.returncode == 0, r.stderr
    print(r.stdout)
    want = expected_scores()
    lines = {}
    for line in r.stdout.splitlines():          # the first line of each region: its table row
        words = line.replace("*", " ").split()
        if words and words[0] in ("dj", "sl", "bs", "chi"):
            lines.setdefault(words[0], line)
    assert lines["bs"].startswith("* bs")
    assert ("%.4f" % want["bs"]["S"]) in lines["bs"]
    assert ("%.4f" % want["dj"]["P"]) in lines["dj"]
    assert "chi: no node has enough cpu 3 asked" in r.stdout
    assert "chosen: bs" in r.stdout


def test_select_without_feasible_region_exits_4_with_reasons(env):
    r = env.run("select", "--cpu", "64")
    assert r.returncode == 4, r
    assert "no feasible region" in r.stderr
    assert "bs: no node has enough cpu 64 asked, at most 16 free on one node (bs-1)" in r.stdout


def test_regions_lists_live_state(env):
    r = env.run("-o", "json", "regions")
    assert r.returncode == 0, r.stderr
    regions = {x["id"]: x for x in r.json["regions"]}
    assert regions["dj"]["accessDevice"] == "of:0000000000000002"
    assert regions["dj"]["free"]["cpuMillicores"] == 6000
    assert len(regions["sl"]["nodes"]) == 2
    assert r.json["onos"]["available"] is True
    t = env.run("regions")
    assert t.returncode == 0
    assert "of:0000000000000005" in t.stdout and "dedicated" in t.stdout


# ---- create / list / show / delete -------------------------------------------------------------

def test_create_posts_the_pod_and_one_intent_per_host(env):
    r = env.run("-o", "json", "create", "web1", "--image", "nginx:1.27", *DEMAND, *USERS,
                "--bandwidth", "500M")
    assert r.returncode == 0, r.stderr
    mac = entry_mac("web1")
    assert r.json["region"] == "bs" and r.json["mac"] == mac
    assert r.json["intents"] == ["VDN:web1:001b215e0311", "VDN:web1:001b215e0411"]

    posts = env.kube["bs"].requests(method="POST")
    assert len(posts) == 1 and posts[0]["path"] == "/api/v1/namespaces/vdno/pods"
    body = posts[0]["body"]
    meta = body["metadata"]
    assert meta["name"] == "web1" and meta["namespace"] == "vdno"
    assert meta["labels"] == {"vdno.kreonet.net/entry": "web1", "vdno.kreonet.net/vdn": "web1"}
    ann = meta["annotations"]
    assert json.loads(ann["cni-plugins"]) == ["host-device"]          # bs is dedicated
    assert ann["vdno.kreonet.net/vdn-id"] == "web1"
    assert ann["vdno.kreonet.net/mac"] == mac
    assert json.loads(ann["vdno.kreonet.net/request"]) == {
        "cpu": "3", "memory": "8Gi", "storage": "20Gi",
        "hosts": ["00:1B:21:5E:03:11", "10.10.4.11"], "bandwidth": "500M"}
    (container,) = body["spec"]["containers"]
    assert container["image"] == "nginx:1.27"
    amounts = {"cpu": "3", "memory": "8Gi", "ephemeral-storage": "20Gi"}
    assert container["resources"] == {"requests": amounts, "limits": amounts}
    for other in ("dj", "sl", "chi"):
        assert env.kube[other].requests(method="POST") == []

    assert [q["path"] for q in env.onos.requests(method="POST")] == [
        "/onos/v1/applications/org.kreonet.vdno/register", "/onos/v1/intents",
        "/onos/v1/intents"]
    sent = [q["body"] for q in env.onos.requests(method="POST", path="/intents")]
    assert sent[0] == {"type": "HostToHostIntent", "appId": "org.kreonet.vdno",
                       "key": "VDN:web1:001b215e0311", "one": "00:1B:21:5E:03:11/None",
                       "two": mac.upper() + "/None",
                       "constraints": [{"type": "BandwidthConstraint", "bandwidth": 500000000}]}
    assert sent[1]["one"] == "00:1B:21:5E:04:11/None"     # the IP resolved through ONOS
    assert set(env.intents()) == {"VDN:web1:001b215e0311", "VDN:web1:001b215e0411"}


def test_create_in_a_general_region_uses_macvlan_and_a_named_vdn(env):
    r = env.run("-o", "json", "create", "api", "--image", "busybox", "--cpu", "1",
                "--region", "sl", "--vdn", "blue")
    assert r.returncode == 0, r.stderr
    assert r.json["region"] == "sl" and r.json["plugin"] == "macvlan" and r.json["intents"] == []
    p = env.pods("sl")["api"]
    assert json.loads(p["metadata"]["annotations"]["cni-plugins"]) == ["macvlan"]
    assert p["metadata"]["labels"]["vdno.kreonet.net/vdn"] == "blue"
    assert p["metadata"]["annotations"]["vdno.kreonet.net/vdn-id"] == "blue"
    # no user host: ONOS is left alone
    assert env.onos.requests(method="POST") == []


def test_create_pinned_region_that_does_not_fit_exits_4(env):
    r = env.run("create", "big", "--image", "busybox", *DEMAND, "--region", "chi")
    assert r.returncode == 4, r
    assert "region chi cannot take big" in r.stderr
    assert env.kube["chi"].requests(method="POST") == []


def test_create_refuses_a_name_in_use(env):
    assert env.run("create", "web1", "--image", "nginx", "--cpu", "1").returncode == 0
    r = env.run("create", "web1", "--image", "nginx", "--cpu", "1")
    assert r.returncode == 1
    assert "web1 already exists" in r.stderr


def test_list_and_show_read_back_pods_and_intents(env):
    assert env.run("create", "web1", "--image", "nginx:1.27", *DEMAND, *USERS,
                   "--bandwidth", "1G").returncode == 0
    assert env.run("create", "api", "--image", "busybox", "--cpu", "1", "--region", "dj",
                   "--vdn", "web1", "--host", "00:1B:21:5E:05:11").returncode == 0
    r = env.run("-o", "json", "list")
    assert r.returncode == 0, r.stderr
    entries = {e["name"]: e for e in r.json["entries"]}
    assert set(entries) == {"web1", "api"}
    assert entries["web1"]["region"] == "bs" and entries["web1"]["phase"] == "Pending"
    assert entries["web1"]["hosts"] == ["00:1B:21:5E:03:11/None", "00:1B:21:5E:04:11/None"]
    assert entries["web1"]["bandwidthBps"] == 1e9
    assert entries["web1"]["cpu"] == "3" and entries["web1"]["storage"] == "20Gi"
    assert entries["api"]["vdn"] == "web1" and entries["api"]["region"] == "dj"
    t = env.run("list")
    assert t.returncode == 0
    header, *rows = t.stdout.splitlines()
    assert header.split() == ["NAME", "REGION", "PHASE", "IP", "VDN", "HOSTS", "CPU", "MEMORY",
                              "STORAGE", "BANDWIDTH"]
    assert rows[1].split()[:3] == ["web1", "bs", "Pending"] and rows[1].split()[-1] == "1G"

    s = env.run("-o", "json", "show", "web1")
    assert s.returncode == 0, s.stderr
    assert s.json["mac"] == entry_mac("web1")
    assert [i["state"] for i in s.json["intents"]] == ["INSTALLED", "INSTALLED"]
    st = env.run("show", "web1")
    assert st.returncode == 0
    assert "VDN:web1:001b215e0411" in st.stdout and "Region:    bs" in st.stdout


def test_delete_removes_pod_and_intents_and_the_vdn_leftovers_with_its_last_pod(env):
    assert env.run("create", "web1", "--image", "nginx", "--cpu", "1", "--region", "dj",
                   "--vdn", "blue", "--host", "00:1B:21:5E:03:11").returncode == 0
    assert env.run("create", "web2", "--image", "nginx", "--cpu", "1", "--region", "bs",
                   "--vdn", "blue", "--host", "00:1B:21:5E:04:11").returncode == 0
    # a leftover of an interrupted delete: an intent whose entry has no pod anywhere
    env.onos.set_state({"intents": list(env.intents().values()) + [
        {"type": "HostToHostIntent", "key": "VDN:old:001b215e0511", "appId": "org.kreonet.vdno",
         "one": "00:1B:21:5E:05:11/None", "two": "02:00:00:00:00:01/None"}]})

    r = env.run("-o", "json", "delete", "web1")
    assert r.returncode == 0, r.stderr
    assert r.json["pods"] == ["dj vdno/web1"]
    assert r.json["intents"] == ["VDN:web1:001b215e0311"]
    assert r.json["sweptIntents"] == []           # web2 still carries VDN blue
    assert "web1" not in env.pods("dj")
    assert set(env.intents()) == {"VDN:web2:001b215e0411", "VDN:old:001b215e0511"}

    r = env.run("delete", "web2")
    assert r.returncode == 0, r.stderr
    assert "deleted intent VDN:old:001b215e0511 (no pod of the VDN is left)" in r.stdout
    assert env.intents() == {}
    assert "web2" not in env.pods("bs")


def test_delete_keeps_leftovers_while_any_pod_carries_the_vdn(env):
    assert env.run("create", "web1", "--image", "nginx", "--cpu", "1", "--region", "dj",
                   "--vdn", "blue", "--host", "00:1B:21:5E:03:11").returncode == 0
    # a pod create did not make, joined to the VDN by its label
    helper = pod("helper", "sl-b", "100m", "0", ns="apps")
    helper["metadata"]["labels"] = {"vdno.kreonet.net/vdn": "blue"}
    env.kube["sl"].set_state({"pods": REGIONS[1]["pods"] + [helper]})
    env.onos.set_state({"intents": list(env.intents().values()) + [
        {"type": "HostToHostIntent", "key": "VDN:old:001b215e0511", "appId": "org.kreonet.vdno",
         "one": "00:1B:21:5E:05:11/None", "two": "02:00:00:00:00:01/None"}]})
    r = env.run("-o", "json", "delete", "web1")
    assert r.returncode == 0, r.stderr
    assert r.json["intents"] == ["VDN:web1:001b215e0311"] and r.json["sweptIntents"] == []
    assert set(env.intents()) == {"VDN:old:001b215e0511"}
    # the leftover shows in list, without a pod, so it can be deleted by name
    listed = env.run("-o", "json", "list").json["entries"]
    assert [(e["name"], e["region"], e["phase"]) for e in listed] == [("old", None, "NoPod")]
    r = env.run("delete", "old")
    assert r.returncode == 0 and "deleted intent VDN:old:001b215e0511" in r.stdout
    assert env.intents() == {}


def test_delete_and_show_of_unknown_names_exit_3(env):
    r = env.run("show", "nope")
    assert r.returncode == 3 and "nope: no such entry" in r.stderr
    r = env.run("delete", "nope")
    assert r.returncode == 3
    r = env.run("delete", "nope", "--ignore-not-found")
    assert r.returncode == 0 and "nothing deleted" in r.stdout


# ---- failures ---------------------------------------------------------------------------------

def test_failed_intent_post_rolls_back_the_pod(env):
    env.onos.inject(method="POST", path="/intents", status=500, count=1)
    r = env.run("create", "web1", "--image", "nginx", *DEMAND, *USERS)
    assert r.returncode == 1
    assert "500" in r.stderr and "rolled back" in r.stderr
    assert len(env.kube["bs"].requests(method="POST")) == 1
    assert [q["path"] for q in env.kube["bs"].requests(method="DELETE")] == [
        "/api/v1/namespaces/vdno/pods/web1"]
    assert env.pods("bs").get("web1") is None
    assert env.intents() == {}


def test_second_intent_lost_in_flight_is_deleted_too(env):
    # the first intent is made, the second POST gets no answer: it may exist, so it is deleted
    env.onos.inject(method="POST", path="/intents", delay=0.01, count=1)
    env.onos.inject(method="POST", path="/intents", drop=True, count=1)
    r = env.run("create", "web1", "--image", "nginx", *DEMAND, *USERS)
    assert r.returncode == 1, r
    deletes = [q["path"] for q in env.onos.requests(method="DELETE")]
    assert deletes == ["/onos/v1/intents/org.kreonet.vdno/VDN%3Aweb1%3A001b215e0411",
                       "/onos/v1/intents/org.kreonet.vdno/VDN%3Aweb1%3A001b215e0311"]
    assert "rolled back: 2 intents and the pod deleted" in r.stderr
    assert env.intents() == {} and "web1" not in env.pods("bs")


def test_unreachable_regions_are_infeasible_with_their_reason(env):
    env.add_region({"id": "gone", "city": "Seoul", "mac": "00:00:00:00:0E:01", "mode": "general",
                    "dv": 0, "weights": {}}, server="http://127.0.0.1:%d" % closed_port())
    slow = dict(REGIONS[2], id="slow", mac="00:00:00:00:0F:01")   # macAddress is unique
    env.add_region(slow)
    env.kube["slow"].inject(delay=2)
    env.config["timeoutMs"] = 800
    r = env.run("-o", "json", "select", *DEMAND, *USERS)
    assert r.returncode == 0, r.stderr
    regions = {x["id"]: x for x in r.json["regions"]}
    assert regions["gone"]["feasible"] is False
    assert regions["gone"]["reason"].startswith("unreachable: kubernetes: GET nodes: cannot connect")
    assert regions["slow"]["feasible"] is False
    assert "timed out" in regions["slow"]["reason"]
    assert r.json["chosen"] == "bs"
    assert r.elapsed < 3, r.elapsed          # one timeoutMs, not one per request
    # pinned to a region that does not answer: an error to retry (1), not "too small" (4)
    c = env.run("create", "web1", "--image", "nginx", "--cpu", "1", "--region", "gone")
    assert c.returncode == 1 and "region gone: unreachable: kubernetes" in c.stderr


def test_onos_down_degrades_the_location_term_and_says_so(env):
    env.onos.stop()
    r = env.run("-o", "json", "select", *DEMAND, "--host", "00:1B:21:5E:03:11@Seoul",
                "--host", "10.10.4.11@Busan")
    assert r.returncode == 0, r.stderr
    loc = r.json["location"]
    assert loc["degraded"] is True and "ONOS at http://127.0.0.1:" in loc["reason"]
    regions = {x["id"]: x for x in r.json["regions"]}
    # U = 0 everywhere, cities from @CITY: P_dj = (0.8 + 0.6) / 2
    assert abs(regions["dj"]["P"] - 0.7) < 1e-12
    assert abs(regions["sl"]["P"] - (1.0 + 0.7) / 2) < 1e-12
    assert "unavailable" in r.stderr
    t = env.run("select", *DEMAND, "--host", "00:1B:21:5E:03:11@Seoul")
    assert t.returncode == 0 and "location degraded: ONOS at" in t.stdout
    # a VDN cannot be built without ONOS: nothing is made
    c = env.run("create", "web1", "--image", "nginx", *DEMAND, "--host", "00:1B:21:5E:03:11")
    assert c.returncode == 1 and "cannot build the VDN of web1" in c.stderr
    assert all(k.requests(method="POST") == [] for k in env.kube.values())


def test_eight_slow_regions_are_asked_in_parallel(tmp_path):
    e = Env(tmp_path)
    try:
        e.start_onos()
        for i in range(8):
            spec = dict(REGIONS[i % 4], id="r%d" % i)
            if i >= 4:      # macAddress is unique; ONOS does not know these (a warning)
                spec["mac"] = "00:00:00:00:0F:%02X" % i
            e.add_region(spec)
            e.kube[spec["id"]].inject(delay=0.3)
        r = e.run("-o", "json", "select", *DEMAND, *USERS)
        assert r.returncode == 0, r.stderr
        print("\n8 regions answering after 300 ms each: select took %.3f s "
              "(sequential would be >= 2.4 s; collection %d ms)" % (r.elapsed, r.json["elapsedMs"]))
        assert all(x["feasible"] for x in r.json["regions"] if x["id"] not in ("r3", "r7"))
        assert r.elapsed < 1.5
    finally:
        e.close()


# ---- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    ([], "no command given"),
    (["launch"], "unknown command"),
    (["select", "--bogus"], "unknown option --bogus"),
    (["select", "--cpu"], "--cpu needs a value"),
    (["select", "--cpu", "two"], "--cpu two"),
    (["select", "--host", "nowhere"], "neither a MAC"),
    (["create", "web1", "--cpu", "1"], "create needs --image"),
    (["create", "Web_1", "--image", "x"], "DNS-1123 label"),
    (["create", "web1", "--image", "x", "--explain"], "--explain is not an option of create"),
    (["create", "web1", "--image", "x", "--bandwidth", "0"], "--bandwidth 0"),
    (["show"], "show needs a NAME"),
    (["list", "extra"], "unexpected argument"),
    (["-o", "yaml", "list"], "table or json"),
    (["select", "--cpu", "1", "--cpu", "2"], "--cpu given twice"),
    (["create", "web1", "--image", "x", "--region", "nope"], "--region nope"),
])
def test_usage_errors_exit_2(env, args, message):
    r = env.run(*args)
    assert r.returncode == 2, r
    assert message in r.stderr
    assert all(k.requests() == [] for k in env.kube.values())


def test_help_and_version(env):
    r = env.run("--help")
    assert r.returncode == 0 and "select REQUEST [--explain]" in r.stdout
    r = env.run("--version")
    assert r.returncode == 0 and r.stdout.startswith("vdno-scheduler ")


def test_config_example_loads(tmp_path):
    """conf-examples/scheduler-4regions.json with its files put in place: every region
    unreachable (closed port), ONOS too, and still a valid answer."""
    config = json.loads((ROOT / "conf-examples" / "scheduler-4regions.json").read_text())
    server = "http://127.0.0.1:%d" % closed_port()
    for region in config["regions"]:
        kc = tmp_path / (region["id"] + ".conf")
        write_kubeconfig(kc, server, "t")
        region["config"] = str(kc)
    (tmp_path / "onos.pass").write_text("rocks\n")
    config["onos"]["passwordFile"] = str(tmp_path / "onos.pass")
    config["onos"]["url"] = server + "/onos/v1"
    (tmp_path / "c.json").write_text(json.dumps(config))
    r = subprocess.run([str(BIN), "-c", str(tmp_path / "c.json"), "-o", "json", "regions"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [x["id"] for x in out["regions"]] == ["dj", "sl", "bs", "chi"]
    assert not any(x["reachable"] for x in out["regions"])
    assert out["onos"]["available"] is False
    assert "rocks" not in r.stdout + r.stderr


def test_config_errors_name_the_key(env):
    env.config["selection"]["gammaCpu"] = 0.9
    r = env.run("list")
    assert r.returncode == 1
    assert "gamma" in r.stderr
