"""podman lends a dedicated NIC to a container through bin/host-device and takes it back
(conf-examples/host-device.conflist with the test's NICs; host-local gives 10.10.0.2 first)."""
from conftest import adapt_example, ip, ipv4, link_json


def hd_conflist(node, tmp_path, devices):
    return adapt_example(node, tmp_path, "host-device.conflist", devices=devices)


def test_container_holds_the_nic_and_removal_gives_it_back(podman, node, tmp_path):
    nic, peer = node.nic(0, mac="02:00:5e:10:00:01")
    ip("addr", "add", "10.10.0.1/24", "dev", peer, ns=node.wire)
    net = node.network(hd_conflist(node, tmp_path, [nic]))

    ctr = podman.run(node.container("a"), net)
    # the NIC left the node and is the container's eth0, with its MAC and the address
    assert link_json(nic) is None
    eth0 = link_json("eth0", ns=podman.netns(ctr))
    assert eth0["address"] == "02:00:5e:10:00:01" and eth0["ifalias"] == nic
    assert "10.10.0.2/24" in podman.exec(ctr, "ip", "-4", "addr", "show", "eth0").stdout
    # the far end of the NIC's cable answers the container
    assert podman.exec(ctr, "ping", "-c", "1", "-W", "2", "10.10.0.1").returncode == 0
    # this build's plugin did it (bin/ comes first in cni_plugin_dirs) and kept a record
    assert "ADD" in (tmp_path / "host-device.log").read_text()
    assert len(list((tmp_path / "state" / "host-device").glob("*.json"))) == 1

    podman.rm(ctr)
    back = link_json(nic)
    assert back is not None, "the NIC did not come back to the node"
    assert back["address"] == "02:00:5e:10:00:01"
    assert ipv4(nic) == []
    assert list((tmp_path / "state" / "host-device").glob("*.json")) == []


def test_a_held_nic_is_not_lent_twice(podman, node, tmp_path):
    nic, _ = node.nic(0)
    net = node.network(hd_conflist(node, tmp_path, [nic]))
    first = podman.run(node.container("a"), net)
    r = podman.run(node.container("b"), net, check=False)
    assert r.returncode != 0
    assert "no free device in pool" in r.stderr, r.stderr
    # the first container keeps it; removing the failed one changes nothing
    podman.rm(node.container("b"))
    assert link_json(nic) is None
    assert link_json("eth0", ns=podman.netns(first))["ifalias"] == nic
    podman.rm(first)
    assert link_json(nic) is not None
