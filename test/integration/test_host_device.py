"""host-device as a runtime drives it: real namespaces, veth pairs as the node's NICs."""
import concurrent.futures
import os

import pytest

from conftest import (addrs, assert_cni_error, cni, ip, ipam_calls, link_json, links,
                      make_nic, routes)


def conf(state_dir, version="1.0.0", **keys):
    c = {"cniVersion": version, "name": "hdnet", "type": "host-device",
         "stateDir": str(state_dir)}
    c.update(keys)
    return c


def static_ipam(*addresses, routes_=None):
    ipam = {"type": "static", "addresses": [{"address": a} for a in addresses]}
    if routes_ is not None:
        ipam["routes"] = routes_
    return ipam


def records(state_dir):
    return sorted(p for p in os.listdir(state_dir) if p.endswith(".json")) \
        if os.path.isdir(state_dir) else []


def test_add_lends_device_and_del_returns_it(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire, mtu=1400)
    mac = link_json("nic0", host)["address"]
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0")

    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert res.json["cniVersion"] == "1.0.0"
    assert res.json["interfaces"] == [{"name": "eth0", "mac": mac,
                                       "sandbox": netns.path(pod)}]
    assert link_json("nic0", host) is None
    inpod = link_json("eth0", pod)
    assert inpod["address"] == mac
    assert inpod["ifalias"] == "nic0"
    assert "UP" in inpod["flags"]
    assert records(tmp_path) == ["ctr1-eth0.json"]

    # the pod changes the MTU; DEL must still give the NIC back as it was
    ip("link", "set", "eth0", "mtu", "1300", ns=pod)
    res = cni("host-device", "DEL", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert res.stdout == ""
    back = link_json("nic0", host)
    assert back["address"] == mac and back["mtu"] == 1400
    assert "UP" not in back["flags"]
    assert not back.get("ifalias")
    assert link_json("eth0", pod) is None
    assert records(tmp_path) == []


def test_pool_takes_first_present_candidate_in_order(host, wire, netns, tmp_path):
    make_nic(host, "nicb", wire)
    make_nic(host, "nicc", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nica", devices=["nicb", "nicc"])
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert link_json("eth0", pod)["ifalias"] == "nicb"
    assert link_json("nicc", host) is not None


def test_pool_by_hwaddr_and_kernelpath(host, wire, netns, tmp_path):
    make_nic(host, "nicm", wire, mac="02:11:22:33:44:55")
    make_nic(host, "nick", wire)
    sysfs = tmp_path / "sysfs"
    (sysfs / "sys/devices/pci0000:00/0000:00:03.0/net/nick").mkdir(parents=True)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    st = tmp_path / "state"
    r1 = cni("host-device", "ADD", conf(st, hwaddr="02:11:22:33:44:55"), host=host,
             netns=netns.path(pod1), containerid="c1")
    assert r1.rc == 0, r1
    assert link_json("eth0", pod1)["ifalias"] == "nicm"
    r2 = cni("host-device", "ADD",
             conf(st, kernelpath="/sys/devices/pci0000:00/0000:00:03.0"), host=host,
             netns=netns.path(pod2), containerid="c2", env={"VDN_SYSFS_ROOT": str(sysfs)})
    assert r2.rc == 0, r2
    assert link_json("eth0", pod2)["ifalias"] == "nick"


def test_exhausted_pool_is_a_clear_error_and_moves_nothing(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(tmp_path, devices=["nic0", "nic9"])
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod1),
               containerid="c1").rc == 0
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod2), containerid="c2")
    assert_cni_error(res, 101, "no free device in pool [nic0 nic9]")
    assert "nic0 in use by another pod" in res.json["msg"]
    assert "nic9 not found" in res.json["msg"]
    assert set(links(pod2)) == {"lo"}
    assert records(tmp_path) == ["c1-eth0.json"]


def test_concurrent_adds_never_share_a_nic(host, wire, netns, tmp_path):
    pool = [make_nic(host, f"pnic{i}", wire) for i in range(5)]
    pods = [netns.new(f"p{i}") for i in range(20)]
    c = conf(tmp_path, devices=pool)

    def add(i):
        return cni("host-device", "ADD", c, host=host, netns=netns.path(pods[i]),
                   containerid=f"c{i}")

    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        results = list(ex.map(add, range(20)))
    ok = [i for i, r in enumerate(results) if r.rc == 0]
    assert len(ok) == 5, results
    for i, r in enumerate(results):
        if r.rc:
            assert_cni_error(r, 101, "no free device in pool")
    taken = sorted(link_json("eth0", pods[i])["ifalias"] for i in ok)
    assert taken == sorted(pool)
    assert not any(n.startswith("pnic") for n in links(host))

    for i in range(20):
        r = cni("host-device", "DEL", c, host=host, netns=netns.path(pods[i]),
                containerid=f"c{i}")
        assert r.rc == 0, r
    assert all(link_json(n, host) for n in pool)
    assert records(tmp_path) == []


def test_del_twice_succeeds(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0")
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod)).rc == 0
    for _ in range(2):
        r = cni("host-device", "DEL", c, host=host, netns=netns.path(pod))
        assert r.rc == 0, r
    assert link_json("nic0", host) is not None


def test_del_of_never_added_attachment_succeeds(host, netns, tmp_path):
    pod = netns.new("pod")
    r = cni("host-device", "DEL", conf(tmp_path, device="nic0"), host=host,
            netns=netns.path(pod))
    assert r.rc == 0, r
    r = cni("host-device", "DEL", conf(tmp_path, device="nic0"), host=host, netns=None)
    assert r.rc == 0, r


def test_del_finds_nic_the_kernel_returned_under_another_name(host, wire, netns, tmp_path):
    """When a pod's namespace dies, the kernel pushes a physical NIC back to the host under
    its pod name or dev<N>; DEL must find it by MAC and restore its name and MAC."""
    make_nic(host, "nic0", wire, mtu=1450)
    orig_mac = link_json("nic0", host)["address"]
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0", runtimeConfig={"mac": "02:00:00:aa:bb:cc"})
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod)).rc == 0
    assert link_json("eth0", pod)["address"] == "02:00:00:aa:bb:cc"
    # what default_device_exit does, done by hand (veths would die with the namespace)
    hostfd = f"/run/netns/{host}"
    ip("link", "set", "eth0", "netns", hostfd, "name", "dev42", ns=pod)
    ip("netns", "del", pod)
    netns.made.remove(pod)

    r = cni("host-device", "DEL", c, host=host, netns=f"/run/netns/{pod}")
    assert r.rc == 0, r
    back = link_json("nic0", host)
    assert back is not None and back["address"] == orig_mac and back["mtu"] == 1450
    assert link_json("dev42", host) is None
    assert records(tmp_path) == []


def test_del_with_corrupt_record_still_returns_nic_by_alias(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0")
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod)).rc == 0
    (tmp_path / "ctr1-eth0.json").write_text("{broken")
    r = cni("host-device", "DEL", c, host=host, netns=netns.path(pod))
    assert r.rc == 0, r
    assert link_json("nic0", host) is not None
    assert records(tmp_path) == []


def test_del_without_netns_returns_nic_already_home_under_pod_name(host, wire, netns,
                                                                    tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0")
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod)).rc == 0
    ip("link", "set", "eth0", "netns", f"/run/netns/{host}", ns=pod)
    r = cni("host-device", "DEL", c, host=host, netns=None)
    assert r.rc == 0, r
    assert link_json("nic0", host) is not None and link_json("eth0", host) is None


def test_static_ipam_addresses_and_routes_applied(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    ipam = static_ipam("10.9.0.5/24", "fd00:9::5/64",
                       routes_=[{"dst": "0.0.0.0/0", "gw": "10.9.0.1"},
                                {"dst": "192.168.50.0/24"}])
    ipam["addresses"][0]["gateway"] = "10.9.0.1"
    c = conf(tmp_path, device="nic0", ipam=ipam)
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert [i["address"] for i in res.json["ips"]] == ["10.9.0.5/24", "fd00:9::5/64"]
    assert all(i["interface"] == 0 for i in res.json["ips"])
    assert addrs("eth0", pod) == ["10.9.0.5/24", "fd00:9::5/64"]
    rt = {r["dst"]: r for r in routes(pod)}
    assert rt["default"]["gateway"] == "10.9.0.1"
    # a route without gw goes via the family's gateway, as in the reference plugins
    assert rt["192.168.50.0/24"]["gateway"] == "10.9.0.1"

    r = cni("host-device", "CHECK", dict(c, prevResult=res.json), host=host,
            netns=netns.path(pod))
    assert r.rc == 0, r
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0
    assert addrs("nic0", host) == []


def test_host_local_ipam_lease_released_on_del(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    data = tmp_path / "hl"
    c = conf(tmp_path, device="nic0", ipam={"type": "host-local", "subnet": "10.77.0.0/24",
                                            "dataDir": str(data)})
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    assert res.json["ips"][0]["address"] == "10.77.0.2/24"
    assert os.path.exists(data / "hdnet" / "10.77.0.2")
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0
    assert not os.path.exists(data / "hdnet" / "10.77.0.2")


def test_ipam_failure_rolls_back_the_move(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    mac = link_json("nic0", host)["address"]
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0", ipam={"type": "static", "addresses": [
        {"address": "not-an-ip"}]})
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc != 0 and res.json["msg"].startswith("static: "), res
    back = link_json("nic0", host)
    assert back is not None and back["address"] == mac and not back.get("ifalias")
    assert set(links(pod)) == {"lo"}
    assert records(tmp_path) == []


def test_missing_ipam_plugin_rolls_back(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0", ipam={"type": "no-such-ipam"})
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert_cni_error(res, 102, 'plugin "no-such-ipam" not found')
    assert link_json("nic0", host) is not None
    assert set(links(pod)) == {"lo"}


def test_check_accepts_a_default_route_shared_by_two_pod_interfaces(host, wire, netns,
                                                                     tmp_path):
    """Found by the soak: two interfaces of one pod in one subnet (Table 3 with vdhcp): the
    second ADD meets the first's default route (EEXIST, accepted), and CHECK then said the
    second's route was missing on a pod nobody touched."""
    make_nic(host, "nic0", wire)
    make_nic(host, "nic1", wire)
    pod = netns.new("pod")
    results = {}
    for nic, ifname, addr in (("nic0", "eth0", "10.9.0.5/24"), ("nic1", "net1", "10.9.0.6/24")):
        c = conf(tmp_path, version="1.0.0", device=nic, ipam={"type": "static", "addresses": [
            {"address": addr, "gateway": "10.9.0.1"}], "routes": [{"dst": "0.0.0.0/0"}]})
        res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod), ifname=ifname)
        assert res.rc == 0, res
        results[ifname] = (c, res.json)
    for ifname, (c, prev) in results.items():
        res = cni("host-device", "CHECK", dict(c, prevResult=prev), host=host,
                  netns=netns.path(pod), ifname=ifname)
        assert res.rc == 0, res


def test_check_detects_tampering(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0", ipam=static_ipam("10.9.0.5/24"))
    res = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert res.rc == 0, res
    checked = dict(c, prevResult=res.json)
    assert cni("host-device", "CHECK", checked, host=host, netns=netns.path(pod)).rc == 0

    ip("addr", "del", "10.9.0.5/24", "dev", "eth0", ns=pod)
    r = cni("host-device", "CHECK", checked, host=host, netns=netns.path(pod))
    assert_cni_error(r, 104, "address 10.9.0.5/24 is missing")

    ip("link", "set", "eth0", "address", "02:de:ad:be:ef:01", ns=pod)
    r = cni("host-device", "CHECK", checked, host=host, netns=netns.path(pod))
    assert_cni_error(r, 104, "has MAC 02:de:ad:be:ef:01")

    r = cni("host-device", "CHECK", c, host=host, netns=netns.path(pod))
    assert_cni_error(r, 7, "prevResult missing")


def test_mac_from_cni_args_and_runtime_config(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    make_nic(host, "nic1", wire)
    orig = link_json("nic0", host)["address"]
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(tmp_path, devices=["nic0", "nic1"])
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod1), containerid="c1",
            args="IgnoreUnknown=1;MAC=02:00:00:00:00:11")
    assert r.rc == 0, r
    assert r.json["interfaces"][0]["mac"] == "02:00:00:00:00:11"
    assert link_json("eth0", pod1)["address"] == "02:00:00:00:00:11"
    # runtimeConfig wins over CNI_ARGS
    c2 = dict(c, capabilities={"mac": True}, runtimeConfig={"mac": "02:00:00:00:00:22"})
    r = cni("host-device", "ADD", c2, host=host, netns=netns.path(pod2), containerid="c2",
            args="MAC=02:00:00:00:00:33")
    assert r.rc == 0, r
    assert link_json("eth0", pod2)["address"] == "02:00:00:00:00:22"
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod1),
               containerid="c1").rc == 0
    assert link_json("nic0", host)["address"] == orig


def test_pod_with_link_named_like_host_device(host, wire, netns, tmp_path):
    """The reference 1.1.1 failed with 'file exists' here (plugins#1002)."""
    make_nic(host, "eth0", wire)
    pod = netns.new("pod")
    ip("link", "add", "eth0", "type", "veth", "peer", "name", "other", ns=pod)
    c = conf(tmp_path, device="eth0")
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod), ifname="net1")
    assert r.rc == 0, r
    assert link_json("net1", pod)["ifalias"] == "eth0"
    r = cni("host-device", "DEL", c, host=host, netns=netns.path(pod), ifname="net1")
    assert r.rc == 0, r
    assert link_json("eth0", host) is not None


def test_ifname_taken_in_pod_is_refused_and_nothing_moves(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    ip("link", "add", "eth0", "type", "veth", "peer", "name", "other", ns=pod)
    r = cni("host-device", "ADD", conf(tmp_path, device="nic0"), host=host,
            netns=netns.path(pod))
    assert_cni_error(r, 4, "interface eth0 already exists in the pod")
    assert link_json("nic0", host) is not None
    assert records(tmp_path) == []


def test_result_versions(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, version="0.3.1", device="nic0", ipam=static_ipam("10.9.0.5/24"))
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert r.rc == 0, r
    assert r.json["cniVersion"] == "0.3.1"
    assert r.json["ips"][0]["version"] == "4"
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0

    c = conf(tmp_path, version="0.2.0", device="nic0", ipam=static_ipam("10.9.0.5/24"))
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert r.rc == 0, r
    assert r.json["ip4"]["ip"] == "10.9.0.5/24" and "interfaces" not in r.json
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0

    # L2 only cannot be said in 0.2.0: an error, and the NIC goes back
    c = conf(tmp_path, version="0.2.0", device="nic0")
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert_cni_error(r, 1, "no IP address")
    assert link_json("nic0", host) is not None
    assert set(links(pod)) == {"lo"}
    assert records(tmp_path) == []


def test_gc_returns_nics_of_stale_attachments(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    make_nic(host, "nic1", wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(tmp_path, version="1.1.0", devices=["nic0", "nic1"])
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod1),
               containerid="keep").rc == 0
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod2),
               containerid="stale").rc == 0
    gc = dict(c, **{"cni.dev/valid-attachments": [{"containerID": "keep", "ifname": "eth0"}]})
    r = cni("host-device", "GC", gc, host=host, containerid=None, netns=None, ifname=None)
    assert r.rc == 0, r
    assert link_json("nic1", host) is not None
    assert link_json("eth0", pod1) is not None
    assert records(tmp_path) == ["keep-eth0.json"]


def test_gc_leaves_other_networks_nics_alone(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    make_nic(host, "nic1", wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    a = conf(tmp_path, version="1.1.0", device="nic0")
    b = dict(conf(tmp_path, version="1.1.0", device="nic1"), name="othernet")
    assert cni("host-device", "ADD", a, host=host, netns=netns.path(pod1),
               containerid="ca").rc == 0
    assert cni("host-device", "ADD", b, host=host, netns=netns.path(pod2),
               containerid="cb").rc == 0
    # GC of network "hdnet" with an empty valid list: only its own NIC comes back
    r = cni("host-device", "GC", dict(a, **{"cni.dev/valid-attachments": []}), host=host,
            containerid=None, netns=None, ifname=None)
    assert r.rc == 0, r
    assert link_json("nic0", host) is not None
    assert link_json("eth0", pod2) is not None
    assert records(tmp_path) == ["cb-eth0.json"]


def test_status_check_gc_del_forwarded_to_ipam(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    log = str(tmp_path / "ipam.log")
    c = conf(tmp_path / "st", version="1.1.0", device="nic0",
             ipam={"type": "fake-ipam", "log": log})
    add = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert add.rc == 0, add
    assert addrs("eth0", pod) == ["10.55.0.2/24"]
    assert cni("host-device", "CHECK", dict(c, prevResult=add.json), host=host,
               netns=netns.path(pod)).rc == 0
    assert cni("host-device", "STATUS", c, host=host, containerid=None, netns=None,
               ifname=None).rc == 0
    gc = dict(c, **{"cni.dev/valid-attachments": [{"containerID": "ctr1", "ifname": "eth0"}]})
    assert cni("host-device", "GC", gc, host=host, containerid=None, netns=None,
               ifname=None).rc == 0
    assert cni("host-device", "DEL", c, host=host, netns=netns.path(pod)).rc == 0
    calls = ipam_calls(log)
    assert [x["command"] for x in calls] == ["ADD", "CHECK", "STATUS", "GC", "DEL"]
    # the IPAM gets our whole config and our environment, only the verb changed
    assert calls[0]["stdin"] == c
    assert calls[0]["env"]["CNI_IFNAME"] == "eth0"
    assert calls[0]["env"]["CNI_NETNS"] == netns.path(pod)
    assert calls[3]["stdin"]["cni.dev/valid-attachments"] == gc["cni.dev/valid-attachments"]


def test_status_failure_of_ipam_is_reported_with_its_code(host, tmp_path):
    c = conf(tmp_path, version="1.1.0", device="nic0",
             ipam={"type": "fake-ipam", "answers": {"STATUS": {"code": 50,
                                                               "msg": "no server answers"}}})
    r = cni("host-device", "STATUS", c, host=host, containerid=None, netns=None, ifname=None)
    assert_cni_error(r, 50, "fake-ipam: no server answers")


def test_ipam_del_failure_still_returns_the_nic_and_is_reported(host, wire, netns,
                                                                 tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0", ipam={"type": "fake-ipam", "answers": {
        "DEL": {"code": 11, "msg": "server down"}}})
    assert cni("host-device", "ADD", c, host=host, netns=netns.path(pod)).rc == 0
    r = cni("host-device", "DEL", c, host=host, netns=netns.path(pod))
    assert_cni_error(r, 11, "server down")
    assert link_json("nic0", host) is not None
    assert records(tmp_path) == []


def test_ipam_result_without_ip_is_refused_and_released(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    log = str(tmp_path / "ipam.log")
    c = conf(tmp_path / "st", device="nic0", ipam={"type": "fake-ipam", "log": log, "answers": {
        "ADD": {"cniVersion": "1.0.0", "ips": []}}})
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod))
    assert_cni_error(r, 102, "returned no IP address")
    assert [x["command"] for x in ipam_calls(log)] == ["ADD", "DEL"]
    assert link_json("nic0", host) is not None


# ---- the protocol: environment, stdin, versions ----------------------------------------

def test_version_echoes_the_asked_version():
    r = cni("host-device", "VERSION", {"cniVersion": "0.4.0"})
    assert r.rc == 0, r
    assert r.json == {"cniVersion": "0.4.0", "supportedVersions": [
        "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]}
    r = cni("host-device", "VERSION", None, stdin="")
    assert r.rc == 0 and r.json["cniVersion"] == "1.1.0", r


def test_no_command_prints_about_on_stderr():
    r = cni("host-device", "ADD", {}, env={"CNI_COMMAND": None})
    assert r.rc == 0 and r.stdout == "" and "CNI" in r.stderr


@pytest.mark.parametrize("env,missing", [
    ({"CNI_CONTAINERID": None}, "CNI_CONTAINERID"),
    ({"CNI_NETNS": None}, "CNI_NETNS"),
    ({"CNI_IFNAME": None}, "CNI_IFNAME"),
    ({"CNI_CONTAINERID": None, "CNI_NETNS": None, "CNI_IFNAME": None},
     "CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME"),
])
def test_missing_environment_is_error_4_naming_it(host, env, missing, tmp_path):
    r = cni("host-device", "ADD", conf(tmp_path, device="nic0"), host=host,
            netns="/run/netns/x", env=env)
    assert_cni_error(r, 4, f"[{missing}]")


@pytest.mark.parametrize("ifname", ["a" * 16, ".", "..", "a/b", "a:b", "a b", ""])
def test_bad_ifname_is_error_4(host, ifname, tmp_path):
    r = cni("host-device", "ADD", conf(tmp_path, device="nic0"), host=host,
            netns="/run/netns/x", ifname=ifname)
    assert_cni_error(r, 4)


def test_bad_container_id_is_error_4(host, tmp_path):
    r = cni("host-device", "ADD", conf(tmp_path, device="nic0"), host=host,
            netns="/run/netns/x", containerid="../etc")
    assert_cni_error(r, 4, "CNI_CONTAINERID")


def test_unknown_command_is_error_4():
    r = cni("host-device", "FROB", {})
    assert_cni_error(r, 4, "unknown CNI_COMMAND: FROB")


@pytest.mark.parametrize("stdin,code,fragment", [
    ("{not json", 6, "not a JSON object"),
    ('{"cniVersion":"1.0.0","type":"host-device","device":"nic0"}', 7, "missing network name"),
    ('{"cniVersion":"1.0.0","name":"bad name","type":"host-device"}', 7, "invalid network name"),
    ('{"cniVersion":"9.9.9","name":"n","type":"host-device","device":"x"}', 1,
     "incompatible CNI versions"),
    ('{"cniVersion":"1.0","name":"n","type":"host-device","device":"x"}', 1,
     "incompatible CNI versions"),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","device":5}', 7,
     '"device" must be a string or a list of strings'),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","devices":["a",3]}', 7,
     '"devices"[1]'),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","hwaddr":"zz"}', 7,
     "is not a MAC address"),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","kernelpath":"/etc"}', 7,
     "must start with /sys/devices/"),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device"}', 7, 'specify "device"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","device":"x","ipam":{"a":1}}', 7,
     'ipam: missing "type"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"host-device","device":"x","logLevel":"loud"}',
     7, '"logLevel"'),
])
def test_bad_config_is_a_spec_error_and_leaves_nothing(host, wire, netns, stdin, code,
                                                      fragment, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    r = cni("host-device", "ADD", None, stdin=stdin, host=host, netns=netns.path(pod))
    assert_cni_error(r, code, fragment)
    assert link_json("nic0", host) is not None
    assert set(links(pod)) == {"lo"}


def test_check_needs_040(host, netns, tmp_path):
    pod = netns.new("pod")
    r = cni("host-device", "CHECK", conf(tmp_path, version="0.3.1", device="nic0"),
            host=host, netns=netns.path(pod))
    assert_cni_error(r, 1, "does not allow CHECK")


def test_unknown_cni_args_key_refused_unless_ignore_unknown(host, wire, netns, tmp_path):
    make_nic(host, "nic0", wire)
    pod = netns.new("pod")
    c = conf(tmp_path, device="nic0")
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod), args="FOO=1")
    assert_cni_error(r, 4, 'unknown key "FOO"')
    r = cni("host-device", "ADD", c, host=host, netns=netns.path(pod),
            args="IgnoreUnknown=1;FOO=1;K8S_POD_NAME=x")
    assert r.rc == 0, r


def test_missing_netns_is_error_3(host, wire, tmp_path):
    make_nic(host, "nic0", wire)
    r = cni("host-device", "ADD", conf(tmp_path, device="nic0"), host=host,
            netns="/run/netns/does-not-exist-vdn")
    assert_cni_error(r, 3, "does not exist")
    assert link_json("nic0", host) is not None


def test_error_json_carries_cni_version(host, tmp_path):
    r = cni("host-device", "ADD", conf(tmp_path, version="0.4.0"), host=host,
            netns="/run/netns/x")
    assert r.json["cniVersion"] == "0.4.0"
