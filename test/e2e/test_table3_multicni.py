"""The paper's Table 3 (conf-examples/multicni-table3.conflist) run by podman: multicni reads
the pod's annotations from the (fake) Kubernetes API, delegates to host-device or macvlan,
and vdhcp leases the address from the (fake) vDHCP API.

podman passes CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=<container name> and no namespace, so
multicni looks the pod up in `default`: each test seeds a pod named like its container."""
import json

from conftest import (VDHCP_PATH, example, ip, link_json, live_leases, needs, pings,
                      pod_annotations, seed_pod, write_kubeconfig)

pytestmark = needs("multicni", "vdhcp", "multicni-table3.conflist")

VDN_MAC = "02:00:5e:30:00:07"


def table3(node, tmp_path, master, devices, vdhcp_url, kubeconfig):
    """Table 3 with the node's NICs, the vDHCP URL and the kubeconfig filled in, and the
    plugins' state and logs kept in the test's temp dir."""
    c = example("multicni-table3.conflist")
    c["name"] = f"{node.prefix}-t3"
    (m,) = c["plugins"]
    m["kubeconfig"] = str(kubeconfig)
    m["stateDir"] = str(tmp_path / "state" / "multicni")
    m["logFile"] = str(tmp_path / "multicni.log")
    by_name = {p["name"]: p for p in m["plugins"]}
    by_name["macvlan"]["master"] = master
    by_name["host-device"]["devices"] = devices
    for p in m["plugins"]:
        p["stateDir"] = str(tmp_path / "state" / p["type"])
        p["logFile"] = str(tmp_path / f"{p['type']}.log")
        p["ipam"]["stateDir"] = str(tmp_path / "state" / "vdhcp")
        for s in p["ipam"]["servers"]:
            s["url"] = vdhcp_url
    return c


def eth0(podman, ctr):
    out = podman.exec(ctr, "ip", "-4", "-o", "addr", "show", "eth0").stdout
    return out.split("inet ")[1].split()[0]


def test_dedicated_pod_gets_its_vdhcp_address_on_a_lent_nic(podman, node, kube, vdhcp,
                                                               tmp_path):
    master, _ = node.nic(0, up=True)
    nic1, peer1 = node.nic(1)
    nic2, _ = node.nic(2)
    net = node.network(table3(node, tmp_path, master, [nic1, nic2],
                              vdhcp.url + VDHCP_PATH,
                              write_kubeconfig(tmp_path / "kubeconfig", kube.url)))
    name = node.container("fast")
    seed_pod(kube, name, {"cni-plugins": '["host-device"]',
                          "vdno.kreonet.net/vdn-id": "vdn-e2e",
                          "vdno.kreonet.net/mac": VDN_MAC})
    ctr = podman.run(name, net)

    # the first NIC of the pool is the container's eth0, with the MAC the scheduler chose
    assert link_json(nic1) is None and link_json(nic2) is not None
    link = link_json("eth0", ns=podman.netns(ctr))
    assert link["ifalias"] == nic1 and link["address"] == VDN_MAC
    # its address is the lease the vDHCP server holds for that MAC in the pod's VDN
    lease = live_leases(vdhcp)[VDN_MAC]
    assert lease["vdnId"] == "vdn-e2e"
    assert eth0(podman, ctr) == f"{lease['clientIp']}/24"
    route = podman.exec(ctr, "ip", "route").stdout
    assert f"default via {lease['router'][0]}" in route, route
    # the SDN's side of the NIC (the test's wire namespace, playing the router) reaches it
    ip("addr", "add", f"{lease['router'][0]}/24", "dev", peer1, ns=node.wire)
    assert pings(node.wire, lease["clientIp"])
    # multicni told Kubernetes what the pod got
    status = json.loads(pod_annotations(kube, name)["k8s.v1.cni.cncf.io/network-status"])
    assert status[0]["interface"] == "eth0" and status[0]["mac"] == VDN_MAC
    assert lease["clientIp"] in status[0]["ips"]

    podman.rm(ctr)
    assert link_json(nic1) is not None, "the NIC did not come back"
    assert VDN_MAC not in live_leases(vdhcp)
    deletes = vdhcp.requests(method="DELETE")
    assert [r["path"] for r in deletes] == [VDHCP_PATH + VDN_MAC.replace(":", "-")]


def test_general_pods_on_the_default_macvlan_ping_each_other(podman, node, kube, vdhcp,
                                                             tmp_path):
    master, _ = node.nic(0, up=True)
    nic1, _ = node.nic(1)
    net = node.network(table3(node, tmp_path, master, [nic1], vdhcp.url + VDHCP_PATH,
                              write_kubeconfig(tmp_path / "kubeconfig", kube.url)))
    a, b = node.container("a"), node.container("b")
    for n in (a, b):
        seed_pod(kube, n)            # no annotation: Table 3's "default": "macvlan"
        podman.run(n, net)
    ip_a, ip_b = eth0(podman, a), eth0(podman, b)
    leases = live_leases(vdhcp)
    assert sorted(f"{l['clientIp']}/24" for l in leases.values()) == sorted([ip_a, ip_b])
    assert {l["vdnId"] for l in leases.values()} == {"default"}
    assert link_json(nic1) is not None          # host-device was not asked
    assert "PROMISC" in link_json(master)["flags"]      # Table 3's promiscMode
    assert podman.exec(a, "ping", "-c", "1", "-W", "2", ip_b.split("/")[0]).returncode == 0
    assert podman.exec(b, "ping", "-c", "1", "-W", "2", ip_a.split("/")[0]).returncode == 0

    podman.rm(a)
    podman.rm(b)
    assert live_leases(vdhcp) == {}
    assert len(vdhcp.requests(method="DELETE")) == 2
