"""tools/link_collections.py: the checkout's runs see exactly the collections galaxy.yml depends on."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO


def test_links_exactly_the_declared_dependencies(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "tools/link_collections.py", str(tmp_path)], cwd=REPO, check=True)

    linked = {f"{path.parent.name}.{path.name}" for path in (tmp_path / "ansible_collections").glob("*/*")}
    declared = set(yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"])
    assert linked == declared
    assert all((path / "meta" / "runtime.yml").is_file() for path in (tmp_path / "ansible_collections").glob("*/*"))


def test_a_second_run_replaces_what_the_first_linked(tmp_path: Path) -> None:
    stale = tmp_path / "ansible_collections" / "community" / "general"
    stale.mkdir(parents=True)
    subprocess.run([sys.executable, "tools/link_collections.py", str(tmp_path)], cwd=REPO, check=True)

    assert not stale.exists()


def test_ansible_cfg_sees_the_links_and_not_the_whole_ansible_package() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "ansible.cfg")

    assert config["defaults"]["collections_path"].split(":") == ["./collections", "./.venv/collections"]
    assert config["defaults"]["collections_scan_sys_path"] == "false"
