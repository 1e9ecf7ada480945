"""multicni against a real API server (the realk8s tier, realk8s.py): the pod lookup with each
kubeconfig form, the network-status PATCH, refused credentials, and DEL once the pod is gone.
The runtime's side is test_multicni.py's: multicni runs in the test's "host" namespace and a
relay makes the server's 127.0.0.1 port answer there; the delegates are recording ones."""
import json

import pytest

from conftest import cni
from realk8s import uniq
from test_multicni import Relay, caches, calls, k8s_args, mc_conf, rec

pytestmark = pytest.mark.realk8s
STATUS = "k8s.v1.cni.cncf.io/network-status"


@pytest.fixture
def region(real_regions, host):
    r = real_regions[0]
    relay = Relay(host, r.region["port"])
    try:
        r.create_node("worker-1")
        yield r
    finally:
        relay.close()


@pytest.fixture
def recs(tmp_path):
    la, lb = tmp_path / "a.log", tmp_path / "b.log"
    return la, lb, [rec("rec-a", la), rec("rec-b", lb)]


@pytest.mark.parametrize("form", ["token", "cert", "node"])
def test_pod_lookup_and_network_status_with_each_kubeconfig_form(host, netns, tmp_path, region, recs, form):
    la, lb, plugins = recs
    name = uniq("web")
    region.create_pod("vdno", name, node="worker-1",
                      annotations={"cni-plugins": '["rec-b", "rec-a"]', "vdno.kreonet.net/vdn-id": "vdn-7"})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig(form))
    pod = netns.path(netns.new("pod"))
    res = cni("multicni", "ADD", c, host=host, netns=pod, args=k8s_args(name, ns="vdno"))
    assert res.rc == 0, res
    assert "not written" not in res.stderr, res.stderr
    (b,), (a,) = calls(lb, "ADD"), calls(la, "ADD")
    assert b["env"]["CNI_IFNAME"] == "eth0" and a["env"]["CNI_IFNAME"] == "net1"
    assert a["stdin"]["args"]["cni"]["vdnId"] == "vdn-7"
    ann = region.pod("vdno", name)["metadata"]["annotations"]
    assert ann["cni-plugins"] == '["rec-b", "rec-a"]' and ann["vdno.kreonet.net/vdn-id"] == "vdn-7"
    status = json.loads(ann[STATUS])
    assert [(s["name"], s["interface"], s["default"]) for s in status] == \
        [("rec-b", "eth0", True), ("rec-a", "net1", False)]
    assert cni("multicni", "DEL", c, host=host, netns=pod, args=k8s_args(name, ns="vdno")).rc == 0
    assert caches(tmp_path / "st") == []


def test_multus_networks_annotation_from_a_real_pod(host, netns, tmp_path, region, recs):
    la, lb, plugins = recs
    name = uniq("web")
    region.create_pod("default", name, node="worker-1",
                      annotations={"k8s.v1.cni.cncf.io/networks": json.dumps(
                          [{"name": "rec-a"}, {"name": "rec-b", "interface": "fast0",
                                               "mac": "02:00:00:00:00:b1"}])})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig("node"))
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")), args=k8s_args(name))
    assert res.rc == 0, res
    assert calls(lb, "ADD")[0]["env"]["CNI_IFNAME"] == "fast0"
    status = json.loads(region.pod("default", name)["metadata"]["annotations"][STATUS])
    assert [(s["name"], s["interface"]) for s in status] == [("default/rec-a", "eth0"), ("default/rec-b", "fast0")]


def test_unknown_pod_gets_the_default(host, netns, tmp_path, region, recs):
    la, lb, plugins = recs
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig("token"), default="rec-b")
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")),
              args=k8s_args("no-such-pod", ns="vdno"))
    assert res.rc == 0, res
    assert calls(la) == [] and len(calls(lb, "ADD")) == 1


@pytest.mark.parametrize("form,fragment", [
    ("badtoken", "401 Unauthorized (check the kubeconfig's credentials)"),
    ("stranger", "401 Unauthorized (check the kubeconfig's credentials)"),
    ("forbidden", '403 Forbidden: pods "{pod}" is forbidden: User "nobody" cannot get resource "pods"'),
])
def test_refused_credentials_fail_before_any_delegate(host, netns, tmp_path, region, recs, form, fragment):
    la, lb, plugins = recs
    name = uniq("web")
    region.create_pod("vdno", name, node="worker-1", annotations={"cni-plugins": '["rec-b"]'})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig(form))
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")), args=k8s_args(name, ns="vdno"))
    assert res.rc != 0 and res.json["code"] == 103, res
    assert f"vdno/{name}" in res.json["msg"] and fragment.format(pod=name) in res.json["msg"], res
    assert calls(la) == [] and calls(lb) == [] and caches(tmp_path / "st") == []


def test_a_node_cannot_write_the_status_of_another_nodes_pod(host, netns, tmp_path, region, recs):
    """Not a failure of ADD: the attachment stands, the annotation is missing, a warning says why."""
    la, lb, plugins = recs
    region.create_node("worker-2")
    name = uniq("web")
    region.create_pod("vdno", name, node="worker-2", annotations={"cni-plugins": '["rec-b"]'})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig("node"))
    res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")), args=k8s_args(name, ns="vdno"))
    assert res.rc == 0, res
    assert "network-status not written" in res.stderr
    assert 'User "system:node:worker-1" cannot patch resource "pods"' in res.stderr
    assert STATUS not in region.pod("vdno", name)["metadata"]["annotations"]


def test_del_after_the_pod_is_gone(host, netns, tmp_path, region, recs):
    la, lb, plugins = recs
    name = uniq("web")
    region.create_pod("vdno", name, node="worker-1", annotations={"cni-plugins": '["rec-a", "rec-b"]'})
    c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig("token"))
    pod = netns.path(netns.new("pod"))
    assert cni("multicni", "ADD", c, host=host, netns=pod, args=k8s_args(name, ns="vdno")).rc == 0
    # the kubelet's graceful delete: the pod stays Terminating while its sandbox is torn down
    s, out = region.api("DELETE", f"/api/v1/namespaces/vdno/pods/{name}")
    assert s == 200 and out["metadata"]["deletionTimestamp"]
    res = cni("multicni", "DEL", c, host=host, netns=pod, args=k8s_args(name, ns="vdno"))
    assert res.rc == 0, res
    region.delete_pod("vdno", name)
    assert region.pod("vdno", name) is None
    res = cni("multicni", "DEL", c, host=host, netns=pod, args=k8s_args(name, ns="vdno"))
    assert res.rc == 0, res
    assert [x["command"] for x in calls(la)] == ["ADD", "DEL"] and [x["command"] for x in calls(lb)] == ["ADD", "DEL"]
    assert caches(tmp_path / "st") == []


def test_the_daemonsets_rbac_is_enough(host, netns, tmp_path, region, recs):
    """conf-examples/daemonset.yaml's ClusterRole, bound to a user of the real server: multicni
    reads the pod and writes network-status with those rights and no more."""
    import yaml
    from realk8s import ROOT
    docs = list(yaml.safe_load_all(open(ROOT / "conf-examples" / "daemonset.yaml")))
    role = next(d for d in docs if d and d["kind"] == "ClusterRole")
    rname = uniq("vdn-cni")
    role["metadata"] = {"name": rname}
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    region.ok("POST", f"{rbac}/clusterroles", role)
    try:
        region.ok("POST", f"{rbac}/clusterrolebindings", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": rname},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": rname},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "vdn-cni"}]})
        la, lb, plugins = recs
        name = uniq("web")
        region.create_pod("vdno", name, node="worker-1", annotations={"cni-plugins": '["rec-b"]'})
        c = mc_conf(tmp_path / "st", plugins, kubeconfig=region.kubeconfig("vdn-cni"))
        res = cni("multicni", "ADD", c, host=host, netns=netns.path(netns.new("pod")), args=k8s_args(name, ns="vdno"))
        assert res.rc == 0 and "not written" not in res.stderr, res
        assert json.loads(region.pod("vdno", name)["metadata"]["annotations"][STATUS])[0]["name"] == "rec-b"
        # and no more: the pod itself may not be patched, nor pods listed
        s, out = region.api("PATCH", f"/api/v1/namespaces/vdno/pods/{name}", {"metadata": {}},
                            "application/merge-patch+json", creds="vdn-cni")
        assert s == 403, out
        assert region.api("GET", "/api/v1/pods", creds="vdn-cni")[0] == 403
    finally:
        region.api("DELETE", f"{rbac}/clusterrolebindings/{rname}")
        region.api("DELETE", f"{rbac}/clusterroles/{rname}")
