"""Make ansible-test's sanity venvs with uv, where ansible-test would make them with pip.

ansible-test runs most sanity tests in a venv of their own under ~/.ansible/test/venv, made the
first time a test runs: `python -m venv --without-pip`, pip bootstrapped into it, the test's pinned
requirements installed, pip removed again, nine times over. With pip's downloads already cached, a
sanity run without its venvs took 95 CPU-s, 68 with this (64 once the venvs exist). This makes
the same venvs first, at the path ansible-test computes (its own functions give the label and the
hash of the install commands), with uv from the checkout's venv; ansible-test then finds each one's
marker and uses it. A venv this does not make (a test added to a later ansible-test) or
one it fails to make is left to ansible-test, which makes it as before.

Run by tools/sanity/run.sh with HOME already pointed where ansible-test will look.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from types import SimpleNamespace

from ansible_test._internal.commands.sanity import hash_pip_commands
from ansible_test._internal.python_requirements import PipInstall, collect_requirements
from ansible_test._internal.util_common import yamlcheck
from ansible_test._internal.venv import iterate_real_pythons

# (the sanity test's venv name, whether ansible-test asks for it minimized): the tests that install
# requirements when sanity runs on a collection (the import test's plugin venv is the minimized one).
VENVS = (
    ("ansible-doc", False),
    ("changelog", False),
    ("import", False),
    ("import.plugin", True),
    ("pep8", False),
    ("pylint", False),
    ("runtime-metadata", False),
    ("validate-modules", False),
    ("yamllint", False),
)


def install(venv: pathlib.Path, command: PipInstall, uv: str) -> None:
    """What ansible-test's requirements.py does for one install command, with uv."""
    with tempfile.TemporaryDirectory(prefix="sanity-venv-") as tmp:
        options = []
        for flag, files in (("-r", command.requirements), ("-c", command.constraints)):
            for path, content in files:
                target = pathlib.Path(tmp, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
                options += [flag, str(target)]
        python = str(venv / "bin" / "python")
        uv_install = [uv, "pip", "install", "--quiet", "--python", python]
        subprocess.run([*uv_install, *options, *command.packages], check=True)


def make(name: str, minimize: bool, python: SimpleNamespace, uv: str) -> str:
    commands = collect_requirements(
        python=python, controller=True, command=None, ansible=False, coverage=False, minimize=minimize, sanity=name
    )
    installs = [command for command in commands if isinstance(command, PipInstall)]
    if not installs:
        return f"{name}: no requirements, left to ansible-test"
    home = pathlib.Path(os.path.expanduser("~/.ansible/test/venv"))
    venv = home / f"sanity.{name}" / python.version / hash_pip_commands(commands)
    if (venv / "marker.txt").exists():
        return f"{name}: already made"
    shutil.rmtree(venv, ignore_errors=True)
    # ansible-test's own venv (its bootstrap installs pip, then removes it: none is left either way).
    subprocess.run([python.path, "-m", "venv", "--without-pip", str(venv)], check=True)
    for command in installs:
        install(venv, command, uv)
    (venv / "meta.install.json").write_text(json.dumps([command.serialize() for command in commands], indent=4))
    has_yaml = any(command.has_package("pyyaml") for command in installs)
    checked = yamlcheck(SimpleNamespace(path=str(venv / "bin" / "python"))) if has_yaml else None
    (venv / "meta.yaml.json").write_text(json.dumps(checked))
    (venv / "marker.txt").touch()  # last: a venv without it is one ansible-test remakes
    return f"{name}: made"


def controller_python() -> SimpleNamespace:
    """This Python's version, and the real interpreter of it that ansible-test makes venvs with."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return SimpleNamespace(version=version, path=next(iter(iterate_real_pythons(version)), sys.executable))


def main() -> int:
    uv = shutil.which("uv", path=os.path.dirname(sys.executable))
    if not uv:
        print("sanity venvs: no uv beside this Python; ansible-test makes them with pip")
        return 0
    python = controller_python()
    for name, minimize in VENVS:
        try:
            print("sanity venv", make(name, minimize, python, uv))
        except Exception as error:  # noqa: BLE001 - whatever failed, ansible-test makes this venv itself
            print(f"sanity venv {name}: not made ({error}); ansible-test makes it with pip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
