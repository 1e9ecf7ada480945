"""The soak (test/soak/soak.py) with a small N, so `make check` runs it: random ADD, DEL, CHECK and
GC across host-device, macvlan and multicni with vdhcp, faults injected, invariants after every
step. `make soak N=1000` runs the long one. SOAK_STEPS / SOAK_SEED override the defaults."""
import os
import subprocess

from conftest import BIN, ROOT, cni

import pytest


@pytest.mark.skipif(not all((BIN / b).exists() for b in ("host-device", "macvlan", "vdhcp",
                                                         "multicni")),
                    reason="plugins not built")
def test_soak_small():
    cmd = ["/usr/bin/python3", str(ROOT / "test" / "soak" / "soak.py"),
           "--steps", os.environ.get("SOAK_STEPS", "40")]
    if os.environ.get("SOAK_SEED"):
        cmd += ["--seed", os.environ["SOAK_SEED"]]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    print(r.stdout[-4000:])
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-4000:]
    assert "violations: 0" in r.stdout


@pytest.mark.parametrize("plugin", ["host-device", "vdhcp", "multicni"])
def test_del_without_a_record_removes_a_killed_adds_temp_file(host, netns, tmp_path, plugin):
    """Found by the soak: an ADD SIGKILLed between writing its first record's temp file and the
    rename left that file for good; the runtime's DEL (which finds no record) now removes it."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    temp = state / ".ctr1-eth0.json.tmp.99999999"     # no such pid (pid_max <= 2^22)
    temp.write_text('{"containerID": "ctr1", "ifname"')
    c = {"cniVersion": "1.0.0", "name": "n", "type": plugin, "stateDir": str(state),
         "device": "nic-absent", "plugins": [{"name": "x", "type": "macvlan"}],
         "ipam": {"type": "vdhcp", "stateDir": str(state),
                  "servers": [{"url": "http://127.0.0.1:1/vdn/v1/vdhcp/dhcp/"}]}}
    if plugin == "host-device":
        del c["ipam"]
    res = cni(plugin, "DEL", c, host=host, netns=netns.path(netns.new("pod")))
    assert res.rc == 0, res
    assert not temp.exists()
