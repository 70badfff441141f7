"""tools/sanity/venvs.py: the venvs it makes with uv are the ones ansible-test then uses, not makes again."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from ansible_test._internal.commands import sanity

from tools.sanity import venvs

UV = shutil.which("uv", path=str(Path(sys.executable).parent))
PYTHON = venvs.controller_python()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of the test's own for ansible-test's venvs; uv keeps the cache make venv filled (run.sh does too)."""
    if UV:
        cache = subprocess.run([UV, "cache", "dir"], capture_output=True, text=True, check=True).stdout.strip()
        monkeypatch.setenv("UV_CACHE_DIR", cache)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def would_make(*_args, **_kwargs):
    raise AssertionError("ansible-test found no venv and would make one itself")


@pytest.mark.skipif(UV is None, reason="no uv beside this Python (make venv installs it)")
def test_ansible_test_uses_the_venv_made_with_uv(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert venvs.make("yamllint", False, PYTHON, UV) == "yamllint: made"
    monkeypatch.setattr(sanity, "create_virtual_environment", would_make)

    found = sanity.create_sanity_virtualenv(SimpleNamespace(explain=False), PYTHON, "yamllint")

    venv = Path(found.path).parents[1]
    assert venv.parent.parent == home / ".ansible" / "test" / "venv" / "sanity.yamllint"
    assert list(venv.glob("lib/python*/site-packages/yamllint/__init__.py"))
    assert sanity.check_sanity_virtualenv_yaml(found) is not None  # PyYAML found, as ansible-test records it
    assert venvs.make("yamllint", False, PYTHON, UV) == "yamllint: already made"


def test_a_venv_uv_could_not_make_is_left_to_ansible_test(home: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError):
        venvs.make("yamllint", False, PYTHON, "/bin/false")

    # No marker: ansible-test removes what is there and makes the venv with pip.
    assert not list((home / ".ansible" / "test" / "venv").glob("*/*/*/marker.txt"))
