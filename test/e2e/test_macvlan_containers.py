"""podman puts containers on a shared NIC through bin/macvlan (conf-examples/macvlan.conflist
with the test's master): they reach each other, and removing them deletes their macvlans and
releases their addresses."""
import json
import os

from conftest import adapt_example, ip, link_json


def leases(datadir, net):
    d = datadir / net
    return sorted(p for p in os.listdir(d) if p[0].isdigit()) if d.is_dir() else []


def address_of(podman, ctr):
    out = podman.exec(ctr, "ip", "-4", "-o", "addr", "show", "eth0").stdout
    return out.split("inet ")[1].split("/")[0]


def test_two_containers_ping_each_other_and_removal_cleans_up(podman, node, tmp_path):
    master, _ = node.nic(0, up=True)
    net = node.network(adapt_example(node, tmp_path, "macvlan.conflist", master=master))
    a = podman.run(node.container("a"), net)
    b = podman.run(node.container("b"), net, extra=["--mac-address", "02:00:5e:20:00:02"])
    ip_a, ip_b = address_of(podman, a), address_of(podman, b)
    assert ip_a != ip_b
    assert leases(tmp_path / "ipam", net) == sorted([ip_a, ip_b])

    for ns_ctr in (a, b):
        eth0 = link_json("eth0", ns=podman.netns(ns_ctr))
        assert eth0["linkinfo"]["info_kind"] == "macvlan"
        assert eth0["linkinfo"]["info_data"]["mode"] == "bridge"
        assert eth0["link_index"] == link_json(master)["ifindex"]
    assert "PROMISC" in link_json(master)["flags"]         # the example's promiscMode
    # podman's --mac-address reaches the plugin (runtimeConfig mac)
    assert link_json("eth0", ns=podman.netns(b))["address"] == "02:00:5e:20:00:02"
    assert podman.exec(a, "ping", "-c", "1", "-W", "2", ip_b).returncode == 0
    assert podman.exec(b, "ping", "-c", "1", "-W", "2", ip_a).returncode == 0
    # nothing of the containers is on the node: the macvlans were made inside them
    assert [l["ifname"] for l in json.loads(ip("-d", "-j", "link", "show").stdout)
            if l.get("linkinfo", {}).get("info_kind") == "macvlan"
            and l.get("link") == master] == []

    # disconnecting a running container runs DEL on a live namespace: the macvlan goes
    ns_b = podman.netns(b)
    podman("network", "disconnect", net, b)
    assert link_json("eth0", ns=ns_b) is None
    assert leases(tmp_path / "ipam", net) == [ip_a]

    podman.rm(a)
    assert leases(tmp_path / "ipam", net) == []
    assert link_json(master) is not None
    assert "DEL" in (tmp_path / "macvlan.log").read_text()
