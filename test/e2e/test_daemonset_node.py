"""A node set up by the DaemonSet's installer (conf-examples/daemonset.yaml) runs a pod: the
kubeconfig it wrote from the ServiceAccount (HTTPS with the cluster's CA, tokenFile) lets
multicni read the pod from the (fake) API server, and the password file it wrote lets vdhcp
lease the address."""
import json
import subprocess

import pytest

from conftest import (BIN, KUBE_TOKEN, VDHCP_PATH, _fake, link_json, live_leases, needs,
                      seed_pod)
from test_conf_examples import run_installer

pytestmark = needs("multicni", "vdhcp")


@pytest.fixture
def tls_kube(tmp_path):
    """The fake API server over HTTPS with a throwaway CA, as a cluster's would be."""
    d = tmp_path / "pki"
    d.mkdir()

    def openssl(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=e2e-cluster-ca")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=kube-apiserver")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "san.ext")
    with _fake("kube_api.py", "--token", KUBE_TOKEN, "--cert", d / "srv.crt", "--key",
               d / "srv.key", "--quiet", cafile=str(d / "ca.crt")) as k:
        yield k, d / "ca.crt"


def test_installed_node_runs_a_pod_through_the_daemonsets_files(podman, node, vdhcp, tls_kube,
                                                                 tmp_path):
    kube, ca = tls_kube
    r, host = run_installer(tmp_path, BIN, token=KUBE_TOKEN, ca=ca.read_text(),
                            port=kube.port)
    assert r.returncode == 0, r.stderr
    conflist = json.loads((host / "etc/cni/net.d/00-multicni.conflist").read_text())
    (m,) = conflist["plugins"]
    # the node's own paths, rebased under the test's node root
    m["kubeconfig"] = str(host) + m["kubeconfig"]
    master, _ = node.nic(0, up=True)
    conflist["name"] = f"{node.prefix}-ds"
    m["stateDir"] = str(tmp_path / "state" / "multicni")
    for p in m["plugins"]:
        p["stateDir"] = str(tmp_path / "state" / p["type"])
        p["ipam"]["stateDir"] = str(tmp_path / "state" / "vdhcp")
        for s in p["ipam"]["servers"]:
            s["url"] = vdhcp.url + VDHCP_PATH
            s["passwordFile"] = str(host) + s["passwordFile"]
        if p["type"] == "macvlan":
            p["master"] = master
        else:
            p["devices"] = [f"{node.prefix}n9"]
    net = node.network(conflist)
    name = node.container("ds")
    seed_pod(kube, name, {"cni-plugins": '["macvlan"]'})
    ctr = podman.run(name, net)

    mac = link_json("eth0", ns=podman.netns(ctr))["address"]
    lease = live_leases(vdhcp)[mac]
    assert f"inet {lease['clientIp']}/24" in podman.exec(ctr, "ip", "-4", "addr").stdout
    gets = kube.requests(method="GET", path=f"/pods/{name}")
    assert gets and all(g["headers"].get("Authorization") == "Bearer" for g in gets)
    podman.rm(ctr)
    assert live_leases(vdhcp) == {}
