"""The soak (test/soak/soak.py) with a small N, so `make check` runs it: random ADD, DEL, CHECK and
GC across host-device, macvlan and multicni with vdhcp, faults injected, invariants after every
step. `make soak N=1000` runs the long one. SOAK_STEPS / SOAK_SEED override the defaults."""
import os
import subprocess

from conftest import BIN, ROOT

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
