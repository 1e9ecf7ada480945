"""`make demo` (scripts/demo.sh) runs the whole story and leaves nothing behind."""
import json
import subprocess

from conftest import ROOT, needs


def namespaces():
    out = subprocess.run(["ip", "netns"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@needs("multicni", "vdhcp", "vdno-scheduler", "multicni-table3.conflist",
       "scheduler-4regions.json")
def test_demo_runs_the_story_and_cleans_up():
    before_links = {l["ifname"] for l in json.loads(
        subprocess.run(["ip", "-j", "link"], capture_output=True, text=True).stdout)}
    before_ns = namespaces()
    r = subprocess.run([str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    out = r.stdout
    for step in ("LOCAL SIMULATION", "select", "chosen:", "created demo in region",
                 "the fake vDHCP leased", "3 received", "demo  ", "deleted pod",
                 "leases the fake vDHCP still holds: 0", "demo finished"):
        assert step in out, f"{step!r} missing from the demo's output:\n{out}"
    after_links = {l["ifname"] for l in json.loads(
        subprocess.run(["ip", "-j", "link"], capture_output=True, text=True).stdout)}
    assert not {n for n in after_links - before_links if n.startswith("vdndemo")}
    assert not {n for n in namespaces() - before_ns if n.startswith("vdn-demo-")}
