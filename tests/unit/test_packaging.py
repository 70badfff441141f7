"""The collection as Galaxy, AWX and ansible-builder see it (issue #22).

- `ansible-galaxy collection build` keeps a user's inventories, credentials and outputs out of the
  tarball: built from a copy of the checkout holding a copied inventory with a GitHub token, the
  token also written into the tracked production host_vars, and a run's `.secrets` and `.outputs`.
- `ansible-builder introspect` of the installed collection lists its runtime needs (boto3,
  botocore) and no development tool; the development pins stay in requirements-dev.txt, which
  includes requirements.txt and satisfies its floors.
- The example execution-environment.yml is one ansible-builder accepts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO

BIN = Path(sys.executable).parent
# Made at run time, so this file (which ships in the tarball) does not hold it.
TOKEN = "_".join(["ghp", "papersTestToken0123456789abcdefABCDEF"])
RUNTIME = {"boto3", "botocore"}
# What requirements-dev.txt brings that an execution environment must never get.
DEVELOPMENT = {"moto", "awscli", "mitogen", "molecule", "ansible-lint", "pytest", "hypothesis", "ruff", "yamllint"}


def tool(name: str) -> str:
    return str(BIN / name) if (BIN / name).exists() else name


def isolated_env(work: Path) -> dict[str, str]:
    """No ANSIBLE_* of the caller (make's ANSIBLE_CONFIG resolves the checkout itself)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    (work / "ansible.cfg").write_text("[defaults]\n")
    return dict(env, ANSIBLE_CONFIG=str(work / "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=str(work / "collections"))


def checkout_copy(destination: Path) -> Path:
    """The files git knows (committed or not, as tools/sanity/run.sh copies them)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if name.startswith("collections/") or not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def build(source: Path, output: Path, env: dict[str, str]) -> Path:
    subprocess.run(
        [tool("ansible-galaxy"), "collection", "build", str(source), "--output-path", str(output)],
        cwd=output,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = output.glob("flask_react-aws-*.tar.gz")
    return tarball


@pytest.fixture(scope="module")
def user_checkout(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A copy of the checkout as a user leaves it, and the tarball built from it."""
    work = tmp_path_factory.mktemp("packaging")
    env = isolated_env(work)
    checkout = checkout_copy(work / "checkout")
    inventories = checkout / "inventories"
    # README's "Real AWS": copy inventories/production and fill it in.
    shutil.copytree(inventories / "production", inventories / "staging")
    with (inventories / "staging/host_vars/staging.yml").open("a") as host_vars:
        host_vars.write(f"codebuild_github_token: {TOKEN}\n")
    # ...or fill in the tracked example itself.
    with (inventories / "production/host_vars/prod.yml").open("a") as host_vars:
        host_vars.write(f"codebuild_github_token: {TOKEN}\n")
    # What a run writes beside its inventory.
    for inventory in ("local", "production", "staging"):
        (inventories / inventory / ".secrets").mkdir()
        (inventories / inventory / ".secrets/credentials").write_text(f"[p]\naws_secret_access_key = {TOKEN}\n")
        (inventories / inventory / ".outputs").mkdir()
        (inventories / inventory / ".outputs/x.json").write_text(f'{{"token": "{TOKEN}"}}\n')
    tarball = build(checkout, work, env)
    return tarball, env


def test_the_tarball_holds_no_inventory_secret_or_run_file(user_checkout):
    tarball, _env = user_checkout
    with tarfile.open(tarball) as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        names = {member.name for member in members}
        leaks = [member.name for member in members if TOKEN.encode() in archive.extractfile(member).read()]
    assert leaks == []
    assert not [name for name in names if name.startswith("inventories")], sorted(names)
    assert not [name for name in names if ".secrets" in name or ".outputs" in name]
    assert "requirements-dev.txt" not in names
    assert {"LICENSE", "requirements.txt", "meta/execution-environment.yml", "meta/ee-bindep.txt"} <= names


def test_the_license_is_the_gpl_v3_galaxy_yml_names():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE")
    assert "Version 3, 29 June 2007" in text and "END OF TERMS AND CONDITIONS" in text


def test_introspect_of_the_installed_collection_lists_only_the_runtime_needs(user_checkout, tmp_path):
    tarball, env = user_checkout
    collections = Path(env["ANSIBLE_COLLECTIONS_PATH"])
    subprocess.run(
        [tool("ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(collections), str(tarball)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    pip = tmp_path / "pip.txt"
    run = subprocess.run(
        [tool("ansible-builder"), "introspect", "--sanitize", str(collections), "--write-pip", str(pip)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    listed = [line.split("#", 1)[0].strip() for line in pip.read_text().splitlines() if line.strip()]
    assert {Requirement(line).name for line in listed} == RUNTIME, run.stdout
    assert [line for line in run.stdout.splitlines() if "flask_react.aws" in line and "system" in line] == []


def requirements(path: Path) -> list[Requirement]:
    found = []
    for text in path.read_text().splitlines():
        line = text.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def test_runtime_requirements_are_the_floors_and_the_dev_pins_meet_them():
    runtime = {requirement.name: requirement for requirement in requirements(REPO / "requirements.txt")}
    assert set(runtime) == RUNTIME
    assert all(str(requirement.specifier).startswith(">=") for requirement in runtime.values())
    meta = yaml.safe_load((REPO / "meta/execution-environment.yml").read_text())
    assert meta["dependencies"]["python"] == "requirements.txt"
    dev_text = (REPO / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev_text.splitlines()
    pins = {requirement.name: requirement for requirement in requirements(REPO / "requirements-dev.txt")}
    assert set(pins) >= DEVELOPMENT
    for name, floor in runtime.items():
        (pinned,) = [str(spec.version) for spec in pins[name].specifier]
        assert floor.specifier.contains(pinned), f"requirements-dev.txt pins {name} {pinned}, below {floor}"


def test_the_example_execution_environment_is_one_ansible_builder_accepts(tmp_path):
    example = REPO / "examples/execution-environment/execution-environment.yml"
    subprocess.run(
        [tool("ansible-builder"), "create", "-f", str(example), "--context", str(tmp_path / "context")],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    galaxy = yaml.safe_load((tmp_path / "context/_build/requirements.yml").read_text())
    names = [collection["name"] for collection in galaxy["collections"]]
    assert any("flask-react/aws" in name or name == "flask_react.aws" for name in names), names
