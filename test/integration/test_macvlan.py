"""macvlan as a runtime drives it: a "host" namespace owns a veth master with a default route,
pods are namespaces of their own, and every check reads the kernel's state back."""
import os

import pytest

from conftest import (addrs, assert_cni_error, cni, ip, ipam_calls, link_json, links,
                      make_nic, routes, sh)


def conf(version="1.0.0", **keys):
    c = {"cniVersion": version, "name": "mvnet", "type": "macvlan"}
    c.update(keys)
    return c


def static_ipam(*addresses, routes_=None):
    ipam = {"type": "static", "addresses": [{"address": a} for a in addresses]}
    if routes_ is not None:
        ipam["routes"] = routes_
    return ipam


def make_master(host, wire, name="nic0", mtu=None, v4_default=True, v6_default=False):
    """A veth standing for the node's NIC, up, with the node's default route through it."""
    make_nic(host, name, wire, mtu=mtu)
    ip("link", "set", name, "up", ns=host)
    if v4_default:
        ip("addr", "add", "10.60.0.1/24", "dev", name, ns=host)
        ip("route", "add", "default", "via", "10.60.0.254", ns=host)
    if v6_default:
        ip("-6", "route", "add", "default", "dev", name, ns=host)
    return name


def ifindex(name, ns):
    return link_json(name, ns)["ifindex"]


def macvlan_info(name, ns):
    link = link_json(name, ns)
    assert link is not None, f"{name} missing in {ns}"
    assert link["linkinfo"]["info_kind"] == "macvlan", link
    return link, link["linkinfo"].get("info_data", {})


def sysctl(key, ns):
    return sh("sysctl", "-n", key, ns=ns).stdout.strip()


def pings(src_ns, dst_ip):
    return sh("ping", "-c", "1", "-W", "1", dst_ip, ns=src_ns, check=False).returncode == 0


def add(host, pod, netns, c, **kw):
    return cni("macvlan", "ADD", c, host=host, netns=netns.path(pod), **kw)


def delete(host, pod, netns, c, **kw):
    return cni("macvlan", "DEL", c, host=host, netns=netns.path(pod), **kw)


# ---- ADD and DEL ------------------------------------------------------------------------

def test_add_creates_macvlan_in_pod_and_del_removes_it(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0")
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    link, info = macvlan_info("eth0", pod)
    assert res.json["cniVersion"] == "1.0.0"
    assert res.json["interfaces"] == [{"name": "eth0", "mac": link["address"],
                                       "sandbox": netns.path(pod)}]
    assert "ips" not in res.json or res.json["ips"] == []
    assert info["mode"] == "bridge"
    assert link["link_index"] == ifindex("nic0", host)
    assert "UP" in link["flags"]
    assert link["mtu"] == 1500
    # the kernel announces the address when the link comes up or its MAC changes
    assert sysctl("net.ipv4.conf.eth0.arp_notify", pod) == "1"
    assert sysctl("net.ipv6.conf.eth0.ndisc_notify", pod) == "1"
    # nothing on the host: no temporary link, the master untouched
    assert set(links(host)) == {"lo", "nic0"}
    assert "PROMISC" not in link_json("nic0", host)["flags"]

    for _ in range(2):   # DEL is idempotent
        r = delete(host, pod, netns, c)
        assert r.rc == 0, r
        assert r.stdout == ""
    assert set(links(pod)) == {"lo"}
    assert link_json("nic0", host) is not None


def test_result_reports_mtu_in_110(host, wire, netns):
    make_master(host, wire, mtu=1450)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(version="1.1.0", master="nic0"))
    assert res.rc == 0, res
    assert res.json["interfaces"][0]["mtu"] == 1450
    assert link_json("eth0", pod)["mtu"] == 1450


def test_master_defaults_to_the_ipv4_default_route_link(host, wire, netns):
    make_nic(host, "other0", wire)
    ip("link", "set", "other0", "up", ns=host)
    make_master(host, wire, name="uplink0")
    pod = netns.new("pod")
    for c in (conf(), conf(master="")):
        res = add(host, pod, netns, c)
        assert res.rc == 0, res
        assert link_json("eth0", pod)["link_index"] == ifindex("uplink0", host)
        assert delete(host, pod, netns, c).rc == 0


def test_master_defaults_to_the_ipv6_default_route_link_without_ipv4_default(host, wire,
                                                                              netns):
    make_master(host, wire, name="v6up0", v4_default=False, v6_default=True)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf())
    assert res.rc == 0, res
    assert link_json("eth0", pod)["link_index"] == ifindex("v6up0", host)


def test_no_master_and_no_default_route_is_a_clear_error(host, wire, netns):
    make_master(host, wire, v4_default=False)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf())
    assert_cni_error(res, 101, "no default route interface found in the host namespace")
    assert set(links(pod)) == {"lo"}


def test_missing_master_is_error_101_and_nothing_is_made(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(master="nic9"))
    assert_cni_error(res, 101, "master nic9 not found in the host namespace")
    assert set(links(pod)) == {"lo"}


def test_bridge_mode_pods_reach_each_other(host, wire, netns):
    make_master(host, wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    r1 = add(host, pod1, netns, conf(master="nic0", ipam=static_ipam("10.61.0.11/24")),
             containerid="c1")
    r2 = add(host, pod2, netns, conf(master="nic0", ipam=static_ipam("10.61.0.12/24")),
             containerid="c2")
    assert r1.rc == 0 and r2.rc == 0, (r1, r2)
    assert pings(pod1, "10.61.0.12")
    assert pings(pod2, "10.61.0.11")


def test_private_mode_pods_cannot_reach_each_other(host, wire, netns):
    make_master(host, wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    r1 = add(host, pod1, netns, conf(master="nic0", mode="private",
                                     ipam=static_ipam("10.61.0.11/24")), containerid="c1")
    r2 = add(host, pod2, netns, conf(master="nic0", mode="private",
                                     ipam=static_ipam("10.61.0.12/24")), containerid="c2")
    assert r1.rc == 0 and r2.rc == 0, (r1, r2)
    assert macvlan_info("eth0", pod1)[1]["mode"] == "private"
    assert not pings(pod1, "10.61.0.12")


@pytest.mark.parametrize("mode", ["bridge", "private", "vepa", "passthru"])
def test_every_mode_is_created_as_asked(host, wire, netns, mode):
    make_master(host, wire)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(master="nic0", mode=mode))
    assert res.rc == 0, res
    assert macvlan_info("eth0", pod)[1]["mode"] == mode
    assert delete(host, pod, netns, conf(master="nic0", mode=mode)).rc == 0
    assert set(links(pod)) == {"lo"}


def test_second_passthru_on_one_master_is_refused_and_leaves_nothing(host, wire, netns):
    make_master(host, wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(master="nic0", mode="passthru")
    assert add(host, pod1, netns, c, containerid="c1").rc == 0
    res = add(host, pod2, netns, c, containerid="c2")
    assert_cni_error(res, 100, "cannot create macvlan (mode passthru) on master nic0")
    assert set(links(pod2)) == {"lo"}


# ---- keys -------------------------------------------------------------------------------

def test_mac_from_config_cni_args_and_runtime_config_last_wins(host, wire, netns):
    make_master(host, wire)
    pods = [netns.new(f"pod{i}") for i in range(3)]
    base = conf(master="nic0", mac="02:00:00:00:00:01")
    cases = [
        (base, None, "02:00:00:00:00:01"),                                # config
        (base, "IgnoreUnknown=1;MAC=02:00:00:00:00:02", "02:00:00:00:00:02"),   # CNI_ARGS
        (dict(base, capabilities={"mac": True}, runtimeConfig={"mac": "02:00:00:00:00:03"}),
         "MAC=02:00:00:00:00:02", "02:00:00:00:00:03"),                   # runtimeConfig
    ]
    for i, (c, args, want) in enumerate(cases):
        res = add(host, pods[i], netns, c, containerid=f"c{i}", args=args)
        assert res.rc == 0, res
        assert res.json["interfaces"][0]["mac"] == want
        assert link_json("eth0", pods[i])["address"] == want


@pytest.mark.parametrize("where,mac,code,fragment", [
    ("config", "zz:00:00:00:00:01", 7, '"mac": "zz:00:00:00:00:01" is not a MAC address'),
    ("config", "03:00:00:00:00:01", 7, "is a multicast address"),
    ("config", "00:00:00:00:00:00", 7, "is the zero address"),
    ("args", "02:00:00:00:01", 4, 'CNI_ARGS MAC: "02:00:00:00:01" is not a MAC address'),
    ("runtime", "nope", 7, 'runtimeConfig "mac": "nope" is not a MAC address'),
])
def test_bad_mac_is_refused_naming_its_source(host, wire, netns, where, mac, code, fragment):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0")
    args = None
    if where == "config":
        c["mac"] = mac
    elif where == "args":
        args = f"MAC={mac}"
    else:
        c["runtimeConfig"] = {"mac": mac}
    assert_cni_error(add(host, pod, netns, c, args=args), code, fragment)
    assert set(links(pod)) == {"lo"}


@pytest.mark.parametrize("ipam", [None, {"type": "static",
                                          "addresses": [{"address": "10.60.0.9/24"}]}])
def test_mac_in_use_on_the_master_is_explained_and_leaves_nothing(host, wire, netns, ipam):
    """A scheduler that derives the MAC from the pod's name meets this when a pod is made
    again before the old one is gone."""
    make_master(host, wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(master="nic0", mac="02:00:00:00:00:05")
    assert add(host, pod1, netns, c, containerid="c1").rc == 0
    if ipam:
        c["ipam"] = ipam
    res = add(host, pod2, netns, c, containerid="c2")
    assert_cni_error(res, 100, "MAC 02:00:00:00:00:05 is probably in use by another macvlan "
                     "on master nic0")
    assert set(links(pod2)) == {"lo"}


def test_mac_of_the_master_is_refused(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    mac = link_json("nic0", host)["address"]
    res = add(host, pod, netns, conf(master="nic0", mac=mac))
    assert_cni_error(res, 7, f"requested MAC {mac} is the MAC of master nic0")
    assert set(links(pod)) == {"lo"}


def test_mtu_up_to_the_masters_is_applied(host, wire, netns):
    make_master(host, wire, mtu=1400)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    r = add(host, pod1, netns, conf(master="nic0", mtu=1300), containerid="c1")
    assert r.rc == 0, r
    assert link_json("eth0", pod1)["mtu"] == 1300
    r = add(host, pod2, netns, conf(master="nic0", mtu=1400), containerid="c2")
    assert r.rc == 0, r
    assert link_json("eth0", pod2)["mtu"] == 1400


@pytest.mark.parametrize("mtu", [1401, 9000, -1])
def test_mtu_above_the_masters_is_refused_and_leaves_nothing(host, wire, netns, mtu):
    make_master(host, wire, mtu=1400)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(master="nic0", mtu=mtu))
    assert_cni_error(res, 7, f"invalid MTU {mtu}, must be [0, master MTU(1400)]")
    assert set(links(pod)) == {"lo"}
    assert set(links(host)) == {"lo", "nic0"}


def test_mtu_below_the_kernels_minimum_is_a_config_error(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    assert_cni_error(add(host, pod, netns, conf(master="nic0", mtu=50)), 7,
                     "the kernel's minimum is 68")


def test_promisc_mode_makes_the_master_promiscuous_and_del_leaves_it(host, wire, netns):
    make_master(host, wire)
    pod1, pod2 = netns.new("pod1"), netns.new("pod2")
    c = conf(master="nic0", promiscMode=True)
    assert add(host, pod1, netns, c, containerid="c1").rc == 0
    assert "PROMISC" in link_json("nic0", host)["flags"]
    assert add(host, pod2, netns, c, containerid="c2").rc == 0
    # a shared master stays promiscuous while any pod may rely on it: DEL never clears it
    assert delete(host, pod1, netns, c, containerid="c1").rc == 0
    assert "PROMISC" in link_json("nic0", host)["flags"]


def test_without_promisc_mode_the_master_is_left_alone(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    assert add(host, pod, netns, conf(master="nic0", promiscMode=False)).rc == 0
    assert "PROMISC" not in link_json("nic0", host)["flags"]


def test_link_in_container_uses_a_master_inside_the_pod(host, wire, netns):
    pod = netns.new("pod")
    # the pod owns the master (e.g. a NIC handed to it earlier); the host has none
    make_nic(pod, "pmaster", wire)
    ip("link", "set", "pmaster", "up", ns=pod)
    c = conf(master="pmaster", linkInContainer=True, ipam=static_ipam("10.62.0.5/24"))
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    link, _ = macvlan_info("eth0", pod)
    assert link["link"] == "pmaster"   # ip names a lower link of the same namespace
    assert "link_netnsid" not in link
    assert addrs("eth0", pod) == ["10.62.0.5/24"]
    chk = cni("macvlan", "CHECK", dict(c, prevResult=res.json), host=host,
              netns=netns.path(pod))
    assert chk.rc == 0, chk
    assert delete(host, pod, netns, c).rc == 0
    assert set(links(pod)) == {"lo", "pmaster"}

    # without linkInContainer the same name is looked up on the host, where it is not
    res = add(host, pod, netns, conf(master="pmaster"))
    assert_cni_error(res, 101, "master pmaster not found in the host namespace")


def test_link_in_container_default_master_is_the_pods_default_route(host, wire, netns):
    pod = netns.new("pod")
    make_nic(pod, "pmaster", wire)
    ip("link", "set", "pmaster", "up", ns=pod)
    ip("addr", "add", "10.63.0.2/24", "dev", "pmaster", ns=pod)
    ip("route", "add", "default", "via", "10.63.0.1", ns=pod)
    res = add(host, pod, netns, conf(linkInContainer=True))
    assert res.rc == 0, res
    assert link_json("eth0", pod)["link"] == "pmaster"


def test_bcqueuelen_is_set(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(master="nic0", bcqueuelen=3000))
    assert res.rc == 0, res
    _, info = macvlan_info("eth0", pod)
    assert info["bcqueuelen"] == 3000


def test_dns_of_the_config_is_in_the_result(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    dns = {"nameservers": ["10.60.0.53"], "search": ["example.org"]}
    res = add(host, pod, netns, conf(master="nic0", dns=dns, ipam=static_ipam("10.60.0.9/24")))
    assert res.rc == 0, res
    assert res.json["dns"] == dns


# ---- IPAM, rollback, DEL ----------------------------------------------------------------

def test_static_ipam_addresses_and_routes_applied_and_checked(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    ipam = static_ipam("10.60.0.9/24", "fd60::9/64",
                       routes_=[{"dst": "0.0.0.0/0"}, {"dst": "192.168.70.0/24"}])
    ipam["addresses"][0]["gateway"] = "10.60.0.254"
    c = conf(master="nic0", ipam=ipam)
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    assert [i["address"] for i in res.json["ips"]] == ["10.60.0.9/24", "fd60::9/64"]
    assert all(i["interface"] == 0 for i in res.json["ips"])
    assert addrs("eth0", pod) == ["10.60.0.9/24", "fd60::9/64"]
    rt = {r["dst"]: r for r in routes(pod)}
    assert rt["default"]["gateway"] == "10.60.0.254"
    assert rt["192.168.70.0/24"]["gateway"] == "10.60.0.254"
    assert cni("macvlan", "CHECK", dict(c, prevResult=res.json), host=host,
               netns=netns.path(pod)).rc == 0
    assert delete(host, pod, netns, c).rc == 0
    assert set(links(pod)) == {"lo"}


def test_host_local_lease_released_on_del(host, wire, netns, tmp_path):
    make_master(host, wire)
    pod = netns.new("pod")
    data = tmp_path / "hl"
    c = conf(master="nic0", ipam={"type": "host-local", "subnet": "10.64.0.0/24",
                                  "dataDir": str(data)})
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    assert res.json["ips"][0]["address"] == "10.64.0.2/24"
    assert os.path.exists(data / "mvnet" / "10.64.0.2")
    assert delete(host, pod, netns, c).rc == 0
    assert not os.path.exists(data / "mvnet" / "10.64.0.2")


def test_del_after_the_master_was_deleted(host, wire, netns, tmp_path):
    """The reference 1.1.1 failed here ('Link not found', plugins#953): DEL must not need
    the master, and must still release the lease."""
    make_master(host, wire)
    pod = netns.new("pod")
    data = tmp_path / "hl"
    c = conf(master="nic0", ipam={"type": "host-local", "subnet": "10.64.0.0/24",
                                  "dataDir": str(data)})
    assert add(host, pod, netns, c).rc == 0
    ip("link", "del", "nic0", ns=host)
    assert link_json("eth0", pod) is None   # the kernel took the macvlan with its master
    r = delete(host, pod, netns, c)
    assert r.rc == 0, r
    assert not os.path.exists(data / "mvnet" / "10.64.0.2")


def test_del_without_netns_or_with_netns_gone_releases_the_lease(host, wire, netns,
                                                                 tmp_path):
    make_master(host, wire)
    pod = netns.new("pod")
    data = tmp_path / "hl"
    c = conf(master="nic0", ipam={"type": "host-local", "subnet": "10.64.0.0/24",
                                  "dataDir": str(data)})
    assert add(host, pod, netns, c).rc == 0
    r = cni("macvlan", "DEL", c, host=host, netns=None)
    assert r.rc == 0, r
    assert not os.path.exists(data / "mvnet" / "10.64.0.2")
    # without CNI_NETNS there is no pod to look into: the link stays until the pod dies
    assert link_json("eth0", pod) is not None

    pod2 = netns.new("pod2")
    assert add(host, pod2, netns, c, containerid="c2").rc == 0
    ip("netns", "del", pod2)
    netns.made.remove(pod2)
    r = cni("macvlan", "DEL", c, host=host, netns=f"/run/netns/{pod2}", containerid="c2")
    assert r.rc == 0, r
    assert not any(n.startswith("10.") for n in os.listdir(data / "mvnet"))


def test_del_of_never_added_attachment_succeeds(host, netns):
    pod = netns.new("pod")
    assert delete(host, pod, netns, conf(master="nic9")).rc == 0


def test_del_leaves_a_link_that_is_not_a_macvlan(host, wire, netns):
    pod = netns.new("pod")
    ip("link", "add", "eth0", "type", "veth", "peer", "name", "other", ns=pod)
    r = delete(host, pod, netns, conf(master="nic0"))
    assert r.rc == 0, r
    assert link_json("eth0", pod) is not None


def test_ipam_del_failure_still_deletes_the_link_and_is_reported(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0", ipam={"type": "fake-ipam", "answers": {
        "DEL": {"code": 11, "msg": "server down"}}})
    assert add(host, pod, netns, c).rc == 0
    r = delete(host, pod, netns, c)
    assert_cni_error(r, 11, "server down")
    assert set(links(pod)) == {"lo"}


def test_ipam_failure_rolls_back_the_link(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0", ipam={"type": "static", "addresses": [{"address": "not-an-ip"}]})
    res = add(host, pod, netns, c)
    assert res.rc != 0 and res.json["msg"].startswith("static: "), res
    assert set(links(pod)) == {"lo"}
    assert set(links(host)) == {"lo", "nic0"}


def test_failure_after_ipam_releases_the_lease_and_deletes_the_link(host, wire, netns,
                                                                    tmp_path):
    make_master(host, wire)
    pod = netns.new("pod")
    data = tmp_path / "hl"
    # the gateway is not on any subnet of the pod: the kernel refuses the route
    c = conf(master="nic0", ipam={"type": "host-local", "subnet": "10.64.0.0/24",
                                  "dataDir": str(data),
                                  "routes": [{"dst": "192.168.0.0/16", "gw": "10.99.0.1"}]})
    res = add(host, pod, netns, c)
    assert_cni_error(res, 100, "cannot add route to 192.168.0.0/16")
    assert set(links(pod)) == {"lo"}
    assert not any(n.startswith("10.") for n in os.listdir(data / "mvnet"))


def test_missing_ipam_plugin_rolls_back(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    res = add(host, pod, netns, conf(master="nic0", ipam={"type": "no-such-ipam"}))
    assert_cni_error(res, 102, 'plugin "no-such-ipam" not found')
    assert set(links(pod)) == {"lo"}


def test_ipam_gets_our_config_and_the_link_exists_when_it_runs(host, wire, netns, tmp_path):
    make_master(host, wire)
    pod = netns.new("pod")
    log = str(tmp_path / "ipam.log")
    c = conf(version="1.1.0", master="nic0", ipam={"type": "fake-ipam", "log": log})
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    assert addrs("eth0", pod) == ["10.55.0.2/24"]
    assert cni("macvlan", "CHECK", dict(c, prevResult=res.json), host=host,
               netns=netns.path(pod)).rc == 0
    assert cni("macvlan", "STATUS", c, host=host, containerid=None, netns=None,
               ifname=None).rc == 0
    gc = dict(c, **{"cni.dev/valid-attachments": [{"containerID": "ctr1", "ifname": "eth0"}]})
    assert cni("macvlan", "GC", gc, host=host, containerid=None, netns=None,
               ifname=None).rc == 0
    assert delete(host, pod, netns, c).rc == 0
    calls = ipam_calls(log)
    assert [x["command"] for x in calls] == ["ADD", "CHECK", "STATUS", "GC", "DEL"]
    assert calls[0]["stdin"] == c
    assert calls[0]["env"]["CNI_IFNAME"] == "eth0"
    assert calls[3]["stdin"]["cni.dev/valid-attachments"] == gc["cni.dev/valid-attachments"]


# ---- versions ---------------------------------------------------------------------------

def test_031_result_has_ips_version(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(version="0.3.1", master="nic0", ipam=static_ipam("10.60.0.9/24", "fd60::9/64"))
    r = add(host, pod, netns, c)
    assert r.rc == 0, r
    assert r.json["cniVersion"] == "0.3.1"
    assert [i["version"] for i in r.json["ips"]] == ["4", "6"]
    assert delete(host, pod, netns, c).rc == 0


def test_020_without_ip_is_error_1_and_leaves_no_link(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    r = add(host, pod, netns, conf(version="0.2.0", master="nic0"))
    assert_cni_error(r, 1, "no IP address")
    assert set(links(pod)) == {"lo"}
    r = add(host, pod, netns, conf(version="0.2.0", master="nic0",
                                   ipam=static_ipam("10.60.0.9/24")))
    assert r.rc == 0, r
    assert r.json["ip4"]["ip"] == "10.60.0.9/24"


# ---- CHECK ------------------------------------------------------------------------------

def test_check_passes_after_add_and_detects_every_difference(host, wire, netns):
    make_master(host, wire)
    make_nic(host, "nic1", wire)
    pod = netns.new("pod")
    c = conf(master="nic0", mtu=1400, ipam=static_ipam("10.60.0.9/24"))
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    checked = dict(c, prevResult=res.json)

    def check(cfg=checked):
        return cni("macvlan", "CHECK", cfg, host=host, netns=netns.path(pod))

    assert check().rc == 0, check()
    assert_cni_error(check(dict(checked, master="nic1")), 104, "is not on master nic1")
    assert_cni_error(check(dict(checked, mode="vepa")), 104,
                     "eth0 is in mode bridge, the config says vepa")

    ip("link", "set", "eth0", "mtu", "1300", ns=pod)
    assert_cni_error(check(), 104, "eth0 has MTU 1300, the config says 1400")
    ip("link", "set", "eth0", "mtu", "1400", ns=pod)

    ip("addr", "del", "10.60.0.9/24", "dev", "eth0", ns=pod)
    assert_cni_error(check(), 104, "address 10.60.0.9/24 is missing")
    ip("addr", "add", "10.60.0.9/24", "dev", "eth0", ns=pod)

    ip("link", "set", "eth0", "type", "macvlan", "mode", "private", ns=pod)
    assert_cni_error(check(), 104, "eth0 is in mode private, the config says bridge")
    ip("link", "set", "eth0", "type", "macvlan", "mode", "bridge", ns=pod)

    ip("link", "set", "eth0", "address", "02:de:ad:be:ef:01", ns=pod)
    assert_cni_error(check(), 104, "eth0 has MAC 02:de:ad:be:ef:01")

    ip("link", "del", "eth0", ns=pod)
    assert_cni_error(check(), 104, "interface eth0 is missing from the pod")

    ip("link", "add", "eth0", "type", "veth", "peer", "name", "other", ns=pod)
    assert_cni_error(check(), 104, "eth0 is veth, not a macvlan")

    assert_cni_error(check(c), 7, "prevResult missing")


def test_check_with_master_deleted_fails(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0")
    res = add(host, pod, netns, c)
    assert res.rc == 0, res
    ip("link", "del", "nic0", ns=host)
    r = cni("macvlan", "CHECK", dict(c, prevResult=res.json), host=host,
            netns=netns.path(pod))
    # the kernel deletes a macvlan with its master
    assert_cni_error(r, 104, "interface eth0 is missing from the pod")


def test_check_needs_040(host, netns):
    pod = netns.new("pod")
    r = cni("macvlan", "CHECK", conf(version="0.3.1", master="nic0"), host=host,
            netns=netns.path(pod))
    assert_cni_error(r, 1, "does not allow CHECK")


# ---- STATUS and GC ----------------------------------------------------------------------

def test_status_is_not_available_without_the_master(host, wire):
    make_master(host, wire)
    ok = cni("macvlan", "STATUS", conf(version="1.1.0", master="nic0"), host=host,
             containerid=None, netns=None, ifname=None)
    assert ok.rc == 0 and ok.stdout == "", ok
    r = cni("macvlan", "STATUS", conf(version="1.1.0", master="nic9"), host=host,
            containerid=None, netns=None, ifname=None)
    assert_cni_error(r, 50, "master nic9 not found")


def test_status_failure_of_ipam_is_reported_with_its_code(host, wire):
    make_master(host, wire)
    c = conf(version="1.1.0", master="nic0", ipam={"type": "fake-ipam", "answers": {
        "STATUS": {"code": 51, "msg": "leases unreachable"}}})
    r = cni("macvlan", "STATUS", c, host=host, containerid=None, netns=None, ifname=None)
    assert_cni_error(r, 51, "fake-ipam: leases unreachable")


def test_gc_without_ipam_succeeds(host):
    r = cni("macvlan", "GC", conf(version="1.1.0", master="nic0"), host=host,
            containerid=None, netns=None, ifname=None)
    assert r.rc == 0 and r.stdout == "", r


# ---- bad input --------------------------------------------------------------------------

def test_ifname_taken_in_pod_is_refused_and_nothing_is_made(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    ip("link", "add", "eth0", "type", "veth", "peer", "name", "other", ns=pod)
    r = add(host, pod, netns, conf(master="nic0"))
    assert_cni_error(r, 4, "interface eth0 already exists in the pod")
    assert set(links(pod)) == {"lo", "eth0", "other"}


@pytest.mark.parametrize("stdin,code,fragment", [
    ("{not json", 6, "not a JSON object"),
    ('{"cniVersion":"1.0.0","type":"macvlan","master":"nic0"}', 7, "missing network name"),
    ('{"cniVersion":"9.9.9","name":"n","type":"macvlan"}', 1, "incompatible CNI versions"),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","mode":"source"}', 7,
     'unknown macvlan mode "source"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","mode":"BRIDGE"}', 7,
     'unknown macvlan mode "BRIDGE"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":5}', 7,
     '"master" must be a string'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"a/b"}', 7,
     '"master": "a/b"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","mtu":"1400"}', 7,
     '"mtu" must be an integer'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","mtu":1400.5}', 7,
     '"mtu" must be an integer'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","promiscMode":1}',
     7, '"promiscMode" must be true or false'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0",'
     '"linkInContainer":"yes"}', 7, '"linkInContainer" must be true or false'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","bcqueuelen":-1}',
     7, '"bcqueuelen"'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","mac":7}', 7,
     '"mac" must be a string'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","dns":[]}', 7,
     '"dns" must be an object'),
    ('{"cniVersion":"1.0.0","name":"n","type":"macvlan","master":"nic0","ipam":{"a":1}}', 7,
     'ipam: missing "type"'),
])
def test_bad_config_is_a_spec_error_and_leaves_nothing(host, wire, netns, stdin, code,
                                                      fragment):
    make_master(host, wire)
    pod = netns.new("pod")
    r = cni("macvlan", "ADD", None, stdin=stdin, host=host, netns=netns.path(pod))
    assert_cni_error(r, code, fragment)
    assert set(links(pod)) == {"lo"}
    assert set(links(host)) == {"lo", "nic0"}


@pytest.mark.parametrize("env,missing", [
    ({"CNI_CONTAINERID": None}, "CNI_CONTAINERID"),
    ({"CNI_NETNS": None}, "CNI_NETNS"),
    ({"CNI_IFNAME": None}, "CNI_IFNAME"),
])
def test_missing_environment_is_error_4_naming_it(host, env, missing):
    r = cni("macvlan", "ADD", conf(master="nic0"), host=host, netns="/run/netns/x", env=env)
    assert_cni_error(r, 4, f"[{missing}]")


@pytest.mark.parametrize("ifname", ["a" * 16, ".", "a/b", "a:b", "a b"])
def test_bad_ifname_is_error_4(host, ifname):
    r = cni("macvlan", "ADD", conf(master="nic0"), host=host, netns="/run/netns/x",
            ifname=ifname)
    assert_cni_error(r, 4)


def test_unknown_cni_args_key_refused_unless_ignore_unknown(host, wire, netns):
    make_master(host, wire)
    pod = netns.new("pod")
    c = conf(master="nic0")
    assert_cni_error(add(host, pod, netns, c, args="FOO=1"), 4, 'unknown key "FOO"')
    r = add(host, pod, netns, c, args="IgnoreUnknown=1;FOO=1;K8S_POD_NAME=x")
    assert r.rc == 0, r


def test_missing_netns_is_error_3(host, wire):
    make_master(host, wire)
    r = cni("macvlan", "ADD", conf(master="nic0"), host=host,
            netns="/run/netns/does-not-exist-vdn")
    assert_cni_error(r, 3, "does not exist")
    assert set(links(host)) == {"lo", "nic0"}


def test_version_lists_every_version():
    r = cni("macvlan", "VERSION", {"cniVersion": "0.4.0"})
    assert r.rc == 0, r
    assert r.json == {"cniVersion": "0.4.0", "supportedVersions": [
        "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]}
