"""One man page per binary of the build: it renders without a warning, names its binary,
and `make install` puts it into man8."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT

MAN = ROOT / "man"
BINARIES = ["host-device", "macvlan", "vdhcp", "multicni", "vdno-scheduler"]


def built():
    return [b for b in BINARIES if (BIN / b).exists()]


@pytest.mark.parametrize("binary", BINARIES)
def test_man_page_renders_and_names_its_binary(binary):
    if not (BIN / binary).exists():
        pytest.skip(f"bin/{binary} is not part of this tree yet")
    page = MAN / f"{binary}.8"
    assert page.exists(), f"man/{binary}.8 is missing"
    r = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                       env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat",
                            "LC_ALL": "C.UTF-8"})
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    text = r.stdout
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "SEE ALSO"):
        assert f"\n{section}\n" in text, f"{binary}.8 has no {section} section"
    name = text.split("\nNAME\n")[1].split("\n\n")[0].split()
    assert name[0] == binary, name


def test_make_install_installs_every_man_page(tmp_path):
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "install", f"DESTDIR={tmp_path}",
                        "PREFIX=/usr", "CNI_BIN_DIR=/usr/lib/cni"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    man8 = tmp_path / "usr/share/man/man8"
    assert sorted(os.listdir(man8)) == sorted(p.name for p in MAN.glob("*.8"))
    for b in built():
        assert (man8 / f"{b}.8").exists()
