"""playbooks/images.yml stops with one clear message, before any AWS call, where no Docker engine answers."""

import json
import os
import subprocess

from tests.conftest import REPO
from tests.unit.playbooks.conftest import writes


def test_no_docker_engine_stops_before_anything(playbook, tmp_path, monkeypatch):
    # A docker client that finds no engine, as on these machines (and whatever this one has).
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' >&2\nexit 1\n"
    )
    (fake / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    run, calls = playbook("images.yml")
    assert run.returncode != 0
    assert "No Docker engine answers on this machine (Cannot connect to the Docker daemon" in run.stdout
    assert calls == [] and writes(calls) == []


def test_ecr_login_password_module_returns_the_registry_and_a_password(recording_emulator):
    port = recording_emulator[0]
    args = f"region=us-west-1 endpoint_url=http://127.0.0.1:{port} access_key=testing secret_key=testing"
    run = subprocess.run(
        ["ansible", "localhost", "-m", "flask_react.aws.ecr_login_password", "-a", args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            os.environ,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ),
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result["changed"] is False
    assert result["registry"] == "123456789012.dkr.ecr.us-west-1.amazonaws.com"
    assert result["password"]
