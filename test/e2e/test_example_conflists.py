"""conf-examples/vdhcp-host-device.conflist and vdhcp-macvlan.conflist run by podman against
the fake vDHCP API: NIC names, server URLs (plain HTTP: the fake has no certificate, so no
caFile) and the password file are the test's own."""
from conftest import VDHCP_PASSWORD, VDHCP_PATH, example, link_json, live_leases, needs

pytestmark = needs("vdhcp", "vdhcp-host-device.conflist", "vdhcp-macvlan.conflist")


def adapt(node, tmp_path, name, vdhcp_url, **keys):
    c = example(name)
    c["name"] = f"{node.prefix}-{c['name']}"
    (p,) = c["plugins"]
    p.update(keys)
    p["logFile"] = str(tmp_path / f"{p['type']}.log")
    p["stateDir"] = str(tmp_path / "state" / p["type"])
    p["ipam"]["stateDir"] = str(tmp_path / "state" / "vdhcp")
    password = tmp_path / "vdhcp.pass"
    password.write_text(VDHCP_PASSWORD + "\n")
    for s in p["ipam"]["servers"]:
        s["url"] = vdhcp_url
        s["passwordFile"] = str(password)
        s.pop("caFile", None)
    return c


def addr(podman, ctr):
    out = podman.exec(ctr, "ip", "-4", "-o", "addr", "show", "eth0").stdout
    return out.split("inet ")[1].split()[0]


def test_host_device_example_lends_the_nic_with_a_vdhcp_lease(podman, node, vdhcp, tmp_path):
    nic, _ = node.nic(0)
    net = node.network(adapt(node, tmp_path, "vdhcp-host-device.conflist", vdhcp.url + VDHCP_PATH,
                             devices=[nic, f"{node.prefix}n9"]))
    mac = "02:00:5e:40:00:01"
    ctr = podman.run(node.container("a"), net, extra=["--mac-address", mac])
    assert link_json(nic) is None
    assert link_json("eth0", ns=podman.netns(ctr))["address"] == mac
    lease = live_leases(vdhcp)[mac]
    assert lease["vdnId"] == "vdn-default"                    # the example's ipam.vdnId
    assert addr(podman, ctr) == f"{lease['clientIp']}/24"
    # the password came from passwordFile and stays out of the state and the logs
    for f in (tmp_path / "state").rglob("*.json"):
        assert VDHCP_PASSWORD not in f.read_text()
    assert VDHCP_PASSWORD not in (tmp_path / "host-device.log").read_text()

    podman.rm(ctr)
    assert link_json(nic) is not None
    assert live_leases(vdhcp) == {}
    assert list((tmp_path / "state").rglob("*.json")) == []


def test_macvlan_example_containers_reach_each_other_with_vdhcp_leases(podman, node, vdhcp,
                                                                       tmp_path):
    master, _ = node.nic(0, up=True)
    net = node.network(adapt(node, tmp_path, "vdhcp-macvlan.conflist", vdhcp.url + VDHCP_PATH,
                             master=master))
    a = podman.run(node.container("a"), net)
    b = podman.run(node.container("b"), net)
    ip_a, ip_b = addr(podman, a).split("/")[0], addr(podman, b).split("/")[0]
    assert sorted(l["clientIp"] for l in live_leases(vdhcp).values()) == sorted([ip_a, ip_b])
    assert podman.exec(a, "ping", "-c", "1", "-W", "2", ip_b).returncode == 0

    podman.rm(a)
    podman.rm(b)
    assert live_leases(vdhcp) == {}
    puts = {r["path"] for r in vdhcp.requests(method="PUT")}
    deletes = {r["path"] for r in vdhcp.requests(method="DELETE")}
    assert puts == deletes and len(deletes) == 2
