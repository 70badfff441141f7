"""Every collection the roles, playbooks and plugins use is declared in galaxy.yml and requirements.yml,
so `ansible-galaxy collection install` of this collection brings what it runs."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO

CORE = {"ansible.builtin", "ansible.legacy", "flask_react.aws"}
NAME = r"([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*"
USES = (
    re.compile(rf"^\s*-?\s*{NAME}:\s*$", re.MULTILINE),  # a task's module
    re.compile(rf"lookup\(\s*['\"]{NAME}"),  # a lookup
    re.compile(rf"\|\s*{NAME}"),  # a filter
    re.compile(rf"group/{NAME}"),  # an action group in module_defaults
    re.compile(r"ansible_collections\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\."),  # a plugin's import
    re.compile(rf"^\s*-\s*{NAME}\s*$", re.MULTILINE),  # a documentation fragment or group member
)


def used_collections() -> dict[str, set[str]]:
    """Collection name -> the files that use it."""
    found: dict[str, set[str]] = {}
    files = [*REPO.glob("roles/**/*.yml"), *REPO.glob("playbooks/*.yml"), *REPO.glob("plugins/**/*.py")]
    files += [*REPO.glob("extensions/molecule/**/*.yml"), REPO / "meta/runtime.yml"]
    for path in files:
        text = path.read_text()
        for pattern in USES:
            for match in pattern.finditer(text):
                name = ".".join(match.groups()) if len(match.groups()) == 2 else match.group(1)
                found.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return {name: paths for name, paths in found.items() if name not in CORE}


def test_every_collection_used_is_declared_in_galaxy_and_requirements():
    used = used_collections()
    assert {"amazon.aws", "community.aws"} <= set(used), used
    galaxy = set(yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"])
    requirements = {entry["name"] for entry in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]}
    missing = {name: sorted(paths) for name, paths in used.items() if name not in galaxy}
    assert not missing, f"used but not in galaxy.yml dependencies: {missing}"
    assert galaxy == requirements, "galaxy.yml dependencies and requirements.yml differ"
