"""Every file in conf-examples/ parses as what it claims to be, and says what the product
reads. (The conflists are also run by podman in the other e2e tests.)"""
import configparser
import json
import os
import stat
import subprocess

import pytest
import yaml

from conftest import BIN, CONF_EXAMPLES, REF_CNI

PARSERS = {}


def parses(*suffixes):
    def register(fn):
        for s in suffixes:
            PARSERS[s] = fn
        return fn
    return register


def kind_of(path):
    name = os.path.basename(path)
    if name in ("Containerfile", "README.md"):
        return name
    return os.path.splitext(name)[1]


@parses(".conflist")
def check_conflist(path):
    c = json.loads(open(path).read())
    assert c["cniVersion"] in ("0.4.0", "1.0.0", "1.1.0"), path
    assert c["name"] and c["plugins"], path
    for p in c["plugins"]:
        assert (BIN / p["type"]).exists() or (REF_CNI / p["type"]).exists(), \
            f"{path}: no binary for type {p['type']}"
        ipam = p.get("ipam", {}).get("type")
        if ipam:
            assert (BIN / ipam).exists() or (REF_CNI / ipam).exists() or ipam == "vdhcp", ipam
        for d in p.get("plugins", []):       # multicni's delegates
            assert d["name"] and d["type"] in ("host-device", "macvlan"), d
    return c


@parses(".json")
def check_json(path):
    return json.loads(open(path).read())


@parses(".yaml", ".yml")
def check_yaml(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    for d in docs:
        assert d["apiVersion"] and d["kind"] and d["metadata"]["name"], d
    return docs


@parses(".service")
def check_unit(path):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(path)
    assert {"Unit", "Service", "Install"} <= set(unit.sections()), path
    exe = unit["Service"]["ExecStart"].split()[0].lstrip("-@:+!")
    assert os.path.isabs(exe), exe
    return unit


@parses("Containerfile")
def check_containerfile(path):
    known = {"FROM", "RUN", "COPY", "ADD", "CMD", "ENTRYPOINT", "ENV", "LABEL", "WORKDIR",
             "USER", "ARG"}
    lines, cont = [], ""
    for raw in open(path):
        line = raw.rstrip("\n")
        if not cont and (not line.strip() or line.lstrip().startswith("#")):
            continue
        cont += line.rstrip("\\")
        if not line.endswith("\\"):
            lines.append(cont)
            cont = ""
    assert lines[0].startswith("FROM ")
    for line in lines:
        assert line.split()[0] in known, line
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert src.startswith("bin/"), src      # the build's own binaries
                assert os.path.basename(src) in ("host-device", "macvlan", "vdhcp", "multicni")
    return lines


@parses("README.md")
def check_readme(path):
    text = open(path).read()
    for f in os.listdir(CONF_EXAMPLES):
        if f != "README.md":
            assert f"`{f}`" in text, f"conf-examples/README.md does not describe {f}"


EXAMPLES = sorted(os.listdir(CONF_EXAMPLES))


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_parses(name):
    path = CONF_EXAMPLES / name
    assert kind_of(path) in PARSERS, f"conf-examples/{name}: no parser in this test"
    PARSERS[kind_of(path)](path)


def manifest():
    docs = check_yaml(CONF_EXAMPLES / "daemonset.yaml")
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_daemonset_may_read_pods_and_patch_their_status_and_nothing_else():
    # network-status goes through pods/status, like Multus (a real API server's verdict on these
    # rules: test/integration/test_multicni_real.py)
    m = manifest()
    role = m[("ClusterRole", "vdn-cni")]
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
                             {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch"]}]
    binding = m[("ClusterRoleBinding", "vdn-cni")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "vdn-cni",
                                    "namespace": "kube-system"}]
    ds = m[("DaemonSet", "vdn-cni")]
    spec = ds["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == "vdn-cni"
    paths = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    assert paths["cni-bin"] == "/opt/cni/bin" and paths["cni-net"] == "/etc/cni/net.d"
    assert ds["spec"]["selector"]["matchLabels"] == ds["spec"]["template"]["metadata"]["labels"]


def test_daemonset_conflist_is_a_multicni_conflist():
    cm = manifest()[("ConfigMap", "vdn-cni")]
    c = json.loads(cm["data"]["00-multicni.conflist"])
    (multicni,) = c["plugins"]
    assert multicni["type"] == "multicni"
    assert multicni["kubeconfig"] == "/etc/cni/net.d/multicni.d/multicni.kubeconfig"
    assert [p["name"] for p in multicni["plugins"]] == ["macvlan", "host-device"]
    for p in multicni["plugins"]:
        (server,) = p["ipam"]["servers"]
        assert "password" not in server and server["passwordFile"] == "/etc/vdn/vdhcp.pass"


def run_installer(tmp_path, binaries, token="t0k3n", ca="-----BEGIN CERTIFICATE-----\n",
                  port=6443):
    """Runs the ConfigMap's install.sh once with the node and the pod's mounts in tmp_path."""
    cm = manifest()[("ConfigMap", "vdn-cni")]
    conf = tmp_path / "etc-vdn-cni"
    conf.mkdir()
    for k, v in cm["data"].items():
        (conf / k).write_text(v)
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text(token)
    (sa / "ca.crt").write_text(ca)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "password").write_text("rocks\n")
    host = tmp_path / "host"
    env = {"PATH": os.environ["PATH"], "SRC": str(binaries), "CONF": str(conf),
           "HOST_ROOT": str(host), "SA": str(sa), "PASSWORD_FILE": str(secret / "password"),
           "ONESHOT": "1", "KUBERNETES_SERVICE_HOST": "127.0.0.1",
           "KUBERNETES_SERVICE_PORT": str(port)}
    r = subprocess.run(["sh", str(conf / "install.sh")], env=env, capture_output=True,
                       text=True, timeout=30)
    return r, host


def test_daemonset_installer_puts_everything_in_place(tmp_path):
    src = tmp_path / "image-bin"
    src.mkdir()
    for b in ("host-device", "macvlan", "vdhcp", "multicni"):
        (src / b).write_text(f"#!/bin/sh\necho {b}\n")
    r, host = run_installer(tmp_path, src)
    assert r.returncode == 0, r.stderr
    for b in ("host-device", "macvlan", "vdhcp", "multicni"):
        f = host / "opt/cni/bin" / b
        assert f.read_text() == f"#!/bin/sh\necho {b}\n"
        assert stat.S_IMODE(f.stat().st_mode) == 0o755
    kdir = host / "etc/cni/net.d/multicni.d"
    kc = yaml.safe_load((kdir / "multicni.kubeconfig").read_text())
    assert kc["clusters"][0]["cluster"] == {"server": "https://127.0.0.1:6443",
                                            "certificate-authority": "ca.crt"}
    assert kc["users"][0]["user"] == {"tokenFile": "token"}
    assert kc["current-context"] == "vdn-cni"
    assert (kdir / "token").read_text() == "t0k3n"
    assert stat.S_IMODE((kdir / "token").stat().st_mode) == 0o600
    assert (host / "etc/vdn/vdhcp.pass").read_text() == "rocks\n"
    assert json.loads((host / "etc/cni/net.d/00-multicni.conflist").read_text())["name"] \
        == "multicni"
    # nothing half-written is left behind
    assert not list(host.rglob("*.vdn-new"))


def test_daemonset_installer_without_a_binary_fails_before_the_conflist(tmp_path):
    src = tmp_path / "image-bin"
    src.mkdir()
    r, host = run_installer(tmp_path, src)
    assert r.returncode != 0
    assert not (host / "etc/cni/net.d/00-multicni.conflist").exists()
