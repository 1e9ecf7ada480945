"""common/kube.c (through test/unit/kubecall.c) against the fake API server and a real one.

Each test runs twice, `[fake]` and `[real]` (the realk8s tier), and asserts what both servers
do alike; where a real server behaves otherwise the fake was changed to match (test/fakes/
README.md lists what still differs)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from realk8s import uniq

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kubecall():
    variant = "san" if os.environ.get("SANITIZE") else "std"
    target = f"build/{variant}/test/kubecall"
    subprocess.run(["make", "-s", target] + (["SANITIZE=1"] if variant == "san" else []), cwd=ROOT,
                   check=True, capture_output=True)
    return str(ROOT / target)


class Call:
    def __init__(self, p):
        self.rc = p.returncode
        self.stderr = p.stderr
        try:
            self.json = json.loads(p.stdout)
        except ValueError:
            self.json = None
        self.stdout = p.stdout

    def __repr__(self):
        return f"<rc={self.rc} {self.stdout[:1500]!r} {self.stderr[-500:]!r}>"


def run(kubecall, kc, *args, budget=5000):
    p = subprocess.run([kubecall, kc] + [str(a) for a in args], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, KUBECALL_BUDGET_MS=str(budget)))
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return Call(p)


@pytest.mark.parametrize("form", ["cert", "token"])
def test_get_pod_with_each_auth_form(kube, kubecall, form):
    name = uniq("get")
    kube.create_pod("vdno", name, annotations={"a": "1"})
    r = run(kubecall, kube.kubeconfig(form), "get", "vdno", name)
    assert r.rc == 0, r
    assert r.json["kind"] == "Pod" and r.json["apiVersion"] == "v1"
    assert r.json["metadata"]["name"] == name and r.json["metadata"]["namespace"] == "vdno"
    assert r.json["metadata"]["annotations"] == {"a": "1"}
    assert r.json["status"]["phase"] == "Pending"


def test_missing_pod_is_not_found(kube, kubecall):
    r = run(kubecall, kube.kubeconfig("token"), "get", "vdno", "no-such-pod")
    assert r.rc == 3, r
    assert r.json["notFound"] is True
    assert 'GET pod vdno/no-such-pod: 404 Not Found: pods "no-such-pod" not found' in r.json["msg"]


def test_unknown_namespace_is_not_found(kube, kubecall):
    r = run(kubecall, kube.kubeconfig("token"), "get", "no-such-ns", "p")
    assert r.rc == 3, r
    # no namespace check on a GET: the pod itself is what is missing
    assert '404 Not Found: pods "p" not found' in r.json["msg"]


def test_unauthorized_token(kube, kubecall):
    r = run(kubecall, kube.kubeconfig("badtoken"), "get", "vdno", "whatever")
    assert r.rc == 1, r
    assert r.json["code"] == 103
    assert "GET pod vdno/whatever: 401 Unauthorized (check the kubeconfig's credentials)" in r.json["msg"]
    # 401 is not retried: one attempt
    assert "attempts" not in r.json["msg"]
    s, body = kube.api("GET", "/api/v1/namespaces/vdno/pods/whatever", creds="badtoken")
    assert s == 401
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_merge_patch_of_annotations(kube, kubecall):
    name = uniq("patch")
    kube.create_pod("vdno", name, annotations={"keep": "me", "drop": "me"})
    kc = kube.kubeconfig("cert")
    status = json.dumps([{"name": "macvlan", "interface": "eth0", "ips": ["10.1.0.5"], "default": True}])
    r = run(kubecall, kc, "patch-annotations", "vdno", name,
            json.dumps({"k8s.v1.cni.cncf.io/network-status": status, "drop": None}))
    assert r.rc == 0, r
    r = run(kubecall, kc, "get", "vdno", name)
    assert r.json["metadata"]["annotations"] == {"keep": "me", "k8s.v1.cni.cncf.io/network-status": status}
    # a patch that changes nothing keeps the resourceVersion
    rv = r.json["metadata"]["resourceVersion"]
    assert run(kubecall, kc, "patch-annotations", "vdno", name, json.dumps({"keep": "me"})).rc == 0
    assert run(kubecall, kc, "get", "vdno", name).json["metadata"]["resourceVersion"] == rv


def test_patch_of_a_missing_pod(kube, kubecall):
    r = run(kubecall, kube.kubeconfig("token"), "patch-annotations", "vdno", "no-such-pod", '{"a":"b"}')
    assert r.rc == 3, r
    assert 'PATCH pod vdno/no-such-pod: 404 Not Found: pods "no-such-pod" not found' in r.json["msg"]


@pytest.mark.parametrize("ctype", [None, "application/json", "application/x-www-form-urlencoded"])
def test_patch_without_a_patch_content_type_is_415(kube, ctype):
    name = uniq("ctype")
    kube.create_pod("vdno", name)
    body = json.dumps({"metadata": {"annotations": {"a": "b"}}}).encode()
    for pod in (name, "no-such-pod"):   # the media type is checked before the object is looked up
        s, out = kube.api("PATCH", f"/api/v1/namespaces/vdno/pods/{pod}", body, content_type=ctype)
        assert s == 415, (pod, out)
        assert out["reason"] == "UnsupportedMediaType" and out["code"] == 415
        # the message depends on the version: v1.20 says "415: Unsupported Media Type", later ones
        # (and the fake, which plays v1.31) list the accepted patch types
    assert "a" not in (kube.pod("vdno", name)["metadata"].get("annotations") or {})


def test_create_and_its_refusals(kube, kubecall):
    kc = kube.kubeconfig("token")
    name = uniq("create")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "x"}},
           "spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.9",
                                    "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}}]}}
    r = run(kubecall, kc, "create", "vdno", json.dumps(pod))
    assert r.rc == 0, r
    kube.made_pods.append(("vdno", name))
    c = r.json["spec"]["containers"][0]
    assert c["resources"]["requests"] == {"cpu": "500m", "memory": "64Mi"}    # limits copied
    assert r.json["status"] == {"phase": "Pending", "qosClass": "Guaranteed"}
    assert "nodeName" not in r.json["spec"]
    # again: 409
    r = run(kubecall, kc, "create", "vdno", json.dumps(pod))
    assert r.rc == 1 and f'409 Conflict: pods "{name}" already exists' in r.json["msg"], r
    # a name that is no DNS-1123 subdomain: 422
    bad = json.loads(json.dumps(pod))
    bad["metadata"]["name"] = "Bad_Name"
    r = run(kubecall, kc, "create", "vdno", json.dumps(bad))
    assert r.rc == 1 and '422 Unprocessable Entity: Pod "Bad_Name" is invalid: metadata.name: Invalid value' \
        in r.json["msg"], r
    # no image: 422
    bad = json.loads(json.dumps(pod))
    del bad["spec"]["containers"][0]["image"]
    r = run(kubecall, kc, "create", "vdno", json.dumps(bad))
    assert r.rc == 1 and "spec.containers[0].image: Required value" in r.json["msg"], r
    # a malformed quantity: 400
    bad = json.loads(json.dumps(pod))
    bad["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "two"
    r = run(kubecall, kc, "create", "vdno", json.dumps(bad))
    assert r.rc == 1 and "400 Bad Request: " in r.json["msg"] and "quantities must match the regular " \
        "expression" in r.json["msg"], r
    # unknown namespace: 404, and a failed create is no "not found"
    r = run(kubecall, kc, "create", "no-such-ns", json.dumps(pod))
    assert r.rc == 1 and '404 Not Found: namespaces "no-such-ns" not found' in r.json["msg"], r


def test_lists_with_selectors(kube, kubecall):
    a, b = uniq("lst"), uniq("lst")
    kube.create_pod("vdno", a, labels={"vdno.kreonet.net/entry": a})
    kube.create_pod("default", b, labels={"vdno.kreonet.net/entry": b})
    kc = kube.kubeconfig("token")
    r = run(kubecall, kc, "pods", "-", f"vdno.kreonet.net/entry in ({a},{b})")
    assert r.rc == 0, r
    assert r.json["kind"] == "PodList"
    assert sorted(p["metadata"]["name"] for p in r.json["items"]) == sorted([a, b])
    r = run(kubecall, kc, "pods", "vdno", "vdno.kreonet.net/entry")
    assert a in [p["metadata"]["name"] for p in r.json["items"]]
    assert b not in [p["metadata"]["name"] for p in r.json["items"]]
    r = run(kubecall, kc, "pods", "-", "bad selector (")
    assert r.rc == 1 and "400 Bad Request: " in r.json["msg"], r


def test_nodes_status_and_binding(kube, kubecall):
    node = uniq("node")
    kube.create_node(node, cpu="8", memory="16Gi", storage="50Gi")
    name = uniq("bound")
    kube.create_pod("vdno", name, node=node, requests={"cpu": "1"})
    r = run(kubecall, kube.kubeconfig("cert"), "nodes")
    assert r.rc == 0, r
    n = next(i for i in r.json["items"] if i["metadata"]["name"] == node)
    assert n["status"]["allocatable"] == {"cpu": "8", "memory": "16Gi", "ephemeral-storage": "50Gi",
                                          "pods": "110"}
    assert [c["type"] + "=" + c["status"] for c in n["status"]["conditions"]] == ["Ready=True"]
    pod = run(kubecall, kube.kubeconfig("cert"), "get", "vdno", name).json
    assert pod["spec"]["nodeName"] == node
    assert {"type": "PodScheduled", "status": "True"}.items() <= pod["status"]["conditions"][0].items()
    # a second binding is refused
    s, out = kube.api("POST", f"/api/v1/namespaces/vdno/pods/{name}/binding",
                      {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                       "target": {"apiVersion": "v1", "kind": "Node", "name": "other"}})
    assert s == 409 and out["reason"] == "Conflict", out
    assert f"pod {name} is already assigned to node \"{node}\"" in out["message"]


def test_delete_unbound_and_bound(kube, kubecall):
    kc = kube.kubeconfig("token")
    free, node, bound = uniq("del"), uniq("node"), uniq("del")
    kube.create_pod("vdno", free)
    kube.create_node(node)
    kube.create_pod("vdno", bound, node=node)
    # a pod on no node goes at once, whatever the grace period
    assert run(kubecall, kc, "delete", "vdno", free).rc == 0
    assert kube.pod("vdno", free) is None
    # a bound pod waits for its kubelet: graceful delete leaves it Terminating
    assert run(kubecall, kc, "delete", "vdno", bound, 30).rc == 0
    p = kube.pod("vdno", bound)
    assert p is not None and p["metadata"]["deletionTimestamp"] and p["metadata"]["deletionGracePeriodSeconds"] == 30
    # gracePeriodSeconds=0 removes it
    assert run(kubecall, kc, "delete", "vdno", bound, 0).rc == 0
    assert kube.pod("vdno", bound) is None
    r = run(kubecall, kc, "delete", "vdno", bound, 0)
    assert r.rc == 3 and r.json["notFound"], r


def test_forbidden_without_rbac(kube, kubecall):
    if kube.kind == "fake":
        pytest.skip("the fake has no RBAC; its --forbid is tested in test_fakes.py")
    r = run(kubecall, kube.kubeconfig("forbidden"), "get", "vdno", "p")
    assert r.rc == 1, r
    assert ('403 Forbidden: pods "p" is forbidden: User "nobody" cannot get resource "pods" in API group "" '
            'in the namespace "vdno"') in r.json["msg"]


def test_no_credentials_is_system_anonymous(kube):
    """A real server's default (--anonymous-auth=true): 403, not 401; the fake with --anonymous."""
    cases = [
        ("GET", "/api/v1/nodes", 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in '
                                 'API group "" at the cluster scope', {"kind": "nodes"}),
        ("GET", "/api/v1/nodes/n1", 'nodes "n1" is forbidden: User "system:anonymous" cannot get resource "nodes" '
                                    'in API group "" at the cluster scope', {"name": "n1", "kind": "nodes"}),
        ("GET", "/api/v1/pods", 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API '
                                'group "" at the cluster scope', {"kind": "pods"}),
        ("GET", "/api/v1/namespaces/vdno/pods/p", 'pods "p" is forbidden: User "system:anonymous" cannot get '
                                                  'resource "pods" in API group "" in the namespace "vdno"',
         {"name": "p", "kind": "pods"}),
        ("PATCH", "/api/v1/namespaces/vdno/pods/p/status", 'pods "p" is forbidden: User "system:anonymous" cannot '
                                                           'patch resource "pods/status" in API group "" in the '
                                                           'namespace "vdno"', {"name": "p", "kind": "pods"}),
        ("POST", "/api/v1/namespaces/vdno/pods", 'pods is forbidden: User "system:anonymous" cannot create '
                                                 'resource "pods" in API group "" in the namespace "vdno"',
         {"kind": "pods"}),
        ("GET", "/api/v1/namespaces/vdno", 'namespaces "vdno" is forbidden: User "system:anonymous" cannot get '
                                           'resource "namespaces" in API group "" in the namespace "vdno"',
         {"name": "vdno", "kind": "namespaces"}),
        ("GET", "/api", 'forbidden: User "system:anonymous" cannot get path "/api"', {}),
    ]
    for method, path, msg, details in cases:
        s, out = kube.api(method, path, {} if method != "GET" else None,
                          content_type="application/merge-patch+json", creds="none")
        assert (s, out.get("reason"), out.get("message"), out.get("details")) == (403, "Forbidden", msg, details), path
    s, out = kube.api("GET", "/version", creds="none")
    assert s == 200 and out["major"] == "1"


def test_client_certificate_of_an_unknown_ca(kube, kubecall):
    if kube.kind == "fake":
        pytest.skip("the fake refuses the TLS handshake instead (Python's ssl verifies while it handshakes)")
    r = run(kubecall, kube.kubeconfig("stranger"), "get", "vdno", "p")
    assert r.rc == 1 and "401 Unauthorized (check the kubeconfig's credentials)" in r.json["msg"], r


def test_a_new_node_is_tainted_not_ready(kube):
    """TaintNodesByCondition: until the node lifecycle controller has seen the node Ready."""
    name = uniq("node")
    out = kube.ok("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    kube.made_nodes.append(name)
    assert out["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    s, out = kube.api("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    assert s == 409 and out["reason"] == "AlreadyExists"
    s, out = kube.api("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "Bad_N"}})
    assert s == 422 and out["reason"] == "Invalid"


def test_a_nodes_own_credentials(kube, kubecall):
    """A kubelet's client certificate (O=system:nodes, CN=system:node:worker-1): the Node
    authorizer lets it read pods and patch the status of the pods bound to it, nothing else, and
    NodeRestriction keeps it to its own pods. multicni may run with such a kubeconfig: the
    network-status annotation goes through pods/status."""
    kc = kube.kubeconfig("node")
    kube.create_node("worker-1")
    other = uniq("node")
    kube.create_node(other)
    mine, theirs, free = uniq("mine"), uniq("theirs"), uniq("free")
    kube.create_pod("default", mine, node="worker-1", annotations={"keep": "me"})
    kube.create_pod("default", theirs, node=other)
    kube.create_pod("default", free)
    assert run(kubecall, kc, "get", "default", theirs).rc == 0
    r = run(kubecall, kc, "patch-annotations", "default", mine, '{"k8s.v1.cni.cncf.io/network-status":"[]"}')
    assert r.rc == 0, r
    assert kube.pod("default", mine)["metadata"]["annotations"] == {"keep": "me",
                                                                    "k8s.v1.cni.cncf.io/network-status": "[]"}
    # another node's pod: refused on /status, and on the pod itself
    r = run(kubecall, kc, "patch-annotations", "default", theirs, '{"a":"b"}')
    assert r.rc == 1, r
    assert (f'PATCH pod default/{theirs}: 403 Forbidden: pods "{theirs}" is forbidden: User "system:node:worker-1" '
            f'cannot patch resource "pods" in API group "" in the namespace "default"') in r.json["msg"]
    s, out = kube.api("PATCH", f"/api/v1/namespaces/default/pods/{theirs}/status", {"metadata": {}},
                      "application/merge-patch+json", creds="node")
    assert s == 403 and out["message"] == (f'pods "{theirs}" is forbidden: node "worker-1" can only update pod '
                                           f'status for pods with spec.nodeName set to itself')
    s, out = kube.api("PATCH", f"/api/v1/namespaces/default/pods/{mine}", {"metadata": {}},
                      "application/merge-patch+json", creds="node")
    assert s == 403 and "cannot patch resource \"pods\"" in out["message"]
    s, out = kube.api("POST", "/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod",
                                                                 "metadata": {"name": "p9"}, "spec": {}},
                      creds="node")
    assert s == 403 and out["message"] == ('pods "p9" is forbidden: pod does not have "kubernetes.io/config.mirror" '
                                           'annotation, node "worker-1" can only create mirror pods')
    s, out = kube.api("POST", f"/api/v1/namespaces/default/pods/{free}/binding",
                      {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": free},
                       "target": {"name": "worker-1"}}, creds="node")
    assert s == 403 and out["message"] == (f'pods "{free}" is forbidden: User "system:node:worker-1" cannot create '
                                           f'resource "pods/binding" in API group "" in the namespace "default"')
    s, out = kube.api("DELETE", f"/api/v1/namespaces/default/pods/{theirs}", creds="node")
    assert s == 403 and out["message"] == (f'pods "{theirs}" is forbidden: node "worker-1" can only delete pods '
                                           f'with spec.nodeName set to itself')
    s, out = kube.api("PATCH", "/api/v1/namespaces/default/pods/no-such-pod/status", {"metadata": {}},
                      "application/merge-patch+json", creds="node")
    assert s == 404
