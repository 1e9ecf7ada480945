"""vdno-scheduler over three real API servers (the realk8s tier, realk8s.py) and the fake ONOS:
the scenarios of test_scheduler.py whose outcome does not depend on the fake, with the regions'
nodes and bound pods seeded the way a kubelet and a scheduler make them (node capacity through
/status, pods through binding), and what only a real server shows: server-side defaults and
validation of the pod create posts, a bound pod that stays Terminating after a graceful delete
while no kubelet finishes it."""
import json
import time

import pytest

from realk8s import uniq
from test_scheduler import DEMAND, GI, REGIONS, USERS, Env, entry_mac, expected_scores

pytestmark = pytest.mark.realk8s

# dj, sl, bs; chi (which cannot take DEMAND) stays out: its data volume is 0, so the scores
# of the other three are the same as with it
SPECS = REGIONS[:3]
FORMS = {"dj": "token", "sl": "cert", "bs": "token"}


class RealEnv(Env):
    def __init__(self, tmp_path, regions):
        super().__init__(tmp_path)
        self.real = {}
        for spec, region in zip(SPECS, regions):
            self.seed(spec, region)

    def seed(self, spec, region):
        for n in spec["nodes"]:
            a = n["status"]["allocatable"]
            region.create_node(n["metadata"]["name"], cpu=a["cpu"], memory=a["memory"],
                               storage=a["ephemeral-storage"])
        for p in spec["pods"]:
            md, sp = p["metadata"], p["spec"]
            req = sp["containers"][0]["resources"]["requests"]
            region.create_pod(md["namespace"], md["name"], node=sp["nodeName"], requests=req)
            region.set_pod_status(md["namespace"], md["name"], "Running", "10.244.0.9")
        self.real[spec["id"]] = region
        self.config["regions"].append({
            "id": spec["id"], "name": spec["city"], "mode": spec["mode"],
            "config": region.kubeconfig(FORMS[spec["id"]]), "namespace": "vdno",
            "macAddress": spec["mac"], "city": spec["city"], "weights": spec["weights"],
            "dataVolume": spec["dv"]})

    def pods(self, region):
        s, out = self.real[region].api("GET", "/api/v1/namespaces/vdno/pods")
        assert s == 200, out
        return {p["metadata"]["name"]: p for p in out["items"]}

    def forget_entries(self):
        """Pods the scheduler made go at teardown too."""
        for rid, region in self.real.items():
            for name in self.pods(rid):
                region.made_pods.append(("vdno", name))


@pytest.fixture
def renv(tmp_path, real_regions):
    e = RealEnv(tmp_path, real_regions)
    try:
        e.start_onos()
        yield e
    finally:
        e.forget_entries()
        e.close()


def test_select_over_real_regions_matches_the_hand_computation(renv):
    r = renv.run("-o", "json", "select", *DEMAND, *USERS)
    assert r.returncode == 0, r.stderr
    want = expected_scores()
    assert r.json["chosen"] == "bs"
    regions = {x["id"]: x for x in r.json["regions"]}
    for k, terms in want.items():
        assert regions[k]["feasible"] is True, regions[k]
        for name, value in terms.items():
            assert abs(regions[k][name] - value) < 1e-9, (k, name, regions[k][name], value)
    assert regions["sl"]["free"] == {"cpuMillicores": 5000, "memoryBytes": 32 * GI, "storageBytes": 200 * GI}
    assert regions["dj"]["free"] == {"cpuMillicores": 6000, "memoryBytes": 24 * GI, "storageBytes": 200 * GI}
    r = renv.run("select", "--cpu", "64")
    assert r.returncode == 4, r
    assert "bs: no node has enough cpu 64 asked, at most 16 free on one node (bs-1)" in r.stdout


def test_regions_over_real_regions(renv):
    r = renv.run("-o", "json", "regions")
    assert r.returncode == 0, r.stderr
    regions = {x["id"]: x for x in r.json["regions"]}
    assert set(regions) == {"dj", "sl", "bs"}
    assert regions["dj"]["accessDevice"] == "of:0000000000000002"
    assert regions["dj"]["free"]["cpuMillicores"] == 6000
    assert len(regions["sl"]["nodes"]) == 2


def test_a_node_not_ready_or_unschedulable_does_not_count(renv):
    bs = renv.real["bs"]
    bs.ok("PATCH", "/api/v1/nodes/bs-1", {"spec": {"unschedulable": True}}, "application/merge-patch+json")
    r = renv.run("-o", "json", "select", *DEMAND, *USERS)
    regions = {x["id"]: x for x in r.json["regions"]}
    assert regions["bs"]["feasible"] is False and r.json["chosen"] != "bs"
    bs.ok("PATCH", "/api/v1/nodes/bs-1", {"spec": {"unschedulable": None}}, "application/merge-patch+json")
    bs.ok("PATCH", "/api/v1/nodes/bs-1/status",
          {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                                      "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                                      "lastTransitionTime": "2025-01-01T00:00:00Z"}]}},
          "application/strategic-merge-patch+json")
    r = renv.run("-o", "json", "select", *DEMAND, *USERS)
    regions = {x["id"]: x for x in r.json["regions"]}
    assert regions["bs"]["feasible"] is False and r.json["chosen"] != "bs"


def test_create_posts_a_pod_the_real_server_accepts(renv):
    r = renv.run("-o", "json", "create", "web1", "--image", "nginx:1.27", *DEMAND, *USERS, "--bandwidth", "500M")
    assert r.returncode == 0, r.stderr
    mac = entry_mac("web1")
    assert r.json["region"] == "bs" and r.json["mac"] == mac
    assert r.json["intents"] == ["VDN:web1:001b215e0311", "VDN:web1:001b215e0411"]
    p = renv.pods("bs")["web1"]
    md = p["metadata"]
    assert md["labels"] == {"vdno.kreonet.net/entry": "web1", "vdno.kreonet.net/vdn": "web1"}
    assert json.loads(md["annotations"]["cni-plugins"]) == ["host-device"]
    assert md["annotations"]["vdno.kreonet.net/mac"] == mac
    (c,) = p["spec"]["containers"]
    amounts = {"cpu": "3", "memory": "8Gi", "ephemeral-storage": "20Gi"}
    assert c["image"] == "nginx:1.27" and c["resources"] == {"requests": amounts, "limits": amounts}
    # the server's defaults and verdicts
    assert p["status"]["qosClass"] == "Guaranteed" and p["status"]["phase"] == "Pending"
    assert c["imagePullPolicy"] == "IfNotPresent" and p["spec"]["restartPolicy"] == "Always"
    assert "nodeName" not in p["spec"]
    for other in ("dj", "sl"):
        assert "web1" not in renv.pods(other)
    assert set(renv.intents()) == {"VDN:web1:001b215e0311", "VDN:web1:001b215e0411"}
    # the same name again: refused before anything is made
    again = renv.run("create", "web1", "--image", "nginx", "--cpu", "1", "--region", "dj")
    assert again.returncode == 1 and "web1 already exists" in again.stderr
    assert "web1" not in renv.pods("dj")


def test_create_in_a_general_region_with_a_named_vdn(renv):
    r = renv.run("-o", "json", "create", "api", "--image", "busybox", "--cpu", "1", "--region", "sl",
                 "--vdn", "blue")
    assert r.returncode == 0, r.stderr
    assert r.json["region"] == "sl" and r.json["plugin"] == "macvlan"
    p = renv.pods("sl")["api"]
    assert json.loads(p["metadata"]["annotations"]["cni-plugins"]) == ["macvlan"]
    assert p["metadata"]["labels"]["vdno.kreonet.net/vdn"] == "blue"
    # busybox has no tag: the server pulls it Always
    assert p["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_list_and_show_follow_the_pod_through_binding_and_running(renv):
    assert renv.run("create", "web1", "--image", "nginx:1.27", *DEMAND, *USERS, "--bandwidth", "1G").returncode == 0
    assert renv.run("create", "api", "--image", "busybox", "--cpu", "1", "--region", "dj", "--vdn", "web1",
                    "--host", "00:1B:21:5E:05:11").returncode == 0
    r = renv.run("-o", "json", "list")
    assert r.returncode == 0, r.stderr
    entries = {e["name"]: e for e in r.json["entries"]}
    assert set(entries) == {"web1", "api"}
    assert entries["web1"]["region"] == "bs" and entries["web1"]["phase"] == "Pending"
    assert entries["web1"]["ip"] is None
    assert entries["web1"]["hosts"] == ["00:1B:21:5E:03:11/None", "00:1B:21:5E:04:11/None"]
    assert entries["api"]["vdn"] == "web1" and entries["api"]["region"] == "dj"
    # a scheduler binds it, a kubelet runs it
    bs = renv.real["bs"]
    bs.bind("vdno", "web1", "bs-1")
    bs.set_pod_status("vdno", "web1", "Running", "10.244.3.7")
    s = renv.run("-o", "json", "show", "web1")
    assert s.returncode == 0, s.stderr
    assert s.json["phase"] == "Running" and s.json["ip"] == "10.244.3.7" and s.json["node"] == "bs-1"
    assert [i["state"] for i in s.json["intents"]] == ["INSTALLED", "INSTALLED"]
    t = renv.run("list")
    rows = {line.split()[0]: line.split() for line in t.stdout.splitlines()[1:]}
    assert rows["web1"][:4] == ["web1", "bs", "Running", "10.244.3.7"]
    # the running pod's requests now count on bs-1: 16 - 3 cpu
    r = renv.run("-o", "json", "regions")
    bsr = next(x for x in r.json["regions"] if x["id"] == "bs")
    assert bsr["free"]["cpuMillicores"] == 13000


def test_delete_of_an_unbound_and_of_a_bound_pod(renv):
    for name, region, host in (("web1", "dj", "00:1B:21:5E:03:11"), ("web2", "bs", "00:1B:21:5E:04:11")):
        assert renv.run("create", name, "--image", "nginx", "--cpu", "1", "--region", region, "--vdn", "blue",
                        "--host", host).returncode == 0
    renv.real["bs"].bind("vdno", "web2", "bs-1")
    renv.real["bs"].set_pod_status("vdno", "web2", "Running", "10.244.3.8")

    # web1 is on no node: the server removes it at once
    r = renv.run("-o", "json", "delete", "web1")
    assert r.returncode == 0, r.stderr
    assert r.json["pods"] == ["dj vdno/web1"] and r.json["intents"] == ["VDN:web1:001b215e0311"]
    assert r.json["sweptIntents"] == []           # web2 still carries VDN blue
    assert "web1" not in renv.pods("dj")

    # web2 runs on bs-1: a graceful delete waits for its kubelet, and here none comes
    r = renv.run("-o", "json", "delete", "web2")
    assert r.returncode == 0, r.stderr
    assert r.json["pods"] == ["bs vdno/web2"] and r.json["intents"] == ["VDN:web2:001b215e0411"]
    p = renv.pods("bs")["web2"]
    assert p["metadata"]["deletionTimestamp"] and p["metadata"]["deletionGracePeriodSeconds"] == 30
    assert renv.intents() == {}
    listed = {e["name"]: e for e in renv.run("-o", "json", "list").json["entries"]}
    assert listed["web2"]["phase"] == "Terminating"
    # the kubelet's last word: the pod goes
    renv.real["bs"].delete_pod("vdno", "web2")
    assert renv.run("-o", "json", "list").json["entries"] == []
    r = renv.run("show", "web2")
    assert r.returncode == 3 and "web2: no such entry" in r.stderr


def test_unknown_names_exit_3(renv):
    r = renv.run("show", "nope")
    assert r.returncode == 3 and "nope: no such entry" in r.stderr
    r = renv.run("delete", "nope", "--ignore-not-found")
    assert r.returncode == 0 and "nothing deleted" in r.stdout


def test_refused_credentials_make_a_region_infeasible_with_the_servers_reason(renv):
    renv.config["regions"][1]["config"] = renv.real["sl"].kubeconfig("badtoken")
    renv.config["regions"][0]["config"] = renv.real["dj"].kubeconfig("forbidden")
    r = renv.run("-o", "json", "select", *DEMAND, *USERS)
    assert r.returncode == 0, r.stderr
    regions = {x["id"]: x for x in r.json["regions"]}
    assert regions["sl"]["feasible"] is False
    assert "401 Unauthorized (check the kubeconfig's credentials)" in regions["sl"]["reason"]
    assert regions["dj"]["feasible"] is False
    assert ('403 Forbidden: nodes is forbidden: User "nobody" cannot list resource "nodes" in API group "" at '
            'the cluster scope') in regions["dj"]["reason"]
    assert r.json["chosen"] == "bs"


def test_a_pod_name_the_real_server_refuses(renv):
    """create validates NAME as a DNS-1123 label itself: nothing reaches the server."""
    started = time.monotonic()
    r = renv.run("create", "Web_1", "--image", "nginx", "--cpu", "1")
    assert r.returncode == 2, r
    assert time.monotonic() - started < 5
    assert all("Web_1" not in renv.pods(k) for k in ("dj", "sl", "bs"))


def test_entry_names_longer_than_a_label_value(renv):
    name = "a" * 63          # a valid DNS-1123 label, and so a valid label value and pod name
    r = renv.run("-o", "json", "create", name, "--image", "nginx", "--cpu", "1", "--region", "sl")
    assert r.returncode == 0, r.stderr
    assert name in renv.pods("sl")
    assert renv.run("delete", name).returncode == 0
    assert name not in renv.pods("sl")


@pytest.mark.parametrize("amounts", [["--cpu", "1.5", "--memory", "1.5Gi"], ["--cpu", "250m", "--memory", "1e9"],
                                     ["--storage", "100Gi", "--cpu", "0.001"]])
def test_request_quantities_the_real_server_accepts(renv, amounts):
    name = uniq("q").replace("-", "")[:20]
    r = renv.run("-o", "json", "create", name, "--image", "nginx", *amounts, "--region", "bs")
    assert r.returncode == 0, (amounts, r.stderr)
    p = renv.pods("bs")[name]
    c = p["spec"]["containers"][0]
    assert c["resources"]["requests"] == c["resources"]["limits"]
